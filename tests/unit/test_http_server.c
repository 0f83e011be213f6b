/* The small HTTP server on the WebSocket context, driven by the HTTP client on the same loop
 * as a Telegram webhook or a dashboard browser would: requests in, answers out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "check.h"
#include "net/http.h"
#include "net/http_server.h"
#include "net/ws.h"

#define GUARD_MS 5000

struct seen {
    int calls;
    char method[16], path[128], query[128], secret[64], content_type[64], body[256];
    bool answer; /* whether the handler answers */
};

struct fixture {
    uv_loop_t loop;
    uv_timer_t guard;
    bool timed_out;
    struct kith_ws_context *ws;
    struct kith_http_server *srv;
    struct kith_http *http;
    struct seen seen;
};

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src != NULL ? src : "(null)");
}

static void on_request(struct kith_http_exchange *ex, void *ud)
{
    struct seen *s = ud;
    s->calls++;
    size_t len = 0;
    const char *body = kith_http_exchange_body(ex, &len);
    copy(s->method, sizeof(s->method), kith_http_exchange_method(ex));
    copy(s->path, sizeof(s->path), kith_http_exchange_path(ex));
    copy(s->query, sizeof(s->query), kith_http_exchange_query(ex));
    copy(s->secret, sizeof(s->secret),
         kith_http_exchange_header(ex, "X-Telegram-Bot-Api-Secret-Token"));
    copy(s->content_type, sizeof(s->content_type), kith_http_exchange_header(ex, "content-type"));
    snprintf(s->body, sizeof(s->body), "%.*s", (int)len, body);
    if (!s->answer)
        return;
    char answer[300];
    int n = snprintf(answer, sizeof(answer), "{\"got\":\"%s %s\"}", s->method, s->path);
    CHECK_INT(kith_http_exchange_respond(ex, 200, "application/json", answer, (size_t)n), KITH_OK);
    CHECK_INT(kith_http_exchange_respond(ex, 200, NULL, "", 0), KITH_ERR_INVALID);
}

static void on_guard(uv_timer_t *timer)
{
    struct fixture *f = timer->data;
    f->timed_out = true;
    uv_stop(&f->loop);
}

static bool fixture_setup(struct fixture *f, size_t max_body)
{
    memset(f, 0, sizeof(*f));
    f->seen.answer = true;
    if (uv_loop_init(&f->loop) != 0)
        return false;
    uv_timer_init(&f->loop, &f->guard);
    f->guard.data = f;
    uv_timer_start(&f->guard, on_guard, GUARD_MS, 0);
    uv_unref((uv_handle_t *)&f->guard);
    struct kith_http_server_opts opts = {.iface = "127.0.0.1", .port = 0, .max_body = max_body};
    return kith_ws_context_new(&f->loop, &f->ws) == KITH_OK &&
           kith_http_server_new(f->ws, &opts, on_request, &f->seen, &f->srv) == KITH_OK &&
           kith_http_server_port(f->srv) > 0 &&
           kith_http_new(&f->loop, "kith-test/1", &f->http) == KITH_OK;
}

static void fixture_teardown(struct fixture *f)
{
    kith_http_free(f->http);
    kith_ws_context_free(f->ws);
    while (!f->timed_out && uv_run(&f->loop, UV_RUN_ONCE) != 0)
        ;
    CHECK(!f->timed_out);
    uv_close((uv_handle_t *)&f->guard, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&f->loop), 0);
}

struct answer {
    int calls;
    kith_err err;
    long status;
    char body[256];
    char content_type[64];
};

static void on_answer(const struct kith_http_response *resp, void *ud)
{
    struct answer *a = ud;
    a->calls++;
    a->err = resp->err;
    a->status = resp->status;
    snprintf(a->body, sizeof(a->body), "%.*s", (int)resp->body_len, resp->body);
    copy(a->content_type, sizeof(a->content_type), kith_http_response_header(resp, "content-type"));
}

