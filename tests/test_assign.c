/* Tests of territory assignment: priority, overlaps, gaps, overlays, named
 * and excluded accounts, roll-up nodes, missing values, custom attributes
 * and independence from the order in which accounts were added. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/engine.h"
#include "credo/policy.h"

/* ---- Helpers ---------------------------------------------------------- */

/* The snapshot, policy and assignment of one test; freed by teardown. */
typedef struct fixture {
    credo_snapshot *snapshot;
    credo_policy *policy;
    credo_assignment *assignment;
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
    credo_assignment_free(f->assignment);
    credo_policy_free(f->policy);
    credo_snapshot_free(f->snapshot);
    free(f);
    return 0;
}

static credo_str text_id(credo_snapshot *snapshot, const char *text)
{
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern_cstr(snapshot->strings, text, &status);
    if (status != CREDO_OK)
        fail_msg("interning \"%s\" failed", text);
    return id;
}

/* Adds an account with the given id, country and region (NULL = missing). */
static size_t add_account(credo_snapshot *snapshot, const char *id, const char *country,
                          const char *region)
{
    credo_error err = {0};
    size_t row = 0;
    if (credo_snapshot_add_account(snapshot, &row, &err) != CREDO_OK)
        fail_msg("adding account %s failed: %s", id, err.message);
    snapshot->accounts.id[row] = text_id(snapshot, id);
    snapshot->accounts.country[row] = text_id(snapshot, country);
    snapshot->accounts.region[row] = text_id(snapshot, region);
    return row;
}

/* Sets custom attribute `name` of account row `row` (value NULL = missing). */
static void set_attribute(credo_snapshot *snapshot, size_t row, const char *name, const char *value)
{
    credo_error err = {0};
    credo_attribute_column *column = NULL;
    if (credo_snapshot_attribute(snapshot, name, &column, &err) != CREDO_OK)
        fail_msg("adding attribute %s failed: %s", name, err.message);
    column->values[row] = text_id(snapshot, value);
}

static credo_policy *parse_policy(const char *yaml)
{
    credo_error err = {0};
    credo_policy *policy = NULL;
    if (credo_policy_parse(yaml, strlen(yaml), "test.yaml", &policy, &err) != CREDO_OK)
        fail_msg("parsing the test policy failed: %s", err.message);
    return policy;
}

/* Finishes the snapshot, parses the policy and assigns every account. */
static void run_assign(fixture *f, const char *yaml)
{
    credo_error err = {0};
    if (credo_snapshot_finish(f->snapshot, &err) != CREDO_OK)
        fail_msg("finishing the snapshot failed: %s", err.message);
    f->policy = parse_policy(yaml);
    if (credo_assign_accounts(f->snapshot, f->policy, &f->assignment, &err) != CREDO_OK)
        fail_msg("assignment failed: %s", err.message);
}

static uint32_t row_of(const fixture *f, const char *account_id)
{
    credo_str key = credo_strpool_find(f->snapshot->strings, account_id, strlen(account_id));
    uint32_t row = credo_snapshot_find_account(f->snapshot, key);
    if (row == CREDO_NO_ROW)
        fail_msg("account %s is not in the snapshot", account_id);
    return row;
}

static credo_account_status status_of(const fixture *f, const char *account_id)
{
    return (credo_account_status)f->assignment->status[row_of(f, account_id)];
}

/* Id of the assigned territory, or "-" when there is none. */
static const char *territory_of(const fixture *f, const char *account_id)
{
    uint32_t territory = f->assignment->territory[row_of(f, account_id)];
    return territory == CREDO_NO_ROW ? "-" : f->policy->territories[territory].id;
}

/* Writes the territory ids of list[first, end) joined by ",". */
static void join_ids(const credo_policy *policy, const uint32_t *list, uint32_t first,
                     uint32_t end, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (uint32_t i = first; i < end; i++) {
        int written = snprintf(out + used, size - used, "%s%s", i == first ? "" : ",",
                               policy->territories[list[i]].id);
        if (written < 0 || (size_t)written >= size - used)
            fail_msg("territory list does not fit in %zu bytes", size);
        used += (size_t)written;
    }
}

static char tied_buffer[256], overlay_buffer[256];

/* The tied territory ids of an account, in list order, joined by ",". */
static const char *tied_of(const fixture *f, const char *account_id)
{
    uint32_t row = row_of(f, account_id);
    join_ids(f->policy, f->assignment->tied, f->assignment->tied_start[row],
             f->assignment->tied_start[row + 1], tied_buffer, sizeof tied_buffer);
    return tied_buffer;
}

