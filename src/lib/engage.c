/* The rules of engagement over a run's ownership: which registration is
 * each deal's registrant, and who owns protected, partner-sourced,
 * out-of-territory and realigned deals. */
#include "engage_internal.h"

#include <stdlib.h>
#include <string.h>

void credo_engagement_free(credo_engagement *engagement)
{
    if (engagement == NULL)
        return;
    for (size_t i = 0; i < engagement->claim_count; i++) {
        free(engagement->claims[i].key);
        free(engagement->claims[i].reason);
    }
    free(engagement->claims);
    free(engagement->rule);
    free(engagement->claim);
    free(engagement->recorded);
    free(engagement->sourcer);
    free(engagement->partner_sourced);
    free(engagement->realigned);
    free(engagement->stage_then);
    free(engagement);
}

static credo_engagement *engagement_new(const credo_snapshot *snapshot)
{
    credo_engagement *engagement = calloc(1, sizeof *engagement);
    if (engagement == NULL)
        return NULL;
    size_t claims = snapshot->registrations.count, deals = snapshot->deals.count;
    size_t rows = deals == 0 ? 1 : deals;
    engagement->claim_count = claims;
    engagement->deal_count = deals;
    engagement->claims = calloc(claims == 0 ? 1 : claims, sizeof *engagement->claims);
    engagement->rule = calloc(rows, sizeof *engagement->rule);
    engagement->claim = malloc(rows * sizeof *engagement->claim);
    engagement->recorded = calloc(rows, sizeof *engagement->recorded);
    engagement->sourcer = calloc(rows, sizeof *engagement->sourcer);
    engagement->partner_sourced = calloc(rows, sizeof *engagement->partner_sourced);
    engagement->realigned = malloc(rows * sizeof *engagement->realigned);
    engagement->stage_then = calloc(rows, sizeof *engagement->stage_then);
    if (engagement->claims == NULL || engagement->rule == NULL || engagement->claim == NULL ||
        engagement->recorded == NULL || engagement->sourcer == NULL || engagement->partner_sourced == NULL ||
        engagement->realigned == NULL || engagement->stage_then == NULL) {
        credo_engagement_free(engagement);
        return NULL;
    }
    for (size_t d = 0; d < deals; d++) {
        engagement->claim[d] = CREDO_NO_ROW;
        engagement->realigned[d] = CREDO_DATE_NONE;
    }
    return engagement;
}

const char *engage_registrant(const credo_snapshot *snapshot, const credo_engagement *engagement, uint32_t deal)
{
    uint32_t registration = engagement->claim[deal];
    if (registration == CREDO_NO_ROW)
        return NULL;
    return credo_snapshot_text(snapshot, snapshot->registrations.rep_id[registration]);
}

/* Ranks a registration as a deal's registrant: a claim that covers the
 * deal beats one that only names it, then the earlier date, then the lower
 * registration id. */
static bool better_claim(const credo_snapshot *snapshot, const credo_engagement *engagement, uint32_t deal,
                         uint32_t candidate, bool candidate_covers, bool current_covers)
{
    uint32_t current = engagement->claim[deal];
    if (current == CREDO_NO_ROW || candidate_covers != current_covers)
        return current == CREDO_NO_ROW || candidate_covers;
    credo_date a = snapshot->registrations.date[candidate], b = snapshot->registrations.date[current];
    return a != b ? a < b : candidate < current;
}

static void offer_claim(const credo_snapshot *snapshot, credo_engagement *engagement, bool *covered,
                        uint32_t registration, uint32_t deal, bool covers)
{
    if (!better_claim(snapshot, engagement, deal, registration, covers, covered[deal]))
        return;
    engagement->claim[deal] = registration;
    covered[deal] = covers;
}

/* A claim that is not protected still makes its rep the registrant of the
 * deal it names, unless it lost a conflict or waits in the queue. */
static bool names_as_registrant(const credo_claim *claim)
{
    return claim->status == CREDO_CLAIM_UNPROTECTED || claim->status == CREDO_CLAIM_DUPLICATE ||
           claim->status == CREDO_CLAIM_PROTECTED || claim->status == CREDO_CLAIM_AWARDED;
}

