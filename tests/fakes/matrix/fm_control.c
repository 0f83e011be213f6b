/* The fake homeserver's control API (POST /_control/<name>): tests create users and rooms, act
 * as members (messages, reactions, votes, invitations), arm faults, invalidate tokens, hold
 * events back so several arrive in one sync batch, and read a room's events and polls back. Actions
 * by members obey the same rules as the client routes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm.h"

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static cJSON *problem(int *status_out, int status, const char *errcode, const char *message)
{
    *status_out = status;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "errcode", errcode);
    cJSON_AddStringToObject(out, "error", message);
    return out;
}

char *fm_user_add(struct fm *fm, const char *user_id, const char *password, const char *token)
{
    if (password != NULL) {
        cJSON_DeleteItemFromObjectCaseSensitive(fm->passwords, user_id);
        cJSON_AddStringToObject(fm->passwords, user_id, password);
    }
    if (token == NULL)
        return fm_token_new(fm, user_id);
    cJSON_DeleteItemFromObjectCaseSensitive(fm->tokens, token);
    cJSON_AddStringToObject(fm->tokens, token, user_id);
    return strdup(token);
}

/* The display name members get: the localpart ("@alice:x" -> "alice"). */
static void localpart(char *buf, size_t size, const char *user_id)
{
    const char *start = user_id[0] == '@' ? user_id + 1 : user_id;
    size_t len = strcspn(start, ":");
    snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), start);
}

const struct fm_event *fm_set_membership(struct fm *fm, struct fm_room *room, const char *sender,
                                         const char *target, const char *membership)
{
    char name[128];
    localpart(name, sizeof name, target);
    cJSON *content = cJSON_CreateObject();
    cJSON_AddStringToObject(content, "membership", membership);
    if (strcmp(membership, "join") == 0 || strcmp(membership, "invite") == 0)
        cJSON_AddStringToObject(content, "displayname", name);
    return fm_append(fm, room, "m.room.member", sender, target, content);
}

static cJSON *event_id_answer(const struct fm_event *ev, int *status_out)
{
    if (ev == NULL)
        return problem(status_out, 500, "M_UNKNOWN", "could not store the event");
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "event_id", str(ev->json, "event_id"));
    return out;
}

static cJSON *control_user(struct fm *fm, const cJSON *body, int *status_out)
{
    const char *user = str(body, "user_id");
    if (user == NULL || user[0] != '@')
        return problem(status_out, 400, "M_INVALID_PARAM", "user_id must look like @name:server");
    char *token = fm_user_add(fm, user, str(body, "password"), str(body, "access_token"));
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "user_id", user);
    cJSON_AddStringToObject(out, "access_token", token ? token : "");
    free(token);
    return out;
}

/* Default power levels, with the test's keys on top ("users" merged). */
static cJSON *room_power(const char *creator, bool creators_outrank, const cJSON *given)
{
    cJSON *pl = fm_default_power(creator, !creators_outrank);
    const cJSON *item;
    cJSON_ArrayForEach(item, given)
    {
        if (strcmp(item->string, "users") == 0 && cJSON_IsObject(item)) {
            cJSON *users = cJSON_GetObjectItemCaseSensitive(pl, "users");
            const cJSON *u;
            cJSON_ArrayForEach(u, item)
            {
                cJSON_DeleteItemFromObjectCaseSensitive(users, u->string);
                cJSON_AddItemToObject(users, u->string, cJSON_Duplicate(u, true));
            }
        } else {
            cJSON_DeleteItemFromObjectCaseSensitive(pl, item->string);
            cJSON_AddItemToObject(pl, item->string, cJSON_Duplicate(item, true));
        }
    }
    return pl;
}

