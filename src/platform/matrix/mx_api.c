/* Client-server API calls over the asynchronous HTTP client: Bearer authentication, the
 * Matrix error body ({errcode, error}) mapped to kith errors, and retries of transient
 * failures (transport errors, 5xx, 429 honouring retry_after_ms or Retry-After). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/http.h"
#include "platform/matrix/matrix.h"

#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 30000
#define RETRY_AFTER_MAX_MS 300000

struct mx_call {
    struct mx_call *prev, *next;
    struct mx *mx;
    const char *method;
    char *path;
    char *body;
    size_t body_len;
    char *content_type;
    char *secret;
    long timeout_ms;
    bool anonymous;
    int attempts_left;
    unsigned tries;
    bool in_flight;
    uint64_t http_id;
    uint64_t retry_at; /* uv_now() when waiting to retry, else 0 */
    mx_done_fn done;
    void *ud;
};

static void link_call(struct mx *mx, struct mx_call *call)
{
    call->prev = NULL;
    call->next = mx->calls;
    if (mx->calls != NULL)
        mx->calls->prev = call;
    mx->calls = call;
}

static void unlink_call(struct mx *mx, struct mx_call *call)
{
    if (call->prev != NULL)
        call->prev->next = call->next;
    else
        mx->calls = call->next;
    if (call->next != NULL)
        call->next->prev = call->prev;
    call->prev = call->next = NULL;
}

static void free_call(struct mx_call *call)
{
    free(call->path);
    free(call->body);
    free(call->content_type);
    free(call->secret);
    free(call);
}

static kith_err map_error(long status, const char *errcode)
{
    static const struct {
        const char *errcode;
        kith_err err;
    } codes[] = {
        {"M_FORBIDDEN", KITH_ERR_PERMISSION},     {"M_UNKNOWN_TOKEN", KITH_ERR_PERMISSION},
        {"M_MISSING_TOKEN", KITH_ERR_PERMISSION}, {"M_NOT_FOUND", KITH_ERR_NOT_FOUND},
        {"M_LIMIT_EXCEEDED", KITH_ERR_BUSY},      {"M_BAD_JSON", KITH_ERR_INVALID},
        {"M_NOT_JSON", KITH_ERR_INVALID},         {"M_INVALID_PARAM", KITH_ERR_INVALID},
        {"M_MISSING_PARAM", KITH_ERR_INVALID},    {"M_TOO_LARGE", KITH_ERR_LIMIT},
        {"M_UNRECOGNIZED", KITH_ERR_UNSUPPORTED},
    };
    for (size_t i = 0; errcode != NULL && i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(codes[i].errcode, errcode) == 0)
            return codes[i].err;
    switch (status) {
    case 401:
    case 403: return KITH_ERR_PERMISSION;
    case 404: return KITH_ERR_NOT_FOUND;
    case 429: return KITH_ERR_BUSY;
    default: return KITH_ERR_PLATFORM;
    }
}

uint64_t mx_retry_after_ms(const cJSON *body, const char *retry_after_header, uint64_t fallback_ms)
{
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(body, "retry_after_ms");
    uint64_t wait = fallback_ms;
    if (cJSON_IsNumber(ms) && ms->valuedouble >= 0) {
        wait = (uint64_t)ms->valuedouble;
    } else if (retry_after_header != NULL) {
        char *end = NULL;
        double seconds = strtod(retry_after_header, &end);
        if (end != retry_after_header && seconds >= 0)
            wait = (uint64_t)(seconds * 1000.0);
    }
    return wait > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : wait;
}

static uint64_t backoff_ms(unsigned tries)
{
    uint64_t wait = BACKOFF_FIRST_MS;
    for (unsigned i = 1; i < tries && wait < BACKOFF_MAX_MS; i++)
        wait *= 2;
    return wait > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : wait;
}

char *mx_reply_detail_dup(const struct mx_reply *reply)
{
    char *out = NULL;
    int n;
    if (reply->errcode != NULL)
        n = asprintf(&out, "%s: %s", reply->errcode, reply->error ? reply->error : "(no message)");
    else if (reply->error != NULL)
        n = asprintf(&out, "%s", reply->error);
    else if (reply->status != 0)
        n = asprintf(&out, "HTTP %ld", reply->status);
    else
        n = asprintf(&out, "%s", kith_strerror(reply->err));
    return n < 0 ? NULL : out;
}

