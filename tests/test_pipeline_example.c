/* End-to-end test of `credo pipeline` on the CRM example (the Maven
 * Analytics sales opportunities): import through the example's mapping,
 * run the command with --json, and compare its counts with SQL run by
 * SQLite over the raw CSV files, which this test loads with its own reader
 * (split on commas: the files have no quoting).
 *
 * The SQL restates the documented rules independently: a deal exists from
 * its engage date (always, without one); a won or lost deal is closed from
 * its close date and open before it, in Engaging; an open deal without a
 * close value is priced at its product's list price, the names compared
 * without spaces and case; the Engaging limit is the 90th percentile by
 * nearest rank of the days won deals spent in Engaging by the date. */
#include "test_support.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXAMPLE_DIR CREDO_SOURCE_DIR "/examples/crm-pipeline"
#define MAX_FIELDS 16
#define MAX_SQL 4096

typedef struct example {
    char *dir;
    char *db_path;
    sqlite3 *db;
} example;

/* ---- Raw CSV into SQLite ---------------------------------------------- */

static size_t split_line(char *line, char **fields)
{
    size_t length = strlen(line);
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r'))
        line[--length] = '\0';
    size_t count = 0;
    fields[count++] = line;
    for (char *p = line; *p != '\0' && count < MAX_FIELDS; p++) {
        if (*p == ',') {
            *p = '\0';
            fields[count++] = p + 1;
        }
    }
    return count;
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK)
        fail_msg("SQL failed: %s\n%s", message, sql);
}

/* Loads data/NAME.csv into table NAME, every column as text, with the
 * header's column names. */
