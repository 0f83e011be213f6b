/* Answering a survey step by step, in each platform's way: a choice question comes as a select
 * menu (Telegram and Matrix render it as buttons or numbered choices), free-text questions as a
 * form (a Discord modal), or, where forms are missing, as a message the member replies to. Where
 * each member is, and which message asked what, is kept in the store so it survives a restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/survey_text.h"
#include "logic/utf8.h"
#include "polls_shared.h"
#include "survey_internal.h"

#define EARLIER_SHOWN_MAX 300 /* bytes of an earlier free-text answer quoted back */
#define NAME_SHOWN_MAX 100    /* bytes of the member's name in a question asked as a message */
/* A title (100 characters) and a question (200), each up to four bytes a character. */
#define HEADING_MAX (4 * (SURVEY_TITLE_MAX_CHARS + SURVEY_QUESTION_MAX_CHARS) + 64)

static bool is_choice(const struct survey *s, int position)
{
    return s->questions[position - 1].choice_count > 0;
}

/* How many free-text questions from `position` on go into one form (a form has five fields). */
static size_t form_group(const struct survey *s, int position)
{
    size_t n = 0;
    while ((size_t)position + n <= s->question_count && n < KITH_FORM_FIELDS_MAX &&
           !is_choice(s, position + (int)n))
        n++;
    return n;
}

/* "Team offsite · question 2 of 3\nHow was the venue?" */
static void question_heading(const struct survey *s, int position, char *out, size_t size)
{
    snprintf(out, size, "%s \xC2\xB7 question %d of %zu\n%s", s->title, position, s->question_count,
             s->questions[position - 1].text);
}

static void reply_failed(const struct survey_call *call, kith_err err)
{
    survey_say(call,
               "The next question could not be shown (%s); press Answer under the survey "
               "to go on.",
               call->host->strerror(err));
}

static void ask_choice(const struct survey_call *call, const struct survey *s, int position,
                       const struct survey_answer *earlier)
{
    const struct kith_host *h = call->host;
    const struct survey_question *q = &s->questions[position - 1];
    char text[HEADING_MAX + 4 * SURVEY_CHOICE_MAX_CHARS + 32], id[64], value[24];
    question_heading(s, position, text, sizeof text);
    if (earlier->given && earlier->choice >= 1 && (size_t)earlier->choice <= q->choice_count) {
        size_t at = strlen(text);
        snprintf(text + at, sizeof text - at, "\nYour answer so far: %s",
                 q->choices[earlier->choice - 1]);
    }
    struct survey_custom_id cid = {s->id, SURVEY_ACTION_ANSWER, position};
    kith_message *msg = h->message_new(call->ctx);
    kith_err err = msg != NULL ? KITH_OK : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = h->message_set_text(msg, text);
    if (err == KITH_OK)
        err = survey_custom_id_format(id, sizeof id, &cid)
                  ? h->message_set_select(msg, id, "Choose an answer", 1, 1)
                  : KITH_ERR_LIMIT;
    for (size_t i = 0; err == KITH_OK && i < q->choice_count; i++) {
        snprintf(value, sizeof value, "%zu", i + 1);
        err = h->message_add_select_option(msg, value, q->choices[i], NULL);
    }
    err = survey_reply_private_take(call, msg, err);
    if (err != KITH_OK)
        reply_failed(call, err);
}

