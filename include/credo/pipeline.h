/* Pipeline visibility: the stage history of deals, stall rules, the
 * forecast roll-up by territory and manager, and logging latency (how late
 * deals are logged after the work on an account began). docs/pipeline.md
 * is the reference for users.
 *
 * Everything is evaluated "as of" a date and uses only what was known on
 * that date:
 * - A deal exists from the day it was logged (its created date). A deal
 *   without a logged date cannot be placed in time and exists at every
 *   date.
 * - A won or lost deal is closed from its close date on; before that date it
 *   is open. A closed deal without a close date is closed at every date.
 * - Stage, amount and expected close date come from the latest deal
 *   history row dated on or before the as-of date. Without such a row they
 *   are derived from the deal's own fields, and the result counts every
 *   derivation so that reports can state it (credo_stage_source).
 * - Activities count from the day they happened; later ones are ignored.
 *
 * Day counts are whole days between two dates (a deal that entered a stage
 * on the as-of date has spent 0 days in it). Percentiles of day counts use
 * the nearest-rank method on the sorted values: the P-th percentile of N
 * values is the value of rank ceil(P * N / 100), computed in integers.
 * Money is integer minor units and shares are basis points. */
#ifndef CREDO_PIPELINE_H
#define CREDO_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "credo/buf.h"
#include "credo/error.h"
#include "credo/model.h"
#include "credo/policy.h"
#include "credo/types.h"

/* Maximum number of distinct forecast categories in a policy. */
#define CREDO_PIPELINE_MAX_CATEGORIES 16

/* Maximum depth of the manager chain that the roll-up follows upwards; a
 * longer chain (or a cycle) stops there. */
#define CREDO_PIPELINE_MAX_MANAGER_DEPTH 32

/* ---- The pipeline section of the policy ----------------------------- */

/* A maximum number of days in a stage: written in the policy (fixed), or
 * derived on each as-of date as a percentile of the days that deals won by
 * then spent in the stage. */
typedef struct credo_pipeline_limit {
    bool set;           /* false: the stage has no maximum */
    int days;           /* fixed limit; for a derived limit, the fallback or -1 */
    int percentile;     /* 1..100 for a derived limit, 0 for a fixed one */
    int min_deals;      /* minimum number of won deals a derived limit needs */
} credo_pipeline_limit;

/* An open stage, as the source names it, with its forecast category. */
typedef struct credo_pipeline_stage {
    char *name;
    char *category;     /* NULL: open deals in the stage are uncategorised */
    size_t category_index; /* into credo_pipeline_policy.categories, or SIZE_MAX */
    credo_pipeline_limit max_days;
    credo_policy_pos pos;
} credo_pipeline_stage;

/* A product's list price, which prices open deals that have no amount. */
typedef struct credo_pipeline_price {
    char *product;
    credo_money amount; /* minor units of credo_pipeline_policy.price_currency */
} credo_pipeline_price;

/* Calendar period from whose start won and lost deals are counted. */
typedef enum credo_pipeline_period {
    CREDO_PERIOD_MONTH = 0,
    CREDO_PERIOD_QUARTER = 1,
    CREDO_PERIOD_YEAR = 2
} credo_pipeline_period;

/* Rule thresholds are -1 when the rule is off. */
struct credo_pipeline_policy {
    credo_pipeline_period period;
    credo_pipeline_stage *stages; /* pipeline order */
    size_t stage_count;
    char *categories[CREDO_PIPELINE_MAX_CATEGORIES]; /* distinct, in first-use order */
    size_t category_count;
    char *stage_at_logging;     /* stage of a closed deal without history before its close; may be NULL */
    size_t stage_at_logging_index; /* its index in stages, or SIZE_MAX */
    int no_activity_days;       /* flag when the days since the last activity are >= this */
    int close_date_pushes;      /* flag when the expected close date moved later >= this many times */
    int amount_reduced_percent; /* flag when the amount fell by >= this percent of its peak */
    int past_close_days;        /* flag when the days past the expected close date are > this */
    char **qualifying_types;    /* activity types that count for latency; none listed: every type */
    size_t qualifying_count;
    int lookback_days;          /* how far before a deal was logged its first activity is sought */
    int recent_days;            /* window of "recent" activity for candidate accounts */
    size_t late_stage;          /* index into stages: logging at or after it is late; SIZE_MAX: none */
    char *price_currency;       /* currency of the list prices; NULL without list prices */
    credo_pipeline_price *prices;
    size_t price_count;
};

/* ---- Deal state as of a date ----------------------------------------- */

