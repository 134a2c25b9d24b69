/* Progress lines on a terminal: "credo run: assign 450,000 of 1,000,000 accounts (45%)". */
#include "progress.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "format.h"

/* Set while a progress line is open on the terminal, so that the signal
 * handler ends it. */
static volatile sig_atomic_t line_open;
/* Set once the stage of cli_progress_defer_from has begun; the handler
 * then records the signal in deferred_signal instead of ending the process. */
static volatile sig_atomic_t deferring, deferred_signal;

static int64_t elapsed_ms(const struct timespec *from, const struct timespec *to)
{
    return (int64_t)(to->tv_sec - from->tv_sec) * 1000 + (to->tv_nsec - from->tv_nsec) / 1000000;
}

/* The unit of a stage's counts, as the library reports them. */
static const char *unit_of(const char *stage)
{
    if (strcmp(stage, "read") == 0)
        return "bytes";
    if (strcmp(stage, "assign") == 0)
        return "accounts";
    if (strcmp(stage, "credit") == 0)
        return "deals";
    if (strcmp(stage, "commit") == 0)
        return NULL; /* one step: shown without counts */
    return "rows";
}

static void show(const cli_progress *printer, const char *stage, uint64_t done, uint64_t total)
{
    char done_text[CLI_NUMBER_TEXT_MAX], total_text[CLI_NUMBER_TEXT_MAX];
    cli_format_count(done, done_text);
    cli_format_count(total, total_text);
    /* "\r" returns to the start of the line and "\033[K" clears what a
     * longer earlier text left behind. */
    const char *unit = unit_of(stage);
    if (unit == NULL)
        fprintf(stderr, "\rcredo %s: %s%s\033[K", printer->command, stage, total != 0 && done >= total ? " done" : "");
    else if (total == 0)
        fprintf(stderr, "\rcredo %s: %s %s %s\033[K", printer->command, stage, done_text, unit);
    else
        fprintf(stderr, "\rcredo %s: %s %s of %s %s (%llu%%)\033[K", printer->command, stage, done_text,
                total_text, unit, (unsigned long long)(done * 100 / total));
}

void cli_progress_update(cli_progress *printer, const char *stage, uint64_t done, uint64_t total, bool ended)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);

    /* A stage may report its end twice (its threads' runner, then the
     * stage itself); the line is already finished. */
    if (ended && strcmp(printer->ended_stage, stage) == 0 && printer->ended_done == done)
        return;

    if (printer->defer_from != NULL && strcmp(printer->defer_from, stage) == 0)
        deferring = 1;

    bool same_stage = strcmp(printer->stage, stage) == 0;
    if (!same_stage) {
        cli_progress_finish(printer);
        snprintf(printer->stage, sizeof printer->stage, "%s", stage);
    }
    if (same_stage && printer->shown && !ended && elapsed_ms(&printer->last_shown, &now) < CLI_PROGRESS_INTERVAL_MS)
        return;

    show(printer, stage, done, total);
    line_open = 1;
    printer->shown = true;
    printer->last_shown = now;
    if (ended) {
        fputc('\n', stderr);
        line_open = 0;
        snprintf(printer->ended_stage, sizeof printer->ended_stage, "%s", stage);
        printer->ended_done = done;
        printer->stage[0] = '\0';
        printer->shown = false;
    }
    fflush(stderr);
}

static void report(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
    cli_progress_update(ctx, stage, done, total, total != 0 && done >= total);
}

/* Ends an open progress line when the user interrupts the command, so that
 * the shell's prompt starts on a line of its own, then dies of the signal
 * as it would have without the handler. Only async-signal-safe calls. */
static void end_line_and_die(int signal_number)
{
    if (deferring) {
        deferred_signal = signal_number;
        return;
    }
    if (line_open)
        (void)write(STDERR_FILENO, "\n", 1);
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

const credo_progress *cli_progress_start(cli_progress *out, const char *command)
{
    memset(out, 0, sizeof *out);
    out->command = command;
    out->progress = (credo_progress){report, out};
    if (!isatty(STDERR_FILENO))
        return NULL;
    signal(SIGINT, end_line_and_die);
    signal(SIGTERM, end_line_and_die);
    return &out->progress;
}

void cli_progress_defer_from(cli_progress *printer, const char *stage)
{
    printer->defer_from = stage;
}

void cli_progress_release(cli_progress *printer)
{
    (void)printer;
    deferring = 0;
    if (deferred_signal != 0) {
        signal(deferred_signal, SIG_DFL);
        raise(deferred_signal);
    }
}

void cli_progress_finish(cli_progress *printer)
{
    if (printer->shown)
        fputc('\n', stderr);
    line_open = 0;
    printer->stage[0] = '\0';
    printer->shown = false;
}
