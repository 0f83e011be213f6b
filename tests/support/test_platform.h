/* A platform adapter for tests: events are injected straight into the dispatcher and every
 * outgoing action (send, reply, edit, delete, DM, moderation, command registration) is
 * recorded for assertions. Completions are delivered asynchronously, as a real adapter's. */
#ifndef KITH_TEST_PLATFORM_H
#define KITH_TEST_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "core/message.h"
#include "core/platform.h"

enum test_action_kind {
    TEST_ACTION_SEND = 1,
    TEST_ACTION_REPLY,
    TEST_ACTION_EDIT,
    TEST_ACTION_DELETE,
    TEST_ACTION_DM,
    TEST_ACTION_MODERATE,
    TEST_ACTION_REGISTER,
    TEST_ACTION_POLL_CLOSE,
    TEST_ACTION_FORM,
};

struct test_action {
    enum test_action_kind kind;
    char *server_id;
    char *channel_id;
    char *user_id;    /* DM recipient, moderation target, reply: the author answered */
    char *message_id; /* the message created, edited or deleted */
    char *reason;
    char *text;        /* plain rendering of the message */
    kith_message *msg; /* a copy of what was sent (NULL for delete/moderate/register) */
    bool ephemeral;
    int mod_kind; /* kith_moderation_kind */
    char *role_id;
    long long duration_s;
    char *commands; /* REGISTER: the command names, space-separated */
    char *form_id;  /* FORM: the routed custom id ("<plugin>:<id>"); text holds the title
                     * then one line per field: "label" or "label=prefilled value" */
};

struct test_platform {
    struct kith_platform base;
    uv_loop_t *loop;
    struct test_action *actions;
    size_t count;
    int next_message_id;
    int fail_next;                 /* > 0: the next N actions complete with fail_err */
    kith_err fail_err;             /* what they complete with; 0 = KITH_ERR_PLATFORM */
    bool stop_slowly;              /* stop never reports back (tests the shutdown bound) */
    bool no_forms;                 /* show_form answers KITH_ERR_UNSUPPORTED (as Telegram) */
    struct test_completion *queue; /* completions waiting for the next loop turn */
    uv_idle_t *idle;
    bool running;
};

/* name: the id prefix ("test"). Owned by the core once added with kith_core_add_platform. */
struct test_platform *test_platform_new(uv_loop_t *loop, const char *name);

/* The i-th recorded action, or NULL. */
const struct test_action *test_platform_action(const struct test_platform *tp, size_t i);
const struct test_action *test_platform_last(const struct test_platform *tp);
/* The newest action of that kind, or NULL. */
const struct test_action *test_platform_last_of(const struct test_platform *tp,
                                                enum test_action_kind kind);
void test_platform_clear(struct test_platform *tp);

#endif
