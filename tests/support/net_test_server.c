/* A small HTTP/1.1 test server on libuv: parses request line, headers and a Content-Length
 * body, and answers with canned responses per path (see net_test_server.h). */
#include "net_test_server.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cJSON.h>

#define MAX_REQUEST_BYTES (1024 * 1024)
#define MAX_HEADERS 64

struct http_req {
    char *method, *path, *query; /* point into the connection's buffer */
    char *names[MAX_HEADERS], *values[MAX_HEADERS];
    size_t header_count;
    const char *body;
    size_t body_len;
};

struct conn {
    uv_tcp_t tcp;
    uv_timer_t slow; /* answers /slow */
    struct conn *prev, *next;
    struct kith_test_http_server *srv;
    char *buf;
    size_t len, cap;
    int open_handles;
    bool closing, waiting; /* waiting: a /slow answer is due; parse nothing more until then */
};

struct kith_test_http_server {
    uv_tcp_t listener;
    uv_loop_t *loop;
    struct conn *conns;
    int port;
    unsigned requests, connections;
};

struct write_req {
    uv_write_t req;
    char *data;
};

/* ---- Connections ---- */

static void on_conn_handle_closed(uv_handle_t *handle)
{
    struct conn *c = handle->data;
    if (--c->open_handles > 0)
        return;
    free(c->buf);
    free(c);
}

static void conn_close(struct conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    struct kith_test_http_server *srv = c->srv;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    uv_timer_stop(&c->slow);
    uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->slow, on_conn_handle_closed);
}

static void on_written(uv_write_t *req, int status)
{
    struct write_req *w = (struct write_req *)req;
    free(w->data);
    free(w);
}

/* Sends a complete response; `extra` holds additional header lines, each ending in CRLF. */
static void conn_respond(struct conn *c, int status, const char *extra, const char *body,
                         size_t body_len)
{
    char head[512];
    int head_len = snprintf(head, sizeof(head), "HTTP/1.1 %d Test\r\nContent-Length: %zu\r\n%s\r\n",
                            status, body_len, extra != NULL ? extra : "");
    struct write_req *w = malloc(sizeof(*w));
    char *data = malloc((size_t)head_len + body_len);
    if (w == NULL || data == NULL || head_len < 0 || (size_t)head_len >= sizeof(head)) {
        free(w);
        free(data);
        conn_close(c);
        return;
    }
    memcpy(data, head, (size_t)head_len);
    if (body_len > 0)
        memcpy(data + head_len, body, body_len);
    w->data = data;
    uv_buf_t buf = uv_buf_init(data, (unsigned)((size_t)head_len + body_len));
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) != 0) {
        free(data);
        free(w);
        conn_close(c);
    }
}

/* ---- Routes ---- */

static long query_number(const char *query, const char *key, long fallback)
{
    size_t klen = strlen(key);
    for (const char *p = query; p != NULL && *p != '\0';) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=')
            return strtol(p + klen + 1, NULL, 10);
        p = strchr(p, '&');
        if (p != NULL)
            p++;
    }
    return fallback;
}

static void respond_echo(struct conn *c, const struct http_req *rq)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *headers = cJSON_CreateObject();
    char *body = NULL, *json = NULL;
    body = malloc(rq->body_len + 1);
    if (root == NULL || headers == NULL || body == NULL) {
        cJSON_Delete(root);
        cJSON_Delete(headers);
        free(body);
        conn_respond(c, 500, NULL, "", 0);
        return;
    }
    memcpy(body, rq->body, rq->body_len);
    body[rq->body_len] = '\0';
    cJSON_AddStringToObject(root, "method", rq->method);
    cJSON_AddStringToObject(root, "path", rq->path);
    for (size_t i = 0; i < rq->header_count; i++) {
        for (char *p = rq->names[i]; *p != '\0'; p++)
            *p = (char)tolower((unsigned char)*p);
        cJSON_AddStringToObject(headers, rq->names[i], rq->values[i]);
    }
    cJSON_AddItemToObject(root, "headers", headers);
    cJSON_AddStringToObject(root, "body", body);
    json = cJSON_PrintUnformatted(root);
    if (json != NULL)
        conn_respond(c, 200, "Content-Type: application/json\r\n", json, strlen(json));
    else
        conn_respond(c, 500, NULL, "", 0);
    cJSON_free(json);
    cJSON_Delete(root);
    free(body);
}

static void respond_big(struct conn *c, long bytes)
{
    size_t n = bytes > 0 ? (size_t)bytes : 0;
    char *body = malloc(n + 1);
    if (body == NULL) {
        conn_respond(c, 500, NULL, "", 0);
        return;
    }
    memset(body, 'x', n);
    conn_respond(c, 200, NULL, body, n);
    free(body);
}

static void respond_status(struct conn *c, int status)
{
    static const char limited[] = "{\"message\":\"You are being rate limited.\",\"retry_after\":2}";
    if (status == 429)
        conn_respond(c, 429, "Retry-After: 2\r\nContent-Type: application/json\r\n", limited,
                     sizeof(limited) - 1);
    else
        conn_respond(c, status, NULL, "", 0);
}

static void on_slow_due(uv_timer_t *timer)
{
    struct conn *c = timer->data;
    c->waiting = false;
    conn_respond(c, 200, "Content-Type: text/plain\r\n", "slow", 4);
}

