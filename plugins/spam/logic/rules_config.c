/* The per-server rule configuration: defaults, rule names, and the text forms of `/spam set`
 * (limits, actions, on/off) and of the lists (domains, banned patterns, exemptions). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/rules.h"

static const char *const RULE_NAMES[SPAM_RULE_COUNT] = {"flood", "duplicates",       "mentions",
                                                        "links", "invites",          "words",
                                                        "caps",  "new_member_links", "raid"};

/* What each rule's limit looks like, for error messages. */
static const char *const RULE_EXAMPLES[SPAM_RULE_COUNT] = {
    "flood 5/10s timeout:10m", "duplicates 3/60s delete",    "mentions 8/30s timeout:10m",
    "links on delete",         "invites on delete",          "words on delete",
    "caps 70%/10 delete",      "new_member_links 7d delete", "raid 10/60s alert"};

const char *spam_rule_name(enum spam_rule_id rule)
{
    return (unsigned)rule < SPAM_RULE_COUNT ? RULE_NAMES[rule] : "unknown";
}

bool spam_rule_from_name(const char *name, enum spam_rule_id *out)
{
    for (int i = 0; i < SPAM_RULE_COUNT; i++) {
        const char *a = RULE_NAMES[i], *b = name;
        while (*a && (*a == *b || (*a == '_' && *b == '-'))) {
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0') {
            *out = (enum spam_rule_id)i;
            return true;
        }
    }
    return false;
}

static struct spam_rule rule(bool on, enum spam_action_kind kind, int64_t duration_s,
                             uint32_t count, int64_t window_ms)
{
    return (struct spam_rule){on, {kind, duration_s}, count, window_ms, 0};
}

void spam_config_init(struct spam_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->rules[SPAM_RULE_FLOOD] = rule(true, SPAM_ACTION_TIMEOUT, 600, 5, 10000);
    cfg->rules[SPAM_RULE_DUPLICATES] = rule(true, SPAM_ACTION_DELETE, 0, 3, 60000);
    cfg->rules[SPAM_RULE_MENTIONS] = rule(true, SPAM_ACTION_TIMEOUT, 600, 8, 30000);
    cfg->rules[SPAM_RULE_LINKS] = rule(true, SPAM_ACTION_DELETE, 0, 0, 0);
    cfg->rules[SPAM_RULE_INVITES] = rule(true, SPAM_ACTION_DELETE, 0, 0, 0);
    cfg->rules[SPAM_RULE_WORDS] = rule(true, SPAM_ACTION_DELETE, 0, 0, 0);
    cfg->rules[SPAM_RULE_CAPS] = rule(false, SPAM_ACTION_DELETE, 0, 70, 0);
    cfg->rules[SPAM_RULE_CAPS].min_letters = 10;
    cfg->rules[SPAM_RULE_NEW_MEMBER_LINKS] = rule(true, SPAM_ACTION_DELETE, 0, 0, 86400000);
    cfg->rules[SPAM_RULE_RAID] = rule(true, SPAM_ACTION_ALERT, 0, 10, 60000);
    char err[8];
    spam_ladder_parse("3/24h=timeout:1h, 5/7d=ban", &cfg->ladder, err, sizeof err);
    cfg->strike_expiry_s = 30LL * 86400;
}

static void free_ids(char **ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
}

void spam_config_clear(struct spam_config *cfg)
{
    spam_domains_free(cfg->deny);
    spam_domains_free(cfg->allow);
    spam_pattern_set_free(cfg->words);
    free_ids(cfg->exempt_roles, cfg->exempt_role_count);
    free_ids(cfg->exempt_channels, cfg->exempt_channel_count);
    spam_config_init(cfg);
}

static uint32_t max_count(enum spam_rule_id id)
{
    switch (id) {
    case SPAM_RULE_FLOOD:
    case SPAM_RULE_DUPLICATES: return SPAM_WINDOW_RING - 1;
    case SPAM_RULE_RAID: return SPAM_JOIN_RING - 1;
    default: return 1000;
    }
}

/* "70%" or "70%/10" for the caps rule. */
static bool parse_caps(const char *tok, struct spam_rule *r, char *err, size_t err_size)
{
    char *end;
    long pct = strtol(tok, &end, 10);
    if (end == tok || *end != '%' || pct < 1 || pct > 100) {
        snprintf(err, err_size,
                 "\"%s\": the caps limit is a percentage 1-100, optionally with a minimum "
                 "letter count; example: /spam set caps 70%%/10",
                 tok);
        return false;
    }
    uint32_t min_letters = r->min_letters;
    if (end[1] == '/') {
        char *end2;
        long n = strtol(end + 2, &end2, 10);
        if (end2 == end + 2 || *end2 != '\0' || n < 1 || n > 1000) {
            snprintf(err, err_size,
                     "\"%s\": after '/' comes the minimum letter count 1-1000; example: /spam "
                     "set caps 70%%/10",
                     tok);
            return false;
        }
        min_letters = (uint32_t)n;
    } else if (end[1] != '\0') {
        snprintf(err, err_size,
                 "\"%s\": unexpected text after '%%'; example: /spam set caps 70%%/10", tok);
        return false;
    }
    r->count = (uint32_t)pct;
    r->min_letters = min_letters;
    return true;
}

