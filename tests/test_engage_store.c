/* End-to-end tests of the rules of engagement over a store: the fixture
 * in tests/data/engage/cli is imported and run; then the conflict queue,
 * a decision that the next run applies, preview, diff, explain and the
 * audit entries of runs (claims, credit changes, policy changes), whose
 * chain must detect any single edit or deletion. */
#include "data/engage/fixture.h"

#include <jansson.h>
#include <sqlite3.h>

#include "credo/audit.h"

#define CLI_DATA CREDO_TEST_DATA "/engage/cli"
#define CONFLICT_KEY "account:A1|product:*|rep:bob|date:2024-01-12"

typedef struct store_fixture {
    char *dir, *db;
} store_fixture;

static char *command_output(const char *command, int expected_code)
{
    char *output = NULL;
    int code = test_run(command, 1, &output);
    if (code != expected_code)
        fail_msg("'%s' exited with %d, expected %d:\n%s", command, code, expected_code, output);
    return output;
}

static json_t *command_json(const char *command)
{
    char *output = NULL;
    int code = test_run(command, 0, &output);
    if (code != 0)
        fail_msg("'%s' exited with %d:\n%s", command, code, output);
    json_error_t error;
    json_t *json = json_loads(output, 0, &error);
    if (json == NULL)
        fail_msg("'%s' printed invalid JSON (%s):\n%s", command, error.text, output);
    free(output);
    return json;
}

/* Runs the engines with the stored decisions and saves the run, as
 * `credo run` does. */
static void run_and_save(const char *db, const char *policy_file)
{
    credo_error err = {0};
    credo_store *store = NULL;
    credo_policy *policy = NULL;
    credo_snapshot *snapshot = NULL;
    credo_run *run = NULL;
    int64_t run_id = 0;
    credo_status status = credo_store_open(db, &store, &err);
    if (status == CREDO_OK)
        status = credo_policy_load(policy_file, &policy, &err);
    if (status == CREDO_OK)
        status = credo_store_load(store, &snapshot, &err);
    if (status == CREDO_OK)
        status = credo_run_compute_stored(store, snapshot, policy, fx_date("2024-06-30"), &run, &err);
    if (status == CREDO_OK)
        status = credo_run_save(store, run, &run_id, &err);
    if (status != CREDO_OK)
        fail_msg("run failed: %s", err.message);
    credo_run_free(run);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
    credo_store_close(store);
}

static int setup(void **state)
{
    setenv("SOURCE_DATE_EPOCH", "1717200000", 1);
    setenv("CREDO_ACTOR", "tester", 1);
    store_fixture *f = calloc(1, sizeof *f);
    f->dir = test_make_tempdir("engage-store");
    f->db = test_path_join(f->dir, "engage.db");
    char command[4096];
    snprintf(command, sizeof command, "%s import --db %s %s/mapping.yaml", CREDO_BINARY, f->db, CLI_DATA);
    free(command_output(command, 0));
    snprintf(command, sizeof command, "%s run --db %s --policy %s/policy.yaml --as-of 2024-06-30 --json", CREDO_BINARY,
             f->db, CLI_DATA);
    free(command_output(command, 0));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    store_fixture *f = *state;
    free(f->db);
    free(f->dir);
    free(f);
    return 0;
}

/* ---- Run 1: the queue, preview and explain -------------------------------------- */

static void run_reports_conflict(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s conflicts --db %s --json", CREDO_BINARY, f->db);
    json_t *json = command_json(command);
    const json_t *conflicts = json_object_get(json, "conflicts");

    assert_int_equal(json_array_size(conflicts), 1);
    const json_t *conflict = json_array_get(conflicts, 0);
    assert_string_equal(json_string_value(json_object_get(conflict, "key")), CONFLICT_KEY);
    assert_string_equal(json_string_value(json_object_get(conflict, "holder_rep")), "ann");
    assert_string_equal(json_string_value(json_object_get(conflict, "holder_protected_until")), "2024-04-08");
    assert_true(json_is_null(json_object_get(conflict, "decision")));
    json_decref(json);
}

