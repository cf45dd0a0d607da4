/*
 * Avro binary datum decoding (avro.h, "datums"): runs the step graph that
 * avro_resolve.c compiled, reading the writer's encoding and pushing the
 * reader's vtree nodes.
 *
 * Byte layout of a datum (spec 1.11 "Binary Encoding"): null = nothing;
 * boolean = one byte 0 or 1; int, long = zigzag varint (int: 32-bit range);
 * float, double = IEEE 754 little-endian, 4 and 8 bytes; bytes, string =
 * long length + bytes; fixed = its size in bytes; enum = int index; union
 * = long branch index + the branch's value; array, map = blocks of long
 * count (negative: |count| items preceded by a long byte size) ended by
 * count 0, map items being string key + value; record = its fields in the
 * writer's order.
 *
 * Invariants: every read checks the end first; counts are checked against
 * the bytes left before looping; state is on the stack (the decoder is
 * read-only here); the only allocation is the doc's node array growing.
 * Errors carry the byte offset and the reader field path, rebuilt from a
 * per-depth stack of field names only when an error happens.
 */
#include "avro/avro_int.h"

/* Items that encode to 0 bytes may be at most this many per datum. */
#define ZERO_ITEMS_MAX ((int64_t)1 << 20)

typedef struct dstate {
	const uint8_t *p, *start, *end;
	icp_vt_doc *doc;
	icp_error *err;
	int depth;
	int64_t zero_items;
	size_t max_nodes;
	const char *path[ICP_AVRO_DATUM_MAX_DEPTH + 1];
	size_t path_len[ICP_AVRO_DATUM_MAX_DEPTH + 1];
} dstate;

/* ------------------------------------------------------------- schemas */

int icp_avro_schema_parse(const icp_slice *refs, size_t n_refs, icp_slice text,
                          icp_avro_schema **out, icp_error *err)
{
	icp_avro_schema *s = NULL;
	avro_named *names = NULL;
	size_t i;
	int rc = ICP_ERR_NOMEM;

	*out = NULL;
	if (!(s = icp_calloc(1, sizeof(*s))) || !(s->a = icp_arena_new(0))) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "avro schema: out of memory");
		goto out;
	}
	for (i = 0; i <= n_refs; i++) {
		icp_slice t = i < n_refs ? refs[i] : text;
		icp_json *j;
		avro_type *root;
		rc = icp_json_parse(s->a, (const char *)t.ptr, t.len, NULL, &j, err);
		if (rc == ICP_OK)
			rc = icp_avro_schema_compile_named(s->a, j, ICP_ERR_INVALID, &names, &root, err);
		if (rc != ICP_OK) {
			if (rc == ICP_ERR_CORRUPT)
				err->status = rc = ICP_ERR_INVALID;
			if (i < n_refs)
				icp_error_prefix(err, "schema reference %zu", i);
			goto out;
		}
		s->root = root;
	}
	*out = s;
	s = NULL;
out:
	icp_avro_schema_free(s);
	return rc;
}

void icp_avro_schema_free(icp_avro_schema *s)
{
	if (!s)
		return;
	icp_arena_free(s->a);
	icp_free(s);
}

/* ------------------------------------------------------------- errors */

static int dfail(dstate *s, int status, const char *what, const uint8_t *at)
{
	char path[512];
	size_t len = 0;
	int i;

	for (i = 0; i <= s->depth && i <= ICP_AVRO_DATUM_MAX_DEPTH; i++) {
		size_t n = s->path_len[i];
		if (!s->path[i])
			continue;
		if (len + n + 2 >= sizeof(path))
			break;
		if (len)
			path[len++] = '.';
		memcpy(path + len, s->path[i], n);
		len += n;
	}
	path[len] = 0;
	if (len)
		return icp_error_set(s->err, status, "avro: at byte %zu, field %s: %s",
		                     (size_t)(at - s->start), path, what);
	return icp_error_set(s->err, status, "avro: at byte %zu: %s", (size_t)(at - s->start),
	                     what);
}

static int nodes_full(dstate *s, int rc)
{
	if (rc == ICP_ERR_NOMEM)
		return dfail(s, rc, "out of memory", s->p);
	return dfail(s, rc, "too many values in one datum", s->p);
}

