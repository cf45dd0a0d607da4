/* Fuzz target: binary value trees (vtree.h) shredded by src/columns
 * (icp_columns_add_tree), as the Avro and Protobuf decoders give them.
 * Input: byte 0 = the DECIMAL node's scale (0..40), the rest = its
 * unscaled big-endian two's-complement bytes, reused as a LONG, a DOUBLE,
 * BYTES and MAP keys. Checks, against the decimal text parser (an
 * independent path): a decimal(P,S) value taken from the DECIMAL node is
 * exactly what the same number written as text gives; and when S is not
 * below the node's scale and the text fits P digits, the node is taken. */
#include "columns/columns.h"

#include <stdio.h>
#include <stdlib.h>

static const struct {
	const char *name;
	int p, s;
} decs[] = {{"d92", 9, 2}, {"d180", 18, 0}, {"d3810", 38, 10}, {"d380", 38, 0}, {"d51", 5, 1}};

static icp_columns *extractor(icp_ice_schema **out)
{
	icp_columns_def d[ICP_ARRAY_LEN(decs) + 5];
	icp_ice_type *fx = icp_ice_type_new(ICP_ICE_FIXED), *m = icp_ice_type_new(ICP_ICE_MAP);
	icp_ice_schema *s = NULL;
	icp_columns *x = NULL;
	char types[ICP_ARRAY_LEN(decs)][32];
	icp_error err;
	size_t i, n = 0;

	if (!fx || !m)
		abort();
	fx->length = 3;
	m->key = icp_ice_type_new(ICP_ICE_LONG);
	m->value = icp_ice_type_new(ICP_ICE_DOUBLE);
	memset(d, 0, sizeof(d));
	for (i = 0; i < ICP_ARRAY_LEN(decs); i++) {
		snprintf(types[i], sizeof(types[i]), "decimal(%d,%d)", decs[i].p, decs[i].s);
		d[n].name = decs[i].name;
		d[n++].type = types[i];
	}
	d[n].name = "i";
	d[n++].type = "int";
	d[n].name = "f";
	d[n++].type = "float";
	d[n].name = "fx";
	d[n++].itype = fx;
	d[n].name = "m";
	d[n++].itype = m;
	d[n].name = "l";
	d[n++].type = "list<decimal(20,4)>";
	icp_error_init(&err);
	if (icp_columns_schema(d, n, &s, &err) == ICP_OK)
		icp_columns_new(s, s, &x, &err);
	icp_ice_type_free(fx);
	icp_ice_type_free(m);
	*out = s;
	return x;
}

