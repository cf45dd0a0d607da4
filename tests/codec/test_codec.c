/* Codecs: round trips for every framing, the decompression cap (bombs),
 * corrupt payloads, xerial framing and concatenated frames. */
#include "codec/codec.h"
#include "test.h"

#include <snappy-c.h>

static uint8_t *make_data(size_t n)
{
	uint8_t *p = icp_malloc(n);
	size_t i;
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)("orders-json-"[i % 12] + (i / 997) % 3);
	return p;
}

static void test_roundtrip(void)
{
	static const icp_codec_id ids[] = {ICP_CODEC_NONE, ICP_CODEC_GZIP, ICP_CODEC_SNAPPY,
	                                   ICP_CODEC_SNAPPY_KAFKA, ICP_CODEC_LZ4_FRAME,
	                                   ICP_CODEC_LZ4_RAW, ICP_CODEC_ZSTD};
	size_t sizes[] = {0, 1, 100, 70000, 3u << 20};
	icp_codec_ctx *ctx = icp_codec_ctx_new();
	size_t i, j;

	for (i = 0; i < ICP_ARRAY_LEN(ids); i++) {
		for (j = 0; j < ICP_ARRAY_LEN(sizes); j++) {
			uint8_t *data = make_data(sizes[j] ? sizes[j] : 1);
			icp_buf c, d;
			icp_error err;
			icp_error_init(&err);
			icp_buf_init(&c, 0);
			icp_buf_init(&d, 8u << 20);
			CHECK_EQ_INT(icp_codec_compress(ctx, ids[i], 0, icp_slice_make(data, sizes[j]),
			                                &c, &err), ICP_OK);
			if (ids[i] == ICP_CODEC_LZ4_RAW && sizes[j] == 0) {
				/* LZ4_RAW needs a non-zero size hint; nothing to check */
			} else {
				CHECK_EQ_INT(icp_codec_decompress(ctx, ids[i], icp_slice_make(c.data, c.len),
				                                  sizes[j], &d, &err), ICP_OK);
				CHECK_EQ_INT(d.len, sizes[j]);
				CHECK(sizes[j] == 0 || memcmp(d.data, data, sizes[j]) == 0);
			}
			if (err.status)
				fprintf(stderr, "%s/%zu: %s\n", icp_codec_name(ids[i]), sizes[j], err.msg);
			icp_buf_dispose(&c);
			icp_buf_dispose(&d);
			icp_free(data);
		}
	}
	icp_codec_ctx_free(ctx);
}

/* 64 MiB of zeros compresses to a few KiB; the cap must stop it early. */
static void test_bomb(void)
{
	static const icp_codec_id ids[] = {ICP_CODEC_GZIP, ICP_CODEC_SNAPPY_KAFKA,
	                                   ICP_CODEC_LZ4_FRAME, ICP_CODEC_ZSTD};
	size_t n = 64u << 20, i;
	uint8_t *zeros = icp_calloc(1, n);
	icp_codec_ctx *ctx = icp_codec_ctx_new();

	for (i = 0; i < ICP_ARRAY_LEN(ids); i++) {
		icp_buf c, d;
		icp_error err;
		icp_error_init(&err);
		icp_buf_init(&c, 0);
		icp_buf_init(&d, 1u << 20);
		CHECK_EQ_INT(icp_codec_compress(ctx, ids[i], 0, icp_slice_make(zeros, n), &c, &err),
		             ICP_OK);
		CHECK_EQ_INT(icp_codec_decompress(ctx, ids[i], icp_slice_make(c.data, c.len), 0, &d,
		                                  &err),
		             ICP_ERR_TOO_LARGE);
		CHECK_CONTAINS(err.msg, "limit");
		CHECK(d.cap <= (1u << 20) + 1);
		icp_buf_dispose(&c);
		icp_buf_dispose(&d);
	}
	icp_codec_ctx_free(ctx);
	icp_free(zeros);
}

static void test_corrupt(void)
{
	static const icp_codec_id ids[] = {ICP_CODEC_GZIP, ICP_CODEC_SNAPPY_KAFKA,
	                                   ICP_CODEC_LZ4_FRAME, ICP_CODEC_ZSTD};
	icp_codec_ctx *ctx = icp_codec_ctx_new();
	uint8_t *data = make_data(50000);
	size_t i;

	for (i = 0; i < ICP_ARRAY_LEN(ids); i++) {
		icp_buf c, d;
		icp_error err;
		size_t cut;
		icp_error_init(&err);
		icp_buf_init(&c, 0);
		icp_buf_init(&d, 1u << 20);
		icp_codec_compress(ctx, ids[i], 0, icp_slice_make(data, 50000), &c, &err);
		/* truncated payload */
		cut = c.len / 2;
		CHECK_EQ_INT(icp_codec_decompress(ctx, ids[i], icp_slice_make(c.data, cut), 0, &d,
		                                  &err),
		             ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, icp_codec_name(ids[i]));
		/* garbage */
		icp_error_init(&err);
		icp_buf_reset(&d);
		memset(c.data, 0x5a, c.len);
		CHECK(icp_codec_decompress(ctx, ids[i], icp_slice_make(c.data, c.len), 0, &d, &err) !=
		      ICP_OK);
		CHECK(err.status != ICP_OK);
		/* the context is reusable after a failure */
		icp_error_init(&err);
		icp_buf_reset(&c);
		icp_buf_reset(&d);
		icp_codec_compress(ctx, ids[i], 0, icp_slice_make(data, 1000), &c, &err);
		CHECK_EQ_INT(icp_codec_decompress(ctx, ids[i], icp_slice_make(c.data, c.len), 0, &d,
		                                  &err),
		             ICP_OK);
		CHECK_EQ_INT(d.len, 1000);
		icp_buf_dispose(&c);
		icp_buf_dispose(&d);
	}
	icp_free(data);
	icp_codec_ctx_free(ctx);
}

