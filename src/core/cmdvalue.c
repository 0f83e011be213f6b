/* Checking one argument against its option declaration: whole numbers, numbers, yes/no,
 * durations, mentions of members, channels and roles as each platform writes them, bounds. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cmdparse.h"

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

static kith_err int64_parse(const char *text, int64_t *out)
{
    if (text == NULL || out == NULL)
        return KITH_ERR_INVALID;
    bool negative = text[0] == '-';
    const char *s = text + (text[0] == '-' || text[0] == '+');
    if (!all_digits(s, strlen(s)))
        return KITH_ERR_INVALID;
    /* Accumulate the magnitude unsigned: -9223372036854775808 must still fit. */
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, n = 0;
    for (; *s; s++) {
        unsigned digit = (unsigned)(*s - '0');
        if (n > (limit - digit) / 10)
            return KITH_ERR_LIMIT;
        n = n * 10 + digit;
    }
    /* -(n - 1) - 1 reaches INT64_MIN without converting an out-of-range unsigned value. */
    *out = negative && n > 0 ? -(int64_t)(n - 1) - 1 : (int64_t)n;
    return KITH_OK;
}

static kith_err number_parse(const char *text, double *out)
{
    char buf[64];
    size_t len = text != NULL ? strlen(text) : 0;
    if (len == 0 || len >= sizeof(buf) || out == NULL)
        return KITH_ERR_INVALID;
    /* strtod alone would take "inf", "nan" and hex; only plain decimals are numbers here. */
    if (strspn(text, "0123456789+-.,eE") != len || strpbrk(text, "0123456789") == NULL)
        return KITH_ERR_INVALID;
    memcpy(buf, text, len + 1);
    char *comma = strchr(buf, ',');
    if (comma != NULL) {
        /* "2,5" is how half of Europe writes 2.5; anything else with a comma is not. */
        if (strchr(buf, '.') != NULL || strchr(comma + 1, ',') != NULL)
            return KITH_ERR_INVALID;
        *comma = '.';
    }
    char *end;
    double v = strtod(buf, &end);
    if (*end != '\0' || !isfinite(v))
        return KITH_ERR_INVALID;
    *out = v;
    return KITH_OK;
}

static kith_err bool_parse(const char *text, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1", "y"};
    static const char *const no[] = {"false", "no", "off", "0", "n"};
    if (text == NULL || out == NULL)
        return KITH_ERR_INVALID;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return KITH_OK;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return KITH_OK;
        }
    }
    return KITH_ERR_INVALID;
}

/* Copies the id out of a Discord mention "<{open}123>"; false when text is no such mention. */
static bool unwrap_mention(const char *text, const char *open, char *buf, size_t size)
{
    size_t olen = strlen(open), len = strlen(text);
    if (len < olen + 2 || strncmp(text, open, olen) != 0 || text[len - 1] != '>')
        return false;
    size_t n = len - olen - 1;
    if (!all_digits(text + olen, n) || n >= size)
        return false;
    memcpy(buf, text + olen, n);
    buf[n] = '\0';
    return true;
}

/* A name after its sigil ("@alice", "#general", "@bob:matrix.org"): one word, no markup. */
static bool plain_name(const char *s)
{
    return *s != '\0' && strpbrk(s, "<> \t\r\n") == NULL;
}

static kith_err keep(const char *text, char *buf, size_t size)
{
    size_t len = strlen(text);
    if (len >= size)
        return KITH_ERR_LIMIT;
    memcpy(buf, text, len + 1);
    return KITH_OK;
}

static kith_err user_ref_parse(const char *text, char *buf, size_t size)
{
    if (text == NULL || buf == NULL || size == 0)
        return KITH_ERR_INVALID;
    if (text[0] == '<') {
        if (unwrap_mention(text, "<@!", buf, size) || unwrap_mention(text, "<@", buf, size))
            return KITH_OK;
        return KITH_ERR_INVALID;
    }
    if ((text[0] == '@' && plain_name(text + 1)) || all_digits(text, strlen(text)))
        return keep(text, buf, size);
    return KITH_ERR_INVALID;
}

static kith_err channel_ref_parse(const char *text, char *buf, size_t size)
{
    if (text == NULL || buf == NULL || size == 0)
        return KITH_ERR_INVALID;
    if (text[0] == '<')
        return unwrap_mention(text, "<#", buf, size) ? KITH_OK : KITH_ERR_INVALID;
    const char *digits = text + (text[0] == '-'); /* Telegram group ids are negative */
    bool matrix_room = text[0] == '!' && plain_name(text + 1) && strchr(text + 2, ':') != NULL;
    if ((text[0] == '#' && plain_name(text + 1)) || matrix_room ||
        all_digits(digits, strlen(digits)))
        return keep(text, buf, size);
    return KITH_ERR_INVALID;
}

