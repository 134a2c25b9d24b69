/* credo diff. */
#include <stdio.h>

#include "cli.h"

/* TODO: not implemented yet. */
int cmd_diff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "credo diff: not implemented yet\n");
    return EXIT_INTERNAL;
}
