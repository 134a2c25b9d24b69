/* Credit of one deal by rules (the rule and hold that apply, sourcing,
 * the plain default, overlay), and the engine over all deals. */
#include "engage_internal.h"

#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"

/* The first rule whose condition holds, or NULL; traces every rule tried. */
static const credo_credit_rule *pick_rule(const credit_engine *engine, uint32_t deal, bool *failed)
{
    const credo_credit_policy *credit = engine->policy->credit;
    for (size_t r = 0; credit != NULL && r < credit->rule_count && !*failed; r++) {
        const credo_credit_rule *rule = &credit->rules[r];
        if (engine->trace != NULL)
            credo_buf_printf(engine->trace, "  rule %s (%s:%u): ", rule->id, engine->policy->path, rule->pos.line);
        if (rule->when == NULL) {
            if (engine->trace != NULL)
                credo_buf_puts(engine->trace, "no condition, applies\n");
            return rule;
        }
        if (engine->trace != NULL)
            credo_buf_puts(engine->trace, "when\n");
        credit_deal_ref ref;
        credit_deal_ref_init(&ref, engine->snapshot, engine->policy, engine->ownership, engine->engagement, deal);
        bool holds = credit_condition_holds(rule->when, &ref, engine->trace, 4, failed);
        if (holds)
            return rule;
    }
    if (engine->trace != NULL)
        credo_buf_puts(engine->trace, "  no credit rule applies: the plain rule (deal-team splits, else 100% to the "
                                      "closer) credits the deal\n");
    return NULL;
}

/* The release condition of the first hold that applies and is not yet
 * released, or NULL. */
static const char *pick_hold(const credit_engine *engine, uint32_t deal, bool *failed)
{
    const credo_credit_policy *credit = engine->policy->credit;
    credo_buf *trace = engine->trace;
    for (size_t h = 0; credit != NULL && h < credit->hold_count && !*failed; h++) {
        const credo_credit_hold *hold = &credit->holds[h];
        credit_deal_ref ref;
        credit_deal_ref_init(&ref, engine->snapshot, engine->policy, engine->ownership, engine->engagement, deal);
        if (!credit_condition_holds(hold->when, &ref, NULL, 0, failed))
            continue;
        if (hold->released_when != NULL && credit_condition_holds(hold->released_when, &ref, NULL, 0, failed)) {
            if (trace != NULL)
                credo_buf_printf(trace, "  hold (%s:%u) released: \"%s\" has happened (%s)\n", engine->policy->path,
                                 hold->pos.line, hold->release, credo_expr_text(hold->released_when));
            continue;
        }
        if (trace != NULL)
            credo_buf_printf(trace, "  hold (%s:%u): every credit line of the deal is held %s (%s applies)\n",
                             engine->policy->path, hold->pos.line, hold->release, credo_expr_text(hold->when));
        return hold->release;
    }
    return NULL;
}

/* The plain rule of credit.c: the deal team's split percentages when any
 * member has one (they must sum to 100%), else 100% to the closer. */
