/*
 * Segment writer: segments written with every codec, LogAppendTime, offset
 * gaps, transaction markers and auto-flush are read back with the
 * project's segment reader (CRCs, footer, counts and index checked there)
 * and compared record by record; one uncompressed batch is compared byte
 * for byte with the one kafka-python built for tests/data/segments; and
 * the error paths leave no files behind.
 */
#include "segment/segment.h"
#include "segwrite/segwrite.h"
#include "test.h"

#include <stdio.h>
#include <unistd.h>

#define DIR "/tmp"

static char kfs_path[256], idx_path[256];

static void set_paths(const char *name)
{
	snprintf(kfs_path, sizeof(kfs_path), DIR "/icp_test_segwrite_%ld_%s.kfs",
	         (long)getpid(), name);
	snprintf(idx_path, sizeof(idx_path), DIR "/icp_test_segwrite_%ld_%s.index",
	         (long)getpid(), name);
}

static int read_file(const char *path, icp_buf *out)
{
	FILE *f = fopen(path, "rb");
	uint8_t tmp[65536];
	size_t n;
	if (!f)
		return -1;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		icp_buf_append(out, tmp, n);
	fclose(f);
	return out->status;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void rm_files(void)
{
	char tmp[300];
	unlink(kfs_path);
	unlink(idx_path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", kfs_path);
	unlink(tmp);
	snprintf(tmp, sizeof(tmp), "%s.tmp", idx_path);
	unlink(tmp);
}

/* What a test expects back for one record. */
typedef struct want {
	int64_t offset, ts;
	const char *key, *value; /* NULL = null */
	int n_headers;
} want;

/* Reads the segment written at kfs_path/idx_path with the index check on;
 * compares data records with w[0..n); returns batches seen or -1. */
static int read_back(const want *w, size_t n, int *control_batches, int *codecs_seen)
{
	icp_buf ib;
	icp_segment_source src;
	icp_segment_index idx;
	icp_segment_reader *r = NULL;
	icp_batch b;
	icp_error err;
	size_t got = 0, i;
	int rc, batches = 0;

	icp_error_init(&err);
	icp_buf_init(&ib, ICP_BUF_UNLIMITED);
	memset(&idx, 0, sizeof(idx));
	CHECK(read_file(idx_path, &ib) == ICP_OK);
	CHECK_EQ_INT(icp_segment_file_open(kfs_path, 0, &src, &err), ICP_OK);
	rc = icp_segment_index_parse(icp_slice_make(ib.data, ib.len), idx_path, src.size,
	                             &idx, &err);
	CHECK_EQ_INT(rc, ICP_OK);
	CHECK_EQ_INT(icp_segment_reader_new(&src, NULL, &r, &err), ICP_OK);
	icp_segment_reader_check_index(r, &idx);
	while ((rc = icp_segment_reader_next(r, &b, &err)) == ICP_OK) {
		batches++;
		if (b.control && control_batches)
			(*control_batches)++;
		if (codecs_seen)
			*codecs_seen |= 1 << b.codec;
		for (i = 0; i < b.n_records && got < n; i++, got++) {
			const icp_record *rec = &b.records[i];
			const want *e = &w[got];
			CHECK_EQ_INT(rec->offset, e->offset);
			CHECK_EQ_INT(rec->timestamp, e->ts);
			CHECK_EQ_INT(rec->key_null, e->key == NULL);
			if (e->key)
				CHECK(icp_slice_eq(rec->key, icp_slice_cstr(e->key)));
			CHECK_EQ_INT(rec->value_null, e->value == NULL);
			if (e->value)
				CHECK(icp_slice_eq(rec->value, icp_slice_cstr(e->value)));
			CHECK_EQ_INT(rec->header_count, e->n_headers);
		}
		if (i < b.n_records)
			got += b.n_records - i; /* more records than expected */
	}
	if (rc != ICP_END)
		fprintf(stderr, "reader: %s\n", err.msg);
	CHECK_EQ_INT(rc, ICP_END);
	CHECK_EQ_INT(got, n);
	icp_segment_reader_free(r);
	icp_segment_file_close(&src);
	icp_segment_index_dispose(&idx);
	icp_buf_dispose(&ib);
	return rc == ICP_END ? batches : -1;
}

static icp_segwrite_record mkrec(const char *key, const char *value, int64_t ts,
                                 int64_t offset)
{
	icp_segwrite_record r;
	memset(&r, 0, sizeof(r));
	r.key = icp_slice_cstr(key);
	r.key_null = key == NULL;
	r.value = icp_slice_cstr(value);
	r.value_null = value == NULL;
	r.timestamp_ms = ts;
	r.offset = offset;
	return r;
}

static void test_every_codec(void)
{
	static const icp_codec_id codecs[] = {ICP_CODEC_NONE, ICP_CODEC_GZIP, ICP_CODEC_SNAPPY,
	                                      ICP_CODEC_LZ4_FRAME, ICP_CODEC_ZSTD,
	                                      ICP_CODEC_SNAPPY_KAFKA};
	icp_segwrite_header hd[2];
	want w[60];
	icp_segwrite *sw = NULL;
	icp_segwrite_opts o;
	icp_segwrite_stats st;
	icp_error err;
	size_t c, i, n = 0;
	int seen = 0;

	set_paths("codecs");
	icp_error_init(&err);
	icp_segwrite_opts_init(&o);
	o.index_interval = 20;
	o.created_ms = 1790000000000;
	CHECK_EQ_INT(icp_segwrite_new(kfs_path, idx_path, 500, &o, &sw, &err), ICP_OK);
	hd[0].key = icp_slice_cstr("h");
	hd[0].value = icp_slice_cstr("v");
	hd[0].value_null = 0;
	hd[1].key = icp_slice_cstr("null");
	hd[1].value_null = 1;
	for (c = 0; c < ICP_ARRAY_LEN(codecs); c++) {
		for (i = 0; i < 10; i++, n++) {
			icp_segwrite_record r;
			const char *k = i == 3 ? NULL : i == 4 ? "" : "key";
			const char *v = i == 5 ? NULL : i == 6 ? "" : "some value, some value";
			r = mkrec(k, v, 1790000000000 + (int64_t)n * 3 - (i == 7 ? 100 : 0), -1);
			r.headers = hd;
			r.n_headers = i % 3;
			CHECK_EQ_INT(icp_segwrite_add_record(sw, &r, &err), ICP_OK);
			w[n].offset = 500 + (int64_t)n;
			w[n].ts = r.timestamp_ms;
			w[n].key = k;
			w[n].value = v;
			w[n].n_headers = (int)(i % 3);
		}
		CHECK_EQ_INT(icp_segwrite_flush_batch(sw, codecs[c], &err), ICP_OK);
	}
	/* Flushing an empty batch writes nothing. */
	CHECK_EQ_INT(icp_segwrite_flush_batch(sw, ICP_CODEC_ZSTD, &err), ICP_OK);
	icp_segwrite_get_stats(sw, &st);
	CHECK_EQ_INT(st.batches, 6);
	CHECK_EQ_INT(st.messages, 60);
	CHECK_EQ_INT(st.index_entries, 3); /* batches 0, 2, 4 (interval 20) */
	CHECK_EQ_INT(st.last_offset, 559);
	CHECK(!exists(kfs_path)); /* only the .tmp until finish */
	CHECK_EQ_INT(icp_segwrite_finish(sw, &err), ICP_OK);
	/* a finished writer accepts nothing more */
	CHECK_EQ_INT(icp_segwrite_finish(sw, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "already finished");
	icp_segwrite_free(sw);
	CHECK(exists(kfs_path) && exists(idx_path));
	CHECK_EQ_INT(read_back(w, n, NULL, &seen), 6);
	CHECK_EQ_INT(seen, 0x1f); /* codecs 0..4 */
	rm_files();
}

static void test_gaps_lat_control_autoflush(void)
{
	icp_segwrite *sw = NULL;
	icp_segwrite_opts o;
	icp_segwrite_record r;
	icp_error err;
	want w[8];
	int ctl = 0;

	set_paths("gaps");
	icp_error_init(&err);
	icp_segwrite_opts_init(&o);
	o.log_append_time = 1;
	o.batch_bytes = 40; /* two small records per batch */
	o.codec = ICP_CODEC_ZSTD;
	o.index_interval = 1;
	CHECK_EQ_INT(icp_segwrite_new(kfs_path, idx_path, 1000, &o, &sw, &err), ICP_OK);
	/* batch 1: offsets 1003, 1007 (gap before and within) */
	r = mkrec("a", "1", 5000, 1003);
	CHECK_EQ_INT(icp_segwrite_add_record(sw, &r, &err), ICP_OK);
	r = mkrec("b", "2", 4000, 1007);
	CHECK_EQ_INT(icp_segwrite_add_record(sw, &r, &err), ICP_OK);
	/* an offset going backwards is refused */
	r = mkrec("x", "x", 1, 1005);
	CHECK_EQ_INT(icp_segwrite_add_record(sw, &r, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "below the next offset");
	icp_error_init(&err);
	/* auto-flush starts batch 2 with a long record; LogAppendTime gives
	 * every record of a batch its maxTimestamp */
	r = mkrec("c", "a value long enough to pass forty bytes....", 6000, -1);
	CHECK_EQ_INT(icp_segwrite_add_record(sw, &r, &err), ICP_OK);
	CHECK_EQ_INT(icp_segwrite_add_control(sw, 1, 77, 2, 6500, &err), ICP_OK);
	r = mkrec(NULL, NULL, 7000, -1);
	CHECK_EQ_INT(icp_segwrite_add_record(sw, &r, &err), ICP_OK);
	CHECK_EQ_INT(icp_segwrite_finish(sw, &err), ICP_OK);
	icp_segwrite_free(sw);
	w[0] = (want){1003, 5000, "a", "1", 0};
	w[1] = (want){1007, 5000, "b", "2", 0};
	w[2] = (want){1008, 6000, "c", "a value long enough to pass forty bytes....", 0};
	w[3] = (want){1010, 7000, NULL, NULL, 0}; /* the marker took 1009 */
	CHECK_EQ_INT(read_back(w, 4, &ctl, NULL), 4);
	CHECK_EQ_INT(ctl, 1);
	rm_files();
}

/* The first batch of tests/data/segments/negative_timestamp was encoded by
 * kafka-python: the same records must give the same bytes. */
static void test_matches_kafka_python(void)
{
	static const int64_t ts[] = {-5000, -4999, -1, 0, 1};
	static const char *const keys[] = {"a", "b", "c", "d", "e"};
	static const char *const vals[] = {"1", "2", "3", "4", "5"};
	const char *vec = "tests/data/segments/negative_timestamp/"
	                  "segment-00000000000000000100.kfs";
	icp_buf ours, theirs;
	icp_segwrite *sw = NULL;
	icp_segwrite_opts o;
	icp_error err;
	size_t i, blen;

	set_paths("kafka");
	icp_error_init(&err);
	icp_segwrite_opts_init(&o);
	o.created_ms = 1790000012000;
	CHECK_EQ_INT(icp_segwrite_new(kfs_path, idx_path, 100, &o, &sw, &err), ICP_OK);
	for (i = 0; i < 5; i++) {
		icp_segwrite_record r = mkrec(keys[i], vals[i], ts[i], -1);
		CHECK_EQ_INT(icp_segwrite_add_record(sw, &r, &err), ICP_OK);
	}
	CHECK_EQ_INT(icp_segwrite_finish(sw, &err), ICP_OK);
	icp_segwrite_free(sw);
	icp_buf_init(&ours, ICP_BUF_UNLIMITED);
	icp_buf_init(&theirs, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(read_file(kfs_path, &ours), ICP_OK);
	CHECK_EQ_INT(read_file(vec, &theirs), ICP_OK);
	CHECK(ours.len > 32 + 12 && theirs.len > ours.len);
	if (ours.len > 44 && theirs.len > ours.len) {
		blen = 12 + icp_load_be32(ours.data + 40);
		CHECK_EQ_INT(blen, 12 + icp_load_be32(theirs.data + 40));
		CHECK(memcmp(ours.data + 32, theirs.data + 32, blen) == 0);
		/* header: magic..base offset and created are the same too */
		CHECK(memcmp(ours.data, theirs.data, 16) == 0);
		CHECK(memcmp(ours.data + 20, theirs.data + 20, 12) == 0);
	}
	icp_buf_dispose(&ours);
	icp_buf_dispose(&theirs);
	rm_files();
}

static void test_errors_leave_no_files(void)
{
	icp_segwrite *sw = NULL;
	icp_segwrite_opts o;
	icp_segwrite_record r;
	icp_error err;
	char tmp[300];

	set_paths("errors");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_segwrite_new(kfs_path, idx_path, -1, NULL, &sw, &err),
	             ICP_ERR_INVALID);
	CHECK(sw == NULL);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_segwrite_new("/nonexistent-dir/x.kfs", idx_path, 0, NULL, &sw, &err),
	             ICP_ERR_IO);
	icp_error_init(&err);
	/* finish without records */
	CHECK_EQ_INT(icp_segwrite_new(kfs_path, idx_path, 0, NULL, &sw, &err), ICP_OK);
	snprintf(tmp, sizeof(tmp), "%s.tmp", kfs_path);
	CHECK(exists(tmp));
	CHECK_EQ_INT(icp_segwrite_finish(sw, &err), ICP_ERR_INVALID);
	icp_segwrite_free(sw);
	CHECK(!exists(tmp) && !exists(kfs_path) && !exists(idx_path));
	/* a codec Kafka batches cannot carry; a record past max_batch_bytes */
	icp_error_init(&err);
	icp_segwrite_opts_init(&o);
	o.max_batch_bytes = 64;
	CHECK_EQ_INT(icp_segwrite_new(kfs_path, idx_path, 0, &o, &sw, &err), ICP_OK);
	r = mkrec("k", "v", 0, -1);
	CHECK_EQ_INT(icp_segwrite_add_record(sw, &r, &err), ICP_OK);
	CHECK_EQ_INT(icp_segwrite_flush_batch(sw, ICP_CODEC_LZ4_RAW, &err), ICP_ERR_INVALID);
	icp_error_init(&err);
	r = mkrec("k", "a value that is much longer than the sixty-four byte batch cap", 0, -1);
	CHECK_EQ_INT(icp_segwrite_add_record(sw, &r, &err), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "does not fit");
	icp_segwrite_free(sw); /* abandoned: no files */
	CHECK(!exists(tmp) && !exists(kfs_path));
	icp_segwrite_free(NULL);
}

/* Every allocation failing in turn: a clean error, no leak (ASan), no
 * files left behind. */
static void test_alloc_failures(void)
{
	long n;
	int ok = 0;

	set_paths("alloc");
	for (n = 1; n < 40 && !ok; n++) {
		icp_segwrite *sw = NULL;
		icp_segwrite_record r = mkrec("k", "v", 1, -1);
		icp_error err;
		int rc;

		icp_error_init(&err);
		icp_alloc_fail_after(n);
		rc = icp_segwrite_new(kfs_path, idx_path, 0, NULL, &sw, &err);
		if (rc == ICP_OK)
			rc = icp_segwrite_add_record(sw, &r, &err);
		if (rc == ICP_OK)
			rc = icp_segwrite_flush_batch(sw, ICP_CODEC_ZSTD, &err);
		if (rc == ICP_OK)
			rc = icp_segwrite_finish(sw, &err);
		icp_alloc_fail_after(0);
		icp_segwrite_free(sw);
		if (rc == ICP_OK)
			ok = 1;
		else
			CHECK(err.status != ICP_OK && err.msg[0]);
		if (rc != ICP_OK)
			CHECK(!exists(kfs_path));
		rm_files();
	}
	CHECK(ok); /* eventually there were enough allocations */
}

int main(void)
{
	TEST_RUN(test_every_codec);
	TEST_RUN(test_gaps_lat_control_autoflush);
	TEST_RUN(test_matches_kafka_python);
	TEST_RUN(test_errors_leave_no_files);
	TEST_RUN(test_alloc_failures);
	return TEST_DONE();
}
