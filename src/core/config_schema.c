/* Every key kithd's configuration accepts (one table row each), the parsers for each kind of
 * value, and the rules relating keys of one section (a Telegram webhook needs a URL, ...). */
#include "core/config_schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Discord's default intents, the events the bundled plugins use: GUILDS, GUILD_MEMBERS,
 * GUILD_MODERATION, GUILD_MESSAGES, GUILD_MESSAGE_REACTIONS, DIRECT_MESSAGES, MESSAGE_CONTENT,
 * GUILD_MESSAGE_POLLS (votes on native polls). */
#define DISCORD_DEFAULT_INTENTS                                                                    \
    ((1LL << 0) | (1LL << 1) | (1LL << 2) | (1LL << 9) | (1LL << 10) | (1LL << 12) | (1LL << 15) | \
     (1LL << 24))

#define PLUGIN_NAME_MAX 32
#define ECHO_MAX 40 /* longest part of a (non-secret) value quoted back in a message */

static kith_err parse_text(struct kith_config_report *rep, const config_setting_t *s,
                           const struct kith_config_key *key, void *field);
static kith_err parse_url(struct kith_config_report *rep, const config_setting_t *s,
                          const struct kith_config_key *key, void *field);
static kith_err parse_int(struct kith_config_report *rep, const config_setting_t *s,
                          const struct kith_config_key *key, void *field);
static kith_err parse_bool(struct kith_config_report *rep, const config_setting_t *s,
                           const struct kith_config_key *key, void *field);
static kith_err parse_choice(struct kith_config_report *rep, const config_setting_t *s,
                             const struct kith_config_key *key, void *field);
static kith_err parse_shards(struct kith_config_report *rep, const config_setting_t *s,
                             const struct kith_config_key *key, void *field);
static kith_err parse_names(struct kith_config_report *rep, const config_setting_t *s,
                            const struct kith_config_key *key, void *field);
static void check_discord(struct kith_config_report *rep, const struct kith_config *cfg,
                          const config_setting_t *group);
static void check_telegram(struct kith_config_report *rep, const struct kith_config *cfg,
                           const config_setting_t *group);
static void check_matrix(struct kith_config_report *rep, const struct kith_config *cfg,
                         const config_setting_t *group);

static const char *const http_schemes[] = {"http://", "https://", NULL};
static const char *const ws_schemes[] = {"ws://", "wss://", NULL};
static const char *const telegram_modes[] = {"polling", "webhook", NULL};
static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};

#define KEY(sec, key, fn, store, field)                                                            \
    .section = (sec), .name = (key), .parse = (fn), .storage = (store),                            \
    .offset = offsetof(struct kith_config, field)
#define STR KITH_CONFIG_STR
#define INT KITH_CONFIG_INT
#define BOOL KITH_CONFIG_BOOL
#define SECRET KITH_CONFIG_SECRET
#define REQUIRED KITH_CONFIG_REQUIRED

