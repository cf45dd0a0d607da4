/*
 * Test helper: a tiny protobuf encoder (into icp_buf) and builders for
 * the descriptor messages, so tests can hand-encode FileDescriptorProtos
 * and payloads. Field numbers as in google/protobuf/descriptor.proto.
 */
#ifndef ICP_TEST_PBENC_H
#define ICP_TEST_PBENC_H

#include "core/core.h"

static inline void pb_varint(icp_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		icp_buf_append_byte(b, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	icp_buf_append_byte(b, (uint8_t)v);
}

static inline void pb_tag(icp_buf *b, uint32_t num, int wt)
{
	pb_varint(b, (uint64_t)num << 3 | (uint64_t)wt);
}

static inline void pb_uv(icp_buf *b, uint32_t num, uint64_t v)
{
	pb_tag(b, num, 0);
	pb_varint(b, v);
}

static inline void pb_bytes(icp_buf *b, uint32_t num, const void *p, size_t n)
{
	pb_tag(b, num, 2);
	pb_varint(b, n);
	icp_buf_append(b, p, n);
}

static inline void pb_str(icp_buf *b, uint32_t num, const char *s)
{
	pb_bytes(b, num, s, strlen(s));
}

/* Appends sub as field num (LEN) and empties sub. */
static inline void pb_sub(icp_buf *b, uint32_t num, icp_buf *sub)
{
	pb_bytes(b, num, sub->data, sub->len);
	icp_buf_reset(sub);
}

static inline void pb_f32(icp_buf *b, uint32_t num, uint32_t bits)
{
	uint8_t x[4] = {(uint8_t)bits, (uint8_t)(bits >> 8), (uint8_t)(bits >> 16),
	                (uint8_t)(bits >> 24)};
	pb_tag(b, num, 5);
	icp_buf_append(b, x, 4);
}

static inline void pb_f64(icp_buf *b, uint32_t num, uint64_t bits)
{
	uint8_t x[8];
	int i;
	for (i = 0; i < 8; i++)
		x[i] = (uint8_t)(bits >> (8 * i));
	pb_tag(b, num, 1);
	icp_buf_append(b, x, 8);
}

enum { L_OPT = 1, L_REQ = 2, L_REP = 3 };

/* Appends a FieldDescriptorProto as field 2 of the DescriptorProto in msg.
 * oneof < 0: none. */
static inline void pb_field_desc(icp_buf *msg, const char *name, int number, int label,
                                 int type, const char *type_name, int oneof, int p3opt)
{
	icp_buf f;
	icp_buf_init(&f, 0);
	pb_str(&f, 1, name);
	pb_uv(&f, 3, (uint64_t)number);
	pb_uv(&f, 4, (uint64_t)label);
	if (type)
		pb_uv(&f, 5, (uint64_t)type);
	if (type_name)
		pb_str(&f, 6, type_name);
	if (oneof >= 0)
		pb_uv(&f, 9, (uint64_t)oneof);
	if (p3opt)
		pb_uv(&f, 17, 1);
	pb_sub(msg, 2, &f);
	icp_buf_dispose(&f);
}

/* Appends an EnumDescriptorProto (field `num` of its parent) with values
 * names[i] = numbers[i]. */
static inline void pb_enum_desc(icp_buf *parent, uint32_t num, const char *name,
                                const char *const *names, const int *numbers, size_t n)
{
	icp_buf e, v;
	size_t i;
	icp_buf_init(&e, 0);
	icp_buf_init(&v, 0);
	pb_str(&e, 1, name);
	for (i = 0; i < n; i++) {
		pb_str(&v, 1, names[i]);
		pb_uv(&v, 2, (uint64_t)(int64_t)numbers[i]);
		pb_sub(&e, 2, &v);
	}
	pb_sub(parent, num, &e);
	icp_buf_dispose(&e);
	icp_buf_dispose(&v);
}

/* MessageOptions{map_entry: true} as field 7 of a DescriptorProto. */
static inline void pb_map_entry_opt(icp_buf *msg)
{
	icp_buf o;
	icp_buf_init(&o, 0);
	pb_uv(&o, 7, 1);
	pb_sub(msg, 7, &o);
	icp_buf_dispose(&o);
}

#endif
