/* The UTF-8 helpers polls and surveys share: counting characters as the platforms do, refusing
 * broken text, and cutting long text without splitting a character. */
#include <string.h>

#include "check.h"
#include "logic/utf8.h"

TEST(test_characters_are_counted_not_bytes)
{
    CHECK_INT(polls_utf8_chars("Quattro formaggi 🍕"), 18);
    CHECK_INT(polls_utf8_chars("\xD0\xB4\xD0\xB0"), 2); /* "да" */
    CHECK_INT(polls_utf8_chars(""), 0);
}

TEST(test_broken_utf8_is_refused)
{
    CHECK(polls_utf8_valid("caf\xC3\xA9", 5));
    CHECK(!polls_utf8_valid("caf\xC3", 4));          /* cut inside a character */
    CHECK(!polls_utf8_valid("\xED\xA0\x80", 3));     /* a lone surrogate */
    CHECK(!polls_utf8_valid("\xC0\xAF", 2));         /* an overlong slash */
    CHECK(!polls_utf8_valid("\xF4\x90\x80\x80", 4)); /* past U+10FFFF */
}

TEST(test_long_text_is_shortened_on_a_character_boundary)
{
    char out[8];
    polls_utf8_shorten("abc", out, sizeof out);
    CHECK_STR(out, "abc");
    /* "дддд" is 8 bytes: the cut keeps whole letters and adds an ellipsis. */
    polls_utf8_shorten("\xD0\xB4\xD0\xB4\xD0\xB4\xD0\xB4", out, sizeof out);
    CHECK_STR(out, "\xD0\xB4\xD0\xB4\xE2\x80\xA6");
    CHECK(polls_utf8_valid(out, strlen(out)));
}

TEST(test_labels_are_shortened_to_a_number_of_characters_whatever_the_script)
{
    char out[64];
    polls_utf8_shorten_chars("abcd", 4, out, sizeof out);
    CHECK_STR(out, "abcd");
    polls_utf8_shorten_chars("abcde", 4, out, sizeof out);
    CHECK_STR(out, "abc\xE2\x80\xA6"); /* four characters, the last the ellipsis */
    polls_utf8_shorten_chars("\xD0\xB4\xD0\xB4\xD0\xB4\xD0\xB4\xD0\xB4", 4, out, sizeof out);
    CHECK_STR(out, "\xD0\xB4\xD0\xB4\xD0\xB4\xE2\x80\xA6");
    CHECK_INT(polls_utf8_chars(out), 4);
    polls_utf8_shorten_chars("\xF0\x9F\x8D\x95\xF0\x9F\x8D\x95", 4, out, 7); /* too small */
    CHECK_STR(out, "\xE2\x80\xA6");
}

TEST(test_a_message_cut_by_its_buffer_ends_with_an_ellipsis_on_a_whole_character)
{
    /* "ддд" in a 6-byte buffer comes out of snprintf as "дд" plus half a letter. */
    char text[6] = "\xD0\xB4\xD0\xB4\xD0";
    polls_utf8_mark_cut(text, sizeof text);
    CHECK_STR(text, "\xD0\xB4\xE2\x80\xA6");
    CHECK(polls_utf8_valid(text, strlen(text)));
}
