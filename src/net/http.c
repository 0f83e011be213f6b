/* Asynchronous HTTP client: libcurl's multi interface driven by the libuv loop (the pattern of
 * curl's multi-uv example), one completion per request, secrets kept out of errors and logs. */
#include "net/http.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/log.h"

#define DEFAULT_TIMEOUT_MS 30000L
#define MAX_BODY_BYTES ((size_t)16 * 1024 * 1024)
#define MAX_HEADER_BYTES ((size_t)256 * 1024)
#define MAX_REDIRECTS 5L
#define REDACTED "[redacted]"

struct request {
    struct request *prev, *next;
    struct kith_http *http;
    uint64_t id;
    CURL *easy;
    bool in_multi;
    struct curl_slist *req_headers;
    kith_http_done_fn done;
    void *ud;
    char *secret;   /* NULL when the request has none */
    char *method;
    char *safe_url; /* the URL with the secret redacted: the only form that is logged */
    uint64_t started_ns;
    char *body; /* NUL-terminated; body_cap counts the terminator */
    size_t body_len, body_cap;
    bool body_too_big, out_of_memory;
    char *hdr_arena; /* "name\0value\0" pairs of the final response */
    size_t hdr_len, hdr_cap, hdr_count;
    kith_err start_err; /* why a request that never reached curl failed */
    const char *start_why;
    char errbuf[CURL_ERROR_SIZE];
};

/* A socket curl asked us to watch. */
struct sock {
    uv_poll_t poll;
    struct sock *prev, *next;
    struct kith_http *http;
    curl_socket_t fd;
};

struct kith_http {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer; /* curl's own timeout */
    uv_timer_t defer; /* completes requests that failed before reaching curl */
    struct request *active, *deferred;
    struct sock *socks;
    size_t pending;
    uint64_t next_id;
    char *user_agent;
    int open_handles; /* the memory is released when the last of timer/defer has closed */
    bool closing;
};

/* ---- Small lists ---- */

static void request_link(struct request **head, struct request *r)
{
    r->prev = NULL;
    r->next = *head;
    if (*head != NULL)
        (*head)->prev = r;
    *head = r;
}

static void request_unlink(struct request **head, struct request *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        *head = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

static struct request *request_find(struct request *head, uint64_t id)
{
    for (struct request *r = head; r != NULL; r = r->next)
        if (r->id == id)
            return r;
    return NULL;
}

/* ---- Redaction ---- */

static bool is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

/* Percent-encodes every byte outside RFC 3986's unreserved set. Caller frees. */
static char *percent_encode_dup(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(s);
    char *out = malloc(len * 3 + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c)) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

/* Returns a copy of `text` with every occurrence of `needle` replaced. Caller frees. */
static char *replace_dup(const char *text, const char *needle)
{
    size_t nlen = strlen(needle), rlen = strlen(REDACTED), hits = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + nlen, needle))
        hits++;
    char *out = malloc(strlen(text) + hits * rlen + 1);
    if (out == NULL)
        return NULL;
    char *o = out;
    const char *p = text, *hit;
    while ((hit = strstr(p, needle)) != NULL) {
        memcpy(o, p, (size_t)(hit - p));
        o += hit - p;
        memcpy(o, REDACTED, rlen);
        o += rlen;
        p = hit + nlen;
    }
    strcpy(o, p);
    return out;
}

/* Copies `text` with the secret removed, verbatim and percent-encoded (as it appears in a
 * URL). Caller frees; NULL when out of memory. */
static char *redact_dup(const char *text, const char *secret)
{
    if (secret == NULL || secret[0] == '\0')
        return strdup(text);
    char *once = replace_dup(text, secret);
    char *encoded = percent_encode_dup(secret);
    if (once == NULL || encoded == NULL || strcmp(encoded, secret) == 0) {
        free(encoded);
        return once;
    }
    char *twice = replace_dup(once, encoded);
    free(once);
    free(encoded);
    return twice;
}

/* ---- Collecting the response ---- */

