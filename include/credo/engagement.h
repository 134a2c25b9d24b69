/* Rules of engagement and credit rules: the policy's `engagement:` and
 * `credit:` sections, the engines that apply them, and the preview of a
 * deal before it is logged. docs/engagement.md is the reference for users.
 *
 * A run applies them in this order: assignment, ownership (engine.h), then
 * credo_engage (registrations, conflicts, partner deals, holdover), which
 * may change the owner of a deal, then credo_credit_by_rules. A policy with
 * neither section keeps the plain behaviour of engine.h.
 *
 * Semantics in brief:
 * - A registration claims an account (and a product, when it names one) on
 *   its date. It wins protection when protection applies on that date (the
 *   account has no owner, or no owner has an activity or an open deal on
 *   it within the look-back) and no earlier protected claim overlaps it.
 *   A protected claim covers the deals logged on the account (and product)
 *   from its date through protected_until, and the deal it names; the
 *   registrant owns every covered deal.
 * - A later claim by another rep that overlaps a protected window waits in
 *   the conflict queue under a stable key until someone decides it.
 * - Revenue credit of each credited won deal sums exactly to its amount;
 *   overlay credit does not reduce it; roll-up credit goes once per manager
 *   per deal. */
#ifndef CREDO_ENGAGEMENT_H
#define CREDO_ENGAGEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "credo/buf.h"
#include "credo/engine.h"
#include "credo/error.h"
#include "credo/expr.h"
#include "credo/model.h"
#include "credo/policy.h"
#include "credo/store.h"
#include "credo/types.h"

/* ---- The engagement section ---------------------------------------------- */

/* Conditions under which a registration wins protection (bits). */
#define CREDO_PROTECT_UNASSIGNED 1u     /* the account has no owner on the date */
#define CREDO_PROTECT_OWNER_INACTIVE 2u /* no owner worked the account in the look-back */

/* Limits of the policy values, checked when the policy is read. */
#define CREDO_ENGAGEMENT_MAX_DAYS 3660 /* protection and look-back: ten years */

typedef struct credo_registration_policy {
    bool enabled;          /* the section has a registration entry */
    int protection_days;   /* length of the protected window, 1..CREDO_ENGAGEMENT_MAX_DAYS */
    unsigned applies_when; /* CREDO_PROTECT_* bits; both by default */
    int inactive_days;     /* look-back for owner activity; default 90 */
    credo_policy_pos pos;
} credo_registration_policy;

/* Who owns a partner-sourced deal. */
typedef enum credo_partner_owner {
    CREDO_PARTNER_OWNER_REGISTRANT = 0,     /* the rep who registered it, else its recorded owner */
    CREDO_PARTNER_OWNER_TERRITORY_OWNER = 1 /* the account's owner on the deal's date */
} credo_partner_owner;

typedef struct credo_partner_policy {
    bool enabled;
    char **sources;          /* deal or registration sources that mean partner-sourced */
    size_t source_count;
    credo_partner_owner owner;
    credo_bp sourcing_share; /* revenue share of the sourcing rep, off the top; 0 by default */
    credo_policy_pos pos;
} credo_partner_policy;

typedef struct credo_holdover_policy {
    bool enabled;
    char **stages;      /* the pipeline's stages, earliest first */
    size_t stage_count;
    size_t keep_from;   /* index into stages: deals at this stage or later stay with their rep */
    credo_policy_pos pos;
} credo_holdover_policy;

/* Who owns a deal whose recorded owner is not a selling member of the
 * account's territory. */
typedef enum credo_out_of_territory_owner {
    CREDO_OUT_OF_TERRITORY_RECORDED = 0,       /* the recorded owner keeps it, flagged (default) */
    CREDO_OUT_OF_TERRITORY_TERRITORY_OWNER = 1 /* the account's single or named owner takes it */
} credo_out_of_territory_owner;

struct credo_engagement_policy {
    credo_registration_policy registration;
    credo_partner_policy partner;
    credo_holdover_policy holdover;
    credo_out_of_territory_owner out_of_territory;
    credo_policy_pos pos;
};

