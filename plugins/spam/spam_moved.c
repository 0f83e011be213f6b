/* A server that got a new id (a Telegram group turned supergroup): its moderation log, strikes,
 * reports and members' join times follow it in one transaction, and the cached rules of both
 * ids are dropped (rebuilt from the moved settings on the next message). */
#include <string.h>

#include "spam.h"

static const char *const moves[] = {
    "UPDATE spam_actions SET server_id = ?2 WHERE server_id = ?1",
    "UPDATE spam_actions SET channel_id = ?2 WHERE channel_id = ?1",
    "UPDATE spam_strikes SET server_id = ?2 WHERE server_id = ?1",
    "UPDATE spam_reports SET server_id = ?2 WHERE server_id = ?1",
    "UPDATE spam_reports SET target_channel_id = ?2 WHERE target_channel_id = ?1",
    /* A member the new id already knows keeps that row; the old one goes. */
    "UPDATE OR IGNORE spam_members SET server_id = ?2 WHERE server_id = ?1",
    "DELETE FROM spam_members WHERE server_id = ?1",
};

static kith_err run_move(struct kith_plugin_ctx *ctx, const char *sql, const char *from_id,
                         const char *to_id)
{
    kith_stmt *stmt = NULL;
    bool row = false;
    kith_err err = spam_host->db_prepare(ctx, sql, &stmt);
    if (err == KITH_OK)
        err = spam_host->db_bind_text(stmt, 1, from_id);
    if (err == KITH_OK && strstr(sql, "?2") != NULL)
        err = spam_host->db_bind_text(stmt, 2, to_id);
    if (err == KITH_OK)
        err = spam_host->db_step(stmt, &row);
    spam_host->db_finalize(stmt);
    return err;
}

void spam_on_server_moved(struct kith_plugin_ctx *ctx, const char *from_id, const char *to_id)
{
    spam_servers_forget(spam_state(ctx), from_id);
    spam_servers_forget(spam_state(ctx), to_id);
    kith_err err = spam_host->db_begin(ctx);
    for (size_t i = 0; err == KITH_OK && i < sizeof moves / sizeof moves[0]; i++)
        err = run_move(ctx, moves[i], from_id, to_id);
    if (err == KITH_OK)
        err = spam_host->db_commit(ctx);
    if (err != KITH_OK) {
        spam_host->db_rollback(ctx);
        spam_host->log(ctx, KITH_LOG_ERROR, "moderation data of %s was not moved to %s: %s",
                       from_id, to_id, spam_host->strerror(err));
        return;
    }
    spam_host->log(ctx, KITH_LOG_INFO, "moderation data of %s moved to %s", from_id, to_id);
}
