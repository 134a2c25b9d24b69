/* Bad input through the credo command: each error names the place and the
 * fix, exits with code 3, and leaves the store exactly as it was. The store
 * is compared by dumping every table with SQLite directly. */
#include "test_support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXAMPLE_DIR CREDO_SOURCE_DIR "/examples/adventureworks"

/* Appends every row of every table, in primary key order, to a string. */
static char *dump_store(const char *db_path)
{
    static const char *const queries[] = {
        "SELECT * FROM reps ORDER BY 1", "SELECT * FROM accounts ORDER BY 1",
        "SELECT * FROM account_attributes ORDER BY 1, 2", "SELECT * FROM deals ORDER BY 1",
        "SELECT * FROM deal_team ORDER BY 1, 2, 3", "SELECT * FROM imports ORDER BY 1",
        "SELECT * FROM import_issues ORDER BY 1, 2, 3, 4", "SELECT * FROM runs ORDER BY 1",
        "SELECT * FROM run_assignments ORDER BY 1, 2", "SELECT * FROM run_deals ORDER BY 1, 2",
        "SELECT * FROM run_credit ORDER BY 1, 2, 3, 4",
    };
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);

    size_t capacity = 1 << 20, used = 0;
    char *dump = malloc(capacity);
    assert_non_null(dump);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        sqlite3_stmt *statement = NULL;
        if (sqlite3_prepare_v2(db, queries[q], -1, &statement, NULL) != SQLITE_OK)
            fail_msg("%s: %s", queries[q], sqlite3_errmsg(db));
        while (sqlite3_step(statement) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(statement); c++) {
                const unsigned char *text = sqlite3_column_text(statement, c);
                size_t length = text == NULL ? 4 : strlen((const char *)text);
                while (used + length + 2 >= capacity)
                    dump = realloc(dump, capacity *= 2);
                assert_non_null(dump);
                memcpy(dump + used, text == NULL ? "NULL" : (const char *)text, length);
                used += length;
                dump[used++] = c + 1 < sqlite3_column_count(statement) ? '|' : '\n';
            }
        }
        sqlite3_finalize(statement);
    }
    sqlite3_close(db);
    dump[used] = '\0';
    return dump;
}

/* A copy of the example in a temporary folder, imported and run once. */
typedef struct example_copy {
    char *dir;
    char *db;
    char *before; /* the store's dump after the good import and run */
} example_copy;

static void copy_example(example_copy *copy)
{
    static const char *const files[] = {
        "data/Salesperson.csv", "data/Reseller.csv", "data/Sales.csv", "mapping.yaml", "policy.yaml",
    };
    copy->dir = test_make_tempdir("errors");
    char path[4096], from[4096], command[8192];
    snprintf(path, sizeof path, "%s/data", copy->dir);
    assert_int_equal(mkdir(path, 0777), 0);
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        snprintf(from, sizeof from, "%s/%s", EXAMPLE_DIR, files[f]);
        snprintf(path, sizeof path, "%s/%s", copy->dir, files[f]);
        test_copy_file(from, path);
    }
    copy->db = test_path_join(copy->dir, "store.db");
    snprintf(command, sizeof command, "%s import --db %s %s/mapping.yaml && %s run --db %s --policy %s/policy.yaml "
             "--as-of 2020-06-30", CREDO_BINARY, copy->db, copy->dir, CREDO_BINARY, copy->db, copy->dir);
    assert_int_equal(test_run(command, 1, NULL), 0);
    copy->before = dump_store(copy->db);
}

static void assert_store_unchanged(const example_copy *copy)
{
    char *after = dump_store(copy->db);
    assert_string_equal(after, copy->before);
    free(after);
}

static void free_copy(example_copy *copy)
{
    free(copy->dir);
    free(copy->db);
    free(copy->before);
}

/* Appends text to a file of the copy. */
static void append_to(const example_copy *copy, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", copy->dir, name);
    FILE *file = fopen(path, "ab");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

/* Replaces the first occurrence of `from` by `to` in a file of the copy. */
static void edit_file(const example_copy *copy, const char *name, const char *from, const char *to)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", copy->dir, name);
    char *text = test_read_file(path, NULL);
    char *found = strstr(text, from);
    assert_non_null(found);
    *found = '\0';
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fprintf(file, "%s%s%s", text, to, found + strlen(from));
    fclose(file);
    free(text);
}

static size_t count_lines(const char *path)
{
    char *text = test_read_file(path, NULL);
    size_t lines = 1;
    for (const char *p = text; *p != '\0'; p++)
        lines += *p == '\n';
    free(text);
    return lines;
}

static int import_copy(const example_copy *copy, char **output)
{
    char command[8192];
    snprintf(command, sizeof command, "%s import --db %s %s/mapping.yaml", CREDO_BINARY, copy->db, copy->dir);
    return test_run(command, 1, output);
}

