/* Forecast roll-up: open pipeline by forecast category, won and lost in the
 * period, quota and coverage, by territory hierarchy and by the reporting
 * line of reps, as of the as-of date and of the earlier `since` date.
 *
 * A deal counts in the territory where its owner is a selling member on
 * the date (see fill_territory in pipeline_history.c) and in every
 * ancestor of it. It also counts for its owner and every manager above the
 * owner. */
#include "pipeline_internal.h"

#include <stdlib.h>
#include <string.h>

/* Accumulators: one row per territory and one per rep, each followed by
 * the row of deals that have no territory or no rep owner. */
typedef struct rollup_builder {
    const pipeline_context *context;
    credo_pipeline *pipeline;
    const credo_deal_state *then_states;
    credo_rollup_row *territories; /* territory_count + 1 */
    credo_rollup_row *reps;        /* rep count + 1 */
    uint32_t *parent;              /* per rep: the manager's rep row, cycles cut */
    bool *has_reports;             /* per rep */
    uint32_t *stamp;               /* per rep: last territory node that counted its quota, plus one */
    credo_rollup_row *own;         /* per rep: its own quota, before rolling up */
    uint32_t *quota_start;         /* per rep: its rows of the quotas table */
    uint32_t *quota_end;
    credo_rollup_row *out;
    size_t out_count;
} rollup_builder;

static size_t category_of(const pipeline_context *context, const credo_deal_state *state)
{
    const credo_pipeline_policy *rules = context->rules;
    if (state->stage_index == CREDO_NO_ROW || rules->stages[state->stage_index].category_index == SIZE_MAX)
        return rules->category_count;
    return rules->stages[state->stage_index].category_index;
}

static bool in_range(credo_date date, credo_date first, credo_date last)
{
    return date != CREDO_DATE_NONE && date >= first && date <= last;
}

/* Adds one deal state to totals: open deals by category, won and lost
 * deals closed from period_start to date. */
static void add_state(const pipeline_context *context, credo_rollup_totals *totals, const credo_deal_state *state,
                      credo_date period_start, credo_date date)
{
    if (!state->exists)
        return;
    if (state->status == CREDO_DEAL_OPEN) {
        size_t category = category_of(context, state);
        totals->open_count++;
        totals->open_amount += state->amount;
        totals->category_count[category]++;
        totals->category_amount[category] += state->amount;
    } else if (in_range(state->close_date, period_start, date) && state->status == CREDO_DEAL_WON) {
        totals->won_count++;
        totals->won_amount += state->amount;
    } else if (in_range(state->close_date, period_start, date)) {
        totals->lost_count++;
        totals->lost_amount += state->amount;
    }
}

/* Adds deal row d, now and then, to row and to won_between. */
static void add_deal(const rollup_builder *builder, credo_rollup_row *row, uint32_t d, bool now, bool then)
{
    const credo_pipeline *pipeline = builder->pipeline;
    const credo_deal_state *state = &pipeline->states[d];
    credo_date then_start = credo_pipeline_period_start(builder->context->rules->period, pipeline->since);
    if (now) {
        add_state(builder->context, &row->now, state, pipeline->period_start, pipeline->as_of);
        if (state->exists && state->status == CREDO_DEAL_WON &&
            in_range(state->close_date, pipeline->since + 1, pipeline->as_of)) {
            row->won_between++;
            row->won_between_amount += state->amount;
        }
    }
    if (then)
        add_state(builder->context, &row->then, &builder->then_states[d], then_start, pipeline->since);
}

static void add_to_territories(rollup_builder *builder, uint32_t d, uint32_t territory, bool now)
{
    const credo_policy *policy = builder->context->policy;
    if (territory == CREDO_NO_ROW) {
        add_deal(builder, &builder->territories[policy->territory_count], d, now, !now);
        return;
    }
    for (size_t t = territory; t != SIZE_MAX; t = policy->territories[t].parent_index)
        add_deal(builder, &builder->territories[t], d, now, !now);
}

static void add_to_reps(rollup_builder *builder, uint32_t d)
{
    uint32_t owner = builder->pipeline->states[d].owner;
    if (owner == CREDO_NO_ROW) {
        add_deal(builder, &builder->reps[builder->pipeline->snapshot->reps.count], d, true, true);
        return;
    }
    for (uint32_t r = owner; r != CREDO_NO_ROW; r = builder->parent[r])
        add_deal(builder, &builder->reps[r], d, true, true);
}

/* Cuts the manager links so that every chain reaches a top rep within
 * CREDO_PIPELINE_MAX_MANAGER_DEPTH steps: a rep whose chain is longer, or
 * runs in a cycle, is treated as a top rep. */
