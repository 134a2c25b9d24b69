/* Explanations: the rules and facts behind each decision, as plain text. */
#include "credo/engine.h"
#include "credo/engagement.h"

#include <string.h>

#include "credo/parse.h"
#include "policy_binding.h"

static const char *text_or(const credo_snapshot *snapshot, credo_str id, const char *fallback)
{
    const char *text = credo_snapshot_text(snapshot, id);
    return text == NULL ? fallback : text;
}

static void describe_members(const credo_policy *policy, uint32_t territory, credo_date date,
                             credo_buf *out)
{
    const credo_policy_territory *t = &policy->territories[territory];
    char day[16];
    credo_buf_printf(out, "  selling members of territory %s on %s:", t->id, credo_format_date(date, day));
    size_t listed = 0;
    for (size_t m = 0; m < t->member_count; m++) {
        const credo_policy_member *member = &t->members[m];
        if (!policy->roles[member->role_index].selling || date < member->from || date >= member->to)
            continue;
        credo_buf_printf(out, "%s %s (%s, %s:%u)", listed == 0 ? "" : ",", member->rep_id,
                         member->role_id, policy->path, member->pos.line);
        listed++;
    }
    credo_buf_puts(out, listed == 0 ? " none\n" : "\n");
}

static void describe_territory(const credo_policy *policy, uint32_t territory, credo_buf *out)
{
    const credo_policy_territory *t = &policy->territories[territory];
    const credo_policy_type *type = &policy->types[t->type_index];
    credo_buf_printf(out, "territory %s%s%s%s (type %s, %s priority %d, %s:%u)", t->id,
                     t->name != NULL ? " \"" : "", t->name != NULL ? t->name : "",
                     t->name != NULL ? "\"" : "", type->id, type->overlay ? "overlay," : "primary,",
                     type->priority, policy->path, t->pos.line);
}

/* Appends every typed territory's verdict for the account: the matching
 * ones with their rule evaluated, and a count of those that did not match. */
static void describe_matches(const credo_policy_binding *binding, uint32_t account, credo_buf *out)
{
    const credo_policy *policy = binding->policy;
    size_t misses = 0;
    for (uint32_t t = 0; t < policy->territory_count; t++) {
        if (policy->territories[t].type_id == NULL)
            continue;
        if (!credo_binding_matches(binding, account, t, NULL, 0)) {
            misses++;
            continue;
        }
        credo_buf_puts(out, "  matches ");
        describe_territory(policy, t, out);
        credo_buf_puts(out, "\n");
        credo_binding_matches(binding, account, t, out, 4);
    }
    credo_buf_printf(out, "  %zu other territor%s with a rule did not match\n", misses,
                     misses == 1 ? "y" : "ies");
}

static void describe_decision(const credo_policy *policy, const credo_assignment *assignment,
                              uint32_t account, credo_buf *out)
{
    uint32_t first = assignment->tied_start[account], end = assignment->tied_start[account + 1];
    switch ((credo_account_status)assignment->status[account]) {
    case CREDO_ACCOUNT_ASSIGNED:
        credo_buf_puts(out, "  decision: assigned to ");
        describe_territory(policy, assignment->territory[account], out);
        credo_buf_puts(out, ", the only primary match of the highest priority\n");
        break;
    case CREDO_ACCOUNT_OVERLAP:
        credo_buf_printf(out, "  decision: overlap, not resolved: %u primary territories match at the "
                              "same priority:", end - first);
        for (uint32_t i = first; i < end; i++)
            credo_buf_printf(out, " %s", policy->territories[assignment->tied[i]].id);
        credo_buf_puts(out, "; change a rule or a priority so that one wins\n");
        break;
    case CREDO_ACCOUNT_GAP:
        credo_buf_puts(out, "  decision: gap: no primary territory matches; the account waits in the "
                            "unassigned queue\n");
        break;
    }
}

static void describe_account_facts(const credo_snapshot *snapshot, uint32_t account, credo_buf *out)
{
    const credo_accounts *accounts = &snapshot->accounts;
    credo_buf_printf(out, "account %s \"%s\": country %s, region %s, postal_code %s, city %s, industry %s\n",
                     text_or(snapshot, accounts->id[account], "?"),
                     text_or(snapshot, accounts->name[account], ""),
                     text_or(snapshot, accounts->country[account], "(missing)"),
                     text_or(snapshot, accounts->region[account], "(missing)"),
                     text_or(snapshot, accounts->postal_code[account], "(missing)"),
                     text_or(snapshot, accounts->city[account], "(missing)"),
                     text_or(snapshot, accounts->industry[account], "(missing)"));
}

