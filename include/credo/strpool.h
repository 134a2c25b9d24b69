/* String interning: each distinct byte string is stored once and named by a
 * dense credo_str index, so that columns of the snapshot hold 4-byte ids and
 * equality is an integer comparison. */
#ifndef CREDO_STRPOOL_H
#define CREDO_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "credo/error.h"
#include "credo/types.h"

typedef struct credo_strpool credo_strpool;

/* Creates an empty pool. Returns NULL when out of memory. */
credo_strpool *credo_strpool_new(void);

/* Frees the pool and every string in it. pool may be NULL. */
void credo_strpool_free(credo_strpool *pool);

/* Interns the len bytes at text (which need not be NUL-terminated) and
 * returns their id, the same id for equal bytes. text == NULL interns the
 * missing value and returns CREDO_STR_NONE. Returns CREDO_STR_NONE with
 * *status set to CREDO_ERR_NOMEM when out of memory. */
credo_str credo_strpool_intern(credo_strpool *pool, const char *text, size_t len,
                               credo_status *status);

/* Interns a NUL-terminated string; see credo_strpool_intern. */
credo_str credo_strpool_intern_cstr(credo_strpool *pool, const char *text,
                                    credo_status *status);

/* Returns the id of text when it is interned, else CREDO_STR_NONE. */
credo_str credo_strpool_find(const credo_strpool *pool, const char *text, size_t len);

/* Returns the NUL-terminated bytes of id, borrowed from the pool and valid
 * until it is freed; NULL for CREDO_STR_NONE. */
const char *credo_strpool_get(const credo_strpool *pool, credo_str id);

/* Returns the byte length of id (0 for CREDO_STR_NONE). */
size_t credo_strpool_length(const credo_strpool *pool, credo_str id);

/* Number of ids handed out so far, the missing value included. */
size_t credo_strpool_count(const credo_strpool *pool);

/* Returns the hash of the len bytes at text that credo_strpool_intern_hashed
 * expects. */
uint64_t credo_strpool_hash(const char *text, size_t len);

/* Interns text as credo_strpool_intern does, with hash computed by
 * credo_strpool_hash on the same bytes. A wrong hash breaks the pool's
 * promise of one id per distinct string. */
credo_str credo_strpool_intern_hashed(credo_strpool *pool, const char *text, size_t len, uint64_t hash,
                                      credo_status *status);

/* Asks the processor to fetch the table slot of hash into cache, so that
 * a credo_strpool_intern_hashed call soon after does not wait on memory.
 * Only a hint: it changes nothing in the pool. */
void credo_strpool_prefetch(const credo_strpool *pool, uint64_t hash);

/* Asks the processor to fetch the stored length and address of the
 * string in the table slot of hash, when that string's hash agrees with
 * hash in its upper half. Comparing a repeated string with it soon after
 * then waits less on memory. Call it once credo_strpool_prefetch has
 * brought the slot into cache, because it reads the slot. Only a hint:
 * it changes nothing in the pool. */
void credo_strpool_prefetch_entry(const credo_strpool *pool, uint64_t hash);

/* Asks the processor to fetch the bytes of that same string. Call it
 * once credo_strpool_prefetch_entry has brought its address into cache,
 * because it reads the slot and the address. Only a hint: it changes
 * nothing in the pool. */
void credo_strpool_prefetch_bytes(const credo_strpool *pool, uint64_t hash);

/* Makes room for `more` further distinct strings, so that interning them
 * allocates only their bytes. Use it when the count is known ahead, to
 * skip the table's repeated doubling. Returns CREDO_ERR_NOMEM when out of
 * memory or past the 2^32 - 2 ids a pool can hold. */
credo_status credo_strpool_reserve(credo_strpool *pool, size_t more);

/* Interns every string of from into pool, in from's id order, and writes
 * map[id in from] = id in pool, with map[CREDO_STR_NONE] = CREDO_STR_NONE.
 * map holds credo_strpool_count(from) entries, and from is another pool.
 * Reuses from's stored hashes, so no string is hashed again. Returns
 * CREDO_ERR_NOMEM when out of memory, after which pool holds a prefix of
 * from's strings and map is partly written. */
credo_status credo_strpool_merge(credo_strpool *pool, const credo_strpool *from, credo_str *map);

/* Compares two interned strings by code point (bytewise UTF-8); the missing
 * value sorts first. Returns <0, 0 or >0. */
int credo_strpool_compare(const credo_strpool *pool, credo_str a, credo_str b);

#endif
