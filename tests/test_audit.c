/* Tests of the audit log: entries written by imports, runs and conflict
 * decisions, the hash of the documented encoding, and verification after
 * every kind of tampering. Each tampering is done with SQLite directly, on
 * a copy of a database that contains a known chain. */
#include <jansson.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "credo/audit.h"
#include "credo/import.h"
#include "credo/policy.h"
#include "credo/run.h"
#include "credo/store.h"
#include "test_support.h"

#define IMPORT_MAPPING CREDO_TEST_DATA "/import/mapping.yaml"

/* 1700000000 seconds after 1970-01-01 is 2023-11-14T22:13:20Z. */
#define EPOCH "1700000000"
#define EPOCH_TIME "2023-11-14T22:13:20Z"

static const char *const genesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

static const char audit_policy[] =
    "credo_policy: 1\n"
    "name: audit test\n"
    "roles:\n"
    "  - {id: ae, selling: true}\n"
    "types:\n"
    "  - {id: region, priority: 10}\n"
    "territories:\n"
    "  - id: west\n"
    "    type: region\n"
    "    match: 'country = \"US\"'\n"
    "    members:\n"
    "      - {rep: R1, role: ae}\n";

/* SHA-256 of audit_policy, computed with Python's hashlib. */
#define AUDIT_POLICY_SHA256 "c568ed4544ec660322cb58c0be6ed546f7bbc6a7e11ab748e51f502ffeb4ebe7"

/* The chain every tampering test starts from: import, run, conflict
 * decision, import again. */
#define CHAIN_LENGTH 4

typedef struct fixture {
    char *dir;
    char *path;  /* the untouched chain */
    char *copy;  /* the copy that a test tampers with */
} fixture;

static void expect_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        fail_msg("expected \"%s\" to contain \"%s\"", text, part);
}

/* ---- Direct access to the file -------------------------------------------------- */

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        fail_msg("cannot open %s: %s", path, sqlite3_errmsg(db));
    return db;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s failed: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* Returns the first column of the first row as a malloc'd string (NULL
 * for SQL NULL). */
static char *raw_text(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s failed: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) != SQLITE_ROW)
        fail_msg("%s returned no row", sql);
    const unsigned char *text = sqlite3_column_text(stmt, 0);
    char *copy = text != NULL ? strdup((const char *)text) : NULL;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return copy;
}

/* ---- The hash, computed here from the encoding docs/audit.md gives --------------- */

static void feed_field(EVP_MD_CTX *context, const char *text)
{
    unsigned char header[9] = {0};
    if (text == NULL) {
        assert_int_equal(EVP_DigestUpdate(context, header, 1), 1);
        return;
    }
    header[0] = 1;
    unsigned long long length = strlen(text);
    for (int i = 0; i < 8; i++)
        header[1 + i] = (unsigned char)(length >> (8 * (7 - i)));
    assert_int_equal(EVP_DigestUpdate(context, header, 9), 1);
    assert_int_equal(EVP_DigestUpdate(context, text, strlen(text)), 1);
}

/* Hashes seq, created_at, actor, action, subject, reason, payload and
 * prev_hash into out (65 bytes). */
