/*
 * Avro schema resolution (spec 1.11, "Schema Resolution"): compiles a
 * writer schema against a reader schema into a graph of avro_rnode steps
 * (avro_int.h) that avro_datum.c runs per datum. Everything lives in the
 * decoder's arena; record pairs are memoised so recursive schemas give a
 * cyclic graph instead of an endless compile. Reader-only fields get their
 * "default" turned into a vtree node template here, once, so a datum
 * copies it (ends rebased) instead of converting JSON each time.
 *
 * Errors name the reader's field path ("resolve: field address.zip: ...").
 */
#include "avro/avro_int.h"

#include <stdio.h>

typedef struct memo {
	const avro_type *w, *r;
	avro_rnode *node;
	int bad; /* its resolution failed (within a union branch's trial) */
	struct memo *next;
} memo;

typedef struct rctx {
	icp_arena *a;
	icp_error *err;
	memo *memos;
	char path[512];
	size_t path_len;
	int depth;
} rctx;

static int nomem(rctx *c)
{
	return icp_error_set(c->err, ICP_ERR_NOMEM, "avro resolve: out of memory");
}

static int fail(rctx *c, const char *fmt, const char *a1, const char *a2)
{
	if (c->path_len)
		return icp_error_set(c->err, ICP_ERR_INVALID, "avro resolve: field %s: %s%s%s",
		                     c->path, fmt, a1 ? a1 : "", a2 ? a2 : "");
	return icp_error_set(c->err, ICP_ERR_INVALID, "avro resolve: %s%s%s", fmt, a1 ? a1 : "",
	                     a2 ? a2 : "");
}

/* Appends ".name" (or "name" at the top) to the path; returns the old length. */
static size_t path_push(rctx *c, const char *name, size_t len)
{
	size_t old = c->path_len, room = sizeof(c->path) - 1 - old;
	size_t dot = old ? 1 : 0;

	if (len + dot > room)
		len = room > dot ? room - dot : 0;
	if (dot && room)
		c->path[c->path_len++] = '.';
	memcpy(c->path + c->path_len, name, len);
	c->path_len += len;
	c->path[c->path_len] = 0;
	return old;
}

static void path_pop(rctx *c, size_t old)
{
	c->path_len = old;
	c->path[old] = 0;
}

static const char *kind_name(avro_kind k)
{
	static const char *n[] = {"null",  "boolean", "int",   "long", "float",
	                          "double", "bytes",  "string", "record", "enum",
	                          "array", "map",     "union", "fixed"};
	return (unsigned)k < ICP_ARRAY_LEN(n) ? n[k] : "?";
}

static const char *unqualified(const char *full)
{
	const char *dot = full ? strrchr(full, '.') : NULL;
	return dot ? dot + 1 : full ? full : "";
}

/* 1 when JSON array of strings `aliases` holds name (unqualified compare). */
static int has_alias(const icp_json *aliases, const char *name)
{
	size_t i;

	if (!aliases || aliases->type != ICP_JSON_ARRAY)
		return 0;
	for (i = 0; i < aliases->u.arr.n; i++) {
		const icp_json *a = &aliases->u.arr.items[i];
		if (a->type == ICP_JSON_STRING && strcmp(unqualified(a->u.str.ptr), name) == 0)
			return 1;
	}
	return 0;
}

static int same_name(const avro_type *w, const avro_type *r)
{
	const char *wn = unqualified(w->name);

	return strcmp(wn, unqualified(r->name)) == 0 ||
	       has_alias(icp_json_get(r->json, "aliases"), wn);
}

/* Whether writer w may be read as reader r at the top (no recursion):
 * exact = same type or named type; else also the promotions. */
static int matches(const avro_type *w, const avro_type *r, int exact)
{
	if (w->kind == r->kind) {
		switch (w->kind) {
		case AV_RECORD:
		case AV_ENUM: return same_name(w, r);
		case AV_FIXED: return same_name(w, r) && w->n == r->n;
		default: return 1;
		}
	}
	if (exact)
		return 0;
	switch (w->kind) {
	case AV_INT: return r->kind == AV_LONG || r->kind == AV_FLOAT || r->kind == AV_DOUBLE;
	case AV_LONG: return r->kind == AV_FLOAT || r->kind == AV_DOUBLE;
	case AV_FLOAT: return r->kind == AV_DOUBLE;
	case AV_STRING: return r->kind == AV_BYTES;
	case AV_BYTES: return r->kind == AV_STRING;
	default: return 0;
	}
}

