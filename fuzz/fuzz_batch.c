/* Fuzz target: one RecordBatch v2 (CRC checks off so mutations reach the
 * codec and record parsers), with small caps. */
#include "segment/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_segment_opts o;
	icp_batch_decoder *d;
	icp_batch b;
	icp_error err;

	icp_segment_opts_init(&o);
	o.skip_crc = 1;
	o.max_decompressed_bytes = 4u << 20;
	d = icp_batch_decoder_new(&o);
	if (!d)
		return 0;
	icp_error_init(&err);
	if (icp_batch_decode(d, icp_slice_make(data, size), 32, "fuzz", &b, &err) == ICP_OK) {
		size_t i, sum = 0;
		for (i = 0; i < b.n_records; i++)
			sum += b.records[i].value.len ? b.records[i].value.ptr[0] : 0;
		(void)sum;
	}
	icp_batch_decoder_free(d);
	return 0;
}
