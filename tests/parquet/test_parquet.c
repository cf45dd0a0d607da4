/*
 * Unit tests of the parquet module's building blocks: the Thrift compact
 * encoder (byte-exact), the RLE/bit-packed hybrid (decoded back by a small
 * reference decoder here), statistics order, Iceberg bound serialization
 * (truncation and round-up edge cases), schema validation, and a whole
 * file written to memory and checked structurally (magic, footer length,
 * metrics). Interop with real readers is tests/parquet/it_interop.sh.
 */
#include "parquet/parquet_int.h"
#include "test.h"

#include <math.h>

static int hex_eq(const icp_buf *b, const char *hex)
{
	size_t i, n = strlen(hex) / 2;
	if (b->len != n)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1 || b->data[i] != v)
			return 0;
	}
	return 1;
}

static void test_thrift(void)
{
	icp_buf b;
	pq_thrift t;
	icp_buf_init(&b, 1024);
	pq_tw_init(&t, &b);
	pq_tw_i32(&t, 1, 2);         /* delta 1, i32: 0x15, zigzag(2)=4 */
	pq_tw_i64(&t, 3, -1);        /* delta 2, i64: 0x26, zigzag(-1)=1 */
	pq_tw_string(&t, 20, "ab");  /* delta 17: long form 0x08, zigzag(20)=40 */
	pq_tw_bool(&t, 21, 1);       /* 0x11 */
	pq_tw_bool(&t, 22, 0);       /* 0x12 */
	pq_tw_struct_begin(&t, 23);  /* 0x1c */
	pq_tw_i32(&t, 1, 300);       /* 0x15, zigzag 600 = 0xd8 0x04 */
	pq_tw_struct_end(&t);        /* 0x00 */
	pq_tw_list_begin(&t, 24, TC_I32, 2); /* 0x19, 0x25 */
	pq_tw_elem_i32(&t, 1);
	pq_tw_elem_i32(&t, -2);
	pq_tw_end(&t);
	CHECK(hex_eq(&b, "1504260108280261621112" "1c15d80400" "19250203" "00"));

	/* long lists and bool elements */
	icp_buf_reset(&b);
	pq_tw_init(&t, &b);
	pq_tw_list_begin(&t, 1, TC_TRUE, 20);
	CHECK(hex_eq(&b, "19f114"));
	pq_tw_elem_bool(&t, 1);
	pq_tw_elem_bool(&t, 0);
	CHECK(b.len == 5 && b.data[3] == 1 && b.data[4] == 2);
	icp_buf_dispose(&b);
}

/* Reference decoder for the hybrid encoding. */
static size_t rle_decode(const uint8_t *p, size_t n, int width, uint32_t *out, size_t max)
{
	size_t pos = 0, k = 0;
	while (pos < n && k < max) {
		uint64_t h = 0;
		int shift = 0;
		while (pos < n) {
			uint8_t c = p[pos++];
			h |= (uint64_t)(c & 0x7f) << shift;
			shift += 7;
			if (!(c & 0x80))
				break;
		}
		if (h & 1) {
			size_t cnt = (size_t)(h >> 1) * 8, i;
			uint64_t acc = 0;
			int bits = 0;
			for (i = 0; i < cnt; i++) {
				while (bits < width) {
					acc |= (uint64_t)p[pos++] << bits;
					bits += 8;
				}
				if (k < max)
					out[k++] = (uint32_t)(acc & ((1ull << width) - 1));
				acc >>= width;
				bits -= width;
			}
		} else {
			size_t cnt = (size_t)(h >> 1), i;
			uint32_t v = 0;
			int nb = (width + 7) / 8, j;
			for (j = 0; j < nb; j++)
				v |= (uint32_t)p[pos++] << (8 * j);
			for (i = 0; i < cnt && k < max; i++)
				out[k++] = v;
		}
	}
	return k;
}

