/*
 * cli: the iceberg-processor command line. main.c parses the subcommand and
 * dispatches to one icp_cmd_* per file (cmd_<name>.c). Every command
 * returns a process exit code:
 *   0 ok; 1 usage or config error; 2 corrupt input data;
 *   3 runtime failure (I/O, remote service).
 */
#ifndef ICP_CLI_H
#define ICP_CLI_H

enum {
	ICP_EXIT_OK = 0,
	ICP_EXIT_USAGE = 1,
	ICP_EXIT_CORRUPT = 2,
	ICP_EXIT_RUNTIME = 3
};

/* Maps an icp_status to the exit code above, the one place that does:
 * ICP_OK/ICP_END 0; ICP_ERR_INVALID/UNSUPPORTED 1 (also what a config
 * that loads cannot serve: a missing table it may not create, a missing
 * segments bucket); ICP_ERR_CORRUPT/TOO_LARGE 2 (segments); anything
 * else 3 (a damaged catalog file is ICP_ERR_IO: the catalog's state, not
 * input data). Code that fails returns the status that says what
 * happened; no caller special-cases exit codes. */
int icp_cli_exit_code(int status);

/* Finds a `-name=V`, `-name V`, `--name=V` or `--name V` option at argv[*i];
 * on a match stores V, advances *i past it and returns 1; returns -1 when
 * the option is there without a value, 0 when argv[*i] is another word. */
int icp_cli_opt_value(int argc, char **argv, int *i, const char *name,
                      const char **value);
/* 1 when argv[i] is `-name` or `--name`. */
int icp_cli_is_flag(const char *arg, const char *name);

int icp_cmd_run(int argc, char **argv);
int icp_cmd_check_config(int argc, char **argv);
int icp_cmd_dump_segment(int argc, char **argv);
int icp_cmd_maintain(int argc, char **argv);

#endif
