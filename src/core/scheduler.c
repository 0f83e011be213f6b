/* Persistent scheduled jobs: rows in kith_jobs, fired in due order by one libuv timer armed
 * for the earliest job, deleted only after delivery so a crash mid-fire fires them again. */
#include "core/scheduler.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

/* Re-check at least this often, so a long wait never depends on one huge timer. */
#define MAX_WAIT_MS (60 * 60 * 1000)

struct id_set {
    int64_t *ids;
    size_t count, cap;
};

struct kith_scheduler {
    uv_loop_t *loop;
    struct kith_store *store;
    kith_clock_fn clock;
    void *clock_ud;
    kith_job_fire_fn fire;
    void *fire_ud;
    uv_timer_t timer; /* initialised only with a loop */
    bool started;
    bool running; /* inside run_due: adds and cancels re-arm once it returns */
    bool freeing; /* kith_scheduler_free was called inside fire: done when run_due returns */
    int64_t started_at_ms;
    struct id_set skipped; /* owner not loaded: offered again after kith_scheduler_rescan */
    struct id_set fired;   /* delivered but not deleted: offered again only after a restart */
};

static const char SQL_NEXT_DUE[] =
    "SELECT id, owner, server_id, kind, payload, due_at FROM kith_jobs"
    " WHERE due_at <= ?1 AND (due_at > ?2 OR (due_at = ?2 AND id > ?3))"
    " ORDER BY due_at, id LIMIT 1";
static const char SQL_BY_DUE[] = "SELECT id, due_at FROM kith_jobs ORDER BY due_at, id";
static const char SQL_INSERT[] =
    "INSERT INTO kith_jobs (owner, server_id, kind, payload, due_at, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_DELETE[] = "DELETE FROM kith_jobs WHERE id = ?1";
static const char SQL_CANCEL[] = "DELETE FROM kith_jobs WHERE id = ?1 AND owner = ?2";

static int64_t system_clock(void *ud)
{
    (void)ud;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_ms(const struct kith_scheduler *s)
{
    return s->clock(s->clock_ud);
}

/* ---- Sets of job ids (sorted, for bsearch). ---- */

static size_t set_lower_bound(const struct id_set *set, int64_t id)
{
    size_t lo = 0, hi = set->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool set_has(const struct id_set *set, int64_t id)
{
    size_t i = set_lower_bound(set, id);
    return i < set->count && set->ids[i] == id;
}

static kith_err set_add(struct id_set *set, int64_t id)
{
    size_t i = set_lower_bound(set, id);
    if (i < set->count && set->ids[i] == id)
        return KITH_OK;
    if (set->count == set->cap) {
        size_t cap = set->cap == 0 ? 16 : set->cap * 2;
        int64_t *grown = realloc(set->ids, cap * sizeof *grown);
        if (grown == NULL)
            return KITH_ERR_NOMEM;
        set->ids = grown;
        set->cap = cap;
    }
    memmove(&set->ids[i + 1], &set->ids[i], (set->count - i) * sizeof *set->ids);
    set->ids[i] = id;
    set->count++;
    return KITH_OK;
}

static void set_remove(struct id_set *set, int64_t id)
{
    size_t i = set_lower_bound(set, id);
    if (i == set->count || set->ids[i] != id)
        return;
    memmove(&set->ids[i], &set->ids[i + 1], (set->count - i - 1) * sizeof *set->ids);
    set->count--;
}

/* Jobs this run of kithd will not offer again (until rescan, for skipped ones). */
static bool held_back(const struct kith_scheduler *s, int64_t id)
{
    return set_has(&s->skipped, id) || set_has(&s->fired, id);
}

/* ---- The timer. ---- */

/* Earliest due time among jobs that are not skipped. */
static kith_err next_due(struct kith_scheduler *s, bool *found_out, int64_t *due_out)
{
    *found_out = false;
    sqlite3_stmt *stmt = NULL;
    kith_err err = kith_store_prepare(s->store, SQL_BY_DUE, &stmt);
    if (err != KITH_OK)
        return err;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!held_back(s, sqlite3_column_int64(stmt, 0))) {
            *found_out = true;
            *due_out = sqlite3_column_int64(stmt, 1);
            break;
        }
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = kith_store_err(rc);
    kith_store_release(s->store, stmt);
    return err;
}

static void on_timer(uv_timer_t *timer);

static void arm(struct kith_scheduler *s)
{
    if (s->loop == NULL || !s->started || s->running)
        return;
    bool found = false;
    int64_t due = 0;
    kith_err err = next_due(s, &found, &due);
    if (err != KITH_OK) {
        /* Try again later rather than lose track of the jobs. */
        kith_log(KITH_LOG_ERROR, "scheduler", "cannot read the next job: %s", kith_strerror(err));
        found = true;
        due = now_ms(s) + MAX_WAIT_MS;
    }
    if (!found) {
        uv_timer_stop(&s->timer);
        return;
    }
    /* Unsigned difference: a due time anywhere in int64 (a plugin's own arithmetic) cannot
     * overflow it. */
    int64_t now = now_ms(s);
    uint64_t wait = due <= now ? 0 : (uint64_t)due - (uint64_t)now;
    if (wait > MAX_WAIT_MS)
        wait = MAX_WAIT_MS;
    uv_timer_start(&s->timer, on_timer, wait, 0);
}

static void on_timer(uv_timer_t *timer)
{
    struct kith_scheduler *s = timer->data;
    kith_scheduler_run_due(s, now_ms(s)); /* re-arms for the next job when done */
}

/* ---- Lifecycle. ---- */

kith_err kith_scheduler_new(const struct kith_scheduler_options *opts, struct kith_scheduler **out)
{
    if (out == NULL)
        return KITH_ERR_INVALID;
    *out = NULL;
    if (opts == NULL || opts->store == NULL || opts->fire == NULL)
        return KITH_ERR_INVALID;
    struct kith_scheduler *s = calloc(1, sizeof *s);
    if (s == NULL)
        return KITH_ERR_NOMEM;
    s->loop = opts->loop;
    s->store = opts->store;
    s->clock = opts->clock != NULL ? opts->clock : system_clock;
    s->clock_ud = opts->clock_ud;
    s->fire = opts->fire;
    s->fire_ud = opts->fire_ud;
    if (s->loop != NULL) {
        int rc = uv_timer_init(s->loop, &s->timer);
        if (rc != 0) {
            kith_log(KITH_LOG_ERROR, "scheduler", "cannot create the timer: %s", uv_strerror(rc));
            free(s);
            return KITH_ERR_NOMEM;
        }
        s->timer.data = s;
    }
    *out = s;
    return KITH_OK;
}

kith_err kith_scheduler_start(struct kith_scheduler *s)
{
    if (s == NULL)
        return KITH_ERR_INVALID;
    s->started_at_ms = now_ms(s);
    s->started = true;
    if (s->loop == NULL)
        kith_scheduler_run_due(s, s->started_at_ms); /* nobody else would fire them "at once" */
    else
        arm(s); /* already-due jobs get a 0 ms timer: they fire on the first loop iteration */
    return KITH_OK;
}

static void destroy(struct kith_scheduler *s)
{
    free(s->skipped.ids);
    free(s->fired.ids);
    free(s);
}

static void on_close(uv_handle_t *handle)
{
    destroy(handle->data);
}

static void release(struct kith_scheduler *s)
{
    if (s->loop == NULL) {
        destroy(s);
        return;
    }
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, on_close);
}

