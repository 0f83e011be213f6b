/* What admins type for actions, durations, limits and the escalation ladder, and which ladder
 * step a member's strikes reach. */
#include "check.h"
#include "logic/ladder.h"

static void check_action(const char *text, enum spam_action_kind kind, int64_t duration_s)
{
    struct spam_action a;
    char err[200] = "";
    CHECK(spam_action_parse(text, &a, err, sizeof err));
    CHECK_INT(a.kind, kind);
    CHECK_INT(a.duration_s, duration_s);
}

static void check_action_refused(const char *text, const char *expected)
{
    struct spam_action a;
    char err[200] = "";
    CHECK(!spam_action_parse(text, &a, err, sizeof err));
    CHECK_CONTAINS(err, expected);
}

TEST(test_admin_types_each_action)
{
    check_action("delete", SPAM_ACTION_DELETE, 0);
    check_action("warn", SPAM_ACTION_WARN, 0);
    check_action("timeout", SPAM_ACTION_TIMEOUT, 600);
    check_action("timeout:1h", SPAM_ACTION_TIMEOUT, 3600);
    check_action("mute:30s", SPAM_ACTION_TIMEOUT, 30);
    check_action("kick", SPAM_ACTION_KICK, 0);
    check_action("ban", SPAM_ACTION_BAN, 0);
    check_action("ban:7d", SPAM_ACTION_BAN, 7 * 86400);
    check_action("alert", SPAM_ACTION_ALERT, 0);
    check_action("lockdown", SPAM_ACTION_LOCKDOWN, 0);
}

TEST(test_wrong_actions_are_refused_with_position_and_example)
{
    check_action_refused("explode", "position 1: unknown action \"explode\"");
    check_action_refused("explode", "example: timeout:10m");
    check_action_refused("kick:1h", "position 5: only timeout and ban take a duration");
    check_action_refused("timeout:0", "a timeout must last");
    check_action_refused("timeout:10x", "position 11: unknown unit 'x'");
    check_action_refused("timeout:", "position 9: a duration is missing");
}

TEST(test_durations_parse_and_format_back)
{
    int64_t s;
    char err[200], buf[32];
    CHECK(spam_duration_parse("1h30m", &s, err, sizeof err));
    CHECK_INT(s, 5400);
    CHECK_STR(spam_duration_format(s, buf, sizeof buf), "1h30m");
    CHECK(spam_duration_parse("2w", &s, err, sizeof err));
    CHECK_STR(spam_duration_format(s, buf, sizeof buf), "2w");
    CHECK(spam_duration_parse("45", &s, err, sizeof err));
    CHECK_INT(s, 45);
    CHECK(!spam_duration_parse("366d", &s, err, sizeof err));
    CHECK_CONTAINS(err, "at most 365d");
    CHECK(!spam_duration_parse("1h30", &s, err, sizeof err));
    CHECK_CONTAINS(err, "position 5: the last number needs a unit");
    CHECK(!spam_duration_parse("h", &s, err, sizeof err));
    CHECK_CONTAINS(err, "position 1: expected a number");
}

TEST(test_rates_parse_count_and_window)
{
    uint32_t count;
    int64_t window_ms;
    char err[200];
    CHECK(spam_rate_parse("5/10s", 31, &count, &window_ms, err, sizeof err));
    CHECK_INT(count, 5);
    CHECK_INT(window_ms, 10000);
    CHECK(!spam_rate_parse("40/10s", 31, &count, &window_ms, err, sizeof err));
    CHECK_CONTAINS(err, "the count must be 1 to 31; example: 5/10s");
    CHECK(!spam_rate_parse("5-10s", 31, &count, &window_ms, err, sizeof err));
    CHECK_CONTAINS(err, "expected <count>/<time> like 5/10s");
    CHECK(!spam_rate_parse("0/10s", 31, &count, &window_ms, err, sizeof err));
    CHECK(!spam_rate_parse("5/0s", 31, &count, &window_ms, err, sizeof err));
    CHECK_CONTAINS(err, "position 3: the time must be above 0");
}

