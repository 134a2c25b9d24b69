/* Tests of incremental assignment: random accounts and territories change
 * between two versions of the data and the policy, and the incremental
 * result, both the copy (credo_assign_incremental) and the in-place update
 * (credo_assign_incremental_update), must equal a full run of the
 * straightforward evaluator (credo_assign_accounts) on the new version.
 * Plus the argument checks and the number of rows evaluated again. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/assign_incremental.h"
#include "credo/buf.h"
#include "credo/engine.h"
#include "credo/policy.h"
#include "credo/rule_index.h"

#define CASES 150
#define ACCOUNTS 300
#define TERRITORIES 40
#define SEED UINT64_C(0x1ce4e5b9c0ffee17)

/* ---- random numbers (splitmix64) ---- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n)
{
    return (unsigned)(rng_next() % n);
}

static bool rng_chance(unsigned percent)
{
    return rng_below(100) < percent;
}

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const POSTAL[] = {"98001", "98052", "98101", "98999", "10001", "10019", "02134", "94105"};
static const char *const REGIONS[] = {"US-WA", "US-CA", "US-NY", "CA-ON", "DE-BY"};
static const char *const INDUSTRIES[] = {"Retail", "Tech", "Health", "Energy"};
static const char *const COUNTRIES[] = {"US", "CA", "DE"};
static const char *const SEGMENTS[] = {"SMB", "MID", "ENT"};

static const char *pick(const char *const *words, size_t count)
{
    return words[rng_below((unsigned)count)];
}

/* ---- accounts ---- */

typedef struct account_values {
    const char *postal, *region, *industry, *country, *segment; /* NULL when missing */
    credo_number employees;
} account_values;

static const char *maybe(const char *const *words, size_t count)
{
    return rng_chance(10) ? NULL : pick(words, count);
}

static account_values random_values(void)
{
    account_values v = {
        maybe(POSTAL, COUNT_OF(POSTAL)), maybe(REGIONS, COUNT_OF(REGIONS)),
        maybe(INDUSTRIES, COUNT_OF(INDUSTRIES)), maybe(COUNTRIES, COUNT_OF(COUNTRIES)),
        maybe(SEGMENTS, COUNT_OF(SEGMENTS)),
        rng_chance(10) ? CREDO_NUMBER_NONE : (credo_number)rng_below(2000) * 10000,
    };
    return v;
}

static credo_str intern(credo_snapshot *snapshot, const char *text)
{
    if (text == NULL)
        return CREDO_STR_NONE;
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern_cstr(snapshot->strings, text, &status);
    if (status != CREDO_OK)
        fail_msg("interning \"%s\" failed", text);
    return id;
}

/* Builds a snapshot of the accounts, added in reverse so that rows come from
 * sorting. */
static credo_snapshot *make_snapshot(const account_values *values, size_t count)
{
    credo_error err = {0};
    credo_snapshot *snapshot = NULL;
    if (credo_snapshot_new(&snapshot, &err) != CREDO_OK)
        fail_msg("creating a snapshot failed: %s", err.message);
    for (size_t i = count; i-- > 0;) {
        size_t row = 0;
        char id[32];
        snprintf(id, sizeof id, "A%04zu", i);
        if (credo_snapshot_add_account(snapshot, &row, &err) != CREDO_OK)
            fail_msg("adding an account failed: %s", err.message);
        credo_accounts *a = &snapshot->accounts;
        a->id[row] = intern(snapshot, id);
        a->postal_code[row] = intern(snapshot, values[i].postal);
        a->region[row] = intern(snapshot, values[i].region);
        a->industry[row] = intern(snapshot, values[i].industry);
        a->country[row] = intern(snapshot, values[i].country);
        a->employees[row] = values[i].employees;
        credo_attribute_column *column = NULL;
        if (credo_snapshot_attribute(snapshot, "segment", &column, &err) != CREDO_OK)
            fail_msg("adding an attribute failed: %s", err.message);
        column->values[row] = intern(snapshot, values[i].segment);
    }
    if (credo_snapshot_finish(snapshot, &err) != CREDO_OK)
        fail_msg("finishing the snapshot failed: %s", err.message);
    return snapshot;
}