static void route(struct conn *c, const struct http_req *rq)
{
    static const char ok[] = "{\"ok\":true}";
    if (strcmp(rq->path, "/ok") == 0) {
        conn_respond(c, 200, "Content-Type: application/json\r\nX-Test-Header: hello\r\n", ok,
                     sizeof(ok) - 1);
    } else if (strncmp(rq->path, "/status/", 8) == 0) {
        respond_status(c, atoi(rq->path + 8));
    } else if (strcmp(rq->path, "/slow") == 0) {
        c->waiting = true;
        uv_timer_start(&c->slow, on_slow_due, (uint64_t)query_number(rq->query, "ms", 1000), 0);
    } else if (strcmp(rq->path, "/echo") == 0) {
        respond_echo(c, rq);
    } else if (strcmp(rq->path, "/drop") == 0) {
        conn_close(c);
    } else if (strcmp(rq->path, "/big") == 0) {
        respond_big(c, query_number(rq->query, "bytes", 0));
    } else if (strcmp(rq->path, "/redirect") == 0) {
        conn_respond(c, 302, "Location: /ok\r\nX-Redirect: yes\r\n", "", 0);
    } else {
        conn_respond(c, 404, NULL, "", 0);
    }
}

/* ---- Parsing ---- */

/* Splits the head (NUL-terminated, without the blank line) into the request. */
static bool parse_head(char *head, struct http_req *rq)
{
    char *save = NULL;
    char *line = strtok_r(head, "\r\n", &save);
    if (line == NULL)
        return false;
    rq->method = line;
    char *sp = strchr(line, ' ');
    if (sp == NULL)
        return false;
    *sp = '\0';
    rq->path = sp + 1;
    sp = strchr(rq->path, ' ');
    if (sp == NULL)
        return false;
    *sp = '\0';
    rq->query = strchr(rq->path, '?');
    if (rq->query != NULL)
        *rq->query++ = '\0';
    while ((line = strtok_r(NULL, "\r\n", &save)) != NULL && rq->header_count < MAX_HEADERS) {
        char *colon = strchr(line, ':');
        if (colon == NULL)
            return false;
        *colon = '\0';
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        rq->names[rq->header_count] = line;
        rq->values[rq->header_count++] = value;
    }
    return true;
}

static const char *header_get(const struct http_req *rq, const char *name)
{
    for (size_t i = 0; i < rq->header_count; i++)
        if (strcasecmp(rq->names[i], name) == 0)
            return rq->values[i];
    return NULL;
}

/* Answers every complete request in the buffer; returns false once the connection closed. */
static bool conn_process(struct conn *c)
{
    while (!c->closing && !c->waiting) {
        char *end = c->len > 0 ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;
        if (end == NULL)
            return true;
        size_t head_len = (size_t)(end - c->buf);
        char *head = strndup(c->buf, head_len);
        struct http_req rq = {0};
        if (head == NULL || !parse_head(head, &rq)) {
            free(head);
            conn_close(c);
            return false;
        }
        const char *cl = header_get(&rq, "Content-Length");
        size_t body_len = cl != NULL ? (size_t)strtoul(cl, NULL, 10) : 0;
        if (head_len + 4 + body_len > c->len) {
            free(head);
            return true; /* the body is still arriving */
        }
        rq.body = c->buf + head_len + 4;
        rq.body_len = body_len;
        c->srv->requests++;
        route(c, &rq);
        free(head);
        size_t used = head_len + 4 + body_len;
        if (c->closing)
            return false;
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
    }
    return !c->closing;
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = handle->data;
    if (c->cap - c->len < suggested) {
        size_t cap = c->len + suggested;
        char *p = realloc(c->buf, cap);
        if (p == NULL) {
            *buf = uv_buf_init(NULL, 0);
            return;
        }
        c->buf = p;
        c->cap = cap;
    }
    *buf = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = stream->data;
    if (nread < 0 || c->len + (size_t)nread > MAX_REQUEST_BYTES) {
        conn_close(c);
        return;
    }
    c->len += (size_t)nread;
    conn_process(c);
}

static void on_connection(uv_stream_t *listener, int status)
{
    struct kith_test_http_server *srv = listener->data;
    if (status < 0)
        return;
    struct conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return;
    c->srv = srv;
    uv_tcp_init(srv->loop, &c->tcp);
    uv_timer_init(srv->loop, &c->slow);
    c->tcp.data = c;
    c->slow.data = c;
    c->open_handles = 2;
    c->next = srv->conns;
    if (srv->conns != NULL)
        srv->conns->prev = c;
    srv->conns = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
        conn_close(c);
        return;
    }
    srv->connections++;
}

/* ---- Server ---- */

int kith_test_http_server_start(uv_loop_t *loop, struct kith_test_http_server **out)
{
    struct kith_test_http_server *srv = calloc(1, sizeof(*srv));
    if (srv == NULL)
        return UV_ENOMEM;
    srv->loop = loop;
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int len = sizeof(bound);
    int rc = uv_ip4_addr("127.0.0.1", 0, &addr);
    if (rc == 0)
        rc = uv_tcp_bind(&srv->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 64, on_connection);
    if (rc == 0)
        rc = uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &len);
    if (rc != 0) {
        kith_test_http_server_stop(srv);
        return rc;
    }
    srv->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    *out = srv;
    return 0;
}

int kith_test_http_server_port(const struct kith_test_http_server *srv)
{
    return srv->port;
}

unsigned kith_test_http_server_requests(const struct kith_test_http_server *srv)
{
    return srv->requests;
}

unsigned kith_test_http_server_connections(const struct kith_test_http_server *srv)
{
    return srv->connections;
}

static void on_listener_closed(uv_handle_t *handle)
{
    free(handle->data);
}

void kith_test_http_server_stop(struct kith_test_http_server *srv)
{
    if (srv == NULL)
        return;
    while (srv->conns != NULL)
        conn_close(srv->conns);
    uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
}

int kith_test_closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    int port = 0;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    close(fd);
    return port;
}
