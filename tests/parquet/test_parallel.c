/*
 * The parquet writer on a worker pool: the file's bytes are the same with
 * no pool, an inline pool and 2 or 4 threads, for data page v1 and v2, on a
 * schema with dictionary columns (one falling back to PLAIN mid-chunk),
 * plain columns, a codec override, nulls, booleans and a nested list; and
 * a failing allocation under the pool is an error, never a crash or leak.
 */
#include "parquet/parquet.h"
#include "pool/pool.h"
#include "test.h"

#define ROWS 20000
#define STRIDE 40

enum { F_ID, F_CAT, F_PAY, F_FLAG, F_X, F_TAGS, F_ELEM, N_FIELDS };

typedef struct data {
	int64_t id[ROWS];
	char cat_txt[ROWS][STRIDE];
	icp_slice cat[ROWS];       /* packed present values */
	uint8_t cat_valid[ROWS];
	char pay_txt[ROWS][STRIDE];
	icp_slice pay[ROWS];
	uint8_t pay_valid[ROWS];
	uint8_t flag[ROWS];
	double x[ROWS];
	uint8_t x_valid[ROWS];
	/* list<string>: entries, levels, packed elements */
	int16_t tdef[ROWS * 5], trep[ROWS * 5];
	size_t trow[ROWS + 1];     /* first entry of each row */
	size_t tval[ROWS + 1];     /* first present element of each row */
	icp_slice tags[ROWS * 5];
	size_t ncat[ROWS + 1], npay[ROWS + 1], nx[ROWS + 1];
} data;

static void make_data(data *d)
{
	size_t r, e = 0, v = 0, nc = 0, np = 0, nxv = 0;
	static const char *tag_names[] = {"red", "green", "blue", "cyan", "magenta"};
	uint64_t rnd = 88172645463325252ull;

	for (r = 0; r < ROWS; r++) {
		d->ncat[r] = nc;
		d->npay[r] = np;
		d->nx[r] = nxv;
		d->trow[r] = e;
		d->tval[r] = v;
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		d->id[r] = (int64_t)r * 7 - 3000;
		/* Few distinct values early, more and more later: the dictionary
		 * passes its limit in the middle of a chunk. */
		d->cat_valid[r] = r % 11 != 0;
		if (d->cat_valid[r]) {
			snprintf(d->cat_txt[r], STRIDE, "category-%zu", (size_t)(rnd % (1 + r / 8)));
			d->cat[nc++] = icp_slice_cstr(d->cat_txt[r]);
		}
		d->pay_valid[r] = r % 13 != 5;
		if (d->pay_valid[r]) {
			snprintf(d->pay_txt[r], STRIDE, "payload %016llx %zu",
			         (unsigned long long)rnd, r);
			d->pay[np++] = icp_slice_make(d->pay_txt[r], strlen(d->pay_txt[r]));
		}
		d->flag[r] = (rnd >> 3) & 1;
		d->x_valid[r] = r % 4 != 1;
		if (d->x_valid[r])
			d->x[nxv++] = (double)(rnd % 100000) / 7.0;
		/* tags: optional list of optional strings (max def 3, max rep 1) */
		if (r % 7 == 0) {
			d->tdef[e] = 0; /* null list */
			d->trep[e++] = 0;
		} else if (r % 7 == 1) {
			d->tdef[e] = 1; /* empty list */
			d->trep[e++] = 0;
		} else {
			size_t k, n = r % 4 + 1;
			for (k = 0; k < n; k++) {
				d->trep[e] = k ? 1 : 0;
				if ((r + k) % 5 == 0) {
					d->tdef[e++] = 2;
				} else {
					d->tdef[e++] = 3;
					d->tags[v++] = icp_slice_cstr(tag_names[(r * 3 + k) % 5]);
				}
			}
		}
	}
	d->ncat[ROWS] = nc;
	d->npay[ROWS] = np;
	d->nx[ROWS] = nxv;
	d->trow[ROWS] = e;
	d->tval[ROWS] = v;
}

