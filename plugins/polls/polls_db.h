/* Ending a store transaction, the same way for polls and surveys: every change in it is kept,
 * or none. */
#ifndef KITH_POLLS_DB_H
#define KITH_POLLS_DB_H

#include <kith/plugin.h>

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

#endif
