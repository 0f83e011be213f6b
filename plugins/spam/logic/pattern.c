/* The pattern set: compiles each pattern's syntax tree into one shared Thompson NFA (no
 * backtracking constructs exist in it) and indexes which characters can start each pattern;
 * pattern_run.c runs the NFA. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/fold.h"
#include "logic/pattern_set.h"

/* ---- Emitting a syntax tree as NFA states ---- */

struct emitter {
    const struct ast *ast;
    struct inst *prog;
    size_t len, cap;
    bool too_big, oom;
};

static uint32_t emit(struct emitter *e, enum op op, uint32_t x, uint32_t y, uint32_t arg)
{
    if (e->too_big || e->oom)
        return 0;
    if (e->len >= SPAM_PATTERN_MAX_STATES) {
        e->too_big = true;
        return 0;
    }
    if (!pattern_grow((void **)&e->prog, &e->cap, e->len + 1, sizeof *e->prog)) {
        e->oom = true;
        return 0;
    }
    e->prog[e->len] = (struct inst){op, x, y, arg, 0};
    return (uint32_t)e->len++;
}

static void emit_node(struct emitter *e, int n);

static void emit_repeat(struct emitter *e, const struct node *nd)
{
    int mandatory = nd->max < 0 && nd->min > 0 ? nd->min - 1 : nd->min;
    for (int i = 0; i < mandatory && !e->too_big; i++)
        emit_node(e, nd->a);
    if (nd->max < 0) {
        if (nd->min > 0) { /* the last mandatory copy loops: L: child; SPLIT L, next */
            uint32_t top = (uint32_t)e->len;
            emit_node(e, nd->a);
            emit(e, OP_SPLIT, top, (uint32_t)e->len + 1, 0);
            return;
        }
        uint32_t split = emit(e, OP_SPLIT, 0, 0, 0);
        emit_node(e, nd->a);
        emit(e, OP_JMP, split, 0, 0);
        if (!e->too_big && !e->oom) {
            e->prog[split].x = split + 1;
            e->prog[split].y = (uint32_t)e->len;
        }
        return;
    }
    /* Optional copies: each SPLIT either enters the copy or skips to the end of all of them. */
    uint32_t splits[SPAM_PATTERN_MAX_REPEAT];
    int optional = nd->max - nd->min;
    for (int i = 0; i < optional && !e->too_big; i++) {
        splits[i] = emit(e, OP_SPLIT, 0, 0, 0);
        emit_node(e, nd->a);
    }
    if (e->too_big || e->oom)
        return;
    for (int i = 0; i < optional; i++) {
        e->prog[splits[i]].x = splits[i] + 1;
        e->prog[splits[i]].y = (uint32_t)e->len;
    }
}

static void emit_node(struct emitter *e, int n)
{
    if (n < 0 || e->too_big || e->oom)
        return;
    const struct node *nd = &e->ast->nodes[n];
    switch (nd->kind) {
    case NODE_EMPTY: return;
    case NODE_CHAR: emit(e, OP_CHAR, 0, 0, nd->arg); return;
    case NODE_CLASS: emit(e, OP_CLASS, 0, 0, nd->arg); return;
    case NODE_ANY: emit(e, OP_ANY, 0, 0, 0); return;
    case NODE_ASSERT: emit(e, OP_ASSERT, 0, 0, nd->arg); return;
    case NODE_CAT:
        emit_node(e, nd->a);
        emit_node(e, nd->b);
        return;
    case NODE_ALT: {
        uint32_t split = emit(e, OP_SPLIT, 0, 0, 0);
        emit_node(e, nd->a);
        uint32_t jmp = emit(e, OP_JMP, 0, 0, 0);
        uint32_t right = (uint32_t)e->len;
        emit_node(e, nd->b);
        if (!e->too_big && !e->oom) {
            e->prog[split].x = split + 1;
            e->prog[split].y = right;
            e->prog[jmp].x = (uint32_t)e->len;
        }
        return;
    }
    case NODE_REPEAT: emit_repeat(e, nd); return;
    }
}

/* ---- The set ---- */

