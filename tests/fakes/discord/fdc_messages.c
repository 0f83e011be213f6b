/* Message bodies as the fake Discord reads and checks them (JSON or multipart payload_json,
 * content and component limits, polls), and the messages the bot posts, each announced on the
 * gateway as Discord does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fake_discord.h"

#define CONTENT_MAX 2000
#define GUILD_MESSAGES (1LL << 9)
#define DIRECT_MESSAGES (1LL << 12)

/* ---- Reading bodies. ---- */

static cJSON *multipart_payload_dup(const char *body, size_t len)
{
    const char *name = body != NULL ? strstr(body, "name=\"payload_json\"") : NULL;
    const char *start = name != NULL ? strstr(name, "\r\n\r\n") : NULL;
    if (start == NULL)
        return NULL;
    start += 4;
    const char *end = strstr(start, "\r\n--");
    cJSON *payload = end != NULL ? cJSON_ParseWithLength(start, (size_t)(end - start)) : NULL;
    size_t files = 0;
    for (const char *p = body; p != NULL && (size_t)(p - body) < len;
         p = strstr(p + 1, "name=\"files["))
        files += p != body;
    if (cJSON_IsObject(payload) && files > 0 && !cJSON_HasObjectItem(payload, "attachments")) {
        cJSON *list = cJSON_AddArrayToObject(payload, "attachments");
        for (size_t i = 0; i < files; i++) {
            cJSON *a = cJSON_CreateObject();
            cJSON_AddNumberToObject(a, "id", (double)i);
            cJSON_AddItemToArray(list, a);
        }
    }
    return payload;
}

cJSON *fdc_body_dup(struct fake_request *req)
{
    const char *type = fake_request_header(req, "content-type");
    if (type != NULL && strncasecmp(type, "multipart/form-data", 19) == 0) {
        size_t len = 0;
        const char *body = fake_request_body(req, &len);
        return multipart_payload_dup(body, len);
    }
    const cJSON *json = fake_request_json(req);
    return json != NULL ? cJSON_Duplicate(json, true) : NULL;
}

/* ---- Checking them. ---- */

static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool invalid(struct fake_request *req, const char *field, const char *why)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(body, "code", 50035);
    cJSON_AddStringToObject(body, "message", "Invalid Form Body");
    cJSON *errors = cJSON_AddObjectToObject(body, "errors");
    cJSON *f = cJSON_AddObjectToObject(errors, field);
    cJSON *list = cJSON_AddArrayToObject(f, "_errors");
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "code", "BASE_TYPE_INVALID");
    cJSON_AddStringToObject(e, "message", why);
    cJSON_AddItemToArray(list, e);
    fdc_respond(req, 400, NULL, body);
    return false;
}

static bool check_row(struct fake_request *req, const cJSON *row)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(row, "components");
    int n = cJSON_GetArraySize(items);
    if (cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "type")) != 1 || n < 1 || n > 5)
        return invalid(req, "components", "an action row holds 1 to 5 components");
    const cJSON *c;
    cJSON_ArrayForEach(c, items)
    {
        int type = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "type"));
        const char *custom_id =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "custom_id"));
        int style = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "style"));
        if (type == 3 && n != 1)
            return invalid(req, "components", "a select menu needs a row of its own");
        if (type == 3 && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(c, "options")) > 25)
            return invalid(req, "components", "a select menu has at most 25 options");
        if (type != 2 && type != 3)
            return invalid(req, "components", "unknown component type");
        if (type == 2 && style == 5 &&
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "url")) == NULL)
            return invalid(req, "components", "a link button needs a url");
        if ((type == 3 || style != 5) && (custom_id == NULL || strlen(custom_id) > 100))
            return invalid(req, "components", "custom_id must be 1-100 characters");
    }
    return true;
}

static bool check_poll(struct fake_request *req, const cJSON *poll)
{
    const cJSON *answers = cJSON_GetObjectItemCaseSensitive(poll, "answers");
    double duration = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(poll, "duration"));
    if (cJSON_GetArraySize(answers) < 1 || cJSON_GetArraySize(answers) > 10)
        return invalid(req, "poll", "a poll has 1 to 10 answers");
    if (duration < 1 || duration > 768)
        return invalid(req, "poll", "duration must be 1-768 hours");
    return true;
}

