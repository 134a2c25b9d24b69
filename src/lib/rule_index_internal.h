/* Private parts of the rule compiler shared by rule_index.c (expansion into
 * conjunctions), rule_index_eval.c (verifying a conjunction for one
 * account), rule_index_text.c and rule_index_numeric.c (anchor lookup
 * tables), rule_index_bind.c (choosing anchors), rule_index_assign.c (the
 * per-account loop) and rule_index_threads.c. */
#ifndef CREDO_RULE_INDEX_INTERNAL_H
#define CREDO_RULE_INDEX_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "credo/rule_index.h"
#include "policy_binding.h"

/* One test of a conjunction: node is a test (compare, in, starts_with) or,
 * when opaque, a whole sub-expression kept unexpanded. The literal holds
 * when the node's value differs from `negated`. */
typedef struct ri_literal {
    const credo_expr_node *node;
    bool negated;
    bool opaque;
} ri_literal;

/* Conjunction: literals[first, first + count) of the index, all of which must
 * hold for the territory's rule to hold. */
typedef struct ri_conjunction {
    uint32_t territory;
    uint32_t first;
    uint32_t count;
} ri_conjunction;

struct credo_rule_index {
    const credo_policy *policy;
    ri_conjunction *conjunctions;
    size_t conjunction_count;
    ri_literal *literals;
    size_t literal_count;
    size_t opaque_count;
    size_t typed_territories;
};

/* Open-addressing map from a nonzero uint32 key (a credo_str) to a slice of
 * a posting array. Key 0 marks an empty slot. */
typedef struct ri_slot {
    uint32_t key;
    uint32_t start;
    uint32_t count;
    uint32_t rank; /* ranked columns: position of the value among the column's sorted values */
} ri_slot;

typedef struct ri_map {
    ri_slot *slots;
    size_t mask;   /* slot count - 1; slot count is a power of two */
    size_t used;
} ri_map;

/* A cheap first check stored beside each posting, taken from the
 * conjunction's first compiled test: the conjunction can hold only when the
 * value of `slot` lies in [low, high] and, when high - low < 64, bit
 * (value - low) of mask is set. So a set spanning fewer than 64 slot values,
 * such as three states among the ranks of the region column, is checked
 * exactly. Other tests give [INT64_MIN, INT64_MAX], which every value
 * passes. */
typedef struct ri_filter {
    int64_t low, high;
    uint64_t mask;
    uint32_t slot : 31;
    /* 1 when passing the filter is passing the conjunction: the first test
     * is its only one and the filter checks it exactly, or it has none. The
     * candidate then matches without reading its tests. */
    uint32_t decides : 1;
    uint32_t territory; /* the conjunction's territory, so that a candidate whose
                         * territory already matched is skipped without reading
                         * the conjunction */
} ri_filter;

/* Lookup tables of one text column (a built-in text field or one custom
 * attribute): the conjunctions listed under each value id. */
typedef struct ri_text_column {
    const credo_str *values; /* the snapshot's column, one id per account row */
    ri_map map;
    uint32_t *postings;
    ri_filter *filters;      /* one per posting */
    size_t posting_count;
    /* Filled only when a range or prefix test needs them: */
    credo_str *sorted;       /* distinct ids present in the column, by code point */
    size_t sorted_count;
    bool sorted_ready;
    bool too_many_distinct;
    bool ranked;             /* map contains every value of the column with its rank */
    bool sample_ready;
    ri_map sample;           /* id -> sampled rows holding it */
    uint32_t *sample_prefix; /* sample_prefix[i] = sampled rows of sorted[0, i) */
    /* Ranked columns: the sampled rows ordered by rank, so that the rows of
     * ranks [a, b] are sample_rows[sample_prefix[a], sample_prefix[b + 1]). */
    uint32_t *sample_rows;
} ri_text_column;

/* Elementary intervals of one number field: [bounds[k], bounds[k + 1]) lists
 * postings[start[k], start[k + 1]). A value below bounds[0] selects nothing,
 * and the last interval is open above (it lists the bands open above). */
typedef struct ri_number_field {
    const credo_number *values;
    credo_number *bounds;
    size_t bound_count;
    uint32_t *start;    /* bound_count entries */
    uint32_t *postings;
    ri_filter *filters; /* one per posting */
    size_t posting_count;
    credo_number *sample; /* sorted sampled values, missing ones left out */
    size_t sample_count;
} ri_number_field;

/* Number fields that anchors may use, in this order. */
#define RI_NUMBER_FIELDS 3

