/* What a poll may be: the limits of each platform and the checks of a /poll create request
 * (option count, option length, duplicates). Pure code: no host calls. */
#ifndef KITH_POLLS_SPEC_H
#define KITH_POLLS_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLL_OPTIONS_MIN 2
#define POLL_OPTIONS_MAX 20         /* the most any platform takes (Matrix) */
#define POLL_QUESTION_MAX_CHARS 300 /* Telegram's and Discord's native poll question limit */
#define POLL_DURATION_MIN_S 10
#define POLL_DURATION_MAX_S (30 * 86400)

struct poll_limits {
    const char *platform;    /* "discord", ... */
    const char *title;       /* "Discord", for messages */
    size_t max_options;      /* options of one poll */
    size_t max_option_chars; /* characters of one option */
};

/* The limits of a platform; unknown platforms get the strictest (Discord's). */
const struct poll_limits *poll_limits_for(const char *platform);

/* Checks the options of a new poll against the limits. On failure writes one sentence saying
 * what is wrong (no usage line) into why and returns false. */
bool poll_options_check(const struct poll_limits *limits, const char *const *options, size_t count,
                        char *why, size_t why_size);

#endif
