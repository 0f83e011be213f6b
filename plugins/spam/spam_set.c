/* /spam set, /spam rules and /spam dry-run: admins change the rules in words; each change is
 * checked by the engine first (a bad pattern is refused with its compile error), then stored
 * through the core's setting_set, which validates, audits and calls on_settings. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spam.h"

#define SET_USAGE                                                                                  \
    "Rules: flood, duplicates, mentions, links, invites, words, caps, new_member_links, raid; "    \
    "also exempt, log, report, strikes. Examples: /spam set flood 5/10s timeout:10m, "             \
    "/spam set links deny bad.example, /spam set words add free nitro, "                           \
    "/spam set strikes ladder 3/24h=timeout:1h, 5/7d=ban"

static const char *opt(const struct kith_event *ev, const char *name)
{
    const struct kith_option_value *v = kith_event_option(ev, name);
    return v != NULL ? v->text : "";
}

/* Stores one setting through the core and answers with what it is now (or why not). */
static void store(struct kith_plugin_ctx *ctx, const struct kith_event *ev, const char *key,
                  const char *value, const char *shown)
{
    char *error = NULL;
    kith_err err = spam_host->setting_set(ctx, ev->server_id, key, value, &error);
    if (err == KITH_OK) {
        spam_servers_forget(spam_state(ctx), ev->server_id);
        spam_say(ctx, ev, "%s is now: %s", key, shown ? shown : value);
    } else {
        spam_say(ctx, ev, "%s was not changed: %s", key, error ? error : spam_host->strerror(err));
    }
    spam_host->free(error);
}

/* Actions that make no sense for a rule, refused with what to use instead. */
static bool action_fits(enum spam_rule_id id, const struct spam_action *a, char *err, size_t size)
{
    if (a->kind == SPAM_ACTION_LOCKDOWN) {
        snprintf(err, size,
                 "lockdown is not available: kith cannot change channel permissions; use alert, "
                 "timeout:1h, kick or ban");
        return false;
    }
    if (id == SPAM_RULE_RAID && (a->kind == SPAM_ACTION_DELETE || a->kind == SPAM_ACTION_WARN)) {
        snprintf(err, size,
                 "a raid has no message to %s; use alert, timeout:1h, kick or ban on joiners",
                 spam_action_name(a->kind));
        return false;
    }
    return true;
}

static void set_rule(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                     struct spam_server *server, enum spam_rule_id id, const char *tokens)
{
    const char *name = spam_rule_name(id);
    struct spam_config trial;
    char current[256], err[256], text[256], described[256];
    spam_config_init(&trial);
    trial.rules[id] = server->cfg.rules[id];
    spam_rule_text(&trial, id, current, sizeof current);
    bool ok = spam_config_set_rule(&trial, id, tokens, err, sizeof err) &&
              action_fits(id, &trial.rules[id].action, err, sizeof err);
    if (ok) {
        spam_rule_text(&trial, id, text, sizeof text);
        spam_rule_describe(&trial, id, described, sizeof described);
    }
    spam_config_clear(&trial);
    if (!ok) {
        spam_say(ctx, ev, "%s was not changed: %s. It stays: %s", name, err, current);
        return;
    }
    store(ctx, ev, name, text, described);
}

static bool ids_valid(const char *text, const char *kind, char *err, size_t size)
{
    for (const char *p = text; *p;) {
        p += strspn(p, ", ");
        size_t len = strcspn(p, ", ");
        if (len == 0)
            break;
        if (!spam_exempt_id_valid(p, len)) {
            snprintf(err, size,
                     "\"%.*s\" is not a %s id or mention; give ids or mentions separated by "
                     "commas, like <%s123>, 456",
                     (int)len, p, kind, kind[0] == 'r' ? "@&" : "#");
            return false;
        }
        p += len;
    }
    return true;
}

