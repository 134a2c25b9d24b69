/* Incremental territory assignment: mark the rows whose result can differ,
 * assign those with the bound rule index, and copy every other entry from
 * the previous assignment in runs. */
#include "credo/assign_incremental.h"

#include <stdlib.h>
#include <string.h>

#include "rule_index_internal.h"

/* One bit per account row: set when the row is evaluated again. */
typedef struct row_marks {
    uint64_t *bits;
    size_t rows;
    bool all;
} row_marks;

static void mark(row_marks *marks, size_t row)
{
    marks->bits[row / 64] |= UINT64_C(1) << (row % 64);
}

static bool is_marked(const row_marks *marks, size_t row)
{
    return marks->all || ((marks->bits[row / 64] >> (row % 64)) & 1) != 0;
}

/* ---- arguments ---- */

static credo_status check_lists(const credo_assignment *previous, size_t territories, credo_error *err)
{
    const uint32_t *lists[2] = {previous->tied, previous->overlays};
    const size_t lengths[2] = {previous->tied_start[previous->count], previous->overlay_start[previous->count]};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < lengths[l]; i++)
            if (lists[l][i] >= territories)
                return credo_error_set(err, CREDO_ERR_INVALID,
                                       "the previous assignment names territory %u, but the policy has %zu; "
                                       "run a full assignment after adding or removing territories",
                                       lists[l][i], territories);
    return CREDO_OK;
}

static credo_status check_arguments(const credo_snapshot *snapshot, const credo_policy *policy,
                                    const credo_rule_bound *bound, const credo_assignment *previous,
                                    const uint32_t *changed_rows, size_t changed_row_count,
                                    const uint32_t *changed_territories, size_t changed_territory_count,
                                    credo_error *err)
{
    size_t rows = snapshot->accounts.count;
    if (bound->snapshot != snapshot || bound->index->policy != policy)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "the rule index was bound to another snapshot or policy; bind it to these");
    if (previous->count != rows)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "the previous assignment has %zu rows but the snapshot has %zu accounts; "
                               "run a full assignment after adding or removing accounts",
                               previous->count, rows);
    for (size_t i = 0; i < changed_row_count; i++)
        if (changed_rows[i] >= rows)
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "changed account row %u is outside the snapshot's %zu rows",
                                   changed_rows[i], rows);
    for (size_t i = 0; i < changed_territory_count; i++)
        if (changed_territories[i] >= policy->territory_count)
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "changed territory %u is outside the policy's %zu territories",
                                   changed_territories[i], policy->territory_count);
    return check_lists(previous, policy->territory_count, err);
}

/* ---- marking ---- */

/* Rows whose previous tied or overlay list holds a changed territory. */
static void mark_previous(row_marks *marks, const credo_assignment *previous, const bool *changed)
{
    for (size_t row = 0; row < previous->count; row++) {
        bool hit = false;
        for (uint32_t i = previous->tied_start[row]; i < previous->tied_start[row + 1] && !hit; i++)
            hit = changed[previous->tied[i]];
        for (uint32_t i = previous->overlay_start[row]; i < previous->overlay_start[row + 1] && !hit; i++)
            hit = changed[previous->overlays[i]];
        if (hit)
            mark(marks, row);
    }
}

static void mark_named(row_marks *marks, const credo_rule_bound *bound, const bool *changed)
{
    const credo_policy_binding *binding = &bound->binding;
    for (size_t i = 0; i < binding->named_count; i++)
        if (changed[binding->named[i].territory])
            mark(marks, binding->named[i].account);
}

static bool posting_changed(const credo_rule_bound *bound, const uint32_t *postings, size_t count,
                            const bool *changed)
{
    for (size_t i = 0; i < count; i++)
        if (changed[bound->index->conjunctions[postings[i]].territory])
            return true;
    return false;
}

/* Rows of text column k whose value lists a conjunction of a changed
 * territory. Returns false when out of memory. */
static bool mark_text_column(row_marks *marks, const credo_rule_bound *bound, size_t k, const bool *changed)
{
    const ri_text_column *column = &bound->text[k];
    size_t pool = credo_strpool_count(bound->snapshot->strings);
    uint64_t *keys = NULL;
    for (size_t s = 0; column->map.slots != NULL && s <= column->map.mask; s++) {
        const ri_slot *slot = &column->map.slots[s];
        if (slot->key == 0 || !posting_changed(bound, column->postings + slot->start, slot->count, changed))
            continue;
        if (keys == NULL && (keys = calloc(pool / 64 + 1, sizeof *keys)) == NULL)
            return false;
        keys[slot->key / 64] |= UINT64_C(1) << (slot->key % 64);
    }
    for (size_t row = 0; keys != NULL && row < marks->rows; row++) {
        credo_str id = column->values[row];
        if (id != CREDO_STR_NONE && ((keys[id / 64] >> (id % 64)) & 1) != 0)
            mark(marks, row);
    }
    free(keys);
    return true;
}

/* The elementary interval of field holding value (as ri_number_lookup
 * finds it), or SIZE_MAX for none. */
