/* Message links members paste into /report: Discord, Telegram (t.me/c/...) and Matrix
 * (matrix.to) links read into the ids the adapters use; other links and text are not taken. */
#include "check.h"
#include "logic/message_link.h"

/* Checks that text is read as a link to message in channel on server. */
static void check_link(const char *text, const char *server, const char *channel,
                       const char *message)
{
    struct spam_message_link link;
    bool read = spam_message_link_parse(text, &link);
    CHECK(read);
    if (!read) {
        fprintf(stderr, "  in \"%s\"\n", text);
        return;
    }
    CHECK_STR(link.server_id, server);
    CHECK_STR(link.channel_id, channel);
    CHECK_STR(link.message_id, message);
}

static void check_not_a_link(const char *text)
{
    struct spam_message_link link;
    CHECK(!spam_message_link_parse(text, &link));
    CHECK_STR(link.message_id, "");
}

TEST(test_discord_message_links_name_guild_channel_and_message)
{
    check_link("https://discord.com/channels/1/2/3", "discord:1", "discord:2", "discord:3");
    check_link("https://discordapp.com/channels/10/20/30", "discord:10", "discord:20",
               "discord:30");
    check_link("https://ptb.discord.com/channels/1/2/3 spam", "discord:1", "discord:2",
               "discord:3");
    check_link("https://discord.com/channels/@me/2/3", "discord:@me", "discord:2", "discord:3");
    check_not_a_link("https://discord.com/channels/1/2");
}

TEST(test_telegram_private_group_links_name_the_supergroup_and_message)
{
    check_link("https://t.me/c/1234567890/42", "telegram:-1001234567890", "telegram:-1001234567890",
               "telegram:42");
    /* A forum topic: the topic is the channel. */
    check_link("https://t.me/c/1234567890/7/42", "telegram:-1001234567890",
               "telegram:-1001234567890/7", "telegram:42");
    check_link("telegram.me/c/55/9", "telegram:-10055", "telegram:-10055", "telegram:9");
    /* A public link names the group by its username, which is not its chat id. */
    check_not_a_link("https://t.me/somegroup/42");
    check_not_a_link("https://t.me/c/1234567890");
    check_not_a_link("https://notat.me/c/1/2");
}

TEST(test_matrix_links_name_the_room_and_event_with_escapes_decoded)
{
    check_link("https://matrix.to/#/!abc:example.org/$ev1?via=example.org",
               "matrix:!abc:example.org", "matrix:!abc:example.org", "matrix:$ev1");
    check_link("https://matrix.to/#/%21abc%3Aexample.org/%24ev2", "matrix:!abc:example.org",
               "matrix:!abc:example.org", "matrix:$ev2");
    /* A room alias names no room id: the caller decides which room it is. */
    check_link("https://matrix.to/#/#lobby:example.org/$ev3", "", "", "matrix:$ev3");
    check_not_a_link("https://matrix.to/#/@alice:example.org"); /* a member, not a message */
    check_not_a_link("https://matrix.to/#/!abc:example.org");
    check_not_a_link("https://matrix.to/#/!abc:example.org/notanevent");
}

TEST(test_ids_too_long_to_keep_are_not_taken)
{
    char text[400] = "https://t.me/c/";
    size_t used = strlen(text);
    memset(text + used, '7', 200);
    snprintf(text + used + 200, sizeof text - used - 200, "/42");
    check_not_a_link(text);
    check_not_a_link("");
    check_not_a_link("just some words");
}
