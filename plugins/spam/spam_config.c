/* The spam plugin's settings and the per-server rule cache built from them: each rule is one
 * setting holding the text `/spam set` takes ("on 5/10s timeout:10m"), so the core stores,
 * audits and exports it, and the engine parses it once per server, not once per message. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spam.h"

/* The rule settings' defaults; docs/plugins/spam.md has the same table. */
const struct kith_setting_decl spam_settings[SPAM_SETTING_COUNT] = {
    {"dry_run", "log what the rules would do and do nothing", KITH_SETTING_BOOLEAN, "false", 0, 0,
     NULL},
    {"log_channel", "where every action is logged", KITH_SETTING_CHANNEL, NULL, 0, 0, NULL},
    {"report_channel", "where /report lands (unset: the log channel)", KITH_SETTING_CHANNEL, NULL,
     0, 0, NULL},
    {"exempt_managers", "managers and admins are never touched", KITH_SETTING_BOOLEAN, "true", 0, 0,
     NULL},
    {"exempt_roles", "roles never touched (ids or mentions, comma-separated)", KITH_SETTING_STRING,
     "", 0, 2000, NULL},
    {"exempt_channels", "channels never checked (ids or mentions, comma-separated)",
     KITH_SETTING_STRING, "", 0, 2000, NULL},
    {"flood", "too many messages: on|off, limit N/T, action", KITH_SETTING_STRING,
     "on 5/10s timeout:10m", 0, 200, NULL},
    {"duplicates", "the same text again and again: on|off, N/T, action", KITH_SETTING_STRING,
     "on 3/60s delete", 0, 200, NULL},
    {"mentions", "too many mentions: on|off, N/T, action", KITH_SETTING_STRING,
     "on 8/30s timeout:10m", 0, 200, NULL},
    {"links", "links to denied hosts (or off the allow list): on|off, action", KITH_SETTING_STRING,
     "on delete", 0, 200, NULL},
    {"links_deny", "denied hosts, comma-separated (subdomains included)", KITH_SETTING_STRING, "",
     0, 2000, NULL},
    {"links_allow", "if set, only these hosts may be linked", KITH_SETTING_STRING, "", 0, 2000,
     NULL},
    {"invites", "invite links to other servers or groups: on|off, action", KITH_SETTING_STRING,
     "on delete", 0, 200, NULL},
    {"words", "banned words and patterns: on|off, action", KITH_SETTING_STRING, "on delete", 0, 200,
     NULL},
    {"words_list", "the banned words and patterns, separated by ;;", KITH_SETTING_STRING, "", 0,
     4000, NULL},
    {"caps", "shouting: on|off, P%/L (percent of capitals among at least L letters), action",
     KITH_SETTING_STRING, "off 70%/10 delete", 0, 200, NULL},
    {"new_member_links", "no links in a member's first D: on|off, D, action", KITH_SETTING_STRING,
     "on 1d delete", 0, 200, NULL},
    {"raid", "join-rate raid detection: on|off, N/T joins, action on joiners (alert = none)",
     KITH_SETTING_STRING, "on 10/60s alert", 0, 200, NULL},
    {"strike_expiry", "how long a strike counts", KITH_SETTING_DURATION, "30d", 3600, 365 * 86400,
     NULL},
    {"strike_ladder", "escalation: strikes/window=action, ...", KITH_SETTING_STRING,
     "3/24h=timeout:1h, 5/7d=ban", 0, 300, NULL},
    {"report_timeout", "how long a report's Timeout button times out", KITH_SETTING_DURATION, "1h",
     60, 28 * 86400, NULL},
};

static const struct {
    const char *key;
    enum spam_list_id list;
} list_settings[] = {
    {"links_deny", SPAM_LIST_DENY},
    {"links_allow", SPAM_LIST_ALLOW},
    {"words_list", SPAM_LIST_WORDS},
    {"exempt_roles", SPAM_LIST_EXEMPT_ROLES},
    {"exempt_channels", SPAM_LIST_EXEMPT_CHANNELS},
};
#define LIST_SETTING_COUNT (sizeof list_settings / sizeof list_settings[0])

/* A setting's text, or "" (copied into out). */
static void read_text(struct kith_plugin_ctx *ctx, const char *server_id, const char *key,
                      char *out, size_t size)
{
    char *value = NULL;
    out[0] = '\0';
    kith_err err = spam_host->setting_get(ctx, server_id, key, &value);
    if (err == KITH_OK && value != NULL)
        snprintf(out, size, "%s", value);
    else if (err != KITH_OK && err != KITH_ERR_NOT_FOUND)
        spam_host->log(ctx, KITH_LOG_WARN, "setting %s of %s unreadable: %s", key, server_id,
                       spam_host->strerror(err));
    spam_host->free(value);
}

static int64_t read_int(struct kith_plugin_ctx *ctx, const char *server_id, const char *key,
                        int64_t fallback)
{
    int64_t value = fallback;
    if (spam_host->setting_get_int(ctx, server_id, key, &value) != KITH_OK)
        return fallback;
    return value;
}

