/* Tests of the rule compiler: a differential test against the straightforward
 * evaluator (credo_assign_accounts) on seeded random policies and accounts,
 * plus the anchor kinds, the expansion limits and the argument checks.
 *
 * The random policies use every operator, text ranges (postal codes among
 * them), starts_with, nested and/or/not, missing values, custom attributes
 * read as text and as numbers, an attribute the data lacks, named and
 * excluded lists (with unknown ids, and an account both named and
 * excluded), roll-up nodes, overlays and equal priorities. */
#include "test_support.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/buf.h"
#include "credo/engine.h"
#include "credo/policy.h"
#include "credo/rule_index.h"
#include "rule_index_internal.h"

/* Seed of the random policies; change it to explore other cases. */
#define DIFF_SEED UINT64_C(0x5eed2024c0ffee01)
#define DIFF_POLICIES 600
#define DIFF_ACCOUNTS 240

/* ---- Random numbers (splitmix64) --------------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n)
{
    return (unsigned)(rng_next() % n);
}

static bool rng_chance(unsigned percent)
{
    return rng_below(100) < percent;
}

/* ---- Vocabularies -------------------------------------------------------- */

static const char *const NAMES[] = {"Acme", "Acme Corp", "acme", "Beta", "Zeta", "Ötzi GmbH"};
static const char *const COUNTRIES[] = {"US", "CA", "MX", "DE"};
static const char *const REGIONS[] = {"US-WA", "US-CA", "US-NY", "CA-ON", "DE-BY", "MX-JAL"};
static const char *const POSTAL[] = {"98001", "98052", "98101", "98999", "10001", "10019",
                                     "02134", "94105", "94110", "K1A0B1", "9800", "980010"};