static size_t interval_of(const ri_number_field *field, credo_number value)
{
    if (value == CREDO_NUMBER_NONE)
        return SIZE_MAX;
    size_t low = 0, high = field->bound_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (field->bounds[middle] <= value)
            low = middle + 1;
        else
            high = middle;
    }
    return low == 0 ? SIZE_MAX : low - 1;
}

/* Rows whose value of number field n falls in an elementary interval that
 * lists a conjunction of a changed territory. */
static bool mark_number_field(row_marks *marks, const credo_rule_bound *bound, int n, const bool *changed)
{
    const ri_number_field *field = &bound->number[n];
    if (field->posting_count == 0)
        return true;
    bool *hit = calloc(field->bound_count, sizeof *hit);
    if (hit == NULL)
        return false;
    bool any = false;
    for (size_t k = 0; k < field->bound_count; k++) {
        hit[k] = posting_changed(bound, field->postings + field->start[k], field->start[k + 1] - field->start[k],
                                 changed);
        any = any || hit[k];
    }
    for (size_t row = 0; any && row < marks->rows; row++) {
        size_t k = interval_of(field, field->values[row]);
        if (k != SIZE_MAX && hit[k])
            mark(marks, row);
    }
    free(hit);
    return true;
}

/* Rows whose key in pair table p lists a conjunction of a changed
 * territory. Returns false when out of memory. */
static bool mark_pair_table(row_marks *marks, const credo_rule_bound *bound, size_t p, const bool *changed)
{
    const ri_pair_table *table = &bound->pairs[p];
    size_t slot_count = table->map.slots == NULL ? 0 : table->map.mask + 1;
    bool *hit = calloc(slot_count + 1, sizeof *hit);
    if (hit == NULL)
        return false;
    bool any = false;
    for (size_t s = 0; s < slot_count; s++) {
        const ri_pair_slot *slot = &table->map.slots[s];
        hit[s] = slot->key != 0 && posting_changed(bound, table->postings + slot->start, slot->count, changed);
        any = any || hit[s];
    }
    for (size_t row = 0; any && row < marks->rows; row++) {
        uint64_t key = 0;
        const ri_pair_slot *slot =
            ri_pair_row_key(bound, table, (uint32_t)row, &key) ? ri_pair_find(&table->map, key) : NULL;
        if (slot != NULL && hit[slot - table->map.slots])
            mark(marks, row);
    }
    free(hit);
    return true;
}

/* Rows that a changed territory's conjunctions may select now. */
static bool mark_candidates(row_marks *marks, const credo_rule_bound *bound, const bool *changed)
{
    const credo_rule_index *index = bound->index;
    for (size_t c = 0; c < index->conjunction_count; c++)
        if (bound->anchor[c] == RI_ANCHOR_ALWAYS && changed[index->conjunctions[c].territory]) {
            marks->all = true;
            return true;
        }
    for (size_t k = 0; k < bound->text_count; k++)
        if (!mark_text_column(marks, bound, k, changed))
            return false;
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        if (!mark_number_field(marks, bound, n, changed))
            return false;
    for (size_t p = 0; p < bound->pair_count; p++)
        if (!mark_pair_table(marks, bound, p, changed))
            return false;
    return true;
}

static bool mark_territories(row_marks *marks, const credo_rule_bound *bound, const credo_assignment *previous,
                             const uint32_t *territories, size_t count)
{
    if (count == 0)
        return true;
    size_t total = bound->index->policy->territory_count;
    bool *changed = calloc(total == 0 ? 1 : total, sizeof *changed);
    if (changed == NULL)
        return false;
    for (size_t i = 0; i < count; i++)
        changed[territories[i]] = true;
    mark_previous(marks, previous, changed);
    mark_named(marks, bound, changed);
    bool ok = mark_candidates(marks, bound, changed);
    free(changed);
    return ok;
}

/* The marked rows in ascending order. */
static uint32_t *collect_rows(const row_marks *marks, size_t *count)
{
    size_t n = 0;
    for (size_t row = 0; row < marks->rows; row++)
        n += is_marked(marks, row);
    uint32_t *rows = malloc((n == 0 ? 1 : n) * sizeof *rows);
    if (rows == NULL)
        return NULL;
    size_t at = 0;
    for (size_t row = 0; row < marks->rows; row++)
        if (is_marked(marks, row))
            rows[at++] = (uint32_t)row;
    *count = n;
    return rows;
}

/* ---- joining ---- */

typedef struct join {
    credo_assignment *out;
    size_t tied_at, overlay_at;
} join;

