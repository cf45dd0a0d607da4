/*
 * `run` (the default command): loads the config, then processes segments
 * until SIGTERM/SIGINT (or once with --once) and commits what is buffered
 * before exiting. The signal handler only sets a flag the loop checks.
 */
#include "cli/cli.h"
#include "config/config.h"
#include "core/core.h"
#include "processor/processor.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void run_usage(FILE *f)
{
	fprintf(f,
	        "usage: iceberg-processor [run] -config=PATH [--once]\n"
	        "  -config PATH   the YAML config (also -config=PATH, --config PATH)\n"
	        "  --once         process what is there now, commit, exit\n"
	        "  --strict       unknown config keys are errors\n"
	        "Runs until SIGTERM/SIGINT, then commits buffered data and exits 0.\n"
	        "With --once: exit 2 when a partition stopped on a corrupt segment.\n");
}

static void warn_cb(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "warning: %s\n", msg);
}

int icp_cmd_run(int argc, char **argv)
{
	const char *path = NULL, *v;
	int once = 0, strict = 0, i = 1, rc;
	icp_config *cfg = NULL;
	icp_processor *p = NULL;
	icp_config_opts o;
	icp_error err;
	struct sigaction sa;

	while (i < argc) {
		if (icp_cli_is_flag(argv[i], "help") || icp_cli_is_flag(argv[i], "h")) {
			run_usage(stdout);
			return ICP_EXIT_OK;
		}
		if (icp_cli_is_flag(argv[i], "once")) {
			once = 1;
			i++;
			continue;
		}
		if (icp_cli_is_flag(argv[i], "strict")) {
			strict = 1;
			i++;
			continue;
		}
		if ((rc = icp_cli_opt_value(argc, argv, &i, "config", &v)) != 0) {
			if (rc < 0)
				goto usage;
			path = v;
			continue;
		}
		goto usage;
	}
	if (!path)
		goto usage;
	icp_error_init(&err);
	icp_config_opts_init(&o);
	o.warn = warn_cb;
	o.strict = strict;
	rc = icp_config_load_file(path, &o, &cfg, &err);
	if (rc != ICP_OK) {
		fprintf(stderr, "iceberg-processor: config error: %s\n", err.msg);
		return ICP_EXIT_USAGE;
	}
	rc = icp_processor_new(cfg, &p, &err);
	if (rc == ICP_OK) {
		if (once) {
			rc = icp_processor_run_once(p, &err);
		} else {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = on_signal;
			sigaction(SIGTERM, &sa, NULL);
			sigaction(SIGINT, &sa, NULL);
			rc = icp_processor_run(p, &stop_requested, &err);
		}
	}
	if (rc != ICP_OK)
		fprintf(stderr, "iceberg-processor: %s\n", err.msg);
	icp_processor_free(p);
	icp_config_free(cfg);
	/* A config the loader accepted can still be unusable at run time
	 * (unsupported endpoint): that is a config error too. */
	if (rc == ICP_ERR_UNSUPPORTED || rc == ICP_ERR_INVALID)
		return ICP_EXIT_USAGE;
	return icp_cli_exit_code(rc);
usage:
	run_usage(stderr);
	return ICP_EXIT_USAGE;
}
