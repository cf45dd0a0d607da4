/*
 * Streaming segment reader. A window buffer holds the bytes between the
 * read cursor and what the source has delivered; it is refilled in large
 * reads and compacted (remaining bytes moved to the front) when a batch
 * does not fit behind the cursor. A batch is decoded only once all of its
 * bytes are in the window, so the window never grows past
 * max_batch_bytes + one read chunk.
 *
 * The body CRC32C is accumulated batch by batch over the exact body bytes;
 * the footer, body CRC, last offset and message count are checked when the
 * cursor reaches the footer (object size - 16). When the source can seek,
 * the footer magic is checked before any batch is decoded, so an upload cut
 * short fails before it yields a record.
 */
#include "segment/segment_int.h"

#include "crc/crc.h"

#include <pthread.h>
#include <stdatomic.h>

#define READ_CHUNK (1u << 20)
#define AHEAD_MAX_DEPTH 16

/* Decode-ahead (icp_segment_reader_decode_ahead). The reader frames
 * batches on its own thread and copies each into a slot of a ring; for
 * each it queues an anonymous token on the pool (if the pool's queue has
 * room). A token decodes the oldest slot nobody has claimed; the reader,
 * when it needs the head slot and no worker has claimed it, decodes it
 * itself. So the reader never waits for work queued behind other jobs
 * (page compression), and a token that finds nothing left just returns.
 *
 * Slot states (atomic; the claim is a compare-and-swap from QUEUED):
 *   FREE -> QUEUED (reader; fields written before the release store)
 *   QUEUED -> RUNNING -> DONE (a worker; DONE under mu, broadcast on cv)
 *   QUEUED -> MINE (the reader decodes it)      DONE/MINE -> FREE (reader)
 * The ring and its slots live as long as a reference: the reader holds
 * one, each queued token one. The last to let go frees it, so closing a
 * reader never waits for tokens still queued behind other jobs. */
enum { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE, SLOT_MINE };

typedef struct ahead_slot {
	atomic_int state;
	_Atomic uint64_t seq;    /* framing order: tokens take the lowest */
	icp_batch_decoder *dec;
	uint8_t *raw;
	size_t raw_cap, raw_len;
	uint64_t pos;
	int skip;                /* decoded with records skipped */
	size_t footprint;        /* the decoder's bytes, as of its last take (reader) */
	const char *name;
	icp_batch batch;
	int rc;                  /* a worker's result (DONE) */
	icp_error err;
} ahead_slot;

struct ahead {
	atomic_int refs;
	pthread_mutex_t mu;      /* DONE transitions, for the reader's wait */
	pthread_cond_t cv;
	icp_pool *pool;
	size_t depth, max_bytes;
	char *name;              /* the object's name, for messages: a copy, as
	                          * a worker may outlive the reader's source */
	/* the reader's alone: */
	size_t head, n;          /* ring: the oldest slot in use, count */
	uint64_t next_seq;
	int returned;            /* the head slot is the batch last returned */
	int stop;                /* framing ended: ICP_END (body end) or an error */
	icp_error stop_err;
	ahead_slot slot[AHEAD_MAX_DEPTH];
};

struct icp_segment_reader {
	const icp_segment_source *src;
	icp_segment_opts opts;
	icp_batch_decoder *dec;
	const icp_segment_index *index;
	size_t index_next;       /* next index entry to match */
	uint8_t *win;            /* window buffer */
	size_t win_cap;
	size_t rpos, wpos;       /* cursor and end of valid data in win */
	uint64_t pos;            /* object position of win[rpos] */
	uint64_t body_end;       /* object size - 16 */
	int src_eof;
	int have_header;
	int check_body_crc;
	uint32_t body_crc;
	int64_t prev_last;       /* last offset of the previous batch */
	int64_t records_seen;    /* sum of recordCount */
	int64_t first_base;
	int64_t last_record;     /* offset of the last data record seen */
	int done;                /* sticky status once ended or failed */
	icp_segment_header header;
	icp_segment_footer footer;
	icp_error sticky;
	icp_segment_mismatch mismatch[ICP_MISMATCH_KINDS];
	size_t n_mismatch;
	icp_slice last_raw;      /* bytes of the batch last returned */
	int skip_now;            /* the skip switch for the next batch */
	struct ahead *ahead;     /* decode-ahead, NULL: batches decode inline */
};

