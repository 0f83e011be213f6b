/* The scenario harness's side of a fake's control API: blocking libcurl calls (tests may
 * block), and waiting for or counting what the fake recorded. */
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define CONTROL_TIMEOUT_MS 2000L
#define POLL_MS 20

struct buffer {
    char *data;
    size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct buffer *b = ud;
    size_t n = size * nmemb;
    char *p = realloc(b->data, b->len + n + 1);
    if (p == NULL)
        return 0;
    memcpy(p + b->len, ptr, n);
    b->data = p;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* One blocking request; the answer body in *body (malloc'd, "" when empty). */
static bool http_call(const char *url, const char *method, const char *json_body, long *status,
                      char **body)
{
    struct buffer b = {calloc(1, 1), 0};
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    struct curl_slist *more = headers != NULL ? curl_slist_append(headers, "Expect:") : NULL;
    if (b.data == NULL || curl == NULL || more == NULL) {
        free(b.data);
        curl_easy_cleanup(curl);
        curl_slist_free_all(headers);
        return false;
    }
    headers = more;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, CONTROL_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (strcmp(method, "GET") != 0 || json_body != NULL)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json_body != NULL ? json_body : "");
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    else
        fprintf(stderr, "  scenario: %s %s: %s\n", method, url, curl_easy_strerror(rc));
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        free(b.data);
        return false;
    }
    *body = b.data;
    return true;
}

cJSON *scenario_control_status(struct scenario *s, const char *method, const char *name,
                               const char *json_body, int *status_out)
{
    char url[512];
    long status = 0;
    char *body = NULL;
    if (status_out != NULL)
        *status_out = 0;
    if ((size_t)snprintf(url, sizeof(url), "http://127.0.0.1:%d/_control/%s", s->fake_port, name) >=
            sizeof(url) ||
        !http_call(url, method, json_body, &status, &body))
        return NULL;
    if (status_out != NULL)
        *status_out = (int)status;
    cJSON *json = cJSON_Parse(body);
    if (json == NULL)
        fprintf(stderr, "  scenario: %s /_control/%s answered %ld, not JSON: %.200s\n", method,
                name, status, body);
    free(body);
    return json;
}

bool scenario_control_ok(struct scenario *s, const char *name, const char *json_body)
{
    int status = 0;
    cJSON *out = scenario_control_status(s, "POST", name, json_body, &status);
    cJSON_Delete(out);
    if (status != 200)
        fprintf(stderr, "  control %s %s answered %d\n", name, json_body ? json_body : "", status);
    return status == 200;
}

cJSON *scenario_control(struct scenario *s, const char *method, const char *name,
                        const char *json_body)
{
    int status = 0;
    cJSON *json = scenario_control_status(s, method, name, json_body, &status);
    if (json == NULL || (status >= 200 && status < 300))
        return json;
    char *text = cJSON_PrintUnformatted(json);
    fprintf(stderr, "  scenario: %s /_control/%s answered %d: %.300s\n", method, name, status,
            text != NULL ? text : "?");
    cJSON_free(text);
    cJSON_Delete(json);
    return NULL;
}

/* ---- The record ---- */

static cJSON *requests_since_new(struct scenario *s, int since)
{
    char name[64];
    snprintf(name, sizeof(name), "requests?since=%d", since > 0 ? since : 0);
    cJSON *list = scenario_control(s, "GET", name, NULL);
    if (list != NULL && !cJSON_IsArray(list)) {
        cJSON_Delete(list);
        return NULL;
    }
    return list;
}

static bool text_field_contains(const cJSON *entry, const char *field, const char *part)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, field);
    return cJSON_IsString(v) && strstr(v->valuestring, part) != NULL;
}

/* method and path_part look at "method" and "path"; body_part at "body", or at the whole
 * entry printed as JSON when it has no "body" string (WebSocket entries). */
static bool entry_matches(const cJSON *e, const char *method, const char *path_part,
                          const char *body_part)
{
    if (method != NULL) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "method");
        if (!cJSON_IsString(m) || strcmp(m->valuestring, method) != 0)
            return false;
    }
    if (path_part != NULL && !text_field_contains(e, "path", path_part))
        return false;
    if (body_part == NULL)
        return true;
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "body")))
        return text_field_contains(e, "body", body_part);
    char *text = cJSON_PrintUnformatted(e);
    bool found = text != NULL && strstr(text, body_part) != NULL;
    cJSON_free(text);
    return found;
}

cJSON *scenario_wait_request(struct scenario *s, const char *method, const char *path_part,
                             const char *body_part, int timeout_ms, int *cursor)
{
    int local = 0, *at = cursor != NULL ? cursor : &local;
    for (long long end = now_ms() + timeout_ms;; sleep_ms(POLL_MS)) {
        cJSON *list = requests_since_new(s, *at);
        const cJSON *e;
        cJSON_ArrayForEach(e, list)
        {
            if (!entry_matches(e, method, path_part, body_part))
                continue;
            cJSON *copy = cJSON_Duplicate(e, true);
            const cJSON *seq = cJSON_GetObjectItemCaseSensitive(e, "seq");
            if (copy != NULL)
                *at = cJSON_IsNumber(seq) ? seq->valueint + 1 : *at + 1;
            cJSON_Delete(list);
            return copy;
        }
        cJSON_Delete(list);
        if (now_ms() >= end)
            break;
    }
    fprintf(stderr, "  scenario: no %s request%s%s%s%s within %d ms\n",
            method != NULL ? method : "(any)", path_part != NULL ? " to " : "",
            path_part != NULL ? path_part : "", body_part != NULL ? " with " : "",
            body_part != NULL ? body_part : "", timeout_ms);
    return NULL;
}

int scenario_count_requests(struct scenario *s, const char *method, const char *path_part,
                            const char *body_part)
{
    cJSON *list = requests_since_new(s, 0);
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        if (entry_matches(e, method, path_part, body_part))
            n++;
    }
    cJSON_Delete(list);
    return n;
}
