/*
 * jsonschema validator: walks one instance against the compiled js_node
 * graph and stops at the first failure.
 *
 * - The instance path is a fixed stack of segments (key or index) in the
 *   walk context; it is formatted into the result only on failure, so a
 *   valid record costs no string work.
 * - Applicators that may legitimately fail inside (anyOf, oneOf, not, if,
 *   contains, propertyNames) run their branches "quiet": failures there
 *   return 0 without touching the result, and the applicator reports its
 *   own failure at its own location.
 * - Hard errors (depth, regex limits, memory) set a sticky status that
 *   every level checks, and are reported even from quiet branches: they
 *   make the outcome unknown, so `not` must not turn them into success.
 * - The only allocation is the PCRE2 match data (plus its backtracking
 *   frames), taken lazily from the caller's scratch arena.
 */
#include "jsonschema/jsonschema_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define JS_DEPTH_CAP 512

typedef struct js_seg {
	const char *key; /* NULL: index */
	size_t len;      /* key length, or the index */
} js_seg;

typedef struct js_vc {
	const icp_jsonschema *v;
	icp_arena *scratch;
	icp_jsonschema_result *res;
	pcre2_match_data *md;
	pcre2_general_context *gtmp;
	int quiet;
	int depth;
	int max_depth;
	int status; /* sticky hard error */
	size_t npath;
	js_seg path[JS_DEPTH_CAP + 1];
} js_vc;

static int validate(js_vc *vc, const js_node *n, const icp_json *inst);

/* ------------------------------------------------------------- results */

static void append_trunc(char *dst, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + n + 1 > cap) {
		n = *len + 4 < cap ? cap - *len - 4 : 0;
		memcpy(dst + *len, s, n);
		*len += n;
		if (*len + 4 <= cap)
			memcpy(dst + *len, "...", 4);
		*len = cap; /* full: later appends do nothing */
		return;
	}
	memcpy(dst + *len, s, n);
	*len += n;
	dst[*len] = 0;
}

static void format_path(const js_vc *vc, char *out, size_t cap)
{
	size_t i, len = 0, j;
	out[0] = 0;
	for (i = 0; i < vc->npath && len < cap; i++) {
		const js_seg *s = &vc->path[i];
		append_trunc(out, cap, &len, "/", 1);
		if (!s->key) {
			char num[24];
			int k = snprintf(num, sizeof(num), "%zu", s->len);
			append_trunc(out, cap, &len, num, (size_t)k);
			continue;
		}
		for (j = 0; j < s->len && len < cap; j++) {
			if (s->key[j] == '~')
				append_trunc(out, cap, &len, "~0", 2);
			else if (s->key[j] == '/')
				append_trunc(out, cap, &len, "~1", 2);
			else
				append_trunc(out, cap, &len, s->key + j, 1);
		}
	}
}

static void fill_result(js_vc *vc, const js_node *n, const char *kw, const char *detail)
{
	icp_jsonschema_result *r = vc->res;
	int k, plain;
	r->valid = 0;
	snprintf(r->keyword, sizeof(r->keyword), "%s", kw);
	format_path(vc, r->instance_path, sizeof(r->instance_path));
	/* "false" (a false schema) and "depth" (a limit) are no keyword of
	 * the schema: the location is the schema itself */
	plain = strcmp(kw, "false") == 0 || strcmp(kw, "depth") == 0;
	k = snprintf(r->schema_path, sizeof(r->schema_path), "%s%s%s", n->path,
	             plain ? "" : "/", plain ? "" : kw);
	if (k < 0 || (size_t)k >= sizeof(r->schema_path))
		memcpy(r->schema_path + sizeof(r->schema_path) - 4, "...", 4);
	snprintf(r->message, sizeof(r->message), "%s: %s (schema %s)",
	         r->instance_path[0] ? r->instance_path : "(root)", detail, r->schema_path);
}

