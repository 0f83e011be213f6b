/* Parsing command arguments against plugin declarations: what members in many languages and
 * on many phones type, and the exact message they get back when it is wrong. */
#include "check.h"
#include "core/cmdparse.h"

/* ---- Declarations like the real plugins' ---- */

static const struct kith_option_decl POLL_CREATE[] = {
    {"question", "The question", KITH_OPT_STRING, KITH_OPTF_REQUIRED, 1, 300},
    {"options", "The answers", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_VARIADIC, 1, 55},
    {"multi", "Allow several answers", KITH_OPT_BOOLEAN, KITH_OPTF_NAMED, 0, 0},
    {"anonymous", "Hide who voted", KITH_OPT_BOOLEAN, KITH_OPTF_NAMED, 0, 0},
    {"duration", "Close after", KITH_OPT_DURATION, KITH_OPTF_NAMED, 60, 30 * 86400},
};
static const struct kith_option_decl POLL_ID[] = {
    {"id", "Poll number", KITH_OPT_INTEGER, KITH_OPTF_REQUIRED, 1, 0},
};
static const struct kith_subcommand_decl POLL_SUBS[] = {
    {"create", "Start a poll", KITH_ROLE_MEMBER, POLL_CREATE, 5},
    {"close", "Close a poll", KITH_ROLE_MEMBER, POLL_ID, 1},
    {"results", "Show results", KITH_ROLE_MEMBER, POLL_ID, 1},
    {"list", "Open polls", KITH_ROLE_MEMBER, NULL, 0},
    {"export", "CSV of votes", KITH_ROLE_MANAGER, POLL_ID, 1},
};
static const struct kith_command_decl POLL = {"poll",    "Polls", KITH_ROLE_MEMBER, NULL, 0,
                                              POLL_SUBS, 5};

static const struct kith_option_decl FAQ_ADD[] = {
    {"entry", "question | answer", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_REST, 0, 0},
    {"keywords", "Extra words", KITH_OPT_STRING, KITH_OPTF_NAMED, 0, 0},
};
static const struct kith_subcommand_decl FAQ_SUBS[] = {
    {"add", "Add an entry", KITH_ROLE_MANAGER, FAQ_ADD, 2},
    {"remove", "Remove an entry", KITH_ROLE_MANAGER, POLL_ID, 1},
};
static const struct kith_command_decl FAQ = {"faq", "FAQ", KITH_ROLE_MEMBER, NULL, 0, FAQ_SUBS, 2};

static const struct kith_option_decl TIMEOUT_OPTS[] = {
    {"member", "Who", KITH_OPT_USER, KITH_OPTF_REQUIRED, 0, 0},
    {"length", "How long", KITH_OPT_DURATION, KITH_OPTF_REQUIRED, 60, 28 * 86400},
    {"reason", "Why", KITH_OPT_STRING, KITH_OPTF_REST, 0, 100},
    {"silent", "Do not announce", KITH_OPT_BOOLEAN, KITH_OPTF_NAMED, 0, 0},
};
static const struct kith_command_decl TIMEOUT = {
    "timeout", "Time a member out", KITH_ROLE_MANAGER, TIMEOUT_OPTS, 4, NULL, 0};

static const struct kith_option_decl GIVE_OPTS[] = {
    {"member", "Who", KITH_OPT_USER, KITH_OPTF_REQUIRED, 0, 0},
    {"points", "How many", KITH_OPT_INTEGER, KITH_OPTF_REQUIRED, -1000, 1000},
    {"factor", "Multiplier", KITH_OPT_NUMBER, KITH_OPTF_NAMED, 0, 10},
    {"limit", "Cap", KITH_OPT_INTEGER, KITH_OPTF_NAMED, 0, 0},
};
static const struct kith_command_decl GIVE = {
    "give", "Give points", KITH_ROLE_MANAGER, GIVE_OPTS, 4, NULL, 0};