/* ---- The credit section -------------------------------------------------- */

/* The roles a credit rule gives shares to. */
typedef enum credo_credit_role {
    CREDO_ROLE_CLOSER = 0,           /* the deal's owner after the rules of engagement */
    CREDO_ROLE_REGISTRANT = 1,       /* the rep of the registration that covers or names the deal */
    CREDO_ROLE_TERRITORY_OWNER = 2,  /* the account's owner on the credit date; a pool shares */
    CREDO_ROLE_TERRITORY_MEMBER = 3, /* members of the account's territory on the credit date */
    CREDO_ROLE_DEAL_TEAM = 4         /* deal-team members other than the closer, above the threshold */
} credo_credit_role;

/* One entry of a rule's revenue or overlay list. qualifier narrows the
 * role: the policy role of territory members (member_role) or the team
 * role of deal-team members (team_role); NULL for any. */
typedef struct credo_credit_share {
    credo_credit_role role;
    char *qualifier;
    credo_bp share;
    credo_policy_pos pos;
} credo_credit_share;

typedef struct credo_credit_rule {
    char *id;
    credo_expr *when;            /* NULL: the rule applies to every deal */
    credo_policy_pos when_pos;
    credo_credit_share *revenue; /* shares sum to CREDO_BP_WHOLE */
    size_t revenue_count;
    credo_credit_share *overlay; /* each share of the deal amount, independently */
    size_t overlay_count;
    credo_policy_pos pos;
} credo_credit_rule;

/* A hold on the credit of deals that match `when`, until `release` (text
 * shown to reps) happens; released_when, when given, is the condition that
 * shows it has happened. */
typedef struct credo_credit_hold {
    credo_expr *when;
    char *release;
    credo_expr *released_when;
    credo_policy_pos pos;
} credo_credit_hold;

typedef struct credo_activity_weight {
    char *type;
    int points;
} credo_activity_weight;

typedef enum credo_credit_date_kind {
    CREDO_CREDIT_DATE_CLOSE = 0,  /* the deal's close date (default) */
    CREDO_CREDIT_DATE_CREATED = 1 /* the date the deal was logged */
} credo_credit_date_kind;

struct credo_credit_policy {
    credo_credit_date_kind credit_date;
    credo_credit_rule *rules;   /* in file order; the first that matches applies */
    size_t rule_count;
    credo_activity_weight *weights;
    size_t weight_count;
    int minimum_points;         /* 0: no contribution threshold */
    bool rollup;                /* roll revenue credit up the manager chain */
    credo_credit_hold *holds;   /* in file order; the first that matches applies */
    size_t hold_count;
    credo_policy_pos pos;
};

/* Fields that credit conditions (`when`, `released_when`) may name, in
 * field-id order, with "account.attr." as the prefix of custom account
 * attributes. docs/engagement.md lists them. */
extern const credo_expr_schema credo_deal_schema;

/* ---- Registrations, conflicts and owners --------------------------------- */

typedef enum credo_claim_status {
    CREDO_CLAIM_PROTECTED = 0,   /* won protection */
    CREDO_CLAIM_UNPROTECTED = 1, /* protection did not apply on its date */
    CREDO_CLAIM_DUPLICATE = 2,   /* the same rep already has an overlapping window */
    CREDO_CLAIM_CONFLICT = 3,    /* waits in the conflict queue */
    CREDO_CLAIM_AWARDED = 4,     /* a decision gave it the protection */
    CREDO_CLAIM_REJECTED = 5,    /* a decision kept the earlier holder */
    CREDO_CLAIM_INVALID = 6      /* no rep, an unknown account or no date */
} credo_claim_status;

