/* Growable string buffer (see strbuf.h). */
#include "core/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct kith_strbuf *sb, size_t extra)
{
    if (sb->failed)
        return false;
    if (sb->len + extra + 1 <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *grown = realloc(sb->data, cap);
    if (grown == NULL) {
        sb->failed = true;
        return false;
    }
    sb->data = grown;
    sb->cap = cap;
    return true;
}

void kith_strbuf_append(struct kith_strbuf *sb, const char *text)
{
    size_t n = strlen(text);
    if (!reserve(sb, n))
        return;
    memcpy(sb->data + sb->len, text, n + 1);
    sb->len += n;
}

void kith_strbuf_appendf(struct kith_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *kith_strbuf_take(struct kith_strbuf *sb)
{
    char *out = NULL;
    if (!sb->failed)
        out = sb->data ? sb->data : strdup("");
    else
        free(sb->data);
    *sb = (struct kith_strbuf){0};
    return out;
}

void kith_strbuf_reset(struct kith_strbuf *sb)
{
    free(sb->data);
    *sb = (struct kith_strbuf){0};
}
