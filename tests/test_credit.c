/* Tests of revenue credit: the largest remainder split (hand-computed
 * cases, int64 extremes, errors, and random properties checked with
 * 128-bit arithmetic) and the credit lines of won deals. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/engine.h"
#include "credo/policy.h"

/* ---- Split helpers ---------------------------------------------------- */

enum { MAX_PARTS = 8 };

/* Splits amount and fails the test when the split is rejected. */
static void split_ok(credo_money amount, const credo_bp *shares, const char *const *reps,
                     size_t count, credo_money *parts)
{
    credo_error err = {0};
    credo_status status = credo_split_amount(amount, shares, reps, count, parts, &err);
    if (status != CREDO_OK)
        fail_msg("splitting %lld failed: %s", (long long)amount, err.message);
}

/* Splits amount where the split must be rejected; returns the error. */
static credo_error split_fails(credo_money amount, const credo_bp *shares, const char *const *reps,
                               size_t count)
{
    credo_error err = {0};
    credo_money parts[MAX_PARTS] = {0};
    assert_int_equal(credo_split_amount(amount, shares, reps, count, parts, &err), CREDO_ERR_INVALID);
    assert_int_equal(err.status, CREDO_ERR_INVALID);
    return err;
}

static void assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

/* ---- Split: hand-computed cases --------------------------------------- */

/* 100 * 3333 / 10000 = 33 rem 3300 (b and a); 100 * 3334 / 10000 = 33 rem
 * 3400 (c). 99 assigned, 1 left over: c has the largest remainder. */
static void split_thirds(void **state)
{
    (void)state;
    const credo_bp shares[] = {3333, 3333, 3334};
    const char *const reps[] = {"b", "a", "c"};
    credo_money parts[3];
    split_ok(100, shares, reps, 3, parts);

    assert_int_equal(parts[0], 33);
    assert_int_equal(parts[1], 33);
    assert_int_equal(parts[2], 34);
}

/* 2 units: c 6668 rem, b and a 6666 rem each, all floors 0. The first unit
 * goes to c, the second to the tie between b and a, won by a. */
static void split_tie_lower_rep_id(void **state)
{
    (void)state;
    const credo_bp shares[] = {3334, 3333, 3333};
    const char *const reps[] = {"c", "b", "a"};
    credo_money parts[3];
    split_ok(2, shares, reps, 3, parts);

    assert_int_equal(parts[0], 1);
    assert_int_equal(parts[1], 0);
    assert_int_equal(parts[2], 1);
}

/* 101 * 2500 / 10000 = 25 rem 2500 for all four; the one unit left goes to
 * the lowest rep id, a, which is third in the list. */
static void split_four_way_tie(void **state)
{
    (void)state;
    const credo_bp shares[] = {2500, 2500, 2500, 2500};
    const char *const reps[] = {"d", "b", "a", "c"};
    credo_money parts[4];
    split_ok(101, shares, reps, 4, parts);

    assert_int_equal(parts[0], 25);
    assert_int_equal(parts[1], 25);
    assert_int_equal(parts[2], 26);
    assert_int_equal(parts[3], 25);
}

static void split_negative_thirds(void **state)
{
    (void)state;
    const credo_bp shares[] = {3333, 3333, 3334};
    const char *const reps[] = {"b", "a", "c"};
    credo_money parts[3];
    split_ok(-100, shares, reps, 3, parts);

    assert_int_equal(parts[0], -33);
    assert_int_equal(parts[1], -33);
    assert_int_equal(parts[2], -34);
}

static void split_negative_tie(void **state)
{
    (void)state;
    const credo_bp shares[] = {2500, 2500, 2500, 2500};
    const char *const reps[] = {"d", "b", "a", "c"};
    credo_money parts[4];
    split_ok(-101, shares, reps, 4, parts);

    assert_int_equal(parts[0], -25);
    assert_int_equal(parts[1], -25);
    assert_int_equal(parts[2], -26);
    assert_int_equal(parts[3], -25);
}

static void split_minus_one_unit(void **state)
{
    (void)state;
    const credo_bp shares[] = {5000, 5000};
    const char *const reps[] = {"b", "a"};
    credo_money parts[2];
    split_ok(-1, shares, reps, 2, parts);

    assert_int_equal(parts[0], 0);
    assert_int_equal(parts[1], -1);
}

