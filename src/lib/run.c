/* A run of all engines, its summary and its stored results. */
#include "credo/run.h"

#include <stdlib.h>
#include <string.h>

#include "credo/parallel.h"
#include "credo/parse.h"

void credo_run_free(credo_run *run)
{
    if (run == NULL)
        return;
    credo_assignment_free(run->assignment);
    credo_ownership_free(run->ownership);
    credo_engagement_free(run->engagement);
    credo_credit_free(run->credit);
    credo_conflict_decisions_free(run->owned_decisions, run->owned_decision_count);
    free(run);
}

/* Whether the policy has a section that the engines of engagement.h read. */
static bool uses_rules(const credo_policy *policy)
{
    return policy->engagement != NULL || policy->credit != NULL;
}

/* Counts of the rules of engagement and credit rules. */
static void summarise_rules(credo_run *run)
{
    credo_run_summary *summary = &run->summary;
    summary->conflicts = run->engagement->conflicts;
    for (size_t i = 0; i < run->engagement->deal_count; i++)
        summary->protected_deals += run->engagement->rule[i] == CREDO_ENGAGE_PROTECTED;
    for (size_t i = 0; i < run->credit->count; i++) {
        const credo_credit_line *line = &run->credit->lines[i];
        summary->held_lines += line->hold != NULL;
        if (strcmp(line->kind, "overlay") == 0)
            summary->overlay_amount += line->amount;
        else if (strcmp(line->kind, "rollup") == 0)
            summary->rollup_amount += line->amount;
    }
}

/* Adds amount to *total; false when the sum leaves the int64_t range. */
static bool add_amount(credo_money *total, credo_money amount)
{
    return !__builtin_add_overflow(*total, amount, total);
}

/* Counts the distinct currencies of won deals. Only the first eight are
 * remembered, so past eight the count may be too high; it only tells
 * whether totals mix currencies. */
static size_t count_currencies(const credo_snapshot *snapshot)
{
    size_t count = 0;
    credo_str seen[8];
    for (size_t i = 0; i < snapshot->deals.count; i++) {
        if (snapshot->deals.status[i] != CREDO_DEAL_WON)
            continue;
        credo_str currency = snapshot->deals.currency[i];
        bool known = false;
        for (size_t k = 0; k < count && k < 8; k++)
            known = known || seen[k] == currency;
        if (known)
            continue;
        if (count < 8)
            seen[count] = currency;
        count++;
    }
    return count;
}

static void count_deal(credo_run_summary *summary, credo_deal_territory_status status)
{
    summary->in_territory += status == CREDO_DEAL_IN_TERRITORY;
    summary->out_of_territory += status == CREDO_DEAL_OUT_OF_TERRITORY;
    summary->unowned += status == CREDO_DEAL_UNOWNED;
    summary->account_gap += status == CREDO_DEAL_ACCOUNT_GAP;
    summary->account_overlap += status == CREDO_DEAL_ACCOUNT_OVERLAP;
    summary->no_account += status == CREDO_DEAL_NO_ACCOUNT;
}

static credo_status summarise(credo_run *run, credo_error *err)
{
    const credo_snapshot *snapshot = run->snapshot;
    credo_run_summary *summary = &run->summary;
    summary->accounts = snapshot->accounts.count;
    for (size_t i = 0; i < run->assignment->count; i++) {
        switch ((credo_account_status)run->assignment->status[i]) {
        case CREDO_ACCOUNT_ASSIGNED: summary->assigned++; break;
        case CREDO_ACCOUNT_OVERLAP: summary->overlaps++; break;
        case CREDO_ACCOUNT_GAP: summary->gaps++; break;
        }
    }

    summary->deals = snapshot->deals.count;
    bool in_range = true;
    for (size_t i = 0; i < snapshot->deals.count; i++) {
        count_deal(summary, run->ownership->status[i]);
        if (snapshot->deals.status[i] != CREDO_DEAL_WON)
            continue;
        summary->won_deals++;
        in_range = in_range && add_amount(&summary->won_amount, snapshot->deals.amount[i]);
        summary->uncredited += run->credit->problem[i] != NULL;
    }
    summary->currencies = count_currencies(snapshot);

    /* Only revenue lines count: overlay and roll-up credit come on top of
     * the deal amount. */
    for (size_t i = 0; i < run->credit->count; i++)
        if (strcmp(run->credit->lines[i].kind, "revenue") == 0)
            in_range = in_range && add_amount(&summary->credited_amount, run->credit->lines[i].amount);
    if (!in_range)
        return credo_error_set(err, CREDO_ERR_LIMIT,
                               "the won amounts add up to more than %lld minor units, the largest total "
                               "credo can hold; check the deal amounts for a wrong scale",
                               (long long)INT64_MAX);
    if (run->engagement != NULL)
        summarise_rules(run);
    return CREDO_OK;
}

