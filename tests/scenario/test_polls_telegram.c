/* The polls plugin on Telegram, with kithd and the fake Bot API: the group's owner (an admin)
 * creates a poll, three members vote by pressing its inline buttons (one changes the vote, every
 * press answered), a member who may not create polls is refused, the poll closes on time across
 * a kithd restart with the right final results and its votes are exported as a CSV document;
 * a native poll (sendPoll) counts the votes Telegram reports and is stopped with stopPoll at its
 * close; and a two-question survey is answered by two members (a button for the choice, a reply
 * for the free text: Telegram has no forms) and exported as a CSV document. */
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "telegram_story.h"

#define BOB "333"   /* another member */
#define CAROL "444" /* another member */
#define DAVE "555"  /* another member */

/* kithd running the real polls plugin, enabled in GROUP by its owner. */
static bool start_polls(struct scenario *s, int *cursor)
{
    return story_telegram(s) && story_kithd_with(s, NULL, KITH_PLUGIN_DIR, "\"polls\"", 1) &&
           story_say(s, GROUP, OWNER, "/kith enable polls", NULL) &&
           story_wait_reply(s, GROUP, "polls is now enabled here", cursor);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t message_id_of(const cJSON *msg)
{
    return (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(msg, "message_id"));
}

/* `from` presses the button labelled `label` under the poll message; waits for the press's
 * answer and checks its private text. */
static void vote_by_button(struct scenario *s, int64_t poll_mid, const char *from,
                           const char *label, const char *expected_answer)
{
    cJSON *poll = story_message_by_id(s, GROUP, poll_mid);
    const char *data = story_button_data(poll, label);
    char pressed[64] = "";
    CHECK(data != NULL &&
          story_press(s, GROUP, message_id_of(poll), from, data, pressed, sizeof pressed));
    cJSON_Delete(poll);
    int at = 0;
    cJSON *answer = story_wait_call(s, "answerCallbackQuery", pressed, 8000, &at);
    const cJSON *json = cJSON_GetObjectItemCaseSensitive(answer, "json");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "text")),
              expected_answer);
    cJSON_Delete(answer);
}

/* The text of kith's newest message in GROUP holding part (malloc'd), or NULL. */
static char *sent_text(struct scenario *s, const char *part)
{
    cJSON *msg = story_kith_message(s, GROUP, part);
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "text"));
    char *copy = text ? strdup(text) : NULL;
    cJSON_Delete(msg);
    return copy;
}

TEST(test_manager_poll_with_inline_buttons_closes_on_time_across_a_restart)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start_polls(&s, &cursor));

    /* Members may not create polls until an admin says so (creators = managers). */
    CHECK(story_say(&s, GROUP, MEMBER, "/poll create \"Lunch?\" Pizza Pasta", NULL));
    CHECK(story_wait_reply(&s, GROUP, "Only managers can create polls here", &cursor));
    CHECK_INT(story_count_sent(&s, GROUP, "Poll #1"), 0);

    /* Telegram's own limit is told: at most 12 options. */
    CHECK(
        story_say(&s, GROUP, OWNER, "/poll create \"Too many?\" a b c d e f g h i j k l m", NULL));
    CHECK(story_wait_reply(&s, GROUP, "Polls on Telegram can have at most 12 options; you gave 13.",
                           &cursor));

    int64_t created_at = wall_ms();
    CHECK(story_say(&s, GROUP, OWNER, "/poll create \"Lunch?\" Pizza Pasta Salad --duration 20s",
                    NULL));
    CHECK(story_wait_reply(&s, GROUP, "Poll #1: Lunch?", &cursor));
    cJSON *poll = story_kith_message(&s, GROUP, "Poll #1: Lunch?");
    REQUIRE(poll != NULL);
    int64_t poll_mid = message_id_of(poll);
    cJSON_Delete(poll);

    vote_by_button(&s, poll_mid, MEMBER, "Pizza", "You voted for Pizza.");
    vote_by_button(&s, poll_mid, BOB, "Pasta", "You voted for Pasta.");
    vote_by_button(&s, poll_mid, CAROL, "Salad", "You voted for Salad.");
    vote_by_button(&s, poll_mid, CAROL, "Pasta", "You changed your vote to Pasta.");
    /* Every press was answered, so no member's client keeps spinning. */
    cJSON *state = scenario_control(&s, "GET", "state", NULL);
    const cJSON *press;
    int presses = 0;
    cJSON_ArrayForEach(press, cJSON_GetObjectItemCaseSensitive(state, "callbacks"))
    {
        presses++;
        CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(press, "answered")));
    }
    CHECK_INT(presses, 4);
    cJSON_Delete(state);

    /* kithd stops before the poll is due (20 s leave room for a slow machine) and comes back
     * after: the close still happens. */
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 10000), 0);
    int64_t left = created_at + 21000 - wall_ms();
    if (left > 0)
        usleep((useconds_t)left * 1000);
    CHECK_INT(story_count_sent(&s, GROUP, "Final results of poll #1"), 0);
    CHECK(scenario_start_kithd(&s));
    CHECK(story_wait_reply(&s, GROUP, "Final results of poll #1: Lunch?", &cursor));
    CHECK_INT(story_count_sent(&s, GROUP, "Final results of poll #1"), 1);
    char *results = sent_text(&s, "Final results of poll #1");
    CHECK_CONTAINS(results, "Total: 3 votes");
    CHECK(results != NULL && strstr(results, "Pizza") < strstr(results, "1 (33%)"));
    CHECK(results != NULL && strstr(results, "Pasta") < strstr(results, "2 (67%)"));
    CHECK(results != NULL && strstr(results, "Salad") < strstr(results, "0 (0%)"));
    free(results);

    /* The poll's own message shows the final count, its keyboard gone. */
    poll = story_message_by_id(&s, GROUP, poll_mid);
    CHECK(poll != NULL && cJSON_GetObjectItemCaseSensitive(poll, "reply_markup") == NULL);
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(poll, "text"));
    CHECK_CONTAINS(text, "2 (67%)");
    cJSON_Delete(poll);

    /* The manager exports the votes: a CSV document, one row per vote, the changed one once. */
    CHECK(story_say(&s, GROUP, OWNER, "/poll export 1", NULL));
    cJSON *doc = story_wait_call(&s, "sendDocument", "poll-1.csv", 8000, &cursor);
    const char *csv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "body"));
    CHECK_CONTAINS(csv, "poll,option,voter_id,voter_name,voted_at");
    CHECK_CONTAINS(csv, "1,Pizza,telegram:" MEMBER ",");
    CHECK_CONTAINS(csv, "1,Pasta,telegram:" BOB ",");
    CHECK_CONTAINS(csv, "1,Pasta,telegram:" CAROL ",");
    CHECK(csv != NULL && strstr(csv, "Salad,telegram:") == NULL);
    cJSON_Delete(doc);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* A member's vote in Telegram's own poll, as Telegram reports it to the bot. */
