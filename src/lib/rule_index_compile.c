/* Compiling the literals of each conjunction into integer set tests on a
 * vector of per-account values (see ri_test), so that verifying a candidate
 * compares integers instead of strings. A text literal becomes a set of
 * rank intervals of its column: the column's distinct values are sorted in
 * code point order, so "=", ranges, "<" and friends, "in" lists and
 * starts_with all select runs of consecutive ranks. Literals that cannot be
 * compiled (sub-expressions kept whole, custom attributes compared as
 * numbers, ranges on columns with too many values to rank) stay generic and
 * are evaluated as before. Within a conjunction the tests are ordered by
 * the sampled share of accounts that pass them, so that a failing candidate
 * usually fails on its first test. */
#include "rule_index_internal.h"

#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"

typedef struct compile_work {
    credo_rule_bound *bound;
    ri_interval *intervals;
    size_t interval_count, interval_capacity;
    bool failed;
} compile_work;

/* A compiled test and the sampled accounts it lets through. */
typedef struct ranked_test {
    ri_test test;
    uint64_t passes;
} ranked_test;

static void push_interval(compile_work *w, int64_t low, int64_t high)
{
    if (low > high || w->failed)
        return;
    if (w->interval_count == w->interval_capacity) {
        size_t capacity = w->interval_capacity == 0 ? 1024 : w->interval_capacity * 2;
        ri_interval *grown = realloc(w->intervals, capacity * sizeof *grown);
        if (grown == NULL) {
            w->failed = true;
            return;
        }
        w->intervals = grown;
        w->interval_capacity = capacity;
    }
    w->intervals[w->interval_count++] = (ri_interval){low, high};
}

/* ---- text ---- */

static void push_rank_range(compile_work *w, size_t from, size_t to)
{
    if (to > from)
        push_interval(w, (int64_t)from, (int64_t)to - 1);
}

static void rank_compare(compile_work *w, const ri_text_column *column, const credo_expr_node *node)
{
    const credo_value *v = &node->value;
    size_t from = 0, to = 0;
    switch (node->op) {
    case CREDO_OP_EQ:
    case CREDO_OP_NE:
        ri_text_sorted_range(w->bound, column, v, false, v, false, &from, &to);
        break;
    case CREDO_OP_LT:
    case CREDO_OP_LE:
        ri_text_sorted_range(w->bound, column, NULL, false, v, node->op == CREDO_OP_LT, &from, &to);
        break;
    case CREDO_OP_GT:
    case CREDO_OP_GE:
        ri_text_sorted_range(w->bound, column, v, node->op == CREDO_OP_GT, NULL, false, &from, &to);
        break;
    }
    push_rank_range(w, from, to);
}

static int compare_intervals(const void *a, const void *b)
{
    const ri_interval *x = a, *y = b;
    return (x->low > y->low) - (x->low < y->low);
}

/* Sorts intervals [first, count) and merges those that overlap or touch,
 * so that a binary search can find the one holding a value. */
static void merge_intervals(compile_work *w, size_t first)
{
    if (w->failed || w->interval_count - first < 2)
        return;
    ri_interval *run = w->intervals + first;
    size_t count = w->interval_count - first;
    qsort(run, count, sizeof *run, compare_intervals);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (kept > 0 && run[i].low <= run[kept - 1].high + 1) {
            if (run[i].high > run[kept - 1].high)
                run[kept - 1].high = run[i].high;
            continue;
        }
        run[kept++] = run[i];
    }
    w->interval_count = first + kept;
}

