/* Binding a compiled policy to a snapshot: for each conjunction, the test
 * with the fewest sampled matching accounts becomes its anchor, and the
 * conjunction is listed under the values that pass that test. */
#include "rule_index_internal.h"

#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"

/* Growable arrays filled while anchors are chosen. */
typedef struct bind_work {
    credo_rule_bound *bound;
    ri_text_entry *entries;
    size_t entry_count, entry_capacity;
    ri_band *bands;
    size_t band_count, band_capacity;
    bool failed;
} bind_work;

/* The best anchor found so far for one conjunction. */
typedef struct anchor_choice {
    ri_anchor_kind kind;
    uint32_t literal;              /* skipped when verifying; UINT32_MAX for none */
    uint64_t hits;                 /* sampled accounts that pass the anchor */
    uint64_t entries;              /* table entries it needs */
    size_t column;                 /* RI_ANCHOR_TEXT: index into bound->text */
    int number;                    /* RI_ANCHOR_NUMBER: index into bound->number */
    const credo_expr_node *node;   /* the anchor test, NULL for a combined band */
    credo_number low, high;        /* combined band */
} anchor_choice;

/* One walk over the values that pass a text test: counting, or emitting
 * table entries for conjunction `conjunction`. */
typedef struct text_walk {
    bind_work *work;
    size_t column;
    uint32_t conjunction;
    bool emit;
    bool usable;
    uint64_t hits, entries;
} text_walk;

size_t ri_sample_row(const credo_rule_bound *bound, size_t i)
{
    return (size_t)((uint64_t)i * bound->snapshot->accounts.count / bound->sample_rows);
}

static bool push_entry(bind_work *work, ri_text_entry entry)
{
    if (work->entry_count == work->entry_capacity) {
        size_t capacity = work->entry_capacity == 0 ? 1024 : work->entry_capacity * 2;
        ri_text_entry *grown = realloc(work->entries, capacity * sizeof *grown);
        if (grown == NULL)
            return !(work->failed = true);
        work->entries = grown;
        work->entry_capacity = capacity;
    }
    work->entries[work->entry_count++] = entry;
    return true;
}

static bool push_band(bind_work *work, ri_band band)
{
    if (work->band_count == work->band_capacity) {
        size_t capacity = work->band_capacity == 0 ? 256 : work->band_capacity * 2;
        ri_band *grown = realloc(work->bands, capacity * sizeof *grown);
        if (grown == NULL)
            return !(work->failed = true);
        work->bands = grown;
        work->band_capacity = capacity;
    }
    work->bands[work->band_count++] = band;
    return true;
}

/* ---- text anchors ---- */

static ri_text_column *walk_column(const text_walk *w)
{
    return &w->work->bound->text[w->column];
}

static void walk_point(text_walk *w, const credo_value *value)
{
    ri_text_column *column = walk_column(w);
    credo_str id = credo_strpool_find(w->work->bound->snapshot->strings, value->text, value->length);
    if (id == CREDO_STR_NONE)
        return;
    w->entries++;
    w->hits += ri_text_sampled(column, id);
    if (w->emit)
        push_entry(w->work, (ri_text_entry){(uint32_t)w->column, id, w->conjunction});
}

static void walk_range(text_walk *w, size_t from, size_t to)
{
    ri_text_column *column = walk_column(w);
    w->entries += to - from;
    w->hits += column->sample_prefix[to] - column->sample_prefix[from];
    for (size_t i = from; w->emit && i < to; i++)
        push_entry(w->work, (ri_text_entry){(uint32_t)w->column, column->sorted[i], w->conjunction});
}

/* Makes the sorted distinct values available; false when the column has
 * too many of them (the test is then no anchor) or memory ran out. */
static bool walk_sorted(text_walk *w)
{
    ri_text_column *column = walk_column(w);
    if (!ri_text_column_sort(w->work->bound, column)) {
        w->work->failed = true;
        return false;
    }
    if (column->too_many_distinct)
        w->usable = false;
    return w->usable;
}

