/* The example plugin: a reference for plugin authors that uses every part of the plugin ABI.
 * This file holds the descriptor (commands, settings, migrations) and the lifecycle callbacks;
 * example_notes.c and example_actions.c hold the command handlers. See docs/plugins.md. */
#include "example.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct kith_host *example_host;

/* ---- Commands, declared as data: the core registers, parses, checks roles and writes
 * /help from these tables without calling the plugin. ---- */

static const struct kith_option_decl add_options[] = {
    /* REST: the rest of the line verbatim, quotes and all. 250 characters keep a note within
     * one message field (1024 bytes) whatever the script. */
    {"text", "what to note", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_REST, 1, 250},
};

static const struct kith_option_decl list_options[] = {
    {"limit", "how many notes to show", KITH_OPT_INTEGER, KITH_OPTF_NAMED, 1, 25},
    {"mine", "only your own notes", KITH_OPT_BOOLEAN, KITH_OPTF_NAMED, 0, 0},
};

static const struct kith_option_decl forget_options[] = {
    {"id", "the note's number", KITH_OPT_INTEGER, KITH_OPTF_REQUIRED, 1, 0}, /* >= 1 */
};

static const struct kith_option_decl remind_options[] = {
    {"delay", "when, like 10m or 2h", KITH_OPT_DURATION, KITH_OPTF_REQUIRED, 60, 30 * 86400},
    {"text", "what to remind of", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_REST, 1, 250},
};

static const struct kith_option_decl mute_options[] = {
    {"member", "who to mute", KITH_OPT_USER, KITH_OPTF_REQUIRED, 0, 0},
    {"duration", "for how long", KITH_OPT_DURATION, KITH_OPTF_REQUIRED, 60, 28 * 86400},
    {"reason", "shown in the platform's audit log", KITH_OPT_STRING, KITH_OPTF_REST, 0, 200},
};

static const struct kith_option_decl dm_options[] = {
    {"member", "who to write to", KITH_OPT_USER, KITH_OPTF_REQUIRED, 0, 0},
    {"text", "the message", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_REST, 1, 1000},
};

static const struct kith_option_decl poll_options[] = {
    {"question", "what to ask", KITH_OPT_STRING, KITH_OPTF_REQUIRED, 1, 300},
    {"multi", "allow more than one answer", KITH_OPT_BOOLEAN, KITH_OPTF_NAMED, 0, 0},
    /* VARIADIC: every remaining word is one answer ("two words" in quotes stay one). */
    {"answers", "the choices", KITH_OPT_STRING, KITH_OPTF_REQUIRED | KITH_OPTF_VARIADIC, 1, 100},
};

static const struct kith_option_decl tick_options[] = {
    {"count", "how many ticks", KITH_OPT_INTEGER, KITH_OPTF_REQUIRED, 1, 10},
};

static const struct kith_option_decl slow_options[] = {
    {"seconds", "how long to think (default 2)", KITH_OPT_INTEGER, 0, 1, 10},
};

static const struct kith_option_decl greeting_options[] = {
    {"text", "the new greeting; {user} becomes the member's name", KITH_OPT_STRING,
     KITH_OPTF_REQUIRED | KITH_OPTF_REST, 1, 200},
};

