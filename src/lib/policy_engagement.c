/* The engagement section of the policy: registration protection, partner
 * deals, holdover and out-of-territory deals (credo/engagement.h). The
 * credit section is read in credit_rules_policy.c. */
#include "engage_internal.h"

#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"

static credo_status out_of_memory(const policy_reader *reader)
{
    return credo_error_set(reader->err, CREDO_ERR_NOMEM, "%s: out of memory", reader->path);
}

credo_status policy_read_share(const policy_reader *reader, const policy_node *node, const char *key,
                               credo_bp *out)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, key);
    if (status != CREDO_OK)
        return status;

    int64_t value = 0;
    credo_error detail;
    bool has_sign = node->length > 1 && node->text[node->length - 1] == '%';
    if (!has_sign || credo_parse_decimal(node->text, node->length - 1, 2, &value, &detail) != CREDO_OK)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "%s must be a percentage such as 20%% or 33.33%%, found '%s'; write a "
                           "number with at most two decimals followed by %%",
                           key, node->text);
    if (value < 0 || value > CREDO_BP_WHOLE)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "%s %s is out of range; use a share from 0%% to 100%%", key, node->text);
    *out = (credo_bp)value;
    return CREDO_OK;
}

void policy_free_text_list(char **items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(items[i]);
    free(items);
}

credo_status policy_read_text_list(const policy_reader *reader, const policy_node *node, const char *key,
                                   char ***out, size_t *count)
{
    /* The id reader already rejects empty and NUL-containing entries,
     * which no stage or source may be either. */
    return policy_read_id_list(reader, node, key, out, count);
}

static credo_status read_days(const policy_reader *reader, const policy_node *node, const char *key,
                              int *out)
{
    credo_status status = policy_read_int(reader, node, key, out);
    if (status == CREDO_OK && (*out < 1 || *out > CREDO_ENGAGEMENT_MAX_DAYS))
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "%s %d is out of range; use a number of days from 1 to %d", key, *out,
                           CREDO_ENGAGEMENT_MAX_DAYS);
    return status;
}

static credo_status read_applies_when(const policy_reader *reader, const policy_node *node,
                                      unsigned *out)
{
    char **words = NULL;
    size_t count = 0;
    credo_status status = policy_read_text_list(reader, node, "applies_when", &words, &count);
    *out = 0;
    for (size_t i = 0; i < count && status == CREDO_OK; i++) {
        if (strcmp(words[i], "unassigned") == 0)
            *out |= CREDO_PROTECT_UNASSIGNED;
        else if (strcmp(words[i], "owner_inactive") == 0)
            *out |= CREDO_PROTECT_OWNER_INACTIVE;
        else
            status = policy_fail(reader, node->items[i]->pos, CREDO_ERR_INVALID,
                                 "unknown protection condition '%s' in applies_when; use unassigned, "
                                 "owner_inactive or both",
                                 words[i]);
    }
    if (status == CREDO_OK && count == 0)
        status = policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                             "applies_when is empty, so no registration could win protection; list "
                             "unassigned, owner_inactive or both");
    policy_free_text_list(words, count);
    return status;
}

static credo_status read_registration(const policy_reader *reader, const policy_node *node,
                                      credo_registration_policy *registration)
{
    static const char *const keys[] = {"protection_days", "applies_when", "inactive_days"};
    const policy_node *values[3];
    credo_status status = policy_read_keys(reader, node, "registration", keys, 3, values);
    if (status != CREDO_OK)
        return status;

    registration->enabled = true;
    registration->pos = node->pos;
    registration->applies_when = CREDO_PROTECT_UNASSIGNED | CREDO_PROTECT_OWNER_INACTIVE;
    registration->inactive_days = 90;
    if (values[0] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "registration has no protection_days; add `protection_days: <days>`, "
                           "for example protection_days: 90");
    status = read_days(reader, values[0], "protection_days", &registration->protection_days);
    if (status == CREDO_OK && values[1] != NULL)
        status = read_applies_when(reader, values[1], &registration->applies_when);
    if (status == CREDO_OK && values[2] != NULL)
        status = read_days(reader, values[2], "inactive_days", &registration->inactive_days);
    return status;
}

static credo_status read_partner_owner(const policy_reader *reader, const policy_node *node,
                                       credo_partner_owner *out)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, "owner");
    if (status != CREDO_OK)
        return status;
    if (strcmp(node->text, "registrant") == 0)
        *out = CREDO_PARTNER_OWNER_REGISTRANT;
    else if (strcmp(node->text, "territory_owner") == 0)
        *out = CREDO_PARTNER_OWNER_TERRITORY_OWNER;
    else
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "unknown partner owner '%s'; use registrant or territory_owner", node->text);
    return CREDO_OK;
}

