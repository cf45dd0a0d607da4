/* Fuzz target: the Parquet reader (footer, schema, pages, every decoder)
 * on arbitrary file bytes, read from memory. Every leaf of every row group
 * is read; what reads must be something the writer accepts: the schema
 * goes to icp_parquet_writer_new and every column read to
 * icp_parquet_writer_write, which must not refuse them. Every failure
 * must say why. */
#include "parquet/parquet.h"

#include <stdlib.h>

typedef struct mem {
	const uint8_t *p;
	size_t n;
} mem;

static int read_at(void *ctx, uint64_t off, size_t n, icp_buf *out, icp_error *err)
{
	const mem *m = ctx;
	if (off > m->n || n > m->n - off)
		return icp_error_set(err, ICP_ERR_CORRUPT, "read of %zu bytes at %llu past the end", n,
		                     (unsigned long long)off);
	if (icp_buf_append(out, m->p + off, n) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	return ICP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mem m = {data, size};
	icp_parquet_reader *r = NULL;
	icp_parquet_writer *w = NULL;
	icp_parquet_options o;
	icp_parquet_sink sink;
	icp_arena *a = icp_arena_new(0);
	icp_buf out;
	icp_error err;
	const icp_parquet_field *f;
	size_t nf, g, l;
	int rc;

	if (!a)
		return 0;
	icp_error_init(&err);
	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	if (icp_parquet_reader_open(read_at, &m, size, &r, &err) != ICP_OK) {
		if (err.msg[0] == 0)
			abort();
		goto done;
	}
	/* small limits keep each run fast; the code paths are the same */
	icp_parquet_reader_limits(r, 1 << 20, 16 << 20);
	f = icp_parquet_reader_fields(r, &nf);
	icp_parquet_options_init(&o);
	o.codec = ICP_CODEC_NONE;
	icp_parquet_buf_sink(&out, &sink);
	if (icp_parquet_writer_new(f, nf, &o, sink, &w, &err) != ICP_OK)
		abort(); /* the reader's schema must be writable */
	for (g = 0; g < icp_parquet_reader_row_groups(r); g++) {
		int all = 1;
		for (l = 0; l < icp_parquet_reader_leaf_count(r); l++) {
			icp_parquet_column c;
			icp_parquet_batch b;
			rc = icp_parquet_reader_read(r, g, l, a, &c, &err);
			if (rc != ICP_OK) {
				if (err.msg[0] == 0)
					abort();
				icp_error_clear(&err);
				all = 0;
				break;
			}
			b.n = c.n;
			b.def = c.def;
			b.rep = c.rep;
			b.valid = NULL;
			b.fixed = c.fixed;
			b.bytes = c.bytes;
			if (icp_parquet_writer_write(w, l, &b, &err) != ICP_OK)
				abort(); /* what was read must be writable */
		}
		if (!all)
			break;
		if (icp_parquet_writer_end_rows(w, &err) != ICP_OK)
			abort();
		icp_arena_reset(a);
	}
done:
	icp_parquet_writer_free(w);
	icp_parquet_reader_free(r);
	icp_buf_dispose(&out);
	icp_arena_free(a);
	return 0;
}
