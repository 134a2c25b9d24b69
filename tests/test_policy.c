/* Tests of the policy parser and of credo_policy_check.
 *
 * Inline policies are written one YAML line per C line, so the expected
 * LINE:COLUMN of each error can be read off the source. Day numbers were
 * computed with Python's datetime module (days since 1970-01-01). */
#include "test_support.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "credo/policy.h"
#include "policy_internal.h"

#define DAY_2016_12_31 17166
#define DAY_2017_01_01 17167
#define DAY_2018_01_01 17532
#define DAY_2019_01_01 17897
#define DAY_2019_06_30 18077

/* ---- Helpers ---------------------------------------------------------- */

static credo_policy *parse_ok(const char *text)
{
    credo_policy *policy = NULL;
    credo_error err = {0};
    if (credo_policy_parse(text, strlen(text), "p.yaml", &policy, &err) != CREDO_OK)
        fail_msg("parse failed: %s", err.message);
    return policy;
}

/* Parses text that must be rejected with status and returns the error. */
static credo_error parse_fails(const char *text, credo_status status)
{
    credo_policy *policy = (credo_policy *)&policy; /* any non-NULL value */
    credo_error err = {0};
    assert_int_equal(credo_policy_parse(text, strlen(text), "p.yaml", &policy, &err), status);
    assert_null(policy);
    return err;
}

/* Fails unless text starts with prefix, showing both. */
static void assert_starts_with(const char *text, const char *prefix)
{
    if (strncmp(text, prefix, strlen(prefix)) != 0)
        fail_msg("\"%s\" does not start with \"%s\"", text, prefix);
}

static void assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

static char *fixture_path(const char *name)
{
    return test_path_join(CREDO_TEST_DATA "/policy", name);
}

static credo_policy *load_fixture(const char *name)
{
    char *path = fixture_path(name);
    credo_policy *policy = NULL;
    credo_error err = {0};
    if (credo_policy_load(path, &policy, &err) != CREDO_OK)
        fail_msg("loading %s failed: %s", path, err.message);
    free(path);
    return policy;
}

/* Parses a fixture under its bare file name, so that messages start with
 * "NAME:LINE:COLUMN". */
static credo_policy *parse_fixture(const char *name)
{
    char *path = fixture_path(name);
    size_t length;
    char *text = test_read_file(path, &length);
    credo_policy *policy = NULL;
    credo_error err = {0};
    if (credo_policy_parse(text, length, name, &policy, &err) != CREDO_OK)
        fail_msg("parsing %s failed: %s", path, err.message);
    free(text);
    free(path);
    return policy;
}

/* Returns line `index` (0-based) of text without its newline, or NULL. */
static char *nth_line(const char *text, size_t index)
{
    for (size_t i = 0; i < index; i++) {
        text = strchr(text, '\n');
        if (text == NULL)
            return NULL;
        text++;
    }
    if (*text == '\0')
        return NULL;
    size_t length = strcspn(text, "\n");
    char *line = strndup(text, length);
    assert_non_null(line);
    return line;
}

static size_t count_lines(const char *text)
{
    size_t count = 0;
    for (; *text != '\0'; text++)
        count += *text == '\n';
    return count;
}

/* Runs credo_policy_check and returns its output; *errors gets the count. */
static char *run_check(const credo_policy *policy, const credo_snapshot *snapshot, size_t *errors)
{
    credo_buf out = CREDO_BUF_INIT;
    *errors = credo_policy_check(policy, snapshot, &out);
    char *text = strdup(credo_buf_text(&out));
    credo_buf_free(&out);
    assert_non_null(text);
    return text;
}

static void assert_line_starts_with(const char *output, size_t index, const char *prefix)
{
    char *line = nth_line(output, index);
    if (line == NULL)
        fail_msg("output has no line %zu:\n%s", index, output);
    assert_starts_with(line, prefix);
    free(line);
}

/* ---- A complete valid policy ----------------------------------------- */

static void full_parses_header(void **state)
{
    (void)state;
    credo_policy *policy = load_fixture("full.yaml");
    assert_int_equal(policy->version, 1);
    assert_string_equal(policy->name, "AdventureWorks sales territories");
    assert_contains(policy->path, "full.yaml");
    assert_int_equal(policy->role_count, 3);
    assert_int_equal(policy->type_count, 2);
    assert_int_equal(policy->territory_count, 3);
    credo_policy_free(policy);
}

static void full_keeps_text(void **state)
{
    (void)state;
    char *path = fixture_path("full.yaml");
    char *text = test_read_file(path, NULL);
    credo_policy *policy = load_fixture("full.yaml");
    assert_string_equal(policy->text, text);
    credo_policy_free(policy);
    free(text);
    free(path);
}

static void full_parses_roles(void **state)
{
    (void)state;
    credo_policy *policy = load_fixture("full.yaml");
    assert_string_equal(policy->roles[0].id, "sales_rep");
    assert_true(policy->roles[0].selling);
    assert_true(policy->roles[0].single);
    assert_string_equal(policy->roles[1].id, "manager");
    assert_false(policy->roles[1].selling);
    assert_false(policy->roles[1].single);
    assert_string_equal(policy->roles[2].id, "specialist");
    assert_true(policy->roles[2].selling);
    assert_false(policy->roles[2].single); /* default */
    credo_policy_free(policy);
}

static void full_parses_types(void **state)
{
    (void)state;
    credo_policy *policy = load_fixture("full.yaml");
    assert_string_equal(policy->types[0].id, "region");
    assert_int_equal(policy->types[0].priority, 10);
    assert_false(policy->types[0].overlay);
    assert_string_equal(policy->types[1].id, "industry");
    assert_int_equal(policy->types[1].priority, 5);
    assert_true(policy->types[1].overlay);
    credo_policy_free(policy);
}

static void full_parses_rollup_territory(void **state)
{
    (void)state;
    credo_policy *policy = load_fixture("full.yaml");
    const credo_policy_territory *root = &policy->territories[0];
    assert_string_equal(root->id, "north_america");
    assert_string_equal(root->name, "North America");
    assert_null(root->parent_id);
    assert_int_equal(root->parent_index, SIZE_MAX);
    assert_null(root->type_id);
    assert_int_equal(root->type_index, SIZE_MAX);
    assert_null(root->match);
    assert_int_equal(root->named_count, 0);
    assert_int_equal(root->excluded_count, 0);
    assert_int_equal(root->member_count, 0);
    credo_policy_free(policy);
}

static void full_parses_territory_links(void **state)
{
    (void)state;
    credo_policy *policy = load_fixture("full.yaml");
    const credo_policy_territory *northwest = &policy->territories[1];
    assert_string_equal(northwest->id, "1");
    assert_string_equal(northwest->name, "Northwest");
    assert_string_equal(northwest->parent_id, "north_america");
    assert_int_equal(northwest->parent_index, 0);
    assert_string_equal(northwest->type_id, "region");
    assert_int_equal(northwest->type_index, 0);
    assert_non_null(northwest->match);
    assert_string_equal(credo_expr_text(northwest->match),
                        "country = \"US\" and region in (\"US-AK\", \"US-HI\")");

    const credo_policy_territory *retail = &policy->territories[2];
    assert_int_equal(retail->parent_index, 0);
    assert_int_equal(retail->type_index, 1);
    /* A literal block keeps its line breaks and extra indentation. */
    assert_string_equal(credo_expr_text(retail->match), "industry = \"Retail\"\n  and employees >= 100\n");
    credo_policy_free(policy);
}

