/* A server's spam rules judging messages and joins: each rule at its limit and one over,
 * exemptions, the reasons moderators read, and the `/spam set` text forms. */
#include "check.h"
#include "logic/rules.h"

struct fixture {
    struct spam_config cfg;
    spam_windows *windows;
};

static void setup(struct fixture *f)
{
    spam_config_init(&f->cfg);
    f->windows = spam_windows_new(1000, 10);
}

static void teardown(struct fixture *f)
{
    spam_config_clear(&f->cfg);
    spam_windows_free(f->windows);
}

/* Evaluates one message from member at t (ms) and returns the verdict count. */
static size_t judge(struct fixture *f, const char *member, const char *text, int64_t t,
                    struct spam_verdict *v, size_t max)
{
    struct spam_message_facts facts = {
        .server_id = "discord:1",
        .channel_id = "discord:c1",
        .member_id = member,
        .now_ms = t,
        .text = text,
    };
    return spam_evaluate_message(&f->cfg, f->windows, &facts, v, max);
}

/* The one verdict a message from member at t (ms) gets; the test fails when it gets none or
 * several. */
static struct spam_verdict caught(struct fixture *f, const char *member, const char *text,
                                  int64_t t)
{
    struct spam_verdict v[4];
    size_t n = judge(f, member, text, t, v, 4);
    CHECK_INT(n, 1);
    return n == 1 ? v[0] : (struct spam_verdict){.rule = SPAM_RULE_COUNT};
}

/* Sets a rule from its text form, failing the test when refused. */
static void set(struct fixture *f, enum spam_rule_id rule, const char *value)
{
    char err[200] = "";
    CHECK(spam_config_set_rule(&f->cfg, rule, value, err, sizeof err));
    if (err[0])
        fprintf(stderr, "  %s\n", err);
}

static void set_list(struct fixture *f, enum spam_list_id list, const char *value)
{
    char err[200] = "";
    CHECK(spam_config_set_list(&f->cfg, list, value, err, sizeof err));
    if (err[0])
        fprintf(stderr, "  %s\n", err);
}

TEST(test_flooder_is_caught_on_the_message_after_the_limit)
{
    struct fixture f;
    setup(&f);
    REQUIRE(f.windows != NULL);
    struct spam_verdict v[4];
    static const char *const texts[] = {"hi", "how are you", "all good?", "nice", "ok"};
    for (int i = 0; i < 5; i++)
        CHECK_INT(judge(&f, "alice", texts[i], 1000 + i * 100, v, 4), 0); /* exactly 5: fine */
    struct spam_verdict got = caught(&f, "alice", "yo", 1600);
    CHECK_INT(got.rule, SPAM_RULE_FLOOD);
    CHECK_INT(got.action.kind, SPAM_ACTION_TIMEOUT);
    CHECK_STR(got.reason, "6 messages in 10s (limit 5)");
    teardown(&f);
}

TEST(test_duplicate_spam_across_channels_is_caught)
{
    struct fixture f;
    setup(&f);
    set(&f, SPAM_RULE_FLOOD, "off");
    struct spam_verdict v[4];
    const char *spam = "Cheap followers!! DM me";
    for (int i = 0; i < 3; i++)
        CHECK_INT(judge(&f, "bob", spam, 1000 + i * 1000, v, 4), 0);
    struct spam_verdict got = caught(&f, "bob", "cheap followers, dm me \xF0\x9F\x94\xA5", 5000);
    CHECK_INT(got.rule, SPAM_RULE_DUPLICATES);
    CHECK_CONTAINS(got.reason, "4 same or near-same messages in 1m");
    CHECK_CONTAINS(got.reason, "(limit 3)");
    teardown(&f);
}

