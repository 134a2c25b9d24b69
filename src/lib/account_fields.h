/* Reading account fields for match expressions (internal to libcredo). */
#ifndef CREDO_ACCOUNT_FIELDS_H
#define CREDO_ACCOUNT_FIELDS_H

#include "credo/expr.h"
#include "credo/model.h"

/* The row an expression is evaluated on. custom_columns maps the custom
 * field ids of one expression (schema count + i) to attribute columns, NULL
 * where the data has no such attribute. */
typedef struct credo_account_row_ref {
    const credo_snapshot *snapshot;
    uint32_t row;
    const credo_attribute_column *const *custom_columns;
    size_t custom_count;
} credo_account_row_ref;

/* credo_expr_getter over a credo_account_row_ref. */
void credo_account_field_get(const void *ctx, int field, credo_value *out);

/* Looks up the attribute columns for the custom fields of expr. Returns a
 * malloc'd array of credo_expr_custom_count(expr) entries (NULL when there
 * are none, or out of memory with *failed set). */
const credo_attribute_column **credo_account_custom_columns(const credo_snapshot *snapshot,
                                                            const credo_expr *expr, bool *failed);

/* Names of the built-in fields indexed by field id, for explanations. */
extern const char *const credo_account_field_names[];

#endif
