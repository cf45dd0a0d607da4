/*
 * jsonschema compiler: schema DOM -> js_node graph.
 *
 * Every schema object is compiled once: a map from DOM node to js_node
 * (filled before the node's children are compiled) makes repeated and
 * cyclic $ref targets share one node. $ref is resolved on the DOM
 * against the base URI of the schema holding it (js_ref.c): JSON pointer
 * fragments, plain-name anchors, and "$id"s of this document. Anything
 * else is a remote reference, which we refuse at compile time rather than
 * ignore.
 *
 * Errors name the schema location: "jsonschema: #/properties/a/pattern:
 * invalid regex ...".
 */
#include "jsonschema/jsonschema_int.h"

#include <stdio.h>

#define JS_SCHEMA_JSON_DEPTH 256
#define JS_COMPILE_DEPTH 512

/* ----------------------------------------------------------------- helpers */

int js_fail(js_cc *c, const char *path, const char *kw, const char *what)
{
	return icp_error_set(c->err, ICP_ERR_INVALID, "jsonschema: %s%s%s: %s", path,
	                     kw ? "/" : "", kw ? kw : "", what);
}

/* parent + "/" + seg with ~ and / escaped, in the arena. */
const char *js_sub_path(js_cc *c, const char *parent, const char *seg, size_t n)
{
	size_t pl = strlen(parent), i, extra = 0, tot;
	char *p, *o;
	for (i = 0; i < n; i++)
		extra += seg[i] == '~' || seg[i] == '/';
	if (icp_add_size(pl + 2, n + extra, &tot) != 0)
		return NULL;
	p = icp_arena_alloc(c->v->arena, tot);
	if (!p) {
		icp_error_set(c->err, ICP_ERR_NOMEM, "jsonschema: out of memory");
		return NULL;
	}
	memcpy(p, parent, pl);
	o = p + pl;
	*o++ = '/';
	for (i = 0; i < n; i++) {
		if (seg[i] == '~' || seg[i] == '/') {
			*o++ = '~';
			*o++ = seg[i] == '~' ? '0' : '1';
		} else {
			*o++ = seg[i];
		}
	}
	*o = 0;
	return p;
}

const char *js_idx_path(js_cc *c, const char *parent, const char *kw, size_t i)
{
	char tmp[96];
	int n = snprintf(tmp, sizeof(tmp), "%s/%zu", kw, i);
	const char *p = js_sub_path(c, parent, kw, strlen(kw));
	if (!p || n < 0)
		return NULL;
	return js_sub_path(c, p, tmp + strlen(kw) + 1, strlen(tmp + strlen(kw) + 1));
}

void *js_cc_alloc(js_cc *c, size_t count, size_t size)
{
	size_t n;
	void *p;
	if (icp_mul_size(count ? count : 1, size, &n) != 0)
		n = (size_t)-1;
	p = n == (size_t)-1 ? NULL : icp_arena_alloc(c->v->arena, n);
	if (!p) {
		icp_error_set(c->err, ICP_ERR_NOMEM, "jsonschema: out of memory");
		return NULL;
	}
	memset(p, 0, n);
	return p;
}

static size_t map_slot(const js_cc *c, const icp_json *k)
{
	uintptr_t h = (uintptr_t)k;
	h ^= h >> 17;
	h *= (uintptr_t)0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) & (c->mcap - 1);
}

static js_node *map_get(const js_cc *c, const icp_json *k)
{
	size_t i;
	if (!c->mcap)
		return NULL;
	for (i = map_slot(c, k); c->mkeys[i]; i = (i + 1) & (c->mcap - 1))
		if (c->mkeys[i] == k)
			return c->mvals[i];
	return NULL;
}