static const struct kith_option_decl ANNOUNCE_OPTS[] = {
    {"channel", "Where", KITH_OPT_CHANNEL, KITH_OPTF_REQUIRED, 0, 0},
    {"role", "Whom to ping", KITH_OPT_ROLE, KITH_OPTF_NAMED, 0, 0},
    {"text", "What", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_REST, 1, 0},
};
static const struct kith_command_decl ANNOUNCE = {
    "announce", "Announce", KITH_ROLE_ADMIN, ANNOUNCE_OPTS, 3, NULL, 0};

#define POLL_CREATE_USAGE                                                                          \
    "\nUsage: /poll create <question> <options...> [--multi] [--anonymous] "                       \
    "[--duration <duration>]"

/* ---- Helpers ---- */

static const struct kith_option_value *opt(const struct kith_parsed_command *c, const char *name)
{
    for (size_t i = 0; i < c->option_count; i++) {
        if (strcmp(c->options[i].name, name) == 0)
            return &c->options[i];
    }
    return NULL;
}

static const char *opt_text(const struct kith_parsed_command *c, const char *name)
{
    const struct kith_option_value *v = opt(c, name);
    return v != NULL ? v->text : NULL;
}

static int64_t opt_int(const struct kith_parsed_command *c, const char *name)
{
    const struct kith_option_value *v = opt(c, name);
    CHECK(v != NULL);
    return v != NULL ? v->integer : INT64_MIN;
}

static bool parse_ok(const struct kith_command_decl *decl, const char *args,
                     struct kith_parsed_command *out)
{
    struct kith_parse_error err = {{0}};
    kith_err rc = kith_command_parse(decl, args, out, &err);
    if (rc != KITH_OK)
        fprintf(stderr, "  parse \"%s\" failed: %s\n", args, err.message);
    CHECK_INT(rc, KITH_OK);
    return rc == KITH_OK;
}

/* The parse fails with exactly this message, and leaves nothing behind. */
static void check_error(const struct kith_command_decl *decl, const char *args, const char *message)
{
    struct kith_parsed_command out;
    struct kith_parse_error err = {{0}};
    CHECK_INT(kith_command_parse(decl, args, &out, &err), KITH_ERR_INVALID);
    CHECK_STR(err.message, message);
    CHECK(out.name == NULL && out.options == NULL && out.storage == NULL);
    CHECK_INT(out.option_count, 0);
}

static void check_values(const struct kith_option_value *v, const char *const *expected)
{
    size_t n = 0;
    while (expected[n] != NULL)
        n++;
    REQUIRE(v != NULL);
    CHECK_INT(v->value_count, n);
    for (size_t i = 0; i < n && i < v->value_count; i++)
        CHECK_STR(v->values[i], expected[i]);
    CHECK_STR(v->text, expected[0]);
}

#define VALUES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- Languages and phones ---- */

TEST(test_german_poll_survives_intact)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, "create \"Wann treffen wir uns?\" \"Montag früh\" Dienstag", &c));
    CHECK_STR(c.name, "poll");
    CHECK_STR(c.subcommand, "create");
    CHECK_STR(opt_text(&c, "question"), "Wann treffen wir uns?");
    check_values(opt(&c, "options"), VALUES("Montag früh", "Dienstag"));
    CHECK_STR(c.raw_args, "\"Wann treffen wir uns?\" \"Montag früh\" Dienstag");
    CHECK_INT(c.option_count, 2);
    kith_parsed_command_free(&c);
    CHECK(c.storage == NULL && c.name == NULL);
}

TEST(test_russian_poll_survives_intact)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, "create \"Какой день?\" Понедельник Вторник", &c));
    CHECK_STR(opt_text(&c, "question"), "Какой день?");
    check_values(opt(&c, "options"), VALUES("Понедельник", "Вторник"));
    kith_parsed_command_free(&c);
}

TEST(test_emoji_poll_survives_intact)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, "create \"🍕 or 🍔?\" 🍕 🍔", &c));
    CHECK_STR(opt_text(&c, "question"), "🍕 or 🍔?");
    check_values(opt(&c, "options"), VALUES("🍕", "🍔"));
    kith_parsed_command_free(&c);
}

