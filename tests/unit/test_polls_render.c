/* Result text: bars of ten cells, rounded percentages, totals, hidden polls, and the poll's
 * own message. */
#include "check.h"
#include "logic/poll_render.h"

static const char *bar(uint64_t count, uint64_t total)
{
    static char out[64];
    struct text_buf b = {0};
    poll_render_bar(&b, count, total, POLL_BAR_WIDTH);
    snprintf(out, sizeof out, "%s", text_buf_text(&b));
    text_buf_free(&b);
    return out;
}

TEST(test_bars_round_to_the_nearest_cell)
{
    CHECK_STR(bar(8, 20), "████░░░░░░");
    CHECK_STR(bar(0, 0), "░░░░░░░░░░");
    CHECK_STR(bar(5, 5), "██████████");
    CHECK_STR(bar(2, 3), "███████░░░");
    CHECK_STR(bar(1, 21), "░░░░░░░░░░"); /* 0.48 cells */
    CHECK_STR(bar(1, 19), "█░░░░░░░░░"); /* 0.53 cells */
}

TEST(test_percentages_round_half_up)
{
    CHECK_INT(poll_percent(1, 3), 33);
    CHECK_INT(poll_percent(2, 3), 67);
    CHECK_INT(poll_percent(1, 8), 13);
    CHECK_INT(poll_percent(0, 0), 0);
    CHECK_INT(poll_percent(7, 7), 100);
}

static const char *const labels[] = {"Margherita", "Quattro formaggi", "Diavola"};

static struct poll_tally pizza_tally(void)
{
    struct poll_tally t;
    poll_tally_init(&t, 3);
    for (int i = 0; i < 8; i++)
        poll_tally_add(&t, POLL_CHOICE_BIT(0));
    for (int i = 0; i < 2; i++)
        poll_tally_add(&t, POLL_CHOICE_BIT(1));
    return t;
}

TEST(test_message_shows_bars_counts_and_the_closing_time)
{
    struct poll_tally t = pizza_tally();
    struct poll_view v = {.id = 7,
                          .question = "Best pizza?",
                          .labels = labels,
                          .tally = &t,
                          .closes_at = "2026-01-01 14:00 UTC"};
    struct text_buf b = {0};
    poll_render_message(&b, &v);
    CHECK_STR(text_buf_text(&b),
              "📊 Poll #7: Best pizza?\n\n"
              "Margherita  ████████░░  8 (80%)\n"
              "Quattro formaggi  ██░░░░░░░░  2 (20%)\n"
              "Diavola  ░░░░░░░░░░  0 (0%)\n\n"
              "Total: 10 votes\n"
              "One choice per member; press another option to change your vote, or yours again "
              "to take it back.\n"
              "Closes 2026-01-01 14:00 UTC.");
    text_buf_free(&b);
}

TEST(test_hidden_poll_shows_only_the_total_until_it_closes)
{
    struct poll_tally t = pizza_tally();
    struct poll_view v = {.id = 7,
                          .question = "Best pizza?",
                          .labels = labels,
                          .tally = &t,
                          .hidden = true,
                          .anonymous = true};
    struct text_buf b = {0};
    poll_render_message(&b, &v);
    CHECK(strstr(text_buf_text(&b), "80%") == NULL);
    CHECK_CONTAINS(text_buf_text(&b), "• Margherita\n");
    CHECK_CONTAINS(text_buf_text(&b), "Total: 10 votes (results are hidden until the poll closes)");
    CHECK_CONTAINS(text_buf_text(&b), "Anonymous: nobody can see who voted what.");
    text_buf_free(&b);

    v.closed = true;
    poll_render_message(&b, &v);
    CHECK_CONTAINS(text_buf_text(&b), "📊 Poll #7 (closed): Best pizza?");
    CHECK_CONTAINS(text_buf_text(&b), "Margherita  ████████░░  8 (80%)");
    CHECK_CONTAINS(text_buf_text(&b), "This poll is closed.");
    text_buf_free(&b);
}

TEST(test_results_of_a_multi_choice_poll_count_voters)
{
    struct poll_tally t;
    poll_tally_init(&t, 3);
    poll_tally_add(&t, POLL_CHOICE_BIT(0) | POLL_CHOICE_BIT(1));
    poll_tally_add(&t, POLL_CHOICE_BIT(0));
    struct poll_view v = {.id = 2,
                          .question = "Evenings?",
                          .labels = labels,
                          .tally = &t,
                          .multi = true,
                          .closed = true};
    struct text_buf b = {0};
    poll_render_results(&b, &v);
    CHECK_STR(text_buf_text(&b), "📊 Final results of poll #2: Evenings?\n\n"
                                 "Margherita  ██████████  2 (100%)\n"
                                 "Quattro formaggi  █████░░░░░  1 (50%)\n"
                                 "Diavola  ░░░░░░░░░░  0 (0%)\n\n"
                                 "Total: 2 voters, 3 votes");
    text_buf_free(&b);
}

TEST(test_long_labels_are_cut_when_asked)
{
    struct poll_tally t;
    poll_tally_init(&t, 1);
    const char *const long_label[] = {"Pizza mit 🍕 und sehr viel Käse"};
    struct poll_view v = {
        .id = 1, .question = "?", .labels = long_label, .tally = &t, .max_label_chars = 12};
    struct text_buf b = {0};
    poll_render_bars(&b, &v);
    CHECK_STR(text_buf_text(&b), "Pizza mit 🍕 …  ░░░░░░░░░░  0 (0%)\n");
    text_buf_free(&b);
}
