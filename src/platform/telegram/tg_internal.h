/* What the files of the Telegram adapter share: its state and the internal interfaces between
 * the API client, pacing, update intake, rendering and the admin cache. */
#ifndef KITH_TG_INTERNAL_H
#define KITH_TG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "core/config.h"
#include "core/core.h"
#include "core/message.h"
#include "core/platform.h"

#define TG_PLATFORM "telegram"
#define TG_STATE_SCOPE "telegram"         /* offsets, poll chats */
#define TG_CBDATA_SCOPE "telegram:cbdata" /* long callback data */
#define TG_CALLBACK_DATA_MAX 64           /* bytes, Telegram's limit */
#define TG_TEXT_MAX 4096                  /* UTF-16 code units of a message */
#define TG_CAPTION_MAX 1024               /* ... of a document caption */
#define TG_ANSWER_TEXT_MAX 200            /* ... of an answerCallbackQuery notification */
#define TG_POLL_OPTIONS_MAX 12
#define TG_GROUP_WINDOW 20       /* messages per minute in one group */
#define TG_GLOBAL_WINDOW 30      /* messages per second overall */
#define TG_CHAT_INTERVAL_MS 1000 /* one message per second in one chat */
#define TG_ID_MAX 48             /* "telegram:<int64>" and a bit */

/* stopPoll's refusal of a poll that is closed already: for kith, the wanted outcome. */
#define TG_POLL_CLOSED "poll has already been closed"

struct tg;
struct tg_call;

/* ---- The API client (tg_api.c). ---- */

/* The outcome of one Bot API call; borrowed for the callback. */
struct tg_reply {
    kith_err err;            /* KITH_OK when Telegram answered ok:true */
    long status;             /* error_code (= HTTP status); 0 when no answer arrived */
    const cJSON *result;     /* ok: the result */
    const char *description; /* failure: Telegram's description or the transport error */
    int retry_after;         /* seconds, on 429 */
    int64_t migrate_to;      /* parameters.migrate_to_chat_id, 0 when absent */
};

typedef void (*tg_done_fn)(struct tg *tg, const struct tg_reply *reply, void *ud);

struct tg_call_opts {
    const char *method;
    const cJSON *params; /* printed as the JSON body; NULL = no parameters */
    const char *body;    /* instead of params: a ready body (multipart) */
    size_t body_len;
    const char *content_type; /* with body */
    int64_t pace_chat;        /* a message to this chat: paced and ordered; 0 = not paced */
    long timeout_ms;          /* 0 = 30 s */
    bool no_retry;            /* a 429 is reported instead of waited out */
    bool background;          /* the adapter's own (polling, lookups): cancelled at stop */
};

/* Queues a call; fn is called exactly once (KITH_ERR_CANCELLED when cancelled or destroyed),
 * never from inside this call. *call_out (may be NULL) identifies it for tg_call_cancel. */
kith_err tg_call(struct tg *tg, const struct tg_call_opts *opts, tg_done_fn fn, void *ud,
                 struct tg_call **call_out);
kith_err tg_call_json(struct tg *tg, const char *method, const cJSON *params, int64_t pace_chat,
                      tg_done_fn fn, void *ud);
/* fn gets KITH_ERR_CANCELLED before this returns. */
void tg_call_cancel(struct tg *tg, struct tg_call *call);
void tg_api_cancel_all(struct tg *tg);
void tg_api_cancel_background(struct tg *tg);
size_t tg_api_live(const struct tg *tg);
/* Hands a queued call to the HTTP client (the pacer decides when). */
void tg_api_transmit(struct tg *tg, struct tg_call *call);

/* The kith error for a Telegram failure (HTTP status and description). */
kith_err tg_error_kind(long status, const char *description);
/* "sendMessage: Bad Request: ..." plus a hint for members when the cause is known; free(). */
char *tg_error_detail_dup(const char *method, const struct tg_reply *reply);

/* What the pacer needs to know about a call. */
int64_t tg_call_chat(const struct tg_call *call);
uint64_t tg_call_not_before(const struct tg_call *call);
void tg_call_set_not_before(struct tg_call *call, uint64_t at);
struct tg_call **tg_call_next(struct tg_call *call);

/* ---- Pacing (tg_pace.c): per-chat queues, the group and global windows, 429 waits. ---- */

