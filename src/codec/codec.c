/*
 * Codec table and context. Each framing is one entry of `codecs[]`, a table
 * of function pointers; icp_codec_decompress/compress dispatch through it.
 * The per-framing code lives in codec_zlib.c, codec_snappy.c, codec_lz4.c
 * and codec_zstd.c (shared declarations in codec_int.h).
 */
#include "codec/codec_int.h"

#include <strings.h>
#include <zlib.h>
#include <zstd.h>
#include <lz4frame.h>

static int none_decompress(icp_codec_ctx *ctx, icp_slice in, size_t hint,
                           icp_buf *out, icp_error *err)
{
	ICP_UNUSED(ctx);
	ICP_UNUSED(hint);
	if (icp_buf_append(out, in.ptr, in.len) != ICP_OK)
		return icp_codec_buf_error(out, "none", err);
	return ICP_OK;
}

static int none_compress(icp_codec_ctx *ctx, int level, icp_slice in,
                         icp_buf *out, icp_error *err)
{
	ICP_UNUSED(level);
	return none_decompress(ctx, in, 0, out, err);
}

static const icp_codec_vtable codecs[ICP_CODEC__COUNT] = {
	[ICP_CODEC_NONE] = {"none", none_decompress, none_compress},
	[ICP_CODEC_GZIP] = {"gzip", icp_codec_gzip_decompress, icp_codec_gzip_compress},
	[ICP_CODEC_SNAPPY] = {"snappy", icp_codec_snappy_decompress, icp_codec_snappy_compress},
	[ICP_CODEC_SNAPPY_KAFKA] = {"snappy", icp_codec_snappy_kafka_decompress,
	                            icp_codec_snappy_compress},
	[ICP_CODEC_LZ4_FRAME] = {"lz4", icp_codec_lz4f_decompress, icp_codec_lz4f_compress},
	[ICP_CODEC_LZ4_RAW] = {"lz4_raw", icp_codec_lz4raw_decompress, icp_codec_lz4raw_compress},
	[ICP_CODEC_ZSTD] = {"zstd", icp_codec_zstd_decompress, icp_codec_zstd_compress},
};

icp_codec_ctx *icp_codec_ctx_new(void)
{
	return icp_calloc(1, sizeof(icp_codec_ctx));
}

void icp_codec_ctx_free(icp_codec_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->zin_ready)
		inflateEnd(&ctx->zin);
	ZSTD_freeDCtx(ctx->zd);
	ZSTD_freeCCtx(ctx->zc);
	if (ctx->lz4d)
		LZ4F_freeDecompressionContext(ctx->lz4d);
	if (ctx->lz4c)
		LZ4F_freeCompressionContext(ctx->lz4c);
	icp_free(ctx);
}

const char *icp_codec_name(icp_codec_id id)
{
	if ((unsigned)id >= ICP_CODEC__COUNT)
		return "unknown";
	return codecs[id].name;
}

int icp_codec_parse(const char *name, icp_codec_id *out)
{
	static const struct {
		const char *name;
		icp_codec_id id;
	} names[] = {
		{"none", ICP_CODEC_NONE},   {"uncompressed", ICP_CODEC_NONE},
		{"gzip", ICP_CODEC_GZIP},   {"snappy", ICP_CODEC_SNAPPY},
		{"lz4", ICP_CODEC_LZ4_FRAME}, {"lz4_raw", ICP_CODEC_LZ4_RAW},
		{"zstd", ICP_CODEC_ZSTD},
	};
	size_t i;
	for (i = 0; i < ICP_ARRAY_LEN(names); i++) {
		if (strcasecmp(name, names[i].name) == 0) {
			*out = names[i].id;
			return ICP_OK;
		}
	}
	return ICP_ERR_INVALID;
}

int icp_codec_from_kafka(int attr_codec, icp_codec_id *out)
{
	switch (attr_codec) {
	case 0: *out = ICP_CODEC_NONE; return ICP_OK;
	case 1: *out = ICP_CODEC_GZIP; return ICP_OK;
	case 2: *out = ICP_CODEC_SNAPPY_KAFKA; return ICP_OK;
	case 3: *out = ICP_CODEC_LZ4_FRAME; return ICP_OK;
	case 4: *out = ICP_CODEC_ZSTD; return ICP_OK;
	default: return ICP_ERR_UNSUPPORTED;
	}
}

int icp_codec_decompress(icp_codec_ctx *ctx, icp_codec_id id, icp_slice in,
                         size_t size_hint, icp_buf *out, icp_error *err)
{
	if ((unsigned)id >= ICP_CODEC__COUNT)
		return icp_error_set(err, ICP_ERR_UNSUPPORTED, "unknown codec %d", (int)id);
	return codecs[id].decompress(ctx, in, size_hint, out, err);
}

int icp_codec_compress(icp_codec_ctx *ctx, icp_codec_id id, int level,
                       icp_slice in, icp_buf *out, icp_error *err)
{
	if ((unsigned)id >= ICP_CODEC__COUNT)
		return icp_error_set(err, ICP_ERR_UNSUPPORTED, "unknown codec %d", (int)id);
	return codecs[id].compress(ctx, level, in, out, err);
}

int icp_codec_buf_error(icp_buf *out, const char *codec, icp_error *err)
{
	if (out->status == ICP_ERR_TOO_LARGE)
		return icp_error_set(err, ICP_ERR_TOO_LARGE,
		                     "%s: decompressed size exceeds the limit of %zu bytes",
		                     codec, out->max);
	return icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory", codec);
}

int icp_codec_grow(icp_buf *out, size_t want, const char *codec, icp_error *err)
{
	size_t room = out->max - out->len;

	if (room == 0) {
		out->status = ICP_ERR_TOO_LARGE;
		return icp_codec_buf_error(out, codec, err);
	}
	if (want > room)
		want = room;
	if (icp_buf_reserve(out, want) != ICP_OK)
		return icp_codec_buf_error(out, codec, err);
	return ICP_OK;
}