TEST(test_phone_typographic_quotes_make_one_argument)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, "create “Pizza or pasta?” „Pizza mit Käse“ «Паста с сыром»", &c));
    CHECK_STR(opt_text(&c, "question"), "Pizza or pasta?");
    check_values(opt(&c, "options"), VALUES("Pizza mit Käse", "Паста с сыром"));
    kith_parsed_command_free(&c);
}

TEST(test_apostrophe_inside_a_word_stays_in_the_word)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, "create What's don't can’t", &c));
    CHECK_STR(opt_text(&c, "question"), "What's");
    check_values(opt(&c, "options"), VALUES("don't", "can’t"));
    kith_parsed_command_free(&c);
}

TEST(test_phone_em_dash_works_as_double_hyphen)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, "create Q A B —duration 2h –multi", &c));
    CHECK_INT(opt_int(&c, "duration"), 7200);
    CHECK_INT(opt_int(&c, "multi"), 1);
    check_values(opt(&c, "options"), VALUES("A", "B"));
    kith_parsed_command_free(&c);
}

TEST(test_unterminated_quote_is_reported_with_usage)
{
    check_error(&POLL, "create \"two words A B",
                "unclosed quote \" starting at \"two words A B" POLL_CREATE_USAGE);
}

TEST(test_invalid_utf8_byte_is_rejected)
{
    check_error(&POLL, "create Q \xFF A",
                "the text is not valid UTF-8 (byte 0xFF at position 9)" POLL_CREATE_USAGE);
}

/* ---- Shapes of arguments ---- */

TEST(test_variadic_option_takes_every_remaining_word)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, "create Q A B --multi C \"D E\"", &c));
    check_values(opt(&c, "options"), VALUES("A", "B", "C", "D E"));
    CHECK_INT(opt_int(&c, "multi"), 1);
    kith_parsed_command_free(&c);
}

TEST(test_variadic_required_option_needs_at_least_one_word)
{
    check_error(&POLL, "create \"Lunch?\"", "missing <options...>" POLL_CREATE_USAGE);
}

TEST(test_rest_option_takes_the_line_verbatim)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&FAQ, "add How do I join?  |  Click \"Join\" in #welcome  ", &c));
    CHECK_STR(opt_text(&c, "entry"), "How do I join?  |  Click \"Join\" in #welcome");
    CHECK(opt(&c, "keywords") == NULL);
    kith_parsed_command_free(&c);
}

TEST(test_rest_option_stops_at_a_trailing_declared_option)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&FAQ, "add How do I join? | Use --help --keywords join,signup", &c));
    CHECK_STR(opt_text(&c, "entry"), "How do I join? | Use --help");
    CHECK_STR(opt_text(&c, "keywords"), "join,signup");
    kith_parsed_command_free(&c);
    REQUIRE(parse_ok(&FAQ, "add --keywords x -- Q | A --keywords y", &c));
    CHECK_STR(opt_text(&c, "entry"), "Q | A --keywords y");
    CHECK_STR(opt_text(&c, "keywords"), "x");
    kith_parsed_command_free(&c);
}

TEST(test_rest_option_of_one_quoted_word_is_unquoted)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&FAQ, "add \"--weird question\"", &c));
    CHECK_STR(opt_text(&c, "entry"), "--weird question");
    kith_parsed_command_free(&c);
}

TEST(test_moderator_gives_a_timeout_with_a_reason)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&TIMEOUT, "<@!81384788765712384> 10m posting   invite links", &c));
    CHECK_STR(c.subcommand, NULL);
    CHECK_STR(opt_text(&c, "member"), "81384788765712384");
    CHECK_INT(opt_int(&c, "length"), 600);
    CHECK_STR(opt_text(&c, "length"), "10m");
    CHECK_STR(opt_text(&c, "reason"), "posting   invite links");
    CHECK_STR(c.raw_args, "<@!81384788765712384> 10m posting   invite links");
    kith_parsed_command_free(&c);
}

TEST(test_rest_option_respects_its_length_bound)
{
    char args[200] = "@bob 1h ";
    memset(args + 8, 'x', 101);
    check_error(&TIMEOUT, args,
                "<reason...> must be at most 100 characters long, not 101\nUsage: /timeout "
                "<member> <length> [reason...] [--silent]");
}

