/*
 * Transactions under read_committed, per partition, without a broker.
 *
 * A Kafka consumer with isolation.level=read_committed never sees records
 * of aborted transactions, nor anything at or past the last stable offset
 * (LSO): the first offset of the earliest transaction still open. The
 * broker computes both; here the log itself is the only source, so the
 * partition learns its transactions as it reads:
 *
 *   - a transactional data batch of producer P opens P's transaction
 *     (first offset = that batch's base offset) unless one is open;
 *   - a control batch of P (a marker) with epoch >= the open one's closes
 *     it: COMMIT forgets it, ABORT keeps the span [first, marker offset]
 *     of P so the writing pass skips P's batches inside it. A marker with
 *     no open transaction (all of it below where reading started, or an
 *     empty transaction) changes nothing; one with an older epoch is a
 *     fenced producer's and is ignored.
 *
 * Two positions: the writing pass's (the partition's next offset, W) and
 * the scan's (scan_pos: how far the transaction structure is known).
 * Reading normally moves both together. When the writing pass meets a
 * batch at or past the LSO it stops there (W = LSO) and reading goes on
 * as a scan that only learns (records are not even decoded). When the
 * marker of the transaction at the LSO arrives, the partition re-reads
 * from W with the outcome known (icp_txn_decide).
 *
 * Memory: one entry per producer with an open transaction, plus one span
 * per aborted transaction between W and scan_pos; spans are dropped as W
 * passes them. Records are never buffered, so a transaction open for
 * hours costs the scan (batch headers read once) and one re-read of what
 * lies between its first offset and its marker, not memory.
 *
 * Correct after a restart from a committed offset: W never passes the
 * first offset of an open transaction, so no undecided batch lies below
 * a committed offset; a transaction whose first batches were below it
 * (decided: committed) is re-learnt from its next batch and closed by
 * its marker with the same outcome.
 */
#include "processor/txn_int.h"

#include "budget/budget.h"

typedef struct open_txn {
	int64_t pid;
	int16_t epoch;
	int64_t first;
} open_txn;

typedef struct aborted_span {
	int64_t pid;
	int64_t first, last; /* last: the ABORT marker's offset */
} aborted_span;

struct icp_txn {
	int64_t scan_pos;
	open_txn *open;
	size_t n_open, cap_open;
	aborted_span *spans; /* ordered by marker offset; [head, n) live */
	size_t head, n_spans, cap_spans;
	uint64_t aborted_total; /* aborted transactions seen (status) */
	icp_buf q;              /* queue of raw batches (see below) */
	size_t q_head, q_n;
	icp_budget *budget;     /* the queue's allocation is charged here */
	uint64_t ceiling;       /* ... only up to this much used in all */
	size_t charged;         /* = q.cap while a budget is set */
};

icp_txn *icp_txn_new(int64_t from)
{
	icp_txn *x = icp_calloc(1, sizeof(*x));
	if (x) {
		x->scan_pos = from;
		icp_buf_init(&x->q, 0);
	}
	return x;
}

void icp_txn_free(icp_txn *x)
{
	if (!x)
		return;
	icp_free(x->open);
	icp_free(x->spans);
	icp_txn_queue_clear(x);
	icp_free(x);
}

void icp_txn_reset(icp_txn *x, int64_t from)
{
	x->n_open = 0;
	x->head = x->n_spans = 0;
	x->scan_pos = from;
	icp_txn_queue_clear(x);
}

int64_t icp_txn_scan_pos(const icp_txn *x)
{
	return x->scan_pos;
}

int64_t icp_txn_stable_offset(const icp_txn *x)
{
	int64_t lso = -1;
	size_t i;
	for (i = 0; i < x->n_open; i++)
		if (lso < 0 || x->open[i].first < lso)
			lso = x->open[i].first;
	return lso;
}

