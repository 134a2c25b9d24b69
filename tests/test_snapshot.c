/* Tests of the columnar snapshot: row defaults, sorting by id, duplicate
 * and missing ids, lookup, deal -> account and team -> deal links, and
 * custom attribute columns. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/model.h"

/* ---- Helpers ---------------------------------------------------------- */

static int setup_snapshot(void **state)
{
    credo_snapshot *snapshot = NULL;
    credo_error err = {0};
    if (credo_snapshot_new(&snapshot, &err) != CREDO_OK)
        return -1;
    *state = snapshot;
    return 0;
}

static int teardown_snapshot(void **state)
{
    credo_snapshot_free(*state);
    return 0;
}

/* Interns text (NULL gives the missing value). */
static credo_str text_id(credo_snapshot *snapshot, const char *text)
{
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern_cstr(snapshot->strings, text, &status);
    if (status != CREDO_OK)
        fail_msg("interning \"%s\" failed", text);
    return id;
}

static const char *text_of(const credo_snapshot *snapshot, credo_str id)
{
    return credo_snapshot_text(snapshot, id);
}

static size_t add_rep(credo_snapshot *snapshot, const char *id, const char *name)
{
    credo_error err = {0};
    size_t row = 0;
    if (credo_snapshot_add_rep(snapshot, &row, &err) != CREDO_OK)
        fail_msg("adding rep %s failed: %s", id, err.message);
    snapshot->reps.id[row] = text_id(snapshot, id);
    snapshot->reps.name[row] = text_id(snapshot, name);
    return row;
}

static size_t add_account(credo_snapshot *snapshot, const char *id, const char *name)
{
    credo_error err = {0};
    size_t row = 0;
    if (credo_snapshot_add_account(snapshot, &row, &err) != CREDO_OK)
        fail_msg("adding account %s failed: %s", id, err.message);
    snapshot->accounts.id[row] = text_id(snapshot, id);
    snapshot->accounts.name[row] = text_id(snapshot, name);
    return row;
}

static size_t add_deal(credo_snapshot *snapshot, const char *id, const char *account_id,
                       credo_money amount)
{
    credo_error err = {0};
    size_t row = 0;
    if (credo_snapshot_add_deal(snapshot, &row, &err) != CREDO_OK)
        fail_msg("adding deal %s failed: %s", id, err.message);
    snapshot->deals.id[row] = text_id(snapshot, id);
    snapshot->deals.account_id[row] = text_id(snapshot, account_id);
    snapshot->deals.amount[row] = amount;
    return row;
}

static size_t add_member(credo_snapshot *snapshot, const char *deal_id, const char *rep_id,
                         credo_bp split)
{
    credo_error err = {0};
    size_t row = 0;
    if (credo_snapshot_add_team_member(snapshot, &row, &err) != CREDO_OK)
        fail_msg("adding team member %s failed: %s", rep_id, err.message);
    snapshot->team.deal_id[row] = text_id(snapshot, deal_id);
    snapshot->team.rep_id[row] = text_id(snapshot, rep_id);
    snapshot->team.split[row] = split;
    return row;
}

static void finish_ok(credo_snapshot *snapshot)
{
    credo_error err = {0};
    if (credo_snapshot_finish(snapshot, &err) != CREDO_OK)
        fail_msg("finishing the snapshot failed: %s", err.message);
}

static uint32_t find_account(const credo_snapshot *snapshot, const char *id)
{
    credo_str key = credo_strpool_find(snapshot->strings, id, strlen(id));
    return credo_snapshot_find_account(snapshot, key);
}

static uint32_t find_deal(const credo_snapshot *snapshot, const char *id)
{
    credo_str key = credo_strpool_find(snapshot->strings, id, strlen(id));
    return credo_snapshot_find_deal(snapshot, key);
}

static void assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

/* ---- Empty snapshot and row defaults --------------------------------- */

