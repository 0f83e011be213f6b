/* The per-server rule configuration and the evaluation of one message or join against it:
 * which rules fire, with which action and a human reason ("6 messages in 10s (limit 5)"). */
#ifndef SPAM_RULES_H
#define SPAM_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logic/ladder.h"
#include "logic/links.h"
#include "logic/pattern.h"
#include "logic/window.h"

enum spam_rule_id {
    SPAM_RULE_FLOOD = 0,        /* limit: N messages in T ("5/10s") */
    SPAM_RULE_DUPLICATES,       /* limit: N same or near-same messages in T ("3/60s") */
    SPAM_RULE_MENTIONS,         /* limit: N mentions in T ("8/30s"); @everyone counts 5 */
    SPAM_RULE_LINKS,            /* deny list hit, or allow list set and the host is not on it */
    SPAM_RULE_INVITES,          /* invite links to Discord servers, Telegram or Matrix rooms */
    SPAM_RULE_WORDS,            /* banned words and patterns */
    SPAM_RULE_CAPS,             /* limit: P% capitals among at least L letters ("70%/10") */
    SPAM_RULE_NEW_MEMBER_LINKS, /* limit: no links in the first D after joining ("7d") */
    SPAM_RULE_RAID,             /* limit: N joins in T per server ("10/60s") */
    SPAM_RULE_COUNT
};

/* "flood", "duplicates", "mentions", "links", "invites", "words", "caps", "new_member_links",
 * "raid". */
const char *spam_rule_name(enum spam_rule_id rule);

/* Looks a rule up by name (also accepts "-" for "_"); false when unknown. */
bool spam_rule_from_name(const char *name, enum spam_rule_id *out);

struct spam_rule {
    bool enabled;
    struct spam_action action;
    uint32_t count;       /* FLOOD, DUPLICATES, MENTIONS, RAID: the limit; CAPS: percent */
    int64_t window_ms;    /* FLOOD, DUPLICATES, MENTIONS, RAID: T; NEW_MEMBER_LINKS: D */
    uint32_t min_letters; /* CAPS: shorter messages are never caps spam */
};

/* One server's rules. Owns its lists and patterns (spam_config_clear frees them). */
struct spam_config {
    struct spam_rule rules[SPAM_RULE_COUNT];
    spam_domains *deny;      /* owned; NULL = empty */
    spam_domains *allow;     /* owned; NULL = no allow list (only deny applies) */
    spam_pattern_set *words; /* owned; NULL = no banned words */
    char **exempt_roles;     /* owned, platform-prefixed ids */
    size_t exempt_role_count;
    char **exempt_channels; /* owned */
    size_t exempt_channel_count;
    struct spam_ladder ladder; /* escalation by strikes */
    int64_t strike_expiry_s;   /* strikes older than this no longer count */
    bool dry_run;
};

/* Fills the defaults (docs/plugins/spam-matching.md lists them): flood 5/10s timeout:10m,
 * duplicates 3/60s delete, mentions 8/30s timeout:10m, links on (empty lists) delete, invites
 * delete, words delete, caps off 70%/10 delete, new_member_links on 1d delete, raid 10/60s alert,
 * ladder "3/24h=timeout:1h, 5/7d=ban", strikes expire after 30d, dry_run off. Owns nothing. */
void spam_config_init(struct spam_config *cfg);

/* Frees what the config owns and leaves it in the spam_config_init state. */
void spam_config_clear(struct spam_config *cfg);

/* Applies the text of `/spam set <rule> <value>`: space-separated tokens, each "on", "off", an
 * action ("timeout:10m") or the rule's limit ("5/10s"; caps "70%" or "70%/10"; new member
 * links "7d"). Unchanged on error, with "<problem>; example: /spam set flood 5/10s timeout:10m"
 * in err. */
bool spam_config_set_rule(struct spam_config *cfg, enum spam_rule_id rule, const char *value,
                          char *err, size_t err_size);

enum spam_list_id {
    SPAM_LIST_DENY = 0,        /* domains, comma or space separated */
    SPAM_LIST_ALLOW,           /* domains; empty = no allow list */
    SPAM_LIST_WORDS,           /* one pattern per line (newline or ";;" separated) */
    SPAM_LIST_EXEMPT_ROLES,    /* ids, comma or space separated */
    SPAM_LIST_EXEMPT_CHANNELS, /* ids, comma or space separated */
};

/* Replaces one list from its text form. Unchanged on error (err names the bad item). */
bool spam_config_set_list(struct spam_config *cfg, enum spam_list_id list, const char *text,
                          char *err, size_t err_size);

/* One line for `/spam rules`: "flood: on, 5/10s, timeout:10m". Returns buf. */
const char *spam_rule_describe(const struct spam_config *cfg, enum spam_rule_id rule, char *buf,
                               size_t size);
/* The rule as `/spam set <rule>` text, which spam_config_set_rule reads back to the same rule:
 * "on 5/10s timeout:10m". Returns buf. */
const char *spam_rule_text(const struct spam_config *cfg, enum spam_rule_id rule, char *buf,
                           size_t size);

/* Everything evaluate needs to know about one message; all borrowed. */
struct spam_message_facts {
    const char *server_id;
    const char *channel_id;
    const char *member_id;
    const char *const *role_ids;
    size_t role_count;
    int64_t joined_at_ms; /* 0 = unknown (new-member rule then does not apply) */
    int64_t now_ms;
    const char *text; /* raw UTF-8 as received */
    uint32_t mention_count;
    bool mentions_everyone;
};

#define SPAM_REASON_MAX 160
#define SPAM_EVIDENCE_MAX 120

/* One rule that fired. */
struct spam_verdict {
    enum spam_rule_id rule;
    struct spam_action action;
    char reason[SPAM_REASON_MAX];     /* "6 messages in 10s (limit 5)" */
    char evidence[SPAM_EVIDENCE_MAX]; /* what matched: a pattern, a host, "" when the count is it */
};

/* True when the member has an exempt role or writes in an exempt channel. */
bool spam_is_exempt(const struct spam_config *cfg, const struct spam_message_facts *facts);

/* Evaluates one message: records it in the windows (unless exempt) and writes up to max
 * verdicts, most severe action first; returns how many were written (0 = clean or exempt).
 * Uses cfg->words' scratch, so one config must not be evaluated by two threads at once. */
size_t spam_evaluate_message(struct spam_config *cfg, spam_windows *windows,
                             const struct spam_message_facts *facts, struct spam_verdict *verdicts,
                             size_t max);

/* Records a join; true with a RAID verdict when the joins within T exceed the limit (a limit
 * of 10/60s fires on the 11th join; all count limits fire when exceeded, not when reached). */
bool spam_evaluate_join(const struct spam_config *cfg, spam_windows *windows, const char *server_id,
                        int64_t now_ms, struct spam_verdict *verdict);

/* Share of capitals among letters (0..100) and the letter count, for the caps rule. */
uint32_t spam_caps_percent(const char *text, size_t len, uint32_t *letters_out);

/* The longest window any enabled rule uses (for spam_windows_expire). */
int64_t spam_config_max_span_ms(const struct spam_config *cfg);

#endif
