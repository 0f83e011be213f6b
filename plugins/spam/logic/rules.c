/* Evaluating one message or join against a server's rules: every rule that fires becomes a
 * verdict with its action, a human reason and the evidence, harshest action first. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic/fold.h"
#include "logic/rules.h"

#define EVERYONE_MENTION_WEIGHT 5
#define MAX_LINKS 16

struct verdicts {
    struct spam_verdict *items;
    size_t count;
    size_t max;
};

static struct spam_verdict *add(struct verdicts *v, const struct spam_config *cfg,
                                enum spam_rule_id rule)
{
    if (v->count == v->max)
        return NULL;
    struct spam_verdict *out = &v->items[v->count++];
    memset(out, 0, sizeof *out);
    out->rule = rule;
    out->action = cfg->rules[rule].action;
    return out;
}

static bool on(const struct spam_config *cfg, enum spam_rule_id rule)
{
    return cfg->rules[rule].enabled;
}

static bool in_list(char *const *ids, size_t count, const char *id)
{
    for (size_t i = 0; id && i < count; i++)
        if (strcmp(ids[i], id) == 0)
            return true;
    return false;
}

bool spam_is_exempt(const struct spam_config *cfg, const struct spam_message_facts *facts)
{
    if (in_list(cfg->exempt_channels, cfg->exempt_channel_count, facts->channel_id))
        return true;
    for (size_t i = 0; i < facts->role_count; i++)
        if (in_list(cfg->exempt_roles, cfg->exempt_role_count, facts->role_ids[i]))
            return true;
    return false;
}

enum letter_case { NOT_A_LETTER, LOWER, UPPER };

/* Latin Extended-A alternates capital and small letter, but the pairs shift by one between
 * U+0139 and U+0148 and from U+0179 on; ĸ, ŉ and ſ have no capital. */
static enum letter_case latin_ext_a_case(uint32_t cp)
{
    if (cp == 0x138 || cp == 0x149 || cp == 0x17F)
        return LOWER;
    bool odd_capitals = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    return (cp % 2 == 1) == odd_capitals ? UPPER : LOWER;
}

/* The case of a letter of the alphabets the caps rule knows; digits, symbols and emoji are
 * not letters, so they neither help nor hurt. */
static enum letter_case letter_case(uint32_t cp)
{
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
        (cp >= 0x391 && cp <= 0x3AB) || cp == 0x386 || (cp >= 0x388 && cp <= 0x38F) ||
        (cp >= 0x400 && cp <= 0x42F))
        return UPPER;
    if ((cp >= 'a' && cp <= 'z') || (cp >= 0xDF && cp <= 0xFF && cp != 0xF7) ||
        (cp >= 0x3AC && cp <= 0x3CE) || (cp >= 0x430 && cp <= 0x45F))
        return LOWER;
    if (cp >= 0x100 && cp <= 0x17F)
        return latin_ext_a_case(cp);
    return NOT_A_LETTER;
}

uint32_t spam_caps_percent(const char *text, size_t len, uint32_t *letters_out)
{
    size_t letters = 0, upper = 0;
    for (size_t pos = 0; pos < len;) {
        uint32_t cp;
        pos += spam_utf8_decode(text + pos, len - pos, &cp);
        enum letter_case c = letter_case(cp);
        letters += c != NOT_A_LETTER;
        upper += c == UPPER;
    }
    if (letters_out)
        *letters_out = (uint32_t)letters;
    return letters ? (uint32_t)(upper * 100 / letters) : 0;
}

