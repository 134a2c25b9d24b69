/* Registrations: protection, duplicates, the conflict queue and the
 * decisions that settle it. Claims on one account are taken in order of
 * date, then registration id, so the first to register wins whatever the
 * order of the input. */
#include "engage_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"

/* State of one evaluation of all claims. */
typedef struct claim_context {
    const credo_snapshot *snapshot;
    const credo_policy *policy;
    const credo_assignment *assignment;
    const credo_registration_policy *rules; /* NULL without a registration section */
    const credo_conflict_decision *decisions;
    size_t decision_count;
    const engage_deal_index *deals;
    credo_engagement *engagement;
} claim_context;

size_t engage_account_owners(const credo_snapshot *snapshot, const credo_policy *policy,
                             const credo_assignment *assignment, uint32_t account, credo_date date,
                             const char **owners, size_t max)
{
    const char *owner = NULL;
    credo_owner_kind kind = credo_account_owner(snapshot, policy, assignment, account, date, &owner);
    if (kind == CREDO_OWNER_SINGLE || kind == CREDO_OWNER_NAMED) {
        owners[0] = owner;
        return 1;
    }
    if (kind != CREDO_OWNER_POOLED)
        return 0;

    /* A pool: every distinct selling member on the date. */
    const credo_policy_territory *t = &policy->territories[assignment->territory[account]];
    size_t count = 0;
    for (size_t m = 0; m < t->member_count && count < max; m++) {
        const credo_policy_member *member = &t->members[m];
        if (!credo_is_selling_member(policy, assignment->territory[account], member->rep_id, date))
            continue;
        bool seen = false;
        for (size_t i = 0; i < count && !seen; i++)
            seen = strcmp(owners[i], member->rep_id) == 0;
        if (!seen)
            owners[count++] = member->rep_id;
    }
    return count;
}

credo_status engage_index_deals(const credo_snapshot *snapshot, engage_deal_index *out, credo_error *err)
{
    size_t accounts = snapshot->accounts.count, deals = snapshot->deals.count;
    out->start = calloc(accounts + 2, sizeof *out->start);
    out->rows = malloc((deals == 0 ? 1 : deals) * sizeof *out->rows);
    if (out->start == NULL || out->rows == NULL) {
        engage_deal_index_free(out);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory grouping %zu deals by account", deals);
    }

    /* Counting sort by account row; deals without an account go nowhere. */
    for (size_t d = 0; d < deals; d++)
        if (snapshot->deals.account_row[d] != CREDO_NO_ROW)
            out->start[snapshot->deals.account_row[d] + 2]++;
    for (size_t a = 2; a < accounts + 2; a++)
        out->start[a] += out->start[a - 1];
    for (uint32_t d = 0; d < deals; d++) {
        uint32_t account = snapshot->deals.account_row[d];
        if (account != CREDO_NO_ROW)
            out->rows[out->start[account + 1]++] = d;
    }
    return CREDO_OK;
}

void engage_deal_index_free(engage_deal_index *index)
{
    free(index->start);
    free(index->rows);
    index->start = index->rows = NULL;
}

credo_date engage_deal_date(const credo_deals *deals, uint32_t deal)
{
    return deals->created[deal] != CREDO_DATE_NONE ? deals->created[deal] : deals->close_date[deal];
}

static bool contains_rep(const char *const *reps, size_t count, const char *rep)
{
    for (size_t i = 0; rep != NULL && i < count; i++)
        if (strcmp(reps[i], rep) == 0)
            return true;
    return false;
}