static credo_status read_partner(const policy_reader *reader, const policy_node *node,
                                 credo_partner_policy *partner)
{
    static const char *const keys[] = {"sources", "owner", "sourcing_share"};
    const policy_node *values[3];
    credo_status status = policy_read_keys(reader, node, "partner", keys, 3, values);
    if (status != CREDO_OK)
        return status;

    partner->enabled = true;
    partner->pos = node->pos;
    if (values[0] != NULL) {
        status = policy_read_text_list(reader, values[0], "sources", &partner->sources, &partner->source_count);
    } else {
        partner->sources = calloc(1, sizeof *partner->sources);
        if (partner->sources == NULL || (partner->sources[0] = strdup("partner")) == NULL)
            return out_of_memory(reader);
        partner->source_count = 1;
    }
    if (status == CREDO_OK && values[1] != NULL)
        status = read_partner_owner(reader, values[1], &partner->owner);
    if (status == CREDO_OK && values[2] != NULL)
        status = policy_read_share(reader, values[2], "sourcing_share", &partner->sourcing_share);
    return status;
}

static credo_status find_stage(const policy_reader *reader, const policy_node *node,
                               credo_holdover_policy *holdover)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, "keep_from");
    if (status != CREDO_OK)
        return status;
    for (size_t i = 0; i < holdover->stage_count; i++) {
        if (strcmp(holdover->stages[i], node->text) == 0) {
            holdover->keep_from = i;
            return CREDO_OK;
        }
    }
    const char *closest = policy_closest(node->text, (const char *const *)holdover->stages, holdover->stage_count);
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                       "keep_from '%s' is not one of the holdover stages%s%s%s; name a stage from the "
                       "stages list",
                       node->text, closest != NULL ? " (did you mean '" : "", closest != NULL ? closest : "",
                       closest != NULL ? "'?)" : "");
}

static credo_status read_holdover(const policy_reader *reader, const policy_node *node,
                                  credo_holdover_policy *holdover)
{
    static const char *const keys[] = {"stages", "keep_from"};
    const policy_node *values[2];
    credo_status status = policy_read_keys(reader, node, "holdover", keys, 2, values);
    if (status != CREDO_OK)
        return status;

    holdover->enabled = true;
    holdover->pos = node->pos;
    if (values[0] == NULL || values[1] == NULL)
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "holdover has no %s; add `stages: [...]` (earliest first) and `keep_from: "
                           "<stage>`",
                           values[0] == NULL ? "stages" : "keep_from");
    status = policy_read_text_list(reader, values[0], "stages", &holdover->stages, &holdover->stage_count);
    if (status == CREDO_OK && holdover->stage_count == 0)
        return policy_fail(reader, values[0]->pos, CREDO_ERR_INVALID,
                           "holdover stages is empty; list the pipeline's stages, earliest first");
    for (size_t i = 0; i < holdover->stage_count && status == CREDO_OK; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(holdover->stages[i], holdover->stages[j]) == 0)
                return policy_fail(reader, values[0]->items[i]->pos, CREDO_ERR_INVALID,
                                   "stage '%s' is listed twice in holdover stages; remove one",
                                   holdover->stages[i]);
    if (status == CREDO_OK)
        status = find_stage(reader, values[1], holdover);
    return status;
}

static credo_status read_out_of_territory(const policy_reader *reader, const policy_node *node,
                                          credo_out_of_territory_owner *out)
{
    credo_status status = policy_expect_kind(reader, node, POLICY_NODE_SCALAR, "out_of_territory");
    if (status != CREDO_OK)
        return status;
    if (strcmp(node->text, "recorded_owner") == 0)
        *out = CREDO_OUT_OF_TERRITORY_RECORDED;
    else if (strcmp(node->text, "territory_owner") == 0)
        *out = CREDO_OUT_OF_TERRITORY_TERRITORY_OWNER;
    else
        return policy_fail(reader, node->pos, CREDO_ERR_INVALID,
                           "unknown out_of_territory owner '%s'; use recorded_owner or territory_owner",
                           node->text);
    return CREDO_OK;
}

credo_status policy_read_engagement(const policy_reader *reader, const policy_node *node,
                                    credo_engagement_policy **out)
{
    static const char *const keys[] = {"registration", "partner", "holdover", "out_of_territory"};
    const policy_node *values[4];
    *out = NULL;
    credo_status status = policy_read_keys(reader, node, "the engagement section", keys, 4, values);
    if (status != CREDO_OK)
        return status;

    credo_engagement_policy *engagement = calloc(1, sizeof *engagement);
    if (engagement == NULL)
        return out_of_memory(reader);
    engagement->pos = node->pos;
    if (values[0] != NULL)
        status = read_registration(reader, values[0], &engagement->registration);
    if (status == CREDO_OK && values[1] != NULL)
        status = read_partner(reader, values[1], &engagement->partner);
    if (status == CREDO_OK && values[2] != NULL)
        status = read_holdover(reader, values[2], &engagement->holdover);
    if (status == CREDO_OK && values[3] != NULL)
        status = read_out_of_territory(reader, values[3], &engagement->out_of_territory);
    if (status != CREDO_OK) {
        policy_engagement_free(engagement);
        return status;
    }
    *out = engagement;
    return CREDO_OK;
}

void policy_engagement_free(credo_engagement_policy *engagement)
{
    if (engagement == NULL)
        return;
    policy_free_text_list(engagement->partner.sources, engagement->partner.source_count);
    policy_free_text_list(engagement->holdover.stages, engagement->holdover.stage_count);
    free(engagement);
}