static void rank_set(compile_work *w, const ri_text_column *column, const credo_expr_node *pub)
{
    const expr_node *node = (const expr_node *)pub;
    size_t from = 0, to = 0;
    if (pub->kind == CREDO_EXPR_COMPARE) {
        rank_compare(w, column, pub);
        return;
    }
    if (pub->kind == CREDO_EXPR_IN) {
        for (size_t i = 0; i < node->span_count; i++) {
            ri_text_sorted_range(w->bound, column, &node->spans[i].low, false, &node->spans[i].high,
                                 false, &from, &to);
            push_rank_range(w, from, to);
        }
        return;
    }
    size_t first = w->interval_count;
    for (size_t i = 0; i < pub->item_count; i++) {
        ri_text_prefix_range(w->bound, column, &pub->items[i].low, &from, &to);
        push_rank_range(w, from, to);
    }
    merge_intervals(w, first);
}

/* Sampled accounts whose rank lies in intervals [first, interval_count). */
static uint64_t rank_passes(const compile_work *w, const ri_text_column *column, size_t first)
{
    uint64_t passes = 0;
    for (size_t i = first; i < w->interval_count; i++)
        passes += column->sample_prefix[w->intervals[i].high + 1] -
                  column->sample_prefix[w->intervals[i].low];
    return passes;
}

/* A column with too many values to rank: only "=", "!=" and lists of
 * single values compile, to sets of string ids.
 * NOTE: the differential test never reaches this path, because its columns
 * stay far below CREDO_RULE_INDEX_MAX_RANGE_DISTINCT values. */
static bool id_set(compile_work *w, const ri_text_column *column, const credo_expr_node *pub,
                   uint64_t *passes)
{
    const expr_node *node = (const expr_node *)pub;
    const credo_strpool *pool = w->bound->snapshot->strings;
    size_t first = w->interval_count;
    if (pub->kind == CREDO_EXPR_COMPARE && (pub->op == CREDO_OP_EQ || pub->op == CREDO_OP_NE)) {
        credo_str id = credo_strpool_find(pool, pub->value.text, pub->value.length);
        if (id != CREDO_STR_NONE)
            push_interval(w, id, id);
    } else if (pub->kind == CREDO_EXPR_IN) {
        for (size_t i = 0; i < node->span_count; i++)
            if (credo__expr_compare_values(&node->spans[i].low, &node->spans[i].high) != 0)
                return false;
        for (size_t i = 0; i < node->span_count; i++) {
            credo_str id = credo_strpool_find(pool, node->spans[i].low.text, node->spans[i].low.length);
            if (id != CREDO_STR_NONE)
                push_interval(w, id, id);
        }
        merge_intervals(w, first);
    } else {
        return false;
    }
    *passes = 0;
    for (size_t i = first; i < w->interval_count && !w->failed; i++)
        for (int64_t id = w->intervals[i].low; id <= w->intervals[i].high; id++)
            *passes += ri_text_sampled(column, (credo_str)id);
    return true;
}

/* Compiles a text literal on column k; false leaves it generic. */
static bool compile_text(compile_work *w, size_t k, const credo_expr_node *node, ri_test *test,
                         uint64_t *passes)
{
    ri_text_column *column = &w->bound->text[k];
    if (!ri_text_column_sample(w->bound, column) || !ri_text_column_rank(w->bound, column)) {
        w->failed = true;
        return false;
    }
    size_t first = w->interval_count;
    test->slot = (uint32_t)(RI_NUMBER_FIELDS + k);
    test->outside = (node->kind == CREDO_EXPR_COMPARE && node->op == CREDO_OP_NE) ||
                    (node->kind == CREDO_EXPR_IN && node->negated);
    if (column->ranked) {
        rank_set(w, column, node);
        *passes = w->failed ? 0 : rank_passes(w, column, first);
        if (test->outside)
            *passes = column->sample_prefix[column->sorted_count] - *passes;
    } else if (!id_set(w, column, node, passes)) {
        w->interval_count = first;
        return false;
    } else if (test->outside) {
        *passes = w->bound->sample_rows - *passes;
    }
    test->first = (uint32_t)first;
    test->count = (uint32_t)(w->interval_count - first);
    return true;
}

/* ---- numbers ---- */