static bool grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t cap2 = *cap != 0 ? *cap : 1024;
    while (cap2 < need)
        cap2 *= 2;
    char *p = realloc(*buf, cap2);
    if (p == NULL)
        return false;
    *buf = p;
    *cap = cap2;
    return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct request *r = userp;
    size_t n = size * nmemb;
    if (r->body_len + n > MAX_BODY_BYTES) {
        r->body_too_big = true;
        return 0; /* anything but n aborts the transfer */
    }
    if (!grow(&r->body, &r->body_cap, r->body_len + n + 1)) {
        r->out_of_memory = true;
        return 0;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool arena_append(struct request *r, const char *s, size_t len)
{
    if (r->hdr_len + len + 1 > MAX_HEADER_BYTES) {
        r->body_too_big = true;
        return false;
    }
    if (!grow(&r->hdr_arena, &r->hdr_cap, r->hdr_len + len + 1)) {
        r->out_of_memory = true;
        return false;
    }
    memcpy(r->hdr_arena + r->hdr_len, s, len);
    r->hdr_arena[r->hdr_len + len] = '\0';
    r->hdr_len += len + 1;
    return true;
}

/* curl hands over one header line per call. A status line starts a new response (after a
 * redirect or a 100 Continue), so only the headers of the final response remain. */
static size_t on_header(char *line, size_t size, size_t nmemb, void *userp)
{
    struct request *r = userp;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        r->hdr_len = 0;
        r->hdr_count = 0;
        return n;
    }
    const char *colon = memchr(line, ':', n);
    if (colon == NULL || colon == line || is_space(line[0]))
        return n; /* blank line, or obsolete folding we do not keep */
    size_t name_len = (size_t)(colon - line);
    const char *value = colon + 1, *end = line + n;
    while (value < end && is_space(*value))
        value++;
    while (end > value && is_space(end[-1]))
        end--;
    if (!arena_append(r, line, name_len) || !arena_append(r, value, (size_t)(end - value)))
        return 0;
    r->hdr_count++;
    return n;
}

/* Builds the borrowed header view over the arena. Caller frees the array. */
static kith_err headers_view_new(const struct request *r, struct kith_http_header **out)
{
    *out = NULL;
    if (r->hdr_count == 0)
        return KITH_OK;
    struct kith_http_header *view = calloc(r->hdr_count, sizeof(*view));
    if (view == NULL)
        return KITH_ERR_NOMEM;
    const char *p = r->hdr_arena;
    for (size_t i = 0; i < r->hdr_count; i++) {
        view[i].name = p;
        p += strlen(p) + 1;
        view[i].value = p;
        p += strlen(p) + 1;
    }
    *out = view;
    return KITH_OK;
}

const char *kith_http_response_header(const struct kith_http_response *resp, const char *name)
{
    if (resp == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < resp->header_count; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0)
            return resp->headers[i].value;
    return NULL;
}

/* ---- Request lifetime ---- */

static void request_free(struct request *r)
{
    if (r->easy != NULL)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->req_headers);
    free(r->secret);
    free(r->method);
    free(r->safe_url);
    free(r->body);
    free(r->hdr_arena);
    free(r);
}

/* Takes the request out of the client's lists and out of curl. */
static void request_detach(struct request *r)
{
    struct kith_http *http = r->http;
    if (r->in_multi) {
        curl_multi_remove_handle(http->multi, r->easy);
        r->in_multi = false;
        request_unlink(&http->active, r);
    } else {
        request_unlink(&http->deferred, r);
    }
}

static void log_outcome(const struct request *r, const struct kith_http_response *resp)
{
    const char *url = r->safe_url != NULL ? r->safe_url : "(url)";
    const char *method = r->method != NULL ? r->method : "?";
    if (resp->err == KITH_OK)
        kith_log(KITH_LOG_DEBUG, "http", "%s %s -> %ld in %.3f s", method, url, resp->status,
                 resp->elapsed_s);
    else
        kith_log(KITH_LOG_DEBUG, "http", "%s %s -> %s: %s", method, url,
                 kith_strerror(resp->err), resp->error);
}

/* Calls the completion of a detached request, then frees it. */
static void request_finish(struct request *r, kith_err err, long status, const char *error)
{
    struct kith_http_header *view = NULL;
    if (err == KITH_OK && headers_view_new(r, &view) != KITH_OK) {
        err = KITH_ERR_NOMEM;
        error = "out of memory collecting the response headers";
    }
    char *safe_error = NULL;
    if (err != KITH_OK) {
        safe_error = redact_dup(error != NULL ? error : kith_strerror(err), r->secret);
        status = 0;
    }
    struct kith_http_response resp = {
        .err = err,
        .status = status,
        .body = (err == KITH_OK && r->body != NULL) ? r->body : "",
        .body_len = err == KITH_OK ? r->body_len : 0,
        .error = err == KITH_OK ? NULL : (safe_error != NULL ? safe_error : kith_strerror(err)),
        .elapsed_s = (double)(uv_hrtime() - r->started_ns) / 1e9,
        .headers = view,
        .header_count = view != NULL ? r->hdr_count : 0,
    };
    r->http->pending--;
    log_outcome(r, &resp);
    r->done(&resp, r->ud);
    free(safe_error);
    free(view);
    request_free(r);
}