bool fdc_check_message(struct fake_request *req, const cJSON *body)
{
    if (!cJSON_IsObject(body))
        return invalid(req, "_body", "the body must be a JSON object");
    const char *content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "content"));
    const cJSON *embeds = cJSON_GetObjectItemCaseSensitive(body, "embeds");
    const cJSON *components = cJSON_GetObjectItemCaseSensitive(body, "components");
    const cJSON *poll = cJSON_GetObjectItemCaseSensitive(body, "poll");
    const cJSON *attachments = cJSON_GetObjectItemCaseSensitive(body, "attachments");
    if (content != NULL && chars(content) > CONTENT_MAX)
        return invalid(req, "content", "Must be 2000 or fewer in length.");
    if ((content == NULL || content[0] == '\0') && cJSON_GetArraySize(embeds) == 0 &&
        cJSON_GetArraySize(components) == 0 && poll == NULL &&
        cJSON_GetArraySize(attachments) == 0) {
        fdc_error(req, 400, 50006, "Cannot send an empty message");
        return false;
    }
    if (cJSON_GetArraySize(components) > 5)
        return invalid(req, "components", "at most 5 action rows");
    const cJSON *row;
    cJSON_ArrayForEach(row, components)
    {
        if (!check_row(req, row))
            return false;
    }
    return poll == NULL || check_poll(req, poll);
}

/* ---- Posting. ---- */

static void copy_member(cJSON *to, const cJSON *from, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(from, name);
    if (item != NULL)
        cJSON_AddItemToObject(to, name, cJSON_Duplicate(item, true));
}

static void timestamp_now(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%S.000000+00:00", &tm);
}

const cJSON *fdc_post_message(struct fdc *fd, const char *channel_id, const cJSON *body,
                              const char *interaction_id, bool ephemeral)
{
    cJSON *m = cJSON_CreateObject();
    const char *content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "content"));
    cJSON_AddStringToObject(m, "content", content != NULL ? content : "");
    static const char *const copied[] = {
        "embeds", "components", "poll", "message_reference", "attachments", "allowed_mentions"};
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++)
        copy_member(m, body, copied[i]);
    if (!cJSON_HasObjectItem(m, "embeds"))
        cJSON_AddArrayToObject(m, "embeds");
    if (!cJSON_HasObjectItem(m, "components"))
        cJSON_AddArrayToObject(m, "components");
    fdc_poll_prepare(fd, m);
    cJSON_AddItemToObject(m, "author", fdc_user_json(fd->bot_id, fd->bot_name, true));
    cJSON_AddArrayToObject(m, "mentions");
    char ts[48];
    timestamp_now(ts, sizeof ts);
    cJSON_AddStringToObject(m, "timestamp", ts);
    cJSON_AddNumberToObject(m, "flags", ephemeral ? 64 : 0);
    cJSON_AddNumberToObject(m, "type", interaction_id != NULL ? 20 : 0);
    if (interaction_id != NULL) {
        cJSON_AddStringToObject(m, "webhook_id", fd->app_id);
        cJSON *meta = cJSON_AddObjectToObject(m, "interaction_metadata");
        cJSON_AddStringToObject(meta, "id", interaction_id);
    }
    struct fdc_guild *g = fdc_channel_guild(fd, channel_id);
    if (g != NULL)
        cJSON_AddStringToObject(m, "guild_id", g->id);
    struct fdc_message *stored = fdc_message_add(fd, channel_id, fd->bot_id, m);
    if (stored == NULL)
        return NULL;
    if (!ephemeral) /* the bot's own messages come back on the gateway, as on Discord */
        fdc_emit(fd, g != NULL ? g->id : NULL, "MESSAGE_CREATE", stored->json,
                 g != NULL ? GUILD_MESSAGES : DIRECT_MESSAGES);
    return stored->json;
}
