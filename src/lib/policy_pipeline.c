/* The pipeline section of the policy. */
#include "policy_internal.h"

#include <stdlib.h>

/* TODO: stall rules and forecast categories are not read yet; the section
 * is rejected so that nobody relies on rules that are ignored. */
struct credo_pipeline_policy {
    int unused;
};

credo_status policy_read_pipeline(const policy_reader *reader, const policy_node *node,
                                  credo_pipeline_policy **out)
{
    *out = NULL;
    return policy_fail(reader, node->pos, CREDO_ERR_INVALID, "the pipeline section is not supported yet");
}

void policy_pipeline_free(credo_pipeline_policy *pipeline)
{
    free(pipeline);
}
