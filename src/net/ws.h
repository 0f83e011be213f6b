/* WebSocket client connections over libwebsockets, attached to the daemon's libuv loop as a
 * foreign loop, with whole-message delivery and explicit close codes (the Discord gateway). */
#ifndef KITH_NET_WS_H
#define KITH_NET_WS_H

#include <stddef.h>

#include <uv.h>

#include <kith/plugin.h>

struct kith_ws_context;
struct kith_ws_conn;
struct lws_context;

/* Close code reported when no close frame was received (drop, refusal, failed handshake). */
#define KITH_WS_CLOSE_ABNORMAL 1006

/* Every callback runs on the loop, never from inside a kith_ws_* call except
 * kith_ws_context_free (see there). A connection gets at most one on_open and exactly one
 * on_close; after on_close returns the connection is freed and must not be used. */
struct kith_ws_callbacks {
    void (*on_open)(struct kith_ws_conn *conn);
    /* One whole text message (fragments and partial reads reassembled); `data` is borrowed
     * and NUL-terminated after `len` bytes. Binary messages are ignored. */
    void (*on_text)(struct kith_ws_conn *conn, const char *data, size_t len);
    /* close_code is the peer's close frame code, the code this side sent with kith_ws_close,
     * or KITH_WS_CLOSE_ABNORMAL; `reason` is borrowed, never NULL. */
    void (*on_close)(struct kith_ws_conn *conn, int close_code, const char *reason);
};

/* Creates an lws context on `loop` (client only; TLS with the system CA store). */
kith_err kith_ws_context_new(uv_loop_t *loop, struct kith_ws_context **out);

/* Calls on_close (KITH_WS_CLOSE_ABNORMAL, "shutting down") for every connection still open,
 * before returning, then tears libwebsockets down on the loop: the memory is released once
 * the caller has run the loop until it has no more handles. Safe with NULL. */
void kith_ws_context_free(struct kith_ws_context *ctx);

/* The underlying lws context, for adding server vhosts on the same loop (lws_create_vhost);
 * they are torn down with the context. NULL once kith_ws_context_free has completed. */
struct lws_context *kith_ws_context_lws(struct kith_ws_context *ctx);

/* Opens a connection to a ws:// or wss:// URL (path and query kept). The host name is
 * resolved off the loop and its addresses are tried in turn. `cb` is copied; `ud` is returned
 * by kith_ws_conn_ud. On success *out is valid until its on_close; on error (KITH_ERR_INVALID
 * for a bad URL or a closing context) nothing is called. */
kith_err kith_ws_connect(struct kith_ws_context *ctx, const char *url,
                         const struct kith_ws_callbacks *cb, void *ud, struct kith_ws_conn **out);

void *kith_ws_conn_ud(const struct kith_ws_conn *conn);

/* Queues a text message (copied), written in order once the connection is writable. Text
 * queued before on_open is sent after the handshake. KITH_ERR_INVALID once closing. */
kith_err kith_ws_send_text(struct kith_ws_conn *conn, const char *data, size_t len);

/* Sends a close frame with `code` (1000 or 3000-4999) and `reason` (cut to 123 bytes) after
 * the messages already queued; on_close follows with that code. Before the connection is
 * open this acts as kith_ws_drop. */
kith_err kith_ws_close(struct kith_ws_conn *conn, int code, const char *reason);

/* Closes the TCP connection without a close frame (a zombie connection); on_close follows
 * with KITH_WS_CLOSE_ABNORMAL. */
void kith_ws_drop(struct kith_ws_conn *conn);

#endif
