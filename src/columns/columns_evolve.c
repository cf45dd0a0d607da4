/*
 * Schema evolution decisions (docs/internals/columns.md): from a table's
 * current schema to the one a mapping (or a registry schema) wants, field
 * by field, at every depth (struct fields, list elements, map keys and
 * values):
 *   - a wanted field the table lacks is appended to its struct, optional
 *     (the table has rows without it), with fresh ids above the schema's
 *     highest: its own id, then its nested ids depth first;
 *   - a table field the wanted schema lacks stays as it is;
 *   - ids of existing fields never change;
 *   - int->long, float->double, decimal(P,S)->decimal(P',S) with P' > P
 *     (Iceberg's promotions) when widening is allowed;
 *   - with opts.relax_required (registry formats), required becomes
 *     optional when the wanted schema has it optional (never the
 *     reverse: old rows may lack a value); the base columns (ids 1..8)
 *     are the processor's own and keep theirs. A JSON mapping keeps
 *     requiredness as it is;
 *   - anything else (narrowing, a scale change, another kind, a map key
 *     change) is refused naming the table and the field's full path
 *     (`a.b.c`, `<list>.element`, `<map>.key`, `<map>.value`).
 * The copy of cur is changed in place while walking; on a refusal it is
 * dropped, so nothing half-evolved ever leaves this file.
 */
#include "columns/columns_int.h"

#include <stdio.h>

#define PATH_MAX_LEN 512

typedef struct evo {
	const char *table;
	const icp_columns_evolve_opts *o;
	icp_ice_schema *s; /* the copy being evolved: highest_field_id */
	int changed;
	icp_error *err;
} evo;

static void type_str(const icp_ice_type *t, char *buf, size_t cap)
{
	icp_buf b;

	icp_buf_init(&b, 0);
	icp_columns_type_text(t, &b);
	icp_buf_append_byte(&b, 0);
	snprintf(buf, cap, "%s", b.status || !b.data ? "?" : (char *)b.data);
	icp_buf_dispose(&b);
}

static const char *who(const evo *e)
{
	return e->o->wanted_by ? e->o->wanted_by : "the mapping";
}

static int refuse(evo *e, const char *path, const icp_ice_type *h, const icp_ice_type *w,
                  const char *why)
{
	char a[200], b[200];

	type_str(h, a, sizeof(a));
	type_str(w, b, sizeof(b));
	return icp_error_set(e->err, ICP_ERR_INVALID,
	                     "table %s: column %s is %s in the table, %s wants %s: %s", e->table,
	                     path, a, who(e), b, why);
}

static const char only[] = "only int->long, float->double and a larger decimal precision "
                           "with the same scale can be changed";

/* path + "." + name, or name alone at the top. */
static void join(char *out, const char *path, const char *name)
{
	snprintf(out, PATH_MAX_LEN, "%s%s%s", path, *path ? "." : "", name);
}

static int merge(evo *e, const char *path, icp_ice_type *h, const icp_ice_type *w);

/* Fields of w into struct h. top: h is the schema's root. */
static int merge_struct(evo *e, const char *path, icp_ice_type *h, const icp_ice_type *w,
                        int top)
{
	char sub[PATH_MAX_LEN];
	size_t i, j;
	int rc;

	for (i = 0; i < w->n_fields; i++) {
		const icp_ice_field *wf = &w->fields[i];
		icp_ice_field *hf = NULL;
		for (j = 0; j < h->n_fields && !hf; j++)
			if (strcmp(h->fields[j].name, wf->name) == 0)
				hf = &h->fields[j];
		if (!hf) {
			/* new: optional, its id then its nested ids, above all */
			int32_t id = e->s->highest_field_id + 1, next = id + 1;
			icp_ice_type *t = icp_ice_type_copy(wf->type);
			if (!t)
				return icp_error_set(e->err, ICP_ERR_NOMEM, "out of memory");
			icp_cx_assign_ids(t, &next, 0);
			if (icp_ice_type_add_field(h, id, wf->name, 0, t) != ICP_OK)
				return icp_error_set(e->err, ICP_ERR_NOMEM, "out of memory");
			e->s->highest_field_id = next - 1;
			e->changed = 1;
			continue;
		}
		join(sub, path, wf->name);
		if (e->o->relax_required && hf->required && !wf->required &&
		    !(top && hf->id <= 8)) {
			hf->required = 0;
			e->changed = 1;
		}
		if ((rc = merge(e, sub, hf->type, wf->type)) != ICP_OK)
			return rc;
	}
	return ICP_OK;
}

