/* How a declared command is written, for members who got it wrong: the one-line usage and
 * the "did you mean" guess for a mistyped subcommand or option. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cmdparse.h"

#define GUESS_MAX_LEN 64

struct sbuf {
    char *s;
    size_t len, cap;
    bool failed;
};

static void sb_add(struct sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->s, cap);
        if (grown == NULL) {
            b->failed = true;
            return;
        }
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* What a value looks like, shown after a named option: "--duration <duration>". */
static const char *placeholder(kith_option_type type)
{
    switch (type) {
    case KITH_OPT_INTEGER:
    case KITH_OPT_NUMBER: return "<number>";
    case KITH_OPT_BOOLEAN: return "<yes|no>";
    case KITH_OPT_USER: return "<@member>";
    case KITH_OPT_CHANNEL: return "<#channel>";
    case KITH_OPT_ROLE: return "<role>";
    case KITH_OPT_DURATION: return "<duration>";
    case KITH_OPT_STRING: break;
    }
    return "<text>";
}

static void add_positional(struct sbuf *b, const struct kith_option_decl *o)
{
    bool many = (o->flags & (KITH_OPTF_VARIADIC | KITH_OPTF_REST)) != 0;
    bool required = (o->flags & KITH_OPTF_REQUIRED) != 0;
    sb_add(b, required ? " <" : " [");
    sb_add(b, o->name);
    sb_add(b, many ? "..." : "");
    sb_add(b, required ? ">" : "]");
}

static void add_named(struct sbuf *b, const struct kith_option_decl *o)
{
    bool required = (o->flags & KITH_OPTF_REQUIRED) != 0;
    sb_add(b, required ? " --" : " [--");
    sb_add(b, o->name);
    if (o->type != KITH_OPT_BOOLEAN) {
        sb_add(b, " ");
        sb_add(b, placeholder(o->type));
    }
    sb_add(b, required ? "" : "]");
}

/* Positional arguments first, as they must be typed in that order; then the --options. */
static void add_options(struct sbuf *b, const struct kith_option_decl *opts, size_t count)
{
    for (size_t i = 0; opts != NULL && i < count; i++) {
        if (!(opts[i].flags & KITH_OPTF_NAMED))
            add_positional(b, &opts[i]);
    }
    for (size_t i = 0; opts != NULL && i < count; i++) {
        if (opts[i].flags & KITH_OPTF_NAMED)
            add_named(b, &opts[i]);
    }
}

static const struct kith_subcommand_decl *find_subcommand(const struct kith_command_decl *decl,
                                                          const char *name)
{
    for (size_t i = 0; name != NULL && i < decl->subcommand_count; i++) {
        if (strcasecmp(decl->subcommands[i].name, name) == 0)
            return &decl->subcommands[i];
    }
    return NULL;
}

char *kith_command_usage(const struct kith_command_decl *decl, const char *subcommand)
{
    struct sbuf b = {0};
    if (decl == NULL || decl->name == NULL)
        return NULL;
    sb_add(&b, "/");
    sb_add(&b, decl->name);
    if (decl->subcommand_count == 0) {
        add_options(&b, decl->options, decl->option_count);
    } else {
        const struct kith_subcommand_decl *sub = find_subcommand(decl, subcommand);
        if (sub != NULL) {
            sb_add(&b, " ");
            sb_add(&b, sub->name);
            add_options(&b, sub->options, sub->option_count);
        } else {
            for (size_t i = 0; i < decl->subcommand_count; i++) {
                sb_add(&b, i == 0 ? " " : "|");
                sb_add(&b, decl->subcommands[i].name);
            }
        }
    }
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Edit distance counting a swap of two neighbours as one edit ("clsoe" -> "close").
 * Three rolling rows of the usual table: rows i-2, i-1 and i. */
static size_t distance(const char *a, size_t n, const char *b, size_t m)
{
    size_t rows[3][GUESS_MAX_LEN + 1];
    for (size_t j = 0; j <= m; j++)
        rows[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t *cur = rows[i % 3], *up = rows[(i - 1) % 3], *up2 = rows[(i - 2) % 3];
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t best = up[j - 1] + (lower(a[i - 1]) != lower(b[j - 1]));
            if (up[j] + 1 < best)
                best = up[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]) && up2[j - 2] + 1 < best)
                best = up2[j - 2] + 1;
            cur[j] = best;
        }
    }
    return rows[n % 3][m];
}

const char *kith_closest_name(const char *word, const void *decls, size_t count, size_t stride)
{
    size_t n = word != NULL ? strlen(word) : 0, best = SIZE_MAX;
    const char *guess = NULL;
    if (n == 0 || n > GUESS_MAX_LEN || decls == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        const char *name = *(const char *const *)((const char *)decls + i * stride);
        size_t m = name != NULL ? strlen(name) : 0;
        if (m == 0 || m > GUESS_MAX_LEN)
            continue;
        /* A short start of the name ("res" for "results") counts as a near miss. */
        bool prefix = n >= 2 && n < m && strncasecmp(word, name, n) == 0;
        size_t d = prefix ? 1 : distance(word, n, name, m);
        size_t allowed = m <= 4 ? 1 : 2;
        if (d <= allowed && d < best) {
            best = d;
            guess = name;
        }
    }
    return guess;
}