static void find_registrants(const credo_snapshot *snapshot, const engage_deal_index *index,
                             credo_engagement *engagement, bool *covered)
{
    const credo_registrations *registrations = &snapshot->registrations;
    for (uint32_t r = 0; r < registrations->count; r++) {
        const credo_claim *claim = &engagement->claims[r];
        uint32_t account = registrations->account_row[r];
        if (claim->status == CREDO_CLAIM_INVALID)
            continue;
        for (uint32_t i = index->start[account]; i < index->start[account + 1]; i++)
            if (engage_claim_covers(snapshot, engagement, r, index->rows[i]))
                offer_claim(snapshot, engagement, covered, r, index->rows[i], true);

        uint32_t named = registrations->deal_id[r] == CREDO_STR_NONE
                             ? CREDO_NO_ROW
                             : credo_snapshot_find_deal(snapshot, registrations->deal_id[r]);
        if (named == CREDO_NO_ROW || !names_as_registrant(claim))
            continue;
        offer_claim(snapshot, engagement, covered, r, named, engage_claim_covers(snapshot, engagement, r, named));
    }
}

static bool in_list(char *const *items, size_t count, const char *text)
{
    for (size_t i = 0; text != NULL && i < count; i++)
        if (strcmp(items[i], text) == 0)
            return true;
    return false;
}

static bool is_partner_sourced(const credo_snapshot *snapshot, const credo_engagement_policy *rules,
                               const credo_engagement *engagement, uint32_t deal)
{
    const credo_partner_policy *partner = &rules->partner;
    if (!partner->enabled)
        return false;
    const char *source = credo_snapshot_text(snapshot, snapshot->deals.source[deal]);
    if (in_list(partner->sources, partner->source_count, source))
        return true;
    uint32_t registration = engagement->claim[deal];
    return registration != CREDO_NO_ROW &&
           in_list(partner->sources, partner->source_count,
                   credo_snapshot_text(snapshot, snapshot->registrations.source[registration]));
}

/* The account's single or named owner on the deal's date, or NULL. */
static const char *single_owner(const credo_snapshot *snapshot, const credo_policy *policy,
                                const credo_assignment *assignment, const credo_ownership *ownership,
                                uint32_t deal)
{
    uint32_t account = snapshot->deals.account_row[deal];
    if (account == CREDO_NO_ROW)
        return NULL;
    const char *owner = NULL;
    credo_owner_kind kind = credo_account_owner(snapshot, policy, assignment, account, ownership->date[deal], &owner);
    return kind == CREDO_OWNER_SINGLE || kind == CREDO_OWNER_NAMED ? owner : NULL;
}

/* Territory status of a deal for a new owner on its ownership date. */
static uint8_t status_for_owner(const credo_snapshot *snapshot, const credo_policy *policy,
                                const credo_assignment *assignment, const credo_ownership *ownership,
                                uint32_t deal, const char *owner)
{
    uint32_t account = snapshot->deals.account_row[deal];
    if (owner == NULL)
        return CREDO_DEAL_UNOWNED;
    if (account == CREDO_NO_ROW)
        return CREDO_DEAL_NO_ACCOUNT;
    switch ((credo_account_status)assignment->status[account]) {
    case CREDO_ACCOUNT_GAP: return CREDO_DEAL_ACCOUNT_GAP;
    case CREDO_ACCOUNT_OVERLAP: return CREDO_DEAL_ACCOUNT_OVERLAP;
    case CREDO_ACCOUNT_ASSIGNED: break;
    }
    return credo_is_selling_member(policy, ownership->territory[deal], owner, ownership->date[deal])
               ? CREDO_DEAL_IN_TERRITORY
               : CREDO_DEAL_OUT_OF_TERRITORY;
}

/* State shared by the per-deal rules. */
typedef struct engage_run {
    const credo_snapshot *snapshot;
    const credo_policy *policy;
    const credo_assignment *assignment;
    credo_ownership *ownership;
    credo_date as_of;
    credo_engagement *engagement;
    const bool *covered;
} engage_run;

static void set_owner(const engage_run *run, uint32_t deal, const char *owner, credo_engagement_rule rule)
{
    credo_ownership *ownership = run->ownership;
    run->engagement->rule[deal] = (uint8_t)rule;
    if (owner == NULL || (ownership->owner[deal] != NULL && strcmp(ownership->owner[deal], owner) == 0))
        return;
    ownership->owner[deal] = owner;
    ownership->owner_from_account[deal] = false;
    ownership->status[deal] = status_for_owner(run->snapshot, run->policy, run->assignment, ownership, deal, owner);
}

static void apply_partner(const engage_run *run, uint32_t deal)
{
    const credo_partner_policy *partner = &run->policy->engagement->partner;
    credo_engagement *engagement = run->engagement;
    const char *registrant = engage_registrant(run->snapshot, engagement, deal);
    const char *sourcer = registrant != NULL ? registrant : engagement->recorded[deal];
    engagement->sourcer[deal] = sourcer;

    if (partner->owner == CREDO_PARTNER_OWNER_TERRITORY_OWNER) {
        const char *owner = single_owner(run->snapshot, run->policy, run->assignment, run->ownership, deal);
        set_owner(run, deal, owner != NULL ? owner : sourcer, CREDO_ENGAGE_PARTNER);
    } else {
        set_owner(run, deal, sourcer, CREDO_ENGAGE_PARTNER);
    }
}

