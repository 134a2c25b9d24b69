/* The YAML layer of the policy parser: libyaml events to a node tree. */
#include "policy_internal.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* State of one tree build. stack[depth - 1] is the innermost open
 * collection. */
typedef struct tree_builder {
    const policy_lines *lines;
    const char *path;
    credo_error *err;
    policy_node *root;
    policy_node *stack[POLICY_MAX_DEPTH];
    size_t depth;
    size_t documents;
} tree_builder;

void policy_node_free(policy_node *node)
{
    if (node == NULL)
        return;
    for (size_t i = 0; i < node->count; i++)
        policy_node_free(node->items[i]);
    free(node->items);
    free(node->text);
    free(node);
}

bool policy_node_is_null(const policy_node *node)
{
    if (node->kind != POLICY_NODE_SCALAR || !node->plain)
        return false;
    return strcmp(node->text, "") == 0 || strcmp(node->text, "~") == 0 || strcmp(node->text, "null") == 0 ||
           strcmp(node->text, "Null") == 0 || strcmp(node->text, "NULL") == 0;
}

static credo_policy_pos mark_position(yaml_mark_t mark)
{
    return (credo_policy_pos){(unsigned)mark.line + 1, (unsigned)mark.column + 1};
}

static credo_status tree_fail(const tree_builder *builder, credo_policy_pos pos, credo_status status,
                              const char *message)
{
    return credo_error_set(builder->err, status, "%s:%u:%u: %s", builder->path, pos.line, pos.column,
                           message);
}

/* Reports libyaml's error. Reader errors (bad encoding, control
 * characters) carry a byte offset instead of a mark. */
static credo_status syntax_error(const tree_builder *builder, const yaml_parser_t *parser)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return credo_error_set(builder->err, CREDO_ERR_NOMEM, "%s: out of memory while reading the YAML",
                               builder->path);

    const char *problem = parser->problem != NULL ? parser->problem : "unknown problem";
    if (parser->error == YAML_READER_ERROR) {
        credo_policy_pos pos = policy_lines_position(builder->lines, parser->problem_offset);
        const char *fix = strstr(problem, "control characters") != NULL ? "remove the control character"
                                                                        : "save the file as UTF-8 text";
        return credo_error_set(builder->err, CREDO_ERR_INVALID,
                               "%s:%u:%u: invalid YAML: %s (byte value %d); %s", builder->path, pos.line,
                               pos.column, problem, parser->problem_value, fix);
    }

    credo_policy_pos pos = mark_position(parser->problem_mark);
    if (parser->context != NULL)
        return credo_error_set(builder->err, CREDO_ERR_INVALID,
                               "%s:%u:%u: invalid YAML: %s %s on line %zu; check the "
                               "indentation and quoting here",
                               builder->path, pos.line, pos.column, problem, parser->context,
                               parser->context_mark.line + 1);
    return credo_error_set(builder->err, CREDO_ERR_INVALID,
                           "%s:%u:%u: invalid YAML: %s; check the indentation and quoting here",
                           builder->path, pos.line, pos.column, problem);
}

static credo_status append_item(policy_node *parent, policy_node *child)
{
    if (parent->count == parent->capacity) {
        size_t capacity = parent->capacity == 0 ? 8 : parent->capacity * 2;
        policy_node **items = realloc(parent->items, capacity * sizeof *items);
        if (items == NULL)
            return CREDO_ERR_NOMEM;
        parent->items = items;
        parent->capacity = capacity;
    }
    parent->items[parent->count++] = child;
    return CREDO_OK;
}

/* Attaches a new node to the innermost open collection, or makes it the
 * root. Takes ownership of node, also on failure. */
static credo_status attach(tree_builder *builder, policy_node *node)
{
    if (builder->depth == 0) {
        builder->root = node;
        return CREDO_OK;
    }

    policy_node *parent = builder->stack[builder->depth - 1];
    bool is_key = parent->kind == POLICY_NODE_MAPPING && parent->count % 2 == 0;
    if (is_key && node->kind != POLICY_NODE_SCALAR) {
        credo_policy_pos pos = node->pos;
        policy_node_free(node);
        return tree_fail(builder, pos, CREDO_ERR_INVALID,
                         "a mapping key must be plain text, found a list or mapping; "
                         "write the key as a single word followed by ':'");
    }
    if (append_item(parent, node) != CREDO_OK) {
        policy_node_free(node);
        return credo_error_set(builder->err, CREDO_ERR_NOMEM, "%s: out of memory", builder->path);
    }
    return CREDO_OK;
}

/* Rejects the YAML features that a policy does not use: anchors and
 * aliases would let one value stand in several places, and tags would
 * change how values are typed. */
