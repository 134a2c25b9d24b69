/* Stall rules: the limits of each stage on the as-of date (fixed, or a
 * percentile of the days won deals spent in the stage) and the open deals
 * that crossed a rule's limit. */
#include "pipeline_internal.h"

#include <stdlib.h>
#include <string.h>

/* Growable list of flags. */
typedef struct flag_list {
    credo_stall_flag *items;
    size_t count, capacity;
} flag_list;

uint32_t pipeline_manager_row(const credo_snapshot *snapshot, uint32_t owner_row)
{
    if (owner_row == CREDO_NO_ROW)
        return CREDO_NO_ROW;
    return credo_snapshot_find_rep(snapshot, snapshot->reps.manager_id[owner_row]);
}

/* Adds the days that won deal `deal` spent in each policy stage to
 * samples[stage], a deal's revisits to a stage summed. A deal with an
 * unknown entry date in a stage adds nothing for that stage. */
static void sample_won_deal(const pipeline_context *context, uint32_t deal, credo_date as_of, int *days,
                            bool *unknown, int **samples, size_t *sample_counts)
{
    size_t stage_count = context->rules->stage_count;
    memset(days, 0, stage_count * sizeof *days);
    memset(unknown, 0, stage_count * sizeof *unknown);
    bool *seen = unknown + stage_count;
    memset(seen, 0, stage_count * sizeof *seen);

    size_t count = pipeline_deal_segments(context, deal, as_of);
    for (size_t k = 0; k + 1 < count; k++) {
        const pipeline_segment *segment = &context->segments[k];
        uint32_t stage = segment->stage_index;
        if (stage == CREDO_NO_ROW)
            continue;
        seen[stage] = true;
        credo_date left = context->segments[k + 1].entered;
        if (segment->entered == CREDO_DATE_NONE || left == CREDO_DATE_NONE)
            unknown[stage] = true;
        else
            days[stage] += left - segment->entered;
    }
    for (size_t s = 0; s < stage_count; s++) {
        if (seen[s] && !unknown[s])
            samples[s][sample_counts[s]++] = days[s];
    }
}

static void set_limit(const credo_pipeline_limit *limit, int *sample, size_t sample_count,
                      credo_stage_limit *out)
{
    memset(out, 0, sizeof *out);
    if (!limit->set)
        return;
    if (limit->percentile == 0) {
        out->active = true;
        out->days = limit->days;
        return;
    }
    out->sample = sample_count;
    if (sample_count >= (size_t)limit->min_deals) {
        pipeline_sort_ints(sample, sample_count);
        out->active = out->derived = true;
        out->days = pipeline_percentile(sample, sample_count, limit->percentile);
    } else if (limit->days >= 0) {
        out->active = out->fallback = true;
        out->days = limit->days;
    }
}

/* Derives every stage's limit from the deals won by the as-of date. */
static credo_status compute_limits(const pipeline_context *context, credo_pipeline *pipeline, credo_error *err)
{
    size_t stage_count = context->rules->stage_count;
    if (stage_count == 0)
        return CREDO_OK;
    size_t deal_count = context->snapshot->deals.count;
    pipeline->limits = calloc(stage_count, sizeof *pipeline->limits);
    int **samples = calloc(stage_count, sizeof *samples);
    size_t *sample_counts = calloc(stage_count, sizeof *sample_counts);
    int *days = calloc(stage_count, sizeof *days);
    bool *flags = calloc(2 * stage_count, sizeof *flags);
    credo_status status = CREDO_OK;
    if (pipeline->limits == NULL || samples == NULL || sample_counts == NULL || days == NULL || flags == NULL)
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory deriving stage limits");
    for (size_t s = 0; s < stage_count && status == CREDO_OK; s++) {
        samples[s] = malloc((deal_count + 1) * sizeof **samples);
        if (samples[s] == NULL)
            status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory deriving stage limits");
    }
    for (uint32_t d = 0; d < deal_count && status == CREDO_OK; d++) {
        const credo_deal_state *state = &pipeline->states[d];
        if (state->exists && state->status == CREDO_DEAL_WON)
            sample_won_deal(context, d, pipeline->as_of, days, flags, samples, sample_counts);
    }
    for (size_t s = 0; s < stage_count && status == CREDO_OK; s++)
        set_limit(&context->rules->stages[s].max_days, samples[s], sample_counts[s], &pipeline->limits[s]);

    for (size_t s = 0; samples != NULL && s < stage_count; s++)
        free(samples[s]);
    free(samples);
    free(sample_counts);
    free(days);
    free(flags);
    return status;
}

/* The latest activity of each deal on or before as_of: activities linked
 * to the deal, and activities of its owner on its account linked to no
 * deal. CREDO_DATE_NONE when there is none. */
