/* The SQLite backend of the store: one database file in WAL mode, schema
 * versioned with PRAGMA user_version and migrated by the numbered SQL
 * scripts below. Values are kept as text (exact decimals, ISO dates) except
 * money and splits, which are integers. */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/buf.h"
#include "credo/parse.h"
#include "store_backend.h"

/* How long a statement waits for another connection's lock. */
#define BUSY_TIMEOUT_MS 5000

/* Maximum length of the operation named in an error message. */
#define OPERATION_TEXT_MAX 256

/* ---- Schema ----------------------------------------------------------------- */

/* Migration N (1-based) brings the schema from version N-1 to N. Ids are
 * TEXT compared by code point (SQLite's default BINARY collation). Foreign
 * keys are not declared because imports may reference ids in any order.
 * Tables keyed by text are WITHOUT ROWID, so that a scan in key order and an
 * upsert each walk one B-tree instead of an index and the table. */
static const char *const migrations[] = {
    /* 1: the initial schema. */
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
    "CREATE INDEX run_credit_by_deal ON run_credit (run_id, deal_id, rep_id, kind);",

    /* 2: event tables, the audit log and conflict decisions. Activities and
     * deal history have no natural key, so every row is kept under a rowid
     * (seq). Their source_key, the source system's id when the mapping
     * gives one, lets a re-import replace its row, and SQLite's UNIQUE
     * accepts any number of NULL keys. The audit head (one row, id 1)
     * repeats the seq and hash of the last audit entry. Quota periods are
     * start_date and end_date because END is reserved in PostgreSQL. */
    "CREATE TABLE activities ("
    "  seq INTEGER PRIMARY KEY, source_key TEXT UNIQUE, rep_id TEXT NOT NULL,"
    "  account_id TEXT NOT NULL, deal_id TEXT, type TEXT NOT NULL, date TEXT NOT NULL);"
    "CREATE TABLE deal_history ("
    "  seq INTEGER PRIMARY KEY, source_key TEXT UNIQUE, deal_id TEXT NOT NULL,"
    "  date TEXT NOT NULL, stage TEXT, amount_minor INTEGER, close_date TEXT);"
    "CREATE TABLE quotas ("
    "  rep_id TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT NOT NULL,"
    "  currency TEXT NOT NULL, amount_minor INTEGER NOT NULL,"
    "  PRIMARY KEY (rep_id, start_date)) WITHOUT ROWID;"
    "CREATE TABLE registrations ("
    "  id TEXT NOT NULL PRIMARY KEY, rep_id TEXT NOT NULL, account_id TEXT NOT NULL,"
    "  product TEXT, source TEXT, partner TEXT, deal_id TEXT, date TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE audit_log ("
    "  seq INTEGER PRIMARY KEY, created_at TEXT NOT NULL, actor TEXT NOT NULL,"
    "  action TEXT NOT NULL, subject TEXT, reason TEXT, payload TEXT,"
    "  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE TABLE audit_head ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);"
    "CREATE TABLE conflict_decisions ("
    "  conflict_key TEXT NOT NULL PRIMARY KEY,"
    "  decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'award')),"
    "  winner_rep_id TEXT, decider TEXT NOT NULL, reason TEXT,"
    "  created_at TEXT NOT NULL) WITHOUT ROWID;",

    /* 3: compact per-account results of a run (status and territory only),
     * written in bulk by store_sqlite_bulk.c. */
    "CREATE TABLE run_account_rows ("
    "  run_id INTEGER NOT NULL, row INTEGER NOT NULL, account_id TEXT NOT NULL,"
    "  status INTEGER NOT NULL, territory_id TEXT, PRIMARY KEY (run_id, row)) WITHOUT ROWID;",

    /* 4: the packed results of a run, one BLOB of fixed-width records
     * (layout in credo/store.h), written by store_sqlite_packed.c. run_id
     * is the rowid, so sqlite3_blob_open reaches the row directly. */
    "CREATE TABLE run_assignment_packed ("
    "  run_id INTEGER PRIMARY KEY, row_count INTEGER NOT NULL, territory_ids TEXT NOT NULL,"
    "  account_ids_sha256 TEXT, packed BLOB NOT NULL);",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == CREDO_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- Cached statements -------------------------------------------------- */

typedef enum statement_id {
    STMT_PUT_REP,
    STMT_PUT_ACCOUNT,
    STMT_PUT_ATTRIBUTE,
    STMT_DELETE_ATTRIBUTE,
    STMT_PUT_DEAL,
    STMT_PUT_TEAM_MEMBER,
    STMT_RECORD_IMPORT,
    STMT_ADD_IMPORT_ISSUE,
    STMT_ADD_RUN,
    STMT_ADD_ASSIGNMENT,
    STMT_ADD_DEAL_RESULT,
    STMT_ADD_CREDIT,
    STMT_LATEST_RUN,
    STMT_PUT_ACTIVITY,
    STMT_PUT_HISTORY,
    STMT_PUT_QUOTA,
    STMT_PUT_REGISTRATION,
    STMT_PUT_CONFLICT_DECISION,
    STMT_AUDIT_LAST_SEQ,
    STMT_AUDIT_INSERT,
    STMT_AUDIT_SET_HEAD,
    STATEMENT_COUNT
} statement_id;

static const char *const statement_sql[STATEMENT_COUNT] = {
    [STMT_PUT_REP] =
        "INSERT INTO reps (id, name, email, title, manager_id, active_from, active_to)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,"
        " title = excluded.title, manager_id = excluded.manager_id,"
        " active_from = excluded.active_from, active_to = excluded.active_to",
    [STMT_PUT_ACCOUNT] =
        "INSERT INTO accounts (id, name, country, region, postal_code, city, industry,"
        " parent_id, owner_id, employees, annual_revenue, potential, latitude, longitude)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, country = excluded.country,"
        " region = excluded.region, postal_code = excluded.postal_code, city = excluded.city,"
        " industry = excluded.industry, parent_id = excluded.parent_id,"
        " owner_id = excluded.owner_id, employees = excluded.employees,"
        " annual_revenue = excluded.annual_revenue, potential = excluded.potential,"
        " latitude = excluded.latitude, longitude = excluded.longitude",
    [STMT_PUT_ATTRIBUTE] =
        "INSERT INTO account_attributes (account_id, name, value) VALUES (?, ?, ?)"
        " ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value",
    [STMT_DELETE_ATTRIBUTE] =
        "DELETE FROM account_attributes WHERE account_id = ? AND name = ?",
    [STMT_PUT_DEAL] =
        "INSERT INTO deals (id, account_id, owner_id, currency, amount_minor, stage, status,"
        " source, partner, product, created, close_date)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id,"
        " owner_id = excluded.owner_id, currency = excluded.currency,"
        " amount_minor = excluded.amount_minor, stage = excluded.stage,"
        " status = excluded.status, source = excluded.source, partner = excluded.partner,"
        " product = excluded.product, created = excluded.created,"
        " close_date = excluded.close_date",
    [STMT_PUT_TEAM_MEMBER] =
        "INSERT INTO deal_team (deal_id, rep_id, role, split_bp) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (deal_id, rep_id, role) DO UPDATE SET split_bp = excluded.split_bp",
    [STMT_RECORD_IMPORT] =
        "INSERT INTO imports (created_at, mapping_path, summary) VALUES (?, ?, ?)",
    [STMT_ADD_IMPORT_ISSUE] =
        "INSERT INTO import_issues (import_id, file, line, field, value, message)"
        " VALUES (?, ?, ?, ?, ?, ?)",
    [STMT_ADD_RUN] =
        "INSERT INTO runs (created_at, as_of, policy_path, policy_text, summary_json)"
        " VALUES (?, ?, ?, ?, ?)",
    [STMT_ADD_ASSIGNMENT] =
        "INSERT INTO run_assignments (run_id, account_id, territory_id, status, owner_id,"
        " reason) VALUES (?, ?, ?, ?, ?, ?)",
    [STMT_ADD_DEAL_RESULT] =
        "INSERT INTO run_deals (run_id, deal_id, account_id, territory_id, owner_id, status,"
        " reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [STMT_ADD_CREDIT] =
        "INSERT INTO run_credit (run_id, deal_id, rep_id, kind, amount_minor, rule,"
        " explanation) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [STMT_LATEST_RUN] = "SELECT coalesce(max(id), 0) FROM runs",
    [STMT_PUT_ACTIVITY] =
        "INSERT INTO activities (source_key, rep_id, account_id, deal_id, type, date)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (source_key) DO UPDATE SET rep_id = excluded.rep_id,"
        " account_id = excluded.account_id, deal_id = excluded.deal_id,"
        " type = excluded.type, date = excluded.date",
    [STMT_PUT_HISTORY] =
        "INSERT INTO deal_history (source_key, deal_id, date, stage, amount_minor, close_date)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (source_key) DO UPDATE SET deal_id = excluded.deal_id,"
        " date = excluded.date, stage = excluded.stage,"
        " amount_minor = excluded.amount_minor, close_date = excluded.close_date",
    [STMT_PUT_QUOTA] =
        "INSERT INTO quotas (rep_id, start_date, end_date, currency, amount_minor)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (rep_id, start_date) DO UPDATE SET end_date = excluded.end_date,"
        " currency = excluded.currency, amount_minor = excluded.amount_minor",
    [STMT_PUT_REGISTRATION] =
        "INSERT INTO registrations (id, rep_id, account_id, product, source, partner, deal_id,"
        " date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET rep_id = excluded.rep_id,"
        " account_id = excluded.account_id, product = excluded.product,"
        " source = excluded.source, partner = excluded.partner, deal_id = excluded.deal_id,"
        " date = excluded.date",
    [STMT_PUT_CONFLICT_DECISION] =
        "INSERT INTO conflict_decisions (conflict_key, decision, winner_rep_id, decider,"
        " reason, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (conflict_key) DO UPDATE SET decision = excluded.decision,"
        " winner_rep_id = excluded.winner_rep_id, decider = excluded.decider,"
        " reason = excluded.reason, created_at = excluded.created_at",
    [STMT_AUDIT_LAST_SEQ] = "SELECT coalesce(max(seq), 0) FROM audit_log",
    [STMT_AUDIT_INSERT] =
        "INSERT INTO audit_log (seq, created_at, actor, action, subject, reason, payload,"
        " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [STMT_AUDIT_SET_HEAD] =
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
};

typedef struct sqlite_store {
    credo_store base; /* first, so that a credo_store * is a sqlite_store * */
    sqlite3 *db;
    char *path;
    sqlite3_stmt *statements[STATEMENT_COUNT]; /* prepared on first use */
} sqlite_store;

static sqlite_store *sqlite_of(credo_store *store)
{
    return (sqlite_store *)store;
}

/* ---- Errors ----------------------------------------------------------------- */

static credo_status status_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return CREDO_ERR_CONFLICT;
    case SQLITE_NOMEM: return CREDO_ERR_NOMEM;
    default: return CREDO_ERR_STORE;
    }
}

