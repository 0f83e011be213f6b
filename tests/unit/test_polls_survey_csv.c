/* The survey export's CSV, as a spreadsheet must read it back (RFC 4180). */
#include "check.h"
#include "logic/survey_csv.h"

TEST(test_plain_fields_are_written_as_they_are)
{
    struct survey_csv csv;
    survey_csv_init(&csv);
    survey_csv_field(&csv, "member");
    survey_csv_field(&csv, "How was it?");
    survey_csv_end_row(&csv);
    survey_csv_field(&csv, "test:alice");
    survey_csv_field(&csv, NULL); /* unanswered */
    survey_csv_end_row(&csv);
    REQUIRE(!csv.failed);
    CHECK_STR(csv.data, "member,How was it?\r\ntest:alice,\r\n");
    survey_csv_free(&csv);
}

TEST(test_commas_quotes_and_line_breaks_are_quoted)
{
    struct survey_csv csv;
    survey_csv_init(&csv);
    survey_csv_field(&csv, "tea, coffee");
    survey_csv_field(&csv, "she said \"great\"");
    survey_csv_field(&csv, "line one\nline two");
    survey_csv_field(&csv, "\"");
    survey_csv_end_row(&csv);
    REQUIRE(!csv.failed);
    CHECK_STR(csv.data, "\"tea, coffee\",\"she said \"\"great\"\"\",\"line one\nline two\","
                        "\"\"\"\"\r\n");
    survey_csv_free(&csv);
}

TEST(test_a_large_export_grows_without_losing_rows)
{
    struct survey_csv csv;
    survey_csv_init(&csv);
    for (int i = 0; i < 5000; i++) {
        survey_csv_field(&csv, "test:member");
        survey_csv_field(&csv, "an answer, with a comma");
        survey_csv_end_row(&csv);
    }
    REQUIRE(!csv.failed);
    CHECK_INT(csv.len, 5000 * (12 + 25 + 2));
    survey_csv_free(&csv);
}
