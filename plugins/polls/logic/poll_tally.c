/* Vote counting: choices as sets of options and the tally over members. */
#include "logic/poll_tally.h"

poll_choice poll_choice_after_press(poll_choice current, unsigned option, bool multi)
{
    if (option >= POLL_OPTIONS_MAX)
        return current;
    poll_choice bit = POLL_CHOICE_BIT(option);
    if (multi)
        return current ^ bit;
    return current == bit ? 0 : bit;
}

bool poll_choice_from_indexes(const int *indexes, size_t n, size_t option_count, bool multi,
                              poll_choice *out)
{
    poll_choice choice = 0;
    if (option_count > POLL_OPTIONS_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (indexes[i] < 0 || (size_t)indexes[i] >= option_count)
            return false;
        choice |= POLL_CHOICE_BIT(indexes[i]);
    }
    if (!multi && poll_choice_size(choice) > 1)
        return false;
    *out = choice;
    return true;
}

unsigned poll_choice_size(poll_choice choice)
{
    unsigned n = 0;
    for (; choice != 0; choice &= choice - 1)
        n++;
    return n;
}

void poll_tally_init(struct poll_tally *t, size_t option_count)
{
    *t = (struct poll_tally){0};
    t->option_count = option_count > POLL_OPTIONS_MAX ? POLL_OPTIONS_MAX : option_count;
}

void poll_tally_add(struct poll_tally *t, poll_choice choice)
{
    bool counted = false;
    for (size_t i = 0; i < t->option_count; i++) {
        if (choice & POLL_CHOICE_BIT(i)) {
            t->counts[i]++;
            t->votes++;
            counted = true;
        }
    }
    if (counted)
        t->voters++;
}
