/*
 * The fixed parts of a .kfs: the 32-byte header and the 16-byte footer
 * (layout in segment.h). Both are checked field by field; a failure names
 * the object and the byte.
 */
#include "segment/segment_int.h"

int icp_segment_header_parse(const uint8_t *p, size_t n, const char *name,
                             icp_segment_header *h, icp_error *err)
{
	uint32_t magic;

	if (n < ICP_SEGMENT_HEADER_SIZE)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: object is %zu bytes, too short for the 32-byte segment header",
		                     name, n);
	magic = icp_load_be32(p);
	if (magic != 0x4B414653u) {
		char shown[5];
		int i;
		for (i = 0; i < 4; i++)
			shown[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '.';
		shown[4] = 0;
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: segment magic at byte 0 is %08x (%s), expected 4b414653 (KAFS)",
		                     name, magic, shown);
	}
	h->version = icp_load_be16(p + 4);
	h->flags = icp_load_be16(p + 6);
	h->base_offset = (int64_t)icp_load_be64(p + 8);
	h->message_count = (int32_t)icp_load_be32(p + 16);
	h->created_ms = (int64_t)icp_load_be64(p + 20);
	if (h->version != 1)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: segment version at byte 4 is %u, only version 1 is known",
		                     name, h->version);
	if (h->flags != 0)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: segment flags at byte 6 are 0x%04x, expected 0 "
		                     "(segment-level compression is not defined)",
		                     name, h->flags);
	if (h->base_offset < 0 || h->message_count < 0)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: segment header has base offset %lld and message count %d",
		                     name, (long long)h->base_offset, h->message_count);
	return ICP_OK;
}

int icp_segment_footer_parse(const uint8_t *p, const char *name,
                             uint64_t size, icp_segment_footer *f,
                             icp_error *err)
{
	uint32_t magic = icp_load_be32(p + 12);

	if (magic != 0x454E4421u)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: file is %llu bytes and does not end with the END! footer "
		                     "(last 4 bytes are %08x)",
		                     name, (unsigned long long)size, magic);
	f->crc = icp_load_be32(p);
	f->last_offset = (int64_t)icp_load_be64(p + 4);
	return ICP_OK;
}
