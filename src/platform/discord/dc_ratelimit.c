/* Discord's REST rate limits as the headers describe them: per-bucket windows (the bucket hash
 * plus the top-level resource), the global 50 requests per second, 429 waits (bucket or global)
 * and a guard that keeps 401/403/429 answers far below the 10,000 per 10 minutes ban line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "net/http.h"
#include "platform/discord/dc_internal.h"

#define TABLE_SIZE 256
#define GLOBAL_PER_SECOND 50
#define INVALID_SLOT_MS 10000
#define INVALID_SLOTS 60   /* 60 slots of 10 s: the 10-minute window */
#define INVALID_GUARD 1000 /* a tenth of Discord's limit: stop sending long before it */
#define ROUTE_MAX 160

struct dc_bucket {
    struct dc_bucket *next;
    char *key;
    void *queue;       /* dc_rest's first waiting call */
    bool busy;         /* one request in flight keeps a bucket's requests in order */
    int remaining;     /* -1 until the headers say */
    uint64_t reset_at; /* loop ms at which remaining refills; 0 = unknown */
};

struct route_hash {
    struct route_hash *next;
    char *route;
    char *hash;
};

struct invalid_slot {
    uint64_t slot;
    uint32_t count;
};

struct dc_limits {
    struct dc_bucket *table[TABLE_SIZE];
    struct route_hash *routes;
    uint64_t global_until;
    uint64_t global_sent[GLOBAL_PER_SECOND]; /* ring of send times, oldest at global_pos */
    size_t global_pos;
    struct invalid_slot invalid[INVALID_SLOTS];
    bool guard_logged;
};

kith_err dc_limits_new(struct dc_limits **out)
{
    *out = calloc(1, sizeof **out);
    return *out != NULL ? KITH_OK : KITH_ERR_NOMEM;
}

static void bucket_free(struct dc_bucket *b)
{
    free(b->key);
    free(b);
}

void dc_limits_free(struct dc_limits *lim)
{
    if (lim == NULL)
        return;
    for (size_t i = 0; i < TABLE_SIZE; i++) {
        for (struct dc_bucket *b = lim->table[i], *next; b != NULL; b = next) {
            next = b->next;
            bucket_free(b);
        }
    }
    for (struct route_hash *r = lim->routes, *next; r != NULL; r = next) {
        next = r->next;
        free(r->route);
        free(r->hash);
        free(r);
    }
    free(lim);
}

void **dc_bucket_queue(struct dc_bucket *b)
{
    return &b->queue;
}

bool *dc_bucket_busy(struct dc_bucket *b)
{
    return &b->busy;
}

/* ---- Routes: "POST /channels/{major}/messages" and the major parameter "123". ---- */

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool append(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len + n + 1 > size)
        return false;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
    return true;
}

static bool segment_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncmp(s, word, n) == 0;
}

/* How many path segments after the top-level resource identify it (the major parameter). */
static int major_parts_of(const char *top, size_t n)
{
    if (segment_is(top, n, "webhooks") || segment_is(top, n, "interactions"))
        return 2;
    if (segment_is(top, n, "channels") || segment_is(top, n, "guilds"))
        return 1;
    return 0;
}

/* Splits a path into its route template and major parameter. Webhooks and interactions count
 * their token as part of the major parameter, as Discord limits each one on its own. */
static bool route_of(const char *method, const char *path, char *route, size_t route_size,
                     char *major, size_t major_size)
{
    size_t rlen = 0, mlen = 0;
    route[0] = major[0] = '\0';
    if (!append(route, route_size, &rlen, method, strlen(method)) ||
        !append(route, route_size, &rlen, " ", 1))
        return false;
    size_t path_len = strcspn(path, "?");
    int index = 0, major_parts = 0;
    for (const char *p = path; p < path + path_len;) {
        while (*p == '/' && p < path + path_len)
            p++;
        size_t n = strcspn(p, "/?");
        if (n == 0)
            break;
        bool ok = append(route, route_size, &rlen, "/", 1);
        if (index == 0) {
            major_parts = major_parts_of(p, n);
            ok = ok && append(route, route_size, &rlen, p, n);
        } else if (index <= major_parts) {
            ok = ok && append(route, route_size, &rlen, "{major}", 7) &&
                 (mlen == 0 || append(major, major_size, &mlen, "/", 1)) &&
                 append(major, major_size, &mlen, p, n);
        } else if (all_digits(p, n)) {
            ok = ok && append(route, route_size, &rlen, "{id}", 4);
        } else if (index >= 1 && rlen >= 10 && strcmp(route + rlen - 10, "reactions/") == 0) {
            ok = ok && append(route, route_size, &rlen, "{emoji}", 7);
        } else {
            ok = ok && append(route, route_size, &rlen, p, n);
        }
        if (!ok)
            return false;
        p += n;
        index++;
    }
    return true;
}

