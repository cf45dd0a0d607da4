/*
 * Handing the extractor's rows to Parquet writers, and reading the last
 * row back for partition routing.
 *
 * _write hands every row added since _begin to one writer. _write_rows
 * hands a subset (the rows of one partition tuple) to one writer: for each
 * leaf the selected rows' entries (levels) and values are copied, one run
 * of consecutive rows at a time, into scratch arrays owned by the
 * extractor (grown, never shrunk: no allocation once warm), so the writer
 * sees exactly the batch _write would give it for those rows alone. A
 * row's entries and values start where `starts` says (recorded by
 * icp_columns_add) and end where the next row's start, or at the leaf's
 * end for the last row.
 */
#include "columns/columns_int.h"

/* The writer's leaf for l, checked to have l's levels. */
static int writer_leaf(icp_parquet_writer *pw, const leaf *l, size_t *out, icp_error *err)
{
	int pl = icp_parquet_writer_leaf(pw, l->field_id), md, mr;

	if (pl < 0)
		return icp_error_set(err, ICP_ERR_INVALID, "no Parquet column for field id %d",
		                     l->field_id);
	icp_parquet_writer_leaf_levels(pw, (size_t)pl, &md, &mr);
	if (md != l->max_def || mr != l->max_rep)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "field id %d: levels %d/%d, the writer has %d/%d",
		                     l->field_id, l->max_def, l->max_rep, md, mr);
	*out = (size_t)pl;
	return ICP_OK;
}

/* Slices in x->slices for the n boffs at vals. */
static int make_slices(icp_columns *x, const uint8_t *vals, size_t n, icp_error *err)
{
	size_t cap = x->cap_slices, j;

	if (icp_cx_grow((void **)&x->slices, &cap, n ? n : 1, sizeof(icp_slice)))
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	x->cap_slices = cap;
	for (j = 0; j < n; j++) {
		boff bo;
		memcpy(&bo, vals + j * sizeof(boff), sizeof(bo));
		x->slices[j] = icp_slice_make(x->text.data + bo.off, bo.len);
	}
	return ICP_OK;
}

int icp_columns_write(icp_columns *x, icp_parquet_writer *pw, icp_error *err)
{
	size_t i, pl;
	int rc;

	for (i = 0; i < x->n_leaves; i++) {
		leaf *l = &x->leaves[i];
		icp_parquet_batch b;
		if ((rc = writer_leaf(pw, l, &pl, err)) != ICP_OK)
			return rc;
		memset(&b, 0, sizeof(b));
		b.n = l->n;
		b.def = l->def;
		b.rep = l->max_rep ? l->rep : NULL;
		if (l->bytes) {
			if ((rc = make_slices(x, l->vals, l->nv, err)) != ICP_OK)
				return rc;
			b.bytes = x->slices;
		} else {
			b.fixed = l->vals;
		}
		rc = icp_parquet_writer_write(pw, pl, &b, err);
		if (rc != ICP_OK)
			return rc;
	}
	return ICP_OK;
}

/* Where row r of leaf i starts (entry, value); r == n_rows: the leaf's end. */
static void row_start(const icp_columns *x, size_t i, size_t r, size_t *e, size_t *v)
{
	if (r < x->n_rows) {
		const uint32_t *s = x->starts + 2 * (x->n_leaves * r + i);
		*e = s[0];
		*v = s[1];
	} else {
		*e = x->leaves[i].n;
		*v = x->leaves[i].nv;
	}
}

/* Copies the selected rows of leaf i into the scratch arrays; *ne entries,
 * *nv values. */
static int gather(icp_columns *x, size_t i, const uint32_t *rows, size_t n, size_t *ne,
                  size_t *nv)
{
	const leaf *l = &x->leaves[i];
	size_t k, te = 0, tv = 0, e0, v0, e1, v1;

	/* totals first, so each scratch array grows at most once */
	for (k = 0; k < n; k++) {
		row_start(x, i, rows[k], &e0, &v0);
		row_start(x, i, (size_t)rows[k] + 1, &e1, &v1);
		te += e1 - e0;
		tv += v1 - v0;
	}
	if (te >= x->cap_slev) { /* at least one: the writer gets arrays, not NULL */
		size_t c = x->cap_slev;
		if (icp_cx_grow((void **)&x->sdef, &c, te + 1, sizeof(int16_t)))
			return ICP_ERR_NOMEM;
		c = x->cap_slev;
		if (icp_cx_grow((void **)&x->srep, &c, te + 1, sizeof(int16_t)))
			return ICP_ERR_NOMEM;
		x->cap_slev = c;
	}
	if (icp_cx_grow((void **)&x->svals, &x->cap_svals, tv * l->width, 1))
		return ICP_ERR_NOMEM;
	te = tv = 0;
	for (k = 0; k < n;) {
		size_t last = k;
		/* a run of consecutive rows is one copy */
		while (last + 1 < n && rows[last + 1] == rows[last] + 1)
			last++;
		row_start(x, i, rows[k], &e0, &v0);
		row_start(x, i, (size_t)rows[last] + 1, &e1, &v1);
		if (e1 > e0) {
			memcpy(x->sdef + te, l->def + e0, (e1 - e0) * sizeof(int16_t));
			memcpy(x->srep + te, l->rep + e0, (e1 - e0) * sizeof(int16_t));
		}
		if (v1 > v0)
			memcpy(x->svals + tv * l->width, l->vals + v0 * l->width,
			       (v1 - v0) * l->width);
		te += e1 - e0;
		tv += v1 - v0;
		k = last + 1;
	}
	*ne = te;
	*nv = tv;
	return ICP_OK;
}

