/* The fake's REST rate limits, as Discord reports them: a bucket per route and top-level
 * resource with X-RateLimit-* headers, the global 50 requests per second, 429 bodies with
 * retry_after, armed 429s and 5xx answers, and a count of requests sent while told to wait. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_discord.h"

#define GLOBAL_PER_SECOND 50

static bool segment_digits(const char *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

static bool seg_is(const char *p, size_t n, const char *word)
{
    return strlen(word) == n && strncmp(p, word, n) == 0;
}

/* "POST /channels/{major}/messages" and "channels/123": the route and its top-level resource. */
static void route_of(const char *method, const char *path, char *route, size_t rsize, char *major,
                     size_t msize)
{
    size_t r = (size_t)snprintf(route, rsize, "%s ", method), m = 0;
    major[0] = '\0';
    int index = 0, major_parts = 0;
    for (const char *p = path; *p != '\0' && r < rsize;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 0)
            break;
        if (index == 0) {
            bool two = seg_is(p, n, "webhooks") || seg_is(p, n, "interactions");
            bool one = seg_is(p, n, "channels") || seg_is(p, n, "guilds");
            major_parts = two ? 2 : one ? 1 : 0;
            r += (size_t)snprintf(route + r, rsize - r, "/%.*s", (int)n, p);
        } else if (index <= major_parts) {
            r += (size_t)snprintf(route + r, rsize - r, "/{major}");
            if (m < msize)
                m += (size_t)snprintf(major + m, msize - m, "%s%.*s", m ? "/" : "", (int)n, p);
        } else {
            r += (size_t)snprintf(route + r, rsize - r, "/%.*s", segment_digits(p, n) ? 4 : (int)n,
                                  segment_digits(p, n) ? "{id}" : p);
        }
        p += n;
        index++;
    }
}

static struct fdc_bucket *bucket_for(struct fdc *fd, const char *method, const char *path)
{
    char route[120], major[120], key[FDC_BUCKET_KEY_MAX];
    route_of(method, path, route, sizeof route, major, sizeof major);
    snprintf(key, sizeof key, "%s@%s", route, major);
    for (struct fdc_bucket *b = fd->buckets; b != NULL; b = b->next)
        if (strcmp(b->key, key) == 0)
            return b;
    struct fdc_bucket *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    fdc_copy(b->key, sizeof b->key, key);
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)route; *p; p++)
        h = (h ^ *p) * 16777619u;
    snprintf(b->hash, sizeof b->hash, "%08x", h); /* the same route shares one hash */
    b->remaining = fd->bucket_limit;
    b->next = fd->buckets;
    fd->buckets = b;
    return b;
}

void fdc_limits_free(struct fdc *fd)
{
    while (fd->buckets != NULL) {
        struct fdc_bucket *b = fd->buckets;
        fd->buckets = b->next;
        free(b);
    }
}

void fdc_limits_invalid(struct fdc *fd)
{
    fd->invalid_requests++;
}

/* ---- Answers. ---- */

static char header_text[6][96];
static const char *header_list[7];

static const char *const *bucket_headers(const struct fdc *fd, const struct fdc_bucket *b,
                                         uint64_t now)
{
    double reset_after = b->reset_ms > now ? (double)(b->reset_ms - now) / 1000.0 : 0.0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double reset = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + reset_after;
    snprintf(header_text[0], sizeof header_text[0], "X-RateLimit-Limit: %d", fd->bucket_limit);
    snprintf(header_text[1], sizeof header_text[1], "X-RateLimit-Remaining: %d", b->remaining);
    snprintf(header_text[2], sizeof header_text[2], "X-RateLimit-Reset: %.3f", reset);
    snprintf(header_text[3], sizeof header_text[3], "X-RateLimit-Reset-After: %.3f", reset_after);
    snprintf(header_text[4], sizeof header_text[4], "X-RateLimit-Bucket: %s", b->hash);
    for (size_t i = 0; i < 5; i++)
        header_list[i] = header_text[i];
    header_list[5] = NULL;
    return header_list;
}

static void too_many(struct fdc *fd, struct fake_request *req, double retry_after, bool global,
                     const struct fdc_bucket *b, uint64_t now)
{
    fd->invalid_requests++;
    char retry[48], scope[48];
    snprintf(retry, sizeof retry, "Retry-After: %d", (int)ceil(retry_after));
    snprintf(scope, sizeof scope, "X-RateLimit-Scope: %s", global ? "global" : "user");
    const char *headers[10];
    size_t n = 0;
    if (b != NULL && !global) {
        const char *const *bh = bucket_headers(fd, b, now);
        for (; bh[n] != NULL; n++)
            headers[n] = bh[n];
    }
    headers[n++] = retry;
    headers[n++] = scope;
    if (global)
        headers[n++] = "X-RateLimit-Global: true";
    headers[n] = NULL;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "message", "You are being rate limited.");
    cJSON_AddNumberToObject(body, "retry_after", retry_after);
    cJSON_AddBoolToObject(body, "global", global);
    fdc_respond(req, 429, headers, body);
}

