/* A growing CSV text (RFC 4180: fields quoted when they hold a comma, quote or line break,
 * quotes doubled, rows ended by CRLF) for the survey export. No host calls. */
#ifndef KITH_POLLS_SURVEY_CSV_H
#define KITH_POLLS_SURVEY_CSV_H

#include <stdbool.h>
#include <stddef.h>

struct survey_csv {
    char *data; /* NUL-terminated; owned */
    size_t len, cap;
    bool failed; /* an allocation failed: the text is incomplete */
    bool row_started;
};

void survey_csv_init(struct survey_csv *csv);
/* Appends one field (NULL is an empty one) to the current row. */
void survey_csv_field(struct survey_csv *csv, const char *text);
/* Ends the current row. */
void survey_csv_end_row(struct survey_csv *csv);
/* Releases the text. */
void survey_csv_free(struct survey_csv *csv);

#endif
