/* What the poll and survey glue share: ending a store transaction (every change in it kept, or
 * none) and a formatted text reply. */
#ifndef KITH_POLLS_SHARED_H
#define KITH_POLLS_SHARED_H

#include <stdarg.h>
#include <stdbool.h>

#include <kith/plugin.h>

#include "logic/utf8.h"

/* Ends the transaction db_begin opened: commits when err (how its statements went) is KITH_OK,
 * otherwise, or when the commit fails, rolls back. Returns err or the commit's error. */
static inline kith_err polls_db_end(const struct kith_host *h, struct kith_plugin_ctx *ctx,
                                    kith_err err)
{
    if (err == KITH_OK)
        err = h->db_commit(ctx);
    if (err != KITH_OK)
        h->db_rollback(ctx);
    return err;
}

/* Replies to ev with printf-style text (cut with "…" to one message), ephemeral where the
 * platform can when asked; a failure is logged, prefixed with who (like "survey"). */
__attribute__((format(printf, 6, 0))) static inline void
polls_vsay(const struct kith_host *h, struct kith_plugin_ctx *ctx, const struct kith_event *ev,
           bool ephemeral, const char *who, const char *fmt, va_list ap)
{
    char text[KITH_MESSAGE_TEXT_MAX + 1];
    if (!polls_utf8_vformat(text, sizeof text, fmt, ap))
        return;
    kith_err err = h->reply_text(ctx, ev, text, ephemeral);
    if (err != KITH_OK)
        h->log(ctx, KITH_LOG_WARN, "%s: could not reply: %s", who, h->strerror(err));
}

#endif
