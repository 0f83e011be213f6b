/* Secrets registered with the log never reach its output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/log.h"

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

TEST(test_token_in_a_log_line_is_redacted)
{
    char path[] = "/tmp/kith-log-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    REQUIRE(kith_log_open(KITH_LOG_DEBUG, path) == KITH_OK);
    kith_log_add_secret("s3cr3t-TOKEN-value");
    kith_log(KITH_LOG_ERROR, "http", "GET https://api.example/bots3cr3t-TOKEN-value/getMe failed");
    kith_log(KITH_LOG_DEBUG, "test", "twice: s3cr3t-TOKEN-value s3cr3t-TOKEN-value");
    kith_log_close();
    kith_log_clear_secrets();

    const char *text = read_all(path);
    CHECK(text != NULL);
    CHECK(strstr(text, "s3cr3t") == NULL);
    CHECK_CONTAINS(text, "api.example/bot[redacted]/getMe failed");
    CHECK_CONTAINS(text, "twice: [redacted] [redacted]");
    CHECK_CONTAINS(text, "error [http]");
    unlink(path);
}

TEST(test_levels_below_the_minimum_are_dropped)
{
    char path[] = "/tmp/kith-log-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    REQUIRE(kith_log_open(KITH_LOG_WARN, path) == KITH_OK);
    kith_log(KITH_LOG_INFO, "x", "quiet");
    kith_log(KITH_LOG_WARN, "x", "loud");
    kith_log_close();
    const char *text = read_all(path);
    CHECK(strstr(text, "quiet") == NULL);
    CHECK_CONTAINS(text, "loud");
    unlink(path);
}

TEST(test_level_names_parse)
{
    kith_log_level level;
    CHECK_INT(kith_log_level_parse("warn", &level), KITH_OK);
    CHECK_INT(level, KITH_LOG_WARN);
    CHECK_INT(kith_log_level_parse("verbose", &level), KITH_ERR_INVALID);
    CHECK_STR(kith_strerror(KITH_ERR_PERMISSION), "permission denied");
}

TEST(test_secret_cut_by_the_line_limit_leaves_no_part_of_it)
{
    char path[] = "/tmp/kith-log-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    REQUIRE(kith_log_open(KITH_LOG_DEBUG, path) == KITH_OK);
    kith_log_add_secret("s3cr3t-TOKEN-value");
    /* A long error body with the token right where the 4 KiB line limit cuts it. */
    static char body[4089];
    memset(body, 'x', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    kith_log(KITH_LOG_ERROR, "http", "%s s3cr3t-TOKEN-value", body);
    kith_log_close();
    kith_log_clear_secrets();
    const char *text = read_all(path);
    CHECK(text != NULL);
    CHECK(strstr(text, "s3cr3t") == NULL);
    CHECK(strstr(text, " s3c") == NULL);
    unlink(path);
}

TEST(test_plugin_logging_at_an_unknown_level_is_written_as_an_error)
{
    char path[] = "/tmp/kith-log-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    REQUIRE(kith_log_open(KITH_LOG_DEBUG, path) == KITH_OK);
    kith_log((kith_log_level)7, "plugin odd", "level seven");
    kith_log_close();
    const char *text = read_all(path);
    CHECK_CONTAINS(text, "error [plugin odd] level seven");
    unlink(path);
}

TEST(test_every_registered_secret_is_redacted_however_many_there_are)
{
    char path[] = "/tmp/kith-log-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    REQUIRE(kith_log_open(KITH_LOG_DEBUG, path) == KITH_OK);
    /* Tokens of several platforms and bots, webhook secrets, rotated passwords... */
    char secret[40];
    for (int i = 0; i < 40; i++) {
        snprintf(secret, sizeof secret, "secret-number-%02d", i);
        kith_log_add_secret(secret);
    }
    kith_log(KITH_LOG_ERROR, "http", "sent secret-number-00 and secret-number-39");
    kith_log_close();
    kith_log_clear_secrets();
    const char *text = read_all(path);
    CHECK(strstr(text, "secret-number") == NULL);
    CHECK_CONTAINS(text, "sent [redacted] and [redacted]");
    unlink(path);
}

TEST(test_a_secret_that_begins_another_does_not_uncover_the_rest)
{
    char path[] = "/tmp/kith-log-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    REQUIRE(kith_log_open(KITH_LOG_DEBUG, path) == KITH_OK);
    kith_log_add_secret("hunter2-pass");                /* a password */
    kith_log_add_secret("hunter2-pass-and-more-token"); /* a token that begins with it */
    kith_log(KITH_LOG_ERROR, "matrix", "login with hunter2-pass-and-more-token failed");
    kith_log_close();
    kith_log_clear_secrets();
    const char *text = read_all(path);
    CHECK(strstr(text, "and-more-token") == NULL);
    CHECK_CONTAINS(text, "login with [redacted] failed");
    unlink(path);
}

TEST(test_a_member_cannot_forge_log_lines_with_a_newline)
{
    char path[] = "/tmp/kith-log-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    REQUIRE(kith_log_open(KITH_LOG_DEBUG, path) == KITH_OK);
    /* A display name as a member chose it, logged by a plugin. */
    kith_log(KITH_LOG_INFO, "plugin greeter", "welcomed %s",
             "bob\n2026-01-01T00:00:00.000Z error [admin] bob is now admin\r\x1b[2J");
    kith_log_close();
    const char *text = read_all(path);
    int lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    CHECK_INT(lines, 1);
    CHECK(strchr(text, '\r') == NULL && strchr(text, '\x1b') == NULL);
    CHECK_CONTAINS(text, "welcomed bob 2026-01-01T00:00:00.000Z error [admin] bob is now admin");
    unlink(path);
}