static void test_rle(void)
{
	static uint32_t in[5000], out[5100];
	uint64_t seed = 1;
	int width, pattern;
	for (width = 1; width <= 20; width += 3) {
		for (pattern = 0; pattern < 4; pattern++) {
			icp_buf b;
			pq_rle r;
			size_t n = 1000 + (size_t)pattern * 997, i, got;
			uint32_t mask = (uint32_t)((1ull << width) - 1);
			for (i = 0; i < n; i++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				switch (pattern) {
				case 0: in[i] = (uint32_t)(seed >> 33) & mask; break;
				case 1: in[i] = (uint32_t)(i / 37) & mask; break;   /* runs */
				case 2: in[i] = (i % 100 < 50) ? mask : 0; break;
				default: in[i] = (seed >> 60) < 3 ? (uint32_t)(seed >> 40) & mask : 1; break;
				}
			}
			icp_buf_init(&b, ICP_BUF_UNLIMITED);
			pq_rle_init(&r, &b, width);
			for (i = 0; i < n;) {
				/* mix single puts and run puts */
				size_t j = i + 1;
				while (j < n && in[j] == in[i])
					j++;
				if (j - i > 3 && (i & 1))
					pq_rle_put_run(&r, in[i], j - i), i = j;
				else
					pq_rle_put(&r, in[i++]);
			}
			pq_rle_finish(&r);
			CHECK(b.status == ICP_OK);
			got = rle_decode(b.data, b.len, width, out, n);
			CHECK_EQ_INT(got, n);
			CHECK(memcmp(in, out, n * sizeof(uint32_t)) == 0);
			if (pattern == 1)
				CHECK(b.len < n); /* runs compress */
			icp_buf_dispose(&b);
		}
	}
	CHECK_EQ_INT(pq_bit_width(0), 0);
	CHECK_EQ_INT(pq_bit_width(1), 1);
	CHECK_EQ_INT(pq_bit_width(255), 8);
	CHECK_EQ_INT(pq_bit_width(256), 9);
}

static void test_compare(void)
{
	uint8_t a[4], b[4];
	int32_t x = -5, y = 3;
	float f = -1.0f, g = 2.0f;
	uint8_t s1[] = {0x7f}, s2[] = {0x80};
	memcpy(a, &x, 4);
	memcpy(b, &y, 4);
	CHECK(pq_compare(PQ_ORD_I32, a, 4, b, 4) < 0);
	memcpy(a, &f, 4);
	memcpy(b, &g, 4);
	CHECK(pq_compare(PQ_ORD_FLOAT, a, 4, b, 4) < 0);
	/* Unsigned bytes: 0x80 > 0x7f; signed (decimal): 0x80 is negative. */
	CHECK(pq_compare(PQ_ORD_UBYTES, s2, 1, s1, 1) > 0);
	CHECK(pq_compare(PQ_ORD_SBYTES, s2, 1, s1, 1) < 0);
	CHECK(pq_compare(PQ_ORD_UBYTES, (const uint8_t *)"ab", 2, (const uint8_t *)"abc", 3) < 0);
	CHECK(pq_compare(PQ_ORD_UBYTES, (const uint8_t *)"", 0, (const uint8_t *)"a", 1) < 0);
}

static const char *bound(int (*fn)(icp_slice, size_t, icp_buf *), const char *s, size_t n,
                         char *out, size_t cap)
{
	icp_buf b;
	int rc;
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	rc = fn(icp_slice_cstr(s), n, &b);
	if (rc == ICP_END) {
		icp_buf_dispose(&b);
		return "<none>";
	}
	snprintf(out, cap, "%.*s", (int)b.len, b.len ? (const char *)b.data : "");
	icp_buf_dispose(&b);
	return out;
}

