/* kith on an unreliable homeserver: a lost answer to a send (the retry reuses the txnId, the
 * room gets one message), 429 M_LIMIT_EXCEEDED honoured, 5xx on /sync and a stalled /sync
 * survived, a revoked token stopping the adapter cleanly; and the credentials: password login
 * once with the token kept (never logged), invitations accepted. */
#include <signal.h>
#include <stdlib.h>

#include "matrix_story.h"

/* The path of one recorded request (malloc'd), or NULL. */
static char *path_of(const cJSON *entry)
{
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(entry, "path");
    return cJSON_IsString(path) ? strdup(path->valuestring) : NULL;
}

TEST(test_send_retried_after_a_lost_answer_is_one_message)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    /* The homeserver stores the message, then the connection drops before the answer. */
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"kind\":\"drop_after\",\"method\":\"PUT\","
                                "\"path\":\"/send/m.room.message/\"}"));
    int cursor = 0;
    CHECK(story_say(&s, ALICE, "!help", NULL, 0));
    cJSON *first = scenario_wait_request(&s, "PUT", "/send/", "!help", 8000, &cursor);
    cJSON *retry = scenario_wait_request(&s, "PUT", "/send/", "!help", 8000, &cursor);
    char *first_path = path_of(first);
    char *retry_path = path_of(retry);
    CHECK(first_path != NULL);
    CHECK_STR(retry_path, first_path); /* the same transaction id */
    CHECK_INT(story_count_posts(&s, "!help"), 1);
    free(first_path);
    free(retry_path);
    cJSON_Delete(first);
    cJSON_Delete(retry);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_rate_limited_send_waits_as_told)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"kind\":\"rate_limit\",\"method\":\"PUT\",\"path\":\"/send/\","
                                "\"retry_after_ms\":700}"));
    int cursor = 0;
    CHECK(story_say(&s, ALICE, "!help", NULL, 0));
    CHECK(story_wait_post(&s, "!help", &cursor));
    CHECK(story_wait_post(&s, "!help", &cursor));
    CHECK(scenario_wait_log(&s, "rate limited (status 429); retrying in 700 ms", 1000));
    CHECK_INT(story_count_posts(&s, "!help"), 1);
    scenario_finish(&s);
}

TEST(test_sync_survives_server_errors_and_a_stalled_poll)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    REQUIRE(scenario_control_ok(
        &s, "fault", "{\"kind\":\"error\",\"path\":\"/sync\",\"status\":502,\"count\":2}"));
    CHECK(scenario_wait_log(&s, "sync failed (M_UNKNOWN: Internal server error)", 5000));
    int cursor = 0;
    CHECK(story_say(&s, ALICE, "!help", NULL, 0));
    CHECK(story_wait_post(&s, "!help", &cursor));
    /* The poll after the next answer never returns: it is abandoned after its timeout plus a
     * margin, and the message waiting meanwhile is answered by the next poll. */
    REQUIRE(scenario_control_ok(&s, "fault", "{\"kind\":\"stall\",\"path\":\"/sync\"}"));
    CHECK(story_say(&s, ALICE, "!help", NULL, 0));
    CHECK(story_wait_post(&s, "!help", &cursor));
    CHECK(story_say(&s, ALICE, "/help", NULL, 0));
    CHECK(story_wait_post(&s, "!help", &cursor));
    CHECK(scenario_wait_log(&s, "timed out", 100));
    scenario_finish(&s);
}

TEST(test_revoked_token_stops_the_adapter_with_a_clear_message)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    REQUIRE(scenario_control_ok(&s, "logout", "{\"user_id\":\"" KITH_USER "\"}"));
    CHECK(scenario_wait_log(&s, "M_UNKNOWN_TOKEN", 5000));
    CHECK(scenario_wait_log(&s, "the Matrix adapter stops", 100));
    int syncs = scenario_count_requests(&s, "GET", "/sync", NULL);
    CHECK(story_say(&s, ALICE, "!help", NULL, 0));
    CHECK(!scenario_wait_log(&s, "sync failed", 1500)); /* no hammering with a dead token */
    CHECK_INT(scenario_count_requests(&s, "GET", "/sync", NULL), syncs);
    CHECK_INT(story_count_posts(&s, "!help"), 0);
    scenario_finish(&s); /* kithd still stops cleanly (status 0) */
}

static const char password_config[] = "matrix = {\n"
                                      "    enabled = true;\n"
                                      "    homeserver = \"http://127.0.0.1:%PORT%\";\n"
                                      "    user_id = \"" KITH_USER "\";\n"
                                      "    password = \"correct-horse-battery\";\n"
                                      "    sync_timeout = 1000;\n"
                                      "};\n";

static char *log_text(const struct scenario *s)
{
    FILE *f = fopen(s->log_path, "rb");
    char *text = calloc(1, 1 << 20);
    if (f != NULL && text != NULL)
        text[fread(text, 1, (1 << 20) - 1, f)] = '\0';
    if (f != NULL)
        fclose(f);
    return text;
}

