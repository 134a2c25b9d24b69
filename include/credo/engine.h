/* The engines of a run: territory assignment, deal ownership and revenue
 * credit. Each is a pure function of the snapshot and the policy (and of the
 * previous engine's result); none writes to the store or prints.
 *
 * Semantics (docs/policy.md states them for users):
 * - An account belongs to the matching territory of the highest priority
 *   among primary types. Equal-priority matches are an overlap and a
 *   missing match is a gap; both are reported, never resolved silently.
 *   Named accounts always match their territory, excluded accounts never.
 * - The owner of an account at date d is its territory's only selling
 *   member at d; with several, the account's named owner when that rep is
 *   one of them, else the account is pooled among them.
 * - A deal is in territory when its recorded owner is a selling member of
 *   its account's territory on the deal's date (the date it was logged, or
 *   its close date when no log date is known); a deal with no recorded owner
 *   goes to the account's owner on that date.
 * - Revenue credit of a won deal sums exactly to its amount: the deal
 *   team's split percentages when given, else 100% to the owner, rounded by
 *   the largest remainder method with ties broken by rep id. */
#ifndef CREDO_ENGINE_H
#define CREDO_ENGINE_H

#include <stdint.h>

#include "credo/buf.h"
#include "credo/error.h"
#include "credo/model.h"
#include "credo/policy.h"
#include "credo/types.h"

typedef enum credo_account_status {
    CREDO_ACCOUNT_ASSIGNED = 0,
    CREDO_ACCOUNT_OVERLAP = 1,
    CREDO_ACCOUNT_GAP = 2
} credo_account_status;

/* Result of assignment, one entry per account row. Territories are indices
 * into policy->territories. tied[tied_start[i] .. tied_start[i+1]) lists the
 * primary territories of the top priority (one for an assigned account, two
 * or more for an overlap, none for a gap); overlays likewise lists the
 * matching overlay territories. Lists are in ascending territory id order. */
typedef struct credo_assignment {
    size_t count;
    uint8_t *status;       /* credo_account_status */
    uint32_t *territory;   /* the territory when assigned, else CREDO_NO_ROW */
    uint32_t *tied_start;  /* count + 1 offsets */
    uint32_t *tied;
    uint32_t *overlay_start;
    uint32_t *overlays;
} credo_assignment;

/* Assigns every account of the snapshot by testing every territory's rule
 * against it: the reference evaluator, whose cost grows with the number of
 * territories. */
credo_status credo_assign_accounts(const credo_snapshot *snapshot, const credo_policy *policy,
                                   credo_assignment **out, credo_error *err);
void credo_assignment_free(credo_assignment *assignment);

struct credo_progress;

/* Most threads credo_assign_accounts_fast uses. */
#define CREDO_ASSIGN_MAX_THREADS 8

/* Assigns every account through the compiled rule index (credo/rule_index.h)
 * on up to `threads` threads, 0 meaning one per online core (at most
 * CREDO_ASSIGN_MAX_THREADS). The result equals credo_assign_accounts
 * array by array; the cost per account does not grow with the number of
 * territories. progress may be NULL; it receives stage "assign" in
 * accounts. */
credo_status credo_assign_accounts_fast(const credo_snapshot *snapshot, const credo_policy *policy,
                                        size_t threads, const struct credo_progress *progress,
                                        credo_assignment **out, credo_error *err);

typedef enum credo_owner_kind {
    CREDO_OWNER_SINGLE = 0, /* the territory's only selling member */
    CREDO_OWNER_NAMED = 1,  /* the account's named owner, a selling member */
    CREDO_OWNER_POOLED = 2, /* several selling members and no named owner among them */
    CREDO_OWNER_VACANT = 3, /* no selling member on that date */
    CREDO_OWNER_NONE = 4    /* the account has no territory (gap or overlap) */
} credo_owner_kind;

/* Owner of account row `account` on `date`. *rep_id is borrowed from the
 * policy (NULL unless SINGLE or NAMED). */
credo_owner_kind credo_account_owner(const credo_snapshot *snapshot, const credo_policy *policy,
                                     const credo_assignment *assignment, uint32_t account,
                                     credo_date date, const char **rep_id);

/* Returns whether rep_id is a member of territory in a selling role on date. */
bool credo_is_selling_member(const credo_policy *policy, uint32_t territory, const char *rep_id,
                             credo_date date);

