/* The client-server routes of the fake homeserver (after authentication): whoami, filters,
 * sending with transaction-id idempotency, redaction, membership (kick, ban, unban, invite,
 * join, leave), room state, room creation, /messages and media upload; and the login. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm.h"

static bool is(const char *a, const char *b)
{
    return a != NULL && strcmp(a, b) == 0;
}

static void respond_event_id(struct fm *fm, struct fake_request *req, const struct fm_event *ev)
{
    if (ev == NULL) {
        fm_error(fm, req, 500, "M_UNKNOWN", "could not store the event");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(
        out, "event_id",
        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ev->json, "event_id"), true));
    fm_respond(fm, req, 200, out);
    cJSON_Delete(out);
}

static const char *body_string(struct fake_request *req, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(fake_request_json(req), key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static cJSON *body_copy(struct fake_request *req)
{
    const cJSON *body = fake_request_json(req);
    return cJSON_IsObject(body) ? cJSON_Duplicate(body, true) : NULL;
}

/* ---- Transactions: the same txn from the same token gives the same answer, once. ---- */

static char *txn_key(const char *token, struct fake_request *req)
{
    char *key = NULL;
    if (asprintf(&key, "%s %s %s", token, fake_request_method(req), fake_request_path(req)) < 0)
        return NULL;
    return key;
}

static bool replay_txn(struct fm *fm, struct fake_request *req, const char *key)
{
    const cJSON *seen = cJSON_GetObjectItemCaseSensitive(fm->txns, key);
    if (seen == NULL)
        return false;
    fm_respond(fm, req, 200, seen);
    return true;
}

static void remember_txn(struct fm *fm, const char *key, const struct fm_event *ev)
{
    if (ev == NULL || key == NULL)
        return;
    cJSON *answer = cJSON_CreateObject();
    cJSON_AddItemToObject(
        answer, "event_id",
        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ev->json, "event_id"), true));
    cJSON_AddItemToObject(fm->txns, key, answer);
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A second identical reaction from the same member is refused, as Synapse does. */
static bool duplicate_reaction(const struct fm *fm, const struct fm_room *room, const char *user,
                               const cJSON *content)
{
    const cJSON *rel = cJSON_GetObjectItemCaseSensitive(content, "m.relates_to");
    const char *target = str(rel, "event_id");
    const char *key = str(rel, "key");
    if (target == NULL || key == NULL)
        return false;
    for (size_t i = 0; i < fm->event_count; i++) {
        const cJSON *ev = fm->events[i].json;
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(ev, "content"), "m.relates_to");
        if (strcmp(fm->events[i].room_id, room->id) == 0 && is(str(ev, "type"), "m.reaction") &&
            is(str(ev, "sender"), user) && is(str(r, "event_id"), target) && is(str(r, "key"), key))
            return true;
    }
    return false;
}

static void send_route(struct fm *fm, struct fake_request *req, struct fm_room *room,
                       const char *user, const char *token, const char *type)
{
    char *key = txn_key(token, req);
    if (key != NULL && replay_txn(fm, req, key)) {
        free(key);
        return;
    }
    char reason[256];
    const char *refused = fm_may_send(fm, room, user, type, false, reason, sizeof reason);
    cJSON *content = body_copy(req);
    if (refused != NULL || content == NULL) {
        cJSON_Delete(content);
        free(key);
        if (refused != NULL)
            fm_error(fm, req, 403, "M_FORBIDDEN", refused);
        else
            fm_error(fm, req, 400, "M_NOT_JSON", "Content not JSON.");
        return;
    }
    if (is(type, "m.reaction") && duplicate_reaction(fm, room, user, content)) {
        cJSON_Delete(content);
        free(key);
        fm_error(fm, req, 400, "M_DUPLICATE_ANNOTATION", "Can't send same reaction twice");
        return;
    }
    const struct fm_event *ev = fm_append(fm, room, type, user, NULL, content);
    remember_txn(fm, key, ev);
    free(key);
    respond_event_id(fm, req, ev);
}

