/* The base every fake platform server stands on: an HTTP/1.1 + WebSocket server on loopback
 * (libwebsockets on a libuv loop) whose requests can be answered at once or later (long
 * polling), a record of every request received, and the control API that tests use to
 * inject events, arm faults and read the record back. */
#ifndef KITH_FAKE_SERVER_H
#define KITH_FAKE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <uv.h>

struct fake_server;  /* one listening port */
struct fake_request; /* one HTTP request, alive until answered or aborted */
struct fake_ws;      /* one WebSocket connection */

/* Platform routes: every request that is not /_control/... Answer with fake_request_respond*
 * now or later; the request is recorded before this is called. */
typedef void (*fake_http_fn)(struct fake_server *srv, struct fake_request *req, void *ud);

/* Control routes: POST|GET /_control/<name> with a JSON body (may be NULL). Return the JSON
 * answer (taken: the server deletes it) with *status_out set (default 200). The base itself
 * serves GET /_control/requests (the record as a JSON array, oldest first; ?since=N skips the
 * first N), POST /_control/clear and GET /_control/health.
 * Returning NULL means "no such control": 404 {"error":"unknown control","name":...}. The body
 * is parsed as JSON whatever its content type; control requests are not recorded. POST
 * /_control/clear empties the record and numbering starts again at 0 ("seq" == index). */
typedef cJSON *(*fake_control_fn)(struct fake_server *srv, const char *name, const cJSON *body,
                                  int *status_out, void *ud);

struct fake_ws_callbacks {
    /* A client connected; `path` includes the query ("/?v=10&encoding=json"). */
    void (*on_open)(struct fake_server *srv, struct fake_ws *ws, const char *path, void *ud);
    /* One whole text message (fragments reassembled). */
    void (*on_text)(struct fake_server *srv, struct fake_ws *ws, const char *data, size_t len,
                    void *ud);
    /* Gone: code from the client's close frame, or 1006 without one (a drop either way);
     * after fake_ws_close, the code the fake sent. ws is invalid after. */
    void (*on_close)(struct fake_server *srv, struct fake_ws *ws, int code, void *ud);
};

struct fake_server_opts {
    int port; /* 0 = ephemeral (see fake_server_port) */
    fake_http_fn http;
    fake_control_fn control;     /* may be NULL */
    struct fake_ws_callbacks ws; /* callbacks may be NULL: no WebSocket upgrade then */
    void *ud;
};

int fake_server_new(uv_loop_t *loop, const struct fake_server_opts *opts,
                    struct fake_server **out); /* 0 or -1 (logged on stderr) */
int fake_server_port(const struct fake_server *srv);
void fake_server_free(struct fake_server *srv); /* then run the loop until it ends */

/* ---- Requests (strings borrowed until the request is answered or aborted). ---- */
/* lws 4.1 decodes the URI while parsing it: the path is %-decoded with "//" and "/./"
 * collapsed, and the query comes as its '&'-separated parameters, each %-decoded ('+' as
 * space) and joined again with '&' (so a decoded '&' inside a value is ambiguous there:
 * fake_request_query_param reads the parameters themselves). */
const char *fake_request_method(const struct fake_request *req);
const char *fake_request_path(const struct fake_request *req);  /* decoded, no query */
const char *fake_request_query(const struct fake_request *req); /* "" when none, see above */
/* A query parameter, URL-decoded (malloc'd; NULL when absent). */
char *fake_request_query_param(const struct fake_request *req, const char *name);
const char *fake_request_body(const struct fake_request *req, size_t *len_out);
const char *fake_request_header(const struct fake_request *req, const char *name);
/* The body parsed as JSON (cached; NULL when it is not JSON). Form bodies
 * (application/x-www-form-urlencoded) are turned into a JSON object of strings. */
const cJSON *fake_request_json(struct fake_request *req);

/* Answer: extra headers as "Name: value" strings (NULL-terminated list, may be NULL); the
 * body is copied. Content-Type and Content-Length are set by the base. Once per request:
 * later answers (and answers after on_abort or fake_server_free) are ignored. */
void fake_request_respond(struct fake_request *req, int status, const char *const *headers,
                          const char *content_type, const char *body, size_t len);
void fake_request_respond_json(struct fake_request *req, int status, const char *const *headers,
                               const cJSON *json);
/* Closes the connection without any answer (a reset mid-request). */
void fake_request_drop(struct fake_request *req);
/* Called if the client goes away before the answer (then the request is invalid); noticed
 * within about 20 ms. Also called by fake_server_free for every request still waiting. */
void fake_request_on_abort(struct fake_request *req, void (*fn)(struct fake_request *req, void *ud),
                           void *ud);

/* ---- WebSocket. ---- */
void fake_ws_send_text(struct fake_ws *ws, const char *data, size_t len);
void fake_ws_close(struct fake_ws *ws, int code, const char *reason);
void fake_ws_drop(struct fake_ws *ws); /* TCP close, no close frame */
void fake_ws_set_data(struct fake_ws *ws, void *data);
void *fake_ws_data(const struct fake_ws *ws);

/* ---- Record: every platform request and every WebSocket message received. ---- */
/* Adds a free-form entry (the gateway records each frame it receives: kind "ws"). */
void fake_server_record(struct fake_server *srv, const char *kind, const cJSON *entry);

/* ---- Running a fake as a program. ---- */
/* Parses "--port N" (default 0), runs the loop, prints "listening <port>" on stdout (flushed)
 * once listening, and stops on SIGTERM/SIGINT. Returns the exit status for main.
 * Other arguments are ignored here: a fake reads its own flags from argv with fake_arg_value
 * or fake_arg_flag before calling this. on_ready (may be NULL) runs before the "listening"
 * line: set up timers there and register fake_server_at_free to close them again; the
 * process exits once every handle on the loop has closed. */
int fake_server_main(int argc, char **argv, struct fake_server_opts *opts,
                     void (*on_ready)(struct fake_server *srv, uv_loop_t *loop, void *ud));

/* ---- Additions to the base. ---- */
/* The value of "--name value" or "--name=value" in argv (borrowed), or NULL. */
const char *fake_arg_value(int argc, char **argv, const char *name);
/* True when argv holds `name` on its own ("--slow"). */
bool fake_arg_flag(int argc, char **argv, const char *name);

uv_loop_t *fake_server_loop(const struct fake_server *srv);

/* fn runs once inside fake_server_free, after every request still waiting was aborted
 * (on_abort) and every WebSocket reported closed (on_close 1006): the place to close the
 * fake's own timers and free its state. No callback of the fake runs after it. */
void fake_server_at_free(struct fake_server *srv, void (*fn)(struct fake_server *srv, void *ud),
                         void *ud);

/* lws 4.1 cannot list the custom (non-standard) headers of a request, only look one up by
 * name: a request's headers (record and fake_request_header) hold every standard header
 * plus the custom ones named here (a few common ones are watched by default:
 * x-audit-log-reason, x-ratelimit-precision, x-telegram-bot-api-secret-token, x-request-id,
 * x-super-properties). Returns 0 or -1. */
int fake_server_watch_header(struct fake_server *srv, const char *name);

/* Calls fn for every open WebSocket (not closing); returns how many there are. fn may send,
 * close or drop the one it is given. fn may be NULL (just count). */
size_t fake_server_each_ws(struct fake_server *srv, void (*fn)(struct fake_ws *ws, void *ud),
                           void *ud);

#endif
