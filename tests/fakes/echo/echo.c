/* fake_echo: the smallest fake on the shared base, used to test the base itself.
 *   GET /ping        {"pong":true}
 *   GET /wait?ms=N   {"waited":N}, answered N ms later (a long poll)
 *   POST /echo       the body back, with its content type
 *   GET /drop        the connection closed without an answer
 *   WebSocket        text echoed; "close <code>" closes with that code; "drop" drops;
 *                    records {"opened":path}, {"text":...} and {"closed":code} (kind "ws")
 *   POST /_control/say {"text":...} sends text to every open WebSocket: {"sent":n} */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_server.h"

struct wait {
    uv_timer_t timer;
    struct wait *prev, *next;
    struct echo *echo;
    struct fake_request *req;
    long ms;
};

struct echo {
    struct wait *waits; /* long polls not answered yet */
};

/* ---- Long polls ---- */

static void on_wait_closed(uv_handle_t *handle)
{
    free(handle->data);
}

static void wait_end(struct wait *w)
{
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        w->echo->waits = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    uv_timer_stop(&w->timer);
    uv_close((uv_handle_t *)&w->timer, on_wait_closed);
}

static void on_wait_due(uv_timer_t *timer)
{
    struct wait *w = timer->data;
    char body[64];
    int n = snprintf(body, sizeof(body), "{\"waited\":%ld}", w->ms);
    fake_request_respond(w->req, 200, NULL, "application/json", body, (size_t)n);
    wait_end(w);
}

static void on_wait_abort(struct fake_request *req, void *ud)
{
    struct wait *w = ud;
    (void)req;
    fprintf(stderr, "fake_echo: /wait?ms=%ld aborted by the client\n", w->ms);
    wait_end(w);
}

static void start_wait(struct fake_server *srv, struct echo *e, struct fake_request *req)
{
    char *ms_text = fake_request_query_param(req, "ms");
    long ms = ms_text != NULL ? strtol(ms_text, NULL, 10) : 1000;
    free(ms_text);
    struct wait *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        fake_request_respond(req, 500, NULL, "text/plain", "no memory\n", 10);
        return;
    }
    w->echo = e;
    w->req = req;
    w->ms = ms > 0 ? ms : 0;
    uv_timer_init(fake_server_loop(srv), &w->timer);
    w->timer.data = w;
    w->next = e->waits;
    if (e->waits != NULL)
        e->waits->prev = w;
    e->waits = w;
    fake_request_on_abort(req, on_wait_abort, w);
    uv_timer_start(&w->timer, on_wait_due, (uint64_t)w->ms, 0);
}

/* ---- Routes ---- */

static void on_http(struct fake_server *srv, struct fake_request *req, void *ud)
{
    static const char *const pong_headers[] = {"X-Echo: pong", NULL};
    const char *method = fake_request_method(req), *path = fake_request_path(req);
    if (strcmp(method, "GET") == 0 && strcmp(path, "/ping") == 0) {
        fake_request_respond(req, 200, pong_headers, "application/json", "{\"pong\":true}", 13);
    } else if (strcmp(method, "GET") == 0 && strcmp(path, "/wait") == 0) {
        start_wait(srv, ud, req);
    } else if (strcmp(method, "POST") == 0 && strcmp(path, "/echo") == 0) {
        size_t len;
        const char *body = fake_request_body(req, &len);
        fake_request_respond(req, 200, NULL, fake_request_header(req, "content-type"), body, len);
    } else if (strcmp(path, "/drop") == 0) {
        fake_request_drop(req);
    } else {
        fake_request_respond(req, 404, NULL, "application/json", "{\"error\":\"not found\"}", 21);
    }
}

/* ---- WebSocket ---- */

static void record_frame(struct fake_server *srv, const char *data)
{
    cJSON *e = cJSON_CreateObject();
    if (e != NULL && cJSON_AddStringToObject(e, "text", data) != NULL)
        fake_server_record(srv, "ws", e);
    cJSON_Delete(e);
}

static void on_ws_open(struct fake_server *srv, struct fake_ws *ws, const char *path, void *ud)
{
    (void)ws;
    (void)ud;
    cJSON *e = cJSON_CreateObject();
    if (e != NULL && cJSON_AddStringToObject(e, "opened", path) != NULL)
        fake_server_record(srv, "ws", e);
    cJSON_Delete(e);
}

static void on_ws_text(struct fake_server *srv, struct fake_ws *ws, const char *data, size_t len,
                       void *ud)
{
    (void)ud;
    record_frame(srv, data);
    if (strncmp(data, "close ", 6) == 0)
        fake_ws_close(ws, atoi(data + 6), "bye");
    else if (strcmp(data, "drop") == 0)
        fake_ws_drop(ws);
    else
        fake_ws_send_text(ws, data, len);
}

static void on_ws_close(struct fake_server *srv, struct fake_ws *ws, int code, void *ud)
{
    (void)ws;
    (void)ud;
    cJSON *e = cJSON_CreateObject();
    if (e != NULL && cJSON_AddNumberToObject(e, "closed", code) != NULL)
        fake_server_record(srv, "ws", e);
    cJSON_Delete(e);
}

/* ---- Control ---- */

static void say_to(struct fake_ws *ws, void *ud)
{
    const char *text = ud;
    fake_ws_send_text(ws, text, strlen(text));
}

static cJSON *on_control(struct fake_server *srv, const char *name, const cJSON *body,
                         int *status_out, void *ud)
{
    (void)ud;
    if (strcmp(name, "say") != 0)
        return NULL;
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(body, "text");
    cJSON *out = cJSON_CreateObject();
    if (!cJSON_IsString(text)) {
        *status_out = 400;
        cJSON_AddStringToObject(out, "error", "text (a string) is required");
        return out;
    }
    size_t sent = fake_server_each_ws(srv, say_to, text->valuestring);
    cJSON_AddNumberToObject(out, "sent", (double)sent);
    return out;
}

static void at_free(struct fake_server *srv, void *ud)
{
    struct echo *e = ud;
    (void)srv;
    while (e->waits != NULL) /* aborted already; only their timers are left */
        wait_end(e->waits);
}

static void on_ready(struct fake_server *srv, uv_loop_t *loop, void *ud)
{
    (void)loop;
    fake_server_at_free(srv, at_free, ud);
}

int main(int argc, char **argv)
{
    struct echo echo = {0};
    struct fake_server_opts opts = {
        .http = on_http,
        .control = on_control,
        .ws = {.on_open = on_ws_open, .on_text = on_ws_text, .on_close = on_ws_close},
        .ud = &echo,
    };
    return fake_server_main(argc, argv, &opts, on_ready);
}
