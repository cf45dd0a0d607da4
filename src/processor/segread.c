/*
 * Reading one complete segment of a partition.
 *
 * What decides: the CRC-checked batches and the segment's name (its base
 * offset). The footer's last offset, the header's base offset and message
 * count, and the .index are not covered by the body CRC: they are hints.
 * The index only says where to start a ranged GET; a missing or bad index,
 * or one whose entry does not name the batch found there, means reading
 * the .kfs from its start (a warning, nothing lost). Every disagreement
 * of the metadata with the batches is logged with the object and both
 * values and counted in segment_mismatch_total{topic,kind}.
 *
 * Requests: one 16-byte ranged GET of the footer (completeness: END!),
 * unless the poll already fetched it; the .index only when reading starts
 * inside the segment; one streaming GET of the .kfs from there.
 *
 * Transactions (read_committed, txn.c): each batch is learnt, then
 * decided. A batch at or past the LSO stops the writing pass; what
 * follows is kept in the partition's queue (raw bytes, bounded) and
 * written as soon as the marker decides it, or, past the queue's bound,
 * only scanned, and the partition re-reads from its position once the
 * marker is seen (ICP_AGAIN).
 */
#include "processor/txn_int.h"

#include "budget/budget.h"
#include "log/log.h"

#include <stdio.h>

int64_t icp_part_read_pos(const icp_part *pt)
{
	int64_t lso;
	if (!pt->txn)
		return pt->next;
	if (icp_txn_queue_len(pt->txn))
		return icp_txn_scan_pos(pt->txn);
	lso = icp_txn_stable_offset(pt->txn);
	return lso >= 0 && pt->next >= lso ? icp_txn_scan_pos(pt->txn) : pt->next;
}

int icp_segread_footer(icp_processor *p, const icp_seg_ref *s, uint8_t out[ICP_SEGMENT_FOOTER_SIZE],
                       icp_error *err)
{
	icp_buf fb;
	int rc;
	if (s->kfs_size < ICP_SEGMENT_HEADER_SIZE + ICP_SEGMENT_FOOTER_SIZE)
		return ICP_END;
	/* room for what a misbehaving server sends instead of 16 bytes */
	icp_buf_init(&fb, 1u << 20);
	rc = icp_storage_read_range(p->segments, s->kfs, s->kfs_size - ICP_SEGMENT_FOOTER_SIZE,
	                            ICP_SEGMENT_FOOTER_SIZE, &fb, err);
	/* fewer bytes than asked: no END! there, so not complete (yet) */
	memset(out, 0, ICP_SEGMENT_FOOTER_SIZE);
	if (rc == ICP_OK && fb.len == ICP_SEGMENT_FOOTER_SIZE)
		memcpy(out, fb.data, ICP_SEGMENT_FOOTER_SIZE);
	icp_buf_dispose(&fb);
	/* a failed request is no verdict on the segment: read again next
	 * poll, never stop the partition for it */
	if (rc == ICP_ERR_CORRUPT || rc == ICP_ERR_TOO_LARGE)
		rc = err->status = ICP_ERR_IO;
	return rc;
}

/* The segment reader's source: the streaming object reader, plus the
 * footer already fetched, so the reader's footer check costs no second
 * request. */
typedef struct seg_src {
	icp_storage_reader *r;
	uint8_t footer[ICP_SEGMENT_FOOTER_SIZE];
	uint64_t footer_pos;
} seg_src;

static int src_read(void *ctx, uint8_t *buf, size_t n, size_t *got, icp_error *err)
{
	seg_src *s = ctx;
	return s->r->read(s->r, buf, n, got, err);
}

static int src_read_at(void *ctx, uint64_t pos, uint8_t *buf, size_t n, icp_error *err)
{
	seg_src *s = ctx;
	if (pos == s->footer_pos && n == ICP_SEGMENT_FOOTER_SIZE) {
		memcpy(buf, s->footer, n);
		return ICP_OK;
	}
	if (!s->r->read_at)
		return icp_error_set(err, ICP_ERR_INVALID, "object reader cannot seek");
	return s->r->read_at(s->r, pos, buf, n, err);
}

