/* Benchmark: the spam plugin's per-message cost in its pure logic. Messages go through the
 * fold, 50 banned patterns, the link finder and the windows, each stage alone and all of them
 * through spam_evaluate_message; then patterns that would hang a backtracking regex run over
 * 100 kB. Prints ns per message (or per byte); not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logic/fold.h"
#include "logic/links.h"
#include "logic/pattern.h"
#include "logic/rules.h"
#include "logic/window.h"

static const char *const MESSAGES[] = {
    "hello everyone, how is it going?",
    "Has anyone tried the new release? The changelog is at https://example.org/changes",
    "Grüße aus Köln! Wir treffen uns morgen um 18 Uhr an der Straße vor dem Büro.",
    "Привет всем, кто придёт на встречу в субботу? Напишите в личку.",
    "lol \xF0\x9F\x98\x82\xF0\x9F\x98\x82 that was great \xF0\x9F\x94\xA5",
    "GET FR\xD0\x95\xD0\x95 N\xE2\x80\x8BITR0 NOW at discord . gg/fr33nitro",
    "I think the answer is 42, but check the docs first: readme.md explains it",
    "Can someone review my PR? It fixes the crash when the config file is empty.",
    "ok",
    "We should move this discussion to #general, it is getting long and off topic here",
    "\xF0\x9D\x90\x9F\xF0\x9D\x90\xAB\xF0\x9D\x90\x9E\xF0\x9D\x90\x9E crypto airdrop t.me/+AbCdEf",
    "Thanks a lot for the help yesterday, it works now!",
    "продам аккаунт недорого, пишите",
    "meeting notes: 1) budget 2) roadmap 3) hiring. Questions welcome.",
    "anyone up for a game tonight? \xF0\x9F\x8E\xAE",
    "www.cheap-followers.xyz best prices",
};
#define MESSAGE_COUNT (sizeof MESSAGES / sizeof MESSAGES[0])

static const char *const PATTERNS[] = {
    "free nitro",
    "nitro gift",
    "steam gift",
    "crypto airdrop",
    "airdrop",
    "giveaway",
    "cheap followers",
    "buy followers",
    "onlyfans",
    "porn",
    "nsfw",
    "xxx",
    "casino",
    "bet now",
    "click here",
    "limited offer",
    "dm me",
    "make money",
    "earn $$$",
    "work from home",
    "продам",
    "куплю аккаунт",
    "заработок",
    "казино",
    "ставки",
    "kostenlos",
    "gewinnspiel",
    "fr*e nitro",
    "disc?rd gift",
    "*coin pump",
    "re:\\b(free|cheap) (nitro|robux)\\b",
    "re:steam\\s*(gift|card)s?",
    "re:\\d{3,}\\s*(usd|usdt|btc)",
    "re:(buy|sell) (account|acc)s?",
    "re:^(hey|hi) dm me",
    "re:[a-z]+coin\\b",
    "re:x{3,}",
    "re:n[i1l]tr[o0]",
    "re:@everyone",
    "re:(wa|what's)app\\s*\\+?\\d+",
    "scam",
    "phishing",
    "hack account",
    "password",
    "re:(whats|telegram) ?app",
    "verify your account",
    "re:gift ?card",
    "robux",
    "vbucks",
    "re:sugar (daddy|baby)",
};
#define PATTERN_COUNT (sizeof PATTERNS / sizeof PATTERNS[0])

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void report(const char *label, double seconds, long count)
{
    printf("%-34s %9ld msgs %8.3f s %9.0f ns/msg\n", label, count, seconds, seconds * 1e9 / count);
}

static volatile size_t sink; /* keeps the optimiser from dropping the work */

static void bench_fold(long n)
{
    double start = now_seconds();
    for (long i = 0; i < n; i++) {
        const char *m = MESSAGES[i % MESSAGE_COUNT];
        char *f = spam_fold_new(m, strlen(m), SPAM_FOLD_DEFAULT);
        sink += f ? strlen(f) : 0;
        free(f);
    }
    report("fold", now_seconds() - start, n);
}

static void bench_patterns(spam_pattern_set *set, long n)
{
    char *folded[MESSAGE_COUNT];
    for (size_t i = 0; i < MESSAGE_COUNT; i++)
        folded[i] = spam_fold_new(MESSAGES[i], strlen(MESSAGES[i]), SPAM_FOLD_DEFAULT);
    struct spam_match m[4];
    size_t steps = 0, bytes = 0;
    double start = now_seconds();
    for (long i = 0; i < n; i++) {
        const char *f = folded[i % MESSAGE_COUNT];
        sink += spam_pattern_set_match(set, f, strlen(f), m, 4);
        steps += spam_pattern_set_last_steps(set);
        bytes += strlen(f);
    }
    report("50 patterns (on folded text)", now_seconds() - start, n);
    printf("%-34s %.0f NFA steps/msg, %.1f steps/byte\n", "", (double)steps / (double)n,
           (double)steps / (double)bytes);
    for (size_t i = 0; i < MESSAGE_COUNT; i++)
        free(folded[i]);
}

