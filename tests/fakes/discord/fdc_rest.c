/* The fake's REST v10 routes for a bot: /gateway/bot, channel messages and poll expiry, guild
 * command bulk
 * overwrites, moderation (timeouts, kicks, bans, roles) with permission checks and the gateway
 * events each change causes, and direct-message channels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_discord.h"

#define API "/api/v10"
#define SEGMENTS_MAX 10
#define SEND_MESSAGES (1ULL << 11)
#define MANAGE_MESSAGES (1ULL << 13)
#define KICK_MEMBERS (1ULL << 1)
#define BAN_MEMBERS (1ULL << 2)
#define MANAGE_ROLES (1ULL << 28)
#define MODERATE_MEMBERS (1ULL << 40)
#define GUILD_MEMBERS_INTENT (1LL << 1)
#define GUILD_MODERATION_INTENT (1LL << 2)
#define GUILD_MESSAGES_INTENT (1LL << 9)

struct route {
    const char *method;
    char *seg[SEGMENTS_MAX];
    size_t n;
    char buf[512];
    const char *const *headers; /* rate-limit headers for the answer */
};

static bool split(struct route *r, const char *method, const char *path)
{
    r->method = method;
    r->n = 0;
    fdc_copy(r->buf, sizeof r->buf, path);
    for (char *save = NULL, *s = strtok_r(r->buf, "/", &save); s != NULL;
         s = strtok_r(NULL, "/", &save)) {
        if (r->n == SEGMENTS_MAX)
            return false;
        r->seg[r->n++] = s;
    }
    return true;
}

/* Matches "channels/:/messages" style patterns (":" = any one segment). */
static bool is(const struct route *r, const char *method, const char *pattern)
{
    if (strcmp(r->method, method) != 0)
        return false;
    char copy[128];
    fdc_copy(copy, sizeof copy, pattern);
    size_t i = 0;
    for (char *save = NULL, *s = strtok_r(copy, "/", &save); s != NULL;
         s = strtok_r(NULL, "/", &save), i++)
        if (i >= r->n || (strcmp(s, ":") != 0 && strcmp(s, r->seg[i]) != 0))
            return false;
    return i == r->n;
}

static void missing_permissions(struct fdc *fd, struct fake_request *req)
{
    fdc_limits_invalid(fd);
    fdc_error(req, 403, 50013, "Missing Permissions");
}

/* ---- Gateway and messages. ---- */

static void gateway_bot(struct fdc *fd, struct fake_request *req, const struct route *r)
{
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/gateway", fd->port);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "url", url);
    cJSON_AddNumberToObject(o, "shards", fd->shards);
    cJSON *limit = cJSON_AddObjectToObject(o, "session_start_limit");
    cJSON_AddNumberToObject(limit, "total", 1000);
    cJSON_AddNumberToObject(limit, "remaining", 1000 - fd->identifies);
    cJSON_AddNumberToObject(limit, "reset_after", 86400000);
    cJSON_AddNumberToObject(limit, "max_concurrency", fd->max_concurrency);
    fdc_respond(req, 200, r->headers, o);
}

static bool channel_ok(struct fdc *fd, struct fake_request *req, const char *channel,
                       uint64_t needs)
{
    if (!fdc_channel_known(fd, channel)) {
        fdc_error(req, 404, 10003, "Unknown Channel");
        return false;
    }
    struct fdc_guild *g = fdc_channel_guild(fd, channel);
    if (g != NULL && needs != 0 && (g->bot_permissions & needs) != needs) {
        missing_permissions(fd, req);
        return false;
    }
    return true;
}

static void create_message(struct fdc *fd, struct fake_request *req, const struct route *r)
{
    const char *channel = r->seg[1];
    if (!channel_ok(fd, req, channel, SEND_MESSAGES))
        return;
    cJSON *body = fdc_body_dup(req);
    if (fdc_check_message(req, body)) {
        const cJSON *m = fdc_post_message(fd, channel, body, NULL, false);
        if (m != NULL)
            fdc_respond(req, 200, r->headers, cJSON_Duplicate(m, true));
        else
            fdc_error(req, 500, 0, "out of memory");
    }
    cJSON_Delete(body);
}

static struct fdc_message *existing(struct fdc *fd, struct fake_request *req, const char *channel,
                                    const char *id)
{
    struct fdc_message *m = fdc_message(fd, id);
    if (m == NULL || m->deleted || strcmp(m->channel_id, channel) != 0) {
        fdc_error(req, 404, 10008, "Unknown Message");
        return NULL;
    }
    return m;
}

