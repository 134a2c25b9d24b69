/* credo pipeline: stalled deals, the forecast roll-up and logging latency
 * as of a date. The library computes everything (credo/pipeline.h); this
 * file only lays the result out as text, or prints the library's JSON. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "credo/parse.h"
#include "credo/pipeline.h"

/* Default days between --since and --as-of, and default length of the top
 * lists of the text report. */
#define DEFAULT_SINCE_DAYS 30
#define DEFAULT_TOP 20
/* Width at which lists of names wrap. */
#define REPORT_WIDTH 110

static const char pipeline_usage[] =
    "Usage: credo pipeline --db DB --policy POLICY [--as-of DATE] [--since DATE]\n"
    "                      [--top N] [--json]\n"
    "\n"
    "Flags open deals that crossed a stall rule of the policy's pipeline section,\n"
    "rolls the pipeline up by territory and by manager, and measures how late\n"
    "deals are logged after the work on an account began. Everything is evaluated\n"
    "as of one date, from what was known on that date. docs/pipeline.md explains\n"
    "each flag and measure.\n"
    "\n"
    "Options:\n"
    "  --db DB           the database file that 'credo import' filled\n"
    "  --policy POLICY   the policy file (YAML) with a pipeline section\n"
    "  --as-of DATE      the date (YYYY-MM-DD) to evaluate on; default today (UTC)\n"
    "  --since DATE      earlier date to compare the roll-up with; default 30 days\n"
    "                    before --as-of\n"
    "  --top N           rows of each top list in the text report; default 20\n"
    "                    (--json always lists everything)\n"
    "  --json            print the whole result as one JSON object\n"
    "  -h, --help        print this help\n";

typedef struct pipeline_options {
    const char *db, *policy;
    credo_date as_of, since;
    bool since_given, json;
    size_t top;
} pipeline_options;

/* ---- Formatting ------------------------------------------------------- */

static const char *text_or(const credo_snapshot *snapshot, credo_str id, const char *fallback)
{
    const char *text = credo_snapshot_text(snapshot, id);
    return text != NULL ? text : fallback;
}

static const char *plural(size_t count, const char *one, const char *many)
{
    return count == 1 ? one : many;
}

/* ---- Summary ---------------------------------------------------------- */

static const char *period_name(credo_pipeline_period period)
{
    if (period == CREDO_PERIOD_MONTH)
        return "month";
    if (period == CREDO_PERIOD_YEAR)
        return "year";
    return "quarter";
}

static void print_summary(FILE *out, const credo_pipeline *pipeline)
{
    char day[16], since[16], start[16], n1[40], n2[40], n3[40], n4[40];
    fprintf(out, "credo pipeline as of %s, compared with %s; policy %s\n", credo_format_date(pipeline->as_of, day),
            credo_format_date(pipeline->since, since), pipeline->policy->path);
    fprintf(out, "Won and lost deals count from %s, the start of the %s.\n\n", credo_format_date(pipeline->period_start, start),
            period_name(pipeline->rules->period));
    fprintf(out, "deals          %s: %s open, %s won, %s lost\n", cli_format_count(pipeline->deals, n1),
            cli_format_count(pipeline->open_deals, n2), cli_format_count(pipeline->won_deals, n3), cli_format_count(pipeline->lost_deals, n4));
    fprintf(out, "by stage       ");
    for (size_t i = 0; i < pipeline->stage_count; i++)
        fprintf(out, "%s%s %s", i == 0 ? "" : ", ",
                pipeline->stage_counts[i].stage != NULL ? pipeline->stage_counts[i].stage : "(unknown stage)",
                cli_format_count(pipeline->stage_counts[i].count, n1));
    fprintf(out, "\nopen pipeline  %s %s, amount %s\n", cli_format_count(pipeline->open_deals, n1),
            plural(pipeline->open_deals, "deal", "deals"), cli_format_amount(pipeline->open_amount, n2));
    fprintf(out, "no account     %s %s without an account, %s with an account that was not imported "
                 "(see DEALS WITHOUT AN ACCOUNT)\n",
            cli_format_count(pipeline->without_account_count, n1), plural(pipeline->without_account_count, "deal", "deals"),
            cli_format_count(pipeline->unknown_account_count, n2));
    if (pipeline->currencies > 1)
        fprintf(out, "NOTE: the deals use %zu currencies, and amounts of all currencies are added together.\n",
                pipeline->currencies);
    fprintf(out, "\n");
}

/* ---- Flagged deals ---------------------------------------------------- */

static const char *rule_title(credo_stall_rule rule)
{
    switch (rule) {
    case CREDO_STALL_DAYS_IN_STAGE: return "days in stage";
    case CREDO_STALL_NO_ACTIVITY: return "no activity";
    case CREDO_STALL_CLOSE_PUSHED: return "close date pushed";
    case CREDO_STALL_AMOUNT_REDUCED: return "amount reduced";
    case CREDO_STALL_PAST_CLOSE: return "open past the expected close date";
    case CREDO_STALL_RULE_COUNT: break;
    }
    return "";
}

