/* Shared by the Discord scenario tests (test_discord_*.c): the fake Discord with its guild
 * "Kith fans" (an owner, an admin through the Admins role, two members), kithd started against
 * it with the example plugin, members acting through the fake, and reading back what kith sent.
 * Header-only (static inline) because each test file is its own executable. */
#ifndef KITH_DISCORD_STORY_H
#define KITH_DISCORD_STORY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "scenario.h"

#define DC_TOKEN "FAKE.DISCORD.TOKEN"
#define GUILD "300000000000000003"
#define GENERAL "400000000000000004" /* the guild's system channel */
#define RANDOM "400000000000000005"
#define OWNER "600000000000000006"
#define ADMIN "600000000000000007" /* has the Admins role (ADMINISTRATOR) */
#define MEMBER "600000000000000008"
#define OTHER_MEMBER "600000000000000009"
#define APP "200000000000000002"

static const char discord_config[] = "discord = {\n"
                                     "    enabled = true;\n"
                                     "    token = \"" DC_TOKEN "\";\n"
                                     "    api_base = \"http://127.0.0.1:%PORT%/api/v10\";\n"
                                     "};\n";

static inline long long story_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void story_sleep_ms(int ms)
{
    nanosleep(&(struct timespec){ms / 1000, (long)(ms % 1000) * 1000000L}, NULL);
}

/* POST /_control/<name> with a JSON body; the answer (caller deletes) or NULL unless 200. */
static inline cJSON *story_control(struct scenario *s, const char *name, const char *body)
{
    int status = 0;
    cJSON *out = scenario_control_status(s, "POST", name, body, &status);
    if (status != 200) {
        fprintf(stderr, "  control %s %s answered %d\n", name, body, status);
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

/* The fake Discord (extra arguments NULL-terminated, may be NULL); no kithd yet. */
static inline bool story_discord(struct scenario *s, const char *const *args)
{
    char fake[512];
    snprintf(fake, sizeof fake, "%s/fake_discord", KITH_FAKES_DIR);
    return scenario_init(s) && scenario_start_fake(s, fake, args);
}

/* kithd with the example plugin, connected: the guild's commands registered. */
static inline bool story_kithd(struct scenario *s, const char *config)
{
    return scenario_write_config(s, config ? config : discord_config, NULL, "\"example\"") &&
           scenario_start_kithd(s) &&
           scenario_wait_log_count(s, "commands registered in guild " GUILD, 1, 10000);
}

static inline bool story_start(struct scenario *s, const char *const *fake_args)
{
    return story_discord(s, fake_args) && story_kithd(s, NULL);
}

/* A member writes in a channel; the message id goes to id_out (may be NULL, 24 bytes). */
static inline bool story_say(struct scenario *s, const char *channel, const char *user,
                             const char *text, char *id_out)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "channel_id", channel);
    cJSON_AddStringToObject(body, "user_id", user);
    cJSON_AddStringToObject(body, "content", text);
    char *json = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    cJSON *out = story_control(s, "message", json);
    free(json);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "id"));
    if (id != NULL && id_out != NULL)
        snprintf(id_out, 24, "%s", id);
    bool ok = id != NULL;
    cJSON_Delete(out);
    return ok;
}

/* A member runs a slash command (options_json: an object of option values, may be NULL); the
 * interaction id goes to id_out (may be NULL, 24 bytes). */
static inline bool story_command(struct scenario *s, const char *user, const char *name,
                                 const char *sub, const char *options_json, char *id_out)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"user_id\":\"%s\",\"channel_id\":\"" GENERAL "\",\"name\":\"%s\"%s%s%s"
             ",\"options\":%s}",
             user, name, sub ? ",\"subcommand\":\"" : "", sub ? sub : "", sub ? "\"" : "",
             options_json ? options_json : "{}");
    cJSON *out = story_control(s, "command", body);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "id"));
    if (id != NULL && id_out != NULL)
        snprintf(id_out, 24, "%s", id);
    bool ok = id != NULL;
    cJSON_Delete(out);
    return ok;
}

/* The answer to an interaction: its callback (type 4 with `part` in the body). */
static inline bool story_wait_callback(struct scenario *s, const char *interaction,
                                       const char *part, int *cursor)
{
    char path[96];
    snprintf(path, sizeof path, "/interactions/%s/", interaction);
    cJSON *hit = scenario_wait_request(s, "POST", path, part, 8000, cursor);
    cJSON_Delete(hit);
    return hit != NULL;
}

