/* kithd killed with SIGKILL handles every Telegram update exactly once after a restart: an
 * update received but not handled comes again (the offset was not stored), and one handled
 * is not handled again (the offset was stored right after it). */
#include <signal.h>

#include "telegram_story.h"

static bool kill_and_restart(struct scenario *s, int connections)
{
    CHECK_INT(scenario_stop_kithd(s, SIGKILL, 5000), 128 + SIGKILL);
    return story_kithd(s, NULL, connections);
}

TEST(test_update_received_before_kill_is_handled_once_after_restart)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    /* The owner's admin rights are being looked up when kithd dies: the update is in kithd's
     * hands, not handled yet. */
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"method\":\"getChatAdministrators\",\"kind\":\"stall\"}"));
    REQUIRE(story_say(&s, GROUP, OWNER, "/kith enable example", NULL));
    cJSON *lookup = story_wait_call(&s, "getChatAdministrators", GROUP, 8000, &cursor);
    REQUIRE(lookup != NULL);
    cJSON_Delete(lookup);
    REQUIRE(kill_and_restart(&s, 2));
    CHECK(story_wait_reply(&s, GROUP, "example is now enabled here", &cursor));
    /* Later updates flow, and the first was not handled twice. */
    CHECK(story_say(&s, GROUP, MEMBER, "/note add after the restart", NULL));
    CHECK(story_wait_reply(&s, GROUP, "Noted #1", &cursor));
    CHECK_INT(story_count_sent(&s, GROUP, "example is now enabled here"), 1);
    CHECK_INT(story_count_sent(&s, GROUP, "already enabled"), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_update_handled_before_kill_is_not_handled_again)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    REQUIRE(story_say(&s, GROUP, MEMBER, "/note add once", NULL));
    REQUIRE(story_wait_reply(&s, GROUP, "Noted #1", &cursor));
    REQUIRE(kill_and_restart(&s, 2));
    CHECK(story_say(&s, GROUP, MEMBER, "/note add twice", NULL));
    CHECK(story_wait_reply(&s, GROUP, "Noted #2", &cursor));
    CHECK_INT(story_count_sent(&s, GROUP, "Noted #1"), 1);
    CHECK_INT(story_count_sent(&s, GROUP, "Noted #2"), 1);
    CHECK_INT(story_count_sent(&s, GROUP, "Noted #3"), 0);
    CHECK_INT(story_count_sent(&s, GROUP, "example is now enabled here"), 1);
    /* The restarted kithd confirmed from the stored offset. */
    int polls = 0;
    cJSON *poll = scenario_wait_request(&s, "POST", "/getUpdates", "\"offset\":", 2000, &polls);
    CHECK(poll != NULL);
    cJSON_Delete(poll);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* A graceful stop (SIGTERM) lets kithd finish: the next start goes on from where it was. */
TEST(test_stop_and_start_go_on_from_stored_offset)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 8000), 0);
    CHECK(story_say(&s, GROUP, MEMBER, "/note add while kithd was down", NULL));
    REQUIRE(story_kithd(&s, NULL, 2));
    CHECK(story_wait_reply(&s, GROUP, "Noted #1", &cursor));
    CHECK_INT(story_count_sent(&s, GROUP, "example is now enabled here"), 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
