/*
 * jsonschema $ref resolution and the $id/$anchor scan.
 *
 * Base URIs follow RFC 3986 section 5 in a reduced form: scheme, authority
 * and path are split textually, relative paths merged with the base's
 * directory and "." / ".." segments removed; queries get no special
 * treatment. Every "$id" found at a schema location (not inside enum,
 * const or unknown keywords) registers a resource under its absolute URI;
 * "$anchor" (and draft-07 "$id": "#name") registers a plain-name anchor in
 * its resource. A $ref is resolved against the base URI of the schema
 * holding it; if the document part names no resource of this schema it is
 * a remote reference, which we refuse.
 */
#include "jsonschema/jsonschema_int.h"

#include <stdio.h>

/* ------------------------------------------------------------- URIs */

static char *dup_n(js_cc *c, const char *s, size_t n)
{
	char *p = js_cc_alloc(c, n + 1, 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

/* Length of "scheme:" (0 when s has no scheme). */
static size_t scheme_len(const char *s, size_t n)
{
	size_t i;
	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 1; i < n; i++) {
		char ch = s[i];
		if (ch == ':')
			return i + 1;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.'))
			return 0;
	}
	return 0;
}

/* Removes "." and ".." segments from the path that starts at out[from]. */
static size_t remove_dots(char *out, size_t from, size_t n)
{
	size_t r = from, w = from;
	while (r < n) {
		size_t e = r + 1;
		while (e < n && out[e] != '/')
			e++;
		/* segment is out[r..e), starting with '/' unless at from */
		if (out[r] == '/' && e - r == 2 && out[r + 1] == '.') {
			r = e;
			if (r == n)
				out[w++] = '/';
			continue;
		}
		if (out[r] == '/' && e - r == 3 && out[r + 1] == '.' && out[r + 2] == '.') {
			while (w > from && out[w - 1] != '/')
				w--;
			if (w > from)
				w--;
			r = e;
			if (r == n)
				out[w++] = '/';
			continue;
		}
		memmove(out + w, out + r, e - r);
		w += e - r;
		r = e;
	}
	return w;
}

/* Absolute form of ref against base (both without regard to validity). */
static const char *uri_resolve(js_cc *c, const char *base, const char *ref, size_t rlen)
{
	size_t bl = strlen(base), keep, auth_end, pstart, n, tot;
	const char *bh = memchr(base, '#', bl);
	char *out;
	if (bh)
		bl = (size_t)(bh - base);
	if (scheme_len(ref, rlen) || bl == 0)
		return dup_n(c, ref, rlen);
	if (rlen == 0 || ref[0] == '#') {
		keep = bl;
	} else {
		size_t sl = scheme_len(base, bl);
		auth_end = sl;
		if (bl >= sl + 2 && base[sl] == '/' && base[sl + 1] == '/') {
			auth_end = sl + 2;
			while (auth_end < bl && base[auth_end] != '/')
				auth_end++;
		}
		if (rlen >= 2 && ref[0] == '/' && ref[1] == '/') {
			keep = sl;
		} else if (ref[0] == '/') {
			keep = auth_end;
		} else {
			keep = bl;
			while (keep > auth_end && base[keep - 1] != '/')
				keep--;
			if (keep == auth_end && auth_end > sl) {
				/* "http://host" + "a.json": path becomes "/a.json" */
				if (icp_add_size(keep + 2, rlen, &tot) != 0 ||
				    !(out = js_cc_alloc(c, tot, 1)))
					return NULL;
				memcpy(out, base, keep);
				out[keep] = '/';
				memcpy(out + keep + 1, ref, rlen);
				n = remove_dots(out, auth_end, keep + 1 + rlen);
				out[n] = 0;
				return out;
			}
		}
	}
	if (icp_add_size(keep + 1, rlen, &tot) != 0 || !(out = js_cc_alloc(c, tot, 1)))
		return NULL;
	memcpy(out, base, keep);
	memcpy(out + keep, ref, rlen);
	n = keep + rlen;
	{
		const char *h = memchr(out, '#', n);
		size_t pend = h ? (size_t)(h - out) : n, sl = scheme_len(out, n);
		pstart = sl;
		if (n >= sl + 2 && out[sl] == '/' && out[sl + 1] == '/') {
			pstart = sl + 2;
			while (pstart < pend && out[pstart] != '/')
				pstart++;
		}
		if (pstart < pend) {
			size_t np = remove_dots(out, pstart, pend);
			memmove(out + np, out + pend, n - pend);
			n = np + (n - pend);
		}
	}
	out[n] = 0;
	return out;
}

const char *js_node_base(js_cc *c, const icp_json *s, const char *base)
{
	const icp_json *id;
	if (s->type != ICP_JSON_OBJECT)
		return base;
	id = icp_json_get(s, "$id");
	if (!id || id->type != ICP_JSON_STRING || id->u.str.len == 0 || id->u.str.ptr[0] == '#')
		return base;
	/* draft-07: $ref replaces every sibling, $id included */
	if (c->draft == ICP_JSONSCHEMA_DRAFT_07 && icp_json_get(s, "$ref"))
		return base;
	return uri_resolve(c, base, id->u.str.ptr, id->u.str.len);
}

/* ----------------------------------------------------- $id / anchor scan */

static int add_anchor(js_cc *c, const char *name, size_t len, int is_id, const char *base,
                      const char *outer, const icp_json *node, const char *path)
{
	js_anchor *a;
	if (c->n_anchors == c->cap_anchors) {
		size_t ncap = c->cap_anchors ? c->cap_anchors * 2 : 16;
		js_anchor *na = icp_realloc(c->anchors, ncap * sizeof(*na));
		if (!na)
			return icp_error_set(c->err, ICP_ERR_NOMEM, "jsonschema: out of memory");
		c->anchors = na;
		c->cap_anchors = ncap;
	}
	a = &c->anchors[c->n_anchors++];
	a->name = name;
	a->len = len;
	a->is_id = is_id;
	a->base = base;
	a->outer = outer;
	a->node = node;
	a->path = path;
	return ICP_OK;
}

/* Keywords whose value is a schema, a schema array, or a schema map: the
 * only places "$id"/"$anchor" mean something (an "$id" inside "enum" or
 * "const" is data). */
static const char *const k_schema_kw[] = {"additionalProperties", "additionalItems",
	"contains", "propertyNames", "not", "if", "then", "else", "items", NULL};
static const char *const k_list_kw[] = {"allOf", "anyOf", "oneOf", "prefixItems", "items", NULL};
static const char *const k_map_kw[] = {"properties", "patternProperties", "$defs",
	"definitions", "dependentSchemas", "dependencies", NULL};

static int kw_in(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(key, *list) == 0)
			return 1;
	return 0;
}

