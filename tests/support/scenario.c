/* The scenario harness's processes: the temporary directory, the fake server and kithd started
 * with fork/exec (their output kept in the directory), the generated config, waiting for log
 * lines, stopping without leaving anything behind, and dumping it all when a test fails. */
#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"

#ifndef KITHD_PATH
#error "KITHD_PATH must name the kithd binary"
#endif
#ifndef KITH_TEST_PLUGIN_DIR
#error "KITH_TEST_PLUGIN_DIR must name the test plugin directory"
#endif

#define FAKE_START_MS 10000 /* generous: a sanitizer build starts slowly */
#define KITHD_START_MS 15000
#define FINISH_WAIT_MS 5000
#define POLL_MS 20
#define DUMP_LINES 60

#define MAX_LIVE 32

static int last_kithd_status = -1;

/* What a test that stopped early (REQUIRE) left behind is cleaned up at exit. */
static pid_t live_pids[MAX_LIVE];
static char live_dirs[MAX_LIVE][128];
static bool cleanup_registered;

static void live_forget_pid(pid_t pid)
{
    for (size_t i = 0; i < MAX_LIVE; i++)
        if (live_pids[i] == pid)
            live_pids[i] = 0;
}

static void live_forget_dir(const char *dir)
{
    for (size_t i = 0; i < MAX_LIVE; i++)
        if (strcmp(live_dirs[i], dir) == 0)
            live_dirs[i][0] = '\0';
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_dir(const char *dir)
{
    if (getenv("KITH_KEEP_SCENARIO") != NULL)
        fprintf(stderr, "  scenario: kept %s\n", dir);
    else if (nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "  scenario: cannot remove %s: %s\n", dir, strerror(errno));
}

static void cleanup_at_exit(void)
{
    for (size_t i = 0; i < MAX_LIVE; i++)
        if (live_pids[i] > 0) {
            kill(live_pids[i], SIGKILL);
            waitpid(live_pids[i], NULL, 0);
        }
    for (size_t i = 0; i < MAX_LIVE; i++)
        if (live_dirs[i][0] != '\0')
            remove_dir(live_dirs[i]);
}

static void live_add(pid_t pid, const char *dir)
{
    if (!cleanup_registered)
        cleanup_registered = atexit(cleanup_at_exit) == 0;
    for (size_t i = 0; pid > 0 && i < MAX_LIVE; i++)
        if (live_pids[i] == 0) {
            live_pids[i] = pid;
            break;
        }
    for (size_t i = 0; dir != NULL && i < MAX_LIVE; i++)
        if (live_dirs[i][0] == '\0') {
            snprintf(live_dirs[i], sizeof(live_dirs[i]), "%s", dir);
            break;
        }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static bool path_in_dir(const struct scenario *s, char *out, size_t size, const char *name)
{
    return (size_t)snprintf(out, size, "%s/%s", s->dir, name) < size;
}

bool scenario_init(struct scenario *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "/tmp/kith-scenario-XXXXXX");
    if (mkdtemp(s->dir) == NULL) {
        fprintf(stderr, "  scenario: cannot create %s: %s\n", s->dir, strerror(errno));
        s->dir[0] = '\0';
        return false;
    }
    live_add(0, s->dir);
    return path_in_dir(s, s->config_path, sizeof(s->config_path), "kithd.conf") &&
           path_in_dir(s, s->log_path, sizeof(s->log_path), "kithd.log") &&
           path_in_dir(s, s->db_path, sizeof(s->db_path), "kith.db");
}

/* ---- Processes ---- */

/* fork + exec with stdout to `out_fd` (or the file) and stderr to the file in the dir. Only
 * async-signal-safe calls happen in the child. */
static pid_t spawn(const struct scenario *s, char *const argv[], int out_fd, const char *err_name)
{
    char err_path[256];
    if (!path_in_dir(s, err_path, sizeof(err_path), err_name))
        return -1;
    int err_fd = open(err_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (err_fd < 0) {
        fprintf(stderr, "  scenario: cannot open %s: %s\n", err_path, strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a test that crashed leaves nothing running */
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd >= 0 ? out_fd : err_fd, 1) < 0 ||
            dup2(err_fd, 2) < 0)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0)
        fprintf(stderr, "  scenario: fork failed: %s\n", strerror(errno));
    else
        live_add(pid, NULL);
    close(err_fd);
    return pid;
}

/* waitpid without hanging: true when the process has ended, *status set as the shell does. */
static bool reaped(pid_t pid, int *status)
{
    int ws;
    pid_t r = waitpid(pid, &ws, WNOHANG);
    if (r == 0)
        return false;
    live_forget_pid(pid);
    if (r < 0)
        *status = -1;
    else
        *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : -1;
    return true;
}

/* Sends sig and waits; SIGKILL after timeout_ms. Returns the exit status or -1 (killed). */
static int stop_process(pid_t pid, int sig, int timeout_ms)
{
    int status = -1;
    if (pid <= 0)
        return -1;
    kill(pid, sig);
    for (long long end = now_ms() + timeout_ms; now_ms() < end; sleep_ms(5))
        if (reaped(pid, &status))
            return status;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    live_forget_pid(pid);
    return -1;
}

/* Reads "listening <port>\n" from fd within FAKE_START_MS; 0 when it did not come. */
static int read_port_line(int fd)
{
    char line[128];
    size_t used = 0;
    for (long long end = now_ms() + FAKE_START_MS; now_ms() < end && used + 1 < sizeof(line);) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, POLL_MS);
        if (n < 0 && errno != EINTR)
            return 0;
        if (n <= 0)
            continue;
        ssize_t got = read(fd, line + used, sizeof(line) - 1 - used);
        if (got <= 0)
            return 0; /* the fake ended (or closed stdout) before saying it listens */
        used += (size_t)got;
        line[used] = '\0';
        char *nl = strchr(line, '\n');
        int port = 0;
        if (nl != NULL)
            return sscanf(line, "listening %d", &port) == 1 ? port : 0;
    }
    return 0;
}

