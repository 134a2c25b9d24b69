/* The event tables of the snapshot: activities, deal history, quotas and
 * registrations. Rows are appended with missing values and filled by the
 * loader; snapshot.c sorts and links them in credo_snapshot_finish. */
#include "snapshot_internal.h"

#include <stdlib.h>

credo_status credo_snapshot_add_activity(credo_snapshot *snapshot, size_t *row, credo_error *err)
{
    credo_activities *activities = &snapshot->activities;
    size_t *capacity = &snapshot_storage_of(snapshot)->activity_capacity;
    if (activities->count == *capacity) {
        size_t grown = snapshot_next_capacity(*capacity);
        const snapshot_column columns[] = {
            {(void **)&activities->rep_id, sizeof(credo_str)},
            {(void **)&activities->account_id, sizeof(credo_str)},
            {(void **)&activities->account_row, sizeof(uint32_t)},
            {(void **)&activities->deal_id, sizeof(credo_str)},
            {(void **)&activities->deal_row, sizeof(uint32_t)},
            {(void **)&activities->type, sizeof(credo_str)},
            {(void **)&activities->date, sizeof(credo_date)},
        };
        if (snapshot_grow_columns(columns, sizeof columns / sizeof columns[0], grown) != 0)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory adding an activity");
        *capacity = grown;
    }

    size_t index = activities->count++;
    activities->rep_id[index] = activities->account_id[index] = activities->deal_id[index] = CREDO_STR_NONE;
    activities->type[index] = CREDO_STR_NONE;
    activities->account_row[index] = activities->deal_row[index] = CREDO_NO_ROW;
    activities->date[index] = CREDO_DATE_NONE;
    *row = index;
    return CREDO_OK;
}

credo_status credo_snapshot_add_history(credo_snapshot *snapshot, size_t *row, credo_error *err)
{
    credo_deal_history *history = &snapshot->history;
    size_t *capacity = &snapshot_storage_of(snapshot)->history_capacity;
    if (history->count == *capacity) {
        size_t grown = snapshot_next_capacity(*capacity);
        const snapshot_column columns[] = {
            {(void **)&history->deal_id, sizeof(credo_str)},
            {(void **)&history->deal_row, sizeof(uint32_t)},
            {(void **)&history->date, sizeof(credo_date)},
            {(void **)&history->stage, sizeof(credo_str)},
            {(void **)&history->amount, sizeof(credo_money)},
            {(void **)&history->close_date, sizeof(credo_date)},
        };
        if (snapshot_grow_columns(columns, sizeof columns / sizeof columns[0], grown) != 0)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory adding deal history");
        *capacity = grown;
    }

    size_t index = history->count++;
    history->deal_id[index] = history->stage[index] = CREDO_STR_NONE;
    history->deal_row[index] = CREDO_NO_ROW;
    history->date[index] = history->close_date[index] = CREDO_DATE_NONE;
    history->amount[index] = CREDO_MONEY_NONE;
    *row = index;
    return CREDO_OK;
}

credo_status credo_snapshot_add_quota(credo_snapshot *snapshot, size_t *row, credo_error *err)
{
    credo_quotas *quotas = &snapshot->quotas;
    size_t *capacity = &snapshot_storage_of(snapshot)->quota_capacity;
    if (quotas->count == *capacity) {
        size_t grown = snapshot_next_capacity(*capacity);
        const snapshot_column columns[] = {
            {(void **)&quotas->rep_id, sizeof(credo_str)},
            {(void **)&quotas->start, sizeof(credo_date)},
            {(void **)&quotas->end, sizeof(credo_date)},
            {(void **)&quotas->currency, sizeof(credo_str)},
            {(void **)&quotas->amount, sizeof(credo_money)},
        };
        if (snapshot_grow_columns(columns, sizeof columns / sizeof columns[0], grown) != 0)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory adding a quota");
        *capacity = grown;
    }

    size_t index = quotas->count++;
    quotas->rep_id[index] = quotas->currency[index] = CREDO_STR_NONE;
    quotas->start[index] = quotas->end[index] = CREDO_DATE_NONE;
    quotas->amount[index] = 0;
    *row = index;
    return CREDO_OK;
}

