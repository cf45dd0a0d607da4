/*
 * Parquet reader, schemas: footers written here with the Thrift encoder
 * (no row groups) for what our writer never produces: INT96 and a column
 * without field id (ICP_ERR_UNSUPPORTED naming the column), a legacy
 * two-level list, a MAP_KEY_VALUE map and a millisecond timestamp.
 */
#include "reader_util.h"

typedef struct elem {
	int type, rep, children, converted, id;
	const char *name;
	int logical, utc, unit;   /* logical: 3 LIST, 8 TIMESTAMP (unit 1 ms) */
} elem;

/* A file with no row groups and the given schema elements. */
static void crafted(icp_buf *out, const elem *e, size_t n)
{
	icp_buf foot;
	pq_thrift t;
	size_t i;
	uint8_t len[4];

	icp_buf_init(&foot, ICP_BUF_UNLIMITED);
	pq_tw_init(&t, &foot);
	pq_tw_i32(&t, 1, 2);
	pq_tw_list_begin(&t, 2, TC_STRUCT, n);
	for (i = 0; i < n; i++) {
		pq_tw_elem_struct_begin(&t);
		if (e[i].type >= 0)
			pq_tw_i32(&t, 1, e[i].type);
		if (e[i].rep >= 0)
			pq_tw_i32(&t, 3, e[i].rep);
		pq_tw_string(&t, 4, e[i].name);
		if (e[i].children > 0)
			pq_tw_i32(&t, 5, e[i].children);
		if (e[i].converted >= 0)
			pq_tw_i32(&t, 6, e[i].converted);
		if (e[i].id > 0)
			pq_tw_i32(&t, 9, e[i].id);
		if (e[i].logical) {
			pq_tw_struct_begin(&t, 10);
			pq_tw_struct_begin(&t, (int16_t)e[i].logical);
			if (e[i].logical == 8) {
				pq_tw_bool(&t, 1, e[i].utc);
				pq_tw_struct_begin(&t, 2);
				pq_tw_struct_begin(&t, (int16_t)e[i].unit);
				pq_tw_struct_end(&t);
				pq_tw_struct_end(&t);
			}
			pq_tw_struct_end(&t);
			pq_tw_struct_end(&t);
		}
		pq_tw_struct_end(&t);
	}
	pq_tw_i64(&t, 3, 0);
	pq_tw_list_begin(&t, 4, TC_STRUCT, 0);
	pq_tw_end(&t);
	icp_buf_append(out, "PAR1", 4);
	icp_buf_append(out, foot.data, foot.len);
	len[0] = (uint8_t)foot.len;
	len[1] = (uint8_t)(foot.len >> 8);
	len[2] = len[3] = 0;
	icp_buf_append(out, len, 4);
	icp_buf_append(out, "PAR1", 4);
	icp_buf_dispose(&foot);
}

static void test_crafted_schemas(void)
{
	icp_buf f;
	icp_error err;
	icp_parquet_reader *r = NULL;
	const icp_parquet_field *g;
	size_t n;
	/* INT96 */
	const elem int96[] = {{-1, -1, 1, -1, 0, "schema", 0, 0, 0},
	                      {3, 1, 0, -1, 1, "legacy_ts", 0, 0, 0}};
	const elem noid[] = {{-1, -1, 2, -1, 0, "schema", 0, 0, 0},
	                     {1, 1, 0, -1, 1, "a", 0, 0, 0},
	                     {1, 1, 0, -1, 0, "noid", 0, 0, 0}};
	/* legacy two-level list of ints; a MAP_KEY_VALUE map; a millisecond
	 * timestamp (UTC) */
	const elem legacy[] = {{-1, -1, 3, -1, 0, "schema", 0, 0, 0},
	                       {-1, 1, 1, 3, 1, "lst", 0, 0, 0},
	                       {1, 2, 0, -1, 2, "item", 0, 0, 0},
	                       {-1, 1, 1, 2, 3, "m", 0, 0, 0},
	                       {-1, 2, 2, -1, 0, "map", 0, 0, 0},
	                       {6, 0, 0, 0, 4, "key", 0, 0, 0},
	                       {2, 1, 0, -1, 5, "value", 0, 0, 0},
	                       {2, 1, 0, -1, 6, "ts", 8, 1, 1}};

	icp_buf_init(&f, ICP_BUF_UNLIMITED);
	crafted(&f, int96, 2);
	expect(&f, ICP_ERR_UNSUPPORTED, "legacy_ts");
	expect(&f, ICP_ERR_UNSUPPORTED, "INT96");
	icp_buf_reset(&f);
	crafted(&f, noid, 3);
	expect(&f, ICP_ERR_UNSUPPORTED, "'noid'");
	expect(&f, ICP_ERR_UNSUPPORTED, "field id");

	icp_buf_reset(&f);
	crafted(&f, legacy, 8);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_parquet_reader_open(mem_read_at, &f, f.len, &r, &err), ICP_OK);
	if (r) {
		int md, mr;
		g = icp_parquet_reader_fields(r, &n);
		CHECK_EQ_INT(n, 6);
		CHECK_EQ_INT(g[0].kind, ICP_PARQUET_LIST);
		CHECK_EQ_INT(g[1].kind, ICP_PARQUET_INT);
		CHECK_EQ_INT(g[1].required, 1);
		CHECK_EQ_INT(g[1].parent, 0);
		CHECK_EQ_INT(g[2].kind, ICP_PARQUET_MAP);
		CHECK_EQ_INT(g[3].kind, ICP_PARQUET_STRING);
		CHECK_EQ_INT(g[4].kind, ICP_PARQUET_LONG);
		CHECK_EQ_INT(g[4].parent, 2);
		CHECK_EQ_INT(g[5].kind, ICP_PARQUET_TIMESTAMPTZ);
		icp_parquet_reader_leaf_levels(r, 0, &md, &mr);
		CHECK_EQ_INT(md, 2);
		CHECK_EQ_INT(mr, 1);
		icp_parquet_reader_leaf_levels(r, 2, &md, &mr);
		CHECK_EQ_INT(md, 3);
		CHECK_EQ_INT(mr, 1);
		CHECK_EQ_INT(icp_parquet_reader_rows(r), 0);
		CHECK_EQ_INT(icp_parquet_reader_row_groups(r), 0);
	}
	icp_parquet_reader_free(r);
	icp_buf_dispose(&f);
}

int main(void)
{
	TEST_RUN(test_crafted_schemas);
	return TEST_DONE();
}
