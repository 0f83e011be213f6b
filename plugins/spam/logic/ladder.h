/* The text forms admins type for actions and escalation, and the escalation ladder itself:
 * durations "10m", actions "timeout:10m", rates "5/10s", ladders "3/24h=timeout:1h, 5/7d=ban". */
#ifndef SPAM_LADDER_H
#define SPAM_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum spam_action_kind {
    SPAM_ACTION_NONE = 0,   /* rule off or no step applies */
    SPAM_ACTION_DELETE = 1, /* delete the message */
    SPAM_ACTION_WARN = 2,   /* delete and warn the member (adds a strike) */
    SPAM_ACTION_TIMEOUT = 3,
    SPAM_ACTION_KICK = 4,
    SPAM_ACTION_BAN = 5,      /* duration_s 0 = permanent */
    SPAM_ACTION_ALERT = 6,    /* only tell the moderators (raid detection's default) */
    SPAM_ACTION_LOCKDOWN = 7, /* raid detection: alert and lock the server down */
};

struct spam_action {
    enum spam_action_kind kind;
    int64_t duration_s; /* TIMEOUT (> 0) and BAN (0 = permanent) */
};

/* A number that grows with how hard the action hits the member (ban > kick > timeout >
 * warn > delete > alert; a longer timeout or ban is harsher; a permanent ban is the harshest). */
int64_t spam_action_severity(const struct spam_action *action);

/* "delete", "warn", "timeout" (default 10m), "timeout:1h", "kick", "ban", "ban:7d",
 * "alert", "lockdown". Returns false with "position N: ... example: timeout:10m" in err. */
bool spam_action_parse(const char *text, struct spam_action *out, char *err, size_t err_size);

/* Writes the typed form back ("timeout:1h") into buf; returns buf. */
const char *spam_action_format(const struct spam_action *action, char *buf, size_t size);

/* The action's name alone: "delete", "timeout", ... */
const char *spam_action_name(enum spam_action_kind kind);

/* "30s", "10m", "1h", "7d", "2w", "1h30m" (a bare number is seconds). Max 365 days.
 * Returns false with a message in err. */
bool spam_duration_parse(const char *text, int64_t *seconds_out, char *err, size_t err_size);

/* Writes "1h30m", "7d", "45s" into buf; returns buf. */
const char *spam_duration_format(int64_t seconds, char *buf, size_t size);

/* "5/10s": count and window. count must be in 1..max_count. */
bool spam_rate_parse(const char *text, uint32_t max_count, uint32_t *count_out,
                     int64_t *window_ms_out, char *err, size_t err_size);

#define SPAM_LADDER_MAX_STEPS 8

/* One step: `strikes` strikes within window_s seconds lead to `action`. */
struct spam_ladder_step {
    uint32_t strikes;
    int64_t window_s;
    struct spam_action action;
};

struct spam_ladder {
    struct spam_ladder_step steps[SPAM_LADDER_MAX_STEPS];
    size_t count;
};

/* "3/24h=timeout:1h, 5/7d=ban" (steps separated by commas; "" or "off" = no ladder). */
bool spam_ladder_parse(const char *text, struct spam_ladder *out, char *err, size_t err_size);

/* Writes the typed form back into buf; returns buf. */
const char *spam_ladder_format(const struct spam_ladder *ladder, char *buf, size_t size);

/* Given the member's strike times (ms, any order, the newest strike included) and now, the step
 * that applies: the most severe step whose strike count is reached within its window (on a tie,
 * the later step in the ladder). NULL when none applies. Borrowed from the ladder. */
const struct spam_ladder_step *spam_ladder_apply(const struct spam_ladder *ladder,
                                                 const int64_t *strike_times_ms, size_t count,
                                                 int64_t now_ms);

#endif
