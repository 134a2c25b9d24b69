/* Incremental territory assignment: after some accounts or territories
 * changed, re-evaluates only the accounts whose result can differ and copies
 * the other entries from the previous assignment.
 *
 * The accounts re-evaluated are the changed rows, plus, for each changed
 * territory, the rows whose previous tied or overlay lists hold it, the rows
 * it names now, and the rows whose values reach one of its conjunctions
 * through the rule index (every row when one of its conjunctions has no
 * anchor). Every other row keeps its previous entry, which is exact as long
 * as the caller lists every change: a row whose values differ from those the
 * previous assignment saw must be in changed_rows, and a territory whose
 * rule, type, priority, id, named or excluded lists differ must be in
 * changed_territories (a change to a type changes all of its territories). */
#ifndef CREDO_ASSIGN_INCREMENTAL_H
#define CREDO_ASSIGN_INCREMENTAL_H

#include <stddef.h>
#include <stdint.h>

#include "credo/engine.h"
#include "credo/error.h"
#include "credo/model.h"
#include "credo/policy.h"
#include "credo/rule_index.h"

/* Computes *out, equal to credo_assign_accounts(snapshot, policy) when the
 * changes are listed as the header comment says.
 *
 * - bound: the rule index of policy bound to snapshot (the new data);
 * - previous: the assignment of the same account rows under the previous
 *   data and policy. Rows keep their index: adding or removing accounts
 *   needs a full run. Territories keep their index too, so the previous
 *   policy had the same territory count and order;
 * - changed_rows, changed_territories: row and territory indices in any
 *   order; repeats are allowed and either list may be empty (NULL with a
 *   count of 0).
 *
 * Fails with CREDO_ERR_INVALID when bound was made for another snapshot or
 * policy, when previous has another row count, or when a changed row or
 * territory is out of range, and with CREDO_ERR_NOMEM. The territories in
 * previous's tied and overlay lists are read, and checked against the
 * policy (CREDO_ERR_INVALID), only when changed_territories is not empty.
 * Otherwise the entries not evaluated again are copied unread. Fails with
 * CREDO_ERR_LIMIT when the new lists would hold 2^32 entries or more. When
 * reevaluated is not NULL it receives the number of rows evaluated again. */
credo_status credo_assign_incremental(const credo_snapshot *snapshot, const credo_policy *policy,
                                      const credo_rule_bound *bound,
                                      const credo_assignment *previous,
                                      const uint32_t *changed_rows, size_t changed_row_count,
                                      const uint32_t *changed_territories,
                                      size_t changed_territory_count, credo_assignment **out,
                                      size_t *reevaluated, credo_error *err);

/* Updates assignment in place to the result credo_assign_incremental would
 * return with assignment as previous. It takes the same arguments and fails
 * in the same cases, and on failure assignment keeps its entries.
 *
 * Only the entries of the rows evaluated again are rewritten. The list
 * entries and offsets of the other rows move in whole runs (memmove and a
 * constant added to each offset), and no array is allocated anew, whereas
 * credo_assign_incremental allocates and fills a copy of every array. tied
 * and overlays are reallocated when the new lists are longer in total, so
 * assignment's arrays must be heap blocks that credo_assignment_free can
 * free, as in every assignment the library returns. */
credo_status credo_assign_incremental_update(const credo_snapshot *snapshot, const credo_policy *policy,
                                             const credo_rule_bound *bound, credo_assignment *assignment,
                                             const uint32_t *changed_rows, size_t changed_row_count,
                                             const uint32_t *changed_territories,
                                             size_t changed_territory_count, size_t *reevaluated,
                                             credo_error *err);

#endif
