/* The runner behind check.h. */
#include "check.h"

struct kith_test_case kith_tests[KITH_MAX_TESTS];
size_t kith_test_count;
int kith_test_failures;

int kith_test_main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (size_t i = 0; i < kith_test_count; i++) {
        if (filter && !strstr(kith_tests[i].name, filter))
            continue;
        kith_test_failures = 0;
        kith_tests[i].fn();
        if (kith_test_failures == 0) {
            passed++;
            fprintf(stderr, "ok   %s\n", kith_tests[i].name);
        } else {
            failed++;
            fprintf(stderr, "FAIL %s\n", kith_tests[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return kith_test_main(argc, argv);
}
