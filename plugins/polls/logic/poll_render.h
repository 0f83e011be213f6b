/* The text of a poll: bars with counts and percentages, totals, and the lines that say how the
 * poll works and when it closes. Pure code: no host calls. */
#ifndef KITH_POLLS_RENDER_H
#define KITH_POLLS_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "logic/text_buf.h"
#include "logic/poll_tally.h"

#define POLL_BAR_WIDTH 10

/* What the text shows: borrowed strings. */
struct poll_view {
    int64_t id;
    const char *question;
    const char *const *labels; /* tally->option_count of them */
    const struct poll_tally *tally;
    bool multi, anonymous, hidden, native, closed;
    const char *closes_at;  /* "2026-01-01 12:00 UTC", or NULL when it closes by hand */
    size_t max_label_chars; /* labels longer than this are cut with "…" (0: never) */
};

/* Rounded percentage of count in total (0 when total is 0). */
unsigned poll_percent(uint64_t count, uint64_t total);

/* "████████░░": count's share of total in width cells, rounded. */
void poll_render_bar(struct text_buf *out, uint64_t count, uint64_t total, unsigned width);

/* One line per option, "Margherita  ████████░░  8 (40%)", or only the labels while the poll is
 * open and hidden. */
void poll_render_bars(struct text_buf *out, const struct poll_view *v);

/* "Total: 20 votes" (multiple choice: "12 voters, 20 votes"). */
void poll_render_totals(struct text_buf *out, const struct poll_view *v);

/* The poll's own message: heading, bars, totals and how it works. */
void poll_render_message(struct text_buf *out, const struct poll_view *v);

/* The results posted when it closes or asked for: heading, bars (never hidden), totals. */
void poll_render_results(struct text_buf *out, const struct poll_view *v);

#endif
