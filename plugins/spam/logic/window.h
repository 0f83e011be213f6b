/* Sliding windows per (server, member) and per server, in bounded memory: message flood,
 * duplicate messages, mention flood and join rate. Times are passed in; nothing reads a clock. */
#ifndef SPAM_WINDOW_H
#define SPAM_WINDOW_H

#include <stddef.h>
#include <stdint.h>

/* Each member keeps only their last SPAM_WINDOW_RING messages, so a message limit (flood,
 * duplicates) can be at most this; each server keeps its last SPAM_JOIN_RING joins. */
#define SPAM_WINDOW_RING 32
#define SPAM_JOIN_RING 64

typedef struct spam_windows spam_windows;

/* Tracks at most max_members (server, member) pairs and max_servers servers; the least
 * recently active is forgotten beyond that. Returns NULL when out of memory or a cap is 0.
 * Caller frees with spam_windows_free. */
spam_windows *spam_windows_new(size_t max_members, size_t max_servers);
void spam_windows_free(spam_windows *w);

/* How far back each count looks (milliseconds; 0 = that count is not needed). */
struct spam_window_spans {
    int64_t flood_ms;
    int64_t duplicate_ms;
    int64_t mention_ms;
};

/* What a member did within each span, this message included. */
struct spam_window_counts {
    uint32_t messages;           /* messages within flood_ms */
    uint32_t duplicates;         /* messages within duplicate_ms with the same near-text */
    uint32_t duplicate_channels; /* distinct channels among those duplicates */
    uint32_t mentions;           /* mentions within mention_ms */
};

/* Records one message and returns the counts. folded is the message after spam_fold_new;
 * near-duplicates are compared by spam_near_hash of it. ids are borrowed. Never fails: when
 * full, the least recently active member is forgotten. */
void spam_windows_record_message(spam_windows *w, const char *server_id, const char *member_id,
                                 const char *channel_id, const char *folded, uint32_t mentions,
                                 int64_t now_ms, const struct spam_window_spans *spans,
                                 struct spam_window_counts *out);

/* Records a member joining server_id; returns the joins within window_ms, this one included. */
uint32_t spam_windows_record_join(spam_windows *w, const char *server_id, int64_t now_ms,
                                  int64_t window_ms);

/* Forgets members idle for longer than max_span_ms (call now and then, e.g. once a minute). */
void spam_windows_expire(spam_windows *w, int64_t now_ms, int64_t max_span_ms);

/* Forgets one member's history (after a pardon or an action, so one burst is punished once). */
void spam_windows_forget_member(spam_windows *w, const char *server_id, const char *member_id);

size_t spam_windows_member_count(const spam_windows *w);

/* Bytes held by the tracker (for the bounded-memory test and the bench). */
size_t spam_windows_memory(const spam_windows *w);

/* The near-duplicate key of folded text: a 64-bit hash of its letters only (digits, spaces,
 * punctuation and emoji variation dropped), so "Buy now!! 123" and "buy now 456" collide.
 * Text without letters hashes its non-space characters instead. */
uint64_t spam_near_hash(const char *folded);

#endif