/* Returns the advice for an SQLite result code caused by the file rather
 * than by credo, or "" for the other codes. */
static const char *advice_for(int rc)
{
    switch (rc & 0xFF) {
    case SQLITE_NOTADB:
        return "; check that --db names a database that credo created";
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
        return "; credo needs to write the database and its -wal and -shm files beside it, so use a "
               "writable file in a writable folder";
    case SQLITE_FULL:
        return "; free disk space and run the command again";
    default:
        return "";
    }
}

static credo_status fail_with(const sqlite_store *store, int rc, const char *detail,
                              credo_error *err, const char *operation_fmt, va_list args)
{
    char operation[OPERATION_TEXT_MAX];
    vsnprintf(operation, sizeof operation, operation_fmt, args);
    return credo_error_set(err, status_of(rc), "cannot %s in %s: %s%s", operation, store->path,
                           detail, advice_for(rc));
}

/* Sets err to "cannot <operation> in <path>: <sqlite3_errmsg>". Call it
 * right after the failing call, before anything resets the message. */
static credo_status fail(const sqlite_store *store, credo_error *err, const char *operation_fmt,
                         ...) __attribute__((format(printf, 3, 4)));
static credo_status fail(const sqlite_store *store, credo_error *err, const char *operation_fmt,
                         ...)
{
    va_list args;
    va_start(args, operation_fmt);
    credo_status status = fail_with(store, sqlite3_errcode(store->db), sqlite3_errmsg(store->db),
                                    err, operation_fmt, args);
    va_end(args);
    return status;
}