icp_slice icp_segment_reader_last_raw(const icp_segment_reader *r)
{
	return r->last_raw;
}

static void ahead_free(struct ahead *a);

size_t icp_segment_reader_footprint(const icp_segment_reader *r)
{
	size_t sum, i;
	if (!r)
		return 0;
	sum = r->win_cap + icp_batch_decoder_footprint(r->dec);
	for (i = 0; r->ahead && i < r->ahead->depth; i++) /* not the decoders of running jobs */
		sum += r->ahead->slot[i].raw_cap + r->ahead->slot[i].footprint;
	return sum;
}

static const char *const mismatch_names[ICP_MISMATCH_KINDS] = {
	[ICP_MISMATCH_FOOTER_LAST_OFFSET] = "footer_last_offset",
	[ICP_MISMATCH_HEADER_BASE_OFFSET] = "header_base_offset",
	[ICP_MISMATCH_HEADER_MESSAGE_COUNT] = "header_message_count",
	[ICP_MISMATCH_INDEX] = "index",
};

const char *icp_segment_mismatch_name(icp_segment_mismatch_kind k)
{
	return (unsigned)k < ICP_MISMATCH_KINDS ? mismatch_names[k] : "unknown";
}

size_t icp_segment_reader_mismatches(const icp_segment_reader *r,
                                     const icp_segment_mismatch **out)
{
	*out = r->mismatch;
	return r->n_mismatch;
}

void icp_segment_reader_skip_records(icp_segment_reader *r, int skip)
{
	r->skip_now = skip;
}

/* Lenient readers note a metadata disagreement (once per kind) and go on;
 * strict ones fail with the message already in err. Returns the status
 * to continue with. */
static int mismatch(icp_segment_reader *r, icp_segment_mismatch_kind kind, int64_t claimed,
                    int64_t actual, int strict_rc)
{
	size_t i;
	if (!r->opts.lenient_metadata)
		return strict_rc;
	for (i = 0; i < r->n_mismatch; i++)
		if (r->mismatch[i].kind == kind)
			return ICP_OK;
	r->mismatch[r->n_mismatch].kind = kind;
	r->mismatch[r->n_mismatch].claimed = claimed;
	r->mismatch[r->n_mismatch].actual = actual;
	r->n_mismatch++;
	return ICP_OK;
}

/* Ensures `need` bytes are in the window behind the cursor, reading more.
 * Returns ICP_OK, ICP_END (source ended first) or an error. */
static int fill(icp_segment_reader *r, size_t need, icp_error *err)
{
	while (r->wpos - r->rpos < need) {
		size_t got = 0, want;
		int rc;

		if (r->src_eof)
			return ICP_END;
		if (r->win_cap - r->rpos < need || r->wpos == r->win_cap) {
			/* compact, then grow if still too small */
			if (r->rpos && r->wpos > r->rpos)
				memmove(r->win, r->win + r->rpos, r->wpos - r->rpos);
			r->wpos -= r->rpos;
			r->rpos = 0;
			if (r->win_cap < need + READ_CHUNK / 4) {
				size_t ncap = need + READ_CHUNK;
				uint8_t *nw = icp_realloc(r->win, ncap);
				if (!nw)
					return icp_error_set(err, ICP_ERR_NOMEM,
					                     "%s: out of memory for a %zu-byte window",
					                     r->src->name, ncap);
				r->win = nw;
				r->win_cap = ncap;
			}
		}
		want = r->win_cap - r->wpos;
		rc = r->src->read(r->src->ctx, r->win + r->wpos, want, &got, err);
		if (rc != ICP_OK)
			return rc;
		if (got == 0)
			r->src_eof = 1;
		r->wpos += got;
	}
	return ICP_OK;
}

