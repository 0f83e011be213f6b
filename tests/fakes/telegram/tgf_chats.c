/* Chats of the fake: their type, owner and admins (and the bot's own rights), groups moved to
 * supergroups, and the moderation methods with Telegram's refusals (rights, owners and admins,
 * basic groups, private chats). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_telegram.h"

#define SUPERGROUP_BELOW (-1000000000000LL) /* supergroup ids are -100xxxxxxxxxx */

struct tgf_chat *tgf_chat_find(struct tgf *tg, int64_t id)
{
    for (struct tgf_chat *c = tg->chats; c != NULL; c = c->next)
        if (c->id == id)
            return c;
    return NULL;
}

struct tgf_chat *tgf_chat_get(struct tgf *tg, int64_t id, const char *type)
{
    struct tgf_chat *c = tgf_chat_find(tg, id);
    if (c != NULL) {
        if (type != NULL)
            snprintf(c->type, sizeof c->type, "%s", type);
        return c;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->id = id;
    snprintf(c->type, sizeof c->type, "%s",
             type                    ? type
             : id > 0                ? "private"
             : id < SUPERGROUP_BELOW ? "supergroup"
                                     : "group");
    if (asprintf(&c->title, "Group %" PRId64, id) < 0)
        c->title = NULL;
    c->next_message_id = 1;
    c->messages = cJSON_CreateArray();
    c->bans = cJSON_CreateObject();
    c->restrictions = cJSON_CreateObject();
    c->next = tg->chats;
    tg->chats = c;
    return c;
}

bool tgf_chat_is_admin(const struct tgf_chat *c, int64_t user)
{
    if (user == c->owner && user != 0)
        return true;
    for (size_t i = 0; i < c->admin_count; i++)
        if (c->admins[i] == user)
            return true;
    return user == TGF_BOT_ID && c->bot_admin;
}

cJSON *tgf_user_json(int64_t id, const char *name)
{
    cJSON *u = cJSON_CreateObject();
    cJSON_AddItemToObject(u, "id", tgf_id_new(id));
    cJSON_AddFalseToObject(u, "is_bot");
    cJSON_AddStringToObject(u, "first_name", name ? name : "Member");
    return u;
}

cJSON *tgf_chat_json(const struct tgf_chat *c)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddItemToObject(j, "id", tgf_id_new(c->id));
    cJSON_AddStringToObject(j, "type", c->type);
    if (strcmp(c->type, "private") == 0)
        cJSON_AddStringToObject(j, "first_name", "Member");
    else
        cJSON_AddStringToObject(j, "title", c->title ? c->title : "Group");
    return j;
}

static bool opened_private(const struct tgf *tg, int64_t user)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, tg->private_users)
    {
        if ((int64_t)item->valuedouble == user)
            return true;
    }
    return false;
}

struct tgf_chat *tgf_chat_for(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    int64_t id = 0;
    if (!tgf_arg_int(args, "chat_id", &id) || id == 0) {
        tgf_error(req, 400,
                  tgf_arg_str(args, "chat_id") ? "Bad Request: chat not found"
                                               : "Bad Request: chat_id is empty");
        return NULL;
    }
    struct tgf_chat *c = tgf_chat_find(tg, id);
    if (c == NULL && id > 0 && opened_private(tg, id))
        c = tgf_chat_get(tg, id, "private");
    if (c == NULL) {
        if (id > 0)
            tgf_error(req, 403, "Forbidden: bot can't initiate conversation with a user");
        else
            tgf_error(req, 400, "Bad Request: chat not found");
        return NULL;
    }
    if (c->migrated_to != 0) {
        tgf_error_params(req, 400, "Bad Request: group chat was upgraded to a supergroup chat", 0,
                         c->migrated_to);
        return NULL;
    }
    return c;
}

/* ---- getChatAdministrators. ---- */

static cJSON *admin_json(int64_t user, bool owner, bool can_delete, bool can_restrict)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "status", owner ? "creator" : "administrator");
    cJSON *u = tgf_user_json(user, user == TGF_BOT_ID ? "Kith Test" : "Admin");
    if (user == TGF_BOT_ID)
        cJSON_ReplaceItemInObject(u, "is_bot", cJSON_CreateTrue());
    cJSON_AddItemToObject(m, "user", u);
    cJSON_AddFalseToObject(m, "is_anonymous");
    if (!owner) {
        cJSON_AddBoolToObject(m, "can_be_edited", user == TGF_BOT_ID ? 0 : 1);
        cJSON_AddTrueToObject(m, "can_manage_chat");
        cJSON_AddBoolToObject(m, "can_delete_messages", can_delete);
        cJSON_AddBoolToObject(m, "can_restrict_members", can_restrict);
        cJSON_AddFalseToObject(m, "can_promote_members");
        cJSON_AddTrueToObject(m, "can_change_info");
        cJSON_AddTrueToObject(m, "can_invite_users");
        cJSON_AddTrueToObject(m, "can_pin_messages");
    }
    return m;
}

