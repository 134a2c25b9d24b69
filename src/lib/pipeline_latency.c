/* Logging latency, the hidden pipeline: how many days pass between the
 * first qualifying activity on an account and the deal being logged, which
 * deals were logged late in their life, and which accounts are being
 * worked without an open deal.
 *
 * The activities that led to a deal are the qualifying activities on its
 * account from lookback_days before its logging up to the day it was
 * logged. They are linked to the deal, or linked to no deal and dated
 * after the day the previous deal on the account was logged. */
#include "pipeline_internal.h"

#include <stdlib.h>
#include <string.h>

/* A measured deal keyed by its rep or manager id (NULL for none). */
typedef struct latency_entry {
    const char *key;
    int32_t days;    /* a latency or CREDO_LATENCY_NO_ACTIVITY */
} latency_entry;

/* A deal with a logged date and an account, in the order latency is
 * measured: by account, then logged date, then row. */
typedef struct logged_deal {
    uint32_t account;
    credo_date logged;
    uint32_t deal;
} logged_deal;

typedef struct latency_builder {
    const pipeline_context *context;
    credo_pipeline *pipeline;
    credo_str *qualifying;  /* interned qualifying types; NONE for types never seen */
    size_t qualifying_count;
} latency_builder;

static bool qualifies(const latency_builder *builder, credo_str type)
{
    if (builder->context->rules->qualifying_count == 0)
        return true;
    for (size_t i = 0; i < builder->qualifying_count; i++) {
        if (builder->qualifying[i] != CREDO_STR_NONE && builder->qualifying[i] == type)
            return true;
    }
    return false;
}

/* Returns the first qualifying activity date that led to deal d, logged
 * on `logged` after the previous deal on its account was logged on
 * `previous` (CREDO_DATE_NONE when there is none), or CREDO_DATE_NONE. */
static credo_date first_activity(const latency_builder *builder, uint32_t d, credo_date logged, credo_date previous)
{
    const pipeline_context *context = builder->context;
    const credo_activities *activities = &context->snapshot->activities;
    uint32_t account = context->snapshot->deals.account_row[d];
    credo_date earliest = logged - context->rules->lookback_days;
    for (uint32_t i = context->activities.start[account]; i < context->activities.end[account]; i++) {
        credo_date date = activities->date[i];
        if (date > logged)
            break;
        if (date < earliest || !qualifies(builder, activities->type[i]))
            continue;
        bool own = activities->deal_row[i] == d;
        bool unlinked = activities->deal_id[i] == CREDO_STR_NONE;
        if (own || (unlinked && (previous == CREDO_DATE_NONE || date > previous)))
            return date; /* activities of an account are sorted by date */
    }
    return CREDO_DATE_NONE;
}

static int compare_logged(const void *a, const void *b)
{
    const logged_deal *x = a, *y = b;
    if (x->account != y->account)
        return x->account < y->account ? -1 : 1;
    if (x->logged != y->logged)
        return x->logged < y->logged ? -1 : 1;
    return (x->deal > y->deal) - (x->deal < y->deal);
}

