/* Webhook delivery: the oldest queued update is POSTed to the webhook URL with the secret
 * token header, one at a time; a 2xx answer removes it, anything else (or no answer) is
 * retried after a short, growing delay, as Telegram retries. Plain HTTP over libuv TCP. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake_telegram.h"

#define DELIVERY_TIMEOUT_MS 5000
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 2000

struct tgf_delivery {
    struct tgf *tg;
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_write_t write;
    uv_timer_t timer;
    int open_handles;
    char *request;
    size_t request_len;
    char *response;
    size_t response_len, response_cap;
    int64_t update_id;
    bool finished;
};

static void handle_closed(uv_handle_t *handle)
{
    struct tgf_delivery *d = handle->data;
    if (--d->open_handles == 0) {
        free(d->request);
        free(d->response);
        free(d);
    }
}

static void retry_due(uv_timer_t *timer)
{
    struct tgf *tg = timer->data;
    tgf_webhook_kick(tg);
}

static void schedule_retry(struct tgf *tg)
{
    if (tg->webhook_timer == NULL) {
        tg->webhook_timer = malloc(sizeof *tg->webhook_timer);
        if (tg->webhook_timer == NULL)
            return;
        uv_timer_init(tg->loop, tg->webhook_timer);
        tg->webhook_timer->data = tg;
    }
    int shift = tg->webhook_failures < 5 ? tg->webhook_failures : 5;
    uint64_t delay = (uint64_t)RETRY_FIRST_MS << shift;
    uv_timer_start(tg->webhook_timer, retry_due, delay > RETRY_MAX_MS ? RETRY_MAX_MS : delay, 0);
}

static void drop_delivered(struct tgf *tg, int64_t update_id)
{
    int n = cJSON_GetArraySize(tg->updates);
    for (int i = 0; i < n; i++)
        if (tgf_json_id(cJSON_GetArrayItem(tg->updates, i), "update_id") == update_id) {
            cJSON_DeleteItemFromArray(tg->updates, i);
            return;
        }
}

/* Ends the delivery with the HTTP status received (0: none). */
static void finish(struct tgf_delivery *d, int status)
{
    if (d->finished)
        return;
    d->finished = true;
    struct tgf *tg = d->tg;
    tg->delivery = NULL;
    uv_timer_stop(&d->timer);
    uv_close((uv_handle_t *)&d->timer, handle_closed);
    uv_close((uv_handle_t *)&d->tcp, handle_closed);
    if (tg->closing)
        return;
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddItemToObject(entry, "update_id", tgf_id_new(d->update_id));
    cJSON_AddNumberToObject(entry, "status", status);
    fake_server_record(tg->srv, "webhook", entry);
    cJSON_Delete(entry);
    if (status >= 200 && status < 300) {
        drop_delivered(tg, d->update_id);
        tg->webhook_failures = 0;
        tgf_webhook_kick(tg);
    } else {
        tg->webhook_failures++;
        schedule_retry(tg);
    }
}

/* The status once the whole answer (head and Content-Length bytes) is in; -1 before. */
static int complete_status(const struct tgf_delivery *d, bool eof)
{
    const char *head_end = d->response ? strstr(d->response, "\r\n\r\n") : NULL;
    if (head_end == NULL)
        return eof ? 0 : -1;
    int status = 0;
    if (sscanf(d->response, "HTTP/%*s %d", &status) != 1)
        return 0;
    const char *cl = strcasestr(d->response, "\r\ncontent-length:");
    size_t body = d->response_len - (size_t)(head_end + 4 - d->response);
    if (cl != NULL && cl < head_end && body < (size_t)strtoul(cl + 17, NULL, 10) && !eof)
        return -1;
    return status;
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    struct tgf_delivery *d = handle->data;
    (void)suggested;
    if (d->response_cap - d->response_len < 4096) {
        char *grown = realloc(d->response, d->response_cap + 8192);
        if (grown != NULL) {
            d->response = grown;
            d->response_cap += 8192;
        }
    }
    size_t room = d->response_cap - d->response_len;
    *buf = uv_buf_init(d->response + d->response_len, room > 1 ? (unsigned)(room - 1) : 0);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct tgf_delivery *d = stream->data;
    (void)buf;
    if (nread > 0) {
        d->response_len += (size_t)nread;
        d->response[d->response_len] = '\0';
    }
    int status = complete_status(d, nread < 0);
    if (status >= 0 || nread < 0)
        finish(d, status > 0 ? status : 0);
}

