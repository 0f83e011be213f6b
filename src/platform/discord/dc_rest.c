/* REST v10 calls over the shared asynchronous HTTP client: bot authorisation, Discord's
 * User-Agent, one request in flight per rate-limit bucket, 429 waits and retries with backoff
 * on 5xx answers and transport errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/http.h"
#include "net/redact.h"
#include "platform/discord/dc_internal.h"

#define TIMEOUT_MS 15000
#define MAX_RETRIES 3 /* 5xx and transport errors */
#define MAX_LIMITED 5 /* 429s before the call is reported as rate limited */
#define RETRY_BASE_MS 500
#define PRUNE_EVERY_MS 60000

struct dc_call {
    struct dc_call *next;                /* in its bucket's queue */
    struct dc_call *all_prev, *all_next; /* every live call */
    struct dc *dc;
    struct dc_bucket *bucket;
    char *method, *path, *body, *content_type, *reason, *token;
    size_t body_len;
    const char *needs;
    bool exempt, background, in_flight;
    int retries, limited;
    uint64_t not_before;
    uint64_t request_id;
    dc_rest_fn fn;
    void *ud;
};

struct dc_rest {
    struct dc_limits *limits;
    struct dc_call *calls;
    size_t live;
    uv_timer_t *timer;
    uint64_t timer_at; /* 0 = not armed */
    uint64_t pruned_at;
};

static void pump(struct dc *dc);

kith_err dc_rest_new(struct dc *dc)
{
    struct dc_rest *rest = calloc(1, sizeof *rest);
    if (rest == NULL)
        return KITH_ERR_NOMEM;
    if (dc_limits_new(&rest->limits) != KITH_OK || (rest->timer = dc_timer_new(dc, dc)) == NULL) {
        dc_limits_free(rest->limits);
        free(rest);
        return KITH_ERR_NOMEM;
    }
    dc->rest = rest;
    return KITH_OK;
}

size_t dc_rest_live(const struct dc *dc)
{
    return dc->rest != NULL ? dc->rest->live : 0;
}

/* ---- Queues. ---- */

static void enqueue(struct dc_call *call, bool at_head)
{
    void **head = dc_bucket_queue(call->bucket);
    if (at_head) {
        call->next = *head;
        *head = call;
        return;
    }
    struct dc_call **link = (struct dc_call **)head;
    while (*link != NULL)
        link = &(*link)->next;
    call->next = NULL;
    *link = call;
}

static void dequeue(struct dc_call *call)
{
    for (struct dc_call **link = (struct dc_call **)dc_bucket_queue(call->bucket); *link != NULL;
         link = &(*link)->next) {
        if (*link == call) {
            *link = call->next;
            call->next = NULL;
            return;
        }
    }
}

static void call_free(struct dc_rest *rest, struct dc_call *call)
{
    if (call->all_prev != NULL)
        call->all_prev->all_next = call->all_next;
    else
        rest->calls = call->all_next;
    if (call->all_next != NULL)
        call->all_next->all_prev = call->all_prev;
    rest->live--;
    free(call->method);
    free(call->path);
    free(call->body);
    free(call->content_type);
    free(call->reason);
    free(call->token);
    free(call);
}

/* Reports the outcome and forgets the call. */
static void finish(struct dc_call *call, const struct dc_reply *reply)
{
    struct dc *dc = call->dc;
    dc_rest_fn fn = call->fn;
    void *ud = call->ud;
    call_free(dc->rest, call);
    fn(dc, reply, ud);
    dc_check_stopped(dc);
}

static void finish_error(struct dc_call *call, kith_err err, const char *why)
{
    const struct dc_reply reply = {.err = err, .message = why, .detail = why};
    finish(call, &reply);
}

/* ---- Answers. ---- */

/* The path as it may appear in a log line (interaction tokens removed). */
static char *safe_path_dup(const struct dc_call *call)
{
    return kith_redact_dup(call->path, call->token);
}

static void log_failure(const struct dc_call *call, const struct dc_reply *reply)
{
    char *path = safe_path_dup(call);
    if (reply->status == 401 && call->token == NULL)
        kith_log(KITH_LOG_ERROR, DC_PLATFORM,
                 "%s %s: Discord refused the bot token (401 Unauthorized); check discord.token",
                 call->method, path ? path : "?");
    else
        kith_log(reply->err == KITH_ERR_NOT_FOUND ? KITH_LOG_INFO : KITH_LOG_WARN, DC_PLATFORM,
                 "%s", reply->detail ? reply->detail : "request failed");
    free(path);
}

static void deliver(struct dc_call *call, const struct kith_http_response *resp, const cJSON *json)
{
    struct dc_reply reply = {.err = KITH_OK, .status = resp->status, .json = json};
    char *detail = NULL;
    if (resp->status < 200 || resp->status > 299) {
        reply.code = (int)dc_json_int(json, "code", 0);
        reply.message = dc_json_str(json, "message");
        if (reply.message == NULL)
            reply.message = resp->status == 429 ? "rate limited" : "no error message";
        reply.err = dc_error_kind(resp->status, reply.code);
        char *path = safe_path_dup(call);
        detail = dc_error_detail_dup(call->method, path ? path : "?", resp->status, reply.code,
                                     reply.message, call->needs);
        free(path);
        reply.detail = detail != NULL ? detail : reply.message;
        log_failure(call, &reply);
    }
    finish(call, &reply);
    free(detail);
}

