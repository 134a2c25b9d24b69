/* Tests of credit by rules: the credit section of the policy (values and
 * errors) and scenarios with amounts worked out by hand: the contribution
 * threshold, roles that nobody holds, overlay, roll-up to managers once
 * per deal, holds, the credit date and the plain default. */
#include "data/engage/fixture.h"

#define HEAD                                                                                             \
    "credo_policy: 1\n"                                                                                  \
    "roles:\n"                                                                                           \
    "  - {id: sales_rep, selling: true}\n"                                                               \
    "  - {id: se}\n"                                                                                     \
    "types:\n"                                                                                           \
    "  - {id: region, priority: 10}\n"                                                                   \
    "territories:\n"                                                                                     \
    "  - id: west\n"                                                                                     \
    "    type: region\n"                                                                                 \
    "    match: region = \"US-WA\"\n"                                                                    \
    "    members:\n"                                                                                     \
    "      - {rep: ann, role: sales_rep, to: 2024-03-01}\n"                                              \
    "      - {rep: kim, role: sales_rep, from: 2024-03-01}\n"                                            \
    "      - {rep: sam, role: se}\n"                                                                     \
    "      - {rep: sue, role: se}\n"

/* ---- Policy: the credit section ---------------------------------------- */

static void policy_reads_credit(void **state)
{
    (void)state;
    credo_policy *policy = fx_policy(HEAD "credit:\n"
                                          "  credit_date: created\n"
                                          "  contribution:\n"
                                          "    weights: {email: 1, meeting: 3}\n"
                                          "    minimum_points: 4\n"
                                          "  rules:\n"
                                          "    - id: partner\n"
                                          "      when: deal.source = \"partner\"\n"
                                          "      revenue:\n"
                                          "        - {role: registrant, share: 60%}\n"
                                          "        - {role: closer, share: 40%}\n"
                                          "      overlay:\n"
                                          "        - {role: territory_member, member_role: se, share: 50%}\n"
                                          "    - id: rest\n"
                                          "      revenue: [{role: closer, share: 100%}]\n"
                                          "  rollup: true\n"
                                          "  holds:\n"
                                          "    - when: deal.amount_minor >= 100000\n"
                                          "      release: until payment received\n"
                                          "      released_when: deal.stage = \"Paid\"\n");
    const credo_credit_policy *credit = policy->credit;
    assert_non_null(credit);
    assert_int_equal(credit->credit_date, CREDO_CREDIT_DATE_CREATED);
    assert_int_equal(credit->weight_count, 2);
    assert_string_equal(credit->weights[1].type, "meeting");
    assert_int_equal(credit->weights[1].points, 3);
    assert_int_equal(credit->minimum_points, 4);
    assert_int_equal(credit->rule_count, 2);
    assert_string_equal(credit->rules[0].id, "partner");
    assert_non_null(credit->rules[0].when);
    assert_int_equal(credit->rules[0].revenue[0].role, CREDO_ROLE_REGISTRANT);
    assert_int_equal(credit->rules[0].revenue[0].share, 6000);
    assert_int_equal(credit->rules[0].overlay[0].role, CREDO_ROLE_TERRITORY_MEMBER);
    assert_string_equal(credit->rules[0].overlay[0].qualifier, "se");
    assert_null(credit->rules[1].when);
    assert_true(credit->rollup);
    assert_int_equal(credit->hold_count, 1);
    assert_string_equal(credit->holds[0].release, "until payment received");
    assert_non_null(credit->holds[0].released_when);
    credo_policy_free(policy);
}

static void policy_rejects_share_sum(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(HEAD "credit:\n"
                                           "  rules:\n"
                                           "    - id: short\n"
                                           "      revenue: [{role: closer, share: 60%}, {role: registrant, share: 30%}]\n");
    fx_assert_contains(err.message, "policy.yaml:19:16:");
    fx_assert_contains(err.message, "sum to 90.00%, not 100%");
}

static void policy_rejects_unknown_role(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(HEAD "credit:\n"
                                           "  rules:\n"
                                           "    - {id: r, revenue: [{role: seller, share: 100%}]}\n");
    fx_assert_contains(err.message, "unknown credit role 'seller'");
}

