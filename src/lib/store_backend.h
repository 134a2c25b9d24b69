/* Private interface between the store front end (store.c) and its backends
 * (store_sqlite.c, later store_postgres.c).
 *
 * store.c checks arguments, builds timestamps, decodes stored text into
 * snapshot columns and result rows, and then calls one operation of the
 * backend's table. A backend only moves rows in and out of its database. */
#ifndef CREDO_STORE_BACKEND_H
#define CREDO_STORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "credo/audit.h"
#include "credo/store.h"

/* Maximum number of columns that one store_query selects. */
#define STORE_QUERY_COLUMNS_MAX 16

/* Size of a created_at timestamp "YYYY-MM-DDTHH:MM:SSZ", NUL included. */
#define STORE_TIMESTAMP_SIZE 21

/* A read of whole rows:
 *   SELECT columns FROM table [WHERE filter_column = ?] ORDER BY order_by
 * Every name is a constant of store.c, never input. order_by lists columns
 * that the backend compares by code point (BINARY collation in SQLite,
 * COLLATE "C" in PostgreSQL), ascending, missing values first. */
typedef struct store_query {
    const char *table;
    const char *const *columns;
    size_t column_count;       /* at most STORE_QUERY_COLUMNS_MAX */
    const char *filter_column; /* NULL to read every row */
    const char *order_by;      /* comma-separated column names */
} store_query;

/* One stored value as text: integers are given in decimal. text is
 * NUL-terminated, or NULL for SQL NULL; it is valid during the visit. */
typedef struct store_value {
    const char *text;
    size_t length;
} store_value;

/* Receives one row, values in the order of store_query.columns. A status
 * other than CREDO_OK stops the read and is returned unchanged, with err
 * as the visitor left it. */
typedef credo_status (*store_row_visitor)(void *ctx, const store_value *row, credo_error *err);

/* A compact result row (see credo_store_put_assignment_rows). */
typedef struct store_assignment_row {
    uint32_t row;
    uint8_t status;           /* credo_account_status */
    const char *account_id;
    const char *territory_id; /* NULL unless assigned */
} store_assignment_row;

/* One packed result row (see credo_store_put_assignment_packed). */
typedef struct store_packed_row {
    int64_t row_count;
    const char *territory_ids;      /* newline-separated, NUL-terminated */
    const char *account_ids_sha256; /* NULL when not known */
    const uint8_t *records;         /* row_count * CREDO_PACKED_RECORD_SIZE bytes */
} store_packed_row;

/* A run of bytes to overwrite in a packed BLOB, at byte offset. */
typedef struct store_packed_span {
    size_t offset;
    const uint8_t *bytes;
    size_t length;
} store_packed_span;

/* The operations of one backend. Arguments have been checked by store.c:
 * ids that the header requires are non-NULL and non-empty, dates are
 * CREDO_DATE_NONE or within years 1..9999, team roles are non-NULL. Errors
 * name the database (store->name) and the operation. */
