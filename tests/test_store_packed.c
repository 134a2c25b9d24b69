/* Tests of the packed run results: round trip, in-place update of listed
 * rows, the stored byte layout read with SQLite directly, and the argument
 * checks. Assignments are built by hand so that every expected value is
 * known without the engine. */
#include "test_support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/engine.h"
#include "credo/policy.h"
#include "credo/store.h"

/* Enough territories that an index needs two bytes (258 = 0x0102). */
#define TERRITORY_COUNT 300

/* Rows of the generated assignments. */
#define ROW_COUNT 1000

typedef struct fixture {
    char *db;
    credo_store *store;
    credo_policy *policy;
} fixture;

/* An assignment whose arrays the test owns. */
typedef struct owned_assignment {
    credo_assignment assignment;
    uint8_t status[ROW_COUNT];
    uint32_t territory[ROW_COUNT];
} owned_assignment;

static char *policy_text(void)
{
    size_t size = 128 + TERRITORY_COUNT * 64;
    char *text = malloc(size);
    assert_non_null(text);
    int used = snprintf(text, size, "credo_policy: 1\ntypes: [{id: geo, priority: 1}]\nterritories:\n");
    for (int t = 0; t < TERRITORY_COUNT; t++)
        used += snprintf(text + used, size - (size_t)used, "  - {id: t%d, type: geo, match: 'region = \"R%d\"'}\n",
                         t, t);
    return text;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    credo_error err = {0};
    char *dir = test_make_tempdir("store-packed");
    f->db = test_path_join(dir, "credo.db");
    free(dir);
    assert_int_equal(credo_store_open(f->db, &f->store, &err), CREDO_OK);
    char *text = policy_text();
    assert_int_equal(credo_policy_parse(text, strlen(text), "packed.yaml", &f->policy, &err), CREDO_OK);
    free(text);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    credo_policy_free(f->policy);
    credo_store_close(f->store);
    free(f->db);
    free(f);
    return 0;
}

/* Entry `row` of pattern `seed`: a gap every 7th row, an overlap every
 * 11th, else assigned to a territory that walks all 300 indexes. */
static void pattern_entry(uint32_t seed, size_t row, uint8_t *status, uint32_t *territory)
{
    size_t key = row + seed;
    if (key % 7 == 0) {
        *status = CREDO_ACCOUNT_GAP;
        *territory = CREDO_NO_ROW;
    } else if (key % 11 == 0) {
        *status = CREDO_ACCOUNT_OVERLAP;
        *territory = CREDO_NO_ROW;
    } else {
        *status = CREDO_ACCOUNT_ASSIGNED;
        *territory = (uint32_t)((key * 37) % TERRITORY_COUNT);
    }
}

static void fill_pattern(owned_assignment *a, uint32_t seed, size_t count)
{
    memset(a, 0, sizeof *a);
    a->assignment.count = count;
    a->assignment.status = a->status;
    a->assignment.territory = a->territory;
    for (size_t row = 0; row < count; row++)
        pattern_entry(seed, row, &a->status[row], &a->territory[row]);
}

static int64_t add_run(fixture *f)
{
    credo_error err = {0};
    int64_t run_id = 0;
    const credo_run_record record = {"2026-01-01", "packed.yaml", "", "{}"};
    assert_int_equal(credo_store_add_run(f->store, &record, &run_id, &err), CREDO_OK);
    return run_id;
}

/* Stores a in a new run in its own transaction and returns the run id. */
static int64_t store_run(fixture *f, const owned_assignment *a)
{
    credo_error err = {0};
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    int64_t run_id = add_run(f);
    assert_int_equal(credo_store_put_assignment_packed(f->store, run_id, &a->assignment, f->policy, NULL, &err),
                     CREDO_OK);
    assert_int_equal(credo_store_commit(f->store, &err), CREDO_OK);
    return run_id;
}

/* Runs sql on a separate connection and returns the first column of its
 * first row as new text, or NULL for SQL NULL. */
