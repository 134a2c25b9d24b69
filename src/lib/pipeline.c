/* The pipeline computation: deal states as of two dates, the summary
 * counts and the notes on how the data was read, then the stall rules, the
 * roll-up and latency (each in its own file). */
#include "pipeline_internal.h"

#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"

const char *credo_stall_rule_name(credo_stall_rule rule)
{
    switch (rule) {
    case CREDO_STALL_DAYS_IN_STAGE: return "days_in_stage";
    case CREDO_STALL_NO_ACTIVITY: return "no_activity";
    case CREDO_STALL_CLOSE_PUSHED: return "close_date_pushed";
    case CREDO_STALL_AMOUNT_REDUCED: return "amount_reduced";
    case CREDO_STALL_PAST_CLOSE: return "past_close_date";
    case CREDO_STALL_RULE_COUNT: break;
    }
    return "unknown";
}

const char *credo_stall_rule_comparison(credo_stall_rule rule)
{
    return rule == CREDO_STALL_DAYS_IN_STAGE || rule == CREDO_STALL_PAST_CLOSE ? ">" : ">=";
}

const char *credo_stage_source_name(credo_stage_source source)
{
    switch (source) {
    case CREDO_STAGE_HISTORY: return "history";
    case CREDO_STAGE_SINCE_LOGGED: return "since_logged";
    case CREDO_STAGE_AT_LOGGING: return "stage_at_logging";
    case CREDO_STAGE_AT_CLOSE: return "at_close";
    case CREDO_STAGE_UNKNOWN: return "unknown";
    case CREDO_STAGE_SOURCE_COUNT: break;
    }
    return "unknown";
}

const char *credo_amount_source_name(credo_amount_source source)
{
    switch (source) {
    case CREDO_AMOUNT_RECORDED: return "recorded";
    case CREDO_AMOUNT_HISTORY: return "history";
    case CREDO_AMOUNT_LIST_PRICE: return "list_price";
    case CREDO_AMOUNT_LIST_FOLDED: return "list_price_folded";
    case CREDO_AMOUNT_UNPRICED: return "unpriced";
    case CREDO_AMOUNT_SOURCE_COUNT: break;
    }
    return "unknown";
}

const char *credo_rollup_kind_name(credo_rollup_kind kind)
{
    switch (kind) {
    case CREDO_ROLLUP_TERRITORY: return "territory";
    case CREDO_ROLLUP_MANAGER: return "manager";
    case CREDO_ROLLUP_REP: return "rep";
    case CREDO_ROLLUP_NONE: return "none";
    }
    return "unknown";
}

const char *credo_pipeline_stage_name(const credo_pipeline *pipeline, credo_str stage, uint32_t stage_index)
{
    if (stage != CREDO_STR_NONE)
        return credo_snapshot_text(pipeline->snapshot, stage);
    if (stage_index != CREDO_NO_ROW)
        return pipeline->rules->stages[stage_index].name;
    return NULL;
}

const char *credo_pipeline_category_name(const credo_pipeline *pipeline, size_t i)
{
    return i < pipeline->rules->category_count ? pipeline->rules->categories[i] : "uncategorised";
}

credo_date credo_pipeline_period_start(credo_pipeline_period period, credo_date date)
{
    int year, month, day;
    credo_date_to_civil(date, &year, &month, &day);
    if (year == 0)
        return date;
    if (period == CREDO_PERIOD_YEAR)
        month = 1;
    else if (period == CREDO_PERIOD_QUARTER)
        month = (month - 1) / 3 * 3 + 1;
    return credo_date_from_civil(year, month, 1);
}

void credo_pipeline_free(credo_pipeline *pipeline)
{
    if (pipeline == NULL)
        return;
    free(pipeline->states);
    free(pipeline->stage_counts);
    free(pipeline->without_account);
    free(pipeline->unknown_account);
    free(pipeline->price_matches);
    free(pipeline->uncategorised_stages);
    free(pipeline->limits);
    free(pipeline->flags);
    free(pipeline->rollup);
    free(pipeline->deal_latency);
    free(pipeline->latency);
    free(pipeline->late_deals);
    free(pipeline->candidates);
    free(pipeline);
}