static void expected_hash(const char *const fields[8], char out[65])
{
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    assert_non_null(context);
    assert_int_equal(EVP_DigestInit_ex(context, EVP_sha256(), NULL), 1);
    for (int i = 0; i < 8; i++)
        feed_field(context, fields[i]);
    unsigned char digest[32];
    unsigned int length = 0;
    assert_int_equal(EVP_DigestFinal_ex(context, digest, &length), 1);
    EVP_MD_CTX_free(context);
    for (unsigned i = 0; i < length; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* ---- Building the chain --------------------------------------------------------- */

static credo_store *open_store(const char *path)
{
    credo_store *store = NULL;
    credo_error err;
    if (credo_store_open(path, &store, &err) != CREDO_OK)
        fail_msg("opening %s failed: %s", path, err.message);
    return store;
}

static void import_fixture(credo_store *store)
{
    credo_iso3166 *iso = NULL;
    credo_import_report *report = NULL;
    credo_error err;
    if (credo_iso3166_load(NULL, &iso, &err) != CREDO_OK)
        fail_msg("loading iso-codes failed: %s", err.message);
    if (credo_import(store, IMPORT_MAPPING, iso, NULL, NULL, &report, &err) != CREDO_OK)
        fail_msg("import failed: %s", err.message);
    credo_import_report_free(report);
    credo_iso3166_free(iso);
}

static int64_t run_and_save(credo_store *store)
{
    credo_error err;
    credo_snapshot *snapshot = NULL;
    credo_policy *policy = NULL;
    credo_run *run = NULL;
    int64_t run_id = 0;
    if (credo_store_load(store, &snapshot, &err) != CREDO_OK ||
        credo_policy_parse(audit_policy, strlen(audit_policy), "audit.yaml", &policy, &err) !=
            CREDO_OK ||
        credo_run_compute(snapshot, policy, 19783, &run, &err) != CREDO_OK ||
        credo_run_save(store, run, &run_id, &err) != CREDO_OK)
        fail_msg("the run failed: %s", err.message);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(snapshot);
    return run_id;
}

static void decide(credo_store *store, const char *key)
{
    credo_error err;
    if (credo_store_put_conflict_decision(store, key, "award", "R2", NULL, "R2 logged first",
                                          &err) != CREDO_OK)
        fail_msg("the decision failed: %s", err.message);
}

static int setup_chain(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = test_make_tempdir("audit");
    f->path = test_path_join(f->dir, "chain.db");
    f->copy = test_path_join(f->dir, "tampered.db");
    setenv("SOURCE_DATE_EPOCH", EPOCH, 1);
    setenv("CREDO_ACTOR", "auditor", 1);

    credo_store *store = open_store(f->path);
    import_fixture(store);
    run_and_save(store);
    decide(store, "deal:SO1");
    import_fixture(store);
    credo_store_close(store);
    *state = f;
    return 0;
}

static int teardown_chain(void **state)
{
    fixture *f = *state;
    free(f->path);
    free(f->copy);
    free(f->dir);
    free(f);
    unsetenv("SOURCE_DATE_EPOCH");
    unsetenv("CREDO_ACTOR");
    return 0;
}

/* Replaces the copy with the untouched chain. */
static void fresh_copy(const fixture *f)
{
    char wal[4200];
    snprintf(wal, sizeof wal, "%s-wal", f->copy);
    unlink(wal);
    test_copy_file(f->path, f->copy);
}

static credo_audit_report verify_path(const char *path)
{
    credo_store *store = open_store(path);
    credo_audit_report report;
    credo_error err;
    if (credo_audit_verify(store, &report, &err) != CREDO_OK)
        fail_msg("verify failed: %s", err.message);
    credo_store_close(store);
    return report;
}

/* Verifies the copy and fails unless it finds `problem` at entry `seq`. */
static void expect_problem(const fixture *f, credo_audit_problem problem, int64_t seq,
                           const char *what)
{
    credo_audit_report report = verify_path(f->copy);
    if (report.problem != problem || report.seq != seq)
        fail_msg("%s: expected %s at entry %lld, got %s at entry %lld (%s)", what,
                 credo_audit_problem_name(problem), (long long)seq,
                 credo_audit_problem_name(report.problem), (long long)report.seq, report.detail);
}

/* ---- Entries written by the library ----------------------------------------------- */

static void test_chain_verifies(void **state)
{
    fixture *f = *state;
    credo_audit_report report = verify_path(f->path);
    assert_int_equal(report.problem, CREDO_AUDIT_INTACT);
    assert_int_equal(report.entries, CHAIN_LENGTH);
    assert_int_equal(report.head_seq, CHAIN_LENGTH);
    assert_int_equal(report.seq, 0);
    char *last_hash = raw_text(f->path, "SELECT hash FROM audit_log WHERE seq = 4");
    assert_string_equal(report.head_hash, last_hash);
    free(last_hash);
}

static void test_chain_actions(void **state)
{
    fixture *f = *state;
    const char *const actions[CHAIN_LENGTH] = {"import", "run", "conflict_decision", "import"};
    const char *const subjects[CHAIN_LENGTH] = {IMPORT_MAPPING, "1", "deal:SO1", IMPORT_MAPPING};
    for (int seq = 1; seq <= CHAIN_LENGTH; seq++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT action FROM audit_log WHERE seq = %d", seq);
        char *action = raw_text(f->path, sql);
        assert_string_equal(action, actions[seq - 1]);
        free(action);
        snprintf(sql, sizeof sql, "SELECT subject FROM audit_log WHERE seq = %d", seq);
        char *subject = raw_text(f->path, sql);
        assert_string_equal(subject, subjects[seq - 1]);
        free(subject);
        snprintf(sql, sizeof sql, "SELECT actor || ' ' || created_at FROM audit_log WHERE seq = %d",
                 seq);
        char *actor = raw_text(f->path, sql);
        assert_string_equal(actor, "auditor " EPOCH_TIME);
        free(actor);
    }
}

static void test_chain_links(void **state)
{
    fixture *f = *state;
    char *first_prev = raw_text(f->path, "SELECT prev_hash FROM audit_log WHERE seq = 1");
    assert_string_equal(first_prev, genesis);
    free(first_prev);
    for (int seq = 2; seq <= CHAIN_LENGTH; seq++) {
        char sql[160];
        snprintf(sql, sizeof sql,
                 "SELECT a.prev_hash = b.hash FROM audit_log a, audit_log b "
                 "WHERE a.seq = %d AND b.seq = %d",
                 seq, seq - 1);
        char *linked = raw_text(f->path, sql);
        assert_string_equal(linked, "1");
        free(linked);
    }
}

static void test_import_payload_counts(void **state)
{
    fixture *f = *state;
    char *payload = raw_text(f->path, "SELECT payload FROM audit_log WHERE seq = 1");
    json_error_t error;
    json_t *root = json_loads(payload, 0, &error);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "import_id")), 1);
    assert_int_equal(json_integer_value(json_object_get(root, "kept_as_written")), 3);
    json_t *sources = json_object_get(root, "sources");
    assert_int_equal(json_array_size(sources), 8);
    json_t *orders = json_array_get(sources, 2);
    assert_string_equal(json_string_value(json_object_get(orders, "file")), "orders.csv");
    assert_string_equal(json_string_value(json_object_get(orders, "entity")), "deals");
    assert_int_equal(json_integer_value(json_object_get(orders, "rows_read")), 4);
    assert_int_equal(json_integer_value(json_object_get(orders, "rows_written")), 2);
    json_decref(root);
    free(payload);
}