static credo_status check_node_properties(const tree_builder *builder, const yaml_event_t *event,
                                          const yaml_char_t *anchor, const yaml_char_t *tag)
{
    credo_policy_pos pos = mark_position(event->start_mark);
    if (anchor != NULL)
        return tree_fail(builder, pos, CREDO_ERR_INVALID,
                         "YAML anchors (&name) are not supported in a policy; write the "
                         "value out where it is needed");
    if (tag != NULL)
        return tree_fail(builder, pos, CREDO_ERR_INVALID,
                         "YAML tags (!tag or !!type) are not supported in a policy; remove the "
                         "tag and quote the value if it must be text");
    return CREDO_OK;
}

static credo_status add_scalar(tree_builder *builder, const yaml_event_t *event)
{
    credo_status status =
        check_node_properties(builder, event, event->data.scalar.anchor, event->data.scalar.tag);
    if (status != CREDO_OK)
        return status;

    policy_node *node = calloc(1, sizeof *node);
    char *text = malloc(event->data.scalar.length + 1);
    if (node == NULL || text == NULL) {
        free(node);
        free(text);
        return credo_error_set(builder->err, CREDO_ERR_NOMEM, "%s: out of memory", builder->path);
    }
    memcpy(text, event->data.scalar.value, event->data.scalar.length);
    text[event->data.scalar.length] = '\0';
    node->kind = POLICY_NODE_SCALAR;
    node->pos = mark_position(event->start_mark);
    node->text = text;
    node->length = event->data.scalar.length;
    node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return attach(builder, node);
}

static credo_status open_collection(tree_builder *builder, const yaml_event_t *event, policy_node_kind kind)
{
    const yaml_char_t *anchor =
        kind == POLICY_NODE_MAPPING ? event->data.mapping_start.anchor : event->data.sequence_start.anchor;
    const yaml_char_t *tag =
        kind == POLICY_NODE_MAPPING ? event->data.mapping_start.tag : event->data.sequence_start.tag;
    credo_status status = check_node_properties(builder, event, anchor, tag);
    if (status != CREDO_OK)
        return status;
    if (builder->depth == POLICY_MAX_DEPTH)
        return credo_error_set(builder->err, CREDO_ERR_LIMIT,
                               "%s:%zu:%zu: lists and mappings nest more than %d levels deep; "
                               "a policy needs at most 5",
                               builder->path, event->start_mark.line + 1, event->start_mark.column + 1,
                               POLICY_MAX_DEPTH);

    policy_node *node = calloc(1, sizeof *node);
    if (node == NULL)
        return credo_error_set(builder->err, CREDO_ERR_NOMEM, "%s: out of memory", builder->path);
    node->kind = kind;
    node->pos = mark_position(event->start_mark);
    status = attach(builder, node);
    if (status == CREDO_OK)
        builder->stack[builder->depth++] = node;
    return status;
}

static credo_status handle_event(tree_builder *builder, const yaml_event_t *event)
{
    switch (event->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++builder->documents > 1)
            return tree_fail(builder, mark_position(event->start_mark), CREDO_ERR_INVALID,
                             "a policy file holds one YAML document; remove this second "
                             "document or move it to its own file");
        return CREDO_OK;
    case YAML_ALIAS_EVENT:
        return tree_fail(builder, mark_position(event->start_mark), CREDO_ERR_INVALID,
                         "YAML aliases (*name) are not supported in a policy; write the "
                         "value out where it is needed");
    case YAML_SCALAR_EVENT: return add_scalar(builder, event);
    case YAML_SEQUENCE_START_EVENT: return open_collection(builder, event, POLICY_NODE_SEQUENCE);
    case YAML_MAPPING_START_EVENT: return open_collection(builder, event, POLICY_NODE_MAPPING);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: builder->depth--; return CREDO_OK;
    default: return CREDO_OK;
    }
}

credo_status policy_tree_read(const policy_lines *lines, const char *path, policy_node **root,
                              credo_error *err)
{
    *root = NULL;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return credo_error_set(err, CREDO_ERR_NOMEM, "%s: out of memory", path);
    yaml_parser_set_input_string(&parser, (const unsigned char *)lines->text, lines->length);

    tree_builder builder = {.lines = lines, .path = path, .err = err};
    credo_status status = CREDO_OK;
    bool done = false;
    while (status == CREDO_OK && !done) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            status = syntax_error(&builder, &parser);
            break;
        }
        done = event.type == YAML_STREAM_END_EVENT;
        status = handle_event(&builder, &event);
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);

    if (status != CREDO_OK) {
        policy_node_free(builder.root);
        return status;
    }
    *root = builder.root;
    return CREDO_OK;
}
