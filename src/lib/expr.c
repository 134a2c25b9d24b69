/* The match-expression object: its arena, source text, field names and the
 * public entry point of the parser. */
#include "expr_internal.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Usable bytes of an ordinary arena block; larger requests get a block of
 * their own. */
/* Arena blocks start at ARENA_FIRST_BLOCK_BYTES and double up to
 * ARENA_BLOCK_BYTES, so that the many short rules of a large plan (100,000
 * territories) do not each hold a mostly empty 8 KiB block. */
#define ARENA_FIRST_BLOCK_BYTES 512
#define ARENA_BLOCK_BYTES 8192

void *credo__expr_alloc(credo_expr *expr, size_t size)
{
    const size_t align = alignof(max_align_t);
    size = (size + align - 1) / align * align;

    expr_arena_block *block = expr->arena;
    if (block != NULL && block->size - block->used >= size) {
        void *memory = (char *)block->data + block->used;
        block->used += size;
        return memory;
    }

    size_t capacity = block == NULL ? ARENA_FIRST_BLOCK_BYTES : block->size * 2;
    if (capacity > ARENA_BLOCK_BYTES)
        capacity = ARENA_BLOCK_BYTES;
    if (capacity < size)
        capacity = size;
    block = malloc(sizeof *block + capacity);
    if (block == NULL)
        return NULL;
    block->size = capacity;
    block->used = size;
    block->next = expr->arena;
    expr->arena = block;
    return block->data;
}

char *credo__expr_strdup(credo_expr *expr, const char *text, size_t len)
{
    char *copy = credo__expr_alloc(expr, len + 1);
    if (copy == NULL)
        return NULL;
    if (len > 0)
        memcpy(copy, text, len);
    copy[len] = '\0';
    return copy;
}

int credo__expr_custom_id(credo_expr *expr, const char *name, size_t len)
{
    for (size_t i = 0; i < expr->custom_count; i++) {
        const char *known = expr->custom_names[i];
        if (strlen(known) == len && memcmp(known, name, len) == 0)
            return (int)(expr->field_count + i);
    }

    if (expr->custom_count == expr->custom_capacity) {
        size_t capacity = expr->custom_capacity == 0 ? 4 : expr->custom_capacity * 2;
        const char **names = realloc(expr->custom_names, capacity * sizeof *names);
        if (names == NULL)
            return -1;
        expr->custom_names = names;
        expr->custom_capacity = capacity;
    }
    char *copy = credo__expr_strdup(expr, name, len);
    if (copy == NULL)
        return -1;
    expr->custom_names[expr->custom_count] = copy;
    return (int)(expr->field_count + expr->custom_count++);
}

credo_status credo__expr_fail(credo_expr_error *where, unsigned line, unsigned column,
                              credo_status status, const char *fmt, ...)
{
    where->line = line;
    where->column = column;
    va_list args;
    va_start(args, fmt);
    vsnprintf(where->message, sizeof where->message, fmt, args);
    va_end(args);
    return status;
}

/* Maximum length of a name that gets a spelling suggestion. */
#define SUGGEST_NAME_MAX 64

/* Optimal string alignment distance (Levenshtein plus swaps of two
 * adjacent bytes) between two names of at most SUGGEST_NAME_MAX bytes. */
static size_t edit_distance(const char *a, size_t n, const char *b, size_t m)
{
    size_t rows[3][SUGGEST_NAME_MAX + 1];
    size_t *before = rows[0], *previous = rows[1], *current = rows[2];
    for (size_t j = 0; j <= m; j++)
        previous[j] = j;

    for (size_t i = 1; i <= n; i++) {
        current[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = previous[j - 1] + cost;
            if (previous[j] + 1 < best)
                best = previous[j] + 1;
            if (current[j - 1] + 1 < best)
                best = current[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                before[j - 2] + 1 < best)
                best = before[j - 2] + 1;
            current[j] = best;
        }
        size_t *spare = before;
        before = previous;
        previous = current;
        current = spare;
    }
    return previous[m];
}

/* Returns the schema field closest to name within an edit distance of 2,
 * or NULL. */
