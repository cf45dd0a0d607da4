/*
 * Segment reader: a well-formed segment decoded through sources of every
 * shape (whole, byte-by-byte, from an indexed position), then one planted
 * defect per case, each of which must fail with ICP_ERR_CORRUPT (or
 * TOO_LARGE) and a message naming the position.
 *
 * Every case runs three times: batches decoded inline, then decoded ahead
 * on a pool of 2 workers (ring of 2, then of 4 with a 1-byte allowance so
 * only one batch is ahead at a time): the records, errors and messages
 * must be the same, in the same order.
 */
#include "segment/segment.h"
#include "test.h"
#include "seg_builder.h"

/* The decode-ahead under test (NULL: inline); set by main() per round. */
static icp_pool *ahead_pool;
static size_t ahead_depth, ahead_bytes;

typedef struct trickle {
	icp_segment_mem mem;
	size_t step;
} trickle;

static int trickle_read(void *ctx, uint8_t *buf, size_t n, size_t *got, icp_error *err)
{
	trickle *t = ctx;
	size_t left = t->mem.data.len - t->mem.pos;
	ICP_UNUSED(err);
	if (n > t->step)
		n = t->step;
	if (n > left)
		n = left;
	memcpy(buf, t->mem.data.ptr + t->mem.pos, n);
	t->mem.pos += n;
	*got = n;
	return ICP_OK;
}

/* Body: A (3 recs, gap), B (zstd, 2), C (control), D (gzip, LogAppendTime). */
static void standard_body(icp_buf *body, size_t *pos_b)
{
	icp_buf r;
	icp_buf_init(&r, 0);
	put_record(&r, 0, 0, "k0", "v0", 2);
	put_record(&r, 5, 1, NULL, "v1", 0);
	put_record(&r, 9, 3, "k3", NULL, 1);
	put_batch(body, 100, 0, 3, 1000, 1009, 3, &r);
	*pos_b = 32 + body->len;
	icp_buf_reset(&r);
	put_record(&r, 0, 0, "k4", "", 0);
	put_record(&r, -2000, 1, "", "v5", 0);
	put_batch(body, 104, 4, 1, 2000, 2000, 2, &r);
	icp_buf_reset(&r);
	put_record(&r, 0, 0, "\0\0", "\0\0\0\0\0\1", 0); /* commit marker */
	put_batch(body, 106, 0x30, 0, 3000, 3000, 1, &r);
	icp_buf_reset(&r);
	put_record(&r, 1, 0, "k7", "v7", 0);
	put_record(&r, 2, 1, "k8", "v8", 0);
	put_batch(body, 107, 1 | 8, 1, 4000, 4242, 2, &r);
	icp_buf_dispose(&r);
}

static void standard_segment(icp_buf *seg, size_t *pos_b)
{
	icp_buf body;
	icp_buf_init(&body, 0);
	standard_body(&body, pos_b);
	make_segment(seg, 100, 8, 108, &body);
	icp_buf_dispose(&body);
}

/* Reads everything; writes "offset@ts," per record into sum. */
static int read_all(const icp_buf *seg, uint64_t start, size_t step,
                    const icp_segment_opts *opts, const icp_segment_index *idx,
                    icp_buf *sum, icp_error *err)
{
	trickle t;
	icp_segment_source src;
	icp_segment_reader *r = NULL;
	icp_batch b;
	int rc;

	icp_segment_mem_source(&t.mem, icp_slice_make(seg->data + start, seg->len - start), start,
	                       "test.kfs", &src);
	t.step = step;
	src.ctx = &t;
	src.read = trickle_read;
	rc = icp_segment_reader_new(&src, opts, &r, err);
	if (rc != ICP_OK)
		return rc;
	if (ahead_pool &&
	    icp_segment_reader_decode_ahead(r, ahead_pool, ahead_depth, ahead_bytes, err) != ICP_OK) {
		icp_segment_reader_free(r);
		return ICP_ERR_NOMEM;
	}
	if (idx)
		icp_segment_reader_check_index(r, idx);
	while ((rc = icp_segment_reader_next(r, &b, err)) == ICP_OK) {
		size_t i;
		for (i = 0; i < b.n_records; i++)
			icp_buf_printf(sum, "%lld@%lld,", (long long)b.records[i].offset,
			               (long long)b.records[i].timestamp);
	}
	/* sticky: asking again gives the same answer */
	if (icp_segment_reader_next(r, &b, NULL) != rc)
		rc = ICP_ERR_INVALID;
	icp_segment_reader_free(r);
	return rc;
}

