/* Threaded assignment: chunks of rows assigned with credo_rule_bound_assign
 * on several threads, then joined into one assignment in row order. */
#include "rule_index_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct chunked {
    const credo_rule_bound *bound;
    credo_assignment **parts; /* one per chunk */
} chunked;

static credo_status assign_chunk(void *ctx, size_t chunk, size_t first, size_t count, credo_error *err)
{
    chunked *work = ctx;
    return credo_rule_bound_assign(work->bound, first, count, &work->parts[chunk], err);
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

/* Appends part p at rows [at, at + p->count) of a, shifting its offsets. */
static void append_part(credo_assignment *a, const credo_assignment *p, size_t at, size_t tied_at,
                        size_t overlay_at)
{
    memcpy(a->status + at, p->status, p->count);
    memcpy(a->territory + at, p->territory, p->count * sizeof *a->territory);
    for (size_t k = 0; k < p->count; k++) {
        a->tied_start[at + k] = (uint32_t)tied_at + p->tied_start[k];
        a->overlay_start[at + k] = (uint32_t)overlay_at + p->overlay_start[k];
    }
    /* A list that never grew is NULL. */
    if (p->tied_start[p->count] > 0)
        memcpy(a->tied + tied_at, p->tied, p->tied_start[p->count] * sizeof *a->tied);
    if (p->overlay_start[p->count] > 0)
        memcpy(a->overlays + overlay_at, p->overlays, p->overlay_start[p->count] * sizeof *a->overlays);
}

static credo_status join(credo_assignment **parts, size_t count, credo_assignment **out, credo_error *err)
{
    size_t rows = 0, tied = 0, overlays = 0;
    for (size_t i = 0; i < count; i++) {
        rows += parts[i]->count;
        tied += parts[i]->tied_start[parts[i]->count];
        overlays += parts[i]->overlay_start[parts[i]->count];
    }
    if (tied >= UINT32_MAX || overlays >= UINT32_MAX)
        return credo_error_set(err, CREDO_ERR_LIMIT,
                               "the assignment of %zu accounts lists %zu tied and %zu overlay territories, "
                               "more than the 2^32 - 1 one assignment holds; assign fewer accounts at once",
                               rows, tied, overlays);
    credo_assignment *a = assignment_alloc(rows, tied, overlays);
    if (a == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory joining the assignment of %zu accounts", rows);
    size_t at = 0, tied_at = 0, overlay_at = 0;
    for (size_t i = 0; i < count; i++) {
        append_part(a, parts[i], at, tied_at, overlay_at);
        at += parts[i]->count;
        tied_at += parts[i]->tied_start[parts[i]->count];
        overlay_at += parts[i]->overlay_start[parts[i]->count];
    }
    a->tied_start[rows] = (uint32_t)tied_at;
    a->overlay_start[rows] = (uint32_t)overlay_at;
    *out = a;
    return CREDO_OK;
}

credo_status credo_rule_bound_assign_threads(const credo_rule_bound *bound, size_t threads,
                                             const credo_progress *progress,
                                             credo_assignment **out, credo_error *err)
{
    size_t rows = bound->snapshot->accounts.count;
    if (rows == 0)
        return credo_rule_bound_assign(bound, 0, 0, out, err);
    size_t chunks = credo_parallel_chunks(rows, CREDO_RULE_INDEX_CHUNK_ROWS);
    chunked work = {bound, calloc(chunks, sizeof(credo_assignment *))};
    if (work.parts == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory assigning %zu accounts", rows);
    credo_status status = credo_parallel_run(rows, CREDO_RULE_INDEX_CHUNK_ROWS, threads, assign_chunk, &work,
                                             progress, "assign", err);
    if (status == CREDO_OK)
        status = join(work.parts, chunks, out, err);
    for (size_t i = 0; i < chunks; i++)
        credo_assignment_free(work.parts[i]);
    free(work.parts);
    return status;
}