TEST(test_password_login_happens_once_and_the_token_stays_secret)
{
    struct scenario s;
    REQUIRE(story_homeserver(&s));
    REQUIRE(scenario_control_ok(
        &s, "user", "{\"user_id\":\"" KITH_USER "\",\"password\":\"correct-horse-battery\"}"));
    REQUIRE(story_kithd(&s, password_config));
    int cursor = 0;
    CHECK(story_say(&s, ALICE, "!help", NULL, 0));
    CHECK(story_wait_post(&s, "!help", &cursor));
    CHECK_INT(scenario_count_requests(&s, "POST", "/login", "m.login.password"), 1);
    REQUIRE(scenario_stop_kithd(&s, SIGTERM, 5000) == 0);
    REQUIRE(scenario_start_kithd(&s));
    CHECK(scenario_wait_log(&s, "resuming sync", 5000));
    CHECK(story_say(&s, ALICE, "!help", NULL, 0));
    CHECK(story_wait_post(&s, "!help", &cursor));
    CHECK_INT(scenario_count_requests(&s, "POST", "/login", NULL), 1); /* the stored token */
    char *text = log_text(&s);
    CHECK(text != NULL && strstr(text, "syt_fake_") == NULL);
    CHECK(text != NULL && strstr(text, "correct-horse") == NULL);
    free(text);
    scenario_finish(&s);
}

/* The stored token was revoked while kithd was down: it logs in once more, by itself. */
TEST(test_revoked_stored_token_is_replaced_by_a_new_login)
{
    struct scenario s;
    REQUIRE(story_homeserver(&s));
    REQUIRE(scenario_control_ok(
        &s, "user", "{\"user_id\":\"" KITH_USER "\",\"password\":\"correct-horse-battery\"}"));
    REQUIRE(story_kithd(&s, password_config));
    REQUIRE(scenario_stop_kithd(&s, SIGTERM, 5000) == 0);
    REQUIRE(scenario_control_ok(&s, "logout", "{\"user_id\":\"" KITH_USER "\"}"));
    REQUIRE(scenario_start_kithd(&s));
    CHECK(scenario_wait_log(&s, "the stored access token is no longer valid; logging in again",
                            5000));
    CHECK(scenario_wait_log(&s, "resuming sync", 5000));
    int cursor = 0;
    CHECK(story_say(&s, ALICE, "!help", NULL, 0));
    CHECK(story_wait_post(&s, "!help", &cursor));
    CHECK_INT(scenario_count_requests(&s, "POST", "/login", NULL), 2);
    scenario_finish(&s);
}

TEST(test_wrong_password_is_reported_and_kithd_keeps_running)
{
    struct scenario s;
    REQUIRE(story_homeserver(&s));
    REQUIRE(scenario_control_ok(&s, "user",
                                "{\"user_id\":\"" KITH_USER "\",\"password\":\"something else\"}"));
    REQUIRE(scenario_write_config(&s, password_config, NULL, "\"example\""));
    REQUIRE(scenario_start_kithd(&s));
    CHECK(scenario_wait_log(&s, "wrong matrix.user_id or matrix.password", 5000));
    scenario_finish(&s);
}

TEST(test_kith_joins_a_room_it_is_invited_to)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    REQUIRE(scenario_control_ok(&s, "room",
                                "{\"room_id\":\"!club:fake.test\",\"creator\":\"" ADMIN "\","
                                "\"members\":[\"" ALICE "\"]}"));
    /* Said before kith was there: history it is shown on joining, not a question to it. */
    REQUIRE(scenario_control_ok(&s, "say",
                                "{\"room_id\":\"!club:fake.test\",\"sender\":\"" ALICE "\","
                                "\"body\":\"!help\"}"));
    REQUIRE(scenario_control_ok(&s, "invite",
                                "{\"room_id\":\"!club:fake.test\",\"sender\":\"" ADMIN "\","
                                "\"user_id\":\"" KITH_USER "\"}"));
    int cursor = 0;
    cJSON *join = scenario_wait_request(&s, "POST", "/join/!club:fake.test", NULL, 5000, &cursor);
    CHECK(join != NULL);
    cJSON_Delete(join);
    CHECK(scenario_wait_log(&s, "joined !club:fake.test", 2000));
    REQUIRE(scenario_control_ok(&s, "say",
                                "{\"room_id\":\"!club:fake.test\",\"sender\":\"" ALICE "\","
                                "\"body\":\"!help\"}"));
    cJSON *answer =
        scenario_wait_request(&s, "PUT", "/rooms/!club:fake.test/send/", "!help", 8000, &cursor);
    CHECK(answer != NULL);
    cJSON_Delete(answer);
    CHECK_INT(story_count_posts_in(&s, "!club:fake.test", "!help"), 1);
    scenario_finish(&s);
}
