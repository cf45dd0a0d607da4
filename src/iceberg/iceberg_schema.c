/*
 * Iceberg schemas in memory: primitive type names, building, copying,
 * comparing and freeing schemas, the base columns, and the conversion to
 * the Parquet writer's field array.
 *
 * Invariants: every icp_ice_type and string hanging off a schema is owned
 * by it (icp_malloc'd) and freed by icp_ice_schema_free(); a list type has
 * `element` set, a map type `key` and `value`; highest_field_id is at least
 * every id used inside the schema.
 */
#include "iceberg/iceberg_int.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const kind_names[] = {
	[ICP_ICE_BOOLEAN] = "boolean",     [ICP_ICE_INT] = "int",
	[ICP_ICE_LONG] = "long",           [ICP_ICE_FLOAT] = "float",
	[ICP_ICE_DOUBLE] = "double",       [ICP_ICE_DECIMAL] = "decimal",
	[ICP_ICE_DATE] = "date",           [ICP_ICE_TIME] = "time",
	[ICP_ICE_TIMESTAMP] = "timestamp", [ICP_ICE_TIMESTAMPTZ] = "timestamptz",
	[ICP_ICE_STRING] = "string",       [ICP_ICE_UUID] = "uuid",
	[ICP_ICE_FIXED] = "fixed",         [ICP_ICE_BINARY] = "binary",
	[ICP_ICE_STRUCT] = "struct",       [ICP_ICE_LIST] = "list",
	[ICP_ICE_MAP] = "map",
};

const char *icp_ice_kind_name(icp_ice_kind k)
{
	if ((int)k < ICP_ICE_BOOLEAN || (int)k > ICP_ICE_MAP)
		return "unknown";
	return kind_names[k];
}

static int is_primitive(icp_ice_kind k)
{
	return k >= ICP_ICE_BOOLEAN && k <= ICP_ICE_BINARY;
}

size_t icp_ice_type_name(const icp_ice_type *t, char *buf, size_t cap)
{
	int n;

	if (!t || !is_primitive(t->kind) || cap == 0)
		return 0;
	if (t->kind == ICP_ICE_DECIMAL)
		n = snprintf(buf, cap, "decimal(%d,%d)", (int)t->precision, (int)t->scale);
	else if (t->kind == ICP_ICE_FIXED)
		n = snprintf(buf, cap, "fixed[%d]", (int)t->length);
	else
		n = snprintf(buf, cap, "%s", kind_names[t->kind]);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Parses a non-negative decimal integer at *p (skipping blanks around),
 * advancing *p. -1 when there is none or it is too large. */
static long parse_uint(const char **p)
{
	const char *s = *p;
	long v = 0;
	int digits = 0;

	while (*s == ' ')
		s++;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		if (v > 1000000000L)
			return -1;
		s++;
		digits++;
	}
	while (*s == ' ')
		s++;
	*p = s;
	return digits ? v : -1;
}

int icp_ice_parse_primitive(const char *name, icp_ice_type *out)
{
	icp_ice_type t;

	if (!name || !out)
		return ICP_ERR_INVALID;
	memset(&t, 0, sizeof(t));
	for (int k = ICP_ICE_BOOLEAN; k <= ICP_ICE_BINARY; k++) {
		if (k != ICP_ICE_DECIMAL && k != ICP_ICE_FIXED && strcmp(name, kind_names[k]) == 0) {
			t.kind = (icp_ice_kind)k;
			*out = t;
			return ICP_OK;
		}
	}
	if (strncmp(name, "decimal(", 8) == 0) {
		const char *p = name + 8;
		long prec = parse_uint(&p), scale;
		if (prec < 1 || prec > 38 || *p != ',')
			return ICP_ERR_INVALID;
		p++;
		scale = parse_uint(&p);
		/* Iceberg allows scale up to precision */
		if (scale < 0 || scale > prec || strcmp(p, ")") != 0)
			return ICP_ERR_INVALID;
		t.kind = ICP_ICE_DECIMAL;
		t.precision = (int32_t)prec;
		t.scale = (int32_t)scale;
		*out = t;
		return ICP_OK;
	}
	if (strncmp(name, "fixed[", 6) == 0) {
		const char *p = name + 6;
		long len = parse_uint(&p);
		if (len < 1 || len > 0x7fffffffL || strcmp(p, "]") != 0)
			return ICP_ERR_INVALID;
		t.kind = ICP_ICE_FIXED;
		t.length = (int32_t)len;
		*out = t;
		return ICP_OK;
	}
	return ICP_ERR_INVALID;
}

/* ------------------------------------------------------------ lifetime */

