/* Loading bot.conf: what an admin gets for a good file, and the FILE:LINE message for each
 * mistake they can make in one. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/config.h"

static const char *const secret_vars[] = {
    "KITH_DISCORD_TOKEN",   "KITH_TELEGRAM_TOKEN",  "KITH_MATRIX_TOKEN",
    "KITH_MATRIX_PASSWORD", "KITH_DASHBOARD_TOKEN", NULL,
};

/* The tests must not see tokens exported in the shell that runs them. */
__attribute__((constructor)) static void clear_secret_env(void)
{
    for (size_t i = 0; secret_vars[i] != NULL; i++)
        unsetenv(secret_vars[i]);
}

struct loaded {
    kith_err err;
    struct kith_config cfg;
    char path[64];
    char *errors; /* everything written to the errors stream */
};

/* Loads `text` from a temporary file; release with unload(). */
static void load_text(const char *text, struct loaded *l)
{
    memset(l, 0, sizeof *l);
    l->err = KITH_ERR_IO;
    strcpy(l->path, "/tmp/kith-config-XXXXXX");
    int fd = mkstemp(l->path);
    if (fd < 0)
        return;
    size_t len = strlen(text);
    ssize_t written = write(fd, text, len);
    close(fd);
    if (written != (ssize_t)len)
        return;
    size_t size = 0;
    FILE *errors = open_memstream(&l->errors, &size);
    if (errors == NULL)
        return;
    l->err = kith_config_load(l->path, &l->cfg, errors);
    fclose(errors);
}

static void unload(struct loaded *l)
{
    kith_config_free(&l->cfg);
    free(l->errors);
    if (l->path[0] != '\0')
        unlink(l->path);
}

/* "FILE:LINE:" for the loaded file, to look for in the errors. */
static const char *at_line(const struct loaded *l, int line)
{
    static char buf[96];
    snprintf(buf, sizeof buf, "%s:%d: ", l->path, line);
    return buf;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (; text != NULL && *text != '\0'; text++)
        n += *text == '\n';
    return n;
}

static const char full_config[] =
    "store = { path = \"/var/lib/kith/kith.db\"; busy_timeout = 2000;\n"
    "          batch_max_rows = 50; batch_interval = 250; };\n"
    "plugins = { dir = \"/usr/lib/kith/plugins\";\n"
    "            load = [ \"polls\", \"faq\", \"spam_guard\" ]; };\n"
    "discord = { enabled = true; token = \"discord-token-1234\";\n"
    "            api_base = \"http://127.0.0.1:9001/api/v10/\";\n"
    "            gateway_url = \"ws://127.0.0.1:9002\"; intents = 513;\n"
    "            shard_count = 4; shard_id = 3; };\n"
    "telegram = { enabled = true; token = \"123456:telegram-token\"; mode = \"webhook\";\n"
    "             api_base = \"http://127.0.0.1:9003\"; poll_timeout = 0;\n"
    "             webhook_url = \"https://bot.example.org/tg\";\n"
    "             webhook_listen = \"0.0.0.0\"; webhook_port = 9443; };\n"
    "matrix = { enabled = true; homeserver = \"http://127.0.0.1:9004\";\n"
    "           user_id = \"@kith:example.org\"; password = \"hunter2hunter2\";\n"
    "           auto_join = false; sync_timeout = 1000; };\n"
    "dashboard = { enabled = true; listen = \"::1\"; port = 8081;\n"
    "              token = \"dashboard-token-0123456789\"; };\n"
    "log = { level = \"debug\"; file = \"kithd.log\"; };\n";