/* Records the first failure (unless quiet) and returns 0. */
__attribute__((format(printf, 4, 5)))
static int report(js_vc *vc, const js_node *n, const char *kw, const char *fmt, ...)
{
	char detail[400];
	va_list ap;
	if (vc->quiet)
		return 0;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	fill_result(vc, n, kw, detail);
	return 0;
}

static int hard(js_vc *vc, const js_node *n, int status, const char *kw, const char *what)
{
	if (vc->status == ICP_OK) {
		vc->status = status;
		fill_result(vc, n, kw, what);
	}
	return 0;
}

static const char *num_text(const icp_json *v, char *buf, size_t cap)
{
	if (v->u.num.raw)
		return v->u.num.raw;
	if (v->type == ICP_JSON_INT)
		snprintf(buf, cap, "%lld", (long long)v->u.num.i);
	else
		snprintf(buf, cap, "%.17g", v->u.num.d);
	return buf;
}

/* --------------------------------------------------------------- types */

static const char *const k_tnames[] = {"null", "boolean", "integer", "number",
                                       "string", "array", "object"};

static unsigned type_bits(const icp_json *v)
{
	switch (v->type) {
	case ICP_JSON_NULL:
		return JS_T_NULL;
	case ICP_JSON_BOOL:
		return JS_T_BOOL;
	case ICP_JSON_INT:
		return JS_T_INTEGER | JS_T_NUMBER;
	case ICP_JSON_DOUBLE:
		return JS_T_NUMBER | (js_is_integer(v) ? JS_T_INTEGER : 0);
	case ICP_JSON_STRING:
		return JS_T_STRING;
	case ICP_JSON_ARRAY:
		return JS_T_ARRAY;
	default:
		return JS_T_OBJECT;
	}
}

static int type_fail(js_vc *vc, const js_node *n, const icp_json *inst)
{
	char want[96];
	size_t len = 0, k;
	if (vc->quiet)
		return 0;
	want[0] = 0;
	for (k = 0; k < ICP_ARRAY_LEN(k_tnames); k++) {
		if (!(n->types & (1u << k)))
			continue;
		if (len)
			append_trunc(want, sizeof(want), &len, " or ", 4);
		append_trunc(want, sizeof(want), &len, k_tnames[k], strlen(k_tnames[k]));
	}
	return report(vc, n, "type", "type %s expected, got %s", want,
	              inst->type == ICP_JSON_INT ? "integer"
	              : inst->type == ICP_JSON_DOUBLE ? "number"
	              : inst->type == ICP_JSON_BOOL   ? "boolean"
	                                              : icp_json_type_name(inst->type));
}

/* ------------------------------------------------------------- regexes */

static void *arena_pm(size_t n, void *d)
{
	return icp_arena_alloc(d, n);
}

static void arena_pf(void *p, void *d)
{
	ICP_UNUSED(p);
	ICP_UNUSED(d); /* the caller's arena reset frees it */
}

/* 1 match, 0 no match (or hard error, see vc->status). */
static int re_match(js_vc *vc, const js_node *n, const char *kw, const js_regex *re,
                    const char *s, size_t len)
{
	int rc;
	if (!vc->md) {
		if (vc->scratch) {
			vc->gtmp = pcre2_general_context_create(arena_pm, arena_pf, vc->scratch);
			vc->md = vc->gtmp ? pcre2_match_data_create(1, vc->gtmp) : NULL;
		} else {
			vc->md = pcre2_match_data_create(1, vc->v->gctx);
		}
		if (!vc->md)
			return hard(vc, n, ICP_ERR_NOMEM, kw, "out of memory for regex matching");
	}
	rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, vc->md, vc->v->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT ||
	    rc == PCRE2_ERROR_NOMEMORY)
		return hard(vc, n, ICP_ERR_TOO_LARGE, kw, "regex backtracking limit hit");
	return 0; /* no match; invalid UTF-8 cannot match either */
}

/* ------------------------------------------------------------- keywords */

