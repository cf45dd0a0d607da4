/*
 * Internals shared by rows.c (records to rows: extraction, tuples, sort
 * keys) and rows_emit.c (rows to data files: gathering per tuple, sorted
 * flushes), with the leaves only they use: route.c and rowsort.c. The column arrays below are the table's (t->cols), reused
 * from batch to batch; only these two files touch them.
 */
#ifndef ICP_ROWS_INT_H
#define ICP_ROWS_INT_H

#include "processor/proc_int.h"

/* route.c: the rows of one batch grouped by partition tuple. _begin
 * forgets the last batch; _add computes a row's partition values from its
 * source values (src[i] for spec field i; a transform that fails gives a
 * null value) and puts it into its group; _finish lists each group's rows
 * in row order; then per group: its rows (indices in add order) and its
 * tuple (key, values and "name=value/..." path, valid until the next
 * _group_tuple call). _values: scratch for n values, owned by the route.
 * No allocation per row once warm. */
typedef struct icp_route icp_route;
icp_route *icp_route_new(void);
void icp_route_free(icp_route *r);
void icp_route_begin(icp_route *r);
icp_pspec_value *icp_route_values(icp_route *r, size_t n);
int icp_route_add(icp_route *r, const icp_pspec *spec, const icp_pspec_value *src,
                  icp_error *err);
int icp_route_finish(icp_route *r);
size_t icp_route_groups(const icp_route *r);
size_t icp_route_rows(const icp_route *r);
const uint32_t *icp_route_group_rows(const icp_route *r, size_t g, size_t *n);
int icp_route_group_tuple(icp_route *r, const icp_pspec *spec, size_t g, icp_slice *key,
                          const icp_pspec_value **vals, const char **path, icp_error *err);

/* rowsort.c: the sort keys of rows to be written sorted (sort_by) and
 * their sort. _new takes the sort columns' types (f[i].source_type; the
 * fields are not kept); _add copies one row's n values (row index = rows
 * added since _reset); _sort orders row indices by those keys, ascending,
 * nulls first, stable. _bytes: memory held for the keys. */
typedef struct icp_rowsort icp_rowsort;
icp_rowsort *icp_rowsort_new(const icp_pspec_field *f, size_t n);
void icp_rowsort_free(icp_rowsort *rs);
void icp_rowsort_reset(icp_rowsort *rs);
int icp_rowsort_add(icp_rowsort *rs, const icp_pspec_value *v);
int icp_rowsort_sort(icp_rowsort *rs, uint32_t *rows, size_t n);
size_t icp_rowsort_bytes(const icp_rowsort *rs);

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
