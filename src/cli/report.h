/* The report printed by `credo run`, as text or JSON. */
#ifndef CREDO_CLI_REPORT_H
#define CREDO_CLI_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "credo/run.h"

void report_print_text(FILE *out, const credo_run *run, int64_t run_id);
void report_print_json(FILE *out, const credo_run *run, int64_t run_id);

#endif
