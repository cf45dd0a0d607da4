/*
 * Internals shared by rows.c (records to rows: extraction, tuples, sort
 * keys) and rows_emit.c (rows to data files: gathering per tuple, sorted
 * flushes). The column arrays below are the table's (t->cols), reused
 * from batch to batch; only these two files touch them.
 */
#ifndef ICP_ROWS_INT_H
#define ICP_ROWS_INT_H

#include "processor/proc_int.h"

/* Per row of the batch (rows the record filter and the extractor kept,
 * in record order), then the same gathered for one data file: the rows
 * of one partition tuple (all of them when unpartitioned), nullable
 * values packed as the Parquet writer takes them. */
typedef struct cols {
	size_t cap;
	/* per row */
	int32_t *part;
	int64_t *off, *ts, *tsu;
	icp_slice *key, *val;
	uint8_t *key_valid, *val_valid, *tsu_valid;
	size_t *id_end, *hdr_end;
	/* gathered for one file */
	icp_slice *g_ids, *g_topic, *g_key, *g_val, *g_hdr;
	int32_t *g_part;
	int64_t *g_off, *g_ts, *g_tsu;
	uint8_t *g_key_valid, *g_val_valid, *g_tsu_valid;
	/* the record-time column (timestamp_column): its field id (0: none),
	 * set with the extractor */
	int32_t ts_field;
	int ts_required; /* a table made it required: no null may reach it */
	icp_pspec_value *src; /* partition source values of one row */
	size_t cap_src;
	/* sorted tables (mappings[].sort_by): rows are kept across batches
	 * until icp_rows_flush sorts and writes them. Their key and value
	 * bytes are copied into acc (koff/voff: the buffer moves as it
	 * grows), their sort keys into rs. */
	icp_pspec_field *sort_f; /* the sort columns found in the schema */
	size_t n_sort;
	icp_pspec_value *skv;    /* one row's sort values */
	icp_rowsort *rs;
	size_t n_acc;            /* rows kept */
	size_t *koff, *voff;
	icp_buf acc;
	int32_t acc_spec;        /* spec id their tuples are of */
	uint32_t *order;
	size_t cap_order;
} cols;

/* rows_emit.c: hands rows sel[0..k) (all k rows when sel is NULL) to pw
 * as rows; each partition tuple's rows (routed since the route's last
 * begin) to its file, sorted by the sort keys when `sorted` (c->order
 * must hold every row); the memory the rows kept for sorting hold
 * (estimate). */
int icp_rows_emit(icp_table *t, icp_parquet_writer *pw, const uint32_t *sel, size_t k,
                  icp_error *err);
int icp_rows_emit_routed(icp_table *t, int sorted, icp_error *err);
size_t icp_rows_kept_bytes(const icp_table *t);

#endif