/* Checks a list with the engine (patterns compile, domains parse) before storing it. */
static void set_list(struct kith_plugin_ctx *ctx, const struct kith_event *ev, const char *key,
                     enum spam_list_id list, const char *text)
{
    struct spam_config trial;
    char err[256];
    bool ids = list == SPAM_LIST_EXEMPT_ROLES || list == SPAM_LIST_EXEMPT_CHANNELS;
    if (ids &&
        !ids_valid(text, list == SPAM_LIST_EXEMPT_ROLES ? "role" : "channel", err, sizeof err)) {
        spam_say(ctx, ev, "%s was not changed: %s", key, err);
        return;
    }
    spam_config_init(&trial);
    bool ok = spam_config_set_list(&trial, list, text, err, sizeof err);
    spam_config_clear(&trial);
    if (!ok) {
        spam_say(ctx, ev, "%s was not changed: %s", key, err);
        return;
    }
    store(ctx, ev, key, text, text[0] ? text : "(empty)");
}

/* /spam set words add|remove <pattern>: edits the ";;"-separated list one pattern at a time. */
static void edit_words(struct kith_plugin_ctx *ctx, const struct kith_event *ev, bool add,
                       const char *pattern)
{
    char *current = NULL, out[4200] = "";
    if (spam_host->setting_get(ctx, ev->server_id, "words_list", &current) != KITH_OK) {
        spam_say(ctx, ev, "The banned words cannot be read just now; try again.");
        return;
    }
    bool found = false;
    size_t used = 0;
    for (const char *p = current ? current : ""; *p;) {
        const char *end = strstr(p, ";;");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)p[len - 1]))
            len--;
        bool same = len == strlen(pattern) && strncmp(p, pattern, len) == 0;
        found = found || same;
        if (len > 0 && !(same && !add) && used < sizeof out)
            used += (size_t)snprintf(out + used, sizeof out - used, "%s%.*s", used ? " ;; " : "",
                                     (int)len, p);
        if (end == NULL)
            break;
        p = end + 2;
    }
    spam_host->free(current);
    if (!add && !found) {
        spam_say(ctx, ev, "\"%s\" is not among the banned words; /spam rules lists them.", pattern);
        return;
    }
    if (add && !found && used < sizeof out)
        used +=
            (size_t)snprintf(out + used, sizeof out - used, "%s%s", used ? " ;; " : "", pattern);
    if (used >= sizeof out) {
        spam_say(ctx, ev, "The banned words list is full (4000 characters); remove some first.");
        return;
    }
    set_list(ctx, ev, "words_list", SPAM_LIST_WORDS, out);
}

static void set_ladder(struct kith_plugin_ctx *ctx, const struct kith_event *ev, const char *text)
{
    struct spam_ladder ladder;
    char err[256], canonical[300];
    if (!spam_ladder_parse(text, &ladder, err, sizeof err)) {
        spam_say(ctx, ev, "strike_ladder was not changed: %s", err);
        return;
    }
    spam_ladder_format(&ladder, canonical, sizeof canonical);
    store(ctx, ev, "strike_ladder", canonical[0] ? canonical : "off", NULL);
}