/* Advances past a batch of n bytes whose CRC32C was verified. The body
 * CRC extends over it: for large batches by combining with the batch's
 * own (verified) CRC of bytes [21, n) instead of hashing them again. */
static void consume(icp_segment_reader *r, size_t n)
{
	const uint8_t *p = r->win + r->rpos;

	if (r->check_body_crc) {
		if (n > 4096) {
			uint32_t head = icp_crc32c(r->body_crc, p, 21);
			r->body_crc = icp_crc32c_combine(head, icp_load_be32(p + 17), n - 21);
		} else {
			r->body_crc = icp_crc32c(r->body_crc, p, n);
		}
	}
	r->rpos += n;
	r->pos += n;
}

int icp_segment_reader_new(const icp_segment_source *src,
                           const icp_segment_opts *opts,
                           icp_segment_reader **out, icp_error *err)
{
	icp_segment_reader *r;
	int rc = ICP_ERR_NOMEM;

	*out = NULL;
	r = icp_calloc(1, sizeof(*r));
	if (!r)
		return icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory", src->name);
	r->src = src;
	if (opts)
		r->opts = *opts;
	else
		icp_segment_opts_init(&r->opts);
	r->dec = icp_batch_decoder_new(&r->opts);
	if (!r->dec) {
		icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory", src->name);
		goto out;
	}
	r->opts.max_batch_bytes = r->opts.max_batch_bytes ? r->opts.max_batch_bytes : (64u << 20);
	r->pos = src->start;
	r->prev_last = -1;
	r->first_base = -1;
	r->last_record = -1;
	icp_error_init(&r->sticky);
	if (src->size < ICP_SEGMENT_HEADER_SIZE + ICP_SEGMENT_FOOTER_SIZE) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT,
		                   "%s: object is %llu bytes, smaller than a segment header and footer",
		                   src->name, (unsigned long long)src->size);
		goto out;
	}
	r->body_end = src->size - ICP_SEGMENT_FOOTER_SIZE;
	if (src->start > r->body_end || (src->start != 0 && src->start < ICP_SEGMENT_HEADER_SIZE)) {
		rc = icp_error_set(err, ICP_ERR_INVALID,
		                   "%s: start position %llu is not inside the body",
		                   src->name, (unsigned long long)src->start);
		goto out;
	}
	if (src->read_at) {
		uint8_t f[ICP_SEGMENT_FOOTER_SIZE];
		rc = src->read_at(src->ctx, r->body_end, f, sizeof(f), err);
		if (rc != ICP_OK)
			goto out;
		rc = icp_segment_footer_parse(f, src->name, src->size, &r->footer, err);
		if (rc != ICP_OK)
			goto out;
	}
	if (src->start == 0) {
		rc = fill(r, ICP_SEGMENT_HEADER_SIZE, err);
		if (rc == ICP_END)
			rc = icp_error_set(err, ICP_ERR_CORRUPT, "%s: object ends inside the header",
			                   src->name);
		if (rc != ICP_OK)
			goto out;
		rc = icp_segment_header_parse(r->win, ICP_SEGMENT_HEADER_SIZE, src->name,
		                              &r->header, err);
		if (rc != ICP_OK)
			goto out;
		r->rpos += ICP_SEGMENT_HEADER_SIZE;
		r->pos += ICP_SEGMENT_HEADER_SIZE;
		r->have_header = 1;
		r->check_body_crc = !r->opts.skip_crc;
	}
	*out = r;
	r = NULL;
	rc = ICP_OK;
out:
	icp_segment_reader_free(r);
	return rc;
}

