/* Fast ingest of an accounts CSV file (see include/credo/ingest.h). The
 * mapped file is cut into chunks of about chunk_bytes at record
 * boundaries; threads take chunks in turn and read each into its own
 * columns and string pool. Each chunk is appended to the snapshot in file
 * order as soon as it and the chunks before it are read, by one thread at
 * a time, while the other threads go on reading. Appending merges its
 * strings into the snapshot's pool. A chunk whose predecessors are all
 * appended when its reading starts, chunk 0 and on one thread every
 * chunk, is read straight into the snapshot's pool instead, which saves
 * interning its strings twice. */
#include "credo/ingest.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest_internal.h"

/* ---- the mapped file ---- */

/* Maps path read-only. A file that cannot be opened is passed to
 * credo_csv_open, so that the error is the reader's own. */
static credo_status map_file(const char *path, const char **data, size_t *size, credo_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        if (fd >= 0)
            close(fd);
        credo_csv_reader *reader = NULL;
        credo_status status = credo_csv_open(path, NULL, &reader, err);
        credo_csv_close(reader);
        return status != CREDO_OK ? status
                                  : credo_error_set(err, CREDO_ERR_IO, "cannot read %s; pass a regular file", path);
    }
    *size = (size_t)info.st_size;
    *data = *size == 0 ? "" : mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (*data == MAP_FAILED)
        return credo_error_set(err, CREDO_ERR_IO, "cannot map %s into memory; check that it is readable", path);
    if (*size > 0)
        madvise((void *)*data, *size, MADV_SEQUENTIAL);
    return CREDO_OK;
}

/* ---- cutting ---- */

static bool starts_with_bom(const char *at, size_t left)
{
    return left >= 3 && (unsigned char)at[0] == 0xEF && (unsigned char)at[1] == 0xBB &&
           (unsigned char)at[2] == 0xBF;
}

/* Cuts data into chunks: chunk k is [starts[k], starts[k + 1]). A cut
 * lands after the first line feed outside quotes at or past the target
 * offset, and moves on while the next chunk would start with a byte order
 * mark. Quotes are found with memchr, so a file with few of them is
 * scanned at memory speed. Returns the chunk count. */
static size_t cut_chunks(const char *data, size_t size, size_t chunk_bytes, size_t *starts, size_t max)
{
    size_t count = 0, at = 0;
    bool quoted = false;
    starts[0] = 0;
    while (count + 1 < max) {
        size_t target = starts[count] + chunk_bytes;
        if (target >= size)
            break;
        while (at < target) {
            const char *quote = memchr(data + at, '"', target - at);
            if (quote == NULL) {
                at = target;
                break;
            }
            quoted = !quoted;
            at = (size_t)(quote - data) + 1;
        }
        while (at < size && (quoted || data[at] != '\n' || starts_with_bom(data + at + 1, size - at - 1))) {
            quoted = quoted != (data[at] == '"');
            at++;
        }
        if (at >= size)
            break;
        starts[++count] = ++at;
    }
    starts[++count] = size;
    return count;
}

/* ---- reading chunks ---- */

typedef struct ingest_run {
    const char *path;
    const char *data;
    size_t size;
    const ingest_header *header;
    const credo_csv_options *csv;
    size_t *starts;
    ingest_chunk *chunks;
    size_t count;                 /* chunks */
    credo_snapshot *snapshot;
    const credo_progress *progress;
    size_t chunk_bytes;
    pthread_t caller;
    atomic_size_t bytes_done;
    atomic_bool *ready;           /* chunk k is read without error */
    atomic_bool appending;        /* a thread is appending chunks */
    size_t appended;              /* chunks appended; only the appending thread touches it */
    credo_status append_status;   /* the first failure to append, described by append_err */
    credo_error append_err;
} ingest_run;

