/* credo export: the stored results of the newest run as CSV files. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char export_usage[] =
    "Usage: credo export --db DB --dir DIR\n"
    "\n"
    "Writes the results of the newest run to DIR (created when absent):\n"
    "  assignments.csv  account_id, territory_id, status, owner_id, reason\n"
    "  deals.csv        deal_id, account_id, territory_id, owner_id, status, reason\n"
    "  credit.csv       deal_id, rep_id, kind, amount_minor, rule, explanation\n"
    "Rows are sorted by id (code point order), so equal results give equal bytes.\n"
    "\n"
    "Options:\n"
    "  --db DB      the database file\n"
    "  --dir DIR    the folder to write to\n"
    "  -h, --help   print this help\n";

/* Writes one CSV field, quoted when it holds a comma, quote or line break. */
static void write_field(FILE *file, const char *text, bool last)
{
    if (text == NULL)
        text = "";
    if (strpbrk(text, ",\"\r\n") == NULL) {
        fputs(text, file);
    } else {
        fputc('"', file);
        for (const char *p = text; *p != '\0'; p++) {
            if (*p == '"')
                fputc('"', file);
            fputc(*p, file);
        }
        fputc('"', file);
    }
    fputc(last ? '\n' : ',', file);
}

static int write_assignment(void *ctx, const credo_assignment_out *row, credo_error *err)
{
    FILE *file = ctx;
    write_field(file, row->account_id, false);
    write_field(file, row->territory_id, false);
    write_field(file, row->status, false);
    write_field(file, row->owner_id, false);
    write_field(file, row->reason, true);
    return 0;
}

static int write_deal(void *ctx, const credo_deal_out *row, credo_error *err)
{
    FILE *file = ctx;
    write_field(file, row->deal_id, false);
    write_field(file, row->account_id, false);
    write_field(file, row->territory_id, false);
    write_field(file, row->owner_id, false);
    write_field(file, row->status, false);
    write_field(file, row->reason, true);
    return 0;
}

static int write_credit(void *ctx, const credo_credit_out *row, credo_error *err)
{
    FILE *file = ctx;
    char amount[32];
    snprintf(amount, sizeof amount, "%lld", (long long)row->amount);
    write_field(file, row->deal_id, false);
    write_field(file, row->rep_id, false);
    write_field(file, row->kind, false);
    write_field(file, amount, false);
    write_field(file, row->rule, false);
    write_field(file, row->explanation, true);
    return 0;
}

typedef enum export_file { EXPORT_ASSIGNMENTS, EXPORT_DEALS, EXPORT_CREDIT } export_file;

/* Writes one file through a temporary name and renames it into place, so a
 * failed export never leaves a half-written file under the final name. */
static credo_status export_one(credo_store *store, int64_t run_id, const char *dir, export_file which,
                               credo_error *err)
{
    static const char *const names[] = {"assignments.csv", "deals.csv", "credit.csv"};
    static const char *const headers[] = {
        "account_id,territory_id,status,owner_id,reason\n",
        "deal_id,account_id,territory_id,owner_id,status,reason\n",
        "deal_id,rep_id,kind,amount_minor,rule,explanation\n",
    };
    char path[4096], temporary[4200];
    snprintf(path, sizeof path, "%s/%s", dir, names[which]);
    snprintf(temporary, sizeof temporary, "%s.partial", path);

    FILE *file = fopen(temporary, "wb");
    if (file == NULL)
        return credo_error_set(err, CREDO_ERR_IO, "cannot write %s: %s", temporary, strerror(errno));
    fputs(headers[which], file);

    credo_status status;
    if (which == EXPORT_ASSIGNMENTS)
        status = credo_store_each_assignment(store, run_id, write_assignment, file, err);
    else if (which == EXPORT_DEALS)
        status = credo_store_each_deal_result(store, run_id, write_deal, file, err);
    else
        status = credo_store_each_credit(store, run_id, write_credit, file, err);

    bool write_failed = ferror(file) != 0;
    if (fclose(file) != 0 || write_failed)
        status = credo_error_set(err, CREDO_ERR_IO, "cannot write %s: %s", temporary, strerror(errno));
    if (status == CREDO_OK && rename(temporary, path) != 0)
        status = credo_error_set(err, CREDO_ERR_IO, "cannot rename %s to %s: %s", temporary, path, strerror(errno));
    if (status != CREDO_OK)
        remove(temporary);
    return status;
}

static int export_with(const char *db, const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "credo export: cannot create folder %s: %s\n", dir, strerror(errno));
        return EXIT_STORE;
    }
    credo_error err = {0};
    credo_store *store = NULL;
    int64_t run_id = 0;
    credo_status status = cli_open_existing_store(db, &store, &err);
    if (status == CREDO_OK)
        status = credo_store_latest_run(store, &run_id, &err);
    for (int which = EXPORT_ASSIGNMENTS; which <= EXPORT_CREDIT && status == CREDO_OK; which++)
        status = export_one(store, run_id, dir, (export_file)which, &err);
    credo_store_close(store);
    if (status != CREDO_OK)
        return cli_fail("export", &err);
    printf("wrote assignments.csv, deals.csv and credit.csv of run %lld to %s\n", (long long)run_id, dir);
    return EXIT_OK;
}

int cmd_export(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'}, {"dir", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *dir = NULL;
    int option;
    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case 'd': db = optarg; break;
        case 'o': dir = optarg; break;
        case 'h': fputs(export_usage, stdout); return EXIT_OK;
        default: return cli_option_error("export", argv);
        }
    }
    if (db == NULL || dir == NULL)
        return cli_usage_error("export", "missing %s", db == NULL ? "--db DB" : "--dir DIR");
    if (optind != argc)
        return cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
    return export_with(db, dir);
}
