/* Unit tests for compaction: the small-file threshold, planning (groups,
 * min_input_files, first-fit decreasing bins of the target size, the
 * decoded-bytes cap of sorted tables, bins of one file dropped), and the
 * manifests of a replace snapshot (icp_ice_manifest_rewrite: inputs
 * DELETED by the new snapshot with their sequence numbers, the others
 * EXISTING; the manifest list's deleted counts). The end-to-end behaviour
 * is in tests/maint/it_compact.sh. */
#include "avro/avro.h"
#include "maint/maint_int.h"
#include "pspec/pspec.h"
#include "test.h"

static void test_threshold(void)
{
	CHECK(icp_compact_is_small(0, 100));
	CHECK(icp_compact_is_small(74, 100));
	CHECK(!icp_compact_is_small(75, 100));
	CHECK(!icp_compact_is_small(-1, 100));
	CHECK(icp_compact_is_small((int64_t)384 << 20 >> 0, (int64_t)512 << 20) == 0);
	CHECK(icp_compact_is_small(((int64_t)384 << 20) - 1, (int64_t)512 << 20));
}

/* index of the bin holding candidate i, or -1 */
static int bin_of(const icp_compact_plan *p, size_t i)
{
	for (size_t b = 0; b < p->n_bins; b++)
		for (size_t k = 0; k < p->bins[b].n; k++)
			if (p->bins[b].files[k] == i)
				return (int)b;
	return -1;
}

static void test_plan_groups(void)
{
	/* group A: 6 files; group B: 4 files (below min 5); group C: 5 */
	static const uint8_t ka[] = "A", kb[] = "B", kc[] = "C";
	icp_compact_cand c[15];
	icp_compact_plan p;
	size_t n = 0;

	for (int i = 0; i < 6; i++)
		c[n++] = (icp_compact_cand){10 + i, 0, ka, 1};
	for (int i = 0; i < 4; i++)
		c[n++] = (icp_compact_cand){10, 0, kb, 1};
	for (int i = 0; i < 5; i++)
		c[n++] = (icp_compact_cand){30, 0, kc, 1};
	CHECK_EQ_INT(icp_compact_plan_make(c, n, 1000, 5, 0, &p), ICP_OK);
	CHECK_EQ_INT(p.groups, 2);
	CHECK_EQ_INT(p.n_bins, 2);
	for (size_t i = 0; i < 6; i++)
		CHECK_EQ_INT(bin_of(&p, i), 0);
	for (size_t i = 6; i < 10; i++)
		CHECK_EQ_INT(bin_of(&p, i), -1);
	for (size_t i = 10; i < 15; i++)
		CHECK_EQ_INT(bin_of(&p, i), 1);
	/* largest first */
	CHECK_EQ_INT(p.bins[0].files[0], 5);
	CHECK_EQ_INT(p.bins[0].bytes, 10 + 11 + 12 + 13 + 14 + 15);
	icp_compact_plan_dispose(&p);

	/* the same key with another length is another group */
	{
		static const uint8_t k1[] = "AB";
		icp_compact_cand d[4] = {{1, 0, k1, 1}, {1, 0, k1, 2}, {1, 0, k1, 1}, {1, 0, k1, 2}};
		CHECK_EQ_INT(icp_compact_plan_make(d, 4, 100, 2, 0, &p), ICP_OK);
		CHECK_EQ_INT(p.groups, 2);
		CHECK_EQ_INT(p.n_bins, 2);
		CHECK(bin_of(&p, 0) == bin_of(&p, 2) && bin_of(&p, 1) == bin_of(&p, 3));
		CHECK(bin_of(&p, 0) != bin_of(&p, 1));
		icp_compact_plan_dispose(&p);
	}
	CHECK_EQ_INT(icp_compact_plan_make(NULL, 0, 100, 2, 0, &p), ICP_OK);
	CHECK_EQ_INT(p.n_bins, 0);
	icp_compact_plan_dispose(&p);
}