static void arm_retry_timer(struct mx *mx);
static kith_err send_now(struct mx *mx, struct mx_call *call);

static void finish(struct mx *mx, struct mx_call *call, const struct mx_reply *reply)
{
    unlink_call(mx, call);
    bool token_gone = !call->anonymous && reply->errcode != NULL &&
                      strcmp(reply->errcode, "M_UNKNOWN_TOKEN") == 0;
    call->done(mx, reply, call->ud);
    free_call(call);
    if (token_gone)
        mx_token_rejected(mx, reply->error);
}

static void finish_error(struct mx *mx, struct mx_call *call, kith_err err, const char *text)
{
    struct mx_reply reply = {.err = err, .error = text};
    finish(mx, call, &reply);
}

/* Transient: worth the same request again later. */
static bool transient(const struct kith_http_response *resp)
{
    if (resp->err != KITH_OK)
        return resp->err == KITH_ERR_IO || resp->err == KITH_ERR_TIMEOUT;
    return resp->status == 429 || resp->status >= 500;
}

static void schedule_retry(struct mx *mx, struct mx_call *call,
                           const struct kith_http_response *resp, const cJSON *json)
{
    uint64_t wait = backoff_ms(call->tries);
    if (resp->err == KITH_OK && resp->status == 429)
        wait = mx_retry_after_ms(json, kith_http_response_header(resp, "Retry-After"), wait);
    const char *why = resp->err != KITH_OK
                          ? (resp->error ? resp->error : kith_strerror(resp->err))
                          : (resp->status == 429 ? "rate limited" : "server error");
    kith_log(KITH_LOG_WARN, MX_PLATFORM, "%s %.*s: %s (status %ld); retrying in %llu ms",
             call->method, (int)strcspn(call->path, "?"), call->path, why, resp->status,
             (unsigned long long)wait);
    call->retry_at = uv_now(mx->loop) + wait;
    arm_retry_timer(mx);
}

static void on_http_done(const struct kith_http_response *resp, void *ud)
{
    struct mx_call *call = ud;
    struct mx *mx = call->mx;
    call->in_flight = false;
    if (resp->err == KITH_ERR_CANCELLED) {
        finish_error(mx, call, KITH_ERR_CANCELLED, "cancelled");
        return;
    }
    cJSON *json = resp->body_len > 0 ? cJSON_ParseWithLength(resp->body, resp->body_len) : NULL;
    if (transient(resp) && call->attempts_left > 1 &&
        (mx->phase == MX_RUNNING || mx->phase == MX_CONNECTING)) {
        call->attempts_left--;
        schedule_retry(mx, call, resp, json);
        cJSON_Delete(json);
        return;
    }
    struct mx_reply reply = {.err = resp->err,
                             .status = resp->status,
                             .json = json,
                             .retry_after = kith_http_response_header(resp, "Retry-After")};
    if (resp->err != KITH_OK) {
        reply.error = resp->error;
    } else if (resp->status < 200 || resp->status > 299) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(json, "errcode");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(json, "error");
        reply.errcode = cJSON_IsString(code) ? code->valuestring : NULL;
        reply.error = cJSON_IsString(text) ? text->valuestring : NULL;
        reply.err = map_error(resp->status, reply.errcode);
    }
    finish(mx, call, &reply);
    cJSON_Delete(json);
}

static kith_err send_now(struct mx *mx, struct mx_call *call)
{
    char *url = NULL;
    if (asprintf(&url, "%s%s", mx->homeserver, call->path) < 0)
        return KITH_ERR_NOMEM;
    struct kith_http_header headers[1];
    size_t header_count = 0;
    if (!call->anonymous)
        headers[header_count++] = (struct kith_http_header){"Authorization", mx->auth_header};
    struct kith_http_request req = {
        .method = call->method,
        .url = url,
        .headers = headers,
        .header_count = header_count,
        .body = call->body,
        .body_len = call->body_len,
        .content_type = call->body != NULL ? call->content_type : NULL,
        .timeout_ms = call->timeout_ms,
        .secret = call->anonymous ? call->secret : mx->token,
    };
    call->tries++;
    call->retry_at = 0;
    kith_err err = kith_http_request(mx->http, &req, on_http_done, call, &call->http_id);
    free(url);
    call->in_flight = err == KITH_OK;
    return err;
}

