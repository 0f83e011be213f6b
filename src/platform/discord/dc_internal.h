/* What the files of the Discord adapter share: its state and the internal interfaces between
 * REST, the gateway shards, identify pacing, the guild cache, events, interactions and rendering.
 */
#ifndef KITH_DC_INTERNAL_H
#define KITH_DC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "core/config.h"
#include "core/core.h"
#include "core/message.h"
#include "core/platform.h"

#define DC_PLATFORM "discord"
#define DC_SNOWFLAKE_MAX 24             /* decimal uint64 and the NUL */
#define DC_ID_MAX 40                    /* "discord:<snowflake>" */
#define DC_GATEWAY_PAYLOAD_MAX 4096     /* bytes a client frame may have */
#define DC_GATEWAY_SENDS_PER_MINUTE 120 /* per connection */
#define DC_INTERACTION_DEADLINE_MS 3000 /* first answer to an interaction */
#define DC_EPHEMERAL_FLAG 64            /* message flag: only the invoker sees it */
#define DC_PERM_ADMINISTRATOR (1ULL << 3)
#define DC_PERM_MANAGE_GUILD (1ULL << 5)

struct dc;
struct dc_shard;
struct dc_rest;
struct dc_guilds;
struct dc_interactions;
struct dc_identify;

/* ---- The adapter (discord.c). ---- */

struct dc {
    struct kith_platform base;
    struct kith_core *core;
    const struct kith_discord_config *cfg;
    uv_loop_t *loop;
    struct kith_http *http;
    struct kith_ws_context *ws;
    char *api_base;   /* without a trailing "/" */
    char *auth;       /* "Bot <token>": the Authorization header value */
    char *user_agent; /* "DiscordBot (url, version)" */
    char *gateway_url;
    char bot_id[DC_SNOWFLAKE_MAX];
    char app_id[DC_SNOWFLAKE_MAX];
    char *bot_username;
    struct dc_shard **shards; /* the shards this process runs */
    size_t shard_count;
    int total_shards;
    struct dc_rest *rest;
    struct dc_guilds *guilds;
    struct dc_interactions *ixns;
    struct dc_identify *identify;
    uv_timer_t *start_timer; /* retries of GET /gateway/bot */
    uv_timer_t *stop_timer;  /* reports the end of a graceful stop from the loop */
    int start_failures;
    bool running, stopping, destroying, stop_reported;
};

static inline struct dc *dc_of(struct kith_platform *p)
{
    return p->impl;
}

/* A shard stopped for good (a fatal close code): stop reconnecting, tell the operator. */
void dc_shard_gone(struct dc *dc, struct dc_shard *sh);
/* The graceful stop may be complete (no shard open, no request in flight). */
void dc_check_stopped(struct dc *dc);

/* ---- Small helpers (dc_util.c). ---- */

/* A heap timer whose data is `data`; NULL on ENOMEM. Close it with dc_timer_close. */
uv_timer_t *dc_timer_new(struct dc *dc, void *data);
/* Stops, closes and frees *t (later, on the loop) and sets *t to NULL. Safe on NULL. */
void dc_timer_close(uv_timer_t **t);
/* A string member, or NULL. */
const char *dc_json_str(const cJSON *obj, const char *name);
/* A number member (or a numeric string), else fallback. */
int64_t dc_json_int(const cJSON *obj, const char *name, int64_t fallback);
bool dc_json_bool(const cJSON *obj, const char *name);
/* An unsigned 64-bit decimal string ("8", "1099511627776"); 0 when absent or malformed. */
uint64_t dc_json_u64(const cJSON *obj, const char *name);
/* "discord:<local>" into buf; false when local is NULL or does not fit. */
bool dc_format_id(char *buf, size_t size, const char *local);
/* The snowflake of a kith id ("discord:123" or "123"); false for another platform's id or
 * anything that is not a snowflake. */
bool dc_parse_id(const char *id, char *buf, size_t size);
/* Unix ms encoded in a snowflake; 0 when not one. */
int64_t dc_snowflake_ms(const char *snowflake);
/* Monotonic milliseconds, exact (the loop's cached uv_now may lag by a few ms: rate-limit
 * waits are measured with this so a request never goes out before the reset). */
