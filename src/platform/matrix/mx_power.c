/* Room state the adapter needs to judge people: power levels, the room's creators and
 * version (creators outrank everyone from room version 12 on), and display names. Power levels
 * and creators are kept in the store, so a restart knows who is admin before the next sync
 * shows the room's state again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/log.h"
#include "platform/matrix/matrix.h"
#include "store/core_tables.h"

#define ROOM_SCOPE "matrix.room"
#define DEFAULT_STATE_LEVEL 50 /* state_default when a power_levels event omits it */
#define DEFAULT_BAN_LEVEL 50
#define CREATOR_LEVEL_WITHOUT_EVENT 100 /* no power_levels event: the creator has 100 */
#define CREATORS_OUTRANK_FROM 12

struct mx_room {
    struct mx_room *next;
    char *id;
    cJSON *saved; /* {"power": content, "creator": id, "additional_creators": [..], "version"} */
    cJSON *names; /* user id -> display name */
};

static struct mx_room *find_room(struct mx *mx, const char *room_id)
{
    for (struct mx_room *r = mx->rooms; r != NULL; r = r->next)
        if (strcmp(r->id, room_id) == 0)
            return r;
    return NULL;
}

static struct mx_room *load_room(struct mx *mx, const char *room_id)
{
    struct mx_room *r = calloc(1, sizeof *r);
    if (r == NULL || (r->id = strdup(room_id)) == NULL) {
        free(r);
        return NULL;
    }
    char *text = NULL;
    if (kith_db_state_get(mx->core->store, ROOM_SCOPE, room_id, &text) == KITH_OK)
        r->saved = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(r->saved)) {
        cJSON_Delete(r->saved);
        r->saved = cJSON_CreateObject();
    }
    r->names = cJSON_CreateObject();
    if (r->saved == NULL || r->names == NULL) {
        cJSON_Delete(r->saved);
        cJSON_Delete(r->names);
        free(r->id);
        free(r);
        return NULL;
    }
    r->next = mx->rooms;
    mx->rooms = r;
    return r;
}

static struct mx_room *room(struct mx *mx, const char *room_id)
{
    struct mx_room *r = find_room(mx, room_id);
    return r != NULL ? r : load_room(mx, room_id);
}

void mx_rooms_free(struct mx *mx)
{
    while (mx->rooms != NULL) {
        struct mx_room *r = mx->rooms;
        mx->rooms = r->next;
        cJSON_Delete(r->saved);
        cJSON_Delete(r->names);
        free(r->id);
        free(r);
    }
}

static void save_room(struct mx *mx, const struct mx_room *r)
{
    char *text = cJSON_PrintUnformatted(r->saved);
    kith_err err =
        text ? kith_db_state_set(mx->core->store, ROOM_SCOPE, r->id, text) : KITH_ERR_NOMEM;
    free(text);
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not store the state of %s: %s", r->id,
                 kith_strerror(err));
}

