/* Tests of account owners on a date and of deal ownership: selling and
 * non-selling roles, named and pooled owners, [from, to) membership
 * intervals, and the territory status of deals.
 *
 * Day numbers (days since 1970-01-01) were computed with Python's
 * datetime module: 2019-12-31 = 18261, 2020-01-01 = 18262,
 * 2020-05-31 = 18413, 2020-06-01 = 18414. */
#include "test_support.h"

#include <stdlib.h>
#include <string.h>

#include "credo/engine.h"
#include "credo/policy.h"

enum {
    DAY_2019_12_31 = 18261,
    DAY_2020_01_01 = 18262,
    DAY_2020_05_31 = 18413,
    DAY_2020_06_01 = 18414,
    DAY_MID_2020 = 18300, /* 2020-02-08, a day when every open member is active */
};

/* ---- Helpers ---------------------------------------------------------- */

typedef struct fixture {
    credo_snapshot *snapshot;
    credo_policy *policy;
    credo_assignment *assignment;
    credo_ownership *ownership;
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
    credo_ownership_free(f->ownership);
    credo_assignment_free(f->assignment);
    credo_policy_free(f->policy);
    credo_snapshot_free(f->snapshot);
    free(f);
    return 0;
}

/* Territories, each matched by one region code R-<NAME> except the
 * roll-up. Members are listed so that one rep's two roles are not adjacent
 * in "mixed". */
static const char *const ownership_policy =
    "credo_policy: 1\n"
    "name: ownership tests\n"
    "roles:\n"
    "  - {id: ae, selling: true}\n"
    "  - {id: se, selling: true}\n"
    "  - {id: manager, selling: false}\n"
    "types:\n"
    "  - {id: region, priority: 10}\n"
    "territories:\n"
    "  - id: solo\n"
    "    type: region\n"
    "    match: 'region = \"R-SOLO\"'\n"
    "    members:\n"
    "      - {rep: alice, role: ae}\n"
    "      - {rep: mgr, role: manager}\n"
    "  - id: duo\n"
    "    type: region\n"
    "    match: 'region = \"R-DUO\"'\n"
    "    members:\n"
    "      - {rep: alice, role: ae}\n"
    "      - {rep: bob, role: ae}\n"
    "      - {rep: mgr, role: manager}\n"
    "  - id: managed\n"
    "    type: region\n"
    "    match: 'region = \"R-MANAGED\"'\n"
    "    members:\n"
    "      - {rep: mgr, role: manager}\n"
    "  - id: nobody\n"
    "    type: region\n"
    "    match: 'region = \"R-NOBODY\"'\n"
    "  - id: dated\n"
    "    type: region\n"
    "    match: 'region = \"R-DATED\"'\n"
    "    members:\n"
    "      - {rep: carol, role: ae, from: 2020-01-01, to: 2020-06-01}\n"
    "      - {rep: dave, role: ae, from: 2020-06-01}\n"
    "  - id: double\n"
    "    type: region\n"
    "    match: 'region = \"R-DOUBLE\"'\n"
    "    members:\n"
    "      - {rep: erin, role: ae}\n"
    "      - {rep: erin, role: se}\n"
    "  - id: mixed\n"
    "    type: region\n"
    "    match: 'region = \"R-MIXED\"'\n"
    "    members:\n"
    "      - {rep: erin, role: ae}\n"
    "      - {rep: frank, role: se}\n"
    "      - {rep: erin, role: se}\n"
    "  - id: trio\n"
    "    type: region\n"
    "    match: 'region = \"R-TRIO\"'\n"
    "    members:\n"
    "      - {rep: gina, role: ae}\n"
    "      - {rep: hank, role: ae, to: 2020-06-01}\n"
    "      - {rep: ivan, role: se}\n"
    "  - {id: clash1, type: region, match: 'region = \"R-CLASH\"'}\n"
    "  - {id: clash2, type: region, match: 'region = \"R-CLASH\"'}\n";

static credo_str text_id(credo_snapshot *snapshot, const char *text)
{
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern_cstr(snapshot->strings, text, &status);
    if (status != CREDO_OK)
        fail_msg("interning \"%s\" failed", text);
    return id;
}

