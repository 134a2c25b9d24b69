/* Front end of the packed run results: checks the arguments, encodes
 * assignment entries as fixed-width records (layout in credo/store.h) and
 * decodes them back. */
#include <stdlib.h>
#include <string.h>

#include "credo/engine.h"
#include "credo/parallel.h"
#include "credo/policy.h"
#include "store_backend.h"

static credo_status check_transaction(credo_store *store, credo_error *err)
{
    if (store->ops->in_transaction(store))
        return CREDO_OK;
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "storing packed results needs an open transaction; call credo_store_begin first");
}

/* Encodes entry `row` of assignment into out, rejecting a status or a
 * territory that the record cannot name. */
static credo_status encode_record(const credo_assignment *assignment, uint32_t row, size_t territory_count,
                                  uint8_t *out, credo_error *err)
{
    uint8_t status = assignment->status[row];
    uint32_t territory = assignment->territory[row];
    if (status > CREDO_ACCOUNT_GAP)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "account row %u has status %u, which is not a credo_account_status; pass an "
                               "assignment from the engine",
                               row, status);
    if (territory != CREDO_NO_ROW && territory >= territory_count)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "account row %u has territory %u but the policy has %zu territories; pass the "
                               "policy the assignment was made with",
                               row, territory, territory_count);
    out[0] = status;
    out[1] = (uint8_t)territory;
    out[2] = (uint8_t)(territory >> 8);
    out[3] = (uint8_t)(territory >> 16);
    out[4] = (uint8_t)(territory >> 24);
    return CREDO_OK;
}

/* Allocates count records, with one spare byte so that count 0 still gets
 * a buffer. */
static uint8_t *new_records(size_t count, credo_error *err)
{
    uint8_t *records = NULL;
    if (count < (SIZE_MAX - 1) / CREDO_PACKED_RECORD_SIZE)
        records = malloc(count * CREDO_PACKED_RECORD_SIZE + 1);
    if (records == NULL)
        credo_error_set(err, CREDO_ERR_NOMEM, "out of memory packing %zu result records", count);
    return records;
}

/* Joins the policy's territory ids, one per line, into a new string. */
static credo_status join_territory_ids(const credo_policy *policy, char **out, credo_error *err)
{
    size_t length = 0;
    for (size_t t = 0; t < policy->territory_count; t++) {
        const char *id = policy->territories[t].id;
        if (strchr(id, '\n') != NULL)
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "territory %zu has an id with a newline, which the packed territory list "
                                   "cannot hold; remove the newline from the id",
                                   t);
        length += strlen(id) + 1;
    }
    char *ids = malloc(length + 1);
    if (ids == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing %zu territory ids",
                               policy->territory_count);
    char *end = ids;
    for (size_t t = 0; t < policy->territory_count; t++) {
        size_t n = strlen(policy->territories[t].id);
        memcpy(end, policy->territories[t].id, n);
        end += n;
        *end++ = '\n';
    }
    /* No newline after the last id. */
    if (end > ids)
        end--;
    *end = '\0';
    *out = ids;
    return CREDO_OK;
}

static credo_status encode_all(const credo_assignment *assignment, size_t territory_count, uint8_t *records,
                               const credo_progress *progress, credo_error *err)
{
    for (size_t row = 0; row < assignment->count; row++) {
        credo_status status = encode_record(assignment, (uint32_t)row, territory_count,
                                            records + row * CREDO_PACKED_RECORD_SIZE, err);
        if (status != CREDO_OK)
            return status;
        /* The last report (done == total) comes after the write. */
        if ((row + 1) % CREDO_STORE_BULK_BATCH == 0 && row + 1 < assignment->count)
            credo_progress_report(progress, "store", row + 1, assignment->count);
    }
    return CREDO_OK;
}

credo_status credo_store_put_assignment_packed(credo_store *store, int64_t run_id,
                                               const credo_assignment *assignment, const credo_policy *policy,
                                               const credo_progress *progress, credo_error *err)
{
    credo_status status = check_transaction(store, err);
    if (status != CREDO_OK)
        return status;
    if (assignment->count > CREDO_NO_ROW)
        return credo_error_set(err, CREDO_ERR_LIMIT,
                               "the assignment has %zu entries, more than the %u rows a run can hold",
                               assignment->count, CREDO_NO_ROW);
    char *ids = NULL;
    uint8_t *records = new_records(assignment->count, err);
    if (records == NULL)
        return CREDO_ERR_NOMEM;
    status = join_territory_ids(policy, &ids, err);
    if (status == CREDO_OK)
        status = encode_all(assignment, policy->territory_count, records, progress, err);
    if (status == CREDO_OK) {
        const store_packed_row row = {(int64_t)assignment->count, ids, NULL, records};
        status = store->ops->put_assignment_packed(store, run_id, &row, err);
    }
    if (status == CREDO_OK)
        credo_progress_report(progress, "store", assignment->count, assignment->count);
    free(ids);
    free(records);
    return status;
}

