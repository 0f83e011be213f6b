/* The spam plugin on Discord (kithd + the fake Discord, the real plugin): a flood times the
 * flooder out and deletes the burst, a newcomer's link is deleted, exempt roles, exempt
 * channels and managers are left alone, dry run only logs, a report's buttons act, strikes
 * expire, and a raid is announced once. */
#include <signal.h>
#include <sqlite3.h>

#include "discord_story.h"

#define MODLOG RANDOM                    /* the moderation log channel the stories set */
#define ADMINS_ROLE "500000000000000005" /* ADMIN's role in the fake guild */
#define NEWCOMER "600000000000000010"

/* An admin runs /spam set <rule> <key> <value> and kith answers with `expect`. */
static bool spam_set(struct scenario *s, const char *rule, const char *key, const char *value,
                     const char *expect, int *cursor)
{
    cJSON *options = cJSON_CreateObject();
    cJSON_AddStringToObject(options, "rule", rule);
    cJSON_AddStringToObject(options, "key", key);
    if (value != NULL)
        cJSON_AddStringToObject(options, "value", value);
    char *json = cJSON_PrintUnformatted(options);
    cJSON_Delete(options);
    char id[24];
    bool ok = json != NULL && story_command(s, ADMIN, "spam", "set", json, id) &&
              story_wait_callback(s, id, expect, cursor);
    free(json);
    return ok;
}

/* kithd with the real spam plugin, connected once the log holds `registered` "commands
 * registered" lines (a first start writes two: before and after spam is enabled). */
static bool spam_kithd(struct scenario *s, int registered)
{
    return story_kithd_with(s, KITH_PLUGIN_DIR, "\"spam\"", registered);
}

/* The fake, kithd with spam enabled by the admin, and the moderation log in MODLOG. */
static bool spam_start(struct scenario *s, int *cursor)
{
    return story_discord(s, NULL) && spam_kithd(s, 1) && story_enable(s, "spam", cursor) &&
           spam_set(s, "log", "channel", "<#" MODLOG ">", "log_channel is now", cursor);
}

/* Six messages that are not near-duplicates of each other (the duplicates rule ignores
 * digits and punctuation). */
static const char *const burst_texts[] = {
    "first I want to say hello",  "then a question about the release",
    "also where is the schedule", "and who brings the snacks",
    "plus a photo of my cat",     "finally see you all later",
};

/* A member writes `count` different messages in a channel (GENERAL unless named); their ids
 * into ids (24 bytes each). */
static bool post_burst_in(struct scenario *s, const char *channel, const char *user, int count,
                          char ids[][24])
{
    for (int i = 0; i < count; i++) {
        char text[64];
        snprintf(text, sizeof text, "%s, says %s", burst_texts[i % 6], user);
        if (!story_say(s, channel, user, text, ids[i]))
            return false;
    }
    return true;
}

static bool post_burst(struct scenario *s, const char *user, int count, char ids[][24])
{
    return post_burst_in(s, GENERAL, user, count, ids);
}

/* Kith asked Discord to delete message `id` in GENERAL. */
static bool wait_deleted(struct scenario *s, const char *id)
{
    char path[192];
    int from = 0;
    snprintf(path, sizeof path, "/channels/" GENERAL "/messages/%s", id);
    cJSON *hit = scenario_wait_request(s, "DELETE", path, NULL, 8000, &from);
    cJSON_Delete(hit);
    return hit != NULL;
}

static int deletes_of(struct scenario *s, const char *id)
{
    char path[192];
    snprintf(path, sizeof path, "/channels/" GENERAL "/messages/%s", id);
    return scenario_count_requests(s, "DELETE", path, NULL);
}

static int timeouts_of(struct scenario *s, const char *user)
{
    char path[192];
    snprintf(path, sizeof path, "/guilds/" GUILD "/members/%s", user);
    return scenario_count_requests(s, "PATCH", path, "communication_disabled_until");
}

/* Waits for a moderation log post whose body holds `part`. */
static bool wait_modlog(struct scenario *s, const char *part)
{
    int from = 0;
    cJSON *hit =
        scenario_wait_request(s, "POST", "/channels/" MODLOG "/messages", part, 8000, &from);
    cJSON_Delete(hit);
    if (hit == NULL)
        fprintf(stderr, "  no moderation log post with \"%s\"\n", part);
    return hit != NULL;
}

