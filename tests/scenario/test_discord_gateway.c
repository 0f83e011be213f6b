/* Discord scenarios about the gateway connection: every close code gets its documented
 * behaviour (resume, a new session, or a stop with a clear log line), a resume after a drop
 * replays what was missed exactly once, a zombie connection is noticed and resumed, and the
 * gateway's own requests (op 7, op 9) are followed. */
#include <signal.h>

#include "discord_story.h"

static bool gateway_fault(struct scenario *s, const char *body)
{
    cJSON *out = story_control(s, "gateway", body);
    int touched = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(out, "connections"));
    cJSON_Delete(out);
    if (touched != 1)
        fprintf(stderr, "  gateway fault %s touched %d connections\n", body, touched);
    return touched == 1;
}

static bool close_with(struct scenario *s, int code)
{
    char body[64];
    snprintf(body, sizeof body, "{\"action\":\"close\",\"code\":%d}", code);
    return gateway_fault(s, body);
}

/* The next frame kithd sent on `path` ("/gateway" or "/resume") holding `part`. */
static bool wait_frame(struct scenario *s, const char *path, const char *part, int timeout_ms,
                       int *cursor)
{
    cJSON *hit = scenario_wait_request(s, "WS", path, part, timeout_ms, cursor);
    cJSON_Delete(hit);
    return hit != NULL;
}

TEST(test_resumable_close_codes_resume_the_session)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    static const int codes[] = {4000, 4001, 4002, 4005, 4008};
    int cursor = 0;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        REQUIRE(close_with(&s, codes[i]));
        /* Back on the resume URL with the session and the last sequence number. */
        CHECK(wait_frame(&s, "/resume", "\"op\":6", 5000, &cursor));
        CHECK(scenario_wait_log_count(&s, "shard 0 resumed", (int)i + 1, 5000));
    }
    CHECK_INT(story_state_int(&s, "identifies"), 1);
    CHECK_INT(story_state_int(&s, "resumes"), 5);
    scenario_finish(&s);
}

TEST(test_session_ending_close_codes_identify_again)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(wait_frame(&s, "/gateway", "\"op\":2", 5000, &cursor)); /* the first identify */
    static const int codes[] = {4003, 4007, 4009};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        long long closed_at = story_now_ms();
        REQUIRE(close_with(&s, codes[i]));
        /* A new session on the regular URL, no sooner than 5 s after the last identify. */
        CHECK(wait_frame(&s, "/gateway", "\"op\":2", 9000, &cursor));
        CHECK(story_now_ms() - closed_at >= 3500);
    }
    CHECK_INT(story_state_int(&s, "identifies"), 4);
    CHECK_INT(story_state_int(&s, "resumes"), 0);
    CHECK_INT(scenario_count_requests(&s, "WS", "/resume", "\"op\":6"), 0);
    scenario_finish(&s);
}

TEST(test_authentication_failure_stops_the_shard_with_a_clear_log_line)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    REQUIRE(close_with(&s, 4004));
    CHECK(scenario_wait_log_count(&s,
                                  "shard 0 stopped: Discord closed the gateway with 4004 "
                                  "(authentication failed: Discord refused the bot token",
                                  1, 5000));
    int connections = story_state_int(&s, "connections");
    story_sleep_ms(1500);
    CHECK_INT(story_state_int(&s, "connections"), connections); /* it does not come back */
    /* kithd itself keeps running (other platforms, the dashboard). */
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 5000), 0);
    scenario_finish(&s);
}

TEST(test_other_fatal_close_codes_stop_the_shard_naming_the_cause)
{
    static const struct {
        int code;
        const char *cause;
    } fatal[] = {
        {4010, "invalid shard: check discord.shard_id and discord.shard_count"},
        {4012, "invalid API version"},
        {4013, "invalid intents: check discord.intents"},
    };
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct scenario s;
        REQUIRE(story_start(&s, NULL));
        REQUIRE(close_with(&s, fatal[i].code));
        char line[160];
        snprintf(line, sizeof line, "shard 0 stopped: Discord closed the gateway with %d (%s",
                 fatal[i].code, fatal[i].cause);
        CHECK(scenario_wait_log_count(&s, line, 1, 5000));
        int connections = story_state_int(&s, "connections");
        story_sleep_ms(1000);
        CHECK_INT(story_state_int(&s, "connections"), connections); /* no reconnect */
        scenario_finish(&s);
    }
}

