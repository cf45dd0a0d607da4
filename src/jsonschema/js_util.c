/*
 * jsonschema value helpers: JSON equality (enum, const, uniqueItems),
 * number comparisons that stay exact across int64 and double, and the
 * asserted formats (date-time and date per RFC 3339, email per RFC 5321's
 * mailbox syntax, uuid per RFC 4122's text form).
 */
#include "jsonschema/jsonschema_int.h"

#include <math.h>

static int is_num(const icp_json *v)
{
	return v->type == ICP_JSON_INT || v->type == ICP_JSON_DOUBLE;
}

/* Compares integer i with double d exactly: a double beyond int64 range is
 * beyond every i; otherwise compare integral parts as integers, then the
 * fraction decides. */
static int cmp_int_double(int64_t i, double d)
{
	double t;
	int64_t ti;
	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	t = trunc(d);
	ti = (int64_t)t;
	if (i != ti)
		return i < ti ? -1 : 1;
	if (d > t)
		return -1;
	if (d < t)
		return 1;
	return 0;
}

int js_num_cmp(const icp_json *a, const icp_json *b)
{
	if (a->type == ICP_JSON_INT && b->type == ICP_JSON_INT)
		return a->u.num.i < b->u.num.i ? -1 : a->u.num.i > b->u.num.i;
	if (a->type == ICP_JSON_INT)
		return cmp_int_double(a->u.num.i, b->u.num.d);
	if (b->type == ICP_JSON_INT)
		return -cmp_int_double(b->u.num.i, a->u.num.d);
	return a->u.num.d < b->u.num.d ? -1 : a->u.num.d > b->u.num.d;
}

int js_is_integer(const icp_json *n)
{
	if (n->type == ICP_JSON_INT)
		return 1;
	return n->type == ICP_JSON_DOUBLE && isfinite(n->u.num.d) &&
	       n->u.num.d == trunc(n->u.num.d);
}

int js_multiple_of(const icp_json *n, const icp_json *m)
{
	double q, r;
	if (n->type == ICP_JSON_INT && m->type == ICP_JSON_INT) {
		if (m->u.num.i == 1 || m->u.num.i == -1)
			return 1; /* INT64_MIN % -1 traps */
		return n->u.num.i % m->u.num.i == 0;
	}
	/* Doubles: the quotient must be integral. Decimal divisors such as
	 * 0.01 are not exact in binary, so allow a relative slack of a few
	 * ulps; a quotient that overflows is not a multiple we can prove. */
	q = n->u.num.d / m->u.num.d;
	if (!isfinite(q))
		return 0;
	r = nearbyint(q);
	return fabs(q - r) <= 1e-9 * (fabs(q) > 1 ? fabs(q) : 1);
}

static const icp_json *member_of(const icp_json *obj, const char *k, size_t n)
{
	size_t i;
	for (i = 0; i < obj->u.obj.n; i++) {
		const icp_json_member *m = &obj->u.obj.members[i];
		if (m->key_len == n && memcmp(m->key, k, n) == 0)
			return &m->value;
	}
	return NULL;
}

int js_equal(const icp_json *a, const icp_json *b)
{
	size_t i;
	if (is_num(a) && is_num(b))
		return js_num_cmp(a, b) == 0;
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case ICP_JSON_NULL:
		return 1;
	case ICP_JSON_BOOL:
		return a->u.boolean == b->u.boolean;
	case ICP_JSON_STRING:
		return a->u.str.len == b->u.str.len &&
		       memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
	case ICP_JSON_ARRAY:
		if (a->u.arr.n != b->u.arr.n)
			return 0;
		for (i = 0; i < a->u.arr.n; i++)
			if (!js_equal(&a->u.arr.items[i], &b->u.arr.items[i]))
				return 0;
		return 1;
	case ICP_JSON_OBJECT:
		/* Same member count and every key of a found in b with an equal
		 * value; duplicate keys are not JSON Schema data (RFC 8259
		 * says SHOULD be unique), so counts suffice. */
		if (a->u.obj.n != b->u.obj.n)
			return 0;
		for (i = 0; i < a->u.obj.n; i++) {
			const icp_json_member *m = &a->u.obj.members[i];
			const icp_json *o = member_of(b, m->key, m->key_len);
			if (!o || !js_equal(&m->value, o))
				return 0;
		}
		return 1;
	default:
		return 0;
	}
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_bytes(const char *p, size_t n, uint64_t h)
{
	size_t i;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
	return h;
}

uint64_t js_hash(const icp_json *v)
{
	uint64_t h = 0xcbf29ce484222325ull, acc = 0;
	double d;
	size_t i;
	switch (v->type) {
	case ICP_JSON_INT:
	case ICP_JSON_DOUBLE:
		/* equal numbers have equal doubles (1 and 1.0; 0 and -0.0) */
		d = v->type == ICP_JSON_INT ? (double)v->u.num.i : v->u.num.d;
		if (d == 0)
			d = 0;
		memcpy(&h, &d, sizeof(h));
		return mix(h ^ 3);
	case ICP_JSON_STRING:
		return mix(hash_bytes(v->u.str.ptr, v->u.str.len, h) ^ 4);
	case ICP_JSON_ARRAY:
		for (i = 0; i < v->u.arr.n; i++)
			h = mix(h + js_hash(&v->u.arr.items[i]));
		return h ^ 5;
	case ICP_JSON_OBJECT:
		/* member order does not matter: sum of per-member hashes */
		for (i = 0; i < v->u.obj.n; i++) {
			const icp_json_member *m = &v->u.obj.members[i];
			acc += mix(hash_bytes(m->key, m->key_len, h) ^ js_hash(&m->value));
		}
		return mix(acc ^ 6);
	case ICP_JSON_BOOL:
		return mix((uint64_t)v->u.boolean + 1);
	default:
		return mix(7);
	}
}

