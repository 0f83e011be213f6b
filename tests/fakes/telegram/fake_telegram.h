/* The fake Telegram Bot API: shared state of its files (routing and arguments, updates and
 * long polling, webhook delivery, messages and polls, chats and moderation, control API). */
#ifndef KITH_FAKE_TELEGRAM_H
#define KITH_FAKE_TELEGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "fake_server.h"

#define TGF_BOT_ID 7000001
#define TGF_CHANNEL_BOT_ID 136817688 /* @Channel_Bot: the user named for anonymous admins */
#define TGF_TEXT_MAX 4096
#define TGF_DELETE_WINDOW_S (48 * 3600)
#define TGF_GROUP_PER_MINUTE 20
#define TGF_GLOBAL_PER_SECOND 30

/* A fault armed through /_control/fault for the next `count` calls of a method ("*": any). */
enum tgf_fault_kind { TGF_FAULT_STATUS, TGF_FAULT_DROP, TGF_FAULT_STALL, TGF_FAULT_RESET };

struct tgf_fault {
    struct tgf_fault *next;
    char method[48]; /* lower case, or "*" */
    enum tgf_fault_kind kind;
    int status;
    int retry_after;
    int after_ms; /* RESET: how long the poll is held before the connection drops */
    char description[160];
    int count;
};

/* A request held without an answer (stall and reset faults). */
struct tgf_held {
    struct tgf_held *next;
    struct tgf *tg;
    struct fake_request *req;
    uv_timer_t *timer; /* RESET: drops it when due; NULL for a stall */
};

struct tgf_chat {
    struct tgf_chat *next;
    int64_t id;
    char type[16]; /* private, group, supergroup */
    char *title;
    int64_t owner;
    int64_t *admins;
    size_t admin_count;
    bool bot_admin, bot_can_delete, bot_can_restrict;
    int64_t migrated_to; /* a group that became this supergroup */
    int64_t next_message_id;
    cJSON *messages;      /* [{message_id, date, from_bot, from_id, text?, reply_markup?, ...}] */
    cJSON *bans;          /* {"<user>": until_date} */
    cJSON *restrictions;  /* {"<user>": {until_date, permissions}} */
    uint64_t flood_until; /* loop ms: sends answered 429 until then */
    uint64_t sends[TGF_GROUP_PER_MINUTE];
    size_t send_pos;
};

struct tgf_poll_wait {
    struct fake_request *req;
    uv_timer_t *timer;
    int64_t limit;
};

struct tgf_delivery; /* a webhook POST in flight (tgf_webhook.c) */

struct tgf {
    struct fake_server *srv;
    uv_loop_t *loop;
    const char *token;
    const char *username;

    cJSON *updates; /* queued, oldest first */
    int64_t next_update_id;
    cJSON *allowed; /* the update kinds kept (set by getUpdates / setWebhook) */
    struct tgf_poll_wait *poll;

    char *webhook_url;
    char *webhook_secret;
    struct tgf_delivery *delivery;
    uv_timer_t *webhook_timer; /* retry after a refused delivery */
    int webhook_failures;

    struct tgf_chat *chats;
    cJSON *private_users; /* ids that opened a private chat with the bot */
    cJSON *callbacks;     /* {"<id>": {"answered": bool, "text": ...}} */
    int64_t next_callback;
    cJSON *polls; /* {"<poll id>": {chat_id, message_id, voters: {"<user>": [option ids]}}} */
    int64_t next_poll;
    cJSON *commands; /* {"<scope key>": [commands]} */
    uint64_t global_sends[TGF_GLOBAL_PER_SECOND];
    size_t global_pos;

    struct tgf_fault *faults;
    struct tgf_held *held;
    bool closing;
};

/* ---- Answers (fake_telegram.c). ---- */
void tgf_ok(struct fake_request *req, cJSON *result /* taken */);
void tgf_error(struct fake_request *req, int code, const char *description);
void tgf_error_params(struct fake_request *req, int code, const char *description, int retry_after,
                      int64_t migrate_to);
int64_t tgf_now_s(void);
size_t tgf_utf16_len(const char *s); /* Telegram's length unit */
uint64_t tgf_ms(const struct tgf *tg);

/* ---- Arguments: JSON, form or query values, strings holding JSON where objects go. ---- */
bool tgf_arg_int(const cJSON *args, const char *name, int64_t *out);
const char *tgf_arg_str(const cJSON *args, const char *name);
bool tgf_arg_bool(const cJSON *args, const char *name, bool fallback);
cJSON *tgf_arg_json_dup(const cJSON *args, const char *name); /* NULL when absent or bad */
/* JSON text of an id (exact for 64-bit values). */
cJSON *tgf_id_new(int64_t id);
int64_t tgf_json_id(const cJSON *obj, const char *name);