static const char *overlays_of(const fixture *f, const char *account_id)
{
    uint32_t row = row_of(f, account_id);
    join_ids(f->policy, f->assignment->overlays, f->assignment->overlay_start[row],
             f->assignment->overlay_start[row + 1], overlay_buffer, sizeof overlay_buffer);
    return overlay_buffer;
}

#define POLICY_HEAD                                                                                \
    "credo_policy: 1\n"                                                                            \
    "name: assignment tests\n"                                                                     \
    "roles:\n"                                                                                     \
    "  - {id: rep, selling: true}\n"

/* ---- Priority --------------------------------------------------------- */

/* The higher-priority type is written after the lower one, so that file
 * order cannot explain the result. */
static const char *const priority_policy = POLICY_HEAD
    "types:\n"
    "  - {id: country, priority: 5}\n"
    "  - {id: region, priority: 10}\n"
    "territories:\n"
    "  - {id: national, type: country, match: 'country = \"US\"'}\n"
    "  - {id: west, type: region, match: 'region in (\"US-CA\", \"US-OR\")'}\n";

static void priority_higher_wins(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "a1", "US", "US-CA");
    run_assign(f, priority_policy);

    assert_int_equal(status_of(f, "a1"), CREDO_ACCOUNT_ASSIGNED);
    assert_string_equal(territory_of(f, "a1"), "west");
    assert_string_equal(tied_of(f, "a1"), "west");
    assert_string_equal(overlays_of(f, "a1"), "");
}

static void priority_lower_when_alone(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "a2", "US", "US-NY");
    run_assign(f, priority_policy);

    assert_int_equal(status_of(f, "a2"), CREDO_ACCOUNT_ASSIGNED);
    assert_string_equal(territory_of(f, "a2"), "national");
    assert_string_equal(tied_of(f, "a2"), "national");
}

static void priority_ignores_file_order(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "a1", "US", "US-CA");
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: region, priority: 10}\n"
               "  - {id: country, priority: 5}\n"
               "territories:\n"
               "  - {id: west, type: region, match: 'region = \"US-CA\"'}\n"
               "  - {id: national, type: country, match: 'country = \"US\"'}\n");

    assert_string_equal(territory_of(f, "a1"), "west");
    assert_string_equal(tied_of(f, "a1"), "west");
}

static void priority_negative_values(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "a1", "US", "US-CA");
    add_account(f->snapshot, "a2", "US", "US-NY");
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: low, priority: -10}\n"
               "  - {id: lower, priority: -20}\n"
               "territories:\n"
               "  - {id: fallback, type: lower, match: 'country = \"US\"'}\n"
               "  - {id: west, type: low, match: 'region = \"US-CA\"'}\n");

    assert_string_equal(territory_of(f, "a1"), "west");
    assert_string_equal(tied_of(f, "a1"), "west");
    assert_string_equal(territory_of(f, "a2"), "fallback");
}

/* ---- Overlaps and gaps ------------------------------------------------ */

/* Three primary matches at priority 10 (from two types) and one at 5. The
 * ids "zeta", "9" and "10" are written so that file order, numeric order
 * and code point order all differ: code point order is "10", "9", "zeta". */
static const char *const overlap_policy = POLICY_HEAD
    "types:\n"
    "  - {id: region, priority: 10}\n"
    "  - {id: zone, priority: 10}\n"
    "  - {id: country, priority: 5}\n"
    "territories:\n"
    "  - {id: zeta, type: region, match: 'region = \"US-CA\"'}\n"
    "  - {id: \"9\", type: zone, match: 'country = \"US\" and region starts_with \"US-C\"'}\n"
    "  - {id: \"10\", type: region, match: 'region in (\"US-CA\", \"US-OR\")'}\n"
    "  - {id: alpha, type: country, match: 'country = \"US\"'}\n";

static void overlap_equal_priority(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "a1", "US", "US-CA");
    run_assign(f, overlap_policy);

    assert_int_equal(status_of(f, "a1"), CREDO_ACCOUNT_OVERLAP);
    assert_int_equal(f->assignment->territory[row_of(f, "a1")], CREDO_NO_ROW);
    assert_string_equal(territory_of(f, "a1"), "-");
    assert_string_equal(tied_of(f, "a1"), "10,9,zeta");
}

static void overlap_two_of_three(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "co", "US", "US-CO");
    add_account(f->snapshot, "or", "US", "US-OR");
    run_assign(f, overlap_policy);

    /* US-CO matches "9" only at priority 10; US-OR matches "10" only. */
    assert_int_equal(status_of(f, "co"), CREDO_ACCOUNT_ASSIGNED);
    assert_string_equal(territory_of(f, "co"), "9");
    assert_int_equal(status_of(f, "or"), CREDO_ACCOUNT_ASSIGNED);
    assert_string_equal(territory_of(f, "or"), "10");
}

