/* Assignment of a whole snapshot through the compiled rule index, the path
 * every command takes; assign.c stays the reference evaluator and explains
 * single accounts. */
#include "credo/engine.h"

#include <unistd.h>

#include "credo/rule_index.h"

static size_t default_threads(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        return 1;
    return cores > CREDO_ASSIGN_MAX_THREADS ? CREDO_ASSIGN_MAX_THREADS : (size_t)cores;
}

credo_status credo_assign_accounts_fast(const credo_snapshot *snapshot, const credo_policy *policy,
                                        size_t threads, const credo_progress *progress,
                                        credo_assignment **out, credo_error *err)
{
    *out = NULL;
    if (threads == 0 || threads > CREDO_ASSIGN_MAX_THREADS)
        threads = threads == 0 ? default_threads() : CREDO_ASSIGN_MAX_THREADS;

    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    credo_status status = credo_rule_index_build(policy, &index, err);
    if (status == CREDO_OK)
        status = credo_rule_index_bind(index, snapshot, &bound, err);
    if (status == CREDO_OK)
        status = credo_rule_bound_assign_threads(bound, threads, progress, out, err);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    return status;
}
