/* A fake Matrix homeserver for kith's scenario tests: the client-server API routes kith uses,
 * Bearer authentication, armed faults (429 M_LIMIT_EXCEEDED, 5xx, dropped or stalled answers,
 * stalled syncs) and a control API (fm_control.c). Run as `fake_matrix [--port N]`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm.h"

#define PARTS_MAX 16

/* An armed fault: the next `count` requests whose method and path match get it. */
struct fm_fault {
    struct fm_fault *next;
    char kind[16]; /* rate_limit, error, drop, stall, drop_after, stall_after */
    char method[8];
    char path[128];
    int count;
    int status;
    long retry_after_ms;
};

void fm_respond(struct fm *fm, struct fake_request *req, int status, const cJSON *json)
{
    if (req == fm->lossy && fm->lossy_mode == FM_AFTER_DROP) {
        fake_request_drop(req);
        return;
    }
    if (req == fm->lossy && fm->lossy_mode == FM_AFTER_STALL)
        return; /* never answered; the base aborts it when the client gives up */
    fake_request_respond_json(req, status, NULL, json);
}

void fm_error(struct fm *fm, struct fake_request *req, int status, const char *errcode,
              const char *message)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "errcode", errcode);
    cJSON_AddStringToObject(body, "error", message);
    if (strcmp(errcode, "M_UNKNOWN_TOKEN") == 0)
        cJSON_AddBoolToObject(body, "soft_logout", false);
    fm_respond(fm, req, status, body);
    cJSON_Delete(body);
}

bool fm_fault_add(struct fm *fm, const cJSON *spec)
{
    static const char *const kinds[] = {"rate_limit", "error",      "drop",
                                        "stall",      "drop_after", "stall_after"};
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(spec, "kind");
    bool known = false;
    for (size_t i = 0; cJSON_IsString(kind) && i < sizeof kinds / sizeof kinds[0]; i++)
        known = known || strcmp(kind->valuestring, kinds[i]) == 0;
    if (!known)
        return false;
    struct fm_fault *f = calloc(1, sizeof *f);
    if (f == NULL)
        return false;
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(spec, "method");
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(spec, "path");
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(spec, "count");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(spec, "status");
    const cJSON *retry = cJSON_GetObjectItemCaseSensitive(spec, "retry_after_ms");
    snprintf(f->kind, sizeof f->kind, "%s", kind->valuestring);
    snprintf(f->method, sizeof f->method, "%s", cJSON_IsString(method) ? method->valuestring : "");
    snprintf(f->path, sizeof f->path, "%s", cJSON_IsString(path) ? path->valuestring : "");
    f->count = cJSON_IsNumber(count) ? count->valueint : 1;
    f->status = cJSON_IsNumber(status) ? status->valueint : 500;
    f->retry_after_ms = cJSON_IsNumber(retry) ? (long)retry->valuedouble : 200;
    /* Appended: faults fire in the order they were armed. */
    struct fm_fault **tail = &fm->faults;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = f;
    return true;
}

void fm_faults_clear(struct fm *fm)
{
    while (fm->faults != NULL) {
        struct fm_fault *f = fm->faults;
        fm->faults = f->next;
        free(f);
    }
}

/* Takes one use of the first fault matching the request; its copy goes to *out. */
static bool take_fault(struct fm *fm, struct fake_request *req, struct fm_fault *out)
{
    for (struct fm_fault **p = &fm->faults; *p != NULL; p = &(*p)->next) {
        struct fm_fault *f = *p;
        if ((f->method[0] && strcmp(f->method, fake_request_method(req)) != 0) ||
            (f->path[0] && strstr(fake_request_path(req), f->path) == NULL))
            continue;
        *out = *f;
        if (--f->count <= 0) {
            *p = f->next;
            free(f);
        }
        return true;
    }
    return false;
}

