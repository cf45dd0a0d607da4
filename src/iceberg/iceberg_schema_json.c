/*
 * Schemas as JSON (Iceberg spec, Appendix C):
 *   primitive  "long", "decimal(P,S)", "fixed[L]"
 *   struct     {"type":"struct","fields":[{"id":..,"name":..,"required":..,
 *               "type":..,"doc":..}]}  (a schema adds "schema-id")
 *   list       {"type":"list","element-id":..,"element":..,"element-required":..}
 *   map        {"type":"map","key-id":..,"key":..,"value-id":..,"value":..,
 *               "value-required":..}
 * The parser reads metadata written by any engine: unknown keys (such as
 * "initial-default" or "identifier-field-ids") are ignored, a missing
 * required key is ICP_ERR_CORRUPT naming where it is missing.
 */
#include "iceberg/iceberg_int.h"

#include <stdio.h>

static int write_fields(icp_json_writer *w, const icp_ice_type *t)
{
	icp_json_write_key(w, "fields");
	icp_json_write_begin_array(w);
	for (size_t i = 0; i < t->n_fields; i++) {
		const icp_ice_field *f = &t->fields[i];
		icp_json_write_begin_object(w);
		icp_json_write_key(w, "id");
		icp_json_write_int64(w, f->id);
		icp_json_write_key(w, "name");
		icp_json_write_string(w, f->name);
		icp_json_write_key(w, "required");
		icp_json_write_bool(w, f->required);
		icp_json_write_key(w, "type");
		icp_ice_write_type(w, f->type);
		if (f->doc) {
			icp_json_write_key(w, "doc");
			icp_json_write_string(w, f->doc);
		}
		icp_json_write_end_object(w);
	}
	return icp_json_write_end_array(w);
}

int icp_ice_write_type(icp_json_writer *w, const icp_ice_type *t)
{
	char name[64];

	if (!t) {
		w->status = ICP_ERR_INVALID;
		return w->status;
	}
	switch (t->kind) {
	case ICP_ICE_STRUCT:
		icp_json_write_begin_object(w);
		icp_json_write_key(w, "type");
		icp_json_write_string(w, "struct");
		write_fields(w, t);
		return icp_json_write_end_object(w);
	case ICP_ICE_LIST:
		icp_json_write_begin_object(w);
		icp_json_write_key(w, "type");
		icp_json_write_string(w, "list");
		icp_json_write_key(w, "element-id");
		icp_json_write_int64(w, t->element_id);
		icp_json_write_key(w, "element");
		icp_ice_write_type(w, t->element);
		icp_json_write_key(w, "element-required");
		icp_json_write_bool(w, t->element_required);
		return icp_json_write_end_object(w);
	case ICP_ICE_MAP:
		icp_json_write_begin_object(w);
		icp_json_write_key(w, "type");
		icp_json_write_string(w, "map");
		icp_json_write_key(w, "key-id");
		icp_json_write_int64(w, t->key_id);
		icp_json_write_key(w, "key");
		icp_ice_write_type(w, t->key);
		icp_json_write_key(w, "value-id");
		icp_json_write_int64(w, t->value_id);
		icp_json_write_key(w, "value");
		icp_ice_write_type(w, t->value);
		icp_json_write_key(w, "value-required");
		icp_json_write_bool(w, t->value_required);
		return icp_json_write_end_object(w);
	default:
		if (icp_ice_type_name(t, name, sizeof(name)) == 0) {
			w->status = ICP_ERR_INVALID;
			return w->status;
		}
		return icp_json_write_string(w, name);
	}
}

int icp_ice_write_schema(icp_json_writer *w, const icp_ice_schema *s, int32_t schema_id)
{
	icp_json_write_begin_object(w);
	icp_json_write_key(w, "type");
	icp_json_write_string(w, "struct");
	icp_json_write_key(w, "schema-id");
	icp_json_write_int64(w, schema_id);
	write_fields(w, &s->root);
	return icp_json_write_end_object(w);
}

int icp_ice_schema_to_json(const icp_ice_schema *s, icp_buf *out)
{
	icp_json_writer w;

	if (!s || !out)
		return ICP_ERR_INVALID;
	icp_json_writer_init(&w, out, 0);
	icp_ice_write_schema(&w, s, s->schema_id);
	return icp_json_writer_finish(&w);
}

