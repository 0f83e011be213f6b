/* Banned words and patterns admins write: words on boundaries, wildcards, the safe regex
 * subset, refusals with positions, and patterns that would hang a backtracking engine. */
#include "check.h"
#include "logic/fold.h"
#include "logic/pattern.h"

/* Compiles one pattern, folds the message, and tells whether it matched. */
static bool matches(const char *pattern, const char *message)
{
    char err[200] = "";
    spam_pattern_set *set = spam_pattern_set_new();
    if (!set)
        return false;
    if (spam_pattern_set_add(set, pattern, err, sizeof err) != 0) {
        fprintf(stderr, "  pattern \"%s\" refused: %s\n", pattern, err);
        spam_pattern_set_free(set);
        return false;
    }
    char *folded = spam_fold_new(message, strlen(message), SPAM_FOLD_DEFAULT);
    struct spam_match m;
    size_t n = folded ? spam_pattern_set_match(set, folded, strlen(folded), &m, 1) : 0;
    free(folded);
    spam_pattern_set_free(set);
    return n == 1;
}

/* Checks that the pattern is refused with a message containing `expected`. */
static void check_refused(const char *pattern, const char *expected)
{
    char err[200] = "";
    CHECK(!spam_pattern_check(pattern, err, sizeof err));
    CHECK_CONTAINS(err, expected);
}

TEST(test_banned_word_matches_whole_words_only)
{
    CHECK(matches("scam", "this is a SCAM!"));
    CHECK(!matches("scam", "scampi for dinner"));
    CHECK(!matches("ass", "a class act"));
}

TEST(test_banned_phrase_matches_across_spaces_and_punctuation)
{
    CHECK(matches("free nitro", "get FREE   nitro now"));
    CHECK(matches("free nitro", "free, nitro!"));
    CHECK(!matches("free nitro", "free of nitrogen"));
}

TEST(test_lookalike_and_invisible_evasions_still_match)
{
    CHECK(matches("free nitro", "fr\xD0\xB5\xD0\xB5 n\xE2\x80\x8Bitr0"));
    CHECK(matches("free nitro", "\xF0\x9D\x90\x9F\xF0\x9D\x90\xAB\xF0\x9D\x90\x9E\xF0\x9D\x90\x9E "
                                "\xEF\xBC\xAE\xEF\xBC\xA9\xEF\xBC\xB4\xEF\xBC\xB2\xEF\xBC\xAF"));
    CHECK(matches("free nitro", "FR33 N1TRO"));
}

TEST(test_german_and_russian_words_match_their_spellings)
{
    CHECK(matches("strasse", "Die Straße ist voll"));
    CHECK(matches("Straße", "STRASSE"));
    CHECK(matches("продам", "ПРОДАМ аккаунт"));
    CHECK(matches("продам", "пр0дам аккаунт"));
    CHECK(matches("продам", "прoдам аккаунт")); /* Latin o */
    CHECK(!matches("продам", "продаю"));
}

TEST(test_emoji_pattern_matches_emoji)
{
    CHECK(matches("\xF0\x9F\x8D\x86", "look \xF0\x9F\x8D\x86\xF0\x9F\x8D\x86"));
    CHECK(!matches("\xF0\x9F\x8D\x86", "look \xF0\x9F\x8D\x91"));
}

TEST(test_star_and_question_mark_wildcards)
{
    CHECK(matches("fr*e", "freeeee stuff"));
    CHECK(matches("fr*e", "fre"));
    CHECK(!matches("fr*e", "fr ee"));
    CHECK(matches("gr?y", "grey and gray"));
    CHECK(!matches("gr?y", "gry"));
    CHECK(matches("*coin", "buy shitcoin"));
}

