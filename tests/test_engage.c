/* Tests of the rules of engagement: the engagement section of the policy
 * (values and errors), and scenarios of registration protection, the
 * conflict queue and its decisions, partner deals, out-of-territory deals
 * and holdover, each with owners worked out by hand. */
#include "data/engage/fixture.h"

/* ---- Policy: the engagement section ----------------------------------- */

#define POLICY_HEAD                                                                                      \
    "credo_policy: 1\n"                                                                                  \
    "roles:\n"                                                                                           \
    "  - {id: sales_rep, selling: true}\n"                                                               \
    "types:\n"                                                                                           \
    "  - {id: region, priority: 10}\n"                                                                   \
    "territories:\n"                                                                                     \
    "  - id: west\n"                                                                                     \
    "    type: region\n"                                                                                 \
    "    match: region = \"US-WA\"\n"                                                                    \
    "    members:\n"                                                                                     \
    "      - {rep: kim, role: sales_rep, from: 2024-02-01}\n"

static void policy_reads_engagement(void **state)
{
    (void)state;
    credo_policy *policy = fx_policy(POLICY_HEAD
                                     "engagement:\n"
                                     "  registration:\n"
                                     "    protection_days: 90\n"
                                     "    applies_when: [unassigned]\n"
                                     "    inactive_days: 30\n"
                                     "  partner:\n"
                                     "    sources: [partner, referral]\n"
                                     "    owner: territory_owner\n"
                                     "    sourcing_share: 12.5%\n"
                                     "  holdover:\n"
                                     "    stages: [Prospecting, Qualification, Proposal]\n"
                                     "    keep_from: Qualification\n"
                                     "  out_of_territory: territory_owner\n");
    const credo_engagement_policy *engagement = policy->engagement;
    assert_non_null(engagement);
    assert_true(engagement->registration.enabled);
    assert_int_equal(engagement->registration.protection_days, 90);
    assert_int_equal(engagement->registration.applies_when, CREDO_PROTECT_UNASSIGNED);
    assert_int_equal(engagement->registration.inactive_days, 30);
    assert_int_equal(engagement->partner.source_count, 2);
    assert_string_equal(engagement->partner.sources[1], "referral");
    assert_int_equal(engagement->partner.owner, CREDO_PARTNER_OWNER_TERRITORY_OWNER);
    assert_int_equal(engagement->partner.sourcing_share, 1250);
    assert_int_equal(engagement->holdover.stage_count, 3);
    assert_int_equal(engagement->holdover.keep_from, 1);
    assert_int_equal(engagement->out_of_territory, CREDO_OUT_OF_TERRITORY_TERRITORY_OWNER);
    credo_policy_free(policy);
}

static void policy_engagement_defaults(void **state)
{
    (void)state;
    credo_policy *policy = fx_policy(POLICY_HEAD "engagement:\n"
                                                 "  registration: {protection_days: 30}\n"
                                                 "  partner: {}\n");
    const credo_engagement_policy *engagement = policy->engagement;
    assert_int_equal(engagement->registration.applies_when, CREDO_PROTECT_UNASSIGNED | CREDO_PROTECT_OWNER_INACTIVE);
    assert_int_equal(engagement->registration.inactive_days, 90);
    assert_true(engagement->partner.enabled);
    assert_int_equal(engagement->partner.source_count, 1);
    assert_string_equal(engagement->partner.sources[0], "partner");
    assert_int_equal(engagement->partner.owner, CREDO_PARTNER_OWNER_REGISTRANT);
    assert_int_equal(engagement->partner.sourcing_share, 0);
    assert_false(engagement->holdover.enabled);
    assert_int_equal(engagement->out_of_territory, CREDO_OUT_OF_TERRITORY_RECORDED);
    credo_policy_free(policy);
}

static void policy_without_sections(void **state)
{
    (void)state;
    credo_policy *policy = fx_policy(POLICY_HEAD);
    assert_null(policy->engagement);
    assert_null(policy->credit);
    credo_policy_free(policy);
}

static void policy_rejects_unknown_key(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(POLICY_HEAD "engagement:\n  registraton: {protection_days: 30}\n");
    fx_assert_contains(err.message, "policy.yaml:13:3:");
    fx_assert_contains(err.message, "did you mean 'registration'");
}

static void policy_rejects_missing_days(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(POLICY_HEAD "engagement:\n  registration: {inactive_days: 30}\n");
    fx_assert_contains(err.message, "policy.yaml:13:17:");
    fx_assert_contains(err.message, "no protection_days");
}

