/* Messages of the fake: sendMessage and sendDocument with Telegram's checks (length, entities,
 * inline keyboards and their 64-byte callback data, replies), flood limits per chat and
 * overall, edits ("message is not modified"), and deletion within the 48-hour window. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_telegram.h"

#define CAPTION_MAX 1024
#define CALLBACK_DATA_MAX 64
#define BUTTONS_MAX 100

size_t tgf_utf16_len(const char *s)
{
    size_t units = 0;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c & 0xC0) != 0x80)
            units += c >= 0xF0 ? 2 : 1;
    }
    return units;
}

/* ---- History. ---- */

cJSON *tgf_message_add(struct tgf_chat *c, int64_t from, bool from_bot, int64_t date)
{
    cJSON *entry = cJSON_CreateObject();
    cJSON *msg = cJSON_CreateObject();
    int64_t id = c->next_message_id++;
    cJSON_AddItemToObject(entry, "message_id", tgf_id_new(id));
    cJSON_AddItemToObject(entry, "date", tgf_id_new(date));
    cJSON_AddBoolToObject(entry, "from_bot", from_bot);
    cJSON_AddFalseToObject(entry, "deleted");
    cJSON_AddItemToObject(msg, "message_id", tgf_id_new(id));
    cJSON *user = tgf_user_json(from, from_bot ? "Kith Test" : "Member");
    if (from_bot)
        cJSON_ReplaceItemInObject(user, "is_bot", cJSON_CreateTrue());
    cJSON_AddItemToObject(msg, "from", user);
    cJSON_AddItemToObject(msg, "chat", tgf_chat_json(c));
    cJSON_AddItemToObject(msg, "date", tgf_id_new(date));
    cJSON_AddItemToObject(entry, "message", msg);
    cJSON_AddItemToArray(c->messages, entry);
    return entry;
}

cJSON *tgf_message_find(const struct tgf_chat *c, int64_t message_id)
{
    cJSON *entry;
    cJSON_ArrayForEach(entry, c->messages)
    {
        if (tgf_json_id(entry, "message_id") == message_id)
            return entry;
    }
    return NULL;
}

/* ---- Limits. ---- */

static void flood_answer(struct fake_request *req, uint64_t wait_ms)
{
    int seconds = (int)((wait_ms + 999) / 1000);
    char text[80];
    snprintf(text, sizeof text, "Too Many Requests: retry after %d", seconds);
    tgf_error_params(req, 429, text, seconds, 0);
}

bool tgf_flood_check(struct tgf *tg, struct tgf_chat *c, struct fake_request *req)
{
    uint64_t now = tgf_ms(tg);
    if (c->flood_until > now) {
        flood_answer(req, c->flood_until - now);
        return true;
    }
    uint64_t oldest = c->sends[c->send_pos];
    if (strcmp(c->type, "private") != 0 && oldest != 0 && now - oldest < 60000) {
        flood_answer(req, oldest + 60000 - now);
        return true;
    }
    uint64_t global_oldest = tg->global_sends[tg->global_pos];
    if (global_oldest != 0 && now - global_oldest < 1000) {
        flood_answer(req, global_oldest + 1000 - now);
        return true;
    }
    c->sends[c->send_pos] = now;
    c->send_pos = (c->send_pos + 1) % TGF_GROUP_PER_MINUTE;
    tg->global_sends[tg->global_pos] = now;
    tg->global_pos = (tg->global_pos + 1) % TGF_GLOBAL_PER_SECOND;
    return false;
}

/* ---- Checks. ---- */

static const char *button_problem(const cJSON *b)
{
    const char *text = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, "text"))
                           ? cJSON_GetObjectItemCaseSensitive(b, "text")->valuestring
                           : NULL;
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(b, "callback_data");
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(b, "url");
    if (text == NULL || text[0] == '\0')
        return "Bad Request: can't parse inline keyboard button: Text must be non-empty";
    if ((data != NULL) == (url != NULL))
        return "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in "
               "the inline keyboard";
    if (data != NULL && (!cJSON_IsString(data) || data->valuestring[0] == '\0' ||
                         strlen(data->valuestring) > CALLBACK_DATA_MAX))
        return "Bad Request: BUTTON_DATA_INVALID";
    if (url != NULL && !cJSON_IsString(url))
        return "Bad Request: BUTTON_URL_INVALID";
    return NULL;
}

