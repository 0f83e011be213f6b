/* WebSocket client over libwebsockets on the daemon's libuv loop: connection lifetime, message
 * reassembly and close codes, and the two-step teardown lws 4.1 needs on a foreign loop. */
#include "net/ws.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libwebsockets.h>

#include "core/log.h"

#define PROTOCOL_NAME "kith-ws-client"
#define RX_CHUNK 8192
#define MAX_MESSAGE_BYTES ((size_t)16 * 1024 * 1024)
#define MAX_REASON 123 /* a close frame's payload is at most 125 bytes, 2 of them the code */
#define REAP_INTERVAL_MS 1

struct tx_msg {
    struct tx_msg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE bytes of room for lws' framing, then the payload */
};

enum conn_state { CONN_RESOLVING, CONN_CONNECTING, CONN_OPEN };

struct kith_ws_conn {
    struct kith_ws_conn *prev, *next;
    struct kith_ws_context *ctx;
    uintptr_t id; /* what lws holds (opaque user data): a stale id finds nothing */
    struct lws *wsi;
    struct kith_ws_callbacks cb;
    void *ud;
    uv_getaddrinfo_t resolver;
    char *host;        /* resolved, and checked against the TLS certificate */
    char *host_header; /* host[:port] */
    char *path;        /* with the query */
    int port;
    bool tls;
    enum conn_state state;
    bool resolving, in_connect, reported, dropping, close_requested, close_sent, peer_closed;
    int close_code, peer_code;
    char close_reason[MAX_REASON + 1], peer_reason[MAX_REASON + 1];
    struct tx_msg *tx_head, *tx_tail;
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
    uv_timer_t reaper; /* drives the teardown */
    unsigned resolving;
    bool closing, destroy_started;
};

/* ---- Logging ---- */

/* lws' own lines, warnings and errors only; the trailing newline is dropped. */
static void on_lws_log(int level, const char *line)
{
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    kith_log((level & LLL_ERR) ? KITH_LOG_ERROR : KITH_LOG_WARN, "lws", "%.*s", (int)len, line);
}

/* ---- URLs ---- */

static char *strndup_checked(const char *s, size_t n, bool *ok)
{
    char *p = strndup(s, n);
    if (p == NULL)
        *ok = false;
    return p;
}

/* Parses ws[s]://host[:port][/path][?query] into the connection. */
static kith_err conn_parse_url(struct kith_ws_conn *c, const char *url)
{
    const char *p;
    if (strncasecmp(url, "ws://", 5) == 0) {
        p = url + 5;
    } else if (strncasecmp(url, "wss://", 6) == 0) {
        p = url + 6;
        c->tls = true;
    } else {
        return KITH_ERR_INVALID;
    }
    size_t auth_len = strcspn(p, "/?#");
    const char *auth_end = p + auth_len, *host = p, *host_end, *port_at = NULL;
    if (*p == '[') { /* an IPv6 literal */
        host = p + 1;
        host_end = memchr(p, ']', auth_len);
        if (host_end == NULL)
            return KITH_ERR_INVALID;
        if (host_end + 1 < auth_end)
            port_at = host_end + 1;
    } else {
        host_end = memchr(p, ':', auth_len);
        port_at = host_end;
        if (host_end == NULL)
            host_end = auth_end;
    }
    if (host_end == host || memchr(p, '@', auth_len) != NULL)
        return KITH_ERR_INVALID;
    c->port = c->tls ? 443 : 80;
    if (port_at != NULL) {
        char *end = NULL;
        long port = (*port_at == ':') ? strtol(port_at + 1, &end, 10) : -1;
        if (port <= 0 || port > 65535 || end != auth_end)
            return KITH_ERR_INVALID;
        c->port = (int)port;
    }
    bool ok = true;
    c->host = strndup_checked(host, (size_t)(host_end - host), &ok);
    c->host_header = strndup_checked(p, auth_len, &ok);
    size_t path_len = strcspn(auth_end, "#");
    if (*auth_end == '/')
        c->path = strndup_checked(auth_end, path_len, &ok);
    else if ((c->path = malloc(path_len + 2)) != NULL)
        snprintf(c->path, path_len + 2, "/%.*s", (int)path_len, auth_end);
    else
        ok = false;
    return ok ? KITH_OK : KITH_ERR_NOMEM;
}

/* ---- Connection lifetime ---- */

static void conn_unlink(struct kith_ws_conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        c->ctx->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
}