static void note_mismatch(icp_part *pt, const char *key, icp_segment_mismatch_kind kind,
                          int64_t claimed, int64_t actual, const char *what)
{
	char c[24], a[24];
	snprintf(c, sizeof(c), "%lld", (long long)claimed);
	snprintf(a, sizeof(a), "%lld", (long long)actual);
	icp_metrics_counter_inc(pt->table->m_mismatch[kind]);
	ICP_WARN("segment metadata disagrees with its batches; the batches decide",
	         "topic", pt->topic, "key", key, "kind", icp_segment_mismatch_name(kind),
	         "claimed", c, "actual", a, "detail", what);
}

/* Writes the records of batch b that filter.c and rows.c noted as invalid
 * (t->dl) to the dead-letter table: the base columns as any record, the
 * error columns from the noted JSON objects. Records below the
 * dead-letter table's own offsets are there already (it commits just
 * before t, table.c): skipped, so a batch read again after a crash between
 * the two commits is not dead-lettered twice. */
static int dead_letters(icp_processor *p, icp_table *t, icp_part *pt, const icp_batch *b,
                        icp_error *err)
{
	icp_table *d = t->dlq;
	icp_dlq_rows *dl = &t->dl;
	icp_batch sub = *b;
	icp_rows_out ro;
	int64_t from = icp_offsets_get(&d->committed, pt->tp);
	size_t i;
	int rc;

	for (i = 0; i < dl->n; i++) {
		size_t start = i ? dl->end[i - 1] : 0;
		dl->src[i] = icp_slice_make(dl->json.data + start, dl->end[i] - start);
	}
	sub.records = dl->recs;
	sub.n_records = dl->n;
	d->extract_src = dl->src;
	rc = icp_table_file_ready(p, d, err);
	if (rc == ICP_OK)
		rc = icp_rows_append(d, pt, &sub, from < pt->next ? pt->next : from,
		                     ICP_ON_INVALID_DROP, &ro, err);
	d->extract_src = NULL;
	if (rc != ICP_OK) {
		icp_error_prefix(err, "dead-letter table %s", d->map->table);
		return rc;
	}
	if (ro.written) {
		icp_sink_wrote(&d->sink, ro.written);
		icp_metrics_counter_add(t->m_dead, ro.written);
	}
	return icp_table_file_maybe_roll(p, d, err);
}

/* Appends the records of a decided batch b at or past pt->next to the
 * table and moves pt->next past it. ICP_END: strict mode stopped the
 * partition inside it. */
static int write_batch(icp_processor *p, icp_part *pt, const icp_batch *b, int *progress,
                       int *sink_failed, icp_error *err)
{
	icp_table *t = pt->table;
	int rc;

	if (b->n_records) {
		uint64_t t0 = icp_mono_ns();
		icp_batch fb;
		int64_t stop_at = -1;
		icp_rows_out ro;
		icp_rows_dl_reset(t);
		if (t->decode) {
			/* every schema id of the batch known, the table evolved to
			 * the subject's latest version (a commit first) */
			rc = icp_table_decode_prepare(p, t, pt, b, err);
			if (rc != ICP_OK)
				return rc; /* nothing appended: read again from here */
		}
		rc = icp_filter_batch(p, pt, b, &fb, &stop_at, err);
		if (rc != ICP_OK) {
			icp_rows_dl_reset(t);
			return rc; /* nothing appended: read again from here */
		}
		rc = icp_table_file_ready(p, t, err);
		if (rc == ICP_OK)
			rc = icp_rows_append(t, pt, &fb, pt->next, t->map->on_invalid, &ro, err);
		if (rc == ICP_OK && t->dl.n)
			rc = dead_letters(p, t, pt, b, err);
		icp_rows_dl_reset(t);
		if (rc != ICP_OK) {
			*sink_failed = 1;
			return rc;
		}
		if (ro.stop_at >= 0)
			stop_at = ro.stop_at; /* before the filter's, if any */
		if (ro.invalid)
			icp_metrics_counter_add(t->m_invalid, ro.invalid);
		if (ro.written) {
			icp_sink_wrote(&t->sink, ro.written);
			*progress = 1;
			icp_metrics_counter_add(t->m_written, ro.written);
			icp_metrics_counter_inc(t->m_batches);
		}
		if (ro.below)
			icp_metrics_counter_add(t->m_dropped, ro.below);
		icp_metrics_histogram_observe(t->m_latency, (double)(icp_mono_ns() - t0) / 1e6);
		if (stop_at >= 0) {
			/* strict mode met an invalid record: nothing at or past it
			 * is read (filter.c / rows.c logged it) */
			icp_part_stop_at(pt, stop_at);
			p->any_corrupt = 1;
			return ICP_END;
		}
	}
	icp_part_advance(pt, b->last_offset + 1);
	rc = icp_table_file_maybe_roll(p, t, err);
	if (rc != ICP_OK)
		*sink_failed = 1;
	return rc;
}