static void walk_compare(text_walk *w, const credo_expr_node *node)
{
    const credo_value *value = &node->value;
    size_t from = 0, to = 0;
    switch (node->op) {
    case CREDO_OP_EQ:
        walk_point(w, value);
        return;
    case CREDO_OP_NE:
        w->usable = false;
        return;
    default:
        break;
    }
    if (!walk_sorted(w))
        return;
    const ri_text_column *column = walk_column(w);
    if (node->op == CREDO_OP_LT || node->op == CREDO_OP_LE)
        ri_text_sorted_range(w->work->bound, column, NULL, false, value, node->op == CREDO_OP_LT, &from, &to);
    else
        ri_text_sorted_range(w->work->bound, column, value, node->op == CREDO_OP_GT, NULL, false, &from, &to);
    walk_range(w, from, to);
}

static void walk_in(text_walk *w, const credo_expr_node *pub)
{
    const expr_node *node = (const expr_node *)pub;
    for (size_t i = 0; i < node->span_count && w->usable; i++) {
        const credo_expr_item *span = &node->spans[i];
        if (credo__expr_compare_values(&span->low, &span->high) == 0) {
            walk_point(w, &span->low);
            continue;
        }
        if (!walk_sorted(w))
            return;
        size_t from, to;
        ri_text_sorted_range(w->work->bound, walk_column(w), &span->low, false, &span->high, false,
                             &from, &to);
        walk_range(w, from, to);
    }
}

typedef struct index_range {
    size_t from, to;
} index_range;

static int compare_ranges(const void *a, const void *b)
{
    const index_range *x = a, *y = b;
    return (x->from > y->from) - (x->from < y->from);
}

/* Prefixes may overlap ("9" and "98"), so their index ranges are merged
 * before walking. */
static void walk_prefixes(text_walk *w, const credo_expr_node *node)
{
    if (!walk_sorted(w))
        return;
    index_range *ranges = malloc(node->item_count * sizeof *ranges);
    if (ranges == NULL) {
        w->work->failed = true;
        w->usable = false;
        return;
    }
    for (size_t i = 0; i < node->item_count; i++)
        ri_text_prefix_range(w->work->bound, walk_column(w), &node->items[i].low, &ranges[i].from,
                             &ranges[i].to);
    qsort(ranges, node->item_count, sizeof *ranges, compare_ranges);
    size_t covered = 0;
    for (size_t i = 0; i < node->item_count; i++) {
        size_t from = ranges[i].from > covered ? ranges[i].from : covered;
        if (ranges[i].to > from)
            walk_range(w, from, ranges[i].to);
        if (ranges[i].to > covered)
            covered = ranges[i].to;
    }
    free(ranges);
}

/* Walks the values of the column that pass node; false when node is no
 * usable anchor. */
static bool text_walk_run(text_walk *w, const credo_expr_node *node)
{
    if (!ri_text_column_sample(w->work->bound, walk_column(w))) {
        w->work->failed = true;
        return false;
    }
    if (node->kind == CREDO_EXPR_COMPARE)
        walk_compare(w, node);
    else if (node->kind == CREDO_EXPR_IN)
        walk_in(w, node);
    else
        walk_prefixes(w, node);
    return w->usable && !w->work->failed && w->entries <= CREDO_RULE_INDEX_MAX_ANCHOR_VALUES;
}

/* ---- choosing ---- */

static bool better(uint64_t hits, uint64_t entries, const anchor_choice *best)
{
    if (best->kind == RI_ANCHOR_ALWAYS)
        return true;
    return hits < best->hits || (hits == best->hits && entries < best->entries);
}

