/* The store: one interface over the databases that keep imported data and
 * run results. SQLite (a single file) is the embedded backend; a database
 * given as a plain path or "sqlite:PATH" opens it.
 *
 * Writes between credo_store_begin and credo_store_commit form one
 * transaction: a failed import or run is rolled back and leaves the store as
 * it was. Every function returns a credo_status and fills err on failure
 * with a message that names the database and, where it applies, the id.
 *
 * A credo_store must not be used by two threads at once; open one store per
 * thread instead. Several stores, in one process or in several, may open the
 * same database, and a writer waits up to about 5 seconds for another. */
#ifndef CREDO_STORE_H
#define CREDO_STORE_H

#include <stdint.h>

#include "credo/error.h"
#include "credo/model.h"
#include "credo/types.h"

struct credo_assignment;
struct credo_policy;
struct credo_progress;

/* Newest schema version this build writes; migrations numbered 1..N. */
#define CREDO_SCHEMA_VERSION 4

typedef struct credo_store credo_store;

/* Opens (creating when absent) the database named by `location` and
 * migrates its schema to CREDO_SCHEMA_VERSION. A database written by a newer
 * credo (higher version) is rejected with CREDO_ERR_STORE, untouched.
 * A "postgresql://" location is rejected with CREDO_ERR_INVALID because that
 * backend is not built yet; so is any other "scheme://" location. */
credo_status credo_store_open(const char *location, credo_store **out, credo_error *err);

/* Closes the store, rolling back an open transaction. store may be NULL. */
void credo_store_close(credo_store *store);

/* Begins a write transaction, waiting up to about 5 seconds for another
 * writer. Fails when a transaction is already open. */
credo_status credo_store_begin(credo_store *store, credo_error *err);
/* Commits the open transaction. On failure it stays open; roll it back. */
credo_status credo_store_commit(credo_store *store, credo_error *err);
/* Rolls back the open transaction; harmless when none is open. */
void credo_store_rollback(credo_store *store);

/* Rows written by imports. Strings are borrowed NUL-terminated UTF-8; NULL
 * is the missing value. Numbers use CREDO_NUMBER_NONE and dates
 * CREDO_DATE_NONE for missing; dates must lie in years 1..9999. A put
 * replaces the row with the same id, and a missing or empty id is rejected
 * with CREDO_ERR_INVALID. */
typedef struct credo_rep_row {
    const char *id, *name, *email, *title, *manager_id;
    /* CREDO_DATE_NONE is an open end, as are CREDO_DATE_MIN for active_from
     * and CREDO_DATE_MAX for active_to; open ends load as those two. */
    credo_date active_from, active_to;
} credo_rep_row;

typedef struct credo_account_row {
    const char *id, *name, *country, *region, *postal_code, *city, *industry;
    const char *parent_id, *owner_id;
    credo_number employees, annual_revenue, potential, latitude, longitude;
} credo_account_row;

typedef struct credo_deal_row {
    const char *id, *account_id, *owner_id, *currency, *stage, *source, *partner, *product;
    credo_money amount;
    credo_deal_status status;
    credo_date created, close_date;
} credo_deal_row;

/* A team member is keyed by deal id, rep id and role. A NULL role is
 * stored as "" and loads as missing (CREDO_STR_NONE). */
typedef struct credo_team_row {
    const char *deal_id, *rep_id, *role;
    credo_bp split; /* -1 when not given */
} credo_team_row;

credo_status credo_store_put_rep(credo_store *store, const credo_rep_row *row, credo_error *err);
credo_status credo_store_put_account(credo_store *store, const credo_account_row *row,
                                     credo_error *err);
/* Sets custom attribute `name` of an account; value NULL removes it. */
credo_status credo_store_put_attribute(credo_store *store, const char *account_id,
                                       const char *name, const char *value, credo_error *err);
credo_status credo_store_put_deal(credo_store *store, const credo_deal_row *row, credo_error *err);
credo_status credo_store_put_team_member(credo_store *store, const credo_team_row *row,
                                         credo_error *err);

/* Events. A date here is required and lies in years 1..9999.
 *
 * Activities and deal history rows have no natural key, because the same
 * rep may call the same account twice a day. A row with a source_key (the
 * id the source system gave it) replaces the stored row with that key, so a
 * re-import does not duplicate it. A row without one (NULL or "") is always
 * appended. */
typedef struct credo_activity_row {
    const char *source_key;          /* optional */
    const char *rep_id, *account_id; /* required */
    const char *deal_id;             /* optional */
    const char *type;                /* required: email, call, meeting, demo, ... */
    credo_date date;
} credo_activity_row;