/* The writing pass over one decided batch (or a skip). ICP_AGAIN when
 * it is blocked: the caller decides whether to queue or reposition. */
static int pass_batch(icp_processor *p, icp_part *pt, const icp_batch *b, int *progress,
                      int *sink_failed, icp_error *err)
{
	icp_txn_decision d = pt->txn ? icp_txn_decide(pt->txn, b)
	                             : b->control ? ICP_TXN_SKIP_CONTROL : ICP_TXN_WRITE;
	int rc = ICP_OK;
	switch (d) {
	case ICP_TXN_BLOCKED:
		return ICP_AGAIN;
	case ICP_TXN_SKIP_ABORTED:
		icp_metrics_counter_add(pt->table->m_aborted, (uint64_t)b->record_count);
		icp_part_advance(pt, b->last_offset + 1);
		*progress = 1;
		break;
	case ICP_TXN_SKIP_CONTROL:
		icp_part_advance(pt, b->last_offset + 1);
		break;
	case ICP_TXN_WRITE:
		rc = write_batch(p, pt, b, progress, sink_failed, err);
		break;
	}
	if (pt->txn)
		icp_txn_advance(pt->txn, pt->next);
	return rc;
}

/* Writes the queued batches that are decided now, in order, until one is
 * blocked or the queue is empty. */
static int drain(icp_processor *p, icp_part *pt, int *progress, int *sink_failed,
                 icp_error *err)
{
	icp_txn_queued q;
	char key[512];
	int rc = ICP_OK;
	while (icp_txn_queue_front(pt->txn, &q)) {
		icp_batch b;
		snprintf(key, sizeof(key), "%.*s", (int)q.key.len, (const char *)q.key.ptr);
		rc = icp_batch_decode(p->txn_dec, q.bytes, q.position, key, &b, err);
		if (rc != ICP_OK)
			return rc; /* CRC-checked bytes that do not decode: corrupt */
		if (b.last_offset < pt->next) {
			icp_txn_queue_pop(pt->txn);
			continue;
		}
		rc = pass_batch(p, pt, &b, progress, sink_failed, err);
		if (rc == ICP_AGAIN)
			return ICP_OK; /* the next transaction is still open */
		if (rc != ICP_OK)
			return rc;
		icp_txn_queue_pop(pt->txn);
	}
	return rc;
}

/* Fetches and parses the index for a read starting inside the segment.
 * A missing or bad index is a missed shortcut: *start stays 0. */
