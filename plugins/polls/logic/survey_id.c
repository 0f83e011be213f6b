/* Survey custom ids (see survey_id.h). */
#include "logic/survey_id.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A positive decimal number without sign or leading zero; *end_out after it. */
static bool parse_positive(const char *s, int64_t *value_out, const char **end_out)
{
    if (*s < '1' || *s > '9')
        return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || v <= 0)
        return false;
    *value_out = v;
    *end_out = end;
    return true;
}

bool survey_custom_id_parse(const char *id, struct survey_custom_id *out)
{
    if (id == NULL || strncmp(id, "s:", 2) != 0)
        return false;
    const char *rest = NULL;
    int64_t survey = 0;
    if (!parse_positive(id + 2, &survey, &rest) || *rest != ':')
        return false;
    rest++;
    struct survey_custom_id parsed = {.survey_id = survey};
    if (strcmp(rest, "start") == 0) {
        parsed.action = SURVEY_ACTION_START;
    } else if (strcmp(rest, "next") == 0) {
        parsed.action = SURVEY_ACTION_NEXT;
    } else if (rest[0] == 'q') {
        int64_t q = 0;
        const char *end = NULL;
        if (!parse_positive(rest + 1, &q, &end) || *end != '\0' || q > 1000)
            return false;
        parsed.action = SURVEY_ACTION_ANSWER;
        parsed.question = (int)q;
    } else {
        return false;
    }
    *out = parsed;
    return true;
}

bool survey_custom_id_format(char *buf, size_t size, const struct survey_custom_id *id)
{
    int n;
    switch (id->action) {
    case SURVEY_ACTION_START: n = snprintf(buf, size, "s:%" PRId64 ":start", id->survey_id); break;
    case SURVEY_ACTION_NEXT: n = snprintf(buf, size, "s:%" PRId64 ":next", id->survey_id); break;
    case SURVEY_ACTION_ANSWER:
        n = snprintf(buf, size, "s:%" PRId64 ":q%d", id->survey_id, id->question);
        break;
    default: return false;
    }
    return n > 0 && (size_t)n < size;
}
