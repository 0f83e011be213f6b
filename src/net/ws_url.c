/* ws:// and wss:// URL parsing for the WebSocket client: host, port, Host header and path. */
#include "net/ws_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *strndup_checked(const char *s, size_t n, bool *ok)
{
    char *p = strndup(s, n);
    if (p == NULL)
        *ok = false;
    return p;
}

/* Splits the authority into host and port; *port_at is NULL when no port was written. */
static kith_err split_authority(const char *p, size_t len, const char **host, const char **host_end,
                                const char **port_at)
{
    const char *end = p + len;
    *host = p;
    *port_at = NULL;
    if (*p == '[') { /* an IPv6 literal */
        *host = p + 1;
        *host_end = memchr(p, ']', len);
        if (*host_end == NULL)
            return KITH_ERR_INVALID;
        if (*host_end + 1 < end)
            *port_at = *host_end + 1;
    } else {
        *host_end = memchr(p, ':', len);
        *port_at = *host_end;
        if (*host_end == NULL)
            *host_end = end;
    }
    if (*host_end == *host || memchr(p, '@', len) != NULL)
        return KITH_ERR_INVALID;
    return KITH_OK;
}

static kith_err parse_port(const char *port_at, const char *end, int *port)
{
    char *stop = NULL;
    long n = (*port_at == ':') ? strtol(port_at + 1, &stop, 10) : -1;
    if (n <= 0 || n > 65535 || stop != end)
        return KITH_ERR_INVALID;
    *port = (int)n;
    return KITH_OK;
}

static kith_err parse(const char *url, struct kith_ws_url *out)
{
    const char *p;
    if (strncasecmp(url, "ws://", 5) == 0) {
        p = url + 5;
    } else if (strncasecmp(url, "wss://", 6) == 0) {
        p = url + 6;
        out->tls = true;
    } else {
        return KITH_ERR_INVALID;
    }
    size_t auth_len = strcspn(p, "/?#");
    const char *auth_end = p + auth_len, *host, *host_end, *port_at;
    kith_err err = split_authority(p, auth_len, &host, &host_end, &port_at);
    out->port = out->tls ? 443 : 80;
    if (err == KITH_OK && port_at != NULL)
        err = parse_port(port_at, auth_end, &out->port);
    if (err != KITH_OK)
        return err;
    bool ok = true;
    out->host = strndup_checked(host, (size_t)(host_end - host), &ok);
    out->host_header = strndup_checked(p, auth_len, &ok);
    size_t path_len = strcspn(auth_end, "#");
    if (*auth_end == '/')
        out->path = strndup_checked(auth_end, path_len, &ok);
    else if ((out->path = malloc(path_len + 2)) != NULL)
        snprintf(out->path, path_len + 2, "/%.*s", (int)path_len, auth_end);
    else
        ok = false;
    return ok ? KITH_OK : KITH_ERR_NOMEM;
}

kith_err kith_ws_url_parse(const char *url, struct kith_ws_url *out)
{
    memset(out, 0, sizeof(*out));
    kith_err err = parse(url, out);
    if (err != KITH_OK)
        kith_ws_url_clear(out);
    return err;
}

void kith_ws_url_clear(struct kith_ws_url *url)
{
    free(url->host);
    free(url->host_header);
    free(url->path);
    memset(url, 0, sizeof(*url));
}
