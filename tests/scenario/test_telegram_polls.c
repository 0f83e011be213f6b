/* Asking members on Telegram, with the adapter inside a test core and the fake Bot API: a
 * plugin's native poll closed with stopPoll (once more is no error, a missing one is
 * NOT_FOUND), the fake refusing votes on a closed poll, and a member's reply naming kith's
 * question by the id its send reported (how plugins hold conversations, Telegram having no
 * forms). */
#include "check.h"
#include "core/message.h"
#include "platform/telegram/telegram.h"
#include "platform/telegram/tg_internal.h"
#include "telegram_story.h"
#include "test_env.h"

/* What an action reported. */
struct outcome {
    bool done;
    kith_err err;
    char message_id[64];
    char detail[256];
};

static void record(const struct kith_result *result, void *ud)
{
    struct outcome *o = ud;
    o->done = true;
    o->err = result->err;
    snprintf(o->message_id, sizeof o->message_id, "%s",
             result->message_id ? result->message_id : "");
    snprintf(o->detail, sizeof o->detail, "%s", result->detail ? result->detail : "");
}

static bool wait_outcome(struct test_env *env, struct outcome *o)
{
    for (int i = 0; i < 200 && !o->done; i++)
        test_env_run(env, 50);
    if (!o->done)
        fprintf(stderr, "  the adapter never reported the action\n");
    return o->done;
}

/* A core with the Telegram adapter started against the fake (GROUP set up there). */
struct poll_world {
    struct scenario s;
    struct test_env env;
    struct kith_platform *p; /* owned by the core, which stops and frees it */
    char api_base[64];
};

static bool world_start(struct poll_world *w)
{
    memset(w, 0, sizeof *w);
    if (!story_telegram(&w->s) || !test_env_init(&w->env) || !test_env_start(&w->env, NULL))
        return false;
    snprintf(w->api_base, sizeof w->api_base, "http://127.0.0.1:%d", w->s.fake_port);
    w->env.config.telegram.token = TG_TOKEN;
    w->env.config.telegram.api_base = w->api_base;
    w->env.config.telegram.poll_timeout_s = 1;
    char *error = NULL;
    kith_err err = kith_telegram_create(w->env.core, &w->env.config, &w->p, &error);
    free(error);
    if (err == KITH_OK && (err = kith_core_add_platform(w->env.core, w->p)) != KITH_OK)
        w->p->ops->destroy(w->p);
    return err == KITH_OK && w->p->ops->start(w->p) == KITH_OK;
}

static void world_finish(struct poll_world *w)
{
    w->env.config.telegram.token = NULL; /* borrowed, not the config's to free */
    w->env.config.telegram.api_base = NULL;
    test_env_finish(&w->env);
    if (kith_test_failures)
        scenario_dump(&w->s);
    scenario_finish(&w->s);
}

/* Sends a native poll (non-anonymous, so votes reach kith) to GROUP; its message id. */
static bool send_poll(struct poll_world *w, struct outcome *o)
{
    static const char *const answers[] = {"pizza", "soup", "salad"};
    const struct kith_native_poll poll = {
        .question = "Lunch?", .answers = answers, .answer_count = 3, .anonymous = false};
    kith_message *msg = kith_message_new();
    const struct kith_target to = {"telegram:" GROUP, NULL};
    bool ok = msg != NULL && kith_message_set_poll(msg, &poll) == KITH_OK &&
              w->p->ops->send(w->p, &to, msg, record, o) == KITH_OK;
    kith_message_free(msg);
    return ok && wait_outcome(&w->env, o) && o->err == KITH_OK;
}

static kith_err close_poll(struct poll_world *w, const char *message_id, struct outcome *o)
{
    const struct kith_target to = {"telegram:" GROUP, NULL};
    kith_err err = w->p->ops->poll_close(w->p, &to, message_id, record, o);
    if (err == KITH_OK && !wait_outcome(&w->env, o))
        return KITH_ERR_TIMEOUT;
    return err == KITH_OK ? o->err : err;
}