static void full_parses_account_lists(void **state)
{
    (void)state;
    credo_policy *policy = load_fixture("full.yaml");
    const credo_policy_territory *northwest = &policy->territories[1];
    assert_int_equal(northwest->named_count, 2);
    assert_string_equal(northwest->named_accounts[0], "701");
    assert_string_equal(northwest->named_accounts[1], "702"); /* a YAML integer */
    assert_int_equal(northwest->excluded_count, 1);
    assert_string_equal(northwest->excluded_accounts[0], "703");
    credo_policy_free(policy);
}

static void full_parses_members(void **state)
{
    (void)state;
    credo_policy *policy = load_fixture("full.yaml");
    const credo_policy_territory *northwest = &policy->territories[1];
    assert_int_equal(northwest->member_count, 3);

    const credo_policy_member *first = &northwest->members[0];
    assert_string_equal(first->rep_id, "286"); /* written as a YAML integer */
    assert_string_equal(first->role_id, "sales_rep");
    assert_int_equal(first->role_index, 0);
    assert_int_equal(first->from, DAY_2017_01_01);
    assert_int_equal(first->to, DAY_2018_01_01);

    const credo_policy_member *second = &northwest->members[1];
    assert_string_equal(second->rep_id, "287");
    assert_int_equal(second->from, DAY_2018_01_01);
    assert_int_equal(second->to, CREDO_DATE_MAX);

    const credo_policy_member *third = &northwest->members[2];
    assert_string_equal(third->role_id, "manager");
    assert_int_equal(third->role_index, 1);
    assert_int_equal(third->from, CREDO_DATE_MIN);
    assert_int_equal(third->to, CREDO_DATE_MAX);

    const credo_policy_member *specialist = &policy->territories[2].members[0];
    assert_int_equal(specialist->role_index, 2);
    assert_int_equal(specialist->from, CREDO_DATE_MIN);
    assert_int_equal(specialist->to, DAY_2019_06_30);
    credo_policy_free(policy);
}

static void full_parses_positions(void **state)
{
    (void)state;
    credo_policy *policy = load_fixture("full.yaml");
    assert_int_equal(policy->roles[1].pos.line, 8);
    assert_int_equal(policy->roles[1].pos.column, 5);
    assert_int_equal(policy->types[1].pos.line, 17);
    assert_int_equal(policy->types[1].pos.column, 5);
    assert_int_equal(policy->territories[1].pos.line, 23);
    assert_int_equal(policy->territories[1].pos.column, 5);
    assert_int_equal(policy->territories[1].match_pos.line, 27);
    assert_int_equal(policy->territories[1].match_pos.column, 12);
    assert_int_equal(policy->territories[1].members[1].pos.line, 35);
    assert_int_equal(policy->territories[1].members[1].pos.column, 9);
    assert_int_equal(policy->territories[2].match_pos.line, 44);
    assert_int_equal(policy->territories[2].match_pos.column, 12);
    credo_policy_free(policy);
}

static void find_territory_by_id(void **state)
{
    (void)state;
    credo_policy *policy = load_fixture("full.yaml");
    assert_int_equal(credo_policy_find_territory(policy, "retail"), 2);
    assert_int_equal(credo_policy_find_territory(policy, "1"), 1);
    assert_int_equal(credo_policy_find_territory(policy, "nowhere"), SIZE_MAX);
    credo_policy_free(policy);
}

static void load_missing_file(void **state)
{
    (void)state;
    credo_policy *policy = NULL;
    credo_error err = {0};
    assert_int_equal(credo_policy_load("/nonexistent/policy.yaml", &policy, &err), CREDO_ERR_NOT_FOUND);
    assert_null(policy);
    assert_starts_with(err.message, "/nonexistent/policy.yaml: ");
}

/* ---- Other valid forms ------------------------------------------------ */

static void parse_numeric_ids_as_written(void **state)
{
    (void)state;
    credo_policy *policy = parse_ok("credo_policy: 1\n"
                                    "roles: [{id: 7, selling: true}]\n"
                                    "types: [{id: 10, priority: -3}]\n"
                                    "territories:\n"
                                    "  - id: 0042\n"
                                    "    type: 10\n"
                                    "    match: country = \"US\"\n"
                                    "    named_accounts: [08, 1.50]\n"
                                    "    members: [{rep: 0286, role: 7}]\n");
    assert_string_equal(policy->roles[0].id, "7");
    assert_int_equal(policy->types[0].priority, -3);
    assert_string_equal(policy->territories[0].id, "0042");
    assert_int_equal(policy->territories[0].type_index, 0);
    assert_string_equal(policy->territories[0].named_accounts[0], "08");
    assert_string_equal(policy->territories[0].named_accounts[1], "1.50");
    assert_string_equal(policy->territories[0].members[0].rep_id, "0286");
    assert_int_equal(policy->territories[0].members[0].role_index, 0);
    credo_policy_free(policy);
}

static void parse_null_values_as_absent(void **state)
{
    (void)state;
    credo_policy *policy = parse_ok("credo_policy: 1\n"
                                    "name:\n"
                                    "roles:\n"
                                    "  - id: rep\n"
                                    "    selling: ~\n"
                                    "territories:\n"
                                    "  - id: a\n"
                                    "    parent: null\n"
                                    "    excluded_accounts:\n"
                                    "    members:\n"
                                    "      - rep: \"1\"\n"
                                    "        role: rep\n"
                                    "        to: ~\n");
    assert_null(policy->name);
    assert_false(policy->roles[0].selling);
    assert_int_equal(policy->territories[0].parent_index, SIZE_MAX);
    assert_int_equal(policy->territories[0].excluded_count, 0);
    assert_int_equal(policy->territories[0].members[0].to, CREDO_DATE_MAX);
    credo_policy_free(policy);
}

static void parse_sections_in_any_order(void **state)
{
    (void)state;
    credo_policy *policy = parse_ok("territories:\n"
                                    "  - id: child\n"
                                    "    parent: root\n"
                                    "    type: t\n"
                                    "    match: city = \"Oslo\"\n"
                                    "    members: [{rep: r, role: seller}]\n"
                                    "  - id: root\n"
                                    "types: [{id: t, priority: 1}]\n"
                                    "roles: [{id: seller, selling: TRUE, single: False}]\n"
                                    "credo_policy: 1\n");
    assert_int_equal(policy->territories[0].parent_index, 1);
    assert_int_equal(policy->territories[0].type_index, 0);
    assert_true(policy->roles[0].selling);
    assert_false(policy->roles[0].single);
    credo_policy_free(policy);
}

