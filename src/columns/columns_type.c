/*
 * Column type strings, the wanted schema, and schema evolution decisions.
 *
 * Grammar (whitespace allowed between tokens, names case-insensitive for
 * the keywords, field names kept as written):
 *   type   := prim | "struct<" field ("," field)* ">" | "list<" type ">"
 *           | "map<" "string" "," type ">"
 *   field  := name ":" type        name := [A-Za-z_][A-Za-z0-9_]*
 *   prim   := boolean|int|long|float|double|string|binary|timestamp|date
 *           | timestamptz|time|uuid | "decimal(" P "," S ")"
 *                                       (1 <= P <= 38, 0 <= S <= P)
 * Map keys are JSON member names, hence strings. Nested fields, list
 * elements and map values are optional (JSON null allowed inside).
 */
#include "columns/columns_int.h"

#include <stdio.h>
#include <strings.h>

#define MAX_DEPTH 16

typedef struct tparser {
	const char *s;
	size_t pos;
	icp_error *err;
} tparser;

static void skip_ws(tparser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')
		p->pos++;
}

static int is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int perr(tparser *p, const char *what)
{
	return icp_error_set(p->err, ICP_ERR_INVALID, "at byte %zu: expected %s", p->pos, what);
}

/* Reads a name token into buf; 0 when none. */
static size_t read_name(tparser *p, char *buf, size_t cap)
{
	size_t n = 0;

	skip_ws(p);
	if (!is_name_start(p->s[p->pos]))
		return 0;
	while (is_name_char(p->s[p->pos])) {
		if (n + 1 < cap)
			buf[n] = p->s[p->pos];
		n++;
		p->pos++;
	}
	if (n >= cap)
		return 0;
	buf[n] = '\0';
	return n;
}

static int expect(tparser *p, char c, const char *what)
{
	skip_ws(p);
	if (p->s[p->pos] != c)
		return perr(p, what);
	p->pos++;
	return ICP_OK;
}

static const char *const prims[] = {"boolean",   "int",         "long",   "float",
                                    "double",    "string",      "binary", "timestamp",
                                    "date",      "timestamptz", "time",   "uuid"};

static int parse_type(tparser *p, int depth, icp_ice_type **out);

/* A small unsigned number token; -1 when there is none. */
static long read_uint(tparser *p)
{
	long v = 0;
	int nd = 0;

	skip_ws(p);
	while (p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		if (v < 1000)
			v = v * 10 + (p->s[p->pos] - '0');
		nd++;
		p->pos++;
	}
	return nd ? v : -1;
}

/* "(P,S)" after "decimal"; limits are Iceberg's (38 digits fit 16 bytes). */
static int parse_decimal(tparser *p, icp_ice_type **out)
{
	long prec, scale;
	size_t at;
	int rc;

	if ((rc = expect(p, '(', "'(' after decimal")) != ICP_OK)
		return rc;
	at = (skip_ws(p), p->pos);
	if ((prec = read_uint(p)) < 0)
		return perr(p, "the precision (1..38)");
	if (prec < 1 || prec > 38) {
		p->pos = at;
		return icp_error_set(p->err, ICP_ERR_INVALID,
		                     "at byte %zu: decimal precision %ld is not in 1..38", at, prec);
	}
	if ((rc = expect(p, ',', "',' after the decimal precision")) != ICP_OK)
		return rc;
	at = (skip_ws(p), p->pos);
	if ((scale = read_uint(p)) < 0)
		return perr(p, "the scale (0..precision)");
	if (scale > prec) {
		p->pos = at;
		return icp_error_set(p->err, ICP_ERR_INVALID,
		                     "at byte %zu: decimal scale %ld is larger than the precision %ld",
		                     at, scale, prec);
	}
	if ((rc = expect(p, ')', "')' closing decimal(P,S)")) != ICP_OK)
		return rc;
	if (!(*out = icp_ice_type_new(ICP_ICE_DECIMAL)))
		return icp_error_set(p->err, ICP_ERR_NOMEM, "out of memory");
	(*out)->precision = (int32_t)prec;
	(*out)->scale = (int32_t)scale;
	return ICP_OK;
}

static int parse_struct(tparser *p, int depth, icp_ice_type *st)
{
	char name[128];
	icp_ice_type *ft = NULL;
	size_t i;
	int rc;

	for (;;) {
		size_t at = (skip_ws(p), p->pos);
		if (!read_name(p, name, sizeof(name)))
			return perr(p, "a field name ([A-Za-z_][A-Za-z0-9_]*, < 128 bytes)");
		for (i = 0; i < st->n_fields; i++)
			if (strcmp(st->fields[i].name, name) == 0) {
				p->pos = at;
				return icp_error_set(p->err, ICP_ERR_INVALID,
				                     "at byte %zu: duplicate struct field \"%s\"", at, name);
			}
		if ((rc = expect(p, ':', "':' after the field name")) != ICP_OK)
			return rc;
		if ((rc = parse_type(p, depth + 1, &ft)) != ICP_OK)
			return rc;
		if (icp_ice_type_add_field(st, 0, name, 0, ft) != ICP_OK)
			return icp_error_set(p->err, ICP_ERR_NOMEM, "out of memory");
		skip_ws(p);
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		return expect(p, '>', "',' or '>' in struct<...>");
	}
}