avro_rconv icp_avro_conv_of(const avro_type *r)
{
	switch (r->kind) {
	case AV_INT:
		return r->logical == AVL_DATE ? RC_DATE : r->logical == AVL_TIME_MS ? RC_TIME_MS : RC_LONG;
	case AV_LONG:
		switch (r->logical) {
		case AVL_TIME_US: return RC_TIME_US;
		case AVL_TS_MS:
		case AVL_LTS_MS: return RC_TS_MS;
		case AVL_TS_US:
		case AVL_LTS_US: return RC_TS_US;
		case AVL_TS_NS:
		case AVL_LTS_NS: return RC_TS_NS;
		default: return RC_LONG;
		}
	case AV_FLOAT: return RC_FLOAT;
	case AV_DOUBLE: return RC_DOUBLE;
	case AV_STRING: return RC_STR;
	case AV_BYTES:
	case AV_FIXED: return r->logical == AVL_DECIMAL ? RC_DECIMAL : RC_BYTES;
	default: return RC_NONE;
	}
}

static avro_rnode *new_node(rctx *c, avro_rop op)
{
	avro_rnode *n = icp_arena_alloc(c->a, sizeof(*n));
	if (n) {
		memset(n, 0, sizeof(*n));
		n->op = (uint8_t)op;
	}
	return n;
}

static int resolve(rctx *c, const avro_type *w, const avro_type *r, avro_rnode **out);

/* Non-null branches of union u, and the index among them of branch i. */
static size_t non_null(const avro_type *u, size_t upto)
{
	size_t i, k = 0;
	for (i = 0; i < upto && i < u->n; i++)
		k += u->types[i]->kind != AV_NULL;
	return k;
}

/* Writer w (not a union) against reader union r. */
static int resolve_into_union(rctx *c, const avro_type *w, const avro_type *r, avro_rnode **out)
{
	size_t i, k;
	int pass, rc;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < r->n; i++) {
			const avro_type *b = r->types[i];
			avro_rnode *inner, *wrap;
			if (b->kind == AV_UNION || !matches(w, b, pass == 0))
				continue;
			if ((rc = resolve(c, w, b, &inner)) != ICP_OK)
				return rc;
			if (b->kind == AV_NULL || non_null(r, r->n) < 2) {
				*out = inner;
				return ICP_OK;
			}
			if (!(wrap = new_node(c, RO_WRAP)))
				return nomem(c);
			k = non_null(r, i);
			{
				char name[32];
				int len = snprintf(name, sizeof(name), "member%zu", k);
				wrap->key = icp_arena_memdup(c->a, name, (size_t)len + 1);
				wrap->key_len = (size_t)len;
			}
			if (!wrap->key)
				return nomem(c);
			wrap->item = inner;
			*out = wrap;
			return ICP_OK;
		}
	return fail(c, "the writer's ", kind_name(w->kind), " matches no branch of the reader's union");
}

/* Writer union w: one step per branch; a branch that resolves against
 * nothing fails the datums that take it. */
static int resolve_union(rctx *c, const avro_type *w, const avro_type *r, avro_rnode **out)
{
	avro_rnode *u = new_node(c, RO_UNION);
	size_t i, ok = 0;

	if (!u || !(u->branches = icp_arena_alloc(c->a, w->n * sizeof(*u->branches))))
		return nomem(c);
	u->n = (uint32_t)w->n;
	*out = u;
	for (i = 0; i < w->n; i++) {
		icp_error e;
		int rc;
		icp_error_init(&e);
		{
			icp_error *saved = c->err;
			c->err = &e;
			rc = resolve(c, w->types[i], r, &u->branches[i]);
			c->err = saved;
		}
		if (rc == ICP_OK) {
			ok++;
			continue;
		}
		if (rc != ICP_ERR_INVALID)
			return icp_error_set(c->err, rc, "%s", e.msg);
		if (!(u->branches[i] = new_node(c, RO_FAIL)))
			return nomem(c);
		{
			char msg[ICP_ERROR_MSG_MAX + 64];
			int len = snprintf(msg, sizeof(msg), "writer union branch %zu taken: %s", i,
			                   e.msg);
			if (len < 0 || (size_t)len >= sizeof(msg))
				len = (int)sizeof(msg) - 1;
			u->branches[i]->key = icp_arena_memdup(c->a, msg, (size_t)len + 1);
			if (!u->branches[i]->key)
				return nomem(c);
			u->branches[i]->key_len = (size_t)len;
		}
	}
	if (ok == 0)
		return fail(c, "no branch of the writer's union resolves against the reader's ",
		            kind_name(r->kind), " type");
	return ICP_OK;
}

