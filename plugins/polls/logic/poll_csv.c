/* RFC 4180 CSV writing and row-boundary cutting for the poll export. */
#include "logic/poll_csv.h"

#include <string.h>

void poll_csv_field(struct poll_buf *out, const char *value, bool first)
{
    if (!first)
        poll_buf_puts(out, ",");
    if (value == NULL)
        value = "";
    if (strpbrk(value, ",\"\r\n") == NULL) {
        poll_buf_puts(out, value);
        return;
    }
    poll_buf_puts(out, "\"");
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            poll_buf_puts(out, "\"\"");
        else
            poll_buf_append(out, p, 1);
    }
    poll_buf_puts(out, "\"");
}

void poll_csv_end_row(struct poll_buf *out)
{
    poll_buf_puts(out, "\r\n");
}

size_t poll_csv_cut(const char *csv, size_t len, size_t max, size_t *rows_out)
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
        rows = poll_csv_rows(csv, len);
    }
    *rows_out = rows;
    return kept;
}

size_t poll_csv_rows(const char *csv, size_t len)
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

/* Bytes the heading, the code fence and the note may take. */
#define TEXT_OVERHEAD 300

void poll_csv_as_text(struct poll_buf *out, long long poll_id, const char *csv, size_t len,
                      size_t max_bytes)
{
    size_t room = max_bytes > TEXT_OVERHEAD ? max_bytes - TEXT_OVERHEAD : 0;
    size_t rows = 0, total = poll_csv_rows(csv, len);
    size_t kept = poll_csv_cut(csv, len, room, &rows);
    poll_buf_printf(out, "Poll #%lld as CSV (this platform cannot take files here):\n```\n",
                    poll_id);
    poll_buf_append(out, csv, kept);
    poll_buf_puts(out, "```");
    if (kept < len)
        poll_buf_printf(out,
                        "\nCut: %zu of %zu rows shown (the header counts as one); the rest "
                        "does not fit in one message.",
                        rows, total);
}