bool tgf_markup_ok(struct fake_request *req, const cJSON *markup)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(markup, "inline_keyboard");
    if (!cJSON_IsObject(markup) || (rows != NULL && !cJSON_IsArray(rows))) {
        tgf_error(req, 400, "Bad Request: can't parse reply keyboard markup JSON object");
        return false;
    }
    int total = 0;
    const cJSON *row, *b;
    cJSON_ArrayForEach(row, rows)
    {
        if (!cJSON_IsArray(row)) {
            tgf_error(req, 400, "Bad Request: can't parse inline keyboard: row is not an array");
            return false;
        }
        cJSON_ArrayForEach(b, row)
        {
            const char *problem = button_problem(b);
            if (problem == NULL && ++total > BUTTONS_MAX)
                problem = "Bad Request: reply markup is too long";
            if (problem != NULL) {
                tgf_error(req, 400, problem);
                return false;
            }
        }
    }
    return true;
}

static bool entities_ok(struct fake_request *req, const cJSON *entities, const char *text)
{
    size_t len = tgf_utf16_len(text);
    const cJSON *e;
    cJSON_ArrayForEach(e, entities)
    {
        int64_t offset = tgf_json_id(e, "offset"), length = tgf_json_id(e, "length");
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "type")) || offset < 0 ||
            length <= 0 || (size_t)(offset + length) > len) {
            tgf_error(req, 400,
                      "Bad Request: can't parse entities: entity beyond the end of "
                      "the text");
            return false;
        }
    }
    return true;
}

/* The reply target named by reply_parameters (or reply_to_message_id); false after an error. */
static bool reply_ok(struct fake_request *req, const struct tgf_chat *c, const cJSON *args,
                     cJSON **reply_out)
{
    cJSON *rp = tgf_arg_json_dup(args, "reply_parameters");
    int64_t id = 0;
    bool lenient = tgf_arg_bool(args, "allow_sending_without_reply", false);
    if (rp != NULL) {
        id = tgf_json_id(rp, "message_id");
        lenient = lenient ||
                  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rp, "allow_sending_without_reply"));
    } else {
        tgf_arg_int(args, "reply_to_message_id", &id);
    }
    cJSON_Delete(rp);
    *reply_out = NULL;
    if (id == 0)
        return true;
    const cJSON *entry = tgf_message_find(c, id);
    if (entry == NULL || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "deleted"))) {
        if (lenient)
            return true;
        tgf_error(req, 400, "Bad Request: message to be replied not found");
        return false;
    }
    *reply_out = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(entry, "message"), true);
    return true;
}

/* Fields common to every message the bot sends: keyboard, reply, topic. */
static bool common_fields(struct tgf *tg, struct fake_request *req, struct tgf_chat *c,
                          const cJSON *args, cJSON **markup_out, cJSON **reply_out)
{
    (void)tg;
    *markup_out = tgf_arg_json_dup(args, "reply_markup");
    if (cJSON_GetObjectItemCaseSensitive(args, "reply_markup") != NULL &&
        !tgf_markup_ok(req, *markup_out)) {
        cJSON_Delete(*markup_out);
        return false;
    }
    if (!reply_ok(req, c, args, reply_out)) {
        cJSON_Delete(*markup_out);
        return false;
    }
    return true;
}

static cJSON *store_sent(struct tgf_chat *c, const cJSON *args, cJSON *markup, cJSON *reply)
{
    cJSON *entry = tgf_message_add(c, TGF_BOT_ID, true, tgf_now_s());
    cJSON *msg = cJSON_GetObjectItemCaseSensitive(entry, "message");
    int64_t thread = 0;
    if (tgf_arg_int(args, "message_thread_id", &thread) && thread > 0) {
        cJSON_AddItemToObject(msg, "message_thread_id", tgf_id_new(thread));
        cJSON_AddTrueToObject(msg, "is_topic_message");
    }
    if (reply != NULL)
        cJSON_AddItemToObject(msg, "reply_to_message", reply);
    if (cJSON_GetObjectItemCaseSensitive(markup, "inline_keyboard") != NULL)
        cJSON_AddItemToObject(msg, "reply_markup", markup);
    else
        cJSON_Delete(markup);
    return msg;
}