static void link_managers(rollup_builder *builder)
{
    const credo_snapshot *snapshot = builder->pipeline->snapshot;
    for (uint32_t r = 0; r < snapshot->reps.count; r++)
        builder->parent[r] = pipeline_manager_row(snapshot, r);
    for (uint32_t r = 0; r < snapshot->reps.count; r++) {
        uint32_t up = builder->parent[r];
        for (int steps = 0; up != CREDO_NO_ROW && steps < CREDO_PIPELINE_MAX_MANAGER_DEPTH; steps++)
            up = builder->parent[up];
        if (up != CREDO_NO_ROW)
            builder->parent[r] = CREDO_NO_ROW;
    }
    for (uint32_t r = 0; r < snapshot->reps.count; r++) {
        if (builder->parent[r] != CREDO_NO_ROW)
            builder->has_reports[builder->parent[r]] = true;
    }
}

/* Each rep's quota of the period that contains as_of, and what the rep won
 * from that period's start to as_of. A rep's quota rows are adjacent,
 * because quotas are sorted by rep id as reps are. */
static void collect_quotas(rollup_builder *builder)
{
    const credo_pipeline *pipeline = builder->pipeline;
    const credo_quotas *quotas = &pipeline->snapshot->quotas;
    credo_date as_of = pipeline->as_of;
    for (size_t q = 0; q < quotas->count; q++) {
        uint32_t rep = credo_snapshot_find_rep(pipeline->snapshot, quotas->rep_id[q]);
        if (rep == CREDO_NO_ROW)
            continue;
        if (builder->quota_start[rep] == builder->quota_end[rep])
            builder->quota_start[rep] = (uint32_t)q;
        builder->quota_end[rep] = (uint32_t)q + 1;
        if (quotas->start[q] <= as_of && as_of < quotas->end[q]) {
            builder->own[rep].has_quota = true;
            builder->own[rep].quota += quotas->amount[q];
        }
    }
    for (uint32_t d = 0; d < pipeline->snapshot->deals.count; d++) {
        const credo_deal_state *state = &pipeline->states[d];
        if (state->owner == CREDO_NO_ROW || !state->exists || state->status != CREDO_DEAL_WON)
            continue;
        for (uint32_t q = builder->quota_start[state->owner]; q < builder->quota_end[state->owner]; q++) {
            if (quotas->start[q] <= as_of && as_of < quotas->end[q] &&
                in_range(state->close_date, quotas->start[q], as_of))
                builder->own[state->owner].quota_won += state->amount;
        }
    }
}

static void add_quota(credo_rollup_row *to, const credo_rollup_row *from)
{
    if (!from->has_quota)
        return;
    to->has_quota = true;
    to->quota += from->quota;
    to->quota_won += from->quota_won;
}

/* Adds the quotas of the selling members of territory t and of its
 * descendants to row, each rep once. */
static void territory_quota(rollup_builder *builder, size_t node, size_t t, credo_rollup_row *row)
{
    const credo_policy *policy = builder->context->policy;
    const credo_snapshot *snapshot = builder->pipeline->snapshot;
    const credo_policy_territory *territory = &policy->territories[t];
    for (size_t m = 0; m < territory->member_count; m++) {
        const credo_policy_member *member = &territory->members[m];
        credo_str id = credo_strpool_find(snapshot->strings, member->rep_id, strlen(member->rep_id));
        uint32_t rep = credo_snapshot_find_rep(snapshot, id);
        if (rep == CREDO_NO_ROW || builder->stamp[rep] == node + 1 ||
            !credo_is_selling_member(policy, (uint32_t)t, member->rep_id, builder->pipeline->as_of))
            continue;
        builder->stamp[rep] = (uint32_t)node + 1;
        add_quota(row, &builder->own[rep]);
    }
    for (size_t child = 0; child < policy->territory_count; child++) {
        if (policy->territories[child].parent_index == t)
            territory_quota(builder, node, child, row);
    }
}

static void set_coverage(credo_rollup_row *row)
{
    row->coverage = -1;
    credo_money remaining = row->quota - row->quota_won;
    if (row->has_quota && remaining > 0)
        row->coverage = row->now.open_amount <= 0 ? 0 : pipeline_ratio_bp(row->now.open_amount, remaining);
}

static void emit(rollup_builder *builder, const credo_rollup_row *row, bool by_manager, credo_rollup_kind kind,
                 const char *id, const char *name, const char *parent_id, unsigned depth)
{
    credo_rollup_row *out = &builder->out[builder->out_count++];
    *out = *row;
    out->by_manager = by_manager;
    out->kind = kind;
    out->id = id;
    out->name = name != NULL ? name : id;
    out->parent_id = parent_id;
    out->depth = depth;
    set_coverage(out);
}

static void emit_territory(rollup_builder *builder, size_t t, unsigned depth)
{
    const credo_policy *policy = builder->context->policy;
    const credo_policy_territory *territory = &policy->territories[t];
    credo_rollup_row *row = &builder->territories[t];
    territory_quota(builder, t, t, row);
    emit(builder, row, false, CREDO_ROLLUP_TERRITORY, territory->id, territory->name, territory->parent_id, depth);
    for (size_t child = 0; child < policy->territory_count; child++) {
        if (policy->territories[child].parent_index == t)
            emit_territory(builder, child, depth + 1);
    }
}

