/*
 * Helpers shared by the reader tests (test_reader*.c): a file in memory
 * read through read_at, a small file made by our writer, reading every
 * leaf of a file, and checking the error a read ends with.
 */
#ifndef ICP_TEST_READER_UTIL_H
#define ICP_TEST_READER_UTIL_H

#include "parquet/parquet_int.h"
#include "test.h"

static inline int mem_read_at(void *ctx, uint64_t off, size_t n, icp_buf *out, icp_error *err)
{
	const icp_buf *f = ctx;
	if (off > f->len || n > f->len - off)
		return icp_error_set(err, ICP_ERR_CORRUPT, "read past the end");
	return icp_buf_append(out, f->data + off, n);
}

/* A small file: id LONG required (3 distinct values), st STRUCT optional
 * { val INT optional }, every value present; uncompressed v1 pages. */
static inline void small_file(icp_buf *out, int dict, size_t rows)
{
	icp_parquet_field f[3];
	icp_parquet_options o;
	icp_parquet_sink sink;
	icp_parquet_writer *w = NULL;
	icp_parquet_batch b;
	icp_error err;
	int64_t ids[256];
	int32_t vals[256];
	int16_t def[256];
	size_t i;

	icp_error_init(&err);
	f[0] = icp_parquet_field_make("id", 1, ICP_PARQUET_LONG, 1);
	f[1] = icp_parquet_field_make("st", 2, ICP_PARQUET_STRUCT, 0);
	f[2] = icp_parquet_field_make("val", 3, ICP_PARQUET_INT, 0);
	f[2].parent = 1;
	icp_parquet_options_init(&o);
	o.codec = ICP_CODEC_NONE;
	o.dictionary = dict;
	for (i = 0; i < rows; i++) {
		ids[i] = (int64_t)(i % 3) * 1000003;
		vals[i] = (int32_t)i;
		def[i] = 2;
	}
	icp_parquet_buf_sink(out, &sink);
	CHECK_EQ_INT(icp_parquet_writer_new(f, 3, &o, sink, &w, &err), ICP_OK);
	memset(&b, 0, sizeof(b));
	b.n = rows;
	b.fixed = ids;
	CHECK_EQ_INT(icp_parquet_writer_write(w, 0, &b, &err), ICP_OK);
	b.fixed = vals;
	b.def = def;
	CHECK_EQ_INT(icp_parquet_writer_write(w, 1, &b, &err), ICP_OK);
	CHECK_EQ_INT(icp_parquet_writer_end_rows(w, &err), ICP_OK);
	CHECK_EQ_INT(icp_parquet_writer_close(w, NULL, &err), ICP_OK);
	icp_parquet_writer_free(w);
}

/* Opens the file and reads every leaf; returns the first failure. */
static inline int read_all(const icp_buf *file, icp_error *err)
{
	icp_parquet_reader *r = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_parquet_column c;
	size_t g, l;
	int rc = icp_parquet_reader_open(mem_read_at, (void *)file, file->len, &r, err);
	for (g = 0; rc == ICP_OK && g < icp_parquet_reader_row_groups(r); g++)
		for (l = 0; rc == ICP_OK && l < icp_parquet_reader_leaf_count(r); l++)
			rc = icp_parquet_reader_read(r, g, l, a, &c, err);
	icp_parquet_reader_free(r);
	icp_arena_free(a);
	return rc;
}

static inline void expect(const icp_buf *file, int status, const char *needle)
{
	icp_error err;
	int rc;
	icp_error_init(&err);
	rc = read_all(file, &err);
	CHECK_EQ_INT(rc, status);
	CHECK_CONTAINS(err.msg, needle);
	if (rc != status || !strstr(err.msg, needle))
		fprintf(stderr, "  message: %s\n", err.msg);
}

#endif
