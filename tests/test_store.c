/* Tests of the store on real SQLite files in temporary folders. Stored
 * values are checked twice: through credo_store_load and through a separate
 * SQLite connection that queries the file directly. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "credo/store.h"
#include "test_support.h"

/* Days since 1970-01-01, computed with Python's datetime.date. */
#define DAY_2021_03_15 18701
#define DAY_2023_01_01 19358
#define DAY_2023_06_30 19538
#define DAY_2024_12_31 20088
#define DAY_2024_01_01 19723
#define DAY_2024_03_01 19783
#define DAY_2024_03_02 19784
#define DAY_2024_04_01 19814
#define DAY_2024_07_01 19905

typedef struct fixture {
    char *dir;
    char *path;
    credo_store *store;
} fixture;

static int setup_store(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = test_make_tempdir("store");
    f->path = test_path_join(f->dir, "credo.db");
    credo_error err;
    assert_int_equal(credo_store_open(f->path, &f->store, &err), CREDO_OK);
    unsetenv("SOURCE_DATE_EPOCH");
    *state = f;
    return 0;
}

static int teardown_store(void **state)
{
    fixture *f = *state;
    credo_store_close(f->store);
    free(f->path);
    free(f->dir);
    free(f);
    unsetenv("SOURCE_DATE_EPOCH");
    return 0;
}

/* Fails the test unless text contains part, printing both. */
static void expect_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        fail_msg("expected \"%s\" to contain \"%s\"", text, part);
}

/* ---- Direct access to the file, independent of the store ------------------ */

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        fail_msg("cannot open %s: %s", path, sqlite3_errmsg(db));
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s failed: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* Returns the first column of the first row as a malloc'd string, or NULL
 * when the value is SQL NULL. */
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

static int64_t raw_int(const char *path, const char *sql)
{
    char *text = raw_text(path, sql);
    assert_non_null(text);
    int64_t value = strtoll(text, NULL, 10);
    free(text);
    return value;
}

static void expect_raw_text(const char *path, const char *sql, const char *expected)
{
    char *actual = raw_text(path, sql);
    if (expected == NULL) {
        if (actual != NULL)
            fail_msg("%s returned \"%s\", expected NULL", sql, actual);
        return;
    }
    if (actual == NULL)
        fail_msg("%s returned NULL, expected \"%s\"", sql, expected);
    assert_string_equal(actual, expected);
    free(actual);
}

static int64_t store_count(credo_store *store, const char *table)
{
    int64_t count = -1;
    credo_error err;
    assert_int_equal(credo_store_count(store, table, &count, &err), CREDO_OK);
    return count;
}

/* Rows with every column set, used by several tests. */
static credo_rep_row full_rep(void)
{
    return (credo_rep_row){
        .id = "R1", .name = "Zoë Ångström", .email = "zoe@example.com", .title = "AE",
        .manager_id = "R0", .active_from = DAY_2023_01_01, .active_to = DAY_2024_12_31,
    };
}

static credo_account_row full_account(const char *id)
{
    return (credo_account_row){
        .id = id, .name = "Müller GmbH", .country = "DE", .region = "DE-BY",
        .postal_code = "80331", .city = "München", .industry = "Manufacturing",
        .parent_id = "P1", .owner_id = "R1",
        .employees = 1200 * 10000LL,
        .annual_revenue = 12345678900LL, /* 1234567.89 */
        .potential = CREDO_NUMBER_NONE,
        .latitude = -338688,             /* -33.8688 */
        .longitude = 1512093,            /* 151.2093 */
    };
}

static credo_deal_row full_deal(const char *id)
{
    return (credo_deal_row){
        .id = id, .account_id = "A1", .owner_id = "R1", .currency = "EUR",
        .stage = "Closed Lost", .source = "partner", .partner = "Ærø Partners",
        .product = "Suite", .amount = -12345, .status = CREDO_DEAL_LOST,
        .created = DAY_2021_03_15, .close_date = CREDO_DATE_NONE,
    };
}

static credo_snapshot *load(credo_store *store)
{
    credo_snapshot *snapshot = NULL;
    credo_error err;
    credo_status status = credo_store_load(store, &snapshot, &err);
    if (status != CREDO_OK)
        fail_msg("load failed: %s", err.message);
    return snapshot;
}

static const char *text_of(const credo_snapshot *snapshot, credo_str id)
{
    return credo_snapshot_text(snapshot, id);
}

/* ---- Opening and schema ------------------------------------------------ */

static void test_open_creates_schema(void **state)
{
    fixture *f = *state;
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), CREDO_SCHEMA_VERSION);
    expect_raw_text(f->path, "PRAGMA journal_mode", "wal");
    int64_t tables = raw_int(f->path,
                             "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                             "('reps', 'accounts', 'account_attributes', 'deals', 'deal_team', "
                             "'imports', 'import_issues', 'runs', 'run_assignments', "
                             "'run_deals', 'run_credit', 'activities', 'deal_history', "
                             "'quotas', 'registrations', 'audit_log', 'audit_head', "
                             "'conflict_decisions')");
    assert_int_equal(tables, 18);
}

/* The schema of version 1 exactly as credo 0.1.0 created it. */
static const char version_1_schema[] =
    "CREATE TABLE reps ("
    "  id TEXT NOT NULL PRIMARY KEY, name TEXT, email TEXT, title TEXT, manager_id TEXT,"
    "  active_from TEXT, active_to TEXT) WITHOUT ROWID;"
    "CREATE TABLE accounts ("
    "  id TEXT NOT NULL PRIMARY KEY, name TEXT, country TEXT, region TEXT, postal_code TEXT,"
    "  city TEXT, industry TEXT, parent_id TEXT, owner_id TEXT, employees TEXT,"
    "  annual_revenue TEXT, potential TEXT, latitude TEXT, longitude TEXT) WITHOUT ROWID;"
    "CREATE TABLE account_attributes ("
    "  account_id TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"
    "  PRIMARY KEY (account_id, name)) WITHOUT ROWID;"
    "CREATE TABLE deals ("
    "  id TEXT NOT NULL PRIMARY KEY, account_id TEXT, owner_id TEXT, currency TEXT,"
    "  amount_minor INTEGER NOT NULL, stage TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),"
    "  source TEXT, partner TEXT, product TEXT, created TEXT, close_date TEXT) WITHOUT ROWID;"
    "CREATE TABLE deal_team ("
    "  deal_id TEXT NOT NULL, rep_id TEXT NOT NULL, role TEXT NOT NULL, split_bp INTEGER,"
    "  PRIMARY KEY (deal_id, rep_id, role)) WITHOUT ROWID;"
    "CREATE TABLE imports ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, mapping_path TEXT,"
    "  summary TEXT);"
    "CREATE TABLE import_issues ("
    "  import_id INTEGER NOT NULL, file TEXT, line INTEGER, field TEXT, value TEXT,"
    "  message TEXT);"
    "CREATE INDEX import_issues_by_import ON import_issues (import_id);"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, as_of TEXT,"
    "  policy_path TEXT, policy_text TEXT, summary_json TEXT);"
    "CREATE TABLE run_assignments ("
    "  run_id INTEGER NOT NULL, account_id TEXT NOT NULL, territory_id TEXT, status TEXT,"
    "  owner_id TEXT, reason TEXT, PRIMARY KEY (run_id, account_id)) WITHOUT ROWID;"
    "CREATE TABLE run_deals ("
    "  run_id INTEGER NOT NULL, deal_id TEXT NOT NULL, account_id TEXT, territory_id TEXT,"
    "  owner_id TEXT, status TEXT, reason TEXT, PRIMARY KEY (run_id, deal_id)) WITHOUT ROWID;"
    "CREATE TABLE run_credit ("
    "  run_id INTEGER NOT NULL, deal_id TEXT NOT NULL, rep_id TEXT NOT NULL, kind TEXT,"
    "  amount_minor INTEGER NOT NULL, rule TEXT, explanation TEXT);"
    "CREATE INDEX run_credit_by_deal ON run_credit (run_id, deal_id, rep_id, kind);"
    "PRAGMA user_version = 1;";

static void test_open_migrates_version_1(void **state)
{
    char *dir = test_make_tempdir("store-v1");
    char *path = test_path_join(dir, "v1.db");
    raw_exec(path, version_1_schema);
    raw_exec(path, "INSERT INTO reps (id, name) VALUES ('R1', 'Kept');"
                   "INSERT INTO deals (id, amount_minor, status) VALUES ('D1', 500, 'won');"
                   "INSERT INTO runs (created_at, as_of) VALUES ('2024-01-01T00:00:00Z', "
                   "'2024-01-01');");

    credo_store *store = NULL;
    credo_error err;
    assert_int_equal(credo_store_open(path, &store, &err), CREDO_OK);
    assert_int_equal(raw_int(path, "PRAGMA user_version"), CREDO_SCHEMA_VERSION);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                   "AND name IN ('activities', 'deal_history', 'quotas', "
                                   "'registrations', 'audit_log', 'audit_head', "
                                   "'conflict_decisions')"),
                     7);

    credo_activity_row activity = {.rep_id = "R1", .account_id = "A1", .type = "call",
                                   .date = DAY_2024_03_01};
    assert_int_equal(credo_store_put_activity(store, &activity, &err), CREDO_OK);
    credo_snapshot *s = load(store);
    assert_int_equal(s->reps.count, 1);
    assert_string_equal(text_of(s, s->reps.name[0]), "Kept");
    assert_int_equal(s->deals.amount[0], 500);
    assert_int_equal(s->activities.count, 1);
    credo_snapshot_free(s);
    int64_t run_id = 0;
    assert_int_equal(credo_store_latest_run(store, &run_id, &err), CREDO_OK);
    assert_int_equal(run_id, 1);
    credo_store_close(store);

    /* Opening again finds version 2 and changes nothing. */
    assert_int_equal(credo_store_open(path, &store, &err), CREDO_OK);
    assert_int_equal(store_count(store, "activities"), 1);
    credo_store_close(store);
    free(path);
    free(dir);
}