int js_scan(js_cc *c, const icp_json *s, const char *path, const char *outer)
{
	const icp_json *id, *anchor;
	const char *base;
	size_t i, j;
	int rc;
	if (s->type != ICP_JSON_OBJECT)
		return ICP_OK;
	if (!(base = js_node_base(c, s, outer)))
		return c->err->status;
	if (base != outer || s == c->root)
		if ((rc = add_anchor(c, base, strlen(base), 1, NULL, outer, s, path)))
			return rc;
	id = icp_json_get(s, "$id");
	anchor = icp_json_get(s, "$anchor");
	if (id && id->type == ICP_JSON_STRING && id->u.str.len > 1 && id->u.str.ptr[0] == '#' &&
	    (rc = add_anchor(c, id->u.str.ptr + 1, id->u.str.len - 1, 0, base, outer, s, path)))
		return rc;
	if (anchor && anchor->type == ICP_JSON_STRING &&
	    (rc = add_anchor(c, anchor->u.str.ptr, anchor->u.str.len, 0, base, outer, s, path)))
		return rc;
	for (i = 0; i < s->u.obj.n; i++) {
		const icp_json_member *m = &s->u.obj.members[i];
		const icp_json *val = &m->value;
		const char *kp = js_sub_path(c, path, m->key, m->key_len);
		if (!kp)
			return c->err->status;
		if (val->type == ICP_JSON_OBJECT && kw_in(m->key, k_schema_kw)) {
			if ((rc = js_scan(c, val, kp, base)))
				return rc;
		}
		if (val->type == ICP_JSON_ARRAY && kw_in(m->key, k_list_kw)) {
			for (j = 0; j < val->u.arr.n; j++) {
				const char *ip = js_idx_path(c, path, m->key, j);
				if (!ip || (rc = js_scan(c, &val->u.arr.items[j], ip, base)))
					return ip ? rc : c->err->status;
			}
		}
		if (val->type == ICP_JSON_OBJECT && kw_in(m->key, k_map_kw)) {
			for (j = 0; j < val->u.obj.n; j++) {
				const icp_json_member *mm = &val->u.obj.members[j];
				const char *mp = js_sub_path(c, kp, mm->key, mm->key_len);
				if (!mp || (rc = js_scan(c, &mm->value, mp, base)))
					return mp ? rc : c->err->status;
			}
		}
	}
	return ICP_OK;
}

/* ------------------------------------------------------------- $ref */

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Walks a JSON pointer (already percent-decoded) from node; *outer follows
 * the base URI of the node reached (the base its parent establishes). */
