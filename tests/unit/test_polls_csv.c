/* CSV as RFC 4180 writes it for the poll and survey exports (a spreadsheet must read it back):
 * fields with commas, quotes or line breaks quoted, quotes doubled, Unicode as is, CRLF row
 * ends; and cutting at whole rows for platforms without files. */
#include <string.h>

#include "check.h"
#include "logic/csv.h"

static const char *row(const char *const *fields, size_t n)
{
    static char out[256];
    struct text_buf b = {0};
    for (size_t i = 0; i < n; i++)
        csv_field(&b, fields[i], i == 0);
    csv_end_row(&b);
    snprintf(out, sizeof out, "%s", text_buf_text(&b));
    text_buf_free(&b);
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

TEST(test_a_quote_alone_is_doubled_inside_quotes)
{
    const char *fields[] = {"\"", "she said \"great\""};
    CHECK_STR(row(fields, 2), "\"\"\"\",\"she said \"\"great\"\"\"\r\n");
}

TEST(test_a_large_export_grows_without_losing_rows)
{
    struct text_buf csv = {0};
    for (int i = 0; i < 5000; i++) {
        csv_field(&csv, "test:member", true);
        csv_field(&csv, "an answer, with a comma", false);
        csv_end_row(&csv);
    }
    REQUIRE(!csv.failed);
    CHECK_INT(csv.len, 5000 * (12 + 25 + 2));
    CHECK_INT(csv_rows(csv.data, csv.len), 5000);
    text_buf_free(&csv);
}

TEST(test_rows_are_counted_outside_quotes_only)
{
    const char *csv = "a,b\r\n\"x\r\ny\",z\r\nlast,row";
    CHECK_INT(csv_rows(csv, strlen(csv)), 3);
    CHECK_INT(csv_rows("", 0), 0);
}

TEST(test_cut_keeps_whole_rows_only)
{
    const char *csv = "h1,h2\r\n\"multi\r\nline\",1\r\nthird,3\r\n";
    size_t rows = 0, len = strlen(csv);
    CHECK_INT(csv_cut(csv, len, len, &rows), len);
    CHECK_INT(rows, 3);
    /* Room up to the middle of the quoted line break: only the header fits. */
    CHECK_INT(csv_cut(csv, len, 16, &rows), 7);
    CHECK_INT(rows, 1);
    CHECK_INT(csv_cut(csv, len, len - 1, &rows), strlen("h1,h2\r\n\"multi\r\nline\",1\r\n"));
    CHECK_INT(rows, 2);
    CHECK_INT(csv_cut(csv, len, 3, &rows), 0);
    CHECK_INT(rows, 0);
}

TEST(test_csv_as_text_fits_in_a_code_block)
{
    const char *csv = "poll,option,votes\r\n1,Tea,2\r\n";
    struct text_buf b = {0};
    csv_as_text(&b, "Poll #4 as CSV (this platform cannot take files here):", csv, strlen(csv),
                4000);
    CHECK_STR(text_buf_text(&b), "Poll #4 as CSV (this platform cannot take files here):\n```\n"
                                 "poll,option,votes\r\n1,Tea,2\r\n```");
    text_buf_free(&b);
}

TEST(test_csv_too_long_for_a_message_is_cut_after_a_row_with_a_note)
{
    struct text_buf csv = {0};
    csv_field(&csv, "poll", true);
    csv_field(&csv, "voter", false);
    csv_end_row(&csv);
    for (int i = 0; i < 500; i++) {
        char voter[32];
        snprintf(voter, sizeof voter, "test:member%03d", i);
        csv_field(&csv, "9", true);
        csv_field(&csv, voter, false);
        csv_end_row(&csv);
    }
    struct text_buf b = {0};
    csv_as_text(&b, "Poll #9 as CSV (this platform cannot take files here):", csv.data, csv.len,
                4000);
    /* 4000 bytes less the heading (55), fences and note (160): the header and 209 rows of 18. */
    CHECK(b.len <= 4000);
    CHECK_CONTAINS(text_buf_text(&b), "9,test:member208\r\n```\nCut: 210 of 501 rows shown");
    CHECK(strstr(text_buf_text(&b), "member209") == NULL);
    text_buf_free(&b);
    text_buf_free(&csv);
}
