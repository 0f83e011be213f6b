/* Moderation in a group: deleting a message, a timeout as restrictChatMember, a ban, and a
 * kick as a ban lifted at once. Telegram's refusals (the 48-hour delete window, missing admin
 * rights, basic groups) come back with what the admin can do about them. */
#include <string.h>

#include "platform/telegram/tg_internal.h"
#include "platform/telegram/tg_job.h"

#define RESTRICT_MIN_S 30            /* Telegram treats shorter restrictions as permanent */
#define RESTRICT_MAX_S (366 * 86400) /* ... and longer ones too */

static const char *const send_rights[] = {
    "can_send_messages",         "can_send_audios", "can_send_documents",
    "can_send_photos",           "can_send_videos", "can_send_video_notes",
    "can_send_voice_notes",      "can_send_polls",  "can_send_other_messages",
    "can_add_web_page_previews",
};

kith_err tg_op_delete(struct kith_platform *p, const struct kith_target *to, const char *message_id,
                      const char *reason, kith_action_fn fn, void *ud)
{
    (void)reason; /* Telegram keeps no audit log for bots */
    struct tg *tg = tg_of(p);
    int64_t chat = 0, mid = 0;
    const char *where = to == NULL ? NULL : to->channel_id ? to->channel_id : to->server_id;
    if (!tg_parse_chat(where, &chat, NULL) || !tg_parse_int_id(message_id, &mid))
        return KITH_ERR_INVALID;
    if (!tg->running)
        return KITH_ERR_BUSY;
    struct tg_job *job = tg_job_new(tg, chat, 0, fn, ud);
    if (job == NULL)
        return KITH_ERR_NOMEM;
    cJSON *step = tg_job_add(job, "deleteMessage");
    kith_err err = step ? tg_json_add_int(step, "message_id", mid) : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = tg_job_start(job);
    if (err != KITH_OK)
        tg_job_free(job);
    return err;
}

static kith_err add_permissions(cJSON *step, bool allowed)
{
    cJSON *perms = cJSON_AddObjectToObject(step, "permissions");
    if (perms == NULL)
        return KITH_ERR_NOMEM;
    for (size_t i = 0; i < sizeof send_rights / sizeof send_rights[0]; i++)
        if (cJSON_AddBoolToObject(perms, send_rights[i], allowed) == NULL)
            return KITH_ERR_NOMEM;
    /* Lifting a timeout gives back what the group allows everyone. */
    return cJSON_AddFalseToObject(step, "use_independent_chat_permissions") ? KITH_OK
                                                                            : KITH_ERR_NOMEM;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The member's step(s) for one moderation. */
static kith_err add_steps(struct tg *tg, struct tg_job *job, const struct kith_moderation *a,
                          int64_t user)
{
    int64_t now_s = kith_core_now_ms(tg->core) / 1000;
    const char *method = NULL;
    switch (a->kind) {
    case KITH_MOD_TIMEOUT:
    case KITH_MOD_UNTIMEOUT: method = "restrictChatMember"; break;
    case KITH_MOD_KICK:
    case KITH_MOD_BAN: method = "banChatMember"; break;
    case KITH_MOD_UNBAN: method = "unbanChatMember"; break;
    default: return KITH_ERR_UNSUPPORTED; /* Telegram groups have no roles */
    }
    if (a->kind == KITH_MOD_TIMEOUT && a->duration_s <= 0)
        return KITH_ERR_INVALID;
    cJSON *step = tg_job_add(job, method);
    kith_err err = step ? tg_json_add_int(step, "user_id", user) : KITH_ERR_NOMEM;
    if (err == KITH_OK && a->kind == KITH_MOD_TIMEOUT) {
        err = add_permissions(step, false);
        if (err == KITH_OK)
            err = tg_json_add_int(step, "until_date",
                                  now_s + clamp(a->duration_s, RESTRICT_MIN_S, RESTRICT_MAX_S));
    } else if (err == KITH_OK && a->kind == KITH_MOD_UNTIMEOUT) {
        err = add_permissions(step, true);
    } else if (err == KITH_OK && a->kind == KITH_MOD_BAN && a->duration_s > 0) {
        err = tg_json_add_int(step, "until_date",
                              now_s + clamp(a->duration_s, RESTRICT_MIN_S, RESTRICT_MAX_S));
    } else if (err == KITH_OK && a->kind == KITH_MOD_UNBAN) {
        err = cJSON_AddTrueToObject(step, "only_if_banned") ? KITH_OK : KITH_ERR_NOMEM;
    }
    if (err != KITH_OK || a->kind != KITH_MOD_KICK)
        return err;
    /* A kick: banned, then let back in, so the member may join again. */
    cJSON *unban = tg_job_add(job, "unbanChatMember");
    if (unban == NULL || tg_json_add_int(unban, "user_id", user) != KITH_OK ||
        !cJSON_AddTrueToObject(unban, "only_if_banned"))
        return KITH_ERR_NOMEM;
    return KITH_OK;
}

kith_err tg_op_moderate(struct kith_platform *p, const struct kith_moderation *action,
                        kith_action_fn fn, void *ud)
{
    struct tg *tg = tg_of(p);
    int64_t chat = 0, user = 0;
    if (action == NULL || !tg_parse_chat(action->server_id, &chat, NULL) || chat > 0 ||
        !tg_parse_int_id(action->user_id, &user))
        return KITH_ERR_INVALID;
    if (!tg->running)
        return KITH_ERR_BUSY;
    struct tg_job *job = tg_job_new(tg, chat, 0, fn, ud);
    if (job == NULL)
        return KITH_ERR_NOMEM;
    kith_err err = add_steps(tg, job, action, user);
    if (err == KITH_OK)
        err = tg_job_start(job);
    if (err != KITH_OK)
        tg_job_free(job);
    return err;
}
