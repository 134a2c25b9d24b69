/* Seeded generator of a benchmark organisation: accounts placed in US ZIP
 * codes by population, and a territory plan shaped like a Salesforce
 * territory model (up to 15 rules per territory, up to 10 criteria per
 * rule).
 *
 *   credo_bench_gen --zips bench/data/us_zips.csv --accounts N --territories T
 *                   [--seed S] [--overlays random|teams]
 *                   [--list-territories L --list-size S] [--hierarchy-depth D]
 *                   --out DIR
 *
 * writes DIR/accounts.csv and DIR/policy.yaml. The plan has:
 * - geographic territories (type "geo", priority 10): contiguous runs of ZIP
 *   codes of about equal population, split into up to 15 rules of postal
 *   ranges, lists or 3-digit prefixes with the state list and country, and,
 *   above 2,000 of them, crossed with employee bands and industry groups;
 * - named-account territories (type "strategic", priority 20), 1% of the
 *   plan, whose lists cover 3% of the accounts;
 * - overlays (type "specialist"), 2% of the plan. With --overlays random
 *   (the default) each is one industry in 3 random states, so they overlap
 *   more as the plan grows (15.6 per account at 100k territories). With
 *   --overlays teams they form 3 teams, each covering every account once
 *   (one industry group, or one industry in a run of states), so an account
 *   matches 3 overlays at any plan size;
 * - deliberate overlaps: 0.5% of geographic territories repeat a rule of
 *   their neighbour at the same priority;
 * - with --list-territories L, L more territories (type "listed", priority
 *   15) whose rule is one list of --list-size real ZIP codes;
 * - with --hierarchy-depth D, a chain of D roll-up nodes above the state
 *   roll-up nodes.
 * About 2% of accounts have no employee count, so banded plans have gaps. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ZIPS 40000
#define MAX_RULES 15

typedef struct zip_row {
    char zip[6];
    char city[48];
    char state[3];
    double population;
} zip_row;

static zip_row zips[MAX_ZIPS];
static size_t zip_count;
static double cumulative[MAX_ZIPS];

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double rng_unit(void)
{
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}

static double rng_normal(void)
{
    double u = rng_unit(), v = rng_unit();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static unsigned rng_below(unsigned n)
{
    return (unsigned)(rng_next() % n);
}

static const char *const INDUSTRIES[] = {
    "Technology", "Manufacturing", "Retail", "Healthcare", "Finance", "Education",
    "Government", "Energy", "Media", "Transportation", "Hospitality", "Construction",
};
static const double INDUSTRY_WEIGHTS[] = {14, 12, 11, 10, 9, 6, 4, 5, 5, 8, 7, 9};
#define INDUSTRY_COUNT 12

/* Employee bands [low, high) of banded plans; the last is open above. */
static const long BANDS[][2] = {{0, 50}, {50, 250}, {250, 1000}, {1000, 5000}, {5000, -1}};
#define BAND_COUNT 5
#define INDUSTRY_GROUPS 3

