/* A copy of a snapshot that keeps every string id, so that a preview can
 * add hypothetical rows without touching the caller's snapshot. */
#include "engage_internal.h"

#include <string.h>

/* Interns the source pool's strings in id order; a fresh pool hands out
 * the same dense ids, which the copy checks. */
static credo_status copy_strings(const credo_snapshot *from, credo_snapshot *to, credo_error *err)
{
    size_t count = credo_strpool_count(from->strings);
    for (credo_str id = 1; id < count; id++) {
        credo_status status = CREDO_OK;
        credo_str copied = credo_strpool_intern(to->strings, credo_strpool_get(from->strings, id),
                                                credo_strpool_length(from->strings, id), &status);
        if (status != CREDO_OK)
            return credo_error_set(err, status, "out of memory copying %zu strings", count);
        if (copied != id)
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "copying the snapshot's strings gave id %u for id %u; the pool holds a "
                                   "string twice, which it must not",
                                   (unsigned)copied, (unsigned)id);
    }
    return CREDO_OK;
}

static credo_status copy_reps(const credo_reps *from, credo_snapshot *to, credo_error *err)
{
    credo_reps *reps = &to->reps;
    for (size_t i = 0; i < from->count; i++) {
        size_t row;
        credo_status status = credo_snapshot_add_rep(to, &row, err);
        if (status != CREDO_OK)
            return status;
        reps->id[row] = from->id[i];
        reps->name[row] = from->name[i];
        reps->email[row] = from->email[i];
        reps->title[row] = from->title[i];
        reps->manager_id[row] = from->manager_id[i];
        reps->active_from[row] = from->active_from[i];
        reps->active_to[row] = from->active_to[i];
    }
    return CREDO_OK;
}

static void copy_account_row(const credo_accounts *from, size_t i, credo_accounts *accounts, size_t row)
{
    accounts->id[row] = from->id[i];
    accounts->name[row] = from->name[i];
    accounts->country[row] = from->country[i];
    accounts->region[row] = from->region[i];
    accounts->postal_code[row] = from->postal_code[i];
    accounts->city[row] = from->city[i];
    accounts->industry[row] = from->industry[i];
    accounts->parent_id[row] = from->parent_id[i];
    accounts->owner_id[row] = from->owner_id[i];
    accounts->employees[row] = from->employees[i];
    accounts->annual_revenue[row] = from->annual_revenue[i];
    accounts->potential[row] = from->potential[i];
    accounts->latitude[row] = from->latitude[i];
    accounts->longitude[row] = from->longitude[i];
}

static credo_status copy_accounts(const credo_snapshot *source, credo_snapshot *to, credo_error *err)
{
    const credo_accounts *from = &source->accounts;
    for (size_t i = 0; i < from->count; i++) {
        size_t row;
        credo_status status = credo_snapshot_add_account(to, &row, err);
        if (status != CREDO_OK)
            return status;
        copy_account_row(from, i, &to->accounts, row);
    }
    for (size_t a = 0; a < from->attribute_count; a++) {
        credo_attribute_column *column = NULL;
        const char *name = credo_snapshot_text(source, from->attributes[a].name);
        credo_status status = credo_snapshot_attribute(to, name, &column, err);
        if (status != CREDO_OK)
            return status;
        memcpy(column->values, from->attributes[a].values, from->count * sizeof *column->values);
    }
    return CREDO_OK;
}

static credo_status copy_deals(const credo_deals *from, credo_snapshot *to, credo_error *err)
{
    credo_deals *deals = &to->deals;
    for (size_t i = 0; i < from->count; i++) {
        size_t row;
        credo_status status = credo_snapshot_add_deal(to, &row, err);
        if (status != CREDO_OK)
            return status;
        deals->id[row] = from->id[i];
        deals->account_id[row] = from->account_id[i];
        deals->owner_id[row] = from->owner_id[i];
        deals->currency[row] = from->currency[i];
        deals->amount[row] = from->amount[i];
        deals->stage[row] = from->stage[i];
        deals->status[row] = from->status[i];
        deals->source[row] = from->source[i];
        deals->partner[row] = from->partner[i];
        deals->product[row] = from->product[i];
        deals->created[row] = from->created[i];
        deals->close_date[row] = from->close_date[i];
    }
    return CREDO_OK;
}

