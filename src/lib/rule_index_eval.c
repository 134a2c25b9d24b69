/* Verifying the literals of a candidate conjunction for one account. The
 * test semantics mirror expr_eval.c (which evaluates only whole
 * expressions): a missing operand fails every test, "not" inverts. The
 * differential test in tests/test_rule_index.c holds the two together. */
#include "rule_index_internal.h"

#include <string.h>

#include "account_fields.h"
#include "expr_internal.h"

/* Converts the raw value into the kind the test compares; false when
 * missing (as read_operand in expr_eval.c). */
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

static bool test_holds(const credo_account_row_ref *row, const credo_expr_node *pub)
{
    const expr_node *node = (const expr_node *)pub;
    credo_value raw = {.kind = CREDO_VALUE_MISSING};
    credo_account_field_get(row, pub->field, &raw);
    credo_value operand;
    if (!read_operand(node, &raw, &operand))
        return false;
    switch (pub->kind) {
    case CREDO_EXPR_COMPARE:
        return apply_op(pub->op, credo__expr_compare_values(&operand, &pub->value));
    case CREDO_EXPR_IN:
        return spans_contain(node, &operand) != pub->negated;
    case CREDO_EXPR_STARTS_WITH:
        return has_prefix(pub, &operand);
    default:
        return false;
    }
}

/* Evaluates a sub-expression as eval_node in expr_eval.c does. */
static bool node_holds(const credo_account_row_ref *row, const credo_expr_node *node)
{
    bool inverted = false;
    for (;;) {
        switch (node->kind) {
        case CREDO_EXPR_NOT:
            inverted = !inverted;
            node = node->left;
            break;
        case CREDO_EXPR_AND:
            if (!node_holds(row, node->left))
                return inverted;
            node = node->right;
            break;
        case CREDO_EXPR_OR:
            if (node_holds(row, node->left))
                return !inverted;
            node = node->right;
            break;
        default:
            return test_holds(row, node) != inverted;
        }
    }
}

bool ri_literal_holds(const credo_snapshot *snapshot, uint32_t row,
                      const credo_attribute_column *const *custom, size_t custom_count,
                      const ri_literal *literal)
{
    const credo_account_row_ref ref = {snapshot, row, custom, custom_count};
    bool value = literal->opaque ? node_holds(&ref, literal->node) : test_holds(&ref, literal->node);
    return value != literal->negated;
}

static bool generic_test_holds(const credo_rule_bound *bound, const ri_test *test, uint32_t territory,
                               uint32_t row)
{
    const credo_expr *match = bound->index->policy->territories[territory].match;
    return ri_literal_holds(bound->snapshot, row, bound->binding.custom_columns[territory],
                            credo_expr_custom_count(match), &bound->index->literals[test->first]);
}

bool ri_conjunction_holds(const credo_rule_bound *bound, uint32_t c, uint32_t row, const int64_t *values)
{
    const ri_test *test = bound->tests + bound->test_start[c];
    const ri_test *end = bound->tests + bound->test_start[c + 1];
    for (; test < end; test++) {
        bool holds;
        switch (test->kind) {
        case RI_TEST_SET:
            holds = ri_set_test_holds(bound, test, values[test->slot]);
            break;
        case RI_TEST_CONST:
            holds = test->negated;
            break;
        default:
            holds = generic_test_holds(bound, test, bound->index->conjunctions[c].territory, row);
            break;
        }
        if (!holds)
            return false;
    }
    return true;
}