/* Adds an account in region (NULL = missing) with a named owner (NULL = none). */
static void add_account(fixture *f, const char *id, const char *region, const char *owner)
{
    credo_error err = {0};
    size_t row = 0;
    if (credo_snapshot_add_account(f->snapshot, &row, &err) != CREDO_OK)
        fail_msg("adding account %s failed: %s", id, err.message);
    f->snapshot->accounts.id[row] = text_id(f->snapshot, id);
    f->snapshot->accounts.region[row] = text_id(f->snapshot, region);
    f->snapshot->accounts.owner_id[row] = text_id(f->snapshot, owner);
}

/* Adds a deal; NULL account or owner is missing, as is CREDO_DATE_NONE. */
static void add_deal(fixture *f, const char *id, const char *account, const char *owner,
                     credo_date created, credo_date close_date)
{
    credo_error err = {0};
    size_t row = 0;
    if (credo_snapshot_add_deal(f->snapshot, &row, &err) != CREDO_OK)
        fail_msg("adding deal %s failed: %s", id, err.message);
    f->snapshot->deals.id[row] = text_id(f->snapshot, id);
    f->snapshot->deals.account_id[row] = text_id(f->snapshot, account);
    f->snapshot->deals.owner_id[row] = text_id(f->snapshot, owner);
    f->snapshot->deals.created[row] = created;
    f->snapshot->deals.close_date[row] = close_date;
}

/* Finishes the snapshot, parses the policy, assigns accounts and decides
 * deal owners. */
static void run_engines(fixture *f)
{
    credo_error err = {0};
    if (credo_snapshot_finish(f->snapshot, &err) != CREDO_OK)
        fail_msg("finishing the snapshot failed: %s", err.message);
    if (credo_policy_parse(ownership_policy, strlen(ownership_policy), "test.yaml", &f->policy,
                           &err) != CREDO_OK)
        fail_msg("parsing the test policy failed: %s", err.message);
    if (credo_assign_accounts(f->snapshot, f->policy, &f->assignment, &err) != CREDO_OK)
        fail_msg("assignment failed: %s", err.message);
    if (credo_own_deals(f->snapshot, f->policy, f->assignment, &f->ownership, &err) != CREDO_OK)
        fail_msg("deal ownership failed: %s", err.message);
}

static uint32_t account_row(const fixture *f, const char *id)
{
    credo_str key = credo_strpool_find(f->snapshot->strings, id, strlen(id));
    uint32_t row = credo_snapshot_find_account(f->snapshot, key);
    if (row == CREDO_NO_ROW)
        fail_msg("account %s is not in the snapshot", id);
    return row;
}

static uint32_t deal_row(const fixture *f, const char *id)
{
    credo_str key = credo_strpool_find(f->snapshot->strings, id, strlen(id));
    uint32_t row = credo_snapshot_find_deal(f->snapshot, key);
    if (row == CREDO_NO_ROW)
        fail_msg("deal %s is not in the snapshot", id);
    return row;
}

static uint32_t territory_index(const fixture *f, const char *id)
{
    size_t index = credo_policy_find_territory(f->policy, id);
    if (index == SIZE_MAX)
        fail_msg("territory %s is not in the policy", id);
    return (uint32_t)index;
}

/* Owner kind of an account on date; *rep receives the owner or NULL. */
static credo_owner_kind owner_on(const fixture *f, const char *account, credo_date date,
                                 const char **rep)
{
    return credo_account_owner(f->snapshot, f->policy, f->assignment, account_row(f, account),
                               date, rep);
}

static credo_deal_territory_status deal_status(const fixture *f, const char *deal)
{
    return (credo_deal_territory_status)f->ownership->status[deal_row(f, deal)];
}

static const char *deal_owner(const fixture *f, const char *deal)
{
    return f->ownership->owner[deal_row(f, deal)];
}

static bool deal_owner_from_account(const fixture *f, const char *deal)
{
    return f->ownership->owner_from_account[deal_row(f, deal)];
}

/* ---- Account owners --------------------------------------------------- */

static void owner_single_member(void **state)
{
    fixture *f = *state;
    const char *rep = "unset";
    add_account(f, "a", "R-SOLO", NULL);
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_MID_2020, &rep), CREDO_OWNER_SINGLE);
    assert_non_null(rep);
    assert_string_equal(rep, "alice");
}

