/* Internals of the snapshot shared by snapshot.c and snapshot_events.c. */
#ifndef CREDO_SNAPSHOT_INTERNAL_H
#define CREDO_SNAPSHOT_INTERNAL_H

#include "credo/model.h"

/* The snapshot with the capacities of its columns, kept out of the public
 * struct. credo_snapshot is its first member. */
typedef struct snapshot_storage {
    credo_snapshot public_part;
    size_t rep_capacity, account_capacity, deal_capacity, team_capacity;
    size_t activity_capacity, history_capacity, quota_capacity, registration_capacity;
} snapshot_storage;

snapshot_storage *snapshot_storage_of(credo_snapshot *snapshot);

/* Next capacity of a column that is full: 256 rows first, then doubling. */
size_t snapshot_next_capacity(size_t capacity);

/* A column: the address of its array and the size of one element. */
typedef struct snapshot_column {
    void **array;
    size_t element_size;
} snapshot_column;

/* Reallocates every listed column to new_capacity elements; -1 when out of
 * memory (columns already grown stay grown). */
int snapshot_grow_columns(const snapshot_column *columns, size_t column_count, size_t new_capacity);

/* Ordering of two rows of one table. */
typedef int (*snapshot_row_compare)(const credo_snapshot *snapshot, uint32_t a, uint32_t b);

/* Stable sort of `count` rows of the listed columns by compare; -1 when out
 * of memory. */
int snapshot_sort_table(const credo_snapshot *snapshot, size_t count, snapshot_row_compare compare,
                        const snapshot_column *columns, size_t column_count);

/* Binary search of a sorted id column; CREDO_NO_ROW when absent. */
uint32_t snapshot_find_sorted(const credo_snapshot *snapshot, const credo_str *ids, size_t count,
                              credo_str id);

/* Rejects missing or repeated ids in a sorted id column. */
credo_status snapshot_check_unique(const credo_snapshot *snapshot, const credo_str *ids, size_t count,
                                   const char *table, credo_error *err);

/* Sorts and links the event tables; called by credo_snapshot_finish after
 * accounts and deals are sorted. */
credo_status snapshot_finish_events(credo_snapshot *snapshot, credo_error *err);

#endif
