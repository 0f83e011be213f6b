/* The fake gateway: hello, heartbeat acks, identify validated with Discord's close codes,
 * sessions with sequence numbers and a replay buffer, resume only on the resume URL, the
 * 120-per-60-s and 4096-byte limits, and the faults tests arm (closes, drops, op 7, op 9). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_discord.h"

#define OP_DISPATCH 0
#define OP_HEARTBEAT 1
#define OP_IDENTIFY 2
#define OP_RESUME 6
#define OP_RECONNECT 7
#define OP_INVALID_SESSION 9
#define OP_HELLO 10
#define OP_HEARTBEAT_ACK 11
#define PAYLOAD_MAX 4096
#define SENDS_PER_MINUTE 120
#define KNOWN_INTENTS ((1LL << 26) - 1 - (1LL << 11))
#define PRIVILEGED_INTENTS ((1LL << 1) | (1LL << 8) | (1LL << 15))
#define MESSAGE_CONTENT (1LL << 15)

static const char *conn_path(const struct fdc_conn *c)
{
    return c->on_resume_url ? "/resume" : "/gateway";
}

static void send_frame(struct fdc_conn *c, const char *text)
{
    if (c != NULL && !c->closing)
        fake_ws_send_text(c->ws, text, strlen(text));
}

static void close_with(struct fdc_conn *c, int code, const char *reason)
{
    if (c->closing)
        return;
    c->closing = true;
    fake_ws_close(c->ws, code, reason);
}

/* ---- Sessions and dispatches. ---- */

static void session_dispatch(struct fdc_session *s, const char *type, const cJSON *d)
{
    cJSON *frame = cJSON_CreateObject();
    cJSON_AddNumberToObject(frame, "op", OP_DISPATCH);
    cJSON_AddNumberToObject(frame, "s", (double)++s->seq);
    cJSON_AddStringToObject(frame, "t", type);
    cJSON_AddItemToObject(frame, "d", d != NULL ? cJSON_Duplicate(d, true) : cJSON_CreateNull());
    char *text = cJSON_PrintUnformatted(frame);
    cJSON_Delete(frame);
    if (text == NULL)
        return;
    size_t slot = (size_t)(s->seq % FDC_REPLAY_MAX);
    free(s->replay[slot]);
    s->replay[slot] = text;
    if (s->seq - s->replay_first >= FDC_REPLAY_MAX)
        s->replay_first = s->seq - FDC_REPLAY_MAX + 1;
    send_frame(s->conn, text);
}

static void session_free(struct fdc_session *s)
{
    for (size_t i = 0; i < FDC_REPLAY_MAX; i++)
        free(s->replay[i]);
    free(s);
}

void fdc_sessions_free(struct fdc *fd)
{
    while (fd->sessions != NULL) {
        struct fdc_session *s = fd->sessions;
        fd->sessions = s->next;
        session_free(s);
    }
}

static bool in_shard(const struct fdc_session *s, const char *guild_id)
{
    if (guild_id == NULL)
        return s->shard_id == 0; /* direct messages go to shard 0 */
    unsigned long long id = strtoull(guild_id, NULL, 10);
    return (int)((id >> 22) % (unsigned long long)s->shard_count) == s->shard_id;
}

