/* The example plugin's platform actions: a question with buttons and a select menu (presses
 * come back here), moderation, direct messages, deletion, a native poll, and a countdown on an
 * in-memory timer. Every action is asynchronous; completions tell the channel what happened. */
#include "example.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Completions. The event is gone by the time an action completes, so a completion keeps
 * its own copy of where to answer. ---- */

struct report {
    char *server_id;
    char *channel_id;
    char *done_text;   /* posted on success; NULL: nothing to add */
    char *failed_text; /* posted, with the reason, on failure */
};

static void report_free(void *ud)
{
    struct report *r = ud;
    free(r->server_id);
    free(r->channel_id);
    free(r->done_text);
    free(r->failed_text);
    free(r);
}

/* Where to tell the outcome, and what; NULL on ENOMEM or when there is no channel to tell. */
static struct report *report_new(const char *server_id, const char *channel_id,
                                 const char *done_text, const char *failed_text)
{
    if (server_id == NULL || channel_id == NULL)
        return NULL;
    struct report *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->server_id = strdup(server_id);
    r->channel_id = strdup(channel_id);
    r->done_text = done_text ? strdup(done_text) : NULL;
    r->failed_text = strdup(failed_text);
    if (!r->server_id || !r->channel_id || (done_text && !r->done_text) || !r->failed_text) {
        report_free(r);
        return NULL;
    }
    return r;
}

static void post(struct kith_plugin_ctx *ctx, const char *server_id, const char *channel_id,
                 const char *text)
{
    const struct kith_target to = {server_id, channel_id};
    kith_message *msg = example_host->message_new(ctx);
    kith_err err = msg ? example_host->message_set_text(msg, text) : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = example_host->send(ctx, &to, msg, NULL);
    example_host->message_free(msg);
    if (err != KITH_OK)
        example_host->log(ctx, KITH_LOG_WARN, "could not post to %s: %s", channel_id,
                          example_host->strerror(err));
}

/* Called exactly once per accepted action; the host frees ud (report_free) right after. */
static void report_done(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    struct report *r = ud;
    if (result->err == KITH_ERR_CANCELLED) {
        /* kithd is stopping or the plugin is being unloaded: nobody to tell. */
        example_host->log(ctx, KITH_LOG_INFO, "cancelled: %s", r->failed_text);
        return;
    }
    char text[600];
    if (result->err == KITH_OK && r->done_text == NULL)
        return;
    if (result->err == KITH_OK)
        snprintf(text, sizeof text, "%s", r->done_text);
    else
        snprintf(text, sizeof text, "%s: %s%s%s.", r->failed_text,
                 example_host->strerror(result->err), result->detail ? " — " : "",
                 result->detail ? result->detail : "");
    post(ctx, r->server_id, r->channel_id, text);
}

/* The completion for an action, or NULL on ENOMEM. On a returned error the host did not take
 * the completion, so the caller frees it (report_free). */
static struct kith_completion report_completion(struct report *r)
{
    return (struct kith_completion){report_done, r, report_free};
}

/* ---- /note ask: buttons and a select menu, and the edit of our own message. ---- */

static void ask_clear(struct example_ask *a)
{
    free(a->server_id);
    free(a->channel_id);
    free(a->message_id);
    *a = (struct example_ask){0};
}

void example_asks_free(struct example_state *state)
{
    for (size_t i = 0; i < EXAMPLE_ASKS_KEPT; i++)
        ask_clear(&state->asks[i]);
}

static struct example_ask *ask_find(struct example_state *state, uint32_t number)
{
    struct example_ask *a = &state->asks[number % EXAMPLE_ASKS_KEPT];
    return number != 0 && a->number == number ? a : NULL;
}