TEST(test_regex_subset_matches)
{
    CHECK(matches("re:^buy\\s+now", "BUY   now please"));
    CHECK(!matches("re:^buy\\s+now", "please buy now"));
    CHECK(matches("re:(free|cheap) nitro", "cheap nitro"));
    CHECK(matches("re:n[i1l]tr[o0]", "NITR0"));
    CHECK(matches("re:\\bx{2,3}\\b", "xxx"));
    CHECK(!matches("re:\\bx{2,3}\\b", "xxxx"));
    CHECK(matches("re:\\d{3}-\\d{4}", "call 555-1234"));
    CHECK(matches("re:[A-Z]+coin$", "buy MOONCOIN"));
    CHECK(matches("re:a.c", "abc"));
    CHECK(matches("re:colou?r", "color"));
    CHECK(matches("re:[^a-z ]", "abc!"));
    CHECK(!matches("re:[^a-z ]", "abc def"));
    CHECK(matches("re:\\w+@\\w+\\.com", "mail me@x.com")); /* @ at word start stays @ */
}

TEST(test_regex_literals_match_russian_and_lookalike_forms)
{
    CHECK(matches("re:продам", "ПРОДАМ"));
    CHECK(matches("re:free", "fr\xD0\xB5\xD0\xB5"));
    CHECK(matches("re:s[a@]le", "$ALE"));
    CHECK(matches("re:fr3e", "free"));
    CHECK(matches("re:covid19", "covid19")); /* the 1 became i in the text; the literal 1 too */
}

TEST(test_backreferences_and_lookaround_are_refused_with_position)
{
    check_refused("re:(a)\\1", "position 7: backreferences");
    check_refused("re:foo(?=bar)", "position 7: lookahead");
    check_refused("re:(?<=x)y", "position 4: lookahead and lookbehind");
    check_refused("re:(?i)abc", "inline flags");
    check_refused("re:\\p{L}", "Unicode properties");
}

TEST(test_broken_regexes_are_refused_with_position_and_example)
{
    check_refused("re:(abc", "position 4: unclosed (; example: re:(free|cheap) nitro");
    check_refused("re:abc)", "position 7: unmatched )");
    check_refused("re:[abc", "position 4: unclosed [");
    check_refused("re:*a", "position 4: nothing to repeat");
    check_refused("re:a{3,1}", "n must not be below m");
    check_refused("re:a{1,99}", "above 50");
    check_refused("re:a{x}", "expected {m}");
    check_refused("re:[z-a]", "low to high");
    check_refused("re:\\q", "unknown escape \\q");
    check_refused("re:", "empty");
    check_refused("   ", "empty");
    check_refused("re:^*", "nothing to repeat");
}

TEST(test_patterns_that_would_match_every_message_are_refused)
{
    check_refused("*", "only '*' would match every message");
    check_refused("re:a*", "matches every message");
    check_refused("re:spam|", "matches every message");
    check_refused("re:(x?)", "matches every message");
    CHECK(matches("re:^$", ""));
    CHECK(!matches("re:^$", "hello"));
}

TEST(test_leading_and_trailing_stars_only_lift_the_word_boundary)
{
    CHECK(matches("*coin", "buy bitcoin"));
    CHECK(matches("*coin", "coin"));
    CHECK(!matches("*coin", "coins"));
    CHECK(matches("coin*", "coins"));
    CHECK(matches("*coin*", "bitcoins"));
}

TEST(test_oversized_patterns_are_refused)
{
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    check_refused(big, "at most 200");
    check_refused("re:((a{50}){50}){50}", "too large");
}

TEST(test_set_reports_every_pattern_that_matched_with_its_span)
{
    char err[200];
    spam_pattern_set *set = spam_pattern_set_new();
    REQUIRE(set != NULL);
    CHECK_INT(spam_pattern_set_add(set, "crypto", err, sizeof err), 0);
    CHECK_INT(spam_pattern_set_add(set, "free nitro", err, sizeof err), 1);
    CHECK_INT(spam_pattern_set_add(set, "re:disc[o0]rd", err, sizeof err), 2);
    CHECK_INT(spam_pattern_set_add(set, "re:(", err, sizeof err), -1);
    CHECK_INT(spam_pattern_set_count(set), 3);
    CHECK_STR(spam_pattern_set_source(set, 2), "re:disc[o0]rd");
    const char *text = "get free nitro on discord";
    struct spam_match m[3];
    CHECK_INT(spam_pattern_set_match(set, text, strlen(text), m, 3), 2);
    CHECK_INT(m[0].pattern, 1);
    CHECK_INT(m[0].start, 4);
    CHECK_INT(m[0].end, 14);
    CHECK_INT(m[1].pattern, 2);
    CHECK_INT(m[1].start, 18);
    CHECK_INT(m[1].end, 25);
    /* only max are written, all are counted */
    CHECK_INT(spam_pattern_set_match(set, text, strlen(text), m, 1), 2);
    CHECK_INT(m[0].pattern, 1);
    spam_pattern_set_free(set);
}

