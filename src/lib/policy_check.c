/* credo_policy_check: structural checks of a parsed policy, and the list of
 * problems that every check reports into. */
#include "credo/policy.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/parse.h"
#include "policy_internal.h"

void policy_report(policy_problems *problems, credo_policy_pos pos, bool is_error, const char *fmt, ...)
{
    if (is_error)
        problems->errors++;
    if (problems->count == problems->capacity) {
        size_t capacity = problems->capacity == 0 ? 16 : problems->capacity * 2;
        policy_problem *items = realloc(problems->items, capacity * sizeof *items);
        if (items == NULL) {
            problems->failed = true;
            return;
        }
        problems->items = items;
        problems->capacity = capacity;
    }

    char text[CREDO_ERROR_MESSAGE_MAX];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    char *copy = strdup(text);
    if (copy == NULL) {
        problems->failed = true;
        return;
    }
    problems->items[problems->count] = (policy_problem){pos, is_error, problems->count, copy};
    problems->count++;
}

static int compare_problems(const void *a, const void *b)
{
    const policy_problem *left = a, *right = b;
    if (left->pos.line != right->pos.line)
        return left->pos.line < right->pos.line ? -1 : 1;
    if (left->pos.column != right->pos.column)
        return left->pos.column < right->pos.column ? -1 : 1;
    return left->order < right->order ? -1 : left->order > right->order;
}

/* Writes "PATH:LINE:COLUMN: error: ..." lines in file order and frees the
 * list. */
static void write_problems(const credo_policy *policy, policy_problems *problems, credo_buf *out)
{
    if (problems->count > 1)
        qsort(problems->items, problems->count, sizeof *problems->items, compare_problems);
    for (size_t i = 0; i < problems->count; i++) {
        const policy_problem *problem = &problems->items[i];
        credo_buf_printf(out, "%s:%u:%u: %s: %s\n", policy->path, problem->pos.line, problem->pos.column,
                         problem->is_error ? "error" : "warning", problem->text);
        free(problem->text);
    }
    if (problems->failed)
        credo_buf_printf(out, "%s: error: out of memory; some problems are not listed\n", policy->path);
    free(problems->items);
}

/* Formats [from, to) in words, with open ends spelt out. */
static const char *format_interval(credo_date from, credo_date to, char *out, size_t size)
{
    char from_text[16] = "", to_text[16] = "";
    if (from != CREDO_DATE_MIN)
        credo_format_date(from, from_text);
    if (to != CREDO_DATE_MAX)
        credo_format_date(to, to_text);

    if (from == CREDO_DATE_MIN && to == CREDO_DATE_MAX)
        snprintf(out, size, "at all dates");
    else if (from == CREDO_DATE_MIN)
        snprintf(out, size, "before %s", to_text);
    else if (to == CREDO_DATE_MAX)
        snprintf(out, size, "from %s on", from_text);
    else
        snprintf(out, size, "from %s to %s", from_text, to_text);
    return out;
}

typedef struct member_start {
    credo_date from;
    size_t index;
} member_start;

static int compare_starts(const void *a, const void *b)
{
    const member_start *left = a, *right = b;
    if (left->from != right->from)
        return left->from < right->from ? -1 : 1;
    return left->index < right->index ? -1 : left->index > right->index;
}

static void report_overlap(const credo_policy *policy, const credo_policy_territory *territory,
                           const credo_policy_member *first, const credo_policy_member *second,
                           policy_problems *problems)
{
    char interval[64];
    credo_date from = first->from > second->from ? first->from : second->from;
    credo_date to = first->to < second->to ? first->to : second->to;
    policy_report(problems, second->pos, true,
                  "members '%s' (line %u) and '%s' (line %u) of territory '%s' overlap in role "
                  "'%s', which allows one member at a time, %s; end one membership on the "
                  "date the other starts",
                  first->rep_id, first->pos.line, second->rep_id, second->pos.line, territory->id,
                  policy->roles[second->role_index].id, format_interval(from, to, interval, sizeof interval));
}

/* Sorts the members of one single role by start date and sweeps them,
 * keeping the member whose interval reaches furthest. A member that starts
 * before that end overlaps it. Intervals are half open, so [a, b) and
 * [b, c) do not overlap. */
