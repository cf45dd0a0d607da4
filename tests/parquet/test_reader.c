/*
 * Parquet reader tests.
 * - Round trip: files written by our writer (every kind, nested structs,
 *   lists and maps with nulls at every level and empty lists; v1 and v2
 *   pages; dictionary on and off; every codec; several row groups and
 *   pages) are read back: the schema must equal the written fields and
 *   every leaf's levels and values what was written; the decoded batches,
 *   written again with the same options, must give the same bytes.
 * - Corrupt footers: truncated, bad magic, lengths past the file.
 *   (Pages: test_reader_page.c; schemas: test_reader_schema.c.)
 */
#include "reader_util.h"

#include <math.h>

/* ----------------------------------------------------------------- PRNG */

static uint64_t rng;
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static int chance(int pct) { return (int)(rnd() % 100) < pct; }

/* ---------------------------------------------------------------- schema */

#define NF 32
static icp_parquet_field F[NF];
static int nf;

static int add(const char *name, icp_parquet_kind k, int required, int parent)
{
	F[nf] = icp_parquet_field_make(name, nf + 1, k, required);
	F[nf].parent = parent;
	return nf++;
}

static void build_schema(void)
{
	int st, inner, lst, m, val, ll, l2;
	nf = 0;
	add("b", ICP_PARQUET_BOOLEAN, 0, -1);
	add("i", ICP_PARQUET_INT, 0, -1);
	add("l", ICP_PARQUET_LONG, 1, -1);
	add("f", ICP_PARQUET_FLOAT, 0, -1);
	add("d", ICP_PARQUET_DOUBLE, 0, -1);
	F[add("dec9", ICP_PARQUET_DECIMAL, 0, -1)].precision = 9;
	F[nf - 1].scale = 2;
	F[add("dec18", ICP_PARQUET_DECIMAL, 0, -1)].precision = 18;
	F[nf - 1].scale = 4;
	F[add("dec38", ICP_PARQUET_DECIMAL, 0, -1)].precision = 38;
	F[nf - 1].scale = 10;
	add("date", ICP_PARQUET_DATE, 0, -1);
	add("time", ICP_PARQUET_TIME, 0, -1);
	add("ts", ICP_PARQUET_TIMESTAMP, 0, -1);
	add("tstz", ICP_PARQUET_TIMESTAMPTZ, 1, -1);
	add("s", ICP_PARQUET_STRING, 0, -1);
	add("u", ICP_PARQUET_UUID, 0, -1);
	F[add("fx", ICP_PARQUET_FIXED, 0, -1)].length = 5;
	add("bin", ICP_PARQUET_BINARY, 0, -1);
	st = add("st", ICP_PARQUET_STRUCT, 0, -1);
	add("a", ICP_PARQUET_INT, 0, st);
	inner = add("inner", ICP_PARQUET_STRUCT, 0, st);
	add("x", ICP_PARQUET_STRING, 1, inner);
	lst = add("lst", ICP_PARQUET_LIST, 0, -1);
	add("element", ICP_PARQUET_LONG, 0, lst);
	m = add("m", ICP_PARQUET_MAP, 0, -1);
	add("key", ICP_PARQUET_STRING, 1, m);
	val = add("value", ICP_PARQUET_STRUCT, 0, m);
	add("v", ICP_PARQUET_DOUBLE, 0, val);
	ll = add("ll", ICP_PARQUET_LIST, 1, -1);
	l2 = add("element", ICP_PARQUET_LIST, 0, ll);
	add("element", ICP_PARQUET_INT, 1, l2);
}

static int is_group(int k)
{
	return k == ICP_PARQUET_STRUCT || k == ICP_PARQUET_LIST || k == ICP_PARQUET_MAP;
}

/* ------------------------------------------------------------- expected */

#define MAXL 32
typedef struct leafdata {
	int field;
	int chain[16], n_chain;
	int max_def, max_rep;
	size_t width;               /* fixed value bytes, 0 = slices */
	size_t n, cap;
	int16_t *def, *rep;
	size_t nv;
	uint8_t *fixed;
	icp_slice *bytes;
	size_t *row_at;             /* entry index of each row start, + end */
} leafdata;

