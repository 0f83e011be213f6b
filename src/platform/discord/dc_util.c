/* Small helpers of the Discord adapter: JSON members, snowflakes and kith ids, heap timers. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "platform/discord/dc_internal.h"

#define DISCORD_EPOCH_MS 1420070400000LL

static void timer_closed(uv_handle_t *handle)
{
    free(handle);
}

uv_timer_t *dc_timer_new(struct dc *dc, void *data)
{
    uv_timer_t *t = malloc(sizeof *t);
    if (t == NULL)
        return NULL;
    if (uv_timer_init(dc->loop, t) != 0) {
        free(t);
        return NULL;
    }
    t->data = data;
    return t;
}

void dc_timer_close(uv_timer_t **t)
{
    if (t == NULL || *t == NULL)
        return;
    uv_timer_stop(*t);
    (*t)->data = NULL;
    uv_close((uv_handle_t *)*t, timer_closed);
    *t = NULL;
}

const char *dc_json_str(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

int64_t dc_json_int(const cJSON *obj, const char *name, int64_t fallback)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (cJSON_IsNumber(item))
        return (int64_t)llround(item->valuedouble);
    if (cJSON_IsString(item) && item->valuestring[0] != '\0') {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(item->valuestring, &end, 10);
        if (errno == 0 && end != NULL && *end == '\0')
            return (int64_t)v;
    }
    return fallback;
}

bool dc_json_bool(const cJSON *obj, const char *name)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

static bool parse_u64(const char *text, uint64_t *out)
{
    if (text == NULL || text[0] < '0' || text[0] > '9')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == NULL || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

uint64_t dc_json_u64(const cJSON *obj, const char *name)
{
    uint64_t v = 0;
    return parse_u64(dc_json_str(obj, name), &v) ? v : 0;
}

bool dc_format_id(char *buf, size_t size, const char *local)
{
    if (local == NULL || local[0] == '\0')
        return false;
    int n = snprintf(buf, size, DC_PLATFORM ":%s", local);
    return n > 0 && (size_t)n < size;
}

bool dc_parse_id(const char *id, char *buf, size_t size)
{
    if (id == NULL)
        return false;
    const char *local = id;
    const char *colon = strchr(id, ':');
    if (colon != NULL) {
        size_t plen = strlen(DC_PLATFORM);
        if ((size_t)(colon - id) != plen || strncmp(id, DC_PLATFORM, plen) != 0)
            return false;
        local = colon + 1;
    }
    uint64_t v;
    if (!parse_u64(local, &v) || v == 0 || strlen(local) >= size)
        return false;
    strcpy(buf, local);
    return true;
}

int64_t dc_snowflake_ms(const char *snowflake)
{
    uint64_t v;
    if (!parse_u64(snowflake, &v))
        return 0;
    return (int64_t)(v >> 22) + DISCORD_EPOCH_MS;
}

uint64_t dc_now_ms(void)
{
    return uv_hrtime() / 1000000u;
}

uint64_t dc_random(uint64_t n)
{
    if (n == 0)
        return 0;
    uint64_t r = 0;
    /* Jitter only: a failed getrandom still leaves a usable (if predictable) value. */
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        r = (uint64_t)rand();
    return r % n;
}