static void owner_single_ignores_named(void **state)
{
    fixture *f = *state;
    const char *rep = NULL;
    add_account(f, "a", "R-SOLO", "zed");
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_MID_2020, &rep), CREDO_OWNER_SINGLE);
    assert_string_equal(rep, "alice");
}

static void owner_named_among_several(void **state)
{
    fixture *f = *state;
    const char *rep = NULL;
    add_account(f, "a", "R-DUO", "bob");
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_MID_2020, &rep), CREDO_OWNER_NAMED);
    assert_non_null(rep);
    assert_string_equal(rep, "bob");
}

static void owner_pooled_stranger_named(void **state)
{
    fixture *f = *state;
    const char *rep = "unset";
    add_account(f, "a", "R-DUO", "zed");
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_MID_2020, &rep), CREDO_OWNER_POOLED);
    assert_null(rep);
}

static void owner_pooled_no_named(void **state)
{
    fixture *f = *state;
    const char *rep = "unset";
    add_account(f, "a", "R-DUO", NULL);
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_MID_2020, &rep), CREDO_OWNER_POOLED);
    assert_null(rep);
}

static void owner_pooled_named_not_selling(void **state)
{
    fixture *f = *state;
    const char *rep = "unset";
    add_account(f, "a", "R-DUO", "mgr");
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_MID_2020, &rep), CREDO_OWNER_POOLED);
    assert_null(rep);
}

static void owner_vacant_manager_only(void **state)
{
    fixture *f = *state;
    const char *rep = "unset";
    add_account(f, "a", "R-MANAGED", "mgr");
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_MID_2020, &rep), CREDO_OWNER_VACANT);
    assert_null(rep);
}

static void owner_vacant_no_members(void **state)
{
    fixture *f = *state;
    const char *rep = "unset";
    add_account(f, "a", "R-NOBODY", NULL);
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_MID_2020, &rep), CREDO_OWNER_VACANT);
    assert_null(rep);
}

static void owner_none_for_gap(void **state)
{
    fixture *f = *state;
    const char *rep = "unset";
    add_account(f, "a", "R-UNKNOWN", "alice");
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_MID_2020, &rep), CREDO_OWNER_NONE);
    assert_null(rep);
}

static void owner_none_for_overlap(void **state)
{
    fixture *f = *state;
    const char *rep = "unset";
    add_account(f, "a", "R-CLASH", "alice");
    run_engines(f);

    assert_int_equal(f->assignment->status[account_row(f, "a")], CREDO_ACCOUNT_OVERLAP);
    assert_int_equal(owner_on(f, "a", DAY_MID_2020, &rep), CREDO_OWNER_NONE);
    assert_null(rep);
}

static void owner_same_rep_two_roles(void **state)
{
    fixture *f = *state;
    const char *rep = NULL;
    add_account(f, "a", "R-DOUBLE", NULL);
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_MID_2020, &rep), CREDO_OWNER_SINGLE);
    assert_string_equal(rep, "erin");
}

static void owner_two_roles_and_another(void **state)
{
    fixture *f = *state;
    const char *rep = "unset";
    add_account(f, "none", "R-MIXED", NULL);
    add_account(f, "named", "R-MIXED", "frank");
    run_engines(f);

    assert_int_equal(owner_on(f, "none", DAY_MID_2020, &rep), CREDO_OWNER_POOLED);
    assert_null(rep);
    assert_int_equal(owner_on(f, "named", DAY_MID_2020, &rep), CREDO_OWNER_NAMED);
    assert_string_equal(rep, "frank");
}

/* ---- Membership intervals [from, to) ---------------------------------- */

static void interval_before_from(void **state)
{
    fixture *f = *state;
    const char *rep = "unset";
    add_account(f, "a", "R-DATED", NULL);
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_2019_12_31, &rep), CREDO_OWNER_VACANT);
    assert_null(rep);
}

static void interval_from_is_inclusive(void **state)
{
    fixture *f = *state;
    const char *rep = NULL;
    add_account(f, "a", "R-DATED", NULL);
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_2020_01_01, &rep), CREDO_OWNER_SINGLE);
    assert_string_equal(rep, "carol");
}

static void interval_last_day_before_to(void **state)
{
    fixture *f = *state;
    const char *rep = NULL;
    add_account(f, "a", "R-DATED", NULL);
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_2020_05_31, &rep), CREDO_OWNER_SINGLE);
    assert_string_equal(rep, "carol");
}

