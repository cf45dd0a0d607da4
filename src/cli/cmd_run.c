/* Placeholder until the command lands. */
#include "cli/cli.h"

#include <stdio.h>

int icp_cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "iceberg-processor: not implemented yet\n");
	return ICP_EXIT_RUNTIME;
}
