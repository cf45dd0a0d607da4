/*
 * Reader, part 2: the Parquet schema (a flat pre-order SchemaElement list,
 * each group giving its number of children) turned back into the writer's
 * field array, and each leaf's levels, physical type and value conversion.
 *
 * Layouts accepted (the parquet-format LogicalTypes.md rules):
 *   struct  group { children }
 *   list    group (LIST) { repeated group <any> { <req|opt> element } }
 *           and the legacy two-level forms, where the repeated child is
 *           itself the (required) element: a repeated primitive, a repeated
 *           group of several fields, or one named "array" / "<list>_tuple"
 *   map     group (MAP | MAP_KEY_VALUE) { repeated group <any> { key; value } }
 * The synthetic repeated groups need no field id; every other element does
 * (Iceberg data files carry them): ICP_ERR_UNSUPPORTED otherwise. Levels
 * come from the Parquet repetitions along the path; the field array is
 * then checked with the writer's own schema code, which must derive the
 * same levels (so a batch read here is a batch the writer takes).
 */
#include "parquet/parquet_int.h"

#include <stdarg.h>
#include <stdio.h>

enum {
	CT_UTF8 = 0, CT_MAP = 1, CT_MAP_KV = 2, CT_LIST = 3, CT_ENUM = 4, CT_DECIMAL = 5,
	CT_DATE = 6, CT_TIME_MILLIS = 7, CT_TIME_MICROS = 8, CT_TS_MILLIS = 9, CT_TS_MICROS = 10,
	CT_UINT_8 = 11, CT_UINT_16 = 12, CT_UINT_32 = 13, CT_UINT_64 = 14, CT_INT_8 = 15,
	CT_INT_16 = 16, CT_INT_32 = 17, CT_INT_64 = 18, CT_JSON = 19, CT_BSON = 20
};
enum {
	LT_STRING = 1, LT_MAP = 2, LT_LIST = 3, LT_ENUM = 4, LT_DECIMAL = 5, LT_DATE = 6,
	LT_TIME = 7, LT_TIMESTAMP = 8, LT_INTEGER = 10, LT_JSON = 12, LT_BSON = 13, LT_UUID = 14
};
enum { UNIT_MILLIS = 1, UNIT_MICROS = 2 };

typedef struct sconv {
	icp_parquet_reader *r;
	const pq_selem *el;
	size_t n, pos;
	const char *names[PQ_MAX_DEPTH + 4];
	int16_t rep_def[PQ_MAX_DEPTH + 4];
	icp_error *err;
} sconv;

static const char *path_of(sconv *s, int depth)
{
	icp_buf b;
	const char *p = NULL;
	int i;
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	for (i = 0; i <= depth; i++) {
		if (i)
			icp_buf_append_byte(&b, '.');
		icp_buf_append_str(&b, s->names[i]);
	}
	if (b.status == ICP_OK) {
		char *q = icp_arena_alloc(s->r->meta, b.len + 1);
		if (q) {
			memcpy(q, b.data, b.len);
			q[b.len] = 0;
			p = q;
		}
	}
	icp_buf_dispose(&b);
	return p;
}

static int fail(sconv *s, int status, int depth, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(sconv *s, int status, int depth, const char *fmt, ...)
{
	char msg[512];
	const char *path = depth >= 0 ? path_of(s, depth) : NULL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path)
		return icp_error_set(s->err, status, "parquet reader: %scolumn '%s': %s",
		                     status == ICP_ERR_UNSUPPORTED ? "unsupported: " : "schema: ", path,
		                     msg);
	return icp_error_set(s->err, status, "parquet reader: schema: %s", msg);
}

static int is_leaf(const pq_selem *e)
{
	return e->type >= 0;
}

