/* String interning with an open-addressing hash table over an arena of
 * NUL-terminated strings. Each id keeps its 64-bit XXH3 hash, so growing
 * the table and merging one pool into another never rehash a string.
 * Each slot keeps the hash's upper half beside the id, so a probe reads
 * the string only when the upper halves agree. */
#include "credo/strpool.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>

/* Tables of at least this many bytes are aligned to it and offered to
 * the kernel as transparent huge pages, because their probes land at
 * random and would otherwise miss the TLB on most of them. */
#define HUGE_PAGE_BYTES ((size_t)2 << 20)
/* Slots fetched ahead of their probe when merging pools. The stored
 * lengths and addresses are fetched half as far ahead, and the bytes a
 * quarter as far. */
#define MERGE_PREFETCH_DISTANCE 32

/* Strings are copied into chunks of at least this many bytes. */
#define ARENA_CHUNK_BYTES (1u << 20)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, capacity;
    char bytes[];
};

struct credo_strpool {
    const char **strings; /* id -> bytes; strings[0] is NULL */
    uint32_t *lengths;
    uint64_t *hashes;     /* id -> XXH3_64bits of the bytes */
    size_t count, capacity;
    uint64_t *slots; /* hash table: upper hash half << 32 | id; 0 = empty */
    size_t slot_mask;
    struct arena_chunk *chunks;
};

credo_strpool *credo_strpool_new(void)
{
    credo_strpool *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return NULL;

    pool->capacity = 1024;
    pool->strings = malloc(pool->capacity * sizeof *pool->strings);
    pool->lengths = malloc(pool->capacity * sizeof *pool->lengths);
    pool->hashes = malloc(pool->capacity * sizeof *pool->hashes);
    pool->slot_mask = 2047;
    pool->slots = calloc(pool->slot_mask + 1, sizeof *pool->slots);
    if (pool->strings == NULL || pool->lengths == NULL || pool->hashes == NULL || pool->slots == NULL) {
        credo_strpool_free(pool);
        return NULL;
    }
    pool->strings[0] = NULL;
    pool->lengths[0] = 0;
    pool->hashes[0] = 0;
    pool->count = 1;
    return pool;
}

