/* Discord's REST errors turned into kith errors and into one clear sentence for the log and
 * the plugin (a missing permission names the permission and the channel). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/discord/dc_internal.h"

#define UNKNOWN_CHANNEL 10003
#define UNKNOWN_GUILD 10004
#define UNKNOWN_MEMBER 10007
#define UNKNOWN_MESSAGE 10008
#define UNKNOWN_ROLE 10011
#define UNKNOWN_USER 10013
#define UNKNOWN_INTERACTION 10062
#define ALREADY_ACKNOWLEDGED 40060
#define MISSING_ACCESS 50001
#define CANNOT_DM 50007
#define MISSING_PERMISSIONS 50013
#define INVALID_FORM_BODY 50035

kith_err dc_error_kind(long status, int code)
{
    switch (code) {
    case UNKNOWN_INTERACTION: return KITH_ERR_TIMEOUT;
    case ALREADY_ACKNOWLEDGED: return KITH_ERR_EXISTS;
    case MISSING_ACCESS:
    case CANNOT_DM:
    case MISSING_PERMISSIONS: return KITH_ERR_PERMISSION;
    case INVALID_FORM_BODY: return KITH_ERR_INVALID;
    default: break;
    }
    if (status == 404 || (code >= 10001 && code <= 10099))
        return KITH_ERR_NOT_FOUND;
    if (status == 403)
        return KITH_ERR_PERMISSION;
    if (status == 429)
        return KITH_ERR_BUSY;
    if (status == 400)
        return KITH_ERR_INVALID;
    return KITH_ERR_PLATFORM;
}

/* "channel 123" or "server 456" from a path, for the sentence; "" when neither. */
static void place_of(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    static const struct {
        const char *prefix, *noun;
    } places[] = {{"/channels/", "channel"}, {"/guilds/", "server"}};
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        size_t n = strlen(places[i].prefix);
        if (strncmp(path, places[i].prefix, n) != 0)
            continue;
        size_t id_len = strspn(path + n, "0123456789");
        snprintf(buf, size, "%s %.*s", places[i].noun, (int)id_len, path + n);
        return;
    }
}

/* What a member or an operator should read for the best-known codes; NULL otherwise. */
static const char *explain(int code)
{
    switch (code) {
    case UNKNOWN_CHANNEL: return "the channel does not exist (or the bot cannot see it)";
    case UNKNOWN_GUILD: return "the server does not exist or the bot left it";
    case UNKNOWN_MEMBER: return "that member is not in the server";
    case UNKNOWN_MESSAGE: return "the message does not exist any more";
    case UNKNOWN_ROLE: return "the role does not exist";
    case UNKNOWN_USER: return "no such user";
    case UNKNOWN_INTERACTION: return "the interaction expired before it was answered";
    case ALREADY_ACKNOWLEDGED: return "the interaction was already answered";
    case CANNOT_DM: return "the member does not accept direct messages from the bot";
    default: return NULL;
    }
}

char *dc_error_detail_dup(const char *method, const char *path, long status, int code,
                          const char *message, const char *needs)
{
    char place[64];
    place_of(path, place, sizeof place);
    char *out = NULL;
    int n;
    if (code == MISSING_PERMISSIONS)
        n = asprintf(&out, "%s %s: missing permissions (50013): the bot needs %s%s%s", method, path,
                     needs != NULL ? needs : "a permission it lacks", place[0] ? " in " : "",
                     place);
    else if (code == MISSING_ACCESS)
        n = asprintf(&out,
                     "%s %s: missing access (50001): the bot cannot see %s (it needs "
                     "VIEW_CHANNEL%s%s)",
                     method, path, place[0] ? place : "that place", needs ? " and " : "",
                     needs ? needs : "");
    else if (explain(code) != NULL)
        n = asprintf(&out, "%s %s: %s (%d)", method, path, explain(code), code);
    else if (code != 0)
        n = asprintf(&out, "%s %s: HTTP %ld, Discord error %d: %s", method, path, status, code,
                     message != NULL ? message : "");
    else
        n = asprintf(&out, "%s %s: HTTP %ld: %s", method, path, status,
                     message != NULL ? message : "");
    return n < 0 ? NULL : out;
}
