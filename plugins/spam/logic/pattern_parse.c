/* Parsing admin patterns into a syntax tree: word patterns with * and ? are folded like
 * messages; re: regexes get the safe subset, and everything that needs backtracking is refused
 * with the position and an example. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/fold.h"
#include "logic/pattern.h"
#include "logic/pattern_ast.h"

#define MAX_DEPTH 50
#define MAX_CLASS_RANGES 64
#define REGEX_EXAMPLE "example: re:(free|cheap) nitro"

struct parser {
    const char *src;
    size_t len;
    size_t pos;
    struct ast *ast;
    char *err;
    size_t err_size;
    bool failed;
};

static int fail(struct parser *p, size_t at, const char *msg)
{
    if (!p->failed)
        snprintf(p->err, p->err_size, "position %zu: %s", at + 1, msg);
    p->failed = true;
    return -1;
}

bool pattern_grow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t cap2 = *cap ? *cap * 2 : 16;
    while (cap2 < need && cap2 <= SIZE_MAX / 2)
        cap2 *= 2;
    if (cap2 < need || cap2 > SIZE_MAX / size)
        return false;
    void *grown = realloc(*items, cap2 * size);
    if (!grown)
        return false;
    *items = grown;
    *cap = cap2;
    return true;
}

static int node(struct parser *p, enum node_kind kind, int a, int b, uint32_t arg)
{
    struct ast *t = p->ast;
    if (p->failed)
        return -1;
    if (!pattern_grow((void **)&t->nodes, &t->node_cap, t->node_count + 1, sizeof *t->nodes))
        return fail(p, p->pos, "out of memory");
    t->nodes[t->node_count] = (struct node){kind, a, b, arg, 0, 0};
    return (int)t->node_count++;
}

static int cat(struct parser *p, int a, int b)
{
    if (a < 0 || p->ast->nodes[a].kind == NODE_EMPTY)
        return b;
    if (b < 0 || p->ast->nodes[b].kind == NODE_EMPTY)
        return a;
    return node(p, NODE_CAT, a, b, 0);
}

static int repeat(struct parser *p, int child, int min, int max)
{
    int n = node(p, NODE_REPEAT, child, -1, 0);
    if (n >= 0) {
        p->ast->nodes[n].min = min;
        p->ast->nodes[n].max = max;
    }
    return n;
}

static int new_class(struct parser *p, unsigned flags, bool negated)
{
    struct ast *t = p->ast;
    if (!pattern_grow((void **)&t->classes, &t->class_cap, t->class_count + 1, sizeof *t->classes))
        return fail(p, p->pos, "out of memory");
    t->classes[t->class_count] = (struct char_class){t->range_count, 0, flags, negated};
    return (int)t->class_count++;
}

/* Adds a range to the class most recently created. */
static void add_range(struct parser *p, uint32_t lo, uint32_t hi)
{
    struct ast *t = p->ast;
    struct char_class *c = &t->classes[t->class_count - 1];
    if (p->failed)
        return;
    if (c->range_count == MAX_CLASS_RANGES) {
        fail(p, p->pos, "too many characters in one [ ] class (at most 64 ranges)");
        return;
    }
    if (!pattern_grow((void **)&t->ranges, &t->range_cap, t->range_count + 1, sizeof *t->ranges)) {
        fail(p, p->pos, "out of memory");
        return;
    }
    t->ranges[t->range_count++] = (struct class_range){lo, hi};
    c->range_count++;
}

/* Every form a typed letter can take in folded text: folded itself, its Cyrillic twin (Latin
 * lookalikes turn Cyrillic inside Russian words), its Latin twin, the letters leet digits
 * become. Writes up to 8 code points; returns how many. */
