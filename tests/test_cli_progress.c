/* Progress of `credo import` and `credo run`: shown on stderr when stderr is
 * a terminal (a pseudo-terminal here), absent when it is a pipe. The
 * figures expected are counted independently: source rows from the raw
 * files, stored rows with SQLite directly. */
#include "test_support.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXAMPLE_DIR CREDO_SOURCE_DIR "/examples/adventureworks"

/* The largest output kept from one command on the terminal. */
#define TERMINAL_OUTPUT_MAX (1u << 20)

typedef struct progress_fixture {
    char *dir;
    char *db;
} progress_fixture;

/* Runs `credo ARGS...` with stderr on a new pseudo-terminal and stdout on
 * /dev/null; returns what the terminal received and stores the exit code. */
static char *run_on_terminal(char *const argv[], int *exit_code)
{
    int master = -1;
    pid_t child = forkpty(&master, NULL, NULL, NULL);
    if (child < 0)
        fail_msg("forkpty failed: %s", strerror(errno));
    if (child == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
            _exit(126);
        execv(CREDO_BINARY, argv);
        _exit(127);
    }

    char *text = malloc(TERMINAL_OUTPUT_MAX + 1);
    assert_non_null(text);
    size_t used = 0;
    for (;;) {
        ssize_t got = read(master, text + used, TERMINAL_OUTPUT_MAX - used);
        if (got > 0 && used + (size_t)got < TERMINAL_OUTPUT_MAX) {
            used += (size_t)got;
            continue;
        }
        if (got < 0 && errno == EINTR)
            continue;
        break; /* EIO once the child closed the terminal, or the buffer is full */
    }
    text[used] = '\0';
    close(master);

    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return text;
}

/* The records of a pipe-delimited file without quotes: its line feeds, as
 * the last record has none, which make the data rows after the header. */
static long data_rows_of(const char *path)
{
    char *text = test_read_file(path, NULL);
    long rows = 0;
    for (const char *c = text; *c != '\0'; c++)
        rows += *c == '\n';
    free(text);
    return rows;
}

static long count_rows(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *statement = NULL;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    long count = (long)sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return count;
}

/* Writes n (not negative) with commas between groups of three digits,
 * building the text from its last digit. */
static void with_commas(long n, char out[32])
{
    char reversed[32];
    size_t length = 0;
    int digits = 0;
    do {
        if (digits > 0 && digits % 3 == 0)
            reversed[length++] = ',';
        reversed[length++] = (char)('0' + n % 10);
        n /= 10;
        digits++;
    } while (n > 0);
    for (size_t i = 0; i < length; i++)
        out[i] = reversed[length - 1 - i];
    out[length] = '\0';
}

static size_t occurrences(const char *text, const char *part)
{
    size_t count = 0;
    for (const char *at = strstr(text, part); at != NULL; at = strstr(at + 1, part))
        count++;
    return count;
}

static int fixture_setup(void **state)
{
    progress_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = test_make_tempdir("progress");
    f->db = test_path_join(f->dir, "store.db");
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    progress_fixture *f = *state;
    free(f->db);
    free(f->dir);
    free(f);
    return 0;
}

static char *import_on_terminal(progress_fixture *f)
{
    char *const argv[] = {"credo", "import", "--db", f->db, EXAMPLE_DIR "/mapping.yaml", NULL};
    int code = -1;
    char *terminal_text = run_on_terminal(argv, &code);
    assert_int_equal(code, 0);
    return terminal_text;
}

static void import_terminal_shows_rows_per_file(void **state)
{
    progress_fixture *f = *state;
    char *terminal_text = import_on_terminal(f);

    char count[32], expected[256];
    with_commas(data_rows_of(EXAMPLE_DIR "/data/Sales.csv"), count);
    snprintf(expected, sizeof expected, "credo import: data/Sales.csv %s of %s rows (100%%)", count, count);
    assert_non_null(strstr(terminal_text, expected));
    with_commas(data_rows_of(EXAMPLE_DIR "/data/Reseller.csv"), count);
    snprintf(expected, sizeof expected, "credo import: data/Reseller.csv %s of %s rows (100%%)", count, count);
    assert_non_null(strstr(terminal_text, expected));
    free(terminal_text);
}

static void run_terminal_shows_each_stage(void **state)
{
    progress_fixture *f = *state;
    free(import_on_terminal(f));
    char *const argv[] = {"credo", "run", "--db", f->db, "--policy", EXAMPLE_DIR "/policy.yaml",
                          "--as-of", "2020-06-30", NULL};
    int code = -1;
    char *terminal_text = run_on_terminal(argv, &code);
    assert_int_equal(code, 0);

    long accounts = count_rows(f->db, "SELECT count(*) FROM accounts");
    long deals = count_rows(f->db, "SELECT count(*) FROM deals");
    long stored = count_rows(f->db, "SELECT (SELECT count(*) FROM run_assignments WHERE run_id = 1) + "
                                    "(SELECT count(*) FROM run_deals WHERE run_id = 1) + "
                                    "(SELECT count(*) FROM run_credit WHERE run_id = 1)");
    char count[32], expected[256];
    with_commas(accounts, count);
    snprintf(expected, sizeof expected, "credo run: assign %s of %s accounts (100%%)", count, count);
    assert_int_equal(occurrences(terminal_text, expected), 1);
    with_commas(deals, count);
    snprintf(expected, sizeof expected, "credo run: credit %s of %s deals (100%%)", count, count);
    assert_non_null(strstr(terminal_text, expected));
    with_commas(stored, count);
    snprintf(expected, sizeof expected, "credo run: store %s of %s rows (100%%)", count, count);
    assert_non_null(strstr(terminal_text, expected));
    assert_non_null(strstr(terminal_text, "credo run: load "));
    free(terminal_text);
}

static void pipe_gets_no_progress(void **state)
{
    progress_fixture *f = *state;
    char command[8192];
    char *stderr_text = NULL;
    snprintf(command, sizeof command, "%s import --db %s %s/mapping.yaml 2>&1 >/dev/null", CREDO_BINARY, f->db,
             EXAMPLE_DIR);
    assert_int_equal(test_run(command, 0, &stderr_text), 0);
    assert_string_equal(stderr_text, "");
    free(stderr_text);

    snprintf(command, sizeof command, "%s run --db %s --policy %s/policy.yaml --as-of 2020-06-30 2>&1 >/dev/null",
             CREDO_BINARY, f->db, EXAMPLE_DIR);
    assert_int_equal(test_run(command, 0, &stderr_text), 0);
    assert_string_equal(stderr_text, "");
    free(stderr_text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(import_terminal_shows_rows_per_file, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(run_terminal_shows_each_stage, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(pipe_gets_no_progress, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