void credo_explain_account(const credo_snapshot *snapshot, const credo_policy *policy,
                           const credo_assignment *assignment, uint32_t account, credo_date as_of,
                           credo_buf *out)
{
    credo_policy_binding binding;
    credo_error err;
    if (credo_policy_bind(snapshot, policy, &binding, &err) != CREDO_OK) {
        credo_buf_printf(out, "cannot explain: %s\n", err.message);
        return;
    }

    describe_account_facts(snapshot, account, out);
    describe_matches(&binding, account, out);
    describe_decision(policy, assignment, account, out);

    for (uint32_t i = assignment->overlay_start[account]; i < assignment->overlay_start[account + 1]; i++) {
        credo_buf_puts(out, "  overlay: ");
        describe_territory(policy, assignment->overlays[i], out);
        credo_buf_puts(out, "\n");
    }

    if (assignment->territory[account] != CREDO_NO_ROW) {
        const char *owner = NULL;
        credo_owner_kind kind = credo_account_owner(snapshot, policy, assignment, account, as_of, &owner);
        char day[16];
        describe_members(policy, assignment->territory[account], as_of, out);
        credo_buf_printf(out, "  owner on %s: %s (%s)\n", credo_format_date(as_of, day),
                         owner != NULL ? owner : "-", credo_owner_kind_name(kind));
    }
    credo_policy_binding_free(&binding);
}

static const char *line_reason(const credo_credit_line *line)
{
    if (strcmp(line->rule, CREDO_RULE_TEAM_SPLIT) == 0)
        return "the deal team's split, rounded by largest remainder";
    if (strcmp(line->rule, CREDO_RULE_OWNER_FULL) == 0)
        return "100% to the deal owner, as the deal has no team splits";
    if (strcmp(line->rule, CREDO_RULE_SOURCING) == 0)
        return "the partner sourcing share, off the top";
    if (strcmp(line->rule, CREDO_RULE_ROLLUP) == 0)
        return "the revenue credit of the reps below this manager, once per deal";
    return strcmp(line->kind, "overlay") == 0 ? "an overlay share of the credit rule, on top of revenue"
                                              : "a revenue share of the credit rule, rounded by largest remainder";
}

static void describe_credit(const credo_snapshot *snapshot, const credo_credit *credit, uint32_t deal,
                            credo_buf *out)
{
    const credo_deals *deals = &snapshot->deals;
    if (deals->status[deal] != CREDO_DEAL_WON) {
        credo_buf_puts(out, "credit: none, the deal is not won\n");
        return;
    }
    if (credit->problem[deal] != NULL) {
        credo_buf_printf(out, "credit: none: %s\n", credit->problem[deal]);
        return;
    }

    const char *currency = text_or(snapshot, deals->currency[deal], "");
    credo_buf_puts(out, "credit:\n");
    for (size_t i = 0; i < credit->count; i++) {
        const credo_credit_line *line = &credit->lines[i];
        if (line->deal != deal)
            continue;
        char amount[32], share[32];
        credo_buf_printf(out, "  %s %s %s %s (%lld minor units), %s%% of the deal, rule %s: %s", line->rep_id,
                         line->kind, credo_format_decimal(line->amount, 2, amount), currency, (long long)line->amount,
                         credo_format_decimal(line->share, 2, share), line->rule, line_reason(line));
        if (line->role != NULL)
            credo_buf_printf(out, ", role %s", line->role);
        if (line->hold != NULL)
            credo_buf_printf(out, ", HELD %s", line->hold);
        credo_buf_puts(out, "\n");
    }
}

static void describe_deal_facts(const credo_snapshot *snapshot, uint32_t deal, credo_buf *out)
{
    static const char *const status_names[] = {"open", "won", "lost"};
    const credo_deals *deals = &snapshot->deals;
    char created[16], closed[16], amount[32];
    /* NOTE: amounts print with 2 decimals, right for USD and EUR but not for
     * currencies such as JPY; stored values are exact minor units. */
    credo_buf_printf(out, "deal %s: %s, amount %s %s, logged %s, closed %s, recorded owner %s\n",
                     text_or(snapshot, deals->id[deal], "?"), status_names[deals->status[deal] % 3],
                     credo_format_decimal(deals->amount[deal], 2, amount),
                     text_or(snapshot, deals->currency[deal], ""),
                     deals->created[deal] == CREDO_DATE_NONE ? "(unknown)" : credo_format_date(deals->created[deal], created),
                     deals->close_date[deal] == CREDO_DATE_NONE ? "(unknown)" : credo_format_date(deals->close_date[deal], closed),
                     text_or(snapshot, deals->owner_id[deal], "(none)"));
}