static void load_csv(sqlite3 *db, const char *name)
{
    char path[512], line[4096], sql[MAX_SQL];
    snprintf(path, sizeof path, "%s/data/%s.csv", EXAMPLE_DIR, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open %s", path);
    char *fields[MAX_FIELDS];
    if (fgets(line, sizeof line, file) == NULL)
        fail_msg("%s is empty", path);
    size_t columns = split_line(line, fields);

    int used = snprintf(sql, sizeof sql, "CREATE TABLE %s (", name);
    for (size_t i = 0; i < columns; i++)
        used += snprintf(sql + used, sizeof sql - (size_t)used, "%s%s TEXT", i == 0 ? "" : ", ", fields[i]);
    snprintf(sql + used, sizeof sql - (size_t)used, ")");
    exec_sql(db, sql);
    used = snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (", name);
    for (size_t i = 0; i < columns; i++)
        used += snprintf(sql + used, sizeof sql - (size_t)used, "%s?", i == 0 ? "" : ", ");
    snprintf(sql + used, sizeof sql - (size_t)used, ")");

    sqlite3_stmt *insert = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &insert, NULL), SQLITE_OK);
    while (fgets(line, sizeof line, file) != NULL) {
        if (split_line(line, fields) != columns)
            fail_msg("%s: a row has not %zu fields", path, columns);
        for (size_t i = 0; i < columns; i++)
            sqlite3_bind_text(insert, (int)i + 1, fields[i], -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(insert), SQLITE_DONE);
        sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    fclose(file);
}

/* Returns the integer of a one-value query. */
static long long sql_integer(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
        fail_msg("SQL failed: %s\n%s", sqlite3_errmsg(db), sql);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    long long value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
}

/* The deals as the documented rules see them on :as_of, as a view:
 * exists, open, stage and amount in cents. */
static void create_state_view(sqlite3 *db, const char *as_of)
{
    char sql[MAX_SQL];
    exec_sql(db, "DROP VIEW IF EXISTS state");
    snprintf(sql, sizeof sql,
             "CREATE VIEW state AS SELECT p.*, t.manager, t.regional_office,"
             " (p.deal_stage IN ('Won', 'Lost') AND p.close_date <= '%s') AS closed,"
             " CASE WHEN p.deal_stage IN ('Won', 'Lost') AND p.close_date > '%s' THEN 'Engaging'"
             "      ELSE p.deal_stage END AS stage_then,"
             " CASE WHEN p.close_value <> '' AND CAST(p.close_value AS INTEGER) > 0"
             "      THEN CAST(p.close_value AS INTEGER) * 100"
             "      ELSE (SELECT CAST(sales_price AS INTEGER) * 100 FROM products"
             "            WHERE lower(replace(products.product, ' ', '')) = lower(replace(p.product, ' ', '')))"
             " END AS open_cents"
             " FROM sales_pipeline p JOIN sales_teams t ON t.sales_agent = p.sales_agent"
             " WHERE p.engage_date = '' OR p.engage_date <= '%s'",
             as_of, as_of, as_of);
    exec_sql(db, sql);
}

/* The Engaging limit on as_of: nearest rank ceil(90 N / 100) of the days
 * from engage to close of the deals won by then. */
static long long engaging_limit(sqlite3 *db, const char *as_of)
{
    char sql[MAX_SQL];
    snprintf(sql, sizeof sql,
             "WITH won AS (SELECT CAST(julianday(close_date) - julianday(engage_date) AS INTEGER) AS days"
             "  FROM sales_pipeline WHERE deal_stage = 'Won' AND close_date <= '%s')"
             " SELECT days FROM won ORDER BY days"
             " LIMIT 1 OFFSET (SELECT (90 * COUNT(*) + 99) / 100 - 1 FROM won)",
             as_of);
    return sql_integer(db, sql);
}

/* ---- The command ------------------------------------------------------ */

static json_t *run_json(const example *e, const char *as_of)
{
    char command[2048];
    snprintf(command, sizeof command, "'%s' pipeline --db '%s' --policy '%s/policy.yaml' --as-of %s --json",
             CREDO_BINARY, e->db_path, EXAMPLE_DIR, as_of);
    char *output = NULL;
    int status = test_run(command, 0, &output);
    if (status != 0)
        fail_msg("credo pipeline exited with %d: %s", status, output);
    json_error_t error;
    json_t *root = json_loads(output, 0, &error);
    if (root == NULL)
        fail_msg("invalid JSON at line %d: %s", error.line, error.text);
    free(output);
    return root;
}

static int setup_example(void **state)
{
    example *e = calloc(1, sizeof *e);
    e->dir = test_make_tempdir("pipeline-example");
    e->db_path = test_path_join(e->dir, "crm.db");
    char command[2048], *output = NULL;
    snprintf(command, sizeof command, "'%s' import --db '%s' '%s/mapping.yaml'", CREDO_BINARY, e->db_path,
             EXAMPLE_DIR);
    if (test_run(command, 1, &output) != 0)
        fail_msg("import failed: %s", output);
    free(output);

    assert_int_equal(sqlite3_open(":memory:", &e->db), SQLITE_OK);
    load_csv(e->db, "sales_pipeline");
    load_csv(e->db, "sales_teams");
    load_csv(e->db, "products");
    *state = e;
    return 0;
}

static int teardown_example(void **state)
{
    example *e = *state;
    sqlite3_close(e->db);
    free(e->db_path);
    free(e->dir);
    free(e);
    return 0;
}

/* ---- Checks ----------------------------------------------------------- */

static long long json_integer_at(json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    if (!json_is_integer(value))
        fail_msg("JSON key %s is not an integer", key);
    return json_integer_value(value);
}

static void check_stage_counts(sqlite3 *db, json_t *root)
{
    json_t *stages = json_object_get(root, "deals_by_stage");
    const char *stage;
    json_t *count;
    long long total = 0;
    json_object_foreach(stages, stage, count) {
        char sql[MAX_SQL];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM state WHERE stage_then = '%s'", stage);
        assert_int_equal(json_integer_value(count), sql_integer(db, sql));
        total += json_integer_value(count);
    }
    assert_int_equal(total, sql_integer(db, "SELECT COUNT(*) FROM state"));
    assert_int_equal(json_integer_at(root, "deals"), total);
}

static void check_open_pipeline(sqlite3 *db, json_t *root)
{
    assert_int_equal(json_integer_at(root, "open_deals"), sql_integer(db, "SELECT COUNT(*) FROM state WHERE NOT closed"));
    assert_int_equal(json_integer_at(root, "open_amount_minor"),
                     sql_integer(db, "SELECT SUM(open_cents) FROM state WHERE NOT closed"));
    assert_int_equal(json_integer_at(root, "deals_without_account"),
                     sql_integer(db, "SELECT COUNT(*) FROM state WHERE account = ''"));
}

/* Every territory and manager row against SQL; returns the rows checked. */
static size_t check_rollup(sqlite3 *db, json_t *root)
{
    json_t *rows = json_object_get(root, "rollup");
    size_t index, checked = 0;
    json_t *row;
    json_array_foreach(rows, index, row) {
        const char *by = json_string_value(json_object_get(row, "by"));
        const char *kind = json_string_value(json_object_get(row, "kind"));
        const char *id = json_string_value(json_object_get(row, "id"));
        char where[512], sql[MAX_SQL];
        if (strcmp(kind, "territory") == 0 && strcmp(id, "all_offices") == 0)
            snprintf(where, sizeof where, "1");
        else if (strcmp(by, "territory") == 0)
            snprintf(where, sizeof where, "regional_office = '%s'", id);
        else if (strcmp(kind, "manager") == 0)
            snprintf(where, sizeof where, "manager = '%s'", id);
        else
            snprintf(where, sizeof where, "sales_agent = '%s'", id);
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM state WHERE NOT closed AND %s", where);
        assert_int_equal(json_integer_at(row, "open_deals"), sql_integer(db, sql));
        snprintf(sql, sizeof sql, "SELECT COALESCE(SUM(open_cents), 0) FROM state WHERE NOT closed AND %s", where);
        assert_int_equal(json_integer_at(row, "open_amount_minor"), sql_integer(db, sql));
        checked++;
    }
    return checked;
}

/* Flags of days_in_stage: open Engaging deals (engage date known) more
 * than the limit days in; the set of deal ids must match. */
static void check_stalled(sqlite3 *db, json_t *root, const char *as_of)
{
    long long limit = engaging_limit(db, as_of);
    json_t *stalled = json_object_get(root, "stalled");
    char sql[MAX_SQL];
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE expected AS SELECT opportunity_id FROM state WHERE NOT closed"
             " AND stage_then = 'Engaging' AND engage_date <> ''"
             " AND CAST(julianday('%s') - julianday(engage_date) AS INTEGER) > %lld",
             as_of, limit);
    exec_sql(db, "DROP TABLE IF EXISTS expected");
    exec_sql(db, sql);
    exec_sql(db, "DROP TABLE IF EXISTS flagged; CREATE TEMP TABLE flagged (id TEXT, rule TEXT, lim INTEGER)");

    sqlite3_stmt *insert = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO flagged VALUES (?, ?, ?)", -1, &insert, NULL), SQLITE_OK);
    size_t index;
    json_t *flag;
    json_array_foreach(stalled, index, flag) {
        sqlite3_bind_text(insert, 1, json_string_value(json_object_get(flag, "deal_id")), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 2, json_string_value(json_object_get(flag, "rule")), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(insert, 3, json_integer_at(flag, "limit"));
        assert_int_equal(sqlite3_step(insert), SQLITE_DONE);
        sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);

    long long expected = sql_integer(db, "SELECT COUNT(*) FROM expected");
    assert_true(expected > 0);
    assert_int_equal(sql_integer(db, "SELECT COUNT(*) FROM flagged WHERE rule = 'days_in_stage'"), expected);
    assert_int_equal(sql_integer(db, "SELECT COUNT(*) FROM flagged WHERE rule <> 'days_in_stage'"), 0);
    assert_int_equal(sql_integer(db, "SELECT COUNT(*) FROM expected WHERE opportunity_id NOT IN "
                                     "(SELECT id FROM flagged)"),
                     0);
    char check[MAX_SQL];
    snprintf(check, sizeof check, "SELECT COUNT(*) FROM flagged WHERE lim <> %lld", limit);
    assert_int_equal(sql_integer(db, check), 0);
}

static void example_year_end(void **state)
{
    example *e = *state;
    json_t *root = run_json(e, "2017-12-31");
    create_state_view(e->db, "2017-12-31");

    check_stage_counts(e->db, root);
    check_open_pipeline(e->db, root);
    assert_int_equal(check_rollup(e->db, root), 4 + 6 + 30);
    check_stalled(e->db, root, "2017-12-31");
    json_decref(root);
}

/* As of 2017-06-30, deals closed later are open in Engaging with their
 * close value (or list price when lost with 0), and the limit uses only
 * the deals won by then. */
static void example_mid_year(void **state)
{
    example *e = *state;
    json_t *root = run_json(e, "2017-06-30");
    create_state_view(e->db, "2017-06-30");

    check_stage_counts(e->db, root);
    check_open_pipeline(e->db, root);
    check_rollup(e->db, root);
    check_stalled(e->db, root, "2017-06-30");
    assert_true(engaging_limit(e->db, "2017-06-30") != engaging_limit(e->db, "2017-12-31"));
    json_decref(root);
}

/* The text report states the folded product match, the derivation of the
 * stage history and the deals without an account. */
static void example_text_report(void **state)
{
    example *e = *state;
    char command[2048], *output = NULL;
    snprintf(command, sizeof command, "'%s' pipeline --db '%s' --policy '%s/policy.yaml' --as-of 2017-12-31",
             CREDO_BINARY, e->db_path, EXAMPLE_DIR);
    assert_int_equal(test_run(command, 0, &output), 0);

    const char *parts[] = {
        "FLAGGED DEALS",
        "PIPELINE BY TERRITORY",
        "PIPELINE BY MANAGER",
        "LOGGING LATENCY",
        "the list price of 'GTX Pro': the names match only when spaces and case are ignored",
        "no history rows were imported, so it is derived",
        "those without history were in Engaging from the day they were logged",
        "500 deals have no logged date",
        "DEALS WITHOUT AN ACCOUNT (1,425",
        "90th percentile (nearest rank)",
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (strstr(output, parts[i]) == NULL)
            fail_msg("the report lacks \"%s\"", parts[i]);
    }
    assert_true(strstr(output, "FLAGGED DEALS") < strstr(output, "PIPELINE BY TERRITORY"));
    assert_true(strstr(output, "PIPELINE BY MANAGER") < strstr(output, "LOGGING LATENCY"));
    free(output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_year_end),
        cmocka_unit_test(example_mid_year),
        cmocka_unit_test(example_text_report),
    };
    return cmocka_run_group_tests(tests, setup_example, teardown_example);
}
