/*
 * Test driver of tests/maint/it_orphans.sh: runs icp_maint_remove_orphans
 * on one table and prints the result as one JSON line.
 *
 *   orphans_tool CATALOG_TYPE CATALOG_URI WAREHOUSE_URL NS NAME MIN_AGE_MS [dry]
 *
 * CATALOG_TYPE is sql or rest. now is the wall clock. An s3:// warehouse
 * is reached at $EXPIRE_S3_ENDPOINT, path style, region $S3_REGION
 * (us-east-1), credentials from the default chain (AWS_* variables), as
 * expire_tool does. Exit 0 on ICP_OK, 1 with the error on stderr.
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
	icp_maint_orphans_result r;
	icp_error err;
	int rc;

	if (argc < 7) {
		fprintf(stderr, "usage: orphans_tool sql|rest URI WAREHOUSE NS NAME MIN_AGE_MS [dry]\n");
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
		rc = icp_maint_remove_orphans(cat, wh, argv[4], argv[5], icp_now_ms(),
		                              strtoll(argv[6], NULL, 10),
		                              argc > 7 && strcmp(argv[7], "dry") == 0, &r, &err);
	if (rc == ICP_OK)
		printf("{\"listed\":%lld,\"found\":%lld,\"deleted\":%lld,\"bytes\":%lld,"
		       "\"failures\":%lld,\"too_young\":%lld,\"unsure\":%lld,\"refs_outside\":%lld}\n",
		       (long long)r.files_listed, (long long)r.orphans_found,
		       (long long)r.orphans_deleted, (long long)r.bytes_freed,
		       (long long)r.delete_failures, (long long)r.too_young,
		       (long long)r.kept_unsure, (long long)r.refs_outside);
	else
		fprintf(stderr, "orphans_tool: %s\n", err.msg);
	icp_catalog_free(cat);
	icp_storage_free(wh);
	return rc == ICP_OK ? 0 : 1;
}
