/* Filling a kith_event from Telegram's objects: chat and topic, author and role, and the
 * message (text or caption, reply, mentions, links, attachments). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/telegram/tg_internal.h"

void tg_event_buf_init(struct tg *tg, struct tg_event_buf *b, kith_event_kind kind,
                       const cJSON *update)
{
    memset(b, 0, sizeof *b);
    b->ev.size = sizeof b->ev;
    b->ev.kind = kind;
    b->ev.platform = TG_PLATFORM;
    b->ev.message.text = "";
    b->ev.author.role = KITH_ROLE_MEMBER;
    b->priv.platform = &tg->base;
    b->priv.data = &b->ctx;
    b->ev.priv = &b->priv;
    b->raw_json = cJSON_PrintUnformatted(update); /* without it plugins lose only raw_json */
    b->ev.raw_json = b->raw_json;
}

static void free_strings(char **strings, size_t n)
{
    for (size_t i = 0; strings != NULL && i < n; i++)
        free(strings[i]);
    free(strings);
}

void tg_event_buf_free(struct tg_event_buf *b)
{
    free(b->display_name);
    free(b->raw_json);
    free(b->ctx.answer_text);
    free(b->mentions);
    free_strings(b->mention_store, b->mention_count);
    free(b->links);
    free_strings(b->link_store, b->link_count);
}

void tg_event_set_chat(struct tg_event_buf *b, const cJSON *chat, int64_t thread)
{
    int64_t id = tg_json_int(chat, "id", 0);
    const char *type = tg_json_str(chat, "type");
    b->ctx.chat = id;
    b->ctx.thread = thread;
    if (id == 0)
        return;
    tg_format_id(b->channel_id, sizeof b->channel_id, id);
    if (thread > 0) {
        size_t len = strlen(b->channel_id);
        snprintf(b->channel_id + len, sizeof b->channel_id - len, "/%lld", (long long)thread);
    }
    b->ev.channel_id = b->channel_id;
    if (type != NULL && strcmp(type, "private") == 0)
        return; /* a direct message: no server */
    tg_format_id(b->server_id, sizeof b->server_id, id);
    b->ev.server_id = b->server_id;
}

/* The topic of a forum supergroup the message belongs to, 0 for none. */
int64_t tg_message_thread(const cJSON *message)
{
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(message, "is_topic_message")))
        return 0;
    return tg_json_int(message, "message_thread_id", 0);
}

static char *display_name_dup(const cJSON *user)
{
    const char *first = tg_json_str(user, "first_name");
    const char *last = tg_json_str(user, "last_name");
    const char *username = tg_json_str(user, "username");
    char *out = NULL;
    int n;
    if (first != NULL && last != NULL)
        n = asprintf(&out, "%s %s", first, last);
    else if (first != NULL || username != NULL)
        n = asprintf(&out, "%s", first != NULL ? first : username);
    else
        n = asprintf(&out, "%s", "someone");
    return n < 0 ? NULL : out;
}

kith_err tg_event_set_author(struct tg *tg, struct tg_event_buf *b, const cJSON *user)
{
    int64_t id = tg_json_int(user, "id", 0);
    if (id == 0)
        return KITH_ERR_INVALID;
    tg_format_id(b->author_id, sizeof b->author_id, id);
    b->ev.author.id = b->author_id;
    free(b->display_name);
    b->display_name = display_name_dup(user);
    if (b->display_name == NULL)
        return KITH_ERR_NOMEM;
    b->ev.author.display_name = b->display_name;
    b->ev.author.is_bot = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(user, "is_bot"));
    if (b->ctx.chat < 0 && tg_admins_is_admin(tg, b->ctx.chat, id))
        b->ev.author.role = KITH_ROLE_ADMIN;
    return KITH_OK;
}

/* ---- Entities: offsets and lengths count UTF-16 code units. ---- */

/* The byte offset in s of the given number of UTF-16 units (clamped to the end). */
static size_t utf8_offset(const char *s, size_t units)
{
    size_t i = 0, seen = 0;
    while (s[i] != '\0' && seen < units) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        seen += len == 4 ? 2 : 1;
        for (size_t k = 0; k < len && s[i] != '\0'; k++)
            i++;
    }
    return i;
}

static char *entity_text_dup(const char *text, const cJSON *entity)
{
    int64_t offset = tg_json_int(entity, "offset", 0), length = tg_json_int(entity, "length", 0);
    if (offset < 0 || length <= 0)
        return NULL;
    size_t start = utf8_offset(text, (size_t)offset);
    size_t end = start + utf8_offset(text + start, (size_t)length);
    return strndup(text + start, end - start);
}