/* Java client framing: magic, two versions, [len][raw block]... */
static void test_xerial(void)
{
	static const uint8_t magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
	uint8_t *data = make_data(100000);
	icp_buf x, d;
	icp_error err;
	size_t off;
	icp_codec_ctx *ctx = icp_codec_ctx_new();

	icp_error_init(&err);
	icp_buf_init(&x, 0);
	icp_buf_init(&d, 1u << 20);
	icp_buf_append(&x, magic, 8);
	icp_buf_append(&x, "\0\0\0\1\0\0\0\1", 8);
	for (off = 0; off < 100000; off += 32768) {
		size_t n = 100000 - off < 32768 ? 100000 - off : 32768;
		size_t clen = snappy_max_compressed_length(n);
		uint8_t *tmp = icp_malloc(clen);
		uint8_t be[4];
		snappy_compress((const char *)data + off, n, (char *)tmp, &clen);
		icp_store_be32(be, (uint32_t)clen);
		icp_buf_append(&x, be, 4);
		icp_buf_append(&x, tmp, clen);
		icp_free(tmp);
	}
	CHECK_EQ_INT(icp_codec_decompress(ctx, ICP_CODEC_SNAPPY_KAFKA,
	                                  icp_slice_make(x.data, x.len), 0, &d, &err),
	             ICP_OK);
	CHECK_EQ_INT(d.len, 100000);
	CHECK(memcmp(d.data, data, 100000) == 0);
	/* block length past the end */
	icp_buf_reset(&d);
	icp_error_init(&err);
	icp_store_be32(x.data + 16, 0x7fffffff);
	CHECK_EQ_INT(icp_codec_decompress(ctx, ICP_CODEC_SNAPPY_KAFKA,
	                                  icp_slice_make(x.data, x.len), 0, &d, &err),
	             ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "xerial");
	icp_buf_dispose(&x);
	icp_buf_dispose(&d);
	icp_free(data);
	icp_codec_ctx_free(ctx);
}

/* Two zstd/lz4/gzip frames back to back decode to the concatenation. */
static void test_concatenated(void)
{
	static const icp_codec_id ids[] = {ICP_CODEC_GZIP, ICP_CODEC_LZ4_FRAME, ICP_CODEC_ZSTD};
	icp_codec_ctx *ctx = icp_codec_ctx_new();
	size_t i;
	for (i = 0; i < ICP_ARRAY_LEN(ids); i++) {
		icp_buf c, d;
		icp_error err;
		icp_error_init(&err);
		icp_buf_init(&c, 0);
		icp_buf_init(&d, 0);
		icp_codec_compress(ctx, ids[i], 0, icp_slice_cstr("hello "), &c, &err);
		icp_codec_compress(ctx, ids[i], 0, icp_slice_cstr("world"), &c, &err);
		CHECK_EQ_INT(icp_codec_decompress(ctx, ids[i], icp_slice_make(c.data, c.len), 0, &d,
		                                  &err),
		             ICP_OK);
		CHECK_EQ_STR((char *)d.data, "hello world");
		icp_buf_dispose(&c);
		icp_buf_dispose(&d);
	}
	icp_codec_ctx_free(ctx);
}

static void test_names(void)
{
	icp_codec_id id;
	CHECK_EQ_INT(icp_codec_parse("ZSTD", &id), ICP_OK);
	CHECK_EQ_INT(id, ICP_CODEC_ZSTD);
	CHECK_EQ_INT(icp_codec_parse("brotli", &id), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_codec_from_kafka(2, &id), ICP_OK);
	CHECK_EQ_INT(id, ICP_CODEC_SNAPPY_KAFKA);
	CHECK_EQ_INT(icp_codec_from_kafka(5, &id), ICP_ERR_UNSUPPORTED);
}

int main(void)
{
	TEST_RUN(test_roundtrip);
	TEST_RUN(test_bomb);
	TEST_RUN(test_corrupt);
	TEST_RUN(test_xerial);
	TEST_RUN(test_concatenated);
	TEST_RUN(test_names);
	return TEST_DONE();
}
