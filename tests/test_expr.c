/* Tests of the match-expression language: parsing, error positions and
 * messages, evaluation, explanations, value formatting, and a randomized
 * comparison with a small independent evaluator. */
#include "test_support.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/expr.h"

/* ---- schema and rows ---- */

enum {
    F_ID, F_NAME, F_COUNTRY, F_REGION, F_POSTAL_CODE, F_CITY, F_INDUSTRY, F_PARENT,
    F_EMPLOYEES, F_ANNUAL_REVENUE, F_POTENTIAL, F_COUNT
};

static const credo_expr_field FIELDS[F_COUNT] = {
    {"id", CREDO_VALUE_TEXT},          {"name", CREDO_VALUE_TEXT},
    {"country", CREDO_VALUE_TEXT},     {"region", CREDO_VALUE_TEXT},
    {"postal_code", CREDO_VALUE_TEXT}, {"city", CREDO_VALUE_TEXT},
    {"industry", CREDO_VALUE_TEXT},    {"parent", CREDO_VALUE_TEXT},
    {"employees", CREDO_VALUE_NUMBER}, {"annual_revenue", CREDO_VALUE_NUMBER},
    {"potential", CREDO_VALUE_NUMBER},
};

static const credo_expr_schema SCHEMA = {FIELDS, F_COUNT, "attr."};

static const char *const FIELD_NAMES[F_COUNT] = {
    "id", "name", "country", "region", "postal_code", "city", "industry", "parent",
    "employees", "annual_revenue", "potential",
};

/* Field ids of the first custom attributes an expression names. */
#define F_CUSTOM0 F_COUNT
#define F_CUSTOM1 (F_COUNT + 1)
#define ROW_FIELDS (F_COUNT + 4)

/* Scales a whole number to credo_number. */
#define N(x) ((credo_number)(x) * CREDO_NUMBER_SCALE)

typedef struct test_row {
    credo_value values[ROW_FIELDS];
} test_row;

static void get_field(const void *ctx, int field, credo_value *out)
{
    const test_row *row = ctx;
    if (field >= 0 && field < ROW_FIELDS)
        *out = row->values[field];
}

static void set_text(test_row *row, int field, const char *text)
{
    row->values[field] = (credo_value){.kind = CREDO_VALUE_TEXT, .text = text,
                                       .length = strlen(text)};
}

static void set_number(test_row *row, int field, credo_number number)
{
    row->values[field] = (credo_value){.kind = CREDO_VALUE_NUMBER, .number = number};
}

static credo_expr *parse_ok(const char *text)
{
    credo_expr *expr = NULL;
    credo_expr_error where;
    credo_error err;
    credo_status status = credo_expr_parse(text, strlen(text), &SCHEMA, &expr, &where, &err);
    if (status != CREDO_OK)
        fail_msg("parsing <%s> failed: %s", text, err.message);
    assert_non_null(expr);
    return expr;
}

/* Parses text and evaluates it on row. */
static bool eval_text(const char *text, const test_row *row)
{
    credo_expr *expr = parse_ok(text);
    bool result = credo_expr_eval(expr, get_field, row);
    credo_expr_free(expr);
    return result;
}

/* Parses text expecting a failure with exactly this status, position and
 * message, and checks the credo_error form of the message. */
static void expect_error_with(const credo_expr_schema *schema, const char *text, size_t len,
                              credo_status status, unsigned line, unsigned column,
                              const char *message)
{
    credo_expr *expr = (credo_expr *)&expr;
    credo_expr_error where;
    credo_error err;
    credo_status got = credo_expr_parse(text, len, schema, &expr, &where, &err);
    assert_int_equal(got, status);
    assert_null(expr);
    assert_int_equal(where.line, line);
    assert_int_equal(where.column, column);
    assert_string_equal(where.message, message);

    char expected[CREDO_ERROR_MESSAGE_MAX];
    snprintf(expected, sizeof expected, "line %u, column %u: %s", line, column, message);
    assert_int_equal(err.status, status);
    assert_string_equal(err.message, expected);
}

static void expect_error(const char *text, unsigned line, unsigned column, const char *message)
{
    expect_error_with(&SCHEMA, text, strlen(text), CREDO_ERR_INVALID, line, column, message);
}

/* Size of the allocation behind a buffer of `bytes` bytes: a power of two,
 * so that building long texts by appending stays linear. */
static size_t buffer_capacity(size_t bytes)
{
    size_t capacity = 64;
    while (capacity < bytes)
        capacity *= 2;
    return capacity;
}

/* Appends text to a malloc'd buffer of *length bytes (NULL when empty). */
static char *append(char *buffer, size_t *length, const char *text)
{
    size_t add = strlen(text);
    size_t needed = *length + add + 1;
    if (buffer == NULL || buffer_capacity(*length + 1) < needed) {
        buffer = realloc(buffer, buffer_capacity(needed));
        assert_non_null(buffer);
    }
    memcpy(buffer + *length, text, add + 1);
    *length += add;
    return buffer;
}

/* ---- parsing: tree shape ---- */

static void parse_compare_operators(void **state)
{
    static const struct {
        const char *text;
        credo_expr_op op;
    } cases[] = {
        {"employees = 5", CREDO_OP_EQ}, {"employees != 5", CREDO_OP_NE},
        {"employees < 5", CREDO_OP_LT}, {"employees <= 5", CREDO_OP_LE},
        {"employees > 5", CREDO_OP_GT}, {"employees >= 5", CREDO_OP_GE},
        {"employees>=5", CREDO_OP_GE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        credo_expr *expr = parse_ok(cases[i].text);
        const credo_expr_node *root = credo_expr_root(expr);
        assert_int_equal(root->kind, CREDO_EXPR_COMPARE);
        assert_int_equal(root->op, cases[i].op);
        assert_int_equal(root->field, F_EMPLOYEES);
        assert_int_equal(root->value.kind, CREDO_VALUE_NUMBER);
        assert_int_equal(root->value.number, N(5));
        credo_expr_free(expr);
    }
}

static void parse_text_literal(void **state)
{
    credo_expr *expr = parse_ok("country = \"US\"");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_COMPARE);
    assert_int_equal(root->field, F_COUNTRY);
    assert_int_equal(root->value.kind, CREDO_VALUE_TEXT);
    assert_int_equal(root->value.length, 2);
    assert_memory_equal(root->value.text, "US", 2);
    assert_string_equal(credo_expr_text(expr), "country = \"US\"");
    credo_expr_free(expr);
}

static void parse_string_escapes(void **state)
{
    credo_expr *expr = parse_ok("name = \"a\\\"b\\\\c\"");
    const credo_value *value = &credo_expr_root(expr)->value;
    assert_int_equal(value->length, 5);
    assert_memory_equal(value->text, "a\"b\\c", 5);
    credo_expr_free(expr);
}

static void parse_empty_string(void **state)
{
    credo_expr *expr = parse_ok("city = \"\"");
    const credo_value *value = &credo_expr_root(expr)->value;
    assert_int_equal(value->kind, CREDO_VALUE_TEXT);
    assert_int_equal(value->length, 0);
    credo_expr_free(expr);
}

static void parse_number_literals(void **state)
{
    static const struct {
        const char *text;
        credo_number number;
    } cases[] = {
        {"potential = 12", 120000},
        {"potential = 12.5", 125000},
        {"potential = -0.0001", -1},
        {"potential = 0", 0},
        {"potential = -0", 0},
        {"potential = 007.50", 75000},
        {"potential = 922337203685477.5807", INT64_MAX},
        {"potential = -922337203685477.5807", -INT64_MAX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        credo_expr *expr = parse_ok(cases[i].text);
        assert_int_equal(credo_expr_root(expr)->value.number, cases[i].number);
        credo_expr_free(expr);
    }
}

static void parse_in_list(void **state)
{
    credo_expr *expr = parse_ok("postal_code in (\"98000\", \"94000\"..\"95999\", \"10001\")");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_IN);
    assert_int_equal(root->field, F_POSTAL_CODE);
    assert_false(root->negated);
    assert_int_equal(root->item_count, 3);
    assert_false(root->items[0].is_range);
    assert_memory_equal(root->items[0].low.text, "98000", 5);
    assert_true(root->items[1].is_range);
    assert_memory_equal(root->items[1].low.text, "94000", 5);
    assert_memory_equal(root->items[1].high.text, "95999", 5);
    assert_false(root->items[2].is_range);
    assert_memory_equal(root->items[2].low.text, "10001", 5);
    credo_expr_free(expr);
}

static void parse_not_in(void **state)
{
    credo_expr *expr = parse_ok("region not in (\"US-CA\", \"US-NV\")");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_IN);
    assert_true(root->negated);
    assert_int_equal(root->item_count, 2);
    credo_expr_free(expr);
}

static void parse_in_single_value(void **state)
{
    credo_expr *expr = parse_ok("country in \"US\"");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_IN);
    assert_int_equal(root->item_count, 1);
    assert_false(root->items[0].is_range);
    credo_expr_free(expr);
}

static void parse_in_single_range(void **state)
{
    credo_expr *expr = parse_ok("employees in 10..20.5");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_IN);
    assert_int_equal(root->item_count, 1);
    assert_true(root->items[0].is_range);
    assert_int_equal(root->items[0].low.number, N(10));
    assert_int_equal(root->items[0].high.number, 205000);
    credo_expr_free(expr);
}

static void parse_starts_with_one(void **state)
{
    credo_expr *expr = parse_ok("postal_code starts_with \"94\"");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_STARTS_WITH);
    assert_int_equal(root->item_count, 1);
    assert_memory_equal(root->items[0].low.text, "94", 2);
    credo_expr_free(expr);
}

