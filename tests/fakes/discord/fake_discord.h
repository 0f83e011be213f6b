/* The fake Discord's state and the interfaces between its parts: the world (guilds, members,
 * messages, interactions), the gateway sessions, the REST routes, the rate limits and the
 * control API. */
#ifndef KITH_FAKE_DISCORD_H
#define KITH_FAKE_DISCORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "fake_server.h"

#define FDC_ID_MAX 24
#define FDC_GUILDS_MAX 8
#define FDC_CHANNELS_MAX 8
#define FDC_ROLES_MAX 8
#define FDC_MEMBERS_MAX 32
#define FDC_MEMBER_ROLES 4
#define FDC_REPLAY_MAX 1000
#define FDC_FAULTS_MAX 16
#define FDC_BUCKET_KEY_MAX 248

#define FDC_PERM_ADMINISTRATOR (1ULL << 3)
#define FDC_PERM_MANAGE_GUILD (1ULL << 5)
#define FDC_PERM_ALL ((1ULL << 47) - 1)

struct fdc_role {
    char id[FDC_ID_MAX];
    char name[32];
    uint64_t permissions;
};

struct fdc_member {
    char id[FDC_ID_MAX];
    char username[32];
    char roles[FDC_MEMBER_ROLES][FDC_ID_MAX];
    size_t role_count;
    char timeout_until[40]; /* "" when not timed out */
    char joined_at[40];     /* set by a member_join; "" for the guild's long-standing members */
    bool present;           /* false after a kick, a ban or leaving */
    bool banned;
};

struct fdc_guild {
    char id[FDC_ID_MAX];
    char name[48];
    char owner_id[FDC_ID_MAX];
    char channels[FDC_CHANNELS_MAX][FDC_ID_MAX];
    size_t channel_count;
    struct fdc_role roles[FDC_ROLES_MAX]; /* roles[0] is @everyone (the guild's id) */
    size_t role_count;
    struct fdc_member members[FDC_MEMBERS_MAX];
    size_t member_count;
    uint64_t bot_permissions;
    cJSON *commands; /* the last bulk overwrite, or NULL */
};

struct fdc_message {
    struct fdc_message *next;
    char id[FDC_ID_MAX];
    char channel_id[FDC_ID_MAX];
    char guild_id[FDC_ID_MAX]; /* "" in direct messages */
    char author_id[FDC_ID_MAX];
    cJSON *json; /* the message object as served */
    bool deleted;
    cJSON *votes; /* a poll's votes: {"<user id>": [answer ids]}, or NULL */
};

enum fdc_ack { FDC_ACK_NONE = 0, FDC_ACK_MESSAGE, FDC_ACK_DEFERRED, FDC_ACK_UPDATE, FDC_ACK_MODAL };

struct fdc_interaction {
    struct fdc_interaction *next;
    char id[FDC_ID_MAX];
    char token[48];
    char channel_id[FDC_ID_MAX];
    char guild_id[FDC_ID_MAX];
    int type;
    uint64_t created_ms; /* when INTERACTION_CREATE went out */
    enum fdc_ack ack;
    uint64_t acked_ms;
    char original_id[FDC_ID_MAX]; /* the response message, once there is one */
    char message_id[FDC_ID_MAX];  /* the message whose component was pressed, or "" */
    cJSON *modal;                 /* the modal this interaction opened (type 9 data), or NULL */
};

/* One gateway session: survives its connection for resuming. */
struct fdc_session {
    struct fdc_session *next;
    char id[40];
    int shard_id, shard_count;
    int64_t intents;
    int64_t seq;
    char *replay[FDC_REPLAY_MAX]; /* frames by sequence, ring */
    int64_t replay_first;         /* lowest sequence still in the ring */
    struct fdc_conn *conn;        /* NULL while disconnected */
    bool invalid;                 /* cannot be resumed any more */
    uint64_t detached_ms;
};