const struct kith_config_key kith_config_keys[] = {
    {KEY("store", "path", parse_text, STR, store.path), .def_str = "kith.db"},
    {KEY("store", "busy_timeout", parse_int, INT, store.busy_timeout_ms), .min = 0, .max = 600000,
     .def_int = 5000},
    {KEY("store", "batch_max_rows", parse_int, INT, store.batch_max_rows), .min = 1, .max = 100000,
     .def_int = 500},
    {KEY("store", "batch_interval", parse_int, INT, store.batch_interval_ms), .min = 10,
     .max = 60000, .def_int = 1000},

    {KEY("plugins", "dir", parse_text, STR, plugins.dir), .def_str = "plugins"},
    {KEY("plugins", "load", parse_names, KITH_CONFIG_NAMES, plugins)},

    {KEY("discord", "enabled", parse_bool, BOOL, discord.enabled)},
    {KEY("discord", "token", parse_text, STR, discord.token), .env = "KITH_DISCORD_TOKEN",
     .flags = SECRET | REQUIRED},
    {KEY("discord", "api_base", parse_url, STR, discord.api_base),
     .def_str = "https://discord.com/api/v10", .choices = http_schemes},
    {KEY("discord", "gateway_url", parse_url, STR, discord.gateway_url), .choices = ws_schemes},
    {KEY("discord", "intents", parse_int, KITH_CONFIG_INT64, discord.intents), .min = 0,
     .max = INT32_MAX, .def_int = DISCORD_DEFAULT_INTENTS},
    {KEY("discord", "shard_count", parse_shards, KITH_CONFIG_SHARDS, discord), .min = 1,
     .max = 65535},
    {KEY("discord", "shard_id", parse_int, INT, discord.shard_id), .min = 0, .max = 65534},

    {KEY("telegram", "enabled", parse_bool, BOOL, telegram.enabled)},
    {KEY("telegram", "token", parse_text, STR, telegram.token), .env = "KITH_TELEGRAM_TOKEN",
     .flags = SECRET | REQUIRED},
    {KEY("telegram", "api_base", parse_url, STR, telegram.api_base),
     .def_str = "https://api.telegram.org", .choices = http_schemes},
    {KEY("telegram", "mode", parse_choice, BOOL, telegram.webhook), .choices = telegram_modes},
    {KEY("telegram", "poll_timeout", parse_int, INT, telegram.poll_timeout_s), .min = 0, .max = 50,
     .def_int = 30},
    {KEY("telegram", "webhook_url", parse_url, STR, telegram.webhook_url), .choices = http_schemes},
    {KEY("telegram", "webhook_listen", parse_text, STR, telegram.webhook_listen),
     .def_str = "127.0.0.1"},
    {KEY("telegram", "webhook_port", parse_int, INT, telegram.webhook_port), .min = 1, .max = 65535,
     .def_int = 8443},

    {KEY("matrix", "enabled", parse_bool, BOOL, matrix.enabled)},
    {KEY("matrix", "homeserver", parse_url, STR, matrix.homeserver),
     .def_str = "https://matrix.org", .choices = http_schemes},
    {KEY("matrix", "access_token", parse_text, STR, matrix.access_token),
     .env = "KITH_MATRIX_TOKEN", .flags = SECRET},
    {KEY("matrix", "user_id", parse_text, STR, matrix.user_id)},
    {KEY("matrix", "password", parse_text, STR, matrix.password), .env = "KITH_MATRIX_PASSWORD",
     .flags = SECRET},
    {KEY("matrix", "auto_join", parse_bool, BOOL, matrix.auto_join), .def_int = 1},
    {KEY("matrix", "sync_timeout", parse_int, INT, matrix.sync_timeout_ms), .min = 0, .max = 120000,
     .def_int = 30000},

    {KEY("dashboard", "enabled", parse_bool, BOOL, dashboard.enabled)},
    {KEY("dashboard", "listen", parse_text, STR, dashboard.listen), .def_str = "127.0.0.1"},
    {KEY("dashboard", "port", parse_int, INT, dashboard.port), .min = 1, .max = 65535,
     .def_int = 8480},
    /* Anyone holding it administers every server, so a guessable one is refused. */
    {KEY("dashboard", "token", parse_text, STR, dashboard.token), .min = 16,
     .env = "KITH_DASHBOARD_TOKEN", .flags = SECRET},

    {KEY("log", "level", parse_choice, KITH_CONFIG_LEVEL, log.level), .choices = log_levels,
     .def_int = KITH_LOG_INFO},
    {KEY("log", "file", parse_text, STR, log.file)},
};
const size_t kith_config_key_count = sizeof kith_config_keys / sizeof kith_config_keys[0];

#define SWITCH(field) .has_switch = true, .enabled_offset = offsetof(struct kith_config, field)

const struct kith_config_section kith_config_sections[] = {
    {.name = "store"},
    {.name = "plugins"},
    {.name = "discord", SWITCH(discord.enabled), .check = check_discord},
    {.name = "telegram", SWITCH(telegram.enabled), .check = check_telegram},
    {.name = "matrix", SWITCH(matrix.enabled), .check = check_matrix},
    {.name = "dashboard", SWITCH(dashboard.enabled)},
    {.name = "log"},
};
const size_t kith_config_section_count =
    sizeof kith_config_sections / sizeof kith_config_sections[0];

