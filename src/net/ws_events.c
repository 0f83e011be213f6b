/* What lws reports about a client connection: open, message pieces reassembled, writable
 * turns for the send queue, close frames and the end, each turned into one callback. */
#include "net/ws_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define RX_CHUNK 8192
#define MAX_MESSAGE_BYTES ((size_t)16 * 1024 * 1024)

/* ---- Logging ---- */

/* lws' own lines, warnings and errors only; the trailing newline is dropped. */
void kith_ws_lws_log(int level, const char *line)
{
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    kith_log((level & LLL_ERR) ? KITH_LOG_ERROR : KITH_LOG_WARN, "lws", "%.*s", (int)len, line);
}

/* ---- Connection lifetime ---- */

void kith_ws_conn_unlink(struct kith_ws_conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        c->ctx->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
}

void kith_ws_conn_free(struct kith_ws_conn *c)
{
    while (c->tx_head != NULL) {
        struct kith_ws_tx_msg *m = c->tx_head;
        c->tx_head = m->next;
        free(m);
    }
    for (size_t i = 0; i < c->addr_count; i++)
        free(c->addrs[i]);
    free(c->addrs);
    kith_ws_url_clear(&c->url);
    free(c->rx);
    free(c);
}

/* Frees the connection once nothing can reach it any more: its on_close ran, lws has let go
 * of the wsi, and no resolution, connect call or retry is under way. */
void kith_ws_conn_maybe_free(struct kith_ws_conn *c)
{
    if (!c->reported || c->wsi != NULL || c->resolving || c->in_connect || c->retry)
        return;
    kith_ws_conn_unlink(c);
    kith_ws_conn_free(c);
}

/* Reports the end of the connection, once. */
void kith_ws_conn_report(struct kith_ws_conn *c, int code, const char *reason)
{
    if (c->reported)
        return;
    c->reported = true;
    if (!c->ctx->closing && c->cb.on_close != NULL)
        c->cb.on_close(c, code, reason != NULL ? reason : "");
}

static struct kith_ws_conn *conn_find(struct kith_ws_context *ctx, struct lws *wsi)
{
    uintptr_t id = (uintptr_t)lws_get_opaque_user_data(wsi);
    if (id == 0)
        return NULL;
    for (struct kith_ws_conn *c = ctx->conns; c != NULL; c = c->next) {
        if (c->id != id)
            continue;
        if (c->wsi == NULL) /* callbacks can come before lws_client_connect_via_info returns */
            c->wsi = wsi;
        return c->wsi == wsi ? c : NULL;
    }
    return NULL;
}

/* ---- lws events of one connection ---- */

void kith_ws_copy_reason(char *dst, const char *src, size_t len)
{
    if (len > KITH_WS_MAX_REASON)
        len = KITH_WS_MAX_REASON;
    while (len > 0 && len < strlen(src) && ((unsigned char)src[len] & 0xC0) == 0x80)
        len--; /* never cut inside a UTF-8 sequence */
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void conn_established(struct kith_ws_conn *c)
{
    c->state = KITH_WS_OPEN;
    if (c->tx_head != NULL || c->close_requested)
        lws_callback_on_writable(c->wsi);
    if (c->cb.on_open != NULL && !c->ctx->closing && !c->dropping)
        c->cb.on_open(c);
}

/* Appends a piece of the current message; delivers it when lws says it was the last one. */
static int conn_receive(struct kith_ws_conn *c, struct lws *wsi, const char *in, size_t len)
{
    if (!c->rx_in_message) {
        c->rx_in_message = true;
        c->rx_binary = lws_frame_is_binary(wsi) != 0;
        c->rx_len = 0;
    }
    if (!c->rx_binary) {
        if (c->rx_len + len > MAX_MESSAGE_BYTES) {
            static const char too_big[] = "message too big";
            lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)too_big,
                             sizeof(too_big) - 1);
            c->close_sent = true;
            c->close_code = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE;
            kith_ws_copy_reason(c->close_reason, too_big, sizeof(too_big) - 1);
            return -1;
        }
        if (c->rx_len + len + 1 > c->rx_cap) {
            size_t cap = c->rx_cap != 0 ? c->rx_cap : RX_CHUNK;
            while (cap < c->rx_len + len + 1)
                cap *= 2;
            char *p = realloc(c->rx, cap);
            if (p == NULL)
                return -1; /* lws drops the connection; on_close reports 1006 */
            c->rx = p;
            c->rx_cap = cap;
        }
        memcpy(c->rx + c->rx_len, in, len);
        c->rx_len += len;
    }
    if (!lws_is_final_fragment(wsi))
        return 0;
    c->rx_in_message = false;
    if (c->rx_binary || c->ctx->closing || c->reported)
        return 0;
    c->rx[c->rx_len] = '\0';
    if (c->cb.on_text != NULL)
        c->cb.on_text(c, c->rx, c->rx_len);
    return 0;
}

