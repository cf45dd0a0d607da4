/*
 * JSON parser: recursive descent over [start, end), never reading past end.
 * Containers are collected on one scratch stack (heap, grown by doubling)
 * and copied into the arena, contiguous, when they close; so each array or
 * object costs one arena allocation whatever its size, and the recursion
 * depth equals the nesting depth, which the depth limit bounds.
 */
#include "json/json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>

typedef struct parser {
	const uint8_t *start, *p, *end;
	icp_arena *a;
	icp_error *err;
	int depth, max_depth;
	icp_json_member *stack; /* scratch: children of the open containers */
	size_t sp, cap;
	locale_t cloc;          /* C locale for strtod_l, made on first use */
} parser;

static int fail(parser *ps, int status, const uint8_t *at, const char *what)
{
	size_t off = (size_t)(at - ps->start), line = 1, col = 1;
	const uint8_t *q;

	for (q = ps->start; q < at; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return icp_error_set(ps->err, status, "json: %s at byte %zu (line %zu, column %zu)",
	                     what, off, line, col);
}

static int nomem(parser *ps)
{
	return icp_error_set(ps->err, ICP_ERR_NOMEM, "json: out of memory at byte %zu",
	                     (size_t)(ps->p - ps->start));
}

static void skip_ws(parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. RFC 3629:
 * no overlongs, no surrogates (ED A0..BF), nothing above U+10FFFF. */
static size_t utf8_len(const uint8_t *p, const uint8_t *end)
{
	uint8_t c = p[0];
	size_t n = (size_t)(end - p);

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		uint8_t lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		if (n < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		uint8_t lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		if (n < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

int icp_json_hex4(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		uint8_t c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return 0;
	}
	*out = v;
	return 1;
}

static int hex4(const uint8_t *p, const uint8_t *end, uint32_t *out)
{
	return end - p >= 4 && icp_json_hex4(p, out) ? 0 : -1;
}

/* ps->p is at the opening quote. Two passes: the first validates and finds
 * the closing quote (so the arena gets one exact-size allocation; unescaped
 * text is never longer than the escaped one), the second decodes. */
static int parse_string(parser *ps, const char **out, size_t *out_len)
{
	const uint8_t *q = ps->p + 1, *body = q;
	int escapes = 0;
	uint8_t *o, *dst;

	for (;;) {
		size_t n;
		if (q >= ps->end)
			return fail(ps, ICP_ERR_CORRUPT, ps->p, "unterminated string");
		if (*q == '"')
			break;
		if (*q < 0x20)
			return fail(ps, ICP_ERR_CORRUPT, q,
			            "control character in string (must be escaped)");
		if (*q == '\\') {
			escapes = 1;
			if (q + 1 >= ps->end)
				return fail(ps, ICP_ERR_CORRUPT, ps->p, "unterminated string");
			switch (q[1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				q += 2;
				continue;
			case 'u': {
				uint32_t u, lo;
				if (hex4(q + 2, ps->end, &u) != 0)
					return fail(ps, ICP_ERR_CORRUPT, q,
					            "expected 4 hex digits after \\u");
				if (u >= 0xDC00 && u <= 0xDFFF)
					return fail(ps, ICP_ERR_CORRUPT, q,
					            "lone low surrogate escape");
				if (u >= 0xD800 && u <= 0xDBFF) {
					if (ps->end - (q + 6) < 2 || q[6] != '\\' || q[7] != 'u' ||
					    hex4(q + 8, ps->end, &lo) != 0 || lo < 0xDC00 ||
					    lo > 0xDFFF)
						return fail(ps, ICP_ERR_CORRUPT, q,
						            "high surrogate escape not followed by a low surrogate escape");
					q += 12;
				} else {
					q += 6;
				}
				continue;
			}
			default:
				return fail(ps, ICP_ERR_CORRUPT, q, "invalid escape in string");
			}
		}
		n = utf8_len(q, ps->end);
		if (n == 0)
			return fail(ps, ICP_ERR_CORRUPT, q, "invalid UTF-8 in string");
		q += n;
	}
	o = icp_arena_alloc(ps->a, (size_t)(q - body) + 1);
	if (!o)
		return nomem(ps);
	if (!escapes) {
		memcpy(o, body, (size_t)(q - body));
		dst = o + (q - body);
	} else {
		const uint8_t *s = body;
		dst = o;
		while (s < q) {
			uint32_t u, lo;
			if (*s != '\\') {
				*dst++ = *s++;
				continue;
			}
			switch (s[1]) {
			case 'b': *dst++ = '\b'; break;
			case 'f': *dst++ = '\f'; break;
			case 'n': *dst++ = '\n'; break;
			case 'r': *dst++ = '\r'; break;
			case 't': *dst++ = '\t'; break;
			case 'u':
				(void)hex4(s + 2, q, &u);
				if (u >= 0xD800 && u <= 0xDBFF) {
					(void)hex4(s + 8, q, &lo);
					u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
					s += 6;
				}
				dst += icp_utf8_encode(u, dst);
				s += 6;
				continue;
			default: *dst++ = s[1]; break; /* " \ / */
			}
			s += 2;
		}
	}
	*dst = 0;
	*out = (const char *)o;
	*out_len = (size_t)(dst - o);
	ps->p = q + 1;
	return ICP_OK;
}

static int parse_number(parser *ps, icp_json *out)
{
	const uint8_t *s = ps->p, *q = s;
	int neg = 0, is_int = 1, overflow = 0;
	uint64_t mag = 0;
	char *raw;
	size_t len;

	if (*q == '-') {
		neg = 1;
		q++;
	}
	if (q >= ps->end || !is_digit(*q))
		return fail(ps, ICP_ERR_CORRUPT, q, "expected digit");
	if (*q == '0') {
		q++;
		if (q < ps->end && is_digit(*q))
			return fail(ps, ICP_ERR_CORRUPT, q, "leading zeros are not allowed");
	} else {
		while (q < ps->end && is_digit(*q)) {
			unsigned d = (unsigned)(*q - '0');
			if (mag > (UINT64_MAX - d) / 10)
				overflow = 1;
			else
				mag = mag * 10 + d;
			q++;
		}
	}
	if (q < ps->end && *q == '.') {
		is_int = 0;
		q++;
		if (q >= ps->end || !is_digit(*q))
			return fail(ps, ICP_ERR_CORRUPT, q, "expected digit after '.'");
		while (q < ps->end && is_digit(*q))
			q++;
	}
	if (q < ps->end && (*q == 'e' || *q == 'E')) {
		is_int = 0;
		q++;
		if (q < ps->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= ps->end || !is_digit(*q))
			return fail(ps, ICP_ERR_CORRUPT, q, "expected digit in exponent");
		while (q < ps->end && is_digit(*q))
			q++;
	}
	len = (size_t)(q - s);
	raw = icp_arena_alloc(ps->a, len + 1);
	if (!raw)
		return nomem(ps);
	memcpy(raw, s, len);
	raw[len] = 0;
	out->u.num.raw = raw;
	out->u.num.raw_len = len;
	/* -0 as an integer would lose its sign: it goes the double way. */
	if (is_int && !overflow && mag != 0 &&
	    mag <= (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
		out->type = ICP_JSON_INT;
		out->u.num.i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		out->u.num.d = (double)out->u.num.i;
	} else if (is_int && mag == 0 && !neg) {
		out->type = ICP_JSON_INT;
		out->u.num.i = 0;
		out->u.num.d = 0;
	} else {
		char *endp;
		double d;
		if (!ps->cloc) {
			ps->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
			if (!ps->cloc)
				return nomem(ps);
		}
		errno = 0;
		d = strtod_l(raw, &endp, ps->cloc);
		if (endp != raw + len)
			return fail(ps, ICP_ERR_CORRUPT, s, "malformed number");
		if (isinf(d))
			return fail(ps, ICP_ERR_TOO_LARGE, s, "number out of double range");
		out->type = ICP_JSON_DOUBLE;
		out->u.num.i = 0;
		out->u.num.d = d;
	}
	ps->p = q;
	return ICP_OK;
}

static int literal(parser *ps, const char *word, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, ICP_ERR_CORRUPT, ps->p, "expected a value");
	ps->p += n;
	return ICP_OK;
}

static int push(parser *ps, const char *key, size_t key_len, const icp_json *v)
{
	if (ps->sp == ps->cap) {
		size_t ncap = ps->cap ? ps->cap * 2 : 64, bytes;
		icp_json_member *ns;
		if (icp_mul_size(ncap, sizeof(*ns), &bytes))
			return nomem(ps);
		ns = icp_realloc(ps->stack, bytes);
		if (!ns)
			return nomem(ps);
		ps->stack = ns;
		ps->cap = ncap;
	}
	ps->stack[ps->sp].key = key;
	ps->stack[ps->sp].key_len = key_len;
	ps->stack[ps->sp].value = *v;
	ps->sp++;
	return ICP_OK;
}

static int parse_value(parser *ps, icp_json *out);

static int parse_array(parser *ps, icp_json *out)
{
	size_t base = ps->sp, n, i;
	int rc;

	ps->p++; /* [ */
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		goto close;
	}
	for (;;) {
		icp_json item;
		if ((rc = parse_value(ps, &item)) != ICP_OK)
			return rc;
		if ((rc = push(ps, NULL, 0, &item)) != ICP_OK)
			return rc;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			break;
		}
		return fail(ps, ICP_ERR_CORRUPT, ps->p, "expected ',' or ']' in array");
	}
close:
	n = ps->sp - base;
	out->type = ICP_JSON_ARRAY;
	out->u.arr.n = n;
	out->u.arr.items = NULL;
	if (n) {
		out->u.arr.items = icp_arena_alloc(ps->a, n * sizeof(icp_json));
		if (!out->u.arr.items)
			return nomem(ps);
		for (i = 0; i < n; i++)
			out->u.arr.items[i] = ps->stack[base + i].value;
	}
	ps->sp = base;
	return ICP_OK;
}

static int parse_object(parser *ps, icp_json *out)
{
	size_t base = ps->sp, n;
	int rc;

	ps->p++; /* { */
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		goto close;
	}
	for (;;) {
		icp_json val;
		const char *key;
		size_t key_len;
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '"')
			return fail(ps, ICP_ERR_CORRUPT, ps->p, "expected string key in object");
		if ((rc = parse_string(ps, &key, &key_len)) != ICP_OK)
			return rc;
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':')
			return fail(ps, ICP_ERR_CORRUPT, ps->p, "expected ':' after object key");
		ps->p++;
		if ((rc = parse_value(ps, &val)) != ICP_OK)
			return rc;
		if ((rc = push(ps, key, key_len, &val)) != ICP_OK)
			return rc;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			break;
		}
		return fail(ps, ICP_ERR_CORRUPT, ps->p, "expected ',' or '}' in object");
	}