static void number_set(compile_work *w, const credo_expr_node *pub)
{
    const expr_node *node = (const expr_node *)pub;
    if (pub->kind == CREDO_EXPR_IN) {
        for (size_t i = 0; i < node->span_count; i++)
            push_interval(w, node->spans[i].low.number, node->spans[i].high.number);
        return;
    }
    /* Numbers are integers of 1/CREDO_NUMBER_SCALE, so "< v" is "<= v - 1";
     * INT64_MIN is the missing value and never part of a set. */
    int64_t v = pub->value.number;
    switch (pub->op) {
    case CREDO_OP_EQ:
    case CREDO_OP_NE: push_interval(w, v, v); break;
    case CREDO_OP_LT: push_interval(w, INT64_MIN + 1, v - 1); break;
    case CREDO_OP_LE: push_interval(w, INT64_MIN + 1, v); break;
    case CREDO_OP_GT: push_interval(w, v + 1, INT64_MAX); break;
    case CREDO_OP_GE: push_interval(w, v, INT64_MAX); break;
    }
}

static void compile_number(compile_work *w, int n, const credo_expr_node *node, ri_test *test,
                           uint64_t *passes)
{
    size_t first = w->interval_count;
    test->slot = (uint32_t)n;
    test->outside = (node->kind == CREDO_EXPR_COMPARE && node->op == CREDO_OP_NE) ||
                    (node->kind == CREDO_EXPR_IN && node->negated);
    number_set(w, node);
    *passes = 0;
    for (size_t i = first; i < w->interval_count && !w->failed; i++)
        *passes += ri_number_estimate(w->bound, n, w->intervals[i].low, w->intervals[i].high);
    if (test->outside)
        *passes = w->bound->number[n].sample_count - *passes;
    test->first = (uint32_t)first;
    test->count = (uint32_t)(w->interval_count - first);
}

/* ---- literals and conjunctions ---- */

/* Compiles literal i of territory t. Generic tests get the most passes so
 * that they run last. */
static ranked_test compile_literal(compile_work *w, uint32_t t, uint32_t i)
{
    credo_rule_bound *bound = w->bound;
    const ri_literal *literal = &bound->index->literals[i];
    const credo_expr_node *node = literal->node;
    ranked_test out = {.test = {.kind = RI_TEST_GENERIC, .first = i, .negated = literal->negated},
                       .passes = UINT64_MAX};
    if (literal->opaque)
        return out;

    bool compiled = false;
    uint64_t passes = 0;
    ri_test test = {.kind = RI_TEST_SET, .negated = literal->negated};
    if (((const expr_node *)node)->compare_kind == CREDO_VALUE_TEXT) {
        const credo_str *values = ri_text_values(bound, t, node->field);
        if (values == NULL) {
            /* An attribute the data lacks: the test is false for every account. */
            out.test.kind = RI_TEST_CONST;
            out.passes = literal->negated ? bound->sample_rows : 0;
            return out;
        }
        size_t k = ri_text_column_of(bound, values);
        if (k == SIZE_MAX) {
            w->failed = true;
            return out;
        }
        compiled = compile_text(w, k, node, &test, &passes);
    } else if (ri_number_slot(node->field) >= 0) {
        compile_number(w, ri_number_slot(node->field), node, &test, &passes);
        compiled = true;
    }
    if (!compiled)
        return out;
    if (test.count == 1) {
        test.low = w->intervals[test.first].low;
        test.high = w->intervals[test.first].high;
    }
    out.test = test;
    out.passes = literal->negated ? bound->sample_rows - (passes > bound->sample_rows ? bound->sample_rows : passes)
                                  : passes;
    return out;
}

static int compare_ranked(const void *a, const void *b)
{
    const ranked_test *x = a, *y = b;
    return (x->passes > y->passes) - (x->passes < y->passes);
}

static bool is_plain_interval(const ri_test *test)
{
    return test->kind == RI_TEST_SET && test->count == 1 && !test->outside && !test->negated;
}