static void redact_route(struct fm *fm, struct fake_request *req, struct fm_room *room,
                         const char *user, const char *token, const char *event_id)
{
    char *key = txn_key(token, req);
    if (key != NULL && replay_txn(fm, req, key)) {
        free(key);
        return;
    }
    const struct fm_event *target = fm_event_find(fm, event_id);
    char reason[256];
    const char *refused = NULL;
    if (target == NULL || strcmp(target->room_id, room->id) != 0) {
        free(key);
        fm_error(fm, req, 404, "M_NOT_FOUND", "Event not found.");
        return;
    }
    refused = fm_may_redact(fm, room, user, target, reason, sizeof reason);
    if (refused != NULL) {
        free(key);
        fm_error(fm, req, 403, "M_FORBIDDEN", refused);
        return;
    }
    long target_pos = target->pos;
    cJSON *content = cJSON_CreateObject();
    cJSON_AddStringToObject(content, "redacts", event_id);
    if (body_string(req, "reason") != NULL)
        cJSON_AddStringToObject(content, "reason", body_string(req, "reason"));
    const struct fm_event *ev = fm_append(fm, room, "m.room.redaction", user, NULL, content);
    if (ev != NULL) {
        cJSON_AddStringToObject(ev->json, "redacts", event_id);
        /* The redacted event keeps its envelope; its content is gone. */
        cJSON *gone = fm_event_at(fm, target_pos)->json;
        cJSON_ReplaceItemInObjectCaseSensitive(gone, "content", cJSON_CreateObject());
    }
    remember_txn(fm, key, ev);
    free(key);
    respond_event_id(fm, req, ev);
}

static void member_route(struct fm *fm, struct fake_request *req, struct fm_room *room,
                         const char *user, const char *verb)
{
    const char *target = body_string(req, "user_id");
    if (target == NULL) {
        fm_error(fm, req, 400, "M_MISSING_PARAM", "Missing user_id");
        return;
    }
    char reason[256];
    const char *refused = fm_may_member(fm, room, user, verb, target, reason, sizeof reason);
    if (refused != NULL) {
        fm_error(fm, req, 403, "M_FORBIDDEN", refused);
        return;
    }
    const char *membership = is(verb, "ban") ? "ban" : is(verb, "invite") ? "invite" : "leave";
    cJSON *content = cJSON_CreateObject();
    cJSON_AddStringToObject(content, "membership", membership);
    if (body_string(req, "reason") != NULL)
        cJSON_AddStringToObject(content, "reason", body_string(req, "reason"));
    fm_append(fm, room, "m.room.member", user, target, content);
    cJSON *empty = cJSON_CreateObject();
    fm_respond(fm, req, 200, empty);
    cJSON_Delete(empty);
}

static void join_route(struct fm *fm, struct fake_request *req, struct fm_room *room,
                       const char *user)
{
    const char *m = fm_membership(fm, room, user);
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fm_state_get(fm, room, "m.room.join_rules", ""),
                                         "content"),
        "join_rule");
    bool open = cJSON_IsString(rules) && is(rules->valuestring, "public");
    if (is(m, "ban") || (!is(m, "invite") && !is(m, "join") && !open)) {
        fm_error(fm, req, 403, "M_FORBIDDEN", "You are not invited to this room.");
        return;
    }
    if (!is(m, "join"))
        fm_set_membership(fm, room, user, user, "join");
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "room_id", room->id);
    fm_respond(fm, req, 200, out);
    cJSON_Delete(out);
}

static void state_route(struct fm *fm, struct fake_request *req, struct fm_room *room,
                        const char *user, char **parts, size_t count)
{
    const char *method = fake_request_method(req);
    if (count == 0 && is(method, "GET")) {
        cJSON *all = cJSON_CreateArray();
        const cJSON *entry;
        cJSON_ArrayForEach(entry, room->state)
        {
            const struct fm_event *ev = fm_event_at(fm, (long)entry->valuedouble);
            if (ev != NULL)
                cJSON_AddItemToArray(all, cJSON_Duplicate(ev->json, true));
        }
        fm_respond(fm, req, 200, all);
        cJSON_Delete(all);
        return;
    }
    const char *type = count > 0 ? parts[0] : NULL;
    const char *key = count > 1 ? parts[1] : "";
    if (type == NULL) {
        fm_error(fm, req, 405, "M_UNRECOGNIZED", "Unrecognized request");
        return;
    }
    if (is(method, "GET")) {
        const cJSON *ev = fm_state_get(fm, room, type, key);
        if (ev == NULL)
            fm_error(fm, req, 404, "M_NOT_FOUND", "Event not found.");
        else
            fm_respond(fm, req, 200, cJSON_GetObjectItemCaseSensitive(ev, "content"));
        return;
    }
    char reason[256];
    const char *refused = fm_may_send(fm, room, user, type, true, reason, sizeof reason);
    cJSON *content = body_copy(req);
    if (refused != NULL || content == NULL) {
        cJSON_Delete(content);
        fm_error(fm, req, refused ? 403 : 400, refused ? "M_FORBIDDEN" : "M_NOT_JSON",
                 refused ? refused : "Content not JSON.");
        return;
    }
    respond_event_id(fm, req, fm_append(fm, room, type, user, key, content));
}

