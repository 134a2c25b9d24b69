/* Composite anchors. A conjunction anchored on a text test is listed under
 * each value that passes the anchor, so one posting list contains every
 * conjunction of that value: the five employee bands of a postal code, or
 * every overlay of an industry whatever its states. When the conjunction's
 * most selective other test is a small set on another slot, it is listed
 * instead under (anchor value, code of the other value) in a table of that
 * pair of slots, and the other test is dropped from verification because
 * the key implies it. An account then reads, in each pair table, only the
 * conjunctions that pass both tests. */
#include "rule_index_internal.h"

#include <stdlib.h>
#include <string.h>

/* A sampled share of rows at or below which the first test is worth a
 * composite key: half of the rows that pass the anchor. */
#define PAIR_MAX_PASS 127

/* Mean length of the posting lists a conjunction sits in, below which it
 * stays under its anchor alone. Reading a pair table costs about one cache
 * miss more per account, which pays only when it saves reading several
 * filters: on the benchmark plan (bench/gen.c, 1M accounts) moving lists of
 * 1.7 or 5 entries made assignment slower, lists of 15 or more faster. */
#define PAIR_MIN_LIST 8

/* A (table, key, conjunction) triple, turned into postings afterwards. */
typedef struct pair_entry {
    uint64_t key;
    uint32_t table;
    uint32_t conjunction;
} pair_entry;

typedef struct pair_work {
    credo_rule_bound *bound;
    uint32_t *column;       /* per conjunction: its anchor's text column, or UINT32_MAX */
    uint32_t *value_count;  /* per conjunction: anchor values listed */
    uint64_t *list_total;   /* per conjunction: summed lengths of the lists it sits in */
    uint8_t *chosen;        /* per conjunction: listed in a pair table */
    credo_number *bounds[RI_NUMBER_FIELDS];
    size_t bound_count[RI_NUMBER_FIELDS], bound_capacity[RI_NUMBER_FIELDS];
    pair_entry *entries;
    size_t entry_count, entry_capacity;
    bool failed;
} pair_work;

/* ---- the hash map ---- */

/* The home slot of key: a hash of the anchor value plus the code. The keys
 * of one anchor value then sit in neighbouring slots, and build_tables lays
 * their postings out next to each other. An ordered pass assigns the
 * accounts of one anchor value one after another, so they read a few cache
 * lines instead of one per key. */
static size_t pair_slot_of(uint64_t key, size_t mask)
{
    uint64_t anchor = key >> 32, code = key & UINT32_MAX;
    return (size_t)(((anchor * UINT64_C(0x9E3779B97F4A7C15)) >> 29) + code) & mask;
}

const ri_pair_slot *ri_pair_find(const ri_pair_map *map, uint64_t key)
{
    if (map->slots == NULL)
        return NULL;
    for (size_t i = pair_slot_of(key, map->mask);; i = (i + 1) & map->mask) {
        if (map->slots[i].key == key)
            return &map->slots[i];
        if (map->slots[i].key == 0)
            return NULL;
    }
}

static ri_pair_slot *pair_insert_slot(ri_pair_map *map, uint64_t key)
{
    for (size_t i = pair_slot_of(key, map->mask);; i = (i + 1) & map->mask)
        if (map->slots[i].key == key || map->slots[i].key == 0)
            return &map->slots[i];
}

static bool pair_map_grow(ri_pair_map *map)
{
    size_t capacity = map->slots == NULL ? 64 : (map->mask + 1) * 2;
    ri_pair_slot *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL)
        return false;
    ri_pair_map grown = {slots, capacity - 1, map->used};
    for (size_t i = 0; map->slots != NULL && i <= map->mask; i++)
        if (map->slots[i].key != 0)
            *pair_insert_slot(&grown, map->slots[i].key) = map->slots[i];
    free(map->slots);
    *map = grown;
    return true;
}

/* Adds one to the count of key, inserting it. */
static bool pair_map_add(ri_pair_map *map, uint64_t key)
{
    if ((map->slots == NULL || (map->used + 1) * 2 > map->mask + 1) && !pair_map_grow(map))
        return false;
    ri_pair_slot *slot = pair_insert_slot(map, key);
    if (slot->key == 0) {
        slot->key = key;
        map->used++;
    }
    slot->count++;
    return true;
}