static const char *const CITIES[] = {"Seattle", "Seattle North", "Tacoma", "Boston", "Bost", ""};
static const char *const INDUSTRIES[] = {"Retail", "Tech", "Health", "", "retail"};
static const char *const SEGMENTS[] = {"SMB", "MID", "ENT", "smb", "SM"};
static const char *const TIERS[] = {"1", "2", "3", "x", "2.5", "-1", "1.00001", " 2", "02"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

typedef struct vocab {
    const char *const *words;
    size_t count;
} vocab;

/* Text fields of the generator, by name, with the values they draw from. The
 * id and parent fields draw from account ids, filled per policy. */
typedef enum gen_kind { GEN_TEXT, GEN_NUMBER, GEN_CUSTOM_NUMBER, GEN_ABSENT } gen_kind;

typedef struct gen_field {
    const char *name;
    gen_kind kind;
    vocab values;
} gen_field;

static char account_ids[DIFF_ACCOUNTS + 8][16];
static const char *account_id_list[DIFF_ACCOUNTS + 8];

static const gen_field FIELDS[] = {
    {"id", GEN_TEXT, {account_id_list, 12}},
    {"name", GEN_TEXT, {NAMES, COUNT_OF(NAMES)}},
    {"country", GEN_TEXT, {COUNTRIES, COUNT_OF(COUNTRIES)}},
    {"region", GEN_TEXT, {REGIONS, COUNT_OF(REGIONS)}},
    {"postal_code", GEN_TEXT, {POSTAL, COUNT_OF(POSTAL)}},
    {"postal_code", GEN_TEXT, {POSTAL, COUNT_OF(POSTAL)}},
    {"city", GEN_TEXT, {CITIES, COUNT_OF(CITIES)}},
    {"industry", GEN_TEXT, {INDUSTRIES, COUNT_OF(INDUSTRIES)}},
    {"parent", GEN_TEXT, {account_id_list, 12}},
    {"attr.segment", GEN_TEXT, {SEGMENTS, COUNT_OF(SEGMENTS)}},
    {"employees", GEN_NUMBER, {NULL, 0}},
    {"employees", GEN_NUMBER, {NULL, 0}},
    {"annual_revenue", GEN_NUMBER, {NULL, 0}},
    {"potential", GEN_NUMBER, {NULL, 0}},
    {"attr.tier", GEN_CUSTOM_NUMBER, {NULL, 0}},
    {"attr.tier", GEN_TEXT, {TIERS, COUNT_OF(TIERS)}},
    {"attr.absent", GEN_ABSENT, {SEGMENTS, COUNT_OF(SEGMENTS)}},
};

/* ---- Random expressions -------------------------------------------------- */

static const char *pick(const vocab *v)
{
    return v->words[rng_below((unsigned)v->count)];
}

/* A random number literal (scaled by 10000) and its text. */
static void random_number(char *text, size_t size, int64_t *scaled)
{
    int whole = (int)rng_below(1200) - 50;
    int tenths = rng_chance(25) ? (int)rng_below(10) : 0;
    snprintf(text, size, "%s%d%s%d", whole < 0 && whole > -1 ? "-" : "", whole, tenths ? "." : "",
             tenths);
    if (tenths == 0)
        snprintf(text, size, "%d", whole);
    *scaled = (int64_t)whole * 10000 + (whole < 0 ? -1 : 1) * tenths * 1000;
}

static void put_number(credo_buf *out)
{
    char text[32];
    int64_t scaled;
    random_number(text, sizeof text, &scaled);
    credo_buf_puts(out, text);
}

static void put_number_range(credo_buf *out)
{
    char a[32], b[32];
    int64_t x, y;
    random_number(a, sizeof a, &x);
    random_number(b, sizeof b, &y);
    credo_buf_printf(out, "%s..%s", x <= y ? a : b, x <= y ? b : a);
}

static void put_string(credo_buf *out, const char *text)
{
    credo_buf_printf(out, "\"%s\"", text);
}

/* A text range whose ends have equal length: two vocabulary words when
 * possible, else a range of one word. */
static void put_text_range(credo_buf *out, const vocab *v)
{
    const char *a = pick(v);
    for (int tries = 0; tries < 8; tries++) {
        const char *b = pick(v);
        if (strlen(a) == strlen(b)) {
            bool ordered = strcmp(a, b) <= 0;
            put_string(out, ordered ? a : b);
            credo_buf_puts(out, "..");
            put_string(out, ordered ? b : a);
            return;
        }
    }
    put_string(out, a);
    credo_buf_puts(out, "..");
    put_string(out, a);
}

/* A postal-code range of random five-digit ends. */
static void put_postal_range(credo_buf *out)
{
    unsigned a = rng_below(100000), b = rng_below(100000);
    credo_buf_printf(out, "\"%05u\"..\"%05u\"", a < b ? a : b, a < b ? b : a);
}

static void put_text_list(credo_buf *out, const gen_field *field)
{
    unsigned count = 1 + rng_below(4);
    credo_buf_puts(out, "(");
    for (unsigned i = 0; i < count; i++) {
        credo_buf_puts(out, i > 0 ? ", " : "");
        if (rng_chance(25) && strcmp(field->name, "postal_code") == 0)
            put_postal_range(out);
        else if (rng_chance(20))
            put_text_range(out, &field->values);
        else
            put_string(out, pick(&field->values));
    }
    credo_buf_puts(out, ")");
}

static void put_number_list(credo_buf *out)
{
    unsigned count = 1 + rng_below(4);
    credo_buf_puts(out, "(");
    for (unsigned i = 0; i < count; i++) {
        credo_buf_puts(out, i > 0 ? ", " : "");
        if (rng_chance(40))
            put_number_range(out);
        else
            put_number(out);
    }
    credo_buf_puts(out, ")");
}

static const char *const OPS[] = {"=", "!=", "<", "<=", ">", ">="};

/* Moves a cut in word forward to a UTF-8 character boundary. */
static size_t utf8_cut(const char *word, size_t cut)
{
    while (word[cut] != '\0' && ((unsigned char)word[cut] & 0xC0) == 0x80)
        cut++;
    return cut;
}

static void put_text_test(credo_buf *out, const gen_field *field)
{
    unsigned choice = rng_below(10);
    credo_buf_printf(out, "%s ", field->name);
    if (choice < 4) {
        credo_buf_printf(out, "%s ", OPS[choice == 0 ? 0 : rng_below(6)]);
        put_string(out, pick(&field->values));
    } else if (choice < 8) {
        credo_buf_puts(out, choice == 7 ? "not in " : "in ");
        put_text_list(out, field);
    } else {
        const char *word = pick(&field->values);
        size_t cut = strlen(word) == 0 ? 0 : utf8_cut(word, 1 + rng_below((unsigned)strlen(word)));
        credo_buf_printf(out, "starts_with (\"%.*s\"", (int)cut, word);
        if (rng_chance(40))
            credo_buf_printf(out, ", \"%.*s\"", (int)utf8_cut(word, cut > 1 ? cut - 1 : cut), word);
        credo_buf_puts(out, ")");
    }
}

static void put_number_test(credo_buf *out, const gen_field *field)
{
    unsigned choice = rng_below(10);
    credo_buf_printf(out, "%s ", field->name);
    if (choice < 6) {
        credo_buf_printf(out, "%s ", OPS[rng_below(6)]);
        put_number(out);
    } else {
        credo_buf_puts(out, choice == 9 ? "not in " : "in ");
        put_number_list(out);
    }
}

static void put_test(credo_buf *out)
{
    const gen_field *field = &FIELDS[rng_below(COUNT_OF(FIELDS))];
    if (field->kind == GEN_TEXT || (field->kind == GEN_ABSENT && rng_chance(50)))
        put_text_test(out, field);
    else
        put_number_test(out, field);
}

static void put_expr(credo_buf *out, int depth)
{
    unsigned choice = depth <= 0 ? 0 : rng_below(10);
    if (choice < 3) {
        put_test(out);
    } else if (choice < 5) {
        credo_buf_puts(out, "not ");
        if (rng_chance(50)) {
            put_test(out);
            return;
        }
        credo_buf_puts(out, "(");
        put_expr(out, depth - 1);
        credo_buf_puts(out, ")");
    } else {
        unsigned operands = 2 + rng_below(3);
        const char *op = choice < 8 ? " and " : " or ";
        credo_buf_puts(out, "(");
        for (unsigned i = 0; i < operands; i++) {
            credo_buf_puts(out, i > 0 ? op : "");
            put_expr(out, depth - 1);
        }
        credo_buf_puts(out, ")");
    }
}

/* An and of `pairs` ors, which expands to 2^pairs conjunctions. */
static void put_explosive(credo_buf *out, unsigned pairs)
{
    for (unsigned i = 0; i < pairs; i++) {
        credo_buf_puts(out, i > 0 ? " and (" : "(");
        put_test(out);
        credo_buf_puts(out, " or ");
        put_test(out);
        credo_buf_puts(out, ")");
    }
}

/* ---- Random policies ----------------------------------------------------- */

static const char *const TYPES[] = {"low", "mid", "mid_too", "high", "overlay", "overlay_two"};

static void put_id_list(credo_buf *out, const char *key)
{
    unsigned count = 1 + rng_below(4);
    credo_buf_printf(out, "    %s: [", key);
    for (unsigned i = 0; i < count; i++) {
        const char *id = rng_chance(10) ? "nobody" : account_ids[rng_below(DIFF_ACCOUNTS)];
        credo_buf_printf(out, "%s\"%s\"", i > 0 ? ", " : "", id);
    }
    credo_buf_puts(out, "]\n");
}

/* Writes one territory; `explosive` asks for a rule past the expansion limits. */
static void put_territory(credo_buf *out, unsigned index, bool explosive)
{
    credo_buf_printf(out, "  - id: \"t%03u\"\n", rng_below(1000) * 100 + index);
    if (rng_chance(8))
        return; /* a roll-up node */
    credo_buf_printf(out, "    type: %s\n", TYPES[rng_below(COUNT_OF(TYPES))]);
    bool named_only = rng_chance(8);
    if (named_only || rng_chance(15))
        put_id_list(out, "named_accounts");
    if (!named_only && rng_chance(15))
        put_id_list(out, "excluded_accounts");
    if (named_only)
        return;
    credo_buf_puts(out, "    match: |\n      ");
    if (explosive)
        put_explosive(out, 9 + rng_below(3));
    else
        put_expr(out, 1 + (int)rng_below(4));
    credo_buf_puts(out, "\n");
}

static char *random_policy_text(unsigned territories, bool explosive)
{
    credo_buf out = CREDO_BUF_INIT;
    credo_buf_puts(&out, "credo_policy: 1\ntypes:\n"
                         "  - {id: low, priority: 1}\n"
                         "  - {id: mid, priority: 5}\n"
                         "  - {id: mid_too, priority: 5}\n"
                         "  - {id: high, priority: 9}\n"
                         "  - {id: overlay, priority: 0, overlay: true}\n"
                         "  - {id: overlay_two, priority: 7, overlay: true}\n"
                         "territories:\n");
    for (unsigned t = 0; t < territories; t++)
        put_territory(&out, t, explosive && rng_chance(50));
    if (credo_buf_failed(&out))
        fail_msg("building the policy text ran out of memory");
    return out.data;
}

static credo_policy *parse_policy(const char *yaml)
{
    credo_error err = {0};
    credo_policy *policy = NULL;
    if (credo_policy_parse(yaml, strlen(yaml), "random.yaml", &policy, &err) != CREDO_OK)
        fail_msg("parsing a random policy failed: %s\n%s", err.message, yaml);
    return policy;
}

/* ---- Random accounts ----------------------------------------------------- */

static credo_str intern(credo_snapshot *snapshot, const char *text)
{
    credo_status status = CREDO_OK;
    credo_str id = credo_strpool_intern_cstr(snapshot->strings, text, &status);
    if (status != CREDO_OK)
        fail_msg("interning \"%s\" failed", text);
    return id;
}

/* A vocabulary word, or missing (CREDO_STR_NONE) one time in seven. */
static credo_str random_text(credo_snapshot *snapshot, const char *const *words, size_t count)
{
    return rng_chance(14) ? CREDO_STR_NONE : intern(snapshot, words[rng_below((unsigned)count)]);
}

static credo_number random_amount(void)
{
    if (rng_chance(14))
        return CREDO_NUMBER_NONE;
    return ((int64_t)rng_below(1200) - 50) * 10000 + (rng_chance(30) ? (int64_t)rng_below(10) * 1000 : 0);
}

static void set_attribute(credo_snapshot *snapshot, const char *name, size_t row, credo_str value)
{
    credo_error err = {0};
    credo_attribute_column *column = NULL;
    if (credo_snapshot_attribute(snapshot, name, &column, &err) != CREDO_OK)
        fail_msg("adding attribute %s failed: %s", name, err.message);
    column->values[row] = value;
}

static void add_random_account_with_id(credo_snapshot *snapshot, const char *id)
{
    credo_error err = {0};
    size_t row = 0;
    if (credo_snapshot_add_account(snapshot, &row, &err) != CREDO_OK)
        fail_msg("adding an account failed: %s", err.message);
    credo_accounts *a = &snapshot->accounts;
    a->id[row] = intern(snapshot, id);
    a->name[row] = random_text(snapshot, NAMES, COUNT_OF(NAMES));
    a->country[row] = random_text(snapshot, COUNTRIES, COUNT_OF(COUNTRIES));
    a->region[row] = random_text(snapshot, REGIONS, COUNT_OF(REGIONS));
    a->postal_code[row] = random_text(snapshot, POSTAL, COUNT_OF(POSTAL));
    a->city[row] = random_text(snapshot, CITIES, COUNT_OF(CITIES));
    a->industry[row] = random_text(snapshot, INDUSTRIES, COUNT_OF(INDUSTRIES));
    a->parent_id[row] = random_text(snapshot, account_id_list, DIFF_ACCOUNTS);
    a->employees[row] = random_amount();
    a->annual_revenue[row] = random_amount();
    a->potential[row] = random_amount();
    set_attribute(snapshot, "segment", row, random_text(snapshot, SEGMENTS, COUNT_OF(SEGMENTS)));
    set_attribute(snapshot, "tier", row, random_text(snapshot, TIERS, COUNT_OF(TIERS)));
}

static void add_random_account(credo_snapshot *snapshot, size_t index)
{
    add_random_account_with_id(snapshot, account_ids[index]);
}

/* Accounts in shuffled order, so that rows and insertion order differ. */
static credo_snapshot *random_snapshot(size_t count)
{
    credo_error err = {0};
    credo_snapshot *snapshot = NULL;
    if (credo_snapshot_new(&snapshot, &err) != CREDO_OK)
        fail_msg("creating a snapshot failed: %s", err.message);
    size_t order[DIFF_ACCOUNTS];
    for (size_t i = 0; i < count; i++)
        order[i] = i;
    for (size_t i = count; i > 1; i--) {
        size_t j = rng_below((unsigned)i);
        size_t swap = order[i - 1];
        order[i - 1] = order[j];
        order[j] = swap;
    }
    for (size_t i = 0; i < count; i++)
        add_random_account(snapshot, order[i]);
    if (credo_snapshot_finish(snapshot, &err) != CREDO_OK)
        fail_msg("finishing the snapshot failed: %s", err.message);
    return snapshot;
}

static void make_account_ids(void)
{
    for (size_t i = 0; i < DIFF_ACCOUNTS; i++) {
        snprintf(account_ids[i], sizeof account_ids[i], "A%04zu", (i * 7919) % 10000);
        account_id_list[i] = account_ids[i];
    }
}

/* ---- Comparison ------------------------------------------------------------ */

static void expect_same_list(const uint32_t *got, uint32_t got_from, uint32_t got_to,
                             const uint32_t *want, uint32_t want_from, uint32_t want_to,
                             const char *what, size_t row, const char *policy_text)
{
    bool same = got_to - got_from == want_to - want_from;
    for (uint32_t i = 0; same && i < got_to - got_from; i++)
        same = got[got_from + i] == want[want_from + i];
    if (same)
        return;
    credo_buf lists = CREDO_BUF_INIT;
    for (uint32_t i = got_from; i < got_to; i++)
        credo_buf_printf(&lists, " %u", got[i]);
    credo_buf_puts(&lists, " against the evaluator's");
    for (uint32_t i = want_from; i < want_to; i++)
        credo_buf_printf(&lists, " %u", want[i]);
    fail_msg("row %zu: the %s lists differ:%s\n%s", row, what, credo_buf_text(&lists), policy_text);
}

/* Compares entry i of got with row first + i of the oracle's want. */
static void expect_same(const credo_assignment *got, const credo_assignment *want, size_t first,
                        const char *policy_text)
{
    for (size_t i = 0; i < got->count; i++) {
        size_t row = first + i;
        if (got->status[i] != want->status[row] || got->territory[i] != want->territory[row])
            fail_msg("row %zu: status %u territory %u, the evaluator gives status %u territory %u\n%s",
                     row, got->status[i], got->territory[i], want->status[row], want->territory[row],
                     policy_text);
        expect_same_list(got->tied, got->tied_start[i], got->tied_start[i + 1], want->tied,
                         want->tied_start[row], want->tied_start[row + 1], "tied", row, policy_text);
        expect_same_list(got->overlays, got->overlay_start[i], got->overlay_start[i + 1],
                         want->overlays, want->overlay_start[row], want->overlay_start[row + 1],
                         "overlay", row, policy_text);
    }
}

/* Runs both evaluators on one random case and compares them. Returns the
 * number of accounts that matched some territory, to show the case is not
 * trivial. */
/* Composite conjunctions met by the differential cases, so that a test
 * can check the pair tables were reached. */
static size_t composite_seen;
/* Cases whose ranges were assigned grouped by order code, so that a test
 * can check the ordered pass was reached. */
static size_t ordered_seen;

/* Threaded assignment in small chunks must equal the oracle too. */
static void check_threads(const credo_snapshot *snapshot, const credo_rule_index *index,
                          const credo_assignment *want, const char *text)
{
    credo_error err = {0};
    credo_rule_bound *bound = NULL;
    credo_assignment *got = NULL;
    assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);
    assert_int_equal(credo_rule_bound_assign_threads(bound, 3, NULL, &got, &err), CREDO_OK);
    assert_int_equal(got->count, want->count);
    expect_same(got, want, 0, text);
    credo_rule_index_stats stats;
    credo_rule_index_stats_get(index, bound, &stats);
    composite_seen += stats.composite;
    ordered_seen += stats.order_codes > 0;
    credo_assignment_free(got);
    credo_rule_bound_free(bound);
}

