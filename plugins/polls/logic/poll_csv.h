/* CSV as RFC 4180 writes it (fields quoted when they hold a comma, quote or line break; rows
 * end with CRLF), and cutting a CSV at a row boundary for platforms that cannot take files.
 * Pure code: no host calls. */
#ifndef KITH_POLLS_CSV_H
#define KITH_POLLS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "logic/poll_buf.h"

/* Appends one field; first says whether it starts a row (no comma before it). */
void poll_csv_field(struct poll_buf *out, const char *value, bool first);
/* Ends the row (CRLF). */
void poll_csv_end_row(struct poll_buf *out);

/* The length of the longest prefix of csv (len bytes) that holds whole rows only and is at most
 * max bytes; *rows_out is the number of rows in it. Line breaks inside quoted fields do not
 * end a row. */
size_t poll_csv_cut(const char *csv, size_t len, size_t max, size_t *rows_out);

/* The CSV of poll #poll_id as message text for platforms that cannot take files: a heading, the
 * CSV in a code block, cut after a whole row with a note when the text would exceed max_bytes. */
void poll_csv_as_text(struct poll_buf *out, long long poll_id, const char *csv, size_t len,
                      size_t max_bytes);

/* Number of rows in csv. */
size_t poll_csv_rows(const char *csv, size_t len);

#endif