static int seek_index(icp_processor *p, icp_part *pt, const icp_seg_ref *s, int64_t from,
                      icp_segment_index *idx, int64_t *entry_offset, uint64_t *start,
                      icp_error *err)
{
	icp_buf ib;
	icp_error e;
	const icp_index_entry *ent;
	int rc;

	*start = 0;
	*entry_offset = -1;
	if (pt->index_key && strcmp(pt->index_key, s->index) == 0)
		goto seek; /* the same segment as last turn: no second GET */
	icp_segment_index_dispose(idx);
	memset(idx, 0, sizeof(*idx));
	icp_free(pt->index_key);
	pt->index_key = NULL;
	icp_buf_init(&ib, 64u << 20);
	icp_error_init(&e);
	rc = icp_storage_get(p->segments, s->index, &ib, &e);
	if (rc == ICP_OK)
		rc = icp_segment_index_parse(icp_slice_make(ib.data, ib.len), s->index, s->kfs_size,
		                             idx, &e);
	icp_buf_dispose(&ib);
	if (rc == ICP_ERR_NOT_FOUND || rc == ICP_ERR_CORRUPT || rc == ICP_ERR_TOO_LARGE) {
		note_mismatch(pt, s->index, ICP_MISMATCH_INDEX, from, -1, e.msg);
		icp_segment_index_dispose(idx);
		memset(idx, 0, sizeof(*idx));
		return ICP_OK; /* scan the .kfs from its start */
	}
	if (rc != ICP_OK) {
		*err = e; /* the store is down: read again later */
		return rc;
	}
	pt->index_key = icp_strdup(s->index); /* NULL: simply not cached */
seek:
	ent = icp_segment_index_seek(idx, from);
	if (ent) {
		*start = ent->position;
		*entry_offset = ent->offset;
	}
	return ICP_OK;
}

/* An open read of one segment. Heap-allocated and never moved: the
 * segment reader points at src, and src at ss. Kept by the partition
 * (pt->rd) when its turn ends mid-segment, so the next turn resumes the
 * same GET (and its read-ahead) instead of opening another. */
struct icp_part_read {
	icp_storage_reader *sr;
	icp_segment_reader *r;
	seg_src ss;
	icp_segment_source src;
	char *key;          /* the .kfs */
	int64_t resume_pos; /* the partition's read position when it yielded */
	uint64_t start;     /* object position reading started at */
	/* memory budget (memory.c): the read-ahead chunks while open, and
	 * the reader's buffers while kept between turns */
	icp_budget *budget;
	uint64_t charged_ahead, charged_keep, charged_decode;
};
typedef struct icp_part_read read_state;

static void read_close(read_state *rs)
{
	icp_segment_reader_free(rs->r);
	icp_storage_reader_close(rs->sr);
	rs->r = NULL;
	rs->sr = NULL;
	icp_budget_release(rs->budget, rs->charged_ahead + rs->charged_keep + rs->charged_decode);
	rs->charged_ahead = rs->charged_keep = rs->charged_decode = 0;
}

void icp_segread_forget_index(icp_part *pt)
{
	icp_segment_index_dispose(&pt->index);
	memset(&pt->index, 0, sizeof(pt->index));
	icp_free(pt->index_key);
	pt->index_key = NULL;
}

void icp_segread_sync(icp_part *pt)
{
	if (pt->read_epoch == pt->rewinds)
		return;
	/* the position moved back: the object may have been replaced, and
	 * the open read and the body fetched ahead are past it */
	icp_segread_forget_index(pt);
	icp_segread_close(pt);
	icp_segread_ahead_close(pt);
	pt->read_epoch = pt->rewinds;
}

void icp_segread_close(icp_part *pt)
{
	if (!pt->rd)
		return;
	read_close(pt->rd);
	icp_free(pt->rd->key);
	icp_free(pt->rd);
	pt->rd = NULL;
}

/* S3 segments larger than a chunk are read ahead in chunks on several
 * connections (one streaming GET is bound by one connection's latency
 * and bandwidth); smaller ones, and local files, stream. The chunks come
 * out of the memory budget: fewer in flight, or a stream, when it is
 * short. */
#define FETCH_CHUNK ICP_PROC_FETCH_CHUNK
/* What the batches decoded ahead of the one being written may hold: raw
 * copies and decoded records (segment.h, decode-ahead). */
#define DECODE_AHEAD_BYTES (8u << 20)

/* ------------------------------------------------------------ read-ahead
 * The segment after the one being read, on S3: its footer and its first
 * chunks are fetched while the current one is still decoded, so neither
 * the footer request nor the first GET's latency stands between two
 * segments. Opened once the current read has every chunk claimed (so the
 * connections move on, rather than doubling), owned by the partition,
 * adopted by the read of that segment when it starts at byte 0; dropped
 * on rewind, or when the next read is of another object. */