static bool row_has_data(const credo_rollup_row *row)
{
    const credo_rollup_totals *now = &row->now, *then = &row->then;
    return now->open_count + now->won_count + now->lost_count + then->open_count + then->won_count +
                   then->lost_count + row->won_between >
               0 ||
           row->has_quota;
}

static void emit_rep(rollup_builder *builder, uint32_t rep, unsigned depth)
{
    const credo_snapshot *snapshot = builder->pipeline->snapshot;
    const credo_rollup_row *row = &builder->reps[rep];
    if (!row_has_data(row))
        return;
    uint32_t parent = builder->parent[rep];
    emit(builder, row, true, builder->has_reports[rep] ? CREDO_ROLLUP_MANAGER : CREDO_ROLLUP_REP,
         credo_snapshot_text(snapshot, snapshot->reps.id[rep]), credo_snapshot_text(snapshot, snapshot->reps.name[rep]),
         parent == CREDO_NO_ROW ? NULL : credo_snapshot_text(snapshot, snapshot->reps.id[parent]), depth);
    for (uint32_t r = 0; r < snapshot->reps.count; r++) {
        if (builder->parent[r] == rep)
            emit_rep(builder, r, depth + 1);
    }
}

/* Adds each rep's own quota to its row and to the rows of its managers. */
static void roll_up_quotas(rollup_builder *builder)
{
    for (uint32_t r = 0; r < builder->pipeline->snapshot->reps.count; r++) {
        for (uint32_t up = r; up != CREDO_NO_ROW; up = builder->parent[up])
            add_quota(&builder->reps[up], &builder->own[r]);
    }
}

static void emit_all(rollup_builder *builder)
{
    const credo_policy *policy = builder->context->policy;
    const credo_snapshot *snapshot = builder->pipeline->snapshot;
    for (size_t t = 0; t < policy->territory_count; t++) {
        if (policy->territories[t].parent_index == SIZE_MAX)
            emit_territory(builder, t, 0);
    }
    if (row_has_data(&builder->territories[policy->territory_count]))
        emit(builder, &builder->territories[policy->territory_count], false, CREDO_ROLLUP_NONE, "", NULL, NULL, 0);
    for (uint32_t r = 0; r < snapshot->reps.count; r++) {
        if (builder->parent[r] == CREDO_NO_ROW)
            emit_rep(builder, r, 0);
    }
    if (row_has_data(&builder->reps[snapshot->reps.count]))
        emit(builder, &builder->reps[snapshot->reps.count], true, CREDO_ROLLUP_NONE, "", NULL, NULL, 0);
}

static void accumulate(rollup_builder *builder)
{
    const credo_pipeline *pipeline = builder->pipeline;
    for (uint32_t d = 0; d < pipeline->snapshot->deals.count; d++) {
        add_to_territories(builder, d, pipeline->states[d].territory, true);
        add_to_territories(builder, d, builder->then_states[d].territory, false);
        add_to_reps(builder, d);
    }
    collect_quotas(builder);
    roll_up_quotas(builder);
}

credo_status pipeline_rollup(const pipeline_context *context, credo_pipeline *pipeline,
                             const credo_deal_state *then_states, credo_error *err)
{
    size_t territories = context->policy->territory_count, reps = pipeline->snapshot->reps.count;
    rollup_builder builder = {
        .context = context,
        .pipeline = pipeline,
        .then_states = then_states,
        .territories = calloc(territories + 1, sizeof *builder.territories),
        .reps = calloc(reps + 1, sizeof *builder.reps),
        .parent = calloc(reps + 1, sizeof *builder.parent),
        .has_reports = calloc(reps + 1, sizeof *builder.has_reports),
        .stamp = calloc(reps + 1, sizeof *builder.stamp),
        .own = calloc(reps + 1, sizeof *builder.own),
        .quota_start = calloc(reps + 1, sizeof *builder.quota_start),
        .quota_end = calloc(reps + 1, sizeof *builder.quota_end),
        .out = calloc(territories + reps + 2, sizeof *builder.out),
    };
    credo_status status = CREDO_OK;
    if (builder.territories == NULL || builder.reps == NULL || builder.parent == NULL ||
        builder.has_reports == NULL || builder.stamp == NULL || builder.own == NULL ||
        builder.quota_start == NULL || builder.quota_end == NULL || builder.out == NULL) {
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory rolling up the pipeline");
        free(builder.out);
    } else {
        link_managers(&builder);
        accumulate(&builder);
        emit_all(&builder);
        pipeline->rollup = builder.out;
        pipeline->rollup_count = builder.out_count;
    }
    free(builder.territories);
    free(builder.reps);
    free(builder.parent);
    free(builder.has_reports);
    free(builder.stamp);
    free(builder.own);
    free(builder.quota_start);
    free(builder.quota_end);
    return status;
}
