/*
 * RecordBatch v2 decoding (one batch held in memory).
 *
 *   0   8  baseOffset            8   4  batchLength (bytes after this field)
 *   12  4  partitionLeaderEpoch  16  1  magic (2)
 *   17  4  crc (CRC32C of bytes [21, 12 + batchLength))
 *   21  2  attributes: bits 0-2 codec, 3 LogAppendTime, 4 transactional,
 *          5 control
 *   23  4  lastOffsetDelta       27  8  baseTimestamp   35  8  maxTimestamp
 *   43  8  producerId            51  2  producerEpoch   53  4  baseSequence
 *   57  4  recordCount           61  .. records (compressed as one blob
 *                                       when codec != 0)
 * Record: length varint | attributes int8 | timestampDelta varlong |
 *   offsetDelta varint | keyLength varint (-1 null) | key |
 *   valueLength varint (-1 null) | value | headerCount varint |
 *   headers (keyLength varint, key, valueLength varint (-1 null), value).
 *
 * Every record must consume exactly its declared length; the records
 * section must hold exactly recordCount records and nothing after them.
 * The smallest possible record is 7 bytes, which bounds recordCount before
 * any array is sized from it.
 */
#include "segment/segment_int.h"

#include "codec/codec.h"
#include "crc/crc.h"

#define MIN_RECORD_BYTES 7
#define MIN_HEADER_BYTES 2

struct icp_batch_decoder {
	icp_segment_opts opts;
	icp_codec_ctx *codec;
	icp_buf dec;               /* decompressed records section */
	icp_record *records;
	size_t records_cap;
	icp_kafka_header *headers;
	size_t headers_cap;
	int skip_records;          /* data batches: header only */
};

void icp_batch_decoder_skip_records(icp_batch_decoder *d, int skip)
{
	d->skip_records = skip;
}

size_t icp_batch_decoder_footprint(const icp_batch_decoder *d)
{
	return d ? d->dec.cap + d->records_cap * sizeof(*d->records) +
	           d->headers_cap * sizeof(*d->headers)
	         : 0;
}

void icp_segment_opts_init(icp_segment_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_batch_bytes = 64u << 20;
	o->max_decompressed_bytes = 256u << 20;
}

icp_batch_decoder *icp_batch_decoder_new(const icp_segment_opts *opts)
{
	icp_batch_decoder *d = icp_calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (opts)
		d->opts = *opts;
	else
		icp_segment_opts_init(&d->opts);
	if (!d->opts.max_batch_bytes)
		d->opts.max_batch_bytes = 64u << 20;
	if (!d->opts.max_decompressed_bytes)
		d->opts.max_decompressed_bytes = 256u << 20;
	d->codec = icp_codec_ctx_new();
	if (!d->codec) {
		icp_free(d);
		return NULL;
	}
	icp_buf_init(&d->dec, d->opts.max_decompressed_bytes);
	return d;
}

void icp_batch_decoder_free(icp_batch_decoder *d)
{
	if (!d)
		return;
	icp_codec_ctx_free(d->codec);
	icp_buf_dispose(&d->dec);
	icp_free(d->records);
	icp_free(d->headers);
	icp_free(d);
}

static int grow_array(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64, bytes;
	void *p;

	if (need <= *cap)
		return ICP_OK;
	while (ncap < need)
		ncap *= 2;
	if (icp_mul_size(ncap, elem, &bytes))
		return ICP_ERR_NOMEM;
	p = icp_realloc(*arr, bytes);
	if (!p)
		return ICP_ERR_NOMEM;
	*arr = p;
	*cap = ncap;
	return ICP_OK;
}

/* Formats "<name>: batch at byte P (base offset B)" context once. */
#define BATCH_CTX "%s: batch at byte %llu (base offset %lld)"
#define BATCH_ARGS name, (unsigned long long)b->position, (long long)b->base_offset

