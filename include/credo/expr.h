/* Match expressions: the boolean language of territory rules.
 *
 * Grammar (keywords are lower case; whitespace separates tokens):
 *
 *   expr     := or
 *   or       := and ("or" and)*
 *   and      := unary ("and" unary)*
 *   unary    := "not" unary | "(" expr ")" | test
 *   test     := FIELD op literal
 *             | FIELD ["not"] "in" "(" item ("," item)* ")"
 *             | FIELD ["not"] "in" item            -- one value or one range
 *             | FIELD "starts_with" (STRING | "(" STRING ("," STRING)* ")")
 *   op       := "=" | "!=" | "<" | "<=" | ">" | ">="
 *   item     := literal | literal ".." literal  -- inclusive range
 *   literal  := STRING | NUMBER
 *   STRING   := '"' characters, with \" and \\ as escapes '"'
 *   NUMBER   := ["-"] digits ["." digits]   (at most 4 decimals)
 *   FIELD    := letter (letter | digit | "_" | ".")*
 *
 * Letters are ASCII. Spaces, tabs, carriage returns and newlines separate
 * tokens, so a rule may span several lines; a string must end on the line
 * where it starts. Precedence is "not" over "and" over "or".
 *
 * Semantics: text compares by code point (bytewise UTF-8); numbers compare
 * as exact decimals. A test on a missing value is false, whatever its
 * operator ("!=" and "not in" included), while "not" inverts the result of
 * its operand. A text range whose two ends differ in length (counted in
 * characters) is rejected, because text order is not numeric order: "9"
 * sorts after "80000", and "1".."20000" contains "15" and "1999999". A
 * range whose low end is above its high end is rejected too, as is a
 * literal whose type differs from its field's.
 * Built-in fields take literals of their own type; custom fields (see
 * credo_expr_schema) take text or numbers, the same kind throughout one
 * test. */
#ifndef CREDO_EXPR_H
#define CREDO_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "credo/buf.h"
#include "credo/error.h"
#include "credo/types.h"

/* Limits of credo_expr_parse; text beyond them fails with CREDO_ERR_LIMIT. */
#define CREDO_EXPR_MAX_LENGTH (16u << 20) /* bytes of text */
#define CREDO_EXPR_MAX_DEPTH 256          /* nested parentheses and "not" */
#define CREDO_EXPR_MAX_ITEMS 100000       /* items of one "in" or starts_with list */

typedef enum credo_value_kind {
    CREDO_VALUE_MISSING = 0,
    CREDO_VALUE_TEXT,
    CREDO_VALUE_NUMBER
} credo_value_kind;

/* A field value or literal. text is borrowed and not NUL-terminated; in a
 * parsed expression it points into memory the expression owns. */
typedef struct credo_value {
    credo_value_kind kind;
    const char *text;
    size_t length;
    credo_number number;
} credo_value;

/* A field the expressions may name. */
typedef struct credo_expr_field {
    const char *name;
    credo_value_kind type; /* CREDO_VALUE_TEXT or CREDO_VALUE_NUMBER */
} credo_expr_field;

/* The fields known to a parse. Names starting with custom_prefix (for
 * example "attr.") are accepted as text fields outside the table. They get
 * ids from `count` upwards, in order of first use in the expression, and
 * credo_expr_custom_name() returns their names, prefix included. A number
 * literal compared with a custom field compares the field's text parsed as
 * a number with the syntax of a NUMBER literal (a value that does not
 * parse, such as "1,5" or " 12", is missing). custom_prefix may be NULL or
 * "", and then every name outside the table is an error. */
typedef struct credo_expr_schema {
    const credo_expr_field *fields;
    size_t count;
    const char *custom_prefix;
} credo_expr_schema;

typedef enum credo_expr_kind {
    CREDO_EXPR_AND,
    CREDO_EXPR_OR,
    CREDO_EXPR_NOT,
    CREDO_EXPR_COMPARE,
    CREDO_EXPR_IN,
    CREDO_EXPR_STARTS_WITH
} credo_expr_kind;

typedef enum credo_expr_op {
    CREDO_OP_EQ,
    CREDO_OP_NE,
    CREDO_OP_LT,
    CREDO_OP_LE,
    CREDO_OP_GT,
    CREDO_OP_GE
} credo_expr_op;

/* One element of an "in" list: a value (low only) or an inclusive range. */
typedef struct credo_expr_item {
    credo_value low;
    credo_value high;
    bool is_range;
} credo_expr_item;