static credo_status copy_team(const credo_deal_team *from, credo_snapshot *to, credo_error *err)
{
    credo_deal_team *team = &to->team;
    for (size_t i = 0; i < from->count; i++) {
        size_t row;
        credo_status status = credo_snapshot_add_team_member(to, &row, err);
        if (status != CREDO_OK)
            return status;
        team->deal_id[row] = from->deal_id[i];
        team->rep_id[row] = from->rep_id[i];
        team->role[row] = from->role[i];
        team->split[row] = from->split[i];
    }
    return CREDO_OK;
}

static credo_status copy_activities(const credo_activities *from, credo_snapshot *to, credo_error *err)
{
    credo_activities *activities = &to->activities;
    for (size_t i = 0; i < from->count; i++) {
        size_t row;
        credo_status status = credo_snapshot_add_activity(to, &row, err);
        if (status != CREDO_OK)
            return status;
        activities->rep_id[row] = from->rep_id[i];
        activities->account_id[row] = from->account_id[i];
        activities->deal_id[row] = from->deal_id[i];
        activities->type[row] = from->type[i];
        activities->date[row] = from->date[i];
    }
    return CREDO_OK;
}

static credo_status copy_history(const credo_deal_history *from, credo_snapshot *to, credo_error *err)
{
    credo_deal_history *history = &to->history;
    for (size_t i = 0; i < from->count; i++) {
        size_t row;
        credo_status status = credo_snapshot_add_history(to, &row, err);
        if (status != CREDO_OK)
            return status;
        history->deal_id[row] = from->deal_id[i];
        history->date[row] = from->date[i];
        history->stage[row] = from->stage[i];
        history->amount[row] = from->amount[i];
        history->close_date[row] = from->close_date[i];
    }
    return CREDO_OK;
}

static credo_status copy_quotas(const credo_quotas *from, credo_snapshot *to, credo_error *err)
{
    credo_quotas *quotas = &to->quotas;
    for (size_t i = 0; i < from->count; i++) {
        size_t row;
        credo_status status = credo_snapshot_add_quota(to, &row, err);
        if (status != CREDO_OK)
            return status;
        quotas->rep_id[row] = from->rep_id[i];
        quotas->start[row] = from->start[i];
        quotas->end[row] = from->end[i];
        quotas->currency[row] = from->currency[i];
        quotas->amount[row] = from->amount[i];
    }
    return CREDO_OK;
}

static credo_status copy_registrations(const credo_registrations *from, credo_snapshot *to, credo_error *err)
{
    credo_registrations *registrations = &to->registrations;
    for (size_t i = 0; i < from->count; i++) {
        size_t row;
        credo_status status = credo_snapshot_add_registration(to, &row, err);
        if (status != CREDO_OK)
            return status;
        registrations->id[row] = from->id[i];
        registrations->rep_id[row] = from->rep_id[i];
        registrations->account_id[row] = from->account_id[i];
        registrations->product[row] = from->product[i];
        registrations->source[row] = from->source[i];
        registrations->partner[row] = from->partner[i];
        registrations->deal_id[row] = from->deal_id[i];
        registrations->date[row] = from->date[i];
    }
    return CREDO_OK;
}

credo_status credo_snapshot_copy(const credo_snapshot *snapshot, credo_snapshot **out, credo_error *err)
{
    credo_snapshot *copy = NULL;
    credo_status status = credo_snapshot_new(&copy, err);
    if (status == CREDO_OK)
        status = copy_strings(snapshot, copy, err);
    if (status == CREDO_OK)
        status = copy_reps(&snapshot->reps, copy, err);
    if (status == CREDO_OK)
        status = copy_accounts(snapshot, copy, err);
    if (status == CREDO_OK)
        status = copy_deals(&snapshot->deals, copy, err);
    if (status == CREDO_OK)
        status = copy_team(&snapshot->team, copy, err);
    if (status == CREDO_OK)
        status = copy_activities(&snapshot->activities, copy, err);
    if (status == CREDO_OK)
        status = copy_history(&snapshot->history, copy, err);
    if (status == CREDO_OK)
        status = copy_quotas(&snapshot->quotas, copy, err);
    if (status == CREDO_OK)
        status = copy_registrations(&snapshot->registrations, copy, err);
    if (status == CREDO_OK)
        status = credo_snapshot_finish(copy, err);
    if (status != CREDO_OK) {
        credo_snapshot_free(copy);
        return status;
    }
    *out = copy;
    return CREDO_OK;
}