spam_pattern_set *spam_pattern_set_new(void)
{
    return calloc(1, sizeof(spam_pattern_set));
}

static void free_scratch(spam_pattern_set *set)
{
    free(set->mark);
    free(set->pending);
    free(set->pending_next);
    free(set->live);
    free(set->stack);
    free(set->found);
    set->mark = NULL;
    set->pending = set->pending_next = set->live = NULL;
    set->stack = NULL;
    set->found = NULL;
}

void spam_pattern_set_free(spam_pattern_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        free(set->patterns[i].source);
    free(set->patterns);
    free(set->prog);
    free(set->classes);
    free(set->ranges);
    for (size_t i = 0; i < BUCKETS; i++)
        free(set->buckets[i].ids);
    for (size_t i = 0; i < BUCKETS; i++)
        free(set->boundary_buckets[i].ids);
    free(set->always.ids);
    free_scratch(set);
    free(set);
}

static bool alloc_scratch(spam_pattern_set *set)
{
    free_scratch(set);
    size_t n = set->prog_len;
    set->mark = calloc(n, sizeof *set->mark);
    set->pending = malloc(n * sizeof *set->pending);
    set->pending_next = malloc(n * sizeof *set->pending_next);
    set->live = malloc(n * sizeof *set->live);
    set->stack = malloc(n * sizeof *set->stack);
    set->found = malloc((set->count + 1) * sizeof *set->found);
    set->generation = 0;
    return set->mark && set->pending && set->pending_next && set->live && set->stack && set->found;
}

static void mark_class_buckets(const spam_pattern_set *set, const struct char_class *c,
                               bool hit[BUCKETS], bool *all)
{
    if (c->negated || (c->flags & CLASS_WORD)) {
        *all = true;
        return;
    }
    if (c->flags & CLASS_DIGIT)
        for (uint32_t d = '0'; d <= '9'; d++)
            hit[d] = true;
    if (c->flags & CLASS_SPACE)
        hit[' '] = hit['\t'] = hit['\n'] = hit['\r'] = true;
    for (size_t i = 0; i < c->range_count; i++) {
        const struct class_range *r = &set->ranges[c->first_range + i];
        if (r->hi - r->lo >= BUCKETS) {
            *all = true;
            return;
        }
        for (uint32_t cp = r->lo; cp <= r->hi; cp++)
            hit[bucket_of(cp)] = true;
    }
}

/* Which code points can start pattern `id`: walk its epsilon closure from the entry (anchors
 * count as passable, so this over-approximates, which is safe). */
static bool first_buckets(const spam_pattern_set *set, uint32_t entry, uint32_t end,
                          bool hit[BUCKETS], bool *all)
{
    size_t n = end - entry;
    bool *seen = calloc(n, sizeof *seen);
    uint32_t *stack = malloc(n * sizeof *stack);
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return false;
    }
    size_t top = 0;
    stack[top++] = entry;
    seen[0] = true;
    while (top > 0 && !*all) {
        const struct inst *in = &set->prog[stack[--top]];
        uint32_t next[2];
        size_t k = 0;
        switch (in->op) {
        case OP_CHAR: hit[bucket_of(in->arg)] = true; break;
        case OP_CLASS: mark_class_buckets(set, &set->classes[in->arg], hit, all); break;
        case OP_ANY:
        case OP_MATCH: *all = true; break;
        case OP_SPLIT: next[k++] = in->x, next[k++] = in->y; break;
        case OP_JMP: next[k++] = in->x; break;
        case OP_ASSERT: next[k++] = (uint32_t)(in - set->prog) + 1; break;
        }
        for (size_t i = 0; i < k; i++) {
            if (!seen[next[i] - entry]) {
                seen[next[i] - entry] = true;
                stack[top++] = next[i];
            }
        }
    }
    free(seen);
    free(stack);
    return true;
}

static bool add_to_list(struct id_list *l, uint32_t id)
{
    if (!pattern_grow((void **)&l->ids, &l->cap, l->count + 1, sizeof *l->ids))
        return false;
    l->ids[l->count++] = id;
    return true;
}

