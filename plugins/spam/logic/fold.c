/* spam_fold_new: walks the text word by word, so lookalikes and leet can follow the script of
 * the word they sit in (a Russian word stays Russian, a Latin word with Cyrillic "о" turns Latin).
 */
#include <stdlib.h>

#include "logic/fold.h"

/* Decodes one code point; ASCII, the common case, without a call. */
static inline size_t decode(const char *s, size_t len, uint32_t *cp)
{
    if ((unsigned char)*s < 0x80) {
        *cp = (unsigned char)*s;
        return 1;
    }
    return spam_utf8_decode(s, len, cp);
}

struct out {
    char *buf;
    size_t len;
};

static void put(struct out *o, uint32_t cp)
{
    o->len += spam_utf8_encode(cp, o->buf + o->len);
}

/* What decides a word's script: letters only one script has, lookalikes aside. */
struct word_stats {
    size_t latin_only;
    size_t cyrillic_only;
    size_t greek_only;
    bool has_letter;
    bool non_ascii; /* any byte above 0x7F: the slow path */
};

static bool is_cyrillic(uint32_t cp)
{
    return cp >= 0x400 && cp <= 0x52F;
}

static bool is_greek(uint32_t cp)
{
    return cp >= 0x370 && cp <= 0x3FF;
}

/* A character belongs to a word when it folds to a word character, or is '@'/'$' (leet). */
static bool in_word(uint32_t orig, const uint32_t *folded, size_t n)
{
    return orig == '@' || orig == '$' ||
           (n > 0 && folded[0] != ' ' && spam_is_word_char(folded[0]));
}

static void count_letter(struct word_stats *st, uint32_t orig, const uint32_t *folded, size_t n)
{
    bool ascii_letter = n > 0 && folded[0] >= 'a' && folded[0] <= 'z';
    if (ascii_letter || is_cyrillic(orig) || is_greek(orig))
        st->has_letter = true;
    /* Judged on the lowercase form: Cyrillic "К" looks Latin but "к" does not, so an all-caps
     * Russian word ("АККАУНТ") stays Russian like its lowercase spelling. */
    bool lookalike =
        n > 0 && (spam_fold_lookalike(folded[0]) != 0 || spam_fold_to_cyrillic(folded[0]) != 0);
    if (lookalike)
        return;
    if (is_cyrillic(orig))
        st->cyrillic_only++;
    else if (is_greek(orig))
        st->greek_only++;
    else if (ascii_letter)
        st->latin_only++;
}

enum ascii_class { ASCII_DROPPED, ASCII_SPACE, ASCII_LETTER, ASCII_WORD, ASCII_OTHER };

/* The fold's view of an ASCII byte, without the general per-character path. */
static enum ascii_class ascii_class(unsigned char c)
{
    if (c == ' ' || (c >= 0x09 && c <= 0x0D))
        return ASCII_SPACE;
    if (c < 0x20 || c == 0x7F)
        return ASCII_DROPPED;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
        return ASCII_LETTER;
    if ((c >= '0' && c <= '9') || c == '_' || c == '@' || c == '$')
        return ASCII_WORD;
    return ASCII_OTHER;
}

/* Scans the word starting at pos; returns the byte offset just past it. */
static size_t scan_word(const char *text, size_t len, size_t pos, struct word_stats *st)
{
    while (pos < len) {
        unsigned char c = (unsigned char)text[pos];
        if (c < 0x80) {
            enum ascii_class k = ascii_class(c);
            if (k == ASCII_SPACE || k == ASCII_OTHER)
                break;
            if (k == ASCII_LETTER) {
                st->has_letter = true;
                st->latin_only += spam_fold_to_cyrillic(c | 0x20) == 0;
            }
            pos++;
            continue;
        }
        uint32_t cp, folded[3];
        size_t used = decode(text + pos, len - pos, &cp);
        size_t n = spam_fold_codepoint(cp, folded);
        if (n > 0 && !in_word(cp, folded, n))
            break;
        st->non_ascii |= cp >= 0x80;
        if (n > 0)
            count_letter(st, cp, folded, n);
        pos += used;
    }
    return pos;
}

enum script { LATIN, CYRILLIC, GREEK };

