/* The fake Discord's control API: members act (write a message, run a slash command, press a
 * button, submit a modal kith opened, vote on a poll, react, join, leave), faults are armed
 * (gateway closes, drops, op 7, op 9, dropped acks, 429s and 5xx answers), and the fake's state is
 * read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_discord.h"

#define GUILD_MEMBERS (1LL << 1)
#define GUILD_MESSAGES (1LL << 9)
#define GUILD_REACTIONS (1LL << 10)
#define DIRECT_MESSAGES (1LL << 12)

static const char *arg(const cJSON *body, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, name));
}

static cJSON *fail(int *status, int code, const char *why)
{
    *status = code;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", why);
    return o;
}

/* The member acting, in the channel given or the guild's first one. */
struct actor {
    struct fdc_guild *g;
    struct fdc_member *m;
    const char *user_id;
    const char *channel_id;
};

static bool actor_of(struct fdc *fd, const cJSON *body, struct actor *a)
{
    a->user_id = arg(body, "user_id");
    a->channel_id = arg(body, "channel_id");
    if (a->user_id == NULL)
        return false;
    if (a->channel_id != NULL && !fdc_channel_known(fd, a->channel_id))
        return false;
    a->g = a->channel_id != NULL ? fdc_channel_guild(fd, a->channel_id) : &fd->guilds[0];
    if (a->channel_id == NULL)
        a->channel_id = a->g->channels[0];
    a->m = a->g != NULL ? fdc_member_add(a->g, a->user_id, arg(body, "username")) : NULL;
    return a->g == NULL || a->m != NULL;
}

static void add_place(cJSON *d, const struct actor *a)
{
    cJSON_AddStringToObject(d, "channel_id", a->channel_id);
    if (a->g != NULL)
        cJSON_AddStringToObject(d, "guild_id", a->g->id);
}

/* ---- Members act. ---- */

static cJSON *mentions_of(const char *content)
{
    cJSON *list = cJSON_CreateArray();
    for (const char *p = strstr(content, "<@"); p != NULL; p = strstr(p + 2, "<@")) {
        const char *digits = p[2] == '!' ? p + 3 : p + 2;
        size_t n = strspn(digits, "0123456789");
        if (n == 0 || n >= FDC_ID_MAX || digits[n] != '>')
            continue;
        char id[FDC_ID_MAX];
        memcpy(id, digits, n);
        id[n] = '\0';
        cJSON_AddItemToArray(list, fdc_user_json(id, "member", false));
    }
    return list;
}

static cJSON *member_message(struct fdc *fd, const cJSON *body, int *status)
{
    struct actor a;
    const char *content = arg(body, "content");
    if (!actor_of(fd, body, &a) || content == NULL)
        return fail(status, 400, "needs user_id, content and a known channel_id");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "content", content);
    cJSON_AddItemToObject(m, "author",
                          fdc_user_json(a.user_id, a.m ? a.m->username : "member", false));
    if (a.g != NULL) {
        cJSON *member = fdc_member_json(a.g, a.m, false);
        cJSON_DeleteItemFromObjectCaseSensitive(member, "user");
        cJSON_AddItemToObject(m, "member", member);
    }
    cJSON_AddItemToObject(m, "mentions", mentions_of(content));
    cJSON_AddBoolToObject(m, "mention_everyone", strstr(content, "@everyone") != NULL);
    cJSON_AddArrayToObject(m, "attachments");
    cJSON_AddArrayToObject(m, "embeds");
    cJSON_AddNumberToObject(m, "type", 0);
    add_place(m, &a);
    struct fdc_message *stored = fdc_message_add(fd, a.channel_id, a.user_id, m);
    if (stored == NULL)
        return fail(status, 500, "out of memory");
    fdc_emit(fd, a.g ? a.g->id : NULL, "MESSAGE_CREATE", stored->json,
             a.g ? GUILD_MESSAGES : DIRECT_MESSAGES);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", stored->id);
    return o;
}

/* Options {"name": value} as Discord's typed option objects. */
static cJSON *options_json(const cJSON *options)
{
    cJSON *list = cJSON_CreateArray();
    const cJSON *v;
    cJSON_ArrayForEach(v, options)
    {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", v->string);
        int type = cJSON_IsBool(v) ? 5
                   : cJSON_IsNumber(v)
                       ? (v->valuedouble == (double)(long long)v->valuedouble ? 4 : 10)
                       : 3;
        cJSON_AddNumberToObject(o, "type", type);
        cJSON_AddItemToObject(o, "value", cJSON_Duplicate(v, true));
        cJSON_AddItemToArray(list, o);
    }
    return list;
}

