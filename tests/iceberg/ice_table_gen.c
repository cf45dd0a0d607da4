/*
 * Test helper for it_partition_icebird.sh (not a unit test):
 *   ice_table_gen DIR   writes a partitioned Iceberg table at file://DIR/t:
 *     schema id long (1), name string (2), ts timestamptz (3); spec 0 =
 *     [day(ts), identity(name), bucket(4, id)]; three Parquet data files
 *     (one partition each, partition values computed with icp_pspec_apply
 *     from the rows) under data/<partition path>/, their manifest and
 *     manifest list, and metadata/00001-*.metadata.json (created with the
 *     spec, then one snapshot applied). Prints the metadata file name.
 * The rows are repeated in it_partition_icebird.sh.
 */
#include "iceberg/iceberg.h"
#include "pspec/pspec.h"

#include <stdio.h>
#include <sys/stat.h>

#define US_DAY INT64_C(86400000000)

typedef struct row {
	int64_t id;
	const char *name; /* NULL: null */
	int has_ts;
	int64_t ts;
} row;

/* Two rows per file; each file's rows share one partition tuple. */
static const row rows[3][2] = {
	{{1, "x", 1, 19000 * US_DAY + 3600000000}, {1, "x", 1, 19000 * US_DAY + 7200000000}},
	{{2, NULL, 1, 19001 * US_DAY}, {2, NULL, 1, 19001 * US_DAY + 1}},
	{{3, "y z", 0, 0}, {3, "y z", 0, 0}},
};

static int fail(const char *what, const icp_error *err)
{
	fprintf(stderr, "ice_table_gen: %s: %s\n", what, err->msg);
	return 1;
}

static int save(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "ice_table_gen: cannot write %s\n", path);
		return 1;
	}
	return 0;
}

static void mkdirs(const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(tmp, 0755);
			*p = '/';
		}
	mkdir(tmp, 0755);
}

/* Writes one data file of rows r[0..2) to path; metrics into m. */
static int write_parquet(const char *path, const icp_ice_schema *s, const row *r,
                         icp_parquet_file_metrics *m, icp_error *err)
{
	icp_parquet_field *pf = NULL;
	icp_parquet_options o;
	icp_parquet_writer *w = NULL;
	icp_parquet_file_sink fs;
	icp_parquet_sink sink;
	icp_parquet_batch b;
	int64_t ids[2], ts[2];
	icp_slice names[2];
	uint8_t name_ok[2], ts_ok[2];
	size_t nf, nn = 0, nt = 0;
	int rc;

	for (int i = 0; i < 2; i++) {
		ids[i] = r[i].id;
		name_ok[i] = r[i].name != NULL;
		if (r[i].name)
			names[nn++] = icp_slice_cstr(r[i].name);
		ts_ok[i] = (uint8_t)r[i].has_ts;
		if (r[i].has_ts)
			ts[nt++] = r[i].ts;
	}
	if ((rc = icp_ice_schema_to_parquet(s, &pf, &nf)) != ICP_OK)
		return icp_error_set(err, rc, "schema to parquet");
	icp_parquet_options_init(&o);
	rc = icp_parquet_file_sink_init(&fs, path, &sink, err);
	if (rc != ICP_OK) {
		icp_free(pf);
		return rc;
	}
	rc = icp_parquet_writer_new(pf, nf, &o, sink, &w, err);
	memset(&b, 0, sizeof(b));
	b.n = 2;
	b.fixed = ids;
	if (rc == ICP_OK)
		rc = icp_parquet_writer_write(w, 0, &b, err);
	b.fixed = NULL;
	b.valid = name_ok;
	b.bytes = names;
	if (rc == ICP_OK)
		rc = icp_parquet_writer_write(w, 1, &b, err);
	b.bytes = NULL;
	b.valid = ts_ok;
	b.fixed = ts;
	if (rc == ICP_OK)
		rc = icp_parquet_writer_write(w, 2, &b, err);
	if (rc == ICP_OK)
		rc = icp_parquet_writer_end_rows(w, err);
	if (rc == ICP_OK)
		rc = icp_parquet_writer_close(w, m, err);
	icp_parquet_writer_free(w);
	if (icp_parquet_file_sink_dispose(&fs, err) != ICP_OK && rc == ICP_OK)
		rc = err->status;
	icp_free(pf);
	return rc;
}

