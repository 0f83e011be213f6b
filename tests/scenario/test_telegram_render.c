/* What a plugin's message becomes on Telegram, checked piece by piece inside a real core: text
 * cut within 4096 UTF-16 units with its bold entities kept inside, keyboards in rows, long
 * button ids through stored keys, poll limits; and a group's rows moved to its supergroup. */
#include "check.h"
#include "core/message.h"
#include "platform/telegram/telegram.h"
#include "platform/telegram/tg_internal.h"
#include "store/core_tables.h"
#include "store/migrate_server.h"
#include "test_env.h"

/* The adapter built (not started) on a test core, for its rendering functions. */
static struct kith_platform *adapter_new(struct test_env *env)
{
    env->config.telegram.token = "123456:RENDER-TEST";
    env->config.telegram.api_base = "http://127.0.0.1:9";
    struct kith_platform *p = NULL;
    char *error = NULL;
    kith_err err = kith_telegram_create(env->core, &env->config, &p, &error);
    free(error);
    return err == KITH_OK ? p : NULL;
}

static bool with_core(struct test_env *env, struct kith_platform **p)
{
    if (!test_env_init(env) || !test_env_start(env, NULL))
        return false;
    *p = adapter_new(env);
    return *p != NULL;
}

static void done(struct test_env *env, struct kith_platform *p)
{
    if (p != NULL)
        p->ops->destroy(p);
    env->config.telegram.token = NULL; /* borrowed literals, not the config's to free */
    env->config.telegram.api_base = NULL;
    test_env_finish(env);
}

TEST(test_long_message_is_cut_within_telegram_limit)
{
    kith_message *msg = kith_message_new();
    REQUIRE(msg != NULL);
    char value[1001];
    memset(value, 'x', 1000);
    value[1000] = '\0';
    CHECK_INT(kith_message_set_title(msg, "\xF0\x9F\x8E\x89 Weekly report"), KITH_OK);
    for (int i = 0; i < 6; i++)
        CHECK_INT(kith_message_add_field(msg, "Section", value, false), KITH_OK);
    cJSON *params = cJSON_CreateObject();
    bool empty = true;
    CHECK_INT(tg_render_text(msg, TG_TEXT_MAX, params, "text", "entities", &empty), KITH_OK);
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "text"));
    REQUIRE(text != NULL);
    CHECK(!empty);
    CHECK_INT((long long)tg_utf16_len(text), TG_TEXT_MAX);
    CHECK(strcmp(text + strlen(text) - 3, "\xE2\x80\xA6") == 0);
    /* The emoji counts two units: the title's bold entity covers 16 of them. */
    const cJSON *entities = cJSON_GetObjectItemCaseSensitive(params, "entities");
    const cJSON *first = cJSON_GetArrayItem(entities, 0);
    CHECK_INT(tg_json_int(first, "offset", -1), 0);
    CHECK_INT(tg_json_int(first, "length", -1), 16);
    const cJSON *e;
    cJSON_ArrayForEach(e, entities)
    {
        CHECK(tg_json_int(e, "offset", 0) + tg_json_int(e, "length", 0) <= TG_TEXT_MAX - 1);
    }
    cJSON_Delete(params);
    kith_message_free(msg);
}

TEST(test_buttons_wrap_into_rows)
{
    struct test_env env;
    struct kith_platform *p = NULL;
    REQUIRE(with_core(&env, &p));
    kith_message *msg = kith_message_new_owned("polls");
    static const char *const labels[] = {"1", "2", "3", "4", "5", "6", "7"};
    for (size_t i = 0; i < 7; i++)
        CHECK_INT(kith_message_add_button(msg, labels[i], labels[i], KITH_BUTTON_PRIMARY), KITH_OK);
    CHECK_INT(kith_message_add_link_button(msg, "https://example.org/rules",
                                           "Read the rules of this community first"),
              KITH_OK);
    cJSON *params = cJSON_CreateObject();
    CHECK_INT(tg_render_keyboard(tg_of(p), msg, params), KITH_OK);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(params, "reply_markup"), "inline_keyboard");
    CHECK_INT(cJSON_GetArraySize(rows), 3); /* five, two, and the long link on its own */
    CHECK_INT(cJSON_GetArraySize(cJSON_GetArrayItem(rows, 0)), 5);
    const cJSON *button = cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 0), 0);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(button, "callback_data")),
              "polls:1");
    const cJSON *link = cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 2), 0);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(link, "url")),
              "https://example.org/rules");
    cJSON_Delete(params);
    kith_message_free(msg);
    done(&env, p);
}

