/* The portable message as Matrix event content: m.room.message with a plain body and an HTML
 * formatted_body (buttons and select options as numbered choices), m.replace edits, files,
 * and native polls as m.poll.start (with the unstable MSC3381 block for older clients). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "platform/matrix/matrix.h"

#define HTML_FORMAT "org.matrix.custom.html"

struct rendered {
    struct kith_strbuf plain;
    struct kith_strbuf html;
    bool nomem;
};

static void add_html_text(struct rendered *r, const char *text)
{
    char *escaped = mx_html_escape_dup(text);
    if (escaped == NULL)
        r->nomem = true;
    else
        kith_strbuf_append(&r->html, escaped);
    free(escaped);
}

static void render_head(struct rendered *r, const kith_message *msg)
{
    if (msg->title != NULL) {
        kith_strbuf_appendf(&r->plain, "%s\n", msg->title);
        kith_strbuf_append(&r->html, "<p><strong>");
        add_html_text(r, msg->title);
        kith_strbuf_append(&r->html, "</strong></p>");
    }
    if (msg->text != NULL && msg->text[0] != '\0') {
        kith_strbuf_appendf(&r->plain, "%s\n", msg->text);
        kith_strbuf_append(&r->html, "<p>");
        add_html_text(r, msg->text);
        kith_strbuf_append(&r->html, "</p>");
    }
    if (msg->field_count > 0)
        kith_strbuf_append(&r->html, "<p>");
    for (size_t i = 0; i < msg->field_count; i++) {
        kith_strbuf_appendf(&r->plain, "%s: %s\n", msg->fields[i].name, msg->fields[i].value);
        kith_strbuf_append(&r->html, i > 0 ? "<br><strong>" : "<strong>");
        add_html_text(r, msg->fields[i].name);
        kith_strbuf_append(&r->html, "</strong>: ");
        add_html_text(r, msg->fields[i].value);
    }
    if (msg->field_count > 0)
        kith_strbuf_append(&r->html, "</p>");
}

static void render_choice(struct rendered *r, int number, const char *label)
{
    const char *cap = mx_choices_keycap(number);
    if (cap != NULL)
        kith_strbuf_appendf(&r->plain, "%s %s\n", cap, label);
    else
        kith_strbuf_appendf(&r->plain, "%d. %s\n", number, label);
    kith_strbuf_append(&r->html, "<li>");
    add_html_text(r, label);
    kith_strbuf_append(&r->html, "</li>");
}

/* Buttons first, then select options: the numbering mx_choices remembers. */
static void render_choices(struct rendered *r, const kith_message *msg)
{
    int number = 0;
    bool open = false;
    for (size_t i = 0; i < msg->button_count; i++) {
        if (msg->buttons[i].custom_id == NULL)
            continue;
        if (!open)
            kith_strbuf_append(&r->html, "<ol>");
        open = true;
        render_choice(r, ++number, msg->buttons[i].label);
    }
    if (msg->select != NULL && msg->select->option_count > 0) {
        if (msg->select->placeholder != NULL) {
            kith_strbuf_appendf(&r->plain, "%s\n", msg->select->placeholder);
            kith_strbuf_append(&r->html, open ? "</ol><p>" : "<p>");
            add_html_text(r, msg->select->placeholder);
            kith_strbuf_append(&r->html, "</p><ol start=\"");
            kith_strbuf_appendf(&r->html, "%d\">", number + 1);
            open = true;
        } else if (!open) {
            kith_strbuf_append(&r->html, "<ol>");
            open = true;
        }
        for (size_t i = 0; i < msg->select->option_count; i++)
            render_choice(r, ++number, msg->select->options[i].label);
    }
    if (!open)
        return;
    kith_strbuf_append(&r->html, "</ol>");
    const char *how = number <= 10 ? "React with the number or type" : "Type";
    kith_strbuf_appendf(&r->plain, "%s !vote N to choose.\n", how);
    kith_strbuf_appendf(&r->html, "<p><em>%s <code>!vote N</code> to choose.</em></p>", how);
}

static void render_links(struct rendered *r, const kith_message *msg)
{
    for (size_t i = 0; i < msg->button_count; i++) {
        const struct kith_message_button *b = &msg->buttons[i];
        if (b->url == NULL)
            continue;
        kith_strbuf_appendf(&r->plain, "%s: %s\n", b->label, b->url);
        kith_strbuf_append(&r->html, "<p><a href=\"");
        add_html_text(r, b->url);
        kith_strbuf_append(&r->html, "\">");
        add_html_text(r, b->label);
        kith_strbuf_append(&r->html, "</a></p>");
    }
}

/* Takes the rendered strings; NULL on an allocation failure. */
static bool take_texts(struct rendered *r, char **plain, char **html)
{
    if (r->plain.len > 0 && r->plain.data[r->plain.len - 1] == '\n')
        r->plain.data[--r->plain.len] = '\0';
    *plain = kith_strbuf_take(&r->plain);
    *html = kith_strbuf_take(&r->html);
    if (*plain == NULL || *html == NULL || r->nomem) {
        free(*plain);
        free(*html);
        return false;
    }
    return true;
}

