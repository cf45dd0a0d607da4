/*
 * Sort orders of table metadata (spec "Sort Orders"): parsing
 * "sort-orders" and "default-sort-order-id", the accessors, equality, the
 * JSON form, and what a commit's add-sort-order / set-default-sort-order
 * make of them (as Iceberg Java's TableMetadata.Builder does).
 *
 *   {"order-id":1,"fields":[{"transform":"identity","source-id":9,
 *     "direction":"asc","null-order":"nulls-first"}]}
 *
 * An order must parse (ICP_ERR_CORRUPT naming its JSON path otherwise) but
 * is not bound to the schema: a table may keep old orders on dropped
 * columns. Order id 0 is reserved for the unsorted order; a table without
 * "sort-orders" reads as that one order. Transforms stay text: this
 * processor only compares orders and writes them back.
 */
#include "iceberg/iceberg_int.h"

#include <stdio.h>

static int sort_corrupt(icp_error *err, const char *path, const char *what)
{
	return icp_error_set(err, ICP_ERR_CORRUPT, "iceberg metadata: %s %s", path, what);
}

static int parse_field(const icp_json *node, const char *path, icp_ice_sort_field *f,
                       icp_error *err)
{
	const icp_json *ids;
	const char *s;
	int64_t v;

	if (!node || node->type != ICP_JSON_OBJECT)
		return sort_corrupt(err, path, "is not an object");
	if (icp_json_as_str(icp_json_get(node, "transform"), &s, NULL) != ICP_OK || !*s)
		return sort_corrupt(err, path, "has no \"transform\" string");
	if (!(f->transform = icp_strdup(s)))
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg metadata: out of memory");
	ids = icp_json_get(node, "source-ids"); /* v3 writes a list; one source here */
	if (icp_json_get(node, "source-id")) {
		if (icp_json_as_int64(icp_json_get(node, "source-id"), &v) != ICP_OK)
			v = -1;
	} else if (ids && ids->type == ICP_JSON_ARRAY && icp_json_len(ids) == 1) {
		if (icp_json_as_int64(icp_json_at(ids, 0), &v) != ICP_OK)
			v = -1;
	} else {
		v = -1;
	}
	if (v < 0 || v > INT32_MAX)
		return sort_corrupt(err, path, "has no valid \"source-id\"");
	f->source_id = (int32_t)v;
	if (icp_json_as_str(icp_json_get(node, "direction"), &s, NULL) != ICP_OK ||
	    (strcmp(s, "asc") != 0 && strcmp(s, "desc") != 0))
		return sort_corrupt(err, path, "has no \"direction\" asc or desc");
	f->descending = strcmp(s, "desc") == 0;
	if (icp_json_as_str(icp_json_get(node, "null-order"), &s, NULL) != ICP_OK ||
	    (strcmp(s, "nulls-first") != 0 && strcmp(s, "nulls-last") != 0))
		return sort_corrupt(err, path, "has no \"null-order\" nulls-first or nulls-last");
	f->nulls_last = strcmp(s, "nulls-last") == 0;
	return ICP_OK;
}

static int parse_order(const icp_json *node, const char *path, icp_ice_sort_order *o,
                       icp_error *err)
{
	const icp_json *fields;
	char fpath[80];
	int64_t v;
	int rc;

	if (!node || node->type != ICP_JSON_OBJECT)
		return sort_corrupt(err, path, "is not an object");
	if (icp_json_as_int64(icp_json_get(node, "order-id"), &v) != ICP_OK || v < 0 ||
	    v > INT32_MAX)
		return sort_corrupt(err, path, "has no valid \"order-id\"");
	o->order_id = (int32_t)v;
	fields = icp_json_get(node, "fields");
	if (!fields || fields->type != ICP_JSON_ARRAY)
		return sort_corrupt(err, path, "has no \"fields\" array");
	if (fields->u.arr.n &&
	    !(o->fields = icp_calloc(fields->u.arr.n, sizeof(*o->fields))))
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg metadata: out of memory");
	for (size_t i = 0; i < fields->u.arr.n; i++) {
		snprintf(fpath, sizeof(fpath), "%s.fields.%zu", path, i);
		rc = parse_field(&fields->u.arr.items[i], fpath, &o->fields[i], err);
		o->n_fields = i + 1; /* freed with the order, also when half-parsed */
		if (rc != ICP_OK)
			return rc;
	}
	if (o->order_id == 0 && o->n_fields)
		return sort_corrupt(err, path, "has order-id 0, which is reserved for unsorted");
	return ICP_OK;
}

