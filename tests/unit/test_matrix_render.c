/* The Matrix adapter's pure parts: how a portable message becomes event content (numbered
 * choices, HTML escaping, replies, edits, polls, files), how reaction keys and poll answers
 * are read back, reply fallbacks, URL escaping and 429 waiting times. */
#include "check.h"
#include "core/message.h"
#include "platform/matrix/matrix.h"

static const char *str(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static cJSON *render(const kith_message *msg, const struct mx_render_opts *opts, const char **type)
{
    cJSON *content = NULL;
    kith_err err = mx_render(msg, opts, type, &content);
    CHECK_INT(err, KITH_OK);
    return content;
}

TEST(test_question_with_buttons_and_select_reads_as_numbered_choices)
{
    kith_message *msg = kith_message_new();
    REQUIRE(msg != NULL);
    CHECK_INT(kith_message_set_title(msg, "Lunch <today>"), KITH_OK);
    CHECK_INT(kith_message_set_text(msg, "Pick one & be quick"), KITH_OK);
    CHECK_INT(kith_message_add_button(msg, "polls:yes", "Yes", KITH_BUTTON_SUCCESS), KITH_OK);
    CHECK_INT(kith_message_add_link_button(msg, "https://example.org/menu", "Menu"), KITH_OK);
    CHECK_INT(kith_message_add_button(msg, "polls:no", "No", KITH_BUTTON_DANGER), KITH_OK);
    CHECK_INT(kith_message_set_select(msg, "polls:colour", "Or a colour", 1, 1), KITH_OK);
    CHECK_INT(kith_message_add_select_option(msg, "red", "Red", NULL), KITH_OK);
    const char *type = NULL;
    struct mx_render_opts opts = {.reply_to = "$asked", .mention = "@alice:example.org"};
    cJSON *content = render(msg, &opts, &type);
    CHECK_STR(type, "m.room.message");
    CHECK_STR(str(content, "msgtype"), "m.text");
    const char *body = str(content, "body");
    CHECK_CONTAINS(body, "Lunch <today>\nPick one & be quick\n");
    CHECK_CONTAINS(body, "1\xEF\xB8\x8F\xE2\x83\xA3 Yes\n2\xEF\xB8\x8F\xE2\x83\xA3 No\n");
    CHECK_CONTAINS(body, "Or a colour\n3\xEF\xB8\x8F\xE2\x83\xA3 Red\n");
    CHECK_CONTAINS(body, "Menu: https://example.org/menu");
    CHECK_CONTAINS(body, "!vote N");
    const char *html = str(content, "formatted_body");
    CHECK_CONTAINS(html, "<strong>Lunch &lt;today&gt;</strong>");
    CHECK_CONTAINS(html, "Pick one &amp; be quick");
    CHECK_CONTAINS(html, "<ol><li>Yes</li><li>No</li></ol>");
    CHECK_CONTAINS(html, "<ol start=\"3\"><li>Red</li></ol>");
    CHECK_CONTAINS(html, "<a href=\"https://example.org/menu\">Menu</a>");
    const cJSON *rel = cJSON_GetObjectItemCaseSensitive(content, "m.relates_to");
    CHECK_STR(str(cJSON_GetObjectItemCaseSensitive(rel, "m.in_reply_to"), "event_id"), "$asked");
    const cJSON *mentions = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(content, "m.mentions"), "user_ids");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(mentions, 0)), "@alice:example.org");
    cJSON_Delete(content);
    kith_message_free(msg);
}

TEST(test_edit_replaces_with_new_content_and_no_reply_quote)
{
    kith_message *msg = kith_message_new();
    REQUIRE(msg != NULL);
    CHECK_INT(kith_message_set_text(msg, "closed"), KITH_OK);
    const char *type = NULL;
    struct mx_render_opts opts = {.replaces = "$orig", .reply_to = "$ignored"};
    cJSON *content = render(msg, &opts, &type);
    CHECK_STR(type, "m.room.message");
    CHECK_STR(str(content, "body"), "* closed");
    const cJSON *rel = cJSON_GetObjectItemCaseSensitive(content, "m.relates_to");
    CHECK_STR(str(rel, "rel_type"), "m.replace");
    CHECK_STR(str(rel, "event_id"), "$orig");
    CHECK(cJSON_GetObjectItemCaseSensitive(rel, "m.in_reply_to") == NULL);
    const cJSON *fresh = cJSON_GetObjectItemCaseSensitive(content, "m.new_content");
    CHECK_STR(str(fresh, "body"), "closed");
    CHECK_STR(str(fresh, "msgtype"), "m.text");
    CHECK(cJSON_GetObjectItemCaseSensitive(fresh, "m.relates_to") == NULL);
    cJSON_Delete(content);
    kith_message_free(msg);
}

