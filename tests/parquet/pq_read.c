/*
 * pq_read: prints the rows of a Parquet file, read with icp_parquet_reader,
 * one JSON object per line (for tests/parquet/it_reader_duckdb.sh, which
 * compares them with DuckDB's reading of the same file).
 *
 * Rows are assembled from each leaf's levels: a field is null when the
 * definition level of its first leaf is below the field's own level, a
 * list or map is empty when it is below the level of its repeated group,
 * and a list goes on while the next entry repeats at its level. A null or
 * empty node holds exactly one entry in every leaf under it.
 *
 * Values: booleans; integers, dates (days), times and timestamps (micros)
 * as numbers; decimals as strings with their scale ("-12.50"); floats as
 * %.17g numbers (NaN, infinities and -0 as strings); strings as strings; binary, fixed and uuid as lowercase
 * hex; structs as objects, lists as arrays, maps as arrays of
 * {"key", "value"} objects.
 * Usage: pq_read FILE
 */
#include "parquet/parquet.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct ctx {
	const icp_parquet_field *f;
	size_t nf, nl;
	icp_parquet_column *col;
	size_t *pos, *vpos;
	int *leaf_field, *first_leaf, *end, *dlev, *rlev, *max_def;
	icp_buf out;
} ctx;

static int is_group(int k)
{
	return k == ICP_PARQUET_STRUCT || k == ICP_PARQUET_LIST || k == ICP_PARQUET_MAP;
}

static int def_at(const ctx *c, int leaf)
{
	const icp_parquet_column *col = &c->col[leaf];
	return col->def ? col->def[c->pos[leaf]] : c->max_def[leaf];
}

static void skip(ctx *c, int field)
{
	size_t l;
	for (l = (size_t)c->first_leaf[field]; l < c->nl && c->leaf_field[l] < c->end[field]; l++)
		c->pos[l]++;
}

static void hex(icp_buf *b, icp_slice s)
{
	size_t i;
	icp_buf_append_byte(b, '"');
	for (i = 0; i < s.len; i++)
		icp_buf_printf(b, "%02x", s.ptr[i]);
	icp_buf_append_byte(b, '"');
}