/* ---- policies ---- */

static void put_test(credo_buf *out)
{
    switch (rng_below(9)) {
    case 0:
        credo_buf_printf(out, "postal_code = \"%s\"", pick(POSTAL, COUNT_OF(POSTAL)));
        break;
    case 1:
        credo_buf_printf(out, "postal_code in (\"%05u\"..\"%05u\")", rng_below(50000), 50000 + rng_below(50000));
        break;
    case 2:
        credo_buf_printf(out, "region in (\"%s\", \"%s\")", pick(REGIONS, COUNT_OF(REGIONS)),
                         pick(REGIONS, COUNT_OF(REGIONS)));
        break;
    case 3:
        credo_buf_printf(out, "industry != \"%s\"", pick(INDUSTRIES, COUNT_OF(INDUSTRIES)));
        break;
    case 4:
        credo_buf_printf(out, "country = \"%s\"", pick(COUNTRIES, COUNT_OF(COUNTRIES)));
        break;
    case 5:
        credo_buf_printf(out, "employees >= %u and employees < %u", rng_below(1000), 1000 + rng_below(1000));
        break;
    case 6:
        credo_buf_printf(out, "attr.segment = \"%s\"", pick(SEGMENTS, COUNT_OF(SEGMENTS)));
        break;
    case 7:
        credo_buf_printf(out, "postal_code starts_with \"%.2s\"", pick(POSTAL, COUNT_OF(POSTAL)));
        break;
    default:
        credo_buf_printf(out, "not region = \"%s\"", pick(REGIONS, COUNT_OF(REGIONS)));
        break;
    }
}

static void put_rule(credo_buf *out)
{
    unsigned terms = 1 + rng_below(3);
    for (unsigned i = 0; i < terms; i++) {
        credo_buf_puts(out, i == 0 ? "(" : rng_chance(50) ? " or (" : " and (");
        put_test(out);
        credo_buf_puts(out, ")");
    }
}

static const char *const TYPES[] = {"low", "mid", "mid_too", "high", "overlay"};

static void put_ids(credo_buf *out, const char *key)
{
    unsigned count = 1 + rng_below(3);
    credo_buf_printf(out, "    %s: [", key);
    for (unsigned i = 0; i < count; i++)
        credo_buf_printf(out, "%s\"A%04u\"", i > 0 ? ", " : "", rng_below(ACCOUNTS));
    credo_buf_puts(out, "]\n");
}

/* Territory t of a policy; `version` changes everything about it. */
static void put_territory(credo_buf *out, unsigned t, unsigned version)
{
    rng_state = SEED ^ ((uint64_t)t << 20) ^ ((uint64_t)version << 40);
    credo_buf_printf(out, "  - id: \"%c%03u\"\n", rng_chance(30) ? 'u' : 't', t);
    if (rng_chance(5))
        return; /* a roll-up node */
    credo_buf_printf(out, "    type: %s\n", TYPES[rng_below(COUNT_OF(TYPES))]);
    if (rng_chance(15))
        put_ids(out, "named_accounts");
    if (rng_chance(15))
        put_ids(out, "excluded_accounts");
    credo_buf_puts(out, "    match: |\n      ");
    put_rule(out);
    credo_buf_puts(out, "\n");
}

static credo_policy *make_policy(const unsigned *versions, char **text_out)
{
    credo_buf out = CREDO_BUF_INIT;
    credo_buf_puts(&out, "credo_policy: 1\ntypes:\n"
                         "  - {id: low, priority: 1}\n"
                         "  - {id: mid, priority: 5}\n"
                         "  - {id: mid_too, priority: 5}\n"
                         "  - {id: high, priority: 9}\n"
                         "  - {id: overlay, priority: 0, overlay: true}\n"
                         "territories:\n");
    for (unsigned t = 0; t < TERRITORIES; t++)
        put_territory(&out, t, versions[t]);
    if (credo_buf_failed(&out))
        fail_msg("building the policy text ran out of memory");
    credo_error err = {0};
    credo_policy *policy = NULL;
    if (credo_policy_parse(out.data, out.length, "random.yaml", &policy, &err) != CREDO_OK)
        fail_msg("parsing a random policy failed: %s\n%s", err.message, out.data);
    *text_out = out.data;
    return policy;
}