TEST(test_mention_flood_counts_everyone_as_five)
{
    struct fixture f;
    setup(&f);
    struct spam_verdict v[4];
    struct spam_message_facts facts = {.server_id = "discord:1",
                                       .channel_id = "discord:c1",
                                       .member_id = "eve",
                                       .now_ms = 1000,
                                       .text = "look",
                                       .mention_count = 3,
                                       .mentions_everyone = true};
    CHECK_INT(spam_evaluate_message(&f.cfg, f.windows, &facts, v, 4), 0); /* 8: at the limit */
    facts.now_ms = 2000;
    facts.mention_count = 1;
    facts.mentions_everyone = false;
    REQUIRE(spam_evaluate_message(&f.cfg, f.windows, &facts, v, 4) == 1);
    CHECK_INT(v[0].rule, SPAM_RULE_MENTIONS);
    CHECK_STR(v[0].reason, "9 mentions in 30s (limit 8)");
    teardown(&f);
}

TEST(test_banned_word_with_lookalikes_is_caught_with_evidence)
{
    struct fixture f;
    setup(&f);
    set_list(&f, SPAM_LIST_WORDS, "free nitro\nre:steam\\s*gift");
    struct spam_verdict v[4];
    struct spam_verdict got =
        caught(&f, "carol", "Get FR\xD0\x95\xD0\x95 n\xE2\x80\x8Bitr0 today", 1000);
    CHECK_INT(got.rule, SPAM_RULE_WORDS);
    CHECK_STR(got.reason, "banned pattern \"free nitro\"");
    CHECK_STR(got.evidence, "free nitro");
    CHECK_INT(judge(&f, "carol", "nitrogen is free", 2000, v, 4), 0);
    teardown(&f);
}

TEST(test_russian_banned_word_is_caught)
{
    struct fixture f;
    setup(&f);
    set_list(&f, SPAM_LIST_WORDS, "продам аккаунт");
    struct spam_verdict v[4];
    CHECK_INT(judge(&f, "ivan", "ПРОДАМ  АККАУНТ недорого", 1000, v, 4), 1);
    CHECK_INT(judge(&f, "ivan", "куплю аккаунт", 2000, v, 4), 0);
    teardown(&f);
}

TEST(test_denied_and_unlisted_links_are_caught)
{
    struct fixture f;
    setup(&f);
    set_list(&f, SPAM_LIST_DENY, "scam.example");
    struct spam_verdict v[4];
    struct spam_verdict got = caught(&f, "dave", "see https://www.scam.example/win", 1000);
    CHECK_INT(got.rule, SPAM_RULE_LINKS);
    CHECK_STR(got.reason, "link to www.scam.example, which is on the deny list");
    CHECK_STR(got.evidence, "https://www.scam.example/win");
    CHECK_INT(judge(&f, "dave", "see https://example.org", 2000, v, 4), 0);
    set_list(&f, SPAM_LIST_ALLOW, "example.org");
    CHECK_INT(judge(&f, "dave", "see https://docs.example.org", 3000, v, 4), 0);
    got = caught(&f, "dave", "see https://other.net", 4000);
    CHECK_STR(got.reason, "link to other.net, which is not on the allow list");
    teardown(&f);
}

TEST(test_invite_links_are_caught_even_when_obfuscated)
{
    struct fixture f;
    setup(&f);
    struct spam_verdict v[4];
    struct spam_verdict got = caught(&f, "erin", "join discord . gg/abc", 1000);
    CHECK_INT(got.rule, SPAM_RULE_INVITES);
    CHECK_STR(got.reason, "Discord invite link");
    set(&f, SPAM_RULE_INVITES, "off");
    CHECK_INT(judge(&f, "erin", "join discord.gg/abc", 2000, v, 4), 0);
    teardown(&f);
}

TEST(test_new_member_link_is_caught_until_the_restriction_ends)
{
    struct fixture f;
    setup(&f);
    set(&f, SPAM_RULE_NEW_MEMBER_LINKS, "on 1d");
    struct spam_verdict v[4];
    int64_t day = 86400000LL;
    struct spam_message_facts facts = {.server_id = "discord:1",
                                       .channel_id = "discord:c1",
                                       .member_id = "newbie",
                                       .joined_at_ms = 10 * day,
                                       .now_ms = 10 * day + 3 * 3600000LL,
                                       .text = "my site example.com"};
    REQUIRE(spam_evaluate_message(&f.cfg, f.windows, &facts, v, 4) == 1);
    CHECK_INT(v[0].rule, SPAM_RULE_NEW_MEMBER_LINKS);
    CHECK_STR(v[0].reason, "links are not allowed in the first 1d after joining (joined 3h ago)");
    facts.now_ms = 11 * day; /* exactly one day later: allowed */
    CHECK_INT(spam_evaluate_message(&f.cfg, f.windows, &facts, v, 4), 0);
    facts.joined_at_ms = 0; /* unknown join time: the rule does not apply */
    facts.now_ms = 10 * day + 1;
    CHECK_INT(spam_evaluate_message(&f.cfg, f.windows, &facts, v, 4), 0);
    teardown(&f);
}

