/* /sync and /messages of the fake homeserver. Stream tokens are "s<N>": everything after stream
 * position N is new. A sync with nothing new waits (long poll) until an event arrives or its
 * timeout passes; a room with more new events than the filter's timeline limit answers
 * "limited" with a prev_batch the client can page back from with /messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm.h"

struct fm_waiter {
    struct fm_waiter *next;
    struct fm *fm;
    struct fake_request *req;
    char *user;
    long since;
    int limit;
    uv_timer_t *timer;
};

static bool parse_token(const char *text, long *out)
{
    if (text == NULL || text[0] != 's')
        return false;
    char *end = NULL;
    long v = strtol(text + 1, &end, 10);
    if (end == text + 1 || *end != '\0' || v < 0)
        return false;
    *out = v;
    return true;
}

static cJSON *token_json(long pos)
{
    char buf[32];
    snprintf(buf, sizeof buf, "s%ld", pos);
    return cJSON_CreateString(buf);
}

static cJSON *stripped(const cJSON *ev)
{
    cJSON *s = cJSON_CreateObject();
    static const char *const keys[] = {"type", "state_key", "sender", "content"};
    for (size_t i = 0; s != NULL && i < 4; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, keys[i]);
        if (v != NULL)
            cJSON_AddItemToObject(s, keys[i], cJSON_Duplicate(v, true));
    }
    return s;
}

static void add_state(const struct fm *fm, const struct fm_room *room, cJSON *events,
                      long before_pos)
{
    const cJSON *entry;
    cJSON_ArrayForEach(entry, room->state)
    {
        const struct fm_event *ev = fm_event_at(fm, (long)entry->valuedouble);
        if (ev != NULL && ev->pos < before_pos)
            cJSON_AddItemToArray(events, cJSON_Duplicate(ev->json, true));
    }
}

/* The joined room's part of a sync, or NULL when nothing is new there. */
static cJSON *joined_room(const struct fm *fm, const struct fm_room *room, const char *user,
                          long since, int limit)
{
    long member_pos = fm_state_pos(room, "m.room.member", user);
    bool joined_since = since > 0 && member_pos > since;
    /* A room the user just joined shows its recent history, as a first sync does. */
    size_t from = joined_since ? 0 : (size_t)since;
    size_t n = 0;
    for (size_t i = from; i < fm->event_count; i++)
        if (strcmp(fm->events[i].room_id, room->id) == 0)
            n++;
    if (since > 0 && n == 0)
        return NULL;
    size_t skip = n > (size_t)limit ? n - (size_t)limit : 0;
    bool limited = skip > 0;
    cJSON *out = cJSON_CreateObject();
    cJSON *timeline = cJSON_AddObjectToObject(out, "timeline");
    cJSON *events = cJSON_AddArrayToObject(timeline, "events");
    cJSON *state = cJSON_AddArrayToObject(cJSON_AddObjectToObject(out, "state"), "events");
    long first_pos = 0;
    size_t seen = 0;
    for (size_t i = from; i < fm->event_count; i++) {
        if (strcmp(fm->events[i].room_id, room->id) != 0 || seen++ < skip)
            continue;
        if (first_pos == 0)
            first_pos = fm->events[i].pos;
        cJSON_AddItemToArray(events, cJSON_Duplicate(fm->events[i].json, true));
    }
    if (first_pos == 0)
        first_pos = (long)fm->event_count + 1;
    cJSON_AddBoolToObject(timeline, "limited", limited);
    cJSON_AddItemToObject(timeline, "prev_batch", token_json(first_pos - 1));
    if (since == 0 || limited || joined_since)
        add_state(fm, room, state, first_pos);
    cJSON_AddArrayToObject(cJSON_AddObjectToObject(out, "ephemeral"), "events");
    cJSON_AddArrayToObject(cJSON_AddObjectToObject(out, "account_data"), "events");
    return out;
}

static cJSON *invited_room(const struct fm *fm, const struct fm_room *room, const char *user)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *events = cJSON_AddArrayToObject(cJSON_AddObjectToObject(out, "invite_state"), "events");
    const cJSON *create = fm_state_get(fm, room, "m.room.create", "");
    if (create != NULL)
        cJSON_AddItemToArray(events, stripped(create));
    cJSON_AddItemToArray(events, stripped(fm_state_get(fm, room, "m.room.member", user)));
    return out;
}

static cJSON *left_room(const struct fm *fm, const struct fm_room *room, const char *user)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *timeline = cJSON_AddObjectToObject(out, "timeline");
    cJSON *events = cJSON_AddArrayToObject(timeline, "events");
    cJSON_AddItemToArray(events,
                         cJSON_Duplicate(fm_state_get(fm, room, "m.room.member", user), true));
    cJSON_AddBoolToObject(timeline, "limited", false);
    cJSON_AddArrayToObject(cJSON_AddObjectToObject(out, "state"), "events");
    return out;
}

