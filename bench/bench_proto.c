/* Protobuf against JSON, end to end up to the typed columns: records/s of
 * the JSON path (icp_columns_add: scan + coerce) and of the Protobuf path
 * (icp_proto_decode into a vtree + icp_columns_add_tree) for the same
 * ~300-byte records as bench_columns, shredded into the same 8 columns.
 * The Protobuf record carries the same fields (created: a Timestamp; day:
 * a string), the message indexes' one byte included.
 *   bench_proto [records]   (default 1000000) */
#include "../tests/proto/pbenc.h"
#include "columns/columns.h"
#include "proto/proto.h"

#include <stdio.h>
#include <stdlib.h>

#define BATCH 10000

static const char note[] = "free text that is not a column, padding the value to about three "
                           "hundred bytes........";

static void make_json(icp_buf *b, size_t *ends, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		icp_buf_printf(b,
		               "{\"order_id\":%zu,\"qty\":%zu,\"price\":%zu.%02zu,\"paid\":%s,"
		               "\"customer\":\"customer-%06zu@example.com\",\"created\":"
		               "\"2026-11-24T11:%02zu:%02zu.%06zuZ\",\"day\":\"2026-11-%02zu\","
		               "\"lines\":[%zu,%zu,%zu],\"note\":\"%s\","
		               "\"channel\":\"web\",\"region\":\"eu-central\"}",
		               1000000000000 + i, i % 100, i % 997, i % 100, i % 3 ? "true" : "false",
		               i % 50000, i % 60, (i / 60) % 60, i % 1000000, i % 28 + 1, i, i + 1,
		               i + 2, note);
		ends[i] = b->len;
	}
}

static void make_proto(icp_buf *b, size_t *ends, size_t n)
{
	icp_buf s;
	char t[64];
	size_t i;
	double price;

	icp_buf_init(&s, 0);
	for (i = 0; i < n; i++) {
		uint64_t bits;
		icp_buf_append_byte(b, 0); /* message indexes [0] */
		pb_uv(b, 1, 1000000000000 + i);
		if (i % 100)
			pb_uv(b, 2, i % 100);
		price = (double)(i % 997) + (double)(i % 100) / 100.0;
		memcpy(&bits, &price, 8);
		pb_f64(b, 3, bits);
		if (i % 3)
			pb_uv(b, 4, 1);
		snprintf(t, sizeof(t), "customer-%06zu@example.com", i % 50000);
		pb_str(b, 5, t);
		pb_uv(&s, 1, 1795950000 + i % 3600);
		pb_uv(&s, 2, (i % 1000000) * 1000);
		pb_sub(b, 6, &s);
		snprintf(t, sizeof(t), "2026-11-%02zu", i % 28 + 1);
		pb_str(b, 7, t);
		pb_varint(&s, i);
		pb_varint(&s, i + 1);
		pb_varint(&s, i + 2);
		pb_sub(b, 8, &s);
		pb_str(b, 9, note);
		pb_str(b, 10, "web");
		pb_str(b, 11, "eu-central");
		ends[i] = b->len;
	}
	icp_buf_dispose(&s);
}

static icp_proto_schema *order_schema(void)
{
	icp_buf f, m;
	icp_slice sl;
	icp_proto_schema *s = NULL;
	icp_error err;

	icp_buf_init(&f, 0);
	icp_buf_init(&m, 0);
	pb_str(&f, 12, "proto3");
	pb_str(&m, 1, "Order");
	pb_field_desc(&m, "order_id", 1, L_OPT, 3, NULL, -1, 0);
	pb_field_desc(&m, "qty", 2, L_OPT, 5, NULL, -1, 0);
	pb_field_desc(&m, "price", 3, L_OPT, 1, NULL, -1, 0);
	pb_field_desc(&m, "paid", 4, L_OPT, 8, NULL, -1, 0);
	pb_field_desc(&m, "customer", 5, L_OPT, 9, NULL, -1, 0);
	pb_field_desc(&m, "created", 6, L_OPT, 11, ".google.protobuf.Timestamp", -1, 0);
	pb_field_desc(&m, "day", 7, L_OPT, 9, NULL, -1, 0);
	pb_field_desc(&m, "lines", 8, L_REP, 3, NULL, -1, 0);
	pb_field_desc(&m, "note", 9, L_OPT, 9, NULL, -1, 0);
	pb_field_desc(&m, "channel", 10, L_OPT, 9, NULL, -1, 0);
	pb_field_desc(&m, "region", 11, L_OPT, 9, NULL, -1, 0);
	pb_sub(&f, 4, &m);
	sl = icp_slice_make(f.data, f.len);
	icp_error_init(&err);
	if (icp_proto_schema_new(&sl, 1, &s, &err) != ICP_OK)
		fprintf(stderr, "proto schema: %s\n", err.msg);
	icp_buf_dispose(&f);
	icp_buf_dispose(&m);
	return s;
}

