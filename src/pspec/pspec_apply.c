/*
 * Partition transforms on single values, the Appendix B hash, Appendix D
 * single-value serialization and value ordering. Everything here runs per
 * record: no allocation, results borrow the input's bytes or keep at most
 * 16 computed bytes inside the icp_pspec_value.
 *
 * Decimals are unscaled big-endian two's complement integers of any
 * length. Iceberg decimals have precision <= 38, which fits 16 bytes, so
 * arithmetic (truncate) uses a 128-bit value held as hi:lo words.
 */
#include "pspec/pspec_int.h"

#include <math.h>
#include <stdio.h>

/* ------------------------------------------------------------- helpers */

static void store_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void store_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The shortest two's complement form: drop leading bytes that only repeat
 * the sign. An empty input reads as zero (one 0x00 byte, as Java's
 * BigInteger.toByteArray gives). */
static icp_slice dec_minimal(icp_slice b)
{
	static const uint8_t zero = 0;
	const uint8_t *p = b.ptr;
	size_t n = b.len;

	if (n == 0)
		return icp_slice_make(&zero, 1);
	while (n > 1 && ((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xff && (p[1] & 0x80)))) {
		p++;
		n--;
	}
	return icp_slice_make(p, n);
}

void pspec_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	/* Days to civil date in the proleptic Gregorian calendar, counting
	 * 400-year eras from 0000-03-01 so leap days fall at era ends. */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* ---------------------------------------------------------------- hash */