static inline int push(dstate *s, icp_vt_kind k, uint32_t *idx)
{
	icp_vt_doc *d = s->doc;
	int rc;

	if (__builtin_expect(d->n < d->cap && d->n < s->max_nodes, 1)) {
		icp_vt_node *x = &d->nodes[d->n];
		memset(x, 0, sizeof(*x));
		x->type = (uint8_t)k;
		*idx = (uint32_t)d->n++;
		x->end = *idx + 1;
		return ICP_OK;
	}
	if ((rc = icp_vt_push(d, k, idx)) != ICP_OK)
		return nodes_full(s, rc);
	return ICP_OK;
}

/* Room for k more nodes (a default's template). */
static int reserve(dstate *s, size_t k)
{
	icp_vt_doc *d = s->doc;
	icp_vt_node *nn;
	size_t nc;

	if (d->n + k > s->max_nodes)
		return nodes_full(s, ICP_ERR_TOO_LARGE);
	if (d->n + k <= d->cap)
		return ICP_OK;
	for (nc = d->cap ? d->cap : 64; nc < d->n + k; nc *= 2)
		;
	if (!(nn = icp_realloc(d->nodes, nc * sizeof(*nn))))
		return nodes_full(s, ICP_ERR_NOMEM);
	d->nodes = nn;
	d->cap = nc;
	return ICP_OK;
}

/* ------------------------------------------------------------- primitives */

static int long_slow(dstate *s, int64_t *v)
{
	const uint8_t *at = s->p;
	size_t i;

	if (icp_avro_decode_long(&s->p, s->end, v) == ICP_OK)
		return ICP_OK;
	for (i = 0; at + i < s->end && i < 10; i++)
		if (!(at[i] & 0x80))
			return dfail(s, ICP_ERR_CORRUPT, "malformed long (beyond 64 bits)", at);
	if (i == 10)
		return dfail(s, ICP_ERR_CORRUPT, "malformed long (more than 10 bytes)", at);
	return dfail(s, ICP_ERR_CORRUPT, "truncated long", at);
}

static inline int rd_long(dstate *s, int64_t *v)
{
	const uint8_t *p = s->p;
	uint64_t u = 0;
	int i;

	if (__builtin_expect(p < s->end && !(*p & 0x80), 1)) {
		s->p = p + 1;
		*v = (int64_t)(*p >> 1) ^ -(int64_t)(*p & 1);
		return ICP_OK;
	}
	if (s->end - p >= 10) { /* room for the longest: no bound checks inside */
		for (i = 0; i < 10; i++) {
			u |= (uint64_t)(p[i] & 0x7F) << (7 * i);
			if (!(p[i] & 0x80)) {
				if (i == 9 && p[i] > 1)
					break;
				s->p = p + i + 1;
				*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
				return ICP_OK;
			}
		}
	}
	return long_slow(s, v);
}

static inline int rd_int(dstate *s, int64_t *v)
{
	const uint8_t *at = s->p;
	int rc = rd_long(s, v);

	if (rc == ICP_OK && (*v < INT32_MIN || *v > INT32_MAX))
		return dfail(s, ICP_ERR_CORRUPT, "int out of 32-bit range", at);
	return rc;
}

/* A length (bytes, string) that must fit in what is left. */
static inline int rd_len(dstate *s, size_t *n)
{
	const uint8_t *at = s->p;
	int64_t v;
	int rc;

	if ((rc = rd_long(s, &v)) != ICP_OK)
		return rc;
	if (v < 0)
		return dfail(s, ICP_ERR_CORRUPT, "negative length", at);
	if ((uint64_t)v > (uint64_t)(s->end - s->p))
		return dfail(s, ICP_ERR_CORRUPT, "length beyond the end of the datum", at);
	*n = (size_t)v;
	return ICP_OK;
}

static int need(dstate *s, size_t n, const char *what)
{
	if ((size_t)(s->end - s->p) < n)
		return dfail(s, ICP_ERR_CORRUPT, what, s->p);
	return ICP_OK;
}

static inline uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;
	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Block header of an array or map: *count items (0 = the end). item_min
 * is the fewest bytes an item takes: the count must fit what is left. */
