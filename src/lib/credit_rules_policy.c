/* The credit section of the policy: the credit date, the contribution
 * threshold, the ordered credit rules, roll-up and holds
 * (credo/engagement.h). */
#include "engage_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static credo_status out_of_memory(const policy_reader *reader)
{
    return credo_error_set(reader->err, CREDO_ERR_NOMEM, "%s: out of memory", reader->path);
}

credo_status policy_read_condition(const policy_reader *reader, const policy_node *node, const char *what,
                                   credo_expr **out)
{
    credo_policy_pos pos = {0, 0};
    credo_expr_error where;
    credo_status status = policy_parse_expression(reader, node, what, &credo_deal_schema, out, &pos, &where);
    if (status == CREDO_OK || pos.line == 0)
        return status;
    return policy_fail(reader, pos, status,
                       "invalid %s: %s; correct the condition (its fields are listed in "
                       "docs/engagement.md)",
                       what, where.message);
}

static const struct {
    const char *name;
    credo_credit_role role;
} role_names[] = {
    {"closer", CREDO_ROLE_CLOSER},
    {"registrant", CREDO_ROLE_REGISTRANT},
    {"territory_owner", CREDO_ROLE_TERRITORY_OWNER},
    {"territory_member", CREDO_ROLE_TERRITORY_MEMBER},
    {"deal_team", CREDO_ROLE_DEAL_TEAM},
};

static credo_status read_role(const policy_reader *reader, const policy_node *node, credo_credit_role *out)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, "role");
    if (status != CREDO_OK)
        return status;
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
        if (strcmp(node->text, role_names[i].name) == 0) {
            *out = role_names[i].role;
            return CREDO_OK;
        }
    }
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                       "unknown credit role '%s'; use closer, registrant, territory_owner, "
                       "territory_member or deal_team",
                       node->text);
}

/* Checks that member_role names a role of the policy (roles are read
 * before the sections). */
static credo_status check_member_role(const policy_reader *reader, const policy_node *node, const char *role)
{
    const credo_policy *policy = reader->policy;
    for (size_t i = 0; i < policy->role_count; i++)
        if (strcmp(policy->roles[i].id, role) == 0)
            return CREDO_OK;
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                       "member_role '%s' is not a role of this policy; use one of the ids under roles",
                       role);
}

static credo_status read_share_qualifier(const policy_reader *reader, const policy_node *const *values,
                                         credo_credit_share *share)
{
    const policy_node *member_role = values[2], *team_role = values[3];
    if (member_role != NULL && team_role != NULL)
        return policy_fail(reader, team_role->pos, CREDO_ERR_INVALID,
                           "a share takes member_role or team_role, not both");
    if (member_role != NULL && share->role != CREDO_ROLE_TERRITORY_MEMBER)
        return policy_fail(reader, member_role->pos, CREDO_ERR_INVALID,
                           "member_role applies to role territory_member only; remove it or change "
                           "the role");
    if (team_role != NULL && share->role != CREDO_ROLE_DEAL_TEAM)
        return policy_fail(reader, team_role->pos, CREDO_ERR_INVALID,
                           "team_role applies to role deal_team only; remove it or change the role");
    if (member_role != NULL) {
        credo_status status = policy_read_id(reader, member_role, "member_role", &share->qualifier);
        return status == CREDO_OK ? check_member_role(reader, member_role, share->qualifier) : status;
    }
    if (team_role != NULL)
        return policy_read_id(reader, team_role, "team_role", &share->qualifier);
    return CREDO_OK;
}