static void last_activities(const pipeline_context *context, const credo_pipeline *pipeline, credo_date *last)
{
    const credo_snapshot *snapshot = context->snapshot;
    const credo_activities *activities = &snapshot->activities;
    for (size_t d = 0; d < snapshot->deals.count; d++)
        last[d] = CREDO_DATE_NONE;
    for (size_t i = 0; i < activities->count; i++) {
        uint32_t deal = activities->deal_row[i];
        if (deal != CREDO_NO_ROW && activities->date[i] <= pipeline->as_of && activities->date[i] > last[deal])
            last[deal] = activities->date[i];
    }
    for (uint32_t d = 0; d < snapshot->deals.count; d++) {
        uint32_t account = snapshot->deals.account_row[d];
        credo_str owner = snapshot->deals.owner_id[d];
        if (!pipeline->states[d].exists || account == CREDO_NO_ROW || owner == CREDO_STR_NONE)
            continue;
        for (uint32_t i = context->activities.start[account]; i < context->activities.end[account]; i++) {
            if (activities->deal_id[i] == CREDO_STR_NONE && activities->rep_id[i] == owner &&
                activities->date[i] <= pipeline->as_of && activities->date[i] > last[d])
                last[d] = activities->date[i];
        }
    }
}

static credo_status add_flag(flag_list *flags, const credo_pipeline *pipeline, uint32_t deal,
                             credo_stall_rule rule, int64_t limit, int64_t value, credo_date since,
                             credo_error *err)
{
    if (flags->count == flags->capacity) {
        size_t capacity = flags->capacity == 0 ? 256 : flags->capacity * 2;
        credo_stall_flag *items = realloc(flags->items, capacity * sizeof *items);
        if (items == NULL)
            return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing stalled deals");
        flags->items = items;
        flags->capacity = capacity;
    }
    const credo_snapshot *snapshot = pipeline->snapshot;
    uint32_t owner = pipeline->states[deal].owner;
    flags->items[flags->count++] = (credo_stall_flag){
        .deal = deal,
        .rule = rule,
        .limit = limit,
        .value = value,
        .since = since,
        .limit_derived = false,
        .owner_id = credo_snapshot_text(snapshot, snapshot->deals.owner_id[deal]),
        .manager_id = owner == CREDO_NO_ROW ? NULL : credo_snapshot_text(snapshot, snapshot->reps.manager_id[owner]),
    };
    return CREDO_OK;
}

/* The measurements of one open deal against every rule. */
typedef struct deal_checks {
    const pipeline_context *context;
    credo_pipeline *pipeline;
    const credo_date *last_activity;
    flag_list *flags;
    credo_error *err;
} deal_checks;

/* Records a measurement; adds a flag when value crosses limit (>= when
 * at_least, else >). */
static credo_status measure(deal_checks *checks, uint32_t deal, credo_stall_rule rule, int64_t limit, int64_t value,
                            credo_date since, bool at_least)
{
    credo_rule_summary *summary = &checks->pipeline->rules_summary[rule];
    summary->measured++;
    if (at_least ? value < limit : value <= limit)
        return CREDO_OK;
    if (rule == CREDO_STALL_AMOUNT_REDUCED && value == 0)
        return CREDO_OK;
    summary->flagged++;
    return add_flag(checks->flags, checks->pipeline, deal, rule, limit, value, since, checks->err);
}

static credo_status check_stage_days(deal_checks *checks, uint32_t deal)
{
    const credo_deal_state *state = &checks->pipeline->states[deal];
    if (state->stage_index == CREDO_NO_ROW || !checks->pipeline->limits[state->stage_index].active)
        return CREDO_OK;
    if (state->entered == CREDO_DATE_NONE) {
        checks->pipeline->rules_summary[CREDO_STALL_DAYS_IN_STAGE].unmeasured++;
        return CREDO_OK;
    }
    const credo_stage_limit *limit = &checks->pipeline->limits[state->stage_index];
    size_t before = checks->flags->count;
    credo_status status = measure(checks, deal, CREDO_STALL_DAYS_IN_STAGE, limit->days,
                                  checks->pipeline->as_of - state->entered, state->entered, false);
    if (checks->flags->count > before)
        checks->flags->items[before].limit_derived = limit->derived;
    return status;
}

static credo_status check_activity(deal_checks *checks, uint32_t deal)
{
    const credo_pipeline_policy *rules = checks->context->rules;
    const credo_deal_state *state = &checks->pipeline->states[deal];
    if (rules->no_activity_days < 0 || !checks->pipeline->has_activities)
        return CREDO_OK;
    /* A deal without any activity counts from the day it was logged. */
    credo_date last = checks->last_activity[deal];
    if (last == CREDO_DATE_NONE)
        last = state->logged;
    if (last == CREDO_DATE_NONE) {
        checks->pipeline->rules_summary[CREDO_STALL_NO_ACTIVITY].unmeasured++;
        return CREDO_OK;
    }
    return measure(checks, deal, CREDO_STALL_NO_ACTIVITY, rules->no_activity_days, checks->pipeline->as_of - last,
                   last, true);
}

