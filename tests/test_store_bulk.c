/* Tests of the compact run results: bulk insert, replacing listed rows,
 * and the argument checks. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/engine.h"
#include "credo/policy.h"
#include "credo/store.h"

/* a0 (US-WA) and a1 (US-CA) fall in "west", a2 (US-NY) in none, and a1
 * also in "ca", which ties with "west". */
#define BULK_POLICY                                                                   \
    "credo_policy: 1\n"                                                               \
    "types: [{id: geo, priority: 1}]\n"                                               \
    "territories:\n"                                                                  \
    "  - {id: west, type: geo, match: 'region in (\"US-WA\", \"US-CA\")'}\n"           \
    "  - {id: ca, type: geo, match: 'region = \"US-CA\"'}\n"

typedef struct fixture {
    char *db;
    credo_store *store;
    credo_snapshot *snapshot;
    credo_policy *policy;
    credo_assignment *assignment;
} fixture;

static credo_snapshot *three_accounts(void)
{
    static const char *const regions[] = {"US-WA", "US-CA", "US-NY"};
    credo_error err = {0};
    credo_snapshot *snapshot = NULL;
    assert_int_equal(credo_snapshot_new(&snapshot, &err), CREDO_OK);
    for (size_t i = 0; i < 3; i++) {
        size_t row = 0;
        char id[8];
        credo_status status = CREDO_OK;
        snprintf(id, sizeof id, "a%zu", i);
        assert_int_equal(credo_snapshot_add_account(snapshot, &row, &err), CREDO_OK);
        snapshot->accounts.id[row] = credo_strpool_intern_cstr(snapshot->strings, id, &status);
        snapshot->accounts.region[row] = credo_strpool_intern_cstr(snapshot->strings, regions[i], &status);
        assert_int_equal(status, CREDO_OK);
    }
    assert_int_equal(credo_snapshot_finish(snapshot, &err), CREDO_OK);
    return snapshot;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    credo_error err = {0};
    char *dir = test_make_tempdir("store-bulk");
    f->db = test_path_join(dir, "credo.db");
    free(dir);
    assert_int_equal(credo_store_open(f->db, &f->store, &err), CREDO_OK);
    f->snapshot = three_accounts();
    assert_int_equal(credo_policy_parse(BULK_POLICY, strlen(BULK_POLICY), "bulk.yaml", &f->policy, &err), CREDO_OK);
    assert_int_equal(credo_assign_accounts(f->snapshot, f->policy, &f->assignment, &err), CREDO_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    credo_assignment_free(f->assignment);
    credo_policy_free(f->policy);
    credo_snapshot_free(f->snapshot);
    credo_store_close(f->store);
    free(f->db);
    free(f);
    return 0;
}

static int64_t add_run(fixture *f)
{
    credo_error err = {0};
    int64_t run_id = 0;
    const credo_run_record record = {"2026-01-01", "bulk.yaml", BULK_POLICY, "{}"};
    assert_int_equal(credo_store_add_run(f->store, &record, &run_id, &err), CREDO_OK);
    return run_id;
}

static void bulk_insert_counts(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    int64_t counts[3] = {0};
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    int64_t run_id = add_run(f);
    assert_int_equal(credo_store_put_assignment_rows(f->store, run_id, f->snapshot, f->policy, f->assignment, NULL, 0,
                                                     NULL, &err),
                     CREDO_OK);
    assert_int_equal(credo_store_commit(f->store, &err), CREDO_OK);
    assert_int_equal(credo_store_count_assignment_rows(f->store, run_id, counts, &err), CREDO_OK);
    assert_int_equal(counts[CREDO_ACCOUNT_ASSIGNED], 1); /* a0 in west */
    assert_int_equal(counts[CREDO_ACCOUNT_OVERLAP], 1);  /* a1 in west and ca */
    assert_int_equal(counts[CREDO_ACCOUNT_GAP], 1);      /* a2 */
}

/* Row 2 (a2) is rewritten as assigned to territory 0: only it changes. */
static void bulk_replace_listed_rows(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    int64_t counts[3] = {0};
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    int64_t run_id = add_run(f);
    assert_int_equal(credo_store_put_assignment_rows(f->store, run_id, f->snapshot, f->policy, f->assignment, NULL, 0,
                                                     NULL, &err),
                     CREDO_OK);
    f->assignment->status[2] = CREDO_ACCOUNT_ASSIGNED;
    f->assignment->territory[2] = 0;
    const uint32_t rows[] = {2};
    assert_int_equal(credo_store_put_assignment_rows(f->store, run_id, f->snapshot, f->policy, f->assignment, rows, 1,
                                                     NULL, &err),
                     CREDO_OK);
    assert_int_equal(credo_store_commit(f->store, &err), CREDO_OK);
    assert_int_equal(credo_store_count_assignment_rows(f->store, run_id, counts, &err), CREDO_OK);
    assert_int_equal(counts[CREDO_ACCOUNT_ASSIGNED], 2);
    assert_int_equal(counts[CREDO_ACCOUNT_OVERLAP], 1);
    assert_int_equal(counts[CREDO_ACCOUNT_GAP], 0);
}

static void bulk_twice_conflicts(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    int64_t run_id = add_run(f);
    assert_int_equal(credo_store_put_assignment_rows(f->store, run_id, f->snapshot, f->policy, f->assignment, NULL, 0,
                                                     NULL, &err),
                     CREDO_OK);
    assert_int_equal(credo_store_put_assignment_rows(f->store, run_id, f->snapshot, f->policy, f->assignment, NULL, 0,
                                                     NULL, &err),
                     CREDO_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "a0"));
    credo_store_rollback(f->store);
}

static void bulk_without_transaction_rejected(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    assert_int_equal(credo_store_put_assignment_rows(f->store, 1, f->snapshot, f->policy, f->assignment, NULL, 0,
                                                     NULL, &err),
                     CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "credo_store_begin"));
}

static void bulk_row_outside_rejected(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    const uint32_t rows[] = {0, 3};
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    assert_int_equal(credo_store_put_assignment_rows(f->store, 1, f->snapshot, f->policy, f->assignment, rows, 2,
                                                     NULL, &err),
                     CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "row 3"));
    credo_store_rollback(f->store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bulk_insert_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(bulk_replace_listed_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(bulk_twice_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(bulk_without_transaction_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(bulk_row_outside_rejected, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