static void test_plan_bins(void)
{
	static const uint8_t k[] = "k";
	/* target 100: 60, 50, 40, 30, 20, 5 -> FFD: [60,40], [50,30,20], [5]? no:
	 * 60 -> b0; 50 -> b1; 40 -> b0 (100); 30 -> b1 (80); 20 -> b1 (100);
	 * 5 -> b2 alone -> dropped */
	icp_compact_cand c[6] = {{20, 0, k, 1}, {60, 0, k, 1}, {5, 0, k, 1},
	                         {40, 0, k, 1}, {50, 0, k, 1}, {30, 0, k, 1}};
	icp_compact_plan p;

	CHECK_EQ_INT(icp_compact_plan_make(c, 6, 100, 2, 0, &p), ICP_OK);
	CHECK_EQ_INT(p.n_bins, 2);
	CHECK_EQ_INT(bin_of(&p, 1), 0);
	CHECK_EQ_INT(bin_of(&p, 3), 0);
	CHECK_EQ_INT(bin_of(&p, 4), 1);
	CHECK_EQ_INT(bin_of(&p, 5), 1);
	CHECK_EQ_INT(bin_of(&p, 0), 1);
	CHECK_EQ_INT(bin_of(&p, 2), -1);
	for (size_t b = 0; b < p.n_bins; b++)
		CHECK(p.bins[b].bytes <= 100);
	icp_compact_plan_dispose(&p);

	/* sorted cap: decoded bytes 40 each, cap 100 -> at most 2 per bin */
	{
		icp_compact_cand d[5];
		for (int i = 0; i < 5; i++)
			d[i] = (icp_compact_cand){10, 40, k, 1};
		CHECK_EQ_INT(icp_compact_plan_make(d, 5, 1000, 5, 100, &p), ICP_OK);
		CHECK_EQ_INT(p.n_bins, 2); /* [2], [2], [1] dropped */
		for (size_t b = 0; b < p.n_bins; b++) {
			CHECK_EQ_INT(p.bins[b].n, 2);
			CHECK(p.bins[b].mem <= 100);
		}
		icp_compact_plan_dispose(&p);
		/* no cap: one bin */
		CHECK_EQ_INT(icp_compact_plan_make(d, 5, 1000, 5, 0, &p), ICP_OK);
		CHECK_EQ_INT(p.n_bins, 1);
		CHECK_EQ_INT(p.bins[0].n, 5);
		icp_compact_plan_dispose(&p);
	}
}

static icp_ice_schema *make_schema(void)
{
	icp_ice_schema *s = icp_ice_schema_new(0);
	icp_ice_type t;
	memset(&t, 0, sizeof(t));
	CHECK_EQ_INT(icp_ice_parse_primitive("long", &t), ICP_OK);
	CHECK_EQ_INT(icp_ice_schema_add(s, 1, "id", 0, &t), ICP_OK);
	CHECK_EQ_INT(icp_ice_schema_add(s, 2, "day", 0, &t), ICP_OK);
	return s;
}

