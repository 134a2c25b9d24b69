/* credo run: assign, decide owners, credit, store the results and report. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "progress.h"
#include "report.h"

static const char run_usage[] =
    "Usage: credo run --db DB --policy POLICY [--as-of DATE] [--limit N] [--json]\n"
    "\n"
    "Assigns every account to a territory by the policy's rules, decides the owner\n"
    "of every deal on the day it was logged, credits won deals, stores the results\n"
    "as a new run in DB and prints a report. Overlaps, gaps and out-of-territory\n"
    "deals are listed, never resolved silently.\n"
    "\n"
    "Options:\n"
    "  --db DB           the database file that 'credo import' filled\n"
    "  --policy POLICY   the policy file (YAML)\n"
    "  --as-of DATE      the date (YYYY-MM-DD) for account owners; default today (UTC)\n"
    "  --limit N         lines of each list in the text report (territories, overlaps,\n"
    "                    gaps, deals); default 20, 0 for all\n"
    "  --json            print the counts and lists as one JSON object\n"
    "  -h, --help        print this help\n";

/* Checks the policy against the data and prints its problems; returns the
 * number of errors. */
static size_t check_policy(const credo_policy *policy, const credo_snapshot *snapshot)
{
    credo_buf problems = CREDO_BUF_INIT;
    size_t errors = credo_policy_check(policy, snapshot, &problems);
    if (errors > 0)
        fputs(credo_buf_text(&problems), stderr);
    credo_buf_free(&problems);
    return errors;
}

/* Lines of each list in the text report when --limit is not given. */
#define REPORT_DEFAULT_LIMIT 20

static int run_with(const char *db, const char *policy_path, credo_date as_of, size_t limit, bool json)
{
    credo_error err = {0};
    credo_store *store = NULL;
    credo_policy *policy = NULL;
    credo_snapshot *snapshot = NULL;
    credo_run *run = NULL;
    int64_t run_id = 0;
    int code = EXIT_OK;
    cli_progress printer;
    const credo_progress *progress = cli_progress_start(&printer, "run");
    /* Once the commit of the run begins, an interrupt waits for its report. */
    cli_progress_defer_from(&printer, "commit");

    credo_status status = credo_policy_load(policy_path, &policy, &err);
    if (status == CREDO_OK)
        status = cli_open_existing_store(db, &store, &err);
    if (status == CREDO_OK)
        status = credo_store_load_progress(store, progress, &snapshot, &err);
    if (status != CREDO_OK) {
        cli_progress_finish(&printer);
        code = cli_fail("run", &err);
        goto out;
    }
    cli_progress_finish(&printer);
    if (snapshot->accounts.count == 0) {
        fprintf(stderr, "credo run: %s has no accounts; import them first with 'credo import --db %s MAPPING'\n",
                db, db);
        code = EXIT_INPUT;
        goto out;
    }
    size_t errors = check_policy(policy, snapshot);
    if (errors > 0) {
        fprintf(stderr, "credo run: the policy has %zu error%s against the data; fix them and run again\n",
                errors, errors == 1 ? "" : "s");
        code = EXIT_INPUT;
        goto out;
    }

    status = credo_run_compute_stored_progress(store, snapshot, policy, as_of, progress, &run, &err);
    if (status == CREDO_OK)
        status = credo_run_save_progress(store, run, progress, &run_id, &err);
    cli_progress_finish(&printer);
    if (status != CREDO_OK) {
        code = cli_fail("run", &err);
        goto out;
    }
    if (json)
        report_print_json(stdout, run, run_id);
    else
        report_print_text(stdout, run, run_id, limit);

out:
    credo_run_free(run);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
    credo_store_close(store);
    fflush(stdout);
    cli_progress_release(&printer);
    return code;
}

int cmd_run(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'}, {"policy", required_argument, NULL, 'p'},
        {"as-of", required_argument, NULL, 'a'}, {"limit", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *policy = NULL;
    credo_date as_of = cli_today();
    bool json = false;
    size_t limit = REPORT_DEFAULT_LIMIT;
    int option;
    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case 'd': db = optarg; break;
        case 'p': policy = optarg; break;
        case 'a':
            if (!cli_parse_date(optarg, &as_of))
                return cli_usage_error("run", "invalid --as-of '%s'; write a date that exists, as YYYY-MM-DD", optarg);
            break;
        case 'l':
            if (!cli_parse_count(optarg, &limit))
                return cli_usage_error("run", "invalid --limit '%s'; write a whole number up to %u, 0 for all lines",
                                       optarg, CLI_COUNT_MAX);
            if (limit == 0)
                limit = SIZE_MAX;
            break;
        case 'j': json = true; break;
        case 'h': fputs(run_usage, stdout); return EXIT_OK;
        default: return cli_option_error("run", argv);
        }
    }
    if (db == NULL || policy == NULL)
        return cli_usage_error("run", "missing %s", db == NULL ? "--db DB" : "--policy POLICY");
    if (optind != argc)
        return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
    return run_with(db, policy, as_of, limit, json);
}
