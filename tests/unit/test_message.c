/* The portable message builder: limits, ownership routing of custom ids, copies, rendering. */
#include <string.h>

#include "check.h"
#include "core/message.h"

TEST(test_plugin_builds_text_with_buttons_and_fields)
{
    kith_message *msg = kith_message_new_owned("polls");
    REQUIRE(msg != NULL);
    CHECK_INT(kith_message_set_title(msg, "Lunch?"), KITH_OK);
    CHECK_INT(kith_message_set_text(msg, "Wann essen wir? 🍕"), KITH_OK);
    CHECK_INT(kith_message_add_field(msg, "Votes", "3", true), KITH_OK);
    CHECK_INT(kith_message_add_button(msg, "vote:1", "Montag", KITH_BUTTON_PRIMARY), KITH_OK);
    CHECK_INT(kith_message_add_button(msg, "vote:2", "Вторник", KITH_BUTTON_SECONDARY), KITH_OK);
    CHECK_INT(kith_message_add_link_button(msg, "https://example.org", "Rules"), KITH_OK);
    CHECK_STR(msg->buttons[0].custom_id, "polls:vote:1");
    CHECK(msg->buttons[2].custom_id == NULL);

    char *plain = kith_message_render_plain(msg);
    CHECK_STR(plain, "Lunch?\nWann essen wir? 🍕\nVotes: 3\n[1] Montag\n[2] Вторник\n"
                     "Rules: https://example.org");
    free(plain);
    kith_message_free(msg);
}

TEST(test_same_custom_id_twice_is_refused)
{
    kith_message *msg = kith_message_new_owned("polls");
    CHECK_INT(kith_message_add_button(msg, "a", "A", KITH_BUTTON_PRIMARY), KITH_OK);
    CHECK_INT(kith_message_add_button(msg, "a", "A again", KITH_BUTTON_PRIMARY), KITH_ERR_EXISTS);
    CHECK_INT(kith_message_set_select(msg, "a", NULL, 1, 1), KITH_ERR_EXISTS);
    kith_message_free(msg);
}

