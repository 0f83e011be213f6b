/* The record of what a fake received and the control API tests use to read it back, clear it,
 * check health, and reach the fake's own control routes (inject events, arm faults). */
#include "fake_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The record ---- */

static double now_ms(void)
{
    return (double)(uv_hrtime() / 1000000u);
}

/* Appends `entry` (taken) with its sequence number, kind and time. */
static void record_take(struct fake_server *srv, const char *kind, cJSON *entry)
{
    int seq = cJSON_GetArraySize(srv->record);
    cJSON_DeleteItemFromObjectCaseSensitive(entry, "seq");
    if (cJSON_AddNumberToObject(entry, "seq", seq) == NULL ||
        (!cJSON_HasObjectItem(entry, "kind") &&
         cJSON_AddStringToObject(entry, "kind", kind) == NULL) ||
        (!cJSON_HasObjectItem(entry, "at_ms") &&
         cJSON_AddNumberToObject(entry, "at_ms", now_ms()) == NULL) ||
        !cJSON_AddItemToArray(srv->record, entry)) {
        fprintf(stderr, "fake: out of memory recording a %s entry\n", kind);
        cJSON_Delete(entry);
    }
}

void fake_server_record(struct fake_server *srv, const char *kind, const cJSON *entry)
{
    if (srv == NULL || kind == NULL)
        return;
    cJSON *copy = entry != NULL ? cJSON_Duplicate(entry, true) : cJSON_CreateObject();
    if (copy == NULL || !cJSON_IsObject(copy)) {
        fprintf(stderr, "fake: a %s record entry must be a JSON object\n", kind);
        cJSON_Delete(copy);
        return;
    }
    record_take(srv, kind, copy);
}

static cJSON *headers_new(const struct fake_request *req)
{
    cJSON *h = cJSON_CreateObject();
    for (size_t i = 0; h != NULL && i < req->header_count; i++)
        if (cJSON_AddStringToObject(h, req->headers[i].name, req->headers[i].value) == NULL) {
            cJSON_Delete(h);
            return NULL;
        }
    return h;
}

/* Adds `item` (taken, may be NULL) to obj under name; false when it could not. */
static bool add_taken(cJSON *obj, const char *name, cJSON *item)
{
    if (item != NULL && cJSON_AddItemToObject(obj, name, item))
        return true;
    cJSON_Delete(item);
    return false;
}

void fake_record_request(struct fake_server *srv, struct fake_request *req)
{
    const cJSON *parsed = fake_request_json(req);
    cJSON *e = cJSON_CreateObject();
    if (e == NULL || cJSON_AddStringToObject(e, "kind", "http") == NULL ||
        cJSON_AddStringToObject(e, "method", req->method) == NULL ||
        cJSON_AddStringToObject(e, "path", req->path) == NULL ||
        cJSON_AddStringToObject(e, "query", req->query) == NULL ||
        !add_taken(e, "headers", headers_new(req)) ||
        cJSON_AddStringToObject(e, "body", req->body != NULL ? req->body : "") == NULL ||
        !add_taken(e, "json",
                   parsed != NULL ? cJSON_Duplicate(parsed, true) : cJSON_CreateNull())) {
        fprintf(stderr, "fake: out of memory recording %s %s\n", req->method, req->path);
        cJSON_Delete(e);
        return;
    }
    record_take(srv, "http", e);
}

/* ---- Control routes ---- */

static void answer(struct fake_request *req, int status, cJSON *json)
{
    if (json == NULL) {
        fake_request_respond(req, 500, NULL, "application/json", "{\"error\":\"no memory\"}", 21);
        return;
    }
    fake_request_respond_json(req, status, NULL, json);
    cJSON_Delete(json);
}

static cJSON *error_new(const char *message, const char *name)
{
    cJSON *e = cJSON_CreateObject();
    if (e == NULL || cJSON_AddStringToObject(e, "error", message) == NULL ||
        cJSON_AddStringToObject(e, "name", name) == NULL) {
        cJSON_Delete(e);
        return NULL;
    }
    return e;
}