/* The standard segment behind a memory source, with the round's
 * decode-ahead (the caller frees the reader, then seg). */
static icp_segment_reader *open_standard(icp_buf *seg, icp_segment_mem *m,
                                         icp_segment_source *src, const char *name)
{
	icp_segment_reader *r = NULL;
	icp_error err;
	size_t pos_b;

	icp_error_init(&err);
	icp_buf_init(seg, 0);
	standard_segment(seg, &pos_b);
	icp_segment_mem_source(m, icp_slice_make(seg->data, seg->len), 0, name, src);
	CHECK_EQ_INT(icp_segment_reader_new(src, NULL, &r, &err), ICP_OK);
	if (r && ahead_pool)
		CHECK_EQ_INT(icp_segment_reader_decode_ahead(r, ahead_pool, ahead_depth, ahead_bytes,
		                                             &err), ICP_OK);
	return r;
}

#define EXPECT_ALL "100@1000,101@1005,103@1009,104@2000,105@0,107@4242,108@4242,"

static void test_valid_all_steps(void)
{
	size_t steps[] = {1, 7, 61, 4096, 1 << 20}, i, pos_b;
	icp_buf seg;
	icp_buf_init(&seg, 0);
	standard_segment(&seg, &pos_b);
	for (i = 0; i < ICP_ARRAY_LEN(steps); i++) {
		icp_buf sum;
		icp_error err;
		icp_error_init(&err);
		icp_buf_init(&sum, 0);
		CHECK_EQ_INT(read_all(&seg, 0, steps[i], NULL, NULL, &sum, &err), ICP_END);
		CHECK_EQ_STR((char *)sum.data, EXPECT_ALL);
		if (err.status)
			fprintf(stderr, "step %zu: %s\n", steps[i], err.msg);
		icp_buf_dispose(&sum);
	}
	icp_buf_dispose(&seg);
}

static void test_record_fields(void)
{
	icp_buf seg;
	icp_segment_mem m;
	icp_segment_source src;
	icp_segment_reader *r;
	icp_batch b;
	icp_error err;

	icp_error_init(&err);
	r = open_standard(&seg, &m, &src, "t");
	CHECK_EQ_INT(icp_segment_reader_header(r)->message_count, 8);
	CHECK_EQ_INT(icp_segment_reader_next(r, &b, &err), ICP_OK);
	CHECK_EQ_INT(b.n_records, 3);
	CHECK(icp_slice_eq(b.records[0].key, icp_slice_cstr("k0")));
	CHECK_EQ_INT(b.records[0].header_count, 2);
	CHECK(icp_slice_eq(b.headers[0].key, icp_slice_cstr("hk")));
	CHECK(icp_slice_eq(b.headers[0].value, icp_slice_cstr("0")));
	CHECK_EQ_INT(b.headers[1].value_null, 1);
	CHECK_EQ_INT(b.records[1].key_null, 1);
	CHECK_EQ_INT(b.records[2].value_null, 1);
	CHECK_EQ_INT(b.last_offset, 103);
	CHECK_EQ_INT(icp_segment_reader_next(r, &b, &err), ICP_OK);
	CHECK_EQ_INT(b.codec, 4);
	CHECK_EQ_INT(b.records[0].value.len, 0);
	CHECK_EQ_INT(b.records[0].value_null, 0);
	CHECK_EQ_INT(b.records[1].key_null, 0);
	CHECK_EQ_INT(icp_segment_reader_next(r, &b, &err), ICP_OK);
	CHECK_EQ_INT(b.control, 1);
	CHECK_EQ_INT(b.n_records, 0);
	CHECK_EQ_INT(b.last_offset, 106);
	CHECK_EQ_INT(icp_segment_reader_next(r, &b, &err), ICP_OK);
	CHECK_EQ_INT(b.log_append_time, 1);
	CHECK_EQ_INT(icp_segment_reader_next(r, &b, &err), ICP_END);
	CHECK_EQ_INT(icp_segment_reader_footer(r)->last_offset, 108);
	CHECK_EQ_INT(err.status, ICP_OK);
	icp_segment_reader_free(r);
	icp_buf_dispose(&seg);
}