/* Maps curl's verdict on a finished transfer to the response. */
static void request_complete(struct request *r, CURLcode rc)
{
    if (rc == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        request_finish(r, KITH_OK, status, NULL);
    } else if (r->body_too_big) {
        request_finish(r, KITH_ERR_LIMIT, 0, "response over the size limit (16 MiB body, 256 KiB headers)");
    } else if (r->out_of_memory) {
        request_finish(r, KITH_ERR_NOMEM, 0, "out of memory collecting the response");
    } else {
        const char *text = r->errbuf[0] != '\0' ? r->errbuf : curl_easy_strerror(rc);
        kith_err err = rc == CURLE_OPERATION_TIMEDOUT ? KITH_ERR_TIMEOUT : KITH_ERR_IO;
        request_finish(r, err, 0, text);
    }
}

static void drain_completions(struct kith_http *http)
{
    CURLMsg *msg;
    int left;
    /* A completion may free the client; stop reading curl's queue then. */
    while (!http->closing && (msg = curl_multi_info_read(http->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURLcode rc = msg->data.result; /* msg dies with curl_multi_remove_handle */
        char *priv = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        struct request *r = (struct request *)priv;
        request_detach(r);
        request_complete(r, rc);
    }
}

/* ---- libuv <-> curl glue ---- */

static void on_sock_closed(uv_handle_t *handle)
{
    free(handle->data);
}

static void sock_close(struct sock *s)
{
    struct kith_http *http = s->http;
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        http->socks = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

static struct sock *sock_new(struct kith_http *http, curl_socket_t fd)
{
    struct sock *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    if (uv_poll_init_socket(http->loop, &s->poll, fd) != 0) {
        free(s);
        return NULL;
    }
    s->poll.data = s;
    s->http = http;
    s->fd = fd;
    s->next = http->socks;
    if (http->socks != NULL)
        http->socks->prev = s;
    http->socks = s;
    return s;
}

static void on_poll(uv_poll_t *handle, int status, int events)
{
    struct sock *s = handle->data;
    struct kith_http *http = s->http;
    int flags = 0;
    if (status < 0) {
        flags = CURL_CSELECT_ERR;
    } else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    int running;
    curl_multi_socket_action(http->multi, s->fd, flags, &running);
    drain_completions(http); /* `s` may be closed by now; only `http` is used */
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct kith_http *http = userp;
    struct sock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s != NULL) {
            sock_close(s);
            curl_multi_assign(http->multi, fd, NULL);
        }
        return 0;
    }
    if (s == NULL) {
        s = sock_new(http, fd);
        if (s == NULL)
            return -1;
        curl_multi_assign(http->multi, fd, s);
    }
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    return uv_poll_start(&s->poll, events, on_poll) == 0 ? 0 : -1;
}

static void on_timeout(uv_timer_t *timer)
{
    struct kith_http *http = timer->data;
    int running;
    curl_multi_socket_action(http->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain_completions(http);
}

/* curl must not be re-entered from here, so the action runs from the loop's timer. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct kith_http *http = userp;
    if (timeout_ms < 0) {
        uv_timer_stop(&http->timer);
        return 0;
    }
    if (http->closing)
        return 0;
    return uv_timer_start(&http->timer, on_timeout, (uint64_t)timeout_ms, 0) == 0 ? 0 : -1;
}

static void on_defer(uv_timer_t *timer)
{
    struct kith_http *http = timer->data;
    while (!http->closing && http->deferred != NULL) {
        struct request *r = http->deferred;
        request_unlink(&http->deferred, r);
        request_finish(r, r->start_err, 0, r->start_why);
    }
}

/* ---- Building a request ---- */

static bool has_line_break(const char *s)
{
    return s != NULL && strpbrk(s, "\r\n") != NULL;
}

static bool method_valid(const char *m)
{
    if (m[0] == '\0')
        return false;
    for (const char *p = m; *p != '\0'; p++)
        if (*p < 'A' || *p > 'Z')
            return false;
    return true;
}

static bool slist_add(struct curl_slist **list, const char *line)
{
    struct curl_slist *l = curl_slist_append(*list, line);
    if (l == NULL)
        return false;
    *list = l;
    return true;
}

/* Adds "name: value" (or "name;" for an empty value, curl's way of sending it empty). */
static kith_err add_header(struct request *r, const char *name, const char *value)
{
    size_t len = strlen(name) + strlen(value) + 3;
    char *line = malloc(len);
    if (line == NULL)
        return KITH_ERR_NOMEM;
    if (value[0] == '\0')
        snprintf(line, len, "%s;", name);
    else
        snprintf(line, len, "%s: %s", name, value);
    bool ok = slist_add(&r->req_headers, line);
    free(line);
    return ok ? KITH_OK : KITH_ERR_NOMEM;
}

static kith_err build_headers(struct request *r, const struct kith_http_request *req)
{
    for (size_t i = 0; i < req->header_count; i++) {
        const struct kith_http_header *h = &req->headers[i];
        if (h->name == NULL || h->name[0] == '\0' || strchr(h->name, ':') != NULL ||
            has_line_break(h->name) || h->value == NULL || has_line_break(h->value)) {
            r->start_why = "invalid request header";
            return KITH_ERR_INVALID;
        }
        kith_err err = add_header(r, h->name, h->value);
        if (err != KITH_OK)
            return err;
    }
    if (has_line_break(req->content_type)) {
        r->start_why = "invalid content type";
        return KITH_ERR_INVALID;
    }
    /* "Content-Type:" with nothing removes curl's form-encoded default. "Expect:" saves the
     * 100-continue round trip curl would take for large bodies. */
    bool ok = req->content_type != NULL ? add_header(r, "Content-Type", req->content_type) == KITH_OK
                                        : slist_add(&r->req_headers, "Content-Type:");
    if (!ok || !slist_add(&r->req_headers, "Expect:"))
        return KITH_ERR_NOMEM;
    return KITH_OK;
}

/* GET and HEAD carry no body; every other method sends one, empty when none was given, so
 * that a body-less POST/PUT still says Content-Length: 0 (some APIs answer 411 otherwise). */
static CURLcode set_method(CURL *e, const char *method, const struct kith_http_request *req)
{
    if (strcmp(method, "GET") == 0 && req->body == NULL)
        return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    if (strcmp(method, "HEAD") == 0)
        return curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    CURLcode rc = CURLE_OK;
    if (strcmp(method, "POST") != 0)
        rc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                              (curl_off_t)(req->body != NULL ? req->body_len : 0));
    if (rc == CURLE_OK) /* copies the body */
        rc = curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body != NULL ? req->body : "");
    return rc;
}

