/* Helpers shared by the test executables. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *test_make_tempdir(const char *label)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    size_t size = strlen(base) + strlen(label) + 32;
    char *path = malloc(size);
    if (path == NULL)
        fail_msg("out of memory");
    snprintf(path, size, "%s/credo-%s-XXXXXX", base, label);
    if (mkdtemp(path) == NULL)
        fail_msg("cannot create a temporary folder under %s", base);
    return path;
}

char *test_path_join(const char *dir, const char *name)
{
    size_t size = strlen(dir) + strlen(name) + 2;
    char *path = malloc(size);
    if (path == NULL)
        fail_msg("out of memory");
    snprintf(path, size, "%s/%s", dir, name);
    return path;
}

char *test_read_file(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open %s", path);
    size_t capacity = 4096, used = 0;
    char *data = malloc(capacity);
    for (;;) {
        if (used + 1 >= capacity) {
            capacity *= 2;
            data = realloc(data, capacity);
        }
        if (data == NULL)
            fail_msg("out of memory reading %s", path);
        size_t got = fread(data + used, 1, capacity - used - 1, file);
        used += got;
        if (got == 0)
            break;
    }
    fclose(file);
    data[used] = '\0';
    if (len != NULL)
        *len = used;
    return data;
}

void test_write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    if (file == NULL)
        fail_msg("cannot write %s", path);
    fputs(text, file);
    fclose(file);
}

void test_copy_file(const char *from, const char *to)
{
    size_t len;
    char *data = test_read_file(from, &len);
    FILE *file = fopen(to, "wb");
    if (file == NULL)
        fail_msg("cannot write %s", to);
    fwrite(data, 1, len, file);
    fclose(file);
    free(data);
}

int test_run(const char *command, int merge_stderr, char **output)
{
    size_t size = strlen(command) + 16;
    char *line = malloc(size);
    if (line == NULL)
        fail_msg("out of memory");
    snprintf(line, size, "%s%s", command, merge_stderr ? " 2>&1" : "");
    FILE *pipe = popen(line, "r");
    free(line);
    if (pipe == NULL)
        fail_msg("cannot run %s", command);

    size_t capacity = 4096, used = 0;
    char *text = malloc(capacity);
    for (;;) {
        if (used + 1 >= capacity) {
            capacity *= 2;
            text = realloc(text, capacity);
        }
        if (text == NULL)
            fail_msg("out of memory");
        size_t got = fread(text + used, 1, capacity - used - 1, pipe);
        used += got;
        if (got == 0)
            break;
    }
    text[used] = '\0';
    int status = pclose(pipe);
    if (output != NULL)
        *output = text;
    else
        free(text);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
