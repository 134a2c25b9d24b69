/* Grouping of source rows into one entity, such as order lines into one
 * deal (internal to libcredo). Rows of a group must agree on every field
 * that is not summed; summed fields add up exactly. */
#ifndef CREDO_IMPORT_GROUP_H
#define CREDO_IMPORT_GROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "credo/error.h"

typedef struct import_groups import_groups;

/* sum_scale[f] is the decimal places of field f when it is summed, or -1
 * when its rows must agree. field_names name fields in messages. */
import_groups *import_groups_new(size_t field_count, const int *sum_scale,
                                 const char *const *field_names);
void import_groups_free(import_groups *groups);

/* Adds one row with group key `key`. values[f] may be NULL. Fails with
 * "FILE:LINE: field F: ..." when a value differs from the group's first
 * row or a sum does not parse or overflows. */
credo_status import_groups_add(import_groups *groups, const char *key, const char *const *values,
                               const char *file, unsigned long line, credo_error *err);

size_t import_groups_count(const import_groups *groups);

/* Fills values (field_count entries, borrowed until the next call or the
 * free) with group `index` in order of first appearance; sums formatted as
 * exact decimals. Returns the line of the group's first row. */
unsigned long import_groups_get(import_groups *groups, size_t index, const char **values);

#endif