struct tg_chat_pace {
    struct tg_chat_pace *next;
    int64_t chat;
    struct tg_call *head, *tail;
    bool busy;              /* one call in flight keeps the chat's messages in order */
    uint64_t last_send;     /* loop ms; 0 = never */
    uint64_t blocked_until; /* loop ms, after a 429 for this chat */
    uint64_t window[TG_GROUP_WINDOW];
    size_t window_pos;
};

struct tg_pacer {
    struct tg_chat_pace *chats;
    struct tg_call *waiting; /* unpaced calls waiting out a 429 */
    uint64_t global[TG_GLOBAL_WINDOW];
    size_t global_pos;
    uv_timer_t *timer;
};

void tg_pace_enqueue(struct tg *tg, struct tg_call *call);
/* A 429: the chat (or, unpaced, the call alone) waits retry_after_s, then the call is sent again.
 */
void tg_pace_retry_later(struct tg *tg, struct tg_call *call, int retry_after_s);
/* A paced call finished (either way): its chat may send the next. */
void tg_pace_finished(struct tg *tg, struct tg_call *call);
/* Takes a call that has not been transmitted out of its queue (cancellation). */
void tg_pace_remove(struct tg *tg, struct tg_call *call);
void tg_pace_pump(struct tg *tg);
void tg_pace_free(struct tg *tg);

/* ---- Intake (tg_intake.c): updates handled one at a time, the offset stored after each. ---- */

struct tg_update {
    struct tg_update *next;
    cJSON *json;
    int64_t id;
};

struct tg_intake {
    struct tg_update *head, *tail;
    int64_t next_offset; /* the first update id not handled yet (stored) */
    int64_t last_queued;
    bool waiting;         /* the head waits for an admin list */
    bool running;         /* re-entrancy guard */
    int64_t *known_chats; /* chats seen since start (sorted): commands registered */
    size_t known_count, known_cap;
};

kith_err tg_intake_load_offset(struct tg *tg);
/* Takes the update; duplicates and already handled ids are dropped. */
void tg_intake_push(struct tg *tg, cJSON *update);
void tg_intake_run(struct tg *tg);
bool tg_intake_idle(const struct tg *tg);
void tg_intake_clear(struct tg *tg);
/* An admin lookup ended: the update waiting for it goes on. */
void tg_intake_admins_known(struct tg *tg);

/* ---- The webhook inbox (tg_inbox.c): accepted updates kept until handled. ---- */

/* Keeps a delivered update (its JSON text, borrowed) before Telegram is told 200. */
kith_err tg_inbox_keep(struct tg *tg, int64_t update_id, const char *json);
/* The update was handled (its offset stored): it leaves the inbox. */
void tg_inbox_forget(struct tg *tg, int64_t update_id);
/* At start, after the offset is loaded: pushes the kept updates not handled yet into the
 * intake (and drops the ones that were); returns how many were pushed. */
size_t tg_inbox_replay(struct tg *tg);

/* ---- Events (tg_event.c, tg_event_parts.c): update -> kith_event -> kith_core_dispatch. ---- */

/* kith_event_private.data of the events this adapter dispatches. */
struct tg_event_ctx {
    int64_t chat;       /* 0 when the update has no chat (poll answers in direct use) */
    int64_t thread;     /* forum topic, 0 when none */
    int64_t message_id; /* the message to answer, 0 when none */
    const char *callback_id;
    /* An ephemeral reply to a button press becomes the press's notification; its completion
     * waits for answerCallbackQuery. */
    char *answer_text;
    kith_action_fn answer_fn;
    void *answer_ud;
};

/* The group chat whose admins the update's author must be checked against (0: none), and
 * that author. */
int64_t tg_update_group_chat(const cJSON *update);
const char *tg_update_chat_title(const cJSON *update); /* NULL when none */
void tg_event_dispatch_update(struct tg *tg, const cJSON *update);

/* Parts of an event, filled from Telegram objects (tg_event_parts.c). */
struct tg_event_buf {
    struct kith_event ev;
    struct kith_event_private priv;
    struct tg_event_ctx ctx;
    char server_id[TG_ID_MAX], channel_id[TG_ID_MAX + 24], author_id[TG_ID_MAX];
    char message_id[TG_ID_MAX], reply_to_id[TG_ID_MAX];
    char *display_name;
    char *raw_json;
    const char **mentions;
    char **mention_store;
    size_t mention_count;
    const char **links;
    char **link_store;
    size_t link_count;
};

void tg_event_buf_init(struct tg *tg, struct tg_event_buf *b, kith_event_kind kind,
                       const cJSON *update);