static void empty_snapshot_finishes(void **state)
{
    credo_snapshot *snapshot = *state;
    finish_ok(snapshot);

    assert_int_equal(snapshot->reps.count, 0);
    assert_int_equal(snapshot->accounts.count, 0);
    assert_int_equal(snapshot->deals.count, 0);
    assert_int_equal(snapshot->team.count, 0);
    assert_int_equal(credo_snapshot_find_account(snapshot, text_id(snapshot, "a")), CREDO_NO_ROW);
}

static void free_accepts_null(void **state)
{
    (void)state;
    credo_snapshot_free(NULL);
}

static void defaults_rep_row(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    size_t row = 99;

    assert_int_equal(credo_snapshot_add_rep(snapshot, &row, &err), CREDO_OK);
    assert_int_equal(row, 0);
    assert_int_equal(snapshot->reps.id[0], CREDO_STR_NONE);
    assert_int_equal(snapshot->reps.manager_id[0], CREDO_STR_NONE);
    assert_int_equal(snapshot->reps.active_from[0], CREDO_DATE_MIN);
    assert_int_equal(snapshot->reps.active_to[0], CREDO_DATE_MAX);
}

static void defaults_account_row(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    size_t row = 99;

    assert_int_equal(credo_snapshot_add_account(snapshot, &row, &err), CREDO_OK);
    assert_int_equal(row, 0);
    assert_int_equal(snapshot->accounts.region[0], CREDO_STR_NONE);
    assert_int_equal(snapshot->accounts.owner_id[0], CREDO_STR_NONE);
    assert_int_equal(snapshot->accounts.employees[0], CREDO_NUMBER_NONE);
    assert_int_equal(snapshot->accounts.longitude[0], CREDO_NUMBER_NONE);
}

static void defaults_deal_row(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    size_t row = 99;

    assert_int_equal(credo_snapshot_add_deal(snapshot, &row, &err), CREDO_OK);
    assert_int_equal(row, 0);
    assert_int_equal(snapshot->deals.account_row[0], CREDO_NO_ROW);
    assert_int_equal(snapshot->deals.owner_id[0], CREDO_STR_NONE);
    assert_int_equal(snapshot->deals.amount[0], 0);
    assert_int_equal(snapshot->deals.status[0], CREDO_DEAL_OPEN);
    assert_int_equal(snapshot->deals.created[0], CREDO_DATE_NONE);
    assert_int_equal(snapshot->deals.close_date[0], CREDO_DATE_NONE);
}

static void defaults_team_row(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    size_t row = 99;

    assert_int_equal(credo_snapshot_add_team_member(snapshot, &row, &err), CREDO_OK);
    assert_int_equal(row, 0);
    assert_int_equal(snapshot->team.deal_row[0], CREDO_NO_ROW);
    assert_int_equal(snapshot->team.rep_id[0], CREDO_STR_NONE);
    assert_int_equal(snapshot->team.split[0], -1);
}

/* ---- Sorting and lookup ----------------------------------------------- */

static void sort_accounts_by_code_point(void **state)
{
    credo_snapshot *snapshot = *state;
    add_account(snapshot, "\xc3\x89tienne", "accented");
    add_account(snapshot, "9", "nine");
    add_account(snapshot, "Zulu", "zulu");
    add_account(snapshot, "10", "ten");
    finish_ok(snapshot);

    /* Code point order: "10" < "9" < "Zulu" < "Étienne" (0xC3 > 'Z'). */
    assert_string_equal(text_of(snapshot, snapshot->accounts.id[0]), "10");
    assert_string_equal(text_of(snapshot, snapshot->accounts.id[1]), "9");
    assert_string_equal(text_of(snapshot, snapshot->accounts.id[2]), "Zulu");
    assert_string_equal(text_of(snapshot, snapshot->accounts.id[3]), "\xc3\x89tienne");
}