/* A distinct name with its count, and its rank for the report order. */
typedef struct tally {
    const char *text;   /* NULL for none; sorts last */
    credo_str value;    /* the interned name, when there is one */
    uint32_t rank;      /* policy stage index, or CREDO_NO_ROW after them */
    uint8_t source;     /* price matches: credo_amount_source */
    uint32_t price;
    size_t count;
} tally;

static int compare_texts(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a == NULL) - (b == NULL);
    return strcmp(a, b);
}

static int compare_tally_values(const void *a, const void *b)
{
    const tally *x = a, *y = b;
    int order = compare_texts(x->text, y->text);
    if (order != 0)
        return order;
    return (x->source > y->source) - (x->source < y->source);
}

static int compare_tally_order(const void *a, const void *b)
{
    const tally *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return compare_texts(x->text, y->text);
}

/* Merges items with equal texts and sources (adding their counts), orders
 * the rest by rank, then text, and returns the number left. */
static size_t tally_merge(tally *items, size_t count)
{
    if (count == 0)
        return 0;
    qsort(items, count, sizeof *items, compare_tally_values);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (kept > 0 && compare_tally_values(&items[kept - 1], &items[i]) == 0) {
            items[kept - 1].count += items[i].count;
            continue;
        }
        items[kept++] = items[i];
    }
    qsort(items, kept, sizeof *items, compare_tally_order);
    return kept;
}