uint64_t dc_now_ms(void);
/* A random integer in [0, n). */
uint64_t dc_random(uint64_t n);

/* ---- REST (dc_rest.c, dc_ratelimit.c, dc_rest_errors.c). ---- */

/* The outcome of one REST call; borrowed for the callback. */
struct dc_reply {
    kith_err err;        /* KITH_OK for a 2xx answer */
    long status;         /* HTTP status; 0 when none arrived */
    const cJSON *json;   /* the parsed body, or NULL */
    int code;            /* Discord's JSON error code; 0 when none */
    const char *message; /* Discord's message or the transport error; NULL on success */
    const char *detail;  /* a sentence for members and logs on failure; NULL on success */
};

typedef void (*dc_rest_fn)(struct dc *dc, const struct dc_reply *reply, void *ud);

struct dc_rest_opts {
    const char *method;
    const char *path;  /* after api_base: "/channels/123/messages" */
    const cJSON *json; /* body, or NULL */
    const char *body;  /* instead of json: a ready body (multipart upload), body_len bytes */
    size_t body_len;
    const char *content_type; /* with body */
    const char *reason;       /* X-Audit-Log-Reason (moderation), or NULL */
    const char *needs;        /* the permission named when Discord answers 50013, or NULL */
    /* An interaction callback or webhook: exempt from the global limit, and authorised by the
     * interaction token in the path (redacted in logs) instead of the bot token. */
    const char *interaction_token;
    bool background; /* the adapter's own (gateway lookup): cancelled by a graceful stop */
};

/* Queues a call; fn is called exactly once (KITH_ERR_CANCELLED when cancelled), never from
 * inside this call. KITH_ERR_BUSY while the invalid-request guard holds requests back. */
kith_err dc_rest_call(struct dc *dc, const struct dc_rest_opts *opts, dc_rest_fn fn, void *ud);
kith_err dc_rest_new(struct dc *dc);
/* Every queued and in-flight call gets KITH_ERR_CANCELLED. */
void dc_rest_cancel_all(struct dc *dc);
void dc_rest_cancel_background(struct dc *dc);
size_t dc_rest_live(const struct dc *dc);
void dc_rest_free(struct dc *dc);

/* The rate-limit state behind dc_rest (dc_ratelimit.c). */
struct dc_limits;
struct dc_bucket;
struct kith_http_response;

kith_err dc_limits_new(struct dc_limits **out);
void dc_limits_free(struct dc_limits *lim);
/* The bucket a request to method+path belongs to (created on first use); NULL on ENOMEM. */
struct dc_bucket *dc_limits_bucket(struct dc_limits *lim, const char *method, const char *path);
/* When the bucket (and, unless exempt, the global limit and invalid-request guard) next lets a
 * request through: 0 = now, else the loop time to look again. */
uint64_t dc_limits_wait(struct dc_limits *lim, struct dc_bucket *b, bool exempt, uint64_t now);
/* A request of the bucket is being sent (counts against the global window). */
void dc_limits_sent(struct dc_limits *lim, struct dc_bucket *b, bool exempt, uint64_t now);
/* Reads the X-RateLimit-* headers of an answer; for a 429 also the body's retry_after and
 * global flag. Counts 401/403/429 as invalid requests. */
void dc_limits_update(struct dc_limits *lim, struct dc_bucket *b, const char *method,
                      const char *path, const struct kith_http_response *resp, const cJSON *body,
                      uint64_t now);
/* True while the invalid-request guard holds new requests back. */
bool dc_limits_guarded(struct dc_limits *lim, uint64_t now);
/* Forgets idle buckets whose limits have reset (keeps the table small). */
void dc_limits_prune(struct dc_limits *lim, uint64_t now);
/* The queue of calls waiting on a bucket is kept by dc_rest; the bucket holds its head. */
void **dc_bucket_queue(struct dc_bucket *b);
bool *dc_bucket_busy(struct dc_bucket *b);

/* The kith error for a Discord answer, and a sentence naming what went wrong (free()). */
kith_err dc_error_kind(long status, int code);
char *dc_error_detail_dup(const char *method, const char *path, long status, int code,
                          const char *message, const char *needs);