void tgf_send_message(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    struct tgf_chat *c = tgf_chat_for(tg, req, args);
    if (c == NULL)
        return;
    const char *text = tgf_arg_str(args, "text");
    if (text == NULL || text[strspn(text, " \n\t")] == '\0') {
        tgf_error(req, 400, "Bad Request: message text is empty");
        return;
    }
    if (tgf_utf16_len(text) > TGF_TEXT_MAX) {
        tgf_error(req, 400, "Bad Request: message is too long");
        return;
    }
    cJSON *entities = tgf_arg_json_dup(args, "entities");
    cJSON *markup = NULL, *reply = NULL;
    if (!entities_ok(req, entities, text) || !common_fields(tg, req, c, args, &markup, &reply)) {
        cJSON_Delete(entities);
        return;
    }
    if (tgf_flood_check(tg, c, req)) {
        cJSON_Delete(entities);
        cJSON_Delete(markup);
        cJSON_Delete(reply);
        return;
    }
    cJSON *msg = store_sent(c, args, markup, reply);
    cJSON_AddStringToObject(msg, "text", text);
    if (cJSON_GetArraySize(entities) > 0)
        cJSON_AddItemToObject(msg, "entities", entities);
    else
        cJSON_Delete(entities);
    tgf_ok(req, cJSON_Duplicate(msg, true));
}

void tgf_send_document(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    struct tgf_chat *c = tgf_chat_for(tg, req, args);
    if (c == NULL)
        return;
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(args, "document");
    const char *caption = tgf_arg_str(args, "caption");
    if (!cJSON_IsObject(file) && !cJSON_IsString(file)) {
        tgf_error(req, 400, "Bad Request: there is no document in the request");
        return;
    }
    if (caption != NULL && tgf_utf16_len(caption) > CAPTION_MAX) {
        tgf_error(req, 400, "Bad Request: message caption is too long");
        return;
    }
    cJSON *markup = NULL, *reply = NULL;
    if (!common_fields(tg, req, c, args, &markup, &reply))
        return;
    if (tgf_flood_check(tg, c, req)) {
        cJSON_Delete(markup);
        cJSON_Delete(reply);
        return;
    }
    cJSON *msg = store_sent(c, args, markup, reply);
    cJSON *doc = cJSON_AddObjectToObject(msg, "document");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(file, "filename");
    cJSON_AddStringToObject(doc, "file_id", "BQACAgIAAxkBAAIBfake");
    cJSON_AddStringToObject(doc, "file_unique_id", "AgADfake");
    cJSON_AddStringToObject(doc, "file_name", cJSON_IsString(name) ? name->valuestring : "file");
    cJSON_AddNumberToObject(doc, "file_size",
                            cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(file, "size")));
    if (caption != NULL)
        cJSON_AddStringToObject(msg, "caption", caption);
    tgf_ok(req, cJSON_Duplicate(msg, true));
}

/* ---- Edits and deletion. ---- */

/* The bot's own message to edit; answers the error and returns NULL when there is none. */
static cJSON *editable(struct fake_request *req, struct tgf_chat *c, const cJSON *args)
{
    int64_t id = 0;
    tgf_arg_int(args, "message_id", &id);
    cJSON *entry = tgf_message_find(c, id);
    if (entry == NULL || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "deleted"))) {
        tgf_error(req, 400, "Bad Request: message to edit not found");
        return NULL;
    }
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "from_bot"))) {
        tgf_error(req, 400, "Bad Request: message can't be edited");
        return NULL;
    }
    return cJSON_GetObjectItemCaseSensitive(entry, "message");
}

static bool same(const cJSON *a, const cJSON *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && cJSON_Compare(a, b, true));
}

static void replace(cJSON *msg, const char *name, cJSON *value /* taken, NULL removes */)
{
    cJSON_DeleteItemFromObjectCaseSensitive(msg, name);
    if (value != NULL)
        cJSON_AddItemToObject(msg, name, value);
}