static open_txn *find_open(icp_txn *x, int64_t pid)
{
	size_t i;
	for (i = 0; i < x->n_open; i++)
		if (x->open[i].pid == pid)
			return &x->open[i];
	return NULL;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem, icp_error *err)
{
	size_t ncap;
	void *n;
	if (need <= *cap)
		return ICP_OK;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	n = icp_realloc(*arr, ncap * elem);
	if (!n)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory for transaction state");
	*arr = n;
	*cap = ncap;
	return ICP_OK;
}

int icp_txn_learn(icp_txn *x, const icp_batch *b, icp_error *err)
{
	open_txn *o;
	if (b->last_offset < x->scan_pos)
		return ICP_OK; /* known already */
	x->scan_pos = b->last_offset + 1;
	if (!b->transactional)
		return ICP_OK;
	o = find_open(x, b->producer_id);
	if (!b->control) {
		if (o)
			return ICP_OK; /* one more batch of the open transaction */
		if (grow((void **)&x->open, &x->cap_open, x->n_open + 1, sizeof(*x->open), err))
			return err->status;
		o = &x->open[x->n_open++];
		o->pid = b->producer_id;
		o->epoch = b->producer_epoch;
		o->first = b->base_offset;
		return ICP_OK;
	}
	if (!o || b->producer_epoch < o->epoch || b->control_type == ICP_CONTROL_OTHER)
		return ICP_OK; /* nothing open, a fenced producer's, or not a marker */
	if (b->control_type == ICP_CONTROL_ABORT) {
		aborted_span *s;
		if (x->head && x->head == x->n_spans)
			x->head = x->n_spans = 0;
		if (grow((void **)&x->spans, &x->cap_spans, x->n_spans + 1, sizeof(*x->spans), err))
			return err->status;
		s = &x->spans[x->n_spans++];
		s->pid = o->pid;
		s->first = o->first;
		s->last = b->base_offset;
		x->aborted_total++;
	}
	*o = x->open[--x->n_open];
	return ICP_OK;
}

icp_txn_decision icp_txn_decide(const icp_txn *x, const icp_batch *b)
{
	int64_t lso;
	size_t i;
	if (b->control)
		return ICP_TXN_SKIP_CONTROL;
	if (b->transactional)
		for (i = x->head; i < x->n_spans; i++) {
			const aborted_span *s = &x->spans[i];
			if (s->pid == b->producer_id && s->first <= b->base_offset &&
			    b->base_offset <= s->last)
				return ICP_TXN_SKIP_ABORTED;
		}
	/* Below the LSO a batch is decided: any transaction holding it was
	 * closed before scan_pos, and not by an ABORT (no span holds it). */
	lso = icp_txn_stable_offset(x);
	if (lso >= 0 && b->base_offset >= lso)
		return ICP_TXN_BLOCKED;
	return ICP_TXN_WRITE;
}

void icp_txn_advance(icp_txn *x, int64_t w)
{
	/* spans end at their markers, in marker order: W passes them in turn */
	while (x->head < x->n_spans && x->spans[x->head].last < w)
		x->head++;
	if (x->head == x->n_spans)
		x->head = x->n_spans = 0;
}

size_t icp_txn_open_list(const icp_txn *x, size_t max, icp_txn_open_info *out)
{
	size_t i;
	for (i = 0; i < x->n_open && i < max; i++) {
		out[i].producer_id = x->open[i].pid;
		out[i].producer_epoch = x->open[i].epoch;
		out[i].first_offset = x->open[i].first;
	}
	return x->n_open;
}

size_t icp_txn_aborted_spans(const icp_txn *x)
{
	return x->n_spans - x->head;
}

/* ------------------------------------------------------------ queue
 *
 * Batches read past the LSO while their fate is unknown, kept as the raw
 * CRC-checked bytes in arrival order so that the common case (a small
 * transaction whose marker follows soon) costs a copy, not a re-read.
 * Entry: u32 size of the rest | i64 segment base | u64 position |
 * u16 key length | key | batch bytes. Bounded: a push past the limit
 * empties the queue and refuses, and the partition falls back to
 * re-reading from its position once the marker is seen. */

