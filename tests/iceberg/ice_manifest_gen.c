/*
 * Test helper for it_manifests.sh (not a unit test):
 *   ice_manifest_gen DIR        writes DIR/manifest.avro (two data files,
 *                               one with metrics), DIR/parent.avro (a list
 *                               for snapshot 100) and DIR/list.avro (the
 *                               list of snapshot 200: the new manifest,
 *                               then parent.avro's entry carried over)
 *   ice_manifest_gen carry IN OUT
 *                               writes OUT: the list of snapshot 300 (parent
 *                               200, sequence 3) with one new manifest and
 *                               every entry of the list IN carried over
 * The values written here are repeated in it_manifests.sh, which checks
 * them with python3-avro. Exit status 0 on success.
 */
#include "iceberg/iceberg.h"

#include <stdio.h>
#include <stdlib.h>

static int save(const char *dir, const char *name, const icp_buf *b)
{
	char path[4096];
	FILE *f;

	if (dir)
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	else
		snprintf(path, sizeof(path), "%s", name);
	f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0) {
		fprintf(stderr, "ice_manifest_gen: cannot write %s\n", path);
		return 1;
	}
	return 0;
}

static int load(const char *path, icp_buf *b)
{
	uint8_t tmp[65536];
	size_t got;
	FILE *f = fopen(path, "rb");

	if (!f)
		return 1;
	while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0)
		icp_buf_append(b, tmp, got);
	fclose(f);
	return b->status != ICP_OK;
}

static void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int fail(const char *what, const icp_error *err)
{
	fprintf(stderr, "ice_manifest_gen: %s: %s\n", what, err->msg);
	return 1;
}

static int gen(const char *dir)
{
	uint8_t lo4[8], hi4[8], lo9[8], hi9[8];
	double d;
	icp_parquet_field_metrics fm[4];
	uint64_t splits[2] = {4, 2048};
	icp_parquet_file_metrics m;
	icp_ice_data_file files[2];
	icp_ice_manifest_info info;
	icp_ice_manifest_file nm;
	icp_ice_schema *s = icp_ice_schema_base();
	icp_buf man, parent, list;
	icp_error err;
	int rc = 1;

	icp_error_init(&err);
	icp_buf_init(&man, ICP_BUF_UNLIMITED);
	icp_buf_init(&parent, ICP_BUF_UNLIMITED);
	icp_buf_init(&list, ICP_BUF_UNLIMITED);
	memset(fm, 0, sizeof(fm));
	le64(lo4, 5);
	le64(hi4, 104);
	d = 1.5;
	memcpy(lo9, &d, 8); /* little-endian hosts only, like the format */
	d = 2.5;
	memcpy(hi9, &d, 8);
	fm[0] = (icp_parquet_field_metrics){1, 300, 100, 0, 0, 0, (uint8_t *)"a", 1, (uint8_t *)"z", 1};
	fm[1] = (icp_parquet_field_metrics){4, 800, 100, 0, 0, 0, lo4, 8, hi4, 8};
	fm[2] = (icp_parquet_field_metrics){6, 50, 100, 40, 0, 0, NULL, 0, NULL, 0};
	fm[3] = (icp_parquet_field_metrics){9, 70, 100, 1, 3, 1, lo9, 8, hi9, 8};
	m = (icp_parquet_file_metrics){100, 4096, 4, fm, 2, splits};
	files[0] = (icp_ice_data_file){"s3://bucket/t/data/f1.parquet", 4096, 100, &m};
	files[1] = (icp_ice_data_file){"s3://bucket/t/data/f2.parquet", 10, 1, NULL};

	if (icp_ice_manifest_write(s, 200, files, 2, &man, &info, &err) != ICP_OK) {
		fail("manifest", &err);
		goto out;
	}
	if (info.length != man.len || info.added_files != 2 || info.added_rows != 101) {
		fprintf(stderr, "ice_manifest_gen: manifest info is wrong\n");
		goto out;
	}
	nm = (icp_ice_manifest_file){"s3://b/t/metadata/m-parent.avro", 1234, 3, 30};
	if (icp_ice_manifest_list_write(100, -1, 1, &nm, 1, icp_slice_make(NULL, 0), &parent,
	                                &err) != ICP_OK) {
		fail("parent list", &err);
		goto out;
	}
	nm = (icp_ice_manifest_file){"s3://b/t/metadata/m-new.avro", (int64_t)info.length,
	                             info.added_files, info.added_rows};
	if (icp_ice_manifest_list_write(200, 100, 2, &nm, 1, icp_slice_make(parent.data, parent.len),
	                                &list, &err) != ICP_OK) {
		fail("list", &err);
		goto out;
	}
	rc = save(dir, "manifest.avro", &man) || save(dir, "parent.avro", &parent) ||
	     save(dir, "list.avro", &list);
out:
	icp_buf_dispose(&man);
	icp_buf_dispose(&parent);
	icp_buf_dispose(&list);
	icp_ice_schema_free(s);
	return rc;
}

static int carry(const char *in, const char *out_path)
{
	icp_ice_manifest_file nm = {"s3://b/t/metadata/m-300.avro", 999, 1, 7};
	icp_buf in_b, out_b;
	icp_error err;
	int rc = 1;

	icp_error_init(&err);
	icp_buf_init(&in_b, ICP_BUF_UNLIMITED);
	icp_buf_init(&out_b, ICP_BUF_UNLIMITED);
	if (load(in, &in_b)) {
		fprintf(stderr, "ice_manifest_gen: cannot read %s\n", in);
	} else if (icp_ice_manifest_list_write(300, 200, 3, &nm, 1,
	                                       icp_slice_make(in_b.data, in_b.len), &out_b,
	                                       &err) != ICP_OK) {
		fail("carry", &err);
	} else {
		rc = save(NULL, out_path, &out_b);
	}
	icp_buf_dispose(&in_b);
	icp_buf_dispose(&out_b);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "carry") == 0)
		return carry(argv[2], argv[3]);
	if (argc != 2) {
		fprintf(stderr, "usage: ice_manifest_gen DIR | ice_manifest_gen carry IN OUT\n");
		return 2;
	}
	return gen(argv[1]);
}
