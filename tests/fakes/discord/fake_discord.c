/* fake_discord: Discord's gateway v10 and REST v10 on loopback, for scenario tests.
 *   GET  /api/v10/gateway/bot, channels, commands, members, bans, roles, DMs (fdc_rest.c)
 *   POST /api/v10/interactions/{id}/{token}/callback, /api/v10/webhooks/... (fdc_interact.c)
 *   WS   /gateway?v=10&encoding=json, and /resume for resume_gateway_url (fdc_gateway.c)
 *   /_control/...   members act, faults, settings, state (fdc_control.c)
 * Options: --port N, --token T (default "FAKE.DISCORD.TOKEN"), --heartbeat-ms N (default 500),
 * --shards N (recommended, default 1), --max-concurrency N (default 1), --bucket-limit N and
 * --bucket-window-ms N (default 5 per 2000 ms), --no-privileged (privileged intents refused: 4014).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_discord.h"

#define DISCORD_EPOCH_MS 1420070400000ULL
#define PRIVILEGED ((1LL << 1) | (1LL << 8) | (1LL << 15))

uint64_t fdc_now(const struct fdc *fd)
{
    (void)fd;
    return uv_hrtime() / 1000000u; /* exact, unlike the loop's cached time: waits are checked */
}

void fdc_snowflake(struct fdc *fd, char *buf)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    uint64_t id = ((ms - DISCORD_EPOCH_MS) << 22) | (fd->next_snowflake++ & 0x3fffff);
    snprintf(buf, FDC_ID_MAX, "%llu", (unsigned long long)id);
}

void fdc_copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src != NULL ? src : "");
}

void fdc_respond(struct fake_request *req, int status, const char *const *headers, cJSON *body)
{
    if (body == NULL) {
        fake_request_respond(req, 500, NULL, "application/json", "{}", 2);
        return;
    }
    fake_request_respond_json(req, status, headers, body);
    cJSON_Delete(body);
}

void fdc_error(struct fake_request *req, int status, int code, const char *message)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(body, "code", code);
    cJSON_AddStringToObject(body, "message", message);
    fdc_respond(req, status, NULL, body);
}

static int int_arg(int argc, char **argv, const char *name, int fallback)
{
    const char *v = fake_arg_value(argc, argv, name);
    return v != NULL ? atoi(v) : fallback;
}

static void on_ready(struct fake_server *srv, uv_loop_t *loop, void *ud)
{
    struct fdc *fd = ud;
    fd->srv = srv;
    fd->loop = loop;
    fd->port = fake_server_port(srv);
    fdc_world_init(fd);
}

int main(int argc, char **argv)
{
    static struct fdc fd;
    const char *token = fake_arg_value(argc, argv, "--token");
    fdc_copy(fd.token, sizeof fd.token, token != NULL ? token : "FAKE.DISCORD.TOKEN");
    fdc_copy(fd.bot_id, sizeof fd.bot_id, "100000000000000001");
    fdc_copy(fd.bot_name, sizeof fd.bot_name, "kith_test_bot");
    fdc_copy(fd.app_id, sizeof fd.app_id, "200000000000000002");
    fd.heartbeat_ms = int_arg(argc, argv, "--heartbeat-ms", 500);
    fd.shards = int_arg(argc, argv, "--shards", 1);
    fd.max_concurrency = int_arg(argc, argv, "--max-concurrency", 1);
    fd.bucket_limit = int_arg(argc, argv, "--bucket-limit", 5);
    fd.bucket_window_ms = int_arg(argc, argv, "--bucket-window-ms", 2000);
    fd.resume_window_ms = int_arg(argc, argv, "--resume-window-ms", 60000);
    fd.privileged = fake_arg_flag(argc, argv, "--no-privileged") ? 0 : PRIVILEGED;
    struct fake_server_opts opts = {
        .http = fdc_http,
        .control = fdc_control,
        .ws = {fdc_ws_open, fdc_ws_text, fdc_ws_close},
        .ud = &fd,
    };
    int rc = fake_server_main(argc, argv, &opts, on_ready);
    fdc_sessions_free(&fd);
    fdc_limits_free(&fd);
    fdc_world_free(&fd);
    return rc;
}
