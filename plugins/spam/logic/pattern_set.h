/* Inside the pattern set: the NFA program and the set's layout, shared by the compiler
 * (pattern.c) and the matcher (pattern_run.c). Not for the plugin glue. */
#ifndef SPAM_PATTERN_SET_H
#define SPAM_PATTERN_SET_H

#include <stdint.h>

#include "logic/pattern.h"
#include "logic/pattern_ast.h"

enum op { OP_CHAR, OP_CLASS, OP_ANY, OP_SPLIT, OP_JMP, OP_ASSERT, OP_MATCH };

struct inst {
    enum op op;
    uint32_t x, y;    /* SPLIT: both targets; JMP: x */
    uint32_t arg;     /* CHAR: code point; CLASS: class index; ASSERT: kind */
    uint32_t pattern; /* which pattern the state belongs to */
};

/* Seeding: a pattern only starts at positions whose code point can begin it. Buckets fold
 * code points above ASCII together (cp & 127), so a bucket hit is a hint, never a miss. */
#define BUCKETS 256

struct id_list {
    uint32_t *ids;
    size_t count, cap;
};

struct pattern_info {
    char *source;
    uint32_t entry;
    int32_t lead_assert; /* the anchor every match starts with (checked before seeding), or -1 */
    uint32_t second;     /* the second code point when the pattern starts with two fixed ones */
};

struct thread {
    uint32_t pc;
    uint32_t start;
};

struct spam_pattern_set {
    struct pattern_info *patterns;
    size_t count, cap;
    struct inst *prog;
    size_t prog_len, prog_cap;
    struct char_class *classes;
    size_t class_count, class_cap;
    struct class_range *ranges;
    size_t range_count, range_cap;
    struct id_list buckets[BUCKETS];
    struct id_list boundary_buckets[BUCKETS]; /* patterns starting with \b: seeded only there */
    struct id_list always;                    /* patterns that can start at any character */
    /* Scratch for matching, sized to the program. */
    uint32_t *mark;
    uint32_t generation;
    struct thread *pending, *pending_next, *live;
    uint32_t *stack;
    struct spam_match *found; /* per pattern; end == SIZE_MAX: not found */
    size_t steps;
};

/* The seeding bucket of a code point. */
static inline size_t bucket_of(uint32_t cp)
{
    return cp < 128 ? cp : 128 + (cp & 127);
}

#endif