static void decimal(icp_buf *b, __int128 v, int scale)
{
	char digits[64];
	int n = 0, i;
	unsigned __int128 u = v < 0 ? (unsigned __int128)0 - (unsigned __int128)v
	                            : (unsigned __int128)v;
	do {
		digits[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	while (n < scale + 1)
		digits[n++] = '0';
	icp_buf_append_byte(b, '"');
	if (v < 0)
		icp_buf_append_byte(b, '-');
	for (i = n - 1; i >= 0; i--) {
		icp_buf_append_byte(b, (uint8_t)digits[i]);
		if (i == scale && scale > 0)
			icp_buf_append_byte(b, '.');
	}
	icp_buf_append_byte(b, '"');
}

/* What JSON cannot say goes as a string: "NaN", "Infinity", "-Infinity",
 * and "-0" (so that it stays apart from 0). */
static void number(icp_buf *b, double x)
{
	if (isnan(x))
		icp_buf_append_str(b, "\"NaN\"");
	else if (isinf(x))
		icp_buf_append_str(b, x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else if (x == 0 && signbit(x))
		icp_buf_append_str(b, "\"-0\"");
	else
		icp_buf_printf(b, "%.17g", x);
}

static void leaf_value(ctx *c, int field, int leaf)
{
	const icp_parquet_field *f = &c->f[field];
	const icp_parquet_column *col = &c->col[leaf];
	size_t v = c->vpos[leaf]++;
	icp_buf *b = &c->out;
	c->pos[leaf]++;
	switch (f->kind) {
	case ICP_PARQUET_BOOLEAN:
		icp_buf_append_str(b, ((uint8_t *)col->fixed)[v] ? "true" : "false");
		break;
	case ICP_PARQUET_INT:
	case ICP_PARQUET_DATE:
		icp_buf_printf(b, "%" PRId32, ((int32_t *)col->fixed)[v]);
		break;
	case ICP_PARQUET_LONG:
	case ICP_PARQUET_TIME:
	case ICP_PARQUET_TIMESTAMP:
	case ICP_PARQUET_TIMESTAMPTZ:
		icp_buf_printf(b, "%" PRId64, ((int64_t *)col->fixed)[v]);
		break;
	case ICP_PARQUET_FLOAT:
		number(b, (double)((float *)col->fixed)[v]);
		break;
	case ICP_PARQUET_DOUBLE:
		number(b, ((double *)col->fixed)[v]);
		break;
	case ICP_PARQUET_DECIMAL:
		if (f->precision <= 9) {
			decimal(b, ((int32_t *)col->fixed)[v], f->scale);
		} else if (f->precision <= 18) {
			decimal(b, ((int64_t *)col->fixed)[v], f->scale);
		} else {
			icp_slice s = col->bytes[v];
			__int128 x = s.len && (s.ptr[0] & 0x80) ? -1 : 0;
			size_t i;
			for (i = 0; i < s.len; i++)
				x = (__int128)(((unsigned __int128)x << 8) | s.ptr[i]);
			decimal(b, x, f->scale);
		}
		break;
	case ICP_PARQUET_STRING:
		icp_buf_append_json_str(b, col->bytes[v].ptr, col->bytes[v].len);
		break;
	default:
		hex(b, col->bytes[v]);
		break;
	}
}

static void value(ctx *c, int field)
{
	const icp_parquet_field *f = &c->f[field];
	int leaf = c->first_leaf[field], d = def_at(c, leaf), k, first = 1;
	icp_buf *b = &c->out;

	if (!f->required && d < c->dlev[field]) {
		skip(c, field);
		icp_buf_append_str(b, "null");
		return;
	}
	if (!is_group(f->kind)) {
		leaf_value(c, field, leaf);
		return;
	}
	if (f->kind == ICP_PARQUET_STRUCT) {
		icp_buf_append_byte(b, '{');
		for (k = field + 1; k < c->end[field]; k++) {
			if (c->f[k].parent != field)
				continue;
			if (!first)
				icp_buf_append_byte(b, ',');
			first = 0;
			icp_buf_append_json_str(b, (const uint8_t *)c->f[k].name, strlen(c->f[k].name));
			icp_buf_append_byte(b, ':');
			value(c, k);
		}
		icp_buf_append_byte(b, '}');
		return;
	}
	if (d < c->dlev[field] + 1) {
		skip(c, field);
		icp_buf_append_str(b, "[]");
		return;
	}
	icp_buf_append_byte(b, '[');
	for (;;) {
		if (f->kind == ICP_PARQUET_LIST) {
			value(c, field + 1);
		} else {
			int key = field + 1, val = c->end[key];
			icp_buf_append_str(b, "{\"key\":");
			value(c, key);
			icp_buf_append_str(b, ",\"value\":");
			value(c, val);
			icp_buf_append_byte(b, '}');
		}
		if (c->pos[leaf] >= c->col[leaf].n || c->col[leaf].rep[c->pos[leaf]] != c->rlev[field])
			break;
		icp_buf_append_byte(b, ',');
	}
	icp_buf_append_byte(b, ']');
}

static int read_at(void *p, uint64_t off, size_t n, icp_buf *out, icp_error *err)
{
	FILE *f = p;
	if (icp_buf_reserve(out, n) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	if (fseeko(f, (off_t)off, SEEK_SET) != 0 || fread(out->data + out->len, 1, n, f) != n)
		return icp_error_set(err, ICP_ERR_IO, "read %zu bytes at %" PRIu64, n, off);
	out->len += n;
	return ICP_OK;
}

int main(int argc, char **argv)
{
	icp_parquet_reader *r = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	ctx c;
	FILE *fp;
	size_t i, g, l;
	int k, rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: pq_read FILE\n");
		return 2;
	}
	icp_error_init(&err);
	memset(&c, 0, sizeof(c));
	icp_buf_init(&c.out, ICP_BUF_UNLIMITED);
	if (!(fp = fopen(argv[1], "rb")) || fseeko(fp, 0, SEEK_END) != 0) {
		fprintf(stderr, "pq_read: cannot open %s\n", argv[1]);
		return 1;
	}
	if (icp_parquet_reader_open(read_at, fp, (uint64_t)ftello(fp), &r, &err) != ICP_OK)
		goto out;
	c.f = icp_parquet_reader_fields(r, &c.nf);
	c.nl = icp_parquet_reader_leaf_count(r);
	c.col = icp_calloc(c.nl + 1, sizeof(*c.col));
	c.pos = icp_calloc(c.nl + 1, sizeof(size_t));
	c.vpos = icp_calloc(c.nl + 1, sizeof(size_t));
	c.leaf_field = icp_calloc(c.nl + 1, sizeof(int));
	c.max_def = icp_calloc(c.nl + 1, sizeof(int));
	c.first_leaf = icp_calloc(c.nf + 1, sizeof(int));
	c.end = icp_calloc(c.nf + 1, sizeof(int));
	c.dlev = icp_calloc(c.nf + 1, sizeof(int));
	c.rlev = icp_calloc(c.nf + 1, sizeof(int));
	for (l = 0; l < c.nl; l++) {
		int mr;
		c.leaf_field[l] = (int)icp_parquet_reader_leaf_field(r, l);
		icp_parquet_reader_leaf_levels(r, l, &c.max_def[l], &mr);
	}
	for (i = 0; i < c.nf; i++) {
		const icp_parquet_field *f = &c.f[i];
		int p = f->parent, group = p >= 0 && (c.f[p].kind == ICP_PARQUET_LIST ||
		                                      c.f[p].kind == ICP_PARQUET_MAP);
		int enc = p < 0 ? 0 : c.rlev[p];
		c.dlev[i] = (p < 0 ? 0 : c.dlev[p] + group) + !f->required;
		c.rlev[i] = enc + (f->kind == ICP_PARQUET_LIST || f->kind == ICP_PARQUET_MAP);
		c.end[i] = (int)i + 1;
		for (l = 0; l < c.nl && c.leaf_field[l] < (int)i; l++)
			;
		c.first_leaf[i] = (int)l;
	}
	for (k = (int)c.nf - 1; k >= 0; k--)
		if (c.f[k].parent >= 0 && c.end[c.f[k].parent] < c.end[k])
			c.end[c.f[k].parent] = c.end[k];
	for (g = 0; g < icp_parquet_reader_row_groups(r); g++) {
		uint64_t row, rows = icp_parquet_reader_row_group_rows(r, g);
		for (l = 0; l < c.nl; l++) {
			if (icp_parquet_reader_read(r, g, l, a, &c.col[l], &err) != ICP_OK)
				goto out;
			c.pos[l] = c.vpos[l] = 0;
		}
		for (row = 0; row < rows; row++) {
			int first = 1;
			icp_buf_reset(&c.out);
			icp_buf_append_byte(&c.out, '{');
			for (i = 0; i < c.nf; i++) {
				if (c.f[i].parent >= 0)
					continue;
				if (!first)
					icp_buf_append_byte(&c.out, ',');
				first = 0;
				icp_buf_append_json_str(&c.out, (const uint8_t *)c.f[i].name,
				                        strlen(c.f[i].name));
				icp_buf_append_byte(&c.out, ':');
				value(&c, (int)i);
			}
			icp_buf_append_str(&c.out, "}\n");
			fwrite(c.out.data, 1, c.out.len, stdout);
		}
		icp_arena_reset(a);
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "pq_read: %s: %s\n", argv[1], err.msg);
	icp_parquet_reader_free(r);
	icp_arena_free(a);
	icp_buf_dispose(&c.out);
	icp_free(c.col);
	icp_free(c.pos);
	icp_free(c.vpos);
	icp_free(c.leaf_field);
	icp_free(c.max_def);
	icp_free(c.first_leaf);
	icp_free(c.end);
	icp_free(c.dlev);
	icp_free(c.rlev);
	fclose(fp);
	return rc;
}
