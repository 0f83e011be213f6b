/* Internals of the WebSocket client shared by ws.c (context, connecting, sending) and
 * ws_events.c (what lws reports about a connection). */
#ifndef KITH_NET_WS_INTERNAL_H
#define KITH_NET_WS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "net/ws.h"
#include "net/ws_url.h"

#define KITH_WS_PROTOCOL_NAME "kith-ws-client"
/* A close frame's payload is at most 125 bytes, 2 of them the code. */
#define KITH_WS_MAX_REASON 123

struct kith_ws_tx_msg {
    struct kith_ws_tx_msg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE bytes of room for lws' framing, then the payload */
};

enum kith_ws_conn_state { KITH_WS_RESOLVING, KITH_WS_CONNECTING, KITH_WS_OPEN };

struct kith_ws_conn {
    struct kith_ws_conn *prev, *next;
    struct kith_ws_context *ctx;
    uintptr_t id; /* what lws holds for the current attempt; stale attempts find nothing */
    struct lws *wsi;
    struct kith_ws_callbacks cb;
    void *ud;
    struct kith_ws_url url;
    uv_getaddrinfo_t resolver;
    char **addrs; /* numeric addresses of the host, tried in turn until one connects */
    size_t addr_count, addr_next;
    char last_error[160];
    enum kith_ws_conn_state state;
    bool resolving, in_connect, retry, reported, dropping, close_requested, close_sent;
    bool peer_closed;
    int close_code, peer_code;
    char close_reason[KITH_WS_MAX_REASON + 1], peer_reason[KITH_WS_MAX_REASON + 1];
    struct kith_ws_tx_msg *tx_head, *tx_tail;
    char *rx;
    size_t rx_len, rx_cap;
    bool rx_in_message, rx_binary;
};

struct kith_ws_context {
    uv_loop_t *loop;
    struct lws_context *lws; /* lws sets this to NULL when it has freed the context */
    struct lws_vhost *vhost; /* the client connections' vhost */
    struct kith_ws_conn *conns;
    uintptr_t next_id;
    uv_timer_t tick; /* runs address retries, then drives the teardown */
    void **adopted;  /* freed once lws is gone (see kith_ws_context_adopt) */
    size_t adopted_count;
    unsigned resolving;
    bool closing, destroy_started;
};

extern const struct lws_protocols kith_ws_client_protocols[];

/* Routes lws' log lines to kith_log. */
void kith_ws_lws_log(int level, const char *line);

void kith_ws_conn_unlink(struct kith_ws_conn *c);
void kith_ws_conn_free(struct kith_ws_conn *c);

/* Frees the connection once nothing can reach it any more. */
void kith_ws_conn_maybe_free(struct kith_ws_conn *c);

/* Calls on_close once (not while the context is being freed: that reported already). */
void kith_ws_conn_report(struct kith_ws_conn *c, int code, const char *reason);

/* Copies at most KITH_WS_MAX_REASON bytes of src (len bytes long), never cutting a UTF-8
 * sequence. */
void kith_ws_copy_reason(char *dst, const char *src, size_t len);

/* Takes `mem` (malloc'd) to free once lws has completely gone: what lws keeps pointers to,
 * such as a vhost's name and listen address. On error `mem` is freed at once. */
kith_err kith_ws_context_adopt(struct kith_ws_context *ctx, void *mem);

/* Runs the pending address retries from the loop (defined in ws.c). */
void kith_ws_retry_soon(struct kith_ws_context *ctx);

#endif
