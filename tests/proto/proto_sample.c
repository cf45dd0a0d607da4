/*
 * Helper of tests/proto/it_proto.sh.
 *   proto_sample SET RECORDS
 * SET: a FileDescriptorSet (protoc --descriptor_set_out --include_imports),
 * split here into its FileDescriptorProtos (field 1, repeated; the last is
 * the main file). RECORDS: frames of a 4-byte big-endian length, then a
 * Confluent value without its 5-byte header (message indexes + message).
 * Prints "SCHEMA <iceberg json>" of the first top-level message, then one
 * line per record: the decoded tree as JSON, or "ERROR <message>".
 */
#include "proto/proto_int.h"

#include <stdio.h>
#include <stdlib.h>

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	icp_buf b;
	uint8_t chunk[65536];
	size_t r;

	if (!f)
		return NULL;
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		icp_buf_append(&b, chunk, r);
	fclose(f);
	return icp_buf_detach(&b, n);
}

int main(int argc, char **argv)
{
	icp_slice files[64];
	size_t nfiles = 0, setn = 0, recn = 0, nidx;
	uint8_t *set, *rec;
	const uint8_t *q, *end;
	icp_proto_schema *s = NULL;
	icp_proto_decoder *dec = icp_proto_decoder_new();
	const icp_proto_msg *m;
	icp_ice_schema *ice = NULL;
	icp_vt_doc doc = {0};
	icp_error err;
	icp_buf out;
	int32_t idx[8];

	if (argc != 3 || !(set = slurp(argv[1], &setn)) || !(rec = slurp(argv[2], &recn)))
		return 2;
	icp_error_init(&err);
	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	for (q = set, end = set + setn; q < end && nfiles < 64;) {
		uint32_t num;
		uint64_t v;
		int wt;
		if (icp_pb_tag(&q, end, &num, &wt) || icp_pb_value(&q, end, wt, &v))
			return 3;
		if (wt == PB_LEN) {
			if (num == 1)
				files[nfiles++] = icp_slice_make(q, (size_t)v);
			q += v;
		}
	}
	if (icp_proto_schema_new(files, nfiles, &s, &err) != ICP_OK ||
	    icp_proto_message(s, NULL, 0, &m, &err) != ICP_OK ||
	    icp_proto_to_iceberg(m, &ice, &err) != ICP_OK) {
		printf("ERROR %s\n", err.msg);
		return 1;
	}
	icp_ice_schema_to_json(ice, &out);
	printf("SCHEMA %.*s\n", (int)out.len, (const char *)out.data);
	for (q = rec, end = rec + recn; end - q >= 4;) {
		size_t len = icp_load_be32(q);
		const uint8_t *p = q + 4, *pend = p + len;
		q = pend;
		icp_error_init(&err);
		icp_buf_reset(&out);
		if (icp_proto_read_indexes(&p, pend, idx, 8, &nidx, &err) != ICP_OK ||
		    icp_proto_message(s, idx, nidx, &m, &err) != ICP_OK ||
		    icp_proto_decode(dec, m, p, (size_t)(pend - p), &doc, &err) != ICP_OK) {
			printf("ERROR %s\n", err.msg);
			continue;
		}
		icp_vt_to_json(&doc, 0, &out);
		printf("%.*s\n", (int)out.len, (const char *)out.data);
	}
	icp_vt_doc_dispose(&doc);
	icp_buf_dispose(&out);
	icp_ice_schema_free(ice);
	icp_proto_schema_free(s);
	icp_proto_decoder_free(dec);
	icp_free(set);
	icp_free(rec);
	return 0;
}
