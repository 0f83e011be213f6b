/* The kith plugin SDK: the descriptor a plugin exports and the host table it is given.
 * This header (with event.h, message.h and store.h) is everything a plugin may use. */
#ifndef KITH_PLUGIN_H
#define KITH_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kith/event.h>
#include <kith/message.h>
#include <kith/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI versioning.
 * MAJOR changes when anything existing changes layout or meaning; the host refuses a plugin
 * with another major. MINOR grows when functions are appended to struct kith_host; a plugin
 * checks for newer functions with KITH_HAS_API. */
#define KITH_ABI_MAJOR 1
#define KITH_ABI_MINOR 1

/* The one symbol a plugin exports. */
#define KITH_PLUGIN_SYMBOL "kith_plugin_descriptor"
#define KITH_PLUGIN_EXPORT __attribute__((visibility("default")))
#define KITH_PLUGIN_DEFINE KITH_PLUGIN_EXPORT const struct kith_plugin kith_plugin_descriptor

/* Ownership rule, stated once: every string and struct passed to a plugin callback is
 * borrowed for the duration of that call. Every string a plugin passes to the host is
 * borrowed for the duration of the host call; the host copies what it keeps. A function that
 * returns memory the plugin must release says so and names the function to release it. */

typedef enum kith_err {
    KITH_OK = 0,
    KITH_ERR_NOMEM = -1,       /* allocation failed */
    KITH_ERR_INVALID = -2,     /* bad argument or bad input */
    KITH_ERR_NOT_FOUND = -3,   /* no such server, plugin, setting, job, row */
    KITH_ERR_PERMISSION = -4,  /* the caller's role is not enough */
    KITH_ERR_STORE = -5,       /* the SQLite store failed */
    KITH_ERR_IO = -6,          /* file or network I/O failed */
    KITH_ERR_UNSUPPORTED = -7, /* the platform cannot do this */
    KITH_ERR_EXISTS = -8,      /* already present */
    KITH_ERR_LIMIT = -9,       /* a platform or kith limit was exceeded */
    KITH_ERR_PLATFORM = -10,   /* the platform answered with an error */
    KITH_ERR_TIMEOUT = -11,    /* no answer in time */
    KITH_ERR_CANCELLED = -12,  /* cancelled before completion (shutdown, plugin unload) */
    KITH_ERR_VERSION = -13,    /* ABI or schema version mismatch */
    KITH_ERR_BUSY = -14,       /* try again later (rate limited, shutting down) */
} kith_err;

typedef enum kith_role {
    KITH_ROLE_MEMBER = 0,
    KITH_ROLE_MANAGER = 1,
    KITH_ROLE_ADMIN = 2,
} kith_role;

typedef enum kith_log_level {
    KITH_LOG_DEBUG = 0,
    KITH_LOG_INFO = 1,
    KITH_LOG_WARN = 2,
    KITH_LOG_ERROR = 3,
} kith_log_level;

/* ---- Commands: declared as data so the core can register, parse, check and document them
 * without calling the plugin. ---- */

typedef enum kith_option_type {
    KITH_OPT_STRING = 1,
    KITH_OPT_INTEGER = 2,  /* int64, min/max checked */
    KITH_OPT_NUMBER = 3,   /* double */
    KITH_OPT_BOOLEAN = 4,  /* `--name` alone means true; also true/false/yes/no/on/off */
    KITH_OPT_USER = 5,     /* a mention or id; delivered as a prefixed user id */
    KITH_OPT_CHANNEL = 6,  /* a channel mention or id */
    KITH_OPT_ROLE = 7,     /* a role mention or id */
    KITH_OPT_DURATION = 8, /* "90s", "15m", "2h", "7d", "1w", "1h30m"; delivered in seconds */
} kith_option_type;

typedef enum kith_option_flags {
    KITH_OPTF_REQUIRED = 1 << 0,
    KITH_OPTF_NAMED = 1 << 1,    /* given only as `--name value` (or `--name` for booleans) */
    KITH_OPTF_VARIADIC = 1 << 2, /* takes every remaining positional argument (last option) */
    KITH_OPTF_REST = 1 << 3,     /* takes the rest of the line verbatim (last string option) */
} kith_option_flags;

