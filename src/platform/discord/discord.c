/* The Discord adapter's lifecycle and ops table: GET /gateway/bot at start (URL, recommended
 * shards, session limits), one gateway connection per shard this process runs, and a stop
 * that closes the sessions and lets requests in flight finish. */
#include "platform/discord/discord.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/discord/dc_internal.h"

#define START_RETRY_MAX_MS 60000
#define USER_AGENT_URL "https://github.com/kith-bot/kith"

/* ---- Stopping. ---- */

static void report_stopped(uv_timer_t *timer)
{
    struct dc *dc = timer->data;
    if (dc == NULL || dc->stop_reported)
        return;
    dc->stop_reported = true;
    /* Last: the core may free the adapter from inside this call. */
    kith_core_platform_stopped(dc->core, &dc->base);
}

void dc_check_stopped(struct dc *dc)
{
    if (!dc->stopping || dc->stop_reported || dc->destroying || dc_rest_live(dc) > 0)
        return;
    for (size_t i = 0; i < dc->shard_count; i++)
        if (dc_shard_open(dc->shards[i]))
            return;
    if (dc->stop_timer == NULL && (dc->stop_timer = dc_timer_new(dc, dc)) == NULL)
        return;
    /* From the loop, never from inside the callback chain that finished the last piece. */
    uv_timer_start(dc->stop_timer, report_stopped, 0, 0);
}

static void dc_stop(struct kith_platform *p)
{
    struct dc *dc = dc_of(p);
    if (dc->stopping)
        return;
    dc->stopping = true;
    dc->running = false;
    dc_timer_close(&dc->start_timer);
    dc_rest_cancel_background(dc);
    dc_interactions_stop(dc->ixns);
    for (size_t i = 0; i < dc->shard_count; i++)
        dc_shard_stop(dc->shards[i]);
    kith_log(KITH_LOG_INFO, DC_PLATFORM, "stopping: %zu request(s) to finish", dc_rest_live(dc));
    dc_check_stopped(dc);
}

static void dc_destroy(struct kith_platform *p)
{
    struct dc *dc = dc_of(p);
    dc->destroying = true;
    dc->stopping = true;
    dc->running = false;
    /* REST first: completions still find the interactions they belong to. */
    dc_rest_cancel_all(dc);
    dc_interactions_free(dc->ixns);
    for (size_t i = 0; i < dc->shard_count; i++)
        dc_shard_free(dc->shards[i]);
    free(dc->shards);
    dc_identify_free(dc->identify);
    dc_rest_free(dc);
    dc_guilds_free(dc->guilds);
    dc_timer_close(&dc->start_timer);
    dc_timer_close(&dc->stop_timer);
    free(dc->api_base);
    free(dc->auth);
    free(dc->user_agent);
    free(dc->gateway_url);
    free(dc->bot_username);
    free(dc);
}

void dc_shard_gone(struct dc *dc, struct dc_shard *sh)
{
    (void)sh;
    for (size_t i = 0; i < dc->shard_count; i++)
        if (dc_shard_open(dc->shards[i]))
            return;
    kith_log(KITH_LOG_ERROR, DC_PLATFORM,
             "no Discord shard is connected after a fatal close; fix the configuration and "
             "restart kithd");
}

/* ---- Starting: where is the gateway, how many shards, then connect. ---- */

static void fetch_gateway(struct dc *dc);

static void retry_start(uv_timer_t *timer)
{
    struct dc *dc = timer->data;
    if (dc != NULL && dc->running)
        fetch_gateway(dc);
}

static void schedule_start(struct dc *dc)
{
    uint64_t delay = 1000u << (dc->start_failures < 6 ? dc->start_failures : 6);
    if (delay > START_RETRY_MAX_MS)
        delay = START_RETRY_MAX_MS;
    dc->start_failures++;
    if (dc->start_timer == NULL && (dc->start_timer = dc_timer_new(dc, dc)) == NULL) {
        kith_log(KITH_LOG_ERROR, DC_PLATFORM, "out of memory: not retrying /gateway/bot");
        return;
    }
    uv_timer_start(dc->start_timer, retry_start, delay, 0);
}

/* The shards this process runs: all of them with "auto", else the configured one. */
static kith_err make_shards(struct dc *dc, int recommended)
{
    int total = dc->cfg->shards_auto ? (recommended > 0 ? recommended : 1) : dc->cfg->shard_count;
    size_t count = dc->cfg->shards_auto ? (size_t)total : 1;
    dc->shards = calloc(count, sizeof *dc->shards);
    if (dc->shards == NULL)
        return KITH_ERR_NOMEM;
    dc->total_shards = total;
    for (size_t i = 0; i < count; i++) {
        int id = dc->cfg->shards_auto ? (int)i : dc->cfg->shard_id;
        kith_err err = dc_shard_new(dc, id, total, &dc->shards[i]);
        if (err != KITH_OK)
            return err;
        dc->shard_count++;
    }
    return KITH_OK;
}