static void order_dispose(icp_ice_sort_order *o)
{
	for (size_t i = 0; i < o->n_fields; i++)
		icp_free(o->fields[i].transform);
	icp_free(o->fields);
	o->fields = NULL;
	o->n_fields = 0;
}

int icp_ice_sort_orders_parse(icp_ice_metadata *m, icp_error *err)
{
	const icp_json *orders = icp_json_get(m->root, "sort-orders");
	const icp_json *def = icp_json_get(m->root, "default-sort-order-id");
	size_t n = 1;
	int64_t v;
	int rc, found = 0;

	if (orders && (orders->type != ICP_JSON_ARRAY || orders->u.arr.n == 0))
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "iceberg metadata: \"sort-orders\" is not a non-empty array");
	if (orders)
		n = orders->u.arr.n;
	m->sort_orders = icp_calloc(n, sizeof(*m->sort_orders));
	if (!m->sort_orders)
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg metadata: out of memory");
	m->max_sort_order_id = 0;
	if (!orders) {
		m->n_sort_orders = 1; /* the unsorted order 0 (calloc'd) */
	}
	for (size_t i = 0; orders && i < n; i++) {
		char path[48];
		icp_ice_sort_order *o = &m->sort_orders[i];
		snprintf(path, sizeof(path), "sort-orders.%zu", i);
		rc = parse_order(&orders->u.arr.items[i], path, o, err);
		m->n_sort_orders = i + 1;
		if (rc != ICP_OK)
			return rc;
		for (size_t k = 0; k < i; k++)
			if (m->sort_orders[k].order_id == o->order_id)
				return icp_error_set(err, ICP_ERR_CORRUPT,
				                     "iceberg metadata: sort order id %d appears twice",
				                     (int)o->order_id);
		if (o->order_id > m->max_sort_order_id)
			m->max_sort_order_id = o->order_id;
	}
	m->default_sort_order_id = 0;
	if (def) {
		if (icp_json_as_int64(def, &v) != ICP_OK || v < 0 || v > INT32_MAX)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg metadata: \"default-sort-order-id\" is not a valid "
			                     "id");
		m->default_sort_order_id = (int32_t)v;
	}
	for (size_t i = 0; i < m->n_sort_orders; i++)
		found |= m->sort_orders[i].order_id == m->default_sort_order_id;
	if (!found)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "iceberg metadata: default-sort-order-id %d is not in "
		                     "\"sort-orders\"",
		                     (int)m->default_sort_order_id);
	return ICP_OK;
}

void icp_ice_sort_orders_free(icp_ice_metadata *m)
{
	for (size_t i = 0; m->sort_orders && i < m->n_sort_orders; i++)
		order_dispose(&m->sort_orders[i]);
	icp_free(m->sort_orders);
	m->sort_orders = NULL;
	m->n_sort_orders = 0;
}

int32_t icp_ice_metadata_default_sort_order_id(const icp_ice_metadata *m)
{
	return m->default_sort_order_id;
}

const icp_ice_sort_order *icp_ice_metadata_sort_orders(const icp_ice_metadata *m, size_t *n)
{
	*n = m->n_sort_orders;
	return m->sort_orders;
}

const icp_ice_sort_order *icp_ice_metadata_sort_order(const icp_ice_metadata *m, int32_t id)
{
	for (size_t i = 0; i < m->n_sort_orders; i++)
		if (m->sort_orders[i].order_id == id)
			return &m->sort_orders[i];
	return NULL;
}

