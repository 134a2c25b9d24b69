/* credo conflicts. */
#include <stdio.h>

#include "cli.h"

/* TODO: not implemented yet. */
int cmd_conflicts(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "credo conflicts: not implemented yet\n");
    return EXIT_INTERNAL;
}