static int decimal_kind(sconv *s, const pq_selem *e, icp_parquet_field *f, pq_rleaf *lf,
                        int depth)
{
	int p = e->logical == LT_DECIMAL && e->l_precision >= 0 ? e->l_precision : e->precision;
	int sc = e->logical == LT_DECIMAL && e->l_scale >= 0 ? e->l_scale : e->scale;
	if (sc < 0)
		sc = 0;
	if (p < 1 || p > 38 || sc > p)
		return fail(s, ICP_ERR_UNSUPPORTED, depth, "decimal(%d,%d)", p, sc);
	f->kind = ICP_PARQUET_DECIMAL;
	f->precision = p;
	f->scale = sc;
	switch (e->type) {
	case PQ_T_INT32:
		if (p > 18)
			return fail(s, ICP_ERR_UNSUPPORTED, depth, "decimal(%d,%d) in INT32", p, sc);
		lf->conv = p > 9 ? PQ_CV_I32_TO_I64 : PQ_CV_NONE;
		return ICP_OK;
	case PQ_T_INT64:
		if (p > 18)
			return fail(s, ICP_ERR_UNSUPPORTED, depth, "decimal(%d,%d) in INT64", p, sc);
		lf->conv = p <= 9 ? PQ_CV_I64_TO_I32 : PQ_CV_NONE;
		return ICP_OK;
	case PQ_T_FIXED:
		if (p > 18 && e->type_len == icp_parquet_decimal_bytes(p))
			return ICP_OK;
		/* fall through */
	case PQ_T_BYTE_ARRAY:
		lf->conv = PQ_CV_DEC_BYTES;
		return ICP_OK;
	default:
		return fail(s, ICP_ERR_CORRUPT, depth, "DECIMAL annotation on physical type %d",
		            e->type);
	}
}

/* Kind and conversion of a leaf from its physical type and annotations
 * (the logical type wins over the converted type when both are there). */
static int leaf_kind(sconv *s, const pq_selem *e, icp_parquet_field *f, pq_rleaf *lf, int depth)
{
	int lt = e->logical, ct = lt ? -1 : e->converted;

	lf->phys = e->type;
	lf->type_len = 0;
	lf->conv = PQ_CV_NONE;
	if (e->type == PQ_T_FIXED) {
		if (e->type_len < 1 || e->type_len > (1 << 24))
			return fail(s, ICP_ERR_CORRUPT, depth, "FIXED_LEN_BYTE_ARRAY of length %d",
			            e->type_len);
		lf->type_len = e->type_len;
	}
	if (lt == LT_DECIMAL || ct == CT_DECIMAL)
		return decimal_kind(s, e, f, lf, depth);
	switch (e->type) {
	case PQ_T_BOOLEAN:
		if (lt <= 0 && ct < 0) {
			f->kind = ICP_PARQUET_BOOLEAN;
			return ICP_OK;
		}
		break;
	case PQ_T_INT32:
		if (lt == LT_DATE || ct == CT_DATE) {
			f->kind = ICP_PARQUET_DATE;
			return ICP_OK;
		}
		if ((lt == LT_TIME && e->l_unit == UNIT_MILLIS) || ct == CT_TIME_MILLIS) {
			f->kind = ICP_PARQUET_TIME;
			lf->conv = PQ_CV_MILLIS32;
			return ICP_OK;
		}
		if ((lt == LT_INTEGER && e->l_bits <= 32 && (e->l_signed || e->l_bits < 32)) ||
		    ct == CT_INT_8 || ct == CT_INT_16 || ct == CT_INT_32 || ct == CT_UINT_8 ||
		    ct == CT_UINT_16 || (lt <= 0 && ct < 0)) {
			f->kind = ICP_PARQUET_INT;
			return ICP_OK;
		}
		if ((lt == LT_INTEGER && e->l_bits == 32) || ct == CT_UINT_32) {
			f->kind = ICP_PARQUET_LONG;
			lf->conv = PQ_CV_U32_TO_I64;
			return ICP_OK;
		}
		break;
	case PQ_T_INT64:
		if ((lt == LT_TIME && e->l_unit == UNIT_MICROS) || ct == CT_TIME_MICROS) {
			f->kind = ICP_PARQUET_TIME;
			return ICP_OK;
		}
		if (lt == LT_TIMESTAMP && (e->l_unit == UNIT_MICROS || e->l_unit == UNIT_MILLIS)) {
			f->kind = e->l_utc ? ICP_PARQUET_TIMESTAMPTZ : ICP_PARQUET_TIMESTAMP;
			lf->conv = e->l_unit == UNIT_MILLIS ? PQ_CV_MILLIS64 : PQ_CV_NONE;
			return ICP_OK;
		}
		if (ct == CT_TS_MICROS || ct == CT_TS_MILLIS) {
			f->kind = ICP_PARQUET_TIMESTAMPTZ;
			lf->conv = ct == CT_TS_MILLIS ? PQ_CV_MILLIS64 : PQ_CV_NONE;
			return ICP_OK;
		}
		if ((lt == LT_INTEGER && e->l_signed) || ct == CT_INT_64 || (lt <= 0 && ct < 0)) {
			f->kind = ICP_PARQUET_LONG;
			return ICP_OK;
		}
		break;
	case PQ_T_INT96:
		return fail(s, ICP_ERR_UNSUPPORTED, depth, "INT96 values (legacy timestamps)");
	case PQ_T_FLOAT:
	case PQ_T_DOUBLE:
		if (lt <= 0 && ct < 0) {
			f->kind = e->type == PQ_T_FLOAT ? ICP_PARQUET_FLOAT : ICP_PARQUET_DOUBLE;
			return ICP_OK;
		}
		break;
	case PQ_T_BYTE_ARRAY:
		if (lt == LT_STRING || lt == LT_ENUM || lt == LT_JSON || ct == CT_UTF8 ||
		    ct == CT_ENUM || ct == CT_JSON) {
			f->kind = ICP_PARQUET_STRING;
			return ICP_OK;
		}
		if (lt == LT_BSON || ct == CT_BSON || (lt <= 0 && ct < 0)) {
			f->kind = ICP_PARQUET_BINARY;
			return ICP_OK;
		}
		break;
	case PQ_T_FIXED:
		if (lt == LT_UUID && e->type_len == 16) {
			f->kind = ICP_PARQUET_UUID;
			return ICP_OK;
		}
		if (lt <= 0 && ct < 0) {
			f->kind = ICP_PARQUET_FIXED;
			f->length = e->type_len;
			return ICP_OK;
		}
		break;
	default:
		break;
	}
	return fail(s, ICP_ERR_UNSUPPORTED, depth,
	            "physical type %d with logical type %d / converted type %d", e->type, lt,
	            e->converted);
}

