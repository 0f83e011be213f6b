/* WebSocket client over libwebsockets on the daemon's libuv loop: the context and its two-step
 * teardown, connecting (asynchronous resolution, one address after another), sending, closing. */
#include "net/ws_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define REAP_INTERVAL_MS 1

/* ---- Connecting ---- */

/* Starts one lws connection to `ip`; false when lws refused it on the spot. */
static bool conn_attempt(struct kith_ws_conn *c, const char *ip)
{
    /* A numeric address keeps lws from resolving (it would block the loop); the name still
     * goes in the Host header, SNI and the certificate check. */
    c->id = ++c->ctx->next_id;
    struct lws_client_connect_info ci = {
        .context = c->ctx->lws,
        .vhost = c->ctx->vhost,
        .address = ip,
        .port = c->url.port,
        .ssl_connection = c->url.tls ? LCCSCF_USE_SSL : 0,
        .path = c->url.path,
        .host = c->url.host_header,
        .ietf_version_or_minus_one = -1,
        .local_protocol_name = KITH_WS_PROTOCOL_NAME,
        .alpn = "http/1.1",
        .opaque_user_data = (void *)c->id,
    };
    c->state = KITH_WS_CONNECTING;
    c->in_connect = true;
    struct lws *wsi = lws_client_connect_via_info(&ci);
    c->in_connect = false;
    if (wsi != NULL) {
        c->wsi = wsi;
        return true;
    }
    c->id = 0;
    c->wsi = NULL;
    snprintf(c->last_error, sizeof(c->last_error), "connect to %s failed", ip);
    return false;
}

/* Tries the remaining addresses until lws takes one; reports the end when none is left. */
static void conn_try_next(struct kith_ws_conn *c)
{
    c->retry = false;
    if (c->dropping) {
        kith_ws_conn_report(c, KITH_WS_CLOSE_ABNORMAL, "connection dropped");
        return;
    }
    while (!c->reported && c->addr_next < c->addr_count)
        if (conn_attempt(c, c->addrs[c->addr_next++]))
            return;
    kith_ws_conn_report(c, KITH_WS_CLOSE_ABNORMAL, c->last_error);
}

/* Keeps the numeric form of every TCP address of the host, in the resolver's order. */
static kith_err conn_keep_addresses(struct kith_ws_conn *c, const struct addrinfo *res)
{
    size_t n = 0;
    for (const struct addrinfo *a = res; a != NULL; a = a->ai_next)
        n++;
    c->addrs = calloc(n > 0 ? n : 1, sizeof(*c->addrs));
    if (c->addrs == NULL)
        return KITH_ERR_NOMEM;
    for (const struct addrinfo *a = res; a != NULL; a = a->ai_next) {
        char ip[64] = "";
        if (a->ai_family == AF_INET)
            uv_ip4_name((const struct sockaddr_in *)a->ai_addr, ip, sizeof(ip));
        else if (a->ai_family == AF_INET6)
            uv_ip6_name((const struct sockaddr_in6 *)a->ai_addr, ip, sizeof(ip));
        if (ip[0] == '\0')
            continue;
        if ((c->addrs[c->addr_count] = strdup(ip)) == NULL)
            return KITH_ERR_NOMEM;
        c->addr_count++;
    }
    snprintf(c->last_error, sizeof(c->last_error), "no address for %s", c->url.host);
    return KITH_OK;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct kith_ws_conn *c = req->data;
    c->resolving = false;
    c->ctx->resolving--;
    if (c->reported) {
        /* the context is going away: nothing to report */
    } else if (status < 0) {
        snprintf(c->last_error, sizeof(c->last_error), "cannot resolve %s: %s", c->url.host,
                 uv_strerror(status));
        kith_ws_conn_report(c, KITH_WS_CLOSE_ABNORMAL,
                            c->dropping ? "connection dropped" : c->last_error);
    } else if (conn_keep_addresses(c, res) != KITH_OK) {
        kith_ws_conn_report(c, KITH_WS_CLOSE_ABNORMAL, "out of memory");
    } else {
        conn_try_next(c);
    }
    uv_freeaddrinfo(res);
    kith_ws_conn_maybe_free(c);
}

