/* Shared by the spam plugin's files: the host table, the plugin's state (per-server rule
 * configurations built once from the settings, the member tracker) and each file's entry
 * points. The rules themselves live in logic/ (pure, unit-tested). */
#ifndef SPAM_H
#define SPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kith/plugin.h>

#include "logic/rules.h"

/* The host table given to init; valid while the plugin is loaded. */
extern const struct kith_host *spam_host;

#define SPAM_ID_MAX 128

/* One server's rules, built from its settings on first use and dropped by on_settings and
 * on_enable, so a message costs no settings read. */
struct spam_server {
    char *server_id;
    struct spam_config cfg; /* the engine's rules, lists, ladder, expiry, dry_run */
    bool exempt_managers;
    char log_channel[SPAM_ID_MAX];    /* "" = none */
    char report_channel[SPAM_ID_MAX]; /* "" = the log channel */
    int64_t report_timeout_s;         /* what a report's Timeout button gives */
    int64_t raid_until_ms;            /* a raid is on until then (0 = none) */
    char ignored[512];        /* stored settings the engine refused ("" = none), for /spam rules */
    struct spam_server *next; /* in the same bucket */
    struct spam_server *newer, *older; /* in the recently-used list */
};

struct spam_tracker; /* members' recent messages and join times (spam_members.c) */

/* Cached servers are spread over this many buckets by a hash of the id, so finding the rules
 * of a message's server does not walk every server. */
#define SPAM_SERVER_BUCKETS 256
/* At most this many servers' rules are cached; the least recently used is dropped (and
 * rebuilt from its settings when its server is active again), so memory does not grow with
 * the number of servers kith has ever seen. */
#define SPAM_SERVER_CACHE_MAX 4096

struct spam_state {
    struct spam_server *servers[SPAM_SERVER_BUCKETS];
    struct spam_server *newest, *oldest; /* the cached servers by last use */
    size_t server_count;
    spam_windows *windows;      /* the engine's bounded sliding windows */
    spam_windows *edit_windows; /* scratch for edits, which must not count as new messages */
    struct spam_tracker *tracker;
    int64_t last_expire_ms; /* when idle windows were last swept */
};

static inline struct spam_state *spam_state(struct kith_plugin_ctx *ctx)
{
    return spam_host->state(ctx);
}

/* ---- spam_config.c: settings and the per-server rule cache ---- */
/* The size is part of the declaration so the descriptor can count it at compile time. */
#define SPAM_SETTING_COUNT 21
extern const struct kith_setting_decl spam_settings[SPAM_SETTING_COUNT];

/* The server's rules (built from its settings when not cached); NULL when out of memory.
 * Borrowed from the cache: valid until spam_servers_forget or a spam_server_get for another
 * server (which may evict it), so never hold one server while getting another. */
struct spam_server *spam_server_get(struct kith_plugin_ctx *ctx, const char *server_id);
/* True for one item of an exempt list: a mention (<@&123>, <#123>) or an id as platforms
 * write them; names ("Helpers") are not ids. */
bool spam_exempt_id_valid(const char *item, size_t len);
/* The descriptor's validate_setting: a rule, list or ladder text the engine cannot read is
 * refused before the core stores it, whoever sets it (/kith config as well as /spam set). */
bool spam_validate_setting(struct kith_plugin_ctx *ctx, const char *server_id, const char *key,
                           const char *value, char *why, size_t why_size);
