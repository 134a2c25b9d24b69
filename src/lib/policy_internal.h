/* Internals of the policy parser and checker, shared by their source files
 * and tests/test_policy.c. Not part of the public API, so names here carry
 * no credo_ prefix.
 *
 * Reading a policy has three stages. policy_yaml.c turns the YAML events
 * into a tree of policy_node with positions, policy_parse.c (with the typed
 * readers of policy_value.c) turns the tree into a credo_policy, and
 * policy_resolve.c links ids and rejects duplicates, unknown references and
 * parent cycles. policy_position.c maps positions inside scalars (match
 * expressions) back to the file. policy_check*.c implement
 * credo_policy_check. */
#ifndef CREDO_POLICY_INTERNAL_H
#define CREDO_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "credo/error.h"
#include "credo/policy.h"

/* Maximum size of a policy file in bytes: 1 GiB. A plan of 100,000
 * territories with up to 15 rules each is about 60 MB, and loading a
 * policy takes about 20 times its size in memory. */
#define POLICY_MAX_BYTES ((size_t)1 << 30)

/* Maximum nesting of YAML collections. A valid policy nests five levels
 * deep (the top-level mapping, territories, a territory, members, a
 * member). The margin leaves room for later sections while bounding the
 * node stack. */
#define POLICY_MAX_DEPTH 32

/* Line starts of a text, for turning positions into byte offsets and back.
 * Line breaks are the ones libyaml counts: LF, CR, CR LF, and the UTF-8
 * encodings of NEL, LS and PS. Columns count characters (code points), as
 * libyaml's marks do, so that all positions in messages agree. */
typedef struct policy_lines {
    const char *text;
    size_t length;
    size_t *starts; /* byte offset of each line; starts[0] skips a UTF-8 BOM */
    size_t count;
} policy_lines;

credo_status policy_lines_init(policy_lines *lines, const char *text, size_t length);
void policy_lines_free(policy_lines *lines);

/* Returns the byte offset of pos (1-based), clamped to the text. */
size_t policy_lines_offset(const policy_lines *lines, credo_policy_pos pos);

/* Returns the 1-based position of a byte offset. */
credo_policy_pos policy_lines_position(const policy_lines *lines, size_t offset);

/* Returns the file position of byte `offset` within the value of the scalar
 * that starts at scalar_pos. The value is the scalar's content after YAML
 * processing (quotes, escapes, folding and indentation removed); the style
 * is read from the text at scalar_pos. The mapping is exact for every
 * non-blank byte of plain, quoted, literal and folded scalars; a blank byte
 * may land on a neighbouring blank. An offset equal to value_length maps
 * just past the last byte of the value. */
credo_policy_pos policy_scalar_position(const policy_lines *lines, credo_policy_pos scalar_pos,
                                        const char *value, size_t value_length, size_t offset);

/* Returns the file position of the expression position (line, column) of
 * a match rule whose scalar starts at match_pos. */
credo_policy_pos policy_expr_position(const policy_lines *lines, credo_policy_pos match_pos,
                                      const credo_expr *expr, unsigned line, unsigned column);

/* Returns the byte offset within text of 1-based (line, column), where the
 * column counts bytes, as credo_expr positions do. Clamped to the line. */
size_t policy_text_offset(const char *text, size_t length, unsigned line, unsigned column);

typedef enum policy_node_kind {
    POLICY_NODE_SCALAR,
    POLICY_NODE_MAPPING,
    POLICY_NODE_SEQUENCE
} policy_node_kind;

/* A YAML node. A mapping stores its keys and values alternately in items
 * (key 0, value 0, key 1, ...); keys are always scalars. */
typedef struct policy_node {
    policy_node_kind kind;
    credo_policy_pos pos; /* first character of the node */
    char *text;           /* scalar value, NUL-terminated */
    size_t length;
    bool plain; /* scalar written without quotes or block indicator */
    struct policy_node **items;
    size_t count, capacity;
} policy_node;

/* Builds the node tree of a policy text. Errors are "PATH:LINE:COLUMN:
 * message" for YAML syntax errors, aliases, anchors, tags, more than one
 * document, nesting beyond POLICY_MAX_DEPTH and non-scalar mapping keys.
 * *root is NULL for a text without a document. */
credo_status policy_tree_read(const policy_lines *lines, const char *path, policy_node **root,
                              credo_error *err);
void policy_node_free(policy_node *node);

/* Returns true for a plain scalar that YAML reads as null: empty, "~" or
 * null in any of its three spellings. */
bool policy_node_is_null(const policy_node *node);

/* State of one parse: the source, the policy being built and the error. */
typedef struct policy_reader {
    const char *path;
    const policy_lines *lines;
    credo_policy *policy;
    credo_error *err;
} policy_reader;

