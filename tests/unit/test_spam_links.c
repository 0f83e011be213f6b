/* Links in what members write: plain and obfuscated URLs, hosts, invite links, and the deny and
 * allow lists admins keep. */
#include "check.h"
#include "logic/links.h"

/* Finds the links in text; returns how many. */
static size_t find(const char *text, struct spam_link *links, size_t max)
{
    return spam_links_find(text, strlen(text), links, max);
}

/* Checks that text has exactly one link, with this host and invite kind. */
static void check_one(const char *text, const char *host, enum spam_invite_kind invite)
{
    struct spam_link l[4];
    size_t n = find(text, l, 4);
    CHECK_INT(n, 1);
    if (n < 1) {
        fprintf(stderr, "  in \"%s\"\n", text);
        return;
    }
    CHECK_STR(l[0].host, host);
    CHECK_INT(l[0].invite, invite);
}

static void check_none(const char *text)
{
    struct spam_link l[4];
    size_t n = find(text, l, 4);
    CHECK_INT(n, 0);
    if (n)
        fprintf(stderr, "  in \"%s\" found %s\n", text, l[0].host);
}

TEST(test_member_posts_a_plain_url)
{
    check_one("look at https://Example.COM/path?q=1", "example.com", SPAM_INVITE_NONE);
    check_one("http://sub.example.org:8080/x", "sub.example.org", SPAM_INVITE_NONE);
    check_one("www.shop.example", "www.shop.example", SPAM_INVITE_NONE);
    check_one("go to free-stuff.xyz now", "free-stuff.xyz", SPAM_INVITE_NONE);
    check_one("(see bit.ly/abc).", "bit.ly", SPAM_INVITE_NONE);
}

TEST(test_url_keeps_its_path_without_trailing_punctuation)
{
    struct spam_link l[2];
    REQUIRE(find("read https://example.com/a/b.html, then", l, 2) == 1);
    CHECK_STR(l[0].url, "https://example.com/a/b.html");
}

TEST(test_ordinary_text_has_no_links)
{
    check_none("Hello. World is fine");
    check_none("see readme.md and main.py or app.js");
    check_none("version 1.2.3 released");
    check_none("mail me at bob@example.com");
    check_none("");
    check_none("...and so on.");
}

TEST(test_invalid_utf8_around_a_link_is_harmless)
{
    check_one("\xFF\xC3 https://example.com/\xFF", "example.com", SPAM_INVITE_NONE);
    check_none("\xF0\x9F\x98");
}

TEST(test_obfuscated_links_are_found)
{
    check_one("join discord . gg/abc", "discord.gg", SPAM_INVITE_DISCORD);
    check_one("discord[.]gg/abc", "discord.gg", SPAM_INVITE_DISCORD);
    check_one("discord(dot)gg/abc", "discord.gg", SPAM_INVITE_DISCORD);
    check_one("hxxps://evil.example/x", "evil.example", SPAM_INVITE_NONE);
    check_one("d\xE2\x80\x8Biscord.gg/abc", "discord.gg", SPAM_INVITE_DISCORD); /* ZWSP */
    check_one("discord.\xE2\x80\x8Bgg/abc", "discord.gg", SPAM_INVITE_DISCORD);
    check_one("discord\xEF\xBC\x8Egg/abc", "discord.gg", SPAM_INVITE_DISCORD); /* fullwidth . */
    check_one("DISCORD.GG/abc", "discord.gg", SPAM_INVITE_DISCORD);
    check_one("discord.\x01gg/abc", "discord.gg", SPAM_INVITE_DISCORD);    /* control character */
    check_one("d\xD1\x96scord.gg/abc", "discord.gg", SPAM_INVITE_DISCORD); /* Cyrillic і */
    check_one("\xEF\xBD\x84iscord.gg/abc", "discord.gg", SPAM_INVITE_DISCORD); /* fullwidth d */
}

TEST(test_invite_links_of_each_platform)
{
    check_one("discord.gg/xyz", "discord.gg", SPAM_INVITE_DISCORD);
    check_one("https://discord.com/invite/xyz", "discord.com", SPAM_INVITE_DISCORD);
    check_one("https://discordapp.com/invite/xyz", "discordapp.com", SPAM_INVITE_DISCORD);
    check_one("https://ptb.discord.com/invite/xyz", "ptb.discord.com", SPAM_INVITE_DISCORD);
    check_one("t.me/+AbCdEf", "t.me", SPAM_INVITE_TELEGRAM);
    check_one("https://t.me/joinchat/AbCdEf", "t.me", SPAM_INVITE_TELEGRAM);
    check_one("telegram.me/joinchat/AbCdEf", "telegram.me", SPAM_INVITE_TELEGRAM);
    check_one("https://matrix.to/#/#room:example.org", "matrix.to", SPAM_INVITE_MATRIX);
    check_one("https://matrix.to/#/!abc:example.org", "matrix.to", SPAM_INVITE_MATRIX);
}

TEST(test_links_to_the_same_sites_that_are_not_invites)
{
    check_one("https://discord.com/channels/1/2", "discord.com", SPAM_INVITE_NONE);
    check_one("t.me/somechannel", "t.me", SPAM_INVITE_NONE);
    check_one("https://matrix.to/#/@user:example.org", "matrix.to", SPAM_INVITE_NONE);
    check_one("discord.gg", "discord.gg", SPAM_INVITE_NONE);
}

TEST(test_several_links_are_all_counted)
{
    struct spam_link l[2];
    CHECK_INT(find("a.com b.com c.com", l, 2), 3);
    CHECK_STR(l[0].host, "a.com");
    CHECK_STR(l[1].host, "b.com");
}

TEST(test_deny_list_covers_subdomains_but_not_lookalike_names)
{
    char err[200];
    spam_domains *d =
        spam_domains_parse_new("bad.com, https://*.Evil.org/path  scam.io", err, sizeof err);
    REQUIRE(d != NULL);
    CHECK_INT(spam_domains_count(d), 3);
    CHECK(spam_domains_match(d, "bad.com"));
    CHECK(spam_domains_match(d, "www.bad.com"));
    CHECK(spam_domains_match(d, "a.b.evil.org"));
    CHECK(!spam_domains_match(d, "notbad.com"));
    CHECK(!spam_domains_match(d, "bad.com.example"));
    CHECK(!spam_domains_match(d, "com"));
    spam_domains_free(d);
}

TEST(test_empty_domain_list_matches_nothing)
{
    char err[200];
    spam_domains *d = spam_domains_parse_new("  ", err, sizeof err);
    REQUIRE(d != NULL);
    CHECK_INT(spam_domains_count(d), 0);
    CHECK(!spam_domains_match(d, "example.com"));
    CHECK(!spam_domains_match(NULL, "example.com"));
    spam_domains_free(d);
}

TEST(test_bad_domain_in_list_is_refused_with_position)
{
    char err[200] = "";
    CHECK(spam_domains_parse_new("ok.com, localhost", err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "position 9: \"localhost\" is not a domain; example: example.com");
    CHECK(spam_domains_parse_new("a..com", err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "\"a..com\"");
}

TEST(test_duplicate_domains_are_kept_once)
{
    char err[200];
    spam_domains *d = spam_domains_parse_new("b.com a.com b.com", err, sizeof err);
    REQUIRE(d != NULL);
    CHECK_INT(spam_domains_count(d), 2);
    CHECK_STR(spam_domains_get(d, 0), "a.com");
    spam_domains_free(d);
}
