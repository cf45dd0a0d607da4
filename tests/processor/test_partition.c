/*
 * A partition's position (src/processor/partition.c): the functions that
 * are the only writers of its read and commit positions, timestamps and
 * stop state, and what moving back forgets.
 */
#include "processor/txn_int.h"

#include "../test.h"

static icp_part *part_new(int with_txn)
{
	icp_part *pt = icp_calloc(1, sizeof(*pt));
	CHECK(pt != NULL);
	pt->last_ts = pt->committed_ts = -1;
	pt->stop_base = pt->stop_offset = -1;
	if (with_txn)
		pt->txn = icp_txn_new(0);
	return pt;
}

/* What a read past the committed position leaves behind. */
static void read_some(icp_part *pt, int64_t to, int64_t ts)
{
	icp_part_advance(pt, to);
	icp_part_saw_ts(pt, ts);
	icp_free(pt->last_key);
	pt->last_key = icp_strdup("ns/orders/0/segment-00000000000000000000.kfs");
	icp_free(pt->index_key);
	pt->index_key = icp_strdup("ns/orders/0/segment-00000000000000000000.index");
}

static void test_advance_and_commit(void)
{
	icp_part *pt = part_new(0);
	read_some(pt, 40, 1000);
	CHECK_EQ_INT(pt->next, 40);
	CHECK_EQ_INT(pt->last_ts, 1000);
	CHECK_EQ_INT(pt->committed_next, 0); /* read, not committed */
	icp_part_committed(pt);
	CHECK_EQ_INT(pt->committed_next, 40);
	CHECK_EQ_INT(pt->committed_ts, 1000);
	CHECK(pt->last_key != NULL); /* moving forward keeps the cursor */
	icp_part_free(pt);
}

static void test_drop_uncommitted(void)
{
	icp_part *pt = part_new(1);
	read_some(pt, 10, 500);
	icp_part_committed(pt);
	read_some(pt, 25, 900);
	icp_part_drop_uncommitted(pt, 10);
	CHECK_EQ_INT(pt->next, 10);
	CHECK_EQ_INT(pt->committed_next, 10);
	CHECK_EQ_INT(pt->last_ts, 500); /* back to the committed record's */
	CHECK(pt->last_key == NULL);    /* listed again from the start */
	CHECK_EQ_INT(icp_txn_scan_pos(pt->txn), 10);
	/* the reading state (segread.c's) goes before the next read: the
	 * object may have been replaced */
	CHECK(pt->index_key != NULL);
	icp_segread_sync(pt);
	CHECK(pt->index_key == NULL);
	pt->index_key = icp_strdup("again");
	icp_segread_sync(pt); /* no rewind since: kept */
	CHECK(pt->index_key != NULL);
	icp_part_free(pt);
}

static void test_reset(void)
{
	icp_part *pt = part_new(0);
	read_some(pt, 30, 700);
	icp_part_committed(pt);
	icp_part_reset(pt, 30); /* the table holds what we hold: nothing moves */
	CHECK(pt->last_key != NULL);
	CHECK_EQ_INT(pt->next, 30);
	CHECK_EQ_INT((int)pt->rewinds, 0);
	icp_part_reset(pt, 55); /* another worker committed up to 55 */
	CHECK_EQ_INT(pt->next, 55);
	CHECK_EQ_INT(pt->committed_next, 55);
	CHECK(pt->last_key == NULL);
	CHECK_EQ_INT((int)pt->rewinds, 1);
	icp_part_free(pt);
}

static void test_stop_and_error(void)
{
	icp_part *pt = part_new(0);
	read_some(pt, 20, 100);
	icp_part_stop_at(pt, 17);
	CHECK_EQ_INT(pt->next, 17);
	CHECK(pt->stopped);
	CHECK_EQ_INT(pt->stop_offset, 17);
	icp_part_set_error(pt, "offset 17: invalid record");
	CHECK_EQ_STR(pt->error, "offset 17: invalid record");
	icp_part_set_error(pt, "replaced");
	CHECK_EQ_STR(pt->error, "replaced");
	icp_part_resume(pt); /* a claim: read again, the stop offset still holds */
	CHECK(!pt->stopped);
	CHECK_EQ_INT(pt->stop_offset, 17);
	icp_part_set_error(pt, NULL);
	CHECK(pt->error == NULL);
	icp_part_free(pt);
}

int main(void)
{
	TEST_RUN(test_advance_and_commit);
	TEST_RUN(test_drop_uncommitted);
	TEST_RUN(test_reset);
	TEST_RUN(test_stop_and_error);
	return TEST_DONE();
}
