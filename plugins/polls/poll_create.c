/* /poll create: checks who may create and what was asked, stores the poll (and its scheduled
 * close) in one transaction, then posts it with buttons or as the platform's native poll. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "logic/poll_spec.h"
#include "poll.h"
#include "polls_shared.h"

#define POLL_EXAMPLE "/poll create \"Best pizza?\" Margherita \"Quattro formaggi\" Diavola"

static bool flag(const struct kith_event *ev, const char *name)
{
    const struct kith_option_value *v = kith_event_option(ev, name);
    return v != NULL && v->integer != 0;
}

/* Managers always; members too when the server's `creators` setting says so. */
static bool may_create(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    if (ev->author.role >= KITH_ROLE_MANAGER)
        return true;
    char *creators = NULL;
    kith_err err = poll_host->setting_get(ctx, ev->server_id, "creators", &creators);
    bool members = err == KITH_OK && creators != NULL && strcmp(creators, "members") == 0;
    poll_host->free(creators);
    return members;
}

/* A random salt for the voter hashes of an anonymous poll, as 32 hex digits. */
static bool new_salt(char out[33])
{
    unsigned char raw[16];
    if (getrandom(raw, sizeof raw, GRND_NONBLOCK) != (ssize_t)sizeof raw)
        return false;
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return true;
}

/* Flags that cannot go together, answered with the reason; true when the request is fine. */
static bool check_flags(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    bool native = flag(ev, "native");
    if (native && flag(ev, "anonymous")) {
        poll_say(ctx, ev, true,
                 "--anonymous cannot go with --native: the platform's own polls "
                 "show who voted (Discord, Matrix) or report no votes at all (Telegram). Leave out "
                 "--native for an anonymous poll with buttons, e.g. " POLL_EXAMPLE " --anonymous");
        return false;
    }
    if (native && flag(ev, "hidden")) {
        poll_say(ctx, ev, true,
                 "--hidden cannot go with --native: the platform shows its own "
                 "counts to voters. Leave out --native to hide results until the close, "
                 "e.g. " POLL_EXAMPLE " --hidden");
        return false;
    }
    return true;
}

/* Options and flags checked; answers the member and returns false when something is wrong. */
static bool check_request(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                          const struct kith_option_value *options)
{
    char why[400];
    const struct poll_limits *limits = poll_limits_for(ev->platform);
    size_t count = options ? options->value_count : 0;
    const char *const *values = options ? options->values : NULL;
    if (!poll_options_check(limits, values, count, why, sizeof why)) {
        poll_say(ctx, ev, true, "%s Example: " POLL_EXAMPLE, why);
        return false;
    }
    return check_flags(ctx, ev);
}

/* The poll the command describes, not yet stored; NULL on ENOMEM. */
static struct poll_record *record_new(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                                      const struct kith_option_value *options)
{
    struct poll_record *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    const struct kith_option_value *question = kith_event_option(ev, "question");
    const struct kith_option_value *duration = kith_event_option(ev, "duration");
    p->server_id = strdup(ev->server_id);
    p->channel_id = strdup(ev->channel_id ? ev->channel_id : "");
    p->platform = strdup(ev->platform ? ev->platform : "");
    p->creator_id = strdup(ev->author.id);
    p->question = strdup(question ? question->text : "");
    p->options = calloc(options->value_count, sizeof *p->options);
    p->multi = flag(ev, "multi");
    p->anonymous = flag(ev, "anonymous");
    p->hidden = flag(ev, "hidden");
    p->native = flag(ev, "native");
    p->created_at_ms = poll_host->now_ms(ctx);
    if (duration != NULL)
        p->closes_at_ms = p->created_at_ms + duration->integer * 1000;
    bool ok =
        p->server_id && p->channel_id && p->platform && p->creator_id && p->question && p->options;
    for (size_t i = 0; ok && i < options->value_count; i++) {
        p->options[i] = strdup(options->values[i]);
        ok = p->options[i] != NULL;
        p->option_count = i + 1;
    }
    char salt[33];
    if (ok && p->anonymous)
        ok = new_salt(salt) && (p->salt = strdup(salt)) != NULL;
    if (!ok) {
        poll_record_free(p);
        return NULL;
    }
    return p;
}

/* Stores the poll and schedules its close, both or neither. */
static kith_err store_poll(struct kith_plugin_ctx *ctx, struct poll_record *p)
{
    const struct kith_host *h = poll_host;
    kith_err err = h->db_begin(ctx);
    if (err != KITH_OK)
        return err;
    err = poll_store_insert(ctx, p);
    if (err == KITH_OK && p->closes_at_ms > 0) {
        char payload[24];
        snprintf(payload, sizeof payload, "%lld", (long long)p->id);
        err = h->job_schedule(ctx, p->server_id, POLL_JOB_CLOSE, payload, p->closes_at_ms,
                              &p->job_id);
        if (err == KITH_OK)
            err = poll_store_set_job(ctx, p->id, p->job_id);
    }
    return polls_db_end(h, ctx, err);
}

/* What the completion of the poll's message needs: the event is gone by then. */
struct posting {
    int64_t id;
    bool native;
    char *server_id, *channel_id;
};

