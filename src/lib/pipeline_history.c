/* Stage history and the state of each deal on a date. Imported history
 * rows come first, and what they do not give is derived from the deal's
 * own fields. Each state records how its stage and amount were found
 * (credo_stage_source, credo_amount_source), so that reports can say it. */
#include "pipeline_internal.h"

#include <stdlib.h>
#include <string.h>

credo_date pipeline_logged_date(const pipeline_context *context, uint32_t deal)
{
    const credo_snapshot *snapshot = context->snapshot;
    if (snapshot->deals.created[deal] != CREDO_DATE_NONE)
        return snapshot->deals.created[deal];
    uint32_t first = context->history.start[deal];
    if (first < context->history.end[deal])
        return snapshot->history.date[first];
    return CREDO_DATE_NONE;
}

/* A won or lost deal is closed from its close date on, and at every date
 * when it has no close date. */
static bool closed_on(const credo_deals *deals, uint32_t deal, credo_date date)
{
    if (deals->status[deal] == CREDO_DEAL_OPEN)
        return false;
    return deals->close_date[deal] == CREDO_DATE_NONE || deals->close_date[deal] <= date;
}

static size_t push_segment(const pipeline_context *context, size_t count, credo_str stage, credo_date entered,
                           credo_stage_source source)
{
    context->segments[count] = (pipeline_segment){stage, pipeline_stage_index(context, stage), entered, (uint8_t)source};
    return count + 1;
}

/* Appends the policy's stage_at_logging, which may be named by no deal and
 * then has no interned name. */
static size_t push_stage_at_logging(const pipeline_context *context, size_t count, credo_date entered)
{
    context->segments[count] = (pipeline_segment){context->stage_at_logging, context->stage_at_logging_index,
                                                  entered, CREDO_STAGE_AT_LOGGING};
    return count + 1;
}

/* Appends the stages of the history rows dated on or before date. Rows
 * without a stage, and rows that repeat the stage before them, add
 * nothing. The first stage counts from the day the deal was logged when
 * that is earlier than its row. */
static size_t history_segments(const pipeline_context *context, uint32_t deal, credo_date date,
                               credo_date logged)
{
    const credo_deal_history *history = &context->snapshot->history;
    size_t count = 0;
    for (uint32_t r = context->history.start[deal]; r < context->history.end[deal]; r++) {
        if (history->date[r] > date)
            break;
        credo_str stage = history->stage[r];
        if (stage == CREDO_STR_NONE || (count > 0 && context->segments[count - 1].stage == stage))
            continue;
        credo_date entered = history->date[r];
        if (count == 0 && logged != CREDO_DATE_NONE && logged < entered)
            entered = logged;
        count = push_segment(context, count, stage, entered, CREDO_STAGE_HISTORY);
    }
    return count;
}

/* Returns the stage of the deal's first history row that gives one, or
 * CREDO_STR_NONE. */
static credo_str first_history_stage(const pipeline_context *context, uint32_t deal)
{
    const credo_deal_history *history = &context->snapshot->history;
    for (uint32_t r = context->history.start[deal]; r < context->history.end[deal]; r++) {
        if (history->stage[r] != CREDO_STR_NONE)
            return history->stage[r];
    }
    return CREDO_STR_NONE;
}

/* The stage of a deal that is open on date but has no history row by then:
 * the stage of its first (later) history row, else its own stage while it
 * is still open, else the policy's stage_at_logging. */
static size_t open_without_history(const pipeline_context *context, uint32_t deal, credo_date logged)
{
    const credo_deals *deals = &context->snapshot->deals;
    credo_str later = first_history_stage(context, deal);
    if (later != CREDO_STR_NONE)
        return push_segment(context, 0, later, logged, CREDO_STAGE_SINCE_LOGGED);
    if (deals->status[deal] == CREDO_DEAL_OPEN)
        return push_segment(context, 0, deals->stage[deal], logged, CREDO_STAGE_SINCE_LOGGED);
    if (context->stage_at_logging_index != CREDO_NO_ROW)
        return push_stage_at_logging(context, 0, logged);
    return push_segment(context, 0, CREDO_STR_NONE, logged, CREDO_STAGE_UNKNOWN);
}