static void test_start_at_index(void)
{
	icp_buf seg, sum;
	icp_error err;
	size_t pos_b;
	icp_error_init(&err);
	icp_buf_init(&seg, 0);
	icp_buf_init(&sum, 0);
	standard_segment(&seg, &pos_b);
	CHECK_EQ_INT(read_all(&seg, pos_b, 100, NULL, NULL, &sum, &err), ICP_END);
	CHECK_EQ_STR((char *)sum.data, "104@2000,105@0,107@4242,108@4242,");
	icp_buf_dispose(&sum);
	icp_buf_dispose(&seg);
}

/* Applies `mutate` to a fresh standard segment and expects a failure. */
typedef void (*mutator)(icp_buf *seg, size_t pos_b);

static void expect_fail(const char *what, mutator m, int want_rc, const char *want_msg)
{
	icp_buf seg, sum;
	icp_error err;
	size_t pos_b;
	int rc;
	icp_segment_opts o;

	icp_segment_opts_init(&o);
	o.max_decompressed_bytes = 1u << 20;
	icp_error_init(&err);
	icp_buf_init(&seg, 0);
	icp_buf_init(&sum, 0);
	standard_segment(&seg, &pos_b);
	m(&seg, pos_b);
	rc = read_all(&seg, 0, 4096, &o, NULL, &sum, &err);
	if (rc != want_rc || !strstr(err.msg, want_msg)) {
		fprintf(stderr, "%s: rc %d (want %d), msg: %s (want \"%s\")\n", what, rc, want_rc,
		        err.msg, want_msg);
		CHECK(0);
	}
	icp_buf_dispose(&sum);
	icp_buf_dispose(&seg);
}

static void m_magic(icp_buf *s, size_t p) { ICP_UNUSED(p); s->data[3] = 'X'; }
static void m_version(icp_buf *s, size_t p) { ICP_UNUSED(p); s->data[5] = 2; }
static void m_flags(icp_buf *s, size_t p) { ICP_UNUSED(p); s->data[7] = 1; }
static void m_truncated(icp_buf *s, size_t p) { ICP_UNUSED(p); s->len -= 30; }
static void m_footer_magic(icp_buf *s, size_t p) { ICP_UNUSED(p); s->data[s->len - 1] = '?'; }
static void m_body_crc(icp_buf *s, size_t p) { ICP_UNUSED(p); s->data[s->len - 16] ^= 1; }
static void m_batch_crc(icp_buf *s, size_t p)
{
	s->data[p - 5] ^= 0x10; /* inside batch A's records */
	fix_body_crc(s);
}
static void m_batch_magic(icp_buf *s, size_t p)
{
	s->data[p + 16] = 1;
	fix_body_crc(s);
}
static void m_batch_len(icp_buf *s, size_t p)
{
	icp_store_be32(s->data + p + 8, 100000);
	fix_body_crc(s);
}
static void m_count_more(icp_buf *s, size_t p)
{
	ICP_UNUSED(p);
	icp_store_be32(s->data + 32 + 57, 2); /* A holds 3 */
	fix_batch_crc(s, 32);
	fix_body_crc(s);
}
static void m_count_less(icp_buf *s, size_t p)
{
	ICP_UNUSED(p);
	icp_store_be32(s->data + 32 + 57, 4);
	fix_batch_crc(s, 32);
	fix_body_crc(s);
}
static void m_codec(icp_buf *s, size_t p)
{
	s->data[p + 22] = (uint8_t)((s->data[p + 22] & ~7) | 6);
	fix_batch_crc(s, p);
	fix_body_crc(s);
}
static void m_decompress(icp_buf *s, size_t p)
{
	s->data[p + 61 + 6] ^= 0xff; /* inside the zstd frame */
	s->data[p + 61 + 7] ^= 0xff;
	fix_batch_crc(s, p);
	fix_body_crc(s);
}
static void m_varint(icp_buf *s, size_t p)
{
	ICP_UNUSED(p);
	/* record 0 of A: length byte, attributes, then timestampDelta */
	memset(s->data + 32 + 61 + 2, 0xff, 11);
	fix_batch_crc(s, 32);
	fix_body_crc(s);
}
static void m_key_len(icp_buf *s, size_t p)
{
	ICP_UNUSED(p);
	s->data[32 + 61 + 4] = 0x7e; /* key length 63, past the record */
	fix_batch_crc(s, 32);
	fix_body_crc(s);
}
static void m_last_offset(icp_buf *s, size_t p)
{
	ICP_UNUSED(p);
	icp_store_be64(s->data + s->len - 12, 999);
}
static void m_msg_count(icp_buf *s, size_t p)
{
	ICP_UNUSED(p);
	icp_store_be32(s->data + 16, 9);
}
static void m_order(icp_buf *s, size_t p)
{
	icp_store_be64(s->data + p, 101); /* B's base inside A's range */
	fix_body_crc(s);
}

