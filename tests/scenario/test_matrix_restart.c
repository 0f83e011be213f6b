/* kithd killed in the middle of its work on Matrix handles every event exactly once after a
 * restart: nothing lost (next_batch is stored only after handling) and nothing doubled (each
 * handled event is recorded, and answers in flight are sent again with the same txnId). */
#include <signal.h>

#include "matrix_story.h"

#define ANNEX "!annex:fake.test" /* a second room, newer than the lobby */

/* Several member messages that reach kith in one /sync batch. */
static bool say_in_one_batch_in(struct scenario *s, const char *room, const char *const *texts,
                                size_t count)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "room_id", room);
    cJSON_AddStringToObject(body, "sender", ALICE);
    cJSON *bodies = cJSON_AddArrayToObject(body, "bodies");
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(bodies, cJSON_CreateString(texts[i]));
    char *json = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    bool ok = scenario_control_ok(s, "say", json);
    free(json);
    return ok;
}

static bool say_in_one_batch(struct scenario *s, const char *const *texts, size_t count)
{
    return say_in_one_batch_in(s, LOBBY, texts, count);
}

/* "!note add one", 57 lines of chatter, "!note add two": more than kith's timeline limit. */
static bool say_more_than_a_timeline(struct scenario *s)
{
    const char *texts[60];
    char chatter[57][32];
    size_t n = 0;
    texts[n++] = "!note add one";
    for (size_t i = 0; i < 57; i++) {
        snprintf(chatter[i], sizeof chatter[i], "chatter %zu", i);
        texts[n++] = chatter[i];
    }
    texts[n++] = "!note add two";
    return say_in_one_batch(s, texts, n);
}

static bool restart_kithd(struct scenario *s)
{
    CHECK_INT(scenario_stop_kithd(s, SIGKILL, 5000), 128 + SIGKILL);
    return scenario_control_ok(s, "faults_clear", "{}") && scenario_start_kithd(s) &&
           scenario_wait_log(s, "resuming sync", 10000);
}

/* The path of the next send kith makes whose body holds part (malloc'd), or NULL. */
static char *next_send_path(struct scenario *s, const char *part, int *cursor)
{
    cJSON *hit = scenario_wait_request(s, "PUT", "/send/m.room.message/", part, 8000, cursor);
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(hit, "path");
    char *copy = cJSON_IsString(path) ? strdup(path->valuestring) : NULL;
    cJSON_Delete(hit);
    return copy;
}

/* One more command after the restart proves the numbering went on without a double. */
static void check_each_note_once(struct scenario *s, int *cursor)
{
    CHECK(story_say(s, ALICE, "!note add three", NULL, 0));
    CHECK(story_wait_post(s, "Noted #3", cursor));
    CHECK_INT(story_count_posts(s, "Noted #1"), 1);
    CHECK_INT(story_count_posts(s, "Noted #2"), 1);
    CHECK_INT(story_count_posts(s, "Noted #3"), 1);
    CHECK_INT(story_count_posts(s, "Noted #4"), 0);
}