/* The unscaled value with `scale` as decimal text; 0 when too long. */
static int as_text(const uint8_t *b, size_t n, int scale, char *out, size_t cap)
{
	uint8_t m[64];
	char dg[200];
	size_t nd = 0, i, o = 0;
	int neg, nz;
	unsigned c = 1;

	if (n == 0 || n > sizeof(m))
		return 0;
	neg = b[0] >> 7;
	for (i = n; i-- > 0;) { /* magnitude, big-endian */
		m[i] = neg ? (uint8_t)~b[i] : b[i];
		if (neg) {
			c += m[i];
			m[i] = (uint8_t)c;
			c >>= 8;
		}
	}
	do {
		unsigned r = 0;
		nz = 0;
		for (i = 0; i < n; i++) {
			unsigned cur = r * 256 + m[i];
			m[i] = (uint8_t)(cur / 10);
			r = cur % 10;
			nz |= m[i];
		}
		dg[nd++] = (char)('0' + r);
	} while (nz && nd < sizeof(dg));
	while (nd <= (size_t)scale)
		dg[nd++] = '0';
	if (nd + 4 > cap)
		return 0;
	if (neg)
		out[o++] = '-';
	for (i = nd; i-- > 0;) {
		out[o++] = dg[i];
		if (i == (size_t)scale && scale > 0)
			out[o++] = '.';
	}
	out[o] = '\0';
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_ice_schema *s = NULL;
	icp_columns *x;
	icp_vt_doc d;
	uint32_t r, c, k;
	size_t i;
	int scale, rc;
	char text[256];

	if (size < 1)
		return 0;
	scale = data[0] % 41;
	data++;
	size--;
	x = extractor(&s);
	if (!x)
		abort();
	memset(&d, 0, sizeof(d));
	icp_columns_begin(x);
	rc = icp_vt_push(&d, ICP_VT_OBJ, &r);
	for (i = 0; rc == ICP_OK && i < ICP_ARRAY_LEN(decs); i++) {
		rc = icp_vt_push(&d, ICP_VT_DECIMAL, &c);
		if (rc == ICP_OK) {
			d.nodes[c].key = decs[i].name;
			d.nodes[c].key_len = strlen(decs[i].name);
			d.nodes[c].s = (const char *)data;
			d.nodes[c].len = size;
			d.nodes[c].scale = (int16_t)scale;
		}
	}
	if (rc == ICP_OK && (rc = icp_vt_push(&d, ICP_VT_LONG, &c)) == ICP_OK) {
		int64_t v = 0;
		memcpy(&v, data, size < 8 ? size : 8);
		d.nodes[c].key = "i";
		d.nodes[c].key_len = 1;
		d.nodes[c].i = v;
	}
	if (rc == ICP_OK && (rc = icp_vt_push(&d, ICP_VT_DOUBLE, &c)) == ICP_OK) {
		double v = 0;
		memcpy(&v, data, size < 8 ? size : 8);
		d.nodes[c].key = "f";
		d.nodes[c].key_len = 1;
		d.nodes[c].d = v;
	}
	if (rc == ICP_OK && (rc = icp_vt_push(&d, ICP_VT_BYTES, &c)) == ICP_OK) {
		d.nodes[c].key = "fx";
		d.nodes[c].key_len = 2;
		d.nodes[c].s = (const char *)data;
		d.nodes[c].len = size;
	}
	if (rc == ICP_OK && (rc = icp_vt_push(&d, ICP_VT_MAP, &c)) == ICP_OK) {
		d.nodes[c].key = "m";
		d.nodes[c].key_len = 1;
		for (k = 0; rc == ICP_OK && k < size && k < 8; k++) {
			uint32_t e;
			/* a STR key makes the record invalid: only sometimes */
			int str = k == 3 && (data[k] & 1);
			rc = icp_vt_push(&d, str ? ICP_VT_STR : ICP_VT_LONG, &e);
			if (rc == ICP_OK) {
				d.nodes[e].i = data[k];
				if (str) {
					d.nodes[e].s = (const char *)data;
					d.nodes[e].len = 1;
				}
				rc = icp_vt_push(&d, ICP_VT_DOUBLE, &e);
			}
		}
		icp_vt_close(&d, c, k);
	}
	if (rc == ICP_OK && (rc = icp_vt_push(&d, ICP_VT_ARR, &c)) == ICP_OK) {
		uint32_t e;
		d.nodes[c].key = "l";
		d.nodes[c].key_len = 1;
		rc = icp_vt_push(&d, ICP_VT_DECIMAL, &e);
		if (rc == ICP_OK) {
			d.nodes[e].s = (const char *)data;
			d.nodes[e].len = size;
			d.nodes[e].scale = (int16_t)scale;
		}
		icp_vt_close(&d, c, 1);
	}
	if (rc != ICP_OK)
		abort();
	icp_vt_close(&d, r, (uint32_t)ICP_ARRAY_LEN(decs) + 5);
	rc = icp_columns_add_tree(x, &d);
	if (rc < 0)
		abort();
	for (i = 0; rc == 1 && i < ICP_ARRAY_LEN(decs); i++) {
		const icp_ice_field *f = icp_ice_schema_find(s, decs[i].name);
		icp_pspec_value v;
		uint8_t be[16];
		int trc;
		if (!f || icp_columns_last_value(x, f->id, &v) != ICP_OK)
			abort();
		if (!as_text(data, size, scale, text, sizeof(text)))
			continue;
		trc = icp_columns_parse_decimal(text, strlen(text), decs[i].p, decs[i].s, be);
		if (!v.is_null) {
			icp_slice got = icp_pspec_value_bytes(&v);
			size_t nb = got.len;
			/* taken: exactly the text's value (sign-extended compare) */
			if (trc != ICP_OK || nb == 0 || nb > 16 || memcmp(be + 16 - nb, got.ptr, nb) != 0)
				abort();
			for (k = 0; k < 16 - nb; k++)
				if (be[k] != ((got.ptr[0] & 0x80) ? 0xff : 0))
					abort();
		} else if (trc == ICP_OK && decs[i].s >= scale) {
			abort(); /* exact and within P digits, yet refused */
		}
	}
	icp_vt_doc_dispose(&d);
	icp_columns_free(x);
	icp_ice_schema_free(s);
	return 0;
}
