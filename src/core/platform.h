/* The one internal interface every platform adapter implements (src/platform/<name>/), and the
 * calls adapters make back into the core. */
#ifndef KITH_CORE_PLATFORM_H
#define KITH_CORE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include <kith/plugin.h>

struct kith_core;
struct kith_platform;

/* What an adapter attaches to the events it dispatches (kith_event.priv): its own record of
 * where the event came from (a Discord interaction id and token, a Telegram chat, a Matrix
 * room and event), read back in reply. The pointer stays valid while the event is dispatched;
 * plugins never see inside. */
struct kith_event_private {
    const struct kith_platform *platform;
    void *data;
};

/* Called exactly once per accepted action: with the outcome, or KITH_ERR_CANCELLED when the
 * adapter is stopped or destroyed first. `result` is borrowed for the call. */
typedef void (*kith_action_fn)(const struct kith_result *result, void *ud);

struct kith_platform_ops {
    const char *name; /* "discord", "telegram", "matrix", "test": the id prefix */

    /* Connects; events then reach the core through kith_core_dispatch. */
    kith_err (*start)(struct kith_platform *p);
    /* Begins a graceful stop (close connections, finish in-flight requests within the core's
     * shutdown bound); calls kith_core_platform_stopped when done. */
    void (*stop)(struct kith_platform *p);
    /* Releases everything; pending actions get KITH_ERR_CANCELLED first. */
    void (*destroy)(struct kith_platform *p);

    /* Each returns non-OK (and then never calls fn) when the action could not be queued. */
    kith_err (*send)(struct kith_platform *p, const struct kith_target *to, const kith_message *msg,
                     kith_action_fn fn, void *ud);
    /* Answers the event where it came from (an interaction, a chat, a room). */
    kith_err (*reply)(struct kith_platform *p, const struct kith_event *ev, const kith_message *msg,
                      kith_action_fn fn, void *ud);
    kith_err (*edit)(struct kith_platform *p, const struct kith_target *to, const char *message_id,
                     const kith_message *msg, kith_action_fn fn, void *ud);
    kith_err (*delete_message)(struct kith_platform *p, const struct kith_target *to,
                               const char *message_id, const char *reason, kith_action_fn fn,
                               void *ud);
    kith_err (*send_dm)(struct kith_platform *p, const char *user_id, const kith_message *msg,
                        kith_action_fn fn, void *ud);
    kith_err (*moderate)(struct kith_platform *p, const struct kith_moderation *action,
                         kith_action_fn fn, void *ud);

    /* The commands available on a server changed (plugin enabled/disabled, start-up):
     * register them natively (Discord bulk overwrite, Telegram setMyCommands). May be NULL
     * for platforms with text commands only. The array is borrowed for the call. */
    kith_err (*register_commands)(struct kith_platform *p, const char *server_id,
                                  const struct kith_command_decl *const *commands, size_t count);

    /* Ends a native poll sent earlier (see kith_host.poll_close). NULL: unsupported. */
    kith_err (*poll_close)(struct kith_platform *p, const struct kith_target *to,
                           const char *message_id, kith_action_fn fn, void *ud);
    /* Opens a form in answer to ev (see kith_host.show_form); the form's custom_id arrives
     * already routed ("<plugin>:<id>"). NULL or KITH_ERR_UNSUPPORTED: no forms here. */
    kith_err (*show_form)(struct kith_platform *p, const struct kith_event *ev,
                          const struct kith_form *form);
};

struct kith_platform {
    const struct kith_platform_ops *ops;
    struct kith_core *core; /* set by kith_core_add_platform */
    void *impl;             /* the adapter's own state */
};

/* Hands an event to the core (command detection, permissions, plugins). The event is
 * borrowed for the call. The adapter fills author.role with KITH_ROLE_ADMIN when the platform
 * says the author is an admin (the core adds managers), and for Telegram-style
 * "/cmd@botname" sets bot_username with kith_core_set_bot_username. */
void kith_core_dispatch(struct kith_core *core, const struct kith_event *ev);

/* The bot's own user name on a platform, so "/cmd@otherbot" is left to the other bot. The
 * string is copied. */
kith_err kith_core_set_bot_username(struct kith_core *core, const char *platform,
                                    const char *username);

/* An adapter finished its graceful stop. */
void kith_core_platform_stopped(struct kith_core *core, struct kith_platform *p);

/* The platform prefix of an id ("discord" for "discord:123"): copies at most size-1 bytes.
 * Returns false when the id (or NULL) has no prefix. A prefix is a name ([a-z][a-z0-9_]*)
 * before the first colon, so "@bob:example.org" has none. */
bool kith_id_platform(const char *id, char *buf, size_t size);

/* The part after the prefix ("123" for "discord:123", "!room:example.org" for
 * "matrix:!room:example.org"); the id itself when unprefixed (NULL for NULL). */
const char *kith_id_local(const char *id);

#endif
