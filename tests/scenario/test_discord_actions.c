/* Discord scenarios about what kith does on a member's behalf: timeouts with the audit-log
 * reason, deleting a message, direct messages, and members' messages reaching the plugins
 * (kith's own never do). */
#include "discord_story.h"

static const char *header(const cJSON *request, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(request, "headers"), name));
}

TEST(test_admin_mutes_a_member_with_the_reason_in_the_audit_log)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char id[24];
    REQUIRE(story_command(&s, ADMIN, "note", "mute",
                          "{\"member\":\"" MEMBER "\",\"duration\":\"10m\",\"reason\":\"spam\"}",
                          id));
    cJSON *patch = scenario_wait_request(&s, "PATCH", "/guilds/" GUILD "/members/" MEMBER,
                                         "communication_disabled_until", 8000, &cursor);
    REQUIRE(patch != NULL);
    /* URL-encoded, as Discord reads the header. */
    CHECK_CONTAINS(header(patch, "x-audit-log-reason"), "spam%20%28muted%20by%20discord");
    cJSON_Delete(patch);
    cJSON *told = scenario_wait_request(&s, "POST", "/channels/" GENERAL "/messages",
                                        "is muted for 10m", 8000, &cursor);
    CHECK(told != NULL);
    cJSON_Delete(told);
    scenario_finish(&s);
}

TEST(test_admin_purges_a_message_and_discord_reports_it_deleted)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char spam[24];
    REQUIRE(story_say(&s, GENERAL, MEMBER, "buy cheap things at http://spam.example", spam));
    char options[128], id[24];
    snprintf(options, sizeof options, "{\"message\":\"%s\",\"reason\":\"advertising\"}", spam);
    REQUIRE(story_command(&s, ADMIN, "note", "purge", options, id));
    char path[96];
    snprintf(path, sizeof path, "/channels/" GENERAL "/messages/%s", spam);
    cJSON *del = scenario_wait_request(&s, "DELETE", path, NULL, 8000, &cursor);
    REQUIRE(del != NULL);
    CHECK_STR(header(del, "x-audit-log-reason"), "advertising");
    cJSON_Delete(del);
    cJSON *messages = scenario_control(&s, "GET", "messages", NULL);
    bool deleted = false;
    const cJSON *m;
    cJSON_ArrayForEach(m, messages)
    {
        const char *mid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "id"));
        if (mid != NULL && strcmp(mid, spam) == 0)
            deleted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "deleted"));
    }
    CHECK(deleted);
    cJSON_Delete(messages);
    scenario_finish(&s);
}

TEST(test_member_sends_a_direct_message_through_kith)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    char id[24];
    REQUIRE(story_command(&s, MEMBER, "note", "dm",
                          "{\"member\":\"" OTHER_MEMBER "\",\"text\":\"see you at 6\"}", id));
    cJSON *open =
        scenario_wait_request(&s, "POST", "/users/@me/channels", OTHER_MEMBER, 8000, &cursor);
    REQUIRE(open != NULL);
    cJSON_Delete(open);
    cJSON *sent = scenario_wait_request(&s, "POST", "/channels/", "see you at 6", 8000, &cursor);
    REQUIRE(sent != NULL);
    CHECK(strstr(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sent, "path")), GENERAL) ==
          NULL);
    cJSON_Delete(sent);
    scenario_finish(&s);
}

TEST(test_members_messages_are_counted_and_kiths_own_are_not)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    /* kith's own welcome came back on the gateway as MESSAGE_CREATE: it must not count. */
    REQUIRE(story_say(&s, GENERAL, MEMBER, "hi <@" OTHER_MEMBER "> and <@" OTHER_MEMBER ">", NULL));
    REQUIRE(story_say(&s, RANDOM, OTHER_MEMBER, "see https://example.org/rules.", NULL));
    bool counted = false;
    for (long long end = story_now_ms() + 8000; !counted && story_now_ms() < end;
         story_sleep_ms(300)) {
        char id[24];
        int at = cursor;
        REQUIRE(story_command(&s, MEMBER, "note", "count", NULL, id));
        char path[96];
        snprintf(path, sizeof path, "/interactions/%s/", id);
        cJSON *hit = scenario_wait_request(&s, "POST", path, "counted here", 4000, &at);
        counted = hit != NULL &&
                  strstr(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hit, "body")),
                         "2 messages counted here") != NULL;
        cJSON_Delete(hit);
    }
    CHECK(counted);
    scenario_finish(&s);
}
