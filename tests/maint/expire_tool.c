/*
 * Test driver of tests/maint/it_expire.sh: runs icp_maint_expire on one
 * table and prints the result as one JSON line.
 *
 *   expire_tool CATALOG_TYPE CATALOG_URI WAREHOUSE_URL NS NAME MAX_AGE_MS
 *               MIN_KEEP [dry]
 *
 * CATALOG_TYPE is sql or rest. now is the wall clock. An s3:// warehouse
 * is reached at $EXPIRE_S3_ENDPOINT, path style, region $S3_REGION
 * (us-east-1), credentials from the default chain (AWS_* variables).
 * Exit 0 on ICP_OK, 1 with the error on stderr otherwise.
 */
#include "catalog/catalog.h"
#include "maint/maint.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	icp_storage *wh = NULL;
	icp_catalog *cat = NULL;
	icp_catalog_opts co;
	icp_storage_opts so;
	icp_maint_expire_result r;
	icp_error err;
	int rc;

	if (argc < 8) {
		fprintf(stderr, "usage: expire_tool sql|rest URI WAREHOUSE NS NAME MAX_AGE_MS "
		                "MIN_KEEP [dry]\n");
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
	if (rc == ICP_OK)
		rc = icp_maint_expire(cat, wh, argv[4], argv[5], icp_now_ms(),
		                      strtoll(argv[6], NULL, 10), (int)strtol(argv[7], NULL, 10),
		                      argc > 8 && strcmp(argv[8], "dry") == 0, &r, &err);
	if (rc == ICP_OK)
		printf("{\"expired\":%lld,\"kept\":%lld,\"lists\":%lld,\"manifests\":%lld,"
		       "\"data\":%lld,\"bytes\":%lld,\"outside\":%lld,\"failures\":%lld,"
		       "\"attempts\":%d,\"max_age_ms\":%lld,\"min_keep\":%d}\n",
		       (long long)r.snapshots_expired, (long long)r.snapshots_kept,
		       (long long)r.manifest_lists_deleted, (long long)r.manifests_deleted,
		       (long long)r.data_files_deleted, (long long)r.bytes_freed,
		       (long long)r.files_outside, (long long)r.delete_failures, r.attempts,
		       (long long)r.max_age_ms, r.min_keep);
	else
		fprintf(stderr, "expire_tool: %s\n", err.msg);
	icp_catalog_free(cat);
	icp_storage_free(wh);
	return rc == ICP_OK ? 0 : 1;
}
