/* The context shared by the pipeline engines: the history rows of each
 * deal, the activities of each account, the interned stage names and the
 * folded list prices. */
#include "pipeline_internal.h"

#include <stdlib.h>
#include <string.h>

/* Allocates ranges for `count` rows, all empty. */
static int ranges_new(pipeline_ranges *ranges, size_t count)
{
    ranges->start = calloc(count + 1, sizeof *ranges->start);
    ranges->end = calloc(count + 1, sizeof *ranges->end);
    return ranges->start == NULL || ranges->end == NULL ? -1 : 0;
}

static void ranges_free(pipeline_ranges *ranges)
{
    free(ranges->start);
    free(ranges->end);
}

/* Rows that link to the same target are adjacent, because event tables are
 * sorted by the target's id first and ids map to rows in the same order. */
static void ranges_fill(pipeline_ranges *ranges, const uint32_t *links, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t target = links[i];
        if (target == CREDO_NO_ROW)
            continue;
        if (ranges->start[target] == ranges->end[target])
            ranges->start[target] = (uint32_t)i;
        ranges->end[target] = (uint32_t)i + 1;
    }
}

static credo_status init_ranges(pipeline_context *context, credo_error *err)
{
    const credo_snapshot *snapshot = context->snapshot;
    if (ranges_new(&context->history, snapshot->deals.count) != 0 ||
        ranges_new(&context->activities, snapshot->accounts.count) != 0)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory indexing history and activities");
    ranges_fill(&context->history, snapshot->history.deal_row, snapshot->history.count);
    ranges_fill(&context->activities, snapshot->activities.account_row, snapshot->activities.count);

    /* The maximum number of segments of a deal: one per history row, plus
     * the stage before its close and its closed stage. */
    size_t longest = 0;
    for (size_t d = 0; d < snapshot->deals.count; d++) {
        size_t rows = context->history.end[d] - context->history.start[d];
        if (rows > longest)
            longest = rows;
    }
    context->segment_capacity = longest + 2;
    context->segments = calloc(context->segment_capacity, sizeof *context->segments);
    if (context->segments == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory for stage history");
    return CREDO_OK;
}

static credo_status init_names(pipeline_context *context, credo_error *err)
{
    const credo_pipeline_policy *rules = context->rules;
    const credo_strpool *strings = context->snapshot->strings;
    if (rules == NULL)
        return CREDO_OK;
    if (rules->stage_count > 0) {
        context->stage_names = calloc(rules->stage_count, sizeof *context->stage_names);
        if (context->stage_names == NULL)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory for stage names");
    }
    for (size_t i = 0; i < rules->stage_count; i++) {
        const char *name = rules->stages[i].name;
        context->stage_names[i] = credo_strpool_find(strings, name, strlen(name));
    }
    if (rules->stage_at_logging_index != SIZE_MAX) {
        context->stage_at_logging = context->stage_names[rules->stage_at_logging_index];
        context->stage_at_logging_index = (uint32_t)rules->stage_at_logging_index;
    }
    return CREDO_OK;
}

static credo_status init_prices(pipeline_context *context, credo_error *err)
{
    const credo_pipeline_policy *rules = context->rules;
    if (rules == NULL || rules->price_count == 0)
        return CREDO_OK;
    context->folded_prices = calloc(rules->price_count, sizeof *context->folded_prices);
    context->string_count = credo_strpool_count(context->snapshot->strings);
    context->product_source = malloc(context->string_count);
    context->product_price = calloc(context->string_count, sizeof *context->product_price);
    if (context->folded_prices == NULL || context->product_source == NULL || context->product_price == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory for list prices");
    memset(context->product_source, 0xFF, context->string_count);
    for (size_t i = 0; i < rules->price_count; i++) {
        context->folded_prices[i] = malloc(strlen(rules->prices[i].product) + 1);
        if (context->folded_prices[i] == NULL)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory for list prices");
        pipeline_fold_name(rules->prices[i].product, context->folded_prices[i]);
    }
    return CREDO_OK;
}

credo_status pipeline_context_init(pipeline_context *context, const credo_snapshot *snapshot,
                                   const credo_policy *policy, const credo_assignment *assignment,
                                   credo_error *err)
{
    memset(context, 0, sizeof *context);
    context->snapshot = snapshot;
    context->policy = policy;
    context->rules = policy != NULL ? policy->pipeline : NULL;
    context->assignment = assignment;
    context->stage_at_logging_index = CREDO_NO_ROW;
    credo_status status = init_ranges(context, err);
    if (status == CREDO_OK)
        status = init_names(context, err);
    if (status == CREDO_OK)
        status = init_prices(context, err);
    if (status != CREDO_OK)
        pipeline_context_free(context);
    return status;
}

void pipeline_context_free(pipeline_context *context)
{
    ranges_free(&context->history);
    ranges_free(&context->activities);
    free(context->segments);
    free(context->stage_names);
    if (context->folded_prices != NULL) {
        for (size_t i = 0; i < context->rules->price_count; i++)
            free(context->folded_prices[i]);
    }
    free(context->folded_prices);
    free(context->product_source);
    free(context->product_price);
    memset(context, 0, sizeof *context);
}

uint32_t pipeline_stage_index(const pipeline_context *context, credo_str stage)
{
    if (context->rules == NULL || stage == CREDO_STR_NONE)
        return CREDO_NO_ROW;
    for (size_t i = 0; i < context->rules->stage_count; i++) {
        if (context->stage_names[i] == stage)
            return (uint32_t)i;
    }
    return CREDO_NO_ROW;
}
