/* The Matrix adapter: kithd as a client of a Matrix homeserver (client-server API v3).
 * This header is the adapter's entry point for the platform table and the internal interface
 * shared by the files of src/platform/matrix/. */
#ifndef KITH_PLATFORM_MATRIX_H
#define KITH_PLATFORM_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "core/config.h"
#include "core/message.h"
#include "core/platform.h"

struct kith_core;
struct kith_http;

/* ---- Entry points (src/platform/platforms.c). ---- */
bool kith_matrix_enabled(const struct kith_config *cfg);
kith_err kith_matrix_create(struct kith_core *core, const struct kith_config *cfg,
                            struct kith_platform **out, char **error_out);

/* ---- Internal. ---- */

#define MX_PLATFORM "matrix"
#define MX_CLIENT "/_matrix/client/v3"
#define MX_STATE_SCOPE "matrix" /* kith_db_state scope of the adapter's own keys */

enum mx_phase {
    MX_IDLE = 0,
    MX_CONNECTING, /* login / whoami */
    MX_RUNNING,    /* syncing */
    MX_STOPPING,   /* waiting for in-flight actions */
    MX_STOPPED,
    MX_FAILED, /* the homeserver refused the credentials: nothing more is tried */
};

struct mx_call;   /* mx_api.c */
struct mx_sync;   /* mx_sync.c */
struct mx_room;   /* mx_power.c */
struct mx_outbox; /* mx_outbox.c */

/* Where an event being dispatched came from; kith_event.priv->data points at one. */
struct mx_event_ctx {
    const char *room_id;
    const char *event_id; /* the event itself */
    const char *reply_to; /* the message an answer should quote (the event, or what it reacts to) */
    const char *sender;
    unsigned replies; /* answers made while dispatching: numbers their transaction ids */
};

struct mx {
    struct kith_platform base;
    struct kith_core *core;
    const struct kith_matrix_config *cfg;
    uv_loop_t *loop;
    struct kith_http *http;
    char *homeserver; /* base URL without a trailing '/' */
    char *token;      /* the access token in use (secret) */
    char *auth_header;
    char *user_id;     /* the bot's own id, from whoami */
    bool token_stored; /* the token came from an earlier password login */
    enum mx_phase phase;

    struct mx_call *calls;  /* every live call (in flight or waiting to retry) */
    uv_timer_t retry_timer; /* calls waiting to retry */
    uv_timer_t sync_timer;  /* the next /sync after an error */
    struct mx_sync *sync;
    struct mx_room *rooms;
    struct mx_outbox *outbox;
    struct mx_event_ctx *dispatching; /* set while an event is in kith_core_dispatch */
    size_t actions_pending;           /* plugin actions not yet completed */
    int handles_open;
};

/* ---- mx_api.c: client-server calls over the async HTTP client. ---- */

/* The outcome of a call, borrowed for the callback. err is KITH_OK for a 2xx. */
struct mx_reply {
    kith_err err;
    long status;
    const cJSON *json;       /* the parsed body, or NULL */
    const char *errcode;     /* "M_FORBIDDEN", ..., or NULL */
    const char *error;       /* the homeserver's message or the transport error, or NULL */
    const char *retry_after; /* the Retry-After header, or NULL */
};

typedef void (*mx_done_fn)(struct mx *mx, const struct mx_reply *reply, void *ud);

struct mx_request {
    const char *method;       /* a string literal */
    const char *path;         /* after the homeserver URL, with the query; copied */
    const char *body;         /* copied; NULL for none */
    size_t body_len;          /* 0: strlen(body) */
    const char *content_type; /* NULL: application/json when there is a body */
    long timeout_ms;          /* 0: the client's default */
    bool anonymous;           /* no Authorization header (login) */
    const char *secret;       /* extra text to keep out of logs (the password) */
    int attempts;             /* tries for transient failures (transport, 5xx, 429); 0 means 1 */
};

/* done is called exactly once (KITH_ERR_CANCELLED when cancelled), never from inside this
 * call. *call_out (may be NULL) identifies the call for mx_call_cancel. */
kith_err mx_call_start(struct mx *mx, const struct mx_request *req, mx_done_fn done, void *ud,
                       struct mx_call **call_out);
