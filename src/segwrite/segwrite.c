/*
 * Segment writer: encodes Kafka RecordBatch v2 batches and streams them
 * into a KafScale .kfs, then writes the footer and the sparse .index.
 *
 *   .kfs   header(32) | batches | footer(16: CRC32C(body), last offset, "END!")
 *   batch  baseOffset(8) batchLength(4) leaderEpoch(4) magic(1)=2 crc(4)
 *          attributes(2) lastOffsetDelta(4) firstTimestamp(8) maxTimestamp(8)
 *          producerId(8) producerEpoch(2) baseSequence(4) recordCount(4)
 *          records (one compressed blob when codec != none)
 *   record length varint | attributes int8 | timestampDelta varlong |
 *          offsetDelta varint | key | value | headers (zigzag varints)
 *
 * The batch CRC32C covers bytes [21, end): it is computed over the header
 * tail and the (compressed) records without copying them together. The
 * body CRC is chained batch after batch. The message count of the header
 * is only known at the end: the header is written provisionally and
 * rewritten by finish().
 */
#include "segwrite/segwrite.h"

#include "crc/crc.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#define HEADER_SIZE 32
#define FOOTER_SIZE 16
#define BATCH_HEADER_SIZE 61
#define INDEX_HEADER_SIZE 16
#define INDEX_ENTRY_SIZE 12
#define VARINT_MAX 10

typedef struct index_entry {
	int64_t offset;
	int32_t position;
} index_entry;

struct icp_segwrite {
	icp_segwrite_opts o;
	char *kfs_path, *kfs_tmp, *idx_path, *idx_tmp;
	FILE *f;
	int failed;
	int finished;
	icp_codec_ctx *codec;
	int64_t base_offset;
	uint64_t pos;           /* .kfs bytes written */
	uint32_t body_crc;
	int64_t messages;
	int32_t n_batches;
	int64_t next_offset;
	int64_t last_offset;
	index_entry *idx;
	size_t n_idx, cap_idx;
	int64_t since_entry;    /* messages since the last index entry */
	/* the pending batch */
	icp_buf recs;
	icp_buf z;
	int32_t n_recs;
	int64_t batch_base;
	int64_t first_ts, max_ts;
	int64_t last_rec_offset;
};

void icp_segwrite_opts_init(icp_segwrite_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->index_interval = 100;
	o->producer_id = -1;
	o->producer_epoch = -1;
	o->codec = ICP_CODEC_NONE;
	o->max_batch_bytes = 64u << 20;
}

/* ------------------------------------------------------------ varints */

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline size_t varint_len(int64_t v)
{
	uint64_t u = zigzag(v);
	size_t n = 1;
	while (u >= 0x80) {
		u >>= 7;
		n++;
	}
	return n;
}

static inline uint8_t *put_varint(uint8_t *p, int64_t v)
{
	uint64_t u = zigzag(v);
	while (u >= 0x80) {
		*p++ = (uint8_t)(u | 0x80);
		u >>= 7;
	}
	*p++ = (uint8_t)u;
	return p;
}

static inline uint8_t *put_bytes(uint8_t *p, icp_slice s, int is_null)
{
	if (is_null)
		return put_varint(p, -1);
	p = put_varint(p, (int64_t)s.len);
	if (s.len)
		memcpy(p, s.ptr, s.len);
	return p + s.len;
}

/* ------------------------------------------------------------ helpers */

static int fail(icp_segwrite *w, icp_error *err, int status, const char *what)
{
	w->failed = 1;
	return icp_error_set(err, status, "%s: %s", w->kfs_path, what);
}

/* 0 (with err set) once the writer failed or finished. */
static int usable(icp_segwrite *w, icp_error *err)
{
	if (!w->failed && !w->finished)
		return 1;
	icp_error_set(err, ICP_ERR_INVALID, "%s: writer %s", w->kfs_path,
	              w->finished ? "already finished" : "failed earlier");
	return 0;
}

static char *path_tmp(const char *path)
{
	size_t n = strlen(path) + 5;
	char *s = icp_malloc(n);
	if (s)
		snprintf(s, n, "%s.tmp", path);
	return s;
}

