/* End-to-end test on the bundled AdventureWorks example: import, run,
 * explain and export through the credo command, checked against figures
 * computed here from the raw source files with a separate, minimal reader
 * (split on '|', no quoting: the example files have none). */
#include "test_support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXAMPLE_DIR CREDO_SOURCE_DIR "/examples/adventureworks"
#define MAX_FIELDS 16

/* Figures computed from the source files alone. */
typedef struct expected_figures {
    size_t resellers;
    size_t orders;
    long long sales_cents;
    size_t out_of_territory;
    /* reseller key -> territory key of its orders ("" when it has none) */
    char territory_of_reseller[1000][8];
} expected_figures;

/* Splits a line in place on '|' after dropping a trailing CR. */
static size_t split_line(char *line, char **fields)
{
    size_t length = strlen(line);
    while (length > 0 && (line[length - 1] == '\r' || line[length - 1] == '\n'))
        line[--length] = '\0';
    size_t count = 0;
    fields[count++] = line;
    for (char *p = line; *p != '\0' && count < MAX_FIELDS; p++) {
        if (*p == '|') {
            *p = '\0';
            fields[count++] = p + 1;
        }
    }
    return count;
}

/* Parses "123.4" or "57.68" as cents. */
static long long parse_cents(const char *text)
{
    long long whole = 0, cents = 0;
    int decimals = -1;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '.') {
            decimals = 0;
            continue;
        }
        if (decimals < 0) {
            whole = whole * 10 + (*p - '0');
        } else {
            cents = cents * 10 + (*p - '0');
            decimals++;
        }
    }
    if (decimals == 1)
        cents *= 10;
    if (decimals <= 0)
        cents = 0;
    return whole * 100 + cents;
}

static bool is_member(const char members[][2][8], size_t count, const char *employee, const char *territory)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(members[i][0], employee) == 0 && strcmp(members[i][1], territory) == 0)
            return true;
    return false;
}

/* One order line: its order number and whether its employee is listed for
 * its territory in SalespersonRegion.csv. */
typedef struct order_line {
    char order[16];
    bool out_of_territory;
} order_line;

static int compare_order_lines(const void *a, const void *b)
{
    return strcmp(((const order_line *)a)->order, ((const order_line *)b)->order);
}

static void compute_expected(expected_figures *expected)
{
    memset(expected, 0, sizeof *expected);
    char line[4096];
    char *fields[MAX_FIELDS];

    FILE *resellers = fopen(EXAMPLE_DIR "/data/Reseller.csv", "rb");
    assert_non_null(resellers);
    while (fgets(line, sizeof line, resellers) != NULL)
        expected->resellers++;
    expected->resellers--; /* the header */
    fclose(resellers);

    static char members[64][2][8];
    size_t member_count = 0;
    FILE *regions = fopen(EXAMPLE_DIR "/data/SalespersonRegion.csv", "rb");
    assert_non_null(regions);
    while (fgets(line, sizeof line, regions) != NULL) {
        split_line(line, fields);
        if (strcmp(fields[0], "EmployeeKey") == 0)
            continue;
        snprintf(members[member_count][0], 8, "%s", fields[0]);
        snprintf(members[member_count][1], 8, "%s", fields[1]);
        member_count++;
    }
    fclose(regions);

    /* Orders: SalesOrderNumber, OrderDate, ProductKey, ResellerKey,
     * EmployeeKey, SalesTerritoryKey, Quantity, Unit Price, Sales, Cost.
     * Lines of one order are spread over the file, so they are collected,
     * sorted and counted once per order number. */
    FILE *sales = fopen(EXAMPLE_DIR "/data/Sales.csv", "rb");
    assert_non_null(sales);
    static order_line lines[60000];
    size_t line_count = 0;
    while (fgets(line, sizeof line, sales) != NULL) {
        size_t count = split_line(line, fields);
        if (strcmp(fields[0], "SalesOrderNumber") == 0)
            continue;
        assert_int_equal(count, 10);
        assert_true(line_count < 60000);
        expected->sales_cents += parse_cents(fields[8]);
        int reseller = atoi(fields[3]);
        assert_true(reseller > 0 && reseller < 1000);
        snprintf(expected->territory_of_reseller[reseller], 8, "%s", fields[5]);
        order_line *entry = &lines[line_count++];
        snprintf(entry->order, sizeof entry->order, "%s", fields[0]);
        entry->out_of_territory = !is_member((const char(*)[2][8])members, member_count, fields[4], fields[5]);
    }
    qsort(lines, line_count, sizeof lines[0], compare_order_lines);
    for (size_t i = 0; i < line_count; i++) {
        if (i > 0 && strcmp(lines[i].order, lines[i - 1].order) == 0)
            continue;
        expected->orders++;
        expected->out_of_territory += lines[i].out_of_territory;
    }
    fclose(sales);
}

