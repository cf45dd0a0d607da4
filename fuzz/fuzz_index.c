/* Fuzz target: the .index parser and seek. */
#include "segment/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_segment_index idx;
	icp_error err;

	icp_error_init(&err);
	if (icp_segment_index_parse(icp_slice_make(data, size), "fuzz.index",
	                            size > 8 ? icp_load_be32(data + size - 4) : 0, &idx,
	                            &err) == ICP_OK) {
		size_t i;
		for (i = 0; i < idx.n_entries; i++)
			(void)icp_segment_index_seek(&idx, idx.entries[i].offset + 1);
		(void)icp_segment_index_seek(&idx, INT64_MIN);
		(void)icp_segment_index_seek(&idx, INT64_MAX);
		icp_segment_index_dispose(&idx);
	}
	return 0;
}
