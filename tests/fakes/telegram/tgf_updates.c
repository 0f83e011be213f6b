/* Updates as the Bot API keeps them: numbered, filtered by allowed_updates when created,
 * confirmed by getUpdates' offset, held by a long poll until one arrives or the timeout ends,
 * one poller at a time (409 for the older), and none by polling while a webhook is set. */
#include <stdlib.h>
#include <string.h>

#include "fake_telegram.h"

#define LIMIT_MAX 100
#define TIMEOUT_MAX_S 50

/* Kinds Telegram sends when allowed_updates was never given (or given empty). */
static const char *const not_by_default[] = {"chat_member", "message_reaction",
                                             "message_reaction_count"};

static const char *kind_of(const cJSON *update)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, update)
    {
        if (item->string != NULL && strcmp(item->string, "update_id") != 0)
            return item->string;
    }
    return "";
}

static bool allowed(const struct tgf *tg, const char *kind)
{
    if (cJSON_GetArraySize(tg->allowed) == 0) {
        for (size_t i = 0; i < sizeof not_by_default / sizeof not_by_default[0]; i++)
            if (strcmp(kind, not_by_default[i]) == 0)
                return false;
        return true;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, tg->allowed)
    {
        if (cJSON_IsString(item) && strcmp(item->valuestring, kind) == 0)
            return true;
    }
    return false;
}

static void take_allowed(struct tgf *tg, const cJSON *args)
{
    cJSON *list = tgf_arg_json_dup(args, "allowed_updates");
    if (!cJSON_IsArray(list)) {
        cJSON_Delete(list);
        return; /* not given: the previous setting stays */
    }
    cJSON_Delete(tg->allowed);
    tg->allowed = list;
}

/* ---- The held poll. ---- */

static void wait_timer_closed(uv_handle_t *handle)
{
    free(handle);
}

static void wait_free(struct tgf *tg)
{
    struct tgf_poll_wait *w = tg->poll;
    if (w == NULL)
        return;
    tg->poll = NULL;
    uv_timer_stop(w->timer);
    uv_close((uv_handle_t *)w->timer, wait_timer_closed);
    free(w);
}

static cJSON *batch_new(const struct tgf *tg, int64_t limit)
{
    cJSON *batch = cJSON_CreateArray();
    const cJSON *u;
    int64_t n = 0;
    cJSON_ArrayForEach(u, tg->updates)
    {
        if (n++ == limit)
            break;
        cJSON_AddItemToArray(batch, cJSON_Duplicate(u, true));
    }
    return batch;
}

static void answer_wait(struct tgf *tg)
{
    struct tgf_poll_wait *w = tg->poll;
    struct fake_request *req = w->req;
    int64_t limit = w->limit;
    wait_free(tg);
    tgf_ok(req, batch_new(tg, limit));
}

static void wait_due(uv_timer_t *timer)
{
    struct tgf *tg = timer->data;
    if (tg->poll != NULL)
        answer_wait(tg);
}

static void wait_aborted(struct fake_request *req, void *ud)
{
    struct tgf *tg = ud;
    (void)req;
    wait_free(tg);
}

static void hold(struct tgf *tg, struct fake_request *req, int64_t limit, int64_t timeout_s)
{
    struct tgf_poll_wait *w = calloc(1, sizeof *w);
    uv_timer_t *timer = malloc(sizeof *timer);
    if (w == NULL || timer == NULL) {
        free(w);
        free(timer);
        tgf_error(req, 500, "Internal Server Error");
        return;
    }
    uv_timer_init(tg->loop, timer);
    timer->data = tg;
    w->req = req;
    w->timer = timer;
    w->limit = limit;
    tg->poll = w;
    fake_request_on_abort(req, wait_aborted, tg);
    uv_timer_start(timer, wait_due, (uint64_t)timeout_s * 1000, 0);
}

/* ---- The queue. ---- */

static void confirm(struct tgf *tg, int64_t offset)
{
    int size = cJSON_GetArraySize(tg->updates);
    if (offset < 0) { /* -n: only the newest n stay */
        while (size-- > -offset)
            cJSON_DeleteItemFromArray(tg->updates, 0);
        return;
    }
    while (cJSON_GetArraySize(tg->updates) > 0 &&
           tgf_json_id(cJSON_GetArrayItem(tg->updates, 0), "update_id") < offset)
        cJSON_DeleteItemFromArray(tg->updates, 0);
}