struct kith_option_decl {
    const char *name;        /* [a-z0-9_-]{1,32} */
    const char *description; /* shown by /help and in the platform's command picker */
    kith_option_type type;
    unsigned flags;   /* kith_option_flags */
    int64_t min, max; /* integer value or string length bounds; 0,0 = unbounded */
};

struct kith_subcommand_decl {
    const char *name;
    const char *description;
    kith_role required_role;
    const struct kith_option_decl *options;
    size_t option_count;
};

struct kith_command_decl {
    const char *name; /* [a-z0-9_]{1,32}: the same on every platform */
    const char *description;
    kith_role required_role; /* for the command without subcommand */
    const struct kith_option_decl *options;
    size_t option_count;
    const struct kith_subcommand_decl *subcommands; /* if any, one must be given */
    size_t subcommand_count;
};

/* ---- Settings: per server, validated by the core against this schema. ---- */

typedef enum kith_setting_type {
    KITH_SETTING_STRING = 1,
    KITH_SETTING_INTEGER = 2,  /* min/max checked */
    KITH_SETTING_BOOLEAN = 3,  /* stored as "true"/"false" */
    KITH_SETTING_DURATION = 4, /* stored normalised to seconds; min/max in seconds */
    KITH_SETTING_ENUM = 5,     /* one of choices */
    KITH_SETTING_CHANNEL = 6,  /* a channel id on this server */
    KITH_SETTING_ROLE = 7,     /* a role id on this server */
} kith_setting_type;

struct kith_setting_decl {
    const char *key; /* [a-z0-9_]{1,32} */
    const char *description;
    kith_setting_type type;
    const char *default_value;  /* in the same text form a user would type; NULL = unset */
    int64_t min, max;           /* 0,0 = unbounded */
    const char *const *choices; /* KITH_SETTING_ENUM: NULL-terminated */
};

/* ---- Migrations: numbered from 1, each applied once in its own transaction. Every table a
 * plugin creates must be named `<plugin name>_...`; the host refuses writes elsewhere. ---- */

struct kith_migration {
    int version;
    const char *sql; /* one or more statements */
};

/* ---- Scheduled jobs: persistent, survive restarts, fire late (once) if kithd was down. ---- */

struct kith_job {
    int64_t id;
    const char *server_id; /* may be NULL for plugin-wide jobs */
    const char *kind;      /* the plugin's own label, e.g. "poll_close" */
    const char *payload;   /* the plugin's own text (often JSON); may be "" */
    int64_t due_at_ms;     /* unix ms */
    bool late;             /* true when it came due while kithd was stopped */
};

/* ---- Asynchronous completions. ---- */

struct kith_plugin_ctx; /* opaque: the host's record of one loaded plugin */

/* What a send, edit, delete or moderation produced; borrowed for the callback. */
struct kith_result {
    kith_err err;
    const char *message_id; /* the platform message created or edited, else NULL */
    const char *detail;     /* human-readable reason on failure, else NULL */
};

typedef void (*kith_result_fn)(struct kith_plugin_ctx *ctx, const struct kith_result *result,
                               void *ud);
typedef void (*kith_timer_fn)(struct kith_plugin_ctx *ctx, void *ud);
typedef void (*kith_free_fn)(void *ud);

/* A completion is called exactly once: with the outcome, or with KITH_ERR_CANCELLED when the
 * plugin is disabled or kithd stops first. free_ud (if set) is called right after it. */
struct kith_completion {
    kith_result_fn fn;
    void *ud;
    kith_free_fn free_ud;
};

/* ---- Where to send. Ids are platform-prefixed strings, e.g. "discord:81384788765712384",
 * "telegram:-1001234567890", "matrix:!abc:example.org". ---- */

struct kith_target {
    const char *server_id;
    const char *channel_id; /* NULL: the server's default channel (Telegram chat, Matrix room) */
};

