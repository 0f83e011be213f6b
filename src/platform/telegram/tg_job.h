/* A message sent as a short sequence of Bot API calls in one chat (tg_job.c), and the
 * multipart body of a file upload (tg_multipart.c). */
#ifndef KITH_TG_JOB_H
#define KITH_TG_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/message.h"
#include "core/platform.h"
#include "platform/telegram/tg_internal.h"

#define TG_JOB_STEPS 3

struct tg_job {
    struct tg *tg;
    kith_action_fn fn; /* reported once, with the last step's message id */
    void *ud;
    int64_t chat, thread;
    struct tg_step steps[TG_JOB_STEPS];
    size_t count, next;
    struct kith_message_attachment *file; /* a copy, uploaded by the sendDocument step */
    char *message_id;
    bool paced; /* messages: within the chat's pacing */
    /* A refusal whose description holds this means the wanted state is already there
     * (an edit "message is not modified", a stop "poll has already been closed"): success. */
    const char *already_done;
    bool migrated;
};

struct tg_job *tg_job_new(struct tg *tg, int64_t chat, int64_t thread, kith_action_fn fn, void *ud);
void tg_job_free(struct tg_job *job);
/* A step with chat_id (and the topic) set; fill in the rest. NULL when full or no memory. */
cJSON *tg_job_add(struct tg_job *job, const char *method);
kith_err tg_job_attach(struct tg_job *job, const struct kith_message_attachment *file);
/* Sends the steps in order; the job reports and frees itself. On error nothing was sent, the
 * callback will not be called, and the caller frees the job. */
kith_err tg_job_start(struct tg_job *job);

/* A multipart/form-data body: each parameter as a field (strings as they are, other values
 * as JSON) and the file under file_field. *body_out is malloc'd; content_type gets the type
 * with its boundary. */
kith_err tg_multipart_new(const cJSON *params, const char *file_field,
                          const struct kith_message_attachment *file, char **body_out,
                          size_t *len_out, char *content_type, size_t content_type_size);

#endif
