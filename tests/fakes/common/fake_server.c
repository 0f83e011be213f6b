/* The fake server itself: an lws context on the caller's libuv loop (foreign loop) with one
 * loopback vhost whose single protocol serves HTTP and WebSocket, its connections, and the
 * two-step teardown lws 4.1 needs on a foreign loop. */
#include "fake_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REAP_INTERVAL_MS 1
#define WATCH_INTERVAL_MS 20
#define KEEPALIVE_SECS 60
#define MAX_HEADER_BYTES 16384
#define RX_BUFFER 65536

/* Custom (non-lws-token) request headers worth recording on every request: lws 4.1 cannot
 * list the custom headers it parsed, only look one up by name. */
static const char *const default_watched[] = {
    "x-audit-log-reason", "x-ratelimit-precision", "x-telegram-bot-api-secret-token",
    "x-request-id",       "x-super-properties",
};

/* ---- Connections ---- */

static struct fake_conn *conn_of(struct fake_server *srv, struct lws *wsi)
{
    struct fake_conn *c = lws_get_opaque_user_data(wsi);
    if (c != NULL || srv == NULL || srv->closing)
        return c;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->srv = srv;
    c->wsi = wsi;
    c->next = srv->conns;
    if (srv->conns != NULL)
        srv->conns->prev = c;
    srv->conns = c;
    lws_set_opaque_user_data(wsi, c);
    return c;
}

static void conn_free(struct fake_conn *c)
{
    struct fake_server *srv = c->srv;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    if (!srv->closing)
        fake_http_abort(c);
    fake_http_release(c);
    if (c->ws != NULL) {
        fake_ws_report(c);
        fake_ws_free(c->ws);
    }
    lws_set_opaque_user_data(c->wsi, NULL);
    free(c);
}

/* ---- lws events ---- */