/* Whether the rules of engagement changed or confirmed the deal's owner. */
static bool engaged(const credo_ownership *ownership, uint32_t deal)
{
    return ownership->engagement != NULL && ownership->engagement->rule[deal] != CREDO_ENGAGE_NONE;
}

static void describe_ownership(const credo_policy *policy, const credo_ownership *ownership,
                               uint32_t deal, credo_buf *out)
{
    char day[16];
    const char *date = credo_format_date(ownership->date[deal], day);
    const char *owner = ownership->owner[deal];
    uint32_t territory = ownership->territory[deal];
    const char *keeps = engaged(ownership, deal) ? "the rules of engagement below decided the owner"
                                                 : "by default the recorded owner keeps the deal";

    credo_buf_printf(out, "ownership on %s: %s", date,
                     credo_deal_territory_status_name(ownership->status[deal]));
    switch ((credo_deal_territory_status)ownership->status[deal]) {
    case CREDO_DEAL_IN_TERRITORY:
        if (ownership->owner_from_account[deal])
            credo_buf_printf(out, ": no recorded owner, so the deal goes to the account's owner %s\n", owner);
        else
            credo_buf_printf(out, ": %s is a selling member of territory %s on %s\n", owner,
                             policy->territories[territory].id, date);
        break;
    case CREDO_DEAL_OUT_OF_TERRITORY:
        credo_buf_printf(out, ": %s is not a selling member of territory %s on %s; %s, flagged\n", owner,
                         policy->territories[territory].id, date, keeps);
        break;
    case CREDO_DEAL_ACCOUNT_GAP:
    case CREDO_DEAL_ACCOUNT_OVERLAP:
        credo_buf_puts(out, ownership->status[deal] == CREDO_DEAL_ACCOUNT_GAP
                                ? ": the account has no territory; "
                                : ": the account's territory is an unresolved overlap; ");
        if (engaged(ownership, deal))
            credo_buf_printf(out, "the rules of engagement below gave the deal to %s, flagged\n", owner);
        else
            credo_buf_printf(out, "the recorded owner %s keeps the deal, flagged\n", owner);
        break;
    case CREDO_DEAL_NO_ACCOUNT:
        credo_buf_printf(out, ": the deal names no known account; the recorded owner %s keeps the deal\n", owner);
        break;
    case CREDO_DEAL_UNOWNED:
        credo_buf_puts(out, ": no recorded owner and no single owner of the account on that date\n");
        break;
    }
    if (territory != CREDO_NO_ROW)
        describe_members(policy, territory, ownership->date[deal], out);
}

void credo_explain_deal(const credo_snapshot *snapshot, const credo_policy *policy,
                        const credo_assignment *assignment, const credo_ownership *ownership,
                        const credo_credit *credit, uint32_t deal, credo_buf *out)
{
    describe_deal_facts(snapshot, deal, out);

    uint32_t account = snapshot->deals.account_row[deal];
    if (account != CREDO_NO_ROW) {
        credo_policy_binding binding;
        credo_error err;
        if (credo_policy_bind(snapshot, policy, &binding, &err) != CREDO_OK) {
            credo_buf_printf(out, "cannot explain: %s\n", err.message);
            return;
        }
        describe_account_facts(snapshot, account, out);
        describe_matches(&binding, account, out);
        describe_decision(policy, assignment, account, out);
        credo_policy_binding_free(&binding);
    } else {
        credo_buf_printf(out, "account %s is not in the data\n",
                         text_or(snapshot, snapshot->deals.account_id[deal], "(none)"));
    }

    describe_ownership(policy, ownership, deal, out);
    if (ownership->engagement != NULL) {
        credo_explain_engagement(snapshot, policy, ownership->engagement, deal, out);
        credo_explain_credit_rules(snapshot, policy, assignment, ownership, ownership->engagement, deal, out);
    }
    describe_credit(snapshot, credit, deal, out);
}