static int write_all(icp_segwrite *w, const void *p, size_t n, icp_error *err)
{
	if (n && fwrite(p, 1, n, w->f) != n) {
		w->failed = 1;
		return icp_error_set(err, ICP_ERR_IO, "%s: write failed: %s", w->kfs_tmp,
		                     strerror(errno));
	}
	return ICP_OK;
}

static void put_header(uint8_t *h, const icp_segwrite *w)
{
	memcpy(h, "KAFS", 4);
	icp_store_be16(h + 4, 1);
	icp_store_be16(h + 6, 0);
	icp_store_be64(h + 8, (uint64_t)w->base_offset);
	icp_store_be32(h + 16, (uint32_t)w->messages);
	icp_store_be64(h + 20, (uint64_t)w->o.created_ms);
	icp_store_be32(h + 28, 0);
}

static int kafka_codec_bits(icp_codec_id codec, int *bits)
{
	switch (codec) {
	case ICP_CODEC_NONE: *bits = 0; return ICP_OK;
	case ICP_CODEC_GZIP: *bits = 1; return ICP_OK;
	case ICP_CODEC_SNAPPY:
	case ICP_CODEC_SNAPPY_KAFKA: *bits = 2; return ICP_OK;
	case ICP_CODEC_LZ4_FRAME: *bits = 3; return ICP_OK;
	case ICP_CODEC_ZSTD: *bits = 4; return ICP_OK;
	default: return ICP_ERR_INVALID;
	}
}

/* ------------------------------------------------------------ lifecycle */

int icp_segwrite_new(const char *kfs_path, const char *index_path,
                     int64_t base_offset, const icp_segwrite_opts *opts,
                     icp_segwrite **out, icp_error *err)
{
	icp_segwrite *w = NULL;
	uint8_t h[HEADER_SIZE];
	int rc = ICP_ERR_NOMEM;

	*out = NULL;
	if (!kfs_path || !index_path || base_offset < 0)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "segwrite: needs two paths and a base offset >= 0");
	w = icp_calloc(1, sizeof(*w));
	if (!w)
		return icp_error_set(err, ICP_ERR_NOMEM, "segwrite: out of memory");
	if (opts)
		w->o = *opts;
	else
		icp_segwrite_opts_init(&w->o);
	if (w->o.index_interval <= 0 || w->o.max_batch_bytes == 0 ||
	    w->o.max_batch_bytes > INT32_MAX - BATCH_HEADER_SIZE) {
		icp_free(w);
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "segwrite: index_interval must be > 0 and max_batch_bytes in "
		                     "1..2 GiB");
	}
	if (w->o.created_ms == 0)
		w->o.created_ms = icp_now_ms();
	icp_buf_init(&w->recs, w->o.max_batch_bytes);
	/* Compressed output can be a little larger than its input. */
	icp_buf_init(&w->z, w->o.max_batch_bytes + w->o.max_batch_bytes / 8 + 65536);
	w->base_offset = base_offset;
	w->next_offset = base_offset;
	w->last_offset = base_offset - 1;
	w->kfs_path = icp_strdup(kfs_path);
	w->idx_path = icp_strdup(index_path);
	w->kfs_tmp = path_tmp(kfs_path);
	w->idx_tmp = path_tmp(index_path);
	w->codec = icp_codec_ctx_new();
	if (!w->kfs_path || !w->idx_path || !w->kfs_tmp || !w->idx_tmp || !w->codec) {
		icp_error_set(err, ICP_ERR_NOMEM, "segwrite: out of memory");
		goto out;
	}
	w->f = fopen(w->kfs_tmp, "wb");
	if (!w->f) {
		rc = icp_error_set(err, ICP_ERR_IO, "%s: cannot create: %s", w->kfs_tmp,
		                   strerror(errno));
		goto out;
	}
	/* Large stdio buffer: batches are written with two fwrite calls each. */
	setvbuf(w->f, NULL, _IOFBF, 1u << 20);
	put_header(h, w);
	if ((rc = write_all(w, h, sizeof(h), err)) != ICP_OK)
		goto out;
	w->pos = HEADER_SIZE;
	*out = w;
	w = NULL;
	rc = ICP_OK;
out:
	icp_segwrite_free(w);
	return rc;
}