typedef struct credo_history_row {
    const char *source_key; /* optional */
    const char *deal_id;    /* required */
    const char *stage;      /* optional */
    credo_date date;        /* the day the state began */
    credo_money amount;     /* minor units, or CREDO_MONEY_NONE */
    credo_date close_date;  /* CREDO_DATE_NONE when not given */
} credo_history_row;

/* A quota is keyed by rep and start; its period is [start, end), so end
 * must be after start. Every field is required. */
typedef struct credo_quota_row {
    const char *rep_id, *currency;
    credo_date start, end;
    credo_money amount; /* minor units */
} credo_quota_row;

/* A registration is keyed by id; id, rep_id, account_id and date are
 * required. */
typedef struct credo_registration_row {
    const char *id, *rep_id, *account_id, *product, *source, *partner, *deal_id;
    credo_date date;
} credo_registration_row;

credo_status credo_store_put_activity(credo_store *store, const credo_activity_row *row,
                                      credo_error *err);
credo_status credo_store_put_history(credo_store *store, const credo_history_row *row,
                                     credo_error *err);
credo_status credo_store_put_quota(credo_store *store, const credo_quota_row *row,
                                   credo_error *err);
credo_status credo_store_put_registration(credo_store *store, const credo_registration_row *row,
                                          credo_error *err);

/* Records an import (mapping path, one-line summary) and returns its id,
 * under which credo_store_add_import_issue files what the import reported
 * but kept, such as names it could not match to an ISO code. */
credo_status credo_store_record_import(credo_store *store, const char *mapping_path,
                                       const char *summary, int64_t *import_id,
                                       credo_error *err);
credo_status credo_store_add_import_issue(credo_store *store, int64_t import_id,
                                          const char *file, unsigned long line,
                                          const char *field, const char *value,
                                          const char *message, credo_error *err);

/* Loads every rep, account, attribute, deal, team member, activity, deal
 * history row, quota and registration into a new snapshot, finished with
 * credo_snapshot_finish, in one read transaction.
 * Attributes of accounts that are not stored are skipped. A stored value
 * that does not parse fails with CREDO_ERR_STORE naming the table, id and
 * column. */
credo_status credo_store_load(credo_store *store, credo_snapshot **out, credo_error *err);

/* credo_store_load with progress (may be NULL): stage "load", done the rows
 * read so far from every table and total 0 while loading, then once
 * done == total at the end. */
credo_status credo_store_load_progress(credo_store *store, const struct credo_progress *progress,
                                       credo_snapshot **out, credo_error *err);

/* Results of one run, written under a new run id in the open transaction.
 * Runs and imports record created_at as UTC "YYYY-MM-DDTHH:MM:SSZ", taken
 * from SOURCE_DATE_EPOCH (seconds since 1970) when that variable is set.
 * Adding a second result for the same account or deal in one run fails
 * with CREDO_ERR_CONFLICT. */
typedef struct credo_run_record {
    const char *as_of;        /* YYYY-MM-DD */
    const char *policy_path;
    const char *policy_text;  /* stored so that explain can replay the run */
    const char *summary_json; /* the counts printed by `credo run --json` */
} credo_run_record;

typedef struct credo_assignment_out {
    const char *account_id, *territory_id, *status, *owner_id, *reason;
} credo_assignment_out;

typedef struct credo_deal_out {
    const char *deal_id, *account_id, *territory_id, *owner_id, *status, *reason;
} credo_deal_out;

typedef struct credo_credit_out {
    const char *deal_id, *rep_id, *kind, *rule, *explanation;
    credo_money amount;
} credo_credit_out;

credo_status credo_store_add_run(credo_store *store, const credo_run_record *run,
                                 int64_t *run_id, credo_error *err);
credo_status credo_store_add_assignment(credo_store *store, int64_t run_id,
                                        const credo_assignment_out *row, credo_error *err);
credo_status credo_store_add_deal_result(credo_store *store, int64_t run_id,
                                         const credo_deal_out *row, credo_error *err);
credo_status credo_store_add_credit(credo_store *store, int64_t run_id,
                                    const credo_credit_out *row, credo_error *err);

/* Returns the id of the newest run, or CREDO_ERR_NOT_FOUND (with a message
 * saying to run `credo run` first) when there is none. */
credo_status credo_store_latest_run(credo_store *store, int64_t *run_id, credo_error *err);

/* Copies the stored run record; the caller frees each string with free()
 * or credo_run_info_clear. An unknown id gives CREDO_ERR_NOT_FOUND. */
