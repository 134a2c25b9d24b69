/* End-to-end test of `credo pipeline` on the generated fixture in
 * tests/data/pipeline/fixture (written by make-fixture.sh): activities
 * with times of day, deal history and quotas go through the mapping and
 * the store, and the figures that the fixture was built to have come out.
 *
 * The fixture's latency cases (days from the qualifying meeting to the
 * logging of the deal), by rep and manager:
 *   rep_a1 (mgr_a): 0, 5, 12, 40, 100
 *   rep_a2 (mgr_a): 2, 2, 9, and one case without a meeting
 *   rep_b1 (mgr_b): 30, 31, 90, 91
 * Deals on accounts without any meeting before their logging count as "no
 * prior activity": rep_a1's won01, rep_a2's open02 (its account's meeting
 * came after the logging) and rep_b1's late01 and hist01. Percentiles by
 * nearest rank (rank ceil(P * N / 100)) are worked out in each test. */
#include "test_support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE_DIR CREDO_TEST_DATA "/pipeline/fixture"

typedef struct fixture_run {
    char *dir;
    json_t *root;
} fixture_run;

static int setup_fixture(void **state)
{
    fixture_run *run = calloc(1, sizeof *run);
    run->dir = test_make_tempdir("pipeline-fixture");
    char *db = test_path_join(run->dir, "fixture.db");
    char command[2048], *output = NULL;
    snprintf(command, sizeof command, "'%s' import --db '%s' '%s/mapping.yaml'", CREDO_BINARY, db, FIXTURE_DIR);
    if (test_run(command, 1, &output) != 0)
        fail_msg("import failed: %s", output);
    free(output);

    snprintf(command, sizeof command,
             "'%s' pipeline --db '%s' --policy '%s/policy.yaml' --as-of 2024-06-30 --since 2024-05-31 --json",
             CREDO_BINARY, db, FIXTURE_DIR);
    if (test_run(command, 0, &output) != 0)
        fail_msg("credo pipeline failed: %s", output);
    json_error_t error;
    run->root = json_loads(output, 0, &error);
    if (run->root == NULL)
        fail_msg("invalid JSON at line %d: %s", error.line, error.text);
    free(output);
    free(db);
    *state = run;
    return 0;
}

static int teardown_fixture(void **state)
{
    fixture_run *run = *state;
    json_decref(run->root);
    free(run->dir);
    free(run);
    return 0;
}

static long long integer_at(json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    if (!json_is_integer(value))
        fail_msg("JSON key %s is not an integer", key);
    return json_integer_value(value);
}

/* Returns the element of list whose string key equals value (null matches
 * NULL). */
static json_t *find_by(json_t *list, const char *key, const char *value, const char *key2, const char *value2)
{
    size_t index;
    json_t *item;
    json_array_foreach(list, index, item) {
        const char *found = json_string_value(json_object_get(item, key));
        bool match = value == NULL ? found == NULL : found != NULL && strcmp(found, value) == 0;
        const char *found2 = key2 != NULL ? json_string_value(json_object_get(item, key2)) : NULL;
        if (match && (key2 == NULL || (found2 != NULL && strcmp(found2, value2) == 0)))
            return item;
    }
    fail_msg("no element with %s = %s", key, value != NULL ? value : "null");
    return NULL;
}

static json_t *latency_group(fixture_run *run, const char *group, const char *id)
{
    json_t *groups = json_object_get(json_object_get(run->root, "latency"), "groups");
    size_t index;
    json_t *item;
    json_array_foreach(groups, index, item) {
        const char *found_group = json_string_value(json_object_get(item, "group"));
        const char *found_id = json_string_value(json_object_get(item, "id"));
        bool id_match = id == NULL ? found_id == NULL : found_id != NULL && strcmp(found_id, id) == 0;
        if (strcmp(found_group, group) == 0 && id_match)
            return item;
    }
    fail_msg("no latency group %s %s", group, id != NULL ? id : "null");
    return NULL;
}

