/* One-line logging for kithd and its plugins, with secrets redacted before anything is written. */
#ifndef KITH_CORE_LOG_H
#define KITH_CORE_LOG_H

#include <stdarg.h>

#include <kith/plugin.h>

/* Sets the minimum level and the destination (NULL = stderr). Returns KITH_ERR_IO when the
 * file cannot be opened (logging then stays on stderr). */
kith_err kith_log_open(kith_log_level min_level, const char *file_path);
void kith_log_close(void);
void kith_log_set_level(kith_log_level min_level);

/* Registers a secret (token, password) that must never appear in output: every occurrence is
 * replaced by "[redacted]". The string is copied. Secrets shorter than 4 bytes are ignored. */
void kith_log_add_secret(const char *secret);
void kith_log_clear_secrets(void);

/* `component` names the module ("store", "discord", "plugin polls"). */
void kith_log(kith_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void kith_logv(kith_log_level level, const char *component, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Parses "debug"/"info"/"warn"/"error"; KITH_ERR_INVALID otherwise. */
kith_err kith_log_level_parse(const char *name, kith_log_level *out);

const char *kith_strerror(kith_err err);

#endif
