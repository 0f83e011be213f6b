/* Callback data within Telegram's 64 bytes: a custom id that fits is sent as it is; a longer
 * one, or a select option (id and value), is sent as a short key stored in the platform state.
 * Keys come from a hash, so the same button always gets the same key and the table does not
 * grow with every message. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/telegram/tg_internal.h"
#include "store/core_tables.h"

#define KEY_MARK '~' /* custom ids start with "<plugin>:", never with this */
#define SALTS 8

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void key_for(const char *custom_id, const char *value, unsigned salt, char *out)
{
    uint64_t h = fnv1a(0xcbf29ce484222325ULL, custom_id);
    h = fnv1a(h ^ 0x1f, value ? value : "");
    h ^= salt;
    h *= 0x100000001b3ULL;
    snprintf(out, TG_CALLBACK_DATA_MAX + 1, "%c%016" PRIx64, KEY_MARK, h);
}

static char *entry_dup(const char *custom_id, const char *value)
{
    cJSON *entry = cJSON_CreateObject();
    char *text = NULL;
    if (entry != NULL && cJSON_AddStringToObject(entry, "id", custom_id) != NULL &&
        (value == NULL || cJSON_AddStringToObject(entry, "v", value) != NULL))
        text = cJSON_PrintUnformatted(entry);
    cJSON_Delete(entry);
    return text;
}

kith_err tg_cbdata_encode(struct tg *tg, const char *custom_id, const char *value,
                          char out[TG_CALLBACK_DATA_MAX + 1])
{
    size_t len = strlen(custom_id);
    if (value == NULL && len <= TG_CALLBACK_DATA_MAX && custom_id[0] != KEY_MARK) {
        memcpy(out, custom_id, len + 1);
        return KITH_OK;
    }
    char *entry = entry_dup(custom_id, value);
    if (entry == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = KITH_ERR_EXISTS;
    for (unsigned salt = 0; salt < SALTS && err == KITH_ERR_EXISTS; salt++) {
        key_for(custom_id, value, salt, out);
        char *stored = NULL;
        err = kith_db_state_get(tg->core->store, TG_CBDATA_SCOPE, out, &stored);
        if (err == KITH_OK)
            err = strcmp(stored, entry) == 0 ? KITH_OK : KITH_ERR_EXISTS; /* a collision */
        else if (err == KITH_ERR_NOT_FOUND)
            err = kith_db_state_set(tg->core->store, TG_CBDATA_SCOPE, out, entry);
        free(stored);
    }
    free(entry);
    return err;
}

kith_err tg_cbdata_decode(struct tg *tg, const char *data, char **custom_id_out, char **value_out)
{
    *custom_id_out = NULL;
    *value_out = NULL;
    if (data[0] != KEY_MARK) {
        *custom_id_out = strdup(data);
        return *custom_id_out != NULL ? KITH_OK : KITH_ERR_NOMEM;
    }
    char *stored = NULL;
    kith_err err = kith_db_state_get(tg->core->store, TG_CBDATA_SCOPE, data, &stored);
    if (err != KITH_OK)
        return err;
    cJSON *entry = cJSON_Parse(stored);
    free(stored);
    const char *id = tg_json_str(entry, "id");
    const char *value = tg_json_str(entry, "v");
    if (id == NULL) {
        cJSON_Delete(entry);
        return KITH_ERR_INVALID;
    }
    *custom_id_out = strdup(id);
    *value_out = value != NULL ? strdup(value) : NULL;
    cJSON_Delete(entry);
    if (*custom_id_out == NULL || (value != NULL && *value_out == NULL)) {
        free(*custom_id_out);
        free(*value_out);
        *custom_id_out = *value_out = NULL;
        return KITH_ERR_NOMEM;
    }
    return KITH_OK;
}
