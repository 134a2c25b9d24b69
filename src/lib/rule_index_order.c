/* The order in which a range of accounts is assigned. Accounts are taken
 * grouped by the rank of their value in the text column with the most
 * postings, which is the postal code in a geographic plan. Consecutive
 * accounts then read the same posting lists and verify the same
 * conjunctions while those are still in cache. Each account's result is
 * still stored at its own row. The compiled tests are laid out in the same
 * order, so that verifying reads them front to back too. */
#include "rule_index_internal.h"

#include <stdlib.h>
#include <string.h>

/* The ranked text column with the most postings, or SIZE_MAX when no
 * column lists any. */
static size_t order_column(const credo_rule_bound *bound)
{
    size_t best = SIZE_MAX, max_postings = 0;
    for (size_t k = 0; k < bound->text_count; k++) {
        const ri_text_column *column = &bound->text[k];
        if (column->ranked && column->posting_count > max_postings) {
            max_postings = column->posting_count;
            best = k;
        }
    }
    return best;
}

/* Sets the bit of every row on a named or excluded list. */
static bool mark_listed(credo_rule_bound *bound)
{
    const credo_policy_binding *binding = &bound->binding;
    size_t words = bound->snapshot->accounts.count / 64 + 1;
    bound->listed = calloc(words, sizeof *bound->listed);
    if (bound->listed == NULL)
        return false;
    bound->bytes += words * sizeof *bound->listed;
    for (size_t i = 0; i < binding->named_count; i++)
        bound->listed[binding->named[i].account / 64] |= UINT64_C(1) << (binding->named[i].account % 64);
    for (size_t i = 0; i < binding->excluded_count; i++)
        bound->listed[binding->excluded[i].account / 64] |= UINT64_C(1) << (binding->excluded[i].account % 64);
    return true;
}

static void mark_number_reads(credo_rule_bound *bound)
{
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        bound->number_read[n] = bound->number[n].posting_count > 0 || bound->pair_bound_count[n] > 0;
    const ri_test *end = bound->tests + bound->test_start[bound->index->conjunction_count];
    for (const ri_test *test = bound->tests; test < end; test++)
        if (test->kind == RI_TEST_SET && test->slot < RI_NUMBER_FIELDS)
            bound->number_read[test->slot] = true;
}

/* Order in which tests are laid out: conjunctions are appended when first
 * met, and each conjunction's tests are copied to the end of `tests`. */
typedef struct test_layout {
    credo_rule_bound *bound;
    ri_test *tests;
    uint32_t *start; /* per conjunction: its first test in `tests` */
    uint8_t *placed;
    size_t count;
} test_layout;

/* Turns a SET test of several intervals within 64 consecutive values into
 * a MASK test, which needs no search of bound->intervals. */
static void use_mask(const credo_rule_bound *bound, ri_test *test)
{
    if (test->kind != RI_TEST_SET || test->count < 2)
        return;
    const ri_interval *first = &bound->intervals[test->first];
    const ri_interval *last = first + test->count - 1;
    if (first->low == INT64_MIN || (uint64_t)last->high - (uint64_t)first->low >= 64)
        return;
    uint64_t mask = 0;
    for (const ri_interval *at = first; at <= last; at++)
        for (int64_t v = at->low; v <= at->high; v++)
            mask |= UINT64_C(1) << (v - first->low);
    test->kind = RI_TEST_MASK;
    test->low = first->low;
    test->mask = mask;
}

/* Copies conjunction c's tests to the layout, unless they are there
 * already, and marks the last one. A conjunction without tests points at
 * the test at 0, which always holds. */
static void place(test_layout *layout, uint32_t c)
{
    const credo_rule_bound *bound = layout->bound;
    if (layout->placed[c])
        return;
    layout->placed[c] = 1;
    uint32_t from = bound->test_start[c], to = bound->test_start[c + 1];
    if (from == to) {
        layout->start[c] = 0;
        return;
    }
    layout->start[c] = (uint32_t)layout->count;
    memcpy(layout->tests + layout->count, bound->tests + from, (to - from) * sizeof *layout->tests);
    for (uint32_t i = 0; i < to - from; i++)
        use_mask(bound, &layout->tests[layout->count + i]);
    layout->count += to - from;
    layout->tests[layout->count - 1].last = 1;
}

static void place_list(test_layout *layout, const uint32_t *postings, size_t count)
{
    for (size_t i = 0; i < count; i++)
        place(layout, postings[i]);
}

/* Places the conjunctions that the accounts of rank r in order column k
 * read: those listed under the value, then those of the pair tables
 * anchored on the column with a direct index. */
static void place_rank(test_layout *layout, size_t k, size_t r)
{
    const credo_rule_bound *bound = layout->bound;
    const ri_text_column *column = &bound->text[k];
    const ri_slot *slot = ri_map_find(&column->map, column->sorted[r]);
    if (slot != NULL)
        place_list(layout, column->postings + slot->start, slot->count);
    for (size_t p = 0; p < bound->pair_count; p++) {
        const ri_pair_table *table = &bound->pairs[p];
        if (table->column != k || table->dense_start == NULL)
            continue;
        uint32_t from = table->dense_start[r * table->dense_width];
        uint32_t to = table->dense_start[(r + 1) * table->dense_width];
        place_list(layout, table->postings + from, to - from);
    }
}