/* The settings that are not rules: exempt, log, report, strikes, dry_run. */
static bool set_general(struct kith_plugin_ctx *ctx, const struct kith_event *ev, const char *group,
                        const char *key, const char *value)
{
    static const struct {
        const char *group, *key, *setting, *example;
    } simple[] = {
        {"exempt", "managers", "exempt_managers", "off"},
        {"log", "channel", "log_channel", "#mod-log"},
        {"report", "channel", "report_channel", "#moderators"},
        {"report", "timeout", "report_timeout", "2h"},
        {"strikes", "expiry", "strike_expiry", "14d"},
        {"dry_run", "", "dry_run", "on"},
    };
    if (strcmp(group, "exempt") == 0 && strcmp(key, "roles") == 0) {
        set_list(ctx, ev, "exempt_roles", SPAM_LIST_EXEMPT_ROLES, value);
        return true;
    }
    if (strcmp(group, "exempt") == 0 && strcmp(key, "channels") == 0) {
        set_list(ctx, ev, "exempt_channels", SPAM_LIST_EXEMPT_CHANNELS, value);
        return true;
    }
    if (strcmp(group, "strikes") == 0 && strcmp(key, "ladder") == 0) {
        set_ladder(ctx, ev, value);
        return true;
    }
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        if (strcmp(group, simple[i].group) != 0)
            continue;
        if (simple[i].key[0] == '\0') { /* "/spam set dry_run on": the key is the value */
            store(ctx, ev, simple[i].setting, key, NULL);
            return true;
        }
        if (strcmp(key, simple[i].key) == 0) {
            if (value[0] == '\0')
                spam_say(ctx, ev, "/spam set %s %s needs a value, like: /spam set %s %s %s", group,
                         key, group, key, simple[i].example);
            else
                store(ctx, ev, simple[i].setting, value, NULL);
            return true;
        }
    }
    return false;
}

