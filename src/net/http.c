/* Asynchronous HTTP client: libcurl's multi interface driven by the libuv loop (the pattern of
 * curl's multi-uv example), one completion per request, secrets kept out of errors and logs. */
#include "net/http.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/log.h"
#include "net/http_internal.h"
#include "net/redact.h"

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
    struct kith_http_xfer *active, *deferred;
    struct sock *socks;
    size_t pending;
    uint64_t next_id;
    char *user_agent;
    int open_handles; /* the memory is released when the last of timer/defer has closed */
    bool closing;
};

/* ---- Small lists ---- */

static void request_link(struct kith_http_xfer **head, struct kith_http_xfer *r)
{
    r->prev = NULL;
    r->next = *head;
    if (*head != NULL)
        (*head)->prev = r;
    *head = r;
}

static void request_unlink(struct kith_http_xfer **head, struct kith_http_xfer *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        *head = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

static struct kith_http_xfer *request_find(struct kith_http_xfer *head, uint64_t id)
{
    for (struct kith_http_xfer *r = head; r != NULL; r = r->next)
        if (r->id == id)
            return r;
    return NULL;
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

/* Takes the request out of the client's lists and out of curl. */
static void request_detach(struct kith_http_xfer *r)
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

static void log_outcome(const struct kith_http_xfer *r, const struct kith_http_response *resp)
{
    const char *url = r->safe_url != NULL ? r->safe_url : "(url)";
    const char *method = r->method != NULL ? r->method : "?";
    if (resp->err == KITH_OK)
        kith_log(KITH_LOG_DEBUG, "http", "%s %s -> %ld in %.3f s", method, url, resp->status,
                 resp->elapsed_s);
    else
        kith_log(KITH_LOG_DEBUG, "http", "%s %s -> %s: %s", method, url, kith_strerror(resp->err),
                 resp->error);
}

/* Calls the completion of a detached request, then frees it. */
static void request_finish(struct kith_http_xfer *r, kith_err err, long status, const char *error)
{
    struct kith_http_header *view = NULL;
    if (err == KITH_OK && kith_http_xfer_headers_new(r, &view) != KITH_OK) {
        err = KITH_ERR_NOMEM;
        error = "out of memory collecting the response headers";
    }
    char *safe_error = NULL;
    if (err != KITH_OK) {
        safe_error = kith_redact_dup(error != NULL ? error : kith_strerror(err), r->secret);
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
    kith_http_xfer_free(r);
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
        struct kith_http_xfer *r = (struct kith_http_xfer *)priv;
        request_detach(r);
        kith_err err;
        long status;
        const char *error;
        kith_http_xfer_verdict(r, rc, &err, &status, &error);
        request_finish(r, err, status, error);
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
        struct kith_http_xfer *r = http->deferred;
        request_unlink(&http->deferred, r);
        request_finish(r, r->start_err, 0, r->start_why);
    }
}

/* Queues a completion for a request that failed before curl saw it: never called inline. */
static void request_defer_failure(struct kith_http_xfer *r, kith_err err)
{
    struct kith_http *http = r->http;
    r->start_err = err;
    if (r->start_why == NULL)
        r->start_why = kith_strerror(err);
    request_link(&http->deferred, r);
    uv_timer_start(&http->defer, on_defer, 0, 0);
}

/* Returns KITH_ERR_INVALID (missing argument, client shutting down) or KITH_ERR_NOMEM (no
 * memory for the request record) without ever calling done; any later failure, even one found
 * while setting the request up, arrives through done from the loop. */
kith_err kith_http_request(struct kith_http *http, const struct kith_http_request *req,
                           kith_http_done_fn done, void *ud, uint64_t *request_id_out)
{
    if (http == NULL || http->closing || req == NULL || req->url == NULL || done == NULL)
        return KITH_ERR_INVALID;
    struct kith_http_xfer *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return KITH_ERR_NOMEM;
    r->http = http;
    r->id = ++http->next_id;
    r->done = done;
    r->ud = ud;
    r->started_ns = uv_hrtime();
    kith_err err = kith_http_xfer_prepare(r, req, http->user_agent);
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
    struct kith_http_xfer *r = request_find(http->active, request_id);
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
        struct kith_http_xfer *r = http->active != NULL ? http->active : http->deferred;
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
