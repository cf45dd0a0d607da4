/*
 * codec: compression and decompression for the framings the project meets.
 *
 * Kafka batches use gzip streams, snappy (raw blocks or the xerial framing
 * the Java client writes), LZ4 *frames* and zstd frames; Parquet pages use
 * raw snappy, gzip, raw LZ4 blocks (LZ4_RAW) and zstd. Each framing is one
 * entry of a static table of function pointers (codec.c), selected by
 * icp_codec_id.
 *
 * Invariants:
 * - Decompression appends to an icp_buf whose max is the decompression cap:
 *   output that would pass it fails with ICP_ERR_TOO_LARGE (decompression
 *   bombs never allocate past the cap). Malformed input fails with
 *   ICP_ERR_CORRUPT; the error names the codec and what was wrong.
 * - An icp_codec_ctx holds reusable library state (zstd/zlib/lz4 contexts)
 *   so the hot path allocates nothing per call. One ctx per thread.
 */
#ifndef ICP_CODEC_H
#define ICP_CODEC_H

#include "core/core.h"

typedef enum icp_codec_id {
	ICP_CODEC_NONE = 0,
	ICP_CODEC_GZIP,
	ICP_CODEC_SNAPPY,       /* raw snappy block */
	ICP_CODEC_SNAPPY_KAFKA, /* decode: raw or xerial-framed; encode: raw */
	ICP_CODEC_LZ4_FRAME,
	ICP_CODEC_LZ4_RAW,      /* one raw LZ4 block (Parquet LZ4_RAW) */
	ICP_CODEC_ZSTD,
	ICP_CODEC__COUNT
} icp_codec_id;

typedef struct icp_codec_ctx icp_codec_ctx;

/* Returns NULL on allocation failure. Free with _free (NULL is a no-op). */
icp_codec_ctx *icp_codec_ctx_new(void);
void icp_codec_ctx_free(icp_codec_ctx *ctx);

/* Name of a codec ("gzip", "snappy", "lz4", "zstd", ...). */
const char *icp_codec_name(icp_codec_id id);
/* Parses "none|uncompressed|gzip|snappy|lz4|lz4_raw|zstd" (Parquet names).
 * Returns ICP_OK or ICP_ERR_INVALID. */
int icp_codec_parse(const char *name, icp_codec_id *out);

/* Maps the Kafka batch attribute codec bits (0..4) to a codec id; returns
 * ICP_ERR_UNSUPPORTED for others. */
int icp_codec_from_kafka(int attr_codec, icp_codec_id *out);

/* Appends the decompressed form of in to out (bounded by out->max).
 * size_hint: expected decompressed size if known, else 0.
 * Returns ICP_OK, ICP_ERR_CORRUPT, ICP_ERR_TOO_LARGE or ICP_ERR_NOMEM. */
int icp_codec_decompress(icp_codec_ctx *ctx, icp_codec_id id, icp_slice in,
                         size_t size_hint, icp_buf *out, icp_error *err);

/* Appends the compressed form of in to out. level: codec level, 0 = the
 * codec's default. Returns ICP_OK, ICP_ERR_NOMEM or ICP_ERR_TOO_LARGE. */
int icp_codec_compress(icp_codec_ctx *ctx, icp_codec_id id, int level,
                       icp_slice in, icp_buf *out, icp_error *err);

#endif
