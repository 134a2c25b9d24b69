/* Unit tests of the pipeline engine on snapshots built in memory: the
 * policy section, deal states as of a date, each stall rule at its
 * boundary, the roll-up and logging latency. Every expected value is worked
 * out by hand in the comment above its test; day numbers come from
 * credo_date_from_civil, and differences of days are stated. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/pipeline.h"
#include "credo/parse.h"

/* ---- Fixture ---------------------------------------------------------- */

typedef struct fixture {
    credo_snapshot *snapshot;
    credo_policy *policy;
    credo_pipeline *pipeline;
} fixture;

/* The policy most tests use: territories north (r1, r2) and south (r3)
 * under all; manager m1 is a non-selling member of north. */
static const char base_policy[] =
    "credo_policy: 1\n"
    "roles:\n"
    "  - {id: rep, selling: true}\n"
    "  - {id: manager}\n"
    "territories:\n"
    "  - {id: all, name: Everything}\n"
    "  - id: north\n"
    "    parent: all\n"
    "    members:\n"
    "      - {rep: r1, role: rep}\n"
    "      - {rep: r2, role: rep}\n"
    "      - {rep: m1, role: manager}\n"
    "  - id: south\n"
    "    parent: all\n"
    "    members:\n"
    "      - {rep: r3, role: rep}\n"
    "pipeline:\n"
    "  period: quarter\n"
    "  stages:\n"
    "    - {stage: Discover, category: pipeline, max_days: 30}\n"
    "    - {stage: Propose, category: commit, max_days: {percentile: 90, min_deals: 10, fallback: 45}}\n"
    "    - {stage: Parked}\n"
    "  stage_at_logging: Discover\n"
    "  rules: {no_activity_days: 14, close_date_pushes: 2, amount_reduced_percent: 20, past_close_days: 0}\n"
    "  latency: {qualifying_types: [meeting, demo], lookback_days: 180, recent_days: 30, late_stage: Propose}\n"
    "  list_prices: {currency: USD, products: {Widget Pro: 1000, Basic: 10.50}}\n";

static credo_date day(int year, int month, int day_of_month)
{
    return credo_date_from_civil(year, month, day_of_month);
}

/* The as-of date of most tests. */
#define AS_OF day(2024, 6, 30)

static credo_policy *parse_policy(const char *text)
{
    credo_policy *policy = NULL;
    credo_error err = {0};
    if (credo_policy_parse(text, strlen(text), "p.yaml", &policy, &err) != CREDO_OK)
        fail_msg("policy rejected: %s", err.message);
    return policy;
}

static fixture *fixture_new(const char *policy_text)
{
    fixture *f = calloc(1, sizeof *f);
    credo_error err = {0};
    if (f == NULL || credo_snapshot_new(&f->snapshot, &err) != CREDO_OK)
        fail_msg("cannot create a snapshot");
    f->policy = parse_policy(policy_text);
    return f;
}

static int fixture_teardown(void **state)
{
    fixture *f = *state;
    if (f != NULL) {
        credo_pipeline_free(f->pipeline);
        credo_policy_free(f->policy);
        credo_snapshot_free(f->snapshot);
        free(f);
    }
    return 0;
}

static credo_str text(fixture *f, const char *value)
{
    if (value == NULL)
        return CREDO_STR_NONE;
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern_cstr(f->snapshot->strings, value, &status);
    if (status != CREDO_OK)
        fail_msg("interning \"%s\" failed", value);
    return id;
}

static void add_rep(fixture *f, const char *id, const char *manager)
{
    size_t row;
    credo_error err = {0};
    if (credo_snapshot_add_rep(f->snapshot, &row, &err) != CREDO_OK)
        fail_msg("%s", err.message);
    f->snapshot->reps.id[row] = text(f, id);
    f->snapshot->reps.name[row] = text(f, id);
    f->snapshot->reps.manager_id[row] = text(f, manager);
}

/* The reps of base_policy: m0 manages m1, who manages r1 and r2; r3 has
 * no manager. */
static void add_base_reps(fixture *f)
{
    add_rep(f, "m0", NULL);
    add_rep(f, "m1", "m0");
    add_rep(f, "r1", "m1");
    add_rep(f, "r2", "m1");
    add_rep(f, "r3", NULL);
}

static void add_account(fixture *f, const char *id)
{
    size_t row;
    credo_error err = {0};
    if (credo_snapshot_add_account(f->snapshot, &row, &err) != CREDO_OK)
        fail_msg("%s", err.message);
    f->snapshot->accounts.id[row] = text(f, id);
    f->snapshot->accounts.name[row] = text(f, id);
}

/* A deal in USD. created and close may be CREDO_DATE_NONE; amount is in
 * minor units. */
typedef struct deal_spec {
    const char *id, *account, *owner, *stage;
    credo_deal_status status;
    credo_date created, close;
    credo_money amount;
    const char *product;
} deal_spec;

static void add_deal(fixture *f, deal_spec spec)
{
    size_t row;
    credo_error err = {0};
    if (credo_snapshot_add_deal(f->snapshot, &row, &err) != CREDO_OK)
        fail_msg("%s", err.message);
    credo_deals *deals = &f->snapshot->deals;
    deals->id[row] = text(f, spec.id);
    deals->account_id[row] = text(f, spec.account);
    deals->owner_id[row] = text(f, spec.owner);
    deals->stage[row] = text(f, spec.stage);
    deals->status[row] = (uint8_t)spec.status;
    deals->created[row] = spec.created;
    deals->close_date[row] = spec.close;
    deals->amount[row] = spec.amount;
    deals->product[row] = text(f, spec.product);
    deals->currency[row] = text(f, "USD");
}

/* A history row; stage NULL, amount CREDO_MONEY_NONE and close
 * CREDO_DATE_NONE leave that value out. */
static void add_history(fixture *f, const char *deal, credo_date date, const char *stage, credo_money amount,
                        credo_date close)
{
    size_t row;
    credo_error err = {0};
    if (credo_snapshot_add_history(f->snapshot, &row, &err) != CREDO_OK)
        fail_msg("%s", err.message);
    credo_deal_history *history = &f->snapshot->history;
    history->deal_id[row] = text(f, deal);
    history->date[row] = date;
    history->stage[row] = text(f, stage);
    history->amount[row] = amount;
    history->close_date[row] = close;
}

static void add_activity(fixture *f, const char *rep, const char *account, const char *deal, const char *type,
                         credo_date date)
{
    size_t row;
    credo_error err = {0};
    if (credo_snapshot_add_activity(f->snapshot, &row, &err) != CREDO_OK)
        fail_msg("%s", err.message);
    credo_activities *activities = &f->snapshot->activities;
    activities->rep_id[row] = text(f, rep);
    activities->account_id[row] = text(f, account);
    activities->deal_id[row] = text(f, deal);
    activities->type[row] = text(f, type);
    activities->date[row] = date;
}

static void add_quota(fixture *f, const char *rep, credo_date start, credo_date end, credo_money amount)
{
    size_t row;
    credo_error err = {0};
    if (credo_snapshot_add_quota(f->snapshot, &row, &err) != CREDO_OK)
        fail_msg("%s", err.message);
    f->snapshot->quotas.rep_id[row] = text(f, rep);
    f->snapshot->quotas.start[row] = start;
    f->snapshot->quotas.end[row] = end;
    f->snapshot->quotas.currency[row] = text(f, "USD");
    f->snapshot->quotas.amount[row] = amount;
}

/* Finishes the snapshot and computes the pipeline as of as_of, compared
 * with since. */
static credo_pipeline *compute(fixture *f, credo_date as_of, credo_date since)
{
    credo_error err = {0};
    if (credo_snapshot_finish(f->snapshot, &err) != CREDO_OK)
        fail_msg("snapshot rejected: %s", err.message);
    credo_pipeline_free(f->pipeline);
    f->pipeline = NULL;
    if (credo_pipeline_compute(f->snapshot, f->policy, as_of, since, &f->pipeline, &err) != CREDO_OK)
        fail_msg("pipeline failed: %s", err.message);
    return f->pipeline;
}

/* Computes again on the finished snapshot (another as-of date). */
static credo_pipeline *recompute(fixture *f, credo_date as_of, credo_date since)
{
    credo_error err = {0};
    credo_pipeline_free(f->pipeline);
    f->pipeline = NULL;
    if (credo_pipeline_compute(f->snapshot, f->policy, as_of, since, &f->pipeline, &err) != CREDO_OK)
        fail_msg("pipeline failed: %s", err.message);
    return f->pipeline;
}