static int rd_block(dstate *s, size_t item_min, int64_t *count, int64_t *bytes)
{
	const uint8_t *at = s->p;
	int64_t c;
	int rc;

	*bytes = -1;
	if ((rc = rd_long(s, &c)) != ICP_OK)
		return rc;
	if (c < 0) {
		if (c == INT64_MIN)
			return dfail(s, ICP_ERR_CORRUPT, "block count out of range", at);
		c = -c;
		if ((rc = rd_long(s, bytes)) != ICP_OK)
			return rc;
		if (*bytes < 0 || (uint64_t)*bytes > (uint64_t)(s->end - s->p))
			return dfail(s, ICP_ERR_CORRUPT, "block byte size beyond the end of the datum",
			             at);
	}
	if (item_min) {
		if ((uint64_t)c > (uint64_t)(s->end - s->p) / item_min)
			return dfail(s, ICP_ERR_CORRUPT, "block count beyond the end of the datum", at);
	} else if (c) {
		s->zero_items += c;
		if (c > AVRO_ZERO_SIZE_CAP || s->zero_items > ZERO_ITEMS_MAX)
			return dfail(s, ICP_ERR_TOO_LARGE, "too many empty items", at);
	}
	*count = c;
	return ICP_OK;
}

/* ------------------------------------------------------------- skipping */

/* Reads one writer value of type t without emitting anything. */
static int skip(dstate *s, const avro_type *t, int depth)
{
	int64_t v, count, bytes;
	size_t n = 0, i;
	int rc;

	if (depth > ICP_AVRO_DATUM_MAX_DEPTH)
		return dfail(s, ICP_ERR_TOO_LARGE, "nested too deep", s->p);
	switch (t->kind) {
	case AV_NULL: return ICP_OK;
	case AV_BOOLEAN:
		if ((rc = need(s, 1, "truncated boolean")) != ICP_OK)
			return rc;
		if (*s->p > 1)
			return dfail(s, ICP_ERR_CORRUPT, "boolean not 0 or 1", s->p);
		s->p++;
		return ICP_OK;
	case AV_INT:
	case AV_ENUM: return rd_int(s, &v);
	case AV_LONG: return rd_long(s, &v);
	case AV_FLOAT:
		if ((rc = need(s, 4, "truncated float")) == ICP_OK)
			s->p += 4;
		return rc;
	case AV_DOUBLE:
		if ((rc = need(s, 8, "truncated double")) == ICP_OK)
			s->p += 8;
		return rc;
	case AV_BYTES:
	case AV_STRING:
		if ((rc = rd_len(s, &n)) == ICP_OK)
			s->p += n;
		return rc;
	case AV_FIXED:
		if ((rc = need(s, t->n, "truncated fixed")) == ICP_OK)
			s->p += t->n;
		return rc;
	case AV_RECORD:
		for (i = 0; i < t->n; i++)
			if ((rc = skip(s, t->types[i], depth + 1)) != ICP_OK)
				return rc;
		return ICP_OK;
	case AV_UNION: {
		const uint8_t *at = s->p;
		if ((rc = rd_long(s, &v)) != ICP_OK)
			return rc;
		if (v < 0 || (uint64_t)v >= t->n)
			return dfail(s, ICP_ERR_CORRUPT, "union branch index out of range", at);
		return skip(s, t->types[v], depth + 1);
	}
	case AV_ARRAY:
	case AV_MAP: {
		size_t min = t->types[0]->min_size + (t->kind == AV_MAP);
		for (;;) {
			if ((rc = rd_block(s, min, &count, &bytes)) != ICP_OK)
				return rc;
			if (count == 0)
				return ICP_OK;
			if (bytes >= 0) { /* the writer said how long: jump */
				s->p += bytes;
				continue;
			}
			while (count-- > 0) {
				if (t->kind == AV_MAP && (rc = rd_len(s, &n)) == ICP_OK)
					s->p += n;
				if (rc != ICP_OK || (rc = skip(s, t->types[0], depth + 1)) != ICP_OK)
					return rc;
			}
		}
	}
	}
	return ICP_OK;
}

/* ------------------------------------------------------------- decoding */

/* UTF-8 check with an 8-bytes-at-a-time ASCII fast path (most strings). */
static inline int utf8_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ULL)
			return icp_utf8_valid(p + i, n - i);
	}
	for (; i < n; i++)
		if (p[i] & 0x80)
			return icp_utf8_valid(p + i, n - i);
	return 1;
}

static int dec(dstate *s, const avro_rnode *r);