/* INTERACTION_CREATE for the actor; `data` is taken. */
static cJSON *interact(struct fdc *fd, const struct actor *a, int type, cJSON *data,
                       const cJSON *message, int *status)
{
    struct fdc_interaction *x = calloc(1, sizeof *x);
    if (x == NULL) {
        cJSON_Delete(data);
        return fail(status, 500, "out of memory");
    }
    fdc_snowflake(fd, x->id);
    snprintf(x->token, sizeof x->token, "aW50ZXJhY3Rpb246%s", x->id);
    fdc_copy(x->channel_id, sizeof x->channel_id, a->channel_id);
    fdc_copy(x->guild_id, sizeof x->guild_id, a->g ? a->g->id : "");
    x->type = type;
    x->created_ms = fdc_now(fd);
    fdc_copy(x->message_id, sizeof x->message_id,
             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(message, "id")));
    x->next = fd->interactions;
    fd->interactions = x;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "id", x->id);
    cJSON_AddStringToObject(d, "application_id", fd->app_id);
    cJSON_AddNumberToObject(d, "type", type);
    cJSON_AddStringToObject(d, "token", x->token);
    cJSON_AddNumberToObject(d, "version", 1);
    add_place(d, a);
    cJSON *channel = cJSON_AddObjectToObject(d, "channel");
    cJSON_AddStringToObject(channel, "id", a->channel_id);
    if (a->g != NULL)
        cJSON_AddItemToObject(d, "member", fdc_member_json(a->g, a->m, true));
    else
        cJSON_AddItemToObject(d, "user", fdc_user_json(a->user_id, "member", false));
    cJSON_AddItemToObject(d, "data", data);
    if (message != NULL)
        cJSON_AddItemToObject(d, "message", cJSON_Duplicate(message, true));
    cJSON_AddStringToObject(d, "locale", "en-US");
    fdc_emit(fd, a->g ? a->g->id : NULL, "INTERACTION_CREATE", d, 0);
    cJSON_Delete(d);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", x->id);
    cJSON_AddStringToObject(o, "token", x->token);
    return o;
}

static cJSON *slash_command(struct fdc *fd, const cJSON *body, int *status)
{
    struct actor a;
    const char *name = arg(body, "name");
    if (!actor_of(fd, body, &a) || name == NULL)
        return fail(status, 400, "needs user_id and name");
    cJSON *data = cJSON_CreateObject();
    char id[FDC_ID_MAX];
    fdc_snowflake(fd, id);
    cJSON_AddStringToObject(data, "id", id);
    cJSON_AddStringToObject(data, "name", name);
    cJSON_AddNumberToObject(data, "type", 1);
    cJSON *options = options_json(cJSON_GetObjectItemCaseSensitive(body, "options"));
    const char *sub = arg(body, "subcommand");
    if (sub != NULL) {
        cJSON *wrapped = cJSON_CreateArray();
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "name", sub);
        cJSON_AddNumberToObject(s, "type", 1);
        cJSON_AddItemToObject(s, "options", options);
        cJSON_AddItemToArray(wrapped, s);
        options = wrapped;
    }
    cJSON_AddItemToObject(data, "options", options);
    return interact(fd, &a, 2, data, NULL, status);
}

static cJSON *press(struct fdc *fd, const cJSON *body, int *status)
{
    struct fdc_message *m = fdc_message(fd, arg(body, "message_id"));
    const char *custom_id = arg(body, "custom_id");
    struct actor a;
    cJSON *place = cJSON_Duplicate(body, true);
    if (m != NULL && !cJSON_HasObjectItem(place, "channel_id"))
        cJSON_AddStringToObject(place, "channel_id", m->channel_id);
    if (m == NULL || custom_id == NULL || !actor_of(fd, place, &a)) {
        cJSON_Delete(place);
        return fail(status, 400, "needs user_id, a known message_id and custom_id");
    }
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(body, "values");
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "custom_id", custom_id);
    cJSON_AddNumberToObject(data, "component_type", values != NULL ? 3 : 2);
    if (values != NULL)
        cJSON_AddItemToObject(data, "values", cJSON_Duplicate(values, true));
    cJSON *out = interact(fd, &a, 3, data, m->json, status);
    cJSON_Delete(place); /* after: the actor's strings point into it */
    return out;
}

