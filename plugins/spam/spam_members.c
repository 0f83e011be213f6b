/* The member tracker: each active member's last few message ids (so a flood action can delete
 * the whole burst, and a report can quote a message) and their join time. Bounded: beyond
 * max_members the least recently active member is forgotten. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spam.h"
#include "spam_store.h"

#define EXCERPT_BYTES 200

struct tracked {
    char *key; /* "<server>\n<member>" */
    size_t server_len;
    uint64_t hash;
    int64_t joined_at_ms; /* 0 = unknown */
    bool store_read;      /* the store was asked for the join time since tracking began */
    /* Each slot's id, channel and text share one buffer (message_id points at its start),
     * reused while it is big enough, so remembering a message rarely allocates. */
    struct spam_recent recent[SPAM_RECENT_KEPT];
    size_t capacity[SPAM_RECENT_KEPT];
    size_t next_slot;
    struct tracked *bucket_next;
    struct tracked *newer, *older; /* the LRU list */
};

struct spam_tracker {
    struct tracked **buckets;
    size_t bucket_count;
    size_t count, max;
    struct tracked *newest, *oldest;
};

struct spam_tracker *spam_tracker_new(size_t max_members)
{
    struct spam_tracker *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->bucket_count = max_members < 64 ? 64 : max_members;
    t->buckets = calloc(t->bucket_count, sizeof *t->buckets);
    if (t->buckets == NULL) {
        free(t);
        return NULL;
    }
    t->max = max_members;
    return t;
}

static void recent_clear(struct spam_recent *r)
{
    free(r->message_id); /* the slot's one buffer */
    *r = (struct spam_recent){0};
}

static void tracked_free(struct tracked *m)
{
    for (size_t i = 0; i < SPAM_RECENT_KEPT; i++)
        recent_clear(&m->recent[i]);
    free(m->key);
    free(m);
}

void spam_tracker_free(struct spam_tracker *t)
{
    if (t == NULL)
        return;
    struct tracked *m = t->newest;
    while (m != NULL) {
        struct tracked *older = m->older;
        tracked_free(m);
        m = older;
    }
    free(t->buckets);
    free(t);
}

