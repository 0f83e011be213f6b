/* Idempotent sends: every PUT with a transaction id is written to the store before it goes
 * out, retried with the same id, and forgotten only once the homeserver answered for good. A
 * restart sends what is left with the same ids, and the homeserver deduplicates: one message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "core/log.h"
#include "platform/matrix/matrix.h"
#include "store/core_tables.h"

#define OUTBOX_KEY "outbox"
#define SEND_ATTEMPTS 6
#define SEND_TIMEOUT_MS 20000
#define REPLAY_MAX_AGE_MS (60 * 60 * 1000) /* older answers would only confuse the room */

struct mx_outbox {
    cJSON *entries; /* txn -> {path, body, at} */
    uint64_t counter;
    char run[24]; /* distinguishes this run's ids from the previous ones */
};

struct put {
    char *txn;
    mx_done_fn done; /* may be NULL (replays) */
    void *ud;
};

kith_err mx_outbox_new(struct mx *mx)
{
    struct mx_outbox *ob = calloc(1, sizeof *ob);
    if (ob == NULL)
        return KITH_ERR_NOMEM;
    snprintf(ob->run, sizeof ob->run, "%llx%x", (unsigned long long)kith_core_now_ms(mx->core),
             (unsigned)getpid() & 0xffffu);
    char *text = NULL;
    kith_err err = kith_db_state_get(mx->core->store, MX_STATE_SCOPE, OUTBOX_KEY, &text);
    if (err == KITH_OK)
        ob->entries = cJSON_Parse(text);
    free(text);
    if (err != KITH_OK && err != KITH_ERR_NOT_FOUND) {
        free(ob);
        return err;
    }
    if (!cJSON_IsObject(ob->entries)) {
        cJSON_Delete(ob->entries);
        ob->entries = cJSON_CreateObject();
    }
    if (ob->entries == NULL) {
        free(ob);
        return KITH_ERR_NOMEM;
    }
    mx->outbox = ob;
    return KITH_OK;
}

void mx_outbox_free(struct mx *mx)
{
    if (mx->outbox == NULL)
        return;
    cJSON_Delete(mx->outbox->entries);
    free(mx->outbox);
    mx->outbox = NULL;
}

static uint64_t fnv1a(const char *text)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    return h;
}

char *mx_txn_new(struct mx *mx, struct mx_event_ctx *answering)
{
    char *txn = NULL;
    int n;
    if (answering != NULL && answering->event_id != NULL)
        n = asprintf(&txn, "kr%016llx.%u", (unsigned long long)fnv1a(answering->event_id),
                     ++answering->replies);
    else
        n = asprintf(&txn, "ks%s.%llu", mx->outbox->run, (unsigned long long)++mx->outbox->counter);
    return n < 0 ? NULL : txn;
}

char *mx_txn_derived_dup(const char *tag, const char *event_id)
{
    char *txn = NULL;
    if (asprintf(&txn, "%s%016llx", tag, (unsigned long long)fnv1a(event_id)) < 0)
        return NULL;
    return txn;
}