static credo_status read_share(const policy_reader *reader, const policy_node *node, credo_credit_share *share)
{
    static const char *const keys[] = {"role", "share", "member_role", "team_role"};
    const policy_node *values[4];
    credo_status status = policy_read_keys(reader, node, "a credit share", keys, 4, values);
    if (status != CREDO_OK)
        return status;

    share->pos = node->pos;
    if (values[0] == NULL || values[1] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "credit share has no %s; write {role: closer, share: 100%%}",
                           values[0] == NULL ? "role" : "share");
    status = read_role(reader, values[0], &share->role);
    if (status == CREDO_OK)
        status = policy_read_share(reader, values[1], "share", &share->share);
    if (status == CREDO_OK && share->share == 0)
        return policy_fail(reader, values[1]->pos, CREDO_ERR_INVALID,
                           "share 0%% gives nothing; remove the entry or give it a share above 0%%");
    if (status == CREDO_OK)
        status = read_share_qualifier(reader, values, share);
    return status;
}

static credo_status read_shares(const policy_reader *reader, const policy_node *list, const char *what,
                                credo_credit_share **out, size_t *count)
{
    credo_status status = policy_expect_kind(reader, list, POLICY_NODE_SEQUENCE, what);
    if (status != CREDO_OK)
        return status;
    if (list->count == 0)
        return CREDO_OK;
    *out = calloc(list->count, sizeof **out);
    if (*out == NULL)
        return out_of_memory(reader);
    for (size_t i = 0; i < list->count && status == CREDO_OK; i++) {
        (*count)++;
        status = read_share(reader, list->items[i], &(*out)[i]);
    }
    return status;
}

/* Revenue shares must sum to exactly 100%, so that revenue credit sums to
 * the deal amount. */
static credo_status check_revenue_sum(const policy_reader *reader, const policy_node *list,
                                      const credo_credit_rule *rule)
{
    int64_t total = 0;
    for (size_t i = 0; i < rule->revenue_count; i++)
        total += rule->revenue[i].share;
    if (rule->revenue_count == 0)
        return policy_fail(reader, list->pos, CREDO_ERR_INVALID,
                           "credit rule '%s' has no revenue shares; list at least {role: closer, share: "
                           "100%%}",
                           rule->id);
    if (total != CREDO_BP_WHOLE)
        return policy_fail(reader, list->pos, CREDO_ERR_INVALID,
                           "revenue shares of credit rule '%s' sum to %lld.%02lld%%, not 100%%; revenue "
                           "credit must add up to the deal amount, so correct the shares",
                           rule->id, (long long)(total / 100), (long long)(total % 100));
    return CREDO_OK;
}

static credo_status read_rule(const policy_reader *reader, const policy_node *node, credo_credit_rule *rule)
{
    static const char *const keys[] = {"id", "when", "revenue", "overlay"};
    const policy_node *values[4];
    credo_status status = policy_read_keys(reader, node, "a credit rule", keys, 4, values);
    if (status != CREDO_OK)
        return status;

    rule->pos = node->pos;
    if (values[0] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "credit rule has no id; add `id: <name>`, for example id: partner-sourced");
    if (values[2] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "credit rule has no revenue; add `revenue: [{role: closer, share: 100%%}]`");
    status = policy_read_id(reader, values[0], "id", &rule->id);
    if (status == CREDO_OK && values[1] != NULL) {
        char what[256];
        snprintf(what, sizeof what, "when of credit rule '%s'", rule->id);
        rule->when_pos = values[1]->pos;
        status = policy_read_condition(reader, values[1], what, &rule->when);
    }
    if (status == CREDO_OK)
        status = read_shares(reader, values[2], "revenue", &rule->revenue, &rule->revenue_count);
    if (status == CREDO_OK)
        status = check_revenue_sum(reader, values[2], rule);
    if (status == CREDO_OK && values[3] != NULL)
        status = read_shares(reader, values[3], "overlay", &rule->overlay, &rule->overlay_count);
    return status;
}

static credo_status check_rule_ids(const policy_reader *reader, const policy_node *list,
                                   const credo_credit_policy *credit)
{
    for (size_t i = 0; i < credit->rule_count; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(credit->rules[i].id, credit->rules[j].id) == 0)
                return policy_fail(reader, list->items[i]->pos, CREDO_ERR_INVALID,
                                   "duplicate credit rule id '%s' (first on line %u); rename one",
                                   credit->rules[i].id, credit->rules[j].pos.line);
    return CREDO_OK;
}