/* Sets the error to "PATH:LINE:COLUMN: message" and returns status. */
credo_status policy_fail(const policy_reader *reader, credo_policy_pos pos, credo_status status,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Fills values[k] with the value of key keys[k] in mapping `map`, or NULL
 * when the key is absent or its value is null. Rejects a key outside keys
 * (suggesting the closest) and a key given twice. `what` names the mapping
 * in messages, for example "a territory". */
credo_status policy_read_keys(const policy_reader *reader, const policy_node *map, const char *what,
                              const char *const *keys, size_t key_count, const policy_node **values);

/* Value readers. `key` names the value in messages. The text readers copy
 * into *out, which the caller frees. */
credo_status policy_read_text(const policy_reader *reader, const policy_node *node, const char *key,
                              char **out);
credo_status policy_read_id(const policy_reader *reader, const policy_node *node, const char *key,
                            char **out);
credo_status policy_read_bool(const policy_reader *reader, const policy_node *node, const char *key,
                              bool *out);
credo_status policy_read_int(const policy_reader *reader, const policy_node *node, const char *key, int *out);
credo_status policy_read_date(const policy_reader *reader, const policy_node *node, const char *key,
                              credo_date *out);
credo_status policy_read_id_list(const policy_reader *reader, const policy_node *node, const char *key,
                                 char ***out, size_t *count);

/* Rejects a node that is not of the expected kind, naming it as `what`. */
credo_status policy_expect_kind(const policy_reader *reader, const policy_node *node, policy_node_kind kind,
                                const char *what);

/* Fills reader->policy from the tree: version, name, roles, types and
 * territories, with types and ids checked but references not yet linked. */
credo_status policy_build(const policy_reader *reader, const policy_node *root);

/* Parses the expression in a scalar node against schema. On a syntax
 * error returns its status with *error_pos set to the error's position in
 * the file and *where to the parser's message, for the caller to report;
 * other failures (not a scalar, out of memory) are reported here and leave
 * *error_pos untouched. */
credo_status policy_parse_expression(const policy_reader *reader, const policy_node *node, const char *what,
                                     const credo_expr_schema *schema, credo_expr **out,
                                     credo_policy_pos *error_pos, credo_expr_error *where);

/* Reads a territory's match rule from its scalar node, mapping expression
 * errors to positions in the file. */
credo_status policy_read_match(const policy_reader *reader, const policy_node *node, const char *territory_id,
                               credo_expr **out);

/* Readers of the optional sections, each in its own file: the node is the
 * section's value. They may read the territories, roles and types already
 * built (policy_build reads the sections last) and must leave *out NULL on
 * failure. The free functions accept NULL. */
credo_status policy_read_pipeline(const policy_reader *reader, const policy_node *node,
                                  credo_pipeline_policy **out);
void policy_pipeline_free(credo_pipeline_policy *pipeline);
credo_status policy_read_engagement(const policy_reader *reader, const policy_node *node,
                                    credo_engagement_policy **out);
void policy_engagement_free(credo_engagement_policy *engagement);
credo_status policy_read_credit(const policy_reader *reader, const policy_node *node,
                                credo_credit_policy **out);
void policy_credit_free(credo_credit_policy *credit);

/* Links roles, types and parents by id and rejects duplicate ids, unknown
 * references and parent cycles. root is the tree that policy_build read,
 * used for the positions of references. */
credo_status policy_resolve(const policy_reader *reader, const policy_node *root);

/* Returns the Levenshtein distance of a and b, or max + 1 when it is larger
 * than max. */
size_t policy_edit_distance(const char *a, const char *b, size_t max);

/* Returns the candidate closest to word within an edit distance of 2, the
 * first one on a tie, or NULL. */
const char *policy_closest(const char *word, const char *const *candidates, size_t count);

/* Problems found by credo_policy_check, kept until they are sorted by
 * position and written out. */
typedef struct policy_problem {
    credo_policy_pos pos;
    bool is_error;
    size_t order; /* report order, to keep the sort stable */
    char *text;
} policy_problem;

typedef struct policy_problems {
    policy_problem *items;
    size_t count, capacity;
    size_t errors;
    bool failed; /* an allocation failed, so some problems are missing */
} policy_problems;

/* Records one problem. A failed allocation still counts an error. */
void policy_report(policy_problems *problems, credo_policy_pos pos, bool is_error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Warns about "!=" and "not in" tests in the territory's match rule, which
 * are false for accounts with a missing value. lines may be NULL when the
 * policy has no text, and then warnings point at the match itself. */
void policy_check_match(const policy_lines *lines, const credo_policy_territory *territory,
                        policy_problems *problems);

/* Checks the territory's member reps and named and excluded accounts
 * against the snapshot. */
void policy_check_data(const credo_policy_territory *territory, const credo_snapshot *snapshot,
                       policy_problems *problems);

#endif
