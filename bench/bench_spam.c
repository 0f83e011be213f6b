/* Benchmark: the spam plugin's per-message cost in an in-process core (the real plugin, default
 * rules plus 50 banned patterns): ordinary talk from many members across channels, members
 * churning past the tracker's bound, and pathological text against patterns that would make a
 * backtracking regex explode. Prints CPU microseconds per message and memory; not a test. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"
#include "test_env.h"

#define CHANNELS 20
#define BATCH 1000          /* messages between loop turns (completions, flush timer) */
#define BATCH_CLOCK_MS 5000 /* fake time per batch: members post far below the flood limit */

/* 50 patterns of every kind the engine takes: words and phrases, wildcards, safe regexes. The
 * last two are the classic catastrophic-backtracking shapes. */
static const char *const patterns[] = {
    "free nitro",
    "cheap followers",
    "crypto giveaway",
    "double your bitcoin",
    "click here to claim",
    "onlyfans leak",
    "steam gift card",
    "airdrop claim",
    "earn money fast",
    "work from home",
    "investment plan",
    "forex signals",
    "dm me for promo",
    "buy instagram likes",
    "casino bonus",
    "betting tips",
    "viagra",
    "cialis",
    "payday loan",
    "sugar daddy",
    "hot singles",
    "nude pics",
    "whatsapp me",
    "telegram me",
    "fr*e gift",
    "g?ft card",
    "pr*mo code",
    "v*bucks",
    "nitro*free",
    "bit*coin doubler",
    "re:(buy|sell)\\s+(cheap|now)",
    "re:^claim\\b",
    "re:\\d{4}\\s?\\d{4}\\s?\\d{4}\\s?\\d{4}",
    "re:(win|won)\\s+\\$\\d+",
    "re:gift\\s*card\\s*code",
    "re:[a-z]+coin\\s+pump",
    "re:(get|earn)\\s+\\d+\\s*usd",
    "re:limited\\s+offer",
    "re:act\\s+now",
    "re:100%\\s+free",
    "re:no\\s+risk",
    "re:guaranteed\\s+profit",
    "re:(whats|telegr)app?\\s+\\+?\\d+",
    "re:join\\s+my\\s+channel",
    "re:porn(hub)?",
    "re:s[e3]x\\s+cam",
    "re:hot\\s+(girls|boys)",
    "re:adult\\s+dating",
    "re:(a+)+b",
    "re:(o|oo)+y",
};
#define PATTERN_COUNT (sizeof patterns / sizeof patterns[0])

/* What members say on an ordinary day (none of it is spam). */
static const char *const talk[] = {
    "good morning everyone",
    "has anyone tried the new release yet?",
    "I think the second option is better, honestly",
    "Guten Morgen! Wie geht es euch heute?",
    "Привет всем, как дела?",
    "lol that is so true 😂",
    "the meeting is moved to thursday at 6",
    "can someone explain how the config file works",
    "thanks for the help yesterday, it worked",
    "I will be late today, start without me",
    "what time zone is the event in?",
    "pictures from the meetup are in the shared folder",
    "Der Link zur Doku ist im Kanal oben angeheftet",
    "Спасибо, теперь всё работает",
    "does the bot support polls yet",
    "see you all next week 👋",
};
#define TALK_COUNT (sizeof talk / sizeof talk[0])

/* CPU time of this process, not wall time: the numbers stay comparable on a busy machine. */
static void cpu_now(struct timespec *out)
{
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, out);
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    cpu_now(&now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Resident set size now, in KiB (0 when /proc cannot be read). */
static long rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static long peak_rss_kib(void)
{
    struct rusage usage;
    return getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_maxrss : 0;
}

/* Heap bytes in use (malloc's view: the plugin's windows, tracker and caches live here). */
static long heap_kib(void)
{
    return (long)(mallinfo2().uordblks / 1024);
}

static void dispatch(struct test_env *env, const char *user, const char *channel,
                     const char *message_id, const char *text)
{
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_MESSAGE,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = channel,
        .timestamp_ms = env->now_ms,
        .author = {.id = user, .display_name = user},
        .message = {.id = message_id, .text = text},
    };
    kith_core_dispatch(env->core, &ev);
}

/* Lets completions run and drops what the test platform recorded, as the loop would. */
static size_t end_batch(struct test_env *env)
{
    size_t acted = 0;
    for (size_t i = 0; i < env->tp->count; i++)
        acted += env->tp->actions[i].kind == TEST_ACTION_DELETE;
    test_platform_clear(env->tp);
    test_env_run(env, 0);
    env->now_ms += BATCH_CLOCK_MS;
    return acted;
}

/* `count` messages from `members` members (member i % members), each text from talk[] with a
 * counter so nobody repeats themself; `fresh` gives every message a never-seen member instead.
 * Prints the cost and memory at each quarter. */
static void run_talk(struct test_env *env, const char *label, int count, int members, bool fresh)
{
    char user[48], channel[48], id[48], text[256];
    struct timespec start;
    size_t acted = 0;
    long heap_start = heap_kib();
    printf("%s: %d messages from %s across %d channels\n", label, count,
           fresh ? "a new member each" : "a fixed crowd", CHANNELS);
    cpu_now(&start);
    for (int i = 0; i < count; i++) {
        snprintf(user, sizeof user, "test:m%d", fresh ? 1000000 + i : i % members);
        snprintf(channel, sizeof channel, "test:c%d", i % CHANNELS);
        snprintf(id, sizeof id, "test:%s-%d", label, i);
        snprintf(text, sizeof text, "%s (%d)", talk[(i / members) % TALK_COUNT], i / members);
        dispatch(env, user, channel, id, text);
        if (i % BATCH == BATCH - 1)
            acted += end_batch(env);
        if (i % (count / 4) == count / 4 - 1)
            printf("  after %7d: %6.2f cpu us/message so far, heap %+7ld KiB, rss %7ld KiB\n",
                   i + 1, seconds_since(&start) * 1e6 / (i + 1), heap_kib() - heap_start,
                   rss_kib());
    }
    acted += end_batch(env);
    double elapsed = seconds_since(&start);
    printf("  total %.3f cpu s, %.2f cpu us/message, %zu messages deleted (expected 0)\n", elapsed,
           elapsed * 1e6 / count, acted);
}