static char *import_and_run(const char *dir, const char *mapping, json_t **summary)
{
    char *db = test_path_join(dir, "example.db");
    char command[8192];
    char *output = NULL;

    snprintf(command, sizeof command, "%s import --db %s %s", CREDO_BINARY, db, mapping);
    int code = test_run(command, 1, &output);
    if (code != 0)
        fail_msg("import failed (%d): %s", code, output);
    free(output);

    snprintf(command, sizeof command, "%s run --db %s --policy %s/policy.yaml --as-of 2020-06-30 --json",
             CREDO_BINARY, db, EXAMPLE_DIR);
    code = test_run(command, 0, &output);
    assert_int_equal(code, 0);
    json_error_t error;
    *summary = json_loads(output, 0, &error);
    if (*summary == NULL)
        fail_msg("run --json printed invalid JSON (%s): %s", error.text, output);
    free(output);
    return db;
}

static long long json_number(const json_t *object, const char *key)
{
    const json_t *value = json_object_get(object, key);
    if (!json_is_integer(value))
        fail_msg("key %s is missing or not an integer", key);
    return (long long)json_integer_value(value);
}

static void run_counts_match_sources(void **state)
{
    (void)state;
    static expected_figures expected;
    compute_expected(&expected);
    char *dir = test_make_tempdir("example");
    json_t *summary = NULL;
    char *db = import_and_run(dir, EXAMPLE_DIR "/mapping.yaml", &summary);

    assert_int_equal(json_number(summary, "accounts"), expected.resellers);
    assert_int_equal(json_number(summary, "assigned"), expected.resellers);
    assert_int_equal(json_number(summary, "overlaps"), 0);
    assert_int_equal(json_number(summary, "gaps"), 0);
    assert_int_equal(json_number(summary, "deals"), expected.orders);
    assert_int_equal(json_number(summary, "won_deals"), expected.orders);
    assert_int_equal(json_number(summary, "won_amount_minor"), expected.sales_cents);
    assert_int_equal(json_number(summary, "credited_amount_minor"), expected.sales_cents);
    assert_int_equal(json_number(summary, "out_of_territory"), expected.out_of_territory);
    assert_int_equal(json_array_size(json_object_get(summary, "out_of_territory_deals")),
                     expected.out_of_territory);
    json_decref(summary);
    free(db);
    free(dir);
}

static void resellers_in_order_territory(void **state)
{
    (void)state;
    static expected_figures expected;
    compute_expected(&expected);
    char *dir = test_make_tempdir("example-territory");
    json_t *summary = NULL;
    char *db = import_and_run(dir, EXAMPLE_DIR "/mapping.yaml", &summary);
    json_decref(summary);

    char command[8192];
    snprintf(command, sizeof command, "%s export --db %s --dir %s/out", CREDO_BINARY, db, dir);
    assert_int_equal(test_run(command, 1, NULL), 0);
    char *path = test_path_join(dir, "out/assignments.csv");
    FILE *file = fopen(path, "rb");
    assert_non_null(file);

    char line[4096];
    size_t checked = 0;
    while (fgets(line, sizeof line, file) != NULL) {
        char *comma = strchr(line, ',');
        assert_non_null(comma);
        *comma = '\0';
        if (strcmp(line, "account_id") == 0)
            continue;
        const char *territory = comma + 1;
        size_t territory_length = strcspn(territory, ",");
        int reseller = atoi(line);
        const char *wanted = expected.territory_of_reseller[reseller];
        if (wanted[0] == '\0')
            continue;
        if (strlen(wanted) != territory_length || strncmp(territory, wanted, territory_length) != 0)
            fail_msg("reseller %d assigned to %.*s, its orders are in territory %s", reseller,
                     (int)territory_length, territory, wanted);
        checked++;
    }
    fclose(file);
    assert_true(checked > 600);
    free(path);
    free(db);
    free(dir);
}

/* Finds the line of order `order` in Sales.csv and copies its employee and
 * territory keys. */
static void order_facts(const char *order, char *employee, char *territory)
{
    char line[4096];
    char *fields[MAX_FIELDS];
    FILE *sales = fopen(EXAMPLE_DIR "/data/Sales.csv", "rb");
    assert_non_null(sales);
    while (fgets(line, sizeof line, sales) != NULL) {
        split_line(line, fields);
        if (strcmp(fields[0], order) == 0) {
            strcpy(employee, fields[4]);
            strcpy(territory, fields[5]);
            fclose(sales);
            return;
        }
    }
    fclose(sales);
    fail_msg("order %s is not in Sales.csv", order);
}