static void edit_message(struct fdc *fd, struct fake_request *req, const struct route *r)
{
    if (!channel_ok(fd, req, r->seg[1], 0))
        return;
    struct fdc_message *m = existing(fd, req, r->seg[1], r->seg[3]);
    if (m == NULL)
        return;
    if (strcmp(m->author_id, fd->bot_id) != 0) {
        fdc_error(req, 403, 50005, "Cannot edit a message authored by another user");
        return;
    }
    const cJSON *body = fake_request_json(req);
    static const char *const fields[] = {"content", "embeds", "components", "allowed_mentions"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, fields[i]);
        if (v == NULL)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(m->json, fields[i]);
        cJSON_AddItemToObject(m->json, fields[i], cJSON_Duplicate(v, true));
    }
    fdc_emit(fd, m->guild_id[0] ? m->guild_id : NULL, "MESSAGE_UPDATE", m->json,
             GUILD_MESSAGES_INTENT);
    fdc_respond(req, 200, r->headers, cJSON_Duplicate(m->json, true));
}

static void delete_message(struct fdc *fd, struct fake_request *req, const struct route *r)
{
    if (!channel_ok(fd, req, r->seg[1], 0))
        return;
    struct fdc_message *m = existing(fd, req, r->seg[1], r->seg[3]);
    if (m == NULL)
        return;
    struct fdc_guild *g = fdc_guild(fd, m->guild_id);
    if (strcmp(m->author_id, fd->bot_id) != 0 && g != NULL &&
        (g->bot_permissions & MANAGE_MESSAGES) == 0) {
        missing_permissions(fd, req);
        return;
    }
    m->deleted = true;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "id", m->id);
    cJSON_AddStringToObject(d, "channel_id", m->channel_id);
    if (g != NULL)
        cJSON_AddStringToObject(d, "guild_id", g->id);
    fdc_emit(fd, g != NULL ? g->id : NULL, "MESSAGE_DELETE", d, GUILD_MESSAGES_INTENT);
    cJSON_Delete(d);
    fake_request_respond(req, 204, r->headers, NULL, NULL, 0);
}

/* ---- Application commands. ---- */

static bool name_ok(const char *name)
{
    size_t n = name != NULL ? strlen(name) : 0;
    if (n < 1 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '-' || name[i] == '_'))
            return false;
    return true;
}

static bool described_ok(const cJSON *o)
{
    const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "description"));
    size_t chars = 0;
    for (const char *p = d; p != NULL && *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    return name_ok(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "name"))) &&
           chars >= 1 && chars <= 100;
}

/* Options: at most 25, each named and described, required ones first. */
static bool options_ok(const cJSON *options, int depth)
{
    if (options == NULL)
        return true;
    if (!cJSON_IsArray(options) || cJSON_GetArraySize(options) > 25 || depth > 2)
        return false;
    bool optional_seen = false;
    const cJSON *o;
    cJSON_ArrayForEach(o, options)
    {
        int type = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "type"));
        bool required = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "required"));
        if (!described_ok(o) || type < 1 || type > 11 || (required && optional_seen))
            return false;
        optional_seen |= !required && type > 2;
        if (type <= 2 && !options_ok(cJSON_GetObjectItemCaseSensitive(o, "options"), depth + 1))
            return false;
    }
    return true;
}

static void overwrite_commands(struct fdc *fd, struct fake_request *req, const struct route *r)
{
    struct fdc_guild *g = r->n == 5 ? fdc_guild(fd, r->seg[3]) : NULL;
    if (strcmp(r->seg[1], fd->app_id) != 0 || (r->n == 5 && g == NULL)) {
        fdc_error(req, 404, r->n == 5 ? 10004 : 10002,
                  r->n == 5 ? "Unknown Guild" : "Unknown Application");
        return;
    }
    const cJSON *body = fake_request_json(req);
    bool ok = cJSON_IsArray(body) && cJSON_GetArraySize(body) <= 100;
    const cJSON *c;
    cJSON_ArrayForEach(c, body)
    {
        ok = ok && described_ok(c) && options_ok(cJSON_GetObjectItemCaseSensitive(c, "options"), 0);
    }
    if (!ok) {
        fdc_error(req, 400, 50035, "Invalid Form Body");
        return;
    }
    cJSON *stored = cJSON_Duplicate(body, true);
    cJSON *item;
    cJSON_ArrayForEach(item, stored)
    {
        char id[FDC_ID_MAX];
        fdc_snowflake(fd, id);
        cJSON_AddStringToObject(item, "id", id);
        cJSON_AddStringToObject(item, "application_id", fd->app_id);
        if (g != NULL)
            cJSON_AddStringToObject(item, "guild_id", g->id);
        cJSON_AddStringToObject(item, "version", id);
    }
    if (g != NULL) {
        cJSON_Delete(g->commands);
        g->commands = cJSON_Duplicate(stored, true);
    }
    fdc_respond(req, 200, r->headers, stored);
}

