/* The checks of a new poll's options: at least two, at most the platform's count, no empty or
 * multi-line option, none longer than the platform allows, no duplicates. */
#include <string.h>

#include "check.h"
#include "logic/poll_spec.h"

static char why[400];

static bool check(const char *platform, const char *const *options, size_t n)
{
    why[0] = '\0';
    return poll_options_check(poll_limits_for(platform), options, n, why, sizeof why);
}

TEST(test_three_options_are_fine)
{
    const char *options[] = {"Margherita", "Quattro formaggi", "Diavola"};
    CHECK(check("discord", options, 3));
    CHECK_STR(why, "");
}

TEST(test_one_option_is_too_few)
{
    const char *options[] = {"Yes"};
    CHECK(!check("telegram", options, 1));
    CHECK_STR(why, "A poll needs at least 2 options; you gave 1.");
    CHECK(!check("telegram", NULL, 0));
}

TEST(test_each_platform_has_its_own_option_count)
{
    const char *options[21];
    char names[21][8];
    for (int i = 0; i < 21; i++) {
        snprintf(names[i], sizeof names[i], "o%d", i);
        options[i] = names[i];
    }
    CHECK(check("discord", options, 10));
    CHECK(!check("discord", options, 11));
    CHECK_STR(why, "Polls on Discord can have at most 10 options; you gave 11.");
    CHECK(check("telegram", options, 12));
    CHECK(!check("telegram", options, 13));
    CHECK_STR(why, "Polls on Telegram can have at most 12 options; you gave 13.");
    CHECK(check("matrix", options, 20));
    CHECK(!check("matrix", options, 21));
    CHECK_CONTAINS(why, "at most 20 options");
    CHECK(check("test", options, 10));
    CHECK(!check("test", options, 11));
    CHECK_INT(poll_limits_for("unknown")->max_options, 10);
}

TEST(test_duplicate_options_are_refused_whatever_their_capitals)
{
    const char *options[] = {"Tea", "Coffee", "tea"};
    CHECK(!check("matrix", options, 3));
    CHECK_STR(why, "The option \"tea\" is given twice; each option must be different.");
    const char *accents[] = {"Café", "Cafe"};
    CHECK(check("matrix", accents, 2));
}

TEST(test_empty_and_multi_line_options_are_refused)
{
    const char *empty[] = {"Tea", "  "};
    CHECK(!check("discord", empty, 2));
    CHECK_STR(why, "Option 2 is empty; every option needs some text.");
    const char *lines[] = {"Tea\nwith milk", "Coffee"};
    CHECK(!check("discord", lines, 2));
    CHECK_CONTAINS(why, "Option 1 contains a line break");
}

TEST(test_option_length_counts_characters_per_platform)
{
    char long_option[300] = "";
    for (int i = 0; i < 55; i++)
        strcat(long_option, "🍕"); /* 55 characters, 220 bytes */
    const char *options[] = {long_option, "Sushi"};
    CHECK(check("discord", options, 2));
    strcat(long_option, "x");
    CHECK(!check("discord", options, 2));
    CHECK_STR(why, "Option 1 is 56 characters long; options on Discord can be at most 55.");
    CHECK(check("telegram", options, 2));
}