static char *raw_text(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    const unsigned char *value = sqlite3_column_text(stmt, 0);
    char *copy = value == NULL ? NULL : strdup((const char *)value);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return copy;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void expect_raw(const char *path, const char *sql, const char *expected)
{
    char *actual = raw_text(path, sql);
    if (expected == NULL)
        assert_null(actual);
    else
        assert_string_equal(actual, expected);
    free(actual);
}

static void expect_read(fixture *f, int64_t run_id, const owned_assignment *expected)
{
    credo_error err = {0};
    uint8_t *status = NULL;
    uint32_t *territory = NULL;
    size_t count = 0;
    assert_int_equal(credo_store_read_assignment_packed(f->store, run_id, &status, &territory, &count, &err),
                     CREDO_OK);
    assert_int_equal(count, expected->assignment.count);
    for (size_t row = 0; row < count; row++) {
        assert_int_equal(status[row], expected->status[row]);
        assert_int_equal(territory[row], expected->territory[row]);
    }
    credo_store_packed_free(status, territory);
}

static void packed_schema_version(void **state)
{
    fixture *f = *state;
    expect_raw(f->db, "PRAGMA user_version", "4");
    expect_raw(f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'run_assignment_packed'", "1");
}

static void packed_round_trip(void **state)
{
    fixture *f = *state;
    owned_assignment a;
    fill_pattern(&a, 0, ROW_COUNT);
    int64_t run_id = store_run(f, &a);
    owned_assignment expected;
    fill_pattern(&expected, 0, ROW_COUNT);
    expect_read(f, run_id, &expected);
}

/* Row 0 assigned to territory 258, row 1 an overlap, row 2 a gap:
 * status byte, then the index little-endian, FFFFFFFF for none. */
static void packed_byte_layout(void **state)
{
    fixture *f = *state;
    owned_assignment a;
    fill_pattern(&a, 0, 3);
    a.status[0] = CREDO_ACCOUNT_ASSIGNED;
    a.territory[0] = 258;
    a.status[1] = CREDO_ACCOUNT_OVERLAP;
    a.territory[1] = CREDO_NO_ROW;
    a.status[2] = CREDO_ACCOUNT_GAP;
    a.territory[2] = CREDO_NO_ROW;
    int64_t run_id = store_run(f, &a);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT hex(packed) FROM run_assignment_packed WHERE run_id = %lld", (long long)run_id);
    expect_raw(f->db, sql, "0002010000" "01FFFFFFFF" "02FFFFFFFF");
    snprintf(sql, sizeof sql, "SELECT row_count FROM run_assignment_packed WHERE run_id = %lld", (long long)run_id);
    expect_raw(f->db, sql, "3");
    snprintf(sql, sizeof sql, "SELECT account_ids_sha256 FROM run_assignment_packed WHERE run_id = %lld",
             (long long)run_id);
    expect_raw(f->db, sql, NULL);
}

/* The territory list contains "t0" to "t299", one per line, no final newline. */
static void packed_territory_ids(void **state)
{
    fixture *f = *state;
    owned_assignment a;
    fill_pattern(&a, 0, 1);
    int64_t run_id = store_run(f, &a);
    char expected[TERRITORY_COUNT * 8] = "";
    size_t used = 0;
    for (int t = 0; t < TERRITORY_COUNT; t++)
        used += (size_t)snprintf(expected + used, sizeof expected - used, t == 0 ? "t%d" : "\nt%d", t);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT territory_ids FROM run_assignment_packed WHERE run_id = %lld",
             (long long)run_id);
    expect_raw(f->db, sql, expected);
}

/* Rows changed at scattered places (the first, a consecutive run, single
 * rows, the last): the updated run must equal, byte for byte, a run
 * written whole from the changed assignment. */
static void packed_update_equals_rewrite(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    owned_assignment before, after;
    fill_pattern(&before, 0, ROW_COUNT);
    int64_t updated_run = store_run(f, &before);
    fill_pattern(&after, 0, ROW_COUNT);
    static const uint32_t rows[] = {0, 17, 18, 19, 20, 500, 333, 998, 999};
    const size_t count = sizeof rows / sizeof rows[0];
    for (size_t i = 0; i < count; i++)
        pattern_entry(5, rows[i], &after.status[rows[i]], &after.territory[rows[i]]);
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    assert_int_equal(credo_store_update_assignment_packed(f->store, updated_run, &after.assignment, rows, count, &err),
                     CREDO_OK);
    assert_int_equal(credo_store_commit(f->store, &err), CREDO_OK);
    int64_t rewritten_run = store_run(f, &after);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT packed FROM run_assignment_packed WHERE run_id = %lld) ="
             " (SELECT packed FROM run_assignment_packed WHERE run_id = %lld)",
             (long long)updated_run, (long long)rewritten_run);
    expect_raw(f->db, sql, "1");
    expect_read(f, updated_run, &after);
}

