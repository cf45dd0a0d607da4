/* Fuzz target: the JSON Schema compiler and validator. The input is
 * "schema NUL instance" (without a NUL, the schema is validated against
 * itself). Every refusal must say why, validation must give one of its
 * documented statuses with a message, and running it twice on the same
 * validator must give the same answer (the validator is immutable). */
#include "jsonschema/jsonschema.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t slen = nul ? (size_t)(nul - data) : size;
	const char *inst = nul ? (const char *)nul + 1 : (const char *)data;
	size_t ilen = nul ? size - slen - 1 : size;
	icp_jsonschema *v = NULL;
	icp_jsonschema_opts o = {0};
	icp_jsonschema_result r1, r2;
	icp_arena *a;
	icp_error err;
	int rc1, rc2;

	icp_error_init(&err);
	o.max_depth = 64;
	o.draft = size & 1 ? ICP_JSONSCHEMA_DRAFT_07 : ICP_JSONSCHEMA_DRAFT_AUTO;
	if (icp_jsonschema_compile((const char *)data, slen, &o, &v, &err) != ICP_OK) {
		if (err.status == ICP_OK || err.msg[0] == 0 || v != NULL)
			abort();
		return 0;
	}
	a = icp_arena_new(0);
	if (!a)
		goto out;
	rc1 = icp_jsonschema_validate_text(v, inst, ilen, a, &r1);
	icp_arena_reset(a);
	rc2 = icp_jsonschema_validate_text(v, inst, ilen, a, &r2);
	if (rc1 != rc2 || (rc1 == ICP_OK) != r1.valid)
		abort();
	if (rc1 != ICP_OK && (r1.message[0] == 0 || strcmp(r1.message, r2.message) != 0))
		abort();
	if (rc1 != ICP_OK && rc1 != ICP_ERR_INVALID && rc1 != ICP_ERR_TOO_LARGE &&
	    rc1 != ICP_ERR_CORRUPT && rc1 != ICP_ERR_NOMEM)
		abort();
	icp_arena_free(a);
out:
	icp_jsonschema_free(v);
	return 0;
}