/* One id of an exempt list: a mention (<@&123>, <#123>) or an id as platforms write them:
 * digits ("123", Telegram's "-100123"), prefixed ("discord:123") or a Matrix room ("!abc:x.org").
 * Names ("Helpers") are refused: they could not be told from ids later. */
bool spam_exempt_id_valid(const char *item, size_t len)
{
    bool mention = len > 2 && item[0] == '<' && item[len - 1] == '>';
    if (mention) {
        size_t sigils = strspn(item + 1, "@&#!");
        item += 1 + sigils;
        len -= 2 + sigils;
    }
    if (len == 0)
        return false;
    bool has_colon = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)item[i];
        if (!isalnum(c) && strchr(":-!._", c) == NULL)
            return false;
        has_colon = has_colon || c == ':';
    }
    return mention || has_colon || isdigit((unsigned char)item[0]) || item[0] == '-';
}

/* Lists written with mentions ("<@&7>, <#9>") become the platform-prefixed ids the engine
 * compares with; bare ids get the server's platform prefix. */
static bool normalize_ids(const char *server_id, const char *text, char *out, size_t size,
                          char *err, size_t err_size)
{
    bool all_valid = true;
    const char *colon = strchr(server_id, ':');
    int prefix_len = colon ? (int)(colon - server_id) : 0;
    size_t used = 0;
    out[0] = '\0';
    const char *p = text;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ',' && *end != ' ')
            end++;
        if (end == p)
            break;
        const char *id = p;
        size_t len = (size_t)(end - p);
        if (!spam_exempt_id_valid(p, len)) { /* a name ("Helpers") can never match: skip it */
            if (all_valid)
                snprintf(err, err_size, "\"%.*s\" is not an id or mention", (int)len, p);
            all_valid = false;
            p = end;
            continue;
        }
        if (*id == '<') { /* <@&123>, <#123> */
            while (len > 0 && (*id == '<' || *id == '@' || *id == '&' || *id == '#')) {
                id++;
                len--;
            }
            if (len > 0 && id[len - 1] == '>')
                len--;
        }
        bool prefixed = memchr(id, ':', len) != NULL;
        if (used < size)
            used += (size_t)snprintf(out + used, size - used, "%s%.*s%s%.*s", used ? "," : "",
                                     prefixed ? 0 : prefix_len, server_id, prefixed ? "" : ":",
                                     (int)len, id);
        p = end;
    }
    return all_valid;
}

static bool apply_list(struct spam_config *cfg, const char *server_id, enum spam_list_id list,
                       const char *text, char *err, size_t err_size)
{
    char ids[4200];
    bool all_valid = true;
    if (list == SPAM_LIST_EXEMPT_ROLES || list == SPAM_LIST_EXEMPT_CHANNELS) {
        all_valid = normalize_ids(server_id, text, ids, sizeof ids, err, err_size);
        text = ids;
    }
    /* The valid ids apply even when another item of the list was refused. */
    char list_err[256];
    if (!spam_config_set_list(cfg, list, text, list_err, sizeof list_err)) {
        snprintf(err, err_size, "%s", list_err);
        return false;
    }
    return all_valid;
}

bool spam_validate_setting(struct kith_plugin_ctx *ctx, const char *server_id, const char *key,
                           const char *value, char *why, size_t why_size)
{
    (void)ctx;
    struct spam_config *scratch = malloc(sizeof *scratch);
    if (scratch == NULL) {
        snprintf(why, why_size, "The spam plugin ran out of memory checking %s.", key);
        return false;
    }
    spam_config_init(scratch);
    bool ok = true;
    char err[256] = "";
    for (int rule = 0; ok && rule < SPAM_RULE_COUNT; rule++) {
        if (strcmp(key, spam_rule_name((enum spam_rule_id)rule)) == 0 && value[0] != '\0')
            ok = spam_config_set_rule(scratch, (enum spam_rule_id)rule, value, err, sizeof err);
    }
    for (size_t i = 0; ok && i < LIST_SETTING_COUNT; i++) {
        if (strcmp(key, list_settings[i].key) == 0)
            ok = apply_list(scratch, server_id, list_settings[i].list, value, err, sizeof err);
    }
    struct spam_ladder ladder;
    if (ok && strcmp(key, "strike_ladder") == 0)
        ok = spam_ladder_parse(value, &ladder, err, sizeof err);
    spam_config_clear(scratch);
    free(scratch);
    if (!ok)
        snprintf(why, why_size, "%s: %s", key, err);
    return ok;
}

/* Logs a stored setting the engine refused and keeps a note of it for /spam rules. */
static void note_ignored(struct kith_plugin_ctx *ctx, struct spam_server *s, const char *key,
                         const char *err)
{
    spam_host->log(ctx, KITH_LOG_WARN, "%s: setting %s ignored: %s", s->server_id, key, err);
    size_t used = strlen(s->ignored);
    if (used < sizeof s->ignored)
        snprintf(s->ignored + used, sizeof s->ignored - used, "%s%s (%s)", used ? "; " : "", key,
                 err);
}