/* Reads the ZIP file (zip,city,state,population, no quoted fields). */
static int read_zips(const char *path)
{
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        fprintf(stderr, "credo_bench_gen: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[256];
    double total = 0;
    if (fgets(line, sizeof line, file) == NULL)
        zip_count = 0;
    while (zip_count < MAX_ZIPS && fgets(line, sizeof line, file) != NULL) {
        zip_row *z = &zips[zip_count];
        char *fields[4];
        char *at = line;
        for (int i = 0; i < 4; i++)
            fields[i] = strsep(&at, ",\n");
        if (fields[3] == NULL || strlen(fields[0]) != 5)
            continue;
        snprintf(z->zip, sizeof z->zip, "%s", fields[0]);
        snprintf(z->city, sizeof z->city, "%s", fields[1]);
        snprintf(z->state, sizeof z->state, "%s", fields[2]);
        z->population = atof(fields[3]);
        total += z->population;
        cumulative[zip_count++] = total;
    }
    fclose(file);
    return zip_count == 0 ? -1 : 0;
}

static size_t pick_zip(void)
{
    double target = rng_unit() * cumulative[zip_count - 1];
    size_t low = 0, high = zip_count - 1;
    while (low < high) {
        size_t middle = (low + high) / 2;
        if (cumulative[middle] <= target)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

static unsigned pick_industry(void)
{
    double total = 0;
    for (int i = 0; i < INDUSTRY_COUNT; i++)
        total += INDUSTRY_WEIGHTS[i];
    double target = rng_unit() * total;
    for (unsigned i = 0; i < INDUSTRY_COUNT; i++) {
        target -= INDUSTRY_WEIGHTS[i];
        if (target < 0)
            return i;
    }
    return INDUSTRY_COUNT - 1;
}

static int write_accounts(const char *dir, size_t accounts)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/accounts.csv", dir);
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "credo_bench_gen: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    setvbuf(out, NULL, _IOFBF, 1 << 20);
    fputs("id,name,country,region,postal_code,city,industry,employees,annual_revenue\n", out);
    for (size_t i = 0; i < accounts; i++) {
        const zip_row *z = &zips[pick_zip()];
        double employees = floor(exp(3.2 + 1.7 * rng_normal())) + 1;
        double revenue = floor(employees * exp(11.9 + 0.8 * rng_normal()));
        fprintf(out, "A%09zu,Account %zu,US,US-%s,%s,%s,%s,", i, i, z->state, z->zip, z->city,
                INDUSTRIES[pick_industry()]);
        if (rng_below(100) >= 2)
            fprintf(out, "%.0f", employees);
        fprintf(out, ",%.0f\n", revenue);
    }
    return fclose(out) == 0 ? 0 : -1;
}

/* ---- the plan ---- */

/* Writes the criteria of one run of ZIPs [from, to): a range, a list or a
 * prefix, then the states and the country. */
static void write_geo_criteria(FILE *out, size_t from, size_t to)
{
    unsigned style = rng_below(10);
    if (style < 6 || to - from > 40) {
        fprintf(out, "postal_code in (\"%s\"..\"%s\")", zips[from].zip, zips[to - 1].zip);
    } else if (style < 9) {
        fputs("postal_code in (", out);
        for (size_t z = from; z < to; z++)
            fprintf(out, "%s\"%s\"", z > from ? ", " : "", zips[z].zip);
        fputs(")", out);
    } else {
        fprintf(out, "(postal_code starts_with \"%.3s\" and postal_code in (\"%s\"..\"%s\"))",
                zips[from].zip, zips[from].zip, zips[to - 1].zip);
    }
    fputs(" and region in (", out);
    for (size_t z = from; z < to; z++)
        if (z == from || strcmp(zips[z].state, zips[z - 1].state) != 0)
            fprintf(out, "%s\"US-%s\"", z > from ? ", " : "", zips[z].state);
    fputs(") and country = \"US\"", out);
}

static void write_segment(FILE *out, unsigned band, unsigned group, unsigned segments)
{
    if (segments == 1)
        return;
    fprintf(out, " and employees >= %ld", BANDS[band][0]);
    if (BANDS[band][1] > 0)
        fprintf(out, " and employees < %ld", BANDS[band][1]);
    if (segments == BAND_COUNT)
        return;
    fputs(" and industry in (", out);
    for (unsigned i = group; i < INDUSTRY_COUNT; i += INDUSTRY_GROUPS)
        fprintf(out, "%s\"%s\"", i > group ? ", " : "", INDUSTRIES[i]);
    fputs(")", out);
}

/* Territory of geographic unit [from, to) and segment s. */
static void write_geo(FILE *out, size_t id, size_t from, size_t to, unsigned s, unsigned segments,
                      size_t next_from, size_t next_to)
{
    fprintf(out, "  - id: g%07zu\n    parent: region_%s\n    type: geo\n    match: |\n      ", id,
            zips[from].state);
    size_t span = to - from;
    unsigned rules = 1 + rng_below(span < MAX_RULES ? (unsigned)span : MAX_RULES);
    for (unsigned r = 0; r < rules; r++) {
        size_t a = from + span * r / rules, b = from + span * (r + 1) / rules;
        fputs(r > 0 ? "\n      or (" : "(", out);
        write_geo_criteria(out, a, b);
        write_segment(out, s % BAND_COUNT, s / BAND_COUNT, segments);
        fputs(")", out);
    }
    if (next_to > next_from && rng_below(1000) < 5) {
        fputs("\n      or (", out);
        write_geo_criteria(out, next_from, next_to);
        write_segment(out, s % BAND_COUNT, s / BAND_COUNT, segments);
        fputs(")", out);
    }
    fputs("\n", out);
}

/* Cuts the ZIP list into `units` runs of about equal population. */
static size_t *cut_units(size_t units)
{
    size_t *start = malloc((units + 1) * sizeof *start);
    if (start == NULL)
        return NULL;
    double total = cumulative[zip_count - 1];
    size_t z = 0;
    for (size_t u = 0; u < units; u++) {
        start[u] = z;
        double goal = total * (double)(u + 1) / (double)units;
        size_t last = zip_count - (units - u - 1);
        z++;
        while (z < last && cumulative[z - 1] < goal)
            z++;
    }
    start[units] = zip_count;
    return start;
}

static int write_geo_territories(FILE *out, size_t count)
{
    unsigned segments = count <= 2000 ? 1 : count <= 20000 ? BAND_COUNT : BAND_COUNT * INDUSTRY_GROUPS;
    size_t units = (count + segments - 1) / segments;
    if (units > zip_count)
        units = zip_count;
    size_t *start = cut_units(units);
    if (start == NULL)
        return -1;
    size_t id = 0;
    for (size_t u = 0; u < units && id < count; u++)
        for (unsigned s = 0; s < segments && id < count; s++, id++) {
            size_t next = u + 1 < units ? u + 1 : u;
            write_geo(out, id, start[u], start[u + 1], s, segments, start[next],
                      next == u ? start[next] : start[next + 1]);
        }
    free(start);
    return 0;
}

static void write_named(FILE *out, size_t count, size_t accounts)
{
    size_t per = accounts * 3 / 100 / (count == 0 ? 1 : count);
    for (size_t n = 0; n < count; n++) {
        fprintf(out, "  - id: k%06zu\n    type: strategic\n    named_accounts: [", n);
        for (size_t i = 0; i < per; i++)
            fprintf(out, "%s\"A%09llu\"", i > 0 ? ", " : "",
                    (unsigned long long)(rng_next() % (accounts == 0 ? 1 : accounts)));
        fputs("]\n", out);
    }
}

static void write_overlays(FILE *out, size_t count)
{
    for (size_t o = 0; o < count; o++) {
        unsigned industry = rng_below(INDUSTRY_COUNT);
        fprintf(out, "  - id: s%06zu\n    type: specialist\n    match: industry = \"%s\" and region in (",
                o, INDUSTRIES[industry]);
        for (int i = 0; i < 3; i++)
            fprintf(out, "%s\"US-%s\"", i > 0 ? ", " : "", zips[rng_below((unsigned)zip_count)].state);
        fputs(")\n", out);
    }
}

/* Overlay teams of the "teams" plan shape: each team's overlays cover
 * every account once, as specialist teams split the market among their
 * members. */
#define OVERLAY_TEAMS 3

/* Collects the distinct states of the ZIP rows, in the order first seen. */
static size_t distinct_states(const char *states[], size_t capacity)
{
    size_t count = 0;
    for (size_t z = 0; z < zip_count; z++) {
        bool seen = false;
        for (size_t s = 0; s < count && !seen; s++)
            seen = strcmp(states[s], zips[z].state) == 0;
        if (!seen && count < capacity)
            states[count++] = zips[z].state;
    }
    return count;
}

/* Writes one team's overlays, `count` of them at most: industry groups
 * when there are no more overlays than industries, else for each
 * industry a run of contiguous states (one state per overlay at most). */
static void write_overlay_team(FILE *out, unsigned team, size_t count, const char *states[],
                                 size_t state_count)
{
    size_t written = 0;
    if (count <= INDUSTRY_COUNT) {
        for (size_t o = 0; o < count; o++, written++) {
            fprintf(out, "  - id: s%u%05zu\n    type: specialist\n    match: industry in (", team, o);
            for (size_t i = o; i < INDUSTRY_COUNT; i += count)
                fprintf(out, "%s\"%s\"", i > o ? ", " : "", INDUSTRIES[i]);
            fputs(")\n", out);
        }
        return;
    }
    for (size_t i = 0; i < INDUSTRY_COUNT; i++) {
        size_t slices = count / INDUSTRY_COUNT + (i < count % INDUSTRY_COUNT);
        if (slices > state_count)
            slices = state_count;
        for (size_t slice = 0; slice < slices; slice++, written++) {
            fprintf(out, "  - id: s%u%05zu\n    type: specialist\n    match: industry = \"%s\" and region in (",
                    team, written, INDUSTRIES[i]);
            for (size_t st = slice * state_count / slices; st < (slice + 1) * state_count / slices; st++)
                fprintf(out, "%s\"US-%s\"", st > slice * state_count / slices ? ", " : "", states[st]);
            fputs(")\n", out);
        }
    }
}

/* Writes the overlays of the "teams" shape: OVERLAY_TEAMS teams sharing
 * `count` overlays, so that every account matches one overlay per team
 * whatever the plan's size. */
static void write_overlay_teams(FILE *out, size_t count)
{
    static const char *states[128];
    size_t state_count = distinct_states(states, sizeof states / sizeof states[0]);
    size_t per_team = count / OVERLAY_TEAMS > 0 ? count / OVERLAY_TEAMS : 1;
    for (unsigned team = 0; team < OVERLAY_TEAMS; team++)
        write_overlay_team(out, team, per_team, states, state_count);
}

/* Writes a chain of `depth` roll-up nodes, h000000 at the top, each the
 * parent of the next. */
static void write_hierarchy(FILE *out, size_t depth)
{
    for (size_t level = 0; level < depth; level++) {
        if (level == 0)
            fprintf(out, "  - {id: h%06zu}\n", level);
        else
            fprintf(out, "  - {id: h%06zu, parent: h%06zu}\n", level, level - 1);
    }
}

/* Writes the state roll-up nodes, under the deepest node of the chain when
 * there is one. */
static void write_regions(FILE *out, size_t depth)
{
    static const char *states[128];
    size_t state_count = distinct_states(states, sizeof states / sizeof states[0]);
    for (size_t s = 0; s < state_count; s++) {
        fprintf(out, "  - {id: region_%s, name: \"%s\"", states[s], states[s]);
        if (depth > 0)
            fprintf(out, ", parent: h%06zu", depth - 1);
        fputs("}\n", out);
    }
}

/* Writes `count` territories (type "listed") whose rule is one list of
 * `size` postal codes. Territory l takes the codes of ZIP rows l, l +
 * count, l + 2 * count and so on, wrapping around the ZIP table. The lists
 * are disjoint while count * size is at most the number of ZIP codes. */
static void write_listed(FILE *out, size_t count, size_t size)
{
    for (size_t l = 0; l < count; l++) {
        fprintf(out, "  - id: l%05zu\n    type: listed\n    match: postal_code in (", l);
        for (size_t k = 0; k < size; k++)
            fprintf(out, "%s\"%s\"", k > 0 ? ", " : "", zips[(l + k * count) % zip_count].zip);
        fputs(")\n", out);
    }
}

/* Plan options beyond the territory count. */
typedef struct plan_shape {
    bool overlay_teams;      /* --overlays teams */
    size_t listed, list_size; /* --list-territories, --list-size */
    size_t depth;            /* --hierarchy-depth */
} plan_shape;

static int write_policy(const char *dir, size_t territories, size_t accounts, const plan_shape *shape)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/policy.yaml", dir);
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "credo_bench_gen: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t named = territories / 100 > 0 ? territories / 100 : 1;
    size_t overlays = territories / 50 > 0 ? territories / 50 : 1;
    size_t geo = territories > named + overlays ? territories - named - overlays : 1;
    fputs("credo_policy: 1\nname: generated benchmark plan\n"
          "types:\n  - {id: geo, priority: 10}\n  - {id: strategic, priority: 20}\n"
          "  - {id: specialist, priority: 0, overlay: true}\n", out);
    if (shape->listed > 0)
        fputs("  - {id: listed, priority: 15}\n", out);
    fputs("territories:\n", out);
    write_hierarchy(out, shape->depth);
    write_regions(out, shape->depth);
    int status = write_geo_territories(out, geo);
    write_named(out, named, accounts);
    if (shape->overlay_teams)
        write_overlay_teams(out, overlays);
    else
        write_overlays(out, overlays);
    write_listed(out, shape->listed, shape->list_size);
    return fclose(out) == 0 && status == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *zip_path = "bench/data/us_zips.csv", *dir = NULL, *overlays = "random";
    plan_shape shape = {false, 0, 0, 0};
    size_t accounts = 100000, territories = 1000;
    rng_state = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--zips") == 0)
            zip_path = argv[i + 1];
        else if (strcmp(argv[i], "--accounts") == 0)
            accounts = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--territories") == 0)
            territories = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0)
            rng_state = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--out") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "--overlays") == 0)
            overlays = argv[i + 1];
        else if (strcmp(argv[i], "--list-territories") == 0)
            shape.listed = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--list-size") == 0)
            shape.list_size = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--hierarchy-depth") == 0)
            shape.depth = strtoull(argv[i + 1], NULL, 10);
    }
    shape.overlay_teams = strcmp(overlays, "teams") == 0;
    if (!shape.overlay_teams && strcmp(overlays, "random") != 0) {
        fprintf(stderr, "credo_bench_gen: invalid --overlays '%s'; use random or teams\n", overlays);
        return 2;
    }
    if (dir == NULL) {
        fprintf(stderr, "usage: credo_bench_gen [--zips FILE] [--accounts N] [--territories T] "
                        "[--seed S] [--overlays random|teams] [--list-territories L --list-size S] "
                        "[--hierarchy-depth D] --out DIR\n");
        return 2;
    }
    if (read_zips(zip_path) != 0) {
        fprintf(stderr, "credo_bench_gen: no ZIP rows read from %s\n", zip_path);
        return 3;
    }
    uint64_t seed = rng_state;
    if (write_accounts(dir, accounts) != 0)
        return 4;
    rng_state = seed ^ UINT64_C(0xA5A5A5A5);
    return write_policy(dir, territories, accounts, &shape) == 0 ? 0 : 4;
}
