/* The fake's control routes (POST /_control/<name>, JSON bodies):
 *   update {...}         queue a raw update            -> {update_id, queued}
 *   message {...}        a member's message             -> {update_id, queued, message_id}
 *   callback {...}       a button press                 -> {update_id, queued, callback_id}
 *   poll_answer {...}    a vote (400 when Telegram would not send it) -> {update_id, queued}
 *   chat_member {...}    a status change                -> {update_id, queued}
 *   migrate {...}        a group becomes a supergroup   -> [update ids]
 *   chat {chat_id, type?, title?, owner?, admins?, bot_admin?, bot_can_delete?,
 *         bot_can_restrict?}                             -> the chat
 *   fault {method, kind, status?, description?, retry_after?, after_ms?, count?}
 *   flood {chat_id, seconds}   sends to the chat get 429 with retry_after until then
 *   state                the chats (messages, bans, restrictions), presses, polls, commands,
 *                        webhook and queued updates */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_telegram.h"

static void set_flag(const cJSON *body, const char *name, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    if (cJSON_IsBool(v))
        *out = cJSON_IsTrue(v);
}

static cJSON *setup_chat(struct tgf *tg, const cJSON *body, int *status_out)
{
    int64_t id = tgf_json_id(body, "chat_id");
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "type"));
    const char *title = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "title"));
    struct tgf_chat *c = id != 0 ? tgf_chat_get(tg, id, type) : NULL;
    if (c == NULL) {
        *status_out = 400;
        return cJSON_CreateString("chat_id is required");
    }
    if (title != NULL) {
        free(c->title);
        c->title = strdup(title);
    }
    if (cJSON_HasObjectItem(body, "owner"))
        c->owner = tgf_json_id(body, "owner");
    const cJSON *admins = cJSON_GetObjectItemCaseSensitive(body, "admins");
    if (cJSON_IsArray(admins)) {
        int n = cJSON_GetArraySize(admins);
        int64_t *list = calloc((size_t)(n > 0 ? n : 1), sizeof *list);
        for (int i = 0; list != NULL && i < n; i++)
            list[i] = (int64_t)cJSON_GetArrayItem(admins, i)->valuedouble;
        free(c->admins);
        c->admins = list;
        c->admin_count = list ? (size_t)n : 0;
    }
    set_flag(body, "bot_admin", &c->bot_admin);
    set_flag(body, "bot_can_delete", &c->bot_can_delete);
    set_flag(body, "bot_can_restrict", &c->bot_can_restrict);
    return tgf_chat_json(c);
}

static cJSON *flood(struct tgf *tg, const cJSON *body, int *status_out)
{
    struct tgf_chat *c = tgf_chat_find(tg, tgf_json_id(body, "chat_id"));
    int64_t seconds = tgf_json_id(body, "seconds");
    if (c == NULL || seconds <= 0) {
        *status_out = 400;
        return cJSON_CreateString("a known chat_id and seconds > 0 are required");
    }
    c->flood_until = tgf_ms(tg) + (uint64_t)seconds * 1000;
    return cJSON_CreateTrue();
}

static cJSON *chat_state(const struct tgf_chat *c)
{
    cJSON *s = tgf_chat_json(c);
    cJSON_AddItemToObject(s, "messages", cJSON_Duplicate(c->messages, true));
    cJSON_AddItemToObject(s, "bans", cJSON_Duplicate(c->bans, true));
    cJSON_AddItemToObject(s, "restrictions", cJSON_Duplicate(c->restrictions, true));
    if (c->migrated_to != 0)
        cJSON_AddItemToObject(s, "migrated_to", tgf_id_new(c->migrated_to));
    return s;
}

static cJSON *state(struct tgf *tg)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *chats = cJSON_AddObjectToObject(out, "chats");
    for (const struct tgf_chat *c = tg->chats; c != NULL; c = c->next) {
        char key[24];
        snprintf(key, sizeof key, "%" PRId64, c->id);
        cJSON_AddItemToObject(chats, key, chat_state(c));
    }
    cJSON_AddItemToObject(out, "callbacks", cJSON_Duplicate(tg->callbacks, true));
    cJSON_AddItemToObject(out, "polls", cJSON_Duplicate(tg->polls, true));
    cJSON_AddItemToObject(out, "commands", cJSON_Duplicate(tg->commands, true));
    cJSON *hook = cJSON_AddObjectToObject(out, "webhook");
    cJSON_AddStringToObject(hook, "url", tg->webhook_url ? tg->webhook_url : "");
    cJSON_AddBoolToObject(hook, "secret_set", tg->webhook_secret != NULL);
    cJSON_AddItemToObject(out, "updates", cJSON_Duplicate(tg->updates, true));
    return out;
}

cJSON *tgf_control(struct fake_server *srv, const char *name, const cJSON *body, int *status_out,
                   void *ud)
{
    struct tgf *tg = ud;
    (void)srv;
    if (strcmp(name, "state") == 0)
        return state(tg);
    if (strcmp(name, "update") == 0) {
        if (!cJSON_IsObject(body)) {
            *status_out = 400;
            return cJSON_CreateString("an update object is required");
        }
        int64_t id = tgf_update_queue(tg, cJSON_Duplicate(body, true));
        cJSON *out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "update_id", tgf_id_new(id));
        cJSON_AddBoolToObject(out, "queued", id >= 0);
        return out;
    }
    if (strcmp(name, "message") == 0)
        return tgf_inject_message(tg, body, status_out);
    if (strcmp(name, "callback") == 0)
        return tgf_inject_callback(tg, body, status_out);
    if (strcmp(name, "poll_answer") == 0)
        return tgf_inject_poll_answer(tg, body, status_out);
    if (strcmp(name, "chat_member") == 0)
        return tgf_inject_chat_member(tg, body, status_out);
    if (strcmp(name, "migrate") == 0)
        return tgf_inject_migration(tg, body, status_out);
    if (strcmp(name, "chat") == 0)
        return setup_chat(tg, body, status_out);
    if (strcmp(name, "fault") == 0)
        return tgf_fault_arm(tg, body, status_out);
    if (strcmp(name, "flood") == 0)
        return flood(tg, body, status_out);
    return NULL;
}
