/*
 * Partition specs as JSON (spec Appendix C "Partition Specs"), spec
 * comparison, and field-id reuse across specs.
 *
 *   {"spec-id": 0, "fields": [
 *      {"name": "ts_day", "transform": "day", "source-id": 4, "field-id": 1000}, ...]}
 *
 * Reading is lenient where the spec lets other writers differ (v1 fields
 * without field-id, v3 source-ids, transforms we do not know, transform
 * names in any case) and strict about shapes: a wrong type or a missing
 * required key is ICP_ERR_CORRUPT naming its JSON path.
 */
#include "pspec/pspec_int.h"

#include <stdio.h>
#include <strings.h>

/* ----------------------------------------------------------------- write */

static int write_fields(const icp_pspec *spec, icp_json_writer *w)
{
	icp_json_write_begin_array(w);
	for (size_t i = 0; i < spec->n_fields; i++) {
		const icp_pspec_field *f = &spec->fields[i];
		icp_json_write_begin_object(w);
		icp_json_write_key(w, "name");
		icp_json_write_string(w, f->name);
		icp_json_write_key(w, "transform");
		icp_json_write_string(w, f->transform_text);
		icp_json_write_key(w, "source-id");
		icp_json_write_int64(w, f->source_id);
		icp_json_write_key(w, "field-id");
		icp_json_write_int64(w, f->field_id);
		icp_json_write_end_object(w);
	}
	return icp_json_write_end_array(w);
}

int icp_pspec_write_fields_json(const icp_pspec *spec, icp_json_writer *w)
{
	return write_fields(spec, w);
}

int icp_pspec_write_json(const icp_pspec *spec, icp_json_writer *w)
{
	icp_json_write_begin_object(w);
	icp_json_write_key(w, "spec-id");
	icp_json_write_int64(w, spec->spec_id);
	icp_json_write_key(w, "fields");
	write_fields(spec, w);
	return icp_json_write_end_object(w);
}

/* ------------------------------------------------------------------ read */

/* Known transform text ("bucket[16]", "Day", ...) to kind and parameter;
 * 0 when not known. Case-insensitive as Iceberg Java reads it. */
static int transform_from_text(const char *s, size_t n, icp_pspec_transform *t,
                               int32_t *param)
{
	static const struct {
		const char *w;
		icp_pspec_transform t;
	} plain[] = {{"identity", ICP_PSPEC_IDENTITY}, {"year", ICP_PSPEC_YEAR},
	             {"month", ICP_PSPEC_MONTH},       {"day", ICP_PSPEC_DAY},
	             {"hour", ICP_PSPEC_HOUR},         {"void", ICP_PSPEC_VOID}};
	size_t i, open = 0;
	uint64_t v = 0;

	*param = 0;
	for (i = 0; i < ICP_ARRAY_LEN(plain); i++)
		if (strlen(plain[i].w) == n && strncasecmp(plain[i].w, s, n) == 0) {
			*t = plain[i].t;
			return 1;
		}
	if (n >= 9 && strncasecmp(s, "bucket[", 7) == 0) {
		*t = ICP_PSPEC_BUCKET;
		open = 7;
	} else if (n >= 11 && strncasecmp(s, "truncate[", 9) == 0) {
		*t = ICP_PSPEC_TRUNCATE;
		open = 9;
	} else {
		return 0;
	}
	if (s[n - 1] != ']' || n - 1 == open)
		return 0;
	for (i = open; i < n - 1; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > INT32_MAX)
			return 0;
	}
	if (v == 0)
		return 0;
	*param = (int32_t)v;
	return 1;
}

typedef struct jctx {
	const char *path; /* prefix, "" for none */
	icp_error *err;
	int bare;         /* a fields array, not a spec object */
} jctx;

static int jfail(const jctx *c, const char *where, const char *what)
{
	return icp_error_set(c->err, ICP_ERR_CORRUPT, "%s%s%s: %s", c->path,
	                     c->path[0] ? "." : "", where, what);
}

