/* The checks a descriptor passes before any plugin code runs. */
#include "check.h"
#include "core/plugin_host.h"

static void noop_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    (void)ctx;
    (void)ev;
}

static const struct kith_option_decl add_options[] = {
    {"question", "what to ask", KITH_OPT_STRING, KITH_OPTF_REQUIRED, 0, 0},
    {"answers", "the choices", KITH_OPT_STRING, KITH_OPTF_VARIADIC, 0, 0},
};
static const struct kith_subcommand_decl poll_subs[] = {
    {"create", "make a poll", KITH_ROLE_MANAGER, add_options, 2},
};
static const struct kith_command_decl poll_cmd[] = {
    {"poll", "polls", KITH_ROLE_MEMBER, NULL, 0, poll_subs, 1},
};
static const struct kith_migration migrations[] = {
    {1, "CREATE TABLE good_a(x);"},
    {2, "CREATE TABLE good_b(x);"},
};

static struct kith_plugin good(void)
{
    return (struct kith_plugin){
        KITH_PLUGIN_HEADER,       .name = "good",       .commands = poll_cmd,   .command_count = 1,
        .migrations = migrations, .migration_count = 2, .on_event = noop_event,
    };
}

TEST(test_valid_descriptor_passes)
{
    struct kith_plugin p = good();
    char err[256] = "";
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_OK);
}

TEST(test_descriptor_of_an_older_minor_passes_and_a_truncated_one_is_refused)
{
    struct kith_plugin p = good();
    char err[256] = "";
    p.abi_minor = 0;
    p.size = (uint32_t)KITH_PLUGIN_SIZE_1_0; /* built before validate_setting existed */
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_OK);
    CHECK(!KITH_PLUGIN_HAS(&p, validate_setting));
    p.size = (uint32_t)KITH_PLUGIN_SIZE_1_0 - 1;
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_VERSION);
    CHECK_CONTAINS(err, "smaller than ABI 1.0's");
}

TEST(test_other_abi_major_is_refused_naming_both_versions)
{
    struct kith_plugin p = good();
    p.abi_major = KITH_ABI_MAJOR + 1;
    p.abi_minor = 3;
    char err[256], expected[64];
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_VERSION);
    snprintf(expected, sizeof expected, "ABI %d.3", KITH_ABI_MAJOR + 1);
    CHECK_CONTAINS(err, expected);
    snprintf(expected, sizeof expected, "ABI %d.%d", KITH_ABI_MAJOR, KITH_ABI_MINOR);
    CHECK_CONTAINS(err, expected);
}

TEST(test_bad_names_are_refused)
{
    struct kith_plugin p = good();
    char err[256];
    p.name = "Polls";
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
    p.name = "9lives";
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
    p.name = NULL;
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
}

TEST(test_migration_gap_is_refused)
{
    static const struct kith_migration gap[] = {{1, "CREATE TABLE good_a(x);"},
                                                {3, "CREATE TABLE good_c(x);"}};
    struct kith_plugin p = good();
    p.migrations = gap;
    char err[256];
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
    CHECK_CONTAINS(err, "numbered 3");
}

TEST(test_variadic_option_must_be_last)
{
    static const struct kith_option_decl wrong[] = {
        {"answers", "choices", KITH_OPT_STRING, KITH_OPTF_VARIADIC, 0, 0},
        {"question", "ask", KITH_OPT_STRING, KITH_OPTF_REQUIRED, 0, 0},
    };
    static const struct kith_command_decl cmd[] = {{"ask", "ask", 0, wrong, 2, NULL, 0}};
    struct kith_plugin p = good();
    p.commands = cmd;
    char err[256];
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
    CHECK_CONTAINS(err, "\"answers\"");
}

TEST(test_setting_default_must_be_valid)
{
    static const struct kith_setting_decl settings[] = {
        {"limit", "how many", KITH_SETTING_INTEGER, "50", 1, 10, NULL},
    };
    struct kith_plugin p = good();
    p.settings = settings;
    p.setting_count = 1;
    char err[256];
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
    CHECK_CONTAINS(err, "default \"50\"");
}

TEST(test_enum_setting_needs_choices)
{
    static const struct kith_setting_decl settings[] = {
        {"mode", "which", KITH_SETTING_ENUM, NULL, 0, 0, NULL},
    };
    struct kith_plugin p = good();
    p.settings = settings;
    p.setting_count = 1;
    char err[256];
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
}

TEST(test_counts_without_their_tables_are_refused_not_read)
{
    char err[256];
    struct kith_plugin p = good();
    p.commands = NULL;
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
    CHECK_CONTAINS(err, "1 command(s) but no table of them");

    p = good();
    p.setting_count = 2;
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
    CHECK_CONTAINS(err, "2 setting(s) but no table of them");

    p = good();
    p.migrations = NULL;
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
    CHECK_CONTAINS(err, "2 migration(s) but no table of them");

    static const struct kith_subcommand_decl hollow_subs[] = {
        {"create", "make a poll", KITH_ROLE_MANAGER, NULL, 2},
    };
    static const struct kith_command_decl hollow_cmd[] = {
        {"poll", "polls", KITH_ROLE_MEMBER, NULL, 0, hollow_subs, 1},
        {"vote", "vote", KITH_ROLE_MEMBER, NULL, 0, NULL, 3},
    };
    p = good();
    p.commands = hollow_cmd;
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
    CHECK_CONTAINS(err, "command /poll create: 2 option(s) but no table of them");
    p.commands = &hollow_cmd[1];
    CHECK_INT(kith_plugin_check_descriptor(&p, err, sizeof err), KITH_ERR_INVALID);
    CHECK_CONTAINS(err, "command /vote: 3 subcommand(s) but no table of them");
}
