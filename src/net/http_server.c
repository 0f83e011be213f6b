/* The small HTTP/1.1 server: an lws vhost on the WebSocket context whose protocol gathers each
 * request (path, query, headers, body up to a limit), hands it over, and writes the answer. */
#include "net/http_server.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "net/ws_internal.h"

#define DEFAULT_MAX_BODY ((size_t)1024 * 1024)
#define HEADER_ROOM 1024

struct kith_http_server {
    struct kith_ws_context *ctx;
    struct lws_vhost *vhost;
    kith_http_server_fn fn;
    void *ud;
    size_t max_body;
    int port;
    char name[32]; /* lws keeps pointers to the vhost name and address: they live here */
    char iface[64];
};

struct header_copy {
    struct header_copy *next;
    char value[];
};

/* lws' per-connection data; reset for every request of a keep-alive connection. */
struct kith_http_exchange {
    struct lws *wsi;
    struct kith_http_server *srv;
    const char *method;
    char *path, *query;
    char *body;
    size_t body_len, body_cap;
    struct header_copy *headers; /* strings handed out by kith_http_exchange_header */
    unsigned char *resp;         /* LWS_PRE, then the response body */
    size_t resp_len;
    bool awaiting_body, too_big, responded;
};

static void exchange_reset(struct kith_http_exchange *ex)
{
    while (ex->headers != NULL) {
        struct header_copy *h = ex->headers;
        ex->headers = h->next;
        free(h);
    }
    free(ex->path);
    free(ex->query);
    free(ex->body);
    free(ex->resp);
    memset(ex, 0, sizeof(*ex));
}

/* ---- Reading the request ---- */

static const struct {
    enum lws_token_indexes token;
    const char *name;
} methods[] = {
    {WSI_TOKEN_GET_URI, "GET"},         {WSI_TOKEN_POST_URI, "POST"},
    {WSI_TOKEN_PUT_URI, "PUT"},         {WSI_TOKEN_PATCH_URI, "PATCH"},
    {WSI_TOKEN_DELETE_URI, "DELETE"},   {WSI_TOKEN_HEAD_URI, "HEAD"},
    {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
};

static const char *request_method(struct lws *wsi)
{
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (lws_hdr_total_length(wsi, methods[i].token) > 0)
            return methods[i].name;
    return NULL;
}

/* lws keeps the query as decoded fragments; they are joined back with '&'. */
static char *request_query_dup(struct lws *wsi)
{
    int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    size_t cap = (size_t)(total > 0 ? total : 0) * 2 + 1;
    char *out = calloc(1, cap), *frag = malloc(cap);
    if (out == NULL || frag == NULL) {
        free(out);
        free(frag);
        return NULL;
    }
    size_t used = 0;
    for (int i = 0; lws_hdr_copy_fragment(wsi, frag, (int)cap, WSI_TOKEN_HTTP_URI_ARGS, i) >= 0;
         i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i > 0 ? "&" : "", frag);
    free(frag);
    return out;
}

/* lws sends body callbacks for every POST, and for other methods with a body. */
static bool request_has_body(struct lws *wsi, const char *method)
{
    char cl[32];
    if (strcmp(method, "POST") == 0)
        return true;
    if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
        return atoll(cl) > 0;
    return strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
}

static bool body_append(struct kith_http_exchange *ex, const char *in, size_t len)
{
    if (ex->too_big || ex->body_len + len > ex->srv->max_body) {
        ex->too_big = true; /* the rest is read and dropped; the answer is 413 */
        return true;
    }
    if (ex->body_len + len + 1 > ex->body_cap) {
        size_t cap = ex->body_cap != 0 ? ex->body_cap : 4096;
        while (cap < ex->body_len + len + 1)
            cap *= 2;
        char *p = realloc(ex->body, cap);
        if (p == NULL)
            return false;
        ex->body = p;
        ex->body_cap = cap;
    }
    memcpy(ex->body + ex->body_len, in, len);
    ex->body_len += len;
    ex->body[ex->body_len] = '\0';
    return true;
}

/* ---- The exchange API ---- */

const char *kith_http_exchange_method(const struct kith_http_exchange *ex)
{
    return ex->method;
}

const char *kith_http_exchange_path(const struct kith_http_exchange *ex)
{
    return ex->path;
}

const char *kith_http_exchange_query(const struct kith_http_exchange *ex)
{
    return ex->query;
}

const char *kith_http_exchange_body(const struct kith_http_exchange *ex, size_t *len)
{
    if (len != NULL)
        *len = ex->body_len;
    return ex->body != NULL ? ex->body : "";
}

/* Copies a header value into the exchange (lws only copies out). */
static const char *header_keep(struct kith_http_exchange *ex, int len, bool custom,
                               enum lws_token_indexes token, const char *key, int key_len)
{
    struct header_copy *h = malloc(sizeof(*h) + (size_t)len + 1);
    if (h == NULL)
        return NULL;
    int n = custom ? lws_hdr_custom_copy(ex->wsi, h->value, len + 1, key, key_len)
                   : lws_hdr_copy(ex->wsi, h->value, len + 1, token);
    if (n < 0) {
        free(h);
        return NULL;
    }
    h->next = ex->headers;
    ex->headers = h;
    return h->value;
}

const char *kith_http_exchange_header(struct kith_http_exchange *ex, const char *name)
{
    char key[128]; /* lws spells header names in lower case with the colon */
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen + 2 > sizeof(key))
        return NULL;
    for (size_t i = 0; i < nlen; i++)
        key[i] = (char)tolower((unsigned char)name[i]);
    key[nlen] = ':';
    key[nlen + 1] = '\0';
    for (int t = 0; t < WSI_TOKEN_COUNT; t++) {
        const unsigned char *known = lws_token_to_string((enum lws_token_indexes)t);
        if (known == NULL || strcmp((const char *)known, key) != 0)
            continue;
        int len = lws_hdr_total_length(ex->wsi, (enum lws_token_indexes)t);
        return len > 0 ? header_keep(ex, len, false, (enum lws_token_indexes)t, NULL, 0) : NULL;
    }
    int len = lws_hdr_custom_length(ex->wsi, key, (int)nlen + 1);
    return len >= 0 ? header_keep(ex, len, true, WSI_TOKEN_COUNT, key, (int)nlen + 1) : NULL;
}

