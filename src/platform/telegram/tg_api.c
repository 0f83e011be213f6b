/* Bot API calls over the shared asynchronous HTTP client: JSON bodies, {ok, result} answers,
 * Telegram's errors mapped to kith errors, and a 429 waited out before the call is repeated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/http.h"
#include "platform/telegram/tg_internal.h"

#define DEFAULT_TIMEOUT_MS 30000
#define MAX_ATTEMPTS 5 /* a call still refused with 429 after this many is reported */

struct tg_call {
    struct tg_call *next;                /* in a pacer queue or the waiting list */
    struct tg_call *all_prev, *all_next; /* tg->calls */
    struct tg *tg;
    char method[48];
    char *body;
    size_t body_len;
    char *content_type;
    int64_t chat;
    bool paced, no_retry, in_flight, background;
    long timeout_ms;
    tg_done_fn fn;
    void *ud;
    uint64_t request_id;
    int attempts;
    uint64_t not_before;
};

int64_t tg_call_chat(const struct tg_call *call)
{
    return call->paced ? call->chat : 0;
}

uint64_t tg_call_not_before(const struct tg_call *call)
{
    return call->not_before;
}

void tg_call_set_not_before(struct tg_call *call, uint64_t at)
{
    call->not_before = at;
}

struct tg_call **tg_call_next(struct tg_call *call)
{
    return &call->next;
}

size_t tg_api_live(const struct tg *tg)
{
    return tg->live_calls;
}

static void unlink_call(struct tg *tg, struct tg_call *call)
{
    if (call->all_prev != NULL)
        call->all_prev->all_next = call->all_next;
    else
        tg->calls = call->all_next;
    if (call->all_next != NULL)
        call->all_next->all_prev = call->all_prev;
    tg->live_calls--;
}

static void free_call(struct tg_call *call)
{
    free(call->body);
    free(call->content_type);
    free(call);
}

/* Reports the outcome and forgets the call. */
static void finish(struct tg *tg, struct tg_call *call, const struct tg_reply *reply)
{
    unlink_call(tg, call);
    tg_done_fn fn = call->fn;
    void *ud = call->ud;
    free_call(call);
    fn(tg, reply, ud);
    tg_check_stopped(tg);
}

/* ---- Reading an answer. ---- */

static kith_err transport_kind(kith_err err)
{
    if (err == KITH_ERR_TIMEOUT || err == KITH_ERR_CANCELLED || err == KITH_ERR_NOMEM)
        return err;
    return KITH_ERR_IO;
}

/* Fills reply from the body; returns the parsed JSON to delete after the callback. */
static cJSON *parse_answer(const struct kith_http_response *resp, struct tg_reply *reply)
{
    reply->status = resp->status;
    cJSON *json = cJSON_ParseWithLength(resp->body, resp->body_len);
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(json, "ok");
    if (!cJSON_IsBool(ok)) {
        reply->err = resp->status >= 500 ? KITH_ERR_PLATFORM : KITH_ERR_IO;
        reply->description = "the answer was not a Bot API answer";
        return json;
    }
    if (cJSON_IsTrue(ok)) {
        reply->err = KITH_OK;
        reply->status = 200;
        reply->result = cJSON_GetObjectItemCaseSensitive(json, "result");
        return json;
    }
    reply->status = (long)tg_json_int(json, "error_code", resp->status);
    reply->description = tg_json_str(json, "description");
    if (reply->description == NULL)
        reply->description = "no description";
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(json, "parameters");
    reply->retry_after = (int)tg_json_int(params, "retry_after", 0);
    reply->migrate_to = tg_json_int(params, "migrate_to_chat_id", 0);
    if (reply->status == 429 && reply->retry_after <= 0) {
        const char *header = kith_http_response_header(resp, "Retry-After");
        reply->retry_after = header != NULL ? atoi(header) : 1;
    }
    reply->err = tg_error_kind(reply->status, reply->description);
    return json;
}