static void parse_named_only_territory(void **state)
{
    (void)state;
    credo_policy *policy = parse_ok("credo_policy: 1\n"
                                    "types: [{id: strategic, priority: 100}]\n"
                                    "territories:\n"
                                    "  - id: key_accounts\n"
                                    "    type: strategic\n"
                                    "    named_accounts: [\"A-1\"]\n");
    assert_null(policy->territories[0].match);
    assert_int_equal(policy->territories[0].type_index, 0);
    assert_int_equal(policy->territories[0].named_count, 1);
    credo_policy_free(policy);
}

static void parse_minimal_policy(void **state)
{
    (void)state;
    credo_policy *policy = parse_ok("credo_policy: 1\n");
    assert_int_equal(policy->version, 1);
    assert_null(policy->name);
    assert_int_equal(policy->role_count, 0);
    assert_int_equal(policy->type_count, 0);
    assert_int_equal(policy->territory_count, 0);
    credo_policy_free(policy);
}

/* ---- YAML-level errors ------------------------------------------------ */

static void error_yaml_indentation(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "roles:\n"
                                  "  - id: a\n"
                                  "   selling: true\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:4:4: invalid YAML: ");
}

static void error_yaml_invalid_utf8(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "name: \xff\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:2:7: invalid YAML: ");
    assert_contains(err.message, "UTF-8");
}

static void error_yaml_anchor(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "name: &n North\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:2:7: YAML anchors (&name) are not supported");
}

static void error_yaml_alias(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "name: *n\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:2:7: YAML aliases (*name) are not supported");
}

static void error_yaml_tag(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: !!int 1\n", CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:1:15: YAML tags");
}

static void error_yaml_two_documents(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "---\n"
                                  "credo_policy: 1\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:2:1: a policy file holds one YAML document");
}

static void error_yaml_empty(void **state)
{
    (void)state;
    credo_error err = parse_fails("# only a comment\n", CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:1:1: the policy is empty");
}

static void error_yaml_nesting_limit(void **state)
{
    (void)state;
    char text[256] = "credo_policy: 1\nx: ";
    for (int i = 0; i < 40; i++)
        strcat(text, "[");
    for (int i = 0; i < 40; i++)
        strcat(text, "]");
    strcat(text, "\n");
    /* The top-level mapping is level 1, so the 32nd '[' (column 4 + 31)
     * opens level 33. */
    credo_error err = parse_fails(text, CREDO_ERR_LIMIT);
    assert_starts_with(err.message, "p.yaml:2:35: ");
}

static void error_size_limit_parse(void **state)
{
    (void)state;
    size_t length = POLICY_MAX_BYTES + 1;
    char *text = calloc(length, 1);
    assert_non_null(text);
    credo_policy *policy = NULL;
    credo_error err = {0};
    assert_int_equal(credo_policy_parse(text, length, "big.yaml", &policy, &err), CREDO_ERR_LIMIT);
    assert_null(policy);
    assert_starts_with(err.message, "big.yaml: ");
    free(text);
}

static void error_size_limit_load(void **state)
{
    (void)state;
    char *dir = test_make_tempdir("policy");
    char *path = test_path_join(dir, "big.yaml");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    /* A sparse file of one byte over the limit. */
    assert_int_equal(ftruncate(fd, (off_t)POLICY_MAX_BYTES + 1), 0);
    close(fd);

    credo_policy *policy = NULL;
    credo_error err = {0};
    assert_int_equal(credo_policy_load(path, &policy, &err), CREDO_ERR_LIMIT);
    assert_null(policy);
    unlink(path);
    free(path);
    free(dir);
}

/* ---- Keys and value types --------------------------------------------- */

static void error_top_level_list(void **state)
{
    (void)state;
    credo_error err = parse_fails("- credo_policy: 1\n", CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:1:1: the policy must be a mapping");
}

static void error_unknown_key_suggests(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types:\n"
                                  "  - id: region\n"
                                  "    prority: 10\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:4:5: unknown key 'prority' in a type; did you "
                                    "mean 'priority'?");
    assert_contains(err.message, "id, priority, overlay");
}

static void error_unknown_key_lists_allowed(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    colour: red\n",
                                  CREDO_ERR_INVALID);
    assert_string_equal(err.message, "p.yaml:4:5: unknown key 'colour' in a territory; use one of id, name, "
                                     "parent, type, match, named_accounts, excluded_accounts, members");
}

static void error_unknown_top_level_key(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territores:\n"
                                  "  - id: a\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:2:1: unknown key 'territores' in the policy; did "
                                    "you mean 'territories'?");
}

static void error_duplicate_key(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "roles:\n"
                                  "  - id: a\n"
                                  "    selling: true\n"
                                  "    selling: false\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:5:5: duplicate key 'selling' in a role (first given on line 4)");
}

static void error_priority_not_integer(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types:\n"
                                  "  - id: region\n"
                                  "    priority: 1.5\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:4:15: priority must be an integer, found '1.5'");
}

static void error_priority_quoted(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types:\n"
                                  "  - id: region\n"
                                  "    priority: \"10\"\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:4:15: priority must be an integer, found the quoted text '10'");
}

static void error_priority_out_of_range(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types:\n"
                                  "  - id: region\n"
                                  "    priority: 2147483648\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:4:15: priority 2147483648 is out of range");
}

static void error_selling_not_boolean(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "roles:\n"
                                  "  - id: rep\n"
                                  "    selling: yes\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:4:14: selling must be true or false, found 'yes'");
}

static void error_overlay_quoted(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types:\n"
                                  "  - id: region\n"
                                  "    priority: 1\n"
                                  "    overlay: 'true'\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:5:14: overlay must be true or false, found the "
                                    "quoted text 'true'");
}

static void error_version_not_integer(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: one\n", CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:1:15: credo_policy must be an integer");
}

static void error_roles_not_list(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "roles:\n"
                                  "  id: rep\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:3:3: roles must be a list");
}

static void error_territory_not_mapping(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - north\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:3:5: a territory must be a mapping of keys and values");
}

static void error_id_is_list(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - id: [a, b]\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:3:9: id must be text, found a list");
}

static void error_empty_id(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - id: \"\"\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:3:9: id is empty");
}

static void error_named_accounts_not_list(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types: [{id: t, priority: 1}]\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    type: t\n"
                                  "    match: country = \"US\"\n"
                                  "    named_accounts: \"701\"\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:7:21: named_accounts must be a list");
}

static void error_empty_account_entry(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types: [{id: t, priority: 1}]\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    type: t\n"
                                  "    named_accounts: [\"701\", ~]\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:6:29: an entry of named_accounts is empty");
}

/* ---- Missing keys and versions ---------------------------------------- */

static void error_missing_version(void **state)
{
    (void)state;
    credo_error err = parse_fails("name: x\n", CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:1:1: missing credo_policy");
}

static void error_unsupported_version(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 2\n", CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:1:15: unsupported credo_policy version 2");
}

