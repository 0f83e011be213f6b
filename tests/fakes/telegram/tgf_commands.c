/* The bot's command lists of the fake: setMyCommands, getMyCommands and deleteMyCommands per
 * scope (default, all private/group chats, one chat, ...), with Telegram's rules for names
 * ([a-z0-9_]{1,32}) and descriptions (1 to 256 characters), at most 100 commands. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fake_telegram.h"

#define COMMANDS_MAX 100

static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '_'))
            return false;
    return true;
}

static const char *commands_problem(const cJSON *commands)
{
    if (!cJSON_IsArray(commands))
        return "Bad Request: can't parse commands JSON object";
    if (cJSON_GetArraySize(commands) > COMMANDS_MAX)
        return "Bad Request: too many commands specified";
    const cJSON *c;
    cJSON_ArrayForEach(c, commands)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "command");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(c, "description");
        if (!cJSON_IsString(name) || !name_ok(name->valuestring))
            return "Bad Request: BOT_COMMAND_INVALID";
        if (!cJSON_IsString(text) || text->valuestring[0] == '\0' ||
            tgf_utf16_len(text->valuestring) > 256)
            return "Bad Request: command description must be non-empty and at most 256 long";
    }
    return NULL;
}

/* "default", "all_group_chats", "chat:-100123", ... plus ":<language>" when given. */
static bool scope_key(struct tgf *tg, struct fake_request *req, const cJSON *args, char *key,
                      size_t size)
{
    cJSON *scope = tgf_arg_json_dup(args, "scope");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(scope, "type");
    const char *lang = tgf_arg_str(args, "language_code");
    const char *name = cJSON_IsString(type) ? type->valuestring : "default";
    int64_t chat = tgf_json_id(scope, "chat_id");
    bool needs_chat = strncmp(name, "chat", 4) == 0;
    bool ok = true;
    if (needs_chat && (chat == 0 || tgf_chat_find(tg, chat) == NULL)) {
        tgf_error(req, 400, "Bad Request: chat not found");
        ok = false;
    } else if (needs_chat) {
        snprintf(key, size, "%s:%" PRId64 "%s%s", name, chat, lang ? ":" : "", lang ? lang : "");
    } else {
        snprintf(key, size, "%s%s%s", name, lang ? ":" : "", lang ? lang : "");
    }
    cJSON_Delete(scope);
    return ok;
}

void tgf_set_commands(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    char key[128];
    if (!scope_key(tg, req, args, key, sizeof key))
        return;
    cJSON *commands = tgf_arg_json_dup(args, "commands");
    if (commands != NULL || cJSON_HasObjectItem(args, "commands")) {
        const char *problem = commands_problem(commands);
        if (problem != NULL) {
            cJSON_Delete(commands);
            tgf_error(req, 400, problem);
            return;
        }
    }
    cJSON_DeleteItemFromObjectCaseSensitive(tg->commands, key);
    if (cJSON_GetArraySize(commands) > 0) /* deleteMyCommands, or an empty list: none */
        cJSON_AddItemToObject(tg->commands, key, commands);
    else
        cJSON_Delete(commands);
    tgf_ok(req, cJSON_CreateTrue());
}

void tgf_get_commands(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    char key[128];
    if (!scope_key(tg, req, args, key, sizeof key))
        return;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(tg->commands, key);
    tgf_ok(req, list ? cJSON_Duplicate(list, true) : cJSON_CreateArray());
}