TEST(test_native_poll_carries_stable_and_unstable_blocks)
{
    kith_message *msg = kith_message_new();
    REQUIRE(msg != NULL);
    const char *answers[] = {"Pizza", "Pasta", "Salad"};
    struct kith_native_poll poll = {.question = "Lunch?",
                                    .answers = answers,
                                    .answer_count = 3,
                                    .allow_multiple = true,
                                    .anonymous = true};
    CHECK_INT(kith_message_set_poll(msg, &poll), KITH_OK);
    const char *type = NULL;
    struct mx_render_opts opts = {0};
    cJSON *content = render(msg, &opts, &type);
    CHECK_STR(type, "m.poll.start");
    const cJSON *stable = cJSON_GetObjectItemCaseSensitive(content, "m.poll");
    CHECK_STR(str(stable, "kind"), "m.undisclosed");
    CHECK_INT(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(stable, "max_selections")), 3);
    const cJSON *third = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(stable, "answers"), 2);
    CHECK_STR(str(third, "m.id"), "3");
    const cJSON *text = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(third, "m.text"), 0);
    CHECK_STR(str(text, "body"), "Salad");
    const cJSON *unstable =
        cJSON_GetObjectItemCaseSensitive(content, "org.matrix.msc3381.poll.start");
    CHECK_STR(str(unstable, "kind"), "org.matrix.msc3381.poll.undisclosed");
    const cJSON *u_first =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(unstable, "answers"), 0);
    CHECK_STR(str(u_first, "id"), "1");
    CHECK_STR(str(u_first, "org.matrix.msc1767.text"), "Pizza");
    CHECK_CONTAINS(str(content, "org.matrix.msc1767.text"), "Lunch?\n1. Pizza\n2. Pasta");
    cJSON_Delete(content);
    kith_message_free(msg);
}

TEST(test_file_is_sent_with_its_caption)
{
    kith_message *msg = kith_message_new();
    REQUIRE(msg != NULL);
    CHECK_INT(kith_message_attach_file(msg, "chart.png", "image/png", "\x89PNG", 4), KITH_OK);
    const char *type = NULL;
    cJSON *content = NULL;
    struct mx_render_opts none = {0};
    CHECK_INT(mx_render(msg, &none, &type, &content), KITH_ERR_INVALID); /* not uploaded yet */
    CHECK_INT(kith_message_set_text(msg, "This week"), KITH_OK);
    struct mx_render_opts opts = {.media_url = "mxc://example.org/abc"};
    content = render(msg, &opts, &type);
    CHECK_STR(str(content, "msgtype"), "m.image");
    CHECK_STR(str(content, "body"), "This week");
    CHECK_STR(str(content, "filename"), "chart.png");
    CHECK_STR(str(content, "url"), "mxc://example.org/abc");
    CHECK_STR(str(cJSON_GetObjectItemCaseSensitive(content, "info"), "mimetype"), "image/png");
    cJSON_Delete(content);
    kith_message_free(msg);
}

TEST(test_reaction_keys_name_choice_numbers)
{
    CHECK_INT(mx_choices_number_from_key("1\xEF\xB8\x8F\xE2\x83\xA3"), 1);
    CHECK_INT(mx_choices_number_from_key("9\xE2\x83\xA3"), 9); /* no variation selector */
    CHECK_INT(mx_choices_number_from_key("\xF0\x9F\x94\x9F"), 10);
    CHECK_INT(mx_choices_number_from_key("12"), 12);
    CHECK_INT(mx_choices_number_from_key("\xF0\x9F\x91\x8D"), 0); /* a thumbs-up */
    CHECK_INT(mx_choices_number_from_key("0"), 0);
    CHECK_INT(mx_choices_number_from_key("1x"), 0);
    CHECK_INT(mx_choices_number_from_key("123456789012"), 0);
    CHECK_STR(mx_choices_keycap(2), "2\xEF\xB8\x8F\xE2\x83\xA3");
    CHECK(mx_choices_keycap(11) == NULL);
}

TEST(test_command_typed_as_reply_loses_the_quoted_fallback)
{
    CHECK_STR(mx_strip_reply_fallback("> <@bob:x.org> the question\n> more\n\n!vote 2"), "!vote 2");
    CHECK_STR(mx_strip_reply_fallback("!help"), "!help");
    CHECK_STR(mx_strip_reply_fallback("> <@bob:x.org> only a quote"),
              "> <@bob:x.org> only a quote");
}

TEST(test_ids_are_escaped_for_paths)
{
    char *room = mx_escape_dup("!abc:example.org");
    CHECK_STR(room, "%21abc%3Aexample.org");
    free(room);
    char *back = mx_unescape_dup("%40alice%3Aexample.org%", 23);
    CHECK_STR(back, "@alice:example.org%");
    free(back);
    char *html = mx_html_escape_dup("a<b>&\"c\"\nd");
    CHECK_STR(html, "a&lt;b&gt;&amp;&quot;c&quot;<br>d");
    free(html);
}

TEST(test_rate_limit_wait_prefers_the_body_then_the_header)
{
    cJSON *body = cJSON_Parse("{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":1500}");
    CHECK_INT(mx_retry_after_ms(body, "9", 100), 1500);
    CHECK_INT(mx_retry_after_ms(NULL, "2", 100), 2000);
    CHECK_INT(mx_retry_after_ms(NULL, NULL, 100), 100);
    CHECK_INT(mx_retry_after_ms(NULL, "soon", 100), 100);
    CHECK_INT(mx_retry_after_ms(NULL, "86400", 100), 300000); /* capped at five minutes */
    cJSON_Delete(body);
}
