/* Internals of the fake server base shared by fake_server.c (context, lws events, teardown),
 * fake_http.c (requests and answers), fake_ws.c (WebSocket sessions) and fake_control.c
 * (record and control API), and fake_main.c (which checks whether a fake gave up). */
#ifndef KITH_FAKE_INTERNAL_H
#define KITH_FAKE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

#include "fake_server.h"

/* A close frame's payload is at most 125 bytes, 2 of them the code. */
#define FAKE_WS_MAX_REASON 123
#define FAKE_WS_ABNORMAL 1006

struct fake_conn;

struct fake_server {
    uv_loop_t *loop;
    struct fake_server_opts opts;
    struct lws_context *lws; /* lws sets this to NULL once it has freed the context */
    struct lws_vhost *vhost;
    int port;
    cJSON *record; /* array of entries, oldest first; entry i has "seq": i */
    struct fake_conn *conns;
    char **watched; /* custom header names copied from every request (lower case) */
    size_t watched_count;
    void (*at_free)(struct fake_server *srv, void *ud);
    void *at_free_ud;
    uv_timer_t reaper; /* drives the teardown from the loop, outside lws' callbacks */
    uv_timer_t watch;  /* looks for clients gone away from their long polls */
    int open_handles;  /* the two timers; the server is freed once both have closed */
    bool closing, destroy_started;
};

struct fake_header {
    char *name; /* lower case */
    char *value;
};

struct fake_request {
    struct fake_conn *conn;
    const char *method; /* static string */
    char *path, *query;
    char **args; /* the query split at '&', each already URL-decoded by lws */
    size_t arg_count;
    struct fake_header *headers;
    size_t header_count;
    char *body;
    size_t body_len, body_cap;
    cJSON *json; /* parsed body, cached */
    bool json_done, control, dispatched, answered, dropped, aborted, close_after;
    void (*on_abort)(struct fake_request *req, void *ud);
    void *abort_ud;
    /* The answer: the head is written on the first writable turn, then the body in pieces. */
    int status;
    char *content_type;
    char **extra; /* "Name: value" */
    size_t extra_count;
    char *resp; /* LWS_PRE bytes, then the body */
    size_t resp_len, resp_sent;
    bool head_sent;
};

struct fake_ws_msg {
    struct fake_ws_msg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE bytes of room for lws' framing, then the payload */
};

struct fake_ws {
    struct fake_conn *conn;
    void *data;
    char *rx;
    size_t rx_len, rx_cap;
    bool rx_in_message, rx_binary;
    struct fake_ws_msg *tx_head, *tx_tail;
    bool close_requested, close_sent, dropping, peer_closed, reported;
    int close_code, peer_code;
    char close_reason[FAKE_WS_MAX_REASON + 1];
};

/* One TCP connection, found from its wsi through lws' opaque user data (lws frees and
 * reallocates per-session data when a connection is upgraded, so nothing is kept there). */
struct fake_conn {
    struct fake_conn *prev, *next;
    struct fake_server *srv;
    struct lws *wsi;
    struct fake_request *req; /* the request being read, awaiting its answer or written */
    struct fake_ws *ws;       /* once upgraded */
    bool reading_paused;      /* rx flow control while a request waits for its answer */
};

/* ---- fake_http.c ---- */
int fake_http_start(struct fake_conn *c, const char *path);
int fake_http_body(struct fake_conn *c, const char *in, size_t len);
int fake_http_body_done(struct fake_conn *c);
int fake_http_writable(struct fake_conn *c);
/* The client went away or the server closes: on_abort, once, for a request the fake holds
 * unanswered. The request stays until fake_http_release. */
void fake_http_abort(struct fake_conn *c);
void fake_http_release(struct fake_conn *c);
/* Aborts the waiting request when its client has closed the connection (polled). */
void fake_http_check_gone(struct fake_conn *c);
/* Parses application/x-www-form-urlencoded text into an object of strings (new). */
cJSON *fake_form_parse_new(const char *body, size_t len);

/* ---- fake_ws.c ---- */
int fake_ws_opened(struct fake_conn *c);
int fake_ws_receive(struct fake_conn *c, const char *in, size_t len);
int fake_ws_writable(struct fake_conn *c);
void fake_ws_peer_closed(struct fake_conn *c, const unsigned char *in, size_t len);
/* Reports on_close once (the right code for how it ended), unless the server is closing. */
void fake_ws_report(struct fake_conn *c);
void fake_ws_free(struct fake_ws *ws);

/* ---- fake_control.c ---- */
/* Records an HTTP request that is about to reach the fake's handler. */
void fake_record_request(struct fake_server *srv, struct fake_request *req);
/* Answers a /_control/<name> request. */
void fake_control_handle(struct fake_server *srv, struct fake_request *req, const char *name);

#endif