/* Sampled accounts whose value of slot lies in [low, high]. */
static uint64_t interval_passes(const credo_rule_bound *bound, uint32_t slot, int64_t low, int64_t high)
{
    if (low > high)
        return 0;
    if (slot < RI_NUMBER_FIELDS)
        return ri_number_estimate(bound, (int)slot, low, high);
    const ri_text_column *column = &bound->text[slot - RI_NUMBER_FIELDS];
    if (!column->ranked)
        return UINT64_MAX - 1;
    return column->sample_prefix[high + 1] - column->sample_prefix[low];
}

/* Joins tests of one interval on the same slot into their intersection:
 * "employees >= 50" and "employees < 250" become one band, which rejects
 * far more accounts than either alone. Returns the new test count. */
static size_t merge_same_slot(const credo_rule_bound *bound, ranked_test *tests, size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        ri_test *test = &tests[i].test;
        size_t j = 0;
        while (j < kept && !(is_plain_interval(test) && is_plain_interval(&tests[j].test) &&
                             tests[j].test.slot == test->slot))
            j++;
        if (j == kept) {
            tests[kept++] = tests[i];
            continue;
        }
        ri_test *into = &tests[j].test;
        into->low = test->low > into->low ? test->low : into->low;
        into->high = test->high < into->high ? test->high : into->high;
        if (into->low > into->high)
            into->count = 0; /* the conjunction never holds */
        tests[j].passes = interval_passes(bound, into->slot, into->low, into->high);
    }
    return kept;
}

/* The slot value of account row `row`, as the assignment loop reads it. */
static int64_t slot_value(const credo_rule_bound *bound, uint32_t slot, size_t row)
{
    if (slot < RI_NUMBER_FIELDS)
        return bound->number[slot].values[row];
    const ri_text_column *column = &bound->text[slot - RI_NUMBER_FIELDS];
    credo_str id = column->values[row];
    if (id == CREDO_STR_NONE)
        return INT64_MIN;
    if (!column->ranked)
        return id;
    const ri_slot *entry = ri_map_find(&column->map, id);
    return entry == NULL ? -1 : (int64_t)entry->rank;
}

/* Sampled rows whose value passes a text anchor on a ranked column, up to
 * RI_CONDITIONAL_ROWS of them evenly spread; 0 when the anchor is of
 * another kind. */
#define RI_CONDITIONAL_ROWS 64
static size_t anchor_rows(compile_work *w, uint32_t c, uint32_t *rows)
{
    const credo_rule_bound *bound = w->bound;
    uint32_t literal = bound->skip[c];
    if (bound->anchor[c] != RI_ANCHOR_TEXT || literal == UINT32_MAX)
        return 0;
    size_t first = w->interval_count;
    ranked_test anchor = compile_literal(w, bound->index->conjunctions[c].territory, literal);
    w->interval_count = first; /* the anchor's intervals are read below, then dropped */
    if (anchor.test.kind != RI_TEST_SET || anchor.test.outside || anchor.test.negated ||
        anchor.test.slot < RI_NUMBER_FIELDS)
        return 0;
    const ri_text_column *column = &bound->text[anchor.test.slot - RI_NUMBER_FIELDS];
    if (!column->ranked || column->sample_rows == NULL)
        return 0;
    size_t total = 0;
    for (uint32_t i = 0; i < anchor.test.count; i++) {
        const ri_interval *range = &w->intervals[anchor.test.first + i];
        total += column->sample_prefix[range->high + 1] - column->sample_prefix[range->low];
    }
    size_t step = total / RI_CONDITIONAL_ROWS + 1, n = 0, seen = 0;
    for (uint32_t i = 0; i < anchor.test.count; i++) {
        const ri_interval *range = &w->intervals[anchor.test.first + i];
        for (uint32_t k = column->sample_prefix[range->low]; k < column->sample_prefix[range->high + 1]; k++)
            if (seen++ % step == 0 && n < RI_CONDITIONAL_ROWS)
                rows[n++] = column->sample_rows[k];
    }
    return n;
}