static void error_role_without_id(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "roles:\n"
                                  "  - selling: true\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:3:5: role has no id");
}

static void error_type_without_id(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types:\n"
                                  "  - priority: 1\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:3:5: type has no id");
}

static void error_territory_without_id(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - name: North\n"
                                  "    id:\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:3:5: territory has no id");
}

static void error_type_without_priority(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types:\n"
                                  "  - id: region\n"
                                  "    overlay: false\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:3:5: type 'region' has no priority");
}

static void error_member_without_rep(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "roles: [{id: rep}]\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    members:\n"
                                  "      - role: rep\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:6:9: member has no rep");
}

static void error_member_without_role(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "roles: [{id: rep}]\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    members:\n"
                                  "      - rep: \"286\"\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:6:9: member has no role");
}

/* ---- Ids and references ----------------------------------------------- */

static void error_duplicate_role(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "roles:\n"
                                  "  - id: rep\n"
                                  "  - id: lead\n"
                                  "  - id: rep\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:5:5: duplicate role id 'rep' (first defined on line 3)");
}

static void error_duplicate_type(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types:\n"
                                  "  - {id: region, priority: 1}\n"
                                  "  - {id: region, priority: 2}\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:4:5: duplicate type id 'region' (first defined on line 3)");
}

static void error_duplicate_territory(void **state)
{
    (void)state;
    /* Two repeated ids: the report names the repeat that comes first. */
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - id: b\n"
                                  "  - id: a\n"
                                  "  - id: \"a\"\n"
                                  "  - id: b\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:5:5: duplicate territory id 'a' (first defined on line 4)");
}

static void error_unknown_role_suggests(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "roles: [{id: sales_rep}]\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    members:\n"
                                  "      - rep: \"286\"\n"
                                  "        role: sales_reps\n",
                                  CREDO_ERR_NOT_FOUND);
    assert_starts_with(err.message, "p.yaml:7:15: unknown role 'sales_reps'; did you mean "
                                    "'sales_rep'?");
}

static void error_unknown_type(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types: [{id: region, priority: 1}]\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    type: industry\n"
                                  "    match: industry = \"Retail\"\n",
                                  CREDO_ERR_NOT_FOUND);
    assert_starts_with(err.message, "p.yaml:5:11: unknown type 'industry'; define it under "
                                    "types");
}

static void error_unknown_parent(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - id: europe\n"
                                  "  - id: france\n"
                                  "    parent: eurpe\n",
                                  CREDO_ERR_NOT_FOUND);
    assert_starts_with(err.message, "p.yaml:5:13: unknown parent territory 'eurpe'; did you "
                                    "mean 'europe'?");
}

static void error_parent_cycle(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - id: root\n"
                                  "  - id: b\n"
                                  "    parent: c\n"
                                  "  - id: c\n"
                                  "    parent: b\n"
                                  "  - id: leaf\n"
                                  "    parent: b\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:5:13: territory parents form a cycle: b -> c -> b;");
}

static void error_parent_cycle_reached_from_leaf(void **state)
{
    (void)state;
    /* The walk starts at the leaf, but the cycle is named from its first
     * territory in the file. */
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - id: leaf\n"
                                  "    parent: z\n"
                                  "  - id: x\n"
                                  "    parent: y\n"
                                  "  - id: y\n"
                                  "    parent: z\n"
                                  "  - id: z\n"
                                  "    parent: x\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:6:13: territory parents form a cycle: x -> y -> z -> x;");
}

static void error_parent_self(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    parent: a\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:4:13: territory parents form a cycle: a -> a;");
}

static void error_unclosed_paren_in_file_coordinates(void **state)
{
    (void)state;
    /* The '(' opens on file line 7, column 7; the error is at the end of
     * the rule, and both positions are given in the file's terms. */
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types: [{id: t, priority: 1}]\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    type: t\n"
                                  "    match: |\n"
                                  "      (country = \"US\"\n"
                                  "       and region = \"US-WA\"\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:9:1: invalid match of territory 'a': expected ')' to close the '(' "
                                    "at line 7, column 7, found the end of the text;");
}

static void error_parent_cycle_long_is_shortened(void **state)
{
    (void)state;
    /* t00 -> t01 -> ... -> t19 -> t00: the first four and the last four are
     * named, and the twelve between are counted. */
    credo_buf yaml = CREDO_BUF_INIT;
    credo_buf_puts(&yaml, "credo_policy: 1\nterritories:\n");
    for (int t = 0; t < 20; t++)
        credo_buf_printf(&yaml, "  - id: t%02d\n    parent: t%02d\n", t, (t + 1) % 20);
    credo_error err = parse_fails(credo_buf_text(&yaml), CREDO_ERR_INVALID);
    credo_buf_free(&yaml);
    assert_starts_with(err.message, "p.yaml:4:13: territory parents form a cycle: t00 -> t01 -> t02 -> t03 -> "
                                    "... (12 more) -> t16 -> t17 -> t18 -> t19 -> t00; remove or change one");
}

/* ---- Territory shape and members -------------------------------------- */

static void error_match_without_type(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    match: country = \"US\"\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:4:12: territory 'a' has a match but no type");
}

static void error_type_without_match(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "types: [{id: region, priority: 1}]\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    type: region\n"
                                  "    named_accounts: []\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:5:11: territory 'a' has a type but no match");
}

static void error_named_without_type(void **state)
{
    (void)state;
    credo_error err = parse_fails("credo_policy: 1\n"
                                  "territories:\n"
                                  "  - id: a\n"
                                  "    excluded_accounts: [\"9\"]\n",
                                  CREDO_ERR_INVALID);
    assert_starts_with(err.message, "p.yaml:4:24: territory 'a' lists excluded_accounts but has no type");
}

static const char *member_policy_head = "credo_policy: 1\n"
                                        "roles: [{id: rep}]\n"
                                        "territories:\n"
                                        "  - id: a\n"
                                        "    members:\n"
                                        "      - rep: \"286\"\n"
                                        "        role: rep\n";

/* Parses member_policy_head followed by the member's date lines (8, 9). */
static credo_error member_dates_fail(const char *dates)
{
    char text[512];
    snprintf(text, sizeof text, "%s%s", member_policy_head, dates);
    return parse_fails(text, CREDO_ERR_INVALID);
}

static void error_member_from_after_to(void **state)
{
    (void)state;
    credo_error err = member_dates_fail("        from: 2018-01-01\n"
                                        "        to: 2017-01-01\n");
    assert_starts_with(err.message, "p.yaml:9:13: membership of rep '286' ends before it "
                                    "starts: to 2017-01-01 is not after from 2018-01-01");
}

static void error_member_from_equals_to(void **state)
{
    (void)state;
    credo_error err = member_dates_fail("        from: 2018-01-01\n"
                                        "        to: 2018-01-01\n");
    assert_starts_with(err.message, "p.yaml:9:13: membership of rep '286' ends before it starts");
}