/* Fills cfg from the server's settings. A stored value the engine refuses (set around /spam
 * set with /kith config) keeps the default and is logged. */
static void build_config(struct kith_plugin_ctx *ctx, struct spam_server *s)
{
    char text[4200], err[256];
    spam_config_init(&s->cfg);
    for (int rule = 0; rule < SPAM_RULE_COUNT; rule++) {
        const char *key = spam_rule_name((enum spam_rule_id)rule);
        read_text(ctx, s->server_id, key, text, sizeof text);
        if (text[0] &&
            !spam_config_set_rule(&s->cfg, (enum spam_rule_id)rule, text, err, sizeof err))
            note_ignored(ctx, s, key, err);
    }
    for (size_t i = 0; i < LIST_SETTING_COUNT; i++) {
        read_text(ctx, s->server_id, list_settings[i].key, text, sizeof text);
        if (!apply_list(&s->cfg, s->server_id, list_settings[i].list, text, err, sizeof err))
            note_ignored(ctx, s, list_settings[i].key, err);
    }
    read_text(ctx, s->server_id, "strike_ladder", text, sizeof text);
    struct spam_ladder ladder;
    if (spam_ladder_parse(text, &ladder, err, sizeof err))
        s->cfg.ladder = ladder;
    else
        note_ignored(ctx, s, "strike_ladder", err);
    s->cfg.strike_expiry_s = read_int(ctx, s->server_id, "strike_expiry", 30 * 86400);
    s->cfg.dry_run = read_int(ctx, s->server_id, "dry_run", 0) != 0;
    s->exempt_managers = read_int(ctx, s->server_id, "exempt_managers", 1) != 0;
    s->report_timeout_s = read_int(ctx, s->server_id, "report_timeout", 3600);
    read_text(ctx, s->server_id, "log_channel", s->log_channel, sizeof s->log_channel);
    read_text(ctx, s->server_id, "report_channel", s->report_channel, sizeof s->report_channel);
}

static size_t bucket_of(const char *server_id)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)server_id; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % SPAM_SERVER_BUCKETS;
}

static void lru_unlink(struct spam_state *state, struct spam_server *s)
{
    *(s->newer ? &s->newer->older : &state->newest) = s->older;
    *(s->older ? &s->older->newer : &state->oldest) = s->newer;
    s->newer = s->older = NULL;
}

static void lru_push_newest(struct spam_state *state, struct spam_server *s)
{
    s->older = state->newest;
    *(state->newest ? &state->newest->newer : &state->oldest) = s;
    state->newest = s;
}

static void server_free(struct spam_server *s)
{
    spam_config_clear(&s->cfg);
    free(s->server_id);
    free(s);
}

/* Drops the cached server at *link (a bucket chain's link to it). */
static void drop(struct spam_state *state, struct spam_server **link)
{
    struct spam_server *s = *link;
    *link = s->next;
    lru_unlink(state, s);
    state->server_count--;
    server_free(s);
}

/* Drops every cached server in one bucket chain whose id is server_id (NULL: all of them). */
static void forget_in(struct spam_state *state, struct spam_server **link, const char *server_id)
{
    while (*link) {
        if (server_id == NULL || strcmp((*link)->server_id, server_id) == 0)
            drop(state, link);
        else
            link = &(*link)->next;
    }
}

/* Makes room for one more server: the least recently used one goes (its rules are rebuilt
 * from its settings when it is next needed). Callers hold no server pointer across this. */
static void evict_oldest(struct spam_state *state)
{
    struct spam_server **link = &state->servers[bucket_of(state->oldest->server_id)];
    while (*link != state->oldest)
        link = &(*link)->next;
    drop(state, link);
}

struct spam_server *spam_server_get(struct kith_plugin_ctx *ctx, const char *server_id)
{
    struct spam_state *state = spam_state(ctx);
    struct spam_server **bucket = &state->servers[bucket_of(server_id)];
    for (struct spam_server *s = *bucket; s; s = s->next) {
        if (strcmp(s->server_id, server_id) == 0) {
            lru_unlink(state, s);
            lru_push_newest(state, s);
            return s;
        }
    }
    struct spam_server *s = calloc(1, sizeof *s);
    if (s == NULL || (s->server_id = strdup(server_id)) == NULL) {
        free(s);
        return NULL;
    }
    build_config(ctx, s);
    if (state->server_count >= SPAM_SERVER_CACHE_MAX)
        evict_oldest(state);
    s->next = *bucket;
    *bucket = s;
    lru_push_newest(state, s);
    state->server_count++;
    return s;
}

void spam_servers_forget(struct spam_state *state, const char *server_id)
{
    if (server_id != NULL) {
        forget_in(state, &state->servers[bucket_of(server_id)], server_id);
        return;
    }
    for (size_t i = 0; i < SPAM_SERVER_BUCKETS; i++)
        forget_in(state, &state->servers[i], NULL);
}