kith_err kith_ws_connect(struct kith_ws_context *ctx, const char *url,
                         const struct kith_ws_callbacks *cb, void *ud, struct kith_ws_conn **out)
{
    if (ctx == NULL || ctx->closing || url == NULL || cb == NULL || out == NULL)
        return KITH_ERR_INVALID;
    struct kith_ws_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return KITH_ERR_NOMEM;
    c->ctx = ctx;
    c->cb = *cb;
    c->ud = ud;
    kith_err err = kith_ws_url_parse(url, &c->url);
    if (err != KITH_OK) {
        kith_ws_conn_free(c);
        return err;
    }
    char port[8];
    snprintf(port, sizeof(port), "%d", c->url.port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    c->resolver.data = c;
    int rc = uv_getaddrinfo(ctx->loop, &c->resolver, on_resolved, c->url.host, port, &hints);
    if (rc != 0) {
        kith_log(KITH_LOG_WARN, "ws", "cannot start resolving %s: %s", c->url.host,
                 uv_strerror(rc));
        kith_ws_conn_free(c);
        return rc == UV_ENOMEM ? KITH_ERR_NOMEM : KITH_ERR_IO;
    }
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
    return c != NULL && !c->reported && !c->dropping && !c->close_requested && !c->ctx->closing;
}

kith_err kith_ws_send_text(struct kith_ws_conn *conn, const char *data, size_t len)
{
    if (!conn_usable(conn) || (data == NULL && len > 0))
        return KITH_ERR_INVALID;
    struct kith_ws_tx_msg *m = malloc(sizeof(*m) + LWS_PRE + len);
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
    if (conn->state == KITH_WS_OPEN && conn->wsi != NULL)
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
    if (conn->state != KITH_WS_OPEN) {
        kith_ws_drop(conn);
        return KITH_OK;
    }
    const char *r = reason != NULL ? reason : "";
    conn->close_requested = true;
    conn->close_code = code;
    kith_ws_copy_reason(conn->close_reason, r, strlen(r));
    lws_callback_on_writable(conn->wsi);
    return KITH_OK;
}

void kith_ws_drop(struct kith_ws_conn *conn)
{
    if (conn == NULL || conn->reported || conn->dropping || conn->ctx->closing)
        return;
    conn->dropping = true;
    if (conn->wsi == NULL)
        return; /* resolving or between attempts: conn_try_next reports the drop */
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
    lws_set_log_level(LLL_ERR | LLL_WARN, kith_ws_lws_log);
    void *loops[] = {loop};
    struct lws_context_creation_info info = {
        .options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT,
        .port = CONTEXT_PORT_NO_LISTEN,
        .protocols = kith_ws_client_protocols,
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
    uv_timer_init(loop, &ctx->tick);
    ctx->tick.data = ctx;
    *out = ctx;
    return KITH_OK;
}

kith_err kith_ws_context_adopt(struct kith_ws_context *ctx, void *mem)
{
    void **grown = realloc(ctx->adopted, (ctx->adopted_count + 1) * sizeof(*grown));
    if (grown == NULL) {
        free(mem);
        return KITH_ERR_NOMEM;
    }
    ctx->adopted = grown;
    ctx->adopted[ctx->adopted_count++] = mem;
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

static void on_tick_closed(uv_handle_t *handle)
{
    free(handle->data);
}

/* The teardown, from the loop and never from inside an lws callback. On a foreign loop lws
 * 4.1's lws_context_destroy only starts closing its handles; a second call, once they are all
 * closed, frees the context (and unloads the event-lib plugin whose code those handles' close
 * callbacks run, hence the wait). */
static void reap(struct kith_ws_context *ctx)
{
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
        kith_ws_conn_unlink(c);
        kith_ws_conn_free(c);
    }
    for (size_t i = 0; i < ctx->adopted_count; i++)
        free(ctx->adopted[i]);
    free(ctx->adopted);
    uv_timer_stop(&ctx->tick);
    uv_close((uv_handle_t *)&ctx->tick, on_tick_closed);
}

static void run_retries(struct kith_ws_context *ctx)
{
    for (struct kith_ws_conn *c = ctx->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (!c->retry)
            continue;
        conn_try_next(c);
        kith_ws_conn_maybe_free(c);
    }
}

static void on_tick(uv_timer_t *timer)
{
    struct kith_ws_context *ctx = timer->data;
    if (ctx->closing)
        reap(ctx);
    else
        run_retries(ctx);
}

void kith_ws_retry_soon(struct kith_ws_context *ctx)
{
    uv_timer_start(&ctx->tick, on_tick, 0, 0);
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
        c->retry = false;
    }
    for (struct kith_ws_conn *c = ctx->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (c->resolving)
            uv_cancel((uv_req_t *)&c->resolver);
        kith_ws_conn_maybe_free(c);
    }
    uv_timer_start(&ctx->tick, on_tick, 0, REAP_INTERVAL_MS);
}
