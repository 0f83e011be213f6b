/* The Telegram adapter's lifecycle and ops table: getMe at start (the bot's user name for
 * "/cmd@bot"), then long polling or the webhook, and a stop that lets sends finish. */
#include "platform/telegram/telegram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/telegram/tg_internal.h"

#define START_RETRY_MAX_MS 60000

static void identify(struct tg *tg);

/* ---- Stopping. ---- */

static void report_stopped(uv_timer_t *timer)
{
    struct tg *tg = timer->data;
    if (tg == NULL || tg->stop_reported || tg_api_live(tg) > 0)
        return;
    tg->stop_reported = true;
    /* Last: the core may free the adapter from inside this call. */
    kith_core_platform_stopped(tg->core, &tg->base);
}

void tg_check_stopped(struct tg *tg)
{
    if (!tg->stopping || tg->stop_reported || tg->destroying || tg_api_live(tg) > 0)
        return;
    if (tg->stop_timer == NULL && (tg->stop_timer = tg_timer_new(tg)) == NULL)
        return;
    /* From the loop, never from inside the callback chain that finished the last call. */
    uv_timer_start(tg->stop_timer, report_stopped, 0, 0);
}

static void tg_stop(struct kith_platform *p)
{
    struct tg *tg = tg_of(p);
    if (tg->stopping)
        return;
    tg->stopping = true;
    tg->running = false;
    tg_timer_close(&tg->start_timer);
    tg_poll_stop(tg);
    tg_webhook_detach(tg);
    /* Updates not handled yet were not confirmed either: Telegram delivers them again. */
    tg_intake_clear(tg);
    tg_api_cancel_background(tg);
    kith_log(KITH_LOG_INFO, "telegram", "stopping: %zu request(s) to finish", tg_api_live(tg));
    tg_check_stopped(tg);
}

static void tg_destroy(struct kith_platform *p)
{
    struct tg *tg = tg_of(p);
    tg->destroying = true;
    tg->stopping = true;
    tg->running = false;
    tg_poll_stop(tg);
    tg_webhook_detach(tg);
    tg_intake_clear(tg);
    tg_api_cancel_all(tg); /* pending actions get KITH_ERR_CANCELLED */
    tg_timer_close(&tg->start_timer);
    tg_timer_close(&tg->stop_timer);
    tg_admins_free(tg);
    tg_commands_free(tg);
    tg_pace_free(tg);
    free(tg->intake.known_chats);
    free(tg->api_prefix);
    free(tg->bot_username);
    free(tg);
}

/* ---- Starting: who are we, then updates. ---- */

static void begin_updates(struct tg *tg)
{
    if (tg->cfg->webhook)
        tg_webhook_register(tg);
    else
        tg_poll_start(tg);
}

static void retry_identify(uv_timer_t *timer)
{
    struct tg *tg = timer->data;
    if (tg != NULL && tg->running)
        identify(tg);
}

static void schedule_identify(struct tg *tg)
{
    uint64_t delay = 1000u << (tg->start_failures < 6 ? tg->start_failures : 6);
    if (delay > START_RETRY_MAX_MS)
        delay = START_RETRY_MAX_MS;
    tg->start_failures++;
    if (tg->start_timer == NULL && (tg->start_timer = tg_timer_new(tg)) == NULL) {
        kith_log(KITH_LOG_ERROR, "telegram", "out of memory: not retrying getMe");
        return;
    }
    uv_timer_start(tg->start_timer, retry_identify, delay, 0);
}

static kith_err take_identity(struct tg *tg, const cJSON *me)
{
    const char *username = tg_json_str(me, "username");
    tg->bot_id = tg_json_int(me, "id", 0);
    if (username == NULL || tg->bot_id == 0)
        return KITH_ERR_PLATFORM;
    free(tg->bot_username);
    tg->bot_username = strdup(username);
    if (tg->bot_username == NULL)
        return KITH_ERR_NOMEM;
    return kith_core_set_bot_username(tg->core, TG_PLATFORM, username);
}

