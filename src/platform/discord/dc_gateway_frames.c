/* The gateway frames of one shard: hello and the jittered heartbeat with ack tracking (a beat
 * without an ack since the last one means a zombie connection), identify and resume, reconnect
 * and invalid-session requests, and sequence-checked dispatches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/ws.h"
#include "platform/discord/dc_gateway.h"

#define OP_DISPATCH 0
#define OP_HEARTBEAT 1
#define OP_IDENTIFY 2
#define OP_RESUME 6
#define OP_RECONNECT 7
#define OP_INVALID_SESSION 9
#define OP_HELLO 10
#define OP_HEARTBEAT_ACK 11
#define HELLO_TIMEOUT_MS 20000
#define LARGE_THRESHOLD 250

/* ---- Heartbeats. ---- */

static void send_heartbeat(struct dc_shard *sh)
{
    char frame[64];
    if (sh->seq >= 0)
        snprintf(frame, sizeof frame, "{\"op\":1,\"d\":%lld}", (long long)sh->seq);
    else
        snprintf(frame, sizeof frame, "{\"op\":1,\"d\":null}");
    if (dc_gw_send(sh, frame, strlen(frame), true) == KITH_OK) {
        sh->awaiting_ack = true;
        sh->beat_sent_at = uv_now(sh->dc->loop);
    }
}

static void on_beat(uv_timer_t *timer)
{
    struct dc_shard *sh = timer->data;
    if (sh == NULL || sh->conn == NULL)
        return;
    if (sh->awaiting_ack) {
        kith_log(KITH_LOG_WARN, DC_PLATFORM,
                 "shard %d: no heartbeat ack within %llu ms: zombie connection, reconnecting to "
                 "resume",
                 sh->id, (unsigned long long)sh->heartbeat_ms);
        sh->awaiting_ack = false;
        dc_gw_reconnect(sh, DC_NEXT_RESUME, 0, true, "zombie connection");
        return;
    }
    send_heartbeat(sh);
}

static void on_hello_timeout(uv_timer_t *timer)
{
    struct dc_shard *sh = timer->data;
    if (sh == NULL || sh->conn == NULL || sh->state != DC_SHARD_HELLO)
        return;
    kith_log(KITH_LOG_WARN, DC_PLATFORM, "shard %d: no hello from the gateway; reconnecting",
             sh->id);
    dc_gw_reconnect(sh, DC_NEXT_RESUME, 1000, true, "no hello");
}

void dc_gw_opened(struct dc_shard *sh)
{
    sh->state = DC_SHARD_HELLO;
    sh->awaiting_ack = false;
    uv_timer_start(sh->beat_timer, on_hello_timeout, HELLO_TIMEOUT_MS, 0);
}

/* ---- Identify and resume. ---- */

static cJSON *identify_new(const struct dc_shard *sh)
{
    const struct dc *dc = sh->dc;
    cJSON *frame = cJSON_CreateObject();
    cJSON *d = frame ? cJSON_AddObjectToObject(frame, "d") : NULL;
    cJSON *props = d ? cJSON_AddObjectToObject(d, "properties") : NULL;
    cJSON *shard = d ? cJSON_AddArrayToObject(d, "shard") : NULL;
    bool ok = props && shard && cJSON_AddNumberToObject(frame, "op", OP_IDENTIFY) &&
              cJSON_AddStringToObject(d, "token", dc->cfg->token) &&
              cJSON_AddStringToObject(props, "os", "linux") &&
              cJSON_AddStringToObject(props, "browser", "kith") &&
              cJSON_AddStringToObject(props, "device", "kith") &&
              cJSON_AddNumberToObject(d, "intents", (double)dc->cfg->intents) &&
              cJSON_AddNumberToObject(d, "large_threshold", LARGE_THRESHOLD) &&
              cJSON_AddItemToArray(shard, cJSON_CreateNumber(sh->id)) &&
              cJSON_AddItemToArray(shard, cJSON_CreateNumber(sh->count));
    if (!ok) {
        cJSON_Delete(frame);
        return NULL;
    }
    return frame;
}

static void send_identify(struct dc_shard *sh)
{
    cJSON *frame = identify_new(sh);
    kith_err err = frame != NULL ? dc_gw_send_json(sh, frame, false) : KITH_ERR_NOMEM;
    cJSON_Delete(frame);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, DC_PLATFORM, "shard %d: identify not sent: %s", sh->id,
                 kith_strerror(err));
        dc_gw_reconnect(sh, DC_NEXT_IDENTIFY, 1000, false, "identify failed");
        return;
    }
    sh->state = DC_SHARD_IDENTIFYING;
    kith_log(KITH_LOG_INFO, DC_PLATFORM, "shard %d/%d: identifying", sh->id, sh->count);
}

void dc_shard_identify_now(struct dc_shard *sh)
{
    if (sh->conn != NULL && sh->state == DC_SHARD_IDENTIFY)
        send_identify(sh);
}

static void send_resume(struct dc_shard *sh)
{
    cJSON *frame = cJSON_CreateObject();
    cJSON *d = frame ? cJSON_AddObjectToObject(frame, "d") : NULL;
    bool ok = d && cJSON_AddNumberToObject(frame, "op", OP_RESUME) &&
              cJSON_AddStringToObject(d, "token", sh->dc->cfg->token) &&
              cJSON_AddStringToObject(d, "session_id", sh->session_id) &&
              cJSON_AddNumberToObject(d, "seq", (double)sh->seq);
    kith_err err = ok ? dc_gw_send_json(sh, frame, false) : KITH_ERR_NOMEM;
    cJSON_Delete(frame);
    if (err != KITH_OK) {
        dc_gw_reconnect(sh, DC_NEXT_IDENTIFY, 1000, false, "resume failed");
        return;
    }
    sh->state = DC_SHARD_RESUMING;
    sh->replayed = 0;
    kith_log(KITH_LOG_INFO, DC_PLATFORM, "shard %d: resuming after sequence %lld", sh->id,
             (long long)sh->seq);
}

