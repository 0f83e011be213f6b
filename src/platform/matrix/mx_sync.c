/* The /sync loop: long polls with a filter, hands each new timeline event to mx_events once,
 * back-fills limited timelines with /messages, joins rooms it is invited to, and persists
 * next_batch only after a batch is handled. Each handled event id is stored as it is handled,
 * so a crash in the middle of a batch repeats none of it when the batch comes again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/log.h"
#include "platform/matrix/matrix.h"
#include "store/core_tables.h"

#define SINCE_KEY "next_batch"
#define HANDLED_KEY "handled"
#define SYNC_MARGIN_MS 5000 /* beyond the long-poll timeout, before the request is abandoned */
#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 60000
#define BACKFILL_PAGE 100
#define BACKFILL_PAGES_MAX 5

static const char filter_json[] =
    "{\"room\":{\"timeline\":{\"limit\":50},\"state\":{\"lazy_load_members\":true},"
    "\"ephemeral\":{\"not_types\":[\"*\"]},\"account_data\":{\"not_types\":[\"*\"]}},"
    "\"presence\":{\"not_types\":[\"*\"]},\"account_data\":{\"not_types\":[\"*\"]}}";

enum step { STEP_STATE, STEP_BACKFILL, STEP_EVENTS };

struct batch {
    cJSON *resp;
    const char *since; /* borrowed from the sync state: the token this batch was asked with */
    const cJSON *room; /* the joined room being handled; NULL when all are done */
    enum step step;
    cJSON *backfill; /* events from /messages, newest first */
    char *page_from;
    int pages;
};

struct mx_sync {
    char *since;
    char *filter;   /* escaped for the query */
    cJSON *handled; /* {"since": token, "ids": [...]}: progress inside one batch */
    struct mx_call *call;
    struct batch *batch;
    unsigned failures;
};

static void poll_now(struct mx *mx);
static void run_batch(struct mx *mx);

static cJSON *handled_new(const char *since)
{
    cJSON *h = cJSON_CreateObject();
    if (h == NULL || !cJSON_AddStringToObject(h, "since", since ? since : "") ||
        !cJSON_AddArrayToObject(h, "ids")) {
        cJSON_Delete(h);
        return NULL;
    }
    return h;
}

static char *state_get(struct mx *mx, const char *key)
{
    char *value = NULL;
    kith_err err = kith_db_state_get(mx->core->store, MX_STATE_SCOPE, key, &value);
    if (err != KITH_OK && err != KITH_ERR_NOT_FOUND)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not read %s: %s", key, kith_strerror(err));
    return err == KITH_OK ? value : NULL;
}

kith_err mx_sync_new(struct mx *mx)
{
    struct mx_sync *s = calloc(1, sizeof *s);
    if (s == NULL)
        return KITH_ERR_NOMEM;
    mx->sync = s;
    s->filter = mx_escape_dup(filter_json);
    if (s->filter == NULL)
        return KITH_ERR_NOMEM;
    s->since = state_get(mx, SINCE_KEY);
    if (s->since != NULL && s->since[0] == '\0') {
        free(s->since);
        s->since = NULL;
    }
    char *handled = state_get(mx, HANDLED_KEY);
    s->handled = handled ? cJSON_Parse(handled) : NULL;
    free(handled);
    return KITH_OK;
}

static void batch_free(struct batch *b)
{
    if (b == NULL)
        return;
    cJSON_Delete(b->resp);
    cJSON_Delete(b->backfill);
    free(b->page_from);
    free(b);
}

void mx_sync_free(struct mx *mx)
{
    struct mx_sync *s = mx->sync;
    if (s == NULL)
        return;
    batch_free(s->batch);
    cJSON_Delete(s->handled);
    free(s->since);
    free(s->filter);
    free(s);
    mx->sync = NULL;
}

