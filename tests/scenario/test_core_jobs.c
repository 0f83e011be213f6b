/* Story: members set reminders (persistent jobs) and countdowns (in-memory timers). Reminders
 * fire once when due, late (and still once) after kith was down, never after being forgotten;
 * timers and pending completions are cancelled when kith stops, without crash or leak. */
#include "core_story.h"

#include <unistd.h>

#include "core/log.h"

#define MINUTE (60 * 1000LL)

TEST(test_reminder_fires_once_after_its_delay)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note remind 10m hi");
    CHECK_STR(test_last_reply(&env), "I will post note #1 in this channel in 10m.");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_jobs WHERE owner = 'example'", NULL), 1);

    test_env_advance(&env, 9 * MINUTE);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Reminder"), 0);
    test_env_advance(&env, 1 * MINUTE);
    const struct test_action *sent = story_find(&env, TEST_ACTION_SEND, "Reminder");
    REQUIRE(sent != NULL);
    CHECK_STR(sent->text, "Reminder: hi");
    CHECK_STR(sent->server_id, TEST_SERVER);
    CHECK_STR(sent->channel_id, TEST_CHANNEL);

    test_env_advance(&env, 60 * MINUTE);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Reminder"), 1);
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_jobs", NULL), 0);
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM example_notes WHERE remind_at IS NULL", NULL),
              1);
    test_env_finish(&env);
}

TEST(test_reminder_due_while_kith_was_down_fires_late_and_once)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note remind 10m Stand-up um zehn");

    test_env_stop(&env);
    env.now_ms += 25 * MINUTE; /* kith is down when the reminder comes due */
    REQUIRE(test_env_start(&env, story_example()));
    const struct test_action *sent = story_find(&env, TEST_ACTION_SEND, "Reminder");
    REQUIRE(sent != NULL);
    CHECK_STR(sent->text, "Reminder: Stand-up um zehn (late)");
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Reminder"), 1);

    REQUIRE(test_env_restart(&env, story_example()));
    test_env_advance(&env, 60 * MINUTE);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Reminder"), 0);
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_jobs", NULL), 0);
    test_env_finish(&env);
}

TEST(test_reminder_of_a_server_that_disabled_the_plugin_waits_until_it_is_enabled_again)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note remind 10m Quiz night");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith disable example");

    test_env_advance(&env, 30 * MINUTE);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Reminder"), 0);
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_jobs WHERE owner = 'example'", NULL), 1);

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith enable example");
    test_env_run(&env, 20);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Reminder: Quiz night"), 1);
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_jobs", NULL), 0);
    test_env_finish(&env);
}

TEST(test_forgetting_a_note_cancels_its_reminder)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note remind 1h call the bakery");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note forget 1");
    CHECK_STR(test_last_reply(&env), "Forgot note #1 and its reminder.");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM kith_jobs", NULL), 0);
    test_env_advance(&env, 2 * 60 * MINUTE);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Reminder"), 0);
    test_env_finish(&env);
}

TEST(test_reminders_go_to_the_configured_channel_within_the_allowed_delay)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example reminder_channel <#555>");
    CHECK_CONTAINS(test_last_reply(&env), "Saved. reminder_channel = test:555");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config example max_delay 1h");

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note remind 2h too far ahead");
    CHECK_STR(test_last_reply(&env), "Reminders here can be at most 1h ahead.");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note remind 15m tea");
    CHECK_STR(test_last_reply(&env), "I will post note #1 in test:555 in 15m.");

    test_env_advance(&env, 15 * MINUTE);
    const struct test_action *sent = story_find(&env, TEST_ACTION_SEND, "Reminder: tea");
    REQUIRE(sent != NULL);
    CHECK_STR(sent->channel_id, "test:555");
    test_env_finish(&env);
}

TEST(test_countdown_ticks_and_stops_itself)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note tick 2");
    CHECK_STR(test_last_reply(&env), "Counting to 2, one tick a second.");
    test_env_run(&env, 2300);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Tick 1/2"), 1);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Tick 2/2"), 1);
    test_env_run(&env, 1200);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Tick"), 2);
    test_env_finish(&env);
}

TEST(test_disabling_the_plugin_stops_its_countdown)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note tick 5");
    test_env_run(&env, 1150);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Tick"), 1);
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith disable example");
    test_env_run(&env, 2200);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Tick"), 1);
    test_env_finish(&env);
}

/* A command arrives and kith stops before the loop runs again: its reply's completion is
 * still pending when the plugin unloads. */
static void say_without_running(struct test_env *env, const char *user, const char *text)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MESSAGE,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .timestamp_ms = env->now_ms,
        .author = {.id = user, .display_name = user},
        .message = {.id = "test:in-last", .text = text},
    };
    kith_core_dispatch(env->core, &ev);
}

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    bool found = false;
    while (f != NULL && !found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, needle) != NULL;
    if (f != NULL)
        fclose(f);
    return found;
}

TEST(test_stopping_cancels_running_timers_and_pending_completions)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    char log_path[400];
    snprintf(log_path, sizeof log_path, "%s/kith.log", env.dir);
    REQUIRE(kith_log_open(KITH_LOG_INFO, log_path) == KITH_OK);

    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note tick 10");
    test_env_run(&env, 1100);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Tick"), 1);
    say_without_running(&env, ALICE, "/note ask");
    CHECK_INT(story_count(&env, TEST_ACTION_REPLY, "useful?"), 1);

    test_env_stop(&env); /* the timer's ud and the completion's ud are freed: ASan checks */
    kith_log_open(KITH_LOG_WARN, NULL);
    CHECK(file_contains(log_path, "question #1 was cancelled before it was posted"));

    /* Nothing of the old run ticks on into the new one. */
    REQUIRE(test_env_start(&env, story_example()));
    test_env_run(&env, 1200);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "Tick"), 0);
    unlink(log_path);
    test_env_finish(&env);
}
