/* Private parts of the match-expression module shared by expr.c (the
 * expression object), expr_lex.c (tokens), expr_parse.c (grammar and type
 * checks) and expr_eval.c (evaluation, explanation, formatting). */
#ifndef CREDO_EXPR_INTERNAL_H
#define CREDO_EXPR_INTERNAL_H

#include "credo/expr.h"

/* Chunk of the arena that contains every node, item and literal of one
 * expression, so that freeing an expression is a walk over a short list. */
typedef struct expr_arena_block {
    struct expr_arena_block *next;
    size_t used, size;
    max_align_t data[];
} expr_arena_block;

/* A syntax tree node with the data that only evaluation needs. The public
 * node comes first so that a credo_expr_node pointer converts back. */
typedef struct expr_node {
    credo_expr_node pub;
    /* Kind of value the test compares: CREDO_VALUE_TEXT or
     * CREDO_VALUE_NUMBER. A custom field is text but compares as a number
     * when its literals are numbers. */
    credo_value_kind compare_kind;
    /* IN only: the items as inclusive intervals (a value v is v..v), sorted
     * by low end and merged where they overlap, for binary search. */
    const credo_expr_item *spans;
    size_t span_count;
} expr_node;

struct credo_expr {
    expr_arena_block *arena;
    char *text;                 /* NUL-terminated copy of the source */
    size_t text_length;         /* bytes of text before the added NUL */
    const credo_expr_node *root;
    const char **field_names;   /* schema names copied to the arena, by id */
    size_t field_count;         /* schema->count */
    const char **custom_names;  /* malloc'd array of arena strings */
    size_t custom_count, custom_capacity;
};

typedef enum expr_token_kind {
    TOKEN_END,
    TOKEN_FIELD,
    TOKEN_STRING, /* start and length include the quotes */
    TOKEN_NUMBER,
    TOKEN_AND,
    TOKEN_OR,
    TOKEN_NOT,
    TOKEN_IN,
    TOKEN_STARTS_WITH,
    TOKEN_EQ,
    TOKEN_NE,
    TOKEN_LT,
    TOKEN_LE,
    TOKEN_GT,
    TOKEN_GE,
    TOKEN_LPAREN,
    TOKEN_RPAREN,
    TOKEN_COMMA,
    TOKEN_RANGE /* ".." */
} expr_token_kind;

typedef struct expr_token {
    expr_token_kind kind;
    const char *start;
    size_t length;
    unsigned line, column;
    credo_number number; /* TOKEN_NUMBER only */
} expr_token;

typedef struct expr_lexer {
    const char *text;
    size_t length;
    size_t offset;
    unsigned line;
    size_t line_start; /* offset of the first byte of the current line */
} expr_lexer;

/* Outcome of credo__expr_parse_decimal. */
typedef enum expr_decimal_status {
    DECIMAL_OK,
    DECIMAL_SYNTAX,      /* not ["-"] digits ["." digits] */
    DECIMAL_TOO_PRECISE, /* more decimals than CREDO_NUMBER_SCALE allows */
    DECIMAL_TOO_LARGE    /* magnitude above INT64_MAX / CREDO_NUMBER_SCALE */
} expr_decimal_status;

/* The field of a test being parsed. */
typedef struct expr_field_ref {
    int id;
    credo_value_kind type; /* the schema's type; TEXT for a custom field */
    bool custom;
    /* Kind of the literals seen so far in this test (MISSING before the
     * first): a custom field's literals must all be text or all numbers. */
    credo_value_kind literal_kind;
} expr_field_ref;

/* Number of decimals that credo_number keeps (CREDO_NUMBER_SCALE = 10^4). */
#define EXPR_NUMBER_DECIMALS 4

/* Room for a token or character quoted in an error message. */
#define EXPR_DESCRIBE_MAX 96

/* Allocates size bytes aligned for any type from the expression's arena.
 * Returns NULL when out of memory. */
void *credo__expr_alloc(credo_expr *expr, size_t size);

/* Copies len bytes to the arena and adds a NUL. Returns NULL when out of
 * memory. */
char *credo__expr_strdup(credo_expr *expr, const char *text, size_t len);

/* Returns the id of the custom field `name` (len bytes), adding it at id
 * field_count + custom_count on first use. Returns -1 when out of memory. */
int credo__expr_custom_id(credo_expr *expr, const char *name, size_t len);

/* Looks up the field named by token (a TOKEN_FIELD) in schema, or as a
 * custom field, and fills *out. An unknown name fails with
 * CREDO_ERR_INVALID and a message that lists the known fields and
 * suggests the closest one. */
credo_status credo__expr_resolve_field(credo_expr *expr, const credo_expr_schema *schema,
                                       const expr_token *token, expr_field_ref *out,
                                       credo_expr_error *where);

/* Fills *where with a 1-based position and a printf-style message and
 * returns status. */
credo_status credo__expr_fail(credo_expr_error *where, unsigned line, unsigned column,
                              credo_status status, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Starts a lexer on len bytes of text. */
void credo__expr_lex_init(expr_lexer *lexer, const char *text, size_t len);

/* Reads the next token into *token. On a lexical error (bad character,
 * unterminated string, malformed number) fills *where and returns
 * CREDO_ERR_INVALID. */
credo_status credo__expr_lex(expr_lexer *lexer, expr_token *token, credo_expr_error *where);

/* Parses len bytes as ["-"] digits ["." digits] with at most
 * EXPR_NUMBER_DECIMALS decimals into *out (scaled by CREDO_NUMBER_SCALE).
 * No sign other than a leading '-', no spaces, no exponent. *out is set
 * only on DECIMAL_OK. */
expr_decimal_status credo__expr_parse_decimal(const char *text, size_t len, credo_number *out);

/* Writes a description of token for "found ..." in messages, such as
 * "'and'", "the string \"US\"" or "the end of the text", into out. */
void credo__expr_describe_token(const expr_token *token, char *out, size_t size);

/* Writes at most max_bytes of text to out, cut at a UTF-8 character
 * boundary and followed by "..." when cut. */
void credo__expr_clip(const char *text, size_t len, size_t max_bytes, char *out, size_t size);

/* Number of UTF-8 characters (bytes that are not continuation bytes). */
size_t credo__expr_utf8_length(const char *text, size_t len);

/* Compares two values of the same kind: text bytewise (code point order
 * for UTF-8), numbers numerically. Returns <0, 0 or >0. */
int credo__expr_compare_values(const credo_value *a, const credo_value *b);

/* Applies one test node (COMPARE, IN or STARTS_WITH) to a field value;
 * false when the value is missing for the test's kind. */
bool credo__expr_test_value(const credo_expr_node *node, const credo_value *raw);

/* Evaluates the sub-expression at node, as credo_expr_eval does for the
 * root. The rule index uses both to verify parts of a rule. */
bool credo__expr_eval_node(const credo_expr_node *node, credo_expr_getter get, const void *ctx);

/* Builds the tree of expr->text into expr (whose arena, names and
 * text are set up by the caller) and stores the root in expr->root. */
credo_status credo__expr_parse_tree(credo_expr *expr, const credo_expr_schema *schema,
                                    credo_expr_error *where);

#endif
