/* The fake's native polls: answer ids and results on the polls the bot posts, members' votes
 * announced one answer at a time (MESSAGE_POLL_VOTE_ADD/_REMOVE, intent GUILD_MESSAGE_POLLS),
 * and early expiry, after which the results are final and no vote is taken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_discord.h"

#define GUILD_MESSAGE_POLLS (1LL << 24)
#define DIRECT_MESSAGE_POLLS (1LL << 25)
#define GUILD_MESSAGES_INTENT (1LL << 9)
#define ANSWERS_MAX 10

static const cJSON *member(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static void iso_in(char *buf, size_t size, long long seconds)
{
    time_t t = time(NULL) + (time_t)seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%S.000000+00:00", &tm);
}

void fdc_poll_prepare(struct fdc *fd, cJSON *message)
{
    (void)fd;
    cJSON *poll = cJSON_GetObjectItemCaseSensitive(message, "poll");
    if (!cJSON_IsObject(poll))
        return;
    int id = 1; /* as on Discord: the answers are numbered from 1 in order */
    cJSON *answer;
    cJSON_ArrayForEach(answer, cJSON_GetObjectItemCaseSensitive(poll, "answers"))
    {
        cJSON_DeleteItemFromObjectCaseSensitive(answer, "answer_id");
        cJSON_AddNumberToObject(answer, "answer_id", id++);
    }
    double hours = cJSON_GetNumberValue(member(poll, "duration"));
    char expiry[48];
    iso_in(expiry, sizeof expiry, (long long)(hours == hours ? hours : 24) * 3600);
    cJSON_DeleteItemFromObjectCaseSensitive(poll, "duration");
    cJSON_AddStringToObject(poll, "expiry", expiry);
    cJSON *results = cJSON_AddObjectToObject(poll, "results");
    cJSON_AddBoolToObject(results, "is_finalized", false);
    cJSON_AddArrayToObject(results, "answer_counts");
}

/* results.answer_counts from the votes. */
static void count_votes(struct fdc_message *m, bool finalized)
{
    cJSON *poll = cJSON_GetObjectItemCaseSensitive(m->json, "poll");
    cJSON_DeleteItemFromObjectCaseSensitive(poll, "results");
    cJSON *results = cJSON_AddObjectToObject(poll, "results");
    cJSON_AddBoolToObject(results, "is_finalized", finalized);
    cJSON *counts = cJSON_AddArrayToObject(results, "answer_counts");
    const cJSON *answer;
    cJSON_ArrayForEach(answer, member(poll, "answers"))
    {
        int id = (int)cJSON_GetNumberValue(member(answer, "answer_id"));
        int n = 0;
        const cJSON *choice, *voted;
        cJSON_ArrayForEach(choice, m->votes)
        {
            cJSON_ArrayForEach(voted, choice)
            {
                n += (int)cJSON_GetNumberValue(voted) == id;
            }
        }
        cJSON *c = cJSON_CreateObject();
        cJSON_AddNumberToObject(c, "id", id);
        cJSON_AddNumberToObject(c, "count", n);
        cJSON_AddBoolToObject(c, "me_voted", false);
        cJSON_AddItemToArray(counts, c);
    }
}

static bool finalized(const struct fdc_message *m)
{
    const cJSON *poll = member(m->json, "poll");
    return cJSON_IsTrue(member(member(poll, "results"), "is_finalized"));
}

void fdc_poll_expire(struct fdc *fd, struct fake_request *req, const char *channel,
                     const char *message_id, const char *const *headers)
{
    struct fdc_message *m = fdc_message(fd, message_id);
    if (m == NULL || m->deleted || strcmp(m->channel_id, channel) != 0) {
        fdc_error(req, 404, 10008, "Unknown Message");
        return;
    }
    if (strcmp(m->author_id, fd->bot_id) != 0) {
        fdc_error(req, 403, 50005, "Cannot expire a poll authored by another user");
        return;
    }
    if (member(m->json, "poll") == NULL) {
        fdc_error(req, 400, 50035, "Invalid Form Body: the message has no poll");
        return;
    }
    if (finalized(m)) {
        fdc_error(req, 400, 520001, "Poll expired");
        return;
    }
    count_votes(m, true);
    cJSON *poll = cJSON_GetObjectItemCaseSensitive(m->json, "poll");
    char now[48];
    iso_in(now, sizeof now, 0);
    cJSON_DeleteItemFromObjectCaseSensitive(poll, "expiry");
    cJSON_AddStringToObject(poll, "expiry", now);
    fdc_emit(fd, m->guild_id[0] ? m->guild_id : NULL, "MESSAGE_UPDATE", m->json,
             GUILD_MESSAGES_INTENT);
    fdc_respond(req, 200, headers, cJSON_Duplicate(m->json, true));
}

