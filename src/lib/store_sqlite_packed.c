/* Packed run results in SQLite: table run_assignment_packed (migration 4),
 * one row per run whose BLOB is written whole on insert and patched in
 * place through SQLite's incremental BLOB I/O, inside the caller's
 * transaction. */
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store_backend.h"

static const char INSERT_SQL[] =
    "INSERT INTO run_assignment_packed (run_id, row_count, territory_ids, account_ids_sha256, packed)"
    " VALUES (?, ?, ?, ?, ?)";

static credo_status fail(credo_store *store, int rc, const char *operation, int64_t run_id, credo_error *err)
{
    int primary = rc & 0xff;
    credo_status status = primary == SQLITE_CONSTRAINT ? CREDO_ERR_CONFLICT
                          : primary == SQLITE_NOMEM    ? CREDO_ERR_NOMEM
                          : primary == SQLITE_TOOBIG   ? CREDO_ERR_LIMIT
                                                       : CREDO_ERR_STORE;
    return credo_error_set(err, status, "cannot %s of run %lld in %s: %s", operation, (long long)run_id, store->name,
                           sqlite3_errmsg(store_sqlite_db(store)));
}

static credo_status not_found(credo_store *store, int64_t run_id, credo_error *err)
{
    return credo_error_set(err, CREDO_ERR_NOT_FOUND,
                           "run %lld has no packed results in %s; store them with "
                           "credo_store_put_assignment_packed first",
                           (long long)run_id, store->name);
}

static int bind_packed(sqlite3_stmt *stmt, int64_t run_id, const store_packed_row *row, sqlite3_uint64 length)
{
    int rc = sqlite3_bind_int64(stmt, 1, run_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, row->row_count);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 3, row->territory_ids, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = row->account_ids_sha256 == NULL ? sqlite3_bind_null(stmt, 4)
                                             : sqlite3_bind_text(stmt, 4, row->account_ids_sha256, -1, SQLITE_STATIC);
    /* A zero-length blob bound from a pointer would be NULL, which the
     * column rejects, so an empty run binds a zeroblob. */
    if (rc == SQLITE_OK)
        rc = length == 0 ? sqlite3_bind_zeroblob(stmt, 5, 0)
                         : sqlite3_bind_blob64(stmt, 5, row->records, length, SQLITE_STATIC);
    return rc;
}

credo_status store_sqlite_put_assignment_packed(credo_store *store, int64_t run_id, const store_packed_row *row,
                                                credo_error *err)
{
    sqlite3 *db = store_sqlite_db(store);
    sqlite3_uint64 length = (sqlite3_uint64)row->row_count * CREDO_PACKED_RECORD_SIZE;
    int max_length = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);
    if (length > (sqlite3_uint64)max_length)
        return credo_error_set(err, CREDO_ERR_LIMIT,
                               "the packed results of run %lld need %llu bytes, above the %d bytes SQLite "
                               "allows in %s; store fewer rows per run",
                               (long long)run_id, (unsigned long long)length, max_length, store->name);
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, INSERT_SQL, -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = bind_packed(stmt, run_id, row, length);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    credo_status status = rc == SQLITE_DONE ? CREDO_OK : fail(store, rc, "store the packed results", run_id, err);
    sqlite3_finalize(stmt);
    return status;
}

/* Number of ids in newline-separated text: none when it is empty. */
static size_t count_lines(const unsigned char *text, size_t length)
{
    if (length == 0)
        return 0;
    size_t lines = 1;
    for (const unsigned char *p = text; (p = memchr(p, '\n', length - (size_t)(p - text))) != NULL; p++)
        lines++;
    return lines;
}

credo_status store_sqlite_packed_shape(credo_store *store, int64_t run_id, int64_t *row_count,
                                       size_t *territory_count, credo_error *err)
{
    sqlite3 *db = store_sqlite_db(store);
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT row_count, territory_ids FROM run_assignment_packed WHERE run_id = ?", -1,
                                &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, run_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    credo_status status = CREDO_OK;
    if (rc == SQLITE_ROW) {
        *row_count = sqlite3_column_int64(stmt, 0);
        const unsigned char *ids = sqlite3_column_text(stmt, 1);
        *territory_count = ids == NULL ? 0 : count_lines(ids, (size_t)sqlite3_column_bytes(stmt, 1));
    } else if (rc == SQLITE_DONE) {
        status = not_found(store, run_id, err);
    } else {
        status = fail(store, rc, "read the packed row count", run_id, err);
    }
    sqlite3_finalize(stmt);
    return status;
}

/* Spans at most this many bytes apart are written with one read and one
 * write of the bytes from the first to the last, because a
 * sqlite3_blob_write call costs more than copying a few KB. */
#define MERGE_GAP_MAX 2048

/* Maximum bytes read and written back at once. */
#define WINDOW_MAX 65536

