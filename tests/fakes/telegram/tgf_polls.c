/* Native polls of the fake: sendPoll with Telegram's limits (2 to 12 options of up to 100
 * characters, a question of up to 300, an open period of 5 to 600 s), stopPoll, and the votes
 * members cast (counted on the poll as Telegram shows it). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_telegram.h"

#define QUESTION_MAX 300
#define OPTIONS_MIN 2
#define OPTIONS_MAX 12
#define OPTION_MAX 100

/* Options as [{text}] (Bot API 7.3 and later) or as plain strings (before). */
static const char *option_text(const cJSON *opt)
{
    if (cJSON_IsString(opt))
        return opt->valuestring;
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(opt, "text");
    return cJSON_IsString(text) ? text->valuestring : NULL;
}

static const char *poll_problem(const cJSON *args, const cJSON *options)
{
    const char *question = tgf_arg_str(args, "question");
    int64_t period = 0;
    if (question == NULL || question[0] == '\0')
        return "Bad Request: poll question must be non-empty";
    if (tgf_utf16_len(question) > QUESTION_MAX)
        return "Bad Request: poll question length must not exceed 300";
    if (!cJSON_IsArray(options) || cJSON_GetArraySize(options) < OPTIONS_MIN)
        return "Bad Request: poll must have at least 2 option";
    if (cJSON_GetArraySize(options) > OPTIONS_MAX)
        return "Bad Request: poll can't have more than 12 options";
    const cJSON *opt;
    cJSON_ArrayForEach(opt, options)
    {
        const char *text = option_text(opt);
        if (text == NULL || text[0] == '\0' || tgf_utf16_len(text) > OPTION_MAX)
            return "Bad Request: poll options length must not exceed 100";
    }
    if (tgf_arg_int(args, "open_period", &period) && (period < 5 || period > 600))
        return "Bad Request: wrong open period specified";
    return NULL;
}

static cJSON *poll_new(struct tgf *tg, const cJSON *args, const cJSON *options, char *id_out,
                       size_t id_size)
{
    snprintf(id_out, id_size, "%" PRId64, tg->next_poll++);
    cJSON *poll = cJSON_CreateObject();
    cJSON_AddStringToObject(poll, "id", id_out);
    cJSON_AddStringToObject(poll, "question", tgf_arg_str(args, "question"));
    cJSON *list = cJSON_AddArrayToObject(poll, "options");
    const cJSON *opt;
    cJSON_ArrayForEach(opt, options)
    {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "text", option_text(opt));
        cJSON_AddNumberToObject(o, "voter_count", 0);
        cJSON_AddItemToArray(list, o);
    }
    const char *type = tgf_arg_str(args, "type");
    int64_t period = 0;
    cJSON_AddNumberToObject(poll, "total_voter_count", 0);
    cJSON_AddFalseToObject(poll, "is_closed");
    cJSON_AddBoolToObject(poll, "is_anonymous", tgf_arg_bool(args, "is_anonymous", true));
    cJSON_AddStringToObject(poll, "type", type ? type : "regular");
    cJSON_AddBoolToObject(poll, "allows_multiple_answers",
                          tgf_arg_bool(args, "allows_multiple_answers", false));
    if (tgf_arg_int(args, "open_period", &period))
        cJSON_AddNumberToObject(poll, "open_period", (double)period);
    return poll;
}

/* Closed by stopPoll, or by Telegram itself at the end of its open_period. */
static bool poll_is_closed(const cJSON *msg)
{
    const cJSON *poll = cJSON_GetObjectItemCaseSensitive(msg, "poll");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(poll, "is_closed")))
        return true;
    int64_t period = tgf_json_id(poll, "open_period");
    return period > 0 && tgf_now_s() >= tgf_json_id(msg, "date") + period;
}

void tgf_send_poll(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    struct tgf_chat *c = tgf_chat_for(tg, req, args);
    if (c == NULL)
        return;
    cJSON *options = tgf_arg_json_dup(args, "options");
    cJSON *markup = tgf_arg_json_dup(args, "reply_markup");
    const char *problem = poll_problem(args, options);
    if (problem != NULL)
        tgf_error(req, 400, problem);
    if (problem != NULL || (markup != NULL && !tgf_markup_ok(req, markup)) ||
        tgf_flood_check(tg, c, req)) {
        cJSON_Delete(options);
        cJSON_Delete(markup);
        return;
    }
    char id[32];
    cJSON *entry = tgf_message_add(c, TGF_BOT_ID, true, tgf_now_s());
    cJSON *msg = cJSON_GetObjectItemCaseSensitive(entry, "message");
    cJSON_AddItemToObject(msg, "poll", poll_new(tg, args, options, id, sizeof id));
    if (markup != NULL)
        cJSON_AddItemToObject(msg, "reply_markup", markup);
    cJSON_Delete(options);
    cJSON *where = cJSON_CreateObject();
    cJSON_AddItemToObject(where, "chat_id", tgf_id_new(c->id));
    cJSON_AddItemToObject(where, "message_id", tgf_id_new(tgf_json_id(msg, "message_id")));
    cJSON_AddItemToObject(tg->polls, id, where);
    tgf_ok(req, cJSON_Duplicate(msg, true));
}