void mx_call_cancel(struct mx *mx, struct mx_call *call);
/* Cancels the calls waiting to retry (stop: their work is persisted or given up). */
void mx_calls_cancel_waiting(struct mx *mx);
void mx_calls_cancel_all(struct mx *mx);
/* A kith_result detail for a failed reply: "M_FORBIDDEN: <message>" (malloc'd, may be NULL). */
char *mx_reply_detail_dup(const struct mx_reply *reply);
/* Milliseconds to wait after a 429: retry_after_ms in the body, else Retry-After (seconds),
 * else fallback_ms. */
uint64_t mx_retry_after_ms(const cJSON *body, const char *retry_after_header, uint64_t fallback_ms);

/* ---- matrix.c: lifecycle. ---- */

/* The homeserver rejected the token (M_UNKNOWN_TOKEN): the adapter stops for good. */
void mx_token_rejected(struct mx *mx, const char *message);
/* Login and whoami are done: replay the outbox and start syncing. */
void mx_connected(struct mx *mx);
/* One plugin action finished (for the graceful stop). */
void mx_action_finished(struct mx *mx);

/* ---- mx_login.c: credentials. ---- */

/* Uses the configured token, or the one stored by an earlier login, or logs in with the
 * password; then whoami. Calls mx_connected, or logs and gives up (mx->phase = MX_FAILED). */
kith_err mx_login_start(struct mx *mx);
kith_err mx_set_token(struct mx *mx, const char *token);

/* ---- mx_sync.c: the /sync loop. ---- */
kith_err mx_sync_new(struct mx *mx);
void mx_sync_start(struct mx *mx);
void mx_sync_stop(struct mx *mx); /* cancels the poll in flight; what was handled stays handled */
void mx_sync_free(struct mx *mx);

/* ---- mx_events.c: room events into kith events. ---- */

/* Turns one timeline event into a kith event and dispatches it (own events are skipped). */
void mx_event_handle(struct mx *mx, const char *room_id, const cJSON *event);

/* ---- mx_choices.c: numbered choices (buttons, select options). ---- */

/* Remembers the choices of a message the bot sent or edited (event id unprefixed); an edit
 * without choices forgets the message's earlier ones. */
kith_err mx_choices_remember(struct mx *mx, const char *room_id, const char *event_id,
                             const kith_message *msg, bool edited);
/* The custom id (and select value, may be NULL) of choice `number` (1-based) on a message;
 * event_id NULL: the room's latest message with choices. Strings are malloc'd. */
kith_err mx_choices_lookup(struct mx *mx, const char *room_id, const char *event_id, int number,
                           char **custom_id_out, char **value_out, char **event_id_out);
/* The choice number a reaction key stands for (1️⃣..🔟, "1".."25"), or 0. */
int mx_choices_number_from_key(const char *key);
/* The keycap emoji for 1..10, else NULL. */
const char *mx_choices_keycap(int number);

/* ---- mx_polls.c: native polls (MSC3381), their end, and which responses count. ---- */

/* Remembers a poll start event seen in a room (either form): its answers, question, sender. */
kith_err mx_polls_remember(struct mx *mx, const char *event_id, const cJSON *event);
/* Remembers a poll the bot just sent (msg->poll set), before its event comes back by sync. */
kith_err mx_polls_remember_sent(struct mx *mx, const char *event_id, const kith_message *msg);
/* An m.poll.end (either form) in the timeline: responses after it no longer count. */
void mx_polls_end_seen(struct mx *mx, const char *room_id, const cJSON *event);

enum mx_vote {
    MX_VOTE_COUNTS,    /* indexes hold the member's whole choice (none: vote retracted) */
    MX_VOTE_SPOILED,   /* only unknown answers: neither a vote nor a retraction */
    MX_VOTE_AFTER_END, /* the poll has ended: ignored, as MSC3381 says */
};
/* The zero-based answers a response's selections stand for (indexes has room for one per
 * selection): unknown ones dropped, repeats once, at most the poll's max_selections. */
enum mx_vote mx_polls_read_vote(struct mx *mx, const char *poll_event_id, const cJSON *selections,
                                int *indexes, size_t *count_out);

/* ---- mx_render.c: portable message into event content. ---- */

struct mx_render_opts {
    const char *reply_to;  /* event id to quote (m.in_reply_to), or NULL */
    const char *mention;   /* user id to mention (m.mentions), or NULL */
    const char *replaces;  /* event id this edits (m.replace), or NULL */
    const char *media_url; /* mxc:// URI of the uploaded attachment, or NULL */
};

