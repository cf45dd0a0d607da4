/*
 * `iceberg-processor check-config --config PATH [--strict]`: loads and
 * validates a config exactly as `run` would, prints the normalized config
 * (defaults filled, secrets as "***") as JSON on stdout and exits 0; on a
 * config error prints `iceberg-processor: config error: <detail>` on stderr
 * and exits 1. Warnings (unknown keys) go to stderr as `warning: ...`.
 * `--reference` prints the Markdown key reference instead.
 */
#include "cli/cli.h"
#include "config/config.h"
#include "core/core.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: iceberg-processor check-config --config PATH [--strict]\n"
	        "       iceberg-processor check-config --reference\n"
	        "\n"
	        "Validates the config file and prints it normalized (defaults\n"
	        "filled, ${VAR} expanded, secrets shown as \"***\") as JSON.\n"
	        "  --config PATH  the YAML config (also -config=PATH)\n"
	        "  --strict       unknown keys are errors, not warnings\n"
	        "  --reference    print every key (type, default, help) as Markdown\n"
	        "Exit codes: 0 valid, 1 usage or config error.\n");
}

static void print_warning(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "warning: %s\n", msg);
}

static int print_buf(icp_buf *b)
{
	if (b->status != ICP_OK) {
		fprintf(stderr, "iceberg-processor: %s\n", icp_status_name(b->status));
		return ICP_EXIT_RUNTIME;
	}
	fwrite(b->data, 1, b->len, stdout);
	return fflush(stdout) == 0 ? ICP_EXIT_OK : ICP_EXIT_RUNTIME;
}

int icp_cmd_check_config(int argc, char **argv)
{
	const char *path = NULL;
	icp_config_opts opts;
	icp_config *cfg = NULL;
	icp_error err;
	icp_buf out;
	int i = 1, rc, reference = 0;

	icp_config_opts_init(&opts);
	opts.warn = print_warning;
	while (i < argc) {
		int m = icp_cli_opt_value(argc, argv, &i, "config", &path);
		if (m == 1)
			continue;
		if (m < 0) {
			fprintf(stderr, "iceberg-processor: --config needs a PATH\n");
			return ICP_EXIT_USAGE;
		}
		if (icp_cli_is_flag(argv[i], "help") || icp_cli_is_flag(argv[i], "h")) {
			usage(stdout);
			return ICP_EXIT_OK;
		}
		if (icp_cli_is_flag(argv[i], "strict")) {
			opts.strict = 1;
		} else if (icp_cli_is_flag(argv[i], "reference")) {
			reference = 1;
		} else {
			fprintf(stderr, "iceberg-processor: check-config: unknown "
			                "argument '%s'\n", argv[i]);
			usage(stderr);
			return ICP_EXIT_USAGE;
		}
		i++;
	}
	icp_buf_init(&out, 0);
	if (reference) {
		icp_config_reference(&out);
		rc = print_buf(&out);
		icp_buf_dispose(&out);
		return rc;
	}
	if (!path) {
		fprintf(stderr, "iceberg-processor: check-config needs --config PATH\n");
		usage(stderr);
		return ICP_EXIT_USAGE;
	}
	icp_error_init(&err);
	if (icp_config_load_file(path, &opts, &cfg, &err) != ICP_OK) {
		fprintf(stderr, "iceberg-processor: config error: %s\n", err.msg);
		return ICP_EXIT_USAGE;
	}
	icp_config_to_json(cfg, &out, 1);
	rc = print_buf(&out);
	icp_buf_dispose(&out);
	icp_config_free(cfg);
	return rc;
}