/* The id of the newest message the fake holds whose JSON contains `part`. */
static bool find_message(struct scenario *s, const char *part, char *id_out)
{
    cJSON *list = scenario_control(s, "GET", "messages", NULL);
    bool found = false;
    const cJSON *m; /* newest first */
    cJSON_ArrayForEach(m, list)
    {
        char *json = cJSON_PrintUnformatted(m);
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "id"));
        if (!found && json != NULL && id != NULL && strstr(json, part) != NULL) {
            snprintf(id_out, 24, "%s", id);
            found = true;
        }
        free(json);
    }
    cJSON_Delete(list);
    return found;
}

/* A member or admin runs a command with options and kith answers with `expect`. */
static bool command_answers(struct scenario *s, const char *user, const char *name,
                            const char *options, const char *expect, int *cursor)
{
    char id[24];
    return story_command(s, user, name, NULL, options, id) &&
           story_wait_callback(s, id, expect, cursor);
}

/* Moves every strike `ms` into the past, as if that much time went by (kithd stopped). */
static bool age_strikes(struct scenario *s, long long ms)
{
    return scenario_store_exec(s,
                               "UPDATE spam_strikes SET created_at = created_at - ?1,"
                               " expires_at = expires_at - ?1",
                               ms);
}

/* First action time of a report as the store holds it (-1 when unset or unreadable). */
static long long report_first_action(struct scenario *s, int report)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    long long at = -1;
    if (sqlite3_open_v2(s->db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_busy_timeout(db, 2000) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT first_action_at FROM spam_reports WHERE id = ?1", -1, &stmt,
                           NULL) == SQLITE_OK &&
        sqlite3_bind_int(stmt, 1, report) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW &&
        sqlite3_column_type(stmt, 0) != SQLITE_NULL)
        at = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return at;
}

/* How far in the future (seconds) a member PATCH puts communication_disabled_until; -1 when
 * it carries none. */
static long long timeout_from_now(const cJSON *patch)
{
    cJSON *body =
        cJSON_Parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(patch, "body")));
    const char *until = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(body, "communication_disabled_until"));
    struct tm tm = {0};
    long long seconds = -1;
    if (until != NULL && sscanf(until, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        seconds = (long long)timegm(&tm) - (long long)time(NULL);
    }
    cJSON_Delete(body);
    return seconds;
}

