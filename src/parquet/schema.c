/*
 * Schema: validates the caller's field array, links it into a tree and
 * writes the Parquet SchemaElement list the way Iceberg lays it out:
 *
 *   struct  <rep> group name { children }
 *   list    <rep> group name (LIST) { repeated group list { <rep> element } }
 *   map     <rep> group name (MAP) { repeated group key_value {
 *                required key; <rep> value } }
 *
 * Every element that stands for an Iceberg field carries its field id; the
 * synthetic repeated groups ("list", "key_value") carry none. Both the
 * logical type and, where the spec defines one, the legacy converted type
 * are written. Levels: an optional node adds one definition level, a
 * repeated group one definition and one repetition level.
 */
#include "parquet/parquet_int.h"

int icp_parquet_decimal_bytes(int precision)
{
	/* Smallest n with 2^(8n-1) > 10^precision - 1. */
	int n;
	double lim = 1;
	int i;
	for (i = 0; i < precision; i++)
		lim *= 10;
	for (n = 1; n < 32; n++) {
		double cap = 1;
		for (i = 0; i < 8 * n - 1; i++)
			cap *= 2;
		if (cap >= lim)
			return n;
	}
	return 32;
}

icp_parquet_field icp_parquet_field_make(const char *name, int field_id,
                                         icp_parquet_kind kind, int required)
{
	icp_parquet_field f;
	memset(&f, 0, sizeof(f));
	f.name = name;
	f.field_id = field_id;
	f.kind = kind;
	f.required = required;
	f.parent = -1;
	f.codec = -1;
	f.dictionary = -1;
	return f;
}

static int is_group(int kind)
{
	return kind == ICP_PARQUET_STRUCT || kind == ICP_PARQUET_LIST || kind == ICP_PARQUET_MAP;
}

void pq_schema_dispose(pq_schema *s)
{
	size_t i;
	if (!s->nodes)
		return;
	for (i = 0; i < s->n_nodes; i++)
		icp_free(s->nodes[i].name);
	icp_free(s->nodes);
	icp_free(s->leaf_node);
	memset(s, 0, sizeof(*s));
}

static void number_leaves(pq_schema *s, int node, size_t *next)
{
	pq_node *nd = &s->nodes[node];
	int c;
	if (!is_group(nd->kind)) {
		nd->leaf = (int)*next;
		s->leaf_node[(*next)++] = node;
		return;
	}
	for (c = nd->first_child; c >= 0; c = s->nodes[c].next_sibling)
		number_leaves(s, c, next);
}

