/* The spam plugin on Telegram (kithd + the fake Bot API, the real plugin): a flood restricts the
 * flooder and deletes the burst, a newcomer's link is deleted (also after a restart), the
 * group's admins are left alone, refusals reach the moderation log, dry run only logs, a
 * report's button acts, strikes expire, and a raid is announced once. The group is both the
 * server and the moderation log channel: Telegram has no channels inside a group. */
#include <signal.h>

#include "telegram_story.h"

#define NEWCOMER "333"
#define REPORTER "444"

/* kithd with the real spam plugin; `starts` counts the connections expected so far. */
static bool spam_kithd(struct scenario *s, int starts)
{
    return scenario_write_config(s, telegram_config, KITH_PLUGIN_DIR, "\"spam\"") &&
           scenario_start_kithd(s) &&
           scenario_wait_log_count(s, "connected as @" TG_BOT_NAME, starts, 10000);
}

/* Someone writes `text` in the group and kith replies with `expect`. */
static bool says_and_hears(struct scenario *s, const char *from, const char *text,
                           const char *expect, int *cursor)
{
    return story_say(s, GROUP, from, text, NULL) && story_wait_reply(s, GROUP, expect, cursor);
}

/* The fake, kithd with spam enabled by the owner, and the moderation log in the group. */
static bool spam_start(struct scenario *s, int *cursor)
{
    return story_telegram(s) && spam_kithd(s, 1) &&
           says_and_hears(s, OWNER, "/kith enable spam", "spam is now enabled here", cursor) &&
           says_and_hears(s, OWNER, "/spam set log channel " GROUP, "log_channel is now", cursor);
}

/* Six messages that are not near-duplicates of each other (the duplicates rule ignores
 * digits and punctuation). */
static const char *const burst_texts[] = {
    "first I want to say hello",  "then a question about the release",
    "also where is the schedule", "and who brings the snacks",
    "plus a photo of my cat",     "finally see you all later",
};

/* A member writes `count` different messages; their ids into ids. */
static bool post_burst(struct scenario *s, const char *from, int count, int64_t *ids)
{
    for (int i = 0; i < count; i++) {
        char text[64];
        snprintf(text, sizeof text, "%s, says %s", burst_texts[i % 6], from);
        if (!story_say(s, GROUP, from, text, &ids[i]))
            return false;
    }
    return true;
}

/* How many calls of `method` name message `id` (0: any) and user `user` (0: any). */
static int calls_about(struct scenario *s, const char *method, int64_t id, int64_t user)
{
    cJSON *list = scenario_control(s, "GET", "requests?since=0", NULL);
    char path[64];
    snprintf(path, sizeof path, "/%s", method);
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "path"));
        const cJSON *json = cJSON_GetObjectItemCaseSensitive(e, "json");
        double mid = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json, "message_id"));
        double uid = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json, "user_id"));
        if (p != NULL && strstr(p, path) != NULL && (id == 0 || mid == (double)id) &&
            (user == 0 || uid == (double)user))
            n++;
    }
    cJSON_Delete(list);
    return n;
}

/* Waits until kith made a call of `method` about message `id` / user `user` (0: any). */
static bool wait_call_about(struct scenario *s, const char *method, int64_t id, int64_t user)
{
    for (int waited = 0; waited < 8000; waited += 50) {
        if (calls_about(s, method, id, user) > 0)
            return true;
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
    fprintf(stderr, "  no %s about message %" PRId64 " / user %" PRId64 "\n", method, id, user);
    return false;
}

/* How far in the future (seconds) the newest restrictChatMember for `user` restricts them;
 * -1 when there is none. */
static long long restricted_for(struct scenario *s, int64_t user)
{
    cJSON *list = scenario_control(s, "GET", "requests?since=0", NULL);
    long long seconds = -1;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "path"));
        const cJSON *json = cJSON_GetObjectItemCaseSensitive(e, "json");
        double uid = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json, "user_id"));
        double until = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json, "until_date"));
        if (p != NULL && strstr(p, "/restrictChatMember") != NULL && uid == (double)user &&
            until == until)
            seconds = (long long)until - (long long)time(NULL);
    }
    cJSON_Delete(list);
    return seconds;
}

