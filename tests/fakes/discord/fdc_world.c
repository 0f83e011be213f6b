/* The fake Discord's world: one guild ("Kith fans") with channels, roles and members ready for
 * scenarios, the messages the bot and members wrote, interactions, and direct-message channels;
 * and these objects as Discord's JSON shows them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_discord.h"

#define VIEW_CHANNEL (1ULL << 10)
#define SEND_MESSAGES (1ULL << 11)
#define READ_HISTORY (1ULL << 16)
#define BOT_DEFAULT_PERMISSIONS                                                                    \
    (VIEW_CHANNEL | SEND_MESSAGES | READ_HISTORY | (1ULL << 1) | (1ULL << 2) | (1ULL << 13) |      \
     (1ULL << 14) | (1ULL << 15) | (1ULL << 28) | (1ULL << 40))

struct fdc_dm {
    struct fdc_dm *next;
    char user_id[FDC_ID_MAX];
    char channel_id[FDC_ID_MAX];
};

static void add_role(struct fdc_guild *g, const char *id, const char *name, uint64_t perms)
{
    struct fdc_role *r = &g->roles[g->role_count++];
    fdc_copy(r->id, sizeof r->id, id);
    fdc_copy(r->name, sizeof r->name, name);
    r->permissions = perms;
}

static void give_role(struct fdc_member *m, const char *role)
{
    if (m != NULL && m->role_count < FDC_MEMBER_ROLES)
        fdc_copy(m->roles[m->role_count++], FDC_ID_MAX, role);
}

void fdc_world_init(struct fdc *fd)
{
    struct fdc_guild *g = &fd->guilds[fd->guild_count++];
    fdc_copy(g->id, sizeof g->id, "300000000000000003");
    fdc_copy(g->name, sizeof g->name, "Kith fans");
    fdc_copy(g->owner_id, sizeof g->owner_id, "600000000000000006");
    fdc_copy(g->channels[g->channel_count++], FDC_ID_MAX, "400000000000000004");
    fdc_copy(g->channels[g->channel_count++], FDC_ID_MAX, "400000000000000005");
    add_role(g, g->id, "@everyone", VIEW_CHANNEL | SEND_MESSAGES | READ_HISTORY);
    add_role(g, "500000000000000005", "Admins", FDC_PERM_ADMINISTRATOR);
    add_role(g, "500000000000000006", "Moderators", 1ULL << 13);
    g->bot_permissions = BOT_DEFAULT_PERMISSIONS;
    fdc_member_add(g, "600000000000000006", "olivia");
    give_role(fdc_member_add(g, "600000000000000007", "adam"), "500000000000000005");
    fdc_member_add(g, "600000000000000008", "mia");
    fdc_member_add(g, "600000000000000009", "max");
    fdc_member_add(g, fd->bot_id, fd->bot_name);
}

void fdc_world_free(struct fdc *fd)
{
    for (size_t i = 0; i < fd->guild_count; i++)
        cJSON_Delete(fd->guilds[i].commands);
    while (fd->messages != NULL) {
        struct fdc_message *m = fd->messages;
        fd->messages = m->next;
        cJSON_Delete(m->json);
        cJSON_Delete(m->votes);
        free(m);
    }
    while (fd->interactions != NULL) {
        struct fdc_interaction *x = fd->interactions;
        fd->interactions = x->next;
        cJSON_Delete(x->modal);
        free(x);
    }
    while (fd->dms != NULL) {
        struct fdc_dm *d = fd->dms;
        fd->dms = d->next;
        free(d);
    }
}

struct fdc_guild *fdc_guild(struct fdc *fd, const char *id)
{
    for (size_t i = 0; id != NULL && i < fd->guild_count; i++)
        if (strcmp(fd->guilds[i].id, id) == 0)
            return &fd->guilds[i];
    return NULL;
}

struct fdc_guild *fdc_channel_guild(struct fdc *fd, const char *channel_id)
{
    for (size_t i = 0; channel_id != NULL && i < fd->guild_count; i++)
        for (size_t c = 0; c < fd->guilds[i].channel_count; c++)
            if (strcmp(fd->guilds[i].channels[c], channel_id) == 0)
                return &fd->guilds[i];
    return NULL;
}

bool fdc_channel_known(struct fdc *fd, const char *channel_id)
{
    if (fdc_channel_guild(fd, channel_id) != NULL)
        return true;
    for (struct fdc_dm *d = fd->dms; channel_id != NULL && d != NULL; d = d->next)
        if (strcmp(d->channel_id, channel_id) == 0)
            return true;
    return false;
}

struct fdc_member *fdc_member(struct fdc_guild *g, const char *user_id)
{
    for (size_t i = 0; g != NULL && user_id != NULL && i < g->member_count; i++)
        if (strcmp(g->members[i].id, user_id) == 0)
            return &g->members[i];
    return NULL;
}

struct fdc_member *fdc_member_add(struct fdc_guild *g, const char *user_id, const char *name)
{
    struct fdc_member *m = fdc_member(g, user_id);
    if (m == NULL) {
        if (g->member_count >= FDC_MEMBERS_MAX)
            return NULL;
        m = &g->members[g->member_count++];
        memset(m, 0, sizeof *m);
        fdc_copy(m->id, sizeof m->id, user_id);
    }
    fdc_copy(m->username, sizeof m->username, name != NULL ? name : "member");
    m->present = true;
    return m;
}

static uint64_t role_perms(const struct fdc_guild *g, const char *role_id)
{
    for (size_t i = 0; i < g->role_count; i++)
        if (strcmp(g->roles[i].id, role_id) == 0)
            return g->roles[i].permissions;
    return 0;
}

uint64_t fdc_member_permissions(const struct fdc_guild *g, const struct fdc_member *m)
{
    if (strcmp(g->owner_id, m->id) == 0)
        return FDC_PERM_ALL;
    uint64_t perms = role_perms(g, g->id);
    for (size_t i = 0; i < m->role_count; i++)
        perms |= role_perms(g, m->roles[i]);
    return perms & FDC_PERM_ADMINISTRATOR ? FDC_PERM_ALL : perms;
}

cJSON *fdc_user_json(const char *id, const char *name, bool bot)
{
    cJSON *u = cJSON_CreateObject();
    cJSON_AddStringToObject(u, "id", id);
    cJSON_AddStringToObject(u, "username", name);
    cJSON_AddNullToObject(u, "global_name");
    cJSON_AddStringToObject(u, "discriminator", "0");
    if (bot)
        cJSON_AddTrueToObject(u, "bot");
    return u;
}

cJSON *fdc_member_json(const struct fdc_guild *g, const struct fdc_member *m, bool with_perms)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "user", fdc_user_json(m->id, m->username, false));
    cJSON *roles = cJSON_AddArrayToObject(o, "roles");
    for (size_t i = 0; i < m->role_count; i++)
        cJSON_AddItemToArray(roles, cJSON_CreateString(m->roles[i]));
    cJSON_AddNullToObject(o, "nick");
    cJSON_AddStringToObject(o, "joined_at",
                            m->joined_at[0] ? m->joined_at : "2024-01-15T10:00:00.000000+00:00");
    if (m->timeout_until[0] != '\0')
        cJSON_AddStringToObject(o, "communication_disabled_until", m->timeout_until);
    else
        cJSON_AddNullToObject(o, "communication_disabled_until");
    if (with_perms) {
        char perms[24];
        snprintf(perms, sizeof perms, "%llu", (unsigned long long)fdc_member_permissions(g, m));
        cJSON_AddStringToObject(o, "permissions", perms);
    }
    return o;
}

cJSON *fdc_guild_json(const struct fdc_guild *g)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", g->id);
    cJSON_AddStringToObject(o, "name", g->name);
    cJSON_AddStringToObject(o, "owner_id", g->owner_id);
    cJSON_AddStringToObject(o, "system_channel_id", g->channels[0]);
    cJSON *roles = cJSON_AddArrayToObject(o, "roles");
    for (size_t i = 0; i < g->role_count; i++) {
        cJSON *r = cJSON_CreateObject();
        char perms[24];
        snprintf(perms, sizeof perms, "%llu", (unsigned long long)g->roles[i].permissions);
        cJSON_AddStringToObject(r, "id", g->roles[i].id);
        cJSON_AddStringToObject(r, "name", g->roles[i].name);
        cJSON_AddStringToObject(r, "permissions", perms);
        cJSON_AddItemToArray(roles, r);
    }
    cJSON *channels = cJSON_AddArrayToObject(o, "channels");
    for (size_t i = 0; i < g->channel_count; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "id", g->channels[i]);
        cJSON_AddNumberToObject(c, "type", 0);
        cJSON_AddStringToObject(c, "name", i == 0 ? "general" : "random");
        cJSON_AddItemToArray(channels, c);
    }
    cJSON *members = cJSON_AddArrayToObject(o, "members");
    for (size_t i = 0; i < g->member_count; i++)
        if (g->members[i].present)
            cJSON_AddItemToArray(members, fdc_member_json(g, &g->members[i], false));
    cJSON_AddNumberToObject(o, "member_count", (double)g->member_count);
    cJSON_AddFalseToObject(o, "unavailable");
    return o;
}

struct fdc_message *fdc_message_add(struct fdc *fd, const char *channel_id, const char *author_id,
                                    cJSON *json)
{
    struct fdc_message *m = calloc(1, sizeof *m);
    if (m == NULL) {
        cJSON_Delete(json);
        return NULL;
    }
    fdc_snowflake(fd, m->id);
    fdc_copy(m->channel_id, sizeof m->channel_id, channel_id);
    fdc_copy(m->author_id, sizeof m->author_id, author_id);
    struct fdc_guild *g = fdc_channel_guild(fd, channel_id);
    if (g != NULL)
        fdc_copy(m->guild_id, sizeof m->guild_id, g->id);
    cJSON_DeleteItemFromObjectCaseSensitive(json, "id");
    cJSON_DeleteItemFromObjectCaseSensitive(json, "channel_id");
    cJSON_AddStringToObject(json, "id", m->id);
    cJSON_AddStringToObject(json, "channel_id", channel_id);
    m->json = json;
    m->next = fd->messages;
    fd->messages = m;
    return m;
}

struct fdc_message *fdc_message(struct fdc *fd, const char *id)
{
    for (struct fdc_message *m = fd->messages; id != NULL && m != NULL; m = m->next)
        if (strcmp(m->id, id) == 0)
            return m;
    return NULL;
}

struct fdc_interaction *fdc_interaction(struct fdc *fd, const char *id)
{
    for (struct fdc_interaction *x = fd->interactions; id != NULL && x != NULL; x = x->next)
        if (strcmp(x->id, id) == 0)
            return x;
    return NULL;
}

struct fdc_interaction *fdc_interaction_by_token(struct fdc *fd, const char *token)
{
    for (struct fdc_interaction *x = fd->interactions; token != NULL && x != NULL; x = x->next)
        if (strcmp(x->token, token) == 0)
            return x;
    return NULL;
}

const char *fdc_dm_channel(struct fdc *fd, const char *user_id)
{
    for (struct fdc_dm *d = fd->dms; d != NULL; d = d->next)
        if (strcmp(d->user_id, user_id) == 0)
            return d->channel_id;
    struct fdc_dm *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    fdc_copy(d->user_id, sizeof d->user_id, user_id);
    fdc_snowflake(fd, d->channel_id);
    d->next = fd->dms;
    fd->dms = d;
    return d->channel_id;
}
