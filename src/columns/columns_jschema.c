/*
 * A registry JSON Schema (draft 4..2020-12 keywords that describe data
 * shape) to column definitions, nested types included. Each top-level
 * property becomes a column whose type is written in the column type
 * grammar (columns_type.c), built into a scratch buffer and copied to the
 * caller's arena, so the definitions need no freeing of their own:
 *   integer -> long, number -> double, boolean, string (with
 *   opts.formats: "format" date-time -> timestamptz, date, time, uuid);
 *   object with "properties" -> struct<...> (recursively); object with
 *   only an "additionalProperties" schema -> map<string,V>; array with an
 *   "items" schema -> list<V>; "type": [T, "null"] takes T; "$ref" to
 *   "#/definitions/x" or "#/$defs/x" is followed; oneOf/anyOf with exactly
 *   one branch that is not {"type":"null"} takes that branch.
 * Anything else has no column type and is skipped (a property, or a
 * nested field: the rest of its struct stays): unions of real types,
 * tuple arrays, objects without properties or value schema, other $refs,
 * nested field names outside [A-Za-z_][A-Za-z0-9_]* (the grammar's), and
 * nesting deeper than the grammar's 16 levels. Nested fields are always
 * optional (the grammar's rule; a registry document evolves, and rows
 * written under an older one lack its new required fields).
 */
#include "columns/columns_int.h"

#include <stdio.h>

#define JS_MAX_DEPTH 16

typedef struct js {
	const icp_json *root;
	icp_columns_js_opts o;
	const char *refs[JS_MAX_DEPTH + 2]; /* the $refs being expanded */
	size_t n_refs;
	icp_buf b;
	icp_error *err;
} js;

/* JSON Schema "type": the single non-null type name. */
static const char *js_type(const icp_json *s)
{
	const icp_json *t = icp_json_get(s, "type");
	const char *one = NULL;
	size_t i;

	if (t && t->type == ICP_JSON_STRING)
		return t->u.str.ptr;
	if (!t || t->type != ICP_JSON_ARRAY)
		return NULL;
	for (i = 0; i < t->u.arr.n; i++) {
		const icp_json *it = &t->u.arr.items[i];
		if (it->type != ICP_JSON_STRING)
			return NULL;
		if (strcmp(it->u.str.ptr, "null") == 0)
			continue;
		if (one)
			return NULL; /* a union of two real types: no column type */
		one = it->u.str.ptr;
	}
	return one;
}

static int is_null_schema(const icp_json *s)
{
	const icp_json *t = icp_json_get(s, "type");
	return t && t->type == ICP_JSON_STRING && strcmp(t->u.str.ptr, "null") == 0;
}

/* The single non-null branch of oneOf/anyOf, or NULL. */
static const icp_json *single_branch(const icp_json *s)
{
	static const char *const kw[] = {"oneOf", "anyOf"};
	const icp_json *one = NULL;
	size_t k, i;

	for (k = 0; k < 2; k++) {
		const icp_json *a = icp_json_get(s, kw[k]);
		if (!a)
			continue;
		if (a->type != ICP_JSON_ARRAY || one)
			return NULL;
		for (i = 0; i < a->u.arr.n; i++) {
			if (is_null_schema(&a->u.arr.items[i]))
				continue;
			if (one)
				return NULL;
			one = &a->u.arr.items[i];
		}
	}
	return one;
}

/* "#/definitions/x" or "#/$defs/x" in the document, or NULL. */
static const icp_json *resolve(const js *j, const char *ref)
{
	static const char *const pre[] = {"#/definitions/", "#/$defs/"};
	size_t k, n;

	for (k = 0; k < 2; k++) {
		n = strlen(pre[k]);
		if (strncmp(ref, pre[k], n) == 0 && ref[n] && !strpbrk(ref + n, "/~")) {
			const icp_json *defs = icp_json_get(j->root, k ? "$defs" : "definitions");
			return icp_json_get(defs, ref + n);
		}
	}
	return NULL;
}

static int grammar_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= 128 || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
		if (!alpha && (i == 0 || c < '0' || c > '9'))
			return 0;
	}
	return 1;
}