static void assert_stats(json_t *group, long long deals, long long no_prior, long long min, long long median,
                         long long p90, long long max)
{
    assert_int_equal(integer_at(group, "deals"), deals);
    assert_int_equal(integer_at(group, "no_prior_activity"), no_prior);
    assert_int_equal(integer_at(group, "min_days"), min);
    assert_int_equal(integer_at(group, "median_days"), median);
    assert_int_equal(integer_at(group, "p90_days"), p90);
    assert_int_equal(integer_at(group, "max_days"), max);
}

static void assert_buckets(json_t *group, long long zero, long long week, long long month, long long quarter,
                           long long more)
{
    json_t *buckets = json_object_get(group, "buckets");
    assert_int_equal(integer_at(buckets, "0"), zero);
    assert_int_equal(integer_at(buckets, "1-7"), week);
    assert_int_equal(integer_at(buckets, "8-30"), month);
    assert_int_equal(integer_at(buckets, "31-90"), quarter);
    assert_int_equal(integer_at(buckets, "91+"), more);
}

/* Everyone: 0 2 2 5 9 12 30 31 40 90 91 100; median rank 6: 12; p90 rank
 * ceil(10.8) = 11: 91. Buckets 0 | 2 2 5 | 9 12 30 | 31 40 90 | 91 100. */
static void fixture_latency_everyone(void **state)
{
    fixture_run *run = *state;
    json_t *everyone = latency_group(run, "all", NULL);

    assert_stats(everyone, 12, 5, 0, 12, 91, 100);
    assert_buckets(everyone, 1, 3, 3, 3, 2);
}

/* Team mgr_a: 0 2 2 5 9 12 40 100; median rank 4: 5; p90 rank ceil(7.2) =
 * 8: 100. Team mgr_b: 30 31 90 91; median rank 2: 31; p90 rank 4: 91. */
static void fixture_latency_teams(void **state)
{
    fixture_run *run = *state;

    assert_stats(latency_group(run, "team", "mgr_a"), 8, 3, 0, 5, 100, 100);
    assert_buckets(latency_group(run, "team", "mgr_a"), 1, 3, 2, 1, 1);
    assert_stats(latency_group(run, "team", "mgr_b"), 4, 2, 30, 31, 91, 91);
}

/* rep_a1: 0 5 12 40 100, median rank 3: 12, p90 rank 5: 100. rep_a2: 2 2
 * 9, median rank 2: 2, p90 rank 3: 9. */
static void fixture_latency_reps(void **state)
{
    fixture_run *run = *state;

    assert_stats(latency_group(run, "rep", "rep_a1"), 5, 1, 0, 12, 100, 100);
    assert_buckets(latency_group(run, "rep", "rep_a1"), 1, 1, 1, 1, 1);
    assert_stats(latency_group(run, "rep", "rep_a2"), 3, 2, 2, 2, 9, 9);
    assert_stats(latency_group(run, "rep", "rep_b1"), 4, 2, 30, 31, 91, 91);
}

/* Per deal: lat05 was logged 100 days after its meeting, lat09 had none. */
static void fixture_latency_deals(void **state)
{
    fixture_run *run = *state;
    json_t *deals = json_object_get(json_object_get(run->root, "latency"), "deals");

    assert_int_equal(integer_at(find_by(deals, "deal_id", "lat05", NULL, NULL), "days"), 100);
    assert_true(json_is_null(json_object_get(find_by(deals, "deal_id", "lat09", NULL, NULL), "days")));
}

/* late01 appears first in Negotiate, the late stage; won01 was logged on
 * its close date; hist01 started in Discover and is not late. */
static void fixture_late_deals(void **state)
{
    fixture_run *run = *state;
    json_t *late = json_object_get(json_object_get(run->root, "latency"), "late_deals");

    assert_int_equal(json_array_size(late), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(late, 0), "deal_id")), "late01");
    assert_string_equal(json_string_value(json_object_get(json_array_get(late, 0), "first_stage")), "Negotiate");
    assert_string_equal(json_string_value(json_object_get(json_array_get(late, 1), "deal_id")), "won01");
    assert_true(json_is_true(json_object_get(json_array_get(late, 1), "logged_closed")));
}

