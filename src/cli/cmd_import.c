/* credo import: load the source files a mapping names into the store. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "progress.h"
#include "credo/import.h"

static const char import_usage[] =
    "Usage: credo import --db DB MAPPING [--json]\n"
    "\n"
    "Reads every source file that the mapping file MAPPING names (paths relative\n"
    "to the mapping) and stores reps, accounts, deals, deal teams, activities, deal\n"
    "history, quotas and registrations in DB, in one transaction: on any error\n"
    "nothing is stored. Names that cannot be matched to\n"
    "an ISO 3166 code are kept as written and listed with their rows.\n"
    "\n"
    "Options:\n"
    "  --db DB             the database file (SQLite), created when absent\n"
    "  --iso-codes DIR     folder of the iso-codes JSON files\n"
    "                      (default /usr/share/iso-codes/json)\n"
    "  --json              print the report as one JSON object\n"
    "  -h, --help          print this help\n";

/* Shows the rows read from each source file, as "credo import: FILE N rows". */
static void show_progress(void *ctx, const char *file, size_t rows_done, bool done)
{
    cli_progress_update(ctx, file, rows_done, done ? rows_done : 0, done);
}

static void print_lines(const credo_import_issue *issue, size_t limit)
{
    for (size_t l = 0; l < issue->line_count && l < limit; l++)
        printf("%s%lu", l == 0 ? "" : ", ", issue->lines[l]);
    if (issue->line_count > limit)
        printf(" and %zu more", issue->line_count - limit);
}

static void print_text(const char *db, const credo_import_report *report)
{
    printf("imported into %s (import %lld)\n", db, (long long)report->import_id);
    for (size_t i = 0; i < report->source_count; i++) {
        const credo_import_source_report *source = &report->sources[i];
        printf("  %-40s %-10s %8zu rows read, %8zu %s stored\n", source->file, source->entity,
               source->rows_read, source->rows_written, source->entity);
    }
    if (report->issue_count == 0)
        return;
    printf("values kept as written (%zu):\n", report->issue_count);
    for (size_t i = 0; i < report->issue_count; i++) {
        const credo_import_issue *issue = &report->issues[i];
        printf("  %s: %s '%s': %s; %zu row%s, line%s ", issue->file, issue->field, issue->value,
               issue->message, issue->line_count, issue->line_count == 1 ? "" : "s",
               issue->line_count == 1 ? "" : "s");
        print_lines(issue, 10);
        printf("\n");
    }
}

static void print_json(const credo_import_report *report)
{
    credo_buf out = CREDO_BUF_INIT;
    credo_buf_printf(&out, "{\"import_id\":%lld,\"sources\":[", (long long)report->import_id);
    for (size_t i = 0; i < report->source_count; i++) {
        const credo_import_source_report *source = &report->sources[i];
        credo_buf_puts(&out, i == 0 ? "{\"file\":" : ",{\"file\":");
        credo_buf_json_string(&out, source->file);
        credo_buf_puts(&out, ",\"entity\":");
        credo_buf_json_string(&out, source->entity);
        credo_buf_printf(&out, ",\"rows_read\":%zu,\"rows_written\":%zu}", source->rows_read, source->rows_written);
    }
    credo_buf_puts(&out, "],\"kept_as_written\":[");
    for (size_t i = 0; i < report->issue_count; i++) {
        const credo_import_issue *issue = &report->issues[i];
        credo_buf_puts(&out, i == 0 ? "{\"file\":" : ",{\"file\":");
        credo_buf_json_string(&out, issue->file);
        credo_buf_puts(&out, ",\"field\":");
        credo_buf_json_string(&out, issue->field);
        credo_buf_puts(&out, ",\"value\":");
        credo_buf_json_string(&out, issue->value);
        credo_buf_puts(&out, ",\"message\":");
        credo_buf_json_string(&out, issue->message);
        credo_buf_puts(&out, ",\"lines\":[");
        for (size_t l = 0; l < issue->line_count; l++)
            credo_buf_printf(&out, "%s%lu", l == 0 ? "" : ",", issue->lines[l]);
        credo_buf_puts(&out, "]}");
    }
    credo_buf_puts(&out, "]}\n");
    fputs(credo_buf_text(&out), stdout);
    credo_buf_free(&out);
}

int cmd_import(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'}, {"iso-codes", required_argument, NULL, 'i'},
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *iso_dir = NULL;
    bool json = false;
    int option;
    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (option) {
        case 'd': db = optarg; break;
        case 'i': iso_dir = optarg; break;
        case 'j': json = true; break;
        case 'h': fputs(import_usage, stdout); return EXIT_OK;
        default: return cli_option_error("import", argv);
        }
    }
    if (db == NULL)
        return cli_usage_error("import", "missing --db DB");
    if (optind + 1 != argc)
        return cli_usage_error("import", "expected one mapping file after the options");

    credo_error err = {0};
    credo_iso3166 *iso = NULL;
    credo_store *store = NULL;
    credo_import_report *report = NULL;
    cli_progress printer;
    const credo_progress *progress = cli_progress_start(&printer, "import");
    credo_status status = credo_iso3166_load(iso_dir, &iso, &err);
    if (status == CREDO_OK)
        status = credo_store_open(db, &store, &err);
    if (status == CREDO_OK)
        status = credo_import(store, argv[optind], iso, progress != NULL ? show_progress : NULL, &printer,
                              &report, &err);
    cli_progress_finish(&printer);

    int code = EXIT_OK;
    if (status != CREDO_OK)
        code = cli_fail("import", &err);
    else if (json)
        print_json(report);
    else
        print_text(db, report);
    credo_import_report_free(report);
    credo_store_close(store);
    credo_iso3166_free(iso);
    return code;
}
