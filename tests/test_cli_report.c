/* The text report of `credo run` on the AdventureWorks example: --limit
 * caps each list and counts the rest, checked against the stored results
 * read with SQLite directly. */
#include "test_support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXAMPLE_DIR CREDO_SOURCE_DIR "/examples/adventureworks"

typedef struct report_fixture {
    char *dir;
    char *db;
} report_fixture;

static int fixture_setup(void **state)
{
    report_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = test_make_tempdir("report");
    f->db = test_path_join(f->dir, "store.db");
    char command[8192];
    snprintf(command, sizeof command, "%s import --db %s %s/mapping.yaml >/dev/null", CREDO_BINARY, f->db,
             EXAMPLE_DIR);
    assert_int_equal(test_run(command, 1, NULL), 0);
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    report_fixture *f = *state;
    free(f->db);
    free(f->dir);
    free(f);
    return 0;
}

static char *run_report(const report_fixture *f, const char *options, int expected_code)
{
    char command[8192];
    char *output = NULL;
    snprintf(command, sizeof command, "%s run --db %s --policy %s/policy.yaml --as-of 2020-06-30 %s", CREDO_BINARY,
             f->db, EXAMPLE_DIR, options);
    assert_int_equal(test_run(command, 1, &output), expected_code);
    return output;
}

static long count_stored(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *statement = NULL;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &statement, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    long count = (long)sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return count;
}

/* Lines of the out-of-territory table: those that start with "  SO". */
static size_t deal_lines(const char *report)
{
    size_t count = 0;
    for (const char *line = report; line != NULL; line = strchr(line, '\n')) {
        line += *line == '\n';
        count += strncmp(line, "  SO", 4) == 0;
    }
    return count;
}

static void limit_caps_lists_and_counts_rest(void **state)
{
    report_fixture *f = *state;
    char *report = run_report(f, "--limit 3", 0);
    long out_of_territory =
        count_stored(f->db, "SELECT count(*) FROM run_deals WHERE run_id = 1 AND status = 'out_of_territory'");
    assert_true(out_of_territory > 3);

    assert_int_equal(deal_lines(report), 3);
    char expected[128];
    snprintf(expected, sizeof expected, "  ... and %ld more (--limit 0 lists all;", out_of_territory - 3);
    assert_non_null(strstr(report, expected));
    free(report);
}

static void limit_zero_lists_all(void **state)
{
    report_fixture *f = *state;
    char *report = run_report(f, "--limit 0", 0);
    long out_of_territory =
        count_stored(f->db, "SELECT count(*) FROM run_deals WHERE run_id = 1 AND status = 'out_of_territory'");
    assert_int_equal(deal_lines(report), (size_t)out_of_territory);
    assert_null(strstr(report, "... and "));
    free(report);
}

static void limit_rejects_non_numbers(void **state)
{
    report_fixture *f = *state;
    char *report = run_report(f, "--limit -1", 2);
    assert_non_null(strstr(report, "invalid --limit '-1'"));
    free(report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(limit_caps_lists_and_counts_rest, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(limit_zero_lists_all, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(limit_rejects_non_numbers, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
