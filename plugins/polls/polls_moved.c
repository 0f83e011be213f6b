/* A server that got a new id (a Telegram group turned supergroup): its polls and surveys, and
 * the chat as their channel, follow it in one transaction. */
#include "poll.h"
#include "polls_shared.h"

static const char *const moves[] = {
    "UPDATE polls_polls SET server_id = ?2 WHERE server_id = ?1",
    "UPDATE polls_polls SET channel_id = ?2 WHERE channel_id = ?1",
    "UPDATE polls_surveys SET server_id = ?2 WHERE server_id = ?1",
    "UPDATE polls_surveys SET channel_id = ?2 WHERE channel_id = ?1",
    "UPDATE OR IGNORE polls_survey_prompts SET channel_id = ?2 WHERE channel_id = ?1",
};

static kith_err run_move(struct kith_plugin_ctx *ctx, const char *sql, const char *from_id,
                         const char *to_id)
{
    const struct kith_host *h = poll_host;
    kith_stmt *stmt = NULL;
    bool row = false;
    kith_err err = h->db_prepare(ctx, sql, &stmt);
    if (err == KITH_OK)
        err = h->db_bind_text(stmt, 1, from_id);
    if (err == KITH_OK)
        err = h->db_bind_text(stmt, 2, to_id);
    if (err == KITH_OK)
        err = h->db_step(stmt, &row);
    h->db_finalize(stmt);
    return err;
}

void polls_on_server_moved(struct kith_plugin_ctx *ctx, const char *from_id, const char *to_id)
{
    const struct kith_host *h = poll_host;
    kith_err err = h->db_begin(ctx);
    for (size_t i = 0; err == KITH_OK && i < sizeof moves / sizeof moves[0]; i++)
        err = run_move(ctx, moves[i], from_id, to_id);
    err = polls_db_end(h, ctx, err);
    if (err != KITH_OK)
        h->log(ctx, KITH_LOG_ERROR, "polls of %s were not moved to %s: %s", from_id, to_id,
               h->strerror(err));
    else
        h->log(ctx, KITH_LOG_INFO, "polls and surveys of %s moved to %s", from_id, to_id);
}