static bool index_pattern(spam_pattern_set *set, uint32_t id, uint32_t entry, uint32_t end)
{
    bool hit[BUCKETS] = {false}, all = false;
    if (!first_buckets(set, entry, end, hit, &all))
        return false;
    if (all)
        return add_to_list(&set->always, id);
    /* Word patterns start with \b: most positions are inside words, so they skip these. */
    bool boundary =
        set->prog[entry].op == OP_ASSERT && set->prog[entry].arg == ASSERT_WORD_BOUNDARY;
    struct id_list *table = boundary ? set->boundary_buckets : set->buckets;
    for (size_t b = 0; b < BUCKETS; b++)
        if (hit[b] && !add_to_list(&table[b], id))
            return false;
    return true;
}

/* Appends the emitted program and the tree's classes to the set, relocated. */
static bool append_program(spam_pattern_set *set, const struct emitter *e, const struct ast *ast,
                           uint32_t id)
{
    size_t base = set->prog_len, class_base = set->class_count, range_base = set->range_count;
    if (!pattern_grow((void **)&set->prog, &set->prog_cap, base + e->len + 1, sizeof *set->prog) ||
        !pattern_grow((void **)&set->classes, &set->class_cap, class_base + ast->class_count + 1,
                      sizeof *set->classes) ||
        !pattern_grow((void **)&set->ranges, &set->range_cap, range_base + ast->range_count + 1,
                      sizeof *set->ranges))
        return false;
    for (size_t i = 0; i < e->len; i++) {
        struct inst in = e->prog[i];
        if (in.op == OP_SPLIT || in.op == OP_JMP) {
            in.x += (uint32_t)base;
            in.y += (uint32_t)base;
        }
        if (in.op == OP_CLASS)
            in.arg += (uint32_t)class_base;
        in.pattern = id;
        set->prog[base + i] = in;
    }
    set->prog[base + e->len] = (struct inst){OP_MATCH, 0, 0, 0, id};
    for (size_t i = 0; i < ast->class_count; i++) {
        set->classes[class_base + i] = ast->classes[i];
        set->classes[class_base + i].first_range += range_base;
    }
    if (ast->range_count)
        memcpy(set->ranges + range_base, ast->ranges, ast->range_count * sizeof *ast->ranges);
    set->prog_len = base + e->len + 1;
    set->class_count = class_base + ast->class_count;
    set->range_count = range_base + ast->range_count;
    return true;
}

/* Compiles source into an emitter; false with a message. */
static bool compile(const char *source, struct ast *ast, struct emitter *e, char *err,
                    size_t err_size)
{
    if (!pattern_parse(source, ast, err, err_size))
        return false;
    e->ast = ast;
    emit_node(e, ast->root);
    if (e->too_big) {
        snprintf(err, err_size,
                 "the pattern is too large after expanding repeats (more than %d states); use "
                 "smaller {m,n} bounds or fewer nested repeats",
                 SPAM_PATTERN_MAX_STATES);
        return false;
    }
    if (e->oom) {
        snprintf(err, err_size, "out of memory");
        return false;
    }
    return true;
}

/* What seeding can check cheaply before starting a thread: a leading anchor (word patterns
 * start with \b) and a fixed second character. */
static struct pattern_info describe_start(const spam_pattern_set *set, char *source, uint32_t entry)
{
    struct pattern_info p = {source, entry, -1, 0};
    uint32_t pc = entry;
    if (set->prog[pc].op == OP_ASSERT)
        p.lead_assert = (int32_t)set->prog[pc++].arg;
    if (set->prog[pc].op == OP_CHAR && set->prog[pc + 1].op == OP_CHAR)
        p.second = set->prog[pc + 1].arg;
    return p;
}

/* Undoes a half-done add (out of memory): the program, classes and seeding of pattern id. */
static void roll_back(spam_pattern_set *set, uint32_t id, size_t prog_len, size_t class_count,
                      size_t range_count)
{
    set->prog_len = prog_len;
    set->class_count = class_count;
    set->range_count = range_count;
    for (size_t b = 0; b < BUCKETS; b++)
        while (set->buckets[b].count && set->buckets[b].ids[set->buckets[b].count - 1] == id)
            set->buckets[b].count--;
    for (size_t b = 0; b < BUCKETS; b++) {
        struct id_list *l = &set->boundary_buckets[b];
        while (l->count && l->ids[l->count - 1] == id)
            l->count--;
    }
    while (set->always.count && set->always.ids[set->always.count - 1] == id)
        set->always.count--;
}

