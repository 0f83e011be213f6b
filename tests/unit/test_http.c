/* The asynchronous HTTP client against a local test server sharing its libuv loop: statuses,
 * bodies, headers, timeouts, refusals, cancellation, concurrency and secret redaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <uv.h>

#include "check.h"
#include "core/log.h"
#include "net/http.h"
#include "net_test_server.h"

#define GUARD_MS 5000

struct fixture {
    uv_loop_t loop;
    uv_timer_t guard;
    struct kith_test_http_server *srv;
    struct kith_http *http;
    bool timed_out;
};

/* What a completion saw; copies, since the response is borrowed. */
struct outcome {
    int calls;
    kith_err err;
    long status;
    char *body;
    char *error;
    char *retry_after;
    char *test_header;
    char *redirect_header;
    size_t header_count;
    bool *inside_request; /* set while kith_http_request runs */
    bool called_inside;
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
    if (uv_loop_init(&f->loop) != 0)
        return false;
    uv_timer_init(&f->loop, &f->guard);
    f->guard.data = f;
    uv_timer_start(&f->guard, on_guard, GUARD_MS, 0);
    uv_unref((uv_handle_t *)&f->guard); /* the guard alone must not keep the loop alive */
    return kith_test_http_server_start(&f->loop, &f->srv) == 0 &&
           kith_http_new(&f->loop, "kith-test/1", &f->http) == KITH_OK;
}

static void fixture_teardown(struct fixture *f)
{
    kith_http_free(f->http);
    kith_test_http_server_stop(f->srv);
    while (!f->timed_out && uv_run(&f->loop, UV_RUN_ONCE) != 0)
        ;
    CHECK(!f->timed_out);
    uv_close((uv_handle_t *)&f->guard, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&f->loop), 0);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static void outcome_free(struct outcome *o)
{
    free(o->body);
    free(o->error);
    free(o->retry_after);
    free(o->test_header);
    free(o->redirect_header);
}

static void on_done(const struct kith_http_response *resp, void *ud)
{
    struct outcome *o = ud;
    if (o->inside_request != NULL && *o->inside_request)
        o->called_inside = true;
    o->calls++;
    o->err = resp->err;
    o->status = resp->status;
    free(o->body);
    free(o->error);
    o->body = strndup(resp->body, resp->body_len);
    o->error = dup_or_null(resp->error);
    o->retry_after = dup_or_null(kith_http_response_header(resp, "retry-after"));
    o->test_header = dup_or_null(kith_http_response_header(resp, "x-test-header"));
    o->redirect_header = dup_or_null(kith_http_response_header(resp, "X-Redirect"));
    o->header_count = resp->header_count;
}

static bool called(const struct outcome *o)
{
    return o->calls > 0;
}

static void url_for(const struct fixture *f, const char *path, char *out, size_t size)
{
    snprintf(out, size, "http://127.0.0.1:%d%s", kith_test_http_server_port(f->srv), path);
}

static void start(struct fixture *f, const struct kith_http_request *req, struct outcome *o,
                  uint64_t *id)
{
    kith_err err = kith_http_request(f->http, req, on_done, o, id);
    CHECK_INT(err, KITH_OK);
}

/* Runs the loop until the outcome's completion was called. */
static void wait_done(struct fixture *f, struct outcome *o)
{
    while (!called(o) && !f->timed_out)
        if (uv_run(&f->loop, UV_RUN_ONCE) == 0)
            break;
    CHECK(!f->timed_out);
    CHECK_INT(o->calls, 1);
}

TEST(test_bot_fetches_json_with_status_body_and_headers)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/ok", url, sizeof(url));
    struct outcome o = {0};
    start(&f, &(struct kith_http_request){.method = "GET", .url = url}, &o, NULL);
    wait_done(&f, &o);
    CHECK_INT(o.err, KITH_OK);
    CHECK_INT(o.status, 200);
    CHECK_STR(o.body, "{\"ok\":true}");
    CHECK_STR(o.test_header, "hello");
    CHECK(o.header_count >= 3);
    CHECK(o.error == NULL);
    outcome_free(&o);
    fixture_teardown(&f);
}

TEST(test_rate_limited_answer_exposes_retry_after_header)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/status/429", url, sizeof(url));
    struct outcome o = {0};
    start(&f, &(struct kith_http_request){.url = url}, &o, NULL);
    wait_done(&f, &o);
    CHECK_INT(o.err, KITH_OK); /* an HTTP status is not a transport error */
    CHECK_INT(o.status, 429);
    CHECK_STR(o.retry_after, "2");
    CHECK_CONTAINS(o.body, "rate limited");
    outcome_free(&o);
    fixture_teardown(&f);
}