static const char *route_hash_find(const struct dc_limits *lim, const char *route)
{
    for (const struct route_hash *r = lim->routes; r != NULL; r = r->next)
        if (strcmp(r->route, route) == 0)
            return r->hash;
    return NULL;
}

static void route_hash_set(struct dc_limits *lim, const char *route, const char *hash)
{
    for (struct route_hash *r = lim->routes; r != NULL; r = r->next) {
        if (strcmp(r->route, route) != 0)
            continue;
        if (strcmp(r->hash, hash) != 0) {
            char *copy = strdup(hash);
            if (copy != NULL) {
                free(r->hash);
                r->hash = copy;
            }
        }
        return;
    }
    struct route_hash *r = calloc(1, sizeof *r);
    if (r == NULL)
        return; /* only a lost optimisation: the route keeps its own bucket */
    r->route = strdup(route);
    r->hash = strdup(hash);
    if (r->route == NULL || r->hash == NULL) {
        free(r->route);
        free(r->hash);
        free(r);
        return;
    }
    r->next = lim->routes;
    lim->routes = r;
}

static size_t key_slot(const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % TABLE_SIZE;
}

static struct dc_bucket *bucket_find(const struct dc_limits *lim, const char *key)
{
    for (struct dc_bucket *b = lim->table[key_slot(key)]; b != NULL; b = b->next)
        if (strcmp(b->key, key) == 0)
            return b;
    return NULL;
}

/* A bucket first known by its route takes its hash's key once Discord names the hash, so the
 * calls queued after that find the state the earlier answers left. */
static void bucket_rekey(struct dc_limits *lim, struct dc_bucket *b, const char *hash,
                         const char *major)
{
    char key[2 * ROUTE_MAX + 2];
    snprintf(key, sizeof key, "%s@%s", hash, major);
    if (strcmp(b->key, key) == 0 || bucket_find(lim, key) != NULL)
        return;
    char *copy = strdup(key);
    if (copy == NULL)
        return; /* the route keeps its own bucket: only less precise */
    for (struct dc_bucket **link = &lim->table[key_slot(b->key)]; *link != NULL;
         link = &(*link)->next) {
        if (*link == b) {
            *link = b->next;
            break;
        }
    }
    free(b->key);
    b->key = copy;
    size_t slot = key_slot(copy);
    b->next = lim->table[slot];
    lim->table[slot] = b;
}

struct dc_bucket *dc_limits_bucket(struct dc_limits *lim, const char *method, const char *path)
{
    char route[ROUTE_MAX], major[ROUTE_MAX], key[2 * ROUTE_MAX + 2];
    if (!route_of(method, path, route, sizeof route, major, sizeof major))
        snprintf(route, sizeof route, "%s long-path", method); /* still limited, coarsely */
    const char *hash = route_hash_find(lim, route);
    snprintf(key, sizeof key, "%s@%s", hash != NULL ? hash : route, major);
    struct dc_bucket *b = bucket_find(lim, key);
    if (b != NULL)
        return b;
    size_t slot = key_slot(key);
    b = calloc(1, sizeof *b);
    if (b == NULL || (b->key = strdup(key)) == NULL) {
        free(b);
        return NULL;
    }
    b->remaining = -1;
    b->next = lim->table[slot];
    lim->table[slot] = b;
    return b;
}

/* ---- Waiting. ---- */

static uint32_t invalid_count(const struct dc_limits *lim, uint64_t now)
{
    uint64_t current = now / INVALID_SLOT_MS;
    uint32_t total = 0;
    for (size_t i = 0; i < INVALID_SLOTS; i++)
        if (lim->invalid[i].slot + INVALID_SLOTS > current)
            total += lim->invalid[i].count;
    return total;
}

bool dc_limits_guarded(struct dc_limits *lim, uint64_t now)
{
    bool guarded = invalid_count(lim, now) >= INVALID_GUARD;
    if (guarded && !lim->guard_logged)
        kith_log(KITH_LOG_ERROR, DC_PLATFORM,
                 "%d refused requests (401/403/429) in 10 minutes: holding requests back so "
                 "Discord does not ban this IP; check the token and the bot's permissions",
                 INVALID_GUARD);
    lim->guard_logged = guarded;
    return guarded;
}

