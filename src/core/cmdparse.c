/* Turning a command's argument text, or options a platform delivered already split, into typed
 * options checked against the plugin's declaration; errors name the argument and show usage. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cmdparse.h"

#define EXCERPT_CHARS 40
#define NONE SIZE_MAX

/* What one declared option has collected so far. */
struct slot {
    bool given;
    struct kith_option_value value; /* the first value, typed; strings in the arena */
    const char **texts;             /* malloc'd: every value in order (VARIADIC) */
    size_t count, cap;
};

struct parser {
    const struct kith_command_decl *decl;
    const struct kith_subcommand_decl *sub; /* NULL when the command has none */
    const struct kith_option_decl *opts;
    size_t opt_count;
    struct slot *slots; /* one per declared option */
    struct arena *arena;
    struct kith_parse_error *err;
};

/* ---- Arena: a parsed command's strings and arrays, released together ---- */

struct arena {
    struct arena *next;
    size_t used, cap;
    max_align_t data[];
};

static void *arena_alloc(struct arena **head, size_t size)
{
    size_t unit = sizeof(max_align_t);
    if (size > SIZE_MAX / 2)
        return NULL;
    size = size == 0 ? unit : (size + unit - 1) / unit * unit;
    struct arena *a = *head;
    if (a == NULL || a->cap - a->used < size) {
        size_t cap = size > 4096 ? size : 4096;
        a = malloc(sizeof(*a) + cap);
        if (a == NULL)
            return NULL;
        *a = (struct arena){.next = *head, .cap = cap};
        *head = a;
    }
    void *ptr = (char *)a->data + a->used;
    a->used += size;
    return ptr;
}

