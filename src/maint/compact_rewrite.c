/*
 * Compaction: one bin of input data files rewritten as one Parquet file.
 *
 * Inputs are read with the Parquet reader (ranged reads: footer, then one
 * column chunk at a time) and written with the writer, leaf by leaf: the
 * reader hands back exactly the batches the writer takes, so values,
 * nulls and nesting go through untouched and the leaf numbering of both
 * is the same depth-first order.
 *
 * Unsorted: row groups are streamed (memory: one decoded input row group
 * plus the writer's open row group).
 *
 * Sorted: every row group of every input is decoded into one arena (the
 * caller caps a bin's decoded bytes), rows are ordered by the sort keys
 * with a stable merge sort of (chunk, row) references, and written in
 * slices of SLICE_ROWS rows: per leaf, each row's entries (levels and
 * packed values) are copied in the new order. Row boundaries of nested
 * leaves come from their repetition levels (0 starts a row).
 */
#include "maint/maint_int.h"
#include "pspec/pspec.h"

#define SLICE_ROWS 4096

int icp_compact_read_at(void *ctx, uint64_t off, size_t n, icp_buf *out, icp_error *err)
{
	const icp_compact_src *s = ctx;
	size_t before = out->len;
	int rc = icp_storage_read_range(s->store, s->key, off, n, out, err);
	if (rc != ICP_OK)
		return rc;
	if (out->status)
		return icp_error_set(err, out->status, "compaction: reading %s: buffer", s->key);
	if (out->len - before != n)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "compaction: %s: %zu bytes at %llu asked, %zu read (truncated)",
		                     s->key, n, (unsigned long long)off, out->len - before);
	return ICP_OK;
}

static void put_i64(icp_buf *out, int64_t v)
{
	uint8_t b[8];
	icp_store_be64(b, (uint64_t)v);
	icp_buf_append(out, b, sizeof(b));
}

void icp_compact_schema_key(const icp_parquet_field *f, size_t n, icp_buf *out)
{
	put_i64(out, (int64_t)n);
	for (size_t i = 0; i < n; i++) {
		size_t len = f[i].name ? strlen(f[i].name) : 0;
		put_i64(out, (int64_t)len);
		icp_buf_append(out, f[i].name ? f[i].name : "", len);
		put_i64(out, f[i].field_id);
		put_i64(out, f[i].kind);
		put_i64(out, f[i].required);
		put_i64(out, f[i].parent);
		put_i64(out, f[i].precision);
		put_i64(out, f[i].scale);
		put_i64(out, f[i].length);
	}
}

/* Bytes of one packed value in `fixed`; 0: values are icp_slice. */
static size_t fixed_width(const icp_parquet_field *f)
{
	switch (f->kind) {
	case ICP_PARQUET_BOOLEAN:
		return 1;
	case ICP_PARQUET_INT:
	case ICP_PARQUET_FLOAT:
	case ICP_PARQUET_DATE:
		return 4;
	case ICP_PARQUET_LONG:
	case ICP_PARQUET_DOUBLE:
	case ICP_PARQUET_TIME:
	case ICP_PARQUET_TIMESTAMP:
	case ICP_PARQUET_TIMESTAMPTZ:
		return 8;
	case ICP_PARQUET_DECIMAL:
		return f->precision <= 9 ? 4 : f->precision <= 18 ? 8 : 0;
	default:
		return 0;
	}
}

/* The state of one rewrite: the output writer, the schema the first
 * input set (every other must match) and scratch. */
typedef struct rw {
	icp_storage *store;
	const icp_parquet_options *po;
	icp_parquet_sink sink;
	icp_parquet_writer *w;
	icp_buf schema_key;         /* of the first input */
	icp_parquet_field *fields;  /* copy of the first input's (names in names) */
	size_t n_fields, n_leaves;
	size_t *leaf_field;         /* leaf -> field index */
	int *max_def, *max_rep;
	icp_arena *names;
} rw;

static void rw_dispose(rw *x)
{
	icp_parquet_writer_free(x->w);
	icp_buf_dispose(&x->schema_key);
	icp_free(x->fields);
	icp_free(x->leaf_field);
	icp_free(x->max_def);
	icp_free(x->max_rep);
	icp_arena_free(x->names);
}

/* Opens input k; the first one creates the writer with its schema, the
 * others must have the same one. */