/* A new question slot (the oldest one is reused); NULL on ENOMEM. */
static struct example_ask *ask_new(struct example_state *state, const struct kith_event *ev)
{
    uint32_t number = ++state->asks_made;
    if (number == 0)
        number = ++state->asks_made;
    struct example_ask *a = &state->asks[number % EXAMPLE_ASKS_KEPT];
    ask_clear(a);
    a->server_id = strdup(ev->server_id);
    a->channel_id = strdup(ev->channel_id);
    if (a->server_id == NULL || a->channel_id == NULL) {
        ask_clear(a);
        return NULL;
    }
    a->number = number;
    return a;
}

struct ask_ticket {
    uint32_t number;
};

/* The reply is posted: keep its message id, the one thing we need to edit it later. */
static void ask_posted(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    const struct ask_ticket *ticket = ud;
    struct example_ask *a = ask_find(example_state(ctx), ticket->number);
    if (a == NULL)
        return; /* expired: sixteen newer questions were asked meanwhile */
    if (result->err == KITH_OK && result->message_id != NULL) {
        a->message_id = strdup(result->message_id);
        if (a->message_id == NULL)
            ask_clear(a);
        return;
    }
    if (result->err == KITH_OK) {
        example_host->log(ctx, KITH_LOG_INFO, "question #%u has no message id to edit",
                          ticket->number);
    } else if (result->err == KITH_ERR_CANCELLED) {
        example_host->log(ctx, KITH_LOG_INFO, "question #%u was cancelled before it was posted",
                          ticket->number);
    } else {
        char text[300];
        snprintf(text, sizeof text, "Question #%u could not be posted: %s.", ticket->number,
                 example_host->strerror(result->err));
        post(ctx, a->server_id, a->channel_id, text);
    }
    ask_clear(a);
}

static kith_err build_question(kith_message *msg, uint32_t number)
{
    const struct kith_host *h = example_host;
    char yes[32], no[32], pick[32];
    /* Our own ids: the host prefixes them with the plugin's name to route presses back, and
     * takes the prefix off again before we see them. */
    snprintf(yes, sizeof yes, "ask:%u:yes", number);
    snprintf(no, sizeof no, "ask:%u:no", number);
    snprintf(pick, sizeof pick, "ask:%u:pick", number);
    kith_err err = h->message_set_text(msg, "Is this example plugin useful?");
    if (err == KITH_OK)
        err = h->message_add_button(msg, yes, "Yes", KITH_BUTTON_SUCCESS);
    if (err == KITH_OK)
        err = h->message_add_button(msg, no, "No", KITH_BUTTON_DANGER);
    if (err == KITH_OK)
        err = h->message_set_select(msg, pick, "Or pick a colour", 1, 1);
    static const char *const colours[] = {"red", "green", "blue"};
    for (size_t i = 0; err == KITH_OK && i < 3; i++)
        err = h->message_add_select_option(msg, colours[i], colours[i], NULL);
    return err;
}

void example_note_ask(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_host *h = example_host;
    struct example_ask *a = ask_new(example_state(ctx), ev);
    struct ask_ticket *ticket = a ? malloc(sizeof *ticket) : NULL;
    kith_message *msg = ticket ? h->message_new(ctx) : NULL;
    kith_err err = msg ? build_question(msg, a->number) : KITH_ERR_NOMEM;
    if (err == KITH_OK) {
        ticket->number = a->number;
        const struct kith_completion done = {ask_posted, ticket, free};
        err = h->reply(ctx, ev, msg, &done);
    }
    h->message_free(msg);
    if (err != KITH_OK) {
        free(ticket); /* not taken by the host */
        if (a != NULL)
            ask_clear(a);
        example_say(ctx, ev, "The question could not be asked (%s).", h->strerror(err));
    }
}

