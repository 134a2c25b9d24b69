/* The pipeline result as one JSON object, with every list complete, for
 * `credo pipeline --json` and other front ends. Amounts are integers in
 * minor units (keys ending in _minor), shares integers in basis points
 * (keys ending in _bp), dates ISO 8601 strings or null. */
#include "pipeline_internal.h"

#include "credo/parse.h"

static void json_date(credo_buf *out, credo_date date)
{
    char text[16];
    if (date == CREDO_DATE_NONE) {
        credo_buf_puts(out, "null");
        return;
    }
    credo_buf_printf(out, "\"%s\"", credo_format_date(date, text));
}

/* Writes text as a JSON string, or null for NULL. */
static void json_text(credo_buf *out, const char *text)
{
    if (text == NULL)
        credo_buf_puts(out, "null");
    else
        credo_buf_json_string(out, text);
}

static void json_key(credo_buf *out, bool *first, const char *key)
{
    credo_buf_puts(out, *first ? "" : ",");
    *first = false;
    credo_buf_json_string(out, key);
    credo_buf_puts(out, ":");
}

static const char *deal_id(const credo_pipeline *pipeline, uint32_t deal)
{
    return credo_snapshot_text(pipeline->snapshot, pipeline->snapshot->deals.id[deal]);
}

static void json_deal_ids(credo_buf *out, const credo_pipeline *pipeline, const uint32_t *deals, size_t count)
{
    credo_buf_puts(out, "[");
    for (size_t i = 0; i < count; i++) {
        credo_buf_puts(out, i == 0 ? "" : ",");
        json_text(out, deal_id(pipeline, deals[i]));
    }
    credo_buf_puts(out, "]");
}

static void json_summary(credo_buf *out, const credo_pipeline *pipeline)
{
    credo_buf_puts(out, "\"as_of\":");
    json_date(out, pipeline->as_of);
    credo_buf_puts(out, ",\"since\":");
    json_date(out, pipeline->since);
    credo_buf_puts(out, ",\"period_start\":");
    json_date(out, pipeline->period_start);
    credo_buf_puts(out, ",\"policy\":");
    json_text(out, pipeline->policy->path);
    credo_buf_printf(out,
                     ",\"deals\":%zu,\"open_deals\":%zu,\"open_amount_minor\":%lld,\"won_deals\":%zu,"
                     "\"lost_deals\":%zu",
                     pipeline->deals, pipeline->open_deals, (long long)pipeline->open_amount, pipeline->won_deals,
                     pipeline->lost_deals);
    credo_buf_puts(out, ",\"deals_by_stage\":{");
    for (size_t i = 0; i < pipeline->stage_count; i++) {
        const char *stage = pipeline->stage_counts[i].stage;
        credo_buf_puts(out, i == 0 ? "" : ",");
        credo_buf_json_string(out, stage != NULL ? stage : "");
        credo_buf_printf(out, ":%zu", pipeline->stage_counts[i].count);
    }
    credo_buf_printf(out, "},\"deals_without_account\":%zu,\"deals_without_account_ids\":",
                     pipeline->without_account_count);
    json_deal_ids(out, pipeline, pipeline->without_account, pipeline->without_account_count);
    credo_buf_printf(out, ",\"deals_with_unknown_account\":%zu,\"deals_with_unknown_account_ids\":",
                     pipeline->unknown_account_count);
    json_deal_ids(out, pipeline, pipeline->unknown_account, pipeline->unknown_account_count);
}

static void json_price_matches(credo_buf *out, const credo_pipeline *pipeline)
{
    credo_buf_puts(out, ",\"price_matches\":[");
    for (size_t i = 0; i < pipeline->price_match_count; i++) {
        const credo_price_match *match = &pipeline->price_matches[i];
        credo_buf_puts(out, i == 0 ? "{\"product\":" : ",{\"product\":");
        json_text(out, credo_snapshot_text(pipeline->snapshot, match->product));
        credo_buf_printf(out, ",\"match\":\"%s\",\"list_product\":",
                         credo_amount_source_name((credo_amount_source)match->amount_source));
        const credo_pipeline_price *price = match->price == CREDO_NO_ROW ? NULL : &pipeline->rules->prices[match->price];
        json_text(out, price != NULL ? price->product : NULL);
        if (price != NULL)
            credo_buf_printf(out, ",\"price_minor\":%lld", (long long)price->amount);
        else
            credo_buf_puts(out, ",\"price_minor\":null");
        credo_buf_printf(out, ",\"open_deals\":%zu}", match->deals);
    }
    credo_buf_puts(out, "]");
}

