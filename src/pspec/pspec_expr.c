/*
 * Partition expressions ("bucket(16, id)") and building, binding, copying
 * and freeing specs. The grammar is in pspec.h; the parser reads the
 * NUL-terminated text once, left to right, and reports the byte offset of
 * the first thing it cannot accept.
 */
#include "pspec/pspec_int.h"

#include <stdio.h>
#include <strings.h>

/* ----------------------------------------------------------- transforms */

static const struct {
	const char *word;
	icp_pspec_transform t;
} tnames[] = {
	{"identity", ICP_PSPEC_IDENTITY}, {"year", ICP_PSPEC_YEAR},
	{"years", ICP_PSPEC_YEAR},        {"month", ICP_PSPEC_MONTH},
	{"months", ICP_PSPEC_MONTH},      {"day", ICP_PSPEC_DAY},
	{"days", ICP_PSPEC_DAY},          {"hour", ICP_PSPEC_HOUR},
	{"hours", ICP_PSPEC_HOUR},        {"bucket", ICP_PSPEC_BUCKET},
	{"truncate", ICP_PSPEC_TRUNCATE}, {"void", ICP_PSPEC_VOID},
};

/* Name suffixes of Iceberg Java's PartitionSpec.Builder defaults. */
static const char *name_suffix(icp_pspec_transform t)
{
	switch (t) {
	case ICP_PSPEC_BUCKET: return "_bucket";
	case ICP_PSPEC_TRUNCATE: return "_trunc";
	case ICP_PSPEC_YEAR: return "_year";
	case ICP_PSPEC_MONTH: return "_month";
	case ICP_PSPEC_DAY: return "_day";
	case ICP_PSPEC_HOUR: return "_hour";
	case ICP_PSPEC_VOID: return "_null";
	default: return "";
	}
}

static int is_primitive(icp_ice_kind k)
{
	return k >= ICP_ICE_BOOLEAN && k <= ICP_ICE_BINARY;
}

static int is_time(icp_pspec_transform t)
{
	return t == ICP_PSPEC_YEAR || t == ICP_PSPEC_MONTH || t == ICP_PSPEC_DAY ||
	       t == ICP_PSPEC_HOUR;
}

int icp_pspec_transform_allows(icp_pspec_transform t, icp_ice_kind k)
{
	switch (t) {
	case ICP_PSPEC_VOID:
		return 1;
	case ICP_PSPEC_IDENTITY:
		return is_primitive(k);
	case ICP_PSPEC_BUCKET:
		return k == ICP_ICE_INT || k == ICP_ICE_LONG || k == ICP_ICE_DECIMAL ||
		       k == ICP_ICE_DATE || k == ICP_ICE_TIME || k == ICP_ICE_TIMESTAMP ||
		       k == ICP_ICE_TIMESTAMPTZ || k == ICP_ICE_STRING || k == ICP_ICE_UUID ||
		       k == ICP_ICE_FIXED || k == ICP_ICE_BINARY;
	case ICP_PSPEC_TRUNCATE:
		return k == ICP_ICE_INT || k == ICP_ICE_LONG || k == ICP_ICE_DECIMAL ||
		       k == ICP_ICE_STRING || k == ICP_ICE_BINARY;
	case ICP_PSPEC_YEAR:
	case ICP_PSPEC_MONTH:
	case ICP_PSPEC_DAY:
		return k == ICP_ICE_DATE || k == ICP_ICE_TIMESTAMP || k == ICP_ICE_TIMESTAMPTZ;
	case ICP_PSPEC_HOUR:
		return k == ICP_ICE_TIMESTAMP || k == ICP_ICE_TIMESTAMPTZ;
	default:
		return 0;
	}
}

static const char *accepted_types(icp_pspec_transform t)
{
	switch (t) {
	case ICP_PSPEC_BUCKET:
		return "int, long, decimal, date, time, timestamp, timestamptz, string, uuid, "
		       "fixed, binary";
	case ICP_PSPEC_TRUNCATE: return "int, long, decimal, string, binary";
	case ICP_PSPEC_HOUR: return "timestamp, timestamptz";
	default: return "date, timestamp, timestamptz";
	}
}

size_t icp_pspec_transform_text(icp_pspec_transform t, int32_t param, char *buf, size_t cap)
{
	const char *w = NULL;
	int n;

	switch (t) {
	case ICP_PSPEC_IDENTITY: w = "identity"; break;
	case ICP_PSPEC_YEAR: w = "year"; break;
	case ICP_PSPEC_MONTH: w = "month"; break;
	case ICP_PSPEC_DAY: w = "day"; break;
	case ICP_PSPEC_HOUR: w = "hour"; break;
	case ICP_PSPEC_VOID: w = "void"; break;
	case ICP_PSPEC_BUCKET:
		n = snprintf(buf, cap, "bucket[%d]", (int)param);
		return n < 0 ? 0 : (size_t)n;
	case ICP_PSPEC_TRUNCATE:
		n = snprintf(buf, cap, "truncate[%d]", (int)param);
		return n < 0 ? 0 : (size_t)n;
	default:
		if (cap)
			buf[0] = '\0';
		return 0;
	}
	n = snprintf(buf, cap, "%s", w);
	return n < 0 ? 0 : (size_t)n;
}