static void test_run_payload_policy_hash(void **state)
{
    fixture *f = *state;
    char *payload = raw_text(f->path, "SELECT payload FROM audit_log WHERE seq = 2");
    json_error_t error;
    json_t *root = json_loads(payload, 0, &error);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "policy_sha256")),
                        AUDIT_POLICY_SHA256);
    json_t *summary = json_object_get(root, "summary");
    assert_int_equal(json_integer_value(json_object_get(summary, "accounts")), 4);
    assert_int_equal(json_integer_value(json_object_get(summary, "won_amount_minor")), 12080);
    assert_string_equal(json_string_value(json_object_get(summary, "as_of")), "2024-03-01");
    json_decref(root);
    free(payload);
}

static void test_hash_matches_encoding(void **state)
{
    fixture *f = *state;
    char *payload = raw_text(f->path, "SELECT payload FROM audit_log WHERE seq = 3");
    char *prev = raw_text(f->path, "SELECT prev_hash FROM audit_log WHERE seq = 3");
    char *stored = raw_text(f->path, "SELECT hash FROM audit_log WHERE seq = 3");
    const char *const fields[8] = {"3", EPOCH_TIME, "auditor", "conflict_decision", "deal:SO1",
                                   "R2 logged first", payload, prev};
    char hash[65];
    expected_hash(fields, hash);
    assert_string_equal(stored, hash);
    free(payload);
    free(prev);
    free(stored);
}

