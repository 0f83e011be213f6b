/* Text folding for spam matching: one function turns a message (or a pattern) into the form
 * rules compare, so case, accents, lookalikes and invisible characters cannot evade them. */
#ifndef SPAM_FOLD_H
#define SPAM_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Flags for spam_fold_new. SPAM_FOLD_DEFAULT is what messages and word patterns use. */
enum {
    SPAM_FOLD_DEFAULT = 0,
    SPAM_FOLD_NO_LEET = 1, /* keep digits, '@' and '$' as they are (links use this) */
};

/* Folds `len` bytes of UTF-8 (invalid bytes become U+FFFD; never fails on bad input):
 * lowercase, accents removed (ü→u, ß→ss), Greek/Cyrillic lowercased (ё→е, й→и), fullwidth,
 * mathematical and enclosed letters to ASCII, zero-width/format characters and combining marks
 * removed, whitespace runs to one space (trimmed). Per word, lookalikes follow the word's
 * script: a word with more Cyrillic-only letters than Latin-only letters is Cyrillic (Latin
 * lookalikes o, a, p... become Cyrillic), any other word Latin (Cyrillic/Greek lookalikes become
 * Latin); leet (0→o 1→i 3→e 4→a 5→s 7→t @→a $→s) applies inside words with a letter.
 * docs/plugins/spam-matching.md has the full rules.
 * Returns a new NUL-terminated string (caller frees), NULL only when out of memory. */
char *spam_fold_new(const char *text, size_t len, int flags);

/* Decodes one UTF-8 code point from s (len > 0 bytes). Returns the bytes consumed (1..4);
 * invalid or truncated sequences consume 1 byte and yield U+FFFD. */
size_t spam_utf8_decode(const char *s, size_t len, uint32_t *cp_out);

/* Writes cp as UTF-8 into out (4 bytes room); returns the byte count (1..4). */
size_t spam_utf8_encode(uint32_t cp, char out[4]);

/* Copies the first len bytes of src into dst (size > 0), shortened to fit without cutting a
 * UTF-8 sequence in half; always terminated. */
void spam_utf8_copy(char *dst, size_t size, const char *src, size_t len);

/* The per-code-point part of the fold, without the word-context rules (lookalikes, leet):
 * writes up to 3 code points to out and returns how many (0 = the character is dropped). */
size_t spam_fold_codepoint(uint32_t cp, uint32_t out[3]);

/* The Latin letter a Cyrillic or Greek lookalike (original, unfolded code point) becomes
 * inside a Latin word, or 0. */
uint32_t spam_fold_lookalike(uint32_t cp);

/* The Cyrillic letter a Latin lookalike (original code point) becomes inside a Cyrillic word,
 * or 0. */
uint32_t spam_fold_to_cyrillic(uint32_t cp);

/* The letter a leet character stands for in a Latin word ('0'→'o', '$'→'s', ...), or 0. */
uint32_t spam_fold_leet(uint32_t cp);

/* The letter a leet character stands for in a Cyrillic word ('0'→'о', '3'→'з', ...), or 0. */
uint32_t spam_fold_leet_cyrillic(uint32_t cp);

/* True for letters and digits of any script (folded text); word boundaries use this. */
bool spam_is_word_char(uint32_t cp);

#endif
