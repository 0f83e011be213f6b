/* Gateway dispatches turned into what kith needs: the bot's identity from READY, the guild cache
 * and command registration from GUILD_CREATE, and kith events for messages, reactions, members,
 * poll votes and interactions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/discord/dc_internal.h"
#include "store/core_tables.h"

static bool is_type(const char *type, const char *name)
{
    return strcmp(type, name) == 0;
}

static void copy_snowflake(char *dst, const char *src)
{
    if (src != NULL && strlen(src) < DC_SNOWFLAKE_MAX)
        strcpy(dst, src);
}

static void on_ready(struct dc *dc, const cJSON *d)
{
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(d, "user");
    const cJSON *app = cJSON_GetObjectItemCaseSensitive(d, "application");
    copy_snowflake(dc->bot_id, dc_json_str(user, "id"));
    copy_snowflake(dc->app_id, dc_json_str(app, "id"));
    const char *username = dc_json_str(user, "username");
    if (username != NULL && (dc->bot_username == NULL || strcmp(dc->bot_username, username))) {
        char *copy = strdup(username);
        if (copy != NULL) {
            free(dc->bot_username);
            dc->bot_username = copy;
            kith_core_set_bot_username(dc->core, DC_PLATFORM, username);
        }
    }
}

static void on_guild_create(struct dc *dc, const cJSON *d)
{
    if (dc_json_bool(d, "unavailable"))
        return; /* an outage: the guild comes back with another GUILD_CREATE */
    const char *guild = dc_json_str(d, "id");
    char server_id[DC_ID_MAX];
    if (!dc_format_id(server_id, sizeof server_id, guild))
        return;
    if (dc_guilds_put(dc->guilds, d) != KITH_OK)
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "guild %s not cached (out of memory)", guild);
    kith_err err = kith_db_server_upsert(dc->core->store, server_id, DC_PLATFORM,
                                         dc_json_str(d, "name"), kith_core_now_ms(dc->core));
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "recording %s failed: %s", server_id,
                 kith_strerror(err));
    /* The plugins enabled there may have changed while kithd was away. */
    kith_core_commands_changed(dc->core, server_id);
}

static void on_guild_delete(struct dc *dc, const cJSON *d)
{
    if (!dc_json_bool(d, "unavailable"))
        dc_guilds_remove(dc->guilds, dc_json_str(d, "id"));
}

static void on_role(struct dc *dc, const char *type, const cJSON *d)
{
    const char *guild = dc_json_str(d, "guild_id");
    if (is_type(type, "GUILD_ROLE_DELETE"))
        dc_guilds_role_remove(dc->guilds, guild, dc_json_str(d, "role_id"));
    else
        dc_guilds_role_put(dc->guilds, guild, cJSON_GetObjectItemCaseSensitive(d, "role"));
}

static void dispatch(struct dc *dc, struct dc_event_build *b)
{
    if (!b->failed)
        kith_core_dispatch(dc->core, &b->ev);
    else
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "event dropped: out of memory");
    dc_event_build_clear(b);
}

static bool from_self(const struct dc *dc, const char *user_id)
{
    return user_id != NULL && dc->bot_id[0] != '\0' && strcmp(dc->bot_id, user_id) == 0;
}

static void on_message(struct dc *dc, kith_event_kind kind, const cJSON *d, const char *frame)
{
    const cJSON *author = cJSON_GetObjectItemCaseSensitive(d, "author");
    if (author == NULL || from_self(dc, dc_json_str(author, "id")))
        return; /* our own messages (interaction answers too) never come back as events */
    if (kind == KITH_EVENT_MESSAGE_EDIT && dc_json_str(d, "content") == NULL)
        return; /* an embed resolving, not an edit */
    struct dc_event_build b;
    dc_event_build_init(&b, kind, frame);
    dc_event_build_place(&b, dc_json_str(d, "guild_id"), dc_json_str(d, "channel_id"));
    dc_event_build_author(&b, dc, author, cJSON_GetObjectItemCaseSensitive(d, "member"));
    dc_event_build_message(&b, d);
    if (b.ev.timestamp_ms == 0)
        b.ev.timestamp_ms = kith_core_now_ms(dc->core);
    if (kind == KITH_EVENT_MESSAGE && b.ev.server_id != NULL && b.ev.author.id != NULL &&
        !b.ev.author.is_bot)
        kith_db_member_seen(dc->core->store, b.ev.server_id, b.ev.author.id,
                            b.ev.author.display_name, b.ev.timestamp_ms);
    dispatch(dc, &b);
}

static void on_message_delete(struct dc *dc, const cJSON *d, const char *frame)
{
    struct dc_event_build b;
    dc_event_build_init(&b, KITH_EVENT_MESSAGE_DELETE, frame);
    dc_event_build_place(&b, dc_json_str(d, "guild_id"), dc_json_str(d, "channel_id"));
    if (dc_format_id(b.message_id, sizeof b.message_id, dc_json_str(d, "id")))
        b.ev.message.id = b.message_id;
    b.ev.timestamp_ms = kith_core_now_ms(dc->core);
    /* Discord does not say who deleted it, nor whose it was: author.id stays NULL. */
    dispatch(dc, &b);
}