/* Hashes worked out with Python's hashlib from the documented encoding. */
static void test_hash_fixed_vectors(void **state)
{
    fixture *f = *state;
    char *path = test_path_join(f->dir, "vectors.db");
    credo_store *store = open_store(path);
    credo_error err;
    assert_int_equal(credo_audit_append(store, NULL, "conflict_decision", "deal:D1",
                                        "R2 logged first",
                                        "{\"decision\":\"award\",\"winner_rep_id\":\"R2\"}", &err),
                     CREDO_OK);
    credo_store_close(store);
    char *first = raw_text(path, "SELECT hash FROM audit_log WHERE seq = 1");
    assert_string_equal(first, "4ba585bf71ea514e9e00ebb6a82a1d20a4ee32665f7faabacfa719c3abc33f6f");
    free(first);

    const char *const fields[8] = {"1", EPOCH_TIME, "auditor", "note", NULL, NULL, NULL, genesis};
    char hash[65];
    expected_hash(fields, hash);
    assert_string_equal(hash, "c4d9e8560c8fce4b59f468b50aa49caa6990dbf78ec16c6635079ae5d8854022");
    free(path);
}

static void test_empty_log_intact(void **state)
{
    fixture *f = *state;
    char *path = test_path_join(f->dir, "empty.db");
    credo_store_close(open_store(path));
    credo_audit_report report = verify_path(path);
    assert_int_equal(report.problem, CREDO_AUDIT_INTACT);
    assert_int_equal(report.entries, 0);
    assert_int_equal(report.head_seq, 0);
    assert_string_equal(report.head_hash, "");
    free(path);
}

static void test_append_rejects_bad_input(void **state)
{
    fixture *f = *state;
    char *path = test_path_join(f->dir, "bad-input.db");
    credo_store *store = open_store(path);
    credo_error err;
    assert_int_equal(credo_audit_append(store, NULL, "note", NULL, NULL, "{\"a\":", &err),
                     CREDO_ERR_INVALID);
    expect_contains(err.message, "payload is not JSON");
    assert_int_equal(credo_audit_append(store, NULL, "", NULL, NULL, NULL, &err),
                     CREDO_ERR_INVALID);
    expect_contains(err.message, "the action is missing");
    int64_t count = -1;
    assert_int_equal(credo_store_count(store, "audit_log", &count, &err), CREDO_OK);
    assert_int_equal(count, 0);
    credo_store_close(store);
    free(path);
}

static void test_append_joins_transaction(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    credo_store *store = open_store(f->copy);
    credo_error err;
    assert_int_equal(credo_store_begin(store, &err), CREDO_OK);
    assert_int_equal(credo_audit_append(store, "x", "note", NULL, NULL, NULL, &err), CREDO_OK);
    credo_store_rollback(store);
    credo_store_close(store);
    credo_audit_report report = verify_path(f->copy);
    assert_int_equal(report.problem, CREDO_AUDIT_INTACT);
    assert_int_equal(report.head_seq, CHAIN_LENGTH);
}

static void test_failed_import_not_audited(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    credo_store *store = open_store(f->copy);
    credo_iso3166 *iso = NULL;
    credo_import_report *report = NULL;
    credo_error err;
    assert_int_equal(credo_iso3166_load(NULL, &iso, &err), CREDO_OK);
    assert_int_equal(credo_import(store, CREDO_TEST_DATA "/import/unknown_value.yaml", iso, NULL,
                                  NULL, &report, &err),
                     CREDO_ERR_INVALID);
    int64_t count = -1;
    assert_int_equal(credo_store_count(store, "audit_log", &count, &err), CREDO_OK);
    assert_int_equal(count, CHAIN_LENGTH);
    credo_iso3166_free(iso);
    credo_store_close(store);
}