/* ---- Armed faults. ---- */

bool fdc_fault_arm(struct fdc *fd, const cJSON *body)
{
    for (size_t i = 0; i < FDC_FAULTS_MAX; i++) {
        struct fdc_fault *f = &fd->faults[i];
        if (f->count > 0)
            continue;
        const char *method = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "method"));
        const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "path"));
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(body, "status");
        const cJSON *retry = cJSON_GetObjectItemCaseSensitive(body, "retry_after");
        const cJSON *count = cJSON_GetObjectItemCaseSensitive(body, "count");
        *f = (struct fdc_fault){0};
        fdc_copy(f->method, sizeof f->method, method != NULL ? method : "*");
        fdc_copy(f->path, sizeof f->path, path != NULL ? path : "");
        f->status = cJSON_IsNumber(status) ? status->valueint : 429;
        f->retry_after = cJSON_IsNumber(retry) ? retry->valuedouble : 1.0;
        f->global = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "global"));
        f->count = cJSON_IsNumber(count) ? count->valueint : 1;
        return true;
    }
    return false;
}

static struct fdc_fault *fault_for(struct fdc *fd, struct fake_request *req)
{
    const char *method = fake_request_method(req);
    const char *path = fake_request_path(req);
    for (size_t i = 0; i < FDC_FAULTS_MAX; i++) {
        struct fdc_fault *f = &fd->faults[i];
        if (f->count > 0 && (strcmp(f->method, "*") == 0 || strcmp(f->method, method) == 0) &&
            strstr(path, f->path) != NULL)
            return f;
    }
    return NULL;
}

static bool apply_fault(struct fdc *fd, struct fake_request *req, struct fdc_fault *f,
                        struct fdc_bucket *b, uint64_t now)
{
    f->count--;
    if (f->status != 429) {
        fdc_error(req, f->status, 0, f->status == 502 ? "Bad Gateway" : "Internal Server Error");
        return false;
    }
    uint64_t wait = (uint64_t)(f->retry_after * 1000.0);
    if (f->global) {
        fd->global_blocked_until = now + wait;
    } else if (b != NULL) {
        b->remaining = 0;
        b->blocked_until = now + wait;
        b->reset_ms = now + wait;
    }
    too_many(fd, req, f->retry_after, f->global, b, now);
    return false;
}

/* ---- Admission. ---- */

static bool global_admit(struct fdc *fd, struct fake_request *req, uint64_t now)
{
    if (now < fd->global_blocked_until) {
        fd->global_violations++;
        too_many(fd, req, (double)(fd->global_blocked_until - now) / 1000.0, true, NULL, now);
        return false;
    }
    uint64_t oldest = fd->global_window[fd->global_pos];
    if (oldest != 0 && oldest + 1000 > now) {
        too_many(fd, req, (double)(oldest + 1000 - now) / 1000.0, true, NULL, now);
        return false;
    }
    fd->global_window[fd->global_pos] = now != 0 ? now : 1;
    fd->global_pos = (fd->global_pos + 1) % GLOBAL_PER_SECOND;
    return true;
}

bool fdc_limits_admit(struct fdc *fd, struct fake_request *req, bool exempt,
                      const char *const **headers_out)
{
    uint64_t now = fdc_now(fd);
    const char *path = fake_request_path(req);
    if (strncmp(path, "/api/v10/", 9) == 0)
        path += 8; /* routes start at the top-level resource */
    struct fdc_bucket *b = bucket_for(fd, fake_request_method(req), path);
    *headers_out = NULL;
    struct fdc_fault *f = fault_for(fd, req);
    if (f != NULL)
        return apply_fault(fd, req, f, b, now);
    if (!exempt && !global_admit(fd, req, now))
        return false;
    if (b == NULL)
        return true;
    if (now < b->blocked_until) {
        fd->bucket_violations++;
        too_many(fd, req, (double)(b->blocked_until - now) / 1000.0, false, b, now);
        return false;
    }
    if (now >= b->reset_ms) {
        b->remaining = fd->bucket_limit;
        b->reset_ms = now + (uint64_t)fd->bucket_window_ms;
    }
    if (b->remaining == 0) {
        fd->bucket_violations++; /* the headers said to wait */
        too_many(fd, req, (double)(b->reset_ms - now) / 1000.0, false, b, now);
        return false;
    }
    b->remaining--;
    *headers_out = bucket_headers(fd, b, now);
    return true;
}
