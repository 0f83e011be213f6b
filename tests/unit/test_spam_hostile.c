/* Hostile input against every stage: random bytes as messages and random regex sources as
 * patterns must give clean results or clean refusals, never a crash (run under ASan). */
#include "check.h"
#include "logic/fold.h"
#include "logic/links.h"
#include "logic/pattern.h"
#include "logic/rules.h"

/* A small deterministic generator, so a failure can be replayed. */
static uint32_t next_random(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

static void random_bytes(uint32_t *state, char *out, size_t len)
{
    static const char *const pieces[] = {
        "a",           "A",    "0",           "@",        "$",
        " ",           ".",    "/",           "\xD0\xBE", "\xE2\x80\x8B",
        "\xFF",        "\xC3", "discord.gg/", "https://", "\xF0\x9F\x8E\x81",
        "\xEF\xBC\xA6"};
    size_t n = 0;
    while (n + 16 < len) {
        const char *p = pieces[next_random(state) % (sizeof pieces / sizeof pieces[0])];
        if (next_random(state) % 4 == 0) {
            out[n++] = (char)(next_random(state) & 0xFF);
            continue;
        }
        memcpy(out + n, p, strlen(p));
        n += strlen(p);
    }
    out[n] = '\0';
}

TEST(test_random_bytes_pass_every_stage_without_harm)
{
    struct spam_config cfg;
    char err[200];
    spam_config_init(&cfg);
    spam_windows *w = spam_windows_new(50, 5);
    REQUIRE(w != NULL);
    CHECK(spam_config_set_list(&cfg, SPAM_LIST_WORDS, "free nitro\nre:(a|aa)*b\n*coin", err,
                               sizeof err));
    CHECK(spam_config_set_list(&cfg, SPAM_LIST_DENY, "bad.com", err, sizeof err));
    cfg.rules[SPAM_RULE_CAPS].enabled = true;
    uint32_t state = 12345;
    char text[300];
    for (int i = 0; i < 3000; i++) {
        random_bytes(&state, text, sizeof text);
        char *folded = spam_fold_new(text, strlen(text), SPAM_FOLD_DEFAULT);
        REQUIRE(folded != NULL);
        struct spam_link links[4];
        spam_links_find(text, strlen(text), links, 4);
        struct spam_message_facts facts = {
            .server_id = "s", .channel_id = "c", .member_id = "m", .now_ms = i * 100, .text = text};
        struct spam_verdict v[SPAM_RULE_COUNT];
        size_t n = spam_evaluate_message(&cfg, w, &facts, v, SPAM_RULE_COUNT);
        CHECK(n <= SPAM_RULE_COUNT);
        for (size_t k = 0; k < n; k++)
            CHECK(strlen(v[k].reason) > 0);
        free(folded);
    }
    spam_windows_free(w);
    spam_config_clear(&cfg);
}

TEST(test_random_regexes_compile_or_are_refused_and_always_run_linearly)
{
    static const char alphabet[] = "ab.|()[]^$*+?{}0123,\\bdws-:";
    uint32_t state = 777;
    size_t compiled = 0;
    char text[2001];
    memset(text, 'a', 1000);
    memcpy(text + 1000, "ab ba", 5);
    memset(text + 1005, 'b', 995);
    text[2000] = '\0';
    for (int i = 0; i < 3000; i++) {
        char source[40] = "re:";
        size_t len = 3 + next_random(&state) % 30;
        for (size_t k = 3; k < len; k++)
            source[k] = alphabet[next_random(&state) % (sizeof alphabet - 1)];
        source[len] = '\0';
        char err[200] = "";
        spam_pattern_set *set = spam_pattern_set_new();
        REQUIRE(set != NULL);
        if (spam_pattern_set_add(set, source, err, sizeof err) < 0) {
            CHECK(err[0] != '\0'); /* every refusal says why */
            spam_pattern_set_free(set);
            continue;
        }
        compiled++;
        struct spam_match m;
        spam_pattern_set_match(set, text, 2000, &m, 1);
        /* at most every state at every position, plus the final one */
        CHECK(spam_pattern_set_last_steps(set) <= 2001 * 2 * SPAM_PATTERN_MAX_STATES);
        spam_pattern_set_free(set);
    }
    CHECK(compiled > 100); /* the generator does produce valid regexes */
}
