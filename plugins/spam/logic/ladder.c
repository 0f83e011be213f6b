/* Parsers and formatters for durations, actions, rates and escalation ladders, and the ladder
 * evaluation. Every error names the 1-based position in what the admin typed and an example. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "logic/ladder.h"

#define MAX_DURATION_S (365LL * 24 * 3600)
#define DEFAULT_TIMEOUT_S 600

static const char *const ACTION_NAMES[] = {"none", "delete", "warn",  "timeout",
                                           "kick", "ban",    "alert", "lockdown"};

const char *spam_action_name(enum spam_action_kind kind)
{
    if ((unsigned)kind >= sizeof ACTION_NAMES / sizeof ACTION_NAMES[0])
        return "none";
    return ACTION_NAMES[kind];
}

static int64_t unit_seconds(char c)
{
    switch (c) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    case 'w': return 7 * 86400;
    default: return 0;
    }
}

/* Parses a duration from text[0..len); base is the position of text[0] in the admin's input
 * (0-based), so errors point into what they typed. */
static bool duration_span(const char *text, size_t len, size_t base, int64_t *out, char *err,
                          size_t err_size)
{
    if (len == 0) {
        snprintf(err, err_size, "position %zu: a duration is missing; example: 10m, 1h, 7d",
                 base + 1);
        return false;
    }
    int64_t total = 0;
    size_t i = 0;
    while (i < len) {
        if (!isdigit((unsigned char)text[i])) {
            snprintf(err, err_size,
                     "position %zu: expected a number in the duration \"%.*s\"; example: 1h30m",
                     base + i + 1, (int)len, text);
            return false;
        }
        int64_t n = 0;
        while (i < len && isdigit((unsigned char)text[i])) {
            n = n * 10 + (text[i] - '0');
            if (n > MAX_DURATION_S) {
                snprintf(err, err_size, "position %zu: duration too long (at most 365d)", base + 1);
                return false;
            }
            i++;
        }
        int64_t unit = 1;
        if (i < len) {
            unit = unit_seconds((char)tolower((unsigned char)text[i]));
            if (!unit) {
                snprintf(err, err_size,
                         "position %zu: unknown unit '%c' in \"%.*s\"; use s, m, h, d or w, "
                         "example: 10m",
                         base + i + 1, text[i], (int)len, text);
                return false;
            }
            i++;
        } else if (total != 0) {
            snprintf(err, err_size, "position %zu: the last number needs a unit; example: 1h30m",
                     base + i + 1);
            return false;
        }
        total += n * unit;
        if (total > MAX_DURATION_S) {
            snprintf(err, err_size, "position %zu: duration too long (at most 365d)", base + 1);
            return false;
        }
    }
    *out = total;
    return true;
}

bool spam_duration_parse(const char *text, int64_t *seconds_out, char *err, size_t err_size)
{
    return duration_span(text, strlen(text), 0, seconds_out, err, err_size);
}