/* Writes one queued message per writable callback, as lws requires; then the close frame. */
static int conn_writable(struct kith_ws_conn *c, struct lws *wsi)
{
    if (c->dropping)
        return -1;
    if (c->close_sent)
        return 0; /* lws is sending the close frame or waiting for the answer */
    struct kith_ws_tx_msg *m = c->tx_head;
    if (m != NULL) {
        c->tx_head = m->next;
        if (c->tx_head == NULL)
            c->tx_tail = NULL;
        int n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
        bool ok = n >= 0 && (size_t)n >= m->len;
        free(m);
        if (!ok)
            return -1;
        if (c->tx_head != NULL || c->close_requested)
            lws_callback_on_writable(wsi);
        return 0;
    }
    if (!c->close_requested)
        return 0;
    lws_close_reason(wsi, (enum lws_close_status)c->close_code, (unsigned char *)c->close_reason,
                     strlen(c->close_reason));
    c->close_sent = true;
    /* Returning -1 from a writable callback makes lws 4.1 treat the socket as failed and drop
     * it without the close frame; a synchronous close request takes the polite path instead
     * (close frame, then wait for the peer's answer). */
    lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
    return 0;
}

static void conn_peer_closed(struct kith_ws_conn *c, const unsigned char *in, size_t len)
{
    c->peer_closed = true;
    if (len < 2) {
        c->peer_code = 1005; /* RFC 6455: a close frame without a status code */
        c->peer_reason[0] = '\0';
        return;
    }
    c->peer_code = (in[0] << 8) | in[1];
    char reason[KITH_WS_MAX_REASON + 1];
    size_t n = len - 2 > KITH_WS_MAX_REASON ? KITH_WS_MAX_REASON : len - 2;
    memcpy(reason, in + 2, n);
    reason[n] = '\0';
    kith_ws_copy_reason(c->peer_reason, reason, n);
}

static void conn_closed(struct kith_ws_conn *c)
{
    if (c->dropping)
        kith_ws_conn_report(c, KITH_WS_CLOSE_ABNORMAL, "connection dropped");
    else if (c->close_sent)
        kith_ws_conn_report(c, c->close_code, c->close_reason);
    else if (c->peer_closed)
        kith_ws_conn_report(c, c->peer_code, c->peer_reason);
    else
        kith_ws_conn_report(c, KITH_WS_CLOSE_ABNORMAL, "connection lost");
}

/* A failed attempt moves on to the host's next address (from the loop, outside lws); the
 * last failure ends the connection. */
static void conn_connect_failed(struct kith_ws_conn *c, const char *in, size_t len)
{
    if (in != NULL && len > 0)
        snprintf(c->last_error, sizeof(c->last_error), "connect failed: %.*s", (int)len, in);
    else
        snprintf(c->last_error, sizeof(c->last_error), "connect failed");
    if (c->in_connect)
        return; /* lws_client_connect_via_info fails, and its caller moves on */
    if (c->addr_next < c->addr_count && !c->dropping && !c->ctx->closing) {
        c->id = 0;
        c->wsi = NULL; /* lws finishes that attempt on its own; its callbacks find nothing */
        c->retry = true;
        kith_ws_retry_soon(c->ctx);
        return;
    }
    kith_ws_conn_report(c, KITH_WS_CLOSE_ABNORMAL, c->last_error);
}

static int on_lws_event(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
    struct lws_context *lws = lws_get_context(wsi);
    struct kith_ws_context *ctx = lws != NULL ? lws_context_user(lws) : NULL;
    struct kith_ws_conn *c = ctx != NULL ? conn_find(ctx, wsi) : NULL;
    if (c == NULL)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: conn_connect_failed(c, in, len); return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED: conn_established(c); return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE: return conn_receive(c, wsi, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE: return conn_writable(c, wsi);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        conn_peer_closed(c, in, len);
        return 0; /* lws answers with the same close frame */
    case LWS_CALLBACK_CLIENT_CLOSED: conn_closed(c); return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        c->wsi = NULL;
        if (c->in_connect)
            return 0; /* a refused attempt: the caller of lws tries the next address */
        kith_ws_conn_report(c, KITH_WS_CLOSE_ABNORMAL, "connection closed");
        kith_ws_conn_maybe_free(c);
        return 0;
    default: return 0;
    }
}

const struct lws_protocols kith_ws_client_protocols[] = {
    {KITH_WS_PROTOCOL_NAME, on_lws_event, 0, RX_CHUNK, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};
