/* The adapter's actions over REST: messages (send, reply, edit, delete, direct messages) and
 * moderation (timeout, kick, ban, roles), every one with X-Audit-Log-Reason where it applies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "platform/discord/dc_internal.h"

#define TIMEOUT_MAX_S (28 * 86400) /* Discord's longest timeout */

/* A pending kith action riding on a REST call: fn is called once with the outcome. */
struct dc_action {
    kith_action_fn fn;
    void *ud;
};

static struct dc_action *action_new(kith_action_fn fn, void *ud)
{
    struct dc_action *a = malloc(sizeof *a);
    if (a != NULL)
        *a = (struct dc_action){fn, ud};
    return a;
}

/* The REST completion that reports to the action (ud), freed after. */
static void action_rest_done(struct dc *dc, const struct dc_reply *reply, void *ud)
{
    struct dc_action *a = ud;
    (void)dc;
    char id[DC_ID_MAX];
    bool has_id =
        reply->err == KITH_OK && dc_format_id(id, sizeof id, dc_json_str(reply->json, "id"));
    const struct kith_result result = {
        .err = reply->err, .message_id = has_id ? id : NULL, .detail = reply->detail};
    if (a->fn != NULL)
        a->fn(&result, a->ud);
    free(a);
}

/* Starts a REST call whose outcome goes to fn; nothing is called when it returns an error. */
kith_err dc_act(struct dc *dc, const struct dc_rest_opts *opts, kith_action_fn fn, void *ud)
{
    struct dc_action *a = action_new(fn, ud);
    if (a == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = dc_rest_call(dc, opts, action_rest_done, a);
    if (err != KITH_OK)
        free(a);
    return err;
}

/* ---- Messages. ---- */

/* A channel message body: the rendering without interaction-only flags. */
static cJSON *channel_body_new(const kith_message *msg, kith_err *err_out)
{
    cJSON *body = dc_render_new(msg, err_out);
    if (body != NULL)
        cJSON_DeleteItemFromObjectCaseSensitive(body, "flags");
    return body;
}

static kith_err post_body(struct dc *dc, const char *channel, cJSON *body, const kith_message *msg,
                          kith_action_fn fn, void *ud)
{
    char path[96];
    snprintf(path, sizeof path, "/channels/%s/messages", channel);
    struct dc_rest_opts opts = {
        .method = "POST",
        .path = path,
        .json = body,
        .needs = msg->attachment ? "SEND_MESSAGES and ATTACH_FILES" : "SEND_MESSAGES",
    };
    char *upload = NULL;
    kith_err err = KITH_OK;
    if (msg->attachment != NULL) {
        err = dc_render_multipart(body, msg, &upload, &opts.body_len);
        opts.body = upload;
        opts.content_type = dc_render_multipart_type();
    }
    if (err == KITH_OK)
        err = dc_act(dc, &opts, fn, ud);
    free(upload);
    return err;
}

/* Posts a rendered message to a channel (snowflake); fn gets the new message id. */
static kith_err post_message(struct dc *dc, const char *channel, const kith_message *msg,
                             kith_action_fn fn, void *ud)
{
    kith_err err;
    cJSON *body = channel_body_new(msg, &err);
    if (body == NULL)
        return err;
    err = post_body(dc, channel, body, msg, fn, ud);
    cJSON_Delete(body);
    return err;
}

/* The channel snowflake of a target: the named channel, else the guild's system channel. */
kith_err dc_target_channel(struct dc *dc, const struct kith_target *to, char *buf, size_t size)
{
    if (to->channel_id != NULL)
        return dc_parse_id(to->channel_id, buf, size) ? KITH_OK : KITH_ERR_INVALID;
    char guild[DC_SNOWFLAKE_MAX];
    if (!dc_parse_id(to->server_id, guild, sizeof guild))
        return KITH_ERR_INVALID;
    const char *channel = dc_guilds_default_channel(dc->guilds, guild);
    if (channel == NULL || strlen(channel) >= size) {
        kith_log(KITH_LOG_INFO, DC_PLATFORM,
                 "guild %s has no system channel: a message without a channel is not sent", guild);
        return KITH_ERR_NOT_FOUND;
    }
    strcpy(buf, channel);
    return KITH_OK;
}

kith_err dc_send(struct kith_platform *p, const struct kith_target *to, const kith_message *msg,
                 kith_action_fn fn, void *ud)
{
    struct dc *dc = dc_of(p);
    char channel[DC_SNOWFLAKE_MAX];
    kith_err err = dc_target_channel(dc, to, channel, sizeof channel);
    if (err != KITH_OK)
        return err;
    if (dc_interaction_take_send(dc, channel, msg, fn, ud, &err))
        return err;
    return post_message(dc, channel, msg, fn, ud);
}

kith_err dc_reply(struct kith_platform *p, const struct kith_event *ev, const kith_message *msg,
                  kith_action_fn fn, void *ud)
{
    struct dc *dc = dc_of(p);
    if (ev->priv != NULL && ev->priv->platform == p && ev->priv->data != NULL)
        return dc_interaction_reply(dc, ev, msg, fn, ud);
    char channel[DC_SNOWFLAKE_MAX], message[DC_SNOWFLAKE_MAX];
    if (!dc_parse_id(ev->channel_id, channel, sizeof channel))
        return KITH_ERR_INVALID;
    kith_err err;
    cJSON *body = channel_body_new(msg, &err);
    if (body == NULL)
        return err;
    /* Answer the member's message itself, so the reply shows what it answers. */
    if (dc_parse_id(ev->message.id, message, sizeof message)) {
        cJSON *ref = cJSON_AddObjectToObject(body, "message_reference");
        if (ref == NULL || !cJSON_AddStringToObject(ref, "message_id", message) ||
            !cJSON_AddBoolToObject(ref, "fail_if_not_exists", false)) {
            cJSON_Delete(body);
            return KITH_ERR_NOMEM;
        }
    }
    err = post_body(dc, channel, body, msg, fn, ud);
    cJSON_Delete(body);
    return err;
}

kith_err dc_edit(struct kith_platform *p, const struct kith_target *to, const char *message_id,
                 const kith_message *msg, kith_action_fn fn, void *ud)
{
    struct dc *dc = dc_of(p);
    char channel[DC_SNOWFLAKE_MAX], message[DC_SNOWFLAKE_MAX];
    kith_err err = dc_target_channel(dc, to, channel, sizeof channel);
    if (err != KITH_OK)
        return err;
    if (!dc_parse_id(message_id, message, sizeof message))
        return KITH_ERR_INVALID;
    if (msg->attachment != NULL || msg->poll != NULL)
        return KITH_ERR_UNSUPPORTED; /* Discord cannot add a file or poll by editing */
    cJSON *body = channel_body_new(msg, &err);
    if (body == NULL)
        return err;
    /* An edit replaces the components too: none given means the buttons go away. */
    if (cJSON_GetObjectItemCaseSensitive(body, "components") == NULL &&
        cJSON_AddArrayToObject(body, "components") == NULL) {
        cJSON_Delete(body);
        return KITH_ERR_NOMEM;
    }
    char path[128];
    snprintf(path, sizeof path, "/channels/%s/messages/%s", channel, message);
    const struct dc_rest_opts opts = {.method = "PATCH", .path = path, .json = body};
    err = dc_act(dc, &opts, fn, ud);
    cJSON_Delete(body);
    return err;
}

kith_err dc_delete_message(struct kith_platform *p, const struct kith_target *to,
                           const char *message_id, const char *reason, kith_action_fn fn, void *ud)
{
    struct dc *dc = dc_of(p);
    char channel[DC_SNOWFLAKE_MAX], message[DC_SNOWFLAKE_MAX];
    kith_err err = dc_target_channel(dc, to, channel, sizeof channel);
    if (err != KITH_OK)
        return err;
    if (!dc_parse_id(message_id, message, sizeof message))
        return KITH_ERR_INVALID;
    char path[128];
    snprintf(path, sizeof path, "/channels/%s/messages/%s", channel, message);
    const struct dc_rest_opts opts = {
        .method = "DELETE", .path = path, .reason = reason, .needs = "MANAGE_MESSAGES"};
    return dc_act(dc, &opts, fn, ud);
}

/* ---- Direct messages: open the DM channel, then post to it. ---- */

struct dm {
    kith_message *msg; /* owned copy */
    kith_action_fn fn;
    void *ud;
};

static void dm_opened(struct dc *dc, const struct dc_reply *reply, void *ud)
{
    struct dm *dm = ud;
    const char *channel = dc_json_str(reply->json, "id");
    kith_err err = reply->err;
    if (err == KITH_OK && channel == NULL)
        err = KITH_ERR_PLATFORM;
    if (err == KITH_OK && !dc->destroying)
        err = post_message(dc, channel, dm->msg, dm->fn, dm->ud);
    else if (err == KITH_OK)
        err = KITH_ERR_CANCELLED;
    if (err != KITH_OK && dm->fn != NULL) {
        const struct kith_result result = {.err = err, .detail = reply->detail};
        dm->fn(&result, dm->ud);
    }
    kith_message_free(dm->msg);
    free(dm);
}

kith_err dc_send_dm(struct kith_platform *p, const char *user_id, const kith_message *msg,
                    kith_action_fn fn, void *ud)
{
    struct dc *dc = dc_of(p);
    char user[DC_SNOWFLAKE_MAX];
    if (!dc_parse_id(user_id, user, sizeof user))
        return KITH_ERR_INVALID;
    struct dm *dm = calloc(1, sizeof *dm);
    cJSON *body = cJSON_CreateObject();
    kith_err err = KITH_ERR_NOMEM;
    if (dm != NULL && body != NULL && (dm->msg = kith_message_dup(msg)) != NULL &&
        cJSON_AddStringToObject(body, "recipient_id", user) != NULL) {
        dm->fn = fn;
        dm->ud = ud;
        const struct dc_rest_opts opts = {
            .method = "POST", .path = "/users/@me/channels", .json = body};
        err = dc_rest_call(dc, &opts, dm_opened, dm);
    }
    cJSON_Delete(body);
    if (err != KITH_OK && dm != NULL) {
        kith_message_free(dm->msg);
        free(dm);
    }
    return err;
}

/* ---- Moderation. ---- */

/* "2024-05-01T12:30:00+00:00", seconds from the core's clock. */
static void iso_in(struct dc *dc, int64_t seconds, char *buf, size_t size)
{
    time_t t = (time_t)(kith_core_now_ms(dc->core) / 1000 + seconds);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

static kith_err timeout_body(struct dc *dc, const struct kith_moderation *m, cJSON *body)
{
    if (m->kind == KITH_MOD_UNTIMEOUT)
        return cJSON_AddNullToObject(body, "communication_disabled_until") ? KITH_OK
                                                                           : KITH_ERR_NOMEM;
    if (m->duration_s > TIMEOUT_MAX_S)
        return KITH_ERR_LIMIT;
    char until[40];
    iso_in(dc, m->duration_s, until, sizeof until);
    return cJSON_AddStringToObject(body, "communication_disabled_until", until) ? KITH_OK
                                                                                : KITH_ERR_NOMEM;
}

/* Method, path, body and the permission each moderation needs. */
static kith_err moderation_call(struct dc *dc, const struct kith_moderation *m, const char *guild,
                                const char *user, char *path, size_t size, cJSON *body,
                                struct dc_rest_opts *opts)
{
    char role[DC_SNOWFLAKE_MAX];
    switch (m->kind) {
    case KITH_MOD_TIMEOUT:
    case KITH_MOD_UNTIMEOUT:
        snprintf(path, size, "/guilds/%s/members/%s", guild, user);
        *opts = (struct dc_rest_opts){.method = "PATCH", .json = body, .needs = "MODERATE_MEMBERS"};
        return timeout_body(dc, m, body);
    case KITH_MOD_KICK:
        snprintf(path, size, "/guilds/%s/members/%s", guild, user);
        *opts = (struct dc_rest_opts){.method = "DELETE", .needs = "KICK_MEMBERS"};
        return KITH_OK;
    case KITH_MOD_BAN:
        if (m->duration_s > 0)
            return KITH_ERR_UNSUPPORTED; /* Discord bans last until lifted */
        snprintf(path, size, "/guilds/%s/bans/%s", guild, user);
        *opts = (struct dc_rest_opts){.method = "PUT", .json = body, .needs = "BAN_MEMBERS"};
        return cJSON_AddNumberToObject(body, "delete_message_seconds", 0) ? KITH_OK
                                                                          : KITH_ERR_NOMEM;
    case KITH_MOD_UNBAN:
        snprintf(path, size, "/guilds/%s/bans/%s", guild, user);
        *opts = (struct dc_rest_opts){.method = "DELETE", .needs = "BAN_MEMBERS"};
        return KITH_OK;
    case KITH_MOD_ROLE_ADD:
    case KITH_MOD_ROLE_REMOVE:
        if (!dc_parse_id(m->role_id, role, sizeof role))
            return KITH_ERR_INVALID;
        snprintf(path, size, "/guilds/%s/members/%s/roles/%s", guild, user, role);
        *opts = (struct dc_rest_opts){.method = m->kind == KITH_MOD_ROLE_ADD ? "PUT" : "DELETE",
                                      .needs = "MANAGE_ROLES (and a role above the one given)"};
        return KITH_OK;
    }
    return KITH_ERR_INVALID;
}

kith_err dc_moderate(struct kith_platform *p, const struct kith_moderation *action,
                     kith_action_fn fn, void *ud)
{
    struct dc *dc = dc_of(p);
    char guild[DC_SNOWFLAKE_MAX], user[DC_SNOWFLAKE_MAX], path[160];
    if (!dc_parse_id(action->server_id, guild, sizeof guild) ||
        !dc_parse_id(action->user_id, user, sizeof user))
        return KITH_ERR_INVALID;
    cJSON *body = cJSON_CreateObject();
    if (body == NULL)
        return KITH_ERR_NOMEM;
    struct dc_rest_opts opts;
    kith_err err = moderation_call(dc, action, guild, user, path, sizeof path, body, &opts);
    if (err == KITH_ERR_UNSUPPORTED)
        kith_log(KITH_LOG_INFO, DC_PLATFORM, "Discord has no temporary bans: ban refused");
    if (err == KITH_OK) {
        opts.path = path;
        opts.reason = action->reason;
        err = dc_act(dc, &opts, fn, ud);
    }
    cJSON_Delete(body);
    return err;
}