typedef struct credo_run_info {
    int64_t id;
    char *created_at, *as_of, *policy_path, *policy_text, *summary_json;
} credo_run_info;
credo_status credo_store_get_run(credo_store *store, int64_t run_id, credo_run_info *out,
                                 credo_error *err);
void credo_run_info_clear(credo_run_info *info);

/* Calls visit once per stored result row of a run, in the order of the
 * export files: assignments by account id; deals by deal id; credit by deal
 * id, rep id, kind. Strings are borrowed for the duration of the call. A
 * non-zero return from visit stops the walk and is returned as
 * CREDO_ERR_IO with err left as visit filled it. Credit rows equal in deal,
 * rep and kind are further ordered by rule, amount and explanation, so the
 * order never depends on the order in which rows were added. */
typedef int (*credo_assignment_visitor)(void *ctx, const credo_assignment_out *row,
                                        credo_error *err);
typedef int (*credo_deal_visitor)(void *ctx, const credo_deal_out *row, credo_error *err);
typedef int (*credo_credit_visitor)(void *ctx, const credo_credit_out *row, credo_error *err);

credo_status credo_store_each_assignment(credo_store *store, int64_t run_id,
                                         credo_assignment_visitor visit, void *ctx,
                                         credo_error *err);
credo_status credo_store_each_deal_result(credo_store *store, int64_t run_id,
                                          credo_deal_visitor visit, void *ctx,
                                          credo_error *err);
credo_status credo_store_each_credit(credo_store *store, int64_t run_id,
                                     credo_credit_visitor visit, void *ctx, credo_error *err);

/* Counts rows of a table ("reps", "accounts", "account_attributes",
 * "deals", "deal_team", "activities", "deal_history", "quotas",
 * "registrations", "imports", "import_issues", "runs", "run_assignments",
 * "run_deals", "run_credit", "audit_log", "conflict_decisions"), for
 * summaries and tests. Any other name gives CREDO_ERR_INVALID. */
credo_status credo_store_count(credo_store *store, const char *table, int64_t *count,
                               credo_error *err);

/* ---- Compact run results ----------------------------------------------------
 *
 * One row per account row of a run in table run_account_rows: (run_id, row,
 * account_id, status, territory_id), keyed by run id and the account's row
 * in the run's snapshot (rows sorted by account id). status is the
 * credo_account_status number; territory_id is NULL unless the account is
 * assigned. Tied and overlay lists and reasons are not kept here; the
 * per-account table run_assignments keeps them for runs saved one row at a
 * time. Writes go through one prepared statement in the caller's open
 * transaction, in batches of CREDO_STORE_BULK_BATCH rows. */

/* Rows written between two progress reports. */
#define CREDO_STORE_BULK_BATCH 65536u

/* Writes the entries of assignment (whose entry i is account row i of
 * snapshot, territories indexing policy) under run_id. rows NULL inserts
 * every entry; a row already stored for the run fails with
 * CREDO_ERR_CONFLICT. rows non-NULL writes only entries rows[0, count),
 * replacing stored rows of the run, as after an incremental run. progress
 * may be NULL; it receives stage "store" in rows. Fails with
 * CREDO_ERR_INVALID when no transaction is open, when assignment and
 * snapshot differ in row count, or on a row outside them. */
credo_status credo_store_put_assignment_rows(credo_store *store, int64_t run_id,
                                             const credo_snapshot *snapshot,
                                             const struct credo_policy *policy,
                                             const struct credo_assignment *assignment,
                                             const uint32_t *rows, size_t count,
                                             const struct credo_progress *progress,
                                             credo_error *err);

/* Counts the compact rows stored for run_id with each status: counts[s]
 * for credo_account_status s (assigned, overlap, gap). */
credo_status credo_store_count_assignment_rows(credo_store *store, int64_t run_id, int64_t counts[3],
                                               credo_error *err);

/* ---- Packed run results ------------------------------------------------------
 *
 * The assignment of a run as one row of table run_assignment_packed:
 * row_count, the policy's territory ids in index order (newline-separated),
 * an optional SHA-256 of the account id column (NULL when not written) and
 * a BLOB of row_count fixed-width records, record i for account row i of
 * the run's snapshot:
 *
 *   byte 0     status, the credo_account_status number
 *   bytes 1-4  territory index into the policy, little-endian unsigned,
 *              0xFFFFFFFF (CREDO_NO_ROW) when the account has none
 *
 * Tied and overlay lists are not kept. The writes happen in the caller's
 * open transaction; a read needs none. */

/* Bytes of one packed record. */
#define CREDO_PACKED_RECORD_SIZE 5u

