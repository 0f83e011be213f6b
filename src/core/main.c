/* kithd's entry point: the command line, the configuration check, and handing the loaded
 * configuration to the daemon. Exit status: 0 success, 1 bad configuration or failed start,
 * 2 bad command line. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <kith/plugin.h>

#include "core/config.h"
#include "core/daemon.h"
#include "core/log.h"

#define DEFAULT_CONFIG "bot.conf"
#define EXIT_USAGE 2

enum mode { MODE_RUN, MODE_CHECK, MODE_VERSION, MODE_HELP };

struct options {
    enum mode mode;
    const char *config_path;
};

enum { OPT_CHECK_CONFIG = 256 };

static const struct option long_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
    {"version", no_argument, NULL, 'V'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void print_usage(FILE *out)
{
    fputs("Usage: kithd [OPTION]... [FILE]\n"
          "Run the kith community bot with the configuration in FILE.\n"
          "\n"
          "  -c, --config FILE   read the configuration from FILE\n"
          "                      (default: " DEFAULT_CONFIG " in the current directory)\n"
          "      --check-config  validate the configuration, print every problem as\n"
          "                      FILE:LINE: message, and exit\n"
          "  -V, --version       print the version and the plugin ABI, and exit\n"
          "  -h, --help          print this help, and exit\n"
          "\n"
          "FILE may be given instead of --config. Secrets may come from the environment\n"
          "instead of the file: KITH_DISCORD_TOKEN, KITH_TELEGRAM_TOKEN, KITH_MATRIX_TOKEN,\n"
          "KITH_MATRIX_PASSWORD, KITH_DASHBOARD_TOKEN (they override the file).\n"
          "\n"
          "Exit status: 0 success, 1 invalid configuration or failed start, 2 bad usage.\n"
          "Every key is documented in bot.conf.example and docs/configuration.md.\n",
          out);
}

static void print_version(void)
{
    printf("kithd %s\nplugin ABI %d.%d\n", KITH_VERSION, KITH_ABI_MAJOR, KITH_ABI_MINOR);
}

/* Fills *opts from argv; returns false (after saying why on stderr) on a usage error. */
static bool parse_options(int argc, char **argv, struct options *opts)
{
    *opts = (struct options){.mode = MODE_RUN};
    int opt;
    while ((opt = getopt_long(argc, argv, "c:Vh", long_options, NULL)) != -1) {
        switch (opt) {
        case 'c': opts->config_path = optarg; break;
        case OPT_CHECK_CONFIG: opts->mode = MODE_CHECK; break;
        case 'V': opts->mode = MODE_VERSION; return true;
        case 'h': opts->mode = MODE_HELP; return true;
        default: return false; /* getopt has printed what was wrong */
        }
    }
    if (optind < argc) {
        if (opts->config_path != NULL || optind + 1 < argc) {
            fprintf(stderr, "kithd: give one configuration file, not several\n");
            return false;
        }
        opts->config_path = argv[optind];
    }
    if (opts->config_path == NULL)
        opts->config_path = DEFAULT_CONFIG;
    return true;
}

static int check_config(const char *path)
{
    struct kith_config cfg;
    if (kith_config_load(path, &cfg, stderr) != KITH_OK)
        return 1;
    kith_config_free(&cfg);
    printf("%s: configuration OK\n", path);
    return 0;
}

static int run(const char *path)
{
    struct kith_config cfg;
    if (kith_config_load(path, &cfg, stderr) != KITH_OK)
        return 1;
    if (kith_log_open(cfg.log.level, cfg.log.file) != KITH_OK) {
        fprintf(stderr, "kithd: cannot open log file %s: %s\n", cfg.log.file, strerror(errno));
        kith_config_free(&cfg);
        return 1;
    }
    kith_log(KITH_LOG_INFO, "kithd", "configuration loaded from %s", path);
    int status = kith_daemon_run(&cfg); /* takes ownership of cfg */
    kith_log_close();
    kith_log_clear_secrets();
    return status;
}

int main(int argc, char **argv)
{
    struct options opts;
    if (!parse_options(argc, argv, &opts)) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    switch (opts.mode) {
    case MODE_HELP: print_usage(stdout); return 0;
    case MODE_VERSION: print_version(); return 0;
    case MODE_CHECK: return check_config(opts.config_path);
    case MODE_RUN: break;
    }
    return run(opts.config_path);
}