static uint64_t later(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

uint64_t dc_limits_wait(struct dc_limits *lim, struct dc_bucket *b, bool exempt, uint64_t now)
{
    uint64_t until = 0;
    if (b->remaining == 0 && b->reset_at > now)
        until = b->reset_at;
    if (exempt)
        return until;
    if (lim->global_until > now)
        until = later(until, lim->global_until);
    uint64_t oldest = lim->global_sent[lim->global_pos];
    if (oldest != 0 && oldest + 1000 > now)
        until = later(until, oldest + 1000);
    if (dc_limits_guarded(lim, now))
        until = later(until, (now / INVALID_SLOT_MS + 1) * INVALID_SLOT_MS);
    return until;
}

void dc_limits_sent(struct dc_limits *lim, struct dc_bucket *b, bool exempt, uint64_t now)
{
    if (b->remaining > 0)
        b->remaining--;
    if (exempt)
        return;
    lim->global_sent[lim->global_pos] = now != 0 ? now : 1;
    lim->global_pos = (lim->global_pos + 1) % GLOBAL_PER_SECOND;
}

/* ---- Learning from answers. ---- */

static void count_invalid(struct dc_limits *lim, uint64_t now)
{
    uint64_t current = now / INVALID_SLOT_MS;
    struct invalid_slot *s = &lim->invalid[current % INVALID_SLOTS];
    if (s->slot != current)
        *s = (struct invalid_slot){current, 0};
    s->count++;
}

/* Seconds (a float in text) as milliseconds, rounded up; -1 when absent or malformed. */
static int64_t seconds_ms(const char *text)
{
    if (text == NULL)
        return -1;
    char *end = NULL;
    double s = strtod(text, &end);
    if (end == text || !isfinite(s) || s < 0 || s > 86400)
        return -1;
    return (int64_t)ceil(s * 1000.0);
}

static int64_t retry_after_ms(const struct kith_http_response *resp, const cJSON *body)
{
    const cJSON *ra = cJSON_GetObjectItemCaseSensitive(body, "retry_after");
    if (cJSON_IsNumber(ra) && ra->valuedouble >= 0 && ra->valuedouble <= 86400)
        return (int64_t)ceil(ra->valuedouble * 1000.0);
    int64_t ms = seconds_ms(kith_http_response_header(resp, "Retry-After"));
    return ms >= 0 ? ms : 1000;
}

static void on_429(struct dc_limits *lim, struct dc_bucket *b, const char *route,
                   const struct kith_http_response *resp, const cJSON *body, uint64_t now)
{
    int64_t wait = retry_after_ms(resp, body);
    const char *global_header = kith_http_response_header(resp, "X-RateLimit-Global");
    const char *scope = kith_http_response_header(resp, "X-RateLimit-Scope");
    bool global = dc_json_bool(body, "global") ||
                  (global_header != NULL && strcasecmp(global_header, "true") == 0) ||
                  (scope != NULL && strcasecmp(scope, "global") == 0);
    /* Shared-resource limits are Discord's own and do not count against the bot. */
    if (scope == NULL || strcasecmp(scope, "shared") != 0)
        count_invalid(lim, now);
    if (global) {
        lim->global_until = later(lim->global_until, now + (uint64_t)wait);
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "global rate limit hit: every request waits %lld ms",
                 (long long)wait);
        return;
    }
    b->remaining = 0;
    b->reset_at = later(b->reset_at, now + (uint64_t)wait);
    kith_log(KITH_LOG_INFO, DC_PLATFORM, "rate limited on %s (%s scope): waiting %lld ms", route,
             scope != NULL ? scope : "user", (long long)wait);
}

void dc_limits_update(struct dc_limits *lim, struct dc_bucket *b, const char *method,
                      const char *path, const struct kith_http_response *resp, const cJSON *body,
                      uint64_t now)
{
    char route[ROUTE_MAX], major[ROUTE_MAX];
    bool routed = route_of(method, path, route, sizeof route, major, sizeof major);
    const char *hash = kith_http_response_header(resp, "X-RateLimit-Bucket");
    if (routed && hash != NULL && hash[0] != '\0') {
        route_hash_set(lim, route, hash);
        bucket_rekey(lim, b, hash, major);
    }
    const char *remaining = kith_http_response_header(resp, "X-RateLimit-Remaining");
    int64_t reset_after = seconds_ms(kith_http_response_header(resp, "X-RateLimit-Reset-After"));
    if (remaining != NULL && reset_after >= 0) {
        b->remaining = atoi(remaining);
        b->reset_at = now + (uint64_t)reset_after;
    }
    if (resp->status == 429)
        on_429(lim, b, routed ? route : method, resp, body, now);
    else if (resp->status == 401 || resp->status == 403)
        count_invalid(lim, now);
}

void dc_limits_prune(struct dc_limits *lim, uint64_t now)
{
    for (size_t i = 0; i < TABLE_SIZE; i++) {
        for (struct dc_bucket **link = &lim->table[i]; *link != NULL;) {
            struct dc_bucket *b = *link;
            if (b->queue == NULL && !b->busy && b->reset_at <= now) {
                *link = b->next;
                bucket_free(b);
            } else {
                link = &b->next;
            }
        }
    }
}