/* ---- helpers ---- */

static void key_label(const struct kith_config_key *key, char *buf, size_t size)
{
    snprintf(buf, size, "%s.%s", key->section, key->name);
}

/* Writes `"a", "b" or "c"` into buf. */
static void format_choices(const char *const *choices, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; choices[i] != NULL && used < size; i++) {
        const char *sep = i == 0 ? "" : choices[i + 1] == NULL ? " or " : ", ";
        int n = snprintf(buf + used, size - used, "%s\"%s\"", sep, choices[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static void report_type(struct kith_config_report *rep, const config_setting_t *s,
                        const struct kith_config_key *key, const char *expected)
{
    kith_config_report(rep, s, "%s.%s must be %s, not %s", key->section, key->name, expected,
                       kith_config_type_name(s));
}

static bool is_integer(const config_setting_t *s)
{
    int type = config_setting_type(s);
    return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
}

static void store_number(void *field, enum kith_config_storage storage, long long value)
{
    switch (storage) {
    case KITH_CONFIG_INT: *(int *)field = (int)value; break;
    case KITH_CONFIG_INT64: *(int64_t *)field = value; break;
    case KITH_CONFIG_BOOL: *(bool *)field = value != 0; break;
    case KITH_CONFIG_LEVEL: *(kith_log_level *)field = (kith_log_level)value; break;
    case KITH_CONFIG_STR:
    case KITH_CONFIG_SHARDS:
    case KITH_CONFIG_NAMES: break;
    }
}

/* Replaces the string in *field with a copy of the first `len` bytes of `value`. */
static kith_err replace_string(void *field, const char *value, size_t len)
{
    char *copy = strndup(value, len);
    if (copy == NULL)
        return KITH_ERR_NOMEM;
    char **slot = field;
    free(*slot);
    *slot = copy;
    return KITH_OK;
}

static bool has_control(const char *s, bool or_space)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || (or_space && c == ' '))
            return true;
    }
    return false;
}

/* Checks a string value wherever it came from; `label` names it in messages. Secrets go into
 * HTTP headers, so a stray space or newline (a pasted "Bot " prefix) is refused here. */
static bool text_ok(struct kith_config_report *rep, const config_setting_t *where,
                    const struct kith_config_key *key, const char *label, const char *value)
{
    size_t len = strlen(value);
    bool secret = key->flags & KITH_CONFIG_SECRET;
    if (len == 0) {
        kith_config_report(rep, where, "%s must not be empty", label);
        return false;
    }
    if (key->min > 0 && len < (size_t)key->min) {
        kith_config_report(rep, where, "%s must be at least %lld characters long", label, key->min);
        return false;
    }
    if (has_control(value, secret)) {
        kith_config_report(rep, where, "%s must not contain %scontrol characters", label,
                           secret ? "spaces or " : "");
        return false;
    }
    return true;
}

/* ---- value parsers, one per kind of value ---- */

static kith_err parse_text(struct kith_config_report *rep, const config_setting_t *s,
                           const struct kith_config_key *key, void *field)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        report_type(rep, s, key, "a string");
        return KITH_ERR_INVALID;
    }
    const char *value = config_setting_get_string(s);
    char label[64];
    key_label(key, label, sizeof label);
    if (!text_ok(rep, s, key, label, value))
        return KITH_ERR_INVALID;
    return replace_string(field, value, strlen(value));
}

/* Returns the length of the scheme from key->choices that `url` starts with, or 0. */
static size_t scheme_length(const char *const *schemes, const char *url)
{
    for (size_t i = 0; schemes[i] != NULL; i++)
        if (strncmp(url, schemes[i], strlen(schemes[i])) == 0)
            return strlen(schemes[i]);
    return 0;
}

