/* Room events into kith events: messages (text commands included; the core detects "!name"
 * and "/name"), edits, replies, reactions, redactions, membership changes, poll votes in the
 * stable and unstable MSC3381 forms, and answers to numbered choices ("!vote N" or a keycap
 * reaction) as component presses carrying the button's routed custom id. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/log.h"
#include "platform/matrix/matrix.h"

#define LINKS_MAX 32
#define MENTIONS_MAX 64
#define MATRIX_TO "https://matrix.to/#/"

/* One kith event under construction and everything it owns. */
struct built {
    struct kith_event ev;
    struct kith_event_private priv;
    struct mx_event_ctx ctx;
    char *server_id;
    char *author_id;
    char *message_id;
    char *reply_to_id;
    char *raw;
    char *mentions[MENTIONS_MAX];
    char *links[LINKS_MAX];
    char *custom_id;
    char *value;
    char *choice_event;
    char *choice_message; /* choice_event, prefixed: the message carrying the choices */
    const char *values[1];
    int *indexes;
};

static const cJSON *field(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static const char *string_field(const cJSON *obj, const char *key)
{
    const cJSON *item = field(obj, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static void built_free(struct built *b)
{
    free(b->server_id);
    free(b->author_id);
    free(b->message_id);
    free(b->reply_to_id);
    free(b->raw);
    for (size_t i = 0; i < MENTIONS_MAX; i++)
        free(b->mentions[i]);
    for (size_t i = 0; i < LINKS_MAX; i++)
        free(b->links[i]);
    free(b->custom_id);
    free(b->value);
    free(b->choice_event);
    free(b->choice_message);
    free(b->indexes);
}

/* The common part: where, who, when. author_id is the member the event is about. */
static bool begin(struct mx *mx, struct built *b, const char *room_id, const cJSON *event,
                  kith_event_kind kind, const char *author)
{
    memset(b, 0, sizeof *b);
    b->ctx.room_id = room_id;
    b->ctx.event_id = string_field(event, "event_id");
    b->ctx.reply_to = b->ctx.event_id;
    b->ctx.sender = author;
    b->priv.platform = &mx->base;
    b->priv.data = &b->ctx;
    b->server_id = mx_prefixed_dup(room_id);
    b->author_id = mx_prefixed_dup(author);
    b->raw = cJSON_PrintUnformatted(event);
    const char *name = mx_room_display_name(mx, room_id, author);
    const cJSON *ts = field(event, "origin_server_ts");
    b->ev = (struct kith_event){
        .size = sizeof(struct kith_event),
        .kind = kind,
        .platform = MX_PLATFORM,
        .server_id = b->server_id,
        .channel_id = b->server_id, /* a Matrix room is both */
        .timestamp_ms = cJSON_IsNumber(ts) ? (int64_t)ts->valuedouble : 0,
        .author = {.id = b->author_id,
                   .display_name = name ? name : author,
                   .role =
                       mx_room_is_admin(mx, room_id, author) ? KITH_ROLE_ADMIN : KITH_ROLE_MEMBER},
        .message = {.text = ""},
        .raw_json = b->raw,
        .priv = &b->priv,
    };
    return b->server_id != NULL && b->author_id != NULL && b->raw != NULL;
}

static const char *kind_name(kith_event_kind kind)
{
    switch (kind) {
    case KITH_EVENT_MESSAGE: return "message";
    case KITH_EVENT_COMPONENT: return "choice";
    case KITH_EVENT_REACTION_ADD: return "reaction";
    case KITH_EVENT_MEMBER_JOIN: return "join";
    case KITH_EVENT_MEMBER_LEAVE: return "leave";
    case KITH_EVENT_MEMBER_UPDATE: return "member update";
    case KITH_EVENT_POLL_VOTE: return "poll vote";
    case KITH_EVENT_MESSAGE_EDIT: return "edit";
    case KITH_EVENT_MESSAGE_DELETE: return "delete";
    default: return "event";
    }
}

/* One debug line per event handed to the core: what, where, by whom, on which message. */
static void log_event(const struct built *b)
{
    char detail[128] = "";
    if (b->ev.kind == KITH_EVENT_POLL_VOTE) {
        size_t used = 0;
        for (size_t i = 0; i < b->ev.poll_vote.option_count && used < sizeof detail - 12; i++)
            used += (size_t)snprintf(detail + used, sizeof detail - used, "%s%d", i ? "," : " ",
                                     b->ev.poll_vote.option_indexes[i]);
    } else if (b->ev.kind == KITH_EVENT_COMPONENT) {
        snprintf(detail, sizeof detail, " %s", b->ev.component.custom_id);
    } else if (b->ev.message.reply_to_id != NULL) {
        snprintf(detail, sizeof detail, " reply to %s", b->ev.message.reply_to_id);
    }
    const char *on =
        b->ev.kind == KITH_EVENT_COMPONENT ? b->ev.component.message_id : b->ev.message.id;
    kith_log(KITH_LOG_DEBUG, MX_PLATFORM, "%s %s in %s by %s on %s:%s", kind_name(b->ev.kind),
             b->ctx.event_id, b->ctx.room_id, b->ctx.sender, on ? on : "-", detail);
}

static void dispatch(struct mx *mx, struct built *b)
{
    log_event(b);
    mx->dispatching = &b->ctx;
    kith_core_dispatch(mx->core, &b->ev);
    mx->dispatching = NULL;
}

static bool set_message_id(struct built *b, const char *event_id)
{
    if (event_id == NULL)
        return true;
    b->message_id = mx_prefixed_dup(event_id);
    b->ev.message.id = b->message_id;
    return b->message_id != NULL;
}

/* ---- What a message's text holds. ---- */

static bool url_char(char c)
{
    return c != '\0' && !isspace((unsigned char)c) && c != '<' && c != '>' && c != '"';
}

static void find_links(struct built *b, const char *text)
{
    size_t n = 0;
    const char *p = text;
    while (n < LINKS_MAX && (p = strstr(p, "http")) != NULL) {
        if (strncmp(p, "http://", 7) != 0 && strncmp(p, "https://", 8) != 0) {
            p += 4;
            continue;
        }
        size_t len = 0;
        while (url_char(p[len]))
            len++;
        while (len > 0 && strchr(".,;:!?)]'", p[len - 1]) != NULL)
            len--; /* sentence punctuation after a link is not part of it */
        if ((b->links[n] = strndup(p, len)) != NULL)
            n++;
        p += len > 0 ? len : 4;
    }
    b->ev.message.links = (const char *const *)b->links;
    b->ev.message.link_count = n;
}

/* m.mentions when the client sent it; otherwise the matrix.to pills of formatted_body, each
 * counted (a spammer's repeated pings count every time). */
static void find_mentions(struct built *b, const cJSON *content)
{
    size_t n = 0;
    const cJSON *mentions = field(content, "m.mentions");
    if (cJSON_IsObject(mentions)) {
        const cJSON *id;
        cJSON_ArrayForEach(id, field(mentions, "user_ids"))
        {
            if (n < MENTIONS_MAX && cJSON_IsString(id) &&
                (b->mentions[n] = mx_prefixed_dup(id->valuestring)) != NULL)
                n++;
        }
        b->ev.message.mentions_everyone = cJSON_IsTrue(field(mentions, "room"));
    } else {
        const char *html = string_field(content, "formatted_body");
        const char *body = string_field(content, "body");
        for (const char *p = html; p != NULL && n < MENTIONS_MAX;) {
            p = strstr(p, MATRIX_TO);
            if (p == NULL)
                break;
            p += strlen(MATRIX_TO);
            size_t len = strcspn(p, "\"'?/ >");
            char *user = mx_unescape_dup(p, len);
            if (user != NULL && user[0] == '@' && (b->mentions[n] = mx_prefixed_dup(user)))
                n++;
            free(user);
            p += len;
        }
        b->ev.message.mentions_everyone = body != NULL && strstr(body, "@room") != NULL;
    }
    b->ev.message.mention_ids = (const char *const *)b->mentions;
    b->ev.message.mention_count = n;
}

static bool has_attachment(const char *msgtype)
{
    static const char *const kinds[] = {"m.image", "m.file", "m.video", "m.audio"};
    for (size_t i = 0; msgtype != NULL && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(msgtype, kinds[i]) == 0)
            return true;
    return false;
}

/* "!vote 2" alone on a line: the number, else 0. */
static int vote_number(const char *text)
{
    if (strncmp(text, "!vote", 5) != 0 || !isspace((unsigned char)text[5]))
        return 0;
    const char *p = text + 5;
    while (isspace((unsigned char)*p))
        p++;
    char *end = NULL;
    long n = strtol(p, &end, 10);
    if (end == p || n < 1 || n > 99)
        return 0;
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0' ? (int)n : 0;
}

/* An answer to numbered choices becomes a press of the matching button. */
static bool dispatch_choice(struct mx *mx, struct built *b, const char *on_event, int number)
{
    if (mx_choices_lookup(mx, b->ctx.room_id, on_event, number, &b->custom_id, &b->value,
                          &b->choice_event) != KITH_OK)
        return false;
    b->choice_message = mx_prefixed_dup(b->choice_event);
    if (b->choice_message == NULL)
        return false;
    b->ev.kind = KITH_EVENT_COMPONENT;
    b->values[0] = b->value;
    b->ev.component = (struct kith_component_press){.custom_id = b->custom_id,
                                                    .values = b->values,
                                                    .value_count = b->value ? 1 : 0,
                                                    .message_id = b->choice_message};
    dispatch(mx, b);
    return true;
}

static void on_message(struct mx *mx, struct built *b, const cJSON *event)
{
    const cJSON *content = field(event, "content");
    const cJSON *relates = field(content, "m.relates_to");
    const char *rel_type = string_field(relates, "rel_type");
    const char *msgtype = string_field(content, "msgtype");
    const cJSON *shown = content;
    if (rel_type != NULL && strcmp(rel_type, "m.replace") == 0) {
        b->ev.kind = KITH_EVENT_MESSAGE_EDIT;
        if (!set_message_id(b, string_field(relates, "event_id")))
            return;
        if (cJSON_IsObject(field(content, "m.new_content")))
            shown = field(content, "m.new_content");
    } else if (!set_message_id(b, b->ctx.event_id)) {
        return;
    }
    const char *reply_to = string_field(field(relates, "m.in_reply_to"), "event_id");
    if (reply_to != NULL && (b->reply_to_id = mx_prefixed_dup(reply_to)) == NULL)
        return;
    const char *body = string_field(shown, "body");
    b->ev.message.text = body ? mx_strip_reply_fallback(body) : "";
    b->ev.message.reply_to_id = b->reply_to_id;
    b->ev.message.attachment_count = has_attachment(msgtype) ? 1 : 0;
    /* m.notice is how bots speak; answering one could start a loop between two bots. */
    b->ev.author.is_bot = msgtype != NULL && strcmp(msgtype, "m.notice") == 0;
    find_links(b, b->ev.message.text);
    find_mentions(b, shown);
    int vote = b->ev.kind == KITH_EVENT_MESSAGE ? vote_number(b->ev.message.text) : 0;
    if (vote > 0 && dispatch_choice(mx, b, reply_to, vote))
        return;
    dispatch(mx, b);
}

static void on_reaction(struct mx *mx, struct built *b, const cJSON *event)
{
    const cJSON *relates = field(field(event, "content"), "m.relates_to");
    const char *rel_type = string_field(relates, "rel_type");
    const char *target = string_field(relates, "event_id");
    const char *key = string_field(relates, "key");
    if (rel_type == NULL || strcmp(rel_type, "m.annotation") != 0 || target == NULL || !key)
        return;
    b->ctx.reply_to = target;
    int number = mx_choices_number_from_key(key);
    if (number > 0 && dispatch_choice(mx, b, target, number))
        return;
    if (!set_message_id(b, target))
        return;
    b->ev.kind = KITH_EVENT_REACTION_ADD;
    b->ev.reaction = (struct kith_reaction){.message_id = b->message_id, .emoji = key};
    dispatch(mx, b);
}

static void on_redaction(struct mx *mx, struct built *b, const cJSON *event)
{
    /* Room versions up to 10 carry "redacts" at the top; 11 moved it into content. */
    const char *redacts = string_field(event, "redacts");
    if (redacts == NULL)
        redacts = string_field(field(event, "content"), "redacts");
    if (redacts == NULL || !set_message_id(b, redacts))
        return;
    b->ev.kind = KITH_EVENT_MESSAGE_DELETE;
    dispatch(mx, b);
}

/* Each response is the member's whole current choice (the latest one counts, per MSC3381). */
static void on_poll_response(struct mx *mx, struct built *b, const cJSON *event)
{
    const cJSON *content = field(event, "content");
    const char *poll = string_field(field(content, "m.relates_to"), "event_id");
    const cJSON *chosen = field(content, "m.selections");
    if (!cJSON_IsArray(chosen))
        chosen = field(field(content, "org.matrix.msc3381.poll.response"), "answers");
    if (poll == NULL || !cJSON_IsArray(chosen) || !set_message_id(b, poll))
        return;
    int count = cJSON_GetArraySize(chosen);
    b->indexes = calloc(count > 0 ? (size_t)count : 1, sizeof *b->indexes);
    if (b->indexes == NULL)
        return;
    size_t n = 0;
    enum mx_vote verdict = mx_polls_read_vote(mx, poll, chosen, b->indexes, &n);
    if (verdict == MX_VOTE_AFTER_END)
        kith_log(KITH_LOG_DEBUG, MX_PLATFORM, "vote %s by %s on %s after the poll ended: ignored",
                 b->ctx.event_id, b->ctx.sender, poll);
    if (verdict != MX_VOTE_COUNTS)
        return;
    b->ev.kind = KITH_EVENT_POLL_VOTE;
    b->ev.poll_vote = (struct kith_poll_vote){
        .poll_id = b->message_id, .option_indexes = b->indexes, .option_count = n};
    dispatch(mx, b);
}

/* Joins, leaves and profile changes, about the member the event names (state_key). */
static kith_event_kind member_kind(const cJSON *event)
{
    const char *now = string_field(field(event, "content"), "membership");
    const char *before =
        string_field(field(field(event, "unsigned"), "prev_content"), "membership");
    bool was_in = before != NULL && strcmp(before, "join") == 0;
    if (now != NULL && strcmp(now, "join") == 0)
        return was_in ? KITH_EVENT_MEMBER_UPDATE : KITH_EVENT_MEMBER_JOIN;
    if (was_in && now != NULL && (strcmp(now, "leave") == 0 || strcmp(now, "ban") == 0))
        return KITH_EVENT_MEMBER_LEAVE;
    return 0;
}

static bool is_type(const char *type, const char *stable, const char *unstable)
{
    return strcmp(type, stable) == 0 || (unstable != NULL && strcmp(type, unstable) == 0);
}

void mx_event_handle(struct mx *mx, const char *room_id, const cJSON *event)
{
    const char *type = string_field(event, "type");
    const char *sender = string_field(event, "sender");
    const char *event_id = string_field(event, "event_id");
    if (type == NULL || sender == NULL || event_id == NULL)
        return;
    if (is_type(type, "m.poll.start", "org.matrix.msc3381.poll.start")) {
        kith_err err = mx_polls_remember(mx, event_id, event);
        if (err != KITH_OK)
            kith_log(KITH_LOG_WARN, MX_PLATFORM, "could not remember poll %s: %s", event_id,
                     kith_strerror(err));
        return;
    }
    if (is_type(type, "m.poll.end", "org.matrix.msc3381.poll.end")) {
        mx_polls_end_seen(mx, room_id, event); /* the bot's own end counts too */
        return;
    }
    const char *about = sender;
    kith_event_kind member = 0;
    if (strcmp(type, "m.room.member") == 0) {
        about = string_field(event, "state_key");
        member = member_kind(event);
        if (about == NULL || member == 0)
            return;
    }
    if (mx->user_id != NULL && strcmp(about, mx->user_id) == 0)
        return; /* the bot's own doings */
    struct built b;
    if (begin(mx, &b, room_id, event, member ? member : KITH_EVENT_MESSAGE, about)) {
        if (member != 0) {
            b.ctx.reply_to = NULL;
            dispatch(mx, &b);
        } else if (strcmp(type, "m.room.message") == 0) {
            on_message(mx, &b, event);
        } else if (strcmp(type, "m.reaction") == 0) {
            on_reaction(mx, &b, event);
        } else if (strcmp(type, "m.room.redaction") == 0) {
            on_redaction(mx, &b, event);
        } else if (is_type(type, "m.poll.response", "org.matrix.msc3381.poll.response")) {
            on_poll_response(mx, &b, event);
        }
    }
    built_free(&b);
}
