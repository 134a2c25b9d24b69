/* Growable NUL-terminated byte buffer. */
#include "credo/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(credo_buf *buf, size_t extra)
{
    if (buf->failed)
        return false;
    if (buf->length + extra + 1 <= buf->capacity)
        return true;

    size_t capacity = buf->capacity == 0 ? 256 : buf->capacity;
    while (capacity < buf->length + extra + 1)
        capacity *= 2;
    char *data = realloc(buf->data, capacity);
    if (data == NULL) {
        buf->failed = true;
        return false;
    }
    buf->data = data;
    buf->capacity = capacity;
    return true;
}

void credo_buf_append(credo_buf *buf, const char *bytes, size_t len)
{
    if (!reserve(buf, len))
        return;
    memcpy(buf->data + buf->length, bytes, len);
    buf->length += len;
    buf->data[buf->length] = '\0';
}

void credo_buf_puts(credo_buf *buf, const char *text)
{
    credo_buf_append(buf, text, strlen(text));
}

void credo_buf_printf(credo_buf *buf, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    va_list copy;
    va_copy(copy, args);
    int needed = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);

    if (needed >= 0 && reserve(buf, (size_t)needed)) {
        vsnprintf(buf->data + buf->length, (size_t)needed + 1, fmt, args);
        buf->length += (size_t)needed;
    }
    va_end(args);
}

void credo_buf_json_string(credo_buf *buf, const char *text)
{
    credo_buf_append(buf, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        switch (*p) {
        case '"': credo_buf_append(buf, "\\\"", 2); break;
        case '\\': credo_buf_append(buf, "\\\\", 2); break;
        case '\n': credo_buf_append(buf, "\\n", 2); break;
        case '\r': credo_buf_append(buf, "\\r", 2); break;
        case '\t': credo_buf_append(buf, "\\t", 2); break;
        default:
            if (*p < 0x20)
                credo_buf_printf(buf, "\\u%04x", *p);
            else
                credo_buf_append(buf, (const char *)p, 1);
        }
    }
    credo_buf_append(buf, "\"", 1);
}

const char *credo_buf_text(const credo_buf *buf)
{
    return buf->data == NULL ? "" : buf->data;
}

bool credo_buf_failed(const credo_buf *buf)
{
    return buf->failed;
}

void credo_buf_reset(credo_buf *buf)
{
    buf->length = 0;
    buf->failed = false;
    if (buf->data != NULL)
        buf->data[0] = '\0';
}

void credo_buf_free(credo_buf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->length = buf->capacity = 0;
    buf->failed = false;
}
