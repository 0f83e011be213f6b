/* Who administers a group, from getChatAdministrators: cached per chat and refreshed after a
 * while or when a chat_member update changes an admin, so members' roles stay current without
 * a lookup per message. Also the bot's own rights there (delete, restrict). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/telegram/tg_internal.h"

#define ADMINS_TTL_MS (10 * 60 * 1000)
#define FAILED_TTL_MS (30 * 1000) /* after a failed lookup, the old list (or none) this long */
#define FORGET_MS (60 * 60 * 1000)
#define LOOKUP_TIMEOUT_MS 10000

struct lookup {
    int64_t chat;
};

static struct tg_admin_chat *find(const struct tg *tg, int64_t chat)
{
    for (struct tg_admin_chat *c = tg->admins.chats; c != NULL; c = c->next)
        if (c->chat == chat)
            return c;
    return NULL;
}

/* Drops lists nobody asked about for an hour. */
static void forget_old(struct tg *tg, uint64_t now)
{
    struct tg_admin_chat **link = &tg->admins.chats;
    while (*link != NULL) {
        struct tg_admin_chat *c = *link;
        if (!c->fetching && c->fetched_at + FORGET_MS < now) {
            *link = c->next;
            free(c->users);
            free(c);
        } else {
            link = &c->next;
        }
    }
}

bool tg_admins_ready(struct tg *tg, int64_t chat)
{
    const struct tg_admin_chat *c = find(tg, chat);
    if (c == NULL || c->fetching || c->fetched_at == 0)
        return false;
    uint64_t ttl = c->failed ? FAILED_TTL_MS : ADMINS_TTL_MS;
    return tg_now(tg) < c->fetched_at + ttl;
}

bool tg_admins_is_admin(const struct tg *tg, int64_t chat, int64_t user)
{
    const struct tg_admin_chat *c = find(tg, chat);
    for (size_t i = 0; c != NULL && i < c->count; i++)
        if (c->users[i] == user)
            return true;
    return false;
}

bool tg_admins_bot_rights(const struct tg *tg, int64_t chat, struct tg_bot_rights *out)
{
    const struct tg_admin_chat *c = find(tg, chat);
    if (c == NULL || c->fetched_at == 0 || c->failed)
        return false;
    *out = c->bot;
    return true;
}

void tg_admins_invalidate(struct tg *tg, int64_t chat)
{
    struct tg_admin_chat *c = find(tg, chat);
    if (c != NULL && !c->fetching)
        c->fetched_at = 0;
}

/* Reads the ChatMember list: owners and administrators, and the bot's own entry. */
static kith_err take_list(struct tg *tg, struct tg_admin_chat *c, const cJSON *list)
{
    size_t n = (size_t)cJSON_GetArraySize(list);
    int64_t *users = calloc(n ? n : 1, sizeof *users);
    if (users == NULL)
        return KITH_ERR_NOMEM;
    struct tg_bot_rights bot = {0};
    size_t count = 0;
    const cJSON *member;
    cJSON_ArrayForEach(member, list)
    {
        const char *status = tg_json_str(member, "status");
        bool owner = status != NULL && strcmp(status, "creator") == 0;
        if (!owner && (status == NULL || strcmp(status, "administrator") != 0))
            continue;
        int64_t id = tg_json_int(cJSON_GetObjectItemCaseSensitive(member, "user"), "id", 0);
        if (id == tg->bot_id) {
            bot.admin = true;
            bot.can_delete =
                owner ||
                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(member, "can_delete_messages"));
            bot.can_restrict =
                owner ||
                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(member, "can_restrict_members"));
        }
        if (id != 0)
            users[count++] = id;
    }
    free(c->users);
    c->users = users;
    c->count = count;
    c->bot = bot;
    return KITH_OK;
}

static void fetched(struct tg *tg, const struct tg_reply *reply, void *ud)
{
    struct lookup *lk = ud;
    struct tg_admin_chat *c = find(tg, lk->chat);
    int64_t chat = lk->chat;
    free(lk);
    if (c == NULL)
        return;
    c->fetching = false;
    if (reply->err == KITH_ERR_CANCELLED)
        return;
    kith_err err = reply->err;
    if (err == KITH_OK)
        err = cJSON_IsArray(reply->result) ? take_list(tg, c, reply->result) : KITH_ERR_PLATFORM;
    c->failed = err != KITH_OK;
    c->fetched_at = tg_now(tg);
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, "telegram",
                 "the admins of chat %" PRId64 " could not be read (%s); %s", chat,
                 reply->description ? reply->description : kith_strerror(err),
                 c->count ? "using the last known list" : "nobody counts as admin for now");
    tg_intake_admins_known(tg);
}

bool tg_admins_fetch(struct tg *tg, int64_t chat)
{
    struct tg_admin_chat *c = find(tg, chat);
    if (c != NULL && c->fetching)
        return true;
    forget_old(tg, tg_now(tg));
    c = find(tg, chat);
    if (c == NULL) {
        c = calloc(1, sizeof *c);
        if (c == NULL)
            return false;
        c->chat = chat;
        c->next = tg->admins.chats;
        tg->admins.chats = c;
    }
    struct lookup *lk = malloc(sizeof *lk);
    cJSON *params = cJSON_CreateObject();
    kith_err err = lk && params ? tg_json_add_int(params, "chat_id", chat) : KITH_ERR_NOMEM;
    struct tg_call_opts opts = {.method = "getChatAdministrators",
                                .params = params,
                                .timeout_ms = LOOKUP_TIMEOUT_MS,
                                .background = true};
    if (err == KITH_OK) {
        lk->chat = chat;
        err = tg_call(tg, &opts, fetched, lk, NULL);
    }
    cJSON_Delete(params);
    if (err != KITH_OK) {
        free(lk);
        c->failed = true;
        c->fetched_at = tg_now(tg);
        return false;
    }
    c->fetching = true;
    return true;
}

void tg_admins_free(struct tg *tg)
{
    while (tg->admins.chats != NULL) {
        struct tg_admin_chat *c = tg->admins.chats;
        tg->admins.chats = c->next;
        free(c->users);
        free(c);
    }
}