static kith_err role_ref_parse(const char *text, char *buf, size_t size)
{
    if (text == NULL || buf == NULL || size == 0)
        return KITH_ERR_INVALID;
    if (text[0] == '<')
        return unwrap_mention(text, "<@&", buf, size) ? KITH_OK : KITH_ERR_INVALID;
    /* Role names may hold spaces ("Event Team"), so any other non-blank text is a name. */
    if (text[strspn(text, " \t\r\n")] == '\0')
        return KITH_ERR_INVALID;
    return keep(text, buf, size);
}

const char *kith_option_label(const struct kith_option_decl *o, char *buf, size_t size)
{
    if (o->flags & KITH_OPTF_NAMED)
        snprintf(buf, size, "--%s", o->name);
    else if (o->flags & (KITH_OPTF_VARIADIC | KITH_OPTF_REST))
        snprintf(buf, size, "<%s...>", o->name);
    else
        snprintf(buf, size, "<%s>", o->name);
    return buf;
}

/* ---- Messages: each names the bad text and the argument ---- */

#define EXCERPT_CHARS 40
#define LABEL(o) kith_option_label((o), (char[48]){0}, 48)
#define EXCERPT(s) excerpt((s), (char[EXCERPT_CHARS * 4 + 4]){0}, EXCERPT_CHARS * 4 + 4)

static const char *excerpt(const char *s, char *buf, size_t size)
{
    kith_text_excerpt(s, EXCERPT_CHARS, buf, size);
    return buf;
}