static void interval_to_is_exclusive(void **state)
{
    fixture *f = *state;
    const char *rep = NULL;
    add_account(f, "a", "R-DATED", NULL);
    run_engines(f);

    /* carol's membership ends and dave's starts on 2020-06-01. */
    assert_int_equal(owner_on(f, "a", DAY_2020_06_01, &rep), CREDO_OWNER_SINGLE);
    assert_string_equal(rep, "dave");
}

static void interval_named_owner_leaves(void **state)
{
    fixture *f = *state;
    const char *rep = NULL;
    add_account(f, "a", "R-TRIO", "hank");
    run_engines(f);

    assert_int_equal(owner_on(f, "a", DAY_2020_05_31, &rep), CREDO_OWNER_NAMED);
    assert_string_equal(rep, "hank");
    assert_int_equal(owner_on(f, "a", DAY_2020_06_01, &rep), CREDO_OWNER_POOLED);
    assert_null(rep);
}

static void interval_open_ends(void **state)
{
    fixture *f = *state;
    const char *rep = NULL;
    add_account(f, "a", "R-SOLO", NULL);
    run_engines(f);

    assert_int_equal(owner_on(f, "a", CREDO_DATE_MIN, &rep), CREDO_OWNER_SINGLE);
    assert_int_equal(owner_on(f, "a", CREDO_DATE_MAX - 1, &rep), CREDO_OWNER_SINGLE);
    assert_string_equal(rep, "alice");
}

/* ---- credo_is_selling_member ------------------------------------------ */

static void selling_member_checks(void **state)
{
    fixture *f = *state;
    run_engines(f);
    uint32_t solo = territory_index(f, "solo"), dated = territory_index(f, "dated");

    assert_true(credo_is_selling_member(f->policy, solo, "alice", DAY_MID_2020));
    assert_false(credo_is_selling_member(f->policy, solo, "mgr", DAY_MID_2020));
    assert_false(credo_is_selling_member(f->policy, solo, "bob", DAY_MID_2020));
    assert_false(credo_is_selling_member(f->policy, solo, "alic", DAY_MID_2020));
    assert_false(credo_is_selling_member(f->policy, solo, NULL, DAY_MID_2020));
    assert_false(credo_is_selling_member(f->policy, CREDO_NO_ROW, "alice", DAY_MID_2020));
    assert_true(credo_is_selling_member(f->policy, dated, "carol", DAY_2020_05_31));
    assert_false(credo_is_selling_member(f->policy, dated, "carol", DAY_2020_06_01));
    assert_false(credo_is_selling_member(f->policy, dated, "dave", DAY_2020_05_31));
    assert_true(credo_is_selling_member(f->policy, dated, "dave", DAY_2020_06_01));
}

/* ---- Deals with a recorded owner -------------------------------------- */

static void deal_in_territory(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-SOLO", NULL);
    add_deal(f, "d", "a", "alice", DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);
    uint32_t row = deal_row(f, "d");

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_IN_TERRITORY);
    assert_string_equal(deal_owner(f, "d"), "alice");
    assert_false(deal_owner_from_account(f, "d"));
    assert_int_equal(f->ownership->territory[row], territory_index(f, "solo"));
    assert_int_equal(f->ownership->date[row], DAY_MID_2020);
}

static void deal_out_of_territory(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-SOLO", NULL);
    add_deal(f, "d", "a", "bob", DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_OUT_OF_TERRITORY);
    assert_string_equal(deal_owner(f, "d"), "bob");
    assert_false(deal_owner_from_account(f, "d"));
    assert_int_equal(f->ownership->territory[deal_row(f, "d")], territory_index(f, "solo"));
}

static void deal_non_selling_owner_out(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-DUO", NULL);
    add_deal(f, "d", "a", "mgr", DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_OUT_OF_TERRITORY);
    assert_string_equal(deal_owner(f, "d"), "mgr");
}

static void deal_pooled_member_in(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-DUO", "bob");
    add_deal(f, "d", "a", "alice", DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    /* alice is a selling member, although bob is the named owner. */
    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_IN_TERRITORY);
    assert_string_equal(deal_owner(f, "d"), "alice");
}

static void deal_rep_left_day_before(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-DATED", NULL);
    add_deal(f, "d", "a", "carol", DAY_2020_06_01, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_OUT_OF_TERRITORY);
    assert_string_equal(deal_owner(f, "d"), "carol");
}

