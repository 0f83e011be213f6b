/* Inside the pattern compiler: the syntax tree both pattern forms (words with wildcards, and
 * re: regexes) parse into, and the character classes it refers to. Not for the plugin glue. */
#ifndef SPAM_PATTERN_AST_H
#define SPAM_PATTERN_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum node_kind {
    NODE_EMPTY,
    NODE_CHAR,   /* arg: code point */
    NODE_CLASS,  /* arg: class index */
    NODE_ANY,    /* any code point */
    NODE_CAT,    /* a then b */
    NODE_ALT,    /* a or b */
    NODE_REPEAT, /* a, min..max times (max < 0: unbounded) */
    NODE_ASSERT, /* arg: enum assert_kind */
};

enum assert_kind { ASSERT_BOL, ASSERT_EOL, ASSERT_WORD_BOUNDARY, ASSERT_NOT_WORD_BOUNDARY };

/* Class flags: \d, \w, \s as sets rather than ranges (\w is every script's letters). */
enum { CLASS_DIGIT = 1, CLASS_WORD = 2, CLASS_SPACE = 4 };

struct node {
    enum node_kind kind;
    int a, b;
    uint32_t arg;
    int min, max;
};

struct class_range {
    uint32_t lo, hi;
};

struct char_class {
    size_t first_range;
    size_t range_count;
    unsigned flags;
    bool negated;
};

struct ast {
    struct node *nodes;
    size_t node_count, node_cap;
    struct char_class *classes;
    size_t class_count, class_cap;
    struct class_range *ranges;
    size_t range_count, range_cap;
    int root;
};

/* Parses a pattern (either form) into ast (zeroed by the caller; free with ast_free even on
 * failure). False with a positioned message in err. */
bool pattern_parse(const char *source, struct ast *ast, char *err, size_t err_size);
void ast_free(struct ast *ast);

/* Makes room for need items of size bytes in the realloc'd array *items (capacity *cap,
 * doubled as needed). False, with *items untouched, when memory runs out. */
bool pattern_grow(void **items, size_t *cap, size_t need, size_t size);

#endif