static int open_input(rw *x, const icp_compact_input *in, icp_compact_src *src,
                      icp_parquet_reader **r, icp_error *err)
{
	const icp_parquet_field *f;
	size_t nf;
	icp_buf key;
	int rc;

	src->store = x->store;
	src->key = in->key;
	rc = icp_parquet_reader_open(icp_compact_read_at, src, in->size, r, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "compaction: data file %s", in->key);
		return rc;
	}
	f = icp_parquet_reader_fields(*r, &nf);
	icp_buf_init(&key, ICP_BUF_UNLIMITED);
	icp_compact_schema_key(f, nf, &key);
	if (key.status) {
		icp_buf_dispose(&key);
		return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	}
	if (x->w) {
		int same = key.len == x->schema_key.len &&
		           memcmp(key.data, x->schema_key.data, key.len) == 0;
		icp_buf_dispose(&key);
		if (!same)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "compaction: data file %s has another Parquet schema "
			                     "than the other files of its bin", in->key);
		return ICP_OK;
	}
	x->schema_key = key;
	x->n_fields = nf;
	x->n_leaves = icp_parquet_reader_leaf_count(*r);
	x->names = icp_arena_new(0);
	x->fields = icp_calloc(nf ? nf : 1, sizeof(*x->fields));
	x->leaf_field = icp_calloc(x->n_leaves + 1, sizeof(size_t));
	x->max_def = icp_calloc(x->n_leaves + 1, sizeof(int));
	x->max_rep = icp_calloc(x->n_leaves + 1, sizeof(int));
	if (!x->names || !x->fields || !x->leaf_field || !x->max_def || !x->max_rep)
		return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	for (size_t i = 0; i < nf; i++) {
		x->fields[i] = f[i];
		x->fields[i].name = f[i].name ? icp_arena_strdup(x->names, f[i].name) : NULL;
		if (f[i].name && !x->fields[i].name)
			return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	}
	for (size_t l = 0; l < x->n_leaves; l++) {
		x->leaf_field[l] = icp_parquet_reader_leaf_field(*r, l);
		icp_parquet_reader_leaf_levels(*r, l, &x->max_def[l], &x->max_rep[l]);
	}
	return icp_parquet_writer_new(x->fields, x->n_fields, x->po, x->sink, &x->w, err);
}

static int write_col(rw *x, size_t leaf, const icp_parquet_column *c, icp_error *err)
{
	icp_parquet_batch b;
	memset(&b, 0, sizeof(b));
	b.n = c->n;
	b.def = c->def;
	b.rep = c->rep;
	b.fixed = c->fixed;
	b.bytes = c->bytes;
	return icp_parquet_writer_write(x->w, leaf, &b, err);
}

/* ------------------------------------------------------------ streaming */

static int stream_all(rw *x, const icp_compact_input *in, size_t n, icp_error *err)
{
	icp_arena *a = icp_arena_new(0);
	int rc = a ? ICP_OK : icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");

	for (size_t k = 0; k < n && rc == ICP_OK; k++) {
		icp_parquet_reader *r = NULL;
		icp_compact_src src;
		rc = open_input(x, &in[k], &src, &r, err);
		for (size_t g = 0; rc == ICP_OK && g < icp_parquet_reader_row_groups(r); g++) {
			for (size_t l = 0; rc == ICP_OK && l < x->n_leaves; l++) {
				icp_parquet_column c;
				rc = icp_parquet_reader_read(r, g, l, a, &c, err);
				if (rc == ICP_OK)
					rc = write_col(x, l, &c, err);
			}
			if (rc == ICP_OK)
				rc = icp_parquet_writer_end_rows(x->w, err);
			icp_arena_reset(a);
		}
		if (rc != ICP_OK)
			icp_error_prefix(err, "compaction: %s", in[k].key);
		icp_parquet_reader_free(r);
	}
	icp_arena_free(a);
	return rc;
}

/* ------------------------------------------------------------ sorting */

/* One decoded row group: per leaf its column and, per row, where the
 * row's entries and packed values start (rows + 1 each). */
typedef struct chunk {
	size_t rows;
	icp_parquet_column *col;
	size_t **ent, **val;
} chunk;

typedef struct rowref {
	uint32_t chunk, row;
} rowref;

typedef struct sorter {
	rw *x;
	chunk *ch;
	size_t n_ch, cap_ch;
	const icp_compact_sortkey *key;
	size_t n_key;
	size_t *key_leaf;
} sorter;