static cJSON *control_room(struct fm *fm, const cJSON *body, int *status_out)
{
    const char *creator = str(body, "creator");
    const char *version = str(body, "version") ? str(body, "version") : "10";
    char id[128];
    if (str(body, "room_id") != NULL)
        snprintf(id, sizeof id, "%s", str(body, "room_id"));
    else
        snprintf(id, sizeof id, "!room%d:" FM_SERVER_NAME, ++fm->next_id);
    if (creator == NULL || fm_room_find(fm, id) != NULL)
        return problem(status_out, 400, "M_INVALID_PARAM", "need a creator and a new room_id");
    struct fm_room *room = fm_room_new(fm, id);
    if (room == NULL)
        return problem(status_out, 500, "M_UNKNOWN", "out of memory");
    bool v12 = atoi(version) >= 12;
    cJSON *create = cJSON_CreateObject();
    cJSON_AddStringToObject(create, "room_version", version);
    if (atoi(version) < 11)
        cJSON_AddStringToObject(create, "creator", creator);
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(body, "additional_creators");
    if (v12 && cJSON_IsArray(extra))
        cJSON_AddItemToObject(create, "additional_creators", cJSON_Duplicate(extra, true));
    fm_append(fm, room, "m.room.create", creator, "", create);
    fm_set_membership(fm, room, creator, creator, "join");
    fm_append(fm, room, "m.room.power_levels", creator, "",
              room_power(creator, v12, cJSON_GetObjectItemCaseSensitive(body, "power_levels")));
    cJSON *rules = cJSON_CreateObject();
    cJSON_AddStringToObject(
        rules, "join_rule",
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "public")) ? "public" : "invite");
    fm_append(fm, room, "m.room.join_rules", creator, "", rules);
    const cJSON *who;
    cJSON_ArrayForEach(who, cJSON_GetObjectItemCaseSensitive(body, "members"))
    {
        if (cJSON_IsString(who))
            fm_set_membership(fm, room, who->valuestring, who->valuestring, "join");
    }
    cJSON_ArrayForEach(who, cJSON_GetObjectItemCaseSensitive(body, "invite"))
    {
        if (cJSON_IsString(who))
            fm_set_membership(fm, room, creator, who->valuestring, "invite");
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "room_id", id);
    return out;
}

/* A member acts: the event obeys the room's rules like one sent through the client API. */
static cJSON *member_sends(struct fm *fm, struct fm_room *room, const char *sender,
                           const char *type, const char *state_key, cJSON *content, int *status_out)
{
    char reason[256];
    const char *refused =
        fm_may_send(fm, room, sender, type, state_key != NULL, reason, sizeof reason);
    if (refused != NULL) {
        cJSON_Delete(content);
        return problem(status_out, 403, "M_FORBIDDEN", refused);
    }
    return event_id_answer(fm_append(fm, room, type, sender, state_key, content), status_out);
}

static cJSON *control_send(struct fm *fm, struct fm_room *room, const cJSON *body, int *status_out)
{
    const char *sender = str(body, "sender");
    const char *type = str(body, "type");
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(body, "content");
    if (sender == NULL || type == NULL || !cJSON_IsObject(content))
        return problem(status_out, 400, "M_MISSING_PARAM", "need sender, type and content");
    return member_sends(fm, room, sender, type, str(body, "state_key"),
                        cJSON_Duplicate(content, true), status_out);
}

static cJSON *say_one(struct fm *fm, struct fm_room *room, const cJSON *body, const char *text,
                      int *status_out)
{
    cJSON *content = cJSON_CreateObject();
    cJSON_AddStringToObject(content, "msgtype",
                            str(body, "msgtype") ? str(body, "msgtype") : "m.text");
    cJSON_AddStringToObject(content, "body", text);
    if (str(body, "reply_to") != NULL) {
        cJSON *rel = cJSON_AddObjectToObject(content, "m.relates_to");
        cJSON *in_reply = cJSON_AddObjectToObject(rel, "m.in_reply_to");
        cJSON_AddStringToObject(in_reply, "event_id", str(body, "reply_to"));
    }
    return member_sends(fm, room, str(body, "sender"), "m.room.message", NULL, content, status_out);
}

/* A text message ("body"), optionally a reply; or several ("bodies") that reach the next
 * sync together, as one batch. Answers the (last) event id. */
static cJSON *control_say(struct fm *fm, struct fm_room *room, const cJSON *body, int *status_out)
{
    const cJSON *bodies = cJSON_GetObjectItemCaseSensitive(body, "bodies");
    if (str(body, "sender") == NULL || (str(body, "body") == NULL && !cJSON_IsArray(bodies)))
        return problem(status_out, 400, "M_MISSING_PARAM", "need sender and body or bodies");
    if (str(body, "body") != NULL)
        return say_one(fm, room, body, str(body, "body"), status_out);
    cJSON *last = NULL;
    const cJSON *text;
    fm->hold_wake++;
    cJSON_ArrayForEach(text, bodies)
    {
        cJSON_Delete(last);
        last = cJSON_IsString(text) ? say_one(fm, room, body, text->valuestring, status_out)
                                    : problem(status_out, 400, "M_BAD_JSON", "bodies: strings");
        if (*status_out >= 300)
            break;
    }
    fm->hold_wake--;
    fm_sync_wake(fm);
    return last != NULL ? last : cJSON_CreateObject();
}