TEST(test_positional_option_can_be_given_by_name)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, "create --question \"Tea or coffee?\" Tea Coffee", &c));
    CHECK_STR(opt_text(&c, "question"), "Tea or coffee?");
    check_values(opt(&c, "options"), VALUES("Tea", "Coffee"));
    kith_parsed_command_free(&c);
    check_error(&POLL, "create Q A --question again",
                "<question> was given twice" POLL_CREATE_USAGE);
}

TEST(test_double_hyphen_ends_options)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, "create -- --multi \"--x\" -5", &c));
    CHECK_STR(opt_text(&c, "question"), "--multi");
    check_values(opt(&c, "options"), VALUES("--x", "-5"));
    CHECK(opt(&c, "multi") == NULL);
    kith_parsed_command_free(&c);
}

TEST(test_option_value_with_spaces_after_equals)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&TIMEOUT, "@bob 1h --silent=\"yes\"", &c));
    CHECK_INT(opt_int(&c, "silent"), 1);
    kith_parsed_command_free(&c);
}

/* ---- Types ---- */

TEST(test_duration_option_is_delivered_in_seconds)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, "create Q A B --duration 2h", &c));
    const struct kith_option_value *d = opt(&c, "duration");
    REQUIRE(d != NULL);
    CHECK_INT(d->integer, 7200);
    CHECK_INT(d->type, KITH_OPT_DURATION);
    CHECK_STR(d->text, "2h");
    kith_parsed_command_free(&c);
    REQUIRE(parse_ok(&POLL, "create Q A --duration=90m", &c));
    CHECK_INT(opt_int(&c, "duration"), 5400);
    CHECK_STR(opt_text(&c, "duration"), "1h30m");
    kith_parsed_command_free(&c);
}

TEST(test_bad_duration_names_the_argument)
{
    check_error(
        &POLL, "create Q A B --duration 2x",
        "\"2x\" is not a duration for --duration; try 90s, 15m, 2h, 7d or 1h30m" POLL_CREATE_USAGE);
    check_error(
        &POLL, "create Q A --duration 99999999999999999999w",
        "\"99999999999999999999w\" is too long a duration for --duration" POLL_CREATE_USAGE);
}

TEST(test_duration_out_of_bounds_is_shown_as_durations)
{
    check_error(&POLL, "create Q A --duration 30s",
                "--duration must be between 1m and 30d, not 30s" POLL_CREATE_USAGE);
    check_error(&POLL, "create Q A --duration 5w",
                "--duration must be between 1m and 30d, not 35d" POLL_CREATE_USAGE);
}

TEST(test_integer_overflow_is_reported)
{
    check_error(&POLL, "close 99999999999999999999",
                "\"99999999999999999999\" is too large for <id>\nUsage: /poll close <id>");
    check_error(&GIVE, "@bob -99999999999999999999",
                "\"-99999999999999999999\" is too small for <points>\nUsage: /give <member> "
                "<points> [--factor <number>] [--limit <number>]");
}

TEST(test_integer_extremes_still_fit)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&GIVE, "@bob 1 --limit -9223372036854775808", &c));
    CHECK(opt_int(&c, "limit") == INT64_MIN);
    kith_parsed_command_free(&c);
    REQUIRE(parse_ok(&GIVE, "@bob 1 --limit 9223372036854775807", &c));
    CHECK(opt_int(&c, "limit") == INT64_MAX);
    kith_parsed_command_free(&c);
}

TEST(test_integer_out_of_range_is_reported)
{
    check_error(&POLL, "close 0", "<id> must be at least 1, not 0\nUsage: /poll close <id>");
    check_error(&GIVE, "@bob 5000",
                "<points> must be between -1000 and 1000, not 5000\nUsage: /give <member> "
                "<points> [--factor <number>] [--limit <number>]");
    check_error(&POLL, "results 3rd",
                "\"3rd\" is not a whole number for <id>\nUsage: /poll results <id>");
}