static void room_route(struct fm *fm, struct fake_request *req, const char *user, const char *token,
                       char **parts, size_t count)
{
    struct fm_room *room = fm_room_find(fm, parts[0]);
    const char *what = count > 1 ? parts[1] : "";
    const char *method = fake_request_method(req);
    if (room == NULL) {
        fm_error(fm, req, 404, "M_NOT_FOUND", "Unknown room");
        return;
    }
    if (is(what, "send") && count == 4 && is(method, "PUT"))
        send_route(fm, req, room, user, token, parts[2]);
    else if (is(what, "redact") && count == 4 && is(method, "PUT"))
        redact_route(fm, req, room, user, token, parts[2]);
    else if (count == 2 && is(method, "POST") &&
             (is(what, "kick") || is(what, "ban") || is(what, "unban") || is(what, "invite")))
        member_route(fm, req, room, user, what);
    else if (is(what, "join") && count == 2 && is(method, "POST"))
        join_route(fm, req, room, user);
    else if (is(what, "leave") && count == 2 && is(method, "POST")) {
        fm_set_membership(fm, room, user, user, "leave");
        cJSON *empty = cJSON_CreateObject();
        fm_respond(fm, req, 200, empty);
        cJSON_Delete(empty);
    } else if (is(what, "state"))
        state_route(fm, req, room, user, parts + 2, count - 2);
    else if (is(what, "messages") && count == 2 && is(method, "GET")) {
        if (!is(fm_membership(fm, room, user), "join"))
            fm_error(fm, req, 403, "M_FORBIDDEN", "User is not in the room");
        else
            fm_messages_route(fm, req, room);
    } else
        fm_error(fm, req, 404, "M_UNRECOGNIZED", "Unrecognized request");
}

static void create_room_route(struct fm *fm, struct fake_request *req, const char *user)
{
    char id[64];
    snprintf(id, sizeof id, "!room%d:" FM_SERVER_NAME, ++fm->next_id);
    const char *version = body_string(req, "room_version");
    struct fm_room *room = fm_room_new(fm, id);
    if (room == NULL) {
        fm_error(fm, req, 500, "M_UNKNOWN", "out of memory");
        return;
    }
    cJSON *create = cJSON_CreateObject();
    cJSON_AddStringToObject(create, "room_version", version ? version : "10");
    fm_append(fm, room, "m.room.create", user, "", create);
    fm_set_membership(fm, room, user, user, "join");
    fm_append(fm, room, "m.room.power_levels", user, "", fm_default_power(user, true));
    cJSON *rules = cJSON_CreateObject();
    const char *preset = body_string(req, "preset");
    cJSON_AddStringToObject(rules, "join_rule", is(preset, "public_chat") ? "public" : "invite");
    fm_append(fm, room, "m.room.join_rules", user, "", rules);
    const cJSON *invitee;
    cJSON_ArrayForEach(invitee, cJSON_GetObjectItemCaseSensitive(fake_request_json(req), "invite"))
    {
        if (cJSON_IsString(invitee))
            fm_set_membership(fm, room, user, invitee->valuestring, "invite");
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "room_id", id);
    fm_respond(fm, req, 200, out);
    cJSON_Delete(out);
}

static void filter_route(struct fm *fm, struct fake_request *req)
{
    cJSON *filter = body_copy(req);
    if (filter == NULL) {
        fm_error(fm, req, 400, "M_NOT_JSON", "Content not JSON.");
        return;
    }
    char id[32];
    snprintf(id, sizeof id, "%d", ++fm->next_id);
    cJSON_AddItemToObject(fm->filters, id, filter);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "filter_id", id);
    fm_respond(fm, req, 200, out);
    cJSON_Delete(out);
}