static void test_actor_from_environment(void **state)
{
    (void)state;
    char actor[CREDO_AUDIT_ACTOR_MAX];
    setenv("CREDO_ACTOR", "Zoë <zoe@example.com>", 1);
    credo_audit_default_actor(actor, sizeof actor);
    assert_string_equal(actor, "Zoë <zoe@example.com>");
}

static void test_actor_from_login(void **state)
{
    (void)state;
    unsetenv("CREDO_ACTOR");
    char actor[CREDO_AUDIT_ACTOR_MAX];
    credo_audit_default_actor(actor, sizeof actor);

    char login[256] = "";
    const struct passwd *user = getpwuid(geteuid());
    bool from_login = getlogin_r(login, sizeof login) == 0 && strcmp(actor, login) == 0;
    bool from_passwd = user != NULL && strcmp(actor, user->pw_name) == 0;
    if (!from_login && !from_passwd)
        fail_msg("actor '%s' is neither the login name '%s' nor the user '%s'", actor, login,
                 user != NULL ? user->pw_name : "");
}

/* ---- Tampering ------------------------------------------------------------------------ */

/* Columns of audit_log and the SQL expression that changes each one. */
static const struct {
    const char *column;
    const char *changed;
} edits[] = {
    {"seq", "seq + 1000"},
    {"created_at", "'2023-11-14T22:13:21Z'"},
    {"actor", "actor || 'x'"},
    {"action", "action || 'x'"},
    {"subject", "coalesce(subject, '') || 'x'"},
    {"reason", "coalesce(reason, '') || 'x'"},
    {"payload", "coalesce(payload, '{}') || ' '"},
    {"prev_hash", "(CASE substr(prev_hash, 1, 1) WHEN '0' THEN '1' ELSE '0' END) || "
                  "substr(prev_hash, 2)"},
    {"hash", "(CASE substr(hash, 1, 1) WHEN '0' THEN '1' ELSE '0' END) || substr(hash, 2)"},
};

static void test_edit_any_column(void **state)
{
    fixture *f = *state;
    for (int seq = 1; seq <= CHAIN_LENGTH; seq++) {
        for (size_t c = 0; c < sizeof edits / sizeof edits[0]; c++) {
            fresh_copy(f);
            char sql[512], what[128];
            snprintf(sql, sizeof sql, "UPDATE audit_log SET %s = %s WHERE seq = %d",
                     edits[c].column, edits[c].changed, seq);
            raw_exec(f->copy, sql);
            snprintf(what, sizeof what, "edit of %s in entry %d", edits[c].column, seq);
            /* A new seq leaves a gap where the entry was. */
            credo_audit_problem problem = strcmp(edits[c].column, "seq") == 0
                                              ? CREDO_AUDIT_DELETED
                                              : CREDO_AUDIT_EDITED;
            expect_problem(f, problem, seq, what);
        }
    }
}

static void test_edit_names_action(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2");
    credo_audit_report report = verify_path(f->copy);
    assert_int_equal(report.problem, CREDO_AUDIT_EDITED);
    assert_int_equal(report.seq, 2);
    assert_string_equal(report.action, "run");
    assert_int_equal(report.entries, 1);
    expect_contains(report.detail, "entry 2");
}

static void test_delete_first(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "DELETE FROM audit_log WHERE seq = 1");
    expect_problem(f, CREDO_AUDIT_DELETED, 1, "deletion of entry 1");
}

static void test_delete_middle(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "DELETE FROM audit_log WHERE seq = 3");
    expect_problem(f, CREDO_AUDIT_DELETED, 3, "deletion of entry 3");
    credo_audit_report report = verify_path(f->copy);
    assert_string_equal(report.action, "");
}

static void test_delete_last(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "DELETE FROM audit_log WHERE seq = 4");
    expect_problem(f, CREDO_AUDIT_DELETED, 4, "deletion of the last entry");
}

