/* A growable string buffer for building replies and help text. An allocation failure is
 * sticky: later appends do nothing and kith_strbuf_take returns NULL. */
#ifndef KITH_CORE_STRBUF_H
#define KITH_CORE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct kith_strbuf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
};

void kith_strbuf_append(struct kith_strbuf *sb, const char *text);
void kith_strbuf_appendf(struct kith_strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (free it), or NULL after an allocation failure; the buffer
 * is reset either way. An empty buffer yields "". */
char *kith_strbuf_take(struct kith_strbuf *sb);
void kith_strbuf_reset(struct kith_strbuf *sb);

#endif
