/* Links in message text: find URLs and bare domains (also "discord . gg" and "hxxp" forms),
 * extract the host, tell invite links apart, and match hosts against domain lists. */
#ifndef SPAM_LINKS_H
#define SPAM_LINKS_H

#include <stdbool.h>
#include <stddef.h>

#define SPAM_HOST_MAX 254
#define SPAM_URL_MAX 200

enum spam_invite_kind {
    SPAM_INVITE_NONE = 0,
    SPAM_INVITE_DISCORD = 1,  /* discord.gg/x, discord.com/invite/x, discordapp.com/invite/x */
    SPAM_INVITE_TELEGRAM = 2, /* t.me/+x, t.me/joinchat/x, telegram.me/joinchat/x */
    SPAM_INVITE_MATRIX = 3,   /* matrix.to/#/#room:server or matrix.to/#/!room:server */
};

/* One link found in a message. All fields are copies (no pointers into the text). */
struct spam_link {
    char host[SPAM_HOST_MAX + 1]; /* lowercase, no port, no trailing dot: "discord.gg" */
    char url[SPAM_URL_MAX + 1];   /* the link as found after folding, truncated to fit */
    enum spam_invite_kind invite;
};

/* Finds links in raw message text (it folds internally without leet). Writes up to max links
 * and returns how many were found (may exceed max). Returns 0 for text without links. */
size_t spam_links_find(const char *text, size_t len, struct spam_link *links, size_t max);

/* The platform name of an invite kind ("Discord", "Telegram", "Matrix"; "" for NONE). */
const char *spam_invite_name(enum spam_invite_kind kind);

/* A parsed list of domains; "example.com" covers example.com and every subdomain of it. */
typedef struct spam_domains spam_domains;

/* Parses a list separated by commas or spaces ("example.com, *.bad.org, http://x.io/");
 * scheme, "*." prefix, path and port are ignored. Returns a new list (caller frees with
 * spam_domains_free) or NULL with a message in err (empty err = out of memory). An empty
 * string gives an empty list. */
spam_domains *spam_domains_parse_new(const char *text, char *err, size_t err_size);
void spam_domains_free(spam_domains *list);

/* True when host (lowercase, as in struct spam_link) is a listed domain or a subdomain of one. */
bool spam_domains_match(const spam_domains *list, const char *host);

size_t spam_domains_count(const spam_domains *list);

/* Domain `index` as stored (borrowed), for listing the setting back. */
const char *spam_domains_get(const spam_domains *list, size_t index);

#endif
