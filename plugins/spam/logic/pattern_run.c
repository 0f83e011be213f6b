/* Running a pattern set over folded text: a Pike VM without captures. All live NFA states
 * advance together one code point at a time and each state is visited at most once per
 * position, so the time is linear in text length × program size, whatever the pattern. */
#include <string.h>

#include "logic/fold.h"
#include "logic/pattern_set.h"

/* What the anchors need to know about a position. */
struct position {
    size_t offset;
    uint32_t next_cp; /* the code point after the current one, 0 at the end */
    bool at_start, at_end;
    bool word_before, word_after;
};

static bool assertion_holds(uint32_t kind, const struct position *at)
{
    switch (kind) {
    case ASSERT_BOL: return at->at_start;
    case ASSERT_EOL: return at->at_end;
    case ASSERT_WORD_BOUNDARY: return at->word_before != at->word_after;
    case ASSERT_NOT_WORD_BOUNDARY: return at->word_before == at->word_after;
    default: return false;
    }
}

struct run {
    spam_pattern_set *set;
    size_t live_count;
    size_t matched;
    size_t steps;
};

/* True when cp is in the class. */
static bool class_has(const struct char_class *c, const struct class_range *ranges, uint32_t cp)
{
    bool in = false;
    if ((c->flags & CLASS_DIGIT) && cp >= '0' && cp <= '9')
        in = true;
    else if ((c->flags & CLASS_WORD) && spam_is_word_char(cp))
        in = true;
    else if ((c->flags & CLASS_SPACE) && (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r'))
        in = true;
    for (size_t i = 0; !in && i < c->range_count; i++)
        in = cp >= ranges[c->first_range + i].lo && cp <= ranges[c->first_range + i].hi;
    return in != c->negated;
}

/* Follows every epsilon edge from pc at this position: consuming states join the live list,
 * MATCH records the pattern. Each state is visited once per position (the mark), which is
 * what keeps the whole run linear. */
static void add_thread(struct run *r, uint32_t pc, uint32_t start, const struct position *at)
{
    spam_pattern_set *set = r->set;
    if (set->mark[pc] == set->generation)
        return;
    size_t top = 0;
    set->mark[pc] = set->generation;
    set->stack[top++] = pc;
    while (top > 0) {
        const struct inst *in = &set->prog[set->stack[--top]];
        uint32_t here = (uint32_t)(in - set->prog);
        uint32_t next[2];
        size_t k = 0;
        r->steps++;
        if (set->found[in->pattern].end != SIZE_MAX)
            continue; /* this pattern already matched */
        switch (in->op) {
        case OP_CHAR:
        case OP_CLASS:
        case OP_ANY: set->live[r->live_count++] = (struct thread){here, start}; break;
        case OP_MATCH:
            set->found[in->pattern] = (struct spam_match){in->pattern, start, at->offset};
            r->matched++;
            break;
        case OP_JMP: next[k++] = in->x; break;
        case OP_SPLIT: next[k++] = in->y, next[k++] = in->x; break;
        case OP_ASSERT:
            if (assertion_holds(in->arg, at))
                next[k++] = here + 1;
            break;
        }
        for (size_t i = 0; i < k; i++) {
            if (set->mark[next[i]] != set->generation) {
                set->mark[next[i]] = set->generation;
                set->stack[top++] = next[i];
            }
        }
    }
}

static bool consumes(const spam_pattern_set *set, const struct inst *in, uint32_t cp)
{
    switch (in->op) {
    case OP_CHAR: return in->arg == cp;
    case OP_ANY: return true;
    case OP_CLASS: return class_has(&set->classes[in->arg], set->ranges, cp);
    default: return false;
    }
}

static void seed(struct run *r, const struct id_list *l, const struct position *at)
{
    for (size_t i = 0; i < l->count; i++) {
        const struct pattern_info *p = &r->set->patterns[l->ids[i]];
        if (r->set->found[l->ids[i]].end != SIZE_MAX)
            continue;
        if (p->lead_assert >= 0 && !assertion_holds((uint32_t)p->lead_assert, at))
            continue;
        if (p->second && p->second != at->next_cp)
            continue;
        add_thread(r, p->entry, (uint32_t)at->offset, at);
    }
}

static void next_generation(spam_pattern_set *set)
{
    if (++set->generation == 0) {
        memset(set->mark, 0, set->prog_len * sizeof *set->mark);
        set->generation = 1;
    }
}

static size_t report(const spam_pattern_set *set, size_t matched, struct spam_match *matches,
                     size_t max)
{
    size_t written = 0;
    for (size_t i = 0; i < set->count && written < max; i++)
        if (set->found[i].end != SIZE_MAX)
            matches[written++] = set->found[i];
    return matched;
}

size_t spam_pattern_set_match(spam_pattern_set *set, const char *folded, size_t len,
                              struct spam_match *matches, size_t max)
{
    set->steps = 0;
    if (set->count == 0 || !set->found)
        return 0;
    for (size_t i = 0; i < set->count; i++)
        set->found[i].end = SIZE_MAX;
    struct run r = {set, 0, 0, 0};
    size_t pending = 0;
    struct position at = {0, 0, true, false, false, false};
    uint32_t cp = 0;
    size_t used = len ? spam_utf8_decode(folded, len, &cp) : 0;
    for (size_t pos = 0;;) {
        at.offset = pos;
        at.at_start = pos == 0;
        at.at_end = pos >= len;
        at.next_cp = 0;
        size_t next_used = 0;
        if (pos + used < len)
            next_used = spam_utf8_decode(folded + pos + used, len - pos - used, &at.next_cp);
        at.word_after = !at.at_end && spam_is_word_char(cp);
        next_generation(set);
        r.live_count = 0;
        for (size_t i = 0; i < pending; i++)
            add_thread(&r, set->pending[i].pc, set->pending[i].start, &at);
        seed(&r, &set->always, &at);
        if (!at.at_end) {
            seed(&r, &set->buckets[bucket_of(cp)], &at);
            if (at.word_before != at.word_after)
                seed(&r, &set->boundary_buckets[bucket_of(cp)], &at);
        }
        if (at.at_end || r.matched == set->count)
            break;
        size_t next = 0;
        for (size_t i = 0; i < r.live_count; i++) {
            const struct thread *t = &set->live[i];
            r.steps++;
            if (set->found[set->prog[t->pc].pattern].end == SIZE_MAX &&
                consumes(set, &set->prog[t->pc], cp))
                set->pending_next[next++] = (struct thread){t->pc + 1, t->start};
        }
        struct thread *swap = set->pending;
        set->pending = set->pending_next;
        set->pending_next = swap;
        pending = next;
        at.word_before = at.word_after;
        pos += used;
        cp = at.next_cp;
        used = next_used;
    }
    set->steps = r.steps;
    return report(set, r.matched, matches, max);
}