TEST(test_post_sends_json_body_and_custom_headers)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/echo", url, sizeof(url));
    static const char body[] = "{\"content\":\"hello \\u00e9\"}";
    const struct kith_http_header headers[] = {
        {"Authorization", "Bot abc"},
        {"X-Audit-Log-Reason", "spam"},
    };
    char *copy = strdup(body); /* the client must copy the body: we scribble on ours */
    REQUIRE(copy != NULL);
    struct outcome o = {0};
    start(&f,
          &(struct kith_http_request){.method = "POST",
                                      .url = url,
                                      .headers = headers,
                                      .header_count = 2,
                                      .body = copy,
                                      .body_len = strlen(copy),
                                      .content_type = "application/json"},
          &o, NULL);
    memset(copy, '#', strlen(copy));
    free(copy);
    wait_done(&f, &o);
    CHECK_INT(o.status, 200);
    cJSON *echo = cJSON_Parse(o.body);
    REQUIRE(echo != NULL);
    cJSON *h = cJSON_GetObjectItem(echo, "headers");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(echo, "method")), "POST");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(echo, "body")), body);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "authorization")), "Bot abc");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "x-audit-log-reason")), "spam");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "content-type")), "application/json");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "user-agent")), "kith-test/1");
    CHECK(cJSON_GetObjectItem(h, "expect") == NULL);
    cJSON_Delete(echo);
    outcome_free(&o);
    fixture_teardown(&f);
}

TEST(test_put_without_body_sends_zero_content_length)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/echo", url, sizeof(url));
    struct outcome o = {0};
    start(&f, &(struct kith_http_request){.method = "PUT", .url = url}, &o, NULL);
    wait_done(&f, &o);
    cJSON *echo = cJSON_Parse(o.body);
    REQUIRE(echo != NULL);
    cJSON *h = cJSON_GetObjectItem(echo, "headers");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(echo, "method")), "PUT");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "content-length")), "0");
    CHECK(cJSON_GetObjectItem(h, "content-type") == NULL);
    cJSON_Delete(echo);
    outcome_free(&o);
    fixture_teardown(&f);
}

TEST(test_redirect_keeps_only_final_response_headers)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/redirect", url, sizeof(url));
    struct outcome o = {0};
    start(&f, &(struct kith_http_request){.url = url}, &o, NULL);
    wait_done(&f, &o);
    CHECK_INT(o.status, 200);
    CHECK_STR(o.test_header, "hello");
    CHECK(o.redirect_header == NULL);
    outcome_free(&o);
    fixture_teardown(&f);
}

TEST(test_slow_server_times_out)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/slow?ms=3000", url, sizeof(url));
    struct outcome o = {0};
    uint64_t t0 = uv_hrtime();
    start(&f, &(struct kith_http_request){.url = url, .timeout_ms = 200}, &o, NULL);
    wait_done(&f, &o);
    double waited = (double)(uv_hrtime() - t0) / 1e9;
    CHECK_INT(o.err, KITH_ERR_TIMEOUT);
    CHECK_INT(o.status, 0);
    CHECK(o.error != NULL && o.error[0] != '\0');
    CHECK(waited >= 0.15 && waited < 2.0);
    outcome_free(&o);
    fixture_teardown(&f);
}

TEST(test_refused_connection_reports_io_error_with_text)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    int port = kith_test_closed_port();
    REQUIRE(port != 0);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok", port);
    struct outcome o = {0};
    start(&f, &(struct kith_http_request){.url = url}, &o, NULL);
    wait_done(&f, &o);
    CHECK_INT(o.err, KITH_ERR_IO);
    CHECK_INT(o.status, 0);
    CHECK_CONTAINS(o.error, "onnect");
    outcome_free(&o);
    fixture_teardown(&f);
}

TEST(test_server_dropping_connection_reports_io_error)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/drop", url, sizeof(url));
    struct outcome o = {0};
    start(&f, &(struct kith_http_request){.url = url}, &o, NULL);
    wait_done(&f, &o);
    CHECK_INT(o.err, KITH_ERR_IO);
    CHECK(o.error != NULL);
    outcome_free(&o);
    fixture_teardown(&f);
}

TEST(test_oversized_response_is_refused)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/big?bytes=17000000", url, sizeof(url));
    struct outcome o = {0};
    start(&f, &(struct kith_http_request){.url = url}, &o, NULL);
    wait_done(&f, &o);
    CHECK_INT(o.err, KITH_ERR_LIMIT);
    CHECK_STR(o.body, "");
    outcome_free(&o);
    fixture_teardown(&f);
}