/* One gateway connection. */
struct fdc_conn {
    struct fdc *fd;
    struct fake_ws *ws;
    bool on_resume_url;
    bool closing;
    struct fdc_session *session;
    uint64_t sends[120]; /* the client's send times, ring */
    size_t send_pos;
    uint64_t last_heartbeat_ms;
};

struct fdc_fault {
    char method[8];
    char path[96]; /* matched as a substring of the path */
    int status;    /* 429 or a 5xx */
    double retry_after;
    bool global;
    int count;
};

struct fdc_bucket {
    struct fdc_bucket *next;
    char key[FDC_BUCKET_KEY_MAX];
    char hash[24];
    int remaining;
    uint64_t reset_ms;
    uint64_t blocked_until; /* after a 429 */
};

struct fdc_dm;

struct fdc {
    struct fake_server *srv;
    uv_loop_t *loop;
    int port;
    char token[96];
    char bot_id[FDC_ID_MAX];
    char bot_name[32];
    char app_id[FDC_ID_MAX];
    int heartbeat_ms;
    int shards;          /* what /gateway/bot recommends; identify with fewer: 4011 */
    int max_concurrency; /* identifies per 5 s that /gateway/bot allows */
    int64_t privileged;  /* privileged intents the application may use */
    int bucket_limit;    /* requests per bucket window */
    int bucket_window_ms;
    bool drop_acks;
    int resume_window_ms;
    struct fdc_guild guilds[FDC_GUILDS_MAX];
    size_t guild_count;
    struct fdc_message *messages;
    struct fdc_dm *dms;
    struct fdc_interaction *interactions;
    struct fdc_session *sessions;
    struct fdc_conn *conns[16];
    struct fdc_fault faults[FDC_FAULTS_MAX];
    struct fdc_bucket *buckets;
    uint64_t global_window[50];
    size_t global_pos;
    uint64_t global_blocked_until;
    uint64_t next_snowflake;
    /* Counters for the control API. */
    int identifies, resumes, connections, invalid_requests;
    int global_violations, bucket_violations, late_callbacks, double_acks;
};

/* ---- fake_discord.c: helpers ---- */
uint64_t fdc_now(const struct fdc *fd);
/* A fresh snowflake as text into buf (FDC_ID_MAX). */
void fdc_snowflake(struct fdc *fd, char *buf);
void fdc_copy(char *dst, size_t size, const char *src);
/* {code, message} with the status; Discord's error body. */
void fdc_error(struct fake_request *req, int status, int code, const char *message);
void fdc_respond(struct fake_request *req, int status, const char *const *headers, cJSON *body);

/* ---- fdc_world.c ---- */
void fdc_world_init(struct fdc *fd);
void fdc_world_free(struct fdc *fd);
struct fdc_guild *fdc_guild(struct fdc *fd, const char *id);
/* The guild a channel belongs to (NULL for direct-message channels and unknown ones). */
struct fdc_guild *fdc_channel_guild(struct fdc *fd, const char *channel_id);
bool fdc_channel_known(struct fdc *fd, const char *channel_id);
struct fdc_member *fdc_member(struct fdc_guild *g, const char *user_id);
/* Adds (or finds) a member; NULL when the guild is full. */
struct fdc_member *fdc_member_add(struct fdc_guild *g, const char *user_id, const char *name);
uint64_t fdc_member_permissions(const struct fdc_guild *g, const struct fdc_member *m);
cJSON *fdc_user_json(const char *id, const char *name, bool bot);
cJSON *fdc_member_json(const struct fdc_guild *g, const struct fdc_member *m, bool with_perms);
cJSON *fdc_guild_json(const struct fdc_guild *g);
struct fdc_message *fdc_message_add(struct fdc *fd, const char *channel_id, const char *author_id,
                                    cJSON *json /* taken */);
struct fdc_message *fdc_message(struct fdc *fd, const char *id);
struct fdc_interaction *fdc_interaction(struct fdc *fd, const char *id);
struct fdc_interaction *fdc_interaction_by_token(struct fdc *fd, const char *token);
/* The direct-message channel with a user (created on first use). */
const char *fdc_dm_channel(struct fdc *fd, const char *user_id);