/* True when the fault answered (or swallowed) the request. */
static bool apply_fault(struct fm *fm, struct fake_request *req, const struct fm_fault *f)
{
    if (strcmp(f->kind, "rate_limit") == 0) {
        char header[48];
        snprintf(header, sizeof header, "Retry-After: %ld", (f->retry_after_ms + 999) / 1000);
        const char *headers[] = {header, NULL};
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "errcode", "M_LIMIT_EXCEEDED");
        cJSON_AddStringToObject(body, "error", "Too Many Requests");
        cJSON_AddNumberToObject(body, "retry_after_ms", (double)f->retry_after_ms);
        fake_request_respond_json(req, 429, headers, body);
        cJSON_Delete(body);
        return true;
    }
    if (strcmp(f->kind, "error") == 0) {
        fm_error(fm, req, f->status, "M_UNKNOWN", "Internal server error");
        return true;
    }
    if (strcmp(f->kind, "drop") == 0) {
        fake_request_drop(req);
        return true;
    }
    if (strcmp(f->kind, "stall") == 0)
        return true; /* never answered */
    fm->lossy = req;
    fm->lossy_mode = strcmp(f->kind, "drop_after") == 0 ? FM_AFTER_DROP : FM_AFTER_STALL;
    return false;
}

static const char *access_token(struct fake_request *req, char **query_token)
{
    const char *auth = fake_request_header(req, "authorization");
    *query_token = NULL;
    if (auth != NULL && strncmp(auth, "Bearer ", 7) == 0)
        return auth + 7;
    *query_token = fake_request_query_param(req, "access_token");
    return *query_token;
}

static size_t split_path(char *path, char **parts)
{
    size_t n = 0;
    for (char *tok = strtok(path, "/"); tok != NULL && n < PARTS_MAX; tok = strtok(NULL, "/"))
        parts[n++] = tok;
    return n;
}

static void route(struct fm *fm, struct fake_request *req)
{
    char *path = strdup(fake_request_path(req));
    char *parts[PARTS_MAX];
    size_t count = path ? split_path(path, parts) : 0;
    if (count < 3 || strcmp(parts[0], "_matrix") != 0) {
        fm_error(fm, req, 404, "M_UNRECOGNIZED", "Unrecognized request");
    } else if (count == 4 && strcmp(parts[1], "client") == 0 && strcmp(parts[3], "login") == 0) {
        fm_login_route(fm, req);
    } else {
        char *query_token = NULL;
        const char *token = access_token(req, &query_token);
        const char *user = fm_user_of_token(fm, token);
        if (token == NULL)
            fm_error(fm, req, 401, "M_MISSING_TOKEN", "Missing access token");
        else if (user == NULL)
            fm_error(fm, req, 401, "M_UNKNOWN_TOKEN", "Unrecognised access token");
        else
            fm_client_route(fm, req, user, token, parts + 1, count - 1);
        free(query_token);
    }
    free(path);
}

static void on_http(struct fake_server *srv, struct fake_request *req, void *ud)
{
    (void)srv;
    struct fm *fm = ud;
    struct fm_fault fault;
    if (take_fault(fm, req, &fault) && apply_fault(fm, req, &fault))
        return;
    route(fm, req);
    fm->lossy = NULL;
    fm->lossy_mode = FM_AFTER_NONE;
}

static void on_free(struct fake_server *srv, void *ud)
{
    (void)srv;
    struct fm *fm = ud;
    fm_sync_free(fm);
    fm_faults_clear(fm);
    fm_world_free(fm);
}

static void on_ready(struct fake_server *srv, uv_loop_t *loop, void *ud)
{
    struct fm *fm = ud;
    fm->srv = srv;
    fm->loop = loop;
    fake_server_at_free(srv, on_free, fm);
}

int main(int argc, char **argv)
{
    static struct fm fm;
    fm.passwords = cJSON_CreateObject();
    fm.tokens = cJSON_CreateObject();
    fm.txns = cJSON_CreateObject();
    fm.filters = cJSON_CreateObject();
    if (fm.passwords == NULL || fm.tokens == NULL || fm.txns == NULL || fm.filters == NULL) {
        fprintf(stderr, "fake_matrix: out of memory\n");
        return 1;
    }
    struct fake_server_opts opts = {.http = on_http, .control = fm_control, .ud = &fm};
    return fake_server_main(argc, argv, &opts, on_ready);
}
