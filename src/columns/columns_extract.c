/*
 * The extractor: shreds record values into Parquet leaves.
 *
 * The table's extracted columns are compiled into a tree of `tnode`s
 * (pre-order; children listed in `kids`) whose leaves own growable
 * level and value arrays. Per record the value is scanned (columns_json.c),
 * or given as a decoder's tree (add_tree; binary kinds are coerced by
 * columns_binary.c), and walked alongside the tree with the Dremel
 * algorithm:
 *   - def grows by one at each optional node that is present, and by one
 *     at the repeated group of a list/map that has at least one entry;
 *   - rep is 0 for the first entry of a row and, for the next entries of a
 *     list/map, that list's repetition depth.
 * A node that is absent, JSON null or of a kind it cannot take emits a
 * null (def of its parent) into every leaf below it; if it is required the
 * record is invalid and every leaf is rolled back to where the record
 * started. Byte values are kept as (offset, length) in one text buffer and
 * turned into slices just before they go to the writer (the buffer may
 * move while it grows).
 *
 * Rows for several writers: per added row, `starts` keeps, for every leaf,
 * the entry index and the value index where the row begins (one
 * row-major array of 2 * n_leaves uint32 per row: the add already visits
 * every leaf to mark where the record starts, so the mark is that slot
 * and the rollback of an invalid record reads it back). A row's entries
 * and values end where the next row's begin (or at the leaf's end), so
 * _write_rows copies runs of selected rows into scratch arrays kept in
 * the struct (grown, never shrunk) and hands each leaf one batch, as
 * _write does for all rows. _last_value reads the last row of a
 * top-level primitive leaf back from the same arrays. Both, and _write,
 * live in columns_rows.c; the state is in columns_int.h.
 */
#include "columns/columns_int.h"

int icp_cx_grow(void **p, size_t *cap, size_t need, size_t width)
{
	size_t nc;
	void *np;

	if (need <= *cap)
		return ICP_OK;
	nc = *cap ? *cap * 2 : 64;
	while (nc < need)
		nc *= 2;
	np = icp_realloc(*p, nc * width);
	if (!np)
		return ICP_ERR_NOMEM;
	*p = np;
	*cap = nc;
	return ICP_OK;
}

/* ------------------------------------------------------------- compile */

/* Bytes per value as the Parquet writer takes them: decimals up to 9
 * digits are int32, up to 18 int64 (the physical types Iceberg's
 * Parquet mapping asks for), wider ones bytes like uuid. */
static size_t kind_width(const icp_ice_type *t)
{
	switch (t->kind) {
	case ICP_ICE_BOOLEAN: return 1;
	case ICP_ICE_INT: case ICP_ICE_DATE: case ICP_ICE_FLOAT: return 4;
	case ICP_ICE_LONG: case ICP_ICE_DOUBLE: case ICP_ICE_TIMESTAMP: case ICP_ICE_TIMESTAMPTZ:
	case ICP_ICE_TIME:
		return 8;
	case ICP_ICE_DECIMAL:
		return t->precision <= 9 ? 4 : t->precision <= 18 ? 8 : sizeof(boff);
	case ICP_ICE_STRING: case ICP_ICE_BINARY: case ICP_ICE_UUID: case ICP_ICE_FIXED:
		return sizeof(boff);
	default: return 0; /* nothing else is a leaf */
	}
}