static void test_iceberg_bounds(void)
{
	char o[256];
	/* Shorter than the limit: unchanged both ways. */
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_lower, "abc", 16, o, sizeof(o)), "abc");
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_upper, "abc", 16, o, sizeof(o)), "abc");
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_upper, "", 16, o, sizeof(o)), "");
	/* Exactly the limit: unchanged. */
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_upper, "abcd", 4, o, sizeof(o)), "abcd");
	/* Truncated: prefix, and prefix with the last code point + 1. */
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_lower, "abcdef", 3, o, sizeof(o)), "abc");
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_upper, "abcdef", 3, o, sizeof(o)), "abd");
	/* Code points, not bytes. */
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_lower, "héllo", 2, o, sizeof(o)), "hé");
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_upper, "héllo", 2, o, sizeof(o)), "hê");
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_upper, "a😀xyz", 2, o, sizeof(o)), "a😁");
	/* The maximum code point cannot grow: carry to the previous one. */
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_upper, "a\xf4\x8f\xbf\xbfzz", 2, o,
	                   sizeof(o)), "b");
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_upper,
	                   "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf-", 2, o, sizeof(o)), "<none>");
	/* U+D7FF + 1 is a surrogate: jump to U+E000. */
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_string_upper, "\xed\x9f\xbfzz", 1, o,
	                   sizeof(o)), "\xee\x80\x80");
	/* Binary: bytes; trailing 0xFF dropped before the increment. */
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_binary_lower, "abcdef", 4, o, sizeof(o)), "abcd");
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_binary_upper, "abcdef", 4, o, sizeof(o)), "abce");
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_binary_upper, "ab\xff\xff" "c", 4, o,
	                   sizeof(o)), "ac");
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_binary_upper, "\xff\xff\xff", 2, o,
	                   sizeof(o)), "<none>");
	CHECK_EQ_STR(bound(icp_parquet_iceberg_truncate_binary_upper, "ab", 2, o, sizeof(o)), "ab");

	/* Decimal: minimal two's complement. */
	{
		icp_buf b;
		static const uint8_t d1[] = {0x00, 0x00, 0x00, 0x7f}, d2[] = {0xff, 0xff, 0xff, 0x80},
		                     d3[] = {0x00, 0x00, 0x00, 0x80}, d4[] = {0xff, 0xff, 0x7f, 0x00},
		                     d0[] = {0, 0, 0, 0};
		icp_buf_init(&b, 64);
		icp_parquet_iceberg_decimal(d1, 4, &b);
		CHECK(hex_eq(&b, "7f"));
		icp_buf_reset(&b);
		icp_parquet_iceberg_decimal(d2, 4, &b);
		CHECK(hex_eq(&b, "80"));
		icp_buf_reset(&b);
		icp_parquet_iceberg_decimal(d3, 4, &b);
		CHECK(hex_eq(&b, "0080"));
		icp_buf_reset(&b);
		icp_parquet_iceberg_decimal(d4, 4, &b);
		CHECK(hex_eq(&b, "ff7f00"));
		icp_buf_reset(&b);
		icp_parquet_iceberg_decimal(d0, 4, &b);
		CHECK(hex_eq(&b, "00"));
		icp_buf_dispose(&b);
	}
	CHECK_EQ_INT(icp_parquet_decimal_bytes(1), 1);
	CHECK_EQ_INT(icp_parquet_decimal_bytes(2), 1);
	CHECK_EQ_INT(icp_parquet_decimal_bytes(3), 2);
	CHECK_EQ_INT(icp_parquet_decimal_bytes(9), 4);
	CHECK_EQ_INT(icp_parquet_decimal_bytes(18), 8);
	CHECK_EQ_INT(icp_parquet_decimal_bytes(19), 9);
	CHECK_EQ_INT(icp_parquet_decimal_bytes(38), 16);
}

static void test_schema_errors(void)
{
	icp_parquet_field f[3];
	icp_parquet_writer *w = NULL;
	icp_parquet_sink sink;
	icp_buf out;
	icp_error err;

	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	icp_parquet_buf_sink(&out, &sink);
	f[0] = icp_parquet_field_make("a", 0, ICP_PARQUET_INT, 1);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_parquet_writer_new(f, 1, NULL, sink, &w, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "field id");
	f[0] = icp_parquet_field_make("m", 1, ICP_PARQUET_MAP, 0);
	f[1] = icp_parquet_field_make("k", 2, ICP_PARQUET_STRING, 0);
	f[1].parent = 0;
	f[2] = icp_parquet_field_make("v", 3, ICP_PARQUET_INT, 0);
	f[2].parent = 0;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_parquet_writer_new(f, 3, NULL, sink, &w, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "key must be required");
	f[0] = icp_parquet_field_make("d", 1, ICP_PARQUET_DECIMAL, 0);
	f[0].precision = 39;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_parquet_writer_new(f, 1, NULL, sink, &w, &err), ICP_ERR_INVALID);
	f[0] = icp_parquet_field_make("x", 1, ICP_PARQUET_INT, 1);
	f[0].codec = ICP_CODEC_LZ4_FRAME;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_parquet_writer_new(f, 1, NULL, sink, &w, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "no Parquet equivalent");
	CHECK(w == NULL);
	icp_buf_dispose(&out);
}

