/* Compact run results in SQLite: table run_account_rows (migration 3),
 * written through one statement per batch inside the caller's
 * transaction. */
#include <sqlite3.h>
#include <stdio.h>

#include "store_backend.h"

static const char INSERT_SQL[] =
    "INSERT INTO run_account_rows (run_id, row, account_id, status, territory_id) VALUES (?, ?, ?, ?, ?)";

static const char UPSERT_SQL[] =
    "INSERT INTO run_account_rows (run_id, row, account_id, status, territory_id) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (run_id, row) DO UPDATE SET account_id = excluded.account_id,"
    " status = excluded.status, territory_id = excluded.territory_id";

static credo_status fail(credo_store *store, int rc, const char *operation, credo_error *err)
{
    credo_status status = (rc & 0xff) == SQLITE_CONSTRAINT ? CREDO_ERR_CONFLICT
                          : (rc & 0xff) == SQLITE_NOMEM   ? CREDO_ERR_NOMEM
                                                          : CREDO_ERR_STORE;
    return credo_error_set(err, status, "cannot %s in %s: %s", operation, store->name,
                           sqlite3_errmsg(store_sqlite_db(store)));
}

static int write_row(sqlite3_stmt *stmt, int64_t run_id, const store_assignment_row *row)
{
    int rc = sqlite3_bind_int64(stmt, 1, run_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, row->row);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 3, row->account_id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(stmt, 4, row->status);
    if (rc == SQLITE_OK)
        rc = row->territory_id == NULL ? sqlite3_bind_null(stmt, 5)
                                       : sqlite3_bind_text(stmt, 5, row->territory_id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

credo_status store_sqlite_put_assignment_rows(credo_store *store, int64_t run_id,
                                              const store_assignment_row *rows, size_t count,
                                              bool replace, credo_error *err)
{
    sqlite3 *db = store_sqlite_db(store);
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, replace ? UPSERT_SQL : INSERT_SQL, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return fail(store, rc, "prepare the result rows", err);
    credo_status status = CREDO_OK;
    for (size_t i = 0; i < count && status == CREDO_OK; i++) {
        rc = write_row(stmt, run_id, &rows[i]);
        if (rc != SQLITE_OK) {
            char operation[96];
            snprintf(operation, sizeof operation, "store the result of account %s", rows[i].account_id);
            status = fail(store, rc, operation, err);
        }
    }
    sqlite3_finalize(stmt);
    return status;
}

credo_status store_sqlite_count_assignment_rows(credo_store *store, int64_t run_id, int64_t counts[3],
                                                credo_error *err)
{
    sqlite3 *db = store_sqlite_db(store);
    for (int s = 0; s < 3; s++)
        counts[s] = 0;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT status, count(*) FROM run_account_rows WHERE run_id = ? GROUP BY status",
                                -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, run_id);
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int s = sqlite3_column_int(stmt, 0);
        if (s >= 0 && s < 3)
            counts[s] = sqlite3_column_int64(stmt, 1);
        rc = SQLITE_OK;
    }
    credo_status status = rc == SQLITE_DONE ? CREDO_OK : fail(store, rc, "count the result rows", err);
    sqlite3_finalize(stmt);
    return status;
}
