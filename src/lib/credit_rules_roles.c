/* Who holds each credit role on a deal's credit date, and the contribution
 * threshold that deal-team members must reach. */
#include "engage_internal.h"

#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"

credo_date credit_date_of(const credo_policy *policy, const credo_snapshot *snapshot, uint32_t deal)
{
    const credo_deals *deals = &snapshot->deals;
    bool by_created = policy->credit != NULL && policy->credit->credit_date == CREDO_CREDIT_DATE_CREATED;
    credo_date first = by_created ? deals->created[deal] : deals->close_date[deal];
    credo_date second = by_created ? deals->close_date[deal] : deals->created[deal];
    return first != CREDO_DATE_NONE ? first : second;
}

const char *credit_role_name(credo_credit_role role)
{
    switch (role) {
    case CREDO_ROLE_CLOSER: return "closer";
    case CREDO_ROLE_REGISTRANT: return "registrant";
    case CREDO_ROLE_TERRITORY_OWNER: return "territory_owner";
    case CREDO_ROLE_TERRITORY_MEMBER: return "territory_member";
    case CREDO_ROLE_DEAL_TEAM: return "deal_team";
    }
    return "unknown";
}

static uint32_t account_territory(const credit_engine *engine, uint32_t deal)
{
    uint32_t account = engine->snapshot->deals.account_row[deal];
    return account == CREDO_NO_ROW ? CREDO_NO_ROW : engine->assignment->territory[account];
}

/* The team table is sorted by deal id, so the rows of a deal are found by
 * binary search. */
void credit_team_rows(const credo_snapshot *snapshot, uint32_t deal, size_t *first, size_t *end)
{
    const credo_deal_team *team = &snapshot->team;
    size_t low = 0, high = team->count;
    credo_str deal_id = snapshot->deals.id[deal];
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (credo_strpool_compare(snapshot->strings, team->deal_id[middle], deal_id) < 0)
            low = middle + 1;
        else
            high = middle;
    }
    *first = *end = low;
    while (*end < team->count && team->deal_id[*end] == deal_id)
        (*end)++;
}

size_t credit_role_capacity(const credit_engine *engine, uint32_t deal, const credo_credit_share *share)
{
    uint32_t territory = account_territory(engine, deal);
    size_t first, end;
    switch (share->role) {
    case CREDO_ROLE_CLOSER:
    case CREDO_ROLE_REGISTRANT: return 1;
    case CREDO_ROLE_TERRITORY_OWNER: return ENGAGE_MAX_OWNERS;
    case CREDO_ROLE_TERRITORY_MEMBER:
        return territory == CREDO_NO_ROW ? 1 : engine->policy->territories[territory].member_count + 1;
    case CREDO_ROLE_DEAL_TEAM:
        credit_team_rows(engine->snapshot, deal, &first, &end);
        return end - first + 1;
    }
    return 1;
}