/* Without MESSAGE_CONTENT, guild messages arrive with empty content unless they mention us. */
static cJSON *without_content_dup(const struct fdc *fd, const cJSON *d)
{
    cJSON *copy = cJSON_Duplicate(d, true);
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(d, "content");
    char mention[40];
    snprintf(mention, sizeof mention, "<@%s>", fd->bot_id);
    if (cJSON_IsString(content) && strstr(content->valuestring, mention) == NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(copy, "content", cJSON_CreateString(""));
    return copy;
}

static void expire_sessions(struct fdc *fd)
{
    uint64_t now = fdc_now(fd);
    for (struct fdc_session *s = fd->sessions; s != NULL; s = s->next)
        if (s->conn == NULL && !s->invalid && now - s->detached_ms > (uint64_t)fd->resume_window_ms)
            s->invalid = true;
}

void fdc_emit(struct fdc *fd, const char *guild_id, const char *type, const cJSON *d,
              int64_t needs_intent)
{
    expire_sessions(fd);
    bool is_message =
        strncmp(type, "MESSAGE_CREATE", 14) == 0 || strncmp(type, "MESSAGE_UPDATE", 14) == 0;
    for (struct fdc_session *s = fd->sessions; s != NULL; s = s->next) {
        if (s->invalid || !in_shard(s, guild_id) ||
            (needs_intent != 0 && (s->intents & needs_intent) == 0))
            continue;
        if (is_message && guild_id != NULL && (s->intents & MESSAGE_CONTENT) == 0) {
            cJSON *blank = without_content_dup(fd, d);
            session_dispatch(s, type, blank);
            cJSON_Delete(blank);
        } else {
            session_dispatch(s, type, d);
        }
    }
}

/* ---- Identify. ---- */

static int identify_problem(struct fdc *fd, const cJSON *d, int *shard_id, int *shard_count)
{
    const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "token"));
    if (token == NULL || strcmp(token, fd->token) != 0)
        return 4004;
    const cJSON *intents = cJSON_GetObjectItemCaseSensitive(d, "intents");
    if (!cJSON_IsNumber(intents) || intents->valuedouble < 0 ||
        ((int64_t)intents->valuedouble & ~KNOWN_INTENTS) != 0)
        return 4013;
    if (((int64_t)intents->valuedouble & PRIVILEGED_INTENTS & ~fd->privileged) != 0)
        return 4014;
    const cJSON *shard = cJSON_GetObjectItemCaseSensitive(d, "shard");
    *shard_id = 0;
    *shard_count = 1;
    if (shard != NULL) {
        const cJSON *id = cJSON_GetArrayItem(shard, 0), *n = cJSON_GetArrayItem(shard, 1);
        if (!cJSON_IsArray(shard) || cJSON_GetArraySize(shard) != 2 || !cJSON_IsNumber(id) ||
            !cJSON_IsNumber(n) || n->valueint < 1 || id->valueint < 0 ||
            id->valueint >= n->valueint)
            return 4010;
        *shard_id = id->valueint;
        *shard_count = n->valueint;
    }
    if (*shard_count < fd->shards)
        return 4011;
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(d, "properties")))
        return 4002;
    return 0;
}

static const char *close_reason(int code)
{
    switch (code) {
    case 4001: return "Unknown opcode.";
    case 4002: return "Error while decoding payload.";
    case 4003: return "Not authenticated.";
    case 4004: return "Authentication failed.";
    case 4005: return "Already authenticated.";
    case 4007: return "Invalid seq.";
    case 4008: return "Rate limited.";
    case 4009: return "Session timed out.";
    case 4010: return "Invalid shard.";
    case 4011: return "Sharding required.";
    case 4012: return "Invalid API version.";
    case 4013: return "Invalid intent(s).";
    case 4014: return "Disallowed intent(s).";
    default: return "Unknown error.";
    }
}

static void ready(struct fdc *fd, struct fdc_session *s)
{
    char resume_url[80];
    snprintf(resume_url, sizeof resume_url, "ws://127.0.0.1:%d/resume", fd->port);
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "v", 10);
    cJSON_AddItemToObject(d, "user", fdc_user_json(fd->bot_id, fd->bot_name, true));
    cJSON *guilds = cJSON_AddArrayToObject(d, "guilds");
    for (size_t i = 0; i < fd->guild_count; i++) {
        if (!in_shard(s, fd->guilds[i].id))
            continue;
        cJSON *g = cJSON_CreateObject();
        cJSON_AddStringToObject(g, "id", fd->guilds[i].id);
        cJSON_AddTrueToObject(g, "unavailable");
        cJSON_AddItemToArray(guilds, g);
    }
    cJSON_AddStringToObject(d, "session_id", s->id);
    cJSON_AddStringToObject(d, "resume_gateway_url", resume_url);
    cJSON *shard = cJSON_AddArrayToObject(d, "shard");
    cJSON_AddItemToArray(shard, cJSON_CreateNumber(s->shard_id));
    cJSON_AddItemToArray(shard, cJSON_CreateNumber(s->shard_count));
    cJSON *app = cJSON_AddObjectToObject(d, "application");
    cJSON_AddStringToObject(app, "id", fd->app_id);
    cJSON_AddNumberToObject(app, "flags", 0);
    session_dispatch(s, "READY", d);
    cJSON_Delete(d);
    for (size_t i = 0; i < fd->guild_count; i++) {
        if (!in_shard(s, fd->guilds[i].id))
            continue;
        cJSON *g = fdc_guild_json(&fd->guilds[i]);
        session_dispatch(s, "GUILD_CREATE", g);
        cJSON_Delete(g);
    }
}

