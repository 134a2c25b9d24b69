/* Recursive-descent parser of match expressions: grammar, literal types,
 * range checks and the sorted intervals behind "in" lists. */
#include "expr_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    expr_lexer lexer;
    expr_token token;    /* current token, not yet consumed */
    expr_token previous; /* last consumed token; length 0 before the first */
    const credo_expr_schema *schema;
    credo_expr *expr;
    credo_expr_error *where;
    unsigned depth; /* open parentheses and "not" */
    /* Items of the list being parsed; lists do not nest, so one buffer
     * serves every list in turn. */
    credo_expr_item *scratch;
    size_t scratch_count, scratch_capacity;
} parser;

static credo_status parse_or(parser *p, const credo_expr_node **out);

/* ---- errors ---- */

static credo_status fail_at(parser *p, const expr_token *token, credo_status status,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static credo_status fail_at(parser *p, const expr_token *token, credo_status status,
                            const char *fmt, ...)
{
    p->where->line = token->line;
    p->where->column = token->column;
    va_list args;
    va_start(args, fmt);
    vsnprintf(p->where->message, sizeof p->where->message, fmt, args);
    va_end(args);
    return status;
}

/* Fails at the current token with "expected <what>, found <token>". */
static credo_status fail_expected(parser *p, const char *what)
{
    char found[EXPR_DESCRIBE_MAX + 64];
    credo__expr_describe_token(&p->token, found, sizeof found);
    return fail_at(p, &p->token, CREDO_ERR_INVALID, "expected %s, found %s", what, found);
}

/* fail_expected for a '(' or list left open at `open`, which `what` names
 * by its line and column. */
static credo_status fail_unclosed(parser *p, const char *what, const expr_token *open)
{
    credo_status status = fail_expected(p, what);
    p->where->opened_line = open->line;
    p->where->opened_column = open->column;
    return status;
}

static credo_status fail_nomem(parser *p)
{
    return fail_at(p, &p->token, CREDO_ERR_NOMEM, "out of memory");
}

/* Writes "after 'X'" naming the previous token, or "" at the start. */
static void describe_after(const parser *p, char *out, size_t size)
{
    if (p->previous.length == 0) {
        out[0] = '\0';
        return;
    }
    char clipped[EXPR_DESCRIBE_MAX];
    credo__expr_clip(p->previous.start, p->previous.length, 40, clipped, sizeof clipped);
    snprintf(out, size, " after '%s'", clipped);
}

/* Quotes a token's source text for a message. */
static void quote_token(const expr_token *token, char *out, size_t size)
{
    credo__expr_clip(token->start, token->length, 40, out, size);
}

/* ---- tokens and nodes ---- */

static credo_status advance(parser *p)
{
    p->previous = p->token;
    return credo__expr_lex(&p->lexer, &p->token, p->where);
}

static expr_node *new_node(parser *p, credo_expr_kind kind, const expr_token *at)
{
    expr_node *node = credo__expr_alloc(p->expr, sizeof *node);
    if (node == NULL)
        return NULL;
    memset(node, 0, sizeof *node);
    node->pub.kind = kind;
    node->pub.line = at->line;
    node->pub.column = at->column;
    node->pub.field = -1;
    node->compare_kind = CREDO_VALUE_TEXT;
    return node;
}

/* Copies the content of a string token to the arena, decoding \" and \\. */
static credo_status decode_string(parser *p, const expr_token *token, credo_value *out)
{
    const char *content = token->start + 1;
    size_t len = token->length - 2;
    char *copy = credo__expr_alloc(p->expr, len + 1);
    if (copy == NULL)
        return fail_nomem(p);

    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (content[i] == '\\')
            i++;
        copy[n++] = content[i];
    }
    copy[n] = '\0';
    *out = (credo_value){.kind = CREDO_VALUE_TEXT, .text = copy, .length = n};
    return CREDO_OK;
}

/* ---- literal types ---- */

