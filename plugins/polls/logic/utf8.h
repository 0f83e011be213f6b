/* UTF-8 measuring, checking and cutting for poll and survey texts: the platforms count
 * characters (code points), buffers count bytes. Pure code: no host calls. */
#ifndef KITH_POLLS_UTF8_H
#define KITH_POLLS_UTF8_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or bytes past U+10FFFF). */
bool polls_utf8_valid(const char *s, size_t len);

/* Characters (code points) in the UTF-8 string s. */
size_t polls_utf8_chars(const char *s);

/* The length of the longest prefix of s that is at most max_bytes long and ends on a character
 * boundary. */
size_t polls_utf8_prefix(const char *s, size_t max_bytes);

/* Writes s into out (size bytes), cut on a character boundary with "…" when it does not fit. */
void polls_utf8_shorten(const char *s, char *out, size_t size);

/* Writes s into out (size bytes): whole when it has at most max_chars characters, else cut to
 * max_chars characters of which the last is "…" (also cut when size is too small). */
void polls_utf8_shorten_chars(const char *s, size_t max_chars, char *out, size_t size);

/* text filled its buffer of size bytes (at least 4) and was cut anywhere, maybe inside a
 * character: ends it on a character boundary with "…" instead. */
void polls_utf8_mark_cut(char *text, size_t size);

/* vsnprintf into out (size bytes, at least 4), ending a text that does not fit with "…" on a
 * character boundary; false (out empty) when fmt cannot be formatted. */
bool polls_utf8_vformat(char *out, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