close:
	n = ps->sp - base;
	out->type = ICP_JSON_OBJECT;
	out->u.obj.n = n;
	out->u.obj.members = NULL;
	if (n) {
		out->u.obj.members = icp_arena_memdup(ps->a, ps->stack + base,
		                                      n * sizeof(icp_json_member));
		if (!out->u.obj.members)
			return nomem(ps);
	}
	ps->sp = base;
	return ICP_OK;
}

static int parse_value(parser *ps, icp_json *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, ICP_ERR_CORRUPT, ps->p, "expected a value, found end of input");
	switch (*ps->p) {
	case '{':
	case '[':
		if (ps->depth >= ps->max_depth)
			return fail(ps, ICP_ERR_TOO_LARGE, ps->p, "nesting deeper than the depth limit");
		ps->depth++;
		rc = *ps->p == '{' ? parse_object(ps, out) : parse_array(ps, out);
		ps->depth--;
		return rc;
	case '"':
		out->type = ICP_JSON_STRING;
		return parse_string(ps, &out->u.str.ptr, &out->u.str.len);
	case 't':
		out->type = ICP_JSON_BOOL;
		out->u.boolean = 1;
		return literal(ps, "true", 4);
	case 'f':
		out->type = ICP_JSON_BOOL;
		return literal(ps, "false", 5);
	case 'n':
		out->type = ICP_JSON_NULL;
		return literal(ps, "null", 4);
	default:
		if (*ps->p == '-' || is_digit(*ps->p))
			return parse_number(ps, out);
		return fail(ps, ICP_ERR_CORRUPT, ps->p, "expected a value");
	}
}