TEST(test_caps_rule_needs_enough_letters_and_more_than_the_limit)
{
    struct fixture f;
    setup(&f);
    set(&f, SPAM_RULE_CAPS, "on 70%/10");
    struct spam_verdict v[4];
    CHECK_INT(judge(&f, "a", "HELLO!!!", 1000, v, 4), 0);     /* 5 letters: too short */
    CHECK_INT(judge(&f, "b", "SEVENCAPSxxx", 1000, v, 4), 1); /* 9/12 = 75%: over */
    CHECK_INT(v[0].rule, SPAM_RULE_CAPS);
    CHECK_INT(judge(&f, "c", "SEVENCAPxxx", 1000, v, 4), 1);        /* 8/11 = 72% */
    CHECK_INT(judge(&f, "d", "SEVENCAxxx", 1000, v, 4), 0);         /* 7/10 = 70%: at the limit */
    CHECK_INT(judge(&f, "e", "ПРИВЕТ ВСЕМ ДРУЗЬЯ", 1000, v, 4), 1); /* Russian capitals count */
    CHECK_INT(judge(&f, "f", "GRÜSSE AUS KÖLN", 1000, v, 4), 1);
    CHECK_INT(judge(&f, "g", "\xF0\x9F\x94\xA5\xF0\x9F\x94\xA5 1234567890 ok", 1000, v, 4), 0);
    teardown(&f);
}

TEST(test_caps_percent_counts_letters_only)
{
    uint32_t letters;
    CHECK_INT(spam_caps_percent("ABcd 12!!", 9, &letters), 50);
    CHECK_INT(letters, 4);
    CHECK_INT(spam_caps_percent("123", 3, &letters), 0);
    CHECK_INT(letters, 0);
    CHECK_INT(spam_caps_percent("ÄÖÜ", strlen("ÄÖÜ"), &letters), 100);
    CHECK_INT(letters, 3);
    CHECK_INT(spam_caps_percent("ŁÓDŹ łódź", strlen("ŁÓDŹ łódź"), &letters), 50);
    CHECK_INT(letters, 8);
    CHECK_INT(spam_caps_percent("ΚΑΛΗ καλη", strlen("ΚΑΛΗ καλη"), &letters), 50);
}

TEST(test_exempt_role_and_channel_are_untouched)
{
    struct fixture f;
    setup(&f);
    set_list(&f, SPAM_LIST_EXEMPT_ROLES, "discord:r-mod, discord:r-bot");
    set_list(&f, SPAM_LIST_EXEMPT_CHANNELS, "discord:c-links");
    set_list(&f, SPAM_LIST_WORDS, "scam");
    struct spam_verdict v[4];
    const char *roles[] = {"discord:r-member", "discord:r-mod"};
    struct spam_message_facts facts = {.server_id = "discord:1",
                                       .channel_id = "discord:c1",
                                       .member_id = "mod",
                                       .role_ids = roles,
                                       .role_count = 2,
                                       .now_ms = 1000,
                                       .text = "scam"};
    CHECK_INT(spam_evaluate_message(&f.cfg, f.windows, &facts, v, 4), 0);
    facts.role_count = 1;
    CHECK_INT(spam_evaluate_message(&f.cfg, f.windows, &facts, v, 4), 1);
    facts.channel_id = "discord:c-links";
    CHECK_INT(spam_evaluate_message(&f.cfg, f.windows, &facts, v, 4), 0);
    teardown(&f);
}