static uint32_t rotl32(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static uint32_t mix_k(uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = rotl32(k, 15);
	return k * 0x1b873593u;
}

uint32_t icp_pspec_murmur3(const uint8_t *p, size_t n)
{
	uint32_t h = 0, k = 0;
	size_t i, blocks = n / 4;

	for (i = 0; i < blocks; i++) {
		h ^= mix_k(icp_load_le32(p + 4 * i));
		h = rotl32(h, 13);
		h = h * 5 + 0xe6546b64u;
	}
	switch (n & 3) {
	case 3: k ^= (uint32_t)p[4 * blocks + 2] << 16; /* fall through */
	case 2: k ^= (uint32_t)p[4 * blocks + 1] << 8;  /* fall through */
	case 1:
		k ^= p[4 * blocks];
		h ^= mix_k(k);
	}
	h ^= (uint32_t)n;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

int icp_pspec_hash(const icp_pspec_value *v, int32_t *hash, icp_error *err)
{
	icp_slice b = icp_pspec_value_bytes(v);
	uint8_t le[8];

	switch (v->kind) {
	case ICP_ICE_INT:
	case ICP_ICE_LONG:
	case ICP_ICE_DATE:
	case ICP_ICE_TIME:
	case ICP_ICE_TIMESTAMP:
	case ICP_ICE_TIMESTAMPTZ:
		/* Ints and dates hash as longs so promotion keeps buckets. */
		store_le64(le, (uint64_t)v->i);
		*hash = (int32_t)icp_pspec_murmur3(le, 8);
		return ICP_OK;
	case ICP_ICE_DECIMAL:
		b = dec_minimal(b);
		break;
	case ICP_ICE_UUID:
		if (b.len != 16)
			return icp_error_set(err, ICP_ERR_INVALID, "uuid value of %zu bytes, not 16",
			                     b.len);
		break;
	case ICP_ICE_STRING:
	case ICP_ICE_FIXED:
	case ICP_ICE_BINARY:
		break;
	default:
		return icp_error_set(err, ICP_ERR_INVALID, "no bucket hash for %s values",
		                     icp_ice_kind_name(v->kind));
	}
	*hash = (int32_t)icp_pspec_murmur3(b.ptr, b.len);
	return ICP_OK;
}

/* ------------------------------------------------------------ truncate */

static int trunc_decimal(icp_slice in, int32_t w, icp_pspec_value *out, icp_error *err)
{
	uint8_t buf[16];
	icp_slice m = dec_minimal(in), r;
	uint64_t hi, lo, mhi, mlo, rem = 0, sub;
	int neg;

	if (m.len > 16)
		return icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                     "decimal of %zu bytes is beyond precision 38", m.len);
	neg = (m.ptr[0] & 0x80) != 0;
	memset(buf, neg ? 0xff : 0x00, sizeof(buf));
	memcpy(buf + 16 - m.len, m.ptr, m.len);
	hi = icp_load_be64(buf);
	lo = icp_load_be64(buf + 8);
	/* Remainder of |v| by w, 32 bits at a time (rem < w < 2^31). */
	mlo = neg ? ~lo + 1 : lo;
	mhi = neg ? ~hi + (mlo == 0) : hi;
	rem = (rem << 32 | (mhi >> 32)) % (uint64_t)w;
	rem = (rem << 32 | (mhi & 0xffffffffu)) % (uint64_t)w;
	rem = (rem << 32 | (mlo >> 32)) % (uint64_t)w;
	rem = (rem << 32 | (mlo & 0xffffffffu)) % (uint64_t)w;
	/* The spec's positive remainder: v - (((v % W) + W) % W). */
	sub = neg && rem ? (uint64_t)w - rem : rem;
	if (hi == UINT64_C(0x8000000000000000) && lo < sub)
		return icp_error_set(err, ICP_ERR_INVALID, "decimal truncate overflows 128 bits");
	hi -= lo < sub;
	lo -= sub;
	icp_store_be64(buf, hi);
	icp_store_be64(buf + 8, lo);
	r = dec_minimal(icp_slice_make(buf, 16));
	memcpy(out->inl, r.ptr, r.len);
	out->inl_len = (uint8_t)r.len;
	out->bytes = icp_slice_make(NULL, 0);
	return ICP_OK;
}

/* Prefix of at most w code points, never splitting a UTF-8 sequence:
 * counts lead bytes (anything but 10xxxxxx). */
static size_t utf8_prefix(icp_slice s, int32_t w)
{
	size_t i, chars = 0;

	for (i = 0; i < s.len; i++)
		if ((s.ptr[i] & 0xc0) != 0x80 && chars++ == (size_t)w)
			return i;
	return s.len;
}

static int truncate_value(const icp_pspec_value *in, int32_t w, icp_pspec_value *out,
                          icp_error *err)
{
	icp_slice b = icp_pspec_value_bytes(in);
	int64_t r, mod;

	switch (in->kind) {
	case ICP_ICE_INT:
	case ICP_ICE_LONG:
		mod = ((in->i % w) + w) % w;
		if (__builtin_sub_overflow(in->i, mod, &r) ||
		    (in->kind == ICP_ICE_INT && (r < INT32_MIN || r > INT32_MAX)))
			return icp_error_set(err, ICP_ERR_INVALID, "truncate[%d] of %lld leaves the "
			                     "%s range", (int)w, (long long)in->i,
			                     icp_ice_kind_name(in->kind));
		out->i = r;
		return ICP_OK;
	case ICP_ICE_STRING:
		out->bytes = icp_slice_make(b.ptr, utf8_prefix(b, w));
		out->inl_len = 0;
		return ICP_OK;
	case ICP_ICE_BINARY:
		out->bytes = icp_slice_make(b.ptr, b.len < (size_t)w ? b.len : (size_t)w);
		out->inl_len = 0;
		return ICP_OK;
	case ICP_ICE_DECIMAL:
		return trunc_decimal(b, w, out, err);
	default:
		return icp_error_set(err, ICP_ERR_INVALID, "truncate of a %s value",
		                     icp_ice_kind_name(in->kind));
	}
}

/* ---------------------------------------------------------------- apply */

static int time_value(icp_pspec_transform t, const icp_pspec_value *in, int64_t *out,
                      icp_error *err)
{
	int64_t days, y, v;
	int m, d;

	if (in->kind == ICP_ICE_DATE) {
		if (in->i < INT32_MIN || in->i > INT32_MAX)
			return icp_error_set(err, ICP_ERR_INVALID, "date %lld is beyond int range",
			                     (long long)in->i);
		days = in->i;
	} else {
		days = pspec_floor_div(in->i, PSPEC_MICROS_PER_DAY);
	}
	switch (t) {
	case ICP_PSPEC_YEAR:
		pspec_civil_from_days(days, &y, &m, &d);
		v = y - 1970;
		break;
	case ICP_PSPEC_MONTH:
		pspec_civil_from_days(days, &y, &m, &d);
		v = (y - 1970) * 12 + (m - 1);
		break;
	case ICP_PSPEC_DAY:
		v = days;
		break;
	default:
		v = pspec_floor_div(in->i, PSPEC_MICROS_PER_HOUR);
		break;
	}
	if (v < INT32_MIN || v > INT32_MAX)
		return icp_error_set(err, ICP_ERR_INVALID, "time partition of %lld is beyond int "
		                     "range", (long long)in->i);
	*out = v;
	return ICP_OK;
}

int icp_pspec_apply(const icp_pspec_field *f, const icp_pspec_value *in,
                    icp_pspec_value *out, icp_error *err)
{
	icp_ice_kind rk = in->kind;
	int32_t h;
	int rc;

	if (f->transform == ICP_PSPEC_UNKNOWN)
		return icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                     "partition field \"%s\": unknown transform \"%s\"", f->name,
		                     f->transform_text);
	if ((f->source_type.kind && in->kind != f->source_type.kind) ||
	    !icp_pspec_transform_allows(f->transform, in->kind))
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "partition field \"%s\" (%s): got a %s value", f->name,
		                     f->transform_text, icp_ice_kind_name(in->kind));
	if (f->transform != ICP_PSPEC_IDENTITY && f->transform != ICP_PSPEC_TRUNCATE &&
	    f->transform != ICP_PSPEC_VOID)
		rk = ICP_ICE_INT;
	*out = icp_pspec_value_null(rk);
	if (in->is_null || f->transform == ICP_PSPEC_VOID)
		return ICP_OK;
	switch (f->transform) {
	case ICP_PSPEC_IDENTITY:
		*out = *in;
		return ICP_OK;
	case ICP_PSPEC_BUCKET:
		if ((rc = icp_pspec_hash(in, &h, err)) != ICP_OK)
			return rc;
		out->i = (int64_t)(((uint32_t)h & INT32_MAX) % (uint32_t)f->param);
		break;
	case ICP_PSPEC_TRUNCATE:
		*out = *in;
		if ((rc = truncate_value(in, f->param, out, err)) != ICP_OK) {
			*out = icp_pspec_value_null(rk);
			return rc;
		}
		return ICP_OK;
	default:
		if ((rc = time_value(f->transform, in, &out->i, err)) != ICP_OK)
			return rc;
	}
	out->is_null = 0;
	return ICP_OK;
}