void icp_txn_set_budget(icp_txn *x, struct icp_budget *b, uint64_t ceiling)
{
	if (x->budget != b)
		icp_txn_queue_clear(x); /* gives back to the old one */
	x->budget = b;
	x->ceiling = ceiling;
}

/* The capacity icp_buf_reserve() grows q to for `more` bytes (its rule:
 * doubling from 256, room for a NUL), so the budget is asked before the
 * allocation, not told after it. */
static size_t grown_cap(const icp_buf *q, size_t more)
{
	size_t need = q->len + more + 1, ncap = q->cap ? q->cap : 256;
	if (need <= q->cap)
		return q->cap;
	while (ncap < need && ncap <= ((size_t)-1) / 2)
		ncap *= 2;
	return ncap < need ? need : ncap;
}

int icp_txn_queue_push(icp_txn *x, size_t limit, const char *key, int64_t seg_base,
                       uint64_t position, icp_slice bytes, icp_error *err)
{
	size_t klen = strlen(key), need, cap;
	uint8_t hdr[22];
	if (klen > UINT16_MAX)
		klen = UINT16_MAX;
	need = sizeof(hdr) + klen + bytes.len;
	if (x->q.len - x->q_head + need > limit) {
		icp_txn_queue_clear(x);
		return icp_error_set(err, ICP_ERR_TOO_LARGE,
		                     "transaction buffer over processor.transaction_buffer_bytes "
		                     "(%zu)", limit);
	}
	cap = grown_cap(&x->q, need);
	if (x->budget && cap > x->charged) {
		if (!icp_budget_try_acquire_below(x->budget, cap - x->charged, x->ceiling)) {
			icp_txn_queue_clear(x);
			return icp_error_set(err, ICP_ERR_TOO_LARGE,
			                     "transaction buffer refused by the memory budget "
			                     "(processor.memory_limit_bytes)");
		}
		x->charged = cap;
	}
	icp_store_be32(hdr, (uint32_t)(need - 4));
	icp_store_be64(hdr + 4, (uint64_t)seg_base);
	icp_store_be64(hdr + 12, position);
	icp_store_be16(hdr + 20, (uint16_t)klen);
	icp_buf_append(&x->q, hdr, sizeof(hdr));
	icp_buf_append(&x->q, key, klen);
	icp_buf_append(&x->q, bytes.ptr, bytes.len);
	if (x->q.status) {
		icp_txn_queue_clear(x);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory for the transaction buffer");
	}
	x->q_n++;
	return ICP_OK;
}

int icp_txn_queue_front(const icp_txn *x, icp_txn_queued *out)
{
	const uint8_t *p;
	uint32_t size;
	uint16_t klen;
	if (!x->q_n)
		return 0;
	p = x->q.data + x->q_head;
	size = icp_load_be32(p);
	klen = icp_load_be16(p + 20);
	out->seg_base = (int64_t)icp_load_be64(p + 4);
	out->position = icp_load_be64(p + 12);
	out->key = icp_slice_make(p + 22, klen);
	out->bytes = icp_slice_make(p + 22 + klen, size + 4 - 22 - klen);
	return 1;
}

void icp_txn_queue_pop(icp_txn *x)
{
	if (!x->q_n)
		return;
	x->q_head += 4 + icp_load_be32(x->q.data + x->q_head);
	if (--x->q_n == 0)
		icp_txn_queue_clear(x);
}

void icp_txn_queue_clear(icp_txn *x)
{
	/* The allocation goes too: a queue is rare and short-lived, and a
	 * kept capacity on hundreds of partitions is what a budget forbids. */
	icp_buf_dispose(&x->q);
	icp_budget_release(x->budget, x->charged);
	x->charged = 0;
	x->q_head = 0;
	x->q_n = 0;
}

size_t icp_txn_queue_len(const icp_txn *x)
{
	return x->q_n;
}

size_t icp_txn_queue_bytes(const icp_txn *x)
{
	return x->q.len - x->q_head;
}
