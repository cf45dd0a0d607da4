/*
 * Test helper: builds RecordBatch v2 bytes and KafScale segments in memory
 * so reader tests can plant exactly one defect at a known place. Shared by
 * the segment tests (included, not linked).
 */
#ifndef SEG_BUILDER_H
#define SEG_BUILDER_H

#include "codec/codec.h"
#include "core/core.h"
#include "crc/crc.h"

static void put_varint(icp_buf *b, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	while (z >= 0x80) {
		icp_buf_append_byte(b, (uint8_t)(z | 0x80));
		z >>= 7;
	}
	icp_buf_append_byte(b, (uint8_t)z);
}

/* One record: key/value NULL = null (len -1). */
static void put_record(icp_buf *recs, int64_t ts_delta, int64_t off_delta,
                       const char *key, const char *value, int nheaders)
{
	icp_buf r;
	int h;
	icp_buf_init(&r, 0);
	icp_buf_append_byte(&r, 0);
	put_varint(&r, ts_delta);
	put_varint(&r, off_delta);
	if (key) {
		put_varint(&r, (int64_t)strlen(key));
		icp_buf_append_str(&r, key);
	} else {
		put_varint(&r, -1);
	}
	if (value) {
		put_varint(&r, (int64_t)strlen(value));
		icp_buf_append_str(&r, value);
	} else {
		put_varint(&r, -1);
	}
	put_varint(&r, nheaders);
	for (h = 0; h < nheaders; h++) {
		put_varint(&r, 2);
		icp_buf_append(&r, "hk", 2);
		if (h % 2) {
			put_varint(&r, -1);
		} else {
			put_varint(&r, 1);
			icp_buf_append_byte(&r, (uint8_t)('0' + h));
		}
	}
	put_varint(recs, (int64_t)r.len);
	icp_buf_append(recs, r.data, r.len);
	icp_buf_dispose(&r);
}

/* Wraps a records section into a batch with a correct CRC. */
static void put_batch(icp_buf *out, int64_t base, int attrs, int32_t last_delta,
                      int64_t base_ts, int64_t max_ts, int32_t count,
                      const icp_buf *records)
{
	uint8_t h[61];
	icp_buf payload;
	size_t start = out->len;
	icp_codec_id cid;

	icp_buf_init(&payload, 0);
	if ((attrs & 7) && icp_codec_from_kafka(attrs & 7, &cid) == ICP_OK) {
		icp_error e;
		icp_error_init(&e);
		icp_codec_ctx *ctx = icp_codec_ctx_new();
		icp_codec_compress(ctx, cid, 0, icp_slice_make(records->data, records->len),
		                   &payload, &e);
		icp_codec_ctx_free(ctx);
	} else {
		icp_buf_append(&payload, records->data, records->len);
	}
	memset(h, 0, sizeof(h));
	icp_store_be64(h, (uint64_t)base);
	icp_store_be32(h + 8, (uint32_t)(49 + payload.len));
	icp_store_be32(h + 12, 0);
	h[16] = 2;
	icp_store_be16(h + 21, (uint16_t)attrs);
	icp_store_be32(h + 23, (uint32_t)last_delta);
	icp_store_be64(h + 27, (uint64_t)base_ts);
	icp_store_be64(h + 35, (uint64_t)max_ts);
	icp_store_be64(h + 43, (uint64_t)-1);
	icp_store_be16(h + 51, 0xffff);
	icp_store_be32(h + 53, 0xffffffff);
	icp_store_be32(h + 57, (uint32_t)count);
	icp_buf_append(out, h, sizeof(h));
	icp_buf_append(out, payload.data, payload.len);
	icp_store_be32(out->data + start + 17,
	               icp_crc32c(0, out->data + start + 21, out->len - start - 21));
	icp_buf_dispose(&payload);
}

/* Recomputes a batch CRC at `pos` after a test changed its bytes. */
static void fix_batch_crc(icp_buf *seg, size_t pos)
{
	uint32_t blen = icp_load_be32(seg->data + pos + 8);
	icp_store_be32(seg->data + pos + 17, icp_crc32c(0, seg->data + pos + 21, blen + 12 - 21));
}

/* Wraps a body into a segment with header and footer. */
static void make_segment(icp_buf *seg, int64_t base, int32_t count, int64_t last,
                         const icp_buf *body)
{
	uint8_t h[32], f[16];
	memset(h, 0, sizeof(h));
	memcpy(h, "KAFS", 4);
	icp_store_be16(h + 4, 1);
	icp_store_be64(h + 8, (uint64_t)base);
	icp_store_be32(h + 16, (uint32_t)count);
	icp_store_be64(h + 20, 1717000000000ull);
	icp_buf_reset(seg);
	icp_buf_append(seg, h, 32);
	icp_buf_append(seg, body->data, body->len);
	icp_store_be32(f, icp_crc32c(0, body->data, body->len));
	icp_store_be64(f + 4, (uint64_t)last);
	memcpy(f + 12, "END!", 4);
	icp_buf_append(seg, f, 16);
}

/* Recomputes the footer CRC after a test changed the body. */
static void fix_body_crc(icp_buf *seg)
{
	icp_store_be32(seg->data + seg->len - 16,
	               icp_crc32c(0, seg->data + 32, seg->len - 48));
}

#endif