/* Writes the whole data set in batches of varying size; returns the rc. */
static int write_file(const data *d, icp_pool *pool, int page_version, icp_buf *out,
                      icp_error *err)
{
	icp_parquet_field f[N_FIELDS];
	icp_parquet_options o;
	icp_parquet_writer *w = NULL;
	icp_parquet_sink sink;
	icp_parquet_file_metrics m;
	size_t r = 0, step = 1;
	int rc;

	f[F_ID] = icp_parquet_field_make("id", 1, ICP_PARQUET_LONG, 1);
	f[F_CAT] = icp_parquet_field_make("cat", 2, ICP_PARQUET_STRING, 0);
	f[F_PAY] = icp_parquet_field_make("payload", 3, ICP_PARQUET_BINARY, 0);
	f[F_PAY].dictionary = 0;
	f[F_PAY].codec = ICP_CODEC_SNAPPY;
	f[F_FLAG] = icp_parquet_field_make("flag", 4, ICP_PARQUET_BOOLEAN, 1);
	f[F_X] = icp_parquet_field_make("x", 5, ICP_PARQUET_DOUBLE, 0);
	f[F_TAGS] = icp_parquet_field_make("tags", 6, ICP_PARQUET_LIST, 0);
	f[F_ELEM] = icp_parquet_field_make("element", 7, ICP_PARQUET_STRING, 0);
	f[F_ELEM].parent = F_TAGS;
	icp_parquet_options_init(&o);
	o.page_size = 4096;
	o.row_group_size = 96 * 1024;
	o.dict_page_limit = 8192;
	o.page_version = page_version;
	o.pool = pool;
	icp_parquet_buf_sink(out, &sink);
	rc = icp_parquet_writer_new(f, N_FIELDS, &o, sink, &w, err);
	while (rc == ICP_OK && r < ROWS) {
		size_t n = step < ROWS - r ? step : ROWS - r;
		icp_parquet_batch b;
		step = step * 5 % 997 + 1;

		memset(&b, 0, sizeof(b));
		b.n = n;
		b.fixed = d->id + r;
		rc = icp_parquet_writer_write(w, 0, &b, err);
		memset(&b, 0, sizeof(b));
		b.n = n;
		b.valid = d->cat_valid + r;
		b.bytes = d->cat + d->ncat[r];
		if (rc == ICP_OK)
			rc = icp_parquet_writer_write(w, 1, &b, err);
		b.valid = d->pay_valid + r;
		b.bytes = d->pay + d->npay[r];
		if (rc == ICP_OK)
			rc = icp_parquet_writer_write(w, 2, &b, err);
		memset(&b, 0, sizeof(b));
		b.n = n;
		b.fixed = d->flag + r;
		if (rc == ICP_OK)
			rc = icp_parquet_writer_write(w, 3, &b, err);
		b.valid = d->x_valid + r;
		b.fixed = d->x + d->nx[r];
		if (rc == ICP_OK)
			rc = icp_parquet_writer_write(w, 4, &b, err);
		memset(&b, 0, sizeof(b));
		b.n = d->trow[r + n] - d->trow[r];
		b.def = d->tdef + d->trow[r];
		b.rep = d->trep + d->trow[r];
		b.bytes = d->tags + d->tval[r];
		if (rc == ICP_OK)
			rc = icp_parquet_writer_write(w, 5, &b, err);
		if (rc == ICP_OK)
			rc = icp_parquet_writer_end_rows(w, err);
		r += n;
	}
	if (rc == ICP_OK && (rc = icp_parquet_writer_close(w, &m, err)) == ICP_OK) {
		CHECK_EQ_INT(m.record_count, ROWS);
		CHECK_EQ_INT(m.file_size, out->len);
		CHECK(m.n_splits >= 3); /* several row groups */
		CHECK_EQ_INT(m.fields[1].null_count, (ROWS + 10) / 11);
		icp_parquet_file_metrics_dispose(&m);
	}
	icp_parquet_writer_free(w);
	return rc;
}

static void test_same_bytes(void)
{
	static data d;
	unsigned threads[] = {1, 2, 4};
	int v;

	make_data(&d);
	for (v = 1; v <= 2; v++) {
		icp_buf ref;
		icp_error err;
		size_t i;

		icp_buf_init(&ref, ICP_BUF_UNLIMITED);
		icp_error_init(&err);
		CHECK_EQ_INT(write_file(&d, NULL, v, &ref, &err), ICP_OK);
		CHECK(ref.len > 100000);
		for (i = 0; i < ICP_ARRAY_LEN(threads); i++) {
			icp_pool *p = NULL;
			icp_buf out;
			int round;
			CHECK_EQ_INT(icp_pool_new(threads[i], 0, &p, &err), ICP_OK);
			for (round = 0; round < 2; round++) {
				icp_buf_init(&out, ICP_BUF_UNLIMITED);
				CHECK_EQ_INT(write_file(&d, p, v, &out, &err), ICP_OK);
				CHECK_EQ_INT(out.len, ref.len);
				if (out.len == ref.len && memcmp(out.data, ref.data, ref.len) != 0) {
					fprintf(stderr, "page v%d, %u threads: bytes differ\n", v,
					        threads[i]);
					CHECK(0);
				}
				icp_buf_dispose(&out);
			}
			icp_pool_free(p);
		}
		icp_buf_dispose(&ref);
	}
}

/* Fail the Nth allocation while jobs run on two workers: an error comes
 * back, nothing crashes, nothing leaks (the ASan and TSan runs check). */
static void test_alloc_failures_pooled(void)
{
	static data d;
	icp_pool *p = NULL;
	icp_error err;
	long n;

	make_data(&d);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_pool_new(2, 0, &p, &err), ICP_OK);
	for (n = 1; n < 400; n += 13) {
		icp_buf out;
		int rc;
		icp_buf_init(&out, ICP_BUF_UNLIMITED);
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		rc = write_file(&d, p, 1, &out, &err);
		icp_alloc_fail_after(0);
		CHECK(rc == ICP_OK || err.status != ICP_OK);
		icp_buf_dispose(&out);
	}
	icp_pool_free(p);
}

int main(void)
{
	TEST_RUN(test_same_bytes);
	TEST_RUN(test_alloc_failures_pooled);
	return TEST_DONE();
}