static void conn_free(struct kith_ws_conn *c)
{
    while (c->tx_head != NULL) {
        struct tx_msg *m = c->tx_head;
        c->tx_head = m->next;
        free(m);
    }
    free(c->host);
    free(c->host_header);
    free(c->path);
    free(c->rx);
    free(c);
}

/* Frees the connection once nothing can reach it any more: its on_close ran, lws has let go
 * of the wsi, and no resolution or connect call is under way. */
static void conn_maybe_free(struct kith_ws_conn *c)
{
    if (!c->reported || c->wsi != NULL || c->resolving || c->in_connect)
        return;
    conn_unlink(c);
    conn_free(c);
}

/* Reports the end of the connection, once. */
static void conn_report(struct kith_ws_conn *c, int code, const char *reason)
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

static void copy_reason(char *dst, const char *src, size_t len)
{
    if (len > MAX_REASON)
        len = MAX_REASON;
    while (len > 0 && len < strlen(src) && ((unsigned char)src[len] & 0xC0) == 0x80)
        len--; /* never cut inside a UTF-8 sequence */
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void conn_established(struct kith_ws_conn *c)
{
    c->state = CONN_OPEN;
    if (c->tx_head != NULL || c->close_requested)
        lws_callback_on_writable(c->wsi);
    if (c->cb.on_open != NULL && !c->ctx->closing)
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
            copy_reason(c->close_reason, too_big, sizeof(too_big) - 1);
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
    struct tx_msg *m = c->tx_head;
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
    lws_close_reason(wsi, (enum lws_close_status)c->close_code,
                     (unsigned char *)c->close_reason, strlen(c->close_reason));
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
    char reason[MAX_REASON + 1];
    size_t n = len - 2 > MAX_REASON ? MAX_REASON : len - 2;
    memcpy(reason, in + 2, n);
    reason[n] = '\0';
    copy_reason(c->peer_reason, reason, n);
}

static void conn_closed(struct kith_ws_conn *c)
{
    if (c->dropping)
        conn_report(c, KITH_WS_CLOSE_ABNORMAL, "connection dropped");
    else if (c->close_sent)
        conn_report(c, c->close_code, c->close_reason);
    else if (c->peer_closed)
        conn_report(c, c->peer_code, c->peer_reason);
    else
        conn_report(c, KITH_WS_CLOSE_ABNORMAL, "connection lost");
}

static void conn_connect_failed(struct kith_ws_conn *c, const char *in, size_t len)
{
    char why[160];
    if (in != NULL && len > 0)
        snprintf(why, sizeof(why), "connect failed: %.*s", (int)len, in);
    else
        snprintf(why, sizeof(why), "connect failed");
    conn_report(c, KITH_WS_CLOSE_ABNORMAL, why);
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
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        conn_connect_failed(c, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        conn_established(c);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return conn_receive(c, wsi, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return conn_writable(c, wsi);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        conn_peer_closed(c, in, len);
        return 0; /* lws answers with the same close frame */
    case LWS_CALLBACK_CLIENT_CLOSED:
        conn_closed(c);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        c->wsi = NULL;
        conn_report(c, KITH_WS_CLOSE_ABNORMAL, "connection closed");
        conn_maybe_free(c);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols client_protocols[] = {
    {PROTOCOL_NAME, on_lws_event, 0, RX_CHUNK, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- Connecting ---- */

static void conn_start_lws(struct kith_ws_conn *c, const struct addrinfo *res)
{
    char ip[64] = "";
    for (; res != NULL && ip[0] == '\0'; res = res->ai_next) {
        if (res->ai_family == AF_INET)
            uv_ip4_name((const struct sockaddr_in *)res->ai_addr, ip, sizeof(ip));
        else if (res->ai_family == AF_INET6)
            uv_ip6_name((const struct sockaddr_in6 *)res->ai_addr, ip, sizeof(ip));
    }
    if (ip[0] == '\0') {
        conn_report(c, KITH_WS_CLOSE_ABNORMAL, "connect failed: no address for the host");
        return;
    }
    /* A numeric address keeps lws from resolving (it would block the loop); the name still
     * goes in the Host header, SNI and the certificate check. */
    struct lws_client_connect_info ci = {
        .context = c->ctx->lws,
        .vhost = c->ctx->vhost,
        .address = ip,
        .port = c->port,
        .ssl_connection = c->tls ? LCCSCF_USE_SSL : 0,
        .path = c->path,
        .host = c->host_header,
        .ietf_version_or_minus_one = -1,
        .local_protocol_name = PROTOCOL_NAME,
        .alpn = "http/1.1",
        .opaque_user_data = (void *)c->id,
    };
    c->state = CONN_CONNECTING;
    c->in_connect = true;
    struct lws *wsi = lws_client_connect_via_info(&ci);
    c->in_connect = false;
    c->wsi = wsi;
    if (wsi == NULL)
        conn_report(c, KITH_WS_CLOSE_ABNORMAL, "connect failed");
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct kith_ws_conn *c = req->data;
    c->resolving = false;
    c->ctx->resolving--;
    if (c->dropping) {
        conn_report(c, KITH_WS_CLOSE_ABNORMAL, "connection dropped");
    } else if (status < 0) {
        char why[160];
        snprintf(why, sizeof(why), "cannot resolve %s: %s", c->host, uv_strerror(status));
        conn_report(c, KITH_WS_CLOSE_ABNORMAL, why);
    } else if (!c->reported) {
        conn_start_lws(c, res);
    }
    uv_freeaddrinfo(res);
    conn_maybe_free(c);
}

kith_err kith_ws_connect(struct kith_ws_context *ctx, const char *url,
                         const struct kith_ws_callbacks *cb, void *ud,
                         struct kith_ws_conn **out)
{
    if (ctx == NULL || ctx->closing || url == NULL || cb == NULL || out == NULL)
        return KITH_ERR_INVALID;
    struct kith_ws_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return KITH_ERR_NOMEM;
    c->ctx = ctx;
    c->cb = *cb;
    c->ud = ud;
    kith_err err = conn_parse_url(c, url);
    if (err != KITH_OK) {
        conn_free(c);
        return err;
    }
    char port[8];
    snprintf(port, sizeof(port), "%d", c->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    c->resolver.data = c;
    int rc = uv_getaddrinfo(ctx->loop, &c->resolver, on_resolved, c->host, port, &hints);
    if (rc != 0) {
        kith_log(KITH_LOG_WARN, "ws", "cannot start resolving %s: %s", c->host, uv_strerror(rc));
        conn_free(c);
        return rc == UV_ENOMEM ? KITH_ERR_NOMEM : KITH_ERR_IO;
    }
    c->id = ++ctx->next_id;
    c->resolving = true;
    ctx->resolving++;
    c->next = ctx->conns;
    if (ctx->conns != NULL)
        ctx->conns->prev = c;
    ctx->conns = c;
    *out = c;
    return KITH_OK;
}

void *kith_ws_conn_ud(const struct kith_ws_conn *conn)
{
    return conn != NULL ? conn->ud : NULL;
}

/* ---- Sending and closing ---- */

static bool conn_usable(const struct kith_ws_conn *c)
{
    return c != NULL && !c->reported && !c->dropping && !c->close_requested &&
           !c->ctx->closing;
}

kith_err kith_ws_send_text(struct kith_ws_conn *conn, const char *data, size_t len)
{
    if (!conn_usable(conn) || (data == NULL && len > 0))
        return KITH_ERR_INVALID;
    struct tx_msg *m = malloc(sizeof(*m) + LWS_PRE + len);
    if (m == NULL)
        return KITH_ERR_NOMEM;
    m->next = NULL;
    m->len = len;
    if (len > 0)
        memcpy(m->buf + LWS_PRE, data, len);
    if (conn->tx_tail != NULL)
        conn->tx_tail->next = m;
    else
        conn->tx_head = m;
    conn->tx_tail = m;
    if (conn->state == CONN_OPEN && conn->wsi != NULL)
        lws_callback_on_writable(conn->wsi);
    return KITH_OK;
}

static bool close_code_sendable(int code)
{
    return code == 1000 || (code >= 3000 && code <= 4999);
}

kith_err kith_ws_close(struct kith_ws_conn *conn, int code, const char *reason)
{
    if (!conn_usable(conn) || !close_code_sendable(code))
        return KITH_ERR_INVALID;
    if (conn->state != CONN_OPEN) {
        kith_ws_drop(conn);
        return KITH_OK;
    }
    const char *r = reason != NULL ? reason : "";
    conn->close_requested = true;
    conn->close_code = code;
    copy_reason(conn->close_reason, r, strlen(r));
    lws_callback_on_writable(conn->wsi);
    return KITH_OK;
}

void kith_ws_drop(struct kith_ws_conn *conn)
{
    if (conn == NULL || conn->reported || conn->dropping || conn->ctx->closing)
        return;
    conn->dropping = true;
    if (conn->wsi == NULL)
        return; /* still resolving: on_resolved reports the drop */
    /* A violent close (no close frame), run by lws' timer list; cancelling the service makes
     * lws look at that list now even when this is called from outside its callbacks. */
    lws_set_timeout(conn->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    lws_cancel_service(conn->ctx->lws);
}

/* ---- Context ---- */

kith_err kith_ws_context_new(uv_loop_t *loop, struct kith_ws_context **out)
{
    if (loop == NULL || out == NULL)
        return KITH_ERR_INVALID;
    *out = NULL;
    struct kith_ws_context *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return KITH_ERR_NOMEM;
    ctx->loop = loop;
    lws_set_log_level(LLL_ERR | LLL_WARN, on_lws_log);
    void *loops[] = {loop};
    struct lws_context_creation_info info = {
        .options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT,
        .port = CONTEXT_PORT_NO_LISTEN,
        .protocols = client_protocols,
        .foreign_loops = loops,
        .pcontext = &ctx->lws,
        .user = ctx,
        .gid = -1,
        .uid = -1,
    };
    ctx->lws = lws_create_context(&info);
    if (ctx->lws == NULL) {
        kith_log(KITH_LOG_ERROR, "ws", "cannot create the libwebsockets context");
        free(ctx);
        return KITH_ERR_IO;
    }
    ctx->vhost = lws_get_vhost_by_name(ctx->lws, "default");
    uv_timer_init(loop, &ctx->reaper);
    ctx->reaper.data = ctx;
    *out = ctx;
    return KITH_OK;
}

struct lws_context *kith_ws_context_lws(struct kith_ws_context *ctx)
{
    return ctx != NULL ? ctx->lws : NULL;
}

struct handle_search {
    const void *owner;
    bool found;
};

static void find_owned_handle(uv_handle_t *handle, void *arg)
{
    struct handle_search *s = arg;
    if (handle->data == s->owner)
        s->found = true;
}

/* lws 4.1 tags its per-loop handles (idle, timer) with the context as their data, and closes
 * them only after every connection's handle has closed. */
static bool lws_handles_left(struct kith_ws_context *ctx)
{
    struct handle_search s = {.owner = ctx->lws};
    uv_walk(ctx->loop, find_owned_handle, &s);
    return s.found;
}

static void on_reaper_closed(uv_handle_t *handle)
{
    free(handle->data);
}

/* The teardown, from the loop and never from inside an lws callback. On a foreign loop lws
 * 4.1's lws_context_destroy only starts closing its handles; a second call, once they are all
 * closed, frees the context (and unloads the event-lib plugin whose code those handles' close
 * callbacks run, hence the wait). */
static void on_reap(uv_timer_t *timer)
{
    struct kith_ws_context *ctx = timer->data;
    if (!ctx->destroy_started) {
        ctx->destroy_started = true;
        lws_context_destroy(ctx->lws);
        return;
    }
    if (ctx->lws != NULL && !lws_handles_left(ctx))
        lws_context_destroy(ctx->lws);
    if (ctx->lws != NULL || ctx->resolving > 0)
        return;
    while (ctx->conns != NULL) {
        struct kith_ws_conn *c = ctx->conns;
        conn_unlink(c);
        conn_free(c);
    }
    uv_timer_stop(&ctx->reaper);
    uv_close((uv_handle_t *)&ctx->reaper, on_reaper_closed);
}

void kith_ws_context_free(struct kith_ws_context *ctx)
{
    if (ctx == NULL || ctx->closing)
        return;
    ctx->closing = true; /* from here on every kith_ws_* call on this context is refused */
    for (struct kith_ws_conn *c = ctx->conns; c != NULL; c = c->next) {
        if (!c->reported && c->cb.on_close != NULL)
            c->cb.on_close(c, KITH_WS_CLOSE_ABNORMAL, "shutting down");
        c->reported = true;
    }
    for (struct kith_ws_conn *c = ctx->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (c->resolving)
            uv_cancel((uv_req_t *)&c->resolver);
        conn_maybe_free(c);
    }
    uv_timer_start(&ctx->reaper, on_reap, 0, REAP_INTERVAL_MS);
}
