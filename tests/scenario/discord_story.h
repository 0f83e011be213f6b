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

/* The admin turns the example plugin on through /kith enable and kith confirms. */
static inline bool story_enable_example(struct scenario *s, int *cursor)
{
    char id[24];
    return story_command(s, ADMIN, "kith", "enable", "{\"plugin\":\"example\"}", id) &&
           story_wait_callback(s, id, "example is now enabled here", cursor);
}

#endif