static void parse_starts_with_list(void **state)
{
    credo_expr *expr = parse_ok("postal_code starts_with (\"94\", \"95\", \"\")");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_STARTS_WITH);
    assert_int_equal(root->item_count, 3);
    assert_memory_equal(root->items[1].low.text, "95", 2);
    assert_int_equal(root->items[2].low.length, 0);
    credo_expr_free(expr);
}

static void parse_custom_fields(void **state)
{
    credo_expr *expr = parse_ok("attr.segment = \"SMB\" or attr.tier > 2 or attr.segment = \"MM\"");
    assert_int_equal(credo_expr_custom_count(expr), 2);
    assert_string_equal(credo_expr_custom_name(expr, 0), "attr.segment");
    assert_string_equal(credo_expr_custom_name(expr, 1), "attr.tier");
    assert_null(credo_expr_custom_name(expr, 2));

    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->left->field, F_CUSTOM0);
    assert_int_equal(root->right->left->field, F_CUSTOM1);
    assert_int_equal(root->right->left->value.kind, CREDO_VALUE_NUMBER);
    assert_int_equal(root->right->right->field, F_CUSTOM0);
    credo_expr_free(expr);
}

static void parse_custom_starts_with(void **state)
{
    credo_expr *expr = parse_ok("attr.code starts_with \"X-\"");
    assert_int_equal(credo_expr_root(expr)->field, F_CUSTOM0);
    credo_expr_free(expr);
}

static void parse_whitespace_forms(void **state)
{
    credo_expr *expr = parse_ok("\r\n\tcountry\t=\n\"US\"\r\n  and\n\temployees>=250\n");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_AND);
    /* Lines: "\r", "\tcountry\t=", "\"US\"\r", "  and", "\temployees>=250". */
    assert_int_equal(root->line, 4);
    assert_int_equal(root->column, 3);
    assert_int_equal(root->left->line, 2);
    assert_int_equal(root->left->column, 2);
    assert_int_equal(root->right->line, 5);
    assert_int_equal(root->right->column, 2);
    credo_expr_free(expr);
}

static void parse_node_positions(void **state)
{
    /* columns:  1234567890123456789012345678901 */
    credo_expr *expr = parse_ok("not (city = \"A\" or city = \"B\")");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_NOT);
    assert_int_equal(root->column, 1);
    assert_int_equal(root->left->kind, CREDO_EXPR_OR);
    assert_int_equal(root->left->column, 17);
    assert_int_equal(root->left->left->column, 6);
    assert_int_equal(root->left->right->column, 20);
    credo_expr_free(expr);
}

static void parse_literals_owned(void **state)
{
    const char *source = "city = \"Zürich\" or region in (\"CH-ZH\"..\"CH-ZZ\")";
    char *text = strdup(source);
    assert_non_null(text);
    credo_expr *expr = NULL;
    credo_expr_error where;
    assert_int_equal(credo_expr_parse(text, strlen(text), &SCHEMA, &expr, &where, NULL), CREDO_OK);
    memset(text, 'x', strlen(text));
    free(text);

    assert_string_equal(credo_expr_text(expr), source);
    test_row row = {0};
    set_text(&row, F_CITY, "Zürich");
    assert_true(credo_expr_eval(expr, get_field, &row));
    set_text(&row, F_CITY, "Bern");
    set_text(&row, F_REGION, "CH-ZO");
    assert_true(credo_expr_eval(expr, get_field, &row));
    credo_expr_free(expr);
}

static void parse_length_argument(void **state)
{
    /* Only the first len bytes count; the rest would be a syntax error. */
    const char *text = "country = \"US\" garbage";
    credo_expr *expr = NULL;
    assert_int_equal(credo_expr_parse(text, 14, &SCHEMA, &expr, NULL, NULL), CREDO_OK);
    assert_string_equal(credo_expr_text(expr), "country = \"US\"");
    credo_expr_free(expr);
}

static void free_accepts_null(void **state)
{
    credo_expr_free(NULL);
}

/* ---- parsing: precedence ---- */

static void precedence_and_over_or(void **state)
{
    credo_expr *expr = parse_ok("city = \"A\" or city = \"B\" and city = \"C\"");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_OR);
    assert_int_equal(root->left->kind, CREDO_EXPR_COMPARE);
    assert_memory_equal(root->left->value.text, "A", 1);
    assert_int_equal(root->right->kind, CREDO_EXPR_AND);
    assert_memory_equal(root->right->left->value.text, "B", 1);
    assert_memory_equal(root->right->right->value.text, "C", 1);
    credo_expr_free(expr);
}

static void precedence_and_before_or(void **state)
{
    credo_expr *expr = parse_ok("city = \"A\" and city = \"B\" or city = \"C\"");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_OR);
    assert_int_equal(root->left->kind, CREDO_EXPR_AND);
    assert_int_equal(root->right->kind, CREDO_EXPR_COMPARE);
    assert_memory_equal(root->right->value.text, "C", 1);
    credo_expr_free(expr);
}

static void precedence_not_over_and(void **state)
{
    credo_expr *expr = parse_ok("not city = \"A\" and city = \"B\"");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_AND);
    assert_int_equal(root->left->kind, CREDO_EXPR_NOT);
    assert_int_equal(root->left->left->kind, CREDO_EXPR_COMPARE);
    assert_int_equal(root->right->kind, CREDO_EXPR_COMPARE);
    credo_expr_free(expr);
}

static void precedence_not_over_or(void **state)
{
    credo_expr *expr = parse_ok("not city = \"A\" or city = \"B\"");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_OR);
    assert_int_equal(root->left->kind, CREDO_EXPR_NOT);
    credo_expr_free(expr);
}

static void precedence_parentheses(void **state)
{
    credo_expr *expr = parse_ok("(city = \"A\" or city = \"B\") and not (city = \"C\")");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_AND);
    assert_int_equal(root->left->kind, CREDO_EXPR_OR);
    assert_int_equal(root->right->kind, CREDO_EXPR_NOT);
    assert_int_equal(root->right->left->kind, CREDO_EXPR_COMPARE);
    credo_expr_free(expr);
}

static void precedence_chain_nests_right(void **state)
{
    credo_expr *expr = parse_ok("city = \"A\" and city = \"B\" and city = \"C\"");
    const credo_expr_node *root = credo_expr_root(expr);
    assert_int_equal(root->kind, CREDO_EXPR_AND);
    assert_int_equal(root->left->kind, CREDO_EXPR_COMPARE);
    assert_memory_equal(root->left->value.text, "A", 1);
    assert_int_equal(root->right->kind, CREDO_EXPR_AND);
    assert_memory_equal(root->right->left->value.text, "B", 1);
    assert_memory_equal(root->right->right->value.text, "C", 1);
    credo_expr_free(expr);
}

static void precedence_truth(void **state)
{
    /* A row on which each pair of groupings gives different results. */
    test_row row = {0};
    set_text(&row, F_CITY, "B");
    set_text(&row, F_REGION, "X");
    /* or binds looser: (region = "Y" and city = "B") or city = "B" is true */
    assert_true(eval_text("region = \"Y\" and city = \"B\" or city = \"B\"", &row));
    /* region = "Y" and (city = "B" or city = "B") is false */
    assert_false(eval_text("region = \"Y\" and (city = \"B\" or city = \"B\")", &row));
    /* not binds tighter than or: (not region = "X") or city = "B" is true */
    assert_true(eval_text("not region = \"X\" or city = \"B\"", &row));
    assert_false(eval_text("not (region = \"X\" or city = \"B\")", &row));
}

/* ---- parsing: limits ---- */

static char *nested_parens(size_t depth, size_t *length)
{
    char *text = NULL;
    *length = 0;
    for (size_t i = 0; i < depth; i++)
        text = append(text, length, "(");
    text = append(text, length, "city = \"A\"");
    for (size_t i = 0; i < depth; i++)
        text = append(text, length, ")");
    return text;
}

static void limit_depth_at_maximum(void **state)
{
    size_t length;
    char *text = nested_parens(CREDO_EXPR_MAX_DEPTH, &length);
    credo_expr *expr = parse_ok(text);
    test_row row = {0};
    set_text(&row, F_CITY, "A");
    assert_true(credo_expr_eval(expr, get_field, &row));
    credo_expr_free(expr);
    free(text);
}

static void limit_depth_exceeded(void **state)
{
    size_t length;
    char *text = nested_parens(CREDO_EXPR_MAX_DEPTH + 1, &length);
    expect_error_with(&SCHEMA, text, length, CREDO_ERR_LIMIT, 1, 257,
                      "expression nests more than 256 levels of parentheses and 'not'; "
                      "simplify it or split it into several rules");
    free(text);
}

static void limit_depth_huge(void **state)
{
    size_t length;
    char *text = nested_parens(1000000, &length);
    expect_error_with(&SCHEMA, text, length, CREDO_ERR_LIMIT, 1, 257,
                      "expression nests more than 256 levels of parentheses and 'not'; "
                      "simplify it or split it into several rules");
    free(text);
}

static void limit_not_chain(void **state)
{
    char *text = NULL;
    size_t length = 0;
    for (size_t i = 0; i < CREDO_EXPR_MAX_DEPTH; i++)
        text = append(text, &length, "not ");
    text = append(text, &length, "city = \"A\"");
    test_row row = {0};
    set_text(&row, F_CITY, "A");
    assert_true(eval_text(text, &row)); /* an even number of "not" */

    char *longer = NULL;
    size_t longer_length = 0;
    longer = append(longer, &longer_length, "not ");
    longer = append(longer, &longer_length, text);
    /* The 257th "not" starts after 256 * 4 bytes. */
    expect_error_with(&SCHEMA, longer, longer_length, CREDO_ERR_LIMIT, 1, 1025,
                      "expression nests more than 256 levels of parentheses and 'not'; "
                      "simplify it or split it into several rules");
    free(longer);
    free(text);
}

