/* A small pthread work queue over a row range: an atomic counter hands out
 * chunk numbers, and each thread keeps the error of the lowest chunk that
 * failed on it. */
#include "credo/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct shared_run {
    size_t total, chunk_rows, chunks;
    credo_parallel_fn fn;
    void *ctx;
    atomic_size_t next;
    atomic_size_t done_rows;
    atomic_size_t first_failed; /* lowest chunk that failed, SIZE_MAX for none */
} shared_run;

/* One thread's part: the first failure it met. */
typedef struct worker {
    shared_run *run;
    const credo_progress *progress; /* set for the calling thread only */
    const char *stage;
    size_t failed_chunk;            /* SIZE_MAX when none failed */
    credo_error err;
} worker;

void credo_progress_report(const credo_progress *progress, const char *stage, uint64_t done,
                           uint64_t total)
{
    if (progress != NULL && progress->report != NULL)
        progress->report(progress->ctx, stage, done, total);
}

size_t credo_parallel_chunks(size_t total, size_t chunk_rows)
{
    if (chunk_rows == 0)
        chunk_rows = 1;
    return total / chunk_rows + (total % chunk_rows != 0);
}

static void *work(void *arg)
{
    worker *self = arg;
    shared_run *run = self->run;
    for (;;) {
        /* Chunks below a failed one still run, so that the error returned
         * is the one of the lowest chunk whatever the timing. */
        size_t chunk = atomic_fetch_add(&run->next, 1);
        if (chunk >= run->chunks || chunk > atomic_load(&run->first_failed))
            break;
        size_t first = chunk * run->chunk_rows;
        size_t count = run->total - first < run->chunk_rows ? run->total - first : run->chunk_rows;
        credo_error err = {0};
        if (run->fn(run->ctx, chunk, first, count, &err) != CREDO_OK) {
            if (chunk < self->failed_chunk) {
                self->failed_chunk = chunk;
                self->err = err;
            }
            size_t seen = atomic_load(&run->first_failed);
            while (chunk < seen && !atomic_compare_exchange_weak(&run->first_failed, &seen, chunk))
                ;
            continue;
        }
        size_t done = atomic_fetch_add(&run->done_rows, count) + count;
        credo_progress_report(self->progress, self->stage, done, run->total);
    }
    return NULL;
}

credo_status credo_parallel_run(size_t total, size_t chunk_rows, size_t threads, credo_parallel_fn fn,
                                void *ctx, const credo_progress *progress, const char *stage,
                                credo_error *err)
{
    shared_run run = {.total = total, .chunk_rows = chunk_rows == 0 ? 1 : chunk_rows, .fn = fn, .ctx = ctx};
    run.chunks = credo_parallel_chunks(total, run.chunk_rows);
    atomic_init(&run.next, 0);
    atomic_init(&run.done_rows, 0);
    atomic_init(&run.first_failed, SIZE_MAX);
    if (threads == 0)
        threads = 1;
    if (threads > CREDO_PARALLEL_MAX_THREADS)
        threads = CREDO_PARALLEL_MAX_THREADS;
    if (threads > run.chunks)
        threads = run.chunks == 0 ? 1 : run.chunks;

    worker workers[CREDO_PARALLEL_MAX_THREADS];
    pthread_t ids[CREDO_PARALLEL_MAX_THREADS];
    bool started[CREDO_PARALLEL_MAX_THREADS] = {false};
    for (size_t i = 0; i < threads; i++) {
        workers[i] = (worker){&run, i == 0 ? progress : NULL, stage, SIZE_MAX, {0}};
        if (i > 0)
            started[i] = pthread_create(&ids[i], NULL, work, &workers[i]) == 0;
    }
    work(&workers[0]);
    for (size_t i = 1; i < threads; i++)
        if (started[i])
            pthread_join(ids[i], NULL);

    size_t failed = 0;
    for (size_t i = 1; i < threads; i++)
        if (workers[i].failed_chunk < workers[failed].failed_chunk)
            failed = i;
    if (workers[failed].failed_chunk != SIZE_MAX)
        return credo_error_set(err, workers[failed].err.status, "%s", workers[failed].err.message);
    credo_progress_report(progress, stage, total, total);
    return CREDO_OK;
}
