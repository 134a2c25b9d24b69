/* credo audit: verify and list the hash-chained audit log. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "credo/audit.h"
#include "credo/buf.h"

static const char audit_usage[] =
    "Usage: credo audit verify --db DB [--json]\n"
    "       credo audit log --db DB [--json]\n"
    "\n"
    "The audit log records every import, run and conflict decision with its\n"
    "actor (CREDO_ACTOR, else the login name) and time, each entry chained to\n"
    "the one before by a SHA-256 hash.\n"
    "\n"
    "  verify  checks the chain and the head record; exits 0 when intact and\n"
    "          prints the head hash to keep elsewhere, exits 1 naming the first\n"
    "          bad entry (its seq, its action and what is wrong)\n"
    "  log     lists the entries, oldest first\n"
    "\n"
    "Options:\n"
    "  --db DB         the database file\n"
    "  --json          print JSON instead of text\n"
    "  -h, --help      print this help\n";

/* ---- verify ------------------------------------------------------------------- */

static void print_verify_text(const char *db, const credo_audit_report *report)
{
    if (report->problem == CREDO_AUDIT_INTACT) {
        printf("audit log of %s is intact: %lld entries\n", db, (long long)report->entries);
    } else {
        printf("audit log of %s is broken at entry %lld", db, (long long)report->seq);
        if (report->action[0] != '\0')
            printf(" (action %s)", report->action);
        else
            printf(" (action unknown: the entry is missing)");
        printf(": %s: %s\n", credo_audit_problem_name(report->problem), report->detail);
        printf("%lld entries before it are intact\n", (long long)report->entries);
    }
    if (report->head_hash[0] == '\0') {
        printf("head: none (the log is empty)\n");
        return;
    }
    printf("head: entry %lld, hash %s\n", (long long)report->head_seq, report->head_hash);
    if (report->problem == CREDO_AUDIT_INTACT)
        printf("Keep this hash outside the database: if entry %lld later has another hash, the "
               "log was rewritten.\n",
               (long long)report->head_seq);
}

static void print_verify_json(const credo_audit_report *report)
{
    credo_buf out = CREDO_BUF_INIT;
    bool intact = report->problem == CREDO_AUDIT_INTACT;
    credo_buf_printf(&out, "{\"intact\":%s,\"entries\":%lld", intact ? "true" : "false",
                     (long long)report->entries);
    if (!intact) {
        credo_buf_puts(&out, ",\"problem\":");
        credo_buf_json_string(&out, credo_audit_problem_name(report->problem));
        credo_buf_printf(&out, ",\"seq\":%lld,\"action\":", (long long)report->seq);
        if (report->action[0] != '\0')
            credo_buf_json_string(&out, report->action);
        else
            credo_buf_puts(&out, "null");
        credo_buf_puts(&out, ",\"detail\":");
        credo_buf_json_string(&out, report->detail);
    }
    credo_buf_printf(&out, ",\"head_seq\":%lld,\"head_hash\":", (long long)report->head_seq);
    if (report->head_hash[0] != '\0')
        credo_buf_json_string(&out, report->head_hash);
    else
        credo_buf_puts(&out, "null");
    credo_buf_puts(&out, "}\n");
    fputs(credo_buf_text(&out), stdout);
    credo_buf_free(&out);
}

static int run_verify(credo_store *store, const char *db, bool json)
{
    credo_error err = {0};
    credo_audit_report report;
    if (credo_audit_verify(store, &report, &err) != CREDO_OK)
        return cli_fail("audit", &err);
    if (json)
        print_verify_json(&report);
    else
        print_verify_text(db, &report);
    return report.problem == CREDO_AUDIT_INTACT ? EXIT_OK : EXIT_PROBLEMS;
}

/* ---- log ------------------------------------------------------------------------ */

static int print_entry_text(void *ctx, const credo_audit_entry *entry, credo_error *err)
{
    (void)ctx;
    (void)err;
    printf("%lld  %s  %s  %s", (long long)entry->seq, entry->created_at ? entry->created_at : "-",
           entry->actor ? entry->actor : "-", entry->action ? entry->action : "-");
    if (entry->subject != NULL)
        printf("  %s", entry->subject);
    printf("\n");
    if (entry->reason != NULL)
        printf("    reason: %s\n", entry->reason);
    if (entry->payload != NULL)
        printf("    payload: %s\n", entry->payload);
    return 0;
}

static void json_text_or_null(credo_buf *out, const char *key, const char *text)
{
    credo_buf_printf(out, ",\"%s\":", key);
    if (text != NULL)
        credo_buf_json_string(out, text);
    else
        credo_buf_puts(out, "null");
}

/* Prints one element of the "entries" array; ctx counts the elements. */
static int print_entry_json(void *ctx, const credo_audit_entry *entry, credo_error *err)
{
    (void)err;
    long long *printed = ctx;
    credo_buf out = CREDO_BUF_INIT;
    credo_buf_printf(&out, "%s{\"seq\":%lld", *printed == 0 ? "" : ",", (long long)entry->seq);
    json_text_or_null(&out, "created_at", entry->created_at);
    json_text_or_null(&out, "actor", entry->actor);
    json_text_or_null(&out, "action", entry->action);
    json_text_or_null(&out, "subject", entry->subject);
    json_text_or_null(&out, "reason", entry->reason);
    /* The payload is printed as the exact stored text, as a string. */
    json_text_or_null(&out, "payload", entry->payload);
    json_text_or_null(&out, "prev_hash", entry->prev_hash);
    json_text_or_null(&out, "hash", entry->hash);
    credo_buf_puts(&out, "}");
    fputs(credo_buf_text(&out), stdout);
    credo_buf_free(&out);
    (*printed)++;
    return 0;
}

static int run_log(credo_store *store, bool json)
{
    credo_error err = {0};
    long long printed = 0;
    if (json)
        fputs("{\"entries\":[", stdout);
    credo_status status = credo_audit_each(store, json ? print_entry_json : print_entry_text,
                                           &printed, &err);
    if (json)
        fputs("]}\n", stdout);
    return status == CREDO_OK ? EXIT_OK : cli_fail("audit", &err);
}

/* ---- Command line ------------------------------------------------------------- */

int cmd_audit(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    bool json = false;
    int option;
    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case 'd': db = optarg; break;
        case 'j': json = true; break;
        case 'h': fputs(audit_usage, stdout); return EXIT_OK;
        default: return cli_option_error("audit", argv);
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error("audit", "expected 'verify' or 'log'");
    bool verify = strcmp(argv[optind], "verify") == 0;
    if (!verify && strcmp(argv[optind], "log") != 0)
        return cli_usage_error("audit", "expected 'verify' or 'log', not '%s'", argv[optind]);
    if (db == NULL)
        return cli_usage_error("audit", "missing --db DB");
    credo_error err = {0};
    credo_store *store = NULL;
    if (cli_open_existing_store(db, &store, &err) != CREDO_OK)
        return cli_fail("audit", &err);
    int code = verify ? run_verify(store, db, json) : run_log(store, json);
    credo_store_close(store);
    return code;
}