static credo_status fail_number_field(parser *p, const expr_token *field,
                                      const expr_token *literal, const credo_value *value)
{
    char name[EXPR_DESCRIBE_MAX], quoted[EXPR_DESCRIBE_MAX], bare[EXPR_DESCRIBE_MAX];
    quote_token(field, name, sizeof name);
    quote_token(literal, quoted, sizeof quoted);
    credo_number ignored;
    if (credo__expr_parse_decimal(value->text, value->length, &ignored) != DECIMAL_OK)
        return fail_at(p, literal, CREDO_ERR_INVALID,
                       "field %s is a number, but %s is text; compare it with a number "
                       "such as 250",
                       name, quoted);
    credo__expr_clip(value->text, value->length, 40, bare, sizeof bare);
    return fail_at(p, literal, CREDO_ERR_INVALID, "field %s is a number; write %s, not %s", name,
                   bare, quoted);
}

/* Checks that the literal's type suits the field: built-in fields take
 * literals of their own type, custom fields take text or numbers but the
 * same kind throughout one test. */
static credo_status check_literal(parser *p, expr_field_ref *field, const expr_token *field_token,
                                  const expr_token *literal, const credo_value *value)
{
    char name[EXPR_DESCRIBE_MAX], quoted[EXPR_DESCRIBE_MAX];
    quote_token(field_token, name, sizeof name);
    quote_token(literal, quoted, sizeof quoted);

    if (!field->custom && field->type == CREDO_VALUE_NUMBER && value->kind != CREDO_VALUE_NUMBER)
        return fail_number_field(p, field_token, literal, value);
    if (!field->custom && field->type == CREDO_VALUE_TEXT && value->kind != CREDO_VALUE_TEXT)
        return fail_at(p, literal, CREDO_ERR_INVALID, "field %s is text; write \"%s\", not %s",
                       name, quoted, quoted);
    if (field->literal_kind != CREDO_VALUE_MISSING && field->literal_kind != value->kind)
        return fail_at(p, literal, CREDO_ERR_INVALID,
                       "the values compared with %s mix text and numbers; write them all as "
                       "text or all as numbers",
                       name);
    field->literal_kind = value->kind;
    return CREDO_OK;
}

/* Reads a STRING or NUMBER token as the field's literal. */
static credo_status parse_literal(parser *p, expr_field_ref *field, const expr_token *field_token,
                                  credo_value *out, expr_token *literal)
{
    if (p->token.kind != TOKEN_STRING && p->token.kind != TOKEN_NUMBER) {
        char after[EXPR_DESCRIBE_MAX + 16], what[EXPR_DESCRIBE_MAX + 32];
        describe_after(p, after, sizeof after);
        snprintf(what, sizeof what, "a value%s", after);
        return fail_expected(p, what);
    }
    *literal = p->token;
    if (literal->kind == TOKEN_NUMBER) {
        *out = (credo_value){.kind = CREDO_VALUE_NUMBER, .number = literal->number};
    } else {
        credo_status status = decode_string(p, literal, out);
        if (status != CREDO_OK)
            return status;
    }
    credo_status status = check_literal(p, field, field_token, literal, out);
    if (status != CREDO_OK)
        return status;
    return advance(p);
}

/* ---- ranges ---- */

/* Writes an example fix for a text range with ends of different length:
 * the shorter end padded with leading zeros when it is all digits. */
static void suggest_padding(const credo_value *low, const credo_value *high, char *out,
                            size_t size)
{
    const credo_value *shorter = low->length < high->length ? low : high;
    size_t width = low->length < high->length ? high->length : low->length;
    out[0] = '\0';
    if (width > 32)
        return;
    for (size_t i = 0; i < shorter->length; i++) {
        if (shorter->text[i] < '0' || shorter->text[i] > '9')
            return;
    }
    char padded[40];
    size_t zeros = width - shorter->length;
    memset(padded, '0', zeros);
    memcpy(padded + zeros, shorter->text, shorter->length);
    padded[width] = '\0';
    if (shorter == low)
        snprintf(out, size, ", for example \"%s\"..\"%.*s\"", padded, (int)high->length, high->text);
    else
        snprintf(out, size, ", for example \"%.*s\"..\"%s\"", (int)low->length, low->text, padded);
}