static void json_derivations(credo_buf *out, const credo_pipeline *pipeline)
{
    credo_buf_puts(out, ",\"derivations\":{\"stage_sources\":{");
    for (int s = 0; s < CREDO_STAGE_SOURCE_COUNT; s++)
        credo_buf_printf(out, "%s\"%s\":%zu", s == 0 ? "" : ",", credo_stage_source_name((credo_stage_source)s),
                         pipeline->stage_sources[s]);
    credo_buf_puts(out, "},\"amount_sources\":{");
    for (int s = 0; s < CREDO_AMOUNT_SOURCE_COUNT; s++)
        credo_buf_printf(out, "%s\"%s\":%zu", s == 0 ? "" : ",", credo_amount_source_name((credo_amount_source)s),
                         pipeline->amount_sources[s]);
    credo_buf_puts(out, "},\"stage_at_logging\":");
    json_text(out, pipeline->rules->stage_at_logging);
    credo_buf_printf(out,
                     ",\"deals_without_logged_date\":%zu,\"closed_deals_without_close_date\":%zu,"
                     "\"currencies\":%zu,\"open_deals_owner_in_several_territories\":%zu,"
                     "\"has_activities\":%s,\"has_history\":%s,\"has_quotas\":%s",
                     pipeline->undated_deals, pipeline->closed_undated, pipeline->currencies,
                     pipeline->multi_territory_owners, pipeline->has_activities ? "true" : "false",
                     pipeline->has_history ? "true" : "false", pipeline->has_quotas ? "true" : "false");
    json_price_matches(out, pipeline);
    credo_buf_puts(out, ",\"uncategorised_stages\":[");
    for (size_t i = 0; i < pipeline->uncategorised_stage_count; i++) {
        credo_buf_puts(out, i == 0 ? "" : ",");
        json_text(out, pipeline->uncategorised_stages[i]);
    }
    credo_buf_puts(out, "]}");
}

static void json_limits(credo_buf *out, const credo_pipeline *pipeline)
{
    credo_buf_puts(out, ",\"stage_limits\":[");
    for (size_t s = 0; s < pipeline->rules->stage_count; s++) {
        const credo_pipeline_stage *stage = &pipeline->rules->stages[s];
        const credo_stage_limit *limit = &pipeline->limits[s];
        credo_buf_puts(out, s == 0 ? "{\"stage\":" : ",{\"stage\":");
        credo_buf_json_string(out, stage->name);
        credo_buf_puts(out, ",\"category\":");
        json_text(out, stage->category);
        credo_buf_printf(out, ",\"active\":%s,\"days\":", limit->active ? "true" : "false");
        if (limit->active)
            credo_buf_printf(out, "%d", limit->days);
        else
            credo_buf_puts(out, "null");
        credo_buf_printf(out, ",\"derived\":%s,\"fallback\":%s,\"percentile\":%d,\"won_deals_measured\":%zu}",
                         limit->derived ? "true" : "false", limit->fallback ? "true" : "false",
                         stage->max_days.percentile, limit->sample);
    }
    credo_buf_puts(out, "]");
}

static void json_rules(credo_buf *out, const credo_pipeline *pipeline)
{
    credo_buf_puts(out, ",\"rules\":[");
    for (int r = 0; r < CREDO_STALL_RULE_COUNT; r++) {
        const credo_rule_summary *summary = &pipeline->rules_summary[r];
        credo_buf_printf(out,
                         "%s{\"rule\":\"%s\",\"comparison\":\"%s\",\"enabled\":%s,\"evaluated\":%s,"
                         "\"measured\":%zu,\"unmeasured\":%zu,\"flagged\":%zu}",
                         r == 0 ? "" : ",", credo_stall_rule_name((credo_stall_rule)r),
                         credo_stall_rule_comparison((credo_stall_rule)r), summary->enabled ? "true" : "false",
                         summary->evaluated ? "true" : "false", summary->measured, summary->unmeasured,
                         summary->flagged);
    }
    credo_buf_puts(out, "]");
}