void mx_sync_stop(struct mx *mx)
{
    struct mx_sync *s = mx->sync;
    uv_timer_stop(&mx->sync_timer);
    if (s != NULL && s->call != NULL)
        mx_call_cancel(mx, s->call);
    if (s != NULL) {
        batch_free(s->batch);
        s->batch = NULL;
    }
}

static void on_sync_timer(uv_timer_t *timer)
{
    poll_now(timer->data);
}

static void retry_later(struct mx *mx, const struct mx_reply *reply)
{
    struct mx_sync *s = mx->sync;
    uint64_t wait = BACKOFF_FIRST_MS;
    for (unsigned i = 0; i < s->failures && wait < BACKOFF_MAX_MS; i++)
        wait *= 2;
    if (wait > BACKOFF_MAX_MS)
        wait = BACKOFF_MAX_MS;
    if (reply != NULL && reply->status == 429)
        wait = mx_retry_after_ms(reply->json, reply->retry_after, wait);
    s->failures++;
    char *detail = reply ? mx_reply_detail_dup(reply) : NULL;
    kith_log(s->failures == 1 ? KITH_LOG_WARN : KITH_LOG_DEBUG, MX_PLATFORM,
             "sync failed (%s); trying again in %llu ms", detail ? detail : "not started",
             (unsigned long long)wait);
    free(detail);
    uv_timer_start(&mx->sync_timer, on_sync_timer, wait, 0);
}

/* ---- Progress inside a batch. ---- */

static bool handled_already(struct mx_sync *s, const char *event_id)
{
    const cJSON *id;
    cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(s->handled, "ids"))
    {
        if (cJSON_IsString(id) && strcmp(id->valuestring, event_id) == 0)
            return true;
    }
    return false;
}

static void mark_handled(struct mx *mx, const char *event_id)
{
    struct mx_sync *s = mx->sync;
    cJSON *ids = cJSON_GetObjectItemCaseSensitive(s->handled, "ids");
    cJSON *id = cJSON_CreateString(event_id);
    if (ids == NULL || id == NULL || !cJSON_AddItemToArray(ids, id)) {
        cJSON_Delete(id);
        return;
    }
    char *text = cJSON_PrintUnformatted(s->handled);
    kith_err err = text ? kith_db_state_set(mx->core->store, MX_STATE_SCOPE, HANDLED_KEY, text)
                        : KITH_ERR_NOMEM;
    free(text);
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not record handled event: %s",
                 kith_strerror(err));
}

/* The stored progress applies only to a batch asked for with the same token. */
static void handled_reset_unless(struct mx_sync *s, const char *since)
{
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(s->handled, "since");
    if (cJSON_IsString(tok) && strcmp(tok->valuestring, since ? since : "") == 0 &&
        cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(s->handled, "ids")))
        return;
    cJSON_Delete(s->handled);
    s->handled = handled_new(since);
}

/* ---- Handling one room of a batch. ---- */

static const char *room_id_of(const struct batch *b)
{
    return b->room->string;
}

static const cJSON *room_part(const struct batch *b, const char *part, const char *field)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b->room, part), field);
}

static void apply_state_events(struct mx *mx, const char *room_id, const cJSON *events)
{
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        mx_room_apply_state(mx, room_id, ev);
    }
}

static void handle_event(struct mx *mx, const char *room_id, const cJSON *ev, bool history)
{
    if (cJSON_HasObjectItem(ev, "state_key"))
        mx_room_apply_state(mx, room_id, ev);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "event_id");
    /* History (the first sync, a room kith just joined) sets the scene; it is not answered. */
    if (history || !cJSON_IsString(id) || handled_already(mx->sync, id->valuestring))
        return;
    mx_event_handle(mx, room_id, ev);
    if (mx->sync != NULL)
        mark_handled(mx, id->valuestring);
}

/* Where the timeline shows kith itself joining the room (-1 when it does not): what came
 * before is the room's history, shown for context, not written to kith. */
