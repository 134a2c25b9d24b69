/* Anchor tables of text columns: a hash map from a value id to the
 * conjunctions listed under it, and the sorted distinct values of a column
 * against which range and prefix tests are resolved to value ids. */
#include "rule_index_internal.h"

#include <stdlib.h>
#include <string.h>

static size_t slot_of(uint32_t key, size_t mask)
{
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 29) & mask;
}

const ri_slot *ri_map_find(const ri_map *map, uint32_t key)
{
    if (map->slots == NULL)
        return NULL;
    for (size_t i = slot_of(key, map->mask);; i = (i + 1) & map->mask) {
        if (map->slots[i].key == key)
            return &map->slots[i];
        if (map->slots[i].key == 0)
            return NULL;
    }
}

static ri_slot *map_insert_slot(ri_map *map, uint32_t key)
{
    for (size_t i = slot_of(key, map->mask);; i = (i + 1) & map->mask) {
        if (map->slots[i].key == key || map->slots[i].key == 0)
            return &map->slots[i];
    }
}

static bool map_grow(ri_map *map)
{
    size_t capacity = map->slots == NULL ? 64 : (map->mask + 1) * 2;
    ri_slot *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL)
        return false;
    ri_map grown = {slots, capacity - 1, map->used};
    for (size_t i = 0; map->slots != NULL && i <= map->mask; i++)
        if (map->slots[i].key != 0)
            *map_insert_slot(&grown, map->slots[i].key) = map->slots[i];
    free(map->slots);
    *map = grown;
    return true;
}

bool ri_map_add(ri_map *map, uint32_t key, uint32_t amount)
{
    /* Keep the load at or below one half so that probes stay short. */
    if ((map->slots == NULL || (map->used + 1) * 2 > map->mask + 1) && !map_grow(map))
        return false;
    ri_slot *slot = map_insert_slot(map, key);
    if (slot->key == 0) {
        slot->key = key;
        map->used++;
    }
    slot->count += amount;
    return true;
}

void ri_map_free(ri_map *map)
{
    free(map->slots);
    memset(map, 0, sizeof *map);
}

size_t ri_text_column_of(credo_rule_bound *bound, const credo_str *values)
{
    for (size_t i = 0; i < bound->text_count; i++)
        if (bound->text[i].values == values)
            return i;
    ri_text_column *grown = realloc(bound->text, (bound->text_count + 1) * sizeof *grown);
    if (grown == NULL)
        return SIZE_MAX;
    bound->text = grown;
    memset(&grown[bound->text_count], 0, sizeof *grown);
    grown[bound->text_count].values = values;
    return bound->text_count++;
}

/* Code point order, as credo__expr_compare_values orders text. */
static int compare_text(const char *a, size_t a_length, const char *b, size_t b_length)
{
    size_t shorter = a_length < b_length ? a_length : b_length;
    int order = shorter > 0 ? memcmp(a, b, shorter) : 0;
    if (order != 0)
        return order;
    return (a_length > b_length) - (a_length < b_length);
}

/* A value beside its id, so that plain qsort can order the ids. */
typedef struct text_key {
    const char *text;
    size_t length;
    credo_str id;
} text_key;

static int compare_keys(const void *a, const void *b)
{
    const text_key *left = a, *right = b;
    return compare_text(left->text, left->length, right->text, right->length);
}

/* Sorts ids by their text in code point order. */
static bool sort_ids(const credo_strpool *pool, credo_str *ids, size_t count)
{
    text_key *keys = malloc((count == 0 ? 1 : count) * sizeof *keys);
    if (keys == NULL)
        return false;
    for (size_t i = 0; i < count; i++)
        keys[i] = (text_key){credo_strpool_get(pool, ids[i]), credo_strpool_length(pool, ids[i]), ids[i]};
    qsort(keys, count, sizeof *keys, compare_keys);
    for (size_t i = 0; i < count; i++)
        ids[i] = keys[i].id;
    free(keys);
    return true;
}

