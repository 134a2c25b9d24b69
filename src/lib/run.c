/* A run of all engines, its summary and its stored results. */
#include "credo/run.h"

#include <stdlib.h>

#include "credo/parse.h"

void credo_run_free(credo_run *run)
{
    if (run == NULL)
        return;
    credo_assignment_free(run->assignment);
    credo_ownership_free(run->ownership);
    credo_credit_free(run->credit);
    free(run);
}

static void summarise(credo_run *run)
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
    for (size_t i = 0; i < snapshot->deals.count; i++) {
        credo_deal_territory_status status = run->ownership->status[i];
        summary->in_territory += status == CREDO_DEAL_IN_TERRITORY;
        summary->out_of_territory += status == CREDO_DEAL_OUT_OF_TERRITORY;
        summary->unowned += status == CREDO_DEAL_UNOWNED;
        if (snapshot->deals.status[i] != CREDO_DEAL_WON)
            continue;
        summary->won_deals++;
        summary->won_amount += snapshot->deals.amount[i];
        summary->uncredited += run->credit->problem[i] != NULL;
    }
    for (size_t i = 0; i < run->credit->count; i++)
        summary->credited_amount += run->credit->lines[i].amount;
}

credo_status credo_run_compute(const credo_snapshot *snapshot, const credo_policy *policy,
                               credo_date as_of, credo_run **out, credo_error *err)
{
    credo_run *run = calloc(1, sizeof *run);
    if (run == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory starting a run");
    run->snapshot = snapshot;
    run->policy = policy;
    run->as_of = as_of;

    credo_status status = credo_assign_accounts(snapshot, policy, &run->assignment, err);
    if (status == CREDO_OK)
        status = credo_own_deals(snapshot, policy, run->assignment, &run->ownership, err);
    if (status == CREDO_OK)
        status = credo_credit_deals(snapshot, run->ownership, &run->credit, err);
    if (status != CREDO_OK) {
        credo_run_free(run);
        return status;
    }
    summarise(run);
    *out = run;
    return CREDO_OK;
}

void credo_run_summary_json(const credo_run *run, credo_buf *out)
{
    const credo_run_summary *s = &run->summary;
    char day[16];
    credo_buf_printf(out,
                     "{\"as_of\":\"%s\",\"accounts\":%zu,\"assigned\":%zu,\"overlaps\":%zu,\"gaps\":%zu,"
                     "\"deals\":%zu,\"won_deals\":%zu,\"won_amount_minor\":%lld,"
                     "\"credited_amount_minor\":%lld,\"in_territory\":%zu,\"out_of_territory\":%zu,"
                     "\"unowned\":%zu,\"uncredited\":%zu}",
                     credo_format_date(run->as_of, day), s->accounts, s->assigned, s->overlaps, s->gaps,
                     s->deals, s->won_deals, (long long)s->won_amount, (long long)s->credited_amount,
                     s->in_territory, s->out_of_territory, s->unowned, s->uncredited);
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
        credo_buf_printf(out, "matched rule of territory %s (%s:%u), the only primary match of the "
                              "highest priority", t->id, policy->path, t->pos.line);
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
    const char *problem = run->credit->problem[deal];
    if (problem != NULL)
        credo_buf_printf(out, "; not credited: %s", problem);
}
