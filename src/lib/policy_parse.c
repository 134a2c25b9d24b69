/* The policy schema: from the node tree to credo_policy, one function per
 * mapping kind. References between elements are linked later, in
 * policy_resolve.c. */
#include "policy_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static credo_status out_of_memory(const policy_reader *reader)
{
    return credo_error_set(reader->err, CREDO_ERR_NOMEM, "%s: out of memory", reader->path);
}

/* Allocates a zeroed array for the entries of a list node. */
static credo_status allocate_entries(const policy_reader *reader, const policy_node *list, size_t size,
                                     void **out)
{
    *out = NULL;
    if (list->count == 0)
        return CREDO_OK;
    *out = calloc(list->count, size);
    return *out == NULL ? out_of_memory(reader) : CREDO_OK;
}

static credo_status read_role(const policy_reader *reader, const policy_node *node, credo_policy_role *role)
{
    static const char *const keys[] = {"id", "selling", "single"};
    const policy_node *values[3];
    credo_status status = policy_read_keys(reader, node, "a role", keys, 3, values);
    if (status != CREDO_OK)
        return status;

    role->pos = node->pos;
    if (values[0] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "role has no id; add `id: <name>`, for example id: sales_rep");
    status = policy_read_id(reader, values[0], "id", &role->id);
    if (status == CREDO_OK && values[1] != NULL)
        status = policy_read_bool(reader, values[1], "selling", &role->selling);
    if (status == CREDO_OK && values[2] != NULL)
        status = policy_read_bool(reader, values[2], "single", &role->single);
    return status;
}

static credo_status read_type(const policy_reader *reader, const policy_node *node, credo_policy_type *type)
{
    static const char *const keys[] = {"id", "priority", "overlay"};
    const policy_node *values[3];
    credo_status status = policy_read_keys(reader, node, "a type", keys, 3, values);
    if (status != CREDO_OK)
        return status;

    type->pos = node->pos;
    if (values[0] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "type has no id; add `id: <name>`, for example id: region");
    status = policy_read_id(reader, values[0], "id", &type->id);
    if (status != CREDO_OK)
        return status;
    if (values[1] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "type '%s' has no priority; add `priority: <integer>` (among "
                           "primary types, the higher priority wins)",
                           type->id);
    status = policy_read_int(reader, values[1], "priority", &type->priority);
    if (status == CREDO_OK && values[2] != NULL)
        status = policy_read_bool(reader, values[2], "overlay", &type->overlay);
    return status;
}

static credo_status read_member(const policy_reader *reader, const policy_node *node,
                                credo_policy_member *member)
{
    static const char *const keys[] = {"rep", "role", "from", "to"};
    const policy_node *values[4];
    credo_status status = policy_read_keys(reader, node, "a member", keys, 4, values);
    if (status != CREDO_OK)
        return status;

    member->pos = node->pos;
    member->role_index = SIZE_MAX;
    member->from = CREDO_DATE_MIN;
    member->to = CREDO_DATE_MAX;
    if (values[0] == NULL || values[1] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID, "member has no %s; add `%s: <id>`",
                           values[0] == NULL ? "rep" : "role", values[0] == NULL ? "rep" : "role");
    status = policy_read_id(reader, values[0], "rep", &member->rep_id);
    if (status == CREDO_OK)
        status = policy_read_id(reader, values[1], "role", &member->role_id);
    if (status == CREDO_OK && values[2] != NULL)
        status = policy_read_date(reader, values[2], "from", &member->from);
    if (status == CREDO_OK && values[3] != NULL)
        status = policy_read_date(reader, values[3], "to", &member->to);
    if (status == CREDO_OK && values[2] != NULL && values[3] != NULL && member->from >= member->to)
        return policy_fail(reader, values[3]->pos, CREDO_ERR_INVALID,
                           "membership of rep '%s' ends before it starts: to %s is not after "
                           "from %s; the interval [from, to) needs a later to, or leave to "
                           "out for an open end",
                           member->rep_id, values[3]->text, values[2]->text);
    return status;
}

static credo_status read_members(const policy_reader *reader, const policy_node *list,
                                 credo_policy_territory *territory)
{
    credo_status status = policy_expect_kind(reader, list, POLICY_NODE_SEQUENCE, "members");
    if (status == CREDO_OK)
        status = allocate_entries(reader, list, sizeof *territory->members, (void **)&territory->members);
    for (size_t i = 0; i < list->count && status == CREDO_OK; i++) {
        territory->member_count++;
        status = read_member(reader, list->items[i], &territory->members[i]);
    }
    return status;
}

/* Checks that type and match come together. A typed territory without a
 * match is accepted when it names accounts: a named-account territory. */