static const char *string_type(const js *j, const icp_json *s)
{
	static const struct {
		const char *format, *type;
	} fm[] = {{"date-time", "timestamptz"}, {"date", "date"}, {"time", "time"},
	          {"uuid", "uuid"}};
	const icp_json *f = icp_json_get(s, "format");
	size_t i;

	if (j->o.formats && f && f->type == ICP_JSON_STRING)
		for (i = 0; i < ICP_ARRAY_LEN(fm); i++)
			if (strcmp(f->u.str.ptr, fm[i].format) == 0)
				return fm[i].type;
	return "string";
}

static int col(js *j, const icp_json *s, const char *path, int depth);

/* struct<...> of the properties; 1 written, 0 none of them has a type. */
static int object(js *j, const icp_json *props, const char *path, int depth)
{
	char sub[512];
	size_t i, k, mark0 = j->b.len, nf = 0;
	int rc;

	icp_buf_append_str(&j->b, "struct<");
	for (i = 0; i < props->u.obj.n; i++) {
		const icp_json_member *m = &props->u.obj.members[i];
		size_t mark = j->b.len;
		int dup = 0;
		if (!grammar_name(m->key, m->key_len))
			continue;
		for (k = i + 1; k < props->u.obj.n; k++) /* the last one wins */
			dup |= strcmp(props->u.obj.members[k].key, m->key) == 0;
		if (dup)
			continue;
		if (nf)
			icp_buf_append_byte(&j->b, ',');
		icp_buf_append_str(&j->b, m->key);
		icp_buf_append_byte(&j->b, ':');
		snprintf(sub, sizeof(sub), "%s.%s", path, m->key);
		if ((rc = col(j, &m->value, sub, depth + 1)) < 0)
			return rc;
		if (rc == 0) {
			j->b.len = mark;
			continue;
		}
		nf++;
	}
	if (!nf) {
		j->b.len = mark0;
		return 0;
	}
	icp_buf_append_byte(&j->b, '>');
	return 1;
}

/* Appends the column type of schema s; 1 written, 0 no column type
 * (nothing written), < 0 error. */
static int col(js *j, const icp_json *s, const char *path, int depth)
{
	const icp_json *ref, *x;
	const char *t;
	size_t mark = j->b.len, i;
	int rc;

	if (j->b.status) /* stop walking a schema whose text is already too long */
		return icp_error_set(j->err, j->b.status,
		                     j->b.status == ICP_ERR_NOMEM
		                         ? "out of memory"
		                         : "registry schema: property %s: column type longer "
		                           "than 1 MiB", path);
	if (!s || s->type != ICP_JSON_OBJECT || depth > JS_MAX_DEPTH)
		return 0;
	ref = icp_json_get(s, "$ref");
	if (ref && ref->type == ICP_JSON_STRING) {
		const icp_json *target = resolve(j, ref->u.str.ptr);
		if (!target)
			return 0;
		for (i = 0; i < j->n_refs; i++)
			if (strcmp(j->refs[i], ref->u.str.ptr) == 0) {
				if (!j->o.strict_refs)
					return 0;
				return icp_error_set(j->err, ICP_ERR_INVALID,
				                     "registry schema: property %s: $ref \"%s\" is "
				                     "recursive (a column type cannot nest itself)",
				                     path, ref->u.str.ptr);
			}
		if (j->n_refs == ICP_ARRAY_LEN(j->refs))
			return 0; /* a chain of $refs longer than any nesting allowed */
		j->refs[j->n_refs++] = ref->u.str.ptr;
		rc = col(j, target, path, depth);
		j->n_refs--;
		return rc;
	}
	t = js_type(s);
	if (!t) {
		if ((x = single_branch(s)) != NULL)
			return col(j, x, path, depth);
		if (!icp_json_get(s, "properties"))
			return 0;
		t = "object"; /* properties without "type" describe an object */
	}
	if (strcmp(t, "integer") == 0)
		return icp_buf_append_str(&j->b, "long"), 1;
	if (strcmp(t, "number") == 0)
		return icp_buf_append_str(&j->b, "double"), 1;
	if (strcmp(t, "boolean") == 0)
		return icp_buf_append_str(&j->b, "boolean"), 1;
	if (strcmp(t, "string") == 0)
		return icp_buf_append_str(&j->b, string_type(j, s)), 1;
	if (depth >= JS_MAX_DEPTH)
		return 0; /* a container here would nest past the grammar's limit */
	if (strcmp(t, "array") == 0) {
		x = icp_json_get(s, "items");
		icp_buf_append_str(&j->b, "list<");
		rc = col(j, x, path, depth + 1);
		if (rc <= 0) {
			j->b.len = mark;
			return rc;
		}
		icp_buf_append_byte(&j->b, '>');
		return 1;
	}
	if (strcmp(t, "object") == 0) {
		x = icp_json_get(s, "properties");
		if (x && x->type == ICP_JSON_OBJECT && x->u.obj.n)
			return object(j, x, path, depth);
		x = icp_json_get(s, "additionalProperties");
		if (!x || x->type != ICP_JSON_OBJECT)
			return 0;
		icp_buf_append_str(&j->b, "map<string,");
		rc = col(j, x, path, depth + 1);
		if (rc <= 0) {
			j->b.len = mark;
			return rc;
		}
		icp_buf_append_byte(&j->b, '>');
		return 1;
	}
	return 0;
}

