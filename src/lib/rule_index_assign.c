/* The per-account loop of indexed assignment: gather the conjunctions that
 * the account's values select, verify them, apply the named and excluded
 * lists, then pick the top-priority primary territories and the overlays as
 * assign.c does. */
#include "rule_index_internal.h"

#include <stdlib.h>
#include <string.h>

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

/* State of one assignment call, reused from account to account. A
 * territory t is matched for the current account when stamp[t] equals
 * generation, which saves clearing an array per account. */
typedef struct scratch {
    const credo_rule_bound *bound;
    uint32_t *stamp;
    uint32_t generation;
    uint32_t *matched;
    size_t matched_count;
    int64_t *values;              /* the account's slot values, see ri_test */
    /* The previous account's value id in each text column, its map entry
     * (or NULL) and its slot value stay in last_id, slots and values, so
     * that an account with the same value skips the lookup. Likewise the
     * previous key and entry of each pair table. Consecutive accounts share
     * values often, because ranges are assigned grouped by order code. */
    credo_str *last_id;
    const ri_slot **slots;
    uint64_t *last_pair_key;
    const ri_pair_slot **pair_slots;
    size_t named_at, excluded_at; /* cursors into the binding's sorted lists */
    bool ordered;                 /* rows arrive out of row order, so the cursors are found by binary search */
} scratch;

static void try_conjunction(scratch *s, uint32_t c, uint32_t t, uint32_t row)
{
    if (s->stamp[t] == s->generation || !ri_conjunction_holds(s->bound, c, row, s->values))
        return;
    s->stamp[t] = s->generation;
    s->matched[s->matched_count++] = t;
}

static void try_list(scratch *s, const uint32_t *list, const ri_filter *filters, size_t count, uint32_t row)
{
    const int64_t *values = s->values;
    for (size_t i = 0; i < count; i++) {
        const ri_filter *filter = &filters[i];
        int64_t value = values[filter->slot];
        if (value >= filter->low && value <= filter->high &&
            ((uint64_t)filter->high - (uint64_t)filter->low >= 64 ||
             ((filter->mask >> (value - filter->low)) & 1) != 0)) {
            try_conjunction(s, list[i], filter->territory, row);
        }
    }
}

/* Verifies the conjunctions of the pair tables that the account's key
 * selects in each (see ri_pair_slot). */
static void gather_pairs(scratch *s, uint32_t row)
{
    const credo_rule_bound *bound = s->bound;
    int64_t codes[RI_NUMBER_FIELDS];
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        codes[n] = bound->pair_bound_count[n] == 0 || s->values[n] == CREDO_NUMBER_NONE
                       ? -1
                       : ri_pair_number_code(bound, n, s->values[n]);
    for (size_t p = 0; p < bound->pair_count; p++) {
        const ri_pair_table *table = &bound->pairs[p];
        credo_str id = bound->text[table->column].values[row];
        int64_t code = table->slot < RI_NUMBER_FIELDS ? codes[table->slot] : s->values[table->slot];
        if (id == CREDO_STR_NONE || code < 0)
            continue;
        uint64_t key = (uint64_t)id << 32 | (uint32_t)code;
        if (key != s->last_pair_key[p]) {
            s->last_pair_key[p] = key;
            s->pair_slots[p] = ri_pair_find(&table->map, key);
        }
        const ri_pair_slot *slot = s->pair_slots[p];
        if (slot != NULL)
            try_list(s, table->postings + slot->start, table->filters + slot->start, slot->count, row);
    }
}

/* Reads the account's slot values (see ri_test), then verifies every
 * conjunction that an anchor of the account selects. */
