/*
 * iceberg-processor entry point: subcommand dispatch, `version`, and the
 * top-level --help. `iceberg-processor -config=PATH` (no subcommand) means
 * `run`, as the existing processor's container command line expects.
 */
#include "cli/cli.h"
#include "core/core.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: iceberg-processor [run] -config=PATH [--once]\n"
	        "       iceberg-processor check-config --config PATH\n"
	        "       iceberg-processor dump-segment SEGMENT.kfs [--index SEGMENT.index]\n"
	        "       iceberg-processor maintain -config=PATH [--table NS.NAME] [--dry-run]\n"
	        "       iceberg-processor version\n"
	        "\n"
	        "Reads KafScale segments and appends them to Apache Iceberg tables.\n"
	        "Each subcommand takes --help.\n"
	        "Exit codes: 0 ok, 1 usage or config error, 2 corrupt input data,\n"
	        "3 runtime failure (I/O, remote service).\n");
}

int icp_cli_is_flag(const char *arg, const char *name)
{
	if (arg[0] != '-')
		return 0;
	arg += arg[1] == '-' ? 2 : 1;
	return strcmp(arg, name) == 0;
}

int icp_cli_opt_value(int argc, char **argv, int *i, const char *name,
                      const char **value)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (a[0] != '-')
		return 0;
	a += a[1] == '-' ? 2 : 1;
	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*value = a + n + 1;
		(*i)++;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[*i + 1];
	*i += 2;
	return 1;
}

int icp_cli_exit_code(int status)
{
	switch (status) {
	case ICP_OK:
	case ICP_END:
		return ICP_EXIT_OK;
	case ICP_ERR_INVALID:
	case ICP_ERR_UNSUPPORTED:
		return ICP_EXIT_USAGE;
	case ICP_ERR_CORRUPT:
	case ICP_ERR_TOO_LARGE:
		return ICP_EXIT_CORRUPT;
	default:
		return ICP_EXIT_RUNTIME;
	}
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		usage(stderr);
		return ICP_EXIT_USAGE;
	}
	if (strcmp(cmd, "version") == 0 || icp_cli_is_flag(cmd, "version")) {
		printf("iceberg-processor %s (%s)\n", ICP_VERSION, ICP_GIT);
		return ICP_EXIT_OK;
	}
	if (icp_cli_is_flag(cmd, "help") || icp_cli_is_flag(cmd, "h") ||
	    strcmp(cmd, "help") == 0) {
		usage(stdout);
		return ICP_EXIT_OK;
	}
	if (strcmp(cmd, "run") == 0)
		return icp_cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "check-config") == 0)
		return icp_cmd_check_config(argc - 1, argv + 1);
	if (strcmp(cmd, "dump-segment") == 0)
		return icp_cmd_dump_segment(argc - 1, argv + 1);
	if (strcmp(cmd, "maintain") == 0)
		return icp_cmd_maintain(argc - 1, argv + 1);
	if (cmd[0] == '-')
		return icp_cmd_run(argc, argv); /* argv[0] stands in for "run" */
	fprintf(stderr, "iceberg-processor: unknown command '%s'\n", cmd);
	usage(stderr);
	return ICP_EXIT_USAGE;
}