static void test_open_twice_keeps_data(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_rep_row rep = full_rep();
    assert_int_equal(credo_store_put_rep(f->store, &rep, &err), CREDO_OK);
    credo_store_close(f->store);
    f->store = NULL;

    assert_int_equal(credo_store_open(f->path, &f->store, &err), CREDO_OK);
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), CREDO_SCHEMA_VERSION);
    assert_int_equal(store_count(f->store, "reps"), 1);
}

static void test_open_sqlite_prefix(void **state)
{
    char *dir = test_make_tempdir("store-prefix");
    char *path = test_path_join(dir, "prefixed.db");
    char location[1024];
    snprintf(location, sizeof location, "sqlite:%s", path);

    credo_store *store = NULL;
    credo_error err;
    assert_int_equal(credo_store_open(location, &store, &err), CREDO_OK);
    credo_store_close(store);
    assert_int_equal(raw_int(path, "PRAGMA user_version"), CREDO_SCHEMA_VERSION);
    free(path);
    free(dir);
}

/* Fails unless the file at path still contains exactly `before` and is not
 * in WAL mode, which shows that opening it wrote nothing. */
static void expect_file_untouched(const char *path, const char *before, size_t before_length)
{
    size_t after_length;
    char *after = test_read_file(path, &after_length);
    assert_int_equal(after_length, before_length);
    assert_memory_equal(after, before, before_length);
    expect_raw_text(path, "PRAGMA journal_mode", "delete");
    free(after);
}

static void test_open_rejects_newer_schema(void **state)
{
    char *dir = test_make_tempdir("store-newer");
    char *path = test_path_join(dir, "newer.db");
    raw_exec(path, "CREATE TABLE future (x TEXT); INSERT INTO future VALUES ('kept');"
                   "CREATE TABLE audit_head (id INTEGER);"
                   "PRAGMA user_version = 99;");
    size_t before_length;
    char *before = test_read_file(path, &before_length);

    credo_store *store = (credo_store *)&before; /* any non-NULL value; open resets it */
    credo_error err;
    assert_int_equal(credo_store_open(path, &store, &err), CREDO_ERR_STORE);
    assert_null(store);
    expect_contains(err.message, path);
    expect_contains(err.message, "schema version 99");
    expect_contains(err.message, "up to 4");
    expect_contains(err.message, "upgrade credo");

    expect_file_untouched(path, before, before_length);
    free(before);
    free(path);
    free(dir);
}

static void test_open_rejects_foreign_database(void **state)
{
    char *dir = test_make_tempdir("store-foreign");
    char *path = test_path_join(dir, "crm.db");
    raw_exec(path, "CREATE TABLE foo (x TEXT); CREATE TABLE bar (y TEXT); INSERT INTO foo VALUES ('kept');");
    size_t before_length;
    char *before = test_read_file(path, &before_length);

    credo_store *store = NULL;
    credo_error err;
    assert_int_equal(credo_store_open(path, &store, &err), CREDO_ERR_STORE);
    assert_null(store);
    expect_contains(err.message, path);
    expect_contains(err.message, "already holds 2 tables, views or indexes that credo did not create "
                                 "(such as 'bar')");

    expect_file_untouched(path, before, before_length);
    free(before);
    free(path);
    free(dir);
}

static void test_open_rejects_foreign_marks(void **state)
{
    /* A file with only a view, one with only an application id, and one
     * with another program's schema version. */
    static const struct {
        const char *sql, *expected;
    } cases[] = {
        {"CREATE VIEW v AS SELECT 1;", "already holds 1 table, view or index that credo did not create (such as 'v')"},
        {"PRAGMA application_id = 1234;", "is marked as another program's database (application id 1234)"},
        {"PRAGMA user_version = 7;", "has schema version 7 and none of credo's tables; it is not a credo database"},
    };
    char *dir = test_make_tempdir("store-marks");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char name[32];
        snprintf(name, sizeof name, "other-%zu.db", c);
        char *path = test_path_join(dir, name);
        raw_exec(path, cases[c].sql);
        size_t before_length;
        char *before = test_read_file(path, &before_length);

        credo_store *store = NULL;
        credo_error err;
        assert_int_equal(credo_store_open(path, &store, &err), CREDO_ERR_STORE);
        expect_contains(err.message, cases[c].expected);
        expect_file_untouched(path, before, before_length);
        free(before);
        free(path);
    }
    free(dir);
}

static void test_open_rejects_other_file(void **state)
{
    char *dir = test_make_tempdir("store-text");
    char *path = test_path_join(dir, "notes.db");
    char text[600];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    test_write_file(path, text);

    credo_store *store = NULL;
    credo_error err;
    assert_int_equal(credo_store_open(path, &store, &err), CREDO_ERR_STORE);
    expect_contains(err.message, path);
    expect_contains(err.message, "not a database; check that --db names a database that credo created");
    free(path);
    free(dir);
}

static void test_open_missing_folder(void **state)
{
    char *dir = test_make_tempdir("store-missing");
    char *path = test_path_join(dir, "no/such/folder/credo.db");
    credo_store *store = NULL;
    credo_error err;
    assert_int_equal(credo_store_open(path, &store, &err), CREDO_ERR_STORE);
    expect_contains(err.message, "cannot open database ");
    expect_contains(err.message, path);
    free(path);
    free(dir);
}

static void test_open_postgresql_not_built(void **state)
{
    credo_store *store = NULL;
    credo_error err;
    credo_status status = credo_store_open("postgresql://credo:s3cret@localhost/credo", &store,
                                           &err);
    assert_int_equal(status, CREDO_ERR_INVALID);
    assert_null(store);
    expect_contains(err.message, "PostgreSQL is not built in yet");
    assert_null(strstr(err.message, "s3cret"));
}