/* Replaces the passes of the compiled tests by their count among rows that
 * pass the anchor: tests implied by the anchor (the state of a postal code)
 * then sort last instead of first. */
static void conditional_passes(const credo_rule_bound *bound, ranked_test *tests, size_t count,
                               const uint32_t *rows, size_t row_count)
{
    for (size_t i = 0; i < count; i++) {
        const ri_test *test = &tests[i].test;
        if (test->kind != RI_TEST_SET)
            continue;
        uint64_t passes = 0;
        for (size_t r = 0; r < row_count; r++)
            passes += ri_set_test_holds(bound, test, slot_value(bound, test->slot, rows[r]));
        tests[i].passes = passes;
    }
}

/* Compiles the literals of conjunction c, except its anchor, into
 * tests[*count ...], ordered by passes. */
static void compile_conjunction(compile_work *w, uint32_t c, ranked_test *scratch, size_t *count)
{
    const credo_rule_bound *bound = w->bound;
    const ri_conjunction *conj = &bound->index->conjunctions[c];
    size_t n = 0;
    for (uint32_t i = conj->first; i < conj->first + conj->count && !w->failed; i++)
        if (i != bound->skip[c])
            scratch[n++] = compile_literal(w, conj->territory, i);
    n = merge_same_slot(bound, scratch, n);
    uint32_t rows[RI_CONDITIONAL_ROWS];
    size_t row_count = w->failed ? 0 : anchor_rows(w, c, rows);
    if (row_count > 0) {
        w->bound->intervals = w->intervals; /* read by ri_set_test_holds */
        conditional_passes(bound, scratch, n, rows, row_count);
    }
    qsort(scratch, n, sizeof *scratch, compare_ranked);
    if (row_count > 0 && n > 0 && scratch[0].test.kind == RI_TEST_SET)
        w->bound->first_pass[c] = (uint8_t)(scratch[0].passes * 255 / row_count);
    for (size_t i = 0; i < n; i++)
        bound->tests[(*count)++] = scratch[i].test;
}

static size_t longest_conjunction(const credo_rule_index *index)
{
    size_t longest = 1;
    for (size_t c = 0; c < index->conjunction_count; c++)
        if (index->conjunctions[c].count > longest)
            longest = index->conjunctions[c].count;
    return longest;
}

/* The filter of conjunction c's first test, without `decides`. */
static ri_filter first_test_filter(const credo_rule_bound *bound, uint32_t c)
{
    uint32_t t = bound->index->conjunctions[c].territory;
    ri_filter pass_all = {.low = INT64_MIN, .high = INT64_MAX, .mask = ~UINT64_C(0), .territory = t};
    if (bound->test_start[c] == bound->test_start[c + 1])
        return pass_all;
    const ri_test *test = &bound->tests[bound->test_start[c]];
    if (test->kind != RI_TEST_SET || test->outside || test->negated)
        return pass_all;
    if (test->count == 0) /* an empty set: nothing passes */
        return (ri_filter){.low = 1, .high = 0, .mask = 0, .slot = test->slot, .territory = t};
    if (test->count == 1)
        return (ri_filter){.low = test->low, .high = test->high, .mask = ~UINT64_C(0), .slot = test->slot,
                           .territory = t};
    const ri_interval *first = &bound->intervals[test->first];
    const ri_interval *last = first + test->count - 1;
    if ((uint64_t)last->high - (uint64_t)first->low >= 64)
        return pass_all;
    ri_filter filter = {.low = first->low, .high = last->high, .mask = 0, .slot = test->slot, .territory = t};
    for (const ri_interval *at = first; at <= last; at++)
        for (int64_t v = at->low; v <= at->high; v++)
            filter.mask |= UINT64_C(1) << (v - first->low);
    return filter;
}