static void overlap_lower_priority_pair_loses(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "a1", "US", "US-CA");
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: country, priority: 5}\n"
               "  - {id: region, priority: 10}\n"
               "territories:\n"
               "  - {id: c1, type: country, match: 'country = \"US\"'}\n"
               "  - {id: c2, type: country, match: 'country = \"US\"'}\n"
               "  - {id: r1, type: region, match: 'region = \"US-CA\"'}\n"
               "  - {id: c3, type: country, match: 'country = \"US\"'}\n");

    assert_int_equal(status_of(f, "a1"), CREDO_ACCOUNT_ASSIGNED);
    assert_string_equal(territory_of(f, "a1"), "r1");
    assert_string_equal(tied_of(f, "a1"), "r1");
}

static void gap_no_primary_match(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "de", "DE", "DE-BY");
    run_assign(f, overlap_policy);

    assert_int_equal(status_of(f, "de"), CREDO_ACCOUNT_GAP);
    assert_int_equal(f->assignment->territory[row_of(f, "de")], CREDO_NO_ROW);
    assert_string_equal(tied_of(f, "de"), "");
}

static void gap_empty_policy_territories(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "a1", "US", "US-CA");
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: region, priority: 10}\n"
               "territories:\n"
               "  - {id: world, name: World}\n");

    assert_int_equal(status_of(f, "a1"), CREDO_ACCOUNT_GAP);
    assert_string_equal(tied_of(f, "a1"), "");
    assert_string_equal(overlays_of(f, "a1"), "");
}

static void empty_snapshot_assigns(void **state)
{
    fixture *f = *state;
    run_assign(f, priority_policy);

    assert_int_equal(f->assignment->count, 0);
    assert_int_equal(f->assignment->tied_start[0], 0);
    assert_int_equal(f->assignment->overlay_start[0], 0);
}

/* ---- Overlays --------------------------------------------------------- */

/* The overlay type has the highest priority, yet never assigns. */
static const char *const overlay_policy = POLICY_HEAD
    "types:\n"
    "  - {id: region, priority: 10}\n"
    "  - {id: vertical, priority: 99, overlay: true}\n"
    "territories:\n"
    "  - {id: west, type: region, match: 'region = \"US-CA\"'}\n"
    "  - {id: retail, type: vertical, match: 'industry = \"Retail\"'}\n"
    "  - {id: big, type: vertical, match: 'employees >= 1000'}\n"
    "  - {id: apparel, type: vertical, match: 'industry in (\"Retail\", \"Apparel\")'}\n";

static void overlay_listed_beside_primary(void **state)
{
    fixture *f = *state;
    size_t row = add_account(f->snapshot, "a1", "US", "US-CA");
    f->snapshot->accounts.industry[row] = text_id(f->snapshot, "Retail");
    f->snapshot->accounts.employees[row] = 5000 * (credo_number)CREDO_NUMBER_SCALE;
    run_assign(f, overlay_policy);

    assert_int_equal(status_of(f, "a1"), CREDO_ACCOUNT_ASSIGNED);
    assert_string_equal(territory_of(f, "a1"), "west");
    assert_string_equal(tied_of(f, "a1"), "west");
    /* Ascending id order, not file order (retail, big, apparel). */
    assert_string_equal(overlays_of(f, "a1"), "apparel,big,retail");
}

static void overlay_alone_is_gap(void **state)
{
    fixture *f = *state;
    size_t row = add_account(f->snapshot, "a1", "US", "US-NY");
    f->snapshot->accounts.industry[row] = text_id(f->snapshot, "Apparel");
    run_assign(f, overlay_policy);

    assert_int_equal(status_of(f, "a1"), CREDO_ACCOUNT_GAP);
    assert_string_equal(tied_of(f, "a1"), "");
    assert_string_equal(overlays_of(f, "a1"), "apparel");
}

static void overlay_two_never_overlap(void **state)
{
    fixture *f = *state;
    size_t row = add_account(f->snapshot, "a1", "US", "US-CA");
    f->snapshot->accounts.industry[row] = text_id(f->snapshot, "Retail");
    run_assign(f, overlay_policy);

    assert_int_equal(status_of(f, "a1"), CREDO_ACCOUNT_ASSIGNED);
    assert_string_equal(overlays_of(f, "a1"), "apparel,retail");
}

static void overlay_offsets_per_account(void **state)
{
    fixture *f = *state;
    size_t first = add_account(f->snapshot, "a1", "US", "US-CA");
    f->snapshot->accounts.industry[first] = text_id(f->snapshot, "Retail");
    add_account(f->snapshot, "a2", "US", "US-CA");
    size_t third = add_account(f->snapshot, "a3", "US", "US-NY");
    f->snapshot->accounts.employees[third] = 1000 * (credo_number)CREDO_NUMBER_SCALE;
    run_assign(f, overlay_policy);

    assert_string_equal(overlays_of(f, "a1"), "apparel,retail");
    assert_string_equal(overlays_of(f, "a2"), "");
    assert_string_equal(overlays_of(f, "a3"), "big");
    assert_int_equal(f->assignment->overlay_start[3], 3);
    assert_int_equal(f->assignment->tied_start[3], 2);
}

