/* Secret redaction for error texts and log lines: verbatim and percent-encoded occurrences. */
#include "net/redact.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define REDACTED "[redacted]"

static bool is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* Percent-encodes every byte outside RFC 3986's unreserved set. Caller frees. */
static char *percent_encode_dup(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(s);
    char *out = malloc(len * 3 + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c)) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

/* Returns a copy of `text` with every occurrence of `needle` replaced. Caller frees. */
static char *replace_dup(const char *text, const char *needle)
{
    size_t nlen = strlen(needle), rlen = strlen(REDACTED), hits = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + nlen, needle))
        hits++;
    char *out = malloc(strlen(text) + hits * rlen + 1);
    if (out == NULL)
        return NULL;
    char *o = out;
    const char *p = text, *hit;
    while ((hit = strstr(p, needle)) != NULL) {
        memcpy(o, p, (size_t)(hit - p));
        o += hit - p;
        memcpy(o, REDACTED, rlen);
        o += rlen;
        p = hit + nlen;
    }
    strcpy(o, p);
    return out;
}

char *kith_redact_dup(const char *text, const char *secret)
{
    if (secret == NULL || secret[0] == '\0')
        return strdup(text);
    char *once = replace_dup(text, secret);
    char *encoded = percent_encode_dup(secret);
    if (once == NULL || encoded == NULL || strcmp(encoded, secret) == 0) {
        free(encoded);
        return once;
    }
    char *twice = replace_dup(once, encoded);
    free(once);
    free(encoded);
    return twice;
}
