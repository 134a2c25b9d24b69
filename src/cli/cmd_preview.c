/* credo preview. */
#include <stdio.h>

#include "cli.h"

/* TODO: not implemented yet. */
int cmd_preview(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "credo preview: not implemented yet\n");
    return EXIT_INTERNAL;
}
