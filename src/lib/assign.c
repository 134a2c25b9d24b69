/* Territory assignment by the straightforward evaluator: every territory's
 * rule is tested against every account. It defines the semantics that any
 * faster evaluator must reproduce exactly. */
#include "credo/engine.h"

#include <stdlib.h>
#include <string.h>

#include "policy_binding.h"

void credo_assignment_free(credo_assignment *assignment)
{
    if (assignment == NULL)
        return;
    free(assignment->status);
    free(assignment->territory);
    free(assignment->tied_start);
    free(assignment->tied);
    free(assignment->overlay_start);
    free(assignment->overlays);
    free(assignment);
}

/* Growable list of territory indices. */
typedef struct index_list {
    uint32_t *items;
    size_t count, capacity;
} index_list;

static bool list_push(index_list *list, uint32_t value)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity == 0 ? 1024 : list->capacity * 2;
        uint32_t *items = realloc(list->items, capacity * sizeof *items);
        if (items == NULL)
            return false;
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = value;
    return true;
}

/* Sorts list items [from, count) by territory id rank (insertion sort: the
 * lists of one account are short). */
static void sort_by_rank(index_list *list, size_t from, const uint32_t *rank)
{
    for (size_t i = from + 1; i < list->count; i++) {
        uint32_t value = list->items[i];
        size_t j = i;
        while (j > from && rank[list->items[j - 1]] > rank[value]) {
            list->items[j] = list->items[j - 1];
            j--;
        }
        list->items[j] = value;
    }
}

static credo_assignment *assignment_new(size_t count)
{
    credo_assignment *assignment = calloc(1, sizeof *assignment);
    if (assignment == NULL)
        return NULL;
    assignment->count = count;
    size_t rows = count == 0 ? 1 : count;
    assignment->status = malloc(rows * sizeof *assignment->status);
    assignment->territory = malloc(rows * sizeof *assignment->territory);
    assignment->tied_start = malloc((count + 1) * sizeof *assignment->tied_start);
    assignment->overlay_start = malloc((count + 1) * sizeof *assignment->overlay_start);
    if (assignment->status == NULL || assignment->territory == NULL ||
        assignment->tied_start == NULL || assignment->overlay_start == NULL) {
        credo_assignment_free(assignment);
        return NULL;
    }
    return assignment;
}

/* Evaluates all territories for one account and appends its top-priority
 * primary matches to tied and its overlay matches to overlays. */
static bool assign_one(const credo_policy_binding *binding, uint32_t account, index_list *tied,
                       index_list *overlays)
{
    const credo_policy *policy = binding->policy;
    size_t tied_from = tied->count, overlay_from = overlays->count;
    int best_priority = 0;

    for (size_t t = 0; t < policy->territory_count; t++) {
        const credo_policy_territory *territory = &policy->territories[t];
        if (territory->type_id == NULL || !credo_binding_matches(binding, account, (uint32_t)t, NULL, 0))
            continue;

        const credo_policy_type *type = &policy->types[territory->type_index];
        if (type->overlay) {
            if (!list_push(overlays, (uint32_t)t))
                return false;
            continue;
        }
        if (tied->count > tied_from && type->priority < best_priority)
            continue;
        if (tied->count > tied_from && type->priority > best_priority)
            tied->count = tied_from;
        best_priority = type->priority;
        if (!list_push(tied, (uint32_t)t))
            return false;
    }

    sort_by_rank(tied, tied_from, binding->rank_by_id);
    sort_by_rank(overlays, overlay_from, binding->rank_by_id);
    return true;
}

credo_status credo_assign_accounts(const credo_snapshot *snapshot, const credo_policy *policy,
                                   credo_assignment **out, credo_error *err)
{
    size_t count = snapshot->accounts.count;
    credo_assignment *assignment = assignment_new(count);
    if (assignment == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory assigning %zu accounts", count);

    credo_policy_binding binding;
    credo_status status = credo_policy_bind(snapshot, policy, &binding, err);
    if (status != CREDO_OK) {
        credo_assignment_free(assignment);
        return status;
    }

    index_list tied = {0}, overlays = {0};
    for (size_t row = 0; row < count; row++) {
        assignment->tied_start[row] = (uint32_t)tied.count;
        assignment->overlay_start[row] = (uint32_t)overlays.count;
        if (!assign_one(&binding, (uint32_t)row, &tied, &overlays)) {
            status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory assigning accounts");
            break;
        }

        size_t matches = tied.count - assignment->tied_start[row];
        assignment->status[row] = matches == 1 ? CREDO_ACCOUNT_ASSIGNED
                                  : matches == 0 ? CREDO_ACCOUNT_GAP : CREDO_ACCOUNT_OVERLAP;
        assignment->territory[row] = matches == 1 ? tied.items[tied.count - 1] : CREDO_NO_ROW;
    }
    assignment->tied_start[count] = (uint32_t)tied.count;
    assignment->overlay_start[count] = (uint32_t)overlays.count;
    assignment->tied = tied.items;
    assignment->overlays = overlays.items;
    credo_policy_binding_free(&binding);

    if (status != CREDO_OK) {
        credo_assignment_free(assignment);
        return status;
    }
    *out = assignment;
    return CREDO_OK;
}

const char *credo_account_status_name(credo_account_status status)
{
    switch (status) {
    case CREDO_ACCOUNT_ASSIGNED: return "assigned";
    case CREDO_ACCOUNT_OVERLAP: return "overlap";
    case CREDO_ACCOUNT_GAP: return "gap";
    }
    return "unknown";
}