static int map_put(js_cc *c, const icp_json *k, js_node *val)
{
	size_t i;
	if ((c->mn + 1) * 2 > c->mcap) {
		size_t ncap = c->mcap ? c->mcap * 2 : 64, j;
		const icp_json **ok = c->mkeys;
		js_node **ov = c->mvals;
		size_t ocap = c->mcap;
		c->mkeys = icp_calloc(ncap, sizeof(*c->mkeys));
		c->mvals = icp_calloc(ncap, sizeof(*c->mvals));
		if (!c->mkeys || !c->mvals) {
			icp_free(c->mkeys);
			icp_free(c->mvals);
			c->mkeys = ok;
			c->mvals = ov;
			return icp_error_set(c->err, ICP_ERR_NOMEM, "jsonschema: out of memory");
		}
		c->mcap = ncap;
		for (j = 0; j < ocap; j++) {
			if (!ok[j])
				continue;
			for (i = map_slot(c, ok[j]); c->mkeys[i]; i = (i + 1) & (ncap - 1))
				;
			c->mkeys[i] = ok[j];
			c->mvals[i] = ov[j];
		}
		icp_free(ok);
		icp_free(ov);
	}
	for (i = map_slot(c, k); c->mkeys[i]; i = (i + 1) & (c->mcap - 1))
		;
	c->mkeys[i] = k;
	c->mvals[i] = val;
	c->mn++;
	return ICP_OK;
}

/* ------------------------------------------------------------- keywords */

static int get_count(js_cc *c, const icp_json *val, const char *path, const char *kw,
                     int64_t *out)
{
	if (!val)
		return ICP_OK;
	if ((val->type != ICP_JSON_INT && val->type != ICP_JSON_DOUBLE) ||
	    !js_is_integer(val) || val->u.num.d < 0)
		return js_fail(c, path, kw, "must be a non-negative integer");
	*out = val->type == ICP_JSON_INT ? val->u.num.i
	       : val->u.num.d > 9.2e18   ? INT64_MAX
	                                 : (int64_t)val->u.num.d;
	return ICP_OK;
}

static int get_number(js_cc *c, const icp_json *val, const char *path, const char *kw,
                      const icp_json **out)
{
	if (!val)
		return ICP_OK;
	if (val->type != ICP_JSON_INT && val->type != ICP_JSON_DOUBLE)
		return js_fail(c, path, kw, "must be a number");
	*out = val;
	return ICP_OK;
}

static int sub_schema(js_cc *c, const icp_json *val, const char *path, const char *kw,
                      js_node **out)
{
	const char *p;
	if (!val)
		return ICP_OK;
	p = js_sub_path(c, path, kw, strlen(kw));
	if (!p || !(*out = js_compile_node(c, val, p)))
		return c->err->status ? c->err->status : ICP_ERR_INVALID;
	return ICP_OK;
}

static int schema_list(js_cc *c, const icp_json *val, const char *path, const char *kw,
                       js_list *out)
{
	size_t i;
	if (!val)
		return ICP_OK;
	if (val->type != ICP_JSON_ARRAY || val->u.arr.n == 0)
		return js_fail(c, path, kw, "must be a non-empty array of schemas");
	out->v = js_cc_alloc(c, val->u.arr.n, sizeof(js_node *));
	if (!out->v)
		return c->err->status;
	out->n = val->u.arr.n;
	for (i = 0; i < val->u.arr.n; i++) {
		const char *p = js_idx_path(c, path, kw, i);
		if (!p || !(out->v[i] = js_compile_node(c, &val->u.arr.items[i], p)))
			return c->err->status ? c->err->status : ICP_ERR_INVALID;
	}
	return ICP_OK;
}

/* Object of schemas (properties, dependentSchemas); pattern = compile
 * keys as regexes (patternProperties). */
static js_regex *compile_regex(js_cc *c, const char *src, size_t n, const char *path,
                               const char *kw);

static int schema_map(js_cc *c, const icp_json *val, const char *path, const char *kw,
                      js_prop **props, js_pprop **pprops, size_t *n_out)
{
	size_t i;
	const char *kp;
	if (!val)
		return ICP_OK;
	if (val->type != ICP_JSON_OBJECT)
		return js_fail(c, path, kw, "must be an object of schemas");
	kp = js_sub_path(c, path, kw, strlen(kw));
	if (!kp)
		return c->err->status;
	if (props && !(*props = js_cc_alloc(c, val->u.obj.n, sizeof(js_prop))))
		return c->err->status;
	if (pprops && !(*pprops = js_cc_alloc(c, val->u.obj.n, sizeof(js_pprop))))
		return c->err->status;
	for (i = 0; i < val->u.obj.n; i++) {
		const icp_json_member *m = &val->u.obj.members[i];
		const char *p = js_sub_path(c, kp, m->key, m->key_len);
		js_node *s = p ? js_compile_node(c, &m->value, p) : NULL;
		if (!s)
			return c->err->status ? c->err->status : ICP_ERR_INVALID;
		if (props) {
			(*props)[i].name = m->key;
			(*props)[i].len = m->key_len;
			(*props)[i].schema = s;
		} else {
			(*pprops)[i].schema = s;
			(*pprops)[i].re = compile_regex(c, m->key, m->key_len, kp, NULL);
			if (!(*pprops)[i].re)
				return c->err->status;
		}
	}
	*n_out = val->u.obj.n;
	return ICP_OK;
}