/* The question closes: its message is edited to show the answer, without the buttons. */
static void close_question(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                           struct example_ask *a, const char *answer)
{
    const struct kith_host *h = example_host;
    char text[300];
    snprintf(text, sizeof text, "Is this example plugin useful? %s answered: %s.",
             ev->author.display_name ? ev->author.display_name : ev->author.id, answer);
    kith_message *msg = h->message_new(ctx);
    struct report *r =
        report_new(a->server_id, a->channel_id, NULL, "The question could not be closed");
    kith_err err = msg && r ? h->message_set_text(msg, text) : KITH_ERR_NOMEM;
    /* The id from our reply's completion, not the press: we only ever edit what we posted. */
    const struct kith_target where = {a->server_id, a->channel_id};
    const struct kith_completion done = report_completion(r);
    if (err == KITH_OK)
        err = h->edit(ctx, &where, a->message_id, msg, &done);
    if (err != KITH_OK) {
        if (r != NULL)
            report_free(r);
        h->log(ctx, KITH_LOG_WARN, "question #%u not closed: %s", a->number, h->strerror(err));
    }
    h->message_free(msg);
    ask_clear(a);
}

void example_on_press(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    unsigned number = 0;
    char choice[16];
    if (sscanf(ev->component.custom_id, "ask:%u:%15s", &number, choice) != 2) {
        example_host->log(ctx, KITH_LOG_INFO, "press on unknown component \"%s\"",
                          ev->component.custom_id);
        return;
    }
    struct example_ask *a = ask_find(example_state(ctx), number);
    /* Only presses on the message we posted, where we posted it, answer the question. */
    if (a == NULL || a->message_id == NULL || ev->server_id == NULL ||
        strcmp(a->server_id, ev->server_id) != 0) {
        example_say(ctx, ev, "This question is closed; /note ask makes a new one.");
        return;
    }
    const char *answer = choice;
    if (strcmp(choice, "pick") == 0)
        answer = ev->component.value_count > 0 ? ev->component.values[0] : "nothing";
    example_say(ctx, ev, "Thanks, you answered %s.", answer);
    close_question(ctx, ev, a, answer);
}

/* ---- Moderation, direct messages and deletion: the reply says the action is under way;
 * its completion posts the outcome. ---- */

typedef kith_err (*start_fn)(struct kith_plugin_ctx *ctx, const void *arg,
                             const struct kith_completion *done);

/* Starts an action through `start` with a report; replies with `ack` or the refusal. */
static void run_reported(struct kith_plugin_ctx *ctx, const struct kith_event *ev, struct report *r,
                         start_fn start, const void *arg, const char *ack)
{
    kith_err err = KITH_ERR_NOMEM;
    if (r != NULL) {
        const struct kith_completion done = report_completion(r);
        err = start(ctx, arg, &done);
    }
    if (err == KITH_OK) {
        example_say(ctx, ev, "%s", ack);
        return;
    }
    example_say(ctx, ev, "%s: %s.", r ? r->failed_text : "That failed",
                example_host->strerror(err));
    if (r != NULL)
        report_free(r); /* refused at once: the host did not take the completion */
}

static kith_err start_moderation(struct kith_plugin_ctx *ctx, const void *arg,
                                 const struct kith_completion *done)
{
    return example_host->moderate(ctx, arg, done);
}

void example_note_mute(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_option_value *duration = kith_event_option(ev, "duration");
    const char *member = example_option_text(ev, "member", "");
    char reason[300], done[200], failed[200], ack[200];
    snprintf(reason, sizeof reason, "%s (muted by %s with /note mute)",
             example_option_text(ev, "reason", "no reason given"), ev->author.id);
    snprintf(done, sizeof done, "%s is muted for %s.", member, duration->text);
    snprintf(failed, sizeof failed, "Could not mute %s", member);
    snprintf(ack, sizeof ack, "Muting %s for %s.", member, duration->text);
    const struct kith_moderation action = {.kind = KITH_MOD_TIMEOUT,
                                           .server_id = ev->server_id,
                                           .user_id = member,
                                           .duration_s = duration->integer,
                                           .reason = reason};
    struct report *r = report_new(ev->server_id, ev->channel_id, done, failed);
    run_reported(ctx, ev, r, start_moderation, &action, ack);
}

struct dm_args {
    const char *user_id;
    const kith_message *msg;
};

