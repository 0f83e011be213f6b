/* A test plugin for the adapters' native polls and forms (SDK 1.1): /pf poll posts a native
 * poll, /pf close ends it, /pf form (or the button of /pf ask) opens a form, /pf twice tries
 * to open one after answering; every vote and form submit it receives, and the outcome of each
 * action, is written to the log, where the platform scenarios read it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kith/plugin.h>

static const struct kith_host *host;

static const struct kith_option_decl poll_options[] = {
    {"multi", "members may choose several answers", KITH_OPT_BOOLEAN, KITH_OPTF_NAMED, 0, 0},
    {"answers", "the poll's answers", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_VARIADIC, 0,
     0},
};
static const struct kith_option_decl close_options[] = {
    {"message", "the poll's message id", KITH_OPT_STRING, KITH_OPTF_REQUIRED, 0, 0},
};

static const struct kith_subcommand_decl pf_subcommands[] = {
    {"poll", "post a native poll", KITH_ROLE_MEMBER, poll_options, 2},
    {"close", "end a native poll", KITH_ROLE_MEMBER, close_options, 1},
    {"form", "open a form", KITH_ROLE_MEMBER, NULL, 0},
    {"ask", "post a button that opens a form", KITH_ROLE_MEMBER, NULL, 0},
    {"twice", "answer, then try to open a form", KITH_ROLE_MEMBER, NULL, 0},
};

static const struct kith_command_decl commands[] = {
    {.name = "pf",
     .description = "native polls and forms",
     .subcommands = pf_subcommands,
     .subcommand_count = sizeof pf_subcommands / sizeof pf_subcommands[0]},
};

static const struct kith_form_field fields[] = {
    {.label = "Your name",
     .placeholder = "as you like to be called",
     .required = true,
     .max_length = 40},
    {.label = "Anything else?", .value = "nothing", .multiline = true},
};
static const struct kith_form form = {"about", "About you", fields, 2};

/* ---- Logging outcomes. ---- */

static void logged(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    host->log(ctx, KITH_LOG_INFO, "%s: %s %s", (const char *)ud, host->strerror(result->err),
              result->message_id ? result->message_id : "-");
}

static void open_form(struct kith_plugin_ctx *ctx, const struct kith_event *ev, const char *why)
{
    kith_err err = host->show_form(ctx, ev, &form);
    host->log(ctx, KITH_LOG_INFO, "form (%s): %s", why, host->strerror(err));
}

/* ---- Commands. ---- */

static void post_poll(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_option_value *answers = kith_event_option(ev, "answers");
    const struct kith_option_value *multi = kith_event_option(ev, "multi");
    const struct kith_native_poll poll = {
        .question = "Which one?",
        .answers = answers->values,
        .answer_count = answers->value_count,
        .allow_multiple = multi != NULL && multi->integer != 0,
        .duration_s = 3600,
    };
    kith_message *msg = host->message_new(ctx);
    kith_err err = msg != NULL ? host->message_set_poll(msg, &poll) : KITH_ERR_NOMEM;
    const struct kith_target to = {ev->server_id, ev->channel_id};
    const struct kith_completion done = {logged, "poll sent", NULL};
    if (err == KITH_OK)
        err = host->send(ctx, &to, msg, &done);
    host->message_free(msg);
    host->reply_text(ctx, ev, err == KITH_OK ? "Posting the poll." : host->strerror(err), true);
}

static void close_poll(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_target to = {ev->server_id, ev->channel_id};
    const struct kith_completion done = {logged, "poll closed", NULL};
    kith_err err = host->poll_close(ctx, &to, kith_event_option(ev, "message")->text, &done);
    host->reply_text(ctx, ev, err == KITH_OK ? "Closing the poll." : host->strerror(err), true);
}

static void post_button(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    kith_message *msg = host->message_new(ctx);
    kith_err err = msg != NULL ? host->message_set_text(msg, "Tell us about you") : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = host->message_add_button(msg, "open", "Open the form", KITH_BUTTON_PRIMARY);
    if (err == KITH_OK)
        err = host->reply(ctx, ev, msg, NULL);
    host->message_free(msg);
    if (err != KITH_OK)
        host->log(ctx, KITH_LOG_WARN, "button not posted: %s", host->strerror(err));
}

static void run_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const char *sub = ev->command.subcommand;
    if (strcmp(sub, "poll") == 0) {
        post_poll(ctx, ev);
    } else if (strcmp(sub, "close") == 0) {
        close_poll(ctx, ev);
    } else if (strcmp(sub, "form") == 0) {
        open_form(ctx, ev, "command");
    } else if (strcmp(sub, "ask") == 0) {
        post_button(ctx, ev);
    } else if (strcmp(sub, "twice") == 0) {
        host->reply_text(ctx, ev, "Answered first.", false);
        open_form(ctx, ev, "after a reply");
    }
}

/* ---- Votes and submits. ---- */

static void log_vote(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    char choice[64] = "";
    size_t len = 0;
    for (size_t i = 0; i < ev->poll_vote.option_count && len < sizeof choice - 8; i++)
        len += (size_t)snprintf(choice + len, sizeof choice - len, "%s%d", i ? "," : "",
                                ev->poll_vote.option_indexes[i]);
    host->log(ctx, KITH_LOG_INFO, "vote on %s by %s in %s: [%s]", ev->poll_vote.poll_id,
              ev->author.id, ev->channel_id ? ev->channel_id : "-", choice);
}

static void log_submit(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    char values[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < ev->component.value_count && len < sizeof values - 1; i++)
        len += (size_t)snprintf(values + len, sizeof values - len, "%s%s", i ? "|" : "",
                                ev->component.values[i]);
    host->log(ctx, KITH_LOG_INFO, "submit %s by %s: %s", ev->component.custom_id, ev->author.id,
              values);
    host->reply_text(ctx, ev, "Thanks, noted.", true);
}

static void pf_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    switch (ev->kind) {
    case KITH_EVENT_COMMAND: run_command(ctx, ev); return;
    case KITH_EVENT_COMPONENT:
        if (strcmp(ev->component.custom_id, "open") == 0)
            open_form(ctx, ev, "button");
        return;
    case KITH_EVENT_MODAL_SUBMIT: log_submit(ctx, ev); return;
    case KITH_EVENT_POLL_VOTE: log_vote(ctx, ev); return;
    default: return;
    }
}

static kith_err pf_init(struct kith_plugin_ctx *ctx, const struct kith_host *h)
{
    (void)ctx;
    if (!KITH_HAS_API(h, show_form) || !KITH_HAS_API(h, poll_close))
        return KITH_ERR_VERSION;
    host = h;
    return KITH_OK;
}

KITH_PLUGIN_DEFINE = {
    KITH_PLUGIN_HEADER,      .name = "pollform",
    .version = "0.0.1",      .description = "native polls and forms, for the adapters' tests",
    .license = "MIT",        .commands = commands,
    .command_count = 1,      .init = pf_init,
    .on_event = pf_on_event,
};