void tgf_edit_message(struct tgf *tg, struct fake_request *req, const cJSON *args, bool markup_only)
{
    struct tgf_chat *c = tgf_chat_for(tg, req, args);
    cJSON *msg = c ? editable(req, c, args) : NULL;
    if (msg == NULL)
        return;
    const char *text = tgf_arg_str(args, "text");
    const cJSON *old_text = cJSON_GetObjectItemCaseSensitive(msg, "text");
    if (!markup_only && old_text == NULL) {
        tgf_error(req, 400, "Bad Request: there is no text in the message to edit");
        return;
    }
    if (!markup_only && (text == NULL || text[0] == '\0' || tgf_utf16_len(text) > TGF_TEXT_MAX)) {
        tgf_error(req, 400,
                  text == NULL || text[0] == '\0' ? "Bad Request: message text is empty"
                                                  : "Bad Request: message is too long");
        return;
    }
    cJSON *markup = tgf_arg_json_dup(args, "reply_markup");
    cJSON *entities = tgf_arg_json_dup(args, "entities");
    if ((markup != NULL && !tgf_markup_ok(req, markup)) ||
        (!markup_only && !entities_ok(req, entities, text))) {
        cJSON_Delete(markup);
        cJSON_Delete(entities);
        return;
    }
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(markup, "inline_keyboard")) == 0) {
        cJSON_Delete(markup);
        markup = NULL;
    }
    bool unchanged =
        same(markup, cJSON_GetObjectItemCaseSensitive(msg, "reply_markup")) &&
        (markup_only || (strcmp(old_text->valuestring, text) == 0 &&
                         same(entities, cJSON_GetObjectItemCaseSensitive(msg, "entities"))));
    if (unchanged) {
        cJSON_Delete(markup);
        cJSON_Delete(entities);
        tgf_error(req, 400,
                  "Bad Request: message is not modified: specified new message content "
                  "and reply markup are exactly the same as a current content and "
                  "reply markup of the message");
        return;
    }
    if (!markup_only) {
        replace(msg, "text", cJSON_CreateString(text));
        replace(msg, "entities", cJSON_GetArraySize(entities) > 0 ? entities : NULL);
        if (cJSON_GetArraySize(entities) == 0)
            cJSON_Delete(entities);
    } else {
        cJSON_Delete(entities);
    }
    replace(msg, "reply_markup", markup);
    replace(msg, "edit_date", tgf_id_new(tgf_now_s()));
    tgf_ok(req, cJSON_Duplicate(msg, true));
}

void tgf_delete_message(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    struct tgf_chat *c = tgf_chat_for(tg, req, args);
    int64_t id = 0;
    if (c == NULL)
        return;
    tgf_arg_int(args, "message_id", &id);
    cJSON *entry = tgf_message_find(c, id);
    if (entry == NULL || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "deleted"))) {
        tgf_error(req, 400, "Bad Request: message to delete not found");
        return;
    }
    bool own = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "from_bot"));
    if (tgf_now_s() - tgf_json_id(entry, "date") > TGF_DELETE_WINDOW_S) {
        tgf_error(req, 400, "Bad Request: message can't be deleted for everyone");
        return;
    }
    if (!own && strcmp(c->type, "private") != 0 && !(c->bot_admin && c->bot_can_delete)) {
        tgf_error(req, 400, "Bad Request: message can't be deleted");
        return;
    }
    cJSON_ReplaceItemInObject(entry, "deleted", cJSON_CreateTrue());
    tgf_ok(req, cJSON_CreateTrue());
}

/* ---- Button presses. ---- */

void tgf_answer_callback(struct tgf *tg, struct fake_request *req, const cJSON *args)
{
    const char *id = tgf_arg_str(args, "callback_query_id");
    cJSON *query = id ? cJSON_GetObjectItemCaseSensitive(tg->callbacks, id) : NULL;
    if (query == NULL || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(query, "answered"))) {
        tgf_error(req, 400,
                  "Bad Request: query is too old and response timeout expired or "
                  "query ID is invalid");
        return;
    }
    const char *text = tgf_arg_str(args, "text");
    if (text != NULL && tgf_utf16_len(text) > 200) {
        tgf_error(req, 400, "Bad Request: MESSAGE_TOO_LONG");
        return;
    }
    cJSON_ReplaceItemInObject(query, "answered", cJSON_CreateTrue());
    if (text != NULL)
        cJSON_AddStringToObject(query, "text", text);
    cJSON_AddBoolToObject(query, "show_alert", tgf_arg_bool(args, "show_alert", false));
    tgf_ok(req, cJSON_CreateTrue());
}