static uint32_t deal_row(const fixture *f, const char *id)
{
    credo_str key = credo_strpool_find(f->snapshot->strings, id, strlen(id));
    uint32_t row = credo_snapshot_find_deal(f->snapshot, key);
    if (row == CREDO_NO_ROW)
        fail_msg("no deal %s", id);
    return row;
}

static const credo_deal_state *state_of(const fixture *f, const char *id)
{
    return &f->pipeline->states[deal_row(f, id)];
}

static const char *str_of(const fixture *f, credo_str id)
{
    const char *value = credo_snapshot_text(f->snapshot, id);
    return value != NULL ? value : "(none)";
}

/* Returns the flag of rule on deal id, or NULL. */
static const credo_stall_flag *flag_of(const fixture *f, const char *id, credo_stall_rule rule)
{
    uint32_t row = deal_row(f, id);
    for (size_t i = 0; i < f->pipeline->flag_count; i++) {
        if (f->pipeline->flags[i].deal == row && f->pipeline->flags[i].rule == rule)
            return &f->pipeline->flags[i];
    }
    return NULL;
}

static const credo_rollup_row *rollup_row(const fixture *f, bool by_manager, const char *id)
{
    for (size_t i = 0; i < f->pipeline->rollup_count; i++) {
        const credo_rollup_row *row = &f->pipeline->rollup[i];
        if (row->by_manager == by_manager && strcmp(row->id, id) == 0)
            return row;
    }
    fail_msg("no roll-up row %s", id);
    return NULL;
}

static const credo_latency_row *latency_row(const fixture *f, credo_rollup_kind kind, const char *id)
{
    for (size_t i = 0; i < f->pipeline->latency_count; i++) {
        const credo_latency_row *row = &f->pipeline->latency[i];
        if (row->kind == kind && ((id == NULL && row->id == NULL) || (id != NULL && row->id != NULL &&
                                                                      strcmp(row->id, id) == 0)))
            return row;
    }
    fail_msg("no latency row %s", id != NULL ? id : "(none)");
    return NULL;
}

static void assert_contains(const char *text_value, const char *part)
{
    if (strstr(text_value, part) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", text_value, part);
}

/* An open deal of r1 on account a1 logged on created, in stage. */
static deal_spec open_deal(const char *id, const char *stage, credo_date created)
{
    return (deal_spec){id, "a1", "r1", stage, CREDO_DEAL_OPEN, created, CREDO_DATE_NONE, 100000, "Widget Pro"};
}

/* A fixture with the base policy, its reps and accounts a1..a3. */
static int setup_base(void **state)
{
    fixture *f = fixture_new(base_policy);
    add_base_reps(f);
    add_account(f, "a1");
    add_account(f, "a2");
    add_account(f, "a3");
    *state = f;
    return 0;
}

/* ---- Policy section ---------------------------------------------------- */

static credo_error policy_fails(const char *pipeline_section)
{
    char text[4096];
    snprintf(text, sizeof text, "credo_policy: 1\npipeline:\n%s", pipeline_section);
    credo_policy *policy = NULL;
    credo_error err = {0};
    assert_int_equal(credo_policy_parse(text, strlen(text), "p.yaml", &policy, &err), CREDO_ERR_INVALID);
    assert_null(policy);
    return err;
}

static void policy_reads_every_key(void **state)
{
    (void)state;
    credo_policy *policy = parse_policy(base_policy);
    const credo_pipeline_policy *p = policy->pipeline;

    assert_non_null(p);
    assert_int_equal(p->period, CREDO_PERIOD_QUARTER);
    assert_int_equal(p->stage_count, 3);
    assert_string_equal(p->stages[1].name, "Propose");
    assert_string_equal(p->stages[1].category, "commit");
    assert_int_equal(p->stages[1].category_index, 1);
    assert_int_equal(p->stages[2].category_index, SIZE_MAX);
    assert_false(p->stages[2].max_days.set);
    assert_int_equal(p->stages[0].max_days.days, 30);
    assert_int_equal(p->stages[0].max_days.percentile, 0);
    assert_int_equal(p->stages[1].max_days.percentile, 90);
    assert_int_equal(p->stages[1].max_days.min_deals, 10);
    assert_int_equal(p->stages[1].max_days.days, 45);
    assert_int_equal(p->category_count, 2);
    assert_string_equal(p->stage_at_logging, "Discover");
    assert_int_equal(p->no_activity_days, 14);
    assert_int_equal(p->close_date_pushes, 2);
    assert_int_equal(p->amount_reduced_percent, 20);
    assert_int_equal(p->past_close_days, 0);
    assert_int_equal(p->qualifying_count, 2);
    assert_string_equal(p->qualifying_types[1], "demo");
    assert_int_equal(p->lookback_days, 180);
    assert_int_equal(p->recent_days, 30);
    assert_int_equal(p->late_stage, 1);
    assert_string_equal(p->price_currency, "USD");
    assert_int_equal(p->price_count, 2);
    assert_int_equal(p->prices[0].amount, 100000);
    assert_int_equal(p->prices[1].amount, 1050);
    credo_policy_free(policy);
}

static void policy_defaults(void **state)
{
    (void)state;
    credo_policy *policy = parse_policy("credo_policy: 1\npipeline:\n  stages: [{stage: A}]\n");
    const credo_pipeline_policy *p = policy->pipeline;

    assert_int_equal(p->period, CREDO_PERIOD_QUARTER);
    assert_int_equal(p->no_activity_days, -1);
    assert_int_equal(p->close_date_pushes, -1);
    assert_int_equal(p->amount_reduced_percent, -1);
    assert_int_equal(p->past_close_days, -1);
    assert_int_equal(p->lookback_days, 180);
    assert_int_equal(p->recent_days, 30);
    assert_int_equal(p->late_stage, SIZE_MAX);
    assert_null(p->stage_at_logging);
    assert_int_equal(p->price_count, 0);
    credo_policy_free(policy);
}

static void policy_unknown_key(void **state)
{
    (void)state;
    credo_error err = policy_fails("  rules: {no_activty_days: 3}\n");
    assert_contains(err.message, "p.yaml:3:11: unknown key 'no_activty_days'");
    assert_contains(err.message, "did you mean 'no_activity_days'");
}

static void policy_lower_case_price_currency(void **state)
{
    (void)state;
    credo_error err = policy_fails("  list_prices: {currency: usd, products: {GTX: 550}}\n");
    assert_contains(err.message, "invalid currency 'usd'");
}

static void policy_duplicate_stage(void **state)
{
    (void)state;
    credo_error err = policy_fails("  stages:\n    - {stage: A}\n    - {stage: A}\n");
    assert_contains(err.message, "p.yaml:5:7: stage 'A' is listed twice (first on line 4)");
}

static void policy_unknown_late_stage(void **state)
{
    (void)state;
    credo_error err = policy_fails("  stages: [{stage: A}]\n  latency: {late_stage: B}\n");
    assert_contains(err.message, "p.yaml:4:25: late_stage 'B' is not one of the pipeline's stages");
}

static void policy_unlisted_stage_at_logging(void **state)
{
    (void)state;
    credo_error err = policy_fails("  stages: [{stage: A}]\n  stage_at_logging: B\n");
    assert_contains(err.message, "p.yaml:4:21: stage_at_logging 'B' is not one of the pipeline's stages");
}

static void policy_percentile_range(void **state)
{
    (void)state;
    credo_error err = policy_fails("  stages: [{stage: A, max_days: {percentile: 101}}]\n");
    assert_contains(err.message, "percentile 101 is out of range; use a value from 1 to 100");
}

static void policy_percentile_missing(void **state)
{
    (void)state;
    credo_error err = policy_fails("  stages: [{stage: A, max_days: {min_deals: 5}}]\n");
    assert_contains(err.message, "max_days of stage 'A' has no percentile");
}

static void policy_folded_duplicate_products(void **state)
{
    (void)state;
    credo_error err = policy_fails("  list_prices: {currency: USD, products: {GTX Pro: 1, gtxpro: 2}}\n");
    assert_contains(err.message, "products 'GTX Pro' and 'gtxpro' are the same name when spaces and case are ignored");
}

static void policy_price_decimals(void **state)
{
    (void)state;
    credo_error err = policy_fails("  list_prices: {currency: USD, products: {A: 1.234}}\n");
    assert_contains(err.message, "invalid list price '1.234' of product 'A'");
}

static void policy_price_needs_currency(void **state)
{
    (void)state;
    credo_error err = policy_fails("  list_prices: {products: {A: 1}}\n");
    assert_contains(err.message, "list_prices needs a currency");
}

static void policy_too_many_categories(void **state)
{
    (void)state;
    char section[2048] = "  stages:\n";
    for (int i = 0; i <= CREDO_PIPELINE_MAX_CATEGORIES; i++) {
        size_t used = strlen(section);
        snprintf(section + used, sizeof section - used, "    - {stage: S%d, category: c%d}\n", i, i);
    }
    char text[4096];
    snprintf(text, sizeof text, "credo_policy: 1\npipeline:\n%s", section);
    credo_policy *policy = NULL;
    credo_error err = {0};
    assert_int_equal(credo_policy_parse(text, strlen(text), "p.yaml", &policy, &err), CREDO_ERR_LIMIT);
    assert_contains(err.message, "category 'c16' is one more than the 16 forecast categories allowed");
}

static void policy_bad_period(void **state)
{
    (void)state;
    credo_error err = policy_fails("  period: week\n");
    assert_contains(err.message, "p.yaml:3:11: invalid period 'week'; use month, quarter or year");
}

static void compute_needs_pipeline_section(void **state)
{
    (void)state;
    credo_policy *policy = parse_policy("credo_policy: 1\n");
    credo_snapshot *snapshot = NULL;
    credo_pipeline *pipeline = NULL;
    credo_error err = {0};
    assert_int_equal(credo_snapshot_new(&snapshot, &err), CREDO_OK);
    assert_int_equal(credo_snapshot_finish(snapshot, &err), CREDO_OK);

    assert_int_equal(credo_pipeline_compute(snapshot, policy, AS_OF, AS_OF, &pipeline, &err), CREDO_ERR_INVALID);
    assert_null(pipeline);
    assert_contains(err.message, "has no pipeline section");
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
}

static void compute_rejects_since_after_as_of(void **state)
{
    fixture *f = *state;
    credo_error err = {0};
    assert_int_equal(credo_snapshot_finish(f->snapshot, &err), CREDO_OK);
    credo_pipeline *pipeline = NULL;

    assert_int_equal(credo_pipeline_compute(f->snapshot, f->policy, day(2024, 1, 1), day(2024, 1, 2), &pipeline, &err),
                     CREDO_ERR_INVALID);
    assert_contains(err.message, "the comparison date 2024-01-02 is after the as-of date 2024-01-01");
}

/* ---- Deal states as of a date ----------------------------------------- */

/* Logged on 2024-07-01, the day after the as-of date: it does not exist
 * yet. Logged on the as-of date: it does. */
static void state_logged_after_as_of(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("later", "Discover", day(2024, 7, 1)));
    add_deal(f, open_deal("today", "Discover", AS_OF));
    compute(f, AS_OF, AS_OF);

    assert_false(state_of(f, "later")->exists);
    assert_true(state_of(f, "today")->exists);
    assert_int_equal(f->pipeline->deals, 1);
    assert_int_equal(f->pipeline->open_deals, 1);
}

