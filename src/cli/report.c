/* The report printed by `credo run`. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"
#include "format.h"

/* The outputs that list every account and deal, unlike the text report. */
#define ROWS_ELSEWHERE "--json and credo export give every one"

/* Prints "  ... and N more" when a list of `count` lines stopped at
 * `limit`, and where else the whole list is. */
static void print_more(FILE *out, size_t count, size_t limit, const char *elsewhere)
{
    if (count > limit)
        fprintf(out, "  ... and %zu more (--limit 0 lists all; %s)\n", count - limit, elsewhere);
}

static void print_summary(FILE *out, const credo_run *run, int64_t run_id)
{
    const credo_run_summary *s = &run->summary;
    char day[16], won[40], credited[40];
    fprintf(out, "credo run %lld as of %s, policy %s\n\n", (long long)run_id, credo_format_date(run->as_of, day),
            run->policy->path);
    fprintf(out, "accounts  %7zu: %zu assigned, %zu overlaps, %zu gaps\n", s->accounts, s->assigned,
            s->overlaps, s->gaps);
    fprintf(out, "deals     %7zu: %zu won; %zu in territory, %zu out of territory, %zu unowned", s->deals,
            s->won_deals, s->in_territory, s->out_of_territory, s->unowned);
    if (s->account_gap + s->account_overlap + s->no_account > 0)
        fprintf(out, ", %zu on gap accounts, %zu on overlap accounts, %zu with no known account", s->account_gap,
                s->account_overlap, s->no_account);
    fprintf(out, "\n");
    if (run->engagement != NULL)
        fprintf(out, "engagement       %zu deals owned under registration protection, %zu claims in the conflict "
                     "queue, %zu credit lines on hold\n", s->protected_deals, s->conflicts, s->held_lines);
    fprintf(out, "won amount       %20s (%lld minor units)\n", cli_format_amount(s->won_amount, won),
            (long long)s->won_amount);
    fprintf(out, "credited amount  %20s (%lld minor units), %zu won deals not credited\n",
            cli_format_amount(s->credited_amount, credited), (long long)s->credited_amount, s->uncredited);
    if (s->currencies > 1)
        fprintf(out, "warning: won deals are in %zu currencies; the amounts above add minor units of different "
                     "currencies and are not a total in any one of them\n", s->currencies);
    fprintf(out, "\n");
}

/* Lists the won deals that got no credit, with the reason. */
static void print_uncredited(FILE *out, const credo_run *run, size_t limit)
{
    if (run->summary.uncredited == 0)
        return;
    fprintf(out, "won deals not credited (%zu):\n", run->summary.uncredited);
    size_t listed = 0;
    for (uint32_t d = 0; d < run->credit->deal_count && listed < limit; d++) {
        if (run->credit->problem[d] == NULL)
            continue;
        fprintf(out, "  deal %s: %s\n", credo_snapshot_text(run->snapshot, run->snapshot->deals.id[d]),
                run->credit->problem[d]);
        listed++;
    }
    print_more(out, run->summary.uncredited, limit, ROWS_ELSEWHERE);
    fprintf(out, "\n");
}

/* Per-territory counts of accounts, deals, won amount and out-of-territory deals. */
typedef struct territory_totals {
    size_t accounts, deals, out_of_territory;
    credo_money won;
} territory_totals;

static void print_territories(FILE *out, const credo_run *run, size_t limit)
{
    const credo_policy *policy = run->policy;
    territory_totals *totals = calloc(policy->territory_count + 1, sizeof *totals);
    if (totals == NULL)
        return;
    for (size_t a = 0; a < run->assignment->count; a++)
        if (run->assignment->territory[a] != CREDO_NO_ROW)
            totals[run->assignment->territory[a]].accounts++;
    for (size_t d = 0; d < run->ownership->count; d++) {
        uint32_t t = run->ownership->territory[d];
        if (t == CREDO_NO_ROW)
            continue;
        totals[t].deals++;
        totals[t].out_of_territory += run->ownership->status[d] == CREDO_DEAL_OUT_OF_TERRITORY;
        if (run->snapshot->deals.status[d] == CREDO_DEAL_WON)
            totals[t].won += run->snapshot->deals.amount[d];
    }

    fprintf(out, "%-12s %-24s %9s %7s %20s %17s\n", "territory", "name", "accounts", "deals", "won amount",
            "out of territory");
    size_t typed = 0;
    for (size_t t = 0; t < policy->territory_count; t++) {
        const credo_policy_territory *territory = &policy->territories[t];
        if (territory->type_id == NULL || typed++ >= limit)
            continue;
        char won[40];
        fprintf(out, "%-12s %-24s %9zu %7zu %20s %17zu\n", territory->id, territory->name ? territory->name : "",
                totals[t].accounts, totals[t].deals, cli_format_amount(totals[t].won, won), totals[t].out_of_territory);
    }
    print_more(out, typed, limit, "--json gives every territory");
    fprintf(out, "\n");
    free(totals);
}