kith_err kith_http_exchange_respond(struct kith_http_exchange *ex, int status,
                                    const char *content_type, const char *body, size_t len)
{
    if (ex == NULL || ex->responded || status < 100 || status > 599 || (body == NULL && len))
        return KITH_ERR_INVALID;
    unsigned char head[LWS_PRE + HEADER_ROOM];
    unsigned char *start = head + LWS_PRE, *p = start, *end = head + sizeof(head) - 1;
    ex->resp = malloc(LWS_PRE + len + 1);
    if (ex->resp == NULL)
        return KITH_ERR_NOMEM;
    if (len > 0)
        memcpy(ex->resp + LWS_PRE, body, len);
    ex->resp_len = strcmp(ex->method, "HEAD") == 0 ? 0 : len;
    const char *type = content_type != NULL ? content_type : "text/plain; charset=utf-8";
    if (lws_add_http_common_headers(ex->wsi, (unsigned)status, type, (lws_filepos_t)len, &p, end) !=
            0 ||
        lws_finalize_write_http_header(ex->wsi, start, &p, end) != 0)
        return KITH_ERR_IO;
    ex->responded = true;
    lws_callback_on_writable(ex->wsi);
    return KITH_OK;
}

/* ---- lws events ---- */

static int exchange_dispatch(struct kith_http_exchange *ex)
{
    static const char too_big[] = "request body too large\n", unanswered[] = "no answer\n";
    if (ex->too_big)
        return kith_http_exchange_respond(ex, 413, NULL, too_big, sizeof(too_big) - 1) == KITH_OK
                   ? 0
                   : -1;
    ex->srv->fn(ex, ex->srv->ud);
    if (ex->responded)
        return 0;
    kith_log(KITH_LOG_WARN, "http-server", "%s %s got no answer", ex->method, ex->path);
    return kith_http_exchange_respond(ex, 500, NULL, unanswered, sizeof(unanswered) - 1) == KITH_OK
               ? 0
               : -1;
}