bool scenario_start_fake(struct scenario *s, const char *fake_path, const char *const *args)
{
    char *argv[32];
    size_t n = 0;
    argv[n++] = (char *)fake_path;
    for (size_t i = 0; args != NULL && args[i] != NULL && n + 1 < 32; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "  scenario: pipe failed: %s\n", strerror(errno));
        return false;
    }
    s->fake_pid = spawn(s, argv, fds[1], "fake.stderr");
    close(fds[1]);
    s->fake_port = s->fake_pid > 0 ? read_port_line(fds[0]) : 0;
    close(fds[0]);
    if (s->fake_port > 0)
        return true;
    fprintf(stderr, "  scenario: %s did not say \"listening <port>\"\n", fake_path);
    if (s->fake_pid > 0)
        stop_process(s->fake_pid, SIGKILL, FINISH_WAIT_MS);
    s->fake_pid = 0;
    scenario_dump(s);
    return false;
}

int scenario_stop_fake(struct scenario *s, int sig, int timeout_ms)
{
    int status = stop_process(s->fake_pid, sig, timeout_ms);
    s->fake_pid = 0;
    return status;
}

/* ---- kithd ---- */

/* Copies `body` into f with every "%PORT%" replaced by the fake's port. */
static void write_body(FILE *f, const char *body, int port)
{
    for (const char *p = body; *p != '\0';) {
        const char *hit = strstr(p, "%PORT%");
        if (hit == NULL) {
            fputs(p, f);
            return;
        }
        fwrite(p, 1, (size_t)(hit - p), f);
        fprintf(f, "%d", port);
        p = hit + strlen("%PORT%");
    }
}

bool scenario_write_config(struct scenario *s, const char *body, const char *plugin_dir,
                           const char *load_list)
{
    FILE *f = fopen(s->config_path, "w");
    if (f == NULL) {
        fprintf(stderr, "  scenario: cannot write %s: %s\n", s->config_path, strerror(errno));
        return false;
    }
    fprintf(f,
            "store = { path = \"%s\"; };\n"
            "plugins = { dir = \"%s\"; load = [ %s ]; };\n"
            "log = { level = \"debug\"; file = \"%s\"; };\n",
            s->db_path, plugin_dir != NULL ? plugin_dir : KITH_TEST_PLUGIN_DIR,
            load_list != NULL ? load_list : "", s->log_path);
    if (body != NULL)
        write_body(f, body, s->fake_port);
    fputc('\n', f);
    bool ok = !ferror(f);
    if (fclose(f) != 0 || !ok) {
        fprintf(stderr, "  scenario: cannot write %s\n", s->config_path);
        return false;
    }
    return true;
}

bool scenario_start_kithd(struct scenario *s)
{
    char *argv[] = {(char *)KITHD_PATH, (char *)"--config", s->config_path, NULL};
    last_kithd_status = -1;
    s->kithd_pid = spawn(s, argv, -1, "kithd.stderr");
    if (s->kithd_pid <= 0) {
        s->kithd_pid = 0;
        return false;
    }
    for (long long end = now_ms() + KITHD_START_MS; now_ms() < end; sleep_ms(POLL_MS)) {
        if (scenario_wait_log(s, "running (kithd", 0))
            return true;
        if (reaped(s->kithd_pid, &last_kithd_status)) {
            fprintf(stderr, "  scenario: kithd exited with status %d while starting\n",
                    last_kithd_status);
            s->kithd_pid = 0;
            scenario_dump(s);
            return false;
        }
    }
    fprintf(stderr, "  scenario: kithd did not say it was running\n");
    scenario_dump(s);
    return false;
}