/* 7 * 5000 / 10000 = 3 rem 5000 for b and c; a (share 0) has remainder 0
 * and gets nothing although its id is the lowest. */
static void split_zero_share(void **state)
{
    (void)state;
    const credo_bp shares[] = {0, 5000, 5000};
    const char *const reps[] = {"a", "c", "b"};
    credo_money parts[3];
    split_ok(7, shares, reps, 3, parts);

    assert_int_equal(parts[0], 0);
    assert_int_equal(parts[1], 3);
    assert_int_equal(parts[2], 4);
}

static void split_zero_amount(void **state)
{
    (void)state;
    const credo_bp shares[] = {3333, 3333, 3334};
    const char *const reps[] = {"b", "a", "c"};
    credo_money parts[3] = {9, 9, 9};
    split_ok(0, shares, reps, 3, parts);

    assert_int_equal(parts[0], 0);
    assert_int_equal(parts[1], 0);
    assert_int_equal(parts[2], 0);
}

static void split_whole_share(void **state)
{
    (void)state;
    const credo_bp shares[] = {10000};
    const char *const reps[] = {"solo"};
    credo_money parts[1];
    split_ok(12345, shares, reps, 1, parts);

    assert_int_equal(parts[0], 12345);
}

/* "Zoe" (0x5A) sorts before "Émile" (0xC3 0x89), so Zoe wins the tie. */
static void split_tie_by_code_point(void **state)
{
    (void)state;
    const credo_bp shares[] = {5000, 5000};
    const char *const reps[] = {"\xc3\x89mile", "Zoe"};
    credo_money parts[2];
    split_ok(1, shares, reps, 2, parts);

    assert_int_equal(parts[0], 0);
    assert_int_equal(parts[1], 1);
}

/* "10" sorts before "9" by code point. */
static void split_tie_numeric_ids(void **state)
{
    (void)state;
    const credo_bp shares[] = {5000, 5000};
    const char *const reps[] = {"9", "10"};
    credo_money parts[2];
    split_ok(3, shares, reps, 2, parts);

    assert_int_equal(parts[0], 1);
    assert_int_equal(parts[1], 2);
}

/* ---- Split: int64 extremes -------------------------------------------- */

/* 9e18 + 1: 9e14 * 3333 = 2999700000000000000 rem 3333 (x and y), 9e14 *
 * 3334 = 3000600000000000000 rem 3334 (z); z gets the one unit left. */
static void split_near_nine_e18(void **state)
{
    (void)state;
    const credo_bp shares[] = {3333, 3333, 3334};
    const char *const reps[] = {"x", "y", "z"};
    credo_money parts[3];
    split_ok(9000000000000000001, shares, reps, 3, parts);

    assert_int_equal(parts[0], 2999700000000000000);
    assert_int_equal(parts[1], 2999700000000000000);
    assert_int_equal(parts[2], 3000600000000000001);
}

/* INT64_MAX = 9223372036854775807. Floors (computed with Python integers):
 * 3074149899883696776 rem 4731 twice and 3075072237087382254 rem 538; one
 * unit is left and x wins the tie with y. */
static void split_int64_max(void **state)
{
    (void)state;
    const credo_bp shares[] = {3333, 3333, 3334};
    const char *const reps[] = {"y", "x", "z"};
    credo_money parts[3];
    split_ok(INT64_MAX, shares, reps, 3, parts);

    assert_int_equal(parts[0], 3074149899883696776);
    assert_int_equal(parts[1], 3074149899883696777);
    assert_int_equal(parts[2], 3075072237087382254);
}

static void split_int64_min_whole(void **state)
{
    (void)state;
    const credo_bp shares[] = {10000};
    const char *const reps[] = {"solo"};
    credo_money parts[1];
    split_ok(INT64_MIN, shares, reps, 1, parts);

    assert_true(parts[0] == INT64_MIN);
}

static void split_int64_min_with_zero_share(void **state)
{
    (void)state;
    const credo_bp shares[] = {0, 10000};
    const char *const reps[] = {"a", "b"};
    credo_money parts[2];
    split_ok(INT64_MIN, shares, reps, 2, parts);

    assert_int_equal(parts[0], 0);
    assert_true(parts[1] == INT64_MIN);
}

/* |INT64_MIN| = 2^63 = 9223372036854775808: 1 bp gives 922337203685477
 * rem 5808, 9999 bp gives 9222449699651090330 rem 4192; the unit left goes
 * to a. */