int64_t tgf_update_queue(struct tgf *tg, cJSON *update)
{
    const char *kind = kind_of(update);
    if (!allowed(tg, kind)) {
        cJSON *note = cJSON_CreateObject();
        cJSON_AddStringToObject(note, "dropped", kind);
        fake_server_record(tg->srv, "update", note);
        cJSON_Delete(note);
        cJSON_Delete(update);
        return -1;
    }
    int64_t id = tg->next_update_id++;
    cJSON_DeleteItemFromObjectCaseSensitive(update, "update_id");
    cJSON_AddItemToObject(update, "update_id", tgf_id_new(id));
    cJSON_AddItemToArray(tg->updates, update);
    if (tg->poll != NULL)
        answer_wait(tg);
    tgf_webhook_kick(tg);
    return id;
}

void tgf_get_updates(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    if (tg->webhook_url != NULL) {
        tgf_error(req, 409,
                  "Conflict: can't use getUpdates method while webhook is active; "
                  "use deleteWebhook to delete the webhook first");
        return;
    }
    if (tg->poll != NULL) {
        struct fake_request *older = tg->poll->req;
        wait_free(tg);
        tgf_error(older, 409,
                  "Conflict: terminated by other getUpdates request; make sure "
                  "that only one bot instance is running");
    }
    int64_t offset = 0, limit = LIMIT_MAX, timeout = 0;
    if (tgf_arg_int(args, "offset", &offset) && offset != 0)
        confirm(tg, offset);
    tgf_arg_int(args, "limit", &limit);
    tgf_arg_int(args, "timeout", &timeout);
    limit = limit < 1 ? 1 : limit > LIMIT_MAX ? LIMIT_MAX : limit;
    timeout = timeout < 0 ? 0 : timeout > TIMEOUT_MAX_S ? TIMEOUT_MAX_S : timeout;
    take_allowed(tg, args);
    if (cJSON_GetArraySize(tg->updates) > 0 || timeout == 0)
        tgf_ok(req, batch_new(tg, limit));
    else
        hold(tg, req, limit, timeout);
}

/* ---- Webhook settings. ---- */

static bool secret_ok(const char *secret)
{
    size_t n = strlen(secret);
    if (n == 0 || n > 256)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = secret[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* Telegram posts only to HTTPS; plain HTTP to loopback stands in for it in tests. */
static bool url_ok(const char *url)
{
    return strncmp(url, "https://", 8) == 0 || strncmp(url, "http://127.0.0.1", 16) == 0 ||
           strncmp(url, "http://localhost", 16) == 0;
}

static void clear_webhook(struct tgf *tg)
{
    free(tg->webhook_url);
    free(tg->webhook_secret);
    tg->webhook_url = tg->webhook_secret = NULL;
    tg->webhook_failures = 0;
}

void tgf_set_webhook(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    const char *url = tgf_arg_str(args, "url");
    const char *secret = tgf_arg_str(args, "secret_token");
    if (url != NULL && url[0] != '\0' && !url_ok(url)) {
        tgf_error(req, 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
        return;
    }
    if (secret != NULL && !secret_ok(secret)) {
        tgf_error(req, 400, "Bad Request: secret token contains unallowed characters");
        return;
    }
    if (tgf_arg_bool(args, "drop_pending_updates", false))
        confirm(tg, tg->next_update_id);
    take_allowed(tg, args);
    clear_webhook(tg);
    if (url != NULL && url[0] != '\0') {
        tg->webhook_url = strdup(url);
        tg->webhook_secret = secret ? strdup(secret) : NULL;
    }
    if (tg->poll != NULL) {
        struct fake_request *older = tg->poll->req;
        wait_free(tg);
        tgf_error(older, 409, "Conflict: terminated by setWebhook request");
    }
    cJSON *result = cJSON_CreateTrue();
    tgf_ok(req, result);
    tgf_webhook_kick(tg);
}

void tgf_delete_webhook(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    if (tgf_arg_bool(args, "drop_pending_updates", false))
        confirm(tg, tg->next_update_id);
    clear_webhook(tg);
    tgf_ok(req, cJSON_CreateTrue());
}

void tgf_webhook_info(struct tgf *tg, struct fake_request *req)
{
    cJSON *info = cJSON_CreateObject();
    cJSON_AddStringToObject(info, "url", tg->webhook_url ? tg->webhook_url : "");
    cJSON_AddFalseToObject(info, "has_custom_certificate");
    cJSON_AddNumberToObject(info, "pending_update_count", cJSON_GetArraySize(tg->updates));
    cJSON_AddNumberToObject(info, "max_connections", 40);
    if (tg->allowed != NULL)
        cJSON_AddItemToObject(info, "allowed_updates", cJSON_Duplicate(tg->allowed, true));
    tgf_ok(req, info);
}

void tgf_updates_free(struct tgf *tg)
{
    wait_free(tg);
    clear_webhook(tg);
    cJSON_Delete(tg->updates);
    cJSON_Delete(tg->allowed);
    tg->updates = tg->allowed = NULL;
}