/* Returns the number of spans from `first` on that fit one window
 * starting at spans[first].offset, and sets *end to the window's end. */
static size_t window_spans(const store_packed_span *spans, size_t count, size_t first, size_t *end)
{
    size_t start = spans[first].offset;
    *end = start + spans[first].length;
    size_t next = first + 1;
    for (; next < count; next++) {
        size_t offset = spans[next].offset, span_end = offset + spans[next].length;
        size_t new_end = span_end > *end ? span_end : *end;
        if (offset < start || offset > *end + MERGE_GAP_MAX || new_end - start > WINDOW_MAX)
            break;
        *end = new_end;
    }
    return next - first;
}

/* Reads the window, patches its spans in list order and writes it back,
 * so that a later span of the same bytes wins as with separate writes. */
static int patch_window(sqlite3_blob *blob, const store_packed_span *spans, size_t count, size_t end,
                        uint8_t *buffer)
{
    size_t start = spans[0].offset;
    int rc = sqlite3_blob_read(blob, buffer, (int)(end - start), (int)start);
    for (size_t i = 0; i < count && rc == SQLITE_OK; i++)
        memcpy(buffer + (spans[i].offset - start), spans[i].bytes, spans[i].length);
    if (rc == SQLITE_OK)
        rc = sqlite3_blob_write(blob, buffer, (int)(end - start), (int)start);
    return rc;
}

static int write_spans(sqlite3_blob *blob, const store_packed_span *spans, size_t count, uint8_t *buffer)
{
    int rc = SQLITE_OK;
    for (size_t i = 0; i < count && rc == SQLITE_OK;) {
        /* The BLOB is at most SQLITE_LIMIT_LENGTH (< INT_MAX) bytes, so a
         * span past INT_MAX cannot lie within it. */
        if (spans[i].offset > INT_MAX || spans[i].length > (size_t)INT_MAX - spans[i].offset)
            return SQLITE_ERROR;
        size_t end = 0;
        size_t n = window_spans(spans, count, i, &end);
        if (n == 1)
            rc = sqlite3_blob_write(blob, spans[i].bytes, (int)spans[i].length, (int)spans[i].offset);
        else
            rc = patch_window(blob, spans + i, n, end, buffer);
        i += n;
    }
    return rc;
}

credo_status store_sqlite_write_assignment_packed(credo_store *store, int64_t run_id, const store_packed_span *spans,
                                                  size_t count, credo_error *err)
{
    sqlite3 *db = store_sqlite_db(store);
    sqlite3_blob *blob = NULL;
    int rc = sqlite3_blob_open(db, "main", "run_assignment_packed", "packed", run_id, 1, &blob);
    if (rc != SQLITE_OK) {
        credo_status status = fail(store, rc, "open the packed results", run_id, err);
        sqlite3_blob_close(blob);
        return status;
    }
    uint8_t *buffer = malloc(WINDOW_MAX);
    if (buffer == NULL) {
        sqlite3_blob_close(blob);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory overwriting packed records of run %lld",
                               (long long)run_id);
    }
    rc = write_spans(blob, spans, count, buffer);
    credo_status status = rc == SQLITE_OK ? CREDO_OK : fail(store, rc, "overwrite packed records", run_id, err);
    free(buffer);
    sqlite3_blob_close(blob);
    return status;
}

static credo_status copy_packed(sqlite3_stmt *stmt, int64_t run_id, int64_t *row_count,
                                uint8_t **bytes, size_t *length, credo_error *err)
{
    const void *blob = sqlite3_column_blob(stmt, 1);
    size_t size = (size_t)sqlite3_column_bytes(stmt, 1);
    /* One spare byte so that an empty BLOB still gets a non-NULL buffer. */
    uint8_t *copy = malloc(size + 1);
    if (copy == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %zu bytes of packed results of run %lld",
                               size, (long long)run_id);
    if (size > 0)
        memcpy(copy, blob, size);
    *row_count = sqlite3_column_int64(stmt, 0);
    *bytes = copy;
    *length = size;
    return CREDO_OK;
}

credo_status store_sqlite_read_assignment_packed(credo_store *store, int64_t run_id, int64_t *row_count,
                                                 uint8_t **bytes, size_t *length, credo_error *err)
{
    sqlite3 *db = store_sqlite_db(store);
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT row_count, packed FROM run_assignment_packed WHERE run_id = ?", -1,
                                &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, run_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    credo_status status = CREDO_OK;
    if (rc == SQLITE_ROW)
        status = copy_packed(stmt, run_id, row_count, bytes, length, err);
    else if (rc == SQLITE_DONE)
        status = not_found(store, run_id, err);
    else
        status = fail(store, rc, "read the packed results", run_id, err);
    sqlite3_finalize(stmt);
    return status;
}
