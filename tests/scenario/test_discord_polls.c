/* Discord scenarios about native polls (with the pollform test plugin): Discord announces votes
 * one answer at a time and kith hands plugins each member's whole choice, also across a
 * restart; a plugin ends a poll early (through a rate limit too) and Discord takes no vote
 * after. */
#include <signal.h>

#include "discord_story.h"

#define POLLFORM "\"pollform\""

/* The fake and kithd with pollform enabled, and a poll a member asked for (answers a b c, one
 * answer per member unless multi); the poll's message id into poll_id (24 bytes). */
static bool start_with_poll(struct scenario *s, bool multi, char *poll_id, int *cursor)
{
    char id[24];
    const char *options =
        multi ? "{\"answers\":\"a b c\",\"multi\":true}" : "{\"answers\":\"a b c\"}";
    return story_discord(s, NULL) && story_kithd_with(s, NULL, POLLFORM, 1) &&
           story_enable(s, "pollform", cursor) &&
           story_command(s, MEMBER, "pf", "poll", options, id) &&
           scenario_wait_log(s, "poll sent: success discord:", 8000) && story_last_poll(s, poll_id);
}

/* The log line pollform writes for a vote. */
static bool vote_logged(struct scenario *s, const char *poll, const char *user, const char *choice,
                        int count)
{
    char line[256];
    snprintf(line, sizeof line, "vote on discord:%s by discord:%s in discord:" GENERAL ": %s", poll,
             user, choice);
    return scenario_wait_log_count(s, line, count, 8000);
}

TEST(test_votes_arrive_as_each_members_whole_choice)
{
    struct scenario s;
    int cursor = 0;
    char poll[24];
    REQUIRE(start_with_poll(&s, true, poll, &cursor));
    /* Kith rendered the answers in order; Discord numbers them from 1. */
    REQUIRE(story_vote(&s, MEMBER, poll, "[1]"));
    CHECK(vote_logged(&s, poll, MEMBER, "[0]", 1));
    /* Adding the third answer: Discord says "answer 3 added", the plugin sees both. */
    REQUIRE(story_vote(&s, MEMBER, poll, "[1,3]"));
    CHECK(vote_logged(&s, poll, MEMBER, "[0,2]", 1));
    /* Another member's choice is their own. */
    REQUIRE(story_vote(&s, OTHER_MEMBER, poll, "[2]"));
    CHECK(vote_logged(&s, poll, OTHER_MEMBER, "[1]", 1));
    /* Taking back the first answer leaves the third. */
    REQUIRE(story_vote(&s, MEMBER, poll, "[3]"));
    CHECK(vote_logged(&s, poll, MEMBER, "[2]", 1));
    /* Taking back everything is an empty choice: the vote is retracted. */
    REQUIRE(story_vote(&s, MEMBER, poll, "[]"));
    CHECK(vote_logged(&s, poll, MEMBER, "[]", 1));
    CHECK_INT(scenario_log_count(&s, "vote on discord:"), 5);
    scenario_finish(&s);
}

TEST(test_changing_a_single_answer_vote_retracts_then_votes_again)
{
    struct scenario s;
    int cursor = 0;
    char poll[24];
    REQUIRE(start_with_poll(&s, false, poll, &cursor));
    /* A single-answer poll takes one answer: the fake refuses two, nothing reaches kith. */
    CHECK(!story_vote(&s, MEMBER, poll, "[1,2]"));
    REQUIRE(story_vote(&s, MEMBER, poll, "[1]"));
    CHECK(vote_logged(&s, poll, MEMBER, "[0]", 1));
    /* On Discord a member removes the vote and votes again: two events, the last one counts. */
    REQUIRE(story_vote(&s, MEMBER, poll, "[2]"));
    CHECK(vote_logged(&s, poll, MEMBER, "[]", 1));
    CHECK(vote_logged(&s, poll, MEMBER, "[1]", 1));
    CHECK_INT(scenario_log_count(&s, "vote on discord:"), 3);
    scenario_finish(&s);
}

