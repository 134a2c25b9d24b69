/* libFuzzer target for the CSV reader. Not built by CMake; build and run
 * from the repository root with
 *
 *   clang -fsanitize=fuzzer,address -Iinclude tests/fuzz/fuzz_csv.c \
 *       src/lib/csv.c src/lib/error.c -o fuzz_csv
 *   ./fuzz_csv -max_total_time=60
 *
 * The first input byte selects the options and the block size. The rest is
 * read from memory and again through a stream in small blocks, and the two
 * readers must return the same records and the same error. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credo/csv.h"
#include "../../src/lib/csv_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void options_from_byte(uint8_t selector, credo_csv_options *options, size_t *block_bytes)
{
    static const char delimiters[] = {',', ';', '|', '\t'};
    memset(options, 0, sizeof *options);
    options->delimiter = delimiters[selector & 3];
    /* Small limits in some runs, so that the limit paths are reached. */
    if (selector & 4)
        options->max_record_bytes = 1 + (selector >> 5);
    if (selector & 8)
        options->max_fields = 1 + (selector >> 6);
    *block_bytes = 1 + (selector >> 4);
}

static void check_same_record(const credo_csv_record *a, const credo_csv_record *b)
{
    if (a->count != b->count || a->line != b->line || a->number != b->number)
        abort();
    for (size_t i = 0; i < a->count; i++) {
        const credo_csv_field *x = &a->fields[i];
        const credo_csv_field *y = &b->fields[i];
        if (x->length != y->length || x->quoted != y->quoted)
            abort();
        if (x->length > 0 && memcmp(x->data, y->data, x->length) != 0)
            abort();
    }
}

/* Reads both readers to the end in step and aborts on any difference. */
static void compare_readers(credo_csv_reader *memory, credo_csv_reader *stream)
{
    unsigned long previous_line = 0;
    for (;;) {
        credo_csv_record a, b;
        credo_error error_a = {0}, error_b = {0};
        credo_status status_a = credo_csv_next(memory, &a, &error_a);
        credo_status status_b = credo_csv_next(stream, &b, &error_b);
        if (status_a != status_b)
            abort();
        if (status_a != CREDO_OK) {
            if (strcmp(error_a.message, error_b.message) != 0)
                abort();
            return;
        }
        check_same_record(&a, &b);
        if (a.count == 0)
            return;
        if (a.line <= previous_line)
            abort();
        previous_line = a.line;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;

    credo_csv_options options;
    size_t block_bytes;
    options_from_byte(data[0], &options, &block_bytes);
    const char *text = (const char *)data + 1;
    size_t length = size - 1;

    credo_csv_reader *memory = NULL;
    credo_error err = {0};
    if (credo_csv_open_memory(text, length, "fuzz", &options, &memory, &err) != CREDO_OK)
        abort();

    /* fmemopen rejects an empty buffer on some C libraries. */
    FILE *file = length > 0 ? fmemopen((void *)text, length, "rb") : NULL;
    credo_csv_reader *stream = NULL;
    if (file != NULL && csv_open_stream(file, "fuzz", &options, block_bytes, &stream, &err) != CREDO_OK)
        abort();

    if (stream != NULL) {
        compare_readers(memory, stream);
    } else {
        credo_csv_record record;
        while (credo_csv_next(memory, &record, &err) == CREDO_OK && record.count > 0) {
        }
    }
    credo_csv_close(stream);
    credo_csv_close(memory);
    return 0;
}