TEST(test_admin_loads_a_full_configuration)
{
    struct loaded l;
    load_text(full_config, &l);
    CHECK_STR(l.errors, "");
    REQUIRE(l.err == KITH_OK);
    const struct kith_config *c = &l.cfg;
    CHECK_STR(c->path, l.path);
    CHECK_STR(c->store.path, "/var/lib/kith/kith.db");
    CHECK_INT(c->store.busy_timeout_ms, 2000);
    CHECK_INT(c->store.batch_max_rows, 50);
    CHECK_INT(c->store.batch_interval_ms, 250);
    CHECK_STR(c->plugins.dir, "/usr/lib/kith/plugins");
    REQUIRE(c->plugins.load_count == 3);
    CHECK_STR(c->plugins.load[0], "polls");
    CHECK_STR(c->plugins.load[2], "spam_guard");
    CHECK(c->plugins.load[3] == NULL);
    CHECK(c->discord.enabled);
    CHECK_STR(c->discord.token, "discord-token-1234");
    CHECK_STR(c->discord.api_base, "http://127.0.0.1:9001/api/v10"); /* trailing '/' dropped */
    CHECK_STR(c->discord.gateway_url, "ws://127.0.0.1:9002");
    CHECK_INT(c->discord.intents, 513);
    CHECK(!c->discord.shards_auto);
    CHECK_INT(c->discord.shard_count, 4);
    CHECK_INT(c->discord.shard_id, 3);
    CHECK(c->telegram.enabled);
    CHECK(c->telegram.webhook);
    CHECK_INT(c->telegram.poll_timeout_s, 0);
    CHECK_STR(c->telegram.webhook_url, "https://bot.example.org/tg");
    CHECK_STR(c->telegram.webhook_listen, "0.0.0.0");
    CHECK_INT(c->telegram.webhook_port, 9443);
    CHECK(c->matrix.enabled);
    CHECK_STR(c->matrix.homeserver, "http://127.0.0.1:9004");
    CHECK(c->matrix.access_token == NULL);
    CHECK_STR(c->matrix.user_id, "@kith:example.org");
    CHECK_STR(c->matrix.password, "hunter2hunter2");
    CHECK(!c->matrix.auto_join);
    CHECK_INT(c->matrix.sync_timeout_ms, 1000);
    CHECK(c->dashboard.enabled);
    CHECK_STR(c->dashboard.listen, "::1");
    CHECK_INT(c->dashboard.port, 8081);
    CHECK_STR(c->dashboard.token, "dashboard-token-0123456789");
    CHECK_INT(c->log.level, KITH_LOG_DEBUG);
    CHECK_STR(c->log.file, "kithd.log");
    unload(&l);
}

TEST(test_empty_file_gives_every_default)
{
    struct loaded l;
    load_text("# nothing configured yet\n", &l);
    REQUIRE(l.err == KITH_OK);
    const struct kith_config *c = &l.cfg;
    CHECK_STR(c->store.path, "kith.db");
    CHECK_INT(c->store.busy_timeout_ms, 5000);
    CHECK_INT(c->store.batch_max_rows, 500);
    CHECK_INT(c->store.batch_interval_ms, 1000);
    CHECK_STR(c->plugins.dir, "plugins");
    CHECK_INT(c->plugins.load_count, 0);
    REQUIRE(c->plugins.load != NULL);
    CHECK(c->plugins.load[0] == NULL);
    CHECK(!c->discord.enabled);
    CHECK_STR(c->discord.api_base, "https://discord.com/api/v10");
    CHECK(c->discord.gateway_url == NULL);
    CHECK_INT(c->discord.intents, 16815623);
    CHECK(c->discord.shards_auto);
    CHECK_INT(c->discord.shard_id, 0);
    CHECK(!c->telegram.enabled);
    CHECK_STR(c->telegram.api_base, "https://api.telegram.org");
    CHECK(!c->telegram.webhook);
    CHECK_INT(c->telegram.poll_timeout_s, 30);
    CHECK_STR(c->telegram.webhook_listen, "127.0.0.1");
    CHECK_INT(c->telegram.webhook_port, 8443);
    CHECK(!c->matrix.enabled);
    CHECK_STR(c->matrix.homeserver, "https://matrix.org");
    CHECK(c->matrix.auto_join);
    CHECK_INT(c->matrix.sync_timeout_ms, 30000);
    CHECK(!c->dashboard.enabled);
    CHECK_STR(c->dashboard.listen, "127.0.0.1");
    CHECK_INT(c->dashboard.port, 8480);
    CHECK(c->dashboard.token == NULL);
    CHECK_INT(c->log.level, KITH_LOG_INFO);
    CHECK(c->log.file == NULL);
    unload(&l);
}

