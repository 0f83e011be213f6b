/* The portable message a plugin builds once and every platform renders its own way:
 * text, a title, fields, buttons, a select menu, a native poll, an attached file. */
#ifndef KITH_MESSAGE_H
#define KITH_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque; built through the message_* functions of struct kith_host.
 *
 * Custom ids (buttons, select menus) are the plugin's own: the host stores them as
 * "<plugin>:<id>", routes a press only to the plugin that built the message, and hands the id
 * back without the prefix in kith_event.component.custom_id. So "<plugin>:" counts against
 * KITH_CUSTOM_ID_MAX. */
typedef struct kith_message kith_message;

typedef enum kith_button_style {
    KITH_BUTTON_PRIMARY = 1,
    KITH_BUTTON_SECONDARY = 2,
    KITH_BUTTON_SUCCESS = 3,
    KITH_BUTTON_DANGER = 4,
} kith_button_style;

/* Limits the builder enforces (the strictest platform's); exceeding one is KITH_ERR_LIMIT.
 * Text and ids are measured in bytes of UTF-8; titles, labels, field texts, select options'
 * labels and descriptions, poll questions and answers in characters (code points), as the
 * platforms count them. */
#define KITH_MESSAGE_TEXT_MAX 4000 /* bytes */
#define KITH_MESSAGE_TITLE_MAX 256 /* characters; also a field's name (value: 1024) */
#define KITH_MESSAGE_FIELDS_MAX 25
#define KITH_MESSAGE_BUTTONS_MAX 25 /* rendered in rows of five */
#define KITH_CUSTOM_ID_MAX 100      /* bytes */
#define KITH_BUTTON_LABEL_MAX 80    /* characters */
#define KITH_SELECT_OPTIONS_MAX 25
#define KITH_POLL_ANSWERS_MAX 20 /* Matrix; platforms with fewer refuse at send */
#define KITH_ATTACHMENT_MAX (8u * 1024u * 1024u)

struct kith_native_poll {
    const char *question;       /* up to 300 characters */
    const char *const *answers; /* 2..KITH_POLL_ANSWERS_MAX, each up to 100 characters (Discord
                                 * shows the first 55) */
    size_t answer_count;
    bool allow_multiple;
    bool anonymous;
    int64_t duration_s; /* 0 = open until closed */
};

/* A form (a Discord modal): a title and up to five text fields, opened in answer to a command
 * or a button press with host->show_form. The member's answers come back as one
 * KITH_EVENT_MODAL_SUBMIT whose component.custom_id is the form's custom_id and whose
 * component.values are the fields' answers in field order ("" for a field left empty). */
#define KITH_FORM_FIELDS_MAX 5
#define KITH_FORM_TITLE_MAX 45   /* characters (Discord's limit) */
#define KITH_FORM_LABEL_MAX 45   /* characters */
#define KITH_FORM_VALUE_MAX 4000 /* characters */

struct kith_form_field {
    const char *label;
    const char *placeholder; /* may be NULL */
    const char *value;       /* prefilled answer (editing an earlier one); may be NULL */
    bool multiline;
    bool required;
    int min_length, max_length; /* 0,0 = any length up to KITH_FORM_VALUE_MAX */
};

struct kith_form {
    const char *custom_id; /* the plugin's own, routed like a button's */
    const char *title;
    const struct kith_form_field *fields;
    size_t field_count;
};

#ifdef __cplusplus
}
#endif

#endif