size_t pipeline_deal_segments(const pipeline_context *context, uint32_t deal, credo_date date)
{
    const credo_deals *deals = &context->snapshot->deals;
    credo_date logged = pipeline_logged_date(context, deal);
    size_t count = history_segments(context, deal, date, logged);
    if (!closed_on(deals, deal, date))
        return count > 0 ? count : open_without_history(context, deal, logged);

    /* Closed: without history, the deal spent the time from its logging
     * to its close in the policy's stage_at_logging, when one is named. */
    credo_date close = deals->close_date[deal];
    if (count == 0 && context->stage_at_logging_index != CREDO_NO_ROW && logged != CREDO_DATE_NONE &&
        close != CREDO_DATE_NONE && logged <= close)
        count = push_stage_at_logging(context, count, logged);
    if (count == 0 || context->segments[count - 1].stage != deals->stage[deal] ||
        context->segments[count - 1].stage_index != pipeline_stage_index(context, deals->stage[deal]))
        count = push_segment(context, count, deals->stage[deal], close, CREDO_STAGE_AT_CLOSE);
    return count;
}

/* Amount and expected close date from the history rows dated on or before
 * date: the latest of each, the highest amount, and how many times the
 * close date moved later. */
static void history_values(const pipeline_context *context, uint32_t deal, credo_date date,
                           credo_deal_state *state)
{
    const credo_deal_history *history = &context->snapshot->history;
    credo_date close = CREDO_DATE_NONE;
    for (uint32_t r = context->history.start[deal]; r < context->history.end[deal]; r++) {
        if (history->date[r] > date)
            break;
        credo_money amount = history->amount[r];
        if (amount != CREDO_MONEY_NONE) {
            state->history_amount = amount;
            if (state->peak_amount == CREDO_MONEY_NONE || amount > state->peak_amount)
                state->peak_amount = amount;
        }
        if (history->close_date[r] == CREDO_DATE_NONE)
            continue;
        if (close != CREDO_DATE_NONE && history->close_date[r] > close)
            state->close_pushes++;
        close = history->close_date[r];
    }
    if (close != CREDO_DATE_NONE && state->status == CREDO_DEAL_OPEN)
        state->close_date = close;
}

static void fill_amount(const pipeline_context *context, uint32_t deal, credo_deal_state *state)
{
    const credo_deals *deals = &context->snapshot->deals;
    state->amount = deals->amount[deal];
    state->amount_source = CREDO_AMOUNT_RECORDED;
    if (state->status == CREDO_DEAL_OPEN && state->history_amount != CREDO_MONEY_NONE) {
        state->amount = state->history_amount;
        state->amount_source = CREDO_AMOUNT_HISTORY;
    }
    if (state->status != CREDO_DEAL_OPEN || state->amount != 0)
        return;
    state->amount_source = (uint8_t)pipeline_price_lookup(context, deals->product[deal], deals->currency[deal],
                                                          &state->price);
    if (state->price != CREDO_NO_ROW)
        state->amount = context->rules->prices[state->price].amount;
}

/* The territories where each owner sells on one date, looked up once per
 * owner: first[owner] is the first in the policy (CREDO_NO_ROW for none),
 * known[owner] is 0 before the lookup, 1 for at most one territory and 2
 * for several. Indexed by the owner's string id. */
typedef struct owner_territories {
    uint32_t *first;
    uint8_t *known;
} owner_territories;

static void look_up_owner(const pipeline_context *context, credo_str owner, credo_date date,
                          owner_territories *memo)
{
    const credo_policy *policy = context->policy;
    const char *rep = credo_snapshot_text(context->snapshot, owner);
    memo->first[owner] = CREDO_NO_ROW;
    memo->known[owner] = 1;
    for (uint32_t t = 0; t < policy->territory_count; t++) {
        if (!credo_is_selling_member(policy, t, rep, date))
            continue;
        if (memo->first[owner] == CREDO_NO_ROW)
            memo->first[owner] = t;
        else
            memo->known[owner] = 2;
    }
}

