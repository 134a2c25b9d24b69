/* The credo command: dispatch to one subcommand per file. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "Usage: credo COMMAND [OPTIONS]\n"
    "\n"
    "Territory assignment and sales credit by written rules.\n"
    "\n"
    "Commands:\n"
    "  import   load the source files a mapping names into the store\n"
    "  check    validate a policy file, and against stored data with --db\n"
    "  run      assign accounts, decide deal owners, credit won deals, store and report\n"
    "  explain  print the rules and facts behind an account's or a deal's result\n"
    "  export   write the stored results of the newest run as CSV files\n"
    "  preview  who would own a deal and what credit it would give, before logging it\n"
    "  conflicts  list the conflict queue and decide conflicts\n"
    "  diff     what changed for whom between two runs, and why\n"
    "  audit    verify or list the hash-chained audit log\n"
    "  pipeline stalled deals, forecast roll-up and logging latency\n"
    "\n"
    "Run 'credo COMMAND --help' for a command's options.\n"
    "Exit codes: 0 success, 1 problems found, 2 invalid command line, 3 invalid input,\n"
    "4 store or file error, 5 internal error.\n";

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("credo 0.1.0");
        return EXIT_OK;
    }

    /* The commands report invalid options themselves (cli_option_error),
     * naming the option, instead of getopt's own message. */
    opterr = 0;

    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {
        {"import", cmd_import}, {"check", cmd_check}, {"run", cmd_run},
        {"explain", cmd_explain}, {"export", cmd_export}, {"preview", cmd_preview},
        {"conflicts", cmd_conflicts}, {"diff", cmd_diff}, {"audit", cmd_audit},
        {"pipeline", cmd_pipeline},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);

    fprintf(stderr, "credo: unknown command '%s'\n\n%s", argv[1], usage);
    return EXIT_USAGE;
}
