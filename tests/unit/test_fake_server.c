/* The fake server base over HTTP, through fake_echo run as a process by the scenario harness:
 * the port line, answers now and later, aborts, drops, keep-alive, big bodies, the request
 * record and the control API, and a clean exit with a long poll still waiting. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check.h"
#include "scenario.h"

#define FAKE_ECHO KITH_FAKES_DIR "/fake_echo"

struct reply {
    long status;
    CURLcode rc;
    char *body;
    size_t len;
    char headers[1024];
    long ms;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;
    char *grown = realloc(r->body, r->len + size * n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + r->len, p, size * n);
    r->body = grown;
    r->len += size * n;
    r->body[r->len] = '\0';
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t used = strlen(r->headers);
    snprintf(r->headers + used, sizeof(r->headers) - used, "%.*s", (int)(size * n), p);
    return size * n;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One request on `curl` (reused for keep-alive when given) to the fake. */
static struct reply call_on(CURL *curl, const struct scenario *s, const char *method,
                            const char *path, const char *body, size_t len,
                            struct curl_slist *headers, long timeout_ms)
{
    struct reply r = {.body = calloc(1, 1)};
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->fake_port, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    long long start = now_ms();
    r.rc = curl_easy_perform(curl);
    r.ms = (long)(now_ms() - start);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    return r;
}

static struct reply call(const struct scenario *s, const char *method, const char *path,
                         const char *body, struct curl_slist *headers, long timeout_ms)
{
    CURL *curl = curl_easy_init();
    struct reply r =
        call_on(curl, s, method, path, body, body != NULL ? strlen(body) : 0, headers, timeout_ms);
    curl_easy_cleanup(curl);
    return r;
}

static bool start_echo(struct scenario *s)
{
    return scenario_init(s) && scenario_start_fake(s, FAKE_ECHO, NULL);
}

/* Waits until the fake's stderr contains needle. */
static bool fake_said(const struct scenario *s, const char *needle, int timeout_ms)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/fake.stderr", s->dir);
    for (long long end = now_ms() + timeout_ms; now_ms() < end; usleep(20 * 1000)) {
        char text[4096] = "";
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
            fclose(f);
        }
        if (strstr(text, needle) != NULL)
            return true;
    }
    return false;
}

TEST(test_fake_says_where_it_listens_and_is_healthy)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    CHECK(s.fake_port > 0 && s.fake_port < 65536);
    cJSON *health = scenario_control(&s, "GET", "health", NULL);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(health, "ok")));
    CHECK_INT(cJSON_GetObjectItem(health, "port")->valueint, s.fake_port);
    cJSON_Delete(health);
    scenario_finish(&s);
}

TEST(test_ping_is_answered_at_once_with_headers)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    struct reply r = call(&s, "GET", "/ping", NULL, NULL, 2000);
    CHECK_INT(r.rc, CURLE_OK);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "{\"pong\":true}");
    CHECK_CONTAINS(r.headers, "X-Echo: pong");
    CHECK_CONTAINS(r.headers, "content-type: application/json");
    free(r.body);
    r = call(&s, "GET", "/nowhere", NULL, NULL, 2000);
    CHECK_INT(r.status, 404);
    free(r.body);
    scenario_finish(&s);
}

TEST(test_long_poll_is_answered_later)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    struct reply r = call(&s, "GET", "/wait?ms=300", NULL, NULL, 3000);
    CHECK_INT(r.rc, CURLE_OK);
    CHECK_STR(r.body, "{\"waited\":300}");
    CHECK(r.ms >= 280);
    free(r.body);
    /* past the 5 s lws gives a request before it closes the connection */
    r = call(&s, "GET", "/wait?ms=5300", NULL, NULL, 8000);
    CHECK_INT(r.rc, CURLE_OK);
    CHECK_STR(r.body, "{\"waited\":5300}");
    free(r.body);
    scenario_finish(&s);
}

TEST(test_client_going_away_aborts_the_long_poll)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    struct reply r = call(&s, "GET", "/wait?ms=5000", NULL, NULL, 200);
    CHECK_INT(r.rc, CURLE_OPERATION_TIMEDOUT);
    free(r.body);
    CHECK(fake_said(&s, "/wait?ms=5000 aborted by the client", 2000));
    r = call(&s, "GET", "/ping", NULL, NULL, 2000); /* and the fake goes on */
    CHECK_INT(r.status, 200);
    free(r.body);
    scenario_finish(&s); /* the abandoned answer never comes: the fake exits cleanly */
}

TEST(test_dropped_request_gets_no_answer)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    struct reply r = call(&s, "GET", "/drop", NULL, NULL, 2000);
    CHECK_INT(r.rc, CURLE_GOT_NOTHING);
    free(r.body);
    scenario_finish(&s);
}