static size_t check_one_case(unsigned territories, bool explosive)
{
    char *text = random_policy_text(territories, explosive);
    credo_policy *policy = parse_policy(text);
    credo_snapshot *snapshot = random_snapshot(DIFF_ACCOUNTS);
    credo_error err = {0};
    credo_assignment *want = NULL, *got = NULL;
    credo_rule_index *index = NULL;

    assert_int_equal(credo_assign_accounts(snapshot, policy, &want, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_assign_accounts_indexed(snapshot, policy, index, &got, &err), CREDO_OK);
    assert_int_equal(got->count, want->count);
    expect_same(got, want, 0, text);
    check_threads(snapshot, index, want, text);

    size_t matched = 0;
    for (size_t row = 0; row < want->count; row++)
        matched += want->status[row] != CREDO_ACCOUNT_GAP || want->overlay_start[row + 1] > want->overlay_start[row];
    credo_assignment_free(want);
    credo_assignment_free(got);
    credo_rule_index_free(index);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
    free(text);
    return matched;
}

/* ---- Tests ---------------------------------------------------------------- */

static void differential_random_policies(void **state)
{
    (void)state;
    rng_state = DIFF_SEED;
    make_account_ids();
    size_t matched = 0;
    for (unsigned i = 0; i < DIFF_POLICIES; i++)
        matched += check_one_case(1 + rng_below(40), false);
    /* Guards against a generator that makes every rule false. */
    assert_true(matched > DIFF_POLICIES * DIFF_ACCOUNTS / 4);
    /* Guards against cases that never reach a pair table. */
    assert_true(composite_seen > DIFF_POLICIES);
    /* Guards against cases that never reach the ordered pass. */
    assert_true(ordered_seen > DIFF_POLICIES / 2);
}

static void differential_expansion_limits(void **state)
{
    (void)state;
    rng_state = DIFF_SEED ^ 0xE1u;
    make_account_ids();
    for (unsigned i = 0; i < 20; i++)
        check_one_case(1 + rng_below(12), true);
}

/* Assigning a slice of the rows gives the oracle's entries for those rows. */
static void bound_assign_subrange(void **state)
{
    (void)state;
    rng_state = DIFF_SEED ^ 0x5Bu;
    make_account_ids();
    char *text = random_policy_text(25, false);
    credo_policy *policy = parse_policy(text);
    credo_snapshot *snapshot = random_snapshot(DIFF_ACCOUNTS);
    credo_error err = {0};
    credo_assignment *want = NULL, *got = NULL;
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;

    assert_int_equal(credo_assign_accounts(snapshot, policy, &want, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);
    assert_int_equal(credo_rule_bound_assign(bound, 17, 101, &got, &err), CREDO_OK);
    assert_int_equal(got->count, 101);
    expect_same(got, want, 17, text);

    credo_assignment_free(got);
    credo_assignment_free(want);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
    free(text);
}

/* Ranges from 16 rows (the shortest assigned in order) to a few more than
 * the 64 results that an ordered pass looks ahead when laying them out,
 * at several offsets, give the oracle's entries for those rows. */
static void bound_assign_short_ranges(void **state)
{
    (void)state;
    rng_state = DIFF_SEED ^ 0x6Cu;
    make_account_ids();
    char *text = random_policy_text(25, false);
    credo_policy *policy = parse_policy(text);
    credo_snapshot *snapshot = random_snapshot(DIFF_ACCOUNTS);
    credo_error err = {0};
    credo_assignment *want = NULL;
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    assert_int_equal(credo_assign_accounts(snapshot, policy, &want, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);
    credo_rule_index_stats stats;
    credo_rule_index_stats_get(index, bound, &stats);
    assert_true(stats.order_codes > 0);

    const size_t counts[] = {16, 17, 31, 32, 33, 63, 64, 65, 95, 96, 97, 129};
    const size_t firsts[] = {0, 1, 40, DIFF_ACCOUNTS - 129};
    for (size_t c = 0; c < COUNT_OF(counts); c++) {
        for (size_t f = 0; f < COUNT_OF(firsts); f++) {
            credo_assignment *got = NULL;
            assert_int_equal(credo_rule_bound_assign(bound, firsts[f], counts[c], &got, &err), CREDO_OK);
            assert_int_equal(got->count, counts[c]);
            expect_same(got, want, firsts[f], text);
            credo_assignment_free(got);
        }
    }

    credo_assignment_free(want);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
    free(text);
}

/* Rows of the large snapshot: three chunks of
 * credo_rule_bound_assign_threads on three threads, the last of 1,000 rows,
 * and enough records in one ordered pass to take the huge-page
 * allocation. */
#define LARGE_ACCOUNTS (2 * CREDO_RULE_INDEX_CHUNK_ROWS + 1000)

/* The first DIFF_ACCOUNTS rows carry the ids the policies' named and
 * excluded lists use; the others get ids of their own. */
static credo_snapshot *large_random_snapshot(void)
{
    credo_error err = {0};
    credo_snapshot *snapshot = NULL;
    if (credo_snapshot_new(&snapshot, &err) != CREDO_OK)
        fail_msg("creating a snapshot failed: %s", err.message);
    for (size_t i = 0; i < LARGE_ACCOUNTS; i++) {
        char id[16];
        snprintf(id, sizeof id, "L%06zu", i);
        add_random_account_with_id(snapshot, i < DIFF_ACCOUNTS ? account_ids[i] : id);
    }
    if (credo_snapshot_finish(snapshot, &err) != CREDO_OK)
        fail_msg("finishing the snapshot failed: %s", err.message);
    return snapshot;
}

/* Rules on number fields only: no text column lists a conjunction, so
 * ranges are assigned in row order. Amounts of the random accounts run
 * from -50 to 1,149.9 or are missing, so overlaps of the two primaries,
 * gaps and overlays occur. */
#define NUMBER_POLICY                                                                           \
    "credo_policy: 1\n"                                                                         \
    "types: [{id: geo, priority: 1}, {id: spec, priority: 0, overlay: true}]\n"                  \
    "territories:\n"                                                                            \
    "  - {id: small, type: geo, match: 'employees < 500'}\n"                                 \
    "  - {id: mid, type: geo, match: 'employees >= 200 and annual_revenue > 0'}\n"           \
    "  - {id: rich, type: spec, match: 'annual_revenue >= 300'}\n"

/* On a snapshot of several chunks, threaded assignment and one call over
 * all rows both equal the oracle, for a policy assigned grouped by order
 * code (ordered) and for one assigned in row order. The oracle must give
 * some assigned accounts and, when `varied`, also overlaps, gaps and
 * overlays. */
static void check_many_chunks(const credo_snapshot *snapshot, const char *text, bool ordered, bool varied)
{
    credo_policy *policy = parse_policy(text);
    credo_error err = {0};
    credo_assignment *want = NULL, *threaded = NULL, *whole = NULL;
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    assert_int_equal(credo_assign_accounts(snapshot, policy, &want, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);
    credo_rule_index_stats stats;
    credo_rule_index_stats_get(index, bound, &stats);
    assert_int_equal(stats.order_codes > 0, ordered);
    size_t kinds[3] = {0};
    for (size_t row = 0; row < want->count; row++)
        kinds[want->status[row]]++;
    assert_true(kinds[CREDO_ACCOUNT_ASSIGNED] > 0);
    if (varied) {
        assert_true(kinds[CREDO_ACCOUNT_OVERLAP] > 0);
        assert_true(kinds[CREDO_ACCOUNT_GAP] > 0);
        assert_true(want->overlay_start[want->count] > 0);
    }

    assert_int_equal(credo_rule_bound_assign_threads(bound, 3, NULL, &threaded, &err), CREDO_OK);
    assert_int_equal(threaded->count, LARGE_ACCOUNTS);
    expect_same(threaded, want, 0, text);
    assert_int_equal(credo_rule_bound_assign(bound, 0, LARGE_ACCOUNTS, &whole, &err), CREDO_OK);
    assert_int_equal(whole->count, LARGE_ACCOUNTS);
    expect_same(whole, want, 0, text);

    credo_assignment_free(whole);
    credo_assignment_free(threaded);
    credo_assignment_free(want);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_policy_free(policy);
}

static void assign_threads_many_chunks(void **state)
{
    (void)state;
    rng_state = DIFF_SEED ^ 0x7Du;
    make_account_ids();
    char *text = random_policy_text(25, false);
    credo_snapshot *snapshot = large_random_snapshot();
    check_many_chunks(snapshot, text, true, false);
    check_many_chunks(snapshot, NUMBER_POLICY, false, true);
    credo_snapshot_free(snapshot);
    free(text);
}

/* Gives each row the text values of another row. Every value stays one
 * the column already had, as credo_assign_incremental allows. */
static void move_text_values(credo_snapshot *snapshot)
{
    credo_accounts *a = &snapshot->accounts;
    credo_str *columns[] = {a->country, a->region, a->postal_code, a->city, a->industry};
    credo_str moved[DIFF_ACCOUNTS];
    for (size_t c = 0; c < COUNT_OF(columns); c++) {
        for (size_t row = 0; row < a->count; row++)
            moved[row] = columns[c][(row * 7 + 3 + c) % a->count];
        memcpy(columns[c], moved, a->count * sizeof *moved);
    }
}

/* The order codes are computed when binding. When account values change
 * afterwards, ranges are assigned in a stale order, and the result must
 * still be the oracle's for the new values. */
static void bound_assign_after_change(void **state)
{
    (void)state;
    rng_state = DIFF_SEED ^ 0xC4u;
    make_account_ids();
    for (unsigned i = 0; i < 40; i++) {
        char *text = random_policy_text(1 + rng_below(30), false);
        credo_policy *policy = parse_policy(text);
        credo_snapshot *snapshot = random_snapshot(DIFF_ACCOUNTS);
        credo_error err = {0};
        credo_assignment *want = NULL, *got = NULL;
        credo_rule_index *index = NULL;
        credo_rule_bound *bound = NULL;
        assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
        assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);

        move_text_values(snapshot);
        assert_int_equal(credo_assign_accounts(snapshot, policy, &want, &err), CREDO_OK);
        assert_int_equal(credo_rule_bound_assign(bound, 0, DIFF_ACCOUNTS, &got, &err), CREDO_OK);
        expect_same(got, want, 0, text);

        credo_assignment_free(got);
        credo_assignment_free(want);
        credo_rule_bound_free(bound);
        credo_rule_index_free(index);
        credo_snapshot_free(snapshot);
        credo_policy_free(policy);
        free(text);
    }
}

/* Assigning a list of rows gives the oracle's entries for those rows. */
static void bound_assign_rows_listed(void **state)
{
    (void)state;
    rng_state = DIFF_SEED ^ 0x7Au;
    make_account_ids();
    char *text = random_policy_text(30, false);
    credo_policy *policy = parse_policy(text);
    credo_snapshot *snapshot = random_snapshot(DIFF_ACCOUNTS);
    credo_error err = {0};
    credo_assignment *want = NULL, *got = NULL;
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    const uint32_t rows[] = {0, 5, 6, 17, 120, DIFF_ACCOUNTS - 1};

    assert_int_equal(credo_assign_accounts(snapshot, policy, &want, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);
    assert_int_equal(credo_rule_bound_assign_rows(bound, rows, 6, &got, &err), CREDO_OK);
    assert_int_equal(got->count, 6);
    for (size_t i = 0; i < 6; i++) {
        credo_assignment *one = NULL;
        assert_int_equal(credo_rule_bound_assign(bound, rows[i], 1, &one, &err), CREDO_OK);
        assert_int_equal(got->status[i], want->status[rows[i]]);
        assert_int_equal(got->territory[i], want->territory[rows[i]]);
        assert_int_equal(got->tied_start[i + 1] - got->tied_start[i],
                         want->tied_start[rows[i] + 1] - want->tied_start[rows[i]]);
        assert_int_equal(got->overlay_start[i + 1] - got->overlay_start[i],
                         want->overlay_start[rows[i] + 1] - want->overlay_start[rows[i]]);
        expect_same(one, want, rows[i], text);
        credo_assignment_free(one);
    }

    credo_assignment_free(got);
    credo_assignment_free(want);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
    free(text);
}

/* Four accounts, one per region, US-WA without employees. */
static credo_snapshot *small_snapshot(void)
{
    static const char *const regions[] = {"US-WA", "US-CA", "US-NY", "CA-ON"};
    credo_error err = {0};
    credo_snapshot *snapshot = NULL;
    assert_int_equal(credo_snapshot_new(&snapshot, &err), CREDO_OK);
    for (size_t i = 0; i < 4; i++) {
        size_t row = 0;
        char id[8];
        snprintf(id, sizeof id, "a%zu", i);
        assert_int_equal(credo_snapshot_add_account(snapshot, &row, &err), CREDO_OK);
        snapshot->accounts.id[row] = intern(snapshot, id);
        snapshot->accounts.region[row] = intern(snapshot, regions[i]);
        snapshot->accounts.employees[row] = i == 0 ? CREDO_NUMBER_NONE : (credo_number)(i * 100 * 10000);
    }
    assert_int_equal(credo_snapshot_finish(snapshot, &err), CREDO_OK);
    return snapshot;
}

#define KIND_POLICY                                                          \
    "credo_policy: 1\n"                                                      \
    "types: [{id: geo, priority: 1}]\n"                                      \
    "territories:\n"                                                         \
    "  - {id: by_region, type: geo, match: 'region in (\"US-WA\", \"US-CA\")'}\n" \
    "  - {id: by_band, type: geo, match: 'employees >= 150 and employees < 250'}\n" \
    "  - {id: negated, type: geo, match: 'not (region = \"US-NY\")'}\n"     \
    "  - {id: unknown_attr, type: geo, match: 'attr.missing = \"x\"'}\n"    \
    "  - {id: empty_band, type: geo, match: 'employees > 300 and employees < 200'}\n"

static void bind_anchor_kinds(void **state)
{
    (void)state;
    credo_snapshot *snapshot = small_snapshot();
    credo_policy *policy = parse_policy(KIND_POLICY);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);

    credo_rule_index_stats stats;
    credo_rule_index_stats_get(index, bound, &stats);
    assert_int_equal(stats.territories, 5);
    assert_int_equal(stats.conjunctions, 5);
    assert_int_equal(stats.anchored, 2);       /* by_region, by_band */
    assert_int_equal(stats.always_checked, 1); /* negated */
    assert_int_equal(stats.never_true, 2);     /* unknown_attr, empty_band */
    assert_int_equal(stats.postings, 3);       /* two regions, one elementary interval */

    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_snapshot_free(snapshot);
}

static void build_expansion_counts(void **state)
{
    (void)state;
    const char *yaml = "credo_policy: 1\n"
                       "types: [{id: geo, priority: 1}]\n"
                       "territories:\n"
                       "  - id: t\n"
                       "    type: geo\n"
                       "    match: |\n"
                       "      (region = \"a\" or region = \"b\") and not (city = \"c\" or employees > 5)\n";
    credo_policy *policy = parse_policy(yaml);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    credo_rule_index_stats stats;
    credo_rule_index_stats_get(index, NULL, &stats);
    /* (a or b) and not c and not e: two conjunctions of three tests. */
    assert_int_equal(stats.conjunctions, 2);
    assert_int_equal(stats.literals, 6);
    assert_int_equal(stats.opaque_literals, 0);
    credo_rule_index_free(index);
    credo_policy_free(policy);
}

static void build_limit_keeps_opaque(void **state)
{
    (void)state;
    credo_buf rule = CREDO_BUF_INIT;
    credo_buf_puts(&rule, "credo_policy: 1\ntypes: [{id: geo, priority: 1}]\nterritories:\n"
                          "  - id: t\n    type: geo\n    match: |\n      ");
    /* 2^9 = 512 conjunctions when fully expanded, above the limit of 256. */
    for (int i = 0; i < 9; i++)
        credo_buf_printf(&rule, "%s(region = \"r%d\" or city = \"c%d\")", i > 0 ? " and " : "", i, i);
    credo_buf_puts(&rule, "\n");
    credo_policy *policy = parse_policy(rule.data);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    credo_rule_index_stats stats;
    credo_rule_index_stats_get(index, NULL, &stats);
    assert_int_equal(stats.conjunctions, 256); /* eight pairs expanded, the ninth kept whole */
    assert_int_equal(stats.opaque_literals, 256);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_buf_free(&rule);
}

static void assign_other_policy_rejected(void **state)
{
    (void)state;
    credo_snapshot *snapshot = small_snapshot();
    credo_policy *first = parse_policy(KIND_POLICY);
    credo_policy *second = parse_policy(KIND_POLICY);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_assignment *out = NULL;
    assert_int_equal(credo_rule_index_build(first, &index, &err), CREDO_OK);
    assert_int_equal(credo_assign_accounts_indexed(snapshot, second, index, &out, &err), CREDO_ERR_INVALID);
    assert_null(out);
    assert_non_null(strstr(err.message, "another policy"));
    credo_rule_index_free(index);
    credo_policy_free(first);
    credo_policy_free(second);
    credo_snapshot_free(snapshot);
}

static void bound_range_outside_rejected(void **state)
{
    (void)state;
    credo_snapshot *snapshot = small_snapshot();
    credo_policy *policy = parse_policy(KIND_POLICY);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    credo_assignment *out = NULL;
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);
    assert_int_equal(credo_rule_bound_assign(bound, 3, 2, &out, &err), CREDO_ERR_INVALID);
    assert_null(out);
    assert_non_null(strstr(err.message, "rows 3 to 5"));
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_snapshot_free(snapshot);
}

static void bound_rows_unsorted_rejected(void **state)
{
    (void)state;
    credo_snapshot *snapshot = small_snapshot();
    credo_policy *policy = parse_policy(KIND_POLICY);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    credo_assignment *out = NULL;
    const uint32_t repeated[] = {0, 2, 2};
    const uint32_t outside[] = {1, 4};
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);
    assert_int_equal(credo_rule_bound_assign_rows(bound, repeated, 3, &out, &err), CREDO_ERR_INVALID);
    assert_null(out);
    assert_non_null(strstr(err.message, "row 2 follows row 2"));
    assert_int_equal(credo_rule_bound_assign_rows(bound, outside, 2, &out, &err), CREDO_ERR_INVALID);
    assert_null(out);
    assert_non_null(strstr(err.message, "row 4 is outside"));
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_snapshot_free(snapshot);
}

/* A band written as two tests of one field is joined into one filter, and
 * an account on either side of it, or without the field, is rejected. */
#define BAND_POLICY                                                          \
    "credo_policy: 1\n"                                                      \
    "types: [{id: geo, priority: 1}]\n"                                      \
    "territories:\n"                                                         \
    "  - {id: band, type: geo, match: 'region != \"XX\" and employees >= 150 and employees < 250'}\n"

static void assign_band_joined(void **state)
{
    (void)state;
    credo_snapshot *snapshot = small_snapshot();
    credo_policy *policy = parse_policy(BAND_POLICY);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_assignment *got = NULL;
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_assign_accounts_indexed(snapshot, policy, index, &got, &err), CREDO_OK);
    assert_int_equal(got->status[0], CREDO_ACCOUNT_GAP); /* no employees */
    assert_int_equal(got->status[1], CREDO_ACCOUNT_GAP); /* 100 */
    assert_int_equal(got->status[2], CREDO_ACCOUNT_ASSIGNED); /* 200 */
    assert_int_equal(got->status[3], CREDO_ACCOUNT_GAP); /* 300 */
    credo_assignment_free(got);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_snapshot_free(snapshot);
}

