/* The spam plugin on Matrix (kithd + the fake homeserver, the real plugin): a flood's messages
 * are redacted (Matrix rooms have no timeouts: the adapter refuses them, and the moderation log
 * says so; kick works), a newcomer's link is redacted, the room's admin is left alone, dry run
 * only logs, a report's numbered choice acts, strikes expire, and a raid is announced once.
 * The lobby is both the server and the moderation log channel. */
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "matrix_story.h"

#define NEWCOMER "@newbie:fake.test"
#define REPORTER "@bob:fake.test"
#define KEYCAP_2 "2\xEF\xB8\x8F\xE2\x83\xA3"

/* kithd with the real spam plugin, past its first sync (or, after a restart, resuming:
 * `resumes` counts those so far). */
static bool spam_kithd(struct scenario *s, int resumes)
{
    return scenario_write_config(s, matrix_config, KITH_PLUGIN_DIR, "\"spam\"") &&
           scenario_start_kithd(s) &&
           (resumes == 0 ? scenario_wait_log(s, "first sync done", 10000)
                         : scenario_wait_log_count(s, "resuming sync", resumes, 10000));
}

/* Someone writes `text` in the lobby and kith answers with `expect`. */
static bool says_and_hears(struct scenario *s, const char *sender, const char *text,
                           const char *expect, int *cursor)
{
    return story_say(s, sender, text, NULL, 0) && story_wait_post(s, expect, cursor);
}

/* The homeserver with bob in the lobby too, and kith at moderator level (redact, kick, ban). */
static bool spam_homeserver(struct scenario *s)
{
    return story_homeserver(s) &&
           scenario_control_ok(s, "user", "{\"user_id\":\"" REPORTER "\"}") &&
           scenario_control_ok(s, "join",
                               "{\"room_id\":\"" LOBBY "\",\"user_id\":\"" REPORTER "\"}") &&
           scenario_control_ok(
               s, "send",
               "{\"room_id\":\"" LOBBY "\",\"sender\":\"" ADMIN
               "\",\"type\":\"m.room.power_levels\","
               "\"state_key\":\"\",\"content\":{\"users\":{\"" ADMIN "\":100,\"" KITH_USER "\":50},"
               "\"users_default\":0,\"state_default\":50,\"ban\":50,\"kick\":50,\"redact\":50}}");
}

/* The homeserver, kithd with spam enabled by the admin, and the moderation log in the lobby. */
static bool spam_start(struct scenario *s, int *cursor)
{
    return spam_homeserver(s) && spam_kithd(s, 0) &&
           says_and_hears(s, ADMIN, "!kith enable spam", "spam is now enabled here", cursor) &&
           says_and_hears(s, ADMIN, "!spam set log channel " LOBBY, "log_channel is now", cursor);
}

/* Six messages that are not near-duplicates of each other (the duplicates rule ignores
 * digits and punctuation). */
static const char *const burst_texts[] = {
    "first I want to say hello",  "then a question about the release",
    "also where is the schedule", "and who brings the snacks",
    "plus a photo of my cat",     "finally see you all later",
};

/* A member writes `count` different messages; their event ids into ids (128 bytes each). */
static bool post_burst(struct scenario *s, const char *sender, int count, char ids[][128])
{
    for (int i = 0; i < count; i++) {
        char text[96];
        snprintf(text, sizeof text, "%s, says %s", burst_texts[i % 6], sender);
        if (!story_say(s, sender, text, ids[i], 128))
            return false;
    }
    return true;
}

static bool wait_redacted(struct scenario *s, const char *event_id)
{
    char path[1024];
    int from = 0;
    snprintf(path, sizeof path, "/redact/%s/", event_id);
    cJSON *hit = scenario_wait_request(s, "PUT", path, NULL, 8000, &from);
    cJSON_Delete(hit);
    return hit != NULL;
}

static int redactions_of(struct scenario *s, const char *event_id)
{
    char path[1024];
    snprintf(path, sizeof path, "/redact/%s/", event_id);
    return scenario_count_requests(s, "PUT", path, NULL);
}

