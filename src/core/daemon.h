/* The running daemon: one libuv loop with the store, scheduler, plugins and platform adapters
 * on it, signal handling (SIGINT/SIGTERM graceful stop, SIGHUP reload). */
#ifndef KITH_CORE_DAEMON_H
#define KITH_CORE_DAEMON_H

#include "core/config.h"

/* Runs until SIGINT/SIGTERM. Takes ownership of the contents of *cfg (the struct is left
 * zeroed; the daemon may replace its copy on SIGHUP and frees it before returning). Returns the
 * process exit status: 0 after a clean stop, 1 when start-up failed (the reason is logged). */
int kith_daemon_run(struct kith_config *cfg);

#endif