/* Distinct ids of the column, found with a bitmap over the pool. */
static credo_str *distinct_ids(const credo_rule_bound *bound, const credo_str *values, size_t *count,
                               bool *too_many)
{
    const credo_snapshot *snapshot = bound->snapshot;
    size_t pool = credo_strpool_count(snapshot->strings);
    uint64_t *seen = calloc(pool / 64 + 1, sizeof *seen);
    if (seen == NULL)
        return NULL;
    size_t distinct = 0;
    for (size_t row = 0; row < snapshot->accounts.count; row++) {
        credo_str id = values[row];
        uint64_t bit = UINT64_C(1) << (id % 64);
        if (id == CREDO_STR_NONE || (seen[id / 64] & bit) != 0)
            continue;
        seen[id / 64] |= bit;
        distinct++;
    }
    *too_many = distinct > CREDO_RULE_INDEX_MAX_RANGE_DISTINCT;
    credo_str *ids = *too_many ? NULL : malloc((distinct == 0 ? 1 : distinct) * sizeof *ids);
    if (ids != NULL) {
        size_t n = 0;
        for (size_t id = 1; id < pool; id++)
            if ((seen[id / 64] >> (id % 64)) & 1)
                ids[n++] = (credo_str)id;
        *count = n;
    }
    free(seen);
    return ids;
}

bool ri_text_column_sample(const credo_rule_bound *bound, ri_text_column *column)
{
    if (column->sample_ready)
        return true;
    for (size_t i = 0; i < bound->sample_rows; i++) {
        credo_str id = column->values[ri_sample_row(bound, i)];
        if (id != CREDO_STR_NONE && !ri_map_add(&column->sample, id, 1))
            return false;
    }
    column->sample_ready = true;
    return true;
}

uint32_t ri_text_sampled(const ri_text_column *column, credo_str id)
{
    const ri_slot *slot = ri_map_find(&column->sample, id);
    return slot == NULL ? 0 : slot->count;
}

/* Prefix sums of the sampled counts over the sorted distinct values. */
static bool sample_prefix(const credo_rule_bound *bound, ri_text_column *column)
{
    if (!ri_text_column_sample(bound, column))
        return false;
    column->sample_prefix = malloc((column->sorted_count + 1) * sizeof *column->sample_prefix);
    if (column->sample_prefix == NULL)
        return false;
    column->sample_prefix[0] = 0;
    for (size_t i = 0; i < column->sorted_count; i++)
        column->sample_prefix[i + 1] = column->sample_prefix[i] + ri_text_sampled(column, column->sorted[i]);
    return true;
}

bool ri_text_column_sort(credo_rule_bound *bound, ri_text_column *column)
{
    if (column->sorted_ready)
        return true;
    bool too_many = false;
    column->sorted = distinct_ids(bound, column->values, &column->sorted_count, &too_many);
    column->too_many_distinct = too_many;
    if (too_many) {
        column->sorted_ready = true;
        return true;
    }
    if (column->sorted == NULL)
        return false;
    if (!sort_ids(bound->snapshot->strings, column->sorted, column->sorted_count))
        return false;
    column->sorted_ready = true;
    bound->bytes += column->sorted_count * (sizeof *column->sorted + sizeof *column->sample_prefix);
    return sample_prefix(bound, column);
}

/* First index of column->sorted whose value compares above `value` (when
 * after_equal) or at or above it. */
