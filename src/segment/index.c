/*
 * .index parsing:
 *   0  4 magic "IDX\0"   4  2 version (1)   6  4 entries (int32)
 *   10 4 interval        14 2 reserved
 *   16 .. entries of 12 bytes: offset int64, position int32
 * The file size must be exactly 16 + 12 * entries. Entries are in
 * increasing offset and position order and point into the body.
 */
#include "segment/segment_int.h"

int icp_segment_index_parse(icp_slice data, const char *name,
                            uint64_t segment_size, icp_segment_index *out,
                            icp_error *err)
{
	const uint8_t *p = data.ptr;
	uint32_t magic;
	int32_t entries;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (data.len < ICP_INDEX_HEADER_SIZE)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: index is %zu bytes, shorter than its 16-byte header",
		                     name, data.len);
	magic = icp_load_be32(p);
	if (magic != 0x49445800u)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: index magic at byte 0 is %08x, expected 49445800 (IDX\\0)",
		                     name, magic);
	out->version = icp_load_be16(p + 4);
	if (out->version != 1)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: index version at byte 4 is %u, only version 1 is known",
		                     name, out->version);
	entries = (int32_t)icp_load_be32(p + 6);
	out->interval = (int32_t)icp_load_be32(p + 10);
	if (entries < 0 || (data.len - ICP_INDEX_HEADER_SIZE) % ICP_INDEX_ENTRY_SIZE != 0 ||
	    (data.len - ICP_INDEX_HEADER_SIZE) / ICP_INDEX_ENTRY_SIZE != (size_t)entries)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "%s: index header says %d entries (%lld bytes) but the file is "
		                     "%zu bytes",
		                     name, entries,
		                     (long long)ICP_INDEX_HEADER_SIZE +
		                             (long long)entries * ICP_INDEX_ENTRY_SIZE,
		                     data.len);
	if (entries == 0)
		return ICP_OK;
	out->entries = icp_calloc((size_t)entries, sizeof(icp_index_entry));
	if (!out->entries)
		return icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory for %d index entries",
		                     name, entries);
	out->n_entries = (size_t)entries;
	for (i = 0; i < out->n_entries; i++) {
		const uint8_t *e = p + ICP_INDEX_HEADER_SIZE + i * ICP_INDEX_ENTRY_SIZE;
		icp_index_entry *ie = &out->entries[i];
		int32_t pos = (int32_t)icp_load_be32(e + 8);
		ie->offset = (int64_t)icp_load_be64(e);
		if (pos < ICP_SEGMENT_HEADER_SIZE ||
		    (segment_size && (uint64_t)pos + ICP_BATCH_HEADER_SIZE + ICP_SEGMENT_FOOTER_SIZE >
		                             segment_size) ||
		    ie->offset < 0 ||
		    (i > 0 && (ie->offset <= out->entries[i - 1].offset ||
		               (uint32_t)pos <= out->entries[i - 1].position))) {
			icp_error_set(err, ICP_ERR_CORRUPT,
			              "%s: index entry %zu at byte %zu (offset %lld, position %d) is "
			              "out of order or outside the segment body",
			              name, i, (size_t)(e - p), (long long)ie->offset, pos);
			icp_segment_index_dispose(out);
			return ICP_ERR_CORRUPT;
		}
		ie->position = (uint32_t)pos;
	}
	return ICP_OK;
}

void icp_segment_index_dispose(icp_segment_index *idx)
{
	if (!idx)
		return;
	icp_free(idx->entries);
	idx->entries = NULL;
	idx->n_entries = 0;
}

const icp_index_entry *icp_segment_index_seek(const icp_segment_index *idx,
                                              int64_t offset)
{
	size_t lo = 0, hi = idx->n_entries;

	/* first entry with entry.offset > offset, then step back */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (idx->entries[mid].offset <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? NULL : &idx->entries[lo - 1];
}
