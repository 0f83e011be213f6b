/* Updates a test makes happen, built as Telegram would send them: a member's message (with
 * the bot_command, mention and url entities Telegram adds), a button press, a poll answer, a
 * member's status change, and a group's move to a supergroup. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_telegram.h"

static cJSON *fail(int *status_out, const char *why)
{
    *status_out = 400;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "error", why);
    return out;
}

static cJSON *queued(struct tgf *tg, cJSON *update, const char *extra_name, cJSON *extra)
{
    int64_t id = tgf_update_queue(tg, update);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "update_id", tgf_id_new(id));
    cJSON_AddBoolToObject(out, "queued", id >= 0);
    if (extra_name != NULL)
        cJSON_AddItemToObject(out, extra_name, extra);
    else
        cJSON_Delete(extra);
    return out;
}

static cJSON *member_json(const cJSON *body, const char *id_key)
{
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "from_name"));
    const char *username = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "username"));
    cJSON *u = tgf_user_json(tgf_json_id(body, id_key), name);
    if (username != NULL)
        cJSON_AddStringToObject(u, "username", username);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "is_bot")))
        cJSON_ReplaceItemInObject(u, "is_bot", cJSON_CreateTrue());
    return u;
}

/* ---- Messages. ---- */

static void add_entity(cJSON *list, const char *type, const char *text, size_t start, size_t end)
{
    char *before = strndup(text, start), *inside = strndup(text + start, end - start);
    if (before != NULL && inside != NULL) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "type", type);
        cJSON_AddNumberToObject(e, "offset", (double)tgf_utf16_len(before));
        cJSON_AddNumberToObject(e, "length", (double)tgf_utf16_len(inside));
        cJSON_AddItemToArray(list, e);
    }
    free(before);
    free(inside);
}

/* What Telegram marks in a member's text: a leading /command, @mentions and links. */
static cJSON *entities_new(const char *text)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; text[i] != '\0';) {
        if (isspace((unsigned char)text[i])) {
            i++;
            continue;
        }
        size_t end = i;
        while (text[end] != '\0' && !isspace((unsigned char)text[end]))
            end++;
        if (i == 0 && text[0] == '/')
            add_entity(list, "bot_command", text, i, end);
        else if (text[i] == '@' && end > i + 1)
            add_entity(list, "mention", text, i, end);
        else if (strncmp(text + i, "http://", 7) == 0 || strncmp(text + i, "https://", 8) == 0)
            add_entity(list, "url", text, i, end);
        i = end;
    }
    return list;
}

static void fill_message(struct tgf *tg, struct tgf_chat *c, cJSON *msg, const cJSON *body)
{
    (void)tg;
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "text"));
    int64_t reply_to = tgf_json_id(body, "reply_to"), thread = tgf_json_id(body, "thread_id");
    int64_t sender_chat = tgf_json_id(body, "sender_chat_id");
    cJSON_ReplaceItemInObject(msg, "from", member_json(body, "from_id"));
    if (text != NULL) {
        cJSON_AddStringToObject(msg, "text", text);
        cJSON *entities = entities_new(text);
        if (cJSON_GetArraySize(entities) > 0)
            cJSON_AddItemToObject(msg, "entities", entities);
        else
            cJSON_Delete(entities);
    }
    const cJSON *replied = reply_to ? tgf_message_find(c, reply_to) : NULL;
    if (replied != NULL)
        cJSON_AddItemToObject(
            msg, "reply_to_message",
            cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(replied, "message"), true));
    if (thread > 0) {
        cJSON_AddItemToObject(msg, "message_thread_id", tgf_id_new(thread));
        cJSON_AddTrueToObject(msg, "is_topic_message");
    }
    if (sender_chat != 0)
        cJSON_AddItemToObject(msg, "sender_chat", tgf_chat_json(c));
    const cJSON *joined = cJSON_GetObjectItemCaseSensitive(body, "new_chat_members");
    if (cJSON_IsArray(joined)) {
        cJSON *list = cJSON_AddArrayToObject(msg, "new_chat_members");
        const cJSON *id;
        cJSON_ArrayForEach(id, joined)
        {
            cJSON_AddItemToArray(list, tgf_user_json((int64_t)id->valuedouble, "Newcomer"));
        }
    }
    if (tgf_json_id(body, "left_member") != 0)
        cJSON_AddItemToObject(msg, "left_chat_member",
                              tgf_user_json(tgf_json_id(body, "left_member"), "Leaver"));
}

/* {chat_id, chat_type?, title?, from_id, from_name?, username?, is_bot?, text?, date?,
 *  reply_to?, thread_id?, sender_chat_id?, new_chat_members?, left_member?} */