/* Like fail, but for a result code rc that sqlite3_errmsg may not describe. */
static credo_status fail_code(const sqlite_store *store, int rc, credo_error *err,
                              const char *operation_fmt, ...)
    __attribute__((format(printf, 4, 5)));
static credo_status fail_code(const sqlite_store *store, int rc, credo_error *err,
                              const char *operation_fmt, ...)
{
    va_list args;
    va_start(args, operation_fmt);
    credo_status status = fail_with(store, rc, sqlite3_errstr(rc), err, operation_fmt, args);
    va_end(args);
    return status;
}

/* ---- Statements and parameters ------------------------------------------ */

/* Sets *out to the cached statement `id`, preparing it on first use. */
static credo_status statement(sqlite_store *store, statement_id id, sqlite3_stmt **out,
                              credo_error *err)
{
    if (store->statements[id] == NULL &&
        sqlite3_prepare_v3(store->db, statement_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                           &store->statements[id], NULL) != SQLITE_OK)
        return fail(store, err, "prepare statement \"%.40s...\"", statement_sql[id]);
    *out = store->statements[id];
    return CREDO_OK;
}

/* Binds parameters left to right. The first failure is kept in rc and
 * later binds do nothing, so that a row's binds read as a plain list. */
typedef struct binder {
    sqlite3_stmt *stmt;
    int index;
    int rc;
} binder;

static binder start_binding(sqlite3_stmt *stmt)
{
    return (binder){stmt, 0, SQLITE_OK};
}

/* Binds text (NULL for SQL NULL), borrowed until the statement is reset. */
static void bind_text(binder *params, const char *text)
{
    params->index++;
    if (params->rc == SQLITE_OK)
        params->rc = sqlite3_bind_text(params->stmt, params->index, text, -1, SQLITE_STATIC);
}

static void bind_int64(binder *params, int64_t value)
{
    params->index++;
    if (params->rc == SQLITE_OK)
        params->rc = sqlite3_bind_int64(params->stmt, params->index, value);
}

static void bind_copy(binder *params, const char *text)
{
    params->index++;
    if (params->rc == SQLITE_OK)
        params->rc = sqlite3_bind_text(params->stmt, params->index, text, -1, SQLITE_TRANSIENT);
}

/* Binds a date as 'YYYY-MM-DD', or NULL for CREDO_DATE_NONE and for
 * open_end (CREDO_DATE_NONE when the column has no open end). */
static void bind_date(binder *params, credo_date date, credo_date open_end)
{
    char text[11];
    if (date == CREDO_DATE_NONE || date == open_end)
        bind_text(params, NULL);
    else
        bind_copy(params, credo_format_date(date, text));
}