static int parse_type(tparser *p, int depth, icp_ice_type **out)
{
	char word[32];
	icp_ice_type *t = NULL, *sub = NULL;
	size_t i, at;
	int rc = ICP_ERR_INVALID;

	*out = NULL;
	if (depth > MAX_DEPTH)
		return icp_error_set(p->err, ICP_ERR_INVALID, "at byte %zu: types nest deeper than %d",
		                     p->pos, MAX_DEPTH);
	skip_ws(p);
	at = p->pos;
	if (!read_name(p, word, sizeof(word)))
		return perr(p, "a type (boolean, int, long, float, double, string, binary, "
		               "timestamp, timestamptz, date, time, uuid, decimal(P,S), "
		               "struct<..>, list<..>, map<..>)");
	for (i = 0; i < ICP_ARRAY_LEN(prims); i++)
		if (strcasecmp(word, prims[i]) == 0) {
			icp_ice_type prim;
			if (icp_ice_parse_primitive(prims[i], &prim) != ICP_OK ||
			    !(t = icp_ice_type_new(prim.kind)))
				return icp_error_set(p->err, ICP_ERR_NOMEM, "out of memory");
			*out = t;
			return ICP_OK;
		}
	if (strcasecmp(word, "decimal") == 0)
		return parse_decimal(p, out);
	if (strcasecmp(word, "struct") == 0) {
		if (!(t = icp_ice_type_new(ICP_ICE_STRUCT)))
			return icp_error_set(p->err, ICP_ERR_NOMEM, "out of memory");
		if ((rc = expect(p, '<', "'<' after struct")) != ICP_OK ||
		    (rc = parse_struct(p, depth, t)) != ICP_OK)
			goto out;
	} else if (strcasecmp(word, "list") == 0) {
		if (!(t = icp_ice_type_new(ICP_ICE_LIST)))
			return icp_error_set(p->err, ICP_ERR_NOMEM, "out of memory");
		if ((rc = expect(p, '<', "'<' after list")) != ICP_OK ||
		    (rc = parse_type(p, depth + 1, &t->element)) != ICP_OK ||
		    (rc = expect(p, '>', "'>' closing list<...>")) != ICP_OK)
			goto out;
	} else if (strcasecmp(word, "map") == 0) {
		if (!(t = icp_ice_type_new(ICP_ICE_MAP)))
			return icp_error_set(p->err, ICP_ERR_NOMEM, "out of memory");
		if ((rc = expect(p, '<', "'<' after map")) != ICP_OK)
			goto out;
		skip_ws(p);
		at = p->pos;
		if ((rc = parse_type(p, depth + 1, &sub)) != ICP_OK)
			goto out;
		t->key = sub;
		if (sub->kind != ICP_ICE_STRING) {
			rc = icp_error_set(p->err, ICP_ERR_INVALID,
			                   "at byte %zu: map keys must be string (JSON member names)",
			                   at);
			goto out;
		}
		if ((rc = expect(p, ',', "',' after the map key type")) != ICP_OK ||
		    (rc = parse_type(p, depth + 1, &t->value)) != ICP_OK ||
		    (rc = expect(p, '>', "'>' closing map<...>")) != ICP_OK)
			goto out;
	} else {
		p->pos = at;
		return icp_error_set(p->err, ICP_ERR_INVALID, "at byte %zu: unknown type \"%s\"", at,
		                     word);
	}
	*out = t;
	t = NULL;
	rc = ICP_OK;
out:
	icp_ice_type_free(t);
	return rc;
}

int icp_columns_parse_type(const char *text, icp_ice_type **out, icp_error *err)
{
	tparser p = {text ? text : "", 0, err};
	icp_ice_type *t = NULL;
	int rc;

	*out = NULL;
	rc = parse_type(&p, 0, &t);
	if (rc != ICP_OK)
		return rc;
	skip_ws(&p);
	if (p.s[p.pos] != '\0') {
		icp_ice_type_free(t);
		return perr(&p, "the end of the type");
	}
	*out = t;
	return ICP_OK;
}

