/* credo pipeline. */
#include <stdio.h>

#include "cli.h"

/* TODO: not implemented yet. */
int cmd_pipeline(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "credo pipeline: not implemented yet\n");
    return EXIT_INTERNAL;
}
