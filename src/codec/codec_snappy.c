/*
 * snappy, raw and xerial-framed.
 *
 * Raw: one snappy block whose preamble (a varint) gives the uncompressed
 * length, so the output is sized exactly and checked against the cap
 * before anything is allocated.
 *
 * Xerial framing (Java client):
 *   0   8  magic  0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
 *   8   4  version (int32 BE), 12  4  compatible version (int32 BE)
 *   16  ..  repeated { int32 BE length, raw snappy block of that length }
 */
#include "codec/codec_int.h"

#include <snappy-c.h>

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

static int raw_block(const uint8_t *p, size_t n, icp_buf *out, size_t at,
                     icp_error *err)
{
	size_t ulen;

	if (snappy_uncompressed_length((const char *)p, n, &ulen) != SNAPPY_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "snappy: bad length preamble in block at payload byte %zu", at);
	if (ulen > out->max - out->len) {
		out->status = ICP_ERR_TOO_LARGE;
		return icp_codec_buf_error(out, "snappy", err);
	}
	if (icp_buf_reserve(out, ulen) != ICP_OK)
		return icp_codec_buf_error(out, "snappy", err);
	if (snappy_uncompress((const char *)p, n, (char *)out->data + out->len,
	                      &ulen) != SNAPPY_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "snappy: corrupt block at payload byte %zu (%zu bytes)",
		                     at, n);
	out->len += ulen;
	out->data[out->len] = 0;
	return ICP_OK;
}

int icp_codec_snappy_decompress(icp_codec_ctx *ctx, icp_slice in, size_t hint,
                                icp_buf *out, icp_error *err)
{
	ICP_UNUSED(ctx);
	ICP_UNUSED(hint);
	return raw_block(in.ptr, in.len, out, 0, err);
}

int icp_codec_snappy_kafka_decompress(icp_codec_ctx *ctx, icp_slice in,
                                      size_t hint, icp_buf *out, icp_error *err)
{
	size_t pos = 16;

	ICP_UNUSED(ctx);
	ICP_UNUSED(hint);
	if (in.len < 16 || memcmp(in.ptr, xerial_magic, 8) != 0)
		return raw_block(in.ptr, in.len, out, 0, err);
	while (pos < in.len) {
		uint32_t blen;
		int rc;
		if (in.len - pos < 4)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "snappy (xerial): truncated block length at payload byte %zu",
			                     pos);
		blen = icp_load_be32(in.ptr + pos);
		pos += 4;
		if (blen > in.len - pos)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "snappy (xerial): block of %u bytes at payload byte %zu "
			                     "runs past the end (%zu bytes)",
			                     blen, pos - 4, in.len);
		rc = raw_block(in.ptr + pos, blen, out, pos, err);
		if (rc != ICP_OK)
			return rc;
		pos += blen;
	}
	return ICP_OK;
}

int icp_codec_snappy_compress(icp_codec_ctx *ctx, int level, icp_slice in,
                              icp_buf *out, icp_error *err)
{
	size_t bound = snappy_max_compressed_length(in.len), olen = bound;

	ICP_UNUSED(ctx);
	ICP_UNUSED(level);
	if (icp_buf_reserve(out, bound) != ICP_OK)
		return icp_codec_buf_error(out, "snappy", err);
	if (snappy_compress((const char *)in.ptr, in.len,
	                    (char *)out->data + out->len, &olen) != SNAPPY_OK)
		return icp_error_set(err, ICP_ERR_IO, "snappy: compress failed");
	out->len += olen;
	out->data[out->len] = 0;
	return ICP_OK;
}