static int index_rows(rw *x, chunk *c, icp_arena *a, icp_error *err)
{
	c->ent = icp_arena_alloc(a, x->n_leaves * sizeof(*c->ent));
	c->val = icp_arena_alloc(a, x->n_leaves * sizeof(*c->val));
	if (!c->ent || !c->val)
		return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	for (size_t l = 0; l < x->n_leaves; l++) {
		const icp_parquet_column *col = &c->col[l];
		size_t *e = icp_arena_alloc(a, (c->rows + 1) * sizeof(*e));
		size_t *v = icp_arena_alloc(a, (c->rows + 1) * sizeof(*v));
		size_t row = 0, nv = 0;
		if (!e || !v)
			return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
		for (size_t i = 0; i < col->n; i++) {
			if (!col->rep || col->rep[i] == 0) {
				if (row == c->rows)
					return icp_error_set(err, ICP_ERR_CORRUPT,
					                     "compaction: leaf %zu has more rows than its "
					                     "row group", l);
				e[row] = i;
				v[row] = nv;
				row++;
			}
			if (!col->def || col->def[i] == x->max_def[l])
				nv++;
		}
		if (row != c->rows || nv != col->n_values)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "compaction: leaf %zu: %zu rows and %zu values, the row "
			                     "group has %zu rows and %zu values", l, row, nv, c->rows,
			                     col->n_values);
		e[row] = col->n;
		v[row] = nv;
		c->ent[l] = e;
		c->val[l] = v;
	}
	return ICP_OK;
}

static int gather(sorter *s, const icp_compact_input *in, size_t n, icp_arena *a,
                  icp_error *err)
{
	rw *x = s->x;
	int rc = ICP_OK;

	for (size_t k = 0; k < n && rc == ICP_OK; k++) {
		icp_parquet_reader *r = NULL;
		icp_compact_src src;
		rc = open_input(x, &in[k], &src, &r, err);
		for (size_t g = 0; rc == ICP_OK && g < icp_parquet_reader_row_groups(r); g++) {
			chunk *c;
			uint64_t rows = icp_parquet_reader_row_group_rows(r, g);
			if (rows > UINT32_MAX) {
				rc = icp_error_set(err, ICP_ERR_TOO_LARGE,
				                   "compaction: row group of %llu rows",
				                   (unsigned long long)rows);
				break;
			}
			if (s->n_ch == s->cap_ch) {
				size_t nc = s->cap_ch ? s->cap_ch * 2 : 16;
				chunk *v = icp_realloc(s->ch, nc * sizeof(*v));
				if (!v) {
					rc = icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
					break;
				}
				s->ch = v;
				s->cap_ch = nc;
			}
			c = &s->ch[s->n_ch++];
			memset(c, 0, sizeof(*c));
			c->rows = (size_t)rows;
			c->col = icp_arena_alloc(a, (x->n_leaves + 1) * sizeof(*c->col));
			if (!c->col) {
				rc = icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
				break;
			}
			for (size_t l = 0; rc == ICP_OK && l < x->n_leaves; l++)
				rc = icp_parquet_reader_read(r, g, l, a, &c->col[l], err);
			if (rc == ICP_OK)
				rc = index_rows(x, c, a, err);
		}
		if (rc != ICP_OK)
			icp_error_prefix(err, "compaction: %s", in[k].key);
		icp_parquet_reader_free(r);
	}
	return rc;
}

static icp_ice_kind ice_kind(icp_parquet_kind k)
{
	switch (k) {
	case ICP_PARQUET_BOOLEAN: return ICP_ICE_BOOLEAN;
	case ICP_PARQUET_INT: return ICP_ICE_INT;
	case ICP_PARQUET_LONG: return ICP_ICE_LONG;
	case ICP_PARQUET_FLOAT: return ICP_ICE_FLOAT;
	case ICP_PARQUET_DOUBLE: return ICP_ICE_DOUBLE;
	case ICP_PARQUET_DECIMAL: return ICP_ICE_DECIMAL;
	case ICP_PARQUET_DATE: return ICP_ICE_DATE;
	case ICP_PARQUET_TIME: return ICP_ICE_TIME;
	case ICP_PARQUET_TIMESTAMP: return ICP_ICE_TIMESTAMP;
	case ICP_PARQUET_TIMESTAMPTZ: return ICP_ICE_TIMESTAMPTZ;
	case ICP_PARQUET_STRING: return ICP_ICE_STRING;
	case ICP_PARQUET_UUID: return ICP_ICE_UUID;
	case ICP_PARQUET_FIXED: return ICP_ICE_FIXED;
	default: return ICP_ICE_BINARY;
	}
}

