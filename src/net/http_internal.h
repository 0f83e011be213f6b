/* Internals of the HTTP client shared by its two files: the record of one transfer, and the
 * functions of http_easy.c that set up its curl handle, collect its response and judge it. */
#ifndef KITH_NET_HTTP_INTERNAL_H
#define KITH_NET_HTTP_INTERNAL_H

#include <stdbool.h>

#include <curl/curl.h>

#include "net/http.h"

struct kith_http_xfer {
    struct kith_http_xfer *prev, *next; /* in the client's active or deferred list */
    struct kith_http *http;
    uint64_t id;
    CURL *easy;
    bool in_multi;
    struct curl_slist *req_headers;
    kith_http_done_fn done;
    void *ud;
    char *secret; /* NULL when the request has none */
    char *method;
    char *safe_url; /* the URL with the secret redacted: the only form that is logged */
    uint64_t started_ns;
    char *body; /* NUL-terminated; body_cap counts the terminator */
    size_t body_len, body_cap;
    bool too_big, out_of_memory;
    char *hdr_arena; /* "name\0value\0" pairs of the final response */
    size_t hdr_len, hdr_cap, hdr_count;
    kith_err start_err; /* why a request that never reached curl failed */
    const char *start_why;
    char errbuf[CURL_ERROR_SIZE];
};

/* Copies what the transfer needs from `req` and configures its easy handle. On failure
 * start_why says why (static text). */
kith_err kith_http_xfer_prepare(struct kith_http_xfer *x, const struct kith_http_request *req,
                                const char *user_agent);

/* Maps curl's result for a finished transfer to the response's err, status and error text
 * (borrowed from the transfer or static). */
void kith_http_xfer_verdict(struct kith_http_xfer *x, CURLcode rc, kith_err *err, long *status,
                            const char **error);

/* The response headers as an array pointing into the transfer. Caller frees the array. */
kith_err kith_http_xfer_headers_new(const struct kith_http_xfer *x, struct kith_http_header **out);

/* Frees the transfer and everything it holds (the easy handle must be out of the multi). */
void kith_http_xfer_free(struct kith_http_xfer *x);

#endif