/* ---- Named and excluded accounts ------------------------------------- */

static const char *const list_policy = POLICY_HEAD
    "types:\n"
    "  - {id: country, priority: 5}\n"
    "  - {id: region, priority: 10}\n"
    "  - {id: vertical, priority: 1, overlay: true}\n"
    "territories:\n"
    "  - id: national\n"
    "    type: country\n"
    "    match: 'country = \"US\"'\n"
    "    named_accounts: [n-low, ghost]\n"
    "    excluded_accounts: [x-both]\n"
    "  - id: west\n"
    "    type: region\n"
    "    match: 'region = \"US-CA\"'\n"
    "    named_accounts: [n-west, n-tie]\n"
    "    excluded_accounts: [x-west, x-both]\n"
    "  - id: east\n"
    "    type: region\n"
    "    match: 'region = \"US-NY\"'\n"
    "  - id: keyaccounts\n"
    "    type: region\n"
    "    named_accounts: [n-key]\n"
    "  - id: retail\n"
    "    type: vertical\n"
    "    match: 'industry = \"Retail\"'\n"
    "    named_accounts: [n-retail]\n"
    "    excluded_accounts: [x-retail]\n";

static void named_matches_against_rule(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "n-west", "DE", "DE-BY");
    run_assign(f, list_policy);

    assert_int_equal(status_of(f, "n-west"), CREDO_ACCOUNT_ASSIGNED);
    assert_string_equal(territory_of(f, "n-west"), "west");
}

static void named_still_competes_by_priority(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "n-low", "US", "US-CA");
    run_assign(f, list_policy);

    /* Named in national (priority 5) but matches west (priority 10). */
    assert_string_equal(territory_of(f, "n-low"), "west");
    assert_string_equal(tied_of(f, "n-low"), "west");
}

static void named_can_overlap(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "n-tie", "US", "US-NY");
    run_assign(f, list_policy);

    assert_int_equal(status_of(f, "n-tie"), CREDO_ACCOUNT_OVERLAP);
    assert_string_equal(tied_of(f, "n-tie"), "east,west");
}

static void named_only_territory(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "n-key", NULL, NULL);
    add_account(f->snapshot, "other", NULL, NULL);
    run_assign(f, list_policy);

    assert_string_equal(territory_of(f, "n-key"), "keyaccounts");
    assert_int_equal(status_of(f, "other"), CREDO_ACCOUNT_GAP);
}

static void named_in_overlay(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "n-retail", "US", "US-NY");
    run_assign(f, list_policy);

    assert_string_equal(territory_of(f, "n-retail"), "east");
    assert_string_equal(overlays_of(f, "n-retail"), "retail");
}

static void named_unknown_id_ignored(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "plain", "FR", NULL);
    run_assign(f, list_policy);

    /* "ghost" is named in national but not in the data. */
    assert_int_equal(f->assignment->count, 1);
    assert_int_equal(status_of(f, "plain"), CREDO_ACCOUNT_GAP);
}

static void excluded_falls_to_lower_priority(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "x-west", "US", "US-CA");
    run_assign(f, list_policy);

    assert_int_equal(status_of(f, "x-west"), CREDO_ACCOUNT_ASSIGNED);
    assert_string_equal(territory_of(f, "x-west"), "national");
}

static void excluded_everywhere_is_gap(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "x-both", "US", "US-CA");
    run_assign(f, list_policy);

    assert_int_equal(status_of(f, "x-both"), CREDO_ACCOUNT_GAP);
    assert_string_equal(tied_of(f, "x-both"), "");
}

static void excluded_from_overlay(void **state)
{
    fixture *f = *state;
    size_t row = add_account(f->snapshot, "x-retail", "US", "US-CA");
    f->snapshot->accounts.industry[row] = text_id(f->snapshot, "Retail");
    size_t other = add_account(f->snapshot, "y-retail", "US", "US-CA");
    f->snapshot->accounts.industry[other] = text_id(f->snapshot, "Retail");
    run_assign(f, list_policy);

    assert_string_equal(overlays_of(f, "x-retail"), "");
    assert_string_equal(overlays_of(f, "y-retail"), "retail");
    assert_string_equal(territory_of(f, "x-retail"), "west");
}

/* ---- Roll-up nodes ---------------------------------------------------- */

