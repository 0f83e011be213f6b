/* Shared by the in-process polls scenario tests (test_polls_*.c): kith with the real polls
 * plugin on the test platform, a manager and members, and finding the poll's messages.
 * Header-only (static inline) because each test file is its own executable. */
#ifndef KITH_POLLS_STORY_H
#define KITH_POLLS_STORY_H

#include "core/message.h"
#include "core_story.h"

#define CAROL "test:carol" /* a third member */

#define PIZZA_POLL "/poll create \"Best pizza?\" Margherita \"Quattro formaggi\" Diavola"

static inline const char *const *polls_plugin(void)
{
    static char path[512];
    static const char *paths[2];
    snprintf(path, sizeof path, "%s", test_real_plugin_path("polls"));
    paths[0] = path;
    paths[1] = NULL;
    return paths;
}

/* A fresh kith with the polls plugin loaded and enabled on the test server by its admin. */
static inline bool polls_start(struct test_env *env)
{
    if (!test_env_init(env))
        return false;
    if (!test_env_start(env, polls_plugin())) {
        fprintf(stderr, "  kith did not start: %s\n", env->start_error ? env->start_error : "?");
        return false;
    }
    test_say(env, ADMIN, KITH_ROLE_ADMIN, "/kith enable polls");
    return strstr(test_last_reply(env), "polls is now enabled here") != NULL;
}

/* The message id of the reply that posted poll #n ("" when none). */
static inline const char *polls_message_id(const struct test_env *env, int n)
{
    char heading[48];
    snprintf(heading, sizeof heading, "Poll #%d", n);
    for (size_t i = 0; i < env->tp->count; i++) {
        const struct test_action *a = &env->tp->actions[i];
        if (a->kind == TEST_ACTION_REPLY && a->text && strstr(a->text, heading) && a->msg &&
            (a->msg->button_count > 0 || a->msg->poll != NULL))
            return a->message_id;
    }
    return "";
}

/* A member presses option `option` (zero-based) of poll #n. */
static inline void polls_press(struct test_env *env, const char *user, int n, int option)
{
    char custom_id[64];
    snprintf(custom_id, sizeof custom_id, "polls:p:%d:%d", n, option);
    test_press(env, user, KITH_ROLE_MEMBER, custom_id, polls_message_id(env, n));
}

/* The newest edit of the message, or NULL. */
static inline const struct test_action *polls_last_edit(const struct test_env *env,
                                                        const char *message_id)
{
    for (size_t i = env->tp->count; i > 0; i--) {
        const struct test_action *a = &env->tp->actions[i - 1];
        if (a->kind == TEST_ACTION_EDIT && a->message_id && strcmp(a->message_id, message_id) == 0)
            return a;
    }
    return NULL;
}

/* The text of the newest reply to user (ephemeral answers to presses among them). */
static inline const char *polls_reply_to(const struct test_env *env, const char *user)
{
    for (size_t i = env->tp->count; i > 0; i--) {
        const struct test_action *a = &env->tp->actions[i - 1];
        if (a->kind == TEST_ACTION_REPLY && a->user_id && strcmp(a->user_id, user) == 0)
            return a->text ? a->text : "";
    }
    return "";
}

#endif
