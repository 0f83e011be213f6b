/* Faults armed by tests: an error status (401, 409, 429 with retry_after, a 502 from the
 * front proxy), a connection dropped at once or after holding a long poll (a reset mid-poll),
 * or a request held unanswered (a stall), each for the next N calls of a method. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_telegram.h"

static const char *default_description(int status)
{
    switch (status) {
    case 401: return "Unauthorized";
    case 409:
        return "Conflict: terminated by other getUpdates request; make sure that only one bot "
               "instance is running";
    case 429: return "Too Many Requests: retry after 1";
    case 500: return "Internal Server Error";
    default: return "Bad Request";
    }
}

/* ---- Held requests. ---- */

static void timer_closed(uv_handle_t *handle)
{
    free(handle);
}

static void held_free(struct tgf *tg, struct tgf_held *h)
{
    for (struct tgf_held **link = &tg->held; *link != NULL; link = &(*link)->next)
        if (*link == h) {
            *link = h->next;
            break;
        }
    if (h->timer != NULL) {
        uv_timer_stop(h->timer);
        uv_close((uv_handle_t *)h->timer, timer_closed);
    }
    free(h);
}

static void held_aborted(struct fake_request *req, void *ud)
{
    struct tgf_held *h = ud;
    (void)req;
    held_free(h->tg, h);
}

static void reset_due(uv_timer_t *timer)
{
    struct tgf_held *h = timer->data;
    struct fake_request *req = h->req;
    held_free(h->tg, h);
    fake_request_drop(req);
}

static void hold(struct tgf *tg, struct fake_request *req, int after_ms)
{
    struct tgf_held *h = calloc(1, sizeof *h);
    if (h == NULL) {
        fake_request_drop(req);
        return;
    }
    h->tg = tg;
    h->req = req;
    if (after_ms >= 0) {
        h->timer = malloc(sizeof *h->timer);
        if (h->timer == NULL) {
            free(h);
            fake_request_drop(req);
            return;
        }
        uv_timer_init(tg->loop, h->timer);
        h->timer->data = h;
        uv_timer_start(h->timer, reset_due, (uint64_t)after_ms, 0);
    }
    h->next = tg->held;
    tg->held = h;
    fake_request_on_abort(req, held_aborted, h);
}

/* ---- Applying. ---- */

static struct tgf_fault *take(struct tgf *tg, const char *method)
{
    for (struct tgf_fault **link = &tg->faults; *link != NULL; link = &(*link)->next) {
        struct tgf_fault *f = *link;
        if (strcmp(f->method, "*") != 0 && strcmp(f->method, method) != 0)
            continue;
        if (--f->count <= 0)
            *link = f->next; /* the caller frees it */
        return f;
    }
    return NULL;
}

static void record(struct tgf *tg, const char *method, const struct tgf_fault *f)
{
    static const char *const kinds[] = {"status", "drop", "stall", "reset"};
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "method", method);
    cJSON_AddStringToObject(entry, "fault", kinds[f->kind]);
    cJSON_AddNumberToObject(entry, "status", f->status);
    fake_server_record(tg->srv, "fault", entry);
    cJSON_Delete(entry);
}

bool tgf_fault_apply(struct tgf *tg, struct fake_request *req, const char *method)
{
    struct tgf_fault *f = take(tg, method);
    if (f == NULL)
        return false;
    record(tg, method, f);
    static const char bad_gateway[] =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 "
        "Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n";
    switch (f->kind) {
    case TGF_FAULT_STATUS:
        if (f->status == 502 || f->status == 504)
            fake_request_respond(req, f->status, NULL, "text/html", bad_gateway,
                                 sizeof bad_gateway - 1);
        else
            tgf_error_params(req, f->status,
                             f->description[0] ? f->description : default_description(f->status),
                             f->retry_after, 0);
        break;
    case TGF_FAULT_DROP: fake_request_drop(req); break;
    case TGF_FAULT_STALL: hold(tg, req, -1); break;
    case TGF_FAULT_RESET: hold(tg, req, f->after_ms); break;
    }
    if (f->count <= 0)
        free(f);
    return true;
}

/* Arms {method, kind, status, description, retry_after, after_ms, count}. */
cJSON *tgf_fault_arm(struct tgf *tg, const cJSON *body, int *status_out)
{
    static const char *const kinds[] = {"status", "drop", "stall", "reset"};
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "kind"));
    const char *method = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "method"));
    const char *description =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "description"));
    struct tgf_fault *f = calloc(1, sizeof *f);
    int k = -1;
    for (int i = 0; kind != NULL && i < 4; i++)
        if (strcmp(kind, kinds[i]) == 0)
            k = i;
    if (f == NULL || k < 0 || method == NULL) {
        free(f);
        *status_out = 400;
        return cJSON_CreateString("kind (status|drop|stall|reset) and method are required");
    }
    size_t n = 0;
    for (; method[n] != '\0' && n + 1 < sizeof f->method; n++)
        f->method[n] = (char)(method[n] >= 'A' && method[n] <= 'Z' ? method[n] + 32 : method[n]);
    f->kind = (enum tgf_fault_kind)k;
    f->status = (int)tgf_json_id(body, "status");
    f->retry_after = (int)tgf_json_id(body, "retry_after");
    f->after_ms = cJSON_HasObjectItem(body, "after_ms") ? (int)tgf_json_id(body, "after_ms") : 100;
    f->count = cJSON_HasObjectItem(body, "count") ? (int)tgf_json_id(body, "count") : 1;
    snprintf(f->description, sizeof f->description, "%s", description ? description : "");
    if (f->kind == TGF_FAULT_STATUS && f->status == 0)
        f->status = 500;
    struct tgf_fault **tail = &tg->faults;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = f;
    return cJSON_CreateTrue();
}

void tgf_faults_free(struct tgf *tg)
{
    while (tg->faults != NULL) {
        struct tgf_fault *f = tg->faults;
        tg->faults = f->next;
        free(f);
    }
    while (tg->held != NULL)
        held_free(tg, tg->held);
}