static credo_status check_update(const credo_assignment *assignment, int64_t row_count, const uint32_t *rows,
                                 size_t count, int64_t run_id, credo_error *err)
{
    if (row_count < 0 || (uint64_t)row_count != assignment->count)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "the assignment has %zu entries but run %lld stored %lld packed records; update "
                               "with an assignment of the same accounts",
                               assignment->count, (long long)run_id, (long long)row_count);
    for (size_t i = 0; i < count; i++)
        if (rows[i] >= assignment->count)
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "account row %u is outside the assignment's %zu rows; pass rows below %zu",
                                   rows[i], assignment->count, assignment->count);
    return CREDO_OK;
}

/* Encodes the listed rows into records (in list order) and describes them
 * as spans of the stored BLOB, one span per run of consecutive rows. */
static credo_status encode_rows(const credo_assignment *assignment, size_t territory_count, const uint32_t *rows,
                                size_t count, uint8_t *records, store_packed_span *spans, size_t *span_count,
                                credo_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        uint8_t *record = records + i * CREDO_PACKED_RECORD_SIZE;
        credo_status status = encode_record(assignment, rows[i], territory_count, record, err);
        if (status != CREDO_OK)
            return status;
        if (n > 0 && rows[i] == rows[i - 1] + 1u)
            spans[n - 1].length += CREDO_PACKED_RECORD_SIZE;
        else
            spans[n++] = (store_packed_span){(size_t)rows[i] * CREDO_PACKED_RECORD_SIZE, record,
                                             CREDO_PACKED_RECORD_SIZE};
    }
    *span_count = n;
    return CREDO_OK;
}

credo_status credo_store_update_assignment_packed(credo_store *store, int64_t run_id,
                                                  const credo_assignment *assignment, const uint32_t *rows,
                                                  size_t count, credo_error *err)
{
    int64_t row_count = 0;
    size_t territory_count = 0;
    credo_status status = check_transaction(store, err);
    if (status == CREDO_OK)
        status = store->ops->packed_shape(store, run_id, &row_count, &territory_count, err);
    if (status == CREDO_OK)
        status = check_update(assignment, row_count, rows, count, run_id, err);
    if (status != CREDO_OK || count == 0)
        return status;
    uint8_t *records = new_records(count, err);
    if (records == NULL)
        return CREDO_ERR_NOMEM;
    store_packed_span *spans = malloc(count * sizeof *spans);
    size_t span_count = 0;
    if (spans == NULL)
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing %zu packed records", count);
    if (status == CREDO_OK)
        status = encode_rows(assignment, territory_count, rows, count, records, spans, &span_count, err);
    if (status == CREDO_OK)
        status = store->ops->write_assignment_packed(store, run_id, spans, span_count, err);
    free(spans);
    free(records);
    return status;
}

static uint32_t read_u32_le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static credo_status decode_records(const uint8_t *bytes, size_t count, int64_t run_id, uint8_t *status,
                                   uint32_t *territory, credo_error *err)
{
    for (size_t row = 0; row < count; row++) {
        const uint8_t *record = bytes + row * CREDO_PACKED_RECORD_SIZE;
        if (record[0] > CREDO_ACCOUNT_GAP)
            return credo_error_set(err, CREDO_ERR_STORE,
                                   "packed record %zu of run %lld has status %u, which is not a "
                                   "credo_account_status; store the run's results again",
                                   row, (long long)run_id, record[0]);
        status[row] = record[0];
        territory[row] = read_u32_le(record + 1);
    }
    return CREDO_OK;
}

static credo_status check_length(int64_t row_count, size_t length, int64_t run_id, credo_error *err)
{
    if (row_count >= 0 && (uint64_t)row_count <= CREDO_NO_ROW &&
        (uint64_t)row_count * CREDO_PACKED_RECORD_SIZE == length)
        return CREDO_OK;
    return credo_error_set(err, CREDO_ERR_STORE,
                           "the packed results of run %lld hold %zu bytes, not %lld records of %u bytes; store "
                           "the run's results again",
                           (long long)run_id, length, (long long)row_count, CREDO_PACKED_RECORD_SIZE);
}

credo_status credo_store_read_assignment_packed(credo_store *store, int64_t run_id, uint8_t **status,
                                                uint32_t **territory, size_t *row_count, credo_error *err)
{
    *status = NULL;
    *territory = NULL;
    *row_count = 0;
    int64_t stored_count = 0;
    uint8_t *bytes = NULL;
    size_t length = 0;
    credo_status result = store->ops->read_assignment_packed(store, run_id, &stored_count, &bytes, &length, err);
    if (result != CREDO_OK)
        return result;
    result = check_length(stored_count, length, run_id, err);
    size_t count = (size_t)stored_count;
    uint8_t *status_out = NULL;
    uint32_t *territory_out = NULL;
    if (result == CREDO_OK) {
        status_out = malloc(count + 1);
        territory_out = malloc((count + 1) * sizeof *territory_out);
        if (status_out == NULL || territory_out == NULL)
            result = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %zu packed records", count);
    }
    if (result == CREDO_OK)
        result = decode_records(bytes, count, run_id, status_out, territory_out, err);
    free(bytes);
    if (result != CREDO_OK) {
        credo_store_packed_free(status_out, territory_out);
        return result;
    }
    *status = status_out;
    *territory = territory_out;
    *row_count = count;
    return CREDO_OK;
}

void credo_store_packed_free(uint8_t *status, uint32_t *territory)
{
    free(status);
    free(territory);
}