static void deal_rep_joined_that_day(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-DATED", NULL);
    add_deal(f, "d", "a", "dave", DAY_2020_06_01, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_IN_TERRITORY);
}

static void deal_rep_joined_day_after(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-DATED", NULL);
    add_deal(f, "d", "a", "dave", DAY_2020_05_31, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_OUT_OF_TERRITORY);
}

static void deal_close_date_when_no_created(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-DATED", NULL);
    add_deal(f, "d", "a", "dave", CREDO_DATE_NONE, DAY_2020_06_01);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_IN_TERRITORY);
    assert_int_equal(f->ownership->date[deal_row(f, "d")], DAY_2020_06_01);
}

static void deal_created_before_close(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-DATED", NULL);
    add_deal(f, "d", "a", "dave", DAY_2020_05_31, DAY_2020_06_01 + 100);
    run_engines(f);

    /* The log date decides, although dave is a member on the close date. */
    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_OUT_OF_TERRITORY);
    assert_int_equal(f->ownership->date[deal_row(f, "d")], DAY_2020_05_31);
}

static void deal_account_gap(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-UNKNOWN", NULL);
    add_deal(f, "d", "a", "alice", DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_ACCOUNT_GAP);
    assert_int_equal(f->ownership->territory[deal_row(f, "d")], CREDO_NO_ROW);
    assert_string_equal(deal_owner(f, "d"), "alice");
    assert_false(deal_owner_from_account(f, "d"));
}

static void deal_account_overlap(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-CLASH", NULL);
    add_deal(f, "d", "a", "alice", DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_ACCOUNT_OVERLAP);
    assert_int_equal(f->ownership->territory[deal_row(f, "d")], CREDO_NO_ROW);
    assert_string_equal(deal_owner(f, "d"), "alice");
}

static void deal_without_account(void **state)
{
    fixture *f = *state;
    add_deal(f, "d", NULL, "alice", DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_NO_ACCOUNT);
    assert_int_equal(f->ownership->territory[deal_row(f, "d")], CREDO_NO_ROW);
    assert_string_equal(deal_owner(f, "d"), "alice");
}

static void deal_unknown_account(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-SOLO", NULL);
    add_deal(f, "d", "ghost", "alice", DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_NO_ACCOUNT);
    assert_int_equal(f->ownership->territory[deal_row(f, "d")], CREDO_NO_ROW);
}

/* ---- Deals without a recorded owner ----------------------------------- */

static void deal_owner_from_single(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-SOLO", NULL);
    add_deal(f, "d", "a", NULL, DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_IN_TERRITORY);
    assert_non_null(deal_owner(f, "d"));
    assert_string_equal(deal_owner(f, "d"), "alice");
    assert_true(deal_owner_from_account(f, "d"));
}

static void deal_owner_from_named(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-DUO", "bob");
    add_deal(f, "d", "a", NULL, DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_IN_TERRITORY);
    assert_string_equal(deal_owner(f, "d"), "bob");
    assert_true(deal_owner_from_account(f, "d"));
}

static void deal_owner_on_deal_date(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-DATED", NULL);
    add_deal(f, "before", "a", NULL, DAY_2020_05_31, CREDO_DATE_NONE);
    add_deal(f, "after", "a", NULL, CREDO_DATE_NONE, DAY_2020_06_01);
    run_engines(f);

    assert_string_equal(deal_owner(f, "before"), "carol");
    assert_string_equal(deal_owner(f, "after"), "dave");
    assert_true(deal_owner_from_account(f, "after"));
}

static void deal_pooled_unowned(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-DUO", NULL);
    add_deal(f, "d", "a", NULL, DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_UNOWNED);
    assert_null(deal_owner(f, "d"));
    assert_false(deal_owner_from_account(f, "d"));
    assert_int_equal(f->ownership->territory[deal_row(f, "d")], territory_index(f, "duo"));
}

static void deal_vacant_unowned(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-DATED", NULL);
    add_deal(f, "d", "a", NULL, DAY_2019_12_31, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_UNOWNED);
    assert_null(deal_owner(f, "d"));
    assert_false(deal_owner_from_account(f, "d"));
}