TEST(test_connection_is_kept_alive_between_requests)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    CURL *curl = curl_easy_init();
    REQUIRE(curl != NULL);
    static const char *const methods[] = {"GET", "POST", "GET", "GET"};
    static const char *const paths[] = {"/ping", "/echo", "/wait?ms=50", "/ping"};
    for (int i = 0; i < 4; i++) { /* an answer given later also leaves the connection open */
        struct reply r =
            call_on(curl, &s, methods[i], paths[i], i == 1 ? "abc" : NULL, 3, NULL, 2000);
        CHECK_INT(r.status, 200);
        long connects = -1;
        curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
        CHECK_INT(connects, i == 0 ? 1 : 0);
        free(r.body);
    }
    curl_easy_cleanup(curl);
    scenario_finish(&s);
}

TEST(test_megabyte_body_goes_in_whole_and_comes_back_whole)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    size_t n = 1024 * 1024;
    char *big = malloc(n + 1);
    REQUIRE(big != NULL);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    big[n] = '\0';
    CURL *curl = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/plain");
    h = curl_slist_append(h, "Expect:");
    struct reply r = call_on(curl, &s, "POST", "/echo", big, n, h, 5000);
    CHECK_INT(r.status, 200);
    CHECK_INT(r.len, n);
    CHECK(r.body != NULL && memcmp(r.body, big, n) == 0);
    free(r.body);
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    free(big);
    scenario_finish(&s);
}

TEST(test_body_behind_expect_100_continue_is_not_held_back)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    char body[4096];
    memset(body, 'x', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    struct curl_slist *h = curl_slist_append(NULL, "Expect: 100-continue");
    struct reply r = call(&s, "POST", "/echo", body, h, 5000);
    CHECK_INT(r.status, 200);
    CHECK_INT(r.len, sizeof(body) - 1);
    CHECK(r.ms < 800); /* curl waits 1 s for a 100 that never comes */
    CHECK_CONTAINS(r.headers, "HTTP/1.1 100 Continue");
    free(r.body);
    curl_slist_free_all(h);
    scenario_finish(&s);
}

TEST(test_record_holds_every_request_in_order)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Authorization: Bot secret-ish");
    h = curl_slist_append(h, "X-Audit-Log-Reason: tidy up");
    struct reply r = call(&s, "POST", "/echo", "{\"a\":1}", h, 2000);
    free(r.body);
    curl_slist_free_all(h);
    r = call(&s, "GET", "/ping?x=1&y=a%20b", NULL, NULL, 2000);
    free(r.body);
    h = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
    r = call(&s, "PUT", "/echo", "chat_id=-100&text=hi+there%21", h, 2000);
    free(r.body);
    curl_slist_free_all(h);

    cJSON *all = scenario_control(&s, "GET", "requests", NULL);
    REQUIRE(cJSON_GetArraySize(all) == 3);
    const cJSON *e = cJSON_GetArrayItem(all, 0);
    CHECK_INT(cJSON_GetObjectItem(e, "seq")->valueint, 0);
    CHECK_STR(cJSON_GetObjectItem(e, "kind")->valuestring, "http");
    CHECK_STR(cJSON_GetObjectItem(e, "method")->valuestring, "POST");
    CHECK_STR(cJSON_GetObjectItem(e, "path")->valuestring, "/echo");
    CHECK_STR(cJSON_GetObjectItem(e, "query")->valuestring, "");
    CHECK_STR(cJSON_GetObjectItem(e, "body")->valuestring, "{\"a\":1}");
    CHECK_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "json"), "a")->valueint, 1);
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(e, "at_ms")));
    const cJSON *headers = cJSON_GetObjectItem(e, "headers");
    CHECK_STR(cJSON_GetObjectItem(headers, "authorization")->valuestring, "Bot secret-ish");
    CHECK_STR(cJSON_GetObjectItem(headers, "content-type")->valuestring, "application/json");
    CHECK_STR(cJSON_GetObjectItem(headers, "x-audit-log-reason")->valuestring, "tidy up");
    e = cJSON_GetArrayItem(all, 1);
    CHECK_STR(cJSON_GetObjectItem(e, "query")->valuestring, "x=1&y=a b");
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(e, "json")));
    e = cJSON_GetArrayItem(all, 2);
    const cJSON *form = cJSON_GetObjectItem(e, "json");
    CHECK_STR(cJSON_GetObjectItem(form, "chat_id")->valuestring, "-100");
    CHECK_STR(cJSON_GetObjectItem(form, "text")->valuestring, "hi there!");
    cJSON_Delete(all);

    cJSON *later = scenario_control(&s, "GET", "requests?since=2", NULL);
    CHECK_INT(cJSON_GetArraySize(later), 1);
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(later, 0), "method")->valuestring, "PUT");
    cJSON_Delete(later);

    int cursor = 0;
    cJSON *found = scenario_wait_request(&s, "GET", "/ping", NULL, 500, &cursor);
    CHECK_INT(cursor, 2);
    cJSON_Delete(found);
    found = scenario_wait_request(&s, "POST", "/echo", NULL, 100, &cursor);
    CHECK(found == NULL); /* the POST came before the cursor */
    CHECK_INT(scenario_count_requests(&s, NULL, "/echo", NULL), 2);
    CHECK_INT(scenario_count_requests(&s, "PUT", NULL, "chat_id=-100"), 1);
    scenario_finish(&s);
}