static void policy_rejects_member_role(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(HEAD "credit:\n"
                                           "  rules:\n"
                                           "    - id: r\n"
                                           "      revenue: [{role: closer, share: 100%}]\n"
                                           "      overlay: [{role: territory_member, member_role: cse, share: 10%}]\n");
    fx_assert_contains(err.message, "member_role 'cse' is not a role of this policy");
}

static void policy_rejects_misplaced_qualifier(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(HEAD "credit:\n"
                                           "  rules:\n"
                                           "    - {id: r, revenue: [{role: closer, team_role: se, share: 100%}]}\n");
    fx_assert_contains(err.message, "team_role applies to role deal_team only");
}

static void policy_rejects_duplicate_rule(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(HEAD "credit:\n"
                                           "  rules:\n"
                                           "    - {id: r, revenue: [{role: closer, share: 100%}]}\n"
                                           "    - {id: r, revenue: [{role: closer, share: 100%}]}\n");
    fx_assert_contains(err.message, "duplicate credit rule id 'r' (first on line 18)");
}

/* The error points at the unknown field inside the condition. */
static void policy_rejects_bad_condition(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(HEAD "credit:\n"
                                           "  rules:\n"
                                           "    - id: r\n"
                                           "      when: deal.source = \"partner\" and deal.colour = \"red\"\n"
                                           "      revenue: [{role: closer, share: 100%}]\n");
    fx_assert_contains(err.message, "policy.yaml:19:41:");
    fx_assert_contains(err.message, "invalid when of credit rule 'r'");
}

static void policy_rejects_zero_share(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(HEAD "credit:\n"
                                           "  rules:\n"
                                           "    - id: r\n"
                                           "      revenue: [{role: closer, share: 100%}, {role: registrant, share: 0%}]\n");
    fx_assert_contains(err.message, "share 0% gives nothing");
}

static void policy_rejects_hold_without_release(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(HEAD "credit:\n  holds: [{when: deal.amount_minor > 0}]\n");
    fx_assert_contains(err.message, "hold has no release");
}

static void policy_rejects_missing_minimum(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(HEAD "credit:\n  contribution: {weights: {email: 1}}\n");
    fx_assert_contains(err.message, "contribution has no minimum_points");
}

static void policy_rejects_credit_date(void **state)
{
    (void)state;
    credo_error err = fx_policy_error(HEAD "credit: {credit_date: booked}\n");
    fx_assert_contains(err.message, "unknown credit_date 'booked'");
}

/* ---- Scenario: the contribution threshold ------------------------------ */

#define TEAM_POLICY                                                                                      \
    HEAD "credit:\n"                                                                                     \
         "  contribution:\n"                                                                             \
         "    weights: {email: 1, call: 2, meeting: 3}\n"                                                \
         "    minimum_points: 4\n"                                                                       \
         "  rules:\n"                                                                                    \
         "    - id: team\n"                                                                              \
         "      revenue:\n"                                                                              \
         "        - {role: closer, share: 80%}\n"                                                        \
         "        - {role: deal_team, share: 20%}\n"

/* ann closes T1 (100000) on 2024-03-01. bob sent one email (1 point); cid
 * held two meetings (6 points). bob's meeting on the close date and cid's
 * call on another deal do not count. */
static credo_snapshot *team_fixture(void)
{
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_rep(s, "bob", NULL);
    fx_rep(s, "cid", NULL);
    fx_account(s, "A1", "US-OR");
    fx_deal(s, "T1", "A1", "ann", 100000, "won", "2024-01-10", "2024-03-01");
    fx_deal(s, "T2", "A1", "ann", 5000, "won", "2024-01-10", "2024-03-01");
    fx_team(s, "T1", "ann", "owner", -1);
    fx_team(s, "T1", "bob", "se", -1);
    fx_team(s, "T1", "cid", "se", -1);
    fx_activity(s, "bob", "A1", "T1", "email", "2024-02-01");
    fx_activity(s, "bob", "A1", "T1", "meeting", "2024-03-01");
    fx_activity(s, "cid", "A1", NULL, "meeting", "2024-02-02");
    fx_activity(s, "cid", "A1", "T1", "meeting", "2024-02-20");
    fx_activity(s, "cid", "A1", "T2", "call", "2024-02-21");
    fx_finish(s);
    return s;
}