TEST(test_cancel_calls_done_once_with_cancelled)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/slow?ms=300", url, sizeof(url));
    struct outcome o = {0};
    uint64_t id = 0;
    start(&f, &(struct kith_http_request){.url = url}, &o, &id);
    CHECK(id != 0);
    CHECK_INT(kith_http_pending(f.http), 1);
    for (int i = 0; i < 5; i++) /* let the request reach the server */
        uv_run(&f.loop, UV_RUN_NOWAIT);
    kith_http_cancel(f.http, id);
    CHECK_INT(o.calls, 1);
    CHECK_INT(o.err, KITH_ERR_CANCELLED);
    CHECK_INT(kith_http_pending(f.http), 0);
    kith_http_cancel(f.http, id); /* a finished id is ignored */
    /* Outlive the server's answer: the cancelled request must stay silent. */
    struct outcome later = {0};
    url_for(&f, "/slow?ms=500", url, sizeof(url));
    start(&f, &(struct kith_http_request){.url = url}, &later, NULL);
    wait_done(&f, &later);
    CHECK_INT(o.calls, 1);
    outcome_free(&o);
    outcome_free(&later);
    fixture_teardown(&f);
}

TEST(test_done_is_never_called_inside_request)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    bool inside = false;
    char url[128];
    url_for(&f, "/ok", url, sizeof(url));
    struct outcome ok = {.inside_request = &inside};
    struct outcome bad_header = {.inside_request = &inside};
    struct outcome bad_scheme = {.inside_request = &inside};
    const struct kith_http_header injected[] = {{"X-Evil", "a\r\nHost: elsewhere"}};
    inside = true;
    start(&f, &(struct kith_http_request){.url = url}, &ok, NULL);
    start(&f, &(struct kith_http_request){.url = url, .headers = injected, .header_count = 1},
          &bad_header, NULL);
    start(&f, &(struct kith_http_request){.url = "ftp://127.0.0.1/file"}, &bad_scheme, NULL);
    inside = false;
    CHECK_INT(ok.calls + bad_header.calls + bad_scheme.calls, 0);
    wait_done(&f, &ok);
    wait_done(&f, &bad_header);
    wait_done(&f, &bad_scheme);
    CHECK(!ok.called_inside && !bad_header.called_inside && !bad_scheme.called_inside);
    CHECK_INT(ok.status, 200);
    CHECK_INT(bad_header.err, KITH_ERR_INVALID);
    CHECK_INT(bad_scheme.err, KITH_ERR_IO);
    outcome_free(&ok);
    outcome_free(&bad_header);
    outcome_free(&bad_scheme);
    fixture_teardown(&f);
}

struct fanout {
    int done, ok;
};

static void on_fanout_done(const struct kith_http_response *resp, void *ud)
{
    struct fanout *fo = ud;
    fo->done++;
    if (resp->err == KITH_OK && resp->status == 200 && strcmp(resp->body, "{\"ok\":true}") == 0)
        fo->ok++;
}

TEST(test_fifty_concurrent_requests_all_complete)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/ok", url, sizeof(url));
    struct fanout fo = {0};
    for (int i = 0; i < 50; i++)
        CHECK_INT(kith_http_request(f.http, &(struct kith_http_request){.url = url}, on_fanout_done,
                                    &fo, NULL),
                  KITH_OK);
    CHECK_INT(kith_http_pending(f.http), 50);
    bool all = false;
    while (!all && !f.timed_out && uv_run(&f.loop, UV_RUN_ONCE) != 0)
        all = fo.done == 50;
    CHECK(!f.timed_out);
    CHECK_INT(fo.done, 50);
    CHECK_INT(fo.ok, 50);
    CHECK_INT(kith_http_pending(f.http), 0);
    fixture_teardown(&f);
}

TEST(test_sequential_requests_reuse_the_connection)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/ok", url, sizeof(url));
    for (int i = 0; i < 3; i++) {
        struct outcome o = {0};
        start(&f, &(struct kith_http_request){.url = url}, &o, NULL);
        wait_done(&f, &o);
        CHECK_INT(o.status, 200);
        outcome_free(&o);
    }
    CHECK_INT(kith_test_http_server_requests(f.srv), 3);
    CHECK_INT(kith_test_http_server_connections(f.srv), 1);
    fixture_teardown(&f);
}

static bool file_contains(const char *path, const char *needle)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof(line), fp) != NULL)
        found = strstr(line, needle) != NULL;
    fclose(fp);
    return found;
}

