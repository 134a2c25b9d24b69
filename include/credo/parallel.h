/* Splitting a range of rows over threads, and reporting progress.
 *
 * credo_parallel_run cuts [0, total) into chunks of chunk_rows rows and
 * runs them on up to `threads` threads, the calling thread included. Each
 * thread takes the next unclaimed chunk, so a slow chunk does not hold the
 * others back. Results that must come out in row order are kept per chunk
 * by the caller (the chunk index gives the place) and joined afterwards. */
#ifndef CREDO_PARALLEL_H
#define CREDO_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

#include "credo/error.h"

/* Most threads credo_parallel_run starts. */
#define CREDO_PARALLEL_MAX_THREADS 64

/* A progress callback. report receives the name of the stage ("read",
 * "assign", "store"), the work done so far and the total, in the unit of
 * the stage (bytes for reading, rows otherwise). total is 0 while it is
 * not known in advance. It is called from the thread that called the
 * library function only, at most once per chunk, and once more with
 * done == total when the stage ends. The library never
 * prints; a command line shows the figures on a terminal. */
typedef struct credo_progress {
    void (*report)(void *ctx, const char *stage, uint64_t done, uint64_t total);
    void *ctx;
} credo_progress;

/* Calls progress->report when progress and its report are not NULL. */
void credo_progress_report(const credo_progress *progress, const char *stage, uint64_t done,
                           uint64_t total);

/* Work on rows [first, first + count), chunk number `chunk`. Fills err and
 * returns its status on failure. Runs concurrently with other chunks. */
typedef credo_status (*credo_parallel_fn)(void *ctx, size_t chunk, size_t first, size_t count,
                                          credo_error *err);

/* Number of chunks credo_parallel_run makes of total rows. */
size_t credo_parallel_chunks(size_t total, size_t chunk_rows);

/* Runs fn on every chunk of [0, total) on up to `threads` threads (1 runs
 * everything on the calling thread; 0 is taken as 1; more than
 * CREDO_PARALLEL_MAX_THREADS as that maximum). When a thread cannot be
 * started, the others do its share. After a failure, chunks above the
 * failed one are skipped and those below it still run, so the error
 * returned is that of the lowest failing chunk whatever the timing. progress (may be NULL) gets the
 * rows done under `stage`. */
credo_status credo_parallel_run(size_t total, size_t chunk_rows, size_t threads, credo_parallel_fn fn,
                                void *ctx, const credo_progress *progress, const char *stage,
                                credo_error *err);

#endif