static void identified(struct tg *tg, const struct tg_reply *reply, void *ud)
{
    (void)ud;
    if (reply->err == KITH_ERR_CANCELLED || !tg->running)
        return;
    kith_err err = reply->err == KITH_OK ? take_identity(tg, reply->result) : reply->err;
    if (err != KITH_OK) {
        char *detail = reply->err != KITH_OK ? tg_error_detail_dup("getMe", reply) : NULL;
        kith_log(KITH_LOG_ERROR, "telegram", "cannot start: %s; retrying",
                 detail ? detail : kith_strerror(err));
        free(detail);
        schedule_identify(tg);
        return;
    }
    tg->start_failures = 0;
    err = tg_intake_load_offset(tg);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, "telegram", "cannot read the stored update offset: %s; retrying",
                 kith_strerror(err));
        schedule_identify(tg);
        return;
    }
    size_t kept = tg->cfg->webhook ? tg_inbox_replay(tg) : 0;
    tg->started = true;
    kith_log(KITH_LOG_INFO, "telegram", "connected as @%s (%s mode)", tg->bot_username,
             tg->cfg->webhook ? "webhook" : "polling");
    tg_register_default_commands(tg);
    begin_updates(tg);
    if (kept > 0)
        tg_intake_run(tg);
}

static void identify(struct tg *tg)
{
    struct tg_call_opts opts = {.method = "getMe", .background = true};
    kith_err err = tg_call(tg, &opts, identified, NULL, NULL);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, "telegram", "getMe could not be sent: %s", kith_strerror(err));
        schedule_identify(tg);
    }
}

static kith_err tg_start(struct kith_platform *p)
{
    struct tg *tg = tg_of(p);
    tg->http = kith_core_http(tg->core);
    if (tg->http == NULL)
        return KITH_ERR_IO;
    if (tg->cfg->webhook) {
        char *error = NULL;
        kith_err err = tg_webhook_listen(tg, &error);
        if (err != KITH_OK) {
            kith_log(KITH_LOG_ERROR, "telegram", "webhook listener: %s",
                     error ? error : kith_strerror(err));
            free(error);
            return err;
        }
    }
    tg->running = true;
    identify(tg);
    return KITH_OK;
}

/* ---- Creation. ---- */

static const struct kith_platform_ops tg_ops = {
    .name = TG_PLATFORM,
    .start = tg_start,
    .stop = tg_stop,
    .destroy = tg_destroy,
    .send = tg_op_send,
    .reply = tg_op_reply,
    .edit = tg_op_edit,
    .delete_message = tg_op_delete,
    .send_dm = tg_op_send_dm,
    .moderate = tg_op_moderate,
    .register_commands = tg_op_register_commands,
    .poll_close = tg_op_poll_close,
    .show_form = NULL, /* Telegram has no forms: plugins ask one question at a time */
};

bool kith_telegram_enabled(const struct kith_config *cfg)
{
    return cfg->telegram.enabled;
}

static kith_err fail(char **error_out, kith_err err, const char *text)
{
    if (error_out != NULL)
        *error_out = strdup(text);
    return err;
}

kith_err kith_telegram_create(struct kith_core *core, const struct kith_config *cfg,
                              struct kith_platform **out, char **error_out)
{
    const struct kith_telegram_config *tc = &cfg->telegram;
    if (tc->token == NULL || tc->token[0] == '\0')
        return fail(error_out, KITH_ERR_INVALID, "telegram.token is not set");
    if (tc->api_base == NULL)
        return fail(error_out, KITH_ERR_INVALID, "telegram.api_base is not set");
    struct tg *tg = calloc(1, sizeof *tg);
    if (tg == NULL)
        return fail(error_out, KITH_ERR_NOMEM, "out of memory");
    size_t base_len = strlen(tc->api_base);
    while (base_len > 0 && tc->api_base[base_len - 1] == '/')
        base_len--;
    if (asprintf(&tg->api_prefix, "%.*s/bot%s/", (int)base_len, tc->api_base, tc->token) < 0) {
        free(tg);
        return fail(error_out, KITH_ERR_NOMEM, "out of memory");
    }
    tg->base.ops = &tg_ops;
    tg->base.impl = tg;
    tg->core = core;
    tg->cfg = tc;
    tg->loop = core->loop;
    *out = &tg->base;
    return KITH_OK;
}
