/*
 * Thrift compact protocol, encoder only (what a Parquet writer needs).
 *
 * Layout (thrift-compact-protocol.md):
 *   integers   i16/i32/i64 zigzag then ULEB128 varint
 *   binary     varint length, bytes
 *   field      one byte (id delta << 4 | type) when the delta from the
 *              previous field of the same struct is 1..15, else the type
 *              byte followed by the zigzag varint id; booleans carry their
 *              value in the type (1 true, 2 false)
 *   struct     fields, then a stop byte 0
 *   list       one byte (size << 4 | element type) for size < 15, else
 *              0xF0 | type and a varint size; bool elements are one byte
 *              each (1 true, 2 false, as the Java library writes them)
 * All output goes to an icp_buf whose sticky error the caller checks once.
 */
#include "parquet/parquet_int.h"

void pq_varint(icp_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	icp_buf_append(b, tmp, n);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void field_header(pq_thrift *t, int16_t id, uint8_t type)
{
	int16_t *last = &t->last[t->depth];
	int delta = id - *last;
	if (delta > 0 && delta <= 15) {
		icp_buf_append_byte(t->b, (uint8_t)(delta << 4 | type));
	} else {
		icp_buf_append_byte(t->b, type);
		pq_varint(t->b, zigzag(id));
	}
	*last = id;
}

static void push(pq_thrift *t)
{
	if (t->depth + 1 >= PQ_THRIFT_DEPTH) {
		/* A programming error (our structures are shallow): poison the
		 * buffer rather than write a wrong footer. */
		t->b->status = ICP_ERR_INVALID;
		return;
	}
	t->last[++t->depth] = 0;
}

void pq_tw_init(pq_thrift *t, icp_buf *b)
{
	t->b = b;
	t->depth = 0;
	t->last[0] = 0;
}

void pq_tw_end(pq_thrift *t)
{
	icp_buf_append_byte(t->b, 0);
}

void pq_tw_i32(pq_thrift *t, int16_t id, int32_t v)
{
	field_header(t, id, TC_I32);
	pq_varint(t->b, zigzag(v));
}

void pq_tw_i64(pq_thrift *t, int16_t id, int64_t v)
{
	field_header(t, id, TC_I64);
	pq_varint(t->b, zigzag(v));
}

void pq_tw_bool(pq_thrift *t, int16_t id, int v)
{
	field_header(t, id, v ? TC_TRUE : TC_FALSE);
}

void pq_tw_binary(pq_thrift *t, int16_t id, const void *p, size_t n)
{
	field_header(t, id, TC_BINARY);
	pq_varint(t->b, n);
	icp_buf_append(t->b, p, n);
}

void pq_tw_string(pq_thrift *t, int16_t id, const char *s)
{
	pq_tw_binary(t, id, s, strlen(s));
}

void pq_tw_struct_begin(pq_thrift *t, int16_t id)
{
	field_header(t, id, TC_STRUCT);
	push(t);
}

void pq_tw_struct_end(pq_thrift *t)
{
	icp_buf_append_byte(t->b, 0);
	if (t->depth > 0)
		t->depth--;
}

void pq_tw_list_begin(pq_thrift *t, int16_t id, uint8_t elem_type, size_t n)
{
	field_header(t, id, TC_LIST);
	if (n < 15) {
		icp_buf_append_byte(t->b, (uint8_t)(n << 4 | elem_type));
	} else {
		icp_buf_append_byte(t->b, (uint8_t)(0xF0 | elem_type));
		pq_varint(t->b, n);
	}
}

void pq_tw_elem_struct_begin(pq_thrift *t)
{
	push(t);
}

void pq_tw_elem_i32(pq_thrift *t, int32_t v)
{
	pq_varint(t->b, zigzag(v));
}

void pq_tw_elem_i64(pq_thrift *t, int64_t v)
{
	pq_varint(t->b, zigzag(v));
}

void pq_tw_elem_bool(pq_thrift *t, int v)
{
	icp_buf_append_byte(t->b, v ? TC_TRUE : TC_FALSE);
}

void pq_tw_elem_binary(pq_thrift *t, const void *p, size_t n)
{
	pq_varint(t->b, n);
	icp_buf_append(t->b, p, n);
}
