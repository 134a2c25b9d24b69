/* Evaluation and explanation of parsed match expressions, and the canonical
 * text of values. Evaluation allocates nothing and recurses only into the
 * left operand of and/or, so its stack depth is bounded by the nesting
 * limit. */
#include "expr_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Lists longer than this are shortened in explanations. */
#define EXPLAIN_LIST_MAX 6
/* Items shown of a shortened list. */
#define EXPLAIN_LIST_SHOWN 5

int credo__expr_compare_values(const credo_value *a, const credo_value *b)
{
    if (a->kind == CREDO_VALUE_NUMBER)
        return (a->number > b->number) - (a->number < b->number);

    size_t shorter = a->length < b->length ? a->length : b->length;
    int order = shorter > 0 ? memcmp(a->text, b->text, shorter) : 0;
    if (order != 0)
        return order;
    return (a->length > b->length) - (a->length < b->length);
}

/* ---- evaluation ---- */

/* Converts the row's value into the kind the test compares. Returns false
 * when the value is missing: absent, CREDO_NUMBER_NONE, text that does not
 * parse as a number for a numeric test, or a number for a text test. */
static bool read_operand(const expr_node *node, const credo_value *raw, credo_value *operand)
{
    if (node->compare_kind == CREDO_VALUE_TEXT) {
        *operand = *raw;
        return raw->kind == CREDO_VALUE_TEXT && (raw->text != NULL || raw->length == 0);
    }
    *operand = (credo_value){.kind = CREDO_VALUE_NUMBER, .number = raw->number};
    if (raw->kind == CREDO_VALUE_NUMBER)
        return raw->number != CREDO_NUMBER_NONE;
    if (raw->kind == CREDO_VALUE_TEXT && raw->text != NULL)
        return credo__expr_parse_decimal(raw->text, raw->length, &operand->number) == DECIMAL_OK;
    return false;
}

static bool apply_op(credo_expr_op op, int order)
{
    switch (op) {
    case CREDO_OP_EQ: return order == 0;
    case CREDO_OP_NE: return order != 0;
    case CREDO_OP_LT: return order < 0;
    case CREDO_OP_LE: return order <= 0;
    case CREDO_OP_GT: return order > 0;
    case CREDO_OP_GE: return order >= 0;
    }
    return false;
}

/* Finds the last span whose low end is <= value and checks its high end. */
static bool spans_contain(const expr_node *node, const credo_value *value)
{
    size_t low = 0, high = node->span_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (credo__expr_compare_values(&node->spans[middle].low, value) <= 0)
            low = middle + 1;
        else
            high = middle;
    }
    return low > 0 && credo__expr_compare_values(value, &node->spans[low - 1].high) <= 0;
}

/* NOTE: scans the prefixes in order, so a starts_with list of thousands of
 * prefixes costs that many comparisons per row. */
static bool has_prefix(const credo_expr_node *node, const credo_value *value)
{
    for (size_t i = 0; i < node->item_count; i++) {
        const credo_value *prefix = &node->items[i].low;
        if (prefix->length <= value->length &&
            (prefix->length == 0 || memcmp(prefix->text, value->text, prefix->length) == 0))
            return true;
    }
    return false;
}

/* Applies a test to a present operand. */
static bool test_operand(const expr_node *node, const credo_value *operand)
{
    switch (node->pub.kind) {
    case CREDO_EXPR_COMPARE:
        return apply_op(node->pub.op, credo__expr_compare_values(operand, &node->pub.value));
    case CREDO_EXPR_IN:
        return spans_contain(node, operand) != node->pub.negated;
    case CREDO_EXPR_STARTS_WITH:
        return has_prefix(&node->pub, operand);
    default:
        return false;
    }
}

bool credo__expr_test_value(const credo_expr_node *pub, const credo_value *raw)
{
    const expr_node *node = (const expr_node *)pub;
    credo_value operand;
    return read_operand(node, raw, &operand) && test_operand(node, &operand);
}

static bool eval_test(const credo_expr_node *pub, credo_expr_getter get, const void *ctx)
{
    credo_value raw = {.kind = CREDO_VALUE_MISSING};
    get(ctx, pub->field, &raw);
    return credo__expr_test_value(pub, &raw);
}

/* Loops along "not" operands and the right edge of and/or chains, flipping
 * `inverted` at each "not". */
bool credo__expr_eval_node(const credo_expr_node *node, credo_expr_getter get, const void *ctx)
{
    bool inverted = false;
    for (;;) {
        switch (node->kind) {
        case CREDO_EXPR_NOT:
            inverted = !inverted;
            node = node->left;
            break;
        case CREDO_EXPR_AND:
            if (!credo__expr_eval_node(node->left, get, ctx))
                return inverted;
            node = node->right;
            break;
        case CREDO_EXPR_OR:
            if (credo__expr_eval_node(node->left, get, ctx))
                return !inverted;
            node = node->right;
            break;
        default:
            return eval_test(node, get, ctx) != inverted;
        }
    }
}

bool credo_expr_eval(const credo_expr *expr, credo_expr_getter get, const void *ctx)
{
    return credo__expr_eval_node(expr->root, get, ctx);
}

/* ---- formatting ---- */

static void format_number(credo_number number, credo_buf *out)
{
    uint64_t magnitude = number < 0 ? 0 - (uint64_t)number : (uint64_t)number;
    uint64_t integer = magnitude / CREDO_NUMBER_SCALE;
    uint64_t fraction = magnitude % CREDO_NUMBER_SCALE;
    credo_buf_printf(out, "%s%" PRIu64, number < 0 ? "-" : "", integer);
    if (fraction == 0)
        return;

    int decimals = EXPR_NUMBER_DECIMALS;
    while (fraction % 10 == 0) {
        fraction /= 10;
        decimals--;
    }
    credo_buf_printf(out, ".%0*" PRIu64, decimals, fraction);
}