static const char *closest_field(const credo_expr_schema *schema, const char *name, size_t len)
{
    const char *best = NULL;
    size_t best_distance = 3;
    for (size_t i = 0; i < schema->count && len <= SUGGEST_NAME_MAX; i++) {
        const char *candidate = schema->fields[i].name;
        size_t candidate_len = strlen(candidate);
        if (candidate_len > SUGGEST_NAME_MAX)
            continue;
        size_t distance = edit_distance(name, len, candidate, candidate_len);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

static credo_status unknown_field(const credo_expr_schema *schema, const expr_token *token,
                                  credo_expr_error *where)
{
    char name[EXPR_DESCRIBE_MAX + 64];
    credo__expr_describe_token(token, name, sizeof name);
    credo_buf text = CREDO_BUF_INIT;
    credo_buf_printf(&text, "unknown field %s", name);

    const char *suggestion = closest_field(schema, token->start, token->length);
    if (suggestion != NULL)
        credo_buf_printf(&text, "; did you mean '%s'?", suggestion);
    credo_buf_puts(&text, suggestion != NULL ? " Known fields: " : "; known fields: ");
    for (size_t i = 0; i < schema->count; i++)
        credo_buf_printf(&text, "%s%s", i > 0 ? ", " : "", schema->fields[i].name);
    if (schema->custom_prefix != NULL)
        credo_buf_printf(&text, "%scustom attributes start with '%s'",
                         schema->count > 0 ? "; " : "", schema->custom_prefix);

    credo_status status = credo__expr_fail(where, token->line, token->column, CREDO_ERR_INVALID,
                                           "%s", credo_buf_text(&text));
    credo_buf_free(&text);
    return status;
}

static bool starts_with_prefix(const char *name, size_t len, const char *prefix)
{
    size_t prefix_len = strlen(prefix);
    return len >= prefix_len && memcmp(name, prefix, prefix_len) == 0;
}

credo_status credo__expr_resolve_field(credo_expr *expr, const credo_expr_schema *schema,
                                       const expr_token *token, expr_field_ref *out,
                                       credo_expr_error *where)
{
    const char *name = token->start;
    size_t len = token->length;
    *out = (expr_field_ref){.id = -1, .type = CREDO_VALUE_TEXT, .literal_kind = CREDO_VALUE_MISSING};

    for (size_t i = 0; i < schema->count; i++) {
        const credo_expr_field *field = &schema->fields[i];
        if (strlen(field->name) == len && memcmp(field->name, name, len) == 0) {
            out->id = (int)i;
            out->type = field->type;
            return CREDO_OK;
        }
    }

    const char *prefix = schema->custom_prefix;
    if (prefix == NULL || prefix[0] == '\0' || !starts_with_prefix(name, len, prefix))
        return unknown_field(schema, token, where);
    if (len == strlen(prefix))
        return credo__expr_fail(where, token->line, token->column, CREDO_ERR_INVALID,
                                "custom attribute '%s' has no name after the prefix; "
                                "write a name such as %ssegment",
                                prefix, prefix);
    out->custom = true;
    out->id = credo__expr_custom_id(expr, name, len);
    if (out->id < 0)
        return credo__expr_fail(where, token->line, token->column, CREDO_ERR_NOMEM,
                                "out of memory");
    return CREDO_OK;
}

/* Copies the schema's field names so that an explanation can name fields
 * without the caller's table. */
static credo_status copy_field_names(credo_expr *expr, const credo_expr_schema *schema)
{
    expr->field_count = schema->count;
    expr->field_names = credo__expr_alloc(expr, (schema->count + 1) * sizeof *expr->field_names);
    if (expr->field_names == NULL)
        return CREDO_ERR_NOMEM;
    for (size_t i = 0; i < schema->count; i++) {
        const char *name = schema->fields[i].name;
        expr->field_names[i] = credo__expr_strdup(expr, name, strlen(name));
        if (expr->field_names[i] == NULL)
            return CREDO_ERR_NOMEM;
    }
    return CREDO_OK;
}

static credo_status start_expr(const char *text, size_t len, const credo_expr_schema *schema,
                               credo_expr *expr)
{
    expr->text = malloc(len + 1);
    if (expr->text == NULL)
        return CREDO_ERR_NOMEM;
    if (len > 0)
        memcpy(expr->text, text, len);
    expr->text[len] = '\0';
    expr->text_length = len;
    return copy_field_names(expr, schema);
}

credo_status credo_expr_parse(const char *text, size_t len, const credo_expr_schema *schema,
                              credo_expr **out, credo_expr_error *where, credo_error *err)
{
    credo_expr_error local;
    if (where == NULL)
        where = &local;
    *out = NULL;
    credo__expr_fail(where, 1, 1, CREDO_OK, "%s", "");

    if (len > CREDO_EXPR_MAX_LENGTH) {
        credo__expr_fail(where, 1, 1, CREDO_ERR_LIMIT,
                         "expression is %zu bytes long, above the limit of %u bytes; "
                         "split it into several rules",
                         len, (unsigned)CREDO_EXPR_MAX_LENGTH);
        return credo_error_set(err, CREDO_ERR_LIMIT, "line 1, column 1: %s", where->message);
    }

    credo_status status = CREDO_ERR_NOMEM;
    credo_expr *expr = calloc(1, sizeof *expr);
    if (expr == NULL)
        goto fail;
    status = start_expr(text, len, schema, expr);
    if (status != CREDO_OK)
        goto fail;
    status = credo__expr_parse_tree(expr, schema, where);
    if (status != CREDO_OK)
        goto fail;
    *out = expr;
    return CREDO_OK;

fail:
    credo_expr_free(expr);
    if (status == CREDO_ERR_NOMEM)
        credo__expr_fail(where, where->line, where->column, status,
                         "out of memory while parsing the expression");
    return credo_error_set(err, status, "line %u, column %u: %s", where->line, where->column,
                           where->message);
}

void credo_expr_free(credo_expr *expr)
{
    if (expr == NULL)
        return;
    expr_arena_block *block = expr->arena;
    while (block != NULL) {
        expr_arena_block *next = block->next;
        free(block);
        block = next;
    }
    free(expr->custom_names);
    free(expr->text);
    free(expr);
}

const credo_expr_node *credo_expr_root(const credo_expr *expr)
{
    return expr->root;
}

const char *credo_expr_text(const credo_expr *expr)
{
    return expr->text;
}

const char *credo_expr_custom_name(const credo_expr *expr, size_t index)
{
    return index < expr->custom_count ? expr->custom_names[index] : NULL;
}

size_t credo_expr_custom_count(const credo_expr *expr)
{
    return expr->custom_count;
}