/* ------------------------------------------------------------- helpers */

void pspec_quote(const char *text, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (cap < 8) {
		if (cap)
			out[0] = '\0';
		return;
	}
	out[o++] = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if (o + 8 >= cap) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}

icp_pspec *pspec_alloc(int32_t spec_id, size_t n)
{
	icp_pspec *s = icp_calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->spec_id = spec_id;
	if (n) {
		s->fields = icp_calloc(n, sizeof(*s->fields));
		if (!s->fields) {
			icp_free(s);
			return NULL;
		}
	}
	s->n_fields = n;
	return s;
}

int pspec_field_set(icp_pspec_field *f, const char *name, size_t name_len,
                    const char *transform_text)
{
	icp_free(f->name);
	icp_free(f->transform_text);
	f->name = icp_strndup(name, name_len);
	f->transform_text = icp_strdup(transform_text);
	return f->name && f->transform_text ? ICP_OK : ICP_ERR_NOMEM;
}

void icp_pspec_free(icp_pspec *spec)
{
	if (!spec)
		return;
	for (size_t i = 0; i < spec->n_fields; i++) {
		icp_free(spec->fields[i].name);
		icp_free(spec->fields[i].transform_text);
	}
	icp_free(spec->fields);
	icp_free(spec);
}

icp_pspec *icp_pspec_copy(const icp_pspec *spec)
{
	icp_pspec *c;

	if (!spec || !(c = pspec_alloc(spec->spec_id, spec->n_fields)))
		return NULL;
	for (size_t i = 0; i < spec->n_fields; i++) {
		const icp_pspec_field *f = &spec->fields[i];
		c->fields[i] = *f;
		c->fields[i].name = NULL;
		c->fields[i].transform_text = NULL;
		if (pspec_field_set(&c->fields[i], f->name, strlen(f->name), f->transform_text)) {
			icp_pspec_free(c);
			return NULL;
		}
	}
	return c;
}

icp_ice_type icp_pspec_result_type(const icp_pspec_field *f)
{
	icp_ice_type t;

	memset(&t, 0, sizeof(t));
	switch (f->transform) {
	case ICP_PSPEC_IDENTITY:
	case ICP_PSPEC_TRUNCATE:
	case ICP_PSPEC_VOID:
		t.kind = f->source_type.kind;
		t.precision = f->source_type.precision;
		t.scale = f->source_type.scale;
		t.length = f->source_type.length;
		break;
	case ICP_PSPEC_UNKNOWN:
		break;
	default:
		t.kind = ICP_ICE_INT;
	}
	return t;
}

/* -------------------------------------------------------------- parser */

typedef struct eparser {
	const char *s;
	size_t pos;
	icp_error *err;
} eparser;

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_word(char c)
{
	unsigned char u = (unsigned char)c;
	return u >= 0x20 && u != 0x7f && !is_blank(c) && c != '(' && c != ')' && c != ',';
}

static void skip(eparser *p)
{
	while (is_blank(p->s[p->pos]))
		p->pos++;
}

static size_t word(eparser *p)
{
	size_t at = p->pos;
	while (is_word(p->s[p->pos]))
		p->pos++;
	return p->pos - at;
}

