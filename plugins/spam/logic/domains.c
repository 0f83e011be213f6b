/* Domain lists for the links rule: parsed once from what admins type, kept sorted, and matched
 * by looking up each suffix of a host at its dots (a listed domain covers its subdomains). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/fold.h"
#include "logic/links.h"

#define MAX_DOMAINS 1000
#define EXAMPLE "example: example.com, bad.org"

struct spam_domains {
    char **domains; /* sorted, unique */
    size_t count;
};

void spam_domains_free(spam_domains *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        free(list->domains[i]);
    free(list->domains);
    free(list);
}

static int compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool valid_label_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c >= 0x80;
}

/* Turns one typed item into a bare domain (scheme, "*.", path and port dropped), written to
 * out. Returns false when what is left is not a domain. */
static bool normalise(const char *item, size_t len, char *out, size_t out_size)
{
    char *folded = spam_fold_new(item, len, SPAM_FOLD_NO_LEET);
    if (!folded)
        return false;
    const char *s = folded;
    if (strncmp(s, "https://", 8) == 0)
        s += 8;
    else if (strncmp(s, "http://", 7) == 0)
        s += 7;
    if (strncmp(s, "*.", 2) == 0)
        s += 2;
    size_t n = strcspn(s, "/:?#");
    while (n > 0 && s[n - 1] == '.')
        n--;
    bool ok = n > 0 && n < out_size && n <= SPAM_HOST_MAX && s[0] != '.' && memchr(s, '.', n);
    for (size_t i = 0; ok && i < n; i++)
        ok = valid_label_char((unsigned char)s[i]) || (s[i] == '.' && s[i + 1] != '.');
    if (ok) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    free(folded);
    return ok;
}

static bool add(spam_domains *list, size_t *cap, const char *domain)
{
    if (list->count == *cap) {
        size_t cap2 = *cap ? *cap * 2 : 8;
        char **grown = realloc(list->domains, cap2 * sizeof *grown);
        if (!grown)
            return false;
        list->domains = grown;
        *cap = cap2;
    }
    char *copy = strdup(domain);
    if (!copy)
        return false;
    list->domains[list->count++] = copy;
    return true;
}

static void sort_unique(spam_domains *list)
{
    if (list->count == 0)
        return;
    qsort(list->domains, list->count, sizeof *list->domains, compare);
    size_t kept = 1;
    for (size_t i = 1; i < list->count; i++) {
        if (strcmp(list->domains[i], list->domains[kept - 1]) == 0)
            free(list->domains[i]);
        else
            list->domains[kept++] = list->domains[i];
    }
    list->count = kept;
}

spam_domains *spam_domains_parse_new(const char *text, char *err, size_t err_size)
{
    spam_domains *list = calloc(1, sizeof *list);
    size_t cap = 0;
    if (err_size)
        err[0] = '\0';
    if (!list)
        return NULL;
    for (const char *p = text ? text : ""; *p;) {
        p += strspn(p, ", \t\r\n");
        size_t n = strcspn(p, ", \t\r\n");
        if (n == 0)
            break;
        char domain[SPAM_HOST_MAX + 1];
        if (!normalise(p, n, domain, sizeof domain)) {
            snprintf(err, err_size, "position %zu: \"%.*s\" is not a domain; " EXAMPLE,
                     (size_t)(p - text) + 1, (int)(n > 60 ? 60 : n), p);
            spam_domains_free(list);
            return NULL;
        }
        if (list->count == MAX_DOMAINS) {
            snprintf(err, err_size, "position %zu: at most %d domains; " EXAMPLE,
                     (size_t)(p - text) + 1, MAX_DOMAINS);
            spam_domains_free(list);
            return NULL;
        }
        if (!add(list, &cap, domain)) {
            spam_domains_free(list);
            return NULL;
        }
        p += n;
    }
    sort_unique(list);
    return list;
}

bool spam_domains_match(const spam_domains *list, const char *host)
{
    if (!list || list->count == 0)
        return false;
    for (const char *suffix = host; suffix;) {
        if (bsearch(&suffix, list->domains, list->count, sizeof *list->domains, compare))
            return true;
        suffix = strchr(suffix, '.');
        if (suffix)
            suffix++;
    }
    return false;
}

size_t spam_domains_count(const spam_domains *list)
{
    return list ? list->count : 0;
}

const char *spam_domains_get(const spam_domains *list, size_t index)
{
    return list && index < list->count ? list->domains[index] : NULL;
}
