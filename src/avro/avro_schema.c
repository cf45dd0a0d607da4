/*
 * Avro schema compiler: JSON DOM -> avro_type graph. Handles primitive
 * names, {"type": ...} objects (a valid logicalType is recorded for the
 * datum decoder; the OCF reader reads values as their base type), records
 * ("error" too), enums, fixed, arrays, maps, unions (JSON arrays) and
 * references to named types by full or short name, resolved with the
 * enclosing namespace as the spec says, also to the types of schemas
 * compiled before (icp_avro_schema_compile_named: schema references). A
 * record is registered before its fields are compiled so it can refer to
 * itself. Other attributes (doc, default, aliases, Iceberg's field-id, ...)
 * are not compiled: named types and record fields keep a pointer to their
 * JSON object, where the datum decoder reads defaults and aliases (the DOM
 * must then live as long as the graph).
 */
#include "avro/avro_int.h"

typedef struct avro_named named;
struct avro_named {
	const char *full;
	avro_type *t;
	named *next;
};

typedef struct sctx {
	icp_arena *a;
	icp_error *err;
	int bad;
	named *names;
} sctx;

static const struct {
	const char *name;
	avro_kind kind;
} prims[] = {
	{"null", AV_NULL},     {"boolean", AV_BOOLEAN}, {"int", AV_INT},
	{"long", AV_LONG},     {"float", AV_FLOAT},     {"double", AV_DOUBLE},
	{"bytes", AV_BYTES},   {"string", AV_STRING},
};

static int nomem(sctx *c)
{
	return icp_error_set(c->err, ICP_ERR_NOMEM, "avro schema: out of memory");
}

static avro_type *new_type(sctx *c, avro_kind k)
{
	avro_type *t = icp_arena_alloc(c->a, sizeof(*t));
	if (t) {
		memset(t, 0, sizeof(*t));
		t->kind = k;
	}
	return t;
}

static int prim_kind(const char *s, size_t len)
{
	size_t i;
	for (i = 0; i < ICP_ARRAY_LEN(prims); i++)
		if (strlen(prims[i].name) == len && memcmp(prims[i].name, s, len) == 0)
			return (int)prims[i].kind;
	return -1;
}

/* "ns" + "." + "name" in the arena, or name itself when it is already full
 * (contains a dot) or there is no namespace. */
static const char *full_name(sctx *c, const char *ns, const char *name)
{
	size_t nl, sl;
	char *o;

	if (strchr(name, '.') || !ns || !*ns)
		return name;
	nl = strlen(name);
	sl = strlen(ns);
	o = icp_arena_alloc(c->a, sl + nl + 2);
	if (!o)
		return NULL;
	memcpy(o, ns, sl);
	o[sl] = '.';
	memcpy(o + sl + 1, name, nl + 1);
	return o;
}

/* Namespace part of a full name ("a.b.R" -> "a.b"), or NULL. */
static const char *ns_of(sctx *c, const char *full)
{
	const char *dot = strrchr(full, '.');
	char *o;

	if (!dot)
		return NULL;
	o = icp_arena_alloc(c->a, (size_t)(dot - full) + 1);
	if (!o)
		return NULL;
	memcpy(o, full, (size_t)(dot - full));
	o[dot - full] = 0;
	return o;
}

static avro_type *lookup(sctx *c, const char *full)
{
	named *n;
	for (n = c->names; n; n = n->next)
		if (strcmp(n->full, full) == 0)
			return n->t;
	return NULL;
}

static int compile(sctx *c, const icp_json *j, const char *ns, avro_type **out);