static void check_windows(const struct spam_config *cfg, spam_windows *windows,
                          const struct spam_message_facts *f, const char *folded,
                          struct verdicts *v)
{
    const struct spam_rule *flood = &cfg->rules[SPAM_RULE_FLOOD];
    const struct spam_rule *dup = &cfg->rules[SPAM_RULE_DUPLICATES];
    const struct spam_rule *men = &cfg->rules[SPAM_RULE_MENTIONS];
    struct spam_window_spans spans = {
        flood->enabled ? flood->window_ms : 0,
        dup->enabled && folded[0] ? dup->window_ms : 0,
        men->enabled ? men->window_ms : 0,
    };
    uint32_t mentions = f->mention_count + (f->mentions_everyone ? EVERYONE_MENTION_WEIGHT : 0);
    struct spam_window_counts c;
    spam_windows_record_message(windows, f->server_id, f->member_id, f->channel_id, folded,
                                mentions, f->now_ms, &spans, &c);
    char d[32];
    struct spam_verdict *out;
    if (spans.flood_ms && c.messages > flood->count && (out = add(v, cfg, SPAM_RULE_FLOOD)))
        snprintf(out->reason, sizeof out->reason, "%" PRIu32 " messages in %s (limit %" PRIu32 ")",
                 c.messages, spam_duration_format(flood->window_ms / 1000, d, sizeof d),
                 flood->count);
    if (spans.duplicate_ms && c.duplicates > dup->count &&
        (out = add(v, cfg, SPAM_RULE_DUPLICATES))) {
        snprintf(out->reason, sizeof out->reason,
                 "%" PRIu32 " same or near-same messages in %s in %" PRIu32
                 " channel(s) (limit %" PRIu32 ")",
                 c.duplicates, spam_duration_format(dup->window_ms / 1000, d, sizeof d),
                 c.duplicate_channels, dup->count);
        spam_utf8_copy(out->evidence, sizeof out->evidence, folded, strlen(folded));
    }
    if (spans.mention_ms && c.mentions > men->count && (out = add(v, cfg, SPAM_RULE_MENTIONS)))
        snprintf(out->reason, sizeof out->reason, "%" PRIu32 " mentions in %s (limit %" PRIu32 ")",
                 c.mentions, spam_duration_format(men->window_ms / 1000, d, sizeof d), men->count);
}

/* The first link that breaks the deny/allow lists, and the first invite. */
static void check_links(const struct spam_config *cfg, const struct spam_message_facts *f,
                        const char *text, struct verdicts *v)
{
    bool links_on = on(cfg, SPAM_RULE_LINKS), invites_on = on(cfg, SPAM_RULE_INVITES);
    const struct spam_rule *fresh = &cfg->rules[SPAM_RULE_NEW_MEMBER_LINKS];
    bool new_member =
        fresh->enabled && f->joined_at_ms > 0 && f->now_ms - f->joined_at_ms < fresh->window_ms;
    if (!links_on && !invites_on && !new_member)
        return;
    struct spam_link links[MAX_LINKS];
    size_t found = spam_links_find(text, strlen(text), links, MAX_LINKS);
    if (found > MAX_LINKS)
        found = MAX_LINKS;
    bool listed = false, invited = false;
    struct spam_verdict *out;
    for (size_t i = 0; i < found; i++) {
        const struct spam_link *l = &links[i];
        if (invites_on && !invited && l->invite != SPAM_INVITE_NONE &&
            (out = add(v, cfg, SPAM_RULE_INVITES))) {
            invited = true;
            snprintf(out->reason, sizeof out->reason, "%s invite link",
                     spam_invite_name(l->invite));
            spam_utf8_copy(out->evidence, sizeof out->evidence, l->url, strlen(l->url));
        }
        if (!links_on || listed)
            continue;
        bool denied = spam_domains_match(cfg->deny, l->host);
        bool unlisted = cfg->allow && spam_domains_count(cfg->allow) > 0 &&
                        !spam_domains_match(cfg->allow, l->host);
        if ((denied || unlisted) && (out = add(v, cfg, SPAM_RULE_LINKS))) {
            listed = true;
            snprintf(out->reason, sizeof out->reason,
                     denied ? "link to %s, which is on the deny list"
                            : "link to %s, which is not on the allow list",
                     l->host);
            spam_utf8_copy(out->evidence, sizeof out->evidence, l->url, strlen(l->url));
        }
    }
    if (new_member && found > 0 && (out = add(v, cfg, SPAM_RULE_NEW_MEMBER_LINKS))) {
        char d[32], ago[32];
        snprintf(out->reason, sizeof out->reason,
                 "links are not allowed in the first %s after joining (joined %s ago)",
                 spam_duration_format(fresh->window_ms / 1000, d, sizeof d),
                 spam_duration_format((f->now_ms - f->joined_at_ms) / 1000, ago, sizeof ago));
        spam_utf8_copy(out->evidence, sizeof out->evidence, links[0].url, strlen(links[0].url));
    }
}