/* Only cand1: a meeting 5 days ago and no deal. cand2 has an open deal;
 * cand3's meeting was 31 days ago. */
static void fixture_candidates(void **state)
{
    fixture_run *run = *state;
    json_t *candidates = json_object_get(json_object_get(run->root, "latency"), "candidate_accounts");

    assert_int_equal(json_array_size(candidates), 1);
    json_t *only = json_array_get(candidates, 0);
    assert_string_equal(json_string_value(json_object_get(only, "account_id")), "cand1");
    assert_string_equal(json_string_value(json_object_get(only, "last_activity")), "2024-06-25");
    assert_string_equal(json_string_value(json_object_get(only, "last_rep_id")), "rep_b1");
}

/* hist01's close date moved 06-15 -> 07-31 -> 09-01 (two pushes) and its
 * amount fell from 1,000.00 to 700.00 (3000 basis points). */
static void fixture_history_flags(void **state)
{
    fixture_run *run = *state;
    json_t *stalled = json_object_get(run->root, "stalled");
    json_t *pushed = find_by(stalled, "deal_id", "hist01", "rule", "close_date_pushed");
    json_t *reduced = find_by(stalled, "deal_id", "hist01", "rule", "amount_reduced");

    assert_int_equal(integer_at(pushed, "value"), 2);
    assert_int_equal(integer_at(pushed, "limit"), 2);
    assert_string_equal(json_string_value(json_object_get(pushed, "owner_id")), "rep_b1");
    assert_string_equal(json_string_value(json_object_get(pushed, "manager_id")), "mgr_b");
    assert_int_equal(integer_at(reduced, "value"), 3000);
    assert_int_equal(integer_at(reduced, "limit"), 2000);
}

/* No activity for 30 days: lat13's last activity is its demo on 04-15, 76
 * days before 06-30; late01 has none and counts from its logging on 06-01,
 * 29 days (not flagged). */
static void fixture_activity_flags(void **state)
{
    fixture_run *run = *state;
    json_t *stalled = json_object_get(run->root, "stalled");
    json_t *flag = find_by(stalled, "deal_id", "lat13", "rule", "no_activity");

    assert_int_equal(integer_at(flag, "value"), 76);
    assert_string_equal(json_string_value(json_object_get(flag, "since")), "2024-04-15");
    size_t index;
    json_t *item;
    json_array_foreach(stalled, index, item) {
        const char *deal = json_string_value(json_object_get(item, "deal_id"));
        const char *rule = json_string_value(json_object_get(item, "rule"));
        assert_false(strcmp(deal, "late01") == 0 && strcmp(rule, "no_activity") == 0);
    }
}

/* rep_a1: quota 10,000.00 for Q2, won 2,000.00 in it (won01), so 8,000.00
 * left; open 5 x 1,000.00: coverage 5,000 / 8,000 = 6250 bp. Territory a
 * adds rep_a2's open 4 x 1,000.00 + 100.00: 9,100 / 8,000 = 11375 bp. */
static void fixture_quota_coverage(void **state)
{
    fixture_run *run = *state;
    json_t *rollup = json_object_get(run->root, "rollup");
    json_t *rep = find_by(rollup, "id", "rep_a1", "by", "manager");
    json_t *territory = find_by(rollup, "id", "a", "by", "territory");

    assert_int_equal(integer_at(rep, "quota_minor"), 1000000);
    assert_int_equal(integer_at(rep, "quota_won_minor"), 200000);
    assert_int_equal(integer_at(rep, "coverage_bp"), 6250);
    assert_int_equal(integer_at(territory, "open_amount_minor"), 910000);
    assert_int_equal(integer_at(territory, "coverage_bp"), 11375);
    assert_true(json_is_null(json_object_get(find_by(rollup, "id", "b", "by", "territory"), "coverage_bp")));
}

/* Since 05-31, territory b gained late01 (500.00, logged 06-01) and hist01
 * fell from 1,000.00 to 700.00: +200.00. */
