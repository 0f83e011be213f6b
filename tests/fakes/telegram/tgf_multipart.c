/* multipart/form-data request bodies (sendDocument): form fields become strings, a file part
 * becomes {filename, content_type, size}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake_telegram.h"

/* The value of `name="..."` in a header line, copied into out. */
static bool header_param(const char *head, size_t head_len, const char *name, char *out,
                         size_t size)
{
    char key[32];
    snprintf(key, sizeof key, "%s=\"", name);
    const char *p = memmem(head, head_len, key, strlen(key));
    if (p == NULL || (p > head && p[-1] != ' ' && p[-1] != ';'))
        return false;
    p += strlen(key);
    const char *end = memchr(p, '"', head_len - (size_t)(p - head));
    if (end == NULL || (size_t)(end - p) >= size)
        return false;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return true;
}

static void part_content_type(const char *head, size_t head_len, char *out, size_t size)
{
    snprintf(out, size, "application/octet-stream");
    for (const char *p = head; p < head + head_len;) {
        const char *eol = memmem(p, head_len - (size_t)(p - head), "\r\n", 2);
        size_t len = eol ? (size_t)(eol - p) : head_len - (size_t)(p - head);
        if (len > 13 && strncasecmp(p, "content-type:", 13) == 0) {
            const char *v = p + 13;
            while (*v == ' ')
                v++;
            snprintf(out, size, "%.*s", (int)(len - (size_t)(v - p)), v);
        }
        p += len + 2;
    }
}

static void add_part(cJSON *fields, const char *head, size_t head_len, const char *data, size_t len)
{
    char name[128], filename[256], type[128];
    if (!header_param(head, head_len, "name", name, sizeof name))
        return;
    if (header_param(head, head_len, "filename", filename, sizeof filename)) {
        part_content_type(head, head_len, type, sizeof type);
        cJSON *file = cJSON_AddObjectToObject(fields, name);
        cJSON_AddStringToObject(file, "filename", filename);
        cJSON_AddStringToObject(file, "content_type", type);
        cJSON_AddNumberToObject(file, "size", (double)len);
        return;
    }
    char *value = strndup(data, len);
    if (value != NULL)
        cJSON_AddStringToObject(fields, name, value);
    free(value);
}

cJSON *tgf_multipart_parse_new(const char *content_type, const char *body, size_t len)
{
    const char *b = strcasestr(content_type, "boundary=");
    if (b == NULL || body == NULL)
        return NULL;
    char delim[128];
    b += 9;
    size_t blen = strcspn(b, "\"; ");
    if (*b == '"')
        blen = strcspn(++b, "\"");
    if (blen == 0 || blen + 4 >= sizeof delim)
        return NULL;
    snprintf(delim, sizeof delim, "--%.*s", (int)blen, b);
    size_t dlen = strlen(delim);
    cJSON *fields = cJSON_CreateObject();
    const char *end = body + len;
    const char *p = memmem(body, len, delim, dlen);
    while (fields != NULL && p != NULL && p + dlen + 2 <= end && strncmp(p + dlen, "--", 2) != 0) {
        const char *head = p + dlen + 2; /* past the delimiter's CRLF */
        const char *head_end = memmem(head, (size_t)(end - head), "\r\n\r\n", 4);
        if (head_end == NULL)
            break;
        const char *data = head_end + 4;
        const char *next = memmem(data, (size_t)(end - data), delim, dlen);
        if (next == NULL || next < data + 2)
            break;
        add_part(fields, head, (size_t)(head_end - head), data, (size_t)(next - 2 - data));
        p = next;
    }
    return fields;
}