/* Outcome of one registration row. */
typedef struct credo_claim {
    uint8_t status;             /* credo_claim_status */
    credo_date protected_until; /* last protected day, for PROTECTED and AWARDED (an
                                   award to a later claim ends it the day before); else
                                   CREDO_DATE_NONE */
    uint32_t holder;            /* DUPLICATE, CONFLICT, AWARDED, REJECTED: the registration
                                   row of the earlier protected claim; else CREDO_NO_ROW */
    char *key;                  /* the conflict key, "account:A|product:P|rep:R|date:D" */
    char *reason;               /* one line of plain text */
    const credo_conflict_decision *decision; /* borrowed from the caller; NULL when none */
} credo_claim;

/* How the rules of engagement decided a deal's owner. */
typedef enum credo_engagement_rule {
    CREDO_ENGAGE_NONE = 0,             /* ownership (engine.h) decided it */
    CREDO_ENGAGE_PROTECTED = 1,        /* a protected registration covers the deal */
    CREDO_ENGAGE_PARTNER = 2,          /* partner-sourced, owner by the partner rule */
    CREDO_ENGAGE_HOLDOVER_MOVED = 3,   /* followed its account to the new owner */
    CREDO_ENGAGE_HOLDOVER_KEPT = 4,    /* past the holdover stage: stayed with its rep */
    CREDO_ENGAGE_OUT_OF_TERRITORY = 5  /* given to the account's owner */
} credo_engagement_rule;

/* Result of credo_engage. Per-deal arrays have one entry per deal row. */
typedef struct credo_engagement {
    size_t claim_count;
    credo_claim *claims;       /* one per registration row */
    size_t deal_count;
    uint8_t *rule;             /* credo_engagement_rule */
    uint32_t *claim;           /* registration row of the deal's registrant, or CREDO_NO_ROW */
    const char **recorded;     /* the owner that ownership decided, before these rules */
    const char **sourcer;      /* partner-sourced deals: the sourcing rep; else NULL */
    bool *partner_sourced;
    credo_date *realigned;     /* holdover: the day the deal's rep left the account; else
                                  CREDO_DATE_NONE */
    credo_str *stage_then;     /* holdover: the deal's stage on that day, or CREDO_STR_NONE */
    size_t conflicts;          /* claims waiting in the queue */
} credo_engagement;

/* Applies the policy's engagement section. `ownership` is updated in place:
 * owner (and for a changed owner, status and date) of the deals that the
 * rules give to someone else, and ownership->engagement points at the
 * result. decisions (sorted by key, as the store loads them) decide
 * conflicts; unknown keys are ignored. as_of bounds holdover for open
 * deals. Without an engagement section, every claim is evaluated with no
 * protection and no deal changes owner. */
credo_status credo_engage(const credo_snapshot *snapshot, const credo_policy *policy,
                          const credo_assignment *assignment, credo_ownership *ownership,
                          credo_date as_of, const credo_conflict_decision *decisions,
                          size_t decision_count, credo_engagement **out, credo_error *err);
void credo_engagement_free(credo_engagement *engagement);

/* Short names: "protected", "unprotected", "duplicate", "conflict",
 * "awarded", "rejected", "invalid"; "none", "protected", "partner",
 * "holdover_moved", "holdover_kept", "out_of_territory". */
const char *credo_claim_status_name(credo_claim_status status);
const char *credo_engagement_rule_name(credo_engagement_rule rule);

/* Appends the claim outcome of registration row `registration`, one line. */
void credo_explain_claim(const credo_snapshot *snapshot, const credo_engagement *engagement,
                         uint32_t registration, credo_buf *out);

/* Appends the engagement part of a deal's chain: the registrations on its
 * account with their outcomes and conflicts, partner sourcing and
 * holdover. Appends nothing when engagement is NULL. */
void credo_explain_engagement(const credo_snapshot *snapshot, const credo_policy *policy,
                              const credo_engagement *engagement, uint32_t deal, credo_buf *out);

/* ---- Credit by rules ------------------------------------------------------ */

/* Rule names of credit lines that do not come from a rule of the policy. */
#define CREDO_RULE_SOURCING "partner-sourcing"
#define CREDO_RULE_ROLLUP "rollup"