void icp_segment_reader_free(icp_segment_reader *r)
{
	if (!r)
		return;
	ahead_free(r->ahead); /* its tokens may outlive the reader */
	icp_batch_decoder_free(r->dec);
	icp_free(r->win);
	icp_free(r);
}

const icp_segment_header *icp_segment_reader_header(const icp_segment_reader *r)
{
	return r->have_header ? &r->header : NULL;
}

const icp_segment_footer *icp_segment_reader_footer(const icp_segment_reader *r)
{
	return r->done == ICP_END ? &r->footer : NULL;
}

void icp_segment_reader_check_index(icp_segment_reader *r,
                                    const icp_segment_index *idx)
{
	r->index = idx;
	r->index_next = 0;
	while (idx && r->index_next < idx->n_entries &&
	       idx->entries[r->index_next].position < r->pos)
		r->index_next++;
}

/* Reads to the end of the object to tell "cut short" from "bad length". */
static int overrun(icp_segment_reader *r, int64_t base, uint64_t need,
                   icp_error *err)
{
	size_t have;
	int rc = fill(r, (size_t)(r->src->size - r->pos), err);

	if (rc != ICP_OK && rc != ICP_END)
		return rc;
	have = r->wpos - r->rpos;
	if (r->pos + have < r->src->size || have < ICP_SEGMENT_FOOTER_SIZE ||
	    icp_load_be32(r->win + r->wpos - 4) != 0x454E4421u)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: file is %llu bytes and does not end with the END! footer "
		                     "(it was cut inside the batch at byte %llu (base offset %lld))",
		                     r->src->name, (unsigned long long)r->src->size,
		                     (unsigned long long)r->pos, (long long)base);
	return icp_error_set(err, ICP_ERR_CORRUPT,
	                     "%s: batch at byte %llu (base offset %lld) needs %llu bytes but the "
	                     "body ends at byte %llu",
	                     r->src->name, (unsigned long long)r->pos, (long long)base,
	                     (unsigned long long)need, (unsigned long long)r->body_end);
}

static int finish(icp_segment_reader *r, icp_error *err)
{
	icp_segment_footer f;
	int rc = fill(r, ICP_SEGMENT_FOOTER_SIZE, err);

	if (rc == ICP_END || (rc == ICP_OK && r->pos + ICP_SEGMENT_FOOTER_SIZE != r->src->size))
		return icp_error_set(err, ICP_ERR_CORRUPT, "%s: object ends inside the footer",
		                     r->src->name);
	if (rc != ICP_OK)
		return rc;
	rc = icp_segment_footer_parse(r->win + r->rpos, r->src->name, r->src->size, &f, err);
	if (rc != ICP_OK)
		return rc;
	if (r->check_body_crc && f.crc != r->body_crc)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: footer CRC32C at byte %llu is 0x%08x but the body (bytes 32 "
		                     "to %llu) hashes to 0x%08x",
		                     r->src->name, (unsigned long long)r->body_end, f.crc,
		                     (unsigned long long)r->body_end - 1, r->body_crc);
	/* Brokers write the last batch's base + lastOffsetDelta; accept the
	 * last data record's offset too (they differ only after compaction).
	 * Neither this, the header's count nor the index is covered by the
	 * body CRC: lenient readers only note a disagreement. */
	if (r->prev_last >= 0 && f.last_offset != r->prev_last &&
	    f.last_offset != r->last_record &&
	    mismatch(r, ICP_MISMATCH_FOOTER_LAST_OFFSET, f.last_offset, r->prev_last,
	             ICP_ERR_CORRUPT) != ICP_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: footer last offset %lld does not match the last batch, which "
		                     "ends at offset %lld",
		                     r->src->name, (long long)f.last_offset, (long long)r->prev_last);
	if (r->have_header && r->records_seen != r->header.message_count &&
	    mismatch(r, ICP_MISMATCH_HEADER_MESSAGE_COUNT, r->header.message_count,
	             r->records_seen, ICP_ERR_CORRUPT) != ICP_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: segment header message count is %d but the batches hold %lld "
		                     "records",
		                     r->src->name, r->header.message_count, (long long)r->records_seen);
	if (r->index && r->index_next < r->index->n_entries &&
	    mismatch(r, ICP_MISMATCH_INDEX, r->index->entries[r->index_next].offset, -1,
	             ICP_ERR_CORRUPT) != ICP_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: index entry %zu (offset %lld, position %u) does not point at a "
		                     "batch start",
		                     r->src->name, r->index_next,
		                     (long long)r->index->entries[r->index_next].offset,
		                     r->index->entries[r->index_next].position);
	r->footer = f;
	return ICP_END;
}

