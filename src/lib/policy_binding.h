/* A policy bound to one snapshot (internal to libcredo): the account rows of
 * named and excluded lists, the attribute columns each rule reads, and the
 * territories ranked by id. Built once per run; read-only afterwards. */
#ifndef CREDO_POLICY_BINDING_H
#define CREDO_POLICY_BINDING_H

#include <stdbool.h>
#include <stdint.h>

#include "credo/error.h"
#include "credo/model.h"
#include "credo/policy.h"

/* An (account row, territory index) pair of a named or excluded list. */
typedef struct credo_listed_pair {
    uint32_t account;
    uint32_t territory;
} credo_listed_pair;

typedef struct credo_policy_binding {
    const credo_snapshot *snapshot;
    const credo_policy *policy;
    const credo_attribute_column ***custom_columns; /* per territory; may be NULL */
    credo_listed_pair *named, *excluded;            /* sorted by account, territory */
    size_t named_count, excluded_count;
    uint32_t *rank_by_id; /* territory index -> rank in ascending id order */
} credo_policy_binding;

credo_status credo_policy_bind(const credo_snapshot *snapshot, const credo_policy *policy,
                               credo_policy_binding *out, credo_error *err);
void credo_policy_binding_free(credo_policy_binding *binding);

bool credo_binding_is_named(const credo_policy_binding *binding, uint32_t account, uint32_t territory);
bool credo_binding_is_excluded(const credo_policy_binding *binding, uint32_t account,
                               uint32_t territory);

/* Returns whether the territory's rule (named and excluded lists applied)
 * takes the account. When explanation is not NULL, appends the rule's
 * evaluation, one test per line, indented by indent. */
bool credo_binding_matches(const credo_policy_binding *binding, uint32_t account,
                           uint32_t territory, credo_buf *explanation, int indent);

#endif