static int is_list(const pq_selem *e)
{
	return e->logical == LT_LIST || (e->logical <= 0 && e->converted == CT_LIST);
}

static int is_map(const pq_selem *e)
{
	return e->logical == LT_MAP ||
	       (e->logical <= 0 && (e->converted == CT_MAP || e->converted == CT_MAP_KV));
}

/* Consumes one element (and its subtree) as a field under parent.
 * two_level: the element is a repeated node standing for a list element
 * (it becomes a required field). */
static int visit(sconv *s, int parent, int def, int rep, int depth, int two_level)
{
	icp_parquet_reader *r = s->r;
	const pq_selem *e;
	icp_parquet_field *f;
	int fi, rc, k;

	if (s->pos >= s->n)
		return fail(s, ICP_ERR_CORRUPT, -1, "children run past the %zu elements", s->n);
	if (depth > PQ_MAX_DEPTH)
		return fail(s, ICP_ERR_UNSUPPORTED, -1, "nesting deeper than %d", PQ_MAX_DEPTH);
	e = &s->el[s->pos++];
	s->names[depth] = e->name;
	if (e->rep == PQ_REPEATED) {
		if (!two_level)
			return fail(s, ICP_ERR_UNSUPPORTED, depth,
			            "repeated field outside a LIST or MAP group");
		def++;
		rep++;
		s->rep_def[rep] = (int16_t)def;
	} else if (e->rep == PQ_OPTIONAL) {
		def++;
	}
	if (!e->has_id || e->field_id <= 0)
		return fail(s, ICP_ERR_UNSUPPORTED, depth, "no field id");
	if (is_leaf(e) && e->num_children > 0)
		return fail(s, ICP_ERR_CORRUPT, depth, "primitive with %d children", e->num_children);
	if (!is_leaf(e) && e->num_children <= 0)
		return fail(s, ICP_ERR_UNSUPPORTED, depth, "group without children");
	fi = (int)r->n_fields++;
	f = &r->fields[fi];
	*f = icp_parquet_field_make(e->name, e->field_id, ICP_PARQUET_STRUCT,
	                            two_level || e->rep != PQ_OPTIONAL);
	f->parent = parent;
	if (is_leaf(e)) {
		pq_rleaf *lf = &r->leaves[r->n_leaves];
		if ((rc = leaf_kind(s, e, f, lf, depth)) != ICP_OK)
			return rc;
		lf->field = fi;
		lf->max_def = def;
		lf->max_rep = rep;
		memcpy(lf->rep_def, s->rep_def, sizeof(lf->rep_def));
		if (!(lf->path = path_of(s, depth)))
			return icp_error_set(s->err, ICP_ERR_NOMEM, "parquet reader: out of memory");
		r->n_leaves++;
		return ICP_OK;
	}
	if (is_list(e) || is_map(e)) {
		const pq_selem *c = s->pos < s->n ? &s->el[s->pos] : NULL;
		int map = is_map(e);
		f->kind = map ? ICP_PARQUET_MAP : ICP_PARQUET_LIST;
		if (e->num_children != 1 || !c || c->rep != PQ_REPEATED)
			return fail(s, ICP_ERR_UNSUPPORTED, depth,
			            "%s group whose only child is not a repeated field",
			            map ? "MAP" : "LIST");
		if (map) {
			if (is_leaf(c) || c->num_children != 2)
				return fail(s, ICP_ERR_UNSUPPORTED, depth,
				            "MAP whose repeated group does not hold a key and a value");
		} else if (is_leaf(c) || c->num_children != 1 || strcmp(c->name, "array") == 0 ||
		           (strlen(c->name) == strlen(e->name) + 6 &&
		            strncmp(c->name, e->name, strlen(e->name)) == 0 &&
		            strcmp(c->name + strlen(e->name), "_tuple") == 0)) {
			/* legacy two-level list: the repeated node is the element */
			return visit(s, fi, def, rep, depth + 1, 1);
		}
		/* the synthetic repeated group */
		s->pos++;
		if (depth + 1 > PQ_MAX_DEPTH)
			return fail(s, ICP_ERR_UNSUPPORTED, -1, "nesting deeper than %d", PQ_MAX_DEPTH);
		s->names[depth + 1] = c->name;
		def++;
		rep++;
		s->rep_def[rep] = (int16_t)def;
		for (k = 0; k < c->num_children; k++)
			if ((rc = visit(s, fi, def, rep, depth + 2, 0)) != ICP_OK)
				return rc;
		return ICP_OK;
	}
	for (k = 0; k < e->num_children; k++)
		if ((rc = visit(s, fi, def, rep, depth + 1, 0)) != ICP_OK)
			return rc;
	return ICP_OK;
}