/* The small snapshot under KIND_POLICY, worked out by hand: a0 (US-WA, no
 * employees) matches by_region and negated; a1 (US-CA, 100) the same; a2
 * (US-NY, 200) only by_band; a3 (CA-ON, 300) only negated. */
static void assign_small_by_hand(void **state)
{
    (void)state;
    credo_snapshot *snapshot = small_snapshot();
    credo_policy *policy = parse_policy(KIND_POLICY);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_assignment *got = NULL;
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_assign_accounts_indexed(snapshot, policy, index, &got, &err), CREDO_OK);
    assert_int_equal(got->status[0], CREDO_ACCOUNT_OVERLAP);
    assert_int_equal(got->status[1], CREDO_ACCOUNT_OVERLAP);
    assert_int_equal(got->status[2], CREDO_ACCOUNT_ASSIGNED);
    assert_int_equal(got->territory[2], 1); /* by_band */
    assert_int_equal(got->status[3], CREDO_ACCOUNT_ASSIGNED);
    assert_int_equal(got->territory[3], 2); /* negated */
    /* Ties are listed by territory id: by_region before negated. */
    assert_int_equal(got->tied[got->tied_start[0]], 0);
    assert_int_equal(got->tied[got->tied_start[0] + 1], 2);
    credo_assignment_free(got);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_snapshot_free(snapshot);
}