/* A member submits the modal an earlier interaction (opened_by) answered with; values: one
 * string per text input, in order. */
static cJSON *modal_submit(struct fdc *fd, const cJSON *body, int *status)
{
    struct fdc_interaction *opener = fdc_interaction(fd, arg(body, "opened_by"));
    if (opener == NULL || opener->modal == NULL)
        return fail(status, 400, "needs opened_by: the id of an interaction answered by a modal");
    const char *why = NULL;
    cJSON *data = fdc_modal_submit_data(opener->modal,
                                        cJSON_GetObjectItemCaseSensitive(body, "values"), &why);
    if (data == NULL)
        return fail(status, 400, why);
    struct fdc_message *m = fdc_message(fd, opener->message_id);
    cJSON *place = cJSON_Duplicate(body, true);
    if (!cJSON_HasObjectItem(place, "channel_id"))
        cJSON_AddStringToObject(place, "channel_id", opener->channel_id);
    struct actor a;
    cJSON *out = actor_of(fd, place, &a)
                     ? interact(fd, &a, 5, data, m != NULL ? m->json : NULL, status)
                     : (cJSON_Delete(data), fail(status, 400, "needs user_id"));
    cJSON_Delete(place); /* after: the actor's strings point into it */
    return out;
}

static cJSON *reaction(struct fdc *fd, const cJSON *body, int *status)
{
    struct fdc_message *m = fdc_message(fd, arg(body, "message_id"));
    const char *emoji = arg(body, "emoji");
    const char *user = arg(body, "user_id");
    struct fdc_guild *g = m != NULL ? fdc_guild(fd, m->guild_id) : NULL;
    if (m == NULL || emoji == NULL || user == NULL)
        return fail(status, 400, "needs user_id, a known message_id and emoji");
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "user_id", user);
    cJSON_AddStringToObject(d, "channel_id", m->channel_id);
    cJSON_AddStringToObject(d, "message_id", m->id);
    struct fdc_member *member = fdc_member(g, user);
    if (g != NULL) {
        cJSON_AddStringToObject(d, "guild_id", g->id);
        if (member != NULL)
            cJSON_AddItemToObject(d, "member", fdc_member_json(g, member, false));
    }
    cJSON *e = cJSON_AddObjectToObject(d, "emoji");
    cJSON_AddNullToObject(e, "id");
    cJSON_AddStringToObject(e, "name", emoji);
    fdc_emit(fd, g ? g->id : NULL, "MESSAGE_REACTION_ADD", d, GUILD_REACTIONS);
    return d;
}

static cJSON *membership(struct fdc *fd, const cJSON *body, bool join, int *status)
{
    struct fdc_guild *g = &fd->guilds[0];
    const char *user = arg(body, "user_id");
    struct fdc_member *m =
        user != NULL ? (join ? fdc_member_add(g, user, arg(body, "username")) : fdc_member(g, user))
                     : NULL;
    if (m == NULL)
        return fail(status, 400, "needs a user_id (a member, to leave)");
    m->present = join;
    if (join) { /* joined now, as Discord reports it from then on */
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(m->joined_at, sizeof m->joined_at, "%Y-%m-%dT%H:%M:%S.000000+00:00", &tm);
    }
    cJSON *d = join ? fdc_member_json(g, m, false) : cJSON_CreateObject();
    if (!join)
        cJSON_AddItemToObject(d, "user", fdc_user_json(m->id, m->username, false));
    cJSON_AddStringToObject(d, "guild_id", g->id);
    fdc_emit(fd, g->id, join ? "GUILD_MEMBER_ADD" : "GUILD_MEMBER_REMOVE", d, GUILD_MEMBERS);
    return d;
}

/* ---- Faults and settings. ---- */

static cJSON *gateway(struct fdc *fd, const cJSON *body, int *status)
{
    const char *action = arg(body, "action");
    if (action == NULL)
        return fail(status, 400, "needs action");
    if (strcmp(action, "drop_acks") == 0) {
        fd->drop_acks = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(body, "on"));
        return cJSON_CreateObject();
    }
    double code = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(body, "code"));
    int touched =
        fdc_gateway_fault(fd, action, code == code ? (int)code : 4000,
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "resumable")));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "connections", touched);
    return o;
}

static void set_int(const cJSON *body, const char *name, int *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    if (cJSON_IsNumber(v))
        *field = v->valueint;
}

