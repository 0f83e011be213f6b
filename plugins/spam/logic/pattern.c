/* The pattern set: keeps admin patterns and matches them against folded text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/pattern.h"

struct spam_pattern_set {
    char **sources;
    size_t count;
    size_t steps;
};

spam_pattern_set *spam_pattern_set_new(void)
{
    return calloc(1, sizeof(spam_pattern_set));
}

void spam_pattern_set_free(spam_pattern_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        free(set->sources[i]);
    free(set->sources);
    free(set);
}

int spam_pattern_set_add(spam_pattern_set *set, const char *source, char *err, size_t err_size)
{
    (void)set;
    snprintf(err, err_size, "patterns cannot be compiled yet: \"%s\"", source);
    return -1;
}

bool spam_pattern_check(const char *source, char *err, size_t err_size)
{
    return spam_pattern_set_add(NULL, source, err, err_size) >= 0;
}

size_t spam_pattern_set_count(const spam_pattern_set *set)
{
    return set->count;
}

const char *spam_pattern_set_source(const spam_pattern_set *set, size_t index)
{
    return index < set->count ? set->sources[index] : NULL;
}

size_t spam_pattern_set_match(spam_pattern_set *set, const char *folded, size_t len,
                              struct spam_match *matches, size_t max)
{
    (void)folded;
    (void)len;
    (void)matches;
    (void)max;
    set->steps = 0;
    return 0;
}

size_t spam_pattern_set_last_steps(const spam_pattern_set *set)
{
    return set->steps;
}
