/* Account owners on a date and deal ownership. */
#include "credo/engine.h"

#include <stdlib.h>
#include <string.h>

static bool member_active(const credo_policy_member *member, credo_date date)
{
    return member->from <= date && date < member->to;
}

static bool member_sells(const credo_policy *policy, const credo_policy_member *member)
{
    return policy->roles[member->role_index].selling;
}

bool credo_is_selling_member(const credo_policy *policy, uint32_t territory, const char *rep_id,
                             credo_date date)
{
    if (territory == CREDO_NO_ROW || rep_id == NULL)
        return false;
    const credo_policy_territory *t = &policy->territories[territory];
    for (size_t m = 0; m < t->member_count; m++) {
        const credo_policy_member *member = &t->members[m];
        if (member_sells(policy, member) && member_active(member, date) &&
            strcmp(member->rep_id, rep_id) == 0)
            return true;
    }
    return false;
}

credo_owner_kind credo_account_owner(const credo_snapshot *snapshot, const credo_policy *policy,
                                     const credo_assignment *assignment, uint32_t account,
                                     credo_date date, const char **rep_id)
{
    *rep_id = NULL;
    uint32_t territory = assignment->territory[account];
    if (territory == CREDO_NO_ROW)
        return CREDO_OWNER_NONE;

    /* Count distinct selling reps: one rep may hold two selling roles. */
    const credo_policy_territory *t = &policy->territories[territory];
    const char *only = NULL;
    size_t distinct = 0;
    for (size_t m = 0; m < t->member_count; m++) {
        const credo_policy_member *member = &t->members[m];
        if (!member_sells(policy, member) || !member_active(member, date))
            continue;
        if (only == NULL || strcmp(only, member->rep_id) != 0)
            distinct++;
        if (only == NULL)
            only = member->rep_id;
    }

    if (distinct == 0)
        return CREDO_OWNER_VACANT;
    if (distinct == 1) {
        *rep_id = only;
        return CREDO_OWNER_SINGLE;
    }

    const char *named = credo_snapshot_text(snapshot, snapshot->accounts.owner_id[account]);
    if (named != NULL && credo_is_selling_member(policy, territory, named, date)) {
        *rep_id = named;
        return CREDO_OWNER_NAMED;
    }
    return CREDO_OWNER_POOLED;
}

void credo_ownership_free(credo_ownership *ownership)
{
    if (ownership == NULL)
        return;
    free(ownership->status);
    free(ownership->territory);
    free(ownership->owner);
    free(ownership->owner_from_account);
    free(ownership->date);
    free(ownership);
}

static credo_ownership *ownership_new(size_t count)
{
    credo_ownership *ownership = calloc(1, sizeof *ownership);
    if (ownership == NULL)
        return NULL;
    size_t rows = count == 0 ? 1 : count;
    ownership->count = count;
    ownership->status = malloc(rows * sizeof *ownership->status);
    ownership->territory = malloc(rows * sizeof *ownership->territory);
    ownership->owner = malloc(rows * sizeof *ownership->owner);
    ownership->owner_from_account = malloc(rows * sizeof *ownership->owner_from_account);
    ownership->date = malloc(rows * sizeof *ownership->date);
    if (ownership->status == NULL || ownership->territory == NULL || ownership->owner == NULL ||
        ownership->owner_from_account == NULL || ownership->date == NULL) {
        credo_ownership_free(ownership);
        return NULL;
    }
    return ownership;
}

/* The date a deal's ownership is decided on: the day it was logged, or its
 * close date when the source gives no log date. */
static credo_date ownership_date(const credo_deals *deals, size_t row)
{
    return deals->created[row] != CREDO_DATE_NONE ? deals->created[row] : deals->close_date[row];
}

static void own_one(const credo_snapshot *snapshot, const credo_policy *policy,
                    const credo_assignment *assignment, size_t row, credo_ownership *out)
{
    const credo_deals *deals = &snapshot->deals;
    uint32_t account = deals->account_row[row];
    credo_date date = ownership_date(deals, row);
    const char *recorded = credo_snapshot_text(snapshot, deals->owner_id[row]);

    out->date[row] = date;
    out->owner[row] = recorded;
    out->owner_from_account[row] = false;
    out->territory[row] = account == CREDO_NO_ROW ? CREDO_NO_ROW : assignment->territory[account];

    if (account == CREDO_NO_ROW) {
        out->status[row] = recorded == NULL ? CREDO_DEAL_UNOWNED : CREDO_DEAL_NO_ACCOUNT;
        return;
    }

    if (recorded == NULL) {
        const char *owner = NULL;
        credo_owner_kind kind = credo_account_owner(snapshot, policy, assignment, account, date, &owner);
        bool owned = kind == CREDO_OWNER_SINGLE || kind == CREDO_OWNER_NAMED;
        out->owner[row] = owned ? owner : NULL;
        out->owner_from_account[row] = owned;
        out->status[row] = owned ? CREDO_DEAL_IN_TERRITORY : CREDO_DEAL_UNOWNED;
        return;
    }

    switch ((credo_account_status)assignment->status[account]) {
    case CREDO_ACCOUNT_GAP:
        out->status[row] = CREDO_DEAL_ACCOUNT_GAP;
        return;
    case CREDO_ACCOUNT_OVERLAP:
        out->status[row] = CREDO_DEAL_ACCOUNT_OVERLAP;
        return;
    case CREDO_ACCOUNT_ASSIGNED:
        break;
    }
    bool member = credo_is_selling_member(policy, out->territory[row], recorded, date);
    out->status[row] = member ? CREDO_DEAL_IN_TERRITORY : CREDO_DEAL_OUT_OF_TERRITORY;
}

credo_status credo_own_deals(const credo_snapshot *snapshot, const credo_policy *policy,
                             const credo_assignment *assignment, credo_ownership **out,
                             credo_error *err)
{
    size_t count = snapshot->deals.count;
    credo_ownership *ownership = ownership_new(count);
    if (ownership == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory deciding owners of %zu deals", count);

    for (size_t row = 0; row < count; row++)
        own_one(snapshot, policy, assignment, row, ownership);
    *out = ownership;
    return CREDO_OK;
}

const char *credo_deal_territory_status_name(credo_deal_territory_status status)
{
    switch (status) {
    case CREDO_DEAL_IN_TERRITORY: return "in_territory";
    case CREDO_DEAL_OUT_OF_TERRITORY: return "out_of_territory";
    case CREDO_DEAL_ACCOUNT_GAP: return "account_gap";
    case CREDO_DEAL_ACCOUNT_OVERLAP: return "account_overlap";
    case CREDO_DEAL_NO_ACCOUNT: return "no_account";
    case CREDO_DEAL_UNOWNED: return "unowned";
    }
    return "unknown";
}

const char *credo_owner_kind_name(credo_owner_kind kind)
{
    switch (kind) {
    case CREDO_OWNER_SINGLE: return "single";
    case CREDO_OWNER_NAMED: return "named";
    case CREDO_OWNER_POOLED: return "pooled";
    case CREDO_OWNER_VACANT: return "vacant";
    case CREDO_OWNER_NONE: return "none";
    }
    return "unknown";
}
