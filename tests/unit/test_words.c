/* Splitting what members type into words, recognising commands, and the UTF-8 rules under
 * both: the stories behind each are phones, other languages and Telegram groups. */
#include "check.h"
#include "core/cmdparse.h"

/* Splits line and checks it gave exactly the expected words (NULL-terminated list). */
static void check_split(const char *line, const char *const *expected)
{
    struct kith_words w;
    struct kith_parse_error err = {{0}};
    kith_err rc = kith_words_split(line, &w, &err);
    CHECK_INT(rc, KITH_OK);
    if (rc != KITH_OK) {
        fprintf(stderr, "  split \"%s\": %s\n", line, err.message);
        return;
    }
    size_t n = 0;
    while (expected[n] != NULL)
        n++;
    CHECK_INT(w.count, n);
    for (size_t i = 0; i < n && i < w.count; i++)
        CHECK_STR(w.words[i], expected[i]);
    kith_words_free(&w);
}

static void check_split_fails(const char *line, const char *message)
{
    struct kith_words w;
    struct kith_parse_error err = {{0}};
    CHECK_INT(kith_words_split(line, &w, &err), KITH_ERR_INVALID);
    CHECK_STR(err.message, message);
    CHECK_INT(w.count, 0);
    CHECK(w.words == NULL);
}

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

TEST(test_member_separates_words_with_spaces_tabs_and_newlines)
{
    check_split("create  one\ttwo\nthree ", WORDS("create", "one", "two", "three"));
    check_split("", (const char *const[]){NULL});
    check_split("   \t\n", (const char *const[]){NULL});
}

TEST(test_phone_no_break_space_separates_words)
{
    check_split("Montag\u00A0Dienstag", WORDS("Montag", "Dienstag"));
    /* ideographic space (U+3000) and narrow no-break space (U+202F) too */
    check_split("月\u3000火\u202Fx", WORDS("月", "火", "x"));
}

TEST(test_member_quotes_words_with_spaces)
{
    check_split("\"two words\" 'three little words' plain",
                WORDS("two words", "three little words", "plain"));
}

TEST(test_member_types_an_empty_quoted_string)
{
    check_split("a \"\" b ''", WORDS("a", "", "b", ""));
}

TEST(test_apostrophe_inside_a_word_is_not_a_quote)
{
    check_split("don't worry, it's fine", WORDS("don't", "worry,", "it's", "fine"));
    check_split("don’t go", WORDS("don’t", "go"));
}

TEST(test_apostrophe_inside_a_quoted_phrase_does_not_close_it)
{
    check_split("'don't worry' x", WORDS("don't worry", "x"));
    /* ‘don’t worry’ as a phone writes it */
    check_split("‘don’t worry’ x", WORDS("don’t worry", "x"));
}

TEST(test_phone_typographic_quotes_group_words)
{
    /* “English” */
    check_split("“two words” end", WORDS("two words", "end"));
    /* „German“ */
    check_split("„Wann treffen wir uns?“ Montag", WORDS("Wann treffen wir uns?", "Montag"));
    /* «Russian» */
    check_split("«Какой день?» Пн", WORDS("Какой день?", "Пн"));
    /* ‘single’ */
    check_split("‘one two’", WORDS("one two"));
    /* half-converted by autocorrect: "straight open, curly close” */
    check_split("\"one two” three", WORDS("one two", "three"));
}

TEST(test_backslash_escapes_quotes_only_inside_quotes)
{
    check_split("\"say \\\"hi\\\" now\" 'it\\'s' \"back\\\\slash\" \"keep \\n\"",
                WORDS("say \"hi\" now", "it's", "back\\slash", "keep \\n"));
    check_split("C:\\path\\to a\\\"b", WORDS("C:\\path\\to", "a\\\"b"));
}

TEST(test_quote_inside_a_word_is_kept_literally)
{
    check_split("say\"hi\" x", WORDS("say\"hi\"", "x"));
}

TEST(test_option_value_can_be_quoted_after_equals)
{
    check_split("--reason=\"spamming links\" --x=“two words”",
                WORDS("--reason=spamming links", "--x=two words"));
    /* outside an option, '=' does not open a quote */
    check_split("a=\"b c\"", WORDS("a=\"b", "c\""));
}

