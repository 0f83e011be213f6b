/* fake_telegram: the Bot API as api.telegram.org serves it, for scenario tests.
 *   POST|GET /bot<token>/<method>  (method names case-insensitive; JSON, form, multipart or
 *                                  query arguments; {ok, result} or {ok:false, error_code,
 *                                  description, parameters})
 *   /_control/...                  inject updates, set up chats, arm faults (tgf_control.c)
 * Options: --port N, --token T (default "123456:TEST-TOKEN"), --username U. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fake_telegram.h"

/* ---- Answers. ---- */

static void respond(struct fake_request *req, int status, const char *const *headers,
                    cJSON *body /* taken */)
{
    if (body == NULL) {
        fake_request_respond(req, 500, NULL, "application/json", "{}", 2);
        return;
    }
    fake_request_respond_json(req, status, headers, body);
    cJSON_Delete(body);
}

void tgf_ok(struct fake_request *req, cJSON *result)
{
    cJSON *body = cJSON_CreateObject();
    if (body == NULL || result == NULL || !cJSON_AddTrueToObject(body, "ok") ||
        !cJSON_AddItemToObject(body, "result", result)) {
        cJSON_Delete(body);
        cJSON_Delete(result);
        body = NULL;
    }
    respond(req, 200, NULL, body);
}

void tgf_error_params(struct fake_request *req, int code, const char *description, int retry_after,
                      int64_t migrate_to)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddFalseToObject(body, "ok");
    cJSON_AddNumberToObject(body, "error_code", code);
    cJSON_AddStringToObject(body, "description", description);
    if (retry_after > 0 || migrate_to != 0) {
        cJSON *params = cJSON_AddObjectToObject(body, "parameters");
        if (retry_after > 0)
            cJSON_AddNumberToObject(params, "retry_after", retry_after);
        if (migrate_to != 0)
            cJSON_AddItemToObject(params, "migrate_to_chat_id", tgf_id_new(migrate_to));
    }
    char retry[48];
    snprintf(retry, sizeof retry, "Retry-After: %d", retry_after);
    const char *const headers[] = {retry, NULL};
    respond(req, code, code == 429 ? headers : NULL, body);
}

void tgf_error(struct fake_request *req, int code, const char *description)
{
    tgf_error_params(req, code, description, 0, 0);
}

int64_t tgf_now_s(void)
{
    return (int64_t)time(NULL);
}

uint64_t tgf_ms(const struct tgf *tg)
{
    return uv_now(tg->loop);
}

/* ---- Arguments. ---- */

bool tgf_arg_int(const cJSON *args, const char *name, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    if (cJSON_IsNumber(v)) {
        *out = (int64_t)llround(v->valuedouble);
        return true;
    }
    /* Ids the fake made itself are raw JSON text (exact 64-bit values). */
    if ((cJSON_IsString(v) || cJSON_IsRaw(v)) && v->valuestring[0] != '\0') {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(v->valuestring, &end, 10);
        if (errno == 0 && *end == '\0') {
            *out = (int64_t)n;
            return true;
        }
    }
    return false;
}

const char *tgf_arg_str(const cJSON *args, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool tgf_arg_bool(const cJSON *args, const char *name, bool fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    if (cJSON_IsString(v))
        return strcmp(v->valuestring, "true") == 0 || strcmp(v->valuestring, "1") == 0;
    return fallback;
}

cJSON *tgf_arg_json_dup(const cJSON *args, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    if (cJSON_IsObject(v) || cJSON_IsArray(v))
        return cJSON_Duplicate(v, true);
    if (cJSON_IsString(v))
        return cJSON_Parse(v->valuestring);
    return NULL;
}

cJSON *tgf_id_new(int64_t id)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, id);
    return cJSON_CreateRaw(text);
}

int64_t tgf_json_id(const cJSON *obj, const char *name)
{
    int64_t v = 0;
    return tgf_arg_int(obj, name, &v) ? v : 0;
}