static leafdata L[MAXL];
static int nl;
static icp_arena *A;

static size_t width_of(const icp_parquet_field *f)
{
	switch (f->kind) {
	case ICP_PARQUET_BOOLEAN: return 1;
	case ICP_PARQUET_INT:
	case ICP_PARQUET_DATE:
	case ICP_PARQUET_FLOAT: return 4;
	case ICP_PARQUET_DECIMAL: return f->precision <= 9 ? 4 : f->precision <= 18 ? 8 : 0;
	case ICP_PARQUET_LONG:
	case ICP_PARQUET_TIME:
	case ICP_PARQUET_TIMESTAMP:
	case ICP_PARQUET_TIMESTAMPTZ:
	case ICP_PARQUET_DOUBLE: return 8;
	default: return 0;
	}
}

static void leaves_init(size_t rows)
{
	int i, k;
	nl = 0;
	for (i = 0; i < nf; i++) {
		leafdata *l;
		int c, chain[16], n = 0;
		if (is_group(F[i].kind))
			continue;
		l = &L[nl++];
		memset(l, 0, sizeof(*l));
		l->field = i;
		for (c = i; c >= 0; c = F[c].parent)
			chain[n++] = c;
		for (k = 0; k < n; k++) {
			const icp_parquet_field *f = &F[chain[n - 1 - k]];
			l->chain[k] = chain[n - 1 - k];
			if (!f->required)
				l->max_def++;
			if (f->kind == ICP_PARQUET_LIST || f->kind == ICP_PARQUET_MAP) {
				l->max_def++;
				l->max_rep++;
			}
		}
		l->n_chain = n;
		l->width = width_of(&F[i]);
		l->row_at = icp_arena_alloc(A, (rows + 1) * sizeof(size_t));
	}
}

static void push_entry(leafdata *l, int def, int rep)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		l->def = icp_realloc(l->def, cap * sizeof(int16_t));
		l->rep = icp_realloc(l->rep, cap * sizeof(int16_t));
		l->fixed = icp_realloc(l->fixed, cap * 8);
		l->bytes = icp_realloc(l->bytes, cap * sizeof(icp_slice));
		l->cap = cap;
	}
	l->def[l->n] = (int16_t)def;
	l->rep[l->n] = (int16_t)rep;
	l->n++;
}

static void gen_value(leafdata *l)
{
	const icp_parquet_field *f = &F[l->field];
	uint8_t *fx = l->fixed + l->nv * (l->width ? l->width : 1);
	int pool = chance(50);  /* from a small pool: dictionaries pay */
	uint64_t v = pool ? rnd() % 7 : rnd();
	size_t len, i;
	uint8_t *p;

	switch (f->kind) {
	case ICP_PARQUET_BOOLEAN: *fx = (uint8_t)(v & 1); break;
	case ICP_PARQUET_FLOAT: {
		float x = chance(3) ? NAN : (float)((int64_t)v % 100000) / 7.0f;
		memcpy(fx, &x, 4);
		break;
	}
	case ICP_PARQUET_DOUBLE: {
		double x = chance(3) ? NAN : chance(3) ? -0.0 : (double)(int64_t)v / 3.0;
		memcpy(fx, &x, 8);
		break;
	}
	case ICP_PARQUET_DECIMAL:
		if (l->width == 4) {
			int32_t x = (int32_t)((int64_t)v % 999999999);
			memcpy(fx, &x, 4);
			break;
		} else if (l->width == 8) {
			int64_t x = (int64_t)(v % 999999999999999999ull) * (chance(50) ? -1 : 1);
			memcpy(fx, &x, 8);
			break;
		}
		goto other; /* wide decimal */
	default:
	other:
		if (l->width == 4) {
			int32_t x = (int32_t)v;
			memcpy(fx, &x, 4);
			break;
		}
		if (l->width == 8) {
			int64_t x = (int64_t)v;
			memcpy(fx, &x, 8);
			break;
		}
		len = f->kind == ICP_PARQUET_DECIMAL ? (size_t)icp_parquet_decimal_bytes(f->precision)
		      : f->kind == ICP_PARQUET_UUID  ? 16
		      : f->kind == ICP_PARQUET_FIXED ? (size_t)f->length
		                                     : (size_t)(rnd() % 20);
		p = icp_arena_alloc(A, len ? len : 1);
		for (i = 0; i < len; i++)
			p[i] = pool ? (uint8_t)('a' + v) : (uint8_t)rnd();
		if (f->kind == ICP_PARQUET_DECIMAL && len)
			p[0] = (uint8_t)(p[0] & 0x8f); /* keep it within 38 digits */
		l->bytes[l->nv] = icp_slice_make(p, len);
		break;
	}
	l->nv++;
}