TEST(test_flood_gets_the_flooder_timed_out_and_the_burst_deleted)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    char calm[24], burst[6][24];
    REQUIRE(story_say(&s, GENERAL, OTHER_MEMBER, "good morning everyone", calm));
    /* Default flood rule: more than 5 messages in 10 s times out for 10 minutes. */
    REQUIRE(post_burst(&s, MEMBER, 6, burst));
    cJSON *patch = scenario_wait_request(&s, "PATCH", "/guilds/" GUILD "/members/" MEMBER,
                                         "communication_disabled_until", 8000, &cursor);
    CHECK(patch != NULL);
    long long until = timeout_from_now(patch); /* the default: 10 minutes */
    CHECK(until >= 540 && until <= 610);
    cJSON_Delete(patch);
    for (int i = 0; i < 6; i++)
        CHECK(wait_deleted(&s, burst[i]));
    CHECK(wait_modlog(&s, "flood"));
    CHECK(wait_modlog(&s, "finally see you all later, says " MEMBER));
    CHECK_INT(timeouts_of(&s, MEMBER), 1);
    CHECK_INT(deletes_of(&s, calm), 0);
    CHECK_INT(timeouts_of(&s, OTHER_MEMBER), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_link_from_a_member_who_joined_today_is_deleted)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    char settled[24], fresh[24];
    /* A long-standing member may link. */
    REQUIRE(story_say(&s, GENERAL, MEMBER, "docs are at https://docs.example.org/start", settled));
    REQUIRE(scenario_control_ok(&s, "member_join",
                                "{\"user_id\":\"" NEWCOMER "\",\"username\":\"newbie\"}"));
    REQUIRE(
        story_say(&s, GENERAL, NEWCOMER, "great deals at https://deals.example.com/now", fresh));
    CHECK(wait_deleted(&s, fresh));
    CHECK(wait_modlog(&s, "new_member_links"));
    CHECK_INT(deletes_of(&s, settled), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_member_with_an_exempt_role_is_untouched)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    /* Managers are no longer exempt as such: only the role keeps the admin safe. */
    REQUIRE(spam_set(&s, "exempt", "managers", "off", "exempt_managers is now", &cursor));
    REQUIRE(spam_set(&s, "exempt", "roles", "<@&" ADMINS_ROLE ">", "exempt_roles is now", &cursor));
    char exempt[6][24], flooder[6][24];
    REQUIRE(post_burst(&s, ADMIN, 6, exempt));
    REQUIRE(post_burst(&s, MEMBER, 6, flooder));
    /* The member's flood is handled after the admin's messages: by then theirs were judged. */
    CHECK(wait_deleted(&s, flooder[5]));
    CHECK_INT(timeouts_of(&s, ADMIN), 0);
    for (int i = 0; i < 6; i++)
        CHECK_INT(deletes_of(&s, exempt[i]), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_flood_in_an_exempt_channel_is_untouched)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(spam_set(&s, "exempt", "channels", "<#" RANDOM ">", "exempt_channels is now", &cursor));
    char exempt[6][24], flooder[6][24];
    REQUIRE(post_burst_in(&s, RANDOM, MEMBER, 6, exempt));
    /* The same member's flood elsewhere still counts (handled after the exempt channel's). */
    REQUIRE(post_burst(&s, MEMBER, 6, flooder));
    CHECK(wait_deleted(&s, flooder[5]));
    CHECK_INT(scenario_count_requests(&s, "DELETE", "/channels/" RANDOM "/messages/", NULL), 0);
    CHECK_INT(timeouts_of(&s, MEMBER), 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_manager_is_untouched)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    char owner[6][24], flooder[6][24];
    REQUIRE(post_burst(&s, OWNER, 6, owner)); /* the guild's owner: a manager */
    REQUIRE(post_burst(&s, MEMBER, 6, flooder));
    CHECK(wait_deleted(&s, flooder[5]));
    CHECK_INT(timeouts_of(&s, OWNER), 0);
    for (int i = 0; i < 6; i++)
        CHECK_INT(deletes_of(&s, owner[i]), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_dry_run_changes_nothing_but_logs_what_would_happen)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    char id[24];
    REQUIRE(story_command(&s, ADMIN, "spam", "dry-run", "{\"state\":true}", id));
    REQUIRE(story_wait_callback(&s, id, "dry_run is now", &cursor));
    char burst[6][24];
    REQUIRE(post_burst(&s, MEMBER, 6, burst));
    CHECK(wait_modlog(&s, "[dry run] would timeout"));
    CHECK(scenario_wait_log(&s, "dry run, would timeout", 8000));
    CHECK_INT(timeouts_of(&s, MEMBER), 0);
    CHECK_INT(scenario_count_requests(&s, "DELETE", "/messages/", NULL), 0);
    CHECK_INT(scenario_count_requests(&s, "PUT", "/bans/", NULL), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_report_reaches_the_queue_and_a_moderators_press_acts)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    char spam[24], options[256], queue[24], id[24];
    REQUIRE(story_say(&s, GENERAL, MEMBER, "dm me for cheap followers", spam));
    snprintf(options, sizeof options, "{\"target\":\"%s\",\"reason\":\"selling followers\"}", spam);
    REQUIRE(
        command_answers(&s, OTHER_MEMBER, "report", options, "reached the moderators", &cursor));
    REQUIRE(wait_modlog(&s, "selling followers"));
    REQUIRE(find_message(&s, "Report #1", queue));
    CHECK(wait_modlog(&s, "spam:r:1:timeout"));
    CHECK(wait_modlog(&s, "dm me for cheap followers"));

    /* A member's press changes nothing. */
    REQUIRE(story_press(&s, OTHER_MEMBER, queue, "spam:r:1:ban", id));
    CHECK(story_wait_callback(&s, id, "Only managers can act on reports", &cursor));
    CHECK_INT(scenario_count_requests(&s, "PUT", "/bans/", NULL), 0);
    CHECK_INT(report_first_action(&s, 1), -1);

    /* The admin's press times the reported member out and marks the report handled. */
    REQUIRE(story_press(&s, ADMIN, queue, "spam:r:1:timeout", id));
    cJSON *patch = scenario_wait_request(&s, "PATCH", "/guilds/" GUILD "/members/" MEMBER,
                                         "communication_disabled_until", 8000, &cursor);
    CHECK(patch != NULL);
    cJSON_Delete(patch);
    char path[192];
    snprintf(path, sizeof path, "/channels/" MODLOG "/messages/%s", queue);
    int from = 0;
    cJSON *edit = scenario_wait_request(&s, "PATCH", path, "Handled by", 8000, &from);
    CHECK(edit != NULL);
    cJSON_Delete(edit);
    CHECK(report_first_action(&s, 1) > 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_report_by_message_link_and_the_ban_button)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    char spam[24], options[256], queue[24], id[24];
    REQUIRE(story_say(&s, GENERAL, MEMBER, "claim your prize at my profile", spam));
    snprintf(options, sizeof options,
             "{\"target\":\"https://discord.com/channels/" GUILD "/" GENERAL
             "/%s\",\"reason\":\"scam\"}",
             spam);
    REQUIRE(
        command_answers(&s, OTHER_MEMBER, "report", options, "reached the moderators", &cursor));
    REQUIRE(wait_modlog(&s, "claim your prize at my profile"));
    REQUIRE(find_message(&s, "Report #1", queue));
    REQUIRE(story_press(&s, ADMIN, queue, "spam:r:1:ban", id));
    int from = 0;
    cJSON *ban =
        scenario_wait_request(&s, "PUT", "/guilds/" GUILD "/bans/" MEMBER, NULL, 8000, &from);
    CHECK(ban != NULL);
    cJSON_Delete(ban);
    CHECK(story_wait_callback(&s, id, "Report #1", &cursor));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_strikes_expire)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(spam_set(&s, "strikes", "expiry", "1h", "strike_expiry is now", &cursor));
    REQUIRE(command_answers(&s, ADMIN, "warn",
                            "{\"member\":\"" MEMBER "\",\"reason\":\"rude to newcomers\"}",
                            "was warned", &cursor));
    CHECK(command_answers(&s, ADMIN, "strikes", "{\"member\":\"" MEMBER "\"}", "1 active strike",
                          &cursor));
    CHECK(command_answers(&s, MEMBER, "strikes", "{\"member\":\"" MEMBER "\"}", "rude to newcomers",
                          &cursor));

    /* Two hours later (the store's clock moved back; kithd restarted) the strike is gone. */
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 10000), 0);
    REQUIRE(age_strikes(&s, 2LL * 3600 * 1000));
    REQUIRE(spam_kithd(&s, 3));
    CHECK(command_answers(&s, ADMIN, "strikes", "{\"member\":\"" MEMBER "\"}",
                          "has no active strikes", &cursor));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* `count` new members join; their ids are 6000000000000002nn. */
static bool joins(struct scenario *s, int count)
{
    for (int i = 0; i < count; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"user_id\":\"6000000000000002%02d\",\"username\":\"j%d\"}",
                 i, i);
        if (!scenario_control_ok(s, "member_join", body))
            return false;
    }
    return true;
}

TEST(test_raid_is_announced_once_and_its_joiners_get_the_raid_action)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(spam_set(&s, "raid", "action", "kick", "raid is now", &cursor));
    /* Default limit: more than 10 joins in 60 s. */
    REQUIRE(joins(&s, 12));
    CHECK(wait_modlog(&s, "many members are joining"));
    int from = 0;
    cJSON *kick =
        scenario_wait_request(&s, "DELETE", "/guilds/" GUILD "/members/", NULL, 8000, &from);
    CHECK(kick != NULL);
    cJSON_Delete(kick);
    CHECK_INT(scenario_count_requests(&s, "POST", "/channels/" MODLOG "/messages",
                                      "many members are joining"),
              1);
    CHECK_INT(scenario_count_requests(&s, "DELETE", "/guilds/" GUILD "/members/", NULL), 2);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
