/* Native polls (MSC3381): what each poll's answers are, whether it has ended, which responses
 * count, and ending the bot's own polls with m.poll.end. Kept in the store, so votes and the
 * end are read the same way after a restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/log.h"
#include "platform/matrix/matrix.h"
#include "store/core_tables.h"

/* poll event id -> {"answers": [ids], "question", "sender", "max", "unstable", "ended"}; an
 * older release stored the bare array of answer ids. */
#define POLLS_SCOPE "matrix.polls"
#define UNSTABLE_PREFIX "org.matrix.msc3381."

static const cJSON *field(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* The stored record of a poll as an object (caller deletes), or NULL when none is stored. */
static cJSON *record_load(struct mx *mx, const char *event_id)
{
    char *text = NULL;
    if (kith_db_state_get(mx->core->store, POLLS_SCOPE, event_id, &text) != KITH_OK)
        return NULL;
    cJSON *stored = cJSON_Parse(text);
    free(text);
    if (cJSON_IsObject(stored))
        return stored;
    cJSON *record = cJSON_CreateObject();
    if (record != NULL && cJSON_IsArray(stored)) {
        cJSON_AddItemToObject(record, "answers", stored);
        return record;
    }
    cJSON_Delete(stored);
    return record;
}

static kith_err record_save(struct mx *mx, const char *event_id, const cJSON *record)
{
    char *text = cJSON_PrintUnformatted(record);
    if (text == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = kith_db_state_set(mx->core->store, POLLS_SCOPE, event_id, text);
    free(text);
    return err;
}

/* Saves record (taken) under event_id, keeping the end of a poll already known to be over. */
static kith_err record_replace(struct mx *mx, const char *event_id, cJSON *record)
{
    cJSON *old = record_load(mx, event_id);
    bool ended = cJSON_IsTrue(field(old, "ended"));
    cJSON_Delete(old);
    kith_err err = KITH_ERR_NOMEM;
    if (record != NULL && cJSON_AddBoolToObject(record, "ended", ended))
        err = record_save(mx, event_id, record);
    cJSON_Delete(record);
    return err;
}

/* ---- Remembering polls. ---- */

/* The poll block of m.poll.start ("m.poll"), the unstable form and the older stable draft. */
static const cJSON *poll_block(const cJSON *content)
{
    const cJSON *block = field(content, "m.poll");
    if (block == NULL)
        block = field(content, UNSTABLE_PREFIX "poll.start");
    if (block == NULL)
        block = field(content, "m.poll.start");
    return block;
}

/* The question's text in whichever form the start event carries it, or NULL (borrowed). */
static const char *question_text(const cJSON *block)
{
    const cJSON *question = field(block, "question");
    const cJSON *stable = field(question, "m.text"); /* [{"body"}] */
    const char *text = cJSON_GetStringValue(field(question, "org.matrix.msc1767.text"));
    if (text == NULL && cJSON_IsArray(stable))
        text = cJSON_GetStringValue(field(cJSON_GetArrayItem(stable, 0), "body"));
    if (text == NULL)
        text = cJSON_GetStringValue(stable); /* an early draft: "m.text": "..." */
    if (text == NULL)
        text = cJSON_GetStringValue(field(question, "body"));
    return text;
}

static cJSON *answer_ids(const cJSON *block)
{
    cJSON *ids = cJSON_CreateArray();
    const cJSON *answer;
    cJSON_ArrayForEach(answer, field(block, "answers"))
    {
        const cJSON *id = field(answer, "m.id");
        if (id == NULL)
            id = field(answer, "id");
        cJSON *copy = cJSON_CreateString(cJSON_IsString(id) ? id->valuestring : "");
        if (ids == NULL || copy == NULL || !cJSON_AddItemToArray(ids, copy)) {
            cJSON_Delete(copy);
            cJSON_Delete(ids);
            return NULL;
        }
    }
    return ids;
}

kith_err mx_polls_remember(struct mx *mx, const char *event_id, const cJSON *event)
{
    const cJSON *type = field(event, "type");
    const cJSON *sender = field(event, "sender");
    const cJSON *block = poll_block(field(event, "content"));
    const cJSON *max = field(block, "max_selections");
    const char *question = question_text(block);
    cJSON *record = cJSON_CreateObject();
    cJSON *ids = answer_ids(block);
    bool unstable = cJSON_IsString(type) &&
                    strncmp(type->valuestring, UNSTABLE_PREFIX, strlen(UNSTABLE_PREFIX)) == 0;
    bool ok = record != NULL && ids != NULL;
    if (ok) {
        cJSON_AddItemToObject(record, "answers", ids);
        ids = NULL;
        ok = cJSON_AddBoolToObject(record, "unstable", unstable) &&
             cJSON_AddNumberToObject(record, "max", cJSON_IsNumber(max) ? max->valuedouble : 1) &&
             (question == NULL || cJSON_AddStringToObject(record, "question", question)) &&
             (!cJSON_IsString(sender) ||
              cJSON_AddStringToObject(record, "sender", sender->valuestring));
    }
    cJSON_Delete(ids);
    if (!ok) {
        cJSON_Delete(record);
        return KITH_ERR_NOMEM;
    }
    return record_replace(mx, event_id, record);
}

/* The bot's own poll, known as soon as the homeserver accepted it: votes that arrive before
 * the poll's own event comes back through /sync are read correctly. */
kith_err mx_polls_remember_sent(struct mx *mx, const char *event_id, const kith_message *msg)
{
    const struct kith_message_poll *poll = msg->poll;
    cJSON *record = cJSON_CreateObject();
    cJSON *ids = record ? cJSON_AddArrayToObject(record, "answers") : NULL;
    bool ok = ids != NULL && cJSON_AddBoolToObject(record, "unstable", false) &&
              cJSON_AddNumberToObject(record, "max",
                                      poll->allow_multiple ? (double)poll->answer_count : 1) &&
              cJSON_AddStringToObject(record, "question", poll->question) &&
              (mx->user_id == NULL || cJSON_AddStringToObject(record, "sender", mx->user_id));
    for (size_t i = 0; ok && i < poll->answer_count; i++) {
        char id[24];
        snprintf(id, sizeof id, "%zu", i + 1); /* as mx_render numbers them */
        cJSON *copy = cJSON_CreateString(id);
        ok = copy != NULL && cJSON_AddItemToArray(ids, copy);
        if (!ok)
            cJSON_Delete(copy);
    }
    if (!ok) {
        cJSON_Delete(record);
        return KITH_ERR_NOMEM;
    }
    return record_replace(mx, event_id, record);
}

/* ---- The end of a poll. ---- */

/* MSC3381: only the poll's sender (or someone who may redact, here a room admin) ends it. */
void mx_polls_end_seen(struct mx *mx, const char *room_id, const cJSON *event)
{
    const char *poll =
        cJSON_GetStringValue(field(field(field(event, "content"), "m.relates_to"), "event_id"));
    const char *sender = cJSON_GetStringValue(field(event, "sender"));
    if (poll == NULL || sender == NULL)
        return;
    cJSON *record = record_load(mx, poll);
    if (record == NULL)
        record = cJSON_CreateObject();
    const char *started_by = cJSON_GetStringValue(field(record, "sender"));
    bool may = started_by == NULL || strcmp(started_by, sender) == 0 ||
               mx_room_is_admin(mx, room_id, sender);
    kith_err err = KITH_ERR_NOMEM;
    if (!may) {
        kith_log(KITH_LOG_INFO, MX_PLATFORM, "%s tried to end poll %s of %s: ignored", sender, poll,
                 started_by);
        err = KITH_OK;
    } else if (record != NULL) {
        cJSON_DeleteItemFromObjectCaseSensitive(record, "ended");
        err =
            cJSON_AddTrueToObject(record, "ended") ? record_save(mx, poll, record) : KITH_ERR_NOMEM;
    }
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not record the end of poll %s: %s", poll,
                 kith_strerror(err));
    cJSON_Delete(record);
}

/* Zero-based answer index of answer_id, or -1. Without stored answers, the bot's numbering. */
static int answer_index(const cJSON *record, const char *answer_id)
{
    const cJSON *ids = field(record, "answers");
    if (!cJSON_IsArray(ids)) {
        int n = mx_choices_number_from_key(answer_id);
        return n >= 1 && n <= KITH_POLL_ANSWERS_MAX ? n - 1 : -1;
    }
    for (int i = 0; i < cJSON_GetArraySize(ids); i++) {
        const cJSON *id = cJSON_GetArrayItem(ids, i);
        if (cJSON_IsString(id) && strcmp(id->valuestring, answer_id) == 0)
            return i;
    }
    return -1;
}

enum mx_vote mx_polls_read_vote(struct mx *mx, const char *poll_event_id, const cJSON *selections,
                                int *indexes, size_t *count_out)
{
    *count_out = 0;
    cJSON *record = record_load(mx, poll_event_id);
    if (cJSON_IsTrue(field(record, "ended"))) {
        cJSON_Delete(record);
        return MX_VOTE_AFTER_END;
    }
    const cJSON *max_item = field(record, "max");
    size_t max = cJSON_IsNumber(max_item) && max_item->valuedouble >= 1
                     ? (size_t)max_item->valuedouble
                     : (size_t)KITH_POLL_ANSWERS_MAX;
    size_t n = 0;
    const cJSON *id;
    cJSON_ArrayForEach(id, selections)
    {
        int index = cJSON_IsString(id) ? answer_index(record, id->valuestring) : -1;
        bool seen = false;
        for (size_t i = 0; i < n; i++)
            seen = seen || indexes[i] == index;
        /* MSC3381: selections past max_selections are not counted; repeats count once. */
        if (index >= 0 && !seen && n < max)
            indexes[n++] = index;
    }
    cJSON_Delete(record);
    *count_out = n;
    return n == 0 && cJSON_GetArraySize(selections) > 0 ? MX_VOTE_SPOILED : MX_VOTE_COUNTS;
}

/* ---- Ending the bot's own poll. ---- */

struct closing {
    struct mx *mx;
    kith_action_fn fn;
    void *ud;
    char *poll; /* event id, unprefixed */
};

static void on_closed(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    struct closing *c = ud;
    const char *end_id = cJSON_GetStringValue(field(reply->json, "event_id"));
    char *detail = reply->err != KITH_OK ? mx_reply_detail_dup(reply) : NULL;
    char *message_id = reply->err == KITH_OK && end_id ? mx_prefixed_dup(end_id) : NULL;
    if (reply->err != KITH_OK && reply->err != KITH_ERR_CANCELLED)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "ending poll %s failed: %s", c->poll,
                 detail ? detail : kith_strerror(reply->err));
    struct kith_result result = {.err = reply->err, .message_id = message_id, .detail = detail};
    if (c->fn != NULL)
        c->fn(&result, c->ud);
    free(message_id);
    free(detail);
    free(c->poll);
    free(c);
    mx_action_finished(mx);
}