TEST(test_kill_while_answers_are_in_flight_answers_each_event_once)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    /* The homeserver stores kith's answers but never confirms them. */
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"kind\":\"stall_after\",\"method\":\"PUT\","
                                "\"path\":\"/send/m.room.message/\",\"count\":2}"));
    static const char *const notes[] = {"!note add one", "!note add two"};
    REQUIRE(say_in_one_batch(&s, notes, 2));
    int before = cursor;
    char *first = next_send_path(&s, "Noted #1", &cursor);
    char *second = next_send_path(&s, "Noted #2", &before);
    cursor = cursor > before ? cursor : before;
    REQUIRE(first != NULL && second != NULL);
    REQUIRE(restart_kithd(&s));
    /* The unconfirmed answers go out again under their stored transaction ids. */
    /* Both go out at once, in either order: each is looked for from the restart on. */
    int restarted = cursor;
    char *again_first = next_send_path(&s, "Noted #1", &restarted);
    restarted = cursor;
    char *again_second = next_send_path(&s, "Noted #2", &restarted);
    CHECK_STR(again_first, first);
    CHECK_STR(again_second, second);
    check_each_note_once(&s, &cursor);
    free(first);
    free(second);
    free(again_first);
    free(again_second);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_kill_before_a_batch_is_handled_loses_nothing)
{
    struct scenario s;
    REQUIRE(story_start(&s));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    /* More than the timeline limit (50): kith must page back with /messages, which hangs. */
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"kind\":\"stall\",\"method\":\"GET\",\"path\":\"/messages\"}"));
    REQUIRE(say_more_than_a_timeline(&s));
    int from_start = 0; /* the paging may reach the fake before kith's last answer */
    cJSON *paging = scenario_wait_request(&s, "GET", "/messages", NULL, 8000, &from_start);
    CHECK(paging != NULL);
    cJSON_Delete(paging);
    CHECK_INT(story_count_posts(&s, "Noted"), 0); /* received, not yet handled */
    REQUIRE(restart_kithd(&s));
    /* The same batch comes again; the gap is filled and both commands run, in order. */
    int restarted = cursor;
    CHECK(story_wait_post(&s, "Noted #1", &restarted));
    CHECK(story_wait_post(&s, "Noted #2", &cursor)); /* either may reach the fake first */
    cursor = cursor > restarted ? cursor : restarted;
    CHECK(story_say(&s, ALICE, "!note list", NULL, 0));
    cJSON *list = scenario_wait_request(&s, "PUT", "/send/m.room.message/", "#1", 8000, &cursor);
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(list, "body");
    CHECK(cJSON_IsString(body) && strstr(body->valuestring, "one") != NULL &&
          strstr(body->valuestring, "two") != NULL);
    cJSON_Delete(list);
    check_each_note_once(&s, &cursor);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

/* A batch with two rooms: the annex is handled, then paging back in the lobby hangs and kithd
 * dies. The same batch comes again after the restart; the annex's command is not run twice. */
TEST(test_kill_in_the_middle_of_a_batch_repeats_none_of_it)
{
    struct scenario s;
    REQUIRE(story_homeserver(&s));
    REQUIRE(scenario_control_ok(&s, "room",
                                "{\"room_id\":\"" ANNEX "\",\"creator\":\"" ADMIN "\","
                                "\"members\":[\"" KITH_USER "\",\"" ALICE "\"]}"));
    REQUIRE(story_kithd(&s, NULL));
    int cursor = 0;
    REQUIRE(story_enable_example(&s, &cursor));
    REQUIRE(scenario_control_ok(&s, "say",
                                "{\"room_id\":\"" ANNEX "\",\"sender\":\"" ADMIN "\","
                                "\"body\":\"!kith enable example\"}"));
    REQUIRE(story_wait_post(&s, "example is now enabled here", &cursor));
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"kind\":\"stall\",\"method\":\"GET\",\"path\":\"/messages\"}"));
    static const char *const annex_note[] = {"!note add annex"};
    REQUIRE(scenario_control_ok(&s, "hold", "{}"));
    REQUIRE(say_in_one_batch_in(&s, ANNEX, annex_note, 1));
    REQUIRE(say_more_than_a_timeline(&s));
    REQUIRE(scenario_control_ok(&s, "release", "{}"));
    CHECK(story_wait_post(&s, "Noted #1", &cursor)); /* the annex, handled first */
    int from_start = 0; /* the paging may reach the fake before kith's last answer */
    cJSON *paging = scenario_wait_request(&s, "GET", "/messages", NULL, 8000, &from_start);
    CHECK(paging != NULL);
    cJSON_Delete(paging);
    REQUIRE(restart_kithd(&s));
    /* Notes are numbered across rooms: the annex's is #1, the lobby's two follow. */
    CHECK(story_wait_post(&s, "Noted #3", &cursor));
    CHECK(story_say(&s, ALICE, "!note add three", NULL, 0));
    CHECK(story_wait_post(&s, "Noted #4", &cursor));
    CHECK_INT(story_count_posts_in(&s, ANNEX, "Noted"), 1);
    CHECK_INT(story_count_posts_in(&s, ANNEX, "Noted #1"), 1);
    CHECK_INT(story_count_posts(&s, "Noted #2"), 1);
    CHECK_INT(story_count_posts(&s, "Noted #3"), 1);
    CHECK_INT(story_count_posts(&s, "Noted #4"), 1);
    CHECK_INT(story_count_posts(&s, "Noted #5"), 0);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