int icp_ice_sort_order_equal(const icp_ice_sort_order *a, const icp_ice_sort_order *b)
{
	if (a->n_fields != b->n_fields)
		return 0;
	for (size_t i = 0; i < a->n_fields; i++) {
		const icp_ice_sort_field *x = &a->fields[i], *y = &b->fields[i];
		if (x->source_id != y->source_id || !!x->descending != !!y->descending ||
		    !!x->nulls_last != !!y->nulls_last || !x->transform || !y->transform ||
		    strcmp(x->transform, y->transform) != 0)
			return 0;
	}
	return 1;
}

int icp_ice_sort_order_write_json(const icp_ice_sort_order *o, int32_t order_id,
                                  icp_json_writer *w)
{
	icp_json_write_begin_object(w);
	icp_json_write_key(w, "order-id");
	icp_json_write_int64(w, order_id);
	icp_json_write_key(w, "fields");
	icp_json_write_begin_array(w);
	for (size_t i = 0; i < o->n_fields; i++) {
		const icp_ice_sort_field *f = &o->fields[i];
		icp_json_write_begin_object(w);
		icp_json_write_key(w, "transform");
		icp_json_write_string(w, f->transform ? f->transform : "identity");
		icp_json_write_key(w, "source-id");
		icp_json_write_int64(w, f->source_id);
		icp_json_write_key(w, "direction");
		icp_json_write_string(w, f->descending ? "desc" : "asc");
		icp_json_write_key(w, "null-order");
		icp_json_write_string(w, f->nulls_last ? "nulls-last" : "nulls-first");
		icp_json_write_end_object(w);
	}
	icp_json_write_end_array(w);
	return icp_json_write_end_object(w);
}

/* 1 when a field with that id is anywhere in t. */
static int type_has_id(const icp_ice_type *t, int32_t id)
{
	if (!t)
		return 0;
	for (size_t i = 0; i < t->n_fields; i++)
		if (t->fields[i].id == id || type_has_id(t->fields[i].type, id))
			return 1;
	if (t->kind == ICP_ICE_LIST)
		return t->element_id == id || type_has_id(t->element, id);
	if (t->kind == ICP_ICE_MAP)
		return t->key_id == id || t->value_id == id || type_has_id(t->key, id) ||
		       type_has_id(t->value, id);
	return 0;
}

int icp_ice_sort_plan(const icp_ice_metadata *base, const icp_ice_commit *c,
                      const icp_ice_schema *schema, int32_t *new_id, int32_t *def,
                      icp_error *err)
{
	const icp_ice_sort_order *add = c->add_sort_order;
	int32_t added = -1;

	*new_id = -1;
	*def = base->default_sort_order_id;
	if (add) {
		for (size_t i = 0; i < add->n_fields; i++) {
			if (!add->fields[i].transform || !*add->fields[i].transform)
				return icp_error_set(err, ICP_ERR_INVALID,
				                     "iceberg commit: add-sort-order: field %zu has no "
				                     "transform", i);
			if (!schema || !type_has_id(&schema->root, add->fields[i].source_id))
				return icp_error_set(err, ICP_ERR_INVALID,
				                     "iceberg commit: add-sort-order: source id %d is not "
				                     "in the current schema",
				                     (int)add->fields[i].source_id);
		}
		for (size_t i = 0; i < base->n_sort_orders && added < 0; i++)
			if (icp_ice_sort_order_equal(&base->sort_orders[i], add))
				added = base->sort_orders[i].order_id;
		if (added < 0) {
			/* 0 is the unsorted order's, whatever the table holds */
			added = add->n_fields ? base->max_sort_order_id + 1 : 0;
			*new_id = added;
		}
	}
	if (!c->set_default_sort_order)
		return ICP_OK;
	if (add) {
		*def = added;
		return ICP_OK;
	}
	if (!icp_ice_metadata_sort_order(base, c->default_sort_order_id))
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "iceberg commit: set-default-sort-order: the table has no sort "
		                     "order %d",
		                     (int)c->default_sort_order_id);
	*def = c->default_sort_order_id;
	return ICP_OK;
}
