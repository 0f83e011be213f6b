/* Sliding windows per (server, member) and per server in bounded memory: each member keeps a
 * ring of their last messages (time, near-duplicate key, channel, mentions), each server a ring
 * of join times; both tables forget the least recently active beyond their caps. */
#include <stdlib.h>
#include <string.h>

#include "logic/fold.h"
#include "logic/lru_table.h"
#include "logic/window.h"

struct message_mark {
    int64_t at_ms;
    uint32_t near;
    uint16_t channel;
    uint16_t mentions;
};

struct member_ring {
    int64_t last_ms;
    uint32_t next; /* where the next message goes */
    uint32_t count;
    struct message_mark marks[SPAM_WINDOW_RING];
};

struct join_ring {
    uint32_t next;
    uint32_t count;
    int64_t at_ms[SPAM_JOIN_RING];
};

struct spam_windows {
    struct lru_table members;
    struct lru_table servers;
};

/* FNV-1a over the ids with a separator, so ("ab","c") and ("a","bc") differ. Keys are 64-bit
 * hashes: two members colliding would share a window, which at 2^-64 odds is accepted. */
static uint64_t hash_ids(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)(a ? a : ""); *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    h = (h ^ 0xFF) * 1099511628211ULL;
    for (const unsigned char *p = (const unsigned char *)(b ? b : ""); *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

spam_windows *spam_windows_new(size_t max_members, size_t max_servers)
{
    spam_windows *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    if (!lru_init(&w->members, max_members, sizeof(struct member_ring)) ||
        !lru_init(&w->servers, max_servers, sizeof(struct join_ring))) {
        spam_windows_free(w);
        return NULL;
    }
    return w;
}

void spam_windows_free(spam_windows *w)
{
    if (!w)
        return;
    lru_release(&w->members);
    lru_release(&w->servers);
    free(w);
}

static bool within(int64_t at_ms, int64_t now_ms, int64_t span_ms)
{
    return span_ms > 0 && at_ms > now_ms - span_ms && at_ms <= now_ms;
}

static uint32_t distinct_channels(const uint16_t *channels, size_t n)
{
    uint32_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = channels[k] == channels[i];
        distinct += !seen;
    }
    return distinct;
}

static void count(const struct member_ring *r, const struct message_mark *now_mark,
                  const struct spam_window_spans *spans, struct spam_window_counts *out)
{
    uint16_t channels[SPAM_WINDOW_RING];
    size_t dup = 0;
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < r->count; i++) {
        const struct message_mark *m = &r->marks[i];
        if (within(m->at_ms, now_mark->at_ms, spans->flood_ms))
            out->messages++;
        if (within(m->at_ms, now_mark->at_ms, spans->mention_ms))
            out->mentions += m->mentions;
        if (within(m->at_ms, now_mark->at_ms, spans->duplicate_ms) && m->near == now_mark->near)
            channels[dup++] = m->channel;
    }
    out->duplicates = (uint32_t)dup;
    out->duplicate_channels = distinct_channels(channels, dup);
}

void spam_windows_record_message(spam_windows *w, const char *server_id, const char *member_id,
                                 const char *channel_id, const char *folded, uint32_t mentions,
                                 int64_t now_ms, const struct spam_window_spans *spans,
                                 struct spam_window_counts *out)
{
    struct message_mark mark = {
        now_ms,
        (uint32_t)spam_near_hash(folded ? folded : ""),
        (uint16_t)hash_ids(channel_id, ""),
        (uint16_t)(mentions > UINT16_MAX ? UINT16_MAX : mentions),
    };
    bool created;
    struct member_ring *r = lru_get(&w->members, hash_ids(server_id, member_id), &created);
    if (!r) { /* out of memory: judge this message alone */
        struct member_ring alone = {.count = 1, .marks = {mark}};
        count(&alone, &mark, spans, out);
        return;
    }
    r->marks[r->next] = mark;
    r->next = (r->next + 1) % SPAM_WINDOW_RING;
    if (r->count < SPAM_WINDOW_RING)
        r->count++;
    r->last_ms = now_ms;
    count(r, &mark, spans, out);
}

uint32_t spam_windows_record_join(spam_windows *w, const char *server_id, int64_t now_ms,
                                  int64_t window_ms)
{
    bool created;
    struct join_ring *r = lru_get(&w->servers, hash_ids(server_id, NULL), &created);
    if (!r)
        return 1;
    r->at_ms[r->next] = now_ms;
    r->next = (r->next + 1) % SPAM_JOIN_RING;
    if (r->count < SPAM_JOIN_RING)
        r->count++;
    uint32_t joins = 0;
    for (uint32_t i = 0; i < r->count; i++)
        joins += within(r->at_ms[i], now_ms, window_ms);
    return joins;
}

void spam_windows_expire(spam_windows *w, int64_t now_ms, int64_t max_span_ms)
{
    /* The LRU order is the order of last activity, so idle members sit at the tail. */
    for (;;) {
        struct member_ring *oldest = lru_oldest(&w->members);
        if (!oldest || oldest->last_ms > now_ms - max_span_ms)
            break;
        lru_remove_oldest(&w->members);
    }
}

void spam_windows_forget_member(spam_windows *w, const char *server_id, const char *member_id)
{
    lru_remove(&w->members, hash_ids(server_id, member_id));
}

size_t spam_windows_member_count(const spam_windows *w)
{
    return w->members.used;
}

size_t spam_windows_memory(const spam_windows *w)
{
    return sizeof *w + lru_memory(&w->members) + lru_memory(&w->servers);
}

static uint64_t hash_letters(const char *folded, bool letters_only)
{
    uint64_t h = 1469598103934665603ULL;
    size_t len = strlen(folded);
    bool any = false;
    for (size_t pos = 0; pos < len;) {
        uint32_t cp;
        size_t used = spam_utf8_decode(folded + pos, len - pos, &cp);
        bool keep = letters_only ? spam_is_word_char(cp) && !(cp >= '0' && cp <= '9') : cp != ' ';
        if (keep) {
            for (size_t i = 0; i < used; i++)
                h = (h ^ (unsigned char)folded[pos + i]) * 1099511628211ULL;
            any = true;
        }
        pos += used;
    }
    return any ? h : 0;
}

uint64_t spam_near_hash(const char *folded)
{
    uint64_t h = hash_letters(folded, true);
    return h ? h : hash_letters(folded, false);
}