static void on_write(uv_write_t *w, int status)
{
    struct tgf_delivery *d = w->data;
    if (status < 0 || uv_read_start((uv_stream_t *)&d->tcp, on_alloc, on_read) != 0)
        finish(d, 0);
}

static void on_connect(uv_connect_t *c, int status)
{
    struct tgf_delivery *d = c->data;
    if (d->finished)
        return;
    uv_buf_t buf = uv_buf_init(d->request, (unsigned)d->request_len);
    d->write.data = d;
    if (status < 0 || uv_write(&d->write, (uv_stream_t *)&d->tcp, &buf, 1, on_write) != 0)
        finish(d, 0);
}

static void on_timeout(uv_timer_t *timer)
{
    finish(timer->data, 0);
}

/* "http://127.0.0.1:8443/path": the address and the path. */
static bool split_url(const char *url, struct sockaddr_in *addr, char *path, size_t path_size)
{
    if (strncmp(url, "http://", 7) != 0)
        return false;
    const char *host = url + 7;
    const char *end = host + strcspn(host, ":/");
    const char *slash = strchr(host, '/');
    int port = *end == ':' ? atoi(end + 1) : 80;
    size_t host_len = (size_t)(end - host);
    char name[64];
    if (host_len == 0 || host_len >= sizeof name)
        return false;
    memcpy(name, host, host_len);
    name[host_len] = '\0';
    snprintf(path, path_size, "%s", slash ? slash : "/");
    return uv_ip4_addr(strcmp(name, "localhost") == 0 ? "127.0.0.1" : name, port, addr) == 0;
}

static char *request_new(const struct tgf *tg, const char *path, const char *body, size_t *len)
{
    char *text = NULL;
    int n = asprintf(
        &text,
        "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: %zu\r\n%s%s%sConnection: close\r\n\r\n%s",
        path, strlen(body), tg->webhook_secret ? "X-Telegram-Bot-Api-Secret-Token: " : "",
        tg->webhook_secret ? tg->webhook_secret : "", tg->webhook_secret ? "\r\n" : "", body);
    *len = n > 0 ? (size_t)n : 0;
    return n < 0 ? NULL : text;
}

void tgf_webhook_kick(struct tgf *tg)
{
    if (tg->closing || tg->webhook_url == NULL || tg->delivery != NULL ||
        cJSON_GetArraySize(tg->updates) == 0 ||
        (tg->webhook_timer != NULL && uv_is_active((uv_handle_t *)tg->webhook_timer)))
        return;
    struct sockaddr_in addr;
    char path[512];
    if (!split_url(tg->webhook_url, &addr, path, sizeof path))
        return; /* https:// cannot be served by this fake: nothing is delivered */
    const cJSON *update = cJSON_GetArrayItem(tg->updates, 0);
    char *body = cJSON_PrintUnformatted(update);
    struct tgf_delivery *d = calloc(1, sizeof *d);
    if (body == NULL || d == NULL) {
        free(body);
        free(d);
        return;
    }
    d->tg = tg;
    d->update_id = tgf_json_id(update, "update_id");
    d->request = request_new(tg, path, body, &d->request_len);
    free(body);
    uv_tcp_init(tg->loop, &d->tcp);
    uv_timer_init(tg->loop, &d->timer);
    d->tcp.data = d->timer.data = d->connect.data = d;
    d->open_handles = 2;
    tg->delivery = d;
    uv_timer_start(&d->timer, on_timeout, DELIVERY_TIMEOUT_MS, 0);
    if (d->request == NULL ||
        uv_tcp_connect(&d->connect, &d->tcp, (const struct sockaddr *)&addr, on_connect) != 0)
        finish(d, 0);
}

static void timer_closed(uv_handle_t *handle)
{
    free(handle);
}

void tgf_webhook_free(struct tgf *tg)
{
    if (tg->delivery != NULL)
        finish(tg->delivery, 0);
    if (tg->webhook_timer != NULL) {
        uv_timer_stop(tg->webhook_timer);
        uv_close((uv_handle_t *)tg->webhook_timer, timer_closed);
        tg->webhook_timer = NULL;
    }
}
