/* End-to-end scenarios: a fake platform server and kithd run as separate processes, and the
 * test acts through the fake's control API as a member or admin would, then checks what the
 * platform received. */
#ifndef KITH_TEST_SCENARIO_H
#define KITH_TEST_SCENARIO_H

#include <stdbool.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

struct scenario {
    char dir[128]; /* temporary directory: config, store, log */
    char config_path[192];
    char log_path[192];
    char db_path[192];
    pid_t fake_pid;
    int fake_port;
    pid_t kithd_pid;
};

/* Creates the temporary directory. */
bool scenario_init(struct scenario *s);

/* Starts a fake server binary (path; extra args NULL-terminated, may be NULL) and waits for
 * its "listening <port>" line. */
bool scenario_start_fake(struct scenario *s, const char *fake_path, const char *const *args);

/* Writes the config: `body` is the platform section(s) etc.; the store, plugins and log
 * sections are added (store and log in the scenario dir, plugins from plugin_dir with the
 * given load list, e.g. "\"example\""). "%PORT%" in body is replaced by the fake's port. */
bool scenario_write_config(struct scenario *s, const char *body, const char *plugin_dir,
                           const char *load_list);

/* Starts kithd (KITHD_PATH) with the config; true once the log says it is running. */
bool scenario_start_kithd(struct scenario *s);
/* Sends sig (SIGTERM, SIGKILL, ...) and waits up to timeout_ms; returns the exit status
 * (128+signal when killed), or -1 when it did not end in time (then it is killed). */
int scenario_stop_kithd(struct scenario *s, int sig, int timeout_ms);

/* Waits until the kithd log contains needle. */
bool scenario_wait_log(struct scenario *s, const char *needle, int timeout_ms);
/* How many lines of kithd's log contain needle (restarts append to the same file). */
int scenario_log_count(const struct scenario *s, const char *needle);
/* Waits until at least `count` log lines contain needle; says on stderr when they never do. */
bool scenario_wait_log_count(struct scenario *s, const char *needle, int count, int timeout_ms);

/* Calls the fake's control API; returns the parsed JSON answer (caller deletes) or NULL. */
cJSON *scenario_control(struct scenario *s, const char *method, const char *name,
                        const char *json_body);

/* POSTs to the control API and tells whether the fake answered 200 (on stderr when not). */
bool scenario_control_ok(struct scenario *s, const char *name, const char *json_body);

/* Waits until the fake has recorded a request with this method whose path contains
 * path_part and whose body contains body_part (either may be NULL); returns a copy of the
 * first such entry at or after index *cursor (caller deletes) and moves *cursor past it,
 * or NULL on timeout. */
cJSON *scenario_wait_request(struct scenario *s, const char *method, const char *path_part,
                             const char *body_part, int timeout_ms, int *cursor);

/* Counts recorded requests matching method/path_part/body_part (NULL = any). */
int scenario_count_requests(struct scenario *s, const char *method, const char *path_part,
                            const char *body_part);

/* Stops everything (SIGTERM, then SIGKILL) and removes the directory. */
void scenario_finish(struct scenario *s);

/* ---- Additions ----
 * Files in the scenario dir: kithd.conf, kithd.log (debug level), kith.db, kithd.stderr and
 * fake.stderr (each process's stderr; stdout too for kithd). Secrets (KITH_DISCORD_TOKEN and
 * the like) reach kithd through the environment: set them with setenv() before
 * scenario_start_kithd, the child inherits them. KITH_KEEP_SCENARIO=1 in the environment keeps
 * the directory after scenario_finish (its path is printed).
 * scenario_finish counts a failure (check.h) when kithd or the fake does not exit with status
 * 0 on SIGTERM: a crash, a sanitizer or leak report, a hang. */

/* Prints the tails of kithd.log, kithd.stderr and fake.stderr on stderr; the start functions
 * call it when they fail, tests call it when a check fails. */
void scenario_dump(const struct scenario *s);

/* Like scenario_stop_kithd, for the fake. */
int scenario_stop_fake(struct scenario *s, int sig, int timeout_ms);

/* The exit status kithd ended with while scenario_start_kithd waited for it (a refused
 * config), or -1 when it did not end. */
int scenario_kithd_exit_status(const struct scenario *s);

/* Runs one statement on kithd's store (while kithd is stopped: time passing while it was down,
 * a store from an older version), with ?1 bound to param. True when it ran and changed at least
 * one row; the SQLite error is printed otherwise. */
bool scenario_store_exec(struct scenario *s, const char *sql, long long param);

/* scenario_control with the HTTP status in *status_out (0 when the call failed); the JSON
 * answer is returned whatever the status (scenario_control returns NULL unless 2xx). */
cJSON *scenario_control_status(struct scenario *s, const char *method, const char *name,
                               const char *json_body, int *status_out);

#endif
