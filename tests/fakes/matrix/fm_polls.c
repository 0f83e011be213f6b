/* Polls as clients of the fake homeserver would count them (MSC3381): a poll's end is the
 * first m.poll.end (either form) by its sender or someone who may redact; each member's latest
 * response before the end counts, later ones do not. Tests read the count with the "poll"
 * control. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm.h"

static const cJSON *field(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static bool type_is(const cJSON *ev, const char *stable, const char *unstable)
{
    const char *type = cJSON_GetStringValue(field(ev, "type"));
    return type != NULL && (strcmp(type, stable) == 0 || strcmp(type, unstable) == 0);
}

static bool relates_to(const cJSON *ev, const char *poll_id)
{
    const char *target =
        cJSON_GetStringValue(field(field(field(ev, "content"), "m.relates_to"), "event_id"));
    return target != NULL && strcmp(target, poll_id) == 0;
}

/* The stream position of the poll's valid end, or 0 while it is open. */
static long end_pos(const struct fm *fm, const struct fm_room *room, const struct fm_event *start)
{
    const char *poll_id = cJSON_GetStringValue(field(start->json, "event_id"));
    for (size_t i = 0; i < fm->event_count; i++) {
        const struct fm_event *ev = &fm->events[i];
        const char *sender = cJSON_GetStringValue(field(ev->json, "sender"));
        char reason[256];
        if (strcmp(ev->room_id, room->id) == 0 && ev->pos > start->pos &&
            type_is(ev->json, "m.poll.end", "org.matrix.msc3381.poll.end") &&
            relates_to(ev->json, poll_id) && sender != NULL &&
            fm_may_redact(fm, room, sender, start, reason, sizeof reason) == NULL)
            return ev->pos;
    }
    return 0;
}

static const cJSON *selections(const cJSON *ev)
{
    const cJSON *content = field(ev, "content");
    const cJSON *chosen = field(content, "m.selections");
    return cJSON_IsArray(chosen)
               ? chosen
               : field(field(content, "org.matrix.msc3381.poll.response"), "answers");
}

/* {"ended", "end_event_id", "votes": {member: [answer ids]}, "counts": {answer id: n}} */
cJSON *fm_poll_tally(struct fm *fm, struct fm_room *room, const char *poll_id, int *status_out)
{
    const struct fm_event *start = fm_event_find(fm, poll_id);
    if (start == NULL || strcmp(start->room_id, room->id) != 0 ||
        !type_is(start->json, "m.poll.start", "org.matrix.msc3381.poll.start")) {
        *status_out = 404;
        return cJSON_Parse("{\"errcode\":\"M_NOT_FOUND\",\"error\":\"no such poll\"}");
    }
    long end = end_pos(fm, room, start);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddBoolToObject(out, "ended", end > 0);
    if (end > 0)
        cJSON_AddItemToObject(out, "end_event_id",
                              cJSON_Duplicate(field(fm_event_at(fm, end)->json, "event_id"), 1));
    cJSON *votes = cJSON_AddObjectToObject(out, "votes");
    for (size_t i = 0; i < fm->event_count; i++) {
        const struct fm_event *ev = &fm->events[i];
        const char *sender = cJSON_GetStringValue(field(ev->json, "sender"));
        if (strcmp(ev->room_id, room->id) != 0 || ev->pos <= start->pos ||
            (end > 0 && ev->pos > end) || sender == NULL ||
            !type_is(ev->json, "m.poll.response", "org.matrix.msc3381.poll.response") ||
            !relates_to(ev->json, poll_id) || !cJSON_IsArray(selections(ev->json)))
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(votes, sender); /* the latest one counts */
        cJSON_AddItemToObject(votes, sender, cJSON_Duplicate(selections(ev->json), 1));
    }
    cJSON *counts = cJSON_AddObjectToObject(out, "counts");
    const cJSON *vote;
    cJSON_ArrayForEach(vote, votes)
    {
        const cJSON *answer;
        cJSON_ArrayForEach(answer, vote)
        {
            if (!cJSON_IsString(answer))
                continue;
            cJSON *n = cJSON_GetObjectItemCaseSensitive(counts, answer->valuestring);
            if (n == NULL)
                cJSON_AddNumberToObject(counts, answer->valuestring, 1);
            else
                cJSON_SetNumberValue(n, n->valuedouble + 1);
        }
    }
    return out;
}