static void gather(scratch *s, uint32_t row)
{
    const credo_rule_bound *bound = s->bound;
    const ri_slot **slots = s->slots;
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        if (bound->number_read[n])
            s->values[n] = bound->number[n].values[row];
    for (size_t k = 0; k < bound->text_count; k++) {
        const ri_text_column *column = &bound->text[k];
        credo_str id = column->values[row];
        if (id == s->last_id[k])
            continue;
        s->last_id[k] = id;
        const ri_slot *slot = id == CREDO_STR_NONE ? NULL : ri_map_find(&column->map, id);
        slots[k] = slot;
        if (id == CREDO_STR_NONE)
            s->values[RI_NUMBER_FIELDS + k] = INT64_MIN;
        else if (!column->ranked)
            s->values[RI_NUMBER_FIELDS + k] = id;
        else
            s->values[RI_NUMBER_FIELDS + k] = slot == NULL ? -1 : (int64_t)slot->rank;
    }
    for (size_t k = 0; k < bound->text_count; k++)
        if (slots[k] != NULL)
            try_list(s, bound->text[k].postings + slots[k]->start, bound->text[k].filters + slots[k]->start,
                     slots[k]->count, row);
    for (int n = 0; n < RI_NUMBER_FIELDS; n++) {
        const ri_number_field *field = &bound->number[n];
        size_t count = 0;
        const uint32_t *list = field->posting_count == 0 ? NULL
                                                         : ri_number_lookup(field, field->values[row], &count);
        try_list(s, list, list == NULL ? NULL : field->filters + (list - field->postings), count, row);
    }
    try_list(s, bound->always, bound->always_filters, bound->always_count, row);
    if (bound->pair_count > 0)
        gather_pairs(s, row);
}

static bool is_named(const scratch *s, uint32_t row, uint32_t t)
{
    const credo_policy_binding *binding = &s->bound->binding;
    for (size_t i = s->named_at; i < binding->named_count && binding->named[i].account == row; i++)
        if (binding->named[i].territory == t)
            return true;
    return false;
}

static void unmatch(scratch *s, uint32_t t)
{
    s->stamp[t] = s->generation - 1;
    for (size_t i = 0; i < s->matched_count; i++) {
        if (s->matched[i] == t) {
            s->matched[i] = s->matched[--s->matched_count];
            return;
        }
    }
}

static size_t lower_bound_pairs(const credo_listed_pair *pairs, size_t count, uint32_t row)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (pairs[middle].account < row)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

/* Moves the named and excluded cursors to the first entries of row: forward
 * when rows ascend, by binary search, and only for listed rows, when they
 * come in another order. Returns false when row is on neither list. */
static bool seek_lists(scratch *s, uint32_t row)
{
    const credo_policy_binding *binding = &s->bound->binding;
    if (s->ordered) {
        if ((s->bound->listed[row / 64] >> (row % 64) & 1) == 0)
            return false;
        s->named_at = lower_bound_pairs(binding->named, binding->named_count, row);
        s->excluded_at = lower_bound_pairs(binding->excluded, binding->excluded_count, row);
        return true;
    }
    while (s->named_at < binding->named_count && binding->named[s->named_at].account < row)
        s->named_at++;
    while (s->excluded_at < binding->excluded_count && binding->excluded[s->excluded_at].account < row)
        s->excluded_at++;
    return true;
}

/* Excluded accounts never match their territory and named accounts always
 * do; named wins when an account is both (as credo_binding_matches). */
static void apply_lists(scratch *s, uint32_t row)
{
    const credo_policy_binding *binding = &s->bound->binding;
    const credo_policy *policy = s->bound->index->policy;
    if (!seek_lists(s, row))
        return;

    for (size_t i = s->excluded_at; i < binding->excluded_count && binding->excluded[i].account == row; i++) {
        uint32_t t = binding->excluded[i].territory;
        if (s->stamp[t] == s->generation && !is_named(s, row, t))
            unmatch(s, t);
    }
    for (size_t i = s->named_at; i < binding->named_count && binding->named[i].account == row; i++) {
        uint32_t t = binding->named[i].territory;
        if (policy->territories[t].type_id == NULL || s->stamp[t] == s->generation)
            continue;
        s->stamp[t] = s->generation;
        s->matched[s->matched_count++] = t;
    }
}

/* Sorts list items [from, count) by territory id rank. */
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