/* --------------------------------------------------------------- parse */

/* Where we are in the document, for messages: "fields.3.type.element". */
typedef struct jpath {
	char s[256];
	size_t len;
} jpath;

static size_t jpath_push(jpath *p, const char *seg)
{
	size_t old = p->len;
	int n = snprintf(p->s + p->len, sizeof(p->s) - p->len, "%s%s", p->len ? "." : "", seg);
	if (n > 0)
		p->len += (size_t)n < sizeof(p->s) - p->len ? (size_t)n : sizeof(p->s) - p->len - 1;
	return old;
}

static void jpath_pop(jpath *p, size_t old)
{
	p->len = old;
	p->s[old] = '\0';
}

static int corrupt(icp_error *err, const jpath *p, const char *what)
{
	return icp_error_set(err, ICP_ERR_CORRUPT, "iceberg schema: %s at %s", what,
	                     p->len ? p->s : "(top)");
}

static int get_i32(const icp_json *obj, const char *key, int32_t *out, jpath *p, icp_error *err)
{
	int64_t v;
	size_t old;
	int rc;

	if (icp_json_as_int64(icp_json_get(obj, key), &v) != ICP_OK || v < INT32_MIN || v > INT32_MAX) {
		old = jpath_push(p, key);
		rc = corrupt(err, p, "missing or invalid integer");
		jpath_pop(p, old);
		return rc;
	}
	*out = (int32_t)v;
	return ICP_OK;
}

static int get_bool(const icp_json *obj, const char *key, int *out, jpath *p, icp_error *err)
{
	size_t old;
	int rc;

	if (icp_json_as_bool(icp_json_get(obj, key), out) != ICP_OK) {
		old = jpath_push(p, key);
		rc = corrupt(err, p, "missing or invalid boolean");
		jpath_pop(p, old);
		return rc;
	}
	return ICP_OK;
}

static int parse_type(const icp_json *node, icp_ice_type **out, jpath *p, icp_error *err);

static int parse_struct_fields(const icp_json *obj, icp_ice_type *st, jpath *p, icp_error *err)
{
	const icp_json *fields = icp_json_get(obj, "fields");
	size_t old = jpath_push(p, "fields");
	int rc = ICP_OK;

	if (!fields || fields->type != ICP_JSON_ARRAY) {
		rc = corrupt(err, p, "missing fields array");
		goto out;
	}
	for (size_t i = 0; i < fields->u.arr.n && rc == ICP_OK; i++) {
		const icp_json *f = &fields->u.arr.items[i];
		const char *name, *doc;
		icp_ice_type *t = NULL;
		int32_t id = 0;
		int req = 0;
		char idx[24];
		size_t o2;

		snprintf(idx, sizeof(idx), "%zu", i);
		o2 = jpath_push(p, idx);
		if (f->type != ICP_JSON_OBJECT) {
			rc = corrupt(err, p, "field is not an object");
		} else if ((rc = get_i32(f, "id", &id, p, err)) == ICP_OK &&
		           (rc = get_bool(f, "required", &req, p, err)) == ICP_OK) {
			if (icp_json_as_str(icp_json_get(f, "name"), &name, NULL) != ICP_OK) {
				rc = corrupt(err, p, "missing field name");
			} else {
				size_t o3 = jpath_push(p, "type");
				rc = parse_type(icp_json_get(f, "type"), &t, p, err);
				jpath_pop(p, o3);
				if (rc == ICP_OK) {
					rc = icp_ice_type_add_field(st, id, name, req, t);
					if (rc == ICP_ERR_NOMEM)
						icp_error_set(err, rc, "iceberg schema: out of memory");
				}
				if (rc == ICP_OK &&
				    icp_json_as_str(icp_json_get(f, "doc"), &doc, NULL) == ICP_OK) {
					st->fields[st->n_fields - 1].doc = icp_strdup(doc);
					if (!st->fields[st->n_fields - 1].doc)
						rc = icp_error_set(err, ICP_ERR_NOMEM,
						                   "iceberg schema: out of memory");
				}
			}
		}
		jpath_pop(p, o2);
	}
out:
	jpath_pop(p, old);
	return rc;
}

static int parse_child(const icp_json *obj, const char *key, icp_ice_type **out, jpath *p,
                       icp_error *err)
{
	size_t old = jpath_push(p, key);
	int rc = parse_type(icp_json_get(obj, key), out, p, err);
	jpath_pop(p, old);
	return rc;
}