/* Won on 2024-08-01, after the as-of date: open on 2024-06-30, in the
 * policy's stage_at_logging since it was logged, amount as recorded. */
static void state_closed_later_is_open(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"w", "a1", "r1", "Won", CREDO_DEAL_WON, day(2024, 5, 1), day(2024, 8, 1), 70000, NULL});
    compute(f, AS_OF, AS_OF);
    const credo_deal_state *s = state_of(f, "w");

    assert_int_equal(s->status, CREDO_DEAL_OPEN);
    assert_int_equal(s->stage_index, 0);
    assert_string_equal(credo_pipeline_stage_name(f->pipeline, s->stage, s->stage_index), "Discover");
    assert_int_equal(s->entered, day(2024, 5, 1));
    assert_int_equal(s->stage_source, CREDO_STAGE_AT_LOGGING);
    assert_int_equal(s->amount, 70000);
    assert_int_equal(f->pipeline->won_deals, 0);
}

/* On its close date the same deal is won, in stage Won from that day. */
static void state_closed_on_close_date(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"w", "a1", "r1", "Won", CREDO_DEAL_WON, day(2024, 5, 1), AS_OF, 70000, NULL});
    compute(f, AS_OF, AS_OF);
    const credo_deal_state *s = state_of(f, "w");

    assert_int_equal(s->status, CREDO_DEAL_WON);
    assert_string_equal(str_of(f, s->stage), "Won");
    assert_int_equal(s->entered, AS_OF);
    assert_int_equal(s->stage_source, CREDO_STAGE_AT_CLOSE);
    assert_int_equal(f->pipeline->won_deals, 1);
}

/* Without stage_at_logging, the stage of a deal that closes later is
 * unknown on the as-of date. */
static void state_closed_later_unknown_stage(void **state)
{
    fixture *f = fixture_new("credo_policy: 1\npipeline:\n  stages: [{stage: Discover}]\n");
    *state = f;
    add_deal(f, (deal_spec){"l", NULL, "r1", "Lost", CREDO_DEAL_LOST, day(2024, 5, 1), day(2024, 8, 1), 0, NULL});
    compute(f, AS_OF, AS_OF);
    const credo_deal_state *s = state_of(f, "l");

    assert_int_equal(s->status, CREDO_DEAL_OPEN);
    assert_int_equal(s->stage, CREDO_STR_NONE);
    assert_int_equal(s->stage_source, CREDO_STAGE_UNKNOWN);
}

/* History: Discover from 05-01 (the deal was logged 04-20, so the stage
 * counts from then), Propose from 05-10, a Propose row on 05-20 that only
 * changes the amount, Parked from 07-01. As of 06-30: Propose, entered
 * 05-10, amount 1,500.00 from the latest row. */
static void state_from_history(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("h", "Parked", day(2024, 4, 20)));
    add_history(f, "h", day(2024, 5, 1), "Discover", 120000, CREDO_DATE_NONE);
    add_history(f, "h", day(2024, 5, 10), "Propose", CREDO_MONEY_NONE, CREDO_DATE_NONE);
    add_history(f, "h", day(2024, 5, 20), "Propose", 150000, CREDO_DATE_NONE);
    add_history(f, "h", day(2024, 7, 1), "Parked", 10000, CREDO_DATE_NONE);
    compute(f, AS_OF, AS_OF);
    const credo_deal_state *s = state_of(f, "h");

    assert_string_equal(str_of(f, s->stage), "Propose");
    assert_int_equal(s->entered, day(2024, 5, 10));
    assert_int_equal(s->stage_source, CREDO_STAGE_HISTORY);
    assert_int_equal(s->stage_index, 1);
    assert_string_equal(str_of(f, s->first_stage), "Discover");
    assert_true(s->first_from_history);
    assert_int_equal(s->amount, 150000);
    assert_int_equal(s->amount_source, CREDO_AMOUNT_HISTORY);
    assert_int_equal(s->peak_amount, 150000);
}

/* As of 05-05 the same deal is in Discover since it was logged (04-20). */
static void state_from_history_earlier(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("h", "Parked", day(2024, 4, 20)));
    add_history(f, "h", day(2024, 5, 1), "Discover", 120000, CREDO_DATE_NONE);
    add_history(f, "h", day(2024, 5, 10), "Propose", CREDO_MONEY_NONE, CREDO_DATE_NONE);
    compute(f, day(2024, 5, 5), day(2024, 5, 5));
    const credo_deal_state *s = state_of(f, "h");

    assert_string_equal(str_of(f, s->stage), "Discover");
    assert_int_equal(s->entered, day(2024, 4, 20));
    assert_int_equal(s->amount, 120000);
}

/* A deal without a logged date exists at every date, with an unknown
 * stage entry; it is counted among the undated deals. */
static void state_undated_deal(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("u", "Discover", CREDO_DATE_NONE));
    compute(f, day(2000, 1, 1), day(2000, 1, 1));
    const credo_deal_state *s = state_of(f, "u");

    assert_true(s->exists);
    assert_int_equal(s->entered, CREDO_DATE_NONE);
    assert_int_equal(f->pipeline->undated_deals, 1);
    assert_int_equal(f->pipeline->rules_summary[CREDO_STALL_DAYS_IN_STAGE].unmeasured, 1);
}

/* A lost deal without a close date is closed at every date. */
static void state_closed_without_close_date(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"l", "a1", "r1", "Lost", CREDO_DEAL_LOST, day(2024, 1, 1), CREDO_DATE_NONE, 0, NULL});
    compute(f, day(2024, 1, 1), day(2024, 1, 1));

    assert_int_equal(state_of(f, "l")->status, CREDO_DEAL_LOST);
    assert_int_equal(f->pipeline->closed_undated, 1);
}

/* Open deals without an amount: "Widget Pro" exactly (1,000.00),
 * "widgetpro" by folding, "Gadget" unpriced (0), and one in EUR, whose
 * product has a USD list price only, unpriced. */
