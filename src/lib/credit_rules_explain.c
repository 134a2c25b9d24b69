/* Explanation of a deal's credit by rules: the same computation as
 * credo_credit_by_rules, run again for one deal with its trace on. */
#include "engage_internal.h"

#include <stdlib.h>

#include "credo/parse.h"

void credo_explain_credit_rules(const credo_snapshot *snapshot, const credo_policy *policy,
                                const credo_assignment *assignment, const credo_ownership *ownership,
                                const credo_engagement *engagement, uint32_t deal, credo_buf *out)
{
    if (snapshot->deals.status[deal] != CREDO_DEAL_WON) {
        credo_buf_puts(out, "credit rules: none apply, the deal is not won\n");
        return;
    }
    char day[16];
    credo_date date = credit_date_of(policy, snapshot, deal);
    credo_buf_printf(out, "credit rules (credit date %s, the %s):\n", credo_format_date(date, day),
                     policy->credit != NULL && policy->credit->credit_date == CREDO_CREDIT_DATE_CREATED
                         ? "day the deal was logged"
                         : "close date");

    const credit_engine engine = {snapshot, policy, assignment, ownership, engagement, out};
    credit_line_list lines = {NULL, 0, 0};
    bool failed = false;
    const char *problem = credit_one_deal(&engine, deal, &lines, &failed);
    if (failed)
        credo_buf_puts(out, "  (out of memory while explaining; the explanation is incomplete)\n");
    else if (problem != NULL)
        credo_buf_printf(out, "  not credited: %s\n", problem);
    free(lines.items);
}
