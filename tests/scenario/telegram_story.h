/* Shared by the Telegram scenario tests (test_telegram_*.c): the fake Bot API with a
 * supergroup (its owner an admin, the bot an admin with delete and restrict rights), kithd
 * started against it with the example plugin, members writing there, and reading back what
 * kith sent. Header-only (static inline) because each test file is its own executable. */
#ifndef KITH_TELEGRAM_STORY_H
#define KITH_TELEGRAM_STORY_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "scenario.h"

#define TG_TOKEN "123456:TEST-TOKEN"
#define TG_BOT_NAME "kith_test_bot"
#define GROUP "-1001234567890" /* a supergroup */
#define OTHER_GROUP "-1009876543210"
#define OWNER "111"  /* the group's owner: an admin */
#define MEMBER "222" /* an ordinary member */

static const char telegram_config[] = "telegram = {\n"
                                      "    enabled = true;\n"
                                      "    token = \"" TG_TOKEN "\";\n"
                                      "    api_base = \"http://127.0.0.1:%PORT%\";\n"
                                      "    poll_timeout = 1;\n"
                                      "};\n";

/* A supergroup owned by OWNER where the bot is an admin that may delete and restrict. */
static inline bool story_group(struct scenario *s, const char *chat)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"chat_id\":%s,\"type\":\"supergroup\",\"title\":\"Kith fans\",\"owner\":" OWNER
             ",\"bot_admin\":true,\"bot_can_delete\":true,\"bot_can_restrict\":true}",
             chat);
    return scenario_control_ok(s, "chat", body);
}

/* The fake with GROUP; no kithd yet. */
static inline bool story_telegram(struct scenario *s)
{
    char fake[512];
    snprintf(fake, sizeof fake, "%s/fake_telegram", KITH_FAKES_DIR);
    return scenario_init(s) && scenario_start_fake(s, fake, NULL) && story_group(s, GROUP);
}

/* kithd with the plugins of load_list (e.g. "\"polls\"") from plugin_dir (NULL: the test
 * plugins) started and connected as the bot; `connections` counts the "connected as" lines
 * expected in the log so far (1 for the first start). */
static inline bool story_kithd_with(struct scenario *s, const char *config, const char *plugin_dir,
                                    const char *load_list, int connections)
{
    return scenario_write_config(s, config ? config : telegram_config, plugin_dir, load_list) &&
           scenario_start_kithd(s) &&
           scenario_wait_log_count(s, "connected as @" TG_BOT_NAME, connections, 10000);
}

/* kithd with the example plugin. */
static inline bool story_kithd(struct scenario *s, const char *config, int connections)
{
    return story_kithd_with(s, config, NULL, "\"example\"", connections);
}

static inline bool story_start(struct scenario *s)
{
    return story_telegram(s) && story_kithd(s, NULL, 1);
}

/* A member writes in a chat; the message id goes to *id_out (may be NULL). */
static inline bool story_say(struct scenario *s, const char *chat, const char *from,
                             const char *text, int64_t *id_out)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddRawToObject(body, "chat_id", chat);
    cJSON_AddRawToObject(body, "from_id", from);
    cJSON_AddStringToObject(body, "text", text);
    char *json = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    cJSON *out = scenario_control(s, "POST", "message", json);
    free(json);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(out, "message_id");
    bool ok = cJSON_IsNumber(id);
    if (ok && id_out != NULL)
        *id_out = (int64_t)id->valuedouble;
    cJSON_Delete(out);
    return ok;
}

/* A member answers kith's message `reply_to` (Telegram's Reply) with text. */
static inline bool story_reply(struct scenario *s, const char *chat, const char *from,
                               int64_t reply_to, const char *text)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddRawToObject(body, "chat_id", chat);
    cJSON_AddRawToObject(body, "from_id", from);
    cJSON_AddStringToObject(body, "text", text);
    cJSON_AddNumberToObject(body, "reply_to", (double)reply_to);
    char *json = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    bool ok = json != NULL && scenario_control_ok(s, "message", json);
    free(json);
    return ok;
}

/* The next call of `method` whose body holds `part` (caller deletes), or NULL. */
static inline cJSON *story_wait_call(struct scenario *s, const char *method, const char *part,
                                     int timeout_ms, int *cursor)
{
    char path[64];
    snprintf(path, sizeof path, "/%s", method);
    cJSON *hit = scenario_wait_request(s, "POST", path, part, timeout_ms, cursor);
    if (hit == NULL)
        fprintf(stderr, "  kith made no %s call with \"%s\"\n", method, part ? part : "");
    return hit;
}