/* How a conjunction is reached. */
typedef enum ri_anchor_kind {
    RI_ANCHOR_ALWAYS = 0, /* checked for every account */
    RI_ANCHOR_TEXT,
    RI_ANCHOR_NUMBER,
    RI_ANCHOR_NEVER       /* no account can satisfy it */
} ri_anchor_kind;

/* A (table, key, conjunction) triple recorded while choosing anchors, turned
 * into posting lists afterwards. */
typedef struct ri_text_entry {
    uint32_t column;
    uint32_t key;
    uint32_t conjunction;
} ri_text_entry;

/* How a compiled test reads the account. */
typedef enum ri_test_kind {
    RI_TEST_SET = 0, /* the value of one slot against a set of intervals */
    RI_TEST_CONST,   /* the value is missing for every account (an absent attribute) */
    RI_TEST_GENERIC, /* the literal evaluated through the expression getter */
    /* A SET test of several intervals within 64 consecutive values, made
     * when binding ends: the value is inside when bit (value - low) of mask
     * is set. */
    RI_TEST_MASK
} ri_test_kind;

/* An inclusive interval of slot values. */
typedef struct ri_interval {
    int64_t low, high;
} ri_interval;

/* A literal compiled against the bound snapshot. Each account is read into
 * a vector of int64 values, one per slot. Slots [0, RI_NUMBER_FIELDS) are
 * the number fields. Slot RI_NUMBER_FIELDS + k is text column k and contains
 * the value's rank among the column's sorted values, or its string id when
 * the column has too many values to rank. INT64_MIN is a missing value. A SET
 * test holds when the value is present and lies in the intervals (outside
 * of them when `outside`), and the result is inverted when `negated`. */
typedef struct ri_test {
    int64_t low;        /* SET: low end of the only interval, when count == 1 */
    union {
        int64_t high;   /* SET: high end of the only interval, when count == 1 */
        uint64_t mask;  /* MASK: the values inside, from low */
    };
    uint32_t slot;
    uint32_t first;     /* SET: first interval in bound->intervals; GENERIC: literal index */
    uint32_t count;     /* SET: intervals; 0 is the empty set */
    uint8_t kind;       /* ri_test_kind */
    uint8_t outside;
    uint8_t negated;
    uint8_t last;       /* set on the last test of a conjunction once binding ends */
} ri_test;

/* An inclusive interval [low, high] of a number anchor. */
typedef struct ri_band {
    uint32_t field;
    uint32_t conjunction;
    credo_number low, high;
} ri_band;

/* Composite anchors: a conjunction whose anchor is a text test and whose
 * most selective other test is a set of a few values of another slot is
 * listed under pairs (anchor value, code of the other slot's value), so
 * that an account reads only the conjunctions that pass both. The key is
 * the anchor value's string id in the high 32 bits and the code in the low
 * 32: the slot value itself for text slots (a rank, or a string id for a
 * column too large to rank), and for number slots the index of the
 * elementary interval among bound->pair_bounds (the count of bounds at or
 * below the value). Key 0 marks an empty slot; it never occurs, because
 * string id 0 is the missing value. */
typedef struct ri_pair_slot {
    uint64_t key;
    uint32_t start;
    uint32_t count;
} ri_pair_slot;

typedef struct ri_pair_map {
    ri_pair_slot *slots;
    size_t mask; /* slot count - 1; slot count is a power of two */
    size_t used;
} ri_pair_map;

/* The composite postings of one (text column, slot) pair. */
typedef struct ri_pair_table {
    uint32_t column; /* index into bound->text of the anchor's column */
    uint32_t slot;   /* the other test's slot (see ri_test) */
    ri_pair_map map;
    uint32_t *postings;
    ri_filter *filters; /* one per posting */
    size_t posting_count;
    /* Direct index, when the anchor's column is ranked and the table is
     * small enough (see ri_pair_dense_slice): the postings of (anchor rank
     * r, code k) are postings[dense_start[i], dense_start[i + 1]) with
     * i = r * dense_width + k, laid out in the order of i, so a pass in
     * rank order reads the table front to back. NULL otherwise. */
    uint32_t *dense_start;
    size_t dense_ranks;   /* ranks of the anchor's column */
    uint32_t dense_width; /* 1 + the largest code listed */
} ri_pair_table;

/* Most codes one conjunction is listed under in a pair table; a test that
 * covers more values keeps its conjunction under the anchor alone. */
#define RI_PAIR_MAX_CODES 64u

/* What resolving a matched territory needs (see credo_rule_bound). */
typedef struct ri_territory_class {
    int32_t priority;
    uint32_t overlay; /* 1 for an overlay type, else 0 */
} ri_territory_class;