TEST(test_string_length_is_counted_in_characters)
{
    /* 55 emoji are 220 bytes but only 55 characters: allowed */
    char args[512] = "create Q ";
    for (int i = 0; i < 55; i++)
        strcat(args, "🍕");
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, args, &c));
    kith_parsed_command_free(&c);
    strcat(args, "🍕");
    check_error(&POLL, args,
                "<options...> must be between 1 and 55 characters long, not 56" POLL_CREATE_USAGE);
    check_error(&POLL, "create \"\" A",
                "<question> must be between 1 and 300 characters long, not 0" POLL_CREATE_USAGE);
}

TEST(test_number_option_accepts_decimal_commas)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&GIVE, "@bob 10 --factor 2,5", &c));
    const struct kith_option_value *f = opt(&c, "factor");
    REQUIRE(f != NULL);
    CHECK(f->number == 2.5);
    kith_parsed_command_free(&c);
    const char *usage = "\nUsage: /give <member> <points> [--factor <number>] [--limit <number>]";
    char expected[256];
    snprintf(expected, sizeof(expected), "\"inf\" is not a number for --factor%s", usage);
    check_error(&GIVE, "@bob 1 --factor inf", expected);
    snprintf(expected, sizeof(expected), "\"1,2,3\" is not a number for --factor%s", usage);
    check_error(&GIVE, "@bob 1 --factor 1,2,3", expected);
    snprintf(expected, sizeof(expected), "--factor must be between 0 and 10, not 10.5%s", usage);
    check_error(&GIVE, "@bob 1 --factor 10.5", expected);
}

TEST(test_boolean_flag_forms)
{
    static const struct {
        const char *args;
        int64_t expected;
    } cases[] = {
        {"create Q A --multi", 1},    {"create Q A --multi=yes", 1},   {"create Q A --multi=ON", 1},
        {"create Q A --multi=1", 1},  {"create Q A --multi=false", 0}, {"create Q A --multi=No", 0},
        {"create Q A --no-multi", 0}, {"create Q A --MULTI", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct kith_parsed_command c;
        if (!parse_ok(&POLL, cases[i].args, &c))
            continue;
        const struct kith_option_value *m = opt(&c, "multi");
        REQUIRE(m != NULL);
        CHECK_INT(m->integer, cases[i].expected);
        CHECK_STR(m->text, cases[i].expected ? "true" : "false");
        kith_parsed_command_free(&c);
    }
}

TEST(test_boolean_flag_mistakes_are_reported)
{
    check_error(&POLL, "create Q A --multi=maybe",
                "\"maybe\" is not yes or no for --multi" POLL_CREATE_USAGE);
    check_error(&POLL, "create Q A --no-multi=yes", "--no-multi takes no value" POLL_CREATE_USAGE);
    check_error(&POLL, "create Q A --multi --multi", "--multi was given twice" POLL_CREATE_USAGE);
}

TEST(test_member_channel_and_role_mentions_lose_their_decoration)
{
    static const struct {
        const char *args, *member;
    } users[] = {
        {"<@123> 1", "123"},          {"<@!456> 1", "456"},
        {"@alice 1", "@alice"},       {"@bob:matrix.org 1", "@bob:matrix.org"},
        {"987654321 1", "987654321"},
    };
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        struct kith_parsed_command c;
        if (!parse_ok(&GIVE, users[i].args, &c))
            continue;
        CHECK_STR(opt_text(&c, "member"), users[i].member);
        kith_parsed_command_free(&c);
    }
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&ANNOUNCE, "<#42> --role <@&77> Hello everyone", &c));
    CHECK_STR(opt_text(&c, "channel"), "42");
    CHECK_STR(opt_text(&c, "role"), "77");
    CHECK_STR(opt_text(&c, "text"), "Hello everyone");
    kith_parsed_command_free(&c);
    REQUIRE(parse_ok(&ANNOUNCE, "-1001234567890 --role \"Event Team\" Hi", &c));
    CHECK_STR(opt_text(&c, "channel"), "-1001234567890");
    CHECK_STR(opt_text(&c, "role"), "Event Team");
    kith_parsed_command_free(&c);
    REQUIRE(parse_ok(&ANNOUNCE, "!room:example.org Hi", &c));
    CHECK_STR(opt_text(&c, "channel"), "!room:example.org");
    kith_parsed_command_free(&c);
}