/* Where a deal's current stage and its entry date come from. */
typedef enum credo_stage_source {
    CREDO_STAGE_HISTORY = 0,      /* an imported history row */
    CREDO_STAGE_SINCE_LOGGED = 1, /* no history: the deal's stage, since the day it was logged */
    CREDO_STAGE_AT_LOGGING = 2,   /* no history, closed later: the policy's stage_at_logging */
    CREDO_STAGE_AT_CLOSE = 3,     /* the won or lost stage, from the close date */
    CREDO_STAGE_UNKNOWN = 4,      /* no history, closed later, no stage_at_logging */
    CREDO_STAGE_SOURCE_COUNT
} credo_stage_source;

/* Where an open deal's amount comes from. */
typedef enum credo_amount_source {
    CREDO_AMOUNT_RECORDED = 0,    /* the deal's amount */
    CREDO_AMOUNT_HISTORY = 1,     /* the latest history row that gives an amount */
    CREDO_AMOUNT_LIST_PRICE = 2,  /* no amount: the product's list price, name equal */
    CREDO_AMOUNT_LIST_FOLDED = 3, /* no amount: the list price of a name equal when spaces and case are ignored */
    CREDO_AMOUNT_UNPRICED = 4,    /* no amount and no list price */
    CREDO_AMOUNT_SOURCE_COUNT
} credo_amount_source;

/* A deal as of one date. "No amount" means 0, because the store keeps a
 * missing amount as 0. */
typedef struct credo_deal_state {
    bool exists;            /* logged on or before the date, or never dated */
    uint8_t status;         /* credo_deal_status on the date */
    credo_str stage;        /* CREDO_STR_NONE when unknown, or when only stage_index names it */
    uint32_t stage_index;   /* into the policy's stages, or CREDO_NO_ROW */
    credo_date entered;     /* day the stage was entered; CREDO_DATE_NONE when unknown */
    uint8_t stage_source;   /* credo_stage_source */
    credo_str first_stage;  /* the stage the deal was logged in, as stage above */
    uint32_t first_stage_index;
    bool first_from_history; /* first_stage comes from a history row */
    credo_money amount;     /* minor units */
    uint8_t amount_source;  /* credo_amount_source */
    uint32_t price;         /* list price used, index into the policy's prices, or CREDO_NO_ROW */
    credo_money peak_amount; /* highest amount of the history rows; CREDO_MONEY_NONE without */
    credo_money history_amount; /* latest amount of the history rows; CREDO_MONEY_NONE without */
    credo_date close_date;  /* expected close date, or the actual one when closed */
    uint32_t close_pushes;  /* times the expected close date moved later */
    credo_date logged;      /* CREDO_DATE_NONE when unknown */
    uint32_t owner;         /* rep row of the recorded owner, or CREDO_NO_ROW */
    uint32_t territory;     /* policy territory of the owner on the date, or CREDO_NO_ROW */
    bool several_territories; /* the owner sells in several territories on the date */
} credo_deal_state;

/* ---- Stall rules ------------------------------------------------------ */

typedef enum credo_stall_rule {
    CREDO_STALL_DAYS_IN_STAGE = 0,  /* value: days in the stage; flagged when > limit */
    CREDO_STALL_NO_ACTIVITY = 1,    /* value: days since the last activity; flagged when >= limit */
    CREDO_STALL_CLOSE_PUSHED = 2,   /* value: pushes of the close date; flagged when >= limit */
    CREDO_STALL_AMOUNT_REDUCED = 3, /* value: reduction from the peak in basis points; flagged when >= limit */
    CREDO_STALL_PAST_CLOSE = 4,     /* value: days past the expected close date; flagged when > limit */
    CREDO_STALL_RULE_COUNT
} credo_stall_rule;

/* The maximum days of one stage on the as-of date. */
typedef struct credo_stage_limit {
    bool active;        /* a limit applies */
    bool derived;       /* from the percentile of won deals */
    bool fallback;      /* a derived limit lacked won deals, so the fallback applies */
    int days;
    size_t sample;      /* won deals measured for a derived limit */
} credo_stage_limit;

/* One deal that crossed one rule's limit. */
typedef struct credo_stall_flag {
    uint32_t deal;          /* deal row */
    credo_stall_rule rule;
    int64_t limit;          /* in the rule's unit: days, pushes or basis points */
    int64_t value;          /* the measured value, same unit */
    credo_date since;       /* the date measured from (stage entry, last activity, expected close) or NONE */
    bool limit_derived;     /* the limit is a percentile of won deals */
    const char *owner_id;   /* borrowed; NULL when the deal has no owner */
    const char *manager_id; /* the owner's manager, borrowed; NULL when unknown */
} credo_stall_flag;

/* How one rule went on the as-of date. */
typedef struct credo_rule_summary {
    bool enabled;       /* the policy sets the rule */
    bool evaluated;     /* the data can show it: activities, history or close dates exist */
    size_t measured;    /* open deals measured */
    size_t unmeasured;  /* open deals the rule could not measure (a date is missing) */
    size_t flagged;
} credo_rule_summary;

