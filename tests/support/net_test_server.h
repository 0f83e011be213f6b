/* A small HTTP/1.1 server on the libuv loop for the network tests: canned answers per path,
 * on 127.0.0.1 with an ephemeral port, sharing the loop with the client under test. */
#ifndef KITH_TEST_NET_TEST_SERVER_H
#define KITH_TEST_NET_TEST_SERVER_H

#include <uv.h>

struct kith_test_http_server;

/* Routes:
 *   /ok                 200, {"ok":true}, Content-Type: application/json, X-Test-Header: hello
 *   /status/<code>      that status; 429 adds Retry-After: 2 and a rate-limit JSON body
 *   /slow?ms=<n>        200 "slow" after n milliseconds (default 1000)
 *   /echo               200, JSON {"method","path","headers":{lower-case name: value},"body"}
 *   /drop               closes the connection without an answer
 *   /big?bytes=<n>      200 with n bytes of 'x'
 *   /redirect           302 to /ok, with X-Redirect: yes
 *   anything else       404
 * Returns 0 or a negative libuv error. */
int kith_test_http_server_start(uv_loop_t *loop, struct kith_test_http_server **out);

int kith_test_http_server_port(const struct kith_test_http_server *srv);

/* Requests parsed and connections accepted so far. */
unsigned kith_test_http_server_requests(const struct kith_test_http_server *srv);
unsigned kith_test_http_server_connections(const struct kith_test_http_server *srv);

/* Closes the listener and every connection; memory is released as the loop closes them. */
void kith_test_http_server_stop(struct kith_test_http_server *srv);

/* A loopback TCP port that nothing listens on (bound, read, then closed); 0 on failure. */
int kith_test_closed_port(void);

#endif