void credo_strpool_free(credo_strpool *pool)
{
    if (pool == NULL)
        return;
    struct arena_chunk *chunk = pool->chunks;
    while (chunk != NULL) {
        struct arena_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    free(pool->strings);
    free(pool->lengths);
    free(pool->hashes);
    free(pool->slots);
    free(pool);
}

static char *arena_copy(credo_strpool *pool, const char *text, size_t len)
{
    struct arena_chunk *chunk = pool->chunks;
    if (chunk == NULL || chunk->capacity - chunk->used < len + 1) {
        size_t capacity = len + 1 > ARENA_CHUNK_BYTES ? len + 1 : ARENA_CHUNK_BYTES;
        chunk = malloc(sizeof *chunk + capacity);
        if (chunk == NULL)
            return NULL;
        chunk->used = 0;
        chunk->capacity = capacity;
        chunk->next = pool->chunks;
        pool->chunks = chunk;
    }
    char *copy = chunk->bytes + chunk->used;
    memcpy(copy, text, len);
    copy[len] = '\0';
    chunk->used += len + 1;
    return copy;
}

#define SLOT_ID(slot) ((uint32_t)(slot))
#define SLOT_TAG(hash) ((hash) >> 32)

/* Returns the slot that holds the string with these bytes and hash, or
 * the empty slot where it would go. */
static size_t slot_of(const credo_strpool *pool, const char *text, size_t len, uint64_t hash)
{
    size_t slot = (size_t)hash & pool->slot_mask;
    for (;;) {
        uint64_t entry = pool->slots[slot];
        if (entry == 0)
            return slot;
        uint32_t id = SLOT_ID(entry);
        if (SLOT_TAG(entry) == SLOT_TAG(hash) && pool->lengths[id] == len &&
            memcmp(pool->strings[id], text, len) == 0)
            return slot;
        slot = (slot + 1) & pool->slot_mask;
    }
}

/* Returns the first empty slot for hash, for a string known to be absent. */
static size_t empty_slot_of(const credo_strpool *pool, uint64_t hash)
{
    size_t slot = (size_t)hash & pool->slot_mask;
    while (pool->slots[slot] != 0)
        slot = (slot + 1) & pool->slot_mask;
    return slot;
}

static uint64_t slot_entry(uint64_t hash, size_t id)
{
    return SLOT_TAG(hash) << 32 | (uint64_t)id;
}

/* Resizes the table to slot_count slots (a power of two above twice the
 * ids) and places every id again from its stored hash. */
/* Allocates slot_count empty slots. The table is zeroed by writing, not
 * with calloc, so that each page faults in once for a write instead of
 * first as the shared zero page on the probe's read. */
static uint64_t *alloc_slots(size_t slot_count)
{
    size_t bytes = slot_count * sizeof(uint64_t);
    void *slots = NULL;
    if (bytes < HUGE_PAGE_BYTES)
        return calloc(slot_count, sizeof(uint64_t));
    if (posix_memalign(&slots, HUGE_PAGE_BYTES, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(slots, bytes, MADV_HUGEPAGE); /* advice only; failure changes nothing */
#endif
    memset(slots, 0, bytes);
    return slots;
}

static int resize_slots(credo_strpool *pool, size_t slot_count)
{
    uint64_t *slots = alloc_slots(slot_count);
    if (slots == NULL)
        return -1;
    free(pool->slots);
    pool->slots = slots;
    pool->slot_mask = slot_count - 1;
    for (size_t id = 1; id < pool->count; id++)
        pool->slots[empty_slot_of(pool, pool->hashes[id])] = slot_entry(pool->hashes[id], id);
    return 0;
}

static int resize_strings(credo_strpool *pool, size_t capacity)
{
    const char **strings = realloc(pool->strings, capacity * sizeof *strings);
    if (strings == NULL)
        return -1;
    pool->strings = strings;
    uint32_t *lengths = realloc(pool->lengths, capacity * sizeof *lengths);
    if (lengths == NULL)
        return -1;
    pool->lengths = lengths;
    uint64_t *hashes = realloc(pool->hashes, capacity * sizeof *hashes);
    if (hashes == NULL)
        return -1;
    pool->hashes = hashes;
    pool->capacity = capacity;
    return 0;
}

/* Makes room for `more` further ids: the id arrays hold them and the
 * table stays under half full. */
static int make_room(credo_strpool *pool, size_t more)
{
    if (more > UINT32_MAX - 1 || pool->count > UINT32_MAX - 1 - more)
        return -1;
    size_t needed = pool->count + more;
    if (needed > pool->capacity) {
        size_t capacity = pool->capacity;
        while (capacity < needed)
            capacity *= 2;
        if (resize_strings(pool, capacity) != 0)
            return -1;
    }
    size_t slot_count = pool->slot_mask + 1;
    while (needed * 2 > slot_count)
        slot_count *= 2;
    if (slot_count > pool->slot_mask + 1 && resize_slots(pool, slot_count) != 0)
        return -1;
    return 0;
}

/* Adds the absent string with this hash at slot (found by slot_of after
 * make_room) and returns its id, or CREDO_STR_NONE when out of memory. */
static credo_str add_string(credo_strpool *pool, size_t slot, const char *text, size_t len, uint64_t hash)
{
    char *copy = arena_copy(pool, text, len);
    if (copy == NULL)
        return CREDO_STR_NONE;
    credo_str id = (credo_str)pool->count++;
    pool->strings[id] = copy;
    pool->lengths[id] = (uint32_t)len;
    pool->hashes[id] = hash;
    pool->slots[slot] = slot_entry(hash, id);
    return id;
}

static credo_str intern_hashed(credo_strpool *pool, const char *text, size_t len, uint64_t hash,
                               credo_status *status)
{
    size_t slot = slot_of(pool, text, len, hash);
    if (pool->slots[slot] != 0)
        return SLOT_ID(pool->slots[slot]);

    credo_str id = CREDO_STR_NONE;
    if (len <= UINT32_MAX && make_room(pool, 1) == 0) {
        slot = slot_of(pool, text, len, hash);
        id = add_string(pool, slot, text, len, hash);
    }
    if (id == CREDO_STR_NONE && status != NULL)
        *status = CREDO_ERR_NOMEM;
    return id;
}

credo_str credo_strpool_intern(credo_strpool *pool, const char *text, size_t len,
                               credo_status *status)
{
    if (text == NULL)
        return CREDO_STR_NONE;
    return intern_hashed(pool, text, len, XXH3_64bits(text, len), status);
}

uint64_t credo_strpool_hash(const char *text, size_t len)
{
    return XXH3_64bits(text, len);
}

credo_str credo_strpool_intern_hashed(credo_strpool *pool, const char *text, size_t len, uint64_t hash,
                                      credo_status *status)
{
    if (text == NULL)
        return CREDO_STR_NONE;
    return intern_hashed(pool, text, len, hash, status);
}

void credo_strpool_prefetch(const credo_strpool *pool, uint64_t hash)
{
    __builtin_prefetch(&pool->slots[hash & pool->slot_mask]);
}

/* Returns the id in hash's home slot when its tag matches hash, else
 * CREDO_STR_NONE. */
static credo_str home_match(const credo_strpool *pool, uint64_t hash)
{
    uint64_t entry = pool->slots[hash & pool->slot_mask];
    return entry != 0 && SLOT_TAG(entry) == SLOT_TAG(hash) ? SLOT_ID(entry) : CREDO_STR_NONE;
}

void credo_strpool_prefetch_entry(const credo_strpool *pool, uint64_t hash)
{
    credo_str id = home_match(pool, hash);
    if (id == CREDO_STR_NONE)
        return;
    __builtin_prefetch(&pool->lengths[id]);
    __builtin_prefetch(&pool->strings[id]);
}

void credo_strpool_prefetch_bytes(const credo_strpool *pool, uint64_t hash)
{
    credo_str id = home_match(pool, hash);
    if (id != CREDO_STR_NONE)
        __builtin_prefetch(pool->strings[id]);
}

credo_status credo_strpool_reserve(credo_strpool *pool, size_t more)
{
    return make_room(pool, more) == 0 ? CREDO_OK : CREDO_ERR_NOMEM;
}

credo_status credo_strpool_merge(credo_strpool *pool, const credo_strpool *from, credo_str *map)
{
    if (make_room(pool, from->count - 1) != 0)
        return CREDO_ERR_NOMEM;
    credo_status status = CREDO_OK;
    map[0] = CREDO_STR_NONE;
    for (size_t id = 1; id < from->count && status == CREDO_OK; id++) {
        /* The hashes are known ahead, so the cache misses of the slots,
         * and then of the strings that repeat, overlap. */
        if (id + MERGE_PREFETCH_DISTANCE < from->count)
            __builtin_prefetch(&pool->slots[from->hashes[id + MERGE_PREFETCH_DISTANCE] & pool->slot_mask]);
        if (id + MERGE_PREFETCH_DISTANCE / 2 < from->count)
            credo_strpool_prefetch_entry(pool, from->hashes[id + MERGE_PREFETCH_DISTANCE / 2]);
        if (id + MERGE_PREFETCH_DISTANCE / 4 < from->count)
            credo_strpool_prefetch_bytes(pool, from->hashes[id + MERGE_PREFETCH_DISTANCE / 4]);
        map[id] = intern_hashed(pool, from->strings[id], from->lengths[id], from->hashes[id], &status);
    }
    return status;
}

credo_str credo_strpool_intern_cstr(credo_strpool *pool, const char *text, credo_status *status)
{
    return credo_strpool_intern(pool, text, text == NULL ? 0 : strlen(text), status);
}

credo_str credo_strpool_find(const credo_strpool *pool, const char *text, size_t len)
{
    if (text == NULL)
        return CREDO_STR_NONE;
    return SLOT_ID(pool->slots[slot_of(pool, text, len, XXH3_64bits(text, len))]);
}

const char *credo_strpool_get(const credo_strpool *pool, credo_str id)
{
    if (id == CREDO_STR_NONE || id >= pool->count)
        return NULL;
    return pool->strings[id];
}

size_t credo_strpool_length(const credo_strpool *pool, credo_str id)
{
    if (id >= pool->count)
        return 0;
    return pool->lengths[id];
}

size_t credo_strpool_count(const credo_strpool *pool)
{
    return pool->count;
}

int credo_strpool_compare(const credo_strpool *pool, credo_str a, credo_str b)
{
    if (a == b)
        return 0;
    if (a == CREDO_STR_NONE)
        return -1;
    if (b == CREDO_STR_NONE)
        return 1;

    size_t len_a = pool->lengths[a], len_b = pool->lengths[b];
    int order = memcmp(pool->strings[a], pool->strings[b], len_a < len_b ? len_a : len_b);
    if (order != 0)
        return order;
    return len_a < len_b ? -1 : (len_a > len_b ? 1 : 0);
}
