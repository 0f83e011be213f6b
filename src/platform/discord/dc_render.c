/* The portable message as Discord draws it: content (or an embed for long text, titles and
 * fields), action rows of buttons and a string select, the native poll object, attachments as
 * multipart uploads, and allowed_mentions that never ping anyone from echoed text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/discord/dc_internal.h"

#define CONTENT_MAX 2000     /* characters of message content */
#define DESCRIPTION_MAX 4096 /* characters of an embed description */
#define FIELD_NAME_MAX 256
#define FIELD_VALUE_MAX 1024
#define ROW_BUTTONS 5
#define ROWS_MAX 5
#define POLL_ANSWERS_MAX 10
#define POLL_QUESTION_MAX 300
#define POLL_ANSWER_MAX 55
#define POLL_HOURS_MAX 768 /* 32 days */
#define BUTTON_LINK 5
#define COMPONENT_ROW 1
#define COMPONENT_BUTTON 2
#define COMPONENT_STRING_SELECT 3

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A copy cut to at most max characters (never inside a UTF-8 sequence); NULL on ENOMEM. */
static char *cut_dup(const char *s, size_t max)
{
    size_t bytes = 0, chars = 0;
    while (s[bytes] != '\0') {
        if (((unsigned char)s[bytes] & 0xC0) != 0x80) {
            if (chars == max)
                break;
            chars++;
        }
        bytes++;
    }
    return strndup(s, bytes);
}

static bool add_cut(cJSON *obj, const char *name, const char *text, size_t max)
{
    char *cut = cut_dup(text, max);
    bool ok = cut != NULL && cJSON_AddStringToObject(obj, name, cut) != NULL;
    free(cut);
    return ok;
}

/* Title, fields and text too long for content go into one embed. */
static bool add_embed(cJSON *body, const struct kith_message *m, bool text_in_embed)
{
    if (m->title == NULL && m->field_count == 0 && !text_in_embed)
        return true;
    cJSON *embeds = cJSON_AddArrayToObject(body, "embeds");
    cJSON *embed = cJSON_CreateObject();
    if (embeds == NULL || embed == NULL || !cJSON_AddItemToArray(embeds, embed)) {
        cJSON_Delete(embed);
        return false;
    }
    if (m->title != NULL && !add_cut(embed, "title", m->title, 256))
        return false;
    if (text_in_embed && !add_cut(embed, "description", m->text, DESCRIPTION_MAX))
        return false;
    if (m->field_count == 0)
        return true;
    cJSON *fields = cJSON_AddArrayToObject(embed, "fields");
    for (size_t i = 0; fields != NULL && i < m->field_count; i++) {
        cJSON *f = cJSON_CreateObject();
        if (f == NULL || !cJSON_AddItemToArray(fields, f))
            return false;
        if (!add_cut(f, "name", m->fields[i].name, FIELD_NAME_MAX) ||
            !add_cut(f, "value", m->fields[i].value, FIELD_VALUE_MAX) ||
            cJSON_AddBoolToObject(f, "inline", m->fields[i].is_inline) == NULL)
            return false;
    }
    return fields != NULL;
}

static cJSON *button_json(const struct kith_message_button *b)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && cJSON_AddNumberToObject(o, "type", COMPONENT_BUTTON) != NULL &&
              cJSON_AddStringToObject(o, "label", b->label) != NULL;
    if (ok && b->url != NULL)
        ok = cJSON_AddNumberToObject(o, "style", BUTTON_LINK) != NULL &&
             cJSON_AddStringToObject(o, "url", b->url) != NULL;
    else if (ok)
        ok = cJSON_AddNumberToObject(o, "style", b->style) != NULL &&
             cJSON_AddStringToObject(o, "custom_id", b->custom_id) != NULL;
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *select_option_json(const struct kith_message_select_option *so)
{
    cJSON *opt = cJSON_CreateObject();
    bool ok =
        opt != NULL && cJSON_AddStringToObject(opt, "label", so->label) &&
        cJSON_AddStringToObject(opt, "value", so->value) &&
        (so->description == NULL || cJSON_AddStringToObject(opt, "description", so->description));
    if (!ok) {
        cJSON_Delete(opt);
        return NULL;
    }
    return opt;
}

