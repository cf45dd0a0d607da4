/* Tests for src/avro: varint edges, the byte layout of a small file, every
 * type through writer and reader (null and deflate, several blocks),
 * multi-block arrays written by others, recursive schemas, and hostile or
 * truncated input. */
#include "avro/avro.h"
#include "avro_sample.h"
#include "test.h"

#include <math.h>

static const uint8_t SYNC[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static void test_zigzag(void)
{
	static const struct {
		int64_t v;
		const char *hex;
	} cases[] = {
		{0, "00"}, {-1, "01"}, {1, "02"}, {-2, "03"}, {63, "7e"}, {-64, "7f"},
		{64, "8001"}, {-65, "8101"}, {8191, "fe7f"}, {8192, "808001"},
		{INT32_MAX, "feffffff0f"}, {INT32_MIN, "ffffffff0f"},
		{INT64_MAX, "feffffffffffffffff01"}, {INT64_MIN, "ffffffffffffffffff01"},
	};
	size_t i, k;

	for (i = 0; i < ICP_ARRAY_LEN(cases); i++) {
		icp_buf b;
		char hex[32];
		const uint8_t *p;
		int64_t v = 0;
		icp_buf_init(&b, 64);
		CHECK_EQ_INT(icp_avro_encode_long(&b, cases[i].v), ICP_OK);
		for (k = 0; k < b.len; k++)
			snprintf(hex + 2 * k, 3, "%02x", b.data[k]);
		hex[2 * b.len] = 0;
		CHECK_EQ_STR(hex, cases[i].hex);
		p = b.data;
		CHECK_EQ_INT(icp_avro_decode_long(&p, b.data + b.len, &v), ICP_OK);
		CHECK(v == cases[i].v);
		CHECK(p == b.data + b.len);
		/* every truncation fails */
		for (k = 0; k < b.len; k++) {
			p = b.data;
			CHECK_EQ_INT(icp_avro_decode_long(&p, b.data + k, &v), ICP_ERR_CORRUPT);
		}
		icp_buf_dispose(&b);
	}
	{
		/* 11 bytes, and a 10th byte carrying more than bit 63 */
		static const uint8_t too_long[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		                                   0x80, 0x80, 0x80, 0x80, 0x00};
		static const uint8_t overflow[] = {0xff, 0xff, 0xff, 0xff, 0xff,
		                                   0xff, 0xff, 0xff, 0xff, 0x02};
		const uint8_t *p = too_long;
		int64_t v;
		CHECK_EQ_INT(icp_avro_decode_long(&p, too_long + sizeof(too_long), &v), ICP_ERR_CORRUPT);
		p = overflow;
		CHECK_EQ_INT(icp_avro_decode_long(&p, overflow + sizeof(overflow), &v), ICP_ERR_CORRUPT);
	}
}

/* The exact bytes of a tiny file: header, one block, sync. */
static void test_layout(void)
{
	static const char schema[] = "\"long\"";
	static const uint8_t want[] = {
		'O', 'b', 'j', 1,
		4,                                          /* 2 metadata entries */
		22, 'a', 'v', 'r', 'o', '.', 's', 'c', 'h', 'e', 'm', 'a',
		12, '"', 'l', 'o', 'n', 'g', '"',
		20, 'a', 'v', 'r', 'o', '.', 'c', 'o', 'd', 'e', 'c',
		8, 'n', 'u', 'l', 'l',
		0,                                          /* end of map */
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		4, 8, 0x02, 0xfe, 0x01, 0x01,               /* 2 objects in 4 bytes: 1, 127, -1 */
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	};
	icp_avro_writer_opts o = {0};
	icp_avro_writer *w;
	icp_buf out;
	icp_error err;

	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	icp_error_init(&err);
	o.sync = SYNC;
	CHECK_EQ_INT(icp_avro_writer_new(schema, strlen(schema), NULL, 0, &o, &out, &w, &err), ICP_OK);
	icp_avro_write_long(w, 1);
	icp_avro_end_datum(w);
	icp_avro_write_long(w, 127);
	icp_avro_write_long(w, -1); /* two longs in one datum: the writer does not check */
	icp_avro_end_datum(w);
	CHECK_EQ_INT(icp_avro_writer_finish(w, &err), ICP_OK);
	CHECK_EQ_INT(icp_avro_writer_count(w), 2);
	icp_avro_writer_free(w);
	CHECK_EQ_INT(out.len, sizeof(want));
	CHECK(out.len == sizeof(want) && memcmp(out.data, want, sizeof(want)) == 0);
	icp_buf_dispose(&out);
}

static int read_all(const icp_buf *file, int expect_n, int *blocks_seen)
{
	icp_avro_reader *r;
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	icp_json *d;
	icp_slice v;
	int i = 0, rc;

	icp_error_init(&err);
	rc = icp_avro_reader_open(icp_slice_make(file->data, file->len), NULL, &r, &err);
	CHECK_EQ_INT(rc, ICP_OK);
	if (rc != ICP_OK) {
		fprintf(stderr, "%s\n", err.msg);
		icp_arena_free(a);
		return -1;
	}
	CHECK_EQ_INT(icp_avro_reader_meta(r, "format-version", &v), ICP_OK);
	CHECK(icp_slice_eq(v, icp_slice_cstr("2")));
	CHECK_EQ_INT(icp_avro_reader_meta(r, "partition-spec", &v), ICP_OK);
	CHECK(icp_slice_eq(v, icp_slice_cstr(sample_partition_spec)));
	CHECK_EQ_INT(icp_avro_reader_meta(r, "nope", &v), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(icp_avro_reader_meta_count(r), 6);
	CHECK_EQ_STR(icp_avro_reader_meta_at(r, 2).key, "schema");
	CHECK(icp_slice_eq(icp_avro_reader_schema_text(r), icp_slice_cstr(sample_schema)));
	CHECK_EQ_INT(icp_json_get_path(icp_avro_reader_schema(r), "fields.9.type.fields.1.field-id")
	                     ->u.num.i, 102);
	while ((rc = icp_avro_reader_next(r, a, &d, &err)) == ICP_OK) {
		sample_check(d, i++);
		icp_arena_reset(a);
	}
	CHECK_EQ_INT(rc, ICP_END);
	if (rc != ICP_END)
		fprintf(stderr, "%s\n", err.msg);
	CHECK_EQ_INT(i, expect_n);
	/* after the end it stays at the end */
	CHECK_EQ_INT(icp_avro_reader_next(r, a, &d, &err), ICP_END);
	if (blocks_seen) {
		/* count sync markers after the header */
		size_t k, n = 0;
		const uint8_t *sync = icp_avro_reader_sync(r);
		for (k = 0; k + 16 <= file->len; k++)
			if (memcmp(file->data + k, sync, 16) == 0)
				n++;
		*blocks_seen = (int)n - 1;
	}
	icp_avro_reader_free(r);
	icp_arena_free(a);
	return i;
}

static void test_roundtrip(void)
{
	icp_buf f1, f2;
	icp_error err;
	int blocks = 0;

	icp_buf_init(&f1, ICP_BUF_UNLIMITED);
	icp_buf_init(&f2, ICP_BUF_UNLIMITED);
	icp_error_init(&err);
	/* small threshold: many blocks */
	CHECK_EQ_INT(sample_write(&f1, ICP_AVRO_CODEC_NULL, 100, 1000, NULL, &err), ICP_OK);
	read_all(&f1, 100, &blocks);
	CHECK(blocks > 5);
	CHECK_EQ_INT(sample_write(&f2, ICP_AVRO_CODEC_DEFLATE, 100, 1000, SYNC, &err), ICP_OK);
	read_all(&f2, 100, &blocks);
	CHECK(blocks > 5);
	CHECK(f2.len < f1.len);
	/* one big block */
	icp_buf_reset(&f2);
	CHECK_EQ_INT(sample_write(&f2, ICP_AVRO_CODEC_DEFLATE, 1000, 0, SYNC, &err), ICP_OK);
	read_all(&f2, 1000, &blocks);
	CHECK(blocks >= 1 && blocks <= 3);
	/* zero datums: header only */
	icp_buf_reset(&f2);
	CHECK_EQ_INT(sample_write(&f2, ICP_AVRO_CODEC_DEFLATE, 0, 0, SYNC, &err), ICP_OK);
	read_all(&f2, 0, NULL);
	icp_buf_dispose(&f1);
	icp_buf_dispose(&f2);
}

static void test_writer_errors(void)
{
	icp_avro_writer *w;
	icp_avro_meta m = {"avro.custom", {(const uint8_t *)"x", 1}};
	icp_buf out;
	icp_error err;

	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_writer_new("\"long\"", 6, &m, 1, NULL, &out, &w, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "reserved");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_writer_new("{\"type\":\"record\"", 16, NULL, 0, NULL, &out, &w, &err),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "schema");
	icp_error_init(&err);
	{
		static const char bad[] =
			"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"nosuch\"}]}";
		CHECK_EQ_INT(icp_avro_writer_new(bad, strlen(bad), NULL, 0, NULL, &out, &w, &err),
		             ICP_ERR_INVALID);
	}
	CHECK_CONTAINS(err.msg, "unknown type \"nosuch\"");
	CHECK_CONTAINS(err.msg, "field \"a\" of \"r\"");
	CHECK(w == NULL);
	/* a datum not ended */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_writer_new("\"long\"", 6, NULL, 0, NULL, &out, &w, &err), ICP_OK);
	icp_avro_write_long(w, 5);
	CHECK_EQ_INT(icp_avro_writer_finish(w, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "not ended");
	icp_avro_writer_free(w);
	/* the output limit surfaces */
	icp_buf_dispose(&out);
	icp_buf_init(&out, 200);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_writer_new("\"string\"", 8, NULL, 0, NULL, &out, &w, &err), ICP_OK);
	{
		int i;
		for (i = 0; i < 100; i++) {
			icp_avro_write_cstr(w, "0123456789");
			icp_avro_end_datum(w);
		}
	}
	CHECK_EQ_INT(icp_avro_writer_finish(w, &err), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "output buffer");
	icp_avro_writer_free(w);
	icp_avro_writer_free(NULL);
	icp_avro_reader_free(NULL);
	icp_buf_dispose(&out);
}