/* The event type (a string literal) and content (caller deletes) for msg. */
kith_err mx_render(const kith_message *msg, const struct mx_render_opts *opts,
                   const char **type_out, cJSON **content_out);

/* ---- mx_power.c: room state (power levels, creators) and who is admin. ---- */

/* Applies a state event (m.room.power_levels, m.room.create, m.room.member) to the room. */
void mx_room_apply_state(struct mx *mx, const char *room_id, const cJSON *event);
/* True when the room's power levels are known (seen, or loaded from the store). */
bool mx_room_known(struct mx *mx, const char *room_id);
bool mx_room_is_admin(struct mx *mx, const char *room_id, const char *user_id);
/* A member's display name when the room told it, else NULL (borrowed). */
const char *mx_room_display_name(struct mx *mx, const char *room_id, const char *user_id);
void mx_rooms_free(struct mx *mx);

/* ---- mx_outbox.c: transaction ids stored before the request. ---- */
kith_err mx_outbox_new(struct mx *mx);
void mx_outbox_free(struct mx *mx);
/* A fresh transaction id (malloc'd): derived from the event being answered when there is one,
 * so answering the same event again after a crash reuses the same ids. */
char *mx_txn_new(struct mx *mx, struct mx_event_ctx *answering);
/* A transaction id fixed by what it is about ("<tag><hash of event_id>", malloc'd): doing the
 * same thing to the same event again, even after a restart, reuses it. */
char *mx_txn_derived_dup(const char *tag, const char *event_id);
/* Stores PUT path+body under txn, then sends it; retried with the same txn on transient
 * failures; removed from the store once the homeserver answered for good. */
kith_err mx_outbox_put(struct mx *mx, const char *txn, const char *path, const char *body,
                       mx_done_fn done, void *ud);
/* Sends again whatever a previous run left unanswered. */
void mx_outbox_replay(struct mx *mx);

/* ---- mx_actions.c / mx_moderate.c: the adapter operations. ---- */
kith_err mx_op_send(struct kith_platform *p, const struct kith_target *to, const kith_message *msg,
                    kith_action_fn fn, void *ud);
kith_err mx_op_reply(struct kith_platform *p, const struct kith_event *ev, const kith_message *msg,
                     kith_action_fn fn, void *ud);
kith_err mx_op_edit(struct kith_platform *p, const struct kith_target *to, const char *message_id,
                    const kith_message *msg, kith_action_fn fn, void *ud);
kith_err mx_op_send_dm(struct kith_platform *p, const char *user_id, const kith_message *msg,
                       kith_action_fn fn, void *ud);
kith_err mx_op_delete(struct kith_platform *p, const struct kith_target *to, const char *message_id,
                      const char *reason, kith_action_fn fn, void *ud);
kith_err mx_op_moderate(struct kith_platform *p, const struct kith_moderation *action,
                        kith_action_fn fn, void *ud);
/* mx_polls.c: sends m.poll.end for the bot's poll message_id. */
kith_err mx_op_poll_close(struct kith_platform *p, const struct kith_target *to,
                          const char *message_id, kith_action_fn fn, void *ud);

/* ---- mx_text.c: small text helpers. ---- */

/* Percent-encodes one path segment or query value (malloc'd). */
char *mx_escape_dup(const char *text);
/* Decodes %XX escapes in the first len bytes (malloc'd). */
char *mx_unescape_dup(const char *text, size_t len);
/* "<b>"-safe HTML of plain text, newlines as <br> (malloc'd). */
char *mx_html_escape_dup(const char *text);
/* The body without the "> <@user> quoted" reply fallback at its start (points into body). */
const char *mx_strip_reply_fallback(const char *body);
/* The room of a target: channel_id, else server_id, without the "matrix:" prefix. */
const char *mx_target_room(const struct kith_target *to);
/* "matrix:<local>" (malloc'd). */
char *mx_prefixed_dup(const char *local);
/* Writes "/name" as "!name" in place for every whole-word command in names: Matrix clients
 * keep "/" for their own commands, so members type "!" and kith's texts should say so. */
void mx_bang_commands(char *text, const char *const *names, size_t count);

#endif