void ri_pair_table_free(ri_pair_table *table)
{
    free(table->map.slots);
    free(table->postings);
    free(table->filters);
    free(table->dense_start);
    memset(table, 0, sizeof *table);
}

/* ---- growing arrays ---- */

static bool grow(pair_work *w, void **items, size_t *capacity, size_t needed, size_t size)
{
    if (needed <= *capacity)
        return true;
    size_t next = *capacity == 0 ? 256 : *capacity * 2;
    while (next < needed)
        next *= 2;
    void *grown = realloc(*items, next * size);
    if (grown == NULL) {
        w->failed = true;
        return false;
    }
    *items = grown;
    *capacity = next;
    return true;
}

static void push_bound(pair_work *w, int n, credo_number value)
{
    if (grow(w, (void **)&w->bounds[n], &w->bound_capacity[n], w->bound_count[n] + 1, sizeof(credo_number)))
        w->bounds[n][w->bound_count[n]++] = value;
}

static void push_entry(pair_work *w, uint32_t table, uint64_t key, uint32_t conjunction)
{
    if (grow(w, (void **)&w->entries, &w->entry_capacity, w->entry_count + 1, sizeof *w->entries))
        w->entries[w->entry_count++] = (pair_entry){key, table, conjunction};
}

/* ---- choosing ---- */

/* The first compiled test of conjunction c when it can serve as the second
 * half of a composite key, else NULL. */
static const ri_test *second_test(const pair_work *w, uint32_t c)
{
    const credo_rule_bound *bound = w->bound;
    if (w->column[c] == UINT32_MAX || bound->first_pass[c] > PAIR_MAX_PASS ||
        w->list_total[c] < (uint64_t)PAIR_MIN_LIST * w->value_count[c] ||
        bound->test_start[c] == bound->test_start[c + 1])
        return NULL;
    const ri_test *test = &bound->tests[bound->test_start[c]];
    if (test->kind != RI_TEST_SET || test->outside || test->negated || test->count == 0 ||
        test->slot == RI_NUMBER_FIELDS + w->column[c])
        return NULL;
    return test;
}

static const ri_interval *test_interval(const credo_rule_bound *bound, const ri_test *test, uint32_t i,
                                        ri_interval *single)
{
    if (test->count == 1) {
        *single = (ri_interval){test->low, test->high};
        return single;
    }
    return &bound->intervals[test->first + i];
}

/* Codes [*from, *to] that interval i of test covers. */
static void interval_codes(const credo_rule_bound *bound, const ri_test *test, uint32_t i, int64_t *from,
                           int64_t *to)
{
    ri_interval single;
    const ri_interval *range = test_interval(bound, test, i, &single);
    if (test->slot >= RI_NUMBER_FIELDS) {
        *from = range->low < 0 ? 0 : range->low;
        *to = range->high;
        return;
    }
    *from = ri_pair_number_code(bound, (int)test->slot, range->low);
    *to = range->high == INT64_MAX ? (int64_t)bound->pair_bound_count[test->slot]
                                   : ri_pair_number_code(bound, (int)test->slot, range->high);
}

/* Number of codes test covers, capped just above RI_PAIR_MAX_CODES. */
static uint64_t code_count(const credo_rule_bound *bound, const ri_test *test)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < test->count && total <= RI_PAIR_MAX_CODES; i++) {
        int64_t from, to;
        interval_codes(bound, test, i, &from, &to);
        if (to >= from)
            total += (uint64_t)to - (uint64_t)from + 1 > RI_PAIR_MAX_CODES ? RI_PAIR_MAX_CODES + 1
                                                                          : (uint64_t)(to - from) + 1;
    }
    return total;
}

/* Records, for each conjunction, the column, the number of values its
 * anchor lists it under and the summed lengths of those lists. */
static void scan_entries(pair_work *w, const ri_text_entry *entries, size_t count)
{
    size_t columns = w->bound->text_count;
    ri_map *lists = calloc(columns + 1, sizeof *lists);
    for (size_t i = 0; lists != NULL && i < count && !w->failed; i++)
        w->failed = !ri_map_add(&lists[entries[i].column], entries[i].key, 1);
    for (size_t i = 0; lists != NULL && i < count && !w->failed; i++) {
        uint32_t c = entries[i].conjunction;
        w->column[c] = entries[i].column;
        w->value_count[c]++;
        w->list_total[c] += ri_map_find(&lists[entries[i].column], entries[i].key)->count;
    }
    for (size_t k = 0; lists != NULL && k < columns; k++)
        ri_map_free(&lists[k]);
    w->failed = w->failed || lists == NULL;
    free(lists);
}