/* Builds a file by hand around block bytes (codec null, SYNC). */
static void hand_file(icp_buf *f, const char *schema, int64_t count, const uint8_t *blk,
                      size_t blen)
{
	icp_buf_reset(f);
	icp_buf_append(f, "Obj\x01", 4);
	icp_avro_encode_long(f, 1);
	icp_avro_encode_long(f, 11);
	icp_buf_append(f, "avro.schema", 11);
	icp_avro_encode_long(f, (int64_t)strlen(schema));
	icp_buf_append_str(f, schema);
	icp_avro_encode_long(f, 0);
	icp_buf_append(f, SYNC, 16);
	icp_avro_encode_long(f, count);
	icp_avro_encode_long(f, (int64_t)blen);
	icp_buf_append(f, blk, blen);
	icp_buf_append(f, SYNC, 16);
}

static int read_one(const icp_buf *f, icp_arena *a, icp_json **d, icp_error *err)
{
	icp_avro_reader *r;
	int rc;

	icp_error_init(err);
	*d = NULL;
	rc = icp_avro_reader_open(icp_slice_make(f->data, f->len), NULL, &r, err);
	if (rc != ICP_OK)
		return rc;
	rc = icp_avro_reader_next(r, a, d, err);
	icp_avro_reader_free(r);
	return rc;
}