/* Computes ownership's successors: the rules of engagement and credit by
 * rules when the policy has their sections, else the plain credit. */
static credo_status engage_and_credit(credo_run *run, const credo_conflict_decision *decisions,
                                      size_t decision_count, credo_error *err)
{
    const credo_snapshot *snapshot = run->snapshot;
    const credo_policy *policy = run->policy;
    if (!uses_rules(policy))
        return credo_credit_deals(snapshot, run->ownership, &run->credit, err);
    credo_status status = credo_engage(snapshot, policy, run->assignment, run->ownership, run->as_of, decisions,
                                       decision_count, &run->engagement, err);
    if (status == CREDO_OK)
        status = credo_credit_by_rules(snapshot, policy, run->assignment, run->ownership, run->engagement,
                                       &run->credit, err);
    return status;
}

/* Runs the engines into a run whose inputs are set, reporting the stages
 * "assign" (accounts) and, when there are deals, "credit" (deals) to
 * progress (may be NULL).
 * Frees the run on failure. */
static credo_status compute(credo_run *run, const credo_conflict_decision *decisions, size_t decision_count,
                            const credo_progress *progress, credo_run **out, credo_error *err)
{
    uint64_t deals = run->snapshot->deals.count;
    credo_status status =
        credo_assign_accounts_fast(run->snapshot, run->policy, 0, progress, &run->assignment, err);
    if (status == CREDO_OK) {
        if (deals > 0)
            credo_progress_report(progress, "credit", 0, deals);
        status = credo_own_deals(run->snapshot, run->policy, run->assignment, &run->ownership, err);
    }
    if (status == CREDO_OK)
        status = engage_and_credit(run, decisions, decision_count, err);
    if (status == CREDO_OK)
        status = summarise(run, err);
    if (status == CREDO_OK && deals > 0)
        credo_progress_report(progress, "credit", deals, deals);
    if (status != CREDO_OK) {
        credo_run_free(run);
        return status;
    }
    *out = run;
    return CREDO_OK;
}

static credo_run *run_new(const credo_snapshot *snapshot, const credo_policy *policy, credo_date as_of)
{
    credo_run *run = calloc(1, sizeof *run);
    if (run == NULL)
        return NULL;
    run->snapshot = snapshot;
    run->policy = policy;
    run->as_of = as_of;
    return run;
}

