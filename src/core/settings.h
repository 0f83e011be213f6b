/* Plugin settings: checking a typed value against the plugin's declaration, the stored
 * (normalised) form, and the form shown back to people. */
#ifndef KITH_CORE_SETTINGS_H
#define KITH_CORE_SETTINGS_H

#include <stddef.h>

#include <kith/plugin.h>

/* Validates `value` for `decl`. On success *normalized_out is the form to store (malloc'd:
 * durations in seconds, booleans "true"/"false", channel and role ids prefixed with
 * `platform` when given). On failure writes a short reason (what is allowed) into err. */
kith_err kith_setting_validate(const struct kith_setting_decl *decl, const char *platform,
                               const char *value, char **normalized_out, char *err,
                               size_t err_size);

/* The stored form as people read it ("7200" duration -> "2h"). malloc'd; NULL on ENOMEM. */
char *kith_setting_display(const struct kith_setting_decl *decl, const char *stored);

/* What the setting accepts, e.g. "a duration between 1m and 30d" or "one of: managers, members".
 * Writes into buf. */
void kith_setting_describe_type(const struct kith_setting_decl *decl, char *buf, size_t size);

#endif
