/* Properties of the rules of engagement and credit rules on random data:
 * revenue credit of every credited won deal sums exactly to its amount,
 * results do not depend on the order of the input rows, no manager gets
 * two roll-up lines on one deal and each gets the sum of the revenue below
 * him, and a preview equals a run over the same facts. */
#include "data/engage/fixture.h"

enum { REPS = 12, ACCOUNTS = 16, DEALS = 60, TEAM = 50, ACTIVITIES = 120, REGISTRATIONS = 24, HISTORY = 40,
       SEEDS = 40 };

static uint64_t next_random(uint64_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    return *seed;
}

static size_t pick(uint64_t *seed, size_t count)
{
    return (size_t)(next_random(seed) % count);
}

/* A day of 2024 as text, by day of the year. */
static void day_text(int day, char *out)
{
    credo_date date = credo_date_from_civil(2024, 1, 1) + day;
    credo_format_date(date, out);
}

/* The facts of one random book of business, kept as text so that they can
 * be added to snapshots in any order. */
typedef struct facts {
    char rep[REPS][8], manager[REPS][8];
    char account[ACCOUNTS][8], region[ACCOUNTS][8];
    char deal[DEALS][8], deal_account[DEALS][8], deal_owner[DEALS][8], status[DEALS][8];
    char source[DEALS][12], product[DEALS][8], stage[DEALS][16], created[DEALS][16], closed[DEALS][16];
    credo_money amount[DEALS];
    char team_deal[TEAM][8], team_rep[TEAM][8];
    credo_bp team_split[TEAM];
    char activity_rep[ACTIVITIES][8], activity_account[ACTIVITIES][8], activity_deal[ACTIVITIES][8];
    char activity_type[ACTIVITIES][12], activity_date[ACTIVITIES][16];
    char registration[REGISTRATIONS][8], registration_rep[REGISTRATIONS][8];
    char registration_account[REGISTRATIONS][8], registration_product[REGISTRATIONS][8];
    char registration_source[REGISTRATIONS][12], registration_date[REGISTRATIONS][16];
    char history_deal[HISTORY][8], history_date[HISTORY][16], history_stage[HISTORY][16];
} facts;

static const char *const regions[] = {"US-WA", "US-CA", "US-OR"};
static const char *const sources[] = {"partner", "inbound", "outbound"};
static const char *const products[] = {"", "p1", "p2"};
static const char *const stages[] = {"Prospecting", "Qualification", "Proposal", "Negotiation"};
static const char *const types[] = {"email", "call", "meeting", "demo"};

static const char *or_null(const char *text)
{
    return text[0] == '\0' ? NULL : text;
}

static void make_people(facts *f, uint64_t *seed)
{
    for (size_t i = 0; i < REPS; i++) {
        snprintf(f->rep[i], 8, "r%02zu", i);
        /* A manager among the earlier reps, or none; r11 and r10 manage
         * each other, a cycle in the data. */
        f->manager[i][0] = '\0';
        if (i > 0 && pick(seed, 3) != 0)
            snprintf(f->manager[i], 8, "r%02zu", pick(seed, i));
    }
    snprintf(f->manager[10], 8, "r11");
    snprintf(f->manager[11], 8, "r10");
    for (size_t i = 0; i < ACCOUNTS; i++) {
        snprintf(f->account[i], 8, "a%02zu", i);
        snprintf(f->region[i], 8, "%s", regions[pick(seed, 3)]);
    }
}

static void make_deals(facts *f, uint64_t *seed)
{
    static const char *const statuses[] = {"won", "won", "open", "lost"};
    for (size_t i = 0; i < DEALS; i++) {
        int created = (int)pick(seed, 300);
        snprintf(f->deal[i], 8, "d%02zu", i);
        snprintf(f->deal_account[i], 8, "a%02zu", pick(seed, ACCOUNTS));
        size_t owner = pick(seed, REPS + 2); /* one deal in seven has no recorded owner */
        if (owner < REPS)
            snprintf(f->deal_owner[i], 8, "r%02zu", owner);
        snprintf(f->status[i], 8, "%s", statuses[pick(seed, 4)]);
        snprintf(f->source[i], 12, "%s", sources[pick(seed, 3)]);
        snprintf(f->product[i], 8, "%s", products[pick(seed, 3)]);
        snprintf(f->stage[i], 16, "%s", stages[pick(seed, 4)]);
        day_text(created, f->created[i]);
        day_text(created + (int)pick(seed, 60), f->closed[i]);
        f->amount[i] = (credo_money)pick(seed, 2000000) - 100000;
    }
    for (size_t i = 0; i < TEAM; i++) {
        snprintf(f->team_deal[i], 8, "d%02zu", pick(seed, DEALS));
        snprintf(f->team_rep[i], 8, "r%02zu", pick(seed, REPS));
        f->team_split[i] = -1;
    }
}