static bool native_vote(struct scenario *s, const char *poll_id, const char *from,
                        const char *option_ids)
{
    char body[200];
    snprintf(body, sizeof body, "{\"poll_id\":\"%s\",\"from_id\":%s,\"option_ids\":%s}", poll_id,
             from, option_ids);
    return scenario_control_ok(s, "poll_answer", body);
}

TEST(test_native_poll_counts_telegram_votes_and_is_stopped_at_close)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start_polls(&s, &cursor));
    CHECK(story_say(&s, GROUP, OWNER, "/poll create \"Tea or coffee?\" Tea Coffee --native", NULL));
    cJSON *sent = story_wait_call(&s, "sendPoll", "Tea or coffee?", 8000, &cursor);
    REQUIRE(sent != NULL);
    /* Not anonymous: Telegram reports the votes of named voters only. */
    CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(sent, "json"), "is_anonymous")));
    cJSON_Delete(sent);
    cJSON *poll = story_kith_message(&s, GROUP, "Tea or coffee?");
    REQUIRE(poll != NULL);
    int64_t mid = message_id_of(poll);
    char poll_id[64];
    snprintf(poll_id, sizeof poll_id, "%s",
             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                 cJSON_GetObjectItemCaseSensitive(poll, "poll"), "id")));
    cJSON_Delete(poll);

    CHECK(native_vote(&s, poll_id, MEMBER, "[0]"));
    CHECK(native_vote(&s, poll_id, BOB, "[1]"));
    CHECK(native_vote(&s, poll_id, CAROL, "[0]"));
    CHECK(native_vote(&s, poll_id, CAROL, "[1]")); /* carol changes her mind */
    CHECK(native_vote(&s, poll_id, DAVE, "[0]"));
    CHECK(native_vote(&s, poll_id, DAVE, "[]")); /* and dave takes his vote back */
    char seen[64];
    snprintf(seen, sizeof seen, "vote on poll telegram:%" PRId64 " in", mid);
    CHECK(scenario_wait_log_count(&s, seen, 6, 8000));

    CHECK(story_say(&s, GROUP, OWNER, "/poll close 1", NULL));
    char part[48];
    snprintf(part, sizeof part, "\"message_id\":%" PRId64, mid);
    cJSON *stop = story_wait_call(&s, "stopPoll", part, 8000, &cursor);
    CHECK(stop != NULL);
    cJSON_Delete(stop);
    CHECK(story_wait_reply(&s, GROUP, "Final results of poll #1: Tea or coffee?", &cursor));
    char *results = sent_text(&s, "Final results of poll #1");
    CHECK(results != NULL && strstr(results, "Tea") < strstr(results, "1 (33%)"));
    CHECK(results != NULL && strstr(results, "Coffee") < strstr(results, "2 (67%)"));
    CHECK_CONTAINS(results, "Total: 3 votes");
    free(results);

    /* kith counted what Telegram shows, and Telegram takes no more votes. */
    poll = story_message_by_id(&s, GROUP, mid);
    const cJSON *native = cJSON_GetObjectItemCaseSensitive(poll, "poll");
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(native, "options");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(native, "is_closed")));
    CHECK_INT(cJSON_GetNumberValue(
                  cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(options, 0), "voter_count")),
              1);
    CHECK_INT(cJSON_GetNumberValue(
                  cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(options, 1), "voter_count")),
              2);
    cJSON_Delete(poll);
    CHECK(!native_vote(&s, poll_id, MEMBER, "[1]"));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* The id of kith's newest message in GROUP holding part, 0 when none. */