static size_t lower_index(const credo_rule_bound *bound, const ri_text_column *column,
                          const credo_value *value, bool after_equal)
{
    const credo_strpool *pool = bound->snapshot->strings;
    size_t low = 0, high = column->sorted_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        credo_str id = column->sorted[middle];
        int order = compare_text(credo_strpool_get(pool, id), credo_strpool_length(pool, id),
                                 value->text, value->length);
        if (order < 0 || (after_equal && order == 0))
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

void ri_text_sorted_range(const credo_rule_bound *bound, const ri_text_column *column,
                          const credo_value *low, bool low_strict, const credo_value *high,
                          bool high_strict, size_t *from, size_t *to)
{
    *from = low == NULL ? 0 : lower_index(bound, column, low, low_strict);
    *to = high == NULL ? column->sorted_count : lower_index(bound, column, high, !high_strict);
    if (*to < *from)
        *to = *from;
}

/* Orders a value against the block of values starting with prefix: <0
 * before it, 0 inside, >0 after. */
static int compare_prefix(const char *text, size_t length, const credo_value *prefix)
{
    size_t shorter = length < prefix->length ? length : prefix->length;
    int order = shorter > 0 ? memcmp(text, prefix->text, shorter) : 0;
    if (order != 0)
        return order;
    return length < prefix->length ? -1 : 0;
}

static size_t prefix_bound(const credo_rule_bound *bound, const ri_text_column *column,
                           const credo_value *prefix, bool after_block)
{
    const credo_strpool *pool = bound->snapshot->strings;
    size_t low = 0, high = column->sorted_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        credo_str id = column->sorted[middle];
        int order = compare_prefix(credo_strpool_get(pool, id), credo_strpool_length(pool, id), prefix);
        if (order < 0 || (after_block && order == 0))
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

void ri_text_prefix_range(const credo_rule_bound *bound, const ri_text_column *column,
                          const credo_value *prefix, size_t *from, size_t *to)
{
    *from = prefix_bound(bound, column, prefix, false);
    *to = prefix_bound(bound, column, prefix, true);
}

/* Orders the sampled rows by rank (a counting sort on sample_prefix). */
static bool sort_sample_rows(credo_rule_bound *bound, ri_text_column *column)
{
    size_t present = column->sample_prefix[column->sorted_count];
    uint32_t *fill = calloc(column->sorted_count + 1, sizeof *fill);
    column->sample_rows = malloc((present == 0 ? 1 : present) * sizeof *column->sample_rows);
    if (fill == NULL || column->sample_rows == NULL) {
        free(fill);
        return false;
    }
    for (size_t i = 0; i < bound->sample_rows; i++) {
        size_t row = ri_sample_row(bound, i);
        credo_str id = column->values[row];
        if (id == CREDO_STR_NONE)
            continue;
        uint32_t rank = ri_map_find(&column->map, id)->rank;
        column->sample_rows[column->sample_prefix[rank] + fill[rank]++] = (uint32_t)row;
    }
    free(fill);
    bound->bytes += present * sizeof *column->sample_rows;
    return true;
}

bool ri_text_column_rank(credo_rule_bound *bound, ri_text_column *column)
{
    if (column->ranked)
        return true;
    if (!ri_text_column_sort(bound, column))
        return false;
    if (column->too_many_distinct)
        return true;
    for (size_t i = 0; i < column->sorted_count; i++) {
        if (!ri_map_add(&column->map, column->sorted[i], 0))
            return false;
        ((ri_slot *)ri_map_find(&column->map, column->sorted[i]))->rank = (uint32_t)i;
    }
    column->ranked = true;
    return sort_sample_rows(bound, column);
}

/* Counts entries per key, lays the slices out and fills them. */
bool ri_text_build_postings(credo_rule_bound *bound, const ri_text_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!ri_map_add(&bound->text[entries[i].column].map, entries[i].key, 1))
            return false;
    for (size_t k = 0; k < bound->text_count; k++) {
        ri_text_column *column = &bound->text[k];
        uint32_t offset = 0;
        for (size_t s = 0; column->map.slots != NULL && s <= column->map.mask; s++) {
            column->map.slots[s].start = offset;
            offset += column->map.slots[s].count;
            column->map.slots[s].count = 0;
        }
        column->posting_count = offset;
        column->postings = malloc((offset == 0 ? 1 : offset) * sizeof *column->postings);
        if (column->postings == NULL)
            return false;
        bound->bytes += offset * sizeof *column->postings + (column->map.mask + 1) * sizeof(ri_slot);
    }
    for (size_t i = 0; i < count; i++) {
        ri_text_column *column = &bound->text[entries[i].column];
        ri_slot *slot = (ri_slot *)ri_map_find(&column->map, entries[i].key);
        column->postings[slot->start + slot->count++] = entries[i].conjunction;
    }
    return true;
}

void ri_text_column_free(ri_text_column *column)
{
    ri_map_free(&column->map);
    ri_map_free(&column->sample);
    free(column->postings);
    free(column->filters);
    free(column->sorted);
    free(column->sample_prefix);
    free(column->sample_rows);
    memset(column, 0, sizeof *column);
}