/* 60 accounts p00..p59: row i has region regions[i % 6], industry
 * industries[i % 4], postal code postal[(i / 4) % 6] and employees
 * (i % 5) * 100. */
static credo_snapshot *pair_snapshot(void)
{
    static const char *const regions[] = {"US-WA", "US-CA", "US-OR", "US-NY", "US-TX", "US-FL"};
    static const char *const industries[] = {"Tech", "Retail", "Health", "Energy"};
    static const char *const postal[] = {"98001", "98052", "10001", "10019", "94105", "02134"};
    credo_error err = {0};
    credo_snapshot *snapshot = NULL;
    assert_int_equal(credo_snapshot_new(&snapshot, &err), CREDO_OK);
    for (size_t i = 0; i < 60; i++) {
        size_t row = 0;
        char id[8];
        snprintf(id, sizeof id, "p%02zu", i);
        assert_int_equal(credo_snapshot_add_account(snapshot, &row, &err), CREDO_OK);
        snapshot->accounts.id[row] = intern(snapshot, id);
        snapshot->accounts.region[row] = intern(snapshot, regions[i % 6]);
        snapshot->accounts.industry[row] = intern(snapshot, industries[i % 4]);
        snapshot->accounts.postal_code[row] = intern(snapshot, postal[(i / 4) % 6]);
        snapshot->accounts.employees[row] = (credo_number)((i % 5) * 100 * 10000);
    }
    assert_int_equal(credo_snapshot_finish(snapshot, &err), CREDO_OK);
    return snapshot;
}

