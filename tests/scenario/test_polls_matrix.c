/* The polls plugin on Matrix, with kithd and the fake homeserver: an admin (by power level)
 * creates a poll, three members vote by keycap reactions and "!vote N" (one changes the vote),
 * a member who may not create polls is refused, the poll closes on time across a kithd restart
 * with the right final results; and a native poll (m.poll.start) counts the m.poll.response
 * votes, ends with m.poll.end and ignores what comes after the end; and a two-question survey
 * is answered by two members (a numbered choice, then a reply for the free-text question, as
 * Matrix has no forms) and exported as a CSV file. */
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "matrix_story.h"

#define BOB "@bob:fake.test"     /* a member, power level 0 */
#define CAROL "@carol:fake.test" /* a member, power level 0 */
#define KEYCAP(n) n "\xEF\xB8\x8F\xE2\x83\xA3"

/* The lobby with bob and carol too, and kithd running the real polls plugin, enabled. */
static bool start_polls(struct scenario *s, int *cursor)
{
    return story_homeserver(s) && scenario_control_ok(s, "user", "{\"user_id\":\"" BOB "\"}") &&
           scenario_control_ok(s, "user", "{\"user_id\":\"" CAROL "\"}") &&
           scenario_control_ok(s, "join", "{\"room_id\":\"" LOBBY "\",\"user_id\":\"" BOB "\"}") &&
           scenario_control_ok(s, "join",
                               "{\"room_id\":\"" LOBBY "\",\"user_id\":\"" CAROL "\"}") &&
           story_kithd_with(s, NULL, KITH_PLUGIN_DIR, "\"polls\"") &&
           story_say(s, ADMIN, "!kith enable polls", NULL, 0) &&
           story_wait_post(s, "polls is now enabled here", cursor);
}

/* The event id of kith's first lobby message containing `part` that is not an edit. */
static bool first_post(struct scenario *s, const char *part, char *buf, size_t size)
{
    cJSON *events = story_kith_messages(s);
    bool found = false;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(ev, "content");
        const char *body = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(content, "body"));
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "event_id"));
        const cJSON *rel = cJSON_GetObjectItemCaseSensitive(content, "m.relates_to");
        if (!found && body != NULL && id != NULL && strstr(body, part) != NULL &&
            !cJSON_HasObjectItem(rel, "rel_type")) {
            snprintf(buf, size, "%s", id);
            found = true;
        }
    }
    cJSON_Delete(events);
    return found;
}

/* The newest edit kith made of event_id: its new body (malloc'd), or NULL. */
static char *last_edit_body(struct scenario *s, const char *event_id)
{
    cJSON *events = story_kith_messages(s);
    char *body = NULL;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(ev, "content");
        const cJSON *rel = cJSON_GetObjectItemCaseSensitive(content, "m.relates_to");
        const char *target =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rel, "event_id"));
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(content, "m.new_content"), "body"));
        if (target != NULL && text != NULL && strcmp(target, event_id) == 0) {
            free(body);
            body = strdup(text);
        }
    }
    cJSON_Delete(events);
    return body;
}

/* The body of kith's newest lobby message containing `part` (malloc'd), or NULL. */
static char *newest_body(struct scenario *s, const char *part)
{
    cJSON *events = story_kith_messages(s);
    char *found = NULL;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const char *body = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(ev, "content"), "body"));
        if (body != NULL && strstr(body, part) != NULL) {
            free(found);
            found = strdup(body);
        }
    }
    cJSON_Delete(events);
    return found;
}