int main(int argc, char **argv)
{
	static const char *const exprs[] = {"day(ts)", "name", "bucket(4, id)"};
	icp_ice_schema *s = NULL;
	icp_pspec *spec = NULL;
	icp_ice_metadata *m0 = NULL;
	icp_parquet_file_metrics fm[3];
	icp_pspec_value tuples[3][3];
	icp_ice_data_file files[3];
	icp_ice_manifest_info info;
	icp_ice_manifest_file mf;
	icp_ice_manifest_parts mp;
	icp_ice_commit c;
	icp_ice_kv sum[1] = {{"operation", "append"}};
	icp_buf man, list, md, md2, pathb;
	char table[1024], p[4096], urls[3][4160], man_url[4160], list_url[4160];
	icp_error err;
	int rc = 1, nfm = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: ice_table_gen DIR\n");
		return 2;
	}
	icp_error_init(&err);
	memset(&info, 0, sizeof(info));
	icp_buf_init(&man, ICP_BUF_UNLIMITED);
	icp_buf_init(&list, ICP_BUF_UNLIMITED);
	icp_buf_init(&md, ICP_BUF_UNLIMITED);
	icp_buf_init(&md2, ICP_BUF_UNLIMITED);
	icp_buf_init(&pathb, ICP_BUF_UNLIMITED);
	snprintf(table, sizeof(table), "%s/t", argv[1]);
	snprintf(p, sizeof(p), "%s/metadata", table);
	mkdirs(p);
	s = icp_ice_schema_new(0);
	{
		icp_ice_type tl = {0}, ts = {0}, tt = {0};
		icp_ice_parse_primitive("long", &tl);
		icp_ice_parse_primitive("string", &ts);
		icp_ice_parse_primitive("timestamptz", &tt);
		if (!s || icp_ice_schema_add(s, 1, "id", 0, &tl) != ICP_OK ||
		    icp_ice_schema_add(s, 2, "name", 0, &ts) != ICP_OK ||
		    icp_ice_schema_add(s, 3, "ts", 0, &tt) != ICP_OK)
			goto out;
	}
	if (icp_pspec_build(s, exprs, 3, 0, 999, &spec, &err) != ICP_OK) {
		fail("spec", &err);
		goto out;
	}
	for (int f = 0; f < 3; f++) {
		const row *r = rows[f];
		icp_pspec_value src[3];
		src[0] = r->has_ts ? icp_pspec_value_int(ICP_ICE_TIMESTAMPTZ, r->ts)
		                   : icp_pspec_value_null(ICP_ICE_TIMESTAMPTZ);
		src[1] = r->name ? icp_pspec_value_of_bytes(ICP_ICE_STRING, r->name, strlen(r->name), 0)
		                 : icp_pspec_value_null(ICP_ICE_STRING);
		src[2] = icp_pspec_value_int(ICP_ICE_LONG, r->id);
		for (int k = 0; k < 3; k++)
			if (icp_pspec_apply(&spec->fields[k], &src[k], &tuples[f][k], &err) != ICP_OK) {
				fail("apply", &err);
				goto out;
			}
		icp_buf_reset(&pathb);
		icp_pspec_path(spec, tuples[f], &pathb);
		icp_buf_append_byte(&pathb, 0);
		snprintf(p, sizeof(p), "%s/data/%s", table, (const char *)pathb.data);
		mkdirs(p);
		snprintf(p + strlen(p), sizeof(p) - strlen(p), "/f%d.parquet", f);
		snprintf(urls[f], sizeof(urls[f]), "file://%s", p);
		if (write_parquet(p, s, r, &fm[f], &err) != ICP_OK) {
			fail("parquet", &err);
			goto out;
		}
		nfm++;
		files[f] = (icp_ice_data_file){urls[f], fm[f].file_size, fm[f].record_count, &fm[f],
		                               tuples[f], 0, 0};
	}
	if (icp_ice_manifest_write_spec(s, spec, 1, files, 3, &man, &info, &err) != ICP_OK) {
		fail("manifest", &err);
		goto out;
	}
	snprintf(p, sizeof(p), "%s/metadata/m-1.avro", table);
	snprintf(man_url, sizeof(man_url), "file://%s", p);
	if (save(p, man.data, man.len))
		goto out;
	mf = icp_ice_manifest_file_of(man_url, &info);
	mp = icp_ice_manifest_parts_of(&info);
	if (icp_ice_manifest_list_write_spec(1, -1, 1, &mf, &mp, 1, icp_slice_make(NULL, 0), &list,
	                                     &err) != ICP_OK) {
		fail("list", &err);
		goto out;
	}
	snprintf(p, sizeof(p), "%s/metadata/snap-1.avro", table);
	snprintf(list_url, sizeof(list_url), "file://%s", p);
	if (save(p, list.data, list.len))
		goto out;
	snprintf(p, sizeof(p), "file://%s", table);
	if (icp_ice_metadata_create_spec(s, spec, p, NULL, &md, &err) != ICP_OK ||
	    icp_ice_metadata_parse((const char *)md.data, md.len, NULL, &m0, &err) != ICP_OK) {
		fail("create", &err);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.has_snapshot = 1;
	c.snapshot_id = 1;
	c.parent_snapshot_id = -1;
	c.sequence_number = 1;
	c.timestamp_ms = 1700000000000;
	c.manifest_list = list_url;
	c.snapshot_schema_id = 0;
	c.summary = sum;
	c.n_summary = 1;
	c.assert_main = 1;
	c.main_snapshot_id = -1;
	if (icp_ice_metadata_apply(m0, &c, &md2, &err) != ICP_OK) {
		fail("apply", &err);
		goto out;
	}
	snprintf(p, sizeof(p), "%s/metadata/00001-part.metadata.json", table);
	if (save(p, md2.data, md2.len))
		goto out;
	printf("00001-part.metadata.json\n");
	rc = 0;
out:
	for (int f = 0; f < nfm; f++)
		icp_parquet_file_metrics_dispose(&fm[f]);
	icp_ice_manifest_info_dispose(&info);
	icp_ice_metadata_free(m0);
	icp_buf_dispose(&man);
	icp_buf_dispose(&list);
	icp_buf_dispose(&md);
	icp_buf_dispose(&md2);
	icp_buf_dispose(&pathb);
	icp_pspec_free(spec);
	icp_ice_schema_free(s);
	return rc;
}