typedef struct store_ops {
    void (*close)(credo_store *store);

    /* Begins a write transaction that holds the write lock from the start. */
    credo_status (*begin)(credo_store *store, credo_error *err);
    credo_status (*commit)(credo_store *store, credo_error *err);
    /* Rolls back the open transaction, if any. */
    void (*rollback)(credo_store *store);
    /* Begins a read transaction unless one is open, so that several
     * select_rows calls see one state of the database. Sets *started when it
     * began one, which the caller then ends with rollback. */
    credo_status (*begin_read)(credo_store *store, bool *started, credo_error *err);

    /* Upserts. A rep's active_from CREDO_DATE_MIN and active_to
     * CREDO_DATE_MAX are open ends and are stored as missing. */
    credo_status (*put_rep)(credo_store *store, const credo_rep_row *row, credo_error *err);
    credo_status (*put_account)(credo_store *store, const credo_account_row *row,
                                credo_error *err);
    /* value NULL deletes the attribute. */
    credo_status (*put_attribute)(credo_store *store, const char *account_id, const char *name,
                                  const char *value, credo_error *err);
    credo_status (*put_deal)(credo_store *store, const credo_deal_row *row, credo_error *err);
    credo_status (*put_team_member)(credo_store *store, const credo_team_row *row,
                                    credo_error *err);
    /* Activities and history rows with a source_key upsert by it; rows
     * without one (NULL) are inserted. */
    credo_status (*put_activity)(credo_store *store, const credo_activity_row *row,
                                 credo_error *err);
    credo_status (*put_history)(credo_store *store, const credo_history_row *row,
                                credo_error *err);
    credo_status (*put_quota)(credo_store *store, const credo_quota_row *row, credo_error *err);
    credo_status (*put_registration)(credo_store *store, const credo_registration_row *row,
                                     credo_error *err);

    credo_status (*record_import)(credo_store *store, const char *created_at,
                                  const char *mapping_path, const char *summary,
                                  int64_t *import_id, credo_error *err);
    credo_status (*add_import_issue)(credo_store *store, int64_t import_id, const char *file,
                                     int64_t line, const char *field, const char *value,
                                     const char *message, credo_error *err);

    credo_status (*add_run)(credo_store *store, const char *created_at,
                            const credo_run_record *run, int64_t *run_id, credo_error *err);
    credo_status (*add_assignment)(credo_store *store, int64_t run_id,
                                   const credo_assignment_out *row, credo_error *err);
    credo_status (*add_deal_result)(credo_store *store, int64_t run_id,
                                    const credo_deal_out *row, credo_error *err);
    credo_status (*add_credit)(credo_store *store, int64_t run_id, const credo_credit_out *row,
                               credo_error *err);
    /* Sets *run_id to the highest run id, or 0 when there is no run. */
    credo_status (*latest_run)(credo_store *store, int64_t *run_id, credo_error *err);

    /* Upserts a decision by its key. */
    credo_status (*put_conflict_decision)(credo_store *store,
                                          const credo_conflict_decision *decision,
                                          credo_error *err);

    /* Returns whether a transaction is open on this store. */
    bool (*in_transaction)(credo_store *store);
    /* Sets *seq to the highest seq of the audit log, or 0 when it is empty. */
    credo_status (*audit_last_seq)(credo_store *store, int64_t *seq, credo_error *err);
    /* Inserts the entry, whose fields audit.c has filled, and sets the head
     * record (id 1) to its seq and hash. Call it inside a write transaction
     * so that the two writes stay together. */
    credo_status (*audit_append)(credo_store *store, const credo_audit_entry *entry,
                                 credo_error *err);

    /* Runs query, binding filter (when query->filter_column is set), and
     * calls visit once per row in order. */
    credo_status (*select_rows)(credo_store *store, const store_query *query, int64_t filter,
                                store_row_visitor visit, void *ctx, credo_error *err);
    /* Writes compact result rows under run_id in the open transaction,
     * creating their table on first use; replace upserts instead of
     * inserting. Implemented in store_sqlite_bulk.c for SQLite. */
    credo_status (*put_assignment_rows)(credo_store *store, int64_t run_id,
                                        const store_assignment_row *rows, size_t count, bool replace,
                                        credo_error *err);
    /* Sets counts[s] to the compact rows of run_id with status s. */
    credo_status (*count_assignment_rows)(credo_store *store, int64_t run_id, int64_t counts[3],
                                          credo_error *err);
    /* Inserts the packed row of run_id; one already stored fails with
     * CREDO_ERR_CONFLICT. */
    credo_status (*put_assignment_packed)(credo_store *store, int64_t run_id,
                                          const store_packed_row *row, credo_error *err);
    /* Sets *row_count to the stored row_count of run_id and
     * *territory_count to the number of its territory ids;
     * CREDO_ERR_NOT_FOUND when there is no packed row. */
    credo_status (*packed_shape)(credo_store *store, int64_t run_id, int64_t *row_count,
                                 size_t *territory_count, credo_error *err);
    /* Overwrites spans of the stored BLOB in place, which lie within it. */
    credo_status (*write_assignment_packed)(credo_store *store, int64_t run_id,
                                            const store_packed_span *spans, size_t count,
                                            credo_error *err);
    /* Copies the stored BLOB into a new malloc'd buffer; CREDO_ERR_NOT_FOUND
     * when run_id has no packed row. */
    credo_status (*read_assignment_packed)(credo_store *store, int64_t run_id, int64_t *row_count,
                                           uint8_t **bytes, size_t *length, credo_error *err);
    /* table is one of the names store.c accepts. */
    credo_status (*count)(credo_store *store, const char *table, int64_t *count,
                          credo_error *err);
} store_ops;

/* The part of every backend's store that store.c reads. A backend embeds it
 * as its first member. */
struct credo_store {
    const store_ops *ops;
    const char *name; /* the database as messages name it; owned by the backend */
};

/* Formats the current UTC time, or SOURCE_DATE_EPOCH when it is set, as
 * "YYYY-MM-DDTHH:MM:SSZ". Shared by the front-end files (store.c,
 * store_decisions.c, audit.c). CREDO_ERR_INVALID names a malformed
 * SOURCE_DATE_EPOCH. */
credo_status store_timestamp(char out[STORE_TIMESTAMP_SIZE], credo_error *err);

/* The SQLite connection of a store opened by store_sqlite_open, for the
 * backend files beside store_sqlite.c. */
struct sqlite3 *store_sqlite_db(credo_store *store);

/* The SQLite compact-result operations (store_sqlite_bulk.c). */
credo_status store_sqlite_put_assignment_rows(credo_store *store, int64_t run_id,
                                              const store_assignment_row *rows, size_t count,
                                              bool replace, credo_error *err);
credo_status store_sqlite_count_assignment_rows(credo_store *store, int64_t run_id, int64_t counts[3],
                                                credo_error *err);

/* The SQLite packed-result operations (store_sqlite_packed.c). */
credo_status store_sqlite_put_assignment_packed(credo_store *store, int64_t run_id,
                                                const store_packed_row *row, credo_error *err);
credo_status store_sqlite_packed_shape(credo_store *store, int64_t run_id, int64_t *row_count,
                                       size_t *territory_count, credo_error *err);
credo_status store_sqlite_write_assignment_packed(credo_store *store, int64_t run_id,
                                                  const store_packed_span *spans, size_t count,
                                                  credo_error *err);
credo_status store_sqlite_read_assignment_packed(credo_store *store, int64_t run_id,
                                                 int64_t *row_count, uint8_t **bytes, size_t *length,
                                                 credo_error *err);

/* Opens the SQLite database at path (see credo_store_open). */
credo_status store_sqlite_open(const char *path, credo_store **out, credo_error *err);

#endif
