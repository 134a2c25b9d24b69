/* Threaded assignment: chunks of rows assigned on several threads, then
 * laid out into one assignment in row order, again on several threads. */
#include "rule_index_internal.h"

#include <stdlib.h>

/* Chunks per thread. Ordered passes (see credo_rule_bound_assign) group
 * rows better in longer ranges: on 1M generated accounts with 20k
 * territories, one thread took about 35% more CPU time in 64k-row chunks
 * than in one range. Two threads on two chunks each (250k rows) took about
 * 10% more CPU time and wall-clock time than on one chunk each, on 2 cores
 * shared with other work.
 * NOTE: with one chunk per thread, a thread that the system delays holds
 * up the whole call, because no other thread can take over its rows. */
#define RI_CHUNKS_PER_THREAD 1u

typedef struct chunked {
    const credo_rule_bound *bound;
    ri_range **ranges;    /* one per chunk */
    credo_assignment *a;  /* the joined result, once the list sizes are known */
    size_t *tied_at, *overlay_at; /* per chunk: where its lists start in a */
} chunked;

static size_t chunk_rows(size_t rows, size_t threads)
{
    size_t chunks = (threads == 0 ? 1 : threads) * RI_CHUNKS_PER_THREAD;
    size_t size = (rows + chunks - 1) / chunks;
    return size < CREDO_RULE_INDEX_CHUNK_ROWS ? CREDO_RULE_INDEX_CHUNK_ROWS : size;
}

static credo_status assign_chunk(void *ctx, size_t chunk, size_t first, size_t count, credo_error *err)
{
    chunked *work = ctx;
    if (!ri_range_assign(work->bound, first, count, &work->ranges[chunk]))
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory assigning account rows %zu to %zu", first,
                               first + count);
    return CREDO_OK;
}

static credo_status lay_out_chunk(void *ctx, size_t chunk, size_t first, size_t count, credo_error *err)
{
    (void)count;
    (void)err;
    chunked *work = ctx;
    ri_range_lay_out(work->ranges[chunk], work->a, first, (uint32_t)work->tied_at[chunk],
                     (uint32_t)work->overlay_at[chunk]);
    ri_range_free(work->ranges[chunk]);
    work->ranges[chunk] = NULL;
    return CREDO_OK;
}

static credo_assignment *assignment_alloc(size_t rows, size_t tied, size_t overlays)
{
    credo_assignment *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->count = rows;
    a->status = malloc(rows + 1);
    a->territory = malloc((rows + 1) * sizeof *a->territory);
    a->tied_start = malloc((rows + 1) * sizeof *a->tied_start);
    a->overlay_start = malloc((rows + 1) * sizeof *a->overlay_start);
    a->tied = malloc((tied + 1) * sizeof *a->tied);
    a->overlays = malloc((overlays + 1) * sizeof *a->overlays);
    if (a->status == NULL || a->territory == NULL || a->tied_start == NULL || a->overlay_start == NULL ||
        a->tied == NULL || a->overlays == NULL) {
        credo_assignment_free(a);
        return NULL;
    }
    return a;
}

/* Places each chunk's lists in the joined result and allocates it. */
static credo_status plan_join(chunked *work, size_t rows, size_t chunks, credo_error *err)
{
    size_t tied = 0, overlays = 0;
    for (size_t i = 0; i < chunks; i++) {
        size_t chunk_tied, chunk_overlays;
        ri_range_list_sizes(work->ranges[i], &chunk_tied, &chunk_overlays);
        work->tied_at[i] = tied;
        work->overlay_at[i] = overlays;
        tied += chunk_tied;
        overlays += chunk_overlays;
    }
    if (tied >= UINT32_MAX || overlays >= UINT32_MAX)
        return credo_error_set(err, CREDO_ERR_LIMIT,
                               "the assignment of %zu accounts lists %zu tied and %zu overlay territories, "
                               "more than the 2^32 - 1 one assignment holds; assign fewer accounts at once",
                               rows, tied, overlays);
    work->a = assignment_alloc(rows, tied, overlays);
    if (work->a == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory joining the assignment of %zu accounts", rows);
    work->a->tied_start[rows] = (uint32_t)tied;
    work->a->overlay_start[rows] = (uint32_t)overlays;
    return CREDO_OK;
}

static void chunked_free(chunked *work, size_t chunks)
{
    for (size_t i = 0; work->ranges != NULL && i < chunks; i++)
        ri_range_free(work->ranges[i]);
    free(work->ranges);
    free(work->tied_at);
    free(work->overlay_at);
    credo_assignment_free(work->a);
}

credo_status credo_rule_bound_assign_threads(const credo_rule_bound *bound, size_t threads,
                                             const credo_progress *progress,
                                             credo_assignment **out, credo_error *err)
{
    size_t rows = bound->snapshot->accounts.count;
    if (rows == 0)
        return credo_rule_bound_assign(bound, 0, 0, out, err);
    size_t size = chunk_rows(rows, threads);
    size_t chunks = credo_parallel_chunks(rows, size);
    chunked work = {bound, calloc(chunks, sizeof(ri_range *)), NULL, calloc(chunks, sizeof(size_t)),
                    calloc(chunks, sizeof(size_t))};
    if (work.ranges == NULL || work.tied_at == NULL || work.overlay_at == NULL) {
        chunked_free(&work, chunks);
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory assigning %zu accounts", rows);
    }
    credo_status status = credo_parallel_run(rows, size, threads, assign_chunk, &work, progress, "assign", err);
    if (status == CREDO_OK)
        status = plan_join(&work, rows, chunks, err);
    if (status == CREDO_OK)
        status = credo_parallel_run(rows, size, threads, lay_out_chunk, &work, NULL, "join", err);
    if (status == CREDO_OK) {
        *out = work.a;
        work.a = NULL;
    }
    chunked_free(&work, chunks);
    return status;
}
