/* A policy bound to one snapshot. */
#include "policy_binding.h"

#include <stdlib.h>
#include <string.h>

#include "account_fields.h"

static int compare_pairs(const void *a, const void *b)
{
    const credo_listed_pair *left = a, *right = b;
    if (left->account != right->account)
        return left->account < right->account ? -1 : 1;
    if (left->territory != right->territory)
        return left->territory < right->territory ? -1 : 1;
    return 0;
}

/* Collects the (row, territory) pairs of the named or excluded lists. Ids
 * not in the snapshot are skipped here; `credo check` reports them. */
static credo_status collect_listed(const credo_snapshot *snapshot, const credo_policy *policy,
                                   bool excluded, credo_listed_pair **out, size_t *out_count,
                                   credo_error *err)
{
    size_t total = 0;
    for (size_t t = 0; t < policy->territory_count; t++)
        total += excluded ? policy->territories[t].excluded_count : policy->territories[t].named_count;

    credo_listed_pair *pairs = malloc((total == 0 ? 1 : total) * sizeof *pairs);
    if (pairs == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing named accounts");

    size_t count = 0;
    for (size_t t = 0; t < policy->territory_count; t++) {
        const credo_policy_territory *territory = &policy->territories[t];
        char **ids = excluded ? territory->excluded_accounts : territory->named_accounts;
        size_t id_count = excluded ? territory->excluded_count : territory->named_count;
        for (size_t i = 0; i < id_count; i++) {
            credo_str id = credo_strpool_find(snapshot->strings, ids[i], strlen(ids[i]));
            uint32_t row = credo_snapshot_find_account(snapshot, id);
            if (row != CREDO_NO_ROW)
                pairs[count++] = (credo_listed_pair){row, (uint32_t)t};
        }
    }
    qsort(pairs, count, sizeof *pairs, compare_pairs);
    *out = pairs;
    *out_count = count;
    return CREDO_OK;
}

/* A territory's id beside its index, so that plain qsort can rank them. */
typedef struct territory_key {
    const char *id;
    uint32_t index;
} territory_key;

static int compare_territory_keys(const void *a, const void *b)
{
    return strcmp(((const territory_key *)a)->id, ((const territory_key *)b)->id);
}

/* Ranks territories by id, for listing ties in a stable order. */
static credo_status rank_territories(const credo_policy *policy, uint32_t **out, credo_error *err)
{
    size_t count = policy->territory_count;
    territory_key *keys = malloc((count == 0 ? 1 : count) * sizeof *keys);
    uint32_t *rank = malloc((count == 0 ? 1 : count) * sizeof *rank);
    if (keys == NULL || rank == NULL) {
        free(keys);
        free(rank);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory ranking territories");
    }
    for (size_t t = 0; t < count; t++)
        keys[t] = (territory_key){policy->territories[t].id, (uint32_t)t};
    qsort(keys, count, sizeof *keys, compare_territory_keys);
    for (size_t r = 0; r < count; r++)
        rank[keys[r].index] = (uint32_t)r;
    free(keys);
    *out = rank;
    return CREDO_OK;
}

credo_status credo_policy_bind(const credo_snapshot *snapshot, const credo_policy *policy,
                               credo_policy_binding *out, credo_error *err)
{
    memset(out, 0, sizeof *out);
    out->snapshot = snapshot;
    out->policy = policy;

    size_t count = policy->territory_count;
    out->custom_columns = calloc(count == 0 ? 1 : count, sizeof *out->custom_columns);
    if (out->custom_columns == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory binding the policy");

    for (size_t t = 0; t < count; t++) {
        const credo_expr *match = policy->territories[t].match;
        if (match == NULL)
            continue;
        bool failed;
        out->custom_columns[t] = credo_account_custom_columns(snapshot, match, &failed);
        if (failed) {
            credo_policy_binding_free(out);
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory binding the policy");
        }
    }

    credo_status status = collect_listed(snapshot, policy, false, &out->named, &out->named_count, err);
    if (status == CREDO_OK)
        status = collect_listed(snapshot, policy, true, &out->excluded, &out->excluded_count, err);
    if (status == CREDO_OK)
        status = rank_territories(policy, &out->rank_by_id, err);
    if (status != CREDO_OK)
        credo_policy_binding_free(out);
    return status;
}

void credo_policy_binding_free(credo_policy_binding *binding)
{
    if (binding == NULL)
        return;
    if (binding->custom_columns != NULL) {
        for (size_t t = 0; t < binding->policy->territory_count; t++)
            free((void *)binding->custom_columns[t]);
        free(binding->custom_columns);
    }
    free(binding->named);
    free(binding->excluded);
    free(binding->rank_by_id);
    memset(binding, 0, sizeof *binding);
}

static bool find_pair(const credo_listed_pair *pairs, size_t count, uint32_t account, uint32_t territory)
{
    const credo_listed_pair key = {account, territory};
    return count > 0 && bsearch(&key, pairs, count, sizeof key, compare_pairs) != NULL;
}

bool credo_binding_is_named(const credo_policy_binding *binding, uint32_t account, uint32_t territory)
{
    return find_pair(binding->named, binding->named_count, account, territory);
}

bool credo_binding_is_excluded(const credo_policy_binding *binding, uint32_t account, uint32_t territory)
{
    return find_pair(binding->excluded, binding->excluded_count, account, territory);
}

bool credo_binding_matches(const credo_policy_binding *binding, uint32_t account, uint32_t territory,
                           credo_buf *explanation, int indent)
{
    const credo_policy_territory *rule = &binding->policy->territories[territory];

    if (credo_binding_is_named(binding, account, territory)) {
        if (explanation != NULL)
            credo_buf_printf(explanation, "%*snamed account of territory %s (%s:%u)\n", indent, "",
                             rule->id, binding->policy->path, rule->pos.line);
        return true;
    }
    if (credo_binding_is_excluded(binding, account, territory)) {
        if (explanation != NULL)
            credo_buf_printf(explanation, "%*sexcluded account of territory %s (%s:%u)\n", indent,
                             "", rule->id, binding->policy->path, rule->pos.line);
        return false;
    }
    if (rule->match == NULL)
        return false;

    const credo_account_row_ref row = {
        binding->snapshot, account, binding->custom_columns[territory],
        credo_expr_custom_count(rule->match),
    };
    if (explanation == NULL)
        return credo_expr_eval(rule->match, credo_account_field_get, &row);
    return credo_expr_explain(rule->match, credo_account_field_get, &row, credo_account_field_names,
                              indent, explanation);
}
