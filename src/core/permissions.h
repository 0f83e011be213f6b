/* Who may do what: a member's kith role on a server, from the platform's admin flag and the
 * managers the admins named. */
#ifndef KITH_CORE_PERMISSIONS_H
#define KITH_CORE_PERMISSIONS_H

#include <kith/plugin.h>

struct kith_core;

/* The author's role: admin when the platform says so (Discord ADMINISTRATOR/MANAGE_GUILD,
 * Telegram chat admin, Matrix power level), manager when named by /kith managers (as a user
 * or by one of their roles), member otherwise. Direct messages are always member. */
kith_err kith_permissions_resolve(struct kith_core *core, const struct kith_event *ev,
                                  kith_role *role_out);

const char *kith_role_name(kith_role role);

#endif
