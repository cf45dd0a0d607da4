/*
 * JSON DOM accessors and the streaming writer. The writer keeps one flag
 * byte per open container (object or array, has items yet) so it knows
 * where commas go and can refuse misuse (a value without a key inside an
 * object, a key inside an array, mismatched ends) with a sticky
 * ICP_ERR_INVALID instead of emitting broken JSON.
 */
#include "json/json.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define LVL_OBJECT 1
#define LVL_ITEMS 2

const char *icp_json_type_name(icp_json_type t)
{
	switch (t) {
	case ICP_JSON_NULL: return "null";
	case ICP_JSON_BOOL: return "bool";
	case ICP_JSON_INT: return "int";
	case ICP_JSON_DOUBLE: return "double";
	case ICP_JSON_STRING: return "string";
	case ICP_JSON_ARRAY: return "array";
	case ICP_JSON_OBJECT: return "object";
	}
	return "?";
}

/* ------------------------------------------------------------ accessors */

const icp_json *icp_json_get_n(const icp_json *obj, const char *key, size_t len)
{
	size_t i;

	if (!obj || obj->type != ICP_JSON_OBJECT)
		return NULL;
	/* From the end: with duplicate keys the last one wins. */
	for (i = obj->u.obj.n; i-- > 0;) {
		const icp_json_member *m = &obj->u.obj.members[i];
		if (m->key_len == len && memcmp(m->key, key, len) == 0)
			return &m->value;
	}
	return NULL;
}

const icp_json *icp_json_get(const icp_json *obj, const char *key)
{
	return key ? icp_json_get_n(obj, key, strlen(key)) : NULL;
}

const icp_json *icp_json_at(const icp_json *arr, size_t i)
{
	if (!arr || arr->type != ICP_JSON_ARRAY || i >= arr->u.arr.n)
		return NULL;
	return &arr->u.arr.items[i];
}

const icp_json *icp_json_get_path(const icp_json *root, const char *path)
{
	const icp_json *n = root;
	const char *seg = path;

	if (!path)
		return NULL;
	while (n) {
		const char *dot = strchr(seg, '.');
		size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
		if (n->type == ICP_JSON_ARRAY) {
			size_t idx = 0, k;
			if (len == 0 || len > 18)
				return NULL;
			for (k = 0; k < len; k++) {
				if (seg[k] < '0' || seg[k] > '9')
					return NULL;
				idx = idx * 10 + (size_t)(seg[k] - '0');
			}
			n = icp_json_at(n, idx);
		} else {
			n = icp_json_get_n(n, seg, len);
		}
		if (!dot)
			return n;
		seg = dot + 1;
	}
	return NULL;
}

size_t icp_json_len(const icp_json *node)
{
	if (!node)
		return 0;
	switch (node->type) {
	case ICP_JSON_ARRAY: return node->u.arr.n;
	case ICP_JSON_OBJECT: return node->u.obj.n;
	case ICP_JSON_STRING: return node->u.str.len;
	default: return 0;
	}
}

int icp_json_as_int64(const icp_json *node, int64_t *out)
{
	double d;

	if (!node)
		return ICP_ERR_INVALID;
	if (node->type == ICP_JSON_INT) {
		*out = node->u.num.i;
		return ICP_OK;
	}
	if (node->type != ICP_JSON_DOUBLE)
		return ICP_ERR_INVALID;
	d = node->u.num.d;
	/* Beyond 2^53 a double no longer says which integer was written. */
	if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != floor(d))
		return ICP_ERR_TOO_LARGE;
	*out = (int64_t)d;
	return ICP_OK;
}

int icp_json_as_double(const icp_json *node, double *out)
{
	if (!node || (node->type != ICP_JSON_INT && node->type != ICP_JSON_DOUBLE))
		return ICP_ERR_INVALID;
	*out = node->type == ICP_JSON_INT ? (double)node->u.num.i : node->u.num.d;
	return ICP_OK;
}

int icp_json_as_bool(const icp_json *node, int *out)
{
	if (!node || node->type != ICP_JSON_BOOL)
		return ICP_ERR_INVALID;
	*out = node->u.boolean;
	return ICP_OK;
}

