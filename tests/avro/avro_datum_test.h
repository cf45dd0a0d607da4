/*
 * Helpers shared by the datum tests (test_avro_datum.c, test_avro_resolve.c,
 * test_avro_default.c): a tiny encoder for hand-built datums and a runner
 * that decodes one with a writer/reader schema pair into vtree JSON.
 */
#ifndef ICP_AVRO_DATUM_TEST_H
#define ICP_AVRO_DATUM_TEST_H

#include "avro/avro.h"
#include "test.h"

typedef struct dat {
	uint8_t b[4096];
	size_t n;
} dat;

static inline void L(dat *d, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	while (z >= 0x80) {
		d->b[d->n++] = (uint8_t)(z | 0x80);
		z >>= 7;
	}
	d->b[d->n++] = (uint8_t)z;
}

static inline void RAW(dat *d, const void *p, size_t n)
{
	memcpy(d->b + d->n, p, n);
	d->n += n;
}

static inline void S(dat *d, const char *s)
{
	L(d, (int64_t)strlen(s));
	RAW(d, s, strlen(s));
}

static inline void FL(dat *d, float f)
{
	uint32_t u;
	int i;
	memcpy(&u, &f, 4);
	for (i = 0; i < 4; i++)
		d->b[d->n++] = (uint8_t)(u >> (8 * i));
}

static inline void DB(dat *d, double f)
{
	uint64_t u;
	int i;
	memcpy(&u, &f, 8);
	for (i = 0; i < 8; i++)
		d->b[d->n++] = (uint8_t)(u >> (8 * i));
}

/* Decodes d with writer w and reader r (NULL = w) into JSON text (static
 * buffer) or, on failure, the error message; *rc_out gets the status. */
static inline const char *run(const char *w, const char *r, const dat *d, int *rc_out)
{
	static char out[8192];
	icp_avro_schema *ws = NULL, *rs = NULL;
	icp_avro_decoder *dec = NULL;
	icp_vt_doc doc;
	icp_error err;
	icp_buf b;
	int rc;

	memset(&doc, 0, sizeof(doc));
	icp_error_init(&err);
	icp_buf_init(&b, 1 << 20);
	rc = icp_avro_schema_parse(NULL, 0, icp_slice_cstr(w), &ws, &err);
	if (rc == ICP_OK && r)
		rc = icp_avro_schema_parse(NULL, 0, icp_slice_cstr(r), &rs, &err);
	if (rc == ICP_OK)
		rc = icp_avro_decoder_new(ws, rs, &dec, &err);
	if (rc == ICP_OK)
		rc = icp_avro_decode(dec, d->b, d->n, &doc, &err);
	if (rc == ICP_OK) {
		icp_vt_to_json(&doc, 0, &b);
		snprintf(out, sizeof(out), "%.*s", (int)b.len, (const char *)b.data);
	} else {
		snprintf(out, sizeof(out), "%s", err.msg);
	}
	*rc_out = rc;
	icp_buf_dispose(&b);
	icp_vt_doc_dispose(&doc);
	icp_avro_decoder_free(dec);
	icp_avro_schema_free(ws);
	icp_avro_schema_free(rs);
	return out;
}

#define CHECK_DECODES(w, r, d, json)                                      \
	do {                                                              \
		int _rc;                                                  \
		const char *_o = run(w, r, d, &_rc);                      \
		CHECK_EQ_INT(_rc, ICP_OK);                                \
		CHECK_EQ_STR(_o, json);                                   \
	} while (0)

#define CHECK_FAILS(w, r, d, status, msg)                                 \
	do {                                                              \
		int _rc;                                                  \
		const char *_o = run(w, r, d, &_rc);                      \
		CHECK_EQ_INT(_rc, status);                                \
		CHECK_CONTAINS(_o, msg);                                  \
	} while (0)

#endif
