/* Typed-column extraction cost: records/s for ~300-byte JSON object values
 * shredded into 8 columns (long, int, double, boolean, string, timestamp
 * from RFC 3339, date, list<long>), batches of 10000, then (second figure)
 * the same plus handing the leaves to a Parquet writer (no compression).
 *   bench_columns [records]   (default 1000000) */
#include "columns/columns.h"

#include <stdio.h>
#include <stdlib.h>

#define BATCH 10000

static void make_values(icp_buf *b, size_t *ends, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		icp_buf_printf(b,
		               "{\"order_id\":%zu,\"qty\":%zu,\"price\":%zu.%02zu,\"paid\":%s,"
		               "\"customer\":\"customer-%06zu@example.com\",\"created\":"
		               "\"2026-11-24T12:%02zu:%02zu.%06zu+01:00\",\"day\":\"2026-11-%02zu\","
		               "\"lines\":[%zu,%zu,%zu],\"note\":\"free text that is not a column, "
		               "padding the value to about three hundred bytes........\","
		               "\"channel\":\"web\",\"region\":\"eu-central\"}",
		               1000000000000 + i, i % 100, i % 997, i % 100, i % 3 ? "true" : "false",
		               i % 50000, i % 60, (i / 60) % 60, i % 1000000, i % 28 + 1, i, i + 1,
		               i + 2);
		ends[i] = b->len;
	}
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000, i, j, pass;
	icp_columns_def d[] = {{"order_id", "long", 1},  {"qty", "int", 0},
	                       {"price", "double", 0},    {"paid", "boolean", 0},
	                       {"customer", "string", 0}, {"created", "timestamp", 0},
	                       {"day", "date", 0},        {"lines", "list<long>", 0}};
	icp_ice_schema *s = NULL;
	icp_columns *x = NULL;
	icp_parquet_field *pf = NULL;
	size_t npf, *ends = icp_calloc(n ? n : 1, sizeof(size_t));
	icp_buf vals;
	icp_error err;

	icp_error_init(&err);
	icp_buf_init(&vals, ICP_BUF_UNLIMITED);
	if (!ends || icp_columns_schema(d, 8, &s, &err) || icp_columns_new(s, s, &x, &err) ||
	    icp_ice_schema_to_parquet(s, &pf, &npf)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return 1;
	}
	make_values(&vals, ends, n);
	printf("records %zu, mean value %.0f bytes\n", n, (double)vals.len / (double)n);
	for (pass = 0; pass < 2; pass++) {
		icp_parquet_writer *pw = NULL;
		icp_parquet_options o;
		icp_parquet_sink sink;
		icp_buf out;
		uint64_t t0;
		icp_parquet_options_init(&o);
		o.codec = ICP_CODEC_NONE;
		icp_buf_init(&out, ICP_BUF_UNLIMITED);
		icp_parquet_buf_sink(&out, &sink);
		/* the writer over the typed leaves only: no base columns */
		{
			icp_parquet_field *sub = pf + 8;
			size_t k;
			for (k = 0; k < npf - 8; k++)
				if (sub[k].parent >= 0)
					sub[k].parent -= 8;
			if (pass == 1 && icp_parquet_writer_new(sub, npf - 8, &o, sink, &pw, &err)) {
				fprintf(stderr, "writer: %s\n", err.msg);
				return 1;
			}
			for (k = 0; k < npf - 8; k++)
				if (sub[k].parent >= 0)
					sub[k].parent += 8;
		}
		t0 = icp_mono_ns();
		for (i = 0; i < n; i += BATCH) {
			icp_columns_begin(x);
			for (j = i; j < n && j < i + BATCH; j++) {
				size_t st = j ? ends[j - 1] : 0;
				if (icp_columns_add(x, vals.data + st, ends[j] - st, 0) != 1) {
					fprintf(stderr, "record %zu refused\n", j);
					return 1;
				}
			}
			if (pw && (icp_columns_write(x, pw, &err) || icp_parquet_writer_end_rows(pw, &err))) {
				fprintf(stderr, "write: %s\n", err.msg);
				return 1;
			}
		}
		if (pw && icp_parquet_writer_close(pw, NULL, &err)) {
			fprintf(stderr, "close: %s\n", err.msg);
			return 1;
		}
		{
			double sec = (double)(icp_mono_ns() - t0) / 1e9;
			printf("%-28s %10.0f records/s  %7.1f MB/s of values\n",
			       pass ? "extract + Parquet write:" : "extract (scan + coerce):",
			       (double)n / sec, (double)vals.len / sec / 1e6);
		}
		icp_parquet_writer_free(pw);
		icp_buf_dispose(&out);
	}
	icp_free(pf);
	icp_free(ends);
	icp_buf_dispose(&vals);
	icp_columns_free(x);
	icp_ice_schema_free(s);
	return 0;
}
