/*
 * Internals of the segment module: bounds-checked varint decoding.
 */
#ifndef ICP_SEGMENT_INT_H
#define ICP_SEGMENT_INT_H

#include "segment/segment.h"

enum { VARINT_OK = 0, VARINT_TRUNCATED = -1, VARINT_TOO_LONG = -2 };

/* Decodes a zigzag varint of at most max_bytes (5 for int32, 10 for int64)
 * from [*pp, end). Advances *pp on success. */
static inline int icp_read_zigzag(const uint8_t **pp, const uint8_t *end,
                                  int max_bytes, int64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	int shift = 0, i;

	/* Fast path: one byte (lengths and deltas are mostly small). */
	if (p < end && !(*p & 0x80)) {
		v = *p;
		*pp = p + 1;
		*out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
		return VARINT_OK;
	}
	/* Two bytes: lengths of 64..8191 (typical record and value sizes). */
	if (end - p >= 2 && !(p[1] & 0x80)) {
		v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
		*pp = p + 2;
		*out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
		return VARINT_OK;
	}
	for (i = 0; i < max_bytes; i++) {
		uint8_t b;
		if (p >= end)
			return VARINT_TRUNCATED;
		b = *p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
			return VARINT_OK;
		}
		shift += 7;
	}
	return VARINT_TOO_LONG;
}

#endif
