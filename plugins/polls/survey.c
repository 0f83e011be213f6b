/* Surveys inside the polls plugin: the /survey command declaration, the survey tables, and
 * the entry points polls.c hands survey events and jobs to. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "logic/survey_text.h"
#include "polls_shared.h"
#include "survey_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct kith_option_decl create_options[] = {
    {"title", "what the survey is about", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_REST, 1,
     SURVEY_TITLE_MAX_CHARS},
};

static const struct kith_option_decl add_options[] = {
    {"id", "the survey's number", KITH_OPT_INTEGER, KITH_OPTF_REQUIRED, 1, 0},
    {"question", "the question (in quotes when it has several words)", KITH_OPT_STRING,
     KITH_OPTF_REQUIRED, 1, SURVEY_QUESTION_MAX_CHARS},
    {"choices", "the answers to choose from; none makes a free-text question", KITH_OPT_STRING,
     KITH_OPTF_VARIADIC, 1, SURVEY_CHOICE_MAX_CHARS},
};

static const struct kith_option_decl id_options[] = {
    {"id", "the survey's number", KITH_OPT_INTEGER, KITH_OPTF_REQUIRED, 1, 0},
};

/* One more entry than SURVEY_SUBCOMMAND_COUNT fails to compile (excess initializer); one fewer
 * leaves an entry without a name, which the host refuses when it checks the descriptor. */
const struct kith_subcommand_decl survey_subcommands[SURVEY_SUBCOMMAND_COUNT] = {
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
    " channel_id TEXT NOT NULL," /* message ids are only unique per chat on Telegram */
    " message_id TEXT NOT NULL,"
    " survey_id INTEGER NOT NULL,"
    " member_id TEXT NOT NULL,"
    " position INTEGER NOT NULL,"
    " asked_at INTEGER NOT NULL,"
    " PRIMARY KEY (channel_id, message_id));"
    "CREATE INDEX polls_survey_prompts_survey ON polls_survey_prompts (survey_id);";

void survey_say(const struct survey_call *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    polls_vsay(call->host, call->ctx, call->ev, true, "survey", fmt, ap);
    va_end(ap);
}

kith_err survey_reply_private_take(const struct survey_call *call, kith_message *msg, kith_err err)
{
    if (err == KITH_OK)
        err = call->host->message_set_ephemeral(msg, true);
    if (err == KITH_OK)
        err = call->host->reply(call->ctx, call->ev, msg, NULL);
    call->host->message_free(msg);
    return err;
}

typedef void (*survey_command_fn)(const struct survey_call *call);

static const struct {
    const char *name;
    survey_command_fn fn;
} survey_handlers[] = {
    {"create", survey_cmd_create}, {"add", survey_cmd_add},         {"open", survey_cmd_open},
    {"close", survey_cmd_close},   {"results", survey_cmd_results}, {"export", survey_cmd_export},
    {"list", survey_cmd_list},
};

static void run_command(const struct survey_call *call)
{
    const char *sub = call->ev->command.subcommand;
    if (call->ev->server_id == NULL) {
        survey_say(call, "Surveys belong to a server: run /survey in one of its channels.");
        return;
    }
    for (size_t i = 0; sub != NULL && i < COUNT(survey_handlers); i++) {
        if (strcmp(sub, survey_handlers[i].name) == 0) {
            survey_handlers[i].fn(call);
            return;
        }
    }
    survey_say(call, "Unknown /survey subcommand; try /survey create Team offsite, then /survey "
                     "add, open, close, results, export or list.");
}

bool survey_handle_event(struct kith_plugin_ctx *ctx, const struct kith_host *host,
                         const struct kith_event *ev)
{
    const struct survey_call call = {ctx, host, ev};
    switch (ev->kind) {
    case KITH_EVENT_COMMAND:
        if (ev->command.name == NULL || strcmp(ev->command.name, SURVEY_COMMAND_NAME) != 0)
            return false;
        run_command(&call);
        return true;
    case KITH_EVENT_COMPONENT:
    case KITH_EVENT_MODAL_SUBMIT: {
        const char *custom_id = ev->component.custom_id;
        if (custom_id == NULL || strncmp(custom_id, "s:", 2) != 0)
            return false;
        struct survey_custom_id id;
        if (!survey_custom_id_parse(custom_id, &id))
            survey_say(&call, "This survey control is from an older version of kith; press "
                              "Answer under the survey to start again.");
        else
            survey_on_component(&call, &id);
        return true;
    }
    case KITH_EVENT_MESSAGE:
        return ev->message.reply_to_id != NULL && ev->server_id != NULL && ev->channel_id != NULL &&
               survey_on_reply(&call);
    default: return false;
    }
}

bool survey_handle_job(struct kith_plugin_ctx *ctx, const struct kith_host *host,
                       const struct kith_job *job)
{
    if (job->kind == NULL || strncmp(job->kind, "survey_", 7) != 0)
        return false;
    /* Surveys schedule no jobs; one of an unknown kind is dropped with a note. */
    host->log(ctx, KITH_LOG_WARN, "survey: dropping a job of unknown kind %s", job->kind);
    return true;
}