TEST(test_admin_writes_an_escalation_ladder)
{
    struct spam_ladder l;
    char err[200] = "", buf[120];
    REQUIRE(spam_ladder_parse("3/24h=timeout:1h, 5/7d=ban", &l, err, sizeof err));
    CHECK_INT(l.count, 2);
    CHECK_INT(l.steps[0].strikes, 3);
    CHECK_INT(l.steps[0].window_s, 86400);
    CHECK_INT(l.steps[0].action.kind, SPAM_ACTION_TIMEOUT);
    CHECK_INT(l.steps[0].action.duration_s, 3600);
    CHECK_INT(l.steps[1].action.kind, SPAM_ACTION_BAN);
    CHECK_STR(spam_ladder_format(&l, buf, sizeof buf), "3/1d=timeout:1h, 5/1w=ban");
    REQUIRE(spam_ladder_parse("off", &l, err, sizeof err));
    CHECK_INT(l.count, 0);
    CHECK_STR(spam_ladder_format(&l, buf, sizeof buf), "off");
}

TEST(test_broken_ladders_point_at_the_mistake)
{
    struct spam_ladder l;
    char err[200] = "";
    CHECK(!spam_ladder_parse("3/24h=timeout:1h, 5/7d", &l, err, sizeof err));
    CHECK_CONTAINS(err, "position 19: a step is <strikes>/<time>=<action>");
    CHECK(!spam_ladder_parse("3/24h=boom", &l, err, sizeof err));
    CHECK_CONTAINS(err, "position 7: unknown action \"boom\"");
    CHECK(!spam_ladder_parse("3/24q=ban", &l, err, sizeof err));
    CHECK_CONTAINS(err, "position 5: unknown unit 'q'");
    CHECK(!spam_ladder_parse("1/1h=warn,2/1h=warn,3/1h=warn,4/1h=warn,5/1h=warn,6/1h=warn,"
                             "7/1h=warn,8/1h=warn,9/1h=ban",
                             &l, err, sizeof err));
    CHECK_CONTAINS(err, "at most 8 steps");
}

TEST(test_strikes_reach_the_ladder_step_exactly_at_its_count)
{
    struct spam_ladder l;
    char err[200];
    REQUIRE(spam_ladder_parse("3/24h=timeout:1h, 5/7d=ban", &l, err, sizeof err));
    int64_t hour = 3600 * 1000LL, now = 100 * 24 * hour;
    int64_t two[] = {now - hour, now};
    CHECK(spam_ladder_apply(&l, two, 2, now) == NULL);
    int64_t three[] = {now - 2 * hour, now - hour, now};
    const struct spam_ladder_step *s = spam_ladder_apply(&l, three, 3, now);
    REQUIRE(s != NULL);
    CHECK_INT(s->action.kind, SPAM_ACTION_TIMEOUT);
    /* the oldest strike exactly 24 h ago no longer counts */
    int64_t edge[] = {now - 24 * hour, now - hour, now};
    CHECK(spam_ladder_apply(&l, edge, 3, now) == NULL);
    /* five strikes over a week: the ban wins over the timeout */
    int64_t five[] = {now - 6 * 24 * hour, now - 5 * 24 * hour, now - 2 * hour, now - hour, now};
    s = spam_ladder_apply(&l, five, 5, now);
    REQUIRE(s != NULL);
    CHECK_INT(s->action.kind, SPAM_ACTION_BAN);
}

TEST(test_harsher_actions_have_higher_severity)
{
    struct spam_action del = {SPAM_ACTION_DELETE, 0}, t10 = {SPAM_ACTION_TIMEOUT, 600},
                       t60 = {SPAM_ACTION_TIMEOUT, 3600}, kick = {SPAM_ACTION_KICK, 0},
                       ban7 = {SPAM_ACTION_BAN, 7 * 86400}, ban = {SPAM_ACTION_BAN, 0};
    CHECK(spam_action_severity(&del) < spam_action_severity(&t10));
    CHECK(spam_action_severity(&t10) < spam_action_severity(&t60));
    CHECK(spam_action_severity(&t60) < spam_action_severity(&kick));
    CHECK(spam_action_severity(&kick) < spam_action_severity(&ban7));
    CHECK(spam_action_severity(&ban7) < spam_action_severity(&ban));
}