static int string_list(js_cc *c, const icp_json *val, const char *path, const char *kw,
                       js_str **out, size_t *n)
{
	size_t i;
	if (val->type != ICP_JSON_ARRAY)
		return js_fail(c, path, kw, "must be an array of strings");
	if (!(*out = js_cc_alloc(c, val->u.arr.n, sizeof(js_str))))
		return c->err->status;
	for (i = 0; i < val->u.arr.n; i++) {
		const icp_json *s = &val->u.arr.items[i];
		if (s->type != ICP_JSON_STRING)
			return js_fail(c, path, kw, "must be an array of strings");
		(*out)[i].ptr = s->u.str.ptr;
		(*out)[i].len = s->u.str.len;
	}
	*n = val->u.arr.n;
	return ICP_OK;
}

/* ECMA-262 spells Unicode general categories with long names
 * (\p{Letter}); PCRE2 10.42 knows only the short ones (\p{L}). */
static const char *const k_gc[][2] = {
	{"Letter", "L"}, {"Cased_Letter", "L&"}, {"Uppercase_Letter", "Lu"},
	{"Lowercase_Letter", "Ll"}, {"Titlecase_Letter", "Lt"}, {"Modifier_Letter", "Lm"},
	{"Other_Letter", "Lo"}, {"Mark", "M"}, {"Number", "N"}, {"Decimal_Number", "Nd"},
	{"digit", "Nd"}, {"Letter_Number", "Nl"}, {"Other_Number", "No"},
	{"Punctuation", "P"}, {"punct", "P"}, {"Symbol", "S"}, {"Math_Symbol", "Sm"},
	{"Currency_Symbol", "Sc"}, {"Separator", "Z"}, {"Space_Separator", "Zs"},
	{"Other", "C"}, {"Control", "Cc"}, {"cntrl", "Cc"}};

/* Copies src to out (room for n + 1 bytes) with long category names
 * replaced; escapes are copied as pairs so "\\p{Letter}" stays literal. */
static size_t translate_regex(const char *src, size_t n, char *out)
{
	size_t i = 0, o = 0, k;
	while (i < n) {
		if (src[i] != '\\' || i + 1 >= n) {
			out[o++] = src[i++];
			continue;
		}
		if ((src[i + 1] == 'p' || src[i + 1] == 'P') && i + 2 < n && src[i + 2] == '{') {
			const char *close = memchr(src + i + 3, '}', n - i - 3);
			size_t nl = close ? (size_t)(close - (src + i + 3)) : 0;
			for (k = 0; close && k < ICP_ARRAY_LEN(k_gc); k++) {
				if (strlen(k_gc[k][0]) == nl && memcmp(k_gc[k][0], src + i + 3, nl) == 0) {
					size_t sl = strlen(k_gc[k][1]);
					out[o++] = '\\';
					out[o++] = src[i + 1];
					out[o++] = '{';
					memcpy(out + o, k_gc[k][1], sl);
					o += sl;
					out[o++] = '}';
					i = (size_t)(close - src) + 1;
					break;
				}
			}
			if (close && k < ICP_ARRAY_LEN(k_gc))
				continue;
		}
		out[o++] = src[i++];
		out[o++] = src[i++];
	}
	out[o] = 0;
	return o;
}