/* One row of one leaf: walks its chain from the top, choosing nulls, list
 * lengths (0 = empty) and values. */
static void gen(leafdata *l, int k, int def, int rep_first, int rep_depth)
{
	const icp_parquet_field *f = &F[l->chain[k]];
	if (!f->required) {
		if (chance(15)) {
			push_entry(l, def, rep_first);
			return;
		}
		def++;
	}
	if (f->kind == ICP_PARQUET_LIST || f->kind == ICP_PARQUET_MAP) {
		int cnt = (int)(rnd() % 4), j;
		if (cnt == 0) {
			push_entry(l, def, rep_first);
			return;
		}
		for (j = 0; j < cnt; j++)
			gen(l, k + 1, def + 1, j == 0 ? rep_first : rep_depth + 1, rep_depth + 1);
		return;
	}
	if (k == l->n_chain - 1) {
		push_entry(l, def, rep_first);
		gen_value(l);
		return;
	}
	gen(l, k + 1, def, rep_first, rep_depth);
}

static void gen_rows(size_t rows)
{
	int i;
	size_t r;
	for (i = 0; i < nl; i++) {
		L[i].n = L[i].nv = 0;
		for (r = 0; r < rows; r++) {
			L[i].row_at[r] = L[i].n;
			gen(&L[i], 0, 0, 0, 0);
		}
		L[i].row_at[rows] = L[i].n;
	}
}

static void leaves_free(void)
{
	int i;
	for (i = 0; i < nl; i++) {
		icp_free(L[i].def);
		icp_free(L[i].rep);
		icp_free(L[i].fixed);
		icp_free(L[i].bytes);
	}
	nl = 0;
}

/* --------------------------------------------------------------- files */

#define CHUNK_ROWS 37

/* Values index of entry e of leaf l. */
static size_t values_before(const leafdata *l, size_t e)
{
	size_t i, n = 0;
	for (i = 0; i < e; i++)
		n += l->def[i] == l->max_def;
	return n;
}

static int write_original(const icp_parquet_options *o, size_t rows, icp_buf *out)
{
	icp_parquet_sink sink;
	icp_parquet_writer *w = NULL;
	icp_error err;
	size_t r0;
	int i, rc;

	icp_error_init(&err);
	icp_parquet_buf_sink(out, &sink);
	rc = icp_parquet_writer_new(F, (size_t)nf, o, sink, &w, &err);
	for (r0 = 0; rc == ICP_OK && r0 < rows; r0 += CHUNK_ROWS) {
		size_t r1 = r0 + CHUNK_ROWS < rows ? r0 + CHUNK_ROWS : rows;
		for (i = 0; rc == ICP_OK && i < nl; i++) {
			leafdata *l = &L[i];
			size_t e0 = l->row_at[r0], e1 = l->row_at[r1], v0 = values_before(l, e0);
			icp_parquet_batch b;
			memset(&b, 0, sizeof(b));
			b.n = e1 - e0;
			b.def = l->max_def ? l->def + e0 : NULL;
			b.rep = l->max_rep ? l->rep + e0 : NULL;
			if (l->width)
				b.fixed = l->fixed + v0 * l->width;
			else
				b.bytes = l->bytes + v0;
			rc = icp_parquet_writer_write(w, (size_t)i, &b, &err);
		}
		if (rc == ICP_OK)
			rc = icp_parquet_writer_end_rows(w, &err);
	}
	if (rc == ICP_OK)
		rc = icp_parquet_writer_close(w, NULL, &err);
	if (rc != ICP_OK)
		fprintf(stderr, "write: %s\n", err.msg);
	icp_parquet_writer_free(w);
	return rc;
}