static void rollup_matches_nothing(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "de", "DE", NULL);
    add_account(f->snapshot, "fr", "FR", NULL);
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: country, priority: 5}\n"
               "territories:\n"
               "  - {id: world, name: World}\n"
               "  - {id: emea, name: EMEA, parent: world}\n"
               "  - {id: dach, parent: emea, type: country, match: 'country = \"DE\"'}\n");

    assert_string_equal(territory_of(f, "de"), "dach");
    assert_string_equal(tied_of(f, "de"), "dach");
    assert_int_equal(status_of(f, "fr"), CREDO_ACCOUNT_GAP);
    assert_string_equal(tied_of(f, "fr"), "");
    assert_string_equal(overlays_of(f, "fr"), "");
}

/* A parent's rule does not restrict its children: parent only places a
 * territory in the roll-up hierarchy. */
static void parent_rule_not_inherited(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "us", "US", "US-CA");
    add_account(f->snapshot, "de", "DE", NULL);
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: country, priority: 5}\n"
               "  - {id: region, priority: 10}\n"
               "territories:\n"
               "  - {id: germany, type: country, match: 'country = \"DE\"'}\n"
               "  - {id: west, parent: germany, type: region, match: 'region = \"US-CA\"'}\n");

    assert_string_equal(territory_of(f, "us"), "west");
    assert_string_equal(territory_of(f, "de"), "germany");
}

/* ---- Missing values --------------------------------------------------- */

static const char *const missing_policy = POLICY_HEAD
    "types:\n"
    "  - {id: t1, priority: 1}\n"
    "  - {id: t2, priority: 2}\n"
    "  - {id: t3, priority: 3}\n"
    "  - {id: t4, priority: 4}\n"
    "territories:\n"
    "  - {id: not-ca, type: t4, match: 'region != \"US-CA\"'}\n"
    "  - {id: not-in, type: t3, match: 'region not in (\"US-CA\", \"US-NY\")'}\n"
    "  - {id: small, type: t2, match: 'employees < 100'}\n"
    "  - {id: negated, type: t1, match: 'not region = \"US-CA\"'}\n";

static void missing_fails_not_equal(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "none", "US", NULL);
    add_account(f->snapshot, "or", "US", "US-OR");
    add_account(f->snapshot, "ca", "US", "US-CA");
    run_assign(f, missing_policy);

    assert_string_equal(territory_of(f, "or"), "not-ca");
    assert_string_equal(territory_of(f, "none"), "negated");
    assert_int_equal(status_of(f, "ca"), CREDO_ACCOUNT_GAP);
}

static void missing_fails_not_in(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "none", NULL, NULL);
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: t, priority: 1}\n"
               "territories:\n"
               "  - {id: not-in, type: t, match: 'region not in (\"US-CA\", \"US-NY\")'}\n");

    assert_int_equal(status_of(f, "none"), CREDO_ACCOUNT_GAP);
}

static void missing_number_fails_compare(void **state)
{
    fixture *f = *state;
    add_account(f->snapshot, "unknown", NULL, NULL);
    size_t zero = add_account(f->snapshot, "zero", NULL, NULL);
    f->snapshot->accounts.employees[zero] = 0;
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: t, priority: 1}\n"
               "territories:\n"
               "  - {id: small, type: t, match: 'employees < 100'}\n");

    assert_int_equal(status_of(f, "unknown"), CREDO_ACCOUNT_GAP);
    assert_string_equal(territory_of(f, "zero"), "small");
}

/* ---- Custom attributes ------------------------------------------------ */

static void attribute_text_match(void **state)
{
    fixture *f = *state;
    size_t ent = add_account(f->snapshot, "ent", "US", NULL);
    size_t smb = add_account(f->snapshot, "smb", "US", NULL);
    add_account(f->snapshot, "none", "US", NULL);
    set_attribute(f->snapshot, ent, "segment", "enterprise");
    set_attribute(f->snapshot, smb, "segment", "smb");
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: t, priority: 1}\n"
               "  - {id: u, priority: 2}\n"
               "territories:\n"
               "  - {id: enterprise, type: u, match: 'attr.segment = \"enterprise\"'}\n"
               "  - {id: rest, type: t, match: 'attr.segment != \"enterprise\"'}\n");

    assert_string_equal(territory_of(f, "ent"), "enterprise");
    assert_string_equal(territory_of(f, "smb"), "rest");
    assert_int_equal(status_of(f, "none"), CREDO_ACCOUNT_GAP);
}