static void split_int64_min_uneven(void **state)
{
    (void)state;
    const credo_bp shares[] = {1, 9999};
    const char *const reps[] = {"a", "b"};
    credo_money parts[2];
    split_ok(INT64_MIN, shares, reps, 2, parts);

    assert_int_equal(parts[0], -922337203685478);
    assert_int_equal(parts[1], -9222449699651090330);
}

/* ---- Split: errors ---------------------------------------------------- */

static void split_rejects_short_sum(void **state)
{
    (void)state;
    const credo_bp shares[] = {5000, 4999};
    const char *const reps[] = {"a", "b"};
    credo_error err = split_fails(100, shares, reps, 2);

    assert_contains(err.message, "9999");
}

static void split_rejects_long_sum(void **state)
{
    (void)state;
    const credo_bp shares[] = {5000, 5001};
    const char *const reps[] = {"a", "b"};
    credo_error err = split_fails(100, shares, reps, 2);

    assert_contains(err.message, "10001");
}

static void split_rejects_negative_share(void **state)
{
    (void)state;
    const credo_bp shares[] = {10001, -1};
    const char *const reps[] = {"a", "b"};
    credo_error err = split_fails(100, shares, reps, 2);

    assert_contains(err.message, "rep b");
    assert_contains(err.message, "-1");
}

static void split_rejects_no_parts(void **state)
{
    (void)state;
    split_fails(100, NULL, NULL, 0);
}

static void split_rejects_huge_shares(void **state)
{
    (void)state;
    const credo_bp shares[] = {INT32_MAX, INT32_MAX, 10000};
    const char *const reps[] = {"a", "b", "c"};
    split_fails(100, shares, reps, 3);
}

/* ---- Split: random properties ----------------------------------------- */

/* splitmix64: a small, well-mixed generator with a fixed seed, so that
 * every run checks the same cases. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A random amount: mostly the whole int64 range, sometimes small, and
 * sometimes one of the extremes. */
static credo_money random_amount(uint64_t *seed)
{
    uint64_t pick = next_random(seed) % 8;
    uint64_t bits = next_random(seed);
    switch (pick) {
    case 0: return INT64_MIN;
    case 1: return INT64_MAX;
    case 2: return (credo_money)(bits % 2001) - 1000;
    case 3: return (credo_money)(bits % 20000001) - 10000000;
    default: return (credo_money)bits;
    }
}

/* Random shares summing to CREDO_BP_WHOLE: sorted cut points in [0, 10000]. */
static size_t random_shares(uint64_t *seed, credo_bp *shares)
{
    size_t count = 1 + (size_t)(next_random(seed) % MAX_PARTS);
    int cuts[MAX_PARTS + 1];
    cuts[0] = 0;
    cuts[count] = CREDO_BP_WHOLE;
    for (size_t i = 1; i < count; i++)
        cuts[i] = (int)(next_random(seed) % (CREDO_BP_WHOLE + 1));
    for (size_t i = 1; i < count; i++) /* insertion sort of cuts[1..count) */
        for (size_t j = i; j > 1 && cuts[j - 1] > cuts[j]; j--) {
            int swap = cuts[j];
            cuts[j] = cuts[j - 1];
            cuts[j - 1] = swap;
        }
    for (size_t i = 0; i < count; i++)
        shares[i] = (credo_bp)(cuts[i + 1] - cuts[i]);
    return count;
}

/* Distinct rep ids whose code point order differs from list order. */
static void random_reps(uint64_t *seed, size_t count, char names[][8], const char **reps)
{
    uint64_t offset = next_random(seed) % 50;
    for (size_t i = 0; i < count; i++) {
        snprintf(names[i], 8, "r%02u", (unsigned)((offset + i * 37) % 100));
        reps[i] = names[i];
    }
}

static __int128 abs128(__int128 value)
{
    return value < 0 ? -value : value;
}

enum { PROPERTY_ROUNDS = 20000 };

