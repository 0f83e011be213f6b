/* The fake Matrix homeserver's internal interface: its world (users, tokens, rooms, events),
 * the authorization rules, /sync, the client routes, faults and the control API. */
#ifndef KITH_FAKE_MATRIX_H
#define KITH_FAKE_MATRIX_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "fake_server.h"

#define FM_SERVER_NAME "fake.test"
#define FM_DEFAULT_TIMELINE_LIMIT 10

struct fm_waiter; /* fm_sync.c: a /sync long poll waiting for events */
struct fm_fault;  /* fake_matrix.c */

/* One event in the one stream of the server: pos is its stream position (1, 2, ...). */
struct fm_event {
    long pos;
    char *room_id;
    cJSON *json; /* the client event without room_id */
};

struct fm_room {
    struct fm_room *next;
    char *id;
    cJSON *state; /* "type\x1fstate_key" -> stream position of the current state event */
};

struct fm {
    struct fake_server *srv;
    uv_loop_t *loop;
    cJSON *passwords; /* user id -> password */
    cJSON *tokens;    /* access token -> user id */
    cJSON *txns;      /* "token txn method path" -> {"event_id"} */
    cJSON *filters;   /* filter id -> filter */
    struct fm_event *events;
    size_t event_count, event_cap;
    struct fm_room *rooms;
    struct fm_waiter *waiters;
    struct fm_fault *faults;
    int next_id;   /* rooms, tokens, media, filters */
    int hold_wake; /* > 0: several events arrive as one (a control call), syncs wait */
    /* While a route runs under a drop_after/stall_after fault: the request whose answer is
     * lost, and how (enum fm_after). */
    struct fake_request *lossy;
    int lossy_mode;
};

enum fm_after { FM_AFTER_NONE = 0, FM_AFTER_DROP, FM_AFTER_STALL };

/* ---- fm_world.c ---- */
struct fm_room *fm_room_find(struct fm *fm, const char *room_id);
/* Creates an empty room (no events yet). */
struct fm_room *fm_room_new(struct fm *fm, const char *room_id);
const struct fm_event *fm_event_at(const struct fm *fm, long pos);
const struct fm_event *fm_event_find(const struct fm *fm, const char *event_id);
/* The current state event (type, state_key), or NULL. */
const cJSON *fm_state_get(const struct fm *fm, const struct fm_room *room, const char *type,
                          const char *state_key);
long fm_state_pos(const struct fm_room *room, const char *type, const char *state_key);
/* "join", "invite", "leave", "ban" or NULL. */
const char *fm_membership(const struct fm *fm, const struct fm_room *room, const char *user_id);
/* Appends an event (state when state_key != NULL) and wakes waiting syncs; content is taken.
 * Returns the new event (owned by the world). */
const struct fm_event *fm_append(struct fm *fm, struct fm_room *room, const char *type,
                                 const char *sender, const char *state_key, cJSON *content);
const char *fm_user_of_token(const struct fm *fm, const char *token);
/* A new token for the user (malloc'd). */
char *fm_token_new(struct fm *fm, const char *user_id);
void fm_world_free(struct fm *fm);

/* ---- fm_rules.c: who may do what (403 M_FORBIDDEN otherwise). ---- */
/* NULL when allowed, else the reason (static text or written into buf). */
const char *fm_may_send(const struct fm *fm, const struct fm_room *room, const char *user,
                        const char *type, bool state, char *buf, size_t size);
const char *fm_may_redact(const struct fm *fm, const struct fm_room *room, const char *user,
                          const struct fm_event *target, char *buf, size_t size);
/* verb: "kick", "ban", "unban", "invite". */
const char *fm_may_member(const struct fm *fm, const struct fm_room *room, const char *user,
                          const char *verb, const char *target, char *buf, size_t size);
/* A room's default power levels with the creator at 100 (pre-v12 rooms). */
cJSON *fm_default_power(const char *creator, bool creator_listed);

/* ---- fm_sync.c ---- */
void fm_sync_route(struct fm *fm, struct fake_request *req, const char *user);
void fm_messages_route(struct fm *fm, struct fake_request *req, struct fm_room *room);
/* Something happened: answer the waiting syncs that now have news. */
void fm_sync_wake(struct fm *fm);
/* Answers every waiting sync of a token that was invalidated. */
void fm_sync_drop_user(struct fm *fm, const char *user);
void fm_sync_free(struct fm *fm);

/* ---- fm_routes.c: the client-server routes after authentication. ---- */
void fm_client_route(struct fm *fm, struct fake_request *req, const char *user, const char *token,
                     char **parts, size_t count);
void fm_login_route(struct fm *fm, struct fake_request *req);

/* ---- fm_polls.c ---- */
/* How clients would count a poll now (see the file), or a 404 problem. */
cJSON *fm_poll_tally(struct fm *fm, struct fm_room *room, const char *poll_id, int *status_out);

/* ---- fm_control.c ---- */
cJSON *fm_control(struct fake_server *srv, const char *name, const cJSON *body, int *status_out,
                  void *ud);
/* Adds or replaces a user (password may be NULL); returns a new token (malloc'd). */
char *fm_user_add(struct fm *fm, const char *user_id, const char *password, const char *token);
/* Joins/creates membership as the user would (no auth checks): "join", "invite". */
const struct fm_event *fm_set_membership(struct fm *fm, struct fm_room *room, const char *sender,
                                         const char *target, const char *membership);

/* ---- fake_matrix.c: answers, honouring an armed "lose the answer" fault. ---- */
void fm_respond(struct fm *fm, struct fake_request *req, int status, const cJSON *json);
void fm_error(struct fm *fm, struct fake_request *req, int status, const char *errcode,
              const char *message);
/* Arms a fault from a control body; returns false when it makes no sense. */
bool fm_fault_add(struct fm *fm, const cJSON *spec);
void fm_faults_clear(struct fm *fm);

#endif