static void test_reader_cases(void)
{
	icp_arena *a = icp_arena_new(0);
	icp_buf f;
	icp_json *d;
	icp_error err;

	icp_buf_init(&f, ICP_BUF_UNLIMITED);
	/* an array in two blocks, the second with a negative count and size */
	{
		static const uint8_t blk[] = {0x04, 0x02, 0x04, 0x03, 0x04, 0x06, 0x08, 0x00};
		hand_file(&f, "{\"type\":\"array\",\"items\":\"int\"}", 1, blk, sizeof(blk));
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_OK);
		CHECK_EQ_INT(icp_json_len(d), 4);
		check_int(icp_json_at(d, 3), 4);
	}
	/* recursive schema: a linked list */
	{
		static const uint8_t blk[] = {0x02, 0x02, 0x04, 0x02, 0x06, 0x00};
		hand_file(&f, "{\"type\":\"record\",\"name\":\"n.L\",\"fields\":[{\"name\":\"v\",\"type\":\"long\"},"
		              "{\"name\":\"next\",\"type\":[\"null\",\"L\"]}]}", 1, blk, sizeof(blk));
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_OK);
		check_int(icp_json_get_path(d, "next.next.v"), 3);
		CHECK(icp_json_get_path(d, "next.next.next")->type == ICP_JSON_NULL);
	}
	/* a list deeper than the depth limit */
	{
		uint8_t blk[400];
		int k;
		for (k = 0; k < 100; k++) {
			blk[2 * k] = 0x02;
			blk[2 * k + 1] = 0x02;
		}
		blk[200] = 0x00;
		blk[201] = 0x00;
		hand_file(&f, "{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"v\",\"type\":\"long\"},"
		              "{\"name\":\"next\",\"type\":[\"null\",\"L\"]}]}", 1, blk, 202);
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_TOO_LARGE);
		CHECK_CONTAINS(err.msg, "depth");
	}
	/* hostile counts */
	{
		static const uint8_t blk[] = {0xfe, 0xff, 0xff, 0xff, 0x0f, 0x02};
		hand_file(&f, "{\"type\":\"array\",\"items\":\"long\"}", 1, blk, sizeof(blk));
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "item count larger than the bytes left");
		hand_file(&f, "{\"type\":\"array\",\"items\":\"null\"}", 1, blk, sizeof(blk));
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_CORRUPT);
		hand_file(&f, "\"long\"", 1000, blk, 2);
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "object count larger than the block");
	}
	/* bad values */
	{
		static const uint8_t b2[] = {0x02};
		static const uint8_t u9[] = {0x12};
		static const uint8_t i33[] = {0x80, 0x80, 0x80, 0x80, 0x10};
		static const uint8_t s9[] = {0x12, 'a'};
		hand_file(&f, "\"boolean\"", 1, b2, 1);
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_CORRUPT);
		hand_file(&f, "[\"null\",\"long\"]", 1, u9, 1);
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "union branch");
		hand_file(&f, "{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"A\"]}", 1, u9, 1);
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_CORRUPT);
		hand_file(&f, "\"int\"", 1, i33, sizeof(i33));
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "32-bit");
		hand_file(&f, "\"string\"", 1, s9, sizeof(s9));
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_CORRUPT);
		hand_file(&f, "\"long\"", 1, (const uint8_t *)"\x02\x02", 2);
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_OK);
		/* ... but the next call sees the leftover byte */
	}
	/* header problems */
	{
		icp_avro_reader *r;
		hand_file(&f, "\"long\"", 1, (const uint8_t *)"\x02", 1);
		f.data[0] = 'X';
		icp_error_init(&err);
		CHECK_EQ_INT(icp_avro_reader_open(icp_slice_make(f.data, f.len), NULL, &r, &err),
		             ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "magic");
		hand_file(&f, "\"long\"", 1, (const uint8_t *)"\x02", 1);
		f.data[f.len - 1] ^= 1; /* break the sync after the block */
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "sync marker");
		hand_file(&f, "\"nosuch\"", 1, (const uint8_t *)"\x02", 1);
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_CORRUPT);
		hand_file(&f, "[1,", 1, (const uint8_t *)"\x02", 1);
		CHECK_EQ_INT(read_one(&f, a, &d, &err), ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "avro.schema");
	}
	/* unsupported codec */
	{
		icp_avro_reader *r;
		icp_buf_reset(&f);
		icp_buf_append(&f, "Obj\x01", 4);
		icp_avro_encode_long(&f, 2);
		icp_avro_encode_long(&f, 11);
		icp_buf_append(&f, "avro.schema", 11);
		icp_avro_encode_long(&f, 6);
		icp_buf_append(&f, "\"long\"", 6);
		icp_avro_encode_long(&f, 10);
		icp_buf_append(&f, "avro.codec", 10);
		icp_avro_encode_long(&f, 6);
		icp_buf_append(&f, "snappy", 6);
		icp_avro_encode_long(&f, 0);
		icp_buf_append(&f, SYNC, 16);
		icp_error_init(&err);
		CHECK_EQ_INT(icp_avro_reader_open(icp_slice_make(f.data, f.len), NULL, &r, &err),
		             ICP_ERR_UNSUPPORTED);
		CHECK_CONTAINS(err.msg, "snappy");
	}
	icp_buf_dispose(&f);
	icp_arena_free(a);
}