static void limit_long_chain_evaluates(void **state)
{
    /* 200000 tests in one "or" chain and one "and" chain: evaluation must
     * not recurse once per operand. */
    enum { TESTS = 200000 };
    char *any = NULL, *all = NULL;
    size_t any_length = 0, all_length = 0;
    char test[64];
    for (int i = 0; i < TESTS; i++) {
        snprintf(test, sizeof test, "%semployees = %d", i > 0 ? " or " : "", i);
        any = append(any, &any_length, test);
        snprintf(test, sizeof test, "%semployees != %d", i > 0 ? " and " : "", i + 1);
        all = append(all, &all_length, test);
    }
    test_row row = {0};
    set_number(&row, F_EMPLOYEES, N(TESTS - 1));
    assert_true(eval_text(any, &row));
    set_number(&row, F_EMPLOYEES, N(TESTS));
    assert_false(eval_text(any, &row));
    assert_false(eval_text(all, &row));
    set_number(&row, F_EMPLOYEES, 0);
    assert_true(eval_text(all, &row));

    credo_expr *expr = parse_ok(any);
    credo_buf out = CREDO_BUF_INIT;
    assert_true(credo_expr_explain(expr, get_field, &row, FIELD_NAMES, 0, &out));
    assert_false(credo_buf_failed(&out));
    credo_buf_free(&out);
    credo_expr_free(expr);
    free(any);
    free(all);
}

static void limit_list_items(void **state)
{
    char *text = NULL;
    size_t length = 0;
    text = append(text, &length, "employees in (");
    size_t last_offset = 0;
    char item[32];
    for (int i = 0; i <= CREDO_EXPR_MAX_ITEMS; i++) {
        if (i == CREDO_EXPR_MAX_ITEMS)
            last_offset = length + 2; /* after ", " */
        snprintf(item, sizeof item, "%s%d", i > 0 ? ", " : "", i);
        text = append(text, &length, item);
    }
    text = append(text, &length, ")");
    char message[128];
    snprintf(message, sizeof message,
             "list has more than %d items; split it across several tests joined by 'or'",
             CREDO_EXPR_MAX_ITEMS);
    expect_error_with(&SCHEMA, text, length, CREDO_ERR_LIMIT, 1, (unsigned)last_offset + 1,
                      message);

    /* Without the last item the list is within the limit. */
    size_t cut = last_offset - 2;
    text[cut] = ')';
    credo_expr *expr = NULL;
    assert_int_equal(credo_expr_parse(text, cut + 1, &SCHEMA, &expr, NULL, NULL), CREDO_OK);
    assert_int_equal(credo_expr_root(expr)->item_count, CREDO_EXPR_MAX_ITEMS);
    test_row row = {0};
    set_number(&row, F_EMPLOYEES, N(CREDO_EXPR_MAX_ITEMS - 1));
    assert_true(credo_expr_eval(expr, get_field, &row));
    set_number(&row, F_EMPLOYEES, N(CREDO_EXPR_MAX_ITEMS));
    assert_false(credo_expr_eval(expr, get_field, &row));
    credo_expr_free(expr);
    free(text);
}

static void limit_text_length(void **state)
{
    size_t length = (size_t)CREDO_EXPR_MAX_LENGTH + 1;
    char *text = malloc(length);
    assert_non_null(text);
    memset(text, ' ', length);
    char message[128];
    snprintf(message, sizeof message,
             "expression is %zu bytes long, above the limit of %u bytes; split it into several "
             "rules",
             length, (unsigned)CREDO_EXPR_MAX_LENGTH);
    expect_error_with(&SCHEMA, text, length, CREDO_ERR_LIMIT, 1, 1, message);
    free(text);
}

/* ---- parsing: errors ---- */

static void error_value_expected(void **state)
{
    /* columns: employees(1-9) >=(11-12) 1(14) and(16-18) region(20-25) =(27) and(29) */
    expect_error("employees >= 1 and region = and city = \"x\"", 1, 29,
                 "expected a value after '=', found 'and'");
}

static void error_value_at_end(void **state)
{
    expect_error("country =", 1, 10, "expected a value after '=', found the end of the text");
}

static void error_double_operator(void **state)
{
    expect_error("country = = \"US\"", 1, 11, "expected a value after '=', found '='");
}

static void error_unknown_field_suggests(void **state)
{
    expect_error("contry = \"US\"", 1, 1,
                 "unknown field 'contry'; did you mean 'country'? Known fields: id, name, "
                 "country, region, postal_code, city, industry, parent, employees, "
                 "annual_revenue, potential; custom attributes start with 'attr.'");
}

static void error_unknown_field_swapped(void **state)
{
    expect_error("country = \"US\" and\n  regoin = \"x\"", 2, 3,
                 "unknown field 'regoin'; did you mean 'region'? Known fields: id, name, "
                 "country, region, postal_code, city, industry, parent, employees, "
                 "annual_revenue, potential; custom attributes start with 'attr.'");
}

static void error_unknown_field_plain(void **state)
{
    expect_error("segment = \"SMB\"", 1, 1,
                 "unknown field 'segment'; known fields: id, name, country, region, "
                 "postal_code, city, industry, parent, employees, annual_revenue, potential; "
                 "custom attributes start with 'attr.'");
}

static void error_unknown_field_no_prefix(void **state)
{
    static const credo_expr_field fields[] = {{"size", CREDO_VALUE_NUMBER}};
    const credo_expr_schema schema = {fields, 1, NULL};
    const char *text = "attr.size = 1";
    expect_error_with(&schema, text, strlen(text), CREDO_ERR_INVALID, 1, 1,
                      "unknown field 'attr.size'; known fields: size");
}

static void error_keyword_case_as_field(void **state)
{
    expect_error("NOT country = \"US\"", 1, 1,
                 "unknown field 'NOT' (keywords are lower case: write 'not'); known fields: id, "
                 "name, country, region, postal_code, city, industry, parent, employees, "
                 "annual_revenue, potential; custom attributes start with 'attr.'");
}

static void error_custom_prefix_alone(void **state)
{
    expect_error("attr. = \"x\"", 1, 1,
                 "custom attribute 'attr.' has no name after the prefix; write a name such as "
                 "attr.segment");
}

static void error_keyword_case(void **state)
{
    expect_error("country = \"US\" AND region = \"x\"", 1, 16,
                 "expected 'and', 'or' or the end of the text, found 'AND' (keywords are lower "
                 "case: write 'and')");
}

static void error_unterminated_string(void **state)
{
    expect_error("country = \"US", 1, 11, "unterminated string: add the closing '\"'");
}

static void error_string_crosses_line(void **state)
{
    expect_error("country = \"US\n or city = \"x\"", 1, 11,
                 "unterminated string: close it with '\"' on the line where it starts");
}

static void error_invalid_escape(void **state)
{
    expect_error("name = \"a\\nb\"", 1, 10,
                 "invalid escape '\\n' in string; only \\\" and \\\\ are escapes");
}

static void error_range_lengths_differ(void **state)
{
    expect_error("postal_code in (\"9\"..\"80000\")", 1, 17,
                 "text range \"9\"..\"80000\" has ends of different length (1 and 5 characters); "
                 "text compares character by character, so write both ends with the same "
                 "length, for example \"00009\"..\"80000\"");
}

static void error_range_lengths_letters(void **state)
{
    /* No padding example for ends that are not digits; É is one character. */
    expect_error("city in \"Éa\"..\"Z\"", 1, 9,
                 "text range \"Éa\"..\"Z\" has ends of different length (2 and 1 characters); "
                 "text compares character by character, so write both ends with the same "
                 "length");
}

static void error_range_reversed_text(void **state)
{
    expect_error("postal_code in \"95999\"..\"94000\"", 1, 16,
                 "range low end is above its high end in \"95999\"..\"94000\"; write it as "
                 "\"94000\"..\"95999\"");
}

static void error_range_reversed_number(void **state)
{
    expect_error("employees in (10..5)", 1, 15,
                 "range low end is above its high end in 10..5; write it as 5..10");
}

static void error_range_missing_high(void **state)
{
    expect_error("employees in (10..)", 1, 19, "expected a value after '..', found ')'");
}

static void error_number_field_text(void **state)
{
    expect_error("employees = \"250\"", 1, 13,
                 "field employees is a number; write 250, not \"250\"");
}

static void error_number_field_word(void **state)
{
    expect_error("employees >= \"many\"", 1, 14,
                 "field employees is a number, but \"many\" is text; compare it with a number "
                 "such as 250");
}

static void error_text_field_number(void **state)
{
    expect_error("postal_code = 94000", 1, 15,
                 "field postal_code is text; write \"94000\", not 94000");
}

static void error_text_field_number_in_list(void **state)
{
    expect_error("postal_code in (\"94000\", 95000)", 1, 26,
                 "field postal_code is text; write \"95000\", not 95000");
}

static void error_too_many_decimals(void **state)
{
    expect_error("employees > 1.23456", 1, 13,
                 "number 1.23456 has more than 4 decimals; numbers keep 4 decimal places");
}

static void error_number_too_large(void **state)
{
    expect_error("potential < 1000000000000000", 1, 13,
                 "number 1000000000000000 is too large; numbers must lie between "
                 "-922337203685477.5807 and 922337203685477.5807");
}

static void error_number_just_too_large(void **state)
{
    expect_error("potential < 922337203685477.5808", 1, 13,
                 "number 922337203685477.5808 is too large; numbers must lie between "
                 "-922337203685477.5807 and 922337203685477.5807");
}

static void error_number_malformed(void **state)
{
    expect_error("employees = 12abc", 1, 13,
                 "invalid number '12abc'; write digits with an optional '.' and up to 4 "
                 "decimals, such as 1250.75");
}

