/* Story: an operator edits kithd's configuration and sends SIGHUP while kithd is connected to
 * Telegram. The connection stays up on the settings it was made with, members are still
 * answered, and kithd still stops cleanly afterwards. */
#include <signal.h>

#include "telegram_story.h"

TEST(test_reload_keeps_the_connection_working)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    /* The operator saves the configuration again and asks kithd to reload it. */
    REQUIRE(scenario_write_config(&s, telegram_config, NULL, "\"example\""));
    REQUIRE(kill(s.kithd_pid, SIGHUP) == 0);
    REQUIRE(scenario_wait_log(&s, "configuration reloaded", 5000));
    /* The adapter polls on after the reload (a poll takes up to a second)... */
    CHECK(
        scenario_wait_log_count(&s, "getUpdates", scenario_log_count(&s, "getUpdates") + 2, 8000));
    /* ...and answers. */
    CHECK(story_say(&s, GROUP, MEMBER, "/help", NULL));
    CHECK(story_wait_reply(&s, GROUP, "/help <command> explains one command", &cursor));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s); /* counts a failure unless kithd exits 0 on SIGTERM */
}
