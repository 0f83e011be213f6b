/* Loading kithd's configuration: reads the libconfig file, walks it against the schema in
 * config_schema.c, applies the environment, and reports every problem with its file and line. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_schema.h"
#include "core/log.h"

#define NAME_MAX_COMPARED 64 /* longer names are never a typo of a known key */

static void vreport_at(struct kith_config_report *rep, const char *file, unsigned line,
                       const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
static void vreport_at(struct kith_config_report *rep, const char *file, unsigned line,
                       const char *fmt, va_list ap)
{
    rep->count++;
    if (rep->out == NULL)
        return;
    if (line > 0)
        fprintf(rep->out, "%s:%u: ", file, line);
    else
        fprintf(rep->out, "%s: ", file);
    vfprintf(rep->out, fmt, ap);
    fputc('\n', rep->out);
}

static void report_at(struct kith_config_report *rep, const char *file, unsigned line,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void report_at(struct kith_config_report *rep, const char *file, unsigned line,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport_at(rep, file, line, fmt, ap);
    va_end(ap);
}

void kith_config_report(struct kith_config_report *rep, const config_setting_t *where,
                        const char *fmt, ...)
{
    const char *file = rep->path;
    unsigned line = 0;
    if (where != NULL) {
        line = config_setting_source_line(where);
        if (config_setting_source_file(where) != NULL)
            file = config_setting_source_file(where); /* an @include'd file */
    }
    va_list ap;
    va_start(ap, fmt);
    vreport_at(rep, file, line, fmt, ap);
    va_end(ap);
}

const char *kith_config_type_name(const config_setting_t *setting)
{
    switch (config_setting_type(setting)) {
    case CONFIG_TYPE_GROUP: return "a group";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a decimal number";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_ARRAY: return "an array";
    case CONFIG_TYPE_LIST: return "a list";
    }
    return "an unknown type";
}

static void *field_at(struct kith_config *cfg, const struct kith_config_key *key)
{
    return (char *)cfg + key->offset;
}

static const struct kith_config_section *find_section(const char *name)
{
    for (size_t i = 0; i < kith_config_section_count; i++)
        if (strcmp(kith_config_sections[i].name, name) == 0)
            return &kith_config_sections[i];
    return NULL;
}

static const struct kith_config_key *find_key(const char *section, const char *name)
{
    for (size_t i = 0; i < kith_config_key_count; i++) {
        const struct kith_config_key *key = &kith_config_keys[i];
        if (strcmp(key->section, section) == 0 && strcmp(key->name, name) == 0)
            return key;
    }
    return NULL;
}

/* ---- suggestions for unknown names ---- */

/* Levenshtein distance, ignoring case; SIZE_MAX for names too long to be a typo. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > NAME_MAX_COMPARED || lb > NAME_MAX_COMPARED)
        return SIZE_MAX;
    size_t row[NAME_MAX_COMPARED + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diagonal + cost;
            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

/* Keeps `candidate` in *best when it is closer to `name` than what is there and close enough
 * to be a plausible typo. */
static void consider(const char *name, const char *candidate, const char **best,
                     size_t *best_distance)
{
    size_t distance = edit_distance(name, candidate);
    size_t allowed = strlen(name) / 3 > 2 ? strlen(name) / 3 : 2;
    if (distance <= allowed && distance < strlen(name) && distance < *best_distance) {
        *best = candidate;
        *best_distance = distance;
    }
}

static const char *suggest_key(const char *section, const char *name)
{
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (size_t i = 0; i < kith_config_key_count; i++)
        if (strcmp(kith_config_keys[i].section, section) == 0)
            consider(name, kith_config_keys[i].name, &best, &best_distance);
    return best;
}

static const char *suggest_section(const char *name)
{
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (size_t i = 0; i < kith_config_section_count; i++)
        consider(name, kith_config_sections[i].name, &best, &best_distance);
    return best;
}

/* The first section that has a key called `name`, for a key written outside any section. */
static const char *section_of_key(const char *name)
{
    for (size_t i = 0; i < kith_config_key_count; i++)
        if (strcmp(kith_config_keys[i].name, name) == 0)
            return kith_config_keys[i].section;
    return NULL;
}

static void report_unknown_section(struct kith_config_report *rep, const config_setting_t *s)
{
    const char *name = config_setting_name(s);
    const char *guess = suggest_section(name);
    const char *home = config_setting_is_group(s) ? NULL : section_of_key(name);
    if (home != NULL)
        kith_config_report(rep, s, "\"%s\" must be inside a section, e.g. %s = { %s = ...; }", name,
                           home, name);
    else if (guess != NULL)
        kith_config_report(rep, s, "unknown section \"%s\"; did you mean \"%s\"?", name, guess);
    else
        kith_config_report(rep, s,
                           "unknown section \"%s\" (the sections are store, plugins, "
                           "discord, telegram, matrix, dashboard and log)",
                           name);
}

static void report_unknown_key(struct kith_config_report *rep, const char *section,
                               const config_setting_t *s)
{
    const char *name = config_setting_name(s);
    const char *guess = suggest_key(section, name);
    if (guess != NULL)
        kith_config_report(rep, s, "unknown key \"%s\" in section \"%s\"; did you mean \"%s\"?",
                           name, section, guess);
    else
        kith_config_report(rep, s, "unknown key \"%s\" in section \"%s\"", name, section);
}

/* ---- reading ---- */

/* @include paths are resolved next to the configuration file, wherever kithd runs from. */
static kith_err set_include_dir(config_t *lc, const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return KITH_ERR_NOMEM;
    config_set_include_dir(lc, dirname(copy)); /* libconfig keeps its own copy */
    free(copy);
    return KITH_OK;
}

static kith_err read_file(config_t *lc, const char *path, struct kith_config_report *rep)
{
    kith_err err = set_include_dir(lc, path);
    if (err != KITH_OK)
        return err;
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        report_at(rep, path, 0, "cannot open: %s", strerror(errno));
        return KITH_ERR_IO;
    }
    int ok = config_read(lc, file);
    fclose(file);
    if (!ok) {
        const char *where = config_error_file(lc) ? config_error_file(lc) : path;
        int line = config_error_line(lc);
        report_at(rep, where, line > 0 ? (unsigned)line : 0, "%s", config_error_text(lc));
        return KITH_ERR_INVALID;
    }
    return KITH_OK;
}

static kith_err apply_defaults(struct kith_config *cfg)
{
    for (size_t i = 0; i < kith_config_key_count; i++) {
        kith_err err =
            kith_config_apply_default(&kith_config_keys[i], field_at(cfg, &kith_config_keys[i]));
        if (err != KITH_OK)
            return err;
    }
    return KITH_OK;
}

/* Reads every member of one section; problems are reported and reading goes on. */
static kith_err read_section(struct kith_config_report *rep, struct kith_config *cfg,
                             const struct kith_config_section *section,
                             const config_setting_t *group)
{
    int length = config_setting_length(group);
    for (int i = 0; i < length; i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const struct kith_config_key *key = find_key(section->name, config_setting_name(s));
        if (key == NULL) {
            report_unknown_key(rep, section->name, s);
            continue;
        }
        if (key->parse(rep, s, key, field_at(cfg, key)) == KITH_ERR_NOMEM)
            return KITH_ERR_NOMEM;
    }
    return KITH_OK;
}

static kith_err read_root(struct kith_config_report *rep, struct kith_config *cfg,
                          const config_setting_t *root)
{
    int length = config_setting_length(root);
    for (int i = 0; i < length; i++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const struct kith_config_section *section = find_section(config_setting_name(s));
        if (section == NULL) {
            report_unknown_section(rep, s);
            continue;
        }
        if (!config_setting_is_group(s)) {
            kith_config_report(rep, s, "%s must be a group { ... }, not %s", section->name,
                               kith_config_type_name(s));
            continue;
        }
        if (read_section(rep, cfg, section, s) == KITH_ERR_NOMEM)
            return KITH_ERR_NOMEM;
    }
    return KITH_OK;
}

/* The environment wins over the file, so secrets can stay out of it. */
static kith_err read_environment(struct kith_config_report *rep, struct kith_config *cfg)
{
    for (size_t i = 0; i < kith_config_key_count; i++) {
        const struct kith_config_key *key = &kith_config_keys[i];
        const char *value = key->env != NULL ? getenv(key->env) : NULL;
        if (value == NULL || value[0] == '\0')
            continue;
        if (kith_config_take_env(rep, key, field_at(cfg, key), value) == KITH_ERR_NOMEM)
            return KITH_ERR_NOMEM;
    }
    return KITH_OK;
}

/* The section's group, or NULL when it is absent (or not a group, reported already). */
static const config_setting_t *section_group(const config_setting_t *root,
                                             const struct kith_config_section *section)
{
    const config_setting_t *group = config_setting_get_member(root, section->name);
    return group != NULL && config_setting_is_group(group) ? group : NULL;
}

static bool section_enabled(const struct kith_config *cfg,
                            const struct kith_config_section *section)
{
    return section->has_switch && *(const bool *)((const char *)cfg + section->enabled_offset);
}

/* A missing value has no line of its own: point at `enabled`, which is what demands it. */
static void check_required(struct kith_config_report *rep, const struct kith_config *cfg,
                           const struct kith_config_section *section, const config_setting_t *group)
{
    if (!section_enabled(cfg, section))
        return;
    const config_setting_t *where = config_setting_get_member(group, "enabled");
    for (size_t i = 0; i < kith_config_key_count; i++) {
        const struct kith_config_key *key = &kith_config_keys[i];
        if (!(key->flags & KITH_CONFIG_REQUIRED) || strcmp(key->section, section->name) != 0)
            continue;
        if (*(char *const *)((const char *)cfg + key->offset) != NULL)
            continue;
        if (key->env != NULL)
            kith_config_report(rep, where != NULL ? where : group,
                               "%s is enabled but %s.%s is not set (set it here or in %s)",
                               section->name, section->name, key->name, key->env);
        else
            kith_config_report(rep, where != NULL ? where : group,
                               "%s is enabled but %s.%s is not set", section->name, section->name,
                               key->name);
    }
}

static void check_sections(struct kith_config_report *rep, const struct kith_config *cfg,
                           const config_setting_t *root)
{
    for (size_t i = 0; i < kith_config_section_count; i++) {
        const struct kith_config_section *section = &kith_config_sections[i];
        const config_setting_t *group = section_group(root, section);
        check_required(rep, cfg, section, group);
        if (section->check != NULL)
            section->check(rep, cfg, group);
    }
}

static void register_secrets(const struct kith_config *cfg)
{
    for (size_t i = 0; i < kith_config_key_count; i++) {
        const struct kith_config_key *key = &kith_config_keys[i];
        if (key->flags & KITH_CONFIG_SECRET)
            kith_log_add_secret(*(char *const *)((const char *)cfg + key->offset));
    }
}

/* Everything after the file parsed: the schema walk, the environment, cross-key rules. */
static kith_err read_config(struct kith_config_report *rep, struct kith_config *cfg,
                            const config_setting_t *root)
{
    kith_err err = apply_defaults(cfg);
    if (err == KITH_OK)
        err = read_root(rep, cfg, root);
    if (err == KITH_OK)
        err = read_environment(rep, cfg);
    if (err == KITH_OK)
        check_sections(rep, cfg, root);
    if (err == KITH_OK && rep->count > 0)
        err = KITH_ERR_INVALID;
    return err;
}

kith_err kith_config_load(const char *path, struct kith_config *out, FILE *errors)
{
    memset(out, 0, sizeof *out);
    struct kith_config_report rep = {.path = path, .out = errors};
    struct kith_config cfg = {0};
    config_t lc;
    config_init(&lc);
    kith_err err = read_file(&lc, path, &rep);
    if (err == KITH_OK)
        err = read_config(&rep, &cfg, config_root_setting(&lc));
    config_destroy(&lc);
    if (err == KITH_OK) {
        cfg.path = strdup(path);
        if (cfg.path == NULL)
            err = KITH_ERR_NOMEM;
    }
    if (err == KITH_ERR_NOMEM)
        report_at(&rep, path, 0, "out of memory while reading the configuration");
    if (err != KITH_OK) {
        kith_config_free(&cfg);
        return err;
    }
    register_secrets(&cfg);
    *out = cfg;
    return KITH_OK;
}

void kith_config_free(struct kith_config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < kith_config_key_count; i++)
        kith_config_release(&kith_config_keys[i], field_at(cfg, &kith_config_keys[i]));
    free(cfg->path);
    memset(cfg, 0, sizeof *cfg);
}
