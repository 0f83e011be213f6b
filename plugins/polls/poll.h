/* The poll half of the polls plugin: what its files share (the host table, the stored poll,
 * the handlers polls.c dispatches to). Surveys have their own interface in survey.h. */
#ifndef KITH_POLLS_POLL_H
#define KITH_POLLS_POLL_H

#include <stdbool.h>
#include <stdint.h>

#include <kith/plugin.h>

#include "logic/text_buf.h"
#include "logic/poll_render.h"
#include "logic/poll_tally.h"

/* The host table polls.c received in init; valid while the plugin is loaded. */
extern const struct kith_host *poll_host;

/* Job kind of a poll's scheduled close; the payload is the poll id in decimal. */
#define POLL_JOB_CLOSE "poll_close"
/* At most one live edit of a poll's message per this many milliseconds. */
#define POLL_EDIT_INTERVAL_MS 2000

/* One poll as stored (polls_polls and polls_options). Strings are owned by the record. */
struct poll_record {
    int64_t id;
    char *server_id, *channel_id, *platform, *creator_id, *question;
    char *salt;       /* anonymous polls while open: hex salt of the voter hashes; else NULL */
    char *message_id; /* the poll's message once posted, else NULL */
    bool multi, anonymous, hidden, native;
    int64_t job_id;        /* the scheduled close, 0 when none */
    int64_t created_at_ms; /* unix ms */
    int64_t closes_at_ms;  /* 0: open until closed by hand */
    int64_t closed_at_ms;  /* 0: open */
    char **options;
    size_t option_count;
};

/* ---- poll_store.c: the plugin's tables. ---- */

extern const char poll_schema_sql[]; /* migration 1 */

/* Stores a new poll and its options (the caller holds a transaction); sets p->id. */
kith_err poll_store_insert(struct kith_plugin_ctx *ctx, struct poll_record *p);
/* The poll with that id; *out is the caller's (poll_record_free). KITH_ERR_NOT_FOUND when none. */
kith_err poll_store_load(struct kith_plugin_ctx *ctx, int64_t id, struct poll_record **out);
/* The id of the poll whose message is message_id on server_id; KITH_ERR_NOT_FOUND when none. */
kith_err poll_store_find_by_message(struct kith_plugin_ctx *ctx, const char *server_id,
                                    const char *message_id, int64_t *id_out);
kith_err poll_store_set_message(struct kith_plugin_ctx *ctx, int64_t id, const char *message_id);
kith_err poll_store_set_job(struct kith_plugin_ctx *ctx, int64_t id, int64_t job_id);
/* The member's current choice (voter is the stored key: id or salted hash). */
kith_err poll_store_choice(struct kith_plugin_ctx *ctx, int64_t id, const char *voter,
                           poll_choice *out);
/* Replaces the member's choice `before` (as poll_store_choice read it) with `after` (the caller
 * holds a transaction). voter_name may be NULL. */
kith_err poll_store_replace_choice(struct kith_plugin_ctx *ctx, int64_t id, const char *voter,
                                   const char *voter_name, poll_choice before, poll_choice after,
                                   int64_t now_ms);
kith_err poll_store_tally(struct kith_plugin_ctx *ctx, const struct poll_record *p,
                          struct poll_tally *out);
/* Calls fn for every vote of a poll, oldest first (voter_name NULL for anonymous polls). */
typedef void (*poll_vote_fn)(void *ud, const char *voter, const char *voter_name, size_t option,
                             int64_t voted_at_ms);
kith_err poll_store_each_vote(struct kith_plugin_ctx *ctx, int64_t id, poll_vote_fn fn, void *ud);
/* Whether the poll's message lacks votes counted since its last edit (survives restarts). */
kith_err poll_store_set_stale(struct kith_plugin_ctx *ctx, int64_t id, bool stale);
/* Open polls whose message is stale, at most max of them. */
kith_err poll_store_stale_ids(struct kith_plugin_ctx *ctx, int64_t *ids, size_t max,
                              size_t *count_out);
/* Marks the poll closed at now_ms and forgets its salt. */
kith_err poll_store_close(struct kith_plugin_ctx *ctx, int64_t id, int64_t now_ms);
/* Open polls of a server, oldest first, at most limit; *out and each record are the caller's
 * (poll_records_free). */
kith_err poll_store_list_open(struct kith_plugin_ctx *ctx, const char *server_id, size_t limit,
                              struct poll_record ***out, size_t *count_out);
void poll_record_free(struct poll_record *p);
void poll_records_free(struct poll_record **list, size_t count);

/* ---- poll_post.c: shared helpers for answering and posting. ---- */

/* Sends text to a channel; failures are logged. */
void poll_post_text(struct kith_plugin_ctx *ctx, const char *server_id, const char *channel_id,
                    const char *text);
/* Replies with printf-style text; ephemeral where the platform can. */
void poll_say(struct kith_plugin_ctx *ctx, const struct kith_event *ev, bool ephemeral,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "2026-01-01 12:00 UTC" */
void poll_format_time(int64_t unix_ms, char *buf, size_t size);
/* The view of a stored poll and its tally (borrows both; closes_at_buf holds the time). */
struct poll_view poll_view_of(const struct poll_record *p, const struct poll_tally *t,
                              char *closes_at_buf, size_t buf_size);
/* Renders the poll's message (buttons while open and not native) into msg. */
kith_err poll_build_message(kith_message *msg, const struct poll_record *p,
                            const struct poll_tally *t);
/* A completion that only logs a failure of what (a static string). */
struct kith_completion poll_log_completion(const char *what);
/* Reads the "<id>" option; answers the member and returns NULL when the poll is not on this
 * server. The record is the caller's. */
struct poll_record *poll_from_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev);

/* ---- The handlers polls.c dispatches to. ---- */

/* poll_create.c */
void poll_create(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
/* poll_vote.c */
void poll_on_press(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void poll_on_native_vote(struct kith_plugin_ctx *ctx, const struct kith_event *ev);

/* polls_moved.c: the descriptor's on_server_moved. */
void polls_on_server_moved(struct kith_plugin_ctx *ctx, const char *from_id, const char *to_id);
/* poll_close.c */
void poll_close_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void poll_on_close_job(struct kith_plugin_ctx *ctx, const struct kith_job *job);
/* Closes the poll: store, platform (final edit or native close), results message. */
kith_err poll_close_now(struct kith_plugin_ctx *ctx, int64_t id, bool from_job);
/* Closes a poll that never made it to the platform: no edit, no results message. */
void poll_discard(struct kith_plugin_ctx *ctx, int64_t id);
/* poll_report.c */
void poll_results_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void poll_list_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
/* poll_export.c */
void poll_export_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev);

/* ---- poll_live.c: rate-limited, coalesced edits of the poll's message. ---- */

struct poll_live; /* the plugin state: pending edits */
struct poll_live *poll_live_new(void);
void poll_live_free(void *live);
/* A vote changed the poll: edit its message soon (at most once per POLL_EDIT_INTERVAL_MS). */
void poll_live_touch(struct kith_plugin_ctx *ctx, int64_t id);
/* The poll closed: drop its pending edit. */
void poll_live_forget(struct kith_plugin_ctx *ctx, int64_t id);
/* After a start: edit the messages that missed votes before kithd stopped. */
kith_err poll_live_catch_up(struct kith_plugin_ctx *ctx);

#endif