/* Moves every strike `ms` into the past, as if that much time went by (kithd stopped). */
static bool age_strikes(struct scenario *s, long long ms)
{
    return scenario_store_exec(s,
                               "UPDATE spam_strikes SET created_at = created_at - ?1,"
                               " expires_at = expires_at - ?1",
                               ms);
}

TEST(test_flood_gets_the_burst_redacted_and_no_timeout_is_possible)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    char calm[128], burst[6][128];
    REQUIRE(story_say(&s, REPORTER, "good morning everyone", calm, sizeof calm));
    REQUIRE(post_burst(&s, ALICE, 6, burst));
    for (int i = 0; i < 6; i++)
        CHECK(wait_redacted(&s, burst[i]));
    CHECK(story_wait_post(&s, "flood", &cursor));
    CHECK(story_count_posts(&s, "finally see you all later, says " ALICE) >= 1); /* the evidence */
    /* Matrix rooms cannot time a member out: the adapter refuses, nothing else is sent. */
    CHECK(scenario_wait_log(&s, "moderation not sent: not supported", 8000));
    CHECK_INT(scenario_count_requests(&s, "POST", "/kick", NULL), 0);
    CHECK_INT(scenario_count_requests(&s, "POST", "/ban", NULL), 0);
    CHECK_INT(redactions_of(&s, calm), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* The moderators must not read that a member was timed out when Matrix refused it: the log
 * post of the action says the timeout was not applied (the adapter's reason: not supported). */
TEST(test_moderation_log_says_when_the_timeout_was_not_applied)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    char burst[6][128];
    REQUIRE(post_burst(&s, ALICE, 6, burst));
    CHECK(wait_redacted(&s, burst[5]));
    CHECK(story_wait_post(&s, "flood", &cursor));
    CHECK(story_count_posts(&s, "not supported") >= 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_flood_with_kick_as_its_action_kicks_the_flooder)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(says_and_hears(&s, ADMIN, "!spam set flood action kick", "flood is now", &cursor));
    char burst[6][128];
    REQUIRE(post_burst(&s, ALICE, 6, burst));
    int from = 0;
    cJSON *kick = scenario_wait_request(&s, "POST", "/kick", ALICE, 8000, &from);
    CHECK(kick != NULL);
    cJSON_Delete(kick);
    CHECK(wait_redacted(&s, burst[5]));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_link_from_a_member_who_joined_today_is_redacted)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    char settled[128], fresh[128];
    REQUIRE(story_say(&s, ALICE, "docs are at https://docs.example.org/start", settled,
                      sizeof settled));
    REQUIRE(scenario_control_ok(&s, "user", "{\"user_id\":\"" NEWCOMER "\"}"));
    REQUIRE(scenario_control_ok(&s, "join",
                                "{\"room_id\":\"" LOBBY "\",\"user_id\":\"" NEWCOMER "\"}"));
    REQUIRE(story_say(&s, NEWCOMER, "great deals at https://deals.example.com/now", fresh,
                      sizeof fresh));
    CHECK(wait_redacted(&s, fresh));
    CHECK(story_wait_post(&s, "new_member_links", &cursor));
    CHECK_INT(redactions_of(&s, settled), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_room_admin_is_untouched)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    char admin[6][128], flooder[6][128];
    REQUIRE(post_burst(&s, ADMIN, 6, admin));
    REQUIRE(post_burst(&s, ALICE, 6, flooder));
    CHECK(wait_redacted(&s, flooder[5]));
    for (int i = 0; i < 6; i++)
        CHECK_INT(redactions_of(&s, admin[i]), 0);
    CHECK_INT(scenario_count_requests(&s, "POST", "/kick", NULL), 0);
    CHECK_INT(scenario_count_requests(&s, "POST", "/ban", NULL), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_dry_run_changes_nothing_but_logs_what_would_happen)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(says_and_hears(&s, ADMIN, "!spam dry-run on", "dry_run is now", &cursor));
    char burst[6][128];
    REQUIRE(post_burst(&s, ALICE, 6, burst));
    CHECK(story_wait_post(&s, "[dry run] would timeout", &cursor));
    CHECK(scenario_wait_log(&s, "dry run, would timeout", 8000));
    CHECK_INT(scenario_count_requests(&s, "PUT", "/redact/", NULL), 0);
    CHECK_INT(scenario_count_requests(&s, "POST", "/kick", NULL), 0);
    CHECK_INT(scenario_count_requests(&s, "POST", "/ban", NULL), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_report_reaches_the_queue_and_a_moderators_choice_acts)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    char spam[128], queue[128];
    REQUIRE(story_say(&s, ALICE, "dm me for cheap followers", spam, sizeof spam));
    /* Reporting is a reply to the message. */
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "room_id", LOBBY);
    cJSON_AddStringToObject(body, "sender", REPORTER);
    cJSON_AddStringToObject(body, "body", "!report selling followers");
    cJSON_AddStringToObject(body, "reply_to", spam);
    char *json = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    bool reported = json != NULL && scenario_control_ok(&s, "say", json);
    free(json);
    REQUIRE(reported);
    REQUIRE(story_wait_post(&s, "reached the moderators", &cursor));
    REQUIRE(story_find_post(&s, "Report #1", queue, sizeof queue));
    char evidence[128];
    CHECK(story_find_post(&s, "dm me for cheap followers", evidence, sizeof evidence) &&
          strcmp(evidence, queue) == 0);

    /* A member's choice changes nothing. */
    REQUIRE(story_react(&s, REPORTER, queue, KEYCAP_2));
    CHECK(story_wait_post(&s, "Only managers can act on reports", &cursor));
    CHECK_INT(redactions_of(&s, spam), 0);

    /* The admin picks "Delete message": the reported message is redacted. */
    REQUIRE(story_react(&s, ADMIN, queue, KEYCAP_2));
    CHECK(wait_redacted(&s, spam));
    CHECK(story_wait_post(&s, "Handled by", &cursor));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_strikes_expire)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(
        says_and_hears(&s, ADMIN, "!spam set strikes expiry 1h", "strike_expiry is now", &cursor));
    REQUIRE(says_and_hears(&s, ADMIN, "!warn " ALICE " rude to newcomers", "was warned", &cursor));
    CHECK(says_and_hears(&s, ADMIN, "!strikes " ALICE, "1 active strike", &cursor));
    CHECK(says_and_hears(&s, ALICE, "!strikes " ALICE, "rude to newcomers", &cursor));

    /* Two hours later (the store's clock moved back; kithd restarted) the strike is gone. */
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 10000), 0);
    REQUIRE(age_strikes(&s, 2LL * 3600 * 1000));
    REQUIRE(spam_kithd(&s, 1));
    CHECK(says_and_hears(&s, ADMIN, "!strikes " ALICE, "has no active strikes", &cursor));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_raid_is_announced_once)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    /* Default limit: more than 10 joins in 60 s, alert only. */
    for (int i = 0; i < 12; i++) {
        char body[160];
        snprintf(body, sizeof body, "{\"user_id\":\"@joiner%d:fake.test\"}", i);
        REQUIRE(scenario_control_ok(&s, "user", body));
        snprintf(body, sizeof body,
                 "{\"room_id\":\"" LOBBY "\",\"user_id\":\"@joiner%d:fake.test\"}", i);
        REQUIRE(scenario_control_ok(&s, "join", body));
    }
    CHECK(story_wait_post(&s, "many members are joining", &cursor));
    CHECK(says_and_hears(&s, ADMIN, "!spam rules", "Spam rules here", &cursor));
    CHECK_INT(story_count_posts(&s, "many members are joining"), 1);
    CHECK_INT(scenario_count_requests(&s, "POST", "/kick", NULL), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