int pq_schema_build(pq_schema *s, const icp_parquet_field *f, size_t n, icp_error *err)
{
	size_t i, leaves = 0, next = 0;
	int rc = ICP_ERR_INVALID;
	int *last_child = NULL;

	memset(s, 0, sizeof(*s));
	if (n == 0 || n > 100000)
		return icp_error_set(err, ICP_ERR_INVALID, "parquet schema: %zu fields", n);
	s->nodes = icp_calloc(n, sizeof(pq_node));
	last_child = icp_calloc(n, sizeof(int));
	if (!s->nodes || !last_child) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "parquet schema: out of memory");
		goto out;
	}
	s->n_nodes = n;
	for (i = 0; i < n; i++) {
		pq_node *nd = &s->nodes[i];
		const icp_parquet_field *fi = &f[i];
		nd->first_child = nd->next_sibling = -1;
		nd->leaf = -1;
		last_child[i] = -1;
		if ((unsigned)fi->kind >= ICP_PARQUET__KIND_COUNT) {
			icp_error_set(err, ICP_ERR_INVALID, "parquet schema: field %zu: bad kind %d",
			              i, (int)fi->kind);
			goto out;
		}
		if (!fi->name || !fi->name[0]) {
			icp_error_set(err, ICP_ERR_INVALID, "parquet schema: field %zu has no name", i);
			goto out;
		}
		if (fi->field_id <= 0) {
			icp_error_set(err, ICP_ERR_INVALID,
			              "parquet schema: field '%s' has no field id", fi->name);
			goto out;
		}
		if (fi->parent < -1 || fi->parent >= (int)i) {
			icp_error_set(err, ICP_ERR_INVALID,
			              "parquet schema: field '%s': parent %d must precede it",
			              fi->name, fi->parent);
			goto out;
		}
		if (fi->parent >= 0 && !is_group(f[fi->parent].kind)) {
			icp_error_set(err, ICP_ERR_INVALID,
			              "parquet schema: field '%s': parent '%s' is not a struct, list or map",
			              fi->name, f[fi->parent].name);
			goto out;
		}
		if (fi->kind == ICP_PARQUET_DECIMAL &&
		    (fi->precision < 1 || fi->precision > 38 || fi->scale < 0 ||
		     fi->scale > fi->precision)) {
			icp_error_set(err, ICP_ERR_INVALID,
			              "parquet schema: field '%s': bad decimal(%d,%d)", fi->name,
			              fi->precision, fi->scale);
			goto out;
		}
		if (fi->kind == ICP_PARQUET_FIXED && (fi->length < 1 || fi->length > (1 << 24))) {
			icp_error_set(err, ICP_ERR_INVALID, "parquet schema: field '%s': bad fixed(%d)",
			              fi->name, fi->length);
			goto out;
		}
		if (fi->codec >= ICP_CODEC__COUNT) {
			icp_error_set(err, ICP_ERR_INVALID, "parquet schema: field '%s': bad codec %d",
			              fi->name, fi->codec);
			goto out;
		}
		nd->name = icp_strdup(fi->name);
		if (!nd->name) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "parquet schema: out of memory");
			goto out;
		}
		nd->field_id = fi->field_id;
		nd->kind = fi->kind;
		nd->required = fi->required ? 1 : 0;
		nd->precision = fi->precision;
		nd->scale = fi->scale;
		nd->length = fi->kind == ICP_PARQUET_UUID ? 16 : fi->length;
		nd->parent = fi->parent;
		nd->codec = fi->codec;
		nd->dictionary = fi->dictionary;
		if (fi->parent >= 0) {
			pq_node *p = &s->nodes[fi->parent];
			if (last_child[fi->parent] < 0)
				p->first_child = (int)i;
			else
				s->nodes[last_child[fi->parent]].next_sibling = (int)i;
			last_child[fi->parent] = (int)i;
			p->n_children++;
		}
		if (!is_group(fi->kind))
			leaves++;
	}
	for (i = 0; i < n; i++) {
		pq_node *nd = &s->nodes[i];
		int want = nd->kind == ICP_PARQUET_LIST ? 1 : nd->kind == ICP_PARQUET_MAP ? 2 : -1;
		if (nd->kind == ICP_PARQUET_STRUCT && nd->n_children == 0)
			want = 1;
		if (want > 0 && nd->n_children != want) {
			icp_error_set(err, ICP_ERR_INVALID,
			              "parquet schema: field '%s' needs %s", nd->name,
			              nd->kind == ICP_PARQUET_LIST ? "exactly one child (the element)"
			              : nd->kind == ICP_PARQUET_MAP ? "exactly two children (key, value)"
			                                            : "at least one child");
			goto out;
		}
		if (nd->kind == ICP_PARQUET_MAP && !s->nodes[nd->first_child].required) {
			icp_error_set(err, ICP_ERR_INVALID, "parquet schema: map '%s': key must be required",
			              nd->name);
			goto out;
		}
	}
	s->leaf_node = icp_calloc(leaves ? leaves : 1, sizeof(int));
	if (!s->leaf_node) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "parquet schema: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (s->nodes[i].parent < 0)
			number_leaves(s, (int)i, &next);
	s->n_leaves = next;
	rc = ICP_OK;
out:
	icp_free(last_child);
	if (rc != ICP_OK)
		pq_schema_dispose(s);
	return rc;
}