static js_regex *compile_regex(js_cc *c, const char *src, size_t n, const char *path,
                               const char *kw)
{
	int code;
	PCRE2_SIZE off;
	js_regex *re = js_cc_alloc(c, 1, sizeof(*re));
	char *tr = re ? js_cc_alloc(c, n + 1, 1) : NULL;
	size_t tn;
	if (!tr)
		return NULL;
	tn = translate_regex(src, n, tr);
	/* ECMA-262 flavour where PCRE2 can give it: \uXXXX escapes, "$" only
	 * at the very end; matching is unanchored, as the spec says. */
	re->code = pcre2_compile((PCRE2_SPTR)tr, tn,
	                         PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX,
	                         &code, &off, c->ccx);
	if (!re->code && code == PCRE2_ERROR_HEAP_FAILED) {
		icp_error_set(c->err, ICP_ERR_NOMEM, "jsonschema: %s%s%s: out of memory compiling "
		              "regex", path, kw ? "/" : "", kw ? kw : "");
		return NULL;
	}
	if (!re->code) {
		char pmsg[160], msg[420];
		pcre2_get_error_message(code, (PCRE2_UCHAR *)pmsg, sizeof(pmsg));
		snprintf(msg, sizeof(msg), "invalid regex \"%.*s\": %s at offset %zu",
		         (int)(n > 200 ? 200 : n), src, pmsg, (size_t)off);
		js_fail(c, path, kw, msg);
		return NULL;
	}
	(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE); /* optional speedup */
	re->src = src;
	re->next = c->v->regexes;
	c->v->regexes = re;
	return re;
}

static const char *const k_type_names[] = {"null", "boolean", "integer", "number",
                                           "string", "array", "object"};

static int parse_type(js_cc *c, const icp_json *val, const char *path, unsigned *out)
{
	size_t i, k, n = val->type == ICP_JSON_ARRAY ? val->u.arr.n : 1;
	for (i = 0; i < n; i++) {
		const icp_json *t = val->type == ICP_JSON_ARRAY ? &val->u.arr.items[i] : val;
		if (t->type != ICP_JSON_STRING)
			return js_fail(c, path, "type", "must be a type name or an array of them");
		for (k = 0; k < ICP_ARRAY_LEN(k_type_names); k++)
			if (strcmp(t->u.str.ptr, k_type_names[k]) == 0)
				break;
		if (k == ICP_ARRAY_LEN(k_type_names)) {
			char msg[200];
			snprintf(msg, sizeof(msg), "unknown type \"%.*s\"",
			         (int)(t->u.str.len > 100 ? 100 : t->u.str.len), t->u.str.ptr);
			return js_fail(c, path, "type", msg);
		}
		*out |= 1u << k;
	}
	return ICP_OK;
}

static int compile_keywords(js_cc *c, const icp_json *s, js_node *n, const char *path);

js_node *js_compile_node(js_cc *c, const icp_json *dom, const char *path)
{
	js_node *n = map_get(c, dom);
	const char *saved;
	int rc;
	if (n)
		return n;
	if (dom->type != ICP_JSON_OBJECT && dom->type != ICP_JSON_BOOL) {
		js_fail(c, path, NULL, "a schema must be an object or a boolean");
		return NULL;
	}
	if (!(n = js_cc_alloc(c, 1, sizeof(*n))) || map_put(c, dom, n) != ICP_OK)
		return NULL;
	n->path = path;
	n->min_props = n->max_props = n->max_contains = -1;
	n->min_items = n->max_items = n->min_len = n->max_len = -1;
	n->min_contains = 1;
	if (dom->type == ICP_JSON_BOOL) {
		n->boolean = dom->u.boolean;
		return n;
	}
	n->boolean = -1;
	/* Subschemas nest at most as deep as the JSON, but a chain of $refs
	 * to $refs (each compiled on first use) may be as long as the schema
	 * has objects: bound it so a hostile schema cannot exhaust the stack. */
	if (c->depth >= JS_COMPILE_DEPTH) {
		icp_error_set(c->err, ICP_ERR_TOO_LARGE,
		              "jsonschema: %s: subschemas and $ref chains nest deeper than %d", path,
		              JS_COMPILE_DEPTH);
		return NULL;
	}
	saved = c->base;
	if (!(c->base = js_node_base(c, dom, saved)))
		return NULL;
	c->depth++;
	rc = compile_keywords(c, dom, n, path);
	c->depth--;
	c->base = saved;
	return rc == ICP_OK ? n : NULL;
}


/* dependentRequired: {"a": ["b", "c"]}: every member an array of names. */
static int compile_dep_required(js_cc *c, const icp_json *k, js_node *n, const char *path,
                                const char *kw)
{
	size_t i;
	int rc;
	if (k->type != ICP_JSON_OBJECT)
		return js_fail(c, path, kw, "must be an object of string arrays");
	if (!(n->dep_req = js_cc_alloc(c, k->u.obj.n, sizeof(js_depreq))))
		return c->err->status;
	for (i = 0; i < k->u.obj.n; i++) {
		const icp_json_member *m = &k->u.obj.members[i];
		js_depreq *d = &n->dep_req[n->n_dep_req];
		if (m->value.type != ICP_JSON_ARRAY)
			continue; /* draft-07 dependencies: a schema, handled there */
		d->name.ptr = m->key;
		d->name.len = m->key_len;
		if ((rc = string_list(c, &m->value, path, kw, &d->required, &d->n)))
			return rc;
		n->n_dep_req++;
	}
	return ICP_OK;
}