static cJSON *settings(struct fdc *fd, const cJSON *body)
{
    set_int(body, "heartbeat_ms", &fd->heartbeat_ms);
    set_int(body, "shards", &fd->shards);
    set_int(body, "bucket_limit", &fd->bucket_limit);
    set_int(body, "bucket_window_ms", &fd->bucket_window_ms);
    set_int(body, "resume_window_ms", &fd->resume_window_ms);
    const cJSON *perms = cJSON_GetObjectItemCaseSensitive(body, "bot_permissions");
    if (cJSON_IsNumber(perms))
        fd->guilds[0].bot_permissions = (uint64_t)perms->valuedouble;
    const cJSON *privileged = cJSON_GetObjectItemCaseSensitive(body, "privileged");
    if (cJSON_IsNumber(privileged))
        fd->privileged = (int64_t)privileged->valuedouble;
    return cJSON_CreateObject();
}

static cJSON *state(struct fdc *fd)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "identifies", fd->identifies);
    cJSON_AddNumberToObject(o, "resumes", fd->resumes);
    cJSON_AddNumberToObject(o, "connections", fd->connections);
    cJSON_AddNumberToObject(o, "invalid_requests", fd->invalid_requests);
    cJSON_AddNumberToObject(o, "global_violations", fd->global_violations);
    cJSON_AddNumberToObject(o, "bucket_violations", fd->bucket_violations);
    cJSON_AddNumberToObject(o, "late_callbacks", fd->late_callbacks);
    cJSON_AddNumberToObject(o, "double_acks", fd->double_acks);
    cJSON_AddItemToObject(o, "sessions", fdc_sessions_json(fd));
    cJSON *list = cJSON_AddArrayToObject(o, "interactions");
    for (const struct fdc_interaction *x = fd->interactions; x != NULL; x = x->next) {
        cJSON *i = cJSON_CreateObject();
        cJSON_AddStringToObject(i, "id", x->id);
        cJSON_AddNumberToObject(i, "ack", x->ack);
        cJSON_AddNumberToObject(
            i, "ack_after_ms", x->ack != FDC_ACK_NONE ? (double)(x->acked_ms - x->created_ms) : -1);
        cJSON_AddStringToObject(i, "original_id", x->original_id);
        if (x->modal != NULL)
            cJSON_AddItemToObject(i, "modal", cJSON_Duplicate(x->modal, true));
        cJSON_AddItemToArray(list, i);
    }
    cJSON *commands = fd->guilds[0].commands;
    cJSON_AddItemToObject(o, "commands",
                          commands ? cJSON_Duplicate(commands, true) : cJSON_CreateArray());
    return o;
}

static cJSON *messages(struct fdc *fd)
{
    cJSON *list = cJSON_CreateArray();
    for (const struct fdc_message *m = fd->messages; m != NULL; m = m->next) {
        cJSON *copy = cJSON_Duplicate(m->json, true);
        cJSON_AddBoolToObject(copy, "deleted", m->deleted);
        cJSON_AddItemToArray(list, copy);
    }
    return list;
}

cJSON *fdc_control(struct fake_server *srv, const char *name, const cJSON *body, int *status,
                   void *ud)
{
    struct fdc *fd = ud;
    (void)srv;
    if (strcmp(name, "message") == 0)
        return member_message(fd, body, status);
    if (strcmp(name, "command") == 0)
        return slash_command(fd, body, status);
    if (strcmp(name, "press") == 0)
        return press(fd, body, status);
    if (strcmp(name, "modal_submit") == 0)
        return modal_submit(fd, body, status);
    if (strcmp(name, "poll_vote") == 0)
        return fdc_poll_vote(fd, body, status);
    if (strcmp(name, "reaction") == 0)
        return reaction(fd, body, status);
    if (strcmp(name, "member_join") == 0 || strcmp(name, "member_leave") == 0)
        return membership(fd, body, strcmp(name, "member_join") == 0, status);
    if (strcmp(name, "gateway") == 0)
        return gateway(fd, body, status);
    if (strcmp(name, "fault") == 0)
        return fdc_fault_arm(fd, body) ? cJSON_CreateObject()
                                       : fail(status, 409, "too many faults armed");
    if (strcmp(name, "settings") == 0)
        return settings(fd, body);
    if (strcmp(name, "state") == 0)
        return state(fd);
    if (strcmp(name, "messages") == 0)
        return messages(fd);
    return NULL;
}
