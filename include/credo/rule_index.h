/* The rule compiler: territory assignment whose cost per account does not
 * grow with the number of territories.
 *
 * credo_rule_index_build compiles the match rules of a policy into
 * conjunctions of tests (a disjunctive normal form, with "not" pushed down to
 * the tests). credo_rule_index_bind then picks, for each conjunction, one
 * "anchor" test that an account must pass for the conjunction to hold, and
 * indexes the conjunction under the account values that pass the anchor:
 *
 * - text tests (=, in, ranges, <, <=, >, >=, starts_with) on a text field or
 *   custom attribute: a hash map from the interned value (credo_str) of the
 *   account's field to the conjunctions it may satisfy. Ranges and prefixes
 *   are resolved against the sorted distinct values of the column;
 * - number tests on employees, annual_revenue and potential: sorted
 *   elementary intervals, each with the conjunctions whose band covers it;
 * - a conjunction with no usable anchor (only "!=", "not in", "not", tests on
 *   custom attributes read as numbers, or a rule too large to expand) is
 *   checked for every account.
 *
 * The anchor is chosen by its estimated number of matching accounts, read
 * from a sample of the snapshot's rows. Binding also compiles every other
 * test to a set of integer intervals over one per-account value. That value
 * is a number, or the rank of a text value among its column's sorted
 * distinct values, so "=", ranges, "in" lists and starts_with compare
 * integers. Tests of
 * one field in a conjunction are joined into one band, and the tests are
 * ordered by how many sampled accounts that pass the anchor also pass them.
 * Each posting carries a copy of its conjunction's first test, so most
 * candidates are rejected without reading the conjunction. Tests that do
 * not compile (sub-expressions kept whole, custom attributes read as
 * numbers, ranges on columns with too many distinct values) are evaluated
 * with the same semantics as credo_expr_eval. Named
 * and excluded accounts, priorities, overlaps, gaps and overlays follow
 * credo_assign_accounts exactly: the result of credo_assign_accounts_indexed
 * equals that of credo_assign_accounts, array by array. */
#ifndef CREDO_RULE_INDEX_H
#define CREDO_RULE_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "credo/engine.h"
#include "credo/error.h"
#include "credo/model.h"
#include "credo/parallel.h"
#include "credo/policy.h"

/* Limits of the rule compiler. A rule whose expansion into conjunctions
 * would exceed them keeps the offending sub-expression as one test that is
 * evaluated whole; nothing is rejected. */
#define CREDO_RULE_INDEX_MAX_CONJUNCTIONS 256 /* conjunctions per territory rule */
#define CREDO_RULE_INDEX_MAX_LITERALS 4096    /* tests per territory rule after expansion */
/* Range and prefix tests on a column with more distinct values than this are
 * not used as anchors (sorting the values would dominate the bind time). */
#define CREDO_RULE_INDEX_MAX_RANGE_DISTINCT (1u << 21)
/* A text anchor that would list one conjunction under more distinct values
 * than this is not used; the conjunction is checked for every account. */
#define CREDO_RULE_INDEX_MAX_ANCHOR_VALUES (1u << 16)
/* Rows read to estimate how many accounts each anchor selects. */
#define CREDO_RULE_INDEX_SAMPLE_ROWS 65536u

/* A compiled policy. It borrows the policy, which must outlive it, and holds
 * nothing that depends on a snapshot. Read-only after building. */
typedef struct credo_rule_index credo_rule_index;

/* A compiled policy bound to one snapshot: the anchors and their lookup
 * tables. Borrows the index, the policy and the snapshot. Read-only after
 * binding, so several threads may assign disjoint rows with it. */
typedef struct credo_rule_bound credo_rule_bound;

/* Counts that describe an index and its binding, for benchmarks and tests. */
typedef struct credo_rule_index_stats {
    size_t territories;        /* territories with a type */
    size_t conjunctions;       /* conjunctions of all rules */
    size_t literals;           /* tests of all conjunctions */
    size_t opaque_literals;    /* sub-expressions kept whole by the limits above */
    size_t anchored;           /* conjunctions reached through an anchor (after binding) */
    size_t composite;          /* of those, listed under a pair of values (after binding) */
    size_t always_checked;     /* conjunctions checked for every account (after binding) */
    size_t never_true;         /* conjunctions no account can satisfy (after binding) */
    size_t postings;           /* entries of all anchor lookup tables (after binding) */
    size_t order_codes;        /* groups by which ranges are assigned (the values of the text
                                * column with the most postings, plus one for a missing value);
                                * 0 when ranges are assigned in row order (after binding) */
    size_t bytes;              /* heap bytes held by the index, plus the binding when bound */
} credo_rule_index_stats;