/* Credits won deals by the policy's credit rules (the first rule whose
 * `when` matches; with no match, the plain rules of credo_credit_deals),
 * after the partner sourcing share. Lines have kind "revenue", "overlay" or
 * "rollup", a role and a hold. A role that no rep holds passes its revenue
 * share to the closer. The policy may lack a credit section; engagement may
 * be NULL. */
credo_status credo_credit_by_rules(const credo_snapshot *snapshot, const credo_policy *policy,
                                   const credo_assignment *assignment,
                                   const credo_ownership *ownership,
                                   const credo_engagement *engagement, credo_credit **out,
                                   credo_error *err);

/* Appends the credit part of a deal's chain: the rules tried and the
 * one that applied, the holders of each role on the credit date,
 * contribution points against the threshold, shares passed to the closer,
 * roll-up paths and holds. */
void credo_explain_credit_rules(const credo_snapshot *snapshot, const credo_policy *policy,
                                const credo_assignment *assignment,
                                const credo_ownership *ownership,
                                const credo_engagement *engagement, uint32_t deal,
                                credo_buf *out);

/* ---- Preview ----------------------------------------------------------------- */

/* The facts of a deal a rep is about to log. Strings are borrowed; product,
 * partner and currency may be NULL (currency defaults to "USD"). */
typedef struct credo_preview_request {
    const char *account_id;
    const char *rep_id;
    const char *source;
    const char *partner;
    const char *product;
    const char *currency;
    credo_money amount;  /* minor units, above 0 */
    credo_date date;     /* the day it would be logged, registered and closed */
} credo_preview_request;

/* Ids the preview gives its hypothetical deal and registration. */
#define CREDO_PREVIEW_DEAL_ID "(preview)"
#define CREDO_PREVIEW_REGISTRATION_ID "(preview)"

/* One credit line of a preview. Strings are owned by the result. */
typedef struct credo_preview_line {
    char *rep_id;
    char *kind;
    char *rule;
    char *role;
    char *hold;       /* NULL unless held */
    credo_money amount;
} credo_preview_line;

typedef struct credo_preview_result {
    char *owner;             /* NULL when no rep would own it */
    char *territory_id;      /* NULL for an account without a territory */
    char *status;            /* credo_deal_territory_status_name */
    char *engagement_rule;   /* credo_engagement_rule_name */
    char *claim_status;      /* the registration's outcome, credo_claim_status_name */
    credo_date protected_until; /* CREDO_DATE_NONE when not protected */
    char *conflict;          /* NULL, or why the claim waits in the conflict queue */
    char *conflict_key;      /* NULL unless conflict */
    char *problem;           /* NULL, or why the deal would not be credited */
    credo_preview_line *lines;
    size_t line_count;
} credo_preview_result;

/* Computes the answer to "if I log this deal, who owns it, until when is it
 * protected and what credit would each person get". It copies the snapshot, adds the
 * request as one registration and one won deal (closed on its date), and
 * runs the same engines as credo_run_compute with the decisions given.
 * Unknown account or rep ids are CREDO_ERR_NOT_FOUND; an amount of 0 or less
 * is CREDO_ERR_INVALID. */
credo_status credo_preview(const credo_snapshot *snapshot, const credo_policy *policy,
                           const credo_conflict_decision *decisions, size_t decision_count,
                           const credo_preview_request *request, credo_preview_result *out,
                           credo_error *err);
void credo_preview_result_clear(credo_preview_result *result);

/* Appends the result as one JSON object with the keys owner, territory,
 * status, engagement_rule, claim, protected_until (a date or null),
 * conflict (null or the reason), conflict_key, problem and credit (a list
 * of objects with rep, kind, amount_minor, rule, role and hold). */
void credo_preview_json(const credo_preview_result *result, credo_buf *out);

/* Appends the result as plain text for a rep. */
void credo_preview_text(const credo_preview_result *result, credo_buf *out);

/* Copies snapshot into a new snapshot with the same string ids, rows and
 * columns, so that rows may be added to the copy. */
credo_status credo_snapshot_copy(const credo_snapshot *snapshot, credo_snapshot **out,
                                 credo_error *err);

#endif
