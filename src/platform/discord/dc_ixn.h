/* One interaction between its arrival and its last answer, shared by the intake
 * (dc_interactions.c) and the answering (dc_ixn_answer.c). */
#ifndef KITH_DC_IXN_H
#define KITH_DC_IXN_H

#include "platform/discord/dc_internal.h"

enum dc_ixn_state {
    DC_IXN_OPEN = 0,  /* nothing sent to Discord yet */
    DC_IXN_ANSWERING, /* a type 4 callback is on its way */
    DC_IXN_DEFERRING, /* a type 5/6 callback is on its way */
    DC_IXN_DEFERRED,  /* "thinking…" shown: the next message edits it */
    DC_IXN_ANSWERED,  /* done with the first answer: further replies are follow-ups */
    DC_IXN_MODAL,     /* a modal was the answer: replies come with its submit, not here */
};

#define DC_IXN_TYPE_COMMAND 2
#define DC_IXN_TYPE_COMPONENT 3
#define DC_IXN_TYPE_MODAL_SUBMIT 5

/* A reply waiting for the first answer to land. */
struct dc_ixn_followup {
    struct dc_ixn_followup *next;
    kith_message *msg; /* owned copy */
    kith_action_fn fn;
    void *ud;
};

struct dc_ixn {
    struct dc_ixn *next; /* in the table */
    struct dc_interactions *table;
    char id[DC_SNOWFLAKE_MAX];
    char app_id[DC_SNOWFLAKE_MAX];
    char channel[DC_SNOWFLAKE_MAX];
    char *token;
    int type;   /* DC_IXN_TYPE_* */
    bool quiet; /* a press, or a modal opened by one: its deferral shows nothing */
    enum dc_ixn_state state;
    uint64_t received_at; /* loop ms */
    uv_timer_t *timer;    /* the automatic deferral, then the end of the follow-up wait */
    struct dc_ixn_followup *waiting, *waiting_tail;
    size_t in_flight; /* REST calls of this interaction not finished */
    bool dispatching;
    struct kith_event_private priv;
};

struct dc_interactions {
    struct dc *dc;
    struct dc_ixn *list;
    size_t count;
    bool stopping;
};

/* ---- dc_ixn_answer.c ---- */
/* After dispatch: defers automatically unless a reply is already on its way. */
void dc_ixn_after_dispatch(struct dc_ixn *x);
/* Answers with a message (a callback, an edit of "thinking…", or a follow-up). */
kith_err dc_ixn_answer(struct dc_ixn *x, const kith_message *msg, kith_action_fn fn, void *ud);
/* Frees the interaction when nothing can reach it any more. */
void dc_ixn_maybe_free(struct dc_ixn *x);
/* Fails every waiting follow-up with err (KITH_ERR_CANCELLED at shutdown). */
void dc_ixn_fail_waiting(struct dc_ixn *x, kith_err err, const char *why);
void dc_ixn_free(struct dc_ixn *x);

/* ---- dc_forms.c ---- */
/* A modal submit's text inputs ("f<index>") as the event's values, in field order. */
void dc_form_values(struct dc_event_build *b, const cJSON *rows);

#endif