static uint64_t hash_pair(const char *server_id, const char *member_id)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = server_id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ '\n') * 1099511628211ULL;
    for (const char *p = member_id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

static bool key_is(const struct tracked *m, const char *server_id, const char *member_id)
{
    return strncmp(m->key, server_id, m->server_len) == 0 && server_id[m->server_len] == '\0' &&
           strcmp(m->key + m->server_len + 1, member_id) == 0;
}

static void lru_unlink(struct spam_tracker *t, struct tracked *m)
{
    if (m->newer)
        m->newer->older = m->older;
    else
        t->newest = m->older;
    if (m->older)
        m->older->newer = m->newer;
    else
        t->oldest = m->newer;
    m->newer = m->older = NULL;
}

static void lru_push(struct spam_tracker *t, struct tracked *m)
{
    m->older = t->newest;
    m->newer = NULL;
    if (t->newest)
        t->newest->newer = m;
    t->newest = m;
    if (t->oldest == NULL)
        t->oldest = m;
}

static void drop(struct spam_tracker *t, struct tracked *m)
{
    size_t bucket = m->hash % t->bucket_count;
    for (struct tracked **link = &t->buckets[bucket]; *link; link = &(*link)->bucket_next)
        if (*link == m) {
            *link = m->bucket_next;
            break;
        }
    lru_unlink(t, m);
    tracked_free(m);
    t->count--;
}

static struct tracked *find(struct spam_tracker *t, const char *server_id, const char *member_id)
{
    size_t bucket = hash_pair(server_id, member_id) % t->bucket_count;
    for (struct tracked *m = t->buckets[bucket]; m; m = m->bucket_next)
        if (key_is(m, server_id, member_id)) {
            lru_unlink(t, m);
            lru_push(t, m);
            return m;
        }
    return NULL;
}

/* Finds or adds the member; NULL when out of memory. */
static struct tracked *touch(struct spam_tracker *t, const char *server_id, const char *member_id)
{
    struct tracked *m = find(t, server_id, member_id);
    if (m != NULL)
        return m;
    if (t->count >= t->max && t->oldest != NULL)
        drop(t, t->oldest);
    m = calloc(1, sizeof *m);
    size_t server_len = strlen(server_id), member_len = strlen(member_id);
    char *key = m ? malloc(server_len + member_len + 2) : NULL;
    if (key == NULL) {
        free(m);
        return NULL;
    }
    memcpy(key, server_id, server_len);
    key[server_len] = '\n';
    memcpy(key + server_len + 1, member_id, member_len + 1);
    m->key = key;
    m->server_len = server_len;
    m->hash = hash_pair(server_id, member_id);
    size_t bucket = m->hash % t->bucket_count;
    m->bucket_next = t->buckets[bucket];
    t->buckets[bucket] = m;
    lru_push(t, m);
    t->count++;
    return m;
}

int64_t spam_tracker_joined_at(struct kith_plugin_ctx *ctx, struct spam_tracker *t,
                               const char *server_id, const char *member_id,
                               int64_t platform_joined_at_ms, int64_t now_ms)
{
    struct tracked *m = touch(t, server_id, member_id);
    if (m == NULL)
        return platform_joined_at_ms;
    if (platform_joined_at_ms > 0)
        m->joined_at_ms = platform_joined_at_ms;
    if (m->store_read)
        return m->joined_at_ms;
    /* First message since the member was last tracked: one store read, not one per message. */
    m->store_read = true;
    int64_t stored = 0;
    bool known = false;
    kith_err err = spam_store_member_joined_at(ctx, server_id, member_id, &stored, &known);
    if (err != KITH_OK)
        spam_host->log(ctx, KITH_LOG_WARN, "join time of %s unreadable: %s", member_id,
                       spam_host->strerror(err));
    if (m->joined_at_ms == 0)
        m->joined_at_ms = stored;
    if (err == KITH_OK && (!known || (stored == 0 && platform_joined_at_ms > 0))) {
        err = spam_store_member_seen(ctx, server_id, member_id, now_ms, platform_joined_at_ms);
        if (err != KITH_OK)
            spam_host->log(ctx, KITH_LOG_WARN, "first sight of %s not recorded: %s", member_id,
                           spam_host->strerror(err));
    }
    return m->joined_at_ms;
}

void spam_tracker_set_joined(struct kith_plugin_ctx *ctx, struct spam_tracker *t,
                             const char *server_id, const char *member_id, int64_t joined_at_ms)
{
    struct tracked *m = touch(t, server_id, member_id);
    if (m != NULL) {
        m->joined_at_ms = joined_at_ms;
        m->store_read = true; /* a join is newer than anything the store holds */
    }
    kith_err err = spam_store_member_seen(ctx, server_id, member_id, joined_at_ms, joined_at_ms);
    if (err != KITH_OK)
        spam_host->log(ctx, KITH_LOG_WARN, "join of %s not recorded: %s", member_id,
                       spam_host->strerror(err));
}

/* The length of text cut to at most EXCERPT_BYTES, never inside a UTF-8 sequence. */
static size_t excerpt_length(const char *text)
{
    size_t len = strlen(text);
    if (len > EXCERPT_BYTES) {
        len = EXCERPT_BYTES;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    return len;
}

void spam_tracker_remember(struct spam_tracker *t, const char *server_id, const char *member_id,
                           const char *channel_id, const char *message_id, const char *text,
                           int64_t at_ms)
{
    struct tracked *m = touch(t, server_id, member_id);
    if (m == NULL || message_id == NULL)
        return;
    size_t slot_index = m->next_slot;
    struct spam_recent *slot = &m->recent[slot_index];
    channel_id = channel_id ? channel_id : "";
    text = text ? text : "";
    size_t id_len = strlen(message_id), channel_len = strlen(channel_id);
    size_t text_len = excerpt_length(text), need = id_len + channel_len + text_len + 3;
    char *buffer = slot->message_id;
    if (need > m->capacity[slot_index]) {
        buffer = realloc(buffer, need);
        if (buffer == NULL) { /* out of memory: this message is simply not remembered */
            recent_clear(slot);
            m->capacity[slot_index] = 0;
            return;
        }
        m->capacity[slot_index] = need;
    }
    memcpy(buffer, message_id, id_len + 1);
    memcpy(buffer + id_len + 1, channel_id, channel_len + 1);
    memcpy(buffer + id_len + channel_len + 2, text, text_len);
    buffer[need - 1] = '\0';
    *slot =
        (struct spam_recent){buffer, buffer + id_len + 1, buffer + id_len + channel_len + 2, at_ms};
    m->next_slot = (slot_index + 1) % SPAM_RECENT_KEPT;
}

size_t spam_tracker_recent(struct spam_tracker *t, const char *server_id, const char *member_id,
                           int64_t since_ms, const struct spam_recent **out, size_t max)
{
    struct tracked *m = find(t, server_id, member_id);
    size_t n = 0;
    for (size_t i = 0; m != NULL && i < SPAM_RECENT_KEPT && n < max; i++) {
        /* oldest first: start at the slot that will be overwritten next */
        const struct spam_recent *r = &m->recent[(m->next_slot + i) % SPAM_RECENT_KEPT];
        if (r->message_id != NULL && r->at_ms != INT64_MIN && r->at_ms >= since_ms)
            out[n++] = r;
    }
    return n;
}

void spam_tracker_clear_messages(struct spam_tracker *t, const char *server_id,
                                 const char *member_id)
{
    struct tracked *m = find(t, server_id, member_id);
    for (size_t i = 0; m != NULL && i < SPAM_RECENT_KEPT; i++)
        m->recent[i].at_ms = INT64_MIN; /* keeps the buffer; recent() skips it from now on */
}

const struct spam_recent *spam_tracker_find_message(struct spam_tracker *t, const char *server_id,
                                                    const char *message_id, const char **author_out)
{
    /* Only at report time: a walk over the tracked members is fine there. */
    size_t server_len = strlen(server_id);
    for (struct tracked *m = t->newest; m != NULL; m = m->older) {
        if (m->server_len != server_len || strncmp(m->key, server_id, server_len) != 0)
            continue;
        for (size_t i = 0; i < SPAM_RECENT_KEPT; i++)
            if (m->recent[i].message_id && m->recent[i].at_ms != INT64_MIN &&
                strcmp(m->recent[i].message_id, message_id) == 0) {
                *author_out = m->key + m->server_len + 1;
                return &m->recent[i];
            }
    }
    return NULL;
}
