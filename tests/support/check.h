/* A tiny test harness: TEST(name) registers a test, CHECK* record failures without stopping
 * the test, and kith_test_main runs everything and prints "N passed, N failed". */
#ifndef KITH_TEST_CHECK_H
#define KITH_TEST_CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*kith_test_fn)(void);

struct kith_test_case {
    const char *name;
    kith_test_fn fn;
};

#define KITH_MAX_TESTS 512
extern struct kith_test_case kith_tests[KITH_MAX_TESTS];
extern size_t kith_test_count;
extern int kith_test_failures; /* failures in the running test */

#define TEST(name)                                                                                 \
    static void name(void);                                                                        \
    __attribute__((constructor)) static void register_##name(void)                                 \
    {                                                                                              \
        if (kith_test_count < KITH_MAX_TESTS)                                                      \
            kith_tests[kith_test_count++] = (struct kith_test_case){#name, name};                  \
    }                                                                                              \
    static void name(void)

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #expr);             \
            kith_test_failures++;                                                                  \
        }                                                                                          \
    } while (0)

#define CHECK_INT(actual, expected)                                                                \
    do {                                                                                           \
        long long a_ = (long long)(actual), e_ = (long long)(expected);                            \
        if (a_ != e_) {                                                                            \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #actual,   \
                    a_, e_);                                                                       \
            kith_test_failures++;                                                                  \
        }                                                                                          \
    } while (0)

#define CHECK_STR(actual, expected)                                                                \
    do {                                                                                           \
        const char *a_ = (actual), *e_ = (expected);                                               \
        if ((a_ == NULL) != (e_ == NULL) || (a_ && strcmp(a_, e_) != 0)) {                         \
            fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__,        \
                    #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)");                              \
            kith_test_failures++;                                                                  \
        }                                                                                          \
    } while (0)

/* Passes when `needle` occurs in `haystack`. */
#define CHECK_CONTAINS(haystack, needle)                                                           \
    do {                                                                                           \
        const char *h_ = (haystack), *n_ = (needle);                                               \
        if (h_ == NULL || strstr(h_, n_) == NULL) {                                                \
            fprintf(stderr, "  %s:%d: %s == \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
                    #haystack, h_ ? h_ : "(null)", n_);                                            \
            kith_test_failures++;                                                                  \
        }                                                                                          \
    } while (0)

/* Stops the current test when expr is false (for preconditions later checks rely on). */
#define REQUIRE(expr)                                                                              \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            fprintf(stderr, "  %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #expr);           \
            kith_test_failures++;                                                                  \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Runs the tests whose names contain argv[1] (all when absent). */
int kith_test_main(int argc, char **argv);

#endif