static bool parse_limit(enum spam_rule_id id, const char *tok, struct spam_rule *r, char *err,
                        size_t err_size)
{
    char inner[200];
    int64_t seconds = 0;
    switch (id) {
    case SPAM_RULE_FLOOD:
    case SPAM_RULE_DUPLICATES:
    case SPAM_RULE_MENTIONS:
    case SPAM_RULE_RAID:
        if (spam_rate_parse(tok, max_count(id), &r->count, &r->window_ms, inner, sizeof inner))
            return true;
        break;
    case SPAM_RULE_CAPS: return parse_caps(tok, r, err, err_size);
    case SPAM_RULE_NEW_MEMBER_LINKS:
        if (spam_duration_parse(tok, &seconds, inner, sizeof inner) && seconds > 0) {
            r->window_ms = seconds * 1000;
            return true;
        }
        if (seconds == 0)
            snprintf(inner, sizeof inner, "the time must be above 0");
        break;
    default:
        snprintf(err, err_size,
                 "the %s rule takes no limit, only on/off and an action; example: /spam set %s",
                 spam_rule_name(id), RULE_EXAMPLES[id]);
        return false;
    }
    snprintf(err, err_size, "\"%s\": %s; example: /spam set %s", tok, inner, RULE_EXAMPLES[id]);
    return false;
}

static bool apply_token(enum spam_rule_id id, const char *tok, struct spam_rule *r, char *err,
                        size_t err_size)
{
    if (strcmp(tok, "on") == 0 || strcmp(tok, "off") == 0) {
        r->enabled = tok[1] == 'n';
        return true;
    }
    if (isdigit((unsigned char)tok[0]))
        return parse_limit(id, tok, r, err, err_size);
    char inner[200];
    if (spam_action_parse(tok, &r->action, inner, sizeof inner))
        return true;
    snprintf(err, err_size, "\"%s\": %s; example: /spam set %s", tok, inner, RULE_EXAMPLES[id]);
    return false;
}

bool spam_config_set_rule(struct spam_config *cfg, enum spam_rule_id id, const char *value,
                          char *err, size_t err_size)
{
    if ((unsigned)id >= SPAM_RULE_COUNT) {
        snprintf(err, err_size, "unknown rule; example: /spam set flood 5/10s timeout:10m");
        return false;
    }
    struct spam_rule r = cfg->rules[id];
    char tok[128];
    const char *p = value ? value : "";
    size_t tokens = 0;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        size_t n = 0;
        while (p[n] && !isspace((unsigned char)p[n]))
            n++;
        if (n >= sizeof tok) {
            snprintf(err, err_size, "\"%.20s...\" is too long; example: /spam set %s", p,
                     RULE_EXAMPLES[id]);
            return false;
        }
        memcpy(tok, p, n);
        tok[n] = '\0';
        if (!apply_token(id, tok, &r, err, err_size))
            return false;
        tokens++;
        p += n;
    }
    if (tokens == 0) {
        snprintf(err, err_size, "nothing to set; example: /spam set %s", RULE_EXAMPLES[id]);
        return false;
    }
    cfg->rules[id] = r;
    return true;
}

/* Splits ids on commas and whitespace into a new array of copies. */
static bool split_ids_new(const char *text, char ***ids_out, size_t *count_out, char *err,
                          size_t err_size)
{
    char **ids = NULL;
    size_t count = 0;
    for (const char *p = text;;) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, ", \t\r\n");
        char **grown = realloc(ids, (count + 1) * sizeof *ids);
        char *copy = grown ? malloc(n + 1) : NULL;
        if (grown)
            ids = grown;
        if (!copy) {
            free_ids(ids, count);
            snprintf(err, err_size, "out of memory");
            return false;
        }
        memcpy(copy, p, n);
        copy[n] = '\0';
        ids[count++] = copy;
        p += n;
    }
    *ids_out = ids;
    *count_out = count;
    return true;
}