static credo_status check_range(parser *p, const expr_token *low_token,
                                const expr_token *high_token, const credo_expr_item *item)
{
    char low[EXPR_DESCRIBE_MAX], high[EXPR_DESCRIBE_MAX];
    quote_token(low_token, low, sizeof low);
    quote_token(high_token, high, sizeof high);

    if (item->low.kind == CREDO_VALUE_TEXT) {
        size_t low_length = credo__expr_utf8_length(item->low.text, item->low.length);
        size_t high_length = credo__expr_utf8_length(item->high.text, item->high.length);
        if (low_length != high_length) {
            char example[128];
            suggest_padding(&item->low, &item->high, example, sizeof example);
            return fail_at(p, low_token, CREDO_ERR_INVALID,
                           "text range %s..%s has ends of different length (%zu and %zu "
                           "characters); text compares character by character, so write both "
                           "ends with the same length%s",
                           low, high, low_length, high_length, example);
        }
    }
    if (credo__expr_compare_values(&item->low, &item->high) > 0)
        return fail_at(p, low_token, CREDO_ERR_INVALID,
                       "range low end is above its high end in %s..%s; write it as %s..%s", low,
                       high, high, low);
    return CREDO_OK;
}

/* item := literal [".." literal] */
static credo_status parse_item(parser *p, expr_field_ref *field, const expr_token *field_token,
                               credo_expr_item *item)
{
    expr_token low_token, high_token;
    memset(item, 0, sizeof *item);
    credo_status status = parse_literal(p, field, field_token, &item->low, &low_token);
    if (status != CREDO_OK || p->token.kind != TOKEN_RANGE)
        return status;

    status = advance(p);
    if (status == CREDO_OK)
        status = parse_literal(p, field, field_token, &item->high, &high_token);
    if (status != CREDO_OK)
        return status;
    item->is_range = true;
    return check_range(p, &low_token, &high_token, item);
}

/* ---- lists ---- */

static credo_status push_item(parser *p, const credo_expr_item *item, const expr_token *at)
{
    if (p->scratch_count == CREDO_EXPR_MAX_ITEMS)
        return fail_at(p, at, CREDO_ERR_LIMIT,
                       "list has more than %d items; split it across several tests joined by 'or'",
                       CREDO_EXPR_MAX_ITEMS);
    if (p->scratch_count == p->scratch_capacity) {
        size_t capacity = p->scratch_capacity == 0 ? 16 : p->scratch_capacity * 2;
        credo_expr_item *items = realloc(p->scratch, capacity * sizeof *items);
        if (items == NULL)
            return fail_nomem(p);
        p->scratch = items;
        p->scratch_capacity = capacity;
    }
    p->scratch[p->scratch_count++] = *item;
    return CREDO_OK;
}

/* Parses one list element: an "in" item or a starts_with prefix. */
typedef credo_status (*element_parser)(parser *p, expr_field_ref *field,
                                       const expr_token *field_token, credo_expr_item *item);

/* Parses "(" element ("," element)* ")" into the scratch buffer; the
 * current token is the "(". */
static credo_status parse_list(parser *p, expr_field_ref *field, const expr_token *field_token,
                               element_parser element)
{
    expr_token open = p->token;
    credo_status status = advance(p);
    for (;;) {
        credo_expr_item item;
        expr_token at = p->token;
        if (status == CREDO_OK)
            status = element(p, field, field_token, &item);
        if (status == CREDO_OK)
            status = push_item(p, &item, &at);
        if (status != CREDO_OK)
            return status;
        if (p->token.kind == TOKEN_RPAREN)
            return advance(p);
        if (p->token.kind != TOKEN_COMMA) {
            char what[128];
            snprintf(what, sizeof what, "',' or ')' to close the list opened at line %u, column %u",
                     open.line, open.column);
            return fail_unclosed(p, what, &open);
        }
        status = advance(p);
    }
}

/* Parses a parenthesized list or a single element into the scratch buffer. */
static credo_status parse_elements(parser *p, expr_field_ref *field,
                                   const expr_token *field_token, element_parser element)
{
    p->scratch_count = 0;
    if (p->token.kind == TOKEN_LPAREN)
        return parse_list(p, field, field_token, element);

    credo_expr_item item;
    expr_token at = p->token;
    credo_status status = element(p, field, field_token, &item);
    if (status == CREDO_OK)
        status = push_item(p, &item, &at);
    return status;
}