TEST(test_limits_are_enforced)
{
    kith_message *msg = kith_message_new_owned("example");
    char big[KITH_MESSAGE_TEXT_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_INT(kith_message_set_text(msg, big), KITH_ERR_LIMIT);
    CHECK_INT(kith_message_set_text(msg, ""), KITH_ERR_INVALID);

    char long_id[KITH_CUSTOM_ID_MAX];
    memset(long_id, 'i', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    /* 99 bytes fit alone, but not with the "example:" routing prefix. */
    CHECK_INT(kith_message_add_button(msg, long_id, "L", KITH_BUTTON_PRIMARY), KITH_ERR_LIMIT);

    for (int i = 0; i < KITH_MESSAGE_BUTTONS_MAX; i++) {
        char id[16];
        snprintf(id, sizeof id, "b%d", i);
        CHECK_INT(kith_message_add_button(msg, id, "B", KITH_BUTTON_PRIMARY), KITH_OK);
    }
    CHECK_INT(kith_message_add_button(msg, "one-more", "B", KITH_BUTTON_PRIMARY), KITH_ERR_LIMIT);
    CHECK_INT(kith_message_add_link_button(msg, "ftp://x", "x"), KITH_ERR_INVALID);
    kith_message_free(msg);
}

TEST(test_native_poll_needs_two_answers)
{
    kith_message *msg = kith_message_new();
    const char *one[] = {"only"};
    struct kith_native_poll poll = {"Q?", one, 1, false, false, 0};
    CHECK_INT(kith_message_set_poll(msg, &poll), KITH_ERR_INVALID);
    const char *two[] = {"yes", "no"};
    poll = (struct kith_native_poll){"Q?", two, 2, true, true, 3600};
    CHECK_INT(kith_message_set_poll(msg, &poll), KITH_OK);
    REQUIRE(msg->poll != NULL);
    CHECK_INT(msg->poll->answer_count, 2);
    CHECK_STR(msg->poll->answers[1], "no");
    CHECK(msg->poll->allow_multiple);
    kith_message_free(msg);
}

TEST(test_select_menu_options)
{
    kith_message *msg = kith_message_new_owned("survey");
    CHECK_INT(kith_message_add_select_option(msg, "a", "A", NULL), KITH_ERR_INVALID);
    CHECK_INT(kith_message_set_select(msg, "q1", "Pick one", 1, 1), KITH_OK);
    CHECK_INT(kith_message_add_select_option(msg, "a", "Answer A", "first"), KITH_OK);
    CHECK_INT(kith_message_add_select_option(msg, "a", "dup", NULL), KITH_ERR_EXISTS);
    CHECK_STR(msg->select->custom_id, "survey:q1");
    CHECK_INT(kith_message_set_select(msg, "q2", NULL, 1, 1), KITH_ERR_EXISTS);
    CHECK_INT(kith_message_set_select(msg, "q3", NULL, 2, 1), KITH_ERR_INVALID);
    kith_message_free(msg);
}

TEST(test_copy_keeps_everything_and_routing)
{
    kith_message *msg = kith_message_new_owned("polls");
    kith_message_set_text(msg, "text");
    kith_message_add_button(msg, "vote:1", "One", KITH_BUTTON_SUCCESS);
    kith_message_set_select(msg, "pick", NULL, 1, 2);
    kith_message_add_select_option(msg, "x", "X", NULL);
    kith_message_attach_file(msg, "votes.csv", "text/csv", "a,b\n", 4);
    kith_message_set_ephemeral(msg, true);

    kith_message *copy = kith_message_dup(msg);
    REQUIRE(copy != NULL);
    CHECK_STR(copy->text, "text");
    CHECK_STR(copy->buttons[0].custom_id, "polls:vote:1"); /* not prefixed twice */
    CHECK_STR(copy->select->custom_id, "polls:pick");
    CHECK_INT(copy->attachment->len, 4);
    CHECK(memcmp(copy->attachment->data, "a,b\n", 4) == 0);
    CHECK(copy->ephemeral);
    kith_message_free(msg);
    kith_message_free(copy);
}

TEST(test_attachment_rejects_paths)
{
    kith_message *msg = kith_message_new();
    CHECK_INT(kith_message_attach_file(msg, "../etc/passwd", NULL, "x", 1), KITH_ERR_INVALID);
    CHECK_INT(kith_message_attach_file(msg, "empty.csv", NULL, NULL, 0), KITH_OK);
    CHECK_STR(msg->attachment->content_type, "application/octet-stream");
    kith_message_free(msg);
}

TEST(test_text_that_is_not_utf8_is_refused_where_the_plugin_builds_it)
{
    kith_message *msg = kith_message_new_owned("polls");
    const char *cut = "Gr\xc3"; /* half of "ü" */
    CHECK_INT(kith_message_set_text(msg, cut), KITH_ERR_INVALID);
    CHECK(msg->text == NULL);
    CHECK_INT(kith_message_set_title(msg, "\xff"), KITH_ERR_INVALID);
    CHECK_INT(kith_message_add_field(msg, "Stimmen", cut, false), KITH_ERR_INVALID);
    CHECK_INT(kith_message_add_button(msg, "vote:1", cut, KITH_BUTTON_PRIMARY), KITH_ERR_INVALID);
    CHECK_INT(kith_message_set_select(msg, "pick", cut, 1, 1), KITH_ERR_INVALID);
    CHECK_INT(kith_message_set_select(msg, "pick", "Wähle", 1, 1), KITH_OK);
    CHECK_INT(kith_message_add_select_option(msg, "a", cut, NULL), KITH_ERR_INVALID);
    const char *answers[] = {"Ja", cut};
    struct kith_native_poll poll = {.question = "Grüße?", .answers = answers, .answer_count = 2};
    CHECK_INT(kith_message_set_poll(msg, &poll), KITH_ERR_INVALID);
    CHECK_INT(kith_message_attach_file(msg, "st\xc3.csv", NULL, "x", 1), KITH_ERR_INVALID);
    CHECK_INT(kith_message_set_text(msg, "Grüße, Привет, 👋"), KITH_OK);
    CHECK_INT(msg->button_count, 0);
    CHECK(msg->poll == NULL && msg->attachment == NULL);
    kith_message_free(msg);
}

TEST(test_labels_and_poll_texts_are_measured_in_characters_as_platforms_count_them)
{
    kith_message *msg = kith_message_new_owned("polls");
    /* 80 Cyrillic letters: 160 bytes, 80 characters: a button label Discord takes. */
    char label[2 * KITH_BUTTON_LABEL_MAX + 3] = "";
    for (int i = 0; i < KITH_BUTTON_LABEL_MAX; i++)
        strcat(label, "ж");
    CHECK_INT(kith_message_add_button(msg, "vote:1", label, KITH_BUTTON_PRIMARY), KITH_OK);
    strcat(label, "ж");
    CHECK_INT(kith_message_add_button(msg, "vote:2", label, KITH_BUTTON_PRIMARY), KITH_ERR_LIMIT);
    char question[2 * 300 + 3] = "";
    for (int i = 0; i < 300; i++)
        strcat(question, "ü");
    const char *answers[] = {"Ja", "Nein"};
    struct kith_native_poll poll = {.question = question, .answers = answers, .answer_count = 2};
    CHECK_INT(kith_message_set_poll(msg, &poll), KITH_OK);
    strcat(question, "ü");
    CHECK_INT(kith_message_set_poll(msg, &poll), KITH_ERR_LIMIT);
    kith_message_free(msg);
}