int icp_json_as_str(const icp_json *node, const char **s, size_t *len)
{
	if (!node || node->type != ICP_JSON_STRING)
		return ICP_ERR_INVALID;
	*s = node->u.str.ptr;
	if (len)
		*len = node->u.str.len;
	return ICP_OK;
}

/* --------------------------------------------------------------- doubles */

size_t icp_json_format_double(double v, char *buf, size_t cap)
{
	locale_t cloc, old;
	int prec, n = 0;
	size_t i;

	if (isnan(v) || isinf(v) || cap < 32)
		return 0;
	/* The decimal point follows the thread's locale: switch this thread to
	 * "C" for the duration (uselocale is per thread). */
	cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!cloc)
		return 0;
	old = uselocale(cloc);
	/* %g drops trailing zeros, and any decimal of at most 15 significant
	 * digits that reads back as v is what %.15g prints (15 digits are
	 * coarser than a double's spacing), so 15 round-tripping means shortest;
	 * otherwise 16, and 17 always round-trips. Subnormals have coarser
	 * spacing: for them every precision is tried. */
	for (prec = v != 0 && fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		n = snprintf(buf, cap, "%.*g", prec, v);
		if (n > 0 && (size_t)n < cap && strtod(buf, NULL) == v)
			break;
	}
	uselocale(old);
	freelocale(cloc);
	if (n <= 0 || (size_t)n >= cap)
		return 0;
	for (i = 0; i < (size_t)n; i++)
		if (buf[i] == '.' || buf[i] == 'e')
			return (size_t)n;
	if ((size_t)n + 3 > cap)
		return 0;
	buf[n++] = '.';
	buf[n++] = '0';
	buf[n] = 0;
	return (size_t)n;
}

/* ---------------------------------------------------------------- writer */

void icp_json_writer_init(icp_json_writer *w, icp_buf *buf, int indent)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->indent = indent > 0 ? indent : 0;
}

static int misuse(icp_json_writer *w)
{
	if (w->status == ICP_OK)
		w->status = ICP_ERR_INVALID;
	return w->status;
}

static void newline(icp_json_writer *w, int depth)
{
	int i;

	if (!w->indent)
		return;
	icp_buf_append_byte(w->buf, '\n');
	for (i = 0; i < depth * w->indent; i++)
		icp_buf_append_byte(w->buf, ' ');
}

static int status_of(icp_json_writer *w)
{
	return w->status != ICP_OK ? w->status : w->buf->status;
}

/* Called before every value: places the comma (in arrays) and checks that
 * a value is allowed here. */
static int before_value(icp_json_writer *w)
{
	uint8_t *lvl;

	if (w->status != ICP_OK)
		return w->status;
	if (w->depth == 0) {
		if (w->top_done)
			return misuse(w);
		w->top_done = 1;
		return ICP_OK;
	}
	lvl = &w->level[w->depth - 1];
	if (*lvl & LVL_OBJECT) {
		if (!w->after_key)
			return misuse(w);
		w->after_key = 0;
		return ICP_OK;
	}
	if (*lvl & LVL_ITEMS)
		icp_buf_append_byte(w->buf, ',');
	*lvl |= LVL_ITEMS;
	newline(w, w->depth);
	return ICP_OK;
}

static int begin(icp_json_writer *w, uint8_t flags, char c)
{
	if (before_value(w) != ICP_OK)
		return w->status;
	if (w->depth >= ICP_JSON_DEPTH_LIMIT)
		return misuse(w);
	w->level[w->depth++] = flags;
	icp_buf_append_byte(w->buf, (uint8_t)c);
	return status_of(w);
}

static int end(icp_json_writer *w, uint8_t flags, char c)
{
	if (w->status != ICP_OK)
		return w->status;
	if (w->depth == 0 || (w->level[w->depth - 1] & LVL_OBJECT) != flags || w->after_key)
		return misuse(w);
	w->depth--;
	if (w->level[w->depth] & LVL_ITEMS)
		newline(w, w->depth);
	icp_buf_append_byte(w->buf, (uint8_t)c);
	return status_of(w);
}

int icp_json_write_begin_object(icp_json_writer *w)
{
	return begin(w, LVL_OBJECT, '{');
}

int icp_json_write_end_object(icp_json_writer *w)
{
	return end(w, LVL_OBJECT, '}');
}

int icp_json_write_begin_array(icp_json_writer *w)
{
	return begin(w, 0, '[');
}

