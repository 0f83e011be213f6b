/* Plugin settings validated against their declared schema, as an admin would type them. */
#include <stdlib.h>

#include "check.h"
#include "core/settings.h"

static const char *const creators_choices[] = {"managers", "members", NULL};

static const struct kith_setting_decl creators = {
    "creators", "who may create polls", KITH_SETTING_ENUM, "managers", 0, 0, creators_choices};
static const struct kith_setting_decl max_options = {
    "max_options", "options per poll", KITH_SETTING_INTEGER, "10", 2, 20, NULL};
static const struct kith_setting_decl grace = {
    "grace", "time before removal", KITH_SETTING_DURATION, "7d", 3600, 90 * 86400, NULL};
static const struct kith_setting_decl dry_run = {
    "dry_run", "log only", KITH_SETTING_BOOLEAN, "false", 0, 0, NULL};
static const struct kith_setting_decl log_channel = {
    "log_channel", "where to log", KITH_SETTING_CHANNEL, NULL, 0, 0, NULL};
static const struct kith_setting_decl greeting = {
    "greeting", "text", KITH_SETTING_STRING, "Hallo", 1, 10, NULL};

/* Validates and returns the stored form ("" on refusal, with the reason in reason). */
static char stored[256], reason[256];
static kith_err try(const struct kith_setting_decl *d, const char *value)
{
    char *out = NULL;
    stored[0] = reason[0] = '\0';
    kith_err err = kith_setting_validate(d, "discord", value, &out, reason, sizeof reason);
    if (out != NULL)
        snprintf(stored, sizeof stored, "%s", out);
    free(out);
    return err;
}

TEST(test_admin_sets_enum_in_any_case)
{
    CHECK_INT(try(&creators, "Members"), KITH_OK);
    CHECK_STR(stored, "members");
    CHECK_INT(try(&creators, "everyone"), KITH_ERR_INVALID);
    CHECK_CONTAINS(reason, "\"everyone\"");
    CHECK_CONTAINS(reason, "one of: managers, members");
}

TEST(test_integer_bounds_are_named)
{
    CHECK_INT(try(&max_options, "12"), KITH_OK);
    CHECK_STR(stored, "12");
    CHECK_INT(try(&max_options, "21"), KITH_ERR_INVALID);
    CHECK_CONTAINS(reason, "from 2 to 20");
    CHECK_INT(try(&max_options, "ten"), KITH_ERR_INVALID);
    CHECK_CONTAINS(reason, "\"ten\"");
    CHECK_INT(try(&max_options, "99999999999999999999"), KITH_ERR_INVALID);
}

TEST(test_duration_is_stored_in_seconds_and_shown_compactly)
{
    CHECK_INT(try(&grace, "2d12h"), KITH_OK);
    CHECK_STR(stored, "216000");
    char *shown = kith_setting_display(&grace, "216000");
    CHECK_STR(shown, "2d12h");
    free(shown);
    CHECK_INT(try(&grace, "30m"), KITH_ERR_INVALID); /* below the 1h minimum */
    CHECK_CONTAINS(reason, "from 1h to 90d");
    CHECK_INT(try(&grace, "soon"), KITH_ERR_INVALID);
}

TEST(test_boolean_words)
{
    CHECK_INT(try(&dry_run, "on"), KITH_OK);
    CHECK_STR(stored, "true");
    CHECK_INT(try(&dry_run, "NO"), KITH_OK);
    CHECK_STR(stored, "false");
    CHECK_INT(try(&dry_run, "maybe"), KITH_ERR_INVALID);
}

TEST(test_channel_mention_becomes_prefixed_id)
{
    CHECK_INT(try(&log_channel, "<#81384788765712384>"), KITH_OK);
    CHECK_STR(stored, "discord:81384788765712384");
    CHECK_INT(try(&log_channel, "discord:42"), KITH_OK);
    CHECK_STR(stored, "discord:42");
    CHECK_INT(try(&log_channel, "two words"), KITH_ERR_INVALID);
}

TEST(test_string_length_counts_characters_not_bytes)
{
    CHECK_INT(try(&greeting, "Привет"), KITH_OK);                /* 6 characters, 12 bytes */
    CHECK_INT(try(&greeting, "Здравствуйте"), KITH_ERR_INVALID); /* 12 characters */
    CHECK_INT(try(&greeting, "\xff"), KITH_ERR_INVALID);
}

TEST(test_matrix_room_given_for_a_channel_setting_gets_its_prefix)
{
    char *out = NULL;
    CHECK_INT(kith_setting_validate(&log_channel, "matrix", "!lobby:example.org", &out, reason,
                                    sizeof reason),
              KITH_OK);
    CHECK_STR(out, "matrix:!lobby:example.org");
    free(out);
    out = NULL;
    CHECK_INT(kith_setting_validate(&log_channel, "matrix", "matrix:!lobby:example.org", &out,
                                    reason, sizeof reason),
              KITH_OK);
    CHECK_STR(out, "matrix:!lobby:example.org");
    free(out);
}