static char *arena_strndup(struct arena **head, const char *s, size_t len)
{
    char *copy = arena_alloc(head, len + 1);
    if (copy != NULL) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

static char *arena_strdup(struct arena **head, const char *s)
{
    return arena_strndup(head, s, strlen(s));
}

static void arena_free(struct arena *a)
{
    while (a != NULL) {
        struct arena *next = a->next;
        free(a);
        a = next;
    }
}

/* "create, close, list" */
static void join_subcommands(const struct kith_command_decl *d, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < d->subcommand_count && len < size; i++) {
        const char *name = d->subcommands[i].name;
        int n = snprintf(buf + len, size - len, "%s%s", i > 0 ? ", " : "", name);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    kith_utf8_trim_partial(buf);
}

/* ---- Errors ---- */

static kith_err fail_v(struct parser *p, bool usage, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static kith_err fail_v(struct parser *p, bool usage, const char *fmt, va_list ap)
{
    if (p->err == NULL)
        return KITH_ERR_INVALID;
    char *msg = p->err->message;
    size_t size = sizeof(p->err->message);
    vsnprintf(msg, size, fmt, ap);
    char *line = usage ? kith_command_usage(p->decl, p->sub ? p->sub->name : NULL) : NULL;
    if (line != NULL) {
        size_t len = strlen(msg);
        snprintf(msg + len, size - len, "\nUsage: %s", line);
        free(line);
    }
    kith_utf8_trim_partial(msg);
    return KITH_ERR_INVALID;
}

/* A mistake in the arguments: the message ends with the usage line. */
static kith_err fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static kith_err fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kith_err rc = fail_v(p, true, fmt, ap);
    va_end(ap);
    return rc;
}

/* A mistake about the subcommand: the message lists the subcommands instead of a usage. */
static kith_err fail_plain(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static kith_err fail_plain(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kith_err rc = fail_v(p, false, fmt, ap);
    va_end(ap);
    return rc;
}

static kith_err no_memory(struct parser *p)
{
    if (p->err != NULL)
        snprintf(p->err->message, sizeof(p->err->message), "out of memory");
    return KITH_ERR_NOMEM;
}

#define LABEL(o) kith_option_label((o), (char[48]){0}, 48)
#define EXCERPT(s) excerpt((s), (char[EXCERPT_CHARS * 4 + 4]){0}, EXCERPT_CHARS * 4 + 4)

static const char *excerpt(const char *s, char *buf, size_t size)
{
    kith_text_excerpt(s, EXCERPT_CHARS, buf, size);
    return buf;
}

/* ---- Collecting values ---- */

static bool slot_reserve(struct slot *s)
{
    if (s->count < s->cap)
        return true;
    size_t cap = s->cap ? s->cap * 2 : 4;
    const char **texts = realloc(s->texts, cap * sizeof(*texts));
    if (texts == NULL)
        return false;
    s->texts = texts;
    s->cap = cap;
    return true;
}

/* Types text for option k and appends it; v.text is copied into the arena. */
static kith_err add_value(struct parser *p, size_t k, const char *text)
{
    const struct kith_option_decl *o = &p->opts[k];
    struct slot *s = &p->slots[k];
    struct kith_parse_error value_err;
    struct kith_option_value v;
    if (s->given && !(o->flags & KITH_OPTF_VARIADIC))
        return fail(p, "%s was given twice", LABEL(o));
    size_t size = strlen(text) + 32;
    char *scratch = malloc(size);
    if (scratch == NULL)
        return no_memory(p);
    kith_err rc = kith_option_value_parse(o, text, scratch, size, &v, &value_err);
    if (rc == KITH_OK)
        v.text = arena_strdup(&p->arena, v.text);
    free(scratch);
    if (rc != KITH_OK)
        return fail(p, "%s", value_err.message);
    if (v.text == NULL || !slot_reserve(s))
        return no_memory(p);
    s->texts[s->count++] = v.text;
    if (!s->given)
        s->value = v;
    s->given = true;
    return KITH_OK;
}

/* The option a word names ("duration", "duration=2h", "no-multi"); NONE when unknown. */
static size_t resolve_option(const struct parser *p, const char *word, bool *negated)
{
    size_t len = strcspn(word, "=");
    *negated = false;
    for (size_t k = 0; k < p->opt_count; k++) {
        if (strlen(p->opts[k].name) == len && strncasecmp(p->opts[k].name, word, len) == 0)
            return k;
    }
    if (len > 3 && strncasecmp(word, "no-", 3) == 0) {
        for (size_t k = 0; k < p->opt_count; k++) {
            const struct kith_option_decl *o = &p->opts[k];
            if (o->type == KITH_OPT_BOOLEAN && strlen(o->name) == len - 3 &&
                strncasecmp(o->name, word + 3, len - 3) == 0) {
                *negated = true;
                return k;
            }
        }
    }
    return NONE;
}

static kith_err unknown_option(struct parser *p, const char *name)
{
    const char *guess = kith_closest_name(name, p->opts, p->opt_count, sizeof(*p->opts));
    if (guess != NULL)
        return fail(p, "unknown option \"--%s\"; did you mean \"--%s\"?", EXCERPT(name), guess);
    return fail(p, "unknown option \"--%s\"", EXCERPT(name));
}

static kith_err select_subcommand(struct parser *p, const char *word)
{
    const struct kith_command_decl *d = p->decl;
    char list[256];
    if (d->subcommand_count == 0) {
        p->opts = d->options;
        p->opt_count = d->options != NULL ? d->option_count : 0;
        if (word != NULL)
            return fail(p, "/%s has no subcommand \"%s\"", d->name, EXCERPT(word));
        return KITH_OK;
    }
    join_subcommands(d, list, sizeof(list));
    if (word == NULL)
        return fail_plain(p, "/%s needs a subcommand. Subcommands: %s", d->name, list);
    for (size_t i = 0; i < d->subcommand_count; i++) {
        if (strcasecmp(d->subcommands[i].name, word) == 0) {
            p->sub = &d->subcommands[i];
            p->opts = p->sub->options;
            p->opt_count = p->sub->options != NULL ? p->sub->option_count : 0;
            return KITH_OK;
        }
    }
    const char *guess =
        kith_closest_name(word, d->subcommands, d->subcommand_count, sizeof(*d->subcommands));
    if (guess != NULL)
        return fail_plain(p,
                          "unknown subcommand \"%s\" for /%s; did you mean \"%s\"? "
                          "Subcommands: %s",
                          EXCERPT(word), d->name, guess, list);
    return fail_plain(p, "unknown subcommand \"%s\" for /%s. Subcommands: %s", EXCERPT(word),
                      d->name, list);
}

/* ---- Reading argument text ---- */

/* Whether word i is an unquoted "--name..." naming a declared option. */
static bool names_option(const struct parser *p, const char *args, const struct kith_words *w,
                         size_t i)
{
    size_t marker = kith_option_marker_len(args + w->offsets[i]);
    bool negated;
    return marker > 0 && resolve_option(p, w->words[i] + marker, &negated) != NONE;
}

/* A REST option takes the line verbatim from word *i up to a trailing declared option
 * ("/faq add Q | A --keywords k") or the end; *i is left on its last word. */
static kith_err read_rest(struct parser *p, size_t k, const char *args, const struct kith_words *w,
                          size_t *i, bool options_done)
{
    size_t end = *i + 1;
    while (end < w->count && (options_done || !names_option(p, args, w, end)))
        end++;
    if (end == *i + 1) /* one word: take it unquoted, so "--literal" can be passed */
        return add_value(p, k, w->words[*i]);
    size_t from = w->offsets[*i], to = end < w->count ? w->offsets[end] : strlen(args);
    char *text = arena_strndup(&p->arena, args + from, to - from);
    if (text == NULL)
        return no_memory(p);
    kith_utf8_trim_trailing_space(text);
    *i = end - 1;
    return add_value(p, k, text);
}

/* "--name value", "--name=value", "--flag", "--no-flag"; *i is left on the last word used. */
static kith_err read_option(struct parser *p, const char *args, const struct kith_words *w,
                            size_t *i, size_t marker)
{
    const char *word = w->words[*i] + marker;
    const char *eq = strchr(word, '=');
    bool negated;
    size_t k = resolve_option(p, word, &negated);
    if (k == NONE) {
        char *name = arena_strndup(&p->arena, word, strcspn(word, "="));
        return name != NULL ? unknown_option(p, name) : no_memory(p);
    }
    const struct kith_option_decl *o = &p->opts[k];
    if (o->type == KITH_OPT_BOOLEAN) {
        if (negated && eq != NULL)
            return fail(p, "--no-%s takes no value", o->name);
        return add_value(p, k, negated ? "false" : eq != NULL ? eq + 1 : "true");
    }
    if (eq != NULL)
        return add_value(p, k, eq + 1);
    if (*i + 1 >= w->count || kith_option_marker_len(args + w->offsets[*i + 1]) > 0)
        return fail(p, "--%s needs a value", o->name);
    (*i)++;
    if (o->flags & KITH_OPTF_REST)
        return read_rest(p, k, args, w, i, false);
    return add_value(p, k, w->words[*i]);
}

/* The option the next positional word fills, or NONE. A VARIADIC option keeps the place. */
static size_t next_positional(const struct parser *p, size_t *cursor)
{
    while (*cursor < p->opt_count) {
        size_t k = *cursor;
        unsigned flags = p->opts[k].flags;
        if (flags & KITH_OPTF_NAMED) {
            (*cursor)++;
            continue;
        }
        if (flags & KITH_OPTF_VARIADIC)
            return k;
        (*cursor)++;
        if (!p->slots[k].given)
            return k;
    }
    return NONE;
}

static kith_err read_words(struct parser *p, const char *args, const struct kith_words *w,
                           size_t first)
{
    bool options_done = false; /* after a bare "--", everything is positional */
    size_t cursor = 0;
    kith_err rc = KITH_OK;
    for (size_t i = first; i < w->count && rc == KITH_OK; i++) {
        const char *raw = args + w->offsets[i];
        size_t marker = options_done ? 0 : kith_option_marker_len(raw);
        if (marker == 2 && w->words[i][2] == '\0') {
            options_done = true;
            continue;
        }
        if (marker > 0) {
            rc = read_option(p, args, w, &i, marker);
            continue;
        }
        size_t k = next_positional(p, &cursor);
        if (k == NONE)
            rc = fail(p, "unexpected argument \"%s\"", EXCERPT(w->words[i]));
        else if (p->opts[k].flags & KITH_OPTF_REST)
            rc = read_rest(p, k, args, w, &i, options_done);
        else
            rc = add_value(p, k, w->words[i]);
    }
    return rc;
}

static kith_err check_required(struct parser *p)
{
    for (size_t k = 0; k < p->opt_count; k++) {
        if ((p->opts[k].flags & KITH_OPTF_REQUIRED) && !p->slots[k].given)
            return fail(p, "missing %s", LABEL(&p->opts[k]));
    }
    return KITH_OK;
}

/* ---- Results ---- */

static kith_err parser_start(struct parser *p, const struct kith_command_decl *decl,
                             struct kith_parse_error *err)
{
    *p = (struct parser){.decl = decl, .err = err};
    if (err != NULL)
        err->message[0] = '\0';
    if (decl == NULL || decl->name == NULL ||
        (decl->subcommand_count > 0 && decl->subcommands == NULL)) {
        if (err != NULL)
            snprintf(err->message, sizeof(err->message), "no command declaration");
        return KITH_ERR_INVALID;
    }
    return KITH_OK;
}

static kith_err parser_make_slots(struct parser *p)
{
    if (p->opt_count == 0)
        return KITH_OK;
    p->slots = calloc(p->opt_count, sizeof(*p->slots));
    return p->slots != NULL ? KITH_OK : no_memory(p);
}

static void parser_finish(struct parser *p)
{
    for (size_t k = 0; p->slots != NULL && k < p->opt_count; k++)
        free(p->slots[k].texts);
    free(p->slots);
    arena_free(p->arena);
    *p = (struct parser){0};
}

/* Moves what was collected into out (given options only, in declaration order). */
static kith_err build_result(struct parser *p, const char *raw_args,
                             struct kith_parsed_command *out)
{
    size_t given = 0, n = 0;
    for (size_t k = 0; k < p->opt_count; k++)
        given += p->slots[k].given;
    struct kith_parsed_command r = {0};
    r.name = arena_strdup(&p->arena, p->decl->name);
    r.raw_args = arena_strdup(&p->arena, raw_args);
    r.subcommand = p->sub != NULL ? arena_strdup(&p->arena, p->sub->name) : NULL;
    r.options = given > 0 ? arena_alloc(&p->arena, given * sizeof(*r.options)) : NULL;
    if (r.name == NULL || r.raw_args == NULL || (p->sub && !r.subcommand) || (given && !r.options))
        return no_memory(p);
    for (size_t k = 0; k < p->opt_count; k++) {
        struct slot *s = &p->slots[k];
        if (!s->given)
            continue;
        const char **values = arena_alloc(&p->arena, s->count * sizeof(*values));
        struct kith_option_value *v = &r.options[n++];
        *v = s->value;
        v->name = arena_strdup(&p->arena, p->opts[k].name);
        if (values == NULL || v->name == NULL)
            return no_memory(p);
        memcpy(values, s->texts, s->count * sizeof(*values));
        v->values = values;
        v->value_count = s->count;
    }
    r.option_count = given;
    r.storage = p->arena;
    p->arena = NULL;
    *out = r;
    return KITH_OK;
}

/* When the line cannot even be split, its first word still shows which usage to print. */
static void guess_subcommand(struct parser *p, const char *args)
{
    size_t len = strspn(args, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
    for (size_t i = 0; i < p->decl->subcommand_count && len > 0; i++) {
        const char *name = p->decl->subcommands[i].name;
        if (strlen(name) == len && strncasecmp(name, args, len) == 0)
            p->sub = &p->decl->subcommands[i];
    }
}

/* Whether the (guessed) command or subcommand ends in a REST option: its text is taken
 * verbatim, so an unbalanced quote in it is no error. */
static bool ends_in_rest(struct parser *p, const char *args)
{
    const struct kith_option_decl *opts = p->decl->options;
    size_t count = p->decl->option_count;
    if (p->decl->subcommand_count > 0) {
        p->sub = NULL;
        guess_subcommand(p, args + strspn(args, " \t\n"));
        if (p->sub == NULL)
            return false;
        opts = p->sub->options;
        count = p->sub->option_count;
    }
    return count > 0 && (opts[count - 1].flags & KITH_OPTF_REST);
}

kith_err kith_command_parse(const struct kith_command_decl *decl, const char *args,
                            struct kith_parsed_command *out, struct kith_parse_error *err)
{
    struct parser p;
    struct kith_words w = {0};
    struct kith_parse_error split_err;
    if (out == NULL)
        return KITH_ERR_INVALID;
    *out = (struct kith_parsed_command){0};
    kith_err rc = parser_start(&p, decl, err);
    if (rc != KITH_OK)
        return rc;
    if (args == NULL)
        args = "";
    rc = kith_words_split(args, &w, &split_err);
    if (rc == KITH_ERR_INVALID && ends_in_rest(&p, args))
        rc = kith_words_split_lenient(args, &w, &split_err);
    if (rc == KITH_ERR_INVALID) {
        guess_subcommand(&p, args);
        rc = fail(&p, "%s", split_err.message);
    } else if (rc != KITH_OK)
        rc = no_memory(&p);
    size_t first = decl->subcommand_count > 0 ? 1 : 0;
    if (rc == KITH_OK)
        rc = select_subcommand(&p, first > 0 && w.count > 0 ? w.words[0] : NULL);
    if (rc == KITH_OK)
        rc = parser_make_slots(&p);
    if (rc == KITH_OK)
        rc = read_words(&p, args, &w, first);
    if (rc == KITH_OK)
        rc = check_required(&p);
    if (rc == KITH_OK)
        rc = build_result(&p, w.count > first ? args + w.offsets[first] : "", out);
    parser_finish(&p);
    kith_words_free(&w);
    return rc;
}

/* ---- Structured options (Discord slash commands) ---- */

static kith_err add_structured(struct parser *p, const struct kith_raw_option *ro)
{
    size_t k = NONE;
    for (size_t i = 0; ro->name != NULL && i < p->opt_count && k == NONE; i++) {
        if (strcasecmp(p->opts[i].name, ro->name) == 0)
            k = i;
    }
    if (k == NONE)
        return unknown_option(p, ro->name != NULL ? ro->name : "");
    const struct kith_option_decl *o = &p->opts[k];
    const char *value = ro->value;
    if (value == NULL && o->type != KITH_OPT_BOOLEAN)
        return fail(p, "%s needs a value", LABEL(o));
    if (value == NULL)
        value = "true";
    if (!kith_utf8_valid(value, strlen(value)))
        return fail(p, "the value of %s is not valid UTF-8", LABEL(o));
    if (!(o->flags & KITH_OPTF_VARIADIC))
        return add_value(p, k, value);
    /* A platform has no list-valued options, so a variadic one arrives as words in one text. */
    struct kith_words w;
    struct kith_parse_error split_err;
    kith_err rc = kith_words_split(value, &w, &split_err);
    if (rc == KITH_ERR_INVALID)
        return fail(p, "%s: %s", LABEL(o), split_err.message);
    if (rc != KITH_OK)
        return no_memory(p);
    for (size_t i = 0; i < w.count && rc == KITH_OK; i++)
        rc = add_value(p, k, w.words[i]);
    kith_words_free(&w);
    return rc;
}

/* The options as a line kith_command_parse would read the same way: --name="value" ...
 * Returns malloc'd text, NULL when out of memory. */
static char *raw_args_new(const struct kith_raw_option *options, size_t count)
{
    size_t size = 1;
    for (size_t i = 0; i < count; i++) {
        const char *value = options[i].value;
        size += strlen(options[i].name) + 7 + (value != NULL ? 2 * strlen(value) : 0);
    }
    char *out = malloc(size), *w = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        w += sprintf(w, "%s--%s", i > 0 ? " " : "", options[i].name);
        if (options[i].value == NULL)
            continue;
        *w++ = '=';
        *w++ = '"';
        for (const char *v = options[i].value; *v; v++) {
            if (*v == '"' || *v == '\\')
                *w++ = '\\';
            *w++ = *v;
        }
        *w++ = '"';
    }
    *w = '\0';
    return out;
}

kith_err kith_command_parse_structured(const struct kith_command_decl *decl, const char *subcommand,
                                       const struct kith_raw_option *options, size_t count,
                                       struct kith_parsed_command *out,
                                       struct kith_parse_error *err)
{
    struct parser p;
    if (out == NULL)
        return KITH_ERR_INVALID;
    *out = (struct kith_parsed_command){0};
    kith_err rc = parser_start(&p, decl, err);
    if (rc != KITH_OK)
        return rc;
    if (options == NULL)
        count = 0;
    rc = select_subcommand(&p, subcommand);
    if (rc == KITH_OK)
        rc = parser_make_slots(&p);
    for (size_t i = 0; i < count && rc == KITH_OK; i++)
        rc = add_structured(&p, &options[i]);
    if (rc == KITH_OK)
        rc = check_required(&p);
    if (rc == KITH_OK) {
        char *raw = raw_args_new(options, count);
        rc = raw != NULL ? build_result(&p, raw, out) : no_memory(&p);
        free(raw);
    }
    parser_finish(&p);
    return rc;
}

void kith_parsed_command_free(struct kith_parsed_command *cmd)
{
    if (cmd == NULL)
        return;
    arena_free(cmd->storage);
    *cmd = (struct kith_parsed_command){0};
}