/* Formats a rule's limit or value in its unit. */
static const char *format_measure(credo_stall_rule rule, int64_t value, char *out)
{
    if (rule == CREDO_STALL_AMOUNT_REDUCED) {
        char percent[32];
        credo_format_decimal(value, 2, percent);
        snprintf(out, 40, "%s%%", percent);
    } else if (rule == CREDO_STALL_CLOSE_PUSHED) {
        snprintf(out, 40, "%lld %s", (long long)value, value == 1 ? "time" : "times");
    } else {
        snprintf(out, 40, "%lld %s", (long long)value, value == 1 ? "day" : "days");
    }
    return out;
}

static void print_rule_limit(FILE *out, const credo_pipeline *pipeline, credo_stall_rule rule)
{
    const credo_pipeline_policy *rules = pipeline->rules;
    char limit[40];
    int64_t value = rules->past_close_days;
    if (rule == CREDO_STALL_NO_ACTIVITY)
        value = rules->no_activity_days;
    else if (rule == CREDO_STALL_CLOSE_PUSHED)
        value = rules->close_date_pushes;
    else if (rule == CREDO_STALL_AMOUNT_REDUCED)
        value = (int64_t)rules->amount_reduced_percent * 100;
    fprintf(out, " (flagged when %s %s)", credo_stall_rule_comparison(rule), format_measure(rule, value, limit));
}

static void print_stage_limits(FILE *out, const credo_pipeline *pipeline)
{
    char day[16], n1[40];
    for (size_t s = 0; s < pipeline->rules->stage_count; s++) {
        const credo_pipeline_stage *stage = &pipeline->rules->stages[s];
        const credo_stage_limit *limit = &pipeline->limits[s];
        if (!stage->max_days.set)
            continue;
        fprintf(out, "    %s: ", stage->name);
        if (limit->derived)
            fprintf(out, "limit %d days, derived: the %dth percentile (nearest rank) of the days %s won deals "
                         "spent in %s by %s\n",
                    limit->days, stage->max_days.percentile, cli_format_count(limit->sample, n1), stage->name,
                    credo_format_date(pipeline->as_of, day));
        else if (limit->fallback)
            fprintf(out, "limit %d days, the policy's fallback: only %zu won deals (fewer than %d) measure the "
                         "%dth percentile\n",
                    limit->days, limit->sample, stage->max_days.min_deals, stage->max_days.percentile);
        else if (limit->active)
            fprintf(out, "limit %d days, fixed in the policy\n", limit->days);
        else
            fprintf(out, "no limit: only %zu won deals (fewer than %d) and no fallback\n", limit->sample,
                    stage->max_days.min_deals);
    }
}

static const char *why_unmeasured(credo_stall_rule rule)
{
    switch (rule) {
    case CREDO_STALL_DAYS_IN_STAGE: return "the day the stage was entered is unknown";
    case CREDO_STALL_NO_ACTIVITY: return "no activity and no logged date";
    case CREDO_STALL_AMOUNT_REDUCED: return "no amount in their history";
    case CREDO_STALL_PAST_CLOSE: return "no expected close date";
    case CREDO_STALL_CLOSE_PUSHED:
    case CREDO_STALL_RULE_COUNT: break;
    }
    return "";
}

static const char *why_not_evaluated(const credo_pipeline *pipeline, credo_stall_rule rule)
{
    if (rule == CREDO_STALL_NO_ACTIVITY)
        return "no activities dated on or before the as-of date were imported";
    if (rule == CREDO_STALL_PAST_CLOSE)
        return "no open deal has an expected close date";
    return pipeline->has_history ? "" : "no deal history dated on or before the as-of date was imported";
}

/* A name and how often it occurs, for "by manager" and "by owner" lines. */
typedef struct name_count {
    const char *name; /* NULL for none */
    size_t count;
} name_count;

static bool same_name(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Adds one occurrence of name to counts (which has room for every
 * occurrence) and returns the new number of distinct names. */
static size_t count_name(name_count *counts, size_t distinct, const char *name)
{
    for (size_t i = 0; i < distinct; i++) {
        if (same_name(counts[i].name, name)) {
            counts[i].count++;
            return distinct;
        }
    }
    counts[distinct] = (name_count){name, 1};
    return distinct + 1;
}

/* Orders by count, largest first, then by name. */
static int compare_name_counts(const void *a, const void *b)
{
    const name_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->name == NULL || y->name == NULL)
        return (x->name == NULL) - (y->name == NULL);
    return strcmp(x->name, y->name);
}

