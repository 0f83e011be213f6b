/* Durations as members type them ("2h", "1h30m") and as kith prints them back. */
#include "check.h"
#include "core/cmdparse.h"

static int64_t parsed(const char *text)
{
    int64_t s = -1;
    kith_err rc = kith_duration_parse(text, &s);
    CHECK_INT(rc, KITH_OK);
    return rc == KITH_OK ? s : -1;
}

static void check_rejected(const char *text, kith_err expected)
{
    int64_t s = 12345;
    CHECK_INT(kith_duration_parse(text, &s), expected);
    CHECK_INT(s, 12345); /* untouched on failure */
}

static void check_format(int64_t seconds, const char *expected)
{
    char buf[32];
    kith_duration_format(seconds, buf, sizeof(buf));
    CHECK_STR(buf, expected);
}

TEST(test_member_types_single_unit_durations)
{
    CHECK_INT(parsed("90s"), 90);
    CHECK_INT(parsed("15m"), 900);
    CHECK_INT(parsed("2h"), 7200);
    CHECK_INT(parsed("7d"), 604800);
    CHECK_INT(parsed("1w"), 604800);
}

TEST(test_member_combines_units)
{
    CHECK_INT(parsed("1h30m"), 5400);
    CHECK_INT(parsed("2d12h"), 216000);
    CHECK_INT(parsed("1w2d3h4m5s"), 7 * 86400 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
}

TEST(test_bare_number_is_seconds)
{
    CHECK_INT(parsed("45"), 45);
    CHECK_INT(parsed("0"), 0);
    CHECK_INT(parsed("007"), 7);
}

TEST(test_phone_capitalised_units_are_accepted)
{
    CHECK_INT(parsed("2H"), 7200);
    CHECK_INT(parsed("1H30M"), 5400);
}

TEST(test_nonsense_durations_are_rejected)
{
    check_rejected("", KITH_ERR_INVALID);
    check_rejected(NULL, KITH_ERR_INVALID);
    check_rejected("h", KITH_ERR_INVALID);
    check_rejected("5x", KITH_ERR_INVALID);
    check_rejected("-5m", KITH_ERR_INVALID);
    check_rejected("+5m", KITH_ERR_INVALID);
    check_rejected("1h 30m", KITH_ERR_INVALID);
    check_rejected(" 1h", KITH_ERR_INVALID);
    check_rejected("1h30", KITH_ERR_INVALID);
    check_rejected("30m1h", KITH_ERR_INVALID);
    check_rejected("1h1h", KITH_ERR_INVALID);
    check_rejected("1.5h", KITH_ERR_INVALID);
    check_rejected("2hours", KITH_ERR_INVALID);
}

TEST(test_huge_durations_overflow_cleanly)
{
    check_rejected("9223372036854775808", KITH_ERR_LIMIT);
    check_rejected("99999999999999999999s", KITH_ERR_LIMIT);
    check_rejected("15250284452472w", KITH_ERR_LIMIT);   /* the multiplication overflows */
    check_rejected("15250284452471w4d", KITH_ERR_LIMIT); /* the sum overflows */
    CHECK_INT(parsed("9223372036854775807"), INT64_MAX);
    CHECK_INT(parsed("15250284452471w3d"), INT64_C(15250284452471) * 604800 + 3 * 86400);
}

TEST(test_duration_prints_largest_units_compactly)
{
    check_format(5400, "1h30m");
    check_format(604800, "7d");
    check_format(45, "45s");
    check_format(0, "0s");
    check_format(90061, "1d1h1m1s");
    check_format(86400 + 5, "1d5s");
    check_format(-90, "-1m30s");
    check_format(INT64_MIN, "-106751991167300d15h30m8s");
}

TEST(test_duration_format_respects_the_buffer)
{
    char buf[4] = "xyz";
    kith_duration_format(5400, buf, sizeof(buf));
    CHECK_STR(buf, "1h3");
    kith_duration_format(5400, buf, 0);
    CHECK_STR(buf, "1h3");
}

TEST(test_formatted_durations_read_back_the_same)
{
    /* a deterministic walk over many magnitudes */
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t seconds = (int64_t)(x >> (1 + i % 62));
        char buf[64];
        int64_t back = -1;
        kith_duration_format(seconds, buf, sizeof(buf));
        CHECK_INT(kith_duration_parse(buf, &back), KITH_OK);
        CHECK_INT(back, seconds);
    }
}