static void http_done(const struct kith_http_response *resp, void *ud)
{
    struct tg_call *call = ud;
    struct tg *tg = call->tg;
    call->in_flight = false;
    call->request_id = 0;
    struct tg_reply reply = {0};
    cJSON *json = NULL;
    if (resp->err != KITH_OK) {
        reply.err = transport_kind(resp->err);
        reply.description = resp->error ? resp->error : kith_strerror(resp->err);
    } else {
        json = parse_answer(resp, &reply);
    }
    if (call->paced)
        tg_pace_finished(tg, call);
    bool retry = reply.status == 429 && !call->no_retry && call->attempts < MAX_ATTEMPTS &&
                 reply.err != KITH_ERR_CANCELLED;
    if (retry) {
        kith_log(KITH_LOG_INFO, "telegram", "%s: flood limit, retrying in %d s", call->method,
                 reply.retry_after);
        tg_pace_retry_later(tg, call, reply.retry_after);
    } else {
        finish(tg, call, &reply);
    }
    cJSON_Delete(json);
}

void tg_api_transmit(struct tg *tg, struct tg_call *call)
{
    char *url = NULL;
    if (asprintf(&url, "%s%s", tg->api_prefix, call->method) < 0)
        url = NULL;
    const char *token = tg->cfg->token;
    struct kith_http_request req = {
        .method = "POST",
        .url = url,
        .body = call->body ? call->body : "{}",
        .body_len = call->body ? call->body_len : 2,
        .content_type = call->content_type ? call->content_type : "application/json",
        .timeout_ms = call->timeout_ms,
        .secret = token,
    };
    kith_err err = url != NULL ? KITH_OK : KITH_ERR_NOMEM;
    call->attempts++;
    if (err == KITH_OK)
        err = kith_http_request(tg->http, &req, http_done, call, &call->request_id);
    free(url);
    if (err == KITH_OK) {
        call->in_flight = true;
        return;
    }
    if (call->paced)
        tg_pace_finished(tg, call);
    struct tg_reply reply = {.err = err, .description = kith_strerror(err)};
    finish(tg, call, &reply);
}

/* ---- Starting and cancelling calls. ---- */

static kith_err fill_body(struct tg_call *call, const struct tg_call_opts *opts)
{
    if (opts->body != NULL) {
        call->body = malloc(opts->body_len + 1);
        call->content_type = strdup(opts->content_type ? opts->content_type : "application/json");
        if (call->body == NULL || call->content_type == NULL)
            return KITH_ERR_NOMEM;
        memcpy(call->body, opts->body, opts->body_len);
        call->body[opts->body_len] = '\0';
        call->body_len = opts->body_len;
        return KITH_OK;
    }
    if (opts->params == NULL)
        return KITH_OK;
    call->body = cJSON_PrintUnformatted(opts->params);
    if (call->body == NULL)
        return KITH_ERR_NOMEM;
    call->body_len = strlen(call->body);
    return KITH_OK;
}

