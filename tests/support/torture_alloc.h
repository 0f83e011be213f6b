/* Torture mode (as curl's): replaces malloc, calloc, realloc and free for the executable that
 * includes it, so a test can make each allocation fail in turn and count live blocks.
 * Include it in exactly one .c file of a test executable of its own. Under AddressSanitizer
 * (which a replaced malloc would blind) TORTURE is 0 and nothing is replaced. */
#ifndef KITH_TEST_TORTURE_ALLOC_H
#define KITH_TEST_TORTURE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

static long fail_countdown = -1; /* the allocation that fails: 0 = the next one; -1 = none */
static long live_blocks;

/* Replacing malloc would blind AddressSanitizer: the sanitizer build runs once, cleanly,
 * under its own eyes instead. */
#ifdef __SANITIZE_ADDRESS__
#define TORTURE 0
#else
#define TORTURE 1

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);

static bool injected_failure(void)
{
    if (fail_countdown < 0)
        return false;
    return fail_countdown-- == 0;
}

/* Exported (the build hides symbols by default), so that SQLite, libuv, plugins and the C
 * library's own strdup and asprintf allocate through these too. */
#define EXPORTED __attribute__((visibility("default")))

EXPORTED void *malloc(size_t size)
{
    void *p = injected_failure() ? NULL : __libc_malloc(size);
    live_blocks += p != NULL;
    return p;
}

EXPORTED void *calloc(size_t n, size_t size)
{
    void *p = injected_failure() ? NULL : __libc_calloc(n, size);
    live_blocks += p != NULL;
    return p;
}

EXPORTED void *realloc(void *ptr, size_t size)
{
    void *p = injected_failure() ? NULL : __libc_realloc(ptr, size);
    live_blocks += ptr == NULL && p != NULL;
    live_blocks -= ptr != NULL && size == 0;
    return p;
}

EXPORTED void free(void *ptr)
{
    live_blocks -= ptr != NULL;
    __libc_free(ptr);
}
#endif /* TORTURE */

#endif
