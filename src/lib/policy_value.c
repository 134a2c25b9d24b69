/* Typed reading of policy nodes: keys of a mapping, text, ids, booleans,
 * integers, dates and id lists, with errors that point into the file. */
#include "policy_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"

/* Maximum number of keys of one mapping kind; the largest, a territory,
 * has 8. */
#define MAX_KEYS 16

credo_status policy_fail(const policy_reader *reader, credo_policy_pos pos, credo_status status,
                         const char *fmt, ...)
{
    char message[CREDO_ERROR_MESSAGE_MAX];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    return credo_error_set(reader->err, status, "%s:%u:%u: %s", reader->path, pos.line, pos.column, message);
}

static const char *kind_name(const policy_node *node)
{
    switch (node->kind) {
    case POLICY_NODE_MAPPING: return "a mapping";
    case POLICY_NODE_SEQUENCE: return "a list";
    case POLICY_NODE_SCALAR: break;
    }
    return "text";
}

credo_status policy_expect_kind(const policy_reader *reader, const policy_node *node, policy_node_kind kind,
                                const char *what)
{
    if (node->kind == kind)
        return CREDO_OK;
    const char *quote = node->kind == POLICY_NODE_SCALAR ? " '" : "";
    const char *text = node->kind == POLICY_NODE_SCALAR ? node->text : "";
    const char *end_quote = node->kind == POLICY_NODE_SCALAR ? "'" : "";
    if (kind == POLICY_NODE_MAPPING)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "%s must be a mapping of keys and values (key: value), found %s%s%s%s", what,
                           kind_name(node), quote, text, end_quote);
    if (kind == POLICY_NODE_SEQUENCE)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "%s must be a list (one '- ' entry per line, or [a, b]), found "
                           "%s%s%s%s",
                           what, kind_name(node), quote, text, end_quote);
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                       "%s must be text, found %s; write a single value", what, kind_name(node));
}

size_t policy_edit_distance(const char *a, const char *b, size_t max)
{
    size_t a_length = strlen(a), b_length = strlen(b);
    size_t gap = a_length > b_length ? a_length - b_length : b_length - a_length;
    if (gap > max || b_length >= 256)
        return max + 1;

    /* Two rows of the classic dynamic programme over b's prefixes. */
    size_t previous[256], current[256];
    for (size_t j = 0; j <= b_length; j++)
        previous[j] = j;
    for (size_t i = 1; i <= a_length; i++) {
        current[0] = i;
        size_t row_min = current[0];
        for (size_t j = 1; j <= b_length; j++) {
            size_t substitute = previous[j - 1] + (a[i - 1] != b[j - 1]);
            size_t remove = previous[j] + 1, insert = current[j - 1] + 1;
            size_t best = substitute < remove ? substitute : remove;
            current[j] = best < insert ? best : insert;
            if (current[j] < row_min)
                row_min = current[j];
        }
        if (row_min > max)
            return max + 1;
        memcpy(previous, current, (b_length + 1) * sizeof *previous);
    }
    return previous[b_length] <= max ? previous[b_length] : max + 1;
}

const char *policy_closest(const char *word, const char *const *candidates, size_t count)
{
    const char *best = NULL;
    size_t best_distance = 3;
    for (size_t i = 0; i < count; i++) {
        size_t distance = policy_edit_distance(word, candidates[i], 2);
        /* Changing every letter of a short word is no resemblance: "C" is
         * not a likely misspelling of "A". */
        if (distance >= strlen(word) || distance >= strlen(candidates[i]))
            continue;
        if (distance < best_distance) {
            best = candidates[i];
            best_distance = distance;
        }
    }
    return best;
}

static credo_status unknown_key(const policy_reader *reader, const policy_node *key, const char *what,
                                const char *const *keys, size_t key_count)
{
    char allowed[256] = "";
    for (size_t k = 0; k < key_count; k++) {
        size_t used = strlen(allowed);
        snprintf(allowed + used, sizeof allowed - used, "%s%s", k == 0 ? "" : ", ", keys[k]);
    }

    const char *suggestion = policy_closest(key->text, keys, key_count);
    if (suggestion != NULL)
        return policy_fail(reader, key->pos, CREDO_ERR_INVALID,
                           "unknown key '%s' in %s; did you mean '%s'? The keys of %s are %s", key->text,
                           what, suggestion, what, allowed);
    return policy_fail(reader, key->pos, CREDO_ERR_INVALID, "unknown key '%s' in %s; use one of %s",
                       key->text, what, allowed);
}