/* A trailing '/' is dropped so the adapters can append "/path" to any base URL. */
static kith_err parse_url(struct kith_config_report *rep, const config_setting_t *s,
                          const struct kith_config_key *key, void *field)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        report_type(rep, s, key, "a URL string");
        return KITH_ERR_INVALID;
    }
    const char *url = config_setting_get_string(s);
    size_t scheme = scheme_length(key->choices, url);
    if (scheme == 0 || url[scheme] == '\0' || url[scheme] == '/' || has_control(url, true)) {
        char schemes[64];
        format_choices(key->choices, schemes, sizeof schemes);
        kith_config_report(rep, s, "%s.%s must be a URL starting with %s", key->section, key->name,
                           schemes);
        return KITH_ERR_INVALID;
    }
    size_t len = strlen(url);
    while (len > scheme + 1 && url[len - 1] == '/')
        len--;
    return replace_string(field, url, len);
}

static kith_err parse_int(struct kith_config_report *rep, const config_setting_t *s,
                          const struct kith_config_key *key, void *field)
{
    if (!is_integer(s)) {
        report_type(rep, s, key, "an integer");
        return KITH_ERR_INVALID;
    }
    long long value = config_setting_get_int64(s);
    if (value < key->min || value > key->max) {
        kith_config_report(rep, s, "%s.%s must be between %lld and %lld, not %lld", key->section,
                           key->name, key->min, key->max, value);
        return KITH_ERR_INVALID;
    }
    store_number(field, key->storage, value);
    return KITH_OK;
}

static kith_err parse_bool(struct kith_config_report *rep, const config_setting_t *s,
                           const struct kith_config_key *key, void *field)
{
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
        report_type(rep, s, key, "true or false");
        return KITH_ERR_INVALID;
    }
    store_number(field, key->storage, config_setting_get_bool(s));
    return KITH_OK;
}

/* One word out of key->choices, stored as its index. */
static kith_err parse_choice(struct kith_config_report *rep, const config_setting_t *s,
                             const struct kith_config_key *key, void *field)
{
    char words[128];
    format_choices(key->choices, words, sizeof words);
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        report_type(rep, s, key, words);
        return KITH_ERR_INVALID;
    }
    const char *value = config_setting_get_string(s);
    for (size_t i = 0; key->choices[i] != NULL; i++) {
        if (strcmp(value, key->choices[i]) == 0) {
            store_number(field, key->storage, (long long)i);
            return KITH_OK;
        }
    }
    kith_config_report(rep, s, "%s.%s must be %s, not \"%.*s\"", key->section, key->name, words,
                       ECHO_MAX, value);
    return KITH_ERR_INVALID;
}

/* "auto" (ask Discord how many shards to run) or a fixed count in key->min..key->max. */
static kith_err parse_shards(struct kith_config_report *rep, const config_setting_t *s,
                             const struct kith_config_key *key, void *field)
{
    struct kith_discord_config *discord = field;
    int type = config_setting_type(s);
    if (type == CONFIG_TYPE_STRING && strcmp(config_setting_get_string(s), "auto") == 0) {
        discord->shards_auto = true;
        return KITH_OK;
    }
    if (is_integer(s) && config_setting_get_int64(s) >= key->min &&
        config_setting_get_int64(s) <= key->max) {
        discord->shards_auto = false;
        discord->shard_count = (int)config_setting_get_int64(s);
        return KITH_OK;
    }
    char got[64];
    if (type == CONFIG_TYPE_STRING)
        snprintf(got, sizeof got, "\"%.*s\"", ECHO_MAX, config_setting_get_string(s));
    else if (is_integer(s))
        snprintf(got, sizeof got, "%lld", config_setting_get_int64(s));
    else
        snprintf(got, sizeof got, "%s", kith_config_type_name(s));
    kith_config_report(rep, s, "%s.%s must be \"auto\" or an integer between %lld and %lld, not %s",
                       key->section, key->name, key->min, key->max, got);
    return KITH_ERR_INVALID;
}

/* [a-z][a-z0-9_]{0,31}: the name is also a file name and a table prefix in the store. */
static bool plugin_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > PLUGIN_NAME_MAX || name[0] < 'a' || name[0] > 'z')
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static void free_names(char **names)
{
    for (size_t i = 0; names != NULL && names[i] != NULL; i++)
        free(names[i]);
    free(names);
}