/* Sends one request to the server and runs the loop until the answer came. */
static void exchange(struct fixture *f, const struct kith_http_request *req, struct answer *a)
{
    REQUIRE(kith_http_request(f->http, req, on_answer, a, NULL) == KITH_OK);
    while (a->calls == 0 && !f->timed_out)
        if (uv_run(&f->loop, UV_RUN_ONCE) == 0)
            break;
    CHECK(!f->timed_out);
    CHECK_INT(a->calls, 1);
}

static void url_for(const struct fixture *f, const char *path, char *out, size_t size)
{
    snprintf(out, size, "http://127.0.0.1:%d%s", kith_http_server_port(f->srv), path);
}

TEST(test_dashboard_get_with_query_is_answered)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f, 0));
    char url[128];
    url_for(&f, "/servers/42?tab=plugins&page=2", url, sizeof(url));
    struct answer a = {0};
    exchange(&f, &(struct kith_http_request){.method = "GET", .url = url}, &a);
    CHECK_INT(a.err, KITH_OK);
    CHECK_INT(a.status, 200);
    CHECK_STR(a.body, "{\"got\":\"GET /servers/42\"}");
    CHECK_CONTAINS(a.content_type, "application/json");
    CHECK_STR(f.seen.query, "tab=plugins&page=2");
    CHECK_STR(f.seen.secret, "(null)");
    fixture_teardown(&f);
}

TEST(test_webhook_post_delivers_body_and_secret_header)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f, 0));
    char url[128];
    url_for(&f, "/telegram/webhook", url, sizeof(url));
    const char *update = "{\"update_id\":7,\"message\":{\"text\":\"/poll\"}}";
    const struct kith_http_header headers[] = {{"X-Telegram-Bot-Api-Secret-Token", "s3cr3t"}};
    struct answer a = {0};
    exchange(&f,
             &(struct kith_http_request){.method = "POST",
                                         .url = url,
                                         .headers = headers,
                                         .header_count = 1,
                                         .body = update,
                                         .body_len = strlen(update),
                                         .content_type = "application/json"},
             &a);
    CHECK_INT(a.status, 200);
    CHECK_STR(f.seen.method, "POST");
    CHECK_STR(f.seen.path, "/telegram/webhook");
    CHECK_STR(f.seen.secret, "s3cr3t");
    CHECK_STR(f.seen.content_type, "application/json");
    CHECK_STR(f.seen.body, update);
    fixture_teardown(&f);
}

TEST(test_keep_alive_connection_serves_several_requests)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f, 0));
    char url[128];
    const char *paths[] = {"/a", "/b", "/c"};
    for (int i = 0; i < 3; i++) {
        url_for(&f, paths[i], url, sizeof(url));
        struct answer a = {0};
        exchange(&f, &(struct kith_http_request){.method = i == 1 ? "PUT" : "GET", .url = url}, &a);
        CHECK_INT(a.status, 200);
        CHECK_STR(f.seen.path, paths[i]);
    }
    CHECK_INT(f.seen.calls, 3);
    CHECK_STR(f.seen.body, ""); /* the second one, a PUT without body, left no body behind */
    fixture_teardown(&f);
}

TEST(test_unanswered_request_gets_500)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f, 0));
    f.seen.answer = false;
    char url[128];
    url_for(&f, "/forgotten", url, sizeof(url));
    struct answer a = {0};
    exchange(&f, &(struct kith_http_request){.url = url}, &a);
    CHECK_INT(a.status, 500);
    CHECK_INT(f.seen.calls, 1);
    fixture_teardown(&f);
}

TEST(test_oversized_body_gets_413_without_reaching_handler)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f, 64));
    char url[128];
    url_for(&f, "/telegram/webhook", url, sizeof(url));
    char big[1000];
    memset(big, 'x', sizeof(big));
    struct answer a = {0};
    exchange(&f,
             &(struct kith_http_request){
                 .method = "POST", .url = url, .body = big, .body_len = sizeof(big)},
             &a);
    CHECK_INT(a.status, 413);
    CHECK_INT(f.seen.calls, 0);
    fixture_teardown(&f);
}