TEST(test_harshest_verdict_comes_first)
{
    struct fixture f;
    setup(&f);
    set_list(&f, SPAM_LIST_WORDS, "scam");
    set(&f, SPAM_RULE_WORDS, "ban");
    struct spam_verdict v[4];
    for (int i = 0; i < 5; i++)
        judge(&f, "m", "hi", 1000 + i, v, 4);
    REQUIRE(judge(&f, "m", "scam", 1010, v, 4) == 2);
    CHECK_INT(v[0].rule, SPAM_RULE_WORDS);
    CHECK_INT(v[1].rule, SPAM_RULE_FLOOD);
    CHECK_INT(judge(&f, "m", "scam", 1011, v, 1), 1); /* max respected */
    teardown(&f);
}

TEST(test_raid_alert_fires_on_the_join_after_the_limit)
{
    struct fixture f;
    setup(&f);
    struct spam_verdict v;
    for (int i = 0; i < 10; i++)
        CHECK(!spam_evaluate_join(&f.cfg, f.windows, "discord:1", i * 1000, &v));
    REQUIRE(spam_evaluate_join(&f.cfg, f.windows, "discord:1", 10000, &v));
    CHECK_INT(v.rule, SPAM_RULE_RAID);
    CHECK_INT(v.action.kind, SPAM_ACTION_ALERT);
    CHECK_STR(v.reason, "11 joins in 1m (limit 10)");
    teardown(&f);
}

TEST(test_admin_sets_rules_in_text_and_reads_them_back)
{
    struct fixture f;
    setup(&f);
    char buf[120], err[200] = "";
    set(&f, SPAM_RULE_FLOOD, "8/15s kick");
    CHECK_STR(spam_rule_describe(&f.cfg, SPAM_RULE_FLOOD, buf, sizeof buf),
              "flood: on, 8/15s, kick");
    CHECK_STR(spam_rule_describe(&f.cfg, SPAM_RULE_CAPS, buf, sizeof buf),
              "caps: off, 70%/10, delete");
    CHECK_STR(spam_rule_describe(&f.cfg, SPAM_RULE_LINKS, buf, sizeof buf), "links: on, delete");
    CHECK(!spam_config_set_rule(&f.cfg, SPAM_RULE_FLOOD, "99/10s", err, sizeof err));
    CHECK_CONTAINS(err, "\"99/10s\": position 1: the count must be 1 to 31");
    CHECK_CONTAINS(err, "example: /spam set flood 5/10s timeout:10m");
    CHECK(!spam_config_set_rule(&f.cfg, SPAM_RULE_LINKS, "5/10s", err, sizeof err));
    CHECK_CONTAINS(err, "the links rule takes no limit");
    CHECK(!spam_config_set_rule(&f.cfg, SPAM_RULE_CAPS, "on 170%", err, sizeof err));
    CHECK_CONTAINS(err, "percentage 1-100");
    CHECK(!spam_config_set_rule(&f.cfg, SPAM_RULE_FLOOD, "", err, sizeof err));
    CHECK_CONTAINS(err, "nothing to set");
    CHECK(!spam_config_set_rule(&f.cfg, SPAM_RULE_FLOOD, "off boom", err, sizeof err));
    CHECK(f.cfg.rules[SPAM_RULE_FLOOD].enabled); /* unchanged on error */
    teardown(&f);
}

TEST(test_rule_names_round_trip)
{
    enum spam_rule_id id;
    for (int i = 0; i < SPAM_RULE_COUNT; i++) {
        CHECK(spam_rule_from_name(spam_rule_name((enum spam_rule_id)i), &id));
        CHECK_INT(id, i);
    }
    CHECK(spam_rule_from_name("new-member-links", &id));
    CHECK_INT(id, SPAM_RULE_NEW_MEMBER_LINKS);
    CHECK(!spam_rule_from_name("floods", &id));
}

