/* credo check: validate a policy file, and against stored data with --db. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char check_usage[] =
    "Usage: credo check --policy POLICY [--db DB]\n"
    "\n"
    "Validates the policy file: YAML syntax, unknown keys, value types, duplicate\n"
    "ids, unknown roles, types and parents, parent cycles, match expressions and\n"
    "overlapping member intervals of a role that allows one member at a time.\n"
    "With --db it also checks that member reps and named or excluded accounts\n"
    "exist in the stored data, and warns about rules on custom attributes that\n"
    "no imported account has. Each problem is printed as FILE:LINE:COLUMN.\n"
    "Exits 0 when there is no error (warnings allowed), 1 when there are errors,\n"
    "3 when the file cannot be parsed.\n"
    "\n"
    "Options:\n"
    "  --policy POLICY   the policy file (YAML)\n"
    "  --db DB           the database file to check references against\n"
    "  -h, --help        print this help\n";

static int check_with(const char *policy_path, const char *db)
{
    credo_error err = {0};
    credo_policy *policy = NULL;
    credo_store *store = NULL;
    credo_snapshot *snapshot = NULL;
    credo_status status = credo_policy_load(policy_path, &policy, &err);
    if (status == CREDO_OK && db != NULL)
        status = cli_open_existing_store(db, &store, &err);
    if (status == CREDO_OK && db != NULL)
        status = credo_store_load(store, &snapshot, &err);
    if (status != CREDO_OK) {
        credo_policy_free(policy);
        credo_store_close(store);
        return cli_fail("check", &err);
    }

    credo_buf problems = CREDO_BUF_INIT;
    size_t warnings = 0;
    size_t errors = credo_policy_check_counted(policy, snapshot, &problems, &warnings);
    fputs(credo_buf_text(&problems), stdout);
    printf("%s: %zu territor%s, %zu error%s, %zu warning%s\n", policy_path, policy->territory_count,
           policy->territory_count == 1 ? "y" : "ies", errors, errors == 1 ? "" : "s", warnings,
           warnings == 1 ? "" : "s");
    credo_buf_free(&problems);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
    credo_store_close(store);
    return errors == 0 ? EXIT_OK : EXIT_PROBLEMS;
}

int cmd_check(int argc, char **argv)
{
    static const struct option options[] = {
        {"policy", required_argument, NULL, 'p'}, {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *policy = NULL, *db = NULL;
    int option;
    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case 'p': policy = optarg; break;
        case 'd': db = optarg; break;
        case 'h': fputs(check_usage, stdout); return EXIT_OK;
        default: return cli_option_error("check", argv);
        }
    }
    if (policy == NULL)
        return cli_usage_error("check", "missing --policy POLICY");
    if (optind != argc)
        return cli_usage_error("check", "unexpected argument '%s'", argv[optind]);
    return check_with(policy, db);
}