static kith_err start_dm(struct kith_plugin_ctx *ctx, const void *arg,
                         const struct kith_completion *done)
{
    const struct dm_args *dm = arg;
    return example_host->send_dm(ctx, dm->user_id, dm->msg, done);
}

void example_note_dm(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const char *member = example_option_text(ev, "member", "");
    char text[1200], failed[200], ack[200];
    snprintf(text, sizeof text, "%s asks me to tell you: %s",
             ev->author.display_name ? ev->author.display_name : ev->author.id,
             example_option_text(ev, "text", ""));
    snprintf(failed, sizeof failed, "Could not send %s your message", member);
    snprintf(ack, sizeof ack, "Sending %s your message.", member);
    kith_message *msg = example_host->message_new(ctx);
    if (msg == NULL || example_host->message_set_text(msg, text) != KITH_OK) {
        example_host->message_free(msg);
        example_say(ctx, ev, "%s: the message could not be built.", failed);
        return;
    }
    const struct dm_args dm = {member, msg};
    struct report *r = report_new(ev->server_id, ev->channel_id, NULL, failed);
    run_reported(ctx, ev, r, start_dm, &dm, ack);
    example_host->message_free(msg); /* the host copied what it sends */
}

struct delete_args {
    struct kith_target where;
    const char *message_id;
    const char *reason;
};

static kith_err start_delete(struct kith_plugin_ctx *ctx, const void *arg,
                             const struct kith_completion *done)
{
    const struct delete_args *d = arg;
    return example_host->delete_message(ctx, &d->where, d->message_id, d->reason, done);
}

void example_note_purge(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    char *id = example_prefixed_id_dup(ev->platform, example_option_text(ev, "message", ""));
    if (id == NULL)
        return;
    char failed[200], ack[200];
    snprintf(failed, sizeof failed, "Could not delete message %s", id);
    snprintf(ack, sizeof ack, "Deleting message %s.", id);
    const struct delete_args d = {{ev->server_id, ev->channel_id},
                                  id,
                                  example_option_text(ev, "reason", "removed with /note purge")};
    struct report *r = report_new(ev->server_id, ev->channel_id, NULL, failed);
    run_reported(ctx, ev, r, start_delete, &d, ack);
    free(id);
}

/* ---- /note poll: the platform's own poll, answers from a VARIADIC option. ---- */

void example_note_poll(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_host *h = example_host;
    const struct kith_option_value *answers = kith_event_option(ev, "answers");
    const struct kith_option_value *multi = kith_event_option(ev, "multi");
    if (answers == NULL || answers->value_count < 2) {
        example_say(ctx, ev,
                    "A poll needs at least two answers: "
                    "/note poll \"Lunch?\" pizza \"sushi bar\"");
        return;
    }
    const struct kith_native_poll poll = {
        .question = example_option_text(ev, "question", ""),
        .answers = answers->values,
        .answer_count = answers->value_count,
        .allow_multiple = multi != NULL && multi->integer != 0,
    };
    kith_message *msg = h->message_new(ctx);
    struct report *r =
        report_new(ev->server_id, ev->channel_id, NULL, "The poll could not be posted");
    kith_err err = msg && r ? h->message_set_poll(msg, &poll) : KITH_ERR_NOMEM;
    const struct kith_completion done = report_completion(r);
    if (err == KITH_OK)
        err = h->reply(ctx, ev, msg, &done);
    h->message_free(msg);
    if (err != KITH_OK) {
        if (r != NULL)
            report_free(r);
        example_say(ctx, ev, "The poll could not be posted (%s).", h->strerror(err));
    }
}

/* ---- /note tick: a repeating in-memory timer that stops itself. Timers are gone after a
 * restart (use a job for anything that must survive one); the host cancels them at unload. */

struct example_tick {
    struct example_state *state;
    uint64_t timer_id;
    char *server_id;
    char *channel_id;
    int64_t done, total;
    struct example_tick *next;
};

