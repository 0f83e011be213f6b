/* Reading Discord, Telegram and Matrix message links into kith ids, for /report. Only the
 * forms the platforms' "copy message link" produce are read; anything else is left to the
 * caller's "not a message link" answer. */
#include "logic/message_link.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Writes prefix and the len bytes of id into out; false when they do not fit. */
static bool put(char out[SPAM_LINK_ID_MAX], const char *prefix, const char *id, size_t len)
{
    int n = snprintf(out, SPAM_LINK_ID_MAX, "%s%.*s", prefix, (int)len, id);
    return n > 0 && n < SPAM_LINK_ID_MAX;
}

/* The first of the given hosts followed by path in text, or NULL; returns the text after it. */
static const char *after_host(const char *text, const char *const *hosts, const char *path)
{
    char needle[64];
    for (size_t i = 0; hosts[i] != NULL; i++) {
        snprintf(needle, sizeof needle, "%s%s", hosts[i], path);
        const char *at = strstr(text, needle);
        if (at != NULL && (at == text || at[-1] == '/' || at[-1] == '.'))
            return at + strlen(needle);
    }
    return NULL;
}

/* Up to max_parts runs of digits separated by '/', read from p; returns how many. */
static size_t digit_parts(const char *p, const char **starts, size_t *lens, size_t max_parts)
{
    size_t n = 0;
    while (n < max_parts) {
        size_t len = strspn(p, "0123456789");
        if (len == 0)
            break;
        starts[n] = p;
        lens[n++] = len;
        p += len;
        if (*p != '/')
            break;
        p++;
    }
    return n;
}

static bool parse_discord(const char *text, struct spam_message_link *out)
{
    static const char *const hosts[] = {"discord.com", "discordapp.com", NULL};
    const char *p = after_host(text, hosts, "/channels/");
    if (p == NULL)
        return false;
    /* The guild is digits, or "@me" for direct messages (never this server). */
    size_t guild_len = strcspn(p, "/");
    const char *rest[2];
    size_t lens[2];
    if (p[guild_len] != '/' || digit_parts(p + guild_len + 1, rest, lens, 2) != 2)
        return false;
    return put(out->server_id, "discord:", p, guild_len) &&
           put(out->channel_id, "discord:", rest[0], lens[0]) &&
           put(out->message_id, "discord:", rest[1], lens[1]);
}

static bool parse_telegram(const char *text, struct spam_message_link *out)
{
    static const char *const hosts[] = {"t.me", "telegram.me", "telegram.dog", NULL};
    const char *p = after_host(text, hosts, "/c/");
    const char *part[3];
    size_t lens[3];
    size_t n = p ? digit_parts(p, part, lens, 3) : 0;
    if (n < 2)
        return false;
    /* t.me/c/ drops the "-100" every supergroup id starts with. */
    if (!put(out->server_id, "telegram:-100", part[0], lens[0]) ||
        !put(out->message_id, "telegram:", part[n - 1], lens[n - 1]))
        return false;
    if (n == 2) /* no topic: the group's chat is the channel */
        return put(out->channel_id, "", out->server_id, strlen(out->server_id));
    int len = snprintf(out->channel_id, SPAM_LINK_ID_MAX, "%s/%.*s", out->server_id, (int)lens[1],
                       part[1]);
    return len > 0 && len < SPAM_LINK_ID_MAX;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Copies one path segment of a matrix.to link (up to '/', '?', a space or the end) into out,
 * decoding %XX escapes; returns the text after it, NULL when empty or too long. */
static const char *matrix_segment(const char *p, char *out, size_t size)
{
    size_t used = 0;
    for (; *p && *p != '/' && *p != '?' && !isspace((unsigned char)*p); p++) {
        char c = *p;
        if (c == '%' && hex_value(p[1]) >= 0 && hex_value(p[2]) >= 0) {
            c = (char)(hex_value(p[1]) * 16 + hex_value(p[2]));
            p += 2;
        }
        if (used + 1 >= size)
            return NULL;
        out[used++] = c;
    }
    out[used] = '\0';
    return used > 0 ? p : NULL;
}

static bool parse_matrix(const char *text, struct spam_message_link *out)
{
    static const char *const hosts[] = {"matrix.to", NULL};
    const char *p = after_host(text, hosts, "/#/");
    char room[SPAM_LINK_ID_MAX], event[SPAM_LINK_ID_MAX];
    if (p == NULL || (p = matrix_segment(p, room, sizeof room)) == NULL || *p != '/' ||
        matrix_segment(p + 1, event, sizeof event) == NULL)
        return false;
    if ((room[0] != '!' && room[0] != '#') || event[0] != '$')
        return false;
    if (!put(out->message_id, "matrix:", event, strlen(event)))
        return false;
    if (room[0] == '#') { /* an alias: the room id behind it is not known here */
        out->server_id[0] = out->channel_id[0] = '\0';
        return true;
    }
    return put(out->server_id, "matrix:", room, strlen(room)) &&
           put(out->channel_id, "matrix:", room, strlen(room));
}

bool spam_message_link_parse(const char *text, struct spam_message_link *out)
{
    *out = (struct spam_message_link){0};
    if (parse_discord(text, out) || parse_telegram(text, out) || parse_matrix(text, out))
        return true;
    *out = (struct spam_message_link){0};
    return false;
}
