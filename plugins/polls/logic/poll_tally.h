/* Vote counting: a member's choice as a set of options, how a button press or a native vote
 * changes it, and the tally of every member's choice. Pure code: no host calls. */
#ifndef KITH_POLLS_TALLY_H
#define KITH_POLLS_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logic/poll_spec.h"

/* Bit i set: option i (zero-based) chosen. 0: no vote. */
typedef uint32_t poll_choice;

#define POLL_CHOICE_BIT(i) ((poll_choice)1u << (i))

/* A member pressed option's button. Single choice: the option becomes the vote, or pressing
 * the current vote again removes it. Multiple choice: the option is toggled. */
poll_choice poll_choice_after_press(poll_choice current, unsigned option, bool multi);

/* A native poll's whole choice (zero-based indexes) as a set. False when an index is outside
 * 0..option_count-1, or several are given to a single-choice poll. */
bool poll_choice_from_indexes(const int *indexes, size_t n, size_t option_count, bool multi,
                              poll_choice *out);

/* Number of options in a choice. */
unsigned poll_choice_size(poll_choice choice);

struct poll_tally {
    size_t option_count;
    uint64_t counts[POLL_OPTIONS_MAX]; /* members choosing each option */
    uint64_t voters;                   /* members with at least one option chosen */
    uint64_t votes;                    /* sum of counts */
};

void poll_tally_init(struct poll_tally *t, size_t option_count);
/* Adds one member's choice (bits beyond option_count are ignored). */
void poll_tally_add(struct poll_tally *t, poll_choice choice);

#endif