static void policy_rejects_zero_days(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(POLICY_HEAD "engagement:\n  registration: {protection_days: 0}\n");
    fx_assert_contains(err.message, "policy.yaml:13:35:");
    fx_assert_contains(err.message, "protection_days 0 is out of range");
}

static void policy_rejects_condition_word(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(POLICY_HEAD "engagement:\n"
                                                  "  registration:\n"
                                                  "    protection_days: 30\n"
                                                  "    applies_when: [unassigned, idle]\n");
    fx_assert_contains(err.message, "policy.yaml:15:32:");
    fx_assert_contains(err.message, "unknown protection condition 'idle'");
}

static void policy_rejects_share_without_sign(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(POLICY_HEAD "engagement:\n  partner: {sourcing_share: 20}\n");
    fx_assert_contains(err.message, "policy.yaml:13:29:");
    fx_assert_contains(err.message, "must be a percentage such as 20%");
}

static void policy_rejects_share_above_whole(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(POLICY_HEAD "engagement:\n  partner: {sourcing_share: 100.01%}\n");
    fx_assert_contains(err.message, "out of range");
}

static void policy_rejects_unknown_stage(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(POLICY_HEAD "engagement:\n"
                                                  "  holdover:\n"
                                                  "    stages: [Prospecting, Proposal]\n"
                                                  "    keep_from: Proposl\n");
    fx_assert_contains(err.message, "policy.yaml:15:16:");
    fx_assert_contains(err.message, "did you mean 'Proposal'");
}

/* A one-letter stage shares nothing with another one-letter stage, so the
 * error suggests none. */
static void policy_unknown_short_stage_no_guess(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(POLICY_HEAD "engagement:\n"
                                                  "  holdover:\n"
                                                  "    stages: [A, B]\n"
                                                  "    keep_from: C\n");
    fx_assert_contains(err.message, "policy.yaml:15:16:");
    assert_null(strstr(err.message, "did you mean"));
}

/* The list of known fields in an unknown-field error is complete: it ends
 * with the note on custom attributes instead of being cut short. */
static void policy_condition_lists_all_fields(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(POLICY_HEAD "credit:\n"
                                                  "  rules:\n"
                                                  "    - id: big\n"
                                                  "      when: deal.amout_minor >= 5\n"
                                                  "      revenue: [{role: closer, share: 100%}]\n");
    fx_assert_contains(err.message, "did you mean 'deal.amount_minor'");
    fx_assert_contains(err.message, "custom attributes start with");
}

static void policy_rejects_repeated_stage(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(POLICY_HEAD "engagement:\n"
                                                  "  holdover:\n"
                                                  "    stages: [Proposal, Proposal]\n"
                                                  "    keep_from: Proposal\n");
    fx_assert_contains(err.message, "listed twice");
}

static void policy_rejects_partner_owner(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(POLICY_HEAD "engagement:\n  partner: {owner: partner}\n");
    fx_assert_contains(err.message, "unknown partner owner 'partner'");
}

/* ---- Scenario: partner deal on an unassigned account ------------------- */

#define PROTECTION_POLICY                                                                                \
    POLICY_HEAD "engagement:\n"                                                                          \
                "  registration: {protection_days: 90}\n"                                                \
                "  partner: {sources: [partner]}\n"

/* Account A1 is in territory west, which has no member until kim joins on
 * 2024-02-01. ann registers A1 from a partner introduction on 2024-01-10:
 * protected through 2024-01-10 + 89 days = 2024-04-08. */
static credo_snapshot *unassigned_fixture(void)
{
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_rep(s, "kim", NULL);
    fx_account(s, "A1", "US-WA");
    fx_registration(s, "R1", "ann", "A1", NULL, "partner", "2024-01-10", NULL);
    fx_deal(s, "D1", "A1", "ann", 100000, "won", "2024-01-15", "2024-03-20");
    fx_deal_source(s, "partner", NULL, "Closed Won");
    fx_deal(s, "D2", "A1", "kim", 50000, "won", "2024-02-15", "2024-03-01");
    fx_deal(s, "D3", "A1", "kim", 70000, "won", "2024-04-09", "2024-05-01");
    fx_finish(s);
    return s;
}