void pq_leaf_physical(const pq_node *nd, int *phys, int *type_len, int *order)
{
	*type_len = 0;
	switch (nd->kind) {
	case ICP_PARQUET_BOOLEAN: *phys = PQ_T_BOOLEAN; *order = PQ_ORD_BOOL; break;
	case ICP_PARQUET_INT:
	case ICP_PARQUET_DATE: *phys = PQ_T_INT32; *order = PQ_ORD_I32; break;
	case ICP_PARQUET_LONG:
	case ICP_PARQUET_TIME:
	case ICP_PARQUET_TIMESTAMP:
	case ICP_PARQUET_TIMESTAMPTZ: *phys = PQ_T_INT64; *order = PQ_ORD_I64; break;
	case ICP_PARQUET_FLOAT: *phys = PQ_T_FLOAT; *order = PQ_ORD_FLOAT; break;
	case ICP_PARQUET_DOUBLE: *phys = PQ_T_DOUBLE; *order = PQ_ORD_DOUBLE; break;
	case ICP_PARQUET_DECIMAL:
		if (nd->precision <= 9) {
			*phys = PQ_T_INT32;
			*order = PQ_ORD_I32;
		} else if (nd->precision <= 18) {
			*phys = PQ_T_INT64;
			*order = PQ_ORD_I64;
		} else {
			*phys = PQ_T_FIXED;
			*type_len = icp_parquet_decimal_bytes(nd->precision);
			*order = PQ_ORD_SBYTES;
		}
		break;
	case ICP_PARQUET_UUID:
	case ICP_PARQUET_FIXED:
		*phys = PQ_T_FIXED;
		*type_len = nd->length;
		*order = PQ_ORD_UBYTES;
		break;
	default: *phys = PQ_T_BYTE_ARRAY; *order = PQ_ORD_UBYTES; break;
	}
}

size_t pq_leaf_path(const pq_schema *s, int node, const char **path, size_t cap,
                    int *max_def, int *max_rep, int *in_repeated)
{
	int chain[64];
	int depth = 0, i;
	size_t n = 0;
	int cur;

	*max_def = *max_rep = *in_repeated = 0;
	for (cur = node; cur >= 0 && depth < 64; cur = s->nodes[cur].parent)
		chain[depth++] = cur;
	for (i = depth - 1; i >= 0; i--) {
		const pq_node *nd = &s->nodes[chain[i]];
		const pq_node *parent = nd->parent >= 0 ? &s->nodes[nd->parent] : NULL;
		const char *name = nd->name;
		if (parent && parent->kind == ICP_PARQUET_LIST)
			name = "element";
		else if (parent && parent->kind == ICP_PARQUET_MAP)
			name = nd == &s->nodes[parent->first_child] ? "key" : "value";
		if (!nd->required)
			(*max_def)++;
		if (n < cap)
			path[n++] = name;
		if (nd->kind == ICP_PARQUET_LIST || nd->kind == ICP_PARQUET_MAP) {
			(*max_def)++;
			(*max_rep)++;
			*in_repeated = 1;
			if (n < cap)
				path[n++] = nd->kind == ICP_PARQUET_LIST ? "list" : "key_value";
		}
	}
	return n;
}

/* SchemaElement fields: 1 type, 2 type_length, 3 repetition_type, 4 name,
 * 5 num_children, 6 converted_type, 7 scale, 8 precision, 9 field_id,
 * 10 logicalType (union: 1 STRING, 2 MAP, 3 LIST, 5 DECIMAL, 6 DATE,
 * 7 TIME, 8 TIMESTAMP, 14 UUID). */
static void logical_empty(pq_thrift *t, int16_t id)
{
	pq_tw_struct_begin(t, 10);
	pq_tw_struct_begin(t, id);
	pq_tw_struct_end(t);
	pq_tw_struct_end(t);
}

static void logical_time(pq_thrift *t, int16_t id, int utc)
{
	pq_tw_struct_begin(t, 10);
	pq_tw_struct_begin(t, id);
	pq_tw_bool(t, 1, utc);
	pq_tw_struct_begin(t, 2);     /* TimeUnit */
	pq_tw_struct_begin(t, 2);     /* MICROS */
	pq_tw_struct_end(t);
	pq_tw_struct_end(t);
	pq_tw_struct_end(t);
	pq_tw_struct_end(t);
}

static void write_node(const pq_schema *s, int node, const char *name, pq_thrift *t);

static void write_group_element(pq_thrift *t, const char *name, int rep, int children,
                                int converted, int logical, int field_id)
{
	pq_tw_elem_struct_begin(t);
	pq_tw_i32(t, 3, rep);
	pq_tw_string(t, 4, name);
	pq_tw_i32(t, 5, children);
	if (converted >= 0)
		pq_tw_i32(t, 6, converted);
	if (field_id > 0)
		pq_tw_i32(t, 9, field_id);
	if (logical > 0)
		logical_empty(t, (int16_t)logical);
	pq_tw_struct_end(t);
}