/* The value of sort key k in a row, as icp_pspec_value_cmp compares. */
static icp_pspec_value key_value(const sorter *s, size_t k, rowref r)
{
	const rw *x = s->x;
	size_t l = s->key_leaf[k];
	const icp_parquet_field *f = &x->fields[x->leaf_field[l]];
	const chunk *c = &s->ch[r.chunk];
	const icp_parquet_column *col = &c->col[l];
	size_t e = c->ent[l][r.row], vi = c->val[l][r.row];
	icp_pspec_value v;

	memset(&v, 0, sizeof(v));
	v.kind = ice_kind(f->kind);
	v.scale = f->scale;
	if (col->def && col->def[e] < x->max_def[l]) {
		v.is_null = 1;
		return v;
	}
	switch (fixed_width(f)) {
	case 1:
		v.i = ((const uint8_t *)col->fixed)[vi];
		break;
	case 4:
		if (f->kind == ICP_PARQUET_FLOAT)
			v.d = ((const float *)col->fixed)[vi];
		else
			v.i = ((const int32_t *)col->fixed)[vi];
		break;
	case 8:
		if (f->kind == ICP_PARQUET_DOUBLE)
			v.d = ((const double *)col->fixed)[vi];
		else
			v.i = ((const int64_t *)col->fixed)[vi];
		break;
	default:
		v.bytes = col->bytes[vi];
		return v;
	}
	if (f->kind == ICP_PARQUET_DECIMAL) { /* unscaled, big-endian */
		icp_store_be64(v.inl, (uint64_t)v.i);
		v.inl_len = 8;
	}
	return v;
}

static int row_cmp(const sorter *s, rowref a, rowref b)
{
	for (size_t k = 0; k < s->n_key; k++) {
		icp_pspec_value va = key_value(s, k, a), vb = key_value(s, k, b);
		int c;
		if (va.is_null || vb.is_null) {
			if (va.is_null && vb.is_null)
				continue;
			c = va.is_null ? -1 : 1;
			return s->key[k].nulls_last ? -c : c;
		}
		c = icp_pspec_value_cmp(&va, &vb);
		if (c)
			return s->key[k].descending ? -c : c;
	}
	return 0;
}

/* Bottom-up merge sort: stable, so equal keys keep input order. */
static int sort_rows(const sorter *s, rowref *v, size_t n)
{
	rowref *tmp, *src = v, *dst;
	if (n < 2)
		return ICP_OK;
	tmp = icp_malloc(n * sizeof(*tmp));
	if (!tmp)
		return ICP_ERR_NOMEM;
	dst = tmp;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t i = 0; i < n; i += 2 * w) {
			size_t mid = i + w < n ? i + w : n, hi = i + 2 * w < n ? i + 2 * w : n;
			size_t a = i, b = mid, o = i;
			while (a < mid && b < hi)
				dst[o++] = row_cmp(s, src[b], src[a]) < 0 ? src[b++] : src[a++];
			while (a < mid)
				dst[o++] = src[a++];
			while (b < hi)
				dst[o++] = src[b++];
		}
		{
			rowref *t = src;
			src = dst;
			dst = t;
		}
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	icp_free(tmp);
	return ICP_OK;
}

/* Writes rows v[0..n) of leaf l as one batch (scratch in a). */
static int write_slice(sorter *s, size_t l, const rowref *v, size_t n, icp_arena *a,
                       icp_error *err)
{
	rw *x = s->x;
	const icp_parquet_field *f = &x->fields[x->leaf_field[l]];
	size_t width = fixed_width(f), ne = 0, nv = 0, oe = 0, ov = 0;
	icp_parquet_batch b;
	int16_t *def = NULL, *rep = NULL;
	uint8_t *fixed = NULL;
	icp_slice *bytes = NULL;

	for (size_t i = 0; i < n; i++) {
		const chunk *c = &s->ch[v[i].chunk];
		ne += c->ent[l][v[i].row + 1] - c->ent[l][v[i].row];
		nv += c->val[l][v[i].row + 1] - c->val[l][v[i].row];
	}
	if (x->max_def[l])
		def = icp_arena_alloc(a, (ne + 1) * sizeof(*def));
	if (x->max_rep[l])
		rep = icp_arena_alloc(a, (ne + 1) * sizeof(*rep));
	if (width)
		fixed = icp_arena_alloc(a, (nv + 1) * width);
	else
		bytes = icp_arena_alloc(a, (nv + 1) * sizeof(*bytes));
	if ((x->max_def[l] && !def) || (x->max_rep[l] && !rep) || (width && !fixed) ||
	    (!width && !bytes))
		return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	for (size_t i = 0; i < n; i++) {
		const chunk *c = &s->ch[v[i].chunk];
		const icp_parquet_column *col = &c->col[l];
		size_t e0 = c->ent[l][v[i].row], e1 = c->ent[l][v[i].row + 1];
		size_t v0 = c->val[l][v[i].row], v1 = c->val[l][v[i].row + 1];
		/* a column without levels has every entry present / a row */
		for (size_t k = 0; def && k < e1 - e0; k++)
			def[oe + k] = col->def ? col->def[e0 + k] : (int16_t)x->max_def[l];
		for (size_t k = 0; rep && k < e1 - e0; k++)
			rep[oe + k] = col->rep ? col->rep[e0 + k] : 0;
		if (width && v1 > v0)
			memcpy(fixed + ov * width, (const uint8_t *)col->fixed + v0 * width,
			       (v1 - v0) * width);
		else if (!width && v1 > v0)
			memcpy(bytes + ov, col->bytes + v0, (v1 - v0) * sizeof(*bytes));
		oe += e1 - e0;
		ov += v1 - v0;
	}
	memset(&b, 0, sizeof(b));
	b.n = ne;
	b.def = def;
	b.rep = rep;
	b.fixed = fixed;
	b.bytes = bytes;
	return icp_parquet_writer_write(x->w, l, &b, err);
}