static int dec_bytes(dstate *s, const avro_rnode *r, size_t n)
{
	const uint8_t *at = s->p;
	uint32_t x;
	icp_vt_node *v;
	int rc;

	if (r->conv == RC_STR && !utf8_ok(s->p, n))
		return dfail(s, ICP_ERR_CORRUPT, "string is not valid UTF-8", at);
	if ((rc = push(s, r->conv == RC_STR ? ICP_VT_STR
	                  : r->conv == RC_DECIMAL ? ICP_VT_DECIMAL
	                                          : ICP_VT_BYTES,
	               &x)) != ICP_OK)
		return rc;
	v = &s->doc->nodes[x];
	v->s = (const char *)s->p;
	v->len = n;
	if (r->conv == RC_DECIMAL) {
		/* Past 16 bytes (38 digits) only sign bytes may lead (vtree.h). */
		if (n > 16) {
			size_t k;
			uint8_t sign = (s->p[n - 16] & 0x80) ? 0xFF : 0;
			for (k = 0; k < n - 16; k++)
				if (s->p[k] != sign)
					return dfail(s, ICP_ERR_CORRUPT, "decimal beyond 38 digits", at);
		}
		v->scale = r->scale;
		if (n == 0) { /* no bytes: the unscaled value 0 */
			v->s = "";
			v->len = 1;
		}
	}
	s->p += n;
	return ICP_OK;
}

static int dec_items(dstate *s, const avro_rnode *r)
{
	int is_map = r->op == RO_MAP;
	int64_t count, bytes;
	uint32_t at, total = 0;
	size_t n = 0;
	int rc;

	if ((rc = push(s, is_map ? ICP_VT_MAP : ICP_VT_ARR, &at)) != ICP_OK)
		return rc;
	s->path[s->depth] = NULL;
	for (;;) {
		if ((rc = rd_block(s, r->item_min, &count, &bytes)) != ICP_OK)
			return rc;
		if (count == 0)
			break;
		while (count-- > 0) {
			if (is_map) {
				const uint8_t *kat;
				uint32_t k;
				if ((rc = rd_len(s, &n)) != ICP_OK)
					return rc;
				kat = s->p;
				if (!utf8_ok(kat, n))
					return dfail(s, ICP_ERR_CORRUPT, "map key is not valid UTF-8", kat);
				if ((rc = push(s, ICP_VT_STR, &k)) != ICP_OK)
					return rc;
				s->doc->nodes[k].s = (const char *)kat;
				s->doc->nodes[k].len = n;
				s->p += n;
			}
			if ((rc = dec(s, r->item)) != ICP_OK)
				return rc;
			total++;
		}
	}
	icp_vt_close(s->doc, at, total);
	return ICP_OK;
}

static int dec_record(dstate *s, const avro_rnode *r)
{
	icp_vt_doc *d = s->doc;
	uint32_t at, i, members = 0;
	int rc;

	if ((rc = push(s, ICP_VT_OBJ, &at)) != ICP_OK)
		return rc;
	for (i = 0; i < r->n; i++) {
		const avro_rstep *st = &r->steps[i];
		uint32_t child = (uint32_t)d->n;
		s->path[s->depth] = st->key;
		s->path_len[s->depth] = st->key_len;
		if (st->node) {
			if ((rc = dec(s, st->node)) != ICP_OK)
				return rc;
		} else if (st->w) {
			if ((rc = skip(s, st->w, s->depth)) != ICP_OK)
				return rc;
			continue;
		} else {
			/* The default's template, its ends rebased. */
			uint32_t j;
			if ((rc = reserve(s, st->n_def)) != ICP_OK)
				return rc;
			memcpy(&d->nodes[child], st->def, st->n_def * sizeof(*st->def));
			for (j = 0; j < st->n_def; j++)
				d->nodes[child + j].end += child;
			d->n += st->n_def;
		}
		d->nodes[child].key = st->key;
		d->nodes[child].key_len = st->key_len;
		members++;
	}
	icp_vt_close(d, at, members);
	return ICP_OK;
}

