/*
 * Decode benchmark (not a test). Modes:
 *   bench_decode decode ITERS FILE...   full reader: CRCs, decompression,
 *                                       record parsing (what production does)
 *   bench_decode bare ITERS FILE...     the bare codec: decompress each
 *                                       batch payload only, no CRC, no parse
 *   bench_decode extract FILE OUT       write the batch payloads back to back
 *                                       (a stream the codec's CLI can read)
 * Prints one line: "<mode> records=N bytes=N seconds=S" where bytes are the
 * segment bytes read per iteration and seconds the best iteration.
 * Files are read into memory first so the page cache and disk are out of
 * the measurement for both sides.
 */
#include "codec/codec.h"
#include "core/core.h"
#include "segment/segment.h"

#include <stdio.h>
#include <stdlib.h>

static int load(const char *path, icp_buf *b)
{
	FILE *f = fopen(path, "rb");
	uint8_t tmp[1 << 16];
	size_t n;
	if (!f)
		return -1;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		icp_buf_append(b, tmp, n);
	fclose(f);
	return b->status;
}

static int decode_one(const icp_buf *seg, long long *records)
{
	icp_segment_mem m;
	icp_segment_source src;
	icp_segment_reader *r;
	icp_batch b;
	icp_error err;
	int rc;

	icp_error_init(&err);
	icp_segment_mem_source(&m, icp_slice_make(seg->data, seg->len), 0, "bench", &src);
	if (icp_segment_reader_new(&src, NULL, &r, &err) != ICP_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	while ((rc = icp_segment_reader_next(r, &b, &err)) == ICP_OK)
		*records += (long long)b.n_records;
	icp_segment_reader_free(r);
	if (rc != ICP_END) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

/* Walks batches without the reader: for the bare codec and extraction. */
typedef int (*payload_fn)(void *ctx, int codec, icp_slice payload);

static int each_payload(const icp_buf *seg, payload_fn fn, void *ctx)
{
	size_t pos = ICP_SEGMENT_HEADER_SIZE, end = seg->len - ICP_SEGMENT_FOOTER_SIZE;
	while (pos + ICP_BATCH_HEADER_SIZE <= end) {
		uint32_t blen = icp_load_be32(seg->data + pos + 8);
		int codec = icp_load_be16(seg->data + pos + 21) & 7;
		if (fn(ctx, codec, icp_slice_make(seg->data + pos + ICP_BATCH_HEADER_SIZE,
		                                  blen + 12 - ICP_BATCH_HEADER_SIZE)))
			return -1;
		pos += 12 + blen;
	}
	return 0;
}

typedef struct bare_ctx {
	icp_codec_ctx *codec;
	icp_buf out;
	long long bytes;
} bare_ctx;

static int bare_fn(void *p, int codec, icp_slice payload)
{
	bare_ctx *c = p;
	icp_codec_id id;
	icp_error err;
	icp_error_init(&err);
	if (codec == 0) {
		c->bytes += (long long)payload.len;
		return 0;
	}
	icp_codec_from_kafka(codec, &id);
	icp_buf_reset(&c->out);
	if (icp_codec_decompress(c->codec, id, payload, 0, &c->out, &err) != ICP_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	c->bytes += (long long)c->out.len;
	return 0;
}

static int extract_fn(void *p, int codec, icp_slice payload)
{
	ICP_UNUSED(codec);
	return fwrite(payload.ptr, 1, payload.len, (FILE *)p) == payload.len ? 0 : -1;
}

int main(int argc, char **argv)
{
	icp_buf *segs;
	int nfiles, i, it, iters;
	double best = 1e30;
	long long records = 0, bytes = 0;
	bare_ctx bc;

	if (argc == 4 && strcmp(argv[1], "extract") == 0) {
		icp_buf seg;
		FILE *out = fopen(argv[3], "wb");
		icp_buf_init(&seg, 0);
		if (!out || load(argv[2], &seg) != ICP_OK || each_payload(&seg, extract_fn, out))
			return 1;
		fclose(out);
		icp_buf_dispose(&seg);
		return 0;
	}
	if (argc < 4 || (strcmp(argv[1], "decode") && strcmp(argv[1], "bare"))) {
		fprintf(stderr, "usage: bench_decode decode|bare ITERS FILE... | extract FILE OUT\n");
		return 1;
	}
	iters = (int)strtol(argv[2], NULL, 10);
	if (iters < 1)
		iters = 1;
	nfiles = argc - 3;
	segs = icp_calloc((size_t)nfiles, sizeof(icp_buf));
	for (i = 0; i < nfiles; i++) {
		icp_buf_init(&segs[i], 0);
		if (load(argv[3 + i], &segs[i]) != ICP_OK) {
			fprintf(stderr, "cannot read %s\n", argv[3 + i]);
			return 1;
		}
		bytes += (long long)segs[i].len;
	}
	memset(&bc, 0, sizeof(bc));
	bc.codec = icp_codec_ctx_new();
	icp_buf_init(&bc.out, 1u << 30);
	for (it = 0; it < iters; it++) {
		uint64_t t0 = icp_mono_ns();
		double s;
		records = 0;
		for (i = 0; i < nfiles; i++) {
			int rc = strcmp(argv[1], "decode") == 0 ? decode_one(&segs[i], &records)
			                                        : each_payload(&segs[i], bare_fn, &bc);
			if (rc)
				return 2;
		}
		s = (double)(icp_mono_ns() - t0) / 1e9;
		if (s < best)
			best = s;
	}
	printf("%s records=%lld bytes=%lld seconds=%.6f\n", argv[1], records, bytes, best);
	for (i = 0; i < nfiles; i++)
		icp_buf_dispose(&segs[i]);
	icp_free(segs);
	icp_buf_dispose(&bc.out);
	icp_codec_ctx_free(bc.codec);
	return 0;
}