/* Makes room in the snapshot's pool for the strings of the whole file,
 * estimated from those of chunk 0 in proportion to its size. The estimate
 * only saves the table's doublings (0.6 s of 4 s on the 10M benchmark
 * file), so failure is ignored.
 * NOTE: when chunk 0 has many distinct strings that later chunks only
 * repeat, the table is oversized, by at most about 16 bytes per byte of
 * file (one string per 2 bytes, 32 bytes of slots per string). */
static void reserve_strings(ingest_run *run)
{
    size_t first_bytes = run->starts[1] - run->starts[0];
    size_t first_strings = credo_strpool_count(run->snapshot->strings) - 1;
    if (first_bytes == 0 || run->count < 2 || first_strings > SIZE_MAX / run->size)
        return;
    (void)credo_strpool_reserve(run->snapshot->strings, first_strings * (run->size / first_bytes));
}

/* Appends chunk k, whose strings are in the snapshot's pool when
 * same_pool, and frees its memory. */
static void append_chunk(ingest_run *run, size_t k, bool same_pool)
{
    if (k == 0)
        reserve_strings(run);
    run->append_status = ingest_append_chunk(run->path, run->header, &run->chunks[k], same_pool, run->snapshot,
                                             &run->append_err);
    ingest_chunk_free(&run->chunks[k], !same_pool);
    run->appended++;
}

static bool next_is_ready(ingest_run *run, size_t next, credo_status status)
{
    return status == CREDO_OK && next < run->count && atomic_load(&run->ready[next]);
}

/* Appends the chunks that are read and next in file order, by the thread
 * that has set `appending`. It looks for ready chunks again after
 * clearing the flag, because a thread that found the flag set left its
 * chunk to it, so no ready chunk is left behind. */
static void append_held(ingest_run *run)
{
    do {
        while (next_is_ready(run, run->appended, run->append_status))
            append_chunk(run, run->appended, run->appended == 0);
        size_t next = run->appended;
        credo_status status = run->append_status;
        atomic_store(&run->appending, false);
        if (!next_is_ready(run, next, status))
            return;
    } while (!atomic_exchange(&run->appending, true));
}

static void append_ready(ingest_run *run)
{
    if (!atomic_exchange(&run->appending, true))
        append_held(run);
}

/* Takes the right to append for reading chunk k straight into the
 * snapshot's pool, which is possible when every chunk before k is
 * appended: then no other chunk can be appended until k is. Interning in
 * file order gives the ids that merging k's own pool would give. Returns
 * false, holding nothing, when chunk k must be read into its own pool. */
static bool claim_direct(ingest_run *run, size_t k)
{
    if (atomic_exchange(&run->appending, true))
        return false;
    while (next_is_ready(run, run->appended, run->append_status))
        append_chunk(run, run->appended, run->appended == 0);
    if (run->appended == k && run->append_status == CREDO_OK)
        return true;
    append_held(run);
    return false;
}

/* Reads chunk k into the pool that read_one_chunk chose. */
static credo_status read_into_pool(ingest_run *run, size_t k, credo_error *err)
{
    size_t bytes = run->starts[k + 1] - run->starts[k];
    credo_status status = ingest_read_chunk(run->path, run->data + run->starts[k], bytes, k == 0, run->header,
                                            run->csv, &run->chunks[k], err);
    size_t done = atomic_fetch_add(&run->bytes_done, bytes) + bytes;
    if (pthread_equal(pthread_self(), run->caller))
        credo_progress_report(run->progress, "read", done, run->size);
    return status;
}

/* Reads chunk k and appends what is ready. Chunk 0 always goes into the
 * snapshot's pool, because nothing is appended before it. A later chunk
 * does too when claim_direct succeeds, and is then appended at once by
 * the same thread, which still has the right to append. */