const credo_str *ri_text_values(const credo_rule_bound *bound, uint32_t t, int field)
{
    const credo_accounts *accounts = &bound->snapshot->accounts;
    switch (field) {
    case CREDO_FIELD_ID: return accounts->id;
    case CREDO_FIELD_NAME: return accounts->name;
    case CREDO_FIELD_COUNTRY: return accounts->country;
    case CREDO_FIELD_REGION: return accounts->region;
    case CREDO_FIELD_POSTAL_CODE: return accounts->postal_code;
    case CREDO_FIELD_CITY: return accounts->city;
    case CREDO_FIELD_INDUSTRY: return accounts->industry;
    case CREDO_FIELD_PARENT: return accounts->parent_id;
    default: break;
    }
    const credo_attribute_column *const *custom = bound->binding.custom_columns[t];
    const credo_attribute_column *column = custom[field - CREDO_FIELD_ACCOUNT_COUNT];
    return column == NULL ? NULL : column->values;
}

static bool is_custom(int field)
{
    return field >= CREDO_FIELD_ACCOUNT_COUNT;
}

static void consider_text(bind_work *work, uint32_t c, uint32_t i, const credo_str *values,
                          anchor_choice *best)
{
    const credo_expr_node *node = work->bound->index->literals[i].node;
    size_t column = ri_text_column_of(work->bound, values);
    if (column == SIZE_MAX) {
        work->failed = true;
        return;
    }
    text_walk w = {work, column, c, false, true, 0, 0};
    if (text_walk_run(&w, node) && better(w.hits, w.entries, best))
        *best = (anchor_choice){RI_ANCHOR_TEXT, i, w.hits, w.entries, column, -1, node, 0, 0};
}

static void consider_number_in(bind_work *work, uint32_t i, int n, anchor_choice *best)
{
    const expr_node *node = (const expr_node *)work->bound->index->literals[i].node;
    if (node->span_count > CREDO_RULE_INDEX_MAX_ANCHOR_VALUES)
        return;
    uint64_t hits = 0;
    for (size_t s = 0; s < node->span_count; s++)
        hits += ri_number_estimate(work->bound, n, node->spans[s].low.number, node->spans[s].high.number);
    if (better(hits, node->span_count, best))
        *best = (anchor_choice){RI_ANCHOR_NUMBER, i, hits, node->span_count, 0, n, &node->pub, 0, 0};
}

/* Narrows the band [*low, *high] by a comparison with a number literal. */
static void narrow_band(const credo_expr_node *node, credo_number *low, credo_number *high)
{
    credo_number v = node->value.number;
    switch (node->op) {
    case CREDO_OP_EQ: *low = v > *low ? v : *low; *high = v < *high ? v : *high; break;
    case CREDO_OP_LT: *high = v - 1 < *high ? v - 1 : *high; break;
    case CREDO_OP_LE: *high = v < *high ? v : *high; break;
    case CREDO_OP_GT: *low = v + 1 > *low ? v + 1 : *low; break;
    case CREDO_OP_GE: *low = v > *low ? v : *low; break;
    case CREDO_OP_NE: break;
    }
}

/* Band limits of one conjunction per number field; numbers are exact
 * integers of 1/CREDO_NUMBER_SCALE, so "> v" is ">= v + 1". */
typedef struct conj_bands {
    bool used[RI_NUMBER_FIELDS];
    credo_number low[RI_NUMBER_FIELDS], high[RI_NUMBER_FIELDS];
} conj_bands;

/* Considers literal i of conjunction c as an anchor. Returns false when the
 * literal can never hold (a custom attribute absent from the snapshot). */
