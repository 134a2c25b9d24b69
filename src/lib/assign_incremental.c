/* Incremental territory assignment: mark the rows whose result can differ,
 * assign those with the bound rule index, and patch their entries into the
 * previous assignment (in place, or in a copy of it). Patching moves whole
 * runs of unchanged entries with memmove and shifts their list offsets by a
 * constant, so it costs a few passes at memory speed plus work per changed
 * row. The in-place form touches no fresh pages unless the lists grow. */
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

/* ---- arguments ---- */

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
    return CREDO_OK;
}

static credo_status territory_outside(uint32_t territory, size_t territories, credo_error *err)
{
    return credo_error_set(err, CREDO_ERR_INVALID,
                           "the previous assignment names territory %u, but the policy has %zu; "
                           "run a full assignment after adding or removing territories",
                           territory, territories);
}

/* ---- marking ---- */

/* Marks the rows whose previous tied or overlay list contains a changed
 * territory. This is the only step that reads the previous lists' values,
 * so it is also where they are checked against the policy. */
static credo_status mark_previous(row_marks *marks, const credo_assignment *previous, const bool *changed,
                                  size_t territories, credo_error *err)
{
    const uint32_t *lists[2] = {previous->tied, previous->overlays};
    const uint32_t *starts[2] = {previous->tied_start, previous->overlay_start};
    for (int l = 0; l < 2; l++) {
        const uint32_t *list = lists[l], *start = starts[l];
        for (size_t row = 0; row < previous->count; row++)
            for (uint32_t i = start[row]; i < start[row + 1]; i++) {
                if (list[i] >= territories)
                    return territory_outside(list[i], territories, err);
                if (changed[list[i]])
                    mark(marks, row);
            }
    }
    return CREDO_OK;
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

static credo_status mark_territories(row_marks *marks, const credo_rule_bound *bound,
                                     const credo_assignment *previous, const uint32_t *territories, size_t count,
                                     credo_error *err)
{
    if (count == 0)
        return CREDO_OK;
    size_t total = bound->index->policy->territory_count;
    bool *changed = calloc(total == 0 ? 1 : total, sizeof *changed);
    if (changed == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing %zu changed territories", count);
    for (size_t i = 0; i < count; i++)
        changed[territories[i]] = true;
    credo_status status = mark_previous(marks, previous, changed, total, err);
    if (status == CREDO_OK)
        mark_named(marks, bound, changed);
    if (status == CREDO_OK && !mark_candidates(marks, bound, changed))
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory marking the rows of %zu changed territories",
                                 count);
    free(changed);
    return status;
}

/* Returns the marked rows in ascending order, visiting set bits only. */
static uint32_t *collect_rows(const row_marks *marks, size_t *count)
{
    size_t words = (marks->rows + 63) / 64;
    size_t n = marks->rows;
    if (!marks->all) {
        n = 0;
        for (size_t w = 0; w < words; w++)
            n += (size_t)__builtin_popcountll(marks->bits[w]);
    }
    uint32_t *rows = malloc((n == 0 ? 1 : n) * sizeof *rows);
    if (rows == NULL)
        return NULL;
    size_t at = 0;
    for (size_t row = 0; marks->all && row < marks->rows; row++)
        rows[at++] = (uint32_t)row;
    for (size_t w = 0; !marks->all && w < words; w++)
        for (uint64_t bits = marks->bits[w]; bits != 0; bits &= bits - 1)
            rows[at++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
    *count = n;
    return rows;
}

/* The rows evaluated again, ascending without repeats, and their new
 * entries: entry i of fresh is row rows[i]. */
typedef struct reassigned {
    uint32_t *rows;
    size_t count;
    credo_assignment *fresh;
} reassigned;

static void reassigned_free(reassigned *r)
{
    free(r->rows);
    credo_assignment_free(r->fresh);
}

/* Marks the rows whose result can differ and assigns them again. */
static credo_status reassign(const credo_rule_bound *bound, const credo_assignment *previous,
                             const uint32_t *changed_rows, size_t changed_row_count,
                             const uint32_t *changed_territories, size_t changed_territory_count, reassigned *out,
                             credo_error *err)
{
    size_t count = previous->count;
    row_marks marks = {calloc(count / 64 + 1, sizeof *marks.bits), count, false};
    if (marks.bits == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory marking %zu account rows", count);
    for (size_t i = 0; i < changed_row_count; i++)
        mark(&marks, changed_rows[i]);
    credo_status status =
        mark_territories(&marks, bound, previous, changed_territories, changed_territory_count, err);
    if (status == CREDO_OK && (out->rows = collect_rows(&marks, &out->count)) == NULL)
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing the rows to assign again");
    free(marks.bits);
    if (status == CREDO_OK)
        status = credo_rule_bound_assign_rows(bound, out->rows, out->count, &out->fresh, err);
    if (status != CREDO_OK) {
        reassigned_free(out);
        *out = (reassigned){NULL, 0, NULL};
    }
    return status;
}

/* ---- patching ---- */

/* One list of an assignment (tied or overlays) while the entries of the
 * reassigned rows are replaced. old_begin[i] and old_end[i] are the
 * offsets of row rows[i]'s list before patching, and old_begin[count] is
 * the old total, because the patch overwrites the offsets it needs. */
typedef struct list_patch {
    uint32_t *start;
    uint32_t **list;
    const uint32_t *fresh_start;
    const uint32_t *fresh_list;
    uint32_t *old_begin;
    uint32_t *old_end;
    size_t old_total;
    size_t new_total;
} list_patch;

/* Reads the old offsets of the reassigned rows and grows the list when the
 * new lists are longer in total. Changes nothing in the assignment but the
 * list's capacity, so a failure leaves it as it was. */
static credo_status prepare_list(list_patch *p, const reassigned *r, size_t rows, credo_error *err)
{
    p->old_total = p->start[rows];
    uint64_t total = p->old_total + (uint64_t)p->fresh_start[r->count];
    for (size_t i = 0; i < r->count; i++) {
        p->old_begin[i] = p->start[r->rows[i]];
        p->old_end[i] = p->start[r->rows[i] + 1];
        total -= p->old_end[i] - p->old_begin[i];
    }
    p->old_begin[r->count] = (uint32_t)p->old_total;
    if (total > UINT32_MAX)
        return credo_error_set(err, CREDO_ERR_LIMIT,
                               "the new assignment's lists would hold %llu entries, above the %u that 32-bit "
                               "offsets allow; assign fewer accounts per run",
                               (unsigned long long)total, UINT32_MAX);
    p->new_total = (size_t)total;
    if (p->new_total <= p->old_total)
        return CREDO_OK;
    uint32_t *grown = realloc(*p->list, p->new_total * sizeof *grown);
    if (grown == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory growing an assignment list to %zu entries",
                               p->new_total);
    *p->list = grown;
    return CREDO_OK;
}

static uint32_t fresh_length(const list_patch *p, size_t i)
{
    return p->fresh_start[i + 1] - p->fresh_start[i];
}

/* Moves the list entries of the unchanged rows between reassigned rows
 * k - 1 and k (segment k) by delta places and shifts their offsets alike. */
static void move_segment(list_patch *p, const reassigned *r, size_t rows, size_t k, int64_t delta)
{
    size_t first_row = k == 0 ? 0 : r->rows[k - 1] + (size_t)1;
    size_t end_row = k == r->count ? rows : r->rows[k];
    size_t begin = k == 0 ? 0 : p->old_end[k - 1];
    size_t length = p->old_begin[k] - begin;
    if (length > 0)
        memmove(*p->list + (size_t)((int64_t)begin + delta), *p->list + begin, length * sizeof **p->list);
    uint32_t shift = (uint32_t)delta; /* offsets wrap modulo 2^32 back into range */
    for (size_t row = first_row; row < end_row; row++)
        p->start[row] += shift;
}

/* Replaces the lists of the reassigned rows. Segments that move left are
 * moved from left to right, then those that move right from right to left,
 * so no entry is overwritten before it has moved. The new lists of the
 * reassigned rows go in last, into places no segment occupies any more. */
static void apply_list(list_patch *p, const reassigned *r, size_t rows)
{
    int64_t delta = 0;
    for (size_t k = 0; k <= r->count; k++) {
        if (delta < 0)
            move_segment(p, r, rows, k, delta);
        if (k < r->count)
            delta += (int64_t)fresh_length(p, k) - (int64_t)(p->old_end[k] - p->old_begin[k]);
    }
    for (size_t k = r->count + 1; k-- > 0;) {
        if (delta > 0)
            move_segment(p, r, rows, k, delta);
        if (k > 0)
            delta -= (int64_t)fresh_length(p, k - 1) - (int64_t)(p->old_end[k - 1] - p->old_begin[k - 1]);
    }
    for (size_t i = 0; i < r->count; i++) {
        uint32_t at = (uint32_t)((int64_t)p->old_begin[i] + delta);
        uint32_t length = fresh_length(p, i);
        p->start[r->rows[i]] = at;
        /* A list that never grew is NULL, which memcpy must not get even for 0 bytes. */
        if (length > 0)
            memcpy(*p->list + at, p->fresh_list + p->fresh_start[i], length * sizeof **p->list);
        delta += (int64_t)length - (int64_t)(p->old_end[i] - p->old_begin[i]);
    }
    p->start[rows] = (uint32_t)p->new_total;
}

/* Replaces the entries rows[i] of target with entry i of fresh. Either
 * every entry is replaced or, on failure, target keeps its entries (its
 * lists may have grown in capacity). */
static credo_status patch_assignment(credo_assignment *target, const reassigned *r, credo_error *err)
{
    if (r->count == 0)
        return CREDO_OK;
    const credo_assignment *fresh = r->fresh;
    uint32_t *offsets = malloc(4 * (r->count + 1) * sizeof *offsets);
    if (offsets == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory patching %zu reassigned rows", r->count);
    list_patch lists[2] = {
        {target->tied_start, &target->tied, fresh->tied_start, fresh->tied, offsets, offsets + (r->count + 1), 0,
         0},
        {target->overlay_start, &target->overlays, fresh->overlay_start, fresh->overlays,
         offsets + 2 * (r->count + 1), offsets + 3 * (r->count + 1), 0, 0},
    };
    credo_status status = prepare_list(&lists[0], r, target->count, err);
    if (status == CREDO_OK)
        status = prepare_list(&lists[1], r, target->count, err);
    if (status == CREDO_OK) {
        apply_list(&lists[0], r, target->count);
        apply_list(&lists[1], r, target->count);
        for (size_t i = 0; i < r->count; i++) {
            target->status[r->rows[i]] = fresh->status[i];
            target->territory[r->rows[i]] = fresh->territory[i];
        }
    }
    free(offsets);
    return status;
}

/* Returns a copy of a, whose lists have exactly their length plus one
 * spare entry, or NULL when out of memory. */
static credo_assignment *copy_assignment(const credo_assignment *a)
{
    size_t n = a->count, tied = a->tied_start[n], overlays = a->overlay_start[n];
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
    memcpy(out->status, a->status, n);
    memcpy(out->territory, a->territory, n * sizeof *out->territory);
    memcpy(out->tied_start, a->tied_start, (n + 1) * sizeof *out->tied_start);
    memcpy(out->overlay_start, a->overlay_start, (n + 1) * sizeof *out->overlay_start);
    if (tied > 0)
        memcpy(out->tied, a->tied, tied * sizeof *out->tied);
    if (overlays > 0)
        memcpy(out->overlays, a->overlays, overlays * sizeof *out->overlays);
    return out;
}

/* ---- entry points ---- */

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
    reassigned r = {NULL, 0, NULL};
    status = reassign(bound, previous, changed_rows, changed_row_count, changed_territories,
                      changed_territory_count, &r, err);
    if (status != CREDO_OK)
        return status;

    credo_assignment *copy = copy_assignment(previous);
    if (copy == NULL)
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory copying an assignment of %zu rows",
                                 previous->count);
    if (status == CREDO_OK)
        status = patch_assignment(copy, &r, err);
    if (status == CREDO_OK) {
        *out = copy;
        copy = NULL;
        if (reevaluated != NULL)
            *reevaluated = r.count;
    }
    credo_assignment_free(copy);
    reassigned_free(&r);
    return status;
}

credo_status credo_assign_incremental_update(const credo_snapshot *snapshot, const credo_policy *policy,
                                             const credo_rule_bound *bound, credo_assignment *assignment,
                                             const uint32_t *changed_rows, size_t changed_row_count,
                                             const uint32_t *changed_territories,
                                             size_t changed_territory_count, size_t *reevaluated,
                                             credo_error *err)
{
    credo_status status = check_arguments(snapshot, policy, bound, assignment, changed_rows, changed_row_count,
                                          changed_territories, changed_territory_count, err);
    if (status != CREDO_OK)
        return status;
    reassigned r = {NULL, 0, NULL};
    status = reassign(bound, assignment, changed_rows, changed_row_count, changed_territories,
                      changed_territory_count, &r, err);
    if (status == CREDO_OK)
        status = patch_assignment(assignment, &r, err);
    if (status == CREDO_OK && reevaluated != NULL)
        *reevaluated = r.count;
    reassigned_free(&r);
    return status;
}