/* -------------------------------------------------------- serialization */

int icp_pspec_value_serialize(const icp_pspec_value *v, uint8_t scratch[16], icp_slice *out)
{
	icp_slice b = icp_pspec_value_bytes(v);
	float fl;
	uint32_t u32;
	uint64_t u64;

	if (v->is_null)
		return ICP_ERR_INVALID;
	switch (v->kind) {
	case ICP_ICE_BOOLEAN:
		scratch[0] = v->i ? 1 : 0;
		*out = icp_slice_make(scratch, 1);
		return ICP_OK;
	case ICP_ICE_INT:
	case ICP_ICE_DATE:
		store_le32(scratch, (uint32_t)v->i);
		*out = icp_slice_make(scratch, 4);
		return ICP_OK;
	case ICP_ICE_LONG:
	case ICP_ICE_TIME:
	case ICP_ICE_TIMESTAMP:
	case ICP_ICE_TIMESTAMPTZ:
		store_le64(scratch, (uint64_t)v->i);
		*out = icp_slice_make(scratch, 8);
		return ICP_OK;
	case ICP_ICE_FLOAT:
		fl = (float)v->d;
		memcpy(&u32, &fl, 4);
		store_le32(scratch, u32);
		*out = icp_slice_make(scratch, 4);
		return ICP_OK;
	case ICP_ICE_DOUBLE:
		memcpy(&u64, &v->d, 8);
		store_le64(scratch, u64);
		*out = icp_slice_make(scratch, 8);
		return ICP_OK;
	case ICP_ICE_DECIMAL:
		if (b.len == 0) {
			scratch[0] = 0;
			*out = icp_slice_make(scratch, 1);
		} else {
			*out = dec_minimal(b);
		}
		return ICP_OK;
	case ICP_ICE_STRING:
	case ICP_ICE_UUID:
	case ICP_ICE_FIXED:
	case ICP_ICE_BINARY:
		*out = b;
		return ICP_OK;
	default:
		return ICP_ERR_INVALID;
	}
}