/* Every third row of 40,000 (200,000 bytes) changes, so the update
 * spans several 64 KiB windows of the SQLite backend. */
static void packed_update_many_rows(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    const size_t count = 40000;
    uint8_t *status = malloc(count);
    uint32_t *territory = malloc(count * sizeof *territory);
    uint32_t *rows = malloc(count / 3 * sizeof *rows);
    assert_non_null(status);
    assert_non_null(territory);
    assert_non_null(rows);
    credo_assignment a = {.count = count, .status = status, .territory = territory};
    for (size_t row = 0; row < count; row++)
        pattern_entry(0, row, &status[row], &territory[row]);
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    int64_t updated_run = add_run(f);
    assert_int_equal(credo_store_put_assignment_packed(f->store, updated_run, &a, f->policy, NULL, &err), CREDO_OK);
    size_t changed = 0;
    for (size_t row = 1; row < count; row += 3) {
        pattern_entry(5, row, &status[row], &territory[row]);
        rows[changed++] = (uint32_t)row;
    }
    assert_int_equal(credo_store_update_assignment_packed(f->store, updated_run, &a, rows, changed, &err), CREDO_OK);
    int64_t rewritten_run = add_run(f);
    assert_int_equal(credo_store_put_assignment_packed(f->store, rewritten_run, &a, f->policy, NULL, &err), CREDO_OK);
    assert_int_equal(credo_store_commit(f->store, &err), CREDO_OK);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT packed FROM run_assignment_packed WHERE run_id = %lld) ="
             " (SELECT packed FROM run_assignment_packed WHERE run_id = %lld)",
             (long long)updated_run, (long long)rewritten_run);
    expect_raw(f->db, sql, "1");
    free(rows);
    free(territory);
    free(status);
}

/* The patterns of seeds 0 and 5 differ in row 500, so the update must
 * have changed something for the comparison above to mean anything. */
static void packed_update_changes_record(void **state)
{
    (void)state;
    uint8_t status_before = 0, status_after = 0;
    uint32_t territory_before = 0, territory_after = 0;
    pattern_entry(0, 500, &status_before, &territory_before);
    pattern_entry(5, 500, &status_after, &territory_after);
    assert_int_equal(status_before, CREDO_ACCOUNT_ASSIGNED); /* 500 % 7 = 3, 500 % 11 = 5 */
    assert_int_equal(territory_before, 200);                 /* 500 * 37 % 300 */
    assert_int_equal(status_after, CREDO_ACCOUNT_ASSIGNED);  /* 505 % 7 = 1, 505 % 11 = 10 */
    assert_int_equal(territory_after, 85);                   /* 505 * 37 % 300 */
}

static void packed_missing_run_not_found(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    uint8_t *status = NULL;
    uint32_t *territory = NULL;
    size_t count = 7;
    assert_int_equal(credo_store_read_assignment_packed(f->store, 42, &status, &territory, &count, &err),
                     CREDO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "run 42"));
    assert_null(status);
    assert_null(territory);
    assert_int_equal(count, 0);
}

static void packed_update_missing_run_not_found(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    owned_assignment a;
    fill_pattern(&a, 0, ROW_COUNT);
    const uint32_t rows[] = {1};
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    assert_int_equal(credo_store_update_assignment_packed(f->store, 42, &a.assignment, rows, 1, &err),
                     CREDO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "run 42"));
    credo_store_rollback(f->store);
}

static void packed_twice_conflicts(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    owned_assignment a;
    fill_pattern(&a, 0, ROW_COUNT);
    int64_t run_id = store_run(f, &a);
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    assert_int_equal(credo_store_put_assignment_packed(f->store, run_id, &a.assignment, f->policy, NULL, &err),
                     CREDO_ERR_CONFLICT);
    credo_store_rollback(f->store);
}