static int compare_numbers(const void *a, const void *b)
{
    credo_number left = *(const credo_number *)a, right = *(const credo_number *)b;
    return (left > right) - (left < right);
}

/* Collects the band ends of every number test that may become a key, so
 * that each band covers whole elementary intervals. */
static void collect_bounds(pair_work *w)
{
    credo_rule_bound *bound = w->bound;
    for (uint32_t c = 0; c < bound->index->conjunction_count && !w->failed; c++) {
        const ri_test *test = second_test(w, c);
        if (test == NULL || test->slot >= RI_NUMBER_FIELDS)
            continue;
        for (uint32_t i = 0; i < test->count; i++) {
            ri_interval single;
            const ri_interval *range = test_interval(bound, test, i, &single);
            push_bound(w, (int)test->slot, range->low);
            if (range->high != INT64_MAX)
                push_bound(w, (int)test->slot, range->high + 1);
        }
    }
    for (int n = 0; n < RI_NUMBER_FIELDS; n++) {
        credo_number *values = w->bounds[n];
        size_t unique = 0;
        if (w->bound_count[n] > 0)
            qsort(values, w->bound_count[n], sizeof *values, compare_numbers);
        for (size_t i = 0; i < w->bound_count[n]; i++)
            if (unique == 0 || values[unique - 1] != values[i])
                values[unique++] = values[i];
        bound->pair_bounds[n] = values;
        bound->pair_bound_count[n] = unique;
        w->bounds[n] = NULL;
        bound->bytes += unique * sizeof *values;
    }
}

/* Index of the pair table of (column, slot), added when absent;
 * UINT32_MAX when out of memory. */
static uint32_t table_of(credo_rule_bound *bound, uint32_t column, uint32_t slot)
{
    for (size_t p = 0; p < bound->pair_count; p++)
        if (bound->pairs[p].column == column && bound->pairs[p].slot == slot)
            return (uint32_t)p;
    ri_pair_table *grown = realloc(bound->pairs, (bound->pair_count + 1) * sizeof *grown);
    if (grown == NULL)
        return UINT32_MAX;
    bound->pairs = grown;
    memset(&grown[bound->pair_count], 0, sizeof *grown);
    grown[bound->pair_count].column = column;
    grown[bound->pair_count].slot = slot;
    return (uint32_t)bound->pair_count++;
}

/* Marks the conjunctions that move to a pair table: a usable second test
 * whose codes, times the anchor's values, stay within the limits. */
static void choose(pair_work *w)
{
    const credo_rule_bound *bound = w->bound;
    for (uint32_t c = 0; c < bound->index->conjunction_count; c++) {
        const ri_test *test = second_test(w, c);
        uint64_t codes = test == NULL ? 0 : code_count(bound, test);
        w->chosen[c] = codes > 0 && codes <= RI_PAIR_MAX_CODES &&
                       codes * w->value_count[c] <= CREDO_RULE_INDEX_MAX_ANCHOR_VALUES;
    }
}

/* Emits the pair entries of one text entry of a chosen conjunction. */
static void emit(pair_work *w, const ri_text_entry *entry)
{
    credo_rule_bound *bound = w->bound;
    const ri_test *test = &bound->tests[bound->test_start[entry->conjunction]];
    uint32_t table = table_of(bound, entry->column, test->slot);
    if (table == UINT32_MAX) {
        w->failed = true;
        return;
    }
    for (uint32_t i = 0; i < test->count; i++) {
        int64_t from, to;
        interval_codes(bound, test, i, &from, &to);
        for (int64_t code = from; code <= to; code++)
            push_entry(w, table, (uint64_t)entry->key << 32 | (uint32_t)code, entry->conjunction);
    }
}

/* Largest direct index a table gets: PAIR_DENSE_PER_POSTING entries per
 * posting, which costs at most 16 bytes per posting (each posting costs 36
 * already, with its filter), or PAIR_DENSE_MIN_ENTRIES (16 KiB) for a
 * small table. */
