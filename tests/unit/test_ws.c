/* The WebSocket client against an lws echo server (a vhost on the same context and loop):
 * open, text both ways, reassembly, close codes both ways, drops, refusals and teardown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <uv.h>

#include "check.h"
#include "net/ws.h"
#include "net/ws_url.h"
#include "net_test_server.h"

#define GUARD_MS 5000

/* ---- The echo server: echoes text; "close <code>" closes with that code, "drop" drops the
 * TCP connection, "frag" answers "part1-part2-part3" in three fragments. ---- */

struct srv_msg {
    struct srv_msg *next;
    size_t len;
    int flags;
    unsigned char buf[]; /* LWS_PRE, then the payload */
};

struct session {
    char *rx;
    size_t rx_len;
    struct srv_msg *head, *tail;
};

static struct {
    int established, closed;
    bool peer_closed;
    int peer_close_code;
    char uri[256], args[256], host[128];
} server;

static bool session_queue(struct session *s, const char *data, size_t len, int flags)
{
    struct srv_msg *m = malloc(sizeof(*m) + LWS_PRE + len);
    if (m == NULL)
        return false;
    m->next = NULL;
    m->len = len;
    m->flags = flags;
    memcpy(m->buf + LWS_PRE, data, len);
    if (s->tail != NULL)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    return true;
}

static void session_free(struct session *s)
{
    while (s->head != NULL) {
        struct srv_msg *m = s->head;
        s->head = m->next;
        free(m);
    }
    s->tail = NULL;
    free(s->rx);
    s->rx = NULL;
}

/* Acts on one whole message; returns -1 to have lws close the connection. */
static int session_command(struct lws *wsi, struct session *s)
{
    if (strncmp(s->rx, "close ", 6) == 0) {
        lws_close_reason(wsi, (enum lws_close_status)atoi(s->rx + 6), (unsigned char *)"bye", 3);
        return -1;
    }
    if (strcmp(s->rx, "drop") == 0)
        return -1; /* no close reason prepared: lws closes without a close frame */
    bool ok;
    if (strcmp(s->rx, "frag") == 0)
        ok = session_queue(s, "part1-", 6, LWS_WRITE_TEXT | LWS_WRITE_NO_FIN) &&
             session_queue(s, "part2-", 6, LWS_WRITE_CONTINUATION | LWS_WRITE_NO_FIN) &&
             session_queue(s, "part3", 5, LWS_WRITE_CONTINUATION);
    else
        ok = session_queue(s, s->rx, s->rx_len, LWS_WRITE_TEXT);
    lws_callback_on_writable(wsi);
    return ok ? 0 : -1;
}

static int session_receive(struct lws *wsi, struct session *s, const char *in, size_t len)
{
    char *p = realloc(s->rx, s->rx_len + len + 1);
    if (p == NULL)
        return -1;
    s->rx = p;
    memcpy(s->rx + s->rx_len, in, len);
    s->rx_len += len;
    s->rx[s->rx_len] = '\0';
    if (!lws_is_final_fragment(wsi))
        return 0;
    int rc = session_command(wsi, s);
    s->rx_len = 0;
    return rc;
}

static int session_writable(struct lws *wsi, struct session *s)
{
    struct srv_msg *m = s->head;
    if (m == NULL)
        return 0;
    s->head = m->next;
    if (s->head == NULL)
        s->tail = NULL;
    int n = lws_write(wsi, m->buf + LWS_PRE, m->len, (enum lws_write_protocol)m->flags);
    bool ok = n >= (int)m->len;
    free(m);
    if (s->head != NULL)
        lws_callback_on_writable(wsi);
    return ok ? 0 : -1;
}

