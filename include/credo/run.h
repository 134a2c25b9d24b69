/* A run: assignment, ownership, the rules of engagement and credit
 * computed together over one snapshot and policy, with the counts reported
 * by `credo run`, the writing of its results to the store, and the
 * comparison of two stored runs. */
#ifndef CREDO_RUN_H
#define CREDO_RUN_H

#include "credo/buf.h"
#include "credo/engagement.h"
#include "credo/engine.h"
#include "credo/store.h"

typedef struct credo_run_summary {
    size_t accounts, assigned, overlaps, gaps;
    size_t deals, won_deals, in_territory, out_of_territory, unowned, uncredited;
    size_t account_gap, account_overlap, no_account; /* deals by their account's problem */
    size_t currencies;           /* distinct currencies of won deals */
    credo_money won_amount;      /* sum over won deals, minor units */
    credo_money credited_amount; /* sum of revenue credit lines */
    /* With an engagement or credit section only: */
    size_t conflicts;            /* claims waiting in the conflict queue */
    size_t protected_deals;      /* deals owned by a protected registrant */
    size_t held_lines;           /* credit lines on hold */
    credo_money overlay_amount;  /* sum of overlay credit lines */
    credo_money rollup_amount;   /* sum of roll-up credit lines */
} credo_run_summary;

typedef struct credo_run {
    const credo_snapshot *snapshot; /* borrowed */
    const credo_policy *policy;     /* borrowed */
    credo_date as_of;
    credo_assignment *assignment;
    credo_ownership *ownership;
    credo_engagement *engagement;   /* NULL without an engagement or credit section */
    credo_credit *credit;
    credo_run_summary summary;
    credo_conflict_decision *owned_decisions; /* loaded by credo_run_compute_stored */
    size_t owned_decision_count;
} credo_run;

/* Runs every engine with no conflict decided. snapshot and policy must
 * outlive the run. */
credo_status credo_run_compute(const credo_snapshot *snapshot, const credo_policy *policy,
                               credo_date as_of, credo_run **out, credo_error *err);

/* Runs every engine with the given conflict decisions (sorted by key; the
 * array must outlive the run). */
credo_status credo_run_compute_with(const credo_snapshot *snapshot, const credo_policy *policy,
                                    credo_date as_of, const credo_conflict_decision *decisions,
                                    size_t decision_count, credo_run **out, credo_error *err);

/* Loads the conflict decisions stored in `store` and runs every engine
 * with them; the run keeps the decisions. This is what `credo run` and
 * the commands that replay a run call, so that a decision applies to
 * every later run. */
credo_status credo_run_compute_stored(credo_store *store, const credo_snapshot *snapshot,
                                      const credo_policy *policy, credo_date as_of, credo_run **out,
                                      credo_error *err);

/* credo_run_compute_stored with progress (may be NULL): stage "assign" in
 * accounts, then, when there are deals, stage "credit" in deals, reported
 * at its start (done 0) and its end. */
credo_status credo_run_compute_stored_progress(credo_store *store, const credo_snapshot *snapshot,
                                               const credo_policy *policy, credo_date as_of,
                                               const struct credo_progress *progress, credo_run **out,
                                               credo_error *err);
void credo_run_free(credo_run *run);

/* Writes the run and all its result rows to the store in one transaction
 * and returns the new run id. On failure nothing is written. The same
 * transaction appends to the audit log (credo_run_audit_changes):
 * - "policy_change" when the policy text differs from the previous run's;
 * - "claim" for each registration that won protection, entered the
 *   conflict queue or was decided, when its outcome differs from the last
 *   one logged;
 * - "credit_change" for each rep whose credit lines differ from the
 *   previous run's. */
credo_status credo_run_save(credo_store *store, const credo_run *run, int64_t *run_id,
                            credo_error *err);

/* credo_run_save with progress (may be NULL). Stage "store" counts result
 * rows (accounts, deals and credit lines). Stage "commit" is reported as 0
 * of 1 just before the transaction commits and as 1 of 1 once it has, so
 * from its start the run may be stored. */
credo_status credo_run_save_progress(credo_store *store, const credo_run *run,
                                     const struct credo_progress *progress, int64_t *run_id,
                                     credo_error *err);