struct icp_part_ahead {
	char *key;
	uint64_t size;
	icp_storage_reader *footer; /* the last 16 bytes */
	icp_storage_reader *body;   /* [0, size) */
	icp_budget *budget;
	uint64_t charged;           /* the body's chunks, from the budget */
};

void icp_segread_ahead_close(icp_part *pt)
{
	struct icp_part_ahead *a = pt->ahead;
	if (!a)
		return;
	icp_storage_reader_close(a->footer);
	icp_storage_reader_close(a->body);
	icp_budget_release(a->budget, a->charged);
	icp_free(a->key);
	icp_free(a);
	pt->ahead = NULL;
}

static int remote_segments(const icp_processor *p)
{
	return p->cfg->processor.fetch_concurrency > 1 &&
	       strncmp(icp_storage_root(p->segments), "s3://", 5) == 0;
}

/* Starts fetching s->next_kfs. Best effort: a failure to start is only a
 * lost head start (the read opens the object as usual). */
static void ahead_open(icp_processor *p, icp_part *pt, const icp_seg_ref *s)
{
	struct icp_part_ahead *a;
	icp_error e;
	size_t depth;
	uint64_t n = s->next_kfs_size;
	if (pt->ahead || !s->next_kfs || n < ICP_SEGMENT_HEADER_SIZE + ICP_SEGMENT_FOOTER_SIZE)
		return;
	if (!(a = icp_calloc(1, sizeof(*a))))
		return;
	icp_error_init(&e);
	a->budget = p->budget;
	/* its chunks come out of the memory budget (a small segment needs
	 * fewer); none left: no head start */
	depth = icp_proc_read_ahead(p, n, 1, &a->charged);
	/* the newest segment's footer is known already (update_avail) */
	if (!depth || !(a->key = icp_strdup(s->next_kfs)) ||
	    (!(pt->avail_key && pt->avail_footer_ok && strcmp(pt->avail_key, a->key) == 0) &&
	     icp_storage_prefetch_open(p->segments, a->key, n - ICP_SEGMENT_FOOTER_SIZE, n, 1,
	                               ICP_SEGMENT_FOOTER_SIZE, &a->footer, &e) != ICP_OK) ||
	    icp_storage_prefetch_open(p->segments, a->key, 0, n, depth, FETCH_CHUNK, &a->body,
	                              &e) != ICP_OK) {
		pt->ahead = a;
		icp_segread_ahead_close(pt);
		return;
	}
	a->size = n;
	pt->ahead = a;
}

/* The footer of s from the read-ahead: ICP_OK (zeros when the object was
 * shorter: not complete), ICP_ERR_IO when the fetch failed, ICP_END when
 * nothing was fetched ahead for s. */
static int ahead_footer(icp_part *pt, const icp_seg_ref *s, uint8_t out[ICP_SEGMENT_FOOTER_SIZE],
                        icp_error *err)
{
	struct icp_part_ahead *a = pt->ahead;
	size_t have = 0, got;
	if (!a || strcmp(a->key, s->kfs) != 0 || a->size != s->kfs_size) {
		icp_segread_ahead_close(pt);
		return ICP_END;
	}
	if (!a->footer)
		return ICP_END;
	memset(out, 0, ICP_SEGMENT_FOOTER_SIZE);
	while (have < ICP_SEGMENT_FOOTER_SIZE) {
		int rc = a->footer->read(a->footer, out + have, ICP_SEGMENT_FOOTER_SIZE - have, &got,
		                         err);
		if (rc == ICP_END || (rc == ICP_OK && got == 0))
			break;
		if (rc != ICP_OK) {
			icp_segread_ahead_close(pt);
			/* no verdict on the segment: read again next poll */
			return err->status = ICP_ERR_IO;
		}
		have += got;
	}
	/* read once: a later look at this segment asks the store again */
	icp_storage_reader_close(a->footer);
	a->footer = NULL;
	if (have < ICP_SEGMENT_FOOTER_SIZE || memcmp(out + 12, "END!", 4) != 0) {
		/* not complete yet: its body is of no use */
		icp_segread_ahead_close(pt);
		if (have < ICP_SEGMENT_FOOTER_SIZE)
			memset(out, 0, ICP_SEGMENT_FOOTER_SIZE);
	}
	return ICP_OK;
}

