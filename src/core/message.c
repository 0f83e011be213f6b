/* The portable message builder: validated, owned copies of what a plugin wants to say,
 * kept until an adapter renders them. */
#include "core/message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmdparse.h"
#include "core/strbuf.h"

kith_message *kith_message_new(void)
{
    return calloc(1, sizeof(struct kith_message));
}

kith_message *kith_message_new_owned(const char *owner)
{
    kith_message *msg = kith_message_new();
    if (msg != NULL)
        msg->owner = owner;
    return msg;
}

/* The stored form of a custom id: "<owner>:<id>", checked against the platform limit. */
static kith_err routed_id(const kith_message *msg, const char *custom_id, char *buf, size_t size)
{
    if (custom_id == NULL || custom_id[0] == '\0')
        return KITH_ERR_INVALID;
    int n = msg->owner ? snprintf(buf, size, "%s:%s", msg->owner, custom_id)
                       : snprintf(buf, size, "%s", custom_id);
    if (n < 0 || (size_t)n >= size || (size_t)n > KITH_CUSTOM_ID_MAX)
        return KITH_ERR_LIMIT;
    return KITH_OK;
}

static void free_select(struct kith_message_select *select)
{
    if (select == NULL)
        return;
    for (size_t i = 0; i < select->option_count; i++) {
        free(select->options[i].value);
        free(select->options[i].label);
        free(select->options[i].description);
    }
    free(select->options);
    free(select->custom_id);
    free(select->placeholder);
    free(select);
}

static void free_poll(struct kith_message_poll *poll)
{
    if (poll == NULL)
        return;
    for (size_t i = 0; i < poll->answer_count; i++)
        free(poll->answers[i]);
    free(poll->answers);
    free(poll->question);
    free(poll);
}

static void free_attachment(struct kith_message_attachment *att)
{
    if (att == NULL)
        return;
    free(att->filename);
    free(att->content_type);
    free(att->data);
    free(att);
}

void kith_message_free(kith_message *msg)
{
    if (msg == NULL)
        return;
    free(msg->text);
    free(msg->title);
    for (size_t i = 0; i < msg->field_count; i++) {
        free(msg->fields[i].name);
        free(msg->fields[i].value);
    }
    free(msg->fields);
    for (size_t i = 0; i < msg->button_count; i++) {
        free(msg->buttons[i].custom_id);
        free(msg->buttons[i].url);
        free(msg->buttons[i].label);
    }
    free(msg->buttons);
    free_select(msg->select);
    free_poll(msg->poll);
    free_attachment(msg->attachment);
    free(msg);
}

/* Platforms refuse (Discord, Telegram) or mangle (Matrix) text that is not UTF-8: refused
 * here, where the plugin that built it learns of it. NULL is fine (an optional text). */
static bool utf8_ok(const char *text)
{
    return text == NULL || kith_utf8_valid(text, strlen(text));
}

/* Platforms count labels, titles and poll texts in characters, not bytes: "Größe" is five.
 * (Only valid UTF-8 is measured; NULL is 0.) */
static size_t chars(const char *text)
{
    return text == NULL ? 0 : kith_utf8_length(text);
}

/* Copies `text` into *slot when it is non-empty, UTF-8 and within max (bytes, or characters
 * when in_chars). */
static kith_err set_string(char **slot, const char *text, size_t max, bool in_chars)
{
    if (text == NULL || text[0] == '\0' || !utf8_ok(text))
        return KITH_ERR_INVALID;
    if ((in_chars ? chars(text) : strlen(text)) > max)
        return KITH_ERR_LIMIT;
    char *copy = strdup(text);
    if (copy == NULL)
        return KITH_ERR_NOMEM;
    free(*slot);
    *slot = copy;
    return KITH_OK;
}

/* strdup that accepts NULL (returning NULL with *ok untouched) and flags allocation failure. */
static char *dup_optional(const char *s, bool *ok)
{
    if (s == NULL)
        return NULL;
    char *copy = strdup(s);
    if (copy == NULL)
        *ok = false;
    return copy;
}

kith_err kith_message_set_text(kith_message *msg, const char *text)
{
    return set_string(&msg->text, text, KITH_MESSAGE_TEXT_MAX, false);
}

kith_err kith_message_set_title(kith_message *msg, const char *title)
{
    return set_string(&msg->title, title, KITH_MESSAGE_TITLE_MAX, true);
}

