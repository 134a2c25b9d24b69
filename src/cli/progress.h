/* Progress of long commands on stderr, shown only when stderr is a
 * terminal so that pipes, files and scripts get no progress text. */
#ifndef CREDO_CLI_PROGRESS_H
#define CREDO_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "credo/parallel.h"

/* Shows each stage the library reports as one line on stderr, rewritten in
 * place at most every CLI_PROGRESS_INTERVAL_MS and finished with a line
 * feed when the stage ends (done == total). */
typedef struct cli_progress {
    credo_progress progress;
    const char *command;
    char stage[256];            /* the stage of the open line, "" when none */
    struct timespec last_shown; /* CLOCK_MONOTONIC */
    bool shown;                 /* the open line was printed at least once */
    char ended_stage[256];      /* the stage whose line ended last */
    uint64_t ended_done;        /* its count at the end */
    const char *defer_from;     /* see cli_progress_defer_from; NULL when not set */
} cli_progress;

/* Milliseconds between two updates of a line. */
#define CLI_PROGRESS_INTERVAL_MS 100

/* Sets up *out for `credo COMMAND` and returns the callback to give the
 * library: NULL when stderr is not a terminal, so nothing is printed. */
const credo_progress *cli_progress_start(cli_progress *out, const char *command);

/* Shows done of total (total 0 when not known) for a stage, as the
 * library's callback does, and ends the line when ended is true. */
void cli_progress_update(cli_progress *printer, const char *stage, uint64_t done, uint64_t total,
                         bool ended);

/* From the first report of stage `stage` on, the point after which the
 * command's work may be stored, makes SIGINT and SIGTERM wait until
 * cli_progress_release, so that an interrupt does not hide the report of
 * work already stored. Only while stderr is a terminal (cli_progress_start
 * returned a callback). stage must outlive the printer. */
void cli_progress_defer_from(cli_progress *printer, const char *stage);

/* Delivers a signal that cli_progress_defer_from held back, if any: the
 * process then ends as the signal would have ended it. */
void cli_progress_release(cli_progress *printer);

/* Ends an open line, for example before an error message is printed. */
void cli_progress_finish(cli_progress *printer);

#endif
