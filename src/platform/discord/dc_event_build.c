/* Building a kith event from Discord objects: prefixed ids, the author (display name, roles, admin
 * from member.permissions or the guild's roles), and a message's text, mentions and links. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/discord/dc_internal.h"

void dc_event_build_init(struct dc_event_build *b, kith_event_kind kind, const char *frame)
{
    memset(b, 0, sizeof *b);
    b->ev.size = sizeof b->ev;
    b->ev.kind = kind;
    b->ev.platform = DC_PLATFORM;
    b->ev.raw_json = frame;
    b->ev.message.text = "";
}

void dc_event_build_clear(struct dc_event_build *b)
{
    for (size_t i = 0; i < b->owned_count; i++)
        free(b->owned[i]);
    free(b->owned);
    free(b->roles);
    free(b->mentions);
    free(b->links);
    free(b->values);
    memset(b, 0, sizeof *b);
}

static const char *own(struct dc_event_build *b, char *text)
{
    if (text == NULL) {
        b->failed = true;
        return NULL;
    }
    if (b->owned_count == b->owned_cap) {
        size_t cap = b->owned_cap ? 2 * b->owned_cap : 16;
        char **grown = realloc(b->owned, cap * sizeof *grown);
        if (grown == NULL) {
            free(text);
            b->failed = true;
            return NULL;
        }
        b->owned = grown;
        b->owned_cap = cap;
    }
    b->owned[b->owned_count++] = text;
    return text;
}

const char *dc_event_build_keep(struct dc_event_build *b, const char *text)
{
    return text != NULL ? own(b, strdup(text)) : NULL;
}

/* "discord:<local>" kept with the event; NULL when local is NULL. */
static const char *keep_id(struct dc_event_build *b, const char *local)
{
    if (local == NULL)
        return NULL;
    char *id = NULL;
    if (asprintf(&id, DC_PLATFORM ":%s", local) < 0)
        id = NULL;
    return own(b, id);
}

void dc_event_build_place(struct dc_event_build *b, const char *guild_id, const char *channel_id)
{
    if (dc_format_id(b->server_id, sizeof b->server_id, guild_id))
        b->ev.server_id = b->server_id;
    if (dc_format_id(b->channel_id, sizeof b->channel_id, channel_id))
        b->ev.channel_id = b->channel_id;
}