static int own_join_index(const struct mx *mx, const struct batch *b)
{
    int index = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, room_part(b, "timeline", "events"))
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(ev, "state_key");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(ev, "content");
        const cJSON *membership = cJSON_GetObjectItemCaseSensitive(content, "membership");
        if (cJSON_IsString(type) && strcmp(type->valuestring, "m.room.member") == 0 &&
            cJSON_IsString(key) && mx->user_id != NULL &&
            strcmp(key->valuestring, mx->user_id) == 0 && cJSON_IsString(membership) &&
            strcmp(membership->valuestring, "join") == 0)
            return index;
        index++;
    }
    return -1;
}

static void handle_room_events(struct mx *mx, struct batch *b)
{
    const char *room_id = room_id_of(b);
    bool initial = b->since == NULL;
    int n = cJSON_GetArraySize(b->backfill);
    for (int i = n - 1; i >= 0; i--)
        handle_event(mx, room_id, cJSON_GetArrayItem(b->backfill, i), initial);
    if (n > 0) /* the state at the start of the timeline is newer than the gap's events */
        apply_state_events(mx, room_id, room_part(b, "state", "events"));
    int joined_at = own_join_index(mx, b);
    int index = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, room_part(b, "timeline", "events"))
    {
        handle_event(mx, room_id, ev, initial || index++ <= joined_at);
        if (mx->sync == NULL || mx->sync->batch != b)
            return; /* stopped while dispatching */
    }
}

static bool batch_current(struct mx *mx, struct batch *b, const struct mx_reply *reply)
{
    struct mx_sync *s = mx->sync;
    if (s == NULL || s->batch != b)
        return false;
    s->call = NULL;
    return reply->err != KITH_ERR_CANCELLED && mx->phase == MX_RUNNING;
}

static void on_room_state(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    struct batch *b = ud;
    if (!batch_current(mx, b, reply))
        return;
    if (reply->err == KITH_OK && cJSON_IsArray(reply->json)) {
        apply_state_events(mx, room_id_of(b), reply->json);
    } else {
        char *detail = mx_reply_detail_dup(reply);
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not read the state of %s: %s", room_id_of(b),
                 detail ? detail : "?");
        free(detail);
    }
    run_batch(mx);
}

static bool fetch_room_state(struct mx *mx, struct batch *b)
{
    char *room = mx_escape_dup(room_id_of(b));
    char *path = NULL;
    if (room == NULL || asprintf(&path, MX_CLIENT "/rooms/%s/state", room) < 0)
        path = NULL;
    free(room);
    struct mx_request req = {.method = "GET", .path = path, .attempts = 3};
    kith_err err =
        path ? mx_call_start(mx, &req, on_room_state, b, &mx->sync->call) : KITH_ERR_NOMEM;
    free(path);
    return err == KITH_OK;
}

static bool fetch_backfill_page(struct mx *mx, struct batch *b);

static void on_backfill(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    struct batch *b = ud;
    if (!batch_current(mx, b, reply))
        return;
    const cJSON *chunk = cJSON_GetObjectItemCaseSensitive(reply->json, "chunk");
    const cJSON *end = cJSON_GetObjectItemCaseSensitive(reply->json, "end");
    if (reply->err != KITH_OK || !cJSON_IsArray(chunk)) {
        char *detail = mx_reply_detail_dup(reply);
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "a gap in %s could not be filled: %s", room_id_of(b),
                 detail ? detail : "?");
        free(detail);
        run_batch(mx);
        return;
    }
    const cJSON *ev;
    cJSON_ArrayForEach(ev, chunk)
    {
        cJSON *copy = cJSON_Duplicate(ev, true);
        if (copy != NULL)
            cJSON_AddItemToArray(b->backfill, copy);
    }
    bool more = cJSON_GetArraySize(chunk) > 0 && cJSON_IsString(end) &&
                strcmp(end->valuestring, b->page_from) != 0 && b->pages < BACKFILL_PAGES_MAX;
    if (more) {
        free(b->page_from);
        b->page_from = strdup(end->valuestring);
        if (b->page_from != NULL && fetch_backfill_page(mx, b))
            return;
    }
    kith_log(KITH_LOG_INFO, MX_PLATFORM, "filled a gap in %s with %d event(s)", room_id_of(b),
             cJSON_GetArraySize(b->backfill));
    run_batch(mx);
}