/* The writer's view of the same fields must agree on every leaf. */
static int check_with_writer(icp_parquet_reader *r, icp_error *err)
{
	pq_schema ws;
	icp_error e2;
	size_t i;
	int rc;

	icp_error_init(&e2);
	if (pq_schema_build(&ws, r->fields, r->n_fields, &e2) != ICP_OK)
		return icp_error_set(err, e2.status == ICP_ERR_NOMEM ? ICP_ERR_NOMEM
		                                                      : ICP_ERR_UNSUPPORTED,
		                     "parquet reader: unsupported schema: %s", e2.msg);
	rc = ICP_OK;
	if (ws.n_leaves != r->n_leaves)
		rc = icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                   "parquet reader: unsupported schema: %zu leaves, %zu for the writer",
		                   r->n_leaves, ws.n_leaves);
	for (i = 0; rc == ICP_OK && i < r->n_leaves; i++) {
		const char *path[40];
		int md, mr, inr;
		pq_leaf_path(&ws, ws.leaf_node[i], path, ICP_ARRAY_LEN(path), &md, &mr, &inr);
		if (ws.leaf_node[i] != r->leaves[i].field || md != r->leaves[i].max_def ||
		    mr != r->leaves[i].max_rep)
			rc = icp_error_set(err, ICP_ERR_UNSUPPORTED,
			                   "parquet reader: unsupported: column '%s': levels (%d, %d) "
			                   "differ from the writer's (%d, %d)", r->leaves[i].path,
			                   r->leaves[i].max_def, r->leaves[i].max_rep, md, mr);
	}
	pq_schema_dispose(&ws);
	return rc;
}

int pq_reader_schema(icp_parquet_reader *r, const pq_selem *el, size_t n, icp_error *err)
{
	sconv s;
	int k, rc;

	memset(&s, 0, sizeof(s));
	s.r = r;
	s.el = el;
	s.n = n;
	s.err = err;
	r->fields = icp_calloc(n, sizeof(icp_parquet_field));
	r->leaves = icp_calloc(n, sizeof(pq_rleaf));
	if (!r->fields || !r->leaves)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet reader: out of memory");
	if (is_leaf(&el[0]) || el[0].num_children <= 0)
		return icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                     "parquet reader: unsupported: schema without columns");
	s.pos = 1;
	for (k = 0; k < el[0].num_children; k++)
		if ((rc = visit(&s, -1, 0, 0, 0, 0)) != ICP_OK)
			return rc;
	if (s.pos != n)
		return fail(&s, ICP_ERR_CORRUPT, -1, "%zu elements, the tree holds %zu", n, s.pos);
	return check_with_writer(r, err);
}
