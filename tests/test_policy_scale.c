/* Plans past the limits of common territory tools: lists of 10,000 postal
 * codes, a roll-up hierarchy 5,000 levels deep, and 100,000 territories.
 * Each is parsed, checked and assigned through the rule index, and the
 * result is compared with what the test derives from the plan's
 * construction and, where it is fast enough, with the straightforward
 * evaluator. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/buf.h"
#include "credo/engine.h"
#include "credo/policy.h"
#include "credo/rule_index.h"

/* Listed territories and the codes of each list: territory t lists every
 * five-digit code below LISTED * LIST_SIZE whose remainder by LISTED is t. */
#define LISTED 4
#define LIST_SIZE 10000
#define HIERARCHY_DEPTH 5000
#define WIDE_TERRITORIES 100000
#define ACCOUNTS 3000

typedef struct scale_fixture {
    credo_snapshot *snapshot;
    credo_policy *policy;
    credo_assignment *indexed;
    credo_assignment *threaded; /* credo_assign_accounts_fast on 2 threads */
    credo_assignment *oracle;
    unsigned postal[ACCOUNTS]; /* each account's postal code as a number */
} scale_fixture;

static credo_str intern(credo_snapshot *snapshot, const char *text)
{
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern_cstr(snapshot->strings, text, &status);
    if (status != CREDO_OK)
        fail_msg("interning \"%s\" failed", text);
    return id;
}

/* Accounts A00000.. with postal codes from a fixed linear congruential
 * sequence over 00000 to 99999, so that some fall outside every list. */
static void add_accounts(scale_fixture *f)
{
    credo_error err = {0};
    uint32_t state = 12345;
    for (size_t i = 0; i < ACCOUNTS; i++) {
        size_t row = 0;
        if (credo_snapshot_add_account(f->snapshot, &row, &err) != CREDO_OK)
            fail_msg("adding an account failed: %s", err.message);
        state = state * 1103515245u + 12345u;
        f->postal[row] = (state >> 8) % 100000;
        char id[16], code[8];
        snprintf(id, sizeof id, "A%05zu", i);
        snprintf(code, sizeof code, "%05u", f->postal[row]);
        f->snapshot->accounts.id[row] = intern(f->snapshot, id);
        f->snapshot->accounts.postal_code[row] = intern(f->snapshot, code);
        f->snapshot->accounts.country[row] = intern(f->snapshot, "US");
    }
    if (credo_snapshot_finish(f->snapshot, &err) != CREDO_OK)
        fail_msg("finishing the snapshot failed: %s", err.message);
}

static int fixture_setup(void **state)
{
    scale_fixture *f = calloc(1, sizeof *f);
    credo_error err = {0};
    if (f == NULL || credo_snapshot_new(&f->snapshot, &err) != CREDO_OK)
        return -1;
    add_accounts(f);
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    scale_fixture *f = *state;
    credo_assignment_free(f->indexed);
    credo_assignment_free(f->threaded);
    credo_assignment_free(f->oracle);
    credo_policy_free(f->policy);
    credo_snapshot_free(f->snapshot);
    free(f);
    return 0;
}

/* Parses the plan, checks it against the snapshot and assigns with the
 * rule index, and with the straightforward evaluator when with_oracle. */
