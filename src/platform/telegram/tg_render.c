/* The portable message as Telegram shows it: plain text with bold entities for the title and
 * field names (no markup to escape or break), an inline keyboard for buttons and select
 * options, and sendPoll's fields for a native poll. */
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "platform/telegram/tg_internal.h"

#define ROW_BUTTONS 5
#define ROW_LABEL_CHARS 32 /* past this many label characters a row wraps (phone screens) */
#define POLL_QUESTION_MAX 300
#define POLL_OPTION_MAX 100
#define OPEN_PERIOD_MIN 5
#define OPEN_PERIOD_MAX 600

static size_t char_units(unsigned char lead)
{
    return lead >= 0xF0 ? 2 : 1; /* four-byte sequences are surrogate pairs in UTF-16 */
}

static size_t char_bytes(unsigned char lead)
{
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

size_t tg_utf16_len(const char *s)
{
    size_t units = 0;
    for (size_t i = 0; s[i] != '\0';) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80)
            units += char_units(c);
        i++;
    }
    return units;
}

size_t tg_utf8_prefix(const char *s, size_t max_units)
{
    size_t i = 0, units = 0;
    while (s[i] != '\0') {
        unsigned char c = (unsigned char)s[i];
        size_t u = char_units(c), n = char_bytes(c);
        if (units + u > max_units)
            break;
        units += u;
        for (size_t k = 0; k < n && s[i] != '\0'; k++)
            i++;
    }
    return i;
}

/* ---- Text and entities. ---- */

struct text_build {
    struct kith_strbuf sb;
    size_t units;
    cJSON *entities;
    bool failed;
};

static void append(struct text_build *tb, const char *text, bool bold)
{
    if (text == NULL || text[0] == '\0')
        return;
    size_t units = tg_utf16_len(text);
    if (bold) {
        cJSON *e = cJSON_CreateObject();
        if (e == NULL || !cJSON_AddItemToArray(tb->entities, e) ||
            cJSON_AddStringToObject(e, "type", "bold") == NULL ||
            cJSON_AddNumberToObject(e, "offset", (double)tb->units) == NULL ||
            cJSON_AddNumberToObject(e, "length", (double)units) == NULL)
            tb->failed = true;
    }
    kith_strbuf_append(&tb->sb, text);
    tb->units += units;
}

static void separate(struct text_build *tb, const char *sep)
{
    if (tb->units > 0)
        append(tb, sep, false);
}

/* Cuts *text to max_units with an ellipsis; entities past the cut are shortened or dropped. */
static kith_err cut(struct text_build *tb, char **text, size_t max_units)
{
    if (tb->units <= max_units)
        return KITH_OK;
    size_t keep = max_units - 1;
    size_t bytes = tg_utf8_prefix(*text, keep);
    char *shorter = malloc(bytes + 4);
    if (shorter == NULL)
        return KITH_ERR_NOMEM;
    memcpy(shorter, *text, bytes);
    memcpy(shorter + bytes, "\xE2\x80\xA6", 4); /* "…" and the NUL */
    free(*text);
    *text = shorter;
    for (int i = cJSON_GetArraySize(tb->entities) - 1; i >= 0; i--) {
        cJSON *e = cJSON_GetArrayItem(tb->entities, i);
        size_t offset = (size_t)tg_json_int(e, "offset", 0);
        size_t length = (size_t)tg_json_int(e, "length", 0);
        if (offset >= keep)
            cJSON_DeleteItemFromArray(tb->entities, i);
        else if (offset + length > keep)
            cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "length"),
                                 (double)(keep - offset));
    }
    return KITH_OK;
}

static const char *fallback_text(const kith_message *msg)
{
    if (msg->select != NULL && msg->select->placeholder != NULL)
        return msg->select->placeholder;
    return msg->button_count > 0 || msg->select != NULL ? "Choose:" : NULL;
}

kith_err tg_render_text(const kith_message *msg, size_t max_units, cJSON *params,
                        const char *text_key, const char *entities_key, bool *empty_out)
{
    struct text_build tb = {.entities = cJSON_CreateArray()};
    if (tb.entities == NULL)
        return KITH_ERR_NOMEM;
    append(&tb, msg->title, true);
    separate(&tb, "\n");
    append(&tb, msg->text, false);
    for (size_t i = 0; i < msg->field_count; i++) {
        separate(&tb, "\n\n");
        append(&tb, msg->fields[i].name, true);
        append(&tb, "\n", false);
        append(&tb, msg->fields[i].value, false);
    }
    if (tb.units == 0)
        append(&tb, fallback_text(msg), false);
    *empty_out = tb.units == 0;
    char *text = kith_strbuf_take(&tb.sb);
    kith_err err = text == NULL || tb.failed ? KITH_ERR_NOMEM : KITH_OK;
    if (err == KITH_OK && !*empty_out)
        err = cut(&tb, &text, max_units);
    if (err == KITH_OK && !*empty_out) {
        if (cJSON_AddStringToObject(params, text_key, text) == NULL)
            err = KITH_ERR_NOMEM;
        else if (cJSON_GetArraySize(tb.entities) > 0 &&
                 cJSON_AddItemToObject(params, entities_key, tb.entities))
            tb.entities = NULL;
    }
    free(text);
    cJSON_Delete(tb.entities);
    return err;
}