static int get_int32(const jctx *c, const icp_json *obj, const char *key, const char *where,
                     int32_t *out)
{
	char at[96];
	int64_t v;

	snprintf(at, sizeof(at), "%s%s%s", where, where[0] ? "." : "", key);
	if (icp_json_as_int64(icp_json_get(obj, key), &v) != ICP_OK || v < INT32_MIN ||
	    v > INT32_MAX)
		return jfail(c, at, "expected a 32-bit int");
	*out = (int32_t)v;
	return ICP_OK;
}

static int read_field(const jctx *c, const icp_json *fj, size_t idx, icp_pspec_field *f)
{
	const icp_json *ids = icp_json_get(fj, "source-ids");
	const char *name, *tt;
	size_t name_len, tt_len;
	char where[64], at[96], canon[32];
	int rc;

	snprintf(where, sizeof(where), c->bare ? "%zu" : "fields.%zu", idx);
	if (!fj || fj->type != ICP_JSON_OBJECT)
		return jfail(c, where, "expected an object");
	snprintf(at, sizeof(at), "%s.name", where);
	if (icp_json_as_str(icp_json_get(fj, "name"), &name, &name_len) != ICP_OK ||
	    name_len == 0 || memchr(name, 0, name_len))
		return jfail(c, at, "expected a non-empty string");
	snprintf(at, sizeof(at), "%s.transform", where);
	if (icp_json_as_str(icp_json_get(fj, "transform"), &tt, &tt_len) != ICP_OK ||
	    tt_len == 0 || memchr(tt, 0, tt_len))
		return jfail(c, at, "expected a non-empty string");
	if (icp_json_get(fj, "source-id")) {
		if ((rc = get_int32(c, fj, "source-id", where, &f->source_id)) != ICP_OK)
			return rc;
	} else {
		snprintf(at, sizeof(at), "%s.source-ids", where);
		if (!ids || ids->type != ICP_JSON_ARRAY || ids->u.arr.n == 0)
			return jfail(c, at, "missing (a field needs source-id or source-ids)");
		{
			int64_t v;
			snprintf(at, sizeof(at), "%s.source-ids.0", where);
			if (icp_json_as_int64(&ids->u.arr.items[0], &v) != ICP_OK ||
			    v < INT32_MIN || v > INT32_MAX)
				return jfail(c, at, "expected a 32-bit int");
			f->source_id = (int32_t)v;
		}
	}
	if (icp_json_get(fj, "field-id")) {
		if ((rc = get_int32(c, fj, "field-id", where, &f->field_id)) != ICP_OK)
			return rc;
	} else {
		/* v1: the reference implementation numbered fields from 1000. */
		f->field_id = 1000 + (int32_t)idx;
	}
	if (transform_from_text(tt, tt_len, &f->transform, &f->param)) {
		icp_pspec_transform_text(f->transform, f->param, canon, sizeof(canon));
		rc = pspec_field_set(f, name, name_len, canon);
	} else {
		char *t = icp_strndup(tt, tt_len);
		rc = t ? pspec_field_set(f, name, name_len, t) : ICP_ERR_NOMEM;
		f->transform = ICP_PSPEC_UNKNOWN;
		icp_free(t);
	}
	/* A v3 multi-argument transform: not something this processor can
	 * apply; its text is kept, its first source id stands for it. */
	if (ids && ids->type == ICP_JSON_ARRAY && ids->u.arr.n > 1 &&
	    !icp_json_get(fj, "source-id"))
		f->transform = ICP_PSPEC_UNKNOWN;
	if (f->transform == ICP_PSPEC_UNKNOWN)
		f->param = 0;
	if (rc != ICP_OK)
		return icp_error_set(c->err, rc, "out of memory");
	return ICP_OK;
}