/* Binds an exact decimal as text, or NULL for CREDO_NUMBER_NONE. */
static void bind_number(binder *params, credo_number number)
{
    char text[32];
    if (number == CREDO_NUMBER_NONE)
        bind_text(params, NULL);
    else
        bind_copy(params, credo_format_number(number, text));
}

/* Binds minor units, or NULL for CREDO_MONEY_NONE. */
static void bind_money(binder *params, credo_money amount)
{
    if (amount == CREDO_MONEY_NONE)
        bind_text(params, NULL);
    else
        bind_int64(params, amount);
}

static void finish_statement(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

/* Steps a bound statement that returns no rows, then resets it. On
 * failure err names the operation given by operation_fmt. */
static credo_status execute(sqlite_store *store, binder *params, credo_error *err,
                            const char *operation_fmt, ...) __attribute__((format(printf, 4, 5)));
static credo_status execute(sqlite_store *store, binder *params, credo_error *err,
                            const char *operation_fmt, ...)
{
    credo_status status = CREDO_OK;
    int rc = params->rc;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(params->stmt);

    if (rc != SQLITE_DONE) {
        /* A failed bind leaves no message on the connection to report. */
        const char *detail = params->rc != SQLITE_OK ? sqlite3_errstr(rc)
                                                     : sqlite3_errmsg(store->db);
        va_list args;
        va_start(args, operation_fmt);
        status = fail_with(store, rc, detail, err, operation_fmt, args);
        va_end(args);
    }
    finish_statement(params->stmt);
    return status;
}

/* ---- Opening, schema and transactions ------------------------------------ */

/* Runs SQL text without results. */
static credo_status exec(sqlite_store *store, const char *sql, const char *operation,
                         credo_error *err)
{
    if (sqlite3_exec(store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(store, err, "%s", operation);
    return CREDO_OK;
}

static credo_status read_user_version(sqlite_store *store, int *version, credo_error *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
        return fail(store, err, "read the schema version");
    credo_status status = CREDO_OK;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *version = sqlite3_column_int(stmt, 0);
    else
        status = fail(store, err, "read the schema version");
    sqlite3_finalize(stmt);
    return status;
}

/* Whether the database has a table of this name; false when it cannot
 * tell. credo has had the table audit_head since schema version 2. */
static bool has_table(const sqlite_store *store, const char *name)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(store->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1, &stmt,
                           NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return found;
}

/* Rejects a schema that this build does not know. */
static credo_status check_version(const sqlite_store *store, int version, credo_error *err)
{
    if (version > CREDO_SCHEMA_VERSION && !has_table(store, "audit_head"))
        return credo_error_set(err, CREDO_ERR_STORE,
                               "%s has schema version %d and none of credo's tables; it is not a credo "
                               "database, so give --db a new file or a database that credo created",
                               store->path, version);
    if (version > CREDO_SCHEMA_VERSION)
        return credo_error_set(err, CREDO_ERR_STORE,
                               "%s has schema version %d but this credo reads versions up to "
                               "%d; upgrade credo to open it",
                               store->path, version, CREDO_SCHEMA_VERSION);
    if (version < 0)
        return credo_error_set(err, CREDO_ERR_STORE,
                               "%s has schema version %d, which no credo writes; it is not a "
                               "credo database",
                               store->path, version);
    return CREDO_OK;
}

/* Rejects a file with schema version 0 that already has tables, views or
 * indexes, or an application id: another program's database, which credo
 * must not add its tables to. A credo database records its version in the
 * same transaction as its tables. */
static credo_status check_not_foreign(sqlite_store *store, int version, credo_error *err)
{
    if (version != 0)
        return CREDO_OK;
    sqlite3_stmt *stmt = NULL;
    static const char sql[] = "SELECT count(*), min(name), (SELECT application_id FROM pragma_application_id) "
                              "FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
    if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return fail(store, err, "list the tables");
    credo_status status = CREDO_OK;
    if (sqlite3_step(stmt) != SQLITE_ROW)
        status = fail(store, err, "list the tables");
    else if (sqlite3_column_int64(stmt, 0) > 0)
        status = credo_error_set(err, CREDO_ERR_STORE,
                                 "%s already holds %lld table%s, view%s or index%s that credo did not create "
                                 "(such as '%s'); give --db a new file or a database that credo created",
                                 store->path, (long long)sqlite3_column_int64(stmt, 0),
                                 sqlite3_column_int64(stmt, 0) == 1 ? "" : "s",
                                 sqlite3_column_int64(stmt, 0) == 1 ? "" : "s",
                                 sqlite3_column_int64(stmt, 0) == 1 ? "" : "es",
                                 (const char *)sqlite3_column_text(stmt, 1));
    else if (sqlite3_column_int64(stmt, 2) != 0)
        status = credo_error_set(err, CREDO_ERR_STORE,
                                 "%s is marked as another program's database (application id %lld); give --db "
                                 "a new file or a database that credo created",
                                 store->path, (long long)sqlite3_column_int64(stmt, 2));
    sqlite3_finalize(stmt);
    return status;
}

/* Applies the migrations after `version` and records the new version. */
static credo_status apply_migrations(sqlite_store *store, int version, credo_error *err)
{
    for (int next = version + 1; next <= CREDO_SCHEMA_VERSION; next++) {
        if (sqlite3_exec(store->db, migrations[next - 1], NULL, NULL, NULL) != SQLITE_OK)
            return fail(store, err, "migrate the schema to version %d", next);
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", CREDO_SCHEMA_VERSION);
    return exec(store, sql, "record the schema version", err);
}

/* Brings the schema to CREDO_SCHEMA_VERSION in one write transaction. The
 * version is read again under the write lock because another process may
 * have migrated the file since it was first read. */
static credo_status migrate(sqlite_store *store, credo_error *err)
{
    credo_status status = exec(store, "BEGIN IMMEDIATE", "begin the schema migration", err);
    if (status != CREDO_OK)
        return status;

    int version = 0;
    status = read_user_version(store, &version, err);
    if (status == CREDO_OK)
        status = check_version(store, version, err);
    if (status == CREDO_OK)
        status = apply_migrations(store, version, err);
    if (status == CREDO_OK)
        status = exec(store, "COMMIT", "commit the schema migration", err);
    if (status != CREDO_OK)
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    return status;
}

/* Sets the connection up and migrates the schema. Nothing is written to a
 * file whose schema is newer than this build's or that another program
 * created, not even the WAL mode. */
static credo_status prepare_database(sqlite_store *store, credo_error *err)
{
    /* NOMUTEX: a store is used by one thread at a time (see store.h). */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(store->path, &store->db, flags, NULL) != SQLITE_OK)
        return store->db != NULL
                   ? credo_error_set(err, CREDO_ERR_STORE, "cannot open database %s: %s",
                                     store->path, sqlite3_errmsg(store->db))
                   : credo_error_set(err, CREDO_ERR_NOMEM, "out of memory opening %s",
                                     store->path);
    sqlite3_busy_timeout(store->db, BUSY_TIMEOUT_MS);

    int version = 0;
    credo_status status = exec(store, "PRAGMA foreign_keys = OFF", "configure the connection",
                               err);
    if (status == CREDO_OK)
        status = read_user_version(store, &version, err);
    if (status == CREDO_OK)
        status = check_version(store, version, err);
    if (status == CREDO_OK)
        status = check_not_foreign(store, version, err);
    if (status == CREDO_OK)
        status = exec(store, "PRAGMA journal_mode = WAL", "switch to WAL mode", err);
    if (status == CREDO_OK && version < CREDO_SCHEMA_VERSION)
        status = migrate(store, err);
    return status;
}

static void sqlite_close(credo_store *base)
{
    sqlite_store *store = sqlite_of(base);
    if (store->db != NULL && !sqlite3_get_autocommit(store->db))
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    for (size_t i = 0; i < STATEMENT_COUNT; i++)
        sqlite3_finalize(store->statements[i]);
    sqlite3_close_v2(store->db);
    free(store->path);
    free(store);
}

static credo_status sqlite_begin(credo_store *base, credo_error *err)
{
    return exec(sqlite_of(base), "BEGIN IMMEDIATE", "begin a transaction", err);
}

static credo_status sqlite_commit(credo_store *base, credo_error *err)
{
    return exec(sqlite_of(base), "COMMIT", "commit the transaction", err);
}

static void sqlite_rollback(credo_store *base)
{
    sqlite_store *store = sqlite_of(base);
    if (!sqlite3_get_autocommit(store->db))
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

static credo_status sqlite_begin_read(credo_store *base, bool *started, credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    *started = false;
    if (!sqlite3_get_autocommit(store->db))
        return CREDO_OK;
    credo_status status = exec(store, "BEGIN", "begin a read transaction", err);
    *started = status == CREDO_OK;
    return status;
}

/* ---- Imported rows ---------------------------------------------------- */

static credo_status sqlite_put_rep(credo_store *base, const credo_rep_row *row, credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_PUT_REP, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, row->id);
    bind_text(&params, row->name);
    bind_text(&params, row->email);
    bind_text(&params, row->title);
    bind_text(&params, row->manager_id);
    bind_date(&params, row->active_from, CREDO_DATE_MIN);
    bind_date(&params, row->active_to, CREDO_DATE_MAX);
    return execute(store, &params, err, "store rep %s", row->id);
}

static credo_status sqlite_put_account(credo_store *base, const credo_account_row *row,
                                       credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_PUT_ACCOUNT, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, row->id);
    bind_text(&params, row->name);
    bind_text(&params, row->country);
    bind_text(&params, row->region);
    bind_text(&params, row->postal_code);
    bind_text(&params, row->city);
    bind_text(&params, row->industry);
    bind_text(&params, row->parent_id);
    bind_text(&params, row->owner_id);
    bind_number(&params, row->employees);
    bind_number(&params, row->annual_revenue);
    bind_number(&params, row->potential);
    bind_number(&params, row->latitude);
    bind_number(&params, row->longitude);
    return execute(store, &params, err, "store account %s", row->id);
}

static credo_status sqlite_put_attribute(credo_store *base, const char *account_id,
                                         const char *name, const char *value, credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    statement_id id = value != NULL ? STMT_PUT_ATTRIBUTE : STMT_DELETE_ATTRIBUTE;
    credo_status status = statement(store, id, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, account_id);
    bind_text(&params, name);
    if (value != NULL)
        bind_text(&params, value);
    return execute(store, &params, err, "%s attribute %s of account %s",
                   value != NULL ? "store" : "remove", name, account_id);
}

static const char *deal_status_text(credo_deal_status status)
{
    switch (status) {
    case CREDO_DEAL_OPEN: return "open";
    case CREDO_DEAL_WON: return "won";
    case CREDO_DEAL_LOST: return "lost";
    }
    return NULL;
}

static credo_status sqlite_put_deal(credo_store *base, const credo_deal_row *row,
                                    credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_PUT_DEAL, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, row->id);
    bind_text(&params, row->account_id);
    bind_text(&params, row->owner_id);
    bind_text(&params, row->currency);
    bind_int64(&params, row->amount);
    bind_text(&params, row->stage);
    bind_text(&params, deal_status_text(row->status));
    bind_text(&params, row->source);
    bind_text(&params, row->partner);
    bind_text(&params, row->product);
    bind_date(&params, row->created, CREDO_DATE_NONE);
    bind_date(&params, row->close_date, CREDO_DATE_NONE);
    return execute(store, &params, err, "store deal %s", row->id);
}

static credo_status sqlite_put_team_member(credo_store *base, const credo_team_row *row,
                                           credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_PUT_TEAM_MEMBER, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, row->deal_id);
    bind_text(&params, row->rep_id);
    bind_text(&params, row->role);
    if (row->split < 0)
        bind_text(&params, NULL);
    else
        bind_int64(&params, row->split);
    return execute(store, &params, err, "store rep %s on the team of deal %s", row->rep_id,
                   row->deal_id);
}