static int exchange_start(struct kith_http_exchange *ex, struct lws *wsi, const char *path)
{
    exchange_reset(ex);
    ex->wsi = wsi;
    ex->srv = lws_vhost_user(lws_get_vhost(wsi));
    ex->method = request_method(wsi);
    if (ex->method == NULL || ex->srv == NULL)
        return -1;
    ex->path = strdup(path != NULL ? path : "/");
    ex->query = request_query_dup(wsi);
    if (ex->path == NULL || ex->query == NULL)
        return -1;
    ex->awaiting_body = request_has_body(wsi, ex->method);
    return ex->awaiting_body ? 0 : exchange_dispatch(ex);
}

/* Writes the response body, then readies the connection for its next request. */
static int exchange_write(struct kith_http_exchange *ex, struct lws *wsi)
{
    if (!ex->responded)
        return 0;
    if (ex->resp_len > 0) {
        int n = lws_write(wsi, ex->resp + LWS_PRE, ex->resp_len, LWS_WRITE_HTTP_FINAL);
        if (n < 0 || (size_t)n < ex->resp_len)
            return -1;
    }
    exchange_reset(ex);
    return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
}

static int on_http_event(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    struct kith_http_exchange *ex = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP: return ex != NULL ? exchange_start(ex, wsi, in) : -1;
    case LWS_CALLBACK_HTTP_BODY:
        return ex != NULL && ex->srv != NULL && body_append(ex, in, len) ? 0 : -1;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return ex != NULL && ex->srv != NULL ? exchange_dispatch(ex) : -1;
    case LWS_CALLBACK_HTTP_WRITEABLE: return ex != NULL ? exchange_write(ex, wsi) : -1;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return -1; /* no WebSocket upgrades here */
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_WSI_DESTROY:
        if (ex != NULL)
            exchange_reset(ex);
        return 0;
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols server_protocols[] = {
    {"kith-http", on_http_event, sizeof(struct kith_http_exchange), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- The server ---- */

kith_err kith_http_server_new(struct kith_ws_context *ctx, const struct kith_http_server_opts *opts,
                              kith_http_server_fn fn, void *ud, struct kith_http_server **out)
{
    static unsigned servers;
    if (ctx == NULL || ctx->closing || ctx->lws == NULL || opts == NULL || fn == NULL ||
        out == NULL || opts->port < 0 || opts->port > 65535)
        return KITH_ERR_INVALID;
    struct kith_http_server *srv = calloc(1, sizeof(*srv));
    if (srv == NULL)
        return KITH_ERR_NOMEM;
    srv->ctx = ctx;
    srv->fn = fn;
    srv->ud = ud;
    srv->max_body = opts->max_body != 0 ? opts->max_body : DEFAULT_MAX_BODY;
    snprintf(srv->name, sizeof(srv->name), "kith-http-%u", ++servers);
    if (opts->iface != NULL &&
        (size_t)snprintf(srv->iface, sizeof(srv->iface), "%s", opts->iface) >= sizeof(srv->iface)) {
        free(srv);
        return KITH_ERR_INVALID;
    }
    kith_err err = kith_ws_context_adopt(ctx, srv); /* lives as long as lws may look at it */
    if (err != KITH_OK)
        return err;
    struct lws_context_creation_info vi = {
        .port = opts->port,
        .iface = srv->iface[0] != '\0' ? srv->iface : NULL,
        .protocols = server_protocols,
        .vhost_name = srv->name,
        .user = srv,
        .gid = -1,
        .uid = -1,
    };
    srv->vhost = lws_create_vhost(ctx->lws, &vi);
    if (srv->vhost == NULL) {
        kith_log(KITH_LOG_ERROR, "http-server", "cannot listen on %s port %d",
                 opts->iface != NULL ? opts->iface : "*", opts->port);
        return KITH_ERR_IO;
    }
    srv->port = lws_get_vhost_listen_port(srv->vhost);
    *out = srv;
    return KITH_OK;
}

int kith_http_server_port(const struct kith_http_server *srv)
{
    return srv != NULL ? srv->port : 0;
}
