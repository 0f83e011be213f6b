/* A message sent as one or more Bot API calls in one chat (a text before a poll, a document
 * with its caption), in order, reporting the last message's id; a chat that moved to a
 * supergroup is followed once. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/telegram/tg_internal.h"
#include "platform/telegram/tg_job.h"
#include "store/core_tables.h"

struct tg_job *tg_job_new(struct tg *tg, int64_t chat, int64_t thread, kith_action_fn fn, void *ud)
{
    struct tg_job *job = calloc(1, sizeof *job);
    if (job == NULL)
        return NULL;
    job->tg = tg;
    job->chat = chat;
    job->thread = thread;
    job->fn = fn;
    job->ud = ud;
    return job;
}

void tg_job_free(struct tg_job *job)
{
    for (size_t i = 0; i < job->count; i++)
        cJSON_Delete(job->steps[i].params);
    if (job->file != NULL) {
        free(job->file->filename);
        free(job->file->content_type);
        free(job->file->data);
        free(job->file);
    }
    free(job->message_id);
    free(job);
}

cJSON *tg_job_add(struct tg_job *job, const char *method)
{
    if (job->count == TG_JOB_STEPS)
        return NULL;
    cJSON *params = cJSON_CreateObject();
    if (params == NULL)
        return NULL;
    if (tg_json_add_int(params, "chat_id", job->chat) != KITH_OK ||
        (job->thread > 0 && tg_json_add_int(params, "message_thread_id", job->thread) != KITH_OK)) {
        cJSON_Delete(params);
        return NULL;
    }
    job->steps[job->count].method = method;
    job->steps[job->count].params = params;
    job->count++;
    return params;
}

kith_err tg_job_attach(struct tg_job *job, const struct kith_message_attachment *file)
{
    struct kith_message_attachment *copy = calloc(1, sizeof *copy);
    if (copy == NULL)
        return KITH_ERR_NOMEM;
    job->file = copy;
    copy->filename = strdup(file->filename ? file->filename : "file");
    copy->content_type =
        strdup(file->content_type ? file->content_type : "application/octet-stream");
    copy->data = malloc(file->len ? file->len : 1);
    copy->len = file->len;
    if (copy->filename == NULL || copy->content_type == NULL || copy->data == NULL)
        return KITH_ERR_NOMEM;
    memcpy(copy->data, file->data, file->len);
    return KITH_OK;
}

/* ---- Running. ---- */

static void report(struct tg_job *job, kith_err err, const char *detail)
{
    struct kith_result result = {
        .err = err, .message_id = err == KITH_OK ? job->message_id : NULL, .detail = detail};
    if (job->fn != NULL)
        job->fn(&result, job->ud);
    tg_job_free(job);
}

static void set_chat(struct tg_job *job, int64_t chat)
{
    job->chat = chat;
    for (size_t i = job->next; i < job->count; i++) {
        cJSON_DeleteItemFromObjectCaseSensitive(job->steps[i].params, "chat_id");
        tg_json_add_int(job->steps[i].params, "chat_id", chat);
    }
}

/* Votes (poll_answer) name only Telegram's poll id: the poll's chat and message are
 * remembered under it, so a vote can be placed and named by the message id the plugin got. */
static void remember_poll(struct tg_job *job, const cJSON *result, int64_t message_id)
{
    const char *poll_id = tg_json_str(cJSON_GetObjectItemCaseSensitive(result, "poll"), "id");
    if (poll_id == NULL)
        return;
    char key[160], where[TG_ID_MAX + 24];
    snprintf(key, sizeof key, "poll:%s", poll_id);
    tg_format_id(where, sizeof where, job->chat);
    if (job->thread > 0) {
        size_t len = strlen(where);
        snprintf(where + len, sizeof where - len, "/%" PRId64, job->thread);
    }
    cJSON *place = cJSON_CreateObject();
    char *value = NULL;
    kith_err err = place != NULL && cJSON_AddStringToObject(place, "where", where) != NULL
                       ? tg_json_add_int(place, "message_id", message_id)
                       : KITH_ERR_NOMEM;
    if (err == KITH_OK && (value = cJSON_PrintUnformatted(place)) == NULL)
        err = KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = kith_db_state_set(job->tg->core->store, TG_STATE_SCOPE, key, value);
    if (err != KITH_OK)
        kith_log(KITH_LOG_WARN, "telegram",
                 "poll %s: its chat and message were not stored (%s); its votes will be ignored",
                 poll_id, kith_strerror(err));
    free(value);
    cJSON_Delete(place);
}

static kith_err take_result(struct tg_job *job, const cJSON *result)
{
    int64_t id = tg_json_int(result, "message_id", 0);
    if (id == 0)
        return KITH_OK; /* edits of inline messages and stopPoll answer without one */
    free(job->message_id);
    job->message_id = malloc(TG_ID_MAX);
    if (job->message_id == NULL)
        return KITH_ERR_NOMEM;
    tg_format_id(job->message_id, TG_ID_MAX, id);
    remember_poll(job, result, id);
    return KITH_OK;
}

static kith_err run_step(struct tg_job *job);

static void step_done(struct tg *tg, const struct tg_reply *reply, void *ud)
{
    struct tg_job *job = ud;
    const struct tg_step *step = &job->steps[job->next];
    if (reply->migrate_to != 0 && !job->migrated) {
        job->migrated = true;
        tg_migrate_chat(tg, job->chat, reply->migrate_to);
        set_chat(job, reply->migrate_to);
        kith_err err = run_step(job);
        if (err != KITH_OK)
            report(job, err, "the message could not be sent to the supergroup");
        return;
    }
    kith_err err = reply->err;
    if (err != KITH_OK && job->already_done != NULL && reply->description != NULL &&
        strstr(reply->description, job->already_done) != NULL)
        err = KITH_OK;
    else if (err == KITH_OK)
        err = take_result(job, reply->result);
    if (err != KITH_OK) {
        char *detail = reply->err != KITH_OK ? tg_error_detail_dup(step->method, reply) : NULL;
        if (reply->err != KITH_ERR_CANCELLED)
            kith_log(KITH_LOG_WARN, "telegram", "%s", detail ? detail : kith_strerror(err));
        report(job, err, detail);
        free(detail);
        return;
    }
    if (++job->next == job->count) {
        report(job, KITH_OK, NULL);
        return;
    }
    err = run_step(job);
    if (err != KITH_OK)
        report(job, err, "the rest of the message could not be sent");
}

static kith_err run_step(struct tg_job *job)
{
    const struct tg_step *step = &job->steps[job->next];
    struct tg_call_opts opts = {
        .method = step->method, .params = step->params, .pace_chat = job->paced ? job->chat : 0};
    if (job->file == NULL || strcmp(step->method, "sendDocument") != 0)
        return tg_call(job->tg, &opts, step_done, job, NULL);
    char content_type[96];
    char *body = NULL;
    kith_err err = tg_multipart_new(step->params, "document", job->file, &body, &opts.body_len,
                                    content_type, sizeof content_type);
    opts.params = NULL;
    opts.body = body;
    opts.content_type = content_type;
    if (err == KITH_OK)
        err = tg_call(job->tg, &opts, step_done, job, NULL);
    free(body);
    return err;
}

kith_err tg_job_start(struct tg_job *job)
{
    if (job->count == 0)
        return KITH_ERR_INVALID;
    return run_step(job);
}