static void test_corrupt_cases(void)
{
	expect_fail("magic", m_magic, ICP_ERR_CORRUPT, "segment magic at byte 0");
	expect_fail("version", m_version, ICP_ERR_CORRUPT, "segment version");
	expect_fail("flags", m_flags, ICP_ERR_CORRUPT, "flags");
	expect_fail("truncated", m_truncated, ICP_ERR_CORRUPT, "does not end with the END! footer");
	expect_fail("footer magic", m_footer_magic, ICP_ERR_CORRUPT, "END!");
	expect_fail("body crc", m_body_crc, ICP_ERR_CORRUPT, "footer CRC32C");
	expect_fail("batch crc", m_batch_crc, ICP_ERR_CORRUPT, "batch at byte 32 (base offset 100): stored CRC32C");
	expect_fail("batch magic", m_batch_magic, ICP_ERR_CORRUPT, "magic byte");
	expect_fail("batch length", m_batch_len, ICP_ERR_CORRUPT, "body ends at byte");
	expect_fail("count more", m_count_more, ICP_ERR_CORRUPT, "bytes follow the last record");
	expect_fail("count less", m_count_less, ICP_ERR_CORRUPT, "record 3");
	expect_fail("codec", m_codec, ICP_ERR_CORRUPT, "unknown compression codec 6");
	expect_fail("decompress", m_decompress, ICP_ERR_CORRUPT, "zstd");
	expect_fail("varint", m_varint, ICP_ERR_CORRUPT, "timestampDelta varint is too long");
	expect_fail("key length", m_key_len, ICP_ERR_CORRUPT, "key length 63");
	expect_fail("last offset", m_last_offset, ICP_ERR_CORRUPT, "footer last offset 999");
	expect_fail("message count", m_msg_count, ICP_ERR_CORRUPT, "message count is 9");
	expect_fail("order", m_order, ICP_ERR_CORRUPT, "not after the previous batch");
}