void tg_event_buf_free(struct tg_event_buf *b);
/* Chat, thread, server and channel ids; private chats have no server. */
void tg_event_set_chat(struct tg_event_buf *b, const cJSON *chat, int64_t thread);
int64_t tg_message_thread(const cJSON *message); /* forum topic, 0 for none */
kith_err tg_event_set_author(struct tg *tg, struct tg_event_buf *b, const cJSON *user);
kith_err tg_event_set_message(struct tg_event_buf *b, const cJSON *message);

/* ---- Admins (tg_admins.c): getChatAdministrators, cached with a refresh. ---- */

struct tg_bot_rights {
    bool admin, can_delete, can_restrict;
};

struct tg_admin_chat {
    struct tg_admin_chat *next;
    int64_t chat;
    int64_t *users; /* administrators and the owner */
    size_t count;
    struct tg_bot_rights bot;
    uint64_t fetched_at; /* loop ms; 0 = never fetched */
    bool fetching;
    bool failed; /* the last fetch failed: used as it is until the next refresh */
};

struct tg_admins {
    struct tg_admin_chat *chats;
};

/* True when the chat's list can be used now (fresh, or a fetch just failed). */
bool tg_admins_ready(struct tg *tg, int64_t chat);
/* Starts a lookup unless one is running; tg_intake_admins_known is called when it ends.
 * False when no lookup could be started. */
bool tg_admins_fetch(struct tg *tg, int64_t chat);
bool tg_admins_is_admin(const struct tg *tg, int64_t chat, int64_t user);
/* False when the bot's rights in the chat are not known. */
bool tg_admins_bot_rights(const struct tg *tg, int64_t chat, struct tg_bot_rights *out);
void tg_admins_invalidate(struct tg *tg, int64_t chat);
void tg_admins_free(struct tg *tg);

/* ---- Rendering (tg_render.c) and callback data (tg_cbdata.c). ---- */

/* Title, text and fields as plain text with bold entities, cut to max_units UTF-16 units;
 * sets text_key and entities_key in params. *empty_out tells whether there was no text. */
kith_err tg_render_text(const kith_message *msg, size_t max_units, cJSON *params,
                        const char *text_key, const char *entities_key, bool *empty_out);
/* reply_markup from the buttons and select options; nothing when there are none. */
kith_err tg_render_keyboard(struct tg *tg, const kith_message *msg, cJSON *params);
/* question, options and settings of sendPoll; *why_out says what Telegram cannot show. */
kith_err tg_render_poll(const struct kith_message_poll *poll, cJSON *params, const char **why_out);
/* The number of UTF-16 code units of a UTF-8 string (Telegram's length unit). */
size_t tg_utf16_len(const char *s);
/* The byte length of the longest prefix of s within max_units UTF-16 units. */
size_t tg_utf8_prefix(const char *s, size_t max_units);

/* The callback_data of a button: the custom id itself when it fits, else a short key to it
 * stored in the store. value is a select option's value (NULL for buttons). */
kith_err tg_cbdata_encode(struct tg *tg, const char *custom_id, const char *value,
                          char out[TG_CALLBACK_DATA_MAX + 1]);
/* Back from callback_data: *custom_id_out and *value_out (NULL when none) are malloc'd. */
kith_err tg_cbdata_decode(struct tg *tg, const char *data, char **custom_id_out, char **value_out);

/* ---- Actions (tg_send.c, tg_moderate.c, tg_commands.c): the ops of the adapter. ---- */

kith_err tg_op_send(struct kith_platform *p, const struct kith_target *to, const kith_message *msg,
                    kith_action_fn fn, void *ud);
kith_err tg_op_reply(struct kith_platform *p, const struct kith_event *ev, const kith_message *msg,
                     kith_action_fn fn, void *ud);
kith_err tg_op_edit(struct kith_platform *p, const struct kith_target *to, const char *message_id,
                    const kith_message *msg, kith_action_fn fn, void *ud);
kith_err tg_op_send_dm(struct kith_platform *p, const char *user_id, const kith_message *msg,
                       kith_action_fn fn, void *ud);
/* Ends a native poll (stopPoll); one already closed counts as closed. */
kith_err tg_op_poll_close(struct kith_platform *p, const struct kith_target *to,
                          const char *message_id, kith_action_fn fn, void *ud);