/* kith's newest message in the group whose text or buttons hold `part` (not the message it
 * answers, which Telegram copies in): its id, or 0. */
static int64_t kith_message_id(struct scenario *s, const char *part)
{
    cJSON *state = scenario_control(s, "GET", "state", NULL);
    const cJSON *messages = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(state, "chats"), GROUP),
        "messages");
    int64_t found = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, messages)
    {
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(entry, "message");
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "text"));
        char *buttons =
            cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(msg, "reply_markup"));
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "from_bot")) &&
            ((text != NULL && strstr(text, part) != NULL) ||
             (buttons != NULL && strstr(buttons, part) != NULL)))
            found =
                (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(msg, "message_id"));
        free(buttons);
    }
    cJSON_Delete(state);
    return found;
}

/* Someone presses a button of message `id`; the press's id into id_out (32 bytes). */
static bool press(struct scenario *s, const char *from, int64_t id, const char *data, char *id_out)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"chat_id\":" GROUP ",\"message_id\":%" PRId64 ",\"from_id\":%s,\"data\":\"%s\"}",
             id, from, data);
    cJSON *out = scenario_control(s, "POST", "callback", body);
    const char *cb = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "callback_id"));
    if (cb != NULL)
        snprintf(id_out, 32, "%s", cb);
    cJSON_Delete(out);
    return cb != NULL;
}

/* The answer kith gave to press `id` holds `part`. */
static bool press_answered(struct scenario *s, const char *id, const char *part)
{
    char body[96];
    snprintf(body, sizeof body, "\"callback_query_id\":\"%s\"", id);
    int from = 0;
    cJSON *hit = scenario_wait_request(s, "POST", "/answerCallbackQuery", body, 8000, &from);
    char *text = hit ? cJSON_PrintUnformatted(hit) : NULL;
    bool ok = text != NULL && strstr(text, part) != NULL;
    if (!ok)
        fprintf(stderr, "  press %s was answered with %s\n", id, text ? text : "nothing");
    free(text);
    cJSON_Delete(hit);
    return ok;
}

/* Moves every strike `ms` into the past, as if that much time went by (kithd stopped). */
static bool age_strikes(struct scenario *s, long long ms)
{
    return scenario_store_exec(s,
                               "UPDATE spam_strikes SET created_at = created_at - ?1,"
                               " expires_at = expires_at - ?1",
                               ms);
}

TEST(test_flood_gets_the_flooder_restricted_and_the_burst_deleted)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    int64_t calm = 0, burst[6];
    REQUIRE(story_say(&s, GROUP, REPORTER, "good morning everyone", &calm));
    REQUIRE(post_burst(&s, MEMBER, 6, burst));
    CHECK(wait_call_about(&s, "restrictChatMember", 0, atoll(MEMBER)));
    long long until = restricted_for(&s, atoll(MEMBER)); /* the default: 10 minutes */
    CHECK(until >= 540 && until <= 610);
    for (int i = 0; i < 6; i++)
        CHECK(wait_call_about(&s, "deleteMessage", burst[i], 0));
    CHECK(story_wait_reply(&s, GROUP, "flood", &cursor));
    CHECK(kith_message_id(&s, "finally see you all later, says " MEMBER) != 0); /* the evidence */
    CHECK_INT(calls_about(&s, "restrictChatMember", 0, atoll(MEMBER)), 1);
    CHECK_INT(calls_about(&s, "deleteMessage", calm, 0), 0);
    CHECK_INT(calls_about(&s, "restrictChatMember", 0, atoll(REPORTER)), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* Where the bot may not restrict members, the moderators read that the timeout was not given
 * and Telegram's reason, instead of believing the flooder is muted. */
TEST(test_restriction_refused_by_telegram_is_said_in_the_moderation_log)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(scenario_control_ok(&s, "chat", "{\"chat_id\":" GROUP ",\"bot_can_restrict\":false}"));
    int64_t burst[6];
    REQUIRE(post_burst(&s, MEMBER, 6, burst));
    CHECK(wait_call_about(&s, "restrictChatMember", 0, atoll(MEMBER)));
    CHECK(wait_call_about(&s, "deleteMessage", burst[5], 0));
    CHECK(story_wait_reply(&s, GROUP, "not enough rights", &cursor));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_link_from_a_member_who_joined_today_is_deleted)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    int64_t settled = 0, fresh = 0;
    REQUIRE(story_say(&s, GROUP, MEMBER, "docs are at https://docs.example.org/start", &settled));
    REQUIRE(scenario_control_ok(&s, "chat_member",
                                "{\"chat_id\":" GROUP ",\"user_id\":" NEWCOMER
                                ",\"old_status\":\"left\",\"new_status\":\"member\"}"));
    REQUIRE(story_say(&s, GROUP, NEWCOMER, "great deals at https://deals.example.com/now", &fresh));
    CHECK(wait_call_about(&s, "deleteMessage", fresh, 0));
    CHECK(story_wait_reply(&s, GROUP, "new_member_links", &cursor));
    CHECK_INT(calls_about(&s, "deleteMessage", settled, 0), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* The join time is kept in the store: a restart in between changes nothing. */
TEST(test_newcomer_link_is_deleted_after_a_restart_too)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(scenario_control_ok(&s, "chat_member",
                                "{\"chat_id\":" GROUP ",\"user_id\":" NEWCOMER
                                ",\"old_status\":\"left\",\"new_status\":\"member\"}"));
    REQUIRE(says_and_hears(&s, OWNER, "/spam rules", "Spam rules here", &cursor)); /* handled */
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 10000), 0);
    REQUIRE(spam_kithd(&s, 2));
    int64_t fresh = 0;
    REQUIRE(story_say(&s, GROUP, NEWCOMER, "great deals at https://deals.example.com/now", &fresh));
    CHECK(wait_call_about(&s, "deleteMessage", fresh, 0));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* A banned phrase written with lookalike letters (Cyrillic е, a zero-width space) is deleted
 * and, with the warn action, the member is told why in the group. */
