/* Shared parts of the credo command: exit codes, option parsing helpers and
 * the steps most subcommands take (open the store, load a policy). */
#ifndef CREDO_CLI_H
#define CREDO_CLI_H

#include <stdbool.h>

#include "credo/error.h"
#include "credo/policy.h"
#include "credo/run.h"
#include "credo/store.h"

/* Exit codes, documented in README.md. */
enum credo_exit {
    EXIT_OK = 0,
    EXIT_PROBLEMS = 1, /* the command ran and found problems (check, verify) */
    EXIT_USAGE = 2,    /* invalid command line */
    EXIT_INPUT = 3,    /* invalid or missing input: file, policy, mapping, id */
    EXIT_STORE = 4,    /* the database or a file could not be read or written */
    EXIT_INTERNAL = 5  /* out of memory or an internal error */
};

/* Maps a library status to an exit code. */
int cli_exit_code(credo_status status);

/* Prints "credo COMMAND: message" on stderr and returns the exit code. */
int cli_fail(const char *command, const credo_error *err);

/* Prints a usage error with a pointer to --help and returns EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reports the option getopt_long just rejected (an unknown option, one
 * given without its value, or a flag given one) as a usage error and
 * returns EXIT_USAGE. */
int cli_option_error(const char *command, char **argv);

/* Opens a store that must already exist, for the commands that only read
 * or add to what `credo import` stored: a mistyped path is reported as
 * CREDO_ERR_NOT_FOUND instead of creating an empty database. */
credo_status cli_open_existing_store(const char *db, credo_store **out, credo_error *err);

/* Parses a whole number from 0 to CLI_COUNT_MAX written in decimal digits
 * only, for options such as --limit and --top. */
#define CLI_COUNT_MAX 1000000000u
bool cli_parse_count(const char *text, size_t *out);

/* Parses --as-of: an ISO date. */
bool cli_parse_date(const char *text, credo_date *out);

/* Today's date in UTC, the default --as-of. */
credo_date cli_today(void);

/* Everything a subcommand needs to look at the newest run again: its
 * record, the policy it used, the current snapshot and the recomputed
 * engines. Free with cli_replay_free. */
typedef struct cli_replay {
    credo_run_info info;
    credo_policy *policy;
    credo_snapshot *snapshot;
    credo_run *run;
} cli_replay;

credo_status cli_replay_latest(credo_store *store, cli_replay *out, credo_error *err);
void cli_replay_free(cli_replay *replay);

int cmd_import(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_preview(int argc, char **argv);
int cmd_conflicts(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_pipeline(int argc, char **argv);

#endif