/* Adds a node for type t; returns its index in *out. */
static int compile(icp_columns *x, const icp_ice_type *t, int32_t id, int optional,
                   const char *name, int def, int rep, size_t col, size_t *out,
                   icp_error *err)
{
	size_t me, i, kids[2];
	tnode nd;
	int rc;

	memset(&nd, 0, sizeof(nd));
	nd.kind = t->kind;
	nd.optional = optional;
	nd.name = name ? icp_arena_strdup(x->strings, name) : NULL;
	if (name && !nd.name)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	nd.name_len = name ? strlen(name) : 0;
	nd.def_here = def + (optional ? 1 : 0);
	nd.col = col;
	nd.leaf0 = x->n_leaves;
	if (icp_cx_grow((void **)&x->nodes, &x->cap_nodes, x->n_nodes + 1, sizeof(tnode)))
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	me = x->n_nodes++;
	switch (t->kind) {
	case ICP_ICE_STRUCT: {
		size_t first = x->n_kids;
		if (icp_cx_grow((void **)&x->kids, &x->cap_kids, x->n_kids + t->n_fields,
		                sizeof(size_t)))
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		x->n_kids += t->n_fields; /* reserved; filled below */
		for (i = 0; i < t->n_fields; i++) {
			size_t k;
			rc = compile(x, t->fields[i].type, t->fields[i].id, !t->fields[i].required,
			             t->fields[i].name, nd.def_here, rep, col, &k, err);
			if (rc)
				return rc;
			x->kids[first + i] = k;
		}
		nd.kids = first;
		nd.n_kids = t->n_fields;
		break;
	}
	case ICP_ICE_LIST:
	case ICP_ICE_MAP: {
		size_t first = x->n_kids, nk = t->kind == ICP_ICE_LIST ? 1 : 2;
		nd.rep_level = rep + 1;
		if (icp_cx_grow((void **)&x->kids, &x->cap_kids, x->n_kids + nk, sizeof(size_t)))
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		x->n_kids += nk;
		/* entries sit below the repeated group: def_here + 1 */
		if (t->kind == ICP_ICE_LIST) {
			rc = compile(x, t->element, t->element_id, !t->element_required, NULL,
			             nd.def_here + 1, rep + 1, col, &kids[0], err);
		} else {
			rc = compile(x, t->key, t->key_id, 0, NULL, nd.def_here + 1, rep + 1, col,
			             &kids[0], err);
			if (!rc)
				rc = compile(x, t->value, t->value_id, !t->value_required, NULL,
				             nd.def_here + 1, rep + 1, col, &kids[1], err);
		}
		if (rc)
			return rc;
		for (i = 0; i < nk; i++)
			x->kids[first + i] = kids[i];
		nd.kids = first;
		nd.n_kids = nk;
		break;
	}
	default: {
		leaf *l;
		if (!kind_width(t) && !optional)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "required column %s: type %s cannot be filled",
			                     x->names[col], icp_ice_kind_name(t->kind));
		if (icp_cx_grow((void **)&x->leaves, &x->cap_leaves, x->n_leaves + 1, sizeof(leaf)))
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		l = &x->leaves[x->n_leaves++];
		memset(l, 0, sizeof(*l));
		l->field_id = id;
		l->kind = t->kind;
		l->width = kind_width(t);
		l->bytes = t->kind == ICP_ICE_STRING || t->kind == ICP_ICE_BINARY ||
		           t->kind == ICP_ICE_UUID || t->kind == ICP_ICE_FIXED ||
		           (t->kind == ICP_ICE_DECIMAL && t->precision > 18);
		l->precision = t->precision;
		l->scale = t->scale;
		l->length = t->length;
		l->col = col;
		l->max_def = nd.def_here;
		l->max_rep = rep;
		break;
	}
	}
	nd.n_leaves = x->n_leaves - nd.leaf0;
	x->nodes[me] = nd;
	*out = me;
	return ICP_OK;
}

static int keep_field(const char *name, const char *prefix, int include, const char *skip)
{
	int match = prefix && strncmp(name, prefix, strlen(prefix)) == 0;
	if (skip && strcmp(name, skip) == 0)
		return 0;
	return !prefix || match == include;
}

int icp_columns_new(const icp_ice_schema *schema, const icp_ice_schema *want,
                    icp_columns **out, icp_error *err)
{
	return icp_columns_new_subset(schema, want, NULL, 0, out, err);
}

int icp_columns_new_subset(const icp_ice_schema *schema, const icp_ice_schema *want,
                           const char *prefix, int include, icp_columns **out, icp_error *err)
{
	return icp_columns_new_except(schema, want, prefix, include, NULL, out, err);
}

