/* Logging with redaction: secrets registered at start are replaced before a line is written,
 * so a token that slips into a message (a URL, an error body) never reaches the log. */
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_LINE_MAX 4096
#define REDACTED "[redacted]"

static kith_log_level min_level = KITH_LOG_INFO;
static FILE *log_file; /* NULL: stderr */
static char **secrets; /* as many as are registered: a secret left out would be logged */
static size_t secret_count, secret_cap;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

kith_err kith_log_open(kith_log_level level, const char *file_path)
{
    min_level = level;
    kith_log_close();
    if (file_path == NULL)
        return KITH_OK;
    log_file = fopen(file_path, "a");
    if (log_file == NULL)
        return KITH_ERR_IO;
    setvbuf(log_file, NULL, _IOLBF, 0);
    return KITH_OK;
}

void kith_log_close(void)
{
    if (log_file != NULL) {
        fclose(log_file);
        log_file = NULL;
    }
}

void kith_log_set_level(kith_log_level level)
{
    min_level = level;
}

void kith_log_add_secret(const char *secret)
{
    if (secret == NULL || strlen(secret) < 4)
        return;
    for (size_t i = 0; i < secret_count; i++)
        if (strcmp(secrets[i], secret) == 0)
            return;
    if (secret_count == secret_cap) {
        size_t cap = secret_cap == 0 ? 16 : secret_cap * 2;
        char **grown = realloc(secrets, cap * sizeof *grown);
        if (grown == NULL) {
            kith_log(KITH_LOG_ERROR, "log", "out of memory: a secret cannot be redacted");
            return;
        }
        secrets = grown;
        secret_cap = cap;
    }
    char *copy = strdup(secret);
    if (copy == NULL) {
        kith_log(KITH_LOG_ERROR, "log", "out of memory: a secret cannot be redacted");
        return;
    }
    secrets[secret_count++] = copy;
}

void kith_log_clear_secrets(void)
{
    for (size_t i = 0; i < secret_count; i++)
        free(secrets[i]);
    free(secrets);
    secrets = NULL;
    secret_count = secret_cap = 0;
}

/* The length of the longest secret that starts at `line` (0 when none): a secret that begins
 * another must not leave the other's tail in clear. When the line was cut short (`cut`), a
 * tail that begins a secret counts too, so a cut never leaves part of one. */
static size_t secret_at(const char *line, size_t rest, bool cut)
{
    size_t longest = 0;
    for (size_t i = 0; i < secret_count; i++) {
        size_t len = strlen(secrets[i]);
        size_t n = len < rest ? len : rest;
        if (n > longest && strncmp(line, secrets[i], n) == 0 && (len <= rest || cut))
            longest = n;
    }
    return longest;
}

/* Copies `line` into `out` (of `size` bytes), replacing every registered secret, and control
 * characters by spaces: text from members (a name, a message) can neither start a forged log
 * line nor send escape sequences to an operator's terminal. */
static void redact(const char *line, bool cut, char *out, size_t size)
{
    size_t used = 0, rest = strlen(line);
    while (rest > 0 && used + 1 < size) {
        size_t matched = secret_at(line, rest, cut);
        if (matched == 0) {
            unsigned char c = (unsigned char)*line++;
            out[used++] = (c < 0x20 && c != '\t') || c == 0x7f ? ' ' : (char)c;
            rest--;
            continue;
        }
        size_t room = size - 1 - used;
        size_t n = strlen(REDACTED) < room ? strlen(REDACTED) : room;
        memcpy(out + used, REDACTED, n);
        used += n;
        line += matched;
        rest -= matched;
    }
    out[used] = '\0';
}

void kith_logv(kith_log_level level, const char *component, const char *fmt, va_list ap)
{
    if (level < min_level)
        return;
    if (level > KITH_LOG_ERROR)
        level = KITH_LOG_ERROR; /* a plugin may pass any number; there are four names */
    char raw[LOG_LINE_MAX], line[LOG_LINE_MAX];
    int n = vsnprintf(raw, sizeof raw, fmt, ap);
    if (n < 0)
        return;
    redact(raw, (size_t)n >= sizeof raw, line, sizeof line);

    char stamp[32];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

    FILE *out = log_file ? log_file : stderr;
    fprintf(out, "%s.%03ldZ %-5s [%s] %s\n", stamp, now.tv_nsec / 1000000L, level_names[level],
            component ? component : "kithd", line);
}

void kith_log(kith_log_level level, const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kith_logv(level, component, fmt, ap);
    va_end(ap);
}

kith_err kith_log_level_parse(const char *name, kith_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (kith_log_level)i;
            return KITH_OK;
        }
    }
    return KITH_ERR_INVALID;
}

const char *kith_strerror(kith_err err)
{
    switch (err) {
    case KITH_OK: return "success";
    case KITH_ERR_NOMEM: return "out of memory";
    case KITH_ERR_INVALID: return "invalid argument";
    case KITH_ERR_NOT_FOUND: return "not found";
    case KITH_ERR_PERMISSION: return "permission denied";
    case KITH_ERR_STORE: return "store error";
    case KITH_ERR_IO: return "I/O error";
    case KITH_ERR_UNSUPPORTED: return "not supported by this platform";
    case KITH_ERR_EXISTS: return "already exists";
    case KITH_ERR_LIMIT: return "limit exceeded";
    case KITH_ERR_PLATFORM: return "platform error";
    case KITH_ERR_TIMEOUT: return "timed out";
    case KITH_ERR_CANCELLED: return "cancelled";
    case KITH_ERR_VERSION: return "version mismatch";
    case KITH_ERR_BUSY: return "busy, try again later";
    }
    return "unknown error";
}
