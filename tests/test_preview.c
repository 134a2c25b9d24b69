/* Tests of credo_preview: the owner, protection, conflict and credit of a
 * deal before it is logged, its JSON and text forms, its errors, and that
 * it leaves the caller's snapshot unchanged. */
#include "data/engage/fixture.h"

#include <jansson.h>

#define PREVIEW_POLICY                                                                                   \
    "credo_policy: 1\n"                                                                                  \
    "roles: [{id: sales_rep, selling: true}]\n"                                                          \
    "types: [{id: region, priority: 10}]\n"                                                              \
    "territories:\n"                                                                                     \
    "  - id: west\n"                                                                                     \
    "    type: region\n"                                                                                 \
    "    match: region = \"US-WA\"\n"                                                                    \
    "    members: [{rep: kim, role: sales_rep, from: 2024-02-01}]\n"                                     \
    "engagement:\n"                                                                                      \
    "  registration: {protection_days: 90}\n"                                                            \
    "  partner: {sourcing_share: 10%}\n"                                                                 \
    "credit:\n"                                                                                          \
    "  rules:\n"                                                                                         \
    "    - id: partner\n"                                                                                \
    "      when: deal.partner_sourced = \"true\"\n"                                                      \
    "      revenue: [{role: closer, share: 100%}]\n"                                                     \
    "  rollup: true\n"                                                                                   \
    "  holds: [{when: deal.amount_minor >= 500000, release: until payment received}]\n"

/* A1 in west (vacant until kim joins on 2024-02-01), ann reports to mia,
 * and ann holds a protected claim on A1 from 2024-01-10 through
 * 2024-04-08. kim calls A1 on 2024-06-01. */
static credo_snapshot *preview_fixture(void)
{
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", "mia");
    fx_rep(s, "bob", NULL);
    fx_rep(s, "kim", NULL);
    fx_rep(s, "mia", NULL);
    fx_account(s, "A1", "US-WA");
    fx_account(s, "A2", "US-WA");
    fx_registration(s, "R1", "ann", "A1", NULL, "outbound", "2024-01-10", NULL);
    fx_activity(s, "kim", "A1", NULL, "call", "2024-06-01");
    fx_finish(s);
    return s;
}

static credo_preview_result run_preview(const credo_snapshot *s, const credo_policy *policy,
                                        const credo_preview_request *request)
{
    credo_preview_result result;
    credo_error err = {0};
    if (credo_preview(s, policy, NULL, 0, request, &result, &err) != CREDO_OK)
        fail_msg("preview failed: %s", err.message);
    return result;
}

/* ann previews a partner deal of 1000.00 on A1 inside her own window:
 * she owns it, protected through 2024-04-08; 10% sourcing (10000) and the
 * rest (90000) by rule partner, and mia rolls up all 100000. */
