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

/* Writes one entity. field_values[f] is the text of field f (NULL when
 * missing); attribute_names/values are the account's custom attributes.
 * Typed fields are parsed here; an invalid value fails with
 * "FILE:LINE: field F: ..." and what to do. */
credo_status import_write_row(credo_store *store, const mapping_source *source,
                              const import_row_origin *origin, const char *const *field_values,
                              const char *const *attribute_names, const char *const *attribute_values,
                              size_t attribute_count, credo_error *err);

#endif