/* draft-07 dependencies: each member is a name array (like
 * dependentRequired) or a schema (like dependentSchemas). */
static int compile_dependencies(js_cc *c, const icp_json *k, js_node *n, const char *path)
{
	size_t i;
	int rc;
	const char *kp;
	if (k->type != ICP_JSON_OBJECT)
		return js_fail(c, path, "dependencies", "must be an object");
	if ((rc = compile_dep_required(c, k, n, path, "dependencies")))
		return rc;
	if (!(kp = js_sub_path(c, path, "dependencies", 12)) ||
	    !(n->dep_schemas = js_cc_alloc(c, k->u.obj.n, sizeof(js_prop))))
		return c->err->status;
	for (i = 0; i < k->u.obj.n; i++) {
		const icp_json_member *m = &k->u.obj.members[i];
		js_prop *p = &n->dep_schemas[n->n_dep_schemas];
		const char *mp;
		if (m->value.type == ICP_JSON_ARRAY)
			continue;
		if (!(mp = js_sub_path(c, kp, m->key, m->key_len)) ||
		    !(p->schema = js_compile_node(c, &m->value, mp)))
			return c->err->status ? c->err->status : ICP_ERR_INVALID;
		p->name = m->key;
		p->len = m->key_len;
		n->n_dep_schemas++;
	}
	return ICP_OK;
}

/* Compiles the keywords of schema object s into n. Keywords of the other
 * draft are ignored like unknown ones. */