int icp_columns_new_except(const icp_ice_schema *schema, const icp_ice_schema *want,
                           const char *prefix, int include, const char *skip,
                           icp_columns **out, icp_error *err)
{
	icp_columns *x = icp_calloc(1, sizeof(*x));
	size_t i, n = 0;
	int rc = ICP_ERR_NOMEM;

	*out = NULL;
	if (!x)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	icp_buf_init(&x->text, 0);
	icp_buf_init(&x->doc.scratch, 0);
	/* a JSON value is bounded by its size (and 32-bit indices), not by
	 * the decoders' node limit */
	x->doc.max_nodes = UINT32_MAX / 2;
	for (i = 0; i < schema->root.n_fields; i++)
		n += schema->root.fields[i].id > 8 &&
		     keep_field(schema->root.fields[i].name, prefix, include, skip);
	x->tops = icp_calloc(n ? n : 1, sizeof(size_t));
	x->names = icp_calloc(n ? n : 1, sizeof(char *));
	x->coerce_nulls = icp_calloc(n ? n : 1, sizeof(uint64_t));
	x->strings = icp_arena_new(1024);
	if (!x->tops || !x->names || !x->coerce_nulls || !x->strings)
		goto fail;
	for (i = 0; i < schema->root.n_fields; i++) {
		const icp_ice_field *f = &schema->root.fields[i];
		const icp_ice_field *w = want ? icp_ice_schema_find(want, f->name) : NULL;
		size_t c = x->n_tops, idx;
		if (f->id <= 8 || !keep_field(f->name, prefix, include, skip))
			continue;
		if (!(x->names[c] = icp_strdup(f->name)))
			goto fail;
		x->n_tops++;
		rc = compile(x, f->type, f->id, !f->required, x->names[c], 0, 0, c, &idx, err);
		if (rc)
			goto fail;
		/* Required by the mapping although optional in the table: the
		 * record is refused when missing, but the column stays
		 * optional (def levels keep the table's shape). */
		if (w && w->required)
			x->nodes[idx].optional = -1;
		x->tops[c] = idx;
	}
	*out = x;
	return ICP_OK;
fail:
	if (rc == ICP_ERR_NOMEM)
		icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	icp_columns_free(x);
	return rc;
}

int icp_columns_set_format(icp_columns *x, const char *name, icp_columns_format fmt)
{
	size_t i;
	int found = 0;

	for (i = 0; i < x->n_leaves; i++) {
		leaf *l = &x->leaves[i];
		if (strcmp(name, x->names[l->col]) == 0) {
			l->fmt = (int)fmt;
			found = 1;
		}
	}
	return found ? ICP_OK : ICP_ERR_NOT_FOUND;
}

void icp_columns_set_formats(icp_columns *x, const icp_config_mapping *m)
{
	size_t j;

	for (j = 0; m && j < m->schema.n_columns; j++) {
		const icp_config_column *c = &m->schema.columns[j];
		/* the config keeps -1 for an absent key, then the enum order */
		if (c->format >= 0)
			icp_columns_set_format(x, c->name,
			                       (icp_columns_format)(ICP_COLUMNS_FMT_RFC3339 +
			                                            c->format));
	}
}

void icp_columns_free(icp_columns *x)
{
	size_t i;

	if (!x)
		return;
	for (i = 0; i < x->n_leaves; i++) {
		icp_free(x->leaves[i].def);
		icp_free(x->leaves[i].rep);
		icp_free(x->leaves[i].vals);
	}
	for (i = 0; i < x->n_tops; i++)
		icp_free(x->names[i]);
	icp_free(x->names);
	icp_free(x->leaves);
	icp_free(x->nodes);
	icp_free(x->kids);
	icp_free(x->tops);
	icp_free(x->coerce_nulls);
	icp_free(x->slices);
	icp_free(x->starts);
	icp_free(x->sdef);
	icp_free(x->srep);
	icp_free(x->svals);
	icp_arena_free(x->strings);
	icp_buf_dispose(&x->text);
	icp_vt_doc_dispose(&x->doc);
	icp_free(x);
}

size_t icp_columns_count(const icp_columns *x)
{
	return x ? x->n_tops : 0;
}

void icp_columns_begin(icp_columns *x)
{
	size_t i;

	for (i = 0; i < x->n_leaves; i++)
		x->leaves[i].n = x->leaves[i].nv = 0;
	x->n_rows = 0;
	icp_buf_reset(&x->text);
}