/* bob previews a deal on A1 during ann's window: ann owns it, protected
 * through 2024-04-08, and bob's claim would wait in the queue. */
static void cli_preview_answers(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command,
             "%s preview --db %s --account A1 --rep bob --source outbound --amount 250.00 --date 2024-01-20 --json",
             CREDO_BINARY, f->db);
    json_t *json = command_json(command);

    assert_string_equal(json_string_value(json_object_get(json, "owner")), "ann");
    assert_string_equal(json_string_value(json_object_get(json, "protected_until")), "2024-04-08");
    fx_assert_contains(json_string_value(json_object_get(json, "conflict")), "registration R1 by ann");
    const json_t *line = json_array_get(json_object_get(json, "credit"), 0);
    assert_string_equal(json_string_value(json_object_get(line, "rep")), "ann");
    assert_int_equal(json_integer_value(json_object_get(line, "amount_minor")), 25000);
    json_decref(json);
}

static void cli_preview_needs_date(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s preview --db %s --account A1 --rep bob --amount 250.00", CREDO_BINARY, f->db);
    char *output = command_output(command, 2);
    fx_assert_contains(output, "missing --date DATE");
    free(output);
}

static void cli_preview_unknown_account(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s preview --db %s --account A9 --rep bob --amount 1 --date 2024-01-20",
             CREDO_BINARY, f->db);
    char *output = command_output(command, 3);
    fx_assert_contains(output, "account 'A9' is not in the data");
    free(output);
}

static void cli_preview_negative_amount(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s preview --db %s --account A1 --rep bob --amount -5 --date 2024-01-20",
             CREDO_BINARY, f->db);
    char *output = command_output(command, 3);
    fx_assert_contains(output, "invalid --amount '-5'");
    fx_assert_contains(output, "amount above 0");
    free(output);
}

static void cli_preview_zero_amount(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s preview --db %s --account A1 --rep bob --amount 0.00 --date 2024-01-20",
             CREDO_BINARY, f->db);
    char *output = command_output(command, 3);
    fx_assert_contains(output, "invalid --amount '0.00'");
    free(output);
}

/* D1: bob's single email is below the threshold, cid's two meetings are
 * not; ann's 800.00 rolls up to mia; the deal is held. */
static void cli_explain_chain(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s explain deal D1 --db %s", CREDO_BINARY, f->db);
    char *output = command_output(command, 0);

    fx_assert_contains(output, "registration R1 by ann on 2024-01-10");
    fx_assert_contains(output, "conflict: registration R1 by ann");
    fx_assert_contains(output, "collaborator bob: email 2024-02-01 (1) = 1 point");
    fx_assert_contains(output, "below the threshold, no split");
    fx_assert_contains(output, "manager mia: one roll-up line of 800.00");
    fx_assert_contains(output, "HELD until payment received");
    free(output);
}

/* ---- Deciding the conflict -------------------------------------------------------- */

static void decide_rejects_stranger(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s conflicts decide '%s' --db %s --award zed --reason because", CREDO_BINARY,
             CONFLICT_KEY, f->db);
    char *output = command_output(command, 3);
    fx_assert_contains(output, "--award zed names neither the claimant bob nor the holder ann");
    free(output);
}

static void decide_needs_reason(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s conflicts decide '%s' --db %s --reject", CREDO_BINARY, CONFLICT_KEY, f->db);
    char *output = command_output(command, 2);
    fx_assert_contains(output, "missing --reason TEXT");
    free(output);
}

static void decide_unknown_key(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s conflicts decide 'account:A7|product:*|rep:x|date:2024-01-01' --db %s "
                                      "--reject --reason no", CREDO_BINARY, f->db);
    char *output = command_output(command, 3);
    fx_assert_contains(output, "no conflict with key");
    free(output);
}

/* lee awards the account to bob. Until the next run, the queue of run 1
 * still has bob's claim waiting, marked with the decision to come. */