/* ---- Roll-up ---------------------------------------------------------- */

typedef enum credo_rollup_kind {
    CREDO_ROLLUP_TERRITORY = 0, /* a territory with its descendants */
    CREDO_ROLLUP_MANAGER = 1,   /* a rep with everyone who reports to them */
    CREDO_ROLLUP_REP = 2,       /* a rep without reports */
    CREDO_ROLLUP_NONE = 3       /* deals with no territory, or no owner or manager */
} credo_rollup_kind;

/* Pipeline totals of one group. */
typedef struct credo_rollup_totals {
    size_t open_count;
    credo_money open_amount;
    /* By forecast category: index i < the policy's category_count is its
     * category i, index category_count is "uncategorised". */
    size_t category_count[CREDO_PIPELINE_MAX_CATEGORIES + 1];
    credo_money category_amount[CREDO_PIPELINE_MAX_CATEGORIES + 1];
    size_t won_count;       /* won in [period_start, as_of] */
    credo_money won_amount;
    size_t lost_count;      /* lost in [period_start, as_of] */
    credo_money lost_amount;
} credo_rollup_totals;

typedef struct credo_rollup_row {
    bool by_manager;        /* a row of the manager table, else of the territory table */
    credo_rollup_kind kind;
    const char *id;         /* territory or rep id, borrowed; "" for CREDO_ROLLUP_NONE */
    const char *name;       /* display name, borrowed; may equal id */
    const char *parent_id;  /* borrowed; NULL at the top */
    unsigned depth;         /* 0 at the top of its hierarchy */
    credo_rollup_totals now;   /* as of as_of */
    credo_rollup_totals then;  /* as of since */
    size_t won_between;     /* won in (since, as_of] */
    credo_money won_between_amount;
    bool has_quota;         /* a quota period of a rep in the group contains as_of */
    credo_money quota;      /* sum of those quotas */
    credo_money quota_won;  /* won by those reps from each quota's start to as_of */
    credo_bp coverage;      /* open_amount / (quota - quota_won) in basis points; -1 when not defined */
} credo_rollup_row;

/* ---- Latency ---------------------------------------------------------- */

/* Buckets of logging latency in days: 0, 1-7, 8-30, 31-90, 91 and more. */
#define CREDO_LATENCY_BUCKETS 5

/* Distribution of days from the first qualifying activity to the deal
 * being logged; min, median, p90 and max are -1 when count is 0. */
typedef struct credo_latency_stats {
    size_t count;
    int min, median, p90, max;
    size_t buckets[CREDO_LATENCY_BUCKETS];
    size_t no_prior_activity; /* deals logged with no qualifying activity before them */
} credo_latency_stats;

typedef struct credo_latency_row {
    credo_rollup_kind kind; /* REP, MANAGER (a team) or NONE (everyone) */
    const char *id;         /* borrowed; "" for everyone, NULL for deals without an owner or manager */
    credo_latency_stats stats;
} credo_latency_row;

/* Values of credo_pipeline.deal_latency for deals not measured: the deal
 * does not exist yet or has no logged date or account, or no qualifying
 * activity on its account preceded its logging. */
#define CREDO_LATENCY_NOT_MEASURED (-1)
#define CREDO_LATENCY_NO_ACTIVITY (-2)

/* A deal logged at or after the policy's late stage, or already closed. */
typedef struct credo_late_deal {
    uint32_t deal;
    const char *first_stage; /* borrowed; NULL when unknown */
    bool logged_closed;     /* logged on or after its close date */
} credo_late_deal;

/* An account with recent qualifying activity and no open deal. */
typedef struct credo_candidate_account {
    uint32_t account;       /* account row */
    credo_date last_activity;
    credo_str last_rep;     /* rep of the latest qualifying activity */
    size_t activities;      /* qualifying activities in the recent window */
} credo_candidate_account;

/* ---- The whole result ------------------------------------------------- */

typedef struct credo_stage_count {
    const char *stage;      /* borrowed; NULL for deals whose stage is unknown */
    size_t count;
} credo_stage_count;

/* A product name and how it was priced: by a list price matched exactly,
 * by folding, or not at all. */
typedef struct credo_price_match {
    credo_str product;      /* CREDO_STR_NONE for deals without a product */
    uint8_t amount_source;  /* LIST_PRICE, LIST_FOLDED or UNPRICED */
    uint32_t price;         /* index into the policy's prices, or CREDO_NO_ROW */
    size_t deals;           /* open deals priced this way */
} credo_price_match;