static bool name_listed(char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Checks one element of plugins.load; reports and returns false when it is unusable. */
static bool plugin_entry_ok(struct kith_config_report *rep, const config_setting_t *elem,
                            const struct kith_config_key *key, char *const *names, size_t count)
{
    if (config_setting_type(elem) != CONFIG_TYPE_STRING) {
        kith_config_report(rep, elem, "%s.%s entries must be strings, not %s", key->section,
                           key->name, kith_config_type_name(elem));
        return false;
    }
    const char *name = config_setting_get_string(elem);
    if (!plugin_name_ok(name)) {
        kith_config_report(rep, elem,
                           "%s.%s: \"%.*s\" is not a plugin name (a lowercase letter, then up "
                           "to 31 lowercase letters, digits or '_')",
                           key->section, key->name, ECHO_MAX, name);
        return false;
    }
    if (name_listed(names, count, name)) {
        kith_config_report(rep, elem, "%s.%s: \"%s\" is listed more than once", key->section,
                           key->name, name);
        return false;
    }
    return true;
}

static kith_err parse_names(struct kith_config_report *rep, const config_setting_t *s,
                            const struct kith_config_key *key, void *field)
{
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
        report_type(rep, s, key, "a list of plugin names such as [ \"polls\", \"faq\" ]");
        return KITH_ERR_INVALID;
    }
    int length = config_setting_length(s);
    char **names = calloc((size_t)length + 1, sizeof *names);
    if (names == NULL)
        return KITH_ERR_NOMEM;
    size_t count = 0;
    bool bad = false;
    for (int i = 0; i < length; i++) {
        const config_setting_t *elem = config_setting_get_elem(s, (unsigned)i);
        if (!plugin_entry_ok(rep, elem, key, names, count)) {
            bad = true;
            continue;
        }
        names[count] = strdup(config_setting_get_string(elem));
        if (names[count++] == NULL) {
            free_names(names);
            return KITH_ERR_NOMEM;
        }
    }
    if (bad) {
        free_names(names);
        return KITH_ERR_INVALID;
    }
    struct kith_plugins_config *plugins = field;
    free_names(plugins->load);
    plugins->load = names;
    plugins->load_count = count;
    return KITH_OK;
}

/* ---- defaults, release and the environment ---- */

kith_err kith_config_apply_default(const struct kith_config_key *key, void *field)
{
    switch (key->storage) {
    case KITH_CONFIG_STR:
        if (key->def_str == NULL)
            return KITH_OK;
        return replace_string(field, key->def_str, strlen(key->def_str));
    case KITH_CONFIG_SHARDS: {
        struct kith_discord_config *discord = field;
        discord->shards_auto = true;
        discord->shard_count = 1; /* replaced by what /gateway/bot recommends */
        return KITH_OK;
    }
    case KITH_CONFIG_NAMES: {
        struct kith_plugins_config *plugins = field;
        plugins->load = calloc(1, sizeof *plugins->load);
        plugins->load_count = 0;
        return plugins->load != NULL ? KITH_OK : KITH_ERR_NOMEM;
    }
    case KITH_CONFIG_INT:
    case KITH_CONFIG_INT64:
    case KITH_CONFIG_BOOL:
    case KITH_CONFIG_LEVEL: store_number(field, key->storage, key->def_int); return KITH_OK;
    }
    return KITH_OK;
}

void kith_config_release(const struct kith_config_key *key, void *field)
{
    if (key->storage == KITH_CONFIG_STR) {
        char **slot = field;
        if (*slot != NULL && (key->flags & KITH_CONFIG_SECRET))
            explicit_bzero(*slot, strlen(*slot)); /* keep tokens out of core dumps */
        free(*slot);
        *slot = NULL;
    } else if (key->storage == KITH_CONFIG_NAMES) {
        struct kith_plugins_config *plugins = field;
        free_names(plugins->load);
        plugins->load = NULL;
        plugins->load_count = 0;
    }
}

kith_err kith_config_take_env(struct kith_config_report *rep, const struct kith_config_key *key,
                              void *field, const char *value)
{
    if (!text_ok(rep, NULL, key, key->env, value))
        return KITH_ERR_INVALID;
    return replace_string(field, value, strlen(value));
}

/* ---- rules relating the keys of one section ---- */