TEST(test_bad_banned_pattern_list_is_refused_and_keeps_the_old_one)
{
    struct fixture f;
    setup(&f);
    char err[200] = "";
    set_list(&f, SPAM_LIST_WORDS, "scam");
    CHECK(!spam_config_set_list(&f.cfg, SPAM_LIST_WORDS, "ok;;re:(a)\\1", err, sizeof err));
    CHECK_CONTAINS(err, "pattern \"re:(a)\\1\": position 7: backreferences");
    CHECK_INT(spam_pattern_set_count(f.cfg.words), 1);
    CHECK(!spam_config_set_list(&f.cfg, SPAM_LIST_DENY, "not a domain", err, sizeof err));
    CHECK_CONTAINS(err, "\"not\" is not a domain");
    teardown(&f);
}

TEST(test_max_span_follows_enabled_rules)
{
    struct fixture f;
    setup(&f);
    CHECK_INT(spam_config_max_span_ms(&f.cfg), 60000);
    set(&f, SPAM_RULE_DUPLICATES, "off");
    CHECK_INT(spam_config_max_span_ms(&f.cfg), 30000);
    teardown(&f);
}

TEST(test_every_rule_describes_itself_for_spam_rules)
{
    struct fixture f;
    setup(&f);
    char buf[120];
    for (int i = 0; i < SPAM_RULE_COUNT; i++) {
        spam_rule_describe(&f.cfg, (enum spam_rule_id)i, buf, sizeof buf);
        CHECK(strncmp(buf, spam_rule_name((enum spam_rule_id)i), strlen(buf) > 3 ? 3 : 1) == 0);
    }
    CHECK_STR(spam_rule_describe(&f.cfg, SPAM_RULE_NEW_MEMBER_LINKS, buf, sizeof buf),
              "new_member_links: on, 1d, delete");
    CHECK_STR(spam_rule_describe(&f.cfg, SPAM_RULE_RAID, buf, sizeof buf),
              "raid: on, 10/1m, alert");
    teardown(&f);
}

TEST(test_exempt_lists_take_commas_and_spaces_and_can_be_emptied)
{
    struct fixture f;
    setup(&f);
    set_list(&f, SPAM_LIST_EXEMPT_CHANNELS, " discord:a,discord:b  discord:c ,");
    CHECK_INT(f.cfg.exempt_channel_count, 3);
    CHECK_STR(f.cfg.exempt_channels[2], "discord:c");
    set_list(&f, SPAM_LIST_EXEMPT_CHANNELS, "");
    CHECK_INT(f.cfg.exempt_channel_count, 0);
    set_list(&f, SPAM_LIST_WORDS, "");
    CHECK_INT(spam_pattern_set_count(f.cfg.words), 0);
    teardown(&f);
}

TEST(test_empty_and_missing_text_is_judged_without_harm)
{
    struct fixture f;
    setup(&f);
    set_list(&f, SPAM_LIST_WORDS, "scam");
    struct spam_verdict v[4];
    struct spam_message_facts facts = {.server_id = "discord:1",
                                       .channel_id = "discord:c1",
                                       .member_id = "pic",
                                       .now_ms = 1000,
                                       .text = NULL};
    for (int i = 0; i < 5; i++) {
        facts.now_ms = 1000 + i;
        CHECK_INT(spam_evaluate_message(&f.cfg, f.windows, &facts, v, 4), 0);
    }
    facts.text = ""; /* the sixth picture-only message is still a flood */
    REQUIRE(spam_evaluate_message(&f.cfg, f.windows, &facts, v, 4) == 1);
    CHECK_INT(v[0].rule, SPAM_RULE_FLOOD);
    teardown(&f);
}

TEST(test_ladder_reads_strikes_in_any_order_and_ignores_future_ones)
{
    struct spam_ladder l;
    char err[200];
    REQUIRE(spam_ladder_parse("2/1h=kick", &l, err, sizeof err));
    int64_t now = 10 * 3600 * 1000LL;
    int64_t shuffled[] = {now, now - 7200 * 1000LL, now - 60 * 1000};
    const struct spam_ladder_step *s = spam_ladder_apply(&l, shuffled, 3, now);
    REQUIRE(s != NULL);
    CHECK_INT(s->action.kind, SPAM_ACTION_KICK);
    int64_t future[] = {now, now + 1000};
    CHECK(spam_ladder_apply(&l, future, 2, now) == NULL);
}
