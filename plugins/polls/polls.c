/* The polls plugin: its descriptor (the /poll and /survey commands, settings, migrations) and
 * the callbacks that hand each event and job to polls or surveys. */
#include <string.h>

#include "logic/poll_spec.h"
#include "poll.h"
#include "survey.h"

const struct kith_host *poll_host;

static const struct kith_option_decl create_options[] = {
    {"question", "what to ask, in quotes when it has spaces", KITH_OPT_STRING, KITH_OPTF_REQUIRED,
     1, POLL_QUESTION_MAX_CHARS},
    {"multi", "members may choose several options", KITH_OPT_BOOLEAN, KITH_OPTF_NAMED, 0, 0},
    {"anonymous", "nobody, not even managers, sees who voted what", KITH_OPT_BOOLEAN,
     KITH_OPTF_NAMED, 0, 0},
    {"hidden", "show only the number of votes until the poll closes", KITH_OPT_BOOLEAN,
     KITH_OPTF_NAMED, 0, 0},
    {"duration", "close after this long, like 30m, 2h or 7d", KITH_OPT_DURATION, KITH_OPTF_NAMED,
     POLL_DURATION_MIN_S, POLL_DURATION_MAX_S},
    {"native", "use the platform's own poll instead of buttons", KITH_OPT_BOOLEAN, KITH_OPTF_NAMED,
     0, 0},
    {"options", "the answers, each one word or quoted: Tea \"Green tea\" Coffee", KITH_OPT_STRING,
     KITH_OPTF_REQUIRED | KITH_OPTF_VARIADIC, 0, 0},
};

/* min 1, max below min: any positive poll number. */
static const struct kith_option_decl id_options[] = {
    {"id", "the poll's number, as shown in its message (#7)", KITH_OPT_INTEGER, KITH_OPTF_REQUIRED,
     1, 0},
};

static const struct kith_subcommand_decl poll_subcommands[] = {
    {"create", "ask a question with options to vote on", KITH_ROLE_MEMBER, create_options,
     sizeof create_options / sizeof create_options[0]},
    {"close", "close a poll now (its creator or a manager)", KITH_ROLE_MEMBER, id_options, 1},
    {"results", "show a poll's results", KITH_ROLE_MEMBER, id_options, 1},
    {"list", "list the open polls here", KITH_ROLE_MEMBER, NULL, 0},
    {"export", "download a poll's votes as CSV", KITH_ROLE_MANAGER, id_options, 1},
};

/* Constant data, read by the host before any plugin code runs; the /survey subcommands live in
 * survey.c with the code that handles them. */
static const struct kith_command_decl commands[] = {
    {"poll", "polls with buttons or the platform's own poll", KITH_ROLE_MEMBER, NULL, 0,
     poll_subcommands, sizeof poll_subcommands / sizeof poll_subcommands[0]},
    {SURVEY_COMMAND_NAME, SURVEY_COMMAND_DESCRIPTION, SURVEY_COMMAND_ROLE, NULL, 0,
     survey_subcommands, SURVEY_SUBCOMMAND_COUNT},
};

static const char *const creator_choices[] = {"managers", "members", NULL};

static const struct kith_setting_decl settings[] = {
    {"creators", "who may create polls: managers, or every member", KITH_SETTING_ENUM, "managers",
     0, 0, creator_choices},
};

static const struct kith_migration migrations[] = {
    {1, poll_schema_sql},
    {2, survey_schema_sql},
};

static const struct {
    const char *name;
    void (*handle)(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
} poll_handlers[] = {
    {"create", poll_create},     {"close", poll_close_command},   {"results", poll_results_command},
    {"list", poll_list_command}, {"export", poll_export_command},
};

static void on_poll_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const char *sub = ev->command.subcommand ? ev->command.subcommand : "";
    if (ev->server_id == NULL) {
        poll_say(ctx, ev, true, "Polls live in a server's channels; use /poll there.");
        return;
    }
    for (size_t i = 0; i < sizeof poll_handlers / sizeof poll_handlers[0]; i++) {
        if (strcmp(poll_handlers[i].name, sub) == 0) {
            poll_handlers[i].handle(ctx, ev);
            return;
        }
    }
    poll_say(ctx, ev, true,
             "Unknown /poll subcommand \"%s\"; try /poll create, close, results, "
             "list or export.",
             sub);
}

static void polls_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    if (survey_handle_event(ctx, poll_host, ev))
        return;
    switch (ev->kind) {
    case KITH_EVENT_COMMAND:
        if (ev->command.name != NULL && strcmp(ev->command.name, "poll") == 0)
            on_poll_command(ctx, ev);
        return;
    case KITH_EVENT_COMPONENT:
        if (ev->component.custom_id != NULL && strncmp(ev->component.custom_id, "p:", 2) == 0)
            poll_on_press(ctx, ev);
        return;
    case KITH_EVENT_POLL_VOTE: poll_on_native_vote(ctx, ev); return;
    default: return;
    }
}

static void polls_on_job(struct kith_plugin_ctx *ctx, const struct kith_job *job)
{
    if (survey_handle_job(ctx, poll_host, job))
        return;
    if (job->kind != NULL && strcmp(job->kind, POLL_JOB_CLOSE) == 0)
        poll_on_close_job(ctx, job);
    else
        poll_host->log(ctx, KITH_LOG_WARN, "a job of unknown kind \"%s\" was ignored",
                       job->kind ? job->kind : "");
}

static kith_err polls_init(struct kith_plugin_ctx *ctx, const struct kith_host *host)
{
    if (host->abi_major != KITH_ABI_MAJOR || !KITH_HAS_API(host, now_ms))
        return KITH_ERR_VERSION;
    poll_host = host;
    struct poll_live *live = poll_live_new();
    if (live == NULL)
        return KITH_ERR_NOMEM;
    host->set_state(ctx, live, poll_live_free);
    kith_err err = poll_live_catch_up(ctx);
    if (err != KITH_OK) /* the messages catch up with their next vote instead */
        host->log(ctx, KITH_LOG_WARN, "poll messages not caught up: %s", host->strerror(err));
    return KITH_OK;
}

KITH_PLUGIN_DEFINE = {
    KITH_PLUGIN_HEADER,
    .name = "polls",
    .version = "1.0.0",
    .description = "polls with live results, and surveys",
    .license = "MIT",
    .commands = commands,
    .command_count = sizeof commands / sizeof commands[0],
    .settings = settings,
    .setting_count = sizeof settings / sizeof settings[0],
    .migrations = migrations,
    .migration_count = sizeof migrations / sizeof migrations[0],
    .init = polls_init,
    .on_event = polls_on_event,
    .on_job = polls_on_job,
    .on_server_moved = polls_on_server_moved,
};