static const config_setting_t *member(const config_setting_t *group, const char *name)
{
    return group != NULL ? config_setting_get_member(group, name) : NULL;
}

/* The member to point at for a problem with `name`: itself when written, else its section. */
static const config_setting_t *locate(const config_setting_t *group, const char *name)
{
    const config_setting_t *s = member(group, name);
    return s != NULL ? s : group;
}

static void check_discord(struct kith_config_report *rep, const struct kith_config *cfg,
                          const config_setting_t *group)
{
    const struct kith_discord_config *discord = &cfg->discord;
    const config_setting_t *id = member(group, "shard_id");
    const config_setting_t *count = member(group, "shard_count");
    if (id == NULL || !is_integer(id))
        return;
    /* A shard_count that failed to parse was reported already; do not pile on. */
    bool count_auto = count == NULL || (config_setting_type(count) == CONFIG_TYPE_STRING &&
                                        strcmp(config_setting_get_string(count), "auto") == 0);
    if (count_auto && discord->shard_id != 0)
        kith_config_report(rep, id,
                           "discord.shard_id must be 0 when discord.shard_count is "
                           "\"auto\" (one process then runs every shard)");
    else if (!discord->shards_auto && discord->shard_id >= discord->shard_count)
        kith_config_report(rep, id, "discord.shard_id must be less than discord.shard_count (%d)",
                           discord->shard_count);
}

/* Telegram delivers webhooks only over HTTPS; plain http:// is allowed for a loopback host so
 * tests can point a fake at kithd. */
static bool webhook_url_ok(const char *url)
{
    if (strncmp(url, "https://", 8) == 0)
        return true;
    if (strncmp(url, "http://", 7) != 0)
        return false;
    const char *host = url + 7;
    static const char *const loopback[] = {"localhost", "127.", "[::1]", NULL};
    for (size_t i = 0; loopback[i] != NULL; i++) {
        size_t len = strlen(loopback[i]);
        if (strncmp(host, loopback[i], len) != 0)
            continue;
        if (loopback[i][len - 1] == '.')
            return true;
        char after = host[len];
        return after == '\0' || after == ':' || after == '/';
    }
    return false;
}

static void check_telegram(struct kith_config_report *rep, const struct kith_config *cfg,
                           const config_setting_t *group)
{
    const struct kith_telegram_config *telegram = &cfg->telegram;
    if (telegram->webhook_url != NULL && !webhook_url_ok(telegram->webhook_url))
        kith_config_report(rep, locate(group, "webhook_url"),
                           "telegram.webhook_url must start with https:// (Telegram delivers "
                           "webhooks only over HTTPS; http:// is accepted for loopback only)");
    if (telegram->enabled && telegram->webhook && telegram->webhook_url == NULL)
        kith_config_report(rep, locate(group, "mode"),
                           "telegram.mode is \"webhook\" but telegram.webhook_url is not set");
}

/* Matrix user ids look like "@name:server.org". */
static bool matrix_user_id_ok(const char *user_id)
{
    const char *colon = strchr(user_id, ':');
    return user_id[0] == '@' && colon != NULL && colon > user_id + 1 && colon[1] != '\0';
}

static void check_matrix(struct kith_config_report *rep, const struct kith_config *cfg,
                         const config_setting_t *group)
{
    const struct kith_matrix_config *matrix = &cfg->matrix;
    if (matrix->user_id != NULL && !matrix_user_id_ok(matrix->user_id))
        kith_config_report(rep, locate(group, "user_id"),
                           "matrix.user_id must look like \"@name:example.org\"");
    if (matrix->password != NULL && matrix->user_id == NULL)
        kith_config_report(rep, locate(group, "password"),
                           "matrix.password is set but matrix.user_id is not");
    bool can_login = matrix->user_id != NULL && matrix->password != NULL;
    if (matrix->enabled && matrix->access_token == NULL && !can_login)
        kith_config_report(rep, locate(group, "enabled"),
                           "matrix is enabled but has no credentials: set matrix.access_token "
                           "(or KITH_MATRIX_TOKEN), or matrix.user_id and matrix.password");
}