/* ---- Moderation. ---- */

static struct fdc_member *target(struct fdc *fd, struct fake_request *req, const struct route *r,
                                 uint64_t needs, struct fdc_guild **g_out)
{
    struct fdc_guild *g = fdc_guild(fd, r->seg[1]);
    if (g == NULL) {
        fdc_error(req, 404, 10004, "Unknown Guild");
        return NULL;
    }
    if ((g->bot_permissions & needs) != needs) {
        missing_permissions(fd, req);
        return NULL;
    }
    struct fdc_member *m = fdc_member(g, r->seg[3]);
    if (m == NULL || (!m->present && !m->banned)) {
        fdc_error(req, 404, 10007, "Unknown Member");
        return NULL;
    }
    /* Nobody moderates the owner, and admins cannot be timed out. */
    if (strcmp(m->id, g->owner_id) == 0 ||
        (needs == MODERATE_MEMBERS && (fdc_member_permissions(g, m) & FDC_PERM_ADMINISTRATOR))) {
        missing_permissions(fd, req);
        return NULL;
    }
    *g_out = g;
    return m;
}

static void emit_member(struct fdc *fd, struct fdc_guild *g, struct fdc_member *m, const char *type)
{
    cJSON *d = fdc_member_json(g, m, false);
    cJSON_AddStringToObject(d, "guild_id", g->id);
    fdc_emit(fd, g->id, type, d, GUILD_MEMBERS_INTENT);
    cJSON_Delete(d);
}

/* ISO 8601 in at most 28 days; false when unreadable or too far. */
static bool timeout_ok(const char *text)
{
    struct tm tm = {0};
    if (text == NULL || strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
        return false;
    time_t until = timegm(&tm);
    return until - time(NULL) <= 28 * 86400 + 60;
}

static void modify_member(struct fdc *fd, struct fake_request *req, const struct route *r)
{
    struct fdc_guild *g;
    struct fdc_member *m = target(fd, req, r, MODERATE_MEMBERS, &g);
    if (m == NULL)
        return;
    const cJSON *until =
        cJSON_GetObjectItemCaseSensitive(fake_request_json(req), "communication_disabled_until");
    if (cJSON_IsString(until) && !timeout_ok(until->valuestring)) {
        fdc_error(req, 400, 50035, "Invalid Form Body");
        return;
    }
    fdc_copy(m->timeout_until, sizeof m->timeout_until,
             cJSON_IsString(until) ? until->valuestring : "");
    emit_member(fd, g, m, "GUILD_MEMBER_UPDATE");
    fdc_respond(req, 200, r->headers, fdc_member_json(g, m, false));
}

static void kick_member(struct fdc *fd, struct fake_request *req, const struct route *r, bool ban)
{
    struct fdc_guild *g;
    struct fdc_member *m = target(fd, req, r, ban ? BAN_MEMBERS : KICK_MEMBERS, &g);
    if (m == NULL)
        return;
    bool was_present = m->present;
    m->present = false;
    m->banned |= ban;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "guild_id", g->id);
    cJSON_AddItemToObject(d, "user", fdc_user_json(m->id, m->username, false));
    if (ban)
        fdc_emit(fd, g->id, "GUILD_BAN_ADD", d, GUILD_MODERATION_INTENT);
    if (was_present)
        fdc_emit(fd, g->id, "GUILD_MEMBER_REMOVE", d, GUILD_MEMBERS_INTENT);
    cJSON_Delete(d);
    fake_request_respond(req, 204, r->headers, NULL, NULL, 0);
}

static void unban(struct fdc *fd, struct fake_request *req, const struct route *r)
{
    struct fdc_guild *g = fdc_guild(fd, r->seg[1]);
    struct fdc_member *m = fdc_member(g, r->seg[3]);
    if (g != NULL && (g->bot_permissions & BAN_MEMBERS) == 0) {
        missing_permissions(fd, req);
        return;
    }
    if (m == NULL || !m->banned) {
        fdc_error(req, 404, 10026, "Unknown Ban");
        return;
    }
    m->banned = false;
    fake_request_respond(req, 204, r->headers, NULL, NULL, 0);
}