static void decide_award_pending(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s conflicts decide '%s' --db %s --award bob --reason 'met the buyer first' "
                                      "--by lee", CREDO_BINARY, CONFLICT_KEY, f->db);
    free(command_output(command, 0));

    snprintf(command, sizeof command, "%s conflicts --db %s --all", CREDO_BINARY, f->db);
    char *output = command_output(command, 0);
    fx_assert_contains(output, "conflict queue of run 1");
    fx_assert_contains(output, ": 1 waiting; 1 decision recorded since, applied at the next run");
    fx_assert_contains(output, "source outbound: conflict: registration R1 by ann");
    fx_assert_contains(output, "decided: award to bob, applies at the next run (by lee: met the buyer first)");
    assert_null(strstr(output, "awarded"));
    free(output);
}

static void pending_decision_json(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s conflicts --db %s --json", CREDO_BINARY, f->db);
    json_t *json = command_json(command);
    const json_t *conflict = json_array_get(json_object_get(json, "conflicts"), 0);
    const json_t *pending = json_object_get(conflict, "pending_decision");

    assert_int_equal(json_integer_value(json_object_get(json, "waiting")), 1);
    assert_int_equal(json_integer_value(json_object_get(json, "pending_decisions")), 1);
    assert_string_equal(json_string_value(json_object_get(conflict, "status")), "conflict");
    assert_string_equal(json_string_value(json_object_get(conflict, "holder_protected_until")), "2024-04-08");
    assert_true(json_is_null(json_object_get(conflict, "decision")));
    assert_string_equal(json_string_value(json_object_get(pending, "decision")), "award");
    assert_string_equal(json_string_value(json_object_get(pending, "winner")), "bob");
    assert_string_equal(json_string_value(json_object_get(pending, "decider")), "lee");
    json_decref(json);
}

/* The next run gives D1 to bob. bob is then the closer, so the deal
 * team's 20% goes to cid alone. */
static void decision_applies_next_run(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    /* Through the command, so that `credo run` itself applies the decision. */
    snprintf(command, sizeof command, "%s run --db %s --policy %s/policy.yaml --as-of 2024-06-30 --json",
             CREDO_BINARY, f->db, CLI_DATA);
    free(command_output(command, 0));

    snprintf(command, sizeof command, "%s diff --db %s --json", CREDO_BINARY, f->db);
    json_t *json = command_json(command);
    assert_int_equal(json_integer_value(json_object_get(json, "from")), 1);
    assert_int_equal(json_integer_value(json_object_get(json, "to")), 2);
    const json_t *changes = json_object_get(json, "changes");
    assert_int_equal(json_array_size(changes), 2);
    const json_t *ann = json_array_get(changes, 0);
    assert_string_equal(json_string_value(json_object_get(ann, "rep")), "ann");
    assert_int_equal(json_integer_value(json_object_get(ann, "before_minor")), 80000);
    assert_int_equal(json_integer_value(json_object_get(ann, "after_minor")), 0);
    assert_string_equal(json_string_value(json_object_get(ann, "why")), "owner changed from ann to bob");
    const json_t *bob = json_array_get(changes, 1);
    assert_string_equal(json_string_value(json_object_get(bob, "rep")), "bob");
    assert_int_equal(json_integer_value(json_object_get(bob, "after_minor")), 80000);
    json_decref(json);
}

/* After run 2, bob's claim reads what holds now: his window from
 * 2024-01-12 through 2024-04-10 (90 days) and ann's ending 2024-01-11,
 * not ann's old end of 2024-04-08. */
static void award_reason_in_explain(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s explain deal D1 --db %s", CREDO_BINARY, f->db);
    char *output = command_output(command, 0);

    fx_assert_contains(output, "awarded: lee decided for bob: met the buyer first; bob's claim protects the account "
                               "from 2024-01-12 through 2024-04-10, and the window of registration R1 by ann from "
                               "2024-01-10 now ends on 2024-01-11");
    assert_null(strstr(output, "through 2024-04-08; lee decided"));
    free(output);
}

