/* The portable event model: what every platform event becomes before a plugin sees it.
 * Everything here is borrowed for the duration of the callback that receives it. */
#ifndef KITH_EVENT_H
#define KITH_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kith_event_kind {
    KITH_EVENT_MESSAGE = 1,      /* a member wrote a message (not a command) */
    KITH_EVENT_COMMAND = 2,      /* a command the receiving plugin declared */
    KITH_EVENT_COMPONENT = 3,    /* a button press or select choice */
    KITH_EVENT_MODAL_SUBMIT = 4, /* a submitted form (Discord modal) */
    KITH_EVENT_REACTION_ADD = 5,
    KITH_EVENT_REACTION_REMOVE = 6,
    KITH_EVENT_MEMBER_JOIN = 7,
    KITH_EVENT_MEMBER_LEAVE = 8,
    KITH_EVENT_MEMBER_UPDATE = 9,
    KITH_EVENT_POLL_VOTE = 10, /* a vote on a platform-native poll */
    KITH_EVENT_MESSAGE_EDIT = 11,
    KITH_EVENT_MESSAGE_DELETE = 12,
} kith_event_kind;

struct kith_member {
    const char *id; /* platform-prefixed user id */
    const char *display_name;
    bool is_bot;
    const char *const *role_ids; /* platform-prefixed role ids */
    size_t role_count;
    int role;             /* kith_role as resolved by the core (member/manager/admin) */
    int64_t joined_at_ms; /* 0 when the platform did not say */
};

struct kith_message_info {
    const char *id;          /* platform message id, NULL for events without a message */
    const char *text;        /* UTF-8; "" when empty */
    const char *reply_to_id; /* the message this one answers, or NULL */
    const char *const *mention_ids;
    size_t mention_count; /* user mentions, including repeated ones */
    bool mentions_everyone;
    const char *const *links; /* URLs found in the text */
    size_t link_count;
    size_t attachment_count;
};

/* One typed option of a command, after the core parsed and validated it. */
struct kith_option_value {
    const char *name;
    int type;         /* kith_option_type */
    const char *text; /* the value as text (always set; user/channel/role: prefixed id) */
    int64_t integer;  /* INTEGER, DURATION (seconds), BOOLEAN (0/1) */
    double number;    /* NUMBER */
    /* VARIADIC options: every value, in order; text is the first one. */
    const char *const *values;
    size_t value_count;
};

struct kith_command_invocation {
    const char *name;
    const char *subcommand;                  /* NULL when none */
    const struct kith_option_value *options; /* only the options that were given */
    size_t option_count;
    const char *raw_args; /* the argument text as typed, after the command words */
};

struct kith_component_press {
    const char *custom_id;
    const char *const *values; /* select menu choices */
    size_t value_count;
    const char *message_id; /* the message carrying the component */
};

struct kith_reaction {
    const char *message_id;
    const char *emoji; /* unicode emoji, or the platform's custom emoji name */
};

/* A member's vote on a native poll, as a whole: the complete current choice, replacing any
 * earlier one (every platform's adapter reports it so, even Discord, which announces answers
 * one at a time). */
struct kith_poll_vote {
    const char *poll_id;       /* the poll's message id, as the send result reported it */
    const int *option_indexes; /* zero-based; empty = vote retracted */
    size_t option_count;
};

struct kith_event_private; /* the host's; plugins never look inside */

struct kith_event {
    uint32_t size; /* sizeof(struct kith_event) of the host build */
    kith_event_kind kind;
    const char *platform;  /* "discord", "telegram", "matrix", or "test" */
    const char *server_id; /* guild, group or room; NULL for direct messages */
    const char *channel_id;
    int64_t timestamp_ms;
    struct kith_member author;
    struct kith_message_info message;
    struct kith_command_invocation command; /* KITH_EVENT_COMMAND */
    struct kith_component_press component;  /* KITH_EVENT_COMPONENT, MODAL_SUBMIT */
    struct kith_reaction reaction;          /* REACTION_ADD / REACTION_REMOVE */
    struct kith_poll_vote poll_vote;        /* POLL_VOTE */
    const char *raw_json;                   /* the platform payload, or NULL */
    struct kith_event_private *priv;
};

/* Looks up a parsed option by name; NULL when it was not given. */
static inline const struct kith_option_value *kith_event_option(const struct kith_event *ev,
                                                                const char *name)
{
    for (size_t i = 0; i < ev->command.option_count; i++) {
        const char *a = ev->command.options[i].name;
        const char *b = name;
        while (*a && *a == *b) {
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0')
            return &ev->command.options[i];
    }
    return NULL;
}

#ifdef __cplusplus
}
#endif

#endif
