/* RFC 4180 CSV writing and row-boundary cutting for the poll and survey exports (see csv.h). */
#include "logic/csv.h"

#include <string.h>

void csv_field(struct text_buf *out, const char *value, bool first)
{
    if (!first)
        text_buf_puts(out, ",");
    if (value == NULL)
        value = "";
    if (strpbrk(value, ",\"\r\n") == NULL) {
        text_buf_puts(out, value);
        return;
    }
    text_buf_puts(out, "\"");
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            text_buf_puts(out, "\"\"");
        else
            text_buf_append(out, p, 1);
    }
    text_buf_puts(out, "\"");
}

void csv_end_row(struct text_buf *out)
{
    text_buf_puts(out, "\r\n");
}

size_t csv_cut(const char *csv, size_t len, size_t max, size_t *rows_out)
{
    bool quoted = false;
    size_t kept = 0, rows = 0;
    for (size_t i = 0; i < len && i < max; i++) {
        if (csv[i] == '"')
            quoted = !quoted; /* a doubled quote toggles twice: still inside */
        else if (csv[i] == '\n' && !quoted) {
            kept = i + 1;
            rows++;
        }
    }
    if (len <= max) {
        /* The whole text fits; a last row without its line break counts too. */
        kept = len;
        rows = csv_rows(csv, len);
    }
    *rows_out = rows;
    return kept;
}

size_t csv_rows(const char *csv, size_t len)
{
    bool quoted = false;
    size_t rows = 0;
    for (size_t i = 0; i < len; i++) {
        if (csv[i] == '"')
            quoted = !quoted;
        else if (csv[i] == '\n' && !quoted)
            rows++;
    }
    if (len > 0 && csv[len - 1] != '\n')
        rows++;
    return rows;
}

/* Bytes the fences (8) and the cut note (under 130 with two 20-digit counts) may take besides
 * the heading. */
#define FRAME_MAX 160

void csv_as_text(struct text_buf *out, const char *heading, const char *csv, size_t len,
                 size_t max_bytes)
{
    size_t frame = strlen(heading) + FRAME_MAX;
    size_t room = max_bytes > frame ? max_bytes - frame : 0;
    size_t rows = 0, total = csv_rows(csv, len);
    size_t kept = csv_cut(csv, len, room, &rows);
    text_buf_puts(out, heading);
    text_buf_puts(out, "\n```\n");
    text_buf_append(out, csv, kept);
    text_buf_puts(out, "```");
    if (kept < len)
        text_buf_printf(out,
                        "\nCut: %zu of %zu rows shown (the header counts as one); the rest "
                        "does not fit in one message.",
                        rows, total);
}
