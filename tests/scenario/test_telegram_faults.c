/* Telegram misbehaving: another program polling with the same token (409), a 502 from the
 * front proxy, a connection reset in the middle of a long poll, a refused token. kithd says
 * what is wrong, keeps the token out of its log, and carries on once Telegram does. */
#include "telegram_story.h"

static bool help_still_answered(struct scenario *s, int *cursor)
{
    return story_say(s, GROUP, MEMBER, "/help", NULL) &&
           story_wait_reply(s, GROUP, "explains one command", cursor);
}

TEST(test_conflict_with_another_poller_is_reported_and_survived)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"method\":\"getUpdates\",\"kind\":\"status\",\"status\":409,"
                                "\"count\":2}"));
    CHECK(scenario_wait_log(&s, "another program is receiving this bot's updates", 8000));
    int cursor = 0;
    CHECK(help_still_answered(&s, &cursor));
    CHECK(scenario_wait_log(&s, "getUpdates works again", 8000));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_bad_gateway_and_reset_mid_poll_are_survived)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"method\":\"getUpdates\",\"kind\":\"status\",\"status\":502}"));
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"method\":\"getUpdates\",\"kind\":\"reset\",\"after_ms\":300}"));
    CHECK(scenario_wait_log(&s, "getUpdates failed (502", 8000));
    int cursor = 0;
    CHECK(help_still_answered(&s, &cursor));
    /* Both faults were met, and the update came through once. */
    cJSON *record = scenario_control(&s, "GET", "requests", NULL);
    int faults = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, record)
    {
        const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "kind"));
        faults += kind != NULL && strcmp(kind, "fault") == 0;
    }
    cJSON_Delete(record);
    CHECK_INT(faults, 2);
    CHECK_INT(story_count_sent(&s, GROUP, "explains one command"), 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_refused_token_is_reported_without_the_token)
{
    struct scenario s;
    REQUIRE(story_telegram(&s));
    static const char wrong[] = "telegram = {\n"
                                "    enabled = true;\n"
                                "    token = \"999999:WRONG-SECRET-TOKEN\";\n"
                                "    api_base = \"http://127.0.0.1:%PORT%\";\n"
                                "    poll_timeout = 1;\n"
                                "};\n";
    REQUIRE(scenario_write_config(&s, wrong, NULL, "\"example\""));
    REQUIRE(scenario_start_kithd(&s));
    CHECK(scenario_wait_log(&s, "the bot token was refused; check telegram.token", 8000));
    CHECK_INT(scenario_log_count(&s, "WRONG-SECRET-TOKEN"), 0);
    CHECK_INT(scenario_log_count(&s, "connected as"), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_token_never_reaches_the_log)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    CHECK(help_still_answered(&s, &cursor));
    CHECK(scenario_log_count(&s, "/bot[redacted]/sendMessage") >= 1);
    CHECK_INT(scenario_log_count(&s, "TEST-TOKEN"), 0);
    scenario_finish(&s);
}
