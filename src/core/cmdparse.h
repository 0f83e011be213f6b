/* Command-line parsing for text commands: splitting into words (quotes, UTF-8), finding the
 * command and subcommand, and turning arguments into typed options checked against the
 * plugin's declaration. Errors name the exact bad argument and show the right usage. */
#ifndef KITH_CORE_CMDPARSE_H
#define KITH_CORE_CMDPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kith/plugin.h>

#define KITH_PARSE_ERROR_MAX 512

struct kith_parse_error {
    char message[KITH_PARSE_ERROR_MAX]; /* user-facing, one or two short sentences */
};

/* Words of a line. "two words" and 'two words' and “two words” are one word; backslash
 * escapes a quote inside quotes. offsets[i] is the byte offset where word i starts in the
 * input (for KITH_OPTF_REST). */
struct kith_words {
    char **words;
    size_t *offsets;
    size_t count;
};

/* KITH_ERR_INVALID for an unterminated quote or invalid UTF-8 (err says where). */
kith_err kith_words_split(const char *line, struct kith_words *out, struct kith_parse_error *err);
void kith_words_free(struct kith_words *words);

/* Recognises a text command: "/name args", "!name args", "/name@botname args" (Telegram; only
 * when botname matches bot_username, compared case-insensitively, or bot_username is NULL).
 * On success *name_out is a malloc'd lower-case name and *args_out points into text. Returns
 * KITH_ERR_NOT_FOUND when text is not a command (plain message). */
kith_err kith_command_detect(const char *text, const char *bot_username, char **name_out,
                             const char **args_out);

/* A parsed invocation; owns all its strings. options[] point into it. */
struct kith_parsed_command {
    char *name;
    char *subcommand; /* NULL when the command has none */
    struct kith_option_value *options;
    size_t option_count;
    char *raw_args;
    void *storage; /* internal */
};

/* Parses the argument text of `decl`: the subcommand word first if decl has subcommands, then
 * positional arguments in declaration order, `--name value`, `--flag`, `--name=value`.
 * Required options missing, unknown `--options`, surplus arguments, wrong types and bounds
 * are each a KITH_ERR_INVALID with a message naming the argument and showing usage. */
kith_err kith_command_parse(const struct kith_command_decl *decl, const char *args,
                            struct kith_parsed_command *out, struct kith_parse_error *err);

/* One option as a platform delivered it already split (Discord slash command options). */
struct kith_raw_option {
    const char *name;
    const char *value; /* as text */
};

/* Validates and types options that arrived structured rather than as text. */
kith_err kith_command_parse_structured(const struct kith_command_decl *decl,
                                       const char *subcommand,
                                       const struct kith_raw_option *options, size_t count,
                                       struct kith_parsed_command *out,
                                       struct kith_parse_error *err);

void kith_parsed_command_free(struct kith_parsed_command *cmd);

/* "90s", "15m", "2h", "7d", "1w", "1h30m", or a bare number of seconds. Rejects negatives,
 * overflow, unknown units and empty input. */
kith_err kith_duration_parse(const char *text, int64_t *seconds_out);
/* Formats seconds compactly ("1h30m", "7d"); writes at most size bytes. */
void kith_duration_format(int64_t seconds, char *buf, size_t size);

/* A one-line usage string for a command or subcommand, e.g.
 * "/poll create <question> <options...> [--multi] [--duration <duration>]". malloc'd. */
char *kith_command_usage(const struct kith_command_decl *decl, const char *subcommand);

/* Whether s is valid UTF-8 (no overlongs, no surrogates). */
bool kith_utf8_valid(const char *s, size_t len);
/* Number of code points in valid UTF-8 (for length limits in characters). */
size_t kith_utf8_length(const char *s);

#endif