static void split_property_sum_and_bound(void **state)
{
    (void)state;
    uint64_t seed = 20240601;
    for (int round = 0; round < PROPERTY_ROUNDS; round++) {
        credo_bp shares[MAX_PARTS];
        char names[MAX_PARTS][8];
        const char *reps[MAX_PARTS];
        credo_money parts[MAX_PARTS];
        credo_money amount = random_amount(&seed);
        size_t count = random_shares(&seed, shares);
        random_reps(&seed, count, names, reps);
        split_ok(amount, shares, reps, count, parts);

        __int128 sum = 0;
        for (size_t i = 0; i < count; i++) {
            sum += parts[i];
            /* |part - amount * share / 10000| < 1, scaled by 10000. */
            __int128 exact = (__int128)amount * shares[i];
            __int128 error = (__int128)parts[i] * CREDO_BP_WHOLE - exact;
            assert_true(abs128(error) < CREDO_BP_WHOLE);
            /* A part never has the opposite sign of the amount. */
            assert_false((amount > 0 && parts[i] < 0) || (amount < 0 && parts[i] > 0));
        }
        assert_true(sum == (__int128)amount);
    }
}

/* Reference split by sorting: floors of the magnitude, then the units left
 * go to the first entries of the list ordered by remainder (descending)
 * and rep id (ascending). */
static void reference_split(credo_money amount, const credo_bp *shares, const char *const *reps,
                            size_t count, __int128 *parts)
{
    __int128 magnitude = abs128((__int128)amount), assigned = 0;
    __int128 remainders[MAX_PARTS];
    size_t order[MAX_PARTS];
    for (size_t i = 0; i < count; i++) {
        parts[i] = magnitude * shares[i] / CREDO_BP_WHOLE;
        remainders[i] = magnitude * shares[i] % CREDO_BP_WHOLE;
        assigned += parts[i];
        order[i] = i;
    }
    for (size_t i = 1; i < count; i++)
        for (size_t j = i; j > 0; j--) {
            size_t a = order[j - 1], b = order[j];
            bool before = remainders[b] > remainders[a] ||
                          (remainders[b] == remainders[a] && strcmp(reps[b], reps[a]) < 0);
            if (!before)
                break;
            order[j - 1] = b;
            order[j] = a;
        }
    for (__int128 left = magnitude - assigned, k = 0; k < left; k++)
        parts[order[k]]++;
    if (amount < 0)
        for (size_t i = 0; i < count; i++)
            parts[i] = -parts[i];
}

static void split_property_matches_reference(void **state)
{
    (void)state;
    uint64_t seed = 77;
    for (int round = 0; round < PROPERTY_ROUNDS; round++) {
        credo_bp shares[MAX_PARTS];
        char names[MAX_PARTS][8];
        const char *reps[MAX_PARTS];
        credo_money parts[MAX_PARTS];
        __int128 expected[MAX_PARTS];
        credo_money amount = random_amount(&seed);
        size_t count = random_shares(&seed, shares);
        random_reps(&seed, count, names, reps);
        split_ok(amount, shares, reps, count, parts);
        reference_split(amount, shares, reps, count, expected);

        for (size_t i = 0; i < count; i++)
            assert_true((__int128)parts[i] == expected[i]);
    }
}

/* Checks the reference against split_tie_lower_rep_id, computed by hand. */
static void reference_split_by_hand(void **state)
{
    (void)state;
    const credo_bp shares[] = {3334, 3333, 3333};
    const char *const reps[] = {"c", "b", "a"};
    __int128 parts[3];
    reference_split(2, shares, reps, 3, parts);

    assert_true(parts[0] == 1);
    assert_true(parts[1] == 0);
    assert_true(parts[2] == 1);
}

/* ---- Credit of deals: helpers ----------------------------------------- */

typedef struct fixture {
    credo_snapshot *snapshot;
    credo_policy *policy;
    credo_assignment *assignment;
    credo_ownership *ownership;
    credo_credit *credit;
} fixture;