/* spam_moved.c: the descriptor's on_server_moved. */
void spam_on_server_moved(struct kith_plugin_ctx *ctx, const char *from_id, const char *to_id);
/* Drops the cached rules of one server (NULL = every server). */
void spam_servers_forget(struct spam_state *state, const char *server_id);
/* Handlers of /spam set, /spam rules, /spam dry-run. */
void spam_command_set(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void spam_command_rules(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void spam_command_dry_run(struct kith_plugin_ctx *ctx, const struct kith_event *ev);

/* ---- spam_members.c: recent messages per member (bounded) and join times ---- */
struct spam_recent {
    char *message_id;
    char *channel_id;
    char *text; /* an excerpt, for reports' evidence */
    int64_t at_ms;
};
#define SPAM_RECENT_KEPT 12 /* the most messages one flood action deletes */

/* A tracker of at most max_members members (caller frees with spam_tracker_free); NULL when
 * out of memory. */
struct spam_tracker *spam_tracker_new(size_t max_members);
void spam_tracker_free(struct spam_tracker *t);
/* The member's join time (0 = unknown): remembered, else looked up once in the store. */
int64_t spam_tracker_joined_at(struct kith_plugin_ctx *ctx, struct spam_tracker *t,
                               const char *server_id, const char *member_id,
                               int64_t platform_joined_at_ms, int64_t now_ms);
void spam_tracker_set_joined(struct kith_plugin_ctx *ctx, struct spam_tracker *t,
                             const char *server_id, const char *member_id, int64_t joined_at_ms);
/* Remembers one message (its text cut to an excerpt). */
void spam_tracker_remember(struct spam_tracker *t, const char *server_id, const char *member_id,
                           const char *channel_id, const char *message_id, const char *text,
                           int64_t at_ms);
/* The member's remembered messages at or after since_ms, written to out (borrowed until the
 * next tracker call); returns how many. */
size_t spam_tracker_recent(struct spam_tracker *t, const char *server_id, const char *member_id,
                           int64_t since_ms, const struct spam_recent **out, size_t max);
/* Forgets the member's remembered messages (after they were deleted). */
void spam_tracker_clear_messages(struct spam_tracker *t, const char *server_id,
                                 const char *member_id);
/* Finds a remembered message of the server by id; the result and *author_out are borrowed
 * until the next tracker call. */
const struct spam_recent *spam_tracker_find_message(struct spam_tracker *t, const char *server_id,
                                                    const char *message_id,
                                                    const char **author_out);

/* ---- spam_guard.c: the message and join path ---- */
void spam_guard_message(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void spam_guard_join(struct kith_plugin_ctx *ctx, const struct kith_event *ev);

/* ---- spam_enforce.c: actions, strikes, escalation and the moderation log ---- */
struct spam_case {
    const char *server_id;
    const char *channel_id; /* where it happened, may be NULL */
    const char *member_id;
    const char *member_name; /* may be NULL */
    const char *rule;        /* "flood", "warn" (by a manager), "report", "escalation" */
    const char *reason;
    const char *evidence; /* the message text or what matched; may be NULL */
    const char *actor_id; /* the manager who acted, NULL for the automatic rules */
    const struct spam_recent *const *messages; /* to delete (each in its channel), may be none */
    size_t message_count;
};
/* Carries out `action` for the case: deletes, warns, times out, kicks or bans, adds a strike,
 * applies the escalation ladder, and writes the moderation log (in dry run: only the log). */
void spam_enforce(struct kith_plugin_ctx *ctx, struct spam_server *server,
                  const struct spam_case *c, const struct spam_action *action);
/* Posts a line to the server's moderation log channel (when set); text is borrowed. */
void spam_modlog(struct kith_plugin_ctx *ctx, const struct spam_server *server, const char *title,
                 const char *text);
/* How to mention a member in text on their platform ("<@42>" on Discord). */
void spam_mention(const char *member_id, const char *name, char *out, size_t size);
/* A reply that only the caller sees where the platform allows it. */
void spam_say(struct kith_plugin_ctx *ctx, const struct kith_event *ev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- spam_reports.c ---- */
void spam_command_report(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void spam_report_pressed(struct kith_plugin_ctx *ctx, const struct kith_event *ev);

/* ---- spam_commands.c: /warn, /strikes, /pardon ---- */
void spam_command_warn(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void spam_command_strikes(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void spam_command_pardon(struct kith_plugin_ctx *ctx, const struct kith_event *ev);

#endif