credo_status policy_read_keys(const policy_reader *reader, const policy_node *map, const char *what,
                              const char *const *keys, size_t key_count, const policy_node **values)
{
    const policy_node *seen[MAX_KEYS] = {NULL};
    if (key_count > MAX_KEYS)
        return credo_error_set(reader->err, CREDO_ERR_LIMIT, "%s: too many keys for %s", reader->path, what);
    credo_status status = policy_expect_kind(reader, map, POLICY_NODE_MAPPING, what);
    if (status != CREDO_OK)
        return status;

    for (size_t k = 0; k < key_count; k++)
        values[k] = NULL;
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        const policy_node *key = map->items[i], *value = map->items[i + 1];
        size_t k = 0;
        while (k < key_count && strcmp(keys[k], key->text) != 0)
            k++;
        if (k == key_count)
            return unknown_key(reader, key, what, keys, key_count);
        if (seen[k] != NULL)
            return policy_fail(reader, key->pos, CREDO_ERR_INVALID,
                               "duplicate key '%s' in %s (first given on line %u); remove one "
                               "of them",
                               key->text, what, seen[k]->pos.line);
        seen[k] = key;
        values[k] = policy_node_is_null(value) ? NULL : value;
    }
    return CREDO_OK;
}

credo_status policy_read_text(const policy_reader *reader, const policy_node *node, const char *key,
                              char **out)
{
    *out = NULL;
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, key);
    if (status != CREDO_OK)
        return status;
    *out = strdup(node->text);
    if (*out == NULL)
        return credo_error_set(reader->err, CREDO_ERR_NOMEM, "%s: out of memory", reader->path);
    return CREDO_OK;
}

credo_status policy_read_id(const policy_reader *reader, const policy_node *node, const char *key, char **out)
{
    *out = NULL;
    if (node->kind == POLICY_NODE_SCALAR && (node->length == 0 || policy_node_is_null(node)))
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "%s is empty; write an id such as \"north\" or 286", key);
    if (node->kind == POLICY_NODE_SCALAR && memchr(node->text, '\0', node->length) != NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID, "%s contains a NUL character; remove it",
                           key);
    return policy_read_text(reader, node, key, out);
}

static bool is_true_word(const char *text)
{
    return strcmp(text, "true") == 0 || strcmp(text, "True") == 0 || strcmp(text, "TRUE") == 0;
}

static bool is_false_word(const char *text)
{
    return strcmp(text, "false") == 0 || strcmp(text, "False") == 0 || strcmp(text, "FALSE") == 0;
}

credo_status policy_read_bool(const policy_reader *reader, const policy_node *node, const char *key,
                              bool *out)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, key);
    if (status != CREDO_OK)
        return status;
    if (node->plain && is_true_word(node->text)) {
        *out = true;
        return CREDO_OK;
    }
    if (node->plain && is_false_word(node->text)) {
        *out = false;
        return CREDO_OK;
    }
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                       "%s must be true or false, found %s'%s'; write true or false without "
                       "quotes",
                       key, node->plain ? "" : "the quoted text ", node->text);
}

/* Accepts an optional sign and decimal digits, as YAML's core schema reads
 * a decimal integer. */
static bool is_decimal_integer(const char *text)
{
    const char *p = text + (text[0] == '-' || text[0] == '+');
    if (*p == '\0')
        return false;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
    }
    return true;
}

credo_status policy_read_int(const policy_reader *reader, const policy_node *node, const char *key, int *out)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, key);
    if (status != CREDO_OK)
        return status;
    if (!node->plain || !is_decimal_integer(node->text))
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "%s must be an integer, found %s'%s'; write a whole number such as "
                           "10, without quotes",
                           key, node->plain ? "" : "the quoted text ", node->text);

    errno = 0;
    long long value = strtoll(node->text, NULL, 10);
    if (errno == ERANGE || value < INT_MIN || value > INT_MAX)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "%s %s is out of range; use a value from %d to %d", key, node->text, INT_MIN,
                           INT_MAX);
    *out = (int)value;
    return CREDO_OK;
}

credo_status policy_read_date(const policy_reader *reader, const policy_node *node, const char *key,
                              credo_date *out)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, key);
    if (status != CREDO_OK)
        return status;
    credo_error detail;
    if (credo_parse_date(node->text, node->length, NULL, out, &detail) != CREDO_OK)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "invalid date '%s' in %s; write a calendar date as YYYY-MM-DD, "
                           "for example 2024-01-31",
                           node->text, key);
    return CREDO_OK;
}

credo_status policy_read_id_list(const policy_reader *reader, const policy_node *node, const char *key,
                                 char ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SEQUENCE, key);
    if (status != CREDO_OK || node->count == 0)
        return status;

    char **ids = calloc(node->count, sizeof *ids);
    if (ids == NULL)
        return credo_error_set(reader->err, CREDO_ERR_NOMEM, "%s: out of memory", reader->path);
    char label[64];
    snprintf(label, sizeof label, "an entry of %s", key);
    for (size_t i = 0; i < node->count && status == CREDO_OK; i++)
        status = policy_read_id(reader, node->items[i], label, &ids[i]);
    if (status != CREDO_OK) {
        for (size_t i = 0; i < node->count; i++)
            free(ids[i]);
        free(ids);
        return status;
    }
    *out = ids;
    *count = node->count;
    return CREDO_OK;
}