static void member_role(struct fdc *fd, struct fake_request *req, const struct route *r, bool add)
{
    struct fdc_guild *g;
    struct fdc_member *m = target(fd, req, r, MANAGE_ROLES, &g);
    if (m == NULL)
        return;
    const char *role = r->seg[5];
    bool known = false;
    for (size_t i = 0; i < g->role_count; i++)
        known |= strcmp(g->roles[i].id, role) == 0;
    if (!known) {
        fdc_error(req, 404, 10011, "Unknown Role");
        return;
    }
    size_t at = m->role_count;
    for (size_t i = 0; i < m->role_count; i++)
        if (strcmp(m->roles[i], role) == 0)
            at = i;
    if (add && at == m->role_count && m->role_count < FDC_MEMBER_ROLES)
        fdc_copy(m->roles[m->role_count++], FDC_ID_MAX, role);
    else if (!add && at < m->role_count)
        memcpy(m->roles[at], m->roles[--m->role_count], FDC_ID_MAX);
    emit_member(fd, g, m, "GUILD_MEMBER_UPDATE");
    fake_request_respond(req, 204, r->headers, NULL, NULL, 0);
}

static void open_dm(struct fdc *fd, struct fake_request *req, const struct route *r)
{
    const char *user = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(fake_request_json(req), "recipient_id"));
    const char *channel = user != NULL ? fdc_dm_channel(fd, user) : NULL;
    if (channel == NULL) {
        fdc_error(req, 400, 50035, "Invalid Form Body");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", channel);
    cJSON_AddNumberToObject(o, "type", 1);
    cJSON *recipients = cJSON_AddArrayToObject(o, "recipients");
    cJSON_AddItemToArray(recipients, fdc_user_json(user, "member", false));
    fdc_respond(req, 200, r->headers, o);
}

/* ---- Routing. ---- */

static bool authorised(struct fdc *fd, struct fake_request *req)
{
    const char *auth = fake_request_header(req, "authorization");
    char expected[128];
    snprintf(expected, sizeof expected, "Bot %s", fd->token);
    if (auth != NULL && strcmp(auth, expected) == 0)
        return true;
    fdc_limits_invalid(fd);
    fdc_error(req, 401, 0, "401: Unauthorized");
    return false;
}

static void bot_route(struct fdc *fd, struct fake_request *req, struct route *r)
{
    if (is(r, "GET", "gateway/bot"))
        gateway_bot(fd, req, r);
    else if (is(r, "POST", "channels/:/messages"))
        create_message(fd, req, r);
    else if (is(r, "PATCH", "channels/:/messages/:"))
        edit_message(fd, req, r);
    else if (is(r, "DELETE", "channels/:/messages/:"))
        delete_message(fd, req, r);
    else if (is(r, "POST", "channels/:/polls/:/expire") && channel_ok(fd, req, r->seg[1], 0))
        fdc_poll_expire(fd, req, r->seg[1], r->seg[3], r->headers);
    else if (is(r, "POST", "channels/:/polls/:/expire"))
        return; /* channel_ok answered */
    else if (is(r, "PUT", "applications/:/guilds/:/commands") ||
             is(r, "PUT", "applications/:/commands"))
        overwrite_commands(fd, req, r);
    else if (is(r, "PATCH", "guilds/:/members/:"))
        modify_member(fd, req, r);
    else if (is(r, "DELETE", "guilds/:/members/:"))
        kick_member(fd, req, r, false);
    else if (is(r, "PUT", "guilds/:/bans/:"))
        kick_member(fd, req, r, true);
    else if (is(r, "DELETE", "guilds/:/bans/:"))
        unban(fd, req, r);
    else if (is(r, "PUT", "guilds/:/members/:/roles/:"))
        member_role(fd, req, r, true);
    else if (is(r, "DELETE", "guilds/:/members/:/roles/:"))
        member_role(fd, req, r, false);
    else if (is(r, "POST", "users/@me/channels"))
        open_dm(fd, req, r);
    else
        fdc_error(req, 404, 0, "404: Not Found");
}

void fdc_http(struct fake_server *srv, struct fake_request *req, void *ud)
{
    struct fdc *fd = ud;
    (void)srv;
    const char *path = fake_request_path(req);
    struct route r = {0};
    if (strncmp(path, API "/", sizeof API) != 0 ||
        !split(&r, fake_request_method(req), path + sizeof API - 1)) {
        fdc_error(req, 404, 0, "404: Not Found");
        return;
    }
    bool interaction =
        r.n > 0 && (strcmp(r.seg[0], "interactions") == 0 || strcmp(r.seg[0], "webhooks") == 0);
    if (!interaction && !authorised(fd, req))
        return;
    if (!fdc_limits_admit(fd, req, interaction, &r.headers))
        return;
    if (interaction)
        fdc_interaction_route(fd, req, path + sizeof API - 1, r.headers);
    else
        bot_route(fd, req, &r);
}
