/* Webhook mode: updates POSTed by Telegram to a listener on the shared libwebsockets context,
 * accepted only with the secret token registered by setWebhook at start (wrong or missing:
 * 401, nothing handled), and answered at once so Telegram never waits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/log.h"
#include "net/http_server.h"
#include "platform/telegram/tg_internal.h"

#define SECRET_HEADER "X-Telegram-Bot-Api-Secret-Token"
#define RETRY_MAX_MS 60000

static const char *const allowed_updates[] = {
    "message", "edited_message", "callback_query", "poll_answer", "chat_member", "my_chat_member",
};

/* Compares without an early exit, so timing tells nothing about the secret. */
static bool secret_matches(const char *got, const char *want)
{
    size_t got_len = strlen(got), want_len = strlen(want);
    unsigned char diff = got_len != want_len;
    for (size_t i = 0; i < want_len; i++)
        diff |= (unsigned char)(want[i] ^ (i < got_len ? got[i] : 0));
    return diff == 0;
}

static void respond(struct kith_http_exchange *ex, int status, const char *body)
{
    kith_http_exchange_respond(ex, status, "application/json", body, strlen(body));
}

static void take_update(struct tg *tg, struct kith_http_exchange *ex)
{
    size_t len = 0;
    const char *body = kith_http_exchange_body(ex, &len);
    cJSON *update = body ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsObject(update) || tg_json_int(update, "update_id", -1) < 0) {
        cJSON_Delete(update);
        respond(ex, 400, "{\"ok\":false,\"description\":\"not an update\"}");
        return;
    }
    /* Kept before the 200: once answered, Telegram never delivers it again. */
    char *text = cJSON_PrintUnformatted(update);
    kith_err err =
        text ? tg_inbox_keep(tg, tg_json_int(update, "update_id", -1), text) : KITH_ERR_NOMEM;
    free(text);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, "telegram", "an update could not be kept (%s); Telegram retries",
                 kith_strerror(err));
        cJSON_Delete(update);
        respond(ex, 503, "{\"ok\":false,\"description\":\"store unavailable\"}");
        return;
    }
    tg_intake_push(tg, update);
    tg_intake_run(tg);
    respond(ex, 200, "{}");
}

/* The handler's ud is the adapter: the core destroys adapters and frees the websocket context
 * (and with it this listener) without running the loop in between, and libwebsockets never
 * calls a request handler while tearing down. */
static void on_request(struct kith_http_exchange *ex, void *ud)
{
    struct tg *tg = ud;
    if (strcmp(kith_http_exchange_method(ex), "POST") != 0) {
        respond(ex, 405, "{\"ok\":false,\"description\":\"POST only\"}");
        return;
    }
    const char *secret = kith_http_exchange_header(ex, SECRET_HEADER);
    if (!tg->webhook.registered || secret == NULL || !secret_matches(secret, tg->webhook.secret)) {
        kith_log(KITH_LOG_WARN, "telegram", "webhook request to %s refused: %s secret token",
                 kith_http_exchange_path(ex), secret == NULL ? "no" : "a wrong");
        respond(ex, 401, "{\"ok\":false,\"description\":\"Unauthorized\"}");
        return;
    }
    if (!tg->running || tg->stopping || !tg->started) {
        respond(ex, 503, "{\"ok\":false,\"description\":\"stopping\"}"); /* Telegram retries */
        return;
    }
    take_update(tg, ex);
}

static kith_err new_secret(char *out, size_t size)
{
    unsigned char raw[24];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw || size < 2 * sizeof raw + 1)
        return KITH_ERR_IO;
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    kith_log_add_secret(out);
    return KITH_OK;
}

kith_err tg_webhook_listen(struct tg *tg, char **error_out)
{
    kith_err err = new_secret(tg->webhook.secret, sizeof tg->webhook.secret);
    if (err != KITH_OK)
        return err;
    struct kith_ws_context *ws = kith_core_ws(tg->core);
    if (ws == NULL)
        return KITH_ERR_IO;
    struct kith_http_server_opts opts = {.iface = tg->cfg->webhook_listen,
                                         .port = tg->cfg->webhook_port};
    err = kith_http_server_new(ws, &opts, on_request, tg, &tg->webhook.server);
    if (err != KITH_OK && error_out != NULL &&
        asprintf(error_out, "cannot listen on %s:%d for the Telegram webhook",
                 opts.iface ? opts.iface : "*", opts.port) < 0)
        *error_out = NULL;
    return err;
}

static void register_again(uv_timer_t *timer)
{
    struct tg *tg = timer->data;
    if (tg != NULL && tg->running)
        tg_webhook_register(tg);
}

static void webhook_set(struct tg *tg, const struct tg_reply *reply, void *ud)
{
    (void)ud;
    if (reply->err == KITH_ERR_CANCELLED || !tg->running)
        return;
    if (reply->err == KITH_OK) {
        tg->webhook.registered = true;
        tg->webhook.failures = 0;
        kith_log(KITH_LOG_INFO, "telegram", "webhook set: updates arrive at %s",
                 tg->cfg->webhook_url);
        return;
    }
    uint64_t delay = 1000u << (tg->webhook.failures < 6 ? tg->webhook.failures : 6);
    delay = delay > RETRY_MAX_MS ? RETRY_MAX_MS : delay;
    tg->webhook.failures++;
    char *detail = tg_error_detail_dup("setWebhook", reply);
    kith_log(KITH_LOG_ERROR, "telegram", "%s; retrying in %llu ms",
             detail ? detail : kith_strerror(reply->err), (unsigned long long)delay);
    free(detail);
    if (tg->webhook.timer == NULL && (tg->webhook.timer = tg_timer_new(tg)) == NULL)
        return;
    uv_timer_start(tg->webhook.timer, register_again, delay, 0);
}

void tg_webhook_register(struct tg *tg)
{
    /* Marked registered from the start: the secret is ours either way, and updates sent
     * with it while setWebhook is answered are genuine. */
    tg->webhook.registered = true;
    cJSON *params = cJSON_CreateObject();
    cJSON *allowed = cJSON_CreateStringArray(
        allowed_updates, (int)(sizeof allowed_updates / sizeof allowed_updates[0]));
    kith_err err = params && allowed && cJSON_AddItemToObject(params, "allowed_updates", allowed)
                       ? KITH_OK
                       : KITH_ERR_NOMEM;
    if (err != KITH_OK)
        cJSON_Delete(allowed);
    if (err == KITH_OK &&
        (cJSON_AddStringToObject(params, "url", tg->cfg->webhook_url) == NULL ||
         cJSON_AddStringToObject(params, "secret_token", tg->webhook.secret) == NULL))
        err = KITH_ERR_NOMEM;
    struct tg_call_opts opts = {.method = "setWebhook", .params = params, .background = true};
    if (err == KITH_OK)
        err = tg_call(tg, &opts, webhook_set, NULL, NULL);
    cJSON_Delete(params);
    if (err != KITH_OK) {
        struct tg_reply reply = {.err = err, .description = kith_strerror(err)};
        webhook_set(tg, &reply, NULL);
    }
}

void tg_webhook_detach(struct tg *tg)
{
    tg_timer_close(&tg->webhook.timer);
}
