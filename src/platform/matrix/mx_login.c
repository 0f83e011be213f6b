/* Credentials: the configured access token, or a token from an earlier password login kept in
 * the store, or a password login (once) whose token is then stored; and whoami to learn the
 * bot's own user id. Tokens and passwords never reach the log. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/log.h"
#include "platform/matrix/matrix.h"
#include "store/core_tables.h"

#define LOGIN_KEY "login"

static void password_login(struct mx *mx);

static void give_up(struct mx *mx, const char *what, const struct mx_reply *reply)
{
    char *detail = mx_reply_detail_dup(reply);
    kith_log(KITH_LOG_ERROR, MX_PLATFORM, "%s failed (%s); the Matrix adapter stays offline", what,
             detail ? detail : kith_strerror(reply->err));
    free(detail);
    mx->phase = MX_FAILED;
}

static bool is_errcode(const struct mx_reply *reply, const char *errcode)
{
    return reply->errcode != NULL && strcmp(reply->errcode, errcode) == 0;
}

/* "!help@kith" then means this bot, and "!help@otherbot" is left alone. */
static void set_bot_username(struct mx *mx)
{
    const char *colon = strchr(mx->user_id, ':');
    const char *start = mx->user_id[0] == '@' ? mx->user_id + 1 : mx->user_id;
    size_t len = colon != NULL && colon > start ? (size_t)(colon - start) : strlen(start);
    char *local = strndup(start, len);
    if (local == NULL)
        return;
    kith_err err = kith_core_set_bot_username(mx->core, MX_PLATFORM, local);
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not record the bot's name: %s",
                 kith_strerror(err));
    free(local);
}

static void forget_stored_token(struct mx *mx)
{
    kith_err err = kith_db_state_set(mx->core->store, MX_STATE_SCOPE, LOGIN_KEY, "{}");
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not forget the stored token: %s",
                 kith_strerror(err));
    mx->token_stored = false;
}

static void on_whoami(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    (void)ud;
    if (reply->err == KITH_ERR_CANCELLED || mx->phase != MX_CONNECTING)
        return;
    if (reply->err != KITH_OK) {
        if (is_errcode(reply, "M_UNKNOWN_TOKEN") && mx->token_stored && mx->cfg->password) {
            kith_log(KITH_LOG_INFO, MX_PLATFORM,
                     "the stored access token is no longer valid; logging in again");
            forget_stored_token(mx);
            password_login(mx);
            return;
        }
        if (is_errcode(reply, "M_UNKNOWN_TOKEN") || is_errcode(reply, "M_MISSING_TOKEN")) {
            char *detail = mx_reply_detail_dup(reply);
            kith_log(KITH_LOG_ERROR, MX_PLATFORM,
                     "the homeserver rejected the access token (%s); the Matrix adapter stays "
                     "offline. Set a valid matrix.access_token and restart kithd.",
                     detail ? detail : "M_UNKNOWN_TOKEN");
            free(detail);
            mx->phase = MX_FAILED;
            return;
        }
        give_up(mx, "whoami", reply);
        return;
    }
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(reply->json, "user_id");
    if (!cJSON_IsString(user)) {
        kith_log(KITH_LOG_ERROR, MX_PLATFORM, "whoami answered without a user_id");
        mx->phase = MX_FAILED;
        return;
    }
    free(mx->user_id);
    mx->user_id = strdup(user->valuestring);
    if (mx->user_id == NULL) {
        mx->phase = MX_FAILED;
        return;
    }
    if (mx->cfg->user_id != NULL && strcmp(mx->cfg->user_id, mx->user_id) != 0)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "the token belongs to %s, not to %s (matrix.user_id)",
                 mx->user_id, mx->cfg->user_id);
    set_bot_username(mx);
    mx_connected(mx);
}

static void whoami(struct mx *mx)
{
    struct mx_request req = {.method = "GET",
                             .path = MX_CLIENT "/account/whoami",
                             .attempts = INT_MAX}; /* a homeserver that is down comes back */
    kith_err err = mx_call_start(mx, &req, on_whoami, NULL, NULL);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, MX_PLATFORM, "could not ask whoami: %s", kith_strerror(err));
        mx->phase = MX_FAILED;
    }
}