TEST(test_bad_mentions_name_the_argument)
{
    check_error(&GIVE, "bob 5",
                "\"bob\" is not a member for <member>; mention them (@name) or give their id"
                "\nUsage: /give <member> <points> [--factor <number>] [--limit <number>]");
    check_error(&GIVE, "<@&5> 5",
                "\"<@&5>\" is not a member for <member>; mention them (@name) or give their id"
                "\nUsage: /give <member> <points> [--factor <number>] [--limit <number>]");
    check_error(&ANNOUNCE, "general Hi",
                "\"general\" is not a channel for <channel>; mention it (#name) or give its id"
                "\nUsage: /announce <channel> <text...> [--role <role>]");
    check_error(&ANNOUNCE, "#general --role <@&x> Hi",
                "\"<@&x>\" is not a role for --role; mention it or give its name or id"
                "\nUsage: /announce <channel> <text...> [--role <role>]");
}

/* ---- Mistakes ---- */

TEST(test_unknown_subcommand_suggests_the_closest)
{
    check_error(&POLL, "creat \"Q\" A B",
                "unknown subcommand \"creat\" for /poll; did you mean \"create\"? Subcommands: "
                "create, close, results, list, export");
    check_error(&POLL, "clsoe 3",
                "unknown subcommand \"clsoe\" for /poll; did you mean \"close\"? Subcommands: "
                "create, close, results, list, export");
    check_error(&POLL, "vote 3",
                "unknown subcommand \"vote\" for /poll. Subcommands: create, close, results, "
                "list, export");
    check_error(&POLL, "",
                "/poll needs a subcommand. Subcommands: create, close, results, list, "
                "export");
}

TEST(test_subcommand_is_matched_whatever_its_case)
{
    struct kith_parsed_command c;
    REQUIRE(parse_ok(&POLL, "List", &c));
    CHECK_STR(c.subcommand, "list");
    CHECK_STR(c.raw_args, "");
    kith_parsed_command_free(&c);
}

TEST(test_unknown_option_suggests_the_closest)
{
    check_error(&POLL, "create Q A --durtion 2h",
                "unknown option \"--durtion\"; did you mean \"--duration\"?" POLL_CREATE_USAGE);
    check_error(&POLL, "create Q A --anon",
                "unknown option \"--anon\"; did you mean \"--anonymous\"?" POLL_CREATE_USAGE);
    check_error(&POLL, "create Q A --colour=red", "unknown option \"--colour\"" POLL_CREATE_USAGE);
}

TEST(test_missing_required_argument_shows_usage)
{
    check_error(&POLL, "close", "missing <id>\nUsage: /poll close <id>");
    check_error(&POLL, "create", "missing <question>" POLL_CREATE_USAGE);
    check_error(&TIMEOUT, "@bob",
                "missing <length>\nUsage: /timeout <member> <length> [reason...] [--silent]");
}

TEST(test_option_without_its_value_is_reported)
{
    check_error(&POLL, "create Q A --duration", "--duration needs a value" POLL_CREATE_USAGE);
    check_error(&POLL, "create Q A --duration --multi",
                "--duration needs a value" POLL_CREATE_USAGE);
}

TEST(test_surplus_argument_is_reported)
{
    check_error(&POLL, "close 3 4", "unexpected argument \"4\"\nUsage: /poll close <id>");
    check_error(&POLL, "list \"all of them\"",
                "unexpected argument \"all of them\"\nUsage: /poll list");
    check_error(&FAQ, "add Q | A --keywords k extra",
                "unexpected argument \"extra\"\nUsage: /faq add <entry...> [--keywords <text>]");
}