/* --------------------------------------------------------------- shred */

static int push(leaf *l, int def, int rep)
{
	if (l->n == l->cap) {
		size_t c = l->cap;
		if (icp_cx_grow((void **)&l->def, &c, l->n + 1, sizeof(int16_t)))
			return ICP_ERR_NOMEM;
		c = l->cap;
		if (icp_cx_grow((void **)&l->rep, &c, l->n + 1, sizeof(int16_t)))
			return ICP_ERR_NOMEM;
		l->cap = c;
	}
	l->def[l->n] = (int16_t)def;
	l->rep[l->n] = (int16_t)rep;
	l->n++;
	return ICP_OK;
}

static void *value_slot(leaf *l)
{
	if (icp_cx_grow((void **)&l->vals, &l->capv, l->nv + 1, l->width))
		return NULL;
	return l->vals + l->width * l->nv++;
}

static int emit_nulls(icp_columns *x, const tnode *nd, int def, int rep)
{
	size_t i;

	for (i = 0; i < nd->n_leaves; i++)
		if (push(&x->leaves[nd->leaf0 + i], def, rep))
			return ICP_ERR_NOMEM;
	return ICP_OK;
}

/* Member of object node o named (k, kl): the last one, as JSON.parse. */
static const cj_node *member(const cj_doc *d, const cj_node *o, const char *k, size_t kl)
{
	const cj_node *found = NULL;
	uint32_t c = (uint32_t)(o - d->nodes) + 1;
	uint32_t i;

	for (i = 0; i < o->n; i++) {
		const cj_node *m = &d->nodes[c];
		if (m->key_len == kl && memcmp(m->key, k, kl) == 0)
			found = m;
		c = m->end;
	}
	return found;
}

/* Coerces a leaf value; 1 stored, 0 null, <0 error. */
static int leaf_value(icp_columns *x, leaf *l, const cj_node *v)
{
	union {
		int64_t l;
		int32_t i;
		double d;
		float f;
		uint8_t b;
	} u;
	uint8_t be[16];
	void *slot;
	size_t at;
	int ok;

	if (v->type > CJ_OBJ) {
		/* a decoder's binary kind (a MAP node is none: 0, wrong kind) */
		boff bo;
		ok = v->type == ICP_VT_MAP ? 0 : icp_cb_leaf(x, l, v, &u, &bo);
		if (ok <= 0)
			return ok;
		if (!(slot = value_slot(l)))
			return ICP_ERR_NOMEM;
		memcpy(slot, l->bytes ? (const void *)&bo : (const void *)&u, l->width);
		return 1;
	}
	switch (l->kind) {
	case ICP_ICE_BOOLEAN: ok = icp_cc_bool(v, &u.b); break;
	case ICP_ICE_INT: ok = icp_cc_int(v, &u.i); break;
	case ICP_ICE_LONG: ok = icp_cc_long(v, &u.l); break;
	case ICP_ICE_FLOAT: ok = icp_cc_float(v, &u.f); break;
	case ICP_ICE_DOUBLE: ok = icp_cc_double(v, &u.d); break;
	case ICP_ICE_DATE: ok = icp_cc_date_fmt(v, l->fmt, &u.i); break;
	case ICP_ICE_TIME: ok = icp_cc_time(v, l->fmt, &u.l); break;
	case ICP_ICE_TIMESTAMP:
	case ICP_ICE_TIMESTAMPTZ: ok = icp_cc_timestamp_fmt(v, l->fmt, &u.l); break;
	case ICP_ICE_DECIMAL:
		if (!icp_cc_decimal(v, l->precision, l->scale, be))
			return 0;
		if (!l->bytes) {
			/* the value is within the precision, so the low bytes hold it */
			if (l->width == 4)
				u.i = (int32_t)icp_load_be32(be + 12);
			else
				u.l = (int64_t)icp_load_be64(be + 8);
			ok = 1;
			break;
		}
		/* FIXED: the minimal width for the precision, big-endian */
		/* fall through */
	case ICP_ICE_STRING:
	case ICP_ICE_BINARY:
	case ICP_ICE_UUID:
	case ICP_ICE_FIXED: {
		boff bo;
		at = x->text.len;
		if (l->kind == ICP_ICE_FIXED) {
			if ((ok = icp_cc_fixed(v, (size_t)l->length, &x->text)) < 0)
				return ok;
		} else if (l->kind == ICP_ICE_STRING) {
			ok = v->type == CJ_STR && icp_buf_append(&x->text, v->s, v->len) == ICP_OK;
		} else if (l->kind == ICP_ICE_BINARY) {
			ok = icp_cc_binary(v, &x->text);
		} else if (l->kind == ICP_ICE_UUID) {
			ok = icp_cc_uuid(v, be) && icp_buf_append(&x->text, be, 16) == ICP_OK;
		} else {
			size_t nb = (size_t)icp_parquet_decimal_bytes(l->precision);
			ok = icp_buf_append(&x->text, be + 16 - nb, nb) == ICP_OK;
		}
		if (x->text.status)
			return ICP_ERR_NOMEM;
		if (!ok)
			return 0;
		bo.off = at;
		bo.len = x->text.len - at;
		if (!(slot = value_slot(l)))
			return ICP_ERR_NOMEM;
		memcpy(slot, &bo, sizeof(bo));
		return 1;
	}
	default: return 0;
	}
	if (!ok)
		return 0;
	if (!(slot = value_slot(l)))
		return ICP_ERR_NOMEM;
	memcpy(slot, &u, l->width);
	return 1;
}