/* Writes every entry of assignment (territories indexing policy) under
 * run_id as one packed row. progress may be NULL; it receives stage
 * "store" in rows. Fails with CREDO_ERR_INVALID when no transaction is
 * open, when a territory id contains a newline or an entry's territory is
 * outside the policy; CREDO_ERR_CONFLICT when run_id already has packed
 * results; CREDO_ERR_LIMIT when the BLOB would exceed SQLite's maximum
 * length (1,000,000,000 bytes by default, 200M rows). */
credo_status credo_store_put_assignment_packed(credo_store *store, int64_t run_id,
                                               const struct credo_assignment *assignment,
                                               const struct credo_policy *policy,
                                               const struct credo_progress *progress,
                                               credo_error *err);

/* Overwrites in place the records of rows[0, count) of run_id with the
 * entries of assignment, which must index the same policy as the stored
 * results; other records and the row are left as they are. Fails with
 * CREDO_ERR_NOT_FOUND when run_id has no packed results, and with
 * CREDO_ERR_INVALID when no transaction is open, when assignment and the
 * stored results differ in row count, or on a row or territory outside
 * them. */
credo_status credo_store_update_assignment_packed(credo_store *store, int64_t run_id,
                                                  const struct credo_assignment *assignment,
                                                  const uint32_t *rows, size_t count,
                                                  credo_error *err);

/* Reads the packed results of run_id into new arrays of *row_count
 * entries: (*status)[i] is the credo_account_status of row i and
 * (*territory)[i] its territory index or CREDO_NO_ROW. Free them with
 * credo_store_packed_free. Fails with CREDO_ERR_NOT_FOUND when run_id has
 * no packed results and CREDO_ERR_STORE when the stored BLOB does not
 * have row_count valid records. */
credo_status credo_store_read_assignment_packed(credo_store *store, int64_t run_id,
                                                uint8_t **status, uint32_t **territory,
                                                size_t *row_count, credo_error *err);

/* Frees the arrays of credo_store_read_assignment_packed; NULL is allowed. */
void credo_store_packed_free(uint8_t *status, uint32_t *territory);

/* ---- Conflict decisions ----------------------------------------------------
 *
 * A person's decision on one conflict of the conflict queue (two reps
 * claiming one account or deal), keyed by the queue's conflict key. A later
 * decision on the same key replaces the stored one; the audit log keeps
 * every decision. */

/* Maximum length in bytes of a conflict key. */
#define CREDO_CONFLICT_KEY_MAX 1024

/* A stored decision. Strings are NUL-terminated UTF-8; winner_rep_id and
 * reason are NULL when not given. created_at is UTC "YYYY-MM-DDTHH:MM:SSZ"
 * (SOURCE_DATE_EPOCH when set, like runs). */
typedef struct credo_conflict_decision {
    char *key;
    char *decision; /* "accept", "reject" or "award" */
    char *winner_rep_id;
    char *decider;
    char *reason;
    char *created_at;
} credo_conflict_decision;

/* Stores a decision and appends its audit entry, both in the caller's open
 * transaction or, when none is open, in one of their own. The entry has
 * action "conflict_decision", the decider as actor, the key as subject,
 * the reason, and a payload with the decision and the winner. decision is
 * "accept", "reject" or "award", and "award" needs winner_rep_id. decider
 * NULL means the default actor (see credo_audit_default_actor). Errors:
 * CREDO_ERR_INVALID for a missing or too long key, an unknown decision or
 * an award without a winner; CREDO_ERR_STORE when the database fails. */
credo_status credo_store_put_conflict_decision(credo_store *store, const char *key,
                                               const char *decision, const char *winner_rep_id,
                                               const char *decider, const char *reason,
                                               credo_error *err);

/* Calls visit once per stored decision in ascending key order (by code
 * point). Strings are borrowed for the duration of the call. A non-zero
 * return from visit stops the walk and is returned as CREDO_ERR_IO with
 * err left as visit filled it. */
typedef int (*credo_conflict_decision_visitor)(void *ctx, const credo_conflict_decision *row,
                                               credo_error *err);
credo_status credo_store_each_conflict_decision(credo_store *store,
                                                credo_conflict_decision_visitor visit, void *ctx,
                                                credo_error *err);

/* Copies every stored decision, in ascending key order, into a new array
 * of *count elements (NULL when there is none). Free it with
 * credo_conflict_decisions_free. */
credo_status credo_store_load_conflict_decisions(credo_store *store,
                                                 credo_conflict_decision **out, size_t *count,
                                                 credo_error *err);
/* Frees an array from credo_store_load_conflict_decisions; NULL is allowed. */
void credo_conflict_decisions_free(credo_conflict_decision *decisions, size_t count);

#endif
