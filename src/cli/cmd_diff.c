/* credo diff: what changed in whose credit between two stored runs, and
 * why. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char diff_usage[] =
    "Usage: credo diff --db DB [--from RUN] [--to RUN] [--json]\n"
    "\n"
    "Compares the stored credit lines of two runs per rep, deal and kind of credit\n"
    "and says why each total changed: deal added or removed, owner changed, rule\n"
    "changed, deal amount changed, hold changed, or the split moved.\n"
    "\n"
    "Options:\n"
    "  --db DB       the database file\n"
    "  --to RUN      the later run id; default the newest run\n"
    "  --from RUN    the earlier run id; default the run before --to\n"
    "  --json        print one JSON object (changes and per-rep totals)\n"
    "  -h, --help    print this help\n";

static bool parse_run_id(const char *text, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value <= 0)
        return false;
    *out = value;
    return true;
}

static int diff_with(const char *db, int64_t from, int64_t to, bool json)
{
    credo_error err = {0};
    credo_store *store = NULL;
    credo_run_diff *diff = NULL;
    credo_status status = cli_open_existing_store(db, &store, &err);
    if (status == CREDO_OK && to == 0)
        status = credo_store_latest_run(store, &to, &err);
    if (status == CREDO_OK && from == 0)
        status = credo_run_previous(store, to, &from, &err);
    if (status == CREDO_OK)
        status = credo_run_diff_compute(store, from, to, &diff, &err);

    int code = EXIT_OK;
    if (status != CREDO_OK) {
        code = cli_fail("diff", &err);
    } else {
        credo_buf out = CREDO_BUF_INIT;
        if (json)
            credo_run_diff_json(diff, &out);
        else
            credo_run_diff_text(diff, &out);
        puts(credo_buf_text(&out));
        credo_buf_free(&out);
    }
    credo_run_diff_free(diff);
    credo_store_close(store);
    return code;
}

int cmd_diff(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'}, {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    int64_t from = 0, to = 0;
    bool json = false;
    int option;
    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case 'd': db = optarg; break;
        case 'f':
            if (!parse_run_id(optarg, &from))
                return cli_usage_error("diff", "invalid --from '%s'; give a run id such as 3", optarg);
            break;
        case 't':
            if (!parse_run_id(optarg, &to))
                return cli_usage_error("diff", "invalid --to '%s'; give a run id such as 4", optarg);
            break;
        case 'j': json = true; break;
        case 'h': fputs(diff_usage, stdout); return EXIT_OK;
        default: return cli_option_error("diff", argv);
        }
    }
    if (db == NULL)
        return cli_usage_error("diff", "missing --db DB");
    if (optind != argc)
        return cli_usage_error("diff", "unexpected argument '%s'", argv[optind]);
    return diff_with(db, from, to, json);
}