static void format_text(const char *text, size_t length, credo_buf *out)
{
    credo_buf_append(out, "\"", 1);
    if (length == 0) {
        credo_buf_append(out, "\"", 1);
        return;
    }
    size_t run = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] != '"' && text[i] != '\\')
            continue;
        credo_buf_append(out, text + run, i - run);
        credo_buf_append(out, "\\", 1);
        run = i;
    }
    credo_buf_append(out, text + run, length - run);
    credo_buf_append(out, "\"", 1);
}

void credo_value_format(const credo_value *value, credo_buf *out)
{
    if (value->kind == CREDO_VALUE_TEXT && (value->text != NULL || value->length == 0))
        format_text(value->text, value->length, out);
    else if (value->kind == CREDO_VALUE_NUMBER && value->number != CREDO_NUMBER_NONE)
        format_number(value->number, out);
    else
        credo_buf_puts(out, "missing");
}

/* ---- explanation ---- */

typedef struct explainer {
    const credo_expr *expr;
    credo_expr_getter get;
    const void *ctx;
    const char *const *field_names;
    credo_buf *out;
} explainer;

static const char *field_name(const explainer *x, int field)
{
    size_t id = (size_t)field;
    if (id >= x->expr->field_count)
        return credo_expr_custom_name(x->expr, id - x->expr->field_count);
    return x->field_names != NULL ? x->field_names[id] : x->expr->field_names[id];
}

static void format_item(const credo_expr_item *item, credo_buf *out)
{
    credo_value_format(&item->low, out);
    if (!item->is_range)
        return;
    credo_buf_puts(out, "..");
    credo_value_format(&item->high, out);
}

/* Appends "(a, b, ... N more)"; a single starts_with prefix has no
 * parentheses. */
static void format_items(const credo_expr_node *node, credo_buf *out)
{
    size_t count = node->item_count;
    if (node->kind == CREDO_EXPR_STARTS_WITH && count == 1) {
        format_item(&node->items[0], out);
        return;
    }
    size_t shown = count > EXPLAIN_LIST_MAX ? EXPLAIN_LIST_SHOWN : count;
    credo_buf_puts(out, "(");
    for (size_t i = 0; i < shown; i++) {
        credo_buf_puts(out, i > 0 ? ", " : "");
        format_item(&node->items[i], out);
    }
    if (shown < count)
        credo_buf_printf(out, ", ... %zu more", count - shown);
    credo_buf_puts(out, ")");
}

static void format_test(const explainer *x, const credo_expr_node *node, credo_buf *out)
{
    static const char *const OPS[] = {"=", "!=", "<", "<=", ">", ">="};
    credo_buf_puts(out, field_name(x, node->field));
    switch (node->kind) {
    case CREDO_EXPR_COMPARE:
        credo_buf_printf(out, " %s ", OPS[node->op]);
        credo_value_format(&node->value, out);
        return;
    case CREDO_EXPR_IN:
        credo_buf_puts(out, node->negated ? " not in " : " in ");
        break;
    default:
        credo_buf_puts(out, " starts_with ");
        break;
    }
    format_items(node, out);
}

/* Appends "-- FIELD is VALUE: RESULT" and returns the test's result. */
static bool explain_test(const explainer *x, const credo_expr_node *node)
{
    credo_value raw = {.kind = CREDO_VALUE_MISSING};
    x->get(x->ctx, node->field, &raw);
    credo_value operand;
    bool present = read_operand((const expr_node *)node, &raw, &operand);
    bool result = present && test_operand((const expr_node *)node, &operand);

    credo_buf_printf(x->out, " -- %s is ", field_name(x, node->field));
    credo_value_format(&raw, x->out);
    if (!present && raw.kind == CREDO_VALUE_TEXT)
        credo_buf_puts(x->out, ", not a number");
    else if (!present && raw.kind == CREDO_VALUE_NUMBER && raw.number != CREDO_NUMBER_NONE)
        credo_buf_puts(x->out, ", not text");
    credo_buf_printf(x->out, ": %s\n", result ? "true" : "false");
    return result;
}

static void explain_node(const explainer *x, const credo_expr_node *node, int indent);

/* Explains every operand of an and/or chain one level deeper. */
static void explain_chain(const explainer *x, const credo_expr_node *node, int indent)
{
    credo_expr_kind kind = node->kind;
    for (; node->kind == kind; node = node->right)
        explain_node(x, node->left, indent);
    explain_node(x, node, indent);
}

static void explain_node(const explainer *x, const credo_expr_node *node, int indent)
{
    credo_buf_printf(x->out, "%*s", indent, "");
    switch (node->kind) {
    case CREDO_EXPR_AND:
    case CREDO_EXPR_OR:
        credo_buf_printf(x->out, "%s: %s\n", node->kind == CREDO_EXPR_AND ? "all of" : "any of",
                         credo__expr_eval_node(node, x->get, x->ctx) ? "true" : "false");
        explain_chain(x, node, indent + 2);
        return;
    case CREDO_EXPR_NOT:
        credo_buf_printf(x->out, "not: %s\n", credo__expr_eval_node(node, x->get, x->ctx) ? "true" : "false");
        explain_node(x, node->left, indent + 2);
        return;
    default:
        format_test(x, node, x->out);
        explain_test(x, node);
        return;
    }
}

bool credo_expr_explain(const credo_expr *expr, credo_expr_getter get, const void *ctx,
                        const char *const *field_names, int indent, credo_buf *out)
{
    explainer x = {expr, get, ctx, field_names, out};
    explain_node(&x, expr->root, indent < 0 ? 0 : indent);
    return credo__expr_eval_node(expr->root, get, ctx);
}