static void single_email_no_split(void **state)
{
    (void)state;
    credo_snapshot *s = team_fixture();
    credo_policy *policy = fx_policy(TEAM_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(fx_credit(run, "T1", "bob", "revenue"), -1);
    assert_int_equal(fx_credit(run, "T1", "cid", "revenue"), 20000);
    assert_int_equal(fx_credit(run, "T1", "ann", "revenue"), 80000);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void explain_shows_threshold(void **state)
{
    (void)state;
    credo_snapshot *s = team_fixture();
    credo_policy *policy = fx_policy(TEAM_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    char *text = fx_explain_deal(run, "T1");

    fx_assert_contains(text, "collaborator bob: email 2024-02-01 (1) = 1 point before the close date 2024-03-01; the "
                             "minimum is 4: below the threshold, no split");
    fx_assert_contains(text, "collaborator cid: meeting 2024-02-02 (3), meeting 2024-02-20 (3) = 6 points");
    fx_assert_contains(text, "takes part in the split");
    free(text);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* With nobody above the threshold, the team's 20% passes to the closer. */
static void no_collaborator_to_closer(void **state)
{
    (void)state;
    credo_snapshot *s = team_fixture();
    credo_policy *policy = fx_policy(HEAD "credit:\n"
                                          "  contribution: {weights: {email: 1, meeting: 3}, minimum_points: 7}\n"
                                          "  rules:\n"
                                          "    - id: team\n"
                                          "      revenue: [{role: closer, share: 80%}, {role: deal_team, share: 20%}]\n");
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(fx_credit(run, "T1", "ann", "revenue"), 100000);
    assert_int_equal(fx_line_count(run, "T1", "ann", "revenue"), 1);
    assert_int_equal(fx_credit(run, "T1", "cid", "revenue"), -1);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* Without a threshold all three collaborators share 20% of 99999: first
 * 79999.2 and 19999.8 round to 79999 and 19999, and the unit left goes to
 * the larger remainder (the team): 20000. Split in three, 6666 each with 2
 * units left, to the two lowest ids. */
static void team_split_largest_remainder(void **state)
{
    (void)state;
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_account(s, "A1", "US-OR");
    fx_deal(s, "T3", "A1", "ann", 99999, "won", "2024-01-10", "2024-03-01");
    fx_team(s, "T3", "zoe", "se", -1);
    fx_team(s, "T3", "bob", "se", -1);
    fx_team(s, "T3", "cid", "se", -1);
    fx_finish(s);
    credo_policy *policy = fx_policy(HEAD "credit:\n"
                                          "  rules:\n"
                                          "    - id: team\n"
                                          "      revenue: [{role: closer, share: 80%}, {role: deal_team, share: 20%}]\n");
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(fx_credit(run, "T3", "ann", "revenue"), 79999);
    assert_int_equal(fx_credit(run, "T3", "bob", "revenue"), 6667);
    assert_int_equal(fx_credit(run, "T3", "cid", "revenue"), 6667);
    assert_int_equal(fx_credit(run, "T3", "zoe", "revenue"), 6666);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* ---- Scenario: rules, roles and the credit date ------------------------ */

#define ROLE_POLICY                                                                                      \
    HEAD "engagement:\n"                                                                                 \
         "  registration: {protection_days: 30}\n"                                                       \
         "credit:\n"                                                                                     \
         "  rules:\n"                                                                                    \
         "    - id: registered\n"                                                                        \
         "      when: deal.registrant = \"ann\"\n"                                                       \
         "      revenue: [{role: registrant, share: 70%}, {role: territory_owner, share: 30%}]\n"        \
         "    - id: partner\n"                                                                           \
         "      when: deal.source = \"partner\"\n"                                                       \
         "      revenue: [{role: registrant, share: 60%}, {role: closer, share: 40%}]\n"                 \
         "      overlay: [{role: territory_member, member_role: se, share: 50%}]\n"

/* P1: ann's registered deal closed after kim replaced her (kim is the
 * territory owner on the close date). P2: a partner deal of kim's with no
 * registrant, 1001 minor units. */
static credo_snapshot *role_fixture(void)
{
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_rep(s, "kim", NULL);
    fx_account(s, "A1", "US-WA");
    fx_account(s, "A2", "US-WA");
    fx_registration(s, "R1", "ann", "A1", NULL, "outbound", "2024-01-05", "P1");
    fx_deal(s, "P1", "A1", "ann", 10000, "won", "2024-01-06", "2024-03-15");
    fx_deal(s, "P2", "A2", "kim", 1001, "won", "2024-03-05", "2024-03-20");
    fx_deal_source(s, "partner", NULL, NULL);
    fx_finish(s);
    return s;
}

/* ann registered A1, which ann herself owned on 2024-01-05, so the claim
 * is not protected but still names P1: ann is P1's registrant (70% =
 * 7000), kim the territory owner on the close date (30% = 3000). */
static void territory_owner_on_credit_date(void **state)
{
    (void)state;
    credo_snapshot *s = role_fixture();
    credo_policy *policy = fx_policy(ROLE_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(run->engagement->claims[fx_registration_row(s, "R1")].status, CREDO_CLAIM_UNPROTECTED);
    assert_int_equal(fx_credit(run, "P1", "ann", "revenue"), 7000);
    assert_int_equal(fx_credit(run, "P1", "kim", "revenue"), 3000);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* With credit_date: created, the territory owner on 2024-01-06 is ann. */
static void created_credit_date(void **state)
{
    (void)state;
    credo_snapshot *s = role_fixture();
    credo_policy *policy = fx_policy(HEAD "engagement: {}\n"
                                          "credit:\n"
                                          "  credit_date: created\n"
                                          "  rules:\n"
                                          "    - id: owner\n"
                                          "      revenue: [{role: territory_owner, share: 100%}]\n");
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(fx_credit(run, "P1", "ann", "revenue"), 10000);
    assert_int_equal(fx_credit(run, "P1", "kim", "revenue"), -1);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* P2 has no registrant: its 60% passes to the closer kim, who gets all
 * 1001. The overlay is 50% of 1001 = 500 (rounded toward zero), split
 * between the se members sam and sue: 250 each. */
static void registrant_missing_to_closer(void **state)
{
    (void)state;
    credo_snapshot *s = role_fixture();
    credo_policy *policy = fx_policy(ROLE_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(fx_credit(run, "P2", "kim", "revenue"), 1001);
    assert_int_equal(fx_credit(run, "P2", "sam", "overlay"), 250);
    assert_int_equal(fx_credit(run, "P2", "sue", "overlay"), 250);
    assert_int_equal(run->summary.credited_amount, 11001);
    assert_int_equal(run->summary.overlay_amount, 500);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* A deal that matches no rule is credited by the plain rule. */
static void unmatched_uses_plain_rule(void **state)
{
    (void)state;
    credo_snapshot *s = role_fixture();
    credo_policy *policy = fx_policy(HEAD "credit:\n"
                                          "  rules:\n"
                                          "    - id: never\n"
                                          "      when: deal.source = \"event\"\n"
                                          "      revenue: [{role: registrant, share: 100%}]\n");
    credo_run *run = fx_run(s, policy, "2024-06-30");
    uint32_t row = fx_deal_row(s, "P2");

    for (size_t i = 0; i < run->credit->count; i++)
        if (run->credit->lines[i].deal == row)
            assert_string_equal(run->credit->lines[i].rule, CREDO_RULE_OWNER_FULL);
    assert_int_equal(fx_credit(run, "P2", "kim", "revenue"), 1001);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* A refund splits like a sale: -99999 by 80/20 gives -79999 and -20000. */
static void refund_splits_exactly(void **state)
{
    (void)state;
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_account(s, "A1", "US-OR");
    fx_deal(s, "N1", "A1", "ann", -99999, "won", "2024-01-10", "2024-03-01");
    fx_team(s, "N1", "bob", "se", -1);
    fx_finish(s);
    credo_policy *policy = fx_policy(HEAD "credit:\n"
                                          "  rules:\n"
                                          "    - id: team\n"
                                          "      revenue: [{role: closer, share: 80%}, {role: deal_team, share: 20%}]\n");
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(fx_credit(run, "N1", "ann", "revenue"), -79999);
    assert_int_equal(fx_credit(run, "N1", "bob", "revenue"), -20000);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* ---- Scenario: roll-up --------------------------------------------------- */

#define ROLLUP_POLICY HEAD "credit: {rollup: true}\n"

/* ann and bob report to mia, mia to vp. The team splits 60/40. */
static credo_snapshot *rollup_fixture(void)
{
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", "mia");
    fx_rep(s, "bob", "mia");
    fx_rep(s, "mia", "vp");
    fx_rep(s, "vp", NULL);
    fx_rep(s, "cy1", "cy2");
    fx_rep(s, "cy2", "cy1");
    fx_account(s, "A1", "US-OR");
    fx_deal(s, "M1", "A1", "ann", 100000, "won", "2024-01-10", "2024-03-01");
    fx_team(s, "M1", "ann", "owner", 6000);
    fx_team(s, "M1", "bob", "se", 4000);
    fx_deal(s, "M2", "A1", "cy1", 500, "won", "2024-01-10", "2024-03-01");
    fx_finish(s);
    return s;
}

static void manager_rolled_up_once(void **state)
{
    (void)state;
    credo_snapshot *s = rollup_fixture();
    credo_policy *policy = fx_policy(ROLLUP_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(fx_credit(run, "M1", "ann", "revenue"), 60000);
    assert_int_equal(fx_credit(run, "M1", "bob", "revenue"), 40000);
    assert_int_equal(fx_line_count(run, "M1", "mia", "rollup"), 1);
    assert_int_equal(fx_credit(run, "M1", "mia", "rollup"), 100000);
    assert_int_equal(fx_line_count(run, "M1", "vp", "rollup"), 1);
    assert_int_equal(fx_credit(run, "M1", "vp", "rollup"), 100000);
    assert_int_equal(run->summary.credited_amount, 100500);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* cy1 and cy2 manage each other: cy2 gets one line and the walk stops. */
static void manager_cycle_stops(void **state)
{
    (void)state;
    credo_snapshot *s = rollup_fixture();
    credo_policy *policy = fx_policy(ROLLUP_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(fx_line_count(run, "M2", "cy2", "rollup"), 1);
    assert_int_equal(fx_credit(run, "M2", "cy2", "rollup"), 500);
    assert_int_equal(fx_line_count(run, "M2", "cy1", "rollup"), 0);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* ann reports to mia and bob to ned; both managers report to vp, who is
 * reached by two paths and still gets one line of 100000. */
static void two_paths_one_line(void **state)
{
    (void)state;
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", "mia");
    fx_rep(s, "bob", "ned");
    fx_rep(s, "mia", "vp");
    fx_rep(s, "ned", "vp");
    fx_rep(s, "vp", NULL);
    fx_account(s, "A1", "US-OR");
    fx_deal(s, "M3", "A1", "ann", 100000, "won", "2024-01-10", "2024-03-01");
    fx_team(s, "M3", "ann", "owner", 5000);
    fx_team(s, "M3", "bob", "se", 5000);
    fx_finish(s);
    credo_policy *policy = fx_policy(ROLLUP_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(fx_credit(run, "M3", "mia", "rollup"), 50000);
    assert_int_equal(fx_credit(run, "M3", "ned", "rollup"), 50000);
    assert_int_equal(fx_line_count(run, "M3", "vp", "rollup"), 1);
    assert_int_equal(fx_credit(run, "M3", "vp", "rollup"), 100000);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void explain_shows_rollup(void **state)
{
    (void)state;
    credo_snapshot *s = rollup_fixture();
    credo_policy *policy = fx_policy(ROLLUP_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    char *text = fx_explain_deal(run, "M1");

    fx_assert_contains(text, "ann (600.00) -> mia -> vp");
    fx_assert_contains(text, "bob (400.00) -> mia -> vp");
    fx_assert_contains(text, "manager mia: one roll-up line of 1000.00");
    fx_assert_contains(text, "mia rollup 1000.00 USD (100000 minor units)");
    free(text);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* ann closes R1 (1000.00) on A1 in west, which she owns until
 * 2024-03-01, so she holds both roles: closer 60% (600.00) and territory
 * owner 40% (400.00). Her path to mia shows once with the total and the
 * parts, and mia gets one line of 1000.00. */
static void explain_rollup_one_path(void **state)
{
    (void)state;
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", "mia");
    fx_rep(s, "mia", NULL);
    fx_account(s, "A1", "US-WA");
    fx_deal(s, "R1", "A1", "ann", 100000, "won", "2024-01-10", "2024-02-20");
    fx_finish(s);
    credo_policy *policy = fx_policy(HEAD "credit:\n"
                                          "  rules:\n"
                                          "    - id: both\n"
                                          "      revenue:\n"
                                          "        - {role: closer, share: 60%}\n"
                                          "        - {role: territory_owner, share: 40%}\n"
                                          "  rollup: true\n");
    credo_run *run = fx_run(s, policy, "2024-06-30");
    char *text = fx_explain_deal(run, "R1");

    fx_assert_contains(text, "ann (1000.00 = 600.00 + 400.00) -> mia\n");
    assert_null(strstr(text, "ann (600.00)"));
    assert_null(strstr(text, "ann (400.00)"));
    fx_assert_contains(text, "manager mia: one roll-up line of 1000.00");
    assert_int_equal(fx_line_count(run, "R1", "mia", "rollup"), 1);
    assert_int_equal(fx_credit(run, "R1", "mia", "rollup"), 100000);
    free(text);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* ---- Scenario: holds ------------------------------------------------------ */

#define HOLD_POLICY                                                                                      \
    HEAD "credit:\n"                                                                                     \
         "  holds:\n"                                                                                    \
         "    - when: deal.amount_minor >= 1000000\n"                                                    \
         "      release: until payment received\n"                                                       \
         "      released_when: deal.stage = \"Paid\"\n"

static credo_snapshot *hold_fixture(void)
{
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_account(s, "A1", "US-OR");
    fx_deal(s, "B1", "A1", "ann", 2000000, "won", "2024-01-10", "2024-03-01");
    fx_deal_source(s, NULL, NULL, "Invoiced");
    fx_deal(s, "B2", "A1", "ann", 3000000, "won", "2024-01-10", "2024-03-01");
    fx_deal_source(s, NULL, NULL, "Paid");
    fx_deal(s, "B3", "A1", "ann", 999999, "won", "2024-01-10", "2024-03-01");
    fx_finish(s);
    return s;
}

static const credo_credit_line *first_line(const credo_run *run, const char *deal)
{
    uint32_t row = fx_deal_row(run->snapshot, deal);
    for (size_t i = 0; i < run->credit->count; i++)
        if (run->credit->lines[i].deal == row)
            return &run->credit->lines[i];
    fail_msg("no credit line for deal %s", deal);
    return NULL;
}

static void held_credit_shows_release(void **state)
{
    (void)state;
    credo_snapshot *s = hold_fixture();
    credo_policy *policy = fx_policy(HOLD_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_string_equal(first_line(run, "B1")->hold, "until payment received");
    assert_int_equal(first_line(run, "B1")->amount, 2000000);
    assert_null(first_line(run, "B2")->hold);
    assert_null(first_line(run, "B3")->hold);
    assert_int_equal(run->summary.held_lines, 1);
    assert_int_equal(run->summary.credited_amount, 5999999);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void explain_shows_hold(void **state)
{
    (void)state;
    credo_snapshot *s = hold_fixture();
    credo_policy *policy = fx_policy(HOLD_POLICY);
    credo_run *run = fx_run(s, policy, "2024-06-30");
    char *held = fx_explain_deal(run, "B1");
    char *released = fx_explain_deal(run, "B2");

    fx_assert_contains(held, "every credit line of the deal is held until payment received");
    fx_assert_contains(held, "HELD until payment received");
    fx_assert_contains(released, "released: \"until payment received\" has happened");
    free(held);
    free(released);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

/* ---- The plain default ---------------------------------------------------- */

/* A credit section without rules credits like credo_credit_deals: the
 * same reps, amounts and rule names. */
static void default_matches_plain_credit(void **state)
{
    (void)state;
    credo_snapshot *s = rollup_fixture();
    credo_policy *plain = fx_policy(HEAD);
    credo_policy *ruled = fx_policy(HEAD "credit: {}\n");
    credo_run *expected = fx_run(s, plain, "2024-06-30");
    credo_run *actual = fx_run(s, ruled, "2024-06-30");

    assert_int_equal(actual->credit->count, expected->credit->count);
    for (size_t i = 0; i < expected->credit->count; i++) {
        assert_int_equal(actual->credit->lines[i].deal, expected->credit->lines[i].deal);
        assert_string_equal(actual->credit->lines[i].rep_id, expected->credit->lines[i].rep_id);
        assert_string_equal(actual->credit->lines[i].rule, expected->credit->lines[i].rule);
        assert_int_equal(actual->credit->lines[i].amount, expected->credit->lines[i].amount);
    }
    credo_run_free(expected);
    credo_run_free(actual);
    credo_policy_free(plain);
    credo_policy_free(ruled);
    credo_snapshot_free(s);
}

/* Team splits that do not sum to 100% leave the deal uncredited, as in
 * credo_credit_deals. */
static void default_bad_splits_problem(void **state)
{
    (void)state;
    credo_snapshot *s = fx_new();
    fx_rep(s, "ann", NULL);
    fx_account(s, "A1", "US-OR");
    fx_deal(s, "S1", "A1", "ann", 100, "won", "2024-01-10", "2024-03-01");
    fx_team(s, "S1", "ann", "owner", 5000);
    fx_team(s, "S1", "bob", "se", 4000);
    fx_finish(s);
    credo_policy *policy = fx_policy(HEAD "credit: {}\n");
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(run->credit->count, 0);
    assert_string_equal(run->credit->problem[fx_deal_row(s, "S1")],
                        "deal team splits do not sum to 100% (10000 bp); correct the deal team");
    assert_int_equal(run->summary.uncredited, 1);
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

static void no_closer_problem(void **state)
{
    (void)state;
    credo_snapshot *s = fx_new();
    fx_account(s, "A1", "US-OR");
    fx_deal(s, "U1", "A1", NULL, 100, "won", "2024-01-10", "2024-03-01");
    fx_finish(s);
    credo_policy *policy = fx_policy(HEAD "credit:\n"
                                          "  rules: [{id: r, revenue: [{role: registrant, share: 100%}]}]\n");
    credo_run *run = fx_run(s, policy, "2024-06-30");

    assert_int_equal(run->credit->count, 0);
    fx_assert_contains(run->credit->problem[fx_deal_row(s, "U1")], "no owner to pass its share to");
    credo_run_free(run);
    credo_policy_free(policy);
    credo_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_reads_credit),
        cmocka_unit_test(policy_rejects_share_sum),
        cmocka_unit_test(policy_rejects_unknown_role),
        cmocka_unit_test(policy_rejects_member_role),
        cmocka_unit_test(policy_rejects_misplaced_qualifier),
        cmocka_unit_test(policy_rejects_duplicate_rule),
        cmocka_unit_test(policy_rejects_bad_condition),
        cmocka_unit_test(policy_rejects_zero_share),
        cmocka_unit_test(policy_rejects_hold_without_release),
        cmocka_unit_test(policy_rejects_missing_minimum),
        cmocka_unit_test(policy_rejects_credit_date),
        cmocka_unit_test(single_email_no_split),
        cmocka_unit_test(explain_shows_threshold),
        cmocka_unit_test(no_collaborator_to_closer),
        cmocka_unit_test(team_split_largest_remainder),
        cmocka_unit_test(territory_owner_on_credit_date),
        cmocka_unit_test(created_credit_date),
        cmocka_unit_test(registrant_missing_to_closer),
        cmocka_unit_test(unmatched_uses_plain_rule),
        cmocka_unit_test(refund_splits_exactly),
        cmocka_unit_test(manager_rolled_up_once),
        cmocka_unit_test(manager_cycle_stops),
        cmocka_unit_test(two_paths_one_line),
        cmocka_unit_test(explain_shows_rollup),
        cmocka_unit_test(explain_rollup_one_path),
        cmocka_unit_test(held_credit_shows_release),
        cmocka_unit_test(explain_shows_hold),
        cmocka_unit_test(default_matches_plain_credit),
        cmocka_unit_test(default_bad_splits_problem),
        cmocka_unit_test(no_closer_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