typedef struct credo_pipeline {
    const credo_snapshot *snapshot; /* borrowed */
    const credo_policy *policy;     /* borrowed */
    const credo_pipeline_policy *rules; /* policy->pipeline */
    credo_date as_of, since;
    credo_date period_start;        /* first day of the period that contains as_of */

    credo_deal_state *states;       /* one per deal row, as of as_of */
    size_t deals;                   /* deals that exist as of as_of */
    size_t open_deals, won_deals, lost_deals;
    credo_money open_amount;
    credo_stage_count *stage_counts; /* policy stage order, then by name */
    size_t stage_count;
    uint32_t *without_account;      /* existing deals with no account id, ascending deal id */
    size_t without_account_count;
    uint32_t *unknown_account;      /* existing deals whose account id is not imported */
    size_t unknown_account_count;

    /* How the data was read. */
    size_t stage_sources[CREDO_STAGE_SOURCE_COUNT]; /* existing deals by source of their stage */
    size_t amount_sources[CREDO_AMOUNT_SOURCE_COUNT]; /* open deals by source of their amount */
    size_t undated_deals;           /* existing deals without a logged date */
    size_t closed_undated;          /* closed deals without a close date */
    credo_price_match *price_matches; /* by product name */
    size_t price_match_count;
    const char **uncategorised_stages; /* stages of open deals without a forecast category; NULL: unknown */
    size_t uncategorised_stage_count;
    size_t currencies;              /* distinct currencies among existing deals */
    size_t multi_territory_owners;  /* open deals whose owner sells in several territories */
    bool has_activities, has_history, has_quotas;

    /* Stall rules: limits per policy stage, then flags ordered by rule,
     * then value (largest first), then deal id. */
    credo_stage_limit *limits;
    credo_rule_summary rules_summary[CREDO_STALL_RULE_COUNT];
    credo_stall_flag *flags;
    size_t flag_count;

    /* Roll-up: territories in hierarchy order (a parent before its
     * children), then "(no territory)"; then managers and reps in reporting
     * order, then "(no manager)". */
    credo_rollup_row *rollup;
    size_t rollup_count;

    /* Latency per deal row: days from the first qualifying activity to the
     * logging, or a CREDO_LATENCY_* value. Then the distributions of
     * everyone, of each team (by manager id) and of each rep. */
    int32_t *deal_latency;
    credo_latency_row *latency;
    size_t latency_count;
    credo_late_deal *late_deals;
    size_t late_deal_count;
    credo_candidate_account *candidates; /* latest activity first */
    size_t candidate_count;
} credo_pipeline;

/* Computes everything as of as_of, and the roll-up also as of since (an
 * earlier date, for the change between the two). The policy must have a
 * pipeline section (CREDO_ERR_INVALID otherwise). snapshot and policy must
 * outlive the result. */
credo_status credo_pipeline_compute(const credo_snapshot *snapshot, const credo_policy *policy,
                                    credo_date as_of, credo_date since, credo_pipeline **out,
                                    credo_error *err);
void credo_pipeline_free(credo_pipeline *pipeline);

/* Fills states[d] for every deal row d as of date (see the file comment).
 * states has snapshot->deals.count entries. The policy's pipeline section
 * supplies stage_at_logging, the stage list and the list prices; it may be
 * NULL. */
credo_status credo_pipeline_states(const credo_snapshot *snapshot, const credo_policy *policy,
                                   credo_date date, credo_deal_state *states, credo_error *err);

/* Appends the result as one JSON object: as_of, since, period_start,
 * deals, open_deals, open_amount_minor, won_deals, lost_deals,
 * deals_by_stage (stage -> count), deals_without_account (count) with
 * deals_without_account_ids, deals_with_unknown_account_ids, derivations,
 * stage_limits, rules, stalled (deal_id, owner_id, manager_id, rule,
 * limit, value, ...), rollup (one list: territories, then managers and
 * reps) and latency. Every list is complete. */
void credo_pipeline_json(const credo_pipeline *pipeline, credo_buf *out);

/* Short names used in reports and JSON. */
const char *credo_stall_rule_name(credo_stall_rule rule);
const char *credo_stage_source_name(credo_stage_source source);
const char *credo_amount_source_name(credo_amount_source source);
const char *credo_rollup_kind_name(credo_rollup_kind kind);

/* Returns the comparison that flags a rule: ">" or ">=". */
const char *credo_stall_rule_comparison(credo_stall_rule rule);

/* Returns the forecast category name of index i of a roll-up's category
 * arrays: the policy's category, or "uncategorised" for the last. */
const char *credo_pipeline_category_name(const credo_pipeline *pipeline, size_t i);

/* Returns the name of a stage given as in credo_deal_state (an interned
 * name, or a policy stage index when no deal names the stage), or NULL
 * when the stage is unknown. */
const char *credo_pipeline_stage_name(const credo_pipeline *pipeline, credo_str stage, uint32_t stage_index);

/* Returns the first day of the period that contains date. */
credo_date credo_pipeline_period_start(credo_pipeline_period period, credo_date date);

#endif
