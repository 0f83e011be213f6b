/* Shared by the Matrix scenario tests (test_matrix_*.c): the fake homeserver with a lobby room
 * (kith and alice as members, admin as its creator at power level 100), kithd started against
 * it with the example plugin, and reading back what kith posted. Header-only (static inline)
 * because each test file is its own executable. */
#ifndef KITH_MATRIX_STORY_H
#define KITH_MATRIX_STORY_H

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "scenario.h"

#define KITH_USER "@kith:fake.test"
#define KITH_TOKEN "syt_kith_scenario_token_0001"
#define ALICE "@alice:fake.test" /* a member, power level 0 */
#define ADMIN "@admin:fake.test" /* the lobby's creator, power level 100 */
#define LOBBY "!lobby:fake.test"

static const char matrix_config[] = "matrix = {\n"
                                    "    enabled = true;\n"
                                    "    homeserver = \"http://127.0.0.1:%PORT%\";\n"
                                    "    access_token = \"" KITH_TOKEN "\";\n"
                                    "    sync_timeout = 1000;\n"
                                    "};\n";

/* The fake with kith, alice and admin, and the lobby; no kithd yet. */
static inline bool story_homeserver(struct scenario *s)
{
    char fake[512];
    snprintf(fake, sizeof fake, "%s/fake_matrix", KITH_FAKES_DIR);
    return scenario_init(s) && scenario_start_fake(s, fake, NULL) &&
           scenario_control_ok(
               s, "user", "{\"user_id\":\"" KITH_USER "\",\"access_token\":\"" KITH_TOKEN "\"}") &&
           scenario_control_ok(s, "user", "{\"user_id\":\"" ALICE "\"}") &&
           scenario_control_ok(s, "user", "{\"user_id\":\"" ADMIN "\"}") &&
           scenario_control_ok(s, "room",
                               "{\"room_id\":\"" LOBBY "\",\"creator\":\"" ADMIN "\","
                               "\"members\":[\"" KITH_USER "\",\"" ALICE "\"]}");
}

/* kithd loading `plugins` (a load list such as "\"polls\"") from plugin_dir (NULL: the test
 * plugins), connected and past its first sync. */
static inline bool story_kithd_with(struct scenario *s, const char *config, const char *plugin_dir,
                                    const char *plugins)
{
    return scenario_write_config(s, config ? config : matrix_config, plugin_dir, plugins) &&
           scenario_start_kithd(s) && scenario_wait_log(s, "first sync done", 10000);
}

/* kithd (with the example plugin) connected and past its first sync. */
static inline bool story_kithd(struct scenario *s, const char *config)
{
    return story_kithd_with(s, config, NULL, "\"example\"");
}

static inline bool story_start(struct scenario *s)
{
    return story_homeserver(s) && story_kithd(s, NULL);
}

/* A member writes in the lobby; the new event's id goes to id_out (may be NULL). */
static inline bool story_say(struct scenario *s, const char *sender, const char *text, char *id_out,
                             size_t id_size)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "room_id", LOBBY);
    cJSON_AddStringToObject(body, "sender", sender);
    cJSON_AddStringToObject(body, "body", text);
    char *json = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    cJSON *out = scenario_control(s, "POST", "say", json);
    free(json);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(out, "event_id");
    bool ok = cJSON_IsString(id);
    if (ok && id_out != NULL)
        snprintf(id_out, id_size, "%s", id->valuestring);
    cJSON_Delete(out);
    return ok;
}

/* Waits for kith to send a room message whose JSON body holds `part`. */
static inline bool story_wait_post(struct scenario *s, const char *part, int *cursor)
{
    cJSON *hit = scenario_wait_request(s, "PUT", "/send/m.room.message/", part, 8000, cursor);
    bool ok = hit != NULL;
    cJSON_Delete(hit);
    if (!ok)
        fprintf(stderr, "  kith posted nothing with \"%s\"\n", part);
    return ok;
}

/* Every send kith made so far has its answer: kith knows the event ids (and so the numbered
 * choices) of its messages before a member answers them. A member could not answer sooner: a
 * client shows the message only after it was sent. */
static inline bool story_wait_sends_answered(struct scenario *s)
{
    int sent = scenario_count_requests(s, "PUT", "/send/", NULL);
    bool ok = scenario_wait_log_count(s, "/send/", sent, 8000);
    if (!ok)
        fprintf(stderr, "  kith did not get the answers of its %d sends\n", sent);
    return ok;
}