TEST(test_long_bad_argument_is_cut_in_the_message)
{
    char args[300] = "close ";
    for (int i = 0; i < 50; i++)
        strcat(args, "é"); /* é */
    struct kith_parsed_command c;
    struct kith_parse_error err;
    CHECK_INT(kith_command_parse(&POLL, args, &c, &err), KITH_ERR_INVALID);
    char expected[300] = "\"";
    for (int i = 0; i < 40; i++)
        strcat(expected, "é");
    strcat(expected, "…\" is not a whole number for <id>\nUsage: /poll close <id>");
    CHECK_STR(err.message, expected);
}

/* ---- Whole flows: detection then parsing ---- */

static void check_flow(const char *text, const char *bot, const char *question)
{
    char *name = NULL;
    const char *args = NULL;
    struct kith_parsed_command c;
    REQUIRE(kith_command_detect(text, bot, &name, &args) == KITH_OK);
    CHECK_STR(name, "poll");
    free(name);
    REQUIRE(parse_ok(&POLL, args, &c));
    CHECK_STR(opt_text(&c, "question"), question);
    kith_parsed_command_free(&c);
}

TEST(test_telegram_member_creates_poll_addressed_to_us)
{
    check_flow("/poll@KithBot create \"Where?\" Park Beach", "KithBot", "Where?");
    char *name = NULL;
    const char *args = NULL;
    CHECK_INT(kith_command_detect("/poll@OtherBot create Q A", "KithBot", &name, &args),
              KITH_ERR_NOT_FOUND);
    CHECK(name == NULL);
}

TEST(test_matrix_member_creates_poll_with_bang)
{
    check_flow("!poll create \"When?\" Today Tomorrow", NULL, "When?");
}

/* ---- Usage ---- */