/* Compiles every territory rule of policy. Fails only with CREDO_ERR_NOMEM.
 * The result is freed with credo_rule_index_free. */
credo_status credo_rule_index_build(const credo_policy *policy, credo_rule_index **out,
                                    credo_error *err);

/* Frees the index. index may be NULL. */
void credo_rule_index_free(credo_rule_index *index);

/* Binds index to snapshot (a finished snapshot: sorted, links resolved):
 * maps literal strings to the snapshot's string ids (a literal absent from
 * the pool matches no account), chooses the anchors and builds their
 * lookup tables. Fails only with CREDO_ERR_NOMEM. */
credo_status credo_rule_index_bind(const credo_rule_index *index, const credo_snapshot *snapshot,
                                   credo_rule_bound **out, credo_error *err);

/* Frees the binding. bound may be NULL. */
void credo_rule_bound_free(credo_rule_bound *bound);

/* Fills *stats for the index and, when bound is not NULL, its binding. */
void credo_rule_index_stats_get(const credo_rule_index *index, const credo_rule_bound *bound,
                                credo_rule_index_stats *stats);

/* Assigns account rows [first, first + count) of the bound snapshot.
 * *out receives a credo_assignment of `count` entries whose entry i is row
 * first + i; its lists are laid out exactly as credo_assign_accounts lays
 * them out for those rows. Free it with credo_assignment_free. Ranges of
 * 16 rows or more are evaluated grouped by their value of the text column
 * with the most postings (see order_codes in credo_rule_index_stats), so
 * that consecutive accounts read the same lookup tables. The results are
 * then copied into row order. That takes scratch space per row of 4 bytes
 * for each text column and 8 for each number field that the rules test,
 * plus 8 (16 in all at least), and a copy of the lists, allocated once per
 * call. Nothing is allocated per account. Several threads may call it at once on disjoint
 * row ranges. Fails with CREDO_ERR_INVALID when the range is outside the
 * snapshot, and with CREDO_ERR_NOMEM. */
credo_status credo_rule_bound_assign(const credo_rule_bound *bound, size_t first, size_t count,
                                     credo_assignment **out, credo_error *err);

/* Assigns the account rows rows[0, count), which must ascend without
 * repeats: entry i of *out is row rows[i], laid out as by
 * credo_rule_bound_assign. Fails with CREDO_ERR_INVALID on a row outside
 * the snapshot or out of order, and with CREDO_ERR_NOMEM. */
credo_status credo_rule_bound_assign_rows(const credo_rule_bound *bound, const uint32_t *rows,
                                          size_t count, credo_assignment **out, credo_error *err);

/* Minimum rows per chunk of credo_rule_bound_assign_threads, which otherwise
 * gives each thread one chunk of equal size. */
#define CREDO_RULE_INDEX_CHUNK_ROWS 65536u

/* Assigns every account row of the bound snapshot on up to `threads`
 * threads (see credo_parallel_run) and joins the chunks into *out, which
 * equals the result of credo_rule_bound_assign over all rows. progress may
 * be NULL; it receives stage "assign" in rows. Fails with CREDO_ERR_NOMEM,
 * or with CREDO_ERR_LIMIT when the tied or overlay lists would hold 2^32
 * entries or more. */
credo_status credo_rule_bound_assign_threads(const credo_rule_bound *bound, size_t threads,
                                             const credo_progress *progress,
                                             credo_assignment **out, credo_error *err);

/* The snapshot and the compiled policy a binding was made for. */
const credo_snapshot *credo_rule_bound_snapshot(const credo_rule_bound *bound);
const credo_rule_index *credo_rule_bound_index(const credo_rule_bound *bound);

/* The policy an index was built from. */
const credo_policy *credo_rule_index_policy(const credo_rule_index *index);

/* Assigns every account of snapshot with index, which must have been built
 * from policy: binds, assigns and frees the binding. The result equals
 * credo_assign_accounts(snapshot, policy, ...) array by array. */
credo_status credo_assign_accounts_indexed(const credo_snapshot *snapshot,
                                           const credo_policy *policy,
                                           const credo_rule_index *index,
                                           credo_assignment **out, credo_error *err);

#endif
