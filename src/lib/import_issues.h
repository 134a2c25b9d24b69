/* Values an import keeps as written but reports, grouped by file, field
 * and value with the lines where they occur (internal to libcredo). */
#ifndef CREDO_IMPORT_ISSUES_H
#define CREDO_IMPORT_ISSUES_H

#include "credo/import.h"

typedef struct import_issue_list {
    credo_import_issue *items;
    size_t count, capacity;
} import_issue_list;

/* Records that `value` of `field` in `file` was kept as written at `line`.
 * Returns CREDO_ERR_NOMEM on allocation failure. */
credo_status import_issue_note(import_issue_list *list, const char *file, const char *field,
                               const char *value, const char *message, unsigned long line);

/* Sorts the issues by file, field and value. */
void import_issues_sort(import_issue_list *list);

void import_issue_free(credo_import_issue *issue);

#endif