/* Puts the call back at the head of its bucket, to go again not before `delay_ms`. */
static void again(struct dc_call *call, uint64_t delay_ms)
{
    call->not_before = dc_now_ms() + delay_ms;
    enqueue(call, true);
    pump(call->dc);
}

static bool transient(const struct kith_http_response *resp)
{
    return resp->err == KITH_ERR_IO || resp->err == KITH_ERR_TIMEOUT ||
           (resp->err == KITH_OK && resp->status >= 500 && resp->status <= 599);
}

static void on_done(const struct kith_http_response *resp, void *ud)
{
    struct dc_call *call = ud;
    struct dc *dc = call->dc;
    call->in_flight = false;
    *dc_bucket_busy(call->bucket) = false;
    if (resp->err == KITH_ERR_CANCELLED) {
        finish_error(call, KITH_ERR_CANCELLED, "cancelled");
        return;
    }
    cJSON *json = resp->body_len > 0 ? cJSON_ParseWithLength(resp->body, resp->body_len) : NULL;
    if (resp->err == KITH_OK)
        dc_limits_update(dc->rest->limits, call->bucket, call->method, call->path, resp, json,
                         dc_now_ms());
    if (resp->err == KITH_OK && resp->status == 429 && ++call->limited < MAX_LIMITED) {
        cJSON_Delete(json);
        again(call, 0); /* the bucket or global wait decides when */
        return;
    }
    if (transient(resp) && call->retries < MAX_RETRIES) {
        uint64_t delay = (RETRY_BASE_MS << call->retries) + dc_random(RETRY_BASE_MS);
        kith_log(KITH_LOG_INFO, DC_PLATFORM, "%s failed (%s); trying again in %llu ms",
                 call->method, resp->err == KITH_OK ? "server error" : resp->error,
                 (unsigned long long)delay);
        call->retries++;
        cJSON_Delete(json);
        again(call, delay);
        return;
    }
    if (resp->err != KITH_OK) {
        char why[300];
        snprintf(why, sizeof why, "Discord could not be reached (%s)",
                 resp->error ? resp->error : kith_strerror(resp->err));
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "%s request failed: %s", call->method, why);
        finish_error(call, resp->err, why);
    } else {
        deliver(call, resp, json);
    }
    cJSON_Delete(json);
    pump(dc);
}

/* ---- Sending. ---- */

