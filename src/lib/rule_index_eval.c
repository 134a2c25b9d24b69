/* Verifying the literals of a candidate conjunction for one account, with
 * the evaluator of expr_eval.c, so that a test means the same in both. */
#include "rule_index_internal.h"

#include "account_fields.h"
#include "expr_internal.h"

static bool test_holds(const credo_account_row_ref *row, const credo_expr_node *node)
{
    credo_value raw = {.kind = CREDO_VALUE_MISSING};
    credo_account_field_get(row, node->field, &raw);
    return credo__expr_test_value(node, &raw);
}

bool ri_literal_holds(const credo_snapshot *snapshot, uint32_t row,
                      const credo_attribute_column *const *custom, size_t custom_count,
                      const ri_literal *literal)
{
    const credo_account_row_ref ref = {snapshot, row, custom, custom_count};
    bool value = literal->opaque ? credo__expr_eval_node(literal->node, credo_account_field_get, &ref)
                                 : test_holds(&ref, literal->node);
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
    for (const ri_test *test = bound->tests + bound->test_start[c];; test++) {
        bool holds;
        switch (test->kind) {
        case RI_TEST_SET:
        case RI_TEST_MASK:
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
        if (test->last)
            return true;
    }
}
