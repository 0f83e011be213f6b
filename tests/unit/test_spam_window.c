/* Windows over what members do: floods, duplicates across channels, mention floods, join
 * raids, with counts exactly at the window's edge and memory that stays bounded. */
#include "check.h"
#include "logic/fold.h"
#include "logic/window.h"

static const struct spam_window_spans SPANS = {10000, 60000, 30000};

/* Records a message from member in channel at t (ms) and returns the counts. */
static struct spam_window_counts say(spam_windows *w, const char *member, const char *channel,
                                     const char *text, uint32_t mentions, int64_t t)
{
    struct spam_window_counts c;
    char *folded = spam_fold_new(text, strlen(text), SPAM_FOLD_DEFAULT);
    spam_windows_record_message(w, "discord:1", member, channel, folded, mentions, t, &SPANS, &c);
    free(folded);
    return c;
}

/* A member says "hi" in channel c1 at t (ms); returns their message count in the window. */
static uint32_t hi(spam_windows *w, const char *member, int64_t t)
{
    return say(w, member, "c1", "hi", 0, t).messages;
}

TEST(test_messages_inside_the_window_are_counted_and_older_ones_are_not)
{
    spam_windows *w = spam_windows_new(100, 10);
    REQUIRE(w != NULL);
    for (int i = 0; i < 5; i++)
        CHECK_INT(hi(w, "alice", 1000 + i * 1000), i + 1);
    /* 10 s after the first message, the first one has left the window (now - T, now] */
    CHECK_INT(hi(w, "alice", 11000), 5);
    CHECK_INT(hi(w, "alice", 11001), 6);
    spam_windows_free(w);
}

TEST(test_members_and_servers_have_separate_windows)
{
    spam_windows *w = spam_windows_new(100, 10);
    REQUIRE(w != NULL);
    hi(w, "alice", 1000);
    hi(w, "alice", 1001);
    CHECK_INT(hi(w, "bob", 1002), 1);
    struct spam_window_counts c;
    spam_windows_record_message(w, "discord:2", "alice", "c1", "hi", 0, 1003, &SPANS, &c);
    CHECK_INT(c.messages, 1);
    CHECK_INT(spam_windows_member_count(w), 3);
    spam_windows_free(w);
}

TEST(test_same_text_in_three_channels_counts_as_duplicates)
{
    spam_windows *w = spam_windows_new(100, 10);
    REQUIRE(w != NULL);
    say(w, "mallory", "c1", "Buy cheap followers at example.com", 0, 1000);
    say(w, "mallory", "c2", "buy CHEAP followers at example.com!!", 0, 2000);
    struct spam_window_counts c =
        say(w, "mallory", "c3", "Buy cheap followers at example.com", 0, 3000);
    CHECK_INT(c.duplicates, 3);
    CHECK_INT(c.duplicate_channels, 3);
    CHECK_INT(say(w, "mallory", "c3", "something else", 0, 4000).duplicates, 1);
    spam_windows_free(w);
}

TEST(test_near_duplicates_differ_only_in_digits_punctuation_and_emoji)
{
    CHECK(spam_near_hash("buy now!! 123") == spam_near_hash("buy now 456"));
    CHECK(spam_near_hash("buy now \xF0\x9F\x94\xA5") == spam_near_hash("buy now"));
    CHECK(spam_near_hash("buy now") != spam_near_hash("buy later"));
    CHECK(spam_near_hash("123") != spam_near_hash("456")); /* no letters: digits decide */
    CHECK(spam_near_hash("продам") != spam_near_hash("продаю"));
}

TEST(test_mentions_add_up_within_their_window)
{
    spam_windows *w = spam_windows_new(100, 10);
    REQUIRE(w != NULL);
    CHECK_INT(say(w, "eve", "c1", "hey @a @b", 2, 1000).mentions, 2);
    CHECK_INT(say(w, "eve", "c1", "hey @c @d @e", 3, 2000).mentions, 5);
    CHECK_INT(say(w, "eve", "c1", "x", 0, 31000).mentions, 3); /* the first left the 30 s window */
    spam_windows_free(w);
}

TEST(test_joins_are_counted_per_server_within_the_window)
{
    spam_windows *w = spam_windows_new(100, 10);
    REQUIRE(w != NULL);
    for (int i = 0; i < 10; i++)
        CHECK_INT(spam_windows_record_join(w, "discord:1", i * 1000, 60000), i + 1);
    CHECK_INT(spam_windows_record_join(w, "discord:2", 9000, 60000), 1);
    CHECK_INT(spam_windows_record_join(w, "discord:1", 60000, 60000), 10); /* the join at 0 left */
    spam_windows_free(w);
}

TEST(test_forgetting_a_member_starts_their_window_over)
{
    spam_windows *w = spam_windows_new(100, 10);
    REQUIRE(w != NULL);
    hi(w, "alice", 1000);
    hi(w, "alice", 1001);
    spam_windows_forget_member(w, "discord:1", "alice");
    CHECK_INT(hi(w, "alice", 1002), 1);
    spam_windows_free(w);
}

TEST(test_idle_members_are_expired)
{
    spam_windows *w = spam_windows_new(100, 10);
    REQUIRE(w != NULL);
    hi(w, "alice", 1000);
    hi(w, "bob", 50000);
    spam_windows_expire(w, 70000, 60000);
    CHECK_INT(spam_windows_member_count(w), 1); /* alice idle for 69 s, bob for 20 s */
    spam_windows_expire(w, 110000, 60000);
    CHECK_INT(spam_windows_member_count(w), 0);
    spam_windows_free(w);
}

TEST(test_a_million_messages_from_100k_members_stay_under_the_cap)
{
    spam_windows *w = spam_windows_new(10000, 100);
    REQUIRE(w != NULL);
    char member[32];
    struct spam_window_counts c;
    size_t after_first_pass = 0;
    for (int i = 0; i < 1000000; i++) {
        snprintf(member, sizeof member, "m%ld", (long)i * 7919 % 100000);
        spam_windows_record_message(w, "discord:1", member, "c1", "hello there", 0, i, &SPANS, &c);
        if (i == 100000)
            after_first_pass = spam_windows_memory(w);
    }
    CHECK(spam_windows_member_count(w) <= 10000);
    CHECK_INT(spam_windows_memory(w), after_first_pass); /* no growth with more messages */
    CHECK(spam_windows_memory(w) < 10000 * 700);
    spam_windows_free(w);
}

TEST(test_the_most_recently_active_member_survives_eviction)
{
    spam_windows *w = spam_windows_new(2, 10);
    REQUIRE(w != NULL);
    hi(w, "alice", 1);
    hi(w, "bob", 2);
    hi(w, "alice", 3);               /* alice is now the most recent */
    hi(w, "carol", 4);               /* evicts bob */
    CHECK_INT(hi(w, "alice", 5), 3); /* alice kept her history */
    CHECK_INT(hi(w, "bob", 6), 1);   /* bob starts over */
    CHECK_INT(spam_windows_member_count(w), 2);
    spam_windows_free(w);
}

TEST(test_zero_caps_are_refused)
{
    CHECK(spam_windows_new(0, 10) == NULL);
    CHECK(spam_windows_new(10, 0) == NULL);
}