TEST(test_long_button_id_travels_as_stored_key)
{
    struct test_env env;
    struct kith_platform *p = NULL;
    REQUIRE(with_core(&env, &p));
    char id[91];
    memset(id, 'q', 90);
    id[90] = '\0';
    char data[TG_CALLBACK_DATA_MAX + 1], again[TG_CALLBACK_DATA_MAX + 1];
    CHECK_INT(tg_cbdata_encode(tg_of(p), id, NULL, data), KITH_OK);
    CHECK(strlen(data) <= TG_CALLBACK_DATA_MAX && data[0] == '~');
    CHECK_INT(tg_cbdata_encode(tg_of(p), id, NULL, again), KITH_OK);
    CHECK_STR(again, data); /* the same button, the same key: the table does not grow */
    char *custom_id = NULL, *value = NULL;
    CHECK_INT(tg_cbdata_decode(tg_of(p), data, &custom_id, &value), KITH_OK);
    CHECK_STR(custom_id, id);
    CHECK(value == NULL);
    free(custom_id);
    /* A select option carries its value along. */
    CHECK_INT(tg_cbdata_encode(tg_of(p), "polls:pick", "blue", data), KITH_OK);
    CHECK_INT(tg_cbdata_decode(tg_of(p), data, &custom_id, &value), KITH_OK);
    CHECK_STR(custom_id, "polls:pick");
    CHECK_STR(value, "blue");
    free(custom_id);
    free(value);
    CHECK_INT(tg_cbdata_decode(tg_of(p), "~0000000000000000", &custom_id, &value),
              KITH_ERR_NOT_FOUND);
    done(&env, p);
}

TEST(test_poll_within_telegram_limits)
{
    const char *answers[13] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"};
    struct kith_message_poll poll = {.question = "Lunch?",
                                     .answers = (char **)answers,
                                     .answer_count = 13,
                                     .anonymous = false,
                                     .duration_s = 300};
    const char *why = NULL;
    cJSON *params = cJSON_CreateObject();
    CHECK_INT(tg_render_poll(&poll, params, &why), KITH_ERR_LIMIT);
    CHECK_CONTAINS(why, "2 to 12 answers");
    cJSON_Delete(params);
    poll.answer_count = 3;
    params = cJSON_CreateObject();
    CHECK_INT(tg_render_poll(&poll, params, &why), KITH_OK);
    CHECK_INT(tg_json_int(params, "open_period", 0), 300);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(params, "is_anonymous")));
    cJSON_Delete(params);
    poll.duration_s = 3600; /* longer than Telegram closes polls by itself */
    params = cJSON_CreateObject();
    CHECK_INT(tg_render_poll(&poll, params, &why), KITH_OK);
    CHECK(cJSON_GetObjectItemCaseSensitive(params, "open_period") == NULL);
    cJSON_Delete(params);
}

TEST(test_group_data_moves_to_supergroup)
{
    struct test_env env;
    REQUIRE(test_env_init(&env) && test_env_start(&env, NULL));
    struct kith_store *store = env.core->store;
    const char *from = "telegram:-4001", *to = "telegram:-1005550001";
    CHECK_INT(kith_db_member_seen(store, from, "telegram:7", "Ann", 1), KITH_OK);
    CHECK_INT(kith_db_plugin_set_enabled(store, from, "polls", true, 1), KITH_OK);
    CHECK_INT(kith_db_plugin_set_enabled(store, from, "faq", true, 1), KITH_OK);
    CHECK_INT(kith_db_setting_set(store, from, "polls", "max", "5", 1), KITH_OK);
    CHECK_INT(kith_db_manager_add(store, from, KITH_MANAGER_USER, "telegram:7", 1), KITH_OK);
    /* Changed on the new id already: that row wins. */
    CHECK_INT(kith_db_plugin_set_enabled(store, to, "faq", false, 2), KITH_OK);
    int64_t moved = 0;
    CHECK_INT(kith_store_migrate_server(store, from, to, 3, &moved), KITH_OK);
    CHECK(moved >= 4);
    bool enabled = false, manager = false;
    CHECK_INT(kith_db_plugin_enabled(store, to, "polls", &enabled), KITH_OK);
    CHECK(enabled);
    CHECK_INT(kith_db_plugin_enabled(store, to, "faq", &enabled), KITH_OK);
    CHECK(!enabled);
    CHECK_INT(kith_db_is_manager(store, to, "telegram:7", NULL, 0, &manager), KITH_OK);
    CHECK(manager);
    char *value = NULL;
    CHECK_INT(kith_db_setting_get(store, to, "polls", "max", &value), KITH_OK);
    CHECK_STR(value, "5");
    free(value);
    CHECK_INT(kith_db_plugin_enabled(store, from, "polls", &enabled), KITH_OK);
    CHECK(!enabled);
    CHECK_INT(kith_db_setting_get(store, from, "polls", "max", &value), KITH_ERR_NOT_FOUND);
    test_env_finish(&env);
}