static int read_open(icp_processor *p, icp_part *pt, const icp_seg_ref *s, uint64_t start,
                     read_state *rs, icp_error *err)
{
	size_t depth = 0;
	int rc;
	rs->budget = p->budget;
	if (pt->ahead && pt->ahead->body && start == 0 && strcmp(pt->ahead->key, s->kfs) == 0 &&
	    pt->ahead->size == s->kfs_size) {
		/* fetched ahead: adopt it, and its share of the budget */
		rs->sr = pt->ahead->body;
		pt->ahead->body = NULL;
		rs->charged_ahead = pt->ahead->charged;
		pt->ahead->charged = 0;
		rc = ICP_OK;
	} else {
		if (remote_segments(p) && s->kfs_size - start > FETCH_CHUNK)
			/* at least 2 (one decoded, one coming), else a stream */
			depth = icp_proc_read_ahead(p, s->kfs_size - start, 2, &rs->charged_ahead);
		rc = depth ? icp_storage_prefetch_open(p->segments, s->kfs, start, s->kfs_size,
		                                       depth, FETCH_CHUNK, &rs->sr, err)
		           : icp_storage_reader_open(p->segments, s->kfs, start, &rs->sr, err);
	}
	icp_segread_ahead_close(pt);
	if (rc != ICP_OK)
		return rc;
	memset(&rs->src, 0, sizeof(rs->src));
	rs->ss.r = rs->sr;
	rs->src.ctx = &rs->ss;
	rs->src.read = src_read;
	rs->src.read_at = src_read_at;
	rs->src.size = rs->sr->size;
	rs->src.start = start;
	rs->src.name = s->kfs;
	rc = icp_segment_reader_new(&rs->src, &p->seg_opts, &rs->r, err);
	/* Batches decoded on the pool while this thread writes the one
	 * before (two per worker in flight), if the budget has room for
	 * their buffers; else decoded here, one at a time. */
	if (rc == ICP_OK && icp_pool_workers(p->pool) > 1 &&
	    icp_proc_mem_try_keep(p, DECODE_AHEAD_BYTES)) {
		rs->charged_decode = DECODE_AHEAD_BYTES;
		rc = icp_segment_reader_decode_ahead(rs->r, p->pool, 2 * icp_pool_workers(p->pool),
		                                     DECODE_AHEAD_BYTES, err);
	}
	return rc;
}

/* Queues a batch read past the LSO. A full queue is not an error: it is
 * dropped and reading goes on as a scan (the partition re-reads later). */
static int queue_batch(icp_processor *p, icp_part *pt, const icp_seg_ref *s, read_state *rs,
                       const icp_batch *b, icp_error *err)
{
	icp_error e;
	int rc;
	icp_error_init(&e);
	icp_txn_set_budget(pt->txn, p->budget, p->mem_ceiling);
	rc = icp_txn_queue_push(pt->txn, (size_t)p->cfg->processor.transaction_buffer_bytes,
	                        s->kfs, s->base, b->position, icp_segment_reader_last_raw(rs->r),
	                        &e);
	if (rc == ICP_ERR_NOMEM) {
		*err = e;
		return rc;
	}
	if (rc != ICP_OK) {
		char n[24];
		snprintf(n, sizeof(n), "%lld", (long long)pt->next);
		ICP_INFO("transaction buffer full: scanning on; the partition reads again from its "
		         "position once the open transaction ends",
		         "topic", pt->topic, "offset", n, "err", e.msg);
	}
	return ICP_OK;
}

/* One batch as reading meets it, in offset order. Three ways to be:
 * writing (read position = pt->next), scanning with a queue (the queue
 * holds every batch from pt->next on), scanning without one (past a full
 * queue, or after a re-read stopped again before the scan position). */