/* A number from GET /_control/state. */
static inline int story_state_int(struct scenario *s, const char *name)
{
    cJSON *state = scenario_control(s, "GET", "state", NULL);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(state, name);
    int n = cJSON_IsNumber(v) ? v->valueint : -1;
    cJSON_Delete(state);
    return n;
}

/* The admin turns a plugin on through /kith enable and kith confirms. */
static inline bool story_enable(struct scenario *s, const char *plugin, int *cursor)
{
    char id[24], options[96], confirmed[96];
    snprintf(options, sizeof options, "{\"plugin\":\"%s\"}", plugin);
    snprintf(confirmed, sizeof confirmed, "%s is now enabled here", plugin);
    return story_command(s, ADMIN, "kith", "enable", options, id) &&
           story_wait_callback(s, id, confirmed, cursor);
}

static inline bool story_enable_example(struct scenario *s, int *cursor)
{
    return story_enable(s, "example", cursor);
}

/* kithd with the plugins of load_list (e.g. "\"pollform\"") from plugin_dir (NULL: the test
 * plugins), connected: the guild's commands registered `registered` times in its log. */
static inline bool story_kithd_with(struct scenario *s, const char *plugin_dir,
                                    const char *load_list, int registered)
{
    return scenario_write_config(s, discord_config, plugin_dir, load_list) &&
           scenario_start_kithd(s) &&
           scenario_wait_log_count(s, "commands registered in guild " GUILD, registered, 10000);
}

/* A member's whole choice on a native poll (answer ids from 1; "[]" removes the vote), as the
 * fake announces it one answer at a time. False when the fake refused it. */
static inline bool story_vote(struct scenario *s, const char *user, const char *message,
                              const char *answer_ids)
{
    char body[256];
    snprintf(body, sizeof body, "{\"user_id\":\"%s\",\"message_id\":\"%s\",\"answer_ids\":%s}",
             user, message, answer_ids);
    int status = 0;
    cJSON *out = scenario_control_status(s, "POST", "poll_vote", body, &status);
    cJSON_Delete(out);
    return status == 200;
}

/* The newest message of the bot that carries a native poll: its id into id_out (24 bytes). */
static inline bool story_last_poll(struct scenario *s, char *id_out)
{
    cJSON *list = scenario_control(s, "GET", "messages", NULL);
    bool found = false;
    const cJSON *m; /* newest first */
    cJSON_ArrayForEach(m, list)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "id"));
        if (!found && id != NULL && cJSON_HasObjectItem(m, "poll")) {
            snprintf(id_out, 24, "%s", id);
            found = true;
        }
    }
    cJSON_Delete(list);
    return found;
}

/* A message the fake holds (caller deletes), or NULL. */
static inline cJSON *story_message(struct scenario *s, const char *id)
{
    cJSON *list = scenario_control(s, "GET", "messages", NULL);
    cJSON *found = NULL;
    const cJSON *m;
    cJSON_ArrayForEach(m, list)
    {
        const char *mid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "id"));
        if (found == NULL && mid != NULL && strcmp(mid, id) == 0)
            found = cJSON_Duplicate(m, true);
    }
    cJSON_Delete(list);
    return found;
}

/* A member submits the modal that interaction `opened_by` answered with (values_json: a JSON
 * list of strings); the submit's interaction id into id_out (may be NULL, 24 bytes). */
static inline bool story_submit_modal(struct scenario *s, const char *user, const char *opened_by,
                                      const char *values_json, char *id_out)
{
    char body[1024];
    snprintf(body, sizeof body, "{\"user_id\":\"%s\",\"opened_by\":\"%s\",\"values\":%s}", user,
             opened_by, values_json);
    cJSON *out = story_control(s, "modal_submit", body);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "id"));
    if (id != NULL && id_out != NULL)
        snprintf(id_out, 24, "%s", id);
    bool ok = id != NULL;
    cJSON_Delete(out);
    return ok;
}

/* A member presses a button of a message; the interaction id into id_out (24 bytes). */
static inline bool story_press(struct scenario *s, const char *user, const char *message,
                               const char *custom_id, char *id_out)
{
    char body[512];
    snprintf(body, sizeof body, "{\"user_id\":\"%s\",\"message_id\":\"%s\",\"custom_id\":\"%s\"}",
             user, message, custom_id);
    cJSON *out = story_control(s, "press", body);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out, "id"));
    if (id != NULL && id_out != NULL)
        snprintf(id_out, 24, "%s", id);
    bool ok = id != NULL;
    cJSON_Delete(out);
    return ok;
}

#endif