static int check_number(js_vc *vc, const js_node *n, const icp_json *inst)
{
	char b[40];
	if (n->minimum && js_num_cmp(inst, n->minimum) < 0)
		return report(vc, n, "minimum", "minimum %s violated",
		              num_text(n->minimum, b, sizeof(b)));
	if (n->maximum && js_num_cmp(inst, n->maximum) > 0)
		return report(vc, n, "maximum", "maximum %s violated",
		              num_text(n->maximum, b, sizeof(b)));
	if (n->xminimum && js_num_cmp(inst, n->xminimum) <= 0)
		return report(vc, n, "exclusiveMinimum", "exclusiveMinimum %s violated",
		              num_text(n->xminimum, b, sizeof(b)));
	if (n->xmaximum && js_num_cmp(inst, n->xmaximum) >= 0)
		return report(vc, n, "exclusiveMaximum", "exclusiveMaximum %s violated",
		              num_text(n->xmaximum, b, sizeof(b)));
	if (n->multiple_of && !js_multiple_of(inst, n->multiple_of))
		return report(vc, n, "multipleOf", "multipleOf %s violated",
		              num_text(n->multiple_of, b, sizeof(b)));
	return 1;
}

static int check_string(js_vc *vc, const js_node *n, const icp_json *inst)
{
	const char *s = inst->u.str.ptr;
	size_t len = inst->u.str.len;
	if (n->min_len >= 0 || n->max_len >= 0) {
		size_t cp = js_utf8_len(s, len);
		if (n->min_len >= 0 && cp < (uint64_t)n->min_len)
			return report(vc, n, "minLength", "minLength %lld violated (length %zu)",
			              (long long)n->min_len, cp);
		if (n->max_len >= 0 && cp > (uint64_t)n->max_len)
			return report(vc, n, "maxLength", "maxLength %lld violated (length %zu)",
			              (long long)n->max_len, cp);
	}
	if (n->pattern && !re_match(vc, n, "pattern", n->pattern, s, len))
		return vc->status ? 0
		                  : report(vc, n, "pattern", "pattern \"%.200s\" not matched",
		                           n->pattern->src);
	if (n->format && !js_format_check(n->format, s, len))
		return report(vc, n, "format", "not a valid %s", n->format_name);
	return 1;
}

static int push_key(js_vc *vc, const char *k, size_t len)
{
	if (vc->npath >= JS_DEPTH_CAP)
		return 0;
	vc->path[vc->npath].key = k;
	vc->path[vc->npath].len = len;
	vc->npath++;
	return 1;
}

static int sub_key(js_vc *vc, const js_node *s, const icp_json *v, const char *k,
                   size_t len)
{
	int ok;
	if (!push_key(vc, k, len))
		return hard(vc, s, ICP_ERR_TOO_LARGE, "depth", "instance nesting too deep");
	ok = validate(vc, s, v);
	vc->npath--;
	return ok;
}

static int sub_idx(js_vc *vc, const js_node *s, const icp_json *v, size_t i)
{
	return sub_key(vc, s, v, NULL, i);
}

static int quiet_valid(js_vc *vc, const js_node *s, const icp_json *v)
{
	int ok;
	vc->quiet++;
	ok = validate(vc, s, v);
	vc->quiet--;
	return ok;
}

typedef struct js_hidx {
	uint64_t h;
	size_t i;
} js_hidx;

