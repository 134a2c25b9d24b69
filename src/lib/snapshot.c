/* The columnar snapshot: growth of the column arrays, sorting by id and
 * resolution of the links between tables. */
#include "snapshot_internal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int snapshot_grow_columns(const snapshot_column *columns, size_t column_count, size_t new_capacity)
{
    for (size_t i = 0; i < column_count; i++) {
        void *grown = realloc(*columns[i].array, new_capacity * columns[i].element_size);
        if (grown == NULL)
            return -1;
        *columns[i].array = grown;
    }
    return 0;
}

snapshot_storage *snapshot_storage_of(credo_snapshot *snapshot)
{
    return (snapshot_storage *)snapshot;
}

credo_status credo_snapshot_new(credo_snapshot **out, credo_error *err)
{
    snapshot_storage *storage = calloc(1, sizeof *storage);
    if (storage == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory creating a snapshot");
    storage->public_part.strings = credo_strpool_new();
    if (storage->public_part.strings == NULL) {
        free(storage);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory creating a snapshot");
    }
    *out = &storage->public_part;
    return CREDO_OK;
}

void credo_snapshot_free(credo_snapshot *snapshot)
{
    if (snapshot == NULL)
        return;

    credo_reps *reps = &snapshot->reps;
    free(reps->id); free(reps->name); free(reps->email); free(reps->title);
    free(reps->manager_id); free(reps->active_from); free(reps->active_to);

    credo_accounts *accounts = &snapshot->accounts;
    free(accounts->id); free(accounts->name); free(accounts->country); free(accounts->region);
    free(accounts->postal_code); free(accounts->city); free(accounts->industry);
    free(accounts->parent_id); free(accounts->owner_id); free(accounts->employees);
    free(accounts->annual_revenue); free(accounts->potential); free(accounts->latitude);
    free(accounts->longitude);
    for (size_t i = 0; i < accounts->attribute_count; i++)
        free(accounts->attributes[i].values);
    free(accounts->attributes);

    credo_deals *deals = &snapshot->deals;
    free(deals->id); free(deals->account_id); free(deals->account_row); free(deals->owner_id);
    free(deals->currency); free(deals->amount); free(deals->stage); free(deals->status);
    free(deals->source); free(deals->partner); free(deals->product); free(deals->created);
    free(deals->close_date);

    credo_deal_team *team = &snapshot->team;
    free(team->deal_id); free(team->deal_row); free(team->rep_id); free(team->role);
    free(team->split);

    credo_activities *activities = &snapshot->activities;
    free(activities->rep_id); free(activities->account_id); free(activities->account_row);
    free(activities->deal_id); free(activities->deal_row); free(activities->type); free(activities->date);

    credo_deal_history *history = &snapshot->history;
    free(history->deal_id); free(history->deal_row); free(history->date); free(history->stage);
    free(history->amount); free(history->close_date);

    credo_quotas *quotas = &snapshot->quotas;
    free(quotas->rep_id); free(quotas->start); free(quotas->end); free(quotas->currency); free(quotas->amount);

    credo_registrations *registrations = &snapshot->registrations;
    free(registrations->id); free(registrations->rep_id); free(registrations->account_id);
    free(registrations->account_row); free(registrations->product); free(registrations->source);
    free(registrations->partner); free(registrations->deal_id); free(registrations->date);

    credo_strpool_free(snapshot->strings);
    free(snapshot_storage_of(snapshot));
}

size_t snapshot_next_capacity(size_t capacity)
{
    return capacity == 0 ? 256 : capacity * 2;
}

credo_status credo_snapshot_add_rep(credo_snapshot *snapshot, size_t *row, credo_error *err)
{
    snapshot_storage *storage = snapshot_storage_of(snapshot);
    credo_reps *reps = &snapshot->reps;
    if (reps->count == storage->rep_capacity) {
        size_t capacity = snapshot_next_capacity(storage->rep_capacity);
        const snapshot_column columns[] = {
            {(void **)&reps->id, sizeof *reps->id},
            {(void **)&reps->name, sizeof *reps->name},
            {(void **)&reps->email, sizeof *reps->email},
            {(void **)&reps->title, sizeof *reps->title},
            {(void **)&reps->manager_id, sizeof *reps->manager_id},
            {(void **)&reps->active_from, sizeof *reps->active_from},
            {(void **)&reps->active_to, sizeof *reps->active_to},
        };
        if (snapshot_grow_columns(columns, sizeof columns / sizeof columns[0], capacity) != 0)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory adding a rep");
        storage->rep_capacity = capacity;
    }

    size_t index = reps->count++;
    reps->id[index] = reps->name[index] = reps->email[index] = CREDO_STR_NONE;
    reps->title[index] = reps->manager_id[index] = CREDO_STR_NONE;
    reps->active_from[index] = CREDO_DATE_MIN;
    reps->active_to[index] = CREDO_DATE_MAX;
    *row = index;
    return CREDO_OK;
}

credo_status credo_snapshot_add_account(credo_snapshot *snapshot, size_t *row, credo_error *err)
{
    snapshot_storage *storage = snapshot_storage_of(snapshot);
    credo_accounts *accounts = &snapshot->accounts;
    if (accounts->count == storage->account_capacity) {
        size_t capacity = snapshot_next_capacity(storage->account_capacity);
        snapshot_column columns[14];
        size_t column_count = 0;
        credo_str **text_columns[] = {
            &accounts->id, &accounts->name, &accounts->country, &accounts->region,
            &accounts->postal_code, &accounts->city, &accounts->industry,
            &accounts->parent_id, &accounts->owner_id,
        };
        for (size_t i = 0; i < sizeof text_columns / sizeof text_columns[0]; i++)
            columns[column_count++] = (snapshot_column){(void **)text_columns[i], sizeof(credo_str)};
        credo_number **number_columns[] = {
            &accounts->employees, &accounts->annual_revenue, &accounts->potential,
            &accounts->latitude, &accounts->longitude,
        };
        for (size_t i = 0; i < sizeof number_columns / sizeof number_columns[0]; i++)
            columns[column_count++] = (snapshot_column){(void **)number_columns[i], sizeof(credo_number)};
        if (snapshot_grow_columns(columns, column_count, capacity) != 0)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory adding an account");
        for (size_t i = 0; i < accounts->attribute_count; i++) {
            const snapshot_column attribute = {(void **)&accounts->attributes[i].values,
                                                 sizeof(credo_str)};
            if (snapshot_grow_columns(&attribute, 1, capacity) != 0)
                return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory adding an account");
        }
        storage->account_capacity = capacity;
    }

    size_t index = accounts->count++;
    accounts->id[index] = accounts->name[index] = accounts->country[index] = CREDO_STR_NONE;
    accounts->region[index] = accounts->postal_code[index] = accounts->city[index] = CREDO_STR_NONE;
    accounts->industry[index] = accounts->parent_id[index] = accounts->owner_id[index] = CREDO_STR_NONE;
    accounts->employees[index] = accounts->annual_revenue[index] = CREDO_NUMBER_NONE;
    accounts->potential[index] = accounts->latitude[index] = accounts->longitude[index] = CREDO_NUMBER_NONE;
    for (size_t i = 0; i < accounts->attribute_count; i++)
        accounts->attributes[i].values[index] = CREDO_STR_NONE;
    *row = index;
    return CREDO_OK;
}

credo_status credo_snapshot_add_deal(credo_snapshot *snapshot, size_t *row, credo_error *err)
{
    snapshot_storage *storage = snapshot_storage_of(snapshot);
    credo_deals *deals = &snapshot->deals;
    if (deals->count == storage->deal_capacity) {
        size_t capacity = snapshot_next_capacity(storage->deal_capacity);
        const snapshot_column columns[] = {
            {(void **)&deals->id, sizeof *deals->id},
            {(void **)&deals->account_id, sizeof *deals->account_id},
            {(void **)&deals->account_row, sizeof *deals->account_row},
            {(void **)&deals->owner_id, sizeof *deals->owner_id},
            {(void **)&deals->currency, sizeof *deals->currency},
            {(void **)&deals->amount, sizeof *deals->amount},
            {(void **)&deals->stage, sizeof *deals->stage},
            {(void **)&deals->status, sizeof *deals->status},
            {(void **)&deals->source, sizeof *deals->source},
            {(void **)&deals->partner, sizeof *deals->partner},
            {(void **)&deals->product, sizeof *deals->product},
            {(void **)&deals->created, sizeof *deals->created},
            {(void **)&deals->close_date, sizeof *deals->close_date},
        };
        if (snapshot_grow_columns(columns, sizeof columns / sizeof columns[0], capacity) != 0)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory adding a deal");
        storage->deal_capacity = capacity;
    }

    size_t index = deals->count++;
    deals->id[index] = deals->account_id[index] = deals->owner_id[index] = CREDO_STR_NONE;
    deals->currency[index] = deals->stage[index] = deals->source[index] = CREDO_STR_NONE;
    deals->partner[index] = deals->product[index] = CREDO_STR_NONE;
    deals->account_row[index] = CREDO_NO_ROW;
    deals->amount[index] = 0;
    deals->status[index] = CREDO_DEAL_OPEN;
    deals->created[index] = deals->close_date[index] = CREDO_DATE_NONE;
    *row = index;
    return CREDO_OK;
}

credo_status credo_snapshot_add_team_member(credo_snapshot *snapshot, size_t *row, credo_error *err)
{
    snapshot_storage *storage = snapshot_storage_of(snapshot);
    credo_deal_team *team = &snapshot->team;
    if (team->count == storage->team_capacity) {
        size_t capacity = snapshot_next_capacity(storage->team_capacity);
        const snapshot_column columns[] = {
            {(void **)&team->deal_id, sizeof *team->deal_id},
            {(void **)&team->deal_row, sizeof *team->deal_row},
            {(void **)&team->rep_id, sizeof *team->rep_id},
            {(void **)&team->role, sizeof *team->role},
            {(void **)&team->split, sizeof *team->split},
        };
        if (snapshot_grow_columns(columns, sizeof columns / sizeof columns[0], capacity) != 0)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory adding a deal team member");
        storage->team_capacity = capacity;
    }

    size_t index = team->count++;
    team->deal_id[index] = team->rep_id[index] = team->role[index] = CREDO_STR_NONE;
    team->deal_row[index] = CREDO_NO_ROW;
    team->split[index] = -1;
    *row = index;
    return CREDO_OK;
}

credo_status credo_snapshot_attribute(credo_snapshot *snapshot, const char *name,
                                      credo_attribute_column **out, credo_error *err)
{
    credo_accounts *accounts = &snapshot->accounts;
    credo_status status = CREDO_OK;
    credo_str name_id = credo_strpool_intern_cstr(snapshot->strings, name, &status);
    if (status != CREDO_OK)
        return credo_error_set(err, status, "out of memory adding attribute %s", name);

    for (size_t i = 0; i < accounts->attribute_count; i++) {
        if (accounts->attributes[i].name == name_id) {
            *out = &accounts->attributes[i];
            return CREDO_OK;
        }
    }

    credo_attribute_column *grown = realloc(accounts->attributes,
                                            (accounts->attribute_count + 1) * sizeof *grown);
    if (grown == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory adding attribute %s", name);
    accounts->attributes = grown;

    size_t capacity = snapshot_storage_of(snapshot)->account_capacity;
    credo_str *values = malloc((capacity == 0 ? 1 : capacity) * sizeof *values);
    if (values == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory adding attribute %s", name);
    for (size_t row = 0; row < accounts->count; row++)
        values[row] = CREDO_STR_NONE;

    credo_attribute_column *column = &accounts->attributes[accounts->attribute_count++];
    column->name = name_id;
    column->values = values;
    *out = column;
    return CREDO_OK;
}

const char *credo_snapshot_text(const credo_snapshot *snapshot, credo_str id)
{
    return credo_strpool_get(snapshot->strings, id);
}

/* Returns whether rows [0, count) are already in order by compare. The
 * linear pass lets tables loaded in id order skip the sort. */
static bool rows_in_order(const credo_snapshot *snapshot, size_t count, snapshot_row_compare compare)
{
    for (size_t i = 1; i < count; i++)
        if (compare(snapshot, (uint32_t)(i - 1), (uint32_t)i) > 0)
            return false;
    return true;
}

/* Stable merge sort of the row indices in order[0..count) by compare. */
static int sort_rows(const credo_snapshot *snapshot, uint32_t *order, size_t count, snapshot_row_compare compare)
{
    uint32_t *scratch = malloc((count == 0 ? 1 : count) * sizeof *scratch);
    if (scratch == NULL)
        return -1;

    for (size_t width = 1; width < count; width *= 2) {
        for (size_t low = 0; low < count; low += 2 * width) {
            size_t middle = low + width < count ? low + width : count;
            size_t high = low + 2 * width < count ? low + 2 * width : count;
            size_t left = low, right = middle, out = low;
            while (left < middle && right < high) {
                if (compare(snapshot, order[right], order[left]) < 0)
                    scratch[out++] = order[right++];
                else
                    scratch[out++] = order[left++];
            }
            while (left < middle)
                scratch[out++] = order[left++];
            while (right < high)
                scratch[out++] = order[right++];
        }
        memcpy(order, scratch, count * sizeof *order);
    }
    free(scratch);
    return 0;
}

/* Reorders one column so that new row i holds old row order[i]. */
static int permute_column(void *array, size_t element_size, const uint32_t *order, size_t count)
{
    if (count == 0)
        return 0;
    unsigned char *copy = malloc(count * element_size);
    if (copy == NULL)
        return -1;
    const unsigned char *source = array;
    for (size_t i = 0; i < count; i++)
        memcpy(copy + i * element_size, source + (size_t)order[i] * element_size, element_size);
    memcpy(array, copy, count * element_size);
    free(copy);
    return 0;
}

static int compare_rep_rows(const credo_snapshot *snapshot, uint32_t a, uint32_t b)
{
    return credo_strpool_compare(snapshot->strings, snapshot->reps.id[a], snapshot->reps.id[b]);
}

static int compare_account_rows(const credo_snapshot *snapshot, uint32_t a, uint32_t b)
{
    const credo_accounts *accounts = &snapshot->accounts;
    return credo_strpool_compare(snapshot->strings, accounts->id[a], accounts->id[b]);
}

static int compare_deal_rows(const credo_snapshot *snapshot, uint32_t a, uint32_t b)
{
    return credo_strpool_compare(snapshot->strings, snapshot->deals.id[a], snapshot->deals.id[b]);
}

static int compare_team_rows(const credo_snapshot *snapshot, uint32_t a, uint32_t b)
{
    const credo_deal_team *team = &snapshot->team;
    int order = credo_strpool_compare(snapshot->strings, team->deal_id[a], team->deal_id[b]);
    if (order == 0)
        order = credo_strpool_compare(snapshot->strings, team->rep_id[a], team->rep_id[b]);
    if (order == 0)
        order = credo_strpool_compare(snapshot->strings, team->role[a], team->role[b]);
    return order;
}

/* Sorts `count` rows of the columns by compare. */
int snapshot_sort_table(const credo_snapshot *snapshot, size_t count, snapshot_row_compare compare,
                      const snapshot_column *columns, size_t column_count)
{
    if (rows_in_order(snapshot, count, compare))
        return 0;
    uint32_t *order = malloc((count == 0 ? 1 : count) * sizeof *order);
    if (order == NULL)
        return -1;
    for (size_t i = 0; i < count; i++)
        order[i] = (uint32_t)i;

    int result = sort_rows(snapshot, order, count, compare);
    for (size_t i = 0; result == 0 && i < column_count; i++)
        result = permute_column(*columns[i].array, columns[i].element_size, order, count);
    free(order);
    return result;
}

static credo_status sort_reps(credo_snapshot *snapshot, credo_error *err)
{
    credo_reps *reps = &snapshot->reps;
    const snapshot_column columns[] = {
        {(void **)&reps->id, sizeof *reps->id},
        {(void **)&reps->name, sizeof *reps->name},
        {(void **)&reps->email, sizeof *reps->email},
        {(void **)&reps->title, sizeof *reps->title},
        {(void **)&reps->manager_id, sizeof *reps->manager_id},
        {(void **)&reps->active_from, sizeof *reps->active_from},
        {(void **)&reps->active_to, sizeof *reps->active_to},
    };
    if (snapshot_sort_table(snapshot, reps->count, compare_rep_rows, columns, sizeof columns / sizeof columns[0]) != 0)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory sorting reps");
    return CREDO_OK;
}

static credo_status sort_accounts(credo_snapshot *snapshot, credo_error *err)
{
    credo_accounts *accounts = &snapshot->accounts;
    const snapshot_column columns[] = {
        {(void **)&accounts->id, sizeof(credo_str)},
        {(void **)&accounts->name, sizeof(credo_str)},
        {(void **)&accounts->country, sizeof(credo_str)},
        {(void **)&accounts->region, sizeof(credo_str)},
        {(void **)&accounts->postal_code, sizeof(credo_str)},
        {(void **)&accounts->city, sizeof(credo_str)},
        {(void **)&accounts->industry, sizeof(credo_str)},
        {(void **)&accounts->parent_id, sizeof(credo_str)},
        {(void **)&accounts->owner_id, sizeof(credo_str)},
        {(void **)&accounts->employees, sizeof(credo_number)},
        {(void **)&accounts->annual_revenue, sizeof(credo_number)},
        {(void **)&accounts->potential, sizeof(credo_number)},
        {(void **)&accounts->latitude, sizeof(credo_number)},
        {(void **)&accounts->longitude, sizeof(credo_number)},
    };
    if (rows_in_order(snapshot, accounts->count, compare_account_rows))
        return CREDO_OK;
    uint32_t *order = malloc((accounts->count == 0 ? 1 : accounts->count) * sizeof *order);
    if (order == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory sorting accounts");
    for (size_t i = 0; i < accounts->count; i++)
        order[i] = (uint32_t)i;

    int result = sort_rows(snapshot, order, accounts->count, compare_account_rows);
    for (size_t i = 0; result == 0 && i < sizeof columns / sizeof columns[0]; i++)
        result = permute_column(*columns[i].array, columns[i].element_size, order, accounts->count);
    for (size_t i = 0; result == 0 && i < accounts->attribute_count; i++)
        result = permute_column(accounts->attributes[i].values, sizeof(credo_str), order,
                                accounts->count);
    free(order);
    if (result != 0)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory sorting accounts");
    return CREDO_OK;
}

static credo_status sort_deals(credo_snapshot *snapshot, credo_error *err)
{
    credo_deals *deals = &snapshot->deals;
    const snapshot_column columns[] = {
        {(void **)&deals->id, sizeof *deals->id},
        {(void **)&deals->account_id, sizeof *deals->account_id},
        {(void **)&deals->account_row, sizeof *deals->account_row},
        {(void **)&deals->owner_id, sizeof *deals->owner_id},
        {(void **)&deals->currency, sizeof *deals->currency},
        {(void **)&deals->amount, sizeof *deals->amount},
        {(void **)&deals->stage, sizeof *deals->stage},
        {(void **)&deals->status, sizeof *deals->status},
        {(void **)&deals->source, sizeof *deals->source},
        {(void **)&deals->partner, sizeof *deals->partner},
        {(void **)&deals->product, sizeof *deals->product},
        {(void **)&deals->created, sizeof *deals->created},
        {(void **)&deals->close_date, sizeof *deals->close_date},
    };
    if (snapshot_sort_table(snapshot, deals->count, compare_deal_rows, columns, sizeof columns / sizeof columns[0]) != 0)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory sorting deals");
    return CREDO_OK;
}

static credo_status sort_team(credo_snapshot *snapshot, credo_error *err)
{
    credo_deal_team *team = &snapshot->team;
    const snapshot_column columns[] = {
        {(void **)&team->deal_id, sizeof *team->deal_id},
        {(void **)&team->deal_row, sizeof *team->deal_row},
        {(void **)&team->rep_id, sizeof *team->rep_id},
        {(void **)&team->role, sizeof *team->role},
        {(void **)&team->split, sizeof *team->split},
    };
    if (snapshot_sort_table(snapshot, team->count, compare_team_rows, columns, sizeof columns / sizeof columns[0]) != 0)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory sorting deal teams");
    return CREDO_OK;
}

/* Rejects a missing id and two adjacent equal ids in a sorted id column.
 * The missing value sorts first, so only ids[0] can be missing. */
credo_status snapshot_check_unique(const credo_snapshot *snapshot, const credo_str *ids, size_t count,
                                 const char *table, credo_error *err)
{
    if (count > 0 && ids[0] == CREDO_STR_NONE)
        return credo_error_set(err, CREDO_ERR_INVALID, "a %s has no id", table);
    for (size_t i = 1; i < count; i++) {
        if (ids[i] == ids[i - 1])
            return credo_error_set(err, CREDO_ERR_INVALID, "duplicate %s id '%s'; ids must be unique",
                                   table, credo_snapshot_text(snapshot, ids[i]));
    }
    return CREDO_OK;
}

uint32_t snapshot_find_sorted(const credo_snapshot *snapshot, const credo_str *ids, size_t count,
                            credo_str id)
{
    if (id == CREDO_STR_NONE)
        return CREDO_NO_ROW;
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = credo_strpool_compare(snapshot->strings, ids[middle], id);
        if (order == 0)
            return (uint32_t)middle;
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return CREDO_NO_ROW;
}

credo_status credo_snapshot_finish(credo_snapshot *snapshot, credo_error *err)
{
    if (snapshot->accounts.count >= CREDO_NO_ROW || snapshot->deals.count >= CREDO_NO_ROW)
        return credo_error_set(err, CREDO_ERR_LIMIT, "more than %u rows in one table", CREDO_NO_ROW - 1);

    credo_status status = sort_reps(snapshot, err);
    if (status == CREDO_OK)
        status = sort_accounts(snapshot, err);
    if (status == CREDO_OK)
        status = sort_deals(snapshot, err);
    if (status == CREDO_OK)
        status = sort_team(snapshot, err);
    if (status != CREDO_OK)
        return status;

    status = snapshot_check_unique(snapshot, snapshot->reps.id, snapshot->reps.count, "rep", err);
    if (status == CREDO_OK)
        status = snapshot_check_unique(snapshot, snapshot->accounts.id, snapshot->accounts.count, "account", err);
    if (status == CREDO_OK)
        status = snapshot_check_unique(snapshot, snapshot->deals.id, snapshot->deals.count, "deal", err);
    if (status != CREDO_OK)
        return status;

    credo_deals *deals = &snapshot->deals;
    for (size_t i = 0; i < deals->count; i++)
        deals->account_row[i] = credo_snapshot_find_account(snapshot, deals->account_id[i]);
    credo_deal_team *team = &snapshot->team;
    for (size_t i = 0; i < team->count; i++)
        team->deal_row[i] = credo_snapshot_find_deal(snapshot, team->deal_id[i]);
    return snapshot_finish_events(snapshot, err);
}

uint32_t credo_snapshot_find_rep(const credo_snapshot *snapshot, credo_str id)
{
    return snapshot_find_sorted(snapshot, snapshot->reps.id, snapshot->reps.count, id);
}

uint32_t credo_snapshot_find_account(const credo_snapshot *snapshot, credo_str id)
{
    return snapshot_find_sorted(snapshot, snapshot->accounts.id, snapshot->accounts.count, id);
}

uint32_t credo_snapshot_find_deal(const credo_snapshot *snapshot, credo_str id)
{
    return snapshot_find_sorted(snapshot, snapshot->deals.id, snapshot->deals.count, id);
}