static credo_status sqlite_record_import(credo_store *base, const char *created_at,
                                         const char *mapping_path, const char *summary,
                                         int64_t *import_id, credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_RECORD_IMPORT, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, created_at);
    bind_text(&params, mapping_path);
    bind_text(&params, summary);
    status = execute(store, &params, err, "record an import");
    if (status == CREDO_OK)
        *import_id = sqlite3_last_insert_rowid(store->db);
    return status;
}

static credo_status sqlite_add_import_issue(credo_store *base, int64_t import_id,
                                            const char *file, int64_t line, const char *field,
                                            const char *value, const char *message,
                                            credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_ADD_IMPORT_ISSUE, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_int64(&params, import_id);
    bind_text(&params, file);
    bind_int64(&params, line);
    bind_text(&params, field);
    bind_text(&params, value);
    bind_text(&params, message);
    return execute(store, &params, err, "store an issue of import %lld", (long long)import_id);
}

/* ---- Events ---------------------------------------------------------------- */

static credo_status sqlite_put_activity(credo_store *base, const credo_activity_row *row,
                                        credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_PUT_ACTIVITY, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, row->source_key);
    bind_text(&params, row->rep_id);
    bind_text(&params, row->account_id);
    bind_text(&params, row->deal_id);
    bind_text(&params, row->type);
    bind_date(&params, row->date, CREDO_DATE_NONE);
    return execute(store, &params, err, "store an activity of rep %s on account %s",
                   row->rep_id, row->account_id);
}