static void on_identify(struct fdc_conn *c, const cJSON *d)
{
    struct fdc *fd = c->fd;
    if (c->session != NULL) {
        close_with(c, 4005, close_reason(4005));
        return;
    }
    int shard_id, shard_count;
    int problem = identify_problem(fd, d, &shard_id, &shard_count);
    if (problem != 0) {
        close_with(c, problem, close_reason(problem));
        return;
    }
    struct fdc_session *s = calloc(1, sizeof *s);
    if (s == NULL) {
        close_with(c, 4000, "out of memory");
        return;
    }
    char id[FDC_ID_MAX];
    fdc_snowflake(fd, id);
    snprintf(s->id, sizeof s->id, "fake%s", id);
    s->shard_id = shard_id;
    s->shard_count = shard_count;
    s->intents = (int64_t)cJSON_GetObjectItemCaseSensitive(d, "intents")->valuedouble;
    s->replay_first = 1;
    s->conn = c;
    s->next = fd->sessions;
    fd->sessions = s;
    c->session = s;
    fd->identifies++;
    ready(fd, s);
}

/* ---- Resume. ---- */

static struct fdc_session *session_find(struct fdc *fd, const char *id)
{
    for (struct fdc_session *s = fd->sessions; id != NULL && s != NULL; s = s->next)
        if (strcmp(s->id, id) == 0)
            return s;
    return NULL;
}

static void invalid_session(struct fdc_conn *c, bool resumable)
{
    send_frame(c, resumable ? "{\"op\":9,\"d\":true,\"s\":null,\"t\":null}"
                            : "{\"op\":9,\"d\":false,\"s\":null,\"t\":null}");
}

static void on_resume(struct fdc_conn *c, const cJSON *d)
{
    struct fdc *fd = c->fd;
    expire_sessions(fd);
    const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "token"));
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(d, "seq");
    struct fdc_session *s =
        session_find(fd, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "session_id")));
    if (c->session != NULL) {
        close_with(c, 4005, close_reason(4005));
    } else if (token == NULL || strcmp(token, fd->token) != 0) {
        close_with(c, 4004, close_reason(4004));
    } else if (!c->on_resume_url || s == NULL || s->invalid || !cJSON_IsNumber(seq) ||
               (int64_t)seq->valuedouble < s->replay_first - 1) {
        invalid_session(c, false); /* the regular gateway URL does not resume sessions */
    } else if ((int64_t)seq->valuedouble > s->seq) {
        close_with(c, 4007, close_reason(4007));
    } else {
        if (s->conn != NULL) { /* the old connection is replaced */
            s->conn->session = NULL;
            close_with(s->conn, 4000, "session resumed elsewhere");
        }
        s->conn = c;
        c->session = s;
        fd->resumes++;
        for (int64_t n = (int64_t)seq->valuedouble + 1; n <= s->seq; n++)
            send_frame(c, s->replay[n % FDC_REPLAY_MAX]);
        session_dispatch(s, "RESUMED", NULL);
    }
}

/* ---- Connections. ---- */

static void record_frame(struct fdc *fd, struct fdc_conn *c, const char *data, size_t len)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "method", "WS");
    cJSON_AddStringToObject(e, "path", conn_path(c));
    char *text = strndup(data, len);
    cJSON_AddStringToObject(e, "body", text != NULL ? text : "");
    free(text);
    fake_server_record(fd->srv, "ws", e);
    cJSON_Delete(e);
}

/* 120 sends per 60 s; true when this one is over. */
static bool over_send_limit(struct fdc_conn *c, uint64_t now)
{
    size_t recent = 0;
    for (size_t i = 0; i < SENDS_PER_MINUTE; i++)
        if (c->sends[i] != 0 && c->sends[i] + 60000 > now)
            recent++;
    c->sends[c->send_pos] = now != 0 ? now : 1;
    c->send_pos = (c->send_pos + 1) % SENDS_PER_MINUTE;
    return recent >= SENDS_PER_MINUTE;
}

void fdc_ws_text(struct fake_server *srv, struct fake_ws *ws, const char *data, size_t len,
                 void *ud)
{
    struct fdc *fd = ud;
    struct fdc_conn *c = fake_ws_data(ws);
    (void)srv;
    if (c == NULL || c->closing)
        return;
    record_frame(fd, c, data, len);
    if (over_send_limit(c, fdc_now(fd))) {
        close_with(c, 4008, close_reason(4008));
        return;
    }
    cJSON *frame = len <= PAYLOAD_MAX ? cJSON_ParseWithLength(data, len) : NULL;
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(frame, "op");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(frame, "d");
    if (!cJSON_IsObject(frame) || !cJSON_IsNumber(op)) {
        close_with(c, 4002, close_reason(4002));
    } else if (op->valueint == OP_HEARTBEAT) {
        c->last_heartbeat_ms = fdc_now(fd);
        if (!fd->drop_acks)
            send_frame(c, "{\"op\":11,\"d\":null,\"s\":null,\"t\":null}");
    } else if (op->valueint == OP_IDENTIFY) {
        on_identify(c, d);
    } else if (op->valueint == OP_RESUME) {
        on_resume(c, d);
    } else if (op->valueint == 3 || op->valueint == 4 || op->valueint == 8) {
        if (c->session == NULL)
            close_with(c, 4003, close_reason(4003));
    } else {
        close_with(c, 4001, close_reason(4001));
    }
    cJSON_Delete(frame);
}

