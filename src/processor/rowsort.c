/*
 * The sort keys of rows waiting to be written sorted (mappings[].sort_by)
 * and the sort itself (icp_rowsort). Per row the values of the sort
 * columns are kept (bytes copied into one buffer, referenced by offset:
 * the buffer moves as it grows); sorting orders row indices by them,
 * column by column, ascending with nulls first (Iceberg's default null
 * order for ascending), values compared as Iceberg orders them
 * (icp_pspec_value_cmp: signed numbers, unsigned bytes for strings).
 * The sort is a stable merge sort: rows with equal keys keep their
 * offset order.
 */
#include "processor/rows_int.h"

typedef struct skey {
	int64_t i;
	double d;
	uint32_t off, len;
	uint8_t is_null, has_bytes;
} skey;

struct icp_rowsort {
	icp_ice_kind *kind;
	int32_t *scale;
	size_t n_cols;
	skey *k;               /* n_rows * n_cols */
	size_t n_rows, cap_rows;
	icp_buf bytes;
	uint32_t *tmp;         /* merge scratch */
	size_t cap_tmp;
};

icp_rowsort *icp_rowsort_new(const icp_pspec_field *f, size_t n)
{
	icp_rowsort *rs = icp_calloc(1, sizeof(*rs));
	size_t i;
	if (!rs)
		return NULL;
	rs->kind = icp_calloc(n ? n : 1, sizeof(*rs->kind));
	rs->scale = icp_calloc(n ? n : 1, sizeof(*rs->scale));
	if (!rs->kind || !rs->scale) {
		icp_rowsort_free(rs);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		rs->kind[i] = f[i].source_type.kind;
		rs->scale[i] = f[i].source_type.scale;
	}
	rs->n_cols = n;
	icp_buf_init(&rs->bytes, 0);
	return rs;
}

void icp_rowsort_free(icp_rowsort *rs)
{
	if (!rs)
		return;
	icp_free(rs->kind);
	icp_free(rs->scale);
	icp_free(rs->k);
	icp_free(rs->tmp);
	icp_buf_dispose(&rs->bytes);
	icp_free(rs);
}

void icp_rowsort_reset(icp_rowsort *rs)
{
	rs->n_rows = 0;
	icp_buf_reset(&rs->bytes);
}

size_t icp_rowsort_bytes(const icp_rowsort *rs)
{
	return rs->bytes.len + rs->n_rows * rs->n_cols * sizeof(skey);
}

int icp_rowsort_add(icp_rowsort *rs, const icp_pspec_value *v)
{
	size_t j;
	skey *k;

	if (rs->n_rows == rs->cap_rows) {
		size_t nc = rs->cap_rows ? rs->cap_rows * 2 : 1024;
		skey *nk = icp_realloc(rs->k, nc * (rs->n_cols ? rs->n_cols : 1) * sizeof(*nk));
		if (!nk)
			return ICP_ERR_NOMEM;
		rs->k = nk;
		rs->cap_rows = nc;
	}
	k = rs->k + rs->n_rows * rs->n_cols;
	for (j = 0; j < rs->n_cols; j++) {
		icp_slice b = icp_pspec_value_bytes(&v[j]);
		memset(&k[j], 0, sizeof(k[j]));
		k[j].is_null = (uint8_t)(v[j].is_null != 0);
		k[j].i = v[j].i;
		k[j].d = v[j].d;
		if (!v[j].is_null && (b.len || b.ptr)) {
			if (rs->bytes.len > UINT32_MAX - b.len)
				return ICP_ERR_TOO_LARGE;
			k[j].has_bytes = 1;
			k[j].off = (uint32_t)rs->bytes.len;
			k[j].len = (uint32_t)b.len;
			if (icp_buf_append(&rs->bytes, b.ptr, b.len) != ICP_OK)
				return ICP_ERR_NOMEM;
		}
	}
	rs->n_rows++;
	return ICP_OK;
}

static icp_pspec_value value_of(const icp_rowsort *rs, const skey *k, size_t j)
{
	icp_pspec_value v;
	memset(&v, 0, sizeof(v));
	v.kind = rs->kind[j];
	v.scale = rs->scale[j];
	v.is_null = k->is_null;
	v.i = k->i;
	v.d = k->d;
	if (k->has_bytes)
		v.bytes = icp_slice_make(rs->bytes.data + k->off, k->len);
	return v;
}

static int cmp_rows(const icp_rowsort *rs, uint32_t a, uint32_t b)
{
	const skey *ka = rs->k + (size_t)a * rs->n_cols, *kb = rs->k + (size_t)b * rs->n_cols;
	size_t j;
	for (j = 0; j < rs->n_cols; j++) {
		icp_pspec_value va = value_of(rs, &ka[j], j), vb = value_of(rs, &kb[j], j);
		int c = icp_pspec_value_cmp(&va, &vb);
		if (c)
			return c;
	}
	return 0;
}

int icp_rowsort_sort(icp_rowsort *rs, uint32_t *rows, size_t n)
{
	size_t width, i;
	uint32_t *src = rows, *dst;

	if (n < 2 || rs->n_cols == 0)
		return ICP_OK;
	if (n > rs->cap_tmp) {
		uint32_t *nt = icp_realloc(rs->tmp, n * sizeof(*nt));
		if (!nt)
			return ICP_ERR_NOMEM;
		rs->tmp = nt;
		rs->cap_tmp = n;
	}
	dst = rs->tmp;
	/* bottom-up merge sort; stable (a tie takes the left run first) */
	for (width = 1; width < n; width *= 2) {
		for (i = 0; i < n; i += 2 * width) {
			size_t lo = i, mid = i + width < n ? i + width : n;
			size_t hi = i + 2 * width < n ? i + 2 * width : n, a = lo, b = mid, o = lo;
			while (a < mid && b < hi)
				dst[o++] = cmp_rows(rs, src[b], src[a]) < 0 ? src[b++] : src[a++];
			while (a < mid)
				dst[o++] = src[a++];
			while (b < hi)
				dst[o++] = src[b++];
		}
		{
			uint32_t *t = src;
			src = dst;
			dst = t;
		}
	}
	if (src != rows)
		memcpy(rows, src, n * sizeof(*rows));
	return ICP_OK;
}
