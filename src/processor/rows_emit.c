/*
 * Rows to data files (the second half of rows.c): the rows a batch kept
 * are gathered per partition tuple (route.c) into the arrays the Parquet
 * writer takes, nullable values packed, and handed to the tuple's open
 * file. A sorted table's rows wait here across batches (kept, their bytes
 * copied by rows.c) until icp_rows_flush sorts each tuple's rows
 * (rowsort.c) and writes them as one new file, closed at once.
 */
#include "columns/columns.h"
#include "processor/rows_int.h"

/* Gathers rows sel[0..k) (all n rows when sel is NULL) into the g_*
 * arrays and hands them to pw as rows. */
int icp_rows_emit(icp_table *t, icp_parquet_writer *pw, const uint32_t *sel, size_t k,
                icp_error *err)
{
	cols *c = t->cols;
	size_t i, nk = 0, nv = 0, ntu = 0;
	int32_t leaf;
	int rc;

	for (i = 0; i < k; i++) {
		size_t r = sel ? sel[i] : i;
		size_t id0 = r ? c->id_end[r - 1] : 0, h0 = r ? c->hdr_end[r - 1] : 0;
		c->g_ids[i] = icp_slice_make(t->scratch_ids.data + id0, c->id_end[r] - id0);
		c->g_hdr[i] = icp_slice_make(t->scratch_hdrs.data + h0, c->hdr_end[r] - h0);
		c->g_topic[i] = c->g_topic[0];
		c->g_part[i] = c->part[r];
		c->g_off[i] = c->off[r];
		c->g_ts[i] = c->ts[r];
		c->g_key_valid[i] = c->key_valid[r];
		if (c->key_valid[r])
			c->g_key[nk++] = c->key[r];
		c->g_val_valid[i] = c->val_valid[r];
		if (c->val_valid[r])
			c->g_val[nv++] = c->val[r];
		if (c->ts_field) {
			c->g_tsu_valid[i] = c->tsu_valid[r];
			if (c->tsu_valid[r])
				c->g_tsu[ntu++] = c->tsu[r];
		}
	}
	{
		const struct {
			int id;
			icp_parquet_batch b;
		} colb[] = {
			{1, {k, NULL, NULL, NULL, NULL, c->g_ids}},
			{2, {k, NULL, NULL, NULL, NULL, c->g_topic}},
			{3, {k, NULL, NULL, NULL, c->g_part, NULL}},
			{4, {k, NULL, NULL, NULL, c->g_off, NULL}},
			{5, {k, NULL, NULL, NULL, c->g_ts, NULL}},
			{6, {k, NULL, NULL, c->g_key_valid, NULL, c->g_key}},
			{7, {k, NULL, NULL, c->g_val_valid, NULL, c->g_val}},
			{8, {k, NULL, NULL, NULL, NULL, c->g_hdr}},
		};
		for (i = 0; i < ICP_ARRAY_LEN(colb); i++) {
			leaf = icp_parquet_writer_leaf(pw, colb[i].id);
			if (leaf < 0)
				return icp_error_set(err, ICP_ERR_INVALID,
				                     "table %s.%s: no Parquet column for field id %d",
				                     t->ns, t->name, colb[i].id);
			rc = icp_parquet_writer_write(pw, (size_t)leaf, &colb[i].b, err);
			if (rc != ICP_OK)
				return rc;
		}
	}
	if (c->ts_field) {
		const icp_parquet_batch tb = {k, NULL, NULL, c->g_tsu_valid, c->g_tsu, NULL};
		leaf = icp_parquet_writer_leaf(pw, c->ts_field);
		if (leaf < 0)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "table %s.%s: no Parquet column for field id %d", t->ns,
			                     t->name, (int)c->ts_field);
		if ((rc = icp_parquet_writer_write(pw, (size_t)leaf, &tb, err)) != ICP_OK)
			return rc;
	}
	if (icp_columns_count(t->columns) > 0) {
		rc = sel ? icp_columns_write_rows(t->columns, pw, sel, k, err)
		         : icp_columns_write(t->columns, pw, err);
		if (rc != ICP_OK)
			return rc;
	}
	if (t->lfs_columns) {
		rc = sel ? icp_columns_write_rows(t->lfs_columns, pw, sel, k, err)
		         : icp_columns_write(t->lfs_columns, pw, err);
		if (rc != ICP_OK)
			return rc;
	}
	return icp_parquet_writer_end_rows(pw, err);
}