/* The free-text questions from `position` on as one form, earlier answers filled in. */
static kith_err ask_by_form(const struct survey_call *call, const struct survey *s, int position,
                            const struct survey_answer *answers)
{
    size_t n = form_group(s, position);
    struct kith_form_field fields[KITH_FORM_FIELDS_MAX];
    char labels[KITH_FORM_FIELDS_MAX][4 * KITH_FORM_LABEL_MAX + 1];
    char hints[KITH_FORM_FIELDS_MAX][4 * 100 + 1];
    char numbered[1024], title[4 * KITH_FORM_TITLE_MAX + 1], id[64];
    for (size_t i = 0; i < n; i++) {
        int at = position + (int)i;
        const char *question = s->questions[at - 1].text;
        snprintf(numbered, sizeof numbered, "%d. %s", at, question);
        polls_utf8_shorten_chars(numbered, KITH_FORM_LABEL_MAX, labels[i], sizeof labels[i]);
        /* A label holds 45 characters; a longer question is shown whole (to 100 characters,
         * the placeholder's limit) as the hint. */
        bool cut = strcmp(labels[i], numbered) != 0;
        if (cut)
            polls_utf8_shorten_chars(question, 100, hints[i], sizeof hints[i]);
        const struct survey_answer *earlier = &answers[at - 1];
        fields[i] = (struct kith_form_field){
            .label = labels[i],
            .placeholder = cut ? hints[i] : NULL,
            .value = earlier->given ? earlier->text : NULL,
            .multiline = true,
            .required = true,
            .min_length = 1,
            .max_length = SURVEY_ANSWER_MAX_CHARS,
        };
    }
    polls_utf8_shorten_chars(s->title, KITH_FORM_TITLE_MAX, title, sizeof title);
    struct survey_custom_id cid = {s->id, SURVEY_ACTION_ANSWER, position};
    if (!survey_custom_id_format(id, sizeof id, &cid))
        return KITH_ERR_LIMIT;
    struct kith_form form = {.custom_id = id, .title = title, .fields = fields, .field_count = n};
    if (!KITH_HAS_API(call->host, show_form))
        return KITH_ERR_UNSUPPORTED;
    return call->host->show_form(call->ctx, call->ev, &form);
}

/* A question asked as a message: the platform's id for it, once known, goes to the store so
 * the member's reply to it (even after a restart) is taken as the answer. */
struct prompt {
    const struct kith_host *host;
    int64_t survey_id;
    int position;
    char *member_id;
    char *channel_id;
};

static void prompt_free(void *ud)
{
    struct prompt *p = ud;
    free(p->member_id);
    free(p->channel_id);
    free(p);
}

static void on_prompt_sent(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    struct prompt *p = ud;
    if (result->err != KITH_OK || result->message_id == NULL)
        return; /* the member was told nothing arrived by the platform; Answer starts again */
    const struct survey_call call = {ctx, p->host, NULL};
    kith_err err = survey_db_exec(&call,
                                  "INSERT OR REPLACE INTO polls_survey_prompts (channel_id,"
                                  " message_id, survey_id, member_id, position, asked_at)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                  "ttitii", p->channel_id, result->message_id, p->survey_id,
                                  p->member_id, (int64_t)p->position, p->host->now_ms(ctx));
    if (err != KITH_OK)
        p->host->log(ctx, KITH_LOG_WARN, "survey %lld: a question's message was not saved: %s",
                     (long long)p->survey_id, p->host->strerror(err));
}

static struct prompt *prompt_new(const struct survey_call *call, const struct survey *s,
                                 int position)
{
    struct prompt *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    *p = (struct prompt){call->host, s->id, position, strdup(call->ev->author.id),
                         strdup(call->ev->channel_id)};
    if (p->member_id == NULL || p->channel_id == NULL) {
        prompt_free(p);
        return NULL;
    }
    return p;
}

