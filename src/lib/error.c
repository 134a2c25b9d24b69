/* Error details: formatting of the message that travels with a status. */
#include "credo/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

credo_status credo_error_set(credo_error *err, credo_status status, const char *fmt, ...)
{
    if (err == NULL)
        return status;

    err->status = status;
    va_list args;
    va_start(args, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, args);
    va_end(args);
    return status;
}

credo_status credo_error_prefix(credo_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return CREDO_ERR_INVALID;

    char prefix[CREDO_ERROR_MESSAGE_MAX];
    va_list args;
    va_start(args, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, args);
    va_end(args);

    /* Truncation to CREDO_ERROR_MESSAGE_MAX is intended: the start of the
     * message, which names the place, matters most. */
    char joined[2 * CREDO_ERROR_MESSAGE_MAX + 2];
    snprintf(joined, sizeof joined, "%s: %s", prefix, err->message);
    memcpy(err->message, joined, CREDO_ERROR_MESSAGE_MAX - 1);
    err->message[CREDO_ERROR_MESSAGE_MAX - 1] = '\0';
    return err->status;
}

void credo_error_clear(credo_error *err)
{
    if (err == NULL)
        return;
    err->status = CREDO_OK;
    err->message[0] = '\0';
}

const char *credo_status_name(credo_status status)
{
    switch (status) {
    case CREDO_OK: return "ok";
    case CREDO_ERR_INVALID: return "invalid input";
    case CREDO_ERR_NOT_FOUND: return "not found";
    case CREDO_ERR_IO: return "I/O error";
    case CREDO_ERR_STORE: return "store error";
    case CREDO_ERR_NOMEM: return "out of memory";
    case CREDO_ERR_LIMIT: return "limit exceeded";
    case CREDO_ERR_CONFLICT: return "conflict";
    }
    return "unknown status";
}