static kith_err take_gateway(struct dc *dc, const cJSON *info)
{
    const char *url = dc->cfg->gateway_url ? dc->cfg->gateway_url : dc_json_str(info, "url");
    const cJSON *limit = cJSON_GetObjectItemCaseSensitive(info, "session_start_limit");
    if (url == NULL)
        return KITH_ERR_PLATFORM;
    if ((dc->gateway_url = strdup(url)) == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = dc_identify_new(dc, (int)dc_json_int(limit, "max_concurrency", 1),
                                   (int)dc_json_int(limit, "remaining", 1000),
                                   dc_json_int(limit, "reset_after", 0), &dc->identify);
    if (err == KITH_OK)
        err = make_shards(dc, (int)dc_json_int(info, "shards", 1));
    return err;
}

static void got_gateway(struct dc *dc, const struct dc_reply *reply, void *ud)
{
    (void)ud;
    if (reply->err == KITH_ERR_CANCELLED || !dc->running)
        return;
    if (reply->status == 401) {
        kith_log(KITH_LOG_ERROR, DC_PLATFORM,
                 "Discord refused the bot token (401 on /gateway/bot): check discord.token; "
                 "the Discord adapter stays stopped");
        return;
    }
    kith_err err = reply->err == KITH_OK ? take_gateway(dc, reply->json) : reply->err;
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, DC_PLATFORM, "cannot start: %s; retrying",
                 reply->detail ? reply->detail : kith_strerror(err));
        free(dc->gateway_url);
        dc->gateway_url = NULL;
        dc_identify_free(dc->identify);
        dc->identify = NULL;
        for (size_t i = 0; i < dc->shard_count; i++)
            dc_shard_free(dc->shards[i]);
        free(dc->shards);
        dc->shards = NULL;
        dc->shard_count = 0;
        schedule_start(dc);
        return;
    }
    dc->start_failures = 0;
    kith_log(KITH_LOG_INFO, DC_PLATFORM, "gateway found: running %zu of %d shard(s)",
             dc->shard_count, dc->total_shards);
    for (size_t i = 0; i < dc->shard_count; i++)
        dc_shard_start(dc->shards[i]);
}

static void fetch_gateway(struct dc *dc)
{
    const struct dc_rest_opts opts = {.method = "GET", .path = "/gateway/bot", .background = true};
    kith_err err = dc_rest_call(dc, &opts, got_gateway, NULL);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, DC_PLATFORM, "GET /gateway/bot not sent: %s", kith_strerror(err));
        schedule_start(dc);
    }
}

static kith_err dc_start(struct kith_platform *p)
{
    struct dc *dc = dc_of(p);
    dc->http = kith_core_http(dc->core);
    dc->ws = kith_core_ws(dc->core);
    if (dc->http == NULL || dc->ws == NULL)
        return KITH_ERR_IO;
    kith_err err = dc->rest == NULL ? dc_rest_new(dc) : KITH_OK;
    if (err != KITH_OK)
        return err;
    dc->running = true;
    fetch_gateway(dc);
    return KITH_OK;
}

/* ---- Creation. ---- */

static const struct kith_platform_ops dc_ops = {
    .name = DC_PLATFORM,
    .start = dc_start,
    .stop = dc_stop,
    .destroy = dc_destroy,
    .send = dc_send,
    .reply = dc_reply,
    .edit = dc_edit,
    .delete_message = dc_delete_message,
    .send_dm = dc_send_dm,
    .moderate = dc_moderate,
    .register_commands = dc_register_commands,
    .poll_close = dc_poll_close,
    .show_form = dc_show_form,
};

bool kith_discord_enabled(const struct kith_config *cfg)
{
    return cfg->discord.enabled;
}

static kith_err fail(char **error_out, kith_err err, const char *text)
{
    if (error_out != NULL)
        *error_out = strdup(text);
    return err;
}

kith_err kith_discord_create(struct kith_core *core, const struct kith_config *cfg,
                             struct kith_platform **out, char **error_out)
{
    const struct kith_discord_config *dcfg = &cfg->discord;
    if (dcfg->token == NULL || dcfg->token[0] == '\0')
        return fail(error_out, KITH_ERR_INVALID, "discord.token is not set");
    if (dcfg->api_base == NULL)
        return fail(error_out, KITH_ERR_INVALID, "discord.api_base is not set");
    struct dc *dc = calloc(1, sizeof *dc);
    if (dc == NULL)
        return fail(error_out, KITH_ERR_NOMEM, "out of memory");
    dc->base.ops = &dc_ops;
    dc->base.impl = dc;
    dc->core = core;
    dc->cfg = dcfg;
    dc->loop = core->loop;
    size_t base_len = strlen(dcfg->api_base);
    while (base_len > 0 && dcfg->api_base[base_len - 1] == '/')
        base_len--;
    dc->api_base = strndup(dcfg->api_base, base_len);
    if (asprintf(&dc->auth, "Bot %s", dcfg->token) < 0)
        dc->auth = NULL;
    if (asprintf(&dc->user_agent, "DiscordBot (%s, %s)", USER_AGENT_URL, KITH_VERSION) < 0)
        dc->user_agent = NULL;
    bool ok = dc->api_base != NULL && dc->auth != NULL && dc->user_agent != NULL;
    if (ok)
        ok = dc_guilds_new(&dc->guilds) == KITH_OK && dc_interactions_new(dc, &dc->ixns) == KITH_OK;
    if (!ok) {
        dc_destroy(&dc->base);
        return fail(error_out, KITH_ERR_NOMEM, "out of memory");
    }
    *out = &dc->base;
    return KITH_OK;
}