static cJSON *build_sync(const struct fm *fm, const char *user, long since, int limit,
                         bool *news_out)
{
    cJSON *resp = cJSON_CreateObject();
    cJSON_AddItemToObject(resp, "next_batch", token_json((long)fm->event_count));
    cJSON *rooms = cJSON_AddObjectToObject(resp, "rooms");
    cJSON *join = cJSON_AddObjectToObject(rooms, "join");
    cJSON *invite = cJSON_AddObjectToObject(rooms, "invite");
    cJSON *leave = cJSON_AddObjectToObject(rooms, "leave");
    cJSON_AddArrayToObject(cJSON_AddObjectToObject(resp, "presence"), "events");
    cJSON_AddArrayToObject(cJSON_AddObjectToObject(resp, "account_data"), "events");
    bool news = false;
    for (const struct fm_room *r = fm->rooms; r != NULL; r = r->next) {
        const char *m = fm_membership(fm, r, user);
        long member_pos = fm_state_pos(r, "m.room.member", user);
        cJSON *part = NULL;
        cJSON *into = NULL;
        if (m != NULL && strcmp(m, "join") == 0) {
            part = joined_room(fm, r, user, since, limit);
            into = join;
        } else if (m != NULL && strcmp(m, "invite") == 0 && member_pos > since) {
            part = invited_room(fm, r, user);
            into = invite;
        } else if (m != NULL && since > 0 && member_pos > since &&
                   (strcmp(m, "leave") == 0 || strcmp(m, "ban") == 0)) {
            part = left_room(fm, r, user);
            into = leave;
        }
        if (part != NULL) {
            cJSON_AddItemToObject(into, r->id, part);
            news = true;
        }
    }
    *news_out = news;
    return resp;
}

static void free_timer(uv_handle_t *handle)
{
    free(handle);
}

static void waiter_free(struct fm_waiter *w)
{
    if (w->timer != NULL)
        uv_close((uv_handle_t *)w->timer, free_timer);
    free(w->user);
    free(w);
}

static void unlink_waiter(struct fm *fm, struct fm_waiter *w)
{
    for (struct fm_waiter **p = &fm->waiters; *p != NULL; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            return;
        }
    }
}

static void answer_waiter(struct fm_waiter *w)
{
    struct fm *fm = w->fm;
    bool news = false;
    cJSON *resp = build_sync(fm, w->user, w->since, w->limit, &news);
    unlink_waiter(fm, w);
    fake_request_on_abort(w->req, NULL, NULL);
    fm_respond(fm, w->req, 200, resp);
    cJSON_Delete(resp);
    waiter_free(w);
}

static void on_waiter_timeout(uv_timer_t *timer)
{
    struct fm_waiter *w = timer->data;
    if (w->fm->hold_wake > 0) { /* events are being held for one batch: not half of them */
        uv_timer_start(timer, on_waiter_timeout, 50, 0);
        return;
    }
    answer_waiter(w);
}

static void on_waiter_abort(struct fake_request *req, void *ud)
{
    (void)req;
    struct fm_waiter *w = ud;
    unlink_waiter(w->fm, w);
    waiter_free(w);
}

void fm_sync_wake(struct fm *fm)
{
    bool again = fm->hold_wake == 0;
    while (again) {
        again = false;
        for (struct fm_waiter *w = fm->waiters; w != NULL; w = w->next) {
            bool news = false;
            cJSON *resp = build_sync(fm, w->user, w->since, w->limit, &news);
            cJSON_Delete(resp);
            if (news) {
                answer_waiter(w);
                again = true;
                break;
            }
        }
    }
}

void fm_sync_drop_user(struct fm *fm, const char *user)
{
    bool again = true;
    while (again) {
        again = false;
        for (struct fm_waiter *w = fm->waiters; w != NULL; w = w->next) {
            if (strcmp(w->user, user) != 0)
                continue;
            unlink_waiter(fm, w);
            fake_request_on_abort(w->req, NULL, NULL);
            fm_error(fm, w->req, 401, "M_UNKNOWN_TOKEN", "Access token has been logged out");
            waiter_free(w);
            again = true;
            break;
        }
    }
}

void fm_sync_free(struct fm *fm)
{
    while (fm->waiters != NULL) {
        struct fm_waiter *w = fm->waiters;
        fm->waiters = w->next;
        waiter_free(w);
    }
}