static bool consider_literal(bind_work *work, uint32_t c, uint32_t i, conj_bands *bands,
                             anchor_choice *best)
{
    const ri_literal *literal = &work->bound->index->literals[i];
    const credo_expr_node *node = literal->node;
    if (literal->opaque || literal->negated || (node->kind == CREDO_EXPR_IN && node->negated))
        return true; /* true for values outside a set, so no set of values to list */
    uint32_t t = work->bound->index->conjunctions[c].territory;
    if (is_custom(node->field) &&
        work->bound->binding.custom_columns[t][node->field - CREDO_FIELD_ACCOUNT_COUNT] == NULL)
        return false;
    if (((const expr_node *)node)->compare_kind == CREDO_VALUE_TEXT) {
        consider_text(work, c, i, ri_text_values(work->bound, t, node->field), best);
        return true;
    }
    int n = ri_number_slot(node->field);
    if (n < 0)
        return true;
    if (node->kind == CREDO_EXPR_IN) {
        consider_number_in(work, i, n, best);
    } else if (node->op != CREDO_OP_NE) {
        bands->used[n] = true;
        narrow_band(node, &bands->low[n], &bands->high[n]);
    }
    return true;
}

static void consider_bands(bind_work *work, const conj_bands *bands, anchor_choice *best)
{
    for (int n = 0; n < RI_NUMBER_FIELDS; n++) {
        if (!bands->used[n])
            continue;
        bool empty = bands->low[n] > bands->high[n];
        uint64_t hits = empty ? 0 : ri_number_estimate(work->bound, n, bands->low[n], bands->high[n]);
        if (better(hits, empty ? 0 : 1, best))
            *best = (anchor_choice){RI_ANCHOR_NUMBER, UINT32_MAX, hits, empty ? 0 : 1, 0, n, NULL,
                                    bands->low[n], bands->high[n]};
    }
}

/* Records the chosen anchor's table entries and returns its final kind. */
static ri_anchor_kind apply_choice(bind_work *work, uint32_t c, const anchor_choice *best)
{
    if (best->kind == RI_ANCHOR_ALWAYS || best->entries == 0)
        return best->entries == 0 && best->kind != RI_ANCHOR_ALWAYS ? RI_ANCHOR_NEVER : best->kind;
    if (best->kind == RI_ANCHOR_TEXT) {
        text_walk w = {work, best->column, c, true, true, 0, 0};
        text_walk_run(&w, best->node);
        return RI_ANCHOR_TEXT;
    }
    if (best->node == NULL) {
        push_band(work, (ri_band){(uint32_t)best->number, c, best->low, best->high});
        return RI_ANCHOR_NUMBER;
    }
    const expr_node *node = (const expr_node *)best->node;
    for (size_t s = 0; s < node->span_count; s++)
        push_band(work, (ri_band){(uint32_t)best->number, c, node->spans[s].low.number,
                                  node->spans[s].high.number});
    return RI_ANCHOR_NUMBER;
}

static void choose_anchor(bind_work *work, uint32_t c)
{
    credo_rule_bound *bound = work->bound;
    const ri_conjunction *conj = &bound->index->conjunctions[c];
    anchor_choice best = {.kind = RI_ANCHOR_ALWAYS, .literal = UINT32_MAX};
    conj_bands bands = {0};
    for (int n = 0; n < RI_NUMBER_FIELDS; n++) {
        bands.low[n] = INT64_MIN + 1; /* INT64_MIN is CREDO_NUMBER_NONE */
        bands.high[n] = INT64_MAX;
    }

    bool possible = true;
    for (uint32_t i = conj->first; i < conj->first + conj->count && possible && !work->failed; i++)
        possible = consider_literal(work, c, i, &bands, &best);
    if (!possible) {
        bound->anchor[c] = RI_ANCHOR_NEVER;
        bound->skip[c] = UINT32_MAX;
        return;
    }
    consider_bands(work, &bands, &best);
    bound->anchor[c] = (uint8_t)apply_choice(work, c, &best);
    bound->skip[c] = best.literal;
}

/* ---- binding ---- */

static bool list_always(credo_rule_bound *bound)
{
    size_t count = bound->index->conjunction_count;
    bound->always = malloc((count == 0 ? 1 : count) * sizeof *bound->always);
    if (bound->always == NULL)
        return false;
    for (size_t c = 0; c < count; c++)
        if (bound->anchor[c] == RI_ANCHOR_ALWAYS)
            bound->always[bound->always_count++] = (uint32_t)c;
    return true;
}

