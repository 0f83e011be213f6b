/* Votes: button presses ("p:<poll>:<option>") and native poll votes. One choice per member
 * (every option toggles with --multi); anonymous polls key votes by a salted hash of the
 * member's id, so a vote can change without the store knowing who cast it. */
#include <stdio.h>
#include <string.h>

#include "logic/poll_sha256.h"
#include "poll.h"
#include "polls_shared.h"

/* The key votes are stored under: the member's id, or for anonymous polls
 * sha256(salt ":" id) in hex. False when an anonymous poll has lost its salt (it closed). */
static bool voter_key(const struct poll_record *p, const char *user_id,
                      char key[POLL_SHA256_HEX_SIZE + 256])
{
    if (!p->anonymous) {
        snprintf(key, POLL_SHA256_HEX_SIZE + 256, "%s", user_id);
        return strlen(user_id) < POLL_SHA256_HEX_SIZE + 256;
    }
    if (p->salt == NULL)
        return false;
    char salted[512];
    int n = snprintf(salted, sizeof salted, "%s:%s", p->salt, user_id);
    if (n < 0 || (size_t)n >= sizeof salted)
        return false;
    poll_sha256_hex(salted, (size_t)n, key);
    return true;
}

/* Stores the member's new choice; *before_out is the one it replaced. */
static kith_err record_choice(struct kith_plugin_ctx *ctx, const struct poll_record *p,
                              const struct kith_event *ev, const char *key, bool from_press,
                              unsigned option, poll_choice native_choice, poll_choice *before_out,
                              poll_choice *after_out)
{
    const struct kith_host *h = poll_host;
    kith_err err = h->db_begin(ctx);
    if (err != KITH_OK)
        return err;
    poll_choice before = 0;
    err = poll_store_choice(ctx, p->id, key, &before);
    poll_choice after =
        from_press ? poll_choice_after_press(before, option, p->multi) : native_choice;
    const char *name = p->anonymous              ? NULL
                       : ev->author.display_name ? ev->author.display_name
                                                 : ev->author.id;
    if (err == KITH_OK && after != before)
        err = poll_store_replace_choice(ctx, p->id, key, name, before, after, h->now_ms(ctx));
    if (err == KITH_OK && after != before && !p->native)
        err = poll_store_set_stale(ctx, p->id, true);
    err = polls_db_end(h, ctx, err);
    if (err != KITH_OK)
        return err;
    *before_out = before;
    *after_out = after;
    return KITH_OK;
}

/* "Margherita" or "Margherita, Diavola". */
static void choice_names(const struct poll_record *p, poll_choice choice, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < p->option_count && used < size; i++) {
        if (!(choice & POLL_CHOICE_BIT(i)))
            continue;
        int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", p->options[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static void tell_voter(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                       const struct poll_record *p, poll_choice before, poll_choice after)
{
    char names[600];
    choice_names(p, after, names, sizeof names);
    if (after == 0)
        poll_say(ctx, ev, true, "Vote removed from poll #%lld.", (long long)p->id);
    else if (p->multi)
        poll_say(ctx, ev, true, "Your votes in poll #%lld: %s.", (long long)p->id, names);
    else if (before != 0)
        poll_say(ctx, ev, true, "You changed your vote to %s.", names);
    else
        poll_say(ctx, ev, true, "You voted for %s.", names);
}

/* The poll a vote is for, open and on this server; answers the member otherwise (when the
 * event can be answered). */
static struct poll_record *open_poll(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                                     int64_t id, bool answer)
{
    struct poll_record *p = NULL;
    kith_err err = poll_store_load(ctx, id, &p);
    if (err == KITH_OK && (ev->server_id == NULL || strcmp(p->server_id, ev->server_id) != 0))
        err = KITH_ERR_NOT_FOUND;
    if (err == KITH_OK && p->closed_at_ms > 0) {
        if (answer)
            poll_say(ctx, ev, true,
                     "Poll #%lld is closed; votes are no longer counted. "
                     "/poll results %lld shows how it ended.",
                     (long long)id, (long long)id);
        poll_record_free(p);
        return NULL;
    }
    if (err != KITH_OK && answer)
        poll_say(ctx, ev, true,
                 err == KITH_ERR_NOT_FOUND ? "This poll no longer exists."
                                           : "Your vote could not be read; please press again.");
    if (err != KITH_OK) {
        poll_record_free(p);
        return NULL;
    }
    return p;
}

void poll_on_press(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    long long id = 0;
    unsigned option = 0;
    int end = 0;
    if (sscanf(ev->component.custom_id, "p:%lld:%u%n", &id, &option, &end) != 2 ||
        ev->component.custom_id[end] != '\0') {
        poll_host->log(ctx, KITH_LOG_INFO, "press on an unknown component \"%s\"",
                       ev->component.custom_id);
        return;
    }
    struct poll_record *p = open_poll(ctx, ev, id, true);
    if (p == NULL)
        return;
    char key[POLL_SHA256_HEX_SIZE + 256];
    poll_choice before = 0, after = 0;
    kith_err err = KITH_OK;
    if (option >= p->option_count)
        poll_say(ctx, ev, true, "That button is not an option of poll #%lld.", id);
    else if (!voter_key(p, ev->author.id, key))
        poll_say(ctx, ev, true, "Your vote could not be counted; please press again.");
    else if ((err = record_choice(ctx, p, ev, key, true, option, 0, &before, &after)) != KITH_OK)
        poll_say(ctx, ev, true, "Your vote could not be saved (%s); please press again.",
                 poll_host->strerror(err));
    else {
        tell_voter(ctx, ev, p, before, after);
        if (before != after)
            poll_live_touch(ctx, p->id);
    }
    poll_record_free(p);
}

void poll_on_native_vote(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_host *h = poll_host;
    int64_t id = 0;
    if (ev->server_id == NULL || ev->poll_vote.poll_id == NULL ||
        poll_store_find_by_message(ctx, ev->server_id, ev->poll_vote.poll_id, &id) != KITH_OK)
        return; /* another plugin's poll, or one we no longer know */
    struct poll_record *p = open_poll(ctx, ev, id, false);
    if (p == NULL) {
        h->log(ctx, KITH_LOG_INFO, "poll #%lld: a vote after the close was not counted",
               (long long)id);
        return;
    }
    poll_choice choice = 0, before = 0, after = 0;
    char key[POLL_SHA256_HEX_SIZE + 256];
    kith_err err = KITH_OK;
    if (!poll_choice_from_indexes(ev->poll_vote.option_indexes, ev->poll_vote.option_count,
                                  p->option_count, p->multi, &choice))
        h->log(ctx, KITH_LOG_WARN, "poll #%lld: a native vote named options it does not have",
               (long long)id);
    else if (!voter_key(p, ev->author.id, key))
        h->log(ctx, KITH_LOG_WARN, "poll #%lld: a native vote had an unusable voter id",
               (long long)id);
    else if ((err = record_choice(ctx, p, ev, key, false, 0, choice, &before, &after)) != KITH_OK)
        h->log(ctx, KITH_LOG_ERROR, "poll #%lld: a native vote was not saved: %s", (long long)id,
               h->strerror(err));
    poll_record_free(p);
}