int icp_columns_defs_from_json_schema_with(const icp_json *doc, const icp_columns_js_opts *o,
                                           icp_arena *a, icp_columns_def **out, size_t *n,
                                           icp_error *err)
{
	const icp_json *props = icp_json_get(doc, "properties");
	const icp_json *req = icp_json_get(doc, "required");
	size_t i, k = 0, r;
	js j;
	int rc = ICP_OK;

	*out = NULL;
	*n = 0;
	if (!doc || doc->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_INVALID, "registry schema is not a JSON object");
	if (!props)
		return ICP_OK;
	if (props->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "registry schema: \"properties\" is not an object");
	*out = icp_arena_alloc(a, (props->u.obj.n ? props->u.obj.n : 1) * sizeof(**out));
	if (!*out)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	memset(&j, 0, sizeof(j));
	j.root = doc;
	if (o)
		j.o = *o;
	j.err = err;
	icp_buf_init(&j.b, 1 << 20); /* a type text past 1 MiB: out of memory */
	for (i = 0; i < props->u.obj.n; i++) {
		const icp_json_member *mb = &props->u.obj.members[i];
		char *type;
		if (strlen(mb->key) != mb->key_len)
			continue;
		icp_buf_reset(&j.b);
		j.n_refs = 0;
		rc = col(&j, &mb->value, mb->key, 0);
		if (rc >= 0 && j.b.status)
			rc = icp_error_set(err, j.b.status,
			                   "registry schema: property %s: column type longer than 1 MiB",
			                   mb->key);
		if (rc < 0)
			goto out;
		if (rc == 0)
			continue;
		if (icp_buf_append_byte(&j.b, 0) != ICP_OK ||
		    !(type = icp_arena_strdup(a, (const char *)j.b.data))) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
			goto out;
		}
		memset(&(*out)[k], 0, sizeof((*out)[k]));
		(*out)[k].name = mb->key;
		(*out)[k].type = type;
		if (req && req->type == ICP_JSON_ARRAY)
			for (r = 0; r < req->u.arr.n; r++)
				if (req->u.arr.items[r].type == ICP_JSON_STRING &&
				    strcmp(req->u.arr.items[r].u.str.ptr, mb->key) == 0)
					(*out)[k].required = 1;
		k++;
	}
	rc = ICP_OK;
	*n = k;
out:
	icp_buf_dispose(&j.b);
	return rc;
}

int icp_columns_defs_from_json_schema(const icp_json *doc, icp_arena *a,
                                      icp_columns_def **out, size_t *n, icp_error *err)
{
	return icp_columns_defs_from_json_schema_with(doc, NULL, a, out, n, err);
}
