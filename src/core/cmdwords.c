/* Splitting a command line into words the way members really type them (phones turn quotes
 * typographic and insert no-break spaces), and recognising "/name", "!name", "/name@bot". */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cmdparse.h"

#define NAME_MAX_LEN 32
#define EXCERPT_CHARS 24

/* An opening quote and the characters that may close it. Families are generous because
 * autocorrect often converts only one of the two quotes a member typed. */
struct quote {
    uint32_t open;
    uint32_t close[3]; /* 0 = unused */
};

static const struct quote QUOTES[] = {
    {'"', {'"', 0x201D, 0x201C}},    {0x201C, {0x201D, 0x201C, '"'}}, /* “English” */
    {0x201E, {0x201C, 0x201D, '"'}}, /* „German“, „Polish” */
    {0x201D, {0x201D, '"', 0}},      /* ”Swedish” */
    {0xFF02, {0xFF02, 0, 0}},        /* fullwidth */
    {'\'', {'\'', 0x2019, 0}},       {0x2018, {0x2019, 0x2018, '\''}}, /* ‘English’ */
    {0x201A, {0x2018, 0x2019, 0}},                                     /* ‚German‘ */
    {0x00AB, {0x00BB, 0, 0}},                                          /* «Russian, French» */
    {0x00BB, {0x00AB, 0, 0}},                                          /* »Danish« */
    {0x2039, {0x203A, 0, 0}},        {0x203A, {0x2039, 0, 0}},
    {0x300C, {0x300D, 0, 0}}, /* 「CJK」 */
    {0x300E, {0x300F, 0, 0}},
};

struct splitter {
    const char *line;
    size_t len;
    size_t pos;
    char *scratch; /* the word being built; never longer than the line */
    size_t wlen;
    struct kith_words *out;
    size_t cap;
    struct kith_parse_error *err;
    bool lenient; /* an unclosed quote is an ordinary character (text taken verbatim) */
};