typedef enum kith_moderation_kind {
    KITH_MOD_TIMEOUT = 1, /* duration_s > 0 */
    KITH_MOD_UNTIMEOUT = 2,
    KITH_MOD_KICK = 3,
    KITH_MOD_BAN = 4,
    KITH_MOD_UNBAN = 5,
    KITH_MOD_ROLE_ADD = 6,
    KITH_MOD_ROLE_REMOVE = 7,
} kith_moderation_kind;

struct kith_moderation {
    kith_moderation_kind kind;
    const char *server_id;
    const char *user_id;
    const char *role_id; /* ROLE_ADD / ROLE_REMOVE */
    int64_t duration_s;  /* TIMEOUT; BAN: 0 = permanent */
    const char *reason;  /* goes to the platform's audit log where it has one */
};

/* ---- The host table. Only ever grows at the end. Every call takes the plugin's ctx first. ---- */

struct kith_host {
    uint32_t size; /* sizeof(struct kith_host) of the host build */
    uint32_t abi_major;
    uint32_t abi_minor;

    /* Logging: one line, prefixed with the plugin's name. Never log secrets. */
    void (*log)(struct kith_plugin_ctx *ctx, kith_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    const char *(*strerror)(kith_err err);

    /* Plugin state: set once in init; free_fn runs at unload. */
    void (*set_state)(struct kith_plugin_ctx *ctx, void *state, kith_free_fn free_fn);
    void *(*state)(struct kith_plugin_ctx *ctx);
    const char *(*plugin_name)(struct kith_plugin_ctx *ctx);

    /* Message builder (see message.h). */
    kith_message *(*message_new)(struct kith_plugin_ctx *ctx); /* free with message_free */
    void (*message_free)(kith_message *msg);
    kith_err (*message_set_text)(kith_message *msg, const char *text);
    kith_err (*message_set_title)(kith_message *msg, const char *title);
    kith_err (*message_add_field)(kith_message *msg, const char *name, const char *value,
                                  bool is_inline);
    kith_err (*message_add_button)(kith_message *msg, const char *custom_id, const char *label,
                                   kith_button_style style);
    kith_err (*message_add_link_button)(kith_message *msg, const char *url, const char *label);
    kith_err (*message_set_select)(kith_message *msg, const char *custom_id,
                                   const char *placeholder, int min_values, int max_values);
    kith_err (*message_add_select_option)(kith_message *msg, const char *value, const char *label,
                                          const char *description);
    kith_err (*message_set_poll)(kith_message *msg, const struct kith_native_poll *poll);
    kith_err (*message_set_ephemeral)(kith_message *msg, bool ephemeral);
    kith_err (*message_attach_file)(kith_message *msg, const char *filename,
                                    const char *content_type, const void *data, size_t len);

    /* Platform actions. All asynchronous; done may be NULL. A returned error means nothing was
     * queued and done will not be called. */
    kith_err (*reply)(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                      const kith_message *msg, const struct kith_completion *done);
    /* Shorthand for a text-only reply; ephemeral where the platform can (else a normal one). */
    kith_err (*reply_text)(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                           const char *text, bool ephemeral);
    kith_err (*send)(struct kith_plugin_ctx *ctx, const struct kith_target *to,
                     const kith_message *msg, const struct kith_completion *done);
    kith_err (*edit)(struct kith_plugin_ctx *ctx, const struct kith_target *to,
                     const char *message_id, const kith_message *msg,
                     const struct kith_completion *done);
    kith_err (*delete_message)(struct kith_plugin_ctx *ctx, const struct kith_target *to,
                               const char *message_id, const char *reason,
                               const struct kith_completion *done);
    kith_err (*send_dm)(struct kith_plugin_ctx *ctx, const char *user_id, const kith_message *msg,
                        const struct kith_completion *done);
    kith_err (*moderate)(struct kith_plugin_ctx *ctx, const struct kith_moderation *action,
                         const struct kith_completion *done);

    /* In-memory timers: gone at restart, cancelled at unload. *timer_id_out may be NULL.
     * A delay that is a negative number converted (a moment already past) fires at once; a
     * repeat period above INT64_MAX (a negative one converted) is refused. */
    kith_err (*timer_start)(struct kith_plugin_ctx *ctx, uint64_t delay_ms, uint64_t repeat_ms,
                            kith_timer_fn fn, void *ud, kith_free_fn free_ud,
                            uint64_t *timer_id_out);
    kith_err (*timer_stop)(struct kith_plugin_ctx *ctx, uint64_t timer_id);

    /* Persistent jobs: on_job is called when due. */
    kith_err (*job_schedule)(struct kith_plugin_ctx *ctx, const char *server_id, const char *kind,
                             const char *payload, int64_t due_at_ms, int64_t *job_id_out);
    kith_err (*job_cancel)(struct kith_plugin_ctx *ctx, int64_t job_id);

    /* Settings, per server, validated against the plugin's declared schema. The value
     * returned through value_out is the stored value or the default; free it with free. */
    kith_err (*setting_get)(struct kith_plugin_ctx *ctx, const char *server_id, const char *key,
                            char **value_out);
    kith_err (*setting_get_int)(struct kith_plugin_ctx *ctx, const char *server_id, const char *key,
                                int64_t *value_out);
    kith_err (*setting_set)(struct kith_plugin_ctx *ctx, const char *server_id, const char *key,
                            const char *value, char **error_out /* free with free */);
    void (*free)(void *ptr); /* releases memory the host handed out */

    /* Role of a member on a server, as the core resolves it (platform admin, managers). */
    kith_err (*member_role)(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                            kith_role *role_out);

    /* Store access (see store.h). Statements belong to the plugin; finalize each one. */
    kith_err (*db_prepare)(struct kith_plugin_ctx *ctx, const char *sql, kith_stmt **stmt_out);
    kith_err (*db_bind_text)(kith_stmt *stmt, int index, const char *value);
    kith_err (*db_bind_int64)(kith_stmt *stmt, int index, int64_t value);
    kith_err (*db_bind_double)(kith_stmt *stmt, int index, double value);
    kith_err (*db_bind_null)(kith_stmt *stmt, int index);
    kith_err (*db_step)(kith_stmt *stmt, bool *has_row_out);
    const char *(*db_column_text)(kith_stmt *stmt, int column); /* valid until next step */
    int64_t (*db_column_int64)(kith_stmt *stmt, int column);
    double (*db_column_double)(kith_stmt *stmt, int column);
    bool (*db_column_is_null)(kith_stmt *stmt, int column);
    kith_err (*db_reset)(kith_stmt *stmt);
    void (*db_finalize)(kith_stmt *stmt);
    int64_t (*db_last_insert_id)(struct kith_plugin_ctx *ctx);
    int64_t (*db_changes)(struct kith_plugin_ctx *ctx);
    /* A transaction must end before the callback that began it returns; one left open is
     * rolled back (with a warning) then. Commit/rollback of another's transaction is refused. */
    kith_err (*db_begin)(struct kith_plugin_ctx *ctx);
    kith_err (*db_commit)(struct kith_plugin_ctx *ctx);
    kith_err (*db_rollback)(struct kith_plugin_ctx *ctx);
    /* Buffered write for high-rate data: applied in one transaction per tick or per batch. */
    kith_err (*db_write_buffered)(struct kith_plugin_ctx *ctx, const char *sql,
                                  const struct kith_db_value *params, size_t param_count);

    /* Clock: unix milliseconds (tests may move it). */
    int64_t (*now_ms)(struct kith_plugin_ctx *ctx);

    /* ---- ABI 1.1 ---- */

    /* Ends a native poll this plugin sent (message_id as its send result reported): Discord
     * expires it, Telegram stops it, Matrix gets an m.poll.end. Members can no longer vote and
     * the platform shows its final count. */
    kith_err (*poll_close)(struct kith_plugin_ctx *ctx, const struct kith_target *to,
                           const char *message_id, const struct kith_completion *done);
    /* Opens a form (see message.h) in answer to a command or component event, instead of a
     * reply. KITH_ERR_UNSUPPORTED where the platform has no forms (Telegram, Matrix) or the
     * event cannot open one: ask the questions one by one there. */
    kith_err (*show_form)(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                          const struct kith_form *form);
};

/* True when the host provides the named function (it was built with a newer or equal minor). */
#define KITH_HAS_API(host, fn)                                                                     \
    ((host)->size >= offsetof(struct kith_host, fn) + sizeof((host)->fn) && (host)->fn != NULL)

/* ---- The descriptor: const data, checked by the host before any plugin code runs. ---- */

struct kith_plugin {
    uint32_t abi_major; /* KITH_ABI_MAJOR */
    uint32_t abi_minor; /* KITH_ABI_MINOR */
    uint32_t size;      /* sizeof(struct kith_plugin) */
    const char *name;   /* [a-z][a-z0-9_]{0,31}; prefix of its tables */
    const char *version;
    const char *description;
    const char *license;