/* Reads "name" (and "namespace") of a named type, registers t. */
static int define(sctx *c, const icp_json *j, const char *ns, avro_type *t,
                  const char **type_ns)
{
	const char *name, *space = ns, *full;
	const icp_json *jns = icp_json_get(j, "namespace");
	named *n;

	if (icp_json_as_str(icp_json_get(j, "name"), &name, NULL) != ICP_OK || !*name)
		return icp_error_set(c->err, c->bad, "avro schema: named type without a \"name\"");
	if (jns && jns->type == ICP_JSON_STRING)
		space = jns->u.str.ptr;
	full = full_name(c, space, name);
	if (!full)
		return nomem(c);
	if (lookup(c, full))
		return icp_error_set(c->err, c->bad, "avro schema: type \"%s\" defined twice", full);
	n = icp_arena_alloc(c->a, sizeof(*n));
	if (!n)
		return nomem(c);
	n->full = full;
	n->t = t;
	n->next = c->names;
	c->names = n;
	t->name = full;
	t->json = j;
	*type_ns = strchr(full, '.') ? ns_of(c, full) : NULL;
	if (strchr(full, '.') && !*type_ns)
		return nomem(c);
	return ICP_OK;
}

static int alloc_lists(sctx *c, avro_type *t, size_t n, int with_names)
{
	if (n == 0)
		return ICP_OK;
	t->types = icp_arena_alloc(c->a, n * sizeof(*t->types));
	if (!t->types)
		return nomem(c);
	if (with_names) {
		t->names = icp_arena_alloc(c->a, n * sizeof(*t->names));
		t->name_lens = icp_arena_alloc(c->a, n * sizeof(*t->name_lens));
		if (!t->names || !t->name_lens)
			return nomem(c);
	}
	return ICP_OK;
}

static int compile_record(sctx *c, const icp_json *j, const char *ns, avro_type *t)
{
	const icp_json *fields = icp_json_get(j, "fields");
	const char *rns;
	size_t i;
	int rc;

	if ((rc = define(c, j, ns, t, &rns)) != ICP_OK)
		return rc;
	if (!fields || fields->type != ICP_JSON_ARRAY)
		return icp_error_set(c->err, c->bad, "avro schema: record \"%s\" has no \"fields\" array",
		                     t->name);
	t->n = fields->u.arr.n;
	if ((rc = alloc_lists(c, t, t->n, 1)) != ICP_OK)
		return rc;
	if (t->n && !(t->fields_json = icp_arena_alloc(c->a, t->n * sizeof(*t->fields_json))))
		return nomem(c);
	for (i = 0; i < t->n; i++) {
		const icp_json *f = &fields->u.arr.items[i];
		t->fields_json[i] = f;
		const icp_json *fname = icp_json_get(f, "name");
		if (!fname || fname->type != ICP_JSON_STRING || !icp_json_get(f, "type"))
			return icp_error_set(c->err, c->bad,
			                     "avro schema: field %zu of record \"%s\" needs \"name\" and \"type\"",
			                     i, t->name);
		t->names[i] = fname->u.str.ptr;
		t->name_lens[i] = fname->u.str.len;
		if ((rc = compile(c, icp_json_get(f, "type"), rns, &t->types[i])) != ICP_OK) {
			icp_error_prefix(c->err, "field \"%s\" of \"%s\"", fname->u.str.ptr, t->name);
			return rc;
		}
	}
	return ICP_OK;
}

static int compile_enum(sctx *c, const icp_json *j, const char *ns, avro_type *t)
{
	const icp_json *syms = icp_json_get(j, "symbols");
	const char *ens;
	size_t i;
	int rc;

	if ((rc = define(c, j, ns, t, &ens)) != ICP_OK)
		return rc;
	if (!syms || syms->type != ICP_JSON_ARRAY)
		return icp_error_set(c->err, c->bad, "avro schema: enum \"%s\" has no \"symbols\" array",
		                     t->name);
	t->n = syms->u.arr.n;
	if ((rc = alloc_lists(c, t, t->n, 1)) != ICP_OK)
		return rc;
	for (i = 0; i < t->n; i++) {
		const icp_json *s = &syms->u.arr.items[i];
		if (s->type != ICP_JSON_STRING)
			return icp_error_set(c->err, c->bad, "avro schema: enum \"%s\" symbol %zu is not a string",
			                     t->name, i);
		t->names[i] = s->u.str.ptr;
		t->name_lens[i] = s->u.str.len;
	}
	return ICP_OK;
}

