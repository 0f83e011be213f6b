/* Moving a server's core data to a new id: a Telegram group that became a supergroup keeps its
 * enabled plugins, settings, managers, members, jobs and audit log. */
#ifndef KITH_STORE_MIGRATE_SERVER_H
#define KITH_STORE_MIGRATE_SERVER_H

#include <stdint.h>

#include "store/store.h"

/* Moves every core row of from_id to to_id in one transaction. Where to_id already has a row
 * with the same key (it was used after the move), that row is kept and from_id's is dropped.
 * Settings whose value is from_id itself (the chat as a channel) become to_id. *moved_out
 * (may be NULL) gets the number of rows moved. Plugins' own tables are theirs to follow
 * (kith_core_server_moved tells them). KITH_ERR_INVALID inside an open transaction. */
kith_err kith_store_migrate_server(struct kith_store *store, const char *from_id, const char *to_id,
                                   int64_t now_ms, int64_t *moved_out);

#endif