static void deal_gap_without_owner(void **state)
{
    fixture *f = *state;
    add_account(f, "a", "R-UNKNOWN", NULL);
    add_deal(f, "d", "a", NULL, DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_UNOWNED);
    assert_null(deal_owner(f, "d"));
}

static void deal_no_account_no_owner(void **state)
{
    fixture *f = *state;
    add_deal(f, "d", NULL, NULL, DAY_MID_2020, CREDO_DATE_NONE);
    run_engines(f);

    assert_int_equal(deal_status(f, "d"), CREDO_DEAL_UNOWNED);
    assert_null(deal_owner(f, "d"));
    assert_int_equal(f->ownership->territory[deal_row(f, "d")], CREDO_NO_ROW);
}

static void deal_empty_snapshot(void **state)
{
    fixture *f = *state;
    run_engines(f);

    assert_int_equal(f->ownership->count, 0);
}

/* ---- Names ------------------------------------------------------------ */

static void free_accepts_null(void **state)
{
    (void)state;
    credo_ownership_free(NULL);
}

static void names_of_statuses(void **state)
{
    (void)state;
    assert_string_equal(credo_deal_territory_status_name(CREDO_DEAL_IN_TERRITORY), "in_territory");
    assert_string_equal(credo_deal_territory_status_name(CREDO_DEAL_UNOWNED), "unowned");
    assert_string_equal(credo_owner_kind_name(CREDO_OWNER_POOLED), "pooled");
    assert_string_equal(credo_owner_kind_name(CREDO_OWNER_NONE), "none");
}

#define OWNERSHIP_TEST(name) cmocka_unit_test_setup_teardown(name, setup_fixture, teardown_fixture)

int main(void)
{
    const struct CMUnitTest tests[] = {
        OWNERSHIP_TEST(owner_single_member),
        OWNERSHIP_TEST(owner_single_ignores_named),
        OWNERSHIP_TEST(owner_named_among_several),
        OWNERSHIP_TEST(owner_pooled_stranger_named),
        OWNERSHIP_TEST(owner_pooled_no_named),
        OWNERSHIP_TEST(owner_pooled_named_not_selling),
        OWNERSHIP_TEST(owner_vacant_manager_only),
        OWNERSHIP_TEST(owner_vacant_no_members),
        OWNERSHIP_TEST(owner_none_for_gap),
        OWNERSHIP_TEST(owner_none_for_overlap),
        OWNERSHIP_TEST(owner_same_rep_two_roles),
        OWNERSHIP_TEST(owner_two_roles_and_another),
        OWNERSHIP_TEST(interval_before_from),
        OWNERSHIP_TEST(interval_from_is_inclusive),
        OWNERSHIP_TEST(interval_last_day_before_to),
        OWNERSHIP_TEST(interval_to_is_exclusive),
        OWNERSHIP_TEST(interval_named_owner_leaves),
        OWNERSHIP_TEST(interval_open_ends),
        OWNERSHIP_TEST(selling_member_checks),
        OWNERSHIP_TEST(deal_in_territory),
        OWNERSHIP_TEST(deal_out_of_territory),
        OWNERSHIP_TEST(deal_non_selling_owner_out),
        OWNERSHIP_TEST(deal_pooled_member_in),
        OWNERSHIP_TEST(deal_rep_left_day_before),
        OWNERSHIP_TEST(deal_rep_joined_that_day),
        OWNERSHIP_TEST(deal_rep_joined_day_after),
        OWNERSHIP_TEST(deal_close_date_when_no_created),
        OWNERSHIP_TEST(deal_created_before_close),
        OWNERSHIP_TEST(deal_account_gap),
        OWNERSHIP_TEST(deal_account_overlap),
        OWNERSHIP_TEST(deal_without_account),
        OWNERSHIP_TEST(deal_unknown_account),
        OWNERSHIP_TEST(deal_owner_from_single),
        OWNERSHIP_TEST(deal_owner_from_named),
        OWNERSHIP_TEST(deal_owner_on_deal_date),
        OWNERSHIP_TEST(deal_pooled_unowned),
        OWNERSHIP_TEST(deal_vacant_unowned),
        OWNERSHIP_TEST(deal_gap_without_owner),
        OWNERSHIP_TEST(deal_no_account_no_owner),
        OWNERSHIP_TEST(deal_empty_snapshot),
        cmocka_unit_test(free_accepts_null),
        cmocka_unit_test(names_of_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
