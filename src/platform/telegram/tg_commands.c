/* The command list members see when they type "/": setMyCommands for each group with the
 * plugins enabled there, and kith's own commands under the default scope for every chat. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/telegram/tg_internal.h"

#define COMMANDS_MAX 100
#define NAME_MAX_LEN 32
#define DESCRIPTION_MAX 256

/* Telegram's rule for command names: [a-z0-9_]{1,32}. */
static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static kith_err add_command(cJSON *list, const struct kith_command_decl *decl)
{
    const char *description =
        decl->description && decl->description[0] ? decl->description : decl->name;
    char *cut = strndup(description, tg_utf8_prefix(description, DESCRIPTION_MAX));
    cJSON *item = cJSON_CreateObject();
    kith_err err = cut && item && cJSON_AddItemToArray(list, item) ? KITH_OK : KITH_ERR_NOMEM;
    if (err != KITH_OK)
        cJSON_Delete(item);
    if (err == KITH_OK && (cJSON_AddStringToObject(item, "command", decl->name) == NULL ||
                           cJSON_AddStringToObject(item, "description", cut) == NULL))
        err = KITH_ERR_NOMEM;
    free(cut);
    return err;
}

static cJSON *commands_params_new(const struct kith_command_decl *const *commands, size_t count)
{
    cJSON *params = cJSON_CreateObject();
    cJSON *list = params ? cJSON_AddArrayToObject(params, "commands") : NULL;
    if (list == NULL) {
        cJSON_Delete(params);
        return NULL;
    }
    size_t added = 0;
    for (size_t i = 0; i < count && added < COMMANDS_MAX; i++) {
        if (!valid_name(commands[i]->name)) {
            kith_log(KITH_LOG_WARN, "telegram",
                     "/%s cannot be a Telegram command; typed "
                     "it still works",
                     commands[i]->name);
            continue;
        }
        if (add_command(list, commands[i]) != KITH_OK) {
            cJSON_Delete(params);
            return NULL;
        }
        added++;
    }
    return params;
}

static void log_refusal(const struct tg_reply *reply)
{
    if (reply->err == KITH_OK || reply->err == KITH_ERR_CANCELLED)
        return;
    char *detail = tg_error_detail_dup("setMyCommands", reply);
    kith_log(KITH_LOG_WARN, "telegram", "%s", detail ? detail : kith_strerror(reply->err));
    free(detail);
}

static void default_registered(struct tg *tg, const struct tg_reply *reply, void *ud)
{
    (void)tg;
    (void)ud;
    log_refusal(reply);
}

static struct tg_cmd_chat *cmd_chat(struct tg *tg, int64_t chat)
{
    for (struct tg_cmd_chat *c = tg->cmd_chats; c != NULL; c = c->next)
        if (c->chat == chat)
            return c;
    struct tg_cmd_chat *c = calloc(1, sizeof *c);
    if (c != NULL) {
        c->chat = chat;
        c->next = tg->cmd_chats;
        tg->cmd_chats = c;
    }
    return c;
}

static void chat_registered(struct tg *tg, const struct tg_reply *reply, void *ud)
{
    struct tg_cmd_chat *c = ud;
    log_refusal(reply);
    c->in_flight = false;
    if (!c->again || reply->err == KITH_ERR_CANCELLED || tg->destroying)
        return;
    c->again = false;
    char server_id[TG_ID_MAX];
    tg_format_id(server_id, sizeof server_id, c->chat);
    kith_core_commands_changed(tg->core, server_id); /* the list as it is now */
}

kith_err tg_op_register_commands(struct kith_platform *p, const char *server_id,
                                 const struct kith_command_decl *const *commands, size_t count)
{
    struct tg *tg = tg_of(p);
    int64_t chat = 0;
    if (!tg_parse_chat(server_id, &chat, NULL))
        return KITH_ERR_INVALID;
    if (tg->destroying)
        return KITH_ERR_BUSY;
    struct tg_cmd_chat *c = cmd_chat(tg, chat);
    if (c == NULL)
        return KITH_ERR_NOMEM;
    if (c->in_flight) {
        c->again = true;
        return KITH_OK;
    }
    cJSON *params = commands_params_new(commands, count);
    cJSON *scope = params ? cJSON_AddObjectToObject(params, "scope") : NULL;
    kith_err err = scope && cJSON_AddStringToObject(scope, "type", "chat") != NULL
                       ? tg_json_add_int(scope, "chat_id", chat)
                       : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = tg_call_json(tg, "setMyCommands", params, 0, chat_registered, c);
    cJSON_Delete(params);
    c->in_flight = err == KITH_OK;
    return err;
}

void tg_commands_free(struct tg *tg)
{
    while (tg->cmd_chats != NULL) {
        struct tg_cmd_chat *c = tg->cmd_chats;
        tg->cmd_chats = c->next;
        free(c);
    }
}

void tg_register_default_commands(struct tg *tg)
{
    const struct kith_command_decl **commands = NULL;
    size_t count = 0;
    kith_err err = kith_core_server_commands(tg->core, NULL, &commands, &count);
    cJSON *params = err == KITH_OK ? commands_params_new(commands, count) : NULL;
    if (params != NULL)
        err = tg_call_json(tg, "setMyCommands", params, 0, default_registered, NULL);
    else if (err == KITH_OK)
        err = KITH_ERR_NOMEM;
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, "telegram", "the default command list was not set: %s",
                 kith_strerror(err));
    cJSON_Delete(params);
    free(commands);
}