void icp_segwrite_free(icp_segwrite *w)
{
	if (!w)
		return;
	if (w->f)
		fclose(w->f);
	if (!w->finished) {
		if (w->kfs_tmp)
			unlink(w->kfs_tmp);
		if (w->idx_tmp)
			unlink(w->idx_tmp);
	}
	icp_codec_ctx_free(w->codec);
	icp_buf_dispose(&w->recs);
	icp_buf_dispose(&w->z);
	icp_free(w->idx);
	icp_free(w->kfs_path);
	icp_free(w->kfs_tmp);
	icp_free(w->idx_path);
	icp_free(w->idx_tmp);
	icp_free(w);
}

void icp_segwrite_get_stats(const icp_segwrite *w, icp_segwrite_stats *st)
{
	st->bytes = w->pos;
	st->pending_bytes = w->recs.len;
	st->pending_records = w->n_recs;
	st->messages = w->messages;
	st->batches = w->n_batches;
	st->index_entries = (int32_t)w->n_idx;
	st->next_offset = w->next_offset;
	st->last_offset = w->last_offset;
}

/* ------------------------------------------------------------ batches */

/* Appends one finished batch (61-byte header + records section) to the
 * file and accounts for it in the index, the body CRC and the counts. */
static int write_batch(icp_segwrite *w, const uint8_t *hdr, icp_slice section,
                       int32_t count, int64_t base, int64_t last, icp_error *err)
{
	int rc;

	if (w->pos + BATCH_HEADER_SIZE + section.len > (uint64_t)INT32_MAX)
		return fail(w, err, ICP_ERR_TOO_LARGE,
		            "segment would pass 2 GiB (index positions are int32)");
	if (w->messages + count > INT32_MAX)
		return fail(w, err, ICP_ERR_TOO_LARGE,
		            "segment would hold more than 2^31-1 messages");
	if (w->n_batches == 0 || w->since_entry >= w->o.index_interval) {
		if (w->n_idx == w->cap_idx) {
			size_t cap = w->cap_idx ? w->cap_idx * 2 : 64;
			index_entry *e = icp_realloc(w->idx, cap * sizeof(*e));
			if (!e)
				return fail(w, err, ICP_ERR_NOMEM, "out of memory for the index");
			w->idx = e;
			w->cap_idx = cap;
		}
		w->idx[w->n_idx].offset = base;
		w->idx[w->n_idx].position = (int32_t)w->pos;
		w->n_idx++;
		w->since_entry = 0;
	}
	w->since_entry += count;
	if ((rc = write_all(w, hdr, BATCH_HEADER_SIZE, err)) != ICP_OK ||
	    (rc = write_all(w, section.ptr, section.len, err)) != ICP_OK)
		return rc;
	w->body_crc = icp_crc32c(w->body_crc, hdr, BATCH_HEADER_SIZE);
	w->body_crc = icp_crc32c(w->body_crc, section.ptr, section.len);
	w->pos += BATCH_HEADER_SIZE + section.len;
	w->messages += count;
	w->n_batches++;
	w->last_offset = last;
	if (w->next_offset <= last)
		w->next_offset = last + 1;
	return ICP_OK;
}

static void put_batch_header(uint8_t *h, int64_t base, size_t section_len,
                             int32_t leader_epoch, int attrs, int32_t last_delta,
                             int64_t first_ts, int64_t max_ts, int64_t pid,
                             int16_t pepoch, int32_t count, icp_slice section)
{
	uint32_t crc;

	icp_store_be64(h, (uint64_t)base);
	icp_store_be32(h + 8, (uint32_t)(BATCH_HEADER_SIZE - 12 + section_len));
	icp_store_be32(h + 12, (uint32_t)leader_epoch);
	h[16] = 2;
	icp_store_be16(h + 21, (uint16_t)attrs);
	icp_store_be32(h + 23, (uint32_t)last_delta);
	icp_store_be64(h + 27, (uint64_t)first_ts);
	icp_store_be64(h + 35, (uint64_t)max_ts);
	icp_store_be64(h + 43, (uint64_t)pid);
	icp_store_be16(h + 51, (uint16_t)pepoch);
	icp_store_be32(h + 53, (uint32_t)-1); /* baseSequence: not idempotent */
	icp_store_be32(h + 57, (uint32_t)count);
	crc = icp_crc32c(0, h + 21, BATCH_HEADER_SIZE - 21);
	crc = icp_crc32c(crc, section.ptr, section.len);
	icp_store_be32(h + 17, crc);
}