static void check_words(struct spam_config *cfg, const char *folded, struct verdicts *v)
{
    if (!on(cfg, SPAM_RULE_WORDS) || !cfg->words || spam_pattern_set_count(cfg->words) == 0)
        return;
    struct spam_match m;
    if (spam_pattern_set_match(cfg->words, folded, strlen(folded), &m, 1) == 0)
        return;
    struct spam_verdict *out = add(v, cfg, SPAM_RULE_WORDS);
    if (!out)
        return;
    /* The reason quotes the pattern, shortened (whole characters only) to fit. */
    char quoted[SPAM_REASON_MAX - 20];
    const char *source = spam_pattern_set_source(cfg->words, m.pattern);
    spam_utf8_copy(quoted, sizeof quoted, source, strlen(source));
    snprintf(out->reason, sizeof out->reason, "banned pattern \"%s\"", quoted);
    spam_utf8_copy(out->evidence, sizeof out->evidence, folded + m.start, m.end - m.start);
}

static void check_caps(const struct spam_config *cfg, const char *text, struct verdicts *v)
{
    const struct spam_rule *r = &cfg->rules[SPAM_RULE_CAPS];
    if (!r->enabled)
        return;
    uint32_t letters = 0;
    uint32_t pct = spam_caps_percent(text, strlen(text), &letters);
    struct spam_verdict *out;
    if (letters >= r->min_letters && pct > r->count && (out = add(v, cfg, SPAM_RULE_CAPS)))
        snprintf(out->reason, sizeof out->reason,
                 "%" PRIu32 "%% capitals in %" PRIu32 " letters (limit %" PRIu32 "%%)", pct,
                 letters, r->count);
}

static int harsher_first(const void *a, const void *b)
{
    const struct spam_verdict *x = a, *y = b;
    int64_t sx = spam_action_severity(&x->action), sy = spam_action_severity(&y->action);
    if (sx != sy)
        return sx < sy ? 1 : -1;
    return (int)x->rule - (int)y->rule;
}

size_t spam_evaluate_message(struct spam_config *cfg, spam_windows *windows,
                             const struct spam_message_facts *facts, struct spam_verdict *verdicts,
                             size_t max)
{
    if (spam_is_exempt(cfg, facts))
        return 0;
    const char *text = facts->text ? facts->text : "";
    char *folded = spam_fold_new(text, strlen(text), SPAM_FOLD_DEFAULT);
    struct verdicts v = {verdicts, 0, max};
    if (folded) {
        check_windows(cfg, windows, facts, folded, &v);
        check_words(cfg, folded, &v);
    }
    free(folded);
    check_links(cfg, facts, text, &v);
    check_caps(cfg, text, &v);
    qsort(verdicts, v.count, sizeof *verdicts, harsher_first);
    return v.count;
}

bool spam_evaluate_join(const struct spam_config *cfg, spam_windows *windows, const char *server_id,
                        int64_t now_ms, struct spam_verdict *verdict)
{
    const struct spam_rule *r = &cfg->rules[SPAM_RULE_RAID];
    if (!r->enabled)
        return false;
    uint32_t joins = spam_windows_record_join(windows, server_id, now_ms, r->window_ms);
    if (joins <= r->count)
        return false;
    char d[32];
    memset(verdict, 0, sizeof *verdict);
    verdict->rule = SPAM_RULE_RAID;
    verdict->action = r->action;
    snprintf(verdict->reason, sizeof verdict->reason, "%" PRIu32 " joins in %s (limit %" PRIu32 ")",
             joins, spam_duration_format(r->window_ms / 1000, d, sizeof d), r->count);
    return true;
}
