/*
 * pq_gen: writes Parquet files with icp_parquet and, beside each, a JSON
 * file with what a reader must find in it: the schema, every row's values
 * in a canonical form (made from the generator's own value trees, not from
 * anything the writer produced), and the metrics the writer returned.
 * tools/parquet-check.mjs reads the files back with DuckDB and arrow-rs
 * (parquet-wasm) and compares value by value.
 *
 * Usage: pq_gen OUTDIR NAME CASE SEED [key=value ...]
 *   CASE   types | nested | big | base | random
 *   keys   rows, codec (none|snappy|gzip|lz4_raw|zstd), level, dict (0|1),
 *          v2 (0|1), page (bytes), page_rows, rg (bytes), index (0|1)
 * Canonical values: null; booleans; integers, dates (days), times and
 * timestamps (micros) and decimals (unscaled) as decimal strings; floats as
 * %.17g numbers or "NaN"/"Infinity"/"-Infinity"/"-0"; strings as strings;
 * binary, fixed and uuid as lowercase hex; structs as objects, lists as
 * arrays, maps as arrays of [key, value].
 */
#include "parquet/parquet.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------- PRNG */

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}
static uint64_t rndn(uint64_t n) { return n ? rnd() % n : 0; }
static int chance(int pct) { return (int)rndn(100) < pct; }

/* ------------------------------------------------------------------ schema */

#define MAXF 256
static icp_parquet_field F[MAXF];
static char names[MAXF][16];
static int nf, next_id = 1;
static int null_pct[MAXF];   /* per optional field */

static int add_field(int parent, icp_parquet_kind k, int required)
{
	int i = nf++;
	snprintf(names[i], sizeof(names[i]), "c%d", next_id);
	F[i] = icp_parquet_field_make(names[i], next_id++, k, required);
	F[i].parent = parent;
	if (k == ICP_PARQUET_DECIMAL) {
		static const int precs[] = {1, 4, 9, 10, 18, 19, 25, 38};
		F[i].precision = precs[rndn(8)];
		F[i].scale = (int)rndn((uint64_t)F[i].precision + 1);
	}
	if (k == ICP_PARQUET_FIXED)
		F[i].length = 1 + (int)rndn(20);
	null_pct[i] = required ? 0 : (int[]){0, 10, 50, 100}[rndn(4)];
	return i;
}

static int is_group(icp_parquet_kind k)
{
	return k == ICP_PARQUET_STRUCT || k == ICP_PARQUET_LIST || k == ICP_PARQUET_MAP;
}

static int random_field(int parent, int depth, int key)
{
	int k = (int)rndn(depth < 3 && !key ? 17 : 14), i;
	i = add_field(parent, (icp_parquet_kind)k, key || chance(40));
	if (k == ICP_PARQUET_STRUCT) {
		int n = 1 + (int)rndn(3), j;
		for (j = 0; j < n; j++)
			random_field(i, depth + 1, 0);
	} else if (k == ICP_PARQUET_LIST) {
		random_field(i, depth + 1, 0);
	} else if (k == ICP_PARQUET_MAP) {
		random_field(i, depth + 1, 1);
		random_field(i, depth + 1, 0);
	}
	return i;
}

/* ------------------------------------------------------------------ values */

typedef struct gval {
	int null;
	int64_t i;             /* ints, dates, times, timestamps, decimals <= 18 */
	__int128 wide;         /* decimals > 18 */
	double d;
	uint8_t *b;
	size_t len;
	struct gval *kids;     /* struct: one per child; list/map: entries */
	size_t n;              /* children (struct) or entries (list, map) */
	size_t nkids;          /* allocated kids */
} gval;

static const char *const words[] = {
	"", "a", "kafka", "topic-1", "héllo wörld", "日本語のテキスト", "emoji 😀🎉",
	"zzzzzzzzzzzzzzzzzzzzzzzz", "ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ", "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf-max",
	"quote\"back\\slash\ttab\nnl", "0123456789abcdefghij"};

static void rand_bytes(gval *v, size_t len)
{
	size_t i;
	v->len = len;
	v->b = icp_malloc(len ? len : 1);
	for (i = 0; i < len; i++)
		v->b[i] = (uint8_t)rnd();
	if (len && chance(10))
		memset(v->b, 0xFF, len);
}

