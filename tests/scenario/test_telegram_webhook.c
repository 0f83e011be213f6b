/* Webhook mode: kithd registers its URL with a secret token, Telegram's deliveries carrying it
 * are handled, and a request with a wrong or missing secret is refused with 401 and handled
 * not at all. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "telegram_story.h"

/* A loopback port nobody listens on right now, for kithd's webhook listener. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static size_t discard(char *data, size_t size, size_t n, void *ud)
{
    (void)data;
    (void)ud;
    return size * n;
}

/* POSTs an update to kithd's webhook as a forger would; the HTTP status, 0 on no answer. */
static long post_update(int port, const char *secret, const char *body)
{
    char url[128], header[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/telegram", port);
    snprintf(header, sizeof header, "X-Telegram-Bot-Api-Secret-Token: %s", secret);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (secret != NULL)
        headers = curl_slist_append(headers, header);
    CURL *curl = curl_easy_init();
    long status = 0;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    return status;
}

/* Waits until the fake recorded a delivery that got no answer (kithd down). */
static bool wait_failed_delivery(struct scenario *s)
{
    for (int waited = 0; waited < 5000; waited += 50) {
        cJSON *record = scenario_control(s, "GET", "requests", NULL);
        const cJSON *entry;
        bool failed = false;
        cJSON_ArrayForEach(entry, record)
        {
            const char *kind =
                cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "kind"));
            const cJSON *status = cJSON_GetObjectItemCaseSensitive(entry, "status");
            if (kind != NULL && strcmp(kind, "webhook") == 0 && cJSON_GetNumberValue(status) == 0)
                failed = true;
        }
        cJSON_Delete(record);
        if (failed)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

static bool start_webhook_kithd(struct scenario *s, int port)
{
    char config[768];
    snprintf(config, sizeof config,
             "telegram = {\n"
             "    enabled = true;\n"
             "    token = \"" TG_TOKEN "\";\n"
             "    api_base = \"http://127.0.0.1:%%PORT%%\";\n"
             "    mode = \"webhook\";\n"
             "    webhook_url = \"http://127.0.0.1:%d/telegram\";\n"
             "    webhook_listen = \"127.0.0.1\";\n"
             "    webhook_port = %d;\n"
             "};\n",
             port, port);
    return story_telegram(s) && story_kithd(s, config, 1) &&
           scenario_wait_log(s, "webhook set", 8000);
}

static const char forged[] = "{\"update_id\":7,\"message\":{\"message_id\":99,\"date\":1700000000,"
                             "\"chat\":{\"id\":" GROUP ",\"type\":\"supergroup\",\"title\":\"x\"},"
                             "\"from\":{\"id\":" OWNER ",\"is_bot\":false,\"first_name\":\"O\"},"
                             "\"text\":\"/kith enable example\"}}";

TEST(test_webhook_with_wrong_secret_is_refused_and_nothing_handled)
{
    struct scenario s;
    int port = free_port();
    REQUIRE(port > 0);
    REQUIRE(start_webhook_kithd(&s, port));
    int cursor = 0;
    cJSON *set = story_wait_call(&s, "setWebhook", "secret_token", 8000, &cursor);
    REQUIRE(set != NULL);
    const cJSON *json = cJSON_GetObjectItemCaseSensitive(set, "json");
    const char *secret =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "secret_token"));
    CHECK(secret != NULL && strlen(secret) >= 32);
    CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "url")),
                   "/telegram");
    CHECK_INT(post_update(port, "not-the-secret", forged), 401);
    CHECK_INT(post_update(port, NULL, forged), 401);
    CHECK(scenario_wait_log(&s, "webhook request to /telegram refused", 2000));
    /* The secret is ours: the same update with it is taken. */
    if (secret != NULL)
        CHECK_INT(post_update(port, secret,
                              "{\"update_id\":8,\"poll_answer\":{\"poll_id\":\"1\","
                              "\"user\":{\"id\":1,\"is_bot\":false,"
                              "\"first_name\":\"a\"},\"option_ids\":[0]}}"),
                  200);
    cJSON_Delete(set);
    /* A genuine delivery from Telegram, with the header, is handled... */
    CHECK(story_say(&s, GROUP, MEMBER, "/help", NULL));
    CHECK(story_wait_reply(&s, GROUP, "explains one command", &cursor));
    /* ...and the forged enable was never: no admin lookup for it, no confirmation. */
    CHECK_INT(story_count_sent(&s, GROUP, "enabled"), 0);
    CHECK_INT(scenario_count_requests(&s, "POST", "/getUpdates", NULL), 0);
    cJSON *state = scenario_control(&s, "GET", "state", NULL);
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(state, "updates")), 0);
    cJSON_Delete(state);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_webhook_delivery_is_retried_until_kithd_takes_it)
{
    struct scenario s;
    int port = free_port();
    REQUIRE(port > 0);
    REQUIRE(start_webhook_kithd(&s, port));
    int cursor = 0;
    CHECK(story_enable_example(&s, &cursor));
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 8000), 0);
    /* While kithd is down, deliveries fail; Telegram keeps the update and retries. */
    CHECK(story_say(&s, GROUP, MEMBER, "/note add during the outage", NULL));
    CHECK(wait_failed_delivery(&s));
    REQUIRE(scenario_start_kithd(&s));
    REQUIRE(scenario_wait_log_count(&s, "webhook set", 2, 8000));
    CHECK(story_wait_reply(&s, GROUP, "Noted #1", &cursor));
    CHECK_INT(story_count_sent(&s, GROUP, "Noted #1"), 1);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}

TEST(test_update_accepted_just_before_a_crash_is_handled_after_the_restart)
{
    struct scenario s;
    int port = free_port();
    REQUIRE(port > 0);
    REQUIRE(start_webhook_kithd(&s, port));
    int cursor = 0;
    /* kithd takes the update (Telegram is told 200 and will not send it again), then waits
     * for the group's admin list, which Telegram is slow to give... */
    REQUIRE(scenario_control_ok(&s, "fault",
                                "{\"method\":\"getChatAdministrators\",\"kind\":\"stall\","
                                "\"count\":1}"));
    CHECK(story_say(&s, GROUP, MEMBER, "/help", NULL));
    cJSON *lookup = story_wait_call(&s, "getChatAdministrators", NULL, 8000, &cursor);
    CHECK(lookup != NULL);
    cJSON_Delete(lookup);
    /* ...and dies before handling it. */
    CHECK(scenario_stop_kithd(&s, SIGKILL, 5000) != 0);
    REQUIRE(scenario_start_kithd(&s));
    REQUIRE(scenario_wait_log_count(&s, "webhook set", 2, 8000));
    CHECK(story_wait_reply(&s, GROUP, "explains one command", &cursor));
    CHECK_INT(story_count_sent(&s, GROUP, "explains one command"), 1);
    /* A handled update leaves nothing behind: after another restart only a new /help (which
     * would queue behind any kept one) is answered. */
    CHECK_INT(scenario_stop_kithd(&s, SIGTERM, 8000), 0);
    REQUIRE(scenario_start_kithd(&s));
    REQUIRE(scenario_wait_log_count(&s, "webhook set", 3, 8000));
    CHECK(story_say(&s, GROUP, MEMBER, "/help", NULL));
    CHECK(story_wait_reply(&s, GROUP, "explains one command", &cursor));
    CHECK_INT(story_count_sent(&s, GROUP, "explains one command"), 2);
    if (kith_test_failures)
        scenario_dump(&s);
    scenario_finish(&s);
}
