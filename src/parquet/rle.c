/*
 * RLE / bit-packed hybrid encoder (parquet-format Encodings.md):
 *
 *   run          := rle-run | bit-packed-run
 *   rle-run      := varint(count << 1) value (ceil(width/8) bytes, LE)
 *   bit-packed   := varint(groups << 1 | 1) groups * 8 values, each `width`
 *                   bits, packed LSB first
 *
 * Values are buffered by groups of 8. A value repeated 8 or more times from
 * the start of a group becomes an RLE run; other groups are appended to the
 * open bit-packed run (at most 63 groups, so its header is one byte that is
 * reserved first and patched when the run closes). The final partial group
 * is zero-padded: a reader knows how many values the page holds.
 */
#include "parquet/parquet_int.h"

int pq_bit_width(uint32_t max_value)
{
	int w = 0;
	while (max_value) {
		w++;
		max_value >>= 1;
	}
	return w;
}

void pq_rle_init(pq_rle *r, icp_buf *out, int width)
{
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->width = width;
}

static void end_bitpacked(pq_rle *r)
{
	if (!r->have_hdr)
		return;
	if (r->out->status == ICP_OK)
		r->out->data[r->hdr] = (uint8_t)(r->groups << 1 | 1);
	r->have_hdr = 0;
	r->groups = 0;
}

static void write_rle_run(pq_rle *r)
{
	uint8_t v[4];
	int nbytes = (r->width + 7) / 8;
	end_bitpacked(r);
	pq_varint(r->out, (uint64_t)r->repeat << 1);
	v[0] = (uint8_t)r->prev;
	v[1] = (uint8_t)(r->prev >> 8);
	v[2] = (uint8_t)(r->prev >> 16);
	v[3] = (uint8_t)(r->prev >> 24);
	icp_buf_append(r->out, v, (size_t)nbytes);
	r->repeat = 0;
	r->nbuf = 0;
}

static void write_group(pq_rle *r)
{
	uint8_t packed[32];
	uint64_t acc = 0;
	int bits = 0, i;
	size_t n = 0;

	if (r->groups >= 63)
		end_bitpacked(r);
	if (!r->have_hdr) {
		r->hdr = r->out->len;
		icp_buf_append_byte(r->out, 0);
		r->have_hdr = 1;
	}
	for (i = 0; i < 8; i++) {
		acc |= (uint64_t)r->buf[i] << bits;
		bits += r->width;
		while (bits >= 8) {
			packed[n++] = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
	icp_buf_append(r->out, packed, n);
	r->nbuf = 0;
	r->repeat = 0;
	r->groups++;
}

void pq_rle_put(pq_rle *r, uint32_t v)
{
	if (v == r->prev && r->repeat > 0) {
		if (++r->repeat > 8)
			return; /* in an RLE run: nothing buffered */
	} else {
		if (r->repeat >= 8)
			write_rle_run(r);
		r->repeat = 1;
		r->prev = v;
	}
	r->buf[r->nbuf++] = v;
	if (r->nbuf == 8) {
		if (r->repeat == 8) {
			/* The whole group is the start of a run: keep it as one. */
			r->nbuf = 0;
			return;
		}
		write_group(r);
	}
}

void pq_rle_put_run(pq_rle *r, uint32_t v, size_t count)
{
	/* Feed values until an RLE run is established, then extend it. */
	while (count > 0 && !(r->repeat >= 8 && r->prev == v)) {
		pq_rle_put(r, v);
		count--;
	}
	r->repeat += count;
}

void pq_rle_finish(pq_rle *r)
{
	if (r->repeat >= 8) {
		write_rle_run(r);
	} else if (r->nbuf > 0) {
		while (r->nbuf < 8)
			r->buf[r->nbuf++] = 0;
		write_group(r);
	}
	end_bitpacked(r);
}

/* ------------------------------------------------------- page sections */

void pq_put_levels(icp_buf *out, const int16_t *lv, size_t n, int width)
{
	pq_rle r;
	size_t i = 0;
	pq_rle_init(&r, out, width);
	while (i < n) {
		size_t j = i + 1;
		while (j < n && lv[j] == lv[i])
			j++;
		if (j - i >= 8)
			pq_rle_put_run(&r, (uint32_t)lv[i], j - i);
		else
			for (; i < j; i++)
				pq_rle_put(&r, (uint32_t)lv[i]);
		i = j;
	}
	pq_rle_finish(&r);
}

/* v1 levels: 4-byte little-endian length, then the hybrid runs. */
void pq_put_levels_v1(icp_buf *out, const int16_t *lv, size_t n, int width)
{
	size_t at = out->len, len;
	icp_buf_append(out, "\0\0\0\0", 4);
	pq_put_levels(out, lv, n, width);
	if (out->status != ICP_OK)
		return;
	len = out->len - at - 4;
	out->data[at] = (uint8_t)len;
	out->data[at + 1] = (uint8_t)(len >> 8);
	out->data[at + 2] = (uint8_t)(len >> 16);
	out->data[at + 3] = (uint8_t)(len >> 24);
}

void pq_put_indices(icp_buf *out, const uint32_t *idx, size_t n, int width)
{
	pq_rle r;
	size_t i = 0;
	icp_buf_append_byte(out, (uint8_t)width);
	pq_rle_init(&r, out, width);
	while (i < n) {
		size_t j = i + 1;
		while (j < n && idx[j] == idx[i])
			j++;
		if (j - i >= 8)
			pq_rle_put_run(&r, idx[i], j - i);
		else
			for (; i < j; i++)
				pq_rle_put(&r, idx[i]);
		i = j;
	}
	pq_rle_finish(&r);
}

/* Booleans for v2 pages: RLE encoding, 4-byte length then runs of width 1. */
void pq_put_bool_rle(icp_buf *out, const uint8_t *bits, size_t n)
{
	size_t at = out->len, len, i;
	pq_rle r;
	icp_buf_append(out, "\0\0\0\0", 4);
	pq_rle_init(&r, out, 1);
	for (i = 0; i < n; i++)
		pq_rle_put(&r, (bits[i >> 3] >> (i & 7)) & 1);
	pq_rle_finish(&r);
	if (out->status != ICP_OK)
		return;
	len = out->len - at - 4;
	out->data[at] = (uint8_t)len;
	out->data[at + 1] = (uint8_t)(len >> 8);
	out->data[at + 2] = (uint8_t)(len >> 16);
	out->data[at + 3] = (uint8_t)(len >> 24);
}