static int on_server_event(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                           size_t len)
{
    struct session *s = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        server.established++;
        lws_hdr_copy(wsi, server.uri, sizeof(server.uri), WSI_TOKEN_GET_URI);
        lws_hdr_copy(wsi, server.args, sizeof(server.args), WSI_TOKEN_HTTP_URI_ARGS);
        lws_hdr_copy(wsi, server.host, sizeof(server.host), WSI_TOKEN_HOST);
        return 0;
    case LWS_CALLBACK_RECEIVE: return session_receive(wsi, s, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE: return session_writable(wsi, s);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        server.peer_closed = true;
        if (len >= 2)
            server.peer_close_code = (((unsigned char *)in)[0] << 8) | ((unsigned char *)in)[1];
        return 0;
    case LWS_CALLBACK_CLOSED: server.closed++; return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (s != NULL)
            session_free(s);
        return 0;
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols server_protocols[] = {
    {"kith-test-echo", on_server_event, sizeof(struct session), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- Fixture ---- */

struct fixture {
    uv_loop_t loop;
    uv_timer_t guard;
    bool timed_out;
    struct kith_ws_context *ws;
    int port;
    char url[160];
};

static void on_guard(uv_timer_t *timer)
{
    struct fixture *f = timer->data;
    f->timed_out = true;
    uv_stop(&f->loop);
}

static bool fixture_setup(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    memset(&server, 0, sizeof(server));
    if (uv_loop_init(&f->loop) != 0)
        return false;
    uv_timer_init(&f->loop, &f->guard);
    f->guard.data = f;
    uv_timer_start(&f->guard, on_guard, GUARD_MS, 0);
    uv_unref((uv_handle_t *)&f->guard);
    if (kith_ws_context_new(&f->loop, &f->ws) != KITH_OK)
        return false;
    struct lws_context_creation_info vi = {
        .port = 0, /* ephemeral */
        .iface = "127.0.0.1",
        .protocols = server_protocols,
        .vhost_name = "test-echo",
        .gid = -1,
        .uid = -1,
    };
    struct lws_vhost *vh = lws_create_vhost(kith_ws_context_lws(f->ws), &vi);
    if (vh == NULL)
        return false;
    f->port = lws_get_vhost_listen_port(vh);
    snprintf(f->url, sizeof(f->url), "ws://127.0.0.1:%d/gateway?v=10&encoding=json", f->port);
    return f->port > 0;
}

static void fixture_teardown(struct fixture *f)
{
    kith_ws_context_free(f->ws);
    while (!f->timed_out && uv_run(&f->loop, UV_RUN_ONCE) != 0)
        ;
    CHECK(!f->timed_out);
    uv_close((uv_handle_t *)&f->guard, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&f->loop), 0);
}

/* Runs the loop until *counter reaches target or the guard fires. */
static void wait_for(struct fixture *f, const int *counter, int target)
{
    while (*counter < target && !f->timed_out)
        if (uv_run(&f->loop, UV_RUN_ONCE) == 0)
            break;
    CHECK(!f->timed_out);
    CHECK_INT(*counter, target);
}

/* ---- A recording client ---- */

struct client {
    int opens, texts, closes;
    int close_code;
    char close_reason[128];
    char texts_seen[256]; /* short messages, joined with '|' */
    size_t last_len;
    char *last_text;
    const char *send_on_open;
};

static void on_open(struct kith_ws_conn *conn)
{
    struct client *cl = kith_ws_conn_ud(conn);
    cl->opens++;
    if (cl->send_on_open != NULL)
        CHECK_INT(kith_ws_send_text(conn, cl->send_on_open, strlen(cl->send_on_open)), KITH_OK);
}

static void on_text(struct kith_ws_conn *conn, const char *data, size_t len)
{
    struct client *cl = kith_ws_conn_ud(conn);
    cl->texts++;
    free(cl->last_text);
    cl->last_text = strndup(data, len);
    cl->last_len = len;
    CHECK_INT(data[len], '\0');
    if (len < 64) {
        size_t used = strlen(cl->texts_seen);
        snprintf(cl->texts_seen + used, sizeof(cl->texts_seen) - used, "%s%.*s",
                 used > 0 ? "|" : "", (int)len, data);
    }
}

static void on_close(struct kith_ws_conn *conn, int code, const char *reason)
{
    struct client *cl = kith_ws_conn_ud(conn);
    cl->closes++;
    cl->close_code = code;
    snprintf(cl->close_reason, sizeof(cl->close_reason), "%s", reason);
}

static const struct kith_ws_callbacks client_cb = {on_open, on_text, on_close};

static struct kith_ws_conn *connect_client(struct fixture *f, const char *url, struct client *cl)
{
    struct kith_ws_conn *conn = NULL;
    CHECK_INT(kith_ws_connect(f->ws, url, &client_cb, cl, &conn), KITH_OK);
    CHECK(conn != NULL);
    return conn;
}

/* ---- Tests ---- */

TEST(test_client_opens_and_exchanges_text_in_order)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    struct kith_ws_conn *conn = connect_client(&f, f.url, &cl);
    CHECK_INT(cl.opens + cl.closes, 0); /* nothing is called from inside connect */
    wait_for(&f, &cl.opens, 1);
    CHECK_STR(server.uri, "/gateway");
    CHECK_CONTAINS(server.args, "v=10");
    CHECK_INT(kith_ws_send_text(conn, "one", 3), KITH_OK);
    CHECK_INT(kith_ws_send_text(conn, "two", 3), KITH_OK);
    CHECK_INT(kith_ws_send_text(conn, "three", 5), KITH_OK);
    wait_for(&f, &cl.texts, 3);
    CHECK_STR(cl.texts_seen, "one|two|three");
    CHECK_INT(cl.closes, 0);
    fixture_teardown(&f);
    CHECK_INT(cl.closes, 1); /* the context's end closes the connection, once */
    CHECK_INT(cl.close_code, KITH_WS_CLOSE_ABNORMAL);
    free(cl.last_text);
}

TEST(test_text_queued_before_open_is_sent_after_handshake)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    struct kith_ws_conn *conn = connect_client(&f, f.url, &cl);
    CHECK_INT(kith_ws_send_text(conn, "early", 5), KITH_OK);
    wait_for(&f, &cl.texts, 1);
    CHECK_INT(cl.opens, 1);
    CHECK_STR(cl.last_text, "early");
    fixture_teardown(&f);
    free(cl.last_text);
}

TEST(test_twenty_kilobyte_message_arrives_whole)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    size_t n = 20 * 1024;
    char *big = malloc(n + 1);
    REQUIRE(big != NULL);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    big[n] = '\0';
    struct client cl = {.send_on_open = big};
    connect_client(&f, f.url, &cl);
    wait_for(&f, &cl.texts, 1);
    CHECK_INT(cl.last_len, n);
    CHECK(cl.last_text != NULL && strcmp(cl.last_text, big) == 0);
    fixture_teardown(&f);
    free(big);
    free(cl.last_text);
}