static void packed_without_transaction_rejected(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    owned_assignment a;
    fill_pattern(&a, 0, ROW_COUNT);
    assert_int_equal(credo_store_put_assignment_packed(f->store, 1, &a.assignment, f->policy, NULL, &err),
                     CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "credo_store_begin"));
    const uint32_t rows[] = {1};
    assert_int_equal(credo_store_update_assignment_packed(f->store, 1, &a.assignment, rows, 1, &err),
                     CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "credo_store_begin"));
}

static void packed_territory_outside_rejected(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    owned_assignment a;
    fill_pattern(&a, 0, ROW_COUNT);
    a.status[3] = CREDO_ACCOUNT_ASSIGNED;
    a.territory[3] = TERRITORY_COUNT;
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    int64_t run_id = add_run(f);
    assert_int_equal(credo_store_put_assignment_packed(f->store, run_id, &a.assignment, f->policy, NULL, &err),
                     CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "account row 3 has territory 300"));
    credo_store_rollback(f->store);
}

static void packed_update_row_outside_rejected(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    owned_assignment a;
    fill_pattern(&a, 0, ROW_COUNT);
    int64_t run_id = store_run(f, &a);
    const uint32_t rows[] = {0, ROW_COUNT};
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    assert_int_equal(credo_store_update_assignment_packed(f->store, run_id, &a.assignment, rows, 2, &err),
                     CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "row 1000"));
    credo_store_rollback(f->store);
}

static void packed_update_count_mismatch_rejected(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    owned_assignment a;
    fill_pattern(&a, 0, ROW_COUNT);
    int64_t run_id = store_run(f, &a);
    a.assignment.count = ROW_COUNT - 1;
    const uint32_t rows[] = {0};
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    assert_int_equal(credo_store_update_assignment_packed(f->store, run_id, &a.assignment, rows, 1, &err),
                     CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "999 entries"));
    assert_non_null(strstr(err.message, "1000 packed records"));
    credo_store_rollback(f->store);
}

static void packed_empty_round_trip(void **state)
{
    fixture *f = *state;
    owned_assignment a;
    fill_pattern(&a, 0, 0);
    int64_t run_id = store_run(f, &a);
    expect_read(f, run_id, &a);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT length(packed) FROM run_assignment_packed WHERE run_id = %lld",
             (long long)run_id);
    expect_raw(f->db, sql, "0");
}

/* A BLOB one byte short of row_count records is reported, not decoded. */
static void packed_short_blob_store_error(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    owned_assignment a;
    fill_pattern(&a, 0, 3);
    int64_t run_id = store_run(f, &a);
    raw_exec(f->db, "UPDATE run_assignment_packed SET packed = substr(packed, 1, 14)");
    uint8_t *status = NULL;
    uint32_t *territory = NULL;
    size_t count = 0;
    assert_int_equal(credo_store_read_assignment_packed(f->store, run_id, &status, &territory, &count, &err),
                     CREDO_ERR_STORE);
    assert_non_null(strstr(err.message, "14 bytes, not 3 records"));
    assert_null(status);
}

static void packed_bad_status_store_error(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    owned_assignment a;
    fill_pattern(&a, 0, 3);
    int64_t run_id = store_run(f, &a);
    raw_exec(f->db, "UPDATE run_assignment_packed SET packed = X'0300000000' || substr(packed, 6)");
    uint8_t *status = NULL;
    uint32_t *territory = NULL;
    size_t count = 0;
    assert_int_equal(credo_store_read_assignment_packed(f->store, run_id, &status, &territory, &count, &err),
                     CREDO_ERR_STORE);
    assert_non_null(strstr(err.message, "record 0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(packed_schema_version, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_byte_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_territory_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_update_equals_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_update_many_rows, setup, teardown),
        cmocka_unit_test(packed_update_changes_record),
        cmocka_unit_test_setup_teardown(packed_missing_run_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_update_missing_run_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_twice_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_without_transaction_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_territory_outside_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_update_row_outside_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_update_count_mismatch_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_empty_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_short_blob_store_error, setup, teardown),
        cmocka_unit_test_setup_teardown(packed_bad_status_store_error, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