void tgf_stop_poll(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    struct tgf_chat *c = tgf_chat_for(tg, req, args);
    int64_t id = 0;
    if (c == NULL)
        return;
    tgf_arg_int(args, "message_id", &id);
    cJSON *entry = tgf_message_find(c, id);
    cJSON *msg = cJSON_GetObjectItemCaseSensitive(entry, "message");
    cJSON *poll = cJSON_GetObjectItemCaseSensitive(msg, "poll");
    if (poll == NULL || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "from_bot")) ||
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "deleted"))) {
        tgf_error(req, 400, "Bad Request: message with poll to stop not found");
        return;
    }
    if (poll_is_closed(msg)) {
        cJSON_ReplaceItemInObject(poll, "is_closed", cJSON_CreateTrue());
        tgf_error(req, 400, "Bad Request: poll has already been closed");
        return;
    }
    cJSON *markup = tgf_arg_json_dup(args, "reply_markup");
    if (markup != NULL && !tgf_markup_ok(req, markup)) {
        cJSON_Delete(markup);
        return;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(msg, "reply_markup");
    if (markup != NULL)
        cJSON_AddItemToObject(msg, "reply_markup", markup);
    cJSON_ReplaceItemInObject(poll, "is_closed", cJSON_CreateTrue());
    tgf_ok(req, cJSON_Duplicate(poll, true));
}

/* ---- Votes. ---- */

static const char *vote_problem(const cJSON *msg, const cJSON *options)
{
    const cJSON *poll = cJSON_GetObjectItemCaseSensitive(msg, "poll");
    if (poll_is_closed(msg))
        return "the poll is closed: Telegram takes no more votes on it";
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(poll, "is_anonymous")))
        return "the poll is anonymous: Telegram sends bots no poll_answer for it";
    int count = cJSON_GetArraySize(options);
    if (count > 1 &&
        !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(poll, "allows_multiple_answers")))
        return "the poll takes one answer per member";
    int answers = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(poll, "options"));
    const cJSON *opt;
    cJSON_ArrayForEach(opt, options)
    {
        if (!cJSON_IsNumber(opt) || opt->valuedouble < 0 || opt->valuedouble >= answers)
            return "an option id is out of the poll's range";
    }
    return NULL;
}

/* Recounts voter_count of each option and total_voter_count from the voters' choices. */
static void recount(cJSON *poll, const cJSON *voters)
{
    cJSON *answers = cJSON_GetObjectItemCaseSensitive(poll, "options");
    int n = cJSON_GetArraySize(answers), total = 0;
    for (int i = 0; i < n; i++) {
        int votes = 0;
        const cJSON *choice, *opt;
        cJSON_ArrayForEach(choice, voters)
        {
            cJSON_ArrayForEach(opt, choice)
            {
                if ((int)opt->valuedouble == i)
                    votes++;
            }
        }
        cJSON_ReplaceItemInObject(cJSON_GetArrayItem(answers, i), "voter_count",
                                  cJSON_CreateNumber(votes));
    }
    const cJSON *choice;
    cJSON_ArrayForEach(choice, voters)
    {
        if (cJSON_GetArraySize(choice) > 0)
            total++;
    }
    cJSON_ReplaceItemInObject(poll, "total_voter_count", cJSON_CreateNumber(total));
}

const char *tgf_poll_vote(struct tgf *tg, const char *poll_id, int64_t user, const cJSON *options)
{
    cJSON *where = cJSON_GetObjectItemCaseSensitive(tg->polls, poll_id);
    if (where == NULL)
        return NULL; /* not the fake's: passed along as given */
    struct tgf_chat *c = tgf_chat_find(tg, tgf_json_id(where, "chat_id"));
    cJSON *entry = c ? tgf_message_find(c, tgf_json_id(where, "message_id")) : NULL;
    cJSON *msg = cJSON_GetObjectItemCaseSensitive(entry, "message");
    cJSON *poll = cJSON_GetObjectItemCaseSensitive(msg, "poll");
    if (poll == NULL || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "deleted")))
        return "the poll's message is gone";
    const char *problem = vote_problem(msg, options);
    if (problem != NULL)
        return problem;
    cJSON *voters = cJSON_GetObjectItemCaseSensitive(where, "voters");
    if (voters == NULL)
        voters = cJSON_AddObjectToObject(where, "voters");
    char key[24];
    snprintf(key, sizeof key, "%" PRId64, user);
    cJSON_DeleteItemFromObjectCaseSensitive(voters, key);
    cJSON_AddItemToObject(voters, key, cJSON_Duplicate(options, true));
    recount(poll, voters);
    return NULL;
}