struct credo_rule_bound {
    const credo_rule_index *index;
    const credo_snapshot *snapshot;
    credo_policy_binding binding;
    ri_text_column *text;
    size_t text_count;
    ri_number_field number[RI_NUMBER_FIELDS];
    uint32_t *always;           /* conjunctions checked for every account */
    ri_filter *always_filters;
    size_t always_count;
    uint32_t *skip;             /* per conjunction: the anchor literal, or UINT32_MAX */
    uint8_t *anchor;            /* per conjunction: ri_anchor_kind */
    /* Compiled verification: conjunction c checks tests[test_start[c],
     * test_start[c + 1]), its anchor left out, the most selective first.
     * When binding ends, ri_order_build moves each conjunction's tests to
     * where an ordered pass reads them (see rule_index_order.c). From then
     * on they run from test_start[c] to the first test marked `last`, and
     * test_start[c + 1] no longer ends them. */
    ri_test *tests;
    uint32_t *test_start;
    ri_interval *intervals;
    size_t interval_count;
    size_t slot_count;          /* RI_NUMBER_FIELDS + text_count */
    /* Per conjunction: the share, in 255ths, of sampled rows passing the
     * anchor that also pass the first compiled test; 255 when unknown. */
    uint8_t *first_pass;
    ri_pair_table *pairs;
    size_t pair_count;
    size_t composite_count;     /* conjunctions listed in pair tables */
    /* Per territory: its type's priority and whether the type is an
     * overlay, copied from the policy so that resolving a match reads 8
     * bytes instead of the 120-byte territory and its type. */
    ri_territory_class *classes;
    /* Assignment order (rule_index_order.c): order_code[row] is the rank of
     * the row's value in the text column with the most postings, or
     * order_codes - 1 for a missing value. NULL when no text column lists
     * a conjunction, and then ranges are assigned in row order. */
    uint32_t *order_code;
    uint32_t order_codes;
    uint64_t *listed;           /* bit per row: on a named or excluded list */
    /* Number fields the assignment loop reads: those with postings, pair
     * codes or a compiled test. The others are never read per account. */
    bool number_read[RI_NUMBER_FIELDS];
    credo_number *pair_bounds[RI_NUMBER_FIELDS]; /* sorted, distinct */
    size_t pair_bound_count[RI_NUMBER_FIELDS];
    size_t sample_rows;         /* rows read for the estimates */
    size_t bytes;
};

/* ---- rule_index_eval.c ---- */

/* Returns whether literal holds for account row `row`, with the same
 * semantics as credo_expr_eval on the literal's node. custom maps the
 * rule's custom field ids to attribute columns, as in policy_binding.h. */
bool ri_literal_holds(const credo_snapshot *snapshot, uint32_t row,
                      const credo_attribute_column *const *custom, size_t custom_count,
                      const ri_literal *literal);

/* Returns whether every compiled test of conjunction c holds for row,
 * whose slot values are `values` (see ri_test). */
bool ri_conjunction_holds(const credo_rule_bound *bound, uint32_t c, uint32_t row,
                          const int64_t *values);

/* Returns whether value lies in one of the sorted, disjoint intervals. */
static inline bool ri_intervals_contain(const ri_interval *intervals, uint32_t count, int64_t value)
{
    uint32_t low = 0, high = count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        if (intervals[middle].low <= value)
            low = middle + 1;
        else
            high = middle;
    }
    return low > 0 && value <= intervals[low - 1].high;
}

/* Returns whether a RI_TEST_SET or RI_TEST_MASK test holds for a slot
 * value. Inline because it runs for every candidate that passes its
 * filter. */
static inline bool ri_set_test_holds(const credo_rule_bound *bound, const ri_test *test, int64_t value)
{
    if (value == INT64_MIN)
        return test->negated;
    if (test->kind == RI_TEST_MASK) {
        uint64_t offset = (uint64_t)value - (uint64_t)test->low;
        bool inside = value >= test->low && offset < 64 && ((test->mask >> offset) & 1) != 0;
        return (inside != test->outside) != test->negated;
    }
    bool inside = test->count == 1   ? value >= test->low && value <= test->high
                  : test->count == 0 ? false
                                     : ri_intervals_contain(bound->intervals + test->first, test->count, value);
    return (inside != test->outside) != test->negated;
}

/* ---- rule_index_assign.c ---- */

/* The result of assigning one range of rows, kept until it is laid out
 * into an assignment, so that the ranges of several threads can be laid
 * out straight into one assignment without a copy per range. */