/* The final results of the lunch poll: Pizza 1, Pasta 2, Salad 0 of 3 voters. */
static void check_lunch_results(const char *body)
{
    CHECK_CONTAINS(body, "Pizza  ");
    CHECK(body != NULL && strstr(body, "Pizza") < strstr(body, "  1 (33%)"));
    CHECK(body != NULL && strstr(body, "  1 (33%)") < strstr(body, "Pasta"));
    CHECK(body != NULL && strstr(body, "Pasta") < strstr(body, "  2 (67%)"));
    CHECK(body != NULL && strstr(body, "  2 (67%)") < strstr(body, "Salad"));
    CHECK(body != NULL && strstr(body, "Salad") < strstr(body, "  0 (0%)"));
    CHECK_CONTAINS(body, "Total: 3 votes");
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TEST(test_admin_poll_with_reactions_and_vote_commands_closes_on_time_across_a_restart)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start_polls(&s, &cursor));

    /* Members may not create polls until an admin says so (creators = managers). */
    CHECK(story_say(&s, ALICE, "!poll create \"Lunch?\" Pizza Pasta", NULL, 0));
    CHECK(story_wait_post(&s, "Only managers can create polls here", &cursor));
    CHECK_INT(story_count_posts(&s, "Poll #1"), 0);

    int64_t created_at = wall_ms();
    CHECK(
        story_say(&s, ADMIN, "!poll create \"Lunch?\" Pizza Pasta Salad --duration 10s", NULL, 0));
    CHECK(story_wait_post(&s, "Poll #1: Lunch?", &cursor));
    char poll[128];
    REQUIRE(story_wait_sends_answered(&s));
    REQUIRE(first_post(&s, "Poll #1: Lunch?", poll, sizeof poll));
    CHECK_INT(story_count_posts(&s, KEYCAP("3") " Salad"), 1);
    CHECK_INT(story_count_posts(&s, "!vote N"), 1);

    CHECK(story_react(&s, ALICE, poll, KEYCAP("1")));
    CHECK(story_wait_post(&s, "You voted for Pizza.", &cursor));
    CHECK(story_say(&s, BOB, "!vote 2", NULL, 0));
    CHECK(story_wait_post(&s, "You voted for Pasta.", &cursor));
    CHECK(story_react(&s, CAROL, poll, KEYCAP("3")));
    CHECK(story_wait_post(&s, "You voted for Salad.", &cursor));
    CHECK(story_say(&s, CAROL, "!vote 2", NULL, 0));
    CHECK(story_wait_post(&s, "You changed your vote to Pasta.", &cursor));

    /* kithd stops before the poll is due and comes back after: the close still happens. */
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 10000), 0);
    int64_t left = created_at + 11000 - wall_ms();
    if (left > 0)
        usleep((useconds_t)left * 1000);
    CHECK_INT(story_count_posts(&s, "Final results of poll #1"), 0);
    int restarted_at = cursor;
    CHECK(scenario_start_kithd(&s));
    CHECK(story_wait_post(&s, "Final results of poll #1: Lunch?", &cursor));
    CHECK_INT(story_count_posts(&s, "Final results of poll #1"), 1);

    char *results = newest_body(&s, "Final results of poll #1");
    check_lunch_results(results);
    free(results);

    /* The poll's own message now shows the closed poll, without choices to answer. */
    cJSON *closed = scenario_wait_request(&s, "PUT", "/send/m.room.message/",
                                          "This poll is closed.", 8000, &restarted_at);
    CHECK(closed != NULL);
    cJSON_Delete(closed);
    char *final = last_edit_body(&s, poll);
    CHECK_CONTAINS(final, "This poll is closed.");
    CHECK(final != NULL && strstr(final, "!vote N") == NULL);
    free(final);
    CHECK(story_say(&s, ALICE, "!vote 3", NULL, 0));
    CHECK(story_say(&s, ALICE, "!poll results 1", NULL, 0));
    CHECK(story_wait_post(&s, "Final results of poll #1", &cursor));
    CHECK_INT(story_count_posts(&s, "Final results of poll #1"), 2);
    results = newest_body(&s, "Final results of poll #1");
    check_lunch_results(results); /* alice's late "!vote 3" changed nothing */
    free(results);

    /* The export is a CSV file in the media repository, posted as m.file. */
    CHECK(story_say(&s, ADMIN, "!poll export 1", NULL, 0));
    cJSON *upload =
        scenario_wait_request(&s, "POST", "/upload", "poll,option,voter_id", 8000, &cursor);
    char *csv = upload ? cJSON_PrintUnformatted(upload) : NULL;
    CHECK_CONTAINS(csv, "1,Pizza,matrix:" ALICE ",alice,");
    CHECK_CONTAINS(csv, "1,Pasta,matrix:" BOB ",bob,");
    CHECK_CONTAINS(csv, "1,Pasta,matrix:" CAROL ",carol,");
    CHECK(csv != NULL && strstr(csv, "Salad,matrix:") == NULL);
    free(csv);
    cJSON_Delete(upload);
    cJSON *file =
        scenario_wait_request(&s, "PUT", "/send/m.room.message/", "poll-1.csv", 8000, &cursor);
    char *event = file ? cJSON_PrintUnformatted(file) : NULL;
    CHECK_CONTAINS(event, "m.file");
    CHECK_CONTAINS(event, "mxc://");
    free(event);
    cJSON_Delete(file);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_native_poll_counts_matrix_responses_and_ends_with_m_poll_end)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start_polls(&s, &cursor));
    CHECK(story_say(&s, ADMIN, "!poll create \"Tea or coffee?\" Tea Coffee --native", NULL, 0));
    cJSON *start = scenario_wait_request(&s, "PUT", "/send/m.poll.start/", NULL, 8000, &cursor);
    CHECK(start != NULL);
    cJSON_Delete(start);
    char poll[128];
    REQUIRE(story_wait_sends_answered(&s));
    REQUIRE(story_find_event(&s, "m.poll.start", poll, sizeof poll));

    CHECK(story_poll_response(&s, ALICE, poll, "[\"1\"]"));
    CHECK(story_poll_response(&s, BOB, poll, "[\"2\"]"));
    CHECK(story_poll_response(&s, CAROL, poll, "[\"1\"]"));
    CHECK(story_poll_response(&s, CAROL, poll, "[\"2\"]")); /* carol changes her mind */
    CHECK(scenario_wait_log_count(&s, "poll vote $", 4, 8000));

    CHECK(story_say(&s, ADMIN, "!poll close 1", NULL, 0));
    int results_cursor = cursor; /* the results may go out before or after the end */
    cJSON *end = scenario_wait_request(&s, "PUT", "/send/m.poll.end/", NULL, 8000, &cursor);
    const cJSON *rel = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(end, "json"), "m.relates_to");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rel, "event_id")), poll);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rel, "rel_type")),
              "m.reference");
    cJSON_Delete(end);
    CHECK(story_wait_post(&s, "Final results of poll #1: Tea or coffee?", &results_cursor));
    if (results_cursor > cursor)
        cursor = results_cursor;
    CHECK_INT(story_count_posts(&s, "  1 (33%)"), 1);
    CHECK_INT(story_count_posts(&s, "  2 (67%)"), 1);

    /* After the end a response counts neither for Matrix clients nor for kith. */
    CHECK(story_poll_response(&s, ALICE, poll, "[\"2\"]"));
    CHECK(scenario_wait_log(&s, "after the poll ended: ignored", 8000));
    CHECK(story_say(&s, ALICE, "!poll results 1", NULL, 0));
    CHECK(story_wait_post(&s, "Final results of poll #1", &cursor));
    CHECK_INT(story_count_posts(&s, "  1 (33%)"), 2);
    cJSON *tally = story_poll_tally(&s, poll);
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(tally, "counts");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tally, "ended")));
    CHECK_INT((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(counts, "1")), 1);
    CHECK_INT((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(counts, "2")), 2);
    cJSON_Delete(tally);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* A member answers the survey: opens it with the Answer choice, picks `choice` of question 1
 * with "!vote N", then replies to kith's free-text question with `text`. */