/* Frames the batch at the cursor: its 12-byte prefix read, its length
 * checked against the limits and the body, all of its bytes in the window
 * at rpos (*need of them), and the index entries at its position checked.
 * ICP_END: the cursor is at the footer. Nothing is consumed. */
static int frame(icp_segment_reader *r, uint64_t *need_out, icp_error *err)
{
	uint64_t need;
	int64_t base;
	int32_t blen;
	int rc;

	if (r->pos == r->body_end)
		return ICP_END;
	if (r->body_end - r->pos < 12)
		return overrun(r, -1, 12, err);
	rc = fill(r, 12, err);
	if (rc == ICP_END)
		rc = overrun(r, -1, 12, err);
	if (rc != ICP_OK)
		return rc;
	base = (int64_t)icp_load_be64(r->win + r->rpos);
	blen = (int32_t)icp_load_be32(r->win + r->rpos + 8);
	if (blen < ICP_BATCH_HEADER_SIZE - 12)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: batch at byte %llu (base offset %lld) has batchLength %d, "
		                     "less than the 49 bytes of a batch header",
		                     r->src->name, (unsigned long long)r->pos, (long long)base, blen);
	need = (uint64_t)blen + 12;
	if (need > r->opts.max_batch_bytes)
		return icp_error_set(err, ICP_ERR_TOO_LARGE,
		                     "%s: batch at byte %llu (base offset %lld) is %llu bytes, over the "
		                     "limit of %zu (processor.max_batch_bytes)",
		                     r->src->name, (unsigned long long)r->pos, (long long)base,
		                     (unsigned long long)need, r->opts.max_batch_bytes);
	if (need > r->body_end - r->pos)
		return overrun(r, base, need, err);
	rc = fill(r, (size_t)need, err);
	if (rc == ICP_END)
		rc = overrun(r, base, need, err);
	if (rc != ICP_OK)
		return rc;
	*need_out = need;
	if (r->index) {
		const icp_segment_index *ix = r->index;
		while (r->index_next < ix->n_entries &&
		       ix->entries[r->index_next].position == r->pos) {
			if (ix->entries[r->index_next].offset != base) {
				if (mismatch(r, ICP_MISMATCH_INDEX, ix->entries[r->index_next].offset,
				             base, ICP_ERR_CORRUPT) == ICP_OK) {
					r->index = NULL; /* a hint proven wrong: stop checking */
					return ICP_OK;
				}
				return icp_error_set(err, ICP_ERR_CORRUPT,
				                     "%s: index entry %zu says offset %lld is at byte %llu, "
				                     "but the batch there has base offset %lld",
				                     r->src->name, r->index_next,
				                     (long long)ix->entries[r->index_next].offset,
				                     (unsigned long long)r->pos, (long long)base);
			}
			r->index_next++;
		}
		if (r->index_next < ix->n_entries && ix->entries[r->index_next].position < r->pos + need &&
		    ix->entries[r->index_next].position > r->pos) {
			if (mismatch(r, ICP_MISMATCH_INDEX, ix->entries[r->index_next].offset, -1,
			             ICP_ERR_CORRUPT) == ICP_OK) {
				r->index = NULL;
				return ICP_OK;
			}
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "%s: index entry %zu (offset %lld) points at byte %u, inside "
			                     "the batch at byte %llu",
			                     r->src->name, r->index_next,
			                     (long long)ix->entries[r->index_next].offset,
			                     ix->entries[r->index_next].position,
			                     (unsigned long long)r->pos);
		}
	}
	return ICP_OK;
}

