/* Moderation: redacting a message (through the outbox, it has a transaction id), kicking,
 * banning and unbanning. A refusal (M_FORBIDDEN: the bot's power level is too low) is logged
 * and reported to the plugin in words an admin can act on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "platform/matrix/matrix.h"

#define MODERATION_ATTEMPTS 4

struct moderation {
    struct mx *mx;
    kith_action_fn fn;
    void *ud;
    char *what; /* "kick of @bob:example.org in !room:example.org", for messages */
};

static void on_done(struct mx *mx, const struct mx_reply *reply, void *ud)
{
    struct moderation *m = ud;
    char *detail = NULL;
    if (reply->err != KITH_OK) {
        char *why = mx_reply_detail_dup(reply);
        bool refused = reply->errcode != NULL && strcmp(reply->errcode, "M_FORBIDDEN") == 0;
        if (asprintf(&detail, "%s %s: %s%s", m->what, refused ? "refused" : "failed",
                     why ? why : kith_strerror(reply->err),
                     refused ? " (kith's power level in the room is too low)" : "") < 0)
            detail = NULL;
        free(why);
        if (reply->err != KITH_ERR_CANCELLED)
            kith_log(KITH_LOG_WARN, MX_PLATFORM, "%s", detail ? detail : m->what);
    }
    struct kith_result result = {.err = reply->err, .detail = detail};
    if (m->fn != NULL)
        m->fn(&result, m->ud);
    free(detail);
    free(m->what);
    free(m);
    mx_action_finished(mx);
}

static struct moderation *moderation_new(struct mx *mx, kith_action_fn fn, void *ud,
                                         const char *verb, const char *object, const char *room)
{
    struct moderation *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->mx = mx;
    m->fn = fn;
    m->ud = ud;
    if (asprintf(&m->what, "%s of %s in %s", verb, object, room) < 0) {
        free(m);
        return NULL;
    }
    return m;
}

static char *reason_body(const char *user_id, const char *reason)
{
    cJSON *body = cJSON_CreateObject();
    char *text = NULL;
    if (body != NULL && (user_id == NULL || cJSON_AddStringToObject(body, "user_id", user_id)) &&
        (reason == NULL || cJSON_AddStringToObject(body, "reason", reason)))
        text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    return text;
}

kith_err mx_op_delete(struct kith_platform *p, const struct kith_target *to, const char *message_id,
                      const char *reason, kith_action_fn fn, void *ud)
{
    struct mx *mx = p->impl;
    const char *room = mx_target_room(to);
    if (room == NULL || message_id == NULL)
        return KITH_ERR_INVALID;
    if (mx->phase != MX_RUNNING && !(mx->phase == MX_CONNECTING && mx->token != NULL))
        return KITH_ERR_BUSY;
    const char *event = kith_id_local(message_id);
    struct moderation *m = moderation_new(mx, fn, ud, "redaction", event, room);
    char *txn = mx_txn_new(mx, NULL);
    char *body = reason_body(NULL, reason);
    char *e_room = mx_escape_dup(room);
    char *e_event = mx_escape_dup(event);
    char *e_txn = txn ? mx_escape_dup(txn) : NULL;
    char *path = NULL;
    if (m == NULL || body == NULL || e_room == NULL || e_event == NULL || e_txn == NULL ||
        asprintf(&path, MX_CLIENT "/rooms/%s/redact/%s/%s", e_room, e_event, e_txn) < 0)
        path = NULL;
    kith_err err = path ? mx_outbox_put(mx, txn, path, body, on_done, m) : KITH_ERR_NOMEM;
    free(txn);
    free(body);
    free(e_room);
    free(e_event);
    free(e_txn);
    free(path);
    if (err != KITH_OK) {
        if (m != NULL)
            free(m->what);
        free(m);
        return err;
    }
    mx->actions_pending++;
    return KITH_OK;
}

static const char *membership_verb(const struct kith_moderation *action)
{
    switch (action->kind) {
    case KITH_MOD_KICK: return "kick";
    case KITH_MOD_BAN: return action->duration_s == 0 ? "ban" : NULL; /* bans never expire */
    case KITH_MOD_UNBAN: return "unban";
    default: return NULL; /* no timeouts or roles in Matrix rooms */
    }
}

kith_err mx_op_moderate(struct kith_platform *p, const struct kith_moderation *action,
                        kith_action_fn fn, void *ud)
{
    struct mx *mx = p->impl;
    if (action == NULL || action->server_id == NULL || action->user_id == NULL)
        return KITH_ERR_INVALID;
    const char *verb = membership_verb(action);
    if (verb == NULL)
        return KITH_ERR_UNSUPPORTED;
    if (mx->phase != MX_RUNNING && !(mx->phase == MX_CONNECTING && mx->token != NULL))
        return KITH_ERR_BUSY;
    const char *room = kith_id_local(action->server_id);
    const char *user = kith_id_local(action->user_id);
    struct moderation *m = moderation_new(mx, fn, ud, verb, user, room);
    char *body = reason_body(user, action->reason);
    char *e_room = mx_escape_dup(room);
    char *path = NULL;
    if (m == NULL || body == NULL || e_room == NULL ||
        asprintf(&path, MX_CLIENT "/rooms/%s/%s", e_room, verb) < 0)
        path = NULL;
    struct mx_request req = {
        .method = "POST", .path = path, .body = body, .attempts = MODERATION_ATTEMPTS};
    kith_err err = path ? mx_call_start(mx, &req, on_done, m, NULL) : KITH_ERR_NOMEM;
    free(body);
    free(e_room);
    free(path);
    if (err != KITH_OK) {
        if (m != NULL)
            free(m->what);
        free(m);
        return err;
    }
    mx->actions_pending++;
    return KITH_OK;
}
