/* Shared by the survey scenario tests (test_polls_survey_*.c): the cast, kith with the real
 * polls plugin enabled, a manager who builds a survey, and members who press, choose, submit
 * forms and reply. Header-only (static inline) because each test file is its own executable. */
#ifndef KITH_TEST_POLLS_SURVEY_STORY_H
#define KITH_TEST_POLLS_SURVEY_STORY_H

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "test_env.h"

#define ALICE "test:alice" /* a member */
#define BOB "test:bob"     /* another member */
#define CARL "test:carl"   /* a third member */
#define MARA "test:mara"   /* a manager, as the platform reports her */
#define ADMIN "test:admin" /* an admin of the test server */

static inline const char *const *survey_plugins(void)
{
    static char path[512];
    static const char *paths[2];
    snprintf(path, sizeof path, "%s", test_real_plugin_path("polls"));
    paths[0] = path;
    paths[1] = NULL;
    return paths;
}

/* A fresh kith with the polls plugin loaded and enabled on the test server. */
static inline bool survey_story_start(struct test_env *env)
{
    if (!test_env_init(env))
        return false;
    if (!test_env_start(env, survey_plugins())) {
        fprintf(stderr, "  kith did not start: %s\n", env->start_error ? env->start_error : "?");
        return false;
    }
    test_say(env, ADMIN, KITH_ROLE_ADMIN, "/kith enable polls");
    if (strstr(test_last_reply(env), "polls is now enabled here") != NULL)
        return true;
    fprintf(stderr, "  polls was not enabled: %s\n", test_last_reply(env));
    return false;
}

static inline bool survey_story_restart(struct test_env *env)
{
    return test_env_restart(env, survey_plugins());
}

/* Mara builds survey #1: "How was the venue?" (Great, OK, Poor), then "What should we change?"
 * (free text), and opens it in the test channel. True when kith confirmed each step. */
static inline bool survey_story_open_two_questions(struct test_env *env)
{
    test_say(env, MARA, KITH_ROLE_MANAGER, "/survey create Team offsite");
    if (strstr(test_last_reply(env), "Survey #1 created") == NULL)
        return false;
    test_say(env, MARA, KITH_ROLE_MANAGER, "/survey add 1 \"How was the venue?\" Great OK Poor");
    if (strstr(test_last_reply(env), "Question 1 added") == NULL)
        return false;
    test_say(env, MARA, KITH_ROLE_MANAGER, "/survey add 1 \"What should we change?\"");
    if (strstr(test_last_reply(env), "Question 2 added to survey #1 (free text)") == NULL)
        return false;
    test_say(env, MARA, KITH_ROLE_MANAGER, "/survey open 1");
    return strstr(test_last_reply(env), "Survey #1 is open") != NULL;
}

/* A member picks `value` in the select menu (or, on Telegram and Matrix, the button or number
 * the adapter rendered for it): a component press with one value. */
static inline void survey_choose(struct test_env *env, const char *user, const char *custom_id,
                                 const char *value)
{
    const char *values[] = {value};
    struct kith_event ev = {
        .size = sizeof ev,
        .kind = KITH_EVENT_COMPONENT,
        .platform = "test",
        .server_id = TEST_SERVER,
        .channel_id = TEST_CHANNEL,
        .timestamp_ms = env->now_ms,
        .author = {.id = user, .display_name = user},
        .component = {.custom_id = custom_id, .values = values, .value_count = 1},
    };
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

/* A member replies to the message `reply_to_id` with `text`. */
static inline void survey_reply_to(struct test_env *env, const char *user, const char *reply_to_id,
                                   const char *text)
{
    test_send(env,
              &(struct test_message){.user_id = user, .text = text, .reply_to_id = reply_to_id});
}

/* The newest reply whose text holds `needle`, or NULL. */
static inline const struct test_action *survey_find_reply(const struct test_env *env,
                                                          const char *needle)
{
    for (size_t i = env->tp->count; i > 0; i--) {
        const struct test_action *a = &env->tp->actions[i - 1];
        if (a->kind == TEST_ACTION_REPLY && a->text && strstr(a->text, needle))
            return a;
    }
    return NULL;
}

/* The message id of the newest reply holding `needle`, copied into out ("" when none). */
static inline void survey_reply_id(const struct test_env *env, const char *needle, char *out,
                                   size_t size)
{
    const struct test_action *a = survey_find_reply(env, needle);
    snprintf(out, size, "%s", a && a->message_id ? a->message_id : "");
}

#endif