TEST(test_plugin_closes_its_native_poll_with_stop_poll)
{
    struct poll_world w;
    REQUIRE(world_start(&w));
    struct outcome sent = {0}, closed = {0}, again = {0};
    REQUIRE(send_poll(&w, &sent));
    int64_t mid = 0;
    REQUIRE(tg_parse_int_id(sent.message_id, &mid));
    CHECK(strncmp(sent.message_id, "telegram:", 9) == 0);
    cJSON *before = story_message_by_id(&w.s, GROUP, mid);
    REQUIRE(before != NULL);
    char poll_id[64];
    snprintf(poll_id, sizeof poll_id, "%s",
             tg_json_str(cJSON_GetObjectItemCaseSensitive(before, "poll"), "id"));
    cJSON_Delete(before);
    /* A vote while it is open is counted by Telegram. */
    char vote[160];
    snprintf(vote, sizeof vote, "{\"poll_id\":\"%s\",\"from_id\":" MEMBER ",\"option_ids\":[1]}",
             poll_id);
    CHECK(scenario_control_ok(&w.s, "poll_answer", vote));

    CHECK_INT(close_poll(&w, sent.message_id, &closed), KITH_OK);
    char part[48];
    snprintf(part, sizeof part, "\"message_id\":%" PRId64, mid);
    CHECK_INT(scenario_count_requests(&w.s, "POST", "/stopPoll", part), 1);
    cJSON *after = story_message_by_id(&w.s, GROUP, mid);
    const cJSON *poll = cJSON_GetObjectItemCaseSensitive(after, "poll");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(poll, "is_closed")));
    CHECK_INT(tg_json_int(poll, "total_voter_count", -1), 1);
    CHECK_INT(tg_json_int(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(poll, "options"), 1),
                          "voter_count", -1),
              1);
    cJSON_Delete(after);
    /* Telegram takes no more votes on it. */
    snprintf(vote, sizeof vote, "{\"poll_id\":\"%s\",\"from_id\":" OWNER ",\"option_ids\":[0]}",
             poll_id);
    int status = 0;
    cJSON *refused = scenario_control_status(&w.s, "POST", "poll_answer", vote, &status);
    CHECK_INT(status, 400);
    char *why = cJSON_PrintUnformatted(refused);
    CHECK_CONTAINS(why, "the poll is closed");
    free(why);
    cJSON_Delete(refused);

    /* Closing it again (a restart after the close, a race with open_period) is no error. */
    CHECK_INT(close_poll(&w, sent.message_id, &again), KITH_OK);
    CHECK_INT(scenario_count_requests(&w.s, "POST", "/stopPoll", part), 2);
    world_finish(&w);
}

TEST(test_closing_a_missing_poll_says_not_found)
{
    struct poll_world w;
    REQUIRE(world_start(&w));
    struct outcome gone = {0}, text = {0}, not_poll = {0};
    CHECK_INT(close_poll(&w, "telegram:987654", &gone), KITH_ERR_NOT_FOUND);
    CHECK_CONTAINS(gone.detail, "Telegram refused stopPoll");
    CHECK_CONTAINS(gone.detail,
                   "the poll's message was deleted, or it is not a poll this bot sent");
    /* A message that is no poll cannot be stopped either. */
    kith_message *msg = kith_message_new();
    const struct kith_target to = {"telegram:" GROUP, NULL};
    REQUIRE(msg != NULL && kith_message_set_text(msg, "just words") == KITH_OK);
    REQUIRE(w.p->ops->send(w.p, &to, msg, record, &text) == KITH_OK);
    kith_message_free(msg);
    REQUIRE(wait_outcome(&w.env, &text) && text.err == KITH_OK);
    CHECK_INT(close_poll(&w, text.message_id, &not_poll), KITH_ERR_NOT_FOUND);
    /* Ids that are not Telegram message ids are refused before anything is sent. */
    struct outcome unused = {0};
    CHECK_INT(w.p->ops->poll_close(w.p, &to, "telegram:abc", record, &unused), KITH_ERR_INVALID);
    CHECK_INT(w.p->ops->poll_close(w.p, &to, NULL, record, &unused), KITH_ERR_INVALID);
    CHECK(!unused.done);
    world_finish(&w);
}