int icp_segwrite_flush_batch(icp_segwrite *w, icp_codec_id codec, icp_error *err)
{
	uint8_t h[BATCH_HEADER_SIZE];
	icp_slice section;
	int bits, attrs, rc;
	int64_t last_delta;

	if (!usable(w, err))
		return ICP_ERR_INVALID;
	if (kafka_codec_bits(codec, &bits) != ICP_OK)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "%s: codec %s cannot compress a Kafka batch", w->kfs_path,
		                     icp_codec_name(codec));
	if (w->n_recs == 0)
		return ICP_OK;
	section = icp_slice_make(w->recs.data, w->recs.len);
	if (codec != ICP_CODEC_NONE) {
		icp_buf_reset(&w->z);
		rc = icp_codec_compress(w->codec, codec, w->o.codec_level, section, &w->z, err);
		if (rc != ICP_OK) {
			w->failed = 1;
			icp_error_prefix(err, "%s: batch at offset %lld", w->kfs_path,
			                 (long long)w->batch_base);
			return rc;
		}
		section = icp_slice_make(w->z.data, w->z.len);
	}
	if (section.len > (size_t)INT32_MAX - BATCH_HEADER_SIZE)
		return fail(w, err, ICP_ERR_TOO_LARGE, "compressed batch passes 2 GiB");
	attrs = bits | (w->o.log_append_time ? 0x08 : 0) | (w->o.transactional ? 0x10 : 0);
	last_delta = w->last_rec_offset - w->batch_base;
	put_batch_header(h, w->batch_base, section.len, w->o.leader_epoch, attrs,
	                 (int32_t)last_delta, w->first_ts, w->max_ts, w->o.producer_id,
	                 w->o.producer_epoch, w->n_recs, section);
	rc = write_batch(w, h, section, w->n_recs, w->batch_base, w->last_rec_offset, err);
	if (rc != ICP_OK)
		return rc;
	icp_buf_reset(&w->recs);
	w->n_recs = 0;
	return ICP_OK;
}

/* Size of the record body (after its length varint) in the pending batch
 * at the given deltas. */
static size_t record_body_size(const icp_segwrite_record *rec, int64_t ts_delta,
                               int64_t off_delta)
{
	size_t body, i;

	body = 1 + varint_len(ts_delta) + varint_len(off_delta) +
	       (rec->key_null ? 1 : varint_len((int64_t)rec->key.len) + rec->key.len) +
	       (rec->value_null ? 1 : varint_len((int64_t)rec->value.len) + rec->value.len) +
	       varint_len((int64_t)rec->n_headers);
	for (i = 0; i < rec->n_headers; i++) {
		const icp_segwrite_header *hd = &rec->headers[i];
		body += varint_len((int64_t)hd->key.len) + hd->key.len +
		        (hd->value_null ? 1 : varint_len((int64_t)hd->value.len) + hd->value.len);
	}
	return body;
}

/* The record's deltas and encoded size if it joins the pending batch (or
 * starts a new one when the batch is empty). */
static int place_record(icp_segwrite *w, const icp_segwrite_record *rec, int64_t offset,
                        int64_t *ts_delta, int64_t *off_delta, size_t *body,
                        icp_error *err)
{
	int64_t first_ts = w->n_recs ? w->first_ts : rec->timestamp_ms;
	int64_t base = w->n_recs ? w->batch_base : offset;

	if (__builtin_sub_overflow(rec->timestamp_ms, first_ts, ts_delta))
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "%s: timestamp %lld is too far from the batch's first %lld",
		                     w->kfs_path, (long long)rec->timestamp_ms,
		                     (long long)first_ts);
	*off_delta = offset - base;
	if (*off_delta > INT32_MAX || w->n_recs == INT32_MAX)
		return icp_error_set(err, ICP_ERR_TOO_LARGE,
		                     "%s: offset delta or record count passes int32 in one batch",
		                     w->kfs_path);
	*body = record_body_size(rec, *ts_delta, *off_delta);
	return ICP_OK;
}