const char *spam_duration_format(int64_t seconds, char *buf, size_t size)
{
    static const struct {
        int64_t s;
        char unit;
    } units[] = {{7 * 86400, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    size_t used = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (seconds <= 0) {
        snprintf(buf, size, "0s");
        return buf;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0] && used < size; i++) {
        if (seconds < units[i].s)
            continue;
        int n =
            snprintf(buf + used, size - used, "%" PRId64 "%c", seconds / units[i].s, units[i].unit);
        if (n < 0)
            break;
        used += (size_t)n;
        seconds %= units[i].s;
    }
    return buf;
}

/* Drops the spaces around a span of text; *base (the span's offset in the whole setting, for
 * error positions) moves with its start. */
static void trim_span(const char **text, size_t *len, size_t *base)
{
    while (*len > 0 && isspace((unsigned char)**text)) {
        (*text)++;
        (*len)--;
        (*base)++;
    }
    while (*len > 0 && isspace((unsigned char)(*text)[*len - 1]))
        (*len)--;
}

static bool action_span(const char *text, size_t len, size_t base, struct spam_action *out,
                        char *err, size_t err_size)
{
    trim_span(&text, &len, &base);
    const char *colon = memchr(text, ':', len);
    size_t name_len = colon ? (size_t)(colon - text) : len;
    struct spam_action a = {SPAM_ACTION_NONE, 0};
    for (size_t k = 1; k < sizeof ACTION_NAMES / sizeof ACTION_NAMES[0]; k++) {
        if (strlen(ACTION_NAMES[k]) == name_len && strncmp(text, ACTION_NAMES[k], name_len) == 0)
            a.kind = (enum spam_action_kind)k;
    }
    if (name_len == 4 && strncmp(text, "mute", 4) == 0)
        a.kind = SPAM_ACTION_TIMEOUT;
    if (a.kind == SPAM_ACTION_NONE) {
        snprintf(err, err_size,
                 "position %zu: unknown action \"%.*s\"; use delete, warn, timeout:<duration>, "
                 "kick, ban, alert or lockdown, example: timeout:10m",
                 base + 1, (int)name_len, text);
        return false;
    }
    if (a.kind == SPAM_ACTION_TIMEOUT)
        a.duration_s = DEFAULT_TIMEOUT_S;
    if (colon) {
        if (a.kind != SPAM_ACTION_TIMEOUT && a.kind != SPAM_ACTION_BAN) {
            snprintf(err, err_size,
                     "position %zu: only timeout and ban take a duration; example: timeout:10m",
                     base + name_len + 1);
            return false;
        }
        size_t rest = len - name_len - 1;
        if (!duration_span(colon + 1, rest, base + name_len + 1, &a.duration_s, err, err_size))
            return false;
        if (a.kind == SPAM_ACTION_TIMEOUT && a.duration_s == 0) {
            snprintf(err, err_size, "position %zu: a timeout must last; example: timeout:10m",
                     base + name_len + 2);
            return false;
        }
    }
    *out = a;
    return true;
}

bool spam_action_parse(const char *text, struct spam_action *out, char *err, size_t err_size)
{
    return action_span(text, strlen(text), 0, out, err, err_size);
}

const char *spam_action_format(const struct spam_action *action, char *buf, size_t size)
{
    char d[32];
    if ((action->kind == SPAM_ACTION_TIMEOUT || action->kind == SPAM_ACTION_BAN) &&
        action->duration_s > 0)
        snprintf(buf, size, "%s:%s", spam_action_name(action->kind),
                 spam_duration_format(action->duration_s, d, sizeof d));
    else
        snprintf(buf, size, "%s", spam_action_name(action->kind));
    return buf;
}

/* "N/T" at text[0..len). */
static bool rate_span(const char *text, size_t len, size_t base, uint32_t max_count,
                      uint32_t *count_out, int64_t *window_s_out, char *err, size_t err_size)
{
    const char *slash = memchr(text, '/', len);
    if (!slash) {
        snprintf(err, err_size,
                 "position %zu: expected <count>/<time> like 5/10s (5 within 10 seconds)",
                 base + 1);
        return false;
    }
    size_t count_len = (size_t)(slash - text);
    uint64_t count = 0;
    for (size_t i = 0; i < count_len; i++) {
        if (!isdigit((unsigned char)text[i]) || count > max_count) {
            snprintf(err, err_size, "position %zu: expected a count before '/'; example: 5/10s",
                     base + i + 1);
            return false;
        }
        count = count * 10 + (uint64_t)(text[i] - '0');
    }
    if (count_len == 0 || count < 1 || count > max_count) {
        snprintf(err, err_size, "position %zu: the count must be 1 to %" PRIu32 "; example: 5/10s",
                 base + 1, max_count);
        return false;
    }
    int64_t window = 0;
    const char *t = slash + 1;
    size_t tlen = len - count_len - 1;
    if (!duration_span(t, tlen, base + count_len + 1, &window, err, err_size))
        return false;
    if (window == 0) {
        snprintf(err, err_size, "position %zu: the time must be above 0; example: 5/10s",
                 base + count_len + 2);
        return false;
    }
    *count_out = (uint32_t)count;
    *window_s_out = window;
    return true;
}

bool spam_rate_parse(const char *text, uint32_t max_count, uint32_t *count_out,
                     int64_t *window_ms_out, char *err, size_t err_size)
{
    int64_t window_s = 0;
    if (!rate_span(text, strlen(text), 0, max_count, count_out, &window_s, err, err_size))
        return false;
    *window_ms_out = window_s * 1000;
    return true;
}

static bool ladder_step(const char *text, size_t len, size_t base, struct spam_ladder_step *step,
                        char *err, size_t err_size)
{
    trim_span(&text, &len, &base);
    const char *eq = memchr(text, '=', len);
    if (!eq) {
        snprintf(err, err_size,
                 "position %zu: a step is <strikes>/<time>=<action>; example: "
                 "3/24h=timeout:1h, 5/7d=ban",
                 base + 1);
        return false;
    }
    size_t rate_len = (size_t)(eq - text);
    if (!rate_span(text, rate_len, base, 1000, &step->strikes, &step->window_s, err, err_size))
        return false;
    return action_span(eq + 1, len - rate_len - 1, base + rate_len + 1, &step->action, err,
                       err_size);
}

bool spam_ladder_parse(const char *text, struct spam_ladder *out, char *err, size_t err_size)
{
    struct spam_ladder ladder = {.count = 0};
    size_t len = strlen(text);
    size_t start = 0;
    while (start < len && isspace((unsigned char)text[start]))
        start++;
    if (start == len || strcmp(text + start, "off") == 0) {
        *out = ladder;
        return true;
    }
    for (size_t pos = 0; pos <= len;) {
        const char *comma = memchr(text + pos, ',', len - pos);
        size_t end = comma ? (size_t)(comma - text) : len;
        if (ladder.count == SPAM_LADDER_MAX_STEPS) {
            snprintf(err, err_size, "position %zu: at most %d steps; example: 3/24h=timeout:1h",
                     pos + 1, SPAM_LADDER_MAX_STEPS);
            return false;
        }
        if (!ladder_step(text + pos, end - pos, pos, &ladder.steps[ladder.count], err, err_size))
            return false;
        ladder.count++;
        pos = end + 1;
    }
    *out = ladder;
    return true;
}

const char *spam_ladder_format(const struct spam_ladder *ladder, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (ladder->count == 0) {
        snprintf(buf, size, "off");
        return buf;
    }
    for (size_t i = 0; i < ladder->count && used < size; i++) {
        char d[32], a[48];
        const struct spam_ladder_step *s = &ladder->steps[i];
        int n = snprintf(buf + used, size - used, "%s%" PRIu32 "/%s=%s", i ? ", " : "", s->strikes,
                         spam_duration_format(s->window_s, d, sizeof d),
                         spam_action_format(&s->action, a, sizeof a));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

/* Orders actions by how hard they hit the member; a longer timeout or ban is harsher. */
static int64_t severity(const struct spam_action *a)
{
    static const int64_t rank[] = {0, 2, 3, 4, 5, 6, 1, 1};
    int64_t r = (unsigned)a->kind < 8 ? rank[a->kind] : 0;
    int64_t extra = a->duration_s;
    if (a->kind == SPAM_ACTION_BAN && a->duration_s == 0)
        extra = MAX_DURATION_S + 1; /* permanent */
    return r * (MAX_DURATION_S + 2) + extra;
}

const struct spam_ladder_step *spam_ladder_apply(const struct spam_ladder *ladder,
                                                 const int64_t *strike_times_ms, size_t count,
                                                 int64_t now_ms)
{
    const struct spam_ladder_step *best = NULL;
    for (size_t i = 0; i < ladder->count; i++) {
        const struct spam_ladder_step *step = &ladder->steps[i];
        int64_t since = now_ms - step->window_s * 1000;
        size_t within = 0;
        for (size_t k = 0; k < count; k++)
            if (strike_times_ms[k] > since && strike_times_ms[k] <= now_ms)
                within++;
        if (within < step->strikes)
            continue;
        if (!best || severity(&step->action) >= severity(&best->action))
            best = step;
    }
    return best;
}

int64_t spam_action_severity(const struct spam_action *action)
{
    return severity(action);
}