TEST(test_a_server_can_keep_500_patterns_and_no_more)
{
    char err[200], source[32];
    spam_pattern_set *set = spam_pattern_set_new();
    REQUIRE(set != NULL);
    for (int i = 0; i < SPAM_PATTERN_MAX_COUNT; i++) {
        snprintf(source, sizeof source, "word%c%c", 'a' + i % 26, 'a' + i / 26);
        CHECK_INT(spam_pattern_set_add(set, source, err, sizeof err), i);
    }
    CHECK_INT(spam_pattern_set_add(set, "one more", err, sizeof err), -1);
    CHECK_CONTAINS(err, "at most 500 patterns");
    const char *text = "a wordzs here";
    struct spam_match m;
    CHECK_INT(spam_pattern_set_match(set, text, strlen(text), &m, 1), 1);
    CHECK_STR(spam_pattern_set_source(set, m.pattern), "wordzs");
    spam_pattern_set_free(set);
}

TEST(test_invalid_utf8_in_messages_and_patterns_is_harmless)
{
    CHECK(matches("free", "\xFF\xFE free \xC3"));
    CHECK(matches("re:a.b", "a\xFF"
                            "b")); /* the bad byte is one replacement character */
    CHECK(!matches("re:a.b", "a\xFF\xFE"
                             "b"));
    char err[200];
    CHECK(spam_pattern_check("bad \xFF byte", err, sizeof err));
}

/* Runs pattern over n bytes of 'a' (plus a tail) and returns the steps per byte. */
static double steps_per_byte(const char *pattern, size_t n, const char *tail, bool *matched)
{
    char err[200];
    spam_pattern_set *set = spam_pattern_set_new();
    char *text = malloc(n + strlen(tail) + 1);
    if (!set || !text || spam_pattern_set_add(set, pattern, err, sizeof err) != 0) {
        spam_pattern_set_free(set);
        free(text);
        return 1e9;
    }
    memset(text, 'a', n);
    strcpy(text + n, tail);
    struct spam_match m;
    *matched = spam_pattern_set_match(set, text, strlen(text), &m, 1) == 1;
    double per = (double)spam_pattern_set_last_steps(set) / (double)n;
    spam_pattern_set_free(set);
    free(text);
    return per;
}

TEST(test_pathological_patterns_run_in_linear_steps)
{
    static const char *const evil[] = {"re:(a+)+$",    "re:(a|aa)*b",     "re:(a*)*b",
                                       "re:(a|a)*c",   "re:(.*a){20}",    "re:(a?){30}a{30}b",
                                       "*a*a*a*a*a*b", "re:(\\w+\\s?)*$x"};
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        bool matched_small, matched_big;
        double small = steps_per_byte(evil[i], 1000, "!", &matched_small);
        double big = steps_per_byte(evil[i], 100000, "!", &matched_big);
        /* linear: the steps per byte do not grow with the text */
        CHECK(big <= small * 1.1 + 1);
        CHECK(big < 1000);
        if (big > small * 1.1 + 1)
            fprintf(stderr, "  %s: %.1f steps/byte at 1 kB, %.1f at 100 kB\n", evil[i], small, big);
    }
    bool matched;
    steps_per_byte("re:(a+)+$", 100000, "", &matched);
    CHECK(matched);
    steps_per_byte("re:(a|aa)*b", 100000, "b", &matched);
    CHECK(matched);
    steps_per_byte("re:(a|aa)*b", 100000, "", &matched);
    CHECK(!matched);
}