static int compile_keywords(js_cc *c, const icp_json *s, js_node *n, const char *path)
{
	int d7 = c->draft == ICP_JSONSCHEMA_DRAFT_07, rc;
	const icp_json *k, *items;

	if ((k = icp_json_get(s, "$ref"))) {
		if (k->type != ICP_JSON_STRING)
			return js_fail(c, path, "$ref", "must be a string");
		if (!(n->ref = js_resolve_ref(c, k->u.str.ptr, k->u.str.len, path)))
			return c->err->status ? c->err->status : ICP_ERR_INVALID;
		if (d7)
			return ICP_OK; /* draft-07: $ref replaces its siblings */
	}
	if ((k = icp_json_get(s, "type")) && (rc = parse_type(c, k, path, &n->types)))
		return rc;
	if ((k = icp_json_get(s, "enum"))) {
		if (k->type != ICP_JSON_ARRAY)
			return js_fail(c, path, "enum", "must be an array");
		n->enum_ = k;
	}
	n->const_ = icp_json_get(s, "const");
	if ((rc = get_number(c, icp_json_get(s, "minimum"), path, "minimum", &n->minimum)) ||
	    (rc = get_number(c, icp_json_get(s, "maximum"), path, "maximum", &n->maximum)) ||
	    (rc = get_number(c, icp_json_get(s, "exclusiveMinimum"), path, "exclusiveMinimum",
	                     &n->xminimum)) ||
	    (rc = get_number(c, icp_json_get(s, "exclusiveMaximum"), path, "exclusiveMaximum",
	                     &n->xmaximum)) ||
	    (rc = get_number(c, icp_json_get(s, "multipleOf"), path, "multipleOf",
	                     &n->multiple_of)))
		return rc;
	if (n->multiple_of && n->multiple_of->u.num.d <= 0)
		return js_fail(c, path, "multipleOf", "must be greater than 0");
	if ((rc = get_count(c, icp_json_get(s, "minLength"), path, "minLength", &n->min_len)) ||
	    (rc = get_count(c, icp_json_get(s, "maxLength"), path, "maxLength", &n->max_len)) ||
	    (rc = get_count(c, icp_json_get(s, "minItems"), path, "minItems", &n->min_items)) ||
	    (rc = get_count(c, icp_json_get(s, "maxItems"), path, "maxItems", &n->max_items)) ||
	    (rc = get_count(c, icp_json_get(s, "minProperties"), path, "minProperties",
	                    &n->min_props)) ||
	    (rc = get_count(c, icp_json_get(s, "maxProperties"), path, "maxProperties",
	                    &n->max_props)))
		return rc;
	if ((k = icp_json_get(s, "pattern"))) {
		if (k->type != ICP_JSON_STRING)
			return js_fail(c, path, "pattern", "must be a string");
		if (!(n->pattern = compile_regex(c, k->u.str.ptr, k->u.str.len, path, "pattern")))
			return c->err->status;
	}
	if ((k = icp_json_get(s, "format"))) {
		if (k->type != ICP_JSON_STRING)
			return js_fail(c, path, "format", "must be a string");
		n->format_name = k->u.str.ptr;
		/* Formats we do not know are annotations (the spec allows it). */
		n->format = c->format_assert ? js_format_lookup(k->u.str.ptr) : JS_FMT_NONE;
	}
	if ((k = icp_json_get(s, "uniqueItems"))) {
		if (k->type != ICP_JSON_BOOL)
			return js_fail(c, path, "uniqueItems", "must be a boolean");
		n->unique = k->u.boolean;
	}
	if ((k = icp_json_get(s, "required")) &&
	    (rc = string_list(c, k, path, "required", &n->required, &n->n_required)))
		return rc;
	if ((rc = schema_map(c, icp_json_get(s, "properties"), path, "properties", &n->props,
	                     NULL, &n->n_props)) ||
	    (rc = schema_map(c, icp_json_get(s, "patternProperties"), path, "patternProperties",
	                     NULL, &n->pprops, &n->n_pprops)) ||
	    (rc = sub_schema(c, icp_json_get(s, "additionalProperties"), path,
	                     "additionalProperties", &n->addl_props)) ||
	    (rc = sub_schema(c, icp_json_get(s, "propertyNames"), path, "propertyNames",
	                     &n->prop_names)) ||
	    (rc = sub_schema(c, icp_json_get(s, "contains"), path, "contains", &n->contains)) ||
	    (rc = schema_list(c, icp_json_get(s, "allOf"), path, "allOf", &n->all_of)) ||
	    (rc = schema_list(c, icp_json_get(s, "anyOf"), path, "anyOf", &n->any_of)) ||
	    (rc = schema_list(c, icp_json_get(s, "oneOf"), path, "oneOf", &n->one_of)) ||
	    (rc = sub_schema(c, icp_json_get(s, "not"), path, "not", &n->not_)) ||
	    (rc = sub_schema(c, icp_json_get(s, "if"), path, "if", &n->if_)))
		return rc;
	if (n->if_ && ((rc = sub_schema(c, icp_json_get(s, "then"), path, "then", &n->then_)) ||
	               (rc = sub_schema(c, icp_json_get(s, "else"), path, "else", &n->else_))))
		return rc;
	items = icp_json_get(s, "items");
	if (d7) {
		if (items && items->type == ICP_JSON_ARRAY) {
			if ((rc = schema_list(c, items, path, "items", &n->prefix)) ||
			    (rc = sub_schema(c, icp_json_get(s, "additionalItems"), path,
			                     "additionalItems", &n->items)))
				return rc;
		} else if ((rc = sub_schema(c, items, path, "items", &n->items))) {
			return rc;
		}
		if ((k = icp_json_get(s, "dependencies")))
			return compile_dependencies(c, k, n, path);
		return ICP_OK;
	}
	if (items && items->type == ICP_JSON_ARRAY)
		return js_fail(c, path, "items", "must be a schema in 2020-12 (use prefixItems for "
		                              "the array form)");
	if ((rc = schema_list(c, icp_json_get(s, "prefixItems"), path, "prefixItems",
	                      &n->prefix)) ||
	    (rc = sub_schema(c, items, path, "items", &n->items)) ||
	    (rc = get_count(c, icp_json_get(s, "minContains"), path, "minContains",
	                    &n->min_contains)) ||
	    (rc = get_count(c, icp_json_get(s, "maxContains"), path, "maxContains",
	                    &n->max_contains)) ||
	    (rc = schema_map(c, icp_json_get(s, "dependentSchemas"), path, "dependentSchemas",
	                     &n->dep_schemas, NULL, &n->n_dep_schemas)))
		return rc;
	if ((k = icp_json_get(s, "dependentRequired")))
		return compile_dep_required(c, k, n, path, "dependentRequired");
	return ICP_OK;
}