int icp_pspec_value_deserialize(icp_ice_kind k, int32_t scale, icp_slice b,
                                icp_pspec_value *out, icp_error *err)
{
	size_t want = 0;
	uint32_t u32;
	uint64_t u64;
	float fl;

	switch (k) {
	case ICP_ICE_BOOLEAN: want = 1; break;
	case ICP_ICE_INT: case ICP_ICE_DATE: case ICP_ICE_FLOAT: want = 4; break;
	case ICP_ICE_LONG: case ICP_ICE_TIME: case ICP_ICE_TIMESTAMP:
	case ICP_ICE_TIMESTAMPTZ: case ICP_ICE_DOUBLE: want = 8; break;
	case ICP_ICE_UUID: want = 16; break;
	case ICP_ICE_DECIMAL:
		if (b.len == 0)
			return icp_error_set(err, ICP_ERR_CORRUPT, "empty decimal value");
		break;
	case ICP_ICE_STRING: case ICP_ICE_FIXED: case ICP_ICE_BINARY: break;
	default:
		return icp_error_set(err, ICP_ERR_CORRUPT, "no single-value form for %s",
		                     icp_ice_kind_name(k));
	}
	if (want && b.len != want)
		return icp_error_set(err, ICP_ERR_CORRUPT, "%s value of %zu bytes, expected %zu",
		                     icp_ice_kind_name(k), b.len, want);
	*out = icp_pspec_value_of_bytes(k, b.ptr, b.len, k == ICP_ICE_DECIMAL ? scale : 0);
	switch (want) {
	case 1:
		if (k == ICP_ICE_BOOLEAN) {
			out->i = b.ptr[0] != 0;
			out->bytes = icp_slice_make(NULL, 0);
		}
		break;
	case 4:
		u32 = icp_load_le32(b.ptr);
		if (k == ICP_ICE_FLOAT) {
			memcpy(&fl, &u32, 4);
			out->d = fl;
		} else {
			out->i = (int32_t)u32;
		}
		out->bytes = icp_slice_make(NULL, 0);
		break;
	case 8:
		u64 = icp_load_le64(b.ptr);
		if (k == ICP_ICE_DOUBLE)
			memcpy(&out->d, &u64, 8);
		else
			out->i = (int64_t)u64;
		out->bytes = icp_slice_make(NULL, 0);
		break;
	}
	return ICP_OK;
}

int icp_pspec_tuple_key(const icp_pspec *spec, const icp_pspec_value *values, icp_buf *out)
{
	uint8_t scratch[16], len[4];
	icp_slice b;

	for (size_t i = 0; i < spec->n_fields; i++) {
		if (values[i].is_null) {
			icp_buf_append_byte(out, 0);
			continue;
		}
		if (icp_pspec_value_serialize(&values[i], scratch, &b) != ICP_OK)
			return ICP_ERR_INVALID;
		if (b.len > UINT32_MAX)
			return ICP_ERR_TOO_LARGE;
		store_le32(len, (uint32_t)b.len);
		icp_buf_append_byte(out, 1);
		icp_buf_append(out, len, 4);
		icp_buf_append(out, b.ptr, b.len);
	}
	return out->status;
}

/* ------------------------------------------------------------- compare */

static int cmp_double(double a, double b)
{
	int an = isnan(a) != 0, bn = isnan(b) != 0;

	if (an || bn)
		return an - bn;
	if (a < b)
		return -1;
	if (a > b)
		return 1;
	if (signbit(a) != signbit(b))
		return signbit(a) ? -1 : 1;
	return 0;
}

static int cmp_decimal(icp_slice a, icp_slice b)
{
	int an = a.len && (a.ptr[0] & 0x80), bn = b.len && (b.ptr[0] & 0x80);
	size_t n = a.len > b.len ? a.len : b.len;

	if (an != bn)
		return an ? -1 : 1;
	/* Same sign: sign-extended bytes compare like the numbers. */
	for (size_t j = 0; j < n; j++) {
		uint8_t x = j < n - a.len ? (an ? 0xff : 0) : a.ptr[j - (n - a.len)];
		uint8_t y = j < n - b.len ? (bn ? 0xff : 0) : b.ptr[j - (n - b.len)];
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

int icp_pspec_value_cmp(const icp_pspec_value *a, const icp_pspec_value *b)
{
	icp_slice x = icp_pspec_value_bytes(a), y = icp_pspec_value_bytes(b);
	size_t n;
	int c;

	if (a->is_null || b->is_null)
		return b->is_null - a->is_null;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	switch (a->kind) {
	case ICP_ICE_FLOAT:
		return cmp_double((float)a->d, (float)b->d);
	case ICP_ICE_DOUBLE:
		return cmp_double(a->d, b->d);
	case ICP_ICE_DECIMAL:
		return cmp_decimal(x, y);
	case ICP_ICE_STRING:
	case ICP_ICE_UUID:
	case ICP_ICE_FIXED:
	case ICP_ICE_BINARY:
		n = x.len < y.len ? x.len : y.len;
		c = n ? memcmp(x.ptr, y.ptr, n) : 0;
		if (c)
			return c < 0 ? -1 : 1;
		return x.len < y.len ? -1 : x.len > y.len;
	default:
		return a->i < b->i ? -1 : a->i > b->i;
	}
}