static void partner_claim_protected(void **state)
{
    (void)state;
    credo_snapshot *s = unassigned_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    const credo_claim *claim = &run->engagement->claims[fx_registration_row(s, "R1")];

    assert_int_equal(claim->status, CREDO_CLAIM_PROTECTED);
    assert_int_equal(claim->protected_until, fx_date("2024-04-08"));
    fx_assert_contains(claim->reason, "the account had no owner on 2024-01-10");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void partner_deal_owned_by_registrant(void **state)
{
    (void)state;
    credo_snapshot *s = unassigned_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_string_equal(fx_owner(run, "D1"), "ann");
    assert_int_equal(run->engagement->rule[fx_deal_row(s, "D1")], CREDO_ENGAGE_PROTECTED);
    assert_true(run->engagement->partner_sourced[fx_deal_row(s, "D1")]);
    assert_int_equal(fx_credit(run, "D1", "ann", "revenue"), 100000);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* kim is the account's owner from 2024-02-01, but D2 (logged 2024-02-15,
 * inside the window) still goes to ann. */
static void registrant_keeps_after_assignment(void **state)
{
    (void)state;
    credo_snapshot *s = unassigned_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_string_equal(fx_owner(run, "D2"), "ann");
    assert_int_equal(run->engagement->rule[fx_deal_row(s, "D2")], CREDO_ENGAGE_PROTECTED);
    assert_int_equal(fx_credit(run, "D2", "ann", "revenue"), 50000);
    assert_int_equal(fx_credit(run, "D2", "kim", "revenue"), -1);
    assert_int_equal(run->summary.protected_deals, 2);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* D3 is logged 2024-04-09, the day after the window: kim keeps it. */
static void window_end_releases(void **state)
{
    (void)state;
    credo_snapshot *s = unassigned_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_string_equal(fx_owner(run, "D3"), "kim");
    assert_int_equal(run->engagement->rule[fx_deal_row(s, "D3")], CREDO_ENGAGE_NONE);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void explain_shows_protection(void **state)
{
    (void)state;
    credo_snapshot *s = unassigned_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    char *text = fx_explain_deal(run, "D2");

    fx_assert_contains(text, "registration R1 by ann on 2024-01-10");
    fx_assert_contains(text, "protected through 2024-04-08");
    fx_assert_contains(text, "registrant: ann, by registration R1, which covers the deal");
    fx_assert_contains(text, "engagement decision: protected; owner before these rules: kim");
    free(text);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* Without an engagement section nothing is protected and the recorded
 * owners keep their deals. */
static void no_section_no_protection(void **state)
{
    (void)state;
    credo_snapshot *s = unassigned_fixture();
    credo_policy *policy = fx_policy(POLICY_HEAD);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_null(run->engagement);
    assert_string_equal(fx_owner(run, "D2"), "kim");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* ---- Scenario: owner activity ------------------------------------------ */

/* A2 belongs to kim from 2024-02-01. kim's meeting on 2024-03-01 is within
 * 30 days before bob's claim of 2024-03-20; his claim of 2024-05-15 comes
 * 75 days after that meeting, so kim is inactive then. */
static credo_snapshot *owned_fixture(void)
{
    credo_snapshot *s = fx_new();
    fx_rep(s, "bob", NULL);
    fx_rep(s, "kim", NULL);
    fx_account(s, "A2", "US-WA");
    fx_activity(s, "kim", "A2", NULL, "meeting", "2024-03-01");
    fx_registration(s, "R1", "bob", "A2", "widgets", "outbound", "2024-03-20", NULL);
    fx_registration(s, "R2", "bob", "A2", "gadgets", "outbound", "2024-05-15", NULL);
    fx_registration(s, "R3", "kim", "A2", NULL, "outbound", "2024-05-16", NULL);
    fx_finish(s);
    return s;
}

#define INACTIVE_POLICY POLICY_HEAD "engagement:\n  registration: {protection_days: 60, inactive_days: 30}\n"

static void active_owner_blocks(void **state)
{
    (void)state;
    credo_snapshot *s = owned_fixture();
    credo_policy *policy = fx_policy(INACTIVE_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    const credo_claim *claim = &run->engagement->claims[fx_registration_row(s, "R1")];

    assert_int_equal(claim->status, CREDO_CLAIM_UNPROTECTED);
    fx_assert_contains(claim->reason, "owner kim logged a meeting on 2024-03-01");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void inactive_owner_allows(void **state)
{
    (void)state;
    credo_snapshot *s = owned_fixture();
    credo_policy *policy = fx_policy(INACTIVE_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    const credo_claim *claim = &run->engagement->claims[fx_registration_row(s, "R2")];

    assert_int_equal(claim->status, CREDO_CLAIM_PROTECTED);
    assert_int_equal(claim->protected_until, fx_date("2024-07-13"));
    fx_assert_contains(claim->reason, "owner kim had no activity and no open deal on the account from 2024-04-16 to "
                                      "2024-05-15");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* The owner's own claim inside bob's window is a conflict like any other:
 * bob's gadgets claim covers the whole account for kim's product-less
 * claim. */
static void owner_claim_conflicts(void **state)
{
    (void)state;
    credo_snapshot *s = owned_fixture();
    credo_policy *policy = fx_policy(INACTIVE_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    const credo_claim *claim = &run->engagement->claims[fx_registration_row(s, "R3")];

    assert_int_equal(claim->status, CREDO_CLAIM_CONFLICT);
    assert_int_equal(claim->holder, fx_registration_row(s, "R2"));
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void unassigned_only_rejects_owned(void **state)
{
    (void)state;
    credo_snapshot *s = owned_fixture();
    credo_policy *policy = fx_policy(POLICY_HEAD "engagement:\n"
                                                 "  registration: {protection_days: 60, applies_when: [unassigned]}\n");
    credo_run *run = fx_run(s, policy, "2024-06-30");
    const credo_claim *claim = &run->engagement->claims[fx_registration_row(s, "R2")];

    assert_int_equal(claim->status, CREDO_CLAIM_UNPROTECTED);
    fx_assert_contains(claim->reason, "the policy protects only unassigned accounts");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* kim's own open deal on A2, logged 2024-05-01, shows him active for
 * bob's claim of 2024-05-15. */
static void owner_open_deal_blocks(void **state)
{
    (void)state;
    credo_snapshot *s = fx_new();
    fx_rep(s, "bob", NULL);
    fx_rep(s, "kim", NULL);
    fx_account(s, "A2", "US-WA");
    fx_deal(s, "K1", "A2", "kim", 100, "open", "2024-05-01", NULL);
    fx_registration(s, "R2", "bob", "A2", NULL, "outbound", "2024-05-15", NULL);
    fx_finish(s);
    credo_policy *policy = fx_policy(INACTIVE_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    const credo_claim *claim = &run->engagement->claims[fx_registration_row(s, "R2")];

    assert_int_equal(claim->status, CREDO_CLAIM_UNPROTECTED);
    fx_assert_contains(claim->reason, "owner kim had deal K1 open on the account between 2024-04-16 and 2024-05-15");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* ---- Scenario: two claims in one week ---------------------------------- */

/* ann claims A1 on Monday 2024-01-08, bob on Thursday 2024-01-11; cid
 * claims product widgets on 2024-01-09 and dan the same account again on
 * 2024-04-08, after ann's window (through 2024-04-06). */
static credo_snapshot *race_fixture(void)
{
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_rep(s, "bob", NULL);
    fx_rep(s, "cid", NULL);
    fx_rep(s, "dan", NULL);
    fx_account(s, "A1", "US-OR");
    fx_registration(s, "R-b", "bob", "A1", NULL, "outbound", "2024-01-11", NULL);
    fx_registration(s, "R-a", "ann", "A1", NULL, "outbound", "2024-01-08", NULL);
    fx_registration(s, "R-c", "cid", "A1", "widgets", "outbound", "2024-01-09", NULL);
    fx_registration(s, "R-d", "dan", "A1", NULL, "outbound", "2024-04-08", NULL);
    fx_deal(s, "D1", "A1", "bob", 30000, "won", "2024-01-20", "2024-02-01");
    fx_finish(s);
    return s;
}

static void first_claim_wins(void **state)
{
    (void)state;
    credo_snapshot *s = race_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(run->engagement->claims[fx_registration_row(s, "R-a")].status, CREDO_CLAIM_PROTECTED);
    assert_int_equal(run->engagement->claims[fx_registration_row(s, "R-a")].protected_until, fx_date("2024-04-06"));
    assert_string_equal(fx_owner(run, "D1"), "ann");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void later_claim_waits(void **state)
{
    (void)state;
    credo_snapshot *s = race_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    const credo_claim *claim = &run->engagement->claims[fx_registration_row(s, "R-b")];

    assert_int_equal(claim->status, CREDO_CLAIM_CONFLICT);
    assert_string_equal(claim->key, "account:A1|product:*|rep:bob|date:2024-01-11");
    fx_assert_contains(claim->reason, "registration R-a by ann on 2024-01-08 protects the account through 2024-04-06");
    fx_assert_contains(claim->reason, "waits in the conflict queue");
    /* bob and cid both wait */
    assert_int_equal(run->engagement->conflicts, 2);
    assert_int_equal(run->summary.conflicts, 2);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* A product claim overlaps an account-wide claim. */
static void product_claim_overlaps(void **state)
{
    (void)state;
    credo_snapshot *s = race_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    const credo_claim *claim = &run->engagement->claims[fx_registration_row(s, "R-c")];

    assert_int_equal(claim->status, CREDO_CLAIM_CONFLICT);
    assert_string_equal(claim->key, "account:A1|product:widgets|rep:cid|date:2024-01-09");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* With owner_inactive alone, an account without an owner is not
 * protected. */
static void inactive_only_rejects_unowned(void **state)
{
    (void)state;
    credo_snapshot *s = race_fixture();
    credo_policy *policy = fx_policy(POLICY_HEAD "engagement:\n"
                                                 "  registration: {protection_days: 90, applies_when: [owner_inactive]}\n");
    credo_run *run = fx_run(s, policy, "2024-06-30");
    const credo_claim *claim = &run->engagement->claims[fx_registration_row(s, "R-a")];

    assert_int_equal(claim->status, CREDO_CLAIM_UNPROTECTED);
    assert_string_equal(claim->reason, "the account had no owner on 2024-01-08, but the policy protects only accounts "
                                       "whose owner is inactive");
    assert_int_equal(run->engagement->conflicts, 0);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void claim_after_window_protected(void **state)
{
    (void)state;
    credo_snapshot *s = race_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(run->engagement->claims[fx_registration_row(s, "R-d")].status, CREDO_CLAIM_PROTECTED);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static credo_run *run_decided(const credo_snapshot *s, const credo_policy *policy, credo_conflict_decision *decision)
{
    credo_run *run = NULL;
    credo_error err = {0};
    if (credo_run_compute_with(s, policy, fx_date("2024-06-30"), decision, 1, &run, &err) != CREDO_OK)
        fail_msg("run failed: %s", err.message);
    return run;
}

/* Awarding bob gives him the account from 2024-01-11 for 90 days (through
 * 2024-04-09), ends ann's window on 2024-01-10, and so D1 (logged
 * 2024-01-20) goes to bob. */
static void award_moves_protection(void **state)
{
    (void)state;
    credo_snapshot *s = race_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_conflict_decision decision = {"account:A1|product:*|rep:bob|date:2024-01-11", "award", "bob", "lee",
                                        "bob met the buyer first", NULL};
    credo_run *run = run_decided(s, policy, &decision);
    const credo_claim *bob = &run->engagement->claims[fx_registration_row(s, "R-b")];
    const credo_claim *ann = &run->engagement->claims[fx_registration_row(s, "R-a")];

    assert_int_equal(bob->status, CREDO_CLAIM_AWARDED);
    assert_int_equal(bob->protected_until, fx_date("2024-04-09"));
    assert_int_equal(ann->protected_until, fx_date("2024-01-10"));
    fx_assert_contains(bob->reason, "lee decided for bob: bob met the buyer first");
    assert_string_equal(fx_owner(run, "D1"), "bob");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* The awarded claim's reason gives the windows that hold after the
 * decision: bob's from 2024-01-11 through 2024-04-09, and ann's cut to end
 * on 2024-01-10; ann's old end, 2024-04-06, is no longer mentioned. */
static void award_reason_states_windows(void **state)
{
    (void)state;
    credo_snapshot *s = race_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_conflict_decision decision = {"account:A1|product:*|rep:bob|date:2024-01-11", "award", "bob", "lee",
                                        "bob met the buyer first", NULL};
    credo_run *run = run_decided(s, policy, &decision);
    const credo_claim *bob = &run->engagement->claims[fx_registration_row(s, "R-b")];

    fx_assert_contains(bob->reason, "bob's claim protects the account from 2024-01-11 through 2024-04-09");
    fx_assert_contains(bob->reason, "the window of registration R-a by ann from 2024-01-08 now ends on 2024-01-10");
    assert_null(strstr(bob->reason, "2024-04-06"));
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* dan's claim of 2024-04-08 now falls in bob's window (through
 * 2024-04-09), so it waits in the queue. */
static void award_extends_queue(void **state)
{
    (void)state;
    credo_snapshot *s = race_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_conflict_decision decision = {"account:A1|product:*|rep:bob|date:2024-01-11", "accept", NULL, "lee", NULL,
                                        NULL};
    credo_run *run = run_decided(s, policy, &decision);

    assert_int_equal(run->engagement->claims[fx_registration_row(s, "R-d")].status, CREDO_CLAIM_CONFLICT);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void reject_keeps_holder(void **state)
{
    (void)state;
    credo_snapshot *s = race_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_conflict_decision decision = {"account:A1|product:*|rep:bob|date:2024-01-11", "reject", NULL, "lee",
                                        "ann registered first", NULL};
    credo_run *run = run_decided(s, policy, &decision);
    const credo_claim *bob = &run->engagement->claims[fx_registration_row(s, "R-b")];

    assert_int_equal(bob->status, CREDO_CLAIM_REJECTED);
    assert_int_equal(bob->protected_until, CREDO_DATE_NONE);
    assert_int_equal(run->engagement->conflicts, 1);
    assert_string_equal(fx_owner(run, "D1"), "ann");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void award_stranger_still_waits(void **state)
{
    (void)state;
    credo_snapshot *s = race_fixture();
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_conflict_decision decision = {"account:A1|product:*|rep:bob|date:2024-01-11", "award", "zed", "lee", NULL,
                                        NULL};
    credo_run *run = run_decided(s, policy, &decision);
    const credo_claim *bob = &run->engagement->claims[fx_registration_row(s, "R-b")];

    assert_int_equal(bob->status, CREDO_CLAIM_CONFLICT);
    fx_assert_contains(bob->reason, "names zed, who is neither claimant");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* A second claim by the holder in his own window adds nothing. */
static void same_rep_claim_duplicate(void **state)
{
    (void)state;
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_account(s, "A1", "US-OR");
    fx_registration(s, "R1", "ann", "A1", NULL, "outbound", "2024-01-08", NULL);
    fx_registration(s, "R2", "ann", "A1", NULL, "outbound", "2024-02-08", NULL);
    fx_finish(s);
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    const credo_claim *claim = &run->engagement->claims[fx_registration_row(s, "R2")];

    assert_int_equal(claim->status, CREDO_CLAIM_DUPLICATE);
    assert_int_equal(claim->protected_until, CREDO_DATE_NONE);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void claim_without_account_invalid(void **state)
{
    (void)state;
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_registration(s, "R1", "ann", "A9", NULL, "outbound", "2024-01-08", NULL);
    fx_finish(s);
    credo_policy *policy = fx_policy(PROTECTION_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    const credo_claim *claim = &run->engagement->claims[fx_registration_row(s, "R1")];

    assert_int_equal(claim->status, CREDO_CLAIM_INVALID);
    assert_string_equal(claim->reason, "the registration names no known account");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* ---- Scenario: partner deals owned by the territory --------------------- */

/* kim owns A1 from 2024-02-01. ann's partner deal D4 of 2024-03-01 goes to
 * kim; ann, its sourcing rep, gets 25% of 80000 = 20000 off the top, kim
 * the other 60000 by the plain rule. */
static void partner_to_territory_owner(void **state)
{
    (void)state;
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_rep(s, "kim", NULL);
    fx_account(s, "A1", "US-WA");
    fx_deal(s, "D4", "A1", "ann", 80000, "won", "2024-03-01", "2024-03-10");
    fx_deal_source(s, "partner", NULL, NULL);
    fx_finish(s);
    credo_policy *policy = fx_policy(POLICY_HEAD "engagement:\n"
                                                 "  partner: {owner: territory_owner, sourcing_share: 25%}\n");
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_string_equal(fx_owner(run, "D4"), "kim");
    assert_int_equal(run->engagement->rule[fx_deal_row(s, "D4")], CREDO_ENGAGE_PARTNER);
    assert_int_equal(fx_credit(run, "D4", "ann", "revenue"), 20000);
    assert_int_equal(fx_credit(run, "D4", "kim", "revenue"), 60000);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* ---- Scenario: out-of-territory deals ---------------------------------- */

static void out_of_territory_to_owner(void **state)
{
    (void)state;
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_rep(s, "kim", NULL);
    fx_account(s, "A1", "US-WA");
    fx_deal(s, "D5", "A1", "ann", 1000, "won", "2024-03-01", "2024-03-10");
    fx_finish(s);
    credo_policy *kept = fx_policy(POLICY_HEAD "engagement: {out_of_territory: recorded_owner}\n");
    credo_policy *moved = fx_policy(POLICY_HEAD "engagement: {out_of_territory: territory_owner}\n");
    credo_run *run_kept = fx_run(s, kept, "2024-06-30");
    credo_run *run_moved = fx_run(s, moved, "2024-06-30");

    assert_string_equal(fx_owner(run_kept, "D5"), "ann");
    assert_int_equal(run_kept->ownership->status[fx_deal_row(s, "D5")], CREDO_DEAL_OUT_OF_TERRITORY);
    assert_string_equal(fx_owner(run_moved, "D5"), "kim");
    assert_int_equal(run_moved->ownership->status[fx_deal_row(s, "D5")], CREDO_DEAL_IN_TERRITORY);
    assert_int_equal(run_moved->engagement->rule[fx_deal_row(s, "D5")], CREDO_ENGAGE_OUT_OF_TERRITORY);
    credo_run_free(run_kept);
    credo_run_free(run_moved);
    credo_policy_free(kept);
    credo_policy_free(moved);
    credo_snapshot_free(s);
}

/* ---- Scenario: holdover ------------------------------------------------- */

#define HOLDOVER_POLICY                                                                                  \
    "credo_policy: 1\n"                                                                                  \
    "roles: [{id: sales_rep, selling: true}]\n"                                                          \
    "types: [{id: region, priority: 10}]\n"                                                              \
    "territories:\n"                                                                                     \
    "  - id: west\n"                                                                                     \
    "    type: region\n"                                                                                 \
    "    match: region = \"US-WA\"\n"                                                                    \
    "    members:\n"                                                                                     \
    "      - {rep: ann, role: sales_rep, to: 2024-03-01}\n"                                              \
    "      - {rep: kim, role: sales_rep, from: 2024-03-01}\n"                                            \
    "engagement:\n"                                                                                      \
    "  holdover:\n"                                                                                      \
    "    stages: [Prospecting, Qualification, Proposal, Negotiation]\n"                                  \
    "    keep_from: Proposal\n"

/* ann leaves west on 2024-03-01 and kim takes over. H1 had reached
 * Proposal on 2024-02-15, H2 was still in Qualification, H3 had no stage
 * history and is won, H4 was won before the change. */
static credo_snapshot *holdover_fixture(void)
{
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_rep(s, "kim", NULL);
    fx_account(s, "A1", "US-WA");
    fx_deal(s, "H1", "A1", "ann", 1000, "open", "2024-01-10", NULL);
    fx_deal_source(s, NULL, NULL, "Negotiation");
    fx_history(s, "H1", "2024-01-10", "Prospecting");
    fx_history(s, "H1", "2024-02-15", "Proposal");
    fx_history(s, "H1", "2024-03-20", "Negotiation");
    fx_deal(s, "H2", "A1", "ann", 2000, "open", "2024-01-20", NULL);
    fx_deal_source(s, NULL, NULL, "Proposal");
    fx_history(s, "H2", "2024-01-20", "Qualification");
    fx_history(s, "H2", "2024-03-05", "Proposal");
    fx_deal(s, "H3", "A1", "ann", 3000, "won", "2024-01-25", "2024-04-01");
    fx_deal(s, "H4", "A1", "ann", 4000, "won", "2024-01-25", "2024-02-20");
    fx_finish(s);
    return s;
}

static void holdover_past_stage_stays(void **state)
{
    (void)state;
    credo_snapshot *s = holdover_fixture();
    credo_policy *policy = fx_policy(HOLDOVER_POLICY);
    credo_run *run = fx_run(s, policy, "2024-04-15");
    uint32_t h1 = fx_deal_row(s, "H1");

    assert_string_equal(fx_owner(run, "H1"), "ann");
    assert_int_equal(run->engagement->rule[h1], CREDO_ENGAGE_HOLDOVER_KEPT);
    assert_int_equal(run->engagement->realigned[h1], fx_date("2024-03-01"));
    assert_string_equal(credo_snapshot_text(s, run->engagement->stage_then[h1]), "Proposal");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void holdover_early_stage_moves(void **state)
{
    (void)state;
    credo_snapshot *s = holdover_fixture();
    credo_policy *policy = fx_policy(HOLDOVER_POLICY);
    credo_run *run = fx_run(s, policy, "2024-04-15");
    uint32_t h2 = fx_deal_row(s, "H2");

    assert_string_equal(fx_owner(run, "H2"), "kim");
    assert_int_equal(run->engagement->rule[h2], CREDO_ENGAGE_HOLDOVER_MOVED);
    assert_int_equal(run->ownership->date[h2], fx_date("2024-03-01"));
    assert_int_equal(run->ownership->status[h2], CREDO_DEAL_IN_TERRITORY);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* A won deal without history has no known stage on 2024-03-01: it stays. */
static void holdover_unknown_stage_stays(void **state)
{
    (void)state;
    credo_snapshot *s = holdover_fixture();
    credo_policy *policy = fx_policy(HOLDOVER_POLICY);
    credo_run *run = fx_run(s, policy, "2024-04-15");

    assert_string_equal(fx_owner(run, "H3"), "ann");
    assert_int_equal(run->engagement->rule[fx_deal_row(s, "H3")], CREDO_ENGAGE_HOLDOVER_KEPT);
    assert_int_equal(fx_credit(run, "H3", "ann", "revenue"), 3000);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void holdover_closed_before_untouched(void **state)
{
    (void)state;
    credo_snapshot *s = holdover_fixture();
    credo_policy *policy = fx_policy(HOLDOVER_POLICY);
    credo_run *run = fx_run(s, policy, "2024-04-15");

    assert_string_equal(fx_owner(run, "H4"), "ann");
    assert_int_equal(run->engagement->rule[fx_deal_row(s, "H4")], CREDO_ENGAGE_NONE);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* Before ann leaves, nothing is realigned. */
static void holdover_before_change_none(void **state)
{
    (void)state;
    credo_snapshot *s = holdover_fixture();
    credo_policy *policy = fx_policy(HOLDOVER_POLICY);
    credo_run *run = fx_run(s, policy, "2024-02-28");

    assert_string_equal(fx_owner(run, "H2"), "ann");
    assert_int_equal(run->engagement->rule[fx_deal_row(s, "H2")], CREDO_ENGAGE_NONE);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void explain_shows_holdover(void **state)
{
    (void)state;
    credo_snapshot *s = holdover_fixture();
    credo_policy *policy = fx_policy(HOLDOVER_POLICY);
    credo_run *run = fx_run(s, policy, "2024-04-15");
    char *text = fx_explain_deal(run, "H1");

    fx_assert_contains(text, "holdover: ann left the account's territory on 2024-03-01; the deal's stage that day "
                             "was Proposal");
    fx_assert_contains(text, "engagement decision: holdover_kept");
    free(text);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_reads_engagement),
        cmocka_unit_test(policy_engagement_defaults),
        cmocka_unit_test(policy_without_sections),
        cmocka_unit_test(policy_rejects_unknown_key),
        cmocka_unit_test(policy_rejects_missing_days),
        cmocka_unit_test(policy_rejects_zero_days),
        cmocka_unit_test(policy_rejects_condition_word),
        cmocka_unit_test(policy_rejects_share_without_sign),
        cmocka_unit_test(policy_rejects_share_above_whole),
        cmocka_unit_test(policy_rejects_unknown_stage),
        cmocka_unit_test(policy_unknown_short_stage_no_guess),
        cmocka_unit_test(policy_condition_lists_all_fields),
        cmocka_unit_test(policy_rejects_repeated_stage),
        cmocka_unit_test(policy_rejects_partner_owner),
        cmocka_unit_test(partner_claim_protected),
        cmocka_unit_test(partner_deal_owned_by_registrant),
        cmocka_unit_test(registrant_keeps_after_assignment),
        cmocka_unit_test(window_end_releases),
        cmocka_unit_test(explain_shows_protection),
        cmocka_unit_test(no_section_no_protection),
        cmocka_unit_test(active_owner_blocks),
        cmocka_unit_test(inactive_owner_allows),
        cmocka_unit_test(owner_claim_conflicts),
        cmocka_unit_test(unassigned_only_rejects_owned),
        cmocka_unit_test(owner_open_deal_blocks),
        cmocka_unit_test(first_claim_wins),
        cmocka_unit_test(later_claim_waits),
        cmocka_unit_test(product_claim_overlaps),
        cmocka_unit_test(inactive_only_rejects_unowned),
        cmocka_unit_test(claim_after_window_protected),
        cmocka_unit_test(award_moves_protection),
        cmocka_unit_test(award_reason_states_windows),
        cmocka_unit_test(award_extends_queue),
        cmocka_unit_test(reject_keeps_holder),
        cmocka_unit_test(award_stranger_still_waits),
        cmocka_unit_test(same_rep_claim_duplicate),
        cmocka_unit_test(claim_without_account_invalid),
        cmocka_unit_test(partner_to_territory_owner),
        cmocka_unit_test(out_of_territory_to_owner),
        cmocka_unit_test(holdover_past_stage_stays),
        cmocka_unit_test(holdover_early_stage_moves),
        cmocka_unit_test(holdover_unknown_stage_stays),
        cmocka_unit_test(holdover_closed_before_untouched),
        cmocka_unit_test(holdover_before_change_none),
        cmocka_unit_test(explain_shows_holdover),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