static credo_status check_rule_shape(const policy_reader *reader, const policy_node *const *values,
                                     const credo_policy_territory *territory)
{
    const policy_node *type = values[3], *match = values[4];
    const policy_node *named = values[5], *excluded = values[6];
    if (match != NULL && type == NULL)
        return policy_fail(reader, match->pos, CREDO_ERR_INVALID,
                           "territory '%s' has a match but no type; add `type: <type id>` or "
                           "remove the match",
                           territory->id);
    if (type == NULL && (named != NULL || excluded != NULL))
        return policy_fail(reader, (named != NULL ? named : excluded)->pos, CREDO_ERR_INVALID,
                           "territory '%s' lists %s but has no type; add `type: <type id>`, "
                           "or move the accounts to a territory with a type",
                           territory->id, named != NULL ? "named_accounts" : "excluded_accounts");
    if (type != NULL && match == NULL && territory->named_count == 0)
        return policy_fail(reader, type->pos, CREDO_ERR_INVALID,
                           "territory '%s' has a type but no match; add `match: <rule>`, "
                           "or named_accounts for a territory of named accounts only",
                           territory->id);
    return CREDO_OK;
}

static credo_status read_territory_lists(const policy_reader *reader, const policy_node *const *values,
                                         credo_policy_territory *territory)
{
    credo_status status = CREDO_OK;
    if (values[5] != NULL)
        status = policy_read_id_list(reader, values[5], "named_accounts", &territory->named_accounts,
                                     &territory->named_count);
    if (status == CREDO_OK && values[6] != NULL)
        status = policy_read_id_list(reader, values[6], "excluded_accounts", &territory->excluded_accounts,
                                     &territory->excluded_count);
    if (status == CREDO_OK && values[7] != NULL)
        status = read_members(reader, values[7], territory);
    return status;
}

static credo_status read_territory(const policy_reader *reader, const policy_node *node,
                                   credo_policy_territory *territory)
{
    static const char *const keys[] = {
        "id", "name", "parent", "type", "match", "named_accounts", "excluded_accounts", "members"};
    const policy_node *values[8];
    credo_status status = policy_read_keys(reader, node, "a territory", keys, 8, values);
    if (status != CREDO_OK)
        return status;

    territory->pos = node->pos;
    territory->parent_index = SIZE_MAX;
    territory->type_index = SIZE_MAX;
    if (values[0] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "territory has no id; add `id: <id>`, for example id: \"1\"");
    status = policy_read_id(reader, values[0], "id", &territory->id);
    if (status == CREDO_OK && values[1] != NULL)
        status = policy_read_text(reader, values[1], "name", &territory->name);
    if (status == CREDO_OK && values[2] != NULL)
        status = policy_read_id(reader, values[2], "parent", &territory->parent_id);
    if (status == CREDO_OK && values[3] != NULL)
        status = policy_read_id(reader, values[3], "type", &territory->type_id);
    if (status == CREDO_OK)
        status = read_territory_lists(reader, values, territory);
    if (status == CREDO_OK)
        status = check_rule_shape(reader, values, territory);
    if (status == CREDO_OK && values[4] != NULL) {
        territory->match_pos = values[4]->pos;
        status = policy_read_match(reader, values[4], territory->id, &territory->match);
    }
    return status;
}

static credo_status read_roles(const policy_reader *reader, const policy_node *list)
{
    credo_policy *policy = reader->policy;
    credo_status status = policy_expect_kind(reader, list, POLICY_NODE_SEQUENCE, "roles");
    if (status == CREDO_OK)
        status = allocate_entries(reader, list, sizeof *policy->roles, (void **)&policy->roles);
    for (size_t i = 0; i < list->count && status == CREDO_OK; i++) {
        policy->role_count++;
        status = read_role(reader, list->items[i], &policy->roles[i]);
    }
    return status;
}

static credo_status read_types(const policy_reader *reader, const policy_node *list)
{
    credo_policy *policy = reader->policy;
    credo_status status = policy_expect_kind(reader, list, POLICY_NODE_SEQUENCE, "types");
    if (status == CREDO_OK)
        status = allocate_entries(reader, list, sizeof *policy->types, (void **)&policy->types);
    for (size_t i = 0; i < list->count && status == CREDO_OK; i++) {
        policy->type_count++;
        status = read_type(reader, list->items[i], &policy->types[i]);
    }
    return status;
}

static credo_status read_territories(const policy_reader *reader, const policy_node *list)
{
    credo_policy *policy = reader->policy;
    credo_status status = policy_expect_kind(reader, list, POLICY_NODE_SEQUENCE, "territories");
    if (status == CREDO_OK)
        status = allocate_entries(reader, list, sizeof *policy->territories, (void **)&policy->territories);
    for (size_t i = 0; i < list->count && status == CREDO_OK; i++) {
        policy->territory_count++;
        status = read_territory(reader, list->items[i], &policy->territories[i]);
    }
    return status;
}