/* Text built to make a backtracking matcher take exponential time on (a+)+b and (o|oo)+y. */
static void run_pathological(struct test_env *env, int count, size_t length)
{
    char *text = malloc(length + 1);
    if (text == NULL)
        return;
    char user[48], id[48];
    struct timespec start;
    size_t acted = 0;
    cpu_now(&start);
    for (int i = 0; i < count; i++) {
        memset(text, i % 2 ? 'a' : 'o', length);
        text[length - 1] = '!'; /* never the b or y the patterns want */
        text[length] = '\0';
        snprintf(user, sizeof user, "test:p%d", i);
        snprintf(id, sizeof id, "test:p-%zu-%d", length, i);
        dispatch(env, user, "test:c0", id, text);
        if (i % BATCH == BATCH - 1)
            acted += end_batch(env);
    }
    acted += end_batch(env);
    double elapsed = seconds_since(&start);
    printf("pathological: %d messages of %4zu x 'aaaa…!' / 'oooo…!': %8.2f cpu us/message"
           " (%zu deleted, expected 0)\n",
           count, length, elapsed * 1e6 / count, acted);
    free(text);
}

/* Rows of one of the plugin's tables (-1 when unreadable): the store is meant to be written
 * for actions, strikes, reports and first sightings of members, never per message. */
static long long table_rows(struct test_env *env, const char *table)
{
    static const char *const allowed[] = {"spam_members", "spam_actions", "spam_strikes",
                                          "spam_reports"};
    char sql[96] = "";
    long long rows = -1;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strcmp(table, allowed[i]) == 0)
            snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", allowed[i]);
    if (sql[0] == '\0')
        return -1;
    sqlite3_stmt *stmt = NULL;
    test_env_run(env, 200); /* the plugin's buffered writes flush on the loop */
    kith_store_flush(env->core->store);
    if (sqlite3_prepare_v2(kith_store_db(env->core->store), sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        rows = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return rows;
}

/* Sets the banned patterns through /spam set, as an admin would; false when refused. */
static bool set_patterns(struct test_env *env)
{
    char command[4400] = "/spam set words list ";
    size_t used = strlen(command);
    for (size_t i = 0; i < PATTERN_COUNT && used < sizeof command; i++)
        used += (size_t)snprintf(command + used, sizeof command - used, "%s%s", i ? " ;; " : "",
                                 patterns[i]);
    test_say(env, "test:admin", KITH_ROLE_ADMIN, command);
    if (strstr(test_last_reply(env), "words_list is now") == NULL) {
        fprintf(stderr, "bench: patterns refused: %s\n", test_last_reply(env));
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 200000;
    int members = argc > 2 ? atoi(argv[2]) : 10000;
    /* "baseline": the same traffic with spam loaded but not enabled, to tell the core's share;
     * "talk": no pathological phase (for callgrind runs of the ordinary traffic). */
    bool baseline = argc > 3 && strcmp(argv[3], "baseline") == 0;
    bool talk_only = argc > 4 && strcmp(argv[4], "talk") == 0;
    if (count < 4 * BATCH || members < 1 || (argc > 3 && !baseline && strcmp(argv[3], "spam")) ||
        (argc > 4 && !talk_only && strcmp(argv[4], "all"))) {
        fprintf(stderr, "usage: bench_spam [messages >= %d] [members] [spam|baseline] [all|talk]\n",
                4 * BATCH);
        return 2;
    }
    struct test_env env;
    const char *plugins[] = {test_real_plugin_path("spam"), NULL};
    if (!test_env_init(&env) || !test_env_start(&env, plugins)) {
        fprintf(stderr, "bench: cannot start: %s\n", env.start_error ? env.start_error : "?");
        return 1;
    }
    if (baseline) {
        printf("baseline: spam loaded but not enabled\n");
    } else {
        test_say(&env, "test:admin", KITH_ROLE_ADMIN, "/kith enable spam");
        if (strstr(test_last_reply(&env), "spam is now enabled here") == NULL ||
            !set_patterns(&env)) {
            test_env_finish(&env);
            return 1;
        }
        printf("spam plugin: default rules, %zu banned patterns\n", PATTERN_COUNT);
    }
    /* The first pass meets every member once (their first sight is stored); the second pass
     * is the steady state whose memory must stay flat. */
    run_talk(&env, "warm-up", members, members, false);
    run_talk(&env, "steady", count, members, false);
    /* Each member's ring of recent messages (SPAM_RECENT_KEPT) is full by now: from here on
     * nothing may grow. */
    run_talk(&env, "steady-full", count, members, false);
    run_talk(&env, "churn", count / 2, members, true);
    if (!talk_only) {
        run_pathological(&env, 2000, 200);
        run_pathological(&env, 2000, 2000);
        run_pathological(&env, 500, 3900);
    }
    printf(
        "peak rss %ld KiB; store rows: spam_members %lld, spam_actions %lld, spam_strikes %lld\n",
        peak_rss_kib(), table_rows(&env, "spam_members"), table_rows(&env, "spam_actions"),
        table_rows(&env, "spam_strikes"));
    test_env_finish(&env);
    return 0;
}