static int compare_reps(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts reps by id and drops repeats; returns the new count. */
static size_t sort_unique(const char **reps, size_t count)
{
    qsort(reps, count, sizeof *reps, compare_reps);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
        if (kept == 0 || strcmp(reps[kept - 1], reps[i]) != 0)
            reps[kept++] = reps[i];
    return kept;
}

static size_t territory_members(const credit_engine *engine, uint32_t deal, const char *role, const char **holders)
{
    uint32_t territory = account_territory(engine, deal);
    if (territory == CREDO_NO_ROW)
        return 0;
    const credo_policy_territory *t = &engine->policy->territories[territory];
    credo_date date = credit_date_of(engine->policy, engine->snapshot, deal);
    size_t count = 0;
    for (size_t m = 0; m < t->member_count; m++) {
        const credo_policy_member *member = &t->members[m];
        bool active = member->from <= date && date < member->to;
        if (active && (role == NULL || strcmp(member->role_id, role) == 0))
            holders[count++] = member->rep_id;
    }
    return count;
}

static int activity_points(const credo_credit_policy *credit, const char *type)
{
    for (size_t i = 0; type != NULL && i < credit->weight_count; i++)
        if (strcmp(credit->weights[i].type, type) == 0)
            return credit->weights[i].points;
    return 0;
}

/* Contribution points of rep on the deal: weighted activities on the
 * deal's account, by the rep, before the close date, that name this deal
 * or no deal. Appends the tally to trace when not NULL. */
static int64_t contribution(const credit_engine *engine, uint32_t deal, const char *rep, credo_buf *trace)
{
    const credo_snapshot *snapshot = engine->snapshot;
    const credo_activities *activities = &snapshot->activities;
    const credo_credit_policy *credit = engine->policy->credit;
    credo_str account = snapshot->deals.account_id[deal];
    credo_date close = snapshot->deals.close_date[deal];
    int64_t points = 0;
    size_t counted = 0;
    for (size_t i = engage_first_activity(snapshot, account); i < activities->count && activities->account_id[i] == account;
         i++) {
        const char *who = credo_snapshot_text(snapshot, activities->rep_id[i]);
        bool other_deal = activities->deal_id[i] != CREDO_STR_NONE && activities->deal_id[i] != snapshot->deals.id[deal];
        bool too_late = close != CREDO_DATE_NONE && activities->date[i] >= close;
        if (who == NULL || strcmp(who, rep) != 0 || other_deal || too_late)
            continue;
        const char *type = credo_snapshot_text(snapshot, activities->type[i]);
        int weight = activity_points(credit, type);
        points += weight;
        if (trace != NULL) {
            char day[16];
            credo_buf_printf(trace, "%s%s %s (%d)", counted++ == 0 ? "" : ", ", type != NULL ? type : "(no type)",
                             credo_format_date(activities->date[i], day), weight);
        }
    }
    return points;
}

/* Whether a collaborator reaches the threshold; traces the verdict. */
static bool reaches_threshold(const credit_engine *engine, uint32_t deal, const char *rep)
{
    const credo_credit_policy *credit = engine->policy->credit;
    if (credit == NULL || credit->minimum_points == 0)
        return true;
    credo_buf *trace = engine->trace;
    if (trace != NULL)
        credo_buf_printf(trace, "      collaborator %s: ", rep);
    int64_t points = contribution(engine, deal, rep, trace);
    bool reaches = points >= credit->minimum_points;
    if (trace != NULL) {
        char close[16];
        credo_buf_printf(trace, "%s= %lld point%s before the close date %s; the minimum is %d: %s\n",
                         points == 0 ? "no counted activity " : " ", (long long)points, points == 1 ? "" : "s",
                         credo_format_date(engine->snapshot->deals.close_date[deal], close), credit->minimum_points,
                         reaches ? "takes part in the split" : "below the threshold, no split");
    }
    return reaches;
}

static size_t deal_team(const credit_engine *engine, uint32_t deal, const char *role, const char **holders)
{
    const credo_snapshot *snapshot = engine->snapshot;
    const char *closer = engine->ownership->owner[deal];
    size_t first, end, count = 0;
    credit_team_rows(snapshot, deal, &first, &end);
    for (size_t row = first; row < end; row++) {
        const char *rep = credo_snapshot_text(snapshot, snapshot->team.rep_id[row]);
        const char *team_role = credo_snapshot_text(snapshot, snapshot->team.role[row]);
        if (rep == NULL || (closer != NULL && strcmp(rep, closer) == 0))
            continue;
        if (role != NULL && (team_role == NULL || strcmp(team_role, role) != 0))
            continue;
        holders[count++] = rep;
    }

    /* The threshold is checked once per rep, after repeats are dropped. */
    count = sort_unique(holders, count);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
        if (reaches_threshold(engine, deal, holders[i]))
            holders[kept++] = holders[i];
    return kept;
}

size_t credit_role_holders(const credit_engine *engine, uint32_t deal, const credo_credit_share *share,
                           const char **holders)
{
    const credo_snapshot *snapshot = engine->snapshot;
    uint32_t account = snapshot->deals.account_row[deal];
    size_t count = 0;
    switch (share->role) {
    case CREDO_ROLE_CLOSER:
        holders[0] = engine->ownership->owner[deal];
        return holders[0] != NULL;
    case CREDO_ROLE_REGISTRANT:
        holders[0] = engine->engagement != NULL ? engage_registrant(snapshot, engine->engagement, deal) : NULL;
        return holders[0] != NULL;
    case CREDO_ROLE_TERRITORY_OWNER:
        if (account != CREDO_NO_ROW)
            count = engage_account_owners(snapshot, engine->policy, engine->assignment, account,
                                          credit_date_of(engine->policy, snapshot, deal), holders, ENGAGE_MAX_OWNERS);
        return sort_unique(holders, count);
    case CREDO_ROLE_TERRITORY_MEMBER:
        return sort_unique(holders, territory_members(engine, deal, share->qualifier, holders));
    case CREDO_ROLE_DEAL_TEAM:
        return deal_team(engine, deal, share->qualifier, holders);
    }
    return 0;
}