/* The timer's free_ud: the host calls it when the timer is stopped or the plugin unloads. */
static void tick_free(void *ud)
{
    struct example_tick *t = ud;
    for (struct example_tick **link = &t->state->ticks; *link != NULL; link = &(*link)->next) {
        if (*link == t) {
            *link = t->next;
            break;
        }
    }
    free(t->server_id);
    free(t->channel_id);
    free(t);
}

static void tick_fired(struct kith_plugin_ctx *ctx, void *ud)
{
    struct example_tick *t = ud;
    char text[64];
    snprintf(text, sizeof text, "Tick %lld/%lld", (long long)++t->done, (long long)t->total);
    post(ctx, t->server_id, t->channel_id, text);
    if (t->done >= t->total) /* stopping from inside the callback is allowed */
        example_host->timer_stop(ctx, t->timer_id);
}

void example_note_tick(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    struct example_state *state = example_state(ctx);
    const struct kith_option_value *count = kith_event_option(ev, "count");
    struct example_tick *t = calloc(1, sizeof *t);
    kith_err err = KITH_ERR_NOMEM;
    if (t != NULL) {
        *t = (struct example_tick){
            state, 0, strdup(ev->server_id), strdup(ev->channel_id), 0, count->integer, NULL};
        if (t->server_id != NULL && t->channel_id != NULL)
            err =
                example_host->timer_start(ctx, 1000, 1000, tick_fired, t, tick_free, &t->timer_id);
    }
    if (err != KITH_OK) {
        if (t != NULL) /* not taken by the host */
            tick_free(t);
        example_say(ctx, ev, "The countdown could not start (%s).", example_host->strerror(err));
        return;
    }
    t->next = state->ticks;
    state->ticks = t;
    example_say(ctx, ev, "Counting to %lld, one tick a second.", (long long)count->integer);
}

void example_ticks_stop(struct kith_plugin_ctx *ctx, const char *server_id)
{
    struct example_tick *t = example_state(ctx)->ticks;
    while (t != NULL) {
        struct example_tick *next = t->next; /* timer_stop frees t through tick_free */
        if (server_id == NULL || strcmp(t->server_id, server_id) == 0)
            example_host->timer_stop(ctx, t->timer_id);
        t = next;
    }
}

/* ---- /note slow: nothing is said while the command is handled; the answer is posted from a
 * timer, as the result of slow work would be. Platforms with a deadline for the first answer
 * (Discord's 3 seconds) show the member that kith is still thinking meanwhile. ---- */

struct example_slow {
    char *server_id;
    char *channel_id;
    int64_t seconds;
};

static void slow_free(void *ud) /* the host calls it once the one-shot timer is done */
{
    struct example_slow *w = ud;
    free(w->server_id);
    free(w->channel_id);
    free(w);
}

static void slow_fired(struct kith_plugin_ctx *ctx, void *ud)
{
    const struct example_slow *w = ud;
    char text[96];
    snprintf(text, sizeof text, "Thought about it for %lld s: the answer is 42.",
             (long long)w->seconds);
    post(ctx, w->server_id, w->channel_id, text);
}

void example_note_slow(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_option_value *seconds = kith_event_option(ev, "seconds");
    struct example_slow *w = calloc(1, sizeof *w);
    kith_err err = KITH_ERR_NOMEM;
    if (w != NULL) {
        w->seconds = seconds != NULL ? seconds->integer : 2;
        w->server_id = strdup(ev->server_id);
        w->channel_id = strdup(ev->channel_id);
        if (w->server_id != NULL && w->channel_id != NULL)
            err = example_host->timer_start(ctx, (uint64_t)w->seconds * 1000, 0, slow_fired, w,
                                            slow_free, NULL);
    }
    if (err != KITH_OK) {
        if (w != NULL) /* not taken by the host */
            slow_free(w);
        example_say(ctx, ev, "The answer could not be prepared (%s).", example_host->strerror(err));
    }
}