/* The timeline limit of the request's filter: inline JSON or an id from POST .../filter. */
static bool filter_limit(struct fm *fm, struct fake_request *req, int *limit_out)
{
    *limit_out = FM_DEFAULT_TIMELINE_LIMIT;
    char *text = fake_request_query_param(req, "filter");
    if (text == NULL)
        return true;
    cJSON *parsed = text[0] == '{' ? cJSON_Parse(text) : NULL;
    const cJSON *filter =
        text[0] == '{' ? parsed : cJSON_GetObjectItemCaseSensitive(fm->filters, text);
    free(text);
    bool ok = filter != NULL;
    const cJSON *limit = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(filter, "room"),
                                         "timeline"),
        "limit");
    if (cJSON_IsNumber(limit) && limit->valueint > 0)
        *limit_out = limit->valueint;
    cJSON_Delete(parsed);
    return ok;
}

void fm_sync_route(struct fm *fm, struct fake_request *req, const char *user)
{
    char *since_text = fake_request_query_param(req, "since");
    char *timeout_text = fake_request_query_param(req, "timeout");
    long since = 0;
    bool since_ok =
        since_text == NULL || (parse_token(since_text, &since) && since <= (long)fm->event_count);
    long timeout = timeout_text ? strtol(timeout_text, NULL, 10) : 0;
    free(since_text);
    free(timeout_text);
    int limit;
    if (!filter_limit(fm, req, &limit)) {
        fm_error(fm, req, 400, "M_INVALID_PARAM", "Invalid filter");
        return;
    }
    if (!since_ok) {
        fm_error(fm, req, 400, "M_INVALID_PARAM", "Invalid stream token");
        return;
    }
    bool news = false;
    cJSON *resp = build_sync(fm, user, since, limit, &news);
    bool held = fm->hold_wake > 0 && since > 0;
    if (!held && (news || since == 0 || timeout <= 0)) {
        fm_respond(fm, req, 200, resp);
        cJSON_Delete(resp);
        return;
    }
    cJSON_Delete(resp);
    struct fm_waiter *w = calloc(1, sizeof *w);
    if (w == NULL || (w->user = strdup(user)) == NULL ||
        (w->timer = malloc(sizeof *w->timer)) == NULL) {
        if (w != NULL)
            free(w->user);
        free(w);
        fm_error(fm, req, 500, "M_UNKNOWN", "out of memory");
        return;
    }
    w->fm = fm;
    w->req = req;
    w->since = since;
    w->limit = limit;
    uv_timer_init(fm->loop, w->timer);
    w->timer->data = w;
    uv_timer_start(w->timer, on_waiter_timeout, (uint64_t)timeout, 0);
    w->next = fm->waiters;
    fm->waiters = w;
    fake_request_on_abort(req, on_waiter_abort, w);
}

static cJSON *with_room_id(const struct fm_event *ev)
{
    cJSON *copy = cJSON_Duplicate(ev->json, true);
    if (copy != NULL)
        cJSON_AddStringToObject(copy, "room_id", ev->room_id);
    return copy;
}

void fm_messages_route(struct fm *fm, struct fake_request *req, struct fm_room *room)
{
    char *from_text = fake_request_query_param(req, "from");
    char *to_text = fake_request_query_param(req, "to");
    char *dir = fake_request_query_param(req, "dir");
    char *limit_text = fake_request_query_param(req, "limit");
    bool backwards = dir == NULL || strcmp(dir, "f") != 0;
    long from = backwards ? (long)fm->event_count : 0;
    long to = backwards ? 0 : (long)fm->event_count;
    bool ok = (from_text == NULL || parse_token(from_text, &from)) &&
              (to_text == NULL || parse_token(to_text, &to));
    long limit = limit_text ? strtol(limit_text, NULL, 10) : 10;
    if (limit <= 0 || limit > 1000)
        limit = 10;
    free(to_text);
    free(dir);
    free(limit_text);
    if (!ok) {
        free(from_text);
        fm_error(fm, req, 400, "M_INVALID_PARAM", "Invalid pagination token");
        return;
    }
    cJSON *resp = cJSON_CreateObject();
    cJSON *chunk = cJSON_AddArrayToObject(resp, "chunk");
    cJSON_AddItemToObject(resp, "start", token_json(from));
    free(from_text);
    long count = 0;
    long last = from;
    bool more = false;
    for (long pos = backwards ? from : from + 1; backwards ? pos > to : pos <= to;
         pos += backwards ? -1 : 1) {
        const struct fm_event *ev = fm_event_at(fm, pos);
        if (ev == NULL || strcmp(ev->room_id, room->id) != 0)
            continue;
        if (count == limit) {
            more = true;
            break;
        }
        cJSON_AddItemToArray(chunk, with_room_id(ev));
        count++;
        last = pos;
    }
    if (more)
        cJSON_AddItemToObject(resp, "end", token_json(backwards ? last - 1 : last));
    fm_respond(fm, req, 200, resp);
    cJSON_Delete(resp);
}