/* Moves the scratch items into the node, in source order. */
static credo_status take_items(parser *p, expr_node *node)
{
    size_t bytes = p->scratch_count * sizeof *p->scratch;
    credo_expr_item *items = credo__expr_alloc(p->expr, bytes);
    if (items == NULL)
        return fail_nomem(p);
    memcpy(items, p->scratch, bytes);
    node->pub.items = items;
    node->pub.item_count = p->scratch_count;
    return CREDO_OK;
}

static int compare_low_ends(const void *a, const void *b)
{
    const credo_expr_item *x = a, *y = b;
    return credo__expr_compare_values(&x->low, &y->low);
}

/* Builds node->spans: every item as an interval, sorted by low end, with
 * overlapping intervals merged so that at most one can contain a value. */
static credo_status build_spans(parser *p, expr_node *node)
{
    size_t count = node->pub.item_count;
    credo_expr_item *spans = credo__expr_alloc(p->expr, count * sizeof *spans);
    if (spans == NULL)
        return fail_nomem(p);
    for (size_t i = 0; i < count; i++) {
        spans[i] = node->pub.items[i];
        if (!spans[i].is_range)
            spans[i].high = spans[i].low;
        spans[i].is_range = true;
    }
    qsort(spans, count, sizeof *spans, compare_low_ends);

    size_t merged = 0;
    for (size_t i = 0; i < count; i++) {
        credo_expr_item *last = merged > 0 ? &spans[merged - 1] : NULL;
        if (last != NULL && credo__expr_compare_values(&spans[i].low, &last->high) <= 0) {
            if (credo__expr_compare_values(&spans[i].high, &last->high) > 0)
                last->high = spans[i].high;
        } else {
            spans[merged++] = spans[i];
        }
    }
    node->spans = spans;
    node->span_count = merged;
    return CREDO_OK;
}

/* ---- tests ---- */

static credo_status parse_compare(parser *p, expr_node *node, expr_field_ref *field,
                                  const expr_token *field_token)
{
    static const credo_expr_op OPS[] = {
        [TOKEN_EQ] = CREDO_OP_EQ, [TOKEN_NE] = CREDO_OP_NE, [TOKEN_LT] = CREDO_OP_LT,
        [TOKEN_LE] = CREDO_OP_LE, [TOKEN_GT] = CREDO_OP_GT, [TOKEN_GE] = CREDO_OP_GE,
    };
    node->pub.kind = CREDO_EXPR_COMPARE;
    node->pub.op = OPS[p->token.kind];
    credo_status status = advance(p);
    if (status != CREDO_OK)
        return status;

    expr_token literal;
    credo_value value;
    status = parse_literal(p, field, field_token, &value, &literal);
    node->pub.value = value;
    return status;
}

/* The current token is "in"; node->pub.negated is already set. */
static credo_status parse_in(parser *p, expr_node *node, expr_field_ref *field,
                             const expr_token *field_token)
{
    node->pub.kind = CREDO_EXPR_IN;
    credo_status status = advance(p);
    if (status != CREDO_OK)
        return status;
    if (p->token.kind != TOKEN_LPAREN && p->token.kind != TOKEN_STRING &&
        p->token.kind != TOKEN_NUMBER)
        return fail_expected(p, "'(', a value or a range after 'in'");

    status = parse_elements(p, field, field_token, parse_item);
    if (status == CREDO_OK)
        status = take_items(p, node);
    if (status == CREDO_OK)
        status = build_spans(p, node);
    return status;
}

/* One prefix of starts_with: text only, whatever the field. */
static credo_status parse_prefix(parser *p, expr_field_ref *field, const expr_token *field_token,
                                 credo_expr_item *item)
{
    if (p->token.kind == TOKEN_NUMBER) {
        char quoted[EXPR_DESCRIBE_MAX];
        quote_token(&p->token, quoted, sizeof quoted);
        return fail_at(p, &p->token, CREDO_ERR_INVALID,
                       "starts_with compares text; write \"%s\", not %s", quoted, quoted);
    }
    if (p->token.kind != TOKEN_STRING) {
        char after[EXPR_DESCRIBE_MAX + 16], what[EXPR_DESCRIBE_MAX + 32];
        describe_after(p, after, sizeof after);
        snprintf(what, sizeof what, "a string%s", after);
        return fail_expected(p, what);
    }
    memset(item, 0, sizeof *item);
    credo_status status = decode_string(p, &p->token, &item->low);
    return status == CREDO_OK ? advance(p) : status;
}