/* The chat_id of a recorded call, as text. */
static inline void story_chat_of(const cJSON *call, char *buf, size_t size)
{
    const cJSON *json = cJSON_GetObjectItemCaseSensitive(call, "json");
    const cJSON *chat = cJSON_GetObjectItemCaseSensitive(json, "chat_id");
    snprintf(buf, size, "%s", "");
    if (cJSON_IsNumber(chat))
        snprintf(buf, size, "%.0f", chat->valuedouble);
    else if (cJSON_IsString(chat))
        snprintf(buf, size, "%s", chat->valuestring);
}

/* Waits for a sendMessage to `chat` whose body holds `part`. */
static inline bool story_wait_reply(struct scenario *s, const char *chat, const char *part,
                                    int *cursor)
{
    for (;;) {
        cJSON *hit = story_wait_call(s, "sendMessage", part, 8000, cursor);
        if (hit == NULL)
            return false;
        char got[32];
        story_chat_of(hit, got, sizeof got);
        cJSON_Delete(hit);
        if (strcmp(got, chat) == 0)
            return true;
    }
}

/* How many of kith's messages the fake stored in `chat` have text holding `part`. */
static inline int story_count_sent(struct scenario *s, const char *chat, const char *part)
{
    cJSON *state = scenario_control(s, "GET", "state", NULL);
    const cJSON *chats = cJSON_GetObjectItemCaseSensitive(state, "chats");
    const cJSON *messages =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(chats, chat), "messages");
    int n = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, messages)
    {
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(entry, "message");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(msg, "text");
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "from_bot")) &&
            cJSON_IsString(text) && strstr(text->valuestring, part) != NULL)
            n++;
    }
    cJSON_Delete(state);
    return n;
}

/* kith's newest message in chat whose text (or poll question) holds part: its entry in the
 * fake's history (caller deletes), or NULL. */
static inline cJSON *story_kith_message(struct scenario *s, const char *chat, const char *part)
{
    cJSON *state = scenario_control(s, "GET", "state", NULL);
    const cJSON *messages = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(state, "chats"), chat),
        "messages");
    cJSON *found = NULL;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, messages)
    {
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(entry, "message");
        char *text = cJSON_PrintUnformatted(msg);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "from_bot")) && text &&
            strstr(text, part) != NULL) {
            cJSON_Delete(found);
            found = cJSON_Duplicate(msg, true);
        }
        free(text);
    }
    cJSON_Delete(state);
    return found;
}

/* The fake's record of message `message_id` in chat (caller deletes), or NULL. */
static inline cJSON *story_message_by_id(struct scenario *s, const char *chat, int64_t message_id)
{
    cJSON *state = scenario_control(s, "GET", "state", NULL);
    const cJSON *messages = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(state, "chats"), chat),
        "messages");
    cJSON *found = NULL;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, messages)
    {
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(entry, "message");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "message_id");
        if (found == NULL && cJSON_IsNumber(id) && (int64_t)id->valuedouble == message_id)
            found = cJSON_Duplicate(msg, true);
    }
    cJSON_Delete(state);
    return found;
}

/* The callback_data of the button labelled `label` in a message's inline keyboard. */
static inline const char *story_button_data(const cJSON *msg, const char *label)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(msg, "reply_markup"), "inline_keyboard");
    const cJSON *row, *b;
    cJSON_ArrayForEach(row, rows)
    {
        cJSON_ArrayForEach(b, row)
        {
            const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "text"));
            if (text != NULL && strcmp(text, label) == 0)
                return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "callback_data"));
        }
    }
    return NULL;
}

/* A member (from) presses a button; the press's id goes to id_out. */
static inline bool story_press(struct scenario *s, const char *chat, int64_t message_id,
                               const char *from, const char *data, char *id_out, size_t size)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"chat_id\":%s,\"message_id\":%" PRId64 ",\"from_id\":%s,\"data\":\"%s\"}", chat,
             message_id, from, data);
    cJSON *out = scenario_control(s, "POST", "callback", body);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "callback_id"));
    if (id != NULL)
        snprintf(id_out, size, "%s", id);
    cJSON_Delete(out);
    return id != NULL;
}

/* The owner turns the example plugin on in GROUP and kith confirms. */
static inline bool story_enable_example(struct scenario *s, int *cursor)
{
    return story_say(s, GROUP, OWNER, "/kith enable example", NULL) &&
           story_wait_reply(s, GROUP, "example is now enabled here", cursor);
}

#endif