static void error_member_impossible_date(void **state)
{
    (void)state;
    credo_error err = member_dates_fail("        from: 2023-02-29\n");
    assert_starts_with(err.message, "p.yaml:8:15: invalid date '2023-02-29' in from");
}

static void error_member_malformed_date(void **state)
{
    (void)state;
    credo_error err = member_dates_fail("        to: January 2018\n");
    assert_starts_with(err.message, "p.yaml:8:13: invalid date 'January 2018' in to");
}

/* ---- Match expression errors mapped into the file --------------------- */

/* Lines 1-5 of every match test; the match starts on line 6. */
static const char *match_policy_head = "credo_policy: 1\n"
                                       "types: [{id: t, priority: 1}]\n"
                                       "territories:\n"
                                       "  - id: a\n"
                                       "    type: t\n";

/* Parses match_policy_head followed by the match lines and returns the
 * error. Every case names the unknown field "bogus". */
static credo_error match_fails(const char *match_lines)
{
    char text[512];
    snprintf(text, sizeof text, "%s%s", match_policy_head, match_lines);
    credo_error err = parse_fails(text, CREDO_ERR_INVALID);
    assert_contains(err.message, "bogus");
    return err;
}

static void match_error_plain(void **state)
{
    (void)state;
    /* The value starts at column 12; "bogus" is at column 20 of it. */
    credo_error err = match_fails("    match: country = \"US\" and bogus = 1\n");
    assert_starts_with(err.message, "p.yaml:6:31: invalid match of territory 'a': ");
}

static void match_error_double_quoted(void **state)
{
    (void)state;
    /* The quote is column 12, so the value starts at 13; the two escaped
     * quotes take one more column each in the file than in the value. */
    credo_error err = match_fails("    match: \"country = \\\"US\\\" and bogus = 1\"\n");
    assert_starts_with(err.message, "p.yaml:6:34: ");
}

static void match_error_double_quoted_plain_text(void **state)
{
    (void)state;
    /* Without escapes, file column = quote column + expression column. */
    credo_error err = match_fails("    match: \"employees > 5 and bogus = 1\"\n");
    assert_starts_with(err.message, "p.yaml:6:31: ");
}

static void match_error_single_quoted(void **state)
{
    (void)state;
    /* '' in the file is one quote in the value. */
    credo_error err = match_fails("    match: 'name = \"O''Brien\" or bogus = 1'\n");
    assert_starts_with(err.message, "p.yaml:6:34: ");
}

static void match_error_literal(void **state)
{
    (void)state;
    /* Expression line 2 is file line 6 + 2; its text starts after the
     * block indentation of 6 and keeps 2 more spaces. */
    credo_error err = match_fails("    match: |\n"
                                  "      country = \"US\"\n"
                                  "        and bogus = 1\n");
    assert_starts_with(err.message, "p.yaml:8:13: ");
}

static void match_error_literal_first_line(void **state)
{
    (void)state;
    credo_error err = match_fails("    match: |-  # a comment after the header\n"
                                  "      bogus = 1\n"
                                  "      or country = \"US\"\n");
    assert_starts_with(err.message, "p.yaml:7:7: ");
}

static void match_error_folded(void **state)
{
    (void)state;
    /* Folding joins the lines with a space, so "bogus" is on expression
     * line 1; the mapping follows the source to file line 8. */
    credo_error err = match_fails("    match: >\n"
                                  "      country = \"US\"\n"
                                  "      and bogus = 1\n");
    assert_starts_with(err.message, "p.yaml:8:11: ");
}

static void match_error_multiline_plain(void **state)
{
    (void)state;
    credo_error err = match_fails("    match: country = \"US\"\n"
                                  "      and   bogus = 1\n");
    assert_starts_with(err.message, "p.yaml:7:13: ");
}

static void match_error_crlf_literal(void **state)
{
    (void)state;
    credo_error err = match_fails("    match: |\r\n"
                                  "      country = \"US\"\r\n"
                                  "      and bogus = 1\r\n");
    assert_starts_with(err.message, "p.yaml:8:11: ");
}

static void match_error_after_utf8(void **state)
{
    (void)state;
    /* Columns count characters: "é" is two bytes but one column. */
    credo_error err = match_fails("    match: city = \"Orléans\" and bogus = 1\n");
    assert_starts_with(err.message, "p.yaml:6:33: ");
}

/* ---- Position mapping internals --------------------------------------- */

static void lines_position_round_trip(void **state)
{
    (void)state;
    const char *text = "ab\ncdé\r\nf";
    policy_lines lines;
    assert_int_equal(policy_lines_init(&lines, text, strlen(text)), CREDO_OK);
    assert_int_equal(lines.count, 3);

    /* 'f' is byte 9: "ab\n" is 3 bytes, "cdé\r\n" is 6. */
    credo_policy_pos pos = policy_lines_position(&lines, 9);
    assert_int_equal(pos.line, 3);
    assert_int_equal(pos.column, 1);
    /* The CR after "cdé" is byte 7 and character 4 of line 2. */
    pos = policy_lines_position(&lines, 7);
    assert_int_equal(pos.line, 2);
    assert_int_equal(pos.column, 4);
    assert_int_equal(policy_lines_offset(&lines, (credo_policy_pos){2, 4}), 7);
    policy_lines_free(&lines);
}

static void lines_skip_byte_order_mark(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBFname: x";
    policy_lines lines;
    assert_int_equal(policy_lines_init(&lines, text, strlen(text)), CREDO_OK);
    assert_int_equal(policy_lines_offset(&lines, (credo_policy_pos){1, 7}), 9);
    policy_lines_free(&lines);
}

static void scalar_position_end_of_value(void **state)
{
    (void)state;
    const char *text = "match: \"a = \"\n";
    const char *value = "a = ";
    policy_lines lines;
    assert_int_equal(policy_lines_init(&lines, text, strlen(text)), CREDO_OK);
    /* Past the last byte is just after "a = ", on the closing quote. */
    credo_policy_pos pos = policy_scalar_position(&lines, (credo_policy_pos){1, 8}, value, strlen(value), 4);
    assert_int_equal(pos.line, 1);
    assert_int_equal(pos.column, 13);
    policy_lines_free(&lines);
}

static void scalar_position_unicode_escape(void **state)
{
    (void)state;
    /* \u00e9 is six source bytes for two value bytes. */
    const char *text = "m: \"caf\\u00e9 x\"\n";
    const char *value = "caf\xC3\xA9 x";
    policy_lines lines;
    assert_int_equal(policy_lines_init(&lines, text, strlen(text)), CREDO_OK);
    credo_policy_pos pos = policy_scalar_position(&lines, (credo_policy_pos){1, 4}, value, strlen(value), 6);
    assert_int_equal(pos.column, 15);
    policy_lines_free(&lines);
}

static void edit_distance_bounds(void **state)
{
    (void)state;
    assert_int_equal(policy_edit_distance("priority", "prority", 2), 1);
    assert_int_equal(policy_edit_distance("kitten", "sitting", 3), 3);
    assert_int_equal(policy_edit_distance("kitten", "sitting", 2), 3);
    assert_int_equal(policy_edit_distance("a", "abcd", 2), 3);
    assert_int_equal(policy_edit_distance("same", "same", 2), 0);
}