static int setup_fixture(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    credo_error err = {0};
    if (f == NULL || credo_snapshot_new(&f->snapshot, &err) != CREDO_OK) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown_fixture(void **state)
{
    fixture *f = *state;
    credo_credit_free(f->credit);
    credo_ownership_free(f->ownership);
    credo_assignment_free(f->assignment);
    credo_policy_free(f->policy);
    credo_snapshot_free(f->snapshot);
    free(f);
    return 0;
}

/* Region R-SOLO has one selling member (alice); R-DUO has two, so its
 * accounts without a named owner are pooled. */
static const char *const credit_policy =
    "credo_policy: 1\n"
    "name: credit tests\n"
    "roles:\n"
    "  - {id: ae, selling: true}\n"
    "types:\n"
    "  - {id: region, priority: 10}\n"
    "territories:\n"
    "  - id: solo\n"
    "    type: region\n"
    "    match: 'region = \"R-SOLO\"'\n"
    "    members: [{rep: alice, role: ae}]\n"
    "  - id: duo\n"
    "    type: region\n"
    "    match: 'region = \"R-DUO\"'\n"
    "    members: [{rep: alice, role: ae}, {rep: bob, role: ae}]\n";

enum { DEAL_DAY = 18300 }; /* 2020-02-08 */

static credo_str text_id(credo_snapshot *snapshot, const char *text)
{
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern_cstr(snapshot->strings, text, &status);
    if (status != CREDO_OK)
        fail_msg("interning \"%s\" failed", text);
    return id;
}

static void add_account(fixture *f, const char *id, const char *region)
{
    credo_error err = {0};
    size_t row = 0;
    if (credo_snapshot_add_account(f->snapshot, &row, &err) != CREDO_OK)
        fail_msg("adding account %s failed: %s", id, err.message);
    f->snapshot->accounts.id[row] = text_id(f->snapshot, id);
    f->snapshot->accounts.region[row] = text_id(f->snapshot, region);
}

static void add_deal(fixture *f, const char *id, const char *account, const char *owner,
                     credo_deal_status status, credo_money amount)
{
    credo_error err = {0};
    size_t row = 0;
    if (credo_snapshot_add_deal(f->snapshot, &row, &err) != CREDO_OK)
        fail_msg("adding deal %s failed: %s", id, err.message);
    f->snapshot->deals.id[row] = text_id(f->snapshot, id);
    f->snapshot->deals.account_id[row] = text_id(f->snapshot, account);
    f->snapshot->deals.owner_id[row] = text_id(f->snapshot, owner);
    f->snapshot->deals.status[row] = (uint8_t)status;
    f->snapshot->deals.amount[row] = amount;
    f->snapshot->deals.created[row] = DEAL_DAY;
}

/* Adds a team row; split -1 means no split given. */
static void add_member(fixture *f, const char *deal, const char *rep, credo_bp split)
{
    credo_error err = {0};
    size_t row = 0;
    if (credo_snapshot_add_team_member(f->snapshot, &row, &err) != CREDO_OK)
        fail_msg("adding team member %s failed: %s", rep, err.message);
    f->snapshot->team.deal_id[row] = text_id(f->snapshot, deal);
    f->snapshot->team.rep_id[row] = text_id(f->snapshot, rep);
    f->snapshot->team.role[row] = text_id(f->snapshot, "member");
    f->snapshot->team.split[row] = split;
}

static void run_engines(fixture *f)
{
    credo_error err = {0};
    if (credo_snapshot_finish(f->snapshot, &err) != CREDO_OK)
        fail_msg("finishing the snapshot failed: %s", err.message);
    if (credo_policy_parse(credit_policy, strlen(credit_policy), "test.yaml", &f->policy, &err) !=
        CREDO_OK)
        fail_msg("parsing the test policy failed: %s", err.message);
    if (credo_assign_accounts(f->snapshot, f->policy, &f->assignment, &err) != CREDO_OK)
        fail_msg("assignment failed: %s", err.message);
    if (credo_own_deals(f->snapshot, f->policy, f->assignment, &f->ownership, &err) != CREDO_OK)
        fail_msg("deal ownership failed: %s", err.message);
    if (credo_credit_deals(f->snapshot, f->ownership, &f->credit, &err) != CREDO_OK)
        fail_msg("crediting failed: %s", err.message);
}

static uint32_t deal_row(const fixture *f, const char *id)
{
    credo_str key = credo_strpool_find(f->snapshot->strings, id, strlen(id));
    uint32_t row = credo_snapshot_find_deal(f->snapshot, key);
    if (row == CREDO_NO_ROW)
        fail_msg("deal %s is not in the snapshot", id);
    return row;
}

/* Returns how many credit lines deal `id` has and stores the first. */
static size_t lines_of(const fixture *f, const char *id, const credo_credit_line **first)
{
    uint32_t row = deal_row(f, id);
    size_t count = 0;
    *first = NULL;
    for (size_t i = 0; i < f->credit->count; i++) {
        if (f->credit->lines[i].deal != row)
            continue;
        if (count++ == 0)
            *first = &f->credit->lines[i];
    }
    return count;
}

static const char *problem_of(const fixture *f, const char *id)
{
    return f->credit->problem[deal_row(f, id)];
}

/* ---- Credit of deals -------------------------------------------------- */

static void credit_owner_full(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "a", "R-SOLO");
    add_deal(f, "d", "a", "alice", CREDO_DEAL_WON, 12345);
    run_engines(f);

    assert_int_equal(lines_of(f, "d", &line), 1);
    assert_string_equal(line->rep_id, "alice");
    assert_string_equal(line->rule, CREDO_RULE_OWNER_FULL);
    assert_string_equal(line->rule, "owner-100");
    assert_string_equal(line->kind, "revenue");
    assert_int_equal(line->share, 10000);
    assert_int_equal(line->amount, 12345);
    assert_null(problem_of(f, "d"));
}

