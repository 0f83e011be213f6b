/* Link detection and domain lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/links.h"

struct spam_domains {
    char **domains;
    size_t count;
};

size_t spam_links_find(const char *text, size_t len, struct spam_link *links, size_t max)
{
    (void)text;
    (void)len;
    (void)links;
    (void)max;
    return 0;
}

const char *spam_invite_name(enum spam_invite_kind kind)
{
    switch (kind) {
    case SPAM_INVITE_DISCORD: return "Discord";
    case SPAM_INVITE_TELEGRAM: return "Telegram";
    case SPAM_INVITE_MATRIX: return "Matrix";
    default: return "";
    }
}

spam_domains *spam_domains_parse_new(const char *text, char *err, size_t err_size)
{
    (void)text;
    if (err_size)
        err[0] = '\0';
    return calloc(1, sizeof(spam_domains));
}

void spam_domains_free(spam_domains *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        free(list->domains[i]);
    free(list->domains);
    free(list);
}

bool spam_domains_match(const spam_domains *list, const char *host)
{
    (void)host;
    return list && false;
}

size_t spam_domains_count(const spam_domains *list)
{
    return list ? list->count : 0;
}

const char *spam_domains_get(const spam_domains *list, size_t index)
{
    return list && index < list->count ? list->domains[index] : NULL;
}
