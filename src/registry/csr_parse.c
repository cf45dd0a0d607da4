/*
 * Parsers of Confluent Schema Registry answers (registry_int.h). The
 * answers read are
 *   GET /schemas/ids/{id}            {"schema": S, "schemaType"?: T,
 *                                     "references"?: [{name,subject,version}]}
 *   GET /subjects/{s}/versions/{v}   the same plus "subject", "id", "version"
 * where S is the schema text, or for ?format=serialized and T = PROTOBUF
 * the base64 of a FileDescriptorProto. Errors are {"error_code", "message"}.
 * Everything is untrusted: types are checked, numbers range-checked.
 */
#include "registry/registry_int.h"

#include "json/json.h"

#include <stdio.h>

static int corrupt(icp_error *err, const char *where, const char *what)
{
	return icp_error_set(err, ICP_ERR_CORRUPT, "schema registry %s: %s", where, what);
}

/* An int32 member within [lo, hi]; 1 when absent (leaves *out). */
static int get_i32(const icp_json *o, const char *key, int64_t lo, int64_t hi, int32_t *out)
{
	const icp_json *v = icp_json_get(o, key);
	int64_t x;
	if (!v)
		return 1;
	if (icp_json_as_int64(v, &x) != ICP_OK || x < lo || x > hi)
		return -1;
	*out = (int32_t)x;
	return 0;
}

int icp_csr_parse_answer(icp_arena *scratch, icp_arena *keep, const uint8_t *body, size_t len,
                         int serialized, const char *where, icp_csr_answer *out,
                         icp_error *err)
{
	icp_json *root = NULL;
	const icp_json *v, *refs;
	const char *s;
	size_t n, i;
	icp_error je;
	int rc;

	memset(out, 0, sizeof(*out));
	out->id = -1;
	icp_error_init(&je);
	if ((rc = icp_json_parse(scratch, (const char *)body, len, NULL, &root, &je)) != ICP_OK) {
		if (rc == ICP_ERR_NOMEM)
			return icp_error_set(err, rc, "out of memory");
		return icp_error_set(err, ICP_ERR_CORRUPT, "schema registry %s: %s", where, je.msg);
	}
	if (root->type != ICP_JSON_OBJECT)
		return corrupt(err, where, "answer is not a JSON object");
	if (get_i32(root, "id", 0, INT32_MAX, &out->id) < 0)
		return corrupt(err, where, "\"id\" is not a schema id");
	if (get_i32(root, "version", 1, INT32_MAX, &out->version) < 0)
		return corrupt(err, where, "\"version\" is not a version number");
	out->type = ICP_CSR_AVRO;
	if ((v = icp_json_get(root, "schemaType")) != NULL) {
		if (icp_json_as_str(v, &s, &n) != ICP_OK)
			return corrupt(err, where, "\"schemaType\" is not a string");
		if (n == 4 && memcmp(s, "AVRO", 4) == 0)
			out->type = ICP_CSR_AVRO;
		else if (n == 8 && memcmp(s, "PROTOBUF", 8) == 0)
			out->type = ICP_CSR_PROTOBUF;
		else if (n == 4 && memcmp(s, "JSON", 4) == 0)
			out->type = ICP_CSR_JSON;
		else
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "schema registry %s: unknown schemaType \"%.40s\"", where, s);
	}
	if (icp_json_as_str(icp_json_get(root, "schema"), &s, &n) != ICP_OK)
		return corrupt(err, where, "\"schema\" is missing or not a string");
	if (serialized && out->type == ICP_CSR_PROTOBUF) {
		uint8_t *d = icp_arena_alloc(keep, n / 4 * 3 + 1);
		size_t dn, bad;
		if (!d)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		if (n == 0 || icp_base64_decode((const uint8_t *)s, n, d, &dn, &bad) != ICP_OK)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "schema registry %s: \"schema\" is not base64 (a serialized "
			                     "FileDescriptorProto)%s",
			                     where, n ? "" : ": empty");
		out->text = icp_slice_make(d, dn);
	} else {
		char *t = icp_arena_alloc(keep, n + 1);
		if (!t)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		memcpy(t, s, n);
		t[n] = 0; /* text schemas stay usable as C strings */
		out->text = icp_slice_make(t, n);
	}
	refs = icp_json_get(root, "references");
	if (!refs || refs->type == ICP_JSON_NULL)
		return ICP_OK;
	if (refs->type != ICP_JSON_ARRAY)
		return corrupt(err, where, "\"references\" is not an array");
	if (refs->u.arr.n > 4096)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "schema registry %s: %zu references (at most 4096)", where,
		                     refs->u.arr.n);
	out->refs = icp_arena_alloc(keep, (refs->u.arr.n + 1) * sizeof(icp_csr_ref));
	if (!out->refs)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (i = 0; i < refs->u.arr.n; i++) {
		const icp_json *r = &refs->u.arr.items[i];
		icp_csr_ref *o = &out->refs[i];
		const char *name = "", *subj;
		int32_t ver = 0;
		if (r->type != ICP_JSON_OBJECT ||
		    icp_json_as_str(icp_json_get(r, "subject"), &subj, &n) != ICP_OK || n == 0 ||
		    memchr(subj, 0, n) || get_i32(r, "version", -1, INT32_MAX, &ver) != 0 ||
		    ver == 0 ||
		    (icp_json_get(r, "name") &&
		     icp_json_as_str(icp_json_get(r, "name"), &name, NULL) != ICP_OK))
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "schema registry %s: reference %zu is not "
			                     "{name, subject, version}",
			                     where, i);
		o->subject = icp_arena_strdup(keep, subj);
		o->name = icp_arena_strdup(keep, name);
		o->version = ver;
		if (!o->subject || !o->name)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	out->n_refs = refs->u.arr.n;
	return ICP_OK;
}

int64_t icp_csr_error_code(icp_arena *scratch, const uint8_t *body, size_t len, char *msg,
                           size_t cap)
{
	icp_json *root = NULL;
	const char *s;
	size_t n, i;
	int64_t code = 0;

	msg[0] = 0;
	if (len == 0 || icp_json_parse(scratch, (const char *)body, len, NULL, &root, NULL) != ICP_OK ||
	    root->type != ICP_JSON_OBJECT)
		return 0;
	if (icp_json_as_int64(icp_json_get(root, "error_code"), &code) != ICP_OK)
		code = 0;
	if (icp_json_as_str(icp_json_get(root, "message"), &s, &n) == ICP_OK) {
		/* the registry's words go into our error message: keep them short
		 * and on one line */
		for (i = 0; i < n && i + 1 < cap; i++)
			msg[i] = (s[i] >= 0 && s[i] < 0x20) || s[i] == 0x7f ? ' ' : s[i];
		msg[i] = 0;
	}
	return code;
}