static void test_write_memory(void)
{
	icp_parquet_field f[4];
	icp_parquet_options o;
	icp_parquet_writer *w = NULL;
	icp_parquet_sink sink;
	icp_parquet_file_metrics m;
	icp_buf out;
	icp_error err;
	int32_t ids[1000];
	double d[1000];
	icp_slice s[1000];
	uint8_t valid[1000];
	size_t i, nd = 0, ns = 0;
	icp_parquet_batch b;
	uint32_t flen;

	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	icp_parquet_buf_sink(&out, &sink);
	icp_parquet_options_init(&o);
	o.row_group_size = 4096; /* several row groups */
	f[0] = icp_parquet_field_make("id", 1, ICP_PARQUET_INT, 1);
	f[1] = icp_parquet_field_make("x", 2, ICP_PARQUET_DOUBLE, 0);
	f[2] = icp_parquet_field_make("s", 3, ICP_PARQUET_STRING, 0);
	f[3] = icp_parquet_field_make("t", 4, ICP_PARQUET_TIMESTAMPTZ, 1);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_parquet_writer_new(f, 4, &o, sink, &w, &err), ICP_OK);
	if (!w)
		return;
	CHECK_EQ_INT(icp_parquet_writer_leaf_count(w), 4);
	CHECK_EQ_INT(icp_parquet_writer_leaf(w, 3), 2);
	for (i = 0; i < 1000; i++) {
		ids[i] = (int32_t)i - 500;
		valid[i] = i % 3 != 0;
		if (valid[i])
			d[nd++] = i == 10 ? NAN : (double)i / 4;
		if (i % 5)
			s[ns++] = icp_slice_cstr(i % 2 ? "topic-a" : "topic-b");
	}
	for (i = 0; i < 1000; i += 100) {
		int64_t ts[100];
		size_t k, dv = 0, sv = 0, j;
		uint8_t sval[100];
		for (k = 0; k < i; k++) {
			dv += valid[k];
			sv += (k % 5) != 0;
		}
		for (j = 0; j < 100; j++) {
			ts[j] = (int64_t)(i + j) * 1000;
			sval[j] = ((i + j) % 5) != 0;
		}
		memset(&b, 0, sizeof(b));
		b.n = 100;
		b.fixed = ids + i;
		CHECK_EQ_INT(icp_parquet_writer_write(w, 0, &b, &err), ICP_OK);
		b.valid = valid + i;
		b.fixed = d + dv;
		CHECK_EQ_INT(icp_parquet_writer_write(w, 1, &b, &err), ICP_OK);
		b.valid = sval;
		b.fixed = NULL;
		b.bytes = s + sv;
		CHECK_EQ_INT(icp_parquet_writer_write(w, 2, &b, &err), ICP_OK);
		b.valid = NULL;
		b.bytes = NULL;
		b.fixed = ts;
		CHECK_EQ_INT(icp_parquet_writer_write(w, 3, &b, &err), ICP_OK);
		CHECK_EQ_INT(icp_parquet_writer_end_rows(w, &err), ICP_OK);
	}
	CHECK_EQ_INT(icp_parquet_writer_add_kv(w, "k", "v", &err), ICP_OK);
	CHECK_EQ_INT(icp_parquet_writer_close(w, &m, &err), ICP_OK);
	CHECK_EQ_INT(m.record_count, 1000);
	CHECK_EQ_INT(m.file_size, out.len);
	CHECK(m.n_splits >= 1);
	CHECK(out.len > 12 && memcmp(out.data, "PAR1", 4) == 0 &&
	      memcmp(out.data + out.len - 4, "PAR1", 4) == 0);
	flen = icp_load_le32(out.data + out.len - 8);
	CHECK(flen < out.len);
	CHECK_EQ_INT(m.split_offsets[0], 4);
	CHECK_EQ_INT(m.n_fields, 4);
	CHECK_EQ_INT(m.fields[0].value_count, 1000);
	CHECK_EQ_INT(m.fields[0].null_count, 0);
	CHECK(m.fields[0].lower_len == 4 && (int32_t)icp_load_le32(m.fields[0].lower) == -500);
	CHECK(m.fields[0].upper_len == 4 && (int32_t)icp_load_le32(m.fields[0].upper) == 499);
	CHECK_EQ_INT(m.fields[1].null_count, 334);
	CHECK_EQ_INT(m.fields[1].nan_count, 1);
	CHECK(m.fields[1].has_nan_count);
	CHECK_EQ_INT(m.fields[2].null_count, 200);
	CHECK(m.fields[2].lower_len == 7 && memcmp(m.fields[2].lower, "topic-a", 7) == 0);
	CHECK(m.fields[2].upper_len == 7 && memcmp(m.fields[2].upper, "topic-b", 7) == 0);
	CHECK(!m.fields[3].has_nan_count);
	/* Writing after close fails. */
	CHECK_EQ_INT(icp_parquet_writer_end_rows(w, &err), ICP_ERR_INVALID);
	icp_parquet_file_metrics_dispose(&m);
	icp_parquet_writer_free(w);
	icp_buf_dispose(&out);
}