cJSON *tgf_inject_message(struct tgf *tg, const cJSON *body, int *status_out)
{
    int64_t chat_id = tgf_json_id(body, "chat_id"), from = tgf_json_id(body, "from_id");
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "chat_type"));
    const char *title = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "title"));
    if (chat_id == 0 || from == 0)
        return fail(status_out, "chat_id and from_id are required");
    struct tgf_chat *c = tgf_chat_get(tg, chat_id, type);
    if (c == NULL)
        return fail(status_out, "out of memory");
    if (title != NULL) {
        free(c->title);
        c->title = strdup(title);
    }
    if (strcmp(c->type, "private") == 0)
        cJSON_AddItemToArray(tg->private_users, cJSON_CreateNumber((double)from));
    int64_t date = tgf_json_id(body, "date");
    cJSON *entry = tgf_message_add(c, from, false, date ? date : tgf_now_s());
    cJSON *msg = cJSON_GetObjectItemCaseSensitive(entry, "message");
    fill_message(tg, c, msg, body);
    cJSON *update = cJSON_CreateObject();
    cJSON_AddItemToObject(update, "message", cJSON_Duplicate(msg, true));
    return queued(tg, update, "message_id", tgf_id_new(tgf_json_id(msg, "message_id")));
}

/* ---- Presses, votes, members. ---- */

/* {chat_id, message_id, from_id, data} */
cJSON *tgf_inject_callback(struct tgf *tg, const cJSON *body, int *status_out)
{
    struct tgf_chat *c = tgf_chat_find(tg, tgf_json_id(body, "chat_id"));
    const cJSON *entry = c ? tgf_message_find(c, tgf_json_id(body, "message_id")) : NULL;
    const char *data = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "data"));
    if (entry == NULL || data == NULL || tgf_json_id(body, "from_id") == 0)
        return fail(status_out, "a known chat_id and message_id, from_id and data are required");
    char id[32];
    snprintf(id, sizeof id, "%" PRId64 "%06" PRId64, tgf_now_s(), tg->next_callback++);
    cJSON *record = cJSON_CreateObject();
    cJSON_AddFalseToObject(record, "answered");
    cJSON_AddStringToObject(record, "data", data);
    cJSON_AddItemToObject(tg->callbacks, id, record);
    cJSON *press = cJSON_CreateObject();
    cJSON_AddStringToObject(press, "id", id);
    cJSON_AddItemToObject(press, "from", member_json(body, "from_id"));
    cJSON_AddItemToObject(
        press, "message",
        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(entry, "message"), true));
    cJSON_AddStringToObject(press, "chat_instance", "-8416350726134431044");
    cJSON_AddStringToObject(press, "data", data);
    cJSON *update = cJSON_CreateObject();
    cJSON_AddItemToObject(update, "callback_query", press);
    return queued(tg, update, "callback_id", cJSON_CreateString(id));
}

/* {poll_id, from_id, option_ids, voter_chat_id?}: refused as Telegram would never send it (a
 * closed or anonymous poll, a bad option); a poll id the fake did not make is passed along as
 * given. voter_chat_id: an anonymous admin voting as that chat (Telegram then names the
 * stand-in user @Channel_Bot, whatever from_id says). */
cJSON *tgf_inject_poll_answer(struct tgf *tg, const cJSON *body, int *status_out)
{
    const char *poll = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "poll_id"));
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(body, "option_ids");
    int64_t voter_chat = tgf_json_id(body, "voter_chat_id");
    struct tgf_chat *as_chat = voter_chat != 0 ? tgf_chat_find(tg, voter_chat) : NULL;
    if (poll == NULL || !cJSON_IsArray(options) || tgf_json_id(body, "from_id") == 0)
        return fail(status_out, "poll_id, from_id and option_ids are required");
    if (voter_chat != 0 && as_chat == NULL)
        return fail(status_out, "voter_chat_id must be a known chat");
    const char *refused =
        tgf_poll_vote(tg, poll, as_chat ? voter_chat : tgf_json_id(body, "from_id"), options);
    if (refused != NULL)
        return fail(status_out, refused);
    cJSON *answer = cJSON_CreateObject();
    cJSON_AddStringToObject(answer, "poll_id", poll);
    if (as_chat != NULL) {
        cJSON_AddItemToObject(answer, "voter_chat", tgf_chat_json(as_chat));
        cJSON_AddItemToObject(answer, "user", tgf_user_json(TGF_CHANNEL_BOT_ID, "Channel"));
    } else {
        cJSON_AddItemToObject(answer, "user", member_json(body, "from_id"));
    }
    cJSON_AddItemToObject(answer, "option_ids", cJSON_Duplicate(options, true));
    cJSON *update = cJSON_CreateObject();
    cJSON_AddItemToObject(update, "poll_answer", answer);
    return queued(tg, update, NULL, NULL);
}

