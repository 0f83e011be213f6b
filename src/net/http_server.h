/* A small HTTP/1.1 server on the WebSocket context's libwebsockets, on the daemon's loop (the
 * Telegram webhook, the dashboard): a whole request in, one response out. */
#ifndef KITH_NET_HTTP_SERVER_H
#define KITH_NET_HTTP_SERVER_H

#include <stddef.h>

#include <kith/plugin.h>

#include "net/ws.h"

struct kith_http_server;
struct kith_http_exchange; /* one request and its response */

/* Called once per complete request, on the loop. Answer with kith_http_exchange_respond
 * before returning (an exchange left unanswered gets 500). `ex` is borrowed for the call. */
typedef void (*kith_http_server_fn)(struct kith_http_exchange *ex, void *ud);

struct kith_http_server_opts {
    const char *iface; /* the address to listen on, e.g. "127.0.0.1"; NULL = every address */
    int port;          /* 0 = an ephemeral port, see kith_http_server_port */
    size_t max_body;   /* larger request bodies are answered 413; 0 = 1 MiB */
};

/* Listens until the context is freed, which also frees the server. */
kith_err kith_http_server_new(struct kith_ws_context *ctx, const struct kith_http_server_opts *opts,
                              kith_http_server_fn fn, void *ud, struct kith_http_server **out);

int kith_http_server_port(const struct kith_http_server *srv);

/* The strings below are borrowed for the handler's call. */
const char *kith_http_exchange_method(const struct kith_http_exchange *ex); /* "GET", ... */
const char *kith_http_exchange_path(const struct kith_http_exchange *ex);   /* no query */
const char *kith_http_exchange_query(const struct kith_http_exchange *ex);  /* "" when none */
const char *kith_http_exchange_body(const struct kith_http_exchange *ex, size_t *len);

/* A request header by case-insensitive name; NULL when absent (or out of memory). */
const char *kith_http_exchange_header(struct kith_http_exchange *ex, const char *name);

/* Sends the response (the body is copied). Once per exchange: KITH_ERR_INVALID after that. */
kith_err kith_http_exchange_respond(struct kith_http_exchange *ex, int status,
                                    const char *content_type, const char *body, size_t len);

#endif
