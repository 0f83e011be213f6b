/* HTTP requests of the fake server: gathering one request (method, path, query, headers, whole
 * body), handing it to the fake or the control API, and writing its answer whenever it comes
 * (at once or much later, for long polls), then readying the connection for the next one. */
#include "fake_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define CONTROL_PREFIX "/_control/"
#define BODY_PIECE ((size_t)32 * 1024)
#define HEAD_ROOM 1024

static const struct {
    enum lws_token_indexes token;
    const char *name;
} methods[] = {
    {WSI_TOKEN_GET_URI, "GET"},         {WSI_TOKEN_POST_URI, "POST"},
    {WSI_TOKEN_PUT_URI, "PUT"},         {WSI_TOKEN_PATCH_URI, "PATCH"},
    {WSI_TOKEN_DELETE_URI, "DELETE"},   {WSI_TOKEN_HEAD_URI, "HEAD"},
    {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
};

/* ---- The request's life ---- */

static void request_free(struct fake_request *r)
{
    if (r == NULL)
        return;
    free(r->path);
    free(r->query);
    for (size_t i = 0; i < r->arg_count; i++)
        free(r->args[i]);
    free(r->args);
    for (size_t i = 0; i < r->header_count; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->body);
    cJSON_Delete(r->json);
    free(r->content_type);
    for (size_t i = 0; i < r->extra_count; i++)
        free(r->extra[i]);
    free(r->extra);
    free(r->resp);
    free(r);
}

void fake_http_abort(struct fake_conn *c)
{
    struct fake_request *r = c->req;
    if (r == NULL || !r->dispatched || r->answered || r->dropped || r->aborted)
        return;
    r->aborted = true;
    if (r->on_abort != NULL)
        r->on_abort(r, r->abort_ud);
}

void fake_http_release(struct fake_conn *c)
{
    request_free(c->req);
    c->req = NULL;
}

/* ---- Reading the request ---- */

static const char *request_method(struct lws *wsi)
{
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (lws_hdr_total_length(wsi, methods[i].token) > 0)
            return methods[i].name;
    return NULL;
}

static bool add_header(struct fake_request *r, const char *name, size_t name_len, char *value)
{
    struct fake_header *grown = realloc(r->headers, (r->header_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return false;
    r->headers = grown;
    char *n = strndup(name, name_len);
    if (n == NULL)
        return false;
    for (char *p = n; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    r->headers[r->header_count++] = (struct fake_header){n, value};
    return true;
}

/* Every header lws knows by token ("name:" spellings; methods and pseudo-headers skipped). */
static bool collect_token_headers(struct fake_request *r, struct lws *wsi)
{
    for (int t = 0; t < WSI_TOKEN_COUNT; t++) {
        const char *name = (const char *)lws_token_to_string((enum lws_token_indexes)t);
        size_t nlen = name != NULL ? strlen(name) : 0;
        if (nlen < 2 || name[0] == ':' || name[nlen - 1] != ':')
            continue;
        int len = lws_hdr_total_length(wsi, (enum lws_token_indexes)t);
        if (len <= 0)
            continue;
        char *value = malloc((size_t)len + 1);
        if (value == NULL || lws_hdr_copy(wsi, value, len + 1, (enum lws_token_indexes)t) < 0 ||
            !add_header(r, name, nlen - 1, value)) {
            free(value);
            return false;
        }
    }
    return true;
}

/* The watched custom headers (lws cannot list the others). */
static bool collect_custom_headers(struct fake_request *r, struct lws *wsi)
{
    const struct fake_server *srv = r->conn->srv;
    for (size_t i = 0; i < srv->watched_count; i++) {
        char key[160];
        int klen = snprintf(key, sizeof(key), "%s:", srv->watched[i]);
        if (klen <= 0 || (size_t)klen >= sizeof(key))
            continue;
        int len = lws_hdr_custom_length(wsi, key, klen);
        if (len < 0)
            continue;
        char *value = malloc((size_t)len + 1);
        if (value == NULL || lws_hdr_custom_copy(wsi, value, len + 1, key, klen) < 0 ||
            !add_header(r, key, (size_t)klen - 1, value)) {
            free(value);
            return false;
        }
    }
    return true;
}

/* lws keeps the query as URL-decoded fragments split at '&'; they are kept and joined. */
static bool collect_query(struct fake_request *r, struct lws *wsi)
{
    int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    size_t cap = (size_t)(total > 0 ? total : 0) + 1;
    r->query = calloc(1, 1);
    char *frag = malloc(cap);
    if (r->query == NULL || frag == NULL) {
        free(frag);
        return false;
    }
    size_t used = 0;
    for (int i = 0; lws_hdr_copy_fragment(wsi, frag, (int)cap, WSI_TOKEN_HTTP_URI_ARGS, i) >= 0;
         i++) {
        char **grown = realloc(r->args, (r->arg_count + 1) * sizeof(*grown));
        char *copy = grown != NULL ? strdup(frag) : NULL;
        if (grown != NULL)
            r->args = grown;
        if (copy == NULL) {
            free(frag);
            return false;
        }
        r->args[r->arg_count++] = copy;
        size_t flen = strlen(frag);
        char *q = realloc(r->query, used + flen + 2);
        if (q == NULL) {
            free(frag);
            return false;
        }
        r->query = q;
        if (i > 0)
            r->query[used++] = '&';
        memcpy(r->query + used, frag, flen + 1);
        used += flen;
    }
    free(frag);
    return true;
}

/* Mirrors lws' rule: body callbacks come for a Content-Length above zero, and for a POST
 * with "Content-Length: 0". Without any Content-Length lws 4.1 waits for up to 100 MB of
 * POST, PUT or PATCH body that HTTP/1.1 says is not there: such a request is handled at
 * once, and its connection closed after the answer, lws being left mid-body. */
static bool expects_body(struct fake_request *r, struct lws *wsi)
{
    char cl[32];
    if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
        return atoll(cl) > 0 || strcmp(r->method, "POST") == 0;
    r->close_after = strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
                     strcmp(r->method, "PATCH") == 0;
    return false;
}

/* While a request waits for its answer lws 4.1 ignores the socket's readability (state
 * DOING_TRANSACTION), so a client gone away would make the loop spin: reading is paused, and
 * fake_http_check_gone looks for the end of the connection instead. */
static void pause_reading(struct fake_conn *c)
{
    lws_rx_flow_control(c->wsi, 0);
    c->reading_paused = true;
}

/* Makes lws call the writable callback. Reading is resumed first: lws 4.1 handles an h1
 * server's writability only on the path it skips while the connection is flow-controlled. */
static void wake(struct fake_conn *c)
{
    if (c->reading_paused) {
        c->reading_paused = false;
        lws_rx_flow_control(c->wsi, 1);
    }
    lws_callback_on_writable(c->wsi);
}

void fake_http_check_gone(struct fake_conn *c)
{
    struct fake_request *r = c->req;
    if (r == NULL || !r->dispatched || r->answered || r->dropped || r->aborted)
        return;
    char byte;
    ssize_t n = recv(lws_get_socket_fd(c->wsi), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
        return;
    fake_http_abort(c);
    wake(c); /* the writable turn closes the connection */
}

/* Hands the whole request over; returns -1 when the fake dropped it on the spot. */
static int dispatch(struct fake_conn *c)
{
    struct fake_request *r = c->req;
    struct fake_server *srv = c->srv;
    r->dispatched = true;
    /* lws armed a 5 s timeout for the request's content; a long poll outlives it. */
    lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
    if (r->control) {
        fake_control_handle(srv, r, r->path + strlen(CONTROL_PREFIX));
    } else {
        fake_record_request(srv, r);
        if (srv->opts.http != NULL)
            srv->opts.http(srv, r, srv->opts.ud);
        else
            fake_request_respond(r, 404, NULL, "text/plain", "no handler\n", 11);
    }
    if (c->req == NULL)
        return 0;
    if (c->req->dropped)
        return -1;
    if (!c->req->answered)
        pause_reading(c);
    return 0;
}

/* lws 4.1 never answers "Expect: 100-continue": without this, curl would hold the body back
 * for a second before sending it anyway. */
static int send_continue(struct fake_conn *c, const struct fake_request *r)
{
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    const char *expect = fake_request_header(r, "expect");
    if (expect == NULL || strcasecmp(expect, "100-continue") != 0)
        return 0;
    unsigned char buf[LWS_PRE + sizeof(line)];
    memcpy(buf + LWS_PRE, line, sizeof(line) - 1);
    int n = lws_write(c->wsi, buf + LWS_PRE, sizeof(line) - 1, LWS_WRITE_HTTP_HEADERS);
    return n == (int)sizeof(line) - 1 ? 0 : -1;
}

int fake_http_start(struct fake_conn *c, const char *path)
{
    if (c->req != NULL || c->srv->closing)
        return -1; /* lws never starts a request before the last one completed */
    struct fake_request *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -1;
    c->req = r;
    r->conn = c;
    r->method = request_method(c->wsi);
    r->path = strdup(path != NULL && path[0] != '\0' ? path : "/");
    if (r->method == NULL || r->path == NULL || !collect_query(r, c->wsi) ||
        !collect_token_headers(r, c->wsi) || !collect_custom_headers(r, c->wsi))
        return -1;
    r->control = strncmp(r->path, CONTROL_PREFIX, strlen(CONTROL_PREFIX)) == 0;
    if (!expects_body(r, c->wsi))
        return dispatch(c);
    return send_continue(c, r);
}

int fake_http_body(struct fake_conn *c, const char *in, size_t len)
{
    struct fake_request *r = c->req;
    if (r == NULL || r->dispatched)
        return -1;
    if (r->body_len + len + 1 > r->body_cap) {
        size_t cap = r->body_cap != 0 ? r->body_cap : 4096;
        while (cap < r->body_len + len + 1)
            cap *= 2;
        char *p = realloc(r->body, cap);
        if (p == NULL)
            return -1;
        r->body = p;
        r->body_cap = cap;
    }
    if (len > 0)
        memcpy(r->body + r->body_len, in, len);
    r->body_len += len;
    r->body[r->body_len] = '\0';
    return 0;
}

int fake_http_body_done(struct fake_conn *c)
{
    if (c->req == NULL || c->req->dispatched)
        return -1;
    return dispatch(c);
}

/* ---- Writing the answer ---- */

static int write_head(struct fake_conn *c, struct fake_request *r)
{
    size_t room = HEAD_ROOM + strlen(r->content_type);
    for (size_t i = 0; i < r->extra_count; i++)
        room += strlen(r->extra[i]) + 4;
    unsigned char *buf = malloc(LWS_PRE + room);
    if (buf == NULL)
        return -1;
    unsigned char *start = buf + LWS_PRE, *p = start, *end = start + room - 1;
    int rc = lws_add_http_common_headers(c->wsi, (unsigned)r->status, r->content_type,
                                         (lws_filepos_t)r->resp_len, &p, end);
    for (size_t i = 0; rc == 0 && i < r->extra_count; i++) {
        char *colon = strchr(r->extra[i], ':'); /* checked when the answer was taken */
        char saved = colon[1];
        const char *value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        colon[1] = '\0'; /* lws wants the name with its colon */
        rc = lws_add_http_header_by_name(c->wsi, (const unsigned char *)r->extra[i],
                                         (const unsigned char *)value, (int)strlen(value), &p, end);
        colon[1] = saved;
    }
    if (rc == 0)
        rc = lws_finalize_write_http_header(c->wsi, start, &p, end);
    free(buf);
    return rc == 0 ? 0 : -1;
}

/* One piece of the body per writable turn; lws keeps what the socket did not take. The bytes
 * before the piece were sent already, so lws may use them as its LWS_PRE room. */
static int write_body_piece(struct fake_conn *c, struct fake_request *r)
{
    size_t n = r->resp_len - r->resp_sent;
    if (n > BODY_PIECE)
        n = BODY_PIECE;
    bool last = r->resp_sent + n == r->resp_len;
    int w = lws_write(c->wsi, (unsigned char *)r->resp + LWS_PRE + r->resp_sent, n,
                      last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    if (w < 0 || (size_t)w < n)
        return -1;
    r->resp_sent += n;
    return 0;
}

int fake_http_writable(struct fake_conn *c)
{
    struct fake_request *r = c->req;
    if (r == NULL)
        return 0;
    if (r->dropped || r->aborted)
        return -1; /* lws closes the socket: the client gets no answer */
    if (!r->answered)
        return 0;
    size_t body = strcmp(r->method, "HEAD") == 0 ? 0 : r->resp_len;
    if (!r->head_sent) {
        if (write_head(c, r) != 0)
            return -1;
        r->head_sent = true;
    } else if (write_body_piece(c, r) != 0) {
        return -1;
    }
    if (r->resp_sent < body) {
        lws_callback_on_writable(c->wsi);
        return 0;
    }
    bool close_after = r->close_after;
    fake_http_release(c);
    if (close_after)
        return -1;
    return lws_http_transaction_completed(c->wsi) != 0 ? -1 : 0;
}

/* ---- The request API ---- */

const char *fake_request_method(const struct fake_request *req)
{
    return req->method;
}

const char *fake_request_path(const struct fake_request *req)
{
    return req->path;
}

const char *fake_request_query(const struct fake_request *req)
{
    return req->query;
}

char *fake_request_query_param(const struct fake_request *req, const char *name)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < req->arg_count; i++) {
        const char *a = req->args[i];
        if (strncmp(a, name, nlen) == 0 && (a[nlen] == '=' || a[nlen] == '\0'))
            return strdup(a[nlen] == '=' ? a + nlen + 1 : "");
    }
    return NULL;
}

const char *fake_request_body(const struct fake_request *req, size_t *len_out)
{
    if (len_out != NULL)
        *len_out = req->body_len;
    return req->body != NULL ? req->body : "";
}

const char *fake_request_header(const struct fake_request *req, const char *name)
{
    for (size_t i = 0; i < req->header_count; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

const cJSON *fake_request_json(struct fake_request *req)
{
    if (req->json_done)
        return req->json;
    req->json_done = true;
    const char *type = fake_request_header(req, "content-type");
    if (type != NULL && strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0)
        req->json = fake_form_parse_new(req->body != NULL ? req->body : "", req->body_len);
    else if (req->body_len > 0)
        req->json = cJSON_ParseWithLength(req->body, req->body_len);
    return req->json;
}

static bool can_answer(const struct fake_request *req)
{
    return req != NULL && !req->answered && !req->dropped && !req->aborted &&
           !req->conn->srv->closing;
}

static bool take_extra_headers(struct fake_request *req, const char *const *headers)
{
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        if (strchr(headers[i], ':') == NULL || strchr(headers[i], '\n') != NULL) {
            fprintf(stderr, "fake: bad response header \"%s\" ignored\n", headers[i]);
            continue;
        }
        char **grown = realloc(req->extra, (req->extra_count + 1) * sizeof(*grown));
        if (grown == NULL)
            return false;
        req->extra = grown;
        if ((req->extra[req->extra_count] = strdup(headers[i])) == NULL)
            return false;
        req->extra_count++;
    }
    return true;
}

void fake_request_respond(struct fake_request *req, int status, const char *const *headers,
                          const char *content_type, const char *body, size_t len)
{
    if (!can_answer(req))
        return;
    req->answered = true;
    req->status = status >= 100 && status <= 599 ? status : 500;
    req->content_type = strdup(content_type != NULL ? content_type : "text/plain");
    req->resp = malloc(LWS_PRE + len + 1);
    if (req->content_type == NULL || req->resp == NULL || !take_extra_headers(req, headers)) {
        fprintf(stderr, "fake: out of memory answering %s %s\n", req->method, req->path);
        req->dropped = true;
    } else {
        if (len > 0 && body != NULL)
            memcpy(req->resp + LWS_PRE, body, len);
        req->resp_len = body != NULL ? len : 0;
    }
    wake(req->conn); /* also from a timer, outside lws' callbacks */
}

void fake_request_respond_json(struct fake_request *req, int status, const char *const *headers,
                               const cJSON *json)
{
    if (!can_answer(req))
        return;
    char *text = json != NULL ? cJSON_PrintUnformatted(json) : NULL;
    if (json != NULL && text == NULL) {
        fake_request_drop(req);
        return;
    }
    const char *body = text != NULL ? text : "null";
    fake_request_respond(req, status, headers, "application/json", body, strlen(body));
    cJSON_free(text);
}

void fake_request_drop(struct fake_request *req)
{
    if (!can_answer(req))
        return;
    req->dropped = true;
    wake(req->conn);
}

void fake_request_on_abort(struct fake_request *req, void (*fn)(struct fake_request *req, void *ud),
                           void *ud)
{
    if (req == NULL)
        return;
    req->on_abort = fn;
    req->abort_ud = ud;
}