static void make_events(facts *f, uint64_t *seed)
{
    for (size_t i = 0; i < ACTIVITIES; i++) {
        snprintf(f->activity_rep[i], 8, "r%02zu", pick(seed, REPS));
        snprintf(f->activity_account[i], 8, "a%02zu", pick(seed, ACCOUNTS));
        size_t deal = pick(seed, DEALS * 2); /* half the activities name no deal */
        if (deal < DEALS)
            snprintf(f->activity_deal[i], 8, "d%02zu", deal);
        snprintf(f->activity_type[i], 12, "%s", types[pick(seed, 4)]);
        day_text((int)pick(seed, 330), f->activity_date[i]);
    }
    for (size_t i = 0; i < REGISTRATIONS; i++) {
        snprintf(f->registration[i], 8, "g%02zu", i);
        snprintf(f->registration_rep[i], 8, "r%02zu", pick(seed, REPS));
        snprintf(f->registration_account[i], 8, "a%02zu", pick(seed, ACCOUNTS));
        snprintf(f->registration_product[i], 8, "%s", products[pick(seed, 3)]);
        snprintf(f->registration_source[i], 12, "%s", sources[pick(seed, 3)]);
        day_text((int)pick(seed, 300), f->registration_date[i]);
    }
    for (size_t i = 0; i < HISTORY; i++) {
        snprintf(f->history_deal[i], 8, "d%02zu", pick(seed, DEALS));
        day_text((int)pick(seed, 330), f->history_date[i]);
        snprintf(f->history_stage[i], 16, "%s", stages[pick(seed, 4)]);
    }
}

static void make_facts(facts *f, uint64_t seed)
{
    memset(f, 0, sizeof *f);
    make_people(f, &seed);
    make_deals(f, &seed);
    make_events(f, &seed);
}

/* Fills order[0 .. count) with 0 .. count - 1, shuffled when seed is not 0. */
static void permutation(size_t *order, size_t count, uint64_t seed)
{
    for (size_t i = 0; i < count; i++)
        order[i] = i;
    for (size_t i = count; seed != 0 && i > 1; i--) {
        size_t j = pick(&seed, i);
        size_t swap = order[i - 1];
        order[i - 1] = order[j];
        order[j] = swap;
    }
}

static void add_people(credo_snapshot *s, const facts *f, uint64_t order_seed)
{
    size_t order[DEALS + TEAM + ACTIVITIES];
    permutation(order, REPS, order_seed);
    for (size_t k = 0; k < REPS; k++)
        fx_rep(s, f->rep[order[k]], or_null(f->manager[order[k]]));
    permutation(order, ACCOUNTS, order_seed * 3);
    for (size_t k = 0; k < ACCOUNTS; k++)
        fx_account(s, f->account[order[k]], f->region[order[k]]);
}

static void add_deals(credo_snapshot *s, const facts *f, uint64_t order_seed)
{
    size_t order[DEALS + TEAM + ACTIVITIES];
    permutation(order, DEALS, order_seed * 5);
    for (size_t k = 0; k < DEALS; k++) {
        size_t i = order[k];
        fx_deal(s, f->deal[i], f->deal_account[i], or_null(f->deal_owner[i]), f->amount[i], f->status[i], f->created[i],
                f->closed[i]);
        fx_deal_source(s, f->source[i], or_null(f->product[i]), f->stage[i]);
    }
    permutation(order, TEAM, order_seed * 7);
    for (size_t k = 0; k < TEAM; k++) {
        size_t i = order[k];
        /* The team table's key is deal, rep and role: give repeats a role
         * of their own so that none collides. */
        char role[16];
        snprintf(role, sizeof role, "se%zu", i);
        fx_team(s, f->team_deal[i], f->team_rep[i], role, f->team_split[i]);
    }
}

static void add_events(credo_snapshot *s, const facts *f, uint64_t order_seed)
{
    size_t order[DEALS + TEAM + ACTIVITIES];
    permutation(order, ACTIVITIES, order_seed * 11);
    for (size_t k = 0; k < ACTIVITIES; k++) {
        size_t i = order[k];
        fx_activity(s, f->activity_rep[i], f->activity_account[i], or_null(f->activity_deal[i]), f->activity_type[i],
                    f->activity_date[i]);
    }
    permutation(order, REGISTRATIONS, order_seed * 13);
    for (size_t k = 0; k < REGISTRATIONS; k++) {
        size_t i = order[k];
        fx_registration(s, f->registration[i], f->registration_rep[i], f->registration_account[i],
                        or_null(f->registration_product[i]), f->registration_source[i], f->registration_date[i], NULL);
    }
    permutation(order, HISTORY, order_seed * 17);
    for (size_t k = 0; k < HISTORY; k++) {
        size_t i = order[k];
        fx_history(s, f->history_deal[i], f->history_date[i], f->history_stage[i]);
    }
}

