/* Front end of the compact run results: checks the arguments, turns
 * assignment entries into rows in batches, reports progress. */
#include <stdlib.h>

#include "credo/engine.h"
#include "credo/parallel.h"
#include "credo/policy.h"
#include "store_backend.h"

static credo_status check_rows(const credo_snapshot *snapshot, const credo_assignment *assignment,
                               const uint32_t *rows, size_t count, credo_error *err)
{
    if (assignment->count != snapshot->accounts.count)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "the assignment has %zu entries but the snapshot %zu accounts; store the "
                               "assignment of this snapshot",
                               assignment->count, snapshot->accounts.count);
    for (size_t i = 0; rows != NULL && i < count; i++)
        if (rows[i] >= assignment->count)
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "account row %u is outside the assignment's %zu rows; pass rows below %zu",
                                   rows[i], assignment->count, assignment->count);
    return CREDO_OK;
}

static void fill_batch(const credo_snapshot *snapshot, const credo_policy *policy,
                       const credo_assignment *assignment, const uint32_t *rows, size_t first, size_t count,
                       store_assignment_row *batch)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t row = rows == NULL ? (uint32_t)(first + i) : rows[first + i];
        uint32_t territory = assignment->territory[row];
        batch[i] = (store_assignment_row){
            row, assignment->status[row], credo_snapshot_text(snapshot, snapshot->accounts.id[row]),
            territory == CREDO_NO_ROW ? NULL : policy->territories[territory].id};
    }
}

credo_status credo_store_put_assignment_rows(credo_store *store, int64_t run_id,
                                             const credo_snapshot *snapshot, const credo_policy *policy,
                                             const credo_assignment *assignment, const uint32_t *rows,
                                             size_t count, const credo_progress *progress, credo_error *err)
{
    if (!store->ops->in_transaction(store))
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "storing result rows needs an open transaction; call credo_store_begin first");
    if (rows == NULL)
        count = assignment->count;
    credo_status status = check_rows(snapshot, assignment, rows, count, err);
    if (status != CREDO_OK)
        return status;
    store_assignment_row *batch = malloc(CREDO_STORE_BULK_BATCH * sizeof *batch);
    if (batch == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory storing %zu result rows", count);
    for (size_t first = 0; first < count && status == CREDO_OK; first += CREDO_STORE_BULK_BATCH) {
        size_t n = count - first < CREDO_STORE_BULK_BATCH ? count - first : CREDO_STORE_BULK_BATCH;
        fill_batch(snapshot, policy, assignment, rows, first, n, batch);
        status = store->ops->put_assignment_rows(store, run_id, batch, n, rows != NULL, err);
        if (status == CREDO_OK)
            credo_progress_report(progress, "store", first + n, count);
    }
    free(batch);
    return status;
}

credo_status credo_store_count_assignment_rows(credo_store *store, int64_t run_id, int64_t counts[3],
                                               credo_error *err)
{
    return store->ops->count_assignment_rows(store, run_id, counts, err);
}
