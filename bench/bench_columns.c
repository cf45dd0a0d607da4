/* Typed-column extraction cost: records/s for ~300-byte JSON object values
 * shredded into 8 columns (long, int, double, boolean, string, timestamp
 * from RFC 3339, date, list<long>), batches of 10000, then (second figure)
 * the same plus handing the leaves to a Parquet writer (no compression).
 * The third figure shreds the same columns from decoded value trees
 * (icp_columns_add_tree with native LONG/DOUBLE/TIMESTAMP/DATE nodes, as
 * the Avro and Protobuf decoders give them; the tree is filled per record
 * in the loop, a decoder's minimal work).
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
	icp_columns_def d[] = {{"order_id", "long", 1, NULL},  {"qty", "int", 0, NULL},
	                       {"price", "double", 0, NULL},    {"paid", "boolean", 0, NULL},
	                       {"customer", "string", 0, NULL}, {"created", "timestamp", 0, NULL},
	                       {"day", "date", 0, NULL},        {"lines", "list<long>", 0, NULL}};
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
	{
		static const char *const names[] = {"order_id", "qty",     "price", "paid",
		                                    "customer", "created", "day",   "lines"};
		static const char cust[] = "customer-000042@example.com";
		icp_vt_doc vt;
		uint64_t t0 = icp_mono_ns();
		memset(&vt, 0, sizeof(vt));
		for (i = 0; i < n; i += BATCH) {
			icp_columns_begin(x);
			for (j = i; j < n && j < i + BATCH; j++) {
				uint32_t r, c, k, e;
				int bad = 0;
				icp_vt_reset(&vt);
				bad |= icp_vt_push(&vt, ICP_VT_OBJ, &r);
				for (k = 0; k < 8; k++) {
					static const icp_vt_kind kinds[] = {
					    ICP_VT_LONG, ICP_VT_LONG,      ICP_VT_DOUBLE, ICP_VT_BOOL,
					    ICP_VT_STR,  ICP_VT_TIMESTAMP, ICP_VT_DATE,   ICP_VT_ARR};
					bad |= icp_vt_push(&vt, kinds[k], &c);
					if (bad)
						break;
					vt.nodes[c].key = names[k];
					vt.nodes[c].key_len = strlen(names[k]);
					switch (k) {
					case 0: vt.nodes[c].i = (int64_t)(1000000000000 + j); break;
					case 1: vt.nodes[c].i = (int64_t)(j % 100); break;
					case 2: vt.nodes[c].d = (double)(j % 997) + 0.25; break;
					case 3: vt.nodes[c].b = j % 3 != 0; break;
					case 4: vt.nodes[c].s = cust; vt.nodes[c].len = sizeof(cust) - 1; break;
					case 5: vt.nodes[c].i = INT64_C(1795000000000000) + (int64_t)j; break;
					case 6: vt.nodes[c].i = 20780 + (int64_t)(j % 28); break;
					default:
						for (e = 0; e < 3 && !bad; e++) {
							uint32_t l;
							bad |= icp_vt_push(&vt, ICP_VT_LONG, &l);
							if (!bad)
								vt.nodes[l].i = (int64_t)(j + e);
						}
						icp_vt_close(&vt, c, 3);
					}
				}
				icp_vt_close(&vt, r, 8);
				if (bad || icp_columns_add_tree(x, &vt) != 1) {
					fprintf(stderr, "tree record %zu refused\n", j);
					return 1;
				}
			}
		}
		printf("%-28s %10.0f records/s\n", "extract from trees:",
		       (double)n / ((double)(icp_mono_ns() - t0) / 1e9));
		icp_vt_doc_dispose(&vt);
	}
	icp_free(pf);
	icp_free(ends);
	icp_buf_dispose(&vals);
	icp_columns_free(x);
	icp_ice_schema_free(s);
	return 0;
}