static void test_bomb_cap(void)
{
	icp_buf body, seg, sum, r;
	icp_error err;
	icp_segment_opts o;
	char *big = icp_malloc(3u << 20);

	memset(big, 'a', 3u << 20);
	big[(3u << 20) - 1] = 0;
	icp_error_init(&err);
	icp_buf_init(&body, 0);
	icp_buf_init(&seg, 0);
	icp_buf_init(&sum, 0);
	icp_buf_init(&r, 0);
	put_record(&r, 0, 0, "k", big, 0);
	put_batch(&body, 0, 4, 0, 0, 0, 1, &r);
	make_segment(&seg, 0, 1, 0, &body);
	CHECK(seg.len < 64 * 1024);
	icp_segment_opts_init(&o);
	o.max_decompressed_bytes = 1u << 20;
	CHECK_EQ_INT(read_all(&seg, 0, 1 << 20, &o, NULL, &sum, &err), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "over the limit");
	icp_error_init(&err);
	o.max_batch_bytes = 100;
	CHECK_EQ_INT(read_all(&seg, 0, 1 << 20, &o, NULL, &sum, &err), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "max_batch_bytes");
	icp_free(big);
	icp_buf_dispose(&r);
	icp_buf_dispose(&body);
	icp_buf_dispose(&seg);
	icp_buf_dispose(&sum);
}

static void put_index(icp_buf *ix, int32_t n, const int64_t *offs, const uint32_t *pos)
{
	uint8_t h[16], e[12];
	int32_t i;
	memset(h, 0, sizeof(h));
	memcpy(h, "IDX", 4);
	icp_store_be16(h + 4, 1);
	icp_store_be32(h + 6, (uint32_t)n);
	icp_store_be32(h + 10, 2);
	icp_buf_append(ix, h, 16);
	for (i = 0; i < n; i++) {
		icp_store_be64(e, (uint64_t)offs[i]);
		icp_store_be32(e + 8, pos[i]);
		icp_buf_append(ix, e, 12);
	}
}

