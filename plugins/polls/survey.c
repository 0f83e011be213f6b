/* Surveys inside the polls plugin: the /survey command declaration, the survey tables, and
 * the entry points polls.c hands survey events and jobs to. */
#include "survey.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct kith_option_decl create_options[] = {
    {"title", "what the survey is about", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_REST, 1,
     100},
};

static const struct kith_option_decl add_options[] = {
    {"id", "the survey's number", KITH_OPT_INTEGER, KITH_OPTF_REQUIRED, 1, 0},
    {"question", "the question (in quotes when it has several words)", KITH_OPT_STRING,
     KITH_OPTF_REQUIRED, 1, 100},
    {"choices", "the answers to choose from; none makes a free-text question", KITH_OPT_STRING,
     KITH_OPTF_VARIADIC, 1, 80},
};

static const struct kith_option_decl id_options[] = {
    {"id", "the survey's number", KITH_OPT_INTEGER, KITH_OPTF_REQUIRED, 1, 0},
};

static const struct kith_subcommand_decl survey_subcommands[] = {
    {"create", "start a new survey (then add questions)", KITH_ROLE_MANAGER, create_options,
     COUNT(create_options)},
    {"add", "add a question: choices make a choice question, none a free-text one",
     KITH_ROLE_MANAGER, add_options, COUNT(add_options)},
    {"open", "post the survey here so members can answer", KITH_ROLE_MANAGER, id_options,
     COUNT(id_options)},
    {"close", "stop taking answers", KITH_ROLE_MANAGER, id_options, COUNT(id_options)},
    {"results", "counts per choice and the latest free-text answers", KITH_ROLE_MANAGER, id_options,
     COUNT(id_options)},
    {"export", "every response as a CSV file", KITH_ROLE_MANAGER, id_options, COUNT(id_options)},
    {"list", "the surveys of this server", KITH_ROLE_MANAGER, NULL, 0},
};

const struct kith_command_decl survey_command = {
    "survey",
    "surveys: several questions, answered step by step",
    KITH_ROLE_MANAGER,
    NULL,
    0,
    survey_subcommands,
    COUNT(survey_subcommands),
};

const char survey_schema_sql[] =
    "CREATE TABLE polls_surveys ("
    " id INTEGER PRIMARY KEY,"
    " server_id TEXT NOT NULL,"
    " channel_id TEXT," /* where it was opened; NULL while a draft */
    " message_id TEXT," /* the posted survey with its Answer button */
    " creator_id TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0," /* 0 draft, 1 open, 2 closed */
    " created_at INTEGER NOT NULL,"
    " opened_at INTEGER,"
    " closed_at INTEGER);"
    "CREATE INDEX polls_surveys_server ON polls_surveys (server_id, id);"
    "CREATE TABLE polls_survey_questions ("
    " survey_id INTEGER NOT NULL REFERENCES polls_surveys (id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL," /* 1-based, the order members answer in */
    " text TEXT NOT NULL,"
    " PRIMARY KEY (survey_id, position));"
    "CREATE TABLE polls_survey_choices ("
    " survey_id INTEGER NOT NULL,"
    " position INTEGER NOT NULL,"
    " number INTEGER NOT NULL," /* 1-based; a question without choices is free text */
    " label TEXT NOT NULL,"
    " PRIMARY KEY (survey_id, position, number));"
    "CREATE TABLE polls_survey_responses ("
    " survey_id INTEGER NOT NULL,"
    " member_id TEXT NOT NULL,"
    " member_name TEXT NOT NULL,"
    " step INTEGER NOT NULL DEFAULT 1," /* the question being asked; 0 once all are answered */
    " started_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " completed_at INTEGER,"
    " PRIMARY KEY (survey_id, member_id));"
    "CREATE TABLE polls_survey_answers ("
    " survey_id INTEGER NOT NULL,"
    " member_id TEXT NOT NULL,"
    " position INTEGER NOT NULL,"
    " choice INTEGER," /* the choice's number, or NULL for free text */
    " text TEXT,"      /* the free-text answer, or NULL */
    " answered_at INTEGER NOT NULL,"
    " PRIMARY KEY (survey_id, member_id, position));"
    /* Questions asked as messages (platforms without forms): a reply to one is its answer. */
    "CREATE TABLE polls_survey_prompts ("
    " message_id TEXT PRIMARY KEY,"
    " survey_id INTEGER NOT NULL,"
    " member_id TEXT NOT NULL,"
    " position INTEGER NOT NULL,"
    " asked_at INTEGER NOT NULL);";

static bool is_survey_custom_id(const char *custom_id)
{
    return custom_id != NULL && strncmp(custom_id, "s:", 2) == 0;
}

bool survey_handle_event(struct kith_plugin_ctx *ctx, const struct kith_host *host,
                         const struct kith_event *ev)
{
    bool mine = false;
    if (ev->kind == KITH_EVENT_COMMAND)
        mine = ev->command.name != NULL && strcmp(ev->command.name, "survey") == 0;
    else if (ev->kind == KITH_EVENT_COMPONENT || ev->kind == KITH_EVENT_MODAL_SUBMIT)
        mine = is_survey_custom_id(ev->component.custom_id);
    if (!mine)
        return false;
    kith_err err = host->reply_text(ctx, ev, "Surveys are being set up; try again soon.", true);
    if (err != KITH_OK)
        host->log(ctx, KITH_LOG_WARN, "survey: could not reply: %s", host->strerror(err));
    return true;
}

bool survey_handle_job(struct kith_plugin_ctx *ctx, const struct kith_host *host,
                       const struct kith_job *job)
{
    (void)ctx;
    (void)host;
    return job->kind != NULL && strncmp(job->kind, "survey_", 7) == 0;
}