static void state_list_prices(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"p1", "a1", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 0, "Widget Pro"});
    add_deal(f, (deal_spec){"p2", "a1", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 0, "widgetpro"});
    add_deal(f, (deal_spec){"p3", "a1", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 0, "Gadget"});
    add_deal(f, (deal_spec){"p4", "a1", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 0, "Basic"});
    f->snapshot->deals.currency[3] = text(f, "EUR");
    compute(f, AS_OF, AS_OF);

    assert_int_equal(state_of(f, "p1")->amount, 100000);
    assert_int_equal(state_of(f, "p1")->amount_source, CREDO_AMOUNT_LIST_PRICE);
    assert_int_equal(state_of(f, "p2")->amount, 100000);
    assert_int_equal(state_of(f, "p2")->amount_source, CREDO_AMOUNT_LIST_FOLDED);
    assert_int_equal(state_of(f, "p3")->amount, 0);
    assert_int_equal(state_of(f, "p3")->amount_source, CREDO_AMOUNT_UNPRICED);
    assert_int_equal(state_of(f, "p4")->amount_source, CREDO_AMOUNT_UNPRICED);
    assert_int_equal(f->pipeline->open_amount, 200000);
    assert_int_equal(f->pipeline->amount_sources[CREDO_AMOUNT_LIST_FOLDED], 1);
    assert_int_equal(f->pipeline->price_match_count, 4);
}

/* Stage counts follow the policy's stage order, then other stages by
 * name; deals without an account and with an unknown one are listed. */
static void summary_counts(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"d1", NULL, "r1", "Zeta", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 5, NULL});
    add_deal(f, (deal_spec){"d2", "nope", "r1", "Propose", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 5, NULL});
    add_deal(f, (deal_spec){"d3", "a1", "r1", "Alpha", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 5, NULL});
    add_deal(f, (deal_spec){"d4", "a1", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 5, NULL});
    add_deal(f, (deal_spec){"d5", NULL, "r1", "Propose", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 5, NULL});
    compute(f, AS_OF, AS_OF);
    const credo_pipeline *p = f->pipeline;

    assert_int_equal(p->stage_count, 4);
    assert_string_equal(p->stage_counts[0].stage, "Discover");
    assert_string_equal(p->stage_counts[1].stage, "Propose");
    assert_int_equal(p->stage_counts[1].count, 2);
    assert_string_equal(p->stage_counts[2].stage, "Alpha");
    assert_string_equal(p->stage_counts[3].stage, "Zeta");
    assert_int_equal(p->without_account_count, 2);
    assert_int_equal(p->without_account[0], deal_row(f, "d1"));
    assert_int_equal(p->without_account[1], deal_row(f, "d5"));
    assert_int_equal(p->unknown_account_count, 1);
    assert_int_equal(p->uncategorised_stage_count, 2);
}

/* credo_pipeline_states works without a policy: stages come from the deal,
 * amounts are as recorded, and no territory is known. */
static void states_without_policy(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"d", "a1", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 0, "Basic"});
    add_deal(f, (deal_spec){"w", "a1", "r1", "Won", CREDO_DEAL_WON, day(2024, 6, 1), day(2024, 7, 1), 500, NULL});
    credo_error err = {0};
    assert_int_equal(credo_snapshot_finish(f->snapshot, &err), CREDO_OK);
    credo_deal_state states[2];

    assert_int_equal(credo_pipeline_states(f->snapshot, NULL, AS_OF, states, &err), CREDO_OK);
    assert_string_equal(str_of(f, states[0].stage), "Discover");
    assert_int_equal(states[0].amount, 0);
    assert_int_equal(states[0].amount_source, CREDO_AMOUNT_UNPRICED);
    assert_int_equal(states[0].territory, CREDO_NO_ROW);
    assert_int_equal(states[1].status, CREDO_DEAL_OPEN);
    assert_int_equal(states[1].stage_source, CREDO_STAGE_UNKNOWN);
}

/* ---- Stall rules ------------------------------------------------------ */

/* Discover allows 30 days: entered 05-31 is 30 days before 06-30 and not
 * flagged; entered 05-30 is 31 days and flagged with value 31, limit 30. */
static void stall_days_in_stage_boundary(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("at", "Discover", day(2024, 5, 31)));
    add_deal(f, open_deal("over", "Discover", day(2024, 5, 30)));
    compute(f, AS_OF, AS_OF);
    const credo_stall_flag *flag = flag_of(f, "over", CREDO_STALL_DAYS_IN_STAGE);

    assert_null(flag_of(f, "at", CREDO_STALL_DAYS_IN_STAGE));
    assert_non_null(flag);
    assert_int_equal(flag->value, 31);
    assert_int_equal(flag->limit, 30);
    assert_false(flag->limit_derived);
    assert_int_equal(flag->since, day(2024, 5, 30));
    assert_string_equal(flag->owner_id, "r1");
    assert_string_equal(flag->manager_id, "m1");
}

/* The deal entered Discover on 05-30: as of 06-29 it has spent 30 days
 * (not stalled yet), as of 06-30 31 days (stalled). */
static void stall_days_in_stage_as_of(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("d", "Discover", day(2024, 5, 30)));
    compute(f, day(2024, 6, 29), day(2024, 6, 29));
    assert_null(flag_of(f, "d", CREDO_STALL_DAYS_IN_STAGE));

    recompute(f, AS_OF, AS_OF);
    assert_non_null(flag_of(f, "d", CREDO_STALL_DAYS_IN_STAGE));
}

/* A deal that was in Discover for 40 days but moved to Propose before the
 * as-of date is measured in Propose, not Discover. */
static void stall_days_in_stage_uses_current_stage(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("d", "Propose", day(2024, 4, 1)));
    add_history(f, "d", day(2024, 4, 1), "Discover", CREDO_MONEY_NONE, CREDO_DATE_NONE);
    add_history(f, "d", day(2024, 6, 20), "Propose", CREDO_MONEY_NONE, CREDO_DATE_NONE);
    compute(f, AS_OF, AS_OF);

    assert_null(flag_of(f, "d", CREDO_STALL_DAYS_IN_STAGE));
}

/* Ten deals won by the as-of date spent 1, 2, ..., 10 days in Propose
 * (history: Propose on day 1 of May, Won on the day after N days). The
 * 90th percentile by nearest rank is rank ceil(0.9 * 10) = 9: 9 days. An
 * open deal 9 days in Propose is not flagged, one 10 days in is. An
 * eleventh deal won after the as-of date (100 days) does not count. */
static void stall_derived_percentile(void **state)
{
    fixture *f = *state;
    for (int n = 1; n <= 10; n++) {
        char id[8];
        snprintf(id, sizeof id, "w%02d", n);
        add_deal(f, (deal_spec){id, "a2", "r2", "Won", CREDO_DEAL_WON, day(2024, 5, 1), day(2024, 5, 1) + n, 100, NULL});
        add_history(f, id, day(2024, 5, 1), "Propose", CREDO_MONEY_NONE, CREDO_DATE_NONE);
    }
    add_deal(f, (deal_spec){"late", "a2", "r2", "Won", CREDO_DEAL_WON, day(2024, 5, 1), day(2024, 8, 9), 100, NULL});
    add_history(f, "late", day(2024, 5, 1), "Propose", CREDO_MONEY_NONE, CREDO_DATE_NONE);
    add_deal(f, open_deal("at", "Propose", AS_OF - 9));
    add_deal(f, open_deal("over", "Propose", AS_OF - 10));
    compute(f, AS_OF, AS_OF);
    const credo_stage_limit *limit = &f->pipeline->limits[1];
    const credo_stall_flag *flag = flag_of(f, "over", CREDO_STALL_DAYS_IN_STAGE);

    assert_true(limit->derived);
    assert_int_equal(limit->days, 9);
    assert_int_equal(limit->sample, 10);
    assert_null(flag_of(f, "at", CREDO_STALL_DAYS_IN_STAGE));
    assert_non_null(flag);
    assert_int_equal(flag->limit, 9);
    assert_int_equal(flag->value, 10);
    assert_true(flag->limit_derived);
}

/* With nine won deals (fewer than min_deals: 10) the fallback of 45 days
 * applies. */
static void stall_derived_fallback(void **state)
{
    fixture *f = *state;
    for (int n = 1; n <= 9; n++) {
        char id[8];
        snprintf(id, sizeof id, "w%02d", n);
        add_deal(f, (deal_spec){id, "a2", "r2", "Won", CREDO_DEAL_WON, day(2024, 5, 1), day(2024, 5, 1) + n, 100, NULL});
        add_history(f, id, day(2024, 5, 1), "Propose", CREDO_MONEY_NONE, CREDO_DATE_NONE);
    }
    add_deal(f, open_deal("over", "Propose", AS_OF - 46));
    compute(f, AS_OF, AS_OF);
    const credo_stage_limit *limit = &f->pipeline->limits[1];

    assert_false(limit->derived);
    assert_true(limit->fallback);
    assert_int_equal(limit->days, 45);
    assert_int_equal(limit->sample, 9);
    assert_int_equal(flag_of(f, "over", CREDO_STALL_DAYS_IN_STAGE)->limit, 45);
}