static void check_fields(const icp_parquet_reader *r)
{
	size_t n, i;
	const icp_parquet_field *g = icp_parquet_reader_fields(r, &n);
	CHECK_EQ_INT(n, nf);
	for (i = 0; i < n && i < (size_t)nf; i++) {
		CHECK_EQ_STR(g[i].name, F[i].name);
		CHECK_EQ_INT(g[i].field_id, F[i].field_id);
		CHECK_EQ_INT(g[i].kind, F[i].kind);
		CHECK_EQ_INT(g[i].required, F[i].required);
		CHECK_EQ_INT(g[i].parent, F[i].parent);
		CHECK_EQ_INT(g[i].precision, F[i].precision);
		CHECK_EQ_INT(g[i].scale, F[i].scale);
		CHECK_EQ_INT(g[i].length, F[i].length);
		CHECK_EQ_INT(g[i].codec, -1);
		CHECK_EQ_INT(g[i].dictionary, -1);
	}
	CHECK_EQ_INT(icp_parquet_reader_leaf_count(r), nl);
	for (i = 0; i < (size_t)nl && i < icp_parquet_reader_leaf_count(r); i++) {
		int md, mr;
		icp_parquet_reader_leaf_levels(r, i, &md, &mr);
		CHECK_EQ_INT(icp_parquet_reader_leaf_field(r, i), L[i].field);
		CHECK_EQ_INT(md, L[i].max_def);
		CHECK_EQ_INT(mr, L[i].max_rep);
	}
}

/* Reads every row group, compares with what was generated, and writes the
 * batches again (in the same row chunks) into `again`. */