TEST(test_banned_words_in_disguise_are_deleted_with_a_warning)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(
        says_and_hears(&s, OWNER, "/spam set words add free nitro", "words_list is now", &cursor));
    REQUIRE(says_and_hears(&s, OWNER, "/spam set words action warn", "words is now", &cursor));
    int64_t plain = 0, disguised = 0;
    REQUIRE(story_say(&s, GROUP, MEMBER, "who wants nitro for their birthday?", &plain));
    REQUIRE(story_say(&s, GROUP, MEMBER, "FR\xD0\xB5\xD0\xB5 n\xE2\x80\x8Bitro here", &disguised));
    CHECK(wait_call_about(&s, "deleteMessage", disguised, 0));
    CHECK(story_wait_reply(&s, GROUP, "please stop", &cursor));
    CHECK_INT(calls_about(&s, "deleteMessage", plain, 0), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_group_admin_is_untouched)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    int64_t owner[6], flooder[6];
    REQUIRE(post_burst(&s, OWNER, 6, owner));
    REQUIRE(post_burst(&s, MEMBER, 6, flooder));
    CHECK(wait_call_about(&s, "deleteMessage", flooder[5], 0));
    CHECK_INT(calls_about(&s, "restrictChatMember", 0, atoll(OWNER)), 0);
    for (int i = 0; i < 6; i++)
        CHECK_INT(calls_about(&s, "deleteMessage", owner[i], 0), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_dry_run_changes_nothing_but_logs_what_would_happen)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(says_and_hears(&s, OWNER, "/spam dry-run on", "dry_run is now", &cursor));
    int64_t burst[6];
    REQUIRE(post_burst(&s, MEMBER, 6, burst));
    CHECK(story_wait_reply(&s, GROUP, "[dry run] would timeout", &cursor));
    CHECK(scenario_wait_log(&s, "dry run, would timeout", 8000));
    CHECK_INT(scenario_count_requests(&s, "POST", "/restrictChatMember", NULL), 0);
    CHECK_INT(scenario_count_requests(&s, "POST", "/deleteMessage", NULL), 0);
    CHECK_INT(scenario_count_requests(&s, "POST", "/banChatMember", NULL), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_report_reaches_the_queue_and_a_moderators_press_acts)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    int64_t spam = 0;
    REQUIRE(story_say(&s, GROUP, MEMBER, "dm me for cheap followers", &spam));
    /* Reporting is a reply to the message. */
    char body[256];
    snprintf(body, sizeof body,
             "{\"chat_id\":" GROUP ",\"from_id\":" REPORTER
             ",\"text\":\"/report selling followers\",\"reply_to\":%" PRId64 "}",
             spam);
    REQUIRE(scenario_control_ok(&s, "message", body));
    REQUIRE(story_wait_reply(&s, GROUP, "reached the moderators", &cursor));
    int64_t queue = kith_message_id(&s, "Report #1");
    REQUIRE(queue != 0);
    int64_t again = kith_message_id(&s, "dm me for cheap followers");
    CHECK(again == queue); /* the evidence is in the queue message */
    CHECK(kith_message_id(&s, "spam:r:1:timeout") == queue);

    char pressed[32];
    REQUIRE(press(&s, REPORTER, queue, "spam:r:1:timeout", pressed));
    CHECK(press_answered(&s, pressed, "Only managers can act on reports"));
    CHECK_INT(scenario_count_requests(&s, "POST", "/restrictChatMember", NULL), 0);

    REQUIRE(press(&s, OWNER, queue, "spam:r:1:timeout", pressed));
    CHECK(wait_call_about(&s, "restrictChatMember", 0, atoll(MEMBER)));
    CHECK(wait_call_about(&s, "editMessageText", queue, 0));
    CHECK(kith_message_id(&s, "Handled by") == queue);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* The default ladder: a third strike within 24 h restricts the member for an hour. */