static int sort_all(rw *x, const icp_compact_input *in, size_t n,
                    const icp_compact_sortkey *key, size_t n_key, icp_error *err)
{
	sorter s;
	icp_arena *a = icp_arena_new(0), *scratch = icp_arena_new(0);
	rowref *rows = NULL;
	size_t total = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	s.x = x;
	s.key = key;
	s.n_key = n_key;
	if (!a || !scratch) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
		goto out;
	}
	if ((rc = gather(&s, in, n, a, err)) != ICP_OK)
		goto out;
	s.key_leaf = icp_calloc(n_key + 1, sizeof(size_t));
	if (!s.key_leaf) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
		goto out;
	}
	for (size_t k = 0; k < n_key; k++) {
		size_t l = 0;
		for (; l < x->n_leaves; l++) {
			const icp_parquet_field *f = &x->fields[x->leaf_field[l]];
			if (f->field_id == key[k].field_id && f->parent < 0 && x->max_rep[l] == 0)
				break;
		}
		if (l == x->n_leaves) {
			rc = icp_error_set(err, ICP_ERR_UNSUPPORTED,
			                   "compaction: sort column %d is not a top-level primitive "
			                   "column of the data files", key[k].field_id);
			goto out;
		}
		s.key_leaf[k] = l;
	}
	for (size_t c = 0; c < s.n_ch; c++)
		total += s.ch[c].rows;
	if (total > UINT32_MAX || s.n_ch > UINT32_MAX) {
		rc = icp_error_set(err, ICP_ERR_TOO_LARGE, "compaction: too many rows to sort");
		goto out;
	}
	rows = icp_malloc((total + 1) * sizeof(*rows));
	if (!rows) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
		goto out;
	}
	total = 0;
	for (size_t c = 0; c < s.n_ch; c++)
		for (size_t r = 0; r < s.ch[c].rows; r++)
			rows[total++] = (rowref){(uint32_t)c, (uint32_t)r};
	if (sort_rows(&s, rows, total) != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
		goto out;
	}
	for (size_t at = 0; at < total && rc == ICP_OK; at += SLICE_ROWS) {
		size_t k = total - at < SLICE_ROWS ? total - at : SLICE_ROWS;
		for (size_t l = 0; l < x->n_leaves && rc == ICP_OK; l++)
			rc = write_slice(&s, l, rows + at, k, scratch, err);
		if (rc == ICP_OK)
			rc = icp_parquet_writer_end_rows(x->w, err);
		icp_arena_reset(scratch);
	}
out:
	icp_free(rows);
	icp_free(s.key_leaf);
	icp_free(s.ch);
	icp_arena_free(scratch);
	icp_arena_free(a);
	return rc;
}

int icp_compact_rewrite(icp_storage *store, const icp_compact_input *in, size_t n,
                        const icp_compact_sortkey *sort, size_t n_sort,
                        const icp_parquet_options *po, icp_parquet_sink sink,
                        icp_parquet_file_metrics *m, icp_error *err)
{
	icp_parquet_options def;
	rw x;
	int rc;

	memset(&x, 0, sizeof(x));
	memset(m, 0, sizeof(*m));
	if (!po) {
		icp_parquet_options_init(&def);
		po = &def;
	}
	x.store = store;
	x.po = po;
	x.sink = sink;
	icp_buf_init(&x.schema_key, ICP_BUF_UNLIMITED);
	if (n == 0) {
		rc = icp_error_set(err, ICP_ERR_INVALID, "compaction: a bin without files");
		goto out;
	}
	rc = n_sort ? sort_all(&x, in, n, sort, n_sort, err) : stream_all(&x, in, n, err);
	if (rc == ICP_OK)
		rc = icp_parquet_writer_close(x.w, m, err);
out:
	rw_dispose(&x);
	return rc;
}
