/* Identify pacing across shards: one identify per rate-limit key (shard_id % max_concurrency)
 * every 5 seconds, and no new session once the daily session_start_limit is spent until it
 * resets. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/discord/dc_internal.h"

#define IDENTIFY_SPACING_MS 5000
#define DAILY_DEFAULT 1000

struct waiting {
    struct waiting *next;
    struct dc_shard *sh;
};

struct dc_identify {
    struct dc *dc;
    int max_concurrency;
    uint64_t *last_at; /* per rate-limit key; 0 = never */
    int remaining;     /* identifies left before reset_at */
    uint64_t reset_at; /* loop ms */
    struct waiting *queue;
    uv_timer_t *timer;
    bool limit_logged;
};

kith_err dc_identify_new(struct dc *dc, int max_concurrency, int remaining, int64_t reset_after_ms,
                         struct dc_identify **out)
{
    struct dc_identify *id = calloc(1, sizeof *id);
    if (id == NULL)
        return KITH_ERR_NOMEM;
    id->dc = dc;
    id->max_concurrency = max_concurrency > 0 ? max_concurrency : 1;
    id->last_at = calloc((size_t)id->max_concurrency, sizeof *id->last_at);
    id->timer = dc_timer_new(dc, id);
    if (id->last_at == NULL || id->timer == NULL) {
        dc_identify_free(id);
        return KITH_ERR_NOMEM;
    }
    id->remaining = remaining;
    id->reset_at = uv_now(dc->loop) + (uint64_t)(reset_after_ms > 0 ? reset_after_ms : 0);
    *out = id;
    return KITH_OK;
}

static void run(uv_timer_t *timer);

/* When this shard may identify: 0 = now. */
static uint64_t turn_of(struct dc_identify *id, struct dc_shard *sh, uint64_t now)
{
    if (id->remaining <= 0 && now >= id->reset_at) {
        id->remaining = DAILY_DEFAULT;
        id->limit_logged = false;
    }
    if (id->remaining <= 0) {
        if (!id->limit_logged)
            kith_log(KITH_LOG_ERROR, DC_PLATFORM,
                     "the daily limit of new gateway sessions is spent; identifying again in "
                     "%llu s",
                     (unsigned long long)((id->reset_at - now) / 1000));
        id->limit_logged = true;
        return id->reset_at;
    }
    uint64_t last = id->last_at[dc_shard_id(sh) % id->max_concurrency];
    if (last != 0 && last + IDENTIFY_SPACING_MS > now)
        return last + IDENTIFY_SPACING_MS;
    return 0;
}

static void run(uv_timer_t *timer)
{
    struct dc_identify *id = timer->data;
    if (id == NULL)
        return;
    uint64_t now = uv_now(id->dc->loop);
    uint64_t wake = 0;
    for (struct waiting **link = &id->queue; *link != NULL;) {
        struct waiting *w = *link;
        uint64_t at = turn_of(id, w->sh, now);
        if (at > now) {
            wake = wake == 0 || at < wake ? at : wake;
            link = &w->next;
            continue;
        }
        id->last_at[dc_shard_id(w->sh) % id->max_concurrency] = now;
        id->remaining--;
        *link = w->next;
        struct dc_shard *sh = w->sh;
        free(w);
        dc_shard_identify_now(sh);
    }
    if (wake != 0)
        uv_timer_start(id->timer, run, wake - now, 0);
}

void dc_identify_request(struct dc_identify *id, struct dc_shard *sh)
{
    struct waiting **link = &id->queue;
    for (; *link != NULL; link = &(*link)->next)
        if ((*link)->sh == sh)
            return;
    struct waiting *w = calloc(1, sizeof *w);
    if (w == NULL) {
        kith_log(KITH_LOG_ERROR, DC_PLATFORM, "out of memory queueing an identify");
        return;
    }
    w->sh = sh;
    *link = w;
    uv_timer_start(id->timer, run, 0, 0);
}

void dc_identify_forget(struct dc_identify *id, struct dc_shard *sh)
{
    if (id == NULL)
        return;
    for (struct waiting **link = &id->queue; *link != NULL; link = &(*link)->next) {
        if ((*link)->sh == sh) {
            struct waiting *w = *link;
            *link = w->next;
            free(w);
            return;
        }
    }
}

void dc_identify_free(struct dc_identify *id)
{
    if (id == NULL)
        return;
    while (id->queue != NULL) {
        struct waiting *w = id->queue;
        id->queue = w->next;
        free(w);
    }
    dc_timer_close(&id->timer);
    free(id->last_at);
    free(id);
}