/* Every truncation and many single-byte corruptions of a real file fail
 * cleanly (or, for corruptions, may still decode): never crash. */
static void test_hostile(void)
{
	icp_buf f;
	icp_error err;
	icp_arena *a = icp_arena_new(0);
	size_t cut, pos;
	int codec;

	for (codec = 0; codec < 2; codec++) {
		icp_buf_init(&f, ICP_BUF_UNLIMITED);
		icp_error_init(&err);
		CHECK_EQ_INT(sample_write(&f, (icp_avro_codec)codec, 12, 300, SYNC, &err), ICP_OK);
		for (cut = 0; cut < f.len; cut++) {
			icp_avro_reader *r;
			icp_json *d;
			int rc, n = 0;
			icp_error_init(&err);
			rc = icp_avro_reader_open(icp_slice_make(f.data, cut), NULL, &r, &err);
			if (rc == ICP_OK) {
				while ((rc = icp_avro_reader_next(r, a, &d, &err)) == ICP_OK)
					n++;
				icp_avro_reader_free(r);
			}
			/* a cut right after a block is a valid shorter file */
			CHECK(rc != ICP_OK);
			CHECK(rc == ICP_END || err.msg[0] != 0);
			CHECK(n < 12);
			icp_arena_reset(a);
		}
		for (pos = 0; pos < f.len; pos += 3) {
			icp_avro_reader *r;
			icp_json *d;
			uint8_t saved = f.data[pos];
			f.data[pos] ^= 0x5a;
			icp_error_init(&err);
			if (icp_avro_reader_open(icp_slice_make(f.data, f.len), NULL, &r, &err) == ICP_OK) {
				while (icp_avro_reader_next(r, a, &d, &err) == ICP_OK)
					;
				icp_avro_reader_free(r);
			}
			f.data[pos] = saved;
			icp_arena_reset(a);
		}
		icp_buf_dispose(&f);
	}
	icp_arena_free(a);
}

int main(void)
{
	TEST_RUN(test_zigzag);
	TEST_RUN(test_layout);
	TEST_RUN(test_roundtrip);
	TEST_RUN(test_writer_errors);
	TEST_RUN(test_reader_cases);
	TEST_RUN(test_hostile);
	return TEST_DONE();
}
