/* Avro datum decoding cost against the JSON path: the record of
 * bench_columns.c (8 columns + 3 unextracted string fields), once as JSON
 * text shredded by icp_columns_add, once as an Avro binary datum decoded
 * by icp_avro_decode (writer = reader, and an evolved writer: resolution)
 * then shredded by icp_columns_add_tree; and the decode alone.
 *   bench_avro_datum [records]   (default 1000000) */
#include "avro/avro.h"
#include "columns/columns.h"

#include <stdio.h>
#include <stdlib.h>

#define BATCH 10000

static const char *SCHEMA =
	"{\"type\":\"record\",\"name\":\"Order\",\"fields\":["
	"{\"name\":\"order_id\",\"type\":\"long\"},{\"name\":\"qty\",\"type\":\"int\"},"
	"{\"name\":\"price\",\"type\":\"double\"},{\"name\":\"paid\",\"type\":\"boolean\"},"
	"{\"name\":\"customer\",\"type\":\"string\"},"
	"{\"name\":\"created\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}},"
	"{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
	"{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":\"long\"}},"
	"{\"name\":\"note\",\"type\":\"string\"},{\"name\":\"channel\",\"type\":\"string\"},"
	"{\"name\":\"region\",\"type\":\"string\",\"default\":\"eu\"}]}";
/* An older writer: price a float, lines of ints, no region, one more field. */
static const char *OLD =
	"{\"type\":\"record\",\"name\":\"Order\",\"fields\":["
	"{\"name\":\"order_id\",\"type\":\"long\"},{\"name\":\"qty\",\"type\":\"int\"},"
	"{\"name\":\"price\",\"type\":\"float\"},{\"name\":\"paid\",\"type\":\"boolean\"},"
	"{\"name\":\"customer\",\"type\":\"string\"},"
	"{\"name\":\"created\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}},"
	"{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
	"{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":\"int\"}},"
	"{\"name\":\"note\",\"type\":\"string\"},{\"name\":\"channel\",\"type\":\"string\"},"
	"{\"name\":\"legacy\",\"type\":[\"null\",\"string\"]}]}";

static void put_str(icp_buf *b, const char *s)
{
	icp_avro_encode_long(b, (int64_t)strlen(s));
	icp_buf_append_str(b, s);
}

static void put_f(icp_buf *b, const void *p, size_t n)
{
	icp_buf_append(b, p, n); /* little-endian hosts: the bench only */
}

static void make(icp_buf *js, size_t *jends, icp_buf *av, size_t *aends, icp_buf *old,
                 size_t *oends, size_t n)
{
	char s[64];
	size_t i;

	for (i = 0; i < n; i++) {
		double price = (double)(i % 997) + (double)(i % 100) / 100;
		float pf = (float)price;
		int64_t created = 1795950000000000LL + (int64_t)(i % 3600) * 1000000 + (int64_t)(i % 1000000);
		icp_buf_printf(js,
		               "{\"order_id\":%zu,\"qty\":%zu,\"price\":%zu.%02zu,\"paid\":%s,"
		               "\"customer\":\"customer-%06zu@example.com\",\"created\":"
		               "\"2026-11-24T12:%02zu:%02zu.%06zu+01:00\",\"day\":\"2026-11-%02zu\","
		               "\"lines\":[%zu,%zu,%zu],\"note\":\"free text that is not a column, "
		               "padding the value to about three hundred bytes........\","
		               "\"channel\":\"web\",\"region\":\"eu-central\"}",
		               1000000000000 + i, i % 100, i % 997, i % 100, i % 3 ? "true" : "false",
		               i % 50000, i % 60, (i / 60) % 60, i % 1000000, i % 28 + 1, i, i + 1,
		               i + 2);
		jends[i] = js->len;
		snprintf(s, sizeof(s), "customer-%06zu@example.com", i % 50000);
		for (int v = 0; v < 2; v++) {
			icp_buf *b = v ? old : av;
			icp_avro_encode_long(b, (int64_t)(1000000000000 + i));
			icp_avro_encode_long(b, (int64_t)(i % 100));
			if (v)
				put_f(b, &pf, 4);
			else
				put_f(b, &price, 8);
			icp_buf_append_byte(b, i % 3 ? 1 : 0);
			put_str(b, s);
			icp_avro_encode_long(b, created);
			icp_avro_encode_long(b, 20781 + (int64_t)(i % 28));
			icp_avro_encode_long(b, 3);
			icp_avro_encode_long(b, (int64_t)i);
			icp_avro_encode_long(b, (int64_t)i + 1);
			icp_avro_encode_long(b, (int64_t)i + 2);
			icp_avro_encode_long(b, 0);
			put_str(b, "free text that is not a column, padding the value to about three hundred bytes........");
			put_str(b, "web");
			if (v) {
				icp_avro_encode_long(b, 1);
				put_str(b, "x");
			} else {
				put_str(b, "eu-central");
			}
			(v ? oends : aends)[i] = b->len;
		}
	}
}

