/* Forms as Discord modals: the type 9 callback that opens one (only as the first answer to a
 * command or a press, inside the 3 seconds), and a submitted modal's text inputs read back in
 * the form's field order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/discord/dc_ixn.h"

#define CALLBACK_MODAL 9
#define TYPE_ACTION_ROW 1
#define TYPE_TEXT_INPUT 4
#define STYLE_SHORT 1
#define STYLE_PARAGRAPH 2
#define CALLBACK_MARGIN_MS 500 /* the callback itself must land inside the deadline */

/* ---- Opening. ---- */

/* Discord counts lengths in characters. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* {type:1, components:[{type:4, custom_id:"f<index>", label, style, ...}]}; NULL on ENOMEM. */
static cJSON *field_row_new(const struct kith_form_field *f, size_t index)
{
    cJSON *row = cJSON_CreateObject();
    cJSON *input = cJSON_CreateObject();
    cJSON *items = row != NULL ? cJSON_AddArrayToObject(row, "components") : NULL;
    if (items == NULL || input == NULL || !cJSON_AddItemToArray(items, input)) {
        cJSON_Delete(input);
        cJSON_Delete(row);
        return NULL;
    }
    char custom_id[24];
    snprintf(custom_id, sizeof custom_id, "f%zu", index);
    bool ok =
        cJSON_AddNumberToObject(row, "type", TYPE_ACTION_ROW) &&
        cJSON_AddNumberToObject(input, "type", TYPE_TEXT_INPUT) &&
        cJSON_AddStringToObject(input, "custom_id", custom_id) &&
        cJSON_AddStringToObject(input, "label", f->label) &&
        cJSON_AddNumberToObject(input, "style", f->multiline ? STYLE_PARAGRAPH : STYLE_SHORT) &&
        cJSON_AddBoolToObject(input, "required", f->required);
    int max = f->max_length > 0 ? f->max_length : KITH_FORM_VALUE_MAX;
    ok = ok && (f->min_length <= 0 || cJSON_AddNumberToObject(input, "min_length", f->min_length));
    ok = ok && cJSON_AddNumberToObject(input, "max_length", max);
    ok = ok && (f->placeholder == NULL || f->placeholder[0] == '\0' ||
                cJSON_AddStringToObject(input, "placeholder", f->placeholder));
    /* Discord refuses the whole modal over a prefilled answer longer than max_length: the
     * member then starts from an empty field instead. */
    bool prefill = f->value != NULL && f->value[0] != '\0' && utf8_chars(f->value) <= (size_t)max;
    ok = ok && (!prefill || cJSON_AddStringToObject(input, "value", f->value));
    if (!ok) {
        cJSON_Delete(row);
        return NULL;
    }
    return row;
}

/* {type:9, data:{custom_id, title, components}}; NULL on ENOMEM. */
static cJSON *modal_body_new(const struct kith_form *form)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *data = body ? cJSON_AddObjectToObject(body, "data") : NULL;
    cJSON *rows = data ? cJSON_AddArrayToObject(data, "components") : NULL;
    bool ok = rows != NULL && cJSON_AddNumberToObject(body, "type", CALLBACK_MODAL) &&
              cJSON_AddStringToObject(data, "custom_id", form->custom_id) &&
              cJSON_AddStringToObject(data, "title", form->title);
    for (size_t i = 0; ok && i < form->field_count; i++) {
        cJSON *row = field_row_new(&form->fields[i], i);
        ok = row != NULL && cJSON_AddItemToArray(rows, row);
        if (!ok)
            cJSON_Delete(row);
    }
    if (!ok) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

static void modal_sent(struct dc *dc, const struct dc_reply *reply, void *ud)
{
    struct dc_ixn *x = ud;
    (void)dc;
    x->in_flight--;
    if (reply->err != KITH_OK && reply->err != KITH_ERR_CANCELLED)
        kith_log(KITH_LOG_WARN, DC_PLATFORM, "the form for interaction %s did not open: %s", x->id,
                 reply->detail ? reply->detail : kith_strerror(reply->err));
    dc_ixn_maybe_free(x);
}

kith_err dc_show_form(struct kith_platform *p, const struct kith_event *ev,
                      const struct kith_form *form)
{
    struct dc *dc = dc_of(p);
    if (ev->priv == NULL || ev->priv->platform != p || ev->priv->data == NULL)
        return KITH_ERR_UNSUPPORTED; /* not an interaction: a typed command or a reaction */
    struct dc_ixn *x = ev->priv->data;
    if (x->table != dc->ixns)
        return KITH_ERR_INVALID;
    if (x->table->stopping)
        return KITH_ERR_BUSY;
    /* Discord opens a modal only as the first answer, and never in answer to another modal. */
    uint64_t age = uv_now(dc->loop) - x->received_at;
    if (x->state != DC_IXN_OPEN || x->type == DC_IXN_TYPE_MODAL_SUBMIT ||
        age + CALLBACK_MARGIN_MS >= DC_INTERACTION_DEADLINE_MS)
        return KITH_ERR_UNSUPPORTED;
    cJSON *body = modal_body_new(form);
    if (body == NULL)
        return KITH_ERR_NOMEM;
    char path[256];
    snprintf(path, sizeof path, "/interactions/%s/%s/callback", x->id, x->token);
    const struct dc_rest_opts opts = {
        .method = "POST", .path = path, .json = body, .interaction_token = x->token};
    kith_err err = dc_rest_call(dc, &opts, modal_sent, x);
    cJSON_Delete(body);
    if (err != KITH_OK)
        return err;
    x->in_flight++;
    x->state = DC_IXN_MODAL;
    uv_timer_stop(x->timer);
    return KITH_OK;
}

/* ---- Reading a submit. ---- */

/* The field index of a text input kith rendered ("f<index>"), or -1. */
static long field_index(const char *custom_id)
{
    if (custom_id == NULL || custom_id[0] != 'f' || custom_id[1] < '0' || custom_id[1] > '9')
        return -1;
    char *end = NULL;
    long index = strtol(custom_id + 1, &end, 10);
    return *end == '\0' && index < KITH_FORM_FIELDS_MAX ? index : -1;
}

void dc_form_values(struct dc_event_build *b, const cJSON *rows)
{
    const char *values[KITH_FORM_FIELDS_MAX] = {0};
    size_t count = 0;
    const cJSON *row, *input;
    cJSON_ArrayForEach(row, rows)
    {
        cJSON_ArrayForEach(input, cJSON_GetObjectItemCaseSensitive(row, "components"))
        {
            long index = field_index(dc_json_str(input, "custom_id"));
            const char *value = dc_json_str(input, "value");
            if (index < 0)
                continue; /* not one of kith's inputs */
            values[index] = value != NULL ? value : "";
            if ((size_t)index + 1 > count)
                count = (size_t)index + 1;
        }
    }
    if (count == 0)
        return;
    if ((b->values = calloc(count, sizeof *b->values)) == NULL) {
        b->failed = true;
        return;
    }
    for (size_t i = 0; i < count; i++)
        b->values[i] = dc_event_build_keep(b, values[i] != NULL ? values[i] : "");
    b->ev.component.values = b->values;
    b->ev.component.value_count = count;
}
