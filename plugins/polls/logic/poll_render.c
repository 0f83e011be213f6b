/* Poll text: bars, counts, percentages, totals and the poll's own message. */
#include "logic/poll_render.h"

#include <string.h>

unsigned poll_percent(uint64_t count, uint64_t total)
{
    if (total == 0)
        return 0;
    return (unsigned)((count * 200 + total) / (2 * total));
}

void poll_render_bar(struct text_buf *out, uint64_t count, uint64_t total, unsigned width)
{
    uint64_t filled = total == 0 ? 0 : (count * width * 2 + total) / (2 * total);
    if (filled > width)
        filled = width;
    for (unsigned i = 0; i < width; i++)
        text_buf_puts(out, i < filled ? "\xe2\x96\x88" : "\xe2\x96\x91"); /* █ ░ */
}

/* The label, cut to max_chars characters with "…" when longer. */
static void put_label(struct text_buf *out, const char *label, size_t max_chars)
{
    size_t chars = 0, bytes = 0;
    while (label[bytes] != '\0') {
        if (((unsigned char)label[bytes] & 0xC0) != 0x80) {
            if (max_chars > 0 && chars == max_chars)
                break;
            chars++;
        }
        bytes++;
    }
    text_buf_append(out, label, bytes);
    if (label[bytes] != '\0')
        text_buf_puts(out, "\xe2\x80\xa6");
}

static void render_bars(struct text_buf *out, const struct poll_view *v, bool hide)
{
    const struct poll_tally *t = v->tally;
    for (size_t i = 0; i < t->option_count; i++) {
        if (hide) {
            text_buf_puts(out, "\xe2\x80\xa2 "); /* • */
            put_label(out, v->labels[i], v->max_label_chars);
            text_buf_puts(out, "\n");
            continue;
        }
        put_label(out, v->labels[i], v->max_label_chars);
        text_buf_puts(out, "  ");
        poll_render_bar(out, t->counts[i], t->voters, POLL_BAR_WIDTH);
        text_buf_printf(out, "  %llu (%u%%)\n", (unsigned long long)t->counts[i],
                        poll_percent(t->counts[i], t->voters));
    }
}

void poll_render_bars(struct text_buf *out, const struct poll_view *v)
{
    render_bars(out, v, v->hidden && !v->closed);
}

void poll_render_totals(struct text_buf *out, const struct poll_view *v)
{
    const struct poll_tally *t = v->tally;
    if (v->multi)
        text_buf_printf(out, "Total: %llu voter%s, %llu vote%s", (unsigned long long)t->voters,
                        t->voters == 1 ? "" : "s", (unsigned long long)t->votes,
                        t->votes == 1 ? "" : "s");
    else
        text_buf_printf(out, "Total: %llu vote%s", (unsigned long long)t->votes,
                        t->votes == 1 ? "" : "s");
}

static void render_heading(struct text_buf *out, const struct poll_view *v, const char *what,
                           bool mark_closed)
{
    text_buf_printf(out, "\xf0\x9f\x93\x8a %s #%lld%s: ", what, (long long)v->id,
                    mark_closed && v->closed ? " (closed)" : "");
    text_buf_puts(out, v->question);
    text_buf_puts(out, "\n\n");
}

void poll_render_message(struct text_buf *out, const struct poll_view *v)
{
    render_heading(out, v, "Poll", true);
    poll_render_bars(out, v);
    text_buf_puts(out, "\n");
    poll_render_totals(out, v);
    if (v->hidden && !v->closed)
        text_buf_puts(out, " (results are hidden until the poll closes)");
    text_buf_puts(out, "\n");
    if (!v->closed && !v->native)
        text_buf_puts(out, v->multi ? "Choose as many options as you like; press one again "
                                      "to take it back.\n"
                                    : "One choice per member; press another option to change "
                                      "your vote, or yours again to take it back.\n");
    if (v->anonymous)
        text_buf_puts(out, "Anonymous: nobody can see who voted what.\n");
    if (v->closed)
        text_buf_puts(out, "This poll is closed.");
    else if (v->closes_at != NULL)
        text_buf_printf(out, "Closes %s.", v->closes_at);
    else
        text_buf_puts(out, "Open until closed with /poll close.");
}

void poll_render_results(struct text_buf *out, const struct poll_view *v)
{
    render_heading(out, v, v->closed ? "Final results of poll" : "Results of poll", false);
    render_bars(out, v, false);
    text_buf_puts(out, "\n");
    poll_render_totals(out, v);
}