static bool add_text_body(cJSON *content, const char *msgtype, const char *plain, const char *html)
{
    return cJSON_AddStringToObject(content, "msgtype", msgtype) &&
           cJSON_AddStringToObject(content, "body", plain) &&
           cJSON_AddStringToObject(content, "format", HTML_FORMAT) &&
           cJSON_AddStringToObject(content, "formatted_body", html);
}

static const char *file_msgtype(const char *content_type)
{
    if (content_type == NULL)
        return "m.file";
    if (strncmp(content_type, "image/", 6) == 0)
        return "m.image";
    if (strncmp(content_type, "video/", 6) == 0)
        return "m.video";
    if (strncmp(content_type, "audio/", 6) == 0)
        return "m.audio";
    return "m.file";
}

/* A file event whose body is its caption (the message text) when there is one. */
static bool add_file_body(cJSON *content, const kith_message *msg, const char *media_url,
                          const char *plain, const char *html)
{
    const struct kith_message_attachment *a = msg->attachment;
    bool captioned = plain[0] != '\0';
    cJSON *info = cJSON_AddObjectToObject(content, "info");
    bool ok =
        info != NULL &&
        cJSON_AddStringToObject(content, "msgtype", file_msgtype(a->content_type)) &&
        cJSON_AddStringToObject(content, "body", captioned ? plain : a->filename) &&
        cJSON_AddStringToObject(content, "filename", a->filename) &&
        cJSON_AddStringToObject(content, "url", media_url) &&
        cJSON_AddNumberToObject(info, "size", (double)a->len) &&
        (a->content_type == NULL || cJSON_AddStringToObject(info, "mimetype", a->content_type));
    if (ok && captioned)
        ok = cJSON_AddStringToObject(content, "format", HTML_FORMAT) &&
             cJSON_AddStringToObject(content, "formatted_body", html);
    return ok;
}

static bool add_relations(cJSON *content, const struct mx_render_opts *opts)
{
    if (opts->mention != NULL) {
        cJSON *mentions = cJSON_AddObjectToObject(content, "m.mentions");
        cJSON *ids = mentions ? cJSON_AddArrayToObject(mentions, "user_ids") : NULL;
        cJSON *id = cJSON_CreateString(opts->mention);
        if (ids == NULL || id == NULL || !cJSON_AddItemToArray(ids, id)) {
            cJSON_Delete(id);
            return false;
        }
    }
    /* An edit already relates to what it replaces; a reply quote cannot sit beside it. */
    if (opts->reply_to != NULL && !cJSON_HasObjectItem(content, "m.relates_to")) {
        cJSON *rel = cJSON_AddObjectToObject(content, "m.relates_to");
        cJSON *in_reply = rel ? cJSON_AddObjectToObject(rel, "m.in_reply_to") : NULL;
        if (in_reply == NULL || !cJSON_AddStringToObject(in_reply, "event_id", opts->reply_to))
            return false;
    }
    return true;
}

/* An edit: the new content under m.new_content, a "* " fallback for clients without edits. */
static cJSON *as_edit(cJSON *fresh, const char *replaces, const char *plain, const char *html)
{
    cJSON *content = cJSON_CreateObject();
    char *star_plain = NULL;
    char *star_html = NULL;
    bool ok = content != NULL && asprintf(&star_plain, "* %s", plain) >= 0 &&
              asprintf(&star_html, "* %s", html) >= 0;
    cJSON *msgtype = cJSON_GetObjectItemCaseSensitive(fresh, "msgtype");
    ok = ok && cJSON_IsString(msgtype) &&
         add_text_body(content, msgtype->valuestring, star_plain, star_html);
    cJSON *rel = ok ? cJSON_AddObjectToObject(content, "m.relates_to") : NULL;
    ok = rel != NULL && cJSON_AddStringToObject(rel, "rel_type", "m.replace") &&
         cJSON_AddStringToObject(rel, "event_id", replaces);
    free(star_plain);
    free(star_html);
    if (!ok) {
        cJSON_Delete(content);
        cJSON_Delete(fresh);
        return NULL;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(fresh, "m.relates_to");
    cJSON_AddItemToObject(content, "m.new_content", fresh);
    return content;
}

static cJSON *text_array(const char *body)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON *item = cJSON_CreateObject();
    if (arr == NULL || item == NULL || !cJSON_AddStringToObject(item, "body", body) ||
        !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(arr);
        cJSON_Delete(item);
        return NULL;
    }
    return arr;
}

static bool add_owned(cJSON *obj, const char *key, cJSON *value)
{
    if (value == NULL)
        return false;
    cJSON_AddItemToObject(obj, key, value);
    return true;
}