/* X-Audit-Log-Reason is URL-encoded UTF-8, at most 512 characters. */
static char *reason_encode_dup(const char *reason)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(reason);
    if (n > 512)
        n = 512;
    while (n > 0 && ((unsigned char)reason[n] & 0xC0) == 0x80)
        n--; /* not in the middle of a UTF-8 sequence */
    char *out = malloc(3 * n + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)reason[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

static void transmit(struct dc *dc, struct dc_call *call)
{
    struct kith_http_header headers[4];
    size_t n = 0;
    if (call->token == NULL)
        headers[n++] = (struct kith_http_header){"Authorization", dc->auth};
    headers[n++] = (struct kith_http_header){"User-Agent", dc->user_agent};
    if (call->reason != NULL)
        headers[n++] = (struct kith_http_header){"X-Audit-Log-Reason", call->reason};
    char *url = NULL;
    if (asprintf(&url, "%s%s", dc->api_base, call->path) < 0) {
        finish_error(call, KITH_ERR_NOMEM, "out of memory");
        return;
    }
    const struct kith_http_request req = {
        .method = call->method,
        .url = url,
        .headers = headers,
        .header_count = n,
        .body = call->body,
        .body_len = call->body_len,
        .content_type = call->content_type,
        .timeout_ms = TIMEOUT_MS,
        .secret = call->token != NULL ? call->token : dc->cfg->token,
    };
    call->in_flight = true;
    *dc_bucket_busy(call->bucket) = true;
    dc_limits_sent(dc->rest->limits, call->bucket, call->exempt, dc_now_ms());
    kith_err err = kith_http_request(dc->http, &req, on_done, call, &call->request_id);
    free(url);
    if (err != KITH_OK) {
        call->in_flight = false;
        *dc_bucket_busy(call->bucket) = false;
        finish_error(call, err, "the request could not be started");
    }
}

static void on_timer(uv_timer_t *timer)
{
    struct dc *dc = timer->data;
    if (dc == NULL)
        return;
    dc->rest->timer_at = 0;
    pump(dc);
}

static void arm(struct dc *dc, uint64_t at, uint64_t now)
{
    struct dc_rest *rest = dc->rest;
    if (rest->timer_at != 0 && rest->timer_at <= at)
        return;
    rest->timer_at = at;
    uv_timer_start(rest->timer, on_timer, at > now ? at - now : 0, 0);
}

/* Sends every call that heads its bucket and may go now; arms the timer for the rest. */
static void pump(struct dc *dc)
{
    struct dc_rest *rest = dc->rest;
    uint64_t now = dc_now_ms();
    uint64_t wake = 0;
    bool progress = true;
    while (progress) {
        progress = false;
        for (struct dc_call *call = rest->calls; call != NULL; call = call->all_next) {
            if (call->in_flight || *dc_bucket_busy(call->bucket) ||
                *dc_bucket_queue(call->bucket) != call)
                continue;
            uint64_t at = dc_limits_wait(rest->limits, call->bucket, call->exempt, now);
            if (call->not_before > at)
                at = call->not_before;
            if (at > now) {
                wake = wake == 0 || at < wake ? at : wake;
                continue;
            }
            dequeue(call);
            transmit(dc, call);
            progress = true; /* the list changed under us: start over */
            break;
        }
    }
    if (wake != 0)
        arm(dc, wake, now);
    if (now - rest->pruned_at > PRUNE_EVERY_MS) {
        rest->pruned_at = now;
        dc_limits_prune(rest->limits, now);
    }
}

static kith_err call_fill(struct dc_call *call, const struct dc_rest_opts *opts)
{
    call->method = strdup(opts->method);
    call->path = strdup(opts->path);
    call->reason = opts->reason != NULL ? reason_encode_dup(opts->reason) : NULL;
    call->token = opts->interaction_token ? strdup(opts->interaction_token) : NULL;
    if (!call->method || !call->path || (opts->reason && !call->reason) ||
        (opts->interaction_token && !call->token))
        return KITH_ERR_NOMEM;
    if (opts->body != NULL) {
        call->body = malloc(opts->body_len + 1);
        call->content_type = strdup(opts->content_type ? opts->content_type : "text/plain");
        if (call->body == NULL || call->content_type == NULL)
            return KITH_ERR_NOMEM;
        memcpy(call->body, opts->body, opts->body_len);
        call->body[opts->body_len] = '\0';
        call->body_len = opts->body_len;
    } else if (opts->json != NULL) {
        call->body = cJSON_PrintUnformatted(opts->json);
        call->content_type = strdup("application/json");
        if (call->body == NULL || call->content_type == NULL)
            return KITH_ERR_NOMEM;
        call->body_len = strlen(call->body);
    }
    call->needs = opts->needs;
    call->exempt = opts->interaction_token != NULL;
    call->background = opts->background;
    return KITH_OK;
}

kith_err dc_rest_call(struct dc *dc, const struct dc_rest_opts *opts, dc_rest_fn fn, void *ud)
{
    struct dc_rest *rest = dc->rest;
    if (rest == NULL || dc->http == NULL || opts->method == NULL || opts->path == NULL)
        return KITH_ERR_INVALID;
    if (dc->destroying)
        return KITH_ERR_CANCELLED;
    if (opts->interaction_token == NULL && dc_limits_guarded(rest->limits, dc_now_ms()))
        return KITH_ERR_BUSY;
    struct dc_call *call = calloc(1, sizeof *call);
    if (call == NULL)
        return KITH_ERR_NOMEM;
    call->dc = dc;
    call->fn = fn;
    call->ud = ud;
    kith_err err = call_fill(call, opts);
    if (err == KITH_OK) {
        call->bucket = dc_limits_bucket(rest->limits, call->method, call->path);
        if (call->bucket == NULL)
            err = KITH_ERR_NOMEM;
    }
    call->all_next = rest->calls;
    if (rest->calls != NULL)
        rest->calls->all_prev = call;
    rest->calls = call;
    rest->live++;
    if (err != KITH_OK) {
        call_free(rest, call);
        return err;
    }
    enqueue(call, false);
    /* From the loop, never inside the caller: fn must not run before this returns. */
    arm(dc, dc_now_ms(), dc_now_ms());
    return KITH_OK;
}

/* ---- Cancelling. ---- */

static void cancel_where(struct dc *dc, bool background_only)
{
    struct dc_rest *rest = dc->rest;
    if (rest == NULL)
        return;
    bool found = true;
    while (found) {
        found = false;
        for (struct dc_call *call = rest->calls; call != NULL; call = call->all_next) {
            if (background_only && !call->background)
                continue;
            found = true;
            if (call->in_flight) {
                kith_http_cancel(dc->http, call->request_id); /* on_done finishes it */
            } else {
                dequeue(call);
                finish_error(call, KITH_ERR_CANCELLED, "cancelled");
            }
            break; /* callbacks may have changed the list */
        }
    }
}

void dc_rest_cancel_all(struct dc *dc)
{
    cancel_where(dc, false);
}

void dc_rest_cancel_background(struct dc *dc)
{
    cancel_where(dc, true);
}

void dc_rest_free(struct dc *dc)
{
    if (dc->rest == NULL)
        return;
    dc_rest_cancel_all(dc);
    dc_timer_close(&dc->rest->timer);
    dc_limits_free(dc->rest->limits);
    free(dc->rest);
    dc->rest = NULL;
}
