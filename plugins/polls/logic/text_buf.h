/* A growing text buffer for rendering results and CSV. After an allocation failure it stays
 * failed (and keeps what it had), so callers check once at the end. */
#ifndef KITH_POLLS_TEXT_BUF_H
#define KITH_POLLS_TEXT_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct text_buf {
    char *data; /* NUL-terminated; owned; NULL until the first append */
    size_t len, cap;
    bool failed;
};

void text_buf_append(struct text_buf *b, const char *text, size_t len);
void text_buf_puts(struct text_buf *b, const char *text);
void text_buf_printf(struct text_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Releases the data; the buffer is empty again. */
void text_buf_free(struct text_buf *b);
/* The text, "" when nothing was appended (borrowed from the buffer). */
const char *text_buf_text(const struct text_buf *b);

#endif
