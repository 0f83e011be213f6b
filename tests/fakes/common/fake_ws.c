/* WebSocket sessions of the fake server: opening with the request path, whole messages in,
 * a send queue written on writable turns, closing with a code, dropping without one, and one
 * on_close with the code that ended the session. */
#include "fake_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RX_CHUNK 8192

void fake_ws_free(struct fake_ws *ws)
{
    while (ws->tx_head != NULL) {
        struct fake_ws_msg *m = ws->tx_head;
        ws->tx_head = m->next;
        free(m);
    }
    free(ws->rx);
    free(ws);
}

/* The upgrade request's path with its query, as lws decoded them. */
static char *path_with_query_dup(struct lws *wsi)
{
    int plen = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI);
    int qlen = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    size_t cap = (size_t)(plen > 0 ? plen : 1) + (size_t)(qlen > 0 ? qlen : 0) * 2 + 4;
    char *out = calloc(1, cap), *frag = malloc(cap);
    if (out == NULL || frag == NULL) {
        free(out);
        free(frag);
        return NULL;
    }
    if (plen <= 0 || lws_hdr_copy(wsi, out, (int)cap, WSI_TOKEN_GET_URI) < 0)
        strcpy(out, "/");
    size_t used = strlen(out);
    for (int i = 0; lws_hdr_copy_fragment(wsi, frag, (int)cap, WSI_TOKEN_HTTP_URI_ARGS, i) >= 0;
         i++)
        used += (size_t)snprintf(out + used, cap - used, "%c%s", i > 0 ? '&' : '?', frag);
    free(frag);
    return out;
}

int fake_ws_opened(struct fake_conn *c)
{
    struct fake_server *srv = c->srv;
    if (c->ws != NULL || srv->closing)
        return -1;
    c->ws = calloc(1, sizeof(*c->ws));
    if (c->ws == NULL)
        return -1;
    c->ws->conn = c;
    char *path = path_with_query_dup(c->wsi);
    if (path == NULL)
        return -1;
    if (srv->opts.ws.on_open != NULL)
        srv->opts.ws.on_open(srv, c->ws, path, srv->opts.ud);
    free(path);
    return c->ws->dropping ? -1 : 0;
}

/* Appends a piece of the current message; delivers it when lws says it was the last one. */
int fake_ws_receive(struct fake_conn *c, const char *in, size_t len)
{
    struct fake_ws *ws = c->ws;
    if (ws == NULL)
        return -1;
    if (!ws->rx_in_message) {
        ws->rx_in_message = true;
        ws->rx_binary = lws_frame_is_binary(c->wsi) != 0;
        ws->rx_len = 0;
    }
    if (ws->rx_len + len + 1 > ws->rx_cap) {
        size_t cap = ws->rx_cap != 0 ? ws->rx_cap : RX_CHUNK;
        while (cap < ws->rx_len + len + 1)
            cap *= 2;
        char *p = realloc(ws->rx, cap);
        if (p == NULL)
            return -1;
        ws->rx = p;
        ws->rx_cap = cap;
    }
    if (len > 0)
        memcpy(ws->rx + ws->rx_len, in, len);
    ws->rx_len += len;
    ws->rx[ws->rx_len] = '\0';
    if (!lws_is_final_fragment(c->wsi))
        return 0;
    ws->rx_in_message = false;
    struct fake_server *srv = c->srv;
    if (ws->rx_binary || srv->closing || ws->reported || srv->opts.ws.on_text == NULL)
        return 0;
    srv->opts.ws.on_text(srv, ws, ws->rx, ws->rx_len, srv->opts.ud);
    return 0;
}