TEST(test_disallowed_intents_stop_the_shard_and_say_what_to_do)
{
    static const char *const no_privileged[] = {"--no-privileged", NULL};
    struct scenario s;
    REQUIRE(story_discord(&s, no_privileged));
    REQUIRE(scenario_write_config(&s, discord_config, NULL, "\"example\""));
    REQUIRE(scenario_start_kithd(&s));
    CHECK(scenario_wait_log_count(&s, "Discord closed the gateway with 4014 (disallowed intents", 1,
                                  8000));
    CHECK(scenario_wait_log_count(&s, "Developer Portal", 1, 100));
    story_sleep_ms(1000);
    CHECK_INT(story_state_int(&s, "connections"), 1);
    scenario_finish(&s);
}

/* /note count as MEMBER until it says `expected` (buffered counts land within a second). */
static bool count_reaches(struct scenario *s, const char *expected)
{
    for (long long end = story_now_ms() + 8000; story_now_ms() < end; story_sleep_ms(300)) {
        char id[24];
        int cursor = 0;
        if (!story_command(s, MEMBER, "note", "count", NULL, id))
            return false;
        char path[96];
        snprintf(path, sizeof path, "/interactions/%s/", id);
        cJSON *hit = scenario_wait_request(s, "POST", path, "messages counted here", 4000, &cursor);
        bool found = hit != NULL &&
                     strstr(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hit, "body")),
                            expected) != NULL;
        cJSON_Delete(hit);
        if (found)
            return true;
    }
    fprintf(stderr, "  /note count never said \"%s\"\n", expected);
    return false;
}

TEST(test_resume_after_a_drop_replays_missed_messages_once)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    for (int i = 0; i < 3; i++)
        REQUIRE(story_say(&s, GENERAL, i % 2 ? MEMBER : OTHER_MEMBER, "hello before", NULL));
    REQUIRE(gateway_fault(&s, "{\"action\":\"drop\"}"));
    /* Written while kithd is away: Discord keeps them for the resumed session. */
    for (int i = 0; i < 4; i++)
        REQUIRE(story_say(&s, RANDOM, MEMBER, "hello while away", NULL));
    CHECK(scenario_wait_log_count(&s, "missed events replayed", 1, 5000));
    CHECK(scenario_log_count(&s, "(0 missed events replayed)") == 0);
    CHECK(count_reaches(&s, "7 messages counted here"));
    CHECK_INT(story_state_int(&s, "identifies"), 1);
    scenario_finish(&s);
}

TEST(test_zombie_connection_is_detected_and_resumed)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(scenario_control_ok(&s, "gateway", "{\"action\":\"drop_acks\",\"on\":true}"));
    CHECK(scenario_wait_log_count(&s, "zombie connection, reconnecting to resume", 1, 5000));
    REQUIRE(scenario_control_ok(&s, "gateway", "{\"action\":\"drop_acks\",\"on\":false}"));
    CHECK(wait_frame(&s, "/resume", "\"op\":6", 5000, &cursor));
    CHECK(scenario_wait_log_count(&s, "shard 0 resumed", 1, 5000));
    CHECK_INT(story_state_int(&s, "identifies"), 1);
    scenario_finish(&s);
}

TEST(test_reconnect_request_and_invalid_sessions_are_followed)
{
    struct scenario s;
    REQUIRE(story_start(&s, NULL));
    int cursor = 0;
    REQUIRE(wait_frame(&s, "/gateway", "\"op\":2", 5000, &cursor));
    /* op 7: reconnect and resume. */
    REQUIRE(gateway_fault(&s, "{\"action\":\"reconnect\"}"));
    CHECK(wait_frame(&s, "/resume", "\"op\":6", 5000, &cursor));
    CHECK(scenario_wait_log_count(&s, "shard 0 resumed", 1, 5000));
    /* op 9 true: resume again, after Discord's one-to-five-second wait. */
    REQUIRE(gateway_fault(&s, "{\"action\":\"invalid_session\",\"resumable\":true}"));
    CHECK(wait_frame(&s, "/resume", "\"op\":6", 8000, &cursor));
    CHECK(scenario_wait_log_count(&s, "shard 0 resumed", 2, 5000));
    /* op 9 false: a new session. */
    REQUIRE(gateway_fault(&s, "{\"action\":\"invalid_session\",\"resumable\":false}"));
    CHECK(wait_frame(&s, "/gateway", "\"op\":2", 8000, &cursor));
    CHECK(scenario_wait_log_count(&s, "shard 0/1 ready", 2, 5000));
    CHECK_INT(story_state_int(&s, "identifies"), 2);
    scenario_finish(&s);
}