/* ---- comparing ---- */

static bool same_list(const uint32_t *a, uint32_t a_from, uint32_t a_to, const uint32_t *b, uint32_t b_from,
                      uint32_t b_to)
{
    if (a_to - a_from != b_to - b_from)
        return false;
    for (uint32_t i = 0; i < a_to - a_from; i++)
        if (a[a_from + i] != b[b_from + i])
            return false;
    return true;
}

static void expect_same(const credo_assignment *got, const credo_assignment *want, const char *policy_text)
{
    assert_int_equal(got->count, want->count);
    for (size_t row = 0; row < got->count; row++) {
        if (got->status[row] != want->status[row] || got->territory[row] != want->territory[row] ||
            !same_list(got->tied, got->tied_start[row], got->tied_start[row + 1], want->tied,
                       want->tied_start[row], want->tied_start[row + 1]) ||
            !same_list(got->overlays, got->overlay_start[row], got->overlay_start[row + 1], want->overlays,
                       want->overlay_start[row], want->overlay_start[row + 1]))
            fail_msg("row %zu: status %u territory %u (or its tied or overlay list) differs from a full run's "
                     "status %u territory %u\n%s", row,
                     got->status[row], got->territory[row], want->status[row], want->territory[row],
                     policy_text);
    }
    assert_int_equal(got->tied_start[got->count], want->tied_start[want->count]);
    assert_int_equal(got->overlay_start[got->count], want->overlay_start[want->count]);
}

static credo_assignment *full_run(const credo_snapshot *snapshot, const credo_policy *policy)
{
    credo_error err = {0};
    credo_assignment *out = NULL;
    if (credo_assign_accounts(snapshot, policy, &out, &err) != CREDO_OK)
        fail_msg("the full run failed: %s", err.message);
    return out;
}

/* ---- one case ---- */

typedef struct version {
    account_values accounts[ACCOUNTS];
    unsigned territories[TERRITORIES];
} version;

/* Changes up to max_rows random accounts and max_territories random
 * territories of v, listing the row indices (rows follow ids, which do not
 * change) and territory indices. */
static void change(version *v, unsigned max_rows, unsigned max_territories, uint32_t *rows, size_t *row_count,
                   uint32_t *territories, size_t *territory_count)
{
    unsigned r = max_rows == 0 ? 0 : rng_below(max_rows + 1);
    unsigned t = max_territories == 0 ? 0 : rng_below(max_territories + 1);
    *row_count = 0;
    *territory_count = 0;
    for (unsigned i = 0; i < r; i++) {
        unsigned account = rng_below(ACCOUNTS);
        v->accounts[account] = random_values();
        rows[(*row_count)++] = account; /* ids A0000.. sort in index order */
    }
    for (unsigned i = 0; i < t; i++) {
        unsigned territory = rng_below(TERRITORIES);
        v->territories[territory] += 1;
        territories[(*territory_count)++] = territory;
    }
}