/* Builds a snapshot of the facts with rows added in an order given by
 * order_seed (0: the order generated). */
static credo_snapshot *build(const facts *f, uint64_t order_seed)
{
    credo_snapshot *s = fx_new();
    add_people(s, f, order_seed);
    add_deals(s, f, order_seed);
    add_events(s, f, order_seed);
    fx_finish(s);
    return s;
}

#define RANDOM_POLICY                                                                                    \
    "credo_policy: 1\n"                                                                                  \
    "roles: [{id: sales_rep, selling: true}, {id: se}]\n"                                                \
    "types: [{id: region, priority: 10}]\n"                                                              \
    "territories:\n"                                                                                     \
    "  - id: west\n"                                                                                     \
    "    type: region\n"                                                                                 \
    "    match: region = \"US-WA\"\n"                                                                    \
    "    members:\n"                                                                                     \
    "      - {rep: r01, role: sales_rep, to: 2024-05-01}\n"                                              \
    "      - {rep: r02, role: sales_rep, from: 2024-05-01}\n"                                            \
    "      - {rep: r03, role: se}\n"                                                                     \
    "  - id: south\n"                                                                                    \
    "    type: region\n"                                                                                 \
    "    match: region = \"US-CA\"\n"                                                                    \
    "    members:\n"                                                                                     \
    "      - {rep: r04, role: sales_rep}\n"                                                              \
    "      - {rep: r05, role: sales_rep, from: 2024-03-01}\n"                                            \
    "engagement:\n"                                                                                      \
    "  registration: {protection_days: 45, inactive_days: 30}\n"                                        \
    "  partner: {sourcing_share: 15%}\n"                                                                 \
    "  holdover: {stages: [Prospecting, Qualification, Proposal, Negotiation], keep_from: Proposal}\n"  \
    "credit:\n"                                                                                          \
    "  contribution: {weights: {email: 1, call: 2, meeting: 3, demo: 3}, minimum_points: 4}\n"          \
    "  rules:\n"                                                                                         \
    "    - id: partner\n"                                                                                \
    "      when: deal.partner_sourced = \"true\"\n"                                                      \
    "      revenue:\n"                                                                                   \
    "        - {role: registrant, share: 33.33%}\n"                                                      \
    "        - {role: closer, share: 46.67%}\n"                                                          \
    "        - {role: deal_team, share: 20%}\n"                                                          \
    "      overlay: [{role: territory_owner, share: 50%}]\n"                                             \
    "    - id: region\n"                                                                                 \
    "      when: account.region in (\"US-CA\", \"US-OR\")\n"                                             \
    "      revenue:\n"                                                                                   \
    "        - {role: territory_owner, share: 30%}\n"                                                    \
    "        - {role: closer, share: 55%}\n"                                                             \
    "        - {role: deal_team, share: 15%}\n"                                                          \
    "      overlay: [{role: territory_member, member_role: se, share: 10%}]\n"                          \
    "  rollup: true\n"                                                                                   \
    "  holds: [{when: deal.amount_minor >= 1500000, release: until payment received}]\n"

/* ---- Conservation ----------------------------------------------------------- */

static void revenue_sums_to_amount(void **state)
{
    (void)state;
    credo_policy *policy = fx_policy(RANDOM_POLICY);
    static facts f;
    size_t credited = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        make_facts(&f, seed * 2654435761u);
        credo_snapshot *s = build(&f, 0);
        credo_run *run = fx_run(s, policy, "2024-12-31");
        for (uint32_t d = 0; d < s->deals.count; d++) {
            credo_money total = 0;
            size_t lines = 0;
            for (size_t i = 0; i < run->credit->count; i++) {
                const credo_credit_line *line = &run->credit->lines[i];
                if (line->deal == d && strcmp(line->kind, "revenue") == 0) {
                    total += line->amount;
                    lines++;
                }
            }
            bool won = s->deals.status[d] == CREDO_DEAL_WON;
            if (!won || run->credit->problem[d] != NULL) {
                assert_int_equal(lines, 0);
                continue;
            }
            credited++;
            if (total != s->deals.amount[d])
                fail_msg("seed %llu deal %s: revenue %lld, amount %lld", (unsigned long long)seed,
                         credo_snapshot_text(s, s->deals.id[d]), (long long)total, (long long)s->deals.amount[d]);
        }
        credo_run_free(run);
        credo_snapshot_free(s);
    }
    assert_true(credited > SEEDS * 10); /* the property was tested on many deals */
    credo_policy_free(policy);
}

