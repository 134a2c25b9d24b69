/* Internals shared by the engagement and credit-rule sources (policy
 * readers, engines, explanations); not part of the public API. */
#ifndef CREDO_ENGAGE_INTERNAL_H
#define CREDO_ENGAGE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "credo/engagement.h"
#include "policy_internal.h"

/* ---- Policy reading (policy_engagement.c) ---- */

/* Reads a share written as a percentage with at most two decimals and a
 * '%' sign ("20%", "33.33%"), from 0% to 100%, as basis points. */
credo_status policy_read_share(const policy_reader *reader, const policy_node *node, const char *key,
                               credo_bp *out);

/* Reads a list of text values (stages, sources). */
credo_status policy_read_text_list(const policy_reader *reader, const policy_node *node, const char *key,
                                   char ***out, size_t *count);

void policy_free_text_list(char **items, size_t count);

/* Reads a condition over credo_deal_schema, mapping an expression error
 * to its position in the file. `what` names it, such as "when of credit
 * rule 'partner'". */
credo_status policy_read_condition(const policy_reader *reader, const policy_node *node, const char *what,
                                   credo_expr **out);

/* ---- Condition fields (credit_rules_fields.c) ---- */

/* Field ids of credo_deal_schema. */
enum credit_field {
    CREDIT_FIELD_DEAL_ID,
    CREDIT_FIELD_DEAL_ACCOUNT,
    CREDIT_FIELD_DEAL_OWNER,
    CREDIT_FIELD_DEAL_RECORDED_OWNER,
    CREDIT_FIELD_DEAL_STAGE,
    CREDIT_FIELD_DEAL_STATUS,
    CREDIT_FIELD_DEAL_SOURCE,
    CREDIT_FIELD_DEAL_PARTNER,
    CREDIT_FIELD_DEAL_PRODUCT,
    CREDIT_FIELD_DEAL_CURRENCY,
    CREDIT_FIELD_DEAL_CREATED,
    CREDIT_FIELD_DEAL_CLOSE_DATE,
    CREDIT_FIELD_DEAL_TERRITORY,
    CREDIT_FIELD_DEAL_TERRITORY_STATUS,
    CREDIT_FIELD_DEAL_REGISTRANT,
    CREDIT_FIELD_DEAL_PARTNER_SOURCED,
    CREDIT_FIELD_DEAL_ENGAGEMENT_RULE,
    CREDIT_FIELD_DEAL_AMOUNT_MINOR,
    CREDIT_FIELD_ACCOUNT_FIRST,  /* account.id .. account.potential, in credo_account_field order */
    CREDIT_FIELD_REP_ID = CREDIT_FIELD_ACCOUNT_FIRST + CREDO_FIELD_ACCOUNT_COUNT,
    CREDIT_FIELD_REP_NAME,
    CREDIT_FIELD_REP_TITLE,
    CREDIT_FIELD_REP_MANAGER,
    CREDIT_FIELD_COUNT
};

/* The deal a condition is evaluated on. credit_deal_ref_init fills it;
 * custom_columns is looked up per condition by credit_condition_holds. */
typedef struct credit_deal_ref {
    const credo_snapshot *snapshot;
    const credo_policy *policy;
    const credo_ownership *ownership;
    const credo_engagement *engagement; /* may be NULL */
    uint32_t deal;
    uint32_t rep;                       /* the closer's rep row, or CREDO_NO_ROW */
    const char *registrant;             /* NULL when none */
    char created[16], close_date[16];   /* dates as YYYY-MM-DD text */
    const credo_attribute_column **custom_columns;
    size_t custom_count;
} credit_deal_ref;

void credit_deal_ref_init(credit_deal_ref *ref, const credo_snapshot *snapshot, const credo_policy *policy,
                          const credo_ownership *ownership, const credo_engagement *engagement,
                          uint32_t deal);

/* credo_expr_getter over a credit_deal_ref. */
void credit_field_get(const void *ctx, int field, credo_value *out);

/* Evaluates a condition on a deal (with its custom attribute columns
 * looked up); appends the evaluation to trace when not NULL. Returns false
 * and sets *failed when out of memory. */
bool credit_condition_holds(const credo_expr *condition, credit_deal_ref *ref, credo_buf *trace,
                            int indent, bool *failed);

/* ---- Engagement helpers (engage_*.c) ---- */

/* The reps who own an account on a date: the single or named owner, or
 * every selling member of a pool. Returns the count (0 for a vacant
 * territory or an account without one), at most `max`. */
size_t engage_account_owners(const credo_snapshot *snapshot, const credo_policy *policy,
                             const credo_assignment *assignment, uint32_t account, credo_date date,
                             const char **owners, size_t max);

/* Maximum number of owners of a pool that the rules look at. */
#define ENGAGE_MAX_OWNERS 64

/* Deals grouped by account row: rows[start[a] .. start[a + 1]) are the
 * deals of account row a, in deal row order. */
typedef struct engage_deal_index {
    uint32_t *start;
    uint32_t *rows;
} engage_deal_index;

credo_status engage_index_deals(const credo_snapshot *snapshot, engage_deal_index *out, credo_error *err);
void engage_deal_index_free(engage_deal_index *index);

/* Evaluates every registration: protection, duplicates, conflicts and
 * decisions. Fills engagement->claims and engagement->conflicts. */