static void test_open_unknown_scheme(void **state)
{
    credo_store *store = NULL;
    credo_error err;
    assert_int_equal(credo_store_open("mysql://host/db", &store, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "'mysql'");
}

static void test_open_empty_location(void **state)
{
    credo_store *store = NULL;
    credo_error err;
    assert_int_equal(credo_store_open("", &store, &err), CREDO_ERR_INVALID);
    assert_int_equal(credo_store_open("sqlite:", &store, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "sqlite:PATH");
    assert_int_equal(credo_store_open("sqlite:///tmp/x.db", &store, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "'sqlite:///tmp/x.db'");
    assert_null(store);
}

/* ---- Imported rows ------------------------------------------------------- */

static void test_rep_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_rep_row rep = full_rep();
    credo_rep_row sparse = {.id = "R2", .active_from = CREDO_DATE_MIN,
                            .active_to = CREDO_DATE_NONE};
    assert_int_equal(credo_store_put_rep(f->store, &rep, &err), CREDO_OK);
    assert_int_equal(credo_store_put_rep(f->store, &sparse, &err), CREDO_OK);

    credo_snapshot *s = load(f->store);
    assert_int_equal(s->reps.count, 2);
    assert_string_equal(text_of(s, s->reps.id[0]), "R1");
    assert_string_equal(text_of(s, s->reps.name[0]), "Zoë Ångström");
    assert_string_equal(text_of(s, s->reps.email[0]), "zoe@example.com");
    assert_string_equal(text_of(s, s->reps.title[0]), "AE");
    assert_string_equal(text_of(s, s->reps.manager_id[0]), "R0");
    assert_int_equal(s->reps.active_from[0], DAY_2023_01_01);
    assert_int_equal(s->reps.active_to[0], DAY_2024_12_31);
    assert_string_equal(text_of(s, s->reps.id[1]), "R2");
    assert_int_equal(s->reps.name[1], CREDO_STR_NONE);
    assert_int_equal(s->reps.manager_id[1], CREDO_STR_NONE);
    assert_int_equal(s->reps.active_from[1], CREDO_DATE_MIN);
    assert_int_equal(s->reps.active_to[1], CREDO_DATE_MAX);
    credo_snapshot_free(s);

    expect_raw_text(f->path, "SELECT name FROM reps WHERE id = 'R1'", "Zoë Ångström");
    expect_raw_text(f->path, "SELECT active_from FROM reps WHERE id = 'R1'", "2023-01-01");
    expect_raw_text(f->path, "SELECT active_to FROM reps WHERE id = 'R1'", "2024-12-31");
    expect_raw_text(f->path, "SELECT active_from FROM reps WHERE id = 'R2'", NULL);
    expect_raw_text(f->path, "SELECT active_to FROM reps WHERE id = 'R2'", NULL);
    expect_raw_text(f->path, "SELECT name FROM reps WHERE id = 'R2'", NULL);
}

static void test_account_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_account_row account = full_account("A1");
    credo_account_row sparse = {.id = "A0", .employees = CREDO_NUMBER_NONE,
                                .annual_revenue = CREDO_NUMBER_NONE,
                                .potential = -5, /* -0.0005 */
                                .latitude = CREDO_NUMBER_NONE, .longitude = 0};
    assert_int_equal(credo_store_put_account(f->store, &account, &err), CREDO_OK);
    assert_int_equal(credo_store_put_account(f->store, &sparse, &err), CREDO_OK);

    credo_snapshot *s = load(f->store);
    const credo_accounts *a = &s->accounts;
    assert_int_equal(a->count, 2);
    assert_string_equal(text_of(s, a->id[1]), "A1");
    assert_string_equal(text_of(s, a->name[1]), "Müller GmbH");
    assert_string_equal(text_of(s, a->country[1]), "DE");
    assert_string_equal(text_of(s, a->region[1]), "DE-BY");
    assert_string_equal(text_of(s, a->postal_code[1]), "80331");
    assert_string_equal(text_of(s, a->city[1]), "München");
    assert_string_equal(text_of(s, a->industry[1]), "Manufacturing");
    assert_string_equal(text_of(s, a->parent_id[1]), "P1");
    assert_string_equal(text_of(s, a->owner_id[1]), "R1");
    assert_int_equal(a->employees[1], 12000000);
    assert_int_equal(a->annual_revenue[1], 12345678900LL);
    assert_true(a->potential[1] == CREDO_NUMBER_NONE);
    assert_int_equal(a->latitude[1], -338688);
    assert_int_equal(a->longitude[1], 1512093);
    assert_string_equal(text_of(s, a->id[0]), "A0");
    assert_int_equal(a->name[0], CREDO_STR_NONE);
    assert_true(a->employees[0] == CREDO_NUMBER_NONE);
    assert_int_equal(a->potential[0], -5);
    assert_int_equal(a->longitude[0], 0);
    credo_snapshot_free(s);

    expect_raw_text(f->path, "SELECT employees FROM accounts WHERE id = 'A1'", "1200");
    expect_raw_text(f->path, "SELECT annual_revenue FROM accounts WHERE id = 'A1'", "1234567.89");
    expect_raw_text(f->path, "SELECT latitude FROM accounts WHERE id = 'A1'", "-33.8688");
    expect_raw_text(f->path, "SELECT typeof(latitude) FROM accounts WHERE id = 'A1'", "text");
    expect_raw_text(f->path, "SELECT potential FROM accounts WHERE id = 'A1'", NULL);
    expect_raw_text(f->path, "SELECT potential FROM accounts WHERE id = 'A0'", "-0.0005");
    expect_raw_text(f->path, "SELECT city FROM accounts WHERE id = 'A1'", "München");
}

static void test_deal_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_account_row account = full_account("A1");
    credo_deal_row lost = full_deal("SO43897");
    credo_deal_row won = {.id = "SO1", .account_id = "A9", .amount = 9223372036854775807LL,
                          .status = CREDO_DEAL_WON, .created = CREDO_DATE_NONE,
                          .close_date = DAY_2023_06_30};
    assert_int_equal(credo_store_put_account(f->store, &account, &err), CREDO_OK);
    assert_int_equal(credo_store_put_deal(f->store, &lost, &err), CREDO_OK);
    assert_int_equal(credo_store_put_deal(f->store, &won, &err), CREDO_OK);

    credo_snapshot *s = load(f->store);
    const credo_deals *d = &s->deals;
    assert_int_equal(d->count, 2);
    assert_string_equal(text_of(s, d->id[0]), "SO1");
    assert_int_equal(d->account_row[0], CREDO_NO_ROW);
    assert_int_equal(d->amount[0], 9223372036854775807LL);
    assert_int_equal(d->status[0], CREDO_DEAL_WON);
    assert_int_equal(d->created[0], CREDO_DATE_NONE);
    assert_int_equal(d->close_date[0], DAY_2023_06_30);
    assert_int_equal(d->currency[0], CREDO_STR_NONE);

    assert_string_equal(text_of(s, d->id[1]), "SO43897");
    assert_string_equal(text_of(s, d->account_id[1]), "A1");
    assert_int_equal(d->account_row[1], 0);
    assert_string_equal(text_of(s, d->owner_id[1]), "R1");
    assert_string_equal(text_of(s, d->currency[1]), "EUR");
    assert_int_equal(d->amount[1], -12345);
    assert_string_equal(text_of(s, d->stage[1]), "Closed Lost");
    assert_int_equal(d->status[1], CREDO_DEAL_LOST);
    assert_string_equal(text_of(s, d->source[1]), "partner");
    assert_string_equal(text_of(s, d->partner[1]), "Ærø Partners");
    assert_string_equal(text_of(s, d->product[1]), "Suite");
    assert_int_equal(d->created[1], DAY_2021_03_15);
    assert_int_equal(d->close_date[1], CREDO_DATE_NONE);
    credo_snapshot_free(s);

    expect_raw_text(f->path, "SELECT amount_minor FROM deals WHERE id = 'SO43897'", "-12345");
    expect_raw_text(f->path, "SELECT typeof(amount_minor) FROM deals WHERE id = 'SO43897'",
                    "integer");
    expect_raw_text(f->path, "SELECT status FROM deals WHERE id = 'SO43897'", "lost");
    expect_raw_text(f->path, "SELECT status FROM deals WHERE id = 'SO1'", "won");
    expect_raw_text(f->path, "SELECT created FROM deals WHERE id = 'SO43897'", "2021-03-15");
    expect_raw_text(f->path, "SELECT close_date FROM deals WHERE id = 'SO43897'", NULL);
}

static void test_team_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_deal_row deal = full_deal("D1");
    credo_team_row overlay = {.deal_id = "D1", .rep_id = "R2", .role = "overlay", .split = 2500};
    credo_team_row plain = {.deal_id = "D1", .rep_id = "R1", .role = NULL, .split = -1};
    credo_team_row orphan = {.deal_id = "D0", .rep_id = "R1", .role = "se", .split = 0};
    assert_int_equal(credo_store_put_deal(f->store, &deal, &err), CREDO_OK);
    assert_int_equal(credo_store_put_team_member(f->store, &overlay, &err), CREDO_OK);
    assert_int_equal(credo_store_put_team_member(f->store, &plain, &err), CREDO_OK);
    assert_int_equal(credo_store_put_team_member(f->store, &orphan, &err), CREDO_OK);

    credo_snapshot *s = load(f->store);
    const credo_deal_team *t = &s->team;
    assert_int_equal(t->count, 3);
    assert_string_equal(text_of(s, t->deal_id[0]), "D0");
    assert_int_equal(t->deal_row[0], CREDO_NO_ROW);
    assert_int_equal(t->split[0], 0);
    assert_string_equal(text_of(s, t->rep_id[1]), "R1");
    assert_int_equal(t->role[1], CREDO_STR_NONE);
    assert_int_equal(t->split[1], -1);
    assert_int_equal(t->deal_row[1], 0);
    assert_string_equal(text_of(s, t->rep_id[2]), "R2");
    assert_string_equal(text_of(s, t->role[2]), "overlay");
    assert_int_equal(t->split[2], 2500);
    credo_snapshot_free(s);

    expect_raw_text(f->path, "SELECT role FROM deal_team WHERE rep_id = 'R1' AND deal_id = 'D1'",
                    "");
    expect_raw_text(f->path,
                    "SELECT split_bp FROM deal_team WHERE rep_id = 'R1' AND deal_id = 'D1'", NULL);
    expect_raw_text(f->path, "SELECT split_bp FROM deal_team WHERE rep_id = 'R2'", "2500");
}

static void test_team_missing_role_upserts(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_team_row first = {.deal_id = "D1", .rep_id = "R1", .role = NULL, .split = 4000};
    credo_team_row again = {.deal_id = "D1", .rep_id = "R1", .role = NULL, .split = 6000};
    assert_int_equal(credo_store_put_team_member(f->store, &first, &err), CREDO_OK);
    assert_int_equal(credo_store_put_team_member(f->store, &again, &err), CREDO_OK);
    assert_int_equal(store_count(f->store, "deal_team"), 1);
    assert_int_equal(raw_int(f->path, "SELECT split_bp FROM deal_team"), 6000);
}

static void test_attribute_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_account_row a1 = full_account("A1");
    credo_account_row a2 = full_account("A2");
    assert_int_equal(credo_store_put_account(f->store, &a2, &err), CREDO_OK);
    assert_int_equal(credo_store_put_account(f->store, &a1, &err), CREDO_OK);
    assert_int_equal(credo_store_put_attribute(f->store, "A1", "tier", "gold", &err), CREDO_OK);
    assert_int_equal(credo_store_put_attribute(f->store, "A1", "segment", "SMB", &err), CREDO_OK);
    assert_int_equal(credo_store_put_attribute(f->store, "A2", "tier", "silver", &err), CREDO_OK);
    assert_int_equal(credo_store_put_attribute(f->store, "A1", "segment", "Großkunde", &err),
                     CREDO_OK);
    assert_int_equal(credo_store_put_attribute(f->store, "A2", "vertical", "x", &err), CREDO_OK);
    assert_int_equal(credo_store_put_attribute(f->store, "A2", "vertical", NULL, &err), CREDO_OK);
    assert_int_equal(credo_store_put_attribute(f->store, "GONE", "tier", "bronze", &err),
                     CREDO_OK);

    credo_snapshot *s = load(f->store);
    const credo_accounts *a = &s->accounts;
    assert_int_equal(a->attribute_count, 2);
    assert_string_equal(text_of(s, a->attributes[0].name), "segment");
    assert_string_equal(text_of(s, a->attributes[0].values[0]), "Großkunde");
    assert_int_equal(a->attributes[0].values[1], CREDO_STR_NONE);
    assert_string_equal(text_of(s, a->attributes[1].name), "tier");
    assert_string_equal(text_of(s, a->attributes[1].values[0]), "gold");
    assert_string_equal(text_of(s, a->attributes[1].values[1]), "silver");
    credo_snapshot_free(s);

    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM account_attributes"), 4);
    expect_raw_text(f->path,
                    "SELECT value FROM account_attributes WHERE account_id = 'A1' "
                    "AND name = 'segment'",
                    "Großkunde");
}

