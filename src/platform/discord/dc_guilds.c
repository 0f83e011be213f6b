/* What the adapter remembers of each guild from the gateway (owner, role permissions, system
 * channel), so a member who types a command is recognised as an admin without a REST call. */
#include <stdlib.h>
#include <string.h>

#include "platform/discord/dc_internal.h"

#define TABLE_SIZE 1024

struct dc_role {
    char id[DC_SNOWFLAKE_MAX];
    uint64_t permissions;
};

struct dc_guild {
    struct dc_guild *next;
    char id[DC_SNOWFLAKE_MAX];
    char owner_id[DC_SNOWFLAKE_MAX];
    char system_channel[DC_SNOWFLAKE_MAX];
    struct dc_role *roles;
    size_t role_count;
};

struct dc_guilds {
    struct dc_guild *table[TABLE_SIZE];
};

kith_err dc_guilds_new(struct dc_guilds **out)
{
    *out = calloc(1, sizeof **out);
    return *out != NULL ? KITH_OK : KITH_ERR_NOMEM;
}

static void guild_free(struct dc_guild *g)
{
    free(g->roles);
    free(g);
}

void dc_guilds_free(struct dc_guilds *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < TABLE_SIZE; i++) {
        for (struct dc_guild *x = g->table[i], *next; x != NULL; x = next) {
            next = x->next;
            guild_free(x);
        }
    }
    free(g);
}

static size_t slot_of(const char *id)
{
    uint64_t v = strtoull(id, NULL, 10);
    return (size_t)((v >> 22) ^ v) % TABLE_SIZE;
}

static struct dc_guild *find(const struct dc_guilds *g, const char *id)
{
    if (id == NULL)
        return NULL;
    for (struct dc_guild *x = g->table[slot_of(id)]; x != NULL; x = x->next)
        if (strcmp(x->id, id) == 0)
            return x;
    return NULL;
}

static void copy_id(char *dst, const char *src)
{
    dst[0] = '\0';
    if (src != NULL && strlen(src) < DC_SNOWFLAKE_MAX)
        strcpy(dst, src);
}

static kith_err roles_from(const cJSON *roles, struct dc_role **out, size_t *count_out)
{
    size_t n = (size_t)cJSON_GetArraySize(roles);
    struct dc_role *list = calloc(n ? n : 1, sizeof *list);
    if (list == NULL)
        return KITH_ERR_NOMEM;
    size_t k = 0;
    const cJSON *role;
    cJSON_ArrayForEach(role, roles)
    {
        const char *id = dc_json_str(role, "id");
        if (id == NULL || strlen(id) >= DC_SNOWFLAKE_MAX)
            continue;
        copy_id(list[k].id, id);
        list[k].permissions = dc_json_u64(role, "permissions");
        k++;
    }
    *out = list;
    *count_out = k;
    return KITH_OK;
}

kith_err dc_guilds_put(struct dc_guilds *g, const cJSON *guild)
{
    const char *id = dc_json_str(guild, "id");
    if (id == NULL || strlen(id) >= DC_SNOWFLAKE_MAX)
        return KITH_ERR_INVALID;
    struct dc_guild *x = find(g, id);
    bool fresh = x == NULL;
    if (fresh && (x = calloc(1, sizeof *x)) == NULL)
        return KITH_ERR_NOMEM;
    copy_id(x->id, id);
    /* GUILD_UPDATE carries no roles list when they did not change: keep what we know. */
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(guild, "roles");
    if (cJSON_IsArray(roles)) {
        struct dc_role *list;
        size_t n;
        if (roles_from(roles, &list, &n) != KITH_OK) {
            if (fresh)
                free(x);
            return KITH_ERR_NOMEM;
        }
        free(x->roles);
        x->roles = list;
        x->role_count = n;
    }
    if (dc_json_str(guild, "owner_id") != NULL)
        copy_id(x->owner_id, dc_json_str(guild, "owner_id"));
    copy_id(x->system_channel, dc_json_str(guild, "system_channel_id"));
    if (fresh) {
        size_t slot = slot_of(id);
        x->next = g->table[slot];
        g->table[slot] = x;
    }
    return KITH_OK;
}

void dc_guilds_remove(struct dc_guilds *g, const char *guild_id)
{
    if (guild_id == NULL)
        return;
    for (struct dc_guild **link = &g->table[slot_of(guild_id)]; *link != NULL;
         link = &(*link)->next) {
        if (strcmp((*link)->id, guild_id) == 0) {
            struct dc_guild *x = *link;
            *link = x->next;
            guild_free(x);
            return;
        }
    }
}

kith_err dc_guilds_role_put(struct dc_guilds *g, const char *guild_id, const cJSON *role)
{
    struct dc_guild *x = find(g, guild_id);
    const char *id = dc_json_str(role, "id");
    if (x == NULL || id == NULL || strlen(id) >= DC_SNOWFLAKE_MAX)
        return KITH_ERR_NOT_FOUND;
    for (size_t i = 0; i < x->role_count; i++) {
        if (strcmp(x->roles[i].id, id) == 0) {
            x->roles[i].permissions = dc_json_u64(role, "permissions");
            return KITH_OK;
        }
    }
    struct dc_role *grown = realloc(x->roles, (x->role_count + 1) * sizeof *grown);
    if (grown == NULL)
        return KITH_ERR_NOMEM;
    x->roles = grown;
    copy_id(x->roles[x->role_count].id, id);
    x->roles[x->role_count].permissions = dc_json_u64(role, "permissions");
    x->role_count++;
    return KITH_OK;
}

void dc_guilds_role_remove(struct dc_guilds *g, const char *guild_id, const char *role_id)
{
    struct dc_guild *x = find(g, guild_id);
    for (size_t i = 0; x != NULL && role_id != NULL && i < x->role_count; i++) {
        if (strcmp(x->roles[i].id, role_id) == 0) {
            x->roles[i] = x->roles[--x->role_count];
            return;
        }
    }
}

static uint64_t role_permissions(const struct dc_guild *x, const char *role_id)
{
    for (size_t i = 0; role_id != NULL && i < x->role_count; i++)
        if (strcmp(x->roles[i].id, role_id) == 0)
            return x->roles[i].permissions;
    return 0;
}

uint64_t dc_guilds_member_permissions(const struct dc_guilds *g, const char *guild_id,
                                      const char *user_id, const cJSON *role_ids)
{
    const struct dc_guild *x = find(g, guild_id);
    if (x == NULL)
        return 0;
    if (user_id != NULL && strcmp(x->owner_id, user_id) == 0)
        return UINT64_MAX;                       /* the owner can do everything */
    uint64_t perms = role_permissions(x, x->id); /* @everyone has the guild's id */
    const cJSON *role;
    cJSON_ArrayForEach(role, role_ids)
    {
        if (cJSON_IsString(role))
            perms |= role_permissions(x, role->valuestring);
    }
    return perms;
}

const char *dc_guilds_default_channel(const struct dc_guilds *g, const char *guild_id)
{
    const struct dc_guild *x = find(g, guild_id);
    return x != NULL && x->system_channel[0] != '\0' ? x->system_channel : NULL;
}

bool dc_permissions_admin(uint64_t permissions)
{
    return (permissions & (DC_PERM_ADMINISTRATOR | DC_PERM_MANAGE_GUILD)) != 0;
}