static int varint_fail(icp_error *err, int vr, const char *what, const char *name,
                       const icp_batch *b, size_t rec, size_t at)
{
	return icp_error_set(err, ICP_ERR_CORRUPT,
	                     BATCH_CTX ": record %zu: %s varint %s at records byte %zu",
	                     BATCH_ARGS, rec, what,
	                     vr == VARINT_TOO_LONG ? "is too long" : "is truncated", at);
}

static int parse_records(icp_batch_decoder *d, const uint8_t *start, size_t len,
                         const char *name, icp_batch *b, icp_error *err)
{
	const uint8_t *p = start, *end = start + len;
	int64_t last_delta = b->last_offset - b->base_offset, prev_delta = -1;
	size_t n = (size_t)b->record_count, i, nh = 0;
	int ts_from_batch = b->log_append_time;
	int vr;

	if (n > len / MIN_RECORD_BYTES)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     BATCH_CTX ": recordCount %d cannot fit in %zu bytes of records",
		                     BATCH_ARGS, b->record_count, len);
	if (grow_array((void **)&d->records, &d->records_cap, n ? n : 1,
	               sizeof(icp_record)) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory for %zu records",
		                     name, n);
	for (i = 0; i < n; i++) {
		icp_record *r = &d->records[i];
		const uint8_t *rec_start, *rec_end;
		int64_t rlen, ts_delta, off_delta, klen, vlen, hcount, h;

#define FIELD(var, maxb, what)                                                   \
	do {                                                                     \
		vr = icp_read_zigzag(&p, rec_end, (maxb), &(var));               \
		if (vr != VARINT_OK)                                             \
			return varint_fail(err, vr, (what), name, b, i,          \
			                   (size_t)(p - start));                 \
	} while (0)

		rec_end = end;
		FIELD(rlen, 5, "length");
		if (rlen < MIN_RECORD_BYTES - 1 || rlen > end - p)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     BATCH_CTX ": record %zu at records byte %zu has length %lld, "
			                     "but %td bytes remain",
			                     BATCH_ARGS, i, (size_t)(p - start), (long long)rlen, end - p);
		rec_start = p;
		rec_end = p + rlen;
		p++; /* attributes (unused) */
		FIELD(ts_delta, 10, "timestampDelta");
		FIELD(off_delta, 5, "offsetDelta");
		if (off_delta <= prev_delta || off_delta > last_delta)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     BATCH_CTX ": record %zu has offsetDelta %lld, expected "
			                     "above %lld and at most lastOffsetDelta %lld",
			                     BATCH_ARGS, i, (long long)off_delta,
			                     (long long)prev_delta, (long long)last_delta);
		prev_delta = off_delta;
		FIELD(klen, 5, "keyLength");
		if (klen < -1 || klen > rec_end - p)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     BATCH_CTX ": record %zu (offset %lld) has key length %lld "
			                     "but %td bytes remain in the record",
			                     BATCH_ARGS, i, (long long)(b->base_offset + off_delta),
			                     (long long)klen, rec_end - p);
		r->key_null = klen < 0;
		r->key = icp_slice_make(p, klen > 0 ? (size_t)klen : 0);
		if (klen > 0)
			p += klen;
		FIELD(vlen, 5, "valueLength");
		if (vlen < -1 || vlen > rec_end - p)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     BATCH_CTX ": record %zu (offset %lld) has value length %lld "
			                     "but %td bytes remain in the record",
			                     BATCH_ARGS, i, (long long)(b->base_offset + off_delta),
			                     (long long)vlen, rec_end - p);
		r->value_null = vlen < 0;
		r->value = icp_slice_make(p, vlen > 0 ? (size_t)vlen : 0);
		if (vlen > 0)
			p += vlen;
		FIELD(hcount, 5, "headerCount");
		if (hcount < 0 || hcount > (rec_end - p) / MIN_HEADER_BYTES)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     BATCH_CTX ": record %zu (offset %lld) has header count %lld "
			                     "but %td bytes remain in the record",
			                     BATCH_ARGS, i, (long long)(b->base_offset + off_delta),
			                     (long long)hcount, rec_end - p);
		if (hcount && grow_array((void **)&d->headers, &d->headers_cap, nh + (size_t)hcount,
		                         sizeof(icp_kafka_header)) != ICP_OK)
			return icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory for headers", name);
		r->header_first = (uint32_t)nh;
		r->header_count = (uint32_t)hcount;
		for (h = 0; h < hcount; h++) {
			icp_kafka_header *hd = &d->headers[nh++];
			int64_t hk, hv;
			FIELD(hk, 5, "header key length");
			if (hk < 0 || hk > rec_end - p)
				return icp_error_set(err, ICP_ERR_CORRUPT,
				                     BATCH_CTX ": record %zu (offset %lld) header %lld has "
				                     "key length %lld but %td bytes remain",
				                     BATCH_ARGS, i, (long long)(b->base_offset + off_delta),
				                     (long long)h, (long long)hk, rec_end - p);
			hd->key = icp_slice_make(p, (size_t)hk);
			p += hk;
			FIELD(hv, 5, "header value length");
			if (hv < -1 || hv > rec_end - p)
				return icp_error_set(err, ICP_ERR_CORRUPT,
				                     BATCH_CTX ": record %zu (offset %lld) header %lld has "
				                     "value length %lld but %td bytes remain",
				                     BATCH_ARGS, i, (long long)(b->base_offset + off_delta),
				                     (long long)h, (long long)hv, rec_end - p);
			hd->value_null = hv < 0;
			hd->value = icp_slice_make(p, hv > 0 ? (size_t)hv : 0);
			if (hv > 0)
				p += hv;
		}