/* ---- check without data ---------------------------------------------- */

static void check_single_role_overlap(void **state)
{
    (void)state;
    credo_policy *policy = parse_fixture("check.yaml");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    /* 102 [2017-06-01, 2017-09-01) lies inside 100 [2017-01-01,
     * 2018-01-01); 101 starts on the day 100 ends, which is no overlap. */
    assert_line_starts_with(output, 0,
                            "check.yaml:26:9: error: members '100' (line 19) and '102' (line 26) "
                            "of territory 'west' overlap in role 'sales_rep'");
    assert_contains(output, "from 2017-06-01 to 2017-09-01");
    free(output);
    credo_policy_free(policy);
}

static void check_fixture_totals(void **state)
{
    (void)state;
    credo_policy *policy = parse_fixture("check.yaml");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    /* Errors: the overlap and A-2 named and excluded. Warnings: "!=",
     * "not in" and south without a selling member. */
    assert_int_equal(errors, 2);
    assert_int_equal(count_lines(output), 5);
    free(output);
    credo_policy_free(policy);
}

static void check_adjacent_intervals_pass(void **state)
{
    (void)state;
    credo_policy *policy = parse_ok("credo_policy: 1\n"
                                    "roles: [{id: rep, selling: true, single: true}]\n"
                                    "types: [{id: t, priority: 1}]\n"
                                    "territories:\n"
                                    "  - id: a\n"
                                    "    type: t\n"
                                    "    match: country = \"US\"\n"
                                    "    members:\n"
                                    "      - {rep: x, role: rep, to: 2017-01-01}\n"
                                    "      - {rep: y, role: rep, from: 2017-01-01, to: 2018-01-01}\n"
                                    "      - {rep: z, role: rep, from: 2018-01-01}\n");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    assert_int_equal(errors, 0);
    assert_string_equal(output, "");
    free(output);
    credo_policy_free(policy);
}

static void check_open_intervals_overlap(void **state)
{
    (void)state;
    credo_policy *policy = parse_ok("credo_policy: 1\n"
                                    "roles: [{id: rep, selling: true, single: true}]\n"
                                    "types: [{id: t, priority: 1}]\n"
                                    "territories:\n"
                                    "  - id: a\n"
                                    "    type: t\n"
                                    "    match: country = \"US\"\n"
                                    "    members:\n"
                                    "      - {rep: x, role: rep}\n"
                                    "      - {rep: y, role: rep, from: 2019-01-01}\n"
                                    "      - {rep: z, role: rep, to: 2017-01-01}\n");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    /* x is open at both ends, so y and z each overlap it. */
    assert_int_equal(errors, 2);
    assert_line_starts_with(output, 0, "p.yaml:10:9: error: members 'x' (line 9) and 'y'");
    assert_line_starts_with(output, 1, "p.yaml:11:9: error: members 'x' (line 9) and 'z'");
    assert_contains(output, "from 2019-01-01 on");
    assert_contains(output, "before 2017-01-01");
    free(output);
    credo_policy_free(policy);
}

static void check_overlap_in_other_role_passes(void **state)
{
    (void)state;
    credo_policy *policy = parse_ok("credo_policy: 1\n"
                                    "roles:\n"
                                    "  - {id: rep, selling: true, single: true}\n"
                                    "  - {id: helper, selling: false}\n"
                                    "types: [{id: t, priority: 1}]\n"
                                    "territories:\n"
                                    "  - id: a\n"
                                    "    type: t\n"
                                    "    match: country = \"US\"\n"
                                    "    members:\n"
                                    "      - {rep: x, role: rep, to: 2018-01-01}\n"
                                    "      - {rep: y, role: helper}\n"
                                    "      - {rep: z, role: helper}\n"
                                    "  - id: b\n"
                                    "    type: t\n"
                                    "    match: country = \"CA\"\n"
                                    "    members: [{rep: w, role: rep}]\n");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    /* helper is not single, and w is in another territory than x. */
    assert_int_equal(errors, 0);
    assert_string_equal(output, "");
    free(output);
    credo_policy_free(policy);
}

static void check_not_equal_warning(void **state)
{
    (void)state;
    credo_policy *policy = parse_fixture("check.yaml");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    assert_line_starts_with(output, 1,
                            "check.yaml:37:12: warning: industry != \"Retail\" is false for "
                            "accounts with no industry; if those accounts should match, write "
                            "not (industry = \"Retail\")");
    free(output);
    credo_policy_free(policy);
}

static void check_not_in_under_not_warning(void **state)
{
    (void)state;
    credo_policy *policy = parse_fixture("check.yaml");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    /* "country" is at column 31 of the value, which starts at column 12. */
    assert_line_starts_with(output, 2,
                            "check.yaml:37:42: warning: country not in (\"US\", \"CA\") is false "
                            "for accounts with no country, so the enclosing not makes those "
                            "accounts match");
    free(output);
    credo_policy_free(policy);
}

static void check_negated_equals_passes(void **state)
{
    (void)state;
    credo_policy *policy = parse_ok("credo_policy: 1\n"
                                    "roles: [{id: rep, selling: true}]\n"
                                    "types: [{id: t, priority: 1}]\n"
                                    "territories:\n"
                                    "  - id: a\n"
                                    "    type: t\n"
                                    "    match: not (industry = \"Retail\") and country in (\"US\")\n"
                                    "    members: [{rep: x, role: rep}]\n");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    assert_int_equal(errors, 0);
    assert_string_equal(output, "");
    free(output);
    credo_policy_free(policy);
}

static void check_warning_in_literal_block(void **state)
{
    (void)state;
    credo_policy *policy = parse_ok("credo_policy: 1\n"
                                    "roles: [{id: rep, selling: true}]\n"
                                    "types: [{id: t, priority: 1}]\n"
                                    "territories:\n"
                                    "  - id: a\n"
                                    "    type: t\n"
                                    "    match: |\n"
                                    "      country = \"US\"\n"
                                    "        and region not in (\"US-AK\")\n"
                                    "    members: [{rep: x, role: rep}]\n");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    assert_int_equal(errors, 0);
    assert_line_starts_with(output, 0, "p.yaml:9:13: warning: region not in (\"US-AK\")");
    free(output);
    credo_policy_free(policy);
}

static void check_no_selling_member_warning(void **state)
{
    (void)state;
    credo_policy *policy = parse_fixture("check.yaml");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    assert_line_starts_with(output, 3,
                            "check.yaml:41:5: warning: territory 'south' has no member in a "
                            "selling role");
    /* The roll-up territory "all" receives no accounts, so no warning. */
    assert_null(strstr(output, "'all'"));
    free(output);
    credo_policy_free(policy);
}