static void decided_conflict_listed(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s conflicts --db %s --all --json", CREDO_BINARY, f->db);
    json_t *json = command_json(command);
    const json_t *conflict = json_array_get(json_object_get(json, "conflicts"), 0);

    assert_string_equal(json_string_value(json_object_get(conflict, "status")), "awarded");
    assert_int_equal(json_integer_value(json_object_get(json, "waiting")), 0);
    assert_true(json_is_null(json_object_get(conflict, "pending_decision")));
    fx_assert_contains(json_string_value(json_object_get(conflict, "reason")),
                       "bob's claim protects the account from 2024-01-12 through 2024-04-10");
    const json_t *decision = json_object_get(conflict, "decision");
    assert_string_equal(json_string_value(json_object_get(decision, "decision")), "award");
    assert_string_equal(json_string_value(json_object_get(decision, "decider")), "lee");
    json_decref(json);
}

/* ---- The audit log ------------------------------------------------------------------ */

typedef struct entry_list {
    char actions[64][32];
    char subjects[64][96];
    size_t count;
} entry_list;

static int collect_entry(void *ctx, const credo_audit_entry *entry, credo_error *err)
{
    (void)err;
    entry_list *list = ctx;
    if (list->count < 64) {
        snprintf(list->actions[list->count], 32, "%s", entry->action);
        snprintf(list->subjects[list->count], 96, "%s", entry->subject != NULL ? entry->subject : "");
        list->count++;
    }
    return 0;
}

static entry_list read_log(const char *db)
{
    entry_list list = {0};
    credo_store *store = NULL;
    credo_error err = {0};
    assert_int_equal(credo_store_open(db, &store, &err), CREDO_OK);
    assert_int_equal(credo_audit_each(store, collect_entry, &list, &err), CREDO_OK);
    credo_store_close(store);
    return list;
}

static size_t count_entries(const entry_list *list, const char *action, const char *subject)
{
    size_t count = 0;
    for (size_t i = 0; i < list->count; i++)
        count += strcmp(list->actions[i], action) == 0 && (subject == NULL || strcmp(list->subjects[i], subject) == 0);
    return count;
}

/* Run 1 logs R1's protection and R2's queueing; run 2 logs R1's shortened
 * window, R2's award and the credit changes of ann and bob. */
static void audit_records_claims(void **state)
{
    store_fixture *f = *state;
    entry_list list = read_log(f->db);

    assert_int_equal(count_entries(&list, "claim", "registration:R1"), 2);
    assert_int_equal(count_entries(&list, "claim", "registration:R2"), 2);
    assert_int_equal(count_entries(&list, "credit_change", "ann"), 1);
    assert_int_equal(count_entries(&list, "credit_change", "bob"), 1);
    assert_int_equal(count_entries(&list, "credit_change", "mia"), 0);
    assert_int_equal(count_entries(&list, "policy_change", NULL), 0);
}

static int keep_r2_reason(void *ctx, const credo_audit_entry *entry, credo_error *err)
{
    (void)err;
    char *reason = ctx;
    if (strcmp(entry->action, "claim") == 0 && entry->subject != NULL &&
        strcmp(entry->subject, "registration:R2") == 0)
        snprintf(reason, 1024, "%s", entry->reason != NULL ? entry->reason : "");
    return 0;
}

/* The claim entry that run 2 logged for the award gives bob's window and
 * the new end of ann's. */
static void audit_award_reason(void **state)
{
    store_fixture *f = *state;
    char reason[1024] = "";
    credo_store *store = NULL;
    credo_error err = {0};
    assert_int_equal(credo_store_open(f->db, &store, &err), CREDO_OK);
    assert_int_equal(credo_audit_each(store, keep_r2_reason, reason, &err), CREDO_OK);
    credo_store_close(store);

    fx_assert_contains(reason, "bob's claim protects the account from 2024-01-12 through 2024-04-10");
    fx_assert_contains(reason, "now ends on 2024-01-11");
}

/* Run 3 with the same policy and data logs nothing new but the run; run 4
 * with another hold threshold logs the policy change and the released
 * holds. */