static int on_event(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct lws_vhost *vh = lws_get_vhost(wsi);
    struct fake_server *srv = vh != NULL ? lws_vhost_user(vh) : NULL;
    struct fake_conn *c;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* the upgrade is refused when the fake serves no WebSocket */
        return srv != NULL && !srv->closing &&
                       (srv->opts.ws.on_open || srv->opts.ws.on_text || srv->opts.ws.on_close)
                   ? 0
                   : -1;
    case LWS_CALLBACK_HTTP: c = conn_of(srv, wsi); return c != NULL ? fake_http_start(c, in) : -1;
    case LWS_CALLBACK_HTTP_BODY:
        c = lws_get_opaque_user_data(wsi);
        return c != NULL ? fake_http_body(c, in, len) : -1;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        c = lws_get_opaque_user_data(wsi);
        return c != NULL ? fake_http_body_done(c) : -1;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        c = lws_get_opaque_user_data(wsi);
        return c != NULL ? fake_http_writable(c) : 0;
    case LWS_CALLBACK_ESTABLISHED: c = conn_of(srv, wsi); return c != NULL ? fake_ws_opened(c) : -1;
    case LWS_CALLBACK_RECEIVE:
        c = lws_get_opaque_user_data(wsi);
        return c != NULL ? fake_ws_receive(c, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        c = lws_get_opaque_user_data(wsi);
        return c != NULL ? fake_ws_writable(c) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        c = lws_get_opaque_user_data(wsi);
        if (c != NULL)
            fake_ws_peer_closed(c, in, len);
        return 0; /* lws answers with the same close frame */
    case LWS_CALLBACK_CLOSED:
        c = lws_get_opaque_user_data(wsi);
        if (c != NULL)
            fake_ws_report(c);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        c = lws_get_opaque_user_data(wsi);
        if (c != NULL)
            conn_free(c);
        return 0;
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"fake", on_event, 0, RX_BUFFER, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- Creation ---- */

static bool watch_defaults(struct fake_server *srv)
{
    for (size_t i = 0; i < sizeof(default_watched) / sizeof(default_watched[0]); i++)
        if (fake_server_watch_header(srv, default_watched[i]) != 0)
            return false;
    return true;
}

static int listen_vhost(struct fake_server *srv)
{
    struct lws_context_creation_info vi = {
        .port = srv->opts.port,
        .iface = "127.0.0.1",
        .protocols = protocols,
        .vhost_name = "fake",
        .keepalive_timeout = KEEPALIVE_SECS,
        .user = srv,
        .gid = -1,
        .uid = -1,
    };
    srv->vhost = lws_create_vhost(srv->lws, &vi);
    if (srv->vhost == NULL) {
        fprintf(stderr, "fake: cannot listen on 127.0.0.1 port %d\n", srv->opts.port);
        return -1;
    }
    srv->port = lws_get_vhost_listen_port(srv->vhost);
    return 0;
}

static void start_teardown(struct fake_server *srv);

static void on_watch(uv_timer_t *timer)
{
    struct fake_server *srv = timer->data;
    for (struct fake_conn *c = srv->conns; c != NULL; c = c->next)
        fake_http_check_gone(c); /* on_abort may run; connections are freed only by lws */
}

int fake_server_new(uv_loop_t *loop, const struct fake_server_opts *opts, struct fake_server **out)
{
    if (loop == NULL || opts == NULL || out == NULL || opts->port < 0 || opts->port > 65535) {
        fprintf(stderr, "fake: invalid server options\n");
        return -1;
    }
    *out = NULL;
    struct fake_server *srv = calloc(1, sizeof(*srv));
    if (srv == NULL || (srv->record = cJSON_CreateArray()) == NULL || !watch_defaults(srv)) {
        fprintf(stderr, "fake: out of memory\n");
        fake_server_free(srv);
        return -1;
    }
    srv->loop = loop;
    srv->opts = *opts;
    uv_timer_init(loop, &srv->reaper);
    uv_timer_init(loop, &srv->watch);
    srv->reaper.data = srv;
    srv->watch.data = srv;
    srv->open_handles = 2;
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    void *loops[] = {loop};
    struct lws_context_creation_info info = {
        .options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS,
        .port = CONTEXT_PORT_NO_LISTEN,
        .foreign_loops = loops,
        .pcontext = &srv->lws,
        .max_http_header_data = MAX_HEADER_BYTES,
        .user = srv,
        .gid = -1,
        .uid = -1,
    };
    srv->lws = lws_create_context(&info);
    if (srv->lws == NULL || listen_vhost(srv) != 0) {
        if (srv->lws == NULL)
            fprintf(stderr, "fake: cannot create the libwebsockets context\n");
        start_teardown(srv);
        return -1;
    }
    uv_timer_start(&srv->watch, on_watch, WATCH_INTERVAL_MS, WATCH_INTERVAL_MS);
    *out = srv;
    return 0;
}

int fake_server_port(const struct fake_server *srv)
{
    return srv != NULL ? srv->port : 0;
}

uv_loop_t *fake_server_loop(const struct fake_server *srv)
{
    return srv != NULL ? srv->loop : NULL;
}

int fake_server_watch_header(struct fake_server *srv, const char *name)
{
    if (srv == NULL || name == NULL || name[0] == '\0')
        return -1;
    char **grown = realloc(srv->watched, (srv->watched_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return -1;
    srv->watched = grown;
    char *copy = strdup(name);
    if (copy == NULL)
        return -1;
    for (char *p = copy; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    srv->watched[srv->watched_count++] = copy;
    return 0;
}

void fake_server_at_free(struct fake_server *srv, void (*fn)(struct fake_server *srv, void *ud),
                         void *ud)
{
    if (srv == NULL)
        return;
    srv->at_free = fn;
    srv->at_free_ud = ud;
}

size_t fake_server_each_ws(struct fake_server *srv, void (*fn)(struct fake_ws *ws, void *ud),
                           void *ud)
{
    size_t n = 0;
    if (srv == NULL || srv->closing)
        return 0;
    for (struct fake_conn *c = srv->conns, *next; c != NULL; c = next) {
        next = c->next; /* fn may close or drop ws; the connection stays until lws lets go */
        if (c->ws == NULL || c->ws->reported || c->ws->dropping || c->ws->close_requested)
            continue;
        n++;
        if (fn != NULL)
            fn(c->ws, ud);
    }
    return n;
}

/* ---- Teardown ---- */

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

/* lws 4.1 tags its per-loop handles with the context as their data, and closes them only
 * after every connection's handle has closed. */
static bool lws_handles_left(struct fake_server *srv)
{
    struct handle_search s = {.owner = srv->lws};
    uv_walk(srv->loop, find_owned_handle, &s);
    return s.found;
}

static void release(struct fake_server *srv)
{
    cJSON_Delete(srv->record);
    for (size_t i = 0; i < srv->watched_count; i++)
        free(srv->watched[i]);
    free(srv->watched);
    free(srv);
}

static void on_timer_closed(uv_handle_t *handle)
{
    struct fake_server *srv = handle->data;
    if (--srv->open_handles == 0)
        release(srv);
}

/* On a foreign loop lws_context_destroy first only starts closing lws' handles; a second
 * call, once they are all closed, frees the context. Never from inside an lws callback. */
static void on_reap(uv_timer_t *timer)
{
    struct fake_server *srv = timer->data;
    if (srv->lws != NULL && !srv->destroy_started) {
        srv->destroy_started = true;
        lws_context_destroy(srv->lws);
        return;
    }
    if (srv->lws != NULL && !lws_handles_left(srv))
        lws_context_destroy(srv->lws);
    if (srv->lws != NULL)
        return;
    uv_timer_stop(&srv->reaper);
    uv_close((uv_handle_t *)&srv->reaper, on_timer_closed);
}

static void start_teardown(struct fake_server *srv)
{
    srv->closing = true;
    uv_timer_stop(&srv->watch);
    uv_close((uv_handle_t *)&srv->watch, on_timer_closed);
    uv_timer_start(&srv->reaper, on_reap, 0, REAP_INTERVAL_MS);
}

void fake_server_free(struct fake_server *srv)
{
    if (srv == NULL || srv->closing)
        return;
    if (srv->loop == NULL) { /* failed before the loop was touched */
        release(srv);
        return;
    }
    /* The fake hears about everything still open now, and nothing after this returns. */
    for (struct fake_conn *c = srv->conns; c != NULL; c = c->next) {
        fake_http_abort(c);
        if (c->ws != NULL)
            fake_ws_report(c);
    }
    srv->closing = true;
    if (srv->at_free != NULL)
        srv->at_free(srv, srv->at_free_ud);
    start_teardown(srv);
}