static bool query_has(const char *path, const char *param)
{
    const char *q = strchr(path, '?');
    size_t n = strlen(param);
    for (const char *p = q; p != NULL; p = strchr(p + 1, '&'))
        if (strncmp(p + 1, param, n) == 0 && (p[1 + n] == '\0' || p[1 + n] == '&'))
            return true;
    return false;
}

void fdc_ws_open(struct fake_server *srv, struct fake_ws *ws, const char *path, void *ud)
{
    struct fdc *fd = ud;
    struct fdc_conn *c = calloc(1, sizeof *c);
    size_t slot = 0;
    while (slot < 16 && fd->conns[slot] != NULL)
        slot++;
    if (c == NULL || slot == 16) {
        free(c);
        fake_ws_close(ws, 4000, "too many connections");
        return;
    }
    c->fd = fd;
    c->ws = ws;
    c->on_resume_url = strncmp(path, "/resume", 7) == 0;
    fd->conns[slot] = c;
    fd->connections++;
    fake_ws_set_data(ws, c);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "method", "WS-OPEN");
    cJSON_AddStringToObject(e, "path", path);
    fake_server_record(srv, "ws", e);
    cJSON_Delete(e);
    if (strncmp(path, "/gateway", 8) != 0 && !c->on_resume_url) {
        close_with(c, 4000, "no gateway here");
    } else if (!query_has(path, "v=10")) {
        close_with(c, 4012, close_reason(4012));
    } else if (!query_has(path, "encoding=json")) {
        close_with(c, 4002, close_reason(4002));
    } else {
        char hello[96];
        snprintf(hello, sizeof hello,
                 "{\"op\":10,\"d\":{\"heartbeat_interval\":%d},\"s\":null,\"t\":null}",
                 fd->heartbeat_ms);
        send_frame(c, hello);
    }
}

void fdc_ws_close(struct fake_server *srv, struct fake_ws *ws, int code, void *ud)
{
    struct fdc *fd = ud;
    struct fdc_conn *c = fake_ws_data(ws);
    (void)srv;
    if (c == NULL)
        return;
    if (c->session != NULL) {
        c->session->conn = NULL;
        c->session->detached_ms = fdc_now(fd);
        if (code == 1000 || code == 1001)
            c->session->invalid = true; /* the client ended the session */
    }
    for (size_t i = 0; i < 16; i++)
        if (fd->conns[i] == c)
            fd->conns[i] = NULL;
    free(c);
}

/* ---- Faults. ---- */

static bool ends_session(int code)
{
    return code == 4003 || code == 4004 || code == 4007 || code == 4009 || code >= 4010;
}

int fdc_gateway_fault(struct fdc *fd, const char *action, int code, bool resumable)
{
    int touched = 0;
    for (size_t i = 0; i < 16; i++) {
        struct fdc_conn *c = fd->conns[i];
        if (c == NULL || c->closing || c->session == NULL)
            continue;
        touched++;
        if (strcmp(action, "close") == 0) {
            if (ends_session(code))
                c->session->invalid = true;
            close_with(c, code, close_reason(code));
        } else if (strcmp(action, "drop") == 0) {
            c->closing = true;
            fake_ws_drop(c->ws);
        } else if (strcmp(action, "reconnect") == 0) {
            send_frame(c, "{\"op\":7,\"d\":null,\"s\":null,\"t\":null}");
        } else if (strcmp(action, "invalid_session") == 0) {
            if (!resumable)
                c->session->invalid = true;
            invalid_session(c, resumable);
        } else if (strcmp(action, "heartbeat_request") == 0) {
            send_frame(c, "{\"op\":1,\"d\":null,\"s\":null,\"t\":null}");
        } else {
            touched--;
        }
    }
    return touched;
}

cJSON *fdc_sessions_json(const struct fdc *fd)
{
    cJSON *list = cJSON_CreateArray();
    for (const struct fdc_session *s = fd->sessions; s != NULL; s = s->next) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", s->id);
        cJSON_AddNumberToObject(o, "shard_id", s->shard_id);
        cJSON_AddNumberToObject(o, "shard_count", s->shard_count);
        cJSON_AddNumberToObject(o, "seq", (double)s->seq);
        cJSON_AddNumberToObject(o, "intents", (double)s->intents);
        cJSON_AddBoolToObject(o, "connected", s->conn != NULL);
        cJSON_AddBoolToObject(o, "invalid", s->invalid);
        cJSON_AddItemToArray(list, o);
    }
    return list;
}
