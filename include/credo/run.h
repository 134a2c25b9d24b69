/* A run: assignment, ownership and credit computed together over one
 * snapshot and policy, with the counts reported by `credo run`, and the
 * writing of its results to the store. */
#ifndef CREDO_RUN_H
#define CREDO_RUN_H

#include "credo/buf.h"
#include "credo/engine.h"
#include "credo/store.h"

typedef struct credo_run_summary {
    size_t accounts, assigned, overlaps, gaps;
    size_t deals, won_deals, in_territory, out_of_territory, unowned, uncredited;
    credo_money won_amount;      /* sum over won deals, minor units */
    credo_money credited_amount; /* sum of revenue credit lines */
} credo_run_summary;

typedef struct credo_run {
    const credo_snapshot *snapshot; /* borrowed */
    const credo_policy *policy;     /* borrowed */
    credo_date as_of;
    credo_assignment *assignment;
    credo_ownership *ownership;
    credo_credit *credit;
    credo_run_summary summary;
} credo_run;

/* Runs every engine. snapshot and policy must outlive the run. */
credo_status credo_run_compute(const credo_snapshot *snapshot, const credo_policy *policy,
                               credo_date as_of, credo_run **out, credo_error *err);
void credo_run_free(credo_run *run);

/* Writes the run and all its result rows to the store in one transaction
 * and returns the new run id. On failure nothing is written. */
credo_status credo_run_save(credo_store *store, const credo_run *run, int64_t *run_id,
                            credo_error *err);

/* Appends the summary as one JSON object with the keys as_of, accounts,
 * assigned, overlaps, gaps, deals, won_deals, won_amount_minor,
 * credited_amount_minor, in_territory, out_of_territory, unowned and
 * uncredited. */
void credo_run_summary_json(const credo_run *run, credo_buf *out);

/* Appends the reason stored with an account's assignment or a deal's
 * ownership, one line of plain text. */
void credo_run_account_reason(const credo_run *run, uint32_t account, credo_buf *out);
void credo_run_deal_reason(const credo_run *run, uint32_t deal, credo_buf *out);

#endif
