/* Small helpers of the Telegram adapter: exact 64-bit ids in JSON, kith id strings, timers. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/telegram/tg_internal.h"

int64_t tg_json_int(const cJSON *obj, const char *name, int64_t fallback)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (cJSON_IsNumber(item))
        return (int64_t)llround(item->valuedouble);
    /* Strings: ids some updates carry as text; raw: ids this adapter wrote exactly. */
    if ((cJSON_IsString(item) || cJSON_IsRaw(item)) && item->valuestring[0] != '\0') {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(item->valuestring, &end, 10);
        if (errno == 0 && end != NULL && *end == '\0')
            return (int64_t)v;
    }
    return fallback;
}

const char *tg_json_str(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* Telegram ids use up to 52 bits: a double holds them, but cJSON may print one in exponent
 * form, so ids are written as raw integer text. */
kith_err tg_json_add_int(cJSON *obj, const char *name, int64_t value)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, value);
    return cJSON_AddRawToObject(obj, name, text) != NULL ? KITH_OK : KITH_ERR_NOMEM;
}

void tg_format_id(char *buf, size_t size, int64_t n)
{
    snprintf(buf, size, TG_PLATFORM ":%" PRId64, n);
}

static bool parse_int(const char *text, const char **end_out, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text)
        return false;
    *out = (int64_t)v;
    *end_out = end;
    return true;
}

/* Only ids of this platform, or bare numbers. */
static const char *local_part(const char *id)
{
    if (id == NULL)
        return NULL;
    const char *colon = strchr(id, ':');
    if (colon == NULL)
        return id;
    size_t plen = strlen(TG_PLATFORM);
    if ((size_t)(colon - id) != plen || strncmp(id, TG_PLATFORM, plen) != 0)
        return NULL;
    return colon + 1;
}

bool tg_parse_chat(const char *id, int64_t *chat_out, int64_t *thread_out)
{
    const char *text = local_part(id);
    const char *end = NULL;
    int64_t chat = 0, thread = 0;
    if (text == NULL || !parse_int(text, &end, &chat) || chat == 0)
        return false;
    if (*end == '/') {
        if (!parse_int(end + 1, &end, &thread) || thread <= 0)
            return false;
    }
    if (*end != '\0')
        return false;
    *chat_out = chat;
    if (thread_out != NULL)
        *thread_out = thread;
    return true;
}

bool tg_parse_int_id(const char *id, int64_t *out)
{
    const char *text = local_part(id);
    const char *end = NULL;
    int64_t v = 0;
    if (text == NULL || !parse_int(text, &end, &v) || *end != '\0')
        return false;
    *out = v;
    return true;
}

uv_timer_t *tg_timer_new(struct tg *tg)
{
    uv_timer_t *timer = malloc(sizeof *timer);
    if (timer == NULL)
        return NULL;
    if (uv_timer_init(tg->loop, timer) != 0) {
        free(timer);
        return NULL;
    }
    timer->data = tg;
    return timer;
}

static void timer_closed(uv_handle_t *handle)
{
    free(handle);
}

void tg_timer_close(uv_timer_t **timer)
{
    if (*timer == NULL)
        return;
    uv_timer_stop(*timer);
    (*timer)->data = NULL;
    uv_close((uv_handle_t *)*timer, timer_closed);
    *timer = NULL;
}

uint64_t tg_now(const struct tg *tg)
{
    return uv_now(tg->loop);
}
