/*
 * LZ4: frames (Kafka's lz4 codec: magic 0x184D2204, optional content size,
 * optional block and content checksums, possibly several frames back to
 * back) and raw blocks (Parquet LZ4_RAW, whose caller knows the
 * uncompressed size and passes it as the hint).
 */
#include "codec/codec_int.h"

#include <lz4.h>

int icp_codec_lz4f_decompress(icp_codec_ctx *ctx, icp_slice in, size_t hint,
                              icp_buf *out, icp_error *err)
{
	size_t pos = 0;

	if (!ctx->lz4d) {
		if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx->lz4d, LZ4F_VERSION))) {
			ctx->lz4d = NULL;
			return icp_error_set(err, ICP_ERR_NOMEM, "lz4: cannot create context");
		}
	} else {
		LZ4F_resetDecompressionContext(ctx->lz4d);
	}
	if (in.len == 0)
		return icp_error_set(err, ICP_ERR_CORRUPT, "lz4: empty payload");
	for (;;) {
		size_t src_len = in.len - pos, dst_len, r;
		if (icp_codec_avail(out) == 0) {
			size_t want = hint ? hint : (in.len * 4 > 4096 ? in.len * 4 : 4096);
			if (out->len && want < out->len)
				want = out->len;
			if (icp_codec_grow(out, want, "lz4", err) != ICP_OK)
				return err ? err->status : ICP_ERR_TOO_LARGE;
		}
		dst_len = icp_codec_avail(out);
		r = LZ4F_decompress(ctx->lz4d, out->data + out->len, &dst_len,
		                    in.ptr + pos, &src_len, NULL);
		if (LZ4F_isError(r)) {
			LZ4F_resetDecompressionContext(ctx->lz4d);
			return icp_error_set(err, ICP_ERR_CORRUPT, "lz4: %s near payload byte %zu",
			                     LZ4F_getErrorName(r), pos);
		}
		out->len += dst_len;
		pos += src_len;
		if (r == 0 && pos == in.len)
			break; /* frame complete, input consumed */
		if (pos == in.len && dst_len == 0 && src_len == 0)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "lz4: frame truncated at payload byte %zu", pos);
		if (pos == in.len && r != 0 && icp_codec_avail(out) > 0) {
			/* all input consumed, frame wants more, and it had room */
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "lz4: frame truncated at payload byte %zu", pos);
		}
	}
	out->data[out->len] = 0;
	return ICP_OK;
}

int icp_codec_lz4f_compress(icp_codec_ctx *ctx, int level, icp_slice in,
                            icp_buf *out, icp_error *err)
{
	LZ4F_preferences_t prefs;
	size_t bound, r;

	ICP_UNUSED(ctx);
	memset(&prefs, 0, sizeof(prefs));
	prefs.compressionLevel = level;
	prefs.frameInfo.contentSize = in.len;
	bound = LZ4F_compressFrameBound(in.len, &prefs);
	if (icp_buf_reserve(out, bound) != ICP_OK)
		return icp_codec_buf_error(out, "lz4", err);
	r = LZ4F_compressFrame(out->data + out->len, bound, in.ptr, in.len, &prefs);
	if (LZ4F_isError(r))
		return icp_error_set(err, ICP_ERR_IO, "lz4: %s", LZ4F_getErrorName(r));
	out->len += r;
	out->data[out->len] = 0;
	return ICP_OK;
}

int icp_codec_lz4raw_decompress(icp_codec_ctx *ctx, icp_slice in, size_t hint,
                                icp_buf *out, icp_error *err)
{
	int r;

	ICP_UNUSED(ctx);
	if (hint == 0 || hint > INT32_MAX || in.len > INT32_MAX)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "lz4_raw: needs the uncompressed size (got %zu)", hint);
	if (hint > out->max - out->len) {
		out->status = ICP_ERR_TOO_LARGE;
		return icp_codec_buf_error(out, "lz4_raw", err);
	}
	if (icp_buf_reserve(out, hint) != ICP_OK)
		return icp_codec_buf_error(out, "lz4_raw", err);
	r = LZ4_decompress_safe((const char *)in.ptr, (char *)out->data + out->len,
	                        (int)in.len, (int)hint);
	if (r < 0 || (size_t)r != hint)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "lz4_raw: corrupt block (%zu bytes, expected %zu out)",
		                     in.len, hint);
	out->len += (size_t)r;
	out->data[out->len] = 0;
	return ICP_OK;
}

int icp_codec_lz4raw_compress(icp_codec_ctx *ctx, int level, icp_slice in,
                              icp_buf *out, icp_error *err)
{
	int bound, r;

	ICP_UNUSED(ctx);
	ICP_UNUSED(level);
	if (in.len > LZ4_MAX_INPUT_SIZE)
		return icp_error_set(err, ICP_ERR_TOO_LARGE, "lz4_raw: input of %zu bytes", in.len);
	bound = LZ4_compressBound((int)in.len);
	if (icp_buf_reserve(out, (size_t)bound) != ICP_OK)
		return icp_codec_buf_error(out, "lz4_raw", err);
	r = LZ4_compress_default((const char *)in.ptr, (char *)out->data + out->len,
	                         (int)in.len, bound);
	if (r <= 0)
		return icp_error_set(err, ICP_ERR_IO, "lz4_raw: compress failed");
	out->len += (size_t)r;
	out->data[out->len] = 0;
	return ICP_OK;
}