static bool fill_classes(credo_rule_bound *bound)
{
    const credo_policy *policy = bound->index->policy;
    size_t count = policy->territory_count;
    bound->classes = calloc(count == 0 ? 1 : count, sizeof *bound->classes);
    if (bound->classes == NULL)
        return false;
    bound->bytes += count * sizeof *bound->classes;
    for (size_t t = 0; t < count; t++) {
        const credo_policy_territory *territory = &policy->territories[t];
        if (territory->type_id == NULL)
            continue; /* a roll-up node: never matched, so its class is never read */
        const credo_policy_type *type = &policy->types[territory->type_index];
        bound->classes[t] = (ri_territory_class){type->priority, type->overlay ? 1u : 0u};
    }
    return true;
}

static bool choose_all(credo_rule_bound *bound)
{
    bind_work work = {.bound = bound};
    bool ok = ri_number_sample(bound);
    for (size_t c = 0; ok && c < bound->index->conjunction_count && !work.failed; c++)
        choose_anchor(&work, (uint32_t)c);
    /* The tests are compiled before the postings are laid out, because the
     * composite anchors are chosen from the compiled tests. */
    ok = ok && !work.failed && ri_compile_tests(bound) &&
         ri_pair_convert(bound, work.entries, &work.entry_count) &&
         ri_text_build_postings(bound, work.entries, work.entry_count) &&
         ri_number_build(bound, work.bands, work.band_count) && list_always(bound) &&
         ri_fill_filters(bound) && ri_order_build(bound);
    free(work.entries);
    free(work.bands);
    return ok;
}

credo_status credo_rule_index_bind(const credo_rule_index *index, const credo_snapshot *snapshot,
                                   credo_rule_bound **out, credo_error *err)
{
    credo_rule_bound *bound = calloc(1, sizeof *bound);
    if (bound == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory binding the territory rules");
    bound->index = index;
    bound->snapshot = snapshot;
    credo_status status = credo_policy_bind(snapshot, index->policy, &bound->binding, err);
    if (status != CREDO_OK) {
        free(bound);
        return status;
    }

    size_t rows = snapshot->accounts.count;
    bound->sample_rows = rows < CREDO_RULE_INDEX_SAMPLE_ROWS ? rows : CREDO_RULE_INDEX_SAMPLE_ROWS;
    size_t count = index->conjunction_count == 0 ? 1 : index->conjunction_count;
    bound->skip = malloc(count * sizeof *bound->skip);
    bound->anchor = calloc(count, sizeof *bound->anchor);
    bound->bytes = count * (sizeof *bound->skip + sizeof *bound->anchor);
    if (bound->skip == NULL || bound->anchor == NULL || !fill_classes(bound) || !choose_all(bound)) {
        credo_rule_bound_free(bound);
        return credo_error_set(err, CREDO_ERR_NOMEM,
                               "out of memory building the rule index over %zu accounts", rows);
    }
    *out = bound;
    return CREDO_OK;
}

void credo_rule_bound_free(credo_rule_bound *bound)
{
    if (bound == NULL)
        return;
    for (size_t i = 0; i < bound->text_count; i++)
        ri_text_column_free(&bound->text[i]);
    free(bound->text);
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        ri_number_field_free(&bound->number[n]);
    credo_policy_binding_free(&bound->binding);
    free(bound->always);
    free(bound->always_filters);
    free(bound->tests);
    free(bound->test_start);
    free(bound->intervals);
    free(bound->first_pass);
    for (size_t p = 0; p < bound->pair_count; p++)
        ri_pair_table_free(&bound->pairs[p]);
    free(bound->pairs);
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        free(bound->pair_bounds[n]);
    free(bound->skip);
    free(bound->anchor);
    free(bound->classes);
    free(bound->order_code);
    free(bound->listed);
    free(bound);
}