/* The script with the most letters only it has; Latin on a tie, so lookalike-only words and
 * mixed spam read as Latin. */
static enum script word_script(const struct word_stats *st)
{
    if (st->cyrillic_only > st->latin_only && st->cyrillic_only >= st->greek_only)
        return CYRILLIC;
    if (st->greek_only > st->latin_only && st->greek_only > st->cyrillic_only)
        return GREEK;
    return LATIN;
}

static uint32_t word_char_form(uint32_t orig, enum script script, bool leet, bool first)
{
    if (script == GREEK)
        return 0; /* Greek words keep their letters; Greek has no leet convention here */
    bool cyrillic_word = script == CYRILLIC;
    uint32_t mapped = cyrillic_word ? spam_fold_to_cyrillic(orig) : spam_fold_lookalike(orig);
    if (mapped)
        return mapped;
    if (!leet || (orig == '@' && first))
        return 0;
    return cyrillic_word ? spam_fold_leet_cyrillic(orig) : spam_fold_leet(orig);
}

/* An ASCII-only word (most words) is Latin and needs no decoding: lowercase, leet. */
static void emit_ascii_word(struct out *o, const char *text, size_t start, size_t end, bool leet)
{
    bool first = true;
    for (size_t pos = start; pos < end; pos++) {
        char c = text[pos];
        if ((unsigned char)c < 0x20 || c == 0x7F)
            continue; /* control characters are dropped, as in spam_fold_codepoint */
        uint32_t mapped = leet && !(c == '@' && first) ? spam_fold_leet((unsigned char)c) : 0;
        first = false;
        if (mapped)
            c = (char)mapped;
        else if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        o->buf[o->len++] = c;
    }
}

static void emit_word(struct out *o, const char *text, size_t start, size_t end,
                      const struct word_stats *st, int flags)
{
    enum script script = word_script(st);
    bool leet = st->has_letter && !(flags & SPAM_FOLD_NO_LEET);
    if (!st->non_ascii) {
        emit_ascii_word(o, text, start, end, leet);
        return;
    }
    bool first = true;
    for (size_t pos = start; pos < end;) {
        uint32_t cp, folded[3];
        pos += decode(text + pos, end - pos, &cp);
        size_t n = spam_fold_codepoint(cp, folded);
        if (n == 0)
            continue;
        uint32_t mapped = word_char_form(cp, script, leet, first);
        first = false;
        if (mapped) {
            put(o, mapped);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            put(o, folded[i]);
    }
}

char *spam_fold_new(const char *text, size_t len, int flags)
{
    /* Worst case growth is an invalid byte becoming U+FFFD (3 bytes). */
    struct out o = {malloc(len * 3 + 1), 0};
    if (!o.buf)
        return NULL;
    bool pending_space = false;
    size_t pos = 0;
    while (pos < len) {
        unsigned char c = (unsigned char)text[pos];
        enum ascii_class k = c < 0x80 ? ascii_class(c) : ASCII_WORD;
        if (k == ASCII_DROPPED || k == ASCII_SPACE) {
            pending_space |= k == ASCII_SPACE && o.len > 0;
            pos++;
            continue;
        }
        if (k == ASCII_OTHER) { /* punctuation and symbols stay as they are */
            if (pending_space)
                o.buf[o.len++] = ' ';
            pending_space = false;
            o.buf[o.len++] = (char)c;
            pos++;
            continue;
        }
        uint32_t cp, folded[3];
        size_t used = decode(text + pos, len - pos, &cp);
        size_t n = spam_fold_codepoint(cp, folded);
        if (n == 0) {
            pos += used;
            continue;
        }
        if (folded[0] == ' ') {
            pending_space = o.len > 0;
            pos += used;
            continue;
        }
        if (pending_space)
            o.buf[o.len++] = ' ';
        pending_space = false;
        if (in_word(cp, folded, n)) {
            struct word_stats st = {0};
            size_t end = scan_word(text, len, pos, &st);
            emit_word(&o, text, pos, end, &st, flags);
            pos = end;
            continue;
        }
        for (size_t i = 0; i < n; i++)
            put(&o, folded[i]);
        pos += used;
    }
    o.buf[o.len] = '\0';
    return o.buf;
}