static credo_status sqlite_put_history(credo_store *base, const credo_history_row *row,
                                       credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_PUT_HISTORY, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, row->source_key);
    bind_text(&params, row->deal_id);
    bind_date(&params, row->date, CREDO_DATE_NONE);
    bind_text(&params, row->stage);
    bind_money(&params, row->amount);
    bind_date(&params, row->close_date, CREDO_DATE_NONE);
    return execute(store, &params, err, "store a history row of deal %s", row->deal_id);
}

static credo_status sqlite_put_quota(credo_store *base, const credo_quota_row *row,
                                     credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_PUT_QUOTA, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, row->rep_id);
    bind_date(&params, row->start, CREDO_DATE_NONE);
    bind_date(&params, row->end, CREDO_DATE_NONE);
    bind_text(&params, row->currency);
    bind_int64(&params, row->amount);
    return execute(store, &params, err, "store a quota of rep %s", row->rep_id);
}

static credo_status sqlite_put_registration(credo_store *base, const credo_registration_row *row,
                                            credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_PUT_REGISTRATION, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, row->id);
    bind_text(&params, row->rep_id);
    bind_text(&params, row->account_id);
    bind_text(&params, row->product);
    bind_text(&params, row->source);
    bind_text(&params, row->partner);
    bind_text(&params, row->deal_id);
    bind_date(&params, row->date, CREDO_DATE_NONE);
    return execute(store, &params, err, "store registration %s", row->id);
}

/* ---- Run results ---------------------------------------------------------- */

static credo_status sqlite_add_run(credo_store *base, const char *created_at,
                                   const credo_run_record *run, int64_t *run_id,
                                   credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_ADD_RUN, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, created_at);
    bind_text(&params, run->as_of);
    bind_text(&params, run->policy_path);
    bind_text(&params, run->policy_text);
    bind_text(&params, run->summary_json);
    status = execute(store, &params, err, "record a run");
    if (status == CREDO_OK)
        *run_id = sqlite3_last_insert_rowid(store->db);
    return status;
}