static void test_put_replaces_row(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_account_row first = full_account("A1");
    credo_account_row second = {.id = "A1", .name = "Renamed", .employees = 50000,
                                .annual_revenue = CREDO_NUMBER_NONE,
                                .potential = CREDO_NUMBER_NONE, .latitude = CREDO_NUMBER_NONE,
                                .longitude = CREDO_NUMBER_NONE};
    assert_int_equal(credo_store_put_account(f->store, &first, &err), CREDO_OK);
    assert_int_equal(credo_store_put_account(f->store, &second, &err), CREDO_OK);

    assert_int_equal(store_count(f->store, "accounts"), 1);
    expect_raw_text(f->path, "SELECT name FROM accounts", "Renamed");
    expect_raw_text(f->path, "SELECT employees FROM accounts", "5");
    expect_raw_text(f->path, "SELECT city FROM accounts", NULL);
    expect_raw_text(f->path, "SELECT latitude FROM accounts", NULL);
}

static void test_put_rejects_missing_id(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_rep_row rep = {.id = NULL, .active_from = CREDO_DATE_NONE, .active_to = CREDO_DATE_NONE};
    assert_int_equal(credo_store_put_rep(f->store, &rep, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, f->path);

    credo_deal_row deal = full_deal("");
    assert_int_equal(credo_store_put_deal(f->store, &deal, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "the id is missing");

    credo_team_row member = {.deal_id = "D1", .rep_id = NULL, .split = -1};
    assert_int_equal(credo_store_put_team_member(f->store, &member, &err), CREDO_ERR_INVALID);
    assert_int_equal(store_count(f->store, "deal_team"), 0);
}

static void test_put_rejects_bad_values(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_deal_row deal = full_deal("D1");
    deal.created = 3000000; /* past 9999-12-31 */
    assert_int_equal(credo_store_put_deal(f->store, &deal, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "created");

    deal = full_deal("D1");
    deal.status = (credo_deal_status)7;
    assert_int_equal(credo_store_put_deal(f->store, &deal, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "status 7");

    credo_team_row member = {.deal_id = "D1", .rep_id = "R1", .role = "se", .split = -2};
    assert_int_equal(credo_store_put_team_member(f->store, &member, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "split -2");
    assert_int_equal(store_count(f->store, "deals"), 0);
}

static void test_load_empty_store(void **state)
{
    fixture *f = *state;
    credo_snapshot *s = load(f->store);
    assert_int_equal(s->reps.count, 0);
    assert_int_equal(s->accounts.count, 0);
    assert_int_equal(s->accounts.attribute_count, 0);
    assert_int_equal(s->deals.count, 0);
    assert_int_equal(s->team.count, 0);
    credo_snapshot_free(s);
}

/* Loads the store, expecting CREDO_ERR_STORE with a message that names the
 * database, table, id and column. */
static void expect_load_error(fixture *f, const char *table, const char *id,
                              const char *column)
{
    credo_snapshot *snapshot = (credo_snapshot *)f; /* any non-NULL value; load resets it */
    credo_error err;
    assert_int_equal(credo_store_load(f->store, &snapshot, &err), CREDO_ERR_STORE);
    assert_null(snapshot);
    expect_contains(err.message, f->path);
    expect_contains(err.message, table);
    expect_contains(err.message, id);
    expect_contains(err.message, column);
}

static void test_load_rejects_bad_number(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_account_row account = full_account("A1");
    assert_int_equal(credo_store_put_account(f->store, &account, &err), CREDO_OK);
    raw_exec(f->path, "UPDATE accounts SET employees = '12x' WHERE id = 'A1'");
    expect_load_error(f, "table accounts", "id 'A1'", "column employees");
}

static void test_load_rejects_bad_date(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_rep_row rep = full_rep();
    assert_int_equal(credo_store_put_rep(f->store, &rep, &err), CREDO_OK);
    raw_exec(f->path, "UPDATE reps SET active_from = '2023-02-30' WHERE id = 'R1'");
    expect_load_error(f, "table reps", "id 'R1'", "column active_from");
}

static void test_load_rejects_bad_status(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_deal_row deal = full_deal("D7");
    assert_int_equal(credo_store_put_deal(f->store, &deal, &err), CREDO_OK);
    raw_exec(f->path, "PRAGMA ignore_check_constraints = ON;"
                      "UPDATE deals SET status = 'pending' WHERE id = 'D7'");
    expect_load_error(f, "table deals", "id 'D7'", "column status");
}

static void test_load_rejects_fractional_amount(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_deal_row deal = full_deal("D8");
    assert_int_equal(credo_store_put_deal(f->store, &deal, &err), CREDO_OK);
    raw_exec(f->path, "UPDATE deals SET amount_minor = 12.5 WHERE id = 'D8'");
    expect_load_error(f, "table deals", "id 'D8'", "column amount_minor");
}

/* ---- Transactions -------------------------------------------------------- */

static void test_rollback_restores_store(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_account_row kept = full_account("A1");
    assert_int_equal(credo_store_put_account(f->store, &kept, &err), CREDO_OK);
    int64_t accounts_before = raw_int(f->path, "SELECT count(*) FROM accounts");
    int64_t deals_before = raw_int(f->path, "SELECT count(*) FROM deals");

    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    credo_account_row added = full_account("A2");
    credo_account_row changed = full_account("A1");
    changed.name = "Changed";
    credo_deal_row deal = full_deal("D1");
    assert_int_equal(credo_store_put_account(f->store, &added, &err), CREDO_OK);
    assert_int_equal(credo_store_put_account(f->store, &changed, &err), CREDO_OK);
    assert_int_equal(credo_store_put_deal(f->store, &deal, &err), CREDO_OK);
    assert_int_equal(store_count(f->store, "accounts"), 2);
    credo_store_rollback(f->store);

    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM accounts"), accounts_before);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM deals"), deals_before);
    assert_int_equal(store_count(f->store, "accounts"), 1);
    expect_raw_text(f->path, "SELECT name FROM accounts WHERE id = 'A1'", "Müller GmbH");
}

static void test_commit_keeps_rows(void **state)
{
    fixture *f = *state;
    credo_error err;
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    credo_deal_row deal = full_deal("D1");
    assert_int_equal(credo_store_put_deal(f->store, &deal, &err), CREDO_OK);
    assert_int_equal(credo_store_commit(f->store, &err), CREDO_OK);
    credo_store_rollback(f->store);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM deals"), 1);
}

static void test_rollback_without_transaction(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_store_rollback(f->store);
    credo_store_rollback(NULL);
    credo_rep_row rep = full_rep();
    assert_int_equal(credo_store_put_rep(f->store, &rep, &err), CREDO_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM reps"), 1);
}

static void test_close_rolls_back(void **state)
{
    fixture *f = *state;
    credo_error err;
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    credo_rep_row rep = full_rep();
    assert_int_equal(credo_store_put_rep(f->store, &rep, &err), CREDO_OK);
    credo_store_close(f->store);
    f->store = NULL;

    assert_int_equal(credo_store_open(f->path, &f->store, &err), CREDO_OK);
    assert_int_equal(store_count(f->store, "reps"), 0);
}

static void test_load_inside_transaction(void **state)
{
    fixture *f = *state;
    credo_error err;
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    credo_rep_row rep = full_rep();
    assert_int_equal(credo_store_put_rep(f->store, &rep, &err), CREDO_OK);
    credo_snapshot *s = load(f->store);
    assert_int_equal(s->reps.count, 1);
    credo_snapshot_free(s);
    assert_int_equal(credo_store_commit(f->store, &err), CREDO_OK);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM reps"), 1);
}

static void test_load_ends_read_transaction(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_snapshot_free(load(f->store));
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    credo_store_rollback(f->store);
}

static void test_begin_twice_fails(void **state)
{
    fixture *f = *state;
    credo_error err;
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_ERR_STORE);
    expect_contains(err.message, "cannot begin a transaction in ");
    expect_contains(err.message, f->path);
    credo_store_rollback(f->store);
}

static void test_locked_error_names_path(void **state)
{
    fixture *f = *state;
    sqlite3 *writer = raw_open(f->path);
    assert_int_equal(sqlite3_exec(writer, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    credo_error err;
    credo_deal_row deal = full_deal("SO43897");
    time_t started = time(NULL);
    assert_int_equal(credo_store_put_deal(f->store, &deal, &err), CREDO_ERR_STORE);
    time_t waited = time(NULL) - started;
    sqlite3_exec(writer, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(writer);

    char expected[1200];
    snprintf(expected, sizeof expected, "cannot store deal SO43897 in %s: database is locked",
             f->path);
    assert_string_equal(err.message, expected);
    /* The busy timeout is about 5 s; whole seconds make this 4 at least. */
    assert_true(waited >= 4);
}

/* ---- Events ---------------------------------------------------------------- */

static void test_activity_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_account_row account = full_account("A1");
    credo_deal_row deal = full_deal("D1");
    const credo_activity_row rows[] = {
        {.rep_id = "R2", .account_id = "A1", .deal_id = "D1", .type = "demo",
         .date = DAY_2024_03_02},
        {.source_key = "", .rep_id = "R1", .account_id = "A1", .type = "call",
         .date = DAY_2024_03_01},
        {.source_key = "act-7", .rep_id = "R1", .account_id = "A0", .deal_id = "D9",
         .type = "email", .date = DAY_2024_01_01},
    };
    assert_int_equal(credo_store_put_account(f->store, &account, &err), CREDO_OK);
    assert_int_equal(credo_store_put_deal(f->store, &deal, &err), CREDO_OK);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(credo_store_put_activity(f->store, &rows[i], &err), CREDO_OK);

    credo_snapshot *s = load(f->store);
    const credo_activities *a = &s->activities;
    assert_int_equal(a->count, 3);
    /* Sorted by account id, then date. */
    assert_string_equal(text_of(s, a->account_id[0]), "A0");
    assert_int_equal(a->account_row[0], CREDO_NO_ROW);
    assert_string_equal(text_of(s, a->deal_id[0]), "D9");
    assert_int_equal(a->deal_row[0], CREDO_NO_ROW);
    assert_string_equal(text_of(s, a->type[0]), "email");
    assert_int_equal(a->date[0], DAY_2024_01_01);
    assert_string_equal(text_of(s, a->rep_id[1]), "R1");
    assert_int_equal(a->date[1], DAY_2024_03_01);
    assert_int_equal(a->deal_id[1], CREDO_STR_NONE);
    assert_int_equal(a->account_row[1], 0);
    assert_string_equal(text_of(s, a->rep_id[2]), "R2");
    assert_string_equal(text_of(s, a->type[2]), "demo");
    assert_int_equal(a->deal_row[2], 0);
    credo_snapshot_free(s);

    expect_raw_text(f->path, "SELECT date FROM activities WHERE type = 'demo'", "2024-03-02");
    expect_raw_text(f->path, "SELECT source_key FROM activities WHERE type = 'call'", NULL);
    expect_raw_text(f->path, "SELECT source_key FROM activities WHERE type = 'email'", "act-7");
}

static void test_activity_key_replaces(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_activity_row keyed = {.source_key = "act-1", .rep_id = "R1", .account_id = "A1",
                                .type = "call", .date = DAY_2024_03_01};
    assert_int_equal(credo_store_put_activity(f->store, &keyed, &err), CREDO_OK);
    keyed.type = "meeting";
    keyed.deal_id = "D1";
    assert_int_equal(credo_store_put_activity(f->store, &keyed, &err), CREDO_OK);

    assert_int_equal(store_count(f->store, "activities"), 1);
    expect_raw_text(f->path, "SELECT type FROM activities", "meeting");
    expect_raw_text(f->path, "SELECT deal_id FROM activities", "D1");
}

static void test_activity_without_key_appends(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_activity_row call = {.rep_id = "R1", .account_id = "A1", .type = "call",
                               .date = DAY_2024_03_01};
    assert_int_equal(credo_store_put_activity(f->store, &call, &err), CREDO_OK);
    assert_int_equal(credo_store_put_activity(f->store, &call, &err), CREDO_OK);
    assert_int_equal(store_count(f->store, "activities"), 2);
}

static void test_history_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_deal_row deal = full_deal("D1");
    const credo_history_row rows[] = {
        {.deal_id = "D1", .date = DAY_2024_03_01, .stage = "Proposal", .amount = 250000,
         .close_date = DAY_2024_07_01},
        {.deal_id = "D1", .date = DAY_2024_01_01, .stage = "Qualify",
         .amount = CREDO_MONEY_NONE, .close_date = CREDO_DATE_NONE},
        {.source_key = "h-3", .deal_id = "D1", .date = DAY_2024_03_01, .stage = "Negotiate",
         .amount = 0, .close_date = DAY_2024_04_01},
        {.deal_id = "D0", .date = DAY_2024_04_01, .amount = -5, .close_date = CREDO_DATE_NONE},
    };
    assert_int_equal(credo_store_put_deal(f->store, &deal, &err), CREDO_OK);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(credo_store_put_history(f->store, &rows[i], &err), CREDO_OK);

    credo_snapshot *s = load(f->store);
    const credo_deal_history *h = &s->history;
    assert_int_equal(h->count, 4);
    assert_string_equal(text_of(s, h->deal_id[0]), "D0");
    assert_int_equal(h->deal_row[0], CREDO_NO_ROW);
    assert_int_equal(h->stage[0], CREDO_STR_NONE);
    assert_int_equal(h->amount[0], -5);
    assert_int_equal(h->date[1], DAY_2024_01_01);
    assert_true(h->amount[1] == CREDO_MONEY_NONE);
    assert_int_equal(h->close_date[1], CREDO_DATE_NONE);
    assert_int_equal(h->deal_row[1], 0);
    /* Two rows of one day keep the order in which they were stored. */
    assert_string_equal(text_of(s, h->stage[2]), "Proposal");
    assert_int_equal(h->amount[2], 250000);
    assert_int_equal(h->close_date[2], DAY_2024_07_01);
    assert_string_equal(text_of(s, h->stage[3]), "Negotiate");
    assert_int_equal(h->amount[3], 0);
    credo_snapshot_free(s);

    expect_raw_text(f->path, "SELECT amount_minor FROM deal_history WHERE stage = 'Qualify'",
                    NULL);
    expect_raw_text(f->path,
                    "SELECT typeof(amount_minor) FROM deal_history WHERE stage = 'Proposal'",
                    "integer");
    expect_raw_text(f->path, "SELECT close_date FROM deal_history WHERE source_key = 'h-3'",
                    "2024-04-01");
}

static void test_history_key_replaces(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_history_row row = {.source_key = "h-1", .deal_id = "D1", .date = DAY_2024_03_01,
                             .stage = "Qualify", .amount = 100, .close_date = CREDO_DATE_NONE};
    assert_int_equal(credo_store_put_history(f->store, &row, &err), CREDO_OK);
    row.stage = "Proposal";
    row.amount = CREDO_MONEY_NONE;
    assert_int_equal(credo_store_put_history(f->store, &row, &err), CREDO_OK);
    assert_int_equal(store_count(f->store, "deal_history"), 1);
    expect_raw_text(f->path, "SELECT stage FROM deal_history", "Proposal");
    expect_raw_text(f->path, "SELECT amount_minor FROM deal_history", NULL);
}

static void test_quota_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    const credo_quota_row rows[] = {
        {.rep_id = "R2", .currency = "EUR", .start = DAY_2024_01_01, .end = DAY_2024_07_01,
         .amount = 5000000},
        {.rep_id = "R1", .currency = "USD", .start = DAY_2024_04_01, .end = DAY_2024_07_01,
         .amount = 100},
        {.rep_id = "R1", .currency = "USD", .start = DAY_2024_01_01, .end = DAY_2024_04_01,
         .amount = 200},
        /* Same rep and start as the previous row: replaces it. */
        {.rep_id = "R1", .currency = "USD", .start = DAY_2024_01_01, .end = DAY_2024_03_01,
         .amount = 300},
    };
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(credo_store_put_quota(f->store, &rows[i], &err), CREDO_OK);

    credo_snapshot *s = load(f->store);
    const credo_quotas *q = &s->quotas;
    assert_int_equal(q->count, 3);
    assert_string_equal(text_of(s, q->rep_id[0]), "R1");
    assert_int_equal(q->start[0], DAY_2024_01_01);
    assert_int_equal(q->end[0], DAY_2024_03_01);
    assert_int_equal(q->amount[0], 300);
    assert_string_equal(text_of(s, q->currency[0]), "USD");
    assert_int_equal(q->start[1], DAY_2024_04_01);
    assert_int_equal(q->amount[1], 100);
    assert_string_equal(text_of(s, q->rep_id[2]), "R2");
    assert_string_equal(text_of(s, q->currency[2]), "EUR");
    assert_int_equal(q->amount[2], 5000000);
    credo_snapshot_free(s);

    expect_raw_text(f->path, "SELECT end_date FROM quotas WHERE rep_id = 'R2'", "2024-07-01");
}

static void test_registration_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_account_row account = full_account("A1");
    credo_registration_row full = {.id = "REG-2", .rep_id = "R1", .account_id = "A1",
                                   .product = "Suite", .source = "partner",
                                   .partner = "Ærø Partners", .deal_id = "D1",
                                   .date = DAY_2024_03_01};
    credo_registration_row sparse = {.id = "REG-10", .rep_id = "R2", .account_id = "A9",
                                     .date = DAY_2024_01_01};
    assert_int_equal(credo_store_put_account(f->store, &account, &err), CREDO_OK);
    assert_int_equal(credo_store_put_registration(f->store, &full, &err), CREDO_OK);
    assert_int_equal(credo_store_put_registration(f->store, &sparse, &err), CREDO_OK);

    credo_snapshot *s = load(f->store);
    const credo_registrations *r = &s->registrations;
    assert_int_equal(r->count, 2);
    /* "REG-10" < "REG-2" by code point. */
    assert_string_equal(text_of(s, r->id[0]), "REG-10");
    assert_int_equal(r->account_row[0], CREDO_NO_ROW);
    assert_int_equal(r->product[0], CREDO_STR_NONE);
    assert_int_equal(r->date[0], DAY_2024_01_01);
    assert_string_equal(text_of(s, r->id[1]), "REG-2");
    assert_string_equal(text_of(s, r->rep_id[1]), "R1");
    assert_int_equal(r->account_row[1], 0);
    assert_string_equal(text_of(s, r->product[1]), "Suite");
    assert_string_equal(text_of(s, r->source[1]), "partner");
    assert_string_equal(text_of(s, r->partner[1]), "Ærø Partners");
    assert_string_equal(text_of(s, r->deal_id[1]), "D1");
    assert_int_equal(r->date[1], DAY_2024_03_01);
    credo_snapshot_free(s);

    full.rep_id = "R3";
    assert_int_equal(credo_store_put_registration(f->store, &full, &err), CREDO_OK);
    assert_int_equal(store_count(f->store, "registrations"), 2);
    expect_raw_text(f->path, "SELECT rep_id FROM registrations WHERE id = 'REG-2'", "R3");
}

static void test_event_puts_reject_missing(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_activity_row activity = {.rep_id = "R1", .account_id = NULL, .type = "call",
                                   .date = DAY_2024_03_01};
    assert_int_equal(credo_store_put_activity(f->store, &activity, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "the account id is missing");
    activity.account_id = "A1";
    activity.type = "";
    assert_int_equal(credo_store_put_activity(f->store, &activity, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "the type is missing");
    activity.type = "call";
    activity.date = CREDO_DATE_NONE;
    assert_int_equal(credo_store_put_activity(f->store, &activity, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "date is missing but required");

    credo_history_row history = {.deal_id = "D1", .date = CREDO_DATE_NONE,
                                 .amount = CREDO_MONEY_NONE, .close_date = CREDO_DATE_NONE};
    assert_int_equal(credo_store_put_history(f->store, &history, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "the history of deal D1");

    credo_quota_row quota = {.rep_id = "R1", .currency = NULL, .start = DAY_2024_01_01,
                             .end = DAY_2024_04_01, .amount = 1};
    assert_int_equal(credo_store_put_quota(f->store, &quota, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "the currency is missing");

    credo_registration_row registration = {.id = "G1", .rep_id = NULL, .account_id = "A1",
                                           .date = DAY_2024_01_01};
    assert_int_equal(credo_store_put_registration(f->store, &registration, &err),
                     CREDO_ERR_INVALID);
    expect_contains(err.message, "the rep id is missing");

    assert_int_equal(store_count(f->store, "activities"), 0);
    assert_int_equal(store_count(f->store, "deal_history"), 0);
    assert_int_equal(store_count(f->store, "quotas"), 0);
    assert_int_equal(store_count(f->store, "registrations"), 0);
}

static void test_event_puts_reject_bad_dates(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_quota_row quota = {.rep_id = "R1", .currency = "USD", .start = DAY_2024_04_01,
                             .end = DAY_2024_04_01, .amount = 1};
    assert_int_equal(credo_store_put_quota(f->store, &quota, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "quota of rep R1");
    expect_contains(err.message, "is not after its start");

    credo_history_row history = {.deal_id = "D1", .date = DAY_2024_01_01,
                                 .amount = CREDO_MONEY_NONE, .close_date = 3000000};
    assert_int_equal(credo_store_put_history(f->store, &history, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "close_date is day 3000000");

    credo_registration_row registration = {.id = "G1", .rep_id = "R1", .account_id = "A1",
                                           .date = -800000};
    assert_int_equal(credo_store_put_registration(f->store, &registration, &err),
                     CREDO_ERR_INVALID);
    expect_contains(err.message, "registration G1");
    expect_contains(err.message, "outside years 1..9999");
}

static void test_load_rejects_bad_event_date(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_activity_row activity = {.source_key = "k1", .rep_id = "R1", .account_id = "A1",
                                   .type = "call", .date = DAY_2024_03_01};
    assert_int_equal(credo_store_put_activity(f->store, &activity, &err), CREDO_OK);
    raw_exec(f->path, "UPDATE activities SET date = '2024-02-30'");

    credo_snapshot *snapshot = NULL;
    assert_int_equal(credo_store_load(f->store, &snapshot, &err), CREDO_ERR_STORE);
    assert_null(snapshot);
    expect_contains(err.message, "table activities");
    expect_contains(err.message, "column date");
}

static void test_load_rejects_missing_quota_amount(void **state)
{
    fixture *f = *state;
    /* A table without the NOT NULL constraint, as a hand edit could leave it. */
    raw_exec(f->path, "DROP TABLE quotas;"
                      "CREATE TABLE quotas (rep_id TEXT, start_date TEXT, end_date TEXT,"
                      " currency TEXT, amount_minor INTEGER);"
                      "INSERT INTO quotas VALUES ('R1', '2024-01-01', '2024-04-01', 'USD', NULL);");
    credo_snapshot *snapshot = NULL;
    credo_error err;
    assert_int_equal(credo_store_load(f->store, &snapshot, &err), CREDO_ERR_STORE);
    expect_contains(err.message, "table quotas, id 'R1', column amount_minor");
    expect_contains(err.message, "missing");
}

/* ---- Imports and runs -------------------------------------------------- */

static void test_import_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    int64_t first = 0, second = 0;
    assert_int_equal(credo_store_record_import(f->store, "map.yaml", "3 accounts", &first, &err),
                     CREDO_OK);
    assert_int_equal(credo_store_record_import(f->store, NULL, NULL, &second, &err), CREDO_OK);
    assert_int_equal(first, 1);
    assert_int_equal(second, 2);
    assert_int_equal(credo_store_add_import_issue(f->store, first, "accounts.csv", 17, "country",
                                                  "Narnia", "no ISO 3166 code matches", &err),
                     CREDO_OK);
    assert_int_equal(credo_store_add_import_issue(f->store, first, NULL, 0, NULL, NULL, "note",
                                                  &err),
                     CREDO_OK);

    assert_int_equal(store_count(f->store, "imports"), 2);
    assert_int_equal(store_count(f->store, "import_issues"), 2);
    expect_raw_text(f->path, "SELECT created_at FROM imports WHERE id = 1",
                    "2023-11-14T22:13:20Z");
    expect_raw_text(f->path, "SELECT mapping_path FROM imports WHERE id = 1", "map.yaml");
    expect_raw_text(f->path, "SELECT summary FROM imports WHERE id = 2", NULL);
    expect_raw_text(f->path, "SELECT line FROM import_issues WHERE file = 'accounts.csv'", "17");
    expect_raw_text(f->path, "SELECT value FROM import_issues WHERE file = 'accounts.csv'",
                    "Narnia");
}

static void test_run_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    credo_run_record record = {.as_of = "2024-01-31", .policy_path = "policy.yaml",
                               .policy_text = "territories: []\n", .summary_json = "{\"a\":1}"};
    int64_t run_id = 0;
    assert_int_equal(credo_store_add_run(f->store, &record, &run_id, &err), CREDO_OK);
    assert_int_equal(run_id, 1);

    credo_run_info info;
    assert_int_equal(credo_store_get_run(f->store, run_id, &info, &err), CREDO_OK);
    assert_int_equal(info.id, 1);
    assert_string_equal(info.created_at, "2023-11-14T22:13:20Z");
    assert_string_equal(info.as_of, "2024-01-31");
    assert_string_equal(info.policy_path, "policy.yaml");
    assert_string_equal(info.policy_text, "territories: []\n");
    assert_string_equal(info.summary_json, "{\"a\":1}");
    credo_run_info_clear(&info);
    assert_null(info.created_at);
    credo_run_info_clear(NULL);
}

static void test_run_missing_fields(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_run_record record = {0};
    int64_t run_id = 0;
    assert_int_equal(credo_store_add_run(f->store, &record, &run_id, &err), CREDO_OK);
    credo_run_info info;
    assert_int_equal(credo_store_get_run(f->store, run_id, &info, &err), CREDO_OK);
    assert_null(info.as_of);
    assert_null(info.policy_text);
    assert_int_equal(strlen(info.created_at), 20);
    credo_run_info_clear(&info);
}

static void test_run_bad_source_date_epoch(void **state)
{
    fixture *f = *state;
    credo_error err;
    setenv("SOURCE_DATE_EPOCH", "17e8", 1);
    credo_run_record record = {.as_of = "2024-01-31"};
    int64_t run_id = 0;
    assert_int_equal(credo_store_add_run(f->store, &record, &run_id, &err), CREDO_ERR_INVALID);
    expect_contains(err.message, "SOURCE_DATE_EPOCH '17e8'");
    assert_int_equal(store_count(f->store, "runs"), 0);
}

static void test_get_run_unknown(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_run_info info;
    assert_int_equal(credo_store_get_run(f->store, 42, &info, &err), CREDO_ERR_NOT_FOUND);
    expect_contains(err.message, "run 42");
    assert_null(info.policy_text);
}

static void test_latest_run_none(void **state)
{
    fixture *f = *state;
    credo_error err;
    int64_t run_id = -1;
    assert_int_equal(credo_store_latest_run(f->store, &run_id, &err), CREDO_ERR_NOT_FOUND);
    expect_contains(err.message, "credo run");
    expect_contains(err.message, f->path);
}

static void test_latest_run_newest(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_run_record record = {.as_of = "2024-01-31"};
    int64_t first = 0, second = 0, latest = 0;
    assert_int_equal(credo_store_add_run(f->store, &record, &first, &err), CREDO_OK);
    assert_int_equal(credo_store_add_run(f->store, &record, &second, &err), CREDO_OK);
    assert_int_equal(credo_store_latest_run(f->store, &latest, &err), CREDO_OK);
    assert_int_equal(second, first + 1);
    assert_int_equal(latest, second);
}

/* Collects the visited rows as one line of text per row. */
typedef struct visit_log {
    char text[2048];
    int rows;
    int stop_after; /* 0 for never */
} visit_log;

static void log_row(visit_log *log, const char *a, const char *b, const char *c)
{
    size_t used = strlen(log->text);
    snprintf(log->text + used, sizeof log->text - used, "%s|%s|%s\n", a ? a : "-", b ? b : "-",
             c ? c : "-");
    log->rows++;
}

static int stop_at_limit(visit_log *log, credo_error *err)
{
    if (log->stop_after != 0 && log->rows >= log->stop_after) {
        credo_error_set(err, CREDO_ERR_IO, "cannot write assignments.csv: disk full");
        return 1;
    }
    return 0;
}

static int log_assignment(void *ctx, const credo_assignment_out *row, credo_error *err)
{
    visit_log *log = ctx;
    log_row(log, row->account_id, row->territory_id, row->owner_id);
    return stop_at_limit(log, err);
}

static int log_deal_result(void *ctx, const credo_deal_out *row, credo_error *err)
{
    visit_log *log = ctx;
    log_row(log, row->deal_id, row->status, row->reason);
    return stop_at_limit(log, err);
}

static int log_credit(void *ctx, const credo_credit_out *row, credo_error *err)
{
    visit_log *log = ctx;
    char detail[256];
    snprintf(detail, sizeof detail, "%s %lld %s", row->kind, (long long)row->amount,
             row->rule ? row->rule : "-");
    log_row(log, row->deal_id, row->rep_id, detail);
    return stop_at_limit(log, err);
}

static int64_t add_empty_run(credo_store *store)
{
    credo_error err;
    credo_run_record record = {.as_of = "2024-01-31"};
    int64_t run_id = 0;
    assert_int_equal(credo_store_add_run(store, &record, &run_id, &err), CREDO_OK);
    return run_id;
}

static void test_assignments_sorted(void **state)
{
    fixture *f = *state;
    credo_error err;
    int64_t run = add_empty_run(f->store);
    int64_t other = add_empty_run(f->store);
    /* Code point order: "B" (0x42) < "a" < "b" < "é" (0xC3 0xA9). */
    const char *ids[] = {"b", "é", "B", "a"};
    for (size_t i = 0; i < 4; i++) {
        credo_assignment_out row = {.account_id = ids[i], .territory_id = "T1",
                                    .status = "assigned", .owner_id = "R1", .reason = "rule 1"};
        assert_int_equal(credo_store_add_assignment(f->store, run, &row, &err), CREDO_OK);
    }
    credo_assignment_out elsewhere = {.account_id = "A", .territory_id = NULL,
                                      .status = "unassigned"};
    assert_int_equal(credo_store_add_assignment(f->store, other, &elsewhere, &err), CREDO_OK);

    visit_log log = {0};
    assert_int_equal(credo_store_each_assignment(f->store, run, log_assignment, &log, &err),
                     CREDO_OK);
    assert_string_equal(log.text, "B|T1|R1\na|T1|R1\nb|T1|R1\né|T1|R1\n");

    visit_log other_log = {0};
    assert_int_equal(credo_store_each_assignment(f->store, other, log_assignment, &other_log,
                                                 &err),
                     CREDO_OK);
    assert_string_equal(other_log.text, "A|-|-\n");
}

static void test_deal_results_sorted(void **state)
{
    fixture *f = *state;
    credo_error err;
    int64_t run = add_empty_run(f->store);
    const char *ids[] = {"SO10", "SO2", "SO1"};
    for (size_t i = 0; i < 3; i++) {
        credo_deal_out row = {.deal_id = ids[i], .account_id = "A1", .territory_id = "T1",
                              .owner_id = "R1", .status = "owned", .reason = "logged first"};
        assert_int_equal(credo_store_add_deal_result(f->store, run, &row, &err), CREDO_OK);
    }
    visit_log log = {0};
    assert_int_equal(credo_store_each_deal_result(f->store, run, log_deal_result, &log, &err),
                     CREDO_OK);
    assert_string_equal(log.text,
                        "SO1|owned|logged first\nSO10|owned|logged first\n"
                        "SO2|owned|logged first\n");
}

static void test_credit_sorted(void **state)
{
    fixture *f = *state;
    credo_error err;
    int64_t run = add_empty_run(f->store);
    const credo_credit_out rows[] = {
        {.deal_id = "D2", .rep_id = "R1", .kind = "revenue", .amount = 100, .rule = "r1"},
        {.deal_id = "D1", .rep_id = "R2", .kind = "overlay", .amount = -50, .rule = "r2"},
        {.deal_id = "D1", .rep_id = "R1", .kind = "revenue", .amount = 70, .rule = "r1"},
        {.deal_id = "D1", .rep_id = "R1", .kind = "overlay", .amount = 30, .rule = NULL},
        {.deal_id = "D2", .rep_id = "R1", .kind = "revenue", .amount = 5, .rule = "r0"},
    };
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(credo_store_add_credit(f->store, run, &rows[i], &err), CREDO_OK);

    visit_log log = {0};
    assert_int_equal(credo_store_each_credit(f->store, run, log_credit, &log, &err), CREDO_OK);
    assert_string_equal(log.text,
                        "D1|R1|overlay 30 -\n"
                        "D1|R1|revenue 70 r1\n"
                        "D1|R2|overlay -50 r2\n"
                        "D2|R1|revenue 5 r0\n"
                        "D2|R1|revenue 100 r1\n");
    expect_raw_text(f->path, "SELECT typeof(amount_minor) FROM run_credit LIMIT 1", "integer");
}

static void test_visitor_stops_walk(void **state)
{
    fixture *f = *state;
    credo_error err;
    int64_t run = add_empty_run(f->store);
    const char *ids[] = {"A1", "A2", "A3"};
    for (size_t i = 0; i < 3; i++) {
        credo_assignment_out row = {.account_id = ids[i]};
        assert_int_equal(credo_store_add_assignment(f->store, run, &row, &err), CREDO_OK);
    }
    visit_log log = {.stop_after = 2};
    assert_int_equal(credo_store_each_assignment(f->store, run, log_assignment, &log, &err),
                     CREDO_ERR_IO);
    assert_int_equal(log.rows, 2);
    assert_string_equal(err.message, "cannot write assignments.csv: disk full");
}

static void test_duplicate_result_conflicts(void **state)
{
    fixture *f = *state;
    credo_error err;
    int64_t run = add_empty_run(f->store);
    credo_assignment_out row = {.account_id = "A1", .territory_id = "T1"};
    assert_int_equal(credo_store_add_assignment(f->store, run, &row, &err), CREDO_OK);
    assert_int_equal(credo_store_add_assignment(f->store, run, &row, &err), CREDO_ERR_CONFLICT);
    expect_contains(err.message, "cannot store the assignment of account A1 in run 1 in ");
    expect_contains(err.message, f->path);
    expect_contains(err.message, "UNIQUE constraint failed");
}

/* ---- Conflict decisions ------------------------------------------------------ */

static void test_decision_round_trip(void **state)
{
    fixture *f = *state;
    credo_error err;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    assert_int_equal(credo_store_put_conflict_decision(f->store, "deal:D7", "award", "R2",
                                                       "lead@example.com", "R2 logged first",
                                                       &err),
                     CREDO_OK);
    assert_int_equal(credo_store_put_conflict_decision(f->store, "account:A1", "reject", NULL,
                                                       "ops", NULL, &err),
                     CREDO_OK);

    credo_conflict_decision *decisions = NULL;
    size_t count = 0;
    assert_int_equal(credo_store_load_conflict_decisions(f->store, &decisions, &count, &err),
                     CREDO_OK);
    assert_int_equal(count, 2);
    assert_string_equal(decisions[0].key, "account:A1");
    assert_string_equal(decisions[0].decision, "reject");
    assert_null(decisions[0].winner_rep_id);
    assert_string_equal(decisions[0].decider, "ops");
    assert_null(decisions[0].reason);
    assert_string_equal(decisions[1].key, "deal:D7");
    assert_string_equal(decisions[1].decision, "award");
    assert_string_equal(decisions[1].winner_rep_id, "R2");
    assert_string_equal(decisions[1].decider, "lead@example.com");
    assert_string_equal(decisions[1].reason, "R2 logged first");
    assert_string_equal(decisions[1].created_at, "2023-11-14T22:13:20Z");
    credo_conflict_decisions_free(decisions, count);
    credo_conflict_decisions_free(NULL, 0);
}

static void test_decision_replaces_and_audits(void **state)
{
    fixture *f = *state;
    credo_error err;
    assert_int_equal(credo_store_put_conflict_decision(f->store, "deal:D7", "award", "R2", "a",
                                                       "first look", &err),
                     CREDO_OK);
    assert_int_equal(credo_store_put_conflict_decision(f->store, "deal:D7", "accept", NULL, "b",
                                                       "second look", &err),
                     CREDO_OK);
    assert_int_equal(store_count(f->store, "conflict_decisions"), 1);
    expect_raw_text(f->path, "SELECT decision FROM conflict_decisions", "accept");
    expect_raw_text(f->path, "SELECT winner_rep_id FROM conflict_decisions", NULL);

    /* The audit log keeps both decisions. */
    assert_int_equal(store_count(f->store, "audit_log"), 2);
    expect_raw_text(f->path, "SELECT action FROM audit_log WHERE seq = 1", "conflict_decision");
    expect_raw_text(f->path, "SELECT actor FROM audit_log WHERE seq = 1", "a");
    expect_raw_text(f->path, "SELECT subject FROM audit_log WHERE seq = 1", "deal:D7");
    expect_raw_text(f->path, "SELECT reason FROM audit_log WHERE seq = 2", "second look");
    expect_raw_text(f->path, "SELECT payload FROM audit_log WHERE seq = 1",
                    "{\"decision\":\"award\",\"winner_rep_id\":\"R2\"}");
    expect_raw_text(f->path, "SELECT payload FROM audit_log WHERE seq = 2",
                    "{\"decision\":\"accept\",\"winner_rep_id\":null}");
}

static void test_decision_default_decider(void **state)
{
    fixture *f = *state;
    credo_error err;
    setenv("CREDO_ACTOR", "auditor 7", 1);
    credo_status status = credo_store_put_conflict_decision(f->store, "deal:D1", "reject", NULL,
                                                            NULL, NULL, &err);
    unsetenv("CREDO_ACTOR");
    assert_int_equal(status, CREDO_OK);
    expect_raw_text(f->path, "SELECT decider FROM conflict_decisions", "auditor 7");
    expect_raw_text(f->path, "SELECT actor FROM audit_log", "auditor 7");
}

static void test_decision_in_open_transaction(void **state)
{
    fixture *f = *state;
    credo_error err;
    assert_int_equal(credo_store_begin(f->store, &err), CREDO_OK);
    assert_int_equal(credo_store_put_conflict_decision(f->store, "deal:D1", "reject", NULL, "x",
                                                       NULL, &err),
                     CREDO_OK);
    credo_store_rollback(f->store);
    assert_int_equal(store_count(f->store, "conflict_decisions"), 0);
    assert_int_equal(store_count(f->store, "audit_log"), 0);
}

static void test_decision_rejects_bad_input(void **state)
{
    fixture *f = *state;
    credo_error err;
    assert_int_equal(credo_store_put_conflict_decision(f->store, "deal:D1", "maybe", NULL, "x",
                                                       NULL, &err),
                     CREDO_ERR_INVALID);
    expect_contains(err.message, "unknown decision 'maybe'");
    assert_int_equal(credo_store_put_conflict_decision(f->store, "deal:D1", "award", "", "x",
                                                       NULL, &err),
                     CREDO_ERR_INVALID);
    expect_contains(err.message, "an award needs the rep id of the winner");
    assert_int_equal(credo_store_put_conflict_decision(f->store, "", "reject", NULL, "x", NULL,
                                                       &err),
                     CREDO_ERR_INVALID);
    expect_contains(err.message, "conflict key is missing");

    char key[CREDO_CONFLICT_KEY_MAX + 1];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    assert_int_equal(credo_store_put_conflict_decision(f->store, key, "reject", NULL, "x", NULL,
                                                       &err),
                     CREDO_ERR_INVALID);
    expect_contains(err.message, "over the maximum of 1023");
    assert_int_equal(store_count(f->store, "conflict_decisions"), 0);
    assert_int_equal(store_count(f->store, "audit_log"), 0);
}

/* Counts the visited decisions and stops after the first. */
static int stop_after_first_decision(void *ctx, const credo_conflict_decision *row,
                                     credo_error *err)
{
    int *visits = ctx;
    (*visits)++;
    credo_error_set(err, CREDO_ERR_IO, "stopped at %s", row->key);
    return 1;
}

static void test_decision_visitor_stops(void **state)
{
    fixture *f = *state;
    credo_error err;
    assert_int_equal(credo_store_put_conflict_decision(f->store, "b", "reject", NULL, "x", NULL,
                                                       &err),
                     CREDO_OK);
    assert_int_equal(credo_store_put_conflict_decision(f->store, "a", "accept", NULL, "x", NULL,
                                                       &err),
                     CREDO_OK);
    int visits = 0;
    assert_int_equal(credo_store_each_conflict_decision(f->store, stop_after_first_decision,
                                                        &visits, &err),
                     CREDO_ERR_IO);
    assert_int_equal(visits, 1);
    assert_string_equal(err.message, "stopped at a");
}

static void test_count_tables(void **state)
{
    fixture *f = *state;
    credo_error err;
    credo_rep_row rep = full_rep();
    assert_int_equal(credo_store_put_rep(f->store, &rep, &err), CREDO_OK);
    rep.id = "R2";
    assert_int_equal(credo_store_put_rep(f->store, &rep, &err), CREDO_OK);
    assert_int_equal(store_count(f->store, "reps"), 2);
    assert_int_equal(store_count(f->store, "accounts"), 0);
    assert_int_equal(store_count(f->store, "run_credit"), 0);
    const char *const new_tables[] = {"activities", "deal_history", "quotas", "registrations",
                                      "audit_log", "conflict_decisions"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(store_count(f->store, new_tables[i]), 0);

    int64_t count = -1;
    assert_int_equal(credo_store_count(f->store, "audit_head", &count, &err), CREDO_ERR_INVALID);
    assert_int_equal(credo_store_count(f->store, "sqlite_master", &count, &err),
                     CREDO_ERR_INVALID);
    expect_contains(err.message, "'sqlite_master'");
    assert_int_equal(credo_store_count(f->store, "reps; DROP TABLE reps", &count, &err),
                     CREDO_ERR_INVALID);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM reps"), 2);
}

#define STORE_TEST(name) cmocka_unit_test_setup_teardown(name, setup_store, teardown_store)

int main(void)
{
    const struct CMUnitTest tests[] = {
        STORE_TEST(test_open_creates_schema),
        STORE_TEST(test_open_twice_keeps_data),
        cmocka_unit_test(test_open_migrates_version_1),
        cmocka_unit_test(test_open_sqlite_prefix),
        cmocka_unit_test(test_open_rejects_newer_schema),
        cmocka_unit_test(test_open_rejects_foreign_database),
        cmocka_unit_test(test_open_rejects_foreign_marks),
        cmocka_unit_test(test_open_rejects_other_file),
        cmocka_unit_test(test_open_missing_folder),
        cmocka_unit_test(test_open_postgresql_not_built),
        cmocka_unit_test(test_open_unknown_scheme),
        cmocka_unit_test(test_open_empty_location),
        STORE_TEST(test_rep_round_trip),
        STORE_TEST(test_account_round_trip),
        STORE_TEST(test_deal_round_trip),
        STORE_TEST(test_team_round_trip),
        STORE_TEST(test_team_missing_role_upserts),
        STORE_TEST(test_attribute_round_trip),
        STORE_TEST(test_put_replaces_row),
        STORE_TEST(test_put_rejects_missing_id),
        STORE_TEST(test_put_rejects_bad_values),
        STORE_TEST(test_load_empty_store),
        STORE_TEST(test_load_rejects_bad_number),
        STORE_TEST(test_load_rejects_bad_date),
        STORE_TEST(test_load_rejects_bad_status),
        STORE_TEST(test_load_rejects_fractional_amount),
        STORE_TEST(test_rollback_restores_store),
        STORE_TEST(test_commit_keeps_rows),
        STORE_TEST(test_rollback_without_transaction),
        STORE_TEST(test_close_rolls_back),
        STORE_TEST(test_load_inside_transaction),
        STORE_TEST(test_load_ends_read_transaction),
        STORE_TEST(test_begin_twice_fails),
        STORE_TEST(test_locked_error_names_path),
        STORE_TEST(test_activity_round_trip),
        STORE_TEST(test_activity_key_replaces),
        STORE_TEST(test_activity_without_key_appends),
        STORE_TEST(test_history_round_trip),
        STORE_TEST(test_history_key_replaces),
        STORE_TEST(test_quota_round_trip),
        STORE_TEST(test_registration_round_trip),
        STORE_TEST(test_event_puts_reject_missing),
        STORE_TEST(test_event_puts_reject_bad_dates),
        STORE_TEST(test_load_rejects_bad_event_date),
        STORE_TEST(test_load_rejects_missing_quota_amount),
        STORE_TEST(test_import_round_trip),
        STORE_TEST(test_run_round_trip),
        STORE_TEST(test_run_missing_fields),
        STORE_TEST(test_run_bad_source_date_epoch),
        STORE_TEST(test_get_run_unknown),
        STORE_TEST(test_latest_run_none),
        STORE_TEST(test_latest_run_newest),
        STORE_TEST(test_assignments_sorted),
        STORE_TEST(test_deal_results_sorted),
        STORE_TEST(test_credit_sorted),
        STORE_TEST(test_visitor_stops_walk),
        STORE_TEST(test_duplicate_result_conflicts),
        STORE_TEST(test_decision_round_trip),
        STORE_TEST(test_decision_replaces_and_audits),
        STORE_TEST(test_decision_default_decider),
        STORE_TEST(test_decision_in_open_transaction),
        STORE_TEST(test_decision_rejects_bad_input),
        STORE_TEST(test_decision_visitor_stops),
        STORE_TEST(test_count_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
