/* The webhook's inbox: an update Telegram delivered is kept in the store from the moment kithd
 * answers 200 (after which Telegram never sends it again) until it is handled, so one accepted
 * just before a crash is handled after the restart instead of lost. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/telegram/tg_internal.h"
#include "store/core_tables.h"

#define INBOX_SCOPE "telegram:inbox"

/* "<bot id>:<update id, zero-padded>": key order is update order, per bot. */
static void inbox_key(const struct tg *tg, int64_t update_id, char *buf, size_t size)
{
    snprintf(buf, size, "%" PRId64 ":%020" PRId64, tg->bot_id, update_id);
}

kith_err tg_inbox_keep(struct tg *tg, int64_t update_id, const char *json)
{
    char key[64];
    inbox_key(tg, update_id, key, sizeof key);
    return kith_db_state_set(tg->core->store, INBOX_SCOPE, key, json);
}

void tg_inbox_forget(struct tg *tg, int64_t update_id)
{
    char key[64];
    inbox_key(tg, update_id, key, sizeof key);
    kith_err err = kith_db_state_delete(tg->core->store, INBOX_SCOPE, key);
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, "telegram",
                 "update %" PRId64 " stays in the webhook inbox (%s); the offset keeps it from "
                 "being handled twice",
                 update_id, kith_strerror(err));
}

struct kept {
    char **keys, **bodies;
    size_t count;
    bool failed;
};

static void collect(const char *key, const char *value, void *ud)
{
    struct kept *k = ud;
    char **keys = realloc(k->keys, (k->count + 1) * sizeof *keys);
    if (keys != NULL)
        k->keys = keys;
    char **bodies = realloc(k->bodies, (k->count + 1) * sizeof *bodies);
    if (bodies != NULL)
        k->bodies = bodies;
    char *key_copy = strdup(key), *body_copy = strdup(value);
    if (keys == NULL || bodies == NULL || key_copy == NULL || body_copy == NULL) {
        free(key_copy);
        free(body_copy);
        k->failed = true;
        return;
    }
    k->keys[k->count] = key_copy;
    k->bodies[k->count] = body_copy;
    k->count++;
}

static void kept_free(struct kept *k)
{
    for (size_t i = 0; i < k->count; i++) {
        free(k->keys[i]);
        free(k->bodies[i]);
    }
    free(k->keys);
    free(k->bodies);
}

size_t tg_inbox_replay(struct tg *tg)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%" PRId64 ":", tg->bot_id);
    struct kept k = {0};
    kith_err err = kith_db_state_list(tg->core->store, INBOX_SCOPE, prefix, collect, &k);
    if (err != KITH_OK || k.failed)
        kith_log(KITH_LOG_ERROR, "telegram", "reading the webhook inbox failed (%s)",
                 err != KITH_OK ? kith_strerror(err) : "out of memory");
    size_t replayed = 0;
    for (size_t i = 0; i < k.count; i++) {
        cJSON *update = cJSON_Parse(k.bodies[i]);
        int64_t id = tg_json_int(update, "update_id", -1);
        if (id < tg->intake.next_offset) {
            /* Handled before the crash, forgotten too late; or unreadable. */
            cJSON_Delete(update);
            if (kith_db_state_delete(tg->core->store, INBOX_SCOPE, k.keys[i]) != KITH_OK)
                kith_log(KITH_LOG_WARN, "telegram", "a handled update stays in the inbox");
            continue;
        }
        tg_intake_push(tg, update);
        replayed++;
    }
    kept_free(&k);
    if (replayed > 0)
        kith_log(KITH_LOG_INFO, "telegram",
                 "%zu update(s) accepted before the restart are handled now", replayed);
    return replayed;
}