credo_status credo_snapshot_add_registration(credo_snapshot *snapshot, size_t *row, credo_error *err)
{
    credo_registrations *registrations = &snapshot->registrations;
    size_t *capacity = &snapshot_storage_of(snapshot)->registration_capacity;
    if (registrations->count == *capacity) {
        size_t grown = snapshot_next_capacity(*capacity);
        const snapshot_column columns[] = {
            {(void **)&registrations->id, sizeof(credo_str)},
            {(void **)&registrations->rep_id, sizeof(credo_str)},
            {(void **)&registrations->account_id, sizeof(credo_str)},
            {(void **)&registrations->account_row, sizeof(uint32_t)},
            {(void **)&registrations->product, sizeof(credo_str)},
            {(void **)&registrations->source, sizeof(credo_str)},
            {(void **)&registrations->partner, sizeof(credo_str)},
            {(void **)&registrations->deal_id, sizeof(credo_str)},
            {(void **)&registrations->date, sizeof(credo_date)},
        };
        if (snapshot_grow_columns(columns, sizeof columns / sizeof columns[0], grown) != 0)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory adding a registration");
        *capacity = grown;
    }

    size_t index = registrations->count++;
    registrations->id[index] = registrations->rep_id[index] = registrations->account_id[index] = CREDO_STR_NONE;
    registrations->product[index] = registrations->source[index] = CREDO_STR_NONE;
    registrations->partner[index] = registrations->deal_id[index] = CREDO_STR_NONE;
    registrations->account_row[index] = CREDO_NO_ROW;
    registrations->date[index] = CREDO_DATE_NONE;
    *row = index;
    return CREDO_OK;
}

static int compare_dates(credo_date a, credo_date b)
{
    return a < b ? -1 : (a > b ? 1 : 0);
}

static int compare_activity_rows(const credo_snapshot *snapshot, uint32_t a, uint32_t b)
{
    const credo_activities *activities = &snapshot->activities;
    const credo_strpool *strings = snapshot->strings;
    int order = credo_strpool_compare(strings, activities->account_id[a], activities->account_id[b]);
    if (order == 0)
        order = compare_dates(activities->date[a], activities->date[b]);
    if (order == 0)
        order = credo_strpool_compare(strings, activities->rep_id[a], activities->rep_id[b]);
    if (order == 0)
        order = credo_strpool_compare(strings, activities->type[a], activities->type[b]);
    if (order == 0)
        order = credo_strpool_compare(strings, activities->deal_id[a], activities->deal_id[b]);
    return order;
}

static int compare_history_rows(const credo_snapshot *snapshot, uint32_t a, uint32_t b)
{
    const credo_deal_history *history = &snapshot->history;
    int order = credo_strpool_compare(snapshot->strings, history->deal_id[a], history->deal_id[b]);
    return order != 0 ? order : compare_dates(history->date[a], history->date[b]);
}

static int compare_quota_rows(const credo_snapshot *snapshot, uint32_t a, uint32_t b)
{
    const credo_quotas *quotas = &snapshot->quotas;
    int order = credo_strpool_compare(snapshot->strings, quotas->rep_id[a], quotas->rep_id[b]);
    return order != 0 ? order : compare_dates(quotas->start[a], quotas->start[b]);
}

static int compare_registration_rows(const credo_snapshot *snapshot, uint32_t a, uint32_t b)
{
    const credo_registrations *registrations = &snapshot->registrations;
    return credo_strpool_compare(snapshot->strings, registrations->id[a], registrations->id[b]);
}