/* ---- Order of the input ----------------------------------------------------- */

/* Writes every result of the run that the store would keep, in deal-id
 * order, as text. */
static char *results_text(const credo_run *run)
{
    const credo_snapshot *s = run->snapshot;
    credo_buf out = CREDO_BUF_INIT;
    char day[16];
    for (uint32_t d = 0; d < s->deals.count; d++) {
        const char *owner = run->ownership->owner[d];
        credo_buf_printf(&out, "deal %s owner %s status %u rule %u date %s\n", credo_snapshot_text(s, s->deals.id[d]),
                         owner != NULL ? owner : "-", run->ownership->status[d], run->engagement->rule[d],
                         credo_format_date(run->ownership->date[d], day));
    }
    for (size_t i = 0; i < run->credit->count; i++) {
        const credo_credit_line *line = &run->credit->lines[i];
        credo_buf_printf(&out, "line %s %s %s %s %s %s %d %lld\n", credo_snapshot_text(s, s->deals.id[line->deal]),
                         line->rep_id, line->kind, line->rule, line->role != NULL ? line->role : "-",
                         line->hold != NULL ? line->hold : "-", line->share, (long long)line->amount);
    }
    for (uint32_t r = 0; r < s->registrations.count; r++) {
        const credo_claim *claim = &run->engagement->claims[r];
        credo_buf_printf(&out, "claim %s %u %s %s %s\n", credo_snapshot_text(s, s->registrations.id[r]), claim->status,
                         credo_format_date(claim->protected_until, day), claim->key != NULL ? claim->key : "-",
                         claim->reason);
    }
    char *text = strdup(credo_buf_text(&out));
    credo_buf_free(&out);
    return text;
}

static void shuffled_input_same_results(void **state)
{
    (void)state;
    credo_policy *policy = fx_policy(RANDOM_POLICY);
    static facts f;
    for (uint64_t seed = 1; seed <= SEEDS / 4; seed++) {
        make_facts(&f, seed * 40503u);
        credo_snapshot *plain = build(&f, 0);
        credo_run *expected_run = fx_run(plain, policy, "2024-12-31");
        char *expected = results_text(expected_run);
        for (uint64_t order = 1; order <= 3; order++) {
            credo_snapshot *shuffled = build(&f, seed * 1000 + order);
            credo_run *run = fx_run(shuffled, policy, "2024-12-31");
            char *actual = results_text(run);
            assert_string_equal(actual, expected);
            free(actual);
            credo_run_free(run);
            credo_snapshot_free(shuffled);
        }
        free(expected);
        credo_run_free(expected_run);
        credo_snapshot_free(plain);
    }
    credo_policy_free(policy);
}

/* ---- Roll-up ---------------------------------------------------------------- */

/* Whether manager is above rep in the manager data, following at most
 * REPS steps (the data has a cycle). */
static bool manages(const facts *f, const char *manager, const char *rep)
{
    const char *current = rep;
    for (int step = 0; step < REPS; step++) {
        const char *next = NULL;
        for (size_t i = 0; i < REPS; i++)
            if (strcmp(f->rep[i], current) == 0 && f->manager[i][0] != '\0')
                next = f->manager[i];
        if (next == NULL || strcmp(next, rep) == 0)
            return false;
        if (strcmp(next, manager) == 0)
            return true;
        current = next;
    }
    return false;
}

static void check_rollup(const facts *f, const credo_run *run, uint32_t d)
{
    for (size_t m = 0; m < REPS; m++) {
        const char *manager = f->rep[m];
        size_t lines = 0;
        credo_money rolled = 0, expected = 0;
        for (size_t i = 0; i < run->credit->count; i++) {
            const credo_credit_line *line = &run->credit->lines[i];
            if (line->deal != d)
                continue;
            if (strcmp(line->kind, "rollup") == 0 && strcmp(line->rep_id, manager) == 0) {
                lines++;
                rolled += line->amount;
            }
            if (strcmp(line->kind, "revenue") == 0 && manages(f, manager, line->rep_id))
                expected += line->amount;
        }
        assert_true(lines <= 1);
        assert_int_equal(rolled, expected);
    }
}

