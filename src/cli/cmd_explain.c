/* credo explain: the rules and facts behind one account's or deal's result. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "credo/parse.h"

static const char explain_usage[] =
    "Usage: credo explain account ID --db DB [--as-of DATE]\n"
    "       credo explain deal ID --db DB\n"
    "\n"
    "Replays the newest run (its stored policy over the stored data) for one\n"
    "account or deal and prints the chain: the rules that matched and why, the\n"
    "territory, its members on the relevant date, the owner and the credit lines.\n"
    "\n"
    "Options:\n"
    "  --db DB         the database file\n"
    "  --as-of DATE    the date for an account's owner (default: the run's as-of date)\n"
    "  -h, --help      print this help\n";

static int explain_with(const char *db, bool is_account, const char *id, credo_date as_of)
{
    credo_error err = {0};
    credo_store *store = NULL;
    cli_replay replay = {0};
    credo_status status = cli_open_existing_store(db, &store, &err);
    if (status == CREDO_OK)
        status = cli_replay_latest(store, &replay, &err);
    if (status != CREDO_OK) {
        credo_store_close(store);
        return cli_fail("explain", &err);
    }

    const credo_snapshot *snapshot = replay.snapshot;
    credo_str key = credo_strpool_find(snapshot->strings, id, strlen(id));
    uint32_t row = is_account ? credo_snapshot_find_account(snapshot, key) : credo_snapshot_find_deal(snapshot, key);
    int code = EXIT_OK;
    if (row == CREDO_NO_ROW) {
        fprintf(stderr, "credo explain: no %s with id '%s' in %s; check the id (ids are case-sensitive)\n",
                is_account ? "account" : "deal", id, db);
        code = EXIT_INPUT;
    } else {
        credo_buf out = CREDO_BUF_INIT;
        printf("run %lld as of %s, policy %s\n", (long long)replay.info.id, replay.info.as_of,
               replay.info.policy_path);
        if (is_account)
            credo_explain_account(snapshot, replay.policy, replay.run->assignment, row,
                                  as_of == CREDO_DATE_NONE ? replay.run->as_of : as_of, &out);
        else
            credo_explain_deal(snapshot, replay.policy, replay.run->assignment, replay.run->ownership,
                               replay.run->credit, row, &out);
        fputs(credo_buf_text(&out), stdout);
        credo_buf_free(&out);
    }
    cli_replay_free(&replay);
    credo_store_close(store);
    return code;
}

int cmd_explain(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'}, {"as-of", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    credo_date as_of = CREDO_DATE_NONE;
    int option;
    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case 'd': db = optarg; break;
        case 'a':
            if (!cli_parse_date(optarg, &as_of))
                return cli_usage_error("explain", "invalid --as-of '%s'; write a date that exists, as YYYY-MM-DD", optarg);
            break;
        case 'h': fputs(explain_usage, stdout); return EXIT_OK;
        default: return cli_option_error("explain", argv);
        }
    }
    if (db == NULL)
        return cli_usage_error("explain", "missing --db DB");
    if (optind + 2 != argc)
        return cli_usage_error("explain", "expected 'account ID' or 'deal ID'");
    bool is_account = strcmp(argv[optind], "account") == 0;
    if (!is_account && strcmp(argv[optind], "deal") != 0)
        return cli_usage_error("explain", "expected 'account' or 'deal', not '%s'", argv[optind]);
    return explain_with(db, is_account, argv[optind + 1], as_of);
}