static credo_status count_stages(const pipeline_context *context, credo_pipeline *pipeline, tally *scratch,
                                 credo_error *err)
{
    size_t count = 0;
    for (uint32_t d = 0; d < context->snapshot->deals.count; d++) {
        const credo_deal_state *state = &pipeline->states[d];
        if (state->exists)
            scratch[count++] = (tally){.text = credo_pipeline_stage_name(pipeline, state->stage, state->stage_index),
                                       .rank = state->stage_index, .count = 1};
    }
    count = tally_merge(scratch, count);
    pipeline->stage_counts = calloc(count + 1, sizeof *pipeline->stage_counts);
    if (pipeline->stage_counts == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory counting stages");
    for (size_t i = 0; i < count; i++)
        pipeline->stage_counts[i] = (credo_stage_count){scratch[i].text, scratch[i].count};
    pipeline->stage_count = count;
    return CREDO_OK;
}

static bool uncategorised(const pipeline_context *context, const credo_deal_state *state)
{
    return state->stage_index == CREDO_NO_ROW ||
           context->rules->stages[state->stage_index].category_index == SIZE_MAX;
}

static credo_status list_uncategorised(const pipeline_context *context, credo_pipeline *pipeline, tally *scratch,
                                       credo_error *err)
{
    size_t count = 0;
    for (uint32_t d = 0; d < context->snapshot->deals.count; d++) {
        const credo_deal_state *state = &pipeline->states[d];
        if (state->exists && state->status == CREDO_DEAL_OPEN && uncategorised(context, state))
            scratch[count++] = (tally){.text = credo_pipeline_stage_name(pipeline, state->stage, state->stage_index),
                                       .count = 1};
    }
    count = tally_merge(scratch, count);
    pipeline->uncategorised_stages = calloc(count + 1, sizeof *pipeline->uncategorised_stages);
    if (pipeline->uncategorised_stages == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing stages");
    for (size_t i = 0; i < count; i++)
        pipeline->uncategorised_stages[i] = scratch[i].text;
    pipeline->uncategorised_stage_count = count;
    return CREDO_OK;
}

static bool priced_from_list(const credo_deal_state *state)
{
    return state->amount_source == CREDO_AMOUNT_LIST_PRICE || state->amount_source == CREDO_AMOUNT_LIST_FOLDED ||
           state->amount_source == CREDO_AMOUNT_UNPRICED;
}

static credo_status list_price_matches(const pipeline_context *context, credo_pipeline *pipeline, tally *scratch,
                                       credo_error *err)
{
    size_t count = 0;
    for (uint32_t d = 0; d < context->snapshot->deals.count; d++) {
        const credo_deal_state *state = &pipeline->states[d];
        if (state->exists && state->status == CREDO_DEAL_OPEN && priced_from_list(state))
            scratch[count++] = (tally){.text = credo_snapshot_text(context->snapshot, context->snapshot->deals.product[d]),
                                       .value = context->snapshot->deals.product[d], .source = state->amount_source,
                                       .price = state->price, .count = 1};
    }
    count = tally_merge(scratch, count);
    pipeline->price_matches = calloc(count + 1, sizeof *pipeline->price_matches);
    if (pipeline->price_matches == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing list prices");
    for (size_t i = 0; i < count; i++)
        pipeline->price_matches[i] = (credo_price_match){scratch[i].value, scratch[i].source, scratch[i].price,
                                                         scratch[i].count};
    pipeline->price_match_count = count;
    return CREDO_OK;
}

static size_t count_currencies(const pipeline_context *context, const credo_pipeline *pipeline, tally *scratch)
{
    size_t count = 0;
    for (uint32_t d = 0; d < context->snapshot->deals.count; d++) {
        if (pipeline->states[d].exists)
            scratch[count++] = (tally){.text = credo_snapshot_text(context->snapshot, context->snapshot->deals.currency[d]),
                                       .count = 1};
    }
    return tally_merge(scratch, count);
}

/* Existing deals with no account id (missing), and with an account id that
 * names no imported account (unknown). */
static credo_status list_accountless(const pipeline_context *context, credo_pipeline *pipeline, credo_error *err)
{
    const credo_deals *deals = &context->snapshot->deals;
    pipeline->without_account = calloc(deals->count + 1, sizeof *pipeline->without_account);
    pipeline->unknown_account = calloc(deals->count + 1, sizeof *pipeline->unknown_account);
    if (pipeline->without_account == NULL || pipeline->unknown_account == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing deals without an account");
    for (uint32_t d = 0; d < deals->count; d++) {
        if (!pipeline->states[d].exists)
            continue;
        if (deals->account_id[d] == CREDO_STR_NONE)
            pipeline->without_account[pipeline->without_account_count++] = d;
        else if (deals->account_row[d] == CREDO_NO_ROW)
            pipeline->unknown_account[pipeline->unknown_account_count++] = d;
    }
    return CREDO_OK;
}

static void count_deal(credo_pipeline *pipeline, const credo_deal_state *state)
{
    pipeline->deals++;
    pipeline->stage_sources[state->stage_source]++;
    pipeline->undated_deals += state->logged == CREDO_DATE_NONE;
    if (state->status == CREDO_DEAL_OPEN) {
        pipeline->open_deals++;
        pipeline->open_amount += state->amount;
        pipeline->amount_sources[state->amount_source]++;
        pipeline->multi_territory_owners += state->several_territories;
        return;
    }
    pipeline->won_deals += state->status == CREDO_DEAL_WON;
    pipeline->lost_deals += state->status == CREDO_DEAL_LOST;
    pipeline->closed_undated += state->close_date == CREDO_DATE_NONE;
}

static void count_data(const pipeline_context *context, credo_pipeline *pipeline)
{
    const credo_snapshot *snapshot = context->snapshot;
    for (uint32_t d = 0; d < snapshot->deals.count; d++) {
        if (pipeline->states[d].exists)
            count_deal(pipeline, &pipeline->states[d]);
    }
    for (size_t i = 0; i < snapshot->activities.count && !pipeline->has_activities; i++)
        pipeline->has_activities = snapshot->activities.date[i] <= pipeline->as_of;
    for (size_t i = 0; i < snapshot->history.count && !pipeline->has_history; i++)
        pipeline->has_history = snapshot->history.deal_row[i] != CREDO_NO_ROW &&
                                snapshot->history.date[i] <= pipeline->as_of;
    pipeline->has_quotas = snapshot->quotas.count > 0;
}

static credo_status summarise(const pipeline_context *context, credo_pipeline *pipeline, credo_error *err)
{
    count_data(context, pipeline);
    tally *scratch = malloc((context->snapshot->deals.count + 1) * sizeof *scratch);
    if (scratch == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory summarising the pipeline");
    credo_status status = count_stages(context, pipeline, scratch, err);
    if (status == CREDO_OK)
        status = list_uncategorised(context, pipeline, scratch, err);
    if (status == CREDO_OK)
        status = list_price_matches(context, pipeline, scratch, err);
    if (status == CREDO_OK)
        pipeline->currencies = count_currencies(context, pipeline, scratch);
    if (status == CREDO_OK)
        status = list_accountless(context, pipeline, err);
    free(scratch);
    return status;
}

/* Fills the states as of both dates and every part of the result. */
static credo_status compute_parts(const pipeline_context *context, credo_pipeline *pipeline, credo_error *err)
{
    size_t deal_count = context->snapshot->deals.count;
    pipeline->states = calloc(deal_count + 1, sizeof *pipeline->states);
    credo_deal_state *then_states = calloc(deal_count + 1, sizeof *then_states);
    if (pipeline->states == NULL || then_states == NULL) {
        free(then_states);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory for %zu deal states", deal_count);
    }
    credo_status status = pipeline_fill_states(context, pipeline->since, then_states, err);
    if (status == CREDO_OK)
        status = pipeline_fill_states(context, pipeline->as_of, pipeline->states, err);
    if (status == CREDO_OK)
        status = summarise(context, pipeline, err);
    if (status == CREDO_OK)
        status = pipeline_stall(context, pipeline, err);
    if (status == CREDO_OK)
        status = pipeline_rollup(context, pipeline, then_states, err);
    if (status == CREDO_OK)
        status = pipeline_latency(context, pipeline, err);
    free(then_states);
    return status;
}

static credo_status check_arguments(const credo_policy *policy, credo_date as_of, credo_date since,
                                    credo_error *err)
{
    char as_of_text[16], since_text[16];
    if (policy->pipeline == NULL)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "the policy %s has no pipeline section; add one with the stages and stall "
                               "rules (docs/pipeline.md describes it)",
                               policy->path != NULL ? policy->path : "");
    if (as_of == CREDO_DATE_NONE || since == CREDO_DATE_NONE || since > as_of)
        return credo_error_set(err, CREDO_ERR_INVALID,
                               "the comparison date %s is after the as-of date %s; give a date on or before "
                               "the as-of date",
                               credo_format_date(since, since_text), credo_format_date(as_of, as_of_text));
    return CREDO_OK;
}

credo_status credo_pipeline_compute(const credo_snapshot *snapshot, const credo_policy *policy,
                                    credo_date as_of, credo_date since, credo_pipeline **out,
                                    credo_error *err)
{
    *out = NULL;
    credo_status status = check_arguments(policy, as_of, since, err);
    if (status != CREDO_OK)
        return status;
    credo_pipeline *pipeline = calloc(1, sizeof *pipeline);
    if (pipeline == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory for the pipeline");
    pipeline->snapshot = snapshot;
    pipeline->policy = policy;
    pipeline->rules = policy->pipeline;
    pipeline->as_of = as_of;
    pipeline->since = since;
    pipeline->period_start = credo_pipeline_period_start(policy->pipeline->period, as_of);

    credo_assignment *assignment = NULL;
    pipeline_context context;
    status = credo_assign_accounts_fast(snapshot, policy, 0, NULL, &assignment, err);
    if (status == CREDO_OK)
        status = pipeline_context_init(&context, snapshot, policy, assignment, err);
    if (status == CREDO_OK) {
        status = compute_parts(&context, pipeline, err);
        pipeline_context_free(&context);
    }
    credo_assignment_free(assignment);
    if (status != CREDO_OK) {
        credo_pipeline_free(pipeline);
        return status;
    }
    *out = pipeline;
    return CREDO_OK;
}
