/* kith's command declarations as Discord application commands, registered per guild with one
 * bulk overwrite (PUT /applications/{app}/guilds/{guild}/commands) whenever the set changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/discord/dc_internal.h"

#define DESCRIPTION_MAX 100
#define STRING_LENGTH_MAX 6000
#define CHAT_INPUT 1
#define SUB_COMMAND 1
#define STRING 3
#define INTEGER 4
#define BOOLEAN 5
#define USER 6
#define CHANNEL 7
#define ROLE 8
#define NUMBER 10

static int discord_type(kith_option_type type)
{
    switch (type) {
    case KITH_OPT_INTEGER: return INTEGER;
    case KITH_OPT_NUMBER: return NUMBER;
    case KITH_OPT_BOOLEAN: return BOOLEAN;
    case KITH_OPT_USER: return USER;
    case KITH_OPT_CHANNEL: return CHANNEL;
    case KITH_OPT_ROLE: return ROLE;
    case KITH_OPT_STRING:
    case KITH_OPT_DURATION: /* "15m": typed as text, checked by the core */
    default: return STRING;
    }
}

/* Discord wants 1-100 characters; an empty description falls back to the name. */
static bool add_description(cJSON *obj, const char *description, const char *name)
{
    const char *text = description != NULL && description[0] ? description : name;
    size_t bytes = 0, chars = 0;
    while (text[bytes] != '\0') {
        if (((unsigned char)text[bytes] & 0xC0) != 0x80 && chars++ == DESCRIPTION_MAX)
            break;
        bytes++;
    }
    char *cut = strndup(text, bytes);
    bool ok = cut != NULL && cJSON_AddStringToObject(obj, "description", cut) != NULL;
    free(cut);
    return ok;
}

static bool add_bounds(cJSON *o, const struct kith_option_decl *d)
{
    if (d->min == 0 && d->max == 0)
        return true;
    if (d->type == KITH_OPT_INTEGER)
        return cJSON_AddNumberToObject(o, "min_value", (double)d->min) &&
               (d->max < d->min || cJSON_AddNumberToObject(o, "max_value", (double)d->max));
    if (d->type != KITH_OPT_STRING || (d->flags & KITH_OPTF_VARIADIC))
        return true;
    int64_t lo = d->min < 0 ? 0 : d->min > STRING_LENGTH_MAX ? STRING_LENGTH_MAX : d->min;
    int64_t hi = d->max > STRING_LENGTH_MAX ? STRING_LENGTH_MAX : d->max;
    return cJSON_AddNumberToObject(o, "min_length", (double)lo) &&
           (hi < 1 || cJSON_AddNumberToObject(o, "max_length", (double)hi));
}

static cJSON *option_json(const struct kith_option_decl *d)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && cJSON_AddNumberToObject(o, "type", discord_type(d->type)) &&
              cJSON_AddStringToObject(o, "name", d->name) &&
              add_description(o, d->description, d->name) &&
              cJSON_AddBoolToObject(o, "required", (d->flags & KITH_OPTF_REQUIRED) != 0) &&
              add_bounds(o, d);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Discord lists required options before optional ones; order does not matter to kith. */
static bool add_options(cJSON *parent, const struct kith_option_decl *options, size_t count)
{
    if (count == 0)
        return true;
    cJSON *list = cJSON_AddArrayToObject(parent, "options");
    for (int pass = 0; list != NULL && pass < 2; pass++) {
        for (size_t i = 0; i < count; i++) {
            bool required = (options[i].flags & KITH_OPTF_REQUIRED) != 0;
            if (required != (pass == 0))
                continue;
            cJSON *o = option_json(&options[i]);
            if (o == NULL || !cJSON_AddItemToArray(list, o)) {
                cJSON_Delete(o);
                return false;
            }
        }
    }
    return list != NULL;
}

static cJSON *subcommand_json(const struct kith_subcommand_decl *s)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && cJSON_AddNumberToObject(o, "type", SUB_COMMAND) &&
              cJSON_AddStringToObject(o, "name", s->name) &&
              add_description(o, s->description, s->name) &&
              add_options(o, s->options, s->option_count);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *command_json(const struct kith_command_decl *c)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && cJSON_AddNumberToObject(o, "type", CHAT_INPUT) &&
              cJSON_AddStringToObject(o, "name", c->name) &&
              add_description(o, c->description, c->name);
    if (ok && c->subcommand_count > 0) {
        cJSON *list = cJSON_AddArrayToObject(o, "options");
        ok = list != NULL;
        for (size_t i = 0; ok && i < c->subcommand_count; i++) {
            cJSON *sub = subcommand_json(&c->subcommands[i]);
            ok = sub != NULL && cJSON_AddItemToArray(list, sub);
            if (!ok)
                cJSON_Delete(sub);
        }
    } else if (ok) {
        ok = add_options(o, c->options, c->option_count);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The application commands of the declarations, as Discord's bulk-overwrite body (an array). */
static cJSON *commands_json_new(const struct kith_command_decl *const *commands, size_t count)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list != NULL && i < count; i++) {
        cJSON *c = command_json(commands[i]);
        if (c == NULL || !cJSON_AddItemToArray(list, c)) {
            cJSON_Delete(c);
            cJSON_Delete(list);
            return NULL;
        }
    }
    return list;
}

struct registration {
    char guild[DC_SNOWFLAKE_MAX];
    size_t count;
};

static void registered(struct dc *dc, const struct dc_reply *reply, void *ud)
{
    struct registration *r = ud;
    (void)dc;
    if (reply->err == KITH_OK)
        kith_log(KITH_LOG_INFO, DC_PLATFORM, "%zu commands registered in guild %s", r->count,
                 r->guild);
    else if (reply->err != KITH_ERR_CANCELLED)
        kith_log(KITH_LOG_ERROR, DC_PLATFORM,
                 "registering the commands of guild %s failed: %s (was the bot invited with the "
                 "applications.commands scope?)",
                 r->guild, reply->detail ? reply->detail : kith_strerror(reply->err));
    free(r);
}

kith_err dc_register_commands(struct kith_platform *p, const char *server_id,
                              const struct kith_command_decl *const *commands, size_t count)
{
    struct dc *dc = dc_of(p);
    struct registration *r = calloc(1, sizeof *r);
    if (r == NULL)
        return KITH_ERR_NOMEM;
    if (!dc_parse_id(server_id, r->guild, sizeof r->guild)) {
        free(r);
        return KITH_ERR_INVALID;
    }
    if (dc->app_id[0] == '\0') {
        free(r);
        return KITH_ERR_BUSY; /* before READY: GUILD_CREATE registers once it is known */
    }
    r->count = count;
    cJSON *body = commands_json_new(commands, count);
    char path[128];
    snprintf(path, sizeof path, "/applications/%s/guilds/%s/commands", dc->app_id, r->guild);
    const struct dc_rest_opts opts = {.method = "PUT", .path = path, .json = body};
    kith_err err = body != NULL ? dc_rest_call(dc, &opts, registered, r) : KITH_ERR_NOMEM;
    cJSON_Delete(body);
    if (err != KITH_OK)
        free(r);
    return err;
}
