/* Matrix has no buttons: a message's buttons and select options become numbered choices that
 * members answer with a reaction (1️⃣..🔟) or "!vote N". This file remembers, per message the
 * bot sent, which routed custom id each number stands for, kept in the store so answers after
 * a restart still reach their plugin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/log.h"
#include "platform/matrix/matrix.h"
#include "store/core_tables.h"

#define CHOICES_SCOPE "matrix.choices" /* event id -> {"room", "choices": [{"id", "value"?}]} */
#define LATEST_SCOPE "matrix.choices.latest" /* room id -> event id of the newest choices */
#define NUMBER_MAX 99

static const char *const keycaps[] = {
    NULL,
    "1\xEF\xB8\x8F\xE2\x83\xA3",
    "2\xEF\xB8\x8F\xE2\x83\xA3",
    "3\xEF\xB8\x8F\xE2\x83\xA3",
    "4\xEF\xB8\x8F\xE2\x83\xA3",
    "5\xEF\xB8\x8F\xE2\x83\xA3",
    "6\xEF\xB8\x8F\xE2\x83\xA3",
    "7\xEF\xB8\x8F\xE2\x83\xA3",
    "8\xEF\xB8\x8F\xE2\x83\xA3",
    "9\xEF\xB8\x8F\xE2\x83\xA3",
    "\xF0\x9F\x94\x9F", /* 🔟 */
};

const char *mx_choices_keycap(int number)
{
    return number >= 1 && number <= 10 ? keycaps[number] : NULL;
}

int mx_choices_number_from_key(const char *key)
{
    if (key == NULL)
        return 0;
    for (int n = 1; n <= 10; n++)
        if (strcmp(key, keycaps[n]) == 0)
            return n;
    /* A keycap without the variation selector: digit, U+20E3. */
    if (key[0] >= '1' && key[0] <= '9' && strcmp(key + 1, "\xE2\x83\xA3") == 0)
        return key[0] - '0';
    int n = 0;
    for (const char *p = key; *p; p++) {
        if (*p < '0' || *p > '9' || n > NUMBER_MAX)
            return 0;
        n = n * 10 + (*p - '0');
    }
    return n <= NUMBER_MAX ? n : 0;
}

static bool add_choice(cJSON *list, const char *custom_id, const char *value)
{
    cJSON *c = cJSON_CreateObject();
    if (c == NULL || !cJSON_AddStringToObject(c, "id", custom_id) ||
        (value != NULL && !cJSON_AddStringToObject(c, "value", value))) {
        cJSON_Delete(c);
        return false;
    }
    return cJSON_AddItemToArray(list, c);
}

/* Numbered in the order mx_render shows them: buttons, then select options. */
static cJSON *choices_new(const kith_message *msg)
{
    cJSON *list = cJSON_CreateArray();
    bool ok = list != NULL;
    for (size_t i = 0; ok && i < msg->button_count; i++)
        if (msg->buttons[i].custom_id != NULL)
            ok = add_choice(list, msg->buttons[i].custom_id, NULL);
    for (size_t i = 0; ok && msg->select != NULL && i < msg->select->option_count; i++)
        ok = add_choice(list, msg->select->custom_id, msg->select->options[i].value);
    if (!ok) {
        cJSON_Delete(list);
        return NULL;
    }
    return list;
}

kith_err mx_choices_remember(struct mx *mx, const char *room_id, const char *event_id,
                             const kith_message *msg, bool edited)
{
    cJSON *list = choices_new(msg);
    if (list == NULL)
        return KITH_ERR_NOMEM;
    if (cJSON_GetArraySize(list) == 0) {
        cJSON_Delete(list);
        /* An edit that took the buttons away closes the choices, as on other platforms. */
        return edited ? kith_db_state_set(mx->core->store, CHOICES_SCOPE, event_id, "{}") : KITH_OK;
    }
    cJSON *saved = cJSON_CreateObject();
    char *text = NULL;
    if (saved != NULL && cJSON_AddStringToObject(saved, "room", room_id)) {
        cJSON_AddItemToObject(saved, "choices", list);
        list = NULL;
        text = cJSON_PrintUnformatted(saved);
    }
    cJSON_Delete(list);
    cJSON_Delete(saved);
    if (text == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = kith_db_state_set(mx->core->store, CHOICES_SCOPE, event_id, text);
    free(text);
    if (err == KITH_OK)
        err = kith_db_state_set(mx->core->store, LATEST_SCOPE, room_id, event_id);
    return err;
}

static kith_err copy_choice(const cJSON *choice, char **custom_id_out, char **value_out)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(choice, "id");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(choice, "value");
    if (!cJSON_IsString(id))
        return KITH_ERR_NOT_FOUND;
    *custom_id_out = strdup(id->valuestring);
    *value_out = cJSON_IsString(value) ? strdup(value->valuestring) : NULL;
    if (*custom_id_out == NULL || (cJSON_IsString(value) && *value_out == NULL)) {
        free(*custom_id_out);
        free(*value_out);
        return KITH_ERR_NOMEM;
    }
    return KITH_OK;
}

kith_err mx_choices_lookup(struct mx *mx, const char *room_id, const char *event_id, int number,
                           char **custom_id_out, char **value_out, char **event_id_out)
{
    *custom_id_out = *value_out = *event_id_out = NULL;
    char *latest = NULL;
    if (event_id == NULL) {
        kith_err err = kith_db_state_get(mx->core->store, LATEST_SCOPE, room_id, &latest);
        if (err != KITH_OK)
            return err;
        event_id = latest;
    }
    char *text = NULL;
    kith_err err = kith_db_state_get(mx->core->store, CHOICES_SCOPE, event_id, &text);
    cJSON *saved = err == KITH_OK ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *room = cJSON_GetObjectItemCaseSensitive(saved, "room");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(saved, "choices");
    if (err == KITH_OK) {
        /* A number that is not on the message, or a message of another room, is no answer. */
        bool here = cJSON_IsString(room) && strcmp(room->valuestring, room_id) == 0;
        err = here && number >= 1 && number <= cJSON_GetArraySize(list)
                  ? copy_choice(cJSON_GetArrayItem(list, number - 1), custom_id_out, value_out)
                  : KITH_ERR_NOT_FOUND;
    }
    if (err == KITH_OK && (*event_id_out = strdup(event_id)) == NULL) {
        free(*custom_id_out);
        free(*value_out);
        *custom_id_out = *value_out = NULL;
        err = KITH_ERR_NOMEM;
    }
    cJSON_Delete(saved);
    free(latest);
    return err;
}
