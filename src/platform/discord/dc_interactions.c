/* INTERACTION_CREATE turned into kith events (slash commands with their subcommand and options,
 * button and select presses, modal submits), each carrying its interaction so replies answer it;
 * and the open interactions a plugin's later message to the same channel can still answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/discord/dc_ixn.h"

#define OPTION_SUB_COMMAND 1
#define OPTION_SUB_COMMAND_GROUP 2
#define OPTION_BOOLEAN 5
#define OPTION_INTEGER 4
#define OPEN_MAX 4096 /* interactions tracked at once (each lives 15 minutes at most) */

kith_err dc_interactions_new(struct dc *dc, struct dc_interactions **out)
{
    struct dc_interactions *t = calloc(1, sizeof *t);
    if (t == NULL)
        return KITH_ERR_NOMEM;
    t->dc = dc;
    *out = t;
    return KITH_OK;
}

void dc_interactions_stop(struct dc_interactions *t)
{
    if (t == NULL)
        return;
    t->stopping = true;
    for (struct dc_ixn *x = t->list, *next; x != NULL; x = next) {
        next = x->next;
        uv_timer_stop(x->timer);
        dc_ixn_fail_waiting(x, KITH_ERR_CANCELLED, "kithd is stopping");
        dc_ixn_maybe_free(x);
    }
}

void dc_interactions_free(struct dc_interactions *t)
{
    if (t == NULL)
        return;
    t->stopping = true;
    while (t->list != NULL) {
        struct dc_ixn *x = t->list;
        dc_ixn_fail_waiting(x, KITH_ERR_CANCELLED, "kithd is stopping");
        dc_ixn_free(x);
    }
    free(t);
}

static struct dc_ixn *ixn_new(struct dc_interactions *t, const cJSON *d, int type)
{
    const char *id = dc_json_str(d, "id");
    const char *token = dc_json_str(d, "token");
    const char *app = dc_json_str(d, "application_id");
    const char *channel = dc_json_str(d, "channel_id");
    if (channel == NULL)
        channel = dc_json_str(cJSON_GetObjectItemCaseSensitive(d, "channel"), "id");
    if (id == NULL || token == NULL || app == NULL || strlen(id) >= DC_SNOWFLAKE_MAX ||
        strlen(app) >= DC_SNOWFLAKE_MAX || (channel && strlen(channel) >= DC_SNOWFLAKE_MAX))
        return NULL;
    struct dc_ixn *x = calloc(1, sizeof *x);
    if (x == NULL || (x->token = strdup(token)) == NULL ||
        (x->timer = dc_timer_new(t->dc, x)) == NULL) {
        if (x != NULL)
            free(x->token);
        free(x);
        return NULL;
    }
    x->table = t;
    x->type = type;
    /* A press needs no visible answer; nor does a modal opened from a message's button. */
    x->quiet = type == DC_IXN_TYPE_COMPONENT ||
               (type == DC_IXN_TYPE_MODAL_SUBMIT && cJSON_HasObjectItem(d, "message"));
    strcpy(x->id, id);
    strcpy(x->app_id, app);
    if (channel != NULL)
        strcpy(x->channel, channel);
    x->received_at = uv_now(t->dc->loop);
    x->priv = (struct kith_event_private){&t->dc->base, x};
    x->next = t->list;
    t->list = x;
    t->count++;
    return x;
}

/* ---- Commands. ---- */

/* An option's value as the text a member would have typed. */
static const char *option_text(struct dc_event_build *b, const cJSON *opt)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(opt, "value");
    int type = (int)dc_json_int(opt, "type", 0);
    char text[64];
    if (cJSON_IsString(value))
        return dc_event_build_keep(b, value->valuestring);
    if (type == OPTION_BOOLEAN || cJSON_IsBool(value))
        return cJSON_IsTrue(value) ? "true" : "false";
    if (!cJSON_IsNumber(value))
        return NULL;
    if (type == OPTION_INTEGER)
        snprintf(text, sizeof text, "%lld", (long long)value->valuedouble);
    else
        snprintf(text, sizeof text, "%.17g", value->valuedouble);
    return dc_event_build_keep(b, text);
}

/* Fills the invocation; the options array is the caller's to free. */
static struct kith_option_value *command_fill(struct dc_event_build *b, const cJSON *data)
{
    struct kith_command_invocation *cmd = &b->ev.command;
    cmd->name = dc_event_build_keep(b, dc_json_str(data, "name"));
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(data, "options");
    const cJSON *first = cJSON_GetArrayItem(options, 0);
    /* kith declares no groups; a group's subcommand is still read rather than dropped. */
    if (dc_json_int(first, "type", 0) == OPTION_SUB_COMMAND_GROUP)
        first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(first, "options"), 0);
    if (dc_json_int(first, "type", 0) == OPTION_SUB_COMMAND) {
        cmd->subcommand = dc_event_build_keep(b, dc_json_str(first, "name"));
        options = cJSON_GetObjectItemCaseSensitive(first, "options");
    }
    size_t n = (size_t)cJSON_GetArraySize(options);
    struct kith_option_value *values = calloc(n ? n : 1, sizeof *values);
    if (values == NULL) {
        b->failed = true;
        return NULL;
    }
    size_t k = 0;
    const cJSON *opt;
    cJSON_ArrayForEach(opt, options)
    {
        const char *name = dc_json_str(opt, "name");
        const char *text = option_text(b, opt);
        if (name == NULL || text == NULL)
            continue;
        values[k++] = (struct kith_option_value){
            .name = dc_event_build_keep(b, name), .type = KITH_OPT_STRING, .text = text};
    }
    cmd->options = values;
    cmd->option_count = k;
    return values;
}