static void sort_moves_every_column(void **state)
{
    credo_snapshot *snapshot = *state;
    size_t b = add_account(snapshot, "b", "Bravo");
    snapshot->accounts.employees[b] = 20 * CREDO_NUMBER_SCALE;
    snapshot->accounts.owner_id[b] = text_id(snapshot, "rep-b");
    size_t a = add_account(snapshot, "a", "Alpha");
    snapshot->accounts.employees[a] = 10 * CREDO_NUMBER_SCALE;
    snapshot->accounts.longitude[a] = -12345;
    finish_ok(snapshot);

    assert_string_equal(text_of(snapshot, snapshot->accounts.name[0]), "Alpha");
    assert_int_equal(snapshot->accounts.employees[0], 10 * CREDO_NUMBER_SCALE);
    assert_int_equal(snapshot->accounts.longitude[0], -12345);
    assert_int_equal(snapshot->accounts.owner_id[0], CREDO_STR_NONE);
    assert_string_equal(text_of(snapshot, snapshot->accounts.name[1]), "Bravo");
    assert_int_equal(snapshot->accounts.employees[1], 20 * CREDO_NUMBER_SCALE);
    assert_string_equal(text_of(snapshot, snapshot->accounts.owner_id[1]), "rep-b");
    assert_int_equal(snapshot->accounts.longitude[1], CREDO_NUMBER_NONE);
}

static void sort_reps_moves_dates(void **state)
{
    credo_snapshot *snapshot = *state;
    size_t late = add_rep(snapshot, "r2", "Second");
    snapshot->reps.active_from[late] = 100;
    size_t early = add_rep(snapshot, "r1", "First");
    snapshot->reps.active_to[early] = 50;
    finish_ok(snapshot);

    uint32_t row = credo_snapshot_find_rep(snapshot, text_id(snapshot, "r1"));
    assert_int_equal(row, 0);
    assert_string_equal(text_of(snapshot, snapshot->reps.name[row]), "First");
    assert_int_equal(snapshot->reps.active_to[row], 50);
    assert_int_equal(snapshot->reps.active_from[row], CREDO_DATE_MIN);
    assert_int_equal(snapshot->reps.active_from[1], 100);
}

enum { MANY_ROWS = 3000 };

/* Adds MANY_ROWS accounts "acc-N" in a scrambled order (a stride coprime to
 * the count visits every N once) and checks that each is found again. */
static void lookup_many_accounts(void **state)
{
    credo_snapshot *snapshot = *state;
    char id[32], name[32];
    for (size_t i = 0; i < MANY_ROWS; i++) {
        size_t n = (i * 1237) % MANY_ROWS;
        snprintf(id, sizeof id, "acc-%05zu", n);
        snprintf(name, sizeof name, "name %zu", n);
        add_account(snapshot, id, name);
    }
    finish_ok(snapshot);

    assert_int_equal(snapshot->accounts.count, MANY_ROWS);
    for (size_t n = 0; n < MANY_ROWS; n++) {
        snprintf(id, sizeof id, "acc-%05zu", n);
        snprintf(name, sizeof name, "name %zu", n);
        uint32_t row = find_account(snapshot, id);
        assert_int_equal(row, n); /* zero-padded ids sort in numeric order */
        assert_string_equal(text_of(snapshot, snapshot->accounts.name[row]), name);
    }
}

static void lookup_absent_ids(void **state)
{
    credo_snapshot *snapshot = *state;
    add_account(snapshot, "b", "Bravo");
    add_account(snapshot, "d", "Delta");
    add_deal(snapshot, "x", "b", 1);
    finish_ok(snapshot);

    assert_int_equal(credo_snapshot_find_account(snapshot, text_id(snapshot, "a")), CREDO_NO_ROW);
    assert_int_equal(credo_snapshot_find_account(snapshot, text_id(snapshot, "c")), CREDO_NO_ROW);
    assert_int_equal(credo_snapshot_find_account(snapshot, text_id(snapshot, "e")), CREDO_NO_ROW);
    assert_int_equal(credo_snapshot_find_account(snapshot, CREDO_STR_NONE), CREDO_NO_ROW);
    assert_int_equal(credo_snapshot_find_account(snapshot, text_id(snapshot, "x")), CREDO_NO_ROW);
    assert_int_equal(credo_snapshot_find_deal(snapshot, text_id(snapshot, "b")), CREDO_NO_ROW);
    assert_int_equal(credo_snapshot_find_rep(snapshot, text_id(snapshot, "b")), CREDO_NO_ROW);
}