static const icp_json *walk_pointer(js_cc *c, const icp_json *node, const char *p, size_t n,
                                    const char **outer)
{
	size_t i = 0;
	char seg[512];
	while (node && i < n) {
		size_t sl = 0;
		if (p[i] != '/')
			return NULL;
		i++;
		while (i < n && p[i] != '/') {
			char ch = p[i++];
			if (ch == '~' && i < n && (p[i] == '0' || p[i] == '1'))
				ch = p[i++] == '0' ? '~' : '/';
			if (sl + 1 >= sizeof(seg))
				return NULL;
			seg[sl++] = ch;
		}
		seg[sl] = 0;
		if (!(*outer = js_node_base(c, node, *outer)))
			return NULL;
		if (node->type == ICP_JSON_OBJECT) {
			node = icp_json_get_n(node, seg, sl);
		} else if (node->type == ICP_JSON_ARRAY) {
			size_t k, idx = 0;
			if (sl == 0 || (sl > 1 && seg[0] == '0') || sl > 9)
				return NULL;
			for (k = 0; k < sl; k++) {
				if (seg[k] < '0' || seg[k] > '9')
					return NULL;
				idx = idx * 10 + (size_t)(seg[k] - '0');
			}
			node = icp_json_at(node, idx);
		} else {
			return NULL;
		}
	}
	return node;
}

static const js_anchor *find_resource(const js_cc *c, const char *uri, size_t n)
{
	size_t i;
	for (i = 0; i < c->n_anchors; i++) {
		const js_anchor *a = &c->anchors[i];
		if (a->is_id && a->len == n && memcmp(a->name, uri, n) == 0)
			return a;
	}
	return NULL;
}

static js_node *ref_fail(js_cc *c, const char *path, const char *fmt, const char *ref,
                         size_t rlen)
{
	char msg[300];
	snprintf(msg, sizeof(msg), fmt, (int)(rlen > 200 ? 200 : rlen), ref);
	js_fail(c, path, "$ref", msg);
	return NULL;
}

js_node *js_resolve_ref(js_cc *c, const char *ref, size_t rlen, const char *path)
{
	const char *abs = uri_resolve(c, c->base, ref, rlen), *hash, *frag;
	const char *outer, *tpath = NULL, *saved;
	const icp_json *target = NULL;
	const js_anchor *res;
	size_t dlen, flen, i, k = 0;
	char dec[1024];
	js_node *n;

	if (!abs)
		return NULL;
	hash = strchr(abs, '#');
	dlen = hash ? (size_t)(hash - abs) : strlen(abs);
	frag = hash ? hash + 1 : abs + dlen;
	if (!(res = find_resource(c, abs, dlen)))
		return ref_fail(c, path, "remote $ref \"%.*s\" is not supported", ref, rlen);
	flen = strlen(frag);
	for (i = 0; i < flen; i++) {
		int ch = (unsigned char)frag[i];
		if (ch == '%' && i + 2 < flen && hexval(frag[i + 1]) >= 0 &&
		    hexval(frag[i + 2]) >= 0) {
			ch = hexval(frag[i + 1]) * 16 + hexval(frag[i + 2]);
			i += 2;
		}
		if (k + 1 >= sizeof(dec))
			return ref_fail(c, path, "$ref \"%.*s\" is too long", ref, rlen);
		dec[k++] = (char)ch;
	}
	dec[k] = 0;
	outer = res->outer;
	if (k == 0) {
		target = res->node;
		tpath = res->path;
	} else if (dec[0] == '/') {
		size_t pl = strlen(res->path);
		char *tp;
		target = walk_pointer(c, res->node, dec, k, &outer);
		if (target) {
			if (!(tp = js_cc_alloc(c, pl + k + 1, 1)))
				return NULL;
			memcpy(tp, res->path, pl);
			memcpy(tp + pl, dec, k + 1);
			tpath = tp;
		} else if (!outer) {
			return NULL;
		}
	} else {
		for (i = 0; i < c->n_anchors; i++) {
			const js_anchor *a = &c->anchors[i];
			if (!a->is_id && a->len == k && memcmp(a->name, dec, k) == 0 &&
			    strlen(a->base) == dlen && memcmp(a->base, abs, dlen) == 0) {
				target = a->node;
				tpath = a->path;
				outer = a->outer;
				break;
			}
		}
	}
	if (!target)
		return ref_fail(c, path, "$ref \"%.*s\" does not resolve in this document", ref,
		                rlen);
	saved = c->base;
	c->base = outer;
	n = js_compile_node(c, target, tpath);
	c->base = saved;
	return n;
}
