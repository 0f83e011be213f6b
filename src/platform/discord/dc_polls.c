/* Native Discord polls: expiring one before its end (ops->poll_close), and votes. Discord
 * announces a vote one answer at a time; kith events carry a member's whole current choice, so
 * each member's answers on each poll message are kept in the store (they survive a restart). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/discord/dc_internal.h"
#include "store/core_tables.h"

#define VOTE_SCOPE "discord:poll_votes" /* "<message>/<user>" -> answer ids as a bit mask */
#define ANSWER_ID_MAX 32                /* Discord numbers answers from 1; a poll has at most 10 */

kith_err dc_poll_close(struct kith_platform *p, const struct kith_target *to,
                       const char *message_id, kith_action_fn fn, void *ud)
{
    struct dc *dc = dc_of(p);
    char channel[DC_SNOWFLAKE_MAX], message[DC_SNOWFLAKE_MAX];
    kith_err err = dc_target_channel(dc, to, channel, sizeof channel);
    if (err != KITH_OK)
        return err;
    if (!dc_parse_id(message_id, message, sizeof message))
        return KITH_ERR_INVALID;
    char path[128];
    snprintf(path, sizeof path, "/channels/%s/polls/%s/expire", channel, message);
    const struct dc_rest_opts opts = {.method = "POST", .path = path};
    return dc_act(dc, &opts, fn, ud);
}

/* ---- Votes. ---- */

/* The member's answers on a poll as a bit mask (bit n = answer id n); 0 when none is kept. */
static kith_err choice_load(struct dc *dc, const char *key, uint32_t *mask_out)
{
    char *value = NULL;
    kith_err err = kith_db_state_get(dc->core->store, VOTE_SCOPE, key, &value);
    *mask_out = 0;
    if (err == KITH_ERR_NOT_FOUND)
        return KITH_OK;
    if (err != KITH_OK)
        return err;
    char *end = NULL;
    unsigned long mask = strtoul(value, &end, 10);
    if (end != value && *end == '\0' && mask <= UINT32_MAX)
        *mask_out = (uint32_t)mask;
    free(value);
    return KITH_OK;
}

static kith_err choice_store(struct dc *dc, const char *key, uint32_t mask)
{
    char value[16];
    snprintf(value, sizeof value, "%lu", (unsigned long)mask);
    return kith_db_state_set(dc->core->store, VOTE_SCOPE, key, value);
}

/* The choice as zero-based option indexes (answer id 1 is the first option). */
static size_t choice_indexes(uint32_t mask, int *out)
{
    size_t n = 0;
    for (int id = 1; id < ANSWER_ID_MAX; id++)
        if (mask & (1u << id))
            out[n++] = id - 1;
    return n;
}

static void dispatch_choice(struct dc *dc, const cJSON *d, const char *frame, const char *user,
                            const char *message, uint32_t mask)
{
    struct dc_event_build b;
    dc_event_build_init(&b, KITH_EVENT_POLL_VOTE, frame);
    dc_event_build_place(&b, dc_json_str(d, "guild_id"), dc_json_str(d, "channel_id"));
    /* The event names only the voter: an empty member lets the guild cache resolve the owner
     * as admin (the core adds managers), as far as it can without the member's roles. */
    cJSON *voter = cJSON_CreateObject();
    cJSON *member = cJSON_CreateObject();
    if (voter == NULL || member == NULL || cJSON_AddStringToObject(voter, "id", user) == NULL)
        b.failed = true;
    else
        dc_event_build_author(&b, dc, voter, member);
    cJSON_Delete(voter);
    cJSON_Delete(member);
    if (dc_format_id(b.message_id, sizeof b.message_id, message))
        b.ev.poll_vote.poll_id = b.message_id;
    int indexes[ANSWER_ID_MAX];
    b.ev.poll_vote.option_indexes = indexes;
    b.ev.poll_vote.option_count = choice_indexes(mask, indexes);
    b.ev.timestamp_ms = kith_core_now_ms(dc->core);
    if (!b.failed && b.ev.author.id != NULL && b.ev.poll_vote.poll_id != NULL)
        kith_core_dispatch(dc->core, &b.ev);
    else
        kith_log(KITH_LOG_WARN, DC_PLATFORM,
                 "poll vote on %s dropped (incomplete or out of memory)", message);
    dc_event_build_clear(&b);
}

void dc_poll_vote(struct dc *dc, const cJSON *d, const char *frame, bool add)
{
    const char *user = dc_json_str(d, "user_id");
    const char *message = dc_json_str(d, "message_id");
    int64_t answer = dc_json_int(d, "answer_id", 0);
    char snowflake[DC_SNOWFLAKE_MAX];
    if (!dc_parse_id(user, snowflake, sizeof snowflake) ||
        !dc_parse_id(message, snowflake, sizeof snowflake) || answer < 1 ||
        answer >= ANSWER_ID_MAX) {
        kith_log(KITH_LOG_WARN, DC_PLATFORM,
                 "poll vote ignored: it needs user_id, message_id and an answer_id 1-%d",
                 ANSWER_ID_MAX - 1);
        return;
    }
    if (dc->bot_id[0] != '\0' && strcmp(user, dc->bot_id) == 0)
        return;
    char key[2 * DC_SNOWFLAKE_MAX + 2];
    snprintf(key, sizeof key, "%s/%s", message, user);
    uint32_t before = 0;
    kith_err err = choice_load(dc, key, &before);
    if (err != KITH_OK) {
        /* Without the earlier answers the whole choice is unknown: better no event than a
         * wrong one that would replace the member's vote. */
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "poll vote on %s dropped: reading votes failed: %s",
                 message, kith_strerror(err));
        return;
    }
    uint32_t bit = 1u << answer;
    uint32_t after = add ? before | bit : before & ~bit;
    if (after == before)
        return; /* a replay after a resume: nothing changed */
    err = choice_store(dc, key, after);
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, DC_PLATFORM,
                 "poll vote on %s not kept (%s): the next one may "
                 "count this answer wrongly",
                 message, kith_strerror(err));
    dispatch_choice(dc, d, frame, user, message, after);
}
