/* credo audit. */
#include <stdio.h>

#include "cli.h"

/* TODO: not implemented yet. */
int cmd_audit(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "credo audit: not implemented yet\n");
    return EXIT_INTERNAL;
}