static int on_batch(icp_processor *p, icp_part *pt, const icp_seg_ref *s, read_state *rs,
                    const icp_batch *b, int *progress, int *sink_failed, icp_error *err)
{
	int fresh, scanning, rc;
	if (!pt->txn) {
		if (b->last_offset < pt->next)
			return ICP_OK;
		return pass_batch(p, pt, b, progress, sink_failed, err);
	}
	scanning = !icp_txn_queue_len(pt->txn) && icp_part_read_pos(pt) != pt->next;
	fresh = b->last_offset >= icp_txn_scan_pos(pt->txn);
	if (fresh && (rc = icp_txn_learn(pt->txn, b, err)) != ICP_OK)
		return rc;
	if (icp_txn_queue_len(pt->txn)) {
		if (!fresh)
			return ICP_OK; /* queued already */
		rc = queue_batch(p, pt, s, rs, b, err);
		if (rc != ICP_OK)
			return rc;
		if (icp_txn_queue_len(pt->txn))
			return drain(p, pt, progress, sink_failed, err);
		scanning = 1; /* the queue overflowed */
	}
	if (scanning) /* the transaction at the LSO ended: read again from next */
		return icp_part_read_pos(pt) == pt->next ? ICP_AGAIN : ICP_OK;
	if (b->last_offset < pt->next)
		return ICP_OK;
	rc = pass_batch(p, pt, b, progress, sink_failed, err);
	if (rc != ICP_AGAIN)
		return rc;
	/* Blocked at the LSO. On a new batch: it starts the queue (or, with
	 * no buffer, reading simply goes on as a scan). On one read again:
	 * the scan knows more already; go on from its position. */
	if (!fresh)
		return ICP_AGAIN;
	if (p->cfg->processor.transaction_buffer_bytes > 0)
		return queue_batch(p, pt, s, rs, b, err);
	return ICP_OK;
}