static void apply_rules(const engage_run *run, uint32_t deal)
{
    const credo_engagement_policy *rules = run->policy->engagement;
    credo_engagement *engagement = run->engagement;
    engagement->recorded[deal] = run->ownership->owner[deal];
    engagement->partner_sourced[deal] = rules != NULL && is_partner_sourced(run->snapshot, rules, engagement, deal);
    if (rules == NULL)
        return;

    /* Protection wins, except where the partner rule gives partner-sourced
     * deals to the territory; the registrant then gets the sourcing share. */
    bool partner_to_territory = engagement->partner_sourced[deal] &&
                                rules->partner.owner == CREDO_PARTNER_OWNER_TERRITORY_OWNER;
    if (run->covered[deal] && !partner_to_territory) {
        const char *registrant = engage_registrant(run->snapshot, engagement, deal);
        if (engagement->partner_sourced[deal])
            engagement->sourcer[deal] = registrant;
        set_owner(run, deal, registrant, CREDO_ENGAGE_PROTECTED);
    } else if (engagement->partner_sourced[deal]) {
        apply_partner(run, deal);
    } else if (run->ownership->status[deal] == CREDO_DEAL_OUT_OF_TERRITORY &&
               rules->out_of_territory == CREDO_OUT_OF_TERRITORY_TERRITORY_OWNER) {
        const char *owner = single_owner(run->snapshot, run->policy, run->assignment, run->ownership, deal);
        if (owner != NULL)
            set_owner(run, deal, owner, CREDO_ENGAGE_OUT_OF_TERRITORY);
    } else if (rules->holdover.enabled) {
        engage_holdover(run->snapshot, run->policy, run->assignment, run->ownership, run->as_of, engagement, deal);
    }
}

credo_status credo_engage(const credo_snapshot *snapshot, const credo_policy *policy,
                          const credo_assignment *assignment, credo_ownership *ownership,
                          credo_date as_of, const credo_conflict_decision *decisions,
                          size_t decision_count, credo_engagement **out, credo_error *err)
{
    credo_engagement *engagement = engagement_new(snapshot);
    bool *covered = calloc(snapshot->deals.count == 0 ? 1 : snapshot->deals.count, sizeof *covered);
    engage_deal_index index = {NULL, NULL};
    credo_status status = CREDO_OK;
    if (engagement == NULL || covered == NULL)
        status = credo_error_set(err, CREDO_ERR_NOMEM, "out of memory applying the rules of engagement");
    if (status == CREDO_OK)
        status = engage_index_deals(snapshot, &index, err);
    if (status == CREDO_OK)
        status = engage_claims(snapshot, policy, assignment, &index, decisions, decision_count, engagement, err);
    if (status == CREDO_OK) {
        find_registrants(snapshot, &index, engagement, covered);
        const engage_run run = {snapshot, policy, assignment, ownership, as_of, engagement, covered};
        for (uint32_t deal = 0; deal < snapshot->deals.count; deal++)
            apply_rules(&run, deal);
        ownership->engagement = engagement;
        *out = engagement;
    } else {
        credo_engagement_free(engagement);
    }
    engage_deal_index_free(&index);
    free(covered);
    return status;
}

const char *credo_claim_status_name(credo_claim_status status)
{
    switch (status) {
    case CREDO_CLAIM_PROTECTED: return "protected";
    case CREDO_CLAIM_UNPROTECTED: return "unprotected";
    case CREDO_CLAIM_DUPLICATE: return "duplicate";
    case CREDO_CLAIM_CONFLICT: return "conflict";
    case CREDO_CLAIM_AWARDED: return "awarded";
    case CREDO_CLAIM_REJECTED: return "rejected";
    case CREDO_CLAIM_INVALID: return "invalid";
    }
    return "unknown";
}

const char *credo_engagement_rule_name(credo_engagement_rule rule)
{
    switch (rule) {
    case CREDO_ENGAGE_NONE: return "none";
    case CREDO_ENGAGE_PROTECTED: return "protected";
    case CREDO_ENGAGE_PARTNER: return "partner";
    case CREDO_ENGAGE_HOLDOVER_MOVED: return "holdover_moved";
    case CREDO_ENGAGE_HOLDOVER_KEPT: return "holdover_kept";
    case CREDO_ENGAGE_OUT_OF_TERRITORY: return "out_of_territory";
    }
    return "unknown";
}