static int fail(eparser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(eparser *p, const char *fmt, ...)
{
	char q[200], why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pspec_quote(p->s, strlen(p->s), q, sizeof(q));
	return icp_error_set(p->err, ICP_ERR_INVALID, "partition expression %s: %s", q, why);
}

static int syntax(eparser *p, const char *expected)
{
	return fail(p, "syntax error at byte %zu: expected %s", p->pos, expected);
}

static int read_param(eparser *p, icp_pspec_transform t, int32_t *out)
{
	const char *what = t == ICP_PSPEC_BUCKET ? "bucket count" : "truncate width";
	size_t at = p->pos, n = 0;
	uint64_t v = 0;

	while (p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		if (v <= INT32_MAX)
			v = v * 10 + (uint64_t)(p->s[p->pos] - '0');
		p->pos++;
		n++;
	}
	if (n == 0) {
		char exp[96];
		snprintf(exp, sizeof(exp), "the %s (a number, as in %s)", what,
		         t == ICP_PSPEC_BUCKET ? "bucket(16, col)" : "truncate(4, col)");
		return syntax(p, exp);
	}
	if (v == 0 || v > INT32_MAX)
		return fail(p, "%s must be 1..2147483647, got %.*s", what,
		            (int)(n > 24 ? 24 : n), p->s + at);
	*out = (int32_t)v;
	return ICP_OK;
}

int icp_pspec_parse_expr(const char *text, icp_pspec_expr *out, icp_error *err)
{
	eparser p = {text ? text : "", 0, err};
	size_t at, n, i;
	int rc;

	memset(out, 0, sizeof(*out));
	skip(&p);
	at = p.pos;
	if ((n = word(&p)) == 0)
		return syntax(&p, "a column name or a transform");
	skip(&p);
	if (p.s[p.pos] == '\0') {
		out->transform = ICP_PSPEC_IDENTITY;
		out->column = p.s + at;
		out->column_len = n;
		return ICP_OK;
	}
	if (p.s[p.pos] != '(')
		return syntax(&p, "'(' after a transform name, or the end after a column name");
	for (i = 0; i < ICP_ARRAY_LEN(tnames); i++)
		if (strlen(tnames[i].word) == n && strncasecmp(tnames[i].word, p.s + at, n) == 0)
			break;
	if (i == ICP_ARRAY_LEN(tnames))
		return fail(&p, "unknown transform \"%.*s\" at byte %zu (known: identity, year, "
		                "month, day, hour, bucket, truncate, void)",
		            (int)(n > 40 ? 40 : n), p.s + at, at);
	out->transform = tnames[i].t;
	p.pos++;
	skip(&p);
	if (out->transform == ICP_PSPEC_BUCKET || out->transform == ICP_PSPEC_TRUNCATE) {
		if ((rc = read_param(&p, out->transform, &out->param)) != ICP_OK)
			return rc;
		skip(&p);
		if (p.s[p.pos] != ',')
			return syntax(&p, "',' before the column name");
		p.pos++;
		skip(&p);
	}
	at = p.pos;
	if ((n = word(&p)) == 0)
		return syntax(&p, "a column name");
	out->column = p.s + at;
	out->column_len = n;
	skip(&p);
	if (p.s[p.pos] != ')')
		return syntax(&p, "')'");
	p.pos++;
	skip(&p);
	if (p.s[p.pos] != '\0')
		return syntax(&p, "the end after ')'");
	return ICP_OK;
}

/* --------------------------------------------------------------- build */

static const char *kind_text(const icp_ice_type *t, char *buf, size_t cap)
{
	if (icp_ice_type_name(t, buf, cap) == 0)
		snprintf(buf, cap, "%s", t->kind == ICP_ICE_STRUCT ? "struct" :
		                         t->kind == ICP_ICE_LIST ? "list" : "map");
	return buf;
}

/* Checks a new field (index i, columns col) against the ones before it. */
static int check_against(const icp_pspec *s, size_t i, const icp_ice_schema *schema,
                         const char *const *exprs, icp_error *err)
{
	const icp_pspec_field *f = &s->fields[i];
	const icp_ice_field *other;
	char q[200];

	for (size_t j = 0; j < i; j++) {
		const icp_pspec_field *g = &s->fields[j];
		if (g->source_id == f->source_id &&
		    (strcmp(g->transform_text, f->transform_text) == 0 ||
		     (is_time(g->transform) && is_time(f->transform)))) {
			pspec_quote(exprs[j], strlen(exprs[j]), q, sizeof(q));
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "redundant partition: the column is already partitioned "
			                     "by partition_by[%zu] %s", j, q);
		}
		if (strcmp(g->name, f->name) == 0) {
			pspec_quote(f->name, strlen(f->name), q, sizeof(q));
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "partition field name %s is already used by "
			                     "partition_by[%zu]", q, j);
		}
	}
	/* Iceberg Java refuses a partition name that names another column
	 * (identity and void may reuse their own source's name). */
	other = icp_ice_schema_find(schema, f->name);
	if (other && (other->id != f->source_id ||
	              (f->transform != ICP_PSPEC_IDENTITY && f->transform != ICP_PSPEC_VOID))) {
		pspec_quote(f->name, strlen(f->name), q, sizeof(q));
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "partition field name %s is also a column of the table", q);
	}
	return ICP_OK;
}