/* A pattern that matches the empty text, a letter and a space matches every message (e.g.
 * "re:spam|" with its empty alternative); refused, since it would act on everyone. */
static bool matches_every_text(spam_pattern_set *set, uint32_t id)
{
    static const char *const probes[] = {"", "q", " "};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        spam_pattern_set_match(set, probes[i], strlen(probes[i]), NULL, 0);
        if (set->found[id].end == SIZE_MAX)
            return false;
    }
    return true;
}

/* Stores a compiled pattern as number id; false when out of memory (set unchanged). */
static bool store(spam_pattern_set *set, const struct emitter *e, const struct ast *ast, char *copy,
                  uint32_t id)
{
    size_t prog_len = set->prog_len, classes = set->class_count, ranges = set->range_count;
    bool stored =
        pattern_grow((void **)&set->patterns, &set->cap, set->count + 1, sizeof *set->patterns) &&
        append_program(set, e, ast, id) &&
        index_pattern(set, id, (uint32_t)prog_len, (uint32_t)set->prog_len);
    if (stored) {
        set->patterns[set->count++] = describe_start(set, copy, (uint32_t)prog_len);
        stored = alloc_scratch(set);
        if (!stored)
            set->count--;
    }
    if (!stored)
        roll_back(set, id, prog_len, classes, ranges);
    return stored;
}

/* Takes the last pattern out again (it was refused after compiling). */
static void drop_last(spam_pattern_set *set)
{
    struct pattern_info *p = &set->patterns[--set->count];
    uint32_t id = (uint32_t)set->count;
    size_t classes = set->class_count, ranges = set->range_count;
    for (size_t pc = p->entry; pc < set->prog_len; pc++)
        if (set->prog[pc].op == OP_CLASS && set->prog[pc].arg < classes) {
            classes = set->prog[pc].arg;
            ranges = set->classes[classes].first_range;
        }
    roll_back(set, id, p->entry, classes, ranges);
    free(p->source);
}

int spam_pattern_set_add(spam_pattern_set *set, const char *source, char *err, size_t err_size)
{
    if (set->count >= SPAM_PATTERN_MAX_COUNT) {
        snprintf(err, err_size, "at most %d patterns are allowed", SPAM_PATTERN_MAX_COUNT);
        return -1;
    }
    struct ast ast = {0};
    struct emitter e = {0};
    uint32_t id = (uint32_t)set->count;
    bool ok = compile(source, &ast, &e, err, err_size);
    char *copy = ok ? strdup(source) : NULL;
    if (ok && (!copy || !store(set, &e, &ast, copy, id))) {
        snprintf(err, err_size, "out of memory");
        ok = false;
    }
    ast_free(&ast);
    free(e.prog);
    if (!ok) {
        free(copy);
        return -1;
    }
    if (matches_every_text(set, id)) {
        drop_last(set);
        snprintf(err, err_size,
                 "the pattern matches every message (it can match empty text, e.g. \"re:a*\" or "
                 "an empty alternative in \"re:spam|\"); example: re:a+");
        return -1;
    }
    return (int)id;
}

bool spam_pattern_check(const char *source, char *err, size_t err_size)
{
    spam_pattern_set *set = spam_pattern_set_new();
    if (!set) {
        snprintf(err, err_size, "out of memory");
        return false;
    }
    bool ok = spam_pattern_set_add(set, source, err, err_size) >= 0;
    spam_pattern_set_free(set);
    return ok;
}

size_t spam_pattern_set_count(const spam_pattern_set *set)
{
    return set->count;
}

const char *spam_pattern_set_source(const spam_pattern_set *set, size_t index)
{
    return index < set->count ? set->patterns[index].source : NULL;
}

size_t spam_pattern_set_last_steps(const spam_pattern_set *set)
{
    return set->steps;
}