static void ask_by_message(const struct survey_call *call, const struct survey *s, int position,
                           const struct survey_answer *earlier)
{
    const struct kith_host *h = call->host;
    char heading[HEADING_MAX], text[HEADING_MAX + NAME_SHOWN_MAX + EARLIER_SHOWN_MAX + 100];
    char who[NAME_SHOWN_MAX + 1], shown[EARLIER_SHOWN_MAX + 1];
    question_heading(s, position, heading, sizeof heading);
    const char *name = call->ev->author.display_name;
    polls_utf8_shorten(name != NULL && name[0] != '\0' ? name : call->ev->author.id, who,
                       sizeof who);
    int n = snprintf(text, sizeof text, "%s\n\n%s, reply to this message with your answer.",
                     heading, who);
    if (earlier->given && earlier->text != NULL && n > 0 && (size_t)n < sizeof text) {
        polls_utf8_shorten(earlier->text, shown, sizeof shown);
        snprintf(text + n, sizeof text - (size_t)n, "\nYour answer so far: %s", shown);
    }
    kith_message *msg = h->message_new(call->ctx);
    struct prompt *p = prompt_new(call, s, position);
    kith_err err = msg != NULL && p != NULL ? h->message_set_text(msg, text) : KITH_ERR_NOMEM;
    if (err == KITH_OK) {
        struct kith_completion done = {on_prompt_sent, p, prompt_free};
        err = h->reply(call->ctx, call->ev, msg, &done);
        if (err == KITH_OK)
            p = NULL; /* the completion frees it */
    }
    if (err != KITH_OK)
        reply_failed(call, err);
    if (p != NULL)
        prompt_free(p);
    h->message_free(msg);
}

/* After a form was submitted no other form can open (Discord): a Continue button opens it. */
static void offer_continue(const struct survey_call *call, const struct survey *s, int position)
{
    const struct kith_host *h = call->host;
    char text[256], id[64];
    snprintf(text, sizeof text, "Saved. Question %d of %zu is next: press Continue.", position,
             s->question_count);
    struct survey_custom_id cid = {s->id, SURVEY_ACTION_NEXT, 0};
    kith_message *msg = h->message_new(call->ctx);
    kith_err err = msg != NULL ? h->message_set_text(msg, text) : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = survey_custom_id_format(id, sizeof id, &cid)
                  ? h->message_add_button(msg, id, "Continue", KITH_BUTTON_PRIMARY)
                  : KITH_ERR_LIMIT;
    err = survey_reply_private_take(call, msg, err);
    if (err != KITH_OK)
        reply_failed(call, err);
}

static void ask_free_text(const struct survey_call *call, const struct survey *s, int position,
                          const struct survey_answer *answers)
{
    kith_event_kind kind = call->ev->kind;
    if (kind == KITH_EVENT_MODAL_SUBMIT) {
        offer_continue(call, s, position);
        return;
    }
    if (kind == KITH_EVENT_COMMAND || kind == KITH_EVENT_COMPONENT) {
        kith_err err = ask_by_form(call, s, position, answers);
        if (err == KITH_OK)
            return;
        if (err != KITH_ERR_UNSUPPORTED) {
            reply_failed(call, err);
            return;
        }
    }
    ask_by_message(call, s, position, &answers[position - 1]);
}

static void ask(const struct survey_call *call, const struct survey *s, int position)
{
    struct survey_answer *answers = NULL;
    kith_err err = survey_answers_load(call, s, call->ev->author.id, &answers);
    if (err != KITH_OK) {
        reply_failed(call, err);
        return;
    }
    if (is_choice(s, position))
        ask_choice(call, s, position, &answers[position - 1]);
    else
        ask_free_text(call, s, position, answers);
    survey_answers_free(answers, s->question_count);
}

/* Stores answers to questions first.. (choices[i], or texts[i] for free text) and the next
 * step, together or not at all. */
static kith_err save_answers(const struct survey_call *call, const struct survey *s, int first,
                             const int *choices, const char *const *texts, size_t n, int next)
{
    const struct kith_host *h = call->host;
    kith_err err = h->db_begin(call->ctx);
    if (err != KITH_OK)
        return err;
    for (size_t i = 0; err == KITH_OK && i < n; i++)
        err = survey_answer_store(call, s, first + (int)i, choices ? choices[i] : 0,
                                  texts ? texts[i] : NULL);
    if (err == KITH_OK)
        err = survey_step_store(call, s, (size_t)next > s->question_count ? 0 : next);
    return polls_db_end(h, call->ctx, err);
}