static void preview_own_window(void **state)
{
    (void)state;
    credo_snapshot *s = preview_fixture();
    credo_policy *policy = fx_policy(PREVIEW_POLICY);
    const credo_preview_request request = {"A1", "ann", "partner", "Northwind", NULL, NULL, 100000, fx_date("2024-02-10")};
    credo_preview_result result = run_preview(s, policy, &request);

    assert_string_equal(result.owner, "ann");
    assert_string_equal(result.claim_status, "duplicate");
    assert_int_equal(result.protected_until, fx_date("2024-04-08"));
    assert_null(result.conflict);
    assert_int_equal(result.line_count, 3);
    assert_string_equal(result.lines[0].rule, "partner");
    assert_int_equal(result.lines[0].amount, 90000);
    assert_string_equal(result.lines[1].rule, CREDO_RULE_SOURCING);
    assert_int_equal(result.lines[1].amount, 10000);
    assert_string_equal(result.lines[2].rep_id, "mia");
    assert_string_equal(result.lines[2].kind, "rollup");
    assert_int_equal(result.lines[2].amount, 100000);
    credo_preview_result_clear(&result);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* bob's claim on A1 inside ann's window waits in the queue, and ann owns
 * the deal he would log. */
static void preview_conflict(void **state)
{
    (void)state;
    credo_snapshot *s = preview_fixture();
    credo_policy *policy = fx_policy(PREVIEW_POLICY);
    const credo_preview_request request = {"A1", "bob", "outbound", NULL, NULL, NULL, 5000, fx_date("2024-01-20")};
    credo_preview_result result = run_preview(s, policy, &request);

    assert_string_equal(result.owner, "ann");
    assert_string_equal(result.claim_status, "conflict");
    assert_string_equal(result.conflict_key, "account:A1|product:*|rep:bob|date:2024-01-20");
    fx_assert_contains(result.conflict, "registration R1 by ann on 2024-01-10 protects the account through 2024-04-08");
    credo_preview_result_clear(&result);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* On A2, whose owner kim is active only from 2024-02-01, bob's claim of
 * 2024-01-20 wins protection through 2024-04-18; the held credit shows its
 * release. */
static void preview_new_protection(void **state)
{
    (void)state;
    credo_snapshot *s = preview_fixture();
    credo_policy *policy = fx_policy(PREVIEW_POLICY);
    const credo_preview_request request = {"A2", "bob", "inbound", NULL, "widgets", "EUR", 600000, fx_date("2024-01-20")};
    credo_preview_result result = run_preview(s, policy, &request);

    assert_string_equal(result.owner, "bob");
    assert_string_equal(result.claim_status, "protected");
    assert_int_equal(result.protected_until, fx_date("2024-04-18"));
    assert_int_equal(result.line_count, 1);
    assert_string_equal(result.lines[0].rule, CREDO_RULE_OWNER_FULL);
    assert_string_equal(result.lines[0].hold, "until payment received");
    credo_preview_result_clear(&result);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void preview_json_keys(void **state)
{
    (void)state;
    credo_snapshot *s = preview_fixture();
    credo_policy *policy = fx_policy(PREVIEW_POLICY);
    const credo_preview_request request = {"A1", "bob", "outbound", NULL, NULL, NULL, 5000, fx_date("2024-06-20")};
    credo_preview_result result = run_preview(s, policy, &request);
    credo_buf out = CREDO_BUF_INIT;
    credo_preview_json(&result, &out);
    json_error_t error;
    json_t *json = json_loads(credo_buf_text(&out), 0, &error);
    if (json == NULL)
        fail_msg("invalid JSON (%s): %s", error.text, credo_buf_text(&out));

    /* After ann's window, kim owns A1 and called it on 2024-06-01: bob's
     * claim is not protected, and bob keeps his out-of-territory deal. */
    assert_string_equal(json_string_value(json_object_get(json, "owner")), "bob");
    assert_true(json_is_null(json_object_get(json, "protected_until")));
    assert_true(json_is_null(json_object_get(json, "conflict")));
    const json_t *credit = json_object_get(json, "credit");
    assert_int_equal(json_array_size(credit), 1);
    const json_t *line = json_array_get(credit, 0);
    assert_string_equal(json_string_value(json_object_get(line, "rep")), "bob");
    assert_string_equal(json_string_value(json_object_get(line, "kind")), "revenue");
    assert_int_equal(json_integer_value(json_object_get(line, "amount_minor")), 5000);
    assert_string_equal(json_string_value(json_object_get(line, "rule")), CREDO_RULE_OWNER_FULL);
    json_decref(json);
    credo_buf_free(&out);
    credo_preview_result_clear(&result);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void preview_text_form(void **state)
{
    (void)state;
    credo_snapshot *s = preview_fixture();
    credo_policy *policy = fx_policy(PREVIEW_POLICY);
    const credo_preview_request request = {"A1", "bob", "outbound", NULL, NULL, NULL, 5000, fx_date("2024-01-20")};
    credo_preview_result result = run_preview(s, policy, &request);
    credo_buf out = CREDO_BUF_INIT;
    credo_preview_text(&result, &out);

    fx_assert_contains(credo_buf_text(&out), "owner: ann (out_of_territory, territory west)");
    fx_assert_contains(credo_buf_text(&out), "protected until: 2024-04-08");
    fx_assert_contains(credo_buf_text(&out), "conflict: registration R1 by ann");
    credo_buf_free(&out);
    credo_preview_result_clear(&result);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void preview_unknown_account(void **state)
{
    (void)state;
    credo_snapshot *s = preview_fixture();
    credo_policy *policy = fx_policy(PREVIEW_POLICY);
    const credo_preview_request request = {"A9", "bob", "outbound", NULL, NULL, NULL, 5000, fx_date("2024-01-20")};
    credo_preview_result result;
    credo_error err = {0};

    assert_int_equal(credo_preview(s, policy, NULL, 0, &request, &result, &err), CREDO_ERR_NOT_FOUND);
    fx_assert_contains(err.message, "account 'A9' is not in the data");
    assert_null(result.owner);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void preview_unknown_rep(void **state)
{
    (void)state;
    credo_snapshot *s = preview_fixture();
    credo_policy *policy = fx_policy(PREVIEW_POLICY);
    const credo_preview_request request = {"A1", "zed", "outbound", NULL, NULL, NULL, 5000, fx_date("2024-01-20")};
    credo_preview_result result;
    credo_error err = {0};

    assert_int_equal(credo_preview(s, policy, NULL, 0, &request, &result, &err), CREDO_ERR_NOT_FOUND);
    fx_assert_contains(err.message, "rep 'zed' is not in the data");
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* A deal of -5.00 or 0.00 would give negative or empty credit lines, so
 * the preview rejects both before computing anything. */
static void preview_rejects_amount(credo_money amount, const char *expected)
{
    credo_snapshot *s = preview_fixture();
    credo_policy *policy = fx_policy(PREVIEW_POLICY);
    const credo_preview_request request = {"A1", "ann", "outbound", NULL, NULL, NULL, amount, fx_date("2024-01-20")};
    credo_preview_result result;
    credo_error err = {0};

    assert_int_equal(credo_preview(s, policy, NULL, 0, &request, &result, &err), CREDO_ERR_INVALID);
    fx_assert_contains(err.message, expected);
    assert_null(result.owner);
    assert_int_equal(result.line_count, 0);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void preview_negative_amount(void **state)
{
    (void)state;
    preview_rejects_amount(-500, "invalid preview amount -500 minor units");
}

static void preview_zero_amount(void **state)
{
    (void)state;
    preview_rejects_amount(0, "invalid preview amount 0 minor units");
}

/* A decision on the previewed claim applies: awarding bob moves the
 * account to him from 2024-01-20. */
static void preview_applies_decision(void **state)
{
    (void)state;
    credo_snapshot *s = preview_fixture();
    credo_policy *policy = fx_policy(PREVIEW_POLICY);
    const credo_preview_request request = {"A1", "bob", "outbound", NULL, NULL, NULL, 5000, fx_date("2024-01-20")};
    credo_conflict_decision decision = {"account:A1|product:*|rep:bob|date:2024-01-20", "award", "bob", "lee", "ok",
                                        NULL};
    credo_preview_result result;
    credo_error err = {0};
    assert_int_equal(credo_preview(s, policy, &decision, 1, &request, &result, &err), CREDO_OK);

    assert_string_equal(result.owner, "bob");
    assert_string_equal(result.claim_status, "awarded");
    assert_int_equal(result.protected_until, fx_date("2024-04-18"));
    credo_preview_result_clear(&result);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void preview_leaves_snapshot(void **state)
{
    (void)state;
    credo_snapshot *s = preview_fixture();
    credo_policy *policy = fx_policy(PREVIEW_POLICY);
    size_t strings = credo_strpool_count(s->strings);
    const credo_preview_request request = {"A1", "bob", "partner", "Contoso", "widgets", NULL, 5000,
                                           fx_date("2024-01-20")};
    credo_preview_result result = run_preview(s, policy, &request);

    assert_int_equal(s->deals.count, 0);
    assert_int_equal(s->registrations.count, 1);
    assert_int_equal(credo_strpool_count(s->strings), strings);
    credo_preview_result_clear(&result);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* The copy has every row and the same string ids. */
static void snapshot_copy_same(void **state)
{
    (void)state;
    credo_snapshot *s = preview_fixture();
    credo_snapshot *copy = NULL;
    credo_error err = {0};
    assert_int_equal(credo_snapshot_copy(s, &copy, &err), CREDO_OK);

    assert_int_equal(copy->reps.count, 4);
    assert_int_equal(copy->reps.manager_id[0], s->reps.manager_id[0]);
    assert_int_equal(copy->registrations.count, 1);
    assert_int_equal(copy->registrations.account_row[0], 0);
    assert_string_equal(credo_snapshot_text(copy, copy->registrations.rep_id[0]), "ann");
    assert_int_equal(credo_strpool_count(copy->strings), credo_strpool_count(s->strings));
    credo_snapshot_free(copy);
    credo_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(preview_own_window),
        cmocka_unit_test(preview_conflict),
        cmocka_unit_test(preview_new_protection),
        cmocka_unit_test(preview_json_keys),
        cmocka_unit_test(preview_text_form),
        cmocka_unit_test(preview_unknown_account),
        cmocka_unit_test(preview_unknown_rep),
        cmocka_unit_test(preview_negative_amount),
        cmocka_unit_test(preview_zero_amount),
        cmocka_unit_test(preview_applies_decision),
        cmocka_unit_test(preview_leaves_snapshot),
        cmocka_unit_test(snapshot_copy_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
