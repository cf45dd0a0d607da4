/*
 * Avro field defaults (JSON, spec 1.11 "Complex Types": records' field
 * "default") turned into vtree node templates for the reader type, once
 * per decoder. The template is built in a scratch icp_vt_doc and copied
 * into the decoder's arena; strings point into the schema's JSON DOM (or
 * the arena for bytes, which a default writes as ISO-8859-1 text: each
 * code point 0..255 is one byte). Unions: the spec says the default is of
 * the first branch; a value that only fits a later branch is accepted too
 * (schemas in the wild write "default": null with ["string", "null"]).
 */
#include "avro/avro_int.h"

#include <stdio.h>

typedef struct dctx {
	icp_arena *a;
	icp_vt_doc t;
	icp_error *err;
	int depth;
} dctx;

static int bad(dctx *c, const char *what, const avro_type *r)
{
	static const char *n[] = {"null",  "boolean", "int",   "long", "float",
	                          "double", "bytes",  "string", "record", "enum",
	                          "array", "map",     "union", "fixed"};
	return icp_error_set(c->err, ICP_ERR_INVALID, "default: %s for type %s", what,
	                     r->name ? r->name : n[r->kind]);
}

static int push(dctx *c, icp_vt_kind k, uint32_t *idx)
{
	int rc = icp_vt_push(&c->t, k, idx);
	if (rc != ICP_OK)
		return icp_error_set(c->err, rc, "default: too many nodes");
	return ICP_OK;
}

/* ISO-8859-1 text (UTF-8 in the DOM) -> bytes in the arena. */
static int latin1(dctx *c, const avro_type *r, const icp_json *v, const char **s, size_t *n)
{
	const uint8_t *p = (const uint8_t *)v->u.str.ptr, *end = p + v->u.str.len;
	uint8_t *o = icp_arena_alloc(c->a, v->u.str.len + 1), *q = o;

	if (!o)
		return icp_error_set(c->err, ICP_ERR_NOMEM, "default: out of memory");
	while (p < end) {
		if (*p < 0x80) {
			*q++ = *p++;
		} else if ((*p & 0xE0) == 0xC0 && p + 1 < end && *p <= 0xC3) {
			*q++ = (uint8_t)(((p[0] & 0x1F) << 6) | (p[1] & 0x3F));
			p += 2;
		} else {
			return bad(c, "a character above U+00FF in a bytes default", r);
		}
	}
	*s = (const char *)o;
	*n = (size_t)(q - o);
	return ICP_OK;
}

static int value(dctx *c, const avro_type *r, const icp_json *v);

static int record(dctx *c, const avro_type *r, const icp_json *v)
{
	uint32_t at, i;
	int rc;

	if (v->type != ICP_JSON_OBJECT)
		return bad(c, "not an object", r);
	if ((rc = push(c, ICP_VT_OBJ, &at)) != ICP_OK)
		return rc;
	for (i = 0; i < r->n; i++) {
		const icp_json *fv = icp_json_get_n(v, r->names[i], r->name_lens[i]);
		uint32_t child = (uint32_t)c->t.n;
		if (!fv)
			fv = icp_json_get(r->fields_json[i], "default");
		if (!fv)
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "default: record %s lacks field %s, which has no default",
			                     r->name, r->names[i]);
		if ((rc = value(c, r->types[i], fv)) != ICP_OK)
			return rc;
		c->t.nodes[child].key = r->names[i];
		c->t.nodes[child].key_len = r->name_lens[i];
	}
	icp_vt_close(&c->t, at, (uint32_t)r->n);
	return ICP_OK;
}

static int union_value(dctx *c, const avro_type *r, const icp_json *v)
{
	size_t i, k = 0, nn = 0;
	size_t mark = c->t.n;

	for (i = 0; i < r->n; i++)
		nn += r->types[i]->kind != AV_NULL;
	for (i = 0; i < r->n; i++) {
		const avro_type *b = r->types[i];
		icp_error e, *saved = c->err;
		uint32_t wrap = 0;
		int rc;
		icp_error_init(&e);
		c->err = &e;
		if (b->kind != AV_NULL && nn >= 2)
			rc = push(c, ICP_VT_OBJ, &wrap);
		else
			rc = ICP_OK;
		if (rc == ICP_OK)
			rc = value(c, b, v);
		c->err = saved;
		if (rc == ICP_OK) {
			if (b->kind != AV_NULL && nn >= 2) {
				char name[32];
				int len = snprintf(name, sizeof(name), "member%zu", k);
				char *key = icp_arena_memdup(c->a, name, (size_t)len + 1);
				if (!key)
					return icp_error_set(c->err, ICP_ERR_NOMEM, "default: out of memory");
				c->t.nodes[wrap + 1].key = key;
				c->t.nodes[wrap + 1].key_len = (size_t)len;
				icp_vt_close(&c->t, wrap, 1);
			}
			return ICP_OK;
		}
		if (rc != ICP_ERR_INVALID)
			return icp_error_set(c->err, rc, "%s", e.msg);
		c->t.n = mark;
		k += b->kind != AV_NULL;
	}
	return bad(c, "the value fits no branch of the union", r);
}

