/* Strict UTF-8 decoding and encoding for the spam logic: invalid input becomes U+FFFD one byte
 * at a time, so hostile bytes can neither crash the fold nor hide characters from it. */
#include <string.h>

#include "logic/fold.h"

static bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* The second byte's allowed range depends on the lead byte: that rules out overlong forms (E0,
 * F0), surrogates (ED) and code points above U+10FFFF (F4). */
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

size_t spam_utf8_decode(const char *s, size_t len, uint32_t *cp_out)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char lead = u[0];
    size_t need;
    uint32_t cp;
    if (lead < 0x80) {
        *cp_out = lead;
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        need = 2;
        cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        need = 3;
        cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        need = 4;
        cp = lead & 0x07;
    } else {
        *cp_out = 0xFFFD;
        return 1;
    }
    if (len < need || !second_byte_ok(lead, u[1])) {
        *cp_out = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < need; i++) {
        if (!is_cont(u[i])) {
            *cp_out = 0xFFFD;
            return 1;
        }
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    *cp_out = cp;
    return need;
}

size_t spam_utf8_encode(uint32_t cp, char out[4])
{
    unsigned char *o = (unsigned char *)out;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

void spam_utf8_copy(char *dst, size_t size, const char *src, size_t len)
{
    if (len >= size) {
        len = size - 1;
        while (len > 0 && is_cont((unsigned char)src[len]))
            len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}
