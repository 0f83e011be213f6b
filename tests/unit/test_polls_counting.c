/* Vote counting: one choice per member (pressing another option changes it, the same one
 * takes it back), toggles with --multi, native votes as whole choices, and the tally. */
#include "check.h"
#include "logic/poll_tally.h"

TEST(test_single_choice_press_sets_changes_and_retracts)
{
    poll_choice c = poll_choice_after_press(0, 1, false);
    CHECK_INT(c, POLL_CHOICE_BIT(1));
    c = poll_choice_after_press(c, 2, false); /* change */
    CHECK_INT(c, POLL_CHOICE_BIT(2));
    c = poll_choice_after_press(c, 2, false); /* the same again: retract */
    CHECK_INT(c, 0);
}

TEST(test_multi_choice_press_toggles_each_option)
{
    poll_choice c = poll_choice_after_press(0, 0, true);
    c = poll_choice_after_press(c, 3, true);
    CHECK_INT(c, POLL_CHOICE_BIT(0) | POLL_CHOICE_BIT(3));
    c = poll_choice_after_press(c, 0, true);
    CHECK_INT(c, POLL_CHOICE_BIT(3));
    CHECK_INT(poll_choice_after_press(c, 3, true), 0);
}

TEST(test_press_beyond_the_options_changes_nothing)
{
    CHECK_INT(poll_choice_after_press(POLL_CHOICE_BIT(1), POLL_OPTIONS_MAX, false),
              POLL_CHOICE_BIT(1));
}

TEST(test_native_vote_is_the_whole_choice)
{
    poll_choice c = 99;
    const int two[] = {0, 2};
    CHECK(poll_choice_from_indexes(two, 2, 3, true, &c));
    CHECK_INT(c, POLL_CHOICE_BIT(0) | POLL_CHOICE_BIT(2));
    CHECK(poll_choice_from_indexes(NULL, 0, 3, false, &c)); /* retracted */
    CHECK_INT(c, 0);
    CHECK(!poll_choice_from_indexes(two, 2, 3, false, &c)); /* two on a single-choice poll */
    const int outside[] = {3};
    CHECK(!poll_choice_from_indexes(outside, 1, 3, true, &c));
    const int negative[] = {-1};
    CHECK(!poll_choice_from_indexes(negative, 1, 3, true, &c));
}

TEST(test_tally_counts_voters_and_votes)
{
    struct poll_tally t;
    poll_tally_init(&t, 3);
    poll_tally_add(&t, POLL_CHOICE_BIT(0));
    poll_tally_add(&t, POLL_CHOICE_BIT(0) | POLL_CHOICE_BIT(2));
    poll_tally_add(&t, 0);                  /* a member who took the vote back */
    poll_tally_add(&t, POLL_CHOICE_BIT(5)); /* beyond the options: ignored */
    CHECK_INT(t.counts[0], 2);
    CHECK_INT(t.counts[1], 0);
    CHECK_INT(t.counts[2], 1);
    CHECK_INT(t.voters, 2);
    CHECK_INT(t.votes, 3);
    CHECK_INT(poll_choice_size(POLL_CHOICE_BIT(0) | POLL_CHOICE_BIT(7)), 2);
}