/* Copies `count` entries of `from`, starting at from_first, to the output rows starting at to_first. */
static void copy_rows(join *j, const credo_assignment *from, size_t from_first, size_t to_first, size_t count)
{
    credo_assignment *out = j->out;
    if (count == 0)
        return;
    memcpy(out->status + to_first, from->status + from_first, count);
    memcpy(out->territory + to_first, from->territory + from_first, count * sizeof *out->territory);
    uint32_t tied_base = from->tied_start[from_first], overlay_base = from->overlay_start[from_first];
    for (size_t i = 0; i < count; i++) {
        out->tied_start[to_first + i] = (uint32_t)j->tied_at + (from->tied_start[from_first + i] - tied_base);
        out->overlay_start[to_first + i] =
            (uint32_t)j->overlay_at + (from->overlay_start[from_first + i] - overlay_base);
    }
    size_t tied = from->tied_start[from_first + count] - tied_base;
    size_t overlays = from->overlay_start[from_first + count] - overlay_base;
    /* A list that never grew is NULL, which memcpy must not get even for 0 bytes. */
    if (tied > 0)
        memcpy(out->tied + j->tied_at, from->tied + tied_base, tied * sizeof *out->tied);
    if (overlays > 0)
        memcpy(out->overlays + j->overlay_at, from->overlays + overlay_base, overlays * sizeof *out->overlays);
    j->tied_at += tied;
    j->overlay_at += overlays;
}

static size_t list_length(const uint32_t *start, size_t row)
{
    return start[row + 1] - start[row];
}

static credo_assignment *allocate_join(const credo_assignment *previous, const credo_assignment *fresh,
                                       const uint32_t *rows)
{
    size_t tied = previous->tied_start[previous->count] + fresh->tied_start[fresh->count];
    size_t overlays = previous->overlay_start[previous->count] + fresh->overlay_start[fresh->count];
    for (size_t i = 0; i < fresh->count; i++) {
        tied -= list_length(previous->tied_start, rows[i]);
        overlays -= list_length(previous->overlay_start, rows[i]);
    }
    size_t n = previous->count;
    credo_assignment *out = calloc(1, sizeof *out);
    if (out == NULL)
        return NULL;
    out->count = n;
    out->status = malloc(n + 1);
    out->territory = malloc((n + 1) * sizeof *out->territory);
    out->tied_start = malloc((n + 1) * sizeof *out->tied_start);
    out->overlay_start = malloc((n + 1) * sizeof *out->overlay_start);
    out->tied = malloc((tied + 1) * sizeof *out->tied);
    out->overlays = malloc((overlays + 1) * sizeof *out->overlays);
    if (out->status == NULL || out->territory == NULL || out->tied_start == NULL ||
        out->overlay_start == NULL || out->tied == NULL || out->overlays == NULL) {
        credo_assignment_free(out);
        return NULL;
    }
    return out;
}

/* The previous entries, with entry rows[i] replaced by entry i of fresh. */
static credo_assignment *join_results(const credo_assignment *previous, const credo_assignment *fresh,
                                      const uint32_t *rows)
{
    join j = {allocate_join(previous, fresh, rows), 0, 0};
    if (j.out == NULL)
        return NULL;
    size_t next = 0;
    for (size_t i = 0; i < fresh->count; i++) {
        copy_rows(&j, previous, next, next, rows[i] - next);
        copy_rows(&j, fresh, i, rows[i], 1);
        next = rows[i] + 1;
    }
    copy_rows(&j, previous, next, next, previous->count - next);
    j.out->tied_start[previous->count] = (uint32_t)j.tied_at;
    j.out->overlay_start[previous->count] = (uint32_t)j.overlay_at;
    return j.out;
}

credo_status credo_assign_incremental(const credo_snapshot *snapshot, const credo_policy *policy,
                                      const credo_rule_bound *bound,
                                      const credo_assignment *previous,
                                      const uint32_t *changed_rows, size_t changed_row_count,
                                      const uint32_t *changed_territories,
                                      size_t changed_territory_count, credo_assignment **out,
                                      size_t *reevaluated, credo_error *err)
{
    credo_status status = check_arguments(snapshot, policy, bound, previous, changed_rows, changed_row_count,
                                          changed_territories, changed_territory_count, err);
    if (status != CREDO_OK)
        return status;

    size_t count = previous->count;
    row_marks marks = {calloc(count / 64 + 1, sizeof *marks.bits), count, false};
    uint32_t *rows = NULL;
    credo_assignment *fresh = NULL, *joined = NULL;
    size_t row_count = 0;
    if (marks.bits == NULL)
        goto out_of_memory;
    for (size_t i = 0; i < changed_row_count; i++)
        mark(&marks, changed_rows[i]);
    if (!mark_territories(&marks, bound, previous, changed_territories, changed_territory_count) ||
        (rows = collect_rows(&marks, &row_count)) == NULL)
        goto out_of_memory;
    status = credo_rule_bound_assign_rows(bound, rows, row_count, &fresh, err);
    if (status != CREDO_OK)
        goto cleanup;
    if ((joined = join_results(previous, fresh, rows)) == NULL)
        goto out_of_memory;
    *out = joined;
    if (reevaluated != NULL)
        *reevaluated = row_count;
    goto cleanup;

out_of_memory:
    status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory re-assigning %zu accounts", count);
cleanup:
    credo_assignment_free(fresh);
    free(rows);
    free(marks.bits);
    return status;
}