/* Sets the territory where the owner is a selling member on date. Among
 * several, the deal's account territory wins when it is one of them, else
 * the first in the policy. */
static void fill_territory(const pipeline_context *context, uint32_t deal, credo_date date,
                           owner_territories *memo, credo_deal_state *state)
{
    credo_str owner = context->snapshot->deals.owner_id[deal];
    if (context->policy == NULL || owner == CREDO_STR_NONE)
        return;
    if (memo->known[owner] == 0)
        look_up_owner(context, owner, date, memo);
    state->territory = memo->first[owner];
    state->several_territories = memo->known[owner] == 2;
    if (!state->several_territories)
        return;

    uint32_t account = context->snapshot->deals.account_row[deal];
    if (context->assignment == NULL || account == CREDO_NO_ROW)
        return;
    uint32_t account_territory = context->assignment->territory[account];
    const char *rep = credo_snapshot_text(context->snapshot, owner);
    if (credo_is_selling_member(context->policy, account_territory, rep, date))
        state->territory = account_territory;
}

static void fill_state(const pipeline_context *context, uint32_t deal, credo_date date, owner_territories *memo,
                       credo_deal_state *state)
{
    const credo_deals *deals = &context->snapshot->deals;
    memset(state, 0, sizeof *state);
    state->stage_index = state->first_stage_index = state->price = state->territory = CREDO_NO_ROW;
    state->entered = state->close_date = CREDO_DATE_NONE;
    state->peak_amount = state->history_amount = CREDO_MONEY_NONE;
    state->logged = pipeline_logged_date(context, deal);
    state->owner = credo_snapshot_find_rep(context->snapshot, deals->owner_id[deal]);
    state->exists = state->logged == CREDO_DATE_NONE || state->logged <= date;
    if (!state->exists)
        return;

    state->status = closed_on(deals, deal, date) ? deals->status[deal] : CREDO_DEAL_OPEN;
    size_t count = pipeline_deal_segments(context, deal, date);
    const pipeline_segment *last = &context->segments[count - 1];
    state->stage = last->stage;
    state->entered = last->entered;
    state->stage_source = last->source;
    state->stage_index = last->stage_index;
    state->first_stage = context->segments[0].stage;
    state->first_stage_index = context->segments[0].stage_index;
    state->first_from_history = context->segments[0].source == CREDO_STAGE_HISTORY;

    state->close_date = deals->close_date[deal];
    history_values(context, deal, date, state);
    fill_amount(context, deal, state);
    fill_territory(context, deal, date, memo, state);
}

credo_status pipeline_fill_states(const pipeline_context *context, credo_date date, credo_deal_state *states,
                                  credo_error *err)
{
    size_t strings = credo_strpool_count(context->snapshot->strings);
    owner_territories memo = {calloc(strings + 1, sizeof *memo.first), calloc(strings + 1, sizeof *memo.known)};
    credo_status status = CREDO_OK;
    if (memo.first == NULL || memo.known == NULL)
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory for the territories of deal owners");
    for (uint32_t d = 0; d < context->snapshot->deals.count && status == CREDO_OK; d++)
        fill_state(context, d, date, &memo, &states[d]);
    free(memo.first);
    free(memo.known);
    return status;
}

credo_status credo_pipeline_states(const credo_snapshot *snapshot, const credo_policy *policy,
                                   credo_date date, credo_deal_state *states, credo_error *err)
{
    pipeline_context context;
    credo_status status = pipeline_context_init(&context, snapshot, policy, NULL, err);
    if (status != CREDO_OK)
        return status;
    status = pipeline_fill_states(&context, date, states, err);
    pipeline_context_free(&context);
    return status;
}