kith_err kith_message_add_field(kith_message *msg, const char *name, const char *value,
                                bool is_inline)
{
    if (name == NULL || value == NULL || name[0] == '\0' || !utf8_ok(name) || !utf8_ok(value))
        return KITH_ERR_INVALID;
    if (msg->field_count == KITH_MESSAGE_FIELDS_MAX || chars(name) > KITH_MESSAGE_TITLE_MAX ||
        chars(value) > 1024)
        return KITH_ERR_LIMIT;
    struct kith_message_field *grown = realloc(msg->fields, (msg->field_count + 1) * sizeof *grown);
    if (grown == NULL)
        return KITH_ERR_NOMEM;
    msg->fields = grown;
    struct kith_message_field field = {strdup(name), strdup(value), is_inline};
    if (field.name == NULL || field.value == NULL) {
        free(field.name);
        free(field.value);
        return KITH_ERR_NOMEM;
    }
    msg->fields[msg->field_count++] = field;
    return KITH_OK;
}

static bool custom_id_in_use(const kith_message *msg, const char *custom_id)
{
    for (size_t i = 0; i < msg->button_count; i++)
        if (msg->buttons[i].custom_id && strcmp(msg->buttons[i].custom_id, custom_id) == 0)
            return true;
    return msg->select != NULL && strcmp(msg->select->custom_id, custom_id) == 0;
}

static kith_err append_button(kith_message *msg, const char *custom_id, const char *url,
                              const char *label, kith_button_style style)
{
    if (label == NULL || label[0] == '\0' || !utf8_ok(label) || !utf8_ok(custom_id))
        return KITH_ERR_INVALID;
    if (msg->button_count == KITH_MESSAGE_BUTTONS_MAX || chars(label) > KITH_BUTTON_LABEL_MAX)
        return KITH_ERR_LIMIT;
    struct kith_message_button *grown =
        realloc(msg->buttons, (msg->button_count + 1) * sizeof *grown);
    if (grown == NULL)
        return KITH_ERR_NOMEM;
    msg->buttons = grown;
    bool ok = true;
    struct kith_message_button button = {dup_optional(custom_id, &ok), dup_optional(url, &ok),
                                         dup_optional(label, &ok), style};
    if (!ok) {
        free(button.custom_id);
        free(button.url);
        free(button.label);
        return KITH_ERR_NOMEM;
    }
    msg->buttons[msg->button_count++] = button;
    return KITH_OK;
}

kith_err kith_message_add_button(kith_message *msg, const char *custom_id, const char *label,
                                 kith_button_style style)
{
    if (style < KITH_BUTTON_PRIMARY || style > KITH_BUTTON_DANGER)
        return KITH_ERR_INVALID;
    char id[KITH_CUSTOM_ID_MAX + 2];
    kith_err err = routed_id(msg, custom_id, id, sizeof id);
    if (err != KITH_OK)
        return err;
    if (custom_id_in_use(msg, id))
        return KITH_ERR_EXISTS;
    return append_button(msg, id, NULL, label, style);
}

