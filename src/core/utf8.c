/* UTF-8 for command text: strict validation (what platforms reject must not get this far),
 * decoding and counting code points, Unicode whitespace, excerpts of user input, trimming. */
#include <string.h>

#include "core/cmdparse.h"

static bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* The allowed range of the second byte depends on the lead byte: that is what rules out
 * overlong forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4). */
static bool second_byte_ok(unsigned char lead, unsigned char b)
{
    switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default: return is_cont(b);
    }
}

size_t kith_utf8_decode(const char *s, size_t len, uint32_t *cp_out)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0)
        return 0;
    unsigned char lead = u[0];
    size_t n;
    uint32_t cp;
    if (lead < 0x80) {
        *cp_out = lead;
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        n = 2;
        cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        n = 3;
        cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        n = 4;
        cp = lead & 0x07;
    } else {
        return 0; /* a continuation byte, C0/C1 (always overlong) or F5..FF */
    }
    if (len < n || !second_byte_ok(lead, u[1]))
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (!is_cont(u[i]))
            return 0;
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    *cp_out = cp;
    return n;
}

bool kith_utf8_valid(const char *s, size_t len)
{
    if (s == NULL)
        return len == 0;
    size_t pos = 0;
    while (pos < len) {
        uint32_t cp;
        size_t n = kith_utf8_decode(s + pos, len - pos, &cp);
        if (n == 0)
            return false;
        pos += n;
    }
    return true;
}

size_t kith_utf8_length(const char *s)
{
    size_t count = 0;
    if (s == NULL)
        return 0;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        if (!is_cont(*u))
            count++;
    }
    return count;
}

bool kith_unicode_is_space(uint32_t cp)
{
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D))
        return true;
    if (cp < 0x85)
        return false;
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Characters that would break the line an excerpt is quoted in, or hide text. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029;
}

static void append_ellipsis(char *buf, size_t size, size_t *out)
{
    static const char ellipsis[] = "\xE2\x80\xA6"; /* U+2026 */
    if (*out + sizeof(ellipsis) <= size) {
        memcpy(buf + *out, ellipsis, sizeof(ellipsis) - 1);
        *out += sizeof(ellipsis) - 1;
    }
}

void kith_text_excerpt(const char *s, size_t max_chars, char *buf, size_t size)
{
    size_t out = 0, chars = 0, pos = 0, len;
    if (buf == NULL || size == 0)
        return;
    len = s != NULL ? strlen(s) : 0;
    while (pos < len) {
        uint32_t cp = 0;
        size_t n = kith_utf8_decode(s + pos, len - pos, &cp);
        const char *piece = s + pos;
        size_t plen = n;
        if (n == 0) {
            piece = "?";
            plen = n = 1;
        } else if (is_control(cp)) {
            piece = " ";
            plen = 1;
        }
        /* Unless this is the last character, keep room for the ellipsis that may follow. */
        size_t need = plen + (pos + n < len ? 3 : 0);
        if (chars == max_chars || out + need + 1 > size) {
            append_ellipsis(buf, size, &out);
            break;
        }
        memcpy(buf + out, piece, plen);
        out += plen;
        pos += n;
        chars++;
    }
    buf[out] = '\0';
}

void kith_utf8_trim_partial(char *s)
{
    size_t len = strlen(s), back = 0;
    uint32_t cp;
    while (back < len && back < 3 && is_cont((unsigned char)s[len - 1 - back]))
        back++;
    if (len > back && kith_utf8_decode(s + len - 1 - back, back + 1, &cp) == 0)
        s[len - 1 - back] = '\0';
}

void kith_utf8_trim_trailing_space(char *s)
{
    size_t pos = 0, end = 0, len = strlen(s);
    while (pos < len) {
        uint32_t cp = 0;
        size_t n = kith_utf8_decode(s + pos, len - pos, &cp);
        pos += n > 0 ? n : 1;
        if (n == 0 || !kith_unicode_is_space(cp))
            end = pos;
    }
    s[end] = '\0';
}
