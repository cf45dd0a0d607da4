/*
 * Test driver of tests/maint/it_compact.sh: runs icp_maint_compact on one
 * table and prints the result as one JSON line.
 *
 *   compact_tool CATALOG_TYPE CATALOG_URI WAREHOUSE_URL NS NAME TARGET_BYTES
 *                MIN_FILES [dry]
 *
 * CATALOG_TYPE is sql or rest. $COMPACT_HOOK, when set, is run by the
 * shell before the first commit attempt (after the rewrite): a test
 * appends to the table there (a conflict to rebase over) or compacts it
 * itself (inputs vanish). $COMPACT_SORT_MEMORY sets sort_memory_bytes.
 * Exit 0 on ICP_OK, 1 with the error on stderr otherwise.
 */
#include "catalog/catalog.h"
#include "maint/maint.h"

#include <stdio.h>
#include <stdlib.h>

static void hook(void *ctx, int attempt)
{
	const char *cmd = ctx;
	if (attempt == 1 && cmd && *cmd && system(cmd) != 0)
		fprintf(stderr, "compact_tool: the hook failed\n");
}

int main(int argc, char **argv)
{
	icp_storage *wh = NULL;
	icp_catalog *cat = NULL;
	icp_catalog_opts co;
	icp_storage_opts so;
	icp_maint_compact_opts o;
	icp_maint_compact_result r;
	icp_error err;
	const char *mem = getenv("COMPACT_SORT_MEMORY");
	int rc;

	if (argc < 8) {
		fprintf(stderr, "usage: compact_tool sql|rest URI WAREHOUSE NS NAME TARGET_BYTES "
		                "MIN_FILES [dry]\n");
		return 2;
	}
	icp_error_init(&err);
	icp_storage_opts_init(&so);
	so.s3.endpoint = getenv("EXPIRE_S3_ENDPOINT");
	so.s3.region = getenv("S3_REGION");
	so.s3.path_style = 1;
	rc = icp_storage_open_ex(argv[3], &so, &wh, &err);
	if (rc == ICP_OK) {
		memset(&co, 0, sizeof(co));
		co.type = argv[1];
		co.uri = argv[2];
		co.name = "default";
		co.warehouse = argv[3];
		co.warehouse_store = wh;
		rc = icp_catalog_open(&co, &cat, &err);
	}
	memset(&o, 0, sizeof(o));
	o.target_file_size_bytes = strtoll(argv[6], NULL, 10);
	o.min_input_files = (int)strtol(argv[7], NULL, 10);
	o.sort_memory_bytes = mem ? strtoll(mem, NULL, 10) : 0;
	o.before_commit = hook;
	o.hook_ctx = getenv("COMPACT_HOOK");
	if (rc == ICP_OK)
		rc = icp_maint_compact(cat, wh, argv[4], argv[5], &o,
		                       argc > 8 && strcmp(argv[8], "dry") == 0, &r, &err);
	if (rc == ICP_OK)
		printf("{\"files_in\":%lld,\"files_out\":%lld,\"bytes_in\":%lld,\"bytes_out\":%lld,"
		       "\"rows\":%lld,\"groups\":%lld,\"skipped\":%lld,\"abandoned\":%lld,"
		       "\"deletes\":%d,\"sorted\":%d,\"attempts\":%d,\"snapshot\":%lld}\n",
		       (long long)r.files_in, (long long)r.files_out, (long long)r.bytes_in,
		       (long long)r.bytes_out, (long long)r.rows, (long long)r.groups,
		       (long long)r.files_skipped, (long long)r.bins_abandoned, r.skipped_deletes,
		       r.sorted, r.attempts, (long long)r.snapshot_id);
	else
		fprintf(stderr, "compact_tool: %s\n", err.msg);
	icp_catalog_free(cat);
	icp_storage_free(wh);
	return rc == ICP_OK ? 0 : 1;
}
