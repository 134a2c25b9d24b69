/* Warnings about match rules: "!=" and "not in" tests, which are false for
 * accounts with a missing value although they read as if they matched. */
#include "policy_internal.h"

#include <stdint.h>
#include <stdlib.h>

#include "credo/buf.h"

/* A node still to visit and the number of "not" operators above it. */
typedef struct pending_node {
    const credo_expr_node *node;
    unsigned negations;
} pending_node;

typedef struct node_stack {
    pending_node *items;
    size_t count, capacity;
} node_stack;

static bool stack_push(node_stack *stack, const credo_expr_node *node, unsigned negations)
{
    if (node == NULL)
        return true;
    if (stack->count == stack->capacity) {
        size_t capacity = stack->capacity == 0 ? 32 : stack->capacity * 2;
        pending_node *items = realloc(stack->items, capacity * sizeof *items);
        if (items == NULL)
            return false;
        stack->items = items;
        stack->capacity = capacity;
    }
    stack->items[stack->count++] = (pending_node){node, negations};
    return true;
}

static const char *field_name(const credo_expr *expr, int field)
{
    if (field >= 0 && (size_t)field < credo_account_schema.count)
        return credo_account_schema.fields[field].name;
    const char *name = credo_expr_custom_name(expr, (size_t)field - credo_account_schema.count);
    return name != NULL ? name : "?";
}

/* Appends the test as written ("a != 1", "a not in (...)") when negated is
 * true, else its positive form ("a = 1", "a in (...)"). */
static void format_test(const credo_expr *expr, const credo_expr_node *node, bool negated, credo_buf *out)
{
    credo_buf_puts(out, field_name(expr, node->field));
    if (node->kind == CREDO_EXPR_COMPARE) {
        credo_buf_puts(out, negated ? " != " : " = ");
        credo_value_format(&node->value, out);
        return;
    }
    credo_buf_puts(out, negated ? " not in (" : " in (");
    for (size_t i = 0; i < node->item_count; i++) {
        if (i > 0)
            credo_buf_puts(out, ", ");
        credo_value_format(&node->items[i].low, out);
        if (node->items[i].is_range) {
            credo_buf_puts(out, "..");
            credo_value_format(&node->items[i].high, out);
        }
    }
    credo_buf_puts(out, ")");
}

static void warn_negative_test(const credo_expr *expr, const credo_expr_node *node, unsigned negations,
                               credo_policy_pos pos, policy_problems *problems)
{
    credo_buf written = CREDO_BUF_INIT, positive = CREDO_BUF_INIT;
    format_test(expr, node, true, &written);
    format_test(expr, node, false, &positive);
    const char *field = field_name(expr, node->field);

    if (negations % 2 == 0)
        policy_report(problems, pos, false,
                      "%s is false for accounts with no %s; if those accounts should match, "
                      "write not (%s)",
                      credo_buf_text(&written), field, credo_buf_text(&positive));
    else
        policy_report(problems, pos, false,
                      "%s is false for accounts with no %s, so the enclosing not makes those "
                      "accounts match; if they should not match, test %s without the not",
                      credo_buf_text(&written), field, credo_buf_text(&positive));
    if (credo_buf_failed(&written) || credo_buf_failed(&positive))
        problems->failed = true;
    credo_buf_free(&written);
    credo_buf_free(&positive);
}

/* Walks the tree with an explicit stack: a long chain of "or" makes a tree
 * as deep as the chain is long. */
void policy_check_match(const policy_lines *lines, const credo_policy_territory *territory,
                        policy_problems *problems)
{
    const credo_expr *expr = territory->match;
    if (expr == NULL)
        return;

    node_stack stack = {NULL, 0, 0};
    bool ok = stack_push(&stack, credo_expr_root(expr), 0);
    while (ok && stack.count > 0) {
        pending_node current = stack.items[--stack.count];
        const credo_expr_node *node = current.node;
        bool negative = (node->kind == CREDO_EXPR_COMPARE && node->op == CREDO_OP_NE) ||
                        (node->kind == CREDO_EXPR_IN && node->negated);
        if (negative) {
            credo_policy_pos pos = lines == NULL ? territory->match_pos
                                                 : policy_expr_position(lines, territory->match_pos, expr,
                                                                        node->line, node->column);
            warn_negative_test(expr, node, current.negations, pos, problems);
        }
        if (node->kind == CREDO_EXPR_NOT)
            ok = stack_push(&stack, node->left, current.negations + 1);
        else if (node->kind == CREDO_EXPR_AND || node->kind == CREDO_EXPR_OR)
            ok = stack_push(&stack, node->left, current.negations) &&
                 stack_push(&stack, node->right, current.negations);
    }
    if (!ok)
        problems->failed = true;
    free(stack.items);
}
