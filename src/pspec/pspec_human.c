/*
 * Human-readable partition values and "name=value/..." path segments, as
 * Iceberg Java's Transform.toHumanString and PartitionSpec.partitionToPath
 * write them, so files of this processor sit where other engines would
 * put them. Formats per kind are listed in pspec.h. Output is appended to
 * the caller's icp_buf (its sticky status is returned); nothing else is
 * allocated, so it is safe per data file or per record.
 */
#include "pspec/pspec_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* yyyy-mm-dd. iso: ISO_LOCAL_DATE's year (4 digits at least, '+' above
 * 9999, '-' below 0) as Java formats timestamps; else String.format's
 * "%04d" as Java's humanDay formats dates and day partitions. */
static void put_date(icp_buf *b, int64_t days, int iso)
{
	int64_t y;
	int m, d;

	pspec_civil_from_days(days, &y, &m, &d);
	if (!iso)
		icp_buf_printf(b, "%04lld", (long long)y);
	else if (y > 9999)
		icp_buf_printf(b, "+%lld", (long long)y);
	else if (y < 0)
		icp_buf_printf(b, "-%04lld", (long long)-y);
	else
		icp_buf_printf(b, "%04lld", (long long)y);
	icp_buf_printf(b, "-%02d-%02d", m, d);
}