static bool answer_survey(struct scenario *s, const char *member, const char *name,
                          const char *survey_post, const char *choice, const char *text,
                          int *cursor)
{
    char vote[32], asking[128], question[128], say[512];
    snprintf(vote, sizeof vote, "!vote %s", choice);
    snprintf(asking, sizeof asking, "%s, reply to this message with your answer.", name);
    if (!story_react(s, member, survey_post, KEYCAP("1")) ||
        !story_wait_post(s, "question 1 of 2", cursor) || !story_wait_sends_answered(s) ||
        !story_say(s, member, vote, NULL, 0) || !story_wait_post(s, asking, cursor) ||
        !story_wait_sends_answered(s) || !story_find_post(s, asking, question, sizeof question))
        return false;
    snprintf(say, sizeof say,
             "{\"room_id\":\"" LOBBY "\",\"sender\":\"%s\",\"body\":\"%s\","
             "\"reply_to\":\"%s\"}",
             member, text, question);
    return scenario_control_ok(s, "say", say) &&
           story_wait_post(s, "Thanks, your answers are saved.", cursor);
}

TEST(test_two_members_answer_a_survey_by_choice_and_reply_and_it_is_exported)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(start_polls(&s, &cursor));
    CHECK(story_say(&s, ADMIN, "!survey create Team offsite", NULL, 0));
    CHECK(story_wait_post(&s, "Survey #1 created: Team offsite", &cursor));
    /* kith's hint names the commands as Matrix members type them. */
    CHECK_INT(story_count_posts(&s, "!survey add 1"), 1);
    CHECK(story_say(&s, ADMIN, "!survey add 1 \"How was the venue?\" Great OK Poor", NULL, 0));
    CHECK(story_wait_post(&s, "Question 1 added to survey #1", &cursor));
    CHECK(story_say(&s, ADMIN, "!survey add 1 \"Anything else?\"", NULL, 0));
    CHECK(story_wait_post(&s, "Question 2 added to survey #1 (free text)", &cursor));
    CHECK(story_say(&s, ADMIN, "!survey open 1", NULL, 0));
    CHECK(story_wait_post(&s, "Press Answer to take part", &cursor));
    char survey[128];
    REQUIRE(story_wait_sends_answered(&s));
    REQUIRE(first_post(&s, "Press Answer to take part", survey, sizeof survey));
    CHECK_INT(story_count_posts(&s, KEYCAP("1") " Answer"), 1);

    CHECK(answer_survey(&s, ALICE, "alice", survey, "2", "More coffee, please", &cursor));
    CHECK(answer_survey(&s, BOB, "bob", survey, "1", "Loved it", &cursor));
    CHECK_INT(story_count_posts(&s, "Thanks, your answers are saved."), 2);

    CHECK(story_say(&s, ADMIN, "!survey export 1", NULL, 0));
    cJSON *upload = scenario_wait_request(&s, "POST", "/upload", "Loved it", 8000, &cursor);
    const char *csv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(upload, "body"));
    CHECK_CONTAINS(csv, "member_id,member_name,");
    CHECK_CONTAINS(csv, "matrix:" ALICE ",alice,");
    CHECK_CONTAINS(csv, ",yes,OK,\"More coffee, please\"\r\n");
    CHECK_CONTAINS(csv, "matrix:" BOB ",bob,");
    CHECK_CONTAINS(csv, ",yes,Great,Loved it\r\n");
    cJSON_Delete(upload);
    cJSON *file =
        scenario_wait_request(&s, "PUT", "/send/m.room.message/", "survey-1.csv", 8000, &cursor);
    char *event = file ? cJSON_PrintUnformatted(file) : NULL;
    CHECK_CONTAINS(event, "m.file");
    free(event);
    cJSON_Delete(file);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