static credo_status read_one_chunk(void *ctx, size_t k, size_t first, size_t count, credo_error *err)
{
    (void)first;
    (void)count;
    ingest_run *run = ctx;
    ingest_chunk *chunk = &run->chunks[k];
    bool direct = k > 0 && claim_direct(run, k);
    chunk->pool = k == 0 || direct ? run->snapshot->strings : credo_strpool_new();
    credo_status status = chunk->pool == NULL
                              ? credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", run->path)
                              : read_into_pool(run, k, err);
    if (direct) {
        if (status == CREDO_OK)
            append_chunk(run, k, true);
        else
            chunk->pool = NULL; /* the snapshot's, which free_chunks must not free */
        append_held(run);
    } else if (status == CREDO_OK) {
        atomic_store(&run->ready[k], true);
        append_ready(run);
    }
    return status;
}

static void free_chunks(ingest_chunk *chunks, size_t count)
{
    for (size_t k = 0; chunks != NULL && k < count; k++)
        ingest_chunk_free(&chunks[k], k > 0);
    free(chunks);
}

/* Reads and appends every chunk. */
static credo_status read_chunks(ingest_run *run, size_t threads, credo_error *err)
{
    run->chunks = calloc(run->count, sizeof *run->chunks);
    run->ready = malloc(run->count * sizeof *run->ready);
    if (run->chunks == NULL || run->ready == NULL)
        return credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", run->path);
    for (size_t k = 0; k < run->count; k++)
        atomic_init(&run->ready[k], false);
    atomic_init(&run->appending, false);
    run->caller = pthread_self();
    atomic_init(&run->bytes_done, 0);

    credo_status status = credo_parallel_run(run->count, 1, threads, read_one_chunk, run, NULL, "read", err);
    if (status != CREDO_OK) {
        ingest_shift_error_line(run->path, run->chunks, run->count, err);
        return status;
    }
    append_ready(run);
    if (run->append_status != CREDO_OK) {
        if (err != NULL)
            *err = run->append_err;
        return run->append_status;
    }
    credo_progress_report(run->progress, "read", run->size, run->size);
    return CREDO_OK;
}

static credo_status ingest_mapped(ingest_run *run, size_t threads, credo_snapshot **out, credo_error *err)
{
    size_t max = run->size / run->chunk_bytes + 2;
    run->starts = malloc((max + 1) * sizeof *run->starts);
    ingest_header header = {0};
    credo_status status = run->starts == NULL
                              ? credo_error_set(err, CREDO_ERR_NOMEM, "out of memory reading %s", run->path)
                              : ingest_read_header(run->path, run->data, run->size, run->csv, &header, err);
    run->header = &header;
    if (status == CREDO_OK)
        status = credo_snapshot_new(&run->snapshot, err);
    run->count = status == CREDO_OK ? cut_chunks(run->data, run->size, run->chunk_bytes, run->starts, max) : 0;
    if (status == CREDO_OK)
        status = read_chunks(run, threads, err);
    if (status == CREDO_OK)
        status = credo_snapshot_finish(run->snapshot, err);
    free_chunks(run->chunks, run->count);
    free(run->ready);
    ingest_header_clear(&header);
    free(run->starts);
    if (status != CREDO_OK) {
        credo_snapshot_free(run->snapshot);
        return status;
    }
    *out = run->snapshot;
    return CREDO_OK;
}

credo_status credo_ingest_accounts(const char *path, const credo_ingest_options *options,
                                   credo_snapshot **out, credo_error *err)
{
    ingest_run run = {.path = path};
    credo_status status = map_file(path, &run.data, &run.size, err);
    if (status != CREDO_OK)
        return status;
    run.csv = options == NULL ? NULL : options->csv;
    run.progress = options == NULL ? NULL : options->progress;
    run.chunk_bytes = options == NULL || options->chunk_bytes == 0 ? CREDO_INGEST_CHUNK_BYTES : options->chunk_bytes;
    status = ingest_mapped(&run, options == NULL ? 1 : options->threads, out, err);
    if (run.size > 0)
        munmap((void *)run.data, run.size);
    return status;
}