int icp_json_write_end_array(icp_json_writer *w)
{
	return end(w, 0, ']');
}

int icp_json_write_key_n(icp_json_writer *w, const char *key, size_t len)
{
	uint8_t *lvl;

	if (w->status != ICP_OK)
		return w->status;
	if (w->depth == 0 || !(w->level[w->depth - 1] & LVL_OBJECT) || w->after_key)
		return misuse(w);
	lvl = &w->level[w->depth - 1];
	if (*lvl & LVL_ITEMS)
		icp_buf_append_byte(w->buf, ',');
	*lvl |= LVL_ITEMS;
	newline(w, w->depth);
	icp_buf_append_json_str(w->buf, (const uint8_t *)key, len);
	icp_buf_append(w->buf, ": ", w->indent ? 2 : 1);
	w->after_key = 1;
	return status_of(w);
}

int icp_json_write_key(icp_json_writer *w, const char *key)
{
	return icp_json_write_key_n(w, key, strlen(key));
}

int icp_json_write_string_n(icp_json_writer *w, const char *s, size_t len)
{
	if (before_value(w) != ICP_OK)
		return w->status;
	icp_buf_append_json_str(w->buf, (const uint8_t *)s, len);
	return status_of(w);
}

int icp_json_write_string(icp_json_writer *w, const char *s)
{
	return icp_json_write_string_n(w, s, strlen(s));
}

int icp_json_write_int64(icp_json_writer *w, int64_t v)
{
	if (before_value(w) != ICP_OK)
		return w->status;
	icp_buf_append_i64(w->buf, v);
	return status_of(w);
}

int icp_json_write_double(icp_json_writer *w, double v)
{
	char tmp[40];
	size_t n;

	if (isnan(v) || isinf(v))
		return misuse(w);
	if (before_value(w) != ICP_OK)
		return w->status;
	n = icp_json_format_double(v, tmp, sizeof(tmp));
	if (n == 0)
		return misuse(w);
	icp_buf_append(w->buf, tmp, n);
	return status_of(w);
}

int icp_json_write_bool(icp_json_writer *w, int v)
{
	return icp_json_write_raw(w, v ? "true" : "false", v ? 4 : 5);
}

int icp_json_write_null(icp_json_writer *w)
{
	return icp_json_write_raw(w, "null", 4);
}

int icp_json_write_raw(icp_json_writer *w, const char *json, size_t len)
{
	if (before_value(w) != ICP_OK)
		return w->status;
	icp_buf_append(w->buf, json, len);
	return status_of(w);
}

int icp_json_write_value(icp_json_writer *w, const icp_json *node)
{
	size_t i;

	if (!node)
		return misuse(w);
	switch (node->type) {
	case ICP_JSON_NULL:
		return icp_json_write_null(w);
	case ICP_JSON_BOOL:
		return icp_json_write_bool(w, node->u.boolean);
	case ICP_JSON_INT:
		return icp_json_write_int64(w, node->u.num.i);
	case ICP_JSON_DOUBLE:
		if (node->u.num.raw)
			return icp_json_write_raw(w, node->u.num.raw, node->u.num.raw_len);
		return icp_json_write_double(w, node->u.num.d);
	case ICP_JSON_STRING:
		return icp_json_write_string_n(w, node->u.str.ptr, node->u.str.len);
	case ICP_JSON_ARRAY:
		icp_json_write_begin_array(w);
		for (i = 0; i < node->u.arr.n && w->status == ICP_OK; i++)
			icp_json_write_value(w, &node->u.arr.items[i]);
		return icp_json_write_end_array(w);
	case ICP_JSON_OBJECT:
		icp_json_write_begin_object(w);
		for (i = 0; i < node->u.obj.n && w->status == ICP_OK; i++) {
			const icp_json_member *m = &node->u.obj.members[i];
			icp_json_write_key_n(w, m->key, m->key_len);
			icp_json_write_value(w, &m->value);
		}
		return icp_json_write_end_object(w);
	}
	return misuse(w);
}

int icp_json_writer_finish(icp_json_writer *w)
{
	if (w->status == ICP_OK && (w->depth != 0 || !w->top_done || w->after_key))
		w->status = ICP_ERR_INVALID;
	return status_of(w);
}