/* Prints "label: name count, ..." wrapped before REPORT_WIDTH columns. */
static void print_name_counts(FILE *out, const char *label, name_count *counts, size_t distinct, const char *none)
{
    qsort(counts, distinct, sizeof *counts, compare_name_counts);
    int column = fprintf(out, "    %s:", label);
    for (size_t i = 0; i < distinct; i++) {
        char item[160];
        int width = snprintf(item, sizeof item, " %s %zu%s", counts[i].name != NULL ? counts[i].name : none,
                             counts[i].count, i + 1 < distinct ? "," : "");
        if (column + width > REPORT_WIDTH) {
            fprintf(out, "\n      ");
            column = 6;
        }
        column += fprintf(out, "%s", item);
    }
    fprintf(out, "\n");
}

static void print_flags_by_manager(FILE *out, const credo_stall_flag *flags, size_t count)
{
    name_count *counts = malloc(count * sizeof *counts);
    if (counts == NULL)
        return;
    size_t distinct = 0;
    for (size_t i = 0; i < count; i++)
        distinct = count_name(counts, distinct, flags[i].manager_id);
    print_name_counts(out, "by manager", counts, distinct, "(no manager)");
    free(counts);
}

/* A flag beside its deal's amount, for ordering by amount at stake. */
typedef struct ranked_flag {
    credo_money amount;
    const credo_stall_flag *flag;
} ranked_flag;

static int compare_flag_amounts(const void *a, const void *b)
{
    const ranked_flag *x = a, *y = b;
    if (x->amount != y->amount)
        return x->amount > y->amount ? -1 : 1;
    if (x->flag->value != y->flag->value)
        return x->flag->value > y->flag->value ? -1 : 1;
    return (x->flag->deal > y->flag->deal) - (x->flag->deal < y->flag->deal);
}

static const char *stage_name(const credo_pipeline *pipeline, const credo_deal_state *state)
{
    const char *name = credo_pipeline_stage_name(pipeline, state->stage, state->stage_index);
    return name != NULL ? name : "(unknown)";
}

static void print_flag_row(FILE *out, const credo_pipeline *pipeline, const credo_stall_flag *flag)
{
    const credo_snapshot *snapshot = pipeline->snapshot;
    const credo_deal_state *state = &pipeline->states[flag->deal];
    char value[40], limit[40], amount[40], since[16];
    fprintf(out, "    %-10s %-12s %10s %12s %-10s %15s  %-20s %-18s %s\n",
            text_or(snapshot, snapshot->deals.id[flag->deal], ""), stage_name(pipeline, state),
            format_measure(flag->rule, flag->value, value), format_measure(flag->rule, flag->limit, limit),
            credo_format_date(flag->since, since), cli_format_amount(state->amount, amount),
            flag->owner_id != NULL ? flag->owner_id : "(no owner)",
            flag->manager_id != NULL ? flag->manager_id : "(no manager)",
            text_or(snapshot, snapshot->deals.account_id[flag->deal], "(no account)"));
}