static credo_status parse_starts_with(parser *p, expr_node *node, expr_field_ref *field,
                                      const expr_token *field_token)
{
    if (!field->custom && field->type != CREDO_VALUE_TEXT) {
        char name[EXPR_DESCRIBE_MAX];
        quote_token(field_token, name, sizeof name);
        return fail_at(p, &p->token, CREDO_ERR_INVALID,
                       "starts_with needs a text field, but %s is a number; compare numbers "
                       "with <, <=, > and >=",
                       name);
    }
    node->pub.kind = CREDO_EXPR_STARTS_WITH;
    credo_status status = advance(p);
    if (status != CREDO_OK)
        return status;
    if (p->token.kind != TOKEN_LPAREN && p->token.kind != TOKEN_STRING &&
        p->token.kind != TOKEN_NUMBER)
        return fail_expected(p, "a string or '(' after 'starts_with'");

    status = parse_elements(p, field, field_token, parse_prefix);
    if (status == CREDO_OK)
        status = take_items(p, node);
    field->literal_kind = CREDO_VALUE_TEXT;
    return status;
}

/* Dispatches on the token after the field name. */
static credo_status parse_operator(parser *p, expr_node *node, expr_field_ref *field,
                                   const expr_token *field_token)
{
    char name[EXPR_DESCRIBE_MAX], what[EXPR_DESCRIBE_MAX + 128];
    quote_token(field_token, name, sizeof name);

    switch (p->token.kind) {
    case TOKEN_EQ: case TOKEN_NE: case TOKEN_LT: case TOKEN_LE: case TOKEN_GT: case TOKEN_GE:
        return parse_compare(p, node, field, field_token);
    case TOKEN_IN:
        return parse_in(p, node, field, field_token);
    case TOKEN_STARTS_WITH:
        return parse_starts_with(p, node, field, field_token);
    case TOKEN_NOT: {
        credo_status status = advance(p);
        if (status != CREDO_OK)
            return status;
        if (p->token.kind != TOKEN_IN) {
            snprintf(what, sizeof what,
                     "'in' after '%s not' (to negate another test, write 'not' before it)", name);
            return fail_expected(p, what);
        }
        node->pub.negated = true;
        return parse_in(p, node, field, field_token);
    }
    default:
        snprintf(what, sizeof what,
                 "an operator after '%s' (=, !=, <, <=, >, >=, in, not in or starts_with)", name);
        return fail_expected(p, what);
    }
}

/* test := FIELD (op literal | ["not"] "in" items | "starts_with" prefixes) */
static credo_status parse_test(parser *p, const credo_expr_node **out)
{
    expr_token field_token = p->token;
    expr_field_ref field;
    credo_status status = credo__expr_resolve_field(p->expr, p->schema, &field_token, &field,
                                                    p->where);
    if (status != CREDO_OK)
        return status;

    expr_node *node = new_node(p, CREDO_EXPR_COMPARE, &field_token);
    if (node == NULL)
        return fail_nomem(p);
    node->pub.field = field.id;
    status = advance(p);
    if (status == CREDO_OK)
        status = parse_operator(p, node, &field, &field_token);
    if (status != CREDO_OK)
        return status;

    node->compare_kind = field.custom ? field.literal_kind : field.type;
    *out = &node->pub;
    return CREDO_OK;
}

/* ---- boolean structure ---- */

static credo_status enter_nesting(parser *p)
{
    if (p->depth >= CREDO_EXPR_MAX_DEPTH)
        return fail_at(p, &p->token, CREDO_ERR_LIMIT,
                       "expression nests more than %d levels of parentheses and 'not'; "
                       "simplify it or split it into several rules",
                       CREDO_EXPR_MAX_DEPTH);
    p->depth++;
    return advance(p);
}