/* kith's messages in a room as the homeserver stored them (caller deletes). */
static inline cJSON *story_kith_messages_in(struct scenario *s, const char *room)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"room_id\":\"%s\",\"sender\":\"" KITH_USER "\",\"type\":\"m.room.message\"}", room);
    cJSON *out = scenario_control(s, "POST", "events", body);
    cJSON *events = cJSON_DetachItemFromObjectCaseSensitive(out, "events");
    cJSON_Delete(out);
    return events;
}

static inline cJSON *story_kith_messages(struct scenario *s)
{
    return story_kith_messages_in(s, LOBBY);
}

/* How many of kith's messages in a room have a body containing `part`. */
static inline int story_count_posts_in(struct scenario *s, const char *room, const char *part)
{
    cJSON *events = story_kith_messages_in(s, room);
    int n = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(ev, "content"), "body");
        if (cJSON_IsString(body) && strstr(body->valuestring, part) != NULL)
            n++;
    }
    cJSON_Delete(events);
    return n;
}

static inline int story_count_posts(struct scenario *s, const char *part)
{
    return story_count_posts_in(s, LOBBY, part);
}

/* The event id of kith's newest lobby message containing `part`, into buf; false if none. */
static inline bool story_find_post(struct scenario *s, const char *part, char *buf, size_t size)
{
    cJSON *events = story_kith_messages(s);
    bool found = false;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(ev, "content");
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(content, "body");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "event_id");
        if (cJSON_IsString(body) && strstr(body->valuestring, part) != NULL && cJSON_IsString(id)) {
            snprintf(buf, size, "%s", id->valuestring);
            found = true;
        }
    }
    cJSON_Delete(events);
    return found;
}

/* A member reacts to an event with `key` (a keycap such as "2\xEF\xB8\x8F\xE2\x83\xA3"). */
static inline bool story_react(struct scenario *s, const char *sender, const char *event_id,
                               const char *key)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"room_id\":\"" LOBBY "\",\"sender\":\"%s\",\"type\":\"m.reaction\","
             "\"content\":{\"m.relates_to\":{\"rel_type\":\"m.annotation\",\"event_id\":\"%s\","
             "\"key\":\"%s\"}}}",
             sender, event_id, key);
    return scenario_control_ok(s, "send", body);
}

/* A member answers a native poll: `selections` is a JSON array of answer ids ("[\"2\"]"). */
static inline bool story_poll_response(struct scenario *s, const char *sender, const char *poll_id,
                                       const char *selections)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"room_id\":\"" LOBBY "\",\"sender\":\"%s\",\"type\":\"m.poll.response\","
             "\"content\":{\"m.relates_to\":{\"rel_type\":\"m.reference\",\"event_id\":\"%s\"},"
             "\"m.selections\":%s}}",
             sender, poll_id, selections);
    return scenario_control_ok(s, "send", body);
}

/* The event id of the newest lobby event of `type` (by anyone) into buf; false if none. */
static inline bool story_find_event(struct scenario *s, const char *type, char *buf, size_t size)
{
    char body[256];
    snprintf(body, sizeof body, "{\"room_id\":\"" LOBBY "\",\"type\":\"%s\"}", type);
    cJSON *out = scenario_control(s, "POST", "events", body);
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(out, "events");
    const cJSON *last = cJSON_GetArrayItem(events, cJSON_GetArraySize(events) - 1);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(last, "event_id"));
    if (id != NULL)
        snprintf(buf, size, "%s", id);
    cJSON_Delete(out);
    return id != NULL;
}

/* How the homeserver's clients count a poll now: {"ended", "votes", "counts"} (caller
 * deletes). */
static inline cJSON *story_poll_tally(struct scenario *s, const char *poll_id)
{
    char body[256];
    snprintf(body, sizeof body, "{\"room_id\":\"" LOBBY "\",\"event_id\":\"%s\"}", poll_id);
    return scenario_control(s, "POST", "poll", body);
}

/* The admin turns the example plugin on in the lobby and kith confirms. */
static inline bool story_enable_example(struct scenario *s, int *cursor)
{
    return story_say(s, ADMIN, "!kith enable example", NULL, 0) &&
           story_wait_post(s, "example is now enabled here", cursor);
}

#endif