static bool fetch_backfill_page(struct mx *mx, struct batch *b)
{
    char *room = mx_escape_dup(room_id_of(b));
    char *from = mx_escape_dup(b->page_from);
    char *to = mx_escape_dup(b->since);
    char *path = NULL;
    if (room == NULL || from == NULL || to == NULL ||
        asprintf(&path, MX_CLIENT "/rooms/%s/messages?dir=b&from=%s&to=%s&limit=%d", room, from, to,
                 BACKFILL_PAGE) < 0)
        path = NULL;
    free(room);
    free(from);
    free(to);
    b->pages++;
    struct mx_request req = {.method = "GET", .path = path, .attempts = 3};
    kith_err err = path ? mx_call_start(mx, &req, on_backfill, b, &mx->sync->call) : KITH_ERR_NOMEM;
    free(path);
    return err == KITH_OK;
}

/* A limited timeline skipped events since the last batch: fetch them, oldest last. */
static bool start_backfill(struct mx *mx, struct batch *b)
{
    const cJSON *limited = room_part(b, "timeline", "limited");
    const cJSON *prev = room_part(b, "timeline", "prev_batch");
    if (b->since == NULL || !cJSON_IsTrue(limited) || !cJSON_IsString(prev) ||
        own_join_index(mx, b) >= 0) /* the gap is from before kith was there */
        return false;
    b->backfill = cJSON_CreateArray();
    b->page_from = strdup(prev->valuestring);
    if (b->backfill == NULL || b->page_from == NULL)
        return false;
    return fetch_backfill_page(mx, b);
}

/* ---- The batch as a whole. ---- */

static void on_join(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    char *room = ud;
    if (reply->err == KITH_OK) {
        kith_log(KITH_LOG_INFO, MX_PLATFORM, "joined %s after an invitation", room);
    } else if (reply->err != KITH_ERR_CANCELLED) {
        char *detail = mx_reply_detail_dup(reply);
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not join %s: %s", room, detail ? detail : "?");
        free(detail);
    }
    free(room);
}

static void accept_invites(struct mx *mx, const cJSON *resp)
{
    const cJSON *invite =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "rooms"), "invite");
    const cJSON *room;
    cJSON_ArrayForEach(room, invite)
    {
        if (!mx->cfg->auto_join) {
            kith_log(KITH_LOG_INFO, MX_PLATFORM, "invited to %s; not joining (auto_join is off)",
                     room->string);
            continue;
        }
        char *escaped = mx_escape_dup(room->string);
        char *path = NULL;
        char *copy = strdup(room->string);
        if (escaped == NULL || copy == NULL || asprintf(&path, MX_CLIENT "/join/%s", escaped) < 0)
            path = NULL;
        free(escaped);
        struct mx_request req = {.method = "POST", .path = path, .body = "{}", .attempts = 3};
        kith_err err = path ? mx_call_start(mx, &req, on_join, copy, NULL) : KITH_ERR_NOMEM;
        free(path);
        if (err != KITH_OK) {
            kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not join %s: %s", room->string,
                     kith_strerror(err));
            free(copy);
        }
    }
}

static void commit_batch(struct mx *mx, struct batch *b)
{
    struct mx_sync *s = mx->sync;
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(b->resp, "next_batch");
    accept_invites(mx, b->resp);
    char *since = strdup(next->valuestring);
    if (since == NULL) {
        retry_later(mx, NULL);
        return;
    }
    kith_err err = kith_db_state_set(mx->core->store, MX_STATE_SCOPE, SINCE_KEY, since);
    if (err != KITH_OK)
        kith_log(KITH_LOG_ERROR, MX_PLATFORM, "could not store the sync position: %s",
                 kith_strerror(err));
    if (b->since == NULL)
        kith_log(KITH_LOG_INFO, MX_PLATFORM, "first sync done: %d room(s); history not replayed",
                 cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                     cJSON_GetObjectItemCaseSensitive(b->resp, "rooms"), "join")));
    s->batch = NULL;
    batch_free(b);
    free(s->since);
    s->since = since;
    s->failures = 0;
    poll_now(mx);
}

