/* Folding what members write before spam rules look at it: case, accents, other alphabets,
 * lookalike letters, leet, invisible characters and broken UTF-8. */
#include "check.h"
#include "logic/fold.h"

/* Folds text and checks the result. */
static void check_fold(const char *text, const char *expected)
{
    char *folded = spam_fold_new(text, strlen(text), SPAM_FOLD_DEFAULT);
    REQUIRE(folded != NULL);
    CHECK_STR(folded, expected);
    free(folded);
}

static void check_fold_same(const char *a, const char *b)
{
    char *fa = spam_fold_new(a, strlen(a), SPAM_FOLD_DEFAULT);
    char *fb = spam_fold_new(b, strlen(b), SPAM_FOLD_DEFAULT);
    REQUIRE(fa && fb);
    CHECK_STR(fa, fb);
    free(fa);
    free(fb);
}

TEST(test_spammer_shouting_folds_to_lowercase)
{
    check_fold("FREE Nitro HERE", "free nitro here");
}

TEST(test_german_umlauts_and_sharp_s_lose_their_accents)
{
    check_fold("Grüße aus Köln, Straße", "grusse aus koln, strasse");
    check_fold("ÆSIR Œuvre Þing", "aesir oeuvre thing");
    check_fold("Łódź Čeština Ğ", "lodz cestina g");
}

TEST(test_decomposed_accents_fold_like_precomposed_ones)
{
    /* u + combining diaeresis */
    check_fold_same("gru\xCC\x88\xC3\x9F", "grüß");
}

TEST(test_russian_stays_russian_and_lowercases)
{
    check_fold("ПРИВЕТ Мир", "привет мир");
    check_fold("Ёлка йод", "елка иод");
}

TEST(test_greek_lowercases_without_accents)
{
    check_fold("ΚΑΛΗΜΈΡΑ", "καλημερα");
    check_fold("λόγος", "λογοσ"); /* final sigma is sigma */
}

TEST(test_cyrillic_lookalikes_inside_a_latin_word_become_latin)
{
    /* "frее" with Cyrillic е е, "nitrо" with Cyrillic о */
    check_fold("fr\xD0\xB5\xD0\xB5 nitr\xD0\xBE", "free nitro");
    /* a word made only of lookalikes: "сор" in Cyrillic reads as Latin "cop" */
    check_fold("\xD1\x81\xD0\xBE\xD1\x80", "cop");
}

TEST(test_latin_lookalikes_inside_a_russian_word_become_cyrillic)
{
    /* "прoдам" with a Latin o must still match the Russian word */
    check_fold_same("пр"
                    "o"
                    "дам",
                    "продам");
    check_fold_same("ПРOДAM", "продам");
    /* all capitals: К Н Т look Latin, к н т do not, so the word stays Russian */
    check_fold_same("АККАУНТ", "аккаунт");
}

TEST(test_greek_capital_lookalikes_in_latin_words_become_latin)
{
    check_fold("\xCE\x9D\xCE\x99TRO", "nitro"); /* Greek Ν Ι */
}

TEST(test_fullwidth_and_mathematical_letters_read_as_plain)
{
    check_fold("\xEF\xBC\xA6\xEF\xBD\x92\xEF\xBD\x85\xEF\xBD\x85", "free"); /* Ｆｒｅｅ */
    check_fold("\xF0\x9D\x90\x9F\xF0\x9D\x90\xAB\xF0\x9D\x90\x9E\xF0\x9D\x90\x9E",
               "free");                                                     /* 𝐟𝐫𝐞𝐞 */
    check_fold("\xE2\x93\x95\xE2\x93\xA1\xE2\x93\x94\xE2\x93\x94", "free"); /* ⓕⓡⓔⓔ */
    check_fold("\xF0\x9D\x9F\x8F", "1");                                    /* 𝟏 */
}

TEST(test_leet_digits_inside_words_read_as_letters)
{
    check_fold("fr33 n1tr0", "free nitro");
    check_fold("$cam fr@ud", "scam fraud");
    check_fold("h4x0r", "haxor");
}

TEST(test_plain_numbers_prices_and_mentions_keep_their_digits)
{
    check_fold("2024 costs 15 $", "2024 costs 15 $");
    check_fold("@everyone", "@everyone");
    check_fold("5€", "5€");
}

TEST(test_leet_in_russian_words_follows_russian_shapes)
{
    check_fold_same("пр0дам", "продам");
    check_fold_same("3вони", "звони");
}

TEST(test_zero_width_characters_cannot_split_a_word)
{
    check_fold("fr\xE2\x80\x8B"
               "ee",
               "free"); /* ZWSP */
    check_fold("fr\xC2\xAD"
               "ee",
               "free"); /* soft hyphen */
    check_fold("f\xE2\x81\xA0r\xEF\xBB\xBF"
               "ee",
               "free");                       /* word joiner, BOM */
    check_fold("n\xE2\x80\x8Ditro", "nitro"); /* ZWJ */
}

TEST(test_whitespace_runs_collapse_and_trim)
{
    check_fold("  free \t\n nitro  ", "free nitro");
    check_fold("free\xC2\xA0\xE3\x80\x80nitro", "free nitro"); /* NBSP, ideographic space */
    check_fold("", "");
    check_fold(" \xE2\x80\x8B ", "");
}

TEST(test_emoji_pass_through_unchanged)
{
    check_fold("\xF0\x9F\x8E\x81 FREE \xF0\x9F\x8E\x81", "\xF0\x9F\x8E\x81 free \xF0\x9F\x8E\x81");
}

TEST(test_invalid_utf8_becomes_replacement_characters)
{
    check_fold("a\xFF"
               "b",
               "a\xEF\xBF\xBD"
               "b");
    check_fold("\xC3", "\xEF\xBF\xBD");                                 /* truncated */
    check_fold("\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD");                 /* overlong */
    check_fold("\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); /* surrogate */
}

TEST(test_nul_bytes_inside_the_given_length_are_dropped)
{
    char *folded = spam_fold_new("AB\0CD", 5, SPAM_FOLD_DEFAULT);
    REQUIRE(folded != NULL);
    CHECK_STR(folded, "abcd");
    free(folded);
}

TEST(test_links_fold_keeps_digits)
{
    const char *text = "Discord.GG/Ab1 H4X";
    char *folded = spam_fold_new(text, strlen(text), SPAM_FOLD_NO_LEET);
    REQUIRE(folded != NULL);
    CHECK_STR(folded, "discord.gg/ab1 h4x");
    free(folded);
}

TEST(test_every_byte_value_folds_without_crashing)
{
    char bytes[256 * 3];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (char)(i * 7 + i / 256);
    char *folded = spam_fold_new(bytes, sizeof bytes, SPAM_FOLD_DEFAULT);
    REQUIRE(folded != NULL);
    CHECK(strlen(folded) <= sizeof bytes * 3);
    free(folded);
}