static int build_field(icp_pspec *s, size_t i, const icp_ice_schema *schema,
                       const char *const *exprs, int32_t field_id, icp_error *err)
{
	icp_pspec_field *f = &s->fields[i];
	const icp_ice_field *col;
	icp_pspec_expr e;
	char *colname = NULL, q[200], tt[32], tn[64];
	icp_buf name;
	int rc, parsed = 0;

	icp_buf_init(&name, 4096);
	if ((rc = icp_pspec_parse_expr(exprs[i], &e, err)) != ICP_OK)
		goto out;
	parsed = 1;
	rc = ICP_ERR_NOMEM;
	if (!(colname = icp_strndup(e.column, e.column_len)))
		goto out;
	pspec_quote(e.column, e.column_len, q, sizeof(q));
	rc = ICP_ERR_INVALID;
	col = icp_ice_schema_find(schema, colname);
	if (!col) {
		icp_error_set(err, rc, "unknown column %s", q);
		goto out;
	}
	if (!is_primitive(col->type->kind)) {
		icp_error_set(err, rc, "column %s is a %s, not a primitive type: only top-level "
		              "primitive columns can be partition sources", q,
		              kind_text(col->type, tn, sizeof(tn)));
		goto out;
	}
	icp_pspec_transform_text(e.transform, e.param, tt, sizeof(tt));
	if (!icp_pspec_transform_allows(e.transform, col->type->kind)) {
		icp_error_set(err, rc, "transform %s does not accept column %s of type %s "
		              "(it accepts %s)", tt, q, kind_text(col->type, tn, sizeof(tn)),
		              accepted_types(e.transform));
		goto out;
	}
	icp_buf_append_str(&name, colname);
	icp_buf_append_str(&name, name_suffix(e.transform));
	if ((rc = name.status) != ICP_OK ||
	    (rc = pspec_field_set(f, (const char *)name.data, name.len, tt)) != ICP_OK) {
		icp_error_set(err, rc, "out of memory");
		goto out;
	}
	f->transform = e.transform;
	f->param = e.param;
	f->source_id = col->id;
	f->field_id = field_id;
	f->source_type = *col->type;
	rc = check_against(s, i, schema, exprs, err);
out:
	if (rc != ICP_OK && parsed) {
		pspec_quote(exprs[i], strlen(exprs[i]), q, sizeof(q));
		icp_error_prefix(err, "partition expression %s", q);
	}
	icp_free(colname);
	icp_buf_dispose(&name);
	return rc;
}

int icp_pspec_build(const icp_ice_schema *schema, const char *const *exprs, size_t n,
                    int32_t spec_id, int32_t last_partition_id, icp_pspec **out,
                    icp_error *err)
{
	icp_pspec *s = NULL;
	int rc = ICP_ERR_NOMEM;

	*out = NULL;
	if (!schema || (n && !exprs))
		return icp_error_set(err, ICP_ERR_INVALID, "pspec: no schema or expressions");
	if ((int64_t)last_partition_id + (int64_t)n > INT32_MAX)
		return icp_error_set(err, ICP_ERR_TOO_LARGE,
		                     "partition field ids would pass 2147483647 (last is %d)",
		                     (int)last_partition_id);
	if (!(s = pspec_alloc(spec_id, n))) {
		icp_error_set(err, rc, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!exprs[i]) {
			rc = icp_error_set(err, ICP_ERR_INVALID, "partition_by[%zu]: missing", i);
			goto out;
		}
		if ((rc = build_field(s, i, schema, exprs, last_partition_id + 1 + (int32_t)i,
		                      err)) != ICP_OK) {
			icp_error_prefix(err, "partition_by[%zu]", i);
			goto out;
		}
	}
	*out = s;
	s = NULL;
	rc = ICP_OK;
out:
	icp_pspec_free(s);
	return rc;
}

/* ---------------------------------------------------------------- bind */

int icp_pspec_bind(icp_pspec *spec, const icp_ice_schema *schema, icp_error *err)
{
	char q[200], tn[64];

	for (size_t i = 0; i < spec->n_fields; i++) {
		icp_pspec_field *f = &spec->fields[i];
		const icp_ice_field *col = NULL;

		pspec_quote(f->name, strlen(f->name), q, sizeof(q));
		if (f->transform == ICP_PSPEC_UNKNOWN)
			return icp_error_set(err, ICP_ERR_UNSUPPORTED,
			                     "partition spec %d field %s: transform \"%s\" is unknown "
			                     "to this processor, and writers must not use it",
			                     (int)spec->spec_id, q, f->transform_text);
		for (size_t j = 0; schema && j < schema->root.n_fields; j++)
			if (schema->root.fields[j].id == f->source_id)
				col = &schema->root.fields[j];
		memset(&f->source_type, 0, sizeof(f->source_type));
		if (f->transform == ICP_PSPEC_VOID && (!col || !is_primitive(col->type->kind)))
			continue;
		if (!col)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "partition spec %d field %s: source-id %d is not a "
			                     "top-level column of the schema", (int)spec->spec_id, q,
			                     (int)f->source_id);
		if (!icp_pspec_transform_allows(f->transform, col->type->kind))
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "partition spec %d field %s: transform %s does not "
			                     "accept column \"%s\" of type %s", (int)spec->spec_id, q,
			                     f->transform_text, col->name,
			                     kind_text(col->type, tn, sizeof(tn)));
		f->source_type = *col->type;
	}
	return ICP_OK;
}