/* ---- Gateway shards (dc_gateway.c, dc_gateway_frames.c). ---- */

kith_err dc_shard_new(struct dc *dc, int shard_id, int shard_count, struct dc_shard **out);
void dc_shard_start(struct dc_shard *sh);
/* Closes with 1000 (the session ends); dc_check_stopped follows once closed. */
void dc_shard_stop(struct dc_shard *sh);
bool dc_shard_open(const struct dc_shard *sh);
int dc_shard_id(const struct dc_shard *sh);
/* The identify limiter's turn for this shard came. */
void dc_shard_identify_now(struct dc_shard *sh);
void dc_shard_free(struct dc_shard *sh);

/* ---- Identify pacing (dc_identify.c): max_concurrency per 5 s, the daily session limit. ---- */

kith_err dc_identify_new(struct dc *dc, int max_concurrency, int remaining, int64_t reset_after_ms,
                         struct dc_identify **out);
/* Calls dc_shard_identify_now(sh) when the shard may identify (maybe at once, from the loop). */
void dc_identify_request(struct dc_identify *id, struct dc_shard *sh);
void dc_identify_forget(struct dc_identify *id, struct dc_shard *sh);
void dc_identify_free(struct dc_identify *id);

/* ---- Guild cache (dc_guilds.c): owners and role permissions for admin resolution. ---- */

kith_err dc_guilds_new(struct dc_guilds **out);
void dc_guilds_free(struct dc_guilds *g);
/* GUILD_CREATE / GUILD_UPDATE. */
kith_err dc_guilds_put(struct dc_guilds *g, const cJSON *guild);
void dc_guilds_remove(struct dc_guilds *g, const char *guild_id);
/* GUILD_ROLE_CREATE / _UPDATE ({guild_id, role}) and _DELETE ({guild_id, role_id}). */
kith_err dc_guilds_role_put(struct dc_guilds *g, const char *guild_id, const cJSON *role);
void dc_guilds_role_remove(struct dc_guilds *g, const char *guild_id, const char *role_id);
/* The member's guild-level permissions from the cached roles (all bits for the owner). */
uint64_t dc_guilds_member_permissions(const struct dc_guilds *g, const char *guild_id,
                                      const char *user_id, const cJSON *role_ids);
/* The channel messages go to when none is named (system channel); NULL when unknown. */
const char *dc_guilds_default_channel(const struct dc_guilds *g, const char *guild_id);
/* True when the permissions make the member a kith admin (ADMINISTRATOR or MANAGE_GUILD). */
bool dc_permissions_admin(uint64_t permissions);

/* ---- Gateway events (dc_events.c, dc_event_build.c). ---- */

/* One dispatch (op 0) of a shard after the session handling; `frame` is the whole text. */
void dc_events_dispatch(struct dc *dc, struct dc_shard *sh, const char *type, const cJSON *d,
                        const char *frame);

/* A kith event under construction: the strings it points at live here. */
struct dc_event_build {
    struct kith_event ev;
    char server_id[DC_ID_MAX];
    char channel_id[DC_ID_MAX];
    char author_id[DC_ID_MAX];
    char message_id[DC_ID_MAX];
    char reply_to_id[DC_ID_MAX];
    char component_message_id[DC_ID_MAX];
    char **owned; /* every string below, freed by dc_event_build_clear */
    size_t owned_count, owned_cap;
    const char **roles, **mentions, **links, **values;
    bool failed; /* an allocation failed: do not dispatch */
};

void dc_event_build_init(struct dc_event_build *b, kith_event_kind kind, const char *frame);
void dc_event_build_clear(struct dc_event_build *b);
/* guild_id may be NULL (direct messages). */
void dc_event_build_place(struct dc_event_build *b, const char *guild_id, const char *channel_id);
/* The author from a user object and an optional guild member object (roles, nick, joined_at,
 * permissions); admin resolution from member.permissions when given, else the guild cache. */
void dc_event_build_author(struct dc_event_build *b, struct dc *dc, const cJSON *user,
                           const cJSON *member);
