/*
 * `iceberg-processor maintain -config=PATH [--table NS.NAME] [--dry-run]`:
 * one maintenance pass over the mapped tables (icp_processor_maintain),
 * then exit. For each table one line on stdout says what was done (or,
 * with --dry-run, what would be): snapshots expired and kept, manifest
 * lists, manifests and data files deleted, bytes freed. Errors are
 * logged (and the line says "failed"); the exit code is the first
 * failure's, as for `run`.
 */
#include "cli/cli.h"
#include "config/config.h"
#include "core/core.h"
#include "log/log.h"
#include "processor/processor.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: iceberg-processor maintain -config=PATH [--table NS.NAME] [--dry-run]\n"
	        "\n"
	        "One maintenance pass over the mapped tables (or one), in this order:\n"
	        "compacts small data files (maintenance.compaction.*) into a replace\n"
	        "snapshot; expires snapshots older than\n"
	        "maintenance.expire_snapshots.max_age_seconds beyond the newest\n"
	        "maintenance.expire_snapshots.min_keep (table properties history.expire.*\n"
	        "win) and deletes the files only they reached; deletes unreferenced files\n"
	        "older than maintenance.remove_orphans.min_age_seconds. Prints one line\n"
	        "per table.\n"
	        "  --table NS.NAME  only this mapped table\n"
	        "  --dry-run        say what would be done; change nothing\n"
	        "Exit codes: 0 ok, 1 usage or config error, 3 runtime failure.\n");
}

static void print_report(void *ctx, const icp_processor_maint_report *r, const icp_error *e)
{
	(void)ctx;
	if (e) {
		printf("%s: failed: %s\n", r->table, e->msg);
		ICP_ERROR("maintenance failed", "table", r->table, "err", e->msg);
		return;
	}
	printf("%s: %sfiles compacted %lld -> %lld (bytes %lld -> %lld); "
	       "manifests merged %lld -> %lld; "
	       "snapshots expired %lld (kept %lld); deleted manifest lists %lld, "
	       "manifests %lld, data files %lld; orphans removed %lld (younger kept %lld); "
	       "bytes freed %lld\n",
	       r->table, r->dry_run ? "dry run: " : "", (long long)r->files_compacted_in,
	       (long long)r->files_compacted_out, (long long)r->bytes_compacted_in,
	       (long long)r->bytes_compacted_out, (long long)r->manifests_merged_in,
	       (long long)r->manifests_merged_out, (long long)r->snapshots_expired,
	       (long long)r->snapshots_kept, (long long)r->manifest_lists_deleted,
	       (long long)r->manifests_deleted, (long long)r->data_files_deleted,
	       (long long)r->orphans_removed, (long long)r->orphans_kept_young,
	       (long long)r->bytes_freed);
	fflush(stdout);
}

int icp_cmd_maintain(int argc, char **argv)
{
	const char *path = NULL, *table = NULL;
	icp_config_opts o;
	icp_config *cfg = NULL;
	icp_processor *p = NULL;
	icp_error err;
	int i = 1, rc, dry = 0;

	while (i < argc) {
		int m = icp_cli_opt_value(argc, argv, &i, "config", &path);
		if (m == 0)
			m = icp_cli_opt_value(argc, argv, &i, "table", &table);
		if (m == 1)
			continue;
		if (m < 0) {
			fprintf(stderr, "iceberg-processor: maintain: %s needs a value\n", argv[i]);
			return ICP_EXIT_USAGE;
		}
		if (icp_cli_is_flag(argv[i], "help") || icp_cli_is_flag(argv[i], "h")) {
			usage(stdout);
			return ICP_EXIT_OK;
		}
		if (icp_cli_is_flag(argv[i], "dry-run")) {
			dry = 1;
		} else {
			fprintf(stderr, "iceberg-processor: maintain: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return ICP_EXIT_USAGE;
		}
		i++;
	}
	if (!path) {
		fprintf(stderr, "iceberg-processor: maintain needs -config=PATH\n");
		usage(stderr);
		return ICP_EXIT_USAGE;
	}
	icp_error_init(&err);
	icp_config_opts_init(&o);
	icp_log_setup(ICP_LOG_LEVEL_INFO, 0);
	rc = icp_config_load_file(path, &o, &cfg, &err);
	if (rc != ICP_OK) {
		ICP_FATAL("config error", "err", err.msg, "config", path, "exit_code", "1");
		return ICP_EXIT_USAGE;
	}
	icp_log_setup(cfg->log.level, cfg->log.format == ICP_LOG_JSON);
	rc = icp_processor_new(cfg, &p, &err);
	if (rc == ICP_OK)
		rc = icp_processor_maintain(p, table, dry, print_report, NULL, &err);
	icp_processor_free(p);
	icp_config_free(cfg);
	if (rc != ICP_OK) {
		char code[8];
		snprintf(code, sizeof(code), "%d", icp_cli_exit_code(rc));
		ICP_FATAL("maintenance failed", "err", err.msg, "exit_code", code);
	}
	return icp_cli_exit_code(rc);
}