/* The event the adapter makes of a stored message: its reply_to_id copied to out. */
static void reply_to_of(struct poll_world *w, const cJSON *message, char *out, size_t size)
{
    struct tg_event_buf b;
    tg_event_buf_init(tg_of(w->p), &b, KITH_EVENT_MESSAGE, message);
    tg_event_set_chat(&b, cJSON_GetObjectItemCaseSensitive(message, "chat"),
                      tg_message_thread(message));
    CHECK_INT(tg_event_set_message(&b, message), KITH_OK);
    snprintf(out, size, "%s", b.ev.message.reply_to_id ? b.ev.message.reply_to_id : "(none)");
    tg_event_buf_free(&b);
}

TEST(test_member_reply_names_kiths_question_as_sent)
{
    struct poll_world w;
    REQUIRE(world_start(&w));
    struct outcome asked = {0};
    kith_message *msg = kith_message_new();
    const struct kith_target to = {"telegram:" GROUP, NULL};
    REQUIRE(msg != NULL && kith_message_set_text(msg, "What should we improve?") == KITH_OK);
    REQUIRE(w.p->ops->send(w.p, &to, msg, record, &asked) == KITH_OK);
    kith_message_free(msg);
    REQUIRE(wait_outcome(&w.env, &asked) && asked.err == KITH_OK);
    int64_t question = 0;
    REQUIRE(tg_parse_int_id(asked.message_id, &question));
    char body[200];
    snprintf(body, sizeof body,
             "{\"chat_id\":" GROUP ",\"from_id\":" MEMBER
             ",\"text\":\"more coffee\",\"reply_to\":%" PRId64 "}",
             question);
    cJSON *said = scenario_control(&w.s, "POST", "message", body);
    int64_t answer_id = tg_json_int(said, "message_id", 0);
    cJSON_Delete(said);
    cJSON *answer = story_message_by_id(&w.s, GROUP, answer_id);
    REQUIRE(answer != NULL);
    char reply_to[64];
    reply_to_of(&w, answer, reply_to, sizeof reply_to);
    CHECK_STR(reply_to, asked.message_id);
    cJSON_Delete(answer);
    world_finish(&w);
}

TEST(test_topic_messages_are_replies_only_when_members_reply)
{
    struct poll_world w;
    REQUIRE(world_start(&w));
    /* Telegram makes every message in a forum topic a reply to the topic's first message. */
    cJSON *plain = cJSON_Parse(
        "{\"message_id\":50,\"date\":1,\"chat\":{\"id\":" GROUP ",\"type\":\"supergroup\"},"
        "\"from\":{\"id\":" MEMBER ",\"first_name\":\"Mia\"},\"text\":\"hello\","
        "\"is_topic_message\":true,\"message_thread_id\":40,"
        "\"reply_to_message\":{\"message_id\":40,\"date\":1}}");
    cJSON *reply = cJSON_Parse(
        "{\"message_id\":51,\"date\":1,\"chat\":{\"id\":" GROUP ",\"type\":\"supergroup\"},"
        "\"from\":{\"id\":" MEMBER ",\"first_name\":\"Mia\"},\"text\":\"blue\","
        "\"is_topic_message\":true,\"message_thread_id\":40,"
        "\"reply_to_message\":{\"message_id\":45,\"date\":1}}");
    REQUIRE(plain != NULL && reply != NULL);
    char got[64];
    reply_to_of(&w, plain, got, sizeof got);
    CHECK_STR(got, "(none)");
    reply_to_of(&w, reply, got, sizeof got);
    CHECK_STR(got, "telegram:45");
    cJSON_Delete(plain);
    cJSON_Delete(reply);
    world_finish(&w);
}