int icp_segread(icp_processor *p, icp_part *pt, const icp_seg_ref *s, int64_t from,
                int *progress, int *sink_failed, icp_error *err)
{
	icp_segment_index *idx = &pt->index; /* cached across turns */
	read_state *rs;
	icp_batch b;
	icp_table *t = pt->table;
	uint64_t start = 0;
	int64_t entry_offset = -1;
	int rc, first = 1;

	icp_segread_sync(pt);
	if (pt->rd && strcmp(pt->rd->key, s->kfs) == 0 && pt->rd->resume_pos == from) {
		rs = pt->rd; /* the read the last turn left open */
		pt->rd = NULL;
		/* in use again: its buffers are the one read being decoded */
		icp_budget_release(rs->budget, rs->charged_keep);
		rs->charged_keep = 0;
		start = rs->start;
		first = 0;
		goto resume;
	}
	icp_segread_close(pt);
	/* Complete means the .kfs ends with END!: without it the object is
	 * still being written (not corrupt): wait for it. */
	if (s->kfs_size < ICP_SEGMENT_HEADER_SIZE + ICP_SEGMENT_FOOTER_SIZE)
		return ICP_END;
	rs = icp_calloc(1, sizeof(*rs));
	if (!rs)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	if (pt->avail_key && pt->avail_footer_ok && strcmp(pt->avail_key, s->kfs) == 0) {
		memcpy(rs->ss.footer, pt->avail_footer, ICP_SEGMENT_FOOTER_SIZE);
	} else {
		rc = ahead_footer(pt, s, rs->ss.footer, err);
		if (rc == ICP_END) /* not fetched ahead */
			rc = icp_segread_footer(p, s, rs->ss.footer, err);
		if (rc != ICP_OK)
			goto out;
	}
	if (memcmp(rs->ss.footer + 12, "END!", 4) != 0) {
		/* not complete: a body fetched ahead is of an object that will
		 * be replaced */
		icp_segread_ahead_close(pt);
		rc = ICP_END;
		goto out;
	}
	rs->ss.footer_pos = s->kfs_size - ICP_SEGMENT_FOOTER_SIZE;
	if (from > s->base) {
		rc = seek_index(p, pt, s, from, idx, &entry_offset, &start, err);
		if (rc != ICP_OK)
			goto out;
	}
again:
	rs->start = start;
	rc = read_open(p, pt, s, start, rs, err);
	if (rc != ICP_OK)
		goto out;
	if (start == 0) {
		const icp_segment_header *h = icp_segment_reader_header(rs->r);
		if (h && h->base_offset != s->base)
			note_mismatch(pt, s->kfs, ICP_MISMATCH_HEADER_BASE_OFFSET, h->base_offset,
			              s->base, "the header's base offset is not the name's");
	}
	if (from > s->base && idx->n_entries)
		icp_segment_reader_check_index(rs->r, idx);
resume:
	for (;;) {
		int64_t pos = icp_part_read_pos(pt);
		icp_segment_reader_skip_records(rs->r, pos != pt->next);
		rc = icp_segment_reader_next(rs->r, &b, err);
		if (start && first && (rc == ICP_ERR_CORRUPT || (rc == ICP_OK && b.base_offset !=
		                                                  entry_offset))) {
			/* the index sent us somewhere that is not the batch it
			 * names: a wrong hint; read the whole object instead */
			note_mismatch(pt, s->index, ICP_MISMATCH_INDEX, entry_offset,
			              rc == ICP_OK ? b.base_offset : -1,
			              rc == ICP_OK ? "index entry names another batch"
			                           : err->msg);
			icp_error_clear(err);
			read_close(rs);
			icp_segread_forget_index(pt);
			start = 0;
			goto again;
		}
		first = 0;
		if (rc != ICP_OK)
			break;
		rc = on_batch(p, pt, s, rs, &b, progress, sink_failed, err);
		if (rc != ICP_OK)
			goto out; /* ICP_AGAIN, a strict stop (ICP_END) or an error */
		/* every chunk of this read claimed: the connections may start
		 * on the next segment */
		if (s->next_kfs && !(s->next_part ? s->next_part : pt)->ahead &&
		    remote_segments(p) &&
		    b.position + (uint64_t)p->cfg->processor.fetch_concurrency * FETCH_CHUNK >=
		        s->kfs_size)
			ahead_open(p, s->next_part ? s->next_part : pt, s);
		icp_obs_tick(p);
		/* Past the shutdown deadline (or --once interrupted): stop
		 * here; what was written so far is consistent (next moves per
		 * batch) and may commit. */
		if (icp_once_batch_done(p, pt, &b)) {
			rc = ICP_END;
			goto out;
		}
		if (icp_proc_turn_over(p)) {
			/* consistent here; the partition keeps the read open and
			 * the next turn resumes it where it stands */
			/* (the decode-ahead's share is charged already) */
			uint64_t keep = icp_segment_reader_footprint(rs->r);
			keep = keep > rs->charged_decode ? keep - rs->charged_decode : 0;
			if (!rs->key)
				rs->key = icp_strdup(s->kfs); /* kept from an earlier turn */
			/* kept only if the budget has room for its buffers: with
			 * hundreds of partitions taking turns, open reads add up */
			if (rs->key && icp_proc_mem_try_keep(p, keep)) {
				rs->charged_keep = keep;
				rs->resume_pos = icp_part_read_pos(pt);
				pt->rd = rs;
				return ICP_YIELD;
			}
			rc = ICP_YIELD; /* no memory for it: the next turn reopens */
			goto out;
		}
	}
	if (rc == ICP_END) {
		const icp_segment_mismatch *mm;
		size_t i, n = icp_segment_reader_mismatches(rs->r, &mm);
		for (i = 0; i < n; i++)
			note_mismatch(pt, mm[i].kind == ICP_MISMATCH_INDEX ? s->index : s->kfs,
			              mm[i].kind, mm[i].claimed, mm[i].actual,
			              "the CRC-checked batches were read and kept");
		rc = ICP_OK;
		icp_metrics_counter_inc(t->m_segments);
		icp_metrics_counter_add(t->m_bytes, rs->sr->size - start);
	}
out:
	read_close(rs);
	icp_free(rs->key);
	icp_free(rs);
	return rc;
}
