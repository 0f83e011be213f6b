/* The parser under abuse: random bytes never crash it, and every allocation failure is
 * reported and leaks nothing. Its own executable, because it replaces malloc. */
#include "check.h"
#include "core/cmdparse.h"

static const struct kith_option_decl POLL_CREATE[] = {
    {"question", "The question", KITH_OPT_STRING, KITH_OPTF_REQUIRED, 1, 300},
    {"options", "The answers", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_VARIADIC, 1, 55},
    {"multi", "Allow several answers", KITH_OPT_BOOLEAN, KITH_OPTF_NAMED, 0, 0},
    {"duration", "Close after", KITH_OPT_DURATION, KITH_OPTF_NAMED, 60, 30 * 86400},
};
static const struct kith_option_decl POLL_ID[] = {
    {"id", "Poll number", KITH_OPT_INTEGER, KITH_OPTF_REQUIRED, 1, 0},
};
static const struct kith_subcommand_decl POLL_SUBS[] = {
    {"create", "Start a poll", KITH_ROLE_MEMBER, POLL_CREATE, 4},
    {"close", "Close a poll", KITH_ROLE_MEMBER, POLL_ID, 1},
};
static const struct kith_command_decl POLL = {"poll",    "Polls", KITH_ROLE_MEMBER, NULL, 0,
                                              POLL_SUBS, 2};

static const struct kith_option_decl FAQ_ADD[] = {
    {"entry", "question | answer", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_REST, 0, 0},
    {"keywords", "Extra words", KITH_OPT_STRING, KITH_OPTF_NAMED, 0, 0},
};
static const struct kith_subcommand_decl FAQ_SUBS[] = {
    {"add", "Add an entry", KITH_ROLE_MANAGER, FAQ_ADD, 2},
};
static const struct kith_command_decl FAQ = {"faq", "FAQ", KITH_ROLE_MEMBER, NULL, 0, FAQ_SUBS, 1};

static const struct kith_option_decl MOD_OPTS[] = {
    {"member", "Who", KITH_OPT_USER, KITH_OPTF_REQUIRED, 0, 0},
    {"channel", "Where", KITH_OPT_CHANNEL, KITH_OPTF_NAMED, 0, 0},
    {"role", "Which role", KITH_OPT_ROLE, KITH_OPTF_NAMED, 0, 0},
    {"factor", "How much", KITH_OPT_NUMBER, KITH_OPTF_NAMED, 0, 10},
    {"length", "How long", KITH_OPT_DURATION, KITH_OPTF_REQUIRED, 60, 28 * 86400},
    {"reason", "Why", KITH_OPT_STRING, KITH_OPTF_REST, 0, 100},
};
static const struct kith_command_decl MOD = {"mod", "Moderate", KITH_ROLE_MANAGER, MOD_OPTS, 6,
                                             NULL,  0};

/* ---- Random input ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random text after prefix, biased towards what parsers trip on: quotes, escapes, dashes,
 * UTF-8 pieces, and now and then any byte at all (which is mostly invalid UTF-8). */
static void random_line(const char *prefix, char *buf, size_t size)
{
    static const char *const pieces[] = {
        " ",        "  ",      "\"",
        "'",        "\\",      "--",
        "=",        "-",       "“",
        "”",        "„",       "«",
        "»",        "—",       "\xC2\xA0",
        "create",   "close",   "multi",
        "duration", "2h",      "99999999999999999999",
        "<@",       "<#",      "<@&",
        ">",        "@",       "#",
        "1",        "\t",      "🍕",
        "no-",      "/",       "!",
        "poll",     "|",       "\n",
        "keywords", "id",      "x",
        "@bob ",    "10m ",    " --",
        " \"",      "\" ",     "entry",
        "question", "options", "anonymous",
        "-5",       "0",       "3.5",
    };
    size_t len = strlen(prefix), target = len + next_random() % (size - 1 - len);
    memcpy(buf, prefix, len);
    while (len < target) {
        uint64_t r = next_random();
        if (r % 64 == 0) {
            buf[len++] = (char)(1 + (r >> 8) % 255);
            continue;
        }
        const char *p = pieces[(r >> 8) % (sizeof(pieces) / sizeof(pieces[0]))];
        size_t n = strlen(p);
        if (len + n > target)
            break;
        memcpy(buf + len, p, n);
        len += n;
    }
    buf[len] = '\0';
}