kith_err kith_message_add_link_button(kith_message *msg, const char *url, const char *label)
{
    if (url == NULL || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return KITH_ERR_INVALID;
    if (strlen(url) > 512)
        return KITH_ERR_LIMIT;
    return append_button(msg, NULL, url, label, KITH_BUTTON_SECONDARY);
}

kith_err kith_message_set_select(kith_message *msg, const char *custom_id, const char *placeholder,
                                 int min_values, int max_values)
{
    if (min_values < 0 || max_values < (min_values > 1 ? min_values : 1) || !utf8_ok(placeholder) ||
        !utf8_ok(custom_id))
        return KITH_ERR_INVALID;
    char id[KITH_CUSTOM_ID_MAX + 2];
    kith_err err = routed_id(msg, custom_id, id, sizeof id);
    if (err != KITH_OK)
        return err;
    if (max_values > KITH_SELECT_OPTIONS_MAX || chars(placeholder) > 150)
        return KITH_ERR_LIMIT;
    if (msg->select != NULL)
        return KITH_ERR_EXISTS;
    custom_id = id;
    for (size_t i = 0; i < msg->button_count; i++)
        if (msg->buttons[i].custom_id && strcmp(msg->buttons[i].custom_id, custom_id) == 0)
            return KITH_ERR_EXISTS;
    struct kith_message_select *select = calloc(1, sizeof *select);
    if (select == NULL)
        return KITH_ERR_NOMEM;
    bool ok = true;
    select->custom_id = dup_optional(custom_id, &ok);
    select->placeholder = dup_optional(placeholder, &ok);
    select->min_values = min_values;
    select->max_values = max_values;
    if (!ok) {
        free_select(select);
        return KITH_ERR_NOMEM;
    }
    msg->select = select;
    return KITH_OK;
}

kith_err kith_message_add_select_option(kith_message *msg, const char *value, const char *label,
                                        const char *description)
{
    struct kith_message_select *select = msg->select;
    if (select == NULL || value == NULL || label == NULL || value[0] == '\0' || label[0] == '\0' ||
        !utf8_ok(value) || !utf8_ok(label) || !utf8_ok(description))
        return KITH_ERR_INVALID;
    if (select->option_count == KITH_SELECT_OPTIONS_MAX || strlen(value) > 100 ||
        chars(label) > 100 || chars(description) > 100)
        return KITH_ERR_LIMIT;
    for (size_t i = 0; i < select->option_count; i++)
        if (strcmp(select->options[i].value, value) == 0)
            return KITH_ERR_EXISTS;
    struct kith_message_select_option *grown =
        realloc(select->options, (select->option_count + 1) * sizeof *grown);
    if (grown == NULL)
        return KITH_ERR_NOMEM;
    select->options = grown;
    bool ok = true;
    struct kith_message_select_option option = {dup_optional(value, &ok), dup_optional(label, &ok),
                                                dup_optional(description, &ok)};
    if (!ok) {
        free(option.value);
        free(option.label);
        free(option.description);
        return KITH_ERR_NOMEM;
    }
    select->options[select->option_count++] = option;
    return KITH_OK;
}

kith_err kith_message_set_poll(kith_message *msg, const struct kith_native_poll *spec)
{
    if (spec == NULL || spec->question == NULL || spec->question[0] == '\0' ||
        !utf8_ok(spec->question) || spec->answer_count < 2 || spec->duration_s < 0)
        return KITH_ERR_INVALID;
    if (spec->answer_count > KITH_POLL_ANSWERS_MAX || chars(spec->question) > 300)
        return KITH_ERR_LIMIT;
    for (size_t i = 0; i < spec->answer_count; i++) {
        if (spec->answers[i] == NULL || spec->answers[i][0] == '\0' || !utf8_ok(spec->answers[i]))
            return KITH_ERR_INVALID;
        if (chars(spec->answers[i]) > 100)
            return KITH_ERR_LIMIT;
    }
    struct kith_message_poll *poll = calloc(1, sizeof *poll);
    if (poll == NULL)
        return KITH_ERR_NOMEM;
    bool ok = true;
    poll->question = dup_optional(spec->question, &ok);
    poll->answers = calloc(spec->answer_count, sizeof *poll->answers);
    if (poll->answers == NULL)
        ok = false;
    for (size_t i = 0; ok && i < spec->answer_count; i++) {
        poll->answers[i] = dup_optional(spec->answers[i], &ok);
        poll->answer_count = i + 1;
    }
    if (!ok) {
        free_poll(poll);
        return KITH_ERR_NOMEM;
    }
    poll->allow_multiple = spec->allow_multiple;
    poll->anonymous = spec->anonymous;
    poll->duration_s = spec->duration_s;
    free_poll(msg->poll);
    msg->poll = poll;
    return KITH_OK;
}

kith_err kith_message_set_ephemeral(kith_message *msg, bool ephemeral)
{
    msg->ephemeral = ephemeral;
    return KITH_OK;
}

kith_err kith_message_attach_file(kith_message *msg, const char *filename, const char *content_type,
                                  const void *data, size_t len)
{
    if (filename == NULL || filename[0] == '\0' || strchr(filename, '/') != NULL ||
        !utf8_ok(filename) || !utf8_ok(content_type) || (data == NULL && len > 0))
        return KITH_ERR_INVALID;
    if (len > KITH_ATTACHMENT_MAX || strlen(filename) > 128)
        return KITH_ERR_LIMIT;
    struct kith_message_attachment *att = calloc(1, sizeof *att);
    if (att == NULL)
        return KITH_ERR_NOMEM;
    bool ok = true;
    att->filename = dup_optional(filename, &ok);
    att->content_type = dup_optional(content_type ? content_type : "application/octet-stream", &ok);
    att->data = malloc(len + 1); /* +1: a zero-length file still gets a valid pointer */
    if (!ok || att->data == NULL) {
        free_attachment(att);
        return KITH_ERR_NOMEM;
    }
    if (len > 0)
        memcpy(att->data, data, len);
    att->len = len;
    free_attachment(msg->attachment);
    msg->attachment = att;
    return KITH_OK;
}

char *kith_message_render_plain(const kith_message *msg)
{
    struct kith_strbuf out = {0};
    if (msg->title)
        kith_strbuf_appendf(&out, "%s\n", msg->title);
    if (msg->text)
        kith_strbuf_appendf(&out, "%s\n", msg->text);
    for (size_t i = 0; i < msg->field_count; i++)
        kith_strbuf_appendf(&out, "%s: %s\n", msg->fields[i].name, msg->fields[i].value);
    size_t choice = 0;
    for (size_t i = 0; i < msg->button_count; i++) {
        if (msg->buttons[i].url)
            kith_strbuf_appendf(&out, "%s: %s\n", msg->buttons[i].label, msg->buttons[i].url);
        else
            kith_strbuf_appendf(&out, "[%zu] %s\n", ++choice, msg->buttons[i].label);
    }
    if (msg->select) {
        for (size_t i = 0; i < msg->select->option_count; i++)
            kith_strbuf_appendf(&out, "[%zu] %s\n", ++choice, msg->select->options[i].label);
    }
    if (msg->poll) {
        kith_strbuf_appendf(&out, "%s\n", msg->poll->question);
        for (size_t i = 0; i < msg->poll->answer_count; i++)
            kith_strbuf_appendf(&out, "%zu. %s\n", i + 1, msg->poll->answers[i]);
    }
    if (msg->attachment)
        kith_strbuf_appendf(&out, "(file: %s)\n", msg->attachment->filename);
    if (out.len > 0 && out.data[out.len - 1] == '\n')
        out.data[--out.len] = '\0';
    return kith_strbuf_take(&out);
}

/* Copies every part through the same validated setters, so a copy can never be invalid. */
kith_message *kith_message_dup(const kith_message *msg)
{
    kith_message *copy = kith_message_new(); /* no owner yet: the ids are already routed */
    if (copy == NULL)
        return NULL;
    kith_err err = KITH_OK;
    if (msg->text)
        err = kith_message_set_text(copy, msg->text);
    if (err == KITH_OK && msg->title)
        err = kith_message_set_title(copy, msg->title);
    for (size_t i = 0; err == KITH_OK && i < msg->field_count; i++)
        err = kith_message_add_field(copy, msg->fields[i].name, msg->fields[i].value,
                                     msg->fields[i].is_inline);
    for (size_t i = 0; err == KITH_OK && i < msg->button_count; i++) {
        const struct kith_message_button *b = &msg->buttons[i];
        err = b->url ? kith_message_add_link_button(copy, b->url, b->label)
                     : kith_message_add_button(copy, b->custom_id, b->label, b->style);
    }
    if (err == KITH_OK && msg->select) {
        const struct kith_message_select *s = msg->select;
        err = kith_message_set_select(copy, s->custom_id, s->placeholder, s->min_values,
                                      s->max_values);
        for (size_t i = 0; err == KITH_OK && i < s->option_count; i++)
            err = kith_message_add_select_option(copy, s->options[i].value, s->options[i].label,
                                                 s->options[i].description);
    }
    if (err == KITH_OK && msg->poll) {
        struct kith_native_poll spec = {
            msg->poll->question,     (const char *const *)msg->poll->answers,
            msg->poll->answer_count, msg->poll->allow_multiple,
            msg->poll->anonymous,    msg->poll->duration_s};
        err = kith_message_set_poll(copy, &spec);
    }
    if (err == KITH_OK && msg->attachment)
        err =
            kith_message_attach_file(copy, msg->attachment->filename, msg->attachment->content_type,
                                     msg->attachment->data, msg->attachment->len);
    copy->ephemeral = msg->ephemeral;
    copy->owner = msg->owner;
    if (err != KITH_OK) {
        kith_message_free(copy);
        return NULL;
    }
    return copy;
}