static void attribute_number_match(void **state)
{
    fixture *f = *state;
    const char *const ids[] = {"twelve", "nine", "comma", "ten"};
    const char *const scores[] = {"12", "9", "1,5", "10.0"};
    for (size_t i = 0; i < 4; i++) {
        size_t row = add_account(f->snapshot, ids[i], NULL, NULL);
        set_attribute(f->snapshot, row, "score", scores[i]);
    }
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: t, priority: 1}\n"
               "territories:\n"
               "  - {id: high, type: t, match: 'attr.score >= 10'}\n");

    /* As text "9" > "10"; as a number it is below. */
    assert_string_equal(territory_of(f, "twelve"), "high");
    assert_string_equal(territory_of(f, "ten"), "high");
    assert_int_equal(status_of(f, "nine"), CREDO_ACCOUNT_GAP);
    assert_int_equal(status_of(f, "comma"), CREDO_ACCOUNT_GAP);
}

static void attribute_absent_column(void **state)
{
    fixture *f = *state;
    size_t row = add_account(f->snapshot, "a1", "US", NULL);
    set_attribute(f->snapshot, row, "segment", "enterprise");
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: t, priority: 1}\n"
               "territories:\n"
               "  - {id: tier, type: t, match: 'attr.tier = \"gold\" or attr.tier != \"gold\"'}\n"
               "  - {id: seg, type: t, match: 'attr.segment = \"enterprise\"'}\n");

    assert_int_equal(status_of(f, "a1"), CREDO_ACCOUNT_ASSIGNED);
    assert_string_equal(territory_of(f, "a1"), "seg");
}

/* Two attributes used in one rule in the opposite order of their columns. */
static void attribute_two_in_one_rule(void **state)
{
    fixture *f = *state;
    size_t both = add_account(f->snapshot, "both", NULL, NULL);
    size_t one = add_account(f->snapshot, "one", NULL, NULL);
    set_attribute(f->snapshot, both, "alpha", "x");
    set_attribute(f->snapshot, both, "beta", "y");
    set_attribute(f->snapshot, one, "alpha", "x");
    set_attribute(f->snapshot, one, "beta", "x");
    run_assign(f, POLICY_HEAD
               "types:\n"
               "  - {id: t, priority: 1}\n"
               "territories:\n"
               "  - {id: pair, type: t, match: 'attr.beta = \"y\" and attr.alpha = \"x\"'}\n");

    assert_string_equal(territory_of(f, "both"), "pair");
    assert_int_equal(status_of(f, "one"), CREDO_ACCOUNT_GAP);
}

/* ---- Independence from row order -------------------------------------- */

enum { ORDER_ACCOUNTS = 240 };

/* Policy of the order tests. Expected results come from expect_order
 * below, which restates these rules in C. */
static const char *const order_policy = POLICY_HEAD
    "types:\n"
    "  - {id: country, priority: 5}\n"
    "  - {id: region, priority: 10}\n"
    "  - {id: region2, priority: 10}\n"
    "  - {id: vertical, priority: 20, overlay: true}\n"
    "territories:\n"
    "  - id: us\n"
    "    type: country\n"
    "    match: 'country = \"US\"'\n"
    "    excluded_accounts: [acc-008, acc-012]\n"
    "  - {id: de, type: country, match: 'country = \"DE\"'}\n"
    "  - id: west\n"
    "    type: region\n"
    "    match: 'region in (\"US-CA\", \"US-OR\")'\n"
    "    named_accounts: [acc-009, acc-010]\n"
    "  - {id: coast, type: region2, match: 'region = \"US-OR\"'}\n"
    "  - {id: key, type: region, match: 'attr.segment = \"enterprise\" and country = \"FR\"'}\n"
    "  - {id: retail, type: vertical, match: 'industry = \"Retail\"'}\n"
    "  - {id: bank, type: vertical, match: 'industry = \"Bank\" or attr.segment = \"enterprise\"'}\n";

static const char *const order_countries[] = {"US", "DE", "FR", NULL};
static const char *const order_regions[] = {"US-CA", "US-OR", "US-NY", NULL};
static const char *const order_industries[] = {"Retail", "Bank", NULL};

/* Fields of account number n. */
static const char *order_country(int n) { return order_countries[n % 4]; }
static const char *order_region(int n) { return order_regions[(n / 4) % 4]; }
static const char *order_industry(int n) { return order_industries[n % 3]; }
static const char *order_segment(int n) { return (n / 16) % 2 == 0 ? "enterprise" : NULL; }

