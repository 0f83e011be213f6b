/* multipart/form-data for sendDocument: the only Bot API call that carries a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/strbuf.h"
#include "platform/telegram/tg_job.h"

/* A boundary that occurs nowhere in the file. */
static kith_err pick_boundary(const struct kith_message_attachment *file, char *out, size_t size)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        unsigned char raw[12];
        if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
            return KITH_ERR_IO;
        int n = snprintf(out, size, "kith-");
        for (size_t i = 0; i < sizeof raw && (size_t)n + 2 < size; i++)
            n += snprintf(out + n, size - (size_t)n, "%02x", raw[i]);
        if (memmem(file->data, file->len, out, strlen(out)) == NULL)
            return KITH_OK;
    }
    return KITH_ERR_IO;
}

static void add_field(struct kith_strbuf *sb, const char *boundary, const cJSON *item)
{
    kith_strbuf_appendf(sb, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n", boundary,
                        item->string);
    if (cJSON_IsString(item)) {
        kith_strbuf_append(sb, item->valuestring);
    } else {
        char *json = cJSON_PrintUnformatted(item);
        if (json == NULL)
            sb->failed = true;
        else
            kith_strbuf_append(sb, json);
        free(json);
    }
    kith_strbuf_append(sb, "\r\n");
}

/* Quotes in a file name would end the header value early. */
static void safe_name(const char *name, char *out, size_t size)
{
    size_t n = 0;
    for (; name[0] != '\0' && n + 1 < size; name++)
        out[n++] = (*name == '"' || *name == '\r' || *name == '\n') ? '_' : *name;
    out[n] = '\0';
}

kith_err tg_multipart_new(const cJSON *params, const char *file_field,
                          const struct kith_message_attachment *file, char **body_out,
                          size_t *len_out, char *content_type, size_t content_type_size)
{
    char boundary[40], name[256];
    kith_err err = pick_boundary(file, boundary, sizeof boundary);
    if (err != KITH_OK)
        return err;
    struct kith_strbuf head = {0};
    const cJSON *item;
    cJSON_ArrayForEach(item, params)
    {
        add_field(&head, boundary, item);
    }
    safe_name(file->filename, name, sizeof name);
    kith_strbuf_appendf(&head,
                        "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                        "Content-Type: %s\r\n\r\n",
                        boundary, file_field, name, file->content_type);
    size_t head_len = head.len;
    char *head_text = kith_strbuf_take(&head);
    char tail[64];
    int tail_len = snprintf(tail, sizeof tail, "\r\n--%s--\r\n", boundary);
    char *body = head_text ? malloc(head_len + file->len + (size_t)tail_len + 1) : NULL;
    if (body == NULL) {
        free(head_text);
        return KITH_ERR_NOMEM;
    }
    memcpy(body, head_text, head_len);
    memcpy(body + head_len, file->data, file->len);
    memcpy(body + head_len + file->len, tail, (size_t)tail_len + 1);
    free(head_text);
    snprintf(content_type, content_type_size, "multipart/form-data; boundary=%s", boundary);
    *body_out = body;
    *len_out = head_len + file->len + (size_t)tail_len;
    return KITH_OK;
}