/* The "logicalType" of object j on base type t, when valid for it. */
static void set_logical(const icp_json *j, avro_type *t)
{
	static const struct {
		const char *name;
		avro_kind base;
		avro_logical l;
	} lt[] = {
		{"uuid", AV_STRING, AVL_UUID},
		{"date", AV_INT, AVL_DATE},
		{"time-millis", AV_INT, AVL_TIME_MS},
		{"time-micros", AV_LONG, AVL_TIME_US},
		{"timestamp-millis", AV_LONG, AVL_TS_MS},
		{"timestamp-micros", AV_LONG, AVL_TS_US},
		{"timestamp-nanos", AV_LONG, AVL_TS_NS},
		{"local-timestamp-millis", AV_LONG, AVL_LTS_MS},
		{"local-timestamp-micros", AV_LONG, AVL_LTS_US},
		{"local-timestamp-nanos", AV_LONG, AVL_LTS_NS},
	};
	const char *name;
	size_t i;

	if (icp_json_as_str(icp_json_get(j, "logicalType"), &name, NULL) != ICP_OK)
		return;
	if (strcmp(name, "decimal") == 0) {
		int64_t p, s = 0;
		const icp_json *js = icp_json_get(j, "scale");
		if (t->kind != AV_BYTES && t->kind != AV_FIXED)
			return;
		if (icp_json_as_int64(icp_json_get(j, "precision"), &p) != ICP_OK || p < 1 ||
		    p > 1000)
			return;
		if (js && (icp_json_as_int64(js, &s) != ICP_OK || s < 0 || s > p))
			return;
		/* A fixed of n bytes holds at most 2.41 * n digits (8n-1 bits). */
		if (t->kind == AV_FIXED && (double)p > ((double)t->n * 8 - 1) * 0.30103)
			return;
		t->logical = AVL_DECIMAL;
		t->precision = (int32_t)p;
		t->scale = (int32_t)s;
		return;
	}
	for (i = 0; i < ICP_ARRAY_LEN(lt); i++)
		if (strcmp(name, lt[i].name) == 0 && t->kind == lt[i].base)
			t->logical = lt[i].l;
}

static int compile_object(sctx *c, const icp_json *j, const char *ns, avro_type **out)
{
	const icp_json *jt = icp_json_get(j, "type");
	const char *ts;
	size_t tl;
	avro_type *t;
	int k, rc;

	if (!jt)
		return icp_error_set(c->err, c->bad, "avro schema: object without \"type\"");
	if (jt->type != ICP_JSON_STRING)
		return compile(c, jt, ns, out); /* {"type": {...}} or {"type": [...]} */
	ts = jt->u.str.ptr;
	tl = jt->u.str.len;
	if ((k = prim_kind(ts, tl)) >= 0) {
		if (!(*out = new_type(c, (avro_kind)k)))
			return nomem(c);
		set_logical(j, *out);
		return ICP_OK;
	}
	if (strcmp(ts, "record") == 0 || strcmp(ts, "error") == 0) {
		if (!(t = new_type(c, AV_RECORD)))
			return nomem(c);
		*out = t;
		return compile_record(c, j, ns, t);
	}
	if (strcmp(ts, "enum") == 0) {
		if (!(t = new_type(c, AV_ENUM)))
			return nomem(c);
		*out = t;
		return compile_enum(c, j, ns, t);
	}
	if (strcmp(ts, "fixed") == 0) {
		int64_t size;
		const char *fns;
		if (!(t = new_type(c, AV_FIXED)))
			return nomem(c);
		*out = t;
		if ((rc = define(c, j, ns, t, &fns)) != ICP_OK)
			return rc;
		if (icp_json_as_int64(icp_json_get(j, "size"), &size) != ICP_OK || size < 0 ||
		    size > (1 << 30))
			return icp_error_set(c->err, c->bad, "avro schema: fixed \"%s\" needs a \"size\" in 0..2^30",
			                     t->name);
		t->n = (size_t)size;
		set_logical(j, t);
		return ICP_OK;
	}
	if (strcmp(ts, "array") == 0 || strcmp(ts, "map") == 0) {
		int is_array = ts[0] == 'a';
		const icp_json *inner = icp_json_get(j, is_array ? "items" : "values");
		if (!inner)
			return icp_error_set(c->err, c->bad, "avro schema: %s without \"%s\"", ts,
			                     is_array ? "items" : "values");
		if (!(t = new_type(c, is_array ? AV_ARRAY : AV_MAP)))
			return nomem(c);
		*out = t;
		if ((rc = alloc_lists(c, t, 1, 0)) != ICP_OK)
			return rc;
		t->n = 1;
		return compile(c, inner, ns, &t->types[0]);
	}
	return compile(c, jt, ns, out); /* {"type": "SomeNamedType"} */
}