static credo_status read_version(const policy_reader *reader, const policy_node *root,
                                 const policy_node *node)
{
    if (node == NULL)
        return policy_fail(reader, root->pos, CREDO_ERR_INVALID,
                           "missing credo_policy; add `credo_policy: 1` at the top of the file");
    credo_status status = policy_read_int(reader, node, "credo_policy", &reader->policy->version);
    if (status == CREDO_OK && reader->policy->version != 1)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "unsupported credo_policy version %d; this version of credo reads "
                           "version 1",
                           reader->policy->version);
    return status;
}

credo_status policy_build(const policy_reader *reader, const policy_node *root)
{
    static const char *const keys[] = {
        "credo_policy", "name", "roles", "types", "territories", "pipeline", "engagement", "credit",
    };
    if (root == NULL)
        return policy_fail(reader, (credo_policy_pos){1, 1}, CREDO_ERR_INVALID,
                           "the policy is empty; start it with `credo_policy: 1`");
    const policy_node *values[8];
    credo_status status = policy_read_keys(reader, root, "the policy", keys, 8, values);
    if (status == CREDO_OK)
        status = read_version(reader, root, values[0]);
    if (status == CREDO_OK && values[1] != NULL)
        status = policy_read_text(reader, values[1], "name", &reader->policy->name);
    if (status == CREDO_OK && values[2] != NULL)
        status = read_roles(reader, values[2]);
    if (status == CREDO_OK && values[3] != NULL)
        status = read_types(reader, values[3]);
    if (status == CREDO_OK && values[4] != NULL)
        status = read_territories(reader, values[4]);
    if (status == CREDO_OK && values[5] != NULL)
        status = policy_read_pipeline(reader, values[5], &reader->policy->pipeline);
    if (status == CREDO_OK && values[6] != NULL)
        status = policy_read_engagement(reader, values[6], &reader->policy->engagement);
    if (status == CREDO_OK && values[7] != NULL)
        status = policy_read_credit(reader, values[7], &reader->policy->credit);
    return status;
}

/* Rewrites the "line L, column C" of an unclosed '(' or list in the
 * message from the rule's coordinates to the file's. */
static void move_opened_position(const policy_reader *reader, const policy_node *node, credo_expr_error *where)
{
    char rule_text[64], file_text[64];
    snprintf(rule_text, sizeof rule_text, "line %u, column %u", where->opened_line, where->opened_column);
    char *at = strstr(where->message, rule_text);
    if (at == NULL)
        return;
    size_t offset = policy_text_offset(node->text, node->length, where->opened_line, where->opened_column);
    credo_policy_pos opened = policy_scalar_position(reader->lines, node->pos, node->text, node->length, offset);
    snprintf(file_text, sizeof file_text, "line %u, column %u", opened.line, opened.column);

    char rest[sizeof where->message];
    snprintf(rest, sizeof rest, "%s", at + strlen(rule_text));
    size_t head = (size_t)(at - where->message);
    snprintf(at, sizeof where->message - head, "%s%s", file_text, rest);
}

/* Parses the rule and moves an error position from the expression to the
 * file through the scalar's source (see policy_scalar_position). */
credo_status policy_parse_expression(const policy_reader *reader, const policy_node *node, const char *what,
                                     const credo_expr_schema *schema, credo_expr **out,
                                     credo_policy_pos *error_pos, credo_expr_error *where)
{
    *out = NULL;
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, what);
    if (status != CREDO_OK)
        return status;

    memset(where, 0, sizeof *where);
    status = credo_expr_parse(node->text, node->length, schema, out, where, NULL);
    if (status == CREDO_ERR_NOMEM)
        return out_of_memory(reader);
    if (status == CREDO_OK)
        return CREDO_OK;

    size_t offset = policy_text_offset(node->text, node->length, where->line, where->column);
    *error_pos = policy_scalar_position(reader->lines, node->pos, node->text, node->length, offset);
    if (where->opened_line != 0)
        move_opened_position(reader, node, where);
    return status;
}

credo_status policy_read_match(const policy_reader *reader, const policy_node *node, const char *territory_id,
                               credo_expr **out)
{
    credo_policy_pos pos = {0, 0};
    credo_expr_error where;
    credo_status status = policy_parse_expression(reader, node, "match", &credo_account_schema, out, &pos, &where);
    if (status == CREDO_OK || pos.line == 0)
        return status;
    return policy_fail(reader, pos, status,
                       "invalid match of territory '%s': %s; correct the rule (the syntax is "
                       "in the match section of docs/policy.md)",
                       territory_id, where.message);
}
