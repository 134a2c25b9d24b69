/* Holdover: when a deal's rep leaves the account's territory while the
 * deal is open, the deal follows the account to its new owner unless it
 * had reached the holdover stage by then. */
#include "engage_internal.h"

#include <string.h>

/* The first day in (after, until] on which rep is no longer a selling
 * member of the territory, or CREDO_DATE_NONE. Membership changes only at
 * the `to` day of one of the rep's memberships. */
static credo_date first_day_gone(const credo_policy *policy, uint32_t territory, const char *rep,
                                 credo_date after, credo_date until)
{
    const credo_policy_territory *t = &policy->territories[territory];
    credo_date first = CREDO_DATE_NONE;
    for (size_t m = 0; m < t->member_count; m++) {
        const credo_policy_member *member = &t->members[m];
        credo_date day = member->to;
        if (strcmp(member->rep_id, rep) != 0 || day == CREDO_DATE_MAX || day <= after || day > until)
            continue;
        if (!credo_is_selling_member(policy, territory, rep, day) && (first == CREDO_DATE_NONE || day < first))
            first = day;
    }
    return first;
}

/* First row of the history table whose deal id is not below deal_id (the
 * table is sorted by deal id, then date). */
static size_t first_history(const credo_snapshot *snapshot, credo_str deal_id)
{
    size_t low = 0, high = snapshot->history.count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (credo_strpool_compare(snapshot->strings, snapshot->history.deal_id[middle], deal_id) < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

/* The deal's stage on `day`, from the last history row on or before it
 * that gives a stage. A deal without history rows is at its current stage
 * when it is open. Otherwise the stage is unknown (CREDO_STR_NONE). */
static credo_str stage_on(const credo_snapshot *snapshot, uint32_t deal, credo_date day)
{
    const credo_deal_history *history = &snapshot->history;
    credo_str deal_id = snapshot->deals.id[deal];
    credo_str stage = CREDO_STR_NONE;
    bool has_rows = false;
    for (size_t i = first_history(snapshot, deal_id); i < history->count && history->deal_id[i] == deal_id; i++) {
        has_rows = true;
        if (history->date[i] <= day && history->stage[i] != CREDO_STR_NONE)
            stage = history->stage[i];
    }
    if (!has_rows && snapshot->deals.status[deal] == CREDO_DEAL_OPEN)
        return snapshot->deals.stage[deal];
    return stage;
}

/* Index of the stage in the policy's list, or SIZE_MAX when unlisted. */
static size_t stage_index(const credo_holdover_policy *holdover, const char *stage)
{
    for (size_t i = 0; stage != NULL && i < holdover->stage_count; i++)
        if (strcmp(holdover->stages[i], stage) == 0)
            return i;
    return SIZE_MAX;
}

bool engage_holdover(const credo_snapshot *snapshot, const credo_policy *policy,
                     const credo_assignment *assignment, credo_ownership *ownership, credo_date as_of,
                     credo_engagement *engagement, uint32_t deal)
{
    const credo_deals *deals = &snapshot->deals;
    const char *rep = ownership->owner[deal];
    uint32_t territory = ownership->territory[deal];
    if (ownership->status[deal] != CREDO_DEAL_IN_TERRITORY || rep == NULL || territory == CREDO_NO_ROW)
        return false;

    /* A closed deal stopped following its account on its close date. */
    credo_date until = as_of;
    if (deals->status[deal] != CREDO_DEAL_OPEN && deals->close_date[deal] != CREDO_DATE_NONE)
        until = deals->close_date[deal];
    credo_date gone = first_day_gone(policy, territory, rep, ownership->date[deal], until);
    if (gone == CREDO_DATE_NONE)
        return false;

    credo_str stage = stage_on(snapshot, deal, gone);
    const credo_holdover_policy *holdover = &policy->engagement->holdover;
    size_t index = stage_index(holdover, credo_snapshot_text(snapshot, stage));
    const char *next = NULL;
    credo_owner_kind kind = credo_account_owner(snapshot, policy, assignment, deals->account_row[deal], gone, &next);
    bool can_follow = kind == CREDO_OWNER_SINGLE || kind == CREDO_OWNER_NAMED;

    engagement->realigned[deal] = gone;
    engagement->stage_then[deal] = stage;
    if (index == SIZE_MAX || index >= holdover->keep_from || !can_follow) {
        engagement->rule[deal] = CREDO_ENGAGE_HOLDOVER_KEPT;
        return false;
    }
    engagement->rule[deal] = CREDO_ENGAGE_HOLDOVER_MOVED;
    ownership->owner[deal] = next;
    ownership->owner_from_account[deal] = true;
    ownership->date[deal] = gone;
    ownership->status[deal] = CREDO_DEAL_IN_TERRITORY;
    return true;
}
