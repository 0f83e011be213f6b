/* Validation and display of plugin settings against their declared schema. */
#include "core/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cmdparse.h"
#include "core/platform.h"

static bool parse_int64(const char *text, int64_t *out)
{
    if (text[0] == '\0')
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool bounded(const struct kith_setting_decl *d)
{
    return d->min != 0 || d->max != 0;
}

/* Accepts an id, a prefixed id, or a Discord-style mention (<#id>, <@&id>). */
static bool strip_mention(const char *value, const char *open, char *buf, size_t size)
{
    size_t open_len = strlen(open), len = strlen(value);
    if (strncmp(value, open, open_len) == 0 && len > open_len + 1 && value[len - 1] == '>') {
        len -= open_len + 1;
        value += open_len;
    }
    if (len == 0 || len >= size)
        return false;
    memcpy(buf, value, len);
    buf[len] = '\0';
    return strchr(buf, ' ') == NULL;
}

static char *prefixed_id(const char *platform, const char *id)
{
    char *out = NULL;
    char prefix[32];
    if (platform == NULL || kith_id_platform(id, prefix, sizeof prefix))
        return strdup(id);
    if (asprintf(&out, "%s:%s", platform, id) < 0)
        return NULL;
    return out;
}

void kith_setting_describe_type(const struct kith_setting_decl *d, char *buf, size_t size)
{
    char lo[32], hi[32];
    switch (d->type) {
    case KITH_SETTING_STRING:
        if (bounded(d))
            snprintf(buf, size, "text of %lld to %lld characters", (long long)d->min,
                     (long long)d->max);
        else
            snprintf(buf, size, "text");
        return;
    case KITH_SETTING_INTEGER:
        if (bounded(d))
            snprintf(buf, size, "a whole number from %lld to %lld", (long long)d->min,
                     (long long)d->max);
        else
            snprintf(buf, size, "a whole number");
        return;
    case KITH_SETTING_BOOLEAN: snprintf(buf, size, "true or false"); return;
    case KITH_SETTING_DURATION:
        kith_duration_format(d->min, lo, sizeof lo);
        kith_duration_format(d->max, hi, sizeof hi);
        if (bounded(d))
            snprintf(buf, size, "a duration from %s to %s (like 90s, 15m, 2h, 7d)", lo, hi);
        else
            snprintf(buf, size, "a duration (like 90s, 15m, 2h, 7d)");
        return;
    case KITH_SETTING_ENUM: {
        size_t used = (size_t)snprintf(buf, size, "one of:");
        for (size_t i = 0; d->choices[i] != NULL && used < size; i++)
            used += (size_t)snprintf(buf + used, size - used, "%s %s", i ? "," : "", d->choices[i]);
        kith_utf8_trim_partial(buf); /* choices may be any text; a cut must not split one */
        return;
    }
    case KITH_SETTING_CHANNEL: snprintf(buf, size, "a channel (mention or id)"); return;
    case KITH_SETTING_ROLE: snprintf(buf, size, "a role (mention or id)"); return;
    }
    snprintf(buf, size, "a value");
}

/* How many characters of a refused value the reason quotes: enough to recognise it, short
 * enough that what is allowed always fits after it. */
#define QUOTED_CHARS 40

static kith_err refuse(const struct kith_setting_decl *d, const char *value, char *err, size_t size)
{
    char expected[256], quoted[QUOTED_CHARS * 4 + 4];
    kith_setting_describe_type(d, expected, sizeof expected);
    kith_text_excerpt(value, QUOTED_CHARS, quoted, sizeof quoted);
    snprintf(err, size, "\"%s\" is not valid for %s: expected %s", quoted, d->key, expected);
    kith_utf8_trim_partial(err);
    return KITH_ERR_INVALID;
}

static kith_err store_copy(const char *text, char **out)
{
    *out = strdup(text);
    return *out ? KITH_OK : KITH_ERR_NOMEM;
}

kith_err kith_setting_validate(const struct kith_setting_decl *d, const char *platform,
                               const char *value, char **normalized_out, char *err, size_t size)
{
    *normalized_out = NULL;
    int64_t number;
    bool flag;
    char id[256], text[32];
    switch (d->type) {
    case KITH_SETTING_STRING: {
        size_t chars = kith_utf8_valid(value, strlen(value)) ? kith_utf8_length(value) : 0;
        if (chars == 0 && value[0] != '\0')
            return refuse(d, value, err, size);
        if (bounded(d) && ((int64_t)chars < d->min || (int64_t)chars > d->max))
            return refuse(d, value, err, size);
        return store_copy(value, normalized_out);
    }
    case KITH_SETTING_INTEGER:
        if (!parse_int64(value, &number) || (bounded(d) && (number < d->min || number > d->max)))
            return refuse(d, value, err, size);
        snprintf(text, sizeof text, "%lld", (long long)number);
        return store_copy(text, normalized_out);
    case KITH_SETTING_BOOLEAN:
        if (!parse_bool(value, &flag))
            return refuse(d, value, err, size);
        return store_copy(flag ? "true" : "false", normalized_out);
    case KITH_SETTING_DURATION:
        if (kith_duration_parse(value, &number) != KITH_OK ||
            (bounded(d) && (number < d->min || number > d->max)))
            return refuse(d, value, err, size);
        snprintf(text, sizeof text, "%lld", (long long)number);
        return store_copy(text, normalized_out);
    case KITH_SETTING_ENUM:
        for (size_t i = 0; d->choices[i] != NULL; i++)
            if (strcasecmp(value, d->choices[i]) == 0)
                return store_copy(d->choices[i], normalized_out);
        return refuse(d, value, err, size);
    case KITH_SETTING_CHANNEL:
    case KITH_SETTING_ROLE:
        if (!strip_mention(value, d->type == KITH_SETTING_CHANNEL ? "<#" : "<@&", id, sizeof id))
            return refuse(d, value, err, size);
        *normalized_out = prefixed_id(platform, id);
        return *normalized_out ? KITH_OK : KITH_ERR_NOMEM;
    }
    return refuse(d, value, err, size);
}

char *kith_setting_display(const struct kith_setting_decl *d, const char *stored)
{
    int64_t seconds;
    if (d->type == KITH_SETTING_DURATION && parse_int64(stored, &seconds)) {
        char text[32];
        kith_duration_format(seconds, text, sizeof text);
        return strdup(text);
    }
    return strdup(stored);
}