static credo_status check_history(deal_checks *checks, uint32_t deal)
{
    const credo_pipeline_policy *rules = checks->context->rules;
    const credo_deal_state *state = &checks->pipeline->states[deal];
    credo_status status = CREDO_OK;
    if (!checks->pipeline->has_history)
        return CREDO_OK;
    if (rules->close_date_pushes >= 0)
        status = measure(checks, deal, CREDO_STALL_CLOSE_PUSHED, rules->close_date_pushes, state->close_pushes,
                         CREDO_DATE_NONE, true);
    if (status != CREDO_OK || rules->amount_reduced_percent < 0)
        return status;
    if (state->peak_amount == CREDO_MONEY_NONE || state->peak_amount <= 0) {
        checks->pipeline->rules_summary[CREDO_STALL_AMOUNT_REDUCED].unmeasured++;
        return CREDO_OK;
    }
    credo_money drop = state->peak_amount - state->history_amount;
    int64_t reduction = drop <= 0 ? 0 : pipeline_ratio_bp(drop, state->peak_amount);
    return measure(checks, deal, CREDO_STALL_AMOUNT_REDUCED, (int64_t)rules->amount_reduced_percent * 100,
                   reduction, CREDO_DATE_NONE, true);
}

static credo_status check_close(deal_checks *checks, uint32_t deal)
{
    const credo_pipeline_policy *rules = checks->context->rules;
    const credo_deal_state *state = &checks->pipeline->states[deal];
    if (rules->past_close_days < 0)
        return CREDO_OK;
    if (state->close_date == CREDO_DATE_NONE) {
        checks->pipeline->rules_summary[CREDO_STALL_PAST_CLOSE].unmeasured++;
        return CREDO_OK;
    }
    return measure(checks, deal, CREDO_STALL_PAST_CLOSE, rules->past_close_days,
                   checks->pipeline->as_of - state->close_date, state->close_date, false);
}

static int compare_flags(const void *a, const void *b)
{
    const credo_stall_flag *x = a, *y = b;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    return (x->deal > y->deal) - (x->deal < y->deal);
}

static void summarise_rules(const pipeline_context *context, credo_pipeline *pipeline)
{
    const credo_pipeline_policy *rules = context->rules;
    credo_rule_summary *summary = pipeline->rules_summary;
    for (size_t s = 0; s < rules->stage_count; s++)
        summary[CREDO_STALL_DAYS_IN_STAGE].enabled |= rules->stages[s].max_days.set;
    summary[CREDO_STALL_DAYS_IN_STAGE].evaluated = summary[CREDO_STALL_DAYS_IN_STAGE].enabled;
    summary[CREDO_STALL_NO_ACTIVITY].enabled = rules->no_activity_days >= 0;
    summary[CREDO_STALL_NO_ACTIVITY].evaluated = rules->no_activity_days >= 0 && pipeline->has_activities;
    summary[CREDO_STALL_CLOSE_PUSHED].enabled = rules->close_date_pushes >= 0;
    summary[CREDO_STALL_CLOSE_PUSHED].evaluated = rules->close_date_pushes >= 0 && pipeline->has_history;
    summary[CREDO_STALL_AMOUNT_REDUCED].enabled = rules->amount_reduced_percent >= 0;
    summary[CREDO_STALL_AMOUNT_REDUCED].evaluated = rules->amount_reduced_percent >= 0 && pipeline->has_history;
    summary[CREDO_STALL_PAST_CLOSE].enabled = rules->past_close_days >= 0;
    summary[CREDO_STALL_PAST_CLOSE].evaluated =
        rules->past_close_days >= 0 && summary[CREDO_STALL_PAST_CLOSE].measured > 0;
}

static credo_status check_deals(deal_checks *checks)
{
    credo_pipeline *pipeline = checks->pipeline;
    credo_status status = CREDO_OK;
    for (uint32_t d = 0; d < pipeline->snapshot->deals.count && status == CREDO_OK; d++) {
        const credo_deal_state *state = &pipeline->states[d];
        if (!state->exists || state->status != CREDO_DEAL_OPEN)
            continue;
        status = check_stage_days(checks, d);
        if (status == CREDO_OK)
            status = check_activity(checks, d);
        if (status == CREDO_OK)
            status = check_history(checks, d);
        if (status == CREDO_OK)
            status = check_close(checks, d);
    }
    return status;
}

credo_status pipeline_stall(const pipeline_context *context, credo_pipeline *pipeline, credo_error *err)
{
    credo_status status = compute_limits(context, pipeline, err);
    if (status != CREDO_OK)
        return status;
    size_t deal_count = context->snapshot->deals.count;
    credo_date *last = malloc((deal_count + 1) * sizeof *last);
    if (last == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory measuring activity");
    last_activities(context, pipeline, last);

    flag_list flags = {0};
    deal_checks checks = {context, pipeline, last, &flags, err};
    status = check_deals(&checks);
    free(last);
    if (status != CREDO_OK) {
        free(flags.items);
        return status;
    }
    summarise_rules(context, pipeline);
    if (flags.count > 1)
        qsort(flags.items, flags.count, sizeof *flags.items, compare_flags);
    pipeline->flags = flags.items;
    pipeline->flag_count = flags.count;
    return CREDO_OK;
}