static void test_delete_then_renumber(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "DELETE FROM audit_log WHERE seq = 2;"
                      "UPDATE audit_log SET seq = seq - 1 WHERE seq > 2;"
                      "UPDATE audit_head SET seq = 3");
    expect_problem(f, CREDO_AUDIT_EDITED, 2, "deletion of entry 2 with renumbering");
}

/* Inserts a well-formed entry at seq, shifting the later entries up by one,
 * with prev_hash the hash of entry seq - 1 and its own hash computed from
 * the documented encoding. */
static void insert_plausible(const fixture *f, int seq)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE audit_log SET seq = -seq WHERE seq >= %d;"
             "UPDATE audit_log SET seq = 1 - seq WHERE seq < 0",
             seq);
    raw_exec(f->copy, sql);

    char *prev = NULL;
    if (seq == 1) {
        prev = strdup(genesis);
    } else {
        snprintf(sql, sizeof sql, "SELECT hash FROM audit_log WHERE seq = %d", seq - 1);
        prev = raw_text(f->copy, sql);
    }
    char seq_text[16];
    snprintf(seq_text, sizeof seq_text, "%d", seq);
    const char *const fields[8] = {seq_text, EPOCH_TIME, "auditor", "run", "99", NULL, "{}",
                                   prev};
    char hash[65];
    expected_hash(fields, hash);
    snprintf(sql, sizeof sql,
             "INSERT INTO audit_log (seq, created_at, actor, action, subject, reason, payload, "
             "prev_hash, hash) VALUES (%d, '%s', 'auditor', 'run', '99', NULL, '{}', '%s', '%s')",
             seq, EPOCH_TIME, prev, hash);
    raw_exec(f->copy, sql);
    free(prev);
}

static void test_insert_middle(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    insert_plausible(f, 3);
    expect_problem(f, CREDO_AUDIT_INSERTED, 3, "insertion at entry 3");
    credo_audit_report report = verify_path(f->copy);
    assert_string_equal(report.action, "run");
}

static void test_insert_first(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    insert_plausible(f, 1);
    expect_problem(f, CREDO_AUDIT_INSERTED, 1, "insertion at entry 1");
}

static void test_insert_after_last(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    insert_plausible(f, CHAIN_LENGTH + 1);
    expect_problem(f, CREDO_AUDIT_INSERTED, CHAIN_LENGTH + 1, "entry added after the head");
}

static void test_swap_entries(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "UPDATE audit_log SET seq = -1 WHERE seq = 2;"
                      "UPDATE audit_log SET seq = 2 WHERE seq = 3;"
                      "UPDATE audit_log SET seq = 3 WHERE seq = -1");
    expect_problem(f, CREDO_AUDIT_EDITED, 2, "swap of entries 2 and 3");
}

static void test_swap_contents(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    /* Entries 1 and 4 are both imports of the same mapping; only their
     * payloads differ. */
    raw_exec(f->copy, "CREATE TEMP TABLE kept AS SELECT seq, payload FROM audit_log "
                      "WHERE seq IN (1, 4);"
                      "UPDATE audit_log SET payload = (SELECT payload FROM kept "
                      "WHERE kept.seq = 5 - audit_log.seq) WHERE seq IN (1, 4)");
    expect_problem(f, CREDO_AUDIT_EDITED, 1, "swap of the payloads of entries 1 and 4");
}

static void test_head_deleted(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "DELETE FROM audit_head");
    expect_problem(f, CREDO_AUDIT_HEAD, CHAIN_LENGTH, "deletion of the head record");
}

static void test_head_hash_edited(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "UPDATE audit_head SET hash = (SELECT hash FROM audit_log WHERE seq = 3)");
    expect_problem(f, CREDO_AUDIT_HEAD, CHAIN_LENGTH, "head naming another hash");
}