/* The checks of a decoded batch against the ones before it, in object
 * order, and the reader's running totals. */
static int deliver(icp_segment_reader *r, uint64_t pos, const icp_batch *batch, icp_error *err)
{
	if (batch->base_offset <= r->prev_last ||
	    (r->have_header && batch->base_offset < r->header.base_offset &&
	     mismatch(r, ICP_MISMATCH_HEADER_BASE_OFFSET, r->header.base_offset,
	              batch->base_offset, ICP_ERR_CORRUPT) != ICP_OK))
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: batch at byte %llu has base offset %lld, not after the "
		                     "previous batch's last offset %lld (segment base offset %lld)",
		                     r->src->name, (unsigned long long)pos,
		                     (long long)batch->base_offset, (long long)r->prev_last,
		                     (long long)r->header.base_offset);
	if (r->first_base < 0)
		r->first_base = batch->base_offset;
	r->prev_last = batch->last_offset;
	r->records_seen += batch->record_count;
	if (batch->n_records)
		r->last_record = batch->records[batch->n_records - 1].offset;
	return ICP_OK;
}

static int ahead_next(icp_segment_reader *r, icp_batch *batch, icp_error *err);

int icp_segment_reader_next(icp_segment_reader *r, icp_batch *batch,
                            icp_error *err)
{
	uint64_t need = 0, pos;
	int rc;

	if (r->done == ICP_END)
		return ICP_END;
	if (r->done) {
		icp_error_set(err, r->sticky.status ? r->sticky.status : r->done, "%s",
		              r->sticky.msg);
		return r->done;
	}
	if (r->ahead) {
		rc = ahead_next(r, batch, err);
		if (rc == ICP_OK)
			return rc;
		goto out;
	}
	rc = frame(r, &need, err);
	if (rc == ICP_END)
		rc = finish(r, err);
	if (rc != ICP_OK)
		goto out;
	pos = r->pos;
	icp_batch_decoder_skip_records(r->dec, r->skip_now);
	rc = icp_batch_decode(r->dec, icp_slice_make(r->win + r->rpos, (size_t)need), pos,
	                      r->src->name, batch, err);
	if (rc == ICP_OK)
		rc = deliver(r, pos, batch, err);
	if (rc != ICP_OK)
		goto out;
	r->last_raw = icp_slice_make(r->win + r->rpos, (size_t)need);
	consume(r, (size_t)need);
	return ICP_OK;
out:
	r->done = rc;
	if (err && err->status != ICP_OK)
		r->sticky = *err;
	return rc;
}

/* ------------------------------------------------------------ decode-ahead */

static void ahead_unref(struct ahead *a)
{
	size_t i;
	if (atomic_fetch_sub(&a->refs, 1) != 1)
		return;
	for (i = 0; i < a->depth; i++) {
		icp_batch_decoder_free(a->slot[i].dec);
		icp_free(a->slot[i].raw);
	}
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	icp_free(a->name);
	icp_free(a);
}