/* Text, mentions (repeats counted), links and attachments of a message object. */
void dc_event_build_message(struct dc_event_build *b, const cJSON *message);
/* A string kept alive with the event; NULL on ENOMEM (then b->failed). */
const char *dc_event_build_keep(struct dc_event_build *b, const char *text);

/* ---- Interactions (dc_interactions.c, dc_ixn_answer.c). ---- */

kith_err dc_interactions_new(struct dc *dc, struct dc_interactions **out);
void dc_interactions_free(struct dc_interactions *t); /* pending actions: KITH_ERR_CANCELLED */
/* A graceful stop: open interactions are answered no more. */
void dc_interactions_stop(struct dc_interactions *t);
void dc_interaction_handle(struct dc *dc, const cJSON *d, const char *frame);
/* ops->reply for an event that came from an interaction (ev->priv set by this adapter). */
kith_err dc_interaction_reply(struct dc *dc, const struct kith_event *ev, const kith_message *msg,
                              kith_action_fn fn, void *ud);
/* A plugin sends to a channel where an interaction is still unanswered: the message becomes its
 * answer. Returns true when it was taken (fn will be called), false to send normally. */
bool dc_interaction_take_send(struct dc *dc, const char *channel, const kith_message *msg,
                              kith_action_fn fn, void *ud, kith_err *err_out);

/* ---- Command registration (dc_commands.c). ---- */

kith_err dc_register_commands(struct kith_platform *p, const char *server_id,
                              const struct kith_command_decl *const *commands, size_t count);

/* ---- Rendering (dc_render.c). ---- */

/* The message as a Discord message body ({content, embeds, components, poll, flags,
 * allowed_mentions}); NULL on ENOMEM. KITH_ERR_LIMIT through *err_out when Discord cannot
 * show it (a poll with more than 10 answers). */
cJSON *dc_render_new(const kith_message *msg, kith_err *err_out);
/* A message with an attachment: payload_json and the file as multipart/form-data (of
 * dc_render_multipart_type). *body_out is malloc'd: the caller frees it. */
kith_err dc_render_multipart(const cJSON *payload, const kith_message *msg, char **body_out,
                             size_t *len_out);
const char *dc_render_multipart_type(void);

/* ---- Actions (dc_actions.c): send, edit, delete, DM, moderation. ---- */

kith_err dc_send(struct kith_platform *p, const struct kith_target *to, const kith_message *msg,
                 kith_action_fn fn, void *ud);
kith_err dc_reply(struct kith_platform *p, const struct kith_event *ev, const kith_message *msg,
                  kith_action_fn fn, void *ud);
kith_err dc_edit(struct kith_platform *p, const struct kith_target *to, const char *message_id,
                 const kith_message *msg, kith_action_fn fn, void *ud);
kith_err dc_delete_message(struct kith_platform *p, const struct kith_target *to,
                           const char *message_id, const char *reason, kith_action_fn fn, void *ud);
kith_err dc_send_dm(struct kith_platform *p, const char *user_id, const kith_message *msg,
                    kith_action_fn fn, void *ud);
kith_err dc_moderate(struct kith_platform *p, const struct kith_moderation *action,
                     kith_action_fn fn, void *ud);
/* A REST call whose outcome (and the message id of its answer) goes to fn; nothing is called
 * when it returns an error. */
kith_err dc_act(struct dc *dc, const struct dc_rest_opts *opts, kith_action_fn fn, void *ud);
/* The channel snowflake of a target: the named channel, else the guild's system channel. */
kith_err dc_target_channel(struct dc *dc, const struct kith_target *to, char *buf, size_t size);

/* ---- Native polls (dc_polls.c): early expiry and votes as whole choices. ---- */

kith_err dc_poll_close(struct kith_platform *p, const struct kith_target *to,
                       const char *message_id, kith_action_fn fn, void *ud);
/* MESSAGE_POLL_VOTE_ADD (add) or _REMOVE: the member's whole current choice as a kith event. */
void dc_poll_vote(struct dc *dc, const cJSON *d, const char *frame, bool add);

/* ---- Forms (dc_forms.c): a modal as the first answer to an interaction. ---- */

kith_err dc_show_form(struct kith_platform *p, const struct kith_event *ev,
                      const struct kith_form *form);

#endif
