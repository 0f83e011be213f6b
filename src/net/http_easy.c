/* One HTTP transfer's curl easy handle: configured from a kith request, its response body and
 * final headers collected under size limits, and curl's result mapped to a kith_err. */
#include "net/http_internal.h"

#include <stdlib.h>
#include <string.h>

#include "net/redact.h"

#define DEFAULT_TIMEOUT_MS 30000L
#define MAX_BODY_BYTES ((size_t)16 * 1024 * 1024)
#define MAX_HEADER_BYTES ((size_t)256 * 1024)
#define MAX_REDIRECTS 5L

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
    struct kith_http_xfer *r = userp;
    size_t n = size * nmemb;
    if (r->body_len + n > MAX_BODY_BYTES) {
        r->too_big = true;
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

static bool arena_append(struct kith_http_xfer *r, const char *s, size_t len)
{
    if (r->hdr_len + len + 1 > MAX_HEADER_BYTES) {
        r->too_big = true;
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
    struct kith_http_xfer *r = userp;
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

kith_err kith_http_xfer_headers_new(const struct kith_http_xfer *r, struct kith_http_header **out)
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

/* ---- Configuring the handle ---- */

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
static kith_err add_header(struct kith_http_xfer *r, const char *name, const char *value)
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

static kith_err build_headers(struct kith_http_xfer *r, const struct kith_http_request *req)
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
    bool ok = req->content_type != NULL
                  ? add_header(r, "Content-Type", req->content_type) == KITH_OK
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

static CURLcode set_transfer(struct kith_http_xfer *r, const struct kith_http_request *req,
                             const char *user_agent)
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
    /* Without it, cancelling or timing out a transfer that is still resolving joins curl's
     * resolver thread, blocking the loop until getaddrinfo returns; with it the thread is left
     * to finish and free its data on its own. */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent);
    if (rc == CURLE_OK) /* "" offers every encoding this libcurl can decode */
        rc = curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->req_headers);
    return rc;
}

static CURLcode set_callbacks(struct kith_http_xfer *r)
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

kith_err kith_http_xfer_prepare(struct kith_http_xfer *r, const struct kith_http_request *req,
                                const char *user_agent)
{
    if (req->secret != NULL && req->secret[0] != '\0') {
        r->secret = strdup(req->secret);
        if (r->secret == NULL)
            return KITH_ERR_NOMEM;
    }
    r->method = strdup(req->method != NULL ? req->method : "GET");
    r->safe_url = kith_redact_dup(req->url, r->secret);
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
        rc = set_transfer(r, req, user_agent);
    if (rc == CURLE_OK)
        rc = set_callbacks(r);
    if (rc == CURLE_OK)
        return KITH_OK;
    r->start_why = curl_easy_strerror(rc);
    return rc == CURLE_OUT_OF_MEMORY ? KITH_ERR_NOMEM : KITH_ERR_INVALID;
}

void kith_http_xfer_verdict(struct kith_http_xfer *r, CURLcode rc, kith_err *err, long *status,
                            const char **error)
{
    *status = 0;
    *error = NULL;
    if (rc == CURLE_OK) {
        *err = KITH_OK;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, status);
    } else if (r->too_big) {
        *err = KITH_ERR_LIMIT;
        *error = "response over the size limit (16 MiB body, 256 KiB headers)";
    } else if (r->out_of_memory) {
        *err = KITH_ERR_NOMEM;
        *error = "out of memory collecting the response";
    } else {
        *err = rc == CURLE_OPERATION_TIMEDOUT ? KITH_ERR_TIMEOUT : KITH_ERR_IO;
        *error = r->errbuf[0] != '\0' ? r->errbuf : curl_easy_strerror(rc);
    }
}

void kith_http_xfer_free(struct kith_http_xfer *r)
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
