/* Internals of the pipeline engine, shared by its source files and not
 * part of the public API. pipeline.c runs the whole computation and counts
 * the summary. pipeline_history.c derives stage history and the state of a
 * deal on a date, and pipeline_price.c prices deals from list prices.
 * pipeline_stall.c, pipeline_rollup.c and pipeline_latency.c compute the
 * stall rules, the forecast roll-up and logging latency. */
#ifndef CREDO_PIPELINE_INTERNAL_H
#define CREDO_PIPELINE_INTERNAL_H

#include "credo/engine.h"
#include "credo/pipeline.h"

/* Rows [start[i], end[i]) of an event table that belong to row i of
 * another table: the history rows of each deal, the activities of each
 * account. start[i] == end[i] when there are none. */
typedef struct pipeline_ranges {
    uint32_t *start;
    uint32_t *end;
} pipeline_ranges;

/* One stage a deal was in, from `entered` until the next segment's entry
 * (or the as-of date for the last one). */
typedef struct pipeline_segment {
    credo_str stage;        /* CREDO_STR_NONE when unknown or named by stage_index only */
    uint32_t stage_index;   /* policy stage, or CREDO_NO_ROW */
    credo_date entered;     /* CREDO_DATE_NONE when unknown */
    uint8_t source;         /* credo_stage_source */
} pipeline_segment;

/* Everything the engines share for one computation. */
typedef struct pipeline_context {
    const credo_snapshot *snapshot;
    const credo_policy *policy;
    const credo_pipeline_policy *rules;  /* may be NULL */
    const credo_assignment *assignment;  /* may be NULL: no account territories */
    pipeline_ranges history;             /* per deal row */
    pipeline_ranges activities;          /* per account row */
    pipeline_segment *segments;          /* scratch, segment_capacity entries */
    size_t segment_capacity;
    credo_str *stage_names;              /* per policy stage: the interned name, or NONE */
    credo_str stage_at_logging;          /* interned name, or NONE when no deal names it */
    uint32_t stage_at_logging_index;     /* policy stage, or CREDO_NO_ROW when the policy names none */
    char **folded_prices;                /* per list price: its folded name */
    uint8_t *product_source;             /* per string id: credo_amount_source, or 0xFF not yet looked up */
    uint32_t *product_price;             /* per string id: the list price found */
    size_t string_count;
} pipeline_context;

/* Builds the context: row ranges, interned stage names, folded list
 * prices. assignment may be NULL. Free with pipeline_context_free. */
credo_status pipeline_context_init(pipeline_context *context, const credo_snapshot *snapshot,
                                   const credo_policy *policy, const credo_assignment *assignment,
                                   credo_error *err);
void pipeline_context_free(pipeline_context *context);

/* Writes the stages that deal row `deal` went through, as known on date,
 * oldest first, into context->segments and returns their number (at least
 * one for a deal that exists on date). */
size_t pipeline_deal_segments(const pipeline_context *context, uint32_t deal, credo_date date);

/* Returns the day the deal was logged: its created date, or its first
 * history row's date when created is missing; CREDO_DATE_NONE when
 * neither is known. */
credo_date pipeline_logged_date(const pipeline_context *context, uint32_t deal);

/* Fills states[d] for every deal row as of date. */
credo_status pipeline_fill_states(const pipeline_context *context, credo_date date, credo_deal_state *states,
                                  credo_error *err);

/* Returns the index of the policy stage whose interned name is stage, or
 * CREDO_NO_ROW. */
uint32_t pipeline_stage_index(const pipeline_context *context, credo_str stage);

/* Writes name in lower case without spaces or tabs into out, which has
 * room for strlen(name) + 1 bytes. List prices match a product by this
 * folded name when no name is equal. */
void pipeline_fold_name(const char *name, char *out);

/* Prices an open deal without an amount from the list prices: sets *price
 * to the list price's index (or CREDO_NO_ROW) and returns LIST_PRICE,
 * LIST_FOLDED or UNPRICED. Results are cached per product name. A deal in
 * another currency than the list prices is UNPRICED. */
credo_amount_source pipeline_price_lookup(const pipeline_context *context, credo_str product,
                                          credo_str currency, uint32_t *price);

/* Returns the rep row of the deal owner's manager, or CREDO_NO_ROW. */
uint32_t pipeline_manager_row(const credo_snapshot *snapshot, uint32_t owner_row);

/* Returns the P-th percentile of count sorted values by the nearest-rank
 * method, or -1 when count is 0. */
int pipeline_percentile(const int *sorted, size_t count, int percentile);

/* Sorts ints ascending. */
void pipeline_sort_ints(int *values, size_t count);

/* Returns numerator / denominator in basis points, rounded down and capped
 * at INT32_MAX; both must be positive. */
credo_bp pipeline_ratio_bp(credo_money numerator, credo_money denominator);

/* Stall rules: limits of each stage and the flags (pipeline->states must
 * be filled). */
credo_status pipeline_stall(const pipeline_context *context, credo_pipeline *pipeline, credo_error *err);

/* The roll-up by territory and manager; then_states are the states as of
 * pipeline->since. */
credo_status pipeline_rollup(const pipeline_context *context, credo_pipeline *pipeline,
                             const credo_deal_state *then_states, credo_error *err);

/* Logging latency, late-logged deals and candidate accounts. */
credo_status pipeline_latency(const pipeline_context *context, credo_pipeline *pipeline, credo_error *err);

#endif