static void read_back(const icp_buf *file, const icp_parquet_options *o, size_t rows,
                      icp_buf *again)
{
	icp_parquet_reader *r = NULL;
	icp_parquet_writer *w = NULL;
	icp_parquet_sink sink;
	icp_error err;
	size_t g, i, nfields;
	size_t at_e[MAXL] = {0}, at_v[MAXL] = {0};
	icp_arena *a = icp_arena_new(0);
	int rc;

	icp_error_init(&err);
	rc = icp_parquet_reader_open(mem_read_at, (void *)file, file->len, &r, &err);
	if (rc != ICP_OK)
		fprintf(stderr, "open: %s\n", err.msg);
	CHECK_EQ_INT(rc, ICP_OK);
	if (rc != ICP_OK)
		goto out;
	check_fields(r);
	CHECK_EQ_INT(icp_parquet_reader_rows(r), rows);
	CHECK(icp_parquet_reader_created_by(r) != NULL);
	icp_parquet_buf_sink(again, &sink);
	icp_parquet_reader_fields(r, &nfields);
	rc = icp_parquet_writer_new(icp_parquet_reader_fields(r, &nfields), nfields, o, sink, &w,
	                            &err);
	if (rc != ICP_OK)
		fprintf(stderr, "writer: %s\n", err.msg);
	CHECK_EQ_INT(rc, ICP_OK);
	if (rc != ICP_OK)
		goto out;
	for (g = 0; g < icp_parquet_reader_row_groups(r); g++) {
		icp_parquet_column col[MAXL];
		size_t rg_rows = icp_parquet_reader_row_group_rows(r, g), r0;
		size_t pos_e[MAXL] = {0}, pos_v[MAXL] = {0};
		CHECK(icp_parquet_reader_row_group_bytes(r, g) > 0);
		for (i = 0; i < (size_t)nl; i++) {
			leafdata *l = &L[i];
			size_t k, v0 = at_v[i];
			rc = icp_parquet_reader_read(r, g, i, a, &col[i], &err);
			if (rc != ICP_OK)
				fprintf(stderr, "read: %s\n", err.msg);
			CHECK_EQ_INT(rc, ICP_OK);
			if (rc != ICP_OK)
				goto out;
			CHECK(at_e[i] + col[i].n <= l->n);
			if (at_e[i] + col[i].n > l->n)
				goto out;
			CHECK((col[i].def != NULL) == (l->max_def > 0));
			CHECK((col[i].rep != NULL) == (l->max_rep > 0));
			for (k = 0; k < col[i].n; k++) {
				if (col[i].def && col[i].def[k] != l->def[at_e[i] + k]) {
					CHECK_EQ_INT(col[i].def[k], l->def[at_e[i] + k]);
					break;
				}
				if (col[i].rep && col[i].rep[k] != l->rep[at_e[i] + k]) {
					CHECK_EQ_INT(col[i].rep[k], l->rep[at_e[i] + k]);
					break;
				}
			}
			CHECK(v0 + col[i].n_values <= l->nv);
			for (k = 0; k < col[i].n_values && v0 + k < l->nv; k++) {
				int same = l->width ? memcmp((uint8_t *)col[i].fixed + k * l->width,
				                             l->fixed + (v0 + k) * l->width, l->width) == 0
				                    : icp_slice_eq(col[i].bytes[k], l->bytes[v0 + k]);
				if (!same) {
					fprintf(stderr, "leaf %zu value %zu differs\n", i, v0 + k);
					CHECK(same);
					break;
				}
			}
			at_e[i] += col[i].n;
			at_v[i] += col[i].n_values;
		}
		/* the same batches in the same row chunks */
		for (r0 = 0; r0 < rg_rows; r0 += CHUNK_ROWS) {
			size_t r1 = r0 + CHUNK_ROWS < rg_rows ? r0 + CHUNK_ROWS : rg_rows;
			for (i = 0; i < (size_t)nl; i++) {
				icp_parquet_column *c = &col[i];
				icp_parquet_batch b;
				size_t e = pos_e[i], rows_seen = 0, nv = 0;
				while (e < c->n) {
					if (!c->rep || c->rep[e] == 0) {
						if (rows_seen == r1 - r0)
							break;
						rows_seen++;
					}
					nv += !c->def || c->def[e] == L[i].max_def;
					e++;
				}
				memset(&b, 0, sizeof(b));
				b.n = e - pos_e[i];
				b.def = c->def ? c->def + pos_e[i] : NULL;
				b.rep = c->rep ? c->rep + pos_e[i] : NULL;
				if (L[i].width)
					b.fixed = (uint8_t *)c->fixed + pos_v[i] * L[i].width;
				else
					b.bytes = c->bytes + pos_v[i];
				rc = icp_parquet_writer_write(w, i, &b, &err);
				CHECK_EQ_INT(rc, ICP_OK);
				pos_e[i] = e;
				pos_v[i] += nv;
			}
			rc = icp_parquet_writer_end_rows(w, &err);
			CHECK_EQ_INT(rc, ICP_OK);
		}
		icp_arena_reset(a);
	}
	for (i = 0; i < (size_t)nl; i++) {
		CHECK_EQ_INT(at_e[i], L[i].n);
		CHECK_EQ_INT(at_v[i], L[i].nv);
	}
	rc = icp_parquet_writer_close(w, NULL, &err);
	CHECK_EQ_INT(rc, ICP_OK);
out:
	icp_parquet_writer_free(w);
	icp_parquet_reader_free(r);
	icp_arena_free(a);
}

