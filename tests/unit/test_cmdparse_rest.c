/* Text taken verbatim to the end of the line may hold quotes that never close. */
#include "check.h"
#include "core/cmdparse.h"

static const struct kith_option_decl add_options[] = {
    {"text", "the note", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_REST, 0, 0},
};
static const struct kith_option_decl ask_options[] = {
    {"question", "what to ask", KITH_OPT_STRING, KITH_OPTF_REQUIRED, 0, 0},
};
static const struct kith_subcommand_decl subs[] = {
    {"add", "add a note", KITH_ROLE_MEMBER, add_options, 1},
    {"ask", "ask", KITH_ROLE_MEMBER, ask_options, 1},
};
static const struct kith_command_decl note = {"note", "notes", KITH_ROLE_MEMBER, NULL, 0, subs, 2};

TEST(test_member_notes_a_sentence_with_an_unclosed_quote)
{
    struct kith_parsed_command cmd;
    struct kith_parse_error err;
    REQUIRE(kith_command_parse(&note, " add say \"hi\", then leave", &cmd, &err) == KITH_OK);
    REQUIRE(cmd.option_count == 1);
    CHECK_STR(cmd.options[0].text, "say \"hi\", then leave");
    kith_parsed_command_free(&cmd);

    REQUIRE(kith_command_parse(&note, "add it's 5\" long", &cmd, &err) == KITH_OK);
    CHECK_STR(cmd.options[0].text, "it's 5\" long");
    kith_parsed_command_free(&cmd);
}

TEST(test_unclosed_quote_in_a_normal_argument_is_still_an_error)
{
    struct kith_parsed_command cmd;
    struct kith_parse_error err;
    CHECK_INT(kith_command_parse(&note, "ask \"where are we", &cmd, &err), KITH_ERR_INVALID);
    CHECK_CONTAINS(err.message, "unclosed quote");
}

TEST(test_lenient_split_keeps_the_quote_as_a_character)
{
    struct kith_words w;
    struct kith_parse_error err;
    REQUIRE(kith_words_split_lenient("a \"b c", &w, &err) == KITH_OK);
    CHECK_INT(w.count, 3);
    CHECK_STR(w.words[1], "\"b");
    kith_words_free(&w);
    REQUIRE(kith_words_split_lenient("a \"b c\"", &w, &err) == KITH_OK);
    CHECK_INT(w.count, 2);
    CHECK_STR(w.words[1], "b c");
    kith_words_free(&w);
}