static void set_admin(struct tgf_chat *c, int64_t user, bool admin)
{
    size_t w = 0;
    for (size_t i = 0; i < c->admin_count; i++)
        if (c->admins[i] != user)
            c->admins[w++] = c->admins[i];
    c->admin_count = w;
    if (!admin)
        return;
    int64_t *grown = realloc(c->admins, (c->admin_count + 1) * sizeof *grown);
    if (grown != NULL) {
        c->admins = grown;
        c->admins[c->admin_count++] = user;
    }
}

/* {chat_id, user_id, old_status, new_status}: the bot itself gives my_chat_member. */
cJSON *tgf_inject_chat_member(struct tgf *tg, const cJSON *body, int *status_out)
{
    struct tgf_chat *c = tgf_chat_find(tg, tgf_json_id(body, "chat_id"));
    int64_t user = tgf_json_id(body, "user_id");
    const char *old_status =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "old_status"));
    const char *new_status =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "new_status"));
    if (c == NULL || user == 0 || old_status == NULL || new_status == NULL)
        return fail(status_out, "a known chat_id, user_id, old_status, new_status are required");
    bool admin = strcmp(new_status, "administrator") == 0;
    if (user == TGF_BOT_ID) {
        c->bot_admin = c->bot_can_delete = c->bot_can_restrict = admin;
    } else {
        set_admin(c, user, admin);
    }
    cJSON *change = cJSON_CreateObject();
    cJSON_AddItemToObject(change, "chat", tgf_chat_json(c));
    cJSON_AddItemToObject(change, "from", tgf_user_json(c->owner ? c->owner : user, "Admin"));
    cJSON_AddItemToObject(change, "date", tgf_id_new(tgf_now_s()));
    const char *states[2] = {old_status, new_status};
    const char *keys[2] = {"old_chat_member", "new_chat_member"};
    for (int i = 0; i < 2; i++) {
        cJSON *m = cJSON_AddObjectToObject(change, keys[i]);
        cJSON_AddStringToObject(m, "status", states[i]);
        cJSON_AddItemToObject(m, "user", tgf_user_json(user, "Member"));
    }
    cJSON *update = cJSON_CreateObject();
    cJSON_AddItemToObject(update, user == TGF_BOT_ID ? "my_chat_member" : "chat_member", change);
    return queued(tg, update, NULL, NULL);
}

/* {chat_id, to_chat_id}: the group becomes a supergroup; both service messages are sent. */
cJSON *tgf_inject_migration(struct tgf *tg, const cJSON *body, int *status_out)
{
    struct tgf_chat *old = tgf_chat_find(tg, tgf_json_id(body, "chat_id"));
    int64_t to = tgf_json_id(body, "to_chat_id");
    if (old == NULL || to == 0 || old->migrated_to != 0)
        return fail(status_out, "a known, not yet migrated chat_id and to_chat_id are required");
    struct tgf_chat *c = tgf_chat_get(tg, to, "supergroup");
    if (c == NULL)
        return fail(status_out, "out of memory");
    free(c->title);
    c->title = old->title ? strdup(old->title) : NULL;
    c->owner = old->owner;
    for (size_t i = 0; i < old->admin_count; i++)
        set_admin(c, old->admins[i], true);
    c->bot_admin = old->bot_admin;
    c->bot_can_delete = old->bot_can_delete;
    c->bot_can_restrict = old->bot_can_restrict;
    old->migrated_to = to;
    cJSON *ids = cJSON_CreateArray();
    struct tgf_chat *chats[2] = {old, c};
    for (int i = 0; i < 2; i++) {
        cJSON *entry = tgf_message_add(chats[i], old->owner ? old->owner : 1, false, tgf_now_s());
        cJSON *msg = cJSON_GetObjectItemCaseSensitive(entry, "message");
        cJSON_AddItemToObject(msg, i == 0 ? "migrate_to_chat_id" : "migrate_from_chat_id",
                              tgf_id_new(i == 0 ? to : old->id));
        cJSON *update = cJSON_CreateObject();
        cJSON_AddItemToObject(update, "message", cJSON_Duplicate(msg, true));
        cJSON_AddItemToArray(ids, tgf_id_new(tgf_update_queue(tg, update)));
    }
    return ids;
}