typedef struct ri_range ri_range;

/* Assigns rows [first, first + count), which must lie within the snapshot,
 * into *out, as credo_rule_bound_assign would. Returns false when out of
 * memory; *out is then still freed with ri_range_free. */
bool ri_range_assign(const credo_rule_bound *bound, size_t first, size_t count, ri_range **out);

/* Entries the range's result adds to the tied and overlay lists. */
void ri_range_list_sizes(const ri_range *range, size_t *tied, size_t *overlays);

/* Writes the range's result to entries [at, at + count) of a, whose lists
 * must have room for it from tied_at and overlay_at, with offsets counted
 * from there. Writes nothing at entry at + count: the caller sets the
 * final offsets. May run on one range only once, and on ranges of
 * different entries at the same time. */
void ri_range_lay_out(ri_range *range, credo_assignment *a, size_t at, uint32_t tied_at, uint32_t overlay_at);

void ri_range_free(ri_range *range);

/* ---- rule_index_compile.c ---- */

/* Compiles the literals of every conjunction (except its anchor) into
 * bound->tests. Runs after the anchors are chosen. Returns false when out
 * of memory. */
bool ri_compile_tests(credo_rule_bound *bound);

/* Fills the filter beside every posting of every table, once the tests
 * are compiled and the composite anchors chosen. Returns false when out of
 * memory. */
bool ri_fill_filters(credo_rule_bound *bound);

/* ---- rule_index_pair.c ---- */

/* Moves the conjunctions that gain from a composite anchor out of the text
 * entries (compacted in place, *count updated) into pair tables, and drops
 * their first compiled test, which the pair key then implies. Runs after
 * ri_compile_tests and before the text postings are built. Returns false
 * when out of memory. */
bool ri_pair_convert(credo_rule_bound *bound, ri_text_entry *entries, size_t *count);

/* Returns the slot of key in map, or NULL. */
const ri_pair_slot *ri_pair_find(const ri_pair_map *map, uint64_t key);

/* The code of number value v of field n in the pair tables: the count of
 * pair bounds at or below v. */
static inline int64_t ri_pair_number_code(const credo_rule_bound *bound, int n, credo_number v)
{
    const credo_number *bounds = bound->pair_bounds[n];
    size_t low = 0, high = bound->pair_bound_count[n];
    if (high <= 8) {
        /* Counted without branches: the code changes from account to
         * account, so a binary search mispredicts about once a row. */
        for (size_t i = 0; i < high; i++)
            low += bounds[i] <= v;
        return (int64_t)low;
    }
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (bounds[middle] <= v)
            low = middle + 1;
        else
            high = middle;
    }
    return (int64_t)low;
}

/* Finds the postings of (anchor rank, code) in a table with a direct
 * index: sets *start and returns their count, 0 for a rank or code that
 * lists nothing. */
static inline uint32_t ri_pair_dense_slice(const ri_pair_table *table, int64_t rank, int64_t code,
                                           uint32_t *start)
{
    if (rank < 0 || (uint64_t)rank >= table->dense_ranks || code < 0 || code >= (int64_t)table->dense_width)
        return 0;
    size_t i = (size_t)rank * table->dense_width + (size_t)code;
    *start = table->dense_start[i];
    return table->dense_start[i + 1] - *start;
}

/* Computes the key under which account row `row` reads table; false when
 * the row reads nothing there (a missing value). */
bool ri_pair_row_key(const credo_rule_bound *bound, const ri_pair_table *table, uint32_t row,
                     uint64_t *key);

void ri_pair_table_free(ri_pair_table *table);

/* ---- rule_index_text.c ---- */

/* Returns the slot of key in map, or NULL. */
const ri_slot *ri_map_find(const ri_map *map, uint32_t key);

/* Adds one to the count of key, inserting it. Returns false when out of
 * memory. */
bool ri_map_add(ri_map *map, uint32_t key, uint32_t amount);

void ri_map_free(ri_map *map);

/* Returns the table index of the column `values` in bound->text, adding it
 * when absent; SIZE_MAX when out of memory. */
size_t ri_text_column_of(credo_rule_bound *bound, const credo_str *values);

/* Sorts the distinct values of column (once) and their sampled counts.
 * Returns false when out of memory. Sets too_many_distinct instead of
 * sorting when the column has more than CREDO_RULE_INDEX_MAX_RANGE_DISTINCT
 * distinct values. */
bool ri_text_column_sort(credo_rule_bound *bound, ri_text_column *column);

/* Counts the sampled rows of each value of column (once). Returns false
 * when out of memory. */
