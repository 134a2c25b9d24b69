/* credo preview: who would own a deal, until when it is protected, and
 * what credit it would give, before the rep logs it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "credo/engagement.h"
#include "credo/parse.h"

static const char preview_usage[] =
    "Usage: credo preview --db DB --account ID --rep ID --amount AMOUNT --date DATE\n"
    "                     [--source SOURCE] [--partner NAME] [--product NAME]\n"
    "                     [--currency CODE] [--policy POLICY] [--json]\n"
    "\n"
    "Answers \"if I log this deal, who owns it, until when is it protected, and what\n"
    "credit would each person get\": adds the deal and its registration to a copy of\n"
    "the stored data and runs the same engines as 'credo run', with the stored\n"
    "conflict decisions. Nothing is written to DB.\n"
    "\n"
    "Options:\n"
    "  --db DB           the database file that 'credo import' filled\n"
    "  --account ID      the account of the deal\n"
    "  --rep ID          the rep who would log and register it\n"
    "  --amount AMOUNT   the deal amount in major units with at most 2 decimals (1200.50);\n"
    "                    above 0\n"
    "  --date DATE       the day it would be logged, registered and closed (YYYY-MM-DD)\n"
    "  --source SOURCE   where the deal came from (partner, inbound, ...)\n"
    "  --partner NAME    the partner who introduced it\n"
    "  --product NAME    the product the registration claims\n"
    "  --currency CODE   ISO 4217 code of the amount; default USD\n"
    "  --policy POLICY   the policy file; default the policy of the newest run\n"
    "  --json            print one JSON object (owner, protected_until, conflict, credit, ...)\n"
    "  -h, --help        print this help\n";

typedef struct preview_options {
    const char *db, *policy;
    credo_preview_request request;
    bool json;
} preview_options;

/* Loads the policy: the file given, else the newest run's. */
static credo_status load_policy(credo_store *store, const char *path, credo_policy **out, credo_error *err)
{
    if (path != NULL)
        return credo_policy_load(path, out, err);
    int64_t run_id = 0;
    credo_run_info info = {0};
    credo_status status = credo_store_latest_run(store, &run_id, err);
    if (status == CREDO_OK)
        status = credo_store_get_run(store, run_id, &info, err);
    if (status == CREDO_OK)
        status = credo_policy_parse(info.policy_text, strlen(info.policy_text), info.policy_path, out, err);
    credo_run_info_clear(&info);
    return status;
}

static int preview_with(const preview_options *options)
{
    credo_error err = {0};
    credo_store *store = NULL;
    credo_policy *policy = NULL;
    credo_snapshot *snapshot = NULL;
    credo_conflict_decision *decisions = NULL;
    size_t decision_count = 0;
    credo_preview_result result = {0};

    credo_status status = cli_open_existing_store(options->db, &store, &err);
    if (status == CREDO_OK)
        status = load_policy(store, options->policy, &policy, &err);
    if (status == CREDO_OK)
        status = credo_store_load(store, &snapshot, &err);
    if (status == CREDO_OK)
        status = credo_store_load_conflict_decisions(store, &decisions, &decision_count, &err);
    if (status == CREDO_OK)
        status = credo_preview(snapshot, policy, decisions, decision_count, &options->request, &result, &err);

    int code = EXIT_OK;
    if (status != CREDO_OK) {
        code = cli_fail("preview", &err);
    } else {
        credo_buf out = CREDO_BUF_INIT;
        if (options->json)
            credo_preview_json(&result, &out);
        else
            credo_preview_text(&result, &out);
        puts(credo_buf_text(&out));
        credo_buf_free(&out);
    }
    credo_preview_result_clear(&result);
    credo_conflict_decisions_free(decisions, decision_count);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
    credo_store_close(store);
    return code;
}

static int parse_value(int option, const char *value, preview_options *options, char **argv)
{
    credo_error err;
    switch (option) {
    case 'd': options->db = value; break;
    case 'p': options->policy = value; break;
    case 'A': options->request.account_id = value; break;
    case 'r': options->request.rep_id = value; break;
    case 's': options->request.source = value; break;
    case 'P': options->request.partner = value; break;
    case 'o': options->request.product = value; break;
    case 'c': options->request.currency = value; break;
    case 'm':
        if (credo_parse_money(value, strlen(value), 2, &options->request.amount, &err) != CREDO_OK)
            return cli_usage_error("preview", "invalid --amount '%s'; write an amount such as 1200.50", value);
        if (options->request.amount <= 0) {
            fprintf(stderr, "credo preview: invalid --amount '%s'; a previewed deal needs an amount above 0, such "
                            "as 1200.50\n",
                    value);
            return EXIT_INPUT;
        }
        break;
    case 't':
        if (!cli_parse_date(value, &options->request.date))
            return cli_usage_error("preview", "invalid --date '%s'; write a date as YYYY-MM-DD", value);
        break;
    default: return cli_option_error("preview", argv);
    }
    return EXIT_OK;
}

int cmd_preview(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},      {"policy", required_argument, NULL, 'p'},
        {"account", required_argument, NULL, 'A'}, {"rep", required_argument, NULL, 'r'},
        {"source", required_argument, NULL, 's'},  {"partner", required_argument, NULL, 'P'},
        {"product", required_argument, NULL, 'o'}, {"currency", required_argument, NULL, 'c'},
        {"amount", required_argument, NULL, 'm'},  {"date", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},          {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    preview_options parsed = {0};
    parsed.request.date = CREDO_DATE_NONE;
    bool has_amount = false;
    int option;
    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (option == 'h') {
            fputs(preview_usage, stdout);
            return EXIT_OK;
        }
        if (option == 'j') {
            parsed.json = true;
            continue;
        }
        has_amount = has_amount || option == 'm';
        int code = parse_value(option, optarg, &parsed, argv);
        if (code != EXIT_OK)
            return code;
    }
    if (parsed.db == NULL || parsed.request.account_id == NULL || parsed.request.rep_id == NULL || !has_amount ||
        parsed.request.date == CREDO_DATE_NONE)
        return cli_usage_error("preview", "missing %s",
                               parsed.db == NULL                   ? "--db DB"
                               : parsed.request.account_id == NULL ? "--account ID"
                               : parsed.request.rep_id == NULL     ? "--rep ID"
                               : !has_amount                       ? "--amount AMOUNT"
                                                                   : "--date DATE");
    if (optind != argc)
        return cli_usage_error("preview", "unexpected argument '%s'", argv[optind]);
    return preview_with(&parsed);
}