static size_t literal_forms(uint32_t cp, uint32_t f, uint32_t out[8])
{
    uint32_t cand[8] = {f, 0, 0, 0, 0, 0, 0, 0};
    if (f >= 'a' && f <= 'z') {
        cand[1] = spam_fold_to_cyrillic(f);
        cand[2] = spam_fold_to_cyrillic(f - 32);
    }
    cand[3] = spam_fold_lookalike(cp);
    cand[4] = spam_fold_lookalike(f);
    cand[5] = spam_fold_leet(f);
    cand[6] = spam_fold_leet_cyrillic(f);
    size_t n = 0;
    for (size_t i = 0; i < 8; i++) {
        bool seen = cand[i] == 0;
        for (size_t k = 0; k < n && !seen; k++)
            seen = out[k] == cand[i];
        if (!seen)
            out[n++] = cand[i];
    }
    return n;
}

/* A typed regex literal: folded, and widened to the forms it can take in folded text. */
static int literal(struct parser *p, uint32_t cp)
{
    uint32_t f[3];
    size_t n = spam_fold_codepoint(cp, f);
    if (n == 0)
        return node(p, NODE_EMPTY, -1, -1, 0);
    if (n > 1) {
        int seq = -1;
        for (size_t i = 0; i < n; i++)
            seq = cat(p, seq, node(p, NODE_CHAR, -1, -1, f[i]));
        return seq;
    }
    uint32_t forms[8];
    size_t count = literal_forms(cp, f[0], forms);
    if (count == 1)
        return node(p, NODE_CHAR, -1, -1, forms[0]);
    int c = new_class(p, 0, false);
    for (size_t i = 0; i < count && c >= 0; i++)
        add_range(p, forms[i], forms[i]);
    return node(p, NODE_CLASS, -1, -1, (uint32_t)c);
}

