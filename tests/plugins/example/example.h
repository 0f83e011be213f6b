/* Shared by the three files of the example plugin: the host table, the plugin's state, and the
 * handlers each file provides. Like any plugin it includes only the SDK, <kith/plugin.h>. */
#ifndef EXAMPLE_H
#define EXAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include <kith/plugin.h>

/* The host table given to init. The host keeps it alive for as long as the plugin is loaded. */
extern const struct kith_host *example_host;

/* How many /note ask questions the plugin remembers; older ones expire. */
#define EXAMPLE_ASKS_KEPT 16

/* One question posted by /note ask. message_id comes from the reply's completion: the
 * platform's id of the message we posted, needed to edit it later. */
struct example_ask {
    uint32_t number; /* 0: slot unused */
    char *server_id;
    char *channel_id;
    char *message_id; /* NULL until the platform confirmed the post */
};

struct example_tick;     /* a running /note tick countdown (example_actions.c) */
struct example_greeting; /* a cached greeting setting of one server (example.c) */

/* Everything the plugin keeps between callbacks, set once in init with set_state. */
struct example_state {
    kith_stmt *insert_note; /* prepared once, reset after each use, finalized in shutdown */
    uint32_t asks_made;
    struct example_ask asks[EXAMPLE_ASKS_KEPT];
    struct example_tick *ticks;
    struct example_greeting *greetings;
};

typedef void (*example_command_fn)(struct kith_plugin_ctx *ctx, const struct kith_event *ev);

static inline struct example_state *example_state(struct kith_plugin_ctx *ctx)
{
    return example_host->state(ctx);
}

/* A text reply; private where the platform allows. */
void example_say(struct kith_plugin_ctx *ctx, const struct kith_event *ev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The text of an option, or fallback when it was not given. */
const char *example_option_text(const struct kith_event *ev, const char *name,
                                const char *fallback);

/* "discord:123" stays, "123" becomes "<platform>:123": what members type is often bare. */
char *example_prefixed_id_dup(const char *platform, const char *id); /* free() it */

/* example_notes.c: notes kept in the store, reminders as persistent jobs. */
void example_note_add(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_note_list(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_note_forget(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_note_remind(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_note_count(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_note_export(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_on_job(struct kith_plugin_ctx *ctx, const struct kith_job *job);
kith_err example_notes_prepare(struct kith_plugin_ctx *ctx, struct example_state *state);

/* example_actions.c: platform actions, buttons, completions and timers. */
void example_note_ask(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_on_press(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_note_mute(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_note_dm(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_note_poll(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_note_purge(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_note_tick(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
void example_note_slow(struct kith_plugin_ctx *ctx, const struct kith_event *ev);
/* Stops the countdowns running on a server (all servers when server_id is NULL). */
void example_ticks_stop(struct kith_plugin_ctx *ctx, const char *server_id);
void example_asks_free(struct example_state *state);

#endif