TEST(test_unclosed_quote_names_where_it_opened)
{
    check_split_fails("create \"two words", "unclosed quote \" starting at \"two words");
    check_split_fails("x «abc", "unclosed quote « starting at «abc");
    check_split_fails("--reason='oops", "unclosed quote ' starting at 'oops");
}

TEST(test_unclosed_quote_excerpt_is_short_and_on_one_line)
{
    struct kith_words w;
    struct kith_parse_error err;
    CHECK_INT(kith_words_split("\"a very long question that goes on\nand on and on", &w, &err),
              KITH_ERR_INVALID);
    CHECK_STR(err.message, "unclosed quote \" starting at \"a very long question th…");
}

TEST(test_invalid_utf8_byte_is_rejected_with_its_position)
{
    check_split_fails("ok \xFF no", "the text is not valid UTF-8 (byte 0xFF at position 3)");
    check_split_fails("\xC3", "the text is not valid UTF-8 (byte 0xC3 at position 0)");
    check_split_fails("ab\xED\xA0\x80", "the text is not valid UTF-8 (byte 0xED at position 2)");
}

TEST(test_word_offsets_point_at_the_typed_text)
{
    struct kith_words w;
    REQUIRE(kith_words_split("  add \"Q\" | A", &w, NULL) == KITH_OK);
    REQUIRE(w.count == 4);
    CHECK_INT(w.offsets[0], 2);
    CHECK_INT(w.offsets[1], 6);
    CHECK_INT(w.offsets[2], 10);
    CHECK_INT(w.offsets[3], 12);
    kith_words_free(&w);
    CHECK(w.words == NULL);
    kith_words_free(&w); /* freeing twice is harmless */
}

/* ---- UTF-8 ---- */

TEST(test_utf8_validation_accepts_every_plane)
{
    const char *s = "aé€🍕􏿿";
    CHECK(kith_utf8_valid(s, strlen(s)));
    CHECK_INT(kith_utf8_length(s), 5);
    CHECK(kith_utf8_valid("", 0));
}

TEST(test_utf8_validation_rejects_malformed_sequences)
{
    CHECK(!kith_utf8_valid("\xC0\xAF", 2));         /* overlong '/' */
    CHECK(!kith_utf8_valid("\xE0\x80\xAF", 3));     /* overlong, 3 bytes */
    CHECK(!kith_utf8_valid("\xF0\x80\x80\xAF", 4)); /* overlong, 4 bytes */
    CHECK(!kith_utf8_valid("\xED\xA0\x80", 3));     /* surrogate U+D800 */
    CHECK(!kith_utf8_valid("\xED\xBF\xBF", 3));     /* surrogate U+DFFF */
    CHECK(!kith_utf8_valid("\xF4\x90\x80\x80", 4)); /* U+110000 */
    CHECK(!kith_utf8_valid("\xF5\x80\x80\x80", 4));
    CHECK(!kith_utf8_valid("\xE2\x82", 2));     /* truncated */
    CHECK(!kith_utf8_valid("\x80", 1));         /* lone continuation */
    CHECK(!kith_utf8_valid("\xE2\x28\xA1", 3)); /* bad continuation */
    CHECK(kith_utf8_valid("퟿", 3));           /* U+D7FF is fine */
}

TEST(test_utf8_decode_reports_code_points)
{
    uint32_t cp = 0;
    CHECK_INT(kith_utf8_decode("🍔", 4, &cp), 4);
    CHECK_INT(cp, 0x1F354);
    CHECK_INT(kith_utf8_decode("🍔", 3, &cp), 0);
    CHECK_INT(kith_utf8_decode("x", 0, &cp), 0);
    CHECK(kith_unicode_is_space(0xA0));
    CHECK(!kith_unicode_is_space(0x200B)); /* zero-width space is not a separator */
}

TEST(test_excerpt_of_hostile_text_stays_short_and_valid)
{
    char buf[16];
    kith_text_excerpt("🍕🍕🍕🍕", 10, buf, sizeof(buf));
    CHECK(kith_utf8_valid(buf, strlen(buf)));
    CHECK_STR(buf, "🍕🍕🍕…"); /* 16 bytes */
    kith_text_excerpt("a\xFF\nb", 10, buf, sizeof(buf));
    CHECK_STR(buf, "a? b");
}

