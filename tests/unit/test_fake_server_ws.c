/* The fake server base over WebSocket, through fake_echo run as a process and kith's own
 * client (src/net/ws.h) on a loop in the test: open with the path, echo, reassembly, close
 * codes both ways, drops, the control API reaching open sockets, and a stop with one open. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "check.h"
#include "net/ws.h"
#include "scenario.h"

#define FAKE_ECHO KITH_FAKES_DIR "/fake_echo"
#define GUARD_MS 5000

struct fixture {
    struct scenario s;
    uv_loop_t loop;
    uv_timer_t guard;
    bool timed_out;
    struct kith_ws_context *ws;
    char url[160];
};

struct client {
    int opens, texts, closes;
    int close_code;
    char *last_text;
    size_t last_len;
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
    if (!scenario_init(&f->s) || !scenario_start_fake(&f->s, FAKE_ECHO, NULL) ||
        uv_loop_init(&f->loop) != 0)
        return false;
    uv_timer_init(&f->loop, &f->guard);
    f->guard.data = f;
    snprintf(f->url, sizeof(f->url), "ws://127.0.0.1:%d/gateway?v=10&encoding=json",
             f->s.fake_port);
    return kith_ws_context_new(&f->loop, &f->ws) == KITH_OK;
}

static void fixture_teardown(struct fixture *f)
{
    kith_ws_context_free(f->ws);
    uv_close((uv_handle_t *)&f->guard, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&f->loop), 0);
    scenario_finish(&f->s);
}

/* Runs the loop until *counter reaches target (GUARD_MS at most). */
static void wait_for(struct fixture *f, const int *counter, int target)
{
    f->timed_out = false;
    uv_timer_start(&f->guard, on_guard, GUARD_MS, 0);
    while (*counter < target && !f->timed_out)
        if (uv_run(&f->loop, UV_RUN_ONCE) == 0)
            break;
    uv_timer_stop(&f->guard);
    CHECK(!f->timed_out);
    CHECK_INT(*counter, target);
}

static void on_open(struct kith_ws_conn *conn)
{
    struct client *cl = kith_ws_conn_ud(conn);
    cl->opens++;
}

static void on_text(struct kith_ws_conn *conn, const char *data, size_t len)
{
    struct client *cl = kith_ws_conn_ud(conn);
    cl->texts++;
    free(cl->last_text);
    cl->last_text = strndup(data, len);
    cl->last_len = len;
}

static void on_close(struct kith_ws_conn *conn, int code, const char *reason)
{
    struct client *cl = kith_ws_conn_ud(conn);
    (void)reason;
    cl->closes++;
    cl->close_code = code;
}

static const struct kith_ws_callbacks client_cb = {on_open, on_text, on_close};

/* Connects and runs the loop until the client is open. */
static struct kith_ws_conn *open_client(struct fixture *f, struct client *cl)
{
    struct kith_ws_conn *conn = NULL;
    CHECK_INT(kith_ws_connect(f->ws, f->url, &client_cb, cl, &conn), KITH_OK);
    wait_for(f, &cl->opens, 1);
    return conn;
}

/* True when the fake recorded a WebSocket entry containing `part` (as printed JSON). */
static bool fake_recorded(struct fixture *f, const char *part)
{
    cJSON *e = scenario_wait_request(&f->s, NULL, NULL, part, 2000, NULL);
    cJSON_Delete(e);
    return e != NULL;
}

TEST(test_websocket_opens_on_its_path_and_echoes)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    struct kith_ws_conn *conn = open_client(&f, &cl);
    CHECK(fake_recorded(&f, "\"opened\":\"/gateway?v=10&encoding=json\""));
    CHECK_INT(kith_ws_send_text(conn, "hello", 5), KITH_OK);
    wait_for(&f, &cl.texts, 1);
    CHECK_STR(cl.last_text, "hello");
    CHECK(fake_recorded(&f, "\"text\":\"hello\""));
    fixture_teardown(&f);
    free(cl.last_text);
}

TEST(test_fake_closes_with_the_code_it_was_asked_for)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    struct kith_ws_conn *conn = open_client(&f, &cl);
    CHECK_INT(kith_ws_send_text(conn, "close 4004", 10), KITH_OK);
    wait_for(&f, &cl.closes, 1);
    CHECK_INT(cl.close_code, 4004);
    CHECK(fake_recorded(&f, "\"closed\":4004"));
    fixture_teardown(&f);
    free(cl.last_text);
}

TEST(test_client_close_code_reaches_the_fake)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    struct kith_ws_conn *conn = open_client(&f, &cl);
    CHECK_INT(kith_ws_close(conn, 4000, "resuming"), KITH_OK);
    wait_for(&f, &cl.closes, 1);
    CHECK_INT(cl.close_code, 4000);
    CHECK(fake_recorded(&f, "\"closed\":4000"));
    fixture_teardown(&f);
}

TEST(test_dropped_websocket_is_abnormal_on_both_sides)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    struct kith_ws_conn *conn = open_client(&f, &cl);
    CHECK_INT(kith_ws_send_text(conn, "drop", 4), KITH_OK);
    wait_for(&f, &cl.closes, 1);
    CHECK_INT(cl.close_code, KITH_WS_CLOSE_ABNORMAL);
    CHECK(fake_recorded(&f, "\"closed\":1006"));
    struct client cl2 = {0};
    conn = open_client(&f, &cl2); /* and the client dropping: 1006 at the fake too */
    kith_ws_drop(conn);
    wait_for(&f, &cl2.closes, 1);
    cJSON_Delete(scenario_wait_request(&f.s, NULL, NULL, "\"closed\":1006", 2000, NULL));
    CHECK_INT(scenario_count_requests(&f.s, NULL, NULL, "\"closed\":1006"), 2);
    fixture_teardown(&f);
}

TEST(test_control_say_reaches_every_open_websocket)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client a = {0}, b = {0};
    open_client(&f, &a);
    open_client(&f, &b);
    cJSON *out = scenario_control(&f.s, "POST", "say", "{\"text\":\"news\"}");
    CHECK_INT(cJSON_GetObjectItem(out, "sent")->valueint, 2);
    cJSON_Delete(out);
    wait_for(&f, &a.texts, 1);
    wait_for(&f, &b.texts, 1);
    CHECK_STR(a.last_text, "news");
    CHECK_STR(b.last_text, "news");
    fixture_teardown(&f);
    free(a.last_text);
    free(b.last_text);
}

TEST(test_large_message_is_reassembled_both_ways)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    struct kith_ws_conn *conn = open_client(&f, &cl);
    size_t n = 300 * 1024;
    char *big = malloc(n);
    REQUIRE(big != NULL);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    CHECK_INT(kith_ws_send_text(conn, big, n), KITH_OK);
    wait_for(&f, &cl.texts, 1);
    CHECK_INT(cl.last_len, n);
    CHECK(cl.last_text != NULL && memcmp(cl.last_text, big, n) == 0);
    free(big);
    fixture_teardown(&f);
    free(cl.last_text);
}

TEST(test_fake_stops_cleanly_with_a_websocket_open)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    struct client cl = {0};
    open_client(&f, &cl);
    CHECK_INT(scenario_stop_fake(&f.s, SIGTERM, 5000), 0);
    wait_for(&f, &cl.closes, 1);
    CHECK_INT(cl.close_code, KITH_WS_CLOSE_ABNORMAL);
    fixture_teardown(&f);
}