static void check_single_role(const credo_policy *policy, const credo_policy_territory *territory,
                              size_t role, member_start *starts, policy_problems *problems)
{
    size_t count = 0;
    for (size_t m = 0; m < territory->member_count; m++) {
        if (territory->members[m].role_index == role)
            starts[count++] = (member_start){territory->members[m].from, m};
    }
    qsort(starts, count, sizeof *starts, compare_starts);

    const credo_policy_member *furthest = NULL;
    for (size_t i = 0; i < count; i++) {
        const credo_policy_member *member = &territory->members[starts[i].index];
        if (furthest != NULL && member->from < furthest->to)
            report_overlap(policy, territory, furthest, member, problems);
        if (furthest == NULL || member->to > furthest->to)
            furthest = member;
    }
}

static void check_single_roles(const credo_policy *policy, const credo_policy_territory *territory,
                               policy_problems *problems)
{
    if (territory->member_count < 2)
        return;
    member_start *starts = malloc(territory->member_count * sizeof *starts);
    if (starts == NULL) {
        problems->failed = true;
        return;
    }
    for (size_t r = 0; r < policy->role_count; r++) {
        if (policy->roles[r].single)
            check_single_role(policy, territory, r, starts, problems);
    }
    free(starts);
}

/* Territories that receive accounts (through a type or named accounts)
 * should have someone who can own them. */
static void check_selling_member(const credo_policy *policy, const credo_policy_territory *territory,
                                 policy_problems *problems)
{
    if (territory->type_index == SIZE_MAX && territory->named_count == 0)
        return;
    for (size_t m = 0; m < territory->member_count; m++) {
        size_t role = territory->members[m].role_index;
        if (role < policy->role_count && policy->roles[role].selling)
            return;
    }
    policy_report(problems, territory->pos, false,
                  "territory '%s' has no member in a selling role, so its accounts have no "
                  "owner; add a member whose role has selling: true",
                  territory->id);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reports accounts that are both named and excluded, by merging sorted
 * copies of the two lists. */
static void check_named_excluded(const credo_policy_territory *territory, policy_problems *problems)
{
    size_t named_count = territory->named_count, excluded_count = territory->excluded_count;
    if (named_count == 0 || excluded_count == 0)
        return;
    char **named = malloc(named_count * sizeof *named);
    char **excluded = malloc(excluded_count * sizeof *excluded);
    if (named == NULL || excluded == NULL) {
        problems->failed = true;
        goto cleanup;
    }
    memcpy(named, territory->named_accounts, named_count * sizeof *named);
    memcpy(excluded, territory->excluded_accounts, excluded_count * sizeof *excluded);
    qsort(named, named_count, sizeof *named, compare_strings);
    qsort(excluded, excluded_count, sizeof *excluded, compare_strings);

    for (size_t i = 0, j = 0; i < named_count && j < excluded_count;) {
        int order = strcmp(named[i], excluded[j]);
        if (order == 0 && (i == 0 || strcmp(named[i - 1], named[i]) != 0))
            policy_report(problems, territory->pos, true,
                          "account '%s' is both named and excluded in territory '%s'; remove "
                          "it from one of the two lists",
                          named[i], territory->id);
        if (order <= 0)
            i++;
        else
            j++;
    }

cleanup:
    free(named);
    free(excluded);
}

size_t credo_policy_check(const credo_policy *policy, const credo_snapshot *snapshot, credo_buf *problems)
{
    size_t warnings = 0;
    return credo_policy_check_counted(policy, snapshot, problems, &warnings);
}

size_t credo_policy_check_counted(const credo_policy *policy, const credo_snapshot *snapshot,
                                  credo_buf *problems, size_t *warnings)
{
    policy_problems found = {0};
    policy_lines lines = {0};
    bool have_lines =
        policy->text != NULL && policy_lines_init(&lines, policy->text, strlen(policy->text)) == CREDO_OK;

    for (size_t t = 0; t < policy->territory_count; t++) {
        const credo_policy_territory *territory = &policy->territories[t];
        check_single_roles(policy, territory, &found);
        check_selling_member(policy, territory, &found);
        check_named_excluded(territory, &found);
        policy_check_match(have_lines ? &lines : NULL, territory, &found);
        if (snapshot != NULL)
            policy_check_data(territory, snapshot, &found);
    }

    policy_lines_free(&lines);
    size_t errors = found.errors + (found.failed ? 1 : 0);
    *warnings = found.count - found.errors;
    write_problems(policy, &found, problems);
    return errors;
}
