/* The fake's modals: a type 9 callback checked as Discord checks it (a title, one to five rows
 * of one text input each, lengths), and what a member's submit of it carries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_discord.h"

#define TITLE_MAX 45
#define LABEL_MAX 45
#define VALUE_MAX 4000

static const cJSON *member(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static size_t chars(const char *s)
{
    size_t n = 0;
    for (; s != NULL && *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int number(const cJSON *obj, const char *name, int fallback)
{
    const cJSON *v = member(obj, name);
    return cJSON_IsNumber(v) ? v->valueint : fallback;
}

static bool refuse(struct fake_request *req, const char *why)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(body, "code", 50035);
    cJSON_AddStringToObject(body, "message", "Invalid Form Body");
    cJSON_AddStringToObject(body, "detail", why);
    fdc_respond(req, 400, NULL, body);
    return false;
}

static bool input_ok(struct fake_request *req, const cJSON *input)
{
    const char *custom_id = cJSON_GetStringValue(member(input, "custom_id"));
    const char *label = cJSON_GetStringValue(member(input, "label"));
    const char *value = cJSON_GetStringValue(member(input, "value"));
    int style = number(input, "style", 0);
    int min = number(input, "min_length", 0), max = number(input, "max_length", VALUE_MAX);
    if (number(input, "type", 0) != 4)
        return refuse(req, "a modal row holds a text input (type 4)");
    if (custom_id == NULL || strlen(custom_id) < 1 || strlen(custom_id) > 100)
        return refuse(req, "a text input needs a custom_id of 1-100 characters");
    if (label == NULL || chars(label) < 1 || chars(label) > LABEL_MAX)
        return refuse(req, "a text input needs a label of 1-45 characters");
    if (style != 1 && style != 2)
        return refuse(req, "a text input's style is 1 (short) or 2 (paragraph)");
    if (min < 0 || min > VALUE_MAX || max < 1 || max > VALUE_MAX || min > max)
        return refuse(req, "min_length 0-4000, max_length 1-4000, min <= max");
    if (value != NULL && chars(value) > (size_t)max)
        return refuse(req, "a prefilled value is longer than max_length");
    return true;
}

bool fdc_modal_check(struct fake_request *req, const cJSON *data)
{
    const char *custom_id = cJSON_GetStringValue(member(data, "custom_id"));
    const char *title = cJSON_GetStringValue(member(data, "title"));
    const cJSON *rows = member(data, "components");
    if (custom_id == NULL || strlen(custom_id) < 1 || strlen(custom_id) > 100)
        return refuse(req, "a modal needs a custom_id of 1-100 characters");
    if (title == NULL || chars(title) < 1 || chars(title) > TITLE_MAX)
        return refuse(req, "a modal needs a title of 1-45 characters");
    if (cJSON_GetArraySize(rows) < 1 || cJSON_GetArraySize(rows) > 5)
        return refuse(req, "a modal has 1 to 5 rows");
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const cJSON *items = member(row, "components");
        if (number(row, "type", 0) != 1 || cJSON_GetArraySize(items) != 1)
            return refuse(req, "each modal row is an action row with one text input");
        if (!input_ok(req, cJSON_GetArrayItem(items, 0)))
            return false;
    }
    return true;
}

/* One submitted row {type:1, components:[{type:4, custom_id, value}]}; NULL with *why when the
 * value could not have been submitted. */
static cJSON *submitted_row(const cJSON *input, const char *value, const char **why)
{
    size_t n = chars(value);
    bool required = !cJSON_IsFalse(member(input, "required")); /* Discord's default: required */
    if (required && n == 0) {
        *why = "a required field was left empty";
        return NULL;
    }
    if (n > 0 && (n < (size_t)number(input, "min_length", 0) ||
                  n > (size_t)number(input, "max_length", VALUE_MAX))) {
        *why = "a value is shorter than min_length or longer than max_length";
        return NULL;
    }
    cJSON *row = cJSON_CreateObject();
    cJSON_AddNumberToObject(row, "type", 1);
    cJSON *items = cJSON_AddArrayToObject(row, "components");
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "type", 4);
    cJSON_AddStringToObject(out, "custom_id", cJSON_GetStringValue(member(input, "custom_id")));
    cJSON_AddStringToObject(out, "value", value);
    cJSON_AddItemToArray(items, out);
    return row;
}

cJSON *fdc_modal_submit_data(const cJSON *modal, const cJSON *values, const char **why)
{
    const cJSON *rows = member(modal, "components");
    if (!cJSON_IsArray(values) || cJSON_GetArraySize(values) != cJSON_GetArraySize(rows)) {
        *why = "needs values: one string per text input of the modal";
        return NULL;
    }
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "custom_id", cJSON_GetStringValue(member(modal, "custom_id")));
    cJSON *out = cJSON_AddArrayToObject(data, "components");
    int i = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const char *value = cJSON_GetStringValue(cJSON_GetArrayItem(values, i++));
        cJSON *submitted = submitted_row(cJSON_GetArrayItem(member(row, "components"), 0),
                                         value != NULL ? value : "", why);
        if (submitted == NULL) {
            cJSON_Delete(data);
            return NULL;
        }
        cJSON_AddItemToArray(out, submitted);
    }
    return data;
}