/* A territory that no account matches but that sits in the posting lists
 * of postal code 98001 and of industry Tech, so that those lists are long
 * enough for composite anchors (region "US-ZZ" is nowhere in the data). */
#define PAIR_FILLER(id)                                                                     \
    "  - {id: " id ", type: geo, match: '(postal_code in (\"98000\"..\"98010\") or industry = \"Tech\") " \
    "and not (region != \"US-ZZ\")'}\n"

/* A postal range with an employee band, and an overlay on an industry and
 * two regions, among eight fillers. The postal range (10 rows) and the industry (15 rows) are
 * the anchors, and the other test passes a quarter and a third of the rows
 * they select, so both conjunctions move to pair tables. */
#define PAIR_POLICY                                                                         \
    "credo_policy: 1\n"                                                                     \
    "types: [{id: geo, priority: 1}, {id: spec, priority: 0, overlay: true}]\n"              \
    "territories:\n"                                                                        \
    "  - {id: band, type: geo, match: 'postal_code in (\"98000\"..\"98010\") and employees >= 100 and employees < 200'}\n" \
    "  - {id: tech, type: spec, match: 'industry = \"Tech\" and region in (\"US-WA\", \"US-NY\")'}\n" \
    PAIR_FILLER("f1") PAIR_FILLER("f2") PAIR_FILLER("f3") PAIR_FILLER("f4")                  \
    PAIR_FILLER("f5") PAIR_FILLER("f6") PAIR_FILLER("f7") PAIR_FILLER("f8")