static const struct kith_option_decl purge_options[] = {
    {"message", "the id of the message to delete", KITH_OPT_STRING, KITH_OPTF_REQUIRED, 1, 100},
    {"reason", "why (the platform's audit log)", KITH_OPT_STRING, KITH_OPTF_REST, 0, 200},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define SUB(name, what, role, opts)                                                                \
    {                                                                                              \
        name, what, role, opts, COUNT(opts)                                                        \
    }
#define SUB0(name, what, role)                                                                     \
    {                                                                                              \
        name, what, role, NULL, 0                                                                  \
    }

static const struct kith_subcommand_decl note_subcommands[] = {
    SUB("add", "write a note", KITH_ROLE_MEMBER, add_options),
    SUB("list", "show the newest notes", KITH_ROLE_MEMBER, list_options),
    SUB("forget", "delete a note (yours, or any if you are a manager)", KITH_ROLE_MEMBER,
        forget_options),
    SUB("remind", "post a note here after a delay", KITH_ROLE_MEMBER, remind_options),
    SUB0("count", "how many messages were written here", KITH_ROLE_MEMBER),
    SUB0("export", "all notes as a CSV file", KITH_ROLE_MEMBER),
    SUB0("ask", "a question with buttons", KITH_ROLE_MEMBER),
    SUB("poll", "a native poll", KITH_ROLE_MEMBER, poll_options),
    SUB("dm", "send a member a direct message", KITH_ROLE_MEMBER, dm_options),
    SUB("tick", "count up once a second", KITH_ROLE_MEMBER, tick_options),
    SUB("slow", "answer after a pause, as slow work would", KITH_ROLE_MEMBER, slow_options),
    SUB0("greet", "show this server's greeting", KITH_ROLE_MEMBER),
    SUB("greeting", "change this server's greeting", KITH_ROLE_MANAGER, greeting_options),
    SUB("mute", "time a member out", KITH_ROLE_MANAGER, mute_options),
    SUB("purge", "delete a message", KITH_ROLE_ADMIN, purge_options),
};

static const struct kith_command_decl commands[] = {
    {"note", "notes, reminders and a tour of what a kith plugin can do", KITH_ROLE_MEMBER, NULL, 0,
     note_subcommands, COUNT(note_subcommands)},
};

/* ---- Settings, per server; the core validates /kith config against these. ---- */

static const char *const visibility_choices[] = {"private", "public", NULL};

static const struct kith_setting_decl settings[] = {
    {"greeting", "what /note greet says; {user} becomes the member's name", KITH_SETTING_STRING,
     "Welcome, {user}! Try /note add.", 1, 200, NULL},
    {"rules_url", "the page linked under the greeting", KITH_SETTING_STRING,
     "https://example.org/rules", 8, 300, NULL},
    {"max_notes", "how many notes a server may keep", KITH_SETTING_INTEGER, "100", 1, 10000, NULL},
    {"reminders", "whether /note remind may be used", KITH_SETTING_BOOLEAN, "true", 0, 0, NULL},
    {"max_delay", "the longest /note remind delay", KITH_SETTING_DURATION, "7d", 60, 30 * 86400,
     NULL},
    {"list_visibility", "who sees /note list", KITH_SETTING_ENUM, "private", 0, 0,
     visibility_choices},
    /* No default: channel ids differ per server. Unset means "where the reminder was asked". */
    {"reminder_channel", "where reminders are posted", KITH_SETTING_CHANNEL, NULL, 0, 0, NULL},
};

/* ---- Migrations: numbered from 1, applied once each, tables named example_*. Never edit a
 * shipped migration; append a new one. ---- */

static const struct kith_migration migrations[] = {
    {1, "CREATE TABLE example_notes ("
        " id INTEGER PRIMARY KEY,"
        " server_id TEXT NOT NULL,"
        " channel_id TEXT NOT NULL,"
        " author_id TEXT NOT NULL,"
        " text TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " remind_at INTEGER," /* NULL: no reminder pending */
        " job_id INTEGER);"
        "CREATE INDEX example_notes_server ON example_notes (server_id, id);"},
    {2, "CREATE TABLE example_counts ("
        " server_id TEXT PRIMARY KEY,"
        " messages INTEGER NOT NULL,"
        " first_at INTEGER NOT NULL);"},
};

/* ---- Small helpers shared by the handlers. ---- */

void example_say(struct kith_plugin_ctx *ctx, const struct kith_event *ev, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    kith_err err = example_host->reply_text(ctx, ev, text, true);
    if (err != KITH_OK)
        example_host->log(ctx, KITH_LOG_WARN, "could not reply: %s", example_host->strerror(err));
}

const char *example_option_text(const struct kith_event *ev, const char *name, const char *fallback)
{
    const struct kith_option_value *v = kith_event_option(ev, name);
    return v != NULL ? v->text : fallback;
}

char *example_prefixed_id_dup(const char *platform, const char *id)
{
    if (strchr(id, ':') != NULL)
        return strdup(id);
    char *out = NULL;
    if (asprintf(&out, "%s:%s", platform, id) < 0)
        return NULL;
    return out;
}

/* ---- The greeting: read through a small per-server cache that on_settings empties, which is
 * what on_settings is for. ---- */

struct example_greeting {
    char *server_id;
    char *text;
    struct example_greeting *next;
};

static void greetings_forget(struct example_state *state, const char *server_id)
{
    struct example_greeting **link = &state->greetings;
    while (*link != NULL) {
        struct example_greeting *g = *link;
        if (server_id == NULL || strcmp(g->server_id, server_id) == 0) {
            *link = g->next;
            free(g->server_id);
            free(g->text);
            free(g);
        } else {
            link = &g->next;
        }
    }
}

/* The server's greeting, borrowed from the cache (NULL when it cannot be read). */
static const char *greeting_for(struct kith_plugin_ctx *ctx, const char *server_id)
{
    struct example_state *state = example_state(ctx);
    for (struct example_greeting *g = state->greetings; g != NULL; g = g->next)
        if (strcmp(g->server_id, server_id) == 0)
            return g->text;
    char *value = NULL;
    kith_err err = example_host->setting_get(ctx, server_id, "greeting", &value);
    if (err != KITH_OK) {
        example_host->log(ctx, KITH_LOG_WARN, "greeting of %s unreadable: %s", server_id,
                          example_host->strerror(err));
        return NULL;
    }
    struct example_greeting *g = calloc(1, sizeof *g);
    char *text = g != NULL ? strdup(value) : NULL;
    char *server = text != NULL ? strdup(server_id) : NULL;
    example_host->free(value); /* host memory goes back through the host's free */
    if (server == NULL) {
        free(text);
        free(g);
        return NULL;
    }
    *g = (struct example_greeting){server, text, state->greetings};
    state->greetings = g;
    return g->text;
}

/* "{user}" in the template becomes name. */
static void fill_greeting(const char *template, const char *name, char *out, size_t size)
{
    const char *mark = strstr(template, "{user}");
    if (mark == NULL)
        snprintf(out, size, "%s", template);
    else
        snprintf(out, size, "%.*s%s%s", (int)(mark - template), template, name, mark + 6);
}

static void note_greet(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const char *template = greeting_for(ctx, ev->server_id);
    if (template == NULL) {
        example_say(ctx, ev, "The greeting cannot be read just now.");
        return;
    }
    char text[1024];
    const char *name = ev->author.display_name ? ev->author.display_name : ev->author.id;
    fill_greeting(template, name, text, sizeof text);
    char *url = NULL;
    kith_message *msg = example_host->message_new(ctx);
    if (msg == NULL)
        return;
    kith_err err = example_host->message_set_text(msg, text);
    if (err == KITH_OK &&
        example_host->setting_get(ctx, ev->server_id, "rules_url", &url) == KITH_OK) {
        /* A bad URL (the setting is free text) is not worth failing the greeting for. */
        if (example_host->message_add_link_button(msg, url, "Read the rules") != KITH_OK)
            example_host->log(ctx, KITH_LOG_INFO, "rules_url is not a link: %s", url);
        example_host->free(url);
    }
    if (err == KITH_OK)
        err = example_host->reply(ctx, ev, msg, NULL);
    example_host->message_free(msg);
    if (err != KITH_OK)
        example_host->log(ctx, KITH_LOG_WARN, "greeting not sent: %s", example_host->strerror(err));
}

/* A manager changes the greeting: the plugin goes through setting_set, so the core validates
 * and audits the change exactly as it does for /kith config. */
static void note_greeting(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    char *error = NULL;
    const char *text = example_option_text(ev, "text", "");
    kith_err err = example_host->setting_set(ctx, ev->server_id, "greeting", text, &error);
    if (err == KITH_OK)
        example_say(ctx, ev, "The greeting is now: %s", text);
    else
        example_say(ctx, ev, "The greeting was not changed: %s",
                    error ? error : example_host->strerror(err));
    example_host->free(error);
}

/* ---- Lifecycle. ---- */

static void state_free(void *ud)
{
    struct example_state *state = ud;
    greetings_forget(state, NULL);
    example_asks_free(state);
    free(state);
}

static kith_err example_init(struct kith_plugin_ctx *ctx, const struct kith_host *host)
{
    /* now_ms is the newest function this plugin uses: a host without it is too old. */
    if (host->abi_major != KITH_ABI_MAJOR || !KITH_HAS_API(host, now_ms))
        return KITH_ERR_VERSION;
    example_host = host;
    struct example_state *state = calloc(1, sizeof *state);
    if (state == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = example_notes_prepare(ctx, state);
    if (err != KITH_OK) {
        free(state);
        return err;
    }
    host->set_state(ctx, state, state_free);
    host->log(ctx, KITH_LOG_INFO, "%s ready", host->plugin_name(ctx));
    return KITH_OK;
}

/* Counting is high-rate: buffered writes are applied in one transaction per tick. */
static void count_message(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    if (ev->server_id == NULL || ev->author.is_bot)
        return;
    const struct kith_db_value params[] = {KITH_DB_TEXT(ev->server_id),
                                           KITH_DB_I64(ev->timestamp_ms)};
    kith_err err = example_host->db_write_buffered(
        ctx,
        "INSERT INTO example_counts (server_id, messages, first_at) VALUES (?1, 1, ?2)"
        " ON CONFLICT (server_id) DO UPDATE SET messages = messages + 1",
        params, COUNT(params));
    if (err != KITH_OK)
        example_host->log(ctx, KITH_LOG_WARN, "message not counted: %s",
                          example_host->strerror(err));
}

static const struct {
    const char *name;
    example_command_fn fn;
} handlers[] = {
    {"add", example_note_add},       {"list", example_note_list},   {"forget", example_note_forget},
    {"remind", example_note_remind}, {"count", example_note_count}, {"export", example_note_export},
    {"ask", example_note_ask},       {"poll", example_note_poll},   {"dm", example_note_dm},
    {"tick", example_note_tick},     {"greet", note_greet},         {"greeting", note_greeting},
    {"slow", example_note_slow},     {"mute", example_note_mute},   {"purge", example_note_purge},
};

static void run_command(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    /* The core checked the role, the options and that /note is ours before calling. */
    const char *sub = ev->command.subcommand;
    for (size_t i = 0; sub != NULL && i < COUNT(handlers); i++) {
        if (strcmp(handlers[i].name, sub) == 0) {
            handlers[i].fn(ctx, ev);
            return;
        }
    }
    example_host->log(ctx, KITH_LOG_WARN, "no handler for /%s %s", ev->command.name,
                      sub ? sub : "");
}

static void example_on_event(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    switch (ev->kind) {
    case KITH_EVENT_MESSAGE: count_message(ctx, ev); return;
    case KITH_EVENT_COMMAND: run_command(ctx, ev); return;
    case KITH_EVENT_COMPONENT: example_on_press(ctx, ev); return;
    default: return; /* events are a growing list: ignore the kinds you do not handle */
    }
}

static void example_on_enable(struct kith_plugin_ctx *ctx, const char *server_id, bool enabled)
{
    if (!enabled) {
        /* Timers are ours to stop: the host only cancels them at unload. */
        example_ticks_stop(ctx, server_id);
        return;
    }
    char text[200];
    snprintf(text, sizeof text, "The %s plugin is on here. /help note shows what it can do.",
             example_host->plugin_name(ctx));
    kith_message *msg = example_host->message_new(ctx);
    kith_err err = msg ? example_host->message_set_text(msg, text) : KITH_ERR_NOMEM;
    const struct kith_target where = {server_id, NULL}; /* NULL: the server's default channel */
    if (err == KITH_OK)
        err = example_host->send(ctx, &where, msg, NULL);
    example_host->message_free(msg);
    if (err != KITH_OK)
        example_host->log(ctx, KITH_LOG_INFO, "no welcome on %s: %s", server_id,
                          example_host->strerror(err));
}

static void example_on_settings(struct kith_plugin_ctx *ctx, const char *server_id)
{
    greetings_forget(example_state(ctx), server_id); /* NULL: every server (SIGHUP) */
}

static void example_shutdown(struct kith_plugin_ctx *ctx)
{
    /* Statements are the plugin's to finalize; the host logs any left over as a leak. The
     * state itself is freed by the host (state_free) after timers and completions are
     * cancelled, since those may still read it. */
    struct example_state *state = example_state(ctx);
    example_host->db_finalize(state->insert_note);
    state->insert_note = NULL;
}

/* rules_url becomes a link button, which takes only web addresses: refused before it is
 * stored rather than failing at every /note greet (ABI 1.1). */
static bool example_validate_setting(struct kith_plugin_ctx *ctx, const char *server_id,
                                     const char *key, const char *value, char *why, size_t why_size)
{
    (void)ctx;
    (void)server_id;
    if (strcmp(key, "rules_url") != 0 || strncmp(value, "https://", 8) == 0 ||
        strncmp(value, "http://", 7) == 0)
        return true;
    snprintf(why, why_size,
             "rules_url must be a web address starting with https:// (or http://), e.g. "
             "https://example.org/rules");
    return false;
}

KITH_PLUGIN_DEFINE = {
    KITH_PLUGIN_HEADER,
    .name = "example",
    .version = "1.0.0",
    .description = "notes and reminders; the reference plugin for authors",
    .license = "MIT",
    .commands = commands,
    .command_count = COUNT(commands),
    .settings = settings,
    .setting_count = COUNT(settings),
    .migrations = migrations,
    .migration_count = COUNT(migrations),
    .init = example_init,
    .on_event = example_on_event,
    .on_job = example_on_job,
    .on_enable = example_on_enable,
    .on_settings = example_on_settings,
    .shutdown = example_shutdown,
    .validate_setting = example_validate_setting,
};
