/* Long polling: getUpdates from the stored offset, the next poll only once the batch was
 * handled, a clear report when another program polls with the same token (409), backoff. */
#include <stdlib.h>

#include "core/log.h"
#include "platform/telegram/tg_internal.h"

#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 30000
#define POLL_SLACK_MS 10000 /* beyond the long-poll timeout before the request is given up */

static const char *const allowed_updates[] = {
    "message", "edited_message", "callback_query", "poll_answer", "chat_member", "my_chat_member",
};

static cJSON *poll_params_new(struct tg *tg)
{
    cJSON *params = cJSON_CreateObject();
    cJSON *allowed = cJSON_CreateStringArray(
        allowed_updates, (int)(sizeof allowed_updates / sizeof allowed_updates[0]));
    if (params == NULL || allowed == NULL ||
        !cJSON_AddItemToObject(params, "allowed_updates", allowed)) {
        cJSON_Delete(allowed);
        cJSON_Delete(params);
        return NULL;
    }
    if ((tg->intake.next_offset > 0 &&
         tg_json_add_int(params, "offset", tg->intake.next_offset) != KITH_OK) ||
        cJSON_AddNumberToObject(params, "timeout", tg->cfg->poll_timeout_s) == NULL ||
        cJSON_AddNumberToObject(params, "limit", 100) == NULL) {
        cJSON_Delete(params);
        return NULL;
    }
    return params;
}

static void backoff_fired(uv_timer_t *timer)
{
    struct tg *tg = timer->data;
    if (tg != NULL)
        tg_poll_next(tg);
}

static void back_off(struct tg *tg, uint64_t delay_ms)
{
    struct tg_poller *pl = &tg->poller;
    if (pl->timer == NULL && (pl->timer = tg_timer_new(tg)) == NULL) {
        kith_log(KITH_LOG_ERROR, "telegram", "out of memory: polling stopped");
        return;
    }
    uv_timer_start(pl->timer, backoff_fired, delay_ms, 0);
}

static uint64_t backoff_delay(struct tg *tg)
{
    unsigned n = tg->poller.failures < 8 ? tg->poller.failures : 8;
    uint64_t delay = (uint64_t)BACKOFF_FIRST_MS << n;
    return delay > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay;
}

/* Says what went wrong in words that point at the fix, then waits before polling again. */
static void poll_failed(struct tg *tg, const struct tg_reply *reply)
{
    uint64_t delay = backoff_delay(tg);
    tg->poller.failures++;
    if (reply->status == 429 && reply->retry_after > 0)
        delay = (uint64_t)reply->retry_after * 1000;
    const char *what = reply->description ? reply->description : kith_strerror(reply->err);
    if (reply->status == 409)
        kith_log(KITH_LOG_ERROR, "telegram",
                 "getUpdates refused with 409 Conflict (%s): another program is receiving "
                 "this bot's updates (a second kithd, or a webhook). Only one may; retrying "
                 "in %llu ms",
                 what, (unsigned long long)delay);
    else if (reply->status == 401)
        kith_log(KITH_LOG_ERROR, "telegram",
                 "getUpdates refused with 401: the bot token is not valid (telegram.token); "
                 "retrying in %llu ms",
                 (unsigned long long)delay);
    else
        kith_log(KITH_LOG_WARN, "telegram", "getUpdates failed (%ld: %s); retrying in %llu ms",
                 reply->status, what, (unsigned long long)delay);
    back_off(tg, delay);
}

static void polled(struct tg *tg, const struct tg_reply *reply, void *ud)
{
    (void)ud;
    tg->poller.call = NULL;
    if (reply->err == KITH_ERR_CANCELLED || !tg->poller.active)
        return;
    if (reply->err != KITH_OK || !cJSON_IsArray(reply->result)) {
        struct tg_reply bad = *reply;
        if (reply->err == KITH_OK) {
            bad.err = KITH_ERR_PLATFORM;
            bad.description = "the result was not a list of updates";
        }
        poll_failed(tg, &bad);
        return;
    }
    if (tg->poller.failures > 0)
        kith_log(KITH_LOG_INFO, "telegram", "getUpdates works again");
    tg->poller.failures = 0;
    const cJSON *update;
    cJSON_ArrayForEach(update, reply->result)
    {
        cJSON *copy = cJSON_Duplicate(update, true);
        if (copy == NULL) {
            /* Not confirmed, so Telegram sends it again with the next poll. */
            kith_log(KITH_LOG_ERROR, "telegram", "out of memory taking an update");
            break;
        }
        tg_intake_push(tg, copy);
    }
    tg_intake_run(tg);
    tg_poll_next(tg);
}

void tg_poll_next(struct tg *tg)
{
    struct tg_poller *pl = &tg->poller;
    if (!pl->active || pl->call != NULL || !tg_intake_idle(tg) ||
        (pl->timer != NULL && uv_is_active((uv_handle_t *)pl->timer)))
        return;
    cJSON *params = poll_params_new(tg);
    struct tg_call_opts opts = {
        .method = "getUpdates",
        .params = params,
        .timeout_ms = (long)tg->cfg->poll_timeout_s * 1000 + POLL_SLACK_MS,
        .no_retry = true,
        .background = true,
    };
    kith_err err = params ? tg_call(tg, &opts, polled, NULL, &pl->call) : KITH_ERR_NOMEM;
    cJSON_Delete(params);
    if (err != KITH_OK) {
        struct tg_reply reply = {.err = err, .description = kith_strerror(err)};
        poll_failed(tg, &reply);
    }
}

/* A webhook left over from another setup would make every getUpdates fail with 409. */
static void webhook_deleted(struct tg *tg, const struct tg_reply *reply, void *ud)
{
    (void)ud;
    if (reply->err == KITH_ERR_CANCELLED || !tg->poller.active)
        return;
    if (reply->err != KITH_OK)
        kith_log(KITH_LOG_WARN, "telegram", "deleteWebhook failed (%s); polling anyway",
                 reply->description ? reply->description : kith_strerror(reply->err));
    tg_poll_next(tg);
}

void tg_poll_start(struct tg *tg)
{
    tg->poller.active = true;
    cJSON *params = cJSON_CreateObject();
    struct tg_call_opts opts = {.method = "deleteWebhook", .params = params, .background = true};
    kith_err err = params && cJSON_AddFalseToObject(params, "drop_pending_updates")
                       ? tg_call(tg, &opts, webhook_deleted, NULL, NULL)
                       : KITH_ERR_NOMEM;
    cJSON_Delete(params);
    if (err != KITH_OK)
        tg_poll_next(tg);
}

void tg_poll_stop(struct tg *tg)
{
    struct tg_poller *pl = &tg->poller;
    pl->active = false;
    tg_timer_close(&pl->timer);
    if (pl->call != NULL) {
        struct tg_call *call = pl->call;
        pl->call = NULL;
        tg_call_cancel(tg, call);
    }
}