/* Without history, a won deal spent the time from its logging to its close
 * in stage_at_logging (Discover): logged 01-01, won 01-21, 20 days. The
 * derived percentile of a stage_at_logging stage counts it. */
static void stall_derived_from_stage_at_logging(void **state)
{
    fixture *f = fixture_new("credo_policy: 1\npipeline:\n"
                             "  stages: [{stage: Discover, max_days: {percentile: 50, min_deals: 1}}]\n"
                             "  stage_at_logging: Discover\n");
    *state = f;
    add_deal(f, (deal_spec){"w", "a", "r", "Won", CREDO_DEAL_WON, day(2024, 1, 1), day(2024, 1, 21), 100, NULL});
    compute(f, AS_OF, AS_OF);

    assert_true(f->pipeline->limits[0].derived);
    assert_int_equal(f->pipeline->limits[0].days, 20);
}

/* No activity for 14 days flags: last activity 06-16 is 14 days before
 * 06-30 (flagged, >=); 06-17 is 13 days (not flagged). An activity after
 * the as-of date does not count, and a deal with no activity counts from
 * its logging (06-01, 29 days). */
static void stall_no_activity_boundary(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"old", "a1", "r1", "Discover", CREDO_DEAL_OPEN, AS_OF, CREDO_DATE_NONE, 5, NULL});
    add_deal(f, (deal_spec){"fresh", "a2", "r1", "Discover", CREDO_DEAL_OPEN, AS_OF, CREDO_DATE_NONE, 5, NULL});
    add_deal(f, (deal_spec){"none", "a3", "r3", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 5, NULL});
    add_activity(f, "r1", "a1", "old", "call", day(2024, 6, 16));
    add_activity(f, "r1", "a1", "old", "call", day(2024, 7, 2));
    add_activity(f, "r1", "a2", NULL, "email", day(2024, 6, 17));
    compute(f, AS_OF, AS_OF);
    const credo_stall_flag *old = flag_of(f, "old", CREDO_STALL_NO_ACTIVITY);
    const credo_stall_flag *none = flag_of(f, "none", CREDO_STALL_NO_ACTIVITY);

    assert_non_null(old);
    assert_int_equal(old->value, 14);
    assert_int_equal(old->limit, 14);
    assert_int_equal(old->since, day(2024, 6, 16));
    assert_null(flag_of(f, "fresh", CREDO_STALL_NO_ACTIVITY));
    assert_non_null(none);
    assert_int_equal(none->value, 29);
    assert_null(none->manager_id);
}

/* Without any activity dated by the as-of date the rule is not evaluated
 * and flags nothing. */
static void stall_no_activity_not_evaluated(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("d", "Discover", day(2024, 1, 1)));
    add_activity(f, "r1", "a1", "d", "call", day(2024, 7, 1));
    compute(f, AS_OF, AS_OF);

    assert_true(f->pipeline->rules_summary[CREDO_STALL_NO_ACTIVITY].enabled);
    assert_false(f->pipeline->rules_summary[CREDO_STALL_NO_ACTIVITY].evaluated);
    assert_null(flag_of(f, "d", CREDO_STALL_NO_ACTIVITY));
}

/* Close date history 07-01 -> 07-15 (push 1) -> 07-10 (earlier, not a
 * push) -> 08-01 (push 2). With the limit of 2 pushes: flagged as of
 * 06-30 when the 08-01 row is dated 06-20, not flagged when the last push
 * is dated after the as-of date. */
static void stall_close_pushed_boundary(void **state)
{
    fixture *f = *state;
    deal_spec spec = open_deal("twice", "Discover", day(2024, 6, 1));
    spec.close = day(2024, 8, 1);
    add_deal(f, spec);
    spec.id = "once";
    add_deal(f, spec);
    const char *ids[] = {"twice", "once"};
    for (int i = 0; i < 2; i++) {
        add_history(f, ids[i], day(2024, 6, 1), NULL, CREDO_MONEY_NONE, day(2024, 7, 1));
        add_history(f, ids[i], day(2024, 6, 5), NULL, CREDO_MONEY_NONE, day(2024, 7, 15));
        add_history(f, ids[i], day(2024, 6, 10), NULL, CREDO_MONEY_NONE, day(2024, 7, 10));
    }
    add_history(f, "twice", day(2024, 6, 20), NULL, CREDO_MONEY_NONE, day(2024, 8, 1));
    add_history(f, "once", day(2024, 7, 5), NULL, CREDO_MONEY_NONE, day(2024, 8, 1));
    compute(f, AS_OF, AS_OF);
    const credo_stall_flag *flag = flag_of(f, "twice", CREDO_STALL_CLOSE_PUSHED);

    assert_non_null(flag);
    assert_int_equal(flag->value, 2);
    assert_int_equal(flag->limit, 2);
    assert_null(flag_of(f, "once", CREDO_STALL_CLOSE_PUSHED));
    assert_int_equal(state_of(f, "once")->close_pushes, 1);
    assert_int_equal(state_of(f, "once")->close_date, day(2024, 7, 10));
}

/* Amount history 1,000.00 -> 800.00 is a 20.00% reduction (2000 basis
 * points) and is flagged at the 20% limit; 1,000.00 -> 800.01 is 19.99%
 * (1999 bp) and is not. */
static void stall_amount_reduced_boundary(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("cut", "Discover", day(2024, 6, 1)));
    add_deal(f, open_deal("trim", "Discover", day(2024, 6, 1)));
    add_history(f, "cut", day(2024, 6, 1), NULL, 100000, CREDO_DATE_NONE);
    add_history(f, "cut", day(2024, 6, 10), NULL, 80000, CREDO_DATE_NONE);
    add_history(f, "trim", day(2024, 6, 1), NULL, 100000, CREDO_DATE_NONE);
    add_history(f, "trim", day(2024, 6, 10), NULL, 80001, CREDO_DATE_NONE);
    compute(f, AS_OF, AS_OF);
    const credo_stall_flag *flag = flag_of(f, "cut", CREDO_STALL_AMOUNT_REDUCED);

    assert_non_null(flag);
    assert_int_equal(flag->value, 2000);
    assert_int_equal(flag->limit, 2000);
    assert_null(flag_of(f, "trim", CREDO_STALL_AMOUNT_REDUCED));
}

/* The reduction is dated 06-10: as of 06-09 the deal is not flagged. */
static void stall_amount_reduced_as_of(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("cut", "Discover", day(2024, 6, 1)));
    add_history(f, "cut", day(2024, 6, 1), NULL, 100000, CREDO_DATE_NONE);
    add_history(f, "cut", day(2024, 6, 10), NULL, 50000, CREDO_DATE_NONE);
    compute(f, day(2024, 6, 9), day(2024, 6, 9));
    assert_null(flag_of(f, "cut", CREDO_STALL_AMOUNT_REDUCED));

    recompute(f, day(2024, 6, 10), day(2024, 6, 10));
    assert_int_equal(flag_of(f, "cut", CREDO_STALL_AMOUNT_REDUCED)->value, 5000);
}

/* Open past the expected close date with 0 days of grace: closing on the
 * as-of date is 0 days past (not flagged), the day before is 1 day past
 * (flagged). A deal without an expected close date is not measured. */
static void stall_past_close_boundary(void **state)
{
    fixture *f = *state;
    deal_spec spec = open_deal("today", "Discover", day(2024, 6, 1));
    spec.close = AS_OF;
    add_deal(f, spec);
    spec.id = "yesterday";
    spec.close = AS_OF - 1;
    add_deal(f, spec);
    add_deal(f, open_deal("undated", "Discover", day(2024, 6, 1)));
    compute(f, AS_OF, AS_OF);
    const credo_stall_flag *flag = flag_of(f, "yesterday", CREDO_STALL_PAST_CLOSE);

    assert_null(flag_of(f, "today", CREDO_STALL_PAST_CLOSE));
    assert_non_null(flag);
    assert_int_equal(flag->value, 1);
    assert_int_equal(flag->limit, 0);
    assert_int_equal(f->pipeline->rules_summary[CREDO_STALL_PAST_CLOSE].unmeasured, 1);
}

/* A deal that closes (won) after the as-of date was open on it, and its
 * expected close date then is its close date: 2024-08-01 is not past. */