/* ---- fdc_gateway.c ---- */
void fdc_ws_open(struct fake_server *srv, struct fake_ws *ws, const char *path, void *ud);
void fdc_ws_text(struct fake_server *srv, struct fake_ws *ws, const char *data, size_t len,
                 void *ud);
void fdc_ws_close(struct fake_server *srv, struct fake_ws *ws, int code, void *ud);
/* Sends a dispatch to every session that should see it (guild_id NULL: direct message, shard
 * 0); `d` is borrowed. needs_intent 0 = always. */
void fdc_emit(struct fdc *fd, const char *guild_id, const char *type, const cJSON *d,
              int64_t needs_intent);
/* Gateway faults: "close" (code), "drop", "reconnect", "invalid_session" (resumable),
 * "heartbeat_request". Returns how many connections it touched. */
int fdc_gateway_fault(struct fdc *fd, const char *action, int code, bool resumable);
cJSON *fdc_sessions_json(const struct fdc *fd);
void fdc_sessions_free(struct fdc *fd);

/* ---- fdc_limits.c ---- */
/* Checks armed faults, the global limit and the route's bucket; answers (429/5xx) and returns
 * false when the request must not go on. *headers_out gets the X-RateLimit-* lines for the
 * answer (static storage, valid until the next call). */
bool fdc_limits_admit(struct fdc *fd, struct fake_request *req, bool exempt,
                      const char *const **headers_out);
/* A 401/403 answer counts as an invalid request. */
void fdc_limits_invalid(struct fdc *fd);
bool fdc_fault_arm(struct fdc *fd, const cJSON *body);
void fdc_limits_free(struct fdc *fd);

/* ---- fdc_rest.c / fdc_interact.c ---- */
void fdc_http(struct fake_server *srv, struct fake_request *req, void *ud);
/* /interactions/... and /webhooks/...: true when the path was one of them (answered). */
bool fdc_interaction_route(struct fdc *fd, struct fake_request *req, const char *path,
                           const char *const *headers);
/* The request's message body: JSON, or the payload_json part of a multipart upload (with one
 * "attachments" entry per file part). NULL when there is none. */
cJSON *fdc_body_dup(struct fake_request *req);
/* Checks a message body as Discord does; answers 400 and returns false when it is refused. */
bool fdc_check_message(struct fake_request *req, const cJSON *body);
/* Stores a message the bot posted and tells the gateway; returns its JSON (borrowed). */
const cJSON *fdc_post_message(struct fdc *fd, const char *channel_id, const cJSON *body,
                              const char *interaction_id, bool ephemeral);

/* ---- fdc_polls.c: native polls ---- */
/* A poll the bot posts gets answer ids (from 1), an expiry and empty results. */
void fdc_poll_prepare(struct fdc *fd, cJSON *message);
/* POST /channels/{channel}/polls/{message}/expire. */
void fdc_poll_expire(struct fdc *fd, struct fake_request *req, const char *channel,
                     const char *message_id, const char *const *headers);
/* Control "poll_vote" {user_id, message_id, answer_ids: [...]}: the member's whole new choice
 * ([] = vote removed), announced as MESSAGE_POLL_VOTE_REMOVE/_ADD one answer at a time. */
cJSON *fdc_poll_vote(struct fdc *fd, const cJSON *body, int *status);

/* ---- fdc_modals.c: modals (interaction callback type 9) ---- */
/* Checks a modal as Discord does; answers 400 and returns false when it is refused. */
bool fdc_modal_check(struct fake_request *req, const cJSON *data);
/* The data of a MODAL_SUBMIT for the modal with these values (one per text input, in order);
 * NULL with *why set when the member could not submit them (a required field left empty, a
 * value too short or too long). */
cJSON *fdc_modal_submit_data(const cJSON *modal, const cJSON *values, const char **why);

/* ---- fdc_control.c ---- */
cJSON *fdc_control(struct fake_server *srv, const char *name, const cJSON *body, int *status,
                   void *ud);

#endif
