/* Writing a run's results to the store, in one transaction. */
#include "credo/run.h"

#include <stdio.h>
#include <string.h>

#include "credo/audit.h"
#include "credo/parallel.h"
#include "credo/parse.h"

/* Result rows written so far, for the "store" progress stage. */
typedef struct save_progress {
    const credo_progress *progress; /* may be NULL */
    uint64_t done, total;
} save_progress;

/* Rows written between two "store" progress reports. */
#define SAVE_PROGRESS_ROWS 65536

static void count_row(save_progress *saved)
{
    saved->done++;
    if (saved->done % SAVE_PROGRESS_ROWS == 0)
        credo_progress_report(saved->progress, "store", saved->done, saved->total);
}

static const char *territory_id(const credo_policy *policy, uint32_t territory)
{
    return territory == CREDO_NO_ROW ? NULL : policy->territories[territory].id;
}

static credo_status save_assignments(credo_store *store, const credo_run *run, int64_t run_id,
                                     save_progress *saved, credo_error *err)
{
    const credo_snapshot *snapshot = run->snapshot;
    credo_buf reason = CREDO_BUF_INIT;
    credo_status status = CREDO_OK;

    for (uint32_t account = 0; account < snapshot->accounts.count && status == CREDO_OK; account++) {
        const char *owner = NULL;
        credo_owner_kind kind = credo_account_owner(snapshot, run->policy, run->assignment, account,
                                                    run->as_of, &owner);
        credo_buf_reset(&reason);
        credo_run_account_reason(run, account, &reason);
        if (kind != CREDO_OWNER_NONE)
            credo_buf_printf(&reason, "; owner on the as-of date: %s", credo_owner_kind_name(kind));

        const credo_assignment_out row = {
            credo_snapshot_text(snapshot, snapshot->accounts.id[account]),
            territory_id(run->policy, run->assignment->territory[account]),
            credo_account_status_name(run->assignment->status[account]),
            owner,
            credo_buf_text(&reason),
        };
        status = credo_store_add_assignment(store, run_id, &row, err);
        count_row(saved);
    }
    credo_buf_free(&reason);
    return status;
}

static credo_status save_deals(credo_store *store, const credo_run *run, int64_t run_id,
                               save_progress *saved, credo_error *err)
{
    const credo_snapshot *snapshot = run->snapshot;
    credo_buf reason = CREDO_BUF_INIT;
    credo_status status = CREDO_OK;

    for (uint32_t deal = 0; deal < snapshot->deals.count && status == CREDO_OK; deal++) {
        credo_buf_reset(&reason);
        credo_run_deal_reason(run, deal, &reason);
        const credo_deal_out row = {
            credo_snapshot_text(snapshot, snapshot->deals.id[deal]),
            credo_snapshot_text(snapshot, snapshot->deals.account_id[deal]),
            territory_id(run->policy, run->ownership->territory[deal]),
            run->ownership->owner[deal],
            credo_deal_territory_status_name(run->ownership->status[deal]),
            credo_buf_text(&reason),
        };
        status = credo_store_add_deal_result(store, run_id, &row, err);
        count_row(saved);
    }
    credo_buf_free(&reason);
    return status;
}

static credo_status save_credit(credo_store *store, const credo_run *run, int64_t run_id,
                                save_progress *saved, credo_error *err)
{
    const credo_snapshot *snapshot = run->snapshot;
    credo_buf explanation = CREDO_BUF_INIT;
    credo_status status = CREDO_OK;

    for (size_t i = 0; i < run->credit->count && status == CREDO_OK; i++) {
        const credo_credit_line *line = &run->credit->lines[i];
        char share[32];
        credo_buf_reset(&explanation);
        credo_buf_printf(&explanation, "%s%% of %lld minor units by rule %s", credo_format_decimal(line->share, 2, share),
                         (long long)snapshot->deals.amount[line->deal], line->rule);
        /* run_diff.c finds held lines by the "; held " text. */
        if (line->role != NULL)
            credo_buf_printf(&explanation, "; role %s", line->role);
        if (line->hold != NULL)
            credo_buf_printf(&explanation, "; held %s", line->hold);
        const credo_credit_out row = {
            credo_snapshot_text(snapshot, snapshot->deals.id[line->deal]),
            line->rep_id, line->kind, line->rule, credo_buf_text(&explanation), line->amount,
        };
        status = credo_store_add_credit(store, run_id, &row, err);
        count_row(saved);
    }
    credo_buf_free(&explanation);
    return status;
}

/* Appends the "run" audit entry: subject the run id, payload the summary
 * and the SHA-256 of the policy text. */
static credo_status audit_run(credo_store *store, const credo_run *run, int64_t run_id,
                              const char *summary_json, credo_error *err)
{
    const char *policy_text = run->policy->text != NULL ? run->policy->text : "";
    char policy_hash[CREDO_AUDIT_HASH_SIZE];
    credo_status status = credo_sha256_hex(policy_text, strlen(policy_text), policy_hash, err);
    if (status != CREDO_OK)
        return status;

    char subject[32];
    snprintf(subject, sizeof subject, "%lld", (long long)run_id);
    credo_buf payload = CREDO_BUF_INIT;
    credo_buf_printf(&payload, "{\"summary\":%s,\"policy_sha256\":\"%s\"}", summary_json,
                     policy_hash);
    if (credo_buf_failed(&payload))
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory auditing run %lld",
                                 (long long)run_id);
    else
        status = credo_audit_append(store, NULL, "run", subject, NULL, credo_buf_text(&payload),
                                    err);
    credo_buf_free(&payload);
    return status;
}

credo_status credo_run_save(credo_store *store, const credo_run *run, int64_t *run_id, credo_error *err)
{
    return credo_run_save_progress(store, run, NULL, run_id, err);
}

credo_status credo_run_save_progress(credo_store *store, const credo_run *run,
                                     const credo_progress *progress, int64_t *run_id,
                                     credo_error *err)
{
    save_progress saved = {progress, 0,
                           (uint64_t)run->snapshot->accounts.count + run->snapshot->deals.count +
                               run->credit->count};
    char as_of[16];
    credo_buf summary = CREDO_BUF_INIT;
    credo_run_summary_json(run, &summary);
    const credo_run_record record = {
        credo_format_date(run->as_of, as_of), run->policy->path, run->policy->text,
        credo_buf_text(&summary),
    };

    credo_status status = credo_store_begin(store, err);
    if (status == CREDO_OK)
        status = credo_store_add_run(store, &record, run_id, err);
    if (status == CREDO_OK)
        status = save_assignments(store, run, *run_id, &saved, err);
    if (status == CREDO_OK)
        status = save_deals(store, run, *run_id, &saved, err);
    if (status == CREDO_OK)
        status = save_credit(store, run, *run_id, &saved, err);
    if (status == CREDO_OK)
        status = audit_run(store, run, *run_id, credo_buf_text(&summary), err);
    if (status == CREDO_OK)
        status = credo_run_audit_changes(store, run, *run_id, err);
    if (status == CREDO_OK) {
        /* "commit" brackets the point after which the run is stored, which
         * includes SQLite's checkpoint of the write-ahead log. */
        credo_progress_report(progress, "store", saved.total, saved.total);
        credo_progress_report(progress, "commit", 0, 1);
        status = credo_store_commit(store, err);
    }
    if (status == CREDO_OK)
        credo_progress_report(progress, "commit", 1, 1);
    if (status != CREDO_OK)
        credo_store_rollback(store);
    credo_buf_free(&summary);
    return status;
}
