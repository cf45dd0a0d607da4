/*
 * Fuzz target: a whole segment object. Each input is read twice: once with
 * every check (as production does) and once with CRC checks off, so
 * mutations reach the batch and record parsers instead of stopping at the
 * first checksum. A small trickle source exercises the window refills.
 */
#include "segment/segment.h"

typedef struct {
	icp_segment_mem m;
	size_t step;
} trickle;

static int trickle_read(void *ctx, uint8_t *buf, size_t n, size_t *got, icp_error *err)
{
	trickle *t = ctx;
	size_t left = t->m.data.len - t->m.pos;
	(void)err;
	if (n > t->step)
		n = t->step;
	if (n > left)
		n = left;
	memcpy(buf, t->m.data.ptr + t->m.pos, n);
	t->m.pos += n;
	*got = n;
	return ICP_OK;
}

static void run(const uint8_t *data, size_t size, int skip_crc, size_t step)
{
	icp_segment_opts o;
	icp_segment_source src;
	icp_segment_reader *r = NULL;
	icp_batch b;
	icp_error err;
	trickle t;
	size_t sum = 0;

	icp_segment_opts_init(&o);
	o.skip_crc = skip_crc;
	o.max_batch_bytes = 1u << 20;
	o.max_decompressed_bytes = 4u << 20;
	icp_error_init(&err);
	icp_segment_mem_source(&t.m, icp_slice_make(data, size), 0, "fuzz.kfs", &src);
	t.step = step;
	src.ctx = &t;
	src.read = trickle_read;
	if (icp_segment_reader_new(&src, &o, &r, &err) != ICP_OK)
		return;
	while (icp_segment_reader_next(r, &b, &err) == ICP_OK) {
		size_t i;
		/* touch every byte handed out so ASan checks the slices */
		for (i = 0; i < b.n_records; i++) {
			const icp_record *rec = &b.records[i];
			uint32_t h;
			if (rec->key.len)
				sum += rec->key.ptr[rec->key.len - 1];
			if (rec->value.len)
				sum += rec->value.ptr[rec->value.len - 1];
			for (h = 0; h < rec->header_count; h++) {
				const icp_kafka_header *hd = &b.headers[rec->header_first + h];
				if (hd->key.len)
					sum += hd->key.ptr[0];
				if (hd->value.len)
					sum += hd->value.ptr[hd->value.len - 1];
			}
		}
	}
	icp_segment_reader_free(r);
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 0, 1u << 16);
	run(data, size, 1, size % 7 + 1 == 1 ? 13 : 1u << 16);
	return 0;
}