static void posting_free(void *ud)
{
    struct posting *post = ud;
    free(post->server_id);
    free(post->channel_id);
    free(post);
}

static struct posting *posting_new(const struct poll_record *p)
{
    struct posting *post = calloc(1, sizeof *post);
    if (post == NULL)
        return NULL;
    post->id = p->id;
    post->native = p->native;
    post->server_id = strdup(p->server_id);
    post->channel_id = strdup(p->channel_id);
    if (post->server_id == NULL || post->channel_id == NULL) {
        posting_free(post);
        return NULL;
    }
    return post;
}

/* Where the poll was posted: the message id to edit, close and match votes with. A poll the
 * platform refused is closed again and the channel told why. */
static void poll_posted(struct kith_plugin_ctx *ctx, const struct kith_result *result, void *ud)
{
    const struct kith_host *h = poll_host;
    const struct posting *post = ud;
    if (result->err == KITH_OK && result->message_id != NULL) {
        kith_err err = poll_store_set_message(ctx, post->id, result->message_id);
        if (err != KITH_OK)
            h->log(ctx, KITH_LOG_ERROR, "poll #%lld: message id not stored: %s",
                   (long long)post->id, h->strerror(err));
        return;
    }
    if (result->err == KITH_OK)
        return; /* the platform gave no id: votes still count, the message is not edited */
    h->log(ctx, KITH_LOG_WARN, "poll #%lld was not posted (%s); closing it", (long long)post->id,
           h->strerror(result->err));
    poll_discard(ctx, post->id);
    if (result->err == KITH_ERR_CANCELLED)
        return;
    char text[600];
    if (result->err == KITH_ERR_UNSUPPORTED && post->native)
        snprintf(text, sizeof text,
                 "Poll #%lld could not be posted: this platform has no native "
                 "polls here. Leave out --native to vote with buttons, e.g. " POLL_EXAMPLE,
                 (long long)post->id);
    else
        snprintf(text, sizeof text,
                 "Poll #%lld could not be posted (%s%s%s); please create it "
                 "again.",
                 (long long)post->id, h->strerror(result->err), result->detail ? ": " : "",
                 result->detail ? result->detail : "");
    poll_post_text(ctx, post->server_id, post->channel_id, text);
}

static kith_err build_native(kith_message *msg, const struct poll_record *p)
{
    const struct kith_native_poll native = {
        .question = p->question,
        .answers = (const char *const *)p->options,
        .answer_count = p->option_count,
        .allow_multiple = p->multi,
        .anonymous = false,
        .duration_s = p->closes_at_ms > 0 ? (p->closes_at_ms - p->created_at_ms) / 1000 : 0,
    };
    kith_err err = poll_host->message_set_poll(msg, &native);
    char text[64];
    snprintf(text, sizeof text, "\xf0\x9f\x93\x8a Poll #%lld", (long long)p->id);
    if (err == KITH_OK)
        err = poll_host->message_set_text(msg, text);
    return err;
}

static kith_err post_poll(struct kith_plugin_ctx *ctx, const struct kith_event *ev,
                          const struct poll_record *p)
{
    const struct kith_host *h = poll_host;
    struct poll_tally empty;
    poll_tally_init(&empty, p->option_count);
    kith_message *msg = h->message_new(ctx);
    struct posting *post = posting_new(p);
    kith_err err = msg && post ? KITH_OK : KITH_ERR_NOMEM;
    if (err == KITH_OK)
        err = p->native ? build_native(msg, p) : poll_build_message(msg, p, &empty);
    if (err == KITH_OK) {
        const struct kith_completion done = {poll_posted, post, posting_free};
        err = h->reply(ctx, ev, msg, &done);
    }
    if (err != KITH_OK && post != NULL)
        posting_free(post); /* not taken by the host */
    h->message_free(msg);
    return err;
}

void poll_create(struct kith_plugin_ctx *ctx, const struct kith_event *ev)
{
    const struct kith_host *h = poll_host;
    if (!may_create(ctx, ev)) {
        poll_say(ctx, ev, true,
                 "Only managers can create polls here. An admin can let every "
                 "member create them with /kith config polls creators members");
        return;
    }
    const struct kith_option_value *options = kith_event_option(ev, "options");
    if (!check_request(ctx, ev, options))
        return;
    struct poll_record *p = record_new(ctx, ev, options);
    kith_err err = p ? store_poll(ctx, p) : KITH_ERR_NOMEM;
    if (err == KITH_OK) {
        err = post_poll(ctx, ev, p);
        if (err != KITH_OK)
            poll_discard(ctx, p->id);
    }
    if (err == KITH_ERR_UNSUPPORTED && p->native)
        poll_say(ctx, ev, true,
                 "This platform has no native polls here; leave out --native to "
                 "vote with buttons, e.g. " POLL_EXAMPLE);
    else if (err == KITH_ERR_LIMIT)
        poll_say(ctx, ev, true,
                 "The poll is too long for one message on this platform; use "
                 "shorter options, e.g. " POLL_EXAMPLE);
    else if (err != KITH_OK)
        poll_say(ctx, ev, true, "The poll could not be created (%s); try again in a moment.",
                 h->strerror(err));
    poll_record_free(p);
}