int icp_columns_type_text(const icp_ice_type *t, icp_buf *out)
{
	char nm[64];
	size_t i;

	switch (t->kind) {
	case ICP_ICE_STRUCT:
		icp_buf_append_str(out, "struct<");
		for (i = 0; i < t->n_fields; i++) {
			if (i)
				icp_buf_append_byte(out, ',');
			icp_buf_append_str(out, t->fields[i].name);
			icp_buf_append_byte(out, ':');
			icp_columns_type_text(t->fields[i].type, out);
		}
		return icp_buf_append_byte(out, '>');
	case ICP_ICE_LIST:
		icp_buf_append_str(out, "list<");
		icp_columns_type_text(t->element, out);
		return icp_buf_append_byte(out, '>');
	case ICP_ICE_MAP:
		icp_buf_append_str(out, "map<");
		icp_columns_type_text(t->key, out);
		icp_buf_append_byte(out, ',');
		icp_columns_type_text(t->value, out);
		return icp_buf_append_byte(out, '>');
	default:
		icp_ice_type_name(t, nm, sizeof(nm));
		return icp_buf_append_str(out, nm);
	}
}

/* ------------------------------------------------------------- schemas */

int icp_columns_defs_from_mapping(const icp_config_mapping *m, icp_columns_def **out,
                                  size_t *n, icp_error *err)
{
	size_t i, k = m->schema.source == ICP_SOURCE_MAPPING ? m->schema.n_columns : 0;

	*n = 0;
	*out = icp_calloc(k ? k : 1, sizeof(**out));
	if (!*out)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (i = 0; i < k; i++) {
		const icp_config_column *c = &m->schema.columns[i];
		(*out)[i].name = c->name;
		(*out)[i].type = c->type_text ? c->type_text
		                              : icp_config_enum_name("mappings.schema.columns.type",
		                                                     c->type);
		(*out)[i].required = c->required;
	}
	*n = k;
	return ICP_OK;
}

/* Ids depth first (columns_int.h). */
void icp_cx_assign_ids(icp_ice_type *t, int32_t *next, int all_optional)
{
	size_t i;

	switch (t->kind) {
	case ICP_ICE_STRUCT:
		for (i = 0; i < t->n_fields; i++) {
			t->fields[i].id = (*next)++;
			icp_cx_assign_ids(t->fields[i].type, next, all_optional);
		}
		break;
	case ICP_ICE_LIST:
		t->element_id = (*next)++;
		if (all_optional)
			t->element_required = 0;
		icp_cx_assign_ids(t->element, next, all_optional);
		break;
	case ICP_ICE_MAP:
		t->key_id = (*next)++;
		t->value_id = (*next)++;
		if (all_optional)
			t->value_required = 0;
		icp_cx_assign_ids(t->key, next, all_optional);
		icp_cx_assign_ids(t->value, next, all_optional);
		break;
	default:
		break;
	}
}

/* Adds a column of type t (owned) with fresh ids above s's highest.
 * all_optional: a parsed type (nested values optional, as the grammar
 * says); a given one (def.itype) keeps its nested requiredness. */
static int add_column(icp_ice_schema *s, const char *name, int required, icp_ice_type *t,
                      int all_optional)
{
	int32_t id = s->highest_field_id + 1, next = id + 1;

	icp_cx_assign_ids(t, &next, all_optional);
	return icp_ice_schema_add_type(s, id, name, required, t);
}

int icp_columns_schema(const icp_columns_def *defs, size_t n, icp_ice_schema **out,
                       icp_error *err)
{
	icp_ice_schema *s = icp_ice_schema_base();
	icp_ice_type *t = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (!s)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		icp_error e;
		icp_error_init(&e);
		if (!defs[i].name || !*defs[i].name) {
			rc = icp_error_set(err, ICP_ERR_INVALID, "column %zu has no name", i);
			goto fail;
		}
		if (icp_ice_schema_find(s, defs[i].name)) {
			rc = icp_error_set(err, ICP_ERR_INVALID,
			                   "column \"%s\" clashes with a base or earlier column",
			                   defs[i].name);
			goto fail;
		}
		if (defs[i].itype) {
			/* built by a decoder module from its own schema */
			if (!(t = icp_ice_type_copy(defs[i].itype))) {
				rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
				goto fail;
			}
			rc = ICP_OK;
		} else {
			rc = icp_columns_parse_type(defs[i].type, &t, &e);
		}
		if (rc != ICP_OK) {
			rc = icp_error_set(err, rc, "column \"%s\": type \"%s\" is not a valid type: %s",
			                   defs[i].name, defs[i].type ? defs[i].type : "",
			                   e.msg);
			goto fail;
		}
		if (add_column(s, defs[i].name, defs[i].required, t, !defs[i].itype) != ICP_OK) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	*out = s;
	return ICP_OK;
fail:
	icp_ice_schema_free(s);
	return rc;
}
