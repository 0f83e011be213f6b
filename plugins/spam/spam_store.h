/* The spam plugin's tables: the actions log, strikes, reports and members' join times. Only
 * actions, strikes and reports are written; nothing here runs for an ordinary message. */
#ifndef SPAM_STORE_H
#define SPAM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kith/plugin.h>

#define SPAM_MIGRATION_COUNT 2
extern const struct kith_migration spam_migrations[SPAM_MIGRATION_COUNT];

/* One row of the actions log (buffered: nothing reads it back at once). */
struct spam_action_row {
    const char *server_id;
    const char *user_id;
    const char *channel_id; /* may be NULL */
    const char *message_id; /* may be NULL */
    const char *rule;
    const char *action; /* "delete", "timeout:1h", ... */
    const char *reason;
    const char *evidence; /* may be NULL */
    bool dry_run;
    int64_t at_ms;
};
kith_err spam_store_log_action(struct kith_plugin_ctx *ctx, const struct spam_action_row *row);

/* Adds a strike that counts until expires_at_ms (written at once: the ladder reads it). */
kith_err spam_store_add_strike(struct kith_plugin_ctx *ctx, const char *server_id,
                               const char *user_id, const char *rule, const char *reason,
                               int64_t now_ms, int64_t expires_at_ms);
/* The times of the member's active strikes (not pardoned, not expired), newest first, at
 * most max into times_out; *count_out says how many were written. */
kith_err spam_store_strike_times(struct kith_plugin_ctx *ctx, const char *server_id,
                                 const char *user_id, int64_t now_ms, int64_t *times_out,
                                 size_t max, size_t *count_out);

/* Active strikes of a member, newest first, one line each ("2026-01-01 12:00 flood: ...")
 * appended to out (at most max lines); *shown_out counts them. */
kith_err spam_store_list_strikes(struct kith_plugin_ctx *ctx, const char *server_id,
                                 const char *user_id, int64_t now_ms, size_t max, char *out,
                                 size_t size, int *shown_out);

/* Pardons every active strike of a member; *cleared_out says how many. */
kith_err spam_store_pardon(struct kith_plugin_ctx *ctx, const char *server_id, const char *user_id,
                           int64_t now_ms, int *cleared_out);

/* Members: the join time (0 = unknown) recorded for a member (*known_out: a row exists), and
 * recording one (buffered). */
kith_err spam_store_member_joined_at(struct kith_plugin_ctx *ctx, const char *server_id,
                                     const char *user_id, int64_t *joined_at_out, bool *known_out);
kith_err spam_store_member_seen(struct kith_plugin_ctx *ctx, const char *server_id,
                                const char *user_id, int64_t first_seen_ms, int64_t joined_at_ms);

/* Reports. */
struct spam_report {
    int64_t id;
    char server_id[128];
    char reporter_id[128];
    char target_user_id[128];    /* "" when unknown */
    char target_message_id[128]; /* "" when the report names a member */
    char target_channel_id[128];
    char reason[512];
    char evidence[512];
    int64_t first_action_at; /* 0: no moderator acted yet */
};
kith_err spam_store_report_add(struct kith_plugin_ctx *ctx, const struct spam_report *report,
                               int64_t now_ms, int64_t *id_out);
/* How many reports the member filed on the server since since_ms. */
kith_err spam_store_reports_since(struct kith_plugin_ctx *ctx, const char *server_id,
                                  const char *reporter_id, int64_t since_ms, int *count_out);
kith_err spam_store_report_get(struct kith_plugin_ctx *ctx, int64_t id, struct spam_report *out);
/* Records the first moderator action only (later presses keep the first time). */
kith_err spam_store_report_acted(struct kith_plugin_ctx *ctx, int64_t id, const char *moderator_id,
                                 const char *action, int64_t now_ms);

#endif
