/* Small text helpers of the Matrix adapter: URL escaping, HTML escaping, reply fallbacks and
 * the "matrix:" id prefix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "platform/matrix/matrix.h"

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

char *mx_escape_dup(const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(text);
    char *out = malloc(len * 3 + 1);
    if (out == NULL)
        return NULL;
    char *w = out;
    for (const unsigned char *r = (const unsigned char *)text; *r; r++) {
        if (unreserved(*r)) {
            *w++ = (char)*r;
        } else {
            *w++ = '%';
            *w++ = hex[*r >> 4];
            *w++ = hex[*r & 15];
        }
    }
    *w = '\0';
    return out;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *mx_unescape_dup(const char *text, size_t len)
{
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    size_t w = 0;
    for (size_t r = 0; r < len; r++) {
        if (text[r] == '%' && r + 2 < len && hex_value(text[r + 1]) >= 0 &&
            hex_value(text[r + 2]) >= 0) {
            out[w++] = (char)(hex_value(text[r + 1]) * 16 + hex_value(text[r + 2]));
            r += 2;
        } else {
            out[w++] = text[r];
        }
    }
    out[w] = '\0';
    return out;
}

char *mx_html_escape_dup(const char *text)
{
    struct kith_strbuf sb = {0};
    for (const char *r = text; *r; r++) {
        switch (*r) {
        case '&': kith_strbuf_append(&sb, "&amp;"); break;
        case '<': kith_strbuf_append(&sb, "&lt;"); break;
        case '>': kith_strbuf_append(&sb, "&gt;"); break;
        case '"': kith_strbuf_append(&sb, "&quot;"); break;
        case '\n': kith_strbuf_append(&sb, "<br>"); break;
        default: {
            char one[2] = {*r, '\0'};
            kith_strbuf_append(&sb, one);
        }
        }
    }
    return kith_strbuf_take(&sb);
}

/* Replies from older clients start with "> <@alice:example.org> quoted line", then more
 * "> " lines and one empty line; a command typed as a reply sits after them. */
const char *mx_strip_reply_fallback(const char *body)
{
    if (strncmp(body, "> <", 3) != 0)
        return body;
    const char *p = body;
    while (p[0] == '>') {
        const char *nl = strchr(p, '\n');
        if (nl == NULL)
            return body; /* only quoted text: leave it as it is */
        p = nl + 1;
    }
    if (p[0] == '\n')
        p++;
    return p;
}

const char *mx_target_room(const struct kith_target *to)
{
    const char *id = to->channel_id != NULL ? to->channel_id : to->server_id;
    return id != NULL ? kith_id_local(id) : NULL;
}

char *mx_prefixed_dup(const char *local)
{
    char *out = NULL;
    if (asprintf(&out, MX_PLATFORM ":%s", local) < 0)
        return NULL;
    return out;
}

static bool command_name_char(char c)
{
    /* '-' too, so "/note-taking" is left whole rather than read as "/note". */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* Where a command can start: the text's start, after a space, or after an opening mark
 * (quotes, brackets, "&quot;" in HTML, a tag's ">"). Not inside a URL or a path. */
static bool command_can_start(const char *text, const char *p)
{
    return p == text || strchr(" \t\n(['\"`*_>;", p[-1]) != NULL;
}

void mx_bang_commands(char *text, const char *const *names, size_t count)
{
    for (char *p = text; p != NULL && (p = strchr(p, '/')) != NULL; p++) {
        if (!command_can_start(text, p))
            continue;
        size_t len = 0;
        while (command_name_char(p[1 + len]))
            len++;
        for (size_t i = 0; len > 0 && i < count; i++) {
            if (strlen(names[i]) == len && strncmp(p + 1, names[i], len) == 0) {
                *p = '!';
                break;
            }
        }
    }
}