credo_status credo_run_compute_with(const credo_snapshot *snapshot, const credo_policy *policy,
                                    credo_date as_of, const credo_conflict_decision *decisions,
                                    size_t decision_count, credo_run **out, credo_error *err)
{
    credo_run *run = run_new(snapshot, policy, as_of);
    if (run == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory starting a run");
    return compute(run, decisions, decision_count, NULL, out, err);
}

credo_status credo_run_compute(const credo_snapshot *snapshot, const credo_policy *policy,
                               credo_date as_of, credo_run **out, credo_error *err)
{
    return credo_run_compute_with(snapshot, policy, as_of, NULL, 0, out, err);
}

credo_status credo_run_compute_stored(credo_store *store, const credo_snapshot *snapshot,
                                      const credo_policy *policy, credo_date as_of, credo_run **out,
                                      credo_error *err)
{
    return credo_run_compute_stored_progress(store, snapshot, policy, as_of, NULL, out, err);
}

credo_status credo_run_compute_stored_progress(credo_store *store, const credo_snapshot *snapshot,
                                               const credo_policy *policy, credo_date as_of,
                                               const credo_progress *progress, credo_run **out,
                                               credo_error *err)
{
    credo_run *run = run_new(snapshot, policy, as_of);
    if (run == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory starting a run");
    credo_status status = credo_store_load_conflict_decisions(store, &run->owned_decisions,
                                                              &run->owned_decision_count, err);
    if (status != CREDO_OK) {
        credo_run_free(run);
        return status;
    }
    return compute(run, run->owned_decisions, run->owned_decision_count, progress, out, err);
}

void credo_run_summary_json(const credo_run *run, credo_buf *out)
{
    const credo_run_summary *s = &run->summary;
    char day[16];
    credo_buf_printf(out,
                     "{\"as_of\":\"%s\",\"accounts\":%zu,\"assigned\":%zu,\"overlaps\":%zu,\"gaps\":%zu,"
                     "\"deals\":%zu,\"won_deals\":%zu,\"won_amount_minor\":%lld,"
                     "\"credited_amount_minor\":%lld,\"in_territory\":%zu,\"out_of_territory\":%zu,"
                     "\"unowned\":%zu,\"uncredited\":%zu,\"account_gap\":%zu,\"account_overlap\":%zu,"
                     "\"no_account\":%zu,\"currencies\":%zu}",
                     credo_format_date(run->as_of, day), s->accounts, s->assigned, s->overlaps, s->gaps,
                     s->deals, s->won_deals, (long long)s->won_amount, (long long)s->credited_amount,
                     s->in_territory, s->out_of_territory, s->unowned, s->uncredited, s->account_gap,
                     s->account_overlap, s->no_account, s->currencies);
    if (run->engagement == NULL || credo_buf_failed(out))
        return;
    out->length--; /* reopen the object for the keys of the rules */
    credo_buf_printf(out,
                     ",\"conflicts\":%zu,\"protected_deals\":%zu,\"held_lines\":%zu,"
                     "\"overlay_amount_minor\":%lld,\"rollup_amount_minor\":%lld}",
                     s->conflicts, s->protected_deals, s->held_lines, (long long)s->overlay_amount,
                     (long long)s->rollup_amount);
}

static void list_territories(const credo_policy *policy, const uint32_t *items, uint32_t first,
                             uint32_t end, credo_buf *out)
{
    for (uint32_t i = first; i < end; i++)
        credo_buf_printf(out, "%s%s", i == first ? "" : ", ", policy->territories[items[i]].id);
}

void credo_run_account_reason(const credo_run *run, uint32_t account, credo_buf *out)
{
    const credo_assignment *assignment = run->assignment;
    const credo_policy *policy = run->policy;
    uint32_t first = assignment->tied_start[account], end = assignment->tied_start[account + 1];

    switch ((credo_account_status)assignment->status[account]) {
    case CREDO_ACCOUNT_ASSIGNED: {
        const credo_policy_territory *t = &policy->territories[assignment->territory[account]];
        /* The policy's line, not its path, so that the stored reason does
         * not depend on how the path was typed. */
        credo_buf_printf(out, "matched rule of territory %s (policy line %u), the only primary match of the "
                              "highest priority", t->id, t->pos.line);
        break;
    }
    case CREDO_ACCOUNT_OVERLAP:
        credo_buf_puts(out, "matched primary territories of equal priority: ");
        list_territories(policy, assignment->tied, first, end, out);
        break;
    case CREDO_ACCOUNT_GAP:
        credo_buf_puts(out, "matched no primary territory rule");
        break;
    }
    uint32_t overlay_first = assignment->overlay_start[account];
    uint32_t overlay_end = assignment->overlay_start[account + 1];
    if (overlay_end > overlay_first) {
        credo_buf_puts(out, "; overlays: ");
        list_territories(policy, assignment->overlays, overlay_first, overlay_end, out);
    }
}

/* Appends what the rules of engagement did to the deal's owner. */
static void engagement_reason(const credo_run *run, uint32_t deal, credo_buf *out)
{
    const credo_engagement *engagement = run->engagement;
    const credo_snapshot *snapshot = run->snapshot;
    credo_engagement_rule rule = engagement->rule[deal];
    uint32_t registration = engagement->claim[deal];
    const char *before = engagement->recorded[deal] != NULL ? engagement->recorded[deal] : "nobody";
    char day[16];
    switch (rule) {
    case CREDO_ENGAGE_NONE:
        return;
    case CREDO_ENGAGE_PROTECTED:
        credo_buf_printf(out, "; owned by registrant %s: registration %s protects the account through %s",
                         run->ownership->owner[deal],
                         credo_snapshot_text(snapshot, snapshot->registrations.id[registration]),
                         credo_format_date(engagement->claims[registration].protected_until, day));
        return;
    case CREDO_ENGAGE_PARTNER:
        credo_buf_printf(out, "; partner-sourced, owner by the partner rule (sourcing rep %s)",
                         engagement->sourcer[deal] != NULL ? engagement->sourcer[deal] : "none");
        return;
    case CREDO_ENGAGE_HOLDOVER_MOVED:
    case CREDO_ENGAGE_HOLDOVER_KEPT:
        credo_buf_printf(out, "; %s left the territory on %s and the deal %s", before,
                         credo_format_date(engagement->realigned[deal], day),
                         rule == CREDO_ENGAGE_HOLDOVER_MOVED ? "followed the account (holdover)"
                                                             : "stayed with its rep (holdover)");
        return;
    case CREDO_ENGAGE_OUT_OF_TERRITORY:
        credo_buf_printf(out, "; out of territory, so the account's owner takes it from %s", before);
        return;
    }
}

void credo_run_deal_reason(const credo_run *run, uint32_t deal, credo_buf *out)
{
    const credo_ownership *ownership = run->ownership;
    const char *owner = ownership->owner[deal];
    uint32_t territory = ownership->territory[deal];
    const char *territory_id = territory == CREDO_NO_ROW ? "" : run->policy->territories[territory].id;
    char day[16];
    credo_format_date(ownership->date[deal], day);

    switch ((credo_deal_territory_status)ownership->status[deal]) {
    case CREDO_DEAL_IN_TERRITORY:
        if (ownership->owner_from_account[deal])
            credo_buf_printf(out, "no recorded owner; owner of the account on %s", day);
        else
            credo_buf_printf(out, "%s is a selling member of territory %s on %s", owner, territory_id, day);
        break;
    case CREDO_DEAL_OUT_OF_TERRITORY:
        credo_buf_printf(out, "%s is not a selling member of territory %s on %s", owner, territory_id, day);
        break;
    case CREDO_DEAL_ACCOUNT_GAP:
        credo_buf_puts(out, "the account matched no primary territory");
        break;
    case CREDO_DEAL_ACCOUNT_OVERLAP:
        credo_buf_puts(out, "the account's territory is an unresolved overlap");
        break;
    case CREDO_DEAL_NO_ACCOUNT:
        credo_buf_puts(out, "the deal names no known account");
        break;
    case CREDO_DEAL_UNOWNED:
        credo_buf_printf(out, "no recorded owner and no single owner of the account on %s", day);
        break;
    }
    if (run->engagement != NULL)
        engagement_reason(run, deal, out);
    const char *problem = run->credit->problem[deal];
    if (problem != NULL)
        credo_buf_printf(out, "; not credited: %s", problem);
}

static credo_status parse_as_of(const credo_run_info *info, credo_date *as_of, credo_error *err)
{
    credo_error detail;
    if (info->as_of == NULL ||
        credo_parse_date(info->as_of, strlen(info->as_of), NULL, as_of, &detail) != CREDO_OK)
        return credo_error_set(err, CREDO_ERR_STORE, "run %lld has an invalid as-of date '%s'", (long long)info->id,
                               info->as_of != NULL ? info->as_of : "");
    return CREDO_OK;
}

credo_status credo_replay_latest(credo_store *store, credo_replay *out, credo_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t run_id = 0;
    credo_date as_of = CREDO_DATE_NONE;
    credo_status status = credo_store_latest_run(store, &run_id, err);
    if (status == CREDO_OK)
        status = credo_store_get_run(store, run_id, &out->info, err);
    if (status == CREDO_OK)
        status = credo_policy_parse(out->info.policy_text, strlen(out->info.policy_text), out->info.policy_path,
                                    &out->policy, err);
    if (status == CREDO_OK)
        status = credo_store_load(store, &out->snapshot, err);
    if (status == CREDO_OK)
        status = parse_as_of(&out->info, &as_of, err);
    if (status == CREDO_OK)
        status = credo_run_compute_stored(store, out->snapshot, out->policy, as_of, &out->run, err);
    if (status != CREDO_OK)
        credo_replay_free(out);
    return status;
}

void credo_replay_free(credo_replay *replay)
{
    credo_run_free(replay->run);
    credo_snapshot_free(replay->snapshot);
    credo_policy_free(replay->policy);
    credo_run_info_clear(&replay->info);
    memset(replay, 0, sizeof *replay);
}