/* Moves the tests of the conjunctions that an ordered pass verifies for
 * one value of order column k (SIZE_MAX for none) next to each other, in
 * the order of the values' ranks. The accounts of one postal code then
 * read a few cache lines of tests instead of one per conjunction. The
 * conjunctions that no such list contains follow in index order. */
static bool lay_out_tests(credo_rule_bound *bound, size_t k)
{
    size_t conjunctions = bound->index->conjunction_count;
    size_t total = bound->test_start[conjunctions];
    test_layout layout = {.bound = bound,
                          .tests = malloc((total + 1) * sizeof *layout.tests),
                          .start = malloc((conjunctions + 1) * sizeof *layout.start),
                          .placed = calloc(conjunctions + 1, 1),
                          .count = 1};
    bool ok = layout.tests != NULL && layout.start != NULL && layout.placed != NULL;
    if (ok) {
        /* A RI_TEST_CONST test holds when negated is set. */
        layout.tests[0] = (ri_test){.kind = RI_TEST_CONST, .negated = 1, .last = 1};
        for (size_t r = 0; k != SIZE_MAX && r < bound->text[k].sorted_count; r++)
            place_rank(&layout, k, r);
        for (uint32_t c = 0; c < conjunctions; c++)
            place(&layout, c);
        layout.start[conjunctions] = (uint32_t)layout.count;
        free(bound->tests);
        free(bound->test_start);
        bound->tests = layout.tests;
        bound->test_start = layout.start;
        bound->bytes += sizeof *layout.tests;
    } else {
        free(layout.tests);
        free(layout.start);
    }
    free(layout.placed);
    return ok;
}

bool ri_order_build(credo_rule_bound *bound)
{
    mark_number_reads(bound);
    size_t k = order_column(bound);
    if (!lay_out_tests(bound, k))
        return false;
    if (k == SIZE_MAX)
        return true;
    const ri_text_column *column = &bound->text[k];
    size_t rows = bound->snapshot->accounts.count;
    bound->order_code = malloc((rows == 0 ? 1 : rows) * sizeof *bound->order_code);
    if (bound->order_code == NULL || !mark_listed(bound))
        return false;
    bound->bytes += rows * sizeof *bound->order_code;
    /* Missing values, and values without a rank, share the last code. */
    uint32_t missing = (uint32_t)column->sorted_count;
    bound->order_codes = missing + 1;
    for (size_t row = 0; row < rows; row++) {
        credo_str id = column->values[row];
        const ri_slot *slot = id == CREDO_STR_NONE ? NULL : ri_map_find(&column->map, id);
        bound->order_code[row] = slot == NULL ? missing : slot->rank;
    }
    return true;
}

size_t ri_record_words(const credo_rule_bound *bound)
{
    size_t words = RI_RECORD_IDS + bound->text_count;
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        words += bound->number_read[n] ? 2 : 0;
    return words < RI_RECORD_MIN_WORDS ? RI_RECORD_MIN_WORDS : words;
}

void ri_record_fill(const credo_rule_bound *bound, uint32_t row, uint32_t *record)
{
    record[RI_RECORD_ROW] = row;
    record[RI_RECORD_LISTED] = bound->listed == NULL ? 1 : (uint32_t)(bound->listed[row / 64] >> (row % 64) & 1);
    uint32_t *word = record + RI_RECORD_IDS;
    for (size_t k = 0; k < bound->text_count; k++)
        *word++ = bound->text[k].values[row];
    for (int n = 0; n < RI_NUMBER_FIELDS; n++) {
        if (bound->number_read[n]) {
            memcpy(word, &bound->number[n].values[row], sizeof(credo_number));
            word += 2;
        }
    }
}

void ri_order_rows(const credo_rule_bound *bound, size_t first, size_t count, uint32_t *records,
                   uint32_t *code_start)
{
    const uint32_t *code = bound->order_code + first;
    size_t codes = bound->order_codes;
    /* A counting sort, stable, so rows of one code stay ascending. The
     * columns are read in row order and each record is written once to its
     * place, which costs one cache miss per row where reading the columns
     * in sorted order would cost one per column. */
    memset(code_start, 0, (codes + 1) * sizeof *code_start);
    for (size_t i = 0; i < count; i++)
        code_start[code[i] + 1]++;
    for (size_t c = 1; c <= codes; c++)
        code_start[c] += code_start[c - 1];
    size_t words = ri_record_words(bound);
    for (size_t i = 0; i < count; i++) {
        uint32_t p = code_start[code[i]]++;
        ri_record_fill(bound, (uint32_t)(first + i), records + (size_t)p * words);
    }
    /* Each code_start[c] is now the start of code c + 1. */
    memmove(code_start + 1, code_start, codes * sizeof *code_start);
    code_start[0] = 0;
}