/* ---- Duplicate and missing ids ---------------------------------------- */

static void duplicate_account_rejected(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    add_account(snapshot, "acme", "first");
    add_account(snapshot, "other", "x");
    add_account(snapshot, "acme", "second");

    assert_int_equal(credo_snapshot_finish(snapshot, &err), CREDO_ERR_INVALID);
    assert_int_equal(err.status, CREDO_ERR_INVALID);
    assert_contains(err.message, "account");
    assert_contains(err.message, "'acme'");
}

static void duplicate_rep_rejected(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    add_rep(snapshot, "r7", "one");
    add_rep(snapshot, "r7", "two");

    assert_int_equal(credo_snapshot_finish(snapshot, &err), CREDO_ERR_INVALID);
    assert_contains(err.message, "rep");
    assert_contains(err.message, "'r7'");
}

static void duplicate_deal_rejected(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    add_deal(snapshot, "d1", NULL, 5);
    add_deal(snapshot, "d2", NULL, 5);
    add_deal(snapshot, "d1", NULL, 7);

    assert_int_equal(credo_snapshot_finish(snapshot, &err), CREDO_ERR_INVALID);
    assert_contains(err.message, "deal");
    assert_contains(err.message, "'d1'");
}

static void duplicate_ids_differ_by_case(void **state)
{
    credo_snapshot *snapshot = *state;
    add_account(snapshot, "acme", "lower");
    add_account(snapshot, "ACME", "upper");
    finish_ok(snapshot);

    assert_int_equal(snapshot->accounts.count, 2);
}

static void missing_account_id_rejected(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    add_account(snapshot, "acme", "named");
    add_account(snapshot, NULL, "no id");

    assert_int_equal(credo_snapshot_finish(snapshot, &err), CREDO_ERR_INVALID);
    assert_contains(err.message, "no id");
}

/* Two rows without an id are "missing", not a duplicate of a null id. */
static void missing_ids_twice_rejected(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    add_deal(snapshot, NULL, NULL, 1);
    add_deal(snapshot, NULL, NULL, 2);

    assert_int_equal(credo_snapshot_finish(snapshot, &err), CREDO_ERR_INVALID);
    assert_contains(err.message, "a deal has no id");
}

static void duplicate_team_rows_allowed(void **state)
{
    credo_snapshot *snapshot = *state;
    add_deal(snapshot, "d1", NULL, 1);
    add_member(snapshot, "d1", "r1", 5000);
    add_member(snapshot, "d1", "r1", 5000);
    finish_ok(snapshot);

    assert_int_equal(snapshot->team.count, 2);
    assert_int_equal(snapshot->team.deal_row[0], 0);
    assert_int_equal(snapshot->team.deal_row[1], 0);
}

/* ---- Links between tables --------------------------------------------- */

static void link_deals_to_accounts(void **state)
{
    credo_snapshot *snapshot = *state;
    add_deal(snapshot, "d3", "zeta", 30);
    add_deal(snapshot, "d1", "alpha", 10);
    add_deal(snapshot, "d2", "ghost", 20);
    add_deal(snapshot, "d4", NULL, 40);
    add_account(snapshot, "zeta", "Z");
    add_account(snapshot, "mid", "M");
    add_account(snapshot, "alpha", "A");
    finish_ok(snapshot);

    uint32_t alpha = find_account(snapshot, "alpha");
    uint32_t zeta = find_account(snapshot, "zeta");
    assert_int_equal(alpha, 0);
    assert_int_equal(zeta, 2);
    assert_int_equal(snapshot->deals.account_row[find_deal(snapshot, "d1")], alpha);
    assert_int_equal(snapshot->deals.account_row[find_deal(snapshot, "d3")], zeta);
    assert_int_equal(snapshot->deals.account_row[find_deal(snapshot, "d2")], CREDO_NO_ROW);
    assert_int_equal(snapshot->deals.account_row[find_deal(snapshot, "d4")], CREDO_NO_ROW);
    assert_int_equal(snapshot->deals.amount[find_deal(snapshot, "d3")], 30);
}