credo_status engage_claims(const credo_snapshot *snapshot, const credo_policy *policy,
                           const credo_assignment *assignment, const engage_deal_index *deals,
                           const credo_conflict_decision *decisions, size_t decision_count,
                           credo_engagement *engagement, credo_error *err);

/* Returns whether the registration's claim covers deal row `deal`: the
 * claim is protected or awarded and the deal is the one it names, or a deal
 * on its account (and product) logged within its window. */
bool engage_claim_covers(const credo_snapshot *snapshot, const credo_engagement *engagement,
                         uint32_t registration, uint32_t deal);

/* Applies holdover to one deal whose owner came from ownership; returns
 * true when it changed the deal's owner. */
bool engage_holdover(const credo_snapshot *snapshot, const credo_policy *policy,
                     const credo_assignment *assignment, credo_ownership *ownership, credo_date as_of,
                     credo_engagement *engagement, uint32_t deal);

/* The registrant of a deal (the rep of engagement->claim[deal]), or NULL. */
const char *engage_registrant(const credo_snapshot *snapshot, const credo_engagement *engagement,
                              uint32_t deal);

/* First row of the activity table whose account id is not below
 * `account` (the table is sorted by account id, then date). */
size_t engage_first_activity(const credo_snapshot *snapshot, credo_str account);

/* The date a deal's ownership is decided on: the day it was logged, or its
 * close date when the source gives no log date. */
credo_date engage_deal_date(const credo_deals *deals, uint32_t deal);

/* ---- Audit of a saved run (run_diff.c, engage_audit.c) ---- */

/* Appends "credit_change" entries for run_id against the run before it. */
credo_status run_audit_credit(credo_store *store, int64_t run_id, credo_error *err);

/* ---- Credit by rules (credit_rules*.c) ---- */

/* The inputs of the credit engine, and the trace of one deal when
 * explaining (NULL otherwise). */
typedef struct credit_engine {
    const credo_snapshot *snapshot;
    const credo_policy *policy;
    const credo_assignment *assignment;
    const credo_ownership *ownership;
    const credo_engagement *engagement; /* may be NULL */
    credo_buf *trace;
} credit_engine;

/* Growable array of credit lines. */
typedef struct credit_line_list {
    credo_credit_line *items;
    size_t count, capacity;
} credit_line_list;

bool credit_push_line(credit_line_list *list, const credo_credit_line *line);

/* The credit date of a deal: its close date or the day it was logged, as
 * the policy sets, falling back to the other when missing. */
credo_date credit_date_of(const credo_policy *policy, const credo_snapshot *snapshot, uint32_t deal);

/* Name of a role in credit lines: "closer", "registrant", ... */
const char *credit_role_name(credo_credit_role role);

/* Upper bound of the holders of a share on a deal. */
size_t credit_role_capacity(const credit_engine *engine, uint32_t deal, const credo_credit_share *share);

/* Fills holders (room for credit_role_capacity entries) with the reps who
 * hold the share's role on the deal's credit date, sorted by rep id
 * without repeats, and returns their number. Deal-team members below the
 * contribution threshold are left out, and the trace gives the reason. */
size_t credit_role_holders(const credit_engine *engine, uint32_t deal, const credo_credit_share *share,
                           const char **holders);

/* Splits amount by integer weights with the largest remainder method, ties
 * to the lower index. weights are not negative and sum to more than 0. */
void credit_split_weights(credo_money amount, const int64_t *weights, size_t count, credo_money *parts);

/* Appends roll-up lines for the revenue lines lines[first .. end) of one
 * deal: one line per manager above any of their reps, with the sum of
 * their credit. Returns false when out of memory. */
bool credit_rollup(const credit_engine *engine, uint32_t deal, credit_line_list *lines, size_t first, size_t end,
                   const char *hold);

/* The team rows of a deal: [*first, *end) in the team table. */
void credit_team_rows(const credo_snapshot *snapshot, uint32_t deal, size_t *first, size_t *end);

/* One entry of the revenue split while a deal is credited. */
typedef struct credit_entry {
    const char *role;
    int64_t weight;       /* basis points of what is left after sourcing */
    const char **holders; /* sorted by rep id; owned by the entry */
    size_t holder_count;
    credo_money amount;
} credit_entry;

/* Splits amount among the entries that have holders by their weights. */
void credit_split_entries(credit_entry *entries, size_t count, credo_money amount, bool *failed);

/* Appends the lines of split entries: each entry's amount, equally among
 * its holders, ties to the lower rep id. rest_share is the basis points of
 * the deal amount that the entries share (less than 100% after sourcing).
 * Returns false when out of memory. */
bool credit_push_entries(const credit_engine *engine, uint32_t deal, const char *rule, const credit_entry *entries,
                         size_t count, credo_bp rest_share, const char *hold, credit_line_list *lines);

/* Credits `rest` of a deal by a rule's revenue shares; returns a problem
 * text when a share cannot be given. */
const char *credit_by_rule(const credit_engine *engine, uint32_t deal, const credo_credit_rule *rule,
                           credo_money rest, credo_bp rest_share, const char *hold, credit_line_list *lines,
                           bool *failed);

/* Credits one won deal into lines; returns a problem text when it cannot
 * be credited (and adds no line), else NULL. Sets *failed when out of
 * memory. */
const char *credit_one_deal(const credit_engine *engine, uint32_t deal, credit_line_list *lines, bool *failed);

#endif
