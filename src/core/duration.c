/* Durations as members type them ("90s", "2h", "1h30m", "7d") and as kith prints them back:
 * the parse and the format are each other's inverse for every non-negative value. */
#include <inttypes.h>
#include <stdio.h>

#include "core/cmdparse.h"

struct unit {
    char letter;
    int64_t seconds;
};

/* Largest first: a duration lists its units in this order, each at most once. */
static const struct unit UNITS[] = {
    {'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1},
};
#define UNIT_COUNT (sizeof(UNITS) / sizeof(UNITS[0]))

/* Index of the unit named by c (any case), or UNIT_COUNT when c names none. */
static size_t unit_index(char c)
{
    if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
    for (size_t i = 0; i < UNIT_COUNT; i++) {
        if (UNITS[i].letter == c)
            return i;
    }
    return UNIT_COUNT;
}

/* Reads the digits at *p into *value; KITH_ERR_LIMIT when they do not fit in int64. */
static kith_err read_number(const char **p, int64_t *value)
{
    const char *s = *p;
    int64_t n = 0;
    if (*s < '0' || *s > '9')
        return KITH_ERR_INVALID;
    for (; *s >= '0' && *s <= '9'; s++) {
        int digit = *s - '0';
        if (n > (INT64_MAX - digit) / 10)
            return KITH_ERR_LIMIT;
        n = n * 10 + digit;
    }
    *p = s;
    *value = n;
    return KITH_OK;
}

kith_err kith_duration_parse(const char *text, int64_t *seconds_out)
{
    if (text == NULL || seconds_out == NULL || *text == '\0')
        return KITH_ERR_INVALID;
    const char *p = text;
    int64_t total = 0;
    size_t next_unit = 0; /* units must come largest first, so "30m1h" is refused */
    bool has_unit = false;
    while (*p != '\0') {
        int64_t n;
        kith_err rc = read_number(&p, &n);
        if (rc != KITH_OK)
            return rc;
        if (*p == '\0') {
            if (has_unit) /* "1h30": thirty what? */
                return KITH_ERR_INVALID;
            *seconds_out = n;
            return KITH_OK;
        }
        size_t u = unit_index(*p++);
        if (u == UNIT_COUNT || u < next_unit)
            return KITH_ERR_INVALID;
        if (n > INT64_MAX / UNITS[u].seconds)
            return KITH_ERR_LIMIT;
        n *= UNITS[u].seconds;
        if (total > INT64_MAX - n)
            return KITH_ERR_LIMIT;
        total += n;
        next_unit = u + 1;
        has_unit = true;
    }
    *seconds_out = total;
    return KITH_OK;
}

void kith_duration_format(int64_t seconds, char *buf, size_t size)
{
    /* Weeks are left out on purpose: "14d" reads more naturally than "2w". */
    static const struct unit shown[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    char tmp[64];
    size_t len = 0;
    uint64_t v;

    if (buf == NULL || size == 0)
        return;
    if (seconds < 0) {
        tmp[len++] = '-';
        v = (uint64_t)(-(seconds + 1)) + 1; /* INT64_MIN has no positive int64 */
    } else {
        v = (uint64_t)seconds;
    }
    if (v == 0)
        len += (size_t)snprintf(tmp + len, sizeof(tmp) - len, "0s");
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        uint64_t unit = (uint64_t)shown[i].seconds;
        if (v >= unit) {
            len += (size_t)snprintf(tmp + len, sizeof(tmp) - len, "%" PRIu64 "%c", v / unit,
                                    shown[i].letter);
            v %= unit;
        }
    }
    snprintf(buf, size, "%s", tmp);
}