static bool add_text(cJSON *content, const char *summary)
{
    cJSON *parts = cJSON_AddArrayToObject(content, "m.text");
    cJSON *part = cJSON_CreateObject();
    if (parts == NULL || part == NULL || !cJSON_AddStringToObject(part, "body", summary) ||
        !cJSON_AddItemToArray(parts, part)) {
        cJSON_Delete(part);
        return false;
    }
    return cJSON_AddStringToObject(content, "org.matrix.msc1767.text", summary) &&
           cJSON_AddStringToObject(content, "body", summary);
}

/* m.poll.end with both the stable text and the unstable end block, so every client shows it. */
static char *end_body_dup(const char *poll, const char *question)
{
    char *summary = NULL;
    if ((question ? asprintf(&summary, "The poll \"%s\" has ended.", question)
                  : asprintf(&summary, "The poll has ended.")) < 0)
        return NULL;
    cJSON *content = cJSON_CreateObject();
    cJSON *rel = content ? cJSON_AddObjectToObject(content, "m.relates_to") : NULL;
    char *body = NULL;
    if (rel != NULL && cJSON_AddStringToObject(rel, "rel_type", "m.reference") &&
        cJSON_AddStringToObject(rel, "event_id", poll) && add_text(content, summary) &&
        cJSON_AddObjectToObject(content, UNSTABLE_PREFIX "poll.end") != NULL)
        body = cJSON_PrintUnformatted(content);
    cJSON_Delete(content);
    free(summary);
    return body;
}

