/* The survey export's CSV text (see survey_csv.h). */
#include "logic/survey_csv.h"

#include <stdlib.h>
#include <string.h>

void survey_csv_init(struct survey_csv *csv)
{
    *csv = (struct survey_csv){0};
}

static void append(struct survey_csv *csv, const char *bytes, size_t n)
{
    if (csv->failed)
        return;
    if (csv->len + n + 1 > csv->cap) {
        size_t cap = csv->cap ? csv->cap : 256;
        while (cap < csv->len + n + 1)
            cap *= 2;
        char *grown = realloc(csv->data, cap);
        if (grown == NULL) {
            csv->failed = true;
            return;
        }
        csv->data = grown;
        csv->cap = cap;
    }
    memcpy(csv->data + csv->len, bytes, n);
    csv->len += n;
    csv->data[csv->len] = '\0';
}

void survey_csv_field(struct survey_csv *csv, const char *text)
{
    if (text == NULL)
        text = "";
    if (csv->row_started)
        append(csv, ",", 1);
    csv->row_started = true;
    if (strpbrk(text, ",\"\r\n") == NULL) {
        append(csv, text, strlen(text));
        return;
    }
    append(csv, "\"", 1);
    for (const char *p = text; *p; p++) {
        const char *quote = strchr(p, '"');
        size_t run = quote ? (size_t)(quote - p) : strlen(p);
        append(csv, p, run);
        if (quote == NULL)
            break;
        append(csv, "\"\"", 2);
        p = quote;
    }
    append(csv, "\"", 1);
}

void survey_csv_end_row(struct survey_csv *csv)
{
    append(csv, "\r\n", 2);
    csv->row_started = false;
}

void survey_csv_free(struct survey_csv *csv)
{
    free(csv->data);
    *csv = (struct survey_csv){0};
}