static int64_t newest_id(struct scenario *s, const char *part)
{
    cJSON *msg = story_kith_message(s, GROUP, part);
    int64_t id = msg != NULL ? message_id_of(msg) : 0;
    cJSON_Delete(msg);
    return id;
}

/* Presses the button labelled label under kith's message mid as from; true once the press was
 * answered. */
static bool press_button(struct scenario *s, int64_t mid, const char *from, const char *label)
{
    cJSON *msg = story_message_by_id(s, GROUP, mid);
    const char *data = story_button_data(msg, label);
    char pressed[64] = "";
    bool ok = data != NULL && story_press(s, GROUP, mid, from, data, pressed, sizeof pressed);
    cJSON_Delete(msg);
    int at = 0;
    cJSON *answer = ok ? story_wait_call(s, "answerCallbackQuery", pressed, 8000, &at) : NULL;
    cJSON_Delete(answer);
    return answer != NULL;
}

/* A member takes survey #1: Answer, the venue by its button, then the change by replying to
 * kith's question. */
static void answer_survey(struct scenario *s, int *cursor, int64_t survey_mid, const char *from,
                          const char *venue, const char *change)
{
    CHECK(press_button(s, survey_mid, from, "Answer"));
    CHECK(story_wait_reply(s, GROUP, "How was the venue?", cursor));
    int64_t first = newest_id(s, "question 1 of 2");
    CHECK(first != 0 && press_button(s, first, from, venue));
    CHECK(story_wait_reply(s, GROUP, "reply to this message with your answer", cursor));
    int64_t second = newest_id(s, "reply to this message with your answer");
    CHECK(second != 0 && story_reply(s, GROUP, from, second, change));
    CHECK(story_wait_reply(s, GROUP, "Thanks, your answers are saved", cursor));
}

TEST(test_two_members_answer_a_survey_by_buttons_and_replies_and_it_is_exported)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start_polls(&s, &cursor));
    CHECK(story_say(&s, GROUP, OWNER, "/survey create Team offsite", NULL));
    CHECK(story_wait_reply(&s, GROUP, "Survey #1 created", &cursor));
    CHECK(story_say(&s, GROUP, OWNER, "/survey add 1 \"How was the venue?\" Great OK Poor", NULL));
    CHECK(story_wait_reply(&s, GROUP, "Question 1 added", &cursor));
    CHECK(story_say(&s, GROUP, OWNER, "/survey add 1 \"What should we change?\"", NULL));
    CHECK(story_wait_reply(&s, GROUP, "Question 2 added to survey #1 (free text)", &cursor));
    CHECK(story_say(&s, GROUP, OWNER, "/survey open 1", NULL));
    CHECK(story_wait_reply(&s, GROUP, "Press Answer to take part", &cursor));
    int64_t survey = newest_id(&s, "Press Answer to take part");
    REQUIRE(survey != 0);

    answer_survey(&s, &cursor, survey, MEMBER, "Great", "More coffee, please");
    answer_survey(&s, &cursor, survey, BOB, "Poor", "Quieter rooms");

    CHECK(story_say(&s, GROUP, OWNER, "/survey results 1", NULL));
    CHECK(story_wait_reply(&s, GROUP, "2 members answered", &cursor));
    char *results = sent_text(&s, "2 members answered");
    CHECK_CONTAINS(results, "1 (50%) Great");
    CHECK_CONTAINS(results, "1 (50%) Poor");
    CHECK_CONTAINS(results, "Quieter rooms");
    CHECK_CONTAINS(results, "More coffee, please");
    free(results);

    CHECK(story_say(&s, GROUP, OWNER, "/survey export 1", NULL));
    cJSON *doc = story_wait_call(&s, "sendDocument", "text/csv", 8000, &cursor);
    REQUIRE(doc != NULL);
    const char *body = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "body"));
    CHECK_CONTAINS(body, "telegram:" MEMBER);
    CHECK_CONTAINS(body, "More coffee, please");
    CHECK_CONTAINS(body, "telegram:" BOB);
    CHECK_CONTAINS(body, "Quieter rooms");
    cJSON_Delete(doc);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