/* One queued message per writable turn, as lws requires; then the close frame. */
int fake_ws_writable(struct fake_conn *c)
{
    struct fake_ws *ws = c->ws;
    if (ws == NULL)
        return 0;
    if (ws->dropping)
        return -1; /* no close reason prepared: lws closes the socket without a close frame */
    if (ws->close_sent)
        return 0;
    struct fake_ws_msg *m = ws->tx_head;
    if (m != NULL) {
        ws->tx_head = m->next;
        if (ws->tx_head == NULL)
            ws->tx_tail = NULL;
        int n = lws_write(c->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
        bool ok = n >= 0 && (size_t)n >= m->len;
        free(m);
        if (!ok)
            return -1;
        if (ws->tx_head != NULL || ws->close_requested)
            lws_callback_on_writable(c->wsi);
        return 0;
    }
    if (!ws->close_requested)
        return 0;
    lws_close_reason(c->wsi, (enum lws_close_status)ws->close_code,
                     (unsigned char *)ws->close_reason, strlen(ws->close_reason));
    ws->close_sent = true;
    /* As in src/net/ws.c: -1 from a writable turn would drop the socket without the frame;
     * a synchronous close request sends the close frame and waits for the client's answer. */
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
    return 0;
}

void fake_ws_peer_closed(struct fake_conn *c, const unsigned char *in, size_t len)
{
    if (c->ws == NULL)
        return;
    c->ws->peer_closed = true;
    c->ws->peer_code = len >= 2 ? (in[0] << 8) | in[1] : 1005; /* 1005: no status in frame */
}

void fake_ws_report(struct fake_conn *c)
{
    struct fake_ws *ws = c->ws;
    struct fake_server *srv = c->srv;
    if (ws == NULL || ws->reported)
        return;
    ws->reported = true;
    int code = FAKE_WS_ABNORMAL;
    if (ws->close_sent && !ws->dropping)
        code = ws->close_code;
    else if (ws->peer_closed && !ws->dropping)
        code = ws->peer_code;
    if (!srv->closing && srv->opts.ws.on_close != NULL)
        srv->opts.ws.on_close(srv, ws, code, srv->opts.ud);
}

/* ---- The WebSocket API ---- */

static bool ws_usable(const struct fake_ws *ws)
{
    return ws != NULL && !ws->reported && !ws->dropping && !ws->close_requested &&
           !ws->conn->srv->closing;
}

void fake_ws_send_text(struct fake_ws *ws, const char *data, size_t len)
{
    if (!ws_usable(ws) || (data == NULL && len > 0))
        return;
    struct fake_ws_msg *m = malloc(sizeof(*m) + LWS_PRE + len);
    if (m == NULL) {
        fprintf(stderr, "fake: out of memory queueing a WebSocket message; dropping\n");
        fake_ws_drop(ws);
        return;
    }
    m->next = NULL;
    m->len = len;
    if (len > 0)
        memcpy(m->buf + LWS_PRE, data, len);
    if (ws->tx_tail != NULL)
        ws->tx_tail->next = m;
    else
        ws->tx_head = m;
    ws->tx_tail = m;
    lws_callback_on_writable(ws->conn->wsi);
}

void fake_ws_close(struct fake_ws *ws, int code, const char *reason)
{
    if (!ws_usable(ws))
        return;
    const char *r = reason != NULL ? reason : "";
    size_t len = strlen(r);
    if (len > FAKE_WS_MAX_REASON)
        len = FAKE_WS_MAX_REASON;
    memcpy(ws->close_reason, r, len);
    ws->close_reason[len] = '\0';
    ws->close_code = code;
    ws->close_requested = true;
    lws_callback_on_writable(ws->conn->wsi);
}

void fake_ws_drop(struct fake_ws *ws)
{
    if (ws == NULL || ws->reported || ws->dropping || ws->conn->srv->closing)
        return;
    ws->dropping = true;
    lws_callback_on_writable(ws->conn->wsi);
}

void fake_ws_set_data(struct fake_ws *ws, void *data)
{
    if (ws != NULL)
        ws->data = data;
}

void *fake_ws_data(const struct fake_ws *ws)
{
    return ws != NULL ? ws->data : NULL;
}