int scenario_kithd_exit_status(const struct scenario *s)
{
    (void)s;
    return last_kithd_status;
}

int scenario_stop_kithd(struct scenario *s, int sig, int timeout_ms)
{
    int status = stop_process(s->kithd_pid, sig, timeout_ms);
    s->kithd_pid = 0;
    return status;
}

/* ---- Logs ---- */

/* The whole file as a string (malloc'd), "" when it does not exist yet; NULL on error. */
static char *file_text_new(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? strdup("") : NULL;
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            char *p = realloc(text, cap + 65536);
            if (p == NULL)
                break;
            text = p;
            cap += 65536;
        }
        size_t got = fread(text + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    if (text != NULL)
        text[len] = '\0';
    return text;
}

int scenario_log_count(const struct scenario *s, const char *needle)
{
    FILE *f = fopen(s->log_path, "rb");
    if (f == NULL)
        return 0;
    int n = 0;
    char line[4096];
    while (fgets(line, sizeof line, f) != NULL)
        if (strstr(line, needle) != NULL)
            n++;
    fclose(f);
    return n;
}

bool scenario_wait_log_count(struct scenario *s, const char *needle, int count, int timeout_ms)
{
    for (long long end = now_ms() + timeout_ms;; sleep_ms(POLL_MS)) {
        if (scenario_log_count(s, needle) >= count)
            return true;
        if (now_ms() >= end)
            break;
    }
    fprintf(stderr, "  the log never had \"%s\" %d time(s)\n", needle, count);
    return false;
}

bool scenario_wait_log(struct scenario *s, const char *needle, int timeout_ms)
{
    for (long long end = now_ms() + timeout_ms;; sleep_ms(POLL_MS)) {
        char *text = file_text_new(s->log_path);
        bool found = text != NULL && strstr(text, needle) != NULL;
        free(text);
        if (found)
            return true;
        if (now_ms() >= end)
            return false;
    }
}

/* Prints the last `lines` lines of a file of the scenario dir on stderr. */
static void dump_tail(const struct scenario *s, const char *name, int lines)
{
    char path[256];
    if (!path_in_dir(s, path, sizeof(path), name))
        return;
    char *text = file_text_new(path);
    if (text == NULL || text[0] == '\0') {
        free(text);
        return;
    }
    const char *start = text + strlen(text);
    for (int n = 0; start > text && n <= lines;)
        if (*--start == '\n' && start[1] != '\0')
            n++;
    if (*start == '\n')
        start++;
    fprintf(stderr, "  ---- %s (last %d lines) ----\n%s", path, lines, start);
    if (text[strlen(text) - 1] != '\n')
        fputc('\n', stderr);
    free(text);
}

void scenario_dump(const struct scenario *s)
{
    if (s->dir[0] == '\0')
        return;
    dump_tail(s, "kithd.log", DUMP_LINES);
    dump_tail(s, "kithd.stderr", DUMP_LINES);
    dump_tail(s, "fake.stderr", DUMP_LINES);
}

/* ---- The end ---- */

/* A process that ended badly on SIGTERM (a crash, a sanitizer report) fails the test. */
static void finish_process(struct scenario *s, pid_t *pid, const char *what)
{
    if (*pid <= 0)
        return;
    int status = stop_process(*pid, SIGTERM, FINISH_WAIT_MS);
    *pid = 0;
    if (status == 0)
        return;
    fprintf(stderr, "  scenario: %s ended with status %d on SIGTERM%s\n", what, status,
            status < 0 ? " (killed after the wait)" : "");
    kith_test_failures++;
    scenario_dump(s);
}

void scenario_finish(struct scenario *s)
{
    finish_process(s, &s->kithd_pid, "kithd");
    finish_process(s, &s->fake_pid, "the fake");
    if (s->dir[0] == '\0')
        return;
    remove_dir(s->dir);
    live_forget_dir(s->dir);
    s->dir[0] = '\0';
}

bool scenario_store_exec(struct scenario *s, const char *sql, long long param)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    bool ok = sqlite3_open(s->db_path, &db) == SQLITE_OK &&
              sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
              sqlite3_bind_int64(stmt, 1, param) == SQLITE_OK &&
              sqlite3_step(stmt) == SQLITE_DONE && sqlite3_changes(db) > 0;
    if (!ok)
        fprintf(stderr, "  store statement failed: %s\n", db ? sqlite3_errmsg(db) : "no database");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return ok;
}
