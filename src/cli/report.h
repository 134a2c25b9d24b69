/* The report printed by `credo run`, as text or JSON. */
#ifndef CREDO_CLI_REPORT_H
#define CREDO_CLI_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "credo/run.h"

/* Prints the text report. Each list (territories, overlaps, gaps, deals
 * not credited, out-of-territory deals) stops after `limit` lines with a
 * count of the rest; SIZE_MAX lists all. */
void report_print_text(FILE *out, const credo_run *run, int64_t run_id, size_t limit);
void report_print_json(FILE *out, const credo_run *run, int64_t run_id);

#endif