int icp_columns_write_rows(icp_columns *x, icp_parquet_writer *pw, const uint32_t *rows,
                           size_t n, icp_error *err)
{
	size_t i, k, pl, ne, nv;
	int rc;

	for (k = 0; k < n; k++)
		if (rows[k] >= x->n_rows)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "row selection: index %zu (row %u) is not below %zu rows",
			                     k, (unsigned)rows[k], x->n_rows);
	for (i = 0; i < x->n_leaves; i++) {
		leaf *l = &x->leaves[i];
		icp_parquet_batch b;
		if ((rc = writer_leaf(pw, l, &pl, err)) != ICP_OK)
			return rc;
		if (gather(x, i, rows, n, &ne, &nv))
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		memset(&b, 0, sizeof(b));
		b.n = ne;
		b.def = x->sdef;
		b.rep = l->max_rep ? x->srep : NULL;
		if (l->bytes) {
			if ((rc = make_slices(x, x->svals, nv, err)) != ICP_OK)
				return rc;
			b.bytes = x->slices;
		} else {
			b.fixed = x->svals;
		}
		rc = icp_parquet_writer_write(pw, pl, &b, err);
		if (rc != ICP_OK)
			return rc;
	}
	return ICP_OK;
}

/* Unscaled value v as the precision's big-endian byte width (the width a
 * wider decimal is stored with), in out->inl. */
static void decimal_inline(int64_t v, int precision, icp_pspec_value *out)
{
	uint8_t be[8];
	size_t nb = (size_t)icp_parquet_decimal_bytes(precision);

	icp_store_be64(be, (uint64_t)v);
	if (nb > 8)
		nb = 8; /* cannot happen: <= 18 digits fit 8 bytes */
	memcpy(out->inl, be + 8 - nb, nb);
	out->inl_len = (uint8_t)nb;
}

int icp_columns_last_value(const icp_columns *x, int32_t field_id, icp_pspec_value *out)
{
	const leaf *l = NULL;
	size_t c, e, v;

	for (c = 0; c < x->n_tops && !l; c++) {
		const tnode *nd = &x->nodes[x->tops[c]];
		if (nd->n_leaves == 1 && nd->kind != ICP_ICE_STRUCT && nd->kind != ICP_ICE_LIST &&
		    nd->kind != ICP_ICE_MAP && x->leaves[nd->leaf0].field_id == field_id)
			l = &x->leaves[nd->leaf0];
	}
	if (!l)
		return ICP_ERR_NOT_FOUND;
	*out = icp_pspec_value_null(l->kind);
	if (l->kind == ICP_ICE_DECIMAL)
		out->scale = l->scale;
	if (!x->n_rows)
		return ICP_OK;
	row_start(x, (size_t)(l - x->leaves), x->n_rows - 1, &e, &v);
	/* top level: one entry per row; a value when the def is the max */
	if (e >= l->n || l->def[e] != l->max_def || v >= l->nv)
		return ICP_OK;
	out->is_null = 0;
	if (l->bytes) {
		boff bo;
		memcpy(&bo, l->vals + v * sizeof(boff), sizeof(bo));
		out->bytes = icp_slice_make(x->text.data + bo.off, bo.len);
		return ICP_OK;
	}
	{
		const uint8_t *p = l->vals + v * l->width;
		int32_t i32;
		int64_t i64;
		float f;
		switch (l->kind) {
		case ICP_ICE_BOOLEAN: out->i = p[0] != 0; break;
		case ICP_ICE_INT:
		case ICP_ICE_DATE:
			memcpy(&i32, p, 4);
			out->i = i32;
			break;
		case ICP_ICE_LONG:
		case ICP_ICE_TIME:
		case ICP_ICE_TIMESTAMP:
		case ICP_ICE_TIMESTAMPTZ:
			memcpy(&i64, p, 8);
			out->i = i64;
			break;
		case ICP_ICE_FLOAT:
			memcpy(&f, p, 4);
			out->d = f;
			break;
		case ICP_ICE_DOUBLE: memcpy(&out->d, p, 8); break;
		case ICP_ICE_DECIMAL:
			if (l->width == 4) {
				memcpy(&i32, p, 4);
				i64 = i32;
			} else {
				memcpy(&i64, p, 8);
			}
			decimal_inline(i64, l->precision, out);
			break;
		default: out->is_null = 1; break; /* not fillable: never a value */
		}
	}
	return ICP_OK;
}
