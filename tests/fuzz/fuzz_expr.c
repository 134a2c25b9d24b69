/* libFuzzer entry for the match-expression parser: parses arbitrary bytes
 * against the account schema and, when they parse, evaluates and explains
 * the expression on a few fixed rows. Not built by CMake; for example
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc/lib \
 *       tests/fuzz/fuzz_expr.c src/lib/expr*.c src/lib/buf.c src/lib/error.c \
 *       -o fuzz_expr
 *   ./fuzz_expr -max_total_time=60 -max_len=4096
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credo/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const credo_expr_field FIELDS[] = {
    {"id", CREDO_VALUE_TEXT},          {"name", CREDO_VALUE_TEXT},
    {"country", CREDO_VALUE_TEXT},     {"region", CREDO_VALUE_TEXT},
    {"postal_code", CREDO_VALUE_TEXT}, {"city", CREDO_VALUE_TEXT},
    {"industry", CREDO_VALUE_TEXT},    {"parent", CREDO_VALUE_TEXT},
    {"employees", CREDO_VALUE_NUMBER}, {"annual_revenue", CREDO_VALUE_NUMBER},
    {"potential", CREDO_VALUE_NUMBER},
};
#define FIELD_COUNT (sizeof FIELDS / sizeof FIELDS[0])

static const credo_expr_schema SCHEMA = {FIELDS, FIELD_COUNT, "attr."};

/* Row 0 has every field missing. Rows 1..3 give number fields a number and
 * other fields one of four texts, chosen by row and field id. */
static void get_field(const void *ctx, int field, credo_value *out)
{
    static const char *const texts[] = {"", "US", "94107", "É-9.5"};
    int row = *(const int *)ctx;
    if (row == 0)
        return;
    if (field >= 8 && field < (int)FIELD_COUNT) {
        *out = (credo_value){.kind = CREDO_VALUE_NUMBER, .number = (credo_number)(row - 2) * 12345};
        return;
    }
    const char *text = texts[(row + field) % 4];
    *out = (credo_value){.kind = CREDO_VALUE_TEXT, .text = text, .length = strlen(text)};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    credo_expr *expr = NULL;
    credo_expr_error where;
    credo_error err;
    if (credo_expr_parse((const char *)data, size, &SCHEMA, &expr, &where, &err) != CREDO_OK) {
        if (where.line == 0 || where.column == 0 || where.message[0] == '\0')
            abort();
        return 0;
    }

    credo_buf out = CREDO_BUF_INIT;
    for (int row = 0; row < 4; row++) {
        bool result = credo_expr_eval(expr, get_field, &row);
        if (credo_expr_explain(expr, get_field, &row, NULL, 2, &out) != result)
            abort();
    }
    credo_buf_free(&out);
    credo_expr_free(expr);
    return 0;
}
