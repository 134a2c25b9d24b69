/* Explanations of the rules of engagement: claim outcomes, the conflict
 * queue, partner sourcing and holdover, as plain text. */
#include "engage_internal.h"

#include "credo/parse.h"

static const char *text_or(const credo_snapshot *snapshot, credo_str id, const char *fallback)
{
    const char *text = credo_snapshot_text(snapshot, id);
    return text == NULL ? fallback : text;
}

void credo_explain_claim(const credo_snapshot *snapshot, const credo_engagement *engagement,
                         uint32_t registration, credo_buf *out)
{
    const credo_registrations *registrations = &snapshot->registrations;
    const credo_claim *claim = &engagement->claims[registration];
    char day[16];
    credo_buf_printf(out, "registration %s by %s on %s, product %s, source %s: %s: %s",
                     text_or(snapshot, registrations->id[registration], "?"),
                     text_or(snapshot, registrations->rep_id[registration], "(none)"),
                     credo_format_date(registrations->date[registration], day),
                     text_or(snapshot, registrations->product[registration], "(any)"),
                     text_or(snapshot, registrations->source[registration], "(none)"),
                     credo_claim_status_name(claim->status), claim->reason != NULL ? claim->reason : "");
}

static void describe_claims(const credo_snapshot *snapshot, const credo_engagement *engagement, uint32_t account,
                            credo_buf *out)
{
    const credo_registrations *registrations = &snapshot->registrations;
    size_t listed = 0;
    for (uint32_t r = 0; r < registrations->count; r++) {
        if (registrations->account_row[r] != account)
            continue;
        credo_buf_puts(out, listed++ == 0 ? "  registrations on the account:\n" : "");
        credo_buf_puts(out, "    ");
        credo_explain_claim(snapshot, engagement, r, out);
        credo_buf_puts(out, "\n");
    }
    if (listed == 0)
        credo_buf_puts(out, "  registrations on the account: none\n");
}

static void describe_registrant(const credo_snapshot *snapshot, const credo_engagement *engagement, uint32_t deal,
                                credo_buf *out)
{
    uint32_t registration = engagement->claim[deal];
    if (registration == CREDO_NO_ROW) {
        credo_buf_puts(out, "  registrant: none (no registration covers or names the deal)\n");
        return;
    }
    const credo_claim *claim = &engagement->claims[registration];
    bool covers = engage_claim_covers(snapshot, engagement, registration, deal);
    char until[16];
    credo_buf_printf(out, "  registrant: %s, by registration %s, which %s\n",
                     text_or(snapshot, snapshot->registrations.rep_id[registration], "?"),
                     text_or(snapshot, snapshot->registrations.id[registration], "?"),
                     covers ? "covers the deal" : "names the deal but does not protect it");
    if (covers)
        credo_buf_printf(out, "  protection: the deal was logged within the window that ends %s, so the "
                              "registrant owns it whatever happens to the account later\n",
                         credo_format_date(claim->protected_until, until));
}

static void describe_holdover(const credo_snapshot *snapshot, const credo_policy *policy,
                              const credo_engagement *engagement, uint32_t deal, credo_buf *out)
{
    const credo_holdover_policy *holdover = &policy->engagement->holdover;
    char day[16];
    const char *stage = credo_snapshot_text(snapshot, engagement->stage_then[deal]);
    credo_buf_printf(out, "  holdover: %s left the account's territory on %s; the deal's stage that day was %s",
                     engagement->recorded[deal], credo_format_date(engagement->realigned[deal], day),
                     stage != NULL ? stage : "unknown");
    if (engagement->rule[deal] == CREDO_ENGAGE_HOLDOVER_MOVED)
        credo_buf_printf(out, ", before %s, so the deal followed the account to its new owner\n",
                         holdover->stages[holdover->keep_from]);
    else if (stage == NULL)
        credo_buf_puts(out, ", so the deal stays with its rep (the stage is unknown)\n");
    else
        credo_buf_printf(out, ", so the deal stays with its rep (at or past %s, not in the stage list, or "
                              "the account has no single owner to follow)\n",
                         holdover->stages[holdover->keep_from]);
}

void credo_explain_engagement(const credo_snapshot *snapshot, const credo_policy *policy,
                              const credo_engagement *engagement, uint32_t deal, credo_buf *out)
{
    if (engagement == NULL)
        return;
    credo_buf_puts(out, "rules of engagement:\n");
    uint32_t account = snapshot->deals.account_row[deal];
    if (account != CREDO_NO_ROW)
        describe_claims(snapshot, engagement, account, out);
    describe_registrant(snapshot, engagement, deal, out);

    credo_engagement_rule rule = engagement->rule[deal];
    if (engagement->partner_sourced[deal]) {
        const credo_partner_policy *partner = &policy->engagement->partner;
        char share[32];
        credo_buf_printf(out, "  partner-sourced: sourcing rep %s, sourcing share %s%%; the partner rule gives the "
                              "deal to the %s\n",
                         engagement->sourcer[deal] != NULL ? engagement->sourcer[deal] : "(none)",
                         credo_format_decimal(partner->sourcing_share, 2, share),
                         partner->owner == CREDO_PARTNER_OWNER_REGISTRANT ? "registrant (else its recorded owner)"
                                                                           : "account's owner (else the sourcing rep)");
    }
    if (rule == CREDO_ENGAGE_OUT_OF_TERRITORY)
        credo_buf_printf(out, "  out of territory: the policy gives the deal of %s to the account's owner\n",
                         engagement->recorded[deal] != NULL ? engagement->recorded[deal] : "(nobody)");
    if (rule == CREDO_ENGAGE_HOLDOVER_MOVED || rule == CREDO_ENGAGE_HOLDOVER_KEPT)
        describe_holdover(snapshot, policy, engagement, deal, out);
    credo_buf_printf(out, "  engagement decision: %s", credo_engagement_rule_name(rule));
    const char *before = engagement->recorded[deal];
    credo_buf_printf(out, "; owner before these rules: %s\n", before != NULL ? before : "(none)");
}