static credo_status sqlite_add_assignment(credo_store *base, int64_t run_id,
                                          const credo_assignment_out *row, credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_ADD_ASSIGNMENT, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_int64(&params, run_id);
    bind_text(&params, row->account_id);
    bind_text(&params, row->territory_id);
    bind_text(&params, row->status);
    bind_text(&params, row->owner_id);
    bind_text(&params, row->reason);
    return execute(store, &params, err, "store the assignment of account %s in run %lld",
                   row->account_id, (long long)run_id);
}

static credo_status sqlite_add_deal_result(credo_store *base, int64_t run_id,
                                           const credo_deal_out *row, credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_ADD_DEAL_RESULT, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_int64(&params, run_id);
    bind_text(&params, row->deal_id);
    bind_text(&params, row->account_id);
    bind_text(&params, row->territory_id);
    bind_text(&params, row->owner_id);
    bind_text(&params, row->status);
    bind_text(&params, row->reason);
    return execute(store, &params, err, "store the result of deal %s in run %lld", row->deal_id,
                   (long long)run_id);
}

static credo_status sqlite_add_credit(credo_store *base, int64_t run_id,
                                      const credo_credit_out *row, credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_ADD_CREDIT, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_int64(&params, run_id);
    bind_text(&params, row->deal_id);
    bind_text(&params, row->rep_id);
    bind_text(&params, row->kind);
    bind_int64(&params, row->amount);
    bind_text(&params, row->rule);
    bind_text(&params, row->explanation);
    return execute(store, &params, err, "store credit of deal %s to rep %s in run %lld",
                   row->deal_id, row->rep_id, (long long)run_id);
}

static credo_status sqlite_latest_run(credo_store *base, int64_t *run_id, credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_LATEST_RUN, &stmt, err);
    if (status != CREDO_OK)
        return status;

    if (sqlite3_step(stmt) == SQLITE_ROW)
        *run_id = sqlite3_column_int64(stmt, 0);
    else
        status = fail(store, err, "find the latest run");
    finish_statement(stmt);
    return status;
}

/* ---- Conflict decisions and the audit log ----------------------------------- */

static credo_status sqlite_put_conflict_decision(credo_store *base,
                                                 const credo_conflict_decision *decision,
                                                 credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_PUT_CONFLICT_DECISION, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_text(&params, decision->key);
    bind_text(&params, decision->decision);
    bind_text(&params, decision->winner_rep_id);
    bind_text(&params, decision->decider);
    bind_text(&params, decision->reason);
    bind_text(&params, decision->created_at);
    return execute(store, &params, err, "store the decision on conflict %s", decision->key);
}

static bool sqlite_in_transaction(credo_store *base)
{
    return !sqlite3_get_autocommit(sqlite_of(base)->db);
}

static credo_status sqlite_audit_last_seq(credo_store *base, int64_t *seq, credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_AUDIT_LAST_SEQ, &stmt, err);
    if (status != CREDO_OK)
        return status;

    if (sqlite3_step(stmt) == SQLITE_ROW)
        *seq = sqlite3_column_int64(stmt, 0);
    else
        status = fail(store, err, "find the last audit entry");
    finish_statement(stmt);
    return status;
}

static credo_status sqlite_audit_append(credo_store *base, const credo_audit_entry *entry,
                                        credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    sqlite3_stmt *stmt = NULL;
    credo_status status = statement(store, STMT_AUDIT_INSERT, &stmt, err);
    if (status != CREDO_OK)
        return status;

    binder params = start_binding(stmt);
    bind_int64(&params, entry->seq);
    bind_text(&params, entry->created_at);
    bind_text(&params, entry->actor);
    bind_text(&params, entry->action);
    bind_text(&params, entry->subject);
    bind_text(&params, entry->reason);
    bind_text(&params, entry->payload);
    bind_text(&params, entry->prev_hash);
    bind_text(&params, entry->hash);
    status = execute(store, &params, err, "append audit entry %lld", (long long)entry->seq);
    if (status != CREDO_OK)
        return status;

    status = statement(store, STMT_AUDIT_SET_HEAD, &stmt, err);
    if (status != CREDO_OK)
        return status;
    params = start_binding(stmt);
    bind_int64(&params, entry->seq);
    bind_text(&params, entry->hash);
    return execute(store, &params, err, "move the audit head to entry %lld",
                   (long long)entry->seq);
}

/* ---- Reading rows ------------------------------------------------------------ */

static void build_select(const store_query *query, credo_buf *sql)
{
    credo_buf_puts(sql, "SELECT ");
    for (size_t i = 0; i < query->column_count; i++) {
        if (i > 0)
            credo_buf_puts(sql, ", ");
        credo_buf_puts(sql, query->columns[i]);
    }
    credo_buf_printf(sql, " FROM %s", query->table);
    if (query->filter_column != NULL)
        credo_buf_printf(sql, " WHERE %s = ?", query->filter_column);
    credo_buf_printf(sql, " ORDER BY %s", query->order_by);
}

/* Reads column i of the current row. SQLite returns NULL text both for SQL
 * NULL and when converting the value ran out of memory; the error code
 * tells them apart. */
