/* What a shard sends, within the gateway's limits: frames under 4096 bytes and at most 120 per
 * connection per 60 seconds, a few of them kept free so heartbeats are never held back. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/ws.h"
#include "platform/discord/dc_gateway.h"

#define WINDOW_MS 60000
#define HEARTBEAT_RESERVE 5

/* Sends in the window that ends now; the ring holds the last 120 send times. */
static size_t sent_recently(const struct dc_shard *sh, uint64_t now)
{
    size_t n = 0;
    for (size_t i = 0; i < DC_GATEWAY_SENDS_PER_MINUTE; i++)
        if (sh->sent_at[i] != 0 && sh->sent_at[i] + WINDOW_MS > now)
            n++;
    return n;
}

/* When the oldest send of the window leaves it. */
static uint64_t oldest_expiry(const struct dc_shard *sh, uint64_t now)
{
    uint64_t oldest = now;
    for (size_t i = 0; i < DC_GATEWAY_SENDS_PER_MINUTE; i++)
        if (sh->sent_at[i] != 0 && sh->sent_at[i] + WINDOW_MS > now && sh->sent_at[i] < oldest)
            oldest = sh->sent_at[i];
    return oldest + WINDOW_MS;
}

static kith_err transmit(struct dc_shard *sh, const char *text, size_t len, uint64_t now)
{
    kith_err err = kith_ws_send_text(sh->conn, text, len);
    if (err != KITH_OK)
        return err;
    sh->sent_at[sh->sent_pos] = now != 0 ? now : 1;
    sh->sent_pos = (sh->sent_pos + 1) % DC_GATEWAY_SENDS_PER_MINUTE;
    return KITH_OK;
}

static void flush(uv_timer_t *timer);

static void arm(struct dc_shard *sh, uint64_t now)
{
    if (sh->send_timer != NULL)
        uv_timer_start(sh->send_timer, flush, oldest_expiry(sh, now) - now, 0);
}

static void flush(uv_timer_t *timer)
{
    struct dc_shard *sh = timer->data;
    if (sh == NULL || sh->conn == NULL)
        return;
    uint64_t now = uv_now(sh->dc->loop);
    while (sh->queue != NULL &&
           sent_recently(sh, now) < DC_GATEWAY_SENDS_PER_MINUTE - HEARTBEAT_RESERVE) {
        struct dc_pending_frame *f = sh->queue;
        sh->queue = f->next;
        if (sh->queue == NULL)
            sh->queue_tail = NULL;
        if (transmit(sh, f->text, f->len, now) != KITH_OK)
            kith_log(KITH_LOG_WARN, DC_PLATFORM, "shard %d: queued frame dropped", sh->id);
        free(f);
    }
    if (sh->queue != NULL)
        arm(sh, now);
}

kith_err dc_gw_send(struct dc_shard *sh, const char *text, size_t len, bool urgent)
{
    if (len >= DC_GATEWAY_PAYLOAD_MAX) {
        kith_log(KITH_LOG_ERROR, DC_PLATFORM,
                 "shard %d: a %zu-byte gateway frame exceeds Discord's 4096-byte limit; not sent",
                 sh->id, len);
        return KITH_ERR_LIMIT;
    }
    if (sh->conn == NULL)
        return KITH_ERR_INVALID;
    uint64_t now = uv_now(sh->dc->loop);
    size_t used = sent_recently(sh, now);
    size_t allowed =
        urgent ? DC_GATEWAY_SENDS_PER_MINUTE : DC_GATEWAY_SENDS_PER_MINUTE - HEARTBEAT_RESERVE;
    if (used < allowed && (urgent || sh->queue == NULL))
        return transmit(sh, text, len, now);
    if (urgent)
        return KITH_ERR_BUSY; /* 120 sends in a minute: Discord would close with 4008 */
    struct dc_pending_frame *f = malloc(sizeof *f + len + 1);
    if (f == NULL)
        return KITH_ERR_NOMEM;
    f->next = NULL;
    f->len = len;
    memcpy(f->text, text, len);
    f->text[len] = '\0';
    if (sh->queue_tail != NULL)
        sh->queue_tail->next = f;
    else
        sh->queue = f;
    sh->queue_tail = f;
    kith_log(KITH_LOG_INFO, DC_PLATFORM, "shard %d: gateway send limit reached; frame queued",
             sh->id);
    arm(sh, now);
    return KITH_OK;
}

kith_err dc_gw_send_json(struct dc_shard *sh, const cJSON *frame, bool urgent)
{
    char *text = cJSON_PrintUnformatted(frame);
    if (text == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = dc_gw_send(sh, text, strlen(text), urgent);
    free(text);
    return err;
}

void dc_gw_send_reset(struct dc_shard *sh)
{
    memset(sh->sent_at, 0, sizeof sh->sent_at);
    sh->sent_pos = 0;
    while (sh->queue != NULL) {
        struct dc_pending_frame *f = sh->queue;
        sh->queue = f->next;
        free(f);
    }
    sh->queue_tail = NULL;
    if (sh->send_timer != NULL)
        uv_timer_stop(sh->send_timer);
}
