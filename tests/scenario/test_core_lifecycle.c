/* Story: plugins come and go while kith runs — one fails to start after preparing
 * statements, one is unloaded with work still pending. Whatever a plugin leaves behind is
 * released once, before its code goes away, and kith keeps working. The plugins here are
 * compiled into the test and registered like kith's own commands. */
#include "core_story.h"

#include "core/host_internal.h"
#include "core/plugin_host.h"

static const struct kith_host *probe_host;

/* ---- A plugin whose init prepares a statement, keeps it in its state, then fails. ---- */

struct probe_state {
    kith_stmt *stmt;
};

static int probe_state_frees;

/* Releasing the state finalizes what it holds, as a careful plugin does. */
static void probe_state_free(void *ud)
{
    struct probe_state *state = ud;
    probe_host->db_finalize(state->stmt);
    probe_state_frees++;
    free(state);
}

static kith_err failing_probe_init(struct kith_plugin_ctx *ctx, const struct kith_host *host)
{
    probe_host = host;
    struct probe_state *state = calloc(1, sizeof *state);
    if (state == NULL)
        return KITH_ERR_NOMEM;
    if (host->db_prepare(ctx, "SELECT COUNT(*) FROM kith_servers", &state->stmt) != KITH_OK) {
        free(state);
        return KITH_ERR_STORE;
    }
    host->set_state(ctx, state, probe_state_free);
    return KITH_ERR_UNSUPPORTED; /* say, a setting it needs is missing */
}

static const struct kith_plugin failing_probe = {
    KITH_PLUGIN_HEADER,
    .name = "probe",
    .version = "1.0.0",
    .description = "fails to start after preparing a statement",
    .init = failing_probe_init,
};

TEST(test_plugin_that_fails_to_start_releases_its_statements_once)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    probe_state_frees = 0;
    char *error = NULL;
    CHECK_INT(kith_plugin_load_builtin(env.core, &failing_probe, &error), KITH_ERR_UNSUPPORTED);
    CHECK_CONTAINS(error, "refused to start");
    free(error);
    CHECK_INT(probe_state_frees, 1);
    CHECK(kith_plugin_find(env.core, "probe") == NULL);
    /* kith and its store carry on. */
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add after the refusal");
    CHECK_CONTAINS(test_last_reply(&env), "Noted #");
    test_env_finish(&env);
}

/* ---- Stopping. ---- */

static void free_when_stopped(struct kith_core *core, void *ud)
{
    kith_core_free(core); /* as kithd does once the core reports it stopped */
    *(bool *)ud = true;
}

TEST(test_kith_stops_and_frees_itself_when_the_platform_stops_at_once)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add before the stop");
    bool stopped = false;
    /* The test platform reports "stopped" from inside its stop call. */
    kith_core_stop(env.core, 1000, free_when_stopped, &stopped);
    for (int i = 0; i < 100 && !stopped; i++)
        test_env_run(&env, 10);
    CHECK(stopped);
    env.core = NULL;
    env.tp = NULL;
    /* The next start finds the note: the stop finished its work before freeing. */
    REQUIRE(test_env_start(&env, story_example()));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note list");
    CHECK_CONTAINS(test_last_reply(&env), "before the stop");
    test_env_finish(&env);
}