static void check_error_message(kith_err rc, const struct kith_parse_error *err)
{
    if (rc == KITH_OK)
        return;
    CHECK_INT(rc, KITH_ERR_INVALID);
    CHECK(err->message[0] != '\0');
    CHECK(kith_utf8_valid(err->message, strlen(err->message)));
}

static void check_parsed(kith_err rc, struct kith_parsed_command *c)
{
    if (rc != KITH_OK)
        return;
    for (size_t i = 0; i < c->option_count; i++) {
        for (size_t j = 0; j < c->options[i].value_count; j++) {
            const char *v = c->options[i].values[j];
            CHECK(kith_utf8_valid(v, strlen(v)));
        }
    }
    kith_parsed_command_free(c);
}

TEST(test_ten_thousand_random_lines_never_crash_the_parser)
{
    static const struct kith_command_decl *decls[] = {&POLL, &FAQ, &MOD};
    char line[160];
    for (int i = 0; i < 10000; i++) {
        static const char *const prefixes[] = {"", "create ", "add ", "close "};
        random_line(prefixes[i % 4], line, sizeof(line));
        struct kith_words w;
        struct kith_parse_error err;
        kith_err rc = kith_words_split(line, &w, &err);
        check_error_message(rc, &err);
        kith_words_free(&w);

        char *name = NULL;
        const char *args = NULL;
        if (kith_command_detect(line, "KithBot", &name, &args) == KITH_OK)
            free(name);

        struct kith_parsed_command c;
        rc = kith_command_parse(decls[i % 3], line, &c, &err);
        check_error_message(rc, &err);
        check_parsed(rc, &c);

        const struct kith_raw_option raw[] = {
            {"question", line}, {"options", line + i % 7}, {"duration", line}};
        rc = kith_command_parse_structured(&POLL, "create", raw, 3, &c, &err);
        check_error_message(rc, &err);
        check_parsed(rc, &c);
    }
}

/* ---- Allocation failures, as in curl's torture mode: each allocation fails in turn, and
 * every call must then report KITH_ERR_NOMEM (or succeed) and leave nothing allocated.
 * Replacing malloc would blind AddressSanitizer, so the sanitizer build skips this. ---- */
#ifndef __SANITIZE_ADDRESS__

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);

static long fail_countdown = -1; /* the allocation that fails: 0 = the next one; -1 = none */
static long live_blocks;

static bool injected_failure(void)
{
    if (fail_countdown < 0)
        return false;
    return fail_countdown-- == 0;
}

void *malloc(size_t size)
{
    void *p = injected_failure() ? NULL : __libc_malloc(size);
    live_blocks += p != NULL;
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = injected_failure() ? NULL : __libc_calloc(n, size);
    live_blocks += p != NULL;
    return p;
}

void *realloc(void *ptr, size_t size)
{
    void *p = injected_failure() ? NULL : __libc_realloc(ptr, size);
    live_blocks += ptr == NULL && p != NULL;
    return p;
}

void free(void *ptr)
{
    live_blocks -= ptr != NULL;
    __libc_free(ptr);
}

static const struct kith_option_value *opt(const struct kith_parsed_command *c, const char *name)
{
    for (size_t i = 0; i < c->option_count; i++) {
        if (strcmp(c->options[i].name, name) == 0)
            return &c->options[i];
    }
    return NULL;
}

static char long_line[8192];

