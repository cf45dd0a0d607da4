/*
 * proto internals: the wire reader shared by the descriptor parser and the
 * payload decoder, and the compiled schema structures.
 *
 * Wire format: a message is a sequence of (tag, value); tag = varint
 * (number << 3 | wire type). Wire types: 0 VARINT (up to 10 bytes, 7 bits
 * each, low first), 1 I64 (8 bytes little-endian), 2 LEN (varint length +
 * bytes), 3/4 SGROUP/EGROUP (refused), 5 I32 (4 bytes little-endian).
 * Every reader takes an end pointer and never reads at or past it.
 */
#ifndef ICP_PROTO_INT_H
#define ICP_PROTO_INT_H

#include "proto/proto.h"

enum { PB_VARINT = 0, PB_I64 = 1, PB_LEN = 2, PB_SGROUP = 3, PB_EGROUP = 4, PB_I32 = 5 };

/* FieldDescriptorProto.Type */
enum {
	PB_T_DOUBLE = 1, PB_T_FLOAT, PB_T_INT64, PB_T_UINT64, PB_T_INT32, PB_T_FIXED64,
	PB_T_FIXED32, PB_T_BOOL, PB_T_STRING, PB_T_GROUP, PB_T_MESSAGE, PB_T_BYTES,
	PB_T_UINT32, PB_T_ENUM, PB_T_SFIXED32, PB_T_SFIXED64, PB_T_SINT32, PB_T_SINT64
};

/* Well-known types built in by name (pb_field.wkt). */
enum {
	PB_WKT_NONE = 0, PB_WKT_TIMESTAMP, PB_WKT_DOUBLE, PB_WKT_FLOAT, PB_WKT_INT64,
	PB_WKT_UINT64, PB_WKT_INT32, PB_WKT_UINT32, PB_WKT_BOOL, PB_WKT_STRING, PB_WKT_BYTES
};

/* Status of the inline readers: 0 ok, -1 truncated, -2 malformed. */

/* Reads a varint at *p (< end). */
static inline int icp_pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	const uint8_t *q = *p;
	uint64_t r = 0;
	unsigned shift;

	if (q < end && *q < 0x80) { /* fast path: one byte */
		*v = *q;
		*p = q + 1;
		return 0;
	}
	for (shift = 0; shift < 64; shift += 7) {
		uint8_t b;
		if (q >= end)
			return -1;
		b = *q++;
		if (shift == 63 && b > 1)
			return -2; /* more than 64 bits */
		r |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80) {
			*v = r;
			*p = q;
			return 0;
		}
	}
	return -2; /* an 11th byte */
}

static inline int64_t icp_pb_unzigzag64(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline int32_t icp_pb_unzigzag32(uint32_t v)
{
	return (int32_t)(v >> 1) ^ -(int32_t)(v & 1);
}

/* Reads the value of wire type wt at *p: VARINT/I64/I32 into *v; LEN: *v =
 * length and *p left at the first byte of the value (checked to fit).
 * Groups are -2. */
static inline int icp_pb_value(const uint8_t **p, const uint8_t *end, int wt, uint64_t *v)
{
	int rc;

	switch (wt) {
	case PB_VARINT:
		return icp_pb_varint(p, end, v);
	case PB_I64:
		if (end - *p < 8)
			return -1;
		*v = icp_load_le64(*p);
		*p += 8;
		return 0;
	case PB_I32:
		if (end - *p < 4)
			return -1;
		*v = icp_load_le32(*p);
		*p += 4;
		return 0;
	case PB_LEN:
		if ((rc = icp_pb_varint(p, end, v)) != 0)
			return rc;
		return *v > (uint64_t)(end - *p) ? -1 : 0;
	default:
		return -2;
	}
}

/* Reads a tag: *num (1..2^29-1) and *wt. -2 for number 0 or out of range. */
static inline int icp_pb_tag(const uint8_t **p, const uint8_t *end, uint32_t *num, int *wt)
{
	uint64_t t;
	int rc = icp_pb_varint(p, end, &t);

	if (rc != 0)
		return rc;
	if ((t >> 3) == 0 || (t >> 3) > 0x1fffffff)
		return -2;
	*num = (uint32_t)(t >> 3);
	*wt = (int)(t & 7);
	return 0;
}

/* ------------------------------------------------------------ the schema */

typedef struct pb_enum_value {
	const char *name;
	size_t name_len;
	int32_t number;
} pb_enum_value;

typedef struct pb_enum {
	const char *full_name;
	pb_enum_value *values;     /* declaration order */
	size_t n_values;
	pb_enum_value **sorted;    /* by number, for lookup */
} pb_enum;

typedef struct pb_field {
	const char *name;          /* NUL-terminated, in the arena */
	size_t name_len;
	int32_t number;
	uint8_t type;              /* PB_T_* */
	uint8_t repeated;
	uint8_t explicit_presence; /* absent -> NULL rather than the default */
	uint8_t wkt;               /* PB_WKT_* */
	uint8_t is_map;            /* repeated map entry message */
	uint8_t proto3_optional;
	int32_t oneof_index;       /* -1: none */
	const char *type_name;     /* as written, NULL for scalars */
	const icp_proto_msg *msg;  /* resolved MESSAGE type (not for wkt) */
	const pb_enum *en;         /* resolved ENUM type */
} pb_field;

struct icp_proto_msg {
	const char *full_name;     /* ".pkg.Outer.Inner" */
	const char *name;
	pb_field *fields;          /* declaration order */
	size_t n_fields;
	icp_proto_msg **nested;    /* nested_type order (message indexes) */
	size_t n_nested;
	pb_enum **enums;
	size_t n_enums;
	int map_entry;
	int proto3;
	/* Lookup by number: dense[number] = slot + 1 (0: unknown) when the
	 * largest number is small, else by_num sorted by number. */
	uint16_t *dense;
	uint32_t dense_n;
	struct pb_numslot {
		uint32_t num, slot;
	} *by_num;                 /* sorted by num */
};

/* Slot of field number num in m, or -1. */
static inline int pb_msg_slot(const icp_proto_msg *m, uint32_t num)
{
	size_t lo, hi;

	if (m->dense)
		return num < m->dense_n ? (int)m->dense[num] - 1 : -1;
	lo = 0;
	hi = m->n_fields;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t mn = m->by_num[mid].num;
		if (mn == num)
			return (int)m->by_num[mid].slot;
		if (mn < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Name of enum value number, or NULL. */
const pb_enum_value *icp_pb_enum_find(const pb_enum *e, int32_t number);
/* Wire type a (non-packed) value of type t uses. */
int icp_pb_wire_type(int type);
/* The scalar type inside a wrapper wkt (PB_WKT_DOUBLE..BYTES). */
int icp_pb_wkt_scalar(int wkt);

#endif