void fm_client_route(struct fm *fm, struct fake_request *req, const char *user, const char *token,
                     char **parts, size_t count)
{
    const char *method = fake_request_method(req);
    if (count == 3 && is(parts[0], "media") && is(parts[2], "upload") && is(method, "POST")) {
        char uri[64];
        snprintf(uri, sizeof uri, "mxc://" FM_SERVER_NAME "/media%d", ++fm->next_id);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "content_uri", uri);
        fm_respond(fm, req, 200, out);
        cJSON_Delete(out);
        return;
    }
    if (count < 3 || !is(parts[0], "client")) {
        fm_error(fm, req, 404, "M_UNRECOGNIZED", "Unrecognized request");
        return;
    }
    const char *what = parts[2];
    if (is(what, "account") && count == 4 && is(parts[3], "whoami") && is(method, "GET")) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "user_id", user);
        cJSON_AddStringToObject(out, "device_id", "KITHFAKE");
        cJSON_AddBoolToObject(out, "is_guest", false);
        fm_respond(fm, req, 200, out);
        cJSON_Delete(out);
    } else if (is(what, "sync") && count == 3 && is(method, "GET")) {
        fm_sync_route(fm, req, user);
    } else if (is(what, "user") && count == 5 && is(parts[4], "filter") && is(method, "POST")) {
        filter_route(fm, req);
    } else if (is(what, "rooms") && count >= 5) {
        room_route(fm, req, user, token, parts + 3, count - 3);
    } else if (is(what, "join") && count == 4 && is(method, "POST")) {
        struct fm_room *room = fm_room_find(fm, parts[3]);
        if (room == NULL)
            fm_error(fm, req, 404, "M_NOT_FOUND", "Unknown room");
        else
            join_route(fm, req, room, user);
    } else if (is(what, "createRoom") && count == 3 && is(method, "POST")) {
        create_room_route(fm, req, user);
    } else {
        fm_error(fm, req, 404, "M_UNRECOGNIZED", "Unrecognized request");
    }
}

/* The full user id from "alice" or "@alice:fake.test". */
static void full_user_id(char *buf, size_t size, const char *user)
{
    if (user[0] == '@')
        snprintf(buf, size, "%s", user);
    else
        snprintf(buf, size, "@%s:" FM_SERVER_NAME, user);
}

void fm_login_route(struct fm *fm, struct fake_request *req)
{
    if (is(fake_request_method(req), "GET")) {
        cJSON *out = cJSON_Parse("{\"flows\":[{\"type\":\"m.login.password\"}]}");
        fm_respond(fm, req, 200, out);
        cJSON_Delete(out);
        return;
    }
    const cJSON *body = fake_request_json(req);
    const char *type = body_string(req, "type");
    const cJSON *ident = cJSON_GetObjectItemCaseSensitive(body, "identifier");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(ident, "user");
    if (!cJSON_IsString(user))
        user = cJSON_GetObjectItemCaseSensitive(body, "user");
    const char *password = body_string(req, "password");
    if (!is(type, "m.login.password") || !cJSON_IsString(user) || password == NULL) {
        fm_error(fm, req, 400, "M_UNKNOWN", "Bad login type or missing fields");
        return;
    }
    char user_id[256];
    full_user_id(user_id, sizeof user_id, user->valuestring);
    const cJSON *known = cJSON_GetObjectItemCaseSensitive(fm->passwords, user_id);
    if (!cJSON_IsString(known) || strcmp(known->valuestring, password) != 0) {
        fm_error(fm, req, 403, "M_FORBIDDEN", "Invalid username or password");
        return;
    }
    char *token = fm_token_new(fm, user_id);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "user_id", user_id);
    cJSON_AddStringToObject(out, "access_token", token ? token : "");
    cJSON_AddStringToObject(out, "device_id", "KITHFAKE");
    cJSON_AddStringToObject(out, "home_server", FM_SERVER_NAME);
    fm_respond(fm, req, token ? 200 : 500, out);
    cJSON_Delete(out);
    free(token);
}