static int resolve_enum(rctx *c, const avro_type *w, const avro_type *r, avro_rnode *e)
{
	const char *def = NULL;
	size_t def_len = 0, i, j;

	(void)icp_json_as_str(icp_json_get(r->json, "default"), &def, &def_len);
	e->n = (uint32_t)w->n;
	if (w->n && (!(e->syms = icp_arena_alloc(c->a, w->n * sizeof(*e->syms))) ||
	             !(e->sym_lens = icp_arena_alloc(c->a, w->n * sizeof(*e->sym_lens)))))
		return nomem(c);
	if (def) { /* the reader's own spelling of its default */
		for (j = 0; j < r->n; j++)
			if (r->name_lens[j] == def_len && memcmp(r->names[j], def, def_len) == 0)
				break;
		if (j == r->n)
			return fail(c, "the enum default is not a symbol of ", r->name, "");
		def = r->names[j];
	}
	for (i = 0; i < w->n; i++) {
		e->syms[i] = def;
		e->sym_lens[i] = def_len;
		for (j = 0; j < r->n; j++)
			if (r->name_lens[j] == w->name_lens[i] &&
			    memcmp(r->names[j], w->names[i], w->name_lens[i]) == 0) {
				e->syms[i] = r->names[j];
				e->sym_lens[i] = r->name_lens[j];
				break;
			}
	}
	return ICP_OK;
}

/* Reader field j of r matched by writer field named (name, len). */
static int field_matches(const avro_type *r, size_t j, const char *name, size_t len)
{
	if (r->name_lens[j] == len && memcmp(r->names[j], name, len) == 0)
		return 1;
	return has_alias(icp_json_get(r->fields_json[j], "aliases"), name);
}

static int resolve_record(rctx *c, const avro_type *w, const avro_type *r, avro_rnode *rec)
{
	size_t i, j, k = 0, n = w->n + r->n; /* at most: every field of both */
	uint8_t *taken = NULL;
	int rc = ICP_OK;

	if (n && !(rec->steps = icp_arena_alloc(c->a, n * sizeof(*rec->steps))))
		return nomem(c);
	if (r->n && !(taken = icp_arena_alloc(c->a, r->n)))
		return nomem(c);
	if (r->n)
		memset(taken, 0, r->n);
	for (i = 0; i < w->n; i++) {
		avro_rstep *st = &rec->steps[k++];
		memset(st, 0, sizeof(*st));
		st->w = w->types[i];
		for (j = 0; j < r->n; j++)
			if (!taken[j] && field_matches(r, j, w->names[i], w->name_lens[i]))
				break;
		if (j == r->n)
			continue; /* skipped: decoded, not emitted */
		taken[j] = 1;
		st->key = r->names[j];
		st->key_len = r->name_lens[j];
		{
			size_t old = path_push(c, r->names[j], r->name_lens[j]);
			rc = resolve(c, w->types[i], r->types[j], &st->node);
			path_pop(c, old);
		}
		if (rc != ICP_OK)
			return rc;
	}
	for (j = 0; j < r->n; j++) {
		avro_rstep *st;
		const icp_json *def;
		size_t old;
		if (taken[j])
			continue;
		st = &rec->steps[k++];
		memset(st, 0, sizeof(*st));
		st->key = r->names[j];
		st->key_len = r->name_lens[j];
		old = path_push(c, r->names[j], r->name_lens[j]);
		def = icp_json_get(r->fields_json[j], "default");
		if (!def)
			rc = fail(c, "the writer lacks this field and the reader gives no default", "",
			          "");
		else if ((rc = icp_avro_default_template(c->a, r->types[j], def, &st->def,
		                                         &st->n_def, c->err)) != ICP_OK)
			icp_error_prefix(c->err, "avro resolve: field %s", c->path);
		path_pop(c, old);
		if (rc != ICP_OK)
			return rc;
	}
	rec->n = (uint32_t)k;
	return ICP_OK;
}