static void credit_won_only(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "a", "R-SOLO");
    add_deal(f, "open", "a", "alice", CREDO_DEAL_OPEN, 100);
    add_deal(f, "lost", "a", "alice", CREDO_DEAL_LOST, 200);
    add_deal(f, "won", "a", "alice", CREDO_DEAL_WON, 300);
    add_member(f, "open", "bob", 10000);
    run_engines(f);

    assert_int_equal(f->credit->count, 1);
    assert_int_equal(lines_of(f, "open", &line), 0);
    assert_int_equal(lines_of(f, "lost", &line), 0);
    assert_int_equal(lines_of(f, "won", &line), 1);
    assert_null(problem_of(f, "open"));
    assert_null(problem_of(f, "lost"));
    assert_int_equal(f->credit->deal_count, 3);
}

static void credit_owner_from_account(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "a", "R-SOLO");
    add_deal(f, "d", "a", NULL, CREDO_DEAL_WON, 500);
    run_engines(f);

    assert_int_equal(lines_of(f, "d", &line), 1);
    assert_string_equal(line->rep_id, "alice");
    assert_int_equal(line->amount, 500);
}

static void credit_out_of_territory_owner(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "a", "R-SOLO");
    add_deal(f, "d", "a", "zed", CREDO_DEAL_WON, 700);
    run_engines(f);

    assert_int_equal(f->ownership->status[deal_row(f, "d")], CREDO_DEAL_OUT_OF_TERRITORY);
    assert_int_equal(lines_of(f, "d", &line), 1);
    assert_string_equal(line->rep_id, "zed");
    assert_int_equal(line->amount, 700);
}

static void credit_no_account_owner(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_deal(f, "d", NULL, "zed", CREDO_DEAL_WON, 800);
    run_engines(f);

    assert_int_equal(lines_of(f, "d", &line), 1);
    assert_string_equal(line->rep_id, "zed");
}

static void credit_unowned_problem(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "pool", "R-DUO");
    add_deal(f, "d", "pool", NULL, CREDO_DEAL_WON, 900);
    run_engines(f);

    assert_int_equal(lines_of(f, "d", &line), 0);
    assert_non_null(problem_of(f, "d"));
    assert_contains(problem_of(f, "d"), "no owner");
}

/* 1001 * 4000 / 10000 = 400 rem 4000 (a); 1001 * 6000 / 10000 = 600 rem
 * 6000 (b); the unit left goes to b. c has no split and gets nothing, nor
 * does the recorded owner alice. */
static void credit_team_split(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "a", "R-SOLO");
    add_deal(f, "d", "a", "alice", CREDO_DEAL_WON, 1001);
    add_member(f, "d", "b", 6000);
    add_member(f, "d", "c", -1);
    add_member(f, "d", "a", 4000);
    run_engines(f);

    assert_int_equal(lines_of(f, "d", &line), 2);
    assert_string_equal(line[0].rep_id, "a");
    assert_string_equal(line[0].rule, CREDO_RULE_TEAM_SPLIT);
    assert_string_equal(line[0].rule, "deal-team-split");
    assert_string_equal(line[0].kind, "revenue");
    assert_int_equal(line[0].share, 4000);
    assert_int_equal(line[0].amount, 400);
    assert_string_equal(line[1].rep_id, "b");
    assert_int_equal(line[1].share, 6000);
    assert_int_equal(line[1].amount, 601);
    assert_null(problem_of(f, "d"));
}