TEST(test_server_heartbeat_request_is_answered_at_once)
{
    static const char *const slow_beats[] = {"--heartbeat-ms", "20000", NULL};
    struct scenario s;
    REQUIRE(story_start(&s, slow_beats));
    int cursor = scenario_count_requests(&s, NULL, NULL, NULL); /* frames sent so far */
    REQUIRE(gateway_fault(&s, "{\"action\":\"heartbeat_request\"}"));
    long long asked = story_now_ms();
    CHECK(wait_frame(&s, "/gateway", "\"op\":1", 2000, &cursor));
    CHECK(story_now_ms() - asked < 1000);
    scenario_finish(&s);
}

/* The shard a guild's events go to, as Discord computes it. */
static int shard_of(const char *guild, int count)
{
    return (int)((strtoull(guild, NULL, 10) >> 22) % (unsigned long long)count);
}

TEST(test_auto_sharding_runs_every_recommended_shard)
{
    static const char *const two[] = {"--shards", "2", "--max-concurrency", "2", NULL};
    struct scenario s;
    REQUIRE(story_start(&s, two));
    int cursor = 0;
    CHECK(wait_frame(&s, "/gateway", "\"shard\":[0,2]", 5000, &cursor));
    cursor = 0;
    CHECK(wait_frame(&s, "/gateway", "\"shard\":[1,2]", 5000, &cursor));
    CHECK(scenario_wait_log_count(&s, "ready", 2, 5000));
    /* The guild lives on one shard; its members are heard and answered there. */
    char expected[48];
    snprintf(expected, sizeof expected, "shard %d/2 ready (1 guilds)", shard_of(GUILD, 2));
    CHECK(scenario_wait_log_count(&s, expected, 1, 100));
    char id[24];
    cursor = 0;
    REQUIRE(story_command(&s, MEMBER, "help", NULL, NULL, id));
    CHECK(story_wait_callback(&s, id, "explains one command", &cursor));
    CHECK_INT(story_state_int(&s, "identifies"), 2);
    scenario_finish(&s);
}

TEST(test_too_few_configured_shards_stop_with_sharding_required)
{
    static const char *const two[] = {"--shards", "2", NULL};
    static const char config[] = "discord = {\n"
                                 "    enabled = true;\n"
                                 "    token = \"" DC_TOKEN "\";\n"
                                 "    api_base = \"http://127.0.0.1:%PORT%/api/v10\";\n"
                                 "    shard_count = 1;\n"
                                 "    shard_id = 0;\n"
                                 "};\n";
    struct scenario s;
    REQUIRE(story_discord(&s, two));
    REQUIRE(scenario_write_config(&s, config, NULL, "\"example\""));
    REQUIRE(scenario_start_kithd(&s));
    CHECK(scenario_wait_log_count(&s, "with 4011 (sharding required", 1, 8000));
    scenario_finish(&s);
}

TEST(test_stop_while_the_gateway_connects_ends_cleanly)
{
    /* SIGTERM right after kithd starts connecting: the hello may cross the stop. The shard
     * must close without sending an identify into the closing connection, and the core must
     * not have to give up waiting for it. */
    for (int round = 0; round < 5; round++) {
        struct scenario s;
        REQUIRE(story_discord(&s, NULL));
        REQUIRE(scenario_write_config(&s, discord_config, NULL, "\"example\""));
        REQUIRE(scenario_start_kithd(&s));
        REQUIRE(scenario_wait_log(&s, "connecting to ws://", 10000));
        CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 10000), 0);
        CHECK_INT(scenario_log_count(&s, "identify not sent"), 0);
        CHECK_INT(scenario_log_count(&s, "did not stop in time"), 0);
        scenario_finish(&s);
    }
}
