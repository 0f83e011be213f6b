/* Banned words and patterns: a set of admin-written patterns compiled once into one Thompson
 * NFA and run over folded text in time linear in the text (no backtracking, ever). */
#ifndef SPAM_PATTERN_H
#define SPAM_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

/* Limits that keep a compiled set small whatever admins type. */
#define SPAM_PATTERN_MAX_SOURCE 200  /* bytes of one pattern */
#define SPAM_PATTERN_MAX_STATES 2000 /* NFA states of one pattern (after {m,n} expansion) */
#define SPAM_PATTERN_MAX_REPEAT 50   /* largest m or n in {m,n} */
#define SPAM_PATTERN_MAX_COUNT 500   /* patterns in one set */

/* Pattern syntax (docs/plugins/spam-matching.md):
 *   free money      words/phrases, matched on word boundaries; a space matches any run of
 *                   spaces and punctuation; folded like messages (Free = FREE = fr33)
 *   fr*e  gr?y      '*' = any run of non-space characters, '?' = exactly one
 *   re:^buy\s+now   a safe regex: literals . [a-z] [^...] | () ? * + {m,n} ^ $ \b \d \w \s,
 *                   run on folded (lowercase) text; no backreferences or lookaround.
 * Refused: patterns that match every message (re:a*), only '*', over the limits below. */
typedef struct spam_pattern_set spam_pattern_set;

/* An empty set (caller frees with spam_pattern_set_free); NULL when out of memory. */
spam_pattern_set *spam_pattern_set_new(void);
void spam_pattern_set_free(spam_pattern_set *set);

/* Compiles `source` and adds it to the set. Returns its index (0, 1, ...) or -1 with a message
 * naming the position and showing an example in err (e.g. "position 4: backreferences like
 * \1 are not supported; example: re:(free|cheap) nitro"). The source is copied. */
int spam_pattern_set_add(spam_pattern_set *set, const char *source, char *err, size_t err_size);

/* Checks one pattern without keeping it (for validating a setting). */
bool spam_pattern_check(const char *source, char *err, size_t err_size);

size_t spam_pattern_set_count(const spam_pattern_set *set);

/* The source text of pattern `index` as added (borrowed from the set). */
const char *spam_pattern_set_source(const spam_pattern_set *set, size_t index);

/* One pattern that matched: which, and where in the folded text (byte offsets, end exclusive). */
struct spam_match {
    size_t pattern;
    size_t start;
    size_t end;
};

/* Runs every pattern over `folded` (output of spam_fold_new). Writes up to max matches (one per
 * pattern, in pattern order; where it first matched) and returns how many patterns matched
 * (may exceed max; only max are written). Never allocates: it works in scratch space inside
 * the set, so one set must not be matched by two threads at once. */
size_t spam_pattern_set_match(spam_pattern_set *set, const char *folded, size_t len,
                              struct spam_match *matches, size_t max);

/* Counts NFA steps of the last match call (tests and the bench check linearity with it). */
size_t spam_pattern_set_last_steps(const spam_pattern_set *set);

#endif