static void test_tail_and_head_moved_back(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    /* Deleting the last entry and moving the head back to entry 3 leaves a
     * consistent chain: only the head hash kept elsewhere shows it. */
    credo_audit_report before = verify_path(f->copy);
    raw_exec(f->copy, "DELETE FROM audit_log WHERE seq = 4;"
                      "UPDATE audit_head SET seq = 3, hash = "
                      "(SELECT hash FROM audit_log WHERE seq = 3)");
    credo_audit_report after = verify_path(f->copy);
    assert_int_equal(after.problem, CREDO_AUDIT_INTACT);
    assert_int_equal(after.head_seq, 3);
    assert_string_not_equal(after.head_hash, before.head_hash);
}

static void test_append_after_deleted_tail(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "DELETE FROM audit_log WHERE seq = 4");
    credo_store *store = open_store(f->copy);
    credo_error err;
    assert_int_equal(credo_audit_append(store, "x", "note", NULL, NULL, NULL, &err), CREDO_OK);
    credo_store_close(store);
    expect_problem(f, CREDO_AUDIT_DELETED, 4, "append after a deleted tail");
}

static void test_append_rejects_damaged_head(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "UPDATE audit_head SET hash = 'not a hash'");
    credo_store *store = open_store(f->copy);
    credo_error err;
    assert_int_equal(credo_audit_append(store, "x", "note", NULL, NULL, NULL, &err),
                     CREDO_ERR_STORE);
    expect_contains(err.message, "'not a hash', not a SHA-256 hash");
    credo_store_close(store);
}

/* ---- The credo audit command ---------------------------------------------------- */

static int run_credo(const char *arguments, char **output)
{
    char command[8192];
    snprintf(command, sizeof command, "%s %s", CREDO_BINARY, arguments);
    return test_run(command, 1, output);
}

static void test_cli_verify_intact(void **state)
{
    fixture *f = *state;
    char arguments[4200], *output = NULL;
    snprintf(arguments, sizeof arguments, "audit verify --db %s", f->path);
    assert_int_equal(run_credo(arguments, &output), 0);
    expect_contains(output, "is intact: 4 entries");
    char *hash = raw_text(f->path, "SELECT hash FROM audit_head");
    char expected[200];
    snprintf(expected, sizeof expected, "head: entry 4, hash %s", hash);
    expect_contains(output, expected);
    free(hash);
    free(output);
}

static void test_cli_verify_broken(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "UPDATE audit_log SET reason = 'nobody asked' WHERE seq = 3");
    char arguments[4200], *output = NULL;
    snprintf(arguments, sizeof arguments, "audit verify --db %s", f->copy);
    assert_int_equal(run_credo(arguments, &output), 1);
    expect_contains(output, "broken at entry 3 (action conflict_decision): edited:");
    free(output);
}

static void test_cli_verify_json(void **state)
{
    fixture *f = *state;
    fresh_copy(f);
    raw_exec(f->copy, "DELETE FROM audit_log WHERE seq = 2");
    char arguments[4200], *output = NULL;
    snprintf(arguments, sizeof arguments, "audit verify --db %s --json", f->copy);
    assert_int_equal(run_credo(arguments, &output), 1);
    json_error_t error;
    json_t *root = json_loads(output, 0, &error);
    if (root == NULL)
        fail_msg("not JSON: %s", output);
    assert_true(json_is_false(json_object_get(root, "intact")));
    assert_string_equal(json_string_value(json_object_get(root, "problem")), "deleted");
    assert_int_equal(json_integer_value(json_object_get(root, "seq")), 2);
    assert_true(json_is_null(json_object_get(root, "action")));
    assert_int_equal(json_integer_value(json_object_get(root, "entries")), 1);
    json_decref(root);
    free(output);
}

