/* CSV as RFC 4180 writes it: fields with commas, quotes or line breaks quoted, quotes doubled,
 * Unicode as is, CRLF row ends; and cutting at whole rows for platforms without files. */
#include <string.h>

#include "check.h"
#include "logic/poll_csv.h"

static const char *row(const char *const *fields, size_t n)
{
    static char out[256];
    struct poll_buf b = {0};
    for (size_t i = 0; i < n; i++)
        poll_csv_field(&b, fields[i], i == 0);
    poll_csv_end_row(&b);
    snprintf(out, sizeof out, "%s", poll_buf_text(&b));
    poll_buf_free(&b);
    return out;
}

TEST(test_plain_fields_are_not_quoted)
{
    const char *fields[] = {"7", "Margherita", "discord:42", "Alice"};
    CHECK_STR(row(fields, 4), "7,Margherita,discord:42,Alice\r\n");
}

TEST(test_commas_quotes_and_line_breaks_are_quoted)
{
    const char *fields[] = {"Smith, Jr", "Bob \"the builder\"", "two\nlines", "cr\rhere"};
    CHECK_STR(row(fields, 4),
              "\"Smith, Jr\",\"Bob \"\"the builder\"\"\",\"two\nlines\",\"cr\rhere\"\r\n");
}

TEST(test_unicode_and_empty_fields_pass_unchanged)
{
    const char *fields[] = {"Käse 🍕", "", NULL, "Привет"};
    CHECK_STR(row(fields, 4), "Käse 🍕,,,Привет\r\n");
}

TEST(test_rows_are_counted_outside_quotes_only)
{
    const char *csv = "a,b\r\n\"x\r\ny\",z\r\nlast,row";
    CHECK_INT(poll_csv_rows(csv, strlen(csv)), 3);
    CHECK_INT(poll_csv_rows("", 0), 0);
}

TEST(test_cut_keeps_whole_rows_only)
{
    const char *csv = "h1,h2\r\n\"multi\r\nline\",1\r\nthird,3\r\n";
    size_t rows = 0, len = strlen(csv);
    CHECK_INT(poll_csv_cut(csv, len, len, &rows), len);
    CHECK_INT(rows, 3);
    /* Room up to the middle of the quoted line break: only the header fits. */
    CHECK_INT(poll_csv_cut(csv, len, 16, &rows), 7);
    CHECK_INT(rows, 1);
    CHECK_INT(poll_csv_cut(csv, len, len - 1, &rows), strlen("h1,h2\r\n\"multi\r\nline\",1\r\n"));
    CHECK_INT(rows, 2);
    CHECK_INT(poll_csv_cut(csv, len, 3, &rows), 0);
    CHECK_INT(rows, 0);
}

TEST(test_csv_as_text_fits_in_a_code_block)
{
    const char *csv = "poll,option,votes\r\n1,Tea,2\r\n";
    struct poll_buf b = {0};
    poll_csv_as_text(&b, 4, csv, strlen(csv), 4000);
    CHECK_STR(poll_buf_text(&b), "Poll #4 as CSV (this platform cannot take files here):\n```\n"
                                 "poll,option,votes\r\n1,Tea,2\r\n```");
    poll_buf_free(&b);
}

TEST(test_csv_too_long_for_a_message_is_cut_after_a_row_with_a_note)
{
    struct poll_buf csv = {0};
    poll_csv_field(&csv, "poll", true);
    poll_csv_field(&csv, "voter", false);
    poll_csv_end_row(&csv);
    for (int i = 0; i < 500; i++) {
        char voter[32];
        snprintf(voter, sizeof voter, "test:member%03d", i);
        poll_csv_field(&csv, "9", true);
        poll_csv_field(&csv, voter, false);
        poll_csv_end_row(&csv);
    }
    struct poll_buf b = {0};
    poll_csv_as_text(&b, 9, csv.data, csv.len, 4000);
    CHECK(b.len <= 4000);
    CHECK_CONTAINS(poll_buf_text(&b), "9,test:member203\r\n```\nCut: 205 of 501 rows shown");
    CHECK(strstr(poll_buf_text(&b), "member204") == NULL);
    poll_buf_free(&b);
    poll_buf_free(&csv);
}
