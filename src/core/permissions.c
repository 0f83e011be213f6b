/* Role resolution (see permissions.h). */
#include "core/permissions.h"

#include "core/core.h"
#include "store/core_tables.h"

const char *kith_role_name(kith_role role)
{
    switch (role) {
    case KITH_ROLE_MEMBER: return "member";
    case KITH_ROLE_MANAGER: return "manager";
    case KITH_ROLE_ADMIN: return "admin";
    }
    return "member";
}

kith_err kith_permissions_resolve(struct kith_core *core, const struct kith_event *ev,
                                  kith_role *role_out)
{
    *role_out = KITH_ROLE_MEMBER;
    if (ev->server_id == NULL || ev->author.id == NULL)
        return KITH_OK;
    if (ev->author.role >= KITH_ROLE_ADMIN) {
        *role_out = KITH_ROLE_ADMIN;
        return KITH_OK;
    }
    bool manager = false;
    kith_err err = kith_db_is_manager(core->store, ev->server_id, ev->author.id,
                                      ev->author.role_ids, ev->author.role_count, &manager);
    if (err != KITH_OK)
        return err;
    if (manager || ev->author.role == KITH_ROLE_MANAGER)
        *role_out = KITH_ROLE_MANAGER;
    return KITH_OK;
}
