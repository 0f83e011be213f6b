/* Running a fake server as a program: its command line, the loop, the "listening <port>" line
 * the scenario harness waits for, and a clean stop on SIGTERM/SIGINT. */
#include "fake_internal.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_main {
    struct fake_server *srv;
    uv_signal_t term, intr;
};

const char *fake_arg_value(int argc, char **argv, const char *name)
{
    size_t nlen = strlen(name);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], name) == 0)
            return i + 1 < argc ? argv[i + 1] : NULL;
        if (strncmp(argv[i], name, nlen) == 0 && argv[i][nlen] == '=')
            return argv[i] + nlen + 1;
    }
    return NULL;
}

bool fake_arg_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return true;
    return false;
}

static bool parse_port(int argc, char **argv, int *port)
{
    const char *text = fake_arg_value(argc, argv, "--port");
    *port = 0;
    if (text == NULL)
        return !fake_arg_flag(argc, argv, "--port"); /* "--port" without a value */
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < 0 || v > 65535)
        return false;
    *port = (int)v;
    return true;
}

static void on_signal(uv_signal_t *sig, int signum)
{
    struct fake_main *m = sig->data;
    fake_server_free(m->srv); /* the loop ends once lws and the fake have closed everything */
    m->srv = NULL;
    uv_close((uv_handle_t *)&m->term, NULL);
    uv_close((uv_handle_t *)&m->intr, NULL);
}

static bool watch_signals(uv_loop_t *loop, struct fake_main *m)
{
    uv_signal_init(loop, &m->term);
    uv_signal_init(loop, &m->intr);
    m->term.data = m;
    m->intr.data = m;
    return uv_signal_start(&m->term, on_signal, SIGTERM) == 0 &&
           uv_signal_start(&m->intr, on_signal, SIGINT) == 0;
}

/* Runs the loop dry and closes it; false when something was left open. */
static bool finish_loop(uv_loop_t *loop)
{
    uv_run(loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(loop);
    if (rc != 0)
        fprintf(stderr, "fake: the loop still had handles at exit: %s\n", uv_strerror(rc));
    return rc == 0;
}

int fake_server_main(int argc, char **argv, struct fake_server_opts *opts,
                     void (*on_ready)(struct fake_server *srv, uv_loop_t *loop, void *ud))
{
    int port;
    if (opts == NULL || !parse_port(argc, argv, &port)) {
        fprintf(stderr, "usage: %s [--port N] [options of this fake]\n", argc > 0 ? argv[0] : "");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a test that stopped reading our stdout must not kill us */
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) {
        fprintf(stderr, "fake: cannot create the loop\n");
        return 1;
    }
    struct fake_main m = {0};
    opts->port = port;
    if (fake_server_new(&loop, opts, &m.srv) != 0) {
        finish_loop(&loop);
        return 1;
    }
    if (!watch_signals(&loop, &m)) {
        fprintf(stderr, "fake: cannot watch SIGTERM/SIGINT\n");
        on_signal(&m.term, SIGTERM);
        finish_loop(&loop);
        return 1;
    }
    if (on_ready != NULL)
        on_ready(m.srv, &loop, opts->ud);
    if (m.srv->closing) { /* the fake gave up in on_ready */
        m.srv = NULL;
        uv_close((uv_handle_t *)&m.term, NULL);
        uv_close((uv_handle_t *)&m.intr, NULL);
        finish_loop(&loop);
        return 1;
    }
    printf("listening %d\n", fake_server_port(m.srv));
    fflush(stdout);
    return finish_loop(&loop) ? 0 : 1;
}