static void audit_records_policy_change(void **state)
{
    store_fixture *f = *state;
    entry_list before = read_log(f->db);
    run_and_save(f->db, CLI_DATA "/policy.yaml");
    entry_list same = read_log(f->db);
    assert_int_equal(same.count, before.count + 1);

    run_and_save(f->db, CLI_DATA "/policy-v2.yaml");
    entry_list after = read_log(f->db);
    assert_int_equal(count_entries(&after, "policy_change", "4"), 1);
    assert_int_equal(count_entries(&after, "credit_change", "bob"), 2);
    assert_int_equal(count_entries(&after, "credit_change", "cid"), 1);
    assert_int_equal(count_entries(&after, "credit_change", "mia"), 1);
}

static void tamper(const char *db, const char *sql)
{
    sqlite3 *handle = NULL;
    assert_int_equal(sqlite3_open(db, &handle), SQLITE_OK);
    if (sqlite3_exec(handle, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s failed: %s", sql, sqlite3_errmsg(handle));
    sqlite3_close(handle);
}

static credo_audit_report verify(const char *db)
{
    credo_audit_report report;
    credo_store *store = NULL;
    credo_error err = {0};
    assert_int_equal(credo_store_open(db, &store, &err), CREDO_OK);
    assert_int_equal(credo_audit_verify(store, &report, &err), CREDO_OK);
    credo_store_close(store);
    return report;
}

static void audit_chain_intact(void **state)
{
    store_fixture *f = *state;
    char command[4096];
    snprintf(command, sizeof command, "%s audit verify --db %s", CREDO_BINARY, f->db);
    free(command_output(command, 0));
    assert_int_equal(verify(f->db).problem, CREDO_AUDIT_INTACT);
}

/* Every entry, edited or deleted on its own copy, is the first bad one. */
static void audit_detects_any_change(void **state)
{
    store_fixture *f = *state;
    entry_list list = read_log(f->db);
    char *copy = test_path_join(f->dir, "tampered.db");
    char sql[256];
    for (size_t seq = 1; seq <= list.count; seq++) {
        test_copy_file(f->db, copy);
        snprintf(sql, sizeof sql, "UPDATE audit_log SET reason = coalesce(reason, '') || '!' WHERE seq = %zu", seq);
        tamper(copy, sql);
        credo_audit_report edited = verify(copy);
        assert_int_equal(edited.problem, CREDO_AUDIT_EDITED);
        assert_int_equal(edited.seq, (int64_t)seq);

        test_copy_file(f->db, copy);
        snprintf(sql, sizeof sql, "DELETE FROM audit_log WHERE seq = %zu", seq);
        tamper(copy, sql);
        credo_audit_report deleted = verify(copy);
        assert_int_equal(deleted.problem, CREDO_AUDIT_DELETED);
        assert_int_equal(deleted.seq, (int64_t)seq);
    }
    char command[4096];
    snprintf(command, sizeof command, "%s audit verify --db %s", CREDO_BINARY, copy);
    char *output = command_output(command, 1);
    free(output);
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_reports_conflict),
        cmocka_unit_test(cli_preview_answers),
        cmocka_unit_test(cli_preview_needs_date),
        cmocka_unit_test(cli_preview_unknown_account),
        cmocka_unit_test(cli_preview_negative_amount),
        cmocka_unit_test(cli_preview_zero_amount),
        cmocka_unit_test(cli_explain_chain),
        cmocka_unit_test(decide_rejects_stranger),
        cmocka_unit_test(decide_needs_reason),
        cmocka_unit_test(decide_unknown_key),
        cmocka_unit_test(decide_award_pending),
        cmocka_unit_test(pending_decision_json),
        cmocka_unit_test(decision_applies_next_run),
        cmocka_unit_test(award_reason_in_explain),
        cmocka_unit_test(decided_conflict_listed),
        cmocka_unit_test(audit_records_claims),
        cmocka_unit_test(audit_award_reason),
        cmocka_unit_test(audit_records_policy_change),
        cmocka_unit_test(audit_chain_intact),
        cmocka_unit_test(audit_detects_any_change),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