/* Rows p00..p59 worked out by hand: "band" holds for postal 98001 ((i / 4)
 * % 6 == 0) and employees 100 (i % 5 == 1); "tech" for industry Tech (i %
 * 4 == 0) and region US-WA or US-NY (i % 6 is 0 or 3), that is i % 12 ==
 * 0. */
static void bind_composite_pairs(void **state)
{
    (void)state;
    credo_snapshot *snapshot = pair_snapshot();
    credo_policy *policy = parse_policy(PAIR_POLICY);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    credo_assignment *got = NULL;
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);
    credo_rule_index_stats stats;
    credo_rule_index_stats_get(index, bound, &stats);
    assert_int_equal(stats.composite, 2);
    assert_int_equal(credo_rule_bound_assign_threads(bound, 2, NULL, &got, &err), CREDO_OK);
    for (size_t i = 0; i < 60; i++) {
        bool band = (i / 4) % 6 == 0 && i % 5 == 1;
        bool tech = i % 12 == 0;
        assert_int_equal(got->status[i], band ? CREDO_ACCOUNT_ASSIGNED : CREDO_ACCOUNT_GAP);
        assert_int_equal(got->overlay_start[i + 1] - got->overlay_start[i], tech ? 1 : 0);
    }
    credo_assignment_free(got);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_snapshot_free(snapshot);
}