static bool same_text(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Expected result of account n: status, territory and joined lists. */
typedef struct expected_result {
    credo_account_status status;
    char territory[64];
    char tied[64];
    char overlays[64];
} expected_result;

static void append_id(char *list, size_t size, const char *id)
{
    size_t used = strlen(list);
    snprintf(list + used, size - used, "%s%s", used == 0 ? "" : ",", id);
}

static expected_result expect_order(int n)
{
    const char *country = order_country(n), *region = order_region(n);
    const char *industry = order_industry(n), *segment = order_segment(n);
    bool west = same_text(region, "US-CA") || same_text(region, "US-OR") || n == 9 || n == 10;
    bool coast = same_text(region, "US-OR");
    bool key = same_text(segment, "enterprise") && same_text(country, "FR");
    bool us = same_text(country, "US") && n != 8 && n != 12;
    bool de = same_text(country, "DE");

    expected_result result = {CREDO_ACCOUNT_GAP, "-", "", ""};
    /* Ascending id order: coast, de, key, us, west. */
    if (west || coast || key) {
        if (coast) append_id(result.tied, sizeof result.tied, "coast");
        if (key) append_id(result.tied, sizeof result.tied, "key");
        if (west) append_id(result.tied, sizeof result.tied, "west");
    } else {
        if (de) append_id(result.tied, sizeof result.tied, "de");
        if (us) append_id(result.tied, sizeof result.tied, "us");
    }
    int matches = (west || coast || key) ? west + coast + key : de + us;
    if (matches == 1) {
        result.status = CREDO_ACCOUNT_ASSIGNED;
        snprintf(result.territory, sizeof result.territory, "%s", result.tied);
    } else if (matches > 1) {
        result.status = CREDO_ACCOUNT_OVERLAP;
    }

    if (same_text(industry, "Bank") || same_text(segment, "enterprise"))
        append_id(result.overlays, sizeof result.overlays, "bank");
    if (same_text(industry, "Retail"))
        append_id(result.overlays, sizeof result.overlays, "retail");
    return result;
}

/* Adds the accounts in the order given; the segment attribute column is
 * created just before the account at position attribute_at. */
static void add_order_accounts(credo_snapshot *snapshot, const int *order, int attribute_at)
{
    char id[16];
    credo_error err = {0};
    credo_attribute_column *column = NULL;
    for (int i = 0; i < ORDER_ACCOUNTS; i++) {
        if (i == attribute_at && credo_snapshot_attribute(snapshot, "segment", &column, &err) != CREDO_OK)
            fail_msg("adding the segment attribute failed: %s", err.message);
        int n = order[i];
        snprintf(id, sizeof id, "acc-%03d", n);
        size_t row = add_account(snapshot, id, order_country(n), order_region(n));
        snapshot->accounts.industry[row] = text_id(snapshot, order_industry(n));
        if (order_segment(n) != NULL)
            set_attribute(snapshot, row, "segment", order_segment(n));
    }
}

static void check_order_results(const fixture *f)
{
    char id[16];
    assert_int_equal(f->assignment->count, ORDER_ACCOUNTS);
    for (int n = 0; n < ORDER_ACCOUNTS; n++) {
        snprintf(id, sizeof id, "acc-%03d", n);
        expected_result expected = expect_order(n);
        assert_int_equal(status_of(f, id), expected.status);
        assert_string_equal(territory_of(f, id), expected.territory);
        assert_string_equal(tied_of(f, id), expected.tied);
        assert_string_equal(overlays_of(f, id), expected.overlays);
    }
}

/* Fisher-Yates shuffle driven by a fixed linear congruential generator,
 * so that every run tests the same orders. */
static void shuffle(int *order, int count, uint64_t seed)
{
    for (int i = count - 1; i > 0; i--) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        int j = (int)((seed >> 33) % (uint64_t)(i + 1));
        int swap = order[i];
        order[i] = order[j];
        order[j] = swap;
    }
}

static void order_run(fixture *f, const int *order, int attribute_at)
{
    add_order_accounts(f->snapshot, order, attribute_at);
    run_assign(f, order_policy);
    check_order_results(f);
}

static void order_ascending(void **state)
{
    int order[ORDER_ACCOUNTS];
    for (int i = 0; i < ORDER_ACCOUNTS; i++)
        order[i] = i;
    order_run(*state, order, 0);
}

static void order_descending(void **state)
{
    int order[ORDER_ACCOUNTS];
    for (int i = 0; i < ORDER_ACCOUNTS; i++)
        order[i] = ORDER_ACCOUNTS - 1 - i;
    order_run(*state, order, ORDER_ACCOUNTS / 2);
}

static void order_shuffled_first(void **state)
{
    int order[ORDER_ACCOUNTS];
    for (int i = 0; i < ORDER_ACCOUNTS; i++)
        order[i] = i;
    shuffle(order, ORDER_ACCOUNTS, 12345);
    order_run(*state, order, 17);
}

static void order_shuffled_second(void **state)
{
    int order[ORDER_ACCOUNTS];
    for (int i = 0; i < ORDER_ACCOUNTS; i++)
        order[i] = i;
    shuffle(order, ORDER_ACCOUNTS, 987654321);
    order_run(*state, order, ORDER_ACCOUNTS - 1);
}