static void type_dispose(icp_ice_type *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_fields; i++) {
		icp_free(t->fields[i].name);
		icp_free(t->fields[i].doc);
		icp_ice_type_free(t->fields[i].type);
	}
	icp_free(t->fields);
	icp_ice_type_free(t->element);
	icp_ice_type_free(t->key);
	icp_ice_type_free(t->value);
	memset(t, 0, sizeof(*t));
}

icp_ice_type *icp_ice_type_new(icp_ice_kind kind)
{
	icp_ice_type *t = icp_calloc(1, sizeof(*t));
	if (t)
		t->kind = kind;
	return t;
}

void icp_ice_type_free(icp_ice_type *t)
{
	if (!t)
		return;
	type_dispose(t);
	icp_free(t);
}

/* Copies src into the zeroed *dst; on failure *dst holds what was copied
 * (to be disposed by the caller). */
static int type_copy_into(icp_ice_type *dst, const icp_ice_type *src)
{
	dst->kind = src->kind;
	dst->precision = src->precision;
	dst->scale = src->scale;
	dst->length = src->length;
	dst->element_id = src->element_id;
	dst->key_id = src->key_id;
	dst->value_id = src->value_id;
	dst->element_required = src->element_required;
	dst->value_required = src->value_required;
	if (src->n_fields) {
		dst->fields = icp_calloc(src->n_fields, sizeof(*dst->fields));
		if (!dst->fields)
			return ICP_ERR_NOMEM;
		for (size_t i = 0; i < src->n_fields; i++) {
			const icp_ice_field *sf = &src->fields[i];
			icp_ice_field *df = &dst->fields[i];
			dst->n_fields = i + 1;
			df->id = sf->id;
			df->required = sf->required;
			df->name = icp_strdup(sf->name ? sf->name : "");
			df->doc = sf->doc ? icp_strdup(sf->doc) : NULL;
			df->type = icp_ice_type_copy(sf->type);
			if (!df->name || (sf->doc && !df->doc) || !df->type)
				return ICP_ERR_NOMEM;
		}
	}
	if (src->element && !(dst->element = icp_ice_type_copy(src->element)))
		return ICP_ERR_NOMEM;
	if (src->key && !(dst->key = icp_ice_type_copy(src->key)))
		return ICP_ERR_NOMEM;
	if (src->value && !(dst->value = icp_ice_type_copy(src->value)))
		return ICP_ERR_NOMEM;
	return ICP_OK;
}

icp_ice_type *icp_ice_type_copy(const icp_ice_type *t)
{
	icp_ice_type *c;

	if (!t)
		return NULL;
	c = icp_ice_type_new(t->kind);
	if (c && type_copy_into(c, t) != ICP_OK) {
		icp_ice_type_free(c);
		c = NULL;
	}
	return c;
}

int icp_ice_type_add_field(icp_ice_type *st, int32_t id, const char *name, int required,
                           icp_ice_type *type)
{
	icp_ice_field *nf;
	char *nm;

	if (!st || st->kind != ICP_ICE_STRUCT || !name || !type) {
		icp_ice_type_free(type);
		return ICP_ERR_INVALID;
	}
	nm = icp_strdup(name);
	nf = nm ? icp_realloc(st->fields, (st->n_fields + 1) * sizeof(*nf)) : NULL;
	if (!nf) {
		icp_free(nm);
		icp_ice_type_free(type);
		return ICP_ERR_NOMEM;
	}
	st->fields = nf;
	nf = &st->fields[st->n_fields++];
	memset(nf, 0, sizeof(*nf));
	nf->id = id;
	nf->name = nm;
	nf->required = required ? 1 : 0;
	nf->type = type;
	return ICP_OK;
}

int32_t icp_ice_type_max_id(const icp_ice_type *t)
{
	int32_t m = 0, v;

	if (!t)
		return 0;
	for (size_t i = 0; i < t->n_fields; i++) {
		if (t->fields[i].id > m)
			m = t->fields[i].id;
		v = icp_ice_type_max_id(t->fields[i].type);
		if (v > m)
			m = v;
	}
	if (t->kind == ICP_ICE_LIST) {
		if (t->element_id > m)
			m = t->element_id;
		v = icp_ice_type_max_id(t->element);
		if (v > m)
			m = v;
	} else if (t->kind == ICP_ICE_MAP) {
		if (t->key_id > m)
			m = t->key_id;
		if (t->value_id > m)
			m = t->value_id;
		v = icp_ice_type_max_id(t->key);
		if (v > m)
			m = v;
		v = icp_ice_type_max_id(t->value);
		if (v > m)
			m = v;
	}
	return m;
}