TEST(test_earlier_answers_are_remembered_across_a_restart)
{
    struct scenario s;
    int cursor = 0;
    char poll[24];
    REQUIRE(start_with_poll(&s, true, poll, &cursor));
    REQUIRE(story_vote(&s, MEMBER, poll, "[2]"));
    REQUIRE(vote_logged(&s, poll, MEMBER, "[1]", 1));
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 10000), 0);
    REQUIRE(scenario_start_kithd(&s));
    /* Registered at the first start, at /kith enable, and now again. */
    REQUIRE(scenario_wait_log_count(&s, "commands registered in guild " GUILD, 3, 10000));
    /* After the restart Discord announces only the new answer; the choice still has both. */
    REQUIRE(story_vote(&s, MEMBER, poll, "[2,3]"));
    CHECK(vote_logged(&s, poll, MEMBER, "[1,2]", 1));
    scenario_finish(&s);
}

TEST(test_plugin_ends_a_poll_and_discord_takes_no_more_votes)
{
    struct scenario s;
    int cursor = 0;
    char poll[24], id[24];
    REQUIRE(start_with_poll(&s, false, poll, &cursor));
    REQUIRE(story_vote(&s, MEMBER, poll, "[3]"));
    REQUIRE(vote_logged(&s, poll, MEMBER, "[2]", 1));
    char options[64];
    snprintf(options, sizeof options, "{\"message\":\"%s\"}", poll);
    REQUIRE(story_command(&s, MEMBER, "pf", "close", options, id));
    char path[128];
    snprintf(path, sizeof path, "/channels/" GENERAL "/polls/%s/expire", poll);
    cJSON *expire = scenario_wait_request(&s, "POST", path, NULL, 8000, &cursor);
    CHECK(expire != NULL);
    cJSON_Delete(expire);
    char done[96];
    snprintf(done, sizeof done, "poll closed: success discord:%s", poll);
    CHECK(scenario_wait_log(&s, done, 8000));
    /* Discord shows the final count and refuses further votes. */
    cJSON *m = story_message(&s, poll);
    const cJSON *results =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "poll"), "results");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(results, "is_finalized")));
    char *printed = cJSON_PrintUnformatted(results);
    CHECK_CONTAINS(printed, "{\"id\":3,\"count\":1,");
    free(printed);
    cJSON_Delete(m);
    CHECK(!story_vote(&s, OTHER_MEMBER, poll, "[1]"));
    CHECK_INT(scenario_log_count(&s, "vote on discord:"), 1);
    scenario_finish(&s);
}

TEST(test_ending_a_poll_that_is_not_there_says_so)
{
    struct scenario s;
    int cursor = 0;
    char poll[24], id[24];
    REQUIRE(start_with_poll(&s, false, poll, &cursor));
    REQUIRE(story_command(&s, MEMBER, "pf", "close", "{\"message\":\"700000000000000001\"}", id));
    CHECK(scenario_wait_log(&s, "poll closed: not found", 8000));
    /* The real poll is untouched. */
    cJSON *m = story_message(&s, poll);
    CHECK(!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "poll"), "results"),
        "is_finalized")));
    cJSON_Delete(m);
    CHECK(story_vote(&s, OTHER_MEMBER, poll, "[1]"));
    scenario_finish(&s);
}

TEST(test_ending_a_poll_waits_out_a_rate_limit_and_tries_again)
{
    struct scenario s;
    int cursor = 0;
    char poll[24], id[24];
    REQUIRE(start_with_poll(&s, false, poll, &cursor));
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"method\":\"POST\",\"path\":\"/polls/\",\"status\":429,"
                                "\"retry_after\":0.3,\"count\":1}"));
    char options[64];
    snprintf(options, sizeof options, "{\"message\":\"%s\"}", poll);
    REQUIRE(story_command(&s, MEMBER, "pf", "close", options, id));
    char done[96];
    snprintf(done, sizeof done, "poll closed: success discord:%s", poll);
    CHECK(scenario_wait_log(&s, done, 8000));
    char path[128];
    snprintf(path, sizeof path, "/channels/" GENERAL "/polls/%s/expire", poll);
    CHECK_INT(scenario_count_requests(&s, "POST", path, NULL), 2);
    CHECK_INT(story_state_int(&s, "bucket_violations"), 0);
    CHECK_INT(story_state_int(&s, "global_violations"), 0);
    scenario_finish(&s);
}
