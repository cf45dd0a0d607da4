/*
 * The Iceberg columns of an Avro reader schema (mapping in avro.h): a
 * depth-first walk building icp_ice_type trees, every field, element and
 * map value optional, ids 1.. in visiting order. A stack of the records
 * being visited catches recursion (no Iceberg type can hold it); errors
 * name the field path.
 */
#include "avro/avro_int.h"

#include <stdio.h>
#include "iceberg/iceberg.h"

typedef struct ictx {
	icp_error *err;
	int32_t next_id;
	const avro_type *stack[ICP_AVRO_DATUM_MAX_DEPTH];
	int depth;
	char path[512];
	size_t path_len;
} ictx;

static int fail(ictx *c, const char *what, const char *arg)
{
	return icp_error_set(c->err, ICP_ERR_INVALID, "avro to iceberg: field %s: %s%s",
	                     c->path_len ? c->path : "(top)", what, arg ? arg : "");
}

static size_t path_push(ictx *c, const char *name)
{
	size_t old = c->path_len, n = strlen(name);

	if (old + n + 2 < sizeof(c->path)) {
		if (old)
			c->path[c->path_len++] = '.';
		memcpy(c->path + c->path_len, name, n);
		c->path_len += n;
		c->path[c->path_len] = 0;
	}
	return old;
}

static void path_pop(ictx *c, size_t old)
{
	c->path_len = old;
	c->path[old] = 0;
}

/* 1 when t has no Iceberg column: null, or a union of nulls only. */
static int is_void(const avro_type *t)
{
	size_t i;

	if (t->kind == AV_NULL)
		return 1;
	if (t->kind != AV_UNION)
		return 0;
	for (i = 0; i < t->n; i++)
		if (t->types[i]->kind != AV_NULL)
			return 0;
	return 1;
}

static int convert(ictx *c, const avro_type *t, icp_ice_type **out);

static icp_ice_type *prim(ictx *c, icp_ice_kind k)
{
	icp_ice_type *t = icp_ice_type_new(k);
	if (!t)
		icp_error_set(c->err, ICP_ERR_NOMEM, "avro to iceberg: out of memory");
	return t;
}

/* Appends field `name` of avro type ft to struct st (skipping void ones). */
static int add_field(ictx *c, icp_ice_type *st, const char *name, const avro_type *ft)
{
	icp_ice_type *ty = NULL;
	size_t old;
	int32_t id;
	int rc;

	if (is_void(ft))
		return ICP_OK;
	old = path_push(c, name);
	id = c->next_id++;
	rc = convert(c, ft, &ty);
	path_pop(c, old);
	if (rc != ICP_OK)
		return rc;
	if ((rc = icp_ice_type_add_field(st, id, name, 0, ty)) != ICP_OK)
		return icp_error_set(c->err, rc, "avro to iceberg: out of memory");
	return ICP_OK;
}

static int convert_record(ictx *c, const avro_type *t, icp_ice_type **out)
{
	icp_ice_type *st;
	size_t i;
	int k, rc = ICP_OK;

	for (k = 0; k < c->depth; k++)
		if (c->stack[k] == t)
			return fail(c, "recursive record ", t->name);
	if (c->depth >= ICP_AVRO_DATUM_MAX_DEPTH)
		return fail(c, "nested too deep", NULL);
	if (!(st = prim(c, ICP_ICE_STRUCT)))
		return ICP_ERR_NOMEM;
	c->stack[c->depth++] = t;
	for (i = 0; i < t->n && rc == ICP_OK; i++)
		rc = add_field(c, st, t->names[i], t->types[i]);
	c->depth--;
	if (rc != ICP_OK) {
		icp_ice_type_free(st);
		return rc;
	}
	*out = st;
	return ICP_OK;
}

static int convert_union(ictx *c, const avro_type *t, icp_ice_type **out)
{
	icp_ice_type *st;
	size_t i, k = 0, nn = 0, one = 0;
	int rc = ICP_OK;

	for (i = 0; i < t->n; i++)
		if (t->types[i]->kind != AV_NULL) {
			nn++;
			one = i;
		}
	if (nn == 1)
		return convert(c, t->types[one], out);
	if (!(st = prim(c, ICP_ICE_STRUCT)))
		return ICP_ERR_NOMEM;
	for (i = 0; i < t->n && rc == ICP_OK; i++) {
		char name[32];
		if (t->types[i]->kind == AV_NULL)
			continue;
		snprintf(name, sizeof(name), "member%zu", k++);
		rc = add_field(c, st, name, t->types[i]);
	}
	if (rc != ICP_OK) {
		icp_ice_type_free(st);
		return rc;
	}
	*out = st;
	return ICP_OK;
}