TEST(test_secret_in_url_stays_out_of_errors_and_logs)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char log_path[] = "/tmp/kith_test_http_log_XXXXXX";
    int fd = mkstemp(log_path);
    REQUIRE(fd >= 0);
    close(fd);
    REQUIRE(kith_log_open(KITH_LOG_DEBUG, log_path) == KITH_OK);
    int port = kith_test_closed_port();
    REQUIRE(port != 0);
    const char *secret = "123456:AAbbCCddSecretTokenValue";
    char in_path[256], in_host[256];
    /* As Telegram does: the token in the path. */
    snprintf(in_path, sizeof(in_path), "http://127.0.0.1:%d/bot%s/getMe", port, secret);
    /* In the host name curl does quote the URL in its error text, so redaction must act. */
    snprintf(in_host, sizeof(in_host), "http://tok%s.localhost:%d/", "SecretTokenValue", port);
    struct outcome a = {0}, b = {0};
    start(&f, &(struct kith_http_request){.url = in_path, .secret = secret}, &a, NULL);
    start(&f, &(struct kith_http_request){.url = in_host, .secret = "SecretTokenValue"}, &b, NULL);
    wait_done(&f, &a);
    wait_done(&f, &b);
    kith_log_close();
    kith_log_set_level(KITH_LOG_INFO);
    CHECK_INT(a.err, KITH_ERR_IO);
    CHECK_INT(b.err, KITH_ERR_IO);
    CHECK(a.error != NULL && strstr(a.error, secret) == NULL);
    CHECK(b.error != NULL && strstr(b.error, "SecretTokenValue") == NULL);
    CHECK_CONTAINS(b.error, "[redacted]");
    CHECK(file_contains(log_path, "/bot[redacted]/getMe")); /* the request was logged... */
    CHECK(!file_contains(log_path, "SecretTokenValue"));    /* ...without the token */
    unlink(log_path);
    outcome_free(&a);
    outcome_free(&b);
    fixture_teardown(&f);
}

TEST(test_free_with_pending_requests_cancels_each_once)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/slow?ms=2000", url, sizeof(url));
    struct outcome o[5] = {0};
    for (int i = 0; i < 5; i++)
        start(&f, &(struct kith_http_request){.url = url}, &o[i], NULL);
    struct outcome deferred = {0}; /* fails at start: its completion is still queued */
    const struct kith_http_header bad[] = {{"Bad:Name", "x"}};
    start(&f, &(struct kith_http_request){.url = url, .headers = bad, .header_count = 1}, &deferred,
          NULL);
    for (int i = 0; i < 3; i++)
        uv_run(&f.loop, UV_RUN_NOWAIT);
    CHECK_INT(deferred.calls, 1); /* the queued failure ran on the loop */
    CHECK_INT(kith_http_pending(f.http), 5);
    kith_http_free(f.http);
    f.http = NULL;
    for (int i = 0; i < 5; i++) {
        CHECK_INT(o[i].calls, 1);
        CHECK_INT(o[i].err, KITH_ERR_CANCELLED);
    }
    fixture_teardown(&f); /* runs the loop dry: no handle may stay behind */
    for (int i = 0; i < 5; i++) {
        CHECK_INT(o[i].calls, 1);
        outcome_free(&o[i]);
    }
    outcome_free(&deferred);
}

struct freeing {
    struct fixture *f;
    int calls;
};

/* A completion that shuts the client down, as the daemon's stop path may. */
static void on_done_then_free(const struct kith_http_response *resp, void *ud)
{
    struct freeing *fr = ud;
    fr->calls++;
    kith_http_free(fr->f->http);
    fr->f->http = NULL;
}

TEST(test_free_from_inside_a_completion_is_safe)
{
    struct fixture f;
    REQUIRE(fixture_setup(&f));
    char url[128];
    url_for(&f, "/ok", url, sizeof(url));
    struct freeing fr = {.f = &f};
    struct outcome second = {0};
    CHECK_INT(kith_http_request(f.http, &(struct kith_http_request){.url = url}, on_done_then_free,
                                &fr, NULL),
              KITH_OK);
    url_for(&f, "/slow?ms=1000", url, sizeof(url));
    start(&f, &(struct kith_http_request){.url = url}, &second, NULL);
    while (fr.calls == 0 && !f.timed_out)
        if (uv_run(&f.loop, UV_RUN_ONCE) == 0)
            break;
    CHECK_INT(fr.calls, 1);
    CHECK(f.http == NULL);
    CHECK_INT(second.calls, 1);
    CHECK_INT(second.err, KITH_ERR_CANCELLED);
    outcome_free(&second);
    fixture_teardown(&f);
    CHECK_INT(fr.calls, 1);
}