size_t engage_first_activity(const credo_snapshot *snapshot, credo_str account)
{
    size_t low = 0, high = snapshot->activities.count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (credo_strpool_compare(snapshot->strings, snapshot->activities.account_id[middle], account) < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

/* Looks for an owner's activity on the account in [from, to]; appends the
 * evidence to `evidence` and returns true when found. */
static bool owner_activity(const claim_context *context, uint32_t account, const char *const *owners,
                           size_t owner_count, credo_date from, credo_date to, credo_buf *evidence)
{
    const credo_snapshot *snapshot = context->snapshot;
    const credo_activities *activities = &snapshot->activities;
    credo_str account_id = snapshot->accounts.id[account];
    for (size_t i = engage_first_activity(snapshot, account_id);
         i < activities->count && activities->account_id[i] == account_id; i++) {
        const char *rep = credo_snapshot_text(snapshot, activities->rep_id[i]);
        if (activities->date[i] < from || activities->date[i] > to || !contains_rep(owners, owner_count, rep))
            continue;
        char day[16];
        const char *type = credo_snapshot_text(snapshot, activities->type[i]);
        credo_buf_printf(evidence, "owner %s logged a%s %s on %s", rep, type == NULL ? "n" : "",
                         type == NULL ? "activity" : type, credo_format_date(activities->date[i], day));
        return true;
    }
    return false;
}

/* Looks for a deal of an owner on the account that was open at some time
 * in [from, to]. A deal without a recorded owner counts as the owners'. */
static bool owner_open_deal(const claim_context *context, uint32_t account, const char *const *owners,
                            size_t owner_count, credo_date from, credo_date to, credo_buf *evidence)
{
    const credo_snapshot *snapshot = context->snapshot;
    const credo_deals *deals = &snapshot->deals;
    for (uint32_t i = context->deals->start[account]; i < context->deals->start[account + 1]; i++) {
        uint32_t deal = context->deals->rows[i];
        const char *recorded = credo_snapshot_text(snapshot, deals->owner_id[deal]);
        credo_date opened = engage_deal_date(deals, deal);
        if (recorded != NULL && !contains_rep(owners, owner_count, recorded))
            continue;
        if (opened == CREDO_DATE_NONE || opened > to)
            continue;
        bool open_then = deals->status[deal] == CREDO_DEAL_OPEN ||
                         (deals->close_date[deal] != CREDO_DATE_NONE && deals->close_date[deal] >= from);
        if (!open_then)
            continue;
        credo_buf_printf(evidence, "owner %s had deal %s open on the account",
                         recorded != NULL ? recorded : owners[0], credo_snapshot_text(snapshot, deals->id[deal]));
        return true;
    }
    return false;
}

static void list_reps(const char *const *reps, size_t count, credo_buf *out)
{
    for (size_t i = 0; i < count; i++)
        credo_buf_printf(out, "%s%s", i == 0 ? "" : ", ", reps[i]);
}

/* Whether no owner worked the account within the look-back that ends on
 * date; writes the evidence or its absence to reason. */
static bool owners_inactive(const claim_context *context, uint32_t account, const char *const *owners,
                            size_t owner_count, credo_date date, credo_buf *reason)
{
    char day[16], since[16];
    credo_date from = date - (context->rules->inactive_days - 1);
    credo_format_date(date, day);
    credo_format_date(from, since);

    credo_buf evidence = CREDO_BUF_INIT;
    bool active = owner_activity(context, account, owners, owner_count, from, date, &evidence) ||
                  owner_open_deal(context, account, owners, owner_count, from, date, &evidence);
    if (active) {
        credo_buf_printf(reason, "the account's owner is active: %s between %s and %s", credo_buf_text(&evidence),
                         since, day);
    } else {
        credo_buf_puts(reason, "owner ");
        list_reps(owners, owner_count, reason);
        credo_buf_printf(reason, " had no activity and no open deal on the account from %s to %s", since, day);
    }
    credo_buf_free(&evidence);
    return !active;
}

/* Decides whether protection applies to a claim that no earlier claim
 * holds, and writes the reason. */
static bool protection_applies(const claim_context *context, uint32_t registration, credo_buf *reason)
{
    const credo_snapshot *snapshot = context->snapshot;
    const credo_registrations *registrations = &snapshot->registrations;
    const credo_registration_policy *rules = context->rules;
    uint32_t account = registrations->account_row[registration];
    credo_date date = registrations->date[registration];
    const char *rep = credo_snapshot_text(snapshot, registrations->rep_id[registration]);
    char day[16];
    credo_format_date(date, day);

    if (rules == NULL) {
        credo_buf_puts(reason, "the policy has no registration rules, so no claim is protected");
        return false;
    }
    const char *owners[ENGAGE_MAX_OWNERS];
    size_t owner_count = engage_account_owners(snapshot, context->policy, context->assignment, account, date,
                                               owners, ENGAGE_MAX_OWNERS);
    if (owner_count == 0) {
        bool applies = (rules->applies_when & CREDO_PROTECT_UNASSIGNED) != 0;
        credo_buf_printf(reason, "the account had no owner on %s%s", day,
                         applies ? "" : ", but the policy protects only accounts whose owner is inactive");
        return applies;
    }
    if (contains_rep(owners, owner_count, rep)) {
        credo_buf_printf(reason, "%s owns the account on %s, so the claim needs no protection", rep, day);
        return false;
    }
    if (!(rules->applies_when & CREDO_PROTECT_OWNER_INACTIVE)) {
        credo_buf_puts(reason, "the account is owned by ");
        list_reps(owners, owner_count, reason);
        credo_buf_puts(reason, ", and the policy protects only unassigned accounts");
        return false;
    }
    return owners_inactive(context, account, owners, owner_count, date, reason);
}

static char *take_text(credo_buf *buf, bool *failed)
{
    char *text = strdup(credo_buf_text(buf));
    *failed = *failed || text == NULL || credo_buf_failed(buf);
    credo_buf_reset(buf);
    return text;
}

static void set_reason(credo_claim *claim, credo_buf *buf, bool *failed)
{
    free(claim->reason);
    claim->reason = take_text(buf, failed);
}

static char *claim_key(const credo_snapshot *snapshot, uint32_t registration, bool *failed)
{
    const credo_registrations *registrations = &snapshot->registrations;
    const char *product = credo_snapshot_text(snapshot, registrations->product[registration]);
    const char *rep = credo_snapshot_text(snapshot, registrations->rep_id[registration]);
    const char *account = credo_snapshot_text(snapshot, registrations->account_id[registration]);
    char day[16];
    credo_buf key = CREDO_BUF_INIT;
    credo_buf_printf(&key, "account:%s|product:%s|rep:%s|date:%s", account != NULL ? account : "",
                     product != NULL ? product : "*", rep != NULL ? rep : "",
                     credo_format_date(registrations->date[registration], day));
    char *text = take_text(&key, failed);
    credo_buf_free(&key);
    return text;
}

/* Registrations overlap when they name one account and either names no
 * product or both name the same one. */
static bool products_overlap(const credo_registrations *registrations, uint32_t a, uint32_t b)
{
    credo_str pa = registrations->product[a], pb = registrations->product[b];
    return pa == CREDO_STR_NONE || pb == CREDO_STR_NONE || pa == pb;
}

static bool holds_window(const credo_claim *claim)
{
    return claim->status == CREDO_CLAIM_PROTECTED || claim->status == CREDO_CLAIM_AWARDED;
}

/* The earliest protected claim among rows[0 .. count) whose window covers
 * the registration's date and whose product overlaps it. */
static uint32_t find_holder(const claim_context *context, const uint32_t *rows, size_t count,
                            uint32_t registration)
{
    const credo_registrations *registrations = &context->snapshot->registrations;
    credo_date date = registrations->date[registration];
    for (size_t i = 0; i < count; i++) {
        const credo_claim *claim = &context->engagement->claims[rows[i]];
        if (!holds_window(claim))
            continue;
        if (registrations->date[rows[i]] <= date && date <= claim->protected_until &&
            products_overlap(registrations, rows[i], registration))
            return rows[i];
    }
    return CREDO_NO_ROW;
}

static const credo_conflict_decision *find_decision(const claim_context *context, const char *key)
{
    for (size_t i = 0; key != NULL && i < context->decision_count; i++)
        if (strcmp(context->decisions[i].key, key) == 0)
            return &context->decisions[i];
    return NULL;
}

static void protect(const claim_context *context, uint32_t registration, credo_claim *claim)
{
    claim->protected_until = context->snapshot->registrations.date[registration] + context->rules->protection_days - 1;
}

static void describe_holder(const claim_context *context, uint32_t holder, credo_buf *out)
{
    const credo_snapshot *snapshot = context->snapshot;
    const credo_registrations *registrations = &snapshot->registrations;
    const credo_claim *held = &context->engagement->claims[holder];
    char since[16], until[16];
    credo_buf_printf(out, "registration %s by %s on %s protects the account",
                     credo_snapshot_text(snapshot, registrations->id[holder]),
                     credo_snapshot_text(snapshot, registrations->rep_id[holder]),
                     credo_format_date(registrations->date[holder], since));
    const char *product = credo_snapshot_text(snapshot, registrations->product[holder]);
    if (product != NULL)
        credo_buf_printf(out, " for product %s", product);
    credo_buf_printf(out, " through %s", credo_format_date(held->protected_until, until));
}

/* Writes the state after a decision awarded the claim: who decided and
 * why, the claim's own window and the day the holder's window now ends. */
static void describe_award(const claim_context *context, uint32_t registration, uint32_t holder, credo_buf *out)
{
    const credo_snapshot *snapshot = context->snapshot;
    const credo_registrations *registrations = &snapshot->registrations;
    const credo_claim *claim = &context->engagement->claims[registration];
    const credo_conflict_decision *decision = claim->decision;
    const char *rep = credo_snapshot_text(snapshot, registrations->rep_id[registration]);
    const char *product = credo_snapshot_text(snapshot, registrations->product[registration]);
    char since[16], until[16], held_since[16], held_until[16];
    credo_buf_printf(out, "%s decided for %s: %s; %s's claim protects the account", decision->decider, rep,
                     decision->reason != NULL ? decision->reason : "no reason given", rep);
    if (product != NULL)
        credo_buf_printf(out, " for product %s", product);
    credo_buf_printf(out, " from %s through %s, and the window of registration %s by %s from %s now ends on %s",
                     credo_format_date(registrations->date[registration], since),
                     credo_format_date(claim->protected_until, until),
                     credo_snapshot_text(snapshot, registrations->id[holder]),
                     credo_snapshot_text(snapshot, registrations->rep_id[holder]),
                     credo_format_date(registrations->date[holder], held_since),
                     credo_format_date(context->engagement->claims[holder].protected_until, held_until));
}

/* Gives the claim, whose decision names its rep, its own window from its
 * date, and ends the holder's window the day before. */
static void award_claim(const claim_context *context, uint32_t registration, uint32_t holder, credo_buf *reason,
                        bool *failed)
{
    const credo_snapshot *snapshot = context->snapshot;
    credo_claim *claim = &context->engagement->claims[registration];
    credo_claim *held = &context->engagement->claims[holder];
    const char *rep = credo_snapshot_text(snapshot, snapshot->registrations.rep_id[registration]);
    claim->status = CREDO_CLAIM_AWARDED;
    protect(context, registration, claim);
    held->protected_until = snapshot->registrations.date[registration] - 1;
    describe_award(context, registration, holder, reason);

    char until[16];
    credo_buf held_reason = CREDO_BUF_INIT;
    credo_buf_printf(&held_reason, "%s; its protection ends on %s because a decision awarded the account to "
                                   "%s's later claim", held->reason, credo_format_date(held->protected_until, until), rep);
    set_reason(held, &held_reason, failed);
    credo_buf_free(&held_reason);
}

/* Settles a claim that overlaps the window of an earlier claim by another
 * rep: the queue, or the stored decision. */
static void settle_conflict(const claim_context *context, uint32_t registration, uint32_t holder, credo_buf *reason,
                            bool *failed)
{
    const credo_snapshot *snapshot = context->snapshot;
    credo_claim *claim = &context->engagement->claims[registration];
    const char *rep = credo_snapshot_text(snapshot, snapshot->registrations.rep_id[registration]);
    const char *holder_rep = credo_snapshot_text(snapshot, snapshot->registrations.rep_id[holder]);
    const credo_conflict_decision *decision = find_decision(context, claim->key);
    const char *winner = decision == NULL ? NULL
                         : strcmp(decision->decision, "accept") == 0 ? rep
                         : strcmp(decision->decision, "award") == 0  ? decision->winner_rep_id
                                                                     : holder_rep;
    claim->holder = holder;
    claim->decision = decision;

    if (decision != NULL && winner != NULL && strcmp(winner, rep) == 0) {
        award_claim(context, registration, holder, reason, failed);
        return;
    }
    describe_holder(context, holder, reason);
    if (decision != NULL && winner != NULL && strcmp(winner, holder_rep) == 0) {
        claim->status = CREDO_CLAIM_REJECTED;
        credo_buf_printf(reason, "; %s decided for %s: %s", decision->decider, holder_rep,
                         decision->reason != NULL ? decision->reason : "no reason given");
    } else {
        claim->status = CREDO_CLAIM_CONFLICT;
        context->engagement->conflicts++;
        if (decision != NULL)
            credo_buf_printf(reason, "; the stored decision names %s, who is neither claimant, so the claim still "
                                     "waits in the conflict queue; decide it again", winner != NULL ? winner : "nobody");
        else
            credo_buf_printf(reason, "; the claim by %s waits in the conflict queue under key %s", rep, claim->key);
    }
}

static void evaluate_claim(const claim_context *context, const uint32_t *earlier, size_t earlier_count,
                           uint32_t registration, bool *failed)
{
    const credo_snapshot *snapshot = context->snapshot;
    credo_claim *claim = &context->engagement->claims[registration];
    credo_buf reason = CREDO_BUF_INIT;
    uint32_t holder = find_holder(context, earlier, earlier_count, registration);

    if (holder != CREDO_NO_ROW &&
        snapshot->registrations.rep_id[holder] == snapshot->registrations.rep_id[registration]) {
        claim->status = CREDO_CLAIM_DUPLICATE;
        claim->holder = holder;
        describe_holder(context, holder, &reason);
        credo_buf_puts(&reason, " for the same rep; this claim adds no protection");
    } else if (holder != CREDO_NO_ROW) {
        settle_conflict(context, registration, holder, &reason, failed);
    } else if (protection_applies(context, registration, &reason)) {
        claim->status = CREDO_CLAIM_PROTECTED;
        protect(context, registration, claim);
        char until[16];
        credo_buf_printf(&reason, "; protected through %s", credo_format_date(claim->protected_until, until));
    } else {
        claim->status = CREDO_CLAIM_UNPROTECTED;
    }
    set_reason(claim, &reason, failed);
    credo_buf_free(&reason);
}

static const char *invalid_reason(const credo_registrations *registrations, uint32_t row)
{
    if (registrations->rep_id[row] == CREDO_STR_NONE)
        return "the registration names no rep";
    if (registrations->account_row[row] == CREDO_NO_ROW)
        return "the registration names no known account";
    if (registrations->date[row] == CREDO_DATE_NONE)
        return "the registration has no date";
    return NULL;
}

/* Sort key of a valid claim: account row, date, then registration row
 * (which is id order). */
typedef struct claim_order {
    uint32_t account;
    credo_date date;
    uint32_t row;
} claim_order;

static int compare_claims(const void *a, const void *b)
{
    const claim_order *x = a, *y = b;
    if (x->account != y->account)
        return x->account < y->account ? -1 : 1;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* Evaluates the claims of one account, which rows lists in order. */
static void evaluate_account(const claim_context *context, uint32_t *rows, size_t count, bool *failed)
{
    for (size_t i = 0; i < count; i++)
        evaluate_claim(context, rows, i, rows[i], failed);
}

/* Marks invalid claims, keys every claim and returns the valid ones
 * sorted; *count receives their number. */
static claim_order *order_claims(const claim_context *context, size_t *count, bool *failed)
{
    const credo_registrations *registrations = &context->snapshot->registrations;
    claim_order *order = malloc((registrations->count == 0 ? 1 : registrations->count) * sizeof *order);
    *count = 0;
    if (order == NULL) {
        *failed = true;
        return NULL;
    }
    for (uint32_t row = 0; row < registrations->count; row++) {
        credo_claim *claim = &context->engagement->claims[row];
        claim->holder = CREDO_NO_ROW;
        claim->protected_until = CREDO_DATE_NONE;
        const char *invalid = invalid_reason(registrations, row);
        if (invalid != NULL) {
            claim->status = CREDO_CLAIM_INVALID;
            claim->reason = strdup(invalid);
            *failed = *failed || claim->reason == NULL;
            continue;
        }
        claim->key = claim_key(context->snapshot, row, failed);
        order[(*count)++] = (claim_order){registrations->account_row[row], registrations->date[row], row};
    }
    qsort(order, *count, sizeof *order, compare_claims);
    return order;
}

credo_status engage_claims(const credo_snapshot *snapshot, const credo_policy *policy,
                           const credo_assignment *assignment, const engage_deal_index *deals,
                           const credo_conflict_decision *decisions, size_t decision_count,
                           credo_engagement *engagement, credo_error *err)
{
    const credo_engagement_policy *rules = policy->engagement;
    claim_context context = {
        snapshot, policy, assignment,
        rules != NULL && rules->registration.enabled ? &rules->registration : NULL,
        decisions, decision_count, deals, engagement,
    };
    bool failed = false;
    size_t count = 0;
    claim_order *order = order_claims(&context, &count, &failed);
    uint32_t *rows = malloc((count == 0 ? 1 : count) * sizeof *rows);
    failed = failed || rows == NULL;

    /* One account's claims at a time, in date order. */
    for (size_t first = 0, end = 0; !failed && first < count; first = end) {
        for (end = first; end < count && order[end].account == order[first].account; end++)
            rows[end - first] = order[end].row;
        evaluate_account(&context, rows, end - first, &failed);
    }
    free(rows);
    free(order);
    if (failed)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory evaluating %zu registrations",
                               snapshot->registrations.count);
    return CREDO_OK;
}

bool engage_claim_covers(const credo_snapshot *snapshot, const credo_engagement *engagement,
                         uint32_t registration, uint32_t deal)
{
    const credo_registrations *registrations = &snapshot->registrations;
    const credo_deals *deals = &snapshot->deals;
    const credo_claim *claim = &engagement->claims[registration];
    if (!holds_window(claim) || claim->protected_until < registrations->date[registration])
        return false;
    if (registrations->deal_id[registration] != CREDO_STR_NONE &&
        registrations->deal_id[registration] == deals->id[deal])
        return true;
    if (deals->account_row[deal] != registrations->account_row[registration])
        return false;
    credo_str product = registrations->product[registration];
    if (product != CREDO_STR_NONE && deals->product[deal] != product)
        return false;
    credo_date logged = engage_deal_date(deals, deal);
    return logged != CREDO_DATE_NONE && registrations->date[registration] <= logged &&
           logged <= claim->protected_until;
}