/* Checks a few rows of expect_order by hand, so that a mistake there
 * cannot hide a mistake in the engine. */
static void order_expectations_by_hand(void **state)
{
    (void)state;
    /* n = 1: DE, US-CA, Bank, enterprise -> west; overlay bank. */
    expected_result one = expect_order(1);
    assert_int_equal(one.status, CREDO_ACCOUNT_ASSIGNED);
    assert_string_equal(one.territory, "west");
    assert_string_equal(one.overlays, "bank");
    /* n = 6: FR, US-OR, Retail, enterprise -> coast, key and west tie. */
    expected_result six = expect_order(6);
    assert_int_equal(six.status, CREDO_ACCOUNT_OVERLAP);
    assert_string_equal(six.tied, "coast,key,west");
    assert_string_equal(six.overlays, "bank,retail");
    /* n = 7: no country, US-OR, Bank -> coast and west tie. */
    assert_string_equal(expect_order(7).tied, "coast,west");
    /* n = 8: US, US-NY, no industry, enterprise; excluded from us -> gap. */
    expected_result eight = expect_order(8);
    assert_int_equal(eight.status, CREDO_ACCOUNT_GAP);
    assert_string_equal(eight.overlays, "bank");
    /* n = 9: DE, US-NY, named in west, which outranks de. */
    assert_string_equal(expect_order(9).territory, "west");
    /* n = 10: FR, US-NY, enterprise, named in west -> key and west tie. */
    assert_string_equal(expect_order(10).tied, "key,west");
    /* n = 24: US, US-NY, Retail, no segment (24 / 16 is odd) -> us. */
    expected_result twenty_four = expect_order(24);
    assert_string_equal(twenty_four.territory, "us");
    assert_string_equal(twenty_four.overlays, "retail");
}

/* ---- Error paths ------------------------------------------------------ */

static void free_accepts_null(void **state)
{
    (void)state;
    credo_assignment_free(NULL);
}

static void status_names(void **state)
{
    (void)state;
    assert_string_equal(credo_account_status_name(CREDO_ACCOUNT_ASSIGNED), "assigned");
    assert_string_equal(credo_account_status_name(CREDO_ACCOUNT_OVERLAP), "overlap");
    assert_string_equal(credo_account_status_name(CREDO_ACCOUNT_GAP), "gap");
}

#define ASSIGN_TEST(name) cmocka_unit_test_setup_teardown(name, setup_fixture, teardown_fixture)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ASSIGN_TEST(priority_higher_wins),
        ASSIGN_TEST(priority_lower_when_alone),
        ASSIGN_TEST(priority_ignores_file_order),
        ASSIGN_TEST(priority_negative_values),
        ASSIGN_TEST(overlap_equal_priority),
        ASSIGN_TEST(overlap_two_of_three),
        ASSIGN_TEST(overlap_lower_priority_pair_loses),
        ASSIGN_TEST(gap_no_primary_match),
        ASSIGN_TEST(gap_empty_policy_territories),
        ASSIGN_TEST(empty_snapshot_assigns),
        ASSIGN_TEST(overlay_listed_beside_primary),
        ASSIGN_TEST(overlay_alone_is_gap),
        ASSIGN_TEST(overlay_two_never_overlap),
        ASSIGN_TEST(overlay_offsets_per_account),
        ASSIGN_TEST(named_matches_against_rule),
        ASSIGN_TEST(named_still_competes_by_priority),
        ASSIGN_TEST(named_can_overlap),
        ASSIGN_TEST(named_only_territory),
        ASSIGN_TEST(named_in_overlay),
        ASSIGN_TEST(named_unknown_id_ignored),
        ASSIGN_TEST(excluded_falls_to_lower_priority),
        ASSIGN_TEST(excluded_everywhere_is_gap),
        ASSIGN_TEST(excluded_from_overlay),
        ASSIGN_TEST(rollup_matches_nothing),
        ASSIGN_TEST(parent_rule_not_inherited),
        ASSIGN_TEST(missing_fails_not_equal),
        ASSIGN_TEST(missing_fails_not_in),
        ASSIGN_TEST(missing_number_fails_compare),
        ASSIGN_TEST(attribute_text_match),
        ASSIGN_TEST(attribute_number_match),
        ASSIGN_TEST(attribute_absent_column),
        ASSIGN_TEST(attribute_two_in_one_rule),
        ASSIGN_TEST(order_ascending),
        ASSIGN_TEST(order_descending),
        ASSIGN_TEST(order_shuffled_first),
        ASSIGN_TEST(order_shuffled_second),
        cmocka_unit_test(order_expectations_by_hand),
        cmocka_unit_test(free_accepts_null),
        cmocka_unit_test(status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