/* ---- Components and modals. ---- */

/* A select menu's chosen values. */
static void values_fill(struct dc_event_build *b, const cJSON *list)
{
    size_t n = (size_t)cJSON_GetArraySize(list);
    if (n == 0 || (b->values = calloc(n, sizeof *b->values)) == NULL) {
        b->failed = n != 0;
        return;
    }
    size_t k = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        if (cJSON_IsString(item) && k < n)
            b->values[k++] = dc_event_build_keep(b, item->valuestring);
    }
    b->ev.component.values = b->values;
    b->ev.component.value_count = k;
}

static void component_fill(struct dc_event_build *b, const cJSON *d, const cJSON *data, bool modal)
{
    b->ev.component.custom_id = dc_event_build_keep(b, dc_json_str(data, "custom_id"));
    if (modal)
        dc_form_values(b, cJSON_GetObjectItemCaseSensitive(data, "components"));
    else
        values_fill(b, cJSON_GetObjectItemCaseSensitive(data, "values"));
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(d, "message");
    if (dc_format_id(b->component_message_id, sizeof b->component_message_id,
                     dc_json_str(message, "id")))
        b->ev.component.message_id = b->component_message_id;
}

/* ---- Intake. ---- */

static kith_event_kind kind_of(int type)
{
    switch (type) {
    case DC_IXN_TYPE_COMMAND: return KITH_EVENT_COMMAND;
    case DC_IXN_TYPE_COMPONENT: return KITH_EVENT_COMPONENT;
    case DC_IXN_TYPE_MODAL_SUBMIT: return KITH_EVENT_MODAL_SUBMIT;
    default: return (kith_event_kind)0;
    }
}

void dc_interaction_handle(struct dc *dc, const cJSON *d, const char *frame)
{
    struct dc_interactions *t = dc->ixns;
    int type = (int)dc_json_int(d, "type", 0);
    kith_event_kind kind = kind_of(type);
    if (kind == 0 || t->stopping)
        return; /* pings come only over HTTP; kith declares no autocomplete */
    if (t->count >= OPEN_MAX) {
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "%d interactions open: this one is dropped", OPEN_MAX);
        return;
    }
    struct dc_ixn *x = ixn_new(t, d, type);
    if (x == NULL) {
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "interaction dropped (malformed or out of memory)");
        return;
    }
    struct dc_event_build b;
    dc_event_build_init(&b, kind, frame);
    dc_event_build_place(&b, dc_json_str(d, "guild_id"), x->channel[0] ? x->channel : NULL);
    const cJSON *member = cJSON_GetObjectItemCaseSensitive(d, "member");
    dc_event_build_author(&b, dc, member ? NULL : cJSON_GetObjectItemCaseSensitive(d, "user"),
                          member);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(d, "data");
    struct kith_option_value *options = NULL;
    if (kind == KITH_EVENT_COMMAND)
        options = command_fill(&b, data);
    else
        component_fill(&b, d, data, kind == KITH_EVENT_MODAL_SUBMIT);
    b.ev.timestamp_ms = dc_snowflake_ms(x->id);
    b.ev.priv = &x->priv;
    if (!b.failed && b.ev.author.id != NULL) {
        x->dispatching = true;
        kith_core_dispatch(dc->core, &b.ev);
        x->dispatching = false;
    } else {
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "interaction %s not handled (incomplete)", x->id);
    }
    free(options);
    dc_event_build_clear(&b);
    dc_ixn_after_dispatch(x);
}

kith_err dc_interaction_reply(struct dc *dc, const struct kith_event *ev, const kith_message *msg,
                              kith_action_fn fn, void *ud)
{
    struct dc_ixn *x = ev->priv->data;
    if (x == NULL || x->table != dc->ixns)
        return KITH_ERR_INVALID;
    return dc_ixn_answer(x, msg, fn, ud);
}

bool dc_interaction_take_send(struct dc *dc, const char *channel, const kith_message *msg,
                              kith_action_fn fn, void *ud, kith_err *err_out)
{
    struct dc_ixn *oldest = NULL;
    for (struct dc_ixn *x = dc->ixns->list; x != NULL; x = x->next) {
        /* During dispatch a send is the plugin's own business (a welcome, a log line);
         * only a message that comes later can be the answer the member is waiting for. */
        if (strcmp(x->channel, channel) != 0 || msg->ephemeral || x->dispatching)
            continue;
        if (x->state == DC_IXN_OPEN || x->state == DC_IXN_DEFERRED)
            oldest = x; /* the list is newest first: keep going */
    }
    if (oldest == NULL)
        return false;
    *err_out = dc_ixn_answer(oldest, msg, fn, ud);
    return true;
}