int icp_json_parse(icp_arena *a, const char *text, size_t len,
                   const icp_json_opts *opts, icp_json **root, icp_error *err)
{
	parser ps;
	icp_json *node = NULL;
	size_t max_input = opts && opts->max_input ? opts->max_input : (size_t)64 << 20;
	int rc = ICP_ERR_CORRUPT;

	*root = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.start = ps.p = (const uint8_t *)text;
	ps.end = ps.start + len;
	ps.a = a;
	ps.err = err;
	ps.max_depth = opts && opts->max_depth > 0 ? opts->max_depth : 64;
	if (ps.max_depth > ICP_JSON_DEPTH_LIMIT)
		ps.max_depth = ICP_JSON_DEPTH_LIMIT;
	if (len > max_input)
		return icp_error_set(err, ICP_ERR_TOO_LARGE,
		                     "json: input of %zu bytes exceeds the limit of %zu", len,
		                     max_input);
	if (!text && len)
		return icp_error_set(err, ICP_ERR_INVALID, "json: NULL text");
	node = icp_arena_alloc(a, sizeof(*node));
	if (!node) {
		rc = nomem(&ps);
		goto out;
	}
	if ((rc = parse_value(&ps, node)) != ICP_OK)
		goto out;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		rc = fail(&ps, ICP_ERR_CORRUPT, ps.p, "expected end of input after the value");
		goto out;
	}
	*root = node;
	rc = ICP_OK;
out:
	icp_free(ps.stack);
	if (ps.cloc)
		freelocale(ps.cloc);
	return rc;
}
