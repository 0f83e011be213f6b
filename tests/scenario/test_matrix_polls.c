/* Native polls on Matrix as plugins see them (SDK 1.1), with the example plugin's /note poll:
 * every response reaches the plugin as the member's whole current choice on the poll's message
 * id (max_selections and repeats applied, spoiled ballots dropped), and a member's reply to
 * kith's message names that message in the same form as the send result; forms do not exist
 * in Matrix (the pollform test plugin is told so), while buttons still arrive as presses; and
 * a plugin closing the same poll twice leaves one m.poll.end in the room.
 * Closing polls is told in test_polls_matrix.c, with the polls plugin that closes them. */
#include "matrix_story.h"

/* A member posts an example-plugin poll; its event id goes to poll_id. */
static bool post_poll(struct scenario *s, const char *command, char *poll_id, size_t size,
                      int *cursor)
{
    cJSON *sent = story_say(s, ALICE, command, NULL, 0)
                      ? scenario_wait_request(s, "PUT", "/send/m.poll.start/", NULL, 8000, cursor)
                      : NULL;
    cJSON_Delete(sent);
    return sent != NULL && story_wait_sends_answered(s) &&
           story_find_event(s, "m.poll.start", poll_id, size);
}

/* The adapter handed the core a vote by `member` on the poll with the zero-based `choice`
 * ("0,2"; "" for a retraction). */
static bool wait_vote(struct scenario *s, const char *poll_id, const char *member,
                      const char *choice)
{
    char line[256];
    snprintf(line, sizeof line, "by %s on matrix:%s:%s%s\n", member, poll_id, choice[0] ? " " : "",
             choice);
    return scenario_wait_log(s, line, 8000);
}

/* How many votes by `member` on the poll reached the core. */
static int votes_logged(struct scenario *s, const char *poll_id, const char *member)
{
    char line[256];
    snprintf(line, sizeof line, "by %s on matrix:%s:", member, poll_id);
    return scenario_log_count(s, line);
}

TEST(test_member_vote_is_the_whole_current_choice)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char multi[128], single[128];
    REQUIRE(
        post_poll(&s, "!note poll Drinks? --multi tea coffee juice", multi, sizeof multi, &cursor));
    CHECK(story_poll_response(&s, ALICE, multi, "[\"1\",\"3\"]"));
    CHECK(wait_vote(&s, multi, ALICE, "0,2"));
    /* Voting again replaces the choice: the event carries all of it, not the difference. */
    CHECK(story_poll_response(&s, ALICE, multi, "[\"2\",\"2\"]"));
    CHECK(wait_vote(&s, multi, ALICE, "1"));
    CHECK(story_poll_response(&s, ALICE, multi, "[]"));
    CHECK(wait_vote(&s, multi, ALICE, ""));
    /* Only unknown answers: a spoiled ballot, neither a vote nor a retraction. */
    CHECK(story_poll_response(&s, ALICE, multi, "[\"9\"]"));

    /* A single-answer poll counts the first selection only (max_selections 1). */
    REQUIRE(post_poll(&s, "!note poll Lunch? pizza pasta", single, sizeof single, &cursor));
    CHECK(story_poll_response(&s, ADMIN, single, "[\"2\",\"1\"]"));
    CHECK(wait_vote(&s, single, ADMIN, "1"));
    CHECK_INT(votes_logged(&s, multi, ALICE), 3);
    cJSON *tally = story_poll_tally(&s, single);
    CHECK_INT((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
                  cJSON_GetObjectItemCaseSensitive(tally, "counts"), "2")),
              1);
    CHECK(!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tally, "ended")));
    cJSON_Delete(tally);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_reply_to_kiths_message_names_it_as_message_ids_are_named)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char poll[128], line[256], say[512];
    REQUIRE(post_poll(&s, "!note poll Up? up down", poll, sizeof poll, &cursor));
    /* The member's client quotes the poll (m.in_reply_to): the event names it "matrix:$id",
     * the id send results report and edits, deletions and poll closes take. */
    snprintf(say, sizeof say,
             "{\"room_id\":\"" LOBBY "\",\"sender\":\"" ALICE "\","
             "\"body\":\"up, clearly\",\"reply_to\":\"%s\"}",
             poll);
    CHECK(scenario_control_ok(&s, "say", say));
    snprintf(line, sizeof line, ": reply to matrix:%s\n", poll);
    CHECK(scenario_wait_log(&s, line, 8000));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_forms_are_unsupported_and_buttons_still_arrive_as_presses)
{
    struct scenario s;
    REQUIRE(story_homeserver(&s));
    REQUIRE(story_kithd_with(&s, NULL, NULL, "\"pollform\""));
    int cursor = 0;
    REQUIRE(story_say(&s, ADMIN, "!kith enable pollform", NULL, 0));
    REQUIRE(story_wait_post(&s, "pollform is now enabled here", &cursor));
    CHECK(story_say(&s, ALICE, "!pf form", NULL, 0));
    CHECK(scenario_wait_log(&s, "form (command): not supported by this platform", 8000));
    CHECK(story_say(&s, ALICE, "!pf ask", NULL, 0));
    CHECK(story_wait_post(&s, "1\xEF\xB8\x8F\xE2\x83\xA3 Open the form", &cursor));
    CHECK(story_wait_sends_answered(&s));
    char asked[128];
    CHECK(story_find_post(&s, "Tell us about you", asked, sizeof asked));
    CHECK(story_react(&s, ALICE, asked, "1\xEF\xB8\x8F\xE2\x83\xA3"));
    CHECK(scenario_wait_log(&s, "form (button): not supported by this platform", 8000));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_closing_a_poll_twice_leaves_one_end_event)
{
    struct scenario s;
    REQUIRE(story_homeserver(&s));
    REQUIRE(story_kithd_with(&s, NULL, NULL, "\"pollform\""));
    int cursor = 0;
    REQUIRE(story_say(&s, ADMIN, "!kith enable pollform", NULL, 0));
    REQUIRE(story_wait_post(&s, "pollform is now enabled here", &cursor));
    char poll[128], command[256];
    REQUIRE(post_poll(&s, "!pf poll pizza pasta", poll, sizeof poll, &cursor));
    snprintf(command, sizeof command, "!pf close matrix:%s", poll);
    CHECK(story_say(&s, ADMIN, command, NULL, 0));
    CHECK(scenario_wait_log(&s, "poll closed: success matrix:$", 8000));
    /* A retried close (a job run again after a restart) reuses the transaction id. */
    CHECK(story_say(&s, ADMIN, command, NULL, 0));
    CHECK(scenario_wait_log_count(&s, "poll closed: success matrix:$", 2, 8000));
    CHECK_INT(scenario_count_requests(&s, "PUT", "/send/m.poll.end/", NULL), 2);
    cJSON *ends = scenario_control(&s, "POST", "events",
                                   "{\"room_id\":\"" LOBBY "\",\"type\":\"m.poll.end\"}");
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ends, "events")), 1);
    cJSON_Delete(ends);
    cJSON *tally = story_poll_tally(&s, poll);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tally, "ended")));
    cJSON_Delete(tally);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