/* Each partition tuple's rows to its open data file (opened as needed:
 * icp_sink_file_for, LRU-bounded). */
int icp_rows_emit_routed(icp_table *t, int sorted, icp_error *err)
{
	cols *c = t->cols;
	icp_route *r = t->route;
	size_t g, n_groups;
	int rc;

	if (icp_route_finish(r) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory routing rows");
	n_groups = icp_route_groups(r);
	for (g = 0; g < n_groups; g++) {
		const icp_pspec_value *vals;
		const uint32_t *rows, *sel;
		icp_parquet_writer *pw;
		const char *path;
		icp_slice key;
		size_t k;

		rows = icp_route_group_rows(r, g, &k);
		/* one tuple for the whole batch (time partitions, mostly): no
		 * gathering by row; sorted: the group's rows in sort order */
		sel = n_groups == 1 ? NULL : rows;
		if (sorted) {
			memcpy(c->order, rows, k * sizeof(*rows));
			if (icp_rowsort_sort(c->rs, c->order, k) != ICP_OK)
				return icp_error_set(err, ICP_ERR_NOMEM, "out of memory sorting rows");
			sel = c->order;
		}
		rc = icp_route_group_tuple(r, t->spec, g, &key, &vals, &path, err);
		if (rc == ICP_OK)
			rc = icp_sink_file_for(&t->sink, path, key, vals, t->spec->n_fields, &pw, err);
		if (rc == ICP_OK)
			rc = icp_rows_emit(t, pw, sel, k, err);
		if (rc != ICP_OK)
			return rc;
	}
	return ICP_OK;
}

/* Memory the kept rows hold (estimate: their copied bytes, ids,
 * headers, sort keys, and about 128 bytes a row of column arrays and
 * extracted values). */
size_t icp_rows_kept_bytes(const icp_table *t)
{
	const cols *c = t->cols;
	return c->acc.len + t->scratch_ids.len + t->scratch_hdrs.len +
	       (c->rs ? icp_rowsort_bytes(c->rs) : 0) + c->n_acc * 128;
}

static void forget_kept(icp_table *t)
{
	cols *c = t->cols;
	if (!c)
		return;
	c->n_acc = 0;
	icp_buf_reset(&c->acc);
	if (c->rs)
		icp_rowsort_reset(c->rs);
	if (t->route)
		icp_route_begin(t->route);
	if (t->columns)
		icp_columns_begin(t->columns);
	if (t->lfs_columns)
		icp_columns_begin(t->lfs_columns);
}

void icp_rows_drop(icp_table *t)
{
	forget_kept(t);
}

int32_t icp_rows_kept_spec(const icp_table *t)
{
	const cols *c = t->cols;
	return c && c->n_acc ? c->acc_spec : -1;
}

int icp_rows_flush(icp_table *t, icp_error *err)
{
	cols *c = t->cols;
	size_t r, n;
	int rc = ICP_OK;

	if (!c || !c->n_acc)
		return ICP_OK;
	n = c->n_acc;
	for (r = 0; r < n; r++) {
		c->key[r].ptr = c->acc.data + c->koff[r];
		c->val[r].ptr = c->acc.data + c->voff[r];
	}
	c->g_topic[0] = icp_slice_cstr(t->map->topic);
	if (n > c->cap_order) {
		uint32_t *no = icp_realloc(c->order, n * sizeof(*no));
		if (!no) {
			forget_kept(t);
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory sorting rows");
		}
		c->order = no;
		c->cap_order = n;
	}
	if (t->spec && t->spec->n_fields) {
		rc = icp_rows_emit_routed(t, 1, err);
	} else {
		icp_parquet_writer *pw;
		for (r = 0; r < n; r++)
			c->order[r] = (uint32_t)r;
		if (icp_rowsort_sort(c->rs, c->order, n) != ICP_OK)
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory sorting rows");
		if (rc == ICP_OK)
			rc = icp_sink_file_for(&t->sink, NULL, icp_slice_make(NULL, 0), NULL, 0, &pw, err);
		if (rc == ICP_OK)
			rc = icp_rows_emit(t, pw, c->order, n, err);
	}
	forget_kept(t);
	/* each file is one sorted run: closed now (later rows go to new
	 * files, sorted among themselves) */
	if (rc == ICP_OK)
		rc = icp_sink_close(&t->sink, err);
	return rc;
}