static void on_reaction(struct dc *dc, kith_event_kind kind, const cJSON *d, const char *frame)
{
    const char *user_id = dc_json_str(d, "user_id");
    if (from_self(dc, user_id))
        return;
    struct dc_event_build b;
    dc_event_build_init(&b, kind, frame);
    dc_event_build_place(&b, dc_json_str(d, "guild_id"), dc_json_str(d, "channel_id"));
    const cJSON *member = cJSON_GetObjectItemCaseSensitive(d, "member");
    dc_event_build_author(&b, dc, cJSON_GetObjectItemCaseSensitive(member, "user"), member);
    if (b.ev.author.id == NULL && dc_format_id(b.author_id, sizeof b.author_id, user_id))
        b.ev.author.id = b.author_id; /* direct messages and removals carry no member */
    if (dc_format_id(b.message_id, sizeof b.message_id, dc_json_str(d, "message_id")))
        b.ev.reaction.message_id = b.message_id;
    const cJSON *emoji = cJSON_GetObjectItemCaseSensitive(d, "emoji");
    b.ev.reaction.emoji = dc_event_build_keep(&b, dc_json_str(emoji, "name"));
    b.ev.timestamp_ms = kith_core_now_ms(dc->core);
    dispatch(dc, &b);
}

static void on_member(struct dc *dc, kith_event_kind kind, const cJSON *d, const char *frame)
{
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(d, "user");
    if (from_self(dc, dc_json_str(user, "id")))
        return;
    struct dc_event_build b;
    dc_event_build_init(&b, kind, frame);
    dc_event_build_place(&b, dc_json_str(d, "guild_id"), NULL);
    /* GUILD_MEMBER_ADD and _UPDATE are member objects themselves; _REMOVE has only the user. */
    dc_event_build_author(&b, dc, user, kind == KITH_EVENT_MEMBER_LEAVE ? NULL : d);
    b.ev.timestamp_ms = kith_core_now_ms(dc->core);
    if (kind == KITH_EVENT_MEMBER_JOIN && b.ev.author.id != NULL)
        kith_db_member_seen(dc->core->store, b.ev.server_id, b.ev.author.id,
                            b.ev.author.display_name, b.ev.timestamp_ms);
    dispatch(dc, &b);
}

void dc_events_dispatch(struct dc *dc, struct dc_shard *sh, const char *type, const cJSON *d,
                        const char *frame)
{
    (void)sh;
    if (!cJSON_IsObject(d))
        return;
    if (is_type(type, "READY"))
        on_ready(dc, d);
    else if (is_type(type, "GUILD_CREATE"))
        on_guild_create(dc, d);
    else if (is_type(type, "GUILD_UPDATE"))
        dc_guilds_put(dc->guilds, d);
    else if (is_type(type, "GUILD_DELETE"))
        on_guild_delete(dc, d);
    else if (strncmp(type, "GUILD_ROLE_", 11) == 0)
        on_role(dc, type, d);
    else if (is_type(type, "MESSAGE_CREATE"))
        on_message(dc, KITH_EVENT_MESSAGE, d, frame);
    else if (is_type(type, "MESSAGE_UPDATE"))
        on_message(dc, KITH_EVENT_MESSAGE_EDIT, d, frame);
    else if (is_type(type, "MESSAGE_DELETE"))
        on_message_delete(dc, d, frame);
    else if (is_type(type, "MESSAGE_REACTION_ADD"))
        on_reaction(dc, KITH_EVENT_REACTION_ADD, d, frame);
    else if (is_type(type, "MESSAGE_REACTION_REMOVE"))
        on_reaction(dc, KITH_EVENT_REACTION_REMOVE, d, frame);
    else if (is_type(type, "GUILD_MEMBER_ADD"))
        on_member(dc, KITH_EVENT_MEMBER_JOIN, d, frame);
    else if (is_type(type, "GUILD_MEMBER_REMOVE"))
        on_member(dc, KITH_EVENT_MEMBER_LEAVE, d, frame);
    else if (is_type(type, "GUILD_MEMBER_UPDATE"))
        on_member(dc, KITH_EVENT_MEMBER_UPDATE, d, frame);
    else if (is_type(type, "MESSAGE_POLL_VOTE_ADD"))
        dc_poll_vote(dc, d, frame, true);
    else if (is_type(type, "MESSAGE_POLL_VOTE_REMOVE"))
        dc_poll_vote(dc, d, frame, false);
    else if (is_type(type, "INTERACTION_CREATE"))
        dc_interaction_handle(dc, d, frame);
}