static CURLcode set_transfer(struct request *r, const struct kith_http_request *req)
{
    CURL *e = r->easy;
    long timeout = req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS;
    CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, req->url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_USERAGENT, r->http->user_agent);
    if (rc == CURLE_OK) /* "" offers every encoding this libcurl can decode */
        rc = curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->req_headers);
    return rc;
}

static CURLcode set_callbacks(struct request *r)
{
    CURL *e = r->easy;
    CURLcode rc = curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)r);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)r);
    return rc;
}

/* Fills the request record; on failure start_err/start_why say why. */
static kith_err request_prepare(struct request *r, const struct kith_http_request *req)
{
    if (req->secret != NULL && req->secret[0] != '\0') {
        r->secret = strdup(req->secret);
        if (r->secret == NULL)
            return KITH_ERR_NOMEM;
    }
    r->method = strdup(req->method != NULL ? req->method : "GET");
    r->safe_url = redact_dup(req->url, r->secret);
    if (r->method == NULL || r->safe_url == NULL)
        return KITH_ERR_NOMEM;
    if (!method_valid(r->method)) {
        r->start_why = "invalid HTTP method";
        return KITH_ERR_INVALID;
    }
    kith_err err = build_headers(r, req);
    if (err != KITH_OK)
        return err;
    r->easy = curl_easy_init();
    if (r->easy == NULL)
        return KITH_ERR_NOMEM;
    CURLcode rc = set_method(r->easy, r->method, req);
    if (rc == CURLE_OK)
        rc = set_transfer(r, req);
    if (rc == CURLE_OK)
        rc = set_callbacks(r);
    if (rc == CURLE_OK)
        return KITH_OK;
    r->start_why = curl_easy_strerror(rc);
    return rc == CURLE_OUT_OF_MEMORY ? KITH_ERR_NOMEM : KITH_ERR_INVALID;
}

/* Queues a completion for a request that failed before curl saw it: never called inline. */
static void request_defer_failure(struct request *r, kith_err err)
{
    struct kith_http *http = r->http;
    r->start_err = err;
    if (r->start_why == NULL)
        r->start_why = kith_strerror(err);
    request_link(&http->deferred, r);
    uv_timer_start(&http->defer, on_defer, 0, 0);
}