TEST(test_fragmented_message_is_reassembled)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {.send_on_open = "frag"};
    connect_client(&f, f.url, &cl);
    wait_for(&f, &cl.texts, 1);
    CHECK_STR(cl.last_text, "part1-part2-part3");
    fixture_teardown(&f);
    CHECK_INT(cl.texts, 1);
    free(cl.last_text);
}

TEST(test_server_close_code_is_reported)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {.send_on_open = "close 4004"};
    connect_client(&f, f.url, &cl);
    wait_for(&f, &cl.closes, 1);
    CHECK_INT(cl.close_code, 4004);
    CHECK_STR(cl.close_reason, "bye");
    fixture_teardown(&f);
    CHECK_INT(cl.closes, 1);
}

TEST(test_client_close_code_reaches_server)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    struct kith_ws_conn *conn = connect_client(&f, f.url, &cl);
    wait_for(&f, &cl.opens, 1);
    CHECK_INT(kith_ws_close(conn, 1001, "reserved"), KITH_ERR_INVALID); /* not ours to send */
    CHECK_INT(kith_ws_close(conn, 4000, "resume later"), KITH_OK);
    CHECK_INT(kith_ws_send_text(conn, "late", 4), KITH_ERR_INVALID);
    wait_for(&f, &cl.closes, 1);
    CHECK_INT(cl.close_code, 4000);
    CHECK_STR(cl.close_reason, "resume later");
    wait_for(&f, &server.closed, 1);
    CHECK(server.peer_closed);
    CHECK_INT(server.peer_close_code, 4000);
    fixture_teardown(&f);
    CHECK_INT(cl.closes, 1);
}

TEST(test_server_drop_reports_abnormal_close)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {.send_on_open = "drop"};
    connect_client(&f, f.url, &cl);
    wait_for(&f, &cl.closes, 1);
    CHECK_INT(cl.close_code, 1006);
    fixture_teardown(&f);
}

TEST(test_client_drop_closes_without_close_frame)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    struct kith_ws_conn *conn = connect_client(&f, f.url, &cl);
    wait_for(&f, &cl.opens, 1);
    kith_ws_drop(conn);
    CHECK_INT(cl.closes, 0); /* reported from the loop, not from inside drop */
    wait_for(&f, &cl.closes, 1);
    CHECK_INT(cl.close_code, 1006);
    wait_for(&f, &server.closed, 1);
    CHECK(!server.peer_closed); /* the server saw the TCP connection end, no close frame */
    fixture_teardown(&f);
}