static void credit_team_split_negative(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "a", "R-SOLO");
    add_deal(f, "d", "a", "alice", CREDO_DEAL_WON, -1001);
    add_member(f, "d", "b", 6000);
    add_member(f, "d", "a", 4000);
    run_engines(f);

    assert_int_equal(lines_of(f, "d", &line), 2);
    assert_int_equal(line[0].amount, -400);
    assert_int_equal(line[1].amount, -601);
}

static void credit_team_without_splits(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "a", "R-SOLO");
    add_deal(f, "d", "a", "alice", CREDO_DEAL_WON, 250);
    add_member(f, "d", "x", -1);
    add_member(f, "d", "y", -1);
    run_engines(f);

    assert_int_equal(lines_of(f, "d", &line), 1);
    assert_string_equal(line->rep_id, "alice");
    assert_string_equal(line->rule, CREDO_RULE_OWNER_FULL);
    assert_int_equal(line->amount, 250);
}

static void credit_team_splits_short(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "a", "R-SOLO");
    add_deal(f, "d", "a", "alice", CREDO_DEAL_WON, 1000);
    add_member(f, "d", "a", 5000);
    add_member(f, "d", "b", 4000);
    run_engines(f);

    assert_int_equal(lines_of(f, "d", &line), 0);
    assert_non_null(problem_of(f, "d"));
    assert_contains(problem_of(f, "d"), "100%");
}

static void credit_team_splits_over(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "a", "R-SOLO");
    add_deal(f, "d", "a", "alice", CREDO_DEAL_WON, 1000);
    add_member(f, "d", "a", 6000);
    add_member(f, "d", "b", 6000);
    run_engines(f);

    assert_int_equal(lines_of(f, "d", &line), 0);
    assert_non_null(problem_of(f, "d"));
}

static void credit_team_on_unowned_deal(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "pool", "R-DUO");
    add_deal(f, "d", "pool", NULL, CREDO_DEAL_WON, 90);
    add_member(f, "d", "bob", 10000);
    run_engines(f);

    assert_int_equal(f->ownership->status[deal_row(f, "d")], CREDO_DEAL_UNOWNED);
    assert_int_equal(lines_of(f, "d", &line), 1);
    assert_string_equal(line->rep_id, "bob");
    assert_int_equal(line->amount, 90);
    assert_null(problem_of(f, "d"));
}

/* Team rows of unknown deals sort before, between and after the deals
 * ("a0" < "d1" < "d15" < "d2" < "zz"); each deal still gets its own. */
static void credit_team_unknown_deals_interleaved(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "a", "R-SOLO");
    add_deal(f, "d2", "a", "alice", CREDO_DEAL_WON, 200);
    add_deal(f, "d1", "a", "alice", CREDO_DEAL_WON, 100);
    add_deal(f, "d3", "a", "alice", CREDO_DEAL_WON, 300);
    add_member(f, "zz", "w", 10000);
    add_member(f, "d2", "q", 2500);
    add_member(f, "d15", "x", 10000);
    add_member(f, "d1", "p", 10000);
    add_member(f, "a0", "y", 10000);
    add_member(f, "d2", "r", 7500);
    run_engines(f);

    assert_int_equal(f->credit->count, 4);
    assert_int_equal(lines_of(f, "d1", &line), 1);
    assert_string_equal(line->rep_id, "p");
    assert_int_equal(line->amount, 100);
    assert_int_equal(lines_of(f, "d2", &line), 2);
    assert_string_equal(line[0].rep_id, "q");
    assert_int_equal(line[0].amount, 50);
    assert_string_equal(line[1].rep_id, "r");
    assert_int_equal(line[1].amount, 150);
    assert_int_equal(lines_of(f, "d3", &line), 1);
    assert_string_equal(line->rep_id, "alice");
    assert_int_equal(line->amount, 300);
}

/* A team on a lost deal must not shift the team rows of the next won deal. */
static void credit_team_after_skipped_deal(void **state)
{
    fixture *f = *state;
    const credo_credit_line *line = NULL;
    add_account(f, "a", "R-SOLO");
    add_deal(f, "d1", "a", "alice", CREDO_DEAL_LOST, 100);
    add_deal(f, "d2", "a", "alice", CREDO_DEAL_WON, 200);
    add_member(f, "d1", "p", 10000);
    add_member(f, "d2", "q", 10000);
    run_engines(f);

    assert_int_equal(f->credit->count, 1);
    assert_int_equal(lines_of(f, "d2", &line), 1);
    assert_string_equal(line->rep_id, "q");
}

