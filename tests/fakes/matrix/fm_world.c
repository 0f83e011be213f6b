/* The fake homeserver's world: one stream of events, rooms with their current state, and the
 * access tokens of its users. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fm.h"

struct fm_room *fm_room_find(struct fm *fm, const char *room_id)
{
    for (struct fm_room *r = fm->rooms; r != NULL && room_id != NULL; r = r->next)
        if (strcmp(r->id, room_id) == 0)
            return r;
    return NULL;
}

struct fm_room *fm_room_new(struct fm *fm, const char *room_id)
{
    struct fm_room *r = calloc(1, sizeof *r);
    if (r == NULL || (r->id = strdup(room_id)) == NULL ||
        (r->state = cJSON_CreateObject()) == NULL) {
        if (r != NULL)
            free(r->id);
        free(r);
        return NULL;
    }
    r->next = fm->rooms;
    fm->rooms = r;
    return r;
}

const struct fm_event *fm_event_at(const struct fm *fm, long pos)
{
    return pos >= 1 && (size_t)pos <= fm->event_count ? &fm->events[pos - 1] : NULL;
}

const struct fm_event *fm_event_find(const struct fm *fm, const char *event_id)
{
    for (size_t i = 0; event_id != NULL && i < fm->event_count; i++) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(fm->events[i].json, "event_id");
        if (cJSON_IsString(id) && strcmp(id->valuestring, event_id) == 0)
            return &fm->events[i];
    }
    return NULL;
}

static void state_key_of(char *buf, size_t size, const char *type, const char *state_key)
{
    snprintf(buf, size, "%s\x1f%s", type, state_key);
}

long fm_state_pos(const struct fm_room *room, const char *type, const char *state_key)
{
    char key[512];
    state_key_of(key, sizeof key, type, state_key);
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(room->state, key);
    return cJSON_IsNumber(pos) ? (long)pos->valuedouble : 0;
}

const cJSON *fm_state_get(const struct fm *fm, const struct fm_room *room, const char *type,
                          const char *state_key)
{
    const struct fm_event *ev = fm_event_at(fm, fm_state_pos(room, type, state_key));
    return ev != NULL ? ev->json : NULL;
}

const char *fm_membership(const struct fm *fm, const struct fm_room *room, const char *user_id)
{
    const cJSON *ev = fm_state_get(fm, room, "m.room.member", user_id);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(ev, "content"), "membership");
    return cJSON_IsString(m) ? m->valuestring : NULL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* unsigned.prev_content, as servers add it to state events that replace an earlier one. */
static void add_prev_content(struct fm *fm, struct fm_room *room, cJSON *ev, const char *type,
                             const char *state_key)
{
    const cJSON *prev = fm_state_get(fm, room, type, state_key);
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(prev, "content");
    if (content == NULL)
        return;
    cJSON *unsig = cJSON_AddObjectToObject(ev, "unsigned");
    if (unsig != NULL)
        cJSON_AddItemToObject(unsig, "prev_content", cJSON_Duplicate(content, true));
}

const struct fm_event *fm_append(struct fm *fm, struct fm_room *room, const char *type,
                                 const char *sender, const char *state_key, cJSON *content)
{
    if (fm->event_count == fm->event_cap) {
        size_t cap = fm->event_cap ? fm->event_cap * 2 : 64;
        struct fm_event *grown = realloc(fm->events, cap * sizeof *grown);
        if (grown == NULL) {
            cJSON_Delete(content);
            return NULL;
        }
        fm->events = grown;
        fm->event_cap = cap;
    }
    long pos = (long)fm->event_count + 1;
    char id[64];
    snprintf(id, sizeof id, "$fake%ld-%d", pos, (int)(now_ms() % 100000));
    cJSON *ev = cJSON_CreateObject();
    char *room_id = strdup(room->id);
    if (ev == NULL || room_id == NULL) {
        cJSON_Delete(ev);
        cJSON_Delete(content);
        free(room_id);
        return NULL;
    }
    cJSON_AddStringToObject(ev, "event_id", id);
    cJSON_AddStringToObject(ev, "type", type);
    cJSON_AddStringToObject(ev, "sender", sender);
    cJSON_AddNumberToObject(ev, "origin_server_ts", (double)now_ms());
    cJSON_AddItemToObject(ev, "content", content ? content : cJSON_CreateObject());
    if (state_key != NULL) {
        cJSON_AddStringToObject(ev, "state_key", state_key);
        add_prev_content(fm, room, ev, type, state_key);
        char key[512];
        state_key_of(key, sizeof key, type, state_key);
        cJSON_DeleteItemFromObjectCaseSensitive(room->state, key);
        cJSON_AddNumberToObject(room->state, key, (double)pos);
    }
    fm->events[fm->event_count++] = (struct fm_event){.pos = pos, .room_id = room_id, .json = ev};
    fm_sync_wake(fm);
    return &fm->events[pos - 1];
}

const char *fm_user_of_token(const struct fm *fm, const char *token)
{
    const cJSON *user = token ? cJSON_GetObjectItemCaseSensitive(fm->tokens, token) : NULL;
    return cJSON_IsString(user) ? user->valuestring : NULL;
}

char *fm_token_new(struct fm *fm, const char *user_id)
{
    char *token = NULL;
    if (asprintf(&token, "syt_fake_%d_%lld", ++fm->next_id, now_ms() % 1000000) < 0)
        return NULL;
    cJSON_AddStringToObject(fm->tokens, token, user_id);
    return token;
}

void fm_world_free(struct fm *fm)
{
    for (size_t i = 0; i < fm->event_count; i++) {
        free(fm->events[i].room_id);
        cJSON_Delete(fm->events[i].json);
    }
    free(fm->events);
    while (fm->rooms != NULL) {
        struct fm_room *r = fm->rooms;
        fm->rooms = r->next;
        cJSON_Delete(r->state);
        free(r->id);
        free(r);
    }
    cJSON_Delete(fm->passwords);
    cJSON_Delete(fm->tokens);
    cJSON_Delete(fm->txns);
    cJSON_Delete(fm->filters);
}