static void fixture_change_since(void **state)
{
    fixture_run *run = *state;
    json_t *b = find_by(json_object_get(run->root, "rollup"), "id", "b", "by", "territory");
    json_t *change = json_object_get(b, "change");

    assert_int_equal(integer_at(change, "open_deals"), 1);
    assert_int_equal(integer_at(change, "open_amount_minor"), 20000);
}

/* The last two fields of the first line of text that starts with prefix,
 * which are the "won since" columns of a roll-up row. */
static void last_two_fields(const char *text, const char *prefix, char *first, char *second, size_t size)
{
    const char *line = text;
    while (line != NULL && strncmp(line, prefix, strlen(prefix)) != 0) {
        line = strchr(line, '\n');
        line = line != NULL ? line + 1 : NULL;
    }
    if (line == NULL)
        fail_msg("no line starting with '%s' in:\n%s", prefix, text);
    const char *end = strchr(line, '\n');
    size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
    char row[1024];
    snprintf(row, sizeof row, "%.*s", (int)length, line);
    char *last = strrchr(row, ' ');
    assert_non_null(last);
    snprintf(second, size, "%s", last + 1);
    while (last > row && *last == ' ')
        *last-- = '\0';
    char *before = strrchr(row, ' ');
    assert_non_null(before);
    snprintf(first, size, "%s", before + 1);
}

static char *pipeline_since(fixture_run *run, const char *since, bool json)
{
    char *db = test_path_join(run->dir, "fixture.db");
    char command[2048], *output = NULL;
    snprintf(command, sizeof command, "'%s' pipeline --db '%s' --policy '%s/policy.yaml' --as-of 2024-06-30 --since %s%s",
             CREDO_BINARY, db, FIXTURE_DIR, since, json ? " --json" : "");
    assert_int_equal(test_run(command, 0, &output), 0);
    free(db);
    return output;
}

/* A territory c with no members and no deals is left out of the text
 * table, which counts it, and stays in the JSON. */
static void fixture_empty_territory_not_listed(void **state)
{
    fixture_run *run = *state;
    char *policy = test_read_file(FIXTURE_DIR "/policy.yaml", NULL);
    char *at = strstr(policy, "territories:\n");
    assert_non_null(at);
    size_t head = (size_t)(at - policy) + strlen("territories:\n");
    char *with_c = malloc(strlen(policy) + 32);
    assert_non_null(with_c);
    snprintf(with_c, strlen(policy) + 32, "%.*s  - id: c\n%s", (int)head, policy, policy + head);
    char *path = test_path_join(run->dir, "policy-with-c.yaml");
    test_write_file(path, with_c);

    char *db = test_path_join(run->dir, "fixture.db");
    char command[4096], *text = NULL, *json_text = NULL;
    snprintf(command, sizeof command, "'%s' pipeline --db '%s' --policy '%s' --as-of 2024-06-30", CREDO_BINARY, db,
             path);
    assert_int_equal(test_run(command, 0, &text), 0);
    snprintf(command, sizeof command, "'%s' pipeline --db '%s' --policy '%s' --as-of 2024-06-30 --json", CREDO_BINARY,
             db, path);
    assert_int_equal(test_run(command, 0, &json_text), 0);

    assert_non_null(strstr(text, "  (1 territory with no deal and no quota in the period not listed; --json lists all)"));
    assert_null(strstr(text, "\n  c "));
    json_t *root = json_loads(json_text, 0, NULL);
    assert_non_null(root);
    assert_non_null(find_by(json_object_get(root, "rollup"), "id", "c", "by", "territory"));
    json_decref(root);
    free(json_text);
    free(text);
    free(db);
    free(path);
    free(with_c);
    free(policy);
}

/* With --since 2024-05-01, won01 (rep_a1, 2,000.00, closed 05-15) is won
 * in between: territory a shows 1 deal and 2,000.00 in the text report
 * and the JSON alike, and territory b none. */