static void malformed_csv_row_rolls_back(void **state)
{
    (void)state;
    example_copy copy;
    copy_example(&copy);
    char path[4096];
    snprintf(path, sizeof path, "%s/data/Sales.csv", copy.dir);
    size_t last_line = count_lines(path);

    /* A new valid order first, so that a partial import would show, then a
     * row with a quote inside an unquoted field. */
    static const char bad_row[] = "SO99999|2020/06/01|235|312|282|4|1|10.0\"0|10.00|5.00";
    size_t quote_column = (size_t)(strchr(bad_row, '"') - bad_row) + 1;
    append_to(&copy, "data/Sales.csv", "\r\nSO99998|2020/06/01|235|312|282|4|1|10.00|10.00|5.00\r\n");
    append_to(&copy, "data/Sales.csv", bad_row);
    char *output = NULL;
    assert_int_equal(import_copy(&copy, &output), 3);
    char expected[128];
    snprintf(expected, sizeof expected, "Sales.csv:%zu:", last_line + 2);
    if (strstr(output, expected) == NULL)
        fail_msg("expected '%s' in: %s", expected, output);
    snprintf(expected, sizeof expected, "Sales.csv:%zu:%zu:", last_line + 2, quote_column);
    if (strstr(output, expected) == NULL)
        fail_msg("expected the column of the quote, '%s', in: %s", expected, output);
    assert_store_unchanged(&copy);
    free(output);
    free_copy(&copy);
}

static void unknown_mapping_column_rolls_back(void **state)
{
    (void)state;
    example_copy copy;
    copy_example(&copy);
    edit_file(&copy, "mapping.yaml", "name: Reseller\n", "name: Resellr\n");

    char *output = NULL;
    assert_int_equal(import_copy(&copy, &output), 3);
    /* "name: Resellr" is on line 21 of the mapping, the value at column 13. */
    assert_non_null(strstr(output, "mapping.yaml:21:13:"));
    assert_non_null(strstr(output, "'Resellr'"));
    assert_non_null(strstr(output, "did you mean 'Reseller'"));
    assert_store_unchanged(&copy);
    free(output);
    free_copy(&copy);
}

static void invalid_date_names_row_and_field(void **state)
{
    (void)state;
    example_copy copy;
    copy_example(&copy);
    char path[4096];
    snprintf(path, sizeof path, "%s/data/Sales.csv", copy.dir);
    size_t last_line = count_lines(path);
    append_to(&copy, "data/Sales.csv", "\r\nSO99999|2020/02/30|235|312|282|4|1|10.00|10.00|5.00");

    char *output = NULL;
    assert_int_equal(import_copy(&copy, &output), 3);
    char expected[128];
    snprintf(expected, sizeof expected, "Sales.csv:%zu: field created", last_line + 1);
    if (strstr(output, expected) == NULL)
        fail_msg("expected '%s' in: %s", expected, output);
    assert_non_null(strstr(output, "2020/02/30"));
    assert_store_unchanged(&copy);
    free(output);
    free_copy(&copy);
}

static void short_row_names_line(void **state)
{
    (void)state;
    example_copy copy;
    copy_example(&copy);
    char path[4096];
    snprintf(path, sizeof path, "%s/data/Reseller.csv", copy.dir);
    size_t last_line = count_lines(path);
    append_to(&copy, "data/Reseller.csv", "\r\n999|Specialty Bike Shop|Short Row");

    char *output = NULL;
    assert_int_equal(import_copy(&copy, &output), 3);
    char expected[128];
    snprintf(expected, sizeof expected, "Reseller.csv:%zu: the row has 3 fields but the header has 6",
             last_line + 1);
    if (strstr(output, expected) == NULL)
        fail_msg("expected '%s' in: %s", expected, output);
    assert_store_unchanged(&copy);
    free(output);
    free_copy(&copy);
}

static void policy_syntax_error_rolls_back(void **state)
{
    (void)state;
    example_copy copy;
    copy_example(&copy);
    /* The first match rule is on line 20 of the generated policy, indented
     * by six spaces; '=' without a value fails at the word after it. */
    edit_file(&copy, "policy.yaml", "country in (\"AS\") or", "country = or");

    char command[8192];
    char *output = NULL;
    snprintf(command, sizeof command, "%s run --db %s --policy %s/policy.yaml --as-of 2020-06-30",
             CREDO_BINARY, copy.db, copy.dir);
    assert_int_equal(test_run(command, 1, &output), 3);
    if (strstr(output, "policy.yaml:20:17:") == NULL)
        fail_msg("expected 'policy.yaml:20:17:' in: %s", output);
    assert_store_unchanged(&copy);
    free(output);

    snprintf(command, sizeof command, "%s check --policy %s/policy.yaml", CREDO_BINARY, copy.dir);
    assert_int_equal(test_run(command, 1, &output), 3);
    assert_non_null(strstr(output, "policy.yaml:20:17:"));
    free(output);
    free_copy(&copy);
}