static void manager_once_per_deal(void **state)
{
    (void)state;
    credo_policy *policy = fx_policy(RANDOM_POLICY);
    static facts f;
    for (uint64_t seed = 1; seed <= SEEDS / 2; seed++) {
        make_facts(&f, seed * 97531u);
        credo_snapshot *s = build(&f, 0);
        credo_run *run = fx_run(s, policy, "2024-12-31");
        for (uint32_t d = 0; d < s->deals.count; d++)
            check_rollup(&f, run, d);
        credo_run_free(run);
        credo_snapshot_free(s);
    }
    credo_policy_free(policy);
}

/* ---- Preview equals run -------------------------------------------------------- */

static void add_request(credo_snapshot *s, const credo_preview_request *request)
{
    char day[16];
    credo_format_date(request->date, day);
    fx_deal(s, CREDO_PREVIEW_DEAL_ID, request->account_id, request->rep_id, request->amount, "won", day, day);
    fx_deal_source(s, request->source, request->product, NULL);
    fx_registration(s, CREDO_PREVIEW_REGISTRATION_ID, request->rep_id, request->account_id, request->product,
                    request->source, day, CREDO_PREVIEW_DEAL_ID);
}

/* Compares the preview with the run's results for the added deal. */
static void compare_preview(const credo_preview_result *preview, const credo_run *run)
{
    const credo_snapshot *s = run->snapshot;
    uint32_t deal = fx_deal_row(s, CREDO_PREVIEW_DEAL_ID);
    uint32_t registration = fx_registration_row(s, CREDO_PREVIEW_REGISTRATION_ID);
    const credo_claim *claim = &run->engagement->claims[registration];
    const char *owner = run->ownership->owner[deal];

    assert_string_equal(preview->owner != NULL ? preview->owner : "-", owner != NULL ? owner : "-");
    assert_string_equal(preview->claim_status, credo_claim_status_name(claim->status));
    assert_true((preview->conflict != NULL) == (claim->status == CREDO_CLAIM_CONFLICT));
    bool covered = run->engagement->claim[deal] != CREDO_NO_ROW &&
                   run->engagement->rule[deal] == CREDO_ENGAGE_PROTECTED;
    if (covered)
        assert_int_equal(preview->protected_until, run->engagement->claims[run->engagement->claim[deal]].protected_until);
    size_t line = 0;
    for (size_t i = 0; i < run->credit->count; i++) {
        const credo_credit_line *expected = &run->credit->lines[i];
        if (expected->deal != deal)
            continue;
        assert_true(line < preview->line_count);
        assert_string_equal(preview->lines[line].rep_id, expected->rep_id);
        assert_string_equal(preview->lines[line].kind, expected->kind);
        assert_string_equal(preview->lines[line].rule, expected->rule);
        assert_int_equal(preview->lines[line].amount, expected->amount);
        line++;
    }
    assert_int_equal(line, preview->line_count);
}

static void preview_equals_run(void **state)
{
    (void)state;
    credo_policy *policy = fx_policy(RANDOM_POLICY);
    static facts f;
    size_t checked = 0;
    for (uint64_t seed = 1; seed <= SEEDS / 2; seed++) {
        make_facts(&f, seed * 7919u);
        uint64_t pick_seed = seed * 104729u;
        for (int k = 0; k < 4; k++) {
            char day[16];
            day_text((int)pick(&pick_seed, 300), day);
            const credo_preview_request request = {
                f.account[pick(&pick_seed, ACCOUNTS)], f.rep[pick(&pick_seed, REPS)], sources[pick(&pick_seed, 3)],
                NULL, pick(&pick_seed, 2) == 0 ? NULL : "p1", NULL, (credo_money)pick(&pick_seed, 3000000),
                fx_date(day)};
            credo_snapshot *s = build(&f, 0);
            credo_preview_result preview;
            credo_error err = {0};
            if (credo_preview(s, policy, NULL, 0, &request, &preview, &err) != CREDO_OK)
                fail_msg("preview failed: %s", err.message);

            credo_snapshot *with_deal = fx_new();
            add_people(with_deal, &f, 0);
            add_deals(with_deal, &f, 0);
            add_events(with_deal, &f, 0);
            add_request(with_deal, &request);
            fx_finish(with_deal);
            credo_run *run = fx_run(with_deal, policy, day);
            compare_preview(&preview, run);
            checked++;

            credo_run_free(run);
            credo_snapshot_free(with_deal);
            credo_preview_result_clear(&preview);
            credo_snapshot_free(s);
        }
    }
    assert_int_equal(checked, SEEDS * 2);
    credo_policy_free(policy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(revenue_sums_to_amount),
        cmocka_unit_test(shuffled_input_same_results),
        cmocka_unit_test(manager_once_per_deal),
        cmocka_unit_test(preview_equals_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
