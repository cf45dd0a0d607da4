/*
 * gzip: Kafka's gzip codec is a gzip stream (RFC 1952); producers may emit
 * several members back to back, so decoding restarts after each member
 * while input remains. The inflate state lives in the context and is
 * reset, not reallocated, per call.
 */
#include "codec/codec_int.h"

int icp_codec_gzip_decompress(icp_codec_ctx *ctx, icp_slice in, size_t hint,
                              icp_buf *out, icp_error *err)
{
	z_stream *z = &ctx->zin;
	int zr;

	if (!ctx->zin_ready) {
		memset(z, 0, sizeof(*z));
		if (inflateInit2(z, 15 + 16) != Z_OK)
			return icp_error_set(err, ICP_ERR_NOMEM, "gzip: inflateInit2 failed");
		ctx->zin_ready = 1;
	} else if (inflateReset2(z, 15 + 16) != Z_OK) {
		return icp_error_set(err, ICP_ERR_NOMEM, "gzip: inflateReset failed");
	}
	z->next_in = (Bytef *)in.ptr;
	z->avail_in = 0;
	if (in.len > UINT32_MAX)
		return icp_error_set(err, ICP_ERR_TOO_LARGE, "gzip: input of %zu bytes", in.len);
	z->avail_in = (uInt)in.len;
	for (;;) {
		size_t avail;
		if (icp_codec_avail(out) == 0) {
			size_t want = hint ? hint : (in.len * 4 > 4096 ? in.len * 4 : 4096);
			if (out->len && want < out->len)
				want = out->len; /* double */
			if (icp_codec_grow(out, want, "gzip", err) != ICP_OK)
				return err ? err->status : ICP_ERR_TOO_LARGE;
		}
		avail = icp_codec_avail(out);
		if (avail > UINT32_MAX)
			avail = UINT32_MAX;
		z->next_out = out->data + out->len;
		z->avail_out = (uInt)avail;
		zr = inflate(z, Z_NO_FLUSH);
		out->len += avail - z->avail_out;
		if (zr == Z_STREAM_END) {
			if (z->avail_in == 0)
				break;
			/* another gzip member follows */
			if (inflateReset2(z, 15 + 16) != Z_OK)
				return icp_error_set(err, ICP_ERR_NOMEM, "gzip: inflateReset failed");
			continue;
		}
		if (zr == Z_BUF_ERROR && z->avail_in == 0)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "gzip: stream truncated after %zu input bytes",
			                     in.len);
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "gzip: %s at input byte %zu",
			                     z->msg ? z->msg : "invalid data",
			                     in.len - z->avail_in);
	}
	out->data[out->len] = 0;
	return ICP_OK;
}

int icp_codec_gzip_compress(icp_codec_ctx *ctx, int level, icp_slice in,
                            icp_buf *out, icp_error *err)
{
	z_stream z;
	uLong bound;
	int zr;

	ICP_UNUSED(ctx);
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, level ? level : Z_DEFAULT_COMPRESSION, Z_DEFLATED,
	                 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "gzip: deflateInit2 failed");
	bound = deflateBound(&z, (uLong)in.len);
	if (icp_buf_reserve(out, bound) != ICP_OK) {
		deflateEnd(&z);
		return icp_codec_buf_error(out, "gzip", err);
	}
	z.next_in = (Bytef *)in.ptr;
	z.avail_in = (uInt)in.len;
	z.next_out = out->data + out->len;
	z.avail_out = (uInt)bound;
	zr = deflate(&z, Z_FINISH);
	if (zr != Z_STREAM_END) {
		deflateEnd(&z);
		return icp_error_set(err, ICP_ERR_IO, "gzip: deflate failed (%d)", zr);
	}
	out->len += bound - z.avail_out;
	out->data[out->len] = 0;
	deflateEnd(&z);
	return ICP_OK;
}