static void test_index(void)
{
	icp_buf seg, ix, sum;
	icp_segment_index idx;
	icp_error err;
	size_t pos_b;
	int64_t offs[2] = {100, 104};
	uint32_t pos[2] = {32, 0};

	icp_buf_init(&seg, 0);
	icp_buf_init(&ix, 0);
	icp_buf_init(&sum, 0);
	standard_segment(&seg, &pos_b);
	pos[1] = (uint32_t)pos_b;
	put_index(&ix, 2, offs, pos);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_segment_index_parse(icp_slice_make(ix.data, ix.len), "t.index", seg.len,
	                                     &idx, &err), ICP_OK);
	CHECK_EQ_INT(idx.n_entries, 2);
	CHECK(icp_segment_index_seek(&idx, 99) == NULL);
	CHECK_EQ_INT(icp_segment_index_seek(&idx, 103)->position, 32);
	CHECK_EQ_INT(icp_segment_index_seek(&idx, 1000)->offset, 104);
	CHECK_EQ_INT(read_all(&seg, 0, 4096, NULL, &idx, &sum, &err), ICP_END);
	icp_segment_index_dispose(&idx);

	/* an entry that names the wrong base offset */
	icp_buf_reset(&ix);
	offs[1] = 105;
	put_index(&ix, 2, offs, pos);
	CHECK_EQ_INT(icp_segment_index_parse(icp_slice_make(ix.data, ix.len), "t.index", seg.len,
	                                     &idx, &err), ICP_OK);
	CHECK_EQ_INT(read_all(&seg, 0, 4096, NULL, &idx, &sum, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "index entry 1 says offset 105");
	icp_segment_index_dispose(&idx);

	/* an entry inside a batch */
	icp_error_init(&err);
	icp_buf_reset(&ix);
	offs[1] = 104;
	pos[1] = (uint32_t)pos_b + 3;
	put_index(&ix, 2, offs, pos);
	CHECK_EQ_INT(icp_segment_index_parse(icp_slice_make(ix.data, ix.len), "t.index", seg.len,
	                                     &idx, &err), ICP_OK);
	CHECK_EQ_INT(read_all(&seg, 0, 4096, NULL, &idx, &sum, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "inside the batch");
	icp_segment_index_dispose(&idx);

	/* header count disagrees with the size; bad magic; out of order */
	icp_error_init(&err);
	icp_buf_reset(&ix);
	pos[1] = (uint32_t)pos_b;
	put_index(&ix, 2, offs, pos);
	ix.len -= 12;
	CHECK_EQ_INT(icp_segment_index_parse(icp_slice_make(ix.data, ix.len), "t.index", 0, &idx,
	                                     &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "says 2 entries");
	icp_error_init(&err);
	ix.len += 12;
	ix.data[0] = 'J';
	CHECK_EQ_INT(icp_segment_index_parse(icp_slice_make(ix.data, ix.len), "t.index", 0, &idx,
	                                     &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "index magic");
	icp_error_init(&err);
	icp_buf_reset(&ix);
	offs[0] = 200;
	put_index(&ix, 2, offs, pos);
	CHECK_EQ_INT(icp_segment_index_parse(icp_slice_make(ix.data, ix.len), "t.index", 0, &idx,
	                                     &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "out of order");
	icp_buf_dispose(&seg);
	icp_buf_dispose(&ix);
	icp_buf_dispose(&sum);
}

/* Scanning then writing (the processor's read past a transaction): the
 * first batch with records skipped, the rest with records. Batches
 * decoded ahead while skipping are decoded again when wanted. */
static void test_skip_switch(void)
{
	icp_buf seg, sum;
	icp_segment_mem m;
	icp_segment_source src;
	icp_segment_reader *r = NULL;
	icp_error err;
	icp_batch b;
	int rc, n = 0;

	icp_error_init(&err);
	icp_buf_init(&seg, 0);
	icp_buf_init(&sum, 0);
	r = open_standard(&seg, &m, &src, "test.kfs");
	icp_segment_reader_skip_records(r, 1);
	while ((rc = icp_segment_reader_next(r, &b, &err)) == ICP_OK) {
		size_t i;
		icp_buf_printf(&sum, "[%lld:%zu]", (long long)b.base_offset, b.n_records);
		for (i = 0; i < b.n_records; i++)
			icp_buf_printf(&sum, "%lld,", (long long)b.records[i].offset);
		CHECK_EQ_INT((int)icp_segment_reader_last_raw(r).len, (int)(12 + b.batch_length));
		if (++n == 1)
			icp_segment_reader_skip_records(r, 0);
	}
	CHECK_EQ_INT(rc, ICP_END);
	icp_buf_printf(&sum, "%s", "");
	CHECK_EQ_STR((char *)sum.data, "[100:0][104:2]104,105,[106:0][107:2]107,108,");
	icp_segment_reader_free(r);
	icp_buf_dispose(&sum);
	icp_buf_dispose(&seg);
}

/* A reader freed with batches still in flight lets go at once: a worker
 * decoding one finishes with the ring's own copies (ASan, TSan). */
static void test_free_in_flight(void)
{
	icp_buf seg;
	icp_segment_mem m;
	icp_segment_source src;
	icp_segment_reader *r;
	icp_error err;
	icp_batch b;

	icp_error_init(&err);
	r = open_standard(&seg, &m, &src, "test.kfs");
	CHECK_EQ_INT(icp_segment_reader_next(r, &b, &err), ICP_OK);
	CHECK_EQ_INT((int)b.base_offset, 100);
	CHECK(icp_segment_reader_footprint(r) > 0);
	icp_segment_reader_free(r);
	icp_buf_dispose(&seg);
}

int main(void)
{
	static const size_t depth[] = {0, 2, 4}, bytes[] = {0, 64u << 20, 1};
	icp_error err;
	size_t round;

	icp_error_init(&err);
	for (round = 0; round < ICP_ARRAY_LEN(depth); round++) {
		ahead_depth = depth[round];
		ahead_bytes = bytes[round];
		if (depth[round])
			CHECK_EQ_INT(icp_pool_new(2, 0, &ahead_pool, &err), ICP_OK);
		TEST_RUN(test_valid_all_steps);
		TEST_RUN(test_record_fields);
		TEST_RUN(test_start_at_index);
		TEST_RUN(test_corrupt_cases);
		TEST_RUN(test_bomb_cap);
		TEST_RUN(test_index);
		TEST_RUN(test_skip_switch);
		TEST_RUN(test_free_in_flight);
		icp_pool_free(ahead_pool);
		ahead_pool = NULL;
	}
	return TEST_DONE();
}