static int hex(int c)
{
    return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

static char *url_decode_dup(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; out != NULL && i < len; i++) {
        if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            out[n++] = (char)(hex((unsigned char)s[i + 1]) * 16 + hex((unsigned char)s[i + 2]));
            i += 2;
        } else {
            out[n++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    if (out != NULL)
        out[n] = '\0';
    return out;
}

/* Query parameters join the body's arguments (the Bot API takes either). */
static void add_query(cJSON *args, const char *query)
{
    while (query != NULL && *query != '\0') {
        const char *end = strchr(query, '&');
        size_t len = end ? (size_t)(end - query) : strlen(query);
        const char *eq = memchr(query, '=', len);
        if (eq != NULL) {
            char *name = url_decode_dup(query, (size_t)(eq - query));
            char *value = url_decode_dup(eq + 1, len - (size_t)(eq - query) - 1);
            if (name != NULL && value != NULL && !cJSON_HasObjectItem(args, name))
                cJSON_AddStringToObject(args, name, value);
            free(name);
            free(value);
        }
        query = end ? end + 1 : NULL;
    }
}

static cJSON *args_new(struct fake_request *req)
{
    const char *type = fake_request_header(req, "content-type");
    cJSON *args = NULL;
    if (type != NULL && strncasecmp(type, "multipart/form-data", 19) == 0) {
        size_t len = 0;
        const char *body = fake_request_body(req, &len);
        args = tgf_multipart_parse_new(type, body, len);
    } else {
        const cJSON *parsed = fake_request_json(req);
        if (cJSON_IsObject(parsed))
            args = cJSON_Duplicate(parsed, true);
    }
    if (args == NULL)
        args = cJSON_CreateObject();
    if (args != NULL)
        add_query(args, fake_request_query(req));
    return args;
}

/* ---- Routing. ---- */

static void get_me(struct tgf *tg, struct fake_request *req)
{
    cJSON *me = tgf_user_json(TGF_BOT_ID, "Kith Test");
    cJSON_ReplaceItemInObject(me, "is_bot", cJSON_CreateTrue());
    cJSON_AddStringToObject(me, "username", tg->username);
    cJSON_AddTrueToObject(me, "can_join_groups");
    cJSON_AddFalseToObject(me, "can_read_all_group_messages");
    cJSON_AddFalseToObject(me, "supports_inline_queries");
    tgf_ok(req, me);
}

static void route(struct tgf *tg, struct fake_request *req, const char *m, const cJSON *args)
{
    if (strcmp(m, "getme") == 0)
        get_me(tg, req);
    else if (strcmp(m, "getupdates") == 0)
        tgf_get_updates(tg, req, args);
    else if (strcmp(m, "setwebhook") == 0)
        tgf_set_webhook(tg, req, args);
    else if (strcmp(m, "deletewebhook") == 0)
        tgf_delete_webhook(tg, req, args);
    else if (strcmp(m, "getwebhookinfo") == 0)
        tgf_webhook_info(tg, req);
    else if (strcmp(m, "sendmessage") == 0)
        tgf_send_message(tg, req, args);
    else if (strcmp(m, "senddocument") == 0)
        tgf_send_document(tg, req, args);
    else if (strcmp(m, "editmessagetext") == 0)
        tgf_edit_message(tg, req, args, false);
    else if (strcmp(m, "editmessagereplymarkup") == 0)
        tgf_edit_message(tg, req, args, true);
    else if (strcmp(m, "deletemessage") == 0)
        tgf_delete_message(tg, req, args);
    else if (strcmp(m, "sendpoll") == 0)
        tgf_send_poll(tg, req, args);
    else if (strcmp(m, "stoppoll") == 0)
        tgf_stop_poll(tg, req, args);
    else if (strcmp(m, "answercallbackquery") == 0)
        tgf_answer_callback(tg, req, args);
    else if (strcmp(m, "setmycommands") == 0 || strcmp(m, "deletemycommands") == 0)
        tgf_set_commands(tg, req, args);
    else if (strcmp(m, "getmycommands") == 0)
        tgf_get_commands(tg, req, args);
    else if (strcmp(m, "getchatadministrators") == 0)
        tgf_get_admins(tg, req, args);
    else if (strcmp(m, "banchatmember") == 0 || strcmp(m, "unbanchatmember") == 0 ||
             strcmp(m, "restrictchatmember") == 0)
        tgf_moderate(tg, req, m, args);
    else
        tgf_error(req, 404, "Not Found");
}

static void on_http(struct fake_server *srv, struct fake_request *req, void *ud)
{
    struct tgf *tg = ud;
    (void)srv;
    const char *path = fake_request_path(req);
    const char *slash = strncmp(path, "/bot", 4) == 0 ? strchr(path + 4, '/') : NULL;
    if (slash == NULL) {
        tgf_error(req, 404, "Not Found");
        return;
    }
    size_t token_len = (size_t)(slash - (path + 4));
    if (token_len != strlen(tg->token) || strncmp(path + 4, tg->token, token_len) != 0) {
        tgf_error(req, 401, "Unauthorized");
        return;
    }
    char method[48];
    size_t n = 0;
    for (const char *p = slash + 1; *p != '\0' && n + 1 < sizeof method; p++)
        method[n++] = (char)tolower((unsigned char)*p);
    method[n] = '\0';
    if (tgf_fault_apply(tg, req, method))
        return;
    cJSON *args = args_new(req);
    if (args == NULL) {
        tgf_error(req, 500, "Internal Server Error");
        return;
    }
    route(tg, req, method, args);
    cJSON_Delete(args);
}

/* ---- Program. ---- */

static void at_free(struct fake_server *srv, void *ud)
{
    struct tgf *tg = ud;
    (void)srv;
    tg->closing = true;
    tgf_faults_free(tg);
    tgf_webhook_free(tg);
    tgf_updates_free(tg);
    tgf_chats_free(tg);
    cJSON_Delete(tg->private_users);
    cJSON_Delete(tg->callbacks);
    cJSON_Delete(tg->polls);
    cJSON_Delete(tg->commands);
    tg->private_users = tg->callbacks = tg->polls = tg->commands = NULL;
}

static void on_ready(struct fake_server *srv, uv_loop_t *loop, void *ud)
{
    struct tgf *tg = ud;
    tg->srv = srv;
    tg->loop = loop;
    fake_server_at_free(srv, at_free, tg);
}

int main(int argc, char **argv)
{
    struct tgf tg = {
        .token = fake_arg_value(argc, argv, "--token"),
        .username = fake_arg_value(argc, argv, "--username"),
        .updates = cJSON_CreateArray(),
        .next_update_id = 100000,
        .private_users = cJSON_CreateArray(),
        .callbacks = cJSON_CreateObject(),
        .next_callback = 1,
        .polls = cJSON_CreateObject(),
        .next_poll = 5000000000LL,
        .commands = cJSON_CreateObject(),
    };
    if (tg.token == NULL)
        tg.token = "123456:TEST-TOKEN";
    if (tg.username == NULL)
        tg.username = "kith_test_bot";
    if (tg.updates == NULL || tg.private_users == NULL || tg.callbacks == NULL ||
        tg.polls == NULL || tg.commands == NULL) {
        fprintf(stderr, "fake_telegram: out of memory\n");
        return 1;
    }
    struct fake_server_opts opts = {.http = on_http, .control = tgf_control, .ud = &tg};
    return fake_server_main(argc, argv, &opts, on_ready);
}
