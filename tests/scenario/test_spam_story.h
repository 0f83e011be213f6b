/* Shared by the spam plugin's scenario tests (test_spam_*.c): the cast, starting kith with the
 * real spam plugin enabled and a moderation log channel set, members posting messages with
 * known ids (so deletions can be checked), and counting what the platform received.
 * Header-only (static inline) because each test file is its own executable. */
#ifndef KITH_TEST_SPAM_STORY_H
#define KITH_TEST_SPAM_STORY_H

#include <stdio.h>
#include <string.h>

#include "core_story.h" /* story_count, story_query: reading the platform and the store */

/* The cast. The spam stories' members have numeric ids so they can be named as <@41>. */
#undef ALICE
#undef BOB
#define ALICE "test:41"  /* a member */
#define BOB "test:42"    /* another member */
#define MODLOG "test:77" /* the moderation log channel the stories set */

/* A fresh kith with the spam plugin loaded, enabled here, the log channel set. */
static inline bool spam_story_start(struct test_env *env)
{
    if (!test_env_init(env))
        return false;
    const char *plugins[] = {test_real_plugin_path("spam"), NULL};
    if (!test_env_start(env, plugins)) {
        fprintf(stderr, "  kith did not start: %s\n", env->start_error ? env->start_error : "?");
        return false;
    }
    test_say(env, ADMIN, KITH_ROLE_ADMIN, "/kith enable spam");
    if (strstr(test_last_reply(env), "spam is now enabled here") == NULL) {
        fprintf(stderr, "  not enabled: %s\n", test_last_reply(env));
        return false;
    }
    test_say(env, ADMIN, KITH_ROLE_ADMIN, "/spam set log channel 77");
    if (strstr(test_last_reply(env), "log_channel is now") == NULL) {
        fprintf(stderr, "  log channel not set: %s\n", test_last_reply(env));
        return false;
    }
    return true;
}

/* Delivers a member's message event on the test server. test_say cannot: the stories need to
 * choose the message id (to check deletions), the channel, replies and mentions. ev needs only
 * the author's id and the message; the kind defaults to a new message, the channel to the test
 * channel, the display name to the id. */
static inline void spam_dispatch(struct test_env *env, struct kith_event ev)
{
    ev.size = sizeof ev;
    ev.kind = ev.kind ? ev.kind : KITH_EVENT_MESSAGE;
    ev.platform = "test";
    ev.server_id = TEST_SERVER;
    ev.channel_id = ev.channel_id ? ev.channel_id : TEST_CHANNEL;
    ev.timestamp_ms = env->now_ms;
    ev.author.display_name = ev.author.display_name ? ev.author.display_name : ev.author.id;
    kith_core_dispatch(env->core, &ev);
    test_env_run(env, 5);
}

/* A member writes `text` as message `message_id`. */
static inline void spam_post(struct test_env *env, const char *user_id, const char *message_id,
                             const char *text)
{
    spam_dispatch(env, (struct kith_event){.author = {.id = user_id},
                                           .message = {.id = message_id, .text = text}});
}

/* A member edits message `message_id` to read `text`. */
static inline void spam_edit(struct test_env *env, const char *user_id, const char *message_id,
                             const char *text)
{
    spam_dispatch(env, (struct kith_event){.kind = KITH_EVENT_MESSAGE_EDIT,
                                           .author = {.id = user_id},
                                           .message = {.id = message_id, .text = text}});
}

/* True when the platform was asked to delete message_id. */
static inline bool spam_deleted(const struct test_env *env, const char *message_id)
{
    for (size_t i = 0; i < env->tp->count; i++) {
        const struct test_action *a = &env->tp->actions[i];
        if (a->kind == TEST_ACTION_DELETE && a->message_id &&
            strcmp(a->message_id, message_id) == 0)
            return true;
    }
    return false;
}

/* The newest post in channel_id, or NULL. */
static inline const struct test_action *spam_last_post_in(const struct test_env *env,
                                                          const char *channel_id)
{
    for (size_t i = env->tp->count; i > 0; i--) {
        const struct test_action *a = &env->tp->actions[i - 1];
        if (a->kind == TEST_ACTION_SEND && a->channel_id && strcmp(a->channel_id, channel_id) == 0)
            return a;
    }
    return NULL;
}

/* The newest post in the moderation log channel, or NULL. */
static inline const struct test_action *spam_last_log(const struct test_env *env)
{
    return spam_last_post_in(env, MODLOG);
}

#endif