static cJSON *ok_new(void)
{
    cJSON *ok = cJSON_CreateObject();
    if (ok != NULL && cJSON_AddTrueToObject(ok, "ok") == NULL) {
        cJSON_Delete(ok);
        return NULL;
    }
    return ok;
}

/* The record from index `since` on; the entries are borrowed by reference. */
static cJSON *requests_new(struct fake_server *srv, const struct fake_request *req)
{
    char *since_text = fake_request_query_param(req, "since");
    long since = since_text != NULL ? strtol(since_text, NULL, 10) : 0;
    free(since_text);
    cJSON *out = cJSON_CreateArray();
    int i = 0;
    for (cJSON *e = srv->record->child; out != NULL && e != NULL; e = e->next, i++)
        if (i >= since && !cJSON_AddItemReferenceToArray(out, e)) {
            cJSON_Delete(out);
            return NULL;
        }
    return out;
}

static cJSON *health_new(struct fake_server *srv)
{
    cJSON *h = cJSON_CreateObject();
    if (h == NULL || cJSON_AddTrueToObject(h, "ok") == NULL ||
        cJSON_AddNumberToObject(h, "port", srv->port) == NULL ||
        cJSON_AddNumberToObject(h, "requests", cJSON_GetArraySize(srv->record)) == NULL ||
        cJSON_AddNumberToObject(h, "websockets", (double)fake_server_each_ws(srv, NULL, NULL)) ==
            NULL) {
        cJSON_Delete(h);
        return NULL;
    }
    return h;
}

static void control_fake(struct fake_server *srv, struct fake_request *req, const char *name)
{
    /* JSON whatever the content type says (curl -d sends a form type) */
    cJSON *body = req->body_len > 0 ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
    int status = 200;
    cJSON *out = srv->opts.control != NULL
                     ? srv->opts.control(srv, name, body, &status, srv->opts.ud)
                     : NULL;
    cJSON_Delete(body);
    if (out == NULL) /* the fake does not know this name */
        answer(req, 404, error_new("unknown control", name));
    else
        answer(req, status, out);
}

void fake_control_handle(struct fake_server *srv, struct fake_request *req, const char *name)
{
    const char *method = req->method;
    if (strcmp(name, "requests") == 0 && strcmp(method, "GET") == 0) {
        answer(req, 200, requests_new(srv, req));
    } else if (strcmp(name, "clear") == 0 && strcmp(method, "POST") == 0) {
        cJSON *fresh = cJSON_CreateArray();
        if (fresh != NULL) {
            cJSON_Delete(srv->record);
            srv->record = fresh;
        }
        answer(req, fresh != NULL ? 200 : 500, ok_new());
    } else if (strcmp(name, "health") == 0 && strcmp(method, "GET") == 0) {
        answer(req, 200, health_new(srv));
    } else {
        control_fake(srv, req, name);
    }
}

/* ---- Form bodies ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* URL-decodes s[0..len) ('+' is a space) into a new string. */
static char *url_decode_dup(const char *s, size_t len)
{
    char *out = malloc(len + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        } else if (s[i] == '%' && i + 2 < len && hex_value(s[i + 1]) >= 0 &&
                   hex_value(s[i + 2]) >= 0) {
            *o++ = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

cJSON *fake_form_parse_new(const char *body, size_t len)
{
    cJSON *obj = cJSON_CreateObject();
    const char *end = body + len;
    for (const char *p = body; obj != NULL && p < end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        const char *name_end = eq != NULL ? eq : stop;
        char *name = url_decode_dup(p, (size_t)(name_end - p));
        char *value = eq != NULL ? url_decode_dup(eq + 1, (size_t)(stop - eq - 1)) : strdup("");
        bool ok = name != NULL && value != NULL &&
                  (name[0] == '\0' || cJSON_AddStringToObject(obj, name, value) != NULL);
        free(name);
        free(value);
        if (!ok) {
            cJSON_Delete(obj);
            return NULL;
        }
        p = stop + 1;
    }
    return obj;
}