static void test_bad_batches(void)
{
	icp_parquet_field f[3];
	icp_parquet_writer *w = NULL;
	icp_parquet_sink sink;
	icp_buf out;
	icp_error err;
	icp_parquet_batch b;
	int16_t def[2] = {3, 0}, rep[2] = {1, 0};
	int32_t v[2] = {1, 2};

	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	icp_parquet_buf_sink(&out, &sink);
	f[0] = icp_parquet_field_make("l", 1, ICP_PARQUET_LIST, 0);
	f[1] = icp_parquet_field_make("e", 2, ICP_PARQUET_INT, 0);
	f[1].parent = 0;
	f[2] = icp_parquet_field_make("i", 3, ICP_PARQUET_INT, 1);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_parquet_writer_new(f, 3, NULL, sink, &w, &err), ICP_OK);
	if (!w)
		return;
	memset(&b, 0, sizeof(b));
	b.n = 2;
	b.def = def;
	b.fixed = v;
	CHECK_EQ_INT(icp_parquet_writer_write(w, 0, &b, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "repetition levels");
	icp_parquet_writer_free(w);

	icp_error_init(&err);
	CHECK_EQ_INT(icp_parquet_writer_new(f, 3, NULL, sink, &w, &err), ICP_OK);
	b.rep = rep;
	CHECK_EQ_INT(icp_parquet_writer_write(w, 0, &b, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "start a row");
	icp_parquet_writer_free(w);

	icp_error_init(&err);
	CHECK_EQ_INT(icp_parquet_writer_new(f, 3, NULL, sink, &w, &err), ICP_OK);
	rep[0] = 0;
	def[0] = 4;
	CHECK_EQ_INT(icp_parquet_writer_write(w, 0, &b, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "levels");
	icp_parquet_writer_free(w);

	/* Row counts that disagree. */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_parquet_writer_new(f, 3, NULL, sink, &w, &err), ICP_OK);
	memset(&b, 0, sizeof(b));
	b.n = 2;
	b.fixed = v;
	CHECK_EQ_INT(icp_parquet_writer_write(w, 1, &b, &err), ICP_OK);
	CHECK_EQ_INT(icp_parquet_writer_end_rows(w, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "row count");
	icp_parquet_writer_free(w);
	icp_buf_dispose(&out);
}

static void test_alloc_failures(void)
{
	/* Fail each allocation in turn: no crash, no leak (ASan), clean error. */
	long n;
	for (n = 1; n < 200; n++) {
		icp_parquet_field f[2];
		icp_parquet_writer *w = NULL;
		icp_parquet_sink sink;
		icp_buf out;
		icp_error err;
		icp_parquet_batch b;
		icp_slice s[3] = {icp_slice_cstr("a"), icp_slice_cstr("bb"), icp_slice_cstr("a")};
		int64_t v[3] = {1, 2, 3};
		int rc;
		icp_parquet_file_metrics m;

		icp_buf_init(&out, ICP_BUF_UNLIMITED);
		icp_parquet_buf_sink(&out, &sink);
		f[0] = icp_parquet_field_make("a", 1, ICP_PARQUET_STRING, 1);
		f[1] = icp_parquet_field_make("b", 2, ICP_PARQUET_LONG, 0);
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		rc = icp_parquet_writer_new(f, 2, NULL, sink, &w, &err);
		if (rc == ICP_OK) {
			memset(&b, 0, sizeof(b));
			b.n = 3;
			b.bytes = s;
			rc = icp_parquet_writer_write(w, 0, &b, &err);
			b.bytes = NULL;
			b.fixed = v;
			if (rc == ICP_OK)
				rc = icp_parquet_writer_write(w, 1, &b, &err);
			if (rc == ICP_OK)
				rc = icp_parquet_writer_end_rows(w, &err);
			if (rc == ICP_OK) {
				rc = icp_parquet_writer_close(w, &m, &err);
				if (rc == ICP_OK)
					icp_parquet_file_metrics_dispose(&m);
			}
		}
		icp_alloc_fail_after(0);
		CHECK(rc == ICP_OK || err.status != ICP_OK);
		icp_parquet_writer_free(w);
		icp_buf_dispose(&out);
	}
}

int main(void)
{
	TEST_RUN(test_thrift);
	TEST_RUN(test_rle);
	TEST_RUN(test_compare);
	TEST_RUN(test_iceberg_bounds);
	TEST_RUN(test_schema_errors);
	TEST_RUN(test_write_memory);
	TEST_RUN(test_bad_batches);
	TEST_RUN(test_alloc_failures);
	return TEST_DONE();
}