void tgf_get_admins(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    struct tgf_chat *c = tgf_chat_for(tg, req, args);
    if (c == NULL)
        return;
    if (strcmp(c->type, "private") == 0) {
        tgf_error(req, 400, "Bad Request: there are no administrators in the private chat");
        return;
    }
    cJSON *list = cJSON_CreateArray();
    if (c->owner != 0)
        cJSON_AddItemToArray(list, admin_json(c->owner, true, true, true));
    for (size_t i = 0; i < c->admin_count; i++)
        cJSON_AddItemToArray(list, admin_json(c->admins[i], false, true, true));
    if (c->bot_admin)
        cJSON_AddItemToArray(list,
                             admin_json(TGF_BOT_ID, false, c->bot_can_delete, c->bot_can_restrict));
    tgf_ok(req, list);
}

/* ---- Moderation. ---- */

static bool all_true(const cJSON *perms)
{
    const cJSON *item;
    bool any = false;
    cJSON_ArrayForEach(item, perms)
    {
        if (!cJSON_IsTrue(item))
            return false;
        any = true;
    }
    return any;
}

static void set_member(cJSON *obj, int64_t user, cJSON *value /* taken, NULL removes */)
{
    char key[24];
    snprintf(key, sizeof key, "%" PRId64, user);
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (value != NULL)
        cJSON_AddItemToObject(obj, key, value);
}

/* Telegram's refusals, in its order; NULL when the action may go ahead. */
static const char *refusal(const struct tgf_chat *c, const char *method, int64_t user)
{
    if (strcmp(c->type, "private") == 0)
        return "Bad Request: method is available for supergroup and channel chats only";
    if (strcmp(method, "restrictchatmember") == 0 && strcmp(c->type, "supergroup") != 0)
        return "Bad Request: method is available only for supergroups";
    if (!c->bot_admin || !c->bot_can_restrict)
        return "Bad Request: not enough rights to restrict/unrestrict chat member";
    if (user == TGF_BOT_ID)
        return "Bad Request: can't restrict self";
    if (user == c->owner)
        return "Bad Request: can't remove chat owner";
    if (tgf_chat_is_admin(c, user) && strcmp(method, "unbanchatmember") != 0)
        return "Bad Request: user is an administrator of the chat";
    return NULL;
}

void tgf_moderate(struct tgf *tg, struct fake_request *req, const char *method, const cJSON *args)
{
    struct tgf_chat *c = tgf_chat_for(tg, req, args);
    int64_t user = 0, until = 0;
    if (c == NULL)
        return;
    if (!tgf_arg_int(args, "user_id", &user) || user <= 0) {
        tgf_error(req, 400, "Bad Request: invalid user_id specified");
        return;
    }
    const char *why = refusal(c, method, user);
    if (why != NULL) {
        tgf_error(req, 400, why);
        return;
    }
    tgf_arg_int(args, "until_date", &until);
    if (strcmp(method, "banchatmember") == 0) {
        set_member(c->restrictions, user, NULL);
        set_member(c->bans, user, tgf_id_new(until));
    } else if (strcmp(method, "unbanchatmember") == 0) {
        set_member(c->bans, user, NULL);
    } else {
        cJSON *perms = tgf_arg_json_dup(args, "permissions");
        if (!cJSON_IsObject(perms)) {
            cJSON_Delete(perms);
            tgf_error(req, 400, "Bad Request: invalid permissions specified");
            return;
        }
        cJSON *entry = NULL;
        if (!all_true(perms)) {
            entry = cJSON_CreateObject();
            cJSON_AddItemToObject(entry, "until_date", tgf_id_new(until));
            cJSON_AddItemToObject(entry, "permissions", perms);
            perms = NULL;
        }
        cJSON_Delete(perms);
        set_member(c->restrictions, user, entry);
    }
    tgf_ok(req, cJSON_CreateTrue());
}

void tgf_chats_free(struct tgf *tg)
{
    while (tg->chats != NULL) {
        struct tgf_chat *c = tg->chats;
        tg->chats = c->next;
        free(c->title);
        free(c->admins);
        cJSON_Delete(c->messages);
        cJSON_Delete(c->bans);
        cJSON_Delete(c->restrictions);
        free(c);
    }
}