TEST(test_usage_line_shows_every_argument)
{
    struct {
        const struct kith_command_decl *decl;
        const char *sub, *expected;
    } cases[] = {
        {&POLL, "create", POLL_CREATE_USAGE + 8},
        {&POLL, "CLOSE", "/poll close <id>"},
        {&POLL, "list", "/poll list"},
        {&POLL, NULL, "/poll create|close|results|list|export"},
        {&POLL, "nope", "/poll create|close|results|list|export"},
        {&FAQ, "add", "/faq add <entry...> [--keywords <text>]"},
        {&TIMEOUT, NULL, "/timeout <member> <length> [reason...] [--silent]"},
        {&ANNOUNCE, NULL, "/announce <channel> <text...> [--role <role>]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *usage = kith_command_usage(cases[i].decl, cases[i].sub);
        CHECK_STR(usage, cases[i].expected);
        free(usage);
    }
    CHECK(kith_command_usage(NULL, NULL) == NULL);
}

/* ---- Structured options (Discord) ---- */

TEST(test_discord_slash_command_options_are_typed)
{
    const struct kith_raw_option raw[] = {
        {"question", "Pizza?"},
        {"options", "Yes No \"Only on Fridays\""},
        {"duration", "1h"},
        {"multi", "true"},
    };
    struct kith_parsed_command c;
    struct kith_parse_error err = {{0}};
    REQUIRE(kith_command_parse_structured(&POLL, "create", raw, 4, &c, &err) == KITH_OK);
    CHECK_STR(c.subcommand, "create");
    CHECK_STR(opt_text(&c, "question"), "Pizza?");
    check_values(opt(&c, "options"), VALUES("Yes", "No", "Only on Fridays"));
    CHECK_INT(opt_int(&c, "duration"), 3600);
    CHECK_INT(opt_int(&c, "multi"), 1);
    CHECK_STR(c.raw_args, "--question=\"Pizza?\" --options=\"Yes No \\\"Only on Fridays\\\"\" "
                          "--duration=\"1h\" --multi=\"true\"");
    /* the reconstructed text parses to the same options */
    struct kith_parsed_command again;
    REQUIRE(parse_ok(&POLL,
                     "create --question=\"Pizza?\" --duration=\"1h\" --multi=\"true\" "
                     "Yes No \"Only on Fridays\"",
                     &again));
    CHECK_STR(opt_text(&again, "question"), "Pizza?");
    kith_parsed_command_free(&again);
    kith_parsed_command_free(&c);
}

TEST(test_discord_slash_command_raw_args_read_back)
{
    const struct kith_raw_option raw[] = {{"entry", "Say \"hi\" \\o/ | Hello"}};
    struct kith_parsed_command c, again;
    REQUIRE(kith_command_parse_structured(&FAQ, "add", raw, 1, &c, NULL) == KITH_OK);
    REQUIRE(parse_ok(&FAQ, "add placeholder", &again));
    kith_parsed_command_free(&again);
    char line[256];
    snprintf(line, sizeof(line), "add %s", c.raw_args);
    REQUIRE(parse_ok(&FAQ, line, &again));
    CHECK_STR(opt_text(&again, "entry"), "Say \"hi\" \\o/ | Hello");
    kith_parsed_command_free(&again);
    kith_parsed_command_free(&c);
}

static void check_structured_error(const char *sub, const struct kith_raw_option *raw, size_t count,
                                   const char *message)
{
    struct kith_parsed_command c;
    struct kith_parse_error err = {{0}};
    CHECK_INT(kith_command_parse_structured(&POLL, sub, raw, count, &c, &err), KITH_ERR_INVALID);
    CHECK_STR(err.message, message);
    CHECK(c.storage == NULL && c.name == NULL && c.options == NULL);
}

TEST(test_discord_slash_command_errors_name_the_option)
{
    const struct kith_raw_option bad_id[] = {{"id", "seven"}};
    check_structured_error("close", bad_id, 1,
                           "\"seven\" is not a whole number for <id>\nUsage: /poll close <id>");
    const struct kith_raw_option unknown[] = {{"question", "Q"}, {"option", "A"}};
    check_structured_error(
        "create", unknown, 2,
        "unknown option \"--option\"; did you mean \"--options\"?" POLL_CREATE_USAGE);
    const struct kith_raw_option missing[] = {{"question", "Q"}};
    check_structured_error("create", missing, 1, "missing <options...>" POLL_CREATE_USAGE);
    const struct kith_raw_option twice[] = {{"id", "1"}, {"id", "2"}};
    check_structured_error("close", twice, 2, "<id> was given twice\nUsage: /poll close <id>");
    const struct kith_raw_option bad_utf8[] = {{"question", "Q\xC0\xAF"}, {"options", "A"}};
    check_structured_error("create", bad_utf8, 2,
                           "the value of <question> is not valid UTF-8" POLL_CREATE_USAGE);
    const struct kith_raw_option bad_quote[] = {{"question", "Q"}, {"options", "A \"B"}};
    check_structured_error("create", bad_quote, 2,
                           "<options...>: unclosed quote \" starting at \"B" POLL_CREATE_USAGE);
    check_structured_error("vote", NULL, 0,
                           "unknown subcommand \"vote\" for /poll. Subcommands: create, close, "
                           "results, list, export");
    check_structured_error(NULL, NULL, 0,
                           "/poll needs a subcommand. Subcommands: create, close, results, list, "
                           "export");
}

TEST(test_structured_subcommand_on_a_plain_command_is_refused)
{
    struct kith_parsed_command c;
    struct kith_parse_error err;
    CHECK_INT(kith_command_parse_structured(&TIMEOUT, "now", NULL, 0, &c, &err), KITH_ERR_INVALID);
    CHECK_STR(err.message, "/timeout has no subcommand \"now\"\nUsage: /timeout <member> <length> "
                           "[reason...] [--silent]");
}

TEST(test_parse_rejects_missing_arguments)
{
    struct kith_parsed_command c;
    struct kith_parse_error err;
    CHECK_INT(kith_command_parse(NULL, "x", &c, &err), KITH_ERR_INVALID);
    CHECK_STR(err.message, "no command declaration");
    CHECK_INT(kith_command_parse(&POLL, "list", NULL, &err), KITH_ERR_INVALID);
    REQUIRE(kith_command_parse(&POLL, NULL, &c, NULL) == KITH_ERR_INVALID); /* needs a sub */
    kith_parsed_command_free(NULL);
}
