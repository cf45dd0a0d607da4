/*
 * txn_int.h: read_committed state of a partition (txn.c), for the files
 * that read partitions (partition.c, position.c, segread.c, observe.c)
 * and txn.c itself. Kept out of proc_int.h, which every file includes.
 */
#ifndef ICP_PROC_TXN_INT_H
#define ICP_PROC_TXN_INT_H

#include "processor/proc_int.h"

/* ------------------------------------------------ transactions (txn.c)
 * One per partition under read_committed (see txn.c for the model). */

typedef enum icp_txn_decision {
	ICP_TXN_WRITE,         /* decided: write its records */
	ICP_TXN_SKIP_ABORTED,  /* a batch of an aborted transaction */
	ICP_TXN_SKIP_CONTROL,  /* a marker: occupies offsets, no data */
	ICP_TXN_BLOCKED        /* at or past the LSO: not decided yet */
} icp_txn_decision;

typedef struct icp_txn_open_info {
	int64_t producer_id;
	int16_t producer_epoch;
	int64_t first_offset;
} icp_txn_open_info;

/* State knowing the log from offset `from` on (NULL: out of memory). */
icp_txn *icp_txn_new(int64_t from);
void icp_txn_free(icp_txn *x);
/* Forgets everything (and the queue): the log is known from `from`. */
void icp_txn_reset(icp_txn *x, int64_t from);
/* Offset up to which transactions are known (the next one to learn). */
int64_t icp_txn_scan_pos(const icp_txn *x);
/* First offset of the earliest open transaction, -1 when none. */
int64_t icp_txn_stable_offset(const icp_txn *x);
/* Learns a batch (no-op below scan_pos): opens or closes transactions.
 * ICP_OK or ICP_ERR_NOMEM. */
int icp_txn_learn(icp_txn *x, const icp_batch *b, icp_error *err);
/* The fate of a batch below scan_pos. */
icp_txn_decision icp_txn_decide(const icp_txn *x, const icp_batch *b);
/* The writing position moved to w: drops aborted spans below it. */
void icp_txn_advance(icp_txn *x, int64_t w);
/* Copies up to max open transactions into out; returns how many are open. */
size_t icp_txn_open_list(const icp_txn *x, size_t max, icp_txn_open_info *out);
size_t icp_txn_aborted_spans(const icp_txn *x);

/* The queue of raw batches read past the LSO. push copies them;
 * ICP_ERR_TOO_LARGE when `limit` bytes would be passed (the queue is then
 * empty); front fills *out (pointers valid until the next push, pop or
 * clear) and returns 0 when empty. */
typedef struct icp_txn_queued {
	icp_slice key;         /* segment object key */
	int64_t seg_base;      /* its base offset (name) */
	uint64_t position;     /* the batch's byte position in it */
	icp_slice bytes;
} icp_txn_queued;
int icp_txn_queue_push(icp_txn *x, size_t limit, const char *key, int64_t seg_base,
                       uint64_t position, icp_slice bytes, icp_error *err);
int icp_txn_queue_front(const icp_txn *x, icp_txn_queued *out);
void icp_txn_queue_pop(icp_txn *x);
void icp_txn_queue_clear(icp_txn *x);
/* Charges the queue's allocation to budget b (NULL: none) while the total
 * used stays under ceiling (0: the limit): a push whose growth is refused
 * fails as a full queue does (ICP_ERR_TOO_LARGE, queue emptied: the
 * partition re-reads instead). Clearing frees the allocation and gives
 * it back; so does icp_txn_free. */
struct icp_budget;
void icp_txn_set_budget(icp_txn *x, struct icp_budget *b, uint64_t ceiling);
size_t icp_txn_queue_len(const icp_txn *x);
size_t icp_txn_queue_bytes(const icp_txn *x);

#endif