/* Every key of a pair table with a direct index finds the same postings
 * through the index as through the map. Both tables of PAIR_POLICY get an
 * index, because the fillers compile tests on both the postal code and the
 * industry, which ranks those columns. */
static void bind_pair_direct_index(void **state)
{
    (void)state;
    credo_snapshot *snapshot = pair_snapshot();
    credo_policy *policy = parse_policy(PAIR_POLICY);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);
    size_t direct = 0, keys = 0;
    for (size_t p = 0; p < bound->pair_count; p++) {
        const ri_pair_table *table = &bound->pairs[p];
        if (table->dense_start == NULL)
            continue;
        direct++;
        const ri_text_column *column = &bound->text[table->column];
        for (size_t i = 0; i <= table->map.mask; i++) {
            const ri_pair_slot *slot = &table->map.slots[i];
            if (slot->key == 0)
                continue;
            const ri_slot *anchor = ri_map_find(&column->map, (uint32_t)(slot->key >> 32));
            assert_non_null(anchor);
            uint32_t start = UINT32_MAX;
            uint32_t count = ri_pair_dense_slice(table, anchor->rank, (int64_t)(slot->key & UINT32_MAX), &start);
            assert_int_equal(count, slot->count);
            assert_int_equal(start, slot->start);
            keys++;
        }
    }
    assert_int_equal(direct, 2);
    /* (98001, band 100-199) for "band"; (Tech, US-WA) and (Tech, US-NY) for "tech". */
    assert_int_equal(keys, 3);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_snapshot_free(snapshot);
}

/* A rule of a postal code and an open-below employee band, so that the
 * band is the one test left after the anchor: an account without an
 * employee count must not pass it. */
#define MISSING_POLICY                                                                      \
    "credo_policy: 1\n"                                                                     \
    "types: [{id: geo, priority: 1}]\n"                                                     \
    "territories:\n"                                                                        \
    "  - {id: small, type: geo, match: 'postal_code = \"98001\" and employees < 200'}\n"

/* Rows p00..p59 of pair_snapshot with the employee count of every even
 * row removed. Postal 98001 contains rows 0-3, 24-27 and 48-51. Of those,
 * rows 0, 1, 25, 26, 50 and 51 had fewer than 200 employees (i % 5 of 0 or
 * 1), and only the odd ones keep their count, so rows 1, 25 and 51 match. */
static void assign_missing_number_fails(void **state)
{
    (void)state;
    credo_snapshot *snapshot = pair_snapshot();
    for (size_t i = 0; i < 60; i += 2)
        snapshot->accounts.employees[i] = CREDO_NUMBER_NONE;
    credo_policy *policy = parse_policy(MISSING_POLICY);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_assignment *got = NULL;
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_assign_accounts_indexed(snapshot, policy, index, &got, &err), CREDO_OK);
    for (size_t i = 0; i < 60; i++) {
        bool small = i == 1 || i == 25 || i == 51;
        assert_int_equal(got->status[i], small ? CREDO_ACCOUNT_ASSIGNED : CREDO_ACCOUNT_GAP);
    }
    credo_assignment_free(got);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_snapshot_free(snapshot);
}

typedef struct progress_log {
    uint64_t calls, last_done, last_total;
    bool ascending;
} progress_log;

static void log_progress(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
    progress_log *log = ctx;
    assert_string_equal(stage, "assign");
    log->ascending = log->ascending && done >= log->last_done;
    log->calls++;
    log->last_done = done;
    log->last_total = total;
}

/* Progress ends at the row count, and the threaded result equals one call
 * over all rows. */
static void assign_threads_progress(void **state)
{
    (void)state;
    credo_snapshot *snapshot = pair_snapshot();
    credo_policy *policy = parse_policy(PAIR_POLICY);
    credo_error err = {0};
    credo_rule_index *index = NULL;
    credo_rule_bound *bound = NULL;
    credo_assignment *got = NULL, *want = NULL;
    progress_log log = {.ascending = true};
    credo_progress progress = {log_progress, &log};
    assert_int_equal(credo_rule_index_build(policy, &index, &err), CREDO_OK);
    assert_int_equal(credo_rule_index_bind(index, snapshot, &bound, &err), CREDO_OK);
    assert_int_equal(credo_rule_bound_assign_threads(bound, 4, &progress, &got, &err), CREDO_OK);
    assert_int_equal(credo_assign_accounts(snapshot, policy, &want, &err), CREDO_OK);
    expect_same(got, want, 0, PAIR_POLICY);
    assert_true(log.calls >= 1);
    assert_true(log.ascending);
    assert_int_equal(log.last_done, 60);
    assert_int_equal(log.last_total, 60);
    credo_assignment_free(got);
    credo_assignment_free(want);
    credo_rule_bound_free(bound);
    credo_rule_index_free(index);
    credo_policy_free(policy);
    credo_snapshot_free(snapshot);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(differential_random_policies),
        cmocka_unit_test(differential_expansion_limits),
        cmocka_unit_test(bound_assign_subrange),
        cmocka_unit_test(bound_assign_short_ranges),
        cmocka_unit_test(assign_threads_many_chunks),
        cmocka_unit_test(bound_assign_after_change),
        cmocka_unit_test(bind_anchor_kinds),
        cmocka_unit_test(build_expansion_counts),
        cmocka_unit_test(build_limit_keeps_opaque),
        cmocka_unit_test(assign_other_policy_rejected),
        cmocka_unit_test(bound_range_outside_rejected),
        cmocka_unit_test(assign_small_by_hand),
        cmocka_unit_test(bound_assign_rows_listed),
        cmocka_unit_test(bound_rows_unsorted_rejected),
        cmocka_unit_test(assign_band_joined),
        cmocka_unit_test(bind_composite_pairs),
        cmocka_unit_test(bind_pair_direct_index),
        cmocka_unit_test(assign_missing_number_fails),
        cmocka_unit_test(assign_threads_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
