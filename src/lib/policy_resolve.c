/* Links a parsed policy: unique ids, role, type and parent references, and
 * a parent hierarchy without cycles. */
#include "policy_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credo/buf.h"

/* One id of a sorted index; index is the element's position in its array. */
typedef struct id_entry {
    const char *id;
    size_t index;
    credo_policy_pos pos;
} id_entry;

typedef struct id_index {
    id_entry *entries;
    size_t count;
} id_index;

static int compare_entries(const void *a, const void *b)
{
    const id_entry *left = a, *right = b;
    int order = strcmp(left->id, right->id);
    if (order != 0)
        return order;
    return left->index < right->index ? -1 : left->index > right->index;
}

static int compare_key(const void *key, const void *entry)
{
    return strcmp(key, ((const id_entry *)entry)->id);
}

static size_t index_find(const id_index *index, const char *id)
{
    const id_entry *found = bsearch(id, index->entries, index->count, sizeof *index->entries, compare_key);
    return found == NULL ? SIZE_MAX : found->index;
}

static const char *index_closest(const id_index *index, const char *id)
{
    const char *best = NULL;
    size_t best_distance = 3;
    for (size_t i = 0; i < index->count; i++) {
        size_t distance = policy_edit_distance(id, index->entries[i].id, 2);
        if (distance < best_distance) {
            best = index->entries[i].id;
            best_distance = distance;
        }
    }
    return best;
}

/* Sorts the entries and rejects a repeated id, reporting the repeat that
 * comes first in the file. */
static credo_status index_sort(const policy_reader *reader, id_index *index, const char *kind)
{
    id_entry *entries = index->entries;
    if (index->count == 0)
        return CREDO_OK;
    qsort(entries, index->count, sizeof *entries, compare_entries);

    const id_entry *repeat = NULL, *first = NULL;
    for (size_t i = 1; i < index->count; i++) {
        if (strcmp(entries[i].id, entries[i - 1].id) != 0)
            continue;
        size_t start = i - 1;
        while (start > 0 && strcmp(entries[start - 1].id, entries[i].id) == 0)
            start--;
        if (repeat == NULL || entries[i].index < repeat->index) {
            repeat = &entries[i];
            first = &entries[start];
        }
    }
    if (repeat == NULL)
        return CREDO_OK;
    return policy_fail(reader, repeat->pos, CREDO_ERR_INVALID,
                       "duplicate %s id '%s' (first defined on line %u); give each %s its "
                       "own id",
                       kind, repeat->id, first->pos.line, kind);
}

/* Returns the value node of key in a mapping node, or NULL. */
static const policy_node *node_get(const policy_node *map, const char *key)
{
    if (map == NULL || map->kind != POLICY_NODE_MAPPING)
        return NULL;
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        if (strcmp(map->items[i]->text, key) == 0)
            return map->items[i + 1];
    }
    return NULL;
}

/* Returns the position of the value of key in map, or the map's own. */
static credo_policy_pos value_pos(const policy_node *map, const char *key)
{
    const policy_node *value = node_get(map, key);
    return value != NULL ? value->pos : map->pos;
}

static credo_status unknown_reference(const policy_reader *reader, credo_policy_pos pos,
                                      const id_index *index, const char *kind, const char *id,
                                      const char *section)
{
    const char *suggestion = index_closest(index, id);
    if (suggestion != NULL)
        return policy_fail(reader, pos, CREDO_ERR_NOT_FOUND,
                           "unknown %s '%s'; did you mean '%s'? Define every %s under %s", kind, id,
                           suggestion, kind, section);
    return policy_fail(reader, pos, CREDO_ERR_NOT_FOUND,
                       "unknown %s '%s'; define it under %s or correct the id", kind, id, section);
}

typedef struct policy_indexes {
    id_index roles, types, territories;
} policy_indexes;

/* Fills the three indexes, which the caller frees also on failure. */
static credo_status build_indexes(const policy_reader *reader, policy_indexes *indexes)
{
    const credo_policy *policy = reader->policy;
    id_entry *roles = calloc(policy->role_count + 1, sizeof *roles);
    id_entry *types = calloc(policy->type_count + 1, sizeof *types);
    id_entry *territories = calloc(policy->territory_count + 1, sizeof *territories);
    indexes->roles = (id_index){roles, policy->role_count};
    indexes->types = (id_index){types, policy->type_count};
    indexes->territories = (id_index){territories, policy->territory_count};
    if (roles == NULL || types == NULL || territories == NULL)
        return credo_error_set(reader->err, CREDO_ERR_NOMEM, "%s: out of memory", reader->path);

    for (size_t i = 0; i < policy->role_count; i++)
        roles[i] = (id_entry){policy->roles[i].id, i, policy->roles[i].pos};
    for (size_t i = 0; i < policy->type_count; i++)
        types[i] = (id_entry){policy->types[i].id, i, policy->types[i].pos};
    for (size_t i = 0; i < policy->territory_count; i++)
        territories[i] = (id_entry){policy->territories[i].id, i, policy->territories[i].pos};

    credo_status status = index_sort(reader, &indexes->roles, "role");
    if (status == CREDO_OK)
        status = index_sort(reader, &indexes->types, "type");
    if (status == CREDO_OK)
        status = index_sort(reader, &indexes->territories, "territory");
    return status;
}

