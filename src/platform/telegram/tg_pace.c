/* Send pacing within Telegram's limits: one message per second in a chat, 20 per minute in a
 * group, 30 per second overall, and a 429's retry_after honoured for that chat alone. Every
 * call goes out from the pacer's timer, never from inside the call that queued it. */
#include <stdlib.h>

#include "platform/telegram/tg_internal.h"

#define GROUP_WINDOW_MS 60000
#define GLOBAL_WINDOW_MS 1000
#define IDLE_FORGET_MS 60000 /* a chat's pacing state is dropped after this long unused */

static void on_timer(uv_timer_t *timer)
{
    struct tg *tg = timer->data;
    if (tg != NULL)
        tg_pace_pump(tg);
}

/* Runs the pump at `due` (loop ms) unless it already runs earlier. */
static void schedule(struct tg *tg, uint64_t due)
{
    struct tg_pacer *pc = &tg->pacer;
    if (pc->timer == NULL && (pc->timer = tg_timer_new(tg)) == NULL)
        return;
    uint64_t now = tg_now(tg);
    uint64_t delay = due > now ? due - now : 0;
    if (uv_is_active((uv_handle_t *)pc->timer) && uv_timer_get_due_in(pc->timer) <= delay)
        return;
    uv_timer_start(pc->timer, on_timer, delay, 0);
}

static struct tg_chat_pace *find_chat(struct tg *tg, int64_t chat, bool create)
{
    for (struct tg_chat_pace *c = tg->pacer.chats; c != NULL; c = c->next)
        if (c->chat == chat)
            return c;
    if (!create)
        return NULL;
    struct tg_chat_pace *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->chat = chat;
    c->next = tg->pacer.chats;
    tg->pacer.chats = c;
    return c;
}

/* At the end: unpaced calls go out in the order they were made. */
static void push_waiting(struct tg *tg, struct tg_call *call)
{
    struct tg_call **link = &tg->pacer.waiting;
    while (*link != NULL)
        link = tg_call_next(*link);
    *tg_call_next(call) = NULL;
    *link = call;
}

void tg_pace_enqueue(struct tg *tg, struct tg_call *call)
{
    *tg_call_next(call) = NULL;
    int64_t chat_id = tg_call_chat(call);
    struct tg_chat_pace *chat = chat_id != 0 ? find_chat(tg, chat_id, true) : NULL;
    if (chat == NULL) {
        push_waiting(tg, call); /* unpaced, or no memory for pacing: sent as it comes */
    } else {
        if (chat->tail != NULL)
            *tg_call_next(chat->tail) = call;
        else
            chat->head = call;
        chat->tail = call;
    }
    schedule(tg, 0);
}

void tg_pace_retry_later(struct tg *tg, struct tg_call *call, int retry_after_s)
{
    uint64_t until = tg_now(tg) + (uint64_t)(retry_after_s > 0 ? retry_after_s : 1) * 1000;
    int64_t chat_id = tg_call_chat(call);
    struct tg_chat_pace *chat = chat_id != 0 ? find_chat(tg, chat_id, true) : NULL;
    if (chat == NULL) {
        tg_call_set_not_before(call, until); /* the waiting list is unordered */
        push_waiting(tg, call);
    } else {
        chat->blocked_until = until;
        *tg_call_next(call) = chat->head; /* first again: the chat's order is kept */
        chat->head = call;
        if (chat->tail == NULL)
            chat->tail = call;
    }
    schedule(tg, until);
}

void tg_pace_finished(struct tg *tg, struct tg_call *call)
{
    struct tg_chat_pace *chat = find_chat(tg, tg_call_chat(call), false);
    if (chat != NULL)
        chat->busy = false;
    schedule(tg, 0);
}

static bool unlink_from(struct tg_call **head, struct tg_call **tail, struct tg_call *call)
{
    struct tg_call *prev = NULL;
    for (struct tg_call **link = head; *link != NULL; link = tg_call_next(*link)) {
        if (*link != call) {
            prev = *link;
            continue;
        }
        *link = *tg_call_next(call);
        if (tail != NULL && *tail == call)
            *tail = prev;
        return true;
    }
    return false;
}

void tg_pace_remove(struct tg *tg, struct tg_call *call)
{
    struct tg_chat_pace *chat = find_chat(tg, tg_call_chat(call), false);
    if (chat != NULL && unlink_from(&chat->head, &chat->tail, call))
        return;
    unlink_from(&tg->pacer.waiting, NULL, call);
}