/* ISO_LOCAL_TIME: HH:mm:ss plus the fraction without trailing zeros. */
static void put_iso_time(icp_buf *b, int64_t micros_of_day)
{
	int64_t s = micros_of_day / 1000000, us = micros_of_day % 1000000;
	int digits = 6;

	icp_buf_printf(b, "%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
	if (us == 0)
		return;
	while (us % 10 == 0) {
		us /= 10;
		digits--;
	}
	icp_buf_printf(b, ".%0*lld", digits, (long long)us);
}

/* java.time.LocalTime.toString: HH:mm, ":ss" unless seconds and fraction
 * are zero, the fraction in groups of 3 digits. */
static void put_local_time(icp_buf *b, int64_t micros)
{
	int64_t s = micros / 1000000, us = micros % 1000000;

	icp_buf_printf(b, "%02d:%02d", (int)(s / 3600 % 24), (int)(s / 60 % 60));
	if (s % 60 == 0 && us == 0)
		return;
	icp_buf_printf(b, ":%02d", (int)(s % 60));
	if (us == 0)
		return;
	if (us % 1000 == 0)
		icp_buf_printf(b, ".%03d", (int)(us / 1000));
	else
		icp_buf_printf(b, ".%06d", (int)us);
}

static void put_timestamp(icp_buf *b, int64_t micros, int tz)
{
	int64_t days = pspec_floor_div(micros, PSPEC_MICROS_PER_DAY);

	put_date(b, days, 1);
	icp_buf_append_byte(b, 'T');
	put_iso_time(b, micros - days * PSPEC_MICROS_PER_DAY);
	if (tz)
		icp_buf_append_str(b, "+00:00");
}

static void put_uuid(icp_buf *b, icp_slice u)
{
	for (size_t i = 0; i < u.len; i++) {
		if (u.len == 16 && (i == 4 || i == 6 || i == 8 || i == 10))
			icp_buf_append_byte(b, '-');
		icp_buf_printf(b, "%02x", u.ptr[i]);
	}
}

/* BigDecimal.toString of unscaled (big-endian two's complement) and
 * scale: plain unless the adjusted exponent is below -6 or scale < 0. */
static void put_decimal(icp_buf *b, icp_slice v, int32_t scale)
{
	uint8_t mag[64];
	char digits[160];
	size_t n = v.len, nd = 0, i;
	int neg = n && (v.ptr[0] & 0x80);
	int64_t adjusted;

	if (n > sizeof(mag)) {
		icp_buf_append_str(b, "decimal-too-long");
		return;
	}
	if (n)
		memcpy(mag, v.ptr, n);
	if (neg) { /* magnitude = two's complement negation */
		int carry = 1;
		for (i = n; i-- > 0;) {
			int x = (uint8_t)~mag[i] + carry;
			mag[i] = (uint8_t)x;
			carry = x >> 8;
		}
	}
	/* Repeated division by 10 of the big-endian magnitude. */
	for (;;) {
		unsigned rem = 0;
		int nonzero = 0;
		for (i = 0; i < n; i++) {
			unsigned cur = rem << 8 | mag[i];
			mag[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
			nonzero |= mag[i] != 0;
		}
		digits[nd++] = (char)('0' + rem);
		if (!nonzero)
			break;
	}
	/* digits are least significant first */
	if (neg)
		icp_buf_append_byte(b, '-');
	adjusted = -(int64_t)scale + (int64_t)nd - 1;
	if (scale >= 0 && adjusted >= -6) {
		if (scale == 0) {
			for (i = nd; i-- > 0;)
				icp_buf_append_byte(b, (uint8_t)digits[i]);
		} else if ((int64_t)nd > scale) {
			for (i = nd; i-- > 0;) {
				icp_buf_append_byte(b, (uint8_t)digits[i]);
				if (i == (size_t)scale)
					icp_buf_append_byte(b, '.');
			}
		} else {
			icp_buf_append_str(b, "0.");
			for (int64_t z = scale - (int64_t)nd; z > 0; z--)
				icp_buf_append_byte(b, '0');
			for (i = nd; i-- > 0;)
				icp_buf_append_byte(b, (uint8_t)digits[i]);
		}
		return;
	}
	icp_buf_append_byte(b, (uint8_t)digits[nd - 1]);
	if (nd > 1) {
		icp_buf_append_byte(b, '.');
		for (i = nd - 1; i-- > 0;)
			icp_buf_append_byte(b, (uint8_t)digits[i]);
	}
	icp_buf_printf(b, "E%s%lld", adjusted >= 0 ? "+" : "", (long long)adjusted);
}

/* Java's Double.toString / Float.toString with shortest round-trip
 * digits: plain for 1e-3 <= |v| < 1e7 (at least one fraction digit),
 * else d.dddE<exp>. */
static void put_java_double(icp_buf *b, double v, int is_float)
{
	char e[40], digits[24];
	int p, nd = 0, exp10;
	const char *s;

	if (isnan(v)) {
		icp_buf_append_str(b, "NaN");
		return;
	}
	if (isinf(v)) {
		icp_buf_append_str(b, v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (signbit(v))
		icp_buf_append_byte(b, '-');
	v = fabs(v);
	if (v == 0) {
		icp_buf_append_str(b, "0.0");
		return;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, v);
		if (is_float ? strtof(e, NULL) == (float)v : strtod(e, NULL) == v)
			break;
	}
	for (s = e; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			digits[nd++] = *s;
	exp10 = (int)strtol(s + 1, NULL, 10);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (v >= 1e-3 && v < 1e7) {
		if (exp10 >= 0) {
			for (int i = 0; i <= exp10; i++)
				icp_buf_append_byte(b, (uint8_t)(i < nd ? digits[i] : '0'));
			icp_buf_append_byte(b, '.');
			if (nd > exp10 + 1)
				icp_buf_append(b, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
			else
				icp_buf_append_byte(b, '0');
		} else {
			icp_buf_append_str(b, "0.");
			for (int i = -1; i > exp10; i--)
				icp_buf_append_byte(b, '0');
			icp_buf_append(b, digits, (size_t)nd);
		}
		return;
	}
	icp_buf_append_byte(b, (uint8_t)digits[0]);
	icp_buf_append_byte(b, '.');
	if (nd > 1)
		icp_buf_append(b, digits + 1, (size_t)(nd - 1));
	else
		icp_buf_append_byte(b, '0');
	icp_buf_printf(b, "E%d", exp10);
}

static void put_by_kind(icp_buf *b, const icp_pspec_value *v)
{
	icp_slice x = icp_pspec_value_bytes(v);

	switch (v->kind) {
	case ICP_ICE_BOOLEAN: icp_buf_append_str(b, v->i ? "true" : "false"); break;
	case ICP_ICE_DATE: put_date(b, v->i, 0); break;
	case ICP_ICE_TIME: put_local_time(b, v->i); break;
	case ICP_ICE_TIMESTAMP: put_timestamp(b, v->i, 0); break;
	case ICP_ICE_TIMESTAMPTZ: put_timestamp(b, v->i, 1); break;
	case ICP_ICE_FLOAT: put_java_double(b, (float)v->d, 1); break;
	case ICP_ICE_DOUBLE: put_java_double(b, v->d, 0); break;
	case ICP_ICE_STRING: icp_buf_append(b, x.ptr, x.len); break;
	case ICP_ICE_UUID: put_uuid(b, x); break;
	case ICP_ICE_FIXED:
	case ICP_ICE_BINARY: icp_buf_append_base64(b, x.ptr, x.len); break;
	case ICP_ICE_DECIMAL: put_decimal(b, x, v->scale); break;
	default: icp_buf_append_i64(b, v->i); break;
	}
}

int icp_pspec_human(const icp_pspec_field *f, const icp_pspec_value *v, icp_buf *out)
{
	int64_t y;
	int m, d;

	if (v->is_null || f->transform == ICP_PSPEC_VOID) {
		icp_buf_append_str(out, "null");
		return out->status;
	}
	switch (f->transform) {
	case ICP_PSPEC_YEAR:
		icp_buf_printf(out, "%04lld", (long long)(1970 + v->i));
		break;
	case ICP_PSPEC_MONTH:
		icp_buf_printf(out, "%04lld-%02d", (long long)(1970 + pspec_floor_div(v->i, 12)),
		               (int)(v->i - pspec_floor_div(v->i, 12) * 12 + 1));
		break;
	case ICP_PSPEC_DAY:
		put_date(out, v->i, 0);
		break;
	case ICP_PSPEC_HOUR:
		pspec_civil_from_days(pspec_floor_div(v->i, 24), &y, &m, &d);
		icp_buf_printf(out, "%04lld-%02d-%02d-%02d", (long long)y, m, d,
		               (int)(v->i - pspec_floor_div(v->i, 24) * 24));
		break;
	case ICP_PSPEC_BUCKET:
		icp_buf_append_i64(out, v->i);
		break;
	default:
		put_by_kind(out, v);
	}
	return out->status;
}

/* URLEncoder.encode over out[from..len) in place: keeps A-Z a-z 0-9 and
 * ". - * _", turns ' ' into '+', every other byte into %XX. */
static void escape_tail(icp_buf *b, size_t from)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t extra = 0, i, o;

	if (b->status)
		return;
	for (i = from; i < b->len; i++) {
		uint8_t c = b->data[i];
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '*' ||
		           c == '_' || c == ' ';
		extra += keep ? 0 : 2;
	}
	if (extra == 0) {
		for (i = from; i < b->len; i++)
			if (b->data[i] == ' ')
				b->data[i] = '+';
		return;
	}
	if (icp_buf_reserve(b, extra + 1) != ICP_OK)
		return;
	/* Back to front so each byte is read before it is overwritten. */
	o = b->len + extra;
	for (i = b->len; i-- > from;) {
		uint8_t c = b->data[i];
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '*' || c == '_';
		if (keep) {
			b->data[--o] = c;
		} else if (c == ' ') {
			b->data[--o] = '+';
		} else {
			b->data[--o] = (uint8_t)hex[c & 15];
			b->data[--o] = (uint8_t)hex[c >> 4];
			b->data[--o] = '%';
		}
	}
	b->len += extra;
	b->data[b->len] = '\0';
}

int icp_pspec_path(const icp_pspec *spec, const icp_pspec_value *values, icp_buf *out)
{
	for (size_t i = 0; i < spec->n_fields; i++) {
		size_t at;
		if (i)
			icp_buf_append_byte(out, '/');
		at = out->len;
		icp_buf_append_str(out, spec->fields[i].name);
		escape_tail(out, at);
		icp_buf_append_byte(out, '=');
		at = out->len;
		icp_pspec_human(&spec->fields[i], &values[i], out);
		escape_tail(out, at);
	}
	return out->status;
}