static void test_rewrite_manifest(void)
{
	static const char *const exprs[] = {"bucket(4, id)"};
	icp_ice_schema *s = make_schema();
	icp_pspec *spec = NULL;
	icp_pspec_value t[3];
	icp_ice_data_file f[3] = {{"file:///w/a.parquet", 100, 10, NULL, &t[0], 0, 0},
	                          {"file:///w/b.parquet", 200, 20, NULL, &t[1], 0, 0},
	                          {"file:///w/c.parquet", 300, 30, NULL, &t[2], 0, 0}};
	const char *del[] = {"file:///w/a.parquet", "file:///w/c.parquet"};
	icp_buf m, out, list;
	icp_ice_manifest_info info;
	icp_ice_merged_info res;
	icp_arena *a = icp_arena_new(0);
	icp_ice_manifest_entry *e = NULL;
	icp_ice_manifest_ref *refs = NULL;
	icp_error err;
	size_t n = 0, nr = 0;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_build(s, exprs, 1, 0, 999, &spec, &err), ICP_OK);
	for (int i = 0; i < 3; i++)
		t[i] = icp_pspec_value_int(ICP_ICE_INT, 2);
	icp_buf_init(&m, ICP_BUF_UNLIMITED);
	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	icp_buf_init(&list, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_manifest_write_spec(s, spec, 10, f, 3, &m, &info, &err), ICP_OK);
	{
		icp_ice_merge_input in = {icp_slice_make(m.data, m.len), 10, 3};
		CHECK_EQ_INT(icp_ice_manifest_rewrite(s, spec, 20, 5, &in, 1, del, 2, &out, &res, &err),
		             ICP_OK);
	}
	CHECK_EQ_INT(res.deleted_files, 2);
	CHECK_EQ_INT(res.deleted_rows, 40);
	CHECK_EQ_INT(res.existing_files, 1);
	CHECK_EQ_INT(res.existing_rows, 20);
	CHECK_EQ_INT(res.info.added_files, 0);
	CHECK_EQ_INT(res.min_sequence_number, 3);
	CHECK_EQ_INT(icp_ice_manifest_read(icp_slice_make(out.data, out.len), a, &e, &n, &err),
	             ICP_OK);
	CHECK_EQ_INT(n, 3);
	for (size_t i = 0; i < n; i++) {
		int gone = strcmp(e[i].path, "file:///w/b.parquet") != 0;
		CHECK_EQ_INT(e[i].status, gone ? 2 : 0);
		CHECK_EQ_INT(e[i].snapshot_id, gone ? 20 : 10);
		CHECK_EQ_INT(e[i].sequence_number, 3); /* the file's own */
		CHECK_EQ_INT(e[i].n_partition, 1);
	}
	/* the list entry says what the manifest holds */
	{
		icp_ice_list_manifest w = {"file:///w/m-r.avro", &res};
		CHECK_EQ_INT(icp_ice_manifest_list_write_merged(20, 19, 5, &w, 1,
		                                                icp_slice_make(NULL, 0), NULL, 0,
		                                                &list, &err),
		             ICP_OK);
		CHECK_EQ_INT(icp_ice_manifest_list_read(icp_slice_make(list.data, list.len), a, &refs,
		                                        &nr, &err),
		             ICP_OK);
		CHECK_EQ_INT(nr, 1);
		if (nr == 1) {
			CHECK_EQ_INT(refs[0].deleted_files, 2);
			CHECK_EQ_INT(refs[0].deleted_rows, 40);
			CHECK_EQ_INT(refs[0].existing_files, 1);
			CHECK_EQ_INT(refs[0].added_files, 0);
			CHECK_EQ_INT(refs[0].min_sequence_number, 3);
			CHECK_EQ_INT(refs[0].partition_spec_id, 0);
		}
	}
	/* a merge (no delete set) keeps every file */
	{
		icp_ice_merge_input in = {icp_slice_make(m.data, m.len), 10, 3};
		icp_ice_merged_info r2;
		icp_buf o2;
		icp_buf_init(&o2, ICP_BUF_UNLIMITED);
		CHECK_EQ_INT(icp_ice_manifest_merge(s, spec, 20, 5, &in, 1, &o2, &r2, &err), ICP_OK);
		CHECK_EQ_INT(r2.deleted_files, 0);
		CHECK_EQ_INT(r2.existing_files, 3);
		icp_ice_manifest_info_dispose(&r2.info);
		icp_buf_dispose(&o2);
	}
	/* the tuple as the manifest stores it, back in spec order */
	{
		icp_pspec_value *v = NULL;
		CHECK_EQ_INT(icp_ice_partition_tuple(spec, e[0].partition, e[0].n_partition, a, &v,
		                                     &err),
		             ICP_OK);
		CHECK(v && v[0].kind == ICP_ICE_INT && v[0].i == 2 && !v[0].is_null);
		CHECK_EQ_INT(icp_ice_partition_tuple(spec, e[0].partition, 0, a, &v, &err),
		             ICP_ERR_INVALID);
		CHECK_EQ_INT(icp_ice_partition_tuple(NULL, NULL, 0, a, &v, &err), ICP_OK);
		CHECK(v == NULL);
	}
	icp_ice_manifest_info_dispose(&info);
	icp_ice_manifest_info_dispose(&res.info);
	icp_buf_dispose(&m);
	icp_buf_dispose(&out);
	icp_buf_dispose(&list);
	icp_arena_free(a);
	icp_pspec_free(spec);
	icp_ice_schema_free(s);
}

int main(void)
{
	TEST_RUN(test_threshold);
	TEST_RUN(test_plan_groups);
	TEST_RUN(test_plan_bins);
	TEST_RUN(test_rewrite_manifest);
	return TEST_DONE();
}