/* "Strike", "dry-run" and "new-member-links" are accepted for "strikes", "dry_run", ... */
static void normalize_word(const char *in, char *out, size_t size)
{
    size_t i = 0;
    for (; in[i] && i + 1 < size; i++)
        out[i] = in[i] == '-' ? '_' : (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
    if (strcmp(out, "strike") == 0)
        snprintf(out, size, "strikes");
    if (strcmp(out, "reports") == 0)
        snprintf(out, size, "report");
}

void spam_command_set(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    char group[40], key[40], tokens[4200];
    normalize_word(opt(ev, "rule"), group, sizeof group);
    normalize_word(opt(ev, "key"), key, sizeof key);
    const char *value = opt(ev, "value");
    struct spam_server *server = spam_server_get(ctx, ev->server_id);
    if (server == NULL) {
        spam_say(ctx, ev, "kith ran out of memory; try again.");
        return;
    }
    enum spam_rule_id id;
    if (!spam_rule_from_name(group, &id)) {
        if (!set_general(ctx, ev, group, key, value))
            spam_say(ctx, ev, "\"%s %s\" is not something /spam set knows. %s", opt(ev, "rule"),
                     opt(ev, "key"), SET_USAGE);
        return;
    }
    if (id == SPAM_RULE_LINKS && (strcmp(key, "deny") == 0 || strcmp(key, "allow") == 0)) {
        bool deny = key[0] == 'd';
        set_list(ctx, ev, deny ? "links_deny" : "links_allow",
                 deny ? SPAM_LIST_DENY : SPAM_LIST_ALLOW, value);
        return;
    }
    if (id == SPAM_RULE_WORDS && (strcmp(key, "add") == 0 || strcmp(key, "remove") == 0)) {
        if (value[0] == '\0')
            spam_say(ctx, ev, "Which pattern? Example: /spam set words %s free nitro", key);
        else
            edit_words(ctx, ev, key[0] == 'a', value);
        return;
    }
    if (id == SPAM_RULE_WORDS && (strcmp(key, "list") == 0 || strcmp(key, "patterns") == 0)) {
        set_list(ctx, ev, "words_list", SPAM_LIST_WORDS, value);
        return;
    }
    /* "action" and "limit" only name what follows; the engine tells the tokens apart. */
    bool named = strcmp(key, "action") == 0 || strcmp(key, "limit") == 0;
    if (named && value[0] == '\0') {
        spam_say(ctx, ev, "/spam set %s %s needs a value, like: /spam set %s %s", group, key, group,
                 key[0] == 'a' ? "action timeout:10m" : "limit 5/10s");
        return;
    }
    snprintf(tokens, sizeof tokens, "%s %s", named ? "" : opt(ev, "key"), value);
    set_rule(ctx, ev, server, id, tokens);
}

void spam_command_dry_run(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_option_value *v = kith_event_option(ev, "state");
    bool on = v != NULL && v->integer != 0;
    store(ctx, ev, "dry_run", on ? "true" : "false",
          on ? "on: the rules only log what they would do" : "off: the rules act");
}

/* Appends one formatted line to out. */
static void line(char *out, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void line(char *out, size_t size, size_t *used, const char *fmt, ...)
{
    if (*used >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

static void list_ids(char *out, size_t size, size_t *used, const char *label, char **ids,
                     size_t count)
{
    line(out, size, used, "\n%s: ", label);
    for (size_t i = 0; i < count; i++)
        line(out, size, used, "%s%s", i ? ", " : "", ids[i]);
    if (count == 0)
        line(out, size, used, "none");
}

void spam_command_rules(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    struct spam_server *s = spam_server_get(ctx, ev->server_id);
    if (s == NULL) {
        spam_say(ctx, ev, "kith ran out of memory; try again.");
        return;
    }
    char out[KITH_MESSAGE_TEXT_MAX], buf[300];
    size_t used = 0;
    line(out, sizeof out, &used,
         "Spam rules here%s:", s->cfg.dry_run ? " (dry run: nothing is done, only logged)" : "");
    for (int id = 0; id < SPAM_RULE_COUNT; id++)
        line(out, sizeof out, &used, "\n- %s",
             spam_rule_describe(&s->cfg, (enum spam_rule_id)id, buf, sizeof buf));
    line(out, sizeof out, &used, "\nLinks denied: ");
    for (size_t i = 0; i < spam_domains_count(s->cfg.deny); i++)
        line(out, sizeof out, &used, "%s%s", i ? ", " : "", spam_domains_get(s->cfg.deny, i));
    if (spam_domains_count(s->cfg.deny) == 0)
        line(out, sizeof out, &used, "none");
    line(out, sizeof out, &used, "; allowed only: ");
    for (size_t i = 0; i < spam_domains_count(s->cfg.allow); i++)
        line(out, sizeof out, &used, "%s%s", i ? ", " : "", spam_domains_get(s->cfg.allow, i));
    if (spam_domains_count(s->cfg.allow) == 0)
        line(out, sizeof out, &used, "(no allow list)");
    size_t words = s->cfg.words ? spam_pattern_set_count(s->cfg.words) : 0;
    line(out, sizeof out, &used, "\nBanned words and patterns: %s", words ? "" : "none");
    for (size_t i = 0; i < words; i++)
        line(out, sizeof out, &used, "%s%s", i ? " ;; " : "",
             spam_pattern_set_source(s->cfg.words, i));
    list_ids(out, sizeof out, &used, "Exempt roles", s->cfg.exempt_roles, s->cfg.exempt_role_count);
    list_ids(out, sizeof out, &used, "Exempt channels", s->cfg.exempt_channels,
             s->cfg.exempt_channel_count);
    line(out, sizeof out, &used, "\nManagers exempt: %s", s->exempt_managers ? "yes" : "no");
    char expiry[32];
    spam_ladder_format(&s->cfg.ladder, buf, sizeof buf);
    line(out, sizeof out, &used, "\nStrikes expire after %s; escalation: %s",
         spam_duration_format(s->cfg.strike_expiry_s, expiry, sizeof expiry), buf[0] ? buf : "off");
    line(out, sizeof out, &used, "\nModeration log: %s; reports: %s",
         s->log_channel[0] ? s->log_channel : "not set (/spam set log channel #mod-log)",
         s->report_channel[0] ? s->report_channel
                              : (s->log_channel[0] ? "the log channel" : "not set"));
    if (s->ignored[0])
        line(out, sizeof out, &used,
             "\nIgnored (invalid, set outside /spam set): %s. Fix them with /spam set.",
             s->ignored);
    if (used >= sizeof out) { /* cut on a character boundary, and say so */
        size_t end = sizeof out - 12;
        while (end > 0 && ((unsigned char)out[end] & 0xC0) == 0x80)
            end--;
        snprintf(out + end, sizeof out - end, "\n(cut)");
    }
    spam_say(ctx, ev, "%s", out);
}