/* Fills pipeline->deal_latency for every deal row. */
static credo_status measure_deals(const latency_builder *builder, credo_error *err)
{
    credo_pipeline *pipeline = builder->pipeline;
    const credo_deals *deals = &pipeline->snapshot->deals;
    logged_deal *order = malloc((deals->count + 1) * sizeof *order);
    if (order == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory measuring latency");
    /* Without any activity, no deal can be measured: none is "logged
     * without prior activity". */
    size_t count = 0;
    for (uint32_t d = 0; d < deals->count; d++) {
        const credo_deal_state *state = &pipeline->states[d];
        pipeline->deal_latency[d] = CREDO_LATENCY_NOT_MEASURED;
        if (pipeline->has_activities && state->exists && state->logged != CREDO_DATE_NONE &&
            deals->account_row[d] != CREDO_NO_ROW)
            order[count++] = (logged_deal){deals->account_row[d], state->logged, d};
    }
    if (count > 1)
        qsort(order, count, sizeof *order, compare_logged);

    /* previous: the latest logged date on the account before the current
     * deal's day; deals logged on the same day share it. */
    credo_date previous = CREDO_DATE_NONE, current_day = CREDO_DATE_NONE;
    for (size_t i = 0; i < count; i++) {
        uint32_t d = order[i].deal;
        credo_date logged = order[i].logged;
        if (i == 0 || order[i - 1].account != order[i].account) {
            previous = CREDO_DATE_NONE;
            current_day = logged;
        } else if (logged != current_day) {
            previous = current_day;
            current_day = logged;
        }
        credo_date first = first_activity(builder, d, logged, previous);
        pipeline->deal_latency[d] = first == CREDO_DATE_NONE ? CREDO_LATENCY_NO_ACTIVITY : (int32_t)(logged - first);
    }
    free(order);
    return CREDO_OK;
}

static void add_bucket(credo_latency_stats *stats, int days)
{
    static const int upper[CREDO_LATENCY_BUCKETS - 1] = {0, 7, 30, 90};
    size_t bucket = 0;
    while (bucket < CREDO_LATENCY_BUCKETS - 1 && days > upper[bucket])
        bucket++;
    stats->buckets[bucket]++;
}

/* Fills stats from entries [from, to), which share one key. */
static void fill_stats(const latency_entry *entries, size_t from, size_t to, int *scratch,
                       credo_latency_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    size_t count = 0;
    for (size_t i = from; i < to; i++) {
        if (entries[i].days == CREDO_LATENCY_NO_ACTIVITY) {
            stats->no_prior_activity++;
            continue;
        }
        scratch[count++] = entries[i].days;
        add_bucket(stats, entries[i].days);
    }
    pipeline_sort_ints(scratch, count);
    stats->count = count;
    stats->min = count == 0 ? -1 : scratch[0];
    stats->max = count == 0 ? -1 : scratch[count - 1];
    stats->median = pipeline_percentile(scratch, count, 50);
    stats->p90 = pipeline_percentile(scratch, count, 90);
}

/* Orders entries by key in code point order, no key first. */
static int compare_entries(const void *a, const void *b)
{
    const latency_entry *x = a, *y = b;
    if (x->key == NULL || y->key == NULL)
        return (x->key != NULL) - (y->key != NULL);
    return strcmp(x->key, y->key);
}

static bool same_key(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Appends one row per distinct key of entries. */
static void add_group_rows(credo_pipeline *pipeline, latency_entry *entries, size_t count, int *scratch,
                           credo_rollup_kind kind)
{
    if (count > 1)
        qsort(entries, count, sizeof *entries, compare_entries);
    size_t from = 0;
    while (from < count) {
        size_t to = from + 1;
        while (to < count && same_key(entries[to].key, entries[from].key))
            to++;
        credo_latency_row *row = &pipeline->latency[pipeline->latency_count++];
        row->kind = kind;
        row->id = entries[from].key;
        fill_stats(entries, from, to, scratch, &row->stats);
        from = to;
    }
}

/* One entry per measured deal, keyed by owner (by_manager false) or by the
 * owner's manager. */
static size_t collect_entries(const credo_pipeline *pipeline, bool by_manager, latency_entry *entries)
{
    const credo_snapshot *snapshot = pipeline->snapshot;
    size_t count = 0;
    for (uint32_t d = 0; d < snapshot->deals.count; d++) {
        if (pipeline->deal_latency[d] == CREDO_LATENCY_NOT_MEASURED)
            continue;
        credo_str key = snapshot->deals.owner_id[d];
        if (by_manager) {
            uint32_t owner = pipeline->states[d].owner;
            key = owner == CREDO_NO_ROW ? CREDO_STR_NONE : snapshot->reps.manager_id[owner];
        }
        entries[count++] = (latency_entry){credo_snapshot_text(snapshot, key), pipeline->deal_latency[d]};
    }
    return count;
}

static credo_status build_rows(credo_pipeline *pipeline, credo_error *err)
{
    size_t deal_count = pipeline->snapshot->deals.count;
    latency_entry *entries = malloc((deal_count + 1) * sizeof *entries);
    int *scratch = malloc((deal_count + 1) * sizeof *scratch);
    pipeline->latency = calloc(2 * deal_count + 1, sizeof *pipeline->latency);
    if (entries == NULL || scratch == NULL || pipeline->latency == NULL) {
        free(entries);
        free(scratch);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory summarising latency");
    }
    size_t count = collect_entries(pipeline, false, entries);
    credo_latency_row *everyone = &pipeline->latency[pipeline->latency_count++];
    everyone->kind = CREDO_ROLLUP_NONE;
    everyone->id = "";
    fill_stats(entries, 0, count, scratch, &everyone->stats);
    count = collect_entries(pipeline, true, entries);
    add_group_rows(pipeline, entries, count, scratch, CREDO_ROLLUP_MANAGER);
    count = collect_entries(pipeline, false, entries);
    add_group_rows(pipeline, entries, count, scratch, CREDO_ROLLUP_REP);
    free(entries);
    free(scratch);
    return CREDO_OK;
}

static bool logged_late(const latency_builder *builder, const credo_deal_state *state, bool *logged_closed)
{
    const credo_pipeline_policy *rules = builder->context->rules;
    *logged_closed = state->status != CREDO_DEAL_OPEN && state->logged != CREDO_DATE_NONE &&
                     state->close_date != CREDO_DATE_NONE && state->logged >= state->close_date;
    if (*logged_closed)
        return true;
    if (!state->first_from_history || rules->late_stage == SIZE_MAX)
        return false;
    return state->first_stage_index != CREDO_NO_ROW && state->first_stage_index >= rules->late_stage;
}

static credo_status find_late_deals(const latency_builder *builder, credo_error *err)
{
    credo_pipeline *pipeline = builder->pipeline;
    size_t deal_count = pipeline->snapshot->deals.count;
    pipeline->late_deals = calloc(deal_count + 1, sizeof *pipeline->late_deals);
    if (pipeline->late_deals == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing late deals");
    for (uint32_t d = 0; d < deal_count; d++) {
        const credo_deal_state *state = &pipeline->states[d];
        bool logged_closed = false;
        if (state->exists && logged_late(builder, state, &logged_closed))
            pipeline->late_deals[pipeline->late_deal_count++] = (credo_late_deal){
                d, credo_pipeline_stage_name(pipeline, state->first_stage, state->first_stage_index), logged_closed};
    }
    return CREDO_OK;
}

static int compare_candidates(const void *a, const void *b)
{
    const credo_candidate_account *x = a, *y = b;
    if (x->last_activity != y->last_activity)
        return x->last_activity > y->last_activity ? -1 : 1;
    return (x->account > y->account) - (x->account < y->account);
}

/* Fills candidate with the account's qualifying activities in the recent
 * window; returns whether there are any. */
static bool recent_activity(const latency_builder *builder, uint32_t account, credo_candidate_account *candidate)
{
    const pipeline_context *context = builder->context;
    const credo_activities *activities = &context->snapshot->activities;
    credo_date as_of = builder->pipeline->as_of;
    *candidate = (credo_candidate_account){account, CREDO_DATE_NONE, CREDO_STR_NONE, 0};
    for (uint32_t i = context->activities.start[account]; i < context->activities.end[account]; i++) {
        credo_date date = activities->date[i];
        if (date > as_of || date <= as_of - context->rules->recent_days || !qualifies(builder, activities->type[i]))
            continue;
        candidate->activities++;
        candidate->last_activity = date;
        candidate->last_rep = activities->rep_id[i];
    }
    return candidate->activities > 0;
}

static credo_status find_candidates(const latency_builder *builder, credo_error *err)
{
    credo_pipeline *pipeline = builder->pipeline;
    const credo_snapshot *snapshot = pipeline->snapshot;
    bool *open = calloc(snapshot->accounts.count + 1, sizeof *open);
    pipeline->candidates = calloc(snapshot->accounts.count + 1, sizeof *pipeline->candidates);
    if (open == NULL || pipeline->candidates == NULL) {
        free(open);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory listing candidate accounts");
    }
    for (uint32_t d = 0; d < snapshot->deals.count; d++) {
        uint32_t account = snapshot->deals.account_row[d];
        if (account != CREDO_NO_ROW && pipeline->states[d].exists && pipeline->states[d].status == CREDO_DEAL_OPEN)
            open[account] = true;
    }
    for (uint32_t a = 0; a < snapshot->accounts.count; a++) {
        credo_candidate_account candidate;
        if (!open[a] && recent_activity(builder, a, &candidate))
            pipeline->candidates[pipeline->candidate_count++] = candidate;
    }
    if (pipeline->candidate_count > 1)
        qsort(pipeline->candidates, pipeline->candidate_count, sizeof *pipeline->candidates, compare_candidates);
    free(open);
    return CREDO_OK;
}

credo_status pipeline_latency(const pipeline_context *context, credo_pipeline *pipeline, credo_error *err)
{
    const credo_pipeline_policy *rules = context->rules;
    latency_builder builder = {context, pipeline, NULL, rules->qualifying_count};
    pipeline->deal_latency = malloc((context->snapshot->deals.count + 1) * sizeof *pipeline->deal_latency);
    if (rules->qualifying_count > 0)
        builder.qualifying = calloc(rules->qualifying_count, sizeof *builder.qualifying);
    if (pipeline->deal_latency == NULL || (rules->qualifying_count > 0 && builder.qualifying == NULL)) {
        free(builder.qualifying);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory measuring latency");
    }
    for (size_t i = 0; i < rules->qualifying_count; i++) {
        const char *type = rules->qualifying_types[i];
        builder.qualifying[i] = credo_strpool_find(context->snapshot->strings, type, strlen(type));
    }

    credo_status status = measure_deals(&builder, err);
    if (status == CREDO_OK)
        status = build_rows(pipeline, err);
    if (status == CREDO_OK)
        status = find_late_deals(&builder, err);
    if (status == CREDO_OK)
        status = find_candidates(&builder, err);
    free(builder.qualifying);
    return status;
}