/* Rooms one after another; a room may need its state or a back-fill first (asynchronous:
 * the callback comes back here). */
static void run_batch(struct mx *mx)
{
    struct batch *b = mx->sync->batch;
    while (b->room != NULL) {
        const char *room_id = room_id_of(b);
        if (b->step == STEP_STATE) {
            apply_state_events(mx, room_id, room_part(b, "state", "events"));
            b->step = STEP_BACKFILL;
            if (!mx_room_known(mx, room_id) && fetch_room_state(mx, b))
                return;
        }
        if (b->step == STEP_BACKFILL) {
            b->step = STEP_EVENTS;
            if (start_backfill(mx, b))
                return;
        }
        handle_room_events(mx, b);
        if (mx->sync == NULL || mx->sync->batch != b)
            return;
        b->room = b->room->next;
        b->step = STEP_STATE;
        cJSON_Delete(b->backfill);
        b->backfill = NULL;
        free(b->page_from);
        b->page_from = NULL;
        b->pages = 0;
    }
    commit_batch(mx, b);
}

static void on_sync(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    (void)ud;
    struct mx_sync *s = mx->sync;
    if (s != NULL)
        s->call = NULL;
    if (s == NULL || reply->err == KITH_ERR_CANCELLED || mx->phase != MX_RUNNING)
        return;
    if (reply->errcode != NULL && strcmp(reply->errcode, "M_UNKNOWN_TOKEN") == 0)
        return; /* the adapter stops (mx_token_rejected): no point in asking again */
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(reply->json, "next_batch");
    if (reply->err != KITH_OK || !cJSON_IsString(next)) {
        retry_later(mx, reply->err != KITH_OK ? reply : NULL);
        return;
    }
    struct batch *b = calloc(1, sizeof *b);
    if (b == NULL || (b->resp = cJSON_Duplicate(reply->json, true)) == NULL) {
        free(b);
        retry_later(mx, NULL);
        return;
    }
    b->since = s->since;
    const cJSON *join = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(b->resp, "rooms"), "join");
    b->room = cJSON_IsObject(join) ? join->child : NULL;
    handled_reset_unless(s, s->since);
    s->batch = b;
    run_batch(mx);
}

static void poll_now(struct mx *mx)
{
    struct mx_sync *s = mx->sync;
    if (mx->phase != MX_RUNNING || s->call != NULL)
        return;
    int timeout = s->since != NULL ? mx->cfg->sync_timeout_ms : 0;
    char *since = s->since ? mx_escape_dup(s->since) : NULL;
    char *path = NULL;
    bool ok = (s->since == NULL || since != NULL) &&
              asprintf(&path, MX_CLIENT "/sync?timeout=%d&set_presence=offline&filter=%s%s%s",
                       timeout, s->filter, since ? "&since=" : "", since ? since : "") >= 0;
    free(since);
    if (!ok) {
        retry_later(mx, NULL);
        return;
    }
    long margin = timeout / 4 > SYNC_MARGIN_MS ? timeout / 4 : SYNC_MARGIN_MS;
    struct mx_request req = {.method = "GET", .path = path, .timeout_ms = timeout + margin};
    kith_err err = mx_call_start(mx, &req, on_sync, NULL, &s->call);
    free(path);
    if (err != KITH_OK)
        retry_later(mx, NULL);
}

void mx_sync_start(struct mx *mx)
{
    kith_log(KITH_LOG_INFO, MX_PLATFORM, "%s", mx->sync->since ? "resuming sync" : "first sync");
    poll_now(mx);
}