static int convert(ictx *c, const avro_type *t, icp_ice_type **out)
{
	icp_ice_type *ty = NULL, *inner = NULL;
	int rc;

	*out = NULL;
	switch (t->kind) {
	case AV_NULL: return fail(c, "type null has no Iceberg column", NULL);
	case AV_BOOLEAN: ty = prim(c, ICP_ICE_BOOLEAN); break;
	case AV_INT:
		ty = prim(c, t->logical == AVL_DATE      ? ICP_ICE_DATE
		             : t->logical == AVL_TIME_MS ? ICP_ICE_TIME
		                                         : ICP_ICE_INT);
		break;
	case AV_LONG:
		switch (t->logical) {
		case AVL_TIME_US: ty = prim(c, ICP_ICE_TIME); break;
		case AVL_TS_MS:
		case AVL_TS_US:
		case AVL_TS_NS: ty = prim(c, ICP_ICE_TIMESTAMPTZ); break;
		case AVL_LTS_MS:
		case AVL_LTS_US:
		case AVL_LTS_NS: ty = prim(c, ICP_ICE_TIMESTAMP); break;
		default: ty = prim(c, ICP_ICE_LONG); break;
		}
		break;
	case AV_FLOAT: ty = prim(c, ICP_ICE_FLOAT); break;
	case AV_DOUBLE: ty = prim(c, ICP_ICE_DOUBLE); break;
	case AV_STRING: ty = prim(c, t->logical == AVL_UUID ? ICP_ICE_UUID : ICP_ICE_STRING); break;
	case AV_ENUM: ty = prim(c, ICP_ICE_STRING); break;
	case AV_BYTES:
	case AV_FIXED:
		if (t->logical == AVL_DECIMAL) {
			if (t->precision > 38) {
				char p[64];
				snprintf(p, sizeof(p), "%d (Iceberg allows 38)", (int)t->precision);
				return fail(c, "decimal precision ", p);
			}
			if ((ty = prim(c, ICP_ICE_DECIMAL))) {
				ty->precision = t->precision;
				ty->scale = t->scale;
			}
		} else if (t->kind == AV_FIXED) {
			if (t->n > INT32_MAX)
				return fail(c, "fixed too large", NULL);
			if ((ty = prim(c, ICP_ICE_FIXED)))
				ty->length = (int32_t)t->n;
		} else {
			ty = prim(c, ICP_ICE_BINARY);
		}
		break;
	case AV_RECORD: return convert_record(c, t, out);
	case AV_UNION: return convert_union(c, t, out);
	case AV_ARRAY:
	case AV_MAP: {
		int32_t key_id = 0, id;
		size_t old;
		if (is_void(t->types[0]))
			return fail(c, t->kind == AV_ARRAY ? "array of nulls has no Iceberg column"
			                                   : "map of nulls has no Iceberg column",
			            NULL);
		if (t->kind == AV_MAP)
			key_id = c->next_id++;
		id = c->next_id++;
		old = path_push(c, t->kind == AV_ARRAY ? "element" : "value");
		rc = convert(c, t->types[0], &inner);
		path_pop(c, old);
		if (rc != ICP_OK)
			return rc;
		if (!(ty = prim(c, t->kind == AV_ARRAY ? ICP_ICE_LIST : ICP_ICE_MAP))) {
			icp_ice_type_free(inner);
			return ICP_ERR_NOMEM;
		}
		if (t->kind == AV_ARRAY) {
			ty->element_id = id;
			ty->element_required = 0;
			ty->element = inner;
		} else {
			ty->key_id = key_id;
			ty->value_id = id;
			ty->value_required = 0;
			ty->value = inner;
			if (!(ty->key = prim(c, ICP_ICE_STRING))) {
				icp_ice_type_free(ty);
				return ICP_ERR_NOMEM;
			}
		}
		break;
	}
	}
	if (!ty)
		return ICP_ERR_NOMEM;
	*out = ty;
	return ICP_OK;
}

int icp_avro_schema_to_iceberg(const icp_avro_schema *s, struct icp_ice_schema **out,
                               icp_error *err)
{
	icp_ice_schema *is = NULL;
	icp_ice_type *st = NULL;
	ictx c;
	size_t i;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.err = err;
	c.next_id = 1;
	if (s->root->kind != AV_RECORD)
		return fail(&c, "the top-level schema is not a record", NULL);
	if ((rc = convert_record(&c, s->root, &st)) != ICP_OK)
		return rc;
	if (!(is = icp_ice_schema_new(0))) {
		icp_ice_type_free(st);
		return icp_error_set(err, ICP_ERR_NOMEM, "avro to iceberg: out of memory");
	}
	/* Move the struct's fields to the schema's root one by one (it owns them). */
	for (i = 0; i < st->n_fields; i++) {
		icp_ice_field *f = &st->fields[i];
		rc = icp_ice_schema_add_type(is, f->id, f->name, 0, f->type);
		f->type = NULL;
		if (rc != ICP_OK) {
			icp_ice_type_free(st);
			icp_ice_schema_free(is);
			return icp_error_set(err, rc, "avro to iceberg: out of memory");
		}
	}
	icp_ice_type_free(st);
	*out = is;
	return ICP_OK;
}