static kith_err fail(struct kith_parse_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static kith_err fail(struct kith_parse_error *err, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return KITH_ERR_INVALID;
}

enum bound_kind { BOUND_VALUE, BOUND_DURATION, BOUND_LENGTH };

static void format_bound(enum bound_kind kind, int64_t n, char *buf, size_t size)
{
    if (kind == BOUND_DURATION)
        kith_duration_format(n, buf, size);
    else
        snprintf(buf, size, "%lld", (long long)n);
}

/* 0,0 means unbounded; a max below min (typically 0) means "no upper bound", and a length
 * has no lower bound unless min is positive. */
static kith_err check_bounds(const struct kith_option_decl *o, int64_t value, enum bound_kind kind,
                             struct kith_parse_error *err)
{
    bool upper = o->max >= o->min, lower = !(kind == BOUND_LENGTH && o->min <= 0);
    if (o->min == 0 && o->max == 0)
        return KITH_OK;
    if ((!lower || value >= o->min) && (!upper || value <= o->max))
        return KITH_OK;
    char lo[32], hi[32], got[32], range[80];
    format_bound(kind, o->min, lo, sizeof(lo));
    format_bound(kind, o->max, hi, sizeof(hi));
    format_bound(kind, value, got, sizeof(got));
    if (lower && upper)
        snprintf(range, sizeof(range), "between %s and %s", lo, hi);
    else if (lower)
        snprintf(range, sizeof(range), "at least %s", lo);
    else
        snprintf(range, sizeof(range), "at most %s", hi);
    if (kind == BOUND_LENGTH)
        return fail(err, "%s must be %s characters long, not %s", LABEL(o), range, got);
    return fail(err, "%s must be %s, not %s", LABEL(o), range, got);
}

/* ---- One function per type; each sets v->text (to text, a constant or scratch) ---- */

static kith_err check_string(const struct kith_option_decl *o, const char *text,
                             struct kith_option_value *v, struct kith_parse_error *err)
{
    v->text = text;
    return check_bounds(o, (int64_t)kith_utf8_length(text), BOUND_LENGTH, err);
}

static kith_err check_integer(const struct kith_option_decl *o, const char *text,
                              struct kith_option_value *v, struct kith_parse_error *err)
{
    kith_err rc = int64_parse(text, &v->integer);
    if (rc == KITH_ERR_LIMIT)
        return fail(err, "\"%s\" is too %s for %s", EXCERPT(text),
                    text[0] == '-' ? "small" : "large", LABEL(o));
    if (rc != KITH_OK)
        return fail(err, "\"%s\" is not a whole number for %s", EXCERPT(text), LABEL(o));
    v->text = text;
    v->number = (double)v->integer;
    return check_bounds(o, v->integer, BOUND_VALUE, err);
}

static kith_err check_number(const struct kith_option_decl *o, const char *text,
                             struct kith_option_value *v, struct kith_parse_error *err)
{
    if (number_parse(text, &v->number) != KITH_OK)
        return fail(err, "\"%s\" is not a number for %s", EXCERPT(text), LABEL(o));
    v->text = text;
    bool upper = o->max >= o->min;
    if ((o->min == 0 && o->max == 0) ||
        (v->number >= (double)o->min && (!upper || v->number <= (double)o->max)))
        return KITH_OK;
    if (upper)
        return fail(err, "%s must be between %lld and %lld, not %s", LABEL(o), (long long)o->min,
                    (long long)o->max, EXCERPT(text));
    return fail(err, "%s must be at least %lld, not %s", LABEL(o), (long long)o->min,
                EXCERPT(text));
}

static kith_err check_boolean(const struct kith_option_decl *o, const char *text,
                              struct kith_option_value *v, struct kith_parse_error *err)
{
    bool b;
    if (bool_parse(text, &b) != KITH_OK)
        return fail(err, "\"%s\" is not yes or no for %s", EXCERPT(text), LABEL(o));
    v->integer = b;
    v->text = b ? "true" : "false";
    return KITH_OK;
}

static kith_err check_duration(const struct kith_option_decl *o, const char *text, char *scratch,
                               size_t size, struct kith_option_value *v,
                               struct kith_parse_error *err)
{
    kith_err rc = kith_duration_parse(text, &v->integer);
    if (rc == KITH_ERR_LIMIT)
        return fail(err, "\"%s\" is too long a duration for %s", EXCERPT(text), LABEL(o));
    if (rc != KITH_OK)
        return fail(err, "\"%s\" is not a duration for %s; try 90s, 15m, 2h, 7d or 1h30m",
                    EXCERPT(text), LABEL(o));
    v->number = (double)v->integer;
    kith_duration_format(v->integer, scratch, size);
    v->text = scratch;
    return check_bounds(o, v->integer, BOUND_DURATION, err);
}

/* Mentions lose their platform decoration ("<@123>" -> "123"); names keep their sigil. */
static kith_err check_reference(const struct kith_option_decl *o, const char *text, char *scratch,
                                size_t size, struct kith_option_value *v,
                                struct kith_parse_error *err)
{
    kith_err rc;
    v->text = scratch;
    if (o->type == KITH_OPT_USER) {
        rc = user_ref_parse(text, scratch, size);
        if (rc != KITH_OK)
            return fail(err,
                        "\"%s\" is not a member for %s; mention them (@name) or give "
                        "their id",
                        EXCERPT(text), LABEL(o));
    } else if (o->type == KITH_OPT_CHANNEL) {
        rc = channel_ref_parse(text, scratch, size);
        if (rc != KITH_OK)
            return fail(err,
                        "\"%s\" is not a channel for %s; mention it (#name) or give its "
                        "id",
                        EXCERPT(text), LABEL(o));
    } else {
        rc = role_ref_parse(text, scratch, size);
        if (rc != KITH_OK)
            return fail(err, "\"%s\" is not a role for %s; mention it or give its name or id",
                        EXCERPT(text), LABEL(o));
    }
    return KITH_OK;
}

kith_err kith_option_value_parse(const struct kith_option_decl *o, const char *text, char *scratch,
                                 size_t scratch_size, struct kith_option_value *v,
                                 struct kith_parse_error *err)
{
    if (o == NULL || text == NULL || v == NULL || scratch == NULL ||
        scratch_size < strlen(text) + 32)
        return fail(err, "internal error: bad arguments to check an option");
    *v = (struct kith_option_value){.type = (int)o->type};
    switch (o->type) {
    case KITH_OPT_STRING: return check_string(o, text, v, err);
    case KITH_OPT_INTEGER: return check_integer(o, text, v, err);
    case KITH_OPT_NUMBER: return check_number(o, text, v, err);
    case KITH_OPT_BOOLEAN: return check_boolean(o, text, v, err);
    case KITH_OPT_DURATION: return check_duration(o, text, scratch, scratch_size, v, err);
    case KITH_OPT_USER:
    case KITH_OPT_CHANNEL:
    case KITH_OPT_ROLE: return check_reference(o, text, scratch, scratch_size, v, err);
    }
    return fail(err, "%s has a type kith does not know (%d)", LABEL(o), (int)o->type);
}