static int dec(dstate *s, const avro_rnode *r)
{
	const uint8_t *at = s->p;
	int64_t v;
	size_t n = 0;
	uint32_t x;
	int rc;

	switch (r->op) {
	case RO_NULL: return push(s, ICP_VT_NULL, &x);
	case RO_BOOL:
		if ((rc = need(s, 1, "truncated boolean")) != ICP_OK)
			return rc;
		if (*s->p > 1)
			return dfail(s, ICP_ERR_CORRUPT, "boolean not 0 or 1", at);
		if ((rc = push(s, ICP_VT_BOOL, &x)) != ICP_OK)
			return rc;
		s->doc->nodes[x].b = *s->p++;
		return ICP_OK;
	case RO_INT:
	case RO_LONG:
		if ((rc = r->op == RO_INT ? rd_int(s, &v) : rd_long(s, &v)) != ICP_OK)
			return rc;
		if ((rc = push(s, ICP_VT_LONG, &x)) != ICP_OK)
			return rc;
		if (r->conv == RC_LONG) {
			s->doc->nodes[x].i = v;
			return ICP_OK;
		}
		if (icp_avro_conv_int(r->conv, v, &s->doc->nodes[x]) < 0)
			return dfail(s, ICP_ERR_CORRUPT, "time out of the microsecond range", at);
		return ICP_OK;
	case RO_FLOAT: {
		union {
			uint32_t u;
			float f;
		} f;
		if ((rc = need(s, 4, "truncated float")) != ICP_OK)
			return rc;
		f.u = (uint32_t)le(s->p, 4);
		s->p += 4;
		if ((rc = push(s, ICP_VT_DOUBLE, &x)) != ICP_OK)
			return rc;
		s->doc->nodes[x].d = (double)f.f;
		return ICP_OK;
	}
	case RO_DOUBLE: {
		union {
			uint64_t u;
			double d;
		} f;
		if ((rc = need(s, 8, "truncated double")) != ICP_OK)
			return rc;
		f.u = le(s->p, 8);
		s->p += 8;
		if ((rc = push(s, ICP_VT_DOUBLE, &x)) != ICP_OK)
			return rc;
		s->doc->nodes[x].d = f.d;
		return ICP_OK;
	}
	case RO_BYTES:
		if ((rc = rd_len(s, &n)) != ICP_OK)
			return rc;
		return dec_bytes(s, r, n);
	case RO_FIXED:
		if ((rc = need(s, r->n, "truncated fixed")) != ICP_OK)
			return rc;
		return dec_bytes(s, r, r->n);
	case RO_ENUM:
		if ((rc = rd_int(s, &v)) != ICP_OK)
			return rc;
		if (v < 0 || (uint64_t)v >= r->n)
			return dfail(s, ICP_ERR_CORRUPT, "enum index out of range", at);
		if (!r->syms[v])
			return dfail(s, ICP_ERR_CORRUPT,
			             "enum symbol unknown to the reader, whose enum has no default", at);
		if ((rc = push(s, ICP_VT_STR, &x)) != ICP_OK)
			return rc;
		s->doc->nodes[x].s = r->syms[v];
		s->doc->nodes[x].len = r->sym_lens[v];
		return ICP_OK;
	case RO_UNION:
		if ((rc = rd_long(s, &v)) != ICP_OK)
			return rc;
		if (v < 0 || (uint64_t)v >= r->n)
			return dfail(s, ICP_ERR_CORRUPT, "union branch index out of range", at);
		if (r->branches[v]->op == RO_FAIL)
			return dfail(s, ICP_ERR_CORRUPT, r->branches[v]->key, at);
		return dec(s, r->branches[v]);
	case RO_WRAP: {
		uint32_t child;
		if ((rc = push(s, ICP_VT_OBJ, &x)) != ICP_OK)
			return rc;
		child = (uint32_t)s->doc->n;
		if ((rc = dec(s, r->item)) != ICP_OK)
			return rc;
		s->doc->nodes[child].key = r->key;
		s->doc->nodes[child].key_len = r->key_len;
		icp_vt_close(s->doc, x, 1);
		return ICP_OK;
	}
	case RO_FAIL: return dfail(s, ICP_ERR_CORRUPT, r->key, at);
	case RO_ARRAY:
	case RO_MAP:
	case RO_RECORD:
		if (s->depth >= ICP_AVRO_DATUM_MAX_DEPTH)
			return dfail(s, ICP_ERR_TOO_LARGE, "nested too deep", at);
		s->depth++;
		rc = r->op == RO_RECORD ? dec_record(s, r) : dec_items(s, r);
		s->depth--;
		return rc;
	}
	return dfail(s, ICP_ERR_CORRUPT, "bad step", at);
}

int icp_avro_decode(const icp_avro_decoder *d, const uint8_t *p, size_t n, icp_vt_doc *out,
                    icp_error *err)
{
	dstate s;
	int rc;

	icp_vt_reset(out);
	s.p = s.start = p ? p : (const uint8_t *)"";
	s.end = s.p + n;
	s.doc = out;
	s.err = err;
	s.depth = 0;
	s.zero_items = 0;
	s.max_nodes = out->max_nodes ? out->max_nodes : (size_t)1 << 20;
	s.path[0] = NULL;
	if ((rc = dec(&s, d->root)) != ICP_OK)
		return rc;
	if (s.p != s.end)
		return dfail(&s, ICP_ERR_CORRUPT, "trailing bytes after the datum", s.p);
	return ICP_OK;
}