/* Asks question `next`, or thanks the member when there is none. */
static void go_on(const struct survey_call *call, const struct survey *s, int next)
{
    if ((size_t)next <= s->question_count) {
        ask(call, s, next);
        return;
    }
    survey_say(call, "Thanks, your answers are saved. You can change them until the survey "
                     "closes: press Answer under the survey again.");
}

static void save_failed(const struct survey_call *call, kith_err err)
{
    survey_say(call, "Your answer could not be saved (%s); please answer again.",
               call->host->strerror(err));
}

static void take_choice(const struct survey_call *call, const struct survey *s, int position)
{
    const struct survey_question *q = &s->questions[position - 1];
    const struct kith_component_press *press = &call->ev->component;
    char *end = NULL;
    long number =
        press->value_count > 0 && press->values[0] ? strtol(press->values[0], &end, 10) : 0;
    if (end == NULL || *end != '\0' || number < 1 || (size_t)number > q->choice_count) {
        survey_say(call,
                   "That is not one of the choices of question %d; please pick one from "
                   "the list.",
                   position);
        return;
    }
    int choice = (int)number;
    kith_err err = save_answers(call, s, position, &choice, NULL, 1, position + 1);
    if (err != KITH_OK)
        save_failed(call, err);
    else
        go_on(call, s, position + 1);
}

static void take_form(const struct survey_call *call, const struct survey *s, int position)
{
    const struct kith_component_press *form = &call->ev->component;
    size_t expected = form_group(s, position);
    if (form->value_count == 0 || form->value_count > expected) {
        survey_say(call,
                   "That form does not match survey #%lld any more; press Answer under the "
                   "survey to start again.",
                   (long long)s->id);
        return;
    }
    char why[512];
    for (size_t i = 0; i < form->value_count; i++) {
        if (!survey_answer_check(form->values[i], why, sizeof why)) {
            survey_say(call,
                       "Question %d: %s Nothing was saved; press Answer under the survey "
                       "to try again.",
                       position + (int)i, why);
            return;
        }
    }
    char *trimmed[KITH_FORM_FIELDS_MAX] = {0};
    kith_err err = KITH_OK;
    for (size_t i = 0; err == KITH_OK && i < form->value_count; i++)
        if ((trimmed[i] = survey_answer_trim_dup(form->values[i])) == NULL)
            err = KITH_ERR_NOMEM;
    int next = position + (int)form->value_count;
    if (err == KITH_OK)
        err = save_answers(call, s, position, NULL, (const char *const *)trimmed, form->value_count,
                           next);
    for (size_t i = 0; i < form->value_count; i++)
        free(trimmed[i]);
    if (err != KITH_OK)
        save_failed(call, err);
    else
        go_on(call, s, next);
}

static void take_answer(const struct survey_call *call, const struct survey *s, int position)
{
    bool form = call->ev->kind == KITH_EVENT_MODAL_SUBMIT;
    if ((size_t)position > s->question_count || is_choice(s, position) == form) {
        survey_say(call,
                   "That answer does not match survey #%lld any more; press Answer under "
                   "the survey to start again.",
                   (long long)s->id);
        return;
    }
    if (form)
        take_form(call, s, position);
    else
        take_choice(call, s, position);
}

/* Tells the member why the survey takes no answers; false when it is open. */
static bool refused(const struct survey_call *call, const struct survey *s)
{
    if (s->state == SURVEY_OPEN)
        return false;
    if (s->state == SURVEY_CLOSED)
        survey_say(call, "Survey #%lld is closed: answers are no longer taken. Thank you!",
                   (long long)s->id);
    else
        survey_say(call, "Survey #%lld is not open yet.", (long long)s->id);
    return true;
}

static void start(const struct survey_call *call, const struct survey *s, int position)
{
    kith_err err = survey_step_store(call, s, position);
    if (err != KITH_OK)
        save_failed(call, err);
    else
        ask(call, s, position);
}