bool ri_text_column_sample(const credo_rule_bound *bound, ri_text_column *column);

/* Sampled rows whose value is id. */
uint32_t ri_text_sampled(const ri_text_column *column, credo_str id);

/* Index range [*from, *to) of column->sorted whose values lie within
 * [low, high] (either may be NULL for an open end; *_strict excludes the
 * end itself). */
void ri_text_sorted_range(const credo_rule_bound *bound, const ri_text_column *column,
                          const credo_value *low, bool low_strict, const credo_value *high,
                          bool high_strict, size_t *from, size_t *to);

/* Index range of column->sorted whose values start with prefix. */
void ri_text_prefix_range(const credo_rule_bound *bound, const ri_text_column *column,
                          const credo_value *prefix, size_t *from, size_t *to);

/* Adds every value of column to its map with its rank in the sorted
 * values, and sets column->ranked, unless the column has too many values.
 * Returns false when out of memory. */
bool ri_text_column_rank(credo_rule_bound *bound, ri_text_column *column);

/* Turns the recorded entries into each column's map and postings. */
bool ri_text_build_postings(credo_rule_bound *bound, const ri_text_entry *entries, size_t count);

void ri_text_column_free(ri_text_column *column);

/* ---- rule_index_numeric.c ---- */

/* Field ids of the number fields, by ri_number_field index. */
extern const int ri_number_field_ids[RI_NUMBER_FIELDS];

/* Index into bound->number of a field id, or -1 for a field that is not a
 * built-in number field. */
int ri_number_slot(int field);

/* Sorted sample of each number field, for estimates. Returns false when out
 * of memory. */
bool ri_number_sample(credo_rule_bound *bound);

/* Sampled rows whose value of number field n lies in [low, high]. */
size_t ri_number_estimate(const credo_rule_bound *bound, int n, credo_number low, credo_number high);

/* Builds the elementary intervals of every number field from bands. */
bool ri_number_build(credo_rule_bound *bound, const ri_band *bands, size_t count);

/* Returns the posting slice of the interval holding value, or count 0. */
const uint32_t *ri_number_lookup(const ri_number_field *field, credo_number value, size_t *count);

void ri_number_field_free(ri_number_field *field);

/* ---- rule_index_order.c ---- */

/* Chooses the column that orders assignment, fills bound->order_code and
 * bound->listed, marks the number fields the assignment loop reads and
 * lays the compiled tests out in the order of that column. Runs last in
 * binding. Returns false when out of memory. */
bool ri_order_build(credo_rule_bound *bound);

/* Account records: the column values the assignment loop reads for one
 * row, copied into consecutive 32-bit words so that an ordered pass reads
 * them sequentially instead of reading every column at a random row. Word
 * RI_RECORD_ROW is the row, RI_RECORD_LISTED is 1 when the row is on a named
 * or excluded list (always 1 when bound->listed is NULL), then come the
 * value ids of the text columns of bound->text, then, for each number field
 * that number_read marks, its credo_number in two words (stored and read
 * with memcpy). */
#define RI_RECORD_ROW 0
#define RI_RECORD_LISTED 1
#define RI_RECORD_IDS 2
/* Minimum words of a record: an ordered pass stores a row's result in the
 * first four words of its record once the row is assigned. */
#define RI_RECORD_MIN_WORDS 4u

/* Words of one record of bound, at least RI_RECORD_MIN_WORDS. */
size_t ri_record_words(const credo_rule_bound *bound);

/* Copies row's values into record (ri_record_words(bound) words). */
void ri_record_fill(const credo_rule_bound *bound, uint32_t row, uint32_t *record);

/* Sorts rows [first, first + count) by order code, ascending within a
 * code, and writes the record of the row at position p of that order to
 * records + p * ri_record_words(bound). code_start has bound->order_codes +
 * 1 entries; on return, code_start[c] is the position of the first row of
 * code c. Requires bound->order_code. */
void ri_order_rows(const credo_rule_bound *bound, size_t first, size_t count, uint32_t *records,
                   uint32_t *code_start);

/* ---- rule_index_bind.c ---- */

/* Rows sampled for estimates: min(row count, CREDO_RULE_INDEX_SAMPLE_ROWS),
 * evenly spaced; sample i is row ri_sample_row(bound, i). */
size_t ri_sample_row(const credo_rule_bound *bound, size_t i);

/* The account column a text test of territory t on `field` reads, or NULL
 * when the snapshot has no such custom attribute. */
const credo_str *ri_text_values(const credo_rule_bound *bound, uint32_t t, int field);

#endif
