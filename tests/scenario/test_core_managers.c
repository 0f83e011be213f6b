/* Story: an admin names who counts as manager (a role, or one member), and the manager-only
 * and admin-only parts of the example plugin follow: who may mute, who may purge, who may
 * forget someone else's note. */
#include "core_story.h"

static const char *const moderators[] = {"test:123"}; /* the role ids of a moderator */
static const char *const artists[] = {"test:456"};

/* Someone with the given platform roles runs a command as a plain member of the platform. */
static void say_with_role(struct test_env *env, const char *user, const char *const *roles,
                          const char *text)
{
    test_say_with_roles(env, user, KITH_ROLE_MEMBER, roles, 1, text);
}

TEST(test_admin_names_a_manager_role_and_its_members_can_mute)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    say_with_role(&env, BOB, moderators, "/note mute <@42> 10m spamming");
    CHECK_STR(test_last_reply(&env), "/note mute needs the manager role; you are a member here.");
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 0);

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith managers add <@&123>");
    CHECK_STR(test_last_reply(&env), "<@&123> is now a manager here.");
    struct story_audit log = story_audit(&env);
    REQUIRE(log.count == 2);
    CHECK_STR(log.entries[0].action, "manager.add");
    CHECK_STR(log.entries[0].target, "test:123");
    CHECK_STR(log.entries[0].actor, ADMIN);
    CHECK_STR(log.entries[0].after, "role");

    say_with_role(&env, BOB, moderators, "/note mute <@42> 10m spamming");
    const struct test_action *mute = test_platform_last_of(env.tp, TEST_ACTION_MODERATE);
    REQUIRE(mute != NULL);
    CHECK_INT(mute->mod_kind, KITH_MOD_TIMEOUT);
    CHECK_STR(mute->server_id, TEST_SERVER);
    CHECK_STR(mute->user_id, "test:42");
    CHECK_INT(mute->duration_s, 600);
    CHECK_STR(mute->reason, "spamming (muted by test:bob with /note mute)");

    /* Someone with another role is still a member. */
    say_with_role(&env, ALICE, artists, "/note mute <@42> 10m");
    CHECK_STR(test_last_reply(&env), "/note mute needs the manager role; you are a member here.");
    CHECK_INT(story_count(&env, TEST_ACTION_MODERATE, ""), 1);
    test_env_finish(&env);
}

TEST(test_admin_lists_and_removes_managers)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith managers list");
    CHECK_CONTAINS(test_last_reply(&env), "none named yet");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith managers add role:123");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith managers add user:77");
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith managers add role:123");
    CHECK_STR(test_last_reply(&env), "That role is already a manager here.");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith managers list");
    CHECK_STR(test_last_reply(&env), "Managers here (admins always count as managers):\n"
                                     "• role test:123\n"
                                     "• user test:77");

    /* The named user is a manager without any role. */
    test_say(&env, "test:77", KITH_ROLE_MEMBER, "/note greeting Servus {user}");
    CHECK_STR(test_last_reply(&env), "The greeting is now: Servus {user}");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith managers remove role:123");
    CHECK_STR(test_last_reply(&env), "role:123 is no longer a manager here.");
    say_with_role(&env, BOB, moderators, "/note mute <@42> 10m");
    CHECK_CONTAINS(test_last_reply(&env), "needs the manager role; you are a member here.");

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith managers remove role:123");
    CHECK_STR(test_last_reply(&env), "That role is not a manager here.");

    struct story_audit log = story_audit(&env);
    REQUIRE(log.count >= 2);
    CHECK_STR(log.entries[0].action, "manager.remove");
    CHECK_STR(log.entries[0].target, "test:123");
    CHECK_STR(log.entries[0].before, "role");
    CHECK(!log.entries[0].has_after);

    /* Managers cannot name managers. */
    test_say(&env, "test:77", KITH_ROLE_MEMBER, "/kith managers add user:78");
    CHECK_STR(test_last_reply(&env),
              "/kith managers needs the admin role; you are a manager here.");
    test_env_finish(&env);
}

TEST(test_only_an_admin_may_purge)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, MARA, KITH_ROLE_MANAGER, "/note purge 9001");
    CHECK_STR(test_last_reply(&env), "/note purge needs the admin role; you are a manager here.");
    CHECK_INT(story_count(&env, TEST_ACTION_DELETE, ""), 0);

    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/note purge 9001 off-topic");
    CHECK_STR(test_last_reply(&env), "Deleting message test:9001.");
    const struct test_action *del = test_platform_last_of(env.tp, TEST_ACTION_DELETE);
    REQUIRE(del != NULL);
    CHECK_STR(del->message_id, "test:9001");
    CHECK_STR(del->server_id, TEST_SERVER);
    CHECK_STR(del->channel_id, TEST_CHANNEL);
    CHECK_STR(del->reason, "off-topic");
    test_env_finish(&env);
}

TEST(test_members_forget_their_own_notes_and_managers_any)
{
    struct test_env env;
    REQUIRE(story_start(&env));
    REQUIRE(story_enable(&env));
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add Alice's note");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note add another of Alice's");

    test_say(&env, BOB, KITH_ROLE_MEMBER, "/note forget 1");
    CHECK_STR(test_last_reply(&env),
              "Note #1 is not yours; only its author or a manager can forget it.");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note forget 1");
    CHECK_STR(test_last_reply(&env), "Forgot note #1.");
    test_say(&env, ALICE, KITH_ROLE_MEMBER, "/note forget 1");
    CHECK_STR(test_last_reply(&env), "There is no note #1 here. /note list shows them.");

    /* A manager named by role, through member_role. */
    test_say(&env, ADMIN, KITH_ROLE_ADMIN, "/kith managers add <@&123>");
    say_with_role(&env, BOB, moderators, "/note forget 2");
    CHECK_STR(test_last_reply(&env), "Forgot note #2.");
    CHECK_INT(story_query(&env, "SELECT COUNT(*) FROM example_notes", NULL), 0);
    test_env_finish(&env);
}