static void link_team_with_unknown_deals(void **state)
{
    credo_snapshot *snapshot = *state;
    add_member(snapshot, "d2", "r-b", 4000);
    add_member(snapshot, "d15", "r-x", 10000); /* sorts between d1 and d2 */
    add_member(snapshot, "d1", "r-z", -1);
    add_member(snapshot, "d2", "r-a", 6000);
    add_member(snapshot, "a0", "r-y", 10000); /* sorts before every deal */
    add_member(snapshot, "d1", "r-a", 10000);
    add_member(snapshot, "zz", "r-w", 10000); /* sorts after every deal */
    add_deal(snapshot, "d2", NULL, 200);
    add_deal(snapshot, "d1", NULL, 100);
    finish_ok(snapshot);

    const credo_deal_team *team = &snapshot->team;
    uint32_t d1 = find_deal(snapshot, "d1"), d2 = find_deal(snapshot, "d2");
    assert_int_equal(team->count, 7);

    /* Sorted by deal id, then rep id: a0, d1/r-a, d1/r-z, d15, d2/r-a, d2/r-b, zz. */
    const char *expected_deal[] = {"a0", "d1", "d1", "d15", "d2", "d2", "zz"};
    const char *expected_rep[] = {"r-y", "r-a", "r-z", "r-x", "r-a", "r-b", "r-w"};
    const uint32_t expected_row[] = {CREDO_NO_ROW, d1, d1, CREDO_NO_ROW, d2, d2, CREDO_NO_ROW};
    const credo_bp expected_split[] = {10000, 10000, -1, 10000, 6000, 4000, 10000};
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(text_of(snapshot, team->deal_id[i]), expected_deal[i]);
        assert_string_equal(text_of(snapshot, team->rep_id[i]), expected_rep[i]);
        assert_int_equal(team->deal_row[i], expected_row[i]);
        assert_int_equal(team->split[i], expected_split[i]);
    }
}

/* ---- Custom attributes ------------------------------------------------ */

static void attribute_same_column_twice(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    credo_attribute_column *first = NULL, *second = NULL;

    assert_int_equal(credo_snapshot_attribute(snapshot, "segment", &first, &err), CREDO_OK);
    assert_int_equal(credo_snapshot_attribute(snapshot, "segment", &second, &err), CREDO_OK);
    assert_ptr_equal(first, second);
    assert_int_equal(snapshot->accounts.attribute_count, 1);
    assert_string_equal(text_of(snapshot, first->name), "segment");
}

static void attribute_added_late_is_missing(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    credo_attribute_column *column = NULL;
    add_account(snapshot, "c-early", "early");
    add_account(snapshot, "a-early", "early");

    assert_int_equal(credo_snapshot_attribute(snapshot, "segment", &column, &err), CREDO_OK);
    size_t late = add_account(snapshot, "b-late", "late");
    column->values[late] = text_id(snapshot, "enterprise");
    finish_ok(snapshot);

    const credo_attribute_column *sorted = &snapshot->accounts.attributes[0];
    assert_int_equal(sorted->values[find_account(snapshot, "a-early")], CREDO_STR_NONE);
    assert_int_equal(sorted->values[find_account(snapshot, "c-early")], CREDO_STR_NONE);
    assert_string_equal(text_of(snapshot, sorted->values[find_account(snapshot, "b-late")]),
                        "enterprise");
}

/* Adds an attribute after 300 accounts (past the first column growth),
 * then 700 more with values, so that the column must grow with the table
 * and move with the sort. */