static credo_status read_rules(const policy_reader *reader, const policy_node *list, credo_credit_policy *credit)
{
    credo_status status = policy_expect_kind(reader, list, POLICY_NODE_SEQUENCE, "rules");
    if (status != CREDO_OK || list->count == 0)
        return status;
    credit->rules = calloc(list->count, sizeof *credit->rules);
    if (credit->rules == NULL)
        return out_of_memory(reader);
    for (size_t i = 0; i < list->count && status == CREDO_OK; i++) {
        credit->rule_count++;
        status = read_rule(reader, list->items[i], &credit->rules[i]);
    }
    return status == CREDO_OK ? check_rule_ids(reader, list, credit) : status;
}

static credo_status read_weights(const policy_reader *reader, const policy_node *map, credo_credit_policy *credit)
{
    credo_status status = policy_expect_kind(reader, map, POLICY_NODE_MAPPING, "weights");
    if (status != CREDO_OK || map->count == 0)
        return status;
    size_t count = map->count / 2;
    credit->weights = calloc(count, sizeof *credit->weights);
    if (credit->weights == NULL)
        return out_of_memory(reader);
    for (size_t i = 0; i < count && status == CREDO_OK; i++) {
        const policy_node *key = map->items[2 * i], *value = map->items[2 * i + 1];
        credo_activity_weight *weight = &credit->weights[i];
        credit->weight_count++;
        status = policy_read_id(reader, key, "an activity type", &weight->type);
        if (status == CREDO_OK)
            status = policy_read_int(reader, value, "weight", &weight->points);
        if (status == CREDO_OK && (weight->points < 0 || weight->points > 1000000))
            return policy_fail(reader, value->pos, CREDO_ERR_INVALID,
                               "weight %d of activity type '%s' is out of range; use 0 to 1000000",
                               weight->points, weight->type);
        for (size_t j = 0; j < i && status == CREDO_OK; j++)
            if (strcmp(credit->weights[j].type, weight->type) == 0)
                return policy_fail(reader, key->pos, CREDO_ERR_INVALID,
                                   "activity type '%s' has two weights; keep one", weight->type);
    }
    return status;
}

static credo_status read_contribution(const policy_reader *reader, const policy_node *node,
                                      credo_credit_policy *credit)
{
    static const char *const keys[] = {"weights", "minimum_points"};
    const policy_node *values[2];
    credo_status status = policy_read_keys(reader, node, "contribution", keys, 2, values);
    if (status != CREDO_OK)
        return status;
    if (values[0] == NULL || values[1] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "contribution has no %s; write weights: {email: 1, meeting: 3} and "
                           "minimum_points: 4",
                           values[0] == NULL ? "weights" : "minimum_points");
    status = read_weights(reader, values[0], credit);
    if (status == CREDO_OK)
        status = policy_read_int(reader, values[1], "minimum_points", &credit->minimum_points);
    if (status == CREDO_OK && (credit->minimum_points < 1 || credit->minimum_points > 1000000000))
        return policy_fail(reader, values[1]->pos, CREDO_ERR_INVALID,
                           "minimum_points %d is out of range; use 1 to 1000000000, or remove the "
                           "contribution section for no threshold",
                           credit->minimum_points);
    return status;
}

static credo_status read_hold(const policy_reader *reader, const policy_node *node, credo_credit_hold *hold)
{
    static const char *const keys[] = {"when", "release", "released_when"};
    const policy_node *values[3];
    credo_status status = policy_read_keys(reader, node, "a hold", keys, 3, values);
    if (status != CREDO_OK)
        return status;
    hold->pos = node->pos;
    if (values[0] == NULL || values[1] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "hold has no %s; write when: <condition> and release: <text shown to reps>",
                           values[0] == NULL ? "when" : "release");
    status = policy_read_condition(reader, values[0], "when of a hold", &hold->when);
    if (status == CREDO_OK)
        status = policy_read_text(reader, values[1], "release", &hold->release);
    if (status == CREDO_OK && values[2] != NULL)
        status = policy_read_condition(reader, values[2], "released_when of a hold", &hold->released_when);
    return status;
}

