/* The engagement and credit sections of the policy. */
#include "policy_internal.h"

#include <stdlib.h>

/* TODO: rules of engagement and credit rules are not read yet; the
 * sections are rejected so that nobody relies on rules that are ignored. */
struct credo_engagement_policy {
    int unused;
};

struct credo_credit_policy {
    int unused;
};

credo_status policy_read_engagement(const policy_reader *reader, const policy_node *node,
                                    credo_engagement_policy **out)
{
    *out = NULL;
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID, "the engagement section is not supported yet");
}

void policy_engagement_free(credo_engagement_policy *engagement)
{
    free(engagement);
}

credo_status policy_read_credit(const policy_reader *reader, const policy_node *node,
                                credo_credit_policy **out)
{
    *out = NULL;
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID, "the credit section is not supported yet");
}

void policy_credit_free(credo_credit_policy *credit)
{
    free(credit);
}