static void error_number_no_decimals(void **state)
{
    expect_error("employees > 1.", 1, 13,
                 "invalid number '1.'; write digits with an optional '.' and up to 4 "
                 "decimals, such as 1250.75");
}

static void error_lone_minus(void **state)
{
    expect_error("employees = - 5", 1, 13,
                 "expected digits after '-', as in -5; a minus sign needs a number right "
                 "after it");
}

static void error_double_equals(void **state)
{
    expect_error("country == \"US\"", 1, 9, "'==' is not an operator; write '=' for equality");
}

static void error_not_equal_sign(void **state)
{
    expect_error("country <> \"US\"", 1, 9, "'<>' is not an operator; write '!='");
}

static void error_ampersands(void **state)
{
    expect_error("country = \"US\" && region = \"x\"", 1, 16,
                 "'&&' is not an operator; write 'and'");
}

static void error_bars(void **state)
{
    expect_error("country = \"US\" || region = \"x\"", 1, 16, "'||' is not an operator; write 'or'");
}

static void error_single_quotes(void **state)
{
    expect_error("country = 'US'", 1, 11,
                 "single quotes do not delimit strings; use double quotes, as in \"US\"");
}

static void error_bang(void **state)
{
    expect_error("! country = \"US\"", 1, 1,
                 "unexpected character '!'; write '!=' for 'not equal' or 'not' to negate a "
                 "test");
}

static void error_single_dot(void **state)
{
    expect_error("postal_code in (\"1\".\"2\")", 1, 20,
                 "unexpected character '.'; write '..' between the two ends of a range");
}

static void error_unexpected_character(void **state)
{
    expect_error("country = \"US\" # comment", 1, 16, "unexpected character '#'");
}

static void error_non_ascii_character(void **state)
{
    expect_error("country = É", 1, 11, "unexpected character 'É'");
}

static void error_control_byte(void **state)
{
    expect_error("country = \"US\"\x01", 1, 15, "unexpected character '\\x01'");
}

static void error_nul_byte(void **state)
{
    const char text[] = "city = \"A\"\0";
    expect_error_with(&SCHEMA, text, sizeof text - 1, CREDO_ERR_INVALID, 1, 11,
                      "unexpected character '\\x00'");
}

static void error_tab_counts_one_column(void **state)
{
    expect_error("\tcountry = 5", 1, 12, "field country is text; write \"5\", not 5");
}

static void error_unclosed_group(void **state)
{
    expect_error("(country = \"US\"", 1, 16,
                 "expected ')' to close the '(' at line 1, column 1, found the end of the text");
}

static void error_unmatched_close(void **state)
{
    expect_error("country = \"US\")", 1, 15, "found ')' without a matching '('");
}

static void error_empty(void **state)
{
    expect_error("", 1, 1,
                 "the expression is empty; write at least one test, such as field = \"value\"");
}

static void error_blank(void **state)
{
    expect_error("  \n  ", 2, 3,
                 "the expression is empty; write at least one test, such as field = \"value\"");
}

static void error_operator_expected(void **state)
{
    expect_error("country \"US\"", 1, 9,
                 "expected an operator after 'country' (=, !=, <, <=, >, >=, in, not in or "
                 "starts_with), found the string \"US\"");
}

static void error_not_without_in(void **state)
{
    expect_error("country not = \"US\"", 1, 13,
                 "expected 'in' after 'country not' (to negate another test, write 'not' before "
                 "it), found '='");
}

static void error_in_without_items(void **state)
{
    expect_error("country in", 1, 11,
                 "expected '(', a value or a range after 'in', found the end of the text");
}

static void error_empty_list(void **state)
{
    expect_error("country in ()", 1, 13, "expected a value after '(', found ')'");
}

static void error_trailing_comma(void **state)
{
    expect_error("country in (\"US\",)", 1, 18, "expected a value after ',', found ')'");
}

static void error_missing_comma(void **state)
{
    expect_error("country in (\"US\" \"CA\")", 1, 18,
                 "expected ',' or ')' to close the list opened at line 1, column 12, found the "
                 "string \"CA\"");
}

static void error_starts_with_number_field(void **state)
{
    expect_error("employees starts_with \"1\"", 1, 11,
                 "starts_with needs a text field, but employees is a number; compare numbers "
                 "with <, <=, > and >=");
}

static void error_starts_with_number(void **state)
{
    expect_error("postal_code starts_with 94", 1, 25,
                 "starts_with compares text; write \"94\", not 94");
}

static void error_starts_with_nothing(void **state)
{
    expect_error("postal_code starts_with and", 1, 25,
                 "expected a string or '(' after 'starts_with', found 'and'");
}

static void error_starts_with_range(void **state)
{
    expect_error("postal_code starts_with (\"1\"..\"2\")", 1, 29,
                 "expected ',' or ')' to close the list opened at line 1, column 25, found '..'");
}

static void error_custom_mixed_kinds(void **state)
{
    expect_error("attr.size in (1, \"big\")", 1, 18,
                 "the values compared with attr.size mix text and numbers; write them all as "
                 "text or all as numbers");
}

static void error_keyword_at_start(void **state)
{
    expect_error("and country = \"US\"", 1, 1,
                 "expected a field name, 'not' or '(', found 'and'");
}

static void error_dangling_or(void **state)
{
    expect_error("country = \"US\" or", 1, 18,
                 "expected a field name, 'not' or '(' after 'or', found the end of the text");
}

static void error_on_third_line(void **state)
{
    /* Line 3 is "  and industry = Retail": Retail starts at column 18. */
    expect_error("country = \"US\"\n  and employees >= 100\n  and industry = Retail", 3, 18,
                 "expected a value after '=', found 'Retail'");
}

static void error_unclosed_list_third_line(void **state)
{
    /* Line 3: "(" at column 19, the text ends at column 37. */
    expect_error("country = \"US\"\n  and employees >= 100\n  and industry in (\"Retail\", \"Media\"",
                 3, 37,
                 "expected ',' or ')' to close the list opened at line 3, column 19, found the "
                 "end of the text");
}

static void error_null_outputs(void **state)
{
    credo_expr *expr = (credo_expr *)&expr;
    assert_int_equal(credo_expr_parse("city =", 6, &SCHEMA, &expr, NULL, NULL), CREDO_ERR_INVALID);
    assert_null(expr);
}

/* ---- evaluation ---- */

static void eval_text_operators(void **state)
{
    /* Row value "M" against literals below, equal to and above it. */
    static const struct {
        const char *op;
        bool below, equal, above; /* result for literal "A", "M", "Z" */
    } cases[] = {
        {"=", false, true, false}, {"!=", true, false, true}, {"<", false, false, true},
        {"<=", false, true, true}, {">", true, false, false}, {">=", true, true, false},
    };
    test_row row = {0};
    set_text(&row, F_CITY, "M");
    char text[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "city %s \"A\"", cases[i].op);
        assert_int_equal(eval_text(text, &row), cases[i].below);
        snprintf(text, sizeof text, "city %s \"M\"", cases[i].op);
        assert_int_equal(eval_text(text, &row), cases[i].equal);
        snprintf(text, sizeof text, "city %s \"Z\"", cases[i].op);
        assert_int_equal(eval_text(text, &row), cases[i].above);
    }
}

static void eval_number_operators(void **state)
{
    static const struct {
        const char *op;
        bool below, equal, above; /* result for literal 12.4999, 12.5, 12.5001 */
    } cases[] = {
        {"=", false, true, false}, {"!=", true, false, true}, {"<", false, false, true},
        {"<=", false, true, true}, {">", true, false, false}, {">=", true, true, false},
    };
    test_row row = {0};
    set_number(&row, F_POTENTIAL, 125000);
    char text[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "potential %s 12.4999", cases[i].op);
        assert_int_equal(eval_text(text, &row), cases[i].below);
        snprintf(text, sizeof text, "potential %s 12.50", cases[i].op);
        assert_int_equal(eval_text(text, &row), cases[i].equal);
        snprintf(text, sizeof text, "potential %s 12.5001", cases[i].op);
        assert_int_equal(eval_text(text, &row), cases[i].above);
    }
}

static void eval_negative_numbers(void **state)
{
    test_row row = {0};
    set_number(&row, F_POTENTIAL, -1);
    assert_true(eval_text("potential < 0", &row));
    assert_true(eval_text("potential = -0.0001", &row));
    assert_true(eval_text("potential > -0.0002", &row));
    assert_true(eval_text("potential in -1..0", &row));
}

static void eval_missing_is_false(void **state)
{
    static const char *const tests[] = {
        "city = \"A\"",          "city != \"A\"",        "city < \"A\"",
        "city <= \"A\"",         "city > \"A\"",         "city >= \"A\"",
        "city in (\"A\", \"B\")", "city not in (\"A\")", "city starts_with \"\"",
        "employees = 1",         "employees != 1",       "employees not in (1..5)",
        "attr.x != \"A\"",       "attr.x != 1",
    };
    test_row row = {0};
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        assert_false(eval_text(tests[i], &row));
}

static void eval_not_of_missing(void **state)
{
    test_row row = {0};
    assert_true(eval_text("not city = \"A\"", &row));
    assert_true(eval_text("not city != \"A\"", &row));
    assert_true(eval_text("not employees not in (1)", &row));
}

static void eval_number_none_is_missing(void **state)
{
    test_row row = {0};
    set_number(&row, F_EMPLOYEES, CREDO_NUMBER_NONE);
    assert_false(eval_text("employees < 0", &row));
    assert_false(eval_text("employees != 0", &row));
}

static void eval_value_of_other_kind(void **state)
{
    /* A number where text is compared counts as missing; text where a
     * number is compared is read as a number. */
    test_row row = {0};
    set_number(&row, F_CITY, N(1));
    set_text(&row, F_EMPLOYEES, "1");
    assert_false(eval_text("city != \"x\"", &row));
    assert_true(eval_text("employees = 1", &row));
    set_text(&row, F_EMPLOYEES, "one");
    assert_false(eval_text("employees != 2", &row));
}

