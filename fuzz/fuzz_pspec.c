/* Fuzz target: partition specs (src/pspec) against a fixed schema.
 * - Every input, as newline-separated expressions, goes to
 *   icp_pspec_build. Failures must say why; a built spec must write JSON
 *   that parses back to an equal spec that binds to the schema, and every
 *   field must transform a value made of the input bytes and print it as
 *   a path and a tuple key.
 * - An input that is JSON goes to icp_pspec_from_json; what parses must
 *   write and re-parse to an equal spec.
 * Inputs are NUL-terminated copies. */
#include "pspec/pspec.h"

#include <stdlib.h>

static icp_ice_schema *make_schema(void)
{
	static const char *const cols[][2] = {
		{"id", "long"},    {"name", "string"},      {"ts", "timestamptz"}, {"d", "date"},
		{"amount", "decimal(38,2)"}, {"i", "int"},  {"t", "time"},        {"lts", "timestamp"},
		{"u", "uuid"},     {"f", "fixed[4]"},       {"b", "binary"},       {"flag", "boolean"},
		{"x", "double"},   {"y", "float"},
	};
	icp_ice_schema *s = icp_ice_schema_new(0);
	icp_ice_type t;

	if (!s)
		return NULL;
	for (size_t i = 0; i < ICP_ARRAY_LEN(cols); i++)
		if (icp_ice_parse_primitive(cols[i][1], &t) != ICP_OK ||
		    icp_ice_schema_add(s, (int32_t)i + 1, cols[i][0], 0, &t) != ICP_OK) {
			icp_ice_schema_free(s);
			return NULL;
		}
	return s;
}

/* A value of kind k built from the input bytes. */
static icp_pspec_value value_from(icp_ice_kind k, int32_t scale, const uint8_t *p, size_t n)
{
	uint64_t u = 0;
	icp_pspec_value v;

	for (size_t i = 0; i < n && i < 8; i++)
		u = u << 8 | p[i];
	switch (k) {
	case ICP_ICE_UUID:
		return icp_pspec_value_of_bytes(k, p, n < 16 ? n : 16, 0);
	case ICP_ICE_STRING:
	case ICP_ICE_FIXED:
	case ICP_ICE_BINARY:
		return icp_pspec_value_of_bytes(k, p, n, 0);
	case ICP_ICE_DECIMAL:
		return icp_pspec_value_of_bytes(k, p, n < 17 ? n : 17, scale);
	case ICP_ICE_BOOLEAN:
		return icp_pspec_value_int(k, (int64_t)(u & 1));
	case ICP_ICE_INT:
	case ICP_ICE_DATE:
		return icp_pspec_value_int(k, (int32_t)(uint32_t)u);
	case ICP_ICE_TIME:
		return icp_pspec_value_int(k, (int64_t)(u % UINT64_C(86400000000)));
	case ICP_ICE_FLOAT:
	case ICP_ICE_DOUBLE:
		v = icp_pspec_value_int(k, 0);
		memcpy(&v.d, &u, sizeof(v.d));
		return v;
	default:
		return icp_pspec_value_int(k, (int64_t)u);
	}
}

static void check_spec(const icp_pspec *p, const icp_ice_schema *schema, const uint8_t *data,
                       size_t size)
{
	icp_pspec_value vals[32], in;
	icp_arena *a = icp_arena_new(0);
	icp_pspec *q = NULL;
	icp_json *root = NULL;
	icp_json_writer w;
	uint8_t scratch[16];
	icp_slice ser;
	icp_error err;
	icp_buf b;

	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	icp_error_init(&err);
	icp_json_writer_init(&w, &b, 0);
	icp_pspec_write_json(p, &w);
	if (!a || icp_json_writer_finish(&w) != ICP_OK)
		goto out;
	if (icp_json_parse(a, (const char *)b.data, b.len, NULL, &root, &err) != ICP_OK ||
	    icp_pspec_from_json(root, NULL, &q, &err) != ICP_OK || !icp_pspec_equal(p, q, 1) ||
	    q->spec_id != p->spec_id)
		abort();
	for (size_t i = 0; i < q->n_fields; i++)
		if (q->fields[i].field_id != p->fields[i].field_id)
			abort();
	if (schema && icp_pspec_bind(q, schema, &err) != ICP_OK)
		abort();
	if (!schema || p->n_fields > ICP_ARRAY_LEN(vals))
		goto out;
	for (size_t i = 0; i < p->n_fields; i++) {
		const icp_pspec_field *f = &p->fields[i];
		in = value_from(f->source_type.kind, f->source_type.scale, data, size);
		icp_error_init(&err);
		if (icp_pspec_apply(f, &in, &vals[i], &err) != ICP_OK) {
			if (err.status == ICP_OK || !err.msg[0])
				abort();
			vals[i] = icp_pspec_value_null(f->source_type.kind);
		}
		if (!vals[i].is_null) {
			icp_pspec_value back;
			if (icp_pspec_value_serialize(&vals[i], scratch, &ser) == ICP_OK &&
			    icp_pspec_value_deserialize(vals[i].kind, vals[i].scale, ser, &back,
			                                &err) == ICP_OK &&
			    vals[i].kind != ICP_ICE_DOUBLE && vals[i].kind != ICP_ICE_FLOAT &&
			    icp_pspec_value_cmp(&back, &vals[i]) != 0)
				abort();
		}
	}
	icp_buf_reset(&b);
	if (icp_pspec_path(p, vals, &b) != ICP_OK)
		abort();
	icp_buf_reset(&b);
	if (icp_pspec_tuple_key(p, vals, &b) != ICP_OK)
		abort();
out:
	icp_pspec_free(q);
	icp_arena_free(a);
	icp_buf_dispose(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = icp_malloc(size + 1), *exprs[16];
	icp_ice_schema *schema = make_schema();
	icp_arena *a = icp_arena_new(0);
	icp_pspec *p = NULL;
	icp_json *root = NULL;
	icp_error err;
	size_t n = 0;
	int32_t last = 999;

	if (!text || !schema || !a)
		goto out;
	memcpy(text, data, size);
	text[size] = '\0';
	/* newline-separated expressions (up to 16) */
	exprs[n++] = text;
	for (char *c = text; *c && n < ICP_ARRAY_LEN(exprs); c++)
		if (*c == '\n') {
			*c = '\0';
			exprs[n++] = c + 1;
		}
	icp_error_init(&err);
	if (icp_pspec_build(schema, (const char *const *)exprs, n, 1, 999, &p, &err) != ICP_OK) {
		if (err.status == ICP_OK || !err.msg[0] || p)
			abort();
	} else {
		check_spec(p, schema, data, size);
		if (icp_pspec_assign_field_ids(p, (const icp_pspec *const *)&p, 1, &last, &err) !=
		    ICP_OK)
			abort();
	}
	icp_pspec_free(p);
	p = NULL;

	icp_error_init(&err);
	if (icp_json_parse(a, (const char *)data, size, NULL, &root, &err) == ICP_OK) {
		if (icp_pspec_from_json(root, "spec", &p, &err) != ICP_OK) {
			if (err.status == ICP_OK || !err.msg[0] || p)
				abort();
		} else {
			check_spec(p, NULL, data, size);
			icp_error_init(&err);
			if (icp_pspec_bind(p, schema, &err) == ICP_OK)
				check_spec(p, schema, data, size);
		}
	}
out:
	icp_pspec_free(p);
	icp_arena_free(a);
	icp_ice_schema_free(schema);
	icp_free(text);
	return 0;
}