static credo_status read_column(const sqlite_store *store, sqlite3_stmt *stmt, int i,
                                store_value *value, credo_error *err)
{
    value->text = (const char *)sqlite3_column_text(stmt, i);
    value->length = (size_t)sqlite3_column_bytes(stmt, i);
    if (value->text == NULL && sqlite3_errcode(store->db) == SQLITE_NOMEM)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s",
                               store->path);
    return CREDO_OK;
}

/* Steps stmt and hands each row to visit. */
static credo_status visit_rows(sqlite_store *store, const store_query *query,
                               sqlite3_stmt *stmt, store_row_visitor visit, void *ctx,
                               credo_error *err)
{
    store_value row[STORE_QUERY_COLUMNS_MAX];
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (size_t i = 0; i < query->column_count; i++) {
            credo_status status = read_column(store, stmt, (int)i, &row[i], err);
            if (status != CREDO_OK)
                return status;
        }
        credo_status status = visit(ctx, row, err);
        if (status != CREDO_OK)
            return status;
    }
    if (rc != SQLITE_DONE)
        return fail(store, err, "read table %s", query->table);
    return CREDO_OK;
}

/* Prepared for each call rather than cached, so that a visitor may read
 * the store again while the walk is under way. */
static credo_status sqlite_select_rows(credo_store *base, const store_query *query,
                                       int64_t filter, store_row_visitor visit, void *ctx,
                                       credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    if (query->column_count > STORE_QUERY_COLUMNS_MAX)
        return credo_error_set(err, CREDO_ERR_LIMIT,
                               "cannot read table %s: %zu columns exceed the maximum of %d",
                               query->table, query->column_count, STORE_QUERY_COLUMNS_MAX);

    credo_buf sql = CREDO_BUF_INIT;
    build_select(query, &sql);
    if (credo_buf_failed(&sql)) {
        credo_buf_free(&sql);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", store->path);
    }

    credo_status status = CREDO_OK;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db, credo_buf_text(&sql), -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
        status = fail(store, err, "read table %s", query->table);
        goto done;
    }
    if (query->filter_column != NULL && (rc = sqlite3_bind_int64(stmt, 1, filter)) != SQLITE_OK) {
        status = fail_code(store, rc, err, "read table %s", query->table);
        goto done;
    }
    status = visit_rows(store, query, stmt, visit, ctx, err);

done:
    sqlite3_finalize(stmt);
    credo_buf_free(&sql);
    return status;
}

static credo_status sqlite_count(credo_store *base, const char *table, int64_t *count,
                                 credo_error *err)
{
    sqlite_store *store = sqlite_of(base);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);

    sqlite3_stmt *stmt = NULL;
    credo_status status = CREDO_OK;
    if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW)
        status = fail(store, err, "count rows of table %s", table);
    else
        *count = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return status;
}

/* ---- Opening ------------------------------------------------------------------ */

static const store_ops sqlite_ops = {
    .close = sqlite_close,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .begin_read = sqlite_begin_read,
    .put_rep = sqlite_put_rep,
    .put_account = sqlite_put_account,
    .put_attribute = sqlite_put_attribute,
    .put_deal = sqlite_put_deal,
    .put_team_member = sqlite_put_team_member,
    .put_activity = sqlite_put_activity,
    .put_history = sqlite_put_history,
    .put_quota = sqlite_put_quota,
    .put_registration = sqlite_put_registration,
    .record_import = sqlite_record_import,
    .add_import_issue = sqlite_add_import_issue,
    .add_run = sqlite_add_run,
    .add_assignment = sqlite_add_assignment,
    .add_deal_result = sqlite_add_deal_result,
    .add_credit = sqlite_add_credit,
    .latest_run = sqlite_latest_run,
    .put_conflict_decision = sqlite_put_conflict_decision,
    .in_transaction = sqlite_in_transaction,
    .audit_last_seq = sqlite_audit_last_seq,
    .audit_append = sqlite_audit_append,
    .select_rows = sqlite_select_rows,
    .put_assignment_rows = store_sqlite_put_assignment_rows,
    .count_assignment_rows = store_sqlite_count_assignment_rows,
    .put_assignment_packed = store_sqlite_put_assignment_packed,
    .packed_shape = store_sqlite_packed_shape,
    .write_assignment_packed = store_sqlite_write_assignment_packed,
    .read_assignment_packed = store_sqlite_read_assignment_packed,
    .count = sqlite_count,
};

sqlite3 *store_sqlite_db(credo_store *store)
{
    return sqlite_of(store)->db;
}

credo_status store_sqlite_open(const char *path, credo_store **out, credo_error *err)
{
    *out = NULL;
    sqlite_store *store = calloc(1, sizeof *store);
    if (store == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory opening %s", path);
    store->path = strdup(path);
    if (store->path == NULL) {
        free(store);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory opening %s", path);
    }
    store->base.ops = &sqlite_ops;
    store->base.name = store->path;

    credo_status status = prepare_database(store, err);
    if (status != CREDO_OK) {
        sqlite_close(&store->base);
        return status;
    }
    *out = &store->base;
    return CREDO_OK;
}