static uint32_t next_cp(struct parser *p)
{
    uint32_t cp;
    p->pos += spam_utf8_decode(p->src + p->pos, p->len - p->pos, &cp);
    return cp;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* \d \w \s and their capitals as a class; 0 when c is not one of them. */
static unsigned class_escape(char c, bool *negated)
{
    *negated = c == 'D' || c == 'W' || c == 'S';
    switch (c) {
    case 'd':
    case 'D': return CLASS_DIGIT;
    case 'w':
    case 'W': return CLASS_WORD;
    case 's':
    case 'S': return CLASS_SPACE;
    default: return 0;
    }
}

/* A refused or unknown escape: the backslash at p->pos - 2, then c. */
static int bad_escape(struct parser *p, char c)
{
    size_t at = p->pos - 2;
    if (is_digit(c) || c == 'k' || c == 'g')
        return fail(
            p, at,
            "backreferences like \\1 are not supported (they need backtracking); " REGEX_EXAMPLE);
    if (c == 'p' || c == 'P')
        return fail(p, at, "Unicode properties like \\p{L} are not supported; use \\w or [a-z]");
    char msg[120];
    snprintf(msg, sizeof msg,
             "unknown escape \\%c; supported: \\b \\d \\w \\s (and capitals), \\n \\t, and "
             "\\ before punctuation",
             c);
    return fail(p, at, msg);
}

/* The literal an escape stands for (\. \\ \n ...), or 0 when it is not a literal escape. */
static uint32_t literal_escape(char c)
{
    if (c == 'n' || c == 't' || c == 'r')
        return ' '; /* folded text has only spaces */
    if ((unsigned char)c < 0x80 && c > ' ' && !(c >= '0' && c <= '9') &&
        !((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
        return (uint32_t)c;
    return 0;
}

/* One member of a [ ] class: a code point or escaped literal; false after an error. */
static bool class_member(struct parser *p, uint32_t *cp, unsigned *flags)
{
    *flags = 0;
    if (p->src[p->pos] != '\\') {
        *cp = next_cp(p);
        return true;
    }
    p->pos++;
    if (p->pos >= p->len) {
        fail(p, p->pos - 1, "a backslash at the end; write \\\\ for a backslash");
        return false;
    }
    char c = p->src[p->pos++];
    bool negated;
    unsigned fl = class_escape(c, &negated);
    if (fl && negated) {
        fail(p, p->pos - 2, "\\D \\W \\S are not supported inside [ ]; use [^...] instead");
        return false;
    }
    if (fl) {
        *flags = fl;
        return true;
    }
    *cp = literal_escape(c);
    if (*cp == 0) {
        bad_escape(p, c);
        return false;
    }
    return true;
}

static void add_class_point(struct parser *p, uint32_t cp)
{
    uint32_t f[3], forms[8];
    if (spam_fold_codepoint(cp, f) != 1)
        return;
    size_t n = literal_forms(cp, f[0], forms);
    for (size_t i = 0; i < n; i++)
        add_range(p, forms[i], forms[i]);
}

/* Adds lo-hi and, for ranges of capitals, the lowercase range (text is folded). */
static void add_class_range(struct parser *p, uint32_t lo, uint32_t hi)
{
    add_range(p, lo, hi);
    if (lo >= 'A' && hi <= 'Z')
        add_range(p, lo + 32, hi + 32);
    if (lo >= 0x410 && hi <= 0x42F)
        add_range(p, lo + 0x20, hi + 0x20);
}

static int parse_class(struct parser *p)
{
    size_t open = p->pos - 1;
    bool negated = p->pos < p->len && p->src[p->pos] == '^';
    if (negated)
        p->pos++;
    int c = new_class(p, 0, negated);
    bool first = true;
    while (!p->failed) {
        if (p->pos >= p->len)
            return fail(p, open, "unclosed [; example: re:[a-z]+");
        if (p->src[p->pos] == ']' && !first)
            break;
        first = false;
        uint32_t lo, hi;
        unsigned flags;
        if (!class_member(p, &lo, &flags))
            return -1;
        if (flags) {
            p->ast->classes[c].flags |= flags;
            continue;
        }
        bool is_range = p->pos + 1 < p->len && p->src[p->pos] == '-' && p->src[p->pos + 1] != ']';
        if (!is_range) {
            add_class_point(p, lo);
            continue;
        }
        size_t dash = p->pos++;
        if (!class_member(p, &hi, &flags))
            return -1;
        if (flags || hi < lo)
            return fail(p, dash, "a range must go from low to high, like a-z or 0-9");
        add_class_range(p, lo, hi);
    }
    p->pos++; /* ] */
    return p->failed ? -1 : node(p, NODE_CLASS, -1, -1, (uint32_t)c);
}

static int parse_alt(struct parser *p, int depth);

static int parse_group(struct parser *p, int depth)
{
    size_t open = p->pos - 1;
    if (depth >= MAX_DEPTH)
        return fail(p, open, "groups nested too deeply");
    if (p->pos < p->len && p->src[p->pos] == '?') {
        if (p->pos + 1 < p->len && p->src[p->pos + 1] == ':') {
            p->pos += 2;
        } else {
            char c = p->pos + 1 < p->len ? p->src[p->pos + 1] : ' ';
            if (c == '=' || c == '!' || c == '<')
                return fail(
                    p, open,
                    "lookahead and lookbehind like (?= and (?<= are not supported; " REGEX_EXAMPLE);
            return fail(p, open,
                        "inline flags like (?i) are not supported (matching is always "
                        "case-insensitive); use (?:...) for a plain group");
        }
    }
    int inner = parse_alt(p, depth + 1);
    if (p->failed)
        return -1;
    if (p->pos >= p->len || p->src[p->pos] != ')')
        return fail(p, open, "unclosed (; " REGEX_EXAMPLE);
    p->pos++;
    return inner;
}

static int parse_escape(struct parser *p)
{
    if (p->pos >= p->len)
        return fail(p, p->pos - 1, "a backslash at the end; write \\\\ for a backslash");
    char c = p->src[p->pos++];
    bool negated;
    unsigned flags = class_escape(c, &negated);
    if (flags) {
        int cl = new_class(p, flags, negated);
        return cl < 0 ? -1 : node(p, NODE_CLASS, -1, -1, (uint32_t)cl);
    }
    if (c == 'b' || c == 'B')
        return node(p, NODE_ASSERT, -1, -1,
                    c == 'b' ? ASSERT_WORD_BOUNDARY : ASSERT_NOT_WORD_BOUNDARY);
    uint32_t lit = literal_escape(c);
    return lit ? literal(p, lit) : bad_escape(p, c);
}

static int parse_atom(struct parser *p, int depth)
{
    size_t at = p->pos;
    char c = p->src[p->pos];
    switch (c) {
    case '(': p->pos++; return parse_group(p, depth);
    case '[': p->pos++; return parse_class(p);
    case '.': p->pos++; return node(p, NODE_ANY, -1, -1, 0);
    case '^': p->pos++; return node(p, NODE_ASSERT, -1, -1, ASSERT_BOL);
    case '$': p->pos++; return node(p, NODE_ASSERT, -1, -1, ASSERT_EOL);
    case '\\': p->pos++; return parse_escape(p);
    case '*':
    case '+':
    case '?':
    case '{': return fail(p, at, "nothing to repeat before this; example: re:a+ or re:(ab){2,3}");
    default: return literal(p, next_cp(p));
    }
}

/* {m}, {m,}, {m,n} after an atom; p->pos is at '{'. */
static bool parse_bounds(struct parser *p, int *min, int *max)
{
    size_t open = p->pos++;
    long lo = 0, hi;
    size_t digits = 0;
    while (p->pos < p->len && is_digit(p->src[p->pos]) && lo <= SPAM_PATTERN_MAX_REPEAT) {
        lo = lo * 10 + (p->src[p->pos++] - '0');
        digits++;
    }
    hi = lo;
    if (digits && p->pos < p->len && p->src[p->pos] == ',') {
        p->pos++;
        hi = -1;
        if (p->pos < p->len && is_digit(p->src[p->pos])) {
            hi = 0;
            while (p->pos < p->len && is_digit(p->src[p->pos]) && hi <= SPAM_PATTERN_MAX_REPEAT)
                hi = hi * 10 + (p->src[p->pos++] - '0');
        }
    }
    if (!digits || p->pos >= p->len || p->src[p->pos] != '}') {
        fail(p, open, "expected {m}, {m,} or {m,n} with numbers, like {2,5}");
        return false;
    }
    p->pos++;
    if (lo > SPAM_PATTERN_MAX_REPEAT || hi > SPAM_PATTERN_MAX_REPEAT) {
        char msg[100];
        snprintf(msg, sizeof msg, "repeat bounds above %d are not allowed; example: {2,5}",
                 SPAM_PATTERN_MAX_REPEAT);
        fail(p, open, msg);
        return false;
    }
    if (hi >= 0 && hi < lo) {
        fail(p, open, "in {m,n} n must not be below m; example: {2,5}");
        return false;
    }
    *min = (int)lo;
    *max = (int)hi;
    return true;
}

static int parse_repeat(struct parser *p, int depth)
{
    size_t at = p->pos;
    int atom = parse_atom(p, depth);
    while (!p->failed && p->pos < p->len) {
        char c = p->src[p->pos];
        int min, max;
        if (c == '?' || c == '*' || c == '+') {
            min = c == '+';
            max = c == '?' ? 1 : -1;
            p->pos++;
        } else if (c == '{') {
            if (!parse_bounds(p, &min, &max))
                return -1;
        } else {
            break;
        }
        enum node_kind k = p->ast->nodes[atom].kind;
        if (k == NODE_ASSERT || k == NODE_EMPTY)
            return fail(p, at, "nothing to repeat (an anchor or empty group cannot repeat)");
        atom = repeat(p, atom, min, max);
    }
    return atom;
}

static int parse_cat(struct parser *p, int depth)
{
    int seq = node(p, NODE_EMPTY, -1, -1, 0);
    while (!p->failed && p->pos < p->len && p->src[p->pos] != '|' && p->src[p->pos] != ')')
        seq = cat(p, seq, parse_repeat(p, depth));
    return seq;
}

static int parse_alt(struct parser *p, int depth)
{
    int left = parse_cat(p, depth);
    while (!p->failed && p->pos < p->len && p->src[p->pos] == '|') {
        p->pos++;
        int right = parse_cat(p, depth);
        left = node(p, NODE_ALT, left, right, 0);
    }
    return left;
}

static int parse_regex(struct parser *p)
{
    p->pos = 3; /* after "re:" */
    if (p->pos == p->len)
        return fail(p, p->pos, "the regex after re: is empty; " REGEX_EXAMPLE);
    int root = parse_alt(p, 0);
    if (!p->failed && p->pos < p->len)
        return fail(p, p->pos, "unmatched ); " REGEX_EXAMPLE);
    return root;
}

/* Word patterns are folded exactly like messages, so any spelling the fold unifies matches. */
/* One character of a word pattern as a tree node. */
static int word_part(struct parser *p, uint32_t cp)
{
    if (cp == ' ') { /* any run of spaces and punctuation between words */
        int cl = new_class(p, CLASS_WORD, true);
        return repeat(p, node(p, NODE_CLASS, -1, -1, (uint32_t)cl), 1, -1);
    }
    if (cp == '*' || cp == '?') {
        int cl = new_class(p, CLASS_SPACE, true);
        int part = node(p, NODE_CLASS, -1, -1, (uint32_t)cl);
        return cp == '*' ? repeat(p, part, 0, -1) : part;
    }
    return node(p, NODE_CHAR, -1, -1, cp);
}

/* Word patterns are folded exactly like messages, so any spelling the fold unifies matches.
 * A leading or trailing '*' adds nothing to a search that may start and end anywhere, so it
 * only lifts the word boundary on that side (and costs nothing at run time). */
static int parse_words(struct parser *p)
{
    char *folded = spam_fold_new(p->src, p->len, SPAM_FOLD_DEFAULT);
    if (!folded)
        return fail(p, 0, "out of memory");
    size_t start = 0, end = strlen(folded);
    if (end == 0) {
        free(folded);
        return fail(p, 0,
                    "the pattern is empty (or only invisible characters); example: "
                    "free nitro");
    }
    uint32_t first, last = 0;
    spam_utf8_decode(folded, end, &first);
    for (size_t pos = 0; pos < end;)
        pos += spam_utf8_decode(folded + pos, end - pos, &last);
    while (start < end && folded[start] == '*')
        start++;
    while (end > start && folded[end - 1] == '*')
        end--;
    int seq = -1;
    for (size_t pos = start; pos < end && !p->failed;) {
        uint32_t cp;
        pos += spam_utf8_decode(folded + pos, end - pos, &cp);
        seq = cat(p, seq, word_part(p, cp));
    }
    free(folded);
    if (p->failed)
        return -1;
    if (start == end)
        return fail(p, 0, "a pattern of only '*' would match every message; example: *coin");
    if (spam_is_word_char(first))
        seq = cat(p, node(p, NODE_ASSERT, -1, -1, ASSERT_WORD_BOUNDARY), seq);
    if (spam_is_word_char(last))
        seq = cat(p, seq, node(p, NODE_ASSERT, -1, -1, ASSERT_WORD_BOUNDARY));
    return seq;
}

bool pattern_parse(const char *source, struct ast *ast, char *err, size_t err_size)
{
    struct parser p = {source, strlen(source), 0, ast, err, err_size, false};
    if (p.len > SPAM_PATTERN_MAX_SOURCE) {
        snprintf(err, err_size, "the pattern is %zu bytes long, at most %d are allowed", p.len,
                 SPAM_PATTERN_MAX_SOURCE);
        return false;
    }
    ast->root = strncmp(source, "re:", 3) == 0 ? parse_regex(&p) : parse_words(&p);
    return !p.failed && ast->root >= 0;
}

void ast_free(struct ast *ast)
{
    free(ast->nodes);
    free(ast->classes);
    free(ast->ranges);
    memset(ast, 0, sizeof *ast);
}
