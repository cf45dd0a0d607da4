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
 *   ice_manifest_gen part DIR   writes DIR/p-manifest.avro (three files of
 *                               a spec 3 with eight partition fields, see
 *                               part()) and DIR/p-list.avro (snapshot 400,
 *                               no parent: that manifest with its summaries)
 *   ice_manifest_gen restspec LAST
 *                               prints the REST commit body that adds the
 *                               spec [bucket(8, id), day(ts)] (field ids
 *                               LAST+1, LAST+2) and makes it the default,
 *                               asserting default spec 0 and LAST
 *   ice_manifest_gen read FILE  prints each entry of the manifest FILE as
 *                               "path: id=hex id=null ..." (its partition
 *                               tuple as our reader exposes it)
 * The values written here are repeated in it_manifests.sh, which checks
 * them with python3-avro. Exit status 0 on success.
 */
#include "iceberg/iceberg.h"
#include "pspec/pspec.h"

#include <math.h>

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
	files[0] = (icp_ice_data_file){"s3://bucket/t/data/f1.parquet", 4096, 100, &m, NULL, 1, 1};
	files[1] = (icp_ice_data_file){"s3://bucket/t/data/f2.parquet", 10, 1, NULL, NULL, 0, 0};

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

/* Columns and partition fields of the partitioned case (it_partition.sh
 * repeats them). */
static icp_ice_schema *part_schema(void)
{
	static const char *const cols[][2] = {{"id", "long"},           {"name", "string"},
	                                      {"ts", "timestamptz"},    {"price", "decimal(10,2)"},
	                                      {"f", "float"},           {"my-col", "string"},
	                                      {"u", "uuid"}};
	icp_ice_schema *s = icp_ice_schema_new(0);

	for (size_t i = 0; s && i < ICP_ARRAY_LEN(cols); i++) {
		icp_ice_type t;
		memset(&t, 0, sizeof(t));
		if (icp_ice_parse_primitive(cols[i][1], &t) != ICP_OK ||
		    icp_ice_schema_add(s, (int32_t)i + 1, cols[i][0], 0, &t) != ICP_OK) {
			icp_ice_schema_free(s);
			return NULL;
		}
	}
	return s;
}

static int part(const char *dir)
{
	static const char *const exprs[] = {"day(ts)", "name",   "bucket(16, id)", "price",
	                                    "f",       "my-col", "u",              "ts"};
	static const uint8_t u1[16] = {0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78,
	                               0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78};
	static const uint8_t p1234[2] = {0x04, 0xD2}, pm200[2] = {0xFF, 0x38};
	icp_ice_schema *s = part_schema();
	icp_pspec *spec = NULL;
	icp_pspec_value t[3][8];
	icp_ice_data_file files[3];
	icp_ice_manifest_info info;
	icp_ice_manifest_file mf;
	icp_ice_manifest_parts mp;
	icp_buf man, list;
	icp_error err;
	int rc = 1;

	icp_error_init(&err);
	icp_buf_init(&man, ICP_BUF_UNLIMITED);
	icp_buf_init(&list, ICP_BUF_UNLIMITED);
	memset(&info, 0, sizeof(info));
	if (!s || icp_pspec_build(s, exprs, ICP_ARRAY_LEN(exprs), 3, 999, &spec, &err) != ICP_OK) {
		fail("spec", &err);
		goto out;
	}
	t[0][0] = icp_pspec_value_int(ICP_ICE_DATE, 19000); /* 2022-01-08 */
	t[0][1] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "b", 1, 0);
	t[0][2] = icp_pspec_value_int(ICP_ICE_INT, 3);
	t[0][3] = icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, p1234, 2, 2);
	t[0][4] = icp_pspec_value_int(ICP_ICE_FLOAT, 0);
	t[0][4].d = 1.5;
	t[0][5] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "x", 1, 0);
	t[0][6] = icp_pspec_value_of_bytes(ICP_ICE_UUID, u1, 16, 0);
	t[0][7] = icp_pspec_value_int(ICP_ICE_TIMESTAMPTZ, INT64_C(1641600000000000));
	t[1][0] = icp_pspec_value_int(ICP_ICE_DATE, 18999);
	t[1][1] = icp_pspec_value_null(ICP_ICE_STRING);
	t[1][2] = icp_pspec_value_int(ICP_ICE_INT, 15);
	t[1][3] = icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, pm200, 2, 2);
	t[1][4] = icp_pspec_value_int(ICP_ICE_FLOAT, 0);
	t[1][4].d = NAN;
	t[1][5] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "y", 1, 0);
	t[1][6] = icp_pspec_value_null(ICP_ICE_UUID);
	t[1][7] = icp_pspec_value_int(ICP_ICE_TIMESTAMPTZ, INT64_C(1641513600000001));
	t[2][0] = icp_pspec_value_null(ICP_ICE_DATE);
	t[2][1] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "a", 1, 0);
	t[2][2] = icp_pspec_value_int(ICP_ICE_INT, 0);
	t[2][3] = icp_pspec_value_null(ICP_ICE_DECIMAL);
	t[2][4] = icp_pspec_value_int(ICP_ICE_FLOAT, 0);
	t[2][4].d = -0.0;
	t[2][5] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "x", 1, 0);
	t[2][6] = icp_pspec_value_of_bytes(ICP_ICE_UUID, u1, 16, 0);
	t[2][7] = icp_pspec_value_null(ICP_ICE_TIMESTAMPTZ);
	for (int i = 0; i < 3; i++)
		files[i] = (icp_ice_data_file){"s3://b/t/data/p.parquet", 10, (uint64_t)i + 1, NULL,
		                               t[i], 0, 0};
	if (icp_ice_manifest_write_spec(s, spec, 400, files, 3, &man, &info, &err) != ICP_OK) {
		fail("partitioned manifest", &err);
		goto out;
	}
	mf = icp_ice_manifest_file_of("s3://b/t/metadata/m-400.avro", &info);
	mp = icp_ice_manifest_parts_of(&info);
	if (icp_ice_manifest_list_write_spec(400, -1, 1, &mf, &mp, 1, icp_slice_make(NULL, 0),
	                                     &list, &err) != ICP_OK) {
		fail("partitioned list", &err);
		goto out;
	}
	rc = save(dir, "p-manifest.avro", &man) || save(dir, "p-list.avro", &list);