static void json_flag(credo_buf *out, const credo_pipeline *pipeline, const credo_stall_flag *flag)
{
    const credo_snapshot *snapshot = pipeline->snapshot;
    const credo_deal_state *state = &pipeline->states[flag->deal];
    credo_buf_puts(out, "{\"deal_id\":");
    json_text(out, deal_id(pipeline, flag->deal));
    credo_buf_puts(out, ",\"owner_id\":");
    json_text(out, flag->owner_id);
    credo_buf_puts(out, ",\"manager_id\":");
    json_text(out, flag->manager_id);
    credo_buf_printf(out, ",\"rule\":\"%s\",\"comparison\":\"%s\",\"limit\":%lld,\"value\":%lld,\"limit_derived\":%s",
                     credo_stall_rule_name(flag->rule), credo_stall_rule_comparison(flag->rule),
                     (long long)flag->limit, (long long)flag->value, flag->limit_derived ? "true" : "false");
    credo_buf_puts(out, ",\"since\":");
    json_date(out, flag->since);
    credo_buf_puts(out, ",\"stage\":");
    json_text(out, credo_pipeline_stage_name(pipeline, state->stage, state->stage_index));
    credo_buf_puts(out, ",\"account_id\":");
    json_text(out, credo_snapshot_text(snapshot, snapshot->deals.account_id[flag->deal]));
    credo_buf_printf(out, ",\"amount_minor\":%lld,\"amount_source\":\"%s\"}", (long long)state->amount,
                     credo_amount_source_name((credo_amount_source)state->amount_source));
}

static void json_totals(credo_buf *out, const credo_pipeline *pipeline, const credo_rollup_totals *totals)
{
    credo_buf_printf(out, "\"open_deals\":%zu,\"open_amount_minor\":%lld,\"by_category\":{", totals->open_count,
                     (long long)totals->open_amount);
    for (size_t c = 0; c <= pipeline->rules->category_count; c++) {
        credo_buf_puts(out, c == 0 ? "" : ",");
        credo_buf_json_string(out, credo_pipeline_category_name(pipeline, c));
        credo_buf_printf(out, ":{\"deals\":%zu,\"amount_minor\":%lld}", totals->category_count[c],
                         (long long)totals->category_amount[c]);
    }
    credo_buf_printf(out, "},\"won_deals\":%zu,\"won_amount_minor\":%lld,\"lost_deals\":%zu,\"lost_amount_minor\":%lld",
                     totals->won_count, (long long)totals->won_amount, totals->lost_count,
                     (long long)totals->lost_amount);
}

static void json_rollup_row(credo_buf *out, const credo_pipeline *pipeline, const credo_rollup_row *row)
{
    bool first = true;
    credo_buf_puts(out, "{");
    json_key(out, &first, "by");
    credo_buf_puts(out, row->by_manager ? "\"manager\"" : "\"territory\"");
    credo_buf_printf(out, ",\"kind\":\"%s\",\"id\":", credo_rollup_kind_name(row->kind));
    json_text(out, row->kind == CREDO_ROLLUP_NONE ? NULL : row->id);
    credo_buf_puts(out, ",\"name\":");
    json_text(out, row->kind == CREDO_ROLLUP_NONE ? NULL : row->name);
    credo_buf_puts(out, ",\"parent\":");
    json_text(out, row->parent_id);
    credo_buf_printf(out, ",\"depth\":%u,", row->depth);
    json_totals(out, pipeline, &row->now);
    credo_buf_puts(out, ",\"quota_minor\":");
    if (row->has_quota)
        credo_buf_printf(out, "%lld,\"quota_won_minor\":%lld", (long long)row->quota, (long long)row->quota_won);
    else
        credo_buf_puts(out, "null,\"quota_won_minor\":null");
    if (row->coverage >= 0)
        credo_buf_printf(out, ",\"coverage_bp\":%d", row->coverage);
    else
        credo_buf_puts(out, ",\"coverage_bp\":null");
    credo_buf_printf(out, ",\"won_since_deals\":%zu,\"won_since_amount_minor\":%lld,\"then\":{", row->won_between,
                     (long long)row->won_between_amount);
    json_totals(out, pipeline, &row->then);
    credo_buf_printf(out, "},\"change\":{\"open_deals\":%lld,\"open_amount_minor\":%lld}}",
                     (long long)row->now.open_count - (long long)row->then.open_count,
                     (long long)(row->now.open_amount - row->then.open_amount));
}

static void json_rollup(credo_buf *out, const credo_pipeline *pipeline)
{
    credo_buf_puts(out, ",\"rollup\":[");
    for (size_t i = 0; i < pipeline->rollup_count; i++) {
        credo_buf_puts(out, i == 0 ? "" : ",");
        json_rollup_row(out, pipeline, &pipeline->rollup[i]);
    }
    credo_buf_puts(out, "]");
}

static void json_stats(credo_buf *out, const credo_latency_stats *stats)
{
    credo_buf_printf(out,
                     "\"deals\":%zu,\"no_prior_activity\":%zu,\"min_days\":%d,\"median_days\":%d,\"p90_days\":%d,"
                     "\"max_days\":%d,\"buckets\":{\"0\":%zu,\"1-7\":%zu,\"8-30\":%zu,\"31-90\":%zu,\"91+\":%zu}",
                     stats->count, stats->no_prior_activity, stats->min, stats->median, stats->p90, stats->max,
                     stats->buckets[0], stats->buckets[1], stats->buckets[2], stats->buckets[3], stats->buckets[4]);
}

