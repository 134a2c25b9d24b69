/* Helpers shared by the test executables: temporary folders, files and
 * running the credo command. Every helper fails the current test (through
 * cmocka's fail_msg) instead of returning an error. */
#ifndef CREDO_TEST_SUPPORT_H
#define CREDO_TEST_SUPPORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Creates a fresh folder under $TMPDIR (or /tmp) and returns its path, which
 * the caller frees with free(). The folder is left for inspection. */
char *test_make_tempdir(const char *label);

/* Returns path joined with name, freed by the caller. */
char *test_path_join(const char *dir, const char *name);

/* Reads a whole file into a NUL-terminated buffer; *len may be NULL. */
char *test_read_file(const char *path, size_t *len);

/* Writes text to path, replacing it. */
void test_write_file(const char *path, const char *text);

/* Copies a file byte for byte. */
void test_copy_file(const char *from, const char *to);

/* Runs a shell command line, captures stdout (and stderr when
 * merge_stderr) into a malloc'd string and returns the exit status
 * (or -1 when it did not exit normally). */
int test_run(const char *command, int merge_stderr, char **output);

#endif