static int cmp_hidx(const void *x, const void *y)
{
	const js_hidx *a = x, *b = y;
	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static int unique_fail(js_vc *vc, const js_node *n, size_t j, size_t i)
{
	return report(vc, n, "uniqueItems", "uniqueItems violated (items %zu and %zu are equal)",
	              j, i);
}

/* Small arrays: pairwise. Large ones (untrusted records may hold 10^5
 * items): sort by a hash consistent with equality and compare only within
 * runs of equal hashes, with the index table in the scratch arena (or a
 * temporary heap block without one). */
static int check_unique(js_vc *vc, const js_node *n, const icp_json *it, size_t cnt)
{
	size_t i, j, bytes;
	js_hidx *t;
	int ok = 1;
	if (cnt <= 32) {
		for (i = 1; i < cnt; i++)
			for (j = 0; j < i; j++)
				if (js_equal(&it[i], &it[j]))
					return unique_fail(vc, n, j, i);
		return 1;
	}
	if (icp_mul_size(cnt, sizeof(*t), &bytes) != 0)
		return hard(vc, n, ICP_ERR_TOO_LARGE, "uniqueItems", "array too large");
	t = vc->scratch ? icp_arena_alloc(vc->scratch, bytes) : icp_malloc(bytes);
	if (!t)
		return hard(vc, n, ICP_ERR_NOMEM, "uniqueItems", "out of memory");
	for (i = 0; i < cnt; i++) {
		t[i].h = js_hash(&it[i]);
		t[i].i = i;
	}
	qsort(t, cnt, sizeof(*t), cmp_hidx);
	for (i = 0; i < cnt && ok; i++)
		for (j = i + 1; j < cnt && t[j].h == t[i].h && ok; j++)
			if (js_equal(&it[t[i].i], &it[t[j].i]))
				ok = unique_fail(vc, n, t[i].i, t[j].i);
	if (!vc->scratch)
		icp_free(t);
	return ok;
}

static int check_array(js_vc *vc, const js_node *n, const icp_json *inst)
{
	size_t i, cnt = inst->u.arr.n, hits = 0;
	const icp_json *it = inst->u.arr.items;
	if (n->min_items >= 0 && cnt < (uint64_t)n->min_items)
		return report(vc, n, "minItems", "minItems %lld violated (%zu items)",
		              (long long)n->min_items, cnt);
	if (n->max_items >= 0 && cnt > (uint64_t)n->max_items)
		return report(vc, n, "maxItems", "maxItems %lld violated (%zu items)",
		              (long long)n->max_items, cnt);
	if (n->unique && cnt > 1 && !check_unique(vc, n, it, cnt))
		return 0;
	for (i = 0; i < cnt; i++) {
		const js_node *s = i < n->prefix.n ? n->prefix.v[i] : n->items;
		if (s && !sub_idx(vc, s, &it[i], i))
			return 0;
	}
	if (n->contains) {
		for (i = 0; i < cnt; i++) {
			if (quiet_valid(vc, n->contains, &it[i]))
				hits++;
			else if (vc->status)
				return 0;
		}
		if (hits < (uint64_t)n->min_contains) {
			if (n->min_contains == 1)
				return report(vc, n, "contains", "contains: no item matches");
			return report(vc, n, "minContains", "minContains %lld violated (%zu match)",
			              (long long)n->min_contains, hits);
		}
		if (n->max_contains >= 0 && hits > (uint64_t)n->max_contains)
			return report(vc, n, "maxContains", "maxContains %lld violated (%zu match)",
			              (long long)n->max_contains, hits);
	}
	return 1;
}

static int check_object(js_vc *vc, const js_node *n, const icp_json *inst)
{
	size_t i, j, cnt = inst->u.obj.n;
	const icp_json_member *mem = inst->u.obj.members;
	if (n->min_props >= 0 && cnt < (uint64_t)n->min_props)
		return report(vc, n, "minProperties", "minProperties %lld violated",
		              (long long)n->min_props);
	if (n->max_props >= 0 && cnt > (uint64_t)n->max_props)
		return report(vc, n, "maxProperties", "maxProperties %lld violated",
		              (long long)n->max_props);
	for (i = 0; i < n->n_required; i++)
		if (!icp_json_get_n(inst, n->required[i].ptr, n->required[i].len))
			return report(vc, n, "required", "required property \"%.*s\" missing",
			              (int)(n->required[i].len > 100 ? 100 : n->required[i].len),
			              n->required[i].ptr);
	for (i = 0; i < n->n_dep_req; i++) {
		const js_depreq *d = &n->dep_req[i];
		if (!icp_json_get_n(inst, d->name.ptr, d->name.len))
			continue;
		for (j = 0; j < d->n; j++)
			if (!icp_json_get_n(inst, d->required[j].ptr, d->required[j].len))
				return report(vc, n, vc->v->draft == ICP_JSONSCHEMA_DRAFT_07
				                         ? "dependencies" : "dependentRequired",
				              "property \"%.*s\" required by \"%.*s\" missing",
				              (int)(d->required[j].len > 100 ? 100 : d->required[j].len),
				              d->required[j].ptr,
				              (int)(d->name.len > 100 ? 100 : d->name.len), d->name.ptr);
	}
	for (i = 0; i < cnt; i++) {
		const icp_json_member *m = &mem[i];
		int matched = 0;
		for (j = 0; j < n->n_props; j++) {
			const js_prop *p = &n->props[j];
			if (p->len == m->key_len && memcmp(p->name, m->key, p->len) == 0) {
				matched = 1;
				if (!sub_key(vc, p->schema, &m->value, m->key, m->key_len))
					return 0;
			}
		}
		for (j = 0; j < n->n_pprops; j++) {
			if (re_match(vc, n, "patternProperties", n->pprops[j].re, m->key,
			             m->key_len)) {
				matched = 1;
				if (!sub_key(vc, n->pprops[j].schema, &m->value, m->key, m->key_len))
					return 0;
			} else if (vc->status) {
				return 0;
			}
		}
		if (!matched && n->addl_props) {
			if (n->addl_props->boolean == 0)
				return report(vc, n, "additionalProperties",
				              "additional property \"%.*s\" not allowed",
				              (int)(m->key_len > 100 ? 100 : m->key_len), m->key);
			if (!sub_key(vc, n->addl_props, &m->value, m->key, m->key_len))
				return 0;
		}
		if (n->prop_names) {
			icp_json name;
			name.type = ICP_JSON_STRING;
			name.u.str.ptr = m->key;
			name.u.str.len = m->key_len;
			if (!quiet_valid(vc, n->prop_names, &name))
				return vc->status ? 0
				                  : report(vc, n, "propertyNames",
				                           "property name \"%.*s\" invalid",
				                           (int)(m->key_len > 100 ? 100 : m->key_len),
				                           m->key);
		}
	}
	for (i = 0; i < n->n_dep_schemas; i++) {
		const js_prop *p = &n->dep_schemas[i];
		if (icp_json_get_n(inst, p->name, p->len) && !validate(vc, p->schema, inst))
			return 0;
	}
	return 1;
}

static int check_applicators(js_vc *vc, const js_node *n, const icp_json *inst)
{
	size_t i, hits = 0, first = 0;
	for (i = 0; i < n->all_of.n; i++)
		if (!validate(vc, n->all_of.v[i], inst))
			return 0;
	if (n->any_of.n) {
		for (i = 0; i < n->any_of.n && !hits; i++)
			hits = (size_t)quiet_valid(vc, n->any_of.v[i], inst);
		if (vc->status)
			return 0;
		if (!hits)
			return report(vc, n, "anyOf", "anyOf: no subschema matched");
	}
	if (n->one_of.n) {
		hits = 0;
		for (i = 0; i < n->one_of.n; i++) {
			if (quiet_valid(vc, n->one_of.v[i], inst)) {
				if (hits++ == 0)
					first = i;
				else
					return report(vc, n, "oneOf",
					              "oneOf: subschemas %zu and %zu both matched", first,
					              i);
			} else if (vc->status) {
				return 0;
			}
		}
		if (!hits)
			return report(vc, n, "oneOf", "oneOf: no subschema matched");
	}
	if (n->not_) {
		int ok = quiet_valid(vc, n->not_, inst);
		if (vc->status)
			return 0;
		if (ok)
			return report(vc, n, "not", "not: value matches the subschema");
	}
	if (n->if_) {
		int ok = quiet_valid(vc, n->if_, inst);
		if (vc->status)
			return 0;
		if (ok && n->then_)
			return validate(vc, n->then_, inst);
		if (!ok && n->else_)
			return validate(vc, n->else_, inst);
	}
	return 1;
}

static int validate(js_vc *vc, const js_node *n, const icp_json *inst)
{
	int ok = 0;
	size_t i;
	if (vc->status)
		return 0;
	if (n->boolean >= 0)
		return n->boolean ? 1 : report(vc, n, "false", "no value allowed (false schema)");
	if (++vc->depth > vc->max_depth) {
		hard(vc, n, ICP_ERR_TOO_LARGE, "depth", "validation depth limit exceeded");
		goto out;
	}
	if (n->ref && !validate(vc, n->ref, inst))
		goto out;
	if (n->types && !(type_bits(inst) & n->types)) {
		type_fail(vc, n, inst);
		goto out;
	}
	if (n->const_ && !js_equal(inst, n->const_)) {
		report(vc, n, "const", "value does not equal const");
		goto out;
	}
	if (n->enum_) {
		for (i = 0; i < n->enum_->u.arr.n; i++)
			if (js_equal(inst, &n->enum_->u.arr.items[i]))
				break;
		if (i == n->enum_->u.arr.n) {
			report(vc, n, "enum", "value not in enum");
			goto out;
		}
	}
	switch (inst->type) {
	case ICP_JSON_INT:
	case ICP_JSON_DOUBLE:
		ok = check_number(vc, n, inst);
		break;
	case ICP_JSON_STRING:
		ok = check_string(vc, n, inst);
		break;
	case ICP_JSON_ARRAY:
		ok = check_array(vc, n, inst);
		break;
	case ICP_JSON_OBJECT:
		ok = check_object(vc, n, inst);
		break;
	default:
		ok = 1;
		break;
	}
	if (ok)
		ok = check_applicators(vc, n, inst);
out:
	vc->depth--;
	return ok && !vc->status;
}

/* ---------------------------------------------------------------- public */

int icp_jsonschema_validate(const icp_jsonschema *v, const icp_json *instance,
                            icp_arena *scratch, icp_jsonschema_result *res)
{
	js_vc vc;
	int ok;
	memset(res, 0, sizeof(*res));
	vc.v = v;
	vc.scratch = scratch;
	vc.res = res;
	vc.md = NULL;
	vc.gtmp = NULL;
	vc.quiet = vc.depth = 0;
	vc.max_depth = v->max_depth < JS_DEPTH_CAP ? v->max_depth : JS_DEPTH_CAP;
	vc.status = ICP_OK;
	vc.npath = 0;
	ok = validate(&vc, v->root, instance);
	if (vc.md && !scratch)
		pcre2_match_data_free(vc.md);
	if (vc.status)
		return vc.status;
	if (ok) {
		res->valid = 1;
		return ICP_OK;
	}
	if (!res->message[0]) /* cannot happen; keep the contract anyway */
		snprintf(res->message, sizeof(res->message), "invalid");
	return ICP_ERR_INVALID;
}

int icp_jsonschema_validate_text(const icp_jsonschema *v, const char *text, size_t len,
                                 icp_arena *scratch, icp_jsonschema_result *res)
{
	icp_json *root = NULL;
	icp_error err;
	int rc;
	icp_error_init(&err);
	memset(res, 0, sizeof(*res));
	if (!scratch) {
		snprintf(res->message, sizeof(res->message), "jsonschema: scratch arena required");
		return ICP_ERR_INVALID;
	}
	rc = icp_json_parse(scratch, text, len, NULL, &root, &err);
	if (rc != ICP_OK) {
		snprintf(res->keyword, sizeof(res->keyword), "json");
		snprintf(res->message, sizeof(res->message), "%.600s", err.msg);
		return rc;
	}
	return icp_jsonschema_validate(v, root, scratch, res);
}