/* 1 shredded, 0 record invalid, <0 error. def: level of the parent. */
static int shred(icp_columns *x, const tnode *nd, const cj_node *v, int def, int rep)
{
	const cj_doc *d = x->cur;
	int rc, kind_ok;
	uint32_t c, i;

	if (!v || v->type == CJ_NULL)
		goto null;
	switch (nd->kind) {
	case ICP_ICE_STRUCT:
		if (v->type != CJ_OBJ)
			goto wrong;
		for (i = 0; i < nd->n_kids; i++) {
			const tnode *k = &x->nodes[x->kids[nd->kids + i]];
			rc = shred(x, k, member(d, v, k->name, k->name_len), nd->def_here, rep);
			if (rc <= 0)
				return rc;
		}
		return 1;
	case ICP_ICE_LIST:
	case ICP_ICE_MAP:
		/* a JSON object's keys are strings: it fills map<string,..> only */
		kind_ok = nd->kind == ICP_ICE_LIST
		              ? v->type == CJ_ARR
		              : v->type == ICP_VT_MAP ||
		                    (v->type == CJ_OBJ &&
		                     x->nodes[x->kids[nd->kids]].kind == ICP_ICE_STRING);
		if (!kind_ok)
			goto wrong;
		if (v->n == 0)
			return emit_nulls(x, nd, nd->def_here, rep) ? ICP_ERR_NOMEM : 1;
		c = (uint32_t)(v - d->nodes) + 1;
		for (i = 0; i < v->n; i++) {
			const cj_node *e = &d->nodes[c];
			int r = i ? nd->rep_level : rep;
			const tnode *k0 = &x->nodes[x->kids[nd->kids]];
			if (nd->kind == ICP_ICE_LIST) {
				rc = shred(x, k0, e, nd->def_here + 1, r);
			} else if (v->type == ICP_VT_MAP) {
				/* a decoder's map: key node, value node; the key is
				 * coerced to the key type like any value */
				rc = shred(x, k0, e, nd->def_here + 1, r);
				c = e->end;
				if (rc > 0)
					rc = shred(x, &x->nodes[x->kids[nd->kids + 1]], &d->nodes[c],
					           nd->def_here + 1, r);
				e = &d->nodes[c];
			} else {
				/* the key: the member name, a required string */
				cj_node key;
				memset(&key, 0, sizeof(key));
				key.type = CJ_STR;
				key.s = e->key;
				key.len = e->key_len;
				rc = shred(x, k0, &key, nd->def_here + 1, r);
				if (rc > 0)
					rc = shred(x, &x->nodes[x->kids[nd->kids + 1]], e,
					           nd->def_here + 1, r);
			}
			if (rc <= 0)
				return rc;
			c = e->end;
		}
		return 1;
	default: {
		leaf *l = &x->leaves[nd->leaf0];
		rc = leaf_value(x, l, v);
		if (rc < 0)
			return rc;
		if (rc == 0)
			goto wrong;
		return push(l, nd->def_here, rep) ? ICP_ERR_NOMEM : 1;
	}
	}
wrong:
	x->coerce_nulls[nd->col]++;
null:
	if (nd->optional <= 0) {
		x->invalid = x->names[nd->col];
		return 0;
	}
	return emit_nulls(x, nd, def, rep) ? ICP_ERR_NOMEM : 1;
}

