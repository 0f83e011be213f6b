/* The fake's interaction endpoints: the callback within 3 seconds (later: 10062; twice: 40060;
 * a modal, type 9, only as the first answer to a command or a press),
 * with_response answers, follow-ups and @original edits through the interaction webhook for
 * 15 minutes, each visible message announced on the gateway. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_discord.h"

#define DEADLINE_MS 3000
#define TOKEN_LIFE_MS (15 * 60 * 1000)
#define EPHEMERAL 64
#define LOADING 128
#define GUILD_MESSAGES_INTENT (1LL << 9)

static bool ephemeral_of(const cJSON *data)
{
    double flags = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(data, "flags"));
    return flags == flags && ((long long)flags & EPHEMERAL) != 0;
}

static void answer_callback(struct fdc *fd, struct fake_request *req, struct fdc_interaction *x,
                            int type, const cJSON *message, const char *const *headers)
{
    x->acked_ms = fdc_now(fd);
    char *with = fake_request_query_param(req, "with_response");
    bool with_response = with != NULL && strcmp(with, "true") == 0;
    free(with);
    if (!with_response) {
        fake_request_respond(req, 204, headers, NULL, NULL, 0);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *ix = cJSON_AddObjectToObject(o, "interaction");
    cJSON_AddStringToObject(ix, "id", x->id);
    cJSON_AddNumberToObject(ix, "type", x->type);
    if (x->original_id[0] != '\0')
        cJSON_AddStringToObject(ix, "response_message_id", x->original_id);
    cJSON *resource = cJSON_AddObjectToObject(o, "resource");
    cJSON_AddNumberToObject(resource, "type", type);
    if (message != NULL)
        cJSON_AddItemToObject(resource, "message", cJSON_Duplicate(message, true));
    fdc_respond(req, 200, headers, o);
}

static void callback(struct fdc *fd, struct fake_request *req, const char *id, const char *token,
                     const char *const *headers)
{
    struct fdc_interaction *x = fdc_interaction(fd, id);
    if (x == NULL || fdc_now(fd) - x->created_ms > DEADLINE_MS) {
        fd->late_callbacks += x != NULL;
        fdc_error(req, 404, 10062, "Unknown interaction");
        return;
    }
    if (strcmp(x->token, token) != 0) {
        fdc_limits_invalid(fd);
        fdc_error(req, 401, 50027, "Invalid Webhook Token");
        return;
    }
    if (x->ack != FDC_ACK_NONE) {
        fd->double_acks++;
        fdc_error(req, 400, 40060, "Interaction has already been acknowledged.");
        return;
    }
    cJSON *body = fdc_body_dup(req);
    int type = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(body, "type"));
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(body, "data");
    const cJSON *message = NULL;
    if (type == 4) {
        if (!fdc_check_message(req, data)) {
            cJSON_Delete(body);
            return;
        }
        message = fdc_post_message(fd, x->channel_id, data, x->id, ephemeral_of(data));
        x->ack = FDC_ACK_MESSAGE;
    } else if (type == 5) {
        cJSON *placeholder = cJSON_CreateObject();
        cJSON_AddNumberToObject(placeholder, "flags", LOADING);
        message = fdc_post_message(fd, x->channel_id, placeholder, x->id, ephemeral_of(data));
        cJSON_Delete(placeholder);
        x->ack = FDC_ACK_DEFERRED;
    } else if (type == 6 && (x->type == 3 || (x->type == 5 && x->message_id[0] != '\0'))) {
        x->ack = FDC_ACK_UPDATE; /* a press, or a modal opened by a press */
    } else if (type == 9 && (x->type == 2 || x->type == 3)) {
        if (!fdc_modal_check(req, data)) {
            cJSON_Delete(body);
            return;
        }
        x->modal = cJSON_Duplicate(data, true);
        x->ack = FDC_ACK_MODAL;
    } else {
        cJSON_Delete(body);
        fdc_error(req, 400, 50035, "Invalid Form Body");
        return;
    }
    if (message != NULL)
        fdc_copy(x->original_id, sizeof x->original_id,
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(message, "id")));
    answer_callback(fd, req, x, type, message, headers);
    cJSON_Delete(body);
}

/* ---- The interaction webhook. ---- */

