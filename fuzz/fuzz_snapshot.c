/* Fuzz target: what src/coord reads from etcd that other programs wrote:
 * the KafScale metadata snapshot (icp_coord_parse_snapshot) and the
 * lease and offset values. Invariants: failures say why; a parsed
 * snapshot lists live partitions sorted, unique, with a '/'-free topic. */
#include "coord/coord.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_arena *a = icp_arena_new(0);
	icp_slice in = icp_slice_make(data, size);
	icp_coord_tp_list l;
	icp_coord_lease_value lv;
	icp_coord_offset ov;
	icp_error err;
	size_t i;

	if (!a)
		return 0;
	icp_error_init(&err);
	if (icp_coord_parse_snapshot(a, in, 10000, &l, &err) != ICP_OK) {
		if (err.status == ICP_OK || err.msg[0] == 0)
			abort();
	} else {
		for (i = 0; i < l.n; i++) {
			if (!l.v[i].topic[0] || strchr(l.v[i].topic, '/') || l.v[i].partition < 0)
				abort();
			if (i > 0) {
				int c = strcmp(l.v[i - 1].topic, l.v[i].topic);
				if (c > 0 || (c == 0 && l.v[i - 1].partition >= l.v[i].partition))
					abort();
			}
		}
	}
	icp_error_init(&err);
	if (icp_coord_lease_decode(a, in, &lv, &err) != ICP_OK && err.msg[0] == 0)
		abort();
	icp_error_init(&err);
	if (icp_coord_offset_decode(in, &ov, &err) != ICP_OK && err.msg[0] == 0)
		abort();
	icp_arena_free(a);
	return 0;
}
