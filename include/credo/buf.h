/* Growable byte buffer for building text such as explanations and reports.
 * The contents are always NUL-terminated. An allocation failure is sticky:
 * later appends do nothing and credo_buf_failed() returns true. */
#ifndef CREDO_BUF_H
#define CREDO_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct credo_buf {
    char *data;      /* NUL-terminated; NULL until the first append */
    size_t length;   /* bytes before the NUL */
    size_t capacity;
    bool failed;     /* an allocation failed; contents are truncated */
} credo_buf;

#define CREDO_BUF_INIT {NULL, 0, 0, false}

void credo_buf_append(credo_buf *buf, const char *bytes, size_t len);
void credo_buf_puts(credo_buf *buf, const char *text);
void credo_buf_printf(credo_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends text as a JSON string literal, quotes included. */
void credo_buf_json_string(credo_buf *buf, const char *text);
/* Returns the text, or "" when nothing was appended. Borrowed from buf. */
const char *credo_buf_text(const credo_buf *buf);
bool credo_buf_failed(const credo_buf *buf);
void credo_buf_reset(credo_buf *buf);
/* Frees the storage; buf may be reused after credo_buf_reset semantics. */
void credo_buf_free(credo_buf *buf);

#endif