static void write_node(const pq_schema *s, int node, const char *name, pq_thrift *t)
{
	const pq_node *nd = &s->nodes[node];
	int rep = nd->required ? PQ_REQUIRED : PQ_OPTIONAL;
	int phys, tlen, order, c;

	switch (nd->kind) {
	case ICP_PARQUET_STRUCT:
		write_group_element(t, name, rep, nd->n_children, -1, 0, nd->field_id);
		for (c = nd->first_child; c >= 0; c = s->nodes[c].next_sibling)
			write_node(s, c, s->nodes[c].name, t);
		return;
	case ICP_PARQUET_LIST:
		write_group_element(t, name, rep, 1, PQ_CT_LIST, 3, nd->field_id);
		write_group_element(t, "list", PQ_REPEATED, 1, -1, 0, 0);
		write_node(s, nd->first_child, "element", t);
		return;
	case ICP_PARQUET_MAP:
		write_group_element(t, name, rep, 1, PQ_CT_MAP, 2, nd->field_id);
		write_group_element(t, "key_value", PQ_REPEATED, 2, -1, 0, 0);
		write_node(s, nd->first_child, "key", t);
		write_node(s, s->nodes[nd->first_child].next_sibling, "value", t);
		return;
	default:
		break;
	}
	pq_leaf_physical(nd, &phys, &tlen, &order);
	pq_tw_elem_struct_begin(t);
	pq_tw_i32(t, 1, phys);
	if (phys == PQ_T_FIXED)
		pq_tw_i32(t, 2, tlen);
	pq_tw_i32(t, 3, rep);
	pq_tw_string(t, 4, name);
	switch (nd->kind) {
	case ICP_PARQUET_STRING: pq_tw_i32(t, 6, PQ_CT_UTF8); break;
	case ICP_PARQUET_DATE: pq_tw_i32(t, 6, PQ_CT_DATE); break;
	case ICP_PARQUET_DECIMAL:
		pq_tw_i32(t, 6, PQ_CT_DECIMAL);
		pq_tw_i32(t, 7, nd->scale);
		pq_tw_i32(t, 8, nd->precision);
		break;
	/* TIME_MICROS and TIMESTAMP_MICROS mean "adjusted to UTC" in the
	 * spec's compatibility rules: only timestamptz gets one. */
	case ICP_PARQUET_TIMESTAMPTZ: pq_tw_i32(t, 6, PQ_CT_TIMESTAMP_MICROS); break;
	default: break;
	}
	pq_tw_i32(t, 9, nd->field_id);
	switch (nd->kind) {
	case ICP_PARQUET_STRING: logical_empty(t, 1); break;
	case ICP_PARQUET_DATE: logical_empty(t, 6); break;
	case ICP_PARQUET_UUID: logical_empty(t, 14); break;
	case ICP_PARQUET_TIME: logical_time(t, 7, 0); break;
	case ICP_PARQUET_TIMESTAMP: logical_time(t, 8, 0); break;
	case ICP_PARQUET_TIMESTAMPTZ: logical_time(t, 8, 1); break;
	case ICP_PARQUET_DECIMAL:
		pq_tw_struct_begin(t, 10);
		pq_tw_struct_begin(t, 5);
		pq_tw_i32(t, 1, nd->scale);
		pq_tw_i32(t, 2, nd->precision);
		pq_tw_struct_end(t);
		pq_tw_struct_end(t);
		break;
	default: break;
	}
	pq_tw_struct_end(t);
}

static size_t count_elements(const pq_schema *s, int node)
{
	const pq_node *nd = &s->nodes[node];
	size_t n = 1;
	int c;
	if (nd->kind == ICP_PARQUET_LIST || nd->kind == ICP_PARQUET_MAP)
		n++;
	for (c = nd->first_child; c >= 0; c = s->nodes[c].next_sibling)
		n += count_elements(s, c);
	return n;
}

void pq_schema_write(const pq_schema *s, pq_thrift *t)
{
	size_t i, total = 1, top = 0;
	for (i = 0; i < s->n_nodes; i++) {
		if (s->nodes[i].parent < 0) {
			total += count_elements(s, (int)i);
			top++;
		}
	}
	pq_tw_list_begin(t, 2, TC_STRUCT, total);
	pq_tw_elem_struct_begin(t);
	pq_tw_string(t, 4, "table");
	pq_tw_i32(t, 5, (int32_t)top);
	pq_tw_struct_end(t);
	for (i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].parent < 0)
			write_node(s, (int)i, s->nodes[i].name, t);
}