static void stall_past_close_closed_later(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"w", "a1", "r1", "Won", CREDO_DEAL_WON, day(2024, 6, 1), day(2024, 8, 1), 100, NULL});
    compute(f, AS_OF, AS_OF);

    assert_null(flag_of(f, "w", CREDO_STALL_PAST_CLOSE));
    assert_int_equal(f->pipeline->rules_summary[CREDO_STALL_PAST_CLOSE].measured, 1);
}

/* Closed deals are never flagged, whatever their history. */
static void stall_ignores_closed_deals(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"l", "a1", "r1", "Lost", CREDO_DEAL_LOST, day(2023, 1, 1), day(2024, 1, 1), 0, NULL});
    compute(f, AS_OF, AS_OF);

    assert_int_equal(f->pipeline->flag_count, 0);
}

/* ---- Roll-up ---------------------------------------------------------- */

/* Quarter of 06-30 starts 04-01. Open: r1 Discover 100.00 (pipeline), r2
 * Propose 200.00 (commit), r3 Parked 50.00 (uncategorised). Won: r1 30.00
 * on 04-01 (in the quarter), r1 999.00 on 03-31 (before it). Lost: r3 on
 * 05-01. A deal of rep x, who is in no territory, goes to (no territory). */
static void rollup_by_territory(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"o1", "a1", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 10000, NULL});
    add_deal(f, (deal_spec){"o2", "a1", "r2", "Propose", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 20000, NULL});
    add_deal(f, (deal_spec){"o3", "a2", "r3", "Parked", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 5000, NULL});
    add_deal(f, (deal_spec){"w1", "a1", "r1", "Won", CREDO_DEAL_WON, day(2024, 1, 1), day(2024, 4, 1), 3000, NULL});
    add_deal(f, (deal_spec){"w0", "a1", "r1", "Won", CREDO_DEAL_WON, day(2024, 1, 1), day(2024, 3, 31), 99900, NULL});
    add_deal(f, (deal_spec){"l1", "a2", "r3", "Lost", CREDO_DEAL_LOST, day(2024, 1, 1), day(2024, 5, 1), 700, NULL});
    add_deal(f, (deal_spec){"x1", "a3", "x", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 400, NULL});
    compute(f, AS_OF, AS_OF);
    const credo_rollup_row *all = rollup_row(f, false, "all");
    const credo_rollup_row *north = rollup_row(f, false, "north");
    const credo_rollup_row *south = rollup_row(f, false, "south");
    const credo_rollup_row *none = rollup_row(f, false, "");

    assert_int_equal(f->pipeline->period_start, day(2024, 4, 1));
    assert_int_equal(all->depth, 0);
    assert_int_equal(north->depth, 1);
    assert_string_equal(north->parent_id, "all");
    assert_int_equal(north->now.open_count, 2);
    assert_int_equal(north->now.open_amount, 30000);
    assert_int_equal(north->now.category_amount[0], 10000);
    assert_int_equal(north->now.category_amount[1], 20000);
    assert_int_equal(north->now.won_count, 1);
    assert_int_equal(north->now.won_amount, 3000);
    assert_int_equal(south->now.category_amount[2], 5000);
    assert_int_equal(south->now.lost_count, 1);
    assert_int_equal(all->now.open_amount, 35000);
    assert_int_equal(all->now.won_count, 1);
    assert_int_equal(none->kind, CREDO_ROLLUP_NONE);
    assert_int_equal(none->now.open_amount, 400);
}

/* m0 manages m1, who manages r1 and r2, and r3 has no manager. m0's row
 * contains r1's and r2's deals, r3 is a top row of its own, and x is no
 * rep. */
static void rollup_by_manager(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"o1", "a1", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 10000, NULL});
    add_deal(f, (deal_spec){"o2", "a1", "r2", "Propose", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 20000, NULL});
    add_deal(f, (deal_spec){"o3", "a2", "r3", "Parked", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 5000, NULL});
    add_deal(f, (deal_spec){"x1", "a3", "x", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 400, NULL});
    compute(f, AS_OF, AS_OF);
    const credo_rollup_row *m0 = rollup_row(f, true, "m0");
    const credo_rollup_row *m1 = rollup_row(f, true, "m1");
    const credo_rollup_row *r1 = rollup_row(f, true, "r1");
    const credo_rollup_row *r3 = rollup_row(f, true, "r3");

    assert_int_equal(m0->kind, CREDO_ROLLUP_MANAGER);
    assert_int_equal(m0->depth, 0);
    assert_int_equal(m0->now.open_amount, 30000);
    assert_int_equal(m1->depth, 1);
    assert_string_equal(m1->parent_id, "m0");
    assert_int_equal(m1->now.open_count, 2);
    assert_int_equal(r1->kind, CREDO_ROLLUP_REP);
    assert_int_equal(r1->depth, 2);
    assert_int_equal(r1->now.open_amount, 10000);
    assert_int_equal(r3->depth, 0);
    assert_int_equal(r3->now.open_amount, 5000);
    assert_int_equal(rollup_row(f, true, "")->now.open_amount, 400);
}

/* A cycle of managers (c1 -> c2 -> c1) is cut at the first rep in id
 * order, c1, which becomes a top rep with c2 below it. c2's deal counts
 * once in each row. */
static void rollup_manager_cycle(void **state)
{
    fixture *f = fixture_new("credo_policy: 1\npipeline:\n  stages: [{stage: S}]\n");
    *state = f;
    add_rep(f, "c1", "c2");
    add_rep(f, "c2", "c1");
    add_deal(f, (deal_spec){"d", "a", "c2", "S", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 100, NULL});
    compute(f, AS_OF, AS_OF);
    const credo_rollup_row *c1 = rollup_row(f, true, "c1");
    const credo_rollup_row *c2 = rollup_row(f, true, "c2");

    assert_int_equal(c1->depth, 0);
    assert_int_equal(c1->now.open_count, 1);
    assert_int_equal(c2->depth, 1);
    assert_string_equal(c2->parent_id, "c1");
    assert_int_equal(c2->now.open_count, 1);
}

/* r1's quota for Q2 2024 is 1,000.00 and r1 won 200.00 in it (05-01) and
 * 500.00 before it (03-01); r2 has no quota. Open: r1 1,600.00. Left:
 * 800.00; coverage 1,600 / 800 = 20000 bp. north adds r2's open 400.00:
 * 2,000 / 800 = 25000 bp. m1 likewise. */
static void rollup_quota_coverage(void **state)
{
    fixture *f = *state;
    add_quota(f, "r1", day(2024, 4, 1), day(2024, 7, 1), 100000);
    add_quota(f, "r1", day(2024, 1, 1), day(2024, 4, 1), 900000);
    add_deal(f, (deal_spec){"w1", "a1", "r1", "Won", CREDO_DEAL_WON, day(2024, 1, 1), day(2024, 5, 1), 20000, NULL});
    add_deal(f, (deal_spec){"w0", "a1", "r1", "Won", CREDO_DEAL_WON, day(2024, 1, 1), day(2024, 3, 1), 50000, NULL});
    add_deal(f, (deal_spec){"o1", "a1", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 160000, NULL});
    add_deal(f, (deal_spec){"o2", "a1", "r2", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 1), CREDO_DATE_NONE, 40000, NULL});
    compute(f, AS_OF, AS_OF);
    const credo_rollup_row *r1 = rollup_row(f, true, "r1");
    const credo_rollup_row *north = rollup_row(f, false, "north");

    assert_true(r1->has_quota);
    assert_int_equal(r1->quota, 100000);
    assert_int_equal(r1->quota_won, 20000);
    assert_int_equal(r1->coverage, 20000);
    assert_int_equal(north->quota, 100000);
    assert_int_equal(north->coverage, 25000);
    assert_int_equal(rollup_row(f, true, "m1")->coverage, 25000);
    assert_false(rollup_row(f, true, "r2")->has_quota);
    assert_int_equal(rollup_row(f, true, "r2")->coverage, -1);
    assert_false(rollup_row(f, false, "south")->has_quota);
}

/* Since 06-01: o_old (logged 05-01) was open then and now; o_new (logged
 * 06-15) only now; w (won 06-10) was open on 06-01 and is won between. */
static void rollup_change_since(void **state)
{
    fixture *f = *state;
    add_deal(f, (deal_spec){"o_old", "a1", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 5, 1), CREDO_DATE_NONE, 1000, NULL});
    add_deal(f, (deal_spec){"o_new", "a1", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 6, 15), CREDO_DATE_NONE, 2000, NULL});
    add_deal(f, (deal_spec){"w", "a1", "r1", "Won", CREDO_DEAL_WON, day(2024, 5, 1), day(2024, 6, 10), 4000, NULL});
    compute(f, AS_OF, day(2024, 6, 1));
    const credo_rollup_row *north = rollup_row(f, false, "north");

    assert_int_equal(north->now.open_count, 2);
    assert_int_equal(north->now.open_amount, 3000);
    assert_int_equal(north->then.open_count, 2);
    assert_int_equal(north->then.open_amount, 5000);
    assert_int_equal(north->won_between, 1);
    assert_int_equal(north->won_between_amount, 4000);
}