/* Lists the top flags of one rule by amount at stake. */
static void print_top_flags(FILE *out, const credo_pipeline *pipeline, const credo_stall_flag *flags, size_t count,
                            size_t top)
{
    ranked_flag *order = malloc(count * sizeof *order);
    if (order == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        order[i] = (ranked_flag){pipeline->states[flags[i].deal].amount, &flags[i]};
    qsort(order, count, sizeof *order, compare_flag_amounts);
    size_t shown = count < top ? count : top;
    char n1[40];
    if (shown < count)
        fprintf(out, "    the %zu with the largest amounts (all %s in --json):\n", shown, cli_format_count(count, n1));
    fprintf(out, "    %-10s %-12s %10s %12s %-10s %15s  %-20s %-18s %s\n", "deal", "stage", "value", "limit", "since",
            "amount", "owner", "manager", "account");
    for (size_t i = 0; i < shown; i++)
        print_flag_row(out, pipeline, order[i].flag);
    free(order);
}

static void print_rule(FILE *out, const credo_pipeline *pipeline, credo_stall_rule rule, size_t top)
{
    const credo_rule_summary *summary = &pipeline->rules_summary[rule];
    char n1[40], n2[40];
    fprintf(out, "  %s", rule_title(rule));
    if (!summary->enabled) {
        fprintf(out, ": not set in the policy\n");
        return;
    }
    if (rule != CREDO_STALL_DAYS_IN_STAGE)
        print_rule_limit(out, pipeline, rule);
    if (!summary->evaluated) {
        fprintf(out, ": not evaluated, because %s\n", why_not_evaluated(pipeline, rule));
        return;
    }
    fprintf(out, ": %s %s measured, %s flagged", cli_format_count(summary->measured, n1),
            plural(summary->measured, "open deal", "open deals"), cli_format_count(summary->flagged, n2));
    if (summary->unmeasured > 0)
        fprintf(out, "; %s could not be measured (%s)", cli_format_count(summary->unmeasured, n1), why_unmeasured(rule));
    fprintf(out, "\n");
    if (rule == CREDO_STALL_DAYS_IN_STAGE)
        print_stage_limits(out, pipeline);

    size_t first = 0;
    while (first < pipeline->flag_count && pipeline->flags[first].rule != rule)
        first++;
    if (summary->flagged == 0)
        return;
    print_flags_by_manager(out, &pipeline->flags[first], summary->flagged);
    print_top_flags(out, pipeline, &pipeline->flags[first], summary->flagged, top);
}

static void print_flags(FILE *out, const credo_pipeline *pipeline, size_t top)
{
    char n1[40];
    fprintf(out, "FLAGGED DEALS (%s %s)\n", cli_format_count(pipeline->flag_count, n1), plural(pipeline->flag_count, "flag", "flags"));
    fprintf(out, "Open deals that crossed a stall rule, with the measured value, the limit and the date measured "
                 "from.\n");
    for (int rule = 0; rule < CREDO_STALL_RULE_COUNT; rule++)
        print_rule(out, pipeline, (credo_stall_rule)rule, top);
    fprintf(out, "\n");
}

/* ---- Roll-up ---------------------------------------------------------- */

/* Whether any row has uncategorised open deals, which get a column. */
static bool has_uncategorised(const credo_pipeline *pipeline)
{
    for (size_t i = 0; i < pipeline->rollup_count; i++)
        if (pipeline->rollup[i].now.category_count[pipeline->rules->category_count] > 0)
            return true;
    return false;
}

static void print_rollup_header(FILE *out, const credo_pipeline *pipeline, const char *title, bool uncategorised)
{
    char since[16];
    fprintf(out, "  %-26s %7s %15s", title, "open", "open amount");
    for (size_t c = 0; c < pipeline->rules->category_count; c++)
        fprintf(out, " %15s", pipeline->rules->categories[c]);
    if (uncategorised)
        fprintf(out, " %15s", "uncategorised");
    fprintf(out, " %6s %15s %6s %15s %9s %16s %10s %16s\n", "won", "won amount", "lost", "quota left", "coverage",
            "open change", "won since", "won amount since");
    fprintf(out, "  %-26s %7s %15s", "", "", "");
    for (size_t c = 0; c < pipeline->rules->category_count + uncategorised; c++)
        fprintf(out, " %15s", "");
    credo_format_date(pipeline->since, since);
    fprintf(out, " %6s %15s %6s %15s %9s %16s %10s %16s\n", "", "", "", "", "", since, since, since);
}

static void format_row_name(const credo_rollup_row *row, char *out, size_t size)
{
    const char *name = row->kind != CREDO_ROLLUP_NONE ? row->name
                       : row->by_manager              ? "(owner not a rep)"
                                                      : "(no territory)";
    snprintf(out, size, "%*s%s", (int)(2 * row->depth), "", name);
}

static void print_rollup_row(FILE *out, const credo_pipeline *pipeline, const credo_rollup_row *row, bool uncategorised)
{
    char name[128], n1[40], n2[40], n3[40], n4[40], n5[40], coverage[24] = "-", left[40] = "-";
    format_row_name(row, name, sizeof name);
    fprintf(out, "  %-26s %7s %15s", name, cli_format_count(row->now.open_count, n1),
            cli_format_amount(row->now.open_amount, n2));
    for (size_t c = 0; c < pipeline->rules->category_count + uncategorised; c++)
        fprintf(out, " %15s", cli_format_amount(row->now.category_amount[c], n1));
    if (row->has_quota) {
        cli_format_amount(row->quota - row->quota_won, left);
        if (row->coverage >= 0)
            snprintf(coverage, sizeof coverage, "%s%%", credo_format_decimal(row->coverage, 2, n5));
        else
            snprintf(coverage, sizeof coverage, "met");
    }
    credo_money change = row->now.open_amount - row->then.open_amount;
    char signed_change[48];
    snprintf(signed_change, sizeof signed_change, "%s%s", change > 0 ? "+" : "", cli_format_amount(change, n4));
    fprintf(out, " %6s %15s %6s %15s %9s %16s", cli_format_count(row->now.won_count, n1),
            cli_format_amount(row->now.won_amount, n2), cli_format_count(row->now.lost_count, n3), left, coverage,
            signed_change);
    fprintf(out, " %10s %16s\n", cli_format_count(row->won_between, n1), cli_format_amount(row->won_between_amount, n2));
}

/* Whether a row has nothing to show: no open deal now or on the since
 * date, nothing won or lost, and no quota. A parent sums its children, so
 * leaving such rows out keeps the hierarchy whole. */
static bool row_is_empty(const credo_rollup_row *row)
{
    return row->now.open_count == 0 && row->then.open_count == 0 && row->now.won_count == 0 &&
           row->now.lost_count == 0 && row->won_between == 0 && !row->has_quota;
}

/* Prints one roll-up table. The territory table leaves out empty rows,
 * which a plan of thousands of territories and few deals is mostly made
 * of, and prints how many it left out. */
static void print_rollup_table(FILE *out, const credo_pipeline *pipeline, bool by_manager)
{
    bool uncategorised = has_uncategorised(pipeline);
    print_rollup_header(out, pipeline, by_manager ? "manager / rep" : "territory", uncategorised);
    size_t empty = 0;
    for (size_t i = 0; i < pipeline->rollup_count; i++) {
        const credo_rollup_row *row = &pipeline->rollup[i];
        if (row->by_manager != by_manager)
            continue;
        if (!by_manager && row_is_empty(row)) {
            empty++;
            continue;
        }
        print_rollup_row(out, pipeline, row, uncategorised);
    }
    if (empty > 0)
        fprintf(out, "  (%zu territor%s with no deal and no quota in the period not listed; --json lists all)\n",
                empty, empty == 1 ? "y" : "ies");
}

static void print_rollup(FILE *out, const credo_pipeline *pipeline)
{
    char day[16];
    char since[16];
    fprintf(out, "PIPELINE BY TERRITORY\n");
    fprintf(out, "A deal counts in the territory where its owner is a selling member on the date (the account's\n"
                 "territory when the owner sells in several), and in that territory's parents.\n");
    fprintf(out, "Open amounts by forecast category. Won and lost: deals closed since %s. Quota left: the quota\n"
                 "of the period that contains the as-of date less what was won in it. Coverage: open amount / quota\n"
                 "left. Open change: open amount now less the open amount on %s. Won since: deals won after\n"
                 "that day up to the as-of date, and their amount.\n",
            credo_format_date(pipeline->period_start, day), credo_format_date(pipeline->since, since));
    if (!pipeline->has_quotas)
        fprintf(out, "No quotas were imported, so quota and coverage show '-'.\n");
    print_rollup_table(out, pipeline, false);
    fprintf(out, "\nPIPELINE BY MANAGER\n");
    fprintf(out, "Each manager's row holds the deals of everyone who reports to them; reps are listed under "
                 "their manager.\n");
    print_rollup_table(out, pipeline, true);
    fprintf(out, "\n");
}

/* ---- Latency ---------------------------------------------------------- */

static void print_latency_row(FILE *out, const credo_latency_row *row)
{
    const credo_latency_stats *s = &row->stats;
    char label[96];
    if (row->kind == CREDO_ROLLUP_NONE)
        snprintf(label, sizeof label, "everyone");
    else
        snprintf(label, sizeof label, "%s %s", row->kind == CREDO_ROLLUP_MANAGER ? "team" : "rep",
                 row->id != NULL ? row->id : (row->kind == CREDO_ROLLUP_MANAGER ? "(no manager)" : "(no owner)"));
    fprintf(out, "  %-30s %6zu %6zu", label, s->count, s->no_prior_activity);
    if (s->count == 0)
        fprintf(out, " %5s %6s %5s %5s", "-", "-", "-", "-");
    else
        fprintf(out, " %5d %6d %5d %5d", s->min, s->median, s->p90, s->max);
    fprintf(out, " %5zu %5zu %5zu %5zu %5zu\n", s->buckets[0], s->buckets[1], s->buckets[2], s->buckets[3],
            s->buckets[4]);
}

static void print_latency_table(FILE *out, const credo_pipeline *pipeline)
{
    fprintf(out, "  %-30s %6s %6s %5s %6s %5s %5s %5s %5s %5s %5s %5s\n", "", "deals", "no", "min", "median", "p90",
            "max", "0", "1-7", "8-30", "31-90", "91+");
    fprintf(out, "  %-30s %6s %6s\n", "", "", "prior");
    for (size_t i = 0; i < pipeline->latency_count; i++)
        print_latency_row(out, &pipeline->latency[i]);
}

static void print_late_deals(FILE *out, const credo_pipeline *pipeline, size_t top)
{
    const credo_snapshot *snapshot = pipeline->snapshot;
    char n1[40], day[16];
    fprintf(out, "Deals logged late (%s): logged already closed, or first seen in history at or after the late "
                 "stage%s%s.\n",
            cli_format_count(pipeline->late_deal_count, n1), pipeline->rules->late_stage == SIZE_MAX ? "" : " ",
            pipeline->rules->late_stage == SIZE_MAX ? " (the policy names no late_stage)"
                                             : pipeline->rules->stages[pipeline->rules->late_stage].name);
    for (size_t i = 0; i < pipeline->late_deal_count && i < top; i++) {
        const credo_late_deal *late = &pipeline->late_deals[i];
        char where[160];
        if (late->logged_closed)
            snprintf(where, sizeof where, "on or after its close date");
        else
            snprintf(where, sizeof where, "first seen in %s", late->first_stage != NULL ? late->first_stage : "");
        fprintf(out, "    %-10s logged %s %-32s owner %s\n", text_or(snapshot, snapshot->deals.id[late->deal], ""),
                credo_format_date(pipeline->states[late->deal].logged, day), where,
                text_or(snapshot, snapshot->deals.owner_id[late->deal], "(no owner)"));
    }
    if (pipeline->late_deal_count > top)
        fprintf(out, "    ... the first %zu by deal id are shown; all in --json\n", top);
}

static void print_candidates(FILE *out, const credo_pipeline *pipeline, size_t top)
{
    const credo_snapshot *snapshot = pipeline->snapshot;
    char n1[40], day[16];
    fprintf(out, "Accounts to ask about (%s): qualifying activity in the last %d days and no open deal.\n",
            cli_format_count(pipeline->candidate_count, n1), pipeline->rules->recent_days);
    for (size_t i = 0; i < pipeline->candidate_count && i < top; i++) {
        const credo_candidate_account *c = &pipeline->candidates[i];
        fprintf(out, "    %-30s last activity %s by %s, %zu recent %s\n",
                text_or(snapshot, snapshot->accounts.id[c->account], ""), credo_format_date(c->last_activity, day),
                text_or(snapshot, c->last_rep, "(no rep)"), c->activities, plural(c->activities, "activity", "activities"));
    }
    if (pipeline->candidate_count > top)
        fprintf(out, "    ... the %zu with the latest activity are shown; all in --json\n", top);
}

static void print_latency(FILE *out, const credo_pipeline *pipeline, size_t top)
{
    const credo_pipeline_policy *rules = pipeline->rules;
    fprintf(out, "LOGGING LATENCY\n");
    fprintf(out, "Days from the first qualifying activity on the account (up to %d days before) to the day the "
                 "deal was logged; qualifying types: ",
            rules->lookback_days);
    for (size_t i = 0; i < rules->qualifying_count; i++)
        fprintf(out, "%s%s", i == 0 ? "" : ", ", rules->qualifying_types[i]);
    fprintf(out, "%s. Median and p90 use the nearest rank.\n", rules->qualifying_count == 0 ? "all" : "");
    if (!pipeline->has_activities)
        fprintf(out, "No activities dated on or before the as-of date were imported, so latency and the accounts "
                     "to ask about cannot be measured.\n");
    else
        print_latency_table(out, pipeline);
    print_late_deals(out, pipeline, top);
    if (pipeline->has_activities)
        print_candidates(out, pipeline, top);
    fprintf(out, "\n");
}

/* ---- Notes on the data ------------------------------------------------ */

static void print_stage_notes(FILE *out, const credo_pipeline *pipeline)
{
    const size_t *s = pipeline->stage_sources;
    char n1[40];
    fprintf(out, "Stage history%s:\n", pipeline->has_history ? "" : " (no history rows were imported, so it is derived)");
    if (s[CREDO_STAGE_HISTORY] > 0)
        fprintf(out, "  %s %s: stage and entry date from the imported history.\n",
                cli_format_count(s[CREDO_STAGE_HISTORY], n1), plural(s[CREDO_STAGE_HISTORY], "deal", "deals"));
    if (s[CREDO_STAGE_SINCE_LOGGED] > 0)
        fprintf(out, "  %s open %s: taken to be in the current stage since the day logged.\n",
                cli_format_count(s[CREDO_STAGE_SINCE_LOGGED], n1), plural(s[CREDO_STAGE_SINCE_LOGGED], "deal", "deals"));
    if (s[CREDO_STAGE_AT_LOGGING] > 0)
        fprintf(out, "  %s deals closed after the as-of date: taken to be in %s (the policy's stage_at_logging) "
                     "since they were logged.\n",
                cli_format_count(s[CREDO_STAGE_AT_LOGGING], n1), pipeline->rules->stage_at_logging);
    if (s[CREDO_STAGE_AT_CLOSE] > 0)
        fprintf(out, "  %s won or lost %s: in the closed stage from the close date%s%s%s.\n",
                cli_format_count(s[CREDO_STAGE_AT_CLOSE], n1), plural(s[CREDO_STAGE_AT_CLOSE], "deal", "deals"),
                pipeline->rules->stage_at_logging != NULL ? "; before it, those without history were in " : "",
                pipeline->rules->stage_at_logging != NULL ? pipeline->rules->stage_at_logging : "",
                pipeline->rules->stage_at_logging != NULL ? " from the day they were logged (the policy's stage_at_logging)"
                                                   : "");
    if (s[CREDO_STAGE_UNKNOWN] > 0)
        fprintf(out, "  %s deals closed after the as-of date: their stage on the date is unknown (the policy names "
                     "no stage_at_logging).\n",
                cli_format_count(s[CREDO_STAGE_UNKNOWN], n1));
    if (pipeline->undated_deals > 0)
        fprintf(out, "  %s deals have no logged date: they count at every as-of date, and their days in stage and "
                     "latency cannot be measured.\n",
                cli_format_count(pipeline->undated_deals, n1));
    if (pipeline->closed_undated > 0)
        fprintf(out, "  %s won or lost deals have no close date: they count as closed at every as-of date.\n",
                cli_format_count(pipeline->closed_undated, n1));
}

static void print_price_notes(FILE *out, const credo_pipeline *pipeline)
{
    const size_t *a = pipeline->amount_sources;
    size_t priced = a[CREDO_AMOUNT_LIST_PRICE] + a[CREDO_AMOUNT_LIST_FOLDED] + a[CREDO_AMOUNT_UNPRICED];
    char n1[40], n2[40];
    fprintf(out, "Amounts: %s open deals have an amount", cli_format_count(a[CREDO_AMOUNT_RECORDED] + a[CREDO_AMOUNT_HISTORY], n1));
    fprintf(out, "; %s have none (the store keeps a missing amount as 0)%s\n", cli_format_count(priced, n2),
            priced > 0 ? " and are priced at their product's list price:" : ".");
    for (size_t i = 0; i < pipeline->price_match_count; i++) {
        const credo_price_match *m = &pipeline->price_matches[i];
        const char *product = text_or(pipeline->snapshot, m->product, "(no product)");
        if (m->amount_source == CREDO_AMOUNT_UNPRICED) {
            fprintf(out, "  %-16s %6s deals: no list price matches, so they count as 0\n", product,
                    cli_format_count(m->deals, n1));
            continue;
        }
        const credo_pipeline_price *price = &pipeline->rules->prices[m->price];
        fprintf(out, "  %-16s %6s deals at %s", product, cli_format_count(m->deals, n1), cli_format_amount(price->amount, n2));
        if (m->amount_source == CREDO_AMOUNT_LIST_FOLDED)
            fprintf(out, ", the list price of '%s': the names match only when spaces and case are ignored", price->product);
        fprintf(out, "\n");
    }
}

static void print_data_notes(FILE *out, const credo_pipeline *pipeline)
{
    char n1[40];
    fprintf(out, "HOW THE DATA WAS READ\n");
    print_stage_notes(out, pipeline);
    print_price_notes(out, pipeline);
    if (pipeline->uncategorised_stage_count > 0) {
        fprintf(out, "Open deals in stages the policy does not list count as uncategorised:");
        for (size_t i = 0; i < pipeline->uncategorised_stage_count; i++)
            fprintf(out, "%s %s", i == 0 ? "" : ",",
                    pipeline->uncategorised_stages[i] != NULL ? pipeline->uncategorised_stages[i] : "(unknown stage)");
        fprintf(out, "\n");
    }
    if (pipeline->multi_territory_owners > 0)
        fprintf(out, "%s open deals have an owner who sells in several territories; each counts once (see PIPELINE "
                     "BY TERRITORY).\n",
                cli_format_count(pipeline->multi_territory_owners, n1));
    fprintf(out, "Imported: %s, %s, %s.\n\n", pipeline->has_activities ? "activities" : "no activities",
            pipeline->has_history ? "deal history" : "no deal history", pipeline->has_quotas ? "quotas" : "no quotas");
}

/* Lists the deals without an account, counted by owner. */
static void print_accountless(FILE *out, const credo_pipeline *pipeline, size_t top)
{
    const credo_snapshot *snapshot = pipeline->snapshot;
    char n1[40];
    size_t open = 0;
    credo_money amount = 0;
    for (size_t i = 0; i < pipeline->without_account_count; i++) {
        const credo_deal_state *state = &pipeline->states[pipeline->without_account[i]];
        open += state->status == CREDO_DEAL_OPEN;
        amount += state->status == CREDO_DEAL_OPEN ? state->amount : 0;
    }
    char n2[40], n3[40];
    fprintf(out, "DEALS WITHOUT AN ACCOUNT (%s, of which %s open with %s; all ids in --json)\n",
            cli_format_count(pipeline->without_account_count, n1), cli_format_count(open, n2), cli_format_amount(amount, n3));
    if (pipeline->without_account_count == 0)
        return;
    name_count *counts = malloc(pipeline->without_account_count * sizeof *counts);
    if (counts != NULL) {
        size_t distinct = 0;
        for (size_t i = 0; i < pipeline->without_account_count; i++)
            distinct = count_name(counts, distinct, text_or(snapshot, snapshot->deals.owner_id[pipeline->without_account[i]], NULL));
        print_name_counts(out, "by owner", counts, distinct, "(no owner)");
        free(counts);
    }
    int column = fprintf(out, "    the first %zu by id:", top < pipeline->without_account_count ? top : pipeline->without_account_count);
    for (size_t i = 0; i < pipeline->without_account_count && i < top; i++) {
        const char *id = text_or(snapshot, snapshot->deals.id[pipeline->without_account[i]], "");
        if (column + 1 + (int)strlen(id) > REPORT_WIDTH) {
            fprintf(out, "\n      ");
            column = 6;
        }
        column += fprintf(out, " %s", id);
    }
    fprintf(out, "\n");
    for (size_t i = 0; i < pipeline->unknown_account_count && i < top; i++)
        fprintf(out, "  deal %s names account '%s', which was not imported\n",
                text_or(snapshot, snapshot->deals.id[pipeline->unknown_account[i]], ""),
                text_or(snapshot, snapshot->deals.account_id[pipeline->unknown_account[i]], ""));
}

static void print_text(FILE *out, const credo_pipeline *pipeline, size_t top)
{
    print_summary(out, pipeline);
    print_flags(out, pipeline, top);
    print_rollup(out, pipeline);
    print_latency(out, pipeline, top);
    print_data_notes(out, pipeline);
    print_accountless(out, pipeline, top);
}

/* ---- Command ---------------------------------------------------------- */

static size_t check_policy(const credo_policy *policy, const credo_snapshot *snapshot)
{
    credo_buf problems = CREDO_BUF_INIT;
    size_t errors = credo_policy_check(policy, snapshot, &problems);
    if (errors > 0)
        fputs(credo_buf_text(&problems), stderr);
    credo_buf_free(&problems);
    return errors;
}

static int pipeline_with(const pipeline_options *options)
{
    credo_error err = {0};
    credo_store *store = NULL;
    credo_policy *policy = NULL;
    credo_snapshot *snapshot = NULL;
    credo_pipeline *pipeline = NULL;
    int code = EXIT_OK;

    credo_status status = credo_policy_load(options->policy, &policy, &err);
    if (status == CREDO_OK)
        status = cli_open_existing_store(options->db, &store, &err);
    if (status == CREDO_OK)
        status = credo_store_load(store, &snapshot, &err);
    if (status != CREDO_OK) {
        code = cli_fail("pipeline", &err);
        goto out;
    }
    size_t errors = check_policy(policy, snapshot);
    if (errors > 0) {
        fprintf(stderr, "credo pipeline: the policy has %zu error%s against the data; fix them and run again\n",
                errors, errors == 1 ? "" : "s");
        code = EXIT_INPUT;
        goto out;
    }
    status = credo_pipeline_compute(snapshot, policy, options->as_of, options->since, &pipeline, &err);
    if (status != CREDO_OK) {
        code = cli_fail("pipeline", &err);
        goto out;
    }
    if (options->json) {
        credo_buf json = CREDO_BUF_INIT;
        credo_pipeline_json(pipeline, &json);
        fputs(credo_buf_text(&json), stdout);
        if (credo_buf_failed(&json))
            code = EXIT_INTERNAL;
        credo_buf_free(&json);
    } else {
        print_text(stdout, pipeline, options->top);
    }

out:
    credo_pipeline_free(pipeline);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
    credo_store_close(store);
    return code;
}

/* Most rows of a top list. */
#define PIPELINE_TOP_MAX 1000000

static bool parse_top(const char *text, size_t *out)
{
    return cli_parse_count(text, out) && *out >= 1 && *out <= PIPELINE_TOP_MAX;
}

/* Parses one option; returns -1 to go on, or an exit code. */
static int parse_option(int option, pipeline_options *options, char **argv)
{
    switch (option) {
    case 'd': options->db = optarg; return -1;
    case 'p': options->policy = optarg; return -1;
    case 'a':
        if (!cli_parse_date(optarg, &options->as_of))
            return cli_usage_error("pipeline", "invalid --as-of '%s'; write a date as YYYY-MM-DD", optarg);
        return -1;
    case 's':
        if (!cli_parse_date(optarg, &options->since))
            return cli_usage_error("pipeline", "invalid --since '%s'; write a date as YYYY-MM-DD", optarg);
        options->since_given = true;
        return -1;
    case 't':
        if (!parse_top(optarg, &options->top))
            return cli_usage_error("pipeline", "invalid --top '%s'; give a whole number from 1 to 1000000", optarg);
        return -1;
    case 'j': options->json = true; return -1;
    case 'h': fputs(pipeline_usage, stdout); return EXIT_OK;
    default: return cli_option_error("pipeline", argv);
    }
}

int cmd_pipeline(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"db", required_argument, NULL, 'd'},    {"policy", required_argument, NULL, 'p'},
        {"as-of", required_argument, NULL, 'a'}, {"since", required_argument, NULL, 's'},
        {"top", required_argument, NULL, 't'},   {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    pipeline_options options = {.as_of = cli_today(), .top = DEFAULT_TOP};
    int option;
    while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        int code = parse_option(option, &options, argv);
        if (code >= 0)
            return code;
    }
    if (options.db == NULL || options.policy == NULL)
        return cli_usage_error("pipeline", "missing %s", options.db == NULL ? "--db DB" : "--policy POLICY");
    if (optind != argc)
        return cli_usage_error("pipeline", "unexpected argument '%s'", argv[optind]);
    if (!options.since_given)
        options.since = options.as_of - DEFAULT_SINCE_DAYS;
    char since[16], as_of[16];
    if (options.since > options.as_of)
        return cli_usage_error("pipeline", "--since %s is after --as-of %s; give a date on or before --as-of",
                               credo_format_date(options.since, since), credo_format_date(options.as_of, as_of));
    return pipeline_with(&options);
}
