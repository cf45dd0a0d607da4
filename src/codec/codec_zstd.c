/*
 * zstd. When every frame declares its content size (librdkafka, zstd CLI)
 * (and the payload is one frame) the total is known up front: it is checked against the cap and decoded
 * in one call into an exactly sized buffer. Streaming producers (the Java
 * client) leave the size out; then the stream decoder fills the buffer as
 * it grows, and the cap stops a bomb at the limit.
 */
#include "codec/codec_int.h"

int icp_codec_zstd_decompress(icp_codec_ctx *ctx, icp_slice in, size_t hint,
                              icp_buf *out, icp_error *err)
{
	unsigned long long total;
	ZSTD_inBuffer zin;

	if (!ctx->zd && !(ctx->zd = ZSTD_createDCtx()))
		return icp_error_set(err, ICP_ERR_NOMEM, "zstd: cannot create context");
	/* Fast path only for one frame that covers the whole payload. */
	total = ZSTD_getFrameContentSize(in.ptr, in.len);
	if (total == ZSTD_CONTENTSIZE_ERROR)
		return icp_error_set(err, ICP_ERR_CORRUPT, "zstd: not a zstd frame (%zu bytes)",
		                     in.len);
	if (total != ZSTD_CONTENTSIZE_UNKNOWN &&
	    ZSTD_findFrameCompressedSize(in.ptr, in.len) == in.len) {
		size_t r;
		if (total > out->max - out->len) {
			out->status = ICP_ERR_TOO_LARGE;
			return icp_error_set(err, ICP_ERR_TOO_LARGE,
			                     "zstd: frame declares %llu decompressed bytes, over the limit of %zu",
			                     total, out->max);
		}
		if (icp_buf_reserve(out, (size_t)total) != ICP_OK)
			return icp_codec_buf_error(out, "zstd", err);
		r = ZSTD_decompressDCtx(ctx->zd, out->data + out->len, (size_t)total,
		                        in.ptr, in.len);
		if (ZSTD_isError(r) || r != total)
			return icp_error_set(err, ICP_ERR_CORRUPT, "zstd: %s",
			                     ZSTD_isError(r) ? ZSTD_getErrorName(r)
			                                     : "size differs from the frame header");
		out->len += r;
		out->data[out->len] = 0;
		return ICP_OK;
	}
	ZSTD_DCtx_reset(ctx->zd, ZSTD_reset_session_only);
	zin.src = in.ptr;
	zin.size = in.len;
	zin.pos = 0;
	for (;;) {
		ZSTD_outBuffer zout;
		size_t r;
		if (icp_codec_avail(out) == 0) {
			size_t want = hint ? hint : (in.len * 4 > 4096 ? in.len * 4 : 4096);
			if (out->len && want < out->len)
				want = out->len;
			if (icp_codec_grow(out, want, "zstd", err) != ICP_OK)
				return err ? err->status : ICP_ERR_TOO_LARGE;
		}
		zout.dst = out->data + out->len;
		zout.size = icp_codec_avail(out);
		zout.pos = 0;
		r = ZSTD_decompressStream(ctx->zd, &zout, &zin);
		out->len += zout.pos;
		if (ZSTD_isError(r))
			return icp_error_set(err, ICP_ERR_CORRUPT, "zstd: %s near payload byte %zu",
			                     ZSTD_getErrorName(r), zin.pos);
		if (r == 0 && zin.pos == zin.size)
			break;
		if (zin.pos == zin.size && zout.pos < zout.size)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "zstd: frame truncated at payload byte %zu", zin.pos);
	}
	out->data[out->len] = 0;
	return ICP_OK;
}

int icp_codec_zstd_compress(icp_codec_ctx *ctx, int level, icp_slice in,
                            icp_buf *out, icp_error *err)
{
	size_t bound = ZSTD_compressBound(in.len), r;

	if (!ctx->zc && !(ctx->zc = ZSTD_createCCtx()))
		return icp_error_set(err, ICP_ERR_NOMEM, "zstd: cannot create context");
	if (icp_buf_reserve(out, bound) != ICP_OK)
		return icp_codec_buf_error(out, "zstd", err);
	ZSTD_CCtx_reset(ctx->zc, ZSTD_reset_session_and_parameters);
	ZSTD_CCtx_setParameter(ctx->zc, ZSTD_c_compressionLevel, level ? level : 3);
	r = ZSTD_compress2(ctx->zc, out->data + out->len, bound, in.ptr, in.len);
	if (ZSTD_isError(r))
		return icp_error_set(err, ICP_ERR_IO, "zstd: %s", ZSTD_getErrorName(r));
	out->len += r;
	out->data[out->len] = 0;
	return ICP_OK;
}
