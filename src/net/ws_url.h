/* Parsing ws:// and wss:// URLs into what a WebSocket client connection needs. */
#ifndef KITH_NET_WS_URL_H
#define KITH_NET_WS_URL_H

#include <stdbool.h>

#include <kith/plugin.h>

struct kith_ws_url {
    char *host;        /* to resolve, and to check the TLS certificate against ("::1" bare) */
    char *host_header; /* the authority as written: host[:port] */
    char *path;        /* always starts with '/', keeps the query, drops any fragment */
    int port;          /* 80 or 443 unless given */
    bool tls;          /* wss */
};

/* Fills *out (strings owned by it). KITH_ERR_INVALID for anything but ws[s]://host[:port]...
 * (no user info, port 1-65535); *out is then empty. */
kith_err kith_ws_url_parse(const char *url, struct kith_ws_url *out);

void kith_ws_url_clear(struct kith_ws_url *url);

#endif