static cJSON *control_membership(struct fm *fm, struct fm_room *room, const char *name,
                                 const cJSON *body, int *status_out)
{
    const char *user = str(body, "user_id");
    const char *sender = str(body, "sender") ? str(body, "sender") : user;
    if (user == NULL)
        return problem(status_out, 400, "M_MISSING_PARAM", "need user_id");
    if (strcmp(name, "invite") == 0) {
        char reason[256];
        const char *refused =
            fm_may_member(fm, room, sender, "invite", user, reason, sizeof reason);
        if (refused != NULL)
            return problem(status_out, 403, "M_FORBIDDEN", refused);
    }
    const char *membership = strcmp(name, "invite") == 0 ? "invite"
                             : strcmp(name, "join") == 0 ? "join"
                                                         : "leave";
    return event_id_answer(fm_set_membership(fm, room, sender, user, membership), status_out);
}

static cJSON *control_events(struct fm *fm, struct fm_room *room, const cJSON *body)
{
    const char *type = str(body, "type");
    const char *sender = str(body, "sender");
    cJSON *out = cJSON_CreateObject();
    cJSON *events = cJSON_AddArrayToObject(out, "events");
    for (size_t i = 0; i < fm->event_count; i++) {
        const cJSON *ev = fm->events[i].json;
        if (strcmp(fm->events[i].room_id, room->id) != 0 ||
            (type != NULL && strcmp(str(ev, "type"), type) != 0) ||
            (sender != NULL && strcmp(str(ev, "sender"), sender) != 0))
            continue;
        cJSON_AddItemToArray(events, cJSON_Duplicate(ev, true));
    }
    return out;
}

static cJSON *control_logout(struct fm *fm, const cJSON *body, int *status_out)
{
    const char *user = str(body, "user_id");
    if (user == NULL)
        return problem(status_out, 400, "M_MISSING_PARAM", "need user_id");
    int removed = 0;
    cJSON *t = fm->tokens->child;
    while (t != NULL) {
        cJSON *next = t->next;
        if (cJSON_IsString(t) && strcmp(t->valuestring, user) == 0) {
            cJSON_Delete(cJSON_DetachItemViaPointer(fm->tokens, t));
            removed++;
        }
        t = next;
    }
    fm_sync_drop_user(fm, user);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "removed", removed);
    return out;
}

/* Controls that act in a room. */
static cJSON *room_control(struct fm *fm, const char *name, const cJSON *body, int *status_out)
{
    struct fm_room *room = fm_room_find(fm, str(body, "room_id"));
    if (room == NULL)
        return problem(status_out, 404, "M_NOT_FOUND", "Unknown room");
    if (strcmp(name, "send") == 0)
        return control_send(fm, room, body, status_out);
    if (strcmp(name, "say") == 0)
        return control_say(fm, room, body, status_out);
    if (strcmp(name, "invite") == 0 || strcmp(name, "join") == 0 || strcmp(name, "leave") == 0)
        return control_membership(fm, room, name, body, status_out);
    if (strcmp(name, "events") == 0)
        return control_events(fm, room, body);
    if (strcmp(name, "poll") == 0 && str(body, "event_id") != NULL)
        return fm_poll_tally(fm, room, str(body, "event_id"), status_out);
    return problem(status_out, 404, "M_UNRECOGNIZED", "Unknown control");
}

cJSON *fm_control(struct fake_server *srv, const char *name, const cJSON *body, int *status_out,
                  void *ud)
{
    (void)srv;
    struct fm *fm = ud;
    if (strcmp(name, "user") == 0)
        return control_user(fm, body, status_out);
    if (strcmp(name, "room") == 0)
        return control_room(fm, body, status_out);
    if (strcmp(name, "fault") == 0) {
        if (!fm_fault_add(fm, body))
            return problem(status_out, 400, "M_INVALID_PARAM", "unknown fault kind");
        return cJSON_CreateObject();
    }
    if (strcmp(name, "faults_clear") == 0) {
        fm_faults_clear(fm);
        return cJSON_CreateObject();
    }
    if (strcmp(name, "logout") == 0)
        return control_logout(fm, body, status_out);
    if (strcmp(name, "hold") == 0) { /* what follows reaches the next sync as one batch */
        fm->hold_wake++;
        return cJSON_CreateObject();
    }
    if (strcmp(name, "release") == 0) {
        if (fm->hold_wake > 0)
            fm->hold_wake--;
        fm_sync_wake(fm);
        return cJSON_CreateObject();
    }
    return room_control(fm, name, body, status_out);
}