static void store_login(struct mx *mx, const cJSON *answer)
{
    cJSON *saved = cJSON_CreateObject();
    const cJSON *device = cJSON_GetObjectItemCaseSensitive(answer, "device_id");
    char *text = NULL;
    if (saved != NULL && cJSON_AddStringToObject(saved, "homeserver", mx->homeserver) &&
        cJSON_AddStringToObject(saved, "user_id", mx->cfg->user_id) &&
        cJSON_AddStringToObject(saved, "access_token", mx->token) &&
        (!cJSON_IsString(device) ||
         cJSON_AddStringToObject(saved, "device_id", device->valuestring)))
        text = cJSON_PrintUnformatted(saved);
    cJSON_Delete(saved);
    kith_err err = text != NULL
                       ? kith_db_state_set(mx->core->store, MX_STATE_SCOPE, LOGIN_KEY, text)
                       : KITH_ERR_NOMEM;
    free(text);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_WARN, MX_PLATFORM,
                 "could not store the access token (%s); kithd will log in again next start",
                 kith_strerror(err));
        return;
    }
    mx->token_stored = true;
}

static void on_login(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    (void)ud;
    if (reply->err == KITH_ERR_CANCELLED || mx->phase != MX_CONNECTING)
        return;
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(reply->json, "access_token");
    if (reply->err != KITH_OK || !cJSON_IsString(token)) {
        if (is_errcode(reply, "M_FORBIDDEN"))
            kith_log(KITH_LOG_ERROR, MX_PLATFORM,
                     "login as %s refused: wrong matrix.user_id or matrix.password; the Matrix "
                     "adapter stays offline",
                     mx->cfg->user_id);
        else
            give_up(mx, "login", reply);
        mx->phase = MX_FAILED;
        return;
    }
    if (mx_set_token(mx, token->valuestring) != KITH_OK) {
        mx->phase = MX_FAILED;
        return;
    }
    store_login(mx, reply->json);
    kith_log(KITH_LOG_INFO, MX_PLATFORM, "logged in as %s", mx->cfg->user_id);
    whoami(mx);
}

static void password_login(struct mx *mx)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *ident = cJSON_CreateObject();
    char *text = NULL;
    if (body != NULL && ident != NULL && cJSON_AddStringToObject(ident, "type", "m.id.user") &&
        cJSON_AddStringToObject(ident, "user", mx->cfg->user_id)) {
        cJSON_AddItemToObject(body, "identifier", ident);
        ident = NULL;
        if (cJSON_AddStringToObject(body, "type", "m.login.password") &&
            cJSON_AddStringToObject(body, "password", mx->cfg->password) &&
            cJSON_AddStringToObject(body, "initial_device_display_name", "kith"))
            text = cJSON_PrintUnformatted(body);
    }
    cJSON_Delete(ident);
    cJSON_Delete(body);
    struct mx_request req = {.method = "POST",
                             .path = MX_CLIENT "/login",
                             .body = text,
                             .anonymous = true,
                             .secret = mx->cfg->password,
                             .attempts = INT_MAX};
    kith_err err = text != NULL ? mx_call_start(mx, &req, on_login, NULL, NULL) : KITH_ERR_NOMEM;
    free(text);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, MX_PLATFORM, "could not log in: %s", kith_strerror(err));
        mx->phase = MX_FAILED;
    }
}

/* The token an earlier login stored, when it was for this homeserver and user. */
static bool use_stored_token(struct mx *mx)
{
    char *text = NULL;
    if (mx->cfg->user_id == NULL ||
        kith_db_state_get(mx->core->store, MX_STATE_SCOPE, LOGIN_KEY, &text) != KITH_OK)
        return false;
    cJSON *saved = cJSON_Parse(text);
    free(text);
    const cJSON *hs = cJSON_GetObjectItemCaseSensitive(saved, "homeserver");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(saved, "user_id");
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(saved, "access_token");
    bool ok = cJSON_IsString(hs) && cJSON_IsString(user) && cJSON_IsString(token) &&
              strcmp(hs->valuestring, mx->homeserver) == 0 &&
              strcmp(user->valuestring, mx->cfg->user_id) == 0 &&
              mx_set_token(mx, token->valuestring) == KITH_OK;
    cJSON_Delete(saved);
    mx->token_stored = ok;
    return ok;
}

kith_err mx_login_start(struct mx *mx)
{
    if (mx->cfg->access_token != NULL) {
        kith_err err = mx_set_token(mx, mx->cfg->access_token);
        if (err != KITH_OK)
            return err;
        whoami(mx);
    } else if (use_stored_token(mx)) {
        whoami(mx);
    } else {
        password_login(mx);
    }
    return mx->phase == MX_FAILED ? KITH_ERR_IO : KITH_OK;
}
