/* One gateway shard's state, shared by the connection lifecycle (dc_gateway.c), the frames it
 * sends and receives (dc_gateway_frames.c) and the send limiter (dc_gateway_send.c). */
#ifndef KITH_DC_GATEWAY_H
#define KITH_DC_GATEWAY_H

#include "platform/discord/dc_internal.h"

struct kith_ws_conn;

enum dc_shard_state {
    DC_SHARD_IDLE = 0,    /* not connected, maybe waiting to reconnect */
    DC_SHARD_CONNECTING,  /* TCP/TLS/WebSocket handshake */
    DC_SHARD_HELLO,       /* open, waiting for op 10 */
    DC_SHARD_IDENTIFY,    /* waiting for the identify limiter's turn */
    DC_SHARD_IDENTIFYING, /* identify sent, waiting for READY */
    DC_SHARD_RESUMING,    /* resume sent, replayed events arriving until RESUMED */
    DC_SHARD_READY,
    DC_SHARD_STOPPED, /* stopped on purpose or by a fatal close code */
};

/* What the next connection does: keep the session (resume) or start a new one. */
enum dc_next {
    DC_NEXT_POLICY = 0, /* decided by the close code */
    DC_NEXT_RESUME,
    DC_NEXT_IDENTIFY,
};

/* The WebSocket's user data: it can outlive the shard (closes are reported later). */
struct dc_conn_link {
    struct dc_shard *sh;
};

struct dc_pending_frame {
    struct dc_pending_frame *next;
    size_t len;
    char text[];
};

struct dc_shard {
    struct dc *dc;
    int id, count;
    enum dc_shard_state state;
    struct kith_ws_conn *conn;
    struct dc_conn_link *link;
    char *session_id;
    char *resume_url;
    int64_t seq; /* last sequence number received; -1 = none */
    uint64_t heartbeat_ms;
    bool awaiting_ack; /* a heartbeat went out and no ack came back yet */
    uint64_t beat_sent_at;
    uv_timer_t *beat_timer;  /* heartbeats; before hello, the hello timeout */
    uv_timer_t *retry_timer; /* reconnects */
    int failures;            /* connection attempts since the last READY or RESUMED */
    enum dc_next next;       /* set when this side closes: what to do once closed */
    uint64_t next_delay_ms;  /* ... and how long to wait first */
    bool stopping;
    size_t replayed; /* events received while resuming */
    /* The 120-per-60-s limit of one connection. */
    uint64_t sent_at[DC_GATEWAY_SENDS_PER_MINUTE];
    size_t sent_pos;
    struct dc_pending_frame *queue, *queue_tail;
    uv_timer_t *send_timer;
};

/* ---- dc_gateway.c ---- */
/* Ends the current connection and connects again after delay_ms, resuming or identifying.
 * `drop` closes TCP without a close frame (a zombie will not answer one). */
void dc_gw_reconnect(struct dc_shard *sh, enum dc_next next, uint64_t delay_ms, bool drop,
                     const char *why);
/* READY or RESUMED arrived: the connection counts as healthy again. */
void dc_gw_healthy(struct dc_shard *sh);

/* ---- dc_gateway_frames.c ---- */
void dc_gw_on_frame(struct dc_shard *sh, const char *data, size_t len);
/* The connection opened: wait for hello (bounded). */
void dc_gw_opened(struct dc_shard *sh);

/* ---- dc_gateway_send.c ---- */
/* Sends a frame within the connection's limits (queued when the window is full). Heartbeats
 * pass `urgent`: they use slots kept free for them. KITH_ERR_LIMIT for a frame over 4096
 * bytes, KITH_ERR_INVALID without a connection. */
kith_err dc_gw_send(struct dc_shard *sh, const char *text, size_t len, bool urgent);
kith_err dc_gw_send_json(struct dc_shard *sh, const cJSON *frame, bool urgent);
/* A new connection starts with an empty window and nothing queued. */
void dc_gw_send_reset(struct dc_shard *sh);

#endif