static kith_err scenario_text_parse(void)
{
    struct kith_parsed_command c;
    struct kith_parse_error err;
    kith_err rc = kith_command_parse(&POLL, long_line, &c, &err);
    if (rc != KITH_OK) {
        CHECK(c.storage == NULL && c.options == NULL);
        return rc;
    }
    const struct kith_option_value *options = opt(&c, "options");
    CHECK(options != NULL && options->value_count == 400);
    const struct kith_option_value *duration = opt(&c, "duration");
    CHECK(duration != NULL && duration->integer == 5400);
    kith_parsed_command_free(&c);
    return rc;
}

static kith_err scenario_rest_parse(void)
{
    struct kith_parsed_command c;
    kith_err rc = kith_command_parse(&FAQ, "add How? | Like this. --keywords k", &c, NULL);
    if (rc == KITH_OK)
        CHECK_STR(opt(&c, "entry")->text, "How? | Like this.");
    kith_parsed_command_free(&c);
    return rc;
}

static kith_err scenario_bad_parse(void)
{
    struct kith_parsed_command c;
    struct kith_parse_error err;
    kith_err rc = kith_command_parse(&POLL, "create Q A --durtion 2h", &c, &err);
    CHECK(c.storage == NULL);
    if (rc == KITH_ERR_INVALID)
        CHECK_CONTAINS(err.message, "unknown option \"--durtion\"");
    return rc;
}

static kith_err scenario_structured(void)
{
    const struct kith_raw_option raw[] = {{"question", "Pizza?"}, {"options", "A B C D E F G H"}};
    struct kith_parsed_command c;
    kith_err rc = kith_command_parse_structured(&POLL, "create", raw, 2, &c, NULL);
    if (rc == KITH_OK)
        CHECK_INT(opt(&c, "options")->value_count, 8);
    kith_parsed_command_free(&c);
    return rc;
}

static kith_err scenario_detect_and_usage(void)
{
    char *name = NULL;
    const char *args;
    kith_err rc = kith_command_detect("/poll@KithBot list", "KithBot", &name, &args);
    free(name);
    if (rc != KITH_OK)
        return rc;
    char *usage = kith_command_usage(&POLL, "create");
    rc = usage != NULL ? KITH_OK : KITH_ERR_NOMEM;
    free(usage);
    return rc;
}

static void torture(const char *what, kith_err (*scenario)(void), kith_err expected)
{
    for (long n = 0; n < 100000; n++) {
        long before = live_blocks;
        fail_countdown = n;
        kith_err rc = scenario();
        bool failed_one = fail_countdown < 0;
        fail_countdown = -1;
        if (live_blocks != before)
            fprintf(stderr, "  %s: allocation %ld failing leaked %ld blocks\n", what, n,
                    live_blocks - before);
        CHECK_INT(live_blocks, before);
        if (!failed_one) { /* ran out of allocations to fail: this was a clean run */
            CHECK_INT(rc, expected);
            CHECK(n > 0);
            return;
        }
        if (rc != KITH_ERR_NOMEM)
            CHECK_INT(rc, expected);
    }
    CHECK(!"torture did not finish");
}

TEST(test_every_allocation_failure_is_reported_and_leaks_nothing)
{
    /* long enough for several arena blocks and many values for one option */
    size_t len = (size_t)snprintf(long_line, sizeof(long_line), "create \"Which?\"");
    for (int i = 0; i < 400; i++)
        len += (size_t)snprintf(long_line + len, sizeof(long_line) - len, " Option%03d", i);
    snprintf(long_line + len, sizeof(long_line) - len, " --duration 1h30m");
    torture("text parse", scenario_text_parse, KITH_OK);
    torture("rest parse", scenario_rest_parse, KITH_OK);
    torture("bad parse", scenario_bad_parse, KITH_ERR_INVALID);
    torture("structured parse", scenario_structured, KITH_OK);
    torture("detect and usage", scenario_detect_and_usage, KITH_OK);
}

#endif
