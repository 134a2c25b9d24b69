/* Values an import keeps as written but reports. */
#include "import_issues.h"

#include <stdlib.h>
#include <string.h>

/* NOTE: finding an issue is a linear scan, fine for the tens of distinct
 * unmatched names real files have, slow for many thousands. */
static credo_import_issue *find_issue(import_issue_list *list, const char *file, const char *field,
                                      const char *value)
{
    for (size_t i = 0; i < list->count; i++) {
        credo_import_issue *issue = &list->items[i];
        if (strcmp(issue->value, value) == 0 && strcmp(issue->field, field) == 0 &&
            strcmp(issue->file, file) == 0)
            return issue;
    }
    return NULL;
}

static credo_import_issue *add_issue(import_issue_list *list, const char *file, const char *field,
                                     const char *value, const char *message)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity == 0 ? 16 : list->capacity * 2;
        credo_import_issue *items = realloc(list->items, capacity * sizeof *items);
        if (items == NULL)
            return NULL;
        list->items = items;
        list->capacity = capacity;
    }
    credo_import_issue *issue = &list->items[list->count];
    memset(issue, 0, sizeof *issue);
    issue->file = strdup(file);
    issue->field = strdup(field);
    issue->value = strdup(value);
    issue->message = strdup(message);
    if (issue->file == NULL || issue->field == NULL || issue->value == NULL || issue->message == NULL) {
        import_issue_free(issue);
        return NULL;
    }
    list->count++;
    return issue;
}

credo_status import_issue_note(import_issue_list *list, const char *file, const char *field,
                               const char *value, const char *message, unsigned long line)
{
    credo_import_issue *issue = find_issue(list, file, field, value);
    if (issue == NULL)
        issue = add_issue(list, file, field, value, message);
    if (issue == NULL)
        return CREDO_ERR_NOMEM;

    unsigned long *lines = realloc(issue->lines, (issue->line_count + 1) * sizeof *lines);
    if (lines == NULL)
        return CREDO_ERR_NOMEM;
    issue->lines = lines;
    issue->lines[issue->line_count++] = line;
    return CREDO_OK;
}

static int compare_issues(const void *a, const void *b)
{
    const credo_import_issue *left = a, *right = b;
    int order = strcmp(left->file, right->file);
    if (order == 0)
        order = strcmp(left->field, right->field);
    if (order == 0)
        order = strcmp(left->value, right->value);
    return order;
}

void import_issues_sort(import_issue_list *list)
{
    if (list->count > 1)
        qsort(list->items, list->count, sizeof *list->items, compare_issues);
}

void import_issue_free(credo_import_issue *issue)
{
    free(issue->file);
    free(issue->field);
    free(issue->value);
    free(issue->message);
    free(issue->lines);
}
