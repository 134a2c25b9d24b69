/* Grouping of source rows into one entity. Keys and values are interned, so
 * a group is found by its key's dense id and "rows agree" is an integer
 * comparison. */
#include "import_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"
#include "credo/strpool.h"

struct import_groups {
    size_t field_count;
    const int *sum_scale;
    const char *const *field_names;
    credo_strpool *strings;
    uint32_t *group_of_key;    /* key id -> group index + 1, 0 = none */
    size_t key_capacity;
    credo_str *values;         /* group * field_count + f */
    int64_t *sums;             /* group * field_count + f */
    unsigned long *first_line;
    size_t count, capacity;
    char formatted[16][40];    /* sums of the group last read */
};

import_groups *import_groups_new(size_t field_count, const int *sum_scale, const char *const *field_names)
{
    if (field_count > 16)
        return NULL;
    import_groups *groups = calloc(1, sizeof *groups);
    if (groups == NULL)
        return NULL;
    groups->field_count = field_count;
    groups->sum_scale = sum_scale;
    groups->field_names = field_names;
    groups->strings = credo_strpool_new();
    if (groups->strings == NULL) {
        free(groups);
        return NULL;
    }
    return groups;
}

void import_groups_free(import_groups *groups)
{
    if (groups == NULL)
        return;
    credo_strpool_free(groups->strings);
    free(groups->group_of_key);
    free(groups->values);
    free(groups->sums);
    free(groups->first_line);
    free(groups);
}

static bool reserve(import_groups *groups, credo_str key)
{
    if ((size_t)key >= groups->key_capacity) {
        size_t capacity = groups->key_capacity == 0 ? 1024 : groups->key_capacity;
        while (capacity <= (size_t)key)
            capacity *= 2;
        uint32_t *grown = realloc(groups->group_of_key, capacity * sizeof *grown);
        if (grown == NULL)
            return false;
        memset(grown + groups->key_capacity, 0, (capacity - groups->key_capacity) * sizeof *grown);
        groups->group_of_key = grown;
        groups->key_capacity = capacity;
    }
    if (groups->count == groups->capacity) {
        size_t capacity = groups->capacity == 0 ? 1024 : groups->capacity * 2;
        credo_str *values = realloc(groups->values, capacity * groups->field_count * sizeof *values);
        if (values != NULL)
            groups->values = values;
        int64_t *sums = realloc(groups->sums, capacity * groups->field_count * sizeof *sums);
        if (sums != NULL)
            groups->sums = sums;
        unsigned long *lines = realloc(groups->first_line, capacity * sizeof *lines);
        if (lines != NULL)
            groups->first_line = lines;
        if (values == NULL || sums == NULL || lines == NULL)
            return false;
        groups->capacity = capacity;
    }
    return true;
}

static credo_status add_to_sum(import_groups *groups, size_t slot, size_t field, const char *value,
                               const char *file, unsigned long line, credo_error *err)
{
    if (value == NULL)
        return CREDO_OK;
    int64_t amount = 0;
    if (credo_parse_decimal(value, strlen(value), groups->sum_scale[field], &amount, err) != CREDO_OK)
        return credo_error_prefix(err, "%s:%lu: field %s", file, line, groups->field_names[field]);
    if (__builtin_add_overflow(groups->sums[slot], amount, &groups->sums[slot]))
        return credo_error_set(err, CREDO_ERR_LIMIT, "%s:%lu: field %s: the group's sum overflows",
                               file, line, groups->field_names[field]);
    return CREDO_OK;
}

credo_status import_groups_add(import_groups *groups, const char *key, const char *const *values,
                               const char *file, unsigned long line, credo_error *err)
{
    credo_status status = CREDO_OK;
    credo_str key_id = credo_strpool_intern_cstr(groups->strings, key, &status);
    if (status != CREDO_OK || !reserve(groups, key_id))
        return credo_error_set(err, CREDO_ERR_NOMEM, "%s:%lu: out of memory grouping rows", file, line);

    bool is_new = groups->group_of_key[key_id] == 0;
    if (is_new) {
        groups->group_of_key[key_id] = (uint32_t)++groups->count;
        groups->first_line[groups->count - 1] = line;
    }
    size_t group = groups->group_of_key[key_id] - 1;

    for (size_t f = 0; f < groups->field_count && status == CREDO_OK; f++) {
        size_t slot = group * groups->field_count + f;
        if (is_new)
            groups->sums[slot] = 0;
        if (groups->sum_scale[f] >= 0) {
            status = add_to_sum(groups, slot, f, values[f], file, line, err);
            continue;
        }
        credo_str value = credo_strpool_intern_cstr(groups->strings, values[f], &status);
        if (status != CREDO_OK)
            return credo_error_set(err, CREDO_ERR_NOMEM, "%s:%lu: out of memory grouping rows", file, line);
        if (is_new) {
            groups->values[slot] = value;
        } else if (groups->values[slot] != value) {
            const char *first = credo_strpool_get(groups->strings, groups->values[slot]);
            status = credo_error_set(err, CREDO_ERR_INVALID,
                                     "%s:%lu: field %s: group '%s' has '%s' here but '%s' on line %lu; rows "
                                     "of one group must agree on every field that is not summed",
                                     file, line, groups->field_names[f], key, values[f] ? values[f] : "",
                                     first ? first : "", groups->first_line[group]);
        }
    }
    return status;
}

size_t import_groups_count(const import_groups *groups)
{
    return groups->count;
}

unsigned long import_groups_get(import_groups *groups, size_t index, const char **values)
{
    for (size_t f = 0; f < groups->field_count; f++) {
        size_t slot = index * groups->field_count + f;
        if (groups->sum_scale[f] >= 0)
            values[f] = credo_format_decimal(groups->sums[slot], groups->sum_scale[f], groups->formatted[f]);
        else
            values[f] = credo_strpool_get(groups->strings, groups->values[slot]);
    }
    return groups->first_line[index];
}