kith_err tg_op_delete(struct kith_platform *p, const struct kith_target *to, const char *message_id,
                      const char *reason, kith_action_fn fn, void *ud);
kith_err tg_op_moderate(struct kith_platform *p, const struct kith_moderation *action,
                        kith_action_fn fn, void *ud);
kith_err tg_op_register_commands(struct kith_platform *p, const char *server_id,
                                 const struct kith_command_decl *const *commands, size_t count);
/* The commands every chat sees (kith's own) under the default scope, at start. */
void tg_register_default_commands(struct tg *tg);
void tg_commands_free(struct tg *tg);

/* One group's command registration: one setMyCommands at a time, so an older list can never
 * overwrite a newer one; a change meanwhile registers again once it is answered. */
struct tg_cmd_chat {
    struct tg_cmd_chat *next;
    int64_t chat;
    bool in_flight;
    bool again;
};

/* Sends one prepared step list to a chat and reports the last message id (tg_send.c). */
struct tg_step {
    const char *method;
    cJSON *params; /* owned by the step list */
};

/* ---- Moving a group's data when it becomes a supergroup (tg_migrate.c). ---- */

void tg_migrate_chat(struct tg *tg, int64_t from, int64_t to);

/* ---- Polling (tg_poll.c) and the webhook (tg_webhook.c). ---- */

struct tg_poller {
    struct tg_call *call; /* the pending getUpdates */
    uv_timer_t *timer;    /* backoff after errors */
    unsigned failures;
    bool active;
};

void tg_poll_start(struct tg *tg);
/* The intake finished the last batch: ask for the next. */
void tg_poll_next(struct tg *tg);
void tg_poll_stop(struct tg *tg);

struct kith_http_server;

struct tg_webhook {
    struct kith_http_server *server; /* freed with the websocket context */
    char secret[65];                 /* generated at each start, sent with setWebhook */
    bool registered;
    unsigned failures;
    uv_timer_t *timer; /* setWebhook retries */
};

kith_err tg_webhook_listen(struct tg *tg, char **error_out);
void tg_webhook_register(struct tg *tg);
void tg_webhook_detach(struct tg *tg);

/* ---- Small helpers (tg_util.c). ---- */

/* An integer member (numbers, or strings of digits as some ids are sent); fallback when absent. */
int64_t tg_json_int(const cJSON *obj, const char *name, int64_t fallback);
const char *tg_json_str(const cJSON *obj, const char *name); /* NULL when absent */
/* Adds an exact 64-bit integer (cJSON numbers are doubles). */
kith_err tg_json_add_int(cJSON *obj, const char *name, int64_t value);
/* "telegram:<n>" */
void tg_format_id(char *buf, size_t size, int64_t n);
/* Chat (and forum topic) of "telegram:-100123" or "telegram:-100123/45"; bare numbers too. */
bool tg_parse_chat(const char *id, int64_t *chat_out, int64_t *thread_out);
/* A user or message id: "telegram:42" or "42". */
bool tg_parse_int_id(const char *id, int64_t *out);
/* A libuv timer owned by the adapter: close with tg_timer_close (freed once closed). */
uv_timer_t *tg_timer_new(struct tg *tg);
void tg_timer_close(uv_timer_t **timer);
uint64_t tg_now(const struct tg *tg); /* the loop's monotonic clock, ms */

/* ---- The adapter. ---- */

struct tg {
    struct kith_platform base;
    struct kith_core *core;
    const struct kith_telegram_config *cfg;
    uv_loop_t *loop;
    struct kith_http *http;
    char *api_prefix; /* "<api_base>/bot<token>/": contains the secret token */

    int64_t bot_id;
    char *bot_username;
    bool started;  /* getMe answered: intake may run */
    bool running;  /* between start and stop */
    bool stopping; /* stop asked: finishing what is in flight */
    bool stop_reported;
    bool destroying;
    uv_timer_t *start_timer;
    uv_timer_t *stop_timer;
    unsigned start_failures;

    struct tg_pacer pacer;
    struct tg_call *calls; /* every live call */
    size_t live_calls;
    struct tg_intake intake;
    struct tg_admins admins;
    struct tg_poller poller;
    struct tg_webhook webhook;
    struct tg_cmd_chat *cmd_chats;
};

static inline struct tg *tg_of(struct kith_platform *p)
{
    return (struct tg *)p->impl;
}

/* Called whenever work finishes while stopping: reports the stop once nothing is left. */
void tg_check_stopped(struct tg *tg);

#endif