static cJSON *select_json(const struct kith_message_select *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *options = o ? cJSON_AddArrayToObject(o, "options") : NULL;
    bool ok = options != NULL && cJSON_AddNumberToObject(o, "type", COMPONENT_STRING_SELECT) &&
              cJSON_AddStringToObject(o, "custom_id", s->custom_id) &&
              cJSON_AddNumberToObject(o, "min_values", s->min_values) &&
              cJSON_AddNumberToObject(o, "max_values", s->max_values);
    if (ok && s->placeholder != NULL)
        ok = cJSON_AddStringToObject(o, "placeholder", s->placeholder) != NULL;
    for (size_t i = 0; ok && i < s->option_count; i++) {
        cJSON *opt = select_option_json(&s->options[i]);
        ok = opt != NULL && cJSON_AddItemToArray(options, opt);
        if (!ok)
            cJSON_Delete(opt);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *row_new(cJSON *components)
{
    cJSON *row = cJSON_CreateObject();
    if (row == NULL || !cJSON_AddItemToArray(components, row)) {
        cJSON_Delete(row);
        return NULL;
    }
    if (cJSON_AddNumberToObject(row, "type", COMPONENT_ROW) == NULL)
        return NULL;
    return cJSON_AddArrayToObject(row, "components");
}

/* Rows of five buttons, then the select menu in a row of its own. */
static kith_err add_components(cJSON *body, const struct kith_message *m)
{
    size_t rows = (m->button_count + ROW_BUTTONS - 1) / ROW_BUTTONS + (m->select != NULL);
    if (rows == 0)
        return KITH_OK;
    if (rows > ROWS_MAX)
        return KITH_ERR_LIMIT;
    cJSON *components = cJSON_AddArrayToObject(body, "components");
    if (components == NULL)
        return KITH_ERR_NOMEM;
    cJSON *row = NULL;
    for (size_t i = 0; i < m->button_count; i++) {
        if (i % ROW_BUTTONS == 0 && (row = row_new(components)) == NULL)
            return KITH_ERR_NOMEM;
        cJSON *b = button_json(&m->buttons[i]);
        if (b == NULL || !cJSON_AddItemToArray(row, b)) {
            cJSON_Delete(b);
            return KITH_ERR_NOMEM;
        }
    }
    if (m->select == NULL)
        return KITH_OK;
    cJSON *s = select_json(m->select);
    if (s == NULL || (row = row_new(components)) == NULL || !cJSON_AddItemToArray(row, s)) {
        cJSON_Delete(s);
        return KITH_ERR_NOMEM;
    }
    return KITH_OK;
}

static kith_err add_poll(cJSON *body, const struct kith_message_poll *p)
{
    if (p->answer_count > POLL_ANSWERS_MAX || p->answer_count < 1)
        return KITH_ERR_LIMIT;
    cJSON *poll = cJSON_AddObjectToObject(body, "poll");
    cJSON *question = poll ? cJSON_AddObjectToObject(poll, "question") : NULL;
    cJSON *answers = poll ? cJSON_AddArrayToObject(poll, "answers") : NULL;
    if (question == NULL || answers == NULL ||
        !add_cut(question, "text", p->question, POLL_QUESTION_MAX))
        return KITH_ERR_NOMEM;
    for (size_t i = 0; i < p->answer_count; i++) {
        cJSON *answer = cJSON_CreateObject();
        cJSON *media = answer ? cJSON_AddObjectToObject(answer, "poll_media") : NULL;
        if (media == NULL || !cJSON_AddItemToArray(answers, answer)) {
            cJSON_Delete(answer);
            return KITH_ERR_NOMEM;
        }
        if (!add_cut(media, "text", p->answers[i], POLL_ANSWER_MAX))
            return KITH_ERR_NOMEM;
    }
    /* Discord polls always end: "open until closed" becomes the longest duration allowed. */
    int64_t hours = p->duration_s > 0 ? (p->duration_s + 3599) / 3600 : POLL_HOURS_MAX;
    if (hours > POLL_HOURS_MAX)
        hours = POLL_HOURS_MAX;
    if (!cJSON_AddNumberToObject(poll, "duration", (double)hours) ||
        !cJSON_AddBoolToObject(poll, "allow_multiselect", p->allow_multiple) ||
        !cJSON_AddNumberToObject(poll, "layout_type", 1))
        return KITH_ERR_NOMEM;
    return KITH_OK;
}

/* Echoed member text must never ping: no parsed mentions at all. */
static bool add_no_mentions(cJSON *body)
{
    cJSON *am = cJSON_AddObjectToObject(body, "allowed_mentions");
    return am != NULL && cJSON_AddArrayToObject(am, "parse") != NULL;
}

static kith_err fill(cJSON *body, const struct kith_message *m)
{
    bool long_text = m->text != NULL && utf8_chars(m->text) > CONTENT_MAX;
    if (m->text != NULL && !long_text && cJSON_AddStringToObject(body, "content", m->text) == NULL)
        return KITH_ERR_NOMEM;
    if (!add_embed(body, m, long_text) || !add_no_mentions(body))
        return KITH_ERR_NOMEM;
    if (m->ephemeral && cJSON_AddNumberToObject(body, "flags", DC_EPHEMERAL_FLAG) == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = add_components(body, m);
    if (err == KITH_OK && m->poll != NULL)
        err = add_poll(body, m->poll);
    if (err == KITH_OK && m->attachment != NULL) {
        cJSON *list = cJSON_AddArrayToObject(body, "attachments");
        cJSON *a = cJSON_CreateObject();
        if (list == NULL || a == NULL || !cJSON_AddItemToArray(list, a)) {
            cJSON_Delete(a);
            return KITH_ERR_NOMEM;
        }
        if (!cJSON_AddNumberToObject(a, "id", 0) ||
            !cJSON_AddStringToObject(a, "filename", m->attachment->filename))
            return KITH_ERR_NOMEM;
    }
    return err;
}

cJSON *dc_render_new(const kith_message *msg, kith_err *err_out)
{
    cJSON *body = cJSON_CreateObject();
    kith_err err = body != NULL ? fill(body, msg) : KITH_ERR_NOMEM;
    *err_out = err;
    if (err != KITH_OK) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

/* ---- Attachments: multipart/form-data with payload_json and files[0]. ---- */

#define BOUNDARY "kith-discord-upload-7d1f5a"

/* The file name as it may stand in a quoted header parameter; NULL on ENOMEM. */
static char *header_safe_dup(const char *name)
{
    char *out = strdup(name);
    for (char *p = out; p != NULL && *p; p++)
        if (*p == '"' || *p == '\\' || *p == '\r' || *p == '\n')
            *p = '_';
    return out;
}

kith_err dc_render_multipart(const cJSON *payload, const kith_message *msg, char **body_out,
                             size_t *len_out)
{
    const struct kith_message_attachment *a = msg->attachment;
    char *filename = header_safe_dup(a->filename);
    char *json = filename != NULL ? cJSON_PrintUnformatted(payload) : NULL;
    char *head = NULL, *mid = NULL;
    int head_len = json ? asprintf(&head,
                                   "--" BOUNDARY "\r\nContent-Disposition: form-data; "
                                   "name=\"payload_json\"\r\nContent-Type: application/json\r\n"
                                   "\r\n%s\r\n",
                                   json)
                        : -1;
    int mid_len =
        head_len >= 0
            ? asprintf(&mid,
                       "--" BOUNDARY "\r\nContent-Disposition: form-data; "
                       "name=\"files[0]\"; filename=\"%s\"\r\n"
                       "Content-Type: %s\r\n\r\n",
                       filename, a->content_type ? a->content_type : "application/octet-stream")
            : -1;
    free(json);
    free(filename);
    static const char tail[] = "\r\n--" BOUNDARY "--\r\n";
    char *out = NULL;
    size_t len = 0;
    if (mid_len >= 0) {
        len = (size_t)head_len + (size_t)mid_len + a->len + sizeof tail - 1;
        out = malloc(len + 1);
    }
    if (out != NULL) {
        memcpy(out, head, (size_t)head_len);
        memcpy(out + head_len, mid, (size_t)mid_len);
        memcpy(out + head_len + mid_len, a->data, a->len);
        memcpy(out + head_len + mid_len + a->len, tail, sizeof tail);
    }
    free(head);
    free(mid);
    *body_out = out;
    *len_out = len;
    return out != NULL ? KITH_OK : KITH_ERR_NOMEM;
}

const char *dc_render_multipart_type(void)
{
    return "multipart/form-data; boundary=" BOUNDARY;
}