static credo_status parse_unary(parser *p, const credo_expr_node **out);

static credo_status parse_not(parser *p, const credo_expr_node **out)
{
    expr_node *node = new_node(p, CREDO_EXPR_NOT, &p->token);
    if (node == NULL)
        return fail_nomem(p);
    credo_status status = enter_nesting(p);
    if (status == CREDO_OK)
        status = parse_unary(p, &node->pub.left);
    p->depth--;
    *out = &node->pub;
    return status;
}

static credo_status parse_group(parser *p, const credo_expr_node **out)
{
    expr_token open = p->token;
    credo_status status = enter_nesting(p);
    if (status == CREDO_OK)
        status = parse_or(p, out);
    p->depth--;
    if (status != CREDO_OK)
        return status;
    if (p->token.kind != TOKEN_RPAREN) {
        char what[128];
        snprintf(what, sizeof what, "')' to close the '(' at line %u, column %u", open.line,
                 open.column);
        return fail_unclosed(p, what, &open);
    }
    return advance(p);
}

/* unary := "not" unary | "(" expr ")" | test */
static credo_status parse_unary(parser *p, const credo_expr_node **out)
{
    switch (p->token.kind) {
    case TOKEN_NOT:
        return parse_not(p, out);
    case TOKEN_LPAREN:
        return parse_group(p, out);
    case TOKEN_FIELD:
        return parse_test(p, out);
    default: {
        char after[EXPR_DESCRIBE_MAX + 16], what[EXPR_DESCRIBE_MAX + 64];
        describe_after(p, after, sizeof after);
        snprintf(what, sizeof what, "a field name, 'not' or '('%s", after);
        return fail_expected(p, what);
    }
    }
}

typedef credo_status (*operand_parser)(parser *p, const credo_expr_node **out);

/* Parses operand (keyword operand)* into a right-nested chain, a AND (b
 * AND c), so that evaluation can loop along the right edge and recurse only
 * into left operands, whose depth the nesting limit bounds. */
static credo_status parse_chain(parser *p, credo_expr_kind kind, expr_token_kind keyword,
                                operand_parser operand, const credo_expr_node **out)
{
    credo_status status = operand(p, out);
    const credo_expr_node **slot = out;
    while (status == CREDO_OK && p->token.kind == keyword) {
        expr_node *node = new_node(p, kind, &p->token);
        if (node == NULL)
            return fail_nomem(p);
        status = advance(p);
        if (status == CREDO_OK)
            status = operand(p, &node->pub.right);
        node->pub.left = *slot;
        *slot = &node->pub;
        slot = &node->pub.right;
    }
    return status;
}

static credo_status parse_and(parser *p, const credo_expr_node **out)
{
    return parse_chain(p, CREDO_EXPR_AND, TOKEN_AND, parse_unary, out);
}

static credo_status parse_or(parser *p, const credo_expr_node **out)
{
    return parse_chain(p, CREDO_EXPR_OR, TOKEN_OR, parse_and, out);
}

static credo_status parse_whole(parser *p)
{
    credo_status status = advance(p);
    if (status != CREDO_OK)
        return status;
    if (p->token.kind == TOKEN_END)
        return fail_at(p, &p->token, CREDO_ERR_INVALID,
                       "the expression is empty; write at least one test, such as "
                       "field = \"value\"");

    status = parse_or(p, &p->expr->root);
    if (status != CREDO_OK)
        return status;
    if (p->token.kind == TOKEN_RPAREN)
        return fail_at(p, &p->token, CREDO_ERR_INVALID, "found ')' without a matching '('");
    if (p->token.kind != TOKEN_END)
        return fail_expected(p, "'and', 'or' or the end of the text");
    return CREDO_OK;
}

credo_status credo__expr_parse_tree(credo_expr *expr, const credo_expr_schema *schema,
                                    credo_expr_error *where)
{
    parser p = {.schema = schema, .expr = expr, .where = where};
    credo__expr_lex_init(&p.lexer, expr->text, expr->text_length);
    p.token = (expr_token){.kind = TOKEN_END, .start = expr->text, .line = 1, .column = 1};

    credo_status status = parse_whole(&p);
    free(p.scratch);
    return status;
}
