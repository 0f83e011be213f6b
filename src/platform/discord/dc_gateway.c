/* A gateway shard's connection lifecycle: connecting (to the resume URL when a session can be
 * resumed), the close-code policy (resume, identify again, or stop for good with a clear log
 * line), and reconnecting with jittered exponential backoff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/ws.h"
#include "platform/discord/dc_gateway.h"

#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS 60000
#define CLIENT_CLOSE_CODE 4900 /* not 1000/1001: the session stays resumable */
#define QUERY "v=10&encoding=json"

enum policy { RESUME, IDENTIFY, FATAL };

struct close_rule {
    int code;
    enum policy policy;
    const char *meaning;
};

/* Discord's close codes (opcodes-and-status-codes); anything else is resumed. */
static const struct close_rule close_rules[] = {
    {4000, RESUME, "unknown error"},
    {4001, RESUME, "unknown opcode"},
    {4002, RESUME, "decode error"},
    {4003, IDENTIFY, "not authenticated"},
    {4004, FATAL, "authentication failed: Discord refused the bot token; check discord.token"},
    {4005, RESUME, "already authenticated"},
    {4007, IDENTIFY, "invalid sequence number on resume"},
    {4008, RESUME, "rate limited: too many gateway sends"},
    {4009, IDENTIFY, "session timed out"},
    {4010, FATAL, "invalid shard: check discord.shard_id and discord.shard_count"},
    {4011, FATAL, "sharding required: set discord.shard_count to \"auto\" or a larger count"},
    {4012, FATAL, "invalid API version"},
    {4013, FATAL, "invalid intents: check discord.intents"},
    {4014, FATAL,
     "disallowed intents: enable the privileged intents (SERVER MEMBERS, MESSAGE "
     "CONTENT) in the Developer Portal, or remove them from discord.intents"},
};

static const struct close_rule *rule_for(int code)
{
    for (size_t i = 0; i < sizeof close_rules / sizeof close_rules[0]; i++)
        if (close_rules[i].code == code)
            return &close_rules[i];
    return NULL;
}

static void on_open(struct kith_ws_conn *conn);
static void on_text(struct kith_ws_conn *conn, const char *data, size_t len);
static void on_close(struct kith_ws_conn *conn, int code, const char *reason);

static const struct kith_ws_callbacks callbacks = {on_open, on_text, on_close};

kith_err dc_shard_new(struct dc *dc, int shard_id, int shard_count, struct dc_shard **out)
{
    struct dc_shard *sh = calloc(1, sizeof *sh);
    if (sh == NULL)
        return KITH_ERR_NOMEM;
    sh->dc = dc;
    sh->id = shard_id;
    sh->count = shard_count;
    sh->seq = -1;
    sh->beat_timer = dc_timer_new(dc, sh);
    sh->retry_timer = dc_timer_new(dc, sh);
    sh->send_timer = dc_timer_new(dc, sh);
    if (sh->beat_timer == NULL || sh->retry_timer == NULL || sh->send_timer == NULL) {
        dc_shard_free(sh);
        return KITH_ERR_NOMEM;
    }
    *out = sh;
    return KITH_OK;
}

int dc_shard_id(const struct dc_shard *sh)
{
    return sh->id;
}

bool dc_shard_open(const struct dc_shard *sh)
{
    return sh->conn != NULL;
}

static void forget_session(struct dc_shard *sh)
{
    free(sh->session_id);
    free(sh->resume_url);
    sh->session_id = sh->resume_url = NULL;
    sh->seq = -1;
}

/* url plus the version query, with "/" before it when the URL has no path. */
static char *gateway_url_dup(const char *base)
{
    const char *scheme_end = strstr(base, "://");
    bool has_path = scheme_end != NULL && strchr(scheme_end + 3, '/') != NULL;
    char *url = NULL;
    if (asprintf(&url, "%s%s" QUERY, base, strchr(base, '?') ? "&" : has_path ? "?" : "/?") < 0)
        return NULL;
    return url;
}

static void schedule(struct dc_shard *sh, uint64_t delay_ms);

static void connect_now(struct dc_shard *sh)
{
    struct dc *dc = sh->dc;
    if (sh->stopping || sh->state == DC_SHARD_STOPPED || !dc->running)
        return;
    bool resume = sh->session_id != NULL && sh->resume_url != NULL;
    char *url = gateway_url_dup(resume ? sh->resume_url : dc->gateway_url);
    struct dc_conn_link *link = url != NULL ? calloc(1, sizeof *link) : NULL;
    kith_err err = link != NULL ? KITH_OK : KITH_ERR_NOMEM;
    if (err == KITH_OK) {
        link->sh = sh;
        err = kith_ws_connect(dc->ws, url, &callbacks, link, &sh->conn);
    }
    if (err != KITH_OK) {
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "shard %d: cannot connect to the gateway: %s", sh->id,
                 kith_strerror(err));
        free(link);
        free(url);
        sh->failures++;
        schedule(sh, 0);
        return;
    }
    kith_log(KITH_LOG_DEBUG, DC_PLATFORM, "shard %d: connecting to %s", sh->id, url);
    free(url);
    sh->link = link;
    sh->state = DC_SHARD_CONNECTING;
    dc_gw_send_reset(sh);
}

static void on_retry(uv_timer_t *timer)
{
    struct dc_shard *sh = timer->data;
    if (sh != NULL)
        connect_now(sh);
}