/* A token: decodes the oldest unclaimed slot, if any. */
static int ahead_job(void *arg, unsigned worker, icp_error *err)
{
	struct ahead *a = arg;
	ahead_slot *s = NULL;
	(void)worker;
	(void)err;
	for (;;) {
		size_t i;
		int want = SLOT_QUEUED;
		s = NULL;
		for (i = 0; i < a->depth; i++) {
			ahead_slot *c = &a->slot[i];
			if (atomic_load(&c->state) == SLOT_QUEUED &&
			    (!s || atomic_load_explicit(&c->seq, memory_order_relaxed) <
			               atomic_load_explicit(&s->seq, memory_order_relaxed)))
				s = c;
		}
		if (!s || atomic_compare_exchange_strong(&s->state, &want, SLOT_RUNNING))
			break;
	}
	if (s) {
		icp_error_init(&s->err);
		icp_batch_decoder_skip_records(s->dec, s->skip);
		s->rc = icp_batch_decode(s->dec, icp_slice_make(s->raw, s->raw_len), s->pos, s->name,
		                         &s->batch, &s->err);
		pthread_mutex_lock(&a->mu);
		atomic_store(&s->state, SLOT_DONE);
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
	}
	ahead_unref(a);
	return ICP_OK;
}

/* Bytes the slots in use hold or will: their raw copies and what their
 * decoders grew to when last used. */
static size_t ahead_bytes(const struct ahead *a)
{
	size_t i, sum = 0;
	for (i = 0; i < a->n; i++) {
		const ahead_slot *s = &a->slot[(a->head + i) % a->depth];
		sum += s->raw_len + s->footprint;
	}
	return sum;
}

/* Frames and queues batches until the ring is full, the byte allowance
 * is reached (one batch always goes) or framing ends; a framing error is
 * kept for when the batches before it have been handed back. */
static int ahead_fill(icp_segment_reader *r, icp_error *err)
{
	struct ahead *a = r->ahead;
	while (!a->stop && a->n < a->depth && (a->n == 0 || ahead_bytes(a) < a->max_bytes)) {
		ahead_slot *s = &a->slot[(a->head + a->n) % a->depth];
		uint64_t need = 0;
		int rc = frame(r, &need, &a->stop_err);
		if (rc != ICP_OK) {
			a->stop = rc;
			break;
		}
		if (s->raw_cap < need) {
			uint8_t *nr = icp_realloc(s->raw, (size_t)need);
			if (!nr)
				return icp_error_set(err, ICP_ERR_NOMEM,
				                     "%s: out of memory for a %llu-byte batch",
				                     r->src->name, (unsigned long long)need);
			s->raw = nr;
			s->raw_cap = (size_t)need;
		}
		memcpy(s->raw, r->win + r->rpos, (size_t)need);
		s->raw_len = (size_t)need;
		s->pos = r->pos;
		s->skip = r->skip_now;
		s->name = a->name;
		atomic_store_explicit(&s->seq, a->next_seq++, memory_order_relaxed);
		consume(r, (size_t)need);
		a->n++;
		atomic_store(&s->state, SLOT_QUEUED); /* publishes the fields above */
		atomic_fetch_add(&a->refs, 1);
		if (!icp_pool_try_submit_detached(a->pool, ahead_job, a))
			atomic_fetch_sub(&a->refs, 1); /* queue full: decoded here later */
	}
	return ICP_OK;
}

/* The head slot decoded: by the reader when no worker claimed it, else
 * the worker's result once it is done. */
static int ahead_take(struct ahead *a, ahead_slot *s, int skip, icp_error *err)
{
	int want = SLOT_QUEUED;
	if (atomic_compare_exchange_strong(&s->state, &want, SLOT_MINE)) {
		int rc;
		icp_batch_decoder_skip_records(s->dec, skip);
		s->skip = skip;
		rc = icp_batch_decode(s->dec, icp_slice_make(s->raw, s->raw_len), s->pos, s->name,
		                      &s->batch, err);
		s->footprint = icp_batch_decoder_footprint(s->dec);
		return rc;
	}
	pthread_mutex_lock(&a->mu);
	while (atomic_load(&s->state) != SLOT_DONE)
		pthread_cond_wait(&a->cv, &a->mu);
	pthread_mutex_unlock(&a->mu);
	s->footprint = icp_batch_decoder_footprint(s->dec);
	if (s->rc != ICP_OK)
		*err = s->err;
	return s->rc;
}

