/* CSV as RFC 4180 writes it (fields quoted when they hold a comma, quote or line break, quotes
 * doubled, rows ended by CRLF) for the poll and survey exports, and the CSV as message text, cut
 * after a whole row, for platforms that cannot take the file. Pure code: no host calls. */
#ifndef KITH_POLLS_CSV_H
#define KITH_POLLS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "logic/text_buf.h"

/* Appends one field (NULL is an empty one); first says whether it starts a row (no comma
 * before it). */
void csv_field(struct text_buf *out, const char *value, bool first);
/* Ends the row (CRLF). */
void csv_end_row(struct text_buf *out);

/* The length of the longest prefix of csv (len bytes) that holds whole rows only and is at most
 * max bytes; *rows_out is the number of rows in it. Line breaks inside quoted fields do not
 * end a row. */
size_t csv_cut(const char *csv, size_t len, size_t max, size_t *rows_out);

/* Number of rows in csv. */
size_t csv_rows(const char *csv, size_t len);

/* The CSV as message text: heading (one line, like "Poll #7 as CSV (...):"), then the CSV in a
 * code block, cut after a whole row with a note saying how many rows are shown when the text
 * would exceed max_bytes. heading should leave room for some rows: the code block gets
 * max_bytes less the heading, the fences and the note. */
void csv_as_text(struct text_buf *out, const char *heading, const char *csv, size_t len,
                 size_t max_bytes);

#endif