static void attribute_grows_with_table(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    credo_attribute_column *column = NULL;
    char id[32], value[32];
    for (int i = 999; i >= 700; i--) {
        snprintf(id, sizeof id, "acc-%04d", i);
        add_account(snapshot, id, "early");
    }

    assert_int_equal(credo_snapshot_attribute(snapshot, "tier", &column, &err), CREDO_OK);
    for (int i = 699; i >= 0; i--) {
        snprintf(id, sizeof id, "acc-%04d", i);
        snprintf(value, sizeof value, "tier %d", i);
        size_t row = add_account(snapshot, id, "late");
        /* Columns may move when the table grows; look the column up again. */
        snapshot->accounts.attributes[0].values[row] = text_id(snapshot, value);
    }
    finish_ok(snapshot);

    const credo_attribute_column *tier = &snapshot->accounts.attributes[0];
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "acc-%04d", i);
        uint32_t row = find_account(snapshot, id);
        assert_int_equal(row, (uint32_t)i);
        if (i >= 700) {
            assert_int_equal(tier->values[row], CREDO_STR_NONE);
            continue;
        }
        snprintf(value, sizeof value, "tier %d", i);
        assert_string_equal(text_of(snapshot, tier->values[row]), value);
    }
}

static void attribute_before_any_account(void **state)
{
    credo_snapshot *snapshot = *state;
    credo_error err = {0};
    credo_attribute_column *column = NULL;
    char id[32];

    assert_int_equal(credo_snapshot_attribute(snapshot, "segment", &column, &err), CREDO_OK);
    for (int i = 0; i < 600; i++) {
        snprintf(id, sizeof id, "acc-%04d", i);
        size_t row = add_account(snapshot, id, "x");
        assert_int_equal(snapshot->accounts.attributes[0].values[row], CREDO_STR_NONE);
        if (i % 2 == 0)
            snapshot->accounts.attributes[0].values[row] = text_id(snapshot, "even");
    }
    finish_ok(snapshot);

    const credo_attribute_column *segment = &snapshot->accounts.attributes[0];
    assert_string_equal(text_of(snapshot, segment->values[find_account(snapshot, "acc-0598")]), "even");
    assert_int_equal(segment->values[find_account(snapshot, "acc-0599")], CREDO_STR_NONE);
}

#define SNAPSHOT_TEST(name) cmocka_unit_test_setup_teardown(name, setup_snapshot, teardown_snapshot)

int main(void)
{
    const struct CMUnitTest tests[] = {
        SNAPSHOT_TEST(empty_snapshot_finishes),
        cmocka_unit_test(free_accepts_null),
        SNAPSHOT_TEST(defaults_rep_row),
        SNAPSHOT_TEST(defaults_account_row),
        SNAPSHOT_TEST(defaults_deal_row),
        SNAPSHOT_TEST(defaults_team_row),
        SNAPSHOT_TEST(sort_accounts_by_code_point),
        SNAPSHOT_TEST(sort_moves_every_column),
        SNAPSHOT_TEST(sort_reps_moves_dates),
        SNAPSHOT_TEST(lookup_many_accounts),
        SNAPSHOT_TEST(lookup_absent_ids),
        SNAPSHOT_TEST(duplicate_account_rejected),
        SNAPSHOT_TEST(duplicate_rep_rejected),
        SNAPSHOT_TEST(duplicate_deal_rejected),
        SNAPSHOT_TEST(duplicate_ids_differ_by_case),
        SNAPSHOT_TEST(missing_account_id_rejected),
        SNAPSHOT_TEST(missing_ids_twice_rejected),
        SNAPSHOT_TEST(duplicate_team_rows_allowed),
        SNAPSHOT_TEST(link_deals_to_accounts),
        SNAPSHOT_TEST(link_team_with_unknown_deals),
        SNAPSHOT_TEST(attribute_same_column_twice),
        SNAPSHOT_TEST(attribute_added_late_is_missing),
        SNAPSHOT_TEST(attribute_grows_with_table),
        SNAPSHOT_TEST(attribute_before_any_account),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