icp_ice_schema *icp_ice_schema_new(int32_t schema_id)
{
	icp_ice_schema *s = icp_calloc(1, sizeof(*s));
	if (s) {
		s->schema_id = schema_id;
		s->root.kind = ICP_ICE_STRUCT;
	}
	return s;
}

void icp_ice_schema_free(icp_ice_schema *s)
{
	if (!s)
		return;
	type_dispose(&s->root);
	icp_free(s);
}

int icp_ice_schema_add_type(icp_ice_schema *s, int32_t id, const char *name, int required,
                            icp_ice_type *type)
{
	int32_t m;
	int rc;

	if (!s) {
		icp_ice_type_free(type);
		return ICP_ERR_INVALID;
	}
	m = icp_ice_type_max_id(type);
	rc = icp_ice_type_add_field(&s->root, id, name, required, type);
	if (rc == ICP_OK) {
		if (id > s->highest_field_id)
			s->highest_field_id = id;
		if (m > s->highest_field_id)
			s->highest_field_id = m;
	}
	return rc;
}

int icp_ice_schema_add(icp_ice_schema *s, int32_t id, const char *name, int required,
                       const icp_ice_type *primitive)
{
	icp_ice_type *t;

	if (!primitive || !is_primitive(primitive->kind))
		return ICP_ERR_INVALID;
	t = icp_ice_type_new(primitive->kind);
	if (!t)
		return ICP_ERR_NOMEM;
	t->precision = primitive->precision;
	t->scale = primitive->scale;
	t->length = primitive->length;
	return icp_ice_schema_add_type(s, id, name, required, t);
}

const icp_ice_field *icp_ice_schema_find(const icp_ice_schema *s, const char *name)
{
	if (!s || !name)
		return NULL;
	for (size_t i = 0; i < s->root.n_fields; i++)
		if (strcmp(s->root.fields[i].name, name) == 0)
			return &s->root.fields[i];
	return NULL;
}

icp_ice_schema *icp_ice_schema_copy(const icp_ice_schema *s)
{
	icp_ice_schema *c;

	if (!s)
		return NULL;
	c = icp_ice_schema_new(s->schema_id);
	if (!c)
		return NULL;
	c->highest_field_id = s->highest_field_id;
	if (type_copy_into(&c->root, &s->root) != ICP_OK) {
		icp_ice_schema_free(c);
		return NULL;
	}
	return c;
}

int icp_ice_type_equal(const icp_ice_type *a, const icp_ice_type *b, int shape_only)
{
	const int so = shape_only;

	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case ICP_ICE_DECIMAL:
		return a->precision == b->precision && a->scale == b->scale;
	case ICP_ICE_FIXED:
		return a->length == b->length;
	case ICP_ICE_STRUCT:
		if (a->n_fields != b->n_fields)
			return 0;
		for (size_t i = 0; i < a->n_fields; i++) {
			const icp_ice_field *x = &a->fields[i], *y = &b->fields[i];
			if ((!so && (x->id != y->id || !x->required != !y->required)) ||
			    strcmp(x->name, y->name) != 0 || !icp_ice_type_equal(x->type, y->type, so))
				return 0;
		}
		return 1;
	case ICP_ICE_LIST:
		return (so || (a->element_id == b->element_id &&
		               !a->element_required == !b->element_required)) &&
		       icp_ice_type_equal(a->element, b->element, so);
	case ICP_ICE_MAP:
		return (so || (a->key_id == b->key_id && a->value_id == b->value_id &&
		               !a->value_required == !b->value_required)) &&
		       icp_ice_type_equal(a->key, b->key, so) && icp_ice_type_equal(a->value, b->value, so);
	default:
		return 1;
	}
}

int icp_ice_schema_equal(const icp_ice_schema *a, const icp_ice_schema *b)
{
	if (!a || !b)
		return a == b;
	return icp_ice_type_equal(&a->root, &b->root, 0);
}

icp_ice_schema *icp_ice_schema_base(void)
{
	static const struct {
		const char *name;
		icp_ice_kind kind;
		int required;
	} cols[] = {
		{"record_id", ICP_ICE_STRING, 1},    {"topic", ICP_ICE_STRING, 1},
		{"partition", ICP_ICE_INT, 1},       {"offset", ICP_ICE_LONG, 1},
		{"timestamp_ms", ICP_ICE_LONG, 1},   {"key", ICP_ICE_BINARY, 0},
		{"value", ICP_ICE_BINARY, 0},        {"headers", ICP_ICE_STRING, 0},
	};
	icp_ice_schema *s = icp_ice_schema_new(0);

	for (size_t i = 0; s && i < ICP_ARRAY_LEN(cols); i++) {
		icp_ice_type t;
		memset(&t, 0, sizeof(t));
		t.kind = cols[i].kind;
		if (icp_ice_schema_add(s, (int32_t)i + 1, cols[i].name, cols[i].required, &t) != ICP_OK) {
			icp_ice_schema_free(s);
			s = NULL;
		}
	}
	return s;
}