static kith_err persist(struct mx *mx)
{
    char *text = cJSON_PrintUnformatted(mx->outbox->entries);
    if (text == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = kith_db_state_set(mx->core->store, MX_STATE_SCOPE, OUTBOX_KEY, text);
    free(text);
    return err;
}

static void forget(struct mx *mx, const char *txn)
{
    if (mx->outbox == NULL || !cJSON_HasObjectItem(mx->outbox->entries, txn))
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(mx->outbox->entries, txn);
    kith_err err = persist(mx);
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not update the outbox: %s", kith_strerror(err));
}

/* Answered for good: a success, or a refusal that a retry would not change. Transport
 * failures, 5xx after every retry, cancellation and a rejected token keep the entry. */
static bool settled(const struct mx_reply *reply)
{
    if (reply->err == KITH_OK)
        return true;
    if (reply->err == KITH_ERR_CANCELLED || reply->status == 0 || reply->status >= 500 ||
        reply->status == 429)
        return false;
    return reply->errcode == NULL || strcmp(reply->errcode, "M_UNKNOWN_TOKEN") != 0;
}

static void on_put(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    struct put *put = ud;
    if (settled(reply))
        forget(mx, put->txn);
    if (put->done != NULL) {
        put->done(mx, reply, put->ud);
    } else if (reply->err != KITH_OK && reply->err != KITH_ERR_CANCELLED) {
        char *detail = mx_reply_detail_dup(reply);
        kith_log(KITH_LOG_WARN, MX_PLATFORM, "resending %s from the previous run failed: %s",
                 put->txn, detail ? detail : kith_strerror(reply->err));
        free(detail);
    }
    free(put->txn);
    free(put);
}

static kith_err start_put(struct mx *mx, const char *txn, const char *path, const char *body,
                          mx_done_fn done, void *ud)
{
    struct put *put = calloc(1, sizeof *put);
    if (put == NULL)
        return KITH_ERR_NOMEM;
    put->txn = strdup(txn);
    put->done = done;
    put->ud = ud;
    struct mx_request req = {.method = "PUT",
                             .path = path,
                             .body = body,
                             .timeout_ms = SEND_TIMEOUT_MS,
                             .attempts = SEND_ATTEMPTS};
    kith_err err = put->txn != NULL ? mx_call_start(mx, &req, on_put, put, NULL) : KITH_ERR_NOMEM;
    if (err != KITH_OK) {
        free(put->txn);
        free(put);
    }
    return err;
}

kith_err mx_outbox_put(struct mx *mx, const char *txn, const char *path, const char *body,
                       mx_done_fn done, void *ud)
{
    cJSON *entry = cJSON_CreateObject();
    if (entry == NULL || !cJSON_AddStringToObject(entry, "path", path) ||
        !cJSON_AddStringToObject(entry, "body", body) ||
        !cJSON_AddNumberToObject(entry, "at", (double)kith_core_now_ms(mx->core)) ||
        !cJSON_AddStringToObject(entry, "run", mx->outbox->run)) {
        cJSON_Delete(entry);
        return KITH_ERR_NOMEM;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(mx->outbox->entries, txn);
    cJSON_AddItemToObject(mx->outbox->entries, txn, entry);
    kith_err err = persist(mx);
    if (err != KITH_OK) {
        /* Without the stored txn a crash could send it twice: refuse rather than risk it. */
        cJSON_DeleteItemFromObjectCaseSensitive(mx->outbox->entries, txn);
        kith_log(KITH_LOG_ERROR, MX_PLATFORM, "could not store send %s: %s", txn,
                 kith_strerror(err));
        return err;
    }
    err = start_put(mx, txn, path, body, done, ud);
    if (err != KITH_OK)
        forget(mx, txn);
    return err;
}

void mx_outbox_replay(struct mx *mx)
{
    int64_t now = kith_core_now_ms(mx->core);
    cJSON *entry = mx->outbox->entries->child;
    while (entry != NULL) {
        cJSON *next = entry->next; /* forget() may unlink this entry */
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(entry, "path");
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(entry, "body");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(entry, "at");
        const cJSON *run = cJSON_GetObjectItemCaseSensitive(entry, "run");
        if (cJSON_IsString(run) && strcmp(run->valuestring, mx->outbox->run) == 0) {
            entry = next; /* this run's own sends, in flight since before connecting */
            continue;
        }
        bool usable = cJSON_IsString(path) && cJSON_IsString(body) && cJSON_IsNumber(at);
        if (!usable || now - (int64_t)at->valuedouble > REPLAY_MAX_AGE_MS) {
            kith_log(KITH_LOG_INFO, MX_PLATFORM, "dropping unsent %s from a previous run: %s",
                     entry->string, usable ? "too old" : "unreadable");
            forget(mx, entry->string);
        } else {
            kith_log(KITH_LOG_INFO, MX_PLATFORM, "resending %s from a previous run", entry->string);
            kith_err err =
                start_put(mx, entry->string, path->valuestring, body->valuestring, NULL, NULL);
            if (err != KITH_OK)
                kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not resend %s: %s", entry->string,
                         kith_strerror(err));
        }
        entry = next;
    }
}