kith_err kith_http_request(struct kith_http *http, const struct kith_http_request *req,
                           kith_http_done_fn done, void *ud, uint64_t *request_id_out)
{
    if (http == NULL || http->closing || req == NULL || req->url == NULL || done == NULL)
        return KITH_ERR_INVALID;
    struct request *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return KITH_ERR_NOMEM;
    r->http = http;
    r->id = ++http->next_id;
    r->done = done;
    r->ud = ud;
    r->started_ns = uv_hrtime();
    kith_err err = request_prepare(r, req);
    if (err == KITH_OK) {
        CURLMcode mc = curl_multi_add_handle(http->multi, r->easy);
        if (mc == CURLM_OK) {
            r->in_multi = true;
            request_link(&http->active, r);
        } else {
            r->start_why = curl_multi_strerror(mc);
            err = mc == CURLM_OUT_OF_MEMORY ? KITH_ERR_NOMEM : KITH_ERR_IO;
        }
    }
    if (err != KITH_OK)
        request_defer_failure(r, err);
    http->pending++;
    if (request_id_out != NULL)
        *request_id_out = r->id;
    return KITH_OK;
}

void kith_http_cancel(struct kith_http *http, uint64_t request_id)
{
    if (http == NULL)
        return;
    struct request *r = request_find(http->active, request_id);
    if (r == NULL)
        r = request_find(http->deferred, request_id);
    if (r == NULL)
        return;
    request_detach(r);
    request_finish(r, KITH_ERR_CANCELLED, 0, "request cancelled");
}

size_t kith_http_pending(const struct kith_http *http)
{
    return http != NULL ? http->pending : 0;
}

/* ---- Client lifetime ---- */

static kith_err global_init(void)
{
    static bool initialised; /* kithd is single-threaded: no race on this flag */
    if (initialised)
        return KITH_OK;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return KITH_ERR_IO;
    initialised = true;
    return KITH_OK;
}

static CURLMcode multi_configure(struct kith_http *http)
{
    CURLMcode mc = curl_multi_setopt(http->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    if (mc == CURLM_OK)
        mc = curl_multi_setopt(http->multi, CURLMOPT_SOCKETDATA, (void *)http);
    if (mc == CURLM_OK)
        mc = curl_multi_setopt(http->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    if (mc == CURLM_OK)
        mc = curl_multi_setopt(http->multi, CURLMOPT_TIMERDATA, (void *)http);
    return mc;
}

kith_err kith_http_new(uv_loop_t *loop, const char *user_agent, struct kith_http **out)
{
    if (loop == NULL || out == NULL)
        return KITH_ERR_INVALID;
    *out = NULL;
    kith_err err = global_init();
    if (err != KITH_OK)
        return err;
    struct kith_http *http = calloc(1, sizeof(*http));
    if (http == NULL)
        return KITH_ERR_NOMEM;
    http->loop = loop;
    http->user_agent = strdup(user_agent != NULL ? user_agent : "kith/" KITH_VERSION);
    http->multi = curl_multi_init();
    if (http->user_agent == NULL || http->multi == NULL || multi_configure(http) != CURLM_OK) {
        if (http->multi != NULL)
            curl_multi_cleanup(http->multi);
        free(http->user_agent);
        free(http);
        return KITH_ERR_NOMEM;
    }
    /* uv_timer_init cannot fail on a valid loop. */
    uv_timer_init(loop, &http->timer);
    uv_timer_init(loop, &http->defer);
    http->timer.data = http;
    http->defer.data = http;
    http->open_handles = 2;
    *out = http;
    return KITH_OK;
}

static void on_handle_closed(uv_handle_t *handle)
{
    struct kith_http *http = handle->data;
    if (--http->open_handles > 0)
        return;
    free(http->user_agent);
    free(http);
}

void kith_http_free(struct kith_http *http)
{
    if (http == NULL || http->closing)
        return;
    http->closing = true;
    while (http->active != NULL || http->deferred != NULL) {
        struct request *r = http->active != NULL ? http->active : http->deferred;
        request_detach(r);
        request_finish(r, KITH_ERR_CANCELLED, 0, "client shutting down");
    }
    curl_multi_cleanup(http->multi);
    http->multi = NULL;
    while (http->socks != NULL) /* whatever curl did not report as removed */
        sock_close(http->socks);
    uv_timer_stop(&http->timer);
    uv_timer_stop(&http->defer);
    uv_close((uv_handle_t *)&http->timer, on_handle_closed);
    uv_close((uv_handle_t *)&http->defer, on_handle_closed);
}