/* Adds one row from the tree d (root: its OBJ, or NULL for a row of
 * nulls). 1 added, 0 invalid, <0 error. */
static int add_root(icp_columns *x, const cj_doc *d, const cj_node *root)
{
	uint32_t *mark;
	size_t i;
	int rc = 1;

	x->invalid = NULL;
	x->cur = d;
	if (x->n_rows == x->cap_rows) {
		size_t c = x->cap_rows;
		if (icp_cx_grow((void **)&x->starts, &c, x->n_rows + 1,
		         2 * (x->n_leaves ? x->n_leaves : 1) * sizeof(uint32_t)))
			return ICP_ERR_NOMEM;
		x->cap_rows = c;
	}
	/* This row's starts double as the rollback mark. */
	mark = x->starts + 2 * x->n_leaves * x->n_rows;
	for (i = 0; i < x->n_leaves; i++) {
		/* indices are kept in 32 bits: a batch stays far below that */
		if (x->leaves[i].n >= UINT32_MAX || x->leaves[i].nv >= UINT32_MAX)
			return ICP_ERR_TOO_LARGE;
		mark[2 * i] = (uint32_t)x->leaves[i].n;
		mark[2 * i + 1] = (uint32_t)x->leaves[i].nv;
	}
	if (!root)
		x->st.not_object++;
	for (i = 0; i < x->n_tops && rc > 0; i++) {
		const tnode *nd = &x->nodes[x->tops[i]];
		const cj_node *v = root ? member(d, root, nd->name, nd->name_len) : NULL;
		if (nd->optional < 0 && (!v || v->type == CJ_NULL)) {
			x->invalid = x->names[i]; /* required by the mapping */
			rc = 0;
			break;
		}
		rc = shred(x, nd, v, 0, 0);
	}
	if (rc > 0) {
		x->st.rows++;
		x->n_rows++;
		return 1;
	}
	for (i = 0; i < x->n_leaves; i++) {
		x->leaves[i].n = mark[2 * i];
		x->leaves[i].nv = mark[2 * i + 1];
	}
	if (rc == 0)
		x->st.invalid++;
	return rc;
}

int icp_columns_add(icp_columns *x, const uint8_t *value, size_t len, int value_null)
{
	const cj_node *root = NULL;

	if (!value_null) {
		int prc = cj_parse(&x->doc, value, len);
		if (prc == ICP_ERR_NOMEM)
			return ICP_ERR_NOMEM;
		if (prc == ICP_OK && x->doc.nodes[0].type == CJ_OBJ)
			root = &x->doc.nodes[0];
	}
	return add_root(x, &x->doc, root);
}

int icp_columns_add_tree(icp_columns *x, const icp_vt_doc *d)
{
	const cj_node *root = d && d->n > 0 && d->nodes[0].type == CJ_OBJ ? &d->nodes[0] : NULL;

	return add_root(x, d ? d : &x->doc, root);
}

const char *icp_columns_invalid_column(const icp_columns *x)
{
	return x->invalid;
}

void icp_columns_get_stats(const icp_columns *x, icp_columns_stats *out)
{
	*out = x->st;
}

const char *icp_columns_name(const icp_columns *x, size_t i)
{
	return i < x->n_tops ? x->names[i] : NULL;
}

uint64_t icp_columns_coerce_nulls(const icp_columns *x, size_t i)
{
	return i < x->n_tops ? x->coerce_nulls[i] : 0;
}