#undef FIELD
		if (p != rec_end)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     BATCH_CTX ": record %zu (offset %lld) declares %lld bytes "
			                     "but its fields take %td",
			                     BATCH_ARGS, i, (long long)(b->base_offset + off_delta),
			                     (long long)rlen, p - rec_start);
		r->offset = b->base_offset + off_delta;
		/* Unsigned add: hostile deltas must not be signed overflow (UB). */
		r->timestamp = ts_from_batch ? b->max_timestamp
		                             : (int64_t)((uint64_t)b->base_timestamp +
		                                         (uint64_t)ts_delta);
	}
	if (p != end)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     BATCH_CTX ": recordCount is %d but %td bytes follow the last "
		                     "record",
		                     BATCH_ARGS, b->record_count, end - p);
	b->records = d->records;
	b->n_records = n;
	b->headers = d->headers;
	b->n_headers = nh;
	return ICP_OK;
}

/* A control batch holds one record whose key is int16 version (0) and
 * int16 type (0 ABORT, 1 COMMIT, others reserved); its value (version,
 * coordinator epoch) is not needed. Its records are not data: the batch
 * is returned with none. */
static void control_marker(icp_batch *b, int parsed)
{
	const icp_record *r = parsed && b->n_records ? &b->records[0] : NULL;
	int16_t type = -1;
	if (r && !r->key_null && r->key.len >= 4)
		type = (int16_t)icp_load_be16(r->key.ptr + 2);
	b->control_type = type == ICP_CONTROL_ABORT || type == ICP_CONTROL_COMMIT
		? type : ICP_CONTROL_OTHER;
	b->records = NULL;
	b->n_records = 0;
	b->headers = NULL;
	b->n_headers = 0;
}