static const char *credit_default(const credit_engine *engine, uint32_t deal, credo_money rest, credo_bp rest_share,
                                  const char *hold, credit_line_list *lines, bool *failed)
{
    const credo_snapshot *snapshot = engine->snapshot;
    const credo_deal_team *team = &snapshot->team;
    size_t first_row, end_row;
    credit_team_rows(snapshot, deal, &first_row, &end_row);
    credit_entry *entries = calloc(end_row - first_row + 1, sizeof *entries);
    const char **holders = malloc((end_row - first_row + 1) * sizeof *holders);
    size_t count = 0;
    int64_t total = 0;
    const char *problem = NULL;
    if (entries == NULL || holders == NULL) {
        *failed = true;
        goto out;
    }

    /* Team rows are sorted by deal id, then rep id, so ties go to the lower
     * rep id as in credo_split_amount. */
    for (size_t row = first_row; row < end_row; row++) {
        if (team->split[row] < 0)
            continue;
        holders[count] = credo_snapshot_text(snapshot, team->rep_id[row]);
        entries[count] = (credit_entry){"deal_team", team->split[row], &holders[count], 1, 0};
        total += team->split[row];
        count++;
    }
    const char *rule = CREDO_RULE_TEAM_SPLIT;
    if (count == 0 && engine->ownership->owner[deal] == NULL) {
        problem = "the deal has no owner and no deal team splits; record an owner";
        goto out;
    }
    if (count > 0 && total != CREDO_BP_WHOLE) {
        problem = "deal team splits do not sum to 100% (10000 bp); correct the deal team";
        goto out;
    }
    if (count == 0) {
        holders[0] = engine->ownership->owner[deal];
        entries[0] = (credit_entry){"closer", CREDO_BP_WHOLE, &holders[0], 1, 0};
        count = 1;
        rule = CREDO_RULE_OWNER_FULL;
    }
    credit_split_entries(entries, count, rest, failed);
    if (!*failed && !credit_push_entries(engine, deal, rule, entries, count, rest_share, hold, lines))
        *failed = true;
out:
    free(entries);
    free(holders);
    return problem;
}

/* Gives the sourcing rep of a partner-sourced deal the sourcing share off
 * the top; returns what is left for the rules and its share. */
static credo_money credit_sourcing(const credit_engine *engine, uint32_t deal, const char *hold,
                                   credit_line_list *lines, credo_bp *rest_share, bool *failed)
{
    const credo_engagement *engagement = engine->engagement;
    const credo_engagement_policy *rules = engine->policy->engagement;
    credo_money amount = engine->snapshot->deals.amount[deal];
    *rest_share = CREDO_BP_WHOLE;
    if (engagement == NULL || rules == NULL || !engagement->partner_sourced[deal] || engagement->sourcer[deal] == NULL ||
        rules->partner.sourcing_share == 0)
        return amount;

    credo_bp share = rules->partner.sourcing_share;
    const int64_t weights[2] = {share, CREDO_BP_WHOLE - share};
    credo_money parts[2];
    credit_split_weights(amount, weights, 2, parts);
    const credo_credit_line line = {deal, engagement->sourcer[deal], "revenue", CREDO_RULE_SOURCING, share, parts[0],
                                    "sourcing", hold};
    *failed = *failed || !credit_push_line(lines, &line);
    if (engine->trace != NULL) {
        char text[32];
        credo_buf_printf(engine->trace, "  sourcing: %s gets %s%% off the top as the sourcing rep of a partner-sourced "
                                        "deal; the rule shares the rest\n",
                         engagement->sourcer[deal], credo_format_decimal(share, 2, text));
    }
    *rest_share = CREDO_BP_WHOLE - share;
    return parts[1];
}

static bool credit_overlay(const credit_engine *engine, uint32_t deal, const credo_credit_rule *rule,
                           const char *hold, credit_line_list *lines)
{
    credo_money amount = engine->snapshot->deals.amount[deal];
    for (size_t o = 0; rule != NULL && o < rule->overlay_count; o++) {
        const credo_credit_share *share = &rule->overlay[o];
        const char **holders = malloc(credit_role_capacity(engine, deal, share) * sizeof *holders);
        if (holders == NULL)
            return false;
        size_t count = credit_role_holders(engine, deal, share, holders);
        /* Rounded toward zero; overlay credit is not conserved. */
        credo_money portion = (credo_money)((__int128)amount * share->share / CREDO_BP_WHOLE);
        credit_entry entry = {credit_role_name(share->role), CREDO_BP_WHOLE, holders, count, portion};
        if (engine->trace != NULL) {
            char text[32];
            credo_buf_printf(engine->trace, "  overlay %s (%s%% of the amount): ", entry.role,
                             credo_format_decimal(share->share, 2, text));
            for (size_t h = 0; h < count; h++)
                credo_buf_printf(engine->trace, "%s%s", h == 0 ? "" : ", ", holders[h]);
            credo_buf_puts(engine->trace, count == 0 ? "nobody holds the role, so no overlay line\n" : "\n");
        }
        size_t first = lines->count;
        bool pushed = credit_push_entries(engine, deal, rule->id, &entry, 1, share->share, hold, lines);
        for (size_t i = first; pushed && i < lines->count; i++) {
            lines->items[i].kind = "overlay";
            lines->items[i].share = (credo_bp)(share->share / (credo_bp)count);
        }
        free(holders);
        if (!pushed)
            return false;
    }
    return true;
}