void survey_on_component(const struct survey_call *call, const struct survey_custom_id *id)
{
    struct survey *s = survey_find_here(call, id->survey_id);
    if (s == NULL || refused(call, s)) {
        survey_free(s);
        return;
    }
    int step = 0;
    kith_err err = KITH_OK;
    switch (id->action) {
    case SURVEY_ACTION_START:
        start(call, s, 1); /* again after finishing: walks through the answers to change them */
        break;
    case SURVEY_ACTION_NEXT:
        err = survey_step_load(call, s, &step);
        if (err != KITH_OK)
            save_failed(call, err);
        else
            start(call, s, step >= 1 && (size_t)step <= s->question_count ? step : 1);
        break;
    case SURVEY_ACTION_ANSWER: take_answer(call, s, id->question); break;
    }
    survey_free(s);
}

/* The question a reply answers: survey, member asked and position; false when none. */
static bool find_prompt(const struct survey_call *call, int64_t *survey_id_out,
                        char **member_id_out, int *position_out)
{
    const struct kith_host *h = call->host;
    kith_stmt *stmt = NULL;
    kith_err err =
        survey_db_query(call,
                        "SELECT survey_id, member_id, position FROM polls_survey_prompts"
                        " WHERE channel_id = ?1 AND message_id = ?2",
                        &stmt, "tt", call->ev->channel_id, call->ev->message.reply_to_id);
    bool row = false;
    if (err == KITH_OK)
        err = h->db_step(stmt, &row);
    if (err == KITH_OK && row) {
        *survey_id_out = h->db_column_int64(stmt, 0);
        *member_id_out = strdup(h->db_column_text(stmt, 1));
        *position_out = (int)h->db_column_int64(stmt, 2);
        row = *member_id_out != NULL;
    }
    if (stmt != NULL)
        h->db_finalize(stmt);
    if (err != KITH_OK)
        h->log(call->ctx, KITH_LOG_WARN, "survey: questions asked cannot be read: %s",
               h->strerror(err));
    return err == KITH_OK && row;
}

static void take_reply(const struct survey_call *call, const struct survey *s, int position)
{
    const char *text = call->ev->message.text;
    char why[512];
    if (position < 1 || (size_t)position > s->question_count || is_choice(s, position)) {
        survey_say(call,
                   "That question is no longer part of survey #%lld; press Answer under "
                   "the survey to start again.",
                   (long long)s->id);
        return;
    }
    if (!survey_answer_check(text, why, sizeof why)) {
        survey_say(call, "%s Reply to the question again to answer it.", why);
        return;
    }
    char *trimmed = survey_answer_trim_dup(text);
    const char *texts[] = {trimmed};
    kith_err err = trimmed != NULL ? save_answers(call, s, position, NULL, texts, 1, position + 1)
                                   : KITH_ERR_NOMEM;
    free(trimmed);
    if (err != KITH_OK)
        save_failed(call, err);
    else
        go_on(call, s, position + 1);
}

bool survey_on_reply(const struct survey_call *call)
{
    int64_t survey_id = 0;
    char *member_id = NULL;
    int position = 0;
    if (!find_prompt(call, &survey_id, &member_id, &position))
        return false;
    struct survey *s = NULL;
    kith_err err = survey_load(call, survey_id, &s);
    if (err != KITH_OK || strcmp(s->server_id, call->ev->server_id) != 0) {
        if (err != KITH_ERR_NOT_FOUND && err != KITH_OK)
            survey_say(call, "Survey #%lld cannot be read just now (%s); please reply again.",
                       (long long)survey_id, call->host->strerror(err));
    } else if (strcmp(member_id, call->ev->author.id) != 0) {
        survey_say(call,
                   "That question was asked to another member; press Answer under survey "
                   "#%lld to answer yourself.",
                   (long long)survey_id);
    } else if (!refused(call, s)) {
        take_reply(call, s, position);
    }
    survey_free(s);
    free(member_id);
    return true;
}