/* ----------------------------------------------------------- public */

static void *pm_alloc(size_t n, void *d)
{
	ICP_UNUSED(d);
	return icp_malloc(n);
}

static void pm_free(void *p, void *d)
{
	ICP_UNUSED(d);
	icp_free(p);
}

static int pick_draft(const icp_json *root, const icp_jsonschema_opts *opts)
{
	const icp_json *s = root->type == ICP_JSON_OBJECT ? icp_json_get(root, "$schema") : NULL;
	if (s && s->type == ICP_JSON_STRING) {
		if (strstr(s->u.str.ptr, "draft-07") || strstr(s->u.str.ptr, "draft-06") ||
		    strstr(s->u.str.ptr, "draft-04"))
			return ICP_JSONSCHEMA_DRAFT_07;
		if (strstr(s->u.str.ptr, "2020-12") || strstr(s->u.str.ptr, "2019-09"))
			return ICP_JSONSCHEMA_DRAFT_2020_12;
	}
	if (opts && opts->draft == ICP_JSONSCHEMA_DRAFT_07)
		return ICP_JSONSCHEMA_DRAFT_07;
	return ICP_JSONSCHEMA_DRAFT_2020_12;
}

int icp_jsonschema_compile(const char *text, size_t len, const icp_jsonschema_opts *opts,
                           icp_jsonschema **out, icp_error *err)
{
	int rc = ICP_ERR_NOMEM;
	icp_jsonschema *v = icp_calloc(1, sizeof(*v));
	icp_json_opts jo = {0};
	icp_json *root = NULL;
	js_cc c;

	icp_error local;

	if (!err) { /* the compiler reads err->status: give it one */
		icp_error_init(&local);
		err = &local;
	}
	memset(&c, 0, sizeof(c));
	*out = NULL;
	if (!v || !(v->arena = icp_arena_new(0))) {
		icp_error_set(err, rc, "jsonschema: out of memory");
		goto out;
	}
	jo.max_depth = JS_SCHEMA_JSON_DEPTH;
	if ((rc = icp_json_parse(v->arena, text, len, &jo, &root, err)) != ICP_OK) {
		icp_error_prefix(err, "jsonschema");
		goto out;
	}
	v->max_depth = opts && opts->max_depth > 0 ? opts->max_depth : 128;
	v->draft = pick_draft(root, opts);
	rc = ICP_ERR_NOMEM;
	v->gctx = pcre2_general_context_create(pm_alloc, pm_free, NULL);
	c.ccx = v->gctx ? pcre2_compile_context_create(v->gctx) : NULL;
	v->mctx = v->gctx ? pcre2_match_context_create(v->gctx) : NULL;
	if (!c.ccx || !v->mctx) {
		icp_error_set(err, rc, "jsonschema: out of memory");
		goto out;
	}
	/* Backtracking bounds so a hostile pattern cannot stall a partition. */
	pcre2_set_match_limit(v->mctx, 1000000);
	pcre2_set_depth_limit(v->mctx, 10000);
	pcre2_set_heap_limit(v->mctx, 16384); /* KiB */
	c.v = v;
	c.err = err;
	c.root = root;
	c.draft = v->draft;
	c.format_assert = !(opts && opts->format_annotate);
	c.base = "";
	if ((rc = js_scan(&c, root, "#", "")) != ICP_OK)
		goto out;
	if (!(v->root = js_compile_node(&c, root, "#"))) {
		rc = err && err->status ? err->status : ICP_ERR_INVALID;
		goto out;
	}
	*out = v;
	v = NULL;
	rc = ICP_OK;
out:
	if (c.ccx)
		pcre2_compile_context_free(c.ccx);
	icp_free(c.mkeys);
	icp_free(c.mvals);
	icp_free(c.anchors);
	icp_jsonschema_free(v);
	return rc;
}

void icp_jsonschema_free(icp_jsonschema *v)
{
	js_regex *re;
	if (!v)
		return;
	for (re = v->regexes; re; re = re->next)
		pcre2_code_free(re->code);
	if (v->mctx)
		pcre2_match_context_free(v->mctx);
	if (v->gctx)
		pcre2_general_context_free(v->gctx);
	icp_arena_free(v->arena);
	icp_free(v);
}

int icp_jsonschema_draft(const icp_jsonschema *v)
{
	return v->draft;
}