static int compare_lines(const credo_credit_line *a, const credo_credit_line *b)
{
    int order = strcmp(a->rep_id, b->rep_id);
    if (order == 0)
        order = strcmp(a->kind, b->kind);
    if (order == 0)
        order = strcmp(a->role != NULL ? a->role : "", b->role != NULL ? b->role : "");
    if (order == 0)
        order = strcmp(a->rule, b->rule);
    return order;
}

/* Sorts one deal's lines by rep id, kind, role and rule (insertion sort:
 * a deal has few lines, and equal lines keep their order). */
static void sort_deal_lines(credo_credit_line *lines, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        credo_credit_line line = lines[i];
        size_t j = i;
        while (j > 0 && compare_lines(&lines[j - 1], &line) > 0) {
            lines[j] = lines[j - 1];
            j--;
        }
        lines[j] = line;
    }
}

const char *credit_one_deal(const credit_engine *engine, uint32_t deal, credit_line_list *lines, bool *failed)
{
    size_t first = lines->count;
    const credo_credit_rule *rule = pick_rule(engine, deal, failed);
    const char *hold = pick_hold(engine, deal, failed);
    credo_bp rest_share = CREDO_BP_WHOLE;
    credo_money rest = credit_sourcing(engine, deal, hold, lines, &rest_share, failed);
    if (engine->trace != NULL && rule != NULL)
        credo_buf_puts(engine->trace, "  revenue roles on the credit date:\n");
    const char *problem = rule != NULL ? credit_by_rule(engine, deal, rule, rest, rest_share, hold, lines, failed)
                                       : credit_default(engine, deal, rest, rest_share, hold, lines, failed);
    if (problem != NULL || *failed) {
        lines->count = first;
        return problem;
    }
    size_t revenue_end = lines->count;
    if (!credit_overlay(engine, deal, rule, hold, lines))
        *failed = true;
    if (!*failed && engine->policy->credit != NULL && engine->policy->credit->rollup &&
        !credit_rollup(engine, deal, lines, first, revenue_end, hold))
        *failed = true;
    sort_deal_lines(&lines->items[first], lines->count - first);
    return NULL;
}

credo_status credo_credit_by_rules(const credo_snapshot *snapshot, const credo_policy *policy,
                                   const credo_assignment *assignment, const credo_ownership *ownership,
                                   const credo_engagement *engagement, credo_credit **out, credo_error *err)
{
    const credo_deals *deals = &snapshot->deals;
    credo_credit *credit = calloc(1, sizeof *credit);
    if (credit != NULL)
        credit->problem = calloc(deals->count == 0 ? 1 : deals->count, sizeof *credit->problem);
    if (credit == NULL || credit->problem == NULL) {
        credo_credit_free(credit);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory crediting deals");
    }
    credit->deal_count = deals->count;

    const credit_engine engine = {snapshot, policy, assignment, ownership, engagement, NULL};
    credit_line_list lines = {NULL, 0, 0};
    bool failed = false;
    for (uint32_t deal = 0; deal < deals->count && !failed; deal++)
        if (deals->status[deal] == CREDO_DEAL_WON)
            credit->problem[deal] = credit_one_deal(&engine, deal, &lines, &failed);

    credit->lines = lines.items;
    credit->count = lines.count;
    if (failed) {
        credo_credit_free(credit);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory crediting deals by the policy's rules");
    }
    *out = credit;
    return CREDO_OK;
}