/* Seconds for all records; with msg, Protobuf (decode only when x is
 * NULL); -1 when the extractor refused a record. */
static double run(icp_columns *x, const icp_buf *vals, const size_t *ends, size_t n,
                  const icp_proto_msg *msg)
{
	icp_proto_decoder *dec = icp_proto_decoder_new();
	icp_vt_doc doc = {0};
	icp_error err;
	uint64_t t0 = icp_mono_ns();
	size_t i, j;

	for (i = 0; i < n; i += BATCH) {
		if (x)
			icp_columns_begin(x);
		for (j = i; j < n && j < i + BATCH; j++) {
			size_t st = j ? ends[j - 1] : 0;
			int rc;
			if (msg) {
				icp_error_init(&err);
				/* the one-byte message indexes [0] */
				if (icp_proto_decode(dec, msg, vals->data + st + 1, ends[j] - st - 1, &doc,
				                     &err) != ICP_OK) {
					fprintf(stderr, "record %zu: %s\n", j, err.msg);
					exit(1);
				}
				rc = x ? icp_columns_add_tree(x, &doc) : 1;
			} else {
				rc = icp_columns_add(x, vals->data + st, ends[j] - st, 0);
			}
			if (rc != 1) {
				fprintf(stderr, "record %zu refused (column %s)\n", j,
				        icp_columns_invalid_column(x));
				icp_vt_doc_dispose(&doc);
				icp_proto_decoder_free(dec);
				return -1;
			}
		}
	}
	icp_vt_doc_dispose(&doc);
	icp_proto_decoder_free(dec);
	return (double)(icp_mono_ns() - t0) / 1e9;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
	icp_columns_def d[] = {{"order_id", "long", 1, NULL},  {"qty", "int", 0, NULL},
	                       {"price", "double", 0, NULL},    {"paid", "boolean", 0, NULL},
	                       {"customer", "string", 0, NULL}, {"created", "timestamp", 0, NULL},
	                       {"day", "date", 0, NULL},        {"lines", "list<long>", 0, NULL}};
	icp_ice_schema *s = NULL;
	icp_columns *x = NULL;
	icp_proto_schema *ps = order_schema();
	const icp_proto_msg *m;
	size_t *je = icp_calloc(n ? n : 1, sizeof(size_t)), *pe = icp_calloc(n ? n : 1, sizeof(size_t));
	icp_buf jv, pv;
	icp_error err;
	double tj, tp, td;

	icp_error_init(&err);
	icp_buf_init(&jv, ICP_BUF_UNLIMITED);
	icp_buf_init(&pv, ICP_BUF_UNLIMITED);
	if (!je || !pe || !ps || icp_proto_message(ps, NULL, 0, &m, &err) ||
	    icp_columns_schema(d, 8, &s, &err) || icp_columns_new(s, s, &x, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return 1;
	}
	make_json(&jv, je, n);
	make_proto(&pv, pe, n);
	printf("records %zu, mean JSON value %.0f bytes, Protobuf %.0f bytes\n", n,
	       (double)jv.len / (double)n, (double)pv.len / (double)n);
	tj = run(x, &jv, je, n, NULL);
	td = run(NULL, &pv, pe, n, m);
	tp = run(x, &pv, pe, n, m);
	printf("%-34s %10.0f records/s\n", "JSON (scan + coerce):", (double)n / tj);
	printf("%-34s %10.0f records/s\n", "Protobuf decode alone:", (double)n / td);
	if (tp > 0) {
		printf("%-34s %10.0f records/s\n", "Protobuf (decode + add_tree):", (double)n / tp);
		printf("Protobuf / JSON: %.2fx\n", tj / tp);
	} else {
		printf("Protobuf (decode + add_tree): refused by the extractor (native kinds?)\n");
	}
	icp_free(je);
	icp_free(pe);
	icp_buf_dispose(&jv);
	icp_buf_dispose(&pv);
	icp_columns_free(x);
	icp_ice_schema_free(s);
	icp_proto_schema_free(ps);
	return 0;
}