/* Splits the matched territories into top-priority primaries and overlays. */
static bool resolve(const scratch *s, index_list *tied, index_list *overlays)
{
    const ri_territory_class *classes = s->bound->classes;
    size_t tied_from = tied->count, overlay_from = overlays->count;
    int32_t best_priority = 0;
    for (size_t i = 0; i < s->matched_count; i++) {
        uint32_t t = s->matched[i];
        const ri_territory_class *type = &classes[t];
        if (type->overlay) {
            if (!list_push(overlays, t))
                return false;
            continue;
        }
        if (tied->count > tied_from && type->priority < best_priority)
            continue;
        if (tied->count > tied_from && type->priority > best_priority)
            tied->count = tied_from;
        best_priority = type->priority;
        if (!list_push(tied, t))
            return false;
    }
    sort_by_rank(tied, tied_from, s->bound->binding.rank_by_id);
    sort_by_rank(overlays, overlay_from, s->bound->binding.rank_by_id);
    return true;
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

static bool scratch_init(scratch *s, const credo_rule_bound *bound, size_t first)
{
    size_t territories = bound->index->policy->territory_count;
    memset(s, 0, sizeof *s);
    s->bound = bound;
    s->stamp = calloc(territories == 0 ? 1 : territories, sizeof *s->stamp);
    s->matched = malloc((territories == 0 ? 1 : territories) * sizeof *s->matched);
    s->values = malloc(bound->slot_count * sizeof *s->values);
    for (int n = 0; s->values != NULL && n < RI_NUMBER_FIELDS; n++)
        s->values[n] = CREDO_NUMBER_NONE; /* stays so for the fields gather does not read */
    /* The remembered values start as those of a missing value. */
    for (size_t k = 0; s->values != NULL && k < bound->text_count; k++)
        s->values[RI_NUMBER_FIELDS + k] = INT64_MIN;
    s->last_id = calloc(bound->text_count + 1, sizeof *s->last_id);
    s->slots = calloc(bound->text_count + 1, sizeof *s->slots);
    s->last_pair_key = calloc(bound->pair_count + 1, sizeof *s->last_pair_key);
    s->pair_slots = calloc(bound->pair_count + 1, sizeof *s->pair_slots);
    s->named_at = lower_bound_pairs(bound->binding.named, bound->binding.named_count, (uint32_t)first);
    s->excluded_at = lower_bound_pairs(bound->binding.excluded, bound->binding.excluded_count, (uint32_t)first);
    return s->stamp != NULL && s->matched != NULL && s->values != NULL && s->last_id != NULL &&
           s->slots != NULL && s->last_pair_key != NULL && s->pair_slots != NULL;
}

/* Starts a new account: a fresh generation, and a cleared stamp array when
 * the counter wraps. */
static void scratch_next(scratch *s)
{
    s->matched_count = 0;
    if (++s->generation == 0) {
        memset(s->stamp, 0, s->bound->index->policy->territory_count * sizeof *s->stamp);
        s->generation = 1;
    }
}

/* Assigns one row: appends its top-priority territories to tied and its
 * overlays to overlays, and sets its status and single territory. */
static bool assign_one(scratch *s, uint32_t row, index_list *tied, index_list *overlays, uint8_t *status,
                       uint32_t *territory)
{
    size_t tied_from = tied->count;
    scratch_next(s);
    gather(s, row);
    apply_lists(s, row);
    if (!resolve(s, tied, overlays))
        return false;
    size_t matches = tied->count - tied_from;
    *status = matches == 1 ? CREDO_ACCOUNT_ASSIGNED : matches == 0 ? CREDO_ACCOUNT_GAP : CREDO_ACCOUNT_OVERLAP;
    *territory = matches == 1 ? tied->items[tied->count - 1] : CREDO_NO_ROW;
    return true;
}

/* Assigns entry i of assignment to row rows[i], or first + i when rows is
 * NULL. Rows must ascend, because the named and excluded cursors only move
 * forward. */
static bool assign_rows(scratch *s, credo_assignment *assignment, size_t first, const uint32_t *rows,
                        index_list *tied, index_list *overlays)
{
    for (size_t i = 0; i < assignment->count; i++) {
        uint32_t row = rows == NULL ? (uint32_t)(first + i) : rows[i];
        assignment->tied_start[i] = (uint32_t)tied->count;
        assignment->overlay_start[i] = (uint32_t)overlays->count;
        if (!assign_one(s, row, tied, overlays, &assignment->status[i], &assignment->territory[i]))
            return false;
    }
    assignment->tied_start[assignment->count] = (uint32_t)tied->count;
    assignment->overlay_start[assignment->count] = (uint32_t)overlays->count;
    return true;
}

/* The result of the row at position p of an ordered pass. The rows' lists
 * are appended in the order of the pass, so row p's tied territories are
 * tied[tied_at, next tied_at) and its overlays likewise, where next is the
 * record at p + 1. An assigned row's single territory is kept only in
 * `territory`. */
typedef struct ordered_result {
    uint32_t territory;
    uint32_t tied_at, overlay_at;
    uint8_t status;
} ordered_result;

/* An ordered pass over count rows: the rows in the order assigned, the
 * position of each row in that order, one result per position and one
 * after the last, and the lists. */
typedef struct ordered_pass {
    uint32_t *order, *position;
    ordered_result *results;
    index_list tied, overlays;
    size_t assigned;
} ordered_pass;

static void ordered_pass_free(ordered_pass *pass)
{
    free(pass->order);
    free(pass->position);
    free(pass->results);
    free(pass->tied.items);
    free(pass->overlays.items);
}

/* Rows of the order ahead of the current one whose columns are prefetched:
 * in an ordered pass consecutive rows lie far apart, so each reads a cache
 * line of every column. */
#define RI_PREFETCH_AHEAD 32

static void prefetch_row(const credo_rule_bound *bound, uint32_t row)
{
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        if (bound->number_read[n])
            __builtin_prefetch(&bound->number[n].values[row]);
    for (size_t k = 0; k < bound->text_count; k++)
        __builtin_prefetch(&bound->text[k].values[row]);
    __builtin_prefetch(&bound->listed[row / 64]);
}

/* Assigns the rows of pass->order, keeping each one's result in the order
 * assigned. */
static bool assign_in_order(scratch *s, size_t count, ordered_pass *pass)
{
    for (size_t p = 0; p < count; p++) {
        if (p + RI_PREFETCH_AHEAD < count)
            prefetch_row(s->bound, pass->order[p + RI_PREFETCH_AHEAD]);
        ordered_result *result = &pass->results[p];
        result->tied_at = (uint32_t)pass->tied.count;
        result->overlay_at = (uint32_t)pass->overlays.count;
        if (!assign_one(s, pass->order[p], &pass->tied, &pass->overlays, &result->status, &result->territory))
            return false;
        if (result->status == CREDO_ACCOUNT_ASSIGNED) {
            pass->tied.count--;
            pass->assigned++;
        }
    }
    pass->results[count].tied_at = (uint32_t)pass->tied.count;
    pass->results[count].overlay_at = (uint32_t)pass->overlays.count;
    return true;
}

/* Copies the results of an ordered pass into a and its lists in row
 * order. */
static bool lay_out(credo_assignment *a, const ordered_pass *pass, index_list *tied, index_list *overlays)
{
    size_t tied_total = pass->tied.count + pass->assigned, overlay_total = pass->overlays.count;
    tied->items = tied_total == 0 ? NULL : malloc(tied_total * sizeof *tied->items);
    overlays->items = overlay_total == 0 ? NULL : malloc(overlay_total * sizeof *overlays->items);
    if ((tied_total > 0 && tied->items == NULL) || (overlay_total > 0 && overlays->items == NULL))
        return false;
    tied->count = tied->capacity = tied_total;
    overlays->count = overlays->capacity = overlay_total;

    uint32_t tied_to = 0, overlay_to = 0;
    for (size_t i = 0; i < a->count; i++) {
        /* The results of consecutive rows lie far apart: fetch the record
         * two steps ahead and its overlays one step ahead. */
        if (i + 2 * RI_PREFETCH_AHEAD < a->count)
            __builtin_prefetch(&pass->results[pass->position[i + 2 * RI_PREFETCH_AHEAD]]);
        if (i + RI_PREFETCH_AHEAD < a->count)
            __builtin_prefetch(&pass->overlays.items[pass->results[pass->position[i + RI_PREFETCH_AHEAD]].overlay_at]);
        const ordered_result *result = &pass->results[pass->position[i]], *next = result + 1;
        a->status[i] = result->status;
        a->territory[i] = result->territory;
        a->tied_start[i] = tied_to;
        a->overlay_start[i] = overlay_to;
        /* Plain loops, because the lists hold a few entries each and the
         * memcpy calls took about 5% of a profile of the 20k benchmark. */
        if (result->status == CREDO_ACCOUNT_ASSIGNED)
            tied->items[tied_to++] = result->territory;
        else
            for (uint32_t k = result->tied_at; k < next->tied_at; k++)
                tied->items[tied_to++] = pass->tied.items[k];
        for (uint32_t k = result->overlay_at; k < next->overlay_at; k++)
            overlays->items[overlay_to++] = pass->overlays.items[k];
    }
    a->tied_start[a->count] = tied_to;
    a->overlay_start[a->count] = overlay_to;
    return true;
}

/* Assigns rows [first, first + count) grouped by order code (see
 * rule_index_order.c), then lays the results out in row order. */
static bool assign_range_ordered(scratch *s, credo_assignment *a, size_t first, index_list *tied,
                                 index_list *overlays)
{
    size_t count = a->count;
    ordered_pass pass = {.order = malloc(count * sizeof *pass.order),
                         .position = malloc(count * sizeof *pass.position),
                         .results = malloc((count + 1) * sizeof *pass.results)};
    s->ordered = true;
    bool ok = pass.order != NULL && pass.position != NULL && pass.results != NULL &&
              ri_order_rows(s->bound, first, count, pass.order, pass.position) &&
              assign_in_order(s, count, &pass) && lay_out(a, &pass, tied, overlays);
    ordered_pass_free(&pass);
    return ok;
}

/* Ranges shorter than this are assigned in row order: sorting them would
 * cost more than it saves. */
#define RI_ORDER_MIN_ROWS 16u

static bool use_order(const credo_rule_bound *bound, const uint32_t *rows, size_t count)
{
    return rows == NULL && bound->order_code != NULL && count >= RI_ORDER_MIN_ROWS &&
           count >= bound->order_codes / 64;
}

/* Assigns count rows: rows[0, count) when rows is not NULL, else the range
 * starting at first. */
static credo_status assign_some(const credo_rule_bound *bound, size_t first, const uint32_t *rows,
                                size_t count, credo_assignment **out, credo_error *err)
{
    credo_assignment *assignment = assignment_new(count);
    scratch s;
    bool ok = scratch_init(&s, bound, rows == NULL || count == 0 ? first : rows[0]) && assignment != NULL;
    index_list tied = {0}, overlays = {0};
    if (ok && use_order(bound, rows, count))
        ok = assign_range_ordered(&s, assignment, first, &tied, &overlays);
    else
        ok = ok && assign_rows(&s, assignment, first, rows, &tied, &overlays);
    free(s.stamp);
    free(s.matched);
    free(s.values);
    free(s.last_id);
    free(s.slots);
    free(s.last_pair_key);
    free(s.pair_slots);
    if (!ok) {
        free(tied.items);
        free(overlays.items);
        credo_assignment_free(assignment);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory assigning %zu accounts", count);
    }
    assignment->tied = tied.items;
    assignment->overlays = overlays.items;
    *out = assignment;
    return CREDO_OK;
}

credo_status credo_rule_bound_assign(const credo_rule_bound *bound, size_t first, size_t count,
                                     credo_assignment **out, credo_error *err)
{
    size_t rows = bound->snapshot->accounts.count;
    if (first > rows || count > rows - first)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "account rows %zu to %zu are outside the snapshot's %zu rows; "
                               "pass a range within it", first, first + count, rows);
    return assign_some(bound, first, NULL, count, out, err);
}