static void load_and_assign(scale_fixture *f, credo_buf *yaml, bool with_oracle)
{
    assert_false(credo_buf_failed(yaml));
    credo_error err = {0};
    if (credo_policy_parse(credo_buf_text(yaml), yaml->length, "scale.yaml", &f->policy, &err) != CREDO_OK)
        fail_msg("parsing the plan failed: %s", err.message);

    credo_buf problems = CREDO_BUF_INIT;
    size_t errors = credo_policy_check(f->policy, f->snapshot, &problems);
    if (errors != 0)
        fail_msg("the plan has %zu errors: %s", errors, credo_buf_text(&problems));
    credo_buf_free(&problems);

    credo_rule_index *index = NULL;
    assert_int_equal(credo_rule_index_build(f->policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_assign_accounts_indexed(f->snapshot, f->policy, index, &f->indexed, &err), CREDO_OK);
    credo_rule_index_free(index);
    assert_int_equal(credo_assign_accounts_fast(f->snapshot, f->policy, 2, NULL, &f->threaded, &err), CREDO_OK);
    if (with_oracle)
        assert_int_equal(credo_assign_accounts(f->snapshot, f->policy, &f->oracle, &err), CREDO_OK);
}

/* Appends one listed territory: `- id: lT` with a list of LIST_SIZE codes. */
static void append_listed(credo_buf *yaml, unsigned territory, const char *parent)
{
    credo_buf_printf(yaml, "  - id: l%u\n    type: geo\n", territory);
    if (parent != NULL)
        credo_buf_printf(yaml, "    parent: %s\n", parent);
    credo_buf_puts(yaml, "    match: postal_code in (");
    for (unsigned k = 0; k < LIST_SIZE; k++)
        credo_buf_printf(yaml, "%s\"%05u\"", k > 0 ? ", " : "", k * LISTED + territory);
    credo_buf_puts(yaml, ")\n");
}

/* The territory index the plan gives an account with this postal code: the
 * listed territory of the code's remainder, or none past the lists. */
static size_t expected_listed(unsigned postal, size_t first_listed)
{
    return postal < LISTED * LIST_SIZE ? first_listed + postal % LISTED : SIZE_MAX;
}

static void compare_listed(const scale_fixture *f, size_t first_listed)
{
    const credo_assignment *assignment = f->indexed;
    for (size_t row = 0; row < ACCOUNTS; row++) {
        size_t expected = expected_listed(f->postal[row], first_listed);
        if (expected == SIZE_MAX) {
            assert_int_equal(assignment->status[row], CREDO_ACCOUNT_GAP);
            continue;
        }
        assert_int_equal(assignment->status[row], CREDO_ACCOUNT_ASSIGNED);
        assert_int_equal(assignment->territory[row], expected);
    }
}

static void compare_with_oracle(const scale_fixture *f)
{
    for (size_t row = 0; row < ACCOUNTS; row++) {
        assert_int_equal(f->indexed->status[row], f->oracle->status[row]);
        assert_int_equal(f->indexed->territory[row], f->oracle->territory[row]);
    }
}

/* The threaded whole-snapshot assignment gives the single-threaded index's
 * result. */
static void compare_threaded(const scale_fixture *f)
{
    for (size_t row = 0; row < ACCOUNTS; row++) {
        assert_int_equal(f->threaded->status[row], f->indexed->status[row]);
        assert_int_equal(f->threaded->territory[row], f->indexed->territory[row]);
    }
}

static void long_lists_assign_exactly(void **state)
{
    scale_fixture *f = *state;
    credo_buf yaml = CREDO_BUF_INIT;
    credo_buf_puts(&yaml, "credo_policy: 1\nname: lists\ntypes:\n  - {id: geo, priority: 10}\nterritories:\n");
    for (unsigned t = 0; t < LISTED; t++)
        append_listed(&yaml, t, NULL);
    load_and_assign(f, &yaml, true);
    credo_buf_free(&yaml);

    assert_int_equal(f->policy->territory_count, LISTED);
    compare_listed(f, 0);
    compare_with_oracle(f);
    compare_threaded(f);
}

static void deep_hierarchy_is_accepted(void **state)
{
    scale_fixture *f = *state;
    credo_buf yaml = CREDO_BUF_INIT;
    credo_buf_puts(&yaml, "credo_policy: 1\nname: deep\ntypes:\n  - {id: geo, priority: 10}\nterritories:\n");
    for (unsigned level = 0; level < HIERARCHY_DEPTH; level++) {
        if (level == 0)
            credo_buf_puts(&yaml, "  - {id: h0}\n");
        else
            credo_buf_printf(&yaml, "  - {id: h%u, parent: h%u}\n", level, level - 1);
    }
    char deepest[16];
    snprintf(deepest, sizeof deepest, "h%u", HIERARCHY_DEPTH - 1);
    for (unsigned t = 0; t < LISTED; t++)
        append_listed(&yaml, t, deepest);
    load_and_assign(f, &yaml, true);
    credo_buf_free(&yaml);

    /* The chain from a listed territory up to the root has every level. */
    size_t steps = 0;
    for (size_t at = HIERARCHY_DEPTH; at != SIZE_MAX; at = f->policy->territories[at].parent_index)
        steps++;
    assert_int_equal(steps, HIERARCHY_DEPTH + 1);
    compare_listed(f, HIERARCHY_DEPTH);
    compare_with_oracle(f);
    compare_threaded(f);
}

/* 100,000 territories of one postal code each, in a range rule: code c
 * belongs to territory c, so every account is assigned to its own code.
 * The straightforward evaluator would test 100,000 rules per account, too
 * slow for a unit test, so only the construction is the reference. */
static void wide_plan_assigns_exactly(void **state)
{
    scale_fixture *f = *state;
    credo_buf yaml = CREDO_BUF_INIT;
    credo_buf_puts(&yaml, "credo_policy: 1\nname: wide\ntypes:\n  - {id: geo, priority: 10}\nterritories:\n");
    for (unsigned t = 0; t < WIDE_TERRITORIES; t++)
        credo_buf_printf(&yaml, "  - {id: z%05u, type: geo, match: 'postal_code in (\"%05u\"..\"%05u\")'}\n", t, t, t);
    load_and_assign(f, &yaml, false);
    credo_buf_free(&yaml);

    assert_int_equal(f->policy->territory_count, WIDE_TERRITORIES);
    for (size_t row = 0; row < ACCOUNTS; row++) {
        assert_int_equal(f->indexed->status[row], CREDO_ACCOUNT_ASSIGNED);
        assert_int_equal(f->indexed->territory[row], f->postal[row]);
    }
    compare_threaded(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(long_lists_assign_exactly, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(deep_hierarchy_is_accepted, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(wide_plan_assigns_exactly, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