static void json_latency_rows(credo_buf *out, const credo_pipeline *pipeline)
{
    credo_buf_puts(out, "\"groups\":[");
    for (size_t i = 0; i < pipeline->latency_count; i++) {
        const credo_latency_row *row = &pipeline->latency[i];
        const char *group = "rep";
        if (row->kind == CREDO_ROLLUP_NONE)
            group = "all";
        else if (row->kind == CREDO_ROLLUP_MANAGER)
            group = "team";
        credo_buf_printf(out, "%s{\"group\":\"%s\",\"id\":", i == 0 ? "" : ",", group);
        json_text(out, row->kind == CREDO_ROLLUP_NONE ? NULL : row->id);
        credo_buf_puts(out, ",");
        json_stats(out, &row->stats);
        credo_buf_puts(out, "}");
    }
    credo_buf_puts(out, "],\"deals\":[");
    size_t listed = 0;
    for (uint32_t d = 0; d < pipeline->snapshot->deals.count; d++) {
        int32_t days = pipeline->deal_latency[d];
        if (days == CREDO_LATENCY_NOT_MEASURED)
            continue;
        credo_buf_puts(out, listed++ == 0 ? "{\"deal_id\":" : ",{\"deal_id\":");
        json_text(out, deal_id(pipeline, d));
        if (days == CREDO_LATENCY_NO_ACTIVITY)
            credo_buf_puts(out, ",\"days\":null}");
        else
            credo_buf_printf(out, ",\"days\":%d}", days);
    }
    credo_buf_puts(out, "]");
}

static void json_late_and_candidates(credo_buf *out, const credo_pipeline *pipeline)
{
    const credo_snapshot *snapshot = pipeline->snapshot;
    credo_buf_puts(out, ",\"late_deals\":[");
    for (size_t i = 0; i < pipeline->late_deal_count; i++) {
        const credo_late_deal *late = &pipeline->late_deals[i];
        credo_buf_puts(out, i == 0 ? "{\"deal_id\":" : ",{\"deal_id\":");
        json_text(out, deal_id(pipeline, late->deal));
        credo_buf_puts(out, ",\"owner_id\":");
        json_text(out, credo_snapshot_text(snapshot, snapshot->deals.owner_id[late->deal]));
        credo_buf_puts(out, ",\"first_stage\":");
        json_text(out, late->first_stage);
        credo_buf_puts(out, ",\"logged\":");
        json_date(out, pipeline->states[late->deal].logged);
        credo_buf_printf(out, ",\"logged_closed\":%s}", late->logged_closed ? "true" : "false");
    }
    credo_buf_puts(out, "],\"candidate_accounts\":[");
    for (size_t i = 0; i < pipeline->candidate_count; i++) {
        const credo_candidate_account *candidate = &pipeline->candidates[i];
        credo_buf_puts(out, i == 0 ? "{\"account_id\":" : ",{\"account_id\":");
        json_text(out, credo_snapshot_text(snapshot, snapshot->accounts.id[candidate->account]));
        credo_buf_puts(out, ",\"last_activity\":");
        json_date(out, candidate->last_activity);
        credo_buf_puts(out, ",\"last_rep_id\":");
        json_text(out, credo_snapshot_text(snapshot, candidate->last_rep));
        credo_buf_printf(out, ",\"recent_activities\":%zu}", candidate->activities);
    }
    credo_buf_puts(out, "]");
}

void credo_pipeline_json(const credo_pipeline *pipeline, credo_buf *out)
{
    credo_buf_puts(out, "{");
    json_summary(out, pipeline);
    json_derivations(out, pipeline);
    json_limits(out, pipeline);
    json_rules(out, pipeline);
    credo_buf_puts(out, ",\"stalled\":[");
    for (size_t i = 0; i < pipeline->flag_count; i++) {
        credo_buf_puts(out, i == 0 ? "" : ",");
        json_flag(out, pipeline, &pipeline->flags[i]);
    }
    credo_buf_puts(out, "]");
    json_rollup(out, pipeline);
    credo_buf_printf(out, ",\"latency\":{\"lookback_days\":%d,\"recent_days\":%d,", pipeline->rules->lookback_days,
                     pipeline->rules->recent_days);
    json_latency_rows(out, pipeline);
    json_late_and_candidates(out, pipeline);
    credo_buf_puts(out, "}}\n");
}