static void rand_string(gval *v)
{
	if (chance(50)) {
		const char *w = words[rndn(ICP_ARRAY_LEN(words))];
		v->len = strlen(w);
		v->b = (uint8_t *)icp_strdup(w);
	} else {
		/* Random code points from every UTF-8 length. */
		size_t n = rndn(30), i, at = 0;
		v->b = icp_malloc(n * 4 + 1);
		for (i = 0; i < n; i++) {
			uint32_t cp;
			switch (rndn(4)) {
			case 0: cp = 0x20 + (uint32_t)rndn(0x5F); break;
			case 1: cp = 0x80 + (uint32_t)rndn(0x780); break;
			case 2: cp = 0x800 + (uint32_t)rndn(0xD000); break;
			default: cp = 0x10000 + (uint32_t)rndn(0x100000); break;
			}
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 'x';
			if (cp < 0x80) {
				v->b[at++] = (uint8_t)cp;
			} else if (cp < 0x800) {
				v->b[at++] = (uint8_t)(0xC0 | cp >> 6);
				v->b[at++] = (uint8_t)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				v->b[at++] = (uint8_t)(0xE0 | cp >> 12);
				v->b[at++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
				v->b[at++] = (uint8_t)(0x80 | (cp & 0x3F));
			} else {
				v->b[at++] = (uint8_t)(0xF0 | cp >> 18);
				v->b[at++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
				v->b[at++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
				v->b[at++] = (uint8_t)(0x80 | (cp & 0x3F));
			}
		}
		v->len = at;
	}
}

static __int128 pow10_128(int p)
{
	__int128 r = 1;
	while (p-- > 0)
		r *= 10;
	return r;
}

static size_t big_binary;   /* "big" case: binary length */

static void gen_value(int f, gval *v)
{
	const icp_parquet_field *fd = &F[f];
	int j, c;
	memset(v, 0, sizeof(*v));
	if (!fd->required && chance(null_pct[f])) {
		v->null = 1;
		return;
	}
	switch (fd->kind) {
	case ICP_PARQUET_BOOLEAN: v->i = chance(50); break;
	case ICP_PARQUET_INT:
		v->i = chance(10) ? (int64_t[]){INT32_MIN, INT32_MAX, 0, -1}[rndn(4)]
		                  : chance(50) ? (int32_t)rnd() : (int64_t)rndn(20);
		break;
	case ICP_PARQUET_LONG:
		v->i = chance(10) ? (int64_t[]){INT64_MIN, INT64_MAX, 0, -1}[rndn(4)]
		                  : chance(50) ? (int64_t)rnd() : (int64_t)rndn(1000);
		break;
	case ICP_PARQUET_FLOAT:
	case ICP_PARQUET_DOUBLE: {
		static const double edges[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, 1.5, -2.25};
		if (chance(15))
			v->d = edges[rndn(ICP_ARRAY_LEN(edges))];
		else if (chance(50))
			v->d = ((double)(int64_t)rnd() / 9.2e18) * 1e6;
		else
			v->d = (double)rndn(100);
		if (chance(3))
			v->d = fd->kind == ICP_PARQUET_FLOAT ? (chance(50) ? FLT_MAX : -FLT_MAX)
			                                     : (chance(50) ? DBL_MAX : -DBL_MAX);
		if (fd->kind == ICP_PARQUET_FLOAT)
			v->d = (double)(float)v->d;
		break;
	}
	case ICP_PARQUET_DECIMAL: {
		__int128 lim = pow10_128(fd->precision) - 1;
		__int128 x = (__int128)(((unsigned __int128)rnd() << 64 | rnd()) >> 1);
		if (x < 0)
			x = -x;
		x %= (lim + 1);
		if (chance(50))
			x = -x;
		if (chance(10))
			x = chance(50) ? lim : -lim;
		v->wide = x;
		v->i = (int64_t)x;
		if (fd->precision > 18) {
			/* Wide decimals travel as big-endian two's complement. */
			int nb = icp_parquet_decimal_bytes(fd->precision), k;
			v->b = icp_malloc((size_t)nb);
			v->len = (size_t)nb;
			for (k = nb - 1; k >= 0; k--) {
				v->b[k] = (uint8_t)(x & 0xFF);
				x >>= 8;
			}
		}
		break;
	}
	case ICP_PARQUET_DATE: v->i = (int64_t)rndn(2000001) - 1000000; break;
	case ICP_PARQUET_TIME: v->i = (int64_t)rndn(86400000000ull); break;
	case ICP_PARQUET_TIMESTAMP:
	case ICP_PARQUET_TIMESTAMPTZ:
		v->i = chance(10) ? (int64_t[]){0, -1, 1}[rndn(3)]
		                  : (int64_t)rndn(200000000000000000ull) - 100000000000000000ll;
		break;
	case ICP_PARQUET_STRING: rand_string(v); break;
	case ICP_PARQUET_UUID: rand_bytes(v, 16); break;
	case ICP_PARQUET_FIXED: rand_bytes(v, (size_t)fd->length); break;
	case ICP_PARQUET_BINARY: rand_bytes(v, big_binary ? big_binary : rndn(40)); break;
	case ICP_PARQUET_STRUCT:
		v->n = 0;
		for (c = f + 1; c < nf; c++)
			if (F[c].parent == f)
				v->n++;
		v->nkids = v->n;
		v->kids = icp_calloc(v->n + 1, sizeof(gval));
		for (c = f + 1, j = 0; c < nf; c++)
			if (F[c].parent == f)
				gen_value(c, &v->kids[j++]);
		break;
	case ICP_PARQUET_LIST:
	case ICP_PARQUET_MAP: {
		int per = fd->kind == ICP_PARQUET_MAP ? 2 : 1, k;
		int kids[2], nk = 0;
		for (c = f + 1; c < nf && nk < per; c++)
			if (F[c].parent == f)
				kids[nk++] = c;
		v->n = rndn(5);
		v->nkids = v->n * (size_t)per;
		v->kids = icp_calloc(v->nkids + 1, sizeof(gval));
		for (j = 0; j < (int)v->n; j++)
			for (k = 0; k < per; k++)
				gen_value(kids[k], &v->kids[j * per + k]);
		break;
	}
	default: break;
	}
}

static void free_value(gval *v)
{
	size_t i;
	icp_free(v->b);
	if (v->kids) {
		for (i = 0; i < v->nkids; i++)
			free_value(&v->kids[i]);
		icp_free(v->kids);
	}
}

/* --------------------------------------------------------------- shredding */

typedef struct leafbuf {
	int f;
	int16_t *def, *rep;
	size_t n, cap;
	int32_t *i32;
	int64_t *i64;
	float *f32;
	double *f64;
	uint8_t *u8;
	icp_slice *sl;
	size_t nv, vcap;
	size_t *row_entry, *row_value;   /* per row start */
} leafbuf;

static leafbuf L[MAXF];
static int nl;
static int leaf_of[MAXF];
static int rep_depth[MAXF];          /* repetition level of a list/map's items */

static void collect_leaves(int f)
{
	int c;
	if (!is_group(F[f].kind)) {
		leaf_of[f] = nl;
		L[nl++].f = f;
		return;
	}
	for (c = f + 1; c < nf; c++)
		if (F[c].parent == f)
			collect_leaves(c);
}

static void emit(int f, int16_t d, int16_t r, const gval *v)
{
	leafbuf *lb = &L[leaf_of[f]];
	if (lb->n == lb->cap) {
		lb->cap = lb->cap ? lb->cap * 2 : 1024;
		lb->def = icp_realloc(lb->def, lb->cap * sizeof(int16_t));
		lb->rep = icp_realloc(lb->rep, lb->cap * sizeof(int16_t));
	}
	lb->def[lb->n] = d;
	lb->rep[lb->n++] = r;
	if (!v)
		return;
	if (lb->nv == lb->vcap) {
		lb->vcap = lb->vcap ? lb->vcap * 2 : 1024;
		lb->i32 = icp_realloc(lb->i32, lb->vcap * 4);
		lb->i64 = icp_realloc(lb->i64, lb->vcap * 8);
		lb->f32 = icp_realloc(lb->f32, lb->vcap * 4);
		lb->f64 = icp_realloc(lb->f64, lb->vcap * 8);
		lb->u8 = icp_realloc(lb->u8, lb->vcap);
		lb->sl = icp_realloc(lb->sl, lb->vcap * sizeof(icp_slice));
	}
	lb->i32[lb->nv] = (int32_t)v->i;
	lb->i64[lb->nv] = v->i;
	lb->f32[lb->nv] = (float)v->d;
	lb->f64[lb->nv] = v->d;
	lb->u8[lb->nv] = (uint8_t)v->i;
	lb->sl[lb->nv] = icp_slice_make(v->b, v->len);
	lb->nv++;
}

static void emit_nulls(int f, int16_t d, int16_t r)
{
	int c;
	if (!is_group(F[f].kind)) {
		emit(f, d, r, NULL);
		return;
	}
	for (c = f + 1; c < nf; c++)
		if (F[c].parent == f)
			emit_nulls(c, d, r);
}

static void shred(int f, const gval *v, int16_t d, int16_t r)
{
	int c, j, per;
	if (v->null) {
		emit_nulls(f, d, r);
		return;
	}
	if (!F[f].required)
		d++;
	switch (F[f].kind) {
	case ICP_PARQUET_STRUCT:
		for (c = f + 1, j = 0; c < nf; c++)
			if (F[c].parent == f)
				shred(c, &v->kids[j++], d, r);
		return;
	case ICP_PARQUET_LIST:
	case ICP_PARQUET_MAP:
		per = F[f].kind == ICP_PARQUET_MAP ? 2 : 1;
		if (v->n == 0) {
			emit_nulls(f, d, r);
			return;
		}
		for (j = 0; j < (int)v->n; j++) {
			int16_t rr = j == 0 ? r : (int16_t)rep_depth[f];
			int k = 0;
			for (c = f + 1; c < nf && k < per; c++)
				if (F[c].parent == f)
					shred(c, &v->kids[j * per + k++], (int16_t)(d + 1), rr);
		}
		return;
	default: emit(f, d, r, v); return;
	}
}

/* -------------------------------------------------------------------- JSON */

static void hex(icp_buf *o, const uint8_t *p, size_t n)
{
	static const char h[] = "0123456789abcdef";
	size_t i;
	icp_buf_append_byte(o, '"');
	icp_buf_reserve(o, 2 * n);
	for (i = 0; i < n && o->status == ICP_OK; i++) {
		o->data[o->len++] = (uint8_t)h[p[i] >> 4];
		o->data[o->len++] = (uint8_t)h[p[i] & 15];
	}
	icp_buf_append_byte(o, '"');
}

static void i128_str(icp_buf *o, __int128 x)
{
	char tmp[64];
	int n = 0, neg = x < 0;
	unsigned __int128 u = neg ? (unsigned __int128)(-(x + 1)) + 1 : (unsigned __int128)x;
	do {
		tmp[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	icp_buf_append_byte(o, '"');
	if (neg)
		icp_buf_append_byte(o, '-');
	while (n)
		icp_buf_append_byte(o, (uint8_t)tmp[--n]);
	icp_buf_append_byte(o, '"');
}

static void json_value(icp_buf *o, int f, const gval *v)
{
	int c, j, per;
	if (v->null) {
		icp_buf_append_str(o, "null");
		return;
	}
	switch (F[f].kind) {
	case ICP_PARQUET_BOOLEAN: icp_buf_append_str(o, v->i ? "true" : "false"); break;
	case ICP_PARQUET_FLOAT:
	case ICP_PARQUET_DOUBLE:
		if (isnan(v->d))
			icp_buf_append_str(o, "\"NaN\"");
		else if (isinf(v->d))
			icp_buf_append_str(o, v->d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		else if (v->d == 0 && signbit(v->d))
			icp_buf_append_str(o, "\"-0\"");
		else
			icp_buf_printf(o, "%.17g", v->d);
		break;
	case ICP_PARQUET_DECIMAL: i128_str(o, v->wide); break;
	case ICP_PARQUET_STRING: icp_buf_append_json_str(o, v->b, v->len); break;
	case ICP_PARQUET_UUID:
	case ICP_PARQUET_FIXED:
	case ICP_PARQUET_BINARY: hex(o, v->b, v->len); break;
	case ICP_PARQUET_STRUCT:
		icp_buf_append_byte(o, '{');
		for (c = f + 1, j = 0; c < nf; c++) {
			if (F[c].parent != f)
				continue;
			icp_buf_printf(o, "%s\"%s\":", j ? "," : "", F[c].name);
			json_value(o, c, &v->kids[j++]);
		}
		icp_buf_append_byte(o, '}');
		break;
	case ICP_PARQUET_LIST:
	case ICP_PARQUET_MAP: {
		int kids[2], nk = 0;
		per = F[f].kind == ICP_PARQUET_MAP ? 2 : 1;
		for (c = f + 1; c < nf && nk < per; c++)
			if (F[c].parent == f)
				kids[nk++] = c;
		icp_buf_append_byte(o, '[');
		for (j = 0; j < (int)v->n; j++) {
			if (j)
				icp_buf_append_byte(o, ',');
			if (per == 2) {
				icp_buf_append_byte(o, '[');
				json_value(o, kids[0], &v->kids[2 * j]);
				icp_buf_append_byte(o, ',');
				json_value(o, kids[1], &v->kids[2 * j + 1]);
				icp_buf_append_byte(o, ']');
			} else {
				json_value(o, kids[0], &v->kids[j]);
			}
		}
		icp_buf_append_byte(o, ']');
		break;
	}
	default: icp_buf_printf(o, "\"%" PRId64 "\"", v->i); break;
	}
}

static const char *const kind_names[] = {
	"boolean", "int", "long", "float", "double", "decimal", "date", "time", "timestamp",
	"timestamptz", "string", "uuid", "fixed", "binary", "struct", "list", "map"};

static void json_schema(icp_buf *o, int f)
{
	int c, j = 0;
	icp_buf_printf(o, "{\"name\":\"%s\",\"id\":%d,\"kind\":\"%s\",\"required\":%s",
	               F[f].name, F[f].field_id, kind_names[F[f].kind],
	               F[f].required ? "true" : "false");
	if (F[f].kind == ICP_PARQUET_DECIMAL)
		icp_buf_printf(o, ",\"precision\":%d,\"scale\":%d", F[f].precision, F[f].scale);
	if (F[f].kind == ICP_PARQUET_FIXED)
		icp_buf_printf(o, ",\"length\":%d", F[f].length);
	if (is_group(F[f].kind)) {
		icp_buf_append_str(o, ",\"children\":[");
		for (c = f + 1; c < nf; c++) {
			if (F[c].parent != f)
				continue;
			if (j++)
				icp_buf_append_byte(o, ',');
			json_schema(o, c);
		}
		icp_buf_append_byte(o, ']');
	}
	icp_buf_append_byte(o, '}');
}

static void leaf_path(icp_buf *o, int f)
{
	int chain[64], n = 0, i;
	int c;
	for (c = f; c >= 0 && n < 64; c = F[c].parent)
		chain[n++] = c;
	icp_buf_append_byte(o, '[');
	for (i = n - 1; i >= 0; i--) {
		int x = chain[i], p = F[x].parent;
		const char *name = F[x].name;
		if (p >= 0 && F[p].kind == ICP_PARQUET_LIST)
			name = "element";
		if (p >= 0 && F[p].kind == ICP_PARQUET_MAP) {
			/* First child of the map is the key. */
			int k;
			for (k = p + 1; k < nf && F[k].parent != p; k++)
				;
			name = k == x ? "key" : "value";
		}
		icp_buf_printf(o, "%s\"%s\"", i == n - 1 ? "" : ",", name);
		if (F[x].kind == ICP_PARQUET_LIST)
			icp_buf_append_str(o, ",\"list\"");
		if (F[x].kind == ICP_PARQUET_MAP)
			icp_buf_append_str(o, ",\"key_value\"");
	}
	icp_buf_append_byte(o, ']');
}

/* ------------------------------------------------------------------- cases */

static void case_types(void)
{
	int k, req;
	for (req = 0; req < 2; req++) {
		for (k = 0; k <= ICP_PARQUET_BINARY; k++) {
			int i = add_field(-1, (icp_parquet_kind)k, req);
			if (k == ICP_PARQUET_DECIMAL) {
				static const int pr[] = {9, 18, 38};
				int j;
				F[i].precision = 4;
				F[i].scale = 2;
				for (j = 0; j < 3; j++) {
					int d = add_field(-1, ICP_PARQUET_DECIMAL, req);
					F[d].precision = pr[j];
					F[d].scale = pr[j] / 3;
				}
			}
		}
	}
}

static void case_nested(void)
{
	int s, l, m, x, e;
	s = add_field(-1, ICP_PARQUET_STRUCT, 0);
	add_field(s, ICP_PARQUET_INT, 0);
	add_field(s, ICP_PARQUET_STRING, 1);
	x = add_field(s, ICP_PARQUET_STRUCT, 0);
	l = add_field(x, ICP_PARQUET_LIST, 0);
	add_field(l, ICP_PARQUET_LONG, 0);
	l = add_field(-1, ICP_PARQUET_LIST, 1);
	add_field(l, ICP_PARQUET_STRING, 1);
	l = add_field(-1, ICP_PARQUET_LIST, 0);
	e = add_field(l, ICP_PARQUET_STRUCT, 0);
	add_field(e, ICP_PARQUET_INT, 1);
	x = add_field(e, ICP_PARQUET_LIST, 0);
	add_field(x, ICP_PARQUET_DOUBLE, 0);
	m = add_field(-1, ICP_PARQUET_MAP, 0);
	add_field(m, ICP_PARQUET_STRING, 1);
	add_field(m, ICP_PARQUET_LONG, 0);
	m = add_field(-1, ICP_PARQUET_MAP, 1);
	add_field(m, ICP_PARQUET_INT, 1);
	e = add_field(m, ICP_PARQUET_STRUCT, 0);
	add_field(e, ICP_PARQUET_DECIMAL, 0);
	add_field(e, ICP_PARQUET_UUID, 0);
	l = add_field(-1, ICP_PARQUET_LIST, 0);
	x = add_field(l, ICP_PARQUET_LIST, 0);
	add_field(x, ICP_PARQUET_INT, 0);
	add_field(-1, ICP_PARQUET_TIMESTAMPTZ, 0);
}

static void case_random(void)
{
	int n = 1 + (int)rndn(8), i;
	for (i = 0; i < n; i++)
		random_field(-1, 0, 0);
}

/* --------------------------------------------------------------------- main */

static const char *opt_get(int argc, char **argv, const char *key, const char *def)
{
	size_t kl = strlen(key);
	int i;
	for (i = 5; i < argc; i++)
		if (strncmp(argv[i], key, kl) == 0 && argv[i][kl] == '=')
			return argv[i] + kl + 1;
	return def;
}

static long opt_num(int argc, char **argv, const char *key, long def)
{
	const char *v = opt_get(argc, argv, key, NULL);
	return v ? strtol(v, NULL, 10) : def;
}

static int write_file(const char *path, const icp_buf *b)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len) {
		fprintf(stderr, "pq_gen: cannot write %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *dir, *name, *cas;
	icp_parquet_options o;
	icp_parquet_writer *w = NULL;
	icp_parquet_file_sink fs;
	icp_parquet_sink sink;
	icp_parquet_file_metrics m;
	icp_error err;
	icp_buf js;
	gval *rows;
	size_t n_rows, r, i;
	char path[1024];
	int f, rc = 1;
	const char *codec_names[] = {"none", "snappy", "gzip", "lz4_raw", "zstd"};
	const char *codec;
	icp_codec_id cid;

	if (argc < 5) {
		fprintf(stderr, "usage: pq_gen OUTDIR NAME CASE SEED [key=value ...]\n");
		return 2;
	}
	dir = argv[1];
	name = argv[2];
	cas = argv[3];
	rng_state = strtoull(argv[4], NULL, 10) * 7919 + 1;
	icp_error_init(&err);
	icp_parquet_options_init(&o);

	if (strcmp(cas, "types") == 0)
		case_types();
	else if (strcmp(cas, "nested") == 0)
		case_nested();
	else if (strcmp(cas, "big") == 0) {
		add_field(-1, ICP_PARQUET_INT, 1);
		add_field(-1, ICP_PARQUET_BINARY, 0);
		null_pct[1] = 20;
		big_binary = 2u << 20;
	} else if (strcmp(cas, "random") == 0) {
		case_random();
		/* Random options unless given. */
		o.codec = ICP_CODEC_NONE;
		icp_codec_parse(codec_names[rndn(5)], &o.codec);
		o.dictionary = chance(70);
		o.page_version = chance(30) ? 2 : 1;
		o.page_size = (size_t)64 << rndn(12);
		o.page_row_limit = 1 + rndn(3000);
		o.row_group_size = (size_t)1024 << rndn(12);
		o.page_index = chance(80);
		o.dict_page_limit = (size_t)256 << rndn(10);
	} else {
		fprintf(stderr, "pq_gen: unknown case %s\n", cas);
		return 2;
	}
	for (f = 0; f < nf; f++) {
		int c, depth = 0;
		for (c = f; c >= 0; c = F[c].parent)
			if (F[c].kind == ICP_PARQUET_LIST || F[c].kind == ICP_PARQUET_MAP)
				depth++;
		rep_depth[f] = depth;
		leaf_of[f] = -1;
	}
	for (f = 0; f < nf; f++)
		if (F[f].parent < 0)
			collect_leaves(f);

	codec = opt_get(argc, argv, "codec", NULL);
	if (codec && icp_codec_parse(codec, &cid) == ICP_OK)
		o.codec = cid;
	o.codec_level = (int)opt_num(argc, argv, "level", 0);
	o.dictionary = (int)opt_num(argc, argv, "dict", o.dictionary);
	o.page_version = opt_num(argc, argv, "v2", o.page_version == 2) ? 2 : 1;
	o.page_size = (size_t)opt_num(argc, argv, "page", (long)o.page_size);
	o.page_row_limit = (size_t)opt_num(argc, argv, "page_rows", (long)o.page_row_limit);
	o.row_group_size = (size_t)opt_num(argc, argv, "rg", (long)o.row_group_size);
	o.page_index = (int)opt_num(argc, argv, "index", o.page_index);
	n_rows = (size_t)opt_num(argc, argv, "rows", (long)(50 + rndn(2000)));

	rows = icp_calloc(n_rows * (size_t)nf + 1, sizeof(gval));
	for (i = 0; i < (size_t)nl; i++) {
		L[i].row_entry = icp_calloc(n_rows + 1, sizeof(size_t));
		L[i].row_value = icp_calloc(n_rows + 1, sizeof(size_t));
	}
	for (r = 0; r < n_rows; r++) {
		for (i = 0; i < (size_t)nl; i++) {
			L[i].row_entry[r] = L[i].n;
			L[i].row_value[r] = L[i].nv;
		}
		for (f = 0; f < nf; f++) {
			if (F[f].parent >= 0)
				continue;
			gen_value(f, &rows[r * (size_t)nf + (size_t)f]);
			shred(f, &rows[r * (size_t)nf + (size_t)f], 0, 0);
		}
	}
	for (i = 0; i < (size_t)nl; i++) {
		L[i].row_entry[n_rows] = L[i].n;
		L[i].row_value[n_rows] = L[i].nv;
	}

	snprintf(path, sizeof(path), "%s/%s.parquet", dir, name);
	if (icp_parquet_file_sink_init(&fs, path, &sink, &err) != ICP_OK ||
	    icp_parquet_writer_new(F, (size_t)nf, &o, sink, &w, &err) != ICP_OK)
		goto out;
	icp_parquet_writer_add_kv(w, "generator", "pq_gen", &err);
	for (r = 0; r < n_rows;) {
		size_t r1 = r + 1 + rndn(chance(50) ? 8 : 700);
		if (r1 > n_rows)
			r1 = n_rows;
		for (i = 0; i < (size_t)nl; i++) {
			leafbuf *lb = &L[i];
			int maxd, maxr;
			size_t e0 = lb->row_entry[r], e1 = lb->row_entry[r1], v0 = lb->row_value[r];
			icp_parquet_batch b;
			uint8_t *valid = NULL;
			memset(&b, 0, sizeof(b));
			icp_parquet_writer_leaf_levels(w, i, &maxd, &maxr);
			b.n = e1 - e0;
			b.def = maxd ? lb->def + e0 : NULL;
			b.rep = maxr ? lb->rep + e0 : NULL;
			if (maxr == 0 && maxd == 1 && chance(50)) {
				size_t k;
				valid = icp_malloc(b.n + 1);
				for (k = 0; k < b.n; k++)
					valid[k] = lb->def[e0 + k] == maxd;
				b.valid = valid;
				b.def = NULL;
			}
			switch (lb->nv ? F[lb->f].kind : ICP_PARQUET__KIND_COUNT) {
			case ICP_PARQUET_BOOLEAN: b.fixed = lb->u8 + v0; break;
			case ICP_PARQUET_INT:
			case ICP_PARQUET_DATE: b.fixed = lb->i32 + v0; break;
			case ICP_PARQUET_FLOAT: b.fixed = lb->f32 + v0; break;
			case ICP_PARQUET_DOUBLE: b.fixed = lb->f64 + v0; break;
			case ICP_PARQUET_DECIMAL:
				if (F[lb->f].precision <= 9)
					b.fixed = lb->i32 + v0;
				else if (F[lb->f].precision <= 18)
					b.fixed = lb->i64 + v0;
				else
					b.bytes = lb->sl + v0;
				break;
			case ICP_PARQUET_LONG:
			case ICP_PARQUET_TIME:
			case ICP_PARQUET_TIMESTAMP:
			case ICP_PARQUET_TIMESTAMPTZ: b.fixed = lb->i64 + v0; break;
			case ICP_PARQUET__KIND_COUNT: break; /* no values at all */
			default: b.bytes = lb->sl + v0; break;
			}
			if (icp_parquet_writer_write(w, i, &b, &err) != ICP_OK) {
				icp_free(valid);
				goto out;
			}
			icp_free(valid);
		}
		if (icp_parquet_writer_end_rows(w, &err) != ICP_OK)
			goto out;
		r = r1;
	}
	if (icp_parquet_writer_close(w, &m, &err) != ICP_OK ||
	    icp_parquet_file_sink_dispose(&fs, &err) != ICP_OK)
		goto out;

	icp_buf_init(&js, ICP_BUF_UNLIMITED);
	icp_buf_printf(&js, "{\"file\":\"%s.parquet\",\"case\":\"%s\",\"options\":{\"codec\":\"%s\","
	               "\"dict\":%d,\"page_version\":%d,\"page_size\":%zu,\"page_rows\":%zu,"
	               "\"row_group_size\":%zu,\"page_index\":%d},\n\"schema\":[",
	               name, cas, icp_codec_name(o.codec), o.dictionary, o.page_version,
	               o.page_size, o.page_row_limit, o.row_group_size, o.page_index);
	for (f = 0, i = 0; f < nf; f++) {
		if (F[f].parent >= 0)
			continue;
		if (i++)
			icp_buf_append_byte(&js, ',');
		json_schema(&js, f);
	}
	icp_buf_printf(&js, "],\n\"metrics\":{\"record_count\":%llu,\"file_size\":%llu,"
	               "\"split_offsets\":[", (unsigned long long)m.record_count,
	               (unsigned long long)m.file_size);
	for (i = 0; i < m.n_splits; i++)
		icp_buf_printf(&js, "%s%llu", i ? "," : "", (unsigned long long)m.split_offsets[i]);
	icp_buf_append_str(&js, "],\"fields\":[");
	for (i = 0; i < m.n_fields; i++) {
		const icp_parquet_field_metrics *fm = &m.fields[i];
		icp_buf_printf(&js, "%s\n{\"id\":%d,\"path\":", i ? "," : "", fm->field_id);
		leaf_path(&js, L[i].f);
		icp_buf_printf(&js, ",\"column_size\":%llu,\"value_count\":%llu,\"null_count\":%llu",
		               (unsigned long long)fm->column_size,
		               (unsigned long long)fm->value_count,
		               (unsigned long long)fm->null_count);
		if (fm->has_nan_count)
			icp_buf_printf(&js, ",\"nan_count\":%llu", (unsigned long long)fm->nan_count);
		if (fm->lower) {
			icp_buf_append_str(&js, ",\"lower\":");
			hex(&js, fm->lower, fm->lower_len);
		}
		if (fm->upper) {
			icp_buf_append_str(&js, ",\"upper\":");
			hex(&js, fm->upper, fm->upper_len);
		}
		icp_buf_append_byte(&js, '}');
	}
	icp_buf_append_str(&js, "]},\n\"rows\":[");
	for (r = 0; r < n_rows; r++) {
		icp_buf_append_str(&js, r ? ",\n{" : "\n{");
		for (f = 0, i = 0; f < nf; f++) {
			if (F[f].parent >= 0)
				continue;
			icp_buf_printf(&js, "%s\"%s\":", i++ ? "," : "", F[f].name);
			json_value(&js, f, &rows[r * (size_t)nf + (size_t)f]);
		}
		icp_buf_append_byte(&js, '}');
	}
	icp_buf_append_str(&js, "]}\n");
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	if (js.status == ICP_OK && write_file(path, &js) == 0)
		rc = 0;
	icp_buf_dispose(&js);
	icp_parquet_file_metrics_dispose(&m);
out:
	if (rc != 0 && err.status != ICP_OK)
		fprintf(stderr, "pq_gen %s: %s\n", name, err.msg);
	icp_parquet_writer_free(w);
	for (r = 0; r < n_rows * (size_t)nf; r++)
		free_value(&rows[r]);
	icp_free(rows);
	for (i = 0; i < (size_t)nl; i++) {
		icp_free(L[i].def);
		icp_free(L[i].rep);
		icp_free(L[i].i32);
		icp_free(L[i].i64);
		icp_free(L[i].f32);
		icp_free(L[i].f64);
		icp_free(L[i].u8);
		icp_free(L[i].sl);
		icp_free(L[i].row_entry);
		icp_free(L[i].row_value);
	}
	return rc;
}