static double run(icp_columns *x, icp_avro_decoder *d, const icp_buf *vals, const size_t *ends,
                  size_t n, int shred)
{
	icp_vt_doc doc;
	icp_error err;
	uint64_t t0 = icp_mono_ns();
	size_t i, j;

	memset(&doc, 0, sizeof(doc));
	icp_error_init(&err);
	for (i = 0; i < n; i += BATCH) {
		icp_columns_begin(x);
		for (j = i; j < n && j < i + BATCH; j++) {
			size_t st = j ? ends[j - 1] : 0;
			int rc;
			if (!d) {
				rc = icp_columns_add(x, vals->data + st, ends[j] - st, 0);
			} else {
				if (icp_avro_decode(d, vals->data + st, ends[j] - st, &doc, &err) != ICP_OK) {
					fprintf(stderr, "record %zu: %s\n", j, err.msg);
					exit(1);
				}
				rc = shred ? icp_columns_add_tree(x, &doc) : 1;
			}
			if (rc != 1) {
				fprintf(stderr, "record %zu refused: %s\n", j, icp_columns_invalid_column(x));
				exit(1);
			}
		}
	}
	icp_vt_doc_dispose(&doc);
	return (double)n / ((double)(icp_mono_ns() - t0) / 1e9);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
	/* All optional: the tree run must not stop at a column the extractor
	 * cannot coerce from a binary kind yet (see the report). */
	icp_columns_def d[] = {{"order_id", "long", 0, NULL},  {"qty", "int", 0, NULL},
	                       {"price", "double", 0, NULL},    {"paid", "boolean", 0, NULL},
	                       {"customer", "string", 0, NULL}, {"created", "timestamp", 0, NULL},
	                       {"day", "date", 0, NULL},        {"lines", "list<long>", 0, NULL}};
	icp_ice_schema *s = NULL;
	icp_columns *x = NULL;
	icp_avro_schema *as = NULL, *os = NULL;
	icp_avro_decoder *dec = NULL, *odec = NULL;
	size_t *je = icp_calloc(n ? n : 1, sizeof(size_t)), *ae = icp_calloc(n ? n : 1, sizeof(size_t));
	size_t *oe = icp_calloc(n ? n : 1, sizeof(size_t));
	icp_buf js, av, old;
	icp_error err;
	double json, avro, evolved, decode;

	icp_error_init(&err);
	icp_buf_init(&js, ICP_BUF_UNLIMITED);
	icp_buf_init(&av, ICP_BUF_UNLIMITED);
	icp_buf_init(&old, ICP_BUF_UNLIMITED);
	if (!je || !ae || !oe || icp_columns_schema(d, 8, &s, &err) ||
	    icp_columns_new(s, s, &x, &err) ||
	    icp_avro_schema_parse(NULL, 0, icp_slice_cstr(SCHEMA), &as, &err) ||
	    icp_avro_schema_parse(NULL, 0, icp_slice_cstr(OLD), &os, &err) ||
	    icp_avro_decoder_new(as, NULL, &dec, &err) || icp_avro_decoder_new(os, as, &odec, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return 1;
	}
	make(&js, je, &av, ae, &old, oe, n);
	printf("records %zu, mean JSON %.0f bytes, Avro %.0f bytes\n", n, (double)js.len / (double)n,
	       (double)av.len / (double)n);
	json = run(x, NULL, &js, je, n, 1);
	avro = run(x, dec, &av, ae, n, 1);
	evolved = run(x, odec, &old, oe, n, 1);
	decode = run(x, dec, &av, ae, n, 0);
	printf("JSON extract:                 %10.0f records/s\n", json);
	printf("Avro decode + extract:        %10.0f records/s  (%.2fx JSON)\n", avro, avro / json);
	printf("Avro resolve + extract:       %10.0f records/s  (%.2fx JSON)\n", evolved,
	       evolved / json);
	printf("Avro decode only:             %10.0f records/s\n", decode);
	icp_free(je);
	icp_free(ae);
	icp_free(oe);
	icp_buf_dispose(&js);
	icp_buf_dispose(&av);
	icp_buf_dispose(&old);
	icp_columns_free(x);
	icp_ice_schema_free(s);
	icp_avro_decoder_free(dec);
	icp_avro_decoder_free(odec);
	icp_avro_schema_free(as);
	icp_avro_schema_free(os);
	return 0;
}