int icp_segwrite_add_record(icp_segwrite *w, const icp_segwrite_record *rec,
                            icp_error *err)
{
	int64_t offset, ts_delta, off_delta;
	size_t body, total, i;
	uint8_t *p;
	int rc;

	if (!usable(w, err))
		return ICP_ERR_INVALID;
	offset = rec->offset < 0 ? w->next_offset : rec->offset;
	if (offset < w->next_offset)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "%s: record offset %lld is below the next offset %lld",
		                     w->kfs_path, (long long)offset, (long long)w->next_offset);
	if (rec->n_headers > INT32_MAX || (rec->n_headers && !rec->headers))
		return icp_error_set(err, ICP_ERR_INVALID, "%s: bad header list", w->kfs_path);
	/* A record whose offset delta or count would pass int32 in the pending
	 * batch starts the next one. */
	if (w->n_recs > 0 && (offset - w->batch_base > INT32_MAX || w->n_recs == INT32_MAX) &&
	    (rc = icp_segwrite_flush_batch(w, w->o.codec, err)) != ICP_OK)
		return rc;
	if ((rc = place_record(w, rec, offset, &ts_delta, &off_delta, &body, err)) != ICP_OK)
		return rc;
	total = varint_len((int64_t)body) + body;
	/* Auto-flush: the record would make the batch too big. */
	if (w->n_recs > 0 && w->o.batch_bytes && w->recs.len + total > w->o.batch_bytes) {
		if ((rc = icp_segwrite_flush_batch(w, w->o.codec, err)) != ICP_OK)
			return rc;
		rc = place_record(w, rec, offset, &ts_delta, &off_delta, &body, err);
		if (rc != ICP_OK)
			return rc;
		total = varint_len((int64_t)body) + body;
	}
	if (body > INT32_MAX || total > w->o.max_batch_bytes - w->recs.len)
		return icp_error_set(err, ICP_ERR_TOO_LARGE,
		                     "%s: record at offset %lld (%zu bytes) does not fit in a batch "
		                     "of at most %zu bytes", w->kfs_path, (long long)offset, total,
		                     w->o.max_batch_bytes);
	if (icp_buf_reserve(&w->recs, total) != ICP_OK) {
		w->failed = 1;
		return icp_error_set(err, w->recs.status, "%s: batch buffer: %s", w->kfs_path,
		                     icp_status_name(w->recs.status));
	}
	if (w->n_recs == 0) {
		w->batch_base = offset;
		w->first_ts = rec->timestamp_ms;
		w->max_ts = rec->timestamp_ms;
	}
	p = w->recs.data + w->recs.len;
	p = put_varint(p, (int64_t)body);
	*p++ = 0; /* attributes */
	p = put_varint(p, ts_delta);
	p = put_varint(p, off_delta);
	p = put_bytes(p, rec->key, rec->key_null);
	p = put_bytes(p, rec->value, rec->value_null);
	p = put_varint(p, (int64_t)rec->n_headers);
	for (i = 0; i < rec->n_headers; i++) {
		p = put_bytes(p, rec->headers[i].key, 0);
		p = put_bytes(p, rec->headers[i].value, rec->headers[i].value_null);
	}
	w->recs.len += total;
	if (w->recs.len < w->recs.cap)
		w->recs.data[w->recs.len] = 0; /* keep icp_buf's NUL convention */
	w->n_recs++;
	if (rec->timestamp_ms > w->max_ts)
		w->max_ts = rec->timestamp_ms;
	w->last_rec_offset = offset;
	w->next_offset = offset + 1;
	return ICP_OK;
}

