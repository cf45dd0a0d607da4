/*
 * The read_committed state of a partition (src/processor/txn.c): which
 * batches are decided, skipped or blocked as Kafka's read_committed
 * consumer would have it, and the bounded queue of raw batches.
 */
#include "processor/txn_int.h"

#include "budget/budget.h"

#include "../test.h"

static icp_batch data(int64_t base, int64_t last, int64_t pid, int16_t epoch, int txn)
{
	icp_batch b;
	memset(&b, 0, sizeof(b));
	b.base_offset = base;
	b.last_offset = last;
	b.producer_id = pid;
	b.producer_epoch = epoch;
	b.transactional = txn;
	b.control_type = -1;
	b.record_count = (int32_t)(last - base + 1);
	return b;
}

static icp_batch marker(int64_t off, int64_t pid, int16_t epoch, int type)
{
	icp_batch b = data(off, off, pid, epoch, 1);
	b.control = 1;
	b.control_type = type;
	return b;
}

/* Learns every batch, then decides them as the writing pass would. */
static void learn_all(icp_txn *x, const icp_batch *bs, size_t n)
{
	icp_error err;
	size_t i;
	icp_error_init(&err);
	for (i = 0; i < n; i++)
		CHECK_EQ_INT(icp_txn_learn(x, &bs[i], &err), ICP_OK);
}

static void test_abort_and_commit(void)
{
	/* plain 0-1 | A 2-3 | B 4 | plain 5 | A abort @6 | B 7 | B commit @8 | plain 9 */
	icp_batch bs[] = {data(0, 1, -1, -1, 0), data(2, 3, 7, 0, 1),  data(4, 4, 8, 0, 1),
	                  data(5, 5, -1, -1, 0), marker(6, 7, 0, ICP_CONTROL_ABORT),
	                  data(7, 7, 8, 0, 1),   marker(8, 8, 0, ICP_CONTROL_COMMIT),
	                  data(9, 9, -1, -1, 0)};
	icp_txn *x = icp_txn_new(0);
	learn_all(x, bs, ICP_ARRAY_LEN(bs));
	CHECK_EQ_INT(icp_txn_stable_offset(x), -1);
	CHECK_EQ_INT(icp_txn_scan_pos(x), 10);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[0]), ICP_TXN_WRITE);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[1]), ICP_TXN_SKIP_ABORTED);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[2]), ICP_TXN_WRITE);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[3]), ICP_TXN_WRITE);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[4]), ICP_TXN_SKIP_CONTROL);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[5]), ICP_TXN_WRITE);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[7]), ICP_TXN_WRITE);
	CHECK_EQ_INT(icp_txn_aborted_spans(x), 1);
	icp_txn_advance(x, 7); /* past A's marker: its span is dropped */
	CHECK_EQ_INT(icp_txn_aborted_spans(x), 0);
	icp_txn_free(x);
}

static void test_open_blocks(void)
{
	/* A opens at 3, plain records after it wait too; the marker frees them */
	icp_batch bs[] = {data(0, 2, -1, -1, 0), data(3, 4, 7, 2, 1), data(5, 5, -1, -1, 0)};
	icp_batch commit = marker(6, 7, 2, ICP_CONTROL_COMMIT);
	icp_txn_open_info open[4];
	icp_error err;
	icp_txn *x = icp_txn_new(0);
	icp_error_init(&err);
	learn_all(x, bs, ICP_ARRAY_LEN(bs));
	CHECK_EQ_INT(icp_txn_stable_offset(x), 3);
	CHECK_EQ_INT(icp_txn_open_list(x, 4, open), 1);
	CHECK_EQ_INT(open[0].producer_id, 7);
	CHECK_EQ_INT(open[0].producer_epoch, 2);
	CHECK_EQ_INT(open[0].first_offset, 3);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[0]), ICP_TXN_WRITE);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[1]), ICP_TXN_BLOCKED);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[2]), ICP_TXN_BLOCKED);
	CHECK_EQ_INT(icp_txn_learn(x, &commit, &err), ICP_OK);
	CHECK_EQ_INT(icp_txn_stable_offset(x), -1);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[1]), ICP_TXN_WRITE);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[2]), ICP_TXN_WRITE);
	/* a batch already known is not learnt twice */
	CHECK_EQ_INT(icp_txn_learn(x, &bs[1], &err), ICP_OK);
	CHECK_EQ_INT(icp_txn_stable_offset(x), -1);
	icp_txn_free(x);
}

static void test_epochs(void)
{
	/* an older epoch's marker is a fenced producer's: ignored; a newer
	 * epoch's marker (the coordinator bumped it) applies */
	icp_batch bs[] = {data(0, 0, 7, 4, 1), marker(1, 7, 3, ICP_CONTROL_ABORT),
	                  data(2, 2, 7, 4, 1), marker(3, 7, 5, ICP_CONTROL_ABORT),
	                  data(4, 4, 7, 5, 1), marker(5, 7, 5, ICP_CONTROL_COMMIT)};
	icp_txn *x = icp_txn_new(0);
	learn_all(x, bs, ICP_ARRAY_LEN(bs));
	CHECK_EQ_INT(icp_txn_stable_offset(x), -1);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[0]), ICP_TXN_SKIP_ABORTED);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[2]), ICP_TXN_SKIP_ABORTED);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[4]), ICP_TXN_WRITE);
	icp_txn_free(x);
}