static void missing_database_not_created(void **state)
{
    (void)state;
    /* Each command, with the database path placed after it. */
    static const char *const commands[] = {
        "explain deal SO43659 --db", "export --dir /tmp/credo-never-written --db", "diff --db",
        "conflicts --db", "audit verify --db", "run --policy " EXAMPLE_DIR "/policy.yaml --db",
    };
    char *dir = test_make_tempdir("missing-db");
    char *db = test_path_join(dir, "mistyped.db");
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        char command[8192];
        char *output = NULL;
        snprintf(command, sizeof command, "%s %s %s", CREDO_BINARY, commands[c], db);
        int code = test_run(command, 1, &output);
        if (code != 3 || strstr(output, "not found") == NULL)
            fail_msg("'%s' exited %d: %s", commands[c], code, output);
        if (access(db, F_OK) == 0)
            fail_msg("'%s' created %s", commands[c], db);
        free(output);
    }
    free(db);
    free(dir);
}

static void run_empty_store_suggests_import(void **state)
{
    (void)state;
    char *dir = test_make_tempdir("empty-db");
    char *db = test_path_join(dir, "empty.db");
    test_write_file(db, ""); /* an existing, empty file: credo creates its tables in it */
    char command[8192];
    char *output = NULL;
    snprintf(command, sizeof command, "%s run --db %s --policy %s/policy.yaml", CREDO_BINARY, db, EXAMPLE_DIR);
    assert_int_equal(test_run(command, 1, &output), 3);
    assert_non_null(strstr(output, "has no accounts; import them first with 'credo import --db "));
    free(output);
    free(db);
    free(dir);
}

static void invalid_options_named_once(void **state)
{
    (void)state;
    static const struct {
        const char *arguments, *expected;
    } cases[] = {
        {"run --frobnicate", "credo run: invalid option '--frobnicate'\nRun 'credo run --help' for the options.\n"},
        {"run --db", "credo run: option '--db' needs a value\nRun 'credo run --help' for the options.\n"},
        {"run --json=1", "credo run: option '--json' takes no value\nRun 'credo run --help' for the options.\n"},
        {"check -x", "credo check: invalid option '-x'\nRun 'credo check --help' for the options.\n"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char command[1024];
        char *output = NULL;
        snprintf(command, sizeof command, "%s %s", CREDO_BINARY, cases[c].arguments);
        assert_int_equal(test_run(command, 1, &output), 2);
        assert_string_equal(output, cases[c].expected);
        free(output);
    }
}

static void check_counts_errors_and_warnings(void **state)
{
    (void)state;
    /* check.yaml has two errors (overlapping single-role members, an
     * account both named and excluded) and three warnings (a != test, a
     * not in test under not, a territory without a selling member). */
    char command[4096];
    char *output = NULL;
    snprintf(command, sizeof command, "%s check --policy %s/policy/check.yaml", CREDO_BINARY, CREDO_TEST_DATA);
    assert_int_equal(test_run(command, 0, &output), 1);
    char *last = strrchr(output, ':');
    assert_non_null(last);
    assert_string_equal(last, ": 4 territories, 2 errors, 3 warnings\n");
    free(output);
}

static void total_overflow_fails_run(void **state)
{
    (void)state;
    example_copy copy;
    copy_example(&copy);
    /* Two orders of 50,000,000,000,000,000.00 each: 10^19 minor units in
     * total, beyond INT64_MAX (about 9.2 * 10^18). */
    append_to(&copy, "data/Sales.csv", "\r\nSO99998|2020/06/01|235|312|282|4|1|1|50000000000000000.00|1"
                                        "\r\nSO99999|2020/06/01|235|312|282|4|1|1|50000000000000000.00|1");
    char *output = NULL;
    assert_int_equal(import_copy(&copy, &output), 0);
    free(output);
    char *imported = dump_store(copy.db);

    char command[8192];
    snprintf(command, sizeof command, "%s run --db %s --policy %s/policy.yaml --as-of 2020-06-30",
             CREDO_BINARY, copy.db, copy.dir);
    assert_int_equal(test_run(command, 1, &output), 3);
    if (strstr(output, "add up to more than 9223372036854775807 minor units") == NULL)
        fail_msg("expected the overflow to be named: %s", output);
    char *after = dump_store(copy.db);
    assert_string_equal(after, imported);
    free(after);
    free(imported);
    free(output);
    free_copy(&copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_csv_row_rolls_back),
        cmocka_unit_test(unknown_mapping_column_rolls_back),
        cmocka_unit_test(invalid_date_names_row_and_field),
        cmocka_unit_test(short_row_names_line),
        cmocka_unit_test(policy_syntax_error_rolls_back),
        cmocka_unit_test(missing_database_not_created),
        cmocka_unit_test(run_empty_store_suggests_import),
        cmocka_unit_test(invalid_options_named_once),
        cmocka_unit_test(check_counts_errors_and_warnings),
        cmocka_unit_test(total_overflow_fails_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