size_t js_utf8_len(const char *s, size_t n)
{
	size_t i, c = 0;
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/* ---------------------------------------------------------------- formats */

static int digits(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

static int days_in_month(int y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* full-date = YYYY-MM-DD */
static int check_date(const char *s, size_t n)
{
	int y, m, d;
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return 0;
	return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* date-time = full-date "T" HH:MM:SS [.frac] ("Z" / ("+"/"-") HH:MM).
 * A leap second (:60) is valid only when the time is 23:59 in UTC. */
static int check_date_time(const char *s, size_t n)
{
	int hh, mm, ss, oh = 0, om = 0, sign = 0, um;
	size_t i = 19;
	if (n < 20 || !check_date(s, 10))
		return 0;
	if (s[10] != 'T' && s[10] != 't')
		return 0;
	if (s[13] != ':' || s[16] != ':' || !digits(s + 11, 2, &hh) ||
	    !digits(s + 14, 2, &mm) || !digits(s + 17, 2, &ss))
		return 0;
	if (hh > 23 || mm > 59 || ss > 60)
		return 0;
	if (s[i] == '.') {
		size_t f = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f)
			return 0;
	}
	if (i >= n)
		return 0;
	if (s[i] == 'Z' || s[i] == 'z') {
		if (i + 1 != n)
			return 0;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '+' ? 1 : -1;
		if (n - i != 6 || s[i + 3] != ':' || !digits(s + i + 1, 2, &oh) ||
		    !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return 0;
	} else {
		return 0;
	}
	if (ss == 60) {
		um = hh * 60 + mm - sign * (oh * 60 + om);
		um = ((um % 1440) + 1440) % 1440;
		if (um != 23 * 60 + 59)
			return 0;
	}
	return 1;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int check_uuid(const char *s, size_t n)
{
	size_t i;
	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_hex(s[i])) {
			return 0;
		}
	}
	return 1;
}

static int check_ipv4(const char *s, size_t n)
{
	size_t i = 0;
	int part;
	for (part = 0; part < 4; part++) {
		size_t st = i;
		int v = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - st < 3)
			v = v * 10 + (s[i++] - '0');
		if (i == st || v > 255 || (i - st > 1 && s[st] == '0'))
			return 0;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	return i == n;
}

/* Loose IPv6 text check: hex groups and colons, at most one "::", at most
 * 8 groups. Enough for an address literal in an email. */
static int check_ipv6(const char *s, size_t n)
{
	size_t i, groups = 0, glen = 0;
	int dbl = 0;
	if (n < 2)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == ':') {
			if (i + 1 < n && s[i + 1] == ':') {
				if (dbl++)
					return 0;
				i++;
			} else if (glen == 0 || i + 1 == n) {
				return 0; /* ":1", "1::2:", "1:" */
			}
			glen = 0;
		} else if (is_hex(s[i])) {
			if (glen++ == 0)
				groups++;
			if (glen > 4)
				return 0;
		} else {
			return 0;
		}
	}
	return groups <= 8 && (dbl || groups == 8);
}

static int atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* mailbox = local-part "@" domain; local-part a dot-string or a quoted
 * string; domain a hostname or an [IPv4] / [IPv6:...] literal. */
static int check_email(const char *s, size_t n)
{
	size_t i = 0, at, lab = 0;
	if (n == 0)
		return 0;
	if (s[0] == '"') {
		for (i = 1; i < n && s[i] != '"'; i++)
			if (s[i] == '\\' && ++i >= n)
				return 0;
		if (i >= n)
			return 0;
		i++;
	} else {
		while (i < n && s[i] != '@') {
			if (s[i] == '.') {
				if (i == 0 || s[i - 1] == '.' || i + 1 >= n || s[i + 1] == '@')
					return 0;
			} else if (!atext((unsigned char)s[i])) {
				return 0;
			}
			i++;
		}
		if (i == 0)
			return 0;
	}
	if (i >= n || s[i] != '@')
		return 0;
	at = ++i;
	if (at >= n)
		return 0;
	if (s[at] == '[') {
		if (s[n - 1] != ']')
			return 0;
		if (n - at > 6 && memcmp(s + at + 1, "IPv6:", 5) == 0)
			return check_ipv6(s + at + 6, n - at - 7);
		return check_ipv4(s + at + 1, n - at - 2);
	}
	for (i = at; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return 0;
			lab = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || (c == '-' && lab > 0)) {
			if (++lab > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return lab > 0 && s[n - 1] != '-' && n - at <= 253;
}

int js_format_lookup(const char *name)
{
	if (strcmp(name, "date-time") == 0)
		return JS_FMT_DATE_TIME;
	if (strcmp(name, "date") == 0)
		return JS_FMT_DATE;
	if (strcmp(name, "email") == 0)
		return JS_FMT_EMAIL;
	if (strcmp(name, "uuid") == 0)
		return JS_FMT_UUID;
	return JS_FMT_NONE;
}

int js_format_check(int fmt, const char *s, size_t n)
{
	switch (fmt) {
	case JS_FMT_DATE_TIME:
		return check_date_time(s, n);
	case JS_FMT_DATE:
		return check_date(s, n);
	case JS_FMT_EMAIL:
		return check_email(s, n);
	case JS_FMT_UUID:
		return check_uuid(s, n);
	default:
		return 1;
	}
}