static void test_restart_inside(void)
{
	/* from offset 10, a transaction whose first batches were below it is
	 * learnt from its next batch and closed by its marker; a marker with
	 * nothing open changes nothing */
	icp_batch bs[] = {marker(10, 9, 0, ICP_CONTROL_ABORT), data(11, 12, 7, 0, 1),
	                  marker(13, 7, 0, ICP_CONTROL_COMMIT), data(14, 14, -1, -1, 0)};
	icp_txn *x = icp_txn_new(10);
	learn_all(x, bs, ICP_ARRAY_LEN(bs));
	CHECK_EQ_INT(icp_txn_aborted_spans(x), 0);
	CHECK_EQ_INT(icp_txn_decide(x, &bs[1]), ICP_TXN_WRITE);
	icp_txn_reset(x, 0);
	CHECK_EQ_INT(icp_txn_scan_pos(x), 0);
	CHECK_EQ_INT(icp_txn_stable_offset(x), -1);
	icp_txn_free(x);
}

static void test_queue(void)
{
	icp_txn *x = icp_txn_new(0);
	icp_txn_queued q;
	icp_error err;
	uint8_t a[100], b[50];
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	icp_error_init(&err);
	CHECK_EQ_INT(icp_txn_queue_front(x, &q), 0);
	CHECK_EQ_INT(icp_txn_queue_push(x, 1000, "ns/t/0/segment-1.kfs", 1, 32,
	                                icp_slice_make(a, sizeof(a)), &err), ICP_OK);
	CHECK_EQ_INT(icp_txn_queue_push(x, 1000, "k2", 5, 900, icp_slice_make(b, sizeof(b)), &err),
	             ICP_OK);
	CHECK_EQ_INT(icp_txn_queue_len(x), 2);
	CHECK_EQ_INT(icp_txn_queue_front(x, &q), 1);
	CHECK_EQ_INT(q.seg_base, 1);
	CHECK_EQ_INT(q.position, 32);
	CHECK_EQ_INT(q.bytes.len, 100);
	CHECK(q.key.len == 20 && memcmp(q.key.ptr, "ns/t/0/segment-1.kfs", 20) == 0);
	icp_txn_queue_pop(x);
	CHECK_EQ_INT(icp_txn_queue_front(x, &q), 1);
	CHECK_EQ_INT(q.position, 900);
	CHECK(q.bytes.len == 50 && q.bytes.ptr[0] == 'b');
	/* past the limit: refused and emptied (the partition re-reads) */
	CHECK_EQ_INT(icp_txn_queue_push(x, 120, "k3", 9, 1, icp_slice_make(a, sizeof(a)), &err),
	             ICP_ERR_TOO_LARGE);
	CHECK_EQ_INT(icp_txn_queue_len(x), 0);
	CHECK_EQ_INT(icp_txn_queue_bytes(x), 0);
	icp_txn_free(x);
}

/* The queue's allocation is charged to a memory budget before it grows;
 * a refused growth empties the queue like the per-partition limit does,
 * and an emptied queue gives every byte back. */
static void test_queue_budget(void)
{
	icp_txn *x = icp_txn_new(0);
	icp_budget *b = NULL;
	icp_error err;
	uint8_t a[300];
	memset(a, 'a', sizeof(a));
	icp_error_init(&err);
	CHECK_EQ_INT(icp_budget_new(2000, &b, &err), ICP_OK);
	icp_txn_set_budget(x, b, 1500);
	CHECK_EQ_INT(icp_txn_queue_push(x, 100000, "k", 1, 0, icp_slice_make(a, sizeof(a)), &err),
	             ICP_OK);
	CHECK_EQ_INT((int)icp_budget_used(b), 512); /* 324 bytes: a 512-byte buffer */
	CHECK_EQ_INT(icp_txn_queue_push(x, 100000, "k", 1, 400, icp_slice_make(a, sizeof(a)), &err),
	             ICP_OK);
	CHECK_EQ_INT((int)icp_budget_used(b), 1024);
	CHECK_EQ_INT(icp_txn_queue_push(x, 100000, "k", 1, 600, icp_slice_make(a, sizeof(a)), &err),
	             ICP_OK); /* 969 bytes: still the 1024-byte buffer */
	CHECK_EQ_INT((int)icp_budget_used(b), 1024);
	/* the next growth (to 2048) passes the ceiling: refused, emptied */
	CHECK_EQ_INT(icp_txn_queue_push(x, 100000, "k", 1, 800, icp_slice_make(a, sizeof(a)), &err),
	             ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "memory_limit_bytes");
	CHECK_EQ_INT(icp_txn_queue_len(x), 0);
	CHECK_EQ_INT((int)icp_budget_used(b), 0);
	CHECK(icp_budget_peak(b) <= 1500);
	/* popping the last entry frees too */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_txn_queue_push(x, 100000, "k", 1, 0, icp_slice_make(a, 10), &err), ICP_OK);
	CHECK(icp_budget_used(b) > 0);
	icp_txn_queue_pop(x);
	CHECK_EQ_INT((int)icp_budget_used(b), 0);
	/* and freeing a partition's state with a queue */
	CHECK_EQ_INT(icp_txn_queue_push(x, 100000, "k", 1, 0, icp_slice_make(a, 10), &err), ICP_OK);
	icp_txn_free(x);
	CHECK_EQ_INT((int)icp_budget_used(b), 0);
	icp_budget_free(b);
}

int main(void)
{
	TEST_RUN(test_abort_and_commit);
	TEST_RUN(test_open_blocks);
	TEST_RUN(test_epochs);
	TEST_RUN(test_restart_inside);
	TEST_RUN(test_queue);
	TEST_RUN(test_queue_budget);
	return TEST_DONE();
}
