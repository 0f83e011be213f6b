/* Asynchronous HTTP client: libcurl's multi interface driven by the libuv loop, so no
 * request ever blocks the loop. Every request ends in exactly one completion callback. */
#ifndef KITH_NET_HTTP_H
#define KITH_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <kith/plugin.h>

struct kith_http;

struct kith_http_header {
    const char *name;
    const char *value;
};

struct kith_http_request {
    const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *url;
    const struct kith_http_header *headers;
    size_t header_count;
    const char *body; /* may be NULL; copied */
    size_t body_len;
    const char *content_type; /* e.g. "application/json"; NULL when no body */
    long timeout_ms;          /* whole request; 0 = the client's default (30 s) */
    /* Text that must not appear in logs or error messages for this request (a token in the
     * URL, as Telegram puts it). May be NULL. */
    const char *secret;
};

/* Borrowed for the duration of the callback. */
struct kith_http_response {
    kith_err err;     /* KITH_OK when an HTTP status was received (any status) */
    long status;      /* 0 when no response */
    const char *body; /* NUL-terminated, body_len bytes */
    size_t body_len;
    const char *error; /* transport error text (secrets removed) when err != KITH_OK */
    double elapsed_s;
    const struct kith_http_header *headers; /* all response headers, in order */
    size_t header_count;
};

/* Case-insensitive lookup of a response header; NULL when absent. */
const char *kith_http_response_header(const struct kith_http_response *resp, const char *name);

typedef void (*kith_http_done_fn)(const struct kith_http_response *resp, void *ud);

/* user_agent is copied. */
kith_err kith_http_new(uv_loop_t *loop, const char *user_agent, struct kith_http **out);

/* Starts a request. done is called exactly once, from the loop, never from inside this call.
 * *request_id_out (may be NULL) identifies it for cancellation. */
kith_err kith_http_request(struct kith_http *http, const struct kith_http_request *req,
                           kith_http_done_fn done, void *ud, uint64_t *request_id_out);

/* Cancels a pending request: its done is called with KITH_ERR_CANCELLED before this returns.
 * Unknown or finished ids are ignored. */
void kith_http_cancel(struct kith_http *http, uint64_t request_id);

size_t kith_http_pending(const struct kith_http *http);

/* Cancels everything pending (callbacks get KITH_ERR_CANCELLED) and closes the libuv handles;
 * the memory is released once the loop has processed the closes. Safe with NULL. */
void kith_http_free(struct kith_http *http);

#endif
