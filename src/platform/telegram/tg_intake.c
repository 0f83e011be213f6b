/* Update intake: updates are handled one at a time in update_id order, each after its chat's
 * admin list is known, and the offset is stored right after each one is handled, so a
 * restart neither loses nor repeats an update. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/telegram/tg_internal.h"
#include "store/core_tables.h"

static void offset_key(const struct tg *tg, char *buf, size_t size)
{
    /* Update ids belong to one bot: a new token starts from its own offset. */
    snprintf(buf, size, "offset:%" PRId64, tg->bot_id);
}

kith_err tg_intake_load_offset(struct tg *tg)
{
    char key[48];
    offset_key(tg, key, sizeof key);
    char *value = NULL;
    kith_err err = kith_db_state_get(tg->core->store, TG_STATE_SCOPE, key, &value);
    if (err == KITH_ERR_NOT_FOUND) {
        tg->intake.next_offset = 0;
        tg->intake.last_queued = -1;
        return KITH_OK;
    }
    if (err != KITH_OK)
        return err;
    tg->intake.next_offset = strtoll(value, NULL, 10);
    tg->intake.last_queued = tg->intake.next_offset - 1;
    free(value);
    return KITH_OK;
}

static void store_offset(struct tg *tg, int64_t next)
{
    char key[48], value[24];
    offset_key(tg, key, sizeof key);
    snprintf(value, sizeof value, "%" PRId64, next);
    tg->intake.next_offset = next;
    kith_err err = kith_db_state_set(tg->core->store, TG_STATE_SCOPE, key, value);
    if (err != KITH_OK)
        kith_log(KITH_LOG_ERROR, "telegram",
                 "storing the update offset failed (%s): update %" PRId64
                 " may be handled again after a restart",
                 kith_strerror(err), next - 1);
}

void tg_intake_push(struct tg *tg, cJSON *update)
{
    struct tg_intake *in = &tg->intake;
    int64_t id = tg_json_int(update, "update_id", -1);
    if (id < 0 || id < in->next_offset || id <= in->last_queued) {
        /* A webhook retry, or a batch overlapping what was handled. */
        kith_log(KITH_LOG_DEBUG, "telegram", "update %" PRId64 " already taken", id);
        cJSON_Delete(update);
        return;
    }
    struct tg_update *u = calloc(1, sizeof *u);
    if (u == NULL) {
        kith_log(KITH_LOG_ERROR, "telegram", "out of memory: update %" PRId64 " dropped", id);
        cJSON_Delete(update);
        return;
    }
    u->json = update;
    u->id = id;
    in->last_queued = id;
    if (in->tail != NULL)
        in->tail->next = u;
    else
        in->head = u;
    in->tail = u;
}

bool tg_intake_idle(const struct tg *tg)
{
    return tg->intake.head == NULL;
}

static void pop_head(struct tg_intake *in)
{
    struct tg_update *u = in->head;
    in->head = u->next;
    if (in->head == NULL)
        in->tail = NULL;
    cJSON_Delete(u->json);
    free(u);
}

void tg_intake_clear(struct tg *tg)
{
    struct tg_intake *in = &tg->intake;
    while (in->head != NULL)
        pop_head(in);
    in->waiting = false;
    in->last_queued = in->next_offset - 1;
}

/* ---- Chats seen since start: their server row, and their command list registered. ---- */

static bool remember_chat(struct tg_intake *in, int64_t chat)
{
    size_t lo = 0, hi = in->known_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (in->known_chats[mid] == chat)
            return false;
        if (in->known_chats[mid] < chat)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (in->known_count == in->known_cap) {
        size_t cap = in->known_cap ? in->known_cap * 2 : 16;
        int64_t *grown = realloc(in->known_chats, cap * sizeof *grown);
        if (grown == NULL)
            return false; /* seen again later: tried again then */
        in->known_chats = grown;
        in->known_cap = cap;
    }
    memmove(&in->known_chats[lo + 1], &in->known_chats[lo],
            (in->known_count - lo) * sizeof in->known_chats[0]);
    in->known_chats[lo] = chat;
    in->known_count++;
    return true;
}

static void first_sight(struct tg *tg, const cJSON *update)
{
    int64_t chat = tg_update_group_chat(update);
    if (chat == 0 || !remember_chat(&tg->intake, chat))
        return;
    char server_id[TG_ID_MAX];
    tg_format_id(server_id, sizeof server_id, chat);
    kith_err err = kith_db_server_upsert(tg->core->store, server_id, TG_PLATFORM,
                                         tg_update_chat_title(update), kith_core_now_ms(tg->core));
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, "telegram", "recording %s failed: %s", server_id,
                 kith_strerror(err));
    /* The plugins enabled there may have changed while kithd was down. */
    kith_core_commands_changed(tg->core, server_id);
}

/* ---- Handling. ---- */

/* True when the head can be handled now; otherwise an admin lookup was started. */
static bool head_ready(struct tg *tg)
{
    int64_t chat = tg_update_group_chat(tg->intake.head->json);
    if (chat == 0 || tg_admins_ready(tg, chat))
        return true;
    if (!tg_admins_fetch(tg, chat))
        return true; /* no lookup possible: everyone counts as a member for now */
    tg->intake.waiting = true;
    return false;
}

void tg_intake_run(struct tg *tg)
{
    struct tg_intake *in = &tg->intake;
    if (in->running || in->waiting || !tg->started)
        return;
    in->running = true;
    while (in->head != NULL && tg->running && !tg->stopping) {
        if (!head_ready(tg))
            break;
        struct tg_update *u = in->head;
        first_sight(tg, u->json);
        tg_event_dispatch_update(tg, u->json);
        store_offset(tg, u->id + 1);
        if (tg->cfg->webhook)
            tg_inbox_forget(tg, u->id);
        pop_head(in);
    }
    in->running = false;
    if (in->head == NULL)
        tg_poll_next(tg);
}

void tg_intake_admins_known(struct tg *tg)
{
    tg->intake.waiting = false;
    tg_intake_run(tg);
}