static void check_named_and_excluded_error(void **state)
{
    (void)state;
    credo_policy *policy = parse_fixture("check.yaml");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    assert_line_starts_with(output, 4,
                            "check.yaml:41:5: error: account 'A-2' is both named and excluded in "
                            "territory 'south'");
    free(output);
    credo_policy_free(policy);
}

/* ---- check with a snapshot ------------------------------------------- */

static void add_rep(credo_snapshot *snapshot, const char *id, credo_date from, credo_date to)
{
    size_t row;
    credo_status status = CREDO_OK;
    assert_int_equal(credo_snapshot_add_rep(snapshot, &row, NULL), CREDO_OK);
    snapshot->reps.id[row] = credo_strpool_intern_cstr(snapshot->strings, id, &status);
    assert_int_equal(status, CREDO_OK);
    snapshot->reps.active_from[row] = from;
    snapshot->reps.active_to[row] = to;
}

static void add_account(credo_snapshot *snapshot, const char *id)
{
    size_t row;
    credo_status status = CREDO_OK;
    assert_int_equal(credo_snapshot_add_account(snapshot, &row, NULL), CREDO_OK);
    snapshot->accounts.id[row] = credo_strpool_intern_cstr(snapshot->strings, id, &status);
    assert_int_equal(status, CREDO_OK);
}

/* Reps R-100 (always active), R-200 (inactive from 2017-01-01) and R-300
 * (active from 2019-01-01); accounts. */
static credo_snapshot *make_snapshot(void)
{
    credo_snapshot *snapshot = NULL;
    assert_int_equal(credo_snapshot_new(&snapshot, NULL), CREDO_OK);
    add_rep(snapshot, "R-300", DAY_2019_01_01, CREDO_DATE_MAX);
    add_rep(snapshot, "R-100", CREDO_DATE_MIN, CREDO_DATE_MAX);
    add_rep(snapshot, "R-200", CREDO_DATE_MIN, DAY_2017_01_01);
    add_account(snapshot, "A-2");
    add_account(snapshot, "A-1");
    assert_int_equal(credo_snapshot_finish(snapshot, NULL), CREDO_OK);
    return snapshot;
}

static char *check_data_fixture(size_t *errors)
{
    credo_policy *policy = parse_fixture("check_data.yaml");
    credo_snapshot *snapshot = make_snapshot();
    char *output = run_check(policy, snapshot, errors);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
    return output;
}

static void check_data_totals(void **state)
{
    (void)state;
    size_t errors;
    char *output = check_data_fixture(&errors);
    /* Errors: R-10O, X-999, A-9 and B-7. Warnings. */
    assert_int_equal(errors, 4);
    assert_int_equal(count_lines(output), 6);
    free(output);
}

static void check_data_unknown_accounts(void **state)
{
    (void)state;
    size_t errors;
    char *output = check_data_fixture(&errors);
    assert_line_starts_with(output, 0,
                            "check_data.yaml:12:5: error: account 'A-9' in named_accounts of territory "
                            "'west' is not in the data");
    assert_line_starts_with(output, 1,
                            "check_data.yaml:12:5: error: account 'B-7' in excluded_accounts of "
                            "territory 'west' is not in the data");
    free(output);
}

static void check_data_unknown_rep_suggests(void **state)
{
    (void)state;
    size_t errors;
    char *output = check_data_fixture(&errors);
    assert_line_starts_with(output, 2,
                            "check_data.yaml:20:9: error: rep 'R-10O' of territory 'west' is not in the "
                            "data; did you mean 'R-100'?");
    free(output);
}

static void check_data_unknown_rep(void **state)
{
    (void)state;
    size_t errors;
    char *output = check_data_fixture(&errors);
    assert_line_starts_with(output, 3,
                            "check_data.yaml:22:9: error: rep 'X-999' of territory 'west' is not in the "
                            "data; import the rep or correct the id");
    free(output);
}

static void check_data_inactive_reps(void **state)
{
    (void)state;
    size_t errors;
    char *output = check_data_fixture(&errors);
    assert_line_starts_with(output, 4,
                            "check_data.yaml:24:9: warning: rep 'R-200' is inactive from 2017-01-01, "
                            "before the membership of territory 'west' starts on 2017-03-01");
    assert_line_starts_with(output, 5,
                            "check_data.yaml:27:9: warning: rep 'R-300' becomes active on 2019-01-01, "
                            "after the membership of territory 'west' ends on 2017-01-01");
    free(output);
}

static void check_data_account_id_is_not_rep(void **state)
{
    (void)state;
    /* "A-1" is interned as an account id, but no rep has it. */
    credo_policy *policy = parse_ok("credo_policy: 1\n"
                                    "roles: [{id: rep, selling: true}]\n"
                                    "types: [{id: t, priority: 1}]\n"
                                    "territories:\n"
                                    "  - id: a\n"
                                    "    type: t\n"
                                    "    match: country = \"US\"\n"
                                    "    named_accounts: [A-1]\n"
                                    "    members: [{rep: A-1, role: rep}]\n");
    credo_snapshot *snapshot = make_snapshot();
    size_t errors;
    char *output = run_check(policy, snapshot, &errors);
    assert_int_equal(errors, 1);
    assert_line_starts_with(output, 0, "p.yaml:9:15: error: rep 'A-1' of territory 'a'");
    free(output);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
}

/* A snapshot of accounts whose only attribute is "segment". */
static credo_snapshot *make_segment_snapshot(void)
{
    credo_snapshot *snapshot = make_snapshot();
    credo_attribute_column *column = NULL;
    credo_status status = CREDO_OK;
    assert_int_equal(credo_snapshot_attribute(snapshot, "segment", &column, NULL), CREDO_OK);
    column->values[0] = credo_strpool_intern_cstr(snapshot->strings, "Enterprise", &status);
    assert_int_equal(status, CREDO_OK);
    return snapshot;
}

/* Checks a one-territory policy whose rule is `rule` against
 * make_segment_snapshot. */
static char *check_attribute_rule(const char *rule, size_t *errors)
{
    char text[512];
    snprintf(text, sizeof text,
             "credo_policy: 1\n"
             "roles: [{id: rep, selling: true}]\n"
             "types: [{id: t, priority: 1}]\n"
             "territories:\n"
             "  - id: a\n"
             "    type: t\n"
             "    match: %s\n"
             "    members: [{rep: R-100, role: rep}]\n",
             rule);
    credo_policy *policy = parse_ok(text);
    credo_snapshot *snapshot = make_segment_snapshot();
    char *output = run_check(policy, snapshot, errors);
    credo_snapshot_free(snapshot);
    credo_policy_free(policy);
    return output;
}

static void check_data_misspelt_attribute_suggests(void **state)
{
    (void)state;
    size_t errors;
    char *output = check_attribute_rule("attr.segmnt = \"Enterprise\"", &errors);
    assert_int_equal(errors, 0);
    assert_line_starts_with(output, 0,
                            "p.yaml:7:12: warning: territory 'a' matches on attribute 'attr.segmnt', which no "
                            "imported account has, so the test is false for every account; did you mean "
                            "'attr.segment'?");
    free(output);
}