static int widen(evo *e, const char *path, icp_ice_type *h, const icp_ice_type *w)
{
	if (!e->o->allow_widening)
		return refuse(e, path, h, w, "widening needs schema.allow_type_widening: true");
	h->kind = w->kind;
	h->precision = w->precision;
	e->changed = 1;
	return ICP_OK;
}

static int merge(evo *e, const char *path, icp_ice_type *h, const icp_ice_type *w)
{
	char sub[PATH_MAX_LEN];
	int rc;

	if (h->kind != w->kind) {
		if ((h->kind == ICP_ICE_INT && w->kind == ICP_ICE_LONG) ||
		    (h->kind == ICP_ICE_FLOAT && w->kind == ICP_ICE_DOUBLE))
			return widen(e, path, h, w);
		return refuse(e, path, h, w, only);
	}
	switch (h->kind) {
	case ICP_ICE_DECIMAL:
		if (h->precision == w->precision && h->scale == w->scale)
			return ICP_OK;
		/* the unscaled values of old files keep their meaning */
		if (h->scale == w->scale && w->precision > h->precision)
			return widen(e, path, h, w);
		return refuse(e, path, h, w, only);
	case ICP_ICE_FIXED:
		return h->length == w->length ? ICP_OK : refuse(e, path, h, w, only);
	case ICP_ICE_STRUCT:
		return merge_struct(e, path, h, w, 0);
	case ICP_ICE_LIST:
		join(sub, path, "element");
		if (e->o->relax_required && h->element_required && !w->element_required) {
			h->element_required = 0;
			e->changed = 1;
		}
		return merge(e, sub, h->element, w->element);
	case ICP_ICE_MAP:
		join(sub, path, "key");
		/* keys identify entries: no change at all, not even a widening */
		if (!icp_ice_type_equal(h->key, w->key, 1))
			return refuse(e, sub, h->key, w->key, "a map's key type cannot change");
		if ((rc = merge(e, sub, h->key, w->key)) != ICP_OK)
			return rc;
		join(sub, path, "value");
		if (e->o->relax_required && h->value_required && !w->value_required) {
			h->value_required = 0;
			e->changed = 1;
		}
		return merge(e, sub, h->value, w->value);
	default:
		return ICP_OK;
	}
}

int icp_columns_evolve_with(const char *table, const icp_ice_schema *cur,
                            const icp_ice_schema *want, const icp_columns_evolve_opts *o,
                            icp_ice_schema **out, icp_error *err)
{
	icp_columns_evolve_opts none;
	evo e;
	int rc;

	*out = NULL;
	if (!o) {
		memset(&none, 0, sizeof(none));
		o = &none;
	}
	memset(&e, 0, sizeof(e));
	e.table = table;
	e.o = o;
	e.err = err;
	if (!(e.s = icp_ice_schema_copy(cur)))
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	if (e.s->highest_field_id < cur->highest_field_id)
		e.s->highest_field_id = cur->highest_field_id;
	rc = merge_struct(&e, "", &e.s->root, &want->root, 1);
	if (rc != ICP_OK || !e.changed) {
		icp_ice_schema_free(e.s);
		return rc;
	}
	e.s->schema_id = cur->schema_id + 1;
	*out = e.s;
	return ICP_OK;
}

int icp_columns_evolve(const char *table, const icp_ice_schema *cur,
                       const icp_ice_schema *want, int allow_widening,
                       icp_ice_schema **out, icp_error *err)
{
	icp_columns_evolve_opts o;

	memset(&o, 0, sizeof(o));
	o.allow_widening = allow_widening;
	return icp_columns_evolve_with(table, cur, want, &o, out, err);
}