/* ---- Votes. ---- */

static cJSON *fail(int *status, int code, const char *why)
{
    *status = code;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", why);
    return o;
}

static bool answer_known(const cJSON *poll, int id)
{
    const cJSON *answer;
    cJSON_ArrayForEach(answer, member(poll, "answers"))
    {
        if ((int)cJSON_GetNumberValue(member(answer, "answer_id")) == id)
            return true;
    }
    return false;
}

static bool in_list(const cJSON *list, int id)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, list)
    {
        if ((int)cJSON_GetNumberValue(v) == id)
            return true;
    }
    return false;
}

static void announce(struct fdc *fd, const struct fdc_message *m, const char *user, int answer,
                     bool add)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "user_id", user);
    cJSON_AddStringToObject(d, "channel_id", m->channel_id);
    cJSON_AddStringToObject(d, "message_id", m->id);
    if (m->guild_id[0] != '\0')
        cJSON_AddStringToObject(d, "guild_id", m->guild_id);
    cJSON_AddNumberToObject(d, "answer_id", answer);
    fdc_emit(fd, m->guild_id[0] ? m->guild_id : NULL,
             add ? "MESSAGE_POLL_VOTE_ADD" : "MESSAGE_POLL_VOTE_REMOVE", d,
             m->guild_id[0] ? GUILD_MESSAGE_POLLS : DIRECT_MESSAGE_POLLS);
    cJSON_Delete(d);
}

/* The new choice as checked answer ids; NULL with *why when it cannot be voted. */
static cJSON *choice_of(const cJSON *poll, const cJSON *answer_ids, const char **why)
{
    if (!cJSON_IsArray(answer_ids)) {
        *why = "needs answer_ids, a list of answer ids ([] removes the vote)";
        return NULL;
    }
    int n = cJSON_GetArraySize(answer_ids);
    if (n > 1 && !cJSON_IsTrue(member(poll, "allow_multiselect"))) {
        *why = "this poll takes one answer per member";
        return NULL;
    }
    cJSON *choice = cJSON_CreateArray();
    const cJSON *v;
    cJSON_ArrayForEach(v, answer_ids)
    {
        int id = (int)cJSON_GetNumberValue(v);
        if (!cJSON_IsNumber(v) || !answer_known(poll, id) || in_list(choice, id) ||
            cJSON_GetArraySize(choice) >= ANSWERS_MAX) {
            cJSON_Delete(choice);
            *why = "an answer id is not one of the poll's answers (or is repeated)";
            return NULL;
        }
        cJSON_AddItemToArray(choice, cJSON_CreateNumber(id));
    }
    return choice;
}

cJSON *fdc_poll_vote(struct fdc *fd, const cJSON *body, int *status)
{
    const char *user = cJSON_GetStringValue(member(body, "user_id"));
    struct fdc_message *m = fdc_message(fd, cJSON_GetStringValue(member(body, "message_id")));
    const cJSON *poll = m != NULL ? member(m->json, "poll") : NULL;
    if (user == NULL || poll == NULL || m->deleted)
        return fail(status, 400, "needs user_id and the message_id of a poll");
    if (finalized(m))
        return fail(status, 409, "the poll has ended: no more votes");
    const char *why = NULL;
    cJSON *choice = choice_of(poll, member(body, "answer_ids"), &why);
    if (choice == NULL)
        return fail(status, 400, why);
    if (m->votes == NULL)
        m->votes = cJSON_CreateObject();
    const cJSON *before = member(m->votes, user);
    int events = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, before) /* what the member no longer chooses, then what is new */
    {
        if (!in_list(choice, (int)cJSON_GetNumberValue(v))) {
            announce(fd, m, user, (int)cJSON_GetNumberValue(v), false);
            events++;
        }
    }
    cJSON_ArrayForEach(v, choice)
    {
        if (!in_list(before, (int)cJSON_GetNumberValue(v))) {
            announce(fd, m, user, (int)cJSON_GetNumberValue(v), true);
            events++;
        }
    }
    cJSON_DeleteItemFromObjectCaseSensitive(m->votes, user);
    cJSON_AddItemToObject(m->votes, user, choice);
    count_votes(m, false);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "events", events);
    return o;
}