/* r9 sells in north until 06-15 and in south from then on: a deal counts
 * in south as of 06-30 and in north as of 06-01. */
static void rollup_membership_on_date(void **state)
{
    fixture *f = fixture_new("credo_policy: 1\nroles: [{id: rep, selling: true}]\nterritories:\n"
                             "  - {id: north, members: [{rep: r9, role: rep, to: 2024-06-15}]}\n"
                             "  - {id: south, members: [{rep: r9, role: rep, from: 2024-06-15}]}\n"
                             "pipeline:\n  stages: [{stage: S}]\n");
    *state = f;
    add_rep(f, "r9", NULL);
    add_deal(f, (deal_spec){"d", "a", "r9", "S", CREDO_DEAL_OPEN, day(2024, 5, 1), CREDO_DATE_NONE, 100, NULL});
    compute(f, AS_OF, day(2024, 6, 1));

    assert_int_equal(rollup_row(f, false, "south")->now.open_count, 1);
    assert_int_equal(rollup_row(f, false, "south")->then.open_count, 0);
    assert_int_equal(rollup_row(f, false, "north")->now.open_count, 0);
    assert_int_equal(rollup_row(f, false, "north")->then.open_count, 1);
}

/* r9 sells in east (first in the policy) and west. A deal on a Canadian
 * account counts in west, the account's territory; a deal without an
 * account counts in east. Both are counted as owned by a rep who sells in
 * several territories. */
static void rollup_owner_in_two_territories(void **state)
{
    fixture *f = fixture_new("credo_policy: 1\nroles: [{id: rep, selling: true}]\n"
                             "types: [{id: region, priority: 1}]\nterritories:\n"
                             "  - {id: east, type: region, match: 'country = \"US\"', members: [{rep: r9, role: rep}]}\n"
                             "  - {id: west, type: region, match: 'country = \"CA\"', members: [{rep: r9, role: rep}]}\n"
                             "pipeline:\n  stages: [{stage: S}]\n");
    *state = f;
    add_rep(f, "r9", NULL);
    add_account(f, "north_co");
    f->snapshot->accounts.country[0] = text(f, "CA");
    add_deal(f, (deal_spec){"on_account", "north_co", "r9", "S", CREDO_DEAL_OPEN, day(2024, 5, 1), CREDO_DATE_NONE, 100, NULL});
    add_deal(f, (deal_spec){"no_account", NULL, "r9", "S", CREDO_DEAL_OPEN, day(2024, 5, 1), CREDO_DATE_NONE, 10, NULL});
    compute(f, AS_OF, AS_OF);

    assert_int_equal(rollup_row(f, false, "west")->now.open_amount, 100);
    assert_int_equal(rollup_row(f, false, "east")->now.open_amount, 10);
    assert_true(state_of(f, "on_account")->several_territories);
    assert_int_equal(f->pipeline->multi_territory_owners, 2);
}

/* ---- Latency ---------------------------------------------------------- */

/* Deal logged 06-20 on a1. Activities on a1: an email on 06-01 (not a
 * qualifying type), a meeting on 06-05 (15 days before), a demo on 06-25
 * (after the logging). Latency 15. */
static void latency_first_qualifying_activity(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("d", "Discover", day(2024, 6, 20)));
    add_activity(f, "r1", "a1", NULL, "email", day(2024, 6, 1));
    add_activity(f, "r2", "a1", NULL, "meeting", day(2024, 6, 5));
    add_activity(f, "r1", "a1", NULL, "demo", day(2024, 6, 25));
    compute(f, AS_OF, AS_OF);

    assert_int_equal(f->pipeline->deal_latency[deal_row(f, "d")], 15);
}

/* Two deals on a1, logged 03-01 and 04-10. Meetings on 02-20 (10 days
 * before the first: 2024 is a leap year), 03-01 (the first deal's day, so
 * it belongs to it) and 03-21 (20 days before the second). Latencies 10
 * and 20. */
static void latency_previous_deal_bounds_the_search(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("first", "Discover", day(2024, 3, 1)));
    add_deal(f, open_deal("second", "Discover", day(2024, 4, 10)));
    add_activity(f, "r1", "a1", NULL, "meeting", day(2024, 2, 20));
    add_activity(f, "r1", "a1", NULL, "meeting", day(2024, 3, 1));
    add_activity(f, "r1", "a1", NULL, "meeting", day(2024, 3, 21));
    compute(f, AS_OF, AS_OF);

    assert_int_equal(f->pipeline->deal_latency[deal_row(f, "first")], 10);
    assert_int_equal(f->pipeline->deal_latency[deal_row(f, "second")], 20);
}

/* A meeting linked to the deal itself counts even before the previous
 * deal's logging; one linked to another deal never counts. */
static void latency_linked_activities(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("first", "Discover", day(2024, 3, 1)));
    add_deal(f, open_deal("second", "Discover", day(2024, 4, 10)));
    add_deal(f, (deal_spec){"third", "a2", "r1", "Discover", CREDO_DEAL_OPEN, day(2024, 4, 10), CREDO_DATE_NONE, 1, NULL});
    add_activity(f, "r1", "a1", "second", "meeting", day(2024, 2, 1));
    add_activity(f, "r1", "a2", "first", "meeting", day(2024, 4, 1));
    compute(f, AS_OF, AS_OF);

    assert_int_equal(f->pipeline->deal_latency[deal_row(f, "second")], 69);
    assert_int_equal(f->pipeline->deal_latency[deal_row(f, "first")], CREDO_LATENCY_NO_ACTIVITY);
    assert_int_equal(f->pipeline->deal_latency[deal_row(f, "third")], CREDO_LATENCY_NO_ACTIVITY);
}

/* lookback_days is 180: a meeting 180 days before the logging counts, one
 * 181 days before does not. */
static void latency_lookback_boundary(void **state)
{
    fixture *f = *state;
    credo_date logged = day(2024, 6, 1);
    add_deal(f, open_deal("in", "Discover", logged));
    add_deal(f, (deal_spec){"out", "a2", "r1", "Discover", CREDO_DEAL_OPEN, logged, CREDO_DATE_NONE, 1, NULL});
    add_activity(f, "r1", "a1", NULL, "meeting", logged - 180);
    add_activity(f, "r1", "a2", NULL, "meeting", logged - 181);
    compute(f, AS_OF, AS_OF);

    assert_int_equal(f->pipeline->deal_latency[deal_row(f, "in")], 180);
    assert_int_equal(f->pipeline->deal_latency[deal_row(f, "out")], CREDO_LATENCY_NO_ACTIVITY);
}

/* r1's deals have latencies 0, 3, 10, 45 and 120 (one per bucket), r2's
 * 1 and 2, r3's deal had no prior activity. Everyone: 0 1 2 3 10 45 120,
 * median rank ceil(3.5) = 4: 3; p90 rank ceil(6.3) = 7: 120. Team m1 (r1
 * and r2) contains the same seven; r3 has no manager. r1: median rank 3: 10,
 * p90 rank 5: 120. */
static void latency_distribution(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *deal, *account, *rep;
        int days;
    } cases[] = {
        {"d1", "a1", "r1", 0},   {"d2", "a2", "r1", 3},  {"d3", "a3", "r1", 10}, {"d4", "b1", "r1", 45},
        {"d5", "b2", "r1", 120}, {"d6", "b3", "r2", 1},  {"d7", "b4", "r2", 2},  {"d8", "b5", "r3", -1},
    };
    credo_date logged = day(2024, 6, 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strncmp(cases[i].account, "b", 1) == 0)
            add_account(f, cases[i].account);
        add_deal(f, (deal_spec){cases[i].deal, cases[i].account, cases[i].rep, "Discover", CREDO_DEAL_OPEN, logged,
                                CREDO_DATE_NONE, 1, NULL});
        if (cases[i].days >= 0)
            add_activity(f, cases[i].rep, cases[i].account, NULL, "demo", logged - cases[i].days);
    }
    compute(f, AS_OF, AS_OF);
    const credo_latency_stats *everyone = &latency_row(f, CREDO_ROLLUP_NONE, "")->stats;
    const credo_latency_stats *team = &latency_row(f, CREDO_ROLLUP_MANAGER, "m1")->stats;
    const credo_latency_stats *no_team = &latency_row(f, CREDO_ROLLUP_MANAGER, NULL)->stats;
    const credo_latency_stats *r1 = &latency_row(f, CREDO_ROLLUP_REP, "r1")->stats;

    assert_int_equal(everyone->count, 7);
    assert_int_equal(everyone->no_prior_activity, 1);
    assert_int_equal(everyone->min, 0);
    assert_int_equal(everyone->median, 3);
    assert_int_equal(everyone->p90, 120);
    assert_int_equal(everyone->max, 120);
    assert_int_equal(everyone->buckets[0], 1);
    assert_int_equal(everyone->buckets[1], 3);
    assert_int_equal(everyone->buckets[2], 1);
    assert_int_equal(everyone->buckets[3], 1);
    assert_int_equal(everyone->buckets[4], 1);
    assert_int_equal(team->count, 7);
    assert_int_equal(no_team->count, 0);
    assert_int_equal(no_team->no_prior_activity, 1);
    assert_int_equal(r1->count, 5);
    assert_int_equal(r1->median, 10);
    assert_int_equal(r1->p90, 120);
}