kith_err tg_call(struct tg *tg, const struct tg_call_opts *opts, tg_done_fn fn, void *ud,
                 struct tg_call **call_out)
{
    if (tg->destroying)
        return KITH_ERR_CANCELLED;
    if (opts->method == NULL || strlen(opts->method) >= sizeof(((struct tg_call *)0)->method))
        return KITH_ERR_INVALID;
    struct tg_call *call = calloc(1, sizeof *call);
    if (call == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = fill_body(call, opts);
    if (err != KITH_OK) {
        free_call(call);
        return err;
    }
    strcpy(call->method, opts->method);
    call->tg = tg;
    call->chat = opts->pace_chat;
    call->paced = opts->pace_chat != 0;
    call->no_retry = opts->no_retry;
    call->background = opts->background;
    call->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    call->fn = fn;
    call->ud = ud;
    call->all_next = tg->calls;
    if (tg->calls != NULL)
        tg->calls->all_prev = call;
    tg->calls = call;
    tg->live_calls++;
    if (call_out != NULL)
        *call_out = call;
    tg_pace_enqueue(tg, call);
    return KITH_OK;
}

kith_err tg_call_json(struct tg *tg, const char *method, const cJSON *params, int64_t pace_chat,
                      tg_done_fn fn, void *ud)
{
    struct tg_call_opts opts = {.method = method, .params = params, .pace_chat = pace_chat};
    return tg_call(tg, &opts, fn, ud, NULL);
}

void tg_call_cancel(struct tg *tg, struct tg_call *call)
{
    if (call->in_flight) {
        kith_http_cancel(tg->http, call->request_id); /* http_done finishes it */
        return;
    }
    tg_pace_remove(tg, call);
    struct tg_reply reply = {.err = KITH_ERR_CANCELLED, .description = "cancelled"};
    finish(tg, call, &reply);
}

void tg_api_cancel_all(struct tg *tg)
{
    while (tg->calls != NULL)
        tg_call_cancel(tg, tg->calls);
}

void tg_api_cancel_background(struct tg *tg)
{
    /* A cancellation's callback may finish or start other calls: walk from the start again. */
    bool again = true;
    while (again) {
        again = false;
        for (struct tg_call *call = tg->calls; call != NULL; call = call->all_next) {
            if (call->background) {
                tg_call_cancel(tg, call);
                again = true;
                break;
            }
        }
    }
}

/* ---- Errors. ---- */

static bool has(const char *text, const char *part)
{
    return text != NULL && strcasestr(text, part) != NULL;
}

kith_err tg_error_kind(long status, const char *description)
{
    switch (status) {
    case 401:
    case 403: return KITH_ERR_PERMISSION;
    case 404: return KITH_ERR_NOT_FOUND;
    case 409:
    case 429: return KITH_ERR_BUSY;
    default: break;
    }
    if (status >= 500)
        return KITH_ERR_PLATFORM;
    if (has(description, "rights") || has(description, "CHAT_ADMIN_REQUIRED") ||
        has(description, "can't be deleted") || has(description, "administrator"))
        return KITH_ERR_PERMISSION;
    if (has(description, "only for supergroups"))
        return KITH_ERR_UNSUPPORTED;
    if (has(description, "not found"))
        return KITH_ERR_NOT_FOUND;
    if (has(description, "too long") || has(description, "TOO_LONG") ||
        has(description, "too many"))
        return KITH_ERR_LIMIT;
    return KITH_ERR_PLATFORM;
}

/* What to do about the known causes, in words an admin can act on. */
static const char *hint(const struct tg_reply *reply)
{
    const char *d = reply->description;
    if (reply->status == 401)
        return "the bot token was refused; check telegram.token";
    if (has(d, "can't be deleted"))
        return "bots may delete messages only within 48 hours of sending, and other members' "
               "messages only as an admin with the Delete messages right";
    if (has(d, "rights") || has(d, "CHAT_ADMIN_REQUIRED") || has(d, "administrator"))
        return "make the bot an admin of the group with the right this needs "
               "(Ban users, Delete messages)";
    if (has(d, "initiate conversation") || has(d, "bot was blocked"))
        return "the member has to open a private chat with the bot first";
    if (has(d, "only for supergroups"))
        return "Telegram allows this only in supergroups";
    if (has(d, "poll to stop not found"))
        return "the poll's message was deleted, or it is not a poll this bot sent";
    if (reply->status == 429)
        return "Telegram's flood limit; try again later";
    return NULL;
}

char *tg_error_detail_dup(const char *method, const struct tg_reply *reply)
{
    const char *why = hint(reply);
    char *out = NULL;
    int n = reply->status > 0
                ? asprintf(&out, "Telegram refused %s: %s%s%s", method,
                           reply->description ? reply->description : "error", why ? " — " : "",
                           why ? why : "")
                : asprintf(&out, "Telegram could not be reached for %s: %s", method,
                           reply->description ? reply->description : kith_strerror(reply->err));
    return n < 0 ? NULL : out;
}