static kith_err fail(struct kith_parse_error *err, kith_err rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static kith_err fail(struct kith_parse_error *err, kith_err rc, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* strndup, through malloc so that allocation failures can be injected in tests. */
static char *copy_n(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (copy != NULL) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}

static uint32_t cp_at(const struct splitter *sp, size_t pos, size_t *n_out)
{
    uint32_t cp = 0;
    *n_out = kith_utf8_decode(sp->line + pos, sp->len - pos, &cp);
    return cp; /* the line was validated first, so *n_out > 0 */
}

static const struct quote *opening_quote(uint32_t cp)
{
    for (size_t i = 0; i < sizeof(QUOTES) / sizeof(QUOTES[0]); i++) {
        if (QUOTES[i].open == cp)
            return &QUOTES[i];
    }
    return NULL;
}

static bool closes(const struct quote *q, uint32_t cp)
{
    for (size_t i = 0; i < 3; i++) {
        if (q->close[i] != 0 && q->close[i] == cp)
            return true;
    }
    return false;
}

static bool space_at(const struct splitter *sp, size_t pos, size_t *n_out)
{
    size_t n;
    uint32_t cp = cp_at(sp, pos, &n);
    *n_out = n;
    return kith_unicode_is_space(cp);
}

/* Where a closing quote may stand: before whitespace or the end. This is what lets
 * 'don't worry' and ‘don’t worry’ keep their apostrophes. */
static bool at_word_end(const struct splitter *sp, size_t pos)
{
    size_t n;
    return pos >= sp->len || space_at(sp, pos, &n);
}

static void append(struct splitter *sp, const char *bytes, size_t n)
{
    memcpy(sp->scratch + sp->wlen, bytes, n);
    sp->wlen += n;
}

/* The rest of a word up to whitespace, quotes included. */
static void read_plain(struct splitter *sp)
{
    size_t n;
    while (sp->pos < sp->len && !space_at(sp, sp->pos, &n)) {
        append(sp, sp->line + sp->pos, n);
        sp->pos += n;
    }
}

static kith_err read_quoted(struct splitter *sp, const struct quote *q, size_t open_pos)
{
    size_t wlen_at_open = sp->wlen;
    while (sp->pos < sp->len) {
        const char *c = sp->line + sp->pos;
        if (c[0] == '\\' && (c[1] == '"' || c[1] == '\'' || c[1] == '\\')) {
            append(sp, c + 1, 1);
            sp->pos += 2;
            continue;
        }
        size_t n;
        uint32_t cp = cp_at(sp, sp->pos, &n);
        if (closes(q, cp) && at_word_end(sp, sp->pos + n)) {
            sp->pos += n;
            return KITH_OK;
        }
        append(sp, c, n);
        sp->pos += n;
    }
    if (sp->lenient) {
        sp->pos = open_pos;
        sp->wlen = wlen_at_open;
        read_plain(sp);
        return KITH_OK;
    }
    char quote[8], excerpt[128];
    size_t qlen;
    cp_at(sp, open_pos, &qlen);
    snprintf(quote, sizeof(quote), "%.*s", (int)qlen, sp->line + open_pos);
    kith_text_excerpt(sp->line + open_pos, EXCERPT_CHARS, excerpt, sizeof(excerpt));
    return fail(sp->err, KITH_ERR_INVALID, "unclosed quote %s starting at %s", quote, excerpt);
}

static kith_err push_word(struct splitter *sp, size_t start)
{
    struct kith_words *w = sp->out;
    if (w->count == sp->cap) {
        size_t cap = sp->cap ? sp->cap * 2 : 8;
        char **words = realloc(w->words, cap * sizeof(*words));
        if (words == NULL)
            return KITH_ERR_NOMEM;
        w->words = words;
        size_t *offsets = realloc(w->offsets, cap * sizeof(*offsets));
        if (offsets == NULL)
            return KITH_ERR_NOMEM;
        w->offsets = offsets;
        sp->cap = cap;
    }
    char *word = copy_n(sp->scratch, sp->wlen);
    if (word == NULL)
        return KITH_ERR_NOMEM;
    w->words[w->count] = word;
    w->offsets[w->count] = start;
    w->count++;
    return KITH_OK;
}

/* Reads one word starting at sp->pos (not whitespace). A quote opens a word only at its
 * start, or right after the '=' of "--name=", so "--reason="two words"" works. */
static kith_err read_word(struct splitter *sp)
{
    size_t start = sp->pos, n;
    bool option = kith_option_marker_len(sp->line + start) > 0, seen_eq = false;
    sp->wlen = 0;
    const struct quote *q = opening_quote(cp_at(sp, sp->pos, &n));
    if (q != NULL) {
        sp->pos += n;
        return read_quoted(sp, q, start);
    }
    while (sp->pos < sp->len && !space_at(sp, sp->pos, &n)) {
        append(sp, sp->line + sp->pos, n);
        sp->pos += n;
        if (option && !seen_eq && sp->line[sp->pos - 1] == '=' && sp->pos < sp->len) {
            seen_eq = true;
            q = opening_quote(cp_at(sp, sp->pos, &n));
            if (q != NULL) {
                size_t open_pos = sp->pos;
                sp->pos += n;
                return read_quoted(sp, q, open_pos);
            }
        }
    }
    return KITH_OK;
}

static kith_err check_utf8(const char *line, size_t len, struct kith_parse_error *err)
{
    size_t pos = 0;
    while (pos < len) {
        uint32_t cp;
        size_t n = kith_utf8_decode(line + pos, len - pos, &cp);
        if (n == 0)
            return fail(err, KITH_ERR_INVALID,
                        "the text is not valid UTF-8 (byte 0x%02X at position %zu)",
                        (unsigned)(unsigned char)line[pos], pos);
        pos += n;
    }
    return KITH_OK;
}

static kith_err split(struct splitter *sp)
{
    kith_err rc = check_utf8(sp->line, sp->len, sp->err);
    if (rc != KITH_OK)
        return rc;
    while (sp->pos < sp->len) {
        size_t n;
        if (space_at(sp, sp->pos, &n)) {
            sp->pos += n;
            continue;
        }
        size_t start = sp->pos;
        rc = read_word(sp);
        if (rc == KITH_OK)
            rc = push_word(sp, start);
        if (rc != KITH_OK)
            return rc;
    }
    return KITH_OK;
}

static kith_err split_line(const char *line, bool lenient, struct kith_words *out,
                           struct kith_parse_error *err)
{
    if (out == NULL)
        return KITH_ERR_INVALID;
    *out = (struct kith_words){0};
    if (line == NULL)
        return fail(err, KITH_ERR_INVALID, "no text to split");
    struct splitter sp = {
        .line = line, .len = strlen(line), .out = out, .err = err, .lenient = lenient};
    sp.scratch = malloc(sp.len + 1);
    if (sp.scratch == NULL)
        return fail(err, KITH_ERR_NOMEM, "out of memory");
    kith_err rc = split(&sp);
    free(sp.scratch);
    if (rc != KITH_OK) {
        kith_words_free(out);
        if (rc == KITH_ERR_NOMEM)
            fail(err, rc, "out of memory");
    }
    return rc;
}

kith_err kith_words_split(const char *line, struct kith_words *out, struct kith_parse_error *err)
{
    return split_line(line, false, out, err);
}

kith_err kith_words_split_lenient(const char *line, struct kith_words *out,
                                  struct kith_parse_error *err)
{
    return split_line(line, true, out, err);
}

void kith_words_free(struct kith_words *words)
{
    if (words == NULL)
        return;
    for (size_t i = 0; i < words->count; i++)
        free(words->words[i]);
    free(words->words);
    free(words->offsets);
    *words = (struct kith_words){0};
}

size_t kith_option_marker_len(const char *word)
{
    if (word == NULL)
        return 0;
    if (word[0] == '-' && word[1] == '-')
        return 2;
    /* U+2014 em dash and U+2013 en dash: iOS "smart punctuation" turns "--" into these. */
    if ((unsigned char)word[0] == 0xE2 && (unsigned char)word[1] == 0x80 &&
        ((unsigned char)word[2] == 0x94 || (unsigned char)word[2] == 0x93)) {
        char c = word[3];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            return 3;
    }
    return 0;
}

/* ---- Detection ---- */

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static size_t name_span(const char *s)
{
    size_t n = 0;
    while (is_name_char(s[n]))
        n++;
    return n;
}

/* Length of the whitespace code point at s, or 0 when there is none. */
static size_t space_len(const char *s)
{
    uint32_t cp;
    size_t n = kith_utf8_decode(s, strnlen(s, 4), &cp);
    return n > 0 && kith_unicode_is_space(cp) ? n : 0;
}

static bool same_name(const char *a, size_t alen, const char *b)
{
    if (b[0] == '@')
        b++;
    if (strlen(b) != alen)
        return false;
    return strncasecmp(a, b, alen) == 0;
}

kith_err kith_command_detect(const char *text, const char *bot_username, char **name_out,
                             const char **args_out)
{
    if (text == NULL || name_out == NULL || args_out == NULL)
        return KITH_ERR_INVALID;
    *name_out = NULL;
    *args_out = NULL;
    if (text[0] != '/' && text[0] != '!')
        return KITH_ERR_NOT_FOUND;
    const char *name = text + 1;
    size_t name_len = name_span(name);
    const char *p = name + name_len;
    if (name_len == 0 || name_len > NAME_MAX_LEN)
        return KITH_ERR_NOT_FOUND;
    if (text[0] == '/' && *p == '@') {
        /* Telegram addresses commands in groups: "/poll@KithBot". */
        size_t bot_len = name_span(p + 1);
        if (bot_len == 0)
            return KITH_ERR_NOT_FOUND;
        if (bot_username != NULL && !same_name(p + 1, bot_len, bot_username))
            return KITH_ERR_NOT_FOUND;
        p += 1 + bot_len;
    }
    /* "/usr/bin" or "!!!" is text, not a command: the name must end the word. */
    if (*p != '\0' && space_len(p) == 0)
        return KITH_ERR_NOT_FOUND;
    for (size_t n; (n = space_len(p)) > 0;)
        p += n;
    char *lower = copy_n(name, name_len);
    if (lower == NULL)
        return KITH_ERR_NOMEM;
    for (size_t i = 0; i < name_len; i++) {
        if (lower[i] >= 'A' && lower[i] <= 'Z')
            lower[i] = (char)(lower[i] - 'A' + 'a');
    }
    *name_out = lower;
    *args_out = p;
    return KITH_OK;
}