static int resolve(rctx *c, const avro_type *w, const avro_type *r, avro_rnode **out)
{
	avro_rnode *n;
	memo *m;
	int rc = ICP_OK;

	if (w->kind == AV_UNION)
		return resolve_union(c, w, r, out);
	if (r->kind == AV_UNION)
		return resolve_into_union(c, w, r, out);
	if (!matches(w, r, 0)) {
		if (w->kind == r->kind && w->name)
			return fail(c, "the writer's type ", w->name, " does not match the reader's");
		return fail(c, "the writer's ", kind_name(w->kind),
		            r->kind == AV_RECORD   ? " cannot be read as a record"
		            : r->kind == AV_ENUM   ? " cannot be read as an enum"
		            : r->kind == AV_FIXED  ? " cannot be read as a fixed"
		            : r->kind == AV_ARRAY  ? " cannot be read as an array"
		            : r->kind == AV_MAP    ? " cannot be read as a map"
		                                   : " cannot be read as the reader's primitive type");
	}
	if (w->kind == AV_RECORD)
		for (m = c->memos; m; m = m->next)
			if (m->w == w && m->r == r) {
				*out = m->node;
				if (m->bad)
					return fail(c, "the writer's record ", w->name,
					            " does not resolve against the reader's");
				return ICP_OK;
			}
	if (c->depth >= 200)
		return fail(c, "schema nested too deep", "", "");
	static const avro_rop ops[] = {
		[AV_NULL] = RO_NULL,     [AV_BOOLEAN] = RO_BOOL, [AV_INT] = RO_INT,
		[AV_LONG] = RO_LONG,     [AV_FLOAT] = RO_FLOAT,  [AV_DOUBLE] = RO_DOUBLE,
		[AV_BYTES] = RO_BYTES,   [AV_STRING] = RO_BYTES, [AV_RECORD] = RO_RECORD,
		[AV_ENUM] = RO_ENUM,     [AV_ARRAY] = RO_ARRAY,  [AV_MAP] = RO_MAP,
		[AV_UNION] = RO_UNION,   [AV_FIXED] = RO_FIXED,
	};
	if (!(n = new_node(c, ops[w->kind])))
		return nomem(c);
	*out = n;
	n->conv = (uint8_t)icp_avro_conv_of(r);
	c->depth++;
	switch (w->kind) {
	case AV_FIXED:
		n->n = (uint32_t)w->n;
		/* fall through */
	case AV_BYTES:
		if (r->logical == AVL_DECIMAL) {
			if (w->logical == AVL_DECIMAL && w->scale != r->scale)
				rc = fail(c, "the writer's decimal scale differs from the reader's", "", "");
			n->scale = (int16_t)r->scale;
		}
		break;
	case AV_ENUM: rc = resolve_enum(c, w, r, n); break;
	case AV_ARRAY:
	case AV_MAP:
		n->item_min = w->types[0]->min_size + (w->kind == AV_MAP ? 1 : 0);
		rc = resolve(c, w->types[0], r->types[0], &n->item);
		break;
	case AV_RECORD:
		if (!(m = icp_arena_alloc(c->a, sizeof(*m)))) {
			rc = nomem(c);
			break;
		}
		m->w = w;
		m->r = r;
		m->node = n;
		m->bad = 0;
		m->next = c->memos;
		c->memos = m;
		rc = resolve_record(c, w, r, n);
		m->bad = rc != ICP_OK;
		break;
	default: break;
	}
	c->depth--;
	return rc;
}

int icp_avro_decoder_new(const icp_avro_schema *writer, const icp_avro_schema *reader,
                         icp_avro_decoder **out, icp_error *err)
{
	icp_avro_decoder *d = NULL;
	rctx c;
	int rc = ICP_ERR_NOMEM;

	*out = NULL;
	if (!writer)
		return icp_error_set(err, ICP_ERR_INVALID, "avro resolve: no writer schema");
	if (!reader)
		reader = writer;
	if (!(d = icp_calloc(1, sizeof(*d))) || !(d->a = icp_arena_new(0))) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "avro resolve: out of memory");
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.a = d->a;
	c.err = err;
	if ((rc = resolve(&c, writer->root, reader->root, &d->root)) != ICP_OK)
		goto out;
	*out = d;
	d = NULL;
out:
	icp_avro_decoder_free(d);
	return rc;
}

void icp_avro_decoder_free(icp_avro_decoder *d)
{
	if (!d)
		return;
	icp_arena_free(d->a);
	icp_free(d);
}
