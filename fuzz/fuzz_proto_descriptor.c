/* Fuzz target: the Protobuf descriptor parser (src/proto). The input is
 * one FileDescriptorProto (the main file, no dependencies); each of its
 * first top-level messages and their first nested ones are mapped to
 * Iceberg columns and decode a few small payloads, the input itself among
 * them. Every failure must say why.
 */
#include "proto/proto.h"

#include <stdlib.h>

static void try_message(const icp_proto_msg *m, icp_proto_decoder *dec, const uint8_t *data,
                        size_t size)
{
	static const char *const payloads[] = {
		"",
		"\x08\x01\x10\x02\x18\x03\x20\x04",
		"\x0a\x03\x61\x62\x63\x12\x02\x08\x01",
		"\x0d\x01\x02\x03\x04\x11\x01\x02\x03\x04\x05\x06\x07\x08",
		"\x0a\x04\x0a\x02\x08\x05\x0a\x00",
	};
	static const size_t lens[] = {0, 8, 9, 14, 8};
	icp_ice_schema *ice = NULL;
	icp_vt_doc doc = {0};
	icp_error err;
	icp_buf out;
	size_t i;

	icp_error_init(&err);
	if (icp_proto_to_iceberg(m, &ice, &err) != ICP_OK && !err.msg[0])
		abort();
	icp_ice_schema_free(ice);
	doc.max_nodes = 1 << 14;
	for (i = 0; i <= ICP_ARRAY_LEN(payloads); i++) {
		const uint8_t *p = i < ICP_ARRAY_LEN(payloads) ? (const uint8_t *)payloads[i] : data;
		size_t n = i < ICP_ARRAY_LEN(payloads) ? lens[i] : size;
		icp_error_init(&err);
		if (icp_proto_decode(dec, m, p, n, &doc, &err) != ICP_OK) {
			if (!err.msg[0])
				abort();
			continue;
		}
		icp_buf_init(&out, 0);
		if (icp_vt_to_json(&doc, 0, &out) != ICP_OK)
			abort();
		icp_buf_dispose(&out);
	}
	icp_vt_doc_dispose(&doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_slice file = {data, size};
	icp_proto_schema *s = NULL;
	icp_proto_decoder *dec;
	const icp_proto_msg *m;
	icp_error err;
	int32_t idx[2];

	icp_error_init(&err);
	if (icp_proto_schema_new(&file, 1, &s, &err) != ICP_OK) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	if (!(dec = icp_proto_decoder_new())) {
		icp_proto_schema_free(s);
		return 0;
	}
	for (idx[0] = 0; idx[0] < 4; idx[0]++) {
		if (icp_proto_message(s, idx, 1, &m, &err) != ICP_OK)
			break;
		try_message(m, dec, data, size);
		for (idx[1] = 0; idx[1] < 2; idx[1]++)
			if (icp_proto_message(s, idx, 2, &m, &err) == ICP_OK)
				try_message(m, dec, data, size);
		icp_error_init(&err);
	}
	icp_proto_decoder_free(dec);
	icp_proto_schema_free(s);
	return 0;
}