static void check_data_unknown_attribute(void **state)
{
    (void)state;
    size_t errors;
    char *output = check_attribute_rule("country = \"US\" or attr.tier = \"Gold\"", &errors);
    assert_int_equal(errors, 0);
    assert_line_starts_with(output, 0,
                            "p.yaml:7:12: warning: territory 'a' matches on attribute 'attr.tier', which no "
                            "imported account has, so the test is false for every account; map the "
                            "attribute in the import or correct the name");
    free(output);
}

static void check_data_known_attribute_is_quiet(void **state)
{
    (void)state;
    size_t errors;
    char *output = check_attribute_rule("attr.segment = \"Enterprise\"", &errors);
    assert_int_equal(errors, 0);
    assert_string_equal(output, "");
    free(output);
}

static void check_without_snapshot_skips_data(void **state)
{
    (void)state;
    credo_policy *policy = parse_fixture("check_data.yaml");
    size_t errors;
    char *output = run_check(policy, NULL, &errors);
    assert_int_equal(errors, 0);
    assert_string_equal(output, "");
    free(output);
    credo_policy_free(policy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_parses_header),
        cmocka_unit_test(full_keeps_text),
        cmocka_unit_test(full_parses_roles),
        cmocka_unit_test(full_parses_types),
        cmocka_unit_test(full_parses_rollup_territory),
        cmocka_unit_test(full_parses_territory_links),
        cmocka_unit_test(full_parses_account_lists),
        cmocka_unit_test(full_parses_members),
        cmocka_unit_test(full_parses_positions),
        cmocka_unit_test(find_territory_by_id),
        cmocka_unit_test(load_missing_file),
        cmocka_unit_test(parse_numeric_ids_as_written),
        cmocka_unit_test(parse_null_values_as_absent),
        cmocka_unit_test(parse_sections_in_any_order),
        cmocka_unit_test(parse_named_only_territory),
        cmocka_unit_test(parse_minimal_policy),
        cmocka_unit_test(error_yaml_indentation),
        cmocka_unit_test(error_yaml_invalid_utf8),
        cmocka_unit_test(error_yaml_anchor),
        cmocka_unit_test(error_yaml_alias),
        cmocka_unit_test(error_yaml_tag),
        cmocka_unit_test(error_yaml_two_documents),
        cmocka_unit_test(error_yaml_empty),
        cmocka_unit_test(error_yaml_nesting_limit),
        cmocka_unit_test(error_size_limit_parse),
        cmocka_unit_test(error_size_limit_load),
        cmocka_unit_test(error_top_level_list),
        cmocka_unit_test(error_unknown_key_suggests),
        cmocka_unit_test(error_unknown_key_lists_allowed),
        cmocka_unit_test(error_unknown_top_level_key),
        cmocka_unit_test(error_duplicate_key),
        cmocka_unit_test(error_priority_not_integer),
        cmocka_unit_test(error_priority_quoted),
        cmocka_unit_test(error_priority_out_of_range),
        cmocka_unit_test(error_selling_not_boolean),
        cmocka_unit_test(error_overlay_quoted),
        cmocka_unit_test(error_version_not_integer),
        cmocka_unit_test(error_roles_not_list),
        cmocka_unit_test(error_territory_not_mapping),
        cmocka_unit_test(error_id_is_list),
        cmocka_unit_test(error_empty_id),
        cmocka_unit_test(error_named_accounts_not_list),
        cmocka_unit_test(error_empty_account_entry),
        cmocka_unit_test(error_missing_version),
        cmocka_unit_test(error_unsupported_version),
        cmocka_unit_test(error_role_without_id),
        cmocka_unit_test(error_type_without_id),
        cmocka_unit_test(error_territory_without_id),
        cmocka_unit_test(error_type_without_priority),
        cmocka_unit_test(error_member_without_rep),
        cmocka_unit_test(error_member_without_role),
        cmocka_unit_test(error_duplicate_role),
        cmocka_unit_test(error_duplicate_type),
        cmocka_unit_test(error_duplicate_territory),
        cmocka_unit_test(error_unknown_role_suggests),
        cmocka_unit_test(error_unknown_type),
        cmocka_unit_test(error_unknown_parent),
        cmocka_unit_test(error_parent_cycle),
        cmocka_unit_test(error_parent_cycle_reached_from_leaf),
        cmocka_unit_test(error_parent_cycle_long_is_shortened),
        cmocka_unit_test(error_unclosed_paren_in_file_coordinates),
        cmocka_unit_test(error_parent_self),
        cmocka_unit_test(error_match_without_type),
        cmocka_unit_test(error_type_without_match),
        cmocka_unit_test(error_named_without_type),
        cmocka_unit_test(error_member_from_after_to),
        cmocka_unit_test(error_member_from_equals_to),
        cmocka_unit_test(error_member_impossible_date),
        cmocka_unit_test(error_member_malformed_date),
        cmocka_unit_test(match_error_plain),
        cmocka_unit_test(match_error_double_quoted),
        cmocka_unit_test(match_error_double_quoted_plain_text),
        cmocka_unit_test(match_error_single_quoted),
        cmocka_unit_test(match_error_literal),
        cmocka_unit_test(match_error_literal_first_line),
        cmocka_unit_test(match_error_folded),
        cmocka_unit_test(match_error_multiline_plain),
        cmocka_unit_test(match_error_crlf_literal),
        cmocka_unit_test(match_error_after_utf8),
        cmocka_unit_test(lines_position_round_trip),
        cmocka_unit_test(lines_skip_byte_order_mark),
        cmocka_unit_test(scalar_position_end_of_value),
        cmocka_unit_test(scalar_position_unicode_escape),
        cmocka_unit_test(edit_distance_bounds),
        cmocka_unit_test(check_single_role_overlap),
        cmocka_unit_test(check_fixture_totals),
        cmocka_unit_test(check_adjacent_intervals_pass),
        cmocka_unit_test(check_open_intervals_overlap),
        cmocka_unit_test(check_overlap_in_other_role_passes),
        cmocka_unit_test(check_not_equal_warning),
        cmocka_unit_test(check_not_in_under_not_warning),
        cmocka_unit_test(check_negated_equals_passes),
        cmocka_unit_test(check_warning_in_literal_block),
        cmocka_unit_test(check_no_selling_member_warning),
        cmocka_unit_test(check_named_and_excluded_error),
        cmocka_unit_test(check_data_totals),
        cmocka_unit_test(check_data_unknown_accounts),
        cmocka_unit_test(check_data_unknown_rep_suggests),
        cmocka_unit_test(check_data_unknown_rep),
        cmocka_unit_test(check_data_inactive_reps),
        cmocka_unit_test(check_data_account_id_is_not_rep),
        cmocka_unit_test(check_data_misspelt_attribute_suggests),
        cmocka_unit_test(check_data_unknown_attribute),
        cmocka_unit_test(check_data_known_attribute_is_quiet),
        cmocka_unit_test(check_without_snapshot_skips_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