/* Syntax tree node, read-only for callers such as a rule compiler.
 * line and column (1-based) locate the node in the parsed text: a test at
 * its field name, "not", "and" and "or" at their keyword. Chains of one
 * operator nest to the right: a and b and c is AND(a, AND(b, c)). */
typedef struct credo_expr_node {
    credo_expr_kind kind;
    unsigned line, column;
    const struct credo_expr_node *left;  /* AND, OR, NOT */
    const struct credo_expr_node *right; /* AND, OR */
    int field;                           /* COMPARE, IN, STARTS_WITH */
    credo_expr_op op;                    /* COMPARE */
    credo_value value;                   /* COMPARE */
    const credo_expr_item *items;        /* IN (values, ranges), STARTS_WITH (prefixes),
                                            in source order */
    size_t item_count;
    bool negated;                        /* "not in" */
} credo_expr_node;

typedef struct credo_expr credo_expr;

/* Position and message of a parse error. line and column are 1-based and
 * count bytes within the parsed text. */
typedef struct credo_expr_error {
    unsigned line, column;
    /* For an unclosed '(' or list: where it opened, which the message
     * names as "line L, column C"; 0 otherwise. A caller that moves line
     * and column into a larger file moves this text too. */
    unsigned opened_line, opened_column;
    char message[2048];
} credo_expr_error;

/* Parses len bytes of text against schema. On success *out owns a copy of
 * every literal and must be freed with credo_expr_free. On failure sets
 * *out to NULL, returns CREDO_ERR_INVALID (CREDO_ERR_LIMIT past a limit
 * above, CREDO_ERR_NOMEM when out of memory) and fills *where (may be NULL)
 * with the position of the offending token and a message that says what
 * was expected, for example "expected a value after '=', found 'and'";
 * err (may be NULL) receives "line L, column C: message". */
credo_status credo_expr_parse(const char *text, size_t len, const credo_expr_schema *schema,
                              credo_expr **out, credo_expr_error *where, credo_error *err);

/* Frees expr and everything it owns. expr may be NULL. */
void credo_expr_free(credo_expr *expr);

/* Root of the tree; never NULL for a parsed expression. */
const credo_expr_node *credo_expr_root(const credo_expr *expr);

/* Source text as given to credo_expr_parse (NUL-terminated copy). */
const char *credo_expr_text(const credo_expr *expr);

/* Custom field names used by the expression, in id order: id
 * schema->count + i has name credo_expr_custom_name(expr, i). Returns NULL past the end. */
const char *credo_expr_custom_name(const credo_expr *expr, size_t index);
size_t credo_expr_custom_count(const credo_expr *expr);

/* Reads field `field` of the row in ctx into *out, which arrives set to
 * CREDO_VALUE_MISSING. A number field gives CREDO_VALUE_NUMBER (or
 * CREDO_NUMBER_NONE for missing) and a text or custom field
 * CREDO_VALUE_TEXT. A test that compares numbers reads a text value as a
 * NUMBER literal (missing when it does not parse); a test that compares
 * text treats a number value as missing. */
typedef void (*credo_expr_getter)(const void *ctx, int field, credo_value *out);

/* Evaluates the expression for one row. Pure; safe from several threads. */
bool credo_expr_eval(const credo_expr *expr, credo_expr_getter get, const void *ctx);

/* Evaluates like credo_expr_eval and appends to out one line per test with
 * its text, the row's value and the outcome, for example
 *
 *   all of: false
 *     region in ("US-CA", "US-NV") -- region is "US-CA": true
 *     any of: false
 *       employees >= 250 -- employees is missing: false
 *       not: false
 *         attr.tier = 1 -- attr.tier is "1": true
 *
 * The root line is indented by `indent` spaces, and each level of "all
 * of:" (and), "any of:" (or) and "not:" by two more. Those lines end with
 * their own result. Every test is shown, including those that evaluation
 * would skip. Lists of more than 6 items show the first 5 and "... N more". A custom
 * field compared with numbers whose text does not parse reads `is "abc",
 * not a number`. field_names maps the schema's field ids to names, or is
 * NULL to use the names of the schema given to credo_expr_parse; custom
 * fields are named by credo_expr_custom_name. Returns the result. */
bool credo_expr_explain(const credo_expr *expr, credo_expr_getter get, const void *ctx,
                        const char *const *field_names, int indent, credo_buf *out);

/* Appends the canonical text of a value: a string in double quotes with
 * '"' and '\\' escaped by a backslash, a number in decimal without trailing
 * zeros ("12", "12.5", "-0.0001"), or `missing` for CREDO_VALUE_MISSING and
 * CREDO_NUMBER_NONE. */
void credo_value_format(const credo_value *value, credo_buf *out);

#endif