static void print_unassigned(FILE *out, const credo_run *run, size_t limit)
{
    credo_buf reason = CREDO_BUF_INIT;
    for (int wanted = CREDO_ACCOUNT_OVERLAP; wanted <= CREDO_ACCOUNT_GAP; wanted++) {
        size_t count = wanted == CREDO_ACCOUNT_OVERLAP ? run->summary.overlaps : run->summary.gaps;
        fprintf(out, "%s (%zu)%s\n", wanted == CREDO_ACCOUNT_OVERLAP ? "overlaps" : "gaps", count,
                count == 0 ? ": none" : ":");
        size_t listed = 0;
        for (uint32_t a = 0; a < run->assignment->count && listed < limit; a++) {
            if (run->assignment->status[a] != wanted)
                continue;
            credo_buf_reset(&reason);
            credo_run_account_reason(run, a, &reason);
            fprintf(out, "  account %s: %s\n", credo_snapshot_text(run->snapshot, run->snapshot->accounts.id[a]),
                    credo_buf_text(&reason));
            listed++;
        }
        print_more(out, count, limit, ROWS_ELSEWHERE);
    }
    fprintf(out, "\n");
    credo_buf_free(&reason);
}

static void print_members(FILE *out, const credo_policy *policy, uint32_t territory, credo_date date)
{
    const credo_policy_territory *t = &policy->territories[territory];
    size_t listed = 0;
    for (size_t m = 0; m < t->member_count; m++) {
        const credo_policy_member *member = &t->members[m];
        if (policy->roles[member->role_index].selling && member->from <= date && date < member->to)
            fprintf(out, "%s%s", listed++ == 0 ? "" : ",", member->rep_id);
    }
}

static void print_out_of_territory(FILE *out, const credo_run *run, size_t limit)
{
    const credo_snapshot *snapshot = run->snapshot;
    fprintf(out, "out-of-territory deals (%zu): the owner is not a selling member of the account's territory\n",
            run->summary.out_of_territory);
    if (run->summary.out_of_territory == 0)
        return;
    fprintf(out, "  %-12s %-10s %-10s %-10s %-8s %s\n", "deal", "date", "account", "territory", "owner",
            "selling members that day");
    size_t listed = 0;
    for (uint32_t d = 0; d < run->ownership->count && listed < limit; d++) {
        if (run->ownership->status[d] != CREDO_DEAL_OUT_OF_TERRITORY)
            continue;
        listed++;
        char day[16];
        uint32_t territory = run->ownership->territory[d];
        fprintf(out, "  %-12s %-10s %-10s %-10s %-8s ", credo_snapshot_text(snapshot, snapshot->deals.id[d]),
                credo_format_date(run->ownership->date[d], day),
                credo_snapshot_text(snapshot, snapshot->deals.account_id[d]), run->policy->territories[territory].id,
                run->ownership->owner[d]);
        print_members(out, run->policy, territory, run->ownership->date[d]);
        fprintf(out, "\n");
    }
    print_more(out, run->summary.out_of_territory, limit, ROWS_ELSEWHERE);
}

void report_print_text(FILE *out, const credo_run *run, int64_t run_id, size_t limit)
{
    print_summary(out, run, run_id);
    print_territories(out, run, limit);
    print_unassigned(out, run, limit);
    print_uncredited(out, run, limit);
    print_out_of_territory(out, run, limit);
}

static void json_id_list(credo_buf *json, const char *key, const credo_run *run, bool accounts, int wanted)
{
    const credo_snapshot *snapshot = run->snapshot;
    size_t count = accounts ? run->assignment->count : run->ownership->count;
    size_t listed = 0;
    credo_buf_printf(json, ",\"%s\":[", key);
    for (size_t i = 0; i < count; i++) {
        int status = accounts ? run->assignment->status[i] : run->ownership->status[i];
        if (status != wanted)
            continue;
        if (listed++ > 0)
            credo_buf_puts(json, ",");
        credo_buf_json_string(json, credo_snapshot_text(snapshot, accounts ? snapshot->accounts.id[i]
                                                                           : snapshot->deals.id[i]));
    }
    credo_buf_puts(json, "]");
}

/* Appends "uncredited_deals": a list of {deal_id, reason}. */
static void json_uncredited(credo_buf *json, const credo_run *run)
{
    size_t listed = 0;
    credo_buf_puts(json, ",\"uncredited_deals\":[");
    for (uint32_t d = 0; d < run->credit->deal_count; d++) {
        if (run->credit->problem[d] == NULL)
            continue;
        credo_buf_puts(json, listed++ == 0 ? "{\"deal_id\":" : ",{\"deal_id\":");
        credo_buf_json_string(json, credo_snapshot_text(run->snapshot, run->snapshot->deals.id[d]));
        credo_buf_puts(json, ",\"reason\":");
        credo_buf_json_string(json, run->credit->problem[d]);
        credo_buf_puts(json, "}");
    }
    credo_buf_puts(json, "]");
}

void report_print_json(FILE *out, const credo_run *run, int64_t run_id)
{
    credo_buf json = CREDO_BUF_INIT;
    credo_run_summary_json(run, &json);
    json.length--; /* reopen the summary object to add the run id and lists */
    credo_buf_printf(&json, ",\"run_id\":%lld", (long long)run_id);
    json_id_list(&json, "overlap_accounts", run, true, CREDO_ACCOUNT_OVERLAP);
    json_id_list(&json, "gap_accounts", run, true, CREDO_ACCOUNT_GAP);
    json_id_list(&json, "out_of_territory_deals", run, false, CREDO_DEAL_OUT_OF_TERRITORY);
    json_uncredited(&json, run);
    credo_buf_puts(&json, "}\n");
    fputs(credo_buf_text(&json), out);
    credo_buf_free(&json);
}