int icp_pspec_from_json(const icp_json *node, const char *path, icp_pspec **out,
                        icp_error *err)
{
	jctx c = {path ? path : "", err, 0};
	const icp_json *fields = node;
	icp_pspec *s = NULL;
	int32_t spec_id = 0;
	int rc;

	*out = NULL;
	if (node && node->type == ICP_JSON_OBJECT) {
		if (icp_json_get(node, "spec-id") &&
		    (rc = get_int32(&c, node, "spec-id", "", &spec_id)) != ICP_OK)
			return rc;
		if (!icp_json_get(node, "spec-id"))
			return jfail(&c, "spec-id", "missing");
		fields = icp_json_get(node, "fields");
		if (!fields || fields->type != ICP_JSON_ARRAY)
			return jfail(&c, "fields", "expected an array");
	} else if (!node || node->type != ICP_JSON_ARRAY) {
		return icp_error_set(err, ICP_ERR_CORRUPT, "%s: expected a partition spec object "
		                     "or a fields array", c.path[0] ? c.path : "partition spec");
	} else {
		c.bare = 1;
	}
	if (!(s = pspec_alloc(spec_id, fields->u.arr.n)))
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < s->n_fields; i++) {
		if ((rc = read_field(&c, &fields->u.arr.items[i], i, &s->fields[i])) != ICP_OK)
			goto fail;
		for (size_t j = 0; j < i; j++) {
			char where[64];
			snprintf(where, sizeof(where), c.bare ? "%zu.field-id" : "fields.%zu.field-id",
			         i);
			if (s->fields[j].field_id == s->fields[i].field_id) {
				rc = jfail(&c, where, "duplicate partition field id");
				goto fail;
			}
		}
	}
	*out = s;
	return ICP_OK;
fail:
	icp_pspec_free(s);
	return rc;
}

/* ------------------------------------------------------------- compare */

int icp_pspec_equal(const icp_pspec *a, const icp_pspec *b, int with_names)
{
	if (!a || !b || a->n_fields != b->n_fields)
		return 0;
	for (size_t i = 0; i < a->n_fields; i++) {
		const icp_pspec_field *f = &a->fields[i], *g = &b->fields[i];
		if (f->source_id != g->source_id ||
		    strcmp(f->transform_text, g->transform_text) != 0 ||
		    (with_names && strcmp(f->name, g->name) != 0))
			return 0;
	}
	return 1;
}

long icp_pspec_find(const icp_pspec *const *specs, size_t n, const icp_pspec *wanted)
{
	for (size_t i = 0; i < n; i++)
		if (icp_pspec_equal(specs[i], wanted, 1))
			return (long)i;
	return -1;
}

int icp_pspec_assign_field_ids(icp_pspec *wanted, const icp_pspec *const *existing,
                               size_t n_existing, int32_t *last_partition_id,
                               icp_error *err)
{
	int32_t last = *last_partition_id;

	/* New ids go above every id in use, whatever the caller's counter. */
	for (size_t s = 0; s < n_existing; s++)
		for (size_t j = 0; existing[s] && j < existing[s]->n_fields; j++)
			if (existing[s]->fields[j].field_id > last)
				last = existing[s]->fields[j].field_id;
	for (size_t i = 0; i < wanted->n_fields; i++) {
		icp_pspec_field *f = &wanted->fields[i];
		int found = 0;

		/* Newest spec first: the array is in the table's order. */
		for (size_t s = n_existing; s-- > 0 && !found;) {
			const icp_pspec *e = existing[s];
			for (size_t j = 0; e && j < e->n_fields && !found; j++) {
				const icp_pspec_field *g = &e->fields[j];
				if (g->source_id != f->source_id ||
				    strcmp(g->transform_text, f->transform_text) != 0)
					continue;
				found = 1;
				for (size_t k = 0; k < i; k++)
					if (wanted->fields[k].field_id == g->field_id)
						found = 0;
				if (found)
					f->field_id = g->field_id;
			}
		}
		if (found)
			continue;
		if (last == INT32_MAX)
			return icp_error_set(err, ICP_ERR_TOO_LARGE,
			                     "partition field ids would pass 2147483647");
		f->field_id = ++last;
	}
	*last_partition_id = last;
	return ICP_OK;
}
