/* Fuzz target: LFS envelope recognition and parsing (record values are
 * untrusted), and verification of the input against whatever parsed. */
#include "lfs/lfs.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_arena *a = icp_arena_new(0);
	icp_lfs_envelope e;
	icp_error err;
	icp_slice v = icp_slice_make(data, size);

	if (!a)
		return 0;
	icp_error_init(&err);
	(void)icp_lfs_is_envelope(v);
	if (icp_lfs_parse(v, a, &e, &err) == ICP_OK) {
		if (!e.bucket || !e.key || !e.checksum || !e.checksum_alg)
			abort(); /* required members always set on success */
		icp_error_init(&err);
		(void)icp_lfs_verify(&e, v, &err);
	} else if (err.status == ICP_OK || err.msg[0] == 0) {
		abort(); /* every failure says why */
	}
	icp_arena_free(a);
	return 0;
}