/* The next attempt after `min_ms` at least; failed attempts back off exponentially. */
static void schedule(struct dc_shard *sh, uint64_t min_ms)
{
    uint64_t delay = 0;
    if (sh->failures > 0) {
        int shift = sh->failures - 1 < 8 ? sh->failures - 1 : 8;
        delay = (uint64_t)BACKOFF_FIRST_MS << shift;
        if (delay > BACKOFF_MAX_MS)
            delay = BACKOFF_MAX_MS;
        delay = delay / 2 + dc_random(delay / 2 + 1);
    }
    if (delay < min_ms)
        delay = min_ms;
    sh->state = DC_SHARD_IDLE;
    uv_timer_start(sh->retry_timer, on_retry, delay, 0);
}

void dc_shard_start(struct dc_shard *sh)
{
    sh->stopping = false;
    sh->state = DC_SHARD_IDLE;
    schedule(sh, 0);
}

void dc_gw_healthy(struct dc_shard *sh)
{
    sh->failures = 0;
}

void dc_gw_reconnect(struct dc_shard *sh, enum dc_next next, uint64_t delay_ms, bool drop,
                     const char *why)
{
    if (sh->conn == NULL || sh->stopping)
        return; /* stopping: the connection is already being closed for good */
    sh->next = next;
    sh->next_delay_ms = delay_ms;
    uv_timer_stop(sh->beat_timer);
    if (drop) {
        kith_ws_drop(sh->conn);
    } else if (kith_ws_close(sh->conn, CLIENT_CLOSE_CODE, why) != KITH_OK) {
        kith_ws_drop(sh->conn);
    }
}

/* ---- WebSocket callbacks. ---- */

static struct dc_shard *shard_of(struct kith_ws_conn *conn)
{
    struct dc_conn_link *link = kith_ws_conn_ud(conn);
    return link != NULL ? link->sh : NULL;
}

static void on_open(struct kith_ws_conn *conn)
{
    struct dc_shard *sh = shard_of(conn);
    if (sh != NULL)
        dc_gw_opened(sh);
}

static void on_text(struct kith_ws_conn *conn, const char *data, size_t len)
{
    struct dc_shard *sh = shard_of(conn);
    if (sh != NULL && sh->conn == conn)
        dc_gw_on_frame(sh, data, len);
}

static void stop_for_good(struct dc_shard *sh, int code, const char *meaning)
{
    kith_log(KITH_LOG_ERROR, DC_PLATFORM,
             "shard %d stopped: Discord closed the gateway with %d (%s); not reconnecting", sh->id,
             code, meaning);
    forget_session(sh);
    sh->state = DC_SHARD_STOPPED;
    dc_shard_gone(sh->dc, sh);
}

/* What to do after the server closed (or the connection broke) without this side asking. */
static void follow_policy(struct dc_shard *sh, int code, const char *reason)
{
    const struct close_rule *rule = rule_for(code);
    if (rule != NULL && rule->policy == FATAL) {
        stop_for_good(sh, code, rule->meaning);
        return;
    }
    bool identify = rule != NULL && rule->policy == IDENTIFY;
    if (identify)
        forget_session(sh);
    kith_log(KITH_LOG_WARN, DC_PLATFORM, "shard %d: gateway closed (%d %s%s%s): %s", sh->id, code,
             rule                             ? rule->meaning
             : code == KITH_WS_CLOSE_ABNORMAL ? "connection lost"
                                              : "closed",
             reason[0] ? ", " : "", reason,
             sh->session_id != NULL ? "reconnecting to resume" : "reconnecting to identify");
    sh->failures++;
    schedule(sh, 0);
}

static void on_close(struct kith_ws_conn *conn, int code, const char *reason)
{
    struct dc_conn_link *link = kith_ws_conn_ud(conn);
    struct dc_shard *sh = link->sh;
    free(link);
    if (sh == NULL || sh->conn != conn)
        return; /* the shard is gone, or this is an older connection */
    sh->conn = NULL;
    sh->link = NULL;
    sh->awaiting_ack = false;
    uv_timer_stop(sh->beat_timer);
    uv_timer_stop(sh->send_timer);
    dc_identify_forget(sh->dc->identify, sh);
    if (sh->stopping || !sh->dc->running) {
        sh->state = DC_SHARD_STOPPED;
        dc_check_stopped(sh->dc);
        return;
    }
    enum dc_next next = sh->next;
    sh->next = DC_NEXT_POLICY;
    if (next == DC_NEXT_POLICY) {
        follow_policy(sh, code, reason);
        return;
    }
    if (next == DC_NEXT_IDENTIFY)
        forget_session(sh);
    schedule(sh, sh->next_delay_ms);
}

/* ---- Stopping. ---- */

void dc_shard_stop(struct dc_shard *sh)
{
    sh->stopping = true;
    uv_timer_stop(sh->retry_timer);
    uv_timer_stop(sh->beat_timer);
    dc_identify_forget(sh->dc->identify, sh);
    if (sh->conn == NULL) {
        sh->state = DC_SHARD_STOPPED;
        return;
    }
    /* 1000 ends the session: nothing is left to resume after a stop. */
    if (kith_ws_close(sh->conn, 1000, "kithd stopping") != KITH_OK)
        kith_ws_drop(sh->conn);
}

void dc_shard_free(struct dc_shard *sh)
{
    if (sh == NULL)
        return;
    if (sh->link != NULL) {
        sh->link->sh = NULL; /* its on_close frees it */
        kith_ws_drop(sh->conn);
    }
    if (sh->dc->identify != NULL)
        dc_identify_forget(sh->dc->identify, sh);
    dc_timer_close(&sh->beat_timer);
    dc_timer_close(&sh->retry_timer);
    dc_timer_close(&sh->send_timer);
    dc_gw_send_reset(sh);
    forget_session(sh);
    free(sh);
}