/* Late logging: "hist" appears in history first in Propose (the late
 * stage); "early" first in Discover; "closed" was logged on its close
 * date. A deal without history that is open in Propose is not late: its
 * first stage is derived. */
static void latency_late_deals(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("hist", "Propose", day(2024, 6, 1)));
    add_history(f, "hist", day(2024, 6, 1), "Propose", CREDO_MONEY_NONE, CREDO_DATE_NONE);
    add_deal(f, open_deal("early", "Propose", day(2024, 6, 1)));
    add_history(f, "early", day(2024, 6, 1), "Discover", CREDO_MONEY_NONE, CREDO_DATE_NONE);
    add_history(f, "early", day(2024, 6, 5), "Propose", CREDO_MONEY_NONE, CREDO_DATE_NONE);
    add_deal(f, (deal_spec){"closed", "a1", "r1", "Won", CREDO_DEAL_WON, day(2024, 6, 3), day(2024, 6, 3), 1, NULL});
    add_deal(f, open_deal("derived", "Propose", day(2024, 6, 1)));
    compute(f, AS_OF, AS_OF);
    const credo_pipeline *p = f->pipeline;

    assert_int_equal(p->late_deal_count, 2);
    assert_int_equal(p->late_deals[0].deal, deal_row(f, "closed"));
    assert_true(p->late_deals[0].logged_closed);
    assert_int_equal(p->late_deals[1].deal, deal_row(f, "hist"));
    assert_string_equal(p->late_deals[1].first_stage, "Propose");
}

/* Candidates: a2 had a meeting on 06-20 and has no open deal (listed); a1
 * had one but has an open deal; a3 had a meeting 30 days before the as-of
 * date (outside the 30-day window, which is 06-01 to 06-30) and a demo on
 * 06-01 (inside). Ordered by latest activity. */
static void latency_candidates(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("d", "Discover", day(2024, 6, 1)));
    add_deal(f, (deal_spec){"won", "a2", "r2", "Won", CREDO_DEAL_WON, day(2024, 1, 1), day(2024, 2, 1), 1, NULL});
    add_activity(f, "r1", "a1", NULL, "meeting", day(2024, 6, 20));
    add_activity(f, "r2", "a2", NULL, "meeting", day(2024, 6, 20));
    add_activity(f, "r3", "a2", NULL, "email", day(2024, 6, 25));
    add_activity(f, "r3", "a3", NULL, "meeting", AS_OF - 30);
    add_activity(f, "r2", "a3", NULL, "demo", AS_OF - 29);
    compute(f, AS_OF, AS_OF);
    const credo_pipeline *p = f->pipeline;

    assert_int_equal(p->candidate_count, 2);
    assert_string_equal(str_of(f, f->snapshot->accounts.id[p->candidates[0].account]), "a2");
    assert_int_equal(p->candidates[0].last_activity, day(2024, 6, 20));
    assert_string_equal(str_of(f, p->candidates[0].last_rep), "r2");
    assert_int_equal(p->candidates[0].activities, 1);
    assert_string_equal(str_of(f, f->snapshot->accounts.id[p->candidates[1].account]), "a3");
    assert_int_equal(p->candidates[1].activities, 1);
}

/* Without activities no deal is measured, not even as "no prior
 * activity". */
static void latency_without_activities(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("d", "Discover", day(2024, 6, 1)));
    compute(f, AS_OF, AS_OF);

    assert_int_equal(f->pipeline->deal_latency[deal_row(f, "d")], CREDO_LATENCY_NOT_MEASURED);
    assert_int_equal(f->pipeline->latency[0].stats.no_prior_activity, 0);
}

/* ---- JSON ------------------------------------------------------------- */

static void json_has_required_keys(void **state)
{
    fixture *f = *state;
    add_deal(f, open_deal("over", "Discover", day(2024, 5, 1)));
    add_deal(f, (deal_spec){"na", NULL, "r1", "Discover", CREDO_DEAL_OPEN, AS_OF, CREDO_DATE_NONE, 1, NULL});
    compute(f, AS_OF, AS_OF);
    credo_buf json = CREDO_BUF_INIT;
    credo_pipeline_json(f->pipeline, &json);
    const char *out = credo_buf_text(&json);

    assert_contains(out, "\"as_of\":\"2024-06-30\"");
    assert_contains(out, "\"deals_by_stage\":{\"Discover\":2}");
    assert_contains(out, "\"open_deals\":2");
    assert_contains(out, "\"open_amount_minor\":100001");
    assert_contains(out, "\"deals_without_account\":1");
    assert_contains(out, "\"stalled\":[{\"deal_id\":\"over\",\"owner_id\":\"r1\",\"manager_id\":\"m1\","
                         "\"rule\":\"days_in_stage\",\"comparison\":\">\",\"limit\":30,\"value\":60");
    assert_contains(out, "\"rollup\":[{\"by\":\"territory\",\"kind\":\"territory\",\"id\":\"all\"");
    assert_contains(out, "{\"by\":\"manager\",\"kind\":\"manager\",\"id\":\"m0\"");
    credo_buf_free(&json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_reads_every_key),
        cmocka_unit_test(policy_defaults),
        cmocka_unit_test(policy_unknown_key),
        cmocka_unit_test(policy_duplicate_stage),
        cmocka_unit_test(policy_lower_case_price_currency),
        cmocka_unit_test(policy_unknown_late_stage),
        cmocka_unit_test(policy_unlisted_stage_at_logging),
        cmocka_unit_test(policy_percentile_range),
        cmocka_unit_test(policy_percentile_missing),
        cmocka_unit_test(policy_folded_duplicate_products),
        cmocka_unit_test(policy_price_decimals),
        cmocka_unit_test(policy_price_needs_currency),
        cmocka_unit_test(policy_too_many_categories),
        cmocka_unit_test(policy_bad_period),
        cmocka_unit_test(compute_needs_pipeline_section),
        cmocka_unit_test_setup_teardown(compute_rejects_since_after_as_of, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(state_logged_after_as_of, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(state_closed_later_is_open, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(state_closed_on_close_date, setup_base, fixture_teardown),
        cmocka_unit_test_teardown(state_closed_later_unknown_stage, fixture_teardown),
        cmocka_unit_test_setup_teardown(state_from_history, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(state_from_history_earlier, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(state_undated_deal, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(state_closed_without_close_date, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(state_list_prices, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(summary_counts, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(states_without_policy, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_days_in_stage_boundary, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_days_in_stage_as_of, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_days_in_stage_uses_current_stage, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_derived_percentile, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_derived_fallback, setup_base, fixture_teardown),
        cmocka_unit_test_teardown(stall_derived_from_stage_at_logging, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_no_activity_boundary, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_no_activity_not_evaluated, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_close_pushed_boundary, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_amount_reduced_boundary, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_amount_reduced_as_of, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_past_close_boundary, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_past_close_closed_later, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(stall_ignores_closed_deals, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(rollup_by_territory, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(rollup_by_manager, setup_base, fixture_teardown),
        cmocka_unit_test_teardown(rollup_manager_cycle, fixture_teardown),
        cmocka_unit_test_setup_teardown(rollup_quota_coverage, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(rollup_change_since, setup_base, fixture_teardown),
        cmocka_unit_test_teardown(rollup_membership_on_date, fixture_teardown),
        cmocka_unit_test_teardown(rollup_owner_in_two_territories, fixture_teardown),
        cmocka_unit_test_setup_teardown(latency_first_qualifying_activity, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(latency_previous_deal_bounds_the_search, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(latency_linked_activities, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(latency_lookback_boundary, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(latency_distribution, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(latency_late_deals, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(latency_candidates, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(latency_without_activities, setup_base, fixture_teardown),
        cmocka_unit_test_setup_teardown(json_has_required_keys, setup_base, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