TEST(test_waiting_for_a_request_sees_one_made_later)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    int cursor = 0;
    CHECK(scenario_wait_request(&s, "GET", "/ping", NULL, 100, &cursor) == NULL);
    struct reply r = call(&s, "GET", "/ping", NULL, NULL, 2000);
    free(r.body);
    cJSON *found = scenario_wait_request(&s, "GET", "/ping", NULL, 2000, &cursor);
    CHECK(found != NULL);
    CHECK_INT(cursor, 1);
    cJSON_Delete(found);
    scenario_finish(&s);
}

TEST(test_clear_empties_the_record_and_restarts_numbering)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    struct reply r = call(&s, "GET", "/ping", NULL, NULL, 2000);
    free(r.body);
    CHECK_INT(scenario_count_requests(&s, NULL, NULL, NULL), 1);
    cJSON *ok = scenario_control(&s, "POST", "clear", NULL);
    CHECK(ok != NULL);
    cJSON_Delete(ok);
    CHECK_INT(scenario_count_requests(&s, NULL, NULL, NULL), 0);
    r = call(&s, "GET", "/ping", NULL, NULL, 2000);
    free(r.body);
    cJSON *all = scenario_control(&s, "GET", "requests", NULL);
    CHECK_INT(cJSON_GetArraySize(all), 1);
    CHECK_INT(cJSON_GetObjectItem(cJSON_GetArrayItem(all, 0), "seq")->valueint, 0);
    cJSON_Delete(all);
    scenario_finish(&s);
}

TEST(test_unknown_control_name_is_404_json)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    int status = 0;
    cJSON *err = scenario_control_status(&s, "POST", "nope", "{}", &status);
    CHECK_INT(status, 404);
    CHECK_STR(cJSON_GetObjectItem(err, "name")->valuestring, "nope");
    cJSON_Delete(err);
    CHECK(scenario_control(&s, "POST", "nope", NULL) == NULL);
    err = scenario_control_status(&s, "POST", "say", "{\"text\":3}", &status);
    CHECK_INT(status, 400); /* the fake's own control route chose the status */
    cJSON_Delete(err);
    CHECK_INT(scenario_count_requests(&s, NULL, NULL, NULL), 0); /* control calls unrecorded */
    scenario_finish(&s);
}

/* A raw client that sends a request and never reads: the fake holds its long poll. */
static int raw_request(int port, const char *text)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

TEST(test_fake_exits_cleanly_with_a_long_poll_waiting)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    int fd = raw_request(s.fake_port, "GET /wait?ms=20000 HTTP/1.1\r\nHost: t\r\n\r\n");
    REQUIRE(fd >= 0);
    int cursor = 0;
    cJSON *seen = scenario_wait_request(&s, "GET", "/wait", NULL, 2000, &cursor);
    CHECK(seen != NULL);
    cJSON_Delete(seen);
    CHECK_INT(scenario_stop_fake(&s, SIGTERM, 5000), 0);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    CHECK_INT(poll(&p, 1, 2000), 1);
    char buf[64];
    CHECK_INT(read(fd, buf, sizeof(buf)), 0); /* closed without an answer */
    close(fd);
    scenario_finish(&s);
}

TEST(test_kithd_runs_from_the_generated_config_and_stops_cleanly)
{
    struct scenario s;
    REQUIRE(start_echo(&s));
    REQUIRE(scenario_write_config(&s, "# the fake listens on %PORT%\n", NULL, "\"example\""));
    FILE *f = fopen(s.config_path, "r");
    char text[2048] = "";
    if (f != NULL) {
        text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
        fclose(f);
    }
    char port_line[64];
    snprintf(port_line, sizeof(port_line), "# the fake listens on %d", s.fake_port);
    CHECK_CONTAINS(text, port_line);
    CHECK_CONTAINS(text, s.db_path);
    REQUIRE(scenario_start_kithd(&s));
    CHECK(scenario_wait_log(&s, "running (kithd", 100));
    CHECK(!scenario_wait_log(&s, "no such line in the log", 50));
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 5000), 0);
    CHECK(scenario_wait_log(&s, "stopped", 100));
    scenario_finish(&s);
}

TEST(test_kithd_refusing_its_config_is_reported)
{
    struct scenario s;
    REQUIRE(scenario_init(&s));
    REQUIRE(scenario_write_config(&s, "discord = { enabled = maybe; };", NULL, NULL));
    CHECK(!scenario_start_kithd(&s));
    CHECK(scenario_kithd_exit_status(&s) > 0);
    CHECK_INT(s.kithd_pid, 0);
    scenario_finish(&s);
}