static void on_hello(struct dc_shard *sh, const cJSON *d)
{
    if (sh->stopping)
        return; /* a hello that crossed the stop: no session to start, the close is on its way */
    int64_t interval = dc_json_int(d, "heartbeat_interval", 0);
    if (interval <= 0) {
        dc_gw_reconnect(sh, DC_NEXT_RESUME, 1000, false, "hello without heartbeat_interval");
        return;
    }
    sh->heartbeat_ms = (uint64_t)interval;
    /* The first beat at a random point of the interval spreads reconnecting clients out. */
    uv_timer_start(sh->beat_timer, on_beat, dc_random(sh->heartbeat_ms), sh->heartbeat_ms);
    if (sh->session_id != NULL && sh->seq >= 0) {
        send_resume(sh);
        return;
    }
    sh->state = DC_SHARD_IDENTIFY;
    dc_identify_request(sh->dc->identify, sh);
}

/* ---- Dispatches. ---- */

static kith_err take_string(char **field, const char *value)
{
    char *copy = value != NULL ? strdup(value) : NULL;
    if (copy == NULL)
        return value != NULL ? KITH_ERR_NOMEM : KITH_ERR_INVALID;
    free(*field);
    *field = copy;
    return KITH_OK;
}

static void on_ready(struct dc_shard *sh, const cJSON *d)
{
    if (take_string(&sh->session_id, dc_json_str(d, "session_id")) != KITH_OK ||
        take_string(&sh->resume_url, dc_json_str(d, "resume_gateway_url")) != KITH_OK) {
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "shard %d: READY without a session to resume", sh->id);
    }
    sh->state = DC_SHARD_READY;
    dc_gw_healthy(sh);
    kith_log(KITH_LOG_INFO, DC_PLATFORM, "shard %d/%d ready (%d guilds)", sh->id, sh->count,
             cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "guilds")));
}

static void on_dispatch(struct dc_shard *sh, const cJSON *frame, const char *text)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(frame, "s");
    const char *type = dc_json_str(frame, "t");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(frame, "d");
    if (cJSON_IsNumber(s)) {
        int64_t seq = (int64_t)s->valuedouble;
        /* A replay overlapping what was handled already: never handle an event twice. */
        if (sh->seq >= 0 && seq <= sh->seq && sh->state != DC_SHARD_IDENTIFYING) {
            kith_log(KITH_LOG_DEBUG, DC_PLATFORM, "shard %d: event %lld seen already", sh->id,
                     (long long)seq);
            return;
        }
        sh->seq = seq;
    }
    if (type == NULL)
        return;
    if (strcmp(type, "READY") == 0) {
        on_ready(sh, d);
    } else if (strcmp(type, "RESUMED") == 0) {
        sh->state = DC_SHARD_READY;
        dc_gw_healthy(sh);
        kith_log(KITH_LOG_INFO, DC_PLATFORM, "shard %d resumed (%zu missed events replayed)",
                 sh->id, sh->replayed);
        return;
    } else if (sh->state == DC_SHARD_RESUMING) {
        sh->replayed++;
    }
    dc_events_dispatch(sh->dc, sh, type, d, text);
}

static void on_invalid_session(struct dc_shard *sh, const cJSON *d)
{
    bool resumable = cJSON_IsTrue(d) && sh->session_id != NULL;
    /* Discord asks for a random wait of one to five seconds before the next attempt. */
    uint64_t delay = 1000 + dc_random(4000);
    kith_log(KITH_LOG_WARN, DC_PLATFORM, "shard %d: invalid session (%s); %s in %llu ms", sh->id,
             cJSON_IsTrue(d) ? "resumable" : "not resumable",
             resumable ? "resuming" : "identifying again", (unsigned long long)delay);
    dc_gw_reconnect(sh, resumable ? DC_NEXT_RESUME : DC_NEXT_IDENTIFY, delay, false,
                    "invalid session");
}

void dc_gw_on_frame(struct dc_shard *sh, const char *data, size_t len)
{
    cJSON *frame = cJSON_ParseWithLength(data, len);
    if (!cJSON_IsObject(frame)) {
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "shard %d: gateway frame is not JSON; ignored",
                 sh->id);
        cJSON_Delete(frame);
        return;
    }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(frame, "d");
    switch (dc_json_int(frame, "op", -1)) {
    case OP_DISPATCH: on_dispatch(sh, frame, data); break;
    case OP_HEARTBEAT: send_heartbeat(sh); break;
    case OP_HEARTBEAT_ACK: sh->awaiting_ack = false; break;
    case OP_HELLO: on_hello(sh, d); break;
    case OP_RECONNECT:
        kith_log(KITH_LOG_INFO, DC_PLATFORM, "shard %d: Discord asked to reconnect; resuming",
                 sh->id);
        dc_gw_reconnect(sh, DC_NEXT_RESUME, 0, false, "reconnect requested");
        break;
    case OP_INVALID_SESSION: on_invalid_session(sh, d); break;
    default:
        kith_log(KITH_LOG_DEBUG, DC_PLATFORM, "shard %d: opcode %lld ignored", sh->id,
                 (long long)dc_json_int(frame, "op", -1));
        break;
    }
    cJSON_Delete(frame);
}
