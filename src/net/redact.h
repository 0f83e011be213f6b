/* Removing a secret (a bot token, a password) from text before it is shown in an error or
 * written to a log, in the forms it takes in URLs. */
#ifndef KITH_NET_REDACT_H
#define KITH_NET_REDACT_H

/* Returns a copy of `text` with every occurrence of `secret`, verbatim or percent-encoded,
 * replaced by "[redacted]"; a plain copy when secret is NULL or empty. Caller frees; NULL when
 * out of memory. */
char *kith_redact_dup(const char *text, const char *secret);

#endif