static bool add_poll_answers(cJSON *stable, cJSON *unstable, const struct kith_message_poll *p)
{
    cJSON *s_answers = cJSON_AddArrayToObject(stable, "answers");
    cJSON *u_answers = cJSON_AddArrayToObject(unstable, "answers");
    bool ok = s_answers != NULL && u_answers != NULL;
    for (size_t i = 0; ok && i < p->answer_count; i++) {
        char id[24];
        snprintf(id, sizeof id, "%zu", i + 1); /* mx_polls_answer_index reads these back */
        cJSON *s = cJSON_CreateObject();
        cJSON *u = cJSON_CreateObject();
        ok = s != NULL && u != NULL && cJSON_AddStringToObject(s, "m.id", id) &&
             add_owned(s, "m.text", text_array(p->answers[i])) &&
             cJSON_AddStringToObject(u, "id", id) &&
             cJSON_AddStringToObject(u, "org.matrix.msc1767.text", p->answers[i]);
        if (ok) {
            cJSON_AddItemToArray(s_answers, s);
            cJSON_AddItemToArray(u_answers, u);
        } else {
            cJSON_Delete(s);
            cJSON_Delete(u);
        }
    }
    return ok;
}

static cJSON *poll_content(const kith_message *msg, const char *fallback)
{
    const struct kith_message_poll *p = msg->poll;
    int max = p->allow_multiple ? (int)p->answer_count : 1;
    cJSON *content = cJSON_CreateObject();
    cJSON *stable = content ? cJSON_AddObjectToObject(content, "m.poll") : NULL;
    cJSON *unstable =
        content ? cJSON_AddObjectToObject(content, "org.matrix.msc3381.poll.start") : NULL;
    cJSON *s_question = stable ? cJSON_AddObjectToObject(stable, "question") : NULL;
    cJSON *u_question = unstable ? cJSON_AddObjectToObject(unstable, "question") : NULL;
    /* Matrix votes are always visible to the room; "anonymous" at least hides the tally. */
    bool ok =
        s_question != NULL && u_question != NULL &&
        cJSON_AddStringToObject(stable, "kind", p->anonymous ? "m.undisclosed" : "m.disclosed") &&
        cJSON_AddNumberToObject(stable, "max_selections", max) &&
        add_owned(s_question, "m.text", text_array(p->question)) &&
        cJSON_AddStringToObject(unstable, "kind",
                                p->anonymous ? "org.matrix.msc3381.poll.undisclosed"
                                             : "org.matrix.msc3381.poll.disclosed") &&
        cJSON_AddNumberToObject(unstable, "max_selections", max) &&
        cJSON_AddStringToObject(u_question, "org.matrix.msc1767.text", p->question) &&
        add_poll_answers(stable, unstable, p) &&
        add_owned(content, "m.text", text_array(fallback)) &&
        cJSON_AddStringToObject(content, "org.matrix.msc1767.text", fallback);
    if (!ok) {
        cJSON_Delete(content);
        return NULL;
    }
    return content;
}

static void render_poll_fallback(struct rendered *r, const kith_message *msg)
{
    kith_strbuf_appendf(&r->plain, "%s\n", msg->poll->question);
    for (size_t i = 0; i < msg->poll->answer_count; i++)
        kith_strbuf_appendf(&r->plain, "%zu. %s\n", i + 1, msg->poll->answers[i]);
}

kith_err mx_render(const kith_message *msg, const struct mx_render_opts *opts,
                   const char **type_out, cJSON **content_out)
{
    if (msg->attachment != NULL && opts->media_url == NULL)
        return KITH_ERR_INVALID;
    struct rendered r = {0};
    render_head(&r, msg);
    render_choices(&r, msg);
    render_links(&r, msg);
    if (msg->poll != NULL)
        render_poll_fallback(&r, msg);
    char *plain = NULL;
    char *html = NULL;
    if (!take_texts(&r, &plain, &html))
        return KITH_ERR_NOMEM;
    cJSON *content = NULL;
    const char *type = "m.room.message";
    if (msg->poll != NULL) {
        type = "m.poll.start";
        content = poll_content(msg, plain);
    } else {
        content = cJSON_CreateObject();
        bool ok =
            content != NULL &&
            (msg->attachment != NULL ? add_file_body(content, msg, opts->media_url, plain, html)
                                     : add_text_body(content, "m.text", plain, html));
        if (ok && opts->replaces != NULL) {
            content = as_edit(content, opts->replaces, plain, html);
            ok = content != NULL;
        }
        if (!ok) {
            cJSON_Delete(content);
            content = NULL;
        }
    }
    free(plain);
    free(html);
    if (content == NULL || !add_relations(content, opts)) {
        cJSON_Delete(content);
        return KITH_ERR_NOMEM;
    }
    *type_out = type;
    *content_out = content;
    return KITH_OK;
}