/* ---- Multipart bodies (tgf_multipart.c). ---- */
/* An object of the form fields (strings); a file field becomes {filename, content_type,
 * size}. NULL when the body is not multipart/form-data. */
cJSON *tgf_multipart_parse_new(const char *content_type, const char *body, size_t len);

/* ---- Updates (tgf_updates.c). ---- */
/* Queues an update (taken) with the next update_id unless its kind is filtered out; the id,
 * or -1 when it was dropped. */
int64_t tgf_update_queue(struct tgf *tg, cJSON *update);
void tgf_get_updates(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_set_webhook(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_delete_webhook(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_webhook_info(struct tgf *tg, struct fake_request *req);
void tgf_updates_free(struct tgf *tg);

/* ---- Webhook delivery (tgf_webhook.c). ---- */
/* Delivers the oldest queued update when a webhook is set and nothing is in flight. */
void tgf_webhook_kick(struct tgf *tg);
void tgf_webhook_free(struct tgf *tg);

/* ---- Chats and moderation (tgf_chats.c). ---- */
struct tgf_chat *tgf_chat_find(struct tgf *tg, int64_t id);
struct tgf_chat *tgf_chat_get(struct tgf *tg, int64_t id, const char *type); /* creates */
bool tgf_chat_is_admin(const struct tgf_chat *c, int64_t user);
cJSON *tgf_chat_json(const struct tgf_chat *c);
cJSON *tgf_user_json(int64_t id, const char *name);
/* The chat of chat_id for a method; answers the error (unknown, migrated) and returns NULL. */
struct tgf_chat *tgf_chat_for(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_get_admins(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_moderate(struct tgf *tg, struct fake_request *req, const char *method, const cJSON *args);
void tgf_chats_free(struct tgf *tg);

/* ---- Messages, polls, buttons, commands (tgf_messages.c, tgf_polls.c). ---- */
/* Appends a message to a chat's history; returns it (borrowed). */
cJSON *tgf_message_add(struct tgf_chat *c, int64_t from, bool from_bot, int64_t date);
cJSON *tgf_message_find(const struct tgf_chat *c, int64_t message_id);
/* A 429 for a flooded chat or one past Telegram's limits; true when it answered. */
bool tgf_flood_check(struct tgf *tg, struct tgf_chat *c, struct fake_request *req);
void tgf_send_message(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_send_document(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_edit_message(struct tgf *tg, struct fake_request *req, const cJSON *args,
                      bool markup_only);
void tgf_delete_message(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_answer_callback(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_set_commands(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_get_commands(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_send_poll(struct tgf *tg, struct fake_request *req, const cJSON *args);
void tgf_stop_poll(struct tgf *tg, struct fake_request *req, const cJSON *args);
/* A member's whole choice on a poll the fake sent, counted on it; why Telegram would not send
 * this poll_answer (closed, anonymous, bad option), or NULL. Polls the fake does not know pass. */
const char *tgf_poll_vote(struct tgf *tg, const char *poll_id, int64_t user, const cJSON *options);
/* Checks reply_markup; false after answering the error. */
bool tgf_markup_ok(struct fake_request *req, const cJSON *markup);

/* ---- Control API (tgf_control.c, tgf_inject.c). ---- */
cJSON *tgf_control(struct fake_server *srv, const char *name, const cJSON *body, int *status_out,
                   void *ud);
/* Updates made from the test's description: {update_id, ...} or an error text. */
cJSON *tgf_inject_message(struct tgf *tg, const cJSON *body, int *status_out);
cJSON *tgf_inject_callback(struct tgf *tg, const cJSON *body, int *status_out);
cJSON *tgf_inject_poll_answer(struct tgf *tg, const cJSON *body, int *status_out);
cJSON *tgf_inject_chat_member(struct tgf *tg, const cJSON *body, int *status_out);
cJSON *tgf_inject_migration(struct tgf *tg, const cJSON *body, int *status_out);

/* ---- Faults (tgf_faults.c). ---- */
cJSON *tgf_fault_arm(struct tgf *tg, const cJSON *body, int *status_out);
/* Applies the fault armed for the method (consuming it) and answers; false when none. */
bool tgf_fault_apply(struct tgf *tg, struct fake_request *req, const char *method);
void tgf_faults_free(struct tgf *tg);

#endif
