/* The audit log: an append-only, hash-chained record of who changed the
 * store and how (imports, runs, conflict decisions). docs/audit.md
 * describes what is recorded and the limits of verification.
 *
 * Entry n stores prev_hash, the hash of entry n-1 (64 zeros for entry 1),
 * and hash, the SHA-256 of a canonical encoding of its own fields,
 * prev_hash included. A head record in the same database keeps the seq and
 * hash of the last entry, so that deleting the tail is detected too. An
 * attacker who rewrites the whole chain and the head consistently is
 * caught only by comparing the head hash with a copy kept elsewhere. */
#ifndef CREDO_AUDIT_H
#define CREDO_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "credo/error.h"
#include "credo/store.h"

/* Size of a SHA-256 digest as lowercase hex, NUL included. */
#define CREDO_AUDIT_HASH_SIZE 65

/* Size of the login-name buffer of credo_audit_default_actor, NUL included. */
#define CREDO_AUDIT_ACTOR_MAX 256

/* Size of credo_audit_report.action, NUL included; longer actions are cut. */
#define CREDO_AUDIT_ACTION_MAX 64

/* One stored entry. Strings are borrowed NUL-terminated text; subject,
 * reason and payload are NULL when not given. */
typedef struct credo_audit_entry {
    int64_t seq;            /* 1, 2, 3, ... without gaps */
    const char *created_at; /* UTC "YYYY-MM-DDTHH:MM:SSZ" */
    const char *actor;
    const char *action;     /* "import", "run", "conflict_decision", ... */
    const char *subject;    /* mapping path, run id or conflict key */
    const char *reason;
    const char *payload;    /* JSON text */
    const char *prev_hash;
    const char *hash;
} credo_audit_entry;

/* Copies into out the actor recorded when a caller gives none, cut to
 * size - 1 bytes. It is the environment variable CREDO_ACTOR when set and
 * not empty, recorded as given. Otherwise it is the login name (getlogin_r,
 * then the password entry of the effective user), or else "uid N". */
void credo_audit_default_actor(char *out, size_t size);

/* Appends one entry and moves the head record to it. The entry's seq is one
 * past the last, created_at is now (or SOURCE_DATE_EPOCH when set), and
 * prev_hash is the hash that the head record names (64 zeros when there is
 * none). It runs inside the caller's open transaction, or in a transaction
 * of its own when none is open. actor NULL or "" means
 * credo_audit_default_actor. Errors: CREDO_ERR_INVALID for a missing action
 * or a payload that is not JSON; CREDO_ERR_STORE when the database fails or
 * the head record contains no valid SHA-256 hash. */
credo_status credo_audit_append(credo_store *store, const char *actor, const char *action,
                                const char *subject, const char *reason,
                                const char *payload_json, credo_error *err);

/* What credo_audit_verify found wrong with the first bad entry. */
typedef enum credo_audit_problem {
    CREDO_AUDIT_INTACT = 0,
    CREDO_AUDIT_EDITED,   /* the entry's fields no longer give its hash */
    CREDO_AUDIT_DELETED,  /* the entry is missing: a gap in seq, a broken link or a short tail */
    CREDO_AUDIT_INSERTED, /* the entry is not part of the chain that the next entry or the head links */
    CREDO_AUDIT_HEAD      /* the head record is missing or names another last entry */
} credo_audit_problem;

/* Result of credo_audit_verify. */
typedef struct credo_audit_report {
    int64_t entries;                        /* entries before the first bad one; all when intact */
    int64_t head_seq;                       /* 0 when there is no head record */
    char head_hash[CREDO_AUDIT_HASH_SIZE];  /* "" when there is none */
    credo_audit_problem problem;
    int64_t seq;                            /* the first bad entry; 0 when intact */
    char action[CREDO_AUDIT_ACTION_MAX];    /* its action; "" when it is missing */
    char detail[CREDO_ERROR_MESSAGE_MAX];   /* what is wrong, one sentence */
} credo_audit_report;

/* Walks the chain in seq order in one read transaction and stops at the
 * first bad entry; then compares the last entry with the head record.
 * Returns CREDO_OK whenever the walk ran, with report->problem telling
 * whether the chain is intact; an error only when the store fails. */
credo_status credo_audit_verify(credo_store *store, credo_audit_report *report,
                                credo_error *err);

/* Returns a short name of problem: "intact", "edited", "deleted",
 * "inserted" or "head mismatch". */
const char *credo_audit_problem_name(credo_audit_problem problem);

/* Calls visit once per entry in seq order. A non-zero return from visit
 * stops the walk and is returned as CREDO_ERR_IO with err left as visit
 * filled it. A seq that is not an integer fails with CREDO_ERR_STORE. */
typedef int (*credo_audit_visitor)(void *ctx, const credo_audit_entry *entry, credo_error *err);
credo_status credo_audit_each(credo_store *store, credo_audit_visitor visit, void *ctx,
                              credo_error *err);

/* Writes the SHA-256 of len bytes at data as lowercase hex into out.
 * Fails with CREDO_ERR_NOMEM when OpenSSL cannot set up the digest. */
credo_status credo_sha256_hex(const void *data, size_t len, char out[CREDO_AUDIT_HASH_SIZE],
                              credo_error *err);

#endif