TEST(test_third_strike_escalates_to_an_hour_of_restriction)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(says_and_hears(&s, OWNER, "/warn " MEMBER " rude", "was warned", &cursor));
    REQUIRE(says_and_hears(&s, OWNER, "/warn " MEMBER " rude again", "was warned", &cursor));
    CHECK_INT(calls_about(&s, "restrictChatMember", 0, atoll(MEMBER)), 0);
    REQUIRE(says_and_hears(&s, OWNER, "/warn " MEMBER " still rude", "was warned", &cursor));
    CHECK(wait_call_about(&s, "restrictChatMember", 0, atoll(MEMBER)));
    long long until = restricted_for(&s, atoll(MEMBER));
    CHECK(until >= 3540 && until <= 3610);
    CHECK(story_count_sent(&s, GROUP, "escalation") >= 1); /* logged before the reply */
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_strikes_expire)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    REQUIRE(
        says_and_hears(&s, OWNER, "/spam set strikes expiry 1h", "strike_expiry is now", &cursor));
    REQUIRE(says_and_hears(&s, OWNER, "/warn " MEMBER " rude to newcomers", "was warned", &cursor));
    CHECK(says_and_hears(&s, OWNER, "/strikes " MEMBER, "1 active strike", &cursor));
    CHECK(says_and_hears(&s, MEMBER, "/strikes " MEMBER, "rude to newcomers", &cursor));

    /* Two hours later (the store's clock moved back; kithd restarted) the strike is gone. */
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 10000), 0);
    REQUIRE(age_strikes(&s, 2LL * 3600 * 1000));
    REQUIRE(spam_kithd(&s, 2));
    CHECK(says_and_hears(&s, OWNER, "/strikes " MEMBER, "has no active strikes", &cursor));
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_raid_is_announced_once)
{
    struct scenario s;
    int cursor = 0;
    REQUIRE(spam_start(&s, &cursor));
    /* Default limit: more than 10 joins in 60 s, alert only. */
    for (int i = 0; i < 12; i++) {
        char body[160];
        snprintf(body, sizeof body,
                 "{\"chat_id\":" GROUP ",\"user_id\":%d,\"old_status\":\"left\","
                 "\"new_status\":\"member\"}",
                 5000 + i);
        REQUIRE(scenario_control_ok(&s, "chat_member", body));
    }
    CHECK(story_wait_reply(&s, GROUP, "many members are joining", &cursor));
    CHECK(says_and_hears(&s, OWNER, "/spam rules", "Spam rules here", &cursor));
    CHECK_INT(story_count_sent(&s, GROUP, "many members are joining"), 1);
    CHECK_INT(scenario_count_requests(&s, "POST", "/banChatMember", NULL), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