static size_t check_case(version *v, unsigned max_rows, unsigned max_territories)
{
    /* make_policy seeds the generator per territory, so the sequence of
     * changes is saved around it. */
    char *before_text = NULL, *after_text = NULL;
    uint64_t saved = rng_state;
    credo_snapshot *before = make_snapshot(v->accounts, ACCOUNTS);
    credo_policy *before_policy = make_policy(v->territories, &before_text);
    credo_assignment *previous = full_run(before, before_policy);

    uint32_t rows[ACCOUNTS], territories[TERRITORIES];
    size_t row_count = 0, territory_count = 0;
    rng_state = saved;
    change(v, max_rows, max_territories, rows, &row_count, territories, &territory_count);
    saved = rng_state;
    credo_snapshot *after = make_snapshot(v->accounts, ACCOUNTS);
    credo_policy *after_policy = make_policy(v->territories, &after_text);
    rng_state = saved;
    credo_assignment *want = full_run(after, after_policy);

    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    credo_assignment *got = NULL;
    size_t reevaluated = 0;
    assert_int_equal(credo_rule_index_build(after_policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(index, after, &bound, &err), CREDO_OK);
    assert_int_equal(credo_assign_incremental(after, after_policy, bound, previous, rows, row_count, territories,
                                              territory_count, &got, &reevaluated, &err),
                     CREDO_OK);
    expect_same(got, want, after_text);

    /* The in-place update works on its own full run of the old version,
     * because previous must stay as it was for the copy above. */
    credo_assignment *updated = full_run(before, before_policy);
    size_t updated_reevaluated = 0;
    assert_int_equal(credo_assign_incremental_update(after, after_policy, bound, updated, rows, row_count,
                                                     territories, territory_count, &updated_reevaluated, &err),
                     CREDO_OK);
    expect_same(updated, want, after_text);
    assert_int_equal(updated_reevaluated, reevaluated);

    credo_assignment_free(updated);
    credo_assignment_free(got);
    credo_assignment_free(want);
    credo_assignment_free(previous);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_policy_free(before_policy);
    credo_policy_free(after_policy);
    credo_snapshot_free(before);
    credo_snapshot_free(after);
    free(before_text);
    free(after_text);
    return reevaluated;
}

static version *first_version(uint64_t seed)
{
    version *v = calloc(1, sizeof *v);
    assert_non_null(v);
    rng_state = seed;
    for (size_t i = 0; i < ACCOUNTS; i++)
        v->accounts[i] = random_values();
    return v;
}

/* ---- tests ---- */

static void incremental_random_rows(void **state)
{
    (void)state;
    version *v = first_version(SEED ^ 1);
    size_t reevaluated = 0;
    for (unsigned i = 0; i < CASES; i++)
        reevaluated += check_case(v, ACCOUNTS / 20, 0);
    /* Only changed rows are evaluated again: at most 15 per case. */
    assert_true(reevaluated <= (size_t)CASES * (ACCOUNTS / 20));
    free(v);
}

static void incremental_random_territories(void **state)
{
    (void)state;
    version *v = first_version(SEED ^ 2);
    for (unsigned i = 0; i < CASES; i++)
        check_case(v, 0, 3);
    free(v);
}

static void incremental_random_both(void **state)
{
    (void)state;
    version *v = first_version(SEED ^ 3);
    for (unsigned i = 0; i < CASES; i++)
        check_case(v, ACCOUNTS / 10, 4);
    free(v);
}

/* A fixed setup for the exact checks below: two versions of one account set
 * under one policy. */
typedef struct fixture {
    char *text;
    credo_policy *policy;
    credo_snapshot *snapshot;
    credo_rule_index *index;
    credo_rule_bound *bound;
    credo_assignment *previous;
} fixture;

static void fixture_open(fixture *f)
{
    version *v = first_version(SEED ^ 4);
    credo_error err = {0};
    f->snapshot = make_snapshot(v->accounts, ACCOUNTS);
    f->policy = make_policy(v->territories, &f->text);
    f->previous = full_run(f->snapshot, f->policy);
    assert_int_equal(credo_rule_index_build(f->policy, &f->index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(f->index, f->snapshot, &f->bound, &err), CREDO_OK);
    free(v);
}

static void fixture_close(fixture *f)
{
    credo_assignment_free(f->previous);
    credo_rule_bound_free(f->bound);
    credo_rule_index_free(f->index);
    credo_policy_free(f->policy);
    credo_snapshot_free(f->snapshot);
    free(f->text);
}

static void incremental_no_changes_copies(void **state)
{
    (void)state;
    fixture f = {0};
    fixture_open(&f);
    credo_error err = {0};
    credo_assignment *got = NULL;
    size_t reevaluated = 99;
    assert_int_equal(credo_assign_incremental(f.snapshot, f.policy, f.bound, f.previous, NULL, 0, NULL, 0, &got,
                                              &reevaluated, &err),
                     CREDO_OK);
    assert_int_equal(reevaluated, 0);
    expect_same(got, f.previous, f.text);
    credo_assignment_free(got);
    fixture_close(&f);
}

/* Repeated rows count once. */
static void incremental_counts_distinct_rows(void **state)
{
    (void)state;
    fixture f = {0};
    fixture_open(&f);
    const uint32_t rows[] = {7, 250, 7, 0, 299};
    credo_error err = {0};
    credo_assignment *got = NULL;
    size_t reevaluated = 0;
    assert_int_equal(credo_assign_incremental(f.snapshot, f.policy, f.bound, f.previous, rows, 5, NULL, 0, &got,
                                              &reevaluated, &err),
                     CREDO_OK);
    assert_int_equal(reevaluated, 4);
    expect_same(got, f.previous, f.text);
    credo_assignment_free(got);
    fixture_close(&f);
}

static void incremental_row_count_rejected(void **state)
{
    (void)state;
    fixture f = {0};
    fixture_open(&f);
    credo_error err = {0};
    credo_assignment *got = NULL;
    f.previous->count--;
    assert_int_equal(credo_assign_incremental(f.snapshot, f.policy, f.bound, f.previous, NULL, 0, NULL, 0, &got,
                                              NULL, &err),
                     CREDO_ERR_INVALID);
    f.previous->count++;
    assert_null(got);
    assert_non_null(strstr(err.message, "299 rows but the snapshot has 300"));
    fixture_close(&f);
}

static void incremental_row_outside_rejected(void **state)
{
    (void)state;
    fixture f = {0};
    fixture_open(&f);
    const uint32_t rows[] = {3, ACCOUNTS};
    credo_error err = {0};
    credo_assignment *got = NULL;
    assert_int_equal(credo_assign_incremental(f.snapshot, f.policy, f.bound, f.previous, rows, 2, NULL, 0, &got,
                                              NULL, &err),
                     CREDO_ERR_INVALID);
    assert_null(got);
    assert_non_null(strstr(err.message, "row 300 is outside"));
    fixture_close(&f);
}

static void incremental_territory_outside_rejected(void **state)
{
    (void)state;
    fixture f = {0};
    fixture_open(&f);
    const uint32_t territories[] = {TERRITORIES};
    credo_error err = {0};
    credo_assignment *got = NULL;
    assert_int_equal(credo_assign_incremental(f.snapshot, f.policy, f.bound, f.previous, NULL, 0, territories, 1,
                                              &got, NULL, &err),
                     CREDO_ERR_INVALID);
    assert_null(got);
    assert_non_null(strstr(err.message, "territory 40 is outside"));
    fixture_close(&f);
}

static void incremental_other_snapshot_rejected(void **state)
{
    (void)state;
    fixture f = {0};
    fixture_open(&f);
    version *v = first_version(SEED ^ 5);
    credo_snapshot *other = make_snapshot(v->accounts, ACCOUNTS);
    credo_error err = {0};
    credo_assignment *got = NULL;
    assert_int_equal(credo_assign_incremental(other, f.policy, f.bound, f.previous, NULL, 0, NULL, 0, &got, NULL,
                                              &err),
                     CREDO_ERR_INVALID);
    assert_null(got);
    assert_non_null(strstr(err.message, "another snapshot"));
    credo_snapshot_free(other);
    free(v);
    fixture_close(&f);
}

static void update_no_changes_keeps(void **state)
{
    (void)state;
    fixture f = {0};
    fixture_open(&f);
    credo_assignment *want = full_run(f.snapshot, f.policy);
    credo_error err = {0};
    size_t reevaluated = 99;
    assert_int_equal(credo_assign_incremental_update(f.snapshot, f.policy, f.bound, f.previous, NULL, 0, NULL, 0,
                                                     &reevaluated, &err),
                     CREDO_OK);
    assert_int_equal(reevaluated, 0);
    expect_same(f.previous, want, f.text);
    credo_assignment_free(want);
    fixture_close(&f);
}

/* Every row evaluated again: each entry and list is rewritten, none moves. */
static void update_every_row(void **state)
{
    (void)state;
    fixture f = {0};
    fixture_open(&f);
    credo_assignment *want = full_run(f.snapshot, f.policy);
    uint32_t rows[ACCOUNTS];
    for (uint32_t i = 0; i < ACCOUNTS; i++)
        rows[i] = ACCOUNTS - 1 - i;
    credo_error err = {0};
    size_t reevaluated = 0;
    assert_int_equal(credo_assign_incremental_update(f.snapshot, f.policy, f.bound, f.previous, rows, ACCOUNTS,
                                                     NULL, 0, &reevaluated, &err),
                     CREDO_OK);
    assert_int_equal(reevaluated, ACCOUNTS);
    expect_same(f.previous, want, f.text);
    credo_assignment_free(want);
    fixture_close(&f);
}

/* A failed update leaves every entry as it was. */
static void update_failure_keeps_entries(void **state)
{
    (void)state;
    fixture f = {0};
    fixture_open(&f);
    credo_assignment *want = full_run(f.snapshot, f.policy);
    const uint32_t rows[] = {3, ACCOUNTS + 1};
    credo_error err = {0};
    size_t reevaluated = 99;
    assert_int_equal(credo_assign_incremental_update(f.snapshot, f.policy, f.bound, f.previous, rows, 2, NULL, 0,
                                                     &reevaluated, &err),
                     CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "row 301 is outside"));
    assert_int_equal(reevaluated, 99);
    expect_same(f.previous, want, f.text);
    credo_assignment_free(want);
    fixture_close(&f);
}

/* Returns the first entry of previous's tied list, or of its overlay list
 * when no row has a tied territory. */
static uint32_t *first_list_entry(credo_assignment *previous)
{
    if (previous->tied_start[previous->count] > 0)
        return &previous->tied[0];
    assert_true(previous->overlay_start[previous->count] > 0);
    return &previous->overlays[0];
}

/* The previous lists are read only when territories changed, and a
 * territory id outside the policy is rejected then. */
static void incremental_list_territory_rejected(void **state)
{
    (void)state;
    fixture f = {0};
    fixture_open(&f);
    *first_list_entry(f.previous) = TERRITORIES + 5;
    const uint32_t territories[] = {0};
    credo_error err = {0};
    credo_assignment *got = NULL;
    assert_int_equal(credo_assign_incremental(f.snapshot, f.policy, f.bound, f.previous, NULL, 0, territories, 1,
                                              &got, NULL, &err),
                     CREDO_ERR_INVALID);
    assert_null(got);
    assert_non_null(strstr(err.message, "names territory 45, but the policy has 40"));
    fixture_close(&f);
}

static void update_list_territory_rejected(void **state)
{
    (void)state;
    fixture f = {0};
    fixture_open(&f);
    *first_list_entry(f.previous) = TERRITORIES + 5;
    const uint32_t territories[] = {0};
    credo_error err = {0};
    assert_int_equal(credo_assign_incremental_update(f.snapshot, f.policy, f.bound, f.previous, NULL, 0,
                                                     territories, 1, NULL, &err),
                     CREDO_ERR_INVALID);
    assert_non_null(strstr(err.message, "names territory 45, but the policy has 40"));
    assert_int_equal(*first_list_entry(f.previous), TERRITORIES + 5);
    fixture_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(incremental_random_rows),
        cmocka_unit_test(incremental_random_territories),
        cmocka_unit_test(incremental_random_both),
        cmocka_unit_test(incremental_no_changes_copies),
        cmocka_unit_test(incremental_counts_distinct_rows),
        cmocka_unit_test(incremental_row_count_rejected),
        cmocka_unit_test(incremental_row_outside_rejected),
        cmocka_unit_test(incremental_territory_outside_rejected),
        cmocka_unit_test(incremental_other_snapshot_rejected),
        cmocka_unit_test(incremental_list_territory_rejected),
        cmocka_unit_test(update_no_changes_keeps),
        cmocka_unit_test(update_every_row),
        cmocka_unit_test(update_failure_keeps_entries),
        cmocka_unit_test(update_list_territory_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
