/* kithd's configuration: loading a libconfig file, validating every key, and the result. */
#ifndef KITH_CORE_CONFIG_H
#define KITH_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <kith/plugin.h>

struct kith_store_config {
    char *path;            /* SQLite file; default "kith.db" */
    int busy_timeout_ms;   /* default 5000, 0..600000 */
    int batch_max_rows;    /* buffered writes flushed at this many rows; default 500, 1..100000 */
    int batch_interval_ms; /* ... or this often; default 1000, 10..60000 */
};

struct kith_plugins_config {
    char *dir;   /* where <name>.so files live; default "plugins" */
    char **load; /* plugin names to load; NULL-terminated, may be empty */
    size_t load_count;
};

struct kith_discord_config {
    bool enabled;
    char *token;       /* secret; from file or KITH_DISCORD_TOKEN */
    char *api_base;    /* default "https://discord.com/api/v10" */
    char *gateway_url; /* NULL: use the one /gateway/bot returns */
    int64_t intents;   /* default GUILDS|GUILD_MEMBERS|GUILD_MODERATION|GUILD_MESSAGES|
                          GUILD_MESSAGE_REACTIONS|DIRECT_MESSAGES|MESSAGE_CONTENT */
    bool shards_auto;  /* shard_count = "auto" (default) */
    int shard_id;      /* first shard this process runs; default 0 */
    int shard_count;   /* total shards when not auto; 1..65535 */
};

struct kith_telegram_config {
    bool enabled;
    char *token;          /* secret; from file or KITH_TELEGRAM_TOKEN */
    char *api_base;       /* default "https://api.telegram.org" */
    bool webhook;         /* mode = "polling" (default) | "webhook" */
    int poll_timeout_s;   /* getUpdates timeout; default 30, 0..50 */
    char *webhook_url;    /* public URL Telegram posts to; required in webhook mode */
    char *webhook_listen; /* address to listen on; default "127.0.0.1" */
    int webhook_port;     /* default 8443, 1..65535 */
};

struct kith_matrix_config {
    bool enabled;
    char *homeserver;    /* default "https://matrix.org" */
    char *access_token;  /* secret; from file or KITH_MATRIX_TOKEN */
    char *user_id;       /* for password login */
    char *password;      /* secret; used once to obtain an access token */
    bool auto_join;      /* accept room invites; default true */
    int sync_timeout_ms; /* default 30000, 0..120000 */
};

struct kith_dashboard_config {
    bool enabled;
    char *listen; /* default "127.0.0.1" */
    int port;     /* default 8480, 1..65535 */
    char *token;  /* secret; from file or KITH_DASHBOARD_TOKEN; generated if NULL */
};

struct kith_log_config {
    kith_log_level level; /* "debug" | "info" (default) | "warn" | "error" */
    char *file;           /* NULL: stderr */
};

struct kith_config {
    char *path; /* the file this was loaded from */
    struct kith_store_config store;
    struct kith_plugins_config plugins;
    struct kith_discord_config discord;
    struct kith_telegram_config telegram;
    struct kith_matrix_config matrix;
    struct kith_dashboard_config dashboard;
    struct kith_log_config log;
};

/* Loads and validates `path`. Every problem is written to `errors` as one line
 * "FILE:LINE: what is wrong" (all of them, not just the first). On KITH_OK *out is filled and
 * owned by the caller (release with kith_config_free); on error *out is left zeroed. */
kith_err kith_config_load(const char *path, struct kith_config *out, FILE *errors);

/* Releases what kith_config_load allocated; safe on a zeroed struct. */
void kith_config_free(struct kith_config *cfg);

#endif
