/* Message links members paste into /report: Discord (discord.com/channels/...), Telegram
 * (t.me/c/...) and Matrix (matrix.to/#/...), read into the kith ids the adapters use. */
#ifndef SPAM_MESSAGE_LINK_H
#define SPAM_MESSAGE_LINK_H

#include <stdbool.h>

#define SPAM_LINK_ID_MAX 128 /* as the report's ids (spam_store.h) */

/* What a message link names, as kith ids. */
struct spam_message_link {
    char server_id[SPAM_LINK_ID_MAX];  /* "discord:1", "telegram:-1001234", "matrix:!r:x.org";
                                          "" when the link names a Matrix room by its alias */
    char channel_id[SPAM_LINK_ID_MAX]; /* "discord:2", "telegram:-1001234/7" (a forum topic),
                                          "matrix:!r:x.org"; "" as server_id */
    char message_id[SPAM_LINK_ID_MAX]; /* "discord:3", "telegram:42", "matrix:$event" */
};

/* Finds a message link in text: https://discord.com/channels/<guild>/<channel>/<message>,
 * https://t.me/c/<chat>/<message> or t.me/c/<chat>/<topic>/<message> (private groups; public
 * t.me/<name>/<message> links name no chat id and are not read), or
 * https://matrix.to/#/<room id or alias>/<event id> (percent-escapes decoded). False when text
 * holds none of these, or one whose ids do not fit. */
bool spam_message_link_parse(const char *text, struct spam_message_link *out);

#endif
