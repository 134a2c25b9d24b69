/* Shared parts of the credo command. */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "credo/parse.h"

int cli_exit_code(credo_status status)
{
    switch (status) {
    case CREDO_OK: return EXIT_OK;
    case CREDO_ERR_INVALID:
    case CREDO_ERR_NOT_FOUND:
    case CREDO_ERR_LIMIT:
    case CREDO_ERR_CONFLICT: return EXIT_INPUT;
    case CREDO_ERR_IO:
    case CREDO_ERR_STORE: return EXIT_STORE;
    case CREDO_ERR_NOMEM: return EXIT_INTERNAL;
    }
    return EXIT_INTERNAL;
}

int cli_fail(const char *command, const credo_error *err)
{
    fprintf(stderr, "credo %s: %s\n", command, err->message);
    return cli_exit_code(err->status);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "credo %s: ", command);
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\nRun 'credo %s --help' for the options.\n", command);
    va_end(args);
    return EXIT_USAGE;
}

int cli_option_error(const char *command, char **argv)
{
    /* getopt_long leaves optind past the rejected word, and sets optopt to
     * the option's value when only its argument was missing. */
    const char *word = optind > 0 ? argv[optind - 1] : "";
    const char *equals = strchr(word, '=');
    if (optopt != 0 && strncmp(word, "--", 2) == 0 && equals != NULL)
        return cli_usage_error(command, "option '%.*s' takes no value", (int)(equals - word), word);
    if (optopt != 0 && strncmp(word, "--", 2) == 0)
        return cli_usage_error(command, "option '%s' needs a value", word);
    if (optopt != 0 && optopt != '?')
        return cli_usage_error(command, "invalid option '-%c'", optopt);
    return cli_usage_error(command, "invalid option '%s'", word);
}

credo_status cli_open_existing_store(const char *db, credo_store **out, credo_error *err)
{
    const char *path = strncmp(db, "sqlite:", 7) == 0 ? db + 7 : db;
    if (strstr(path, "://") == NULL && access(path, F_OK) != 0)
        return credo_error_set(err, CREDO_ERR_NOT_FOUND,
                               "database %s not found; check the path, or create it with 'credo import'", db);
    return credo_store_open(db, out, err);
}

bool cli_parse_date(const char *text, credo_date *out)
{
    credo_error err;
    return credo_parse_date(text, strlen(text), "%Y-%m-%d", out, &err) == CREDO_OK;
}

bool cli_parse_count(const char *text, size_t *out)
{
    size_t value = 0;
    if (*text == '\0')
        return false;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c < '0' || *c > '9')
            return false;
        value = value * 10 + (size_t)(*c - '0');
        if (value > CLI_COUNT_MAX)
            return false;
    }
    *out = value;
    return true;
}

credo_date cli_today(void)
{
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    return credo_date_from_civil(utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday);
}

credo_status cli_replay_latest(credo_store *store, cli_replay *out, credo_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t run_id = 0;
    credo_status status = credo_store_latest_run(store, &run_id, err);
    if (status == CREDO_OK)
        status = credo_store_get_run(store, run_id, &out->info, err);
    if (status == CREDO_OK)
        status = credo_policy_parse(out->info.policy_text, strlen(out->info.policy_text),
                                    out->info.policy_path, &out->policy, err);
    if (status == CREDO_OK)
        status = credo_store_load(store, &out->snapshot, err);

    credo_date as_of = CREDO_DATE_NONE;
    if (status == CREDO_OK && !cli_parse_date(out->info.as_of, &as_of))
        status = credo_error_set(err, CREDO_ERR_STORE, "run %lld has an invalid as-of date '%s'",
                                 (long long)run_id, out->info.as_of);
    if (status == CREDO_OK)
        status = credo_run_compute_stored(store, out->snapshot, out->policy, as_of, &out->run, err);
    if (status != CREDO_OK)
        cli_replay_free(out);
    return status;
}

void cli_replay_free(cli_replay *replay)
{
    credo_run_free(replay->run);
    credo_snapshot_free(replay->snapshot);
    credo_policy_free(replay->policy);
    credo_run_info_clear(&replay->info);
    memset(replay, 0, sizeof *replay);
}
