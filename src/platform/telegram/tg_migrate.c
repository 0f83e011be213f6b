/* A group that became a supergroup gets a new chat id: kith's data for it moves along, so the
 * enabled plugins, settings and managers stay as the admins left them. */
#include <inttypes.h>

#include "core/log.h"
#include "platform/telegram/tg_internal.h"
#include "store/migrate_server.h"

void tg_migrate_chat(struct tg *tg, int64_t from, int64_t to)
{
    char from_id[TG_ID_MAX], to_id[TG_ID_MAX];
    tg_format_id(from_id, sizeof from_id, from);
    tg_format_id(to_id, sizeof to_id, to);
    int64_t moved = 0;
    kith_err err = kith_store_migrate_server(tg->core->store, from_id, to_id,
                                             kith_core_now_ms(tg->core), &moved);
    if (err != KITH_OK) {
        kith_log(KITH_LOG_ERROR, "telegram",
                 "group %s became supergroup %s, but its data could "
                 "not be moved: %s",
                 from_id, to_id, kith_strerror(err));
        return;
    }
    if (moved > 0)
        kith_log(KITH_LOG_INFO, "telegram",
                 "group %s became supergroup %s: %" PRId64 " row(s) moved", from_id, to_id, moved);
    tg_admins_invalidate(tg, from);
    kith_core_server_moved(tg->core, from_id, to_id);
}