TEST(test_refused_connection_reports_abnormal_close)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    int port = kith_test_closed_port();
    REQUIRE(port != 0);
    char url[96];
    snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
    struct client cl = {0};
    connect_client(&f, url, &cl);
    CHECK_INT(cl.closes, 0);
    wait_for(&f, &cl.closes, 1);
    CHECK_INT(cl.opens, 0);
    CHECK_INT(cl.close_code, 1006);
    fixture_teardown(&f);
    CHECK_INT(cl.closes, 1);
}

TEST(test_bad_urls_are_refused_up_front)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    struct kith_ws_conn *conn = NULL;
    const char *bad[] = {"http://127.0.0.1/", "ws://",      "ws://host:0/",   "ws://host:99999/",
                         "ws://user@host/",   "ws://[::1/", "ws://host:12ab/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(kith_ws_connect(f.ws, bad[i], &client_cb, &cl, &conn), KITH_ERR_INVALID);
    fixture_teardown(&f);
    CHECK_INT(cl.closes, 0);
}

TEST(test_context_free_closes_open_and_pending_connections)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client open = {0}, pending = {0};
    connect_client(&f, f.url, &open);
    wait_for(&f, &open.opens, 1);
    wait_for(&f, &server.established, 1);
    connect_client(&f, f.url, &pending); /* still resolving when the context goes */
    kith_ws_context_free(f.ws);
    CHECK_INT(open.closes, 1);
    CHECK_INT(pending.closes, 1);
    CHECK_STR(open.close_reason, "shutting down");
    f.ws = NULL;
    fixture_teardown(&f); /* runs the loop dry: lws must leave no handle behind */
    CHECK_INT(open.closes, 1);
    CHECK_INT(pending.closes, 1);
    CHECK_INT(pending.opens, 0);
}

TEST(test_host_name_is_resolved_and_sent_as_host_header)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[96], host[64];
    snprintf(url, sizeof(url), "ws://localhost:%d/gateway", f.port);
    snprintf(host, sizeof(host), "localhost:%d", f.port);
    struct client cl = {.send_on_open = "hi"};
    connect_client(&f, url, &cl);
    wait_for(&f, &cl.texts, 1);
    CHECK_STR(cl.last_text, "hi");
    CHECK_STR(server.host, host);
    fixture_teardown(&f);
    free(cl.last_text);
}

TEST(test_close_before_open_reports_abnormal_close)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    struct kith_ws_conn *conn = connect_client(&f, f.url, &cl);
    CHECK_INT(kith_ws_close(conn, 1000, "never mind"), KITH_OK);
    CHECK_INT(cl.closes, 0);
    wait_for(&f, &cl.closes, 1);
    CHECK_INT(cl.close_code, 1006);
    CHECK_INT(cl.opens, 0);
    fixture_teardown(&f);
    CHECK_INT(cl.closes, 1);
}

TEST(test_wss_against_plain_server_fails_with_abnormal_close)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[96];
    snprintf(url, sizeof(url), "wss://127.0.0.1:%d/", f.port);
    struct client cl = {0};
    connect_client(&f, url, &cl);
    wait_for(&f, &cl.closes, 1);
    CHECK_INT(cl.opens, 0);
    CHECK_INT(cl.close_code, 1006);
    fixture_teardown(&f);
}

TEST(test_urls_are_split_into_host_port_and_path)
{
    struct kith_ws_url u;
    REQUIRE(kith_ws_url_parse("wss://gateway.discord.gg/?v=10&encoding=json", &u) == KITH_OK);
    CHECK(u.tls);
    CHECK_INT(u.port, 443);
    CHECK_STR(u.host, "gateway.discord.gg");
    CHECK_STR(u.host_header, "gateway.discord.gg");
    CHECK_STR(u.path, "/?v=10&encoding=json");
    kith_ws_url_clear(&u);
    REQUIRE(kith_ws_url_parse("WS://[::1]:8080?x=1#frag", &u) == KITH_OK);
    CHECK(!u.tls);
    CHECK_INT(u.port, 8080);
    CHECK_STR(u.host, "::1");
    CHECK_STR(u.host_header, "[::1]:8080");
    CHECK_STR(u.path, "/?x=1");
    kith_ws_url_clear(&u);
    REQUIRE(kith_ws_url_parse("ws://example.org", &u) == KITH_OK);
    CHECK_INT(u.port, 80);
    CHECK_STR(u.path, "/");
    kith_ws_url_clear(&u);
    CHECK_INT(kith_ws_url_parse("ws://example.org:/", &u), KITH_ERR_INVALID);
    CHECK(u.host == NULL);
}