static int value(dctx *c, const avro_type *r, const icp_json *v)
{
	uint32_t at;
	size_t i;
	int rc;

	if (++c->depth > ICP_AVRO_DATUM_MAX_DEPTH) {
		c->depth--;
		return icp_error_set(c->err, ICP_ERR_INVALID, "default: nested too deep");
	}
	rc = ICP_OK;
	switch (r->kind) {
	case AV_NULL:
		if (v->type != ICP_JSON_NULL)
			rc = bad(c, "not null", r);
		else
			rc = push(c, ICP_VT_NULL, &at);
		break;
	case AV_BOOLEAN:
		if (v->type != ICP_JSON_BOOL)
			rc = bad(c, "not a boolean", r);
		else if ((rc = push(c, ICP_VT_BOOL, &at)) == ICP_OK)
			c->t.nodes[at].b = (uint8_t)v->u.boolean;
		break;
	case AV_INT:
	case AV_LONG:
		if (v->type != ICP_JSON_INT ||
		    (r->kind == AV_INT && (v->u.num.i < INT32_MIN || v->u.num.i > INT32_MAX)))
			rc = bad(c, "not an integer in range", r);
		else if ((rc = push(c, ICP_VT_LONG, &at)) == ICP_OK &&
		         icp_avro_conv_int(icp_avro_conv_of(r), v->u.num.i, &c->t.nodes[at]) < 0)
			rc = bad(c, "microseconds overflow", r);
		break;
	case AV_FLOAT:
	case AV_DOUBLE:
		if (v->type != ICP_JSON_INT && v->type != ICP_JSON_DOUBLE)
			rc = bad(c, "not a number", r);
		else if ((rc = push(c, ICP_VT_DOUBLE, &at)) == ICP_OK)
			c->t.nodes[at].d = r->kind == AV_FLOAT ? (double)(float)v->u.num.d : v->u.num.d;
		break;
	case AV_STRING:
		if (v->type != ICP_JSON_STRING)
			rc = bad(c, "not a string", r);
		else if ((rc = push(c, ICP_VT_STR, &at)) == ICP_OK) {
			c->t.nodes[at].s = v->u.str.ptr;
			c->t.nodes[at].len = v->u.str.len;
		}
		break;
	case AV_BYTES:
	case AV_FIXED: {
		const char *s = NULL;
		size_t n = 0;
		if (v->type != ICP_JSON_STRING) {
			rc = bad(c, "not a string", r);
			break;
		}
		if ((rc = latin1(c, r, v, &s, &n)) != ICP_OK)
			break;
		if (r->kind == AV_FIXED && n != r->n) {
			rc = bad(c, "not of the fixed size", r);
			break;
		}
		if (r->logical == AVL_DECIMAL && n == 0) {
			s = "";
			n = 1; /* the NUL: unscaled 0 */
		}
		if ((rc = push(c, r->logical == AVL_DECIMAL ? ICP_VT_DECIMAL : ICP_VT_BYTES, &at)) ==
		    ICP_OK) {
			c->t.nodes[at].s = s;
			c->t.nodes[at].len = n;
			c->t.nodes[at].scale = (int16_t)r->scale;
		}
		break;
	}
	case AV_ENUM:
		if (v->type != ICP_JSON_STRING) {
			rc = bad(c, "not a string", r);
			break;
		}
		for (i = 0; i < r->n; i++)
			if (r->name_lens[i] == v->u.str.len &&
			    memcmp(r->names[i], v->u.str.ptr, v->u.str.len) == 0)
				break;
		if (i == r->n)
			rc = bad(c, "not a symbol", r);
		else if ((rc = push(c, ICP_VT_STR, &at)) == ICP_OK) {
			c->t.nodes[at].s = r->names[i];
			c->t.nodes[at].len = r->name_lens[i];
		}
		break;
	case AV_ARRAY:
		if (v->type != ICP_JSON_ARRAY) {
			rc = bad(c, "not an array", r);
			break;
		}
		if ((rc = push(c, ICP_VT_ARR, &at)) != ICP_OK)
			break;
		for (i = 0; i < v->u.arr.n && rc == ICP_OK; i++)
			rc = value(c, r->types[0], &v->u.arr.items[i]);
		if (rc == ICP_OK)
			icp_vt_close(&c->t, at, (uint32_t)v->u.arr.n);
		break;
	case AV_MAP:
		if (v->type != ICP_JSON_OBJECT) {
			rc = bad(c, "not an object", r);
			break;
		}
		if ((rc = push(c, ICP_VT_MAP, &at)) != ICP_OK)
			break;
		for (i = 0; i < v->u.obj.n && rc == ICP_OK; i++) {
			const icp_json_member *m = &v->u.obj.members[i];
			uint32_t k;
			if ((rc = push(c, ICP_VT_STR, &k)) != ICP_OK)
				break;
			c->t.nodes[k].s = m->key;
			c->t.nodes[k].len = m->key_len;
			rc = value(c, r->types[0], &m->value);
		}
		if (rc == ICP_OK)
			icp_vt_close(&c->t, at, (uint32_t)v->u.obj.n);
		break;
	case AV_RECORD: rc = record(c, r, v); break;
	case AV_UNION: rc = union_value(c, r, v); break;
	}
	c->depth--;
	return rc;
}

int icp_avro_default_template(icp_arena *a, const avro_type *r, const icp_json *v,
                              const icp_vt_node **out, uint32_t *n, icp_error *err)
{
	dctx c;
	icp_vt_node *copy;
	int rc;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.err = err;
	c.t.max_nodes = 65536;
	*out = NULL;
	*n = 0;
	if ((rc = value(&c, r, v)) != ICP_OK)
		goto out;
	if (!(copy = icp_arena_memdup(a, c.t.nodes, c.t.n * sizeof(*copy)))) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "default: out of memory");
		goto out;
	}
	*out = copy;
	*n = (uint32_t)c.t.n;
out:
	icp_vt_doc_dispose(&c.t);
	return rc;
}