/* ---- The pump. ---- */

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* The earliest loop time the chat's next message may go. */
static uint64_t chat_due(const struct tg_pacer *pc, const struct tg_chat_pace *c)
{
    uint64_t due = c->last_send != 0 ? c->last_send + TG_CHAT_INTERVAL_MS : 0;
    due = max_u64(due, c->blocked_until);
    if (c->chat < 0 && c->window[c->window_pos] != 0) /* groups have negative ids */
        due = max_u64(due, c->window[c->window_pos] + GROUP_WINDOW_MS);
    if (pc->global[pc->global_pos] != 0)
        due = max_u64(due, pc->global[pc->global_pos] + GLOBAL_WINDOW_MS);
    return due;
}

static void record_send(struct tg_pacer *pc, struct tg_chat_pace *c, uint64_t now)
{
    c->busy = true;
    c->last_send = now;
    c->window[c->window_pos] = now;
    c->window_pos = (c->window_pos + 1) % TG_GROUP_WINDOW;
    pc->global[pc->global_pos] = now;
    pc->global_pos = (pc->global_pos + 1) % TG_GLOBAL_WINDOW;
}

static bool chat_idle(const struct tg_chat_pace *c, uint64_t now)
{
    uint64_t newest = c->window[(c->window_pos + TG_GROUP_WINDOW - 1) % TG_GROUP_WINDOW];
    return c->head == NULL && !c->busy && c->blocked_until <= now && newest + IDLE_FORGET_MS <= now;
}

/* Moves the chats' sendable heads onto *ready; returns the next time one becomes due. */
static uint64_t take_paced(struct tg *tg, uint64_t now, struct tg_call ***ready_tail)
{
    struct tg_pacer *pc = &tg->pacer;
    uint64_t wake = UINT64_MAX;
    struct tg_chat_pace **link = &pc->chats;
    while (*link != NULL) {
        struct tg_chat_pace *c = *link;
        if (chat_idle(c, now)) {
            *link = c->next;
            free(c);
            continue;
        }
        link = &c->next;
        if (c->head == NULL || c->busy)
            continue;
        uint64_t due = chat_due(pc, c);
        if (due > now) {
            wake = due < wake ? due : wake;
            continue;
        }
        struct tg_call *call = c->head;
        c->head = *tg_call_next(call);
        if (c->head == NULL)
            c->tail = NULL;
        *tg_call_next(call) = NULL;
        **ready_tail = call;
        *ready_tail = tg_call_next(call);
        record_send(pc, c, now);
    }
    return wake;
}

static uint64_t take_waiting(struct tg *tg, uint64_t now, struct tg_call ***ready_tail)
{
    uint64_t wake = UINT64_MAX;
    struct tg_call **link = &tg->pacer.waiting;
    while (*link != NULL) {
        struct tg_call *call = *link;
        uint64_t due = tg_call_not_before(call);
        if (due > now) {
            wake = due < wake ? due : wake;
            link = tg_call_next(call);
            continue;
        }
        *link = *tg_call_next(call);
        *tg_call_next(call) = NULL;
        **ready_tail = call;
        *ready_tail = tg_call_next(call);
    }
    return wake;
}

void tg_pace_pump(struct tg *tg)
{
    uint64_t now = tg_now(tg);
    struct tg_call *ready = NULL;
    struct tg_call **tail = &ready;
    uint64_t wake = take_waiting(tg, now, &tail);
    uint64_t paced_wake = take_paced(tg, now, &tail);
    wake = paced_wake < wake ? paced_wake : wake;
    if (wake != UINT64_MAX)
        schedule(tg, wake);
    /* Transmitting may finish a call (and run its callback, which may queue more): the
     * queues are no longer walked by then. */
    while (ready != NULL) {
        struct tg_call *call = ready;
        ready = *tg_call_next(call);
        *tg_call_next(call) = NULL;
        tg_api_transmit(tg, call);
    }
}

void tg_pace_free(struct tg *tg)
{
    struct tg_pacer *pc = &tg->pacer;
    tg_timer_close(&pc->timer);
    while (pc->chats != NULL) {
        struct tg_chat_pace *c = pc->chats;
        pc->chats = c->next;
        free(c);
    }
    pc->waiting = NULL;
}
