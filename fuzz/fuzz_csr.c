/* Fuzz target: the Confluent Schema Registry answer parsers
 * (src/registry/csr_parse.c) on arbitrary bytes, read both as a plain and
 * as a ?format=serialized answer, and as an error body. Every failure
 * must say why; a parsed answer must be internally consistent. */
#include "registry/registry_int.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_arena *scratch = icp_arena_new(0), *keep = icp_arena_new(0);
	icp_csr_answer a;
	icp_error err;
	char msg[64];
	size_t i;
	int ser, rc;

	if (!scratch || !keep)
		goto out;
	for (ser = 0; ser < 2; ser++) {
		icp_error_init(&err);
		rc = icp_csr_parse_answer(scratch, keep, data, size, ser, "fuzz", &a, &err);
		if (rc != ICP_OK && err.msg[0] == 0)
			abort();
		if (rc == ICP_OK) {
			if (a.text.len && !a.text.ptr)
				abort();
			for (i = 0; i < a.n_refs; i++)
				if (!a.refs[i].subject || !a.refs[i].subject[0] || a.refs[i].version == 0)
					abort();
		}
		icp_arena_reset(scratch);
	}
	(void)icp_csr_error_code(scratch, data, size, msg, sizeof(msg));
	if (strlen(msg) >= sizeof(msg))
		abort();
out:
	icp_arena_free(scratch);
	icp_arena_free(keep);
	return 0;
}
