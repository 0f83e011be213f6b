/* Story: an operator edits kithd's configuration and sends SIGHUP while kithd is connected to
 * Telegram. The connection stays up on the settings it was made with, members are still
 * answered, plugins taken out of (or put back into) plugins.load leave (or come back) with
 * the chat's command menu following, and kithd still stops cleanly afterwards. */
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

/* The chat's command menu as the fake holds it now (caller frees). */
static char *group_commands(struct scenario *s)
{
    cJSON *state = scenario_control(s, "GET", "state", NULL);
    const cJSON *commands = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(state, "commands"), "chat:" GROUP);
    char *listed = commands ? cJSON_PrintUnformatted(commands) : NULL;
    cJSON_Delete(state);
    return listed;
}

static bool reload_with(struct scenario *s, const char *load_list, int reloads)
{
    return scenario_write_config(s, telegram_config, NULL, load_list) &&
           kill(s->kithd_pid, SIGHUP) == 0 &&
           scenario_wait_log_count(s, "configuration reloaded", reloads, 5000);
}

TEST(test_plugin_taken_out_of_the_config_leaves_and_comes_back_on_reload)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    int commands_cursor = 0;
    cJSON *set = story_wait_call(&s, "setMyCommands", "\"note\"", 8000, &commands_cursor);
    cJSON_Delete(set);

    /* The operator takes the example plugin out of plugins.load and reloads. */
    REQUIRE(reload_with(&s, "", 1));
    CHECK(scenario_wait_log(&s, "plugin example unloaded", 5000));
    /* The group's command menu follows: kith's own commands, no /note. */
    set = story_wait_call(&s, "setMyCommands", "\"help\"", 8000, &commands_cursor);
    CHECK(set != NULL);
    cJSON_Delete(set);
    char *listed = group_commands(&s);
    CHECK_CONTAINS(listed, "\"command\":\"help\"");
    CHECK(listed != NULL && strstr(listed, "\"command\":\"note\"") == NULL);
    free(listed);
    CHECK(story_say(&s, GROUP, MEMBER, "/help", NULL));
    CHECK(story_wait_reply(&s, GROUP, "/help <command> explains one command", &cursor));
    CHECK_INT(story_count_sent(&s, GROUP, "/note"), 0);

    /* Back in the list: loaded again, still enabled in the group, /note works again. */
    REQUIRE(reload_with(&s, "\"example\"", 2));
    CHECK(scenario_wait_log_count(&s, "plugin example loaded", 2, 5000));
    set = story_wait_call(&s, "setMyCommands", "\"note\"", 8000, &commands_cursor);
    CHECK(set != NULL);
    cJSON_Delete(set);
    CHECK(story_say(&s, GROUP, MEMBER, "/note add back again", NULL));
    CHECK(story_wait_reply(&s, GROUP, "Noted #1", &cursor));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
