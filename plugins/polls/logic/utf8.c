/* UTF-8 helpers shared by polls and surveys (see utf8.h). */
#include "logic/utf8.h"

#include <stdio.h>
#include <string.h>

static const char ellipsis[] = "\xE2\x80\xA6"; /* …, with its NUL: 4 bytes */

bool polls_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            c = (c << 6) | (p[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

size_t polls_utf8_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

size_t polls_utf8_prefix(const char *s, size_t max_bytes)
{
    size_t len = strlen(s);
    if (len <= max_bytes)
        return len;
    size_t cut = max_bytes;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

void polls_utf8_shorten(const char *s, char *out, size_t size)
{
    if (size == 0)
        return;
    size_t len = strlen(s);
    if (len < size) {
        memcpy(out, s, len + 1);
        return;
    }
    size_t room = size > sizeof ellipsis ? size - sizeof ellipsis : 0;
    size_t cut = polls_utf8_prefix(s, room);
    memcpy(out, s, cut);
    if (size > sizeof ellipsis)
        memcpy(out + cut, ellipsis, sizeof ellipsis);
    else
        out[cut] = '\0';
}

void polls_utf8_shorten_chars(const char *s, size_t max_chars, char *out, size_t size)
{
    if (polls_utf8_chars(s) <= max_chars) {
        polls_utf8_shorten(s, out, size);
        return;
    }
    /* Keep max_chars - 1 characters: the ellipsis is the last one. */
    size_t bytes = 0, kept = 0;
    while (s[bytes] != '\0' && kept + 1 < max_chars) {
        size_t next = bytes + 1;
        while (((unsigned char)s[next] & 0xC0) == 0x80)
            next++;
        if (next + sizeof ellipsis > size)
            break;
        bytes = next;
        kept++;
    }
    if (size < sizeof ellipsis) {
        if (size > 0)
            out[0] = '\0';
        return;
    }
    memcpy(out, s, bytes);
    memcpy(out + bytes, ellipsis, sizeof ellipsis);
}

void polls_utf8_mark_cut(char *text, size_t size)
{
    if (size < sizeof ellipsis)
        return;
    size_t cut = polls_utf8_prefix(text, size - sizeof ellipsis);
    memcpy(text + cut, ellipsis, sizeof ellipsis);
}

bool polls_utf8_vformat(char *out, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(out, size, fmt, ap);
    if (n < 0) {
        out[0] = '\0';
        return false;
    }
    if ((size_t)n >= size)
        polls_utf8_mark_cut(out, size);
    return true;
}
