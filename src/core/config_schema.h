/* The schema of kithd's configuration file: one table row per key, shared by the loader
 * (config.c) and the value parsers and cross-key rules (config_schema.c). */
#ifndef KITH_CORE_CONFIG_SCHEMA_H
#define KITH_CORE_CONFIG_SCHEMA_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/config.h"

/* Where problems go: one "FILE:LINE: message" line each, counted. */
struct kith_config_report {
    const char *path; /* the file given to kith_config_load */
    FILE *out;
    int count;
};

/* Writes one problem located at `where` (NULL: the file as a whole, no line number). The
 * message must never contain a secret's value. */
void kith_config_report(struct kith_config_report *rep, const config_setting_t *where,
                        const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "a string", "an integer", ... for messages about a value of the wrong type. */
const char *kith_config_type_name(const config_setting_t *setting);

/* How a field is stored in struct kith_config; drives defaults and freeing. */
enum kith_config_storage {
    KITH_CONFIG_STR,    /* char *, owned by the config */
    KITH_CONFIG_INT,    /* int */
    KITH_CONFIG_INT64,  /* int64_t */
    KITH_CONFIG_BOOL,   /* bool */
    KITH_CONFIG_LEVEL,  /* kith_log_level */
    KITH_CONFIG_SHARDS, /* the whole struct kith_discord_config (shards_auto, shard_count) */
    KITH_CONFIG_NAMES,  /* the whole struct kith_plugins_config (load, load_count) */
};

/* Flags, for string keys only. */
#define KITH_CONFIG_SECRET 0x1u   /* never printed; registered with the log for redaction */
#define KITH_CONFIG_REQUIRED 0x2u /* must be set (file or environment) when enabled */

struct kith_config_key;

/* Reads `setting` into `field` (the key's field inside struct kith_config). Returns KITH_OK,
 * KITH_ERR_INVALID after reporting the problem (the field keeps its default), or
 * KITH_ERR_NOMEM. */
typedef kith_err (*kith_config_parse_fn)(struct kith_config_report *rep,
                                         const config_setting_t *setting,
                                         const struct kith_config_key *key, void *field);

struct kith_config_key {
    const char *section;
    const char *name;
    kith_config_parse_fn parse;
    enum kith_config_storage storage;
    size_t offset;              /* of the field within struct kith_config */
    long long min, max;         /* integers: the range; strings: min is the shortest length */
    long long def_int;          /* default of integers, booleans and choices (an index) */
    const char *def_str;        /* default of strings; NULL: unset */
    const char *const *choices; /* NULL-terminated: the words of a choice, or URL schemes */
    const char *env;            /* environment variable that overrides the file, or NULL */
    unsigned flags;             /* KITH_CONFIG_SECRET, KITH_CONFIG_REQUIRED */
};

/* Rules that relate several keys of one section, run after every key and the environment
 * have been read. `group` is the section's setting, NULL when the section is absent. */
typedef void (*kith_config_check_fn)(struct kith_config_report *rep, const struct kith_config *cfg,
                                     const config_setting_t *group);

struct kith_config_section {
    const char *name;
    bool has_switch;       /* the section has an `enabled` key */
    size_t enabled_offset; /* of that bool within struct kith_config */
    kith_config_check_fn check;
};

extern const struct kith_config_key kith_config_keys[];
extern const size_t kith_config_key_count;
extern const struct kith_config_section kith_config_sections[];
extern const size_t kith_config_section_count;

/* Sets the key's field to its default (a string is copied). */
kith_err kith_config_apply_default(const struct kith_config_key *key, void *field);

/* Frees what the key's field owns and clears it. */
void kith_config_release(const struct kith_config_key *key, void *field);

/* Validates `value`, taken from the key's environment variable, and stores a copy in the
 * key's (string) field. Problems are reported under the variable's name. */
kith_err kith_config_take_env(struct kith_config_report *rep, const struct kith_config_key *key,
                              void *field, const char *value);

#endif