TEST(test_cut_message_never_ends_in_half_a_character)
{
    char s[] = "Käse 🍕";
    s[sizeof(s) - 3] = '\0'; /* snprintf cut the pizza after two of its four bytes */
    kith_utf8_trim_partial(s);
    CHECK_STR(s, "Käse ");
    kith_utf8_trim_partial(s);
    CHECK_STR(s, "Käse ");
    char t[] = "Kä";
    t[2] = '\0'; /* cut inside ä */
    kith_utf8_trim_partial(t);
    CHECK_STR(t, "K");
}

TEST(test_trailing_spaces_of_any_kind_are_trimmed)
{
    char s[] = "Antwort \u00A0\t\u3000\n";
    kith_utf8_trim_trailing_space(s);
    CHECK_STR(s, "Antwort");
    char t[] = "   ";
    kith_utf8_trim_trailing_space(t);
    CHECK_STR(t, "");
}

/* ---- Detection ---- */

static void check_detect(const char *text, const char *bot, const char *name, const char *args)
{
    char *got = NULL;
    const char *rest = NULL;
    kith_err rc = kith_command_detect(text, bot, &got, &rest);
    CHECK_INT(rc, KITH_OK);
    CHECK_STR(got, name);
    CHECK_STR(rest, args);
    free(got);
}

static void check_not_command(const char *text, const char *bot)
{
    char *got = (char *)"sentinel";
    const char *rest = "sentinel";
    CHECK_INT(kith_command_detect(text, bot, &got, &rest), KITH_ERR_NOT_FOUND);
    CHECK(got == NULL);
    CHECK(rest == NULL);
}

TEST(test_member_types_slash_command)
{
    check_detect("/poll create \"Q\" a b", NULL, "poll", "create \"Q\" a b");
    check_detect("/help", NULL, "help", "");
    check_detect("/rank\n  me", NULL, "rank", "me");
}

TEST(test_matrix_member_types_bang_command)
{
    check_detect("!poll list", NULL, "poll", "list");
    check_detect("!faq", "KithBot", "faq", "");
}

TEST(test_phone_capitalised_command_name_is_lowered)
{
    check_detect("!Poll List", NULL, "poll", "List");
    check_detect("/HELP\xC2\xA0poll", NULL, "help", "poll");
}

TEST(test_telegram_command_addressed_to_us)
{
    check_detect("/poll@KithBot create x", "KithBot", "poll", "create x");
    check_detect("/poll@kithbot", "KithBot", "poll", "");
    check_detect("/start@KithBot", "@KithBot", "start", "");
    check_detect("/poll@AnyBot list", NULL, "poll", "list");
}

TEST(test_telegram_command_addressed_to_another_bot_is_ignored)
{
    check_not_command("/poll@OtherBot create x", "KithBot");
    check_not_command("/poll@KithBotX", "KithBot");
    check_not_command("/poll@ list", "KithBot");
    check_not_command("!poll@KithBot list", "KithBot");
}

TEST(test_plain_messages_are_not_commands)
{
    check_not_command("hello /poll", NULL);
    check_not_command("/", NULL);
    check_not_command("!", NULL);
    check_not_command("// comment", NULL);
    check_not_command("/ poll", NULL);
    check_not_command("!!!", NULL);
    check_not_command("/usr/bin is a path", NULL);
    check_not_command("/café", NULL);
    check_not_command(" /poll", NULL);
    check_not_command("", NULL);
}

TEST(test_command_name_is_at_most_32_characters)
{
    check_detect("/abcdefghijklmnopqrstuvwxyz_12345", NULL, "abcdefghijklmnopqrstuvwxyz_12345", "");
    check_not_command("/abcdefghijklmnopqrstuvwxyz_123456", NULL);
}

TEST(test_detect_rejects_missing_arguments)
{
    char *name;
    const char *args;
    CHECK_INT(kith_command_detect(NULL, NULL, &name, &args), KITH_ERR_INVALID);
    CHECK_INT(kith_command_detect("/x", NULL, NULL, &args), KITH_ERR_INVALID);
}