static credo_status link_territory(const policy_reader *reader, const policy_indexes *indexes,
                                   const policy_node *node, credo_policy_territory *territory)
{
    if (territory->type_id != NULL) {
        territory->type_index = index_find(&indexes->types, territory->type_id);
        if (territory->type_index == SIZE_MAX)
            return unknown_reference(reader, value_pos(node, "type"), &indexes->types, "type",
                                     territory->type_id, "types");
    }
    if (territory->parent_id != NULL) {
        territory->parent_index = index_find(&indexes->territories, territory->parent_id);
        if (territory->parent_index == SIZE_MAX)
            return unknown_reference(reader, value_pos(node, "parent"), &indexes->territories,
                                     "parent territory", territory->parent_id, "territories");
    }

    const policy_node *members = node_get(node, "members");
    for (size_t m = 0; m < territory->member_count; m++) {
        credo_policy_member *member = &territory->members[m];
        member->role_index = index_find(&indexes->roles, member->role_id);
        if (member->role_index == SIZE_MAX)
            return unknown_reference(reader, value_pos(members->items[m], "role"), &indexes->roles, "role",
                                     member->role_id, "roles");
    }
    return CREDO_OK;
}

/* Territories named at each end of a long cycle's description, so that
 * the message stays within an error's length and keeps its advice. */
#define CYCLE_SHOWN_AT_EACH_END 4

/* Builds "a -> b -> a" for the cycle through territory `start`. A cycle of
 * more than 2 * CYCLE_SHOWN_AT_EACH_END territories is shortened to its
 * first and last few with "-> ... (N more) ->" between them. */
static void describe_cycle(const credo_policy *policy, size_t start, credo_buf *text)
{
    size_t length = 0;
    size_t t = start;
    do {
        length++;
        t = policy->territories[t].parent_index;
    } while (t != start);

    size_t step = 0;
    t = start;
    do {
        bool named = length <= 2 * CYCLE_SHOWN_AT_EACH_END || step < CYCLE_SHOWN_AT_EACH_END ||
                     step >= length - CYCLE_SHOWN_AT_EACH_END;
        if (named)
            credo_buf_printf(text, "%s -> ", policy->territories[t].id);
        else if (step == CYCLE_SHOWN_AT_EACH_END)
            credo_buf_printf(text, "... (%zu more) -> ", length - 2 * CYCLE_SHOWN_AT_EACH_END);
        step++;
        t = policy->territories[t].parent_index;
    } while (t != start);
    credo_buf_puts(text, policy->territories[start].id);
}

/* Follows parent links from each territory, stamping the territories of
 * the current walk; reaching a territory stamped by the same walk closes a
 * cycle. Each territory is walked once, so the check is linear. */
static credo_status check_cycles(const policy_reader *reader, const policy_node *list)
{
    const credo_policy *policy = reader->policy;
    size_t *walk = calloc(policy->territory_count + 1, sizeof *walk);
    if (walk == NULL)
        return credo_error_set(reader->err, CREDO_ERR_NOMEM, "%s: out of memory", reader->path);

    credo_status status = CREDO_OK;
    for (size_t s = 0; s < policy->territory_count && status == CREDO_OK; s++) {
        size_t t = s;
        while (t != SIZE_MAX && walk[t] == 0) {
            walk[t] = s + 1;
            t = policy->territories[t].parent_index;
        }
        if (t == SIZE_MAX || walk[t] != s + 1)
            continue;

        /* Start the description at the cycle's first territory in the file. */
        size_t first = t;
        for (size_t u = policy->territories[t].parent_index; u != t; u = policy->territories[u].parent_index)
            first = u < first ? u : first;
        credo_buf text = CREDO_BUF_INIT;
        describe_cycle(policy, first, &text);
        status = policy_fail(reader, value_pos(list->items[first], "parent"), CREDO_ERR_INVALID,
                             "territory parents form a cycle: %s; remove or change one of "
                             "these parent links",
                             credo_buf_text(&text));
        credo_buf_free(&text);
    }
    free(walk);
    return status;
}

credo_status policy_resolve(const policy_reader *reader, const policy_node *root)
{
    policy_indexes indexes = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
    credo_status status = build_indexes(reader, &indexes);
    const policy_node *list = node_get(root, "territories");
    credo_policy *policy = reader->policy;
    for (size_t i = 0; i < policy->territory_count && status == CREDO_OK; i++)
        status = link_territory(reader, &indexes, list->items[i], &policy->territories[i]);
    if (status == CREDO_OK && policy->territory_count > 0)
        status = check_cycles(reader, list);

    free(indexes.roles.entries);
    free(indexes.types.entries);
    free(indexes.territories.entries);
    return status;
}