static void round_trip(icp_codec_id codec, int v2, int dict, size_t rows, uint64_t seed)
{
	icp_parquet_options o;
	icp_buf file, again;
	int rc;

	rng = seed;
	icp_parquet_options_init(&o);
	o.codec = codec;
	o.page_version = v2 ? 2 : 1;
	o.dictionary = dict;
	o.page_size = 600;
	o.page_row_limit = 50;
	o.row_group_size = 6000;
	icp_buf_init(&file, ICP_BUF_UNLIMITED);
	icp_buf_init(&again, ICP_BUF_UNLIMITED);
	A = icp_arena_new(0);
	build_schema();
	leaves_init(rows);
	gen_rows(rows);
	rc = write_original(&o, rows, &file);
	CHECK_EQ_INT(rc, ICP_OK);
	if (rc == ICP_OK) {
		read_back(&file, &o, rows, &again);
		CHECK_EQ_INT(again.len, file.len);
		if (again.len != file.len || memcmp(again.data, file.data, file.len) != 0) {
			fprintf(stderr, "codec %s v%d dict %d: rewritten file differs\n",
			        icp_codec_name(codec), v2 ? 2 : 1, dict);
			CHECK(0);
		}
	}
	leaves_free();
	icp_arena_free(A);
	icp_buf_dispose(&file);
	icp_buf_dispose(&again);
}

static void test_round_trip(void)
{
	static const icp_codec_id codecs[] = {ICP_CODEC_NONE, ICP_CODEC_SNAPPY, ICP_CODEC_GZIP,
	                                      ICP_CODEC_LZ4_RAW, ICP_CODEC_ZSTD};
	size_t c;
	int v2, dict;
	for (c = 0; c < ICP_ARRAY_LEN(codecs); c++)
		for (v2 = 0; v2 <= 1; v2++)
			for (dict = 0; dict <= 1; dict++)
				round_trip(codecs[c], v2, dict, 500, 1000 + c * 4 + (size_t)v2 * 2 + (size_t)dict);
}

static void test_round_trip_edges(void)
{
	round_trip(ICP_CODEC_ZSTD, 0, 1, 1, 7);
	round_trip(ICP_CODEC_NONE, 1, 1, 0, 8);
	round_trip(ICP_CODEC_SNAPPY, 0, 1, 3000, 9);
}

/* --------------------------------------------------------- corrupt footer */

static void test_corrupt_footer(void)
{
	icp_buf f, g;
	size_t flen;
	uint8_t tail[8];

	icp_buf_init(&f, ICP_BUF_UNLIMITED);
	icp_buf_init(&g, ICP_BUF_UNLIMITED);
	small_file(&f, 1, 10);
	expect(&f, ICP_OK, "");

	/* bad magic at the end, then at the start */
	icp_buf_append(&g, f.data, f.len);
	g.data[g.len - 1] = 'X';
	expect(&g, ICP_ERR_CORRUPT, "bad magic");
	g.data[g.len - 1] = '1';
	g.data[0] = 'X';
	expect(&g, ICP_ERR_CORRUPT, "bad magic");

	/* truncated file: the tail is gone */
	icp_buf_reset(&g);
	icp_buf_append(&g, f.data, f.len - 3);
	expect(&g, ICP_ERR_CORRUPT, "magic");
	icp_buf_reset(&g);
	icp_buf_append(&g, "PAR1PAR1", 8);
	expect(&g, ICP_ERR_CORRUPT, "too short");

	/* truncated footer: half of it, with its length fixed up */
	flen = icp_load_le32(f.data + f.len - 8);
	icp_buf_reset(&g);
	icp_buf_append(&g, f.data, f.len - 8 - flen / 2);
	tail[0] = (uint8_t)(flen - flen / 2);
	tail[1] = (uint8_t)((flen - flen / 2) >> 8);
	tail[2] = tail[3] = 0;
	memcpy(tail + 4, "PAR1", 4);
	icp_buf_append(&g, tail, 8);
	expect(&g, ICP_ERR_CORRUPT, "footer");

	/* a footer length past the start of the file */
	icp_buf_reset(&g);
	icp_buf_append(&g, f.data, f.len);
	g.data[g.len - 6] = 0x7f;
	expect(&g, ICP_ERR_CORRUPT, "footer length");
	icp_buf_dispose(&f);
	icp_buf_dispose(&g);
}

int main(void)
{
	TEST_RUN(test_round_trip);
	TEST_RUN(test_round_trip_edges);
	TEST_RUN(test_corrupt_footer);
	return TEST_DONE();
}