out:
	icp_ice_manifest_info_dispose(&info);
	icp_buf_dispose(&man);
	icp_buf_dispose(&list);
	icp_pspec_free(spec);
	icp_ice_schema_free(s);
	return rc;
}

static int dump(const char *path)
{
	icp_ice_manifest_entry *e = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	icp_buf in;
	size_t n = 0;
	int rc = 1;

	icp_error_init(&err);
	icp_buf_init(&in, ICP_BUF_UNLIMITED);
	if (!a || load(path, &in)) {
		fprintf(stderr, "ice_manifest_gen: cannot read %s\n", path);
	} else if (icp_ice_manifest_read(icp_slice_make(in.data, in.len), a, &e, &n, &err) !=
	           ICP_OK) {
		fail("read", &err);
	} else {
		for (size_t i = 0; i < n; i++) {
			printf("%s:", e[i].path);
			for (size_t k = 0; k < e[i].n_partition; k++) {
				const icp_ice_partition_value *v = &e[i].partition[k];
				printf(" %d=", (int)v->field_id);
				if (v->is_null)
					printf("null");
				for (size_t j = 0; !v->is_null && j < v->value.len; j++)
					printf("%02x", v->value.ptr[j]);
			}
			printf("\n");
		}
		rc = 0;
	}
	icp_buf_dispose(&in);
	icp_arena_free(a);
	return rc;
}

static int restspec(const char *last_text)
{
	static const char *const exprs[] = {"bucket(8, id)", "day(ts)"};
	icp_ice_schema *s = part_schema();
	icp_pspec *spec = NULL;
	icp_ice_commit c;
	icp_error err;
	icp_buf b;
	long last = strtol(last_text, NULL, 10);
	int rc = 1;

	icp_error_init(&err);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	if (!s || icp_pspec_build(s, exprs, 2, 0, (int32_t)last, &spec, &err) != ICP_OK) {
		fail("spec", &err);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.assert_default_spec = 1;
	c.assert_default_spec_id = 0;
	c.assert_last_partition = 1;
	c.last_assigned_partition_id = (int32_t)last;
	c.add_spec = spec;
	c.set_default_spec = 1;
	if (icp_ice_commit_to_rest_json(&c, &b) == ICP_OK && icp_buf_append_byte(&b, 0) == ICP_OK) {
		printf("%s\n", (const char *)b.data);
		rc = 0;
	}
out:
	icp_buf_dispose(&b);
	icp_pspec_free(spec);
	icp_ice_schema_free(s);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "restspec") == 0)
		return restspec(argv[2]);
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return dump(argv[2]);
	if (argc == 4 && strcmp(argv[1], "carry") == 0)
		return carry(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "part") == 0)
		return part(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: ice_manifest_gen DIR | carry IN OUT | part DIR | read FILE | "
		                "restspec LAST\n");
		return 2;
	}
	return gen(argv[1]);
}