    const struct kith_command_decl *commands;
    size_t command_count;
    const struct kith_setting_decl *settings;
    size_t setting_count;
    const struct kith_migration *migrations;
    size_t migration_count;

    /* Called once after migrations; a non-OK return refuses the plugin. */
    kith_err (*init)(struct kith_plugin_ctx *ctx, const struct kith_host *host);
    /* Events from servers where the plugin is enabled, commands it declared among them. */
    void (*on_event)(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
    /* A persistent job of this plugin came due. */
    void (*on_job)(struct kith_plugin_ctx *ctx, const struct kith_job *job);
    /* Enablement changed on a server (an admin ran /kith enable|disable). May be NULL. */
    void (*on_enable)(struct kith_plugin_ctx *ctx, const char *server_id, bool enabled);
    /* Settings were changed or reloaded (server_id NULL = all, after SIGHUP). May be NULL. */
    void (*on_settings)(struct kith_plugin_ctx *ctx, const char *server_id);
    /* Before unload; the host then cancels the plugin's timers and pending completions. */
    void (*shutdown)(struct kith_plugin_ctx *ctx);

    /* ---- ABI 1.1: the host reads these only when `size` covers them. ---- */

    /* Checks a setting's value beyond its declared type (a pattern that must compile, a list
     * of ids) before it is stored, whoever changes it (/kith config, the plugin's own
     * setting_set). value is the normalised form. Return false to refuse, with a short
     * reason written into why (why_size bytes) that the admin is shown. May be NULL. */
    bool (*validate_setting)(struct kith_plugin_ctx *ctx, const char *server_id, const char *key,
                             const char *value, char *why, size_t why_size);
    /* A server got a new id (a Telegram group became a supergroup, whose chat id is new; its
     * one channel is the chat, so channel ids equal to from_id change too). The core has moved
     * its own rows (enablement, settings, managers, jobs); move the plugin's rows keyed by
     * from_id. May be NULL. */
    void (*on_server_moved)(struct kith_plugin_ctx *ctx, const char *from_id, const char *to_id);
};

/* The descriptor as ABI 1.0 knew it ended with shutdown: the smallest size the host accepts. */
#define KITH_PLUGIN_SIZE_1_0                                                                       \
    (offsetof(struct kith_plugin, shutdown) + sizeof(((const struct kith_plugin *)0)->shutdown))

/* True when the descriptor is long enough to hold the named field (it was built with a newer
 * or equal minor) and the field is set. */
#define KITH_PLUGIN_HAS(desc, field)                                                               \
    ((desc)->size >= offsetof(struct kith_plugin, field) + sizeof((desc)->field) &&                \
     (desc)->field != NULL)

#define KITH_PLUGIN_HEADER                                                                         \
    .abi_major = KITH_ABI_MAJOR, .abi_minor = KITH_ABI_MINOR, .size = sizeof(struct kith_plugin)

#ifdef __cplusplus
}
#endif

#endif