static int ahead_next(icp_segment_reader *r, icp_batch *batch, icp_error *err)
{
	struct ahead *a = r->ahead;
	ahead_slot *s;
	int rc;

	if (a->returned) { /* the caller is done with the batch last returned */
		atomic_store(&a->slot[a->head].state, SLOT_FREE);
		a->returned = 0;
		a->head = (a->head + 1) % a->depth;
		a->n--;
	}
	rc = ahead_fill(r, err);
	if (rc != ICP_OK)
		return rc;
	if (a->n == 0) {
		if (a->stop == ICP_END)
			return finish(r, err);
		icp_error_set(err, a->stop_err.status ? a->stop_err.status : a->stop, "%s",
		              a->stop_err.msg);
		return a->stop;
	}
	s = &a->slot[a->head];
	rc = ahead_take(a, s, r->skip_now, err);
	if (rc != ICP_OK)
		return rc;
	if (s->skip && !r->skip_now && !s->batch.control) {
		/* framed while scanning, wanted now: decode it again here */
		icp_batch_decoder_skip_records(s->dec, 0);
		rc = icp_batch_decode(s->dec, icp_slice_make(s->raw, s->raw_len), s->pos, s->name,
		                      &s->batch, err);
		if (rc != ICP_OK)
			return rc;
	}
	*batch = s->batch;
	if (r->skip_now && !batch->control) {
		batch->records = NULL; /* decoded ahead in full, skipped now */
		batch->n_records = 0;
		batch->headers = NULL;
		batch->n_headers = 0;
	}
	rc = deliver(r, s->pos, batch, err);
	if (rc != ICP_OK)
		return rc;
	r->last_raw = icp_slice_make(s->raw, s->raw_len);
	a->returned = 1;
	return ICP_OK;
}

/* The reader lets go: slots nobody claimed are taken away from tokens
 * still queued; a slot a worker is decoding stays alive with the ring
 * until that worker lets go too. */
static void ahead_free(struct ahead *a)
{
	size_t i;
	if (!a)
		return;
	for (i = 0; i < a->depth; i++) {
		int want = SLOT_QUEUED;
		atomic_compare_exchange_strong(&a->slot[i].state, &want, SLOT_MINE);
	}
	ahead_unref(a);
}

int icp_segment_reader_decode_ahead(icp_segment_reader *r, icp_pool *pool, size_t depth,
                                    size_t max_bytes, icp_error *err)
{
	struct ahead *a;
	size_t i;

	if (r->ahead || r->prev_last >= 0 || r->done || !pool || icp_pool_workers(pool) < 2 ||
	    depth < 2)
		return ICP_OK; /* inline decoding */
	a = icp_calloc(1, sizeof(*a));
	if (!a)
		return icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory", r->src->name);
	if (pthread_mutex_init(&a->mu, NULL) != 0) {
		icp_free(a);
		return icp_error_set(err, ICP_ERR_IO, "%s: cannot create a mutex", r->src->name);
	}
	pthread_cond_init(&a->cv, NULL);
	atomic_init(&a->refs, 1);
	a->pool = pool;
	a->name = icp_strdup(r->src->name ? r->src->name : "");
	a->depth = depth < AHEAD_MAX_DEPTH ? depth : AHEAD_MAX_DEPTH;
	a->max_bytes = max_bytes;
	icp_error_init(&a->stop_err);
	for (i = 0; i < a->depth; i++) {
		atomic_init(&a->slot[i].state, SLOT_FREE);
		a->slot[i].dec = a->name ? icp_batch_decoder_new(&r->opts) : NULL;
		if (!a->slot[i].dec) {
			ahead_unref(a);
			return icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory", r->src->name);
		}
	}
	r->ahead = a;
	return ICP_OK;
}