void kith_scheduler_free(struct kith_scheduler *s)
{
    if (s == NULL)
        return;
    if (s->running)
        s->freeing = true; /* run_due is on the stack: it finishes the job */
    else
        release(s);
}

/* ---- Jobs. ---- */

kith_err kith_scheduler_add(struct kith_scheduler *s, const char *owner, const char *server_id,
                            const char *kind, const char *payload, int64_t due_at_ms,
                            int64_t *job_id_out)
{
    if (s == NULL || owner == NULL || owner[0] == '\0' || kind == NULL)
        return KITH_ERR_INVALID;
    const struct kith_db_value p[] = {
        KITH_DB_TEXT(owner),    KITH_DB_TEXT(server_id),
        KITH_DB_TEXT(kind),     KITH_DB_TEXT(payload != NULL ? payload : ""),
        KITH_DB_I64(due_at_ms), KITH_DB_I64(now_ms(s))};
    kith_err err = kith_store_run(s->store, SQL_INSERT, p, sizeof p / sizeof p[0], NULL);
    if (err != KITH_OK)
        return err;
    if (job_id_out != NULL)
        *job_id_out = sqlite3_last_insert_rowid(kith_store_db(s->store));
    arm(s);
    return KITH_OK;
}

kith_err kith_scheduler_cancel(struct kith_scheduler *s, const char *owner, int64_t job_id)
{
    if (s == NULL || owner == NULL)
        return KITH_ERR_INVALID;
    const struct kith_db_value p[] = {KITH_DB_I64(job_id), KITH_DB_TEXT(owner)};
    int64_t changes = 0;
    kith_err err = kith_store_run(s->store, SQL_CANCEL, p, 2, &changes);
    if (err != KITH_OK)
        return err;
    if (changes == 0)
        return KITH_ERR_NOT_FOUND;
    set_remove(&s->skipped, job_id);
    set_remove(&s->fired, job_id);
    arm(s);
    return KITH_OK;
}