/* The send path of the end event: m.poll.end, or the unstable type for a poll started so. The
 * transaction id comes from the poll, so ending it twice (a retried job after a restart) is
 * one end event. */
static char *end_path_dup(const char *room, const char *poll, bool unstable)
{
    char *room_esc = mx_escape_dup(room);
    char *txn = mx_txn_derived_dup("ke", poll);
    char *txn_esc = txn ? mx_escape_dup(txn) : NULL;
    char *path = NULL;
    if (room_esc == NULL || txn_esc == NULL ||
        asprintf(&path, MX_CLIENT "/rooms/%s/send/%s/%s", room_esc,
                 unstable ? UNSTABLE_PREFIX "poll.end" : "m.poll.end", txn_esc) < 0)
        path = NULL;
    free(room_esc);
    free(txn);
    free(txn_esc);
    return path;
}

kith_err mx_op_poll_close(struct kith_platform *p, const struct kith_target *to,
                          const char *message_id, kith_action_fn fn, void *ud)
{
    struct mx *mx = p->impl;
    const char *room = mx_target_room(to);
    if (room == NULL || message_id == NULL || kith_id_local(message_id)[0] != '$')
        return KITH_ERR_INVALID;
    if (mx->phase != MX_RUNNING && !(mx->phase == MX_CONNECTING && mx->token != NULL))
        return KITH_ERR_BUSY;
    const char *poll = kith_id_local(message_id);
    cJSON *record = record_load(mx, poll);
    char *body = end_body_dup(poll, cJSON_GetStringValue(field(record, "question")));
    char *path = end_path_dup(room, poll, cJSON_IsTrue(field(record, "unstable")));
    char *txn = mx_txn_derived_dup("ke", poll);
    cJSON_Delete(record);
    struct closing *c = calloc(1, sizeof *c);
    kith_err err = KITH_ERR_NOMEM;
    if (c != NULL && body != NULL && path != NULL && txn != NULL &&
        (c->poll = strdup(poll)) != NULL) {
        c->mx = mx;
        c->fn = fn;
        c->ud = ud;
        err = mx_outbox_put(mx, txn, path, body, on_closed, c);
    }
    if (err == KITH_OK) {
        mx->actions_pending++;
    } else if (c != NULL) {
        free(c->poll);
        free(c);
    }
    free(body);
    free(path);
    free(txn);
    return err;
}