static credo_status read_holds(const policy_reader *reader, const policy_node *list, credo_credit_policy *credit)
{
    credo_status status = policy_expect_kind(reader, list, POLICY_NODE_SEQUENCE, "holds");
    if (status != CREDO_OK || list->count == 0)
        return status;
    credit->holds = calloc(list->count, sizeof *credit->holds);
    if (credit->holds == NULL)
        return out_of_memory(reader);
    for (size_t i = 0; i < list->count && status == CREDO_OK; i++) {
        credit->hold_count++;
        status = read_hold(reader, list->items[i], &credit->holds[i]);
    }
    return status;
}

static credo_status read_credit_date(const policy_reader *reader, const policy_node *node,
                                     credo_credit_date_kind *out)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, "credit_date");
    if (status != CREDO_OK)
        return status;
    if (strcmp(node->text, "close_date") == 0)
        *out = CREDO_CREDIT_DATE_CLOSE;
    else if (strcmp(node->text, "created") == 0)
        *out = CREDO_CREDIT_DATE_CREATED;
    else
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "unknown credit_date '%s'; use close_date or created", node->text);
    return CREDO_OK;
}

static credo_status read_credit_keys(const policy_reader *reader, const policy_node *const *values,
                                     credo_credit_policy *credit)
{
    credo_status status = CREDO_OK;
    if (values[0] != NULL)
        status = read_credit_date(reader, values[0], &credit->credit_date);
    if (status == CREDO_OK && values[1] != NULL)
        status = read_contribution(reader, values[1], credit);
    if (status == CREDO_OK && values[2] != NULL)
        status = read_rules(reader, values[2], credit);
    if (status == CREDO_OK && values[3] != NULL)
        status = policy_read_bool(reader, values[3], "rollup", &credit->rollup);
    if (status == CREDO_OK && values[4] != NULL)
        status = read_holds(reader, values[4], credit);
    return status;
}

credo_status policy_read_credit(const policy_reader *reader, const policy_node *node,
                                credo_credit_policy **out)
{
    static const char *const keys[] = {"credit_date", "contribution", "rules", "rollup", "holds"};
    const policy_node *values[5];
    *out = NULL;
    credo_status status = policy_read_keys(reader, node, "the credit section", keys, 5, values);
    if (status != CREDO_OK)
        return status;

    credo_credit_policy *credit = calloc(1, sizeof *credit);
    if (credit == NULL)
        return out_of_memory(reader);
    credit->pos = node->pos;
    status = read_credit_keys(reader, values, credit);
    if (status != CREDO_OK) {
        policy_credit_free(credit);
        return status;
    }
    *out = credit;
    return CREDO_OK;
}

static void free_shares(credo_credit_share *shares, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(shares[i].qualifier);
    free(shares);
}

void policy_credit_free(credo_credit_policy *credit)
{
    if (credit == NULL)
        return;
    for (size_t i = 0; i < credit->rule_count; i++) {
        credo_credit_rule *rule = &credit->rules[i];
        free(rule->id);
        credo_expr_free(rule->when);
        free_shares(rule->revenue, rule->revenue_count);
        free_shares(rule->overlay, rule->overlay_count);
    }
    free(credit->rules);
    for (size_t i = 0; i < credit->weight_count; i++)
        free(credit->weights[i].type);
    free(credit->weights);
    for (size_t i = 0; i < credit->hold_count; i++) {
        credo_expr_free(credit->holds[i].when);
        free(credit->holds[i].release);
        credo_expr_free(credit->holds[i].released_when);
    }
    free(credit->holds);
    free(credit);
}