credo_status credo_rule_bound_assign_rows(const credo_rule_bound *bound, const uint32_t *rows,
                                          size_t count, credo_assignment **out, credo_error *err)
{
    size_t total = bound->snapshot->accounts.count;
    for (size_t i = 0; i < count; i++) {
        if (rows[i] >= total)
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "account row %u is outside the snapshot's %zu rows; pass rows below %zu",
                                   rows[i], total, total);
        if (i > 0 && rows[i] <= rows[i - 1])
            return credo_error_set(err, CREDO_ERR_INVALID,
                                   "account rows must ascend without repeats, but row %u follows row %u; "
                                   "sort them first", rows[i], rows[i - 1]);
    }
    return assign_some(bound, 0, rows, count, out, err);
}

credo_status credo_assign_accounts_indexed(const credo_snapshot *snapshot,
                                           const credo_policy *policy,
                                           const credo_rule_index *index,
                                           credo_assignment **out, credo_error *err)
{
    if (index->policy != policy)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "the rule index was built from another policy; build it from this one");
    credo_rule_bound *bound = NULL;
    credo_status status = credo_rule_index_bind(index, snapshot, &bound, err);
    if (status != CREDO_OK)
        return status;
    status = credo_rule_bound_assign(bound, 0, snapshot->accounts.count, out, err);
    credo_rule_bound_free(bound);
    return status;
}
