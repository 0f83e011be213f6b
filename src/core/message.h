/* The message builder behind the opaque kith_message: what plugins fill in through the host
 * table and what platform adapters read to render. */
#ifndef KITH_CORE_MESSAGE_H
#define KITH_CORE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kith/plugin.h>

struct kith_message_field {
    char *name;
    char *value;
    bool is_inline;
};

struct kith_message_button {
    char *custom_id; /* NULL for link buttons */
    char *url;       /* link buttons only */
    char *label;
    kith_button_style style;
};

struct kith_message_select_option {
    char *value;
    char *label;
    char *description; /* may be NULL */
};

struct kith_message_select {
    char *custom_id;
    char *placeholder; /* may be NULL */
    int min_values;
    int max_values;
    struct kith_message_select_option *options;
    size_t option_count;
};

struct kith_message_poll {
    char *question;
    char **answers;
    size_t answer_count;
    bool allow_multiple;
    bool anonymous;
    int64_t duration_s;
};

struct kith_message_attachment {
    char *filename;
    char *content_type;
    unsigned char *data;
    size_t len;
};

struct kith_message {
    char *text;  /* may be NULL */
    char *title; /* may be NULL */
    struct kith_message_field *fields;
    size_t field_count;
    struct kith_message_button *buttons;
    size_t button_count;
    struct kith_message_select *select;         /* NULL when none */
    struct kith_message_poll *poll;             /* NULL when none */
    struct kith_message_attachment *attachment; /* NULL when none */
    bool ephemeral;
    /* The plugin that builds it (borrowed). Its custom ids are stored as "<owner>:<id>" so a
     * press can be routed back to it; the owner sees its own id without the prefix. */
    const char *owner;
};

kith_message *kith_message_new(void); /* release with kith_message_free */
/* A message whose custom ids are routed to `owner` (borrowed; must outlive the message). */
kith_message *kith_message_new_owned(const char *owner);
void kith_message_free(kith_message *msg);

kith_err kith_message_set_text(kith_message *msg, const char *text);
kith_err kith_message_set_title(kith_message *msg, const char *title);
kith_err kith_message_add_field(kith_message *msg, const char *name, const char *value,
                                bool is_inline);
kith_err kith_message_add_button(kith_message *msg, const char *custom_id, const char *label,
                                 kith_button_style style);
kith_err kith_message_add_link_button(kith_message *msg, const char *url, const char *label);
kith_err kith_message_set_select(kith_message *msg, const char *custom_id, const char *placeholder,
                                 int min_values, int max_values);
kith_err kith_message_add_select_option(kith_message *msg, const char *value, const char *label,
                                        const char *description);
kith_err kith_message_set_poll(kith_message *msg, const struct kith_native_poll *poll);
kith_err kith_message_set_ephemeral(kith_message *msg, bool ephemeral);
kith_err kith_message_attach_file(kith_message *msg, const char *filename, const char *content_type,
                                  const void *data, size_t len);

/* A plain-text rendering (title, text, fields as "name: value" lines, buttons as numbered
 * choices "[1] Label"), for platforms without rich messages. Caller frees. NULL on ENOMEM. */
char *kith_message_render_plain(const kith_message *msg);

/* Deep copy (adapters that queue a send keep their own). Caller frees; NULL on ENOMEM. */
kith_message *kith_message_dup(const kith_message *msg);

#endif