static void on_retry_timer(uv_timer_t *timer)
{
    struct mx *mx = timer->data;
    uint64_t now = uv_now(mx->loop);
    bool fired = true;
    /* A failed start finishes (unlinks) a call, so restart the walk after each one. */
    while (fired) {
        fired = false;
        for (struct mx_call *c = mx->calls; c != NULL; c = c->next) {
            if (c->in_flight || c->retry_at == 0 || c->retry_at > now)
                continue;
            kith_err err = send_now(mx, c);
            if (err != KITH_OK)
                finish_error(mx, c, err, "could not start the request");
            fired = true;
            break;
        }
    }
    arm_retry_timer(mx);
}

static void arm_retry_timer(struct mx *mx)
{
    uint64_t next = 0;
    for (struct mx_call *c = mx->calls; c != NULL; c = c->next)
        if (!c->in_flight && c->retry_at != 0 && (next == 0 || c->retry_at < next))
            next = c->retry_at;
    if (next == 0) {
        uv_timer_stop(&mx->retry_timer);
        return;
    }
    uint64_t now = uv_now(mx->loop);
    uv_timer_start(&mx->retry_timer, on_retry_timer, next > now ? next - now : 0, 0);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

kith_err mx_call_start(struct mx *mx, const struct mx_request *req, mx_done_fn done, void *ud,
                       struct mx_call **call_out)
{
    if (mx->http == NULL || req->method == NULL || req->path == NULL || done == NULL)
        return KITH_ERR_INVALID;
    struct mx_call *call = calloc(1, sizeof *call);
    if (call == NULL)
        return KITH_ERR_NOMEM;
    call->mx = mx;
    call->method = req->method;
    call->path = strdup(req->path);
    call->body_len = req->body != NULL ? (req->body_len ? req->body_len : strlen(req->body)) : 0;
    if (req->body != NULL) {
        call->body = malloc(call->body_len + 1);
        if (call->body != NULL) {
            memcpy(call->body, req->body, call->body_len);
            call->body[call->body_len] = '\0';
        }
    }
    call->content_type = strdup(req->content_type ? req->content_type : "application/json");
    call->secret = dup_or_null(req->secret);
    bool nomem = call->path == NULL || call->content_type == NULL ||
                 (req->body != NULL && call->body == NULL) ||
                 (req->secret != NULL && call->secret == NULL);
    if (nomem) {
        free_call(call);
        return KITH_ERR_NOMEM;
    }
    call->timeout_ms = req->timeout_ms;
    call->anonymous = req->anonymous;
    call->attempts_left = req->attempts > 0 ? req->attempts : 1;
    call->done = done;
    call->ud = ud;
    kith_err err = send_now(mx, call);
    if (err != KITH_OK) {
        free_call(call);
        return err;
    }
    link_call(mx, call);
    if (call_out != NULL)
        *call_out = call;
    return KITH_OK;
}

void mx_call_cancel(struct mx *mx, struct mx_call *call)
{
    if (call->in_flight) {
        kith_http_cancel(mx->http, call->http_id); /* on_http_done finishes it */
        return;
    }
    finish_error(mx, call, KITH_ERR_CANCELLED, "cancelled");
    arm_retry_timer(mx);
}

void mx_calls_cancel_waiting(struct mx *mx)
{
    bool found = true;
    while (found) {
        found = false;
        for (struct mx_call *c = mx->calls; c != NULL; c = c->next) {
            if (!c->in_flight) {
                mx_call_cancel(mx, c);
                found = true;
                break;
            }
        }
    }
}

void mx_calls_cancel_all(struct mx *mx)
{
    while (mx->calls != NULL)
        mx_call_cancel(mx, mx->calls);
    uv_timer_stop(&mx->retry_timer);
}
