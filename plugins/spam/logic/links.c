/* Finding links in message text: scheme URLs, www. hosts and bare domains with a known
 * top-level domain, also when obfuscated ("discord . gg", "discord[.]gg", "hxxps://"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/fold.h"
#include "logic/links.h"

/* Top-level domains a bare "name.tld" needs to count as a link. A curated list rather than
 * every TLD: file names like readme.md, main.py or app.js must not read as links. */
static const char *const BARE_TLDS[] = {
    "app",    "bet",    "biz", "by",   "casino", "cash", "cc",   "chat",  "click", "club", "co",
    "com",    "crypto", "de",  "dev",  "eu",     "fr",   "fun",  "gg",    "gift",  "gl",   "info",
    "io",     "it",     "kz",  "link", "live",   "ly",   "me",   "money", "net",   "nft",  "nl",
    "online", "org",    "pl",  "pro",  "ru",     "shop", "site", "store", "su",    "team", "to",
    "top",    "tv",     "ua",  "uk",   "us",     "win",  "ws",   "xyz"};

static bool is_label_char(uint32_t cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '-' ||
           (cp >= 0x80 && spam_is_word_char(cp));
}

/* Reads the code point at s[i] (s is NUL-terminated folded text). */
static uint32_t cp_at(const char *s, size_t i, size_t *used)
{
    uint32_t cp = 0;
    size_t len = strnlen(s + i, 4);
    *used = len ? spam_utf8_decode(s + i, len, &cp) : 0;
    return cp;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Undoes the usual obfuscations in folded text: "hxxp" → "http", "[.]" "(.)" "[dot]" "(dot)" →
 * ".", and spaces before a dot ("discord . gg", "discord .gg"). A sentence's ". " is left
 * alone, so "Hello. World" stays two words. Returns a new string (caller frees) or NULL. */
static char *deobfuscate_new(const char *f)
{
    size_t len = strlen(f);
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (starts(f + i, "hxxp")) {
            memcpy(out + o, "http", 4);
            o += 4;
            i += 4;
        } else if (starts(f + i, "[.]") || starts(f + i, "(.)")) {
            out[o++] = '.';
            i += 3;
        } else if (starts(f + i, "[dot]") || starts(f + i, "(dot)")) {
            out[o++] = '.';
            i += 5;
        } else if (f[i] == ' ' && f[i + 1] == '.' && o > 0 && f[i + 2] != '.' &&
                   is_label_char((unsigned char)out[o - 1])) {
            out[o++] = '.';
            i += f[i + 2] == ' ' ? 3 : 2; /* "a . b" and "a .b" */
        } else {
            out[o++] = f[i++];
        }
    }
    out[o] = '\0';
    return out;
}

static bool known_bare_tld(const char *tld, size_t len)
{
    for (size_t i = 0; i < sizeof BARE_TLDS / sizeof BARE_TLDS[0]; i++)
        if (strlen(BARE_TLDS[i]) == len && memcmp(BARE_TLDS[i], tld, len) == 0)
            return true;
    return false;
}

/* Scans a host name at s[i]: labels separated by single dots. Returns its end (i when none)
 * and the start of its last label. */
static size_t scan_host(const char *s, size_t i, size_t *last_label, size_t *dots)
{
    size_t pos = i, used;
    *last_label = i;
    *dots = 0;
    for (;;) {
        size_t label = pos;
        while (is_label_char(cp_at(s, pos, &used)) && used)
            pos += used;
        if (pos == label)
            return label == i ? i : label - 1; /* drop a trailing dot */
        *last_label = label;
        if (s[pos] != '.' || !is_label_char(cp_at(s, pos + 1, &used)))
            return pos;
        pos++;
        (*dots)++;
    }
}

/* Path, query and fragment after the host: up to whitespace, minus trailing punctuation. */
static size_t scan_path(const char *s, size_t i)
{
    if (s[i] == ':') { /* port */
        size_t p = i + 1;
        while (s[p] >= '0' && s[p] <= '9')
            p++;
        if (p > i + 1)
            i = p;
    }
    if (s[i] != '/' && s[i] != '?' && s[i] != '#')
        return i;
    size_t end = i;
    while (s[end] && s[end] != ' ' && s[end] != '<' && s[end] != '>' && s[end] != '"')
        end++;
    while (end > i + 1 && strchr(".,;:!?)]}'", s[end - 1]))
        end--;
    return end;
}

static bool host_is(const char *host, const char *domain)
{
    size_t h = strlen(host), d = strlen(domain);
    return strcmp(host, domain) == 0 ||
           (h > d && host[h - d - 1] == '.' && strcmp(host + h - d, domain) == 0);
}