/* ------------------------------------------------------------- parquet */

typedef struct pq_acc {
	icp_parquet_field *f;
	size_t n, cap;
} pq_acc;

static int pq_push(pq_acc *a, const char *name, int id, const icp_ice_type *t, int required,
                   int parent, int *index)
{
	static const icp_parquet_kind map[] = {
		[ICP_ICE_BOOLEAN] = ICP_PARQUET_BOOLEAN,     [ICP_ICE_INT] = ICP_PARQUET_INT,
		[ICP_ICE_LONG] = ICP_PARQUET_LONG,           [ICP_ICE_FLOAT] = ICP_PARQUET_FLOAT,
		[ICP_ICE_DOUBLE] = ICP_PARQUET_DOUBLE,       [ICP_ICE_DECIMAL] = ICP_PARQUET_DECIMAL,
		[ICP_ICE_DATE] = ICP_PARQUET_DATE,           [ICP_ICE_TIME] = ICP_PARQUET_TIME,
		[ICP_ICE_TIMESTAMP] = ICP_PARQUET_TIMESTAMP,
		[ICP_ICE_TIMESTAMPTZ] = ICP_PARQUET_TIMESTAMPTZ,
		[ICP_ICE_STRING] = ICP_PARQUET_STRING,       [ICP_ICE_UUID] = ICP_PARQUET_UUID,
		[ICP_ICE_FIXED] = ICP_PARQUET_FIXED,         [ICP_ICE_BINARY] = ICP_PARQUET_BINARY,
		[ICP_ICE_STRUCT] = ICP_PARQUET_STRUCT,       [ICP_ICE_LIST] = ICP_PARQUET_LIST,
		[ICP_ICE_MAP] = ICP_PARQUET_MAP,
	};
	icp_parquet_field *f;

	if (!t || (int)t->kind < ICP_ICE_BOOLEAN || (int)t->kind > ICP_ICE_MAP)
		return ICP_ERR_INVALID;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		icp_parquet_field *nf = icp_realloc(a->f, cap * sizeof(*nf));
		if (!nf)
			return ICP_ERR_NOMEM;
		a->f = nf;
		a->cap = cap;
	}
	f = &a->f[a->n];
	*f = icp_parquet_field_make(name, id, map[t->kind], required);
	f->parent = parent;
	f->precision = t->precision;
	f->scale = t->scale;
	f->length = t->length;
	*index = (int)a->n++;
	return ICP_OK;
}

static int pq_walk(pq_acc *a, const char *name, int id, const icp_ice_type *t, int required,
                   int parent)
{
	int me, rc = pq_push(a, name, id, t, required, parent, &me);

	if (rc != ICP_OK)
		return rc;
	switch (t->kind) {
	case ICP_ICE_STRUCT:
		for (size_t i = 0; i < t->n_fields && rc == ICP_OK; i++)
			rc = pq_walk(a, t->fields[i].name, t->fields[i].id, t->fields[i].type,
			             t->fields[i].required, me);
		return rc;
	case ICP_ICE_LIST:
		return pq_walk(a, "element", t->element_id, t->element, t->element_required, me);
	case ICP_ICE_MAP:
		rc = pq_walk(a, "key", t->key_id, t->key, 1, me);
		if (rc == ICP_OK)
			rc = pq_walk(a, "value", t->value_id, t->value, t->value_required, me);
		return rc;
	default:
		return ICP_OK;
	}
}

int icp_ice_schema_to_parquet(const icp_ice_schema *s, icp_parquet_field **out, size_t *n)
{
	pq_acc a = {NULL, 0, 0};
	int rc = ICP_OK;

	if (!s || !out || !n)
		return ICP_ERR_INVALID;
	for (size_t i = 0; i < s->root.n_fields && rc == ICP_OK; i++)
		rc = pq_walk(&a, s->root.fields[i].name, s->root.fields[i].id, s->root.fields[i].type,
		             s->root.fields[i].required, -1);
	if (rc != ICP_OK) {
		icp_free(a.f);
		return rc;
	}
	*out = a.f;
	*n = a.n;
	return ICP_OK;
}
