/* String interning with an open-addressing hash table over an arena of
 * NUL-terminated strings. */
#include "credo/strpool.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

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
    size_t count, capacity;
    uint32_t *slots; /* hash table of ids, 0 = empty */
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
    pool->slot_mask = 2047;
    pool->slots = calloc(pool->slot_mask + 1, sizeof *pool->slots);
    if (pool->strings == NULL || pool->lengths == NULL || pool->slots == NULL) {
        credo_strpool_free(pool);
        return NULL;
    }
    pool->strings[0] = NULL;
    pool->lengths[0] = 0;
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

static size_t slot_of(const credo_strpool *pool, const char *text, size_t len)
{
    size_t slot = (size_t)XXH3_64bits(text, len) & pool->slot_mask;
    for (;;) {
        uint32_t id = pool->slots[slot];
        if (id == 0)
            return slot;
        if (pool->lengths[id] == len && memcmp(pool->strings[id], text, len) == 0)
            return slot;
        slot = (slot + 1) & pool->slot_mask;
    }
}

static int grow_slots(credo_strpool *pool)
{
    size_t new_mask = pool->slot_mask * 2 + 1;
    uint32_t *slots = calloc(new_mask + 1, sizeof *slots);
    if (slots == NULL)
        return -1;
    free(pool->slots);
    pool->slots = slots;
    pool->slot_mask = new_mask;
    for (size_t id = 1; id < pool->count; id++)
        pool->slots[slot_of(pool, pool->strings[id], pool->lengths[id])] = (uint32_t)id;
    return 0;
}

static int grow_strings(credo_strpool *pool)
{
    size_t capacity = pool->capacity * 2;
    const char **strings = realloc(pool->strings, capacity * sizeof *strings);
    if (strings == NULL)
        return -1;
    pool->strings = strings;
    uint32_t *lengths = realloc(pool->lengths, capacity * sizeof *lengths);
    if (lengths == NULL)
        return -1;
    pool->lengths = lengths;
    pool->capacity = capacity;
    return 0;
}

credo_str credo_strpool_intern(credo_strpool *pool, const char *text, size_t len,
                               credo_status *status)
{
    if (text == NULL)
        return CREDO_STR_NONE;

    size_t slot = slot_of(pool, text, len);
    if (pool->slots[slot] != 0)
        return pool->slots[slot];

    /* Keep the load factor under one half, and ids within uint32_t. */
    if (pool->count >= UINT32_MAX - 1 || len > UINT32_MAX)
        goto nomem;
    if ((pool->count + 1) * 2 > pool->slot_mask + 1) {
        if (grow_slots(pool) != 0)
            goto nomem;
        slot = slot_of(pool, text, len);
    }
    if (pool->count == pool->capacity && grow_strings(pool) != 0)
        goto nomem;

    char *copy = arena_copy(pool, text, len);
    if (copy == NULL)
        goto nomem;
    credo_str id = (credo_str)pool->count++;
    pool->strings[id] = copy;
    pool->lengths[id] = (uint32_t)len;
    pool->slots[slot] = id;
    return id;

nomem:
    if (status != NULL)
        *status = CREDO_ERR_NOMEM;
    return CREDO_STR_NONE;
}

credo_str credo_strpool_intern_cstr(credo_strpool *pool, const char *text, credo_status *status)
{
    return credo_strpool_intern(pool, text, text == NULL ? 0 : strlen(text), status);
}

credo_str credo_strpool_find(const credo_strpool *pool, const char *text, size_t len)
{
    if (text == NULL)
        return CREDO_STR_NONE;
    return pool->slots[slot_of(pool, text, len)];
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
