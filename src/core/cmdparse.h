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
/* The same, except that a quote left open is an ordinary character: for commands whose last
 * option takes the rest of the line verbatim (`/note add say "hi", then leave`). */
kith_err kith_words_split_lenient(const char *line, struct kith_words *out,
                                  struct kith_parse_error *err);
void kith_words_free(struct kith_words *words);

/* Recognises a text command: "/name args", "!name args", "/name@botname args" (Telegram; only
 * when botname matches bot_username, compared case-insensitively, or bot_username is NULL).
 * On success *name_out is a malloc'd lower-case name and *args_out points into text. Returns
 * KITH_ERR_NOT_FOUND when text is not a command (plain message). The name must end at
 * whitespace or the end of text ("/usr/bin" is no command); *args_out skips the whitespace. */
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
kith_err kith_command_parse_structured(const struct kith_command_decl *decl, const char *subcommand,
                                       const struct kith_raw_option *options, size_t count,
                                       struct kith_parsed_command *out,
                                       struct kith_parse_error *err);

void kith_parsed_command_free(struct kith_parsed_command *cmd);

/* "90s", "15m", "2h", "7d", "1w", "1h30m", or a bare number of seconds. Rejects negatives,
 * overflow, unknown units and empty input. Units are case-insensitive, largest first, each
 * at most once. KITH_ERR_LIMIT when the value overflows int64, else KITH_ERR_INVALID. */
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
/* Decodes the code point at s (len bytes available) into *cp_out and returns its length in
 * bytes; returns 0 when the bytes there are not valid UTF-8 or len is 0. */
size_t kith_utf8_decode(const char *s, size_t len, uint32_t *cp_out);
/* Whether cp is Unicode whitespace, including the no-break space (U+00A0) phones insert. */
bool kith_unicode_is_space(uint32_t cp);
/* Copies at most max_chars code points of s into buf (size bytes) for quoting user input in a
 * message: control characters become spaces, invalid bytes '?', and a cut ends with "…". */
void kith_text_excerpt(const char *s, size_t max_chars, char *buf, size_t size);
/* Drops the code point that a truncating snprintf cut in half at the end of s, if any. */
void kith_utf8_trim_partial(char *s);
/* Removes trailing whitespace (Unicode, see kith_unicode_is_space) from s in place. */
void kith_utf8_trim_trailing_space(char *s);
/* Length of the option marker starting word: 2 for "--", 3 for the em or en dash that phones
 * substitute for "--" (only when a letter follows), 0 when word is no option. */
size_t kith_option_marker_len(const char *word);

/* How an option is named in error messages: "--name" (NAMED), "<name...>" (VARIADIC or
 * REST), "<name>". Writes into buf and returns it. */
const char *kith_option_label(const struct kith_option_decl *o, char *buf, size_t size);
/* Checks one value against an option's type and bounds and fills *v (all but v->name; no
 * values array). v->text points to text, to a constant, or into scratch, which must hold at
 * least strlen(text) + 32 bytes. KITH_ERR_INVALID with err naming text and the option. */
kith_err kith_option_value_parse(const struct kith_option_decl *o, const char *text, char *scratch,
                                 size_t scratch_size, struct kith_option_value *v,
                                 struct kith_parse_error *err);
/* The declared name nearest to a mistyped word, or NULL when none is close. decls is an array
 * of count structs of stride bytes that each start with `const char *name`
 * (kith_option_decl, kith_subcommand_decl). The result is borrowed from decls. */
const char *kith_closest_name(const char *word, const void *decls, size_t count, size_t stride);

#endif