static void explain_names_rule_members_owner(void **state)
{
    (void)state;
    char *dir = test_make_tempdir("example-explain");
    json_t *summary = NULL;
    char *db = import_and_run(dir, EXAMPLE_DIR "/mapping.yaml", &summary);
    const json_t *deals = json_object_get(summary, "out_of_territory_deals");
    assert_true(json_array_size(deals) > 0);

    /* The first, a middle and the last out-of-territory order. */
    size_t picks[] = {0, json_array_size(deals) / 2, json_array_size(deals) - 1};
    for (size_t p = 0; p < 3; p++) {
        const char *order = json_string_value(json_array_get(deals, picks[p]));
        char employee[16], territory[16], command[8192], needle[128];
        order_facts(order, employee, territory);

        char *output = NULL;
        snprintf(command, sizeof command, "%s explain deal %s --db %s", CREDO_BINARY, order, db);
        assert_int_equal(test_run(command, 1, &output), 0);

        assert_non_null(strstr(output, "policy.yaml:"));
        assert_non_null(strstr(output, "out_of_territory"));
        snprintf(needle, sizeof needle, "matches territory %s ", territory);
        assert_non_null(strstr(output, needle));
        snprintf(needle, sizeof needle, "recorded owner %s", employee);
        assert_non_null(strstr(output, needle));
        snprintf(needle, sizeof needle, "selling members of territory %s", territory);
        assert_non_null(strstr(output, needle));

        /* Every member listed for the territory appears by id. */
        char line[256];
        char *fields[MAX_FIELDS];
        FILE *regions = fopen(EXAMPLE_DIR "/data/SalespersonRegion.csv", "rb");
        assert_non_null(regions);
        while (fgets(line, sizeof line, regions) != NULL) {
            split_line(line, fields);
            if (strcmp(fields[1], territory) != 0)
                continue;
            snprintf(needle, sizeof needle, " %s (", fields[0]);
            if (strstr(output, needle) == NULL)
                fail_msg("explain of %s does not name member %s:\n%s", order, fields[0], output);
        }
        fclose(regions);
        free(output);
    }
    json_decref(summary);
    free(db);
    free(dir);
}

/* Deterministic generator for shuffles (xorshift64). */
static uint64_t next_random(uint64_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    return *seed;
}

/* Copies a source file with its data rows in a seeded random order, keeping
 * the header first, CRLF line ends and no line break after the last row. */
static void write_shuffled(const char *from, const char *to, uint64_t seed)
{
    size_t length;
    char *text = test_read_file(from, &length);
    size_t capacity = 1024, count = 0;
    char **lines = malloc(capacity * sizeof *lines);
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        line[strcspn(line, "\r")] = '\0';
        if (count == capacity)
            lines = realloc(lines, (capacity *= 2) * sizeof *lines);
        lines[count++] = line;
    }
    for (size_t i = count - 1; i > 1; i--) {
        size_t j = 1 + (size_t)(next_random(&seed) % i);
        char *swap = lines[i];
        lines[i] = lines[j];
        lines[j] = swap;
    }
    FILE *file = fopen(to, "wb");
    assert_non_null(file);
    for (size_t i = 0; i < count; i++)
        fprintf(file, "%s%s", lines[i], i + 1 < count ? "\r\n" : "");
    fclose(file);
    free(lines);
    free(text);
}

static void export_run(const char *dir, const char *mapping)
{
    json_t *summary = NULL;
    char *db = import_and_run(dir, mapping, &summary);
    json_decref(summary);
    char command[8192];
    snprintf(command, sizeof command, "%s export --db %s --dir %s/out", CREDO_BINARY, db, dir);
    assert_int_equal(test_run(command, 1, NULL), 0);
    free(db);
}

static void shuffled_input_same_bytes(void **state)
{
    (void)state;
    static const char *const files[] = {"Salesperson.csv", "Reseller.csv", "Sales.csv"};
    static const char *const outputs[] = {"assignments.csv", "deals.csv", "credit.csv"};
    char *plain = test_make_tempdir("example-plain");
    export_run(plain, EXAMPLE_DIR "/mapping.yaml");

    for (uint64_t seed = 1; seed <= 2; seed++) {
        char *shuffled = test_make_tempdir("example-shuffled");
        char path[4096], from[4096];
        snprintf(path, sizeof path, "%s/data", shuffled);
        assert_int_equal(mkdir(path, 0777), 0);
        for (size_t f = 0; f < 3; f++) {
            snprintf(from, sizeof from, "%s/data/%s", EXAMPLE_DIR, files[f]);
            snprintf(path, sizeof path, "%s/data/%s", shuffled, files[f]);
            write_shuffled(from, path, seed * 7919 + f);
        }
        snprintf(path, sizeof path, "%s/mapping.yaml", shuffled);
        test_copy_file(EXAMPLE_DIR "/mapping.yaml", path);
        export_run(shuffled, path);

        for (size_t o = 0; o < 3; o++) {
            size_t plain_length, shuffled_length;
            snprintf(path, sizeof path, "%s/out/%s", plain, outputs[o]);
            char *expected = test_read_file(path, &plain_length);
            snprintf(path, sizeof path, "%s/out/%s", shuffled, outputs[o]);
            char *actual = test_read_file(path, &shuffled_length);
            assert_int_equal(shuffled_length, plain_length);
            assert_memory_equal(actual, expected, plain_length);
            free(expected);
            free(actual);
        }
        free(shuffled);
    }
    free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_counts_match_sources),
        cmocka_unit_test(resellers_in_order_territory),
        cmocka_unit_test(explain_names_rule_members_owner),
        cmocka_unit_test(shuffled_input_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