static void test_cli_log_json(void **state)
{
    fixture *f = *state;
    char arguments[4200], *output = NULL;
    snprintf(arguments, sizeof arguments, "audit log --db %s --json", f->path);
    assert_int_equal(run_credo(arguments, &output), 0);
    json_error_t error;
    json_t *root = json_loads(output, 0, &error);
    if (root == NULL)
        fail_msg("not JSON: %s", output);
    json_t *entries = json_object_get(root, "entries");
    assert_int_equal(json_array_size(entries), CHAIN_LENGTH);
    json_t *decision = json_array_get(entries, 2);
    assert_int_equal(json_integer_value(json_object_get(decision, "seq")), 3);
    assert_string_equal(json_string_value(json_object_get(decision, "reason")),
                        "R2 logged first");
    assert_string_equal(json_string_value(json_object_get(decision, "payload")),
                        "{\"decision\":\"award\",\"winner_rep_id\":\"R2\"}");
    assert_true(json_is_null(json_object_get(json_array_get(entries, 0), "reason")));
    json_decref(root);
    free(output);
}

static void test_cli_log_text(void **state)
{
    fixture *f = *state;
    char arguments[4200], *output = NULL;
    snprintf(arguments, sizeof arguments, "audit log --db %s", f->path);
    assert_int_equal(run_credo(arguments, &output), 0);
    expect_contains(output, "3  " EPOCH_TIME "  auditor  conflict_decision  deal:SO1\n"
                            "    reason: R2 logged first\n");
    free(output);
}

static void test_cli_missing_database(void **state)
{
    fixture *f = *state;
    char arguments[4200], *output = NULL;
    snprintf(arguments, sizeof arguments, "audit verify --db %s/none.db", f->dir);
    assert_int_equal(run_credo(arguments, &output), 3);
    expect_contains(output, "not found");
    free(output);
    char path[4200];
    snprintf(path, sizeof path, "%s/none.db", f->dir);
    assert_int_not_equal(access(path, F_OK), 0);
}

static void test_cli_bad_subcommand(void **state)
{
    fixture *f = *state;
    char arguments[4200], *output = NULL;
    snprintf(arguments, sizeof arguments, "audit check --db %s", f->path);
    assert_int_equal(run_credo(arguments, &output), 2);
    expect_contains(output, "expected 'verify' or 'log', not 'check'");
    free(output);
}

#define CHAIN_TEST(name) cmocka_unit_test_setup_teardown(name, setup_chain, teardown_chain)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CHAIN_TEST(test_chain_verifies),
        CHAIN_TEST(test_chain_actions),
        CHAIN_TEST(test_chain_links),
        CHAIN_TEST(test_import_payload_counts),
        CHAIN_TEST(test_run_payload_policy_hash),
        CHAIN_TEST(test_hash_matches_encoding),
        CHAIN_TEST(test_hash_fixed_vectors),
        CHAIN_TEST(test_empty_log_intact),
        CHAIN_TEST(test_append_rejects_bad_input),
        CHAIN_TEST(test_append_joins_transaction),
        CHAIN_TEST(test_failed_import_not_audited),
        CHAIN_TEST(test_actor_from_environment),
        CHAIN_TEST(test_actor_from_login),
        CHAIN_TEST(test_edit_any_column),
        CHAIN_TEST(test_edit_names_action),
        CHAIN_TEST(test_delete_first),
        CHAIN_TEST(test_delete_middle),
        CHAIN_TEST(test_delete_last),
        CHAIN_TEST(test_delete_then_renumber),
        CHAIN_TEST(test_insert_middle),
        CHAIN_TEST(test_insert_first),
        CHAIN_TEST(test_insert_after_last),
        CHAIN_TEST(test_swap_entries),
        CHAIN_TEST(test_swap_contents),
        CHAIN_TEST(test_head_deleted),
        CHAIN_TEST(test_head_hash_edited),
        CHAIN_TEST(test_tail_and_head_moved_back),
        CHAIN_TEST(test_append_after_deleted_tail),
        CHAIN_TEST(test_append_rejects_damaged_head),
        CHAIN_TEST(test_cli_verify_intact),
        CHAIN_TEST(test_cli_verify_broken),
        CHAIN_TEST(test_cli_verify_json),
        CHAIN_TEST(test_cli_log_json),
        CHAIN_TEST(test_cli_log_text),
        CHAIN_TEST(test_cli_missing_database),
        CHAIN_TEST(test_cli_bad_subcommand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