TEST(test_shipped_example_is_valid)
{
    struct kith_config cfg;
    char *errors = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&errors, &size);
    REQUIRE(out != NULL);
    kith_err err = kith_config_load(KITH_SOURCE_DIR "/bot.conf.example", &cfg, out);
    fclose(out);
    CHECK_STR(errors, "");
    CHECK_INT(err, KITH_OK);
    CHECK(!cfg.discord.enabled && !cfg.telegram.enabled && !cfg.matrix.enabled);
    CHECK_STR(cfg.plugins.dir, "plugins");
    kith_config_free(&cfg);
    free(errors);
}

TEST(test_typo_in_key_names_file_line_and_suggestion)
{
    struct loaded l;
    load_text("discord = {\n  enabled = false;\n  api_bse = \"https://x.example\";\n};\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 3));
    CHECK_CONTAINS(l.errors, "unknown key \"api_bse\" in section \"discord\"");
    CHECK_CONTAINS(l.errors, "did you mean \"api_base\"?");
    CHECK(l.cfg.path == NULL); /* zeroed on failure */
    unload(&l);
}

TEST(test_typo_in_section_name_is_caught)
{
    struct loaded l;
    load_text("\ndiscrod = { enabled = true; };\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 2));
    CHECK_CONTAINS(l.errors, "unknown section \"discrod\"; did you mean \"discord\"?");
    unload(&l);
}

TEST(test_string_where_number_belongs_is_refused)
{
    struct loaded l;
    load_text("store = {\n  busy_timeout = \"5000\";\n};\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 2));
    CHECK_CONTAINS(l.errors, "store.busy_timeout must be an integer, not a string");
    unload(&l);
}

TEST(test_out_of_range_value_is_refused)
{
    struct loaded l;
    load_text("telegram = {\n  mode = \"polling\";\n  poll_timeout = 90;\n};\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 3));
    CHECK_CONTAINS(l.errors, "telegram.poll_timeout must be between 0 and 50, not 90");
    unload(&l);
}

TEST(test_enabled_discord_without_token_names_the_section)
{
    struct loaded l;
    load_text("log = { level = \"info\"; };\ndiscord = {\n  enabled = true;\n};\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 3));
    CHECK_CONTAINS(l.errors, "discord.token is not set");
    CHECK_CONTAINS(l.errors, "KITH_DISCORD_TOKEN");
    unload(&l);
}

TEST(test_environment_supplies_the_token)
{
    setenv("KITH_DISCORD_TOKEN", "env-discord-token", 1);
    struct loaded l;
    load_text("discord = { enabled = true; };\n", &l);
    unsetenv("KITH_DISCORD_TOKEN");
    CHECK_STR(l.errors, "");
    REQUIRE(l.err == KITH_OK);
    CHECK_STR(l.cfg.discord.token, "env-discord-token");
    unload(&l);
}

TEST(test_environment_overrides_the_file)
{
    setenv("KITH_TELEGRAM_TOKEN", "42:from-environment", 1);
    setenv("KITH_MATRIX_TOKEN", "syt_from_environment", 1);
    struct loaded l;
    load_text("telegram = { enabled = true; token = \"42:from-file\"; };\n"
              "matrix = { enabled = true; access_token = \"syt_from_file\"; };\n",
              &l);
    unsetenv("KITH_TELEGRAM_TOKEN");
    unsetenv("KITH_MATRIX_TOKEN");
    REQUIRE(l.err == KITH_OK);
    CHECK_STR(l.cfg.telegram.token, "42:from-environment");
    CHECK_STR(l.cfg.matrix.access_token, "syt_from_environment");
    unload(&l);
}

TEST(test_token_never_appears_in_errors)
{
    const char *token = "MTIzNDU2.secret-value.xyz";
    char text[512];
    snprintf(text, sizeof text,
             "discord = {\n  enabled = true;\n  token = \"%s\";\n  tokn = \"%s\";\n"
             "  intents = \"%s\";\n};\n"
             "dashboard = { token = \"short\"; };\n"
             "telegram = { token = \"Bot %s\"; };\n",
             token, token, token, token);
    struct loaded l;
    load_text(text, &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_INT(count_lines(l.errors), 4);
    CHECK_CONTAINS(l.errors, "did you mean \"token\"?");
    CHECK_CONTAINS(l.errors, "dashboard.token must be at least 16 characters");
    CHECK_CONTAINS(l.errors, "telegram.token must not contain spaces");
    CHECK(l.errors != NULL && strstr(l.errors, token) == NULL);
    CHECK(l.errors != NULL && strstr(l.errors, "short") == NULL);
    unload(&l);
}

TEST(test_bad_token_in_environment_is_reported_without_its_value)
{
    setenv("KITH_DISCORD_TOKEN", "Bot abcdefgh", 1);
    struct loaded l;
    load_text("discord = { enabled = true; };\n", &l);
    unsetenv("KITH_DISCORD_TOKEN");
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, "KITH_DISCORD_TOKEN must not contain spaces");
    CHECK(l.errors != NULL && strstr(l.errors, "abcdefgh") == NULL);
    unload(&l);
}

TEST(test_syntax_error_names_the_line)
{
    struct loaded l;
    load_text("store = {\n  path = \"kith.db\";\n  busy_timeout = = 10;\n};\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 3));
    CHECK_CONTAINS(l.errors, "syntax error");
    unload(&l);
}

TEST(test_missing_file_is_reported)
{
    struct kith_config cfg;
    char *errors = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&errors, &size);
    REQUIRE(out != NULL);
    kith_err err = kith_config_load("/nonexistent/kith/bot.conf", &cfg, out);
    fclose(out);
    CHECK_INT(err, KITH_ERR_IO);
    CHECK_CONTAINS(errors, "/nonexistent/kith/bot.conf: cannot open: No such file");
    free(errors);
}

TEST(test_invalid_plugin_name_is_refused)
{
    struct loaded l;
    load_text("plugins = {\n  load = [ \"polls\",\n    \"Spam-Guard\" ];\n};\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 3));
    CHECK_CONTAINS(l.errors, "\"Spam-Guard\" is not a plugin name");
    unload(&l);
}

TEST(test_duplicate_plugin_is_refused)
{
    struct loaded l;
    load_text("plugins = { load = ( \"polls\", \"faq\", \"polls\" ); };\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 1));
    CHECK_CONTAINS(l.errors, "\"polls\" is listed more than once");
    unload(&l);
}

TEST(test_every_problem_is_reported_not_just_the_first)
{
    struct loaded l;
    load_text("store = {\n  batch_max_rows = 0;\n};\nlog = {\n  level = \"verbose\";\n};\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_INT(count_lines(l.errors), 2);
    CHECK_CONTAINS(l.errors, at_line(&l, 2));
    CHECK_CONTAINS(l.errors, at_line(&l, 5));
    CHECK_CONTAINS(l.errors, "log.level must be \"debug\", \"info\", \"warn\" or \"error\", "
                             "not \"verbose\"");
    unload(&l);
}

TEST(test_webhook_mode_needs_a_url)
{
    struct loaded l;
    load_text("telegram = {\n  enabled = true;\n  token = \"1:abcdef\";\n"
              "  mode = \"webhook\";\n};\n",
              &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 4));
    CHECK_CONTAINS(l.errors, "telegram.webhook_url is not set");
    unload(&l);
}

TEST(test_webhook_url_must_be_https_except_on_loopback)
{
    struct loaded l;
    load_text("telegram = { webhook_url = \"http://bot.example.org/hook\"; };\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, "telegram.webhook_url must start with https://");
    unload(&l);
    load_text("telegram = { webhook_url = \"http://127.0.0.1:8443/hook\"; };\n", &l);
    CHECK_INT(l.err, KITH_OK);
    unload(&l);
}

TEST(test_url_without_http_scheme_is_refused)
{
    struct loaded l;
    load_text("matrix = {\n  homeserver = \"matrix.org\";\n};\n"
              "discord = {\n  gateway_url = \"https://gateway.discord.gg\";\n};\n",
              &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 2));
    CHECK_CONTAINS(l.errors, "matrix.homeserver must be a URL starting with \"http://\" or");
    CHECK_CONTAINS(l.errors, at_line(&l, 5));
    CHECK_CONTAINS(l.errors, "discord.gateway_url must be a URL starting with \"ws://\" or");
    unload(&l);
}

TEST(test_shard_settings_are_checked_together)
{
    struct loaded l;
    load_text("discord = {\n  shard_count = 2;\n  shard_id = 2;\n};\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 3));
    CHECK_CONTAINS(l.errors, "discord.shard_id must be less than discord.shard_count (2)");
    unload(&l);
    load_text("discord = { shard_count = \"many\"; };\n", &l);
    CHECK_CONTAINS(l.errors, "must be \"auto\" or an integer between 1 and 65535, not \"many\"");
    unload(&l);
}

TEST(test_matrix_needs_token_or_password_login)
{
    struct loaded l;
    load_text("matrix = {\n  enabled = true;\n  user_id = \"@kith:example.org\";\n};\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 2));
    CHECK_CONTAINS(l.errors, "matrix is enabled but has no credentials");
    unload(&l);
    setenv("KITH_MATRIX_PASSWORD", "correct-horse", 1);
    load_text("matrix = {\n  enabled = true;\n  user_id = \"@kith:example.org\";\n};\n", &l);
    unsetenv("KITH_MATRIX_PASSWORD");
    CHECK_INT(l.err, KITH_OK);
    CHECK_STR(l.cfg.matrix.password, "correct-horse");
    unload(&l);
}

TEST(test_section_that_is_not_a_group_is_refused)
{
    struct loaded l;
    load_text("log = \"debug\";\n", &l);
    CHECK_INT(l.err, KITH_ERR_INVALID);
    CHECK_CONTAINS(l.errors, at_line(&l, 1));
    CHECK_CONTAINS(l.errors, "log must be a group { ... }, not a string");
    unload(&l);
}

TEST(test_include_is_resolved_next_to_the_file)
{
    char dir[] = "/tmp/kith-include-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char secrets[128], main_conf[128];
    snprintf(secrets, sizeof secrets, "%s/secrets.conf", dir);
    snprintf(main_conf, sizeof main_conf, "%s/bot.conf", dir);
    FILE *f = fopen(secrets, "w");
    REQUIRE(f != NULL);
    fputs("discord = {\n  enabled = true;\n  tokne = \"included-token\";\n};\n", f);
    fclose(f);
    f = fopen(main_conf, "w");
    REQUIRE(f != NULL);
    fputs("@include \"secrets.conf\"\n", f);
    fclose(f);

    struct kith_config cfg;
    char *errors = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&errors, &size);
    REQUIRE(out != NULL);
    kith_err err = kith_config_load(main_conf, &cfg, out);
    fclose(out);
    CHECK_INT(err, KITH_ERR_INVALID);
    char where[160];
    snprintf(where, sizeof where, "secrets.conf:3: unknown key \"tokne\"");
    CHECK_CONTAINS(errors, where);
    free(errors);
    unlink(secrets);
    unlink(main_conf);
    rmdir(dir);
}
