/* Turning the text values of one source row into a store row (internal to
 * libcredo). Shared by plain and grouped sources. */
#ifndef CREDO_IMPORT_ROWS_H
#define CREDO_IMPORT_ROWS_H

#include "credo/error.h"
#include "credo/store.h"
#include "mapping.h"

/* Where a row came from, for messages. */
typedef struct import_row_origin {
    const char *file;
    unsigned long line;
} import_row_origin;

/* Keys of the rows written from one source file, so that a row whose key
 * an earlier row of the file had is rejected instead of silently replacing
 * it in the store. Each row costs one lookup in a string pool. */
typedef struct import_row_keys import_row_keys;

/* Returns NULL when out of memory. Free with import_row_keys_free. */
import_row_keys *import_row_keys_new(void);
void import_row_keys_free(import_row_keys *keys);

/* Writes one entity. field_values[f] is the text of field f (NULL when
 * missing); attribute_names/values are the account's custom attributes.
 * Typed fields are parsed here; an invalid value fails with
 * "FILE:LINE: field F: ..." and what to do. An id (a field named id or
 * ending in _id) with a control character fails the same way. When keys
 * is not NULL, a row whose key an earlier row recorded in keys fails with
 * both lines. The key is the id, but (deal_id, rep_id, role) for deal_team
 * and (rep_id, start day) for quotas. Activities and deal_history rows have
 * a key only when their id is given. */
credo_status import_write_row(credo_store *store, const mapping_source *source,
                              const import_row_origin *origin, import_row_keys *keys,
                              const char *const *field_values, const char *const *attribute_names,
                              const char *const *attribute_values, size_t attribute_count,
                              credo_error *err);

#endif
