/* libFuzzer target: any bytes a member can type go through word splitting, command detection
 * and typed parsing without a crash, a leak or undefined behaviour. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmdparse.h"

static const struct kith_option_decl create_options[] = {
    {"question", "q", KITH_OPT_STRING, KITH_OPTF_REQUIRED, 1, 300},
    {"multi", "m", KITH_OPT_BOOLEAN, KITH_OPTF_NAMED, 0, 0},
    {"duration", "d", KITH_OPT_DURATION, KITH_OPTF_NAMED, 60, 2592000},
    {"limit", "l", KITH_OPT_INTEGER, KITH_OPTF_NAMED, 1, 10},
    {"who", "w", KITH_OPT_USER, KITH_OPTF_NAMED, 0, 0},
    {"answers", "a", KITH_OPT_STRING, KITH_OPTF_VARIADIC | KITH_OPTF_REQUIRED, 0, 0},
};
static const struct kith_option_decl add_options[] = {
    {"text", "t", KITH_OPT_STRING, KITH_OPTF_REST | KITH_OPTF_REQUIRED, 0, 0},
};
static const struct kith_subcommand_decl subs[] = {
    {"create", "c", KITH_ROLE_MANAGER, create_options, 6},
    {"add", "a", KITH_ROLE_MEMBER, add_options, 1},
};
static const struct kith_command_decl poll = {"poll", "p", KITH_ROLE_MEMBER, NULL, 0, subs, 2};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    struct kith_words words;
    struct kith_parse_error err;
    if (kith_words_split(text, &words, &err) == KITH_OK)
        kith_words_free(&words);

    char *name = NULL;
    const char *args = NULL;
    if (kith_command_detect(text, "kithbot", &name, &args) == KITH_OK)
        free(name);

    struct kith_parsed_command cmd;
    if (kith_command_parse(&poll, text, &cmd, &err) == KITH_OK)
        kith_parsed_command_free(&cmd);

    int64_t seconds;
    kith_duration_parse(text, &seconds);
    free(text);
    return 0;
}
