/* Fuzz target: the Avro OCF reader (header, metadata, schema compiler,
 * blocks, deflate, datum decoder) on arbitrary bytes. Every datum decoded is
 * also written out as JSON, which must succeed unless it holds a float that
 * JSON cannot express (NaN, infinity). */
#include "avro/avro.h"

#include <math.h>
#include <stdlib.h>

static int has_nonfinite(const icp_json *j)
{
	size_t i;

	switch (j->type) {
	case ICP_JSON_DOUBLE:
		return !isfinite(j->u.num.d);
	case ICP_JSON_ARRAY:
		for (i = 0; i < j->u.arr.n; i++)
			if (has_nonfinite(&j->u.arr.items[i]))
				return 1;
		return 0;
	case ICP_JSON_OBJECT:
		for (i = 0; i < j->u.obj.n; i++)
			if (has_nonfinite(&j->u.obj.members[i].value))
				return 1;
		return 0;
	default:
		return 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_avro_reader_opts opts = {0};
	icp_avro_reader *r = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	icp_json *d;
	icp_buf out;
	int n, rc;

	if (!a)
		return 0;
	icp_error_init(&err);
	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	/* Small limits keep each run fast; the code paths are the same. */
	opts.max_block_bytes = 1 << 20;
	opts.max_nodes = 1 << 16;
	if (icp_avro_reader_open(icp_slice_make(data, size), &opts, &r, &err) != ICP_OK) {
		if (err.msg[0] == 0)
			abort(); /* every failure must say why */
		goto out;
	}
	for (n = 0; n < 10000; n++) {
		icp_json_writer w;
		rc = icp_avro_reader_next(r, a, &d, &err);
		if (rc != ICP_OK) {
			if (rc != ICP_END && err.msg[0] == 0)
				abort();
			break;
		}
		icp_buf_reset(&out);
		icp_json_writer_init(&w, &out, 0);
		icp_json_write_value(&w, d);
		if (icp_json_writer_finish(&w) != ICP_OK && !has_nonfinite(d))
			abort();
		icp_arena_reset(a);
	}
out:
	icp_avro_reader_free(r);
	icp_buf_dispose(&out);
	icp_arena_free(a);
	return 0;
}