int icp_batch_decode(icp_batch_decoder *d, icp_slice bytes, uint64_t position,
                     const char *name, icp_batch *b, icp_error *err)
{
	const uint8_t *p = bytes.ptr;
	int32_t blen;
	uint8_t magic;
	icp_codec_id cid;
	icp_slice payload;
	int rc;

	memset(b, 0, sizeof(*b));
	b->position = position;
	b->control_type = -1;
	if (bytes.len < ICP_BATCH_HEADER_SIZE)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: batch at byte %llu is %zu bytes, shorter than the "
		                     "61-byte batch header",
		                     name, (unsigned long long)position, bytes.len);
	b->base_offset = (int64_t)icp_load_be64(p);
	blen = (int32_t)icp_load_be32(p + 8);
	b->batch_length = blen;
	if (blen < ICP_BATCH_HEADER_SIZE - 12 || (size_t)blen + 12 != bytes.len)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     BATCH_CTX ": batchLength %d does not match %zu available bytes",
		                     BATCH_ARGS, blen, bytes.len - 12);
	b->leader_epoch = (int32_t)icp_load_be32(p + 12);
	magic = p[16];
	if (magic != 2)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     BATCH_CTX ": magic byte at %llu is %u, expected 2 (RecordBatch v2)",
		                     BATCH_ARGS, (unsigned long long)position + 16, magic);
	if (!d->opts.skip_crc) {
		uint32_t want = icp_load_be32(p + 17);
		uint32_t got = icp_crc32c(0, p + 21, bytes.len - 21);
		if (want != got)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     BATCH_CTX ": stored CRC32C 0x%08x, bytes %llu to %llu hash "
			                     "to 0x%08x",
			                     BATCH_ARGS, want, (unsigned long long)position + 21,
			                     (unsigned long long)(position + bytes.len - 1), got);
	}
	b->attributes = icp_load_be16(p + 21);
	b->codec = b->attributes & 7;
	b->log_append_time = (b->attributes >> 3) & 1;
	b->transactional = (b->attributes >> 4) & 1;
	b->control = (b->attributes >> 5) & 1;
	{
		int32_t lod = (int32_t)icp_load_be32(p + 23);
		if (lod < 0)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     BATCH_CTX ": lastOffsetDelta %d is negative", BATCH_ARGS, lod);
		if (b->base_offset < 0 || b->base_offset > INT64_MAX - lod)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     BATCH_CTX ": base offset out of range", BATCH_ARGS);
		b->last_offset = b->base_offset + lod;
	}
	b->base_timestamp = (int64_t)icp_load_be64(p + 27);
	b->max_timestamp = (int64_t)icp_load_be64(p + 35);
	b->producer_id = (int64_t)icp_load_be64(p + 43);
	b->producer_epoch = (int16_t)icp_load_be16(p + 51);
	b->base_sequence = (int32_t)icp_load_be32(p + 53);
	b->record_count = (int32_t)icp_load_be32(p + 57);
	if (b->record_count < 0)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     BATCH_CTX ": recordCount %d is negative", BATCH_ARGS,
		                     b->record_count);
	if (icp_codec_from_kafka(b->codec, &cid) != ICP_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     BATCH_CTX ": unknown compression codec %d in attributes 0x%04x",
		                     BATCH_ARGS, b->codec, b->attributes);
	if (d->skip_records && !b->control)
		return ICP_OK; /* a scan: offsets and producer only */
	payload = icp_slice_make(p + ICP_BATCH_HEADER_SIZE, bytes.len - ICP_BATCH_HEADER_SIZE);
	if (cid == ICP_CODEC_NONE) {
		rc = parse_records(d, payload.ptr, payload.len, name, b, err);
	} else {
		icp_buf_reset(&d->dec);
		rc = icp_codec_decompress(d->codec, cid, payload, 0, &d->dec, err);
		if (rc != ICP_OK) {
			icp_error_prefix(err, BATCH_CTX ": %s records", BATCH_ARGS,
			                 icp_codec_name(cid));
			return rc;
		}
		rc = parse_records(d, d->dec.data, d->dec.len, name, b, err);
	}
	if (b->control) {
		/* CRC-checked, but a marker we cannot read is no data: it is
		 * reported as ICP_CONTROL_OTHER (its transaction stays open
		 * and shows in /status) rather than stopping the partition */
		if (rc != ICP_OK)
			icp_error_clear(err);
		control_marker(b, rc == ICP_OK);
		rc = ICP_OK;
	}
	return rc;
}
