/*
 * Internals shared by the codec files: the context layout, the vtable type
 * and each framing's entry points.
 */
#ifndef ICP_CODEC_INT_H
#define ICP_CODEC_INT_H

#include "codec/codec.h"

#include <zlib.h>
#include <zstd.h>
#include <lz4frame.h>

struct icp_codec_ctx {
	z_stream zin;          /* reused inflate state (gzip) */
	int zin_ready;
	ZSTD_DCtx *zd;
	ZSTD_CCtx *zc;
	LZ4F_dctx *lz4d;
	LZ4F_cctx *lz4c;
};

typedef int (*icp_codec_decompress_fn)(icp_codec_ctx *ctx, icp_slice in,
                                       size_t hint, icp_buf *out, icp_error *err);
typedef int (*icp_codec_compress_fn)(icp_codec_ctx *ctx, int level, icp_slice in,
                                     icp_buf *out, icp_error *err);

typedef struct icp_codec_vtable {
	const char *name;
	icp_codec_decompress_fn decompress;
	icp_codec_compress_fn compress;
} icp_codec_vtable;

/* Writable bytes after out->len (one byte stays for the NUL icp_buf keeps). */
static inline size_t icp_codec_avail(const icp_buf *out)
{
	return out->cap > out->len ? out->cap - out->len - 1 : 0;
}

/* Makes room for up to `want` more bytes, fewer if the cap is near; fails
 * with TOO_LARGE once the cap is reached. */
/* Turns out's sticky status into a codec error (TOO_LARGE names the cap). */
int icp_codec_grow(icp_buf *out, size_t want, const char *codec, icp_error *err);
int icp_codec_buf_error(icp_buf *out, const char *codec, icp_error *err);

int icp_codec_gzip_decompress(icp_codec_ctx *, icp_slice, size_t, icp_buf *, icp_error *);
int icp_codec_gzip_compress(icp_codec_ctx *, int, icp_slice, icp_buf *, icp_error *);
int icp_codec_snappy_decompress(icp_codec_ctx *, icp_slice, size_t, icp_buf *, icp_error *);
int icp_codec_snappy_kafka_decompress(icp_codec_ctx *, icp_slice, size_t, icp_buf *, icp_error *);
int icp_codec_snappy_compress(icp_codec_ctx *, int, icp_slice, icp_buf *, icp_error *);
int icp_codec_lz4f_decompress(icp_codec_ctx *, icp_slice, size_t, icp_buf *, icp_error *);
int icp_codec_lz4f_compress(icp_codec_ctx *, int, icp_slice, icp_buf *, icp_error *);
int icp_codec_lz4raw_decompress(icp_codec_ctx *, icp_slice, size_t, icp_buf *, icp_error *);
int icp_codec_lz4raw_compress(icp_codec_ctx *, int, icp_slice, icp_buf *, icp_error *);
int icp_codec_zstd_decompress(icp_codec_ctx *, icp_slice, size_t, icp_buf *, icp_error *);
int icp_codec_zstd_compress(icp_codec_ctx *, int, icp_slice, icp_buf *, icp_error *);

#endif