/* Appends the summary as one JSON object with the keys as_of, accounts,
 * assigned, overlaps, gaps, deals, won_deals, won_amount_minor,
 * credited_amount_minor, in_territory, out_of_territory, unowned,
 * uncredited, account_gap, account_overlap, no_account and currencies
 * (the number of distinct currencies of won deals: above 1, the amounts
 * add minor units of different currencies), and with an engagement or
 * credit section also conflicts, protected_deals, held_lines,
 * overlay_amount_minor and rollup_amount_minor. */
void credo_run_summary_json(const credo_run *run, credo_buf *out);

/* Appends the reason stored with an account's assignment or a deal's
 * ownership, one line of plain text. */
void credo_run_account_reason(const credo_run *run, uint32_t account, credo_buf *out);
void credo_run_deal_reason(const credo_run *run, uint32_t deal, credo_buf *out);

/* ---- Replaying the newest run ------------------------------------------------ */

/* The newest stored run computed again: its record, its policy, the
 * current snapshot and the engines run with the stored conflict
 * decisions. Free with credo_replay_free. */
typedef struct credo_replay {
    credo_run_info info;
    credo_policy *policy;
    credo_snapshot *snapshot;
    credo_run *run;
} credo_replay;

credo_status credo_replay_latest(credo_store *store, credo_replay *out, credo_error *err);
void credo_replay_free(credo_replay *replay);

/* ---- Differences between two runs --------------------------------------------- */

/* One changed credit total: the sum of a rep's lines of one kind on one
 * deal in each run (0 when the run has none). Strings are owned. */
typedef struct credo_credit_change {
    char *rep_id, *deal_id, *kind;
    credo_money before, after;
    char *rule_before, *rule_after;   /* the rules of the lines, joined by '+'; NULL when none */
    char *owner_before, *owner_after; /* the deal's owner in each run; NULL when none */
    bool before_present, after_present; /* the run has lines of this key */
    bool held_before, held_after;
    char *why;                        /* the reasons, joined by "; " */
} credo_credit_change;

/* The credit changes from run `from` to run `to`, sorted by rep id, deal
 * id and kind. */
typedef struct credo_run_diff {
    int64_t from, to;
    credo_credit_change *changes;
    size_t count;
} credo_run_diff;

/* Finds the newest run before run_id; CREDO_ERR_NOT_FOUND when there is
 * none. */
credo_status credo_run_previous(credo_store *store, int64_t run_id, int64_t *previous, credo_error *err);

/* Compares the stored credit lines and deal owners of two runs. A total
 * that changed gets the reasons, in this order, that apply: "deal added",
 * "deal removed", "owner changed from A to B", "rule changed from A to
 * B", "deal amount changed from A to B" (the deal's revenue total),
 * "now held" or "hold released"; with none of those, "KIND credit by rule
 * R no longer applies" or "... now applies" when the rep's lines of that
 * kind left or joined the deal, else "amount changed" (the split moved
 * within the deal). Unknown run ids are CREDO_ERR_NOT_FOUND. */
credo_status credo_run_diff_compute(credo_store *store, int64_t from, int64_t to, credo_run_diff **out,
                                    credo_error *err);
void credo_run_diff_free(credo_run_diff *diff);

/* Appends the diff as one JSON object: from, to, changes (objects with
 * rep, deal, kind, before_minor, after_minor, rule_before, rule_after,
 * owner_before, owner_after, held_before, held_after and why) and reps
 * (objects with rep; delta_minor, overlay_delta_minor and
 * rollup_delta_minor, the change of the rep's revenue, overlay and roll-up
 * credit; and changes, the number of changed totals). */
void credo_run_diff_json(const credo_run_diff *diff, credo_buf *out);

/* Appends the diff as text, grouped by rep. */
void credo_run_diff_text(const credo_run_diff *diff, credo_buf *out);

/* Appends the audit entries of a saved run inside the open transaction:
 * "policy_change", "claim" and "credit_change" (see credo_run_save). */
credo_status credo_run_audit_changes(credo_store *store, const credo_run *run, int64_t run_id,
                                     credo_error *err);

#endif