static void credit_lines_sorted(void **state)
{
    fixture *f = *state;
    char id[16];
    add_account(f, "a", "R-SOLO");
    for (int i = 29; i >= 0; i--) {
        snprintf(id, sizeof id, "deal-%02d", i);
        add_deal(f, id, "a", i % 3 == 0 ? NULL : "alice", CREDO_DEAL_WON, 1000 + i);
        if (i % 2 == 0) {
            add_member(f, id, "zz", 3333);
            add_member(f, id, "mm", 3333);
            add_member(f, id, "aa", 3334);
        }
    }
    run_engines(f);

    const credo_credit *credit = f->credit;
    /* 15 deals with three team lines, 15 with one owner line. */
    assert_int_equal(credit->count, 15 * 3 + 15);
    for (size_t i = 1; i < credit->count; i++) {
        const credo_credit_line *before = &credit->lines[i - 1], *line = &credit->lines[i];
        assert_true(before->deal < line->deal ||
                    (before->deal == line->deal && strcmp(before->rep_id, line->rep_id) < 0));
    }
    for (uint32_t deal = 0; deal < f->snapshot->deals.count; deal++) {
        credo_money sum = 0;
        for (size_t i = 0; i < credit->count; i++)
            if (credit->lines[i].deal == deal)
                sum += credit->lines[i].amount;
        assert_int_equal(sum, f->snapshot->deals.amount[deal]);
    }
}

static void credit_empty_snapshot(void **state)
{
    fixture *f = *state;
    run_engines(f);

    assert_int_equal(f->credit->count, 0);
    assert_int_equal(f->credit->deal_count, 0);
}

static void free_accepts_null(void **state)
{
    (void)state;
    credo_credit_free(NULL);
}

#define CREDIT_TEST(name) cmocka_unit_test_setup_teardown(name, setup_fixture, teardown_fixture)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_thirds),
        cmocka_unit_test(split_tie_lower_rep_id),
        cmocka_unit_test(split_four_way_tie),
        cmocka_unit_test(split_negative_thirds),
        cmocka_unit_test(split_negative_tie),
        cmocka_unit_test(split_minus_one_unit),
        cmocka_unit_test(split_zero_share),
        cmocka_unit_test(split_zero_amount),
        cmocka_unit_test(split_whole_share),
        cmocka_unit_test(split_tie_by_code_point),
        cmocka_unit_test(split_tie_numeric_ids),
        cmocka_unit_test(split_near_nine_e18),
        cmocka_unit_test(split_int64_max),
        cmocka_unit_test(split_int64_min_whole),
        cmocka_unit_test(split_int64_min_with_zero_share),
        cmocka_unit_test(split_int64_min_uneven),
        cmocka_unit_test(split_rejects_short_sum),
        cmocka_unit_test(split_rejects_long_sum),
        cmocka_unit_test(split_rejects_negative_share),
        cmocka_unit_test(split_rejects_no_parts),
        cmocka_unit_test(split_rejects_huge_shares),
        cmocka_unit_test(split_property_sum_and_bound),
        cmocka_unit_test(split_property_matches_reference),
        cmocka_unit_test(reference_split_by_hand),
        CREDIT_TEST(credit_owner_full),
        CREDIT_TEST(credit_won_only),
        CREDIT_TEST(credit_owner_from_account),
        CREDIT_TEST(credit_out_of_territory_owner),
        CREDIT_TEST(credit_no_account_owner),
        CREDIT_TEST(credit_unowned_problem),
        CREDIT_TEST(credit_team_split),
        CREDIT_TEST(credit_team_split_negative),
        CREDIT_TEST(credit_team_without_splits),
        CREDIT_TEST(credit_team_splits_short),
        CREDIT_TEST(credit_team_splits_over),
        CREDIT_TEST(credit_team_on_unowned_deal),
        CREDIT_TEST(credit_team_unknown_deals_interleaved),
        CREDIT_TEST(credit_team_after_skipped_deal),
        CREDIT_TEST(credit_lines_sorted),
        CREDIT_TEST(credit_empty_snapshot),
        cmocka_unit_test(free_accepts_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
