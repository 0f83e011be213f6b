/* Bounded per-member and per-server sliding windows. */
#include <stdlib.h>
#include <string.h>

#include "logic/window.h"

struct spam_windows {
    size_t max_members;
    size_t max_servers;
    size_t members;
};

spam_windows *spam_windows_new(size_t max_members, size_t max_servers)
{
    if (max_members == 0 || max_servers == 0)
        return NULL;
    spam_windows *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->max_members = max_members;
    w->max_servers = max_servers;
    return w;
}

void spam_windows_free(spam_windows *w)
{
    free(w);
}

void spam_windows_record_message(spam_windows *w, const char *server_id, const char *member_id,
                                 const char *channel_id, const char *folded, uint32_t mentions,
                                 int64_t now_ms, const struct spam_window_spans *spans,
                                 struct spam_window_counts *out)
{
    (void)w;
    (void)server_id;
    (void)member_id;
    (void)channel_id;
    (void)folded;
    (void)now_ms;
    (void)spans;
    memset(out, 0, sizeof *out);
    out->messages = 1;
    out->duplicates = 1;
    out->duplicate_channels = 1;
    out->mentions = mentions;
}

uint32_t spam_windows_record_join(spam_windows *w, const char *server_id, int64_t now_ms,
                                  int64_t window_ms)
{
    (void)w;
    (void)server_id;
    (void)now_ms;
    (void)window_ms;
    return 1;
}

void spam_windows_expire(spam_windows *w, int64_t now_ms, int64_t max_span_ms)
{
    (void)w;
    (void)now_ms;
    (void)max_span_ms;
}

void spam_windows_forget_member(spam_windows *w, const char *server_id, const char *member_id)
{
    (void)w;
    (void)server_id;
    (void)member_id;
}

size_t spam_windows_member_count(const spam_windows *w)
{
    return w->members;
}

size_t spam_windows_memory(const spam_windows *w)
{
    return sizeof *w;
}

uint64_t spam_near_hash(const char *folded)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)folded; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}