static void replace_item(cJSON *obj, const char *key, cJSON *value)
{
    if (value == NULL)
        return;
    if (cJSON_HasObjectItem(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
    else
        cJSON_AddItemToObject(obj, key, value);
}

static void apply_create(struct mx *mx, struct mx_room *r, const cJSON *ev)
{
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(ev, "content");
    const cJSON *sender = cJSON_GetObjectItemCaseSensitive(ev, "sender");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(content, "room_version");
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(content, "additional_creators");
    if (cJSON_IsString(sender))
        replace_item(r->saved, "creator", cJSON_CreateString(sender->valuestring));
    /* Absent room_version means version 1. */
    replace_item(r->saved, "version",
                 cJSON_CreateString(cJSON_IsString(version) ? version->valuestring : "1"));
    if (cJSON_IsArray(extra))
        replace_item(r->saved, "additional_creators", cJSON_Duplicate(extra, true));
    save_room(mx, r);
}

static void apply_member(struct mx_room *r, const cJSON *ev)
{
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(ev, "state_key");
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(ev, "content");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(content, "displayname");
    if (!cJSON_IsString(user))
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(r->names, user->valuestring);
    if (cJSON_IsString(name) && name->valuestring[0] != '\0')
        cJSON_AddStringToObject(r->names, user->valuestring, name->valuestring);
}

void mx_room_apply_state(struct mx *mx, const char *room_id, const cJSON *event)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(event, "type");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(event, "state_key");
    if (!cJSON_IsString(type) || !cJSON_IsString(key))
        return;
    struct mx_room *r = room(mx, room_id);
    if (r == NULL)
        return;
    if (strcmp(type->valuestring, "m.room.member") == 0) {
        apply_member(r, event);
    } else if (strcmp(type->valuestring, "m.room.create") == 0 && key->valuestring[0] == '\0') {
        apply_create(mx, r, event);
    } else if (strcmp(type->valuestring, "m.room.power_levels") == 0 &&
               key->valuestring[0] == '\0') {
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(event, "content");
        if (cJSON_IsObject(content)) {
            replace_item(r->saved, "power", cJSON_Duplicate(content, true));
            save_room(mx, r);
        }
    }
}

bool mx_room_known(struct mx *mx, const char *room_id)
{
    struct mx_room *r = room(mx, room_id);
    return r != NULL &&
           (cJSON_HasObjectItem(r->saved, "power") || cJSON_HasObjectItem(r->saved, "creator"));
}

/* Power levels are integers; old room versions allowed numeric strings. */
static bool level_of(const cJSON *item, long long *out)
{
    if (cJSON_IsNumber(item)) {
        *out = (long long)item->valuedouble;
        return true;
    }
    if (cJSON_IsString(item)) {
        char *end = NULL;
        long long v = strtoll(item->valuestring, &end, 10);
        if (end != item->valuestring && *end == '\0') {
            *out = v;
            return true;
        }
    }
    return false;
}

static long long level_or(const cJSON *obj, const char *key, long long fallback)
{
    long long v;
    return level_of(cJSON_GetObjectItemCaseSensitive(obj, key), &v) ? v : fallback;
}

static bool creators_outrank(const struct mx_room *r)
{
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(r->saved, "version");
    if (!cJSON_IsString(version))
        return false;
    char *end = NULL;
    long v = strtol(version->valuestring, &end, 10);
    return end != version->valuestring && *end == '\0' && v >= CREATORS_OUTRANK_FROM;
}

static bool is_creator(const struct mx_room *r, const char *user_id)
{
    const cJSON *creator = cJSON_GetObjectItemCaseSensitive(r->saved, "creator");
    if (cJSON_IsString(creator) && strcmp(creator->valuestring, user_id) == 0)
        return true;
    const cJSON *extra;
    cJSON_ArrayForEach(extra, cJSON_GetObjectItemCaseSensitive(r->saved, "additional_creators"))
    {
        if (cJSON_IsString(extra) && strcmp(extra->valuestring, user_id) == 0)
            return true;
    }
    return false;
}

/* Admin, as PRODUCT.md has it: a power level at or above both the room's state_default (who
 * may change the room) and its ban level (who may remove people). */
bool mx_room_is_admin(struct mx *mx, const char *room_id, const char *user_id)
{
    struct mx_room *r = room(mx, room_id);
    if (r == NULL || user_id == NULL)
        return false;
    if (creators_outrank(r) && is_creator(r, user_id))
        return true;
    const cJSON *power = cJSON_GetObjectItemCaseSensitive(r->saved, "power");
    long long level;
    long long needed;
    if (power == NULL) {
        level = is_creator(r, user_id) ? CREATOR_LEVEL_WITHOUT_EVENT : 0;
        needed = DEFAULT_BAN_LEVEL; /* state_default is 0 without the event; ban stays 50 */
    } else {
        const cJSON *users = cJSON_GetObjectItemCaseSensitive(power, "users");
        level = level_or(users, user_id, level_or(power, "users_default", 0));
        long long state = level_or(power, "state_default", DEFAULT_STATE_LEVEL);
        long long ban = level_or(power, "ban", DEFAULT_BAN_LEVEL);
        needed = state > ban ? state : ban;
    }
    return level >= needed;
}

const char *mx_room_display_name(struct mx *mx, const char *room_id, const char *user_id)
{
    struct mx_room *r = find_room(mx, room_id);
    const cJSON *name = r ? cJSON_GetObjectItemCaseSensitive(r->names, user_id) : NULL;
    return cJSON_IsString(name) ? name->valuestring : NULL;
}