static void followup(struct fdc *fd, struct fake_request *req, struct fdc_interaction *x,
                     const char *const *headers)
{
    cJSON *body = fdc_body_dup(req);
    if (fdc_check_message(req, body)) {
        const cJSON *m = fdc_post_message(fd, x->channel_id, body, x->id, ephemeral_of(body));
        char *wait = fake_request_query_param(req, "wait");
        if (wait != NULL && strcmp(wait, "true") == 0 && m != NULL)
            fdc_respond(req, 200, headers, cJSON_Duplicate(m, true));
        else
            fake_request_respond(req, 204, headers, NULL, NULL, 0);
        free(wait);
    }
    cJSON_Delete(body);
}

static void edit_original(struct fdc *fd, struct fake_request *req, struct fdc_interaction *x,
                          const char *const *headers)
{
    struct fdc_message *m = fdc_message(fd, x->original_id);
    if (m == NULL || m->deleted) {
        fdc_error(req, 404, 10008, "Unknown Message");
        return;
    }
    cJSON *body = fdc_body_dup(req);
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        fdc_error(req, 400, 50035, "Invalid Form Body");
        return;
    }
    static const char *const fields[] = {"content", "embeds", "components", "poll", "attachments"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, fields[i]);
        if (v == NULL)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(m->json, fields[i]);
        cJSON_AddItemToObject(m->json, fields[i], cJSON_Duplicate(v, true));
    }
    cJSON_DeleteItemFromObjectCaseSensitive(m->json, "flags"); /* no longer "thinking…" */
    cJSON_AddNumberToObject(m->json, "flags", 0);
    cJSON_Delete(body);
    fdc_emit(fd, m->guild_id[0] ? m->guild_id : NULL, "MESSAGE_UPDATE", m->json,
             GUILD_MESSAGES_INTENT);
    fdc_respond(req, 200, headers, cJSON_Duplicate(m->json, true));
}

static void delete_original(struct fdc *fd, struct fake_request *req, struct fdc_interaction *x,
                            const char *const *headers)
{
    struct fdc_message *m = fdc_message(fd, x->original_id);
    if (m == NULL || m->deleted) {
        fdc_error(req, 404, 10008, "Unknown Message");
        return;
    }
    m->deleted = true;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "id", m->id);
    cJSON_AddStringToObject(d, "channel_id", m->channel_id);
    if (m->guild_id[0] != '\0')
        cJSON_AddStringToObject(d, "guild_id", m->guild_id);
    fdc_emit(fd, m->guild_id[0] ? m->guild_id : NULL, "MESSAGE_DELETE", d, GUILD_MESSAGES_INTENT);
    cJSON_Delete(d);
    fake_request_respond(req, 204, headers, NULL, NULL, 0);
}

static void webhook(struct fdc *fd, struct fake_request *req, const char *app, const char *token,
                    const char *rest, const char *const *headers)
{
    struct fdc_interaction *x = fdc_interaction_by_token(fd, token);
    const char *method = fake_request_method(req);
    /* A modal answer creates no message: the webhook has nothing to follow up. */
    if (strcmp(app, fd->app_id) != 0 || x == NULL || x->ack == FDC_ACK_NONE ||
        x->ack == FDC_ACK_MODAL) {
        fdc_error(req, 404, 10015, "Unknown Webhook");
        return;
    }
    if (fdc_now(fd) - x->created_ms > TOKEN_LIFE_MS) {
        fdc_limits_invalid(fd);
        fdc_error(req, 401, 50027, "Invalid Webhook Token");
        return;
    }
    bool original = strcmp(rest, "/messages/@original") == 0;
    if (rest[0] == '\0' && strcmp(method, "POST") == 0)
        followup(fd, req, x, headers);
    else if (original && strcmp(method, "PATCH") == 0)
        edit_original(fd, req, x, headers);
    else if (original && strcmp(method, "DELETE") == 0)
        delete_original(fd, req, x, headers);
    else
        fdc_error(req, 404, 0, "404: Not Found");
}

bool fdc_interaction_route(struct fdc *fd, struct fake_request *req, const char *path,
                           const char *const *headers)
{
    char a[FDC_ID_MAX], b[64], rest[64];
    rest[0] = '\0';
    if (sscanf(path, "/interactions/%23[0-9]/%63[^/]/callback", a, b) == 2 &&
        strcmp(fake_request_method(req), "POST") == 0) {
        callback(fd, req, a, b, headers);
        return true;
    }
    if (sscanf(path, "/webhooks/%23[0-9]/%63[^/]%63s", a, b, rest) >= 2) {
        webhook(fd, req, a, b, rest, headers);
        return true;
    }
    fdc_error(req, 404, 0, "404: Not Found");
    return true;
}