#define PAIR_DENSE_PER_POSTING 4
#define PAIR_DENSE_MIN_ENTRIES 4096

/* The rank of anchor value id in the ranked column, or -1 for a value that
 * no account has. Keys of such values are reachable through the map only. */
static int64_t anchor_rank(const ri_text_column *column, uint64_t id)
{
    const ri_slot *slot = ri_map_find(&column->map, (uint32_t)id);
    if (slot == NULL || slot->rank >= column->sorted_count || column->sorted[slot->rank] != id)
        return -1;
    return slot->rank;
}

/* Index of key in table's direct index, or SIZE_MAX when it has none. */
static size_t dense_index(const ri_text_column *column, const ri_pair_table *table, uint64_t key)
{
    int64_t rank = anchor_rank(column, key >> 32);
    return rank < 0 ? SIZE_MAX : (size_t)rank * table->dense_width + (size_t)(key & UINT32_MAX);
}

/* Counts the postings of each direct index entry into dense_start and
 * turns the counts into starts. */
static void dense_count(const ri_text_column *column, ri_pair_table *table, size_t entries)
{
    for (size_t s = 0; s <= table->map.mask; s++) {
        const ri_pair_slot *slot = &table->map.slots[s];
        size_t i = slot->key == 0 ? SIZE_MAX : dense_index(column, table, slot->key);
        if (i != SIZE_MAX)
            table->dense_start[i + 1] += slot->count;
    }
    for (size_t i = 1; i <= entries; i++)
        table->dense_start[i] += table->dense_start[i - 1];
}

/* Reorders table's postings by (anchor rank, code) and fills its direct
 * index, when the anchor's column is ranked and the index stays within the
 * limit above. The map's slices move with the postings, so lookups by key
 * still work. Returns false when out of memory. */
static bool densify(credo_rule_bound *bound, ri_pair_table *table)
{
    const ri_text_column *column = &bound->text[table->column];
    uint64_t width = 0;
    for (size_t s = 0; table->map.slots != NULL && s <= table->map.mask; s++)
        if (table->map.slots[s].key != 0 && (table->map.slots[s].key & UINT32_MAX) >= width)
            width = (table->map.slots[s].key & UINT32_MAX) + 1;
    uint64_t limit = (uint64_t)PAIR_DENSE_PER_POSTING * table->posting_count;
    if (limit < PAIR_DENSE_MIN_ENTRIES)
        limit = PAIR_DENSE_MIN_ENTRIES;
    if (!column->ranked || width == 0 || (uint64_t)column->sorted_count * width > limit)
        return true;
    size_t entries = column->sorted_count * (size_t)width;
    table->dense_width = (uint32_t)width;
    table->dense_ranks = column->sorted_count;
    table->dense_start = calloc(entries + 1, sizeof *table->dense_start);
    uint32_t *postings = malloc((table->posting_count == 0 ? 1 : table->posting_count) * sizeof *postings);
    if (table->dense_start == NULL || postings == NULL) {
        free(postings);
        return false;
    }
    dense_count(column, table, entries);
    uint32_t next_unranked = table->dense_start[entries];
    for (size_t s = 0; s <= table->map.mask; s++) {
        ri_pair_slot *slot = &table->map.slots[s];
        if (slot->key == 0)
            continue;
        size_t i = dense_index(column, table, slot->key);
        uint32_t start = i == SIZE_MAX ? next_unranked : table->dense_start[i];
        memcpy(postings + start, table->postings + slot->start, slot->count * sizeof *postings);
        if (i == SIZE_MAX)
            next_unranked += slot->count;
        slot->start = start;
    }
    free(table->postings);
    table->postings = postings;
    bound->bytes += (entries + 1) * sizeof *table->dense_start;
    return true;
}

