/*
 * Reader, part 4: the bit-level decoders (parquet-format Encodings.md).
 *
 * RLE / bit-packed hybrid:
 *   run        := rle-run | bit-packed-run
 *   rle-run    := varint(count << 1) value (ceil(width/8) bytes, LE)
 *   bit-packed := varint(groups << 1 | 1) groups * 8 values of `width`
 *                 bits, LSB first
 * A bit-packed run may be cut short at the end of the data when it holds
 * the last values (the padding of its last group is not needed).
 *
 * DELTA_BINARY_PACKED:
 *   header     := varint block_size, varint miniblocks_per_block,
 *                 varint total_count, zigzag varint first_value
 *   block      := zigzag varint min_delta, one bit-width byte per
 *                 miniblock, the miniblocks (block_size / miniblocks
 *                 values each, bit-packed LSB first); miniblocks after the
 *                 last value are absent
 * value[i] = value[i-1] + min_delta + delta[i], in two's-complement
 * (wrapping) arithmetic.
 *
 * Every read is bounded by the end of the input; nothing here allocates.
 */
#include "parquet/parquet_int.h"

static int get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	int shift = 0;
	while (p < end && shift <= 63) {
		uint8_t b = *p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*out = v;
			return 0;
		}
		shift += 7;
	}
	return -1;
}

/* `w` bits (w <= 64) at bit offset `bit` of p, LSB first. The caller
 * checked that the bytes holding them exist. */
static uint64_t unpack(const uint8_t *p, size_t bit, int w)
{
	uint64_t v = 0;
	size_t at = bit >> 3;
	int sh = (int)(bit & 7), got = 0;
	while (got < w) {
		v |= (uint64_t)(p[at++] >> sh) << got;
		got += 8 - sh;
		sh = 0;
	}
	return w < 64 ? v & ((1ull << w) - 1) : v;
}

void pq_rle_dec_init(pq_rle_dec *d, const uint8_t *p, size_t n, int width)
{
	memset(d, 0, sizeof(*d));
	d->p = p;
	d->end = p + n;
	d->width = width;
	d->bad = width < 0 || width > 32;
}

static int next_run(pq_rle_dec *d)
{
	uint64_t h;
	if (get_varint(&d->p, d->end, &h) != 0)
		return -1;
	if (h & 1) {
		uint64_t groups = h >> 1;
		size_t bytes, avail = (size_t)(d->end - d->p);
		if (groups == 0 || groups > ((uint64_t)1 << 40))
			return -1;
		bytes = (size_t)groups * (size_t)d->width;
		d->packed = 1;
		d->bits = d->p;
		d->bit = 0;
		d->left = (size_t)groups * 8;
		if (bytes > avail) {
			/* cut short: only the values whose bits are all there */
			d->left = d->width ? avail * 8 / (size_t)d->width : d->left;
			bytes = avail;
		}
		d->p += bytes;
		if (d->left == 0)
			return -1;
	} else {
		int nb = (d->width + 7) / 8, i;
		uint32_t v = 0;
		if (h >> 1 == 0 || (size_t)(d->end - d->p) < (size_t)nb)
			return -1;
		for (i = 0; i < nb; i++)
			v |= (uint32_t)d->p[i] << (8 * i);
		d->p += nb;
		if (d->width < 32 && (v >> d->width) != 0)
			return -1;
		d->packed = 0;
		d->value = v;
		d->left = (h >> 1) > SIZE_MAX ? SIZE_MAX : (size_t)(h >> 1);
	}
	return 0;
}

int pq_rle_dec_get(pq_rle_dec *d, uint32_t *out, size_t n)
{
	while (n > 0) {
		size_t k, i;
		if (d->bad)
			return -1;
		if (d->left == 0 && next_run(d) != 0) {
			d->bad = 1;
			return -1;
		}
		k = d->left < n ? d->left : n;
		if (d->packed) {
			for (i = 0; i < k; i++) {
				out[i] = (uint32_t)unpack(d->bits, d->bit, d->width);
				d->bit += (size_t)d->width;
			}
		} else {
			for (i = 0; i < k; i++)
				out[i] = d->value;
		}
		d->left -= k;
		out += k;
		n -= k;
	}
	return 0;
}

int pq_delta_decode(const uint8_t *p, size_t len, size_t n, int64_t *out, size_t *used,
                    const char **why)
{
	const uint8_t *s = p, *end = p + len;
	uint64_t block, mbs, total, first, u;
	size_t per_mb, count = 0, m;
	uint64_t prev;

	if (get_varint(&p, end, &block) || get_varint(&p, end, &mbs) ||
	    get_varint(&p, end, &total) || get_varint(&p, end, &first)) {
		*why = "truncated DELTA_BINARY_PACKED header";
		return -1;
	}
	if (block == 0 || block % 128 || block > (1u << 20) || mbs == 0 || block % mbs ||
	    (block / mbs) % 32) {
		*why = "bad DELTA_BINARY_PACKED block layout";
		return -1;
	}
	if (total != n) {
		*why = "DELTA_BINARY_PACKED value count differs from the page's";
		return -1;
	}
	per_mb = (size_t)(block / mbs);
	prev = (first >> 1) ^ -(first & 1);
	if (n > 0)
		out[count++] = (int64_t)prev;
	while (count < n) {
		uint64_t min_delta;
		const uint8_t *widths;
		if (get_varint(&p, end, &u) != 0 || (size_t)(end - p) < mbs) {
			*why = "truncated DELTA_BINARY_PACKED block";
			return -1;
		}
		min_delta = (u >> 1) ^ -(u & 1);
		widths = p;
		p += mbs;
		for (m = 0; m < mbs && count < n; m++) {
			int w = widths[m];
			size_t bytes = per_mb * (size_t)w / 8, j;
			if (w > 64) {
				*why = "DELTA_BINARY_PACKED bit width over 64";
				return -1;
			}
			if ((size_t)(end - p) < bytes) {
				*why = "truncated DELTA_BINARY_PACKED miniblock";
				return -1;
			}
			for (j = 0; j < per_mb && count < n; j++) {
				uint64_t d = w ? unpack(p, j * (size_t)w, w) : 0;
				prev = prev + min_delta + d;
				out[count++] = (int64_t)prev;
			}
			p += bytes;
		}
	}
	*used = (size_t)(p - s);
	return 0;
}
