/* Status codes and error details shared by every libcredo call.
 *
 * A fallible function returns a credo_status and, on failure, fills the
 * caller's credo_error with a message that names the value at fault (file,
 * line, column or field) and says what to do. The library never prints. */
#ifndef CREDO_ERROR_H
#define CREDO_ERROR_H

#include <stddef.h>

typedef enum credo_status {
    CREDO_OK = 0,
    CREDO_ERR_INVALID = 1,   /* input is malformed or breaks a rule */
    CREDO_ERR_NOT_FOUND = 2, /* a named file, id or key does not exist */
    CREDO_ERR_IO = 3,        /* reading or writing a file failed */
    CREDO_ERR_STORE = 4,     /* the database reported an error */
    CREDO_ERR_NOMEM = 5,     /* an allocation failed */
    CREDO_ERR_LIMIT = 6,     /* input exceeds a named limit */
    CREDO_ERR_CONFLICT = 7   /* the request contradicts stored state */
} credo_status;

/* Maximum length of an error message, terminating NUL included. */
#define CREDO_ERROR_MESSAGE_MAX 4096

typedef struct credo_error {
    credo_status status;
    char message[CREDO_ERROR_MESSAGE_MAX];
} credo_error;

/* Fills err (which may be NULL) with status and a printf-style message and
 * returns status, so that callers can write `return credo_error_set(...)`. */
credo_status credo_error_set(credo_error *err, credo_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing message, for callers that add context
 * such as a file name to an error from a lower layer. Returns err->status. */
credo_status credo_error_prefix(credo_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Resets err to CREDO_OK with an empty message. err may be NULL. */
void credo_error_clear(credo_error *err);

/* Returns a short constant name for status, such as "invalid input". */
const char *credo_status_name(credo_status status);

#endif
