/* Per-platform poll limits and the checks of a new poll's options. */
#include "logic/poll_spec.h"

#include <stdio.h>
#include <string.h>

#include "logic/utf8.h"

/* Discord: 10 answers in a native poll, answers of 55 characters. Telegram: 12 options of up
 * to 100 characters, but buttons take 80 (the builder's label limit, in characters). Matrix: 20
 * choices. */
static const struct poll_limits platform_limits[] = {
    {"discord", "Discord", 10, 55},
    {"telegram", "Telegram", 12, 80},
    {"matrix", "Matrix", 20, 80},
    {"test", "the test platform", 10, 80},
};

const struct poll_limits *poll_limits_for(const char *platform)
{
    for (size_t i = 0; platform != NULL && i < sizeof platform_limits / sizeof platform_limits[0];
         i++) {
        if (strcmp(platform_limits[i].platform, platform) == 0)
            return &platform_limits[i];
    }
    return &platform_limits[0];
}

/* Equal when they differ only in ASCII capitals: "Pizza" and "pizza" are one option. */
static bool same_option(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char cb = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (ca != cb)
            return false;
    }
    return *a == *b;
}

static bool has_control(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            return true;
    }
    return false;
}

static bool blank(const char *text)
{
    return text[strspn(text, " \t")] == '\0';
}

static bool check_one(const struct poll_limits *limits, const char *const *options, size_t i,
                      char *why, size_t why_size)
{
    const char *option = options[i];
    if (blank(option)) {
        snprintf(why, why_size, "Option %zu is empty; every option needs some text.", i + 1);
        return false;
    }
    if (has_control(option)) {
        snprintf(why, why_size,
                 "Option %zu contains a line break or control character; "
                 "options are one line each.",
                 i + 1);
        return false;
    }
    size_t chars = polls_utf8_chars(option);
    if (chars > limits->max_option_chars) {
        snprintf(why, why_size,
                 "Option %zu is %zu characters long; options on %s can be at most %zu.", i + 1,
                 chars, limits->title, limits->max_option_chars);
        return false;
    }
    for (size_t j = 0; j < i; j++) {
        if (same_option(options[j], option)) {
            snprintf(why, why_size,
                     "The option \"%.80s\" is given twice; each option must be "
                     "different.",
                     option);
            return false;
        }
    }
    return true;
}

bool poll_options_check(const struct poll_limits *limits, const char *const *options, size_t count,
                        char *why, size_t why_size)
{
    if (count < POLL_OPTIONS_MIN) {
        snprintf(why, why_size, "A poll needs at least %d options; you gave %zu.", POLL_OPTIONS_MIN,
                 count);
        return false;
    }
    if (count > limits->max_options) {
        snprintf(why, why_size, "Polls on %s can have at most %zu options; you gave %zu.",
                 limits->title, limits->max_options, count);
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        if (!check_one(limits, options, i, why, why_size))
            return false;
    }
    return true;
}
