/*
 * Thrift compact protocol, decoder (the reader's footer and page headers).
 *
 * Layout: see thrift.c. The decoder reads untrusted bytes: every read is
 * bounded by `end`, varints are at most 10 bytes, list counts are at most
 * the bytes left (every element takes at least one byte, so a count cannot
 * make a caller allocate more than the input justifies), and nesting is
 * bounded by PQ_THRIFT_DEPTH. Any violation sets the sticky `bad` flag;
 * later calls return zeroes, so parsers check once after a struct.
 */
#include "parquet/parquet_int.h"

void pq_tr_init(pq_tr *r, const uint8_t *p, size_t n)
{
	r->p = p;
	r->end = p + n;
	r->depth = 0;
	r->last[0] = 0;
	r->bad = 0;
}

static uint64_t varint(pq_tr *r)
{
	uint64_t v = 0;
	int shift = 0;
	while (!r->bad) {
		uint8_t b;
		if (r->p >= r->end || shift > 63) {
			r->bad = 1;
			break;
		}
		b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
		shift += 7;
	}
	return 0;
}

static int64_t zigzag(pq_tr *r)
{
	uint64_t v = varint(r);
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int pq_tr_field(pq_tr *r, int *type, int16_t *id)
{
	uint8_t b;
	int delta;
	if (r->bad)
		return 0;
	if (r->p >= r->end) {
		r->bad = 1;
		return 0;
	}
	b = *r->p++;
	if (b == 0) {
		if (r->depth > 0)
			r->depth--;
		return 0;
	}
	*type = b & 0x0f;
	delta = b >> 4;
	if (delta) {
		*id = (int16_t)(r->last[r->depth] + delta);
	} else {
		int64_t v = zigzag(r);
		if (v < INT16_MIN || v > INT16_MAX) {
			r->bad = 1;
			return 0;
		}
		*id = (int16_t)v;
	}
	r->last[r->depth] = *id;
	return !r->bad;
}

int64_t pq_tr_int(pq_tr *r, int type)
{
	if (r->bad)
		return 0;
	if (type == TC_BYTE) {
		if (r->p >= r->end) {
			r->bad = 1;
			return 0;
		}
		return (int8_t)*r->p++;
	}
	if (type != TC_I16 && type != TC_I32 && type != TC_I64) {
		r->bad = 1;
		return 0;
	}
	return zigzag(r);
}

int32_t pq_tr_i32(pq_tr *r, int type, int32_t lo, int32_t hi)
{
	int64_t v = pq_tr_int(r, type);
	if (v < lo || v > hi) {
		r->bad = 1;
		return 0;
	}
	return (int32_t)v;
}

int pq_tr_bool(pq_tr *r, int type)
{
	if (type != TC_TRUE && type != TC_FALSE)
		r->bad = 1;
	return type == TC_TRUE;
}

icp_slice pq_tr_binary(pq_tr *r, int type)
{
	icp_slice s = {NULL, 0};
	uint64_t n;
	if (type != TC_BINARY)
		r->bad = 1;
	n = varint(r);
	if (r->bad || n > (uint64_t)(r->end - r->p)) {
		r->bad = 1;
		return s;
	}
	s.ptr = r->p;
	s.len = (size_t)n;
	r->p += n;
	return s;
}

int pq_tr_struct(pq_tr *r, int type)
{
	if (type != TC_STRUCT || r->depth + 1 >= PQ_THRIFT_DEPTH)
		r->bad = 1;
	if (r->bad)
		return 0;
	r->last[++r->depth] = 0;
	return 1;
}

size_t pq_tr_list(pq_tr *r, int type, int *elem_type)
{
	uint64_t n;
	uint8_t b;
	*elem_type = 0;
	if (type != TC_LIST && type != TC_SET)
		r->bad = 1;
	if (r->bad || r->p >= r->end) {
		r->bad = 1;
		return 0;
	}
	b = *r->p++;
	*elem_type = b & 0x0f;
	n = b >> 4;
	if (n == 15)
		n = varint(r);
	if (r->bad || n > (uint64_t)(r->end - r->p)) {
		r->bad = 1;
		return 0;
	}
	return (size_t)n;
}

static void skip(pq_tr *r, int type, int in_list, int depth)
{
	size_t n, i;
	int et, kt, vt;
	int16_t id;

	if (r->bad)
		return;
	if (depth >= PQ_THRIFT_DEPTH) {
		r->bad = 1;
		return;
	}
	switch (type) {
	case TC_TRUE:
	case TC_FALSE:
		if (in_list) {
			if (r->p >= r->end)
				r->bad = 1;
			else
				r->p++;
		}
		return;
	case TC_BYTE:
		pq_tr_int(r, type);
		return;
	case TC_I16:
	case TC_I32:
	case TC_I64:
		varint(r);
		return;
	case TC_DOUBLE:
		if (r->end - r->p < 8)
			r->bad = 1;
		else
			r->p += 8;
		return;
	case TC_BINARY:
		pq_tr_binary(r, type);
		return;
	case TC_LIST:
	case TC_SET:
		n = pq_tr_list(r, type, &et);
		for (i = 0; i < n && !r->bad; i++)
			skip(r, et, 1, depth + 1);
		return;
	case TC_MAP:
		n = (size_t)varint(r);
		if (r->bad || n > (size_t)(r->end - r->p)) {
			r->bad = 1;
			return;
		}
		if (n == 0)
			return;
		if (r->p >= r->end) {
			r->bad = 1;
			return;
		}
		kt = *r->p >> 4;
		vt = *r->p & 0x0f;
		r->p++;
		for (i = 0; i < n && !r->bad; i++) {
			skip(r, kt, 1, depth + 1);
			skip(r, vt, 1, depth + 1);
		}
		return;
	case TC_STRUCT:
		if (!pq_tr_struct(r, type))
			return;
		while (pq_tr_field(r, &et, &id))
			skip(r, et, 0, depth + 1);
		return;
	default:
		r->bad = 1;
		return;
	}
}

void pq_tr_skip(pq_tr *r, int type, int in_list)
{
	skip(r, type, in_list, r->depth);
}