static void eval_code_point_order(void **state)
{
    test_row row = {0};
    set_text(&row, F_CITY, "Élan");
    assert_true(eval_text("city > \"Z\"", &row));
    assert_true(eval_text("city > \"Zzzz\"", &row));
    assert_true(eval_text("city < \"é\"", &row));
    set_text(&row, F_CITY, "Zürich");
    assert_true(eval_text("city < \"É\"", &row));
    assert_true(eval_text("city > \"Zu\"", &row));
    /* A prefix sorts before the longer text. */
    set_text(&row, F_CITY, "AB");
    assert_true(eval_text("city > \"A\"", &row));
    assert_true(eval_text("city < \"ABC\"", &row));
    assert_true(eval_text("city < \"a\"", &row));
}

static void eval_text_range_inclusive(void **state)
{
    static const struct {
        const char *postal_code;
        bool inside;
    } cases[] = {
        {"93999", false}, {"94000", true}, {"94500", true}, {"95999", true},
        {"96000", false}, {"9400", false}, {"940000", true}, {"95999-1", false},
    };
    credo_expr *expr = parse_ok("postal_code in (\"94000\"..\"95999\")");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_row row = {0};
        set_text(&row, F_POSTAL_CODE, cases[i].postal_code);
        assert_int_equal(credo_expr_eval(expr, get_field, &row), cases[i].inside);
    }
    credo_expr_free(expr);
}

static void eval_number_range_inclusive(void **state)
{
    static const struct {
        credo_number employees;
        bool inside;
    } cases[] = {
        {99999, false}, {N(10), true}, {N(15), true}, {205000, true}, {205001, false},
    };
    credo_expr *expr = parse_ok("employees in (10..20.5)");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_row row = {0};
        set_number(&row, F_EMPLOYEES, cases[i].employees);
        assert_int_equal(credo_expr_eval(expr, get_field, &row), cases[i].inside);
    }
    credo_expr_free(expr);
}

static void eval_not_in_present(void **state)
{
    test_row row = {0};
    set_text(&row, F_REGION, "US-CA");
    assert_false(eval_text("region not in (\"US-CA\", \"US-NV\")", &row));
    assert_true(eval_text("region not in (\"US-WA\", \"US-NV\")", &row));
    assert_false(eval_text("region not in \"US-AA\"..\"US-ZZ\"", &row));
}

static void eval_overlapping_ranges(void **state)
{
    /* Overlapping and nested ranges and values inside them. */
    const char *text = "postal_code in (\"20000\"..\"30000\", \"10000\"..\"25000\", \"12000\", "
                       "\"40000\"..\"40000\", \"26000\"..\"27000\", \"50000\")";
    static const struct {
        const char *postal_code;
        bool inside;
    } cases[] = {
        {"09999", false}, {"10000", true}, {"12000", true}, {"25000", true},
        {"26500", true},  {"30000", true}, {"30001", false}, {"40000", true},
        {"40001", false}, {"50000", true}, {"50001", false}, {"39999", false},
    };
    credo_expr *expr = parse_ok(text);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_row row = {0};
        set_text(&row, F_POSTAL_CODE, cases[i].postal_code);
        assert_int_equal(credo_expr_eval(expr, get_field, &row), cases[i].inside);
    }
    credo_expr_free(expr);
}

static uint64_t next_random(uint64_t *state)
{
    /* xorshift64* */
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1DULL;
}

static void eval_long_list(void **state)
{
    /* 5000 random codes in random order; membership checked by a linear
     * scan of the same codes. */
    enum { VALUES = 5000 };
    static char codes[VALUES][8];
    uint64_t seed = 42;
    char *text = NULL;
    size_t length = 0;
    text = append(text, &length, "id in (");
    for (int i = 0; i < VALUES; i++) {
        snprintf(codes[i], sizeof codes[i], "%u", (unsigned)(next_random(&seed) % 20000));
        char item[16];
        snprintf(item, sizeof item, "%s\"%.7s\"", i > 0 ? ", " : "", codes[i]);
        text = append(text, &length, item);
    }
    text = append(text, &length, ")");
    credo_expr *expr = parse_ok(text);

    for (unsigned probe = 0; probe < 20000; probe++) {
        char code[8];
        snprintf(code, sizeof code, "%u", probe);
        bool expected = false;
        for (int i = 0; i < VALUES && !expected; i++)
            expected = strcmp(codes[i], code) == 0;
        test_row row = {0};
        set_text(&row, F_ID, code);
        assert_int_equal(credo_expr_eval(expr, get_field, &row), expected);
    }
    credo_expr_free(expr);
    free(text);
}

static void eval_starts_with(void **state)
{
    test_row row = {0};
    set_text(&row, F_POSTAL_CODE, "94107");
    assert_true(eval_text("postal_code starts_with \"94\"", &row));
    assert_true(eval_text("postal_code starts_with \"94107\"", &row));
    assert_false(eval_text("postal_code starts_with \"941070\"", &row));
    assert_false(eval_text("postal_code starts_with \"95\"", &row));
    assert_true(eval_text("postal_code starts_with (\"10\", \"941\")", &row));
    assert_false(eval_text("postal_code starts_with (\"10\", \"942\")", &row));
    assert_true(eval_text("postal_code starts_with \"\"", &row));
}

static void eval_empty_text_value(void **state)
{
    test_row row = {0};
    set_text(&row, F_CITY, "");
    assert_true(eval_text("city = \"\"", &row));
    assert_true(eval_text("city < \"A\"", &row));
    assert_true(eval_text("city != \"A\"", &row));
    assert_false(eval_text("city starts_with \"A\"", &row));
}

static void eval_escaped_literal(void **state)
{
    test_row row = {0};
    set_text(&row, F_NAME, "Say \"hi\" \\ bye");
    assert_true(eval_text("name = \"Say \\\"hi\\\" \\\\ bye\"", &row));
}

static void eval_custom_text(void **state)
{
    test_row row = {0};
    set_text(&row, F_CUSTOM0, "SMB");
    assert_true(eval_text("attr.segment = \"SMB\"", &row));
    assert_true(eval_text("attr.segment in (\"MM\", \"SMB\")", &row));
    assert_false(eval_text("attr.segment != \"SMB\"", &row));
    /* "10" sorts before "9" as text. */
    set_text(&row, F_CUSTOM0, "10");
    assert_true(eval_text("attr.size < \"9\"", &row));
}