/* ---- Inline keyboard. ---- */

static kith_err add_button(struct tg *tg, cJSON *row, const char *label, const char *custom_id,
                           const char *value, const char *url)
{
    cJSON *b = cJSON_CreateObject();
    if (b == NULL || !cJSON_AddItemToArray(row, b) || !cJSON_AddStringToObject(b, "text", label))
        return KITH_ERR_NOMEM;
    if (url != NULL)
        return cJSON_AddStringToObject(b, "url", url) ? KITH_OK : KITH_ERR_NOMEM;
    char data[TG_CALLBACK_DATA_MAX + 1];
    kith_err err = tg_cbdata_encode(tg, custom_id, value, data);
    if (err == KITH_OK && cJSON_AddStringToObject(b, "callback_data", data) == NULL)
        err = KITH_ERR_NOMEM;
    return err;
}

static cJSON *new_row(cJSON *keyboard)
{
    cJSON *row = cJSON_CreateArray();
    if (row != NULL && !cJSON_AddItemToArray(keyboard, row)) {
        cJSON_Delete(row);
        return NULL;
    }
    return row;
}

static kith_err add_buttons(struct tg *tg, const kith_message *msg, cJSON *keyboard)
{
    cJSON *row = NULL;
    size_t in_row = 0, row_chars = 0;
    for (size_t i = 0; i < msg->button_count; i++) {
        const struct kith_message_button *btn = &msg->buttons[i];
        size_t chars = tg_utf16_len(btn->label);
        if (row == NULL || in_row == ROW_BUTTONS || row_chars + chars > ROW_LABEL_CHARS) {
            if ((row = new_row(keyboard)) == NULL)
                return KITH_ERR_NOMEM;
            in_row = row_chars = 0;
        }
        kith_err err = add_button(tg, row, btn->label, btn->custom_id, NULL, btn->url);
        if (err != KITH_OK)
            return err;
        in_row++;
        row_chars += chars;
    }
    return KITH_OK;
}

/* Telegram has no select menu: each option is a button of its own row. */
static kith_err add_select(struct tg *tg, const struct kith_message_select *select, cJSON *keyboard)
{
    for (size_t i = 0; i < select->option_count; i++) {
        const struct kith_message_select_option *opt = &select->options[i];
        cJSON *row = new_row(keyboard);
        kith_err err = row ? add_button(tg, row, opt->label, select->custom_id, opt->value, NULL)
                           : KITH_ERR_NOMEM;
        if (err != KITH_OK)
            return err;
    }
    return KITH_OK;
}

kith_err tg_render_keyboard(struct tg *tg, const kith_message *msg, cJSON *params)
{
    if (msg->button_count == 0 && msg->select == NULL)
        return KITH_OK;
    cJSON *markup = cJSON_AddObjectToObject(params, "reply_markup");
    cJSON *keyboard = markup ? cJSON_AddArrayToObject(markup, "inline_keyboard") : NULL;
    if (keyboard == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = add_buttons(tg, msg, keyboard);
    if (err == KITH_OK && msg->select != NULL)
        err = add_select(tg, msg->select, keyboard);
    return err;
}

/* ---- Native polls. ---- */

kith_err tg_render_poll(const struct kith_message_poll *poll, cJSON *params, const char **why_out)
{
    *why_out = NULL;
    if (poll->answer_count < 2 || poll->answer_count > TG_POLL_OPTIONS_MAX) {
        *why_out = "a Telegram poll has 2 to 12 answers";
        return KITH_ERR_LIMIT;
    }
    if (tg_utf16_len(poll->question) > POLL_QUESTION_MAX) {
        *why_out = "a Telegram poll question has at most 300 characters";
        return KITH_ERR_LIMIT;
    }
    cJSON *options = cJSON_AddArrayToObject(params, "options");
    if (options == NULL || cJSON_AddStringToObject(params, "question", poll->question) == NULL)
        return KITH_ERR_NOMEM;
    for (size_t i = 0; i < poll->answer_count; i++) {
        if (tg_utf16_len(poll->answers[i]) > POLL_OPTION_MAX) {
            *why_out = "a Telegram poll answer has at most 100 characters";
            return KITH_ERR_LIMIT;
        }
        cJSON *opt = cJSON_CreateObject();
        if (opt == NULL || !cJSON_AddItemToArray(options, opt) ||
            cJSON_AddStringToObject(opt, "text", poll->answers[i]) == NULL)
            return KITH_ERR_NOMEM;
    }
    if (cJSON_AddBoolToObject(params, "is_anonymous", poll->anonymous) == NULL ||
        cJSON_AddBoolToObject(params, "allows_multiple_answers", poll->allow_multiple) == NULL)
        return KITH_ERR_NOMEM;
    /* Telegram closes a poll by itself only within 5..600 s; longer ones are closed by the
     * plugin (an edit, which stops the poll). */
    if (poll->duration_s >= OPEN_PERIOD_MIN && poll->duration_s <= OPEN_PERIOD_MAX &&
        cJSON_AddNumberToObject(params, "open_period", (double)poll->duration_s) == NULL)
        return KITH_ERR_NOMEM;
    return KITH_OK;
}