static enum spam_invite_kind invite_kind(const char *host, const char *path)
{
    if (strcmp(host, "discord.gg") == 0 && path[0] == '/' && path[1])
        return SPAM_INVITE_DISCORD;
    if ((host_is(host, "discord.com") || host_is(host, "discordapp.com")) &&
        starts(path, "/invite/") && path[8])
        return SPAM_INVITE_DISCORD;
    if ((strcmp(host, "t.me") == 0 || strcmp(host, "telegram.me") == 0 ||
         strcmp(host, "telegram.dog") == 0) &&
        ((starts(path, "/+") && path[2]) || (starts(path, "/joinchat/") && path[10])))
        return SPAM_INVITE_TELEGRAM;
    if (strcmp(host, "matrix.to") == 0 && (starts(path, "/#/#") || starts(path, "/#/!")) && path[4])
        return SPAM_INVITE_MATRIX;
    return SPAM_INVITE_NONE;
}

/* Tries to read a link at s[i]; returns its end (i when there is none) and fills link. */
static size_t link_at(const char *s, size_t i, struct spam_link *link)
{
    size_t host_start = i;
    bool explicit = false;
    if (starts(s + i, "https://") || starts(s + i, "http://")) {
        host_start = i + (s[i + 4] == 's' ? 8 : 7);
        explicit = true;
    } else if (starts(s + i, "www.")) {
        explicit = true;
    }
    size_t last_label, dots;
    size_t host_end = scan_host(s, host_start, &last_label, &dots);
    if (host_end == host_start || dots == 0 || host_end - host_start > SPAM_HOST_MAX)
        return i;
    if (!explicit && !known_bare_tld(s + last_label, host_end - last_label))
        return i;
    size_t end = scan_path(s, host_end);
    spam_utf8_copy(link->host, sizeof link->host, s + host_start, host_end - host_start);
    spam_utf8_copy(link->url, sizeof link->url, s + i, end - i);
    char path[SPAM_URL_MAX + 1];
    spam_utf8_copy(path, sizeof path, s + host_end, end - host_end);
    if (path[0] == ':') { /* skip the port for invite paths */
        char *slash = strchr(path, '/');
        memmove(path, slash ? slash : "", strlen(slash ? slash : "") + 1);
    }
    link->invite = invite_kind(link->host, path);
    return end;
}

/* Every link has a dot inside a host once folded. The fold makes dots only from '.', the
 * fullwidth full stop and the "[dot]"/"(dot)" spellings, and a host's dot is followed by a
 * letter, a digit, a non-ASCII byte (a fullwidth or zero-width character) or a control
 * character (the fold drops it), or written " ." / "[.]" / "(.)" (also with invisible or
 * control characters before the dot). Text with none of these ("Hi. All good.") is skipped
 * unfolded. */
static bool may_have_link(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '.') {
            unsigned char after = i + 1 < len ? (unsigned char)text[i + 1] : 0;
            unsigned char before = i > 0 ? (unsigned char)text[i - 1] : 0;
            bool dropped_after = i + 1 < len && (after < 0x20 || after == 0x7F); /* controls */
            if (after >= 0x80 || dropped_after || after == '-' || (after >= '0' && after <= '9') ||
                ((after | 0x20) >= 'a' && (after | 0x20) <= 'z') || before == ' ' ||
                before == '[' || before == '(' || before >= 0x80 || before < 0x20 || before == 0x7F)
                return true;
        }
        if (c == 0xEF && i + 2 < len && (unsigned char)text[i + 1] == 0xBC &&
            (unsigned char)text[i + 2] == 0x8E)
            return true;
        if ((c | 0x20) == 'd' && i + 2 < len && ((unsigned char)text[i + 1] | 0x20) == 'o' &&
            ((unsigned char)text[i + 2] | 0x20) == 't')
            return true;
    }
    return false;
}

size_t spam_links_find(const char *text, size_t len, struct spam_link *links, size_t max)
{
    if (!may_have_link(text, len))
        return 0;
    char *folded = spam_fold_new(text, len, SPAM_FOLD_NO_LEET);
    char *s = folded ? deobfuscate_new(folded) : NULL;
    free(folded);
    if (!s)
        return 0;
    size_t found = 0;
    bool at_boundary = true;
    for (size_t i = 0; s[i];) {
        size_t used;
        uint32_t cp = cp_at(s, i, &used);
        if (at_boundary) {
            struct spam_link scratch;
            struct spam_link *slot = found < max ? &links[found] : &scratch;
            size_t end = link_at(s, i, slot);
            if (end > i) {
                found++;
                i = end;
                continue;
            }
        }
        /* A link starts only after a separator; '@' marks an e-mail address, not a link. */
        at_boundary = !is_label_char(cp) && cp != '@' && cp != '.' && cp != '/';
        i += used ? used : 1;
    }
    free(s);
    return found;
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