int icp_segwrite_add_control(icp_segwrite *w, int commit, int64_t producer_id,
                             int16_t producer_epoch, int64_t timestamp_ms,
                             icp_error *err)
{
	/* One control record: key = version int16 0, type int16 (0 ABORT,
	 * 1 COMMIT); value = version int16 0, coordinatorEpoch int32 0. */
	uint8_t rec[32], h[BATCH_HEADER_SIZE], *p = rec;
	static const uint8_t value[6] = {0, 0, 0, 0, 0, 0};
	uint8_t key[4] = {0, 0, 0, (uint8_t)(commit ? 1 : 0)};
	int64_t offset;
	int rc;

	if (!usable(w, err))
		return ICP_ERR_INVALID;
	if ((rc = icp_segwrite_flush_batch(w, w->o.codec, err)) != ICP_OK)
		return rc;
	offset = w->next_offset;
	p = put_varint(p, 1 + 1 + 1 + 1 + 4 + 1 + 6 + 1);
	*p++ = 0;
	p = put_varint(p, 0);
	p = put_varint(p, 0);
	p = put_bytes(p, icp_slice_make(key, 4), 0);
	p = put_bytes(p, icp_slice_make(value, 6), 0);
	p = put_varint(p, 0);
	put_batch_header(h, offset, (size_t)(p - rec), w->o.leader_epoch, 0x10 | 0x20, 0,
	                 timestamp_ms, timestamp_ms, producer_id, producer_epoch, 1,
	                 icp_slice_make(rec, (size_t)(p - rec)));
	return write_batch(w, h, icp_slice_make(rec, (size_t)(p - rec)), 1, offset, offset,
	                   err);
}

/* ------------------------------------------------------------ finish */

static int write_index(icp_segwrite *w, icp_error *err)
{
	uint8_t h[INDEX_HEADER_SIZE], e[INDEX_ENTRY_SIZE];
	FILE *f = fopen(w->idx_tmp, "wb");
	size_t i;
	int ok;

	if (!f) {
		w->failed = 1;
		return icp_error_set(err, ICP_ERR_IO, "%s: cannot create: %s", w->idx_tmp,
		                     strerror(errno));
	}
	memcpy(h, "IDX\0", 4);
	icp_store_be16(h + 4, 1);
	icp_store_be32(h + 6, (uint32_t)w->n_idx);
	icp_store_be32(h + 10, (uint32_t)w->o.index_interval);
	icp_store_be16(h + 14, 0);
	ok = fwrite(h, 1, sizeof(h), f) == sizeof(h);
	for (i = 0; ok && i < w->n_idx; i++) {
		icp_store_be64(e, (uint64_t)w->idx[i].offset);
		icp_store_be32(e + 8, (uint32_t)w->idx[i].position);
		ok = fwrite(e, 1, sizeof(e), f) == sizeof(e);
	}
	if (fclose(f) != 0 || !ok || rename(w->idx_tmp, w->idx_path) != 0) {
		w->failed = 1;
		return icp_error_set(err, ICP_ERR_IO, "%s: writing or renaming into place "
		                     "failed: %s", w->idx_path, strerror(errno));
	}
	return ICP_OK;
}

int icp_segwrite_finish(icp_segwrite *w, icp_error *err)
{
	uint8_t foot[FOOTER_SIZE], h[HEADER_SIZE];
	int rc;

	if (!usable(w, err))
		return ICP_ERR_INVALID;
	if ((rc = icp_segwrite_flush_batch(w, w->o.codec, err)) != ICP_OK)
		return rc;
	if (w->n_batches == 0)
		return fail(w, err, ICP_ERR_INVALID, "a segment needs at least one record");
	icp_store_be32(foot, w->body_crc);
	icp_store_be64(foot + 4, (uint64_t)w->last_offset);
	memcpy(foot + 12, "END!", 4);
	if ((rc = write_all(w, foot, sizeof(foot), err)) != ICP_OK)
		return rc;
	w->pos += FOOTER_SIZE;
	put_header(h, w);
	if (fflush(w->f) != 0 || fseek(w->f, 0, SEEK_SET) != 0)
		return fail(w, err, ICP_ERR_IO, "cannot rewrite the segment header");
	if ((rc = write_all(w, h, sizeof(h), err)) != ICP_OK)
		return rc;
	rc = fclose(w->f);
	w->f = NULL;
	if (rc != 0)
		return fail(w, err, ICP_ERR_IO, "closing the segment file failed");
	if (rename(w->kfs_tmp, w->kfs_path) != 0)
		return fail(w, err, ICP_ERR_IO, "cannot rename the segment file into place");
	if ((rc = write_index(w, err)) != ICP_OK)
		return rc;
	w->finished = 1;
	return ICP_OK;
}