static void bench_links(long n)
{
    struct spam_link links[8];
    double start = now_seconds();
    for (long i = 0; i < n; i++) {
        const char *m = MESSAGES[i % MESSAGE_COUNT];
        sink += spam_links_find(m, strlen(m), links, 8);
    }
    report("links (fold without leet + scan)", now_seconds() - start, n);
}

static void bench_windows(long n)
{
    spam_windows *w = spam_windows_new(20000, 1000);
    struct spam_window_spans spans = {10000, 60000, 30000};
    struct spam_window_counts c;
    char member[32];
    if (!w)
        return;
    double start = now_seconds();
    for (long i = 0; i < n; i++) {
        snprintf(member, sizeof member, "discord:%ld", i % 5000);
        spam_windows_record_message(w, "discord:1", member, "discord:c1", "hello there", 0, i * 10,
                                    &spans, &c);
        sink += c.messages;
    }
    report("windows (5000 members)", now_seconds() - start, n);
    printf("%-34s %zu members, %zu bytes\n", "  window memory", spam_windows_member_count(w),
           spam_windows_memory(w));
    spam_windows_free(w);
}

static void bench_evaluate(long n)
{
    struct spam_config cfg;
    char err[200];
    spam_config_init(&cfg);
    char words[4096] = "";
    for (size_t i = 0; i < PATTERN_COUNT; i++) {
        strcat(words, PATTERNS[i]);
        strcat(words, "\n");
    }
    spam_windows *w = spam_windows_new(20000, 1000);
    if (!w || !spam_config_set_list(&cfg, SPAM_LIST_WORDS, words, err, sizeof err) ||
        !spam_config_set_list(&cfg, SPAM_LIST_DENY, "scam.example bad.example cheap-followers.xyz",
                              err, sizeof err)) {
        fprintf(stderr, "bench: config refused: %s\n", err);
        spam_windows_free(w);
        spam_config_clear(&cfg);
        return;
    }
    spam_config_set_rule(&cfg, SPAM_RULE_CAPS, "on", err, sizeof err);
    struct spam_verdict v[4];
    char member[32];
    long fired = 0;
    double start = now_seconds();
    for (long i = 0; i < n; i++) {
        snprintf(member, sizeof member, "discord:%ld", i % 5000);
        struct spam_message_facts facts = {.server_id = "discord:1",
                                           .channel_id = "discord:c1",
                                           .member_id = member,
                                           .now_ms = i * 10,
                                           .text = MESSAGES[i % MESSAGE_COUNT]};
        fired += spam_evaluate_message(&cfg, w, &facts, v, 4) > 0;
    }
    report("evaluate: all rules, 50 patterns", now_seconds() - start, n);
    printf("%-34s %ld of %ld messages had a verdict\n", "", fired, n);
    spam_windows_free(w);
    spam_config_clear(&cfg);
}

static void bench_pathological(void)
{
    static const char *const evil[] = {"re:(a+)+$", "re:(a|aa)*b", "re:(.*a){20}", "*a*a*a*a*a*b"};
    size_t len = 100000;
    char *text = malloc(len + 1);
    if (!text)
        return;
    memset(text, 'a', len);
    text[len] = '\0';
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        char err[200];
        spam_pattern_set *set = spam_pattern_set_new();
        if (!set || spam_pattern_set_add(set, evil[i], err, sizeof err) != 0) {
            spam_pattern_set_free(set);
            continue;
        }
        struct spam_match m;
        double start = now_seconds();
        sink += spam_pattern_set_match(set, text, len, &m, 1);
        double s = now_seconds() - start;
        printf("%-20s over 100 kB of 'a': %8.3f ms, %6.1f ns/byte, %5.1f steps/byte\n", evil[i],
               s * 1e3, s * 1e9 / (double)len,
               (double)spam_pattern_set_last_steps(set) / (double)len);
        spam_pattern_set_free(set);
    }
    free(text);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    if (n <= 0)
        n = 200000;
    spam_pattern_set *set = spam_pattern_set_new();
    char err[200];
    for (size_t i = 0; set && i < PATTERN_COUNT; i++) {
        if (spam_pattern_set_add(set, PATTERNS[i], err, sizeof err) < 0) {
            fprintf(stderr, "bench: pattern \"%s\" refused: %s\n", PATTERNS[i], err);
            spam_pattern_set_free(set);
            return 1;
        }
    }
    if (!set)
        return 1;
    /* An optional second argument runs one stage alone (for callgrind): fold, patterns, links,
     * windows, evaluate or pathological. */
    const char *only = argc > 2 ? argv[2] : NULL;
#define STAGE(name) (!only || strcmp(only, name) == 0)
    if (STAGE("fold"))
        bench_fold(n);
    if (STAGE("patterns"))
        bench_patterns(set, n);
    if (STAGE("links"))
        bench_links(n);
    if (STAGE("windows"))
        bench_windows(n);
    if (STAGE("evaluate"))
        bench_evaluate(n);
    if (STAGE("pathological"))
        bench_pathological();
    spam_pattern_set_free(set);
    return 0;
}