/* ISO 8601 ("2024-05-01T12:30:00.123000+00:00") as unix ms; 0 when unreadable. */
static int64_t iso_ms(const char *text)
{
    struct tm tm = {0};
    const char *rest = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (rest == NULL)
        return 0;
    int64_t ms = (int64_t)timegm(&tm) * 1000;
    if (*rest == '.') { /* Discord writes microseconds; keep the milliseconds */
        int frac = 0, digits = 0;
        for (const char *p = rest + 1; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
            frac = frac * 10 + (*p - '0');
        for (; digits < 3; digits++)
            frac *= 10;
        ms += frac;
    }
    return ms; /* Discord's offsets are always +00:00 */
}

static const char **list_new(size_t n, struct dc_event_build *b)
{
    const char **list = calloc(n ? n : 1, sizeof *list);
    if (list == NULL)
        b->failed = true;
    return list;
}

static void author_roles(struct dc_event_build *b, const cJSON *roles)
{
    size_t n = (size_t)cJSON_GetArraySize(roles);
    if (n == 0 || (b->roles = list_new(n, b)) == NULL)
        return;
    size_t k = 0;
    const cJSON *role;
    cJSON_ArrayForEach(role, roles)
    {
        if (cJSON_IsString(role) && (b->roles[k] = keep_id(b, role->valuestring)) != NULL)
            k++;
    }
    b->ev.author.role_ids = b->roles;
    b->ev.author.role_count = k;
}

void dc_event_build_author(struct dc_event_build *b, struct dc *dc, const cJSON *user,
                           const cJSON *member)
{
    if (user == NULL)
        user = cJSON_GetObjectItemCaseSensitive(member, "user");
    const char *id = dc_json_str(user, "id");
    if (dc_format_id(b->author_id, sizeof b->author_id, id))
        b->ev.author.id = b->author_id;
    const char *name = dc_json_str(member, "nick");
    if (name == NULL)
        name = dc_json_str(user, "global_name");
    if (name == NULL)
        name = dc_json_str(user, "username");
    b->ev.author.display_name = dc_event_build_keep(b, name);
    b->ev.author.is_bot = dc_json_bool(user, "bot");
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(member, "roles");
    author_roles(b, roles);
    b->ev.author.joined_at_ms = iso_ms(dc_json_str(member, "joined_at"));
    if (member == NULL || b->ev.server_id == NULL)
        return;
    /* Interactions carry the member's computed permissions; other events only role ids. */
    uint64_t perms =
        cJSON_IsString(cJSON_GetObjectItemCaseSensitive(member, "permissions"))
            ? dc_json_u64(member, "permissions")
            : dc_guilds_member_permissions(dc->guilds, kith_id_local(b->server_id), id, roles);
    if (dc_permissions_admin(perms))
        b->ev.author.role = KITH_ROLE_ADMIN;
}

/* ---- Message content. ---- */

/* User mentions as written ("<@123>", "<@!123>"), repeats included, in order. */
static size_t scan_mentions(struct dc_event_build *b, const char *text, const char **out,
                            size_t max)
{
    size_t n = 0;
    for (const char *p = strstr(text, "<@"); p != NULL; p = strstr(p + 2, "<@")) {
        const char *digits = p[2] == '!' ? p + 3 : p + 2;
        size_t len = strspn(digits, "0123456789");
        if (len == 0 || len >= DC_SNOWFLAKE_MAX || digits[len] != '>')
            continue;
        char local[DC_SNOWFLAKE_MAX];
        memcpy(local, digits, len);
        local[len] = '\0';
        if (out != NULL && n < max && (out[n] = keep_id(b, local)) == NULL)
            return n;
        n++;
    }
    return n;
}

static void message_mentions(struct dc_event_build *b, const cJSON *message, const char *text)
{
    size_t n = scan_mentions(b, text, NULL, 0);
    const cJSON *listed = cJSON_GetObjectItemCaseSensitive(message, "mentions");
    /* Without the MESSAGE_CONTENT intent the text is empty: fall back to the mentions list. */
    size_t from_list = n == 0 ? (size_t)cJSON_GetArraySize(listed) : 0;
    if (n + from_list == 0 || (b->mentions = list_new(n + from_list, b)) == NULL)
        return;
    size_t k = scan_mentions(b, text, b->mentions, n);
    const cJSON *user;
    cJSON_ArrayForEach(user, listed)
    {
        if (k >= n + from_list)
            break;
        if ((b->mentions[k] = keep_id(b, dc_json_str(user, "id"))) != NULL)
            k++;
    }
    b->ev.message.mention_ids = b->mentions;
    b->ev.message.mention_count = k;
}

static size_t scan_links(struct dc_event_build *b, const char *text, const char **out)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, "http")) != NULL;) {
        size_t scheme = strncmp(p, "https://", 8) == 0 ? 8 : strncmp(p, "http://", 7) == 0 ? 7 : 0;
        bool word_start = p == text || strchr(" \t\n<(\"'", p[-1]) != NULL;
        if (scheme == 0 || !word_start) {
            p += 4;
            continue;
        }
        size_t len = strcspn(p, " \t\r\n<>\"'");
        while (len > scheme && strchr(".,;:!?)", p[len - 1]) != NULL)
            len--; /* sentence punctuation after a link is not part of it */
        if (len > scheme && out != NULL && (out[n] = own(b, strndup(p, len))) == NULL)
            return n;
        n += len > scheme;
        p += len > 0 ? len : 1;
    }
    return n;
}

void dc_event_build_message(struct dc_event_build *b, const cJSON *message)
{
    const char *id = dc_json_str(message, "id");
    if (dc_format_id(b->message_id, sizeof b->message_id, id))
        b->ev.message.id = b->message_id;
    const char *text = dc_json_str(message, "content");
    b->ev.message.text = text != NULL ? text : "";
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(message, "message_reference");
    if (dc_format_id(b->reply_to_id, sizeof b->reply_to_id, dc_json_str(ref, "message_id")))
        b->ev.message.reply_to_id = b->reply_to_id;
    message_mentions(b, message, b->ev.message.text);
    b->ev.message.mentions_everyone = dc_json_bool(message, "mention_everyone");
    size_t links = scan_links(b, b->ev.message.text, NULL);
    if (links > 0 && (b->links = list_new(links, b)) != NULL) {
        b->ev.message.links = b->links;
        b->ev.message.link_count = scan_links(b, b->ev.message.text, b->links);
    }
    b->ev.message.attachment_count =
        (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(message, "attachments"));
    int64_t at = dc_snowflake_ms(id);
    if (at != 0)
        b->ev.timestamp_ms = at;
}
