/* Authorization rules of the fake homeserver, as the Matrix spec has them: membership, power
 * levels (users, users_default, events, events_default, state_default, kick, ban, redact,
 * invite) and, from room version 12, room creators above every power level. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm.h"

#define CREATOR_LEVEL LLONG_MAX

static const cJSON *content_of(const cJSON *event)
{
    return cJSON_GetObjectItemCaseSensitive(event, "content");
}

static bool number_of(const cJSON *item, long long *out)
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
    return number_of(cJSON_GetObjectItemCaseSensitive(obj, key), &v) ? v : fallback;
}

static bool creators_outrank(const struct fm *fm, const struct fm_room *room)
{
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(
        content_of(fm_state_get(fm, room, "m.room.create", "")), "room_version");
    long long v;
    return number_of(version, &v) && v >= 12;
}

static bool is_creator(const struct fm *fm, const struct fm_room *room, const char *user)
{
    const cJSON *create = fm_state_get(fm, room, "m.room.create", "");
    const cJSON *sender = cJSON_GetObjectItemCaseSensitive(create, "sender");
    if (cJSON_IsString(sender) && strcmp(sender->valuestring, user) == 0)
        return true;
    const cJSON *extra;
    cJSON_ArrayForEach(extra,
                       cJSON_GetObjectItemCaseSensitive(content_of(create), "additional_creators"))
    {
        if (cJSON_IsString(extra) && strcmp(extra->valuestring, user) == 0)
            return true;
    }
    return false;
}

static const cJSON *power(const struct fm *fm, const struct fm_room *room)
{
    return content_of(fm_state_get(fm, room, "m.room.power_levels", ""));
}

static long long user_level(const struct fm *fm, const struct fm_room *room, const char *user)
{
    if (creators_outrank(fm, room) && is_creator(fm, room, user))
        return CREATOR_LEVEL;
    const cJSON *pl = power(fm, room);
    if (pl == NULL)
        return is_creator(fm, room, user) ? 100 : 0;
    return level_or(cJSON_GetObjectItemCaseSensitive(pl, "users"), user,
                    level_or(pl, "users_default", 0));
}

static long long event_level(const cJSON *pl, const char *type, bool state)
{
    long long fallback =
        state ? level_or(pl, "state_default", pl ? 50 : 0) : level_or(pl, "events_default", 0);
    return level_or(cJSON_GetObjectItemCaseSensitive(pl, "events"), type, fallback);
}

static const char *too_low(char *buf, size_t size, long long have, const char *what, long long need)
{
    if (have == CREATOR_LEVEL)
        snprintf(buf, size, "creators cannot be the target of %s", what);
    else
        snprintf(buf, size, "user_level (%lld) < %s_level (%lld)", have, what, need);
    return buf;
}

static bool joined(const struct fm *fm, const struct fm_room *room, const char *user)
{
    const char *m = fm_membership(fm, room, user);
    return m != NULL && strcmp(m, "join") == 0;
}

const char *fm_may_send(const struct fm *fm, const struct fm_room *room, const char *user,
                        const char *type, bool state, char *buf, size_t size)
{
    if (!joined(fm, room, user))
        return "User is not in the room";
    long long have = user_level(fm, room, user);
    long long need = event_level(power(fm, room), type, state);
    return have >= need ? NULL : too_low(buf, size, have, "send", need);
}

const char *fm_may_redact(const struct fm *fm, const struct fm_room *room, const char *user,
                          const struct fm_event *target, char *buf, size_t size)
{
    const char *own = fm_may_send(fm, room, user, "m.room.redaction", false, buf, size);
    if (own != NULL)
        return own;
    const cJSON *sender = cJSON_GetObjectItemCaseSensitive(target->json, "sender");
    if (cJSON_IsString(sender) && strcmp(sender->valuestring, user) == 0)
        return NULL;
    long long have = user_level(fm, room, user);
    long long need = level_or(power(fm, room), "redact", 50);
    return have >= need ? NULL : too_low(buf, size, have, "redact", need);
}

const char *fm_may_member(const struct fm *fm, const struct fm_room *room, const char *user,
                          const char *verb, const char *target, char *buf, size_t size)
{
    if (!joined(fm, room, user))
        return "User is not in the room";
    const cJSON *pl = power(fm, room);
    const char *now = fm_membership(fm, room, target);
    long long have = user_level(fm, room, user);
    long long theirs = user_level(fm, room, target);
    if (strcmp(verb, "invite") == 0) {
        if (now != NULL && (strcmp(now, "join") == 0 || strcmp(now, "ban") == 0))
            return "The target is already in the room or banned";
        long long need = level_or(pl, "invite", 0);
        return have >= need ? NULL : too_low(buf, size, have, "invite", need);
    }
    if (strcmp(verb, "unban") == 0) {
        if (now == NULL || strcmp(now, "ban") != 0)
            return "The target is not banned";
        long long need = level_or(pl, "ban", 50);
        return have >= need ? NULL : too_low(buf, size, have, "ban", need);
    }
    bool kick = strcmp(verb, "kick") == 0;
    if (kick && (now == NULL || (strcmp(now, "join") != 0 && strcmp(now, "invite") != 0)))
        return "The target is not in the room";
    long long need = level_or(pl, kick ? "kick" : "ban", 50);
    if (have < need)
        return too_low(buf, size, have, verb, need);
    if (theirs == CREATOR_LEVEL)
        return too_low(buf, size, theirs, verb, need);
    if (theirs >= have) {
        snprintf(buf, size,
                 "You cannot %s user %s: their power level (%lld) is not below "
                 "yours (%lld)",
                 verb, target, theirs, have);
        return buf;
    }
    return NULL;
}

cJSON *fm_default_power(const char *creator, bool creator_listed)
{
    cJSON *pl = cJSON_CreateObject();
    cJSON *users = cJSON_AddObjectToObject(pl, "users");
    cJSON *events = cJSON_AddObjectToObject(pl, "events");
    if (users == NULL || events == NULL) {
        cJSON_Delete(pl);
        return NULL;
    }
    if (creator_listed)
        cJSON_AddNumberToObject(users, creator, 100);
    cJSON_AddNumberToObject(pl, "users_default", 0);
    cJSON_AddNumberToObject(pl, "events_default", 0);
    cJSON_AddNumberToObject(pl, "state_default", 50);
    cJSON_AddNumberToObject(pl, "ban", 50);
    cJSON_AddNumberToObject(pl, "kick", 50);
    cJSON_AddNumberToObject(pl, "redact", 50);
    cJSON_AddNumberToObject(pl, "invite", 0);
    cJSON_AddNumberToObject(events, "m.room.power_levels", 100);
    cJSON_AddNumberToObject(events, "m.room.tombstone", 100);
    return pl;
}
