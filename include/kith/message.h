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

/* Limits the builder enforces (the strictest platform's); exceeding one is KITH_ERR_LIMIT. */
#define KITH_MESSAGE_TEXT_MAX 4000 /* bytes of UTF-8 */
#define KITH_MESSAGE_TITLE_MAX 256
#define KITH_MESSAGE_FIELDS_MAX 25
#define KITH_MESSAGE_BUTTONS_MAX 25 /* rendered in rows of five */
#define KITH_CUSTOM_ID_MAX 100      /* bytes */
#define KITH_BUTTON_LABEL_MAX 80
#define KITH_SELECT_OPTIONS_MAX 25
#define KITH_POLL_ANSWERS_MAX 20 /* Matrix; platforms with fewer refuse at send */
#define KITH_ATTACHMENT_MAX (8u * 1024u * 1024u)

struct kith_native_poll {
    const char *question;
    const char *const *answers;
    size_t answer_count;
    bool allow_multiple;
    bool anonymous;
    int64_t duration_s; /* 0 = open until closed */
};

#ifdef __cplusplus
}
#endif

#endif