/* A due row copied out of the statement, so fire may run statements of its own. */
struct due_row {
    struct kith_due_job due;
    char *strings; /* owner, server_id, kind and payload, back to back */
};

static const char *copy_column(sqlite3_stmt *stmt, int column, char **cursor)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    if (text == NULL)
        return NULL;
    size_t len = strlen((const char *)text) + 1;
    memcpy(*cursor, text, len);
    const char *copy = *cursor;
    *cursor += len;
    return copy;
}

static kith_err read_row(sqlite3_stmt *stmt, struct due_row *row)
{
    size_t size = 0;
    for (int c = 1; c <= 4; c++)
        size += (size_t)sqlite3_column_bytes(stmt, c) + 1;
    row->strings = malloc(size);
    if (row->strings == NULL)
        return KITH_ERR_NOMEM;
    char *cursor = row->strings;
    row->due.job.id = sqlite3_column_int64(stmt, 0);
    row->due.owner = copy_column(stmt, 1, &cursor);
    row->due.job.server_id = copy_column(stmt, 2, &cursor);
    row->due.job.kind = copy_column(stmt, 3, &cursor);
    row->due.job.payload = copy_column(stmt, 4, &cursor);
    row->due.job.due_at_ms = sqlite3_column_int64(stmt, 5);
    return KITH_OK;
}

/* The first job due at now_ms after the (due_at, id) cursor; *found_out false when none. */
static kith_err fetch_next(struct kith_scheduler *s, int64_t now, int64_t after_due,
                           int64_t after_id, struct due_row *row, bool *found_out)
{
    *found_out = false;
    sqlite3_stmt *stmt = NULL;
    kith_err err = kith_store_prepare(s->store, SQL_NEXT_DUE, &stmt);
    if (err != KITH_OK)
        return err;
    const struct kith_db_value p[] = {KITH_DB_I64(now), KITH_DB_I64(after_due),
                                      KITH_DB_I64(after_id)};
    err = kith_store_bind(stmt, p, 3);
    int rc = err == KITH_OK ? sqlite3_step(stmt) : SQLITE_DONE;
    if (rc == SQLITE_ROW) {
        err = read_row(stmt, row);
        *found_out = err == KITH_OK;
    } else if (rc != SQLITE_DONE) {
        err = kith_store_err(rc);
    }
    kith_store_release(s->store, stmt);
    return err;
}

/* Hands one job to fire; deletes it once delivered, remembers it as skipped otherwise. */
static bool deliver(struct kith_scheduler *s, struct due_row *row)
{
    row->due.job.late = s->started && row->due.job.due_at_ms < s->started_at_ms;
    bool delivered = s->fire(&row->due, s->fire_ud);
    if (s->freeing)
        return delivered; /* the store may be gone too: the job fires again at the next start */
    if (!delivered) {
        if (set_add(&s->skipped, row->due.job.id) != KITH_OK)
            kith_log(KITH_LOG_ERROR, "scheduler", "out of memory remembering job %lld",
                     (long long)row->due.job.id);
        return false;
    }
    const struct kith_db_value p[] = {KITH_DB_I64(row->due.job.id)};
    if (kith_store_run(s->store, SQL_DELETE, p, 1, NULL) != KITH_OK) {
        /* Keep it from firing again in this run of kithd; after a restart it fires again. */
        kith_log(KITH_LOG_ERROR, "scheduler", "job %lld fired but could not be deleted",
                 (long long)row->due.job.id);
        if (set_add(&s->fired, row->due.job.id) != KITH_OK)
            kith_log(KITH_LOG_ERROR, "scheduler", "out of memory remembering job %lld",
                     (long long)row->due.job.id);
    }
    return true;
}

size_t kith_scheduler_run_due(struct kith_scheduler *s, int64_t now)
{
    if (s == NULL || s->running)
        return 0;
    s->running = true;
    size_t delivered = 0;
    int64_t after_due = INT64_MIN, after_id = INT64_MIN;
    for (;;) {
        struct due_row row = {0};
        bool found = false;
        kith_err err = fetch_next(s, now, after_due, after_id, &row, &found);
        if (err != KITH_OK)
            kith_log(KITH_LOG_ERROR, "scheduler", "cannot read due jobs: %s", kith_strerror(err));
        if (!found)
            break;
        after_due = row.due.job.due_at_ms;
        after_id = row.due.job.id;
        if (!held_back(s, row.due.job.id) && deliver(s, &row))
            delivered++;
        free(row.strings);
        if (s->freeing)
            break;
    }
    s->running = false;
    if (s->freeing)
        release(s);
    else
        arm(s);
    return delivered;
}

void kith_scheduler_rescan(struct kith_scheduler *s)
{
    if (s == NULL)
        return;
    s->skipped.count = 0;
    arm(s);
}