static int compile(sctx *c, const icp_json *j, const char *ns, avro_type **out)
{
	size_t i;
	int k, rc;

	switch (j->type) {
	case ICP_JSON_STRING: {
		const char *full;
		avro_type *t;
		if ((k = prim_kind(j->u.str.ptr, j->u.str.len)) >= 0) {
			if (!(*out = new_type(c, (avro_kind)k)))
				return nomem(c);
			return ICP_OK;
		}
		full = full_name(c, ns, j->u.str.ptr);
		if (!full)
			return nomem(c);
		t = lookup(c, full);
		if (!t)
			t = lookup(c, j->u.str.ptr);
		if (!t)
			return icp_error_set(c->err, c->bad, "avro schema: unknown type \"%s\"",
			                     j->u.str.ptr);
		*out = t;
		return ICP_OK;
	}
	case ICP_JSON_ARRAY: {
		avro_type *t = new_type(c, AV_UNION);
		if (!t)
			return nomem(c);
		*out = t;
		t->n = j->u.arr.n;
		if (t->n == 0)
			return icp_error_set(c->err, c->bad, "avro schema: empty union");
		if ((rc = alloc_lists(c, t, t->n, 0)) != ICP_OK)
			return rc;
		for (i = 0; i < t->n; i++)
			if ((rc = compile(c, &j->u.arr.items[i], ns, &t->types[i])) != ICP_OK)
				return rc;
		return ICP_OK;
	}
	case ICP_JSON_OBJECT:
		return compile_object(c, j, ns, out);
	default:
		return icp_error_set(c->err, c->bad, "avro schema: a type must be a string, object or array, not %s",
		                     icp_json_type_name(j->type));
	}
}

/* Smallest encoding of one value. A cycle (a recursive type) counts as 0
 * there, which keeps the bound a lower bound. */
static size_t min_size(avro_type *t)
{
	size_t i, s = 0;

	if (t->min_state == 2)
		return t->min_size;
	if (t->min_state == 1)
		return 0;
	t->min_state = 1;
	switch (t->kind) {
	case AV_NULL: s = 0; break;
	case AV_FLOAT: s = 4; break;
	case AV_DOUBLE: s = 8; break;
	case AV_FIXED: s = t->n; break;
	case AV_RECORD:
		for (i = 0; i < t->n; i++)
			s += min_size(t->types[i]);
		break;
	case AV_UNION:
		s = 1;
		for (i = 0; i < t->n; i++)
			(void)min_size(t->types[i]);
		break;
	case AV_ARRAY:
	case AV_MAP:
		(void)min_size(t->types[0]);
		s = 1;
		break;
	default: s = 1; break; /* boolean, int, long, bytes, string, enum */
	}
	t->min_size = s;
	t->min_state = 2;
	return s;
}

int icp_avro_schema_compile_named(icp_arena *a, const icp_json *schema, int bad_status,
                                  avro_named **names, avro_type **root, icp_error *err)
{
	sctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.err = err;
	c.bad = bad_status;
	c.names = *names;
	*root = NULL;
	rc = compile(&c, schema, NULL, root);
	*names = c.names;
	if (rc != ICP_OK) {
		*root = NULL;
		return rc;
	}
	(void)min_size(*root);
	return ICP_OK;
}

int icp_avro_schema_compile(icp_arena *a, const icp_json *schema, int bad_status,
                            avro_type **root, icp_error *err)
{
	avro_named *names = NULL;

	return icp_avro_schema_compile_named(a, schema, bad_status, &names, root, err);
}