static credo_status sort_events(credo_snapshot *snapshot, credo_error *err)
{
    credo_activities *activities = &snapshot->activities;
    const snapshot_column activity_columns[] = {
        {(void **)&activities->rep_id, sizeof(credo_str)},   {(void **)&activities->account_id, sizeof(credo_str)},
        {(void **)&activities->account_row, sizeof(uint32_t)}, {(void **)&activities->deal_id, sizeof(credo_str)},
        {(void **)&activities->deal_row, sizeof(uint32_t)},  {(void **)&activities->type, sizeof(credo_str)},
        {(void **)&activities->date, sizeof(credo_date)},
    };
    credo_deal_history *history = &snapshot->history;
    const snapshot_column history_columns[] = {
        {(void **)&history->deal_id, sizeof(credo_str)}, {(void **)&history->deal_row, sizeof(uint32_t)},
        {(void **)&history->date, sizeof(credo_date)},   {(void **)&history->stage, sizeof(credo_str)},
        {(void **)&history->amount, sizeof(credo_money)}, {(void **)&history->close_date, sizeof(credo_date)},
    };
    credo_quotas *quotas = &snapshot->quotas;
    const snapshot_column quota_columns[] = {
        {(void **)&quotas->rep_id, sizeof(credo_str)},   {(void **)&quotas->start, sizeof(credo_date)},
        {(void **)&quotas->end, sizeof(credo_date)},     {(void **)&quotas->currency, sizeof(credo_str)},
        {(void **)&quotas->amount, sizeof(credo_money)},
    };
    credo_registrations *registrations = &snapshot->registrations;
    const snapshot_column registration_columns[] = {
        {(void **)&registrations->id, sizeof(credo_str)},        {(void **)&registrations->rep_id, sizeof(credo_str)},
        {(void **)&registrations->account_id, sizeof(credo_str)}, {(void **)&registrations->account_row, sizeof(uint32_t)},
        {(void **)&registrations->product, sizeof(credo_str)},   {(void **)&registrations->source, sizeof(credo_str)},
        {(void **)&registrations->partner, sizeof(credo_str)},   {(void **)&registrations->deal_id, sizeof(credo_str)},
        {(void **)&registrations->date, sizeof(credo_date)},
    };

    if (snapshot_sort_table(snapshot, activities->count, compare_activity_rows, activity_columns, 7) != 0 ||
        snapshot_sort_table(snapshot, history->count, compare_history_rows, history_columns, 6) != 0 ||
        snapshot_sort_table(snapshot, quotas->count, compare_quota_rows, quota_columns, 5) != 0 ||
        snapshot_sort_table(snapshot, registrations->count, compare_registration_rows, registration_columns, 9) != 0)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory sorting the snapshot's events");
    return CREDO_OK;
}

credo_status snapshot_finish_events(credo_snapshot *snapshot, credo_error *err)
{
    credo_status status = sort_events(snapshot, err);
    if (status == CREDO_OK)
        status = snapshot_check_unique(snapshot, snapshot->registrations.id, snapshot->registrations.count,
                                       "registration", err);
    if (status != CREDO_OK)
        return status;

    credo_activities *activities = &snapshot->activities;
    for (size_t i = 0; i < activities->count; i++) {
        activities->account_row[i] = credo_snapshot_find_account(snapshot, activities->account_id[i]);
        activities->deal_row[i] = credo_snapshot_find_deal(snapshot, activities->deal_id[i]);
    }
    credo_deal_history *history = &snapshot->history;
    for (size_t i = 0; i < history->count; i++)
        history->deal_row[i] = credo_snapshot_find_deal(snapshot, history->deal_id[i]);
    credo_registrations *registrations = &snapshot->registrations;
    for (size_t i = 0; i < registrations->count; i++)
        registrations->account_row[i] = credo_snapshot_find_account(snapshot, registrations->account_id[i]);
    return CREDO_OK;
}

uint32_t credo_snapshot_find_registration(const credo_snapshot *snapshot, credo_str id)
{
    return snapshot_find_sorted(snapshot, snapshot->registrations.id, snapshot->registrations.count, id);
}