static void eval_custom_number(void **state)
{
    static const struct {
        const char *text;
        bool above_twelve; /* attr.size > 12 */
        bool missing;
    } cases[] = {
        {"12.50", true, false}, {"12", false, false},   {"100", true, false},
        {"-13", false, false},  {"012.0001", true, false}, {"abc", false, true},
        {"", false, true},      {" 13", false, true},   {"13 ", false, true},
        {"+13", false, true},   {"1e3", false, true},   {"13.00001", false, true},
        {"1,5", false, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_row row = {0};
        set_text(&row, F_CUSTOM0, cases[i].text);
        assert_int_equal(eval_text("attr.size > 12", &row), cases[i].above_twelve);
        /* != is false on a missing value and true on any number but 12. */
        bool differs = !cases[i].missing && strcmp(cases[i].text, "12") != 0;
        assert_int_equal(eval_text("attr.size != 12", &row), differs);
    }
}

static void eval_custom_number_list(void **state)
{
    test_row row = {0};
    set_text(&row, F_CUSTOM0, "2.5");
    assert_true(eval_text("attr.tier in (1, 2..3)", &row));
    assert_false(eval_text("attr.tier in (1, 3..4)", &row));
    assert_false(eval_text("attr.tier not in (1, 2..3)", &row));
    set_text(&row, F_CUSTOM0, "two");
    assert_false(eval_text("attr.tier not in (1, 2..3)", &row));
}

static void eval_two_custom_fields(void **state)
{
    test_row row = {0};
    set_text(&row, F_CUSTOM0, "A");
    set_text(&row, F_CUSTOM1, "5");
    assert_true(eval_text("attr.first = \"A\" and attr.second >= 5", &row));
    /* Ids follow first use: here attr.second is id F_CUSTOM0, holding "A". */
    assert_false(eval_text("attr.second >= 5 and attr.first = \"A\"", &row));
}

static void eval_boolean_truth_table(void **state)
{
    char text[128];
    for (int a = 0; a < 2; a++) {
        for (int b = 0; b < 2; b++) {
            test_row row = {0};
            set_text(&row, F_CITY, a ? "yes" : "x");
            set_text(&row, F_REGION, b ? "yes" : "x");
            snprintf(text, sizeof text, "city = \"yes\" and region = \"yes\"");
            assert_int_equal(eval_text(text, &row), a && b);
            snprintf(text, sizeof text, "city = \"yes\" or region = \"yes\"");
            assert_int_equal(eval_text(text, &row), a || b);
            snprintf(text, sizeof text, "not city = \"yes\"");
            assert_int_equal(eval_text(text, &row), !a);
            snprintf(text, sizeof text, "not (city = \"yes\" and region = \"yes\")");
            assert_int_equal(eval_text(text, &row), !(a && b));
        }
    }
}

/* ---- explanation ---- */

static char *explain_text(const char *text, const test_row *row, const char *const *names,
                          int indent, bool *result)
{
    credo_expr *expr = parse_ok(text);
    credo_buf out = CREDO_BUF_INIT;
    *result = credo_expr_explain(expr, get_field, row, names, indent, &out);
    assert_int_equal(*result, credo_expr_eval(expr, get_field, row));
    credo_expr_free(expr);
    char *copy = strdup(credo_buf_text(&out));
    credo_buf_free(&out);
    assert_non_null(copy);
    return copy;
}

static void explain_single_test(void **state)
{
    test_row row = {0};
    set_text(&row, F_COUNTRY, "US");
    bool result;
    char *text = explain_text("country = \"US\"", &row, FIELD_NAMES, 2, &result);
    assert_true(result);
    assert_string_equal(text, "  country = \"US\" -- country is \"US\": true\n");
    free(text);
}

static void explain_long_list(void **state)
{
    test_row row = {0};
    set_text(&row, F_REGION, "US-CA");
    bool result;
    char *text = explain_text("region in (\"US-WA\", \"US-OR\", \"US-ID\", \"US-MT\", \"US-WY\", "
                              "\"US-UT\", \"US-CO\", \"US-AZ\", \"US-NM\", \"US-AK\", \"US-HI\", "
                              "\"US-NV\")",
                              &row, FIELD_NAMES, 2, &result);
    assert_false(result);
    assert_string_equal(text, "  region in (\"US-WA\", \"US-OR\", \"US-ID\", \"US-MT\", \"US-WY\", "
                              "... 7 more) -- region is \"US-CA\": false\n");
    free(text);
}

static void explain_six_items_in_full(void **state)
{
    test_row row = {0};
    set_number(&row, F_EMPLOYEES, N(3));
    bool result;
    char *text = explain_text("employees not in (1, 2, 3..4, 5, 6, 7.25)", &row, FIELD_NAMES, 0,
                              &result);
    assert_false(result);
    assert_string_equal(text, "employees not in (1, 2, 3..4, 5, 6, 7.25) -- employees is 3: false\n");
    free(text);
}

static void explain_missing(void **state)
{
    test_row row = {0};
    bool result;
    char *text = explain_text("employees >= 250", &row, FIELD_NAMES, 0, &result);
    assert_false(result);
    assert_string_equal(text, "employees >= 250 -- employees is missing: false\n");
    free(text);
}

static void explain_structure(void **state)
{
    test_row row = {0};
    set_text(&row, F_COUNTRY, "US");
    set_text(&row, F_INDUSTRY, "Retail");
    bool result;
    char *text = explain_text(
        "country = \"US\" and (employees >= 250 or not industry in (\"Retail\"))", &row,
        FIELD_NAMES, 2, &result);
    assert_false(result);
    assert_string_equal(text, "  all of: false\n"
                              "    country = \"US\" -- country is \"US\": true\n"
                              "    any of: false\n"
                              "      employees >= 250 -- employees is missing: false\n"
                              "      not: false\n"
                              "        industry in (\"Retail\") -- industry is \"Retail\": true\n");
    free(text);
}

static void explain_chain_is_flat(void **state)
{
    test_row row = {0};
    set_text(&row, F_CITY, "B");
    bool result;
    char *text = explain_text("city = \"A\" or city = \"B\" or city starts_with (\"C\", \"D\")",
                              &row, FIELD_NAMES, 0, &result);
    assert_true(result);
    assert_string_equal(text, "any of: true\n"
                              "  city = \"A\" -- city is \"B\": false\n"
                              "  city = \"B\" -- city is \"B\": true\n"
                              "  city starts_with (\"C\", \"D\") -- city is \"B\": false\n");
    free(text);
}

static void explain_custom_not_a_number(void **state)
{
    test_row row = {0};
    set_text(&row, F_CUSTOM0, "big");
    set_text(&row, F_CUSTOM1, "ok");
    bool result;
    char *text = explain_text("attr.size >= 10 or attr.label starts_with \"o\"", &row, NULL, 0,
                              &result);
    assert_true(result);
    assert_string_equal(text, "any of: true\n"
                              "  attr.size >= 10 -- attr.size is \"big\", not a number: false\n"
                              "  attr.label starts_with \"o\" -- attr.label is \"ok\": true\n");
    free(text);
}

static void explain_default_names(void **state)
{
    test_row row = {0};
    set_text(&row, F_POSTAL_CODE, "9410");
    bool result;
    char *text = explain_text("postal_code in \"9400\"..\"9499\"", &row, NULL, 1, &result);
    assert_true(result);
    assert_string_equal(text, " postal_code in (\"9400\"..\"9499\") -- postal_code is \"9410\": "
                              "true\n");
    free(text);
}

static void explain_appends(void **state)
{
    credo_expr *expr = parse_ok("city = \"A\"");
    test_row row = {0};
    credo_buf out = CREDO_BUF_INIT;
    credo_buf_puts(&out, "rule:\n");
    credo_expr_explain(expr, get_field, &row, FIELD_NAMES, 2, &out);
    assert_string_equal(credo_buf_text(&out), "rule:\n  city = \"A\" -- city is missing: false\n");
    credo_buf_free(&out);
    credo_expr_free(expr);
}

/* ---- value formatting ---- */

static void check_format(const credo_value *value, const char *expected)
{
    credo_buf out = CREDO_BUF_INIT;
    credo_value_format(value, &out);
    assert_string_equal(credo_buf_text(&out), expected);
    credo_buf_free(&out);
}

static void format_numbers(void **state)
{
    static const struct {
        credo_number number;
        const char *text;
    } cases[] = {
        {N(12), "12"},   {125000, "12.5"},  {-1, "-0.0001"},  {0, "0"},
        {10, "0.001"},   {-N(7), "-7"},     {123456789, "12345.6789"},
        {INT64_MAX, "922337203685477.5807"}, {-INT64_MAX, "-922337203685477.5807"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        credo_value value = {.kind = CREDO_VALUE_NUMBER, .number = cases[i].number};
        check_format(&value, cases[i].text);
    }
}

static void format_strings(void **state)
{
    credo_value value = {.kind = CREDO_VALUE_TEXT, .text = "a\"b\\c", .length = 5};
    check_format(&value, "\"a\\\"b\\\\c\"");
    value = (credo_value){.kind = CREDO_VALUE_TEXT, .text = "Zürich!", .length = 7};
    check_format(&value, "\"Zürich\"");
    value = (credo_value){.kind = CREDO_VALUE_TEXT, .text = NULL, .length = 0};
    check_format(&value, "\"\"");
}

static void format_missing(void **state)
{
    credo_value value = {.kind = CREDO_VALUE_MISSING};
    check_format(&value, "missing");
    value = (credo_value){.kind = CREDO_VALUE_NUMBER, .number = CREDO_NUMBER_NONE};
    check_format(&value, "missing");
}

/* ---- randomized comparison with an independent evaluator ---- */

typedef enum { G_AND, G_OR, G_NOT, G_COMPARE, G_IN, G_PREFIX } gen_kind;

typedef struct gen_literal {
    bool is_number;
    const char *text;
    int64_t number;
} gen_literal;

typedef struct gen_item {
    gen_literal low, high;
    bool is_range;
} gen_item;

#define GEN_ITEMS_MAX 5

typedef struct gen_node {
    gen_kind kind;
    const char *field; /* leaf: field name */
    int op;            /* G_COMPARE: index into GEN_OPS */
    bool negated;      /* G_IN */
    bool parenthesize_list;
    gen_item items[GEN_ITEMS_MAX];
    int count;
    struct gen_node *left, *right;
} gen_node;

static const char *const GEN_OPS[] = {"=", "!=", "<", "<=", ">", ">="};

/* Text literals: character lengths 0, 1 and 2; "É" sorts above "Z". */
static const char *const GEN_TEXTS[] = {"", "A", "B", "Z", "a", "É", "\"", "\\", "AB", "BA", "ÉA"};
#define GEN_TEXT_COUNT (sizeof GEN_TEXTS / sizeof GEN_TEXTS[0])

static const int64_t GEN_NUMBERS[] = {-10000, 0, 1, 5000, 10000, 25000, 100000};
#define GEN_NUMBER_COUNT (sizeof GEN_NUMBERS / sizeof GEN_NUMBERS[0])

/* Custom attribute texts and their numeric meaning, written by hand. */
static const struct {
    const char *text;
    bool is_number;
    int64_t number;
} GEN_CUSTOM[] = {
    {"1", true, 10000},    {"1.0", true, 10000}, {"01", true, 10000},    {"-1", true, -10000},
    {"0.5", true, 5000},   {"2.50", true, 25000}, {"10", true, 100000},  {"0.0001", true, 1},
    {"0", true, 0},        {"abc", false, 0},    {"", false, 0},         {"1e3", false, 0},
    {" 1", false, 0},      {"A", false, 0},      {"É", false, 0},        {"BA", false, 0},
};
#define GEN_CUSTOM_COUNT (sizeof GEN_CUSTOM / sizeof GEN_CUSTOM[0])

typedef enum { GEN_FIELD_TEXT, GEN_FIELD_NUMBER, GEN_FIELD_CUSTOM } gen_field_type;

static const struct {
    const char *name;
    gen_field_type type;
    int id; /* schema id, or -1 for a custom field */
} GEN_FIELDS[] = {
    {"country", GEN_FIELD_TEXT, F_COUNTRY},
    {"postal_code", GEN_FIELD_TEXT, F_POSTAL_CODE},
    {"employees", GEN_FIELD_NUMBER, F_EMPLOYEES},
    {"potential", GEN_FIELD_NUMBER, F_POTENTIAL},
    {"attr.a", GEN_FIELD_CUSTOM, -1},
    {"attr.b", GEN_FIELD_CUSTOM, -1},
};
#define GEN_FIELD_COUNT (sizeof GEN_FIELDS / sizeof GEN_FIELDS[0])

/* A row for the oracle: for each GEN_FIELDS entry, an index into the
 * matching pool, or -1 for missing. */
typedef struct gen_row {
    int value[GEN_FIELD_COUNT];
} gen_row;

typedef struct gen_state {
    uint64_t seed;
    gen_node nodes[256];
    int used;
} gen_state;

static int gen_below(gen_state *g, int n)
{
    return (int)(next_random(&g->seed) % (uint64_t)n);
}

static size_t gen_char_length(const char *text)
{
    size_t count = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        count += (*p & 0xC0) != 0x80;
    return count;
}

/* Bytewise comparison, written apart from the library's. */
static int gen_compare_text(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x != '\0' && *x == *y) {
        x++;
        y++;
    }
    return (int)*x - (int)*y;
}

static int gen_compare_literal(const gen_literal *a, const gen_literal *b)
{
    if (a->is_number)
        return a->number < b->number ? -1 : a->number > b->number;
    return gen_compare_text(a->text, b->text);
}

static gen_literal gen_make_literal(gen_state *g, bool is_number)
{
    gen_literal literal = {.is_number = is_number};
    if (is_number)
        literal.number = GEN_NUMBERS[gen_below(g, GEN_NUMBER_COUNT)];
    else
        literal.text = GEN_TEXTS[gen_below(g, GEN_TEXT_COUNT)];
    return literal;
}

/* A range with ends of the same character length, low <= high. */
static gen_item gen_make_item(gen_state *g, bool is_number)
{
    gen_item item = {.low = gen_make_literal(g, is_number)};
    if (gen_below(g, 3) != 0)
        return item;
    for (int attempt = 0; attempt < 20; attempt++) {
        gen_literal high = gen_make_literal(g, is_number);
        if (!is_number && gen_char_length(high.text) != gen_char_length(item.low.text))
            continue;
        item.high = high;
        if (gen_compare_literal(&item.low, &item.high) > 0) {
            item.high = item.low;
            item.low = high;
        }
        item.is_range = true;
        break;
    }
    return item;
}

static gen_node *gen_leaf(gen_state *g, gen_node *node)
{
    int field = gen_below(g, GEN_FIELD_COUNT);
    node->field = GEN_FIELDS[field].name;
    bool is_number = GEN_FIELDS[field].type == GEN_FIELD_NUMBER ||
                     (GEN_FIELDS[field].type == GEN_FIELD_CUSTOM && gen_below(g, 2) == 0);
    static const gen_kind shapes[] = {G_COMPARE, G_IN, G_PREFIX};
    node->kind = shapes[gen_below(g, is_number ? 2 : 3)];
    node->op = gen_below(g, 6);
    node->negated = gen_below(g, 2) == 0;
    node->count = 1 + gen_below(g, GEN_ITEMS_MAX);
    node->parenthesize_list = node->count > 1 || gen_below(g, 2) == 0;
    for (int i = 0; i < node->count; i++) {
        if (node->kind == G_PREFIX)
            node->items[i] = (gen_item){.low = gen_make_literal(g, false)};
        else
            node->items[i] = gen_make_item(g, is_number);
    }
    if (node->kind == G_COMPARE)
        node->items[0].is_range = false;
    return node;
}

static gen_node *gen_tree(gen_state *g, int depth)
{
    gen_node *node = &g->nodes[g->used++];
    memset(node, 0, sizeof *node);
    int choice = gen_below(g, 10);
    if (depth == 0 || choice < 4)
        return gen_leaf(g, node);
    if (choice < 6)
        node->kind = G_AND;
    else if (choice < 8)
        node->kind = G_OR;
    else
        node->kind = G_NOT;
    node->left = gen_tree(g, depth - 1);
    if (node->kind != G_NOT)
        node->right = gen_tree(g, depth - 1);
    return node;
}

static const char *gen_space(gen_state *g)
{
    static const char *const spaces[] = {" ", " ", " ", "  ", "\n", "\t", " \r\n  "};
    return spaces[gen_below(g, 7)];
}

static void gen_print_literal(const gen_literal *literal, char **text, size_t *length)
{
    char buffer[64];
    if (literal->is_number) {
        int64_t magnitude = literal->number < 0 ? -literal->number : literal->number;
        snprintf(buffer, sizeof buffer, "%s%" PRId64, literal->number < 0 ? "-" : "",
                 magnitude / 10000);
        *text = append(*text, length, buffer);
        if (magnitude % 10000 != 0) {
            snprintf(buffer, sizeof buffer, ".%04" PRId64, magnitude % 10000);
            *text = append(*text, length, buffer);
        }
        return;
    }
    size_t n = 0;
    buffer[n++] = '"';
    for (const char *p = literal->text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            buffer[n++] = '\\';
        buffer[n++] = *p;
    }
    buffer[n++] = '"';
    buffer[n] = '\0';
    *text = append(*text, length, buffer);
}

static void gen_print_items(gen_state *g, const gen_node *node, char **text, size_t *length)
{
    if (node->parenthesize_list)
        *text = append(*text, length, "(");
    for (int i = 0; i < node->count; i++) {
        if (i > 0) {
            *text = append(*text, length, ",");
            *text = append(*text, length, gen_space(g));
        }
        gen_print_literal(&node->items[i].low, text, length);
        if (node->items[i].is_range) {
            *text = append(*text, length, "..");
            gen_print_literal(&node->items[i].high, text, length);
        }
    }
    if (node->parenthesize_list)
        *text = append(*text, length, ")");
}

static void gen_print_leaf(gen_state *g, const gen_node *node, char **text, size_t *length)
{
    *text = append(*text, length, node->field);
    *text = append(*text, length, gen_space(g));
    if (node->kind == G_COMPARE) {
        *text = append(*text, length, GEN_OPS[node->op]);
        *text = append(*text, length, gen_space(g));
        gen_print_literal(&node->items[0].low, text, length);
        return;
    }
    if (node->kind == G_IN && node->negated) {
        *text = append(*text, length, "not");
        *text = append(*text, length, gen_space(g));
    }
    *text = append(*text, length, node->kind == G_IN ? "in" : "starts_with");
    *text = append(*text, length, gen_space(g));
    gen_print_items(g, node, text, length);
}

/* Binding strength: or 1, and 2, not 3, tests 4. */
static int gen_precedence(const gen_node *node)
{
    switch (node->kind) {
    case G_OR: return 1;
    case G_AND: return 2;
    case G_NOT: return 3;
    default: return 4;
    }
}

/* Prints with the fewest parentheses that precedence allows, plus some
 * redundant ones. */
static void gen_print(gen_state *g, const gen_node *node, int parent_precedence, char **text,
                      size_t *length)
{
    bool parens = gen_precedence(node) < parent_precedence || gen_below(g, 8) == 0;
    if (parens)
        *text = append(*text, length, "(");
    switch (node->kind) {
    case G_AND:
    case G_OR:
        gen_print(g, node->left, gen_precedence(node), text, length);
        *text = append(*text, length, gen_space(g));
        *text = append(*text, length, node->kind == G_AND ? "and" : "or");
        *text = append(*text, length, gen_space(g));
        gen_print(g, node->right, gen_precedence(node), text, length);
        break;
    case G_NOT:
        *text = append(*text, length, "not");
        *text = append(*text, length, gen_space(g));
        gen_print(g, node->left, 3, text, length);
        break;
    default:
        gen_print_leaf(g, node, text, length);
        break;
    }
    if (parens)
        *text = append(*text, length, ")");
}

static int gen_field_index(const char *name)
{
    for (size_t i = 0; i < GEN_FIELD_COUNT; i++) {
        if (strcmp(GEN_FIELDS[i].name, name) == 0)
            return (int)i;
    }
    fail_msg("unknown generated field %s", name);
    return -1;
}

/* Reads the row's value for a leaf into *operand. Returns false when the
 * value is missing for this comparison. */
static bool gen_operand(const gen_node *node, const gen_row *row, gen_literal *operand)
{
    int field = gen_field_index(node->field);
    int value = row->value[field];
    if (value < 0)
        return false;
    bool wants_number = node->items[0].low.is_number;
    switch (GEN_FIELDS[field].type) {
    case GEN_FIELD_TEXT:
        *operand = (gen_literal){.text = GEN_TEXTS[value]};
        return true;
    case GEN_FIELD_NUMBER:
        *operand = (gen_literal){.is_number = true, .number = GEN_NUMBERS[value]};
        return true;
    default:
        if (wants_number && !GEN_CUSTOM[value].is_number)
            return false;
        *operand = (gen_literal){.is_number = wants_number, .text = GEN_CUSTOM[value].text,
                                 .number = GEN_CUSTOM[value].number};
        return true;
    }
}

static bool gen_eval_leaf(const gen_node *node, const gen_row *row)
{
    gen_literal operand;
    if (!gen_operand(node, row, &operand))
        return false;
    if (node->kind == G_COMPARE) {
        int order = gen_compare_literal(&operand, &node->items[0].low);
        static const int wanted[][3] = {
            {0, 1, 0}, {1, 0, 1}, {1, 0, 0}, {1, 1, 0}, {0, 0, 1}, {0, 1, 1},
        };
        int column = 1 + (order > 0) - (order < 0);
        return wanted[node->op][column];
    }
    bool found = false;
    for (int i = 0; i < node->count; i++) {
        const gen_item *item = &node->items[i];
        if (node->kind == G_PREFIX) {
            found |= strncmp(operand.text, item->low.text, strlen(item->low.text)) == 0;
        } else {
            const gen_literal *high = item->is_range ? &item->high : &item->low;
            found |= gen_compare_literal(&operand, &item->low) >= 0 &&
                     gen_compare_literal(&operand, high) <= 0;
        }
    }
    return node->kind == G_IN && node->negated ? !found : found;
}

static bool gen_eval(const gen_node *node, const gen_row *row)
{
    switch (node->kind) {
    case G_AND: return gen_eval(node->left, row) && gen_eval(node->right, row);
    case G_OR: return gen_eval(node->left, row) || gen_eval(node->right, row);
    case G_NOT: return !gen_eval(node->left, row);
    default: return gen_eval_leaf(node, row);
    }
}

typedef struct gen_context {
    const gen_row *row;
    const credo_expr *expr;
} gen_context;

/* The library's getter over a gen_row: custom ids map to names through
 * credo_expr_custom_name. */
static void gen_get(const void *ctx, int field, credo_value *out)
{
    const gen_context *context = ctx;
    const char *name = field < F_COUNT ? FIELD_NAMES[field]
                                       : credo_expr_custom_name(context->expr,
                                                                (size_t)(field - F_COUNT));
    int index = gen_field_index(name);
    int value = context->row->value[index];
    if (value < 0)
        return;
    const char *text = NULL;
    switch (GEN_FIELDS[index].type) {
    case GEN_FIELD_NUMBER:
        *out = (credo_value){.kind = CREDO_VALUE_NUMBER, .number = GEN_NUMBERS[value]};
        return;
    case GEN_FIELD_TEXT:
        text = GEN_TEXTS[value];
        break;
    default:
        text = GEN_CUSTOM[value].text;
        break;
    }
    *out = (credo_value){.kind = CREDO_VALUE_TEXT, .text = text, .length = strlen(text)};
}

static void gen_random_row(gen_state *g, gen_row *row)
{
    for (size_t i = 0; i < GEN_FIELD_COUNT; i++) {
        int pool = GEN_FIELDS[i].type == GEN_FIELD_TEXT     ? (int)GEN_TEXT_COUNT
                   : GEN_FIELDS[i].type == GEN_FIELD_NUMBER ? (int)GEN_NUMBER_COUNT
                                                            : (int)GEN_CUSTOM_COUNT;
        row->value[i] = gen_below(g, pool + 1) - 1;
    }
}

static void property_matches_oracle(void **state)
{
    enum { EXPRESSIONS = 3000, ROWS = 40 };
    const char *seed_text = getenv("CREDO_TEST_SEED");
    gen_state g = {.seed = seed_text != NULL ? strtoull(seed_text, NULL, 10) | 1 : 0x9E3779B97F4A7C15ULL};
    unsigned long long first_seed = g.seed;

    for (int e = 0; e < EXPRESSIONS; e++) {
        g.used = 0;
        gen_node *tree = gen_tree(&g, 5);
        char *text = NULL;
        size_t length = 0;
        gen_print(&g, tree, 0, &text, &length);

        credo_expr *expr = NULL;
        credo_error err;
        if (credo_expr_parse(text, length, &SCHEMA, &expr, NULL, &err) != CREDO_OK)
            fail_msg("seed %llu, expression %d <%s>: %s", first_seed, e, text, err.message);

        for (int r = 0; r < ROWS; r++) {
            gen_row row;
            gen_random_row(&g, &row);
            gen_context context = {&row, expr};
            bool expected = gen_eval(tree, &row);
            bool got = credo_expr_eval(expr, gen_get, &context);
            if (got != expected)
                fail_msg("seed %llu, expression %d <%s>: credo says %d, oracle %d", first_seed,
                         e, text, got, expected);
            if (r == 0) {
                credo_buf out = CREDO_BUF_INIT;
                assert_int_equal(credo_expr_explain(expr, gen_get, &context, NULL, 0, &out),
                                 expected);
                credo_buf_free(&out);
            }
        }
        credo_expr_free(expr);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_compare_operators),
        cmocka_unit_test(parse_text_literal),
        cmocka_unit_test(parse_string_escapes),
        cmocka_unit_test(parse_empty_string),
        cmocka_unit_test(parse_number_literals),
        cmocka_unit_test(parse_in_list),
        cmocka_unit_test(parse_not_in),
        cmocka_unit_test(parse_in_single_value),
        cmocka_unit_test(parse_in_single_range),
        cmocka_unit_test(parse_starts_with_one),
        cmocka_unit_test(parse_starts_with_list),
        cmocka_unit_test(parse_custom_fields),
        cmocka_unit_test(parse_custom_starts_with),
        cmocka_unit_test(parse_whitespace_forms),
        cmocka_unit_test(parse_node_positions),
        cmocka_unit_test(parse_literals_owned),
        cmocka_unit_test(parse_length_argument),
        cmocka_unit_test(free_accepts_null),
        cmocka_unit_test(precedence_and_over_or),
        cmocka_unit_test(precedence_and_before_or),
        cmocka_unit_test(precedence_not_over_and),
        cmocka_unit_test(precedence_not_over_or),
        cmocka_unit_test(precedence_parentheses),
        cmocka_unit_test(precedence_chain_nests_right),
        cmocka_unit_test(precedence_truth),
        cmocka_unit_test(limit_depth_at_maximum),
        cmocka_unit_test(limit_depth_exceeded),
        cmocka_unit_test(limit_depth_huge),
        cmocka_unit_test(limit_not_chain),
        cmocka_unit_test(limit_long_chain_evaluates),
        cmocka_unit_test(limit_list_items),
        cmocka_unit_test(limit_text_length),
        cmocka_unit_test(error_value_expected),
        cmocka_unit_test(error_value_at_end),
        cmocka_unit_test(error_double_operator),
        cmocka_unit_test(error_unknown_field_suggests),
        cmocka_unit_test(error_unknown_field_swapped),
        cmocka_unit_test(error_unknown_field_plain),
        cmocka_unit_test(error_unknown_field_no_prefix),
        cmocka_unit_test(error_keyword_case_as_field),
        cmocka_unit_test(error_custom_prefix_alone),
        cmocka_unit_test(error_keyword_case),
        cmocka_unit_test(error_unterminated_string),
        cmocka_unit_test(error_string_crosses_line),
        cmocka_unit_test(error_invalid_escape),
        cmocka_unit_test(error_range_lengths_differ),
        cmocka_unit_test(error_range_lengths_letters),
        cmocka_unit_test(error_range_reversed_text),
        cmocka_unit_test(error_range_reversed_number),
        cmocka_unit_test(error_range_missing_high),
        cmocka_unit_test(error_number_field_text),
        cmocka_unit_test(error_number_field_word),
        cmocka_unit_test(error_text_field_number),
        cmocka_unit_test(error_text_field_number_in_list),
        cmocka_unit_test(error_too_many_decimals),
        cmocka_unit_test(error_number_too_large),
        cmocka_unit_test(error_number_just_too_large),
        cmocka_unit_test(error_number_malformed),
        cmocka_unit_test(error_number_no_decimals),
        cmocka_unit_test(error_lone_minus),
        cmocka_unit_test(error_double_equals),
        cmocka_unit_test(error_not_equal_sign),
        cmocka_unit_test(error_ampersands),
        cmocka_unit_test(error_bars),
        cmocka_unit_test(error_single_quotes),
        cmocka_unit_test(error_bang),
        cmocka_unit_test(error_single_dot),
        cmocka_unit_test(error_unexpected_character),
        cmocka_unit_test(error_non_ascii_character),
        cmocka_unit_test(error_control_byte),
        cmocka_unit_test(error_nul_byte),
        cmocka_unit_test(error_tab_counts_one_column),
        cmocka_unit_test(error_unclosed_group),
        cmocka_unit_test(error_unmatched_close),
        cmocka_unit_test(error_empty),
        cmocka_unit_test(error_blank),
        cmocka_unit_test(error_operator_expected),
        cmocka_unit_test(error_not_without_in),
        cmocka_unit_test(error_in_without_items),
        cmocka_unit_test(error_empty_list),
        cmocka_unit_test(error_trailing_comma),
        cmocka_unit_test(error_missing_comma),
        cmocka_unit_test(error_starts_with_number_field),
        cmocka_unit_test(error_starts_with_number),
        cmocka_unit_test(error_starts_with_nothing),
        cmocka_unit_test(error_starts_with_range),
        cmocka_unit_test(error_custom_mixed_kinds),
        cmocka_unit_test(error_keyword_at_start),
        cmocka_unit_test(error_dangling_or),
        cmocka_unit_test(error_on_third_line),
        cmocka_unit_test(error_unclosed_list_third_line),
        cmocka_unit_test(error_null_outputs),
        cmocka_unit_test(eval_text_operators),
        cmocka_unit_test(eval_number_operators),
        cmocka_unit_test(eval_negative_numbers),
        cmocka_unit_test(eval_missing_is_false),
        cmocka_unit_test(eval_not_of_missing),
        cmocka_unit_test(eval_number_none_is_missing),
        cmocka_unit_test(eval_value_of_other_kind),
        cmocka_unit_test(eval_code_point_order),
        cmocka_unit_test(eval_text_range_inclusive),
        cmocka_unit_test(eval_number_range_inclusive),
        cmocka_unit_test(eval_not_in_present),
        cmocka_unit_test(eval_overlapping_ranges),
        cmocka_unit_test(eval_long_list),
        cmocka_unit_test(eval_starts_with),
        cmocka_unit_test(eval_empty_text_value),
        cmocka_unit_test(eval_escaped_literal),
        cmocka_unit_test(eval_custom_text),
        cmocka_unit_test(eval_custom_number),
        cmocka_unit_test(eval_custom_number_list),
        cmocka_unit_test(eval_two_custom_fields),
        cmocka_unit_test(eval_boolean_truth_table),
        cmocka_unit_test(explain_single_test),
        cmocka_unit_test(explain_long_list),
        cmocka_unit_test(explain_six_items_in_full),
        cmocka_unit_test(explain_missing),
        cmocka_unit_test(explain_structure),
        cmocka_unit_test(explain_chain_is_flat),
        cmocka_unit_test(explain_custom_not_a_number),
        cmocka_unit_test(explain_default_names),
        cmocka_unit_test(explain_appends),
        cmocka_unit_test(format_numbers),
        cmocka_unit_test(format_strings),
        cmocka_unit_test(format_missing),
        cmocka_unit_test(property_matches_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