static int parse_type(const icp_json *node, icp_ice_type **out, jpath *p, icp_error *err)
{
	const char *kind;
	icp_ice_type *t = NULL;
	int rc;

	*out = NULL;
	if (!node)
		return corrupt(err, p, "missing type");
	if (node->type == ICP_JSON_STRING) {
		icp_ice_type prim;
		if (icp_ice_parse_primitive(node->u.str.ptr, &prim) != ICP_OK) {
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg schema: unknown type \"%.64s\" at %s",
			                     node->u.str.ptr, p->len ? p->s : "(top)");
		}
		t = icp_ice_type_new(prim.kind);
		if (!t)
			return icp_error_set(err, ICP_ERR_NOMEM, "iceberg schema: out of memory");
		t->precision = prim.precision;
		t->scale = prim.scale;
		t->length = prim.length;
		*out = t;
		return ICP_OK;
	}
	if (icp_json_as_str(icp_json_get(node, "type"), &kind, NULL) != ICP_OK)
		return corrupt(err, p, "type is neither a name nor an object with \"type\"");
	if (strcmp(kind, "struct") == 0) {
		t = icp_ice_type_new(ICP_ICE_STRUCT);
		rc = t ? parse_struct_fields(node, t, p, err)
		       : icp_error_set(err, ICP_ERR_NOMEM, "iceberg schema: out of memory");
	} else if (strcmp(kind, "list") == 0) {
		t = icp_ice_type_new(ICP_ICE_LIST);
		if (!t)
			return icp_error_set(err, ICP_ERR_NOMEM, "iceberg schema: out of memory");
		rc = get_i32(node, "element-id", &t->element_id, p, err);
		if (rc == ICP_OK)
			rc = get_bool(node, "element-required", &t->element_required, p, err);
		if (rc == ICP_OK)
			rc = parse_child(node, "element", &t->element, p, err);
	} else if (strcmp(kind, "map") == 0) {
		t = icp_ice_type_new(ICP_ICE_MAP);
		if (!t)
			return icp_error_set(err, ICP_ERR_NOMEM, "iceberg schema: out of memory");
		rc = get_i32(node, "key-id", &t->key_id, p, err);
		if (rc == ICP_OK)
			rc = get_i32(node, "value-id", &t->value_id, p, err);
		if (rc == ICP_OK)
			rc = get_bool(node, "value-required", &t->value_required, p, err);
		if (rc == ICP_OK)
			rc = parse_child(node, "key", &t->key, p, err);
		if (rc == ICP_OK)
			rc = parse_child(node, "value", &t->value, p, err);
	} else {
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "iceberg schema: unknown type \"%.64s\" at %s", kind,
		                     p->len ? p->s : "(top)");
	}
	if (rc != ICP_OK) {
		icp_ice_type_free(t);
		return rc;
	}
	*out = t;
	return ICP_OK;
}

int icp_ice_schema_from_json(const icp_json *node, icp_ice_schema **out, icp_error *err)
{
	icp_ice_schema *s = NULL;
	const char *kind;
	int64_t sid = 0;
	jpath p;
	int rc;

	p.len = 0;
	p.s[0] = '\0';
	*out = NULL;
	if (!node || node->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_CORRUPT, "iceberg schema: not a JSON object");
	if (icp_json_as_str(icp_json_get(node, "type"), &kind, NULL) == ICP_OK &&
	    strcmp(kind, "struct") != 0)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "iceberg schema: type is \"%.64s\", not \"struct\"", kind);
	if (icp_json_get(node, "schema-id") &&
	    (icp_json_as_int64(icp_json_get(node, "schema-id"), &sid) != ICP_OK || sid < 0 ||
	     sid > INT32_MAX))
		return icp_error_set(err, ICP_ERR_CORRUPT, "iceberg schema: invalid schema-id");
	s = icp_ice_schema_new((int32_t)sid);
	if (!s)
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg schema: out of memory");
	rc = parse_struct_fields(node, &s->root, &p, err);
	if (rc != ICP_OK) {
		icp_ice_schema_free(s);
		return rc;
	}
	s->highest_field_id = icp_ice_type_max_id(&s->root);
	*out = s;
	return ICP_OK;
}