typedef enum credo_deal_territory_status {
    CREDO_DEAL_IN_TERRITORY = 0,
    CREDO_DEAL_OUT_OF_TERRITORY = 1,
    CREDO_DEAL_ACCOUNT_GAP = 2,     /* the account has no territory */
    CREDO_DEAL_ACCOUNT_OVERLAP = 3, /* the account's territory is disputed */
    CREDO_DEAL_NO_ACCOUNT = 4,      /* the deal names no account, or an unknown one */
    CREDO_DEAL_UNOWNED = 5          /* no recorded owner and no single account owner */
} credo_deal_territory_status;

struct credo_engagement;

/* Result of deal ownership, one entry per deal row. owner points into the
 * snapshot's pool or the policy and is NULL for UNOWNED. */
typedef struct credo_ownership {
    size_t count;
    uint8_t *status;         /* credo_deal_territory_status */
    uint32_t *territory;     /* the account's territory, or CREDO_NO_ROW */
    const char **owner;      /* the deal's owner */
    bool *owner_from_account; /* the owner came from the account, not the record */
    credo_date *date;        /* the date ownership was decided on */
    /* The rules of engagement applied on top (engagement.h), or NULL. Set
     * by credo_engage, which may have changed owner, status and date. */
    const struct credo_engagement *engagement;
} credo_ownership;

credo_status credo_own_deals(const credo_snapshot *snapshot, const credo_policy *policy,
                             const credo_assignment *assignment, credo_ownership **out,
                             credo_error *err);
void credo_ownership_free(credo_ownership *ownership);

/* Rule names carried by credit lines. */
#define CREDO_RULE_OWNER_FULL "owner-100"
#define CREDO_RULE_TEAM_SPLIT "deal-team-split"

typedef struct credo_credit_line {
    uint32_t deal;        /* deal row */
    const char *rep_id;   /* borrowed from the snapshot's pool or the policy */
    const char *kind;     /* "revenue"; with credit rules also "overlay" or "rollup" */
    const char *rule;     /* CREDO_RULE_*, or the id of a credit rule of the policy */
    credo_bp share;       /* share of the deal amount */
    credo_money amount;   /* minor units */
    const char *role;     /* credit rules: the role credited ("closer", ...); else NULL */
    const char *hold;     /* credit rules: the release condition of a hold; else NULL */
} credo_credit_line;

/* Credit lines of all won deals, sorted by deal row, then rep id. A won
 * deal that cannot be credited (no owner, splits that do not sum to 100%)
 * gets no line; problem[deal] then contains the reason (else NULL). */
typedef struct credo_credit {
    size_t count;
    credo_credit_line *lines;
    size_t deal_count;
    const char **problem;
} credo_credit;

credo_status credo_credit_deals(const credo_snapshot *snapshot, const credo_ownership *ownership,
                                credo_credit **out, credo_error *err);
void credo_credit_free(credo_credit *credit);

/* Splits amount into count parts by shares (basis points summing to
 * CREDO_BP_WHOLE) with the largest remainder method. Each part is first
 * rounded toward zero. The units left over then go one each to the parts
 * with the largest remainders, ties broken by ascending rep id (code point
 * order). The parts always sum to amount, negative amounts included.
 * Returns CREDO_ERR_INVALID when the shares do not sum to CREDO_BP_WHOLE or
 * one is negative. */
credo_status credo_split_amount(credo_money amount, const credo_bp *shares,
                                const char *const *rep_ids, size_t count, credo_money *parts,
                                credo_error *err);

/* Appends the explanation of one account's assignment and its owner on
 * `as_of`: which rules matched and why, which territory, which members. */
void credo_explain_account(const credo_snapshot *snapshot, const credo_policy *policy,
                           const credo_assignment *assignment, uint32_t account,
                           credo_date as_of, credo_buf *out);

/* Appends the explanation of one deal: its account's assignment, the
 * owner and members on the deal's date, and its credit lines. */
void credo_explain_deal(const credo_snapshot *snapshot, const credo_policy *policy,
                        const credo_assignment *assignment, const credo_ownership *ownership,
                        const credo_credit *credit, uint32_t deal, credo_buf *out);

/* Short names used in stored results and exports. */
const char *credo_account_status_name(credo_account_status status);
const char *credo_deal_territory_status_name(credo_deal_territory_status status);
const char *credo_owner_kind_name(credo_owner_kind kind);

#endif