/* Whether passing filter, made by first_test_filter, implies that every
 * compiled test of conjunction c holds. A missing value is INT64_MIN and
 * fails every SET test that is not negated, so a filter whose low end is
 * INT64_MIN would let it through and is not exact. */
static bool filter_decides(const credo_rule_bound *bound, uint32_t c, const ri_filter *filter)
{
    uint32_t tests = bound->test_start[c + 1] - bound->test_start[c];
    if (tests == 0)
        return true;
    const ri_test *test = &bound->tests[bound->test_start[c]];
    return tests == 1 && test->kind == RI_TEST_SET && !test->outside && !test->negated &&
           filter->slot == test->slot && filter->low != INT64_MIN &&
           (test->count != 1 || filter->mask == ~UINT64_C(0));
}

static ri_filter filter_of(const credo_rule_bound *bound, uint32_t c)
{
    ri_filter filter = first_test_filter(bound, c);
    filter.decides = filter_decides(bound, c, &filter) ? 1u : 0u;
    return filter;
}

static ri_filter *filters_of(credo_rule_bound *bound, const uint32_t *postings, size_t count)
{
    ri_filter *filters = malloc((count == 0 ? 1 : count) * sizeof *filters);
    for (size_t i = 0; filters != NULL && i < count; i++)
        filters[i] = filter_of(bound, postings[i]);
    bound->bytes += count * sizeof *filters;
    return filters;
}

bool ri_fill_filters(credo_rule_bound *bound)
{
    bool ok = true;
    for (size_t p = 0; p < bound->pair_count; p++) {
        ri_pair_table *table = &bound->pairs[p];
        table->filters = filters_of(bound, table->postings, table->posting_count);
        ok = ok && table->filters != NULL;
    }
    for (size_t k = 0; k < bound->text_count; k++) {
        ri_text_column *column = &bound->text[k];
        column->filters = filters_of(bound, column->postings, column->posting_count);
        ok = ok && column->filters != NULL;
    }
    for (int n = 0; n < RI_NUMBER_FIELDS; n++) {
        ri_number_field *field = &bound->number[n];
        field->filters = filters_of(bound, field->postings, field->posting_count);
        ok = ok && field->filters != NULL;
    }
    bound->always_filters = filters_of(bound, bound->always, bound->always_count);
    return ok && bound->always_filters != NULL;
}

bool ri_compile_tests(credo_rule_bound *bound)
{
    const credo_rule_index *index = bound->index;
    size_t literals = index->literal_count == 0 ? 1 : index->literal_count;
    bound->tests = malloc(literals * sizeof *bound->tests);
    bound->test_start = malloc((index->conjunction_count + 1) * sizeof *bound->test_start);
    bound->first_pass = malloc((index->conjunction_count + 1) * sizeof *bound->first_pass);
    ranked_test *scratch = malloc(longest_conjunction(index) * sizeof *scratch);
    compile_work w = {.bound = bound};
    w.failed = bound->tests == NULL || bound->test_start == NULL || bound->first_pass == NULL ||
               scratch == NULL;
    if (bound->first_pass != NULL)
        memset(bound->first_pass, 255, index->conjunction_count + 1);

    size_t count = 0;
    for (size_t c = 0; c < index->conjunction_count && !w.failed; c++) {
        bound->test_start[c] = (uint32_t)count;
        if (bound->anchor[c] != RI_ANCHOR_NEVER)
            compile_conjunction(&w, (uint32_t)c, scratch, &count);
    }
    if (bound->test_start != NULL)
        bound->test_start[index->conjunction_count] = (uint32_t)count;
    free(scratch);
    bound->intervals = w.intervals;
    bound->interval_count = w.interval_count;
    bound->slot_count = RI_NUMBER_FIELDS + bound->text_count;
    bound->bytes += literals * sizeof *bound->tests + w.interval_capacity * sizeof *w.intervals +
                    (index->conjunction_count + 1) * sizeof *bound->test_start;
    return !w.failed;
}
