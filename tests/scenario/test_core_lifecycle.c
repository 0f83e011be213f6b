/* Story: plugins come and go while kith runs — one fails to start after preparing
 * statements, one is unloaded with work still pending. Whatever a plugin leaves behind is
 * released once, before its code goes away, and kith keeps working. The plugins here are
 * compiled into the test and registered like kith's own commands. */
#include "core_story.h"

#include "core/cmdparse.h"
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
    KITH_PLUGIN_HEADER,         .name = "probe",
    .version = "1.0.0",         .description = "fails to start after preparing a statement",
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

/* ---- A plugin with many commands and settings: the lists outgrow one message. ---- */

#define WIDE_COMMANDS 40
#define WIDE_SETTINGS 40

static char wide_names[WIDE_COMMANDS + WIDE_SETTINGS][16];
static struct kith_command_decl wide_commands[WIDE_COMMANDS];
static struct kith_setting_decl wide_settings[WIDE_SETTINGS];

static void wide_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    (void)ctx;
    (void)ev;
}

static const struct kith_plugin *wide_plugin(void)
{
    /* 100 bytes of Cyrillic per description, so a cut byte-counted anywhere splits a letter. */
    static const char description[] = "подробное описание команды для длинного списка помощи";
    static struct kith_plugin desc = {
        KITH_PLUGIN_HEADER,        .name = "wide",
        .version = "1.0.0",        .description = "many commands and settings",
        .commands = wide_commands, .command_count = WIDE_COMMANDS,
        .settings = wide_settings, .setting_count = WIDE_SETTINGS,
        .on_event = wide_on_event,
    };
    for (size_t i = 0; i < WIDE_COMMANDS; i++) {
        snprintf(wide_names[i], sizeof wide_names[i], "wide%02zu", i);
        wide_commands[i] = (struct kith_command_decl){
            wide_names[i], description, KITH_ROLE_MEMBER, NULL, 0, NULL, 0};
    }
    for (size_t i = 0; i < WIDE_SETTINGS; i++) {
        char *key = wide_names[WIDE_COMMANDS + i];
        snprintf(key, sizeof wide_names[0], "option_%02zu", i);
        wide_settings[i] = (struct kith_setting_decl){
            key, description, KITH_SETTING_STRING, "значение по умолчанию", 0, 0, NULL};
    }
    return &desc;
}

/* The reply is one message a platform accepts: within the limit, valid UTF-8. */
static void check_fits(const char *reply)
{
    CHECK(strlen(reply) > 0);
    CHECK(strlen(reply) <= KITH_MESSAGE_TEXT_MAX);
    CHECK(kith_utf8_valid(reply, strlen(reply)));
}

TEST(test_help_with_many_commands_is_cut_short_with_a_note_not_lost)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    char *error = NULL;
    REQUIRE(kith_plugin_load_builtin(env.core, wide_plugin(), &error) == KITH_OK);
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/help");
    const char *reply = test_last_reply(&env);
    check_fits(reply);
    CHECK_CONTAINS(reply, "/kith — manage kith in this server");
    CHECK_CONTAINS(reply, "/wide00 — подробное");
    CHECK_CONTAINS(reply, "more lines not shown. /help <command> explains one command.");
    /* One command at a time still works. */
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/help wide39");
    CHECK_CONTAINS(test_last_reply(&env), "/wide39 — подробное");
    test_env_finish(&env);
}

TEST(test_config_of_a_plugin_with_many_settings_is_cut_short_with_a_note)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    char *error = NULL;
    REQUIRE(kith_plugin_load_builtin(env.core, wide_plugin(), &error) == KITH_OK);
    /* Registered like kith's own commands, but configured like a plugin from a .so. */
    kith_plugin_find(env.core, "wide")->builtin = false;
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config wide");
    const char *reply = test_last_reply(&env);
    check_fits(reply);
    CHECK_CONTAINS(reply, "option_00 = значение по умолчанию (default)");
    CHECK_CONTAINS(reply, "not shown. /kith config <plugin> <key> shows one setting.");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith config wide option_39");
    CHECK_CONTAINS(test_last_reply(&env), "option_39 = значение");
    test_env_finish(&env);
}

/* ---- A plugin that says goodbye in shutdown, while kith is forced to stop. ---- */

static const struct kith_host *farewell_host;
static kith_err farewell_result = KITH_OK;

static kith_err farewell_init(struct kith_plugin_ctx *ctx, const struct kith_host *host)
{
    (void)ctx;
    farewell_host = host;
    return KITH_OK;
}

static void farewell_shutdown(struct kith_plugin_ctx *ctx)
{
    kith_message *msg = farewell_host->message_new(ctx);
    farewell_host->message_set_text(msg, "kith is going offline");
    const struct kith_target to = {TEST_SERVER, TEST_CHANNEL};
    farewell_result = farewell_host->send(ctx, &to, msg, NULL);
    farewell_host->message_free(msg);
}

static const struct kith_plugin farewell = {
    KITH_PLUGIN_HEADER,
    .name = "farewell",
    .version = "1.0.0",
    .init = farewell_init,
    .shutdown = farewell_shutdown,
};

TEST(test_forced_stop_refuses_a_goodbye_sent_from_shutdown)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    char *error = NULL;
    REQUIRE(kith_plugin_load_builtin(env.core, &farewell, &error) == KITH_OK);
    /* A second SIGTERM: kithd frees the core without waiting for a graceful stop. */
    kith_core_free(env.core);
    env.core = NULL;
    env.tp = NULL;
    CHECK(farewell_result != KITH_OK);
    test_env_finish(&env);
}

/* ---- A plugin that retries whatever fails, even a cancellation, and fails to start. ---- */

static const struct kith_host *stubborn_host;
static int stubborn_attempts;

static kith_err stubborn_send(struct kith_plugin_ctx *ctx);

static void stubborn_done(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    (void)ud;
    if (result->err != KITH_OK && stubborn_attempts < 1000)
        stubborn_send(ctx); /* "try again" */
}

static kith_err stubborn_send(struct kith_plugin_ctx *ctx)
{
    stubborn_attempts++;
    kith_message *msg = stubborn_host->message_new(ctx);
    stubborn_host->message_set_text(msg, "stubborn is starting");
    const struct kith_target to = {TEST_SERVER, TEST_CHANNEL};
    const struct kith_completion done = {stubborn_done, NULL, NULL};
    kith_err err = stubborn_host->send(ctx, &to, msg, &done);
    stubborn_host->message_free(msg);
    return err;
}

static kith_err stubborn_init(struct kith_plugin_ctx *ctx, const struct kith_host *host)
{
    stubborn_host = host;
    stubborn_send(ctx);
    return KITH_ERR_INVALID; /* then finds its settings missing */
}

static const struct kith_plugin stubborn = {
    KITH_PLUGIN_HEADER,
    .name = "stubborn",
    .version = "1.0.0",
    .init = stubborn_init,
};

TEST(test_plugin_released_after_a_failed_start_cannot_start_new_work)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    stubborn_attempts = 0;
    char *error = NULL;
    CHECK(kith_plugin_load_builtin(env.core, &stubborn, &error) != KITH_OK);
    free(error);
    /* The announcement was cancelled; the retry it asked for was refused, not queued. */
    CHECK_INT(stubborn_attempts, 2);
    test_env_run(&env, 20);
    CHECK_INT(story_count(&env, TEST_ACTION_SEND, "stubborn is starting"), 1);
    test_env_finish(&env);
}