static void fixture_won_since_text(void **state)
{
    fixture_run *run = *state;
    char *text = pipeline_since(run, "2024-05-01", false);
    char *json_text = pipeline_since(run, "2024-05-01", true);
    json_t *root = json_loads(json_text, 0, NULL);
    assert_non_null(root);
    json_t *rollup = json_object_get(root, "rollup");
    json_t *a = find_by(rollup, "id", "a", "by", "territory");
    json_t *b = find_by(rollup, "id", "b", "by", "territory");
    char deals[64], amount[64];

    assert_int_equal(integer_at(a, "won_since_deals"), 1);
    assert_int_equal(integer_at(a, "won_since_amount_minor"), 200000);
    assert_int_equal(integer_at(b, "won_since_deals"), 0);
    last_two_fields(text, "  a ", deals, amount, sizeof deals);
    assert_string_equal(deals, "1");
    assert_string_equal(amount, "2,000.00");
    last_two_fields(text, "  b ", deals, amount, sizeof deals);
    assert_string_equal(deals, "0");
    assert_string_equal(amount, "0.00");
    if (strstr(text, "won amount since") == NULL)
        fail_msg("expected the 'won amount since' column in:\n%s", text);
    json_decref(root);
    free(json_text);
    free(text);
}

/* With the fixture's --since 2024-05-31 nobody won anything in between
 * (won01 closed on 05-15): both tables show 0 and 0.00 for territory a. */
static void fixture_won_since_none(void **state)
{
    fixture_run *run = *state;
    json_t *a = find_by(json_object_get(run->root, "rollup"), "id", "a", "by", "territory");
    char *text = pipeline_since(run, "2024-05-31", false);
    char deals[64], amount[64];

    assert_int_equal(integer_at(a, "won_since_deals"), 0);
    last_two_fields(text, "  a ", deals, amount, sizeof deals);
    assert_string_equal(deals, "0");
    assert_string_equal(amount, "0.00");
    free(text);
}

/* The text report's days-in-stage line gives the measured and the flagged
 * counts that --json reports for the rule, each under its own name. */
static void fixture_text_counts_match_json(void **state)
{
    fixture_run *run = *state;
    const json_t *rules = json_object_get(run->root, "rules");
    long long measured = -1, flagged = -1;
    size_t index;
    json_t *item;
    json_array_foreach(rules, index, item) {
        if (strcmp(json_string_value(json_object_get(item, "rule")), "days_in_stage") != 0)
            continue;
        measured = (long long)json_integer_value(json_object_get(item, "measured"));
        flagged = (long long)json_integer_value(json_object_get(item, "flagged"));
    }
    assert_true(measured > 0);
    assert_true(flagged >= 0 && flagged < measured);

    char *db = test_path_join(run->dir, "fixture.db");
    char command[2048], *output = NULL, expected[128];
    snprintf(command, sizeof command,
             "'%s' pipeline --db '%s' --policy '%s/policy.yaml' --as-of 2024-06-30 --since 2024-05-31",
             CREDO_BINARY, db, FIXTURE_DIR);
    assert_int_equal(test_run(command, 0, &output), 0);
    snprintf(expected, sizeof expected, "days in stage: %lld open deal%s measured, %lld flagged", measured,
             measured == 1 ? "" : "s", flagged);
    if (strstr(output, expected) == NULL)
        fail_msg("expected '%s' in the report:\n%s", expected, output);
    free(output);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture_latency_everyone),
        cmocka_unit_test(fixture_latency_teams),
        cmocka_unit_test(fixture_latency_reps),
        cmocka_unit_test(fixture_latency_deals),
        cmocka_unit_test(fixture_late_deals),
        cmocka_unit_test(fixture_candidates),
        cmocka_unit_test(fixture_history_flags),
        cmocka_unit_test(fixture_activity_flags),
        cmocka_unit_test(fixture_quota_coverage),
        cmocka_unit_test(fixture_change_since),
        cmocka_unit_test(fixture_won_since_text),
        cmocka_unit_test(fixture_empty_territory_not_listed),
        cmocka_unit_test(fixture_won_since_none),
        cmocka_unit_test(fixture_text_counts_match_json),
    };
    return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