/* Lays out the postings of every pair table from the entries. */
static bool build_tables(credo_rule_bound *bound, const pair_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!pair_map_add(&bound->pairs[entries[i].table].map, entries[i].key))
            return false;
    for (size_t p = 0; p < bound->pair_count; p++) {
        ri_pair_table *table = &bound->pairs[p];
        uint32_t offset = 0;
        for (size_t s = 0; table->map.slots != NULL && s <= table->map.mask; s++) {
            table->map.slots[s].start = offset;
            offset += table->map.slots[s].count;
            table->map.slots[s].count = 0;
        }
        table->posting_count = offset;
        table->postings = malloc((offset == 0 ? 1 : offset) * sizeof *table->postings);
        if (table->postings == NULL)
            return false;
        bound->bytes += offset * sizeof *table->postings + (table->map.mask + 1) * sizeof(ri_pair_slot);
    }
    for (size_t i = 0; i < count; i++) {
        ri_pair_table *table = &bound->pairs[entries[i].table];
        ri_pair_slot *slot = (ri_pair_slot *)ri_pair_find(&table->map, entries[i].key);
        table->postings[slot->start + slot->count++] = entries[i].conjunction;
    }
    for (size_t p = 0; p < bound->pair_count; p++)
        if (!densify(bound, &bound->pairs[p]))
            return false;
    return true;
}

/* Drops the first test of every chosen conjunction, which its pair key
 * implies, and closes the gaps in bound->tests. */
static void drop_first_tests(credo_rule_bound *bound, const uint8_t *chosen)
{
    size_t conjunctions = bound->index->conjunction_count;
    uint32_t at = 0;
    for (size_t c = 0; c < conjunctions; c++) {
        uint32_t from = bound->test_start[c] + (chosen[c] ? 1 : 0), to = bound->test_start[c + 1];
        bound->test_start[c] = at;
        memmove(bound->tests + at, bound->tests + from, (to - from) * sizeof *bound->tests);
        at += to - from;
    }
    bound->test_start[conjunctions] = at;
}

static bool convert(pair_work *w, ri_text_entry *entries, size_t *count)
{
    credo_rule_bound *bound = w->bound;
    scan_entries(w, entries, *count);
    collect_bounds(w);
    if (w->failed)
        return false;
    choose(w);
    size_t kept = 0;
    for (size_t i = 0; i < *count && !w->failed; i++) {
        if (w->chosen[entries[i].conjunction])
            emit(w, &entries[i]);
        else
            entries[kept++] = entries[i];
    }
    if (w->failed || !build_tables(bound, w->entries, w->entry_count))
        return false;
    *count = kept;
    for (size_t c = 0; c < bound->index->conjunction_count; c++)
        bound->composite_count += w->chosen[c];
    drop_first_tests(bound, w->chosen);
    return true;
}

bool ri_pair_convert(credo_rule_bound *bound, ri_text_entry *entries, size_t *count)
{
    size_t conjunctions = bound->index->conjunction_count + 1;
    pair_work w = {.bound = bound};
    w.column = malloc(conjunctions * sizeof *w.column);
    w.value_count = calloc(conjunctions, sizeof *w.value_count);
    w.chosen = calloc(conjunctions, sizeof *w.chosen);
    w.list_total = calloc(conjunctions, sizeof *w.list_total);
    bool ok = w.column != NULL && w.value_count != NULL && w.chosen != NULL && w.list_total != NULL;
    if (ok) {
        memset(w.column, 0xff, conjunctions * sizeof *w.column);
        ok = convert(&w, entries, count);
    }
    for (int n = 0; n < RI_NUMBER_FIELDS; n++)
        free(w.bounds[n]);
    free(w.entries);
    free(w.column);
    free(w.value_count);
    free(w.chosen);
    free(w.list_total);
    return ok;
}

/* ---- reading a row's key ---- */

bool ri_pair_row_key(const credo_rule_bound *bound, const ri_pair_table *table, uint32_t row, uint64_t *key)
{
    credo_str id = bound->text[table->column].values[row];
    if (id == CREDO_STR_NONE)
        return false;
    int64_t code = -1;
    if (table->slot < RI_NUMBER_FIELDS) {
        credo_number value = bound->number[table->slot].values[row];
        code = value == CREDO_NUMBER_NONE ? -1 : ri_pair_number_code(bound, (int)table->slot, value);
    } else {
        const ri_text_column *column = &bound->text[table->slot - RI_NUMBER_FIELDS];
        credo_str other = column->values[row];
        if (other != CREDO_STR_NONE && !column->ranked) {
            code = (int64_t)other;
        } else if (other != CREDO_STR_NONE) {
            const ri_slot *slot = ri_map_find(&column->map, other);
            code = slot == NULL ? -1 : (int64_t)slot->rank;
        }
    }
    if (code < 0)
        return false;
    *key = (uint64_t)id << 32 | (uint32_t)code;
    return true;
}