static kith_err push(char ***store, const char ***view, size_t *count, char *value)
{
    if (value == NULL)
        return KITH_ERR_NOMEM;
    char **grown = realloc(*store, (*count + 1) * sizeof *grown);
    if (grown == NULL) {
        free(value);
        return KITH_ERR_NOMEM;
    }
    *store = grown;
    const char **grown_view = realloc(*view, (*count + 1) * sizeof *grown_view);
    if (grown_view == NULL) {
        free(value);
        return KITH_ERR_NOMEM;
    }
    *view = grown_view;
    grown[*count] = value;
    grown_view[*count] = value;
    (*count)++;
    return KITH_OK;
}

static kith_err mention_of(struct tg_event_buf *b, const char *text, const cJSON *entity,
                           const char *type)
{
    char *id = NULL;
    if (strcmp(type, "text_mention") == 0) {
        const cJSON *user = cJSON_GetObjectItemCaseSensitive(entity, "user");
        if (asprintf(&id, TG_PLATFORM ":%lld", (long long)tg_json_int(user, "id", 0)) < 0)
            id = NULL;
    } else {
        /* "@name": Telegram gives no id for these; the name stands in for one. */
        char *name = entity_text_dup(text, entity);
        if (name != NULL && asprintf(&id, TG_PLATFORM ":%s", name) < 0)
            id = NULL;
        free(name);
    }
    return push(&b->mention_store, &b->mentions, &b->mention_count, id);
}

static kith_err take_entities(struct tg_event_buf *b, const char *text, const cJSON *entities)
{
    const cJSON *entity;
    cJSON_ArrayForEach(entity, entities)
    {
        const char *type = tg_json_str(entity, "type");
        kith_err err = KITH_OK;
        if (type == NULL)
            continue;
        if (strcmp(type, "mention") == 0 || strcmp(type, "text_mention") == 0)
            err = mention_of(b, text, entity, type);
        else if (strcmp(type, "url") == 0)
            err = push(&b->link_store, &b->links, &b->link_count, entity_text_dup(text, entity));
        else if (strcmp(type, "text_link") == 0 && tg_json_str(entity, "url") != NULL)
            err =
                push(&b->link_store, &b->links, &b->link_count, strdup(tg_json_str(entity, "url")));
        if (err != KITH_OK)
            return err;
    }
    b->ev.message.mention_ids = b->mentions;
    b->ev.message.mention_count = b->mention_count;
    b->ev.message.links = b->links;
    b->ev.message.link_count = b->link_count;
    return KITH_OK;
}

static size_t count_attachments(const cJSON *message)
{
    static const char *const kinds[] = {"photo", "document",   "video",   "audio",
                                        "voice", "video_note", "sticker", "animation"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (cJSON_GetObjectItemCaseSensitive(message, kinds[i]) != NULL)
            n++;
    return n;
}

kith_err tg_event_set_message(struct tg_event_buf *b, const cJSON *message)
{
    int64_t id = tg_json_int(message, "message_id", 0);
    b->ctx.message_id = id;
    if (id != 0) {
        tg_format_id(b->message_id, sizeof b->message_id, id);
        b->ev.message.id = b->message_id;
    }
    b->ev.timestamp_ms = tg_json_int(message, "date", 0) * 1000;
    const cJSON *reply = cJSON_GetObjectItemCaseSensitive(message, "reply_to_message");
    /* In a forum topic Telegram makes every message a "reply" to the topic's first message;
     * only a reply to another message is one. */
    int64_t thread = tg_message_thread(message);
    if (reply != NULL && thread > 0 && tg_json_int(reply, "message_id", 0) == thread)
        reply = NULL;
    if (reply != NULL) {
        tg_format_id(b->reply_to_id, sizeof b->reply_to_id, tg_json_int(reply, "message_id", 0));
        b->ev.message.reply_to_id = b->reply_to_id;
    }
    const char *text = tg_json_str(message, "text");
    const cJSON *entities = cJSON_GetObjectItemCaseSensitive(message, "entities");
    if (text == NULL) {
        text = tg_json_str(message, "caption");
        entities = cJSON_GetObjectItemCaseSensitive(message, "caption_entities");
    }
    b->ev.message.text = text != NULL ? text : "";
    b->ev.message.attachment_count = count_attachments(message);
    return take_entities(b, b->ev.message.text, entities);
}
