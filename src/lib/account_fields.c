/* Reading account fields for match expressions. */
#include "account_fields.h"

#include <stdlib.h>
#include <string.h>

#include "credo/policy.h"

const char *const credo_account_field_names[] = {
    "id", "name", "country", "region", "postal_code", "city", "industry", "parent",
    "employees", "annual_revenue", "potential",
};

static void text_value(const credo_snapshot *snapshot, credo_str id, credo_value *out)
{
    if (id == CREDO_STR_NONE) {
        out->kind = CREDO_VALUE_MISSING;
        return;
    }
    out->kind = CREDO_VALUE_TEXT;
    out->text = credo_strpool_get(snapshot->strings, id);
    out->length = credo_strpool_length(snapshot->strings, id);
}

static void number_value(credo_number number, credo_value *out)
{
    if (number == CREDO_NUMBER_NONE) {
        out->kind = CREDO_VALUE_MISSING;
        return;
    }
    out->kind = CREDO_VALUE_NUMBER;
    out->number = number;
}

static credo_str text_column(const credo_accounts *accounts, int field, uint32_t row)
{
    switch (field) {
    case CREDO_FIELD_ID: return accounts->id[row];
    case CREDO_FIELD_NAME: return accounts->name[row];
    case CREDO_FIELD_COUNTRY: return accounts->country[row];
    case CREDO_FIELD_REGION: return accounts->region[row];
    case CREDO_FIELD_POSTAL_CODE: return accounts->postal_code[row];
    case CREDO_FIELD_CITY: return accounts->city[row];
    case CREDO_FIELD_INDUSTRY: return accounts->industry[row];
    case CREDO_FIELD_PARENT: return accounts->parent_id[row];
    default: return CREDO_STR_NONE;
    }
}

void credo_account_field_get(const void *ctx, int field, credo_value *out)
{
    const credo_account_row_ref *ref = ctx;
    const credo_accounts *accounts = &ref->snapshot->accounts;
    memset(out, 0, sizeof *out);

    switch (field) {
    case CREDO_FIELD_EMPLOYEES:
        number_value(accounts->employees[ref->row], out);
        return;
    case CREDO_FIELD_ANNUAL_REVENUE:
        number_value(accounts->annual_revenue[ref->row], out);
        return;
    case CREDO_FIELD_POTENTIAL:
        number_value(accounts->potential[ref->row], out);
        return;
    default:
        break;
    }

    if (field < CREDO_FIELD_ACCOUNT_COUNT) {
        text_value(ref->snapshot, text_column(accounts, field, ref->row), out);
        return;
    }

    size_t custom = (size_t)field - CREDO_FIELD_ACCOUNT_COUNT;
    if (custom >= ref->custom_count || ref->custom_columns[custom] == NULL) {
        out->kind = CREDO_VALUE_MISSING;
        return;
    }
    text_value(ref->snapshot, ref->custom_columns[custom]->values[ref->row], out);
}

const credo_attribute_column **credo_account_custom_columns(const credo_snapshot *snapshot,
                                                            const credo_expr *expr, bool *failed)
{
    size_t count = credo_expr_custom_count(expr);
    *failed = false;
    if (count == 0)
        return NULL;

    const credo_attribute_column **columns = calloc(count, sizeof *columns);
    if (columns == NULL) {
        *failed = true;
        return NULL;
    }

    const credo_accounts *accounts = &snapshot->accounts;
    const char *prefix = credo_account_schema.custom_prefix;
    for (size_t i = 0; i < count; i++) {
        const char *name = credo_expr_custom_name(expr, i) + strlen(prefix);
        for (size_t a = 0; a < accounts->attribute_count; a++) {
            const char *column_name = credo_snapshot_text(snapshot, accounts->attributes[a].name);
            if (strcmp(column_name, name) == 0)
                columns[i] = &accounts->attributes[a];
        }
    }
    return columns;
}