/* One pattern per line; ";;" also separates (for one-line command input). */
static spam_pattern_set *words_new(const char *text, char *err, size_t err_size)
{
    spam_pattern_set *set = spam_pattern_set_new();
    if (!set) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    char item[SPAM_PATTERN_MAX_SOURCE + 2];
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        const char *semi = strstr(p, ";;");
        if (semi && (size_t)(semi - p) < n)
            n = (size_t)(semi - p);
        size_t skip = (p[n] == ';') ? 2 : (p[n] ? 1 : 0);
        const char *s = p, *e = p + n;
        while (s < e && isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        p += n + skip;
        if (s == e)
            continue;
        if ((size_t)(e - s) > SPAM_PATTERN_MAX_SOURCE) {
            snprintf(err, err_size, "pattern \"%.30s...\" is longer than %d bytes", s,
                     SPAM_PATTERN_MAX_SOURCE);
            spam_pattern_set_free(set);
            return NULL;
        }
        memcpy(item, s, (size_t)(e - s));
        item[e - s] = '\0';
        char inner[200];
        if (spam_pattern_set_add(set, item, inner, sizeof inner) < 0) {
            snprintf(err, err_size, "pattern \"%s\": %s", item, inner);
            spam_pattern_set_free(set);
            return NULL;
        }
    }
    return set;
}

bool spam_config_set_list(struct spam_config *cfg, enum spam_list_id list, const char *text,
                          char *err, size_t err_size)
{
    if (!text)
        text = ""; /* an unset setting is an empty list */
    switch (list) {
    case SPAM_LIST_DENY:
    case SPAM_LIST_ALLOW: {
        spam_domains *d = spam_domains_parse_new(text, err, err_size);
        if (!d)
            return false;
        spam_domains **slot = list == SPAM_LIST_DENY ? &cfg->deny : &cfg->allow;
        spam_domains_free(*slot);
        *slot = d;
        return true;
    }
    case SPAM_LIST_WORDS: {
        spam_pattern_set *set = words_new(text, err, err_size);
        if (!set)
            return false;
        spam_pattern_set_free(cfg->words);
        cfg->words = set;
        return true;
    }
    case SPAM_LIST_EXEMPT_ROLES:
    case SPAM_LIST_EXEMPT_CHANNELS: {
        char **ids;
        size_t count;
        if (!split_ids_new(text, &ids, &count, err, err_size))
            return false;
        bool roles = list == SPAM_LIST_EXEMPT_ROLES;
        free_ids(roles ? cfg->exempt_roles : cfg->exempt_channels,
                 roles ? cfg->exempt_role_count : cfg->exempt_channel_count);
        *(roles ? &cfg->exempt_roles : &cfg->exempt_channels) = ids;
        *(roles ? &cfg->exempt_role_count : &cfg->exempt_channel_count) = count;
        return true;
    }
    }
    snprintf(err, err_size, "unknown list");
    return false;
}

/* The rule's limit alone ("5/10s", "70%/10", "7d"), "" for rules without one. */
static void rule_limit(const struct spam_rule *r, enum spam_rule_id id, char *buf, size_t size)
{
    char d[32];
    buf[0] = '\0';
    switch (id) {
    case SPAM_RULE_FLOOD:
    case SPAM_RULE_DUPLICATES:
    case SPAM_RULE_MENTIONS:
    case SPAM_RULE_RAID:
        snprintf(buf, size, "%" PRIu32 "/%s", r->count,
                 spam_duration_format(r->window_ms / 1000, d, sizeof d));
        break;
    case SPAM_RULE_CAPS:
        snprintf(buf, size, "%" PRIu32 "%%/%" PRIu32, r->count, r->min_letters);
        break;
    case SPAM_RULE_NEW_MEMBER_LINKS:
        snprintf(buf, size, "%s", spam_duration_format(r->window_ms / 1000, d, sizeof d));
        break;
    default: break;
    }
}

const char *spam_rule_describe(const struct spam_config *cfg, enum spam_rule_id id, char *buf,
                               size_t size)
{
    const struct spam_rule *r = &cfg->rules[id];
    char action[48], limit[64];
    rule_limit(r, id, limit, sizeof limit);
    snprintf(buf, size, "%s: %s%s%s, %s", spam_rule_name(id), r->enabled ? "on" : "off",
             limit[0] ? ", " : "", limit, spam_action_format(&r->action, action, sizeof action));
    return buf;
}

const char *spam_rule_text(const struct spam_config *cfg, enum spam_rule_id id, char *buf,
                           size_t size)
{
    const struct spam_rule *r = &cfg->rules[id];
    char action[48], limit[64];
    rule_limit(r, id, limit, sizeof limit);
    snprintf(buf, size, "%s%s%s %s", r->enabled ? "on" : "off", limit[0] ? " " : "", limit,
             spam_action_format(&r->action, action, sizeof action));
    return buf;
}

int64_t spam_config_max_span_ms(const struct spam_config *cfg)
{
    int64_t max = 0;
    static const enum spam_rule_id windowed[] = {SPAM_RULE_FLOOD, SPAM_RULE_DUPLICATES,
                                                 SPAM_RULE_MENTIONS};
    for (size_t i = 0; i < sizeof windowed / sizeof windowed[0]; i++) {
        const struct spam_rule *r = &cfg->rules[windowed[i]];
        if (r->enabled && r->window_ms > max)
            max = r->window_ms;
    }
    return max;
}
